use crate::exports::{Arg, Ret};
use crate::modules::testutil::{call, native, with_ctx, INVITE};

fn wire(ctx: &crate::route::RouteCtx<'_>) -> String {
    String::from_utf8_lossy(&ctx.msg.serialize()).into_owned()
}

#[test]
fn header_text_parsing() {
    use super::parse_header_text as p;
    assert_eq!(p("X-A: 1\r\n"), Some(vec![("X-A".into(), "1".into())]));
    assert_eq!(p("X-A: 1"), Some(vec![("X-A".into(), "1".into())]));
    assert_eq!(p("X-A: 1\r\nX-B: 2\r\n").unwrap().len(), 2);
    assert_eq!(p("X-A: 1\r\n  cont\r\n"), Some(vec![("X-A".into(), "1 cont".into())]));
    assert_eq!(p("no colon"), None);
    assert_eq!(p(""), None);
}

#[test]
fn append_insert_with_and_without_crlf() {
    with_ctx(INVITE, |ctx| {
        assert_eq!(native(ctx, "append_hf", &[Arg::Str("X-App: 1\r\n")]), Ret::Int(1));
        assert_eq!(native(ctx, "append_hf", &[Arg::Str("X-App2: 2")]), Ret::Int(1));
        assert_eq!(native(ctx, "insert_hf", &[Arg::Str("X-Top: t\r\n")]), Ret::Int(1));
        assert_eq!(native(ctx, "append_hf", &[Arg::Str("X-After-CallID: c\r\n"), Arg::Str("Call-ID")]), Ret::Int(1));
        assert_eq!(native(ctx, "insert_hf", &[Arg::Str("X-Before-CSeq: s\r\n"), Arg::Str("CSeq")]), Ret::Int(1));
        // anchor by compact name: "f" is From
        assert_eq!(native(ctx, "insert_hf", &[Arg::Str("X-Before-From: f\r\n"), Arg::Str("From")]), Ret::Int(1));
        assert_eq!(native(ctx, "append_hf", &[Arg::Str("X-N: n\r\n"), Arg::Str("X-Nope")]), Ret::Int(-1));
        assert_eq!(native(ctx, "append_hf", &[Arg::Str("garbage")]), Ret::Int(-1));
        let w = wire(ctx);
        assert!(w.starts_with("INVITE sip:bob@example.com:5070;transport=udp SIP/2.0\r\nX-Top: t\r\nVia:"), "{w}");
        assert!(w.contains("Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\nX-After-CallID: c\r\nX-Before-CSeq: s\r\nCSeq: 314159 INVITE\r\n"), "{w}");
        assert!(w.contains("X-Before-From: f\r\nf: Alice"), "{w}");
        assert!(w.contains("X-App: 1\r\nX-App2: 2\r\n"), "{w}");
        assert!(w.ends_with("\r\n\r\nv=0\r\n"), "{w}");
        // As in Kamailio, added headers are not seen by the header tests.
        assert_eq!(native(ctx, "is_present_hf", &[Arg::Str("X-App")]), Ret::Int(-1));
    });
}

#[test]
fn remove_and_present_incl_compact_and_multi() {
    with_ctx(INVITE, |ctx| {
        assert_eq!(native(ctx, "is_present_hf", &[Arg::Str("From")]), Ret::Int(1));
        assert_eq!(native(ctx, "is_present_hf", &[Arg::Str("f")]), Ret::Int(1));
        assert_eq!(native(ctx, "is_present_hf", &[Arg::Str("x-FOO")]), Ret::Int(1));
        assert_eq!(native(ctx, "is_present_hf", &[Arg::Str("Route")]), Ret::Int(-1));
        assert_eq!(native(ctx, "remove_hf", &[Arg::Str("X-Foo")]), Ret::Int(2));
        assert_eq!(native(ctx, "remove_hf", &[Arg::Str("X-Foo")]), Ret::Int(-1));
        assert_eq!(native(ctx, "remove_hf", &[Arg::Str("v")]), Ret::Int(2));
        assert_eq!(native(ctx, "remove_hf", &[Arg::Str("Route")]), Ret::Int(-1));
        let w = wire(ctx);
        assert!(!w.to_ascii_lowercase().contains("x-foo") && !w.contains("Via:"), "{w}");
        // received headers are still what getters show
        assert_eq!(native(ctx, "is_present_hf", &[Arg::Str("X-Foo")]), Ret::Int(1));
        // remove_hf does not remove headers the script added
        native(ctx, "append_hf", &[Arg::Str("X-New: 1\r\n")]);
        assert_eq!(native(ctx, "remove_hf", &[Arg::Str("X-New")]), Ret::Int(-1));
        assert!(wire(ctx).contains("X-New: 1\r\n"));
    });
}

