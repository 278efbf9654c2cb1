# flags.pl - message flags from Perl. The flag names of Kamailio::Constants
# (FL_WHITE, FL_YELLOW, FL_GREEN, FL_RED, FL_BLUE, FL_MAGENTA, ...) are the
# flag numbers, so `setflag(3)` in the routing script and
# `$m->setFlag(FL_GREEN)` here are the same flag.
#
#   perl_exec("setflag");     sets the green flag.
#                             Logs "flags: green flag set". Returns 1.
#   perl_exec("readflag");    reads the green and magenta flags.
#                             Logs "flags: green flag is set|not set,
#                             magenta flag is set|not set".
#                             Returns 1 when green is set, -1 otherwise, so
#                             `if (perl_exec("readflag")) { ... }` works.
#   perl_exec("resetflag");   clears the green flag.
#                             Logs "flags: green flag reset". Returns 1.

use strict;
use warnings;

use Kamailio qw(log);
use Kamailio::Constants;

sub setflag {
    my ($m) = @_;
    $m->setFlag(FL_GREEN);
    log( L_INFO, "flags: green flag set\n" );
    return 1;
}

sub readflag {
    my ($m) = @_;
    my $green   = $m->isFlagSet(FL_GREEN)   ? 1 : 0;
    my $magenta = $m->isFlagSet(FL_MAGENTA) ? 1 : 0;
    log( L_INFO, sprintf "flags: green flag is %s, magenta flag is %s\n",
        $green ? 'set' : 'not set', $magenta ? 'set' : 'not set' );
    return $green ? 1 : -1;
}

sub resetflag {
    my ($m) = @_;
    $m->resetFlag(FL_GREEN);
    log( L_INFO, "flags: green flag reset\n" );
    return 1;
}

1;
