package Kamailio::VDB;

# Part of switchboard's perl-lib, written for switchboard.

use strict;
use warnings;

use Scalar::Util qw(blessed);
use Kamailio::Constants ();
use Kamailio::Utils::Debug ();
use Kamailio::VDB::Value ();
use Kamailio::VDB::Pair ();
use Kamailio::VDB::ReqCond ();
use Kamailio::VDB::Column ();
use Kamailio::VDB::Result ();
use Kamailio::VDB::VTab ();

our @ISA     = ('Kamailio::Utils::Debug');
our $VERSION = '1.00';

sub new {
    my $class = shift;
    my %args  = @_;
    my $self  = bless { vtabs => {}, table => undef }, ref($class) || $class;
    if ( my $tables = $args{tables} ) {
        $self->{vtabs}{$_} = $tables->{$_} for keys %$tables;
    }
    return $self;
}

# Log an error through the server log (or STDERR outside it).
sub _error {
    my ( $self, @text ) = @_;
    Kamailio::Utils::Debug::emit( Kamailio::Constants::L_ERR(),
        ( ref($self) || $self ) . ': ' . join( '', @text ) );
    return;
}

# Does a package of that name have anything in it? Walks the stashes
# without creating any.
sub _package_exists {
    my ($name) = @_;
    my $stash = \%main::;
    for my $part ( split /::/, $name ) {
        my $glob = $stash->{"${part}::"} or return 0;
        $stash = *{$glob}{HASH} or return 0;
    }
    return %$stash ? 1 : 0;
}

# Make a VTab for a table name nobody registered: a loaded (or loadable)
# package whose methods are the operations, else a function of that name.
sub _find_vtab {
    my ( $self, $name ) = @_;
    if ( $name =~ /\A[A-Za-z_]\w*(?:::\w+)*\z/ ) {
        my $code_name = $name =~ /::/ ? $name : "main::$name";
        {
            no strict 'refs';
            return Kamailio::VDB::VTab->new( name => $name, func => $code_name )
              if defined &{$code_name};
        }
        my $loaded = _package_exists($name);
        if ( !$loaded ) {
            ( my $file = "$name.pm" ) =~ s{::}{/}g;
            $loaded = eval { local $SIG{__DIE__}; require $file; 1 } ? 1 : 0;
        }
        return Kamailio::VDB::VTab->new( name => $name, obj => $name ) if $loaded;
    }
    return;
}

sub vtab {
    my ( $self, $name, $vtab ) = @_;
    $name = $self->{table} unless defined $name;
    return unless defined $name;
    $self->{vtabs}{$name} = $vtab if defined $vtab;
    return $self->{vtabs}{$name};
}

sub table { return $_[0]->{table} }

sub use_table {
    my ( $self, $name ) = @_;
    if ( !defined $name || $name eq '' ) {
        $self->_error('use_table without a table name');
        return -1;
    }
    my $vtab = $self->{vtabs}{$name} || $self->_find_vtab($name);
    if ( !$vtab ) {
        $self->_error("no virtual table '$name': neither a function nor a Perl package of that name");
        return -1;
    }
    $self->{vtabs}{$name} = $vtab;
    $self->{table} = $name;
    return 0;
}

# The operations. The base class implements none of them.
for my $op (qw(insert replace delete update query)) {
    no strict 'refs';
    *{ __PACKAGE__ . "::$op" } = sub {
        my $self = shift;
        $self->_error("operation '$op' is not supported");
        return $op eq 'query' ? undef : -1;
    };
}

# Call the current table; errors are logged and give undef.
sub call_vtab {
    my ( $self, $op, @args ) = @_;
    my $vtab = $self->vtab;
    if ( !$vtab ) {
        $self->_error("$op before use_table");
        return ( 0, undef );
    }
    my @ret;
    my $ok = eval { local $SIG{__DIE__}; @ret = $vtab->call( $op, @args ); 1 };
    if ( !$ok ) {
        my $err = $@;
        chomp $err;
        $self->_error("$op on table '$self->{table}' failed: $err");
        return ( 0, undef );
    }
    return ( 1, @ret );
}

# Conditions as a hash: key => data, for the "=" conditions (the ones a
# lookup uses). Others are ignored, with a debug message.
sub conds_hash {
    my ( $self, $conds ) = @_;
    my %h;
    for my $c ( @{ $conds || [] } ) {
        next unless blessed($c) && $c->can('key');
        my $op = $c->can('op') ? $c->op : '=';
        if ( defined $op && $op ne '=' ) {
            $self->debug( "ignoring condition ", $c->key, " $op ", $c->data );
            next;
        }
        $h{ $c->key } = $c->data;
    }
    return \%h;
}

