//! Locally generated requests (`t_uac_send` + `event_route[tm:local-request]`)
//! and `onsend_route`, end to end: the real binary on a native cfg, test
//! UAs on UDP sockets.

mod support;

use std::time::{Duration, Instant};

use support::ua::{Msg, Proto, Ua};
use support::*;

const T: Duration = Duration::from_secs(5);

/// A MESSAGE from the UA makes the script originate an OPTIONS to
/// `sip:$hdr(X-User)@127.0.0.1:$hdr(X-Ua-Port)`; the caller learns the
/// return code from the reply (202 sent, 500 not).
const UAC_CFG: &str = r#"
loadmodule "textops.so"
modparam("tm", "retr_timer1", 100)
modparam("tm", "retr_timer2", 400)
modparam("tm", "fr_timer", 3000)
modparam("tm", "wt_timer", 500)

request_route {
    if (is_method("MESSAGE")) {
        if (t_uac_send("OPTIONS", "sip:$hdr(X-User)@127.0.0.1:$hdr(X-Ua-Port)", "", "", "X-Test: 1\r\n", "")) {
            sl_send_reply("202", "Sent");
        } else {
            xlog("L_INFO", "t_uac_send failed: $rc\n");
            sl_send_reply("500", "Not Sent");
        }
        exit;
    }
    sl_send_reply("404", "Not here");
}

event_route[tm:local-request] {
    xlog("L_INFO", "local-request $rm to $ru\n");
    if ($rU == "blocked") {
        drop;
    }
    if ($rU == "quick") {
        t_set_fr(0, 1200);
    }
    if (is_method("OPTIONS")) {
        append_hf("X-Local: yes\r\n");
    }
}
"#;

/// What both cfgs start with (debug 3: tm's debug lines are asserted).
const HEAD: &str = r#"#!KAMAILIO
debug=3
listen=udp:127.0.0.1:0
children=2
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "xlog.so"
"#;

/// The server on [`HEAD`] + `cfg`, Alice and Bob (UDP UAs) next to it.
fn start(cfg: &str, args: &[&str]) -> (Switchboard, Ua, Ua) {
    let sb = Switchboard::with_cfg(&format!("{HEAD}{cfg}"), args);
    let px = sb.udp.unwrap();
    (sb, Ua::new("alice", Proto::Udp, px), Ua::new("bob", Proto::Udp, px))
}

/// Alice asks the server to send an OPTIONS to `user` at Bob's port; the
/// server's answer to her MESSAGE.
fn trigger(alice: &mut Ua, bob: &Ua, user: &str) -> Msg {
    let extra = format!("X-User: {user}\r\nX-Ua-Port: {}\r\n", bob.port);
    alice.request("MESSAGE", "sip:server@127.0.0.1", &extra);
    alice.wait(T, |m| m.cseq_method() == "MESSAGE" && m.status() >= 200).expect("a final reply to the MESSAGE")
}

fn options(m: &Msg) -> bool {
    m.method() == "OPTIONS"
}

#[test]
fn t_uac_send_goes_through_the_event_route_and_the_reply_is_absorbed() {
    let (mut sb, mut alice, mut bob) = start(UAC_CFG, &[]);
    let px = sb.udp.unwrap();

    assert_eq!(trigger(&mut alice, &bob, "bob").status(), 202);
    let req = bob.expect_request("OPTIONS", T);
    let ruri = format!("sip:bob@127.0.0.1:{}", bob.port);
    assert!(req.text.starts_with(&format!("OPTIONS {ruri} SIP/2.0\r\n")), "{}", req.text);
    assert_eq!(req.header("X-Test").as_deref(), Some("1"), "{}", req.text);
    assert_eq!(req.header("X-Local").as_deref(), Some("yes"), "added in tm:local-request:\n{}", req.text);
    let via = req.headers("Via");
    assert_eq!(via.len(), 1, "{}", req.text);
    assert!(via[0].starts_with(&format!("SIP/2.0/UDP {px};branch=z9hG4bK")), "{}", req.text);
    let from = req.header("From").unwrap();
    assert!(from.starts_with(&format!("<sip:switchboard@{px}>;tag=")), "{}", req.text);
    assert_eq!(req.header("To").as_deref(), Some(format!("<{ruri}>").as_str()));
    assert!(req.header("Call-ID").is_some_and(|c| !c.is_empty()));
    assert_eq!(req.header("CSeq").as_deref(), Some("10 OPTIONS"));
    assert_eq!(req.header("Max-Forwards").as_deref(), Some("70"));
    assert_eq!(req.header("Content-Length").as_deref(), Some("0"));
    sb.wait_log(&format!("local-request OPTIONS to {ruri}"), T);

    // The 200 ends the transaction here: absorbed, forwarded to nobody,
    // and the OPTIONS is not retransmitted any more.
    bob.reply(&req, 200, "OK");
    sb.wait_log("reply 200 absorbed", T);
    assert!(alice.nothing(Duration::from_millis(800), |_| true), "nothing reaches alice");
    assert!(bob.nothing(Duration::from_millis(200), |_| true), "no retransmission, no reply back");
}

