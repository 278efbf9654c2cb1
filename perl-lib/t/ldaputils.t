# Kamailio::LDAPUtils: LDAPConf reads the system's LDAP client settings;
# LDAPConnection loads Net::LDAP only when used, dies clearly without it,
# and searches as documented (checked against a fake Net::LDAP).

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/..";
use File::Temp qw(tempdir);
use Test::More;
no warnings "once";

my @logged;
{
    no warnings 'once';
    *Kamailio::log = sub { push @logged, [@_]; 1 };
}

# Net::LDAP hidden, whether or not it is installed here. A flag, so that
# the fake below can take over later in this file.
my $HIDE_NET_LDAP = 1;
unshift @INC, sub {
    my ( undef, $file ) = @_;
    die "Can't locate $file in \@INC (hidden by the test)\n" if $HIDE_NET_LDAP && $file eq 'Net/LDAP.pm';
    return;
};

use_ok('Kamailio::LDAPUtils::LDAPConf');
use_ok('Kamailio::LDAPUtils::LDAPConnection');
ok( !$INC{'Net/LDAP.pm'}, 'loading LDAPConnection did not load Net::LDAP' );

# --- LDAPConf
my $dir = tempdir( CLEANUP => 1 );
sub write_file { my ( $name, $text ) = @_; open my $fh, '>', "$dir/$name" or die; print $fh $text; close $fh; "$dir/$name" }

my $conf_file = write_file( 'ldap.conf', <<'CONF' );
# a comment
BASE    dc=example,dc=org

host ldap1.example.org ldap2.example.org
Port 3890
rootbinddn cn=manager,dc=example,dc=org
CONF
my $secret = write_file( 'ldap.secret', "topsecret\n" );

my $c = Kamailio::LDAPUtils::LDAPConf->new( file => $conf_file, secret_file => $secret );
isa_ok( $c, 'Kamailio::LDAPUtils::LDAPConf' );
is( $c->base, 'dc=example,dc=org', 'base' );
is( $c->host, 'ldap1.example.org', 'host: the first one' );
is( $c->port, 3890, 'port (keyword case-insensitive)' );
is( $c->uri, 'ldap://ldap1.example.org:3890', 'uri built from host and port' );
is( $c->rootbinddn, 'cn=manager,dc=example,dc=org', 'rootbinddn' );
is( $c->rootbindpw, 'topsecret', 'rootbindpw from the secret file' );
is( $c->binddn, 'cn=manager,dc=example,dc=org', 'binddn falls back to rootbinddn' );
is( $c->bindpw, 'topsecret', 'bindpw falls back to rootbindpw' );
is( $c->{uri}, $c->uri, 'values also as hash keys' );

my $c2 = Kamailio::LDAPUtils::LDAPConf->new(
    file => write_file( 'uri.conf', "URI ldaps://dir.example.org ldap://backup\nBINDDN uid=proxy,dc=x\nBINDPW pw\n" ),
    secret_file => "$dir/missing" );
is( $c2->uri, 'ldaps://dir.example.org', 'uri: the first one' );
is( $c2->host, 'dir.example.org', 'host from the uri' );
is( $c2->port, 636, 'ldaps default port' );
is( $c2->binddn, 'uid=proxy,dc=x', 'binddn' );
is( $c2->bindpw, 'pw', 'bindpw' );
is( $c2->rootbindpw, undef, 'no readable secret: no rootbindpw' );

my $c3 = Kamailio::LDAPUtils::LDAPConf->new( file => undef, secret_file => undef );
is( $c3->host, 'localhost', 'no file: host localhost' );
is( $c3->port, 389, 'no file: port 389' );
is( $c3->uri, 'ldap://localhost:389', 'no file: uri' );
is( $c3->base, undef, 'no file: no base' );

my $c4 = Kamailio::LDAPUtils::LDAPConf->new( file => write_file( 'hp.conf', "HOST h.example:1389\n" ), secret_file => undef );
is( $c4->uri, 'ldap://h.example:1389', 'port given with the host' );
{
    local $ENV{LDAPCONF} = $conf_file;
    local @Kamailio::LDAPUtils::LDAPConf::SECRET_FILES = ();
    is( Kamailio::LDAPUtils::LDAPConf->new->base, 'dc=example,dc=org', '$ENV{LDAPCONF} is read first' );
}
{
    local $ENV{LDAPCONF};
    local @Kamailio::LDAPUtils::LDAPConf::CONFIG_FILES = ( "$dir/nope", $conf_file );
    local @Kamailio::LDAPUtils::LDAPConf::SECRET_FILES = ();
    is( Kamailio::LDAPUtils::LDAPConf->new->host, 'ldap1.example.org', 'first readable default file' );
}
isa_ok( Kamailio::LDAPUtils::LDAPConfig->new( file => undef ), 'Kamailio::LDAPUtils::LDAPConf', 'LDAPConfig alias' );

