package Kamailio::VDB::VTab;

# Part of switchboard's perl-lib, written for switchboard.

use strict;
use warnings;

use Carp qw(croak);
use Scalar::Util qw(blessed);
use Kamailio::Utils::Debug ();
our @ISA     = ('Kamailio::Utils::Debug');
our $VERSION = '1.00';

sub new {
    my $class = shift;
    my %args  = @_;
    my $self  = bless {}, ref($class) || $class;
    $self->{name} = $args{name};
    $self->{obj}  = $args{obj};
    $self->{func} = $args{func};
    croak "Kamailio::VDB::VTab: give a table either as obj or as func, not both"
      if defined $self->{obj} && defined $self->{func};
    return $self;
}

sub name { return $_[0]->{name} }
sub obj  { return $_[0]->{obj} }
sub func { return $_[0]->{func} }

# A function named by a string: "name" means main::name unless it has a
# package part.
sub _code {
    my ($func) = @_;
    return $func if ref $func eq 'CODE';
    my $full = $func =~ /::/ ? $func : "main::$func";
    no strict 'refs';
    return defined &{$full} ? \&{$full} : undef;
}

sub call {
    my ( $self, $op, @args ) = @_;
    croak 'Kamailio::VDB::VTab::call: no operation given'
      unless defined $op && length $op;

    my $what = defined $self->{name} ? "table '$self->{name}'" : 'table';
    if ( defined $self->{obj} ) {
        my $obj = $self->{obj};
        my $can = ( blessed($obj) || !ref $obj ) ? $obj->can($op) : undef;
        croak "Kamailio::VDB::VTab: $what (" . ( ref($obj) || $obj )
          . ") does not implement the operation '$op'"
          unless $can;
        return $obj->$op(@args);
    }
    if ( defined $self->{func} ) {
        my $code = _code( $self->{func} );
        croak "Kamailio::VDB::VTab: $what: function '$self->{func}' is not defined"
          unless $code;
        return $code->( $op, @args );
    }
    croak "Kamailio::VDB::VTab: $what has neither an object nor a function";
}

1;

__END__

=head1 NAME

Kamailio::VDB::VTab - a virtual table: where the operations of a table go

=head1 SYNOPSIS

  use Kamailio::VDB::VTab;

  # a class (or object) implementing the operations as methods
  my $t1 = Kamailio::VDB::VTab->new(name => "aliases", obj => "My::Aliases");
  my ($user, $domain) = $t1->call("query", "bob", "example.org");
  # -> My::Aliases->query("bob", "example.org")

  # one function receiving the operation name first
  my $t2 = Kamailio::VDB::VTab->new(name => "lookup", func => \&lookup);
  $t2->call("query", "bob", "example.org");
  # -> lookup("query", "bob", "example.org")

=head1 DESCRIPTION

L<Kamailio::VDB> keeps one VTab per table name a client module uses. A
VTab says where the table's operations are carried out: either by an
object or class (each operation is a method of that name), or by a single
function that gets the operation name as its first argument. Scripts
rarely need this class directly; adapters call C<call>.

=head1 METHODS

=over 4

=item new([name => NAME,] [obj => OBJECT_OR_CLASS | func => CODE_OR_NAME])

A new virtual table. The Kamailio manual documents C<new()> without
arguments; switchboard accepts these optional named arguments. func may be
a code reference or a function name (without a package part it is looked
up in C<main>, when called).

=item call(op, [args])

Invokes the operation op (C<query>, C<insert>, C<update>, C<delete>,
C<replace>, or whatever an adapter asks for) with args, and returns what
the table returns (in the caller's context). It dies, with a message
naming the table and the operation, when the object does not implement
op, when the function does not exist, or when the VTab has neither.

=item name(), obj(), func()

What the VTab was built with.

=back

=cut
