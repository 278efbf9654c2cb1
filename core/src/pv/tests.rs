use super::*;
use crate::modules::testutil::{info, msg, shared, with_ctx, INVITE};
use crate::route::{RouteType, Vars};

fn g(ctx: &RouteCtx<'_>, name: &str) -> Value {
    Pv::parse(name).unwrap_or_else(|e| panic!("{name}: {e}")).get(ctx)
}
fn st(ctx: &mut RouteCtx<'_>, name: &str, v: Value) -> Result<(), String> {
    Pv::parse(name).unwrap().set(ctx, v)
}
fn sv(x: &str) -> Value {
    Value::Str(x.into())
}

#[test]
fn parse_forms() {
    assert_eq!(Pv::parse("$ru").unwrap().kind, Kind::Ru);
    assert_eq!(Pv::parse("$hdr(From)").unwrap().kind, Kind::Hdr("From".into()));
    let p = Pv::parse("$(avp(x)[*])").unwrap();
    assert_eq!((p.kind, p.index), (Kind::Avp("x".into()), Index::All));
    let p = Pv::parse("$(hdr(Via)[1])").unwrap();
    assert_eq!((p.kind, p.index), (Kind::Hdr("Via".into()), Index::At(1)));
    assert_eq!(Pv::parse("$(hdr(Via)[-1])").unwrap().index, Index::At(-1));
    assert_eq!(Pv::parse("$avp(s:x)").unwrap().kind, Kind::Avp("x".into()));
    assert_eq!(Pv::parse("$avp(i:3)").unwrap().kind, Kind::Avp("i:3".into()));
    assert_eq!(Pv::parse("$var(x)").unwrap().kind, Kind::Var("x".into(), VarSlot::of("x")));
    assert_eq!(Pv::parse("$TV(sn)").unwrap().kind, Kind::Tv(Tv::SecN));
    assert_eq!(Pv::parse("$retcode").unwrap().kind, Kind::Rc);
    assert_eq!(Pv::parse("$proto").unwrap().kind, Kind::Pr);
    for bad in ["ru", "$", "$nope", "$hdr", "$hdr()", "$(hdr(Via)[x])", "$(ru{s.len})", "$ru x", "$TV(q)", "$ru(x)"] {
        assert!(Pv::parse(bad).is_err(), "{bad} should not parse");
    }
}

