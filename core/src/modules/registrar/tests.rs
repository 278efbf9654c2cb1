use super::*;
use crate::myself::Myself;
use crate::route::{RouteType, Shared, Vars};
use crate::transport::Protocol;
use bytes::Bytes;

fn info() -> ReceiveInfo {
    ReceiveInfo {
        proto: Protocol::Udp,
        src: "192.0.2.10:5060".parse().unwrap(),
        local: "127.0.0.1:5060".parse().unwrap(),
        conn_id: None,
    }
}

fn register(callid: &str, cseq: u32, contacts: &[&str], expires: Option<u32>) -> SipMessage {
    let mut m = format!(
        "REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK{callid}{cseq}\r\n\
         From: <sip:alice@example.com>;tag=f1\r\nTo: <sip:alice@example.com>\r\nCall-ID: {callid}\r\n\
         CSeq: {cseq} REGISTER\r\nMax-Forwards: 70\r\n"
    );
    for c in contacts {
        m.push_str(&format!("Contact: {c}\r\n"));
    }
    if let Some(e) = expires {
        m.push_str(&format!("Expires: {e}\r\n"));
    }
    m.push_str("Content-Length: 0\r\n\r\n");
    crate::sip::parse(Bytes::from(m)).unwrap()
}

fn loc(reg: RegSettings) -> LocationService {
    LocationService::new(UlSettings::default(), reg)
}

const T: i64 = 1_700_000_000;

fn save(l: &LocationService, m: &SipMessage, now: i64) -> RegReply {
    process_register(l, "location", m, &info(), 0, None, None, now)
}

fn contacts_of(r: &RegReply) -> Vec<&str> {
    r.headers.iter().filter(|(n, _)| n == "Contact").map(|(_, v)| v.as_str()).collect()
}

#[test]
fn add_refresh_and_200_lists_every_binding_with_remaining_expires() {
    let l = loc(RegSettings::default());
    let r = save(&l, &register("c1", 1, &["<sip:alice@10.0.0.1>"], Some(600)), T);
    assert_eq!(r.code, 200);
    assert_eq!(contacts_of(&r), vec!["<sip:alice@10.0.0.1>;expires=600"]);
    assert!(r.headers.iter().any(|(n, v)| n == "Date" && v.ends_with("GMT")));
    // another device
    let r = save(&l, &register("c2", 1, &["<sip:alice@10.0.0.2>;q=0.5"], None), T + 100);
    assert_eq!(r.code, 200);
    assert_eq!(
        contacts_of(&r),
        vec!["<sip:alice@10.0.0.1>;expires=500", "<sip:alice@10.0.0.2>;expires=3600;q=0.5"]
    );
    // refresh the first, then a query (no Contact) lists both
    let r = save(&l, &register("c1", 2, &["<sip:alice@10.0.0.1>"], Some(900)), T + 100);
    assert_eq!(r.code, 200);
    let r = save(&l, &register("q", 1, &[], None), T + 100);
    assert_eq!(contacts_of(&r).len(), 2);
    assert!(contacts_of(&r).contains(&"<sip:alice@10.0.0.1>;expires=900"));
}

#[test]
fn expires_precedence_param_header_default() {
    let l = loc(RegSettings::default());
    let r = save(&l, &register("c", 1, &["<sip:a@h1>;expires=120", "<sip:a@h2>"], Some(300)), T);
    assert_eq!(contacts_of(&r), vec!["<sip:a@h1>;expires=120", "<sip:a@h2>;expires=300"]);
    let r = save(&l, &register("d", 1, &["<sip:a@h3>"], None), T);
    assert!(contacts_of(&r).contains(&"<sip:a@h3>;expires=3600"));
}

#[test]
fn removal_by_zero_and_star() {
    let l = loc(RegSettings::default());
    save(&l, &register("c", 1, &["<sip:a@h1>", "<sip:a@h2>"], Some(300)), T);
    let r = save(&l, &register("c", 2, &["<sip:a@h1>;expires=0"], None), T);
    assert_eq!(contacts_of(&r), vec!["<sip:a@h2>;expires=300"]);
    // Contact * with Expires 0 removes all
    let r = save(&l, &register("c", 3, &["*"], Some(0)), T);
    assert_eq!(r.code, 200);
    assert!(contacts_of(&r).is_empty());
    assert!(l.usrloc.domain("location").lookup("alice", T).is_empty());
}

