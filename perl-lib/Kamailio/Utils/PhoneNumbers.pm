package Kamailio::Utils::PhoneNumbers;

# Part of switchboard's perl-lib, written for switchboard from the
# behaviour described in the Kamailio app_perl manual.

use strict;
use warnings;

use Exporter ();
use Scalar::Util qw(blessed);

our @ISA     = ('Exporter');
our $VERSION = '1.00';

# The manual says the module exports these when used.
our @EXPORT      = qw(canonicalForm dialNumber);
our @EXPORT_OK   = @EXPORT;
our %EXPORT_TAGS = ( all => [@EXPORT] );

my @FIELDS = qw(publicAccessPrefix internationalPrefix longDistancePrefix
  countryCode areaCode pbxCode);

# Context used when a function is called without an object and without a
# context argument, and for every field an object or a context leaves out.
our $DEFAULT_CONTEXT = {
    publicAccessPrefix  => '',
    internationalPrefix => '+',
    longDistancePrefix  => '',
    countryCode         => '',
    areaCode            => '',
    pbxCode             => '',
};

sub new {
    my $class = shift;
    $class = ref($class) || $class;
    my %args = ( @_ == 1 && ref $_[0] eq 'HASH' ) ? %{ $_[0] } : @_;
    my $self = {};
    for my $field (@FIELDS) {
        $self->{$field} = defined $args{$field} ? "$args{$field}" : undef;
    }
    return bless $self, $class;
}

# Sort out the three ways of calling canonicalForm / dialNumber:
#   $obj->f(number [, context])
#   Kamailio::Utils::PhoneNumbers->f(number [, context])
#   f(number [, context])                 (exported function)
# and build the effective context: defaults < object < context argument.
sub _args {
    my @args = @_;
    my $self;
    if ( ref $args[0] ) {
        $self = shift @args;
    }
    elsif ( defined $args[0] && $args[0] eq __PACKAGE__ ) {
        shift @args;
    }
    elsif ( defined $args[0] && $args[0] =~ /\A\w+(?:::\w+)+\z/
        && $args[0]->isa(__PACKAGE__) )
    {
        shift @args;    # a subclass name
    }
    my ( $number, $context ) = @args;

    my %ctx;
    for my $field (@FIELDS) {
        my $value = $DEFAULT_CONTEXT->{$field};
        for my $layer ( $self, $context ) {
            next unless defined $layer && ref $layer;
            next unless blessed($layer) || ref $layer eq 'HASH';
            $value = $layer->{$field} if defined $layer->{$field};
        }
        $ctx{$field} = defined $value ? "$value" : '';
    }
    return ( $number, \%ctx );
}

sub _starts_with {
    my ( $string, $prefix ) = @_;
    return 0 if $prefix eq '';
    return substr( $string, 0, length $prefix ) eq $prefix ? 1 : 0;
}

# Strip PREFIX from the front of STRING if it is there and something is
# left after it.
sub _strip {
    my ( $string, $prefix ) = @_;
    return undef unless _starts_with( $string, $prefix );
    return undef unless length($string) > length($prefix);
    return substr( $string, length $prefix );
}

# Spaces and the usual visual separators carry no meaning.
sub _clean {
    my ($number) = @_;
    return undef unless defined $number;
    ( my $n = "$number" ) =~ s/[\s\-\.\/()]+//g;
    return undef unless $n =~ /\A\+?[0-9]+\z/;
    return $n;
}

sub canonicalForm {
    my ( $number, $c ) = _args(@_);
    my $n = _clean($number);
    return undef unless defined $n;

    # Already canonical.
    return $n if $n =~ /\A\+/;

    my $cc = $c->{countryCode};
    my $ac = $c->{areaCode};

    # A context with a public access prefix is inside a PBX: a number
    # without that prefix is an extension of the PBX.
    my $outside = $c->{publicAccessPrefix} eq '' ? 1 : 0;
    if ( !$outside ) {
        my $rest = _strip( $n, $c->{publicAccessPrefix} );
        if ( defined $rest ) {
            $n       = $rest;
            $outside = 1;
        }
    }

    if ( !$outside ) {
        # Extension. Someone dialling the PBX's own number in front of the
        # extension still means the extension.
        my $ext = _strip( $n, $c->{pbxCode} );
        $n = $ext if defined $ext;
        return '+' . $cc . $ac . $c->{pbxCode} . $n;
    }

    # On the public network.
    if ( $c->{internationalPrefix} ne '+' ) {
        my $intl = _strip( $n, $c->{internationalPrefix} );
        return '+' . $intl if defined $intl;
    }
    my $national = _strip( $n, $c->{longDistancePrefix} );
    return '+' . $cc . $national if defined $national;

    # A local number. When it starts with our own area code, the caller
    # left out the long distance prefix (07612034567 with a public access
    # prefix of 0 and area code 761): it is a national number.
    return '+' . $cc . $n if defined _strip( $n, $ac );
    return '+' . $cc . $ac . $n;
}

