//! Message-level unit tests (the per-module ones live next to the code).

use bytes::Bytes;

use super::*;

const INVITE: &str = "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds, SIP/2.0/TCP proxy.example.com:5070;branch=z9hG4bKp1\r\n\
v: SIP/2.0/UDP [2001:db8::1]:5062;rport;branch=z9hG4bKx\r\n\
Max-Forwards: 70\r\n\
t: Bob <sip:bob@biloxi.example.com>\r\n\
f: \"Alice, A.\" <sip:alice@atlanta.example.com>;tag=1928301774\r\n\
i: a84b4c76e66710@pc33.atlanta.example.com\r\n\
CSeq: 314159 INVITE\r\n\
m: <sip:alice@pc33.atlanta.example.com>;expires=60;q=0.7, \"x,y\" <sip:y,z@h;a=b>\r\n\
Route: <sip:p1.example.com;lr>,\r\n <sip:p2.example.com;lr>\r\n\
Subject: folded\r\n\tsubject\r\n\
Date: Sat, 15 Oct 2005 04:44:56 GMT\r\n\
Authorization: Digest username=\"a\", realm=\"b\"\r\n\
Allow: INVITE, ACK,BYE\r\n\
X-Custom: hello\r\n\
c: application/sdp\r\n\
l: 4\r\n\
\r\n\
v=0\n";

fn msg(s: &str) -> SipMessage {
    parse(Bytes::copy_from_slice(s.as_bytes())).unwrap()
}

#[test]
fn typed_accessors() {
    let m = msg(INVITE);
    assert!(m.is_request());
    assert_eq!(m.method(), Some(&Method::Invite));
    assert_eq!(m.ruri().unwrap().unwrap().user(), Some("bob"));
    let vias: Vec<_> = m.vias().map(|v| v.unwrap()).collect();
    assert_eq!(vias.len(), 3);
    assert_eq!(vias[0].branch(), Some("z9hG4bK776asdhds"));
    assert_eq!(vias[1].port(), Some(5070));
    assert_eq!(vias[1].transport(), "TCP");
    assert_eq!(vias[2].host(), "[2001:db8::1]");
    assert!(vias[2].has_rport());
    assert_eq!(m.top_via().unwrap().host(), "pc33.atlanta.example.com");
    assert_eq!(m.via_count(), 3);
    assert_eq!(
        m.from().unwrap().unwrap().display_name().unwrap(),
        "Alice, A."
    );
    assert_eq!(m.from_tag(), Some("1928301774"));
    assert_eq!(m.to_tag(), None);
    assert_eq!(m.call_id(), Some("a84b4c76e66710@pc33.atlanta.example.com"));
    let cs = m.cseq().unwrap().unwrap();
    assert_eq!((cs.seq, cs.method), (314159, Method::Invite));
    let contacts: Vec<_> = m.contacts().map(|c| c.unwrap()).collect();
    assert_eq!(contacts.len(), 2);
    assert_eq!(contacts[0].expires(), Ok(Some(60)));
    assert_eq!(contacts[0].q(), Some("0.7"));
    assert_eq!(contacts[1].addr().unwrap().uri().user(), Some("y,z"));
    assert_eq!(m.routes().count(), 2);
    assert_eq!(m.max_forwards(), Some(Ok(70)));
    assert_eq!(m.content_length(), Some(4));
    assert_eq!(m.body(), b"v=0\n");
    assert!(m.content_type().unwrap().unwrap().is("application", "sdp"));
    m.validate().unwrap();
    m.validate_strict().unwrap();
}

#[test]
fn compact_names_and_generic_lookup() {
    let m = msg(INVITE);
    assert_eq!(m.header(HeaderName::CallId), m.header_by_name("Call-ID"));
    assert_eq!(m.header_by_name("i"), m.header_by_name("call-id"));
    assert_eq!(m.header_by_name("x-custom"), Some("hello"));
    assert_eq!(m.header_by_name("X-Missing"), None);
    let names: Vec<_> = m.headers().map(|h| h.name_raw).collect();
    assert_eq!(names[1], "v");
    assert_eq!(m.headers().nth(1).unwrap().name, HeaderName::Via);
}

