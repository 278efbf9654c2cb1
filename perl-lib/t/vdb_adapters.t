# The VDB adapters: Speeddial, Alias, Auth, AccountingSIPtrace, Describe.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/..";
use Test::More;
use Digest::MD5 qw(md5_hex);

use Kamailio::Constants;
use Kamailio::VDB::ReqCond;
use Kamailio::VDB::Pair;
use Kamailio::VDB::Column;
use Kamailio::VDB::Adapter::Speeddial;
use Kamailio::VDB::Adapter::Alias;
use Kamailio::VDB::Adapter::Auth;
use Kamailio::VDB::Adapter::AccountingSIPtrace;
use Kamailio::VDB::Adapter::Describe;

my @logged;
{
    no warnings 'once';
    *Kamailio::log = sub { push @logged, [@_]; 1 };
}

sub cond { Kamailio::VDB::ReqCond->new( $_[0], '=', DB_STRING, $_[1] ) }
sub row_strings { my $res = shift; [ map { [ map { defined $_ ? "$_" : undef } @$_ ] } @{ $res->rows } ] }

for my $class (qw(Speeddial Alias Auth AccountingSIPtrace Describe)) {
    isa_ok( "Kamailio::VDB::Adapter::$class", 'Kamailio::VDB' );
}

# --- Speeddial
my @sd_args;
sub main::speeddial_table {
    my ( $op, @a ) = @_;
    @sd_args = ( $op, @a );
    return $a[2] eq '1' ? 'sip:alice@example.org' : undef;
}
my $sd = Kamailio::VDB::Adapter::Speeddial->new;
is( $sd->use_table('speeddial_table'), 0, 'speeddial: use_table' );
my $res = $sd->query(
    [ cond( username => 'bob' ), cond( domain => 'example.org' ), cond( sd_username => '1' ), cond( sd_domain => 'example.org' ) ],
    ['new_uri'], undef );
isa_ok( $res, 'Kamailio::VDB::Result' );
is_deeply( \@sd_args, [ 'query', 'bob', 'example.org', '1', 'example.org' ],
    'speeddial: table gets username, domain, sd_username, sd_domain' );
is_deeply( [ map {"$_"} @{ $res->coldefs } ], ['new_uri'], 'speeddial: column new_uri' );
is_deeply( row_strings($res), [ ['sip:alice@example.org'] ], 'speeddial: the URI' );
is( $res->rows->[0][0]->type, DB_STRING, 'speeddial: DB_STRING cell' );
$res = $sd->query( [ cond( username => 'bob' ), cond( sd_username => '2' ) ], ['new_uri'] );
is_deeply( $res->rows, [], 'speeddial: no entry, no row' );
is( $sd_args[2], undef, 'speeddial: missing condition passed as undef' );
is_deeply( [ map {"$_"} @{ $sd->query( [ cond( sd_username => '1' ) ], [] )->coldefs } ], ['new_uri'],
    'speeddial: default column' );
@logged = ();
is( $sd->insert( [] ), -1, 'speeddial: insert not supported' );
like( $logged[0][1], qr/Speeddial: operation 'insert' is not supported/, 'logged' );

# --- Alias (a class as the table)
{
    package My::Aliases;
    our @args;
    sub query {
        my ( $class, $user, $domain ) = @_;
        @args = ( $user, $domain );
        return ( 'alice', 'example.org' ) if $user eq 'support';
        return [ 'bob', 'example.net' ] if $user eq 'sales';
        return;
    }
}
my $alias = Kamailio::VDB::Adapter::Alias->new;
is( $alias->use_table('My::Aliases'), 0, 'alias: use_table with a class' );
$res = $alias->query( [ cond( alias_username => 'support' ), cond( alias_domain => 'example.org' ) ],
    [ 'username', 'domain' ], 'username' );
is_deeply( \@My::Aliases::args, [ 'support', 'example.org' ], 'alias: table gets alias user and domain' );
is_deeply( row_strings($res), [ [ 'alice', 'example.org' ] ], 'alias: user and domain' );
is_deeply( [ map {"$_"} @{ $res->coldefs } ], [ 'username', 'domain' ], 'alias: columns' );
$res = $alias->query( [ cond( alias_username => 'sales' ) ], [ 'domain', 'username', 'other' ] );
is_deeply( row_strings($res), [ [ 'example.net', 'bob', undef ] ], 'alias: array ref answer, columns in requested order, unknown NULL' );
is_deeply( $alias->query( [ cond( alias_username => 'nobody' ) ], ['username'] )->rows, [], 'alias: no alias, no row' );
is_deeply( [ map {"$_"} @{ $alias->query( [ cond( alias_username => 'support' ) ], undef )->coldefs } ],
    [ 'username', 'domain' ], 'alias: default columns' );
$alias->use_table('speeddial_table');    # a table that dies on this call
{
    no warnings 'redefine';
    local *main::speeddial_table = sub { die "table broken\n" };
    @logged = ();
    is( $alias->query( [ cond( alias_username => 'x' ) ], ['username'] ), undef, 'alias: dying table gives undef' );
    like( $logged[0][1], qr/query on table 'speeddial_table' failed: table broken/, 'alias: error logged' );
}
@logged = ();
is( Kamailio::VDB::Adapter::Alias->new->query( [], ['username'] ), undef, 'alias: query before use_table' );
like( $logged[0][1], qr/query before use_table/, 'logged' );

