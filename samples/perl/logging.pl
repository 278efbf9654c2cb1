# logging.pl - the ways to write to the server's log from Perl.
#
#   perl_exec("logdemo");
#       Logs, in this order:
#         L_INFO   "logging: log() imported from Kamailio (L_INFO)"
#         L_NOTICE "logging: Kamailio::log by its full name (L_NOTICE)"
#         L_DBG    "logging: a debug message (L_DBG), shown only with debug >= 3"
#         L_WARN   "logging: a warning (L_WARN)"
#         L_ERR    "logging: an error message (L_ERR), only a demonstration"
#         L_INFO   "logging: through the message object, $m->log (deprecated, L_INFO)"
#       Returns 1.
#
#   perl_exec("xlogdemo");
#       Calls the xlog function through the message object (AUTOLOAD ->
#       moduleFunction), so pseudo-variables are expanded by xlog:
#         "logging: xlog says the method is INVITE"
#       Returns 1.
#
# Note: log() is not exported by default because Perl has a log() of its
# own (the logarithm); `use Kamailio qw(log)` imports ours. The L_*
# constants come from Kamailio::Constants.

use strict;
use warnings;

use Kamailio qw(log);
use Kamailio::Constants;

sub logdemo {
    my ($m) = @_;
    log( L_INFO, "logging: log() imported from Kamailio (L_INFO)\n" );
    Kamailio::log( L_NOTICE, "logging: Kamailio::log by its full name (L_NOTICE)\n" );
    Kamailio::log( L_DBG,    "logging: a debug message (L_DBG), shown only with debug >= 3\n" );
    Kamailio::log( L_WARN,   "logging: a warning (L_WARN)\n" );
    Kamailio::log( L_ERR,    "logging: an error message (L_ERR), only a demonstration\n" );
    $m->log( L_INFO, "logging: through the message object, \$m->log (deprecated, L_INFO)\n" );
    return 1;
}

sub xlogdemo {
    my ($m) = @_;
    $m->xlog( "L_INFO", "logging: xlog says the method is \$rm\n" );
    return 1;
}

1;
