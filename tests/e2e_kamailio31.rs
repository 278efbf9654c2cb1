//! The Kamailio 3.1 default configuration (tests/cfg/valid/kamailio31.cfg,
//! from ../shared/seeds/002, no WITH_* defined) run by the native engine:
//! two users register, one calls the other through the proxy, the call is
//! answered, acknowledged and hung up along the Record-Route; a call to an
//! unknown user gets the cfg's 404.
//!
//! The cfg listens on port 5060 on every interface; the test replaces that
//! with `-l udp:127.0.0.1:0` (and `-E` for logs on stderr, which the cfg
//! sends to syslog), and puts the proxy's port in the URIs so that the
//! cfg's `uri == myself` holds.

mod support;

use std::time::Duration;
use support::ua::{Proto, Ua};
use support::*;

const T: Duration = Duration::from_secs(5);

fn ua(user: &str, px: std::net::SocketAddr) -> Ua {
    let mut u = Ua::new(user, Proto::Udp, px);
    u.domain = format!("127.0.0.1:{}", px.port());
    u
}

#[test]
fn kamailio31_default_cfg_registers_and_routes_a_call() {
    let sb = Switchboard::run(&repo_path("tests/cfg/valid/kamailio31.cfg"), &["-l", "udp:127.0.0.1:0", "-n", "2"]);
    let px = sb.udp.unwrap();
    let mut bob = ua("bob", px);
    let mut alice = ua("alice", px);
    let reg = bob.register(3600);
    assert!(reg.header("Contact").unwrap().contains(&format!(":{}", bob.port)), "{}", reg.text);
    alice.register(3600);

    let mut call = alice.invite("bob", "k31-call");
    let inv = bob.expect_request("INVITE", T);
    assert!(inv.text.starts_with(&format!("INVITE sip:bob@127.0.0.1:{}", bob.port)), "{}", inv.text);
    assert!(!inv.headers("Record-Route").is_empty(), "the cfg record-routes INVITEs:\n{}", inv.text);
    assert_eq!(inv.header("Max-Forwards").as_deref(), Some("69"));
    bob.reply(&inv, 180, "Ringing");
    bob.reply(&inv, 200, "OK");
    alice.expect_reply(100, "INVITE", T);
    alice.expect_reply(180, "INVITE", T);
    let ok = alice.expect_reply(200, "INVITE", T);
    call.established(&ok);

    alice.in_dialog(&call, "ACK");
    bob.expect_request("ACK", T);
    alice.in_dialog(&call, "BYE");
    let bye = bob.expect_request("BYE", T);
    bob.reply(&bye, 200, "OK");
    alice.expect_reply(200, "BYE", T);

    // route[LOCATION]: not registered → t_newtran + t_reply 404.
    let _c = alice.invite("carol", "k31-404");
    alice.expect_reply(404, "INVITE", T);
}
