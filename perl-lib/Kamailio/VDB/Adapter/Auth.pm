package Kamailio::VDB::Adapter::Auth;

# Part of switchboard's perl-lib, written for switchboard.

use strict;
use warnings;

use Digest::MD5 qw(md5_hex);
use Kamailio::VDB ();
our @ISA     = ('Kamailio::VDB');
our $VERSION = '1.00';

sub query {
    my ( $self, $conds, $retkeys, $order ) = @_;
    my $c = $self->conds_hash($conds);
    my ( $user, $domain ) = ( $c->{username}, $c->{domain} );
    my ( $ok, $password ) = $self->call_vtab( 'query', $user, $domain );
    return undef unless $ok;
    $retkeys = ['password'] unless $retkeys && @$retkeys;
    return $self->make_result($retkeys) unless defined $password;

    my %values = ( password => $password );
    if ( defined $user && defined $domain ) {
        # The digest hashes auth_db can use instead of the plain password;
        # the realm is the domain.
        $values{ha1}  = md5_hex("$user:$domain:$password");
        $values{ha1b} = md5_hex("$user\@$domain:$domain:$password");
    }
    return $self->make_result( $retkeys, \%values );
}

1;

__END__

=head1 NAME

Kamailio::VDB::Adapter::Auth - credentials for auth_db answered by Perl

=head1 SYNOPSIS

  sub credentials {
      my ($op, $user, $domain) = @_;
      my %pw = (alice => "secret");
      return $pw{$user};
  }

=head1 DESCRIPTION

An adapter (see L<Kamailio::VDB>) for the auth_db module. The virtual
table's C<query> operation gets the user name (the C<username> condition)
and, as a second argument, the domain when the module sends one. It
returns the password in plain text, or undef for an unknown user.

The result has one C<DB_STRING> column per requested key and, for a known
user, one row: C<password> is the plain password; when a domain was given,
C<ha1> is MD5(user:domain:password) and C<ha1b> is
MD5(user@domain:domain:password), the realm being the domain; any other
column is NULL. Without a domain there is no realm to hash with, so
C<ha1> and C<ha1b> are NULL: set auth_db to compute them from the
password column. An unknown user gives a result without rows. If the
table dies, the error is logged and undef is returned.

The other operations log an error and return -1.

=cut
