# Kamailio::Constants: exactly the documented names, with their values,
# exported by default and usable as bare words.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/..";
use Test::More;

use Kamailio::Constants;

my %EXPECTED = (
    SIP_INVALID => 0,  SIP_REQUEST => 1, SIP_REPLY => 2,
    L_ALERT     => -5, L_BUG       => -4, L_CRIT2 => -3, L_CRIT => -2, L_ERR => -1,
    L_WARN      => 0,  L_NOTICE    => 1,  L_INFO  => 2,  L_DBG  => 3,
    FL_WHITE    => 1,  FL_YELLOW   => 2,  FL_GREEN => 3, FL_RED => 4, FL_BLUE => 5,
    FL_MAGENTA  => 6,  FL_BROWN    => 7,  FL_BLACK => 8, FL_ACC => 9, FL_MAX  => 10,
    DB_INT      => 0,  DB_DOUBLE   => 1,  DB_STRING => 2, DB_STR => 3, DB_DATETIME => 4,
    DB_BLOB     => 5,  DB_BITMAP   => 6,
);

is_deeply( [ sort @Kamailio::Constants::EXPORT ], [ sort keys %EXPECTED ],
    '@EXPORT is exactly the documented constants' );

for my $name ( sort keys %EXPECTED ) {
    no strict 'refs';
    ok( defined &{"main::$name"}, "$name imported by default" );
    is( &{"main::$name"}(), $EXPECTED{$name}, "$name is $EXPECTED{$name}" );
    is( prototype("Kamailio::Constants::$name"), '', "$name is a constant (empty prototype)" );
}

# Bare words, as scripts write them (a compile error here if not imported).
is( SIP_REPLY,            2,  'bare SIP_REPLY' );
is( L_CRIT2,              -3, 'bare L_CRIT2' );
is( L_CRIT,               -2, 'bare L_CRIT' );
is( FL_GREEN + FL_MAGENTA, 9, 'bare FL_GREEN + FL_MAGENTA' );
is( DB_BITMAP,            6,  'bare DB_BITMAP' );
ok( L_ALERT < L_ERR && L_ERR < L_DBG, 'lower is more severe' );

# Groups.
{
    package Only::Flags;
    Kamailio::Constants->import(':flags');
    ::ok( defined &Only::Flags::FL_RED,      ':flags imports FL_RED' );
    ::ok( !defined &Only::Flags::L_INFO,     ':flags does not import L_INFO' );
    package Only::Some;
    Kamailio::Constants->import(qw(L_INFO DB_INT));
    ::ok( defined &Only::Some::L_INFO && !defined &Only::Some::FL_RED, 'explicit list' );
}
is( scalar @{ $Kamailio::Constants::EXPORT_TAGS{all} }, scalar keys %EXPECTED, ':all has all' );

done_testing;
