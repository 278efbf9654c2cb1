# firstline.pl - what the first line of a message tells: a request has a
# method, a request URI and a SIP version; a reply has a status, a reason
# phrase and a version.
#
# Call it from any route (request_route, onreply_route, failure_route,
# branch_route):
#
#   perl_exec("firstline");
#
# Logs (L_INFO) one line:
#   "firstline: request: method INVITE, R-URI sip:bob@example.org, version SIP/2.0"
#   "firstline: reply: status 180, reason Ringing, version SIP/2.0"
# Returns 1, or -1 (with an L_WARN line) for a message of neither type.

use strict;
use warnings;

use Kamailio qw(log);
use Kamailio::Constants;

sub firstline {
    my ($m) = @_;
    my $type = $m->getType();

    if ( $type == SIP_REQUEST ) {
        log( L_INFO, sprintf "firstline: request: method %s, R-URI %s, version %s\n",
            $m->getMethod(), $m->getRURI(), $m->getVersion() );
        return 1;
    }
    if ( $type == SIP_REPLY ) {
        log( L_INFO, sprintf "firstline: reply: status %s, reason %s, version %s\n",
            $m->getStatus(), $m->getReason(), $m->getVersion() );
        return 1;
    }
    log( L_WARN, "firstline: message of unknown type $type\n" );
    return -1;
}

1;
