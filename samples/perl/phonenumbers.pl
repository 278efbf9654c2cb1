# phonenumbers.pl - telephone numbers in the request URI, with
# Kamailio::Utils::PhoneNumbers.
#
# The location (context) is set in %CONTEXT below; as shipped it is the
# manual's example: a PBX with outside line 0 in Freiburg, Germany
# (country 49, area 761, PBX number 456842, long distance prefix 0, and
# international numbers written with "+").
#
#   perl_exec("canonical");
#       When the R-URI user is a phone number (digits, optionally a leading
#       "+" and the separators - . ( )), rewrites the R-URI with the number
#       in canonical form, e.g. sip:07612034567@gw.example.org becomes
#       sip:+497612034567@gw.example.org. Logs (L_INFO)
#         "phonenumbers: canonical form of 07612034567 is +497612034567,
#          R-URI now sip:+497612034567@gw.example.org"
#       and returns 1. Otherwise logs "phonenumbers: <R-URI> has no phone
#       number" and returns -1 (also for replies).
#
#   perl_exec("dialnr");
#       The other way: rewrites the R-URI user with the number to dial from
#       the context (sip:+497612034567@... becomes sip:02034567@...).
#       Logs "phonenumbers: dial number of ... is ..., R-URI now ...".
#       Returns 1, or -1 as above.
#
# Call them on the requests you route to a telephony gateway (typically
# INVITEs), not on REGISTERs.

use strict;
use warnings;

use Kamailio qw(log);
use Kamailio::Constants;
use Kamailio::Utils::PhoneNumbers;

our %CONTEXT = (
    publicAccessPrefix  => '0',
    internationalPrefix => '+',
    longDistancePrefix  => '0',
    countryCode         => '49',
    areaCode            => '761',
    pbxCode             => '456842',
);

my $numbers = Kamailio::Utils::PhoneNumbers->new(%CONTEXT);

# (scheme, user, rest) of the R-URI when its user part is a phone number.
sub _ruri_number {
    my ($m) = @_;
    return unless $m->getType() == SIP_REQUEST;
    my $ruri = $m->getRURI();
    my ( $scheme, $user, $rest ) = $ruri =~ /\A(sips?:)([^@;?]+)(\@.*)\z/i
      or return;
    return unless $user =~ /\A\+?[0-9][0-9\-.()]*\z/;
    return ( $scheme, $user, $rest );
}

sub _convert {
    my ( $m, $what, $convert ) = @_;
    my ( $scheme, $user, $rest ) = _ruri_number($m);
    if ( !defined $user ) {
        my $where = $m->getType() == SIP_REQUEST ? $m->getRURI() : 'a reply';
        log( L_INFO, "phonenumbers: $where has no phone number\n" );
        return -1;
    }
    my $number = $convert->($user);
    if ( !defined $number || $number eq '' ) {
        log( L_INFO, "phonenumbers: no $what for $user\n" );
        return -1;
    }
    my $new = $scheme . $number . $rest;
    $m->rewrite_ruri($new) if $new ne $m->getRURI();
    log( L_INFO, "phonenumbers: $what of $user is $number, R-URI now $new\n" );
    return 1;
}

sub canonical {
    my ($m) = @_;
    return _convert( $m, 'canonical form', sub { $numbers->canonicalForm( $_[0] ) } );
}

sub dialnr {
    my ($m) = @_;
    return _convert( $m, 'dial number', sub { $numbers->dialNumber( $_[0] ) } );
}

1;