#[test]
fn star_misuse_is_400() {
    let l = loc(RegSettings::default());
    save(&l, &register("c", 1, &["<sip:a@h1>"], Some(300)), T);
    assert_eq!(save(&l, &register("c", 2, &["*"], Some(60)), T).code, 400);
    assert_eq!(save(&l, &register("c", 3, &["*"], None), T).code, 400);
    assert_eq!(save(&l, &register("c", 4, &["*", "<sip:a@h2>"], Some(0)), T).code, 400);
    assert_eq!(l.usrloc.domain("location").lookup("alice", T).len(), 1, "nothing changed");
}

#[test]
fn cseq_ordering() {
    let l = loc(RegSettings::default());
    save(&l, &register("c", 5, &["<sip:a@h1>"], Some(300)), T);
    // older CSeq, same Call-ID: rejected, not updated
    let r = save(&l, &register("c", 4, &["<sip:a@h1>"], Some(900)), T);
    assert_eq!((r.code, r.reason), (400, "Invalid CSeq number"));
    // ... also when another contact of the same REGISTER is fine: nothing
    // of it is applied
    let r = save(&l, &register("c", 4, &["<sip:new@h9>", "<sip:a@h1>"], Some(900)), T);
    assert_eq!((r.code, r.reason), (400, "Invalid CSeq number"));
    assert_eq!(l.usrloc.domain("location").lookup("alice", T).len(), 1, "nothing changed");
    // same CSeq: a retransmission, 200 but not updated
    let r = save(&l, &register("c", 5, &["<sip:a@h1>"], Some(900)), T);
    assert_eq!(r.code, 200);
    assert_eq!(contacts_of(&r), vec!["<sip:a@h1>;expires=300"]);
    // other Call-ID with a lower CSeq: fine (another client)
    let r = save(&l, &register("other", 1, &["<sip:a@h1>"], Some(900)), T);
    assert_eq!(contacts_of(&r), vec!["<sip:a@h1>;expires=900"]);
}

#[test]
fn min_expires_423_but_zero_is_removal() {
    let l = loc(RegSettings { min_expires: 60, ..Default::default() });
    let r = save(&l, &register("c", 1, &["<sip:a@h1>"], Some(30)), T);
    assert_eq!((r.code, r.reason), (423, "Interval Too Brief"));
    assert_eq!(r.headers, vec![("Min-Expires".to_string(), "60".to_string())]);
    assert!(l.usrloc.domain("location").lookup("alice", T).is_empty());
    save(&l, &register("c", 2, &["<sip:a@h1>"], Some(60)), T);
    let r = save(&l, &register("c", 3, &["<sip:a@h1>"], Some(0)), T);
    assert_eq!(r.code, 200);
    assert!(contacts_of(&r).is_empty());
}

#[test]
fn max_expires_caps() {
    let l = loc(RegSettings { max_expires: 1800, ..Default::default() });
    let r = save(&l, &register("c", 1, &["<sip:a@h1>"], Some(7200)), T);
    assert_eq!(contacts_of(&r), vec!["<sip:a@h1>;expires=1800"]);
}

#[test]
fn max_contacts_503() {
    let l = loc(RegSettings { max_contacts: 2, ..Default::default() });
    assert_eq!(save(&l, &register("c", 1, &["<sip:a@h1>", "<sip:a@h2>"], None), T).code, 200);
    let r = save(&l, &register("d", 1, &["<sip:a@h3>"], None), T);
    assert_eq!((r.code, r.reason), (503, "Too Many Registered Contacts"));
    assert_eq!(l.usrloc.domain("location").lookup("alice", T).len(), 2);
    // refreshing an existing one is fine
    assert_eq!(save(&l, &register("c", 2, &["<sip:a@h1>"], None), T).code, 200);
}

#[test]
fn domains_restriction_403() {
    let l = loc(RegSettings { domains: vec!["example.org".into()], ..Default::default() });
    assert_eq!(save(&l, &register("c", 1, &["<sip:a@h1>"], None), T).code, 403);
    let l = loc(RegSettings { domains: vec!["example.org".into(), "example.com".into()], ..Default::default() });
    assert_eq!(save(&l, &register("c", 1, &["<sip:a@h1>"], None), T).code, 200);
}

#[test]
fn single_contact_flag_and_uri_override() {
    let l = loc(RegSettings::default());
    save(&l, &register("c", 1, &["<sip:a@h1>", "<sip:a@h2>"], None), T);
    let r = process_register(&l, "location", &register("c", 2, &["<sip:a@h3>"], None), &info(), 0x04, None, None, T);
    assert_eq!(contacts_of(&r), vec!["<sip:a@h3>;expires=3600"]);
    let r = process_register(&l, "location", &register("c", 3, &["<sip:x@h9>"], None), &info(), 0, Some("sip:bob@example.com"), None, T);
    assert_eq!(r.code, 200);
    assert_eq!(l.usrloc.domain("location").lookup("bob", T).len(), 1);
}

