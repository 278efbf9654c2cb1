//! Unit tests: matching keys, branch ids, best-response choice,
//! hop-by-hop request building.

use super::*;

fn msg(text: &str) -> SipMessage {
    sip::parse(Bytes::from(text.replace('\n', "\r\n"))).unwrap()
}

const INVITE: &str = "INVITE sip:b@127.0.0.1 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKabc\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKx\nRoute: <sip:127.0.0.1;lr>\nFrom: <sip:a@x>;tag=f\nTo: <sip:b@x>\nCall-ID: c1\nCSeq: 7 INVITE\nMax-Forwards: 69\nContent-Length: 0\n\n";

#[test]
fn server_keys_match_ack_and_cancel_to_the_invite() {
    let inv = msg(INVITE);
    let ack = msg(&INVITE.replace("INVITE sip", "ACK sip").replace("7 INVITE", "7 ACK"));
    let cancel = msg(&INVITE.replace("INVITE sip", "CANCEL sip").replace("7 INVITE", "7 CANCEL"));
    let k = server_key(&inv, "INVITE").unwrap();
    assert_eq!(server_key(&ack, method_key(ack.method().unwrap())).unwrap(), k);
    assert_eq!(server_key(&cancel, "INVITE").unwrap(), k);
    assert_ne!(server_key(&cancel, "CANCEL").unwrap(), k);
    // other branch, other sent-by: other transactions
    assert_ne!(server_key(&msg(&INVITE.replace("z9hG4bKabc", "z9hG4bKabd")), "INVITE").unwrap(), k);
    assert_ne!(server_key(&msg(&INVITE.replace("127.0.0.1:5070", "127.0.0.1:5071")), "INVITE").unwrap(), k);
    // RFC 2543 style: Call-ID/CSeq/From tag/Via
    let old = msg(&INVITE.replace(";branch=z9hG4bKabc", ""));
    assert!(server_key(&old, "INVITE").unwrap().starts_with('~'));
}

#[test]
fn branch_ids_round_trip_and_reject_foreign() {
    let t = Tm::new(TmConfig::default());
    let b = t.branch_id(0x1234, 3);
    assert!(b.starts_with("z9hG4bK"));
    assert_eq!(t.parse_branch(&b), Some((0x1234, 3)));
    assert_eq!(t.parse_branch("z9hG4bKabc"), None);
    let other = Tm::new(TmConfig::default());
    let mut foreign = other.branch_id(0x1234, 3);
    if other.salt == t.salt {
        foreign = format!("z9hG4bK{:08x}.1234.3", t.salt ^ 2);
    }
    assert_eq!(t.parse_branch(&foreign), None);
}

fn br(code: u16) -> CBranch {
    CBranch {
        dest: Destination::to(Protocol::Udp, "127.0.0.1:1".parse().unwrap()),
        request: Bytes::new(),
        reliable: false,
        provisional: false,
        code,
        reply: None,
        timed_out: false,
        retr: Duration::ZERO,
        fr_gen: 0,
        fr_tick: 0,
        retr_tick: 0,
        cancel: CancelState::No,
    }
}

#[test]
fn best_response_choice() {
    assert_eq!(best_branch(&[br(486), br(404)]), Some((0, 486)), "same class: first");
    assert_eq!(best_branch(&[br(503), br(486)]), Some((1, 486)), "lowest class");
    assert_eq!(best_branch(&[br(302), br(486)]), Some((0, 302)));
    assert_eq!(best_branch(&[br(408), br(603)]), Some((1, 603)), "6xx wins");
    assert_eq!(best_branch(&[br(0)]), None);
}

#[test]
fn ack_and_cancel_are_built_from_the_branch_request() {
    let req = INVITE.replace('\n', "\r\n");
    let ack = build_hop_request(&Bytes::from(req.clone()), "ACK", Some("<sip:b@x>;tag=t9")).unwrap();
    let ack = sip::parse(ack).unwrap();
    assert_eq!(ack.method(), Some(&Method::Ack));
    assert_eq!(ack.via_count(), 1, "only our Via");
    assert_eq!(ack.top_via().unwrap().branch(), Some("z9hG4bKabc"));
    assert_eq!(ack.to_tag(), Some("t9"));
    assert_eq!(ack.header(HeaderName::CSeq), Some("7 ACK"));
    assert_eq!(ack.routes().count(), 1);
    let cancel = sip::parse(build_hop_request(&Bytes::from(req), "CANCEL", None).unwrap()).unwrap();
    assert_eq!(cancel.header(HeaderName::CSeq), Some("7 CANCEL"));
    assert_eq!(cancel.to_tag(), None);
    assert_eq!(cancel.ruri_str(), Some("sip:b@127.0.0.1"));
}

#[test]
fn config_from_modparams() {
    let dir = std::env::temp_dir().join(format!("sb-tmcfg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("a.cfg");
    std::fs::write(&p, "loadmodule \"tm.so\"\nmodparam(\"tm\", \"retr_timer1\", 50)\nmodparam(\"tm\", \"fr_inv_timer\", 9000)\nmodparam(\"tm\", \"auto_inv_100\", 0)\nrequest_route {\n}\n").unwrap();
    let c = crate::cfg::load(&p, &Default::default()).unwrap();
    let t = TmConfig::from_config(&c);
    assert_eq!(t.t1, Duration::from_millis(50));
    assert_eq!(t.fr_inv_timer, Duration::from_secs(9));
    assert_eq!(t.fr_timer, Duration::from_secs(30));
    assert!(!t.auto_inv_100);
}
