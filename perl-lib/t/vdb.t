# The Kamailio::VDB classes: Value, Pair, ReqCond, Column, Result, VTab and
# the VDB base class.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/..";
use Test::More;

use Kamailio::Constants;
use Kamailio::VDB;
use Kamailio::VDB::Value;
use Kamailio::VDB::Pair;
use Kamailio::VDB::ReqCond;
use Kamailio::VDB::Column;
use Kamailio::VDB::Result;
use Kamailio::VDB::VTab;

# Silence and record the error log (Kamailio::Utils::Debug writes to
# STDERR outside the server; inside, Kamailio::log is used).
my @logged;
{
    no warnings 'once';
    *Kamailio::log = sub { push @logged, [@_]; 1 };
}

# Value
my $v = Kamailio::VDB::Value->new( DB_STRING, 'alice' );
isa_ok( $v, 'Kamailio::VDB::Value' );
isa_ok( $v, 'Kamailio::Utils::Debug' );
is( $v->type, DB_STRING, 'Value type' );
is( $v->data, 'alice',   'Value data' );
is( "$v",     'alice',   'Value stringifies to its data' );
ok( $v eq 'alice', 'Value eq' );
is( $v->type(DB_STR), DB_STR, 'type setter returns the new type' );
is( $v->data('bob'),  'bob',  'data setter' );
is( "$v", 'bob', 'stringification follows data' );
my $n = Kamailio::VDB::Value->new( DB_INT, 42 );
is( "$n", '42', 'int value stringifies' );
ok( $n == 42, 'numeric compare through the string' );
my $null = Kamailio::VDB::Value->new( DB_STRING, undef );
{
    my @w;
    local $SIG{__WARN__} = sub { push @w, @_ };
    is( "$null", '', 'NULL stringifies to empty string' );
    is( scalar @w, 0, 'without a warning' );
}
$v->data(undef);
is( $v->data, undef, 'data can be set to undef' );

# Pair
my $p = Kamailio::VDB::Pair->new( 'username', DB_STRING, 'carol' );
isa_ok( $p, 'Kamailio::VDB::Value' );
is( $p->key, 'username', 'Pair key' );
is( $p->type, DB_STRING, 'Pair type' );
is( $p->data, 'carol', 'Pair data' );
is( "$p", 'carol', 'Pair stringifies to its data' );
is( $p->key('user'), 'user', 'key setter' );

# ReqCond
my $c = Kamailio::VDB::ReqCond->new( 'expires', '>', DB_INT, 3600 );
isa_ok( $c, 'Kamailio::VDB::Pair' );
isa_ok( $c, 'Kamailio::VDB::Value' );
is( $c->key, 'expires', 'ReqCond key' );
is( $c->op,  '>',       'ReqCond op' );
is( $c->type, DB_INT,   'ReqCond type' );
is( $c->data, 3600,     'ReqCond data' );
is( "$c", '3600', 'ReqCond stringifies to its data' );
is( $c->op('<='), '<=', 'op setter' );
is( Kamailio::VDB::ReqCond->new( 'k', undef, DB_INT, 1 )->op, '=', 'undefined op means =' );

# Column
my $col = Kamailio::VDB::Column->new( DB_STRING, 'new_uri' );
isa_ok( $col, 'Kamailio::Utils::Debug' );
is( $col->type, DB_STRING, 'Column type' );
is( $col->name, 'new_uri', 'Column name' );
is( "$col", 'new_uri', 'Column stringifies to its name' );
is( $col->name('uri'), 'uri', 'name setter' );
is( $col->type(DB_STR), DB_STR, 'type setter' );
is( "$col", 'uri', 'stringification follows name' );

# Result
my @cols = ( Kamailio::VDB::Column->new( DB_STRING, 'username' ),
    Kamailio::VDB::Column->new( DB_STRING, 'domain' ) );
my $r = Kamailio::VDB::Result->new( \@cols, [ 'alice', 'example.org' ], [ 'bob', 'example.net' ] );
isa_ok( $r, 'Kamailio::VDB::Result' );
is_deeply( [ map {"$_"} @{ $r->coldefs } ], [qw(username domain)], 'coldefs' );
is_deeply( $r->rows, [ [ 'alice', 'example.org' ], [ 'bob', 'example.net' ] ], 'initial rows' );
is_deeply( Kamailio::VDB::Result->new( \@cols )->rows, [], 'no rows' );
$r->rows( [ ['x', 'y'] ] );
is_deeply( $r->rows, [ [ 'x', 'y' ] ], 'rows setter' );
$r->coldefs( [ $cols[0] ] );
is( scalar @{ $r->coldefs }, 1, 'coldefs setter' );
ok( !eval { $r->rows('nope'); 1 }, 'rows setter wants an array ref' );
like( $@, qr/rows must be an array reference/, '... with a clear message' );
ok( !eval { $r->rows( ['flat'] ); 1 }, 'each row must be an array ref' );
ok( !eval { Kamailio::VDB::Result->new('x'); 1 }, 'coldefs must be an array ref' );

# VTab: object / class
{
    package My::Table;
    sub query  { my ( $class, @a ) = @_; return ( "q:$class", @a ) }
    sub insert { return 0 }
}
my $t = Kamailio::VDB::VTab->new( name => 'tab', obj => 'My::Table' );
isa_ok( $t, 'Kamailio::VDB::VTab' );
is_deeply( [ $t->call( 'query', 1, 2 ) ], [ 'q:My::Table', 1, 2 ], 'call dispatches to the class method' );
is( $t->call('insert'), 0, 'another op' );
ok( !eval { $t->call('delete'); 1 }, 'unknown op dies' );
like( $@, qr/table 'tab' \(My::Table\) does not implement the operation 'delete'/, '... naming table and op' );
my $obj = bless {}, 'My::Table';
is( ( Kamailio::VDB::VTab->new( obj => $obj )->call('query') )[0], "q:$obj", 'object invocant' );