#[test]
fn kemi_hdr_group() {
    with_ctx(INVITE, |ctx| {
        assert_eq!(call(ctx, "hdr", "get", &[Arg::Str("f")]), Ret::Str("Alice <sip:alice@atlanta.example.com>;tag=1928301774".into()));
        assert_eq!(call(ctx, "hdr", "get", &[Arg::Str("X-Foo")]), Ret::Str("one".into()));
        assert_eq!(call(ctx, "hdr", "get", &[Arg::Str("X-None")]), Ret::Null);
        assert_eq!(call(ctx, "hdr", "is_present", &[Arg::Str("User-Agent")]), Ret::Int(1));
        assert_eq!(call(ctx, "hdr", "append", &[Arg::Str("X-K: 1\r\n")]), Ret::Int(1));
        assert_eq!(call(ctx, "hdr", "insert", &[Arg::Str("X-I: 1\r\n")]), Ret::Int(1));
        assert_eq!(call(ctx, "hdr", "remove", &[Arg::Str("User-Agent")]), Ret::Int(1));
        assert_eq!(call(ctx, "hdr", "append_after", &[Arg::Str("X-AA: 1\r\n"), Arg::Str("CSeq")]), Ret::Int(1));
        assert_eq!(call(ctx, "hdr", "insert_before", &[Arg::Str("X-IB: 1\r\n"), Arg::Str("CSeq")]), Ret::Int(1));
        assert_eq!(call(ctx, "hdr", "rmappend", &[Arg::Str("Contact"), Arg::Str("Contact: <sip:new@h>\r\n")]), Ret::Int(1));
        let w = wire(ctx);
        assert!(w.contains("X-K: 1\r\n") && w.contains("\r\nX-I: 1\r\nVia:") && !w.contains("User-Agent"), "{w}");
        assert!(w.contains("X-IB: 1\r\nCSeq: 314159 INVITE\r\nX-AA: 1\r\n"), "{w}");
        assert!(w.contains("Contact: <sip:new@h>\r\n") && !w.contains("alice@192.0.2.7"), "{w}");
    });
}

#[test]
fn search_and_subst() {
    with_ctx(INVITE, |ctx| {
        assert_eq!(native(ctx, "search", &[Arg::Str("^CSeq: [0-9]+ INVITE")]), Ret::Int(-1)); // no multi-line mode
        assert_eq!(native(ctx, "search", &[Arg::Str("(?m)^CSeq: [0-9]+ INVITE")]), Ret::Int(1));
        assert_eq!(native(ctx, "search", &[Arg::Str("TestUA")]), Ret::Int(1));
        assert_eq!(native(ctx, "search", &[Arg::Str("nothere")]), Ret::Int(-1));
        assert_eq!(native(ctx, "search", &[Arg::Str("(")]), Ret::Int(-1));
        assert_eq!(native(ctx, "search_body", &[Arg::Str("v=0")]), Ret::Int(1));
        assert_eq!(native(ctx, "search_body", &[Arg::Str("TestUA")]), Ret::Int(-1));
        assert_eq!(native(ctx, "has_body", &[]), Ret::Int(1));
        assert_eq!(native(ctx, "has_body", &[Arg::Str("application/sdp")]), Ret::Int(1));
        assert_eq!(native(ctx, "has_body", &[Arg::Str("text/plain")]), Ret::Int(-1));
        assert_eq!(native(ctx, "subst_uri", &[Arg::Str("/^sip:bob@([^:;]+).*$/sip:robert@\\1/")]), Ret::Int(1));
        assert_eq!(ctx.ruri(), "sip:robert@example.com");
        assert_eq!(native(ctx, "subst_user", &[Arg::Str("/ROB/bob/i")]), Ret::Int(1));
        assert_eq!(ctx.ruri(), "sip:bobert@example.com");
        assert_eq!(native(ctx, "subst_user", &[Arg::Str("/zzz/y/")]), Ret::Int(-1));
        assert_eq!(native(ctx, "subst_user", &[Arg::Str("/b/B/g")]), Ret::Int(1));
        assert_eq!(ctx.ruri(), "sip:BoBert@example.com");
    });
}

