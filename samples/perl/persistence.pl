# persistence.pl - keeping data between calls.
#
#   perl_exec("persistence");
#       Counts the messages this script has seen, in total and per method
#       (replies count as "reply"), and logs (L_INFO)
#         "persistence: message 12 seen by this interpreter (INVITE: 4)"
#       ("... seen by all workers ..." when the counters are shared).
#       Returns 1.
#
#   modparam("app_perl", "perl_destroy_func", "persistence_destroy")
#       Before the interpreter is reset (reset_cycles), logs the totals:
#         "persistence: interpreter reset after 12 messages (INVITE: 4, reply: 8)"
#       Returns 1.
#
# Where the data lives. By default in %state, a global hash of the
# script: it lasts as long as the Perl interpreter, which is one per
# worker and is rebuilt (so the counts start again) every reset_cycles
# calls. Nothing beyond core Perl is needed.
#
# To share the counters between all workers, set $USE_IPC_SHAREABLE below
# to 1, or start the server with PERSISTENCE_IPC_SHAREABLE=1 in its
# environment. %state is then tied to IPC::Shareable (System V shared
# memory, key $SHARE_KEY; Debian package libipc-shareable-perl) and every
# update is made under its lock. If the module is missing or the shared
# segment cannot be attached, an L_WARN line says so and the per-worker
# hash is used.

use strict;
use warnings;

use Kamailio qw(log);
use Kamailio::Constants;

our $USE_IPC_SHAREABLE = $ENV{PERSISTENCE_IPC_SHAREABLE} ? 1 : 0;
our $SHARE_KEY         = 'swbp';

our %state;
our $shared = 0;

if ($USE_IPC_SHAREABLE) {
    my $ok = eval {
        local $SIG{__DIE__};
        require IPC::Shareable;
        tie %state, 'IPC::Shareable', { key => $SHARE_KEY, create => 1, mode => 0600 }
          or die "tie failed\n";
        1;
    };
    if ($ok) {
        $shared = 1;
    }
    else {
        ( my $err = $@ ) =~ s/\s+\z//;
        $err =~ s/ \(\@INC contains:.*//s;
        log( L_WARN, "persistence: IPC::Shareable not usable ($err); "
              . "counters are kept per worker (apt-get install libipc-shareable-perl)\n" );
    }
}

sub _locked {
    my ($code) = @_;
    my $tie = $shared ? tied %state : undef;
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
    my ( $total, $of_kind ) = _locked(
        sub {
            return ( ++$state{total}, ++$state{"method:$kind"} );
        }
    );
    my $who = $shared ? 'all workers' : 'this interpreter';
    log( L_INFO, "persistence: message $total seen by $who ($kind: $of_kind)\n" );
    return 1;
}

sub persistence_destroy {
    my $total = $state{total} // 0;
    log( L_INFO, "persistence: interpreter reset after $total messages (" . _summary() . ")\n" );
    return 1;
}

1;
