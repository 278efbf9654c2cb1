package Kamailio::VDB::Pair;

# Part of switchboard's perl-lib, written for switchboard.

use strict;
use warnings;

use Kamailio::VDB::Value ();
our @ISA     = ('Kamailio::VDB::Value');
our $VERSION = '1.00';

sub new {
    my ( $class, $key, $type, $data ) = @_;
    my $self = Kamailio::VDB::Value::new( $class, $type, $data );
    $self->{key} = $key;
    return $self;
}

sub key {
    my $self = shift;
    $self->{key} = shift if @_;
    return $self->{key};
}

1;

__END__

=head1 NAME

Kamailio::VDB::Pair - a database column name with a typed value

=head1 SYNOPSIS

  use Kamailio::Constants;
  use Kamailio::VDB::Pair;

  my $p = Kamailio::VDB::Pair->new("username", DB_STRING, "alice");
  print $p->key, " = $p\n";        # "username = alice"

=head1 DESCRIPTION

A key/value pair as used for inserts and updates: the key (a column name),
the type of the value and the value itself. It is a
L<Kamailio::VDB::Value>, so it has C<type>, C<data> and the same
stringification (the data).

=head1 METHODS

=over 4

=item new(key, type, data)

A new pair. (The Kamailio manual writes the third argument as "name"; it
is the value.)

=item key([key])

Returns the key; with an argument, sets it first.

=back

=cut
