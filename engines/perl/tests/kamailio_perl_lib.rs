//! Kamailio's own Perl library (Debian's kamailio-perl-modules, as
//! ../shared/bench/kamailio/perl.cfg points modpath at it) on
//! switchboard's XS side: its Kamailio.pm runs `bootstrap Kamailio`, its
//! Kamailio::Message AUTOLOADs to moduleFunction, its __DIE__/__WARN__
//! handlers call Kamailio::Message::log with no message.
//!
//! (Its Kamailio/Utils/PhoneNumbers.pm does not compile on Perl 5.36 —
//! "Can't use a hash as a reference" — so this script does not load it;
//! ours in perl-lib/ does.)
//!
//! .ci/run installs the package; on a machine without it this test says
//! so and checks nothing (installing it needs root).

use switchboard_perl::testkit::{avp, exec, setup_app_perl};

const KAMAILIO_PERL: &str = "/usr/lib/x86_64-linux-gnu/kamailio/perl";

const SCRIPT: &str = r#"
use Kamailio qw(log);
use Kamailio::Constants;

sub check {
    my $m = shift;
    Kamailio::AVP::add("from_lib", $INC{'Kamailio.pm'});
    Kamailio::AVP::add("method", $m->getMethod());
    Kamailio::AVP::add("ruri_user", $m->getParsedRURI()->user());
    $m->setFlag(FL_GREEN);
    Kamailio::AVP::add("green", $m->isFlagSet(FL_GREEN));
    Kamailio::AVP::add("autoload", $m->is_method("OPTIONS"));
    log(L_INFO, "kamailio perl lib ok\n");
    return 1;
}
sub dies { die "broken on purpose"; }
"#;

const OPTIONS: &str = "OPTIONS sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.7;branch=z9hG4bKk\r\n\
From: <sip:a@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\nCall-ID: k1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";


#[test]
fn kamailios_own_perl_library_runs_on_switchboard() {
    if !std::path::Path::new(KAMAILIO_PERL).join("Kamailio.pm").exists() {
        eprintln!("SKIPPED: {KAMAILIO_PERL} is not installed (apt-get install kamailio-perl-modules; .ci/run does)");
        return;
    }
    setup_app_perl(SCRIPT, &format!("modparam(\"app_perl\", \"modpath\", \"{KAMAILIO_PERL}\")"));
    exec("perl_exec", &["check"], OPTIONS, |code, ctx| {
        assert_eq!(code, 1);
        assert_eq!(avp(ctx, "from_lib"), format!("{KAMAILIO_PERL}/Kamailio.pm"));
        assert_eq!(avp(ctx, "method"), "OPTIONS");
        assert_eq!(avp(ctx, "ruri_user"), "bob");
        assert_eq!(avp(ctx, "green"), "1");
        assert_eq!(avp(ctx, "autoload"), "1");
    });
    // Its __DIE__ handler logs through Kamailio::Message::log(undef, ...).
    exec("perl_exec", &["dies"], OPTIONS, |code, _| assert_eq!(code, -1));
    exec("perl_exec", &["check"], OPTIONS, |code, _| assert_eq!(code, 1));
}
