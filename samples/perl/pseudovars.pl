# pseudovars.pl - reading pseudo-variables with $m->pseudoVar, which
# returns its argument with every pseudo-variable replaced by its value.
#
#   perl_exec("pseudovars");
#       Logs (L_INFO) the default template
#         'pseudovars: $rm from $fu to $ru, Call-ID $ci, source $si:$sp'
#       with the values filled in, e.g.
#         "pseudovars: INVITE from sip:alice@example.org to
#          sip:bob@example.org, Call-ID abc@host, source 192.0.2.10:5060"
#   perl_exec("pseudovars", "user agent: $ua");
#       Logs "pseudovars: " and the given template, substituted.
#   Returns 1.
#
# Inside Perl strings the "$" of a pseudo-variable must be escaped (or the
# string single-quoted), otherwise Perl interpolates its own variables.
# There is no Perl function to set pseudo-variables; call the routing
# script's functions for that (e.g. $m->moduleFunction("pv_printf", ...)
# where available).

use strict;
use warnings;

use Kamailio qw(log);
use Kamailio::Constants;

our $TEMPLATE = '$rm from $fu to $ru, Call-ID $ci, source $si:$sp';

sub pseudovars {
    my ( $m, $template ) = @_;
    $template = $TEMPLATE unless defined $template && length $template;
    my $text = $m->pseudoVar($template);
    log( L_INFO, "pseudovars: " . ( defined $text ? $text : '(no value)' ) . "\n" );
    return 1;
}

1;
