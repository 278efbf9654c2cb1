# headers.pl - reading header names and values.
#
#   perl_exec("headernames");
#       Logs (L_INFO) "headers: N headers", then "headers: name <Name>" for
#       every header of the message, in order, repeated ones as often as
#       they occur (getHeaderNames). Returns 1.
#
#   perl_exec("someheaders");  or  perl_exec("someheaders", "Via,Contact");
#       For each header name (default: "To,WWW-Contact"), logs the first
#       value (getHeader in scalar context) and every value (getHeader in
#       list context, as a repeated header gives more than one):
#         "headers: To: <sip:bob@example.org>"
#         "headers: Via occurs 2 times"
#         "headers: Via[0]: SIP/2.0/UDP ..."  "headers: Via[1]: ..."
#       or "headers: no WWW-Contact header". Returns 1.

use strict;
use warnings;

use Kamailio qw(log);
use Kamailio::Constants;

sub headernames {
    my ($m) = @_;
    my @names = $m->getHeaderNames();
    log( L_INFO, "headers: " . scalar(@names) . " headers\n" );
    log( L_INFO, "headers: name $_\n" ) for @names;
    return 1;
}

sub someheaders {
    my ( $m, $list ) = @_;
    my @wanted = grep { length } map { s/\A\s+|\s+\z//gr }
      split /,/, ( defined $list && length $list ? $list : 'To,WWW-Contact' );

    for my $name (@wanted) {
        my @values = $m->getHeader($name);    # list context: every value
        if ( !@values ) {
            log( L_INFO, "headers: no $name header\n" );
            next;
        }
        my $first = $m->getHeader($name);     # scalar context: the first
        log( L_INFO, "headers: $name: $first\n" );
        next unless @values > 1;
        log( L_INFO, "headers: $name occurs " . scalar(@values) . " times\n" );
        for my $i ( 0 .. $#values ) {
            log( L_INFO, "headers: $name\[$i\]: $values[$i]\n" );
        }
    }
    return 1;
}

1;
