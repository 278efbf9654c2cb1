# The Perl samples (samples/perl/*.pl), run against the test stub of the
# engine (t/lib/Kamailio.pm): each compiles, documents its perl_exec
# functions in its header, and logs / returns / changes the message as its
# header says.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/..";
use lib "$FindBin::Bin/lib";    # the stub Kamailio.pm comes first
use File::Spec;
use Test::More;
no warnings "once";

use Kamailio;                     # the stub
use Kamailio::Constants;

my $LIB     = File::Spec->rel2abs("$FindBin::Bin/..");
my $STUB    = File::Spec->rel2abs("$FindBin::Bin/lib");
my $SAMPLES = File::Spec->rel2abs("$FindBin::Bin/../../samples/perl");

my %FUNCTIONS = (
    branches     => [qw(branches)],
    firstline    => [qw(firstline)],
    flags        => [qw(setflag readflag resetflag)],
    functions    => [qw(exportedfuncs paramfunc autotest diefunc1 diefunc2 warnfunc)],
    headers      => [qw(headernames someheaders)],
    logging      => [qw(logdemo xlogdemo)],
    messagedump  => [qw(messagedump)],
    persistence  => [qw(persistence persistence_destroy)],
    phonenumbers => [qw(canonical dialnr)],
    pseudovars   => [qw(pseudovars)],
);

is_deeply( [ sort map { /([^\/]+)\.pl\z/ } glob("$SAMPLES/*.pl") ], [ sort keys %FUNCTIONS ],
    'samples/perl has exactly the ten documented samples' );

sub slurp { my $f = shift; open my $fh, '<', $f or die "$f: $!"; local $/; <$fh> }

# Load a sample into a package of its own (as the engine would load it
# into main, but several samples must coexist here).
my $loaded = 0;
sub load_sample {
    my ( $name, $package ) = @_;
    $package //= "Sample::$name";
    my $file = "$SAMPLES/$name.pl";
    my $src  = slurp($file);
    my $ok = eval "package $package;\n#line 1 \"$file\"\n$src";
    die "loading $file: $@" unless $ok;
    return $package;
}

sub fn {
    my ( $package, $name ) = @_;
    no strict 'refs';
    return \&{"${package}::$name"};
}

sub logged { return [ map { [@$_] } @Kamailio::LOG ] }
sub texts  { return [ map { $_->[1] } @Kamailio::LOG ] }

my $INVITE = <<'SIP';
INVITE sip:5551234@example.org SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-1
Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bK-2
Max-Forwards: 70
From: "Alice" <sip:alice@example.org>;tag=1928
To: <sip:5551234@example.org>
Call-ID: a84b4c76e66710@pc33
CSeq: 314159 INVITE
Contact: <sip:alice@192.0.2.10>
WWW-Contact: <sip:one@example.org>
WWW-Contact: <sip:two@example.org>
Content-Type: application/sdp
Content-Length: 5

v=0
SIP

my $REPLY = <<'SIP';
SIP/2.0 180 Ringing
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-1
From: "Alice" <sip:alice@example.org>;tag=1928
To: <sip:5551234@example.org>;tag=a6c85cf
Call-ID: a84b4c76e66710@pc33
CSeq: 314159 INVITE
Content-Length: 0

SIP

sub request {
    my ( $ruri, %args ) = @_;
    my $raw = $INVITE;
    my $method = $args{method} // 'INVITE';
    $raw =~ s/\AINVITE sip:5551234\@example.org/$method $ruri/;
    return Kamailio::Message->new( raw => $raw, %args );
}
sub invite { return request( 'sip:5551234@example.org', @_ ) }
sub reply  { return Kamailio::Message->new( raw => $REPLY, @_ ) }