#[test]
fn request_line_and_uri_pvs() {
    with_ctx(INVITE, |ctx| {
        assert_eq!(g(ctx, "$ru"), sv("sip:bob@example.com:5070;transport=udp"));
        assert_eq!(g(ctx, "$rU"), sv("bob"));
        assert_eq!(g(ctx, "$rd"), sv("example.com"));
        assert_eq!(g(ctx, "$rp"), Value::Int(5070));
        assert_eq!(g(ctx, "$rz"), sv("sip"));
        assert_eq!(g(ctx, "$rv"), sv("SIP/2.0"));
        assert_eq!(g(ctx, "$rm"), sv("INVITE"));
        assert_eq!(g(ctx, "$rs"), Value::Null);
        assert_eq!(g(ctx, "$rr"), Value::Null);
        assert_eq!(g(ctx, "$du"), Value::Null);
        assert_eq!(g(ctx, "$fu"), sv("sip:alice@atlanta.example.com"));
        assert_eq!(g(ctx, "$fU"), sv("alice"));
        assert_eq!(g(ctx, "$fd"), sv("atlanta.example.com"));
        assert_eq!(g(ctx, "$fn"), sv("Alice"));
        assert_eq!(g(ctx, "$ft"), sv("1928301774"));
        assert_eq!(g(ctx, "$tu"), sv("sip:bob@example.com"));
        assert_eq!(g(ctx, "$tU"), sv("bob"));
        assert_eq!(g(ctx, "$td"), sv("example.com"));
        assert_eq!(g(ctx, "$tn"), sv("\"Bob B\""));
        assert_eq!(g(ctx, "$tt"), Value::Null);
        assert_eq!(g(ctx, "$ci"), sv("a84b4c76e66710@pc33.atlanta.example.com"));
        assert_eq!(g(ctx, "$cs"), Value::Int(314159));
        assert_eq!(g(ctx, "$cl"), Value::Int(5));
        assert_eq!(g(ctx, "$ct"), sv("<sip:alice@192.0.2.7:5099>"));
        assert_eq!(g(ctx, "$cT"), sv("application/sdp"));
        assert_eq!(g(ctx, "$si"), sv("192.0.2.7"));
        assert_eq!(g(ctx, "$sp"), Value::Int(5099));
        assert_eq!(g(ctx, "$Ri"), sv("127.0.0.1"));
        assert_eq!(g(ctx, "$Rp"), Value::Int(5060));
        assert_eq!(g(ctx, "$pr"), sv("udp"));
        assert_eq!(g(ctx, "$proto"), sv("udp"));
        assert_eq!(g(ctx, "$ua"), sv("TestUA/1.0"));
        assert_eq!(g(ctx, "$rb"), sv("v=0\r\n"));
        assert_eq!(g(ctx, "$ml"), Value::Int(ctx.msg.raw().len() as i64));
        assert!(g(ctx, "$mb").to_string().starts_with("INVITE sip:bob@"));
        assert_eq!(g(ctx, "$null"), Value::Null);
        assert_eq!(g(ctx, "$T_reply_code"), Value::Null);
        assert_eq!(g(ctx, "$T_branch_idx"), Value::Null);
        ctx.t_reply_code = Some(486);
        ctx.t_branch_idx = Some(2);
        assert_eq!(g(ctx, "$T_reply_code"), Value::Int(486));
        assert_eq!(g(ctx, "$T_branch_idx"), Value::Int(2));
        ctx.last_ret = -3;
        assert_eq!(g(ctx, "$rc"), Value::Int(-3));
        assert_eq!(g(ctx, "$retcode"), Value::Int(-3));
        let ts = g(ctx, "$Ts").as_int();
        assert!(ts > 1_600_000_000);
        assert!((g(ctx, "$TV(s)").as_int() - ts).abs() <= 1);
        assert!(g(ctx, "$TV(u)").as_int() < 1_000_000);
        let sn = g(ctx, "$TV(sn)").to_string();
        assert!(sn.contains('.') && sn.split('.').nth(1).unwrap().len() == 6, "{sn}");
        assert_eq!(g(ctx, "$mf"), Value::Int(0));
        assert_eq!(g(ctx, "$bf"), Value::Int(0));
        assert_eq!(g(ctx, "$fs"), Value::Null);
        assert_eq!(g(ctx, "$br"), Value::Null);
        assert_eq!(g(ctx, "$bR"), Value::Null);
    });
}

#[test]
fn default_port_and_reply_pvs() {
    with_ctx(&INVITE.replace("sip:bob@example.com:5070;transport=udp", "sips:bob@example.com"), |ctx| {
        assert_eq!(g(ctx, "$rp"), Value::Int(5061));
        assert_eq!(g(ctx, "$rz"), sv("sips"));
    });
    let reply = "SIP/2.0 486 Busy Here\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\nFrom: <sip:a@b>;tag=1\nTo: <sip:c@d>;tag=2\nCall-ID: x\nCSeq: 7 INVITE\nContent-Length: 0\n\n";
    with_ctx(reply, |ctx| {
        assert_eq!(g(ctx, "$rs"), Value::Int(486));
        assert_eq!(g(ctx, "$rr"), sv("Busy Here"));
        assert_eq!(g(ctx, "$rm"), sv("INVITE"));
        assert_eq!(g(ctx, "$ru"), Value::Null);
        assert_eq!(g(ctx, "$tt"), sv("2"));
        assert!(st(ctx, "$ru", sv("sip:x@y")).is_err());
    });
}

