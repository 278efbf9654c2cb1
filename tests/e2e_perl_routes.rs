//! perl_exec from the routes tm runs (branch_route, onreply_route,
//! failure_route) of a native cfg, on the running server: each Perl sub
//! logs what it saw, the branch route's sub changes the forwarded
//! request, and the failure route's answer decides the caller's reply.

mod support;

use std::time::Duration;
use support::ua::{Proto, Ua};
use support::*;

const T: Duration = Duration::from_secs(5);

const SCRIPT: &str = r#"
use strict;
use warnings;
use Kamailio qw(log);
use Kamailio::Constants;

sub in_branch {
    my $m = shift;
    log(L_INFO, "perl-branch-route: " . $m->getMethod() . " to " . $m->getRURI() . "\n");
    $m->append_hf("X-Perl-Branch: yes\r\n");
    return 1;
}

sub in_reply {
    my $m = shift;
    log(L_INFO, "perl-onreply-route: " . $m->getStatus() . " " . $m->getReason() . "\n");
    return 1;
}

sub in_failure {
    my ($m, $code) = @_;
    log(L_INFO, "perl-failure-route: " . $m->getMethod() . " failed with $code\n");
    return $code == 486 ? 1 : -1;
}
"#;

fn cfg(script: &std::path::Path) -> String {
    format!(
        r#"#!KAMAILIO
listen=udp:127.0.0.1:0
children=2
debug=2
log_stderror=yes
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "xlog.so"
loadmodule "textops.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "app_perl.so"
modparam("app_perl", "filename", "{}")

request_route {{
	if (is_method("REGISTER")) {{
		save("location");
		exit;
	}}
	if (is_method("ACK")) {{
		if (t_check_trans()) {{
			t_relay();
		}}
		exit;
	}}
	if (!lookup("location")) {{
		sl_send_reply("404", "Not Found");
		exit;
	}}
	t_on_branch("B");
	t_on_reply("R");
	t_on_failure("F");
	t_relay();
}}

branch_route[B] {{
	perl_exec("in_branch");
}}

onreply_route[R] {{
	perl_exec("in_reply");
}}

failure_route[F] {{
	if (perl_exec("in_failure", "$T_reply_code")) {{
		t_reply("480", "Perl failure route says later");
	}}
}}
"#,
        script.display()
    )
}

#[test]
fn perl_exec_in_branch_onreply_and_failure_routes() {
    let dir = TempDir::new();
    let script = dir.path().join("routes.pl");
    std::fs::write(&script, SCRIPT).unwrap();
    let mut sb = Switchboard::with_cfg(&cfg(&script), &[]);
    let px = sb.udp.unwrap();
    let mut bob = Ua::new("bob", Proto::Udp, px);
    bob.register(3600);
    let mut alice = Ua::new("alice", Proto::Udp, px);
    let call = alice.invite("bob", "perl-routes-1");

    // branch_route: the forwarded INVITE carries the header Perl added.
    let inv = bob.expect_request("INVITE", T);
    assert_eq!(inv.header("X-Perl-Branch").as_deref(), Some("yes"), "{}", inv.text);
    sb.wait_log("perl-branch-route: INVITE to sip:bob@", T);

    // onreply_route sees the reply; failure_route turns the 486 into 480.
    bob.reply(&inv, 486, "Busy Here");
    bob.expect_request("ACK", T);
    let reply = alice.expect_reply(480, "INVITE", T);
    alice.ack_negative(&call, &reply);
    assert!(reply.text.starts_with("SIP/2.0 480 Perl failure route says later"), "{}", reply.text);
    sb.wait_log("perl-onreply-route: 486 Busy Here", T);
    sb.wait_log("perl-failure-route: INVITE failed with 486", T);

    // No Perl error along the way.
    let errors: Vec<String> = sb.logs().into_iter().filter(|l| l.contains("perl_exec(")).collect();
    assert!(errors.is_empty(), "{errors:?}");
}