#[test]
fn folding() {
    let m = msg(INVITE);
    let subj = m.headers().find(|h| h.name == HeaderName::Subject).unwrap();
    assert_eq!(subj.value, "folded\r\n\tsubject");
    assert_eq!(subj.value_unfolded(), "folded subject");
    // LF-only line ends.
    let lf = INVITE.replace("\r\n", "\n");
    let m = msg(&lf);
    assert_eq!(m.call_id(), Some("a84b4c76e66710@pc33.atlanta.example.com"));
    assert_eq!(m.routes().count(), 2);
    assert_eq!(m.body(), b"v=0\n");
}

#[test]
fn comma_splitting() {
    let m = msg(INVITE);
    let c: Vec<_> = m.header_values(HeaderName::Contact).collect();
    assert_eq!(
        c,
        vec![
            "<sip:alice@pc33.atlanta.example.com>;expires=60;q=0.7",
            "\"x,y\" <sip:y,z@h;a=b>"
        ]
    );
    assert_eq!(
        m.header_values(HeaderName::Allow).collect::<Vec<_>>(),
        vec!["INVITE", "ACK", "BYE"]
    );
    assert_eq!(m.header_values(HeaderName::Authorization).count(), 1);
    assert_eq!(m.header_values(HeaderName::Date).count(), 1);
    assert_eq!(m.header_values_by_name("Route").count(), 2);
    assert_eq!(
        m.header_values_by_name("x-custom").collect::<Vec<_>>(),
        vec!["hello"]
    );
}

#[test]
fn contact_star() {
    let m = msg("REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCSeq: 1 REGISTER\r\nContact: *\r\nExpires: 0\r\nContent-Length: 0\r\n\r\n");
    assert!(m.contacts().next().unwrap().unwrap().is_star());
    assert_eq!(m.expires(), Some(Ok(0)));
    m.validate().unwrap();
}

#[test]
fn framing_rules() {
    let base =
        "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCSeq: 1 OPTIONS\r\n";
    // Content-Length smaller than the body: truncated.
    let m = msg(&format!("{base}Content-Length: 2\r\n\r\nabcdef"));
    assert_eq!(m.body(), b"ab");
    assert_eq!(
        &m.raw()[..],
        format!("{base}Content-Length: 2\r\n\r\nab").as_bytes()
    );
    // Larger: error.
    let e = parse(Bytes::from(format!("{base}Content-Length: 20\r\n\r\nabc"))).unwrap_err();
    assert_eq!(e.reason(), "Content-Length mismatch");
    // Not a number.
    assert!(parse(Bytes::from(format!("{base}Content-Length: 1x\r\n\r\nabc"))).is_err());
    // Absent: everything.
    assert_eq!(msg(&format!("{base}\r\nxyz")).body(), b"xyz");
    // Size limit.
    let e = parse_with_limit(Bytes::from(format!("{base}\r\nxyz")), 10).unwrap_err();
    assert_eq!(e.status_code(), 513);
    // Leading CRLFs ignored.
    let m = msg(&format!("\r\n\r\n{base}\r\n"));
    assert_eq!(&m.serialize()[..], format!("{base}\r\n").as_bytes());
    // No header terminator.
    assert!(parse(Bytes::from(base)).is_err());
    assert!(parse(Bytes::from_static(b"")).is_err());
}

#[test]
fn status_lines() {
    let m =
        msg("SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCSeq: 1 INVITE\r\n\r\n");
    assert_eq!(m.status(), Some(180));
    assert_eq!(m.reason(), Some("Ringing"));
    assert!(!m.is_request());
    assert_eq!(m.method(), None);
    m.validate().unwrap();
    assert!(parse(Bytes::from_static(b"SIP/2.0 1800 X\r\n\r\n")).is_err());
    assert!(parse(Bytes::from_static(b"SIP/2.0 099 X\r\n\r\n")).is_err());
    assert!(parse(Bytes::from_static(b"SIP/2.0 800 X\r\n\r\n")).is_err());
}