#[test]
fn headers_with_index_and_compact_names() {
    with_ctx(INVITE, |ctx| {
        // f: is the compact From
        assert_eq!(g(ctx, "$hdr(From)"), sv("Alice <sip:alice@atlanta.example.com>;tag=1928301774"));
        assert_eq!(g(ctx, "$hdr(f)"), g(ctx, "$hdr(From)"));
        assert_eq!(g(ctx, "$hdr(Via)"), sv("SIP/2.0/UDP 192.0.2.7:5099;branch=z9hG4bK776asdhds;rport"));
        assert_eq!(g(ctx, "$(hdr(Via)[1])"), sv("SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKold, SIP/2.0/TCP 10.0.0.2;branch=z9hG4bKolder"));
        assert_eq!(g(ctx, "$(hdr(Via)[-1])"), g(ctx, "$(hdr(Via)[1])"));
        assert_eq!(g(ctx, "$(hdr(Via)[2])"), Value::Null);
        assert_eq!(g(ctx, "$hdr(X-Foo)"), sv("one"));
        assert_eq!(g(ctx, "$(hdr(x-foo)[*])"), sv("one,two"));
        assert_eq!(g(ctx, "$hdrc(X-Foo)"), Value::Int(2));
        assert_eq!(g(ctx, "$hdrc(Via)"), Value::Int(2));
        assert_eq!(g(ctx, "$hdrc(v)"), Value::Int(2));
        assert_eq!(g(ctx, "$hdrc(X-None)"), Value::Int(0));
        assert_eq!(g(ctx, "$hdr(X-None)"), Value::Null);
    });
}

#[test]
fn write_ruri_family() {
    with_ctx(INVITE, |ctx| {
        st(ctx, "$rU", sv("carol")).unwrap();
        assert_eq!(ctx.ruri(), "sip:carol@example.com:5070;transport=udp");
        st(ctx, "$rd", sv("10.1.2.3")).unwrap();
        st(ctx, "$rp", Value::Int(5080)).unwrap();
        assert_eq!(g(ctx, "$ru"), sv("sip:carol@10.1.2.3:5080;transport=udp"));
        assert_eq!(g(ctx, "$ou"), sv("sip:bob@example.com:5070;transport=udp"));
        assert_eq!(g(ctx, "$oU"), sv("bob"));
        st(ctx, "$rp", Value::Null).unwrap();
        st(ctx, "$rU", Value::Null).unwrap();
        assert_eq!(g(ctx, "$ru"), sv("sip:10.1.2.3;transport=udp"));
        assert!(st(ctx, "$rp", sv("abc")).is_err());
        assert!(st(ctx, "$ru", sv("not a uri")).is_err());
        st(ctx, "$ru", sv("sip:dave@example.org")).unwrap();
        assert_eq!(g(ctx, "$rU"), sv("dave"));
        assert!(st(ctx, "$ci", sv("x")).is_err());
        assert!(st(ctx, "$hdr(From)", sv("x")).is_err());
    });
}

#[test]
fn write_from_to_family() {
    with_ctx(INVITE, |ctx| {
        st(ctx, "$fU", sv("carol")).unwrap();
        st(ctx, "$fd", sv("chicago.example.com")).unwrap();
        st(ctx, "$fn", sv("Carol \"C\"")).unwrap();
        // reads keep the header as received, as Kamailio's
        assert_eq!(g(ctx, "$fu"), sv("sip:alice@atlanta.example.com"));
        let out = String::from_utf8(ctx.msg.serialize().to_vec()).unwrap();
        let from = out.lines().find(|l| l.starts_with("f:")).unwrap();
        assert_eq!(from, "f: \"Carol \\\"C\\\"\" <sip:carol@chicago.example.com>;tag=1928301774", "{out}");
        st(ctx, "$tu", sv("sip:dave@example.org;user=phone")).unwrap();
        st(ctx, "$tn", Value::Null).unwrap();
        st(ctx, "$tU", Value::Null).unwrap();
        let out = String::from_utf8(ctx.msg.serialize().to_vec()).unwrap();
        assert!(out.contains("\nTo: <sip:example.org;user=phone>\r\n"), "{out}");
        assert!(st(ctx, "$fu", sv("not a uri")).is_err());
        assert!(st(ctx, "$td", Value::Null).is_err());
        // the tag is kept through every rewrite
        let p = crate::sip::parse(ctx.msg.serialize()).unwrap();
        assert_eq!(p.from_tag(), Some("1928301774"));
        assert_eq!(p.to_tag(), None);
    });
}

