# branches.pl - appending branches from Perl, as append_branch() does in
# the routing script.
#
# Call it from a request route, before t_relay():
#
#   perl_exec("branches");
#       appends one branch: a copy of the current request URI
#       (append_branch without arguments).
#
#   perl_exec("branches", "sip:alice@example.org 0.8, sip:bob@example.net");
#       appends one branch per comma-separated entry; an entry is a URI,
#       optionally followed by a space and the branch's q value.
#
# Logs (L_INFO) "branches: appended branch <uri>" (plus " q=<q>") for each
# branch. Returns 1 when every append_branch succeeded, -1 otherwise.

use strict;
use warnings;

use Kamailio qw(log);
use Kamailio::Constants;

sub branches {
    my ( $m, $list ) = @_;

    my @entries = grep { length } map { s/\A\s+|\s+\z//gr } split /,/, ( $list // '' );
    if ( !@entries ) {
        my $ok = $m->append_branch() > 0;
        log( L_INFO, "branches: appended branch " . $m->getRURI() . " (copy of the R-URI)\n" ) if $ok;
        log( L_ERR, "branches: append_branch failed\n" ) unless $ok;
        return $ok ? 1 : -1;
    }

    my $all_ok = 1;
    for my $entry (@entries) {
        my ( $uri, $q ) = split ' ', $entry, 2;
        my $rc = defined $q ? $m->append_branch( $uri, $q ) : $m->append_branch($uri);
        if ( $rc > 0 ) {
            log( L_INFO, "branches: appended branch $uri" . ( defined $q ? " q=$q" : '' ) . "\n" );
        }
        else {
            log( L_ERR, "branches: append_branch($uri) failed\n" );
            $all_ok = 0;
        }
    }
    return $all_ok ? 1 : -1;
}

1;