#[test]
fn expired_bindings_not_listed() {
    let l = loc(RegSettings { min_expires: 1, ..Default::default() });
    save(&l, &register("c", 1, &["<sip:a@h1>"], Some(10)), T);
    let r = save(&l, &register("q", 1, &[], None), T + 11);
    assert!(contacts_of(&r).is_empty());
}

#[test]
fn date_format() {
    assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    assert_eq!(http_date(1_289_690_940), "Sat, 13 Nov 2010 23:29:00 GMT");
    assert_eq!(http_date(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
}

// ---- lookup / registered / unregister through the exports ----

fn shared(reg: RegSettings) -> Shared {
    let mut s = Shared::bare(Myself::default());
    s.location = loc(reg);
    s
}

fn invite(ruri: &str, method: &str) -> SipMessage {
    let m = format!(
        "{method} {ruri} SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bKinv\r\n\
         From: <sip:bob@example.com>;tag=b1\r\nTo: <{ruri}>\r\nCall-ID: inv1\r\n\
         CSeq: 1 {method}\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
    );
    crate::sip::parse(Bytes::from(m)).unwrap()
}

fn call(name: &str, arity: usize, ctx: &mut RouteCtx<'_>, args: &[Arg<'_>]) -> i64 {
    let e = EXPORTS.iter().find(|e| e.name == name && e.params.len() == arity).unwrap();
    (e.func)(ctx, args).code()
}

fn put(d: &crate::usrloc::Domain, aor: &str, contact: &str, q: i32, modified: i64) -> Binding {
    let b = Binding {
        ruid: format!("r-{contact}"),
        username: aor.into(),
        contact: contact.into(),
        expires: usrloc::now() + 3600,
        q,
        last_modified: modified,
        ..Default::default()
    };
    d.save(aor, b.clone());
    b
}

#[test]
fn lookup_best_q_then_most_recent_and_branches() {
    let sh = shared(RegSettings::default());
    let d = sh.location.usrloc.domain("location");
    put(&d, "alice", "sip:a@low", 100, 50);
    put(&d, "alice", "sip:a@old", 900, 10);
    put(&d, "alice", "sip:a@new", 900, 20);
    let mut vars = Vars::new();
    let mut ctx = RouteCtx::new(&sh, RouteType::Request, invite("sip:alice@example.com", "INVITE"), info(), &mut vars);
    assert_eq!(call("lookup", 1, &mut ctx, &[Arg::Str("location")]), 1);
    assert_eq!(ctx.new_ruri.as_deref(), Some("sip:a@new"));
    let br: Vec<&str> = ctx.branches.iter().map(|b| b.uri.as_str()).collect();
    assert_eq!(br, vec!["sip:a@old", "sip:a@low"]);
    assert_eq!(ctx.branches[1].q, Some(100));
    assert!(ctx.dst_uri.is_none());

    let mut vars = Vars::new();
    let mut ctx = RouteCtx::new(&sh, RouteType::Request, invite("sip:nobody@example.com", "INVITE"), info(), &mut vars);
    assert_eq!(call("lookup", 1, &mut ctx, &[Arg::Str("location")]), -1);
    assert_eq!(call("lookup", 1, &mut ctx, &[Arg::Str("no_such_table")]), -1);
    assert_eq!(call("lookup_uri", 2, &mut ctx, &[Arg::Str("location"), Arg::Str("sip:alice@example.com")]), 1);
    assert_eq!(ctx.new_ruri.as_deref(), Some("sip:a@new"));
}

#[test]
fn lookup_without_append_branches_and_nat_dst() {
    let sh = shared(RegSettings { append_branches: false, ..Default::default() });
    let d = sh.location.usrloc.domain("location");
    let mut b = put(&d, "alice", "sip:a@10.0.0.1:5060", 500, 10);
    b.received = Some("sip:203.0.113.5:40000".into());
    d.save("alice", b);
    put(&d, "alice", "sip:a@other", 100, 10);
    let mut vars = Vars::new();
    let mut ctx = RouteCtx::new(&sh, RouteType::Request, invite("sip:alice@example.com", "INVITE"), info(), &mut vars);
    assert_eq!(call("lookup", 1, &mut ctx, &[Arg::Str("location")]), 1);
    assert_eq!(ctx.new_ruri.as_deref(), Some("sip:a@10.0.0.1:5060"));
    assert_eq!(ctx.dst_uri.as_deref(), Some("sip:203.0.113.5:40000"));
    assert!(ctx.branches.is_empty());
}

#[test]
fn lookup_method_filtering_minus_2() {
    let sh = shared(RegSettings { method_filtering: true, ..Default::default() });
    let d = sh.location.usrloc.domain("location");
    let mut b = put(&d, "alice", "sip:a@h", 500, 10);
    b.methods = Some(usrloc::methods_mask("INVITE,ACK,BYE"));
    d.save("alice", b);
    let mut vars = Vars::new();
    let mut ctx = RouteCtx::new(&sh, RouteType::Request, invite("sip:alice@example.com", "MESSAGE"), info(), &mut vars);
    assert_eq!(call("lookup", 1, &mut ctx, &[Arg::Str("location")]), -2);
    let mut vars = Vars::new();
    let mut ctx = RouteCtx::new(&sh, RouteType::Request, invite("sip:alice@example.com", "INVITE"), info(), &mut vars);
    assert_eq!(call("lookup", 1, &mut ctx, &[Arg::Str("location")]), 1);
}

#[test]
fn save_export_registered_unregister() {
    let sh = shared(RegSettings::default());
    let mut vars = Vars::new();
    let msg = register("c", 1, &["<sip:alice@10.0.0.1>", "<sip:alice@10.0.0.2>"], Some(300));
    let mut ctx = RouteCtx::new(&sh, RouteType::Request, msg, info(), &mut vars);
    assert_eq!(call("save", 2, &mut ctx, &[Arg::Str("location"), Arg::Int(0)]), 1);
    assert_eq!(ctx.last_reply_status, Some(200));
    assert_eq!(call("registered", 1, &mut ctx, &[Arg::Str("location")]), -1, "R-URI sip:example.com has no user");
    let a = [Arg::Str("location"), Arg::Str("sip:alice@example.com")];
    assert_eq!(call("registered_uri", 2, &mut ctx, &a), 1);
    let ruid = sh.location.usrloc.domain("location").lookup("alice", usrloc::now())[0].ruid.clone();
    assert_eq!(call("unregister_ruid", 3, &mut ctx, &[a[0], a[1], Arg::Str(&ruid)]), 1);
    assert_eq!(sh.location.usrloc.domain("location").lookup("alice", usrloc::now()).len(), 1);
    assert_eq!(call("unregister", 2, &mut ctx, &a), 1);
    assert_eq!(call("unregister", 2, &mut ctx, &a), -1);
    assert_eq!(call("registered_uri", 2, &mut ctx, &a), -1);
    // 423 through the export: -1 and the status recorded
    let msg = register("c", 2, &["<sip:alice@10.0.0.1>"], Some(5));
    let mut vars = Vars::new();
    let mut ctx = RouteCtx::new(&sh, RouteType::Request, msg, info(), &mut vars);
    assert_eq!(call("save_table", 1, &mut ctx, &[Arg::Str("location")]), -1);
    assert_eq!(ctx.last_reply_status, Some(423));
    // flag 0x02: no reply
    let msg = register("c", 3, &["<sip:alice@10.0.0.1>"], Some(500));
    let mut vars = Vars::new();
    let mut ctx = RouteCtx::new(&sh, RouteType::Request, msg, info(), &mut vars);
    assert_eq!(call("save", 2, &mut ctx, &[Arg::Str("location"), Arg::Int(2)]), 1);
    assert_eq!(ctx.last_reply_status, None);
}

#[test]
fn received_avp_is_stored() {
    let sh = shared(RegSettings { received_avp: Some("RECEIVED".into()), ..Default::default() });
    let mut vars = Vars::new();
    let msg = register("c", 1, &["<sip:alice@10.0.0.1>"], Some(300));
    let mut ctx = RouteCtx::new(&sh, RouteType::Request, msg, info(), &mut vars);
    ctx.avps.push("RECEIVED", crate::route::Value::Str("sip:192.0.2.10:5060".into()));
    assert_eq!(call("save", 2, &mut ctx, &[Arg::Str("location"), Arg::Int(0)]), 1);
    let b = &sh.location.usrloc.domain("location").lookup("alice", usrloc::now())[0];
    assert_eq!(b.received.as_deref(), Some("sip:192.0.2.10:5060"));
    assert_eq!(b.socket.as_deref(), Some("udp:127.0.0.1:5060"));
}