#[test]
fn subst_on_header_lines() {
    with_ctx(INVITE, |ctx| {
        // first match only (X-Foo: one), case-sensitive: x-foo untouched
        assert_eq!(native(ctx, "subst", &[Arg::Str("/^X-Foo: (.*)$/X-Foo: <\\1>/")]), Ret::Int(1));
        let w = wire(ctx);
        assert!(w.contains("X-Foo: <one>\r\nx-foo: two\r\n"), "{w}");
        // i: both spellings match; g: every line
        assert_eq!(native(ctx, "subst", &[Arg::Str("/^x-foo: ([a-z<>]+)/X-Bar: \\1!/gi")]), Ret::Int(1));
        let w = wire(ctx);
        assert!(w.contains("X-Bar: <one>!\r\nX-Bar: two!\r\n") && !w.to_ascii_lowercase().contains("x-foo"), "{w}");
        // without g only the first match in the line
        assert_eq!(native(ctx, "subst", &[Arg::Str("/ob/0b/")]), Ret::Int(1));
        assert!(wire(ctx).contains("To: \"B0b B\" <sip:bob@example.com>\r\n"), "{}", wire(ctx));
        // the R-URI and the body are not part of it
        assert_eq!(native(ctx, "subst", &[Arg::Str("/bob@example.com:5070/x@y/")]), Ret::Int(-1));
        assert_eq!(native(ctx, "subst", &[Arg::Str("/v=0/v=1/")]), Ret::Int(-1));
        assert!(wire(ctx).starts_with("INVITE sip:bob@example.com:5070;transport=udp SIP/2.0\r\n"));
        assert!(wire(ctx).ends_with("\r\n\r\nv=0\r\n"));
        // no match, bad regex, result not a header line
        assert_eq!(native(ctx, "subst", &[Arg::Str("/nothere/x/")]), Ret::Int(-1));
        assert_eq!(native(ctx, "subst", &[Arg::Str("/(/x/")]), Ret::Int(-1));
        assert_eq!(native(ctx, "subst", &[Arg::Str("/^User-Agent: .*$/garbage/")]), Ret::Int(-1));
        assert!(wire(ctx).contains("User-Agent: TestUA/1.0\r\n"));
        // an empty result removes the line; `$` is literal
        assert_eq!(native(ctx, "subst", &[Arg::Str("/^User-Agent: .*$//")]), Ret::Int(1));
        assert!(!wire(ctx).contains("User-Agent"), "{}", wire(ctx));
        assert_eq!(native(ctx, "subst", &[Arg::Str("/^Contact: <(.*)>$/Contact: <\\1;x=$1>/")]), Ret::Int(1));
        assert!(wire(ctx).contains("Contact: <sip:alice@192.0.2.7:5099;x=$1>\r\n"), "{}", wire(ctx));
        // headers added by the script are lines too
        native(ctx, "append_hf", &[Arg::Str("X-New: abc\r\n")]);
        assert_eq!(call(ctx, "textops", "subst", &[Arg::Str("|X-New: (a)(b)c|X-New: \\2\\1|")]), Ret::Int(1));
        assert!(wire(ctx).contains("X-New: ba\r\n"), "{}", wire(ctx));
        // parsed getters still see the message as received
        assert_eq!(ctx.msg.header_by_name("X-Foo"), Some("one"));
    });
}

#[test]
fn edit_replace_header_at_keeps_or_renames() {
    let mut m = crate::modules::testutil::msg(INVITE);
    let pos = m.edited_headers().iter().position(|(n, _)| *n == "User-Agent").unwrap();
    assert_eq!(m.replace_header_at(pos, "User-Agent", "New/2"), Ok(true));
    assert_eq!(m.replace_header_at(pos + 1, "X-Renamed", "1"), Ok(true));
    assert_eq!(m.replace_header_at(999, "X", "1"), Ok(false));
    assert!(m.replace_header_at(pos, "User-Agent", "a\r\nInjected: 1").is_err());
    let h = m.edited_headers();
    assert_eq!(h[pos], ("User-Agent", "New/2"));
    assert_eq!(h[pos + 1], ("X-Renamed", "1"));
    assert!(m.remove_edited_header_at(pos));
    assert!(!m.remove_edited_header_at(999));
    let w = String::from_utf8_lossy(&m.serialize()).into_owned();
    assert!(!w.contains("User-Agent") && w.contains("X-Renamed: 1\r\nx-foo: two\r\n"), "{w}");
}

#[test]
fn append_to_reply_collects_headers() {
    with_ctx(INVITE, |ctx| {
        assert_eq!(native(ctx, "append_to_reply", &[Arg::Str("X-A: 1\r\nX-B: 2\r\n")]), Ret::Int(1));
        assert_eq!(call(ctx, "textops", "append_to_reply", &[Arg::Str("Retry-After: 5")]), Ret::Int(1));
        assert_eq!(native(ctx, "append_to_reply", &[Arg::Str("no colon")]), Ret::Int(-1));
        assert_eq!(
            ctx.reply_headers,
            vec![("X-A".to_string(), "1".to_string()), ("X-B".into(), "2".into()), ("Retry-After".into(), "5".into())]
        );
        // the request itself is not touched
        assert!(!wire(ctx).contains("X-A"));
    });
}