# --- LDAPConnection without Net::LDAP: a clear error at first use.
for my $try (
    [ 'new'    => sub { Kamailio::LDAPUtils::LDAPConnection->new( $c3 ) } ],
    [ 'search' => sub { Kamailio::LDAPUtils::LDAPConnection::search( $c3, '(uid=x)', undef ) } ],
    [ 'new again' => sub { Kamailio::LDAPUtils::LDAPConnection->new( $c3 ) } ],
) {
    my ( $what, $code ) = @$try;
    ok( !eval { $code->(); 1 }, "$what dies without Net::LDAP" );
    like( $@, qr/needs the Perl module Net::LDAP/, "$what: names the module" );
    like( $@, qr/apt-get install libnet-ldap-perl/, "$what: says how to install it (Debian package)" );
    like( $@, qr/cpan Net::LDAP/, "$what: and elsewhere" );
}

# --- With a fake Net::LDAP.
$HIDE_NET_LDAP = 0;
our ( @CONNECTS, @BINDS, @SEARCHES, %DIRECTORY, $FAIL_CONNECT, $FAIL_BIND );
%DIRECTORY = (
    'uid=andi,ou=people,dc=example,dc=org' => { uid => ['andi'], mail => [ 'andi@example.org', 'a@example.org' ], cn => ['Andi'] },
    'uid=bea,ou=people,dc=example,dc=org'  => { uid => ['bea'],  mail => ['bea@example.org'], cn => ['Bea'] },
);
my $FAKE = <<'PERL';
package Net::LDAP;
sub new { my ($class, $uri) = @_; push @main::CONNECTS, $uri;
  if ($main::FAIL_CONNECT) { $@ = "connection refused"; return undef } bless { uri => $uri }, $class }
sub bind { my ($self, @args) = @_; push @main::BINDS, [@args];
  Net::LDAP::Mesg->new($main::FAIL_BIND ? (49, 'Invalid credentials') : (0, '')) }
sub search { my ($self, %a) = @_; push @main::SEARCHES, {%a};
  my ($attr, $value) = $a{filter} =~ /\(?(\w+)=([^)]*)\)?/;
  my @e = map { Net::LDAP::Entry->new($_, $main::DIRECTORY{$_}) }
          grep { /\Q$a{base}\E\z/ && ($value eq '*' || grep { $_ eq $value } @{ $main::DIRECTORY{$_}{$attr} || [] }) }
          sort keys %main::DIRECTORY;
  my $m = Net::LDAP::Mesg->new($a{base} eq 'dc=broken' ? (32, 'No such object') : (0, ''));
  $m->{entries} = \@e; $m }
package Net::LDAP::Mesg;
sub new { my ($c, $code, $err) = @_; bless { code => $code, error => $err, entries => [] }, $c }
sub code { $_[0]{code} } sub error { $_[0]{error} } sub entries { @{ $_[0]{entries} } }
package Net::LDAP::Entry;
sub new { my ($c, $dn, $attrs) = @_; bless { dn => $dn, attrs => $attrs }, $c }
sub dn { $_[0]{dn} }
sub get_value { my ($s, $a) = @_; my @v = @{ $s->{attrs}{$a} || [] }; wantarray ? @v : $v[0] }
1;
PERL
unshift @INC, sub {
    my ( undef, $file ) = @_;
    return unless $file eq 'Net/LDAP.pm';
    open my $fh, '<', \$FAKE or die;
    return $fh;
};

my $ldap = Kamailio::LDAPUtils::LDAPConnection->new($c);
isa_ok( $ldap, 'Kamailio::LDAPUtils::LDAPConnection' );
is_deeply( \@CONNECTS, ['ldap://ldap1.example.org:3890'], 'connects to the configured uri' );
is_deeply( \@BINDS, [ [] ], 'anonymous bind by default' );
is( $ldap->conf, $c, 'conf accessor' );
isa_ok( $ldap->ldap, 'Net::LDAP' );

