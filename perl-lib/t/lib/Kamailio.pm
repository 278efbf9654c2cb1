package Kamailio;

# TEST STUB ONLY. Stands in for the engine (switchboard's XS side and its
# Kamailio.pm / Kamailio/Message.pm) so that the pure-Perl library and the
# samples can be tested with a plain perl. It is found only by the tests
# (perl-lib/t/lib is put first in @INC by them); the engine never sees it.
#
#   Kamailio::log(level, text)     recorded in @Kamailio::LOG as [level, text]
#   Kamailio::Message->new(raw => "INVITE sip:... SIP/2.0\r\n...")
#                                  a fake message parsed from raw SIP text,
#                                  with the documented methods; calls that
#                                  change it are recorded in the object
#   Kamailio::URI, Kamailio::AVP   minimal fakes

use strict;
use warnings;

use Exporter ();
our @ISA       = ('Exporter');
our @EXPORT_OK = ('log');
our @LOG;

$INC{'Kamailio/Message.pm'} = __FILE__;
$INC{'Kamailio/URI.pm'}     = __FILE__;
$INC{'Kamailio/AVP.pm'}     = __FILE__;

sub bootstrap { return 1 }

sub log {
    my ( $level, $text ) = @_;
    push @LOG, [ $level, $text ];
    return 1;
}

# Test helpers.
sub clear_log { @LOG = () }
sub log_text  { return join '', map { $_->[1] } @LOG }
sub log_lines { return map { $_->[1] } @LOG }

package Kamailio::Message;

use strict;
use warnings;

our $AUTOLOAD;

sub new {
    my ( $class, %args ) = @_;
    my $raw = $args{raw};
    $raw =~ s/\r?\n/\r\n/g;    # tests write "\n"; SIP wants CRLF
    my ( $head, $body ) = split /\r\n\r\n/, $raw, 2;
    $body = '' unless defined $body;
    my ( $first, @lines ) = split /\r\n/, $head;
    my $self = bless {
        raw      => $raw,
        head     => "$head\r\n",    # getFullHeader: no empty line
        body     => $body,
        headers  => [],
        flags    => {},
        branches => [],
        calls    => [],
        returns  => $args{returns} || {},
        src_ip   => $args{src_ip} // '192.0.2.10',
        src_port => $args{src_port} // 5060,
    }, $class;
    if ( $first =~ m{\A(SIP/\d\.\d) (\d{3}) ?(.*)\z} ) {
        @$self{qw(type version status reason)} = ( 2, $1, $2, $3 );
    }
    elsif ( $first =~ m{\A(\S+) (\S+) (SIP/\d\.\d)\z} ) {
        @$self{qw(type method ruri version)} = ( 1, $1, $2, $3 );
    }
    else {
        $self->{type} = 0;
    }
    for my $line (@lines) {
        my ( $name, $value ) = $line =~ /\A([^:\s]+)\s*:\s*(.*)\z/ or next;
        push @{ $self->{headers} }, [ $name, $value ];
    }
    return $self;
}

sub getType    { return $_[0]->{type} }
sub getVersion { return $_[0]->{version} }

sub getStatus {
    return _wrong_type('getStatus') unless $_[0]->{type} == 2;
    return $_[0]->{status};
}

sub getReason {
    return _wrong_type('getReason') unless $_[0]->{type} == 2;
    return $_[0]->{reason};
}

sub getRURI {
    return _wrong_type('getRURI') unless $_[0]->{type} == 1;
    return $_[0]->{ruri};
}

sub getMethod {
    return _wrong_type('getMethod') unless $_[0]->{type} == 1;
    return $_[0]->{method};
}

sub getFullHeader { return $_[0]->{head} }

# As the engine: a method for the other message type logs an error
# (L_ERR) and returns undef.
sub _wrong_type {
    my ($method) = @_;
    Kamailio::log( -1, "Kamailio::Message::$method: not valid for this message type\n" );
    return undef;
}
sub getBody       { return $_[0]->{body} }
sub getMessage    { return $_[0]->{raw} }

sub getHeader {
    my ( $self, $name ) = @_;
    my @values = map { $_->[1] } grep { lc $_->[0] eq lc $name } @{ $self->{headers} };
    return wantarray ? @values : $values[0];
}

sub getHeaderNames { return map { $_->[0] } @{ $_[0]->{headers} } }

sub moduleFunction {
    my ( $self, $func, @args ) = @_;
    push @{ $self->{calls} }, [ $func, @args ];
    my $ret = $self->{returns}{$func};
    die $ret->{die} if ref $ret eq 'HASH' && exists $ret->{die};
    return defined $ret ? $ret : 1;
}

sub log {
    my ( $self, $level, $text ) = @_;
    return Kamailio::log( $level, $text );
}

# 0 when rewritten, -1 (logged) on a reply, as the engine.
sub rewrite_ruri {
    my ( $self, $uri ) = @_;
    if ( $self->{type} != 1 ) {
        Kamailio::log( -1, "Kamailio::Message::rewrite_ruri: only valid for a request\n" );
        return -1;
    }
    $self->{ruri} = $uri;
    return 0;
}