#[test]
fn an_unanswered_local_request_is_retransmitted_until_fr_timer() {
    let (mut sb, mut alice, mut bob) = start(UAC_CFG, &[]);

    // "quick": t_set_fr(0, 1200) in the event route.
    let t0 = Instant::now();
    assert_eq!(trigger(&mut alice, &bob, "quick").status(), 202);
    let first = bob.expect_request("OPTIONS", T);
    let branch = first.header("Via").unwrap();
    let mut copies = vec![Instant::now() - t0];
    while let Some(m) = bob.wait(Duration::from_millis(1500), options) {
        assert_eq!(m.header("Via").unwrap(), branch, "a retransmission, same branch");
        copies.push(Instant::now() - t0);
    }
    // Timer E from T1 = 100 ms, doubling to T2 = 400 ms: 0, 100, 300,
    // 700, 1100 ms; then fr_timer (1.2 s from t_set_fr) ends it.
    // (The loop above ended on 1.5 s of silence.)
    assert!((4..=6).contains(&copies.len()), "copies at {copies:?}");
    let span = *copies.last().unwrap() - copies[0];
    assert!(span < Duration::from_millis(1500), "nothing after fr_timer: {copies:?}");
    assert!(copies[1] - copies[0] < Duration::from_millis(400), "A/E starts at T1: {copies:?}");
    sb.wait_log("final reply 408 absorbed", T);
    assert!(alice.nothing(Duration::from_millis(200), |_| true), "the 408 is local: nothing reaches alice");
}

#[test]
fn drop_in_tm_local_request_sends_nothing() {
    let (mut sb, mut alice, mut bob) = start(UAC_CFG, &[]);

    assert_eq!(trigger(&mut alice, &bob, "blocked").status(), 500, "t_uac_send returns -1");
    sb.wait_log("local-request OPTIONS to sip:blocked@", T);
    sb.wait_log("t_uac_send failed: -1", T);
    assert!(bob.nothing(Duration::from_millis(800), |_| true), "nothing was sent");

    // The server keeps originating the others.
    assert_eq!(trigger(&mut alice, &bob, "bob").status(), 202);
    bob.expect_request("OPTIONS", T);
}

/// A stateful proxy (or a stateless one when the request says
/// `X-Stateless: 1`) whose onsend_route logs where each request goes;
/// with `-A BLOCK` it also drops requests whose R-URI says "blocked".
const ONSEND_CFG: &str = r#"
request_route {
    if ($hdr(X-Stateless) == "1") {
        if (!forward()) {
            sl_send_reply("500", "Not Forwarded");
        }
        exit;
    }
    if (!t_relay()) {
        sl_reply_error();
    }
}

onsend_route {
    xlog("L_INFO", "onsend $rm $ru to $snd(sproto):$snd(ip):$snd(port) proto $snd(proto)\n");
#!ifdef BLOCK
    if ($ru =~ "blocked") {
        drop;
    }
#!endif
}
"#;

#[test]
fn onsend_route_sees_each_proxied_request_and_where_it_goes() {
    let (mut sb, mut alice, mut bob) = start(ONSEND_CFG, &[]);
    let ruri = format!("sip:bob@127.0.0.1:{}", bob.port);

    alice.request("MESSAGE", &ruri, "");
    let m = bob.expect_request("MESSAGE", T);
    assert_eq!(m.headers("Via").len(), 2, "proxied: {}", m.text);
    sb.wait_log(&format!("onsend MESSAGE {ruri} to udp:127.0.0.1:{} proto 1", bob.port), T);
    bob.reply(&m, 200, "OK");
    alice.expect_reply(200, "MESSAGE", T);

    alice.request("MESSAGE", &format!("sip:stateless@127.0.0.1:{}", bob.port), "X-Stateless: 1\r\n");
    bob.expect_request("MESSAGE", T);
    sb.wait_log("onsend MESSAGE sip:stateless@", T);
}