#[test]
fn edit_set_ruri_and_headers() {
    let mut m = msg(INVITE);
    m.set_ruri("sip:bob@192.0.2.4:5070;transport=udp").unwrap();
    assert!(m.set_ruri("not a uri").is_err());
    m.add_header_top("Record-Route", "<sip:proxy.example.com;lr>")
        .unwrap();
    m.append_header("X-Appended", "1").unwrap();
    assert_eq!(m.remove_header(HeaderName::Subject), 1);
    assert_eq!(m.remove_header_by_name("x-custom"), 1);
    assert!(m.remove_header_at(2)); // Max-Forwards
    assert!(!m.remove_header_at(2));
    m.set_header("Max-Forwards", "69").unwrap();
    assert!(m.append_header("X-Bad", "a\r\nInjected: 1").is_err());
    assert!(m.append_header("Bad Name", "a").is_err());
    let out = m.serialize();
    let s = std::str::from_utf8(&out).unwrap();
    assert!(s.starts_with(
        "INVITE sip:bob@192.0.2.4:5070;transport=udp SIP/2.0\r\nRecord-Route: <sip:proxy.example.com;lr>\r\nVia: "
    ));
    let r = parse(out.clone()).unwrap();
    assert_eq!(r.ruri_str(), Some("sip:bob@192.0.2.4:5070;transport=udp"));
    assert_eq!(r.header(HeaderName::Subject), None);
    assert_eq!(r.header_by_name("X-Custom"), None);
    assert_eq!(r.max_forwards(), Some(Ok(69)));
    assert_eq!(r.header_by_name("x-appended"), Some("1"));
    assert_eq!(r.body(), b"v=0\n");
    // Untouched lines are byte-identical.
    assert!(s.contains("\r\nf: \"Alice, A.\" <sip:alice@atlanta.example.com>;tag=1928301774\r\n"));
    assert!(s.contains("Route: <sip:p1.example.com;lr>,\r\n <sip:p2.example.com;lr>\r\n"));
    r.validate().unwrap();
    // Getters still describe the received message; reparse sees edits.
    assert_eq!(m.ruri_str(), Some("sip:bob@biloxi.example.com"));
    assert_eq!(
        m.reparse().unwrap().ruri_str(),
        Some("sip:bob@192.0.2.4:5070;transport=udp")
    );
}

#[test]
fn edit_vias() {
    let mut m = msg(INVITE);
    m.push_via("SIP/2.0/UDP proxy.local:5060;branch=z9hG4bKnew")
        .unwrap();
    assert!(m.push_via("garbage").is_err());
    let r = m.reparse().unwrap();
    assert_eq!(r.top_via().unwrap().branch(), Some("z9hG4bKnew"));
    assert_eq!(r.via_count(), 4);
    // push then pop gives the original back.
    assert!(m.remove_top_via());
    let r = m.reparse().unwrap();
    assert_eq!(r.via_count(), 3);
    assert_eq!(r.top_via().unwrap().branch(), Some("z9hG4bK776asdhds"));
    // The first Via line holds two values: only the first is removed.
    assert!(m.remove_top_via());
    let r = m.reparse().unwrap();
    let b: Vec<_> = r
        .vias()
        .map(|v| v.unwrap().branch().unwrap().to_string())
        .collect();
    assert_eq!(b, vec!["z9hG4bKp1", "z9hG4bKx"]);
    assert!(m.remove_top_via());
    assert!(m.remove_top_via());
    assert!(!m.remove_top_via());
    assert_eq!(m.reparse().unwrap().via_count(), 0);
}

#[test]
fn edit_body_fixes_content_length() {
    let mut m = msg(INVITE);
    m.set_body(Bytes::from_static(b"hello world"), Some("text/plain"))
        .unwrap();
    let r = m.reparse().unwrap();
    assert_eq!(r.body(), b"hello world");
    assert_eq!(r.content_length(), Some(11));
    assert_eq!(r.header(HeaderName::ContentType), Some("text/plain"));
    m.set_body(Bytes::new(), None).unwrap();
    let r = m.reparse().unwrap();
    assert_eq!(r.body(), b"");
    assert_eq!(r.content_length(), Some(0));
    assert_eq!(r.header(HeaderName::ContentType), None);
    // A message without Content-Length gets one when edited.
    let mut m = msg("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCSeq: 1 OPTIONS\r\n\r\nabc");
    m.set_header("Max-Forwards", "70").unwrap();
    let r = m.reparse().unwrap();
    assert_eq!(r.content_length(), Some(3));
    assert_eq!(r.body(), b"abc");
}