sub setFlag   { $_[0]->{flags}{ $_[1] } = 1; return 1 }
sub resetFlag { delete $_[0]->{flags}{ $_[1] }; return 1 }
sub isFlagSet { return $_[0]->{flags}{ $_[1] } ? 1 : 0 }

sub _header_uri {
    my ( $self, $name ) = @_;
    my $v = $self->getHeader($name);
    return undef unless defined $v;
    return $1 if $v =~ /<([^>]*)>/;
    ( my $u = $v ) =~ s/;.*//;
    return $u;
}

sub _user_of { my $u = shift; return ( defined $u && $u =~ /\A\w+:([^@;]*)\@/ ) ? $1 : undef }
sub _host_of { my $u = shift; return ( defined $u && $u =~ /\@([^;:>?]+)/ ) ? $1 : undef }

sub pseudoVar {
    my ( $self, $string ) = @_;
    my %pv = (
        rm => $self->{method},
        ru => $self->{ruri},
        rU => _user_of( $self->{ruri} ),
        rd => _host_of( $self->{ruri} ),
        fu => $self->_header_uri('From'),
        fU => _user_of( $self->_header_uri('From') ),
        tu => $self->_header_uri('To'),
        tU => _user_of( $self->_header_uri('To') ),
        ci => scalar $self->getHeader('Call-ID'),
        ua => scalar $self->getHeader('User-Agent'),
        si => $self->{src_ip},
        sp => $self->{src_port},
        rs => $self->{status},
        rr => $self->{reason},
    );
    $string =~ s{\$hdr\(([^)]+)\)|\$(\w+)}{
        my $v = defined $1 ? scalar $self->getHeader($1) : $pv{$2};
        defined $v ? $v : '<null>'
    }ge;
    return $string;
}

sub append_branch {
    my ( $self, $uri, $q ) = @_;
    $uri = $self->{ruri} unless defined $uri && length $uri;
    push @{ $self->{branches} }, [ $uri, $q ];
    return 1;
}

sub getParsedRURI {
    my ($self) = @_;
    return Kamailio::URI->_parse( $self->getRURI );
}

# Test helpers.
sub calls    { return @{ $_[0]->{calls} } }
sub branches   { return @{ $_[0]->{branches} } }
sub autoloaded { return @{ $_[0]->{autoloaded} || [] } }

sub DESTROY { }

sub AUTOLOAD {
    my $self = shift;
    ( my $name = $AUTOLOAD ) =~ s/.*:://;
    push @{ $self->{autoloaded} }, $name;
    return $self->moduleFunction( $name, @_ );
}

package Kamailio::URI;

use strict;
use warnings;

sub _parse {
    my ( $class, $uri ) = @_;
    my %u = ( uri => $uri );
    my ( $main, $headers ) = split /\?/, $uri, 2;
    my ( $addr, @params ) = split /;/, $main;
    $addr =~ s/\A\w+://;
    my ( $userinfo, $hostport ) = $addr =~ /@/ ? split( /@/, $addr, 2 ) : ( undef, $addr );
    if ( defined $userinfo ) {
        @u{qw(user passwd)} = split /:/, $userinfo, 2;
    }
    @u{qw(host port)} = split /:/, $hostport, 2;
    $u{params}  = join ';', @params;
    $u{headers} = $headers;
    for my $p (@params) {
        my ( $k, $v ) = split /=/, $p, 2;
        $u{param}{ lc $k } = [ $p, $v ];
    }
    return bless \%u, $class;
}

for my $field (qw(user host passwd port params headers)) {
    no strict 'refs';
    *{"Kamailio::URI::$field"} = sub { return $_[0]->{$field} };
}

# transport, ttl, user_param, maddr, method, lr, r2: the whole parameter;
# the _val variants: its value.
for my $param (qw(transport ttl user_param maddr method lr r2)) {
    no strict 'refs';
    ( my $pname = $param ) =~ s/_param\z//;
    *{"Kamailio::URI::$param"} = sub {
        my $p = $_[0]->{param}{$pname};
        return $p ? $p->[0] : undef;
    };
    *{"Kamailio::URI::${param}_val"} = sub {
        my $p = $_[0]->{param}{$pname};
        return $p ? $p->[1] : undef;
    };
}

package Kamailio::AVP;

use strict;
use warnings;

our %AVPS;

# The engine's return codes: add 0 (nothing added for an undef name or
# value, -1 for a reference), destroy 1 when removed, else 0.
sub add {
    my ( $name, $val ) = @_;
    return 0 unless defined $name && defined $val;
    return -1 if ref $name || ref $val;
    $AVPS{$name} = $val;
    return 0;
}
sub get     { my ($name) = @_; return $AVPS{$name} }
sub destroy { my ($name) = @_; return defined delete $AVPS{$name} ? 1 : 0 }

1;
