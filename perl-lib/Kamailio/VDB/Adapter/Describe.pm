package Kamailio::VDB::Adapter::Describe;

# Part of switchboard's perl-lib, written for switchboard.

use strict;
use warnings;

use Scalar::Util qw(blessed);
use Kamailio::Constants ();
use Kamailio::Utils::Debug ();
use Kamailio::VDB ();
our @ISA     = ('Kamailio::VDB');
our $VERSION = '1.00';

# Level of the descriptions; L_INFO so that they show without debug on.
our $LEVEL = Kamailio::Constants::L_INFO();

my %TYPE_NAME = (
    0 => 'DB_INT', 1 => 'DB_DOUBLE', 2 => 'DB_STRING', 3 => 'DB_STR',
    4 => 'DB_DATETIME', 5 => 'DB_BLOB', 6 => 'DB_BITMAP',
);

sub _say {
    my ( $self, $text ) = @_;
    Kamailio::Utils::Debug::emit( $LEVEL, "VDB describe: $text" );
}

sub _type {
    my ($type) = @_;
    return 'untyped' unless defined $type;
    return $TYPE_NAME{$type} // "type $type";
}

sub _val {
    my ($v) = @_;
    return 'NULL' unless defined $v;
    return "'$v'";
}

sub _describe_items {
    my ( $self, $what, $items ) = @_;
    my @items = @{ $items || [] };
    $self->_say( scalar(@items) . " $what" );
    my $i = 0;
    for my $item (@items) {
        $i++;
        if ( blessed($item) && $item->can('key') ) {
            my $op = $item->can('op') ? ' ' . ( $item->op // '=' ) : ' =';
            $self->_say( "  $what $i: " . ( $item->key // '(no key)' )
                  . "$op " . _val( $item->data ) . ' (' . _type( $item->type ) . ')' );
        }
        elsif ( blessed($item) && $item->can('name') ) {
            $self->_say( "  $what $i: " . $item->name . ' (' . _type( $item->type ) . ')' );
        }
        else {
            $self->_say( "  $what $i: " . _val($item) );
        }
    }
}

sub use_table {
    my ( $self, $name ) = @_;
    $self->_say( 'use_table ' . _val($name) );
    $self->{table} = $name;
    return 0;
}

sub insert {
    my ( $self, $pairs ) = @_;
    $self->_say( 'insert into ' . _val( $self->{table} ) );
    $self->_describe_items( 'pair', $pairs );
    return 0;
}

sub replace {
    my ( $self, $pairs ) = @_;
    $self->_say( 'replace into ' . _val( $self->{table} ) );
    $self->_describe_items( 'pair', $pairs );
    return 0;
}

sub delete {
    my ( $self, $conds ) = @_;
    $self->_say( 'delete from ' . _val( $self->{table} ) );
    $self->_describe_items( 'condition', $conds );
    return 0;
}

sub update {
    my ( $self, $conds, $pairs ) = @_;
    $self->_say( 'update ' . _val( $self->{table} ) );
    $self->_describe_items( 'condition', $conds );
    $self->_describe_items( 'pair',      $pairs );
    return 0;
}

sub query {
    my ( $self, $conds, $retkeys, $order ) = @_;
    $self->_say( 'query on ' . _val( $self->{table} ) );
    $self->_describe_items( 'condition', $conds );
    $self->_describe_items( 'result key', $retkeys );
    $self->_say( 'order by ' . _val($order) );
    return $self->make_result($retkeys);
}

1;

__END__

=head1 NAME

Kamailio::VDB::Adapter::Describe - log what a module asks of its database

=head1 DESCRIPTION

An adapter (see L<Kamailio::VDB>) for debugging and for writing new
adapters: configure it as a module's database and every operation the
module performs is logged with all its details: the table
(use_table), every pair (key, value, type) of an insert, replace or
update, every condition (key, operator, value, type) of a delete, update or
query, the keys a query wants back and its sort order. Lines start with
C<VDB describe:> and are logged at C<$Kamailio::VDB::Adapter::Describe::LEVEL>
(L_INFO by default).

It accepts any table name without a virtual table behind it. Every
operation succeeds (returns 0); a query returns an empty
L<Kamailio::VDB::Result> whose columns are the requested keys (as
C<DB_STRING>), so the module sees "nothing found" and carries on.

=cut
