package Kamailio::Constants;

# Part of switchboard's perl-lib. Written for switchboard; the names and
# values follow the documented Kamailio app_perl API.

use strict;
use warnings;

use Exporter ();
our @ISA     = ('Exporter');
our $VERSION = '1.00';

# name => value. One table, so that @EXPORT, the %EXPORT_TAGS groups and the
# subs themselves cannot drift apart.
my @TABLE = (
    # message types (Kamailio::Message::getType)
    [ msgtypes => SIP_INVALID => 0 ],
    [ msgtypes => SIP_REQUEST => 1 ],
    [ msgtypes => SIP_REPLY   => 2 ],

    # log levels (Kamailio::log)
    [ loglevels => L_ALERT  => -5 ],
    [ loglevels => L_BUG    => -4 ],
    [ loglevels => L_CRIT2  => -3 ],
    [ loglevels => L_CRIT   => -2 ],
    [ loglevels => L_ERR    => -1 ],
    [ loglevels => L_WARN   => 0 ],
    [ loglevels => L_NOTICE => 1 ],
    [ loglevels => L_INFO   => 2 ],
    [ loglevels => L_DBG    => 3 ],

    # message flags (setFlag / resetFlag / isFlagSet)
    [ flags => FL_WHITE   => 1 ],
    [ flags => FL_YELLOW  => 2 ],
    [ flags => FL_GREEN   => 3 ],
    [ flags => FL_RED     => 4 ],
    [ flags => FL_BLUE    => 5 ],
    [ flags => FL_MAGENTA => 6 ],
    [ flags => FL_BROWN   => 7 ],
    [ flags => FL_BLACK   => 8 ],
    [ flags => FL_ACC     => 9 ],
    [ flags => FL_MAX     => 10 ],

    # database value types (Kamailio::VDB::*)
    [ dbtypes => DB_INT      => 0 ],
    [ dbtypes => DB_DOUBLE   => 1 ],
    [ dbtypes => DB_STRING   => 2 ],
    [ dbtypes => DB_STR      => 3 ],
    [ dbtypes => DB_DATETIME => 4 ],
    [ dbtypes => DB_BLOB     => 5 ],
    [ dbtypes => DB_BITMAP   => 6 ],
);

our ( @EXPORT, @EXPORT_OK, %EXPORT_TAGS );

for my $entry (@TABLE) {
    my ( $group, $name, $value ) = @$entry;
    {
        no strict 'refs';
        # An empty prototype makes each one a compile-time constant.
        *{ __PACKAGE__ . "::$name" } = sub () { $value };
    }
    push @EXPORT, $name;
    push @{ $EXPORT_TAGS{$group} }, $name;
}
@EXPORT_OK = @EXPORT;
$EXPORT_TAGS{all} = [@EXPORT];

1;

__END__

=head1 NAME

Kamailio::Constants - message types, log levels, flags and database types

=head1 SYNOPSIS

  use Kamailio qw(log);
  use Kamailio::Constants;

  sub check {
      my $m = shift;
      if ($m->getType() == SIP_REQUEST) {
          $m->setFlag(FL_GREEN);
          log(L_INFO, "green request\n");
      }
      return 1;
  }

=head1 DESCRIPTION

Numeric constants shared by scripts and by the Kamailio-compatible Perl
modules. Every constant is exported by default, so after
C<use Kamailio::Constants;> they can be used as bare words. They are real
constant subs (empty prototype), so Perl folds them at compile time.

If only some are wanted, import a group: C<:msgtypes>, C<:loglevels>,
C<:flags>, C<:dbtypes>, or C<:all>; or name them one by one.

=head2 Message types

  SIP_INVALID  0
  SIP_REQUEST  1
  SIP_REPLY    2

=head2 Log levels

The lower the number, the more severe. These are the values Kamailio uses,
so they can be passed to C<Kamailio::log> unchanged.

  L_ALERT  -5
  L_BUG    -4
  L_CRIT2  -3
  L_CRIT   -2
  L_ERR    -1
  L_WARN    0
  L_NOTICE  1
  L_INFO    2
  L_DBG     3

=head2 Message flags

  FL_WHITE 1   FL_YELLOW 2   FL_GREEN 3   FL_RED 4     FL_BLUE 5
  FL_MAGENTA 6 FL_BROWN 7    FL_BLACK 8   FL_ACC 9     FL_MAX 10

=head2 Database value types

Used by L<Kamailio::VDB::Value>, L<Kamailio::VDB::Column> and friends.

  DB_INT 0  DB_DOUBLE 1  DB_STRING 2  DB_STR 3  DB_DATETIME 4  DB_BLOB 5
  DB_BITMAP 6

=head1 NOTES

As in Kamailio, the values are fixed in this file; nothing reads them from
the server at run time. This module does not need the server: it can be
loaded by any perl.

=cut