#[test]
fn drop_in_onsend_route_stops_the_send_and_the_caller_gets_an_error() {
    let (mut sb, mut alice, mut bob) = start(ONSEND_CFG, &["-A", "BLOCK"]);

    // Stateful: the only branch is dropped, t_relay fails, sl_reply_error
    // answers (477, as for a branch that could not be sent).
    alice.request("MESSAGE", &format!("sip:blocked@127.0.0.1:{}", bob.port), "");
    let r = alice.wait(T, |m| m.cseq_method() == "MESSAGE").expect("an answer");
    assert_eq!(r.status(), 477, "{}", r.text);
    sb.wait_log("onsend MESSAGE sip:blocked@", T);
    // Stateless: forward() fails.
    alice.request("MESSAGE", &format!("sip:blocked-too@127.0.0.1:{}", bob.port), "X-Stateless: 1\r\n");
    let r = alice.wait(T, |m| m.cseq_method() == "MESSAGE").expect("an answer");
    assert_eq!(r.status(), 500, "{}", r.text);
    assert!(bob.nothing(Duration::from_millis(800), |_| true), "nothing reached the blocked target");

    // Others still go through.
    let ruri = format!("sip:bob@127.0.0.1:{}", bob.port);
    alice.request("MESSAGE", &ruri, "");
    let m = bob.expect_request("MESSAGE", T);
    bob.reply(&m, 200, "OK");
    alice.expect_reply(200, "MESSAGE", T);
}

/// `onsend_route_reply=yes`: replies received and relayed (by tm or
/// statelessly by Via) pass through onsend_route too; a drop there keeps
/// that reply from being sent. Local replies never do.
const ONSEND_REPLY_CFG: &str = r#"
onsend_route_reply=yes
loadmodule "siputils.so"

request_route {
    if ($hdr(X-Stateless) == "1") {
        forward();
        exit;
    }
    t_relay();
}

onsend_route {
    if (is_reply()) {
        xlog("L_INFO", "onsend reply $rs to $snd(ip):$snd(port)\n");
        if ($rs == 183 || $rs == 403) {
            drop;
        }
    }
}
"#;

#[test]
fn onsend_route_reply_sees_relayed_replies_and_drop_stops_them() {
    let (mut sb, mut alice, mut bob) = start(ONSEND_REPLY_CFG, &[]);
    let ruri = format!("sip:bob@127.0.0.1:{}", bob.port);

    // tm: 180 relayed, 183 dropped, 200 relayed; each seen by onsend_route.
    alice.request("MESSAGE", &ruri, "");
    let m = bob.expect_request("MESSAGE", T);
    bob.reply(&m, 180, "Ringing");
    alice.expect_reply(180, "MESSAGE", T);
    sb.wait_log(&format!("onsend reply 180 to 127.0.0.1:{}", alice.port), T);
    bob.reply(&m, 183, "Progress");
    sb.wait_log("onsend reply 183", T);
    bob.reply(&m, 200, "OK");
    let r = alice.wait(T, |r| r.status() > 180).expect("the 200");
    assert_eq!(r.status(), 200, "the 183 was dropped: {}", r.text);
    sb.wait_log(&format!("onsend reply 200 to 127.0.0.1:{}", alice.port), T);

    // Stateless: relayed by Via, through onsend_route as well.
    alice.request("MESSAGE", &format!("sip:stateless@127.0.0.1:{}", bob.port), "X-Stateless: 1\r\n");
    let m = bob.expect_request("MESSAGE", T);
    bob.reply(&m, 183, "Progress");
    bob.reply(&m, 202, "Accepted");
    let r = alice.wait(T, |r| r.status() > 180).expect("the 202");
    assert_eq!(r.status(), 202, "the stateless 183 was dropped: {}", r.text);
    assert_eq!(sb.logs().iter().filter(|l| l.contains("onsend reply 183")).count(), 2);
    assert!(sb.logs().iter().all(|l| !l.contains("onsend reply 100")), "no local reply goes through it");

    // tm, negative finals: relayed after the best-reply choice, through
    // onsend_route too (486 passes, 403 is dropped).
    alice.request("MESSAGE", &ruri, "");
    let m = bob.expect_request("MESSAGE", T);
    bob.reply(&m, 486, "Busy Here");
    alice.expect_reply(486, "MESSAGE", T);
    sb.wait_log(&format!("onsend reply 486 to 127.0.0.1:{}", alice.port), T);
    alice.request("MESSAGE", &ruri, "");
    let m = bob.expect_request("MESSAGE", T);
    bob.reply(&m, 403, "Forbidden");
    sb.wait_log("onsend reply 403", T);
    assert!(alice.wait(Duration::from_millis(800), |r| r.status() == 403).is_none(), "the 403 was dropped");
}
