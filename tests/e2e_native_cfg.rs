//! The native engine through the running server: event_route
//! [core:worker-one-init] runs once at start, xlog formats with the
//! message, `$var`s persist per worker, and a switch/regex/flags script
//! answers what it should.

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
