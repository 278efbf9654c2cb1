package Kamailio;

# switchboard's Kamailio.pm: the Perl side of app_perl.
#
# The subs themselves (Kamailio::log, the Kamailio::Message, Kamailio::URI
# and Kamailio::AVP methods) are built into switchboard and defined in
# every interpreter before any script loads; this file only arranges the
# exports. `bootstrap Kamailio` (as Kamailio's own Kamailio.pm does) is
# accepted and does nothing.

use strict;
use warnings;

require Exporter;

our @ISA       = qw(Exporter);
our @EXPORT_OK = qw(log);
our $VERSION   = '1.0';

use Kamailio::Message;
use Kamailio::URI;
use Kamailio::AVP;

1;

__END__

=head1 NAME

Kamailio - the switchboard side of Kamailio's app_perl API

=head1 SYNOPSIS

  use Kamailio qw(log);
  use Kamailio::Constants;

  sub my_route {
      my $m = shift;                      # a Kamailio::Message
      log(L_INFO, "request for " . $m->getRURI() . "\n");
      return 1;
  }

=head1 DESCRIPTION

C<log(level, message)> writes to switchboard's log at a Kamailio level
(L_ALERT .. L_DBG from Kamailio::Constants). It is not exported by
default because Perl has a C<log> of its own.

=cut