#[test]
fn write_du_fs_br_flags() {
    with_ctx(INVITE, |ctx| {
        st(ctx, "$du", sv("sip:10.0.0.9:5080;transport=tcp")).unwrap();
        assert_eq!(ctx.dst_uri.as_deref(), Some("sip:10.0.0.9:5080;transport=tcp"));
        assert_eq!(g(ctx, "$du"), sv("sip:10.0.0.9:5080;transport=tcp"));
        assert!(st(ctx, "$du", sv("bad uri")).is_err());
        st(ctx, "$du", Value::Null).unwrap();
        assert_eq!(ctx.dst_uri, None);

        st(ctx, "$fs", sv("tcp:127.0.0.1:5062")).unwrap();
        assert_eq!(ctx.force_socket, Some((Protocol::Tcp, "127.0.0.1:5062".parse().unwrap())));
        assert_eq!(g(ctx, "$fs"), sv("tcp:127.0.0.1:5062"));
        st(ctx, "$fs", sv("udp:[::1]:5060")).unwrap();
        assert_eq!(g(ctx, "$fs"), sv("udp:[::1]:5060"));
        st(ctx, "$fs", sv("127.0.0.1:5070")).unwrap();
        assert_eq!(g(ctx, "$fs"), sv("udp:127.0.0.1:5070"));
        assert!(st(ctx, "$fs", sv("foo:bar")).is_err());
        st(ctx, "$fs", Value::Null).unwrap();
        assert_eq!(ctx.force_socket, None);

        st(ctx, "$br", sv("sip:b1@x")).unwrap();
        assert_eq!(ctx.branches.len(), 1);
        st(ctx, "$br", sv("sip:b2@x")).unwrap();
        assert_eq!(g(ctx, "$br"), sv("sip:b2@x"));
        ctx.branches.push(Branch { uri: "sip:b3@x".into(), ..Default::default() });
        assert_eq!(g(ctx, "$bR"), sv("sip:b2@x,sip:b3@x"));
        st(ctx, "$br", Value::Null).unwrap();
        assert!(ctx.branches.is_empty());

        st(ctx, "$mf", Value::Int(5)).unwrap();
        assert!(ctx.is_flag_set(0) && ctx.is_flag_set(2));
        st(ctx, "$bf", Value::Int(2)).unwrap();
        assert_eq!(ctx.bflags, 2);
        assert_eq!(g(ctx, "$bf"), Value::Int(2));
        st(ctx, "$null", sv("ignored")).unwrap();
    });
}

#[test]
fn var_semantics() {
    let sh = shared();
    let mut vars: Vars = Vars::new();
    {
        let mut ctx = RouteCtx::new(&sh, RouteType::Request, msg(INVITE), info(), &mut vars);
        assert_eq!(g(&ctx, "$var(x)"), Value::Int(0));
        st(&mut ctx, "$var(x)", sv("hello")).unwrap();
        assert_eq!(g(&ctx, "$var(x)"), sv("hello"));
        st(&mut ctx, "$var(n)", Value::Int(3)).unwrap();
        st(&mut ctx, "$var(n)", Value::Null).unwrap();
        assert_eq!(g(&ctx, "$var(n)"), Value::Int(0));
    }
    // $var survives to the next message of the worker.
    let ctx = RouteCtx::new(&sh, RouteType::Request, msg(INVITE), info(), &mut vars);
    assert_eq!(g(&ctx, "$var(x)"), sv("hello"));
}

#[test]
fn avp_semantics() {
    with_ctx(INVITE, |ctx| {
        assert_eq!(g(ctx, "$avp(x)"), Value::Null);
        st(ctx, "$avp(x)", Value::Int(1)).unwrap();
        st(ctx, "$avp(s:x)", sv("two")).unwrap();
        st(ctx, "$avp(x)", sv("three")).unwrap();
        assert_eq!(g(ctx, "$avp(x)"), sv("three"));
        assert_eq!(g(ctx, "$(avp(x)[0])"), sv("three"));
        assert_eq!(g(ctx, "$(avp(x)[2])"), Value::Int(1));
        assert_eq!(g(ctx, "$(avp(x)[-1])"), Value::Int(1));
        assert_eq!(g(ctx, "$(avp(x)[3])"), Value::Null);
        assert_eq!(g(ctx, "$(avp(x)[*])"), sv("three,two,1"));
        // replace one value
        st(ctx, "$(avp(x)[1])", sv("TWO")).unwrap();
        assert_eq!(g(ctx, "$(avp(x)[*])"), sv("three,TWO,1"));
        assert!(st(ctx, "$(avp(x)[7])", sv("no")).is_err());
        // $avp(x) = $null drops the newest
        st(ctx, "$avp(x)", Value::Null).unwrap();
        assert_eq!(g(ctx, "$avp(x)"), sv("TWO"));
        // [*] = v replaces all
        st(ctx, "$(avp(x)[*])", sv("only")).unwrap();
        assert_eq!(g(ctx, "$(avp(x)[*])"), sv("only"));
        st(ctx, "$avp(x)", sv("more")).unwrap();
        st(ctx, "$(avp(x)[*])", Value::Null).unwrap();
        assert_eq!(g(ctx, "$avp(x)"), Value::Null);
        // integer names are their own
        st(ctx, "$avp(i:3)", Value::Int(9)).unwrap();
        assert_eq!(g(ctx, "$avp(i:3)"), Value::Int(9));
        assert_eq!(g(ctx, "$avp(3)"), Value::Null);
    });
}

