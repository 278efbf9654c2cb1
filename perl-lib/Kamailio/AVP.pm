package Kamailio::AVP;

# Kamailio::AVP::add(name, value), get(name), destroy(name): the AVPs of
# the message being routed. A number names an integer AVP, a string a
# string AVP (add(10, 10) and add("10", "10") are different AVPs). As in
# Kamailio, add returns 0 (also, adding nothing, for an undef name or
# value) and -1 for a name or value that is neither a string nor a
# number; destroy returns 1 when it removed an AVP, else 0. The subs are
# built into switchboard.

use strict;
use warnings;

1;
