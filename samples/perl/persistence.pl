# persistence.pl - keeping data between calls.
#
#   perl_exec("persistence");
#       Counts the messages seen, in total and per method (replies count
#       as "reply"), and logs (L_INFO)
#         "persistence: message 12 seen by all workers (INVITE: 4)"
#       ("... seen by this interpreter ..." when the counters are kept per
#       worker, see below). Returns 1.
#
#   modparam("app_perl", "perl_destroy_func", "persistence_destroy")
#       Before the interpreter is reset (reset_cycles), logs how many
#       messages this interpreter counted and, when shared, the totals of
#       all workers so far (which the reset does not clear):
#         "persistence: interpreter reset after 7 messages; totals of all workers: 12 messages (INVITE: 4, reply: 8)"
#       or, per worker (the totals are then this interpreter's own):
#         "persistence: interpreter reset after 12 messages (INVITE: 4, reply: 8)"
#       Returns 1.
#
# Where the data lives. By default %state, a global hash of the script,
# is tied to Switchboard::Shared (namespace "persistence"): switchboard's
# own store, shared by the interpreters of all workers, kept across
# interpreter resets (until the server stops), with nothing to install.
# The counters are bumped with Switchboard::Shared::add, which is atomic:
# workers counting at the same time lose no update.
#
# Switchboard::Shared is not Kamailio's: under Kamailio (or when it is
# otherwise missing) an L_WARN line says so and %state is a plain hash:
# one per worker, rebuilt (so the counts start again) every reset_cycles
# calls.
#
# The alternative of Kamailio's manual: set $USE_IPC_SHAREABLE below to 1,
# or start the server with PERSISTENCE_IPC_SHAREABLE=1 in its environment.
# %state is then tied to IPC::Shareable (System V shared memory, key
# $SHARE_KEY; Debian package libipc-shareable-perl), which works under
# Kamailio too, and every update is made under its lock. If the module is
# missing or the shared segment cannot be attached, an L_WARN line says so
# and the per-worker hash is used.

use strict;
use warnings;

use Kamailio qw(log);
use Kamailio::Constants;

our $USE_IPC_SHAREABLE = $ENV{PERSISTENCE_IPC_SHAREABLE} ? 1 : 0;
our $SHARE_KEY         = 'swbp';

our %state;
our $shared = '';    # '' (per worker), 'switchboard' or 'ipc'
our $here   = 0;     # messages counted by this interpreter

sub _why {
    ( my $err = shift ) =~ s/\s+\z//;
    $err =~ s/ \(\@INC contains:.*//s;
    $err =~ s/ \(you may need to install[^)]*\)//;
    $err =~ s/\n.*//s;    # the first line says it
    return $err;
}

if ($USE_IPC_SHAREABLE) {
    my $ok = eval {
        local $SIG{__DIE__};
        require IPC::Shareable;
        tie %state, 'IPC::Shareable', { key => $SHARE_KEY, create => 1, mode => 0600 }
          or die "tie failed\n";
        1;
    };
    if ($ok) {
        $shared = 'ipc';
    }
    else {
        log( L_WARN, "persistence: IPC::Shareable not usable (" . _why($@) . "); "
              . "counters are kept per worker (apt-get install libipc-shareable-perl)\n" );
    }
}
else {
    my $ok = eval {
        local $SIG{__DIE__};
        require Switchboard::Shared;
        tie %state, 'Switchboard::Shared', 'persistence';
        1;
    };
    if ($ok) {
        $shared = 'switchboard';
    }
    else {
        log( L_WARN, "persistence: Switchboard::Shared not available (" . _why($@) . "); "
              . "counters are kept per worker (set PERSISTENCE_IPC_SHAREABLE=1 to share them through IPC::Shareable)\n" );
    }
}

sub _locked {
    my ($code) = @_;
    my $tie = $shared eq 'ipc' ? tied %state : undef;
    my $lock   = $tie && ( $tie->can('lock')   || $tie->can('shlock') );
    my $unlock = $tie && ( $tie->can('unlock') || $tie->can('shunlock') );
    $tie->$lock() if $lock;
    my @ret = eval { $code->() };
    my $err = $@;
    $tie->$unlock() if $unlock;
    die $err if $err;
    return @ret;
}

sub _summary {
    my @kinds = sort grep { s/\Amethod:// } keys %state;
    return join ', ', map { "$_: " . $state{"method:$_"} } @kinds;
}

sub persistence {
    my ($m) = @_;
    my $kind = $m->getType() == SIP_REQUEST ? $m->getMethod() : 'reply';
    my ( $total, $of_kind );
    if ( $shared eq 'switchboard' ) {
        # One atomic step each: no update lost between workers.
        $total   = Switchboard::Shared::add( 'persistence', 'total',         1 );
        $of_kind = Switchboard::Shared::add( 'persistence', "method:$kind", 1 );
    }
    else {
        ( $total, $of_kind ) = _locked( sub { return ( ++$state{total}, ++$state{"method:$kind"} ) } );
    }
    $here++;
    my $who = $shared ? 'all workers' : 'this interpreter';
    log( L_INFO, "persistence: message $total seen by $who ($kind: $of_kind)\n" );
    return 1;
}

sub persistence_destroy {
    my $total = $state{total} // 0;
    if ($shared) {
        log( L_INFO, "persistence: interpreter reset after $here messages; "
              . "totals of all workers: $total messages (" . _summary() . ")\n" );
    }
    else {
        log( L_INFO, "persistence: interpreter reset after $total messages (" . _summary() . ")\n" );
    }
    return 1;
}

1;
