# Kamailio::Utils::Debug: debug / dumpvar / logdump / emit, as functions
# and as inherited methods; STDERR outside the server, Kamailio::log inside.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/..";
use Test::More;

use Kamailio::Constants;
use Kamailio::Utils::Debug qw(debug dumpvar logdump emit);

sub stderr_of(&) {
    my ($code) = @_;
    my $buf = '';
    open my $save, '>&', \*STDERR or die;
    close STDERR;
    open STDERR, '>', \$buf or die;
    my @ret = $code->();
    close STDERR;
    open STDERR, '>&', $save or die;
    return ( $buf, @ret );
}

# Outside the server: no Kamailio::log, output on STDERR.
ok( !defined &Kamailio::log, 'no Kamailio::log yet' );
my ($err) = stderr_of { debug( "x is ", 42, " and ", undef ) };
is( $err, "[DEBUG] x is 42 and undef\n", 'debug: STDERR with level name, undef shown' );
($err) = stderr_of { emit( L_ERR, "bad\n" ) };
is( $err, "[ERROR] bad\n", 'emit keeps a single newline' );
($err) = stderr_of { emit( L_INFO, "no newline" ) };
is( $err, "[INFO] no newline\n", 'emit adds a newline' );

# dumpvar: the string, nothing logged.
my $data = { b => [ 1, 2 ], a => "x\ty" };
my ( $quiet, $dump ) = stderr_of { dumpvar($data) };
is( $quiet, '', 'dumpvar logs nothing' );
is( $dump, qq({\n  "a" => "x\\ty",\n  "b" => [\n    1,\n    2\n  ]\n}\n), 'dumpvar: sorted, indented, escaped' );
like( dumpvar( [1], 'list' ), qr/\A\$list = \[\n/, 'dumpvar with a name' );

# Inside the server: Kamailio::log is used.
my @logged;
{
    no warnings 'once';
    *Kamailio::log = sub { push @logged, [@_]; 1 };
}
debug("hello");
is_deeply( \@logged, [ [ L_DBG, "hello\n" ] ], 'debug goes to Kamailio::log at L_DBG' );

@logged = ();
my $out = logdump( { k => 'v' }, 'h', L_INFO );
is( scalar @logged, 1, 'logdump logs once' );
is( $logged[0][0], L_INFO, 'logdump at the given level' );
is( $logged[0][1], $out, 'logdump logs what it returns' );
like( $out, qr/\$h = \{\n  "k" => "v"\n\};/, 'logdump text' );

# As a base class.
{
    package My::Thing;
    our @ISA = ('Kamailio::Utils::Debug');
    sub new { bless { name => 'thing' }, shift }
}
@logged = ();
my $thing = My::Thing->new;
$thing->debug("working on ", "it");
is( $logged[0][1], "My::Thing: working on it\n", 'method: class name in front' );
My::Thing->debug("class call");
is( $logged[1][1], "My::Thing: class call\n", 'class method' );
like( $thing->dumpvar, qr/bless\( \{\n  "name" => "thing"\n\}, 'My::Thing' \)/, '$obj->dumpvar dumps the object' );
@logged = ();
$thing->logdump;
like( $logged[0][1], qr/My::Thing/, '$obj->logdump logs the object' );
is( $logged[0][0], L_DBG, 'at L_DBG by default' );
like( $thing->dumpvar( [7], 'seven' ), qr/\$seven = \[\n  7\n\];/, '$obj->dumpvar(DATA, NAME)' );

# $LEVEL and $ENABLED.
@logged = ();
{
    local $Kamailio::Utils::Debug::LEVEL = L_NOTICE;
    debug("noticed");
}
is( $logged[0][0], L_NOTICE, '$LEVEL changes the level' );
@logged = ();
{
    local $Kamailio::Utils::Debug::ENABLED = 0;
    is( debug("silent"), 1, 'debug returns 1 when disabled' );
    like( logdump( [1] ), qr/1/, 'logdump still returns the text' );
    emit( L_ERR, "emit is not affected" );
}
is_deeply( [ map { $_->[1] } @logged ], ["emit is not affected\n"], '$ENABLED = 0 silences debug and logdump' );

# A message that looks like text is not taken for an invocant.
@logged = ();
debug("Some words");
is( $logged[0][1], "Some words\n", 'plain text argument' );

done_testing;
