package Kamailio::VDB::Value;

# Part of switchboard's perl-lib, written for switchboard.

use strict;
use warnings;

use Kamailio::Utils::Debug ();
our @ISA     = ('Kamailio::Utils::Debug');
our $VERSION = '1.00';

# As a string, a value is its data whatever its type; a NULL (undef) value
# is the empty string.
use overload
  '""'     => sub { my $d = $_[0]->{data}; defined $d ? "$d" : '' },
  fallback => 1;

sub new {
    my ( $class, $type, $data ) = @_;
    return bless { type => $type, data => $data }, ref($class) || $class;
}

sub type {
    my $self = shift;
    $self->{type} = shift if @_;
    return $self->{type};
}

sub data {
    my $self = shift;
    $self->{data} = shift if @_;
    return $self->{data};
}

1;

__END__

=head1 NAME

Kamailio::VDB::Value - a typed database value

=head1 SYNOPSIS

  use Kamailio::Constants;
  use Kamailio::VDB::Value;

  my $v = Kamailio::VDB::Value->new(DB_STRING, "alice");
  print "user is $v\n";            # "user is alice"
  $v->type(DB_STR);
  $v->data("bob");

=head1 DESCRIPTION

A value as the virtual database (L<Kamailio::VDB>) passes it around: the
data and its type, one of the C<DB_*> constants of
L<Kamailio::Constants>.

=head2 Stringification

Used as a string, the object gives its data, whatever the type. Undefined
data (an SQL NULL) gives the empty string. Other operators (C<eq>, C<==>,
boolean tests) work on that string.

=head1 METHODS

=over 4

=item new(type, data)

A new value of the given type holding data.

=item type([type])

Returns the type; with an argument, sets it first.

=item data([data])

Returns the data; with an argument (undef included), sets it first.

=back

The class inherits the helpers of L<Kamailio::Utils::Debug>, so
C<< $v->logdump >> logs the object.

=cut