# Pairs as a hash: key => data.
sub pairs_hash {
    my ( $self, $pairs ) = @_;
    my %h;
    for my $p ( @{ $pairs || [] } ) {
        next unless blessed($p) && $p->can('key');
        $h{ $p->key } = $p->data;
    }
    return \%h;
}

# A result with one string column per requested key and, when %$values is
# not undef, one row taking each column's value from %$values.
sub make_result {
    my ( $self, $retkeys, $values ) = @_;
    my @cols = map { Kamailio::VDB::Column->new( Kamailio::Constants::DB_STRING(), "$_" ) }
      @{ $retkeys || [] };
    my $res = Kamailio::VDB::Result->new( \@cols );
    if ($values) {
        my @row = map {
            my $v = $values->{ $_->name };
            defined $v
              ? Kamailio::VDB::Value->new( Kamailio::Constants::DB_STRING(), $v )
              : undef
        } @cols;
        $res->rows( [ \@row ] );
    }
    return $res;
}

1;

__END__

=head1 NAME

Kamailio::VDB - base class of the virtual databases

=head1 SYNOPSIS

  package My::Adapter;
  use Kamailio::VDB;
  our @ISA = ('Kamailio::VDB');

  sub query {
      my ($self, $conds, $retkeys, $order) = @_;
      my $c = $self->conds_hash($conds);
      my ($ok, $value) = $self->call_vtab("query", $c->{username});
      return undef unless $ok;
      return $self->make_result($retkeys, { password => $value });
  }

=head1 DESCRIPTION

An abstract base class: a derived package (an I<adapter>, see
L<Kamailio::VDB::Adapter::Speeddial>, L<Kamailio::VDB::Adapter::Alias>,
L<Kamailio::VDB::Adapter::AccountingSIPtrace>,
L<Kamailio::VDB::Adapter::Describe>, L<Kamailio::VDB::Adapter::Auth>) makes
Perl code look like a database to a module that reads or writes tables.
The base class does no work itself: every operation logs an error and
fails. Do not use it directly.

The table names the client module uses are I<virtual tables>
(L<Kamailio::VDB::VTab>): each says which Perl code answers for the table.

=head1 THE INTERFACE

These are the methods a database layer calls on an adapter object.
Conditions are L<Kamailio::VDB::ReqCond> objects, pairs are
L<Kamailio::VDB::Pair> objects, result keys are column names (strings, or
L<Kamailio::VDB::Column> objects).

=over 4

=item new([tables => { NAME => VTAB, ... }])

A new adapter object; tables pre-registers virtual tables.

=item use_table(name)

Selects the table for the following operations. If no VTab was
registered under that name, one is made: a function of that name
(C<main::name> when the name has no package part) becomes a function
table (kept by name and looked up at each call, so a redefined function
takes effect); otherwise a package of that name (loaded, or loadable with
C<require>) becomes an object table. Returns 0, or -1 (with an error
logged) when there is no such function or package.

=item insert(pairs), replace(pairs)

Array reference of pairs. Return 0 on success, a negative number on error.

=item delete(conds)

Array reference of conditions. Returns 0 or a negative number.

=item update(conds, pairs)

Returns 0 or a negative number.

=item query(conds, retkeys, order)

Returns a L<Kamailio::VDB::Result> (possibly without rows), or undef on
error. order is the name of the column to sort by, or undef.

=back

In this base class, the five operations log
C<operation 'X' is not supported> at L_ERR and return -1 (query: undef).

=head1 HELPERS FOR ADAPTERS

=over 4

=item vtab([name [, vtab]])

The VTab of name (default: the current table); with vtab, registers it.

=item table()

The current table name.

=item conds_hash(conds)

A hash reference key => data of the C<=> conditions (other operators are
skipped, with a debug message).

=item pairs_hash(pairs)

A hash reference key => data of the pairs.

=item make_result(retkeys, values)

A Result with one C<DB_STRING> column per key of retkeys and, when values
(a hash reference) is given, one row whose cells are
L<Kamailio::VDB::Value> objects taken from it (undef where it has no
value).

=item call_vtab(op, args)

Calls the current table; returns (1, what it returned) or, after logging
the error (no table selected, the table died), (0, undef).

=back

Errors are logged through L<Kamailio::Utils::Debug/emit>, i.e. through
C<Kamailio::log> inside the server.

=cut