#[test]
fn templates() {
    with_ctx(INVITE, |ctx| {
        let t = Template::parse("User: $rU at $si:$sp");
        assert!(!t.is_static());
        assert_eq!(t.eval(ctx), "User: bob at 192.0.2.7:5099");
        assert_eq!(Template::parse("from $hdr(From) / $(hdr(Via)[1])").eval(ctx).matches("10.0.0.1").count(), 1);
        assert_eq!(Template::parse("x=$avp(none) y=$foo z=$du").eval(ctx), "x=<null> y=<null> z=<null>");
        assert_eq!(Template::parse("cost: 5$ or $ 6 or $(").eval(ctx), "cost: 5$ or $ 6 or $(");
        assert_eq!(Template::parse("$rm;$ci").eval(ctx), "INVITE;a84b4c76e66710@pc33.atlanta.example.com");
        assert!(Template::parse("plain text").is_static());
        assert_eq!(Template::parse("").eval(ctx), "");
        assert_eq!(Template::parse("ünï $rU ✓").eval(ctx), "ünï bob ✓");
        ctx.vars.insert("n".into(), Value::Int(42));
        assert_eq!(Template::parse("n=$var(n)").eval(ctx), "n=42");
    });
}

#[test]
fn cache_parses_once() {
    let a = cached("$hdr(X-Cache-Test)").unwrap();
    let b = cached("$hdr(X-Cache-Test)").unwrap();
    assert!(Rc::ptr_eq(&a, &b));
    assert!(cached("$bogus").is_err());
}

#[test]
fn defines_as_pvs() {
    let mut sh = shared();
    sh.modcfg.defines = vec![
        ("HOST".into(), Some("\"10.0.0.5:5060\"".into())),
        ("N".into(), Some("42".into())),
        ("FLAG".into(), None),
    ];
    let mut vars = Vars::new();
    let ctx = RouteCtx::new(&sh, RouteType::Request, msg(INVITE), info(), &mut vars);
    assert_eq!(g(&ctx, "$def(HOST)"), sv("10.0.0.5:5060"));
    assert_eq!(g(&ctx, "$defn(N)"), Value::Int(42));
    assert_eq!(g(&ctx, "$def(FLAG)"), Value::Null);
    assert_eq!(g(&ctx, "$def(MISSING)"), Value::Null);
}

#[test]
fn snd_is_the_destination_in_onsend_route_only() {
    with_ctx(INVITE, |ctx| {
        assert_eq!(g(ctx, "$snd(ip)"), Value::Null);
        ctx.snd = Some((Protocol::Tcp, "192.0.2.7:5070".parse().unwrap()));
        assert_eq!(g(ctx, "$snd(ip)"), sv("192.0.2.7"));
        assert_eq!(g(ctx, "$sndto(port)"), Value::Int(5070));
        assert_eq!(g(ctx, "$snd(proto)"), Value::Int(2));
        assert_eq!(g(ctx, "$snd(sproto)"), sv("tcp"));
        assert_eq!(g(ctx, "$snd(af)"), Value::Int(2));
        assert_eq!(g(ctx, "$snd(len)"), Value::Int(ctx.msg.raw().len() as i64));
    });
    assert!(Pv::parse("$snd(nope)").is_err());
    assert!(Pv::parse("$snd").is_err());
}
