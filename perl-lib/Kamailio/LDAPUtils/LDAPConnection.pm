package Kamailio::LDAPUtils::LDAPConnection;

# Part of switchboard's perl-lib, written for switchboard.

use strict;
use warnings;

use Scalar::Util qw(blessed);
use Kamailio::Constants ();
use Kamailio::Utils::Debug ();
use Kamailio::LDAPUtils::LDAPConf ();

our $VERSION = '1.00';

# Connections made by the procedural form of search(), by server and DN,
# reused for later queries.
my %SHARED;

# Net::LDAP is loaded at first use, never when this module is loaded, so
# that scripts using it load (and the server starts) without it.
sub _need_net_ldap {
    return 1 if defined &Net::LDAP::new;
    my $ok = eval { local $SIG{__DIE__}; require Net::LDAP; 1 };
    return 1 if $ok;
    my $err = $@;
    $err =~ s/\s+\z//;
    $err =~ s/ \(\@INC contains:.*//s;
    die "Kamailio::LDAPUtils::LDAPConnection needs the Perl module Net::LDAP, "
      . "which could not be loaded ($err). Install it: on Debian or Ubuntu "
      . "'apt-get install libnet-ldap-perl', elsewhere 'cpan Net::LDAP'.\n";
}

sub _error {
    my ($text) = @_;
    Kamailio::Utils::Debug::emit( Kamailio::Constants::L_ERR(),
        "Kamailio::LDAPUtils::LDAPConnection: $text" );
    return;
}

# A setting from an LDAPConf object (method) or a plain hash reference.
sub _setting {
    my ( $conf, $name ) = @_;
    return undef unless ref $conf;
    return $conf->$name() if blessed($conf) && $conf->can($name);
    return ref $conf eq 'HASH' || blessed($conf) ? $conf->{$name} : undef;
}

sub _uri_of {
    my ($conf) = @_;
    my $uri = _setting( $conf, 'uri' );
    return $uri if defined $uri && length $uri;
    my $host = _setting( $conf, 'host' ) // 'localhost';
    my $port = _setting( $conf, 'port' ) // 389;
    return "ldap://$host:$port";
}

sub new {
    my ( $class, $conf, $authenticated ) = @_;
    _need_net_ldap();
    $conf = Kamailio::LDAPUtils::LDAPConf->new() unless defined $conf;

    my $uri  = _uri_of($conf);
    my $ldap = Net::LDAP->new($uri);
    if ( !$ldap ) {
        _error( "cannot connect to $uri: " . ( $@ || 'unknown error' ) );
        return undef;
    }
    my $mesg = $authenticated
      ? $ldap->bind( _setting( $conf, 'binddn' ), password => _setting( $conf, 'bindpw' ) )
      : $ldap->bind();
    if ( $mesg->code ) {
        _error( ( $authenticated ? 'bind' : 'anonymous bind' ) . " to $uri failed: " . $mesg->error );
        return undef;
    }
    return bless {
        conf          => $conf,
        ldap          => $ldap,
        uri           => $uri,
        authenticated => $authenticated ? 1 : 0,
    }, ref($class) || $class;
}

sub conf { return $_[0]->{conf} }
sub ldap { return $_[0]->{ldap} }

sub search {
    my ( $conf, $filter, $base, @attrs ) = @_;
    my $self;
    if ( blessed($conf) && $conf->isa(__PACKAGE__) ) {
        $self = $conf;
        $conf = $self->{conf};
        # $ldap->search($conf, $filter, $base, ...): a configuration given
        # after the connection, as in the manual's procedural example.
        if ( ref $filter ) {
            ( $conf, $filter, $base, @attrs ) = ( $filter, $base, @attrs );
        }
    }
    else {
        _need_net_ldap();
        $conf = Kamailio::LDAPUtils::LDAPConf->new() unless defined $conf;
        my $key = join "\0", _uri_of($conf), _setting( $conf, 'binddn' ) // '';
        $self = $SHARED{$key} ||= __PACKAGE__->new( $conf, 0 );
        if ( !$self ) {
            delete $SHARED{$key};
            return;
        }
    }

    my $suffix = _setting( $conf, 'base' );
    if ( !defined $base ) {
        $base = $suffix;
    }
    elsif ( $base =~ /,\z/ && defined $suffix ) {
        $base .= $suffix;
    }

    my $mesg = $self->{ldap}->search(
        base   => $base,
        filter => $filter,
        attrs  => @attrs ? [@attrs] : ['1.1'],    # 1.1: no attributes, DNs only
    );
    if ( $mesg->code ) {
        _error( "search '$filter' in '" . ( $base // '' ) . "' failed: " . $mesg->error );
        return;
    }
    my @out;
    for my $entry ( $mesg->entries ) {
        if (@attrs) {
            push @out, $entry->get_value($_) for @attrs;
        }
        else {
            push @out, $entry->dn;
        }
    }
    return @out;
}

1;

__END__

=head1 NAME

Kamailio::LDAPUtils::LDAPConnection - simple LDAP searches

=head1 SYNOPSIS

  use Kamailio::LDAPUtils::LDAPConnection;

  # object style
  my $ldap = Kamailio::LDAPUtils::LDAPConnection->new();
  my @dns  = $ldap->search("(uid=andi)", "ou=people,");
  my @mail = $ldap->search("(uid=andi)", undef, "mail");

  # procedural style: the connection is made once and reused
  my @rows = Kamailio::LDAPUtils::LDAPConnection::search(
      Kamailio::LDAPUtils::LDAPConf->new(), "(uid=andi)", "ou=people,dc=example,dc=org");

=head1 DESCRIPTION

A thin layer over Net::LDAP for the common case of a script that wants a
DN or a few attribute values.

Net::LDAP is not core Perl. This module loads it the first time it is
needed (new or search), not when the module itself is loaded, so a
script that uses it loads fine on a machine without it. At that first use
without Net::LDAP, it dies with a message naming the missing module and
how to install it (Debian/Ubuntu: C<apt-get install libnet-ldap-perl>).
Inside the server the die is logged and the perl_exec call fails, like
any other die.

=head1 METHODS

=over 4

=item new([config [, authenticated]])

Connects. config is a hash reference with the connection settings,
normally a L<Kamailio::LDAPUtils::LDAPConf>; undef (or nothing) means a
new LDAPConf with the system's settings. The server is C<uri> (or
C<ldap://host:port>). With a true authenticated the connection binds
with C<binddn> and C<bindpw>; otherwise the bind is anonymous.

Returns the connection object, or undef when connecting or binding fails
(the reason is logged at L_ERR). Dies only when Net::LDAP is missing.

=item search(conf, filter, base, [requested_attributes ...])

Searches. When conf is a LDAPConnection (method call), that connection is
used. Otherwise conf is the connection settings (an LDAPConf or a hash
reference, undef for the system's) and the function reuses the
connection it made for the same server and bind DN in an earlier call,
connecting (anonymously) the first time.

filter is an LDAP filter such as C<(mail=someone@example.org)>. base is
the search base: undef means the configuration's base; a base ending with
a comma gets the configuration's base appended.

Without requested attributes, returns the DNs of all matching entries.
With some, returns their values instead: for each matching entry, the
values of each requested attribute in order, all in one list. Returns an
empty list when nothing matches, and also when the search fails (logged
at L_ERR).

For the manual's example C<< $ldap->search($conf, $filter, $base) >>, a
reference given as the filter after a connection is taken as the
settings for that search (its base is the one appended).

=item conf(), ldap()

The settings and the underlying Net::LDAP object of a connection.

=back

=cut