sub dialNumber {
    my ( $number, $c ) = _args(@_);
    my $canonical = canonicalForm( $number, $c );
    return undef unless defined $canonical;
    ( my $digits = $canonical ) =~ s/\A\+//;

    my $pa = $c->{publicAccessPrefix};

    my $national = _strip( $digits, $c->{countryCode} );
    if ( !defined $national ) {
        # Another country. With "+" as the international prefix the
        # canonical form is itself the number to dial.
        my $ip = $c->{internationalPrefix};
        return '+' . $digits if $ip eq '+' || $ip eq '';
        return $pa . $ip . $digits;
    }

    my $local = _strip( $national, $c->{areaCode} );
    if ( !defined $local ) {
        return $pa . $c->{longDistancePrefix} . $national;
    }

    if ( $pa ne '' ) {
        my $ext = _strip( $local, $c->{pbxCode} );
        return $ext if defined $ext;    # inside our own PBX
    }
    return $pa . $local;
}

1;

__END__

=head1 NAME

Kamailio::Utils::PhoneNumbers - canonical and dialable forms of phone numbers

=head1 SYNOPSIS

  use Kamailio::Utils::PhoneNumbers;

  my $pn = Kamailio::Utils::PhoneNumbers->new(
      publicAccessPrefix  => "0",
      internationalPrefix => "+",
      longDistancePrefix  => "0",
      countryCode         => "49",
      areaCode            => "761",
      pbxCode             => "456842",
  );

  my $canonical = $pn->canonicalForm("07612034567");   # "+497612034567"
  my $dial      = $pn->dialNumber("+497612034567");    # "02034567"

=head1 DESCRIPTION

A number is in canonical form when it starts with C<+> followed by country
code, area code and subscriber number (E.164 style). What a user has to
dial to reach that number depends on where the user is; that location is
the I<context>, made of six fields:

=over 4

=item publicAccessPrefix

what to dial to get an outside line (e.g. C<0> in a PBX); empty when the
context is not behind a PBX

=item internationalPrefix

what to dial before a country code (C<00>, C<011>, or C<+> when numbers are
written with a plus)

=item longDistancePrefix

what to dial before an area code (C<0> in Germany)

=item countryCode, areaCode

of the location

=item pbxCode

the PBX's own number within its area: canonical number = C<+>, country
code, area code, pbx code, extension

=back

The worked example of the Kamailio manual holds. In a PBX in Freiburg
(country 49, area 761, pbx 4514, outside line 0), someone dials
C<04514829>: the outside line prefix is removed, C<4514829> is a local
number, and the canonical form is C<+497614514829>. Back the other way,
C<+497614514829> is dialled as C<829> inside that PBX and as C<4514829>
from elsewhere in Freiburg (a context with no public access prefix and no
pbx code).

=head1 METHODS AND FUNCTIONS

=over 4

=item new(publicAccessPrefix => ..., internationalPrefix => ..., longDistancePrefix => ..., countryCode => ..., areaCode => ..., pbxCode => ...)

Returns an object holding the context. Fields are given as name/value
pairs (a single hash reference works too); missing fields come from the
default context.

=item canonicalForm(number [, context])

Returns the canonical form of number, or undef when number is not a phone
number (after removing spaces and the separators C<- . / ( )>, only digits
with an optional leading C<+> may be left). The rules, in order:

=over 4

=item *

A number starting with C<+> is already canonical.

=item *

In a context with a public access prefix, a number that does not start
with it is an extension: C<+> country area pbx extension. (If the
extension itself starts with the pbx code, that code is not repeated.)

=item *

After the public access prefix (or straight away in a context without
one): a number starting with the international prefix (when it is not
C<+>) is international, C<+> and the rest. A number starting with the long
distance prefix is national: C<+> country and the rest. Anything else is
local: C<+> country area and the number, except that a local number
beginning with the context's own area code is taken as a national number
whose long distance prefix was left out (so C<07612034567> above is
C<+497612034567>, not C<+497617612034567>).

=back

=item dialNumber(number [, context])

Returns what to dial from the context to reach number. number should be
canonical; anything else is first passed through canonicalForm. Returns
undef when number is not a phone number. The general prefixes are taken
off as long as they match the context: another country gives
public access, international prefix and the full number (or just the
canonical C<+...> when the international prefix is C<+>); another area
gives public access, long distance prefix, area and number; the same area
gives public access and the local number; and the same PBX (in a context
with a public access prefix) gives the bare extension.

=back

Both can be called as methods on an object (the object is the context), as
class methods, or as plain functions (they are exported). The optional
context argument is a hash reference or another object; the fields it has
override those of the object. With neither, the default context
C<$Kamailio::Utils::PhoneNumbers::DEFAULT_CONTEXT> is used: a hash
reference with every field empty except internationalPrefix (C<+>). The
Kamailio manual speaks of a "systems configuration file" for the default;
switchboard has none, so a script that wants another default assigns to
that variable.

=cut