# --- every sample: compiles, header comment, API used
for my $name ( sort keys %FUNCTIONS ) {
    my $file = "$SAMPLES/$name.pl";
    my $out  = qx{"$^X" -I"$STUB" -I"$LIB" -c "$file" 2>&1};
    is( $out, "$file syntax OK\n", "$name.pl compiles (perl -c, with the stub)" );

    my $src = slurp($file);
    my ($header) = $src =~ /\A((?:#[^\n]*\n)+)/;
    ok( defined $header && $header =~ /\A# \Q$name\E\.pl - /, "$name.pl starts with a header comment" );
    like( $src, qr/^use Kamailio qw\(log\);$/m,    "$name.pl: use Kamailio qw(log)" );
    like( $src, qr/^use Kamailio::Constants;$/m,   "$name.pl: use Kamailio::Constants" );
    like( $src, qr/^use strict;$/m,                "$name.pl: use strict" );
    for my $f ( @{ $FUNCTIONS{$name} } ) {
        like( $header // '', qr/\Q"$f"\E/, "$name.pl header names $f" );
        like( $src, qr/^sub \Q$f\E \{/m, "$name.pl defines $f" );
    }
    like( $header // '', qr/perl_exec\(/, "$name.pl header says how to call it with perl_exec" );
    ok( load_sample($name), "$name.pl loads" );
}

# --- branches.pl
{
    my $branches = fn( 'Sample::branches', 'branches' );
    my $m = invite();
    Kamailio::clear_log();
    is( $branches->($m), 1, 'branches: no parameter returns 1' );
    is_deeply( [ $m->branches ], [ [ 'sip:5551234@example.org', undef ] ], 'branches: R-URI appended (append_branch without arguments)' );
    is_deeply( texts(), ["branches: appended branch sip:5551234\@example.org (copy of the R-URI)\n"], 'branches: logged' );

    $m = invite();
    Kamailio::clear_log();
    is( $branches->( $m, 'sip:alice@example.org 0.8, sip:bob@example.net' ), 1, 'branches: list returns 1' );
    is_deeply( [ $m->branches ], [ [ 'sip:alice@example.org', '0.8' ], [ 'sip:bob@example.net', undef ] ], 'branches: both appended, q passed' );
    is_deeply( logged(), [ [ L_INFO, "branches: appended branch sip:alice\@example.org q=0.8\n" ],
                           [ L_INFO, "branches: appended branch sip:bob\@example.net\n" ] ], 'branches: one line per branch' );

    no warnings 'redefine';
    local *Kamailio::Message::append_branch = sub { -1 };
    Kamailio::clear_log();
    is( $branches->( invite(), 'sip:x@y' ), -1, 'branches: failure returns -1' );
    is_deeply( logged(), [ [ L_ERR, "branches: append_branch(sip:x\@y) failed\n" ] ], 'branches: failure logged' );
}

# --- firstline.pl
{
    my $firstline = fn( 'Sample::firstline', 'firstline' );
    Kamailio::clear_log();
    is( $firstline->( invite() ), 1, 'firstline: request returns 1' );
    is( $firstline->( reply() ), 1, 'firstline: reply returns 1' );
    is_deeply( logged(), [
        [ L_INFO, "firstline: request: method INVITE, R-URI sip:5551234\@example.org, version SIP/2.0\n" ],
        [ L_INFO, "firstline: reply: status 180, reason Ringing, version SIP/2.0\n" ],
    ], 'firstline: type/method/R-URI/version and status/reason/version logged' );
    Kamailio::clear_log();
    is( $firstline->( Kamailio::Message->new( raw => "garbage\n\n" ) ), -1, 'firstline: invalid message returns -1' );
    is_deeply( logged(), [ [ L_WARN, "firstline: message of unknown type 0\n" ] ], 'firstline: invalid logged' );
}

# --- flags.pl
{
    my ( $set, $read, $reset ) = map { fn( 'Sample::flags', $_ ) } qw(setflag readflag resetflag);
    my $m = invite();
    Kamailio::clear_log();
    is( $read->($m), -1, 'flags: readflag before setflag returns -1' );
    is( $set->($m), 1, 'flags: setflag returns 1' );
    ok( $m->isFlagSet(FL_GREEN), 'flags: FL_GREEN is set on the message' );
    ok( !$m->isFlagSet(FL_MAGENTA), 'flags: and only it' );
    is( $read->($m), 1, 'flags: readflag after setflag returns 1' );
    $m->setFlag(FL_MAGENTA);
    $read->($m);
    is( $reset->($m), 1, 'flags: resetflag returns 1' );
    ok( !$m->isFlagSet(FL_GREEN), 'flags: FL_GREEN cleared' );
    is( $read->($m), -1, 'flags: readflag after resetflag returns -1' );
    is_deeply( texts(), [
        "flags: green flag is not set, magenta flag is not set\n",
        "flags: green flag set\n",
        "flags: green flag is set, magenta flag is not set\n",
        "flags: green flag is set, magenta flag is set\n",
        "flags: green flag reset\n",
        "flags: green flag is not set, magenta flag is set\n",
    ], 'flags: logged' );
}

# --- functions.pl
{
    my %f = map { $_ => fn( 'Sample::functions', $_ ) } @{ $FUNCTIONS{functions} };

    my $m = invite();
    Kamailio::clear_log();
    is( $f{exportedfuncs}->($m), -1, 'functions: 555... returns -1' );
    is_deeply( [ $m->calls ], [ [ 'sl_send_reply', '500', 'Internal Server Error' ] ], 'functions: 555... answered 500 with sl_send_reply' );
    is_deeply( [ $m->autoloaded ], ['sl_send_reply'], 'functions: sl_send_reply reached through AUTOLOAD' );
    is_deeply( texts(), ["functions: rejecting 5551234 with 500\n"], 'functions: rejection logged' );

    $m = request( 'sip:bob@example.org' );
    Kamailio::clear_log();
    is( $f{exportedfuncs}->($m), 1, 'functions: other users return 1' );
    is_deeply( [ $m->calls ], [ [ 'alias_db_lookup', 'dbaliases' ] ], 'functions: alias_db_lookup(dbaliases) through moduleFunction' );
    is_deeply( [ $m->autoloaded ], [], 'functions: (called by name, not AUTOLOAD)' );
    is_deeply( texts(), ["functions: alias_db_lookup(dbaliases) returned 1, R-URI now sip:bob\@example.org\n"], 'functions: lookup logged' );

    $m = request( 'sip:bob@example.org', returns => { alias_db_lookup => { die => "unknown function alias_db_lookup\n" } } );
    Kamailio::clear_log();
    is( $f{exportedfuncs}->( $m, 'myaliases' ), 1, 'functions: lookup unavailable still returns 1' );
    is_deeply( [ $m->calls ], [ [ 'alias_db_lookup', 'myaliases' ] ], 'functions: table from the parameter' );
    is_deeply( texts(), ["functions: alias_db_lookup not available (unknown function alias_db_lookup), R-URI left alone\n"], 'functions: unavailability logged' );

    $m = request( 'sip:5551234@example.org', method => 'ACK' );
    $f{exportedfuncs}->($m);
    ok( !grep( { $_->[0] eq 'sl_send_reply' } $m->calls ), 'functions: an ACK is not answered' );
    $m = request( 'sip:15551234@example.org' );
    is( $f{exportedfuncs}->($m), 1, 'functions: 555 must be at the start of the user' );
    is( $f{exportedfuncs}->( reply() ), 1, 'functions: replies pass' );

    Kamailio::clear_log();
    is( $f{paramfunc}->( invite(), 'hello world' ), 1, 'functions: paramfunc returns 1' );
    is_deeply( texts(), ["functions: paramfunc got 'hello world'\n"], 'functions: paramfunc logs its parameter' );

    $m = invite();
    is( $f{autotest}->($m), 1, 'functions: autotest returns 1' );
    is_deeply( [ $m->calls ], [ [ 'xlog', 'L_INFO', "functions: autotest: xlog reached through AUTOLOAD for sip:5551234\@example.org\n" ] ], 'functions: autotest calls xlog' );
    is_deeply( [ $m->autoloaded ], ['xlog'], 'functions: through AUTOLOAD' );

    ok( !eval { $f{diefunc1}->( invite() ); 1 }, 'functions: diefunc1 dies' );
    is( $@, "functions.pl: diefunc1 dies on purpose\n", 'functions: with its message' );
    ok( !eval { $f{diefunc2}->( invite() ); 1 }, 'functions: diefunc2 dies' );
    like( $@, qr/\AIllegal division by zero at \S*functions\.pl line \d+\.\n\z/, 'functions: a script error, with file and line' );
    my @warnings;
    {
        local $SIG{__WARN__} = sub { push @warnings, @_ };
        is( $f{warnfunc}->( invite() ), 1, 'functions: warnfunc returns 1' );
    }
    is_deeply( \@warnings, ["functions.pl: warnfunc warns on purpose\n"], 'functions: warnfunc warns' );
}

# --- headers.pl
{
    my ( $names, $some ) = map { fn( 'Sample::headers', $_ ) } qw(headernames someheaders);
    my $m = invite();
    Kamailio::clear_log();
    is( $names->($m), 1, 'headers: headernames returns 1' );
    my @expected = ( 'Via', 'Via', 'Max-Forwards', 'From', 'To', 'Call-ID', 'CSeq', 'Contact',
        'WWW-Contact', 'WWW-Contact', 'Content-Type', 'Content-Length' );
    is_deeply( texts(), [ "headers: 12 headers\n", map {"headers: name $_\n"} @expected ],
        'headers: every header name logged, in order, duplicates kept' );

    Kamailio::clear_log();
    is( $some->($m), 1, 'headers: someheaders returns 1' );
    is_deeply( texts(), [
        "headers: To: <sip:5551234\@example.org>\n",
        "headers: WWW-Contact: <sip:one\@example.org>\n",
        "headers: WWW-Contact occurs 2 times\n",
        "headers: WWW-Contact[0]: <sip:one\@example.org>\n",
        "headers: WWW-Contact[1]: <sip:two\@example.org>\n",
    ], 'headers: To and WWW-Contact (scalar and list context)' );

    Kamailio::clear_log();
    $some->( $m, 'Call-ID, X-Missing' );
    is_deeply( texts(), [ "headers: Call-ID: a84b4c76e66710\@pc33\n", "headers: no X-Missing header\n" ], 'headers: names from the parameter' );
}

# --- logging.pl
{
    my ( $logdemo, $xlogdemo ) = map { fn( 'Sample::logging', $_ ) } qw(logdemo xlogdemo);
    my $m = invite();
    Kamailio::clear_log();
    is( $logdemo->($m), 1, 'logging: logdemo returns 1' );
    is_deeply( logged(), [
        [ L_INFO,   "logging: log() imported from Kamailio (L_INFO)\n" ],
        [ L_NOTICE, "logging: Kamailio::log by its full name (L_NOTICE)\n" ],
        [ L_DBG,    "logging: a debug message (L_DBG), shown only with debug >= 3\n" ],
        [ L_WARN,   "logging: a warning (L_WARN)\n" ],
        [ L_ERR,    "logging: an error message (L_ERR), only a demonstration\n" ],
        [ L_INFO,   "logging: through the message object, \$m->log (deprecated, L_INFO)\n" ],
    ], 'logging: several levels, three ways' );
    is( $xlogdemo->($m), 1, 'logging: xlogdemo returns 1' );
    is_deeply( [ $m->calls ], [ [ 'xlog', 'L_INFO', "logging: xlog says the method is \$rm\n" ] ], 'logging: xlog called' );
}

# --- messagedump.pl
{
    my $dump = fn( 'Sample::messagedump', 'messagedump' );
    my $m = invite();
    ( my $raw = $INVITE ) =~ s/\n/\r\n/g;
    Kamailio::clear_log();
    is( $dump->($m), 1, 'messagedump returns 1' );
    is_deeply( logged(), [ [ L_INFO, "messagedump: whole message, " . length($raw) . " bytes:\n$raw" ] ], 'messagedump: the whole message in one log call' );
    Kamailio::clear_log();
    $dump->( $m, 'header' );
    my ($head) = $raw =~ /\A(.*?\r\n)\r\n/s;    # start line and headers, no empty line
    is( texts()->[0], "messagedump: header, " . length($head) . " bytes:\n$head", 'messagedump header' );
    Kamailio::clear_log();
    $dump->( $m, 'body' );
    is( texts()->[0], "messagedump: body, 5 bytes:\nv=0\r\n", 'messagedump body' );
    Kamailio::clear_log();
    is( $dump->( reply(), 'body' ), 1, 'messagedump of an empty body' );
    is( texts()->[0], "messagedump: body, 0 bytes:\n\n", 'messagedump: empty body logged' );
    is( $dump->( $m, 'nonsense' ), -1, 'messagedump: unknown part returns -1' );
}

# --- persistence.pl
# Outside switchboard (here: plain perl with the stub, as under Kamailio)
# Switchboard::Shared refuses to load: one L_WARN line, and the counters
# are kept per interpreter in a plain hash.
{
    delete $INC{'Switchboard/Shared.pm'};    # failed already when all samples loaded
    Kamailio::clear_log();
    load_sample( 'persistence', 'Sample::persistence_alone' );
    is( scalar @Kamailio::LOG, 1, 'persistence: one line when Switchboard::Shared is not available' );
    is( $Kamailio::LOG[0][0], L_WARN, 'persistence: at L_WARN' );
    like( $Kamailio::LOG[0][1],
        qr/\Apersistence: Switchboard::Shared not available \(Switchboard::Shared is switchboard's own module: .*\); counters are kept per worker/,
        'persistence: says why and what happens' );
}
{
    my ( $count, $destroy ) = map { fn( 'Sample::persistence', $_ ) } qw(persistence persistence_destroy);
    Kamailio::clear_log();
    is( $count->( invite() ), 1, 'persistence returns 1' );
    $count->( invite() );
    $count->( reply() );
    $count->( request( 'sip:bob@example.org', method => 'BYE' ) );
    is( $destroy->(), 1, 'persistence_destroy returns 1' );
    is_deeply( texts(), [
        "persistence: message 1 seen by this interpreter (INVITE: 1)\n",
        "persistence: message 2 seen by this interpreter (INVITE: 2)\n",
        "persistence: message 3 seen by this interpreter (reply: 1)\n",
        "persistence: message 4 seen by this interpreter (BYE: 1)\n",
        "persistence: interpreter reset after 4 messages (BYE: 1, INVITE: 2, reply: 1)\n",
    ], 'persistence: counts kept between calls, in a plain hash' );
    {
        no strict 'refs';
        ok( !tied %{'Sample::persistence::state'}, 'persistence: not tied by default' );
    }

    # Asked to share through IPC::Shareable when it is not installed: a
    # warning, and the plain hash.
    local $ENV{PERSISTENCE_IPC_SHAREABLE} = 1;
    local @INC = ( sub { die "Can't locate $_[1] (hidden by the test)\n" if $_[1] eq 'IPC/Shareable.pm'; return }, @INC );
    Kamailio::clear_log();
    load_sample( 'persistence', 'Sample::persistence_shared' );
    is( scalar @Kamailio::LOG, 1, 'persistence: one line when IPC::Shareable is missing' );
    is( $Kamailio::LOG[0][0], L_WARN, 'persistence: at L_WARN' );
    like( $Kamailio::LOG[0][1], qr/IPC::Shareable not usable .*counters are kept per worker \(apt-get install libipc-shareable-perl\)/, 'persistence: says what and how to fix' );
    Kamailio::clear_log();
    fn( 'Sample::persistence_shared', 'persistence' )->( invite() );
    is_deeply( texts(), ["persistence: message 1 seen by this interpreter (INVITE: 1)\n"], 'persistence: still counts' );
}

# persistence.pl with IPC::Shareable present (a fake one here, standing in
# for libipc-shareable-perl): %state is tied and updated under the lock.
{
    my $FAKE = <<'PERL';
package IPC::Shareable;
our (@TIED, $LOCKS, $UNLOCKS);
sub TIEHASH { my ($class, $opts) = @_; push @TIED, $opts; bless { data => {} }, $class }
sub FETCH { $_[0]{data}{$_[1]} } sub STORE { $_[0]{data}{$_[1]} = $_[2] }
sub EXISTS { exists $_[0]{data}{$_[1]} } sub DELETE { delete $_[0]{data}{$_[1]} }
sub FIRSTKEY { my @k = sort keys %{ $_[0]{data} }; $_[0]{keys} = \@k; shift @k }
sub NEXTKEY { shift @{ $_[0]{keys} } }
sub lock { $LOCKS++ } sub unlock { $UNLOCKS++ }
1;
PERL
    local $ENV{PERSISTENCE_IPC_SHAREABLE} = 1;
    local @INC = ( sub { return unless $_[1] eq 'IPC/Shareable.pm'; open my $fh, '<', \$FAKE or die; $fh }, @INC );
    local $INC{'IPC/Shareable.pm'};
    delete $INC{'IPC/Shareable.pm'};
    Kamailio::clear_log();
    load_sample( 'persistence', 'Sample::persistence_ipc' );
    is_deeply( \@IPC::Shareable::TIED, [ { key => 'swbp', create => 1, mode => 0600 } ], 'persistence: %state tied to IPC::Shareable, key swbp' );
    {
        no strict 'refs';
        ok( tied %{'Sample::persistence_ipc::state'}, 'persistence: %state is tied' );
    }
    my ( $count, $destroy ) = map { fn( 'Sample::persistence_ipc', $_ ) } qw(persistence persistence_destroy);
    $count->( invite() );
    $count->( reply() );
    $destroy->();
    is_deeply( texts(), [
        "persistence: message 1 seen by all workers (INVITE: 1)\n",
        "persistence: message 2 seen by all workers (reply: 1)\n",
        "persistence: interpreter reset after 2 messages; totals of all workers: 2 messages (INVITE: 1, reply: 1)\n",
    ], 'persistence: shared counters' );
    is( $IPC::Shareable::LOCKS,   2, 'persistence: each update locked' );
    is( $IPC::Shareable::UNLOCKS, 2, 'persistence: and unlocked' );
}

# persistence.pl by default, as inside switchboard: the engine's subs
# behind Switchboard::Shared (stood in for here by a Perl hash) are
# defined, so the real perl-lib/Switchboard/Shared.pm loads; %state is
# tied to it and the counters go through Switchboard::Shared::add.
{
    my ( %store, @adds );
    no warnings 'redefine';
    local *Switchboard::Shared::_fetch  = sub { $store{ $_[0] }{ $_[1] } };
    local *Switchboard::Shared::_store  = sub { $store{ $_[0] }{ $_[1] } = $_[2]; 1 };
    local *Switchboard::Shared::_exists = sub { exists $store{ $_[0] }{ $_[1] } ? 1 : 0 };
    local *Switchboard::Shared::_delete = sub { delete $store{ $_[0] }{ $_[1] } };
    local *Switchboard::Shared::_clear  = sub { delete $store{ $_[0] }; 1 };
    local *Switchboard::Shared::_keys   = sub { sort keys %{ $store{ $_[0] } || {} } };
    local *Switchboard::Shared::_count  = sub { scalar keys %{ $store{ $_[0] } || {} } };
    local *Switchboard::Shared::_add    = sub { push @adds, [@_]; $store{ $_[0] }{ $_[1] } += $_[2] };
    delete $INC{'Switchboard/Shared.pm'};    # its earlier load failed
    Kamailio::clear_log();
    load_sample( 'persistence', 'Sample::persistence_sb' );
    is_deeply( texts(), [], 'persistence: no warning inside switchboard' );
    {
        no strict 'refs';
        is( ref tied %{'Sample::persistence_sb::state'}, 'Switchboard::Shared', 'persistence: %state tied to Switchboard::Shared' );
    }
    # Another worker's counts already in the store.
    $store{persistence}{total} = 10;
    $store{persistence}{'method:INVITE'} = 10;
    my ( $count, $destroy ) = map { fn( 'Sample::persistence_sb', $_ ) } qw(persistence persistence_destroy);
    $count->( invite() );
    $count->( reply() );
    $destroy->();
    is_deeply( texts(), [
        "persistence: message 11 seen by all workers (INVITE: 11)\n",
        "persistence: message 12 seen by all workers (reply: 1)\n",
        "persistence: interpreter reset after 2 messages; totals of all workers: 12 messages (INVITE: 11, reply: 1)\n",
    ], 'persistence: counts of all workers; the reset line tells this interpreter\'s from the totals' );
    is_deeply( \@adds, [ map { [ 'persistence', $_, 1 ] } 'total', 'method:INVITE', 'total', 'method:reply' ],
        'persistence: counted with the atomic Switchboard::Shared::add' );
}

# --- phonenumbers.pl
{
    my ( $canonical, $dialnr ) = map { fn( 'Sample::phonenumbers', $_ ) } qw(canonical dialnr);
    my $m = request('sip:07612034567@gw.example.org;user=phone');
    Kamailio::clear_log();
    is( $canonical->($m), 1, 'phonenumbers: canonical returns 1' );
    is( $m->getRURI, 'sip:+497612034567@gw.example.org;user=phone', 'phonenumbers: R-URI rewritten to the canonical form' );
    is_deeply( [ $m->calls ], [], 'phonenumbers: (no module function needed)' );
    is_deeply( texts(), ["phonenumbers: canonical form of 07612034567 is +497612034567, R-URI now sip:+497612034567\@gw.example.org;user=phone\n"], 'phonenumbers: canonical logged' );

    Kamailio::clear_log();
    is( $dialnr->($m), 1, 'phonenumbers: dialnr returns 1' );
    is( $m->getRURI, 'sip:02034567@gw.example.org;user=phone', 'phonenumbers: R-URI rewritten to the dial number' );
    is_deeply( texts(), ["phonenumbers: dial number of +497612034567 is 02034567, R-URI now sip:02034567\@gw.example.org;user=phone\n"], 'phonenumbers: dialnr logged' );

    $m = request('sip:42@pbx.example.org');
    $canonical->($m);
    is( $m->getRURI, 'sip:+4976145684242@pbx.example.org', 'phonenumbers: an extension' );

    $m = request('sip:alice@example.org');
    Kamailio::clear_log();
    is( $canonical->($m), -1, 'phonenumbers: no number returns -1' );
    is( $m->getRURI, 'sip:alice@example.org', 'phonenumbers: R-URI untouched' );
    is_deeply( texts(), ["phonenumbers: sip:alice\@example.org has no phone number\n"], 'phonenumbers: logged' );
    is( $dialnr->( reply() ), -1, 'phonenumbers: reply returns -1' );
}

# --- pseudovars.pl
{
    my $pv = fn( 'Sample::pseudovars', 'pseudovars' );
    Kamailio::clear_log();
    is( $pv->( invite() ), 1, 'pseudovars returns 1' );
    is_deeply( texts(), ["pseudovars: INVITE from sip:alice\@example.org to sip:5551234\@example.org, Call-ID a84b4c76e66710\@pc33, source 192.0.2.10:5060\n"],
        'pseudovars: the default template, substituted' );
    Kamailio::clear_log();
    $pv->( invite( src_ip => '198.51.100.7' ), 'to user $tU via $hdr(Max-Forwards) hops from $si' );
    is_deeply( texts(), ["pseudovars: to user 5551234 via 70 hops from 198.51.100.7\n"], 'pseudovars: template from the parameter' );
}

done_testing;
