package Kamailio::URI;

# A parsed URI, as Kamailio::Message::getParsedRURI returns it. Its
# accessors (user, host, port, params, transport, transport_val, ...) are
# built into switchboard.

use strict;
use warnings;

1;
