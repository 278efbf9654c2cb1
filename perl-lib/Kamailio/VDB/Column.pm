package Kamailio::VDB::Column;

# Part of switchboard's perl-lib, written for switchboard.

use strict;
use warnings;

use Kamailio::Utils::Debug ();
our @ISA     = ('Kamailio::Utils::Debug');
our $VERSION = '1.00';

# As a string, a column is its name.
use overload
  '""'     => sub { my $n = $_[0]->{name}; defined $n ? "$n" : '' },
  fallback => 1;

sub new {
    my ( $class, $type, $name ) = @_;
    return bless { type => $type, name => $name }, ref($class) || $class;
}

sub type {
    my $self = shift;
    $self->{type} = shift if @_;
    return $self->{type};
}

sub name {
    my $self = shift;
    $self->{name} = shift if @_;
    return $self->{name};
}

1;

__END__

=head1 NAME

Kamailio::VDB::Column - a column definition: name and type

=head1 SYNOPSIS

  use Kamailio::Constants;
  use Kamailio::VDB::Column;

  my $col = Kamailio::VDB::Column->new(DB_STRING, "new_uri");
  print "column $col\n";           # "column new_uri"

=head1 DESCRIPTION

Describes one column of a L<Kamailio::VDB::Result>: its name and the type
of its values (a C<DB_*> constant of L<Kamailio::Constants>).

=head2 Stringification

Used as a string, the object gives its column name, whatever the type.

=head1 METHODS

=over 4

=item new(type, name)

A new column definition. Note the order: type first, then name.

=item type([type])

Returns the type; with an argument, sets it first.

=item name([name])

Returns the name; with an argument, sets it first.

=back

=cut
