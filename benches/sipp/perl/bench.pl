# benches/sipp/perl: what a typical app_perl script does per request —
# read the method, a header and a pseudo-variable, test a flag, log at
# debug level — and say yes.
use Kamailio qw(log);
use Kamailio::Constants;

sub route {
    my ($m, $tag) = @_;
    my $method = $m->getMethod();
    my $callid = $m->getHeader("Call-ID");
    my $user = $m->pseudoVar('$rU');
    $m->setFlag(FL_GREEN) if $method eq "INVITE";
    log(L_DBG, "$tag: $method $callid for $user\n");
    return 1;
}
1;
