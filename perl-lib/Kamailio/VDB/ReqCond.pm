package Kamailio::VDB::ReqCond;

# Part of switchboard's perl-lib, written for switchboard.

use strict;
use warnings;

use Kamailio::VDB::Pair ();
our @ISA     = ('Kamailio::VDB::Pair');
our $VERSION = '1.00';

sub new {
    my ( $class, $key, $op, $type, $data ) = @_;
    my $self = Kamailio::VDB::Pair::new( $class, $key, $type, $data );
    $self->{op} = defined $op ? $op : '=';
    return $self;
}

sub op {
    my $self = shift;
    $self->{op} = shift if @_;
    return $self->{op};
}

1;

__END__

=head1 NAME

Kamailio::VDB::ReqCond - a condition of a database request

=head1 SYNOPSIS

  use Kamailio::Constants;
  use Kamailio::VDB::ReqCond;

  my $c = Kamailio::VDB::ReqCond->new("expires", ">", DB_INT, 3600);
  printf "%s %s %s\n", $c->key, $c->op, $c->data;   # "expires > 3600"

=head1 DESCRIPTION

One condition of a query, delete or update: a column name, an operator
(C<=>, C<< < >>, C<< > >>, C<< <= >>, C<< >= >>, C<!=> ...), the type of the
value and the value. It is a L<Kamailio::VDB::Pair> (and so a
L<Kamailio::VDB::Value>): C<key>, C<type>, C<data> and stringification to
the value all work.

=head1 METHODS

=over 4

=item new(key, op, type, data)

A new condition. An undefined operator means C<=>.

=item op([op])

Returns the operator; with an argument, sets it first.

=back

=cut
