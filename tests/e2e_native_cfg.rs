//! The native engine through the running server: event_route
//! [core:worker-one-init] runs once at start, xlog formats with the
//! message, `$var`s persist per worker, and a switch/regex/flags script
//! answers what it should; event_route[tm:branch-failure:NAME] runs for a
//! failed branch before the failure route.

mod support;

use std::time::Duration;
use support::*;

const T: Duration = Duration::from_secs(3);

const CFG: &str = r#"#!KAMAILIO
listen=udp:127.0.0.1:0
children=1
debug=2
flags FLAG_SEEN: 3;
loadmodule "sl.so"
loadmodule "xlog.so"

event_route[core:worker-one-init] {
	$var(boot) = "ready";
	xinfo("worker one init: $var(boot)\n");
}

request_route {
	$var(n) = $var(n) + 1;
	setflag(FLAG_SEEN);
	switch ($rU) {
		case "alice":
			sl_send_reply("200", "Hello alice #$var(n)");
			exit;
		case /"^\+?49":
			sl_send_reply("403", "No calls to Germany");
			exit;
		default:
			if (isflagset(FLAG_SEEN) && $rm == "OPTIONS" && src_ip == 127.0.0.0/8) {
				xinfo("$rm for $rU from $si seen\n");
				sl_send_reply("404", "Unknown $rU");
				exit;
			}
	}
	sl_send_reply("500", "unreachable");
}
"#;

fn options_to(user: &str, port: u16, branch: &str) -> String {
    options("UDP", port, branch).replacen("OPTIONS sip:switchboard@", &format!("OPTIONS sip:{user}@"), 1)
}

#[test]
fn native_cfg_runs_events_switch_xlog_and_vars() {
    let mut sb = Switchboard::with_cfg(CFG, &[]);
    sb.wait_log("worker one init: ready", T);
    let init_runs = sb.logs().iter().filter(|l| l.contains("worker one init")).count();
    assert_eq!(init_runs, 1, "worker-one-init runs once");

    let udp = sb.udp.unwrap();
    let peer = UdpPeer::new();
    peer.send(udp, options_to("alice", peer.port(), "a1").as_bytes());
    let r = peer.recv(T).expect("reply");
    assert!(r.starts_with("SIP/2.0 200 Hello alice #1"), "{r}");
    peer.send(udp, options_to("alice", peer.port(), "a2").as_bytes());
    let r = peer.recv(T).expect("reply");
    assert!(r.starts_with("SIP/2.0 200 Hello alice #2"), "$var persists in the worker: {r}");

    peer.send(udp, options_to("+4930123", peer.port(), "g1").as_bytes());
    let r = peer.recv(T).expect("reply");
    assert!(r.starts_with("SIP/2.0 403 No calls to Germany"), "{r}");

    peer.send(udp, options_to("carol", peer.port(), "c1").as_bytes());
    assert!(peer.recv(T).expect("reply").starts_with("SIP/2.0 404 Unknown carol"));
    sb.wait_log("OPTIONS for carol from 127.0.0.1 seen", T);
}

const BRANCH_FAILURE_CFG: &str = r#"#!KAMAILIO
listen=udp:127.0.0.1:0
children=2
debug=2
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "xlog.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"

request_route {
	if (is_method("REGISTER")) {
		save("location");
		exit;
	}
	if (is_method("ACK")) {
		if (t_check_trans()) {
			t_relay();
		}
		exit;
	}
	if (!lookup("location")) {
		sl_send_reply("404", "Not Found");
		exit;
	}
	t_on_branch_failure("bf");
	t_on_failure("F");
	t_relay();
}

event_route[tm:branch-failure:bf] {
	xinfo("branch failure $T_reply_code on branch $T_branch_idx\n");
}

failure_route[F] {
	xinfo("failure route sees $T_reply_code\n");
}
"#;

/// event_route[tm:branch-failure:NAME] armed by t_on_branch_failure runs
/// for the failed branch, then the failure route; the caller gets the 486.
#[test]
fn branch_failure_event_route_and_failure_route() {
    use support::ua::{Proto, Ua};
    let mut sb = Switchboard::with_cfg(BRANCH_FAILURE_CFG, &[]);
    let px = sb.udp.unwrap();
    let mut bob = Ua::new("bob", Proto::Udp, px);
    bob.register(3600);
    let mut alice = Ua::new("alice", Proto::Udp, px);
    let call = alice.invite("bob", "bf-1");
    let inv = bob.expect_request("INVITE", T);
    bob.reply(&inv, 486, "Busy Here");
    bob.expect_request("ACK", T);
    let busy = alice.expect_reply(486, "INVITE", T);
    alice.ack_negative(&call, &busy);
    sb.wait_log("branch failure 486 on branch 0", T);
    sb.wait_log("failure route sees 486", T);
    let bf = sb.logs().iter().position(|l| l.contains("branch failure 486")).unwrap();
    let fr = sb.logs().iter().position(|l| l.contains("failure route sees 486")).unwrap();
    assert!(bf < fr, "the branch-failure event route runs before the failure route");
}
