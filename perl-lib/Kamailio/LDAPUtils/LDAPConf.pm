package Kamailio::LDAPUtils::LDAPConf;

# Part of switchboard's perl-lib, written for switchboard.

use strict;
use warnings;

our $VERSION = '1.00';

# Where the OpenLDAP client configuration and the manager password are
# looked for, first readable file wins. $ENV{LDAPCONF}, when set, is tried
# before the configuration files (as OpenLDAP's own tools do).
our @CONFIG_FILES = qw(/etc/openldap/ldap.conf /etc/ldap/ldap.conf /etc/ldap.conf);
our @SECRET_FILES = qw(/etc/openldap/ldap.secret /etc/ldap/ldap.secret /etc/ldap.secret);

sub _first_readable {
    for my $f (@_) {
        return $f if defined $f && length $f && -f $f && -r _;
    }
    return undef;
}

# ldap.conf: "KEYWORD value" lines, keywords case-insensitive, # comments.
sub _read_config {
    my ($file) = @_;
    my %cfg;
    open my $fh, '<', $file or return \%cfg;
    while ( my $line = <$fh> ) {
        $line =~ s/\r?\n\z//;
        next if $line =~ /\A\s*(?:#|\z)/;
        my ( $key, $value ) = $line =~ /\A\s*(\S+)\s+(.*?)\s*\z/ or next;
        $cfg{ lc $key } = $value;
    }
    close $fh;
    return \%cfg;
}

sub _read_secret {
    my ($file) = @_;
    open my $fh, '<', $file or return undef;
    my $pw = <$fh>;
    close $fh;
    return undef unless defined $pw;
    $pw =~ s/\r?\n\z//;
    return $pw;
}

sub new {
    my $class = shift;
    my %args  = @_;
    my $self  = bless {}, ref($class) || $class;

    my $file = exists $args{file}
      ? $args{file}
      : _first_readable( $ENV{LDAPCONF}, @CONFIG_FILES );
    my $cfg = ( defined $file && -r $file ) ? _read_config($file) : {};
    $self->{config_file} = $file;
    $self->{config}      = $cfg;

    my $secret_file = exists $args{secret_file}
      ? $args{secret_file}
      : _first_readable(@SECRET_FILES);
    my $secret = ( defined $secret_file && -r $secret_file ) ? _read_secret($secret_file) : undef;

    # URI may list several servers; the first one is used.
    my ($uri) = split ' ', ( $cfg->{uri} // '' );
    my ( $uri_scheme, $uri_host, $uri_port );
    if ( defined $uri && $uri =~ m{\A(ldaps?|ldapi)://([^/:]*)(?::(\d+))?}i ) {
        ( $uri_scheme, $uri_host, $uri_port ) = ( lc $1, $2, $3 );
    }
    my ($host) = split ' ', ( $cfg->{host} // '' );
    $host = $uri_host if !defined $host && defined $uri_host && length $uri_host;
    $host = 'localhost' unless defined $host && length $host;
    # HOST may carry its own port: "ldap.example.org:3890".
    my $host_port;
    $host_port = $1 if $host =~ s/:(\d+)\z//;

    my $port = $cfg->{port} // $host_port // $uri_port
      // ( defined $uri_scheme && $uri_scheme eq 'ldaps' ? 636 : 389 );

    $self->{base}       = $cfg->{base};
    $self->{host}       = $host;
    $self->{port}       = $port;
    $self->{uri}        = defined $uri ? $uri : "ldap://$host:$port";
    $self->{rootbinddn} = $cfg->{rootbinddn};
    $self->{rootbindpw} = $secret;
    $self->{binddn}     = $cfg->{binddn} // $self->{rootbinddn};
    $self->{bindpw}     = $cfg->{bindpw} // $self->{rootbindpw};
    return $self;
}

sub base       { return $_[0]->{base} }
sub host       { return $_[0]->{host} }
sub port       { return $_[0]->{port} }
sub uri        { return $_[0]->{uri} }
sub rootbindpw { return $_[0]->{rootbindpw} }
sub rootbinddn { return $_[0]->{rootbinddn} }
sub binddn     { return $_[0]->{binddn} }
sub bindpw     { return $_[0]->{bindpw} }

# The manual's example spells the class LDAPConfig; accept that name too.
package Kamailio::LDAPUtils::LDAPConfig;
our @ISA = ('Kamailio::LDAPUtils::LDAPConf');

1;

__END__

=head1 NAME

Kamailio::LDAPUtils::LDAPConf - the system's LDAP client settings

=head1 SYNOPSIS

  use Kamailio::LDAPUtils::LDAPConf;

  my $conf = Kamailio::LDAPUtils::LDAPConf->new();
  print $conf->uri, " base ", $conf->base, "\n";

=head1 DESCRIPTION

Reads the LDAP client configuration the rest of the system uses
(nss-ldap, pam-ldap, the OpenLDAP tools): the first readable one of
C<$ENV{LDAPCONF}>, F</etc/openldap/ldap.conf>, F</etc/ldap/ldap.conf>
(Debian's place) and F</etc/ldap.conf>. The file is made of
C<KEYWORD value> lines; keywords are case-insensitive and C<#> starts a
comment line. The keywords used are C<BASE>, C<HOST>, C<PORT>, C<URI>,
C<BINDDN>, C<BINDPW> and C<ROOTBINDDN>.

The manager ("root") password is read from the first line of the first
readable one of F</etc/openldap/ldap.secret>, F</etc/ldap/ldap.secret> and
F</etc/ldap.secret>. Those files are normally readable by root only, so
for other accounts the root password is simply undef.

This module needs no Perl module beyond core Perl. A missing configuration
file is not an error: the defaults below are used.

=head1 METHODS

=over 4

=item new([file => PATH] [, secret_file => PATH])

Returns a new object initialised from the files. The Kamailio manual
documents new() without arguments; the optional arguments name the files
to read instead of searching the default places (undef: read none).

=item base()

The base DN for searches (C<BASE>), or undef.

=item host()

The LDAP server: the first name of C<HOST>, else the host of C<URI>, else
C<localhost>.

=item port()

C<PORT>, else a port given with the host or in the URI, else 636 for an
C<ldaps://> URI and 389 otherwise.

=item uri()

The first URI of C<URI>; when there is none, C<ldap://HOST:PORT> built
from host() and port().

=item rootbindpw()

The manager password from the secret file, or undef.

=item rootbinddn()

C<ROOTBINDDN>, the DN for manager access, or undef.

=item binddn()

C<BINDDN>, else rootbinddn().

=item bindpw()

C<BINDPW>, else rootbindpw().

=back

The values are also stored in the object under the same names (C<<
$conf->{uri} >> ...), which is what L<Kamailio::LDAPUtils::LDAPConnection>
reads from a plain hash reference.

C<Kamailio::LDAPUtils::LDAPConfig> is another name for this class (the
manual's example uses it).

=cut