#[test]
fn unedited_serialize_is_same_bytes() {
    let raw = Bytes::copy_from_slice(INVITE.as_bytes());
    let m = parse(raw.clone()).unwrap();
    let out = m.serialize();
    assert_eq!(out, raw);
    assert_eq!(out.as_ptr(), raw.as_ptr());
}

#[test]
fn reply_from_parsed_request() {
    let m = msg(INVITE);
    let opts = ReplyOptions {
        to_tag: Some("abc".into()),
        extra_headers: vec![("Warning".into(), "399 sb \"x\"".into())],
        server_header: Some("switchboard".into()),
        ..ReplyOptions::default()
    };
    let r = build_reply(&m, 486, "Busy Here", &opts);
    let p = parse(r.clone()).unwrap();
    assert_eq!(p.status(), Some(486));
    assert_eq!(p.reason(), Some("Busy Here"));
    let vias: Vec<_> = p
        .vias()
        .map(|v| v.unwrap().branch().unwrap().to_string())
        .collect();
    assert_eq!(vias, vec!["z9hG4bK776asdhds", "z9hG4bKp1", "z9hG4bKx"]);
    assert_eq!(p.to_tag(), Some("abc"));
    assert_eq!(p.from_tag(), Some("1928301774"));
    assert_eq!(p.call_id(), m.call_id());
    assert_eq!(p.header(HeaderName::CSeq), Some("314159 INVITE"));
    assert_eq!(p.header(HeaderName::Server), Some("switchboard"));
    assert_eq!(p.header(HeaderName::Warning), Some("399 sb \"x\""));
    assert_eq!(p.content_length(), Some(0));
    p.validate().unwrap();
    // 100 Trying: no To tag.
    let p = parse(build_reply(&m, 100, "Trying", &ReplyOptions::default())).unwrap();
    assert_eq!(p.to_tag(), None);
    // Derived tags are stable across retransmissions.
    let a = parse(build_reply(&m, 404, "Not Found", &ReplyOptions::default())).unwrap();
    let b = parse(build_reply(&m, 404, "Not Found", &ReplyOptions::default())).unwrap();
    assert!(a.to_tag().is_some());
    assert_eq!(a.to_tag(), b.to_tag());
    // Existing To tag is kept.
    let m2 = msg(&INVITE.replace(
        "t: Bob <sip:bob@biloxi.example.com>",
        "t: Bob <sip:bob@biloxi.example.com>;tag=zz",
    ));
    let p = parse(build_reply(&m2, 481, "Gone", &opts)).unwrap();
    assert_eq!(p.to_tag(), Some("zz"));
}

#[test]
fn reply_stamps_received_and_rport() {
    let m = msg("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;rport;branch=z9hG4bK1, SIP/2.0/UDP p;branch=z9hG4bK2\r\nCSeq: 1 OPTIONS\r\n\r\n");
    let src: std::net::SocketAddr = "192.0.2.1:9988".parse().unwrap();
    let opts = ReplyOptions {
        received: Some(src),
        ..Default::default()
    };
    let p = parse(build_reply(&m, 200, "OK", &opts)).unwrap();
    let top = p.top_via().unwrap();
    assert_eq!(top.rport(), Some(9988));
    assert_eq!(top.received(), Some("192.0.2.1"));
    assert_eq!(top.branch(), Some("z9hG4bK1"));
    assert_eq!(p.via_count(), 2);
}

#[test]
fn forced_rport_is_stamped_on_a_via_without_one() {
    let m = msg("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r\nCSeq: 1 OPTIONS\r\n\r\n");
    let src: std::net::SocketAddr = "192.0.2.1:9988".parse().unwrap();
    // same address, no rport: left as it is
    let opts = ReplyOptions { received: Some(src), ..Default::default() };
    let top = parse(build_reply(&m, 200, "OK", &opts)).unwrap().header(HeaderName::Via).unwrap().to_string();
    assert!(!top.contains("rport") && !top.contains("received"), "{top}");
    // force_rport(): rport= and received, even for the same address (RFC 3581)
    let opts = ReplyOptions { received: Some(src), force_rport: true, ..Default::default() };
    let p = parse(build_reply(&m, 200, "OK", &opts)).unwrap();
    let top = p.top_via().unwrap();
    assert_eq!(top.rport(), Some(9988));
    assert_eq!(top.received(), Some("192.0.2.1"));
    assert_eq!(top.branch(), Some("z9hG4bK1"));
}

