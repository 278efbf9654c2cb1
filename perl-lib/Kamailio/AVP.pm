package Kamailio::AVP;

# Kamailio::AVP::add(name, value), get(name), destroy(name): the AVPs of
# the message being routed. A number names an integer AVP, a string a
# string AVP (add(10, 10) and add("10", "10") are different AVPs). The
# subs are built into switchboard.

use strict;
use warnings;

1;
