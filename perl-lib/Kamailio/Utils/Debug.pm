package Kamailio::Utils::Debug;

# Part of switchboard's perl-lib, written for switchboard.

use strict;
use warnings;

use Exporter ();
use Data::Dumper ();
use Scalar::Util qw(blessed);
use Kamailio::Constants ();

our @ISA         = ('Exporter');
our $VERSION     = '1.00';
our @EXPORT_OK   = qw(debug dumpvar logdump emit);
our %EXPORT_TAGS = ( all => [@EXPORT_OK] );

# Level used by debug() and, by default, by logdump().
our $LEVEL = Kamailio::Constants::L_DBG();

# Set to a false value to silence debug() and logdump() altogether.
our $ENABLED = 1;

my %LEVEL_NAME = (
    -5 => 'ALERT', -4 => 'BUG',  -3 => 'CRIT', -2 => 'CRIT', -1 => 'ERROR',
    0  => 'WARNING', 1 => 'NOTICE', 2 => 'INFO', 3 => 'DEBUG',
);

# Was the first argument an object or a class derived from this package,
# i.e. were we called as a method?
sub _is_invocant {
    my ($first) = @_;
    return 0 unless defined $first;
    if ( ref $first ) {
        return blessed($first) && $first->isa(__PACKAGE__) ? 1 : 0;
    }
    return 0 unless $first =~ /\A[A-Za-z_]\w*(?:::\w+)+\z|\A[A-Za-z_]\w*\z/;
    return $first->isa(__PACKAGE__) ? 1 : 0;
}

sub _class_of {
    my ($invocant) = @_;
    return ref($invocant) || $invocant;
}

# emit(level, text): the one place where this package writes anything.
# Inside the server, Kamailio::log exists and is used. Outside it (a
# script checked with perl -c, a unit test), the text goes to STDERR with
# the level name in front.
sub emit {
    my ( $level, $text ) = @_;
    $level = $LEVEL unless defined $level;
    $text  = '' unless defined $text;
    $text .= "\n" unless $text =~ /\n\z/;
    if ( defined &Kamailio::log ) {
        Kamailio::log( $level, $text );
    }
    else {
        my $name = $LEVEL_NAME{$level} // "L$level";
        print STDERR "[$name] $text";
    }
    return 1;
}

sub debug {
    my $prefix = '';
    if ( _is_invocant( $_[0] ) ) {
        $prefix = _class_of(shift) . ': ';
    }
    return 1 unless $ENABLED;
    my $text = join '', map { defined $_ ? $_ : 'undef' } @_;
    return emit( $LEVEL, $prefix . $text );
}

sub dumpvar {
    my ( $data, $name );
    if ( _is_invocant( $_[0] ) ) {
        my $self = shift;
        # $obj->dumpvar() dumps the object itself.
        $data = @_ ? shift : $self;
        $name = shift;
    }
    else {
        ( $data, $name ) = @_;
    }
    return _dump( $data, $name );
}

sub _dump {
    my ( $data, $name ) = @_;
    local $Data::Dumper::Indent   = 1;
    local $Data::Dumper::Sortkeys = 1;
    local $Data::Dumper::Useqq    = 1;
    local $Data::Dumper::Terse    = defined $name ? 0 : 1;
    my $out = defined $name
      ? Data::Dumper->Dump( [$data], [$name] )
      : Data::Dumper->Dump( [$data] );
    return $out;
}

sub logdump {
    my ( $data, $name, $level );
    if ( _is_invocant( $_[0] ) ) {
        my $self = shift;
        $data = @_ ? shift : $self;
        ( $name, $level ) = @_;
    }
    else {
        ( $data, $name, $level ) = @_;
    }
    my $out = _dump( $data, $name );
    emit( defined $level ? $level : $LEVEL, $out ) if $ENABLED;
    return $out;
}

1;

__END__

=head1 NAME

Kamailio::Utils::Debug - debug helpers for Perl scripts and for the VDB classes

=head1 SYNOPSIS

  use Kamailio::Utils::Debug qw(debug dumpvar logdump);

  debug("looking up ", $user);            # logged at L_DBG
  logdump(\%state, 'state');              # Data::Dumper output, logged
  my $text = dumpvar($m->getParsedRURI);  # just the string

  # As a base class (the Kamailio::VDB classes use it this way):
  package My::Adapter;
  our @ISA = ('Kamailio::Utils::Debug');
  ...
  $self->debug("query on ", $table);      # "My::Adapter: query on ..."
  $self->logdump;                         # dumps the object itself

=head1 DESCRIPTION

The Kamailio manual names this package only as the base class of the
Kamailio::VDB classes and gives it no API of its own. switchboard fills it
with what its name says: small helpers to get debugging output into the
server's log. Everything goes through C<Kamailio::log> when the script runs
inside the server. When C<Kamailio::log> does not exist (the module is
loaded by a plain perl, for a syntax check or a unit test), the text is
printed to STDERR prefixed with the level name, e.g. C<[DEBUG] ...>.

This module never loads C<Kamailio> itself and calls C<Kamailio::log> only
at run time, after checking that it is defined.

Each function can be called as a plain function (import it, or use the
full name) or as a method on an object or class that inherits from this
package. A first argument is taken to be the invocant when it is an object
of, or the name of, a class derived from Kamailio::Utils::Debug.

=head1 FUNCTIONS

=over 4

=item debug(LIST)

Joins LIST (undef shows as C<undef>) and logs it at C<$LEVEL>. Called as a
method, the class name and a colon are put in front. Returns 1.

=item dumpvar(DATA [, NAME])

Returns a Data::Dumper rendering of DATA: keys sorted, one level of
indentation per nesting level, strings double-quoted with escapes. With
NAME the output is C<$NAME = ...;>, without it only the value. Called as a
method without DATA, the object itself is dumped. Logs nothing.

=item logdump(DATA [, NAME [, LEVEL]])

Like dumpvar, and logs the text at LEVEL (default C<$LEVEL>). Returns the
text.

=item emit(LEVEL, TEXT)

Logs TEXT at LEVEL through C<Kamailio::log> when available, STDERR
otherwise. A newline is added when TEXT does not end with one. Not
affected by C<$ENABLED>.

=back

=head1 VARIABLES

=over 4

=item $Kamailio::Utils::Debug::LEVEL

Level for debug() and the default one for logdump(); C<L_DBG> at start.

=item $Kamailio::Utils::Debug::ENABLED

When false, debug() and logdump() log nothing (they still return their
usual values). True at start.

=back

=cut
