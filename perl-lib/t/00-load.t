# Every module of the pure-Perl library loads with a plain perl: without
# the engine (no Kamailio.pm, no Kamailio::log), without Net::LDAP, with
# strict and warnings, and with valid POD.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/..";
use File::Spec;
use Test::More;
use Pod::Checker;

my $LIB = File::Spec->rel2abs("$FindBin::Bin/..");

my @MODULES = qw(
  Kamailio::Constants
  Kamailio::Utils::PhoneNumbers
  Kamailio::Utils::Debug
  Kamailio::VDB
  Kamailio::VDB::Value
  Kamailio::VDB::Pair
  Kamailio::VDB::ReqCond
  Kamailio::VDB::Column
  Kamailio::VDB::Result
  Kamailio::VDB::VTab
  Kamailio::VDB::Adapter::Speeddial
  Kamailio::VDB::Adapter::Alias
  Kamailio::VDB::Adapter::AccountingSIPtrace
  Kamailio::VDB::Adapter::Describe
  Kamailio::VDB::Adapter::Auth
  Kamailio::LDAPUtils::LDAPConf
  Kamailio::LDAPUtils::LDAPConnection
);

sub file_of { ( my $f = shift ) =~ s{::}{/}g; return "$LIB/$f.pm" }

for my $module (@MODULES) {
    my $file = file_of($module);
    ok( -f $file, "$module exists" ) or next;

    open my $fh, '<', $file or die "$file: $!";
    my $src = do { local $/; <$fh> };
    like( $src, qr/^use strict;$/m,   "$module: use strict" );
    like( $src, qr/^use warnings;$/m, "$module: use warnings" );
    ( my $code_part = $src ) =~ s/^__END__\n.*//ms;
    ok( $code_part !~ /^\s*(?:use|require)\s+Kamailio\s*[;(q]/m,
        "$module: does not load Kamailio (the XS side)" );

    # In a fresh perl, with Net::LDAP and IPC::Shareable hidden: the module
    # loads, and neither Kamailio.pm nor Kamailio::log came with it.
    my $code = q{
        BEGIN { unshift @INC, sub {
            die "hidden by test: $_[1]\n" if $_[1] =~ m{^(?:Net/LDAP|IPC/Shareable|Kamailio)\.pm$};
            return } }
        require } . $module . q{;
        print "loaded\n";
        print "Kamailio.pm loaded\n" if exists $INC{"Kamailio.pm"};
        print "Kamailio::log defined\n" if defined &Kamailio::log;
    };
    my $out = qx{"$^X" -I"$LIB" -we '$code' 2>&1};
    is( $out, "loaded\n", "$module loads alone, without the engine and without warnings" );

    my $checker = Pod::Checker->new( -warnings => 1 );
    open my $null, '>', File::Spec->devnull or die;
    $checker->parse_from_file( $file, $null );
    is( $checker->num_errors,   0, "$module: POD has no errors" );
    is( $checker->num_warnings, 0, "$module: POD has no warnings" );
    like( $src, qr/^=head1 NAME\n\n\Q$module\E - /m, "$module: POD NAME section" );
}

done_testing;
