package Kamailio::VDB::Adapter::Speeddial;

# Part of switchboard's perl-lib, written for switchboard.

use strict;
use warnings;

use Kamailio::VDB ();
our @ISA     = ('Kamailio::VDB');
our $VERSION = '1.00';

sub query {
    my ( $self, $conds, $retkeys, $order ) = @_;
    my $c = $self->conds_hash($conds);
    my ( $ok, $uri ) = $self->call_vtab( 'query',
        $c->{username}, $c->{domain}, $c->{sd_username}, $c->{sd_domain} );
    return undef unless $ok;
    $retkeys = ['new_uri'] unless $retkeys && @$retkeys;
    return $self->make_result($retkeys) unless defined $uri && length $uri;
    return $self->make_result( $retkeys, { new_uri => $uri } );
}

1;

__END__

=head1 NAME

Kamailio::VDB::Adapter::Speeddial - speed dial lookups answered by Perl

=head1 SYNOPSIS

  # the virtual table: a function named like the table
  sub speeddial_table {
      my ($op, $user, $domain, $sd_user, $sd_domain) = @_;
      return "sip:alice\@example.org" if $sd_user eq "1";
      return undef;
  }

=head1 DESCRIPTION

An adapter (see L<Kamailio::VDB>) for the speeddial module's lookups.
A query's C<=> conditions are handed to the virtual table's C<query>
operation as four arguments, in the column order of the speeddial table:
username, domain, sd_username, sd_domain (undef for a condition the module
did not send). The table returns the new URI, or undef (or the empty
string) when there is none.

The result has one C<DB_STRING> column per requested key (C<new_uri> when
none is requested) and one row whose C<new_uri> cell is the URI (other
cells NULL); no row when the table found nothing. If the table dies, the
error is logged and query returns undef. Only query is supported; the
other operations log an error and return -1.

=cut