#[test]
fn reply_from_broken_request() {
    let raw = b"INVITE  sip:user@example.com  SIP/2.0\r\nMax-Forwards: 8\r\nTo: sip:user@example.com\r\nFrom: sip:caller@example.net;tag=8814\r\nCall-ID: lwsstart.dfknq\r\nCSeq: 1893884 INVITE\r\nv: SIP/2.0/UDP host1.example.com;branch=z9hG4bKkdjuw3923\r\n\r\n";
    assert!(parse(Bytes::from_static(raw)).is_err());
    let (reply, via) = build_reply_from_raw(
        raw,
        400,
        "Bad Request - Malformed Request-Line",
        &ReplyOptions::default(),
    )
    .unwrap();
    assert_eq!(via.branch(), Some("z9hG4bKkdjuw3923"));
    let p = parse(reply).unwrap();
    assert_eq!(p.status(), Some(400));
    assert_eq!(p.reason(), Some("Bad Request - Malformed Request-Line"));
    assert_eq!(p.call_id(), Some("lwsstart.dfknq"));
    assert_eq!(p.from_tag(), Some("8814"));
    assert!(p.to_tag().is_some());
    assert_eq!(p.header(HeaderName::CSeq), Some("1893884 INVITE"));
    // Responses and Via-less requests: nothing to answer.
    assert!(build_reply_from_raw(
        b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h\r\n\r\n",
        400,
        "x",
        &ReplyOptions::default()
    )
    .is_none());
    assert!(build_reply_from_raw(
        b"INVITE sip:a@b SIP/2.0\r\nTo: x\r\n\r\n",
        400,
        "x",
        &ReplyOptions::default()
    )
    .is_none());
    assert!(build_reply_from_raw(
        b"INVITE sip:a@b SIP/2.0\r\nVia: junk\r\n\r\n",
        400,
        "x",
        &ReplyOptions::default()
    )
    .is_none());
    assert!(build_reply_from_raw(b"", 400, "x", &ReplyOptions::default()).is_none());
}

#[test]
fn message_is_send() {
    fn assert_send<T: Send>() {}
    assert_send::<SipMessage>();
    assert_send::<ParseError>();
}

#[test]
fn trailing_whitespace_on_request_line_is_accepted() {
    // RFC 4475 trws: either choice is allowed; we accept (it is harmless).
    let m = msg("OPTIONS sip:a@b SIP/2.0  \r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nCSeq: 1 OPTIONS\r\n\r\n");
    assert_eq!(m.version(), "SIP/2.0");
    m.validate().unwrap();
}

#[test]
fn a_replys_addresses_are_passed_on_unchecked() {
    let heads = "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n\
        From: <sip:alice@[bad>;tag=1\r\n\
        To: sip:bob@example.com>>;tag=2\r\n\
        Call-ID: c1\r\n\
        CSeq: 1 INVITE\r\n\
        Contact: <sip:bob@[::1>\r\n\
        Record-Route: <bogus\r\n\
        Content-Length: 0\r\n\r\n";
    let reply = msg(&format!("SIP/2.0 200 OK\r\n{heads}"));
    reply.validate().expect("a reply is matched by Via and CSeq; its addresses are forwarded as they are");
    assert!(reply.is_validated());
    assert_eq!(reply.to_tag(), Some("2"));
    assert!(matches!(reply.from(), Some(Err(_))), "asked for, the bad From is still an error");
    let request = msg(&format!("INVITE sip:bob@example.com SIP/2.0\r\n{heads}"));
    assert!(request.validate().is_err(), "a request's addresses are checked");
    // each bad address alone makes a request invalid, and a reply valid
    for bad in ["From: <sip:alice@[bad>;tag=1", "To: sip:bob@example.com>>;tag=2", "Contact: <sip:bob@[::1>", "Record-Route: <bogus"] {
        let good = "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\nFrom: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\n";
        let one = format!("{good}{bad}\r\nContent-Length: 0\r\n\r\n");
        assert!(msg(&format!("INVITE sip:bob@example.com SIP/2.0\r\n{one}")).validate().is_err(), "{bad}");
        msg(&format!("SIP/2.0 180 Ringing\r\n{one}")).validate().unwrap();
    }
}