# --- Auth
my @auth_args;
sub main::credentials {
    my ( $op, @a ) = @_;
    @auth_args = @a;
    return { alice => 'secret' }->{ $a[0] };
}
my $auth = Kamailio::VDB::Adapter::Auth->new;
$auth->use_table('credentials');
$res = $auth->query( [ cond( username => 'alice' ), cond( domain => 'example.org' ) ],
    [ 'password', 'ha1', 'ha1b', 'rpid' ] );
is_deeply( \@auth_args, [ 'alice', 'example.org' ], 'auth: table gets user (and domain)' );
is_deeply( row_strings($res), [ [ 'secret', md5_hex('alice:example.org:secret'),
    md5_hex('alice@example.org:example.org:secret'), undef ] ], 'auth: password, ha1, ha1b, unknown NULL' );
$res = $auth->query( [ cond( username => 'alice' ) ], [ 'password', 'ha1' ] );
is_deeply( row_strings($res), [ [ 'secret', undef ] ], 'auth: without domain, no ha1' );
is_deeply( $auth->query( [ cond( username => 'mallory' ) ], ['password'] )->rows, [], 'auth: unknown user, no row' );
is_deeply( [ map {"$_"} @{ $auth->query( [ cond( username => 'alice' ) ], [] )->coldefs } ], ['password'],
    'auth: default column password' );

# --- AccountingSIPtrace
my @acc;
sub main::acc_table { push @acc, [@_]; return 1 }
my $acc = Kamailio::VDB::Adapter::AccountingSIPtrace->new;
$acc->use_table('acc_table');
my $pairs = [ Kamailio::VDB::Pair->new( 'method', DB_STR, 'INVITE' ), Kamailio::VDB::Pair->new( 'sip_code', DB_INT, 200 ) ];
is( $acc->insert($pairs), 0, 'acc: insert succeeds' );
is( $acc[0][0], 'insert', 'acc: op insert' );
is_deeply( $acc[0][1], { method => 'INVITE', sip_code => 200 }, 'acc: row as hash' );
is( $acc[0][2], $pairs, 'acc: pairs as given' );
{
    no warnings 'redefine';
    local *main::acc_table = sub { return -3 };
    is( $acc->insert($pairs), -3, 'acc: negative table result passed on' );
    local *main::acc_table = sub { die "disk full\n" };
    @logged = ();
    is( $acc->insert($pairs), -1, 'acc: dying table gives -1' );
    like( $logged[0][1], qr/disk full/, 'acc: logged' );
}
for my $op (qw(replace delete)) {
    is( $acc->$op( [] ), -1, "acc: $op not supported" );
}
is( $acc->update( [], [] ), -1, 'acc: update not supported' );
is( $acc->query( [], [] ), undef, 'acc: query not supported' );

# --- Describe
my $d = Kamailio::VDB::Adapter::Describe->new;
@logged = ();
is( $d->use_table('location'), 0, 'describe: any table' );
is( $d->insert( [ Kamailio::VDB::Pair->new( 'username', DB_STRING, 'alice' ), Kamailio::VDB::Pair->new( 'cseq', DB_INT, undef ) ] ), 0, 'describe: insert' );
is( $d->update( [ Kamailio::VDB::ReqCond->new( 'expires', '<', DB_DATETIME, 100 ) ], [ Kamailio::VDB::Pair->new( 'q', DB_DOUBLE, 0.5 ) ] ), 0, 'describe: update' );
is( $d->delete( [ cond( username => 'bob' ) ] ), 0, 'describe: delete' );
is( $d->replace( [] ), 0, 'describe: replace' );
$res = $d->query( [ cond( username => 'alice' ) ], [ 'contact', Kamailio::VDB::Column->new( DB_INT, 'expires' ) ], 'q' );
isa_ok( $res, 'Kamailio::VDB::Result' );
is_deeply( [ map {"$_"} @{ $res->coldefs } ], [ 'contact', 'expires' ], 'describe: query result has the requested columns' );
is_deeply( $res->rows, [], 'describe: and no rows' );
my $text = join '', map { $_->[1] } @logged;
is( ( grep { $_->[0] != L_INFO } @logged ), 0, 'describe: all at L_INFO' );
for my $expected (
    "VDB describe: use_table 'location'\n",
    "VDB describe: insert into 'location'\n",
    "VDB describe: 2 pair\n",
    "VDB describe:   pair 1: username = 'alice' (DB_STRING)\n",
    "VDB describe:   pair 2: cseq = NULL (DB_INT)\n",
    "VDB describe: update 'location'\n",
    "VDB describe:   condition 1: expires < '100' (DB_DATETIME)\n",
    "VDB describe:   pair 1: q = '0.5' (DB_DOUBLE)\n",
    "VDB describe: delete from 'location'\n",
    "VDB describe:   condition 1: username = 'bob' (DB_STRING)\n",
    "VDB describe: replace into 'location'\n",
    "VDB describe: query on 'location'\n",
    "VDB describe:   result key 1: 'contact'\n",
    "VDB describe:   result key 2: expires (DB_INT)\n",
    "VDB describe: order by 'q'\n",
) {
    ok( index( $text, $expected ) >= 0, "describe logs: " . ( $expected =~ s{\n}{}r ) ) or diag $text;
}

done_testing;
