# Kamailio::Utils::PhoneNumbers: the manual's worked example, the synopsis,
# the three ways of calling, and edge cases.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/..";
use Test::More;

use Kamailio::Utils::PhoneNumbers;

my $PN = 'Kamailio::Utils::PhoneNumbers';

# The manual's worked example: "+497614514829 is the canonical form of my
# phone number, 829 is the number to dial at Pyramid, 4514829 is the
# dialing number from Freiburg area". At Pyramid the public access prefix
# is 0 and the pbx is 4514 (area 761, country 49); the user enters
# 04514829 there.
my $pyramid = $PN->new(
    publicAccessPrefix  => '0',
    internationalPrefix => '+',
    longDistancePrefix  => '0',
    countryCode         => '49',
    areaCode            => '761',
    pbxCode             => '4514',
);
my $freiburg = $PN->new(
    publicAccessPrefix  => '',
    internationalPrefix => '+',
    longDistancePrefix  => '0',
    countryCode         => '49',
    areaCode            => '761',
    pbxCode             => '',
);

isa_ok( $pyramid, $PN );
is( $pyramid->canonicalForm('04514829'), '+497614514829', 'worked example: 04514829 at Pyramid is +497614514829' );
is( $pyramid->canonicalForm('829'),      '+497614514829', '829 (extension) at Pyramid' );
is( $pyramid->dialNumber('+497614514829'), '829',         'dial at Pyramid: 829' );
is( $freiburg->dialNumber('+497614514829'), '4514829',    'dial from the Freiburg area: 4514829' );
is( $freiburg->canonicalForm('4514829'), '+497614514829', '4514829 in Freiburg' );

# The synopsis.
my $pn = new Kamailio::Utils::PhoneNumbers(
    publicAccessPrefix  => "0",
    internationalPrefix => "+",
    longDistancePrefix  => "0",
    areaCode            => "761",
    pbxCode             => "456842",
    countryCode         => "49"
);
is( $pn->canonicalForm("07612034567"), '+497612034567', 'synopsis: canonicalForm("07612034567")' );
is( $pn->dialNumber("+497612034567"),  '02034567',      'synopsis: dialNumber("+497612034567")' );

# canonicalForm: the levels.
is( $pn->canonicalForm('+33 1 23 45 67 89'), '+33123456789',  'already canonical, spaces removed' );
is( $pn->canonicalForm('0030123456'),        '+4930123456',   'outside line + long distance: national' );
is( $pn->canonicalForm('02034567'),          '+497612034567', 'outside line: local number' );
is( $pn->canonicalForm('0761-203 45/67'),    '+497612034567', 'separators ignored' );
is( $pn->canonicalForm('(0761) 2034567'),    '+497612034567', 'parentheses ignored' );
is( $pn->canonicalForm('42'),                '+4976145684242', 'extension' );
is( $pn->canonicalForm('45684242'),          '+4976145684242', 'extension written with the pbx code' );
is( $pn->canonicalForm('0+15551234567'),     undef,           '+ only at the start' );

my $intl00 = $PN->new( publicAccessPrefix => '', internationalPrefix => '00',
    longDistancePrefix => '0', countryCode => '49', areaCode => '30' );
is( $intl00->canonicalForm('0033123456789'), '+33123456789', 'international prefix 00' );
is( $intl00->canonicalForm('0891234'),       '+49891234',    'long distance prefix 0' );
is( $intl00->canonicalForm('1234567'),       '+49301234567', 'local' );
is( $intl00->dialNumber('+33123456789'),     '0033123456789', 'dial abroad with 00' );
is( $intl00->dialNumber('+49891234'),        '0891234',      'dial another area' );
is( $intl00->dialNumber('+49301234567'),     '1234567',      'dial same area' );

# dialNumber: the levels, from the synopsis context.
is( $pn->dialNumber('+15551234567'),   '+15551234567', 'abroad, "+" as international prefix' );
is( $pn->dialNumber('+4930123456'),    '0030123456',   'another area: outside line, long distance, area' );
is( $pn->dialNumber('+4976145684242'), '42',           'own pbx: the extension' );
is( $pn->dialNumber('07612034567'),    '02034567',     'non-canonical input is canonicalized first' );
for my $n ( '+497612034567', '+4930123456', '+4976145684242', '+15551234567' ) {
    is( $pn->canonicalForm( $pn->dialNumber($n) ), $n, "round trip $n" );
}

# Not phone numbers.
is( $pn->canonicalForm(undef),     undef, 'undef' );
is( $pn->canonicalForm(''),        undef, 'empty' );
is( $pn->canonicalForm('alice'),   undef, 'letters' );
is( $pn->canonicalForm('12+34'),   undef, '+ in the middle' );
is( $pn->dialNumber('bob'),        undef, 'dialNumber of letters' );

# Context argument overrides the object's fields.
is( $pn->dialNumber( '+497614514829', { pbxCode => '4514' } ), '829', 'context overrides pbxCode' );
is( $pn->canonicalForm( '829', $pyramid ), '+497614514829', 'context given as an object' );

# Exported functions, with a context or the default context.
is( canonicalForm( '04514829', $pyramid ), '+497614514829', 'exported canonicalForm' );
is( dialNumber( '+497614514829', $pyramid ), '829', 'exported dialNumber' );
is( canonicalForm('+49 761 4514829'), '+497614514829', 'default context: canonical stays' );
{
    local $Kamailio::Utils::PhoneNumbers::DEFAULT_CONTEXT = {
        internationalPrefix => '00', longDistancePrefix => '0',
        countryCode => '44', areaCode => '20', publicAccessPrefix => '', pbxCode => '' };
    is( canonicalForm('79460000'), '+442079460000', 'default context can be replaced' );
}
is( $PN->canonicalForm( '04514829', $pyramid ), '+497614514829', 'class method with context' );

# new() with a hash reference; missing fields default.
my $h = $PN->new( { countryCode => '1', areaCode => '212' } );
is( $h->canonicalForm('5551234'), '+12125551234', 'new(hashref), missing fields default' );

done_testing;
