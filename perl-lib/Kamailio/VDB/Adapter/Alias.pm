package Kamailio::VDB::Adapter::Alias;

# Part of switchboard's perl-lib, written for switchboard.

use strict;
use warnings;

use Kamailio::VDB ();
our @ISA     = ('Kamailio::VDB');
our $VERSION = '1.00';

sub query {
    my ( $self, $conds, $retkeys, $order ) = @_;
    my $c = $self->conds_hash($conds);
    my ( $ok, @found ) = $self->call_vtab( 'query', $c->{alias_username}, $c->{alias_domain} );
    return undef unless $ok;
    @found = @{ $found[0] } if @found == 1 && ref $found[0] eq 'ARRAY';
    my ( $user, $domain ) = @found;
    $retkeys = [qw(username domain)] unless $retkeys && @$retkeys;
    return $self->make_result($retkeys) unless defined $user && length $user;
    return $self->make_result( $retkeys, { username => $user, domain => $domain } );
}

1;

__END__

=head1 NAME

Kamailio::VDB::Adapter::Alias - alias lookups answered by Perl

=head1 SYNOPSIS

  package My::Aliases;
  sub query {
      my ($class, $alias_user, $alias_domain) = @_;
      return ("alice", "example.org") if $alias_user eq "support";
      return;
  }

=head1 DESCRIPTION

An adapter (see L<Kamailio::VDB>) for the alias_db module.

=over 4

=item query(conds, retkeys, order)

Queries the virtual table with the request conditions: its C<query>
operation gets two arguments, the alias user name and the alias domain
(the C<alias_username> and C<alias_domain> conditions), and returns two
values, the user name and the domain it stands for: a list of two, or a
reference to an array of two. Nothing (or an undefined user name) means
no alias.

The result has one C<DB_STRING> column per requested key; the C<username>
and C<domain> columns get the two values, other columns are NULL. When
retkeys is empty, the columns are C<username> and C<domain>. There is at
most one row. order is accepted and ignored (there is only one row). If
the table dies, the error is logged and undef is returned.

=back

The other operations log an error and return -1.

=cut