# VTab: function
my @seen;
my $ft = Kamailio::VDB::VTab->new( name => 'f', func => sub { @seen = @_; return 'r' } );
is( $ft->call( 'update', 'a', 'b' ), 'r', 'function table returns' );
is_deeply( \@seen, [ 'update', 'a', 'b' ], 'function gets op first' );
sub main::named_table { return "named:$_[0]" }
is( Kamailio::VDB::VTab->new( func => 'named_table' )->call('query'), 'named:query', 'function by name (main::)' );
is( Kamailio::VDB::VTab->new( func => 'main::named_table' )->call('query'), 'named:query', 'function by full name' );
ok( !eval { Kamailio::VDB::VTab->new( func => 'no_such_fn' )->call('query'); 1 }, 'missing function dies' );
like( $@, qr/function 'no_such_fn' is not defined/, '... clearly' );
ok( !eval { Kamailio::VDB::VTab->new->call('query'); 1 }, 'empty VTab dies' );
like( $@, qr/neither an object nor a function/, '... clearly' );
ok( !eval { $t->call(''); 1 }, 'no op dies' );
ok( !eval { Kamailio::VDB::VTab->new( obj => 'X', func => 'y' ); 1 }, 'obj and func together refused' );
is( $t->name, 'tab', 'name accessor' );
is( $t->obj, 'My::Table', 'obj accessor' );

# The VDB base class: nothing implemented.
my $vdb = Kamailio::VDB->new;
isa_ok( $vdb, 'Kamailio::Utils::Debug' );
@logged = ();
is( $vdb->insert( [] ), -1, 'base insert fails' );
is( $vdb->replace( [] ), -1, 'base replace fails' );
is( $vdb->delete( [] ), -1, 'base delete fails' );
is( $vdb->update( [], [] ), -1, 'base update fails' );
is( $vdb->query( [], [], undef ), undef, 'base query fails' );
is( scalar @logged, 5, 'each logged' );
is( $logged[0][0], L_ERR, 'at L_ERR' );
like( $logged[0][1], qr/Kamailio::VDB: operation 'insert' is not supported/, 'message' );

# use_table: function, loaded package, loadable package, unknown.
is( $vdb->use_table('named_table'), 0, 'use_table with a function of that name' );
is( $vdb->table, 'named_table', 'table()' );
is( $vdb->vtab->func, 'main::named_table', 'VTab made for the function (by name, resolved at each call)' );
is( $vdb->use_table('My::Table'), 0, 'use_table with a loaded package' );
is( $vdb->vtab->obj, 'My::Table', 'VTab made for the package' );
is( $vdb->use_table('Kamailio::VDB::Adapter::Describe'), 0, 'use_table with a loadable package' );
@logged = ();
is( $vdb->use_table('No::Such::Table'), -1, 'unknown table' );
like( $logged[0][1], qr/no virtual table 'No::Such::Table'/, 'logged' );
ok( !defined &{'No::Such::Table::new'} && !%No::Such::Table::, 'no package created for the unknown table' );
is( $vdb->use_table(''), -1, 'empty name refused' );
is( $vdb->table, 'Kamailio::VDB::Adapter::Describe', 'failed use_table keeps the current table' );
my $pre = Kamailio::VDB->new( tables => { mine => $ft } );
is( $pre->use_table('mine'), 0, 'pre-registered table' );
is( $pre->vtab('mine'), $ft, 'vtab(name)' );

# Helpers.
my $conds = [
    Kamailio::VDB::ReqCond->new( 'username', '=', DB_STRING, 'alice' ),
    Kamailio::VDB::ReqCond->new( 'expires', '>', DB_INT, 5 ),
    Kamailio::VDB::Pair->new( 'domain', DB_STRING, 'example.org' ),
];
is_deeply( $vdb->conds_hash($conds), { username => 'alice', domain => 'example.org' }, 'conds_hash keeps = conditions' );
is_deeply( $vdb->pairs_hash( [ Kamailio::VDB::Pair->new( 'a', DB_INT, 1 ) ] ), { a => 1 }, 'pairs_hash' );
my $res = $vdb->make_result( [ 'x', Kamailio::VDB::Column->new( DB_INT, 'y' ) ], { x => 'X' } );
is_deeply( [ map { $_->name } @{ $res->coldefs } ], [ 'x', 'y' ], 'make_result columns from names and Column objects' );
is( $res->coldefs->[1]->type, DB_STRING, 'make_result columns are DB_STRING' );
isa_ok( $res->rows->[0][0], 'Kamailio::VDB::Value' );
is( $res->rows->[0][0] . '', 'X', 'cell value' );
is( $res->rows->[0][0]->type, DB_STRING, 'cell type' );
is( $res->rows->[0][1], undef, 'missing value is NULL' );
is_deeply( $vdb->make_result( ['x'] )->rows, [], 'make_result without values: no rows' );

$pre->use_table('mine');
is_deeply( [ $pre->call_vtab( 'query', 1 ) ], [ 1, 'r' ], 'call_vtab returns (1, result)' );
my $dying = Kamailio::VDB::VTab->new( name => 'd', func => sub { die "boom\n" } );
$pre->vtab( 'd', $dying );
$pre->use_table('d');
@logged = ();
is_deeply( [ $pre->call_vtab('query') ], [ 0, undef ], 'dying table: (0, undef)' );
like( $logged[0][1], qr/query on table 'd' failed: boom/, 'logged' );
is_deeply( [ Kamailio::VDB->new->call_vtab('query') ], [ 0, undef ], 'call_vtab before use_table' );

done_testing;
