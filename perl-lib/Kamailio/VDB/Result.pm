package Kamailio::VDB::Result;

# Part of switchboard's perl-lib, written for switchboard.

use strict;
use warnings;

use Carp qw(croak);
use Kamailio::Utils::Debug ();
our @ISA     = ('Kamailio::Utils::Debug');
our $VERSION = '1.00';

sub new {
    my ( $class, $coldefs, @rows ) = @_;
    my $self = bless { coldefs => [], rows => [] }, ref($class) || $class;
    $self->coldefs($coldefs) if defined $coldefs;
    $self->rows( \@rows );
    return $self;
}

sub coldefs {
    my $self = shift;
    if (@_) {
        my $coldefs = shift;
        croak 'Kamailio::VDB::Result: the column definitions must be an array reference'
          unless ref $coldefs eq 'ARRAY';
        $self->{coldefs} = $coldefs;
    }
    return $self->{coldefs};
}

sub rows {
    my $self = shift;
    if (@_) {
        my $rows = shift;
        croak 'Kamailio::VDB::Result: the rows must be an array reference'
          unless ref $rows eq 'ARRAY';
        for my $row (@$rows) {
            croak 'Kamailio::VDB::Result: each row must be an array reference'
              unless ref $row eq 'ARRAY';
        }
        $self->{rows} = $rows;
    }
    return $self->{rows};
}

1;

__END__

=head1 NAME

Kamailio::VDB::Result - a result set: column definitions and rows

=head1 SYNOPSIS

  use Kamailio::Constants;
  use Kamailio::VDB::Column;
  use Kamailio::VDB::Result;

  my $res = Kamailio::VDB::Result->new(
      [ Kamailio::VDB::Column->new(DB_STRING, "username"),
        Kamailio::VDB::Column->new(DB_STRING, "domain") ],
      [ "alice", "example.org" ],
  );
  for my $row (@{ $res->rows }) { print join("@", @$row), "\n" }

=head1 DESCRIPTION

What a query of the virtual database returns: a list of
L<Kamailio::VDB::Column> objects and a list of rows, each row a reference
to an array with one scalar per column. A scalar may be a plain string or
number, or a L<Kamailio::VDB::Value> (which stringifies to its data); the
adapters shipped with switchboard use Value objects so the type travels
with each cell. undef is a NULL.

=head1 METHODS

=over 4

=item new(coldefs, [row, row, ...])

coldefs is a reference to an array of Column objects; the optional further
arguments are the first rows (array references).

=item coldefs([coldefs])

Returns the array reference of column definitions; with an argument (an
array reference) sets it first.

=item rows([rows])

Returns the array reference of rows; with an argument (a reference to an
array of row array references) sets it first.

=back

Setting something that is not an array reference dies with a message
naming the problem.

=cut
