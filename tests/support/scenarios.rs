//! The end-to-end scenarios every proxy sample (samples/lua,
//! samples/native, ...) must pass — the same SIP behaviour whatever the
//! routing language: registration, a call with Record-Route followed,
//! CANCEL, busy → voicemail via the failure route, no answer → 408,
//! retransmitted INVITEs absorbed, two contacts rung in parallel, replies
//! kept in order, local answers. A test file runs them on its sample with
//! [`sample_scenarios!`](crate::sample_scenarios).
#![allow(dead_code)]

use std::time::Duration;

use super::ua::{Call, Proto, Ua};
use super::*;

const T: Duration = Duration::from_secs(5);

/// Start the sample at `cfg` (relative to the repository); `defines`
/// are extra `-A` values.
fn sample(cfg: &str, defines: &[String]) -> Switchboard {
    let mut args: Vec<String> = vec!["-A".into(), "SB_PORT=0".into(), "-n".into(), "2".into()];
    for d in defines {
        args.push("-A".into());
        args.push(d.clone());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    Switchboard::run(&repo_path(cfg), &args)
}

fn proxy(sb: &Switchboard, proto: Proto) -> std::net::SocketAddr {
    match proto {
        Proto::Udp => sb.udp.unwrap(),
        Proto::Tcp => sb.tcp.unwrap(),
    }
}

/// Caller side of an answered call: 100, 180, 200 in order, then the
/// dialog learnt from the 200.
fn caller_gets_answer(alice: &mut Ua, call: &mut Call) {
    alice.expect_reply(100, "INVITE", T);
    alice.expect_reply(180, "INVITE", T);
    let ok = alice.expect_reply(200, "INVITE", T);
    assert!(!ok.headers("Record-Route").is_empty(), "the proxy record-routes:\n{}", ok.text);
    call.established(&ok);
}

pub fn basic_call(cfg: &str, proto: Proto) {
    let sb = sample(cfg, &[]);
    let px = proxy(&sb, proto);
    let mut bob = Ua::new("bob", proto, px);
    let reg = bob.register(3600);
    assert!(reg.header("Contact").unwrap().contains(&format!(":{}", bob.port)), "{}", reg.text);
    assert!(reg.header("Contact").unwrap().contains("expires="), "{}", reg.text);

    let mut alice = Ua::new("alice", proto, px);
    let mut call = alice.invite("bob", &format!("basic-{proto:?}"));
    let inv = bob.expect_request("INVITE", T);
    assert!(inv.text.starts_with(&format!("INVITE sip:bob@127.0.0.1:{}", bob.port)), "{}", inv.text);
    assert_eq!(inv.headers("Via").len(), 2, "proxy Via on top:\n{}", inv.text);
    assert_eq!(inv.header("Max-Forwards").as_deref(), Some("69"));
    bob.reply(&inv, 180, "Ringing");
    bob.reply(&inv, 200, "OK");
    caller_gets_answer(&mut alice, &mut call);

    alice.in_dialog(&call, "ACK");
    let ack = bob.expect_request("ACK", T);
    assert!(ack.text.starts_with(&format!("ACK sip:bob@127.0.0.1:{}", bob.port)), "{}", ack.text);

    alice.in_dialog(&call, "BYE");
    let bye = bob.expect_request("BYE", T);
    bob.reply(&bye, 200, "OK");
    alice.expect_reply(200, "BYE", T);
}

pub fn cancel_before_answer(cfg: &str, proto: Proto) {
    let sb = sample(cfg, &[]);
    let px = proxy(&sb, proto);
    let mut bob = Ua::new("bob", proto, px);
    bob.register(3600);
    let mut alice = Ua::new("alice", proto, px);
    let call = alice.invite("bob", &format!("cancel-{proto:?}"));
    let inv = bob.expect_request("INVITE", T);
    bob.reply(&inv, 180, "Ringing");
    alice.expect_reply(180, "INVITE", T);

    alice.cancel(&call);
    alice.expect_reply(200, "CANCEL", T);
    let cancel = bob.expect_request("CANCEL", T);
    bob.reply(&cancel, 200, "OK");
    bob.reply(&inv, 487, "Request Terminated");
    let r487 = alice.expect_reply(487, "INVITE", T);
    alice.ack_negative(&call, &r487);
    // The proxy acknowledges the 487 hop by hop.
    bob.expect_request("ACK", T);
}

pub fn busy_goes_to_voicemail(cfg: &str, proto: Proto) {
    let mut vm = Ua::new("voicemail", proto, "127.0.0.1:9".parse().unwrap());
    let vm_host = format!("VOICEMAIL_HOST=127.0.0.1:{}{}", vm.port, proto.uri_param());
    let sb = sample(cfg, &[vm_host]);
    let px = proxy(&sb, proto);
    vm.proxy = px;
    let mut bob = Ua::new("bob", proto, px);
    bob.register(3600);
    let mut alice = Ua::new("alice", proto, px);
    let mut call = alice.invite("bob", &format!("busy-{proto:?}"));
    let inv = bob.expect_request("INVITE", T);
    bob.reply(&inv, 486, "Busy Here");
    bob.expect_request("ACK", T);

    let vinv = vm.expect_request("INVITE", T);
    assert!(vinv.text.starts_with("INVITE sip:voicemail@127.0.0.1"), "{}", vinv.text);
    vm.reply(&vinv, 200, "OK");
    let ok = alice.expect_reply(200, "INVITE", T);
    assert!(alice.nothing(Duration::from_millis(300), |m| m.status() == 486), "the 486 never reaches the caller");
    call.established(&ok);
    alice.in_dialog(&call, "ACK");
    vm.expect_request("ACK", T);
    let mut sb = sb;
    sb.wait_log("trying voicemail", T);
}

pub fn no_answer_ends_in_408(cfg: &str, proto: Proto) {
    // Voicemail points at a port nobody answers on, so it times out too.
    let sb = sample(cfg, &[
        "FR_INV_TIMER=1500".into(),
        "FR_TIMER=1000".into(),
        "VOICEMAIL_HOST=127.0.0.1:9".into(),
    ]);
    let px = proxy(&sb, proto);
    let mut bob = Ua::new("bob", proto, px);
    bob.register(3600);
    let mut alice = Ua::new("alice", proto, px);
    let call = alice.invite("bob", &format!("noanswer-{proto:?}"));
    let inv = bob.expect_request("INVITE", T);
    bob.reply(&inv, 180, "Ringing");
    // fr_inv_timer fires: the ringing branch is cancelled.
    let cancel = bob.expect_request("CANCEL", T);
    bob.reply(&cancel, 200, "OK");
    bob.reply(&inv, 487, "Request Terminated");
    let r408 = alice.expect_reply(408, "INVITE", Duration::from_secs(10));
    alice.ack_negative(&call, &r408);
}

pub fn retransmitted_invite_is_absorbed(cfg: &str, proto: Proto) {
    let sb = sample(cfg, &[]);
    let px = proxy(&sb, proto);
    let mut bob = Ua::new("bob", proto, px);
    bob.register(3600);
    let mut alice = Ua::new("alice", proto, px);
    let call = alice.invite("bob", &format!("retrans-{proto:?}"));
    let inv = bob.expect_request("INVITE", T);
    bob.reply(&inv, 180, "Ringing");
    alice.expect_reply(180, "INVITE", T);
    alice.send(&call.invite);
    // The caller hears the last provisional again; the callee sees nothing new.
    alice.expect_reply(180, "INVITE", T);
    assert!(bob.nothing(Duration::from_millis(500), |m| m.method() == "INVITE"));
    bob.reply(&inv, 200, "OK");
    alice.expect_reply(200, "INVITE", T);
}

pub fn two_contacts_ring_in_parallel(cfg: &str, proto: Proto) {
    let sb = sample(cfg, &[]);
    let px = proxy(&sb, proto);
    let mut desk = Ua::new("bob", proto, px);
    let mut mobile = Ua::new("bob", proto, px);
    desk.register(3600);
    let reg = mobile.register(3600);
    assert_eq!(reg.headers("Contact").iter().map(|c| c.matches("expires=").count()).sum::<usize>(), 2, "{}", reg.text);
    let mut alice = Ua::new("alice", proto, px);
    let mut call = alice.invite("bob", &format!("fork-{proto:?}"));
    let inv1 = desk.expect_request("INVITE", T);
    let inv2 = mobile.expect_request("INVITE", T);
    desk.reply(&inv1, 180, "Ringing");
    mobile.reply(&inv2, 180, "Ringing");
    mobile.reply(&inv2, 200, "OK");
    let cancel = desk.expect_request("CANCEL", T);
    desk.reply(&cancel, 200, "OK");
    desk.reply(&inv1, 487, "Request Terminated");
    let ok = alice.expect_reply(200, "INVITE", T);
    call.established(&ok);
    assert!(call.target.as_deref().unwrap().contains(&format!(":{}", mobile.port)));
    alice.in_dialog(&call, "ACK");
    mobile.expect_request("ACK", T);
}

/// Back-to-back 180 and 200 from the callee, picked up by different
/// workers, still reach the caller in that order (DESIGN: serialize per
/// transaction, in arrival order).
pub fn udp_provisional_never_overtaken_by_final(cfg: &str) {
    let sb = sample(cfg, &["FR_INV_TIMER=30000".into()]);
    let px = sb.udp.unwrap();
    let mut bob = Ua::new("bob", Proto::Udp, px);
    bob.register(3600);
    let mut alice = Ua::new("alice", Proto::Udp, px);
    for i in 0..40 {
        let mut call = alice.invite("bob", &format!("order-{i}"));
        let inv = bob.expect_request("INVITE", T);
        let ringing = bob.reply_text(&inv, 180, "Ringing");
        let ok = bob.reply_text(&inv, 200, "OK");
        bob.send_to(&inv.peer, &ringing);
        bob.send_to(&inv.peer, &ok);
        let first = alice
            .wait(T, |m| m.cseq_method() == "INVITE" && m.status() >= 180)
            .expect("a reply");
        assert_eq!(first.status(), 180, "call {i}: the 200 overtook the 180");
        let ok = alice.expect_reply(200, "INVITE", T);
        call.established(&ok);
        alice.in_dialog(&call, "ACK");
        bob.expect_request("ACK", T);
    }
}

/// The sample's checks and local answers: an unregistered callee gets 404,
/// OPTIONS to the proxy itself 200, Max-Forwards 0 gets 483, a REGISTER
/// below min_expires 423 with Min-Expires.
pub fn udp_local_answers(cfg: &str) {
    let sb = sample(cfg, &[]);
    let px = sb.udp.unwrap();
    let mut alice = Ua::new("alice", Proto::Udp, px);
    let _call = alice.invite("nobody", "local-404");
    alice.expect_reply(404, "INVITE", T);

    let options = |alice: &Ua, mf: u32, branch: &str| {
        format!(
            "OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: {}\r\nMax-Forwards: {mf}\r\n\
             From: <sip:alice@127.0.0.1>;tag=o1\r\nTo: <sip:127.0.0.1>\r\n\
             Call-ID: {branch}@test\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
            alice.via(branch)
        )
    };
    alice.send(&options(&alice, 70, "opt1"));
    let ok = alice.expect_reply(200, "OPTIONS", T);
    assert!(ok.text.contains("Keepalive"), "{}", ok.text);
    alice.send(&options(&alice, 0, "opt2"));
    alice.expect_reply(483, "OPTIONS", T);

    let reg = format!(
        "REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: {}\r\nMax-Forwards: 70\r\n\
         From: <sip:alice@127.0.0.1>;tag=r1\r\nTo: <sip:alice@127.0.0.1>\r\n\
         Call-ID: short-reg@test\r\nCSeq: 1 REGISTER\r\nContact: {}\r\nExpires: 10\r\n\
         Content-Length: 0\r\n\r\n",
        alice.via("regshort"),
        alice.contact()
    );
    alice.send(&reg);
    let r = alice.expect_reply(423, "REGISTER", T);
    assert!(r.header("Min-Expires").is_some(), "{}", r.text);
}

/// `sample_scenarios!("samples/x/kamailio.cfg");` — one #[test] per
/// scenario (over UDP and over TCP) on that sample.
#[macro_export]
macro_rules! sample_scenarios {
    ($cfg:expr) => {
        $crate::sample_scenarios!(@both $cfg; basic_call, cancel_before_answer, busy_goes_to_voicemail,
            no_answer_ends_in_408, retransmitted_invite_is_absorbed, two_contacts_ring_in_parallel);
        #[test]
        fn udp_provisional_never_overtaken_by_final() {
            $crate::support::scenarios::udp_provisional_never_overtaken_by_final($cfg)
        }
        #[test]
        fn udp_local_answers() {
            $crate::support::scenarios::udp_local_answers($cfg)
        }
    };
    (@both $cfg:expr; $($name:ident),*) => {
        mod udp { $( #[test] fn $name() { $crate::support::scenarios::$name($cfg, $crate::support::ua::Proto::Udp) } )* }
        mod tcp { $( #[test] fn $name() { $crate::support::scenarios::$name($cfg, $crate::support::ua::Proto::Tcp) } )* }
    };
}
