package Kamailio::VDB::Adapter::AccountingSIPtrace;

# Part of switchboard's perl-lib, written for switchboard.

use strict;
use warnings;

use Kamailio::VDB ();
our @ISA     = ('Kamailio::VDB');
our $VERSION = '1.00';

sub insert {
    my ( $self, $pairs ) = @_;
    my ( $ok, $ret ) = $self->call_vtab( 'insert', $self->pairs_hash($pairs), $pairs );
    return -1 unless $ok;
    return ( defined $ret && $ret =~ /\A-\d+\z/ ) ? $ret + 0 : 0;
}

1;

__END__

=head1 NAME

Kamailio::VDB::Adapter::AccountingSIPtrace - accounting and SIP trace records to Perl

=head1 SYNOPSIS

  sub acc_records {
      my ($op, $row, $pairs) = @_;   # $op is "insert"
      open my $fh, '>>', '/var/log/acc.txt' or return -1;
      print $fh join(';', map { "$_=" . ($row->{$_} // '') } sort keys %$row), "\n";
      return 0;
  }

=head1 DESCRIPTION

An adapter (see L<Kamailio::VDB>) for the acc and siptrace modules, which
only ever insert. The virtual table's C<insert> operation gets two
arguments: a hash reference column => value, and the array reference of
L<Kamailio::VDB::Pair> objects as the module sent them (for the types).

insert returns 0 unless the table returns a negative integer, which is
passed on; if the table dies, the error is logged and -1 is returned.
The other operations (query, update, delete, replace) log an error and
fail.

=cut
