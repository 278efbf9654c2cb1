package Switchboard::Shared;

# Switchboard::Shared - data shared by the Perl interpreters of all
# workers, with nothing to install.
#
# This module is switchboard's own: it is not part of Kamailio, and under
# a real Kamailio it does not exist (there, each worker is a process of
# its own; use IPC::Shareable or a database to share data). Loading it
# anywhere but inside switchboard's Perl engine dies with a message
# saying so, so a script can fall back:
#
#   my $ok = eval { require Switchboard::Shared; 1 };
#
# switchboard runs one Perl interpreter per worker thread; a global
# variable of the script is that interpreter's alone, and starts over
# when the interpreter is reset (app_perl's reset_cycles). The data of
# Switchboard::Shared lives in switchboard itself, once per server: every
# worker sees the same values, and they survive interpreter resets (they
# last until the server stops; nothing is written to disk).
#
#   use Switchboard::Shared;
#   tie my %h, 'Switchboard::Shared', 'myapp';    # 'myapp': a namespace
#   $h{last_caller} = 'sip:alice@example.org';   # seen by every worker
#   my $n = Switchboard::Shared::add('myapp', 'calls', 1);   # atomic
#
# - tie %h, 'Switchboard::Shared', NAMESPACE: %h becomes a view of the
#   namespace (any non-empty string); two hashes tied to the same
#   namespace, in any worker, see the same keys. Every operation of a
#   hash works: fetch, store, exists, delete, %h = () (clears the
#   namespace), keys / values / each (over a snapshot of the keys taken
#   when the iteration starts, in sorted order), scalar(%h) (the number
#   of keys).
# - Values are plain scalars: strings, numbers, undef. Storing a
#   reference (an array, a hash, an object) dies: it belongs to one
#   interpreter and cannot be shared. Store a serialized form instead
#   (e.g. JSON::PP's encode_json). Strings are kept as text.
# - Each single operation is atomic, but a read followed by a write is
#   not: `$h{n}++` run by two workers at once may lose one increment.
#   For counters use
#     Switchboard::Shared::add(NAMESPACE, KEY[, N])
#   which adds N (default 1; an integer, may be negative) to the key's
#   value under switchboard's lock and returns the new value (a missing
#   key counts as 0; a value that is not an integer makes it die).

use strict;
use warnings;
use Carp qw(croak);

BEGIN {
    # The subs behind the store are defined by switchboard's Perl engine
    # in every interpreter, before any script or module loads.
    defined &Switchboard::Shared::_fetch
      or die "Switchboard::Shared is switchboard's own module: it works only inside "
      . "switchboard's Perl engine (it does not exist under Kamailio or plain perl)\n";
}

sub _key {
    my ($key) = @_;
    croak "Switchboard::Shared: a key must be a string, not a reference" if ref $key;
    return defined $key ? "$key" : '';
}

sub TIEHASH {
    my ( $class, $ns ) = @_;
    croak "usage: tie %hash, 'Switchboard::Shared', 'namespace'"
      if !defined $ns || ref $ns || $ns eq '';
    return bless { ns => "$ns", keys => [] }, $class;
}

sub FETCH { return _fetch( $_[0]{ns}, _key( $_[1] ) ) }

sub STORE {
    my ( $self, $key, $value ) = @_;
    croak "Switchboard::Shared: only plain scalars (strings, numbers, undef) can be stored, "
      . "not a reference ($key => " . ref($value) . ")"
      if ref $value;
    _store( $self->{ns}, _key($key), $value );
    return $value;
}

sub EXISTS { return _exists( $_[0]{ns}, _key( $_[1] ) ) ? 1 : '' }

sub DELETE { return _delete( $_[0]{ns}, _key( $_[1] ) ) }

sub CLEAR { _clear( $_[0]{ns} ); return }

sub FIRSTKEY {
    my ($self) = @_;
    my @keys = _keys( $self->{ns} );
    $self->{keys} = \@keys;
    return shift @keys;
}

sub NEXTKEY { return shift @{ $_[0]{keys} } }

sub SCALAR { return _count( $_[0]{ns} ) }

sub add {
    my ( $ns, $key, $n ) = @_;
    croak "usage: Switchboard::Shared::add('namespace', 'key'[, n])"
      if !defined $ns || ref $ns || $ns eq '';
    croak "Switchboard::Shared::add: the increment must be an integer, not a reference" if ref $n;
    return _add( "$ns", _key($key), defined $n ? $n : 1 );
}

1;
