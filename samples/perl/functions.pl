# functions.pl - calling the routing script's functions from Perl, passing
# strings to Perl, and what happens when Perl dies or warns.
#
#   perl_exec("exportedfuncs") or perl_exec("exportedfuncs", "dbaliases")
#       A request whose R-URI user starts with 555 is answered
#       "500 Internal Server Error" with $m->sl_send_reply (an unknown
#       method of Kamailio::Message, so AUTOLOAD turns it into
#       moduleFunction("sl_send_reply", ...)); logs "functions: rejecting
#       <user> with 500" and returns -1 - the routing script should then
#       stop (exit). Any other request is looked up with
#       $m->moduleFunction("alias_db_lookup", TABLE) (TABLE: the parameter,
#       "dbaliases" by default); when that function is not available the
#       lookup is skipped. Logs the outcome and returns 1.
#
#   perl_exec("paramfunc", "any string")
#       Logs "functions: paramfunc got 'any string'". Returns 1.
#
#   perl_exec("autotest")
#       Calls $m->xlog("L_INFO", ...) - again a module function reached
#       through AUTOLOAD - which logs "functions: autotest: xlog reached
#       through AUTOLOAD for <R-URI>". Returns 1.
#
#   perl_exec("diefunc1")   dies with "functions.pl: diefunc1 dies on purpose".
#   perl_exec("diefunc2")   dies of a script error ("Illegal division by zero").
#   perl_exec("warnfunc")   warns "functions.pl: warnfunc warns on purpose", returns 1.
#       The server logs the die or warn message with the script's line;
#       a die makes perl_exec fail. Do not install your own $SIG{__DIE__}
#       or $SIG{__WARN__} if you want them logged that way.

use strict;
use warnings;

use Kamailio qw(log);
use Kamailio::Constants;

sub _ruri_user {
    my ($m) = @_;
    my ($user) = $m->getRURI() =~ /\A(?:sips?|tel):([^@;?]*)/i;
    return $user;
}

sub exportedfuncs {
    my ( $m, $table ) = @_;
    return 1 unless $m->getType() == SIP_REQUEST;

    my $user = _ruri_user($m);
    if ( defined $user && $user =~ /\A555/ && $m->getMethod() ne 'ACK' ) {
        log( L_INFO, "functions: rejecting $user with 500\n" );
        $m->sl_send_reply( "500", "Internal Server Error" );
        return -1;
    }

    $table = 'dbaliases' unless defined $table && length $table;
    my $rc;
    my $ok = eval {
        local $SIG{__DIE__};    # an expected failure, not one to report
        $rc = $m->moduleFunction( "alias_db_lookup", $table );
        1;
    };
    if ($ok) {
        log( L_INFO, "functions: alias_db_lookup($table) returned $rc, R-URI now " . $m->getRURI() . "\n" );
    }
    else {
        ( my $err = $@ ) =~ s/\s+\z//;
        log( L_INFO, "functions: alias_db_lookup not available ($err), R-URI left alone\n" );
    }
    return 1;
}

sub paramfunc {
    my ( $m, $param ) = @_;
    log( L_INFO, "functions: paramfunc got '" . ( $param // '' ) . "'\n" );
    return 1;
}

sub autotest {
    my ($m) = @_;
    my $what = $m->getType() == SIP_REQUEST ? $m->getRURI() : 'a reply';
    $m->xlog( "L_INFO", "functions: autotest: xlog reached through AUTOLOAD for $what\n" );
    return 1;
}

sub diefunc1 {
    die "functions.pl: diefunc1 dies on purpose\n";
}

sub diefunc2 {
    my $zero = 0;
    return 1 / $zero;
}

sub warnfunc {
    warn "functions.pl: warnfunc warns on purpose\n";
    return 1;
}

1;
