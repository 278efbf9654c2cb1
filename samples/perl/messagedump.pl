# messagedump.pl - the whole message as text.
#
#   perl_exec("messagedump");
#       Logs (L_INFO) in one log call "messagedump: whole message, N bytes:"
#       followed by the complete message, first line, headers and body
#       (getMessage).
#   perl_exec("messagedump", "header");   only the header part (getFullHeader)
#   perl_exec("messagedump", "body");     only the body (getBody)
#   Returns 1 (-1 for an unknown parameter).
#
# The text is the message as it was received: changes made earlier in the
# routing script (rewritten R-URI, added headers) may not show in it.

use strict;
use warnings;

use Kamailio qw(log);
use Kamailio::Constants;

sub messagedump {
    my ( $m, $part ) = @_;
    $part = 'message' unless defined $part && length $part;

    my ( $what, $text );
    if    ( $part eq 'message' ) { ( $what, $text ) = ( 'whole message', $m->getMessage() ) }
    elsif ( $part eq 'header' )  { ( $what, $text ) = ( 'header',        $m->getFullHeader() ) }
    elsif ( $part eq 'body' )    { ( $what, $text ) = ( 'body',          $m->getBody() ) }
    else {
        log( L_WARN, "messagedump: unknown part '$part' (use header or body)\n" );
        return -1;
    }
    $text = '' unless defined $text;
    log( L_INFO, "messagedump: $what, " . length($text) . " bytes:\n$text" . ( $text =~ /\n\z/ ? '' : "\n" ) );
    return 1;
}

1;