my @dns = $ldap->search( '(mail=*)', undef );
is_deeply( \@dns, [ 'uid=andi,ou=people,dc=example,dc=org', 'uid=bea,ou=people,dc=example,dc=org' ], 'no attributes: DNs' );
is( $SEARCHES[-1]{base}, 'dc=example,dc=org', 'undef base: the configured base' );
is_deeply( $SEARCHES[-1]{attrs}, ['1.1'], 'DN-only search asks for no attributes' );

@dns = $ldap->search( 'uid=andi', 'ou=people,' );
is_deeply( \@dns, ['uid=andi,ou=people,dc=example,dc=org'], 'the manual example: filter and base' );
is( $SEARCHES[-1]{base}, 'ou=people,dc=example,dc=org', 'base ending in a comma gets the suffix' );
$ldap->search( 'uid=andi', 'ou=people,dc=example,dc=org' );
is( $SEARCHES[-1]{base}, 'ou=people,dc=example,dc=org', 'full base used as is' );

my @mail = $ldap->search( '(uid=andi)', undef, 'mail' );
is_deeply( \@mail, [ 'andi@example.org', 'a@example.org' ], 'one attribute: all its values' );
is_deeply( $SEARCHES[-1]{attrs}, ['mail'], 'asks for the attribute' );
my @vals = $ldap->search( '(mail=*)', undef, 'cn', 'uid' );
is_deeply( \@vals, [ 'Andi', 'andi', 'Bea', 'bea' ], 'several attributes, several entries: concatenated' );
is_deeply( [ $ldap->search( '(uid=nobody)', undef ) ], [], 'no match: empty list' );

@logged = ();
is_deeply( [ $ldap->search( '(uid=andi)', 'dc=broken' ) ], [], 'failed search: empty list' );
like( $logged[0][1], qr/search '\(uid=andi\)' in 'dc=broken' failed: No such object/, 'failed search logged' );

# The manual's "$ldap->search(conf, filter, base)" form.
my $other = { base => 'ou=people,dc=example,dc=org', uri => 'ldap://unused' };
@dns = $ldap->search( $other, '(uid=bea)', undef );
is_deeply( \@dns, ['uid=bea,ou=people,dc=example,dc=org'], 'conf after the connection: its base' );

# Authenticated.
@BINDS = ();
Kamailio::LDAPUtils::LDAPConnection->new( $c, 1 );
is_deeply( \@BINDS, [ [ 'cn=manager,dc=example,dc=org', password => 'topsecret' ] ], 'authenticated bind with binddn/bindpw' );

# Failures give undef.
@logged = ();
{
    local $FAIL_BIND = 1;
    is( Kamailio::LDAPUtils::LDAPConnection->new( $c, 1 ), undef, 'failed bind: undef' );
    like( $logged[-1][1], qr/bind to ldap:\/\/ldap1.example.org:3890 failed: Invalid credentials/, 'logged' );
}
{
    local $FAIL_CONNECT = 1;
    is( Kamailio::LDAPUtils::LDAPConnection->new($c), undef, 'failed connect: undef' );
    like( $logged[-1][1], qr/cannot connect to ldap:\/\/ldap1.example.org:3890: connection refused/, 'logged' );
}

# Procedural form: one connection, reused.
@CONNECTS = ();
my $hash_conf = { uri => 'ldap://dir.example.org', base => 'dc=example,dc=org' };
@dns = Kamailio::LDAPUtils::LDAPConnection::search( $hash_conf, '(uid=andi)', undef );
is_deeply( \@dns, ['uid=andi,ou=people,dc=example,dc=org'], 'procedural search with a hash' );
Kamailio::LDAPUtils::LDAPConnection::search( $hash_conf, '(uid=bea)', 'ou=people,' );
is( $SEARCHES[-1]{base}, 'ou=people,dc=example,dc=org', 'procedural: suffix appended' );
is_deeply( \@CONNECTS, ['ldap://dir.example.org'], 'procedural: the connection is reused' );
Kamailio::LDAPUtils::LDAPConnection::search( $c, '(uid=bea)', undef );
is( scalar @CONNECTS, 2, 'another server: another connection' );
{
    local $FAIL_CONNECT = 1;
    is_deeply( [ Kamailio::LDAPUtils::LDAPConnection::search( { uri => 'ldap://down' }, '(uid=x)', undef ) ], [],
        'procedural, server down: empty list' );
}

done_testing;
