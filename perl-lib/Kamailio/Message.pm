package Kamailio::Message;

# Methods of the message object a perl_exec'd function receives. The
# documented ones (getType, getHeader, moduleFunction, ...) are built into
# switchboard. Any other method name is a cfg function called through
# moduleFunction, so `$m->sl_send_reply("404", "Not here")` works.
# A method for the other kind of message (getStatus on a request, getRURI
# on a reply) logs an error and returns undef (rewrite_ruri: -1), as in
# Kamailio; a message object used after its call dies.

use strict;
use warnings;

our $AUTOLOAD;

sub AUTOLOAD {
    my $self = shift;
    my $name = $AUTOLOAD;
    $name =~ s/.*:://;
    return if $name eq 'DESTROY';
    return $self->moduleFunction($name, @_);
}

1;
