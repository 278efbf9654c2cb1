//! tm's routes through the running server with a native cfg: the core
//! `onreply_route` for every reply and the transaction's named one armed by
//! `t_on_reply` (whose `drop` stops a provisional reply), a numbered
//! `failure_route[1]` armed as `t_on_failure("1")`, `t_is_set` and
//! `t_branch_replied`; and a caller's CANCEL reaching every pending branch
//! of a parallel fork — held back for a branch without a provisional reply
//! until it sends one (RFC 3261 §9.1).

mod support;

use std::time::Duration;
use support::ua::{Proto, Ua};
use support::*;

const T: Duration = Duration::from_secs(3);

const CFG: &str = r#"#!KAMAILIO
listen=udp:127.0.0.1:0
children=2
debug=2
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "tmx.so"
loadmodule "pv.so"
loadmodule "xlog.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"

request_route {
	if (is_method("REGISTER")) {
		save("location");
		exit;
	}
	if (is_method("CANCEL") || is_method("ACK")) {
		if (t_check_trans()) {
			t_relay();
		}
		exit;
	}
	if (!lookup("location")) {
		sl_send_reply("404", "Not Found");
		exit;
	}
	t_on_reply("R1");
	t_on_failure("1");
	if (t_is_set("failure_route") && t_is_set("onreply_route")) {
		xinfo("armed: failure and reply routes for $ci\n");
	}
	if (!t_is_set("branch_route")) {
		xinfo("no branch route for $ci\n");
	}
	t_relay();
}

onreply_route {
	xinfo("core reply route: $rs $rr\n");
}

onreply_route[R1] {
	xinfo("reply route R1: $rs\n");
	if ($rs == 183) {
		drop;
	}
}

failure_route[1] {
	if (t_branch_replied()) {
		xinfo("failure route 1: a branch replied, $T_reply_code\n");
	}
}
"#;

#[test]
fn named_reply_route_drops_a_provisional_and_failure_route_1_runs() {
    let mut sb = Switchboard::with_cfg(CFG, &[]);
    let px = sb.udp.unwrap();
    let mut bob = Ua::new("bob", Proto::Udp, px);
    bob.register(3600);
    let mut alice = Ua::new("alice", Proto::Udp, px);
    let call = alice.invite("bob", "routes-1");
    let inv = bob.expect_request("INVITE", T);
    sb.wait_log("armed: failure and reply routes for routes-1", T);
    sb.wait_log("no branch route for routes-1", T);

    bob.reply(&inv, 183, "Session Progress");
    sb.wait_log("reply route R1: 183", T);
    bob.reply(&inv, 180, "Ringing");
    alice.expect_reply(100, "INVITE", T);
    let ringing = alice.expect_reply(180, "INVITE", T);
    assert_eq!(ringing.status(), 180);
    sb.wait_log("reply route R1: 180", T);
    bob.reply(&inv, 486, "Busy Here");
    bob.expect_request("ACK", T);
    let busy = alice.expect_reply(486, "INVITE", T);
    alice.ack_negative(&call, &busy);
    sb.wait_log("failure route 1: a branch replied, 486", T);

    let logs = sb.logs();
    let at = |needle: &str| logs.iter().position(|l| l.contains(needle)).unwrap_or_else(|| panic!("{needle}: {logs:#?}"));
    // the core reply route runs for every reply, before the named one
    assert!(at("core reply route: 183 Session Progress") < at("reply route R1: 183"));
    assert!(at("core reply route: 486") < at("reply route R1: 486"));
    // the dropped 183 never reached the caller
    assert!(alice.nothing(Duration::from_millis(300), |m| m.status() == 183), "the 183 was dropped");
}

#[test]
fn cancel_reaches_every_pending_branch_and_waits_for_a_provisional() {
    let sb = Switchboard::with_cfg(CFG, &[]);
    let px = sb.udp.unwrap();
    let mut desk = Ua::new("bob", Proto::Udp, px);
    let mut mobile = Ua::new("bob", Proto::Udp, px);
    desk.register(3600);
    mobile.register(3600);
    let mut alice = Ua::new("alice", Proto::Udp, px);
    let call = alice.invite("bob", "routes-cancel");
    let inv_desk = desk.expect_request("INVITE", T);
    let inv_mobile = mobile.expect_request("INVITE", T);
    desk.reply(&inv_desk, 180, "Ringing");
    alice.expect_reply(180, "INVITE", T);

    alice.cancel(&call);
    alice.expect_reply(200, "CANCEL", T);
    // the ringing branch is cancelled at once
    let c_desk = desk.expect_request("CANCEL", T);
    // the silent one only once it has sent a provisional reply
    assert!(mobile.nothing(Duration::from_millis(400), |m| m.method() == "CANCEL"), "no CANCEL before a provisional");
    mobile.reply(&inv_mobile, 180, "Ringing");
    let c_mobile = mobile.expect_request("CANCEL", T);
    for (ua, cancel, inv) in [(&mut desk, &c_desk, &inv_desk), (&mut mobile, &c_mobile, &inv_mobile)] {
        ua.reply(cancel, 200, "OK");
        ua.reply(inv, 487, "Request Terminated");
        ua.expect_request("ACK", T);
    }
    let terminated = alice.expect_reply(487, "INVITE", T);
    alice.ack_negative(&call, &terminated);
}
