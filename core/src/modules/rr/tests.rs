use super::*;
use crate::myself::Myself;
use crate::route::{RouteType, Shared, Vars};
use crate::sip::SipMessage;
use crate::transport::ReceiveInfo;
use bytes::Bytes;

fn shared() -> Shared {
    let mut m = Myself::default();
    m.add(Some(Protocol::Udp), "10.0.0.1", Some(5060));
    m.add(Some(Protocol::Tcp), "10.0.0.1", Some(5060));
    m.add(None, "proxy.example.com", None);
    Shared::bare(m)
}

fn info() -> ReceiveInfo {
    ReceiveInfo {
        proto: Protocol::Udp,
        src: "192.0.2.10:5060".parse().unwrap(),
        local: "10.0.0.1:5060".parse().unwrap(),
        conn_id: None,
    }
}

fn req(ruri: &str, routes: &[&str], to_tag: bool) -> SipMessage {
    let mut m = format!(
        "BYE {ruri} SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKx\r\n\
         From: <sip:alice@example.com>;tag=alicetag\r\nTo: <sip:bob@example.com>{}\r\n\
         Call-ID: d1\r\nCSeq: 2 BYE\r\nMax-Forwards: 70\r\n",
        if to_tag { ";tag=bobtag" } else { "" }
    );
    for r in routes {
        m.push_str(&format!("Route: {r}\r\n"));
    }
    m.push_str("Content-Length: 0\r\n\r\n");
    crate::sip::parse(Bytes::from(m)).unwrap()
}

fn call(name: &str, ctx: &mut RouteCtx<'_>, args: &[Arg<'_>]) -> i64 {
    let e = EXPORTS.iter().find(|e| e.name == name).unwrap();
    (e.func)(ctx, args).code()
}

fn routes_after(ctx: &RouteCtx<'_>) -> Vec<String> {
    let m = ctx.msg.reparse().unwrap();
    m.header_values(HeaderName::Route).map(str::to_string).collect()
}

#[test]
fn loose_route_with_lr_sets_dst_uri() {
    let sh = shared();
    let mut vars = Vars::new();
    let msg = req(
        "sip:bob@192.0.2.99",
        &["<sip:10.0.0.1;lr;ftag=alicetag;nat=yes>", "<sip:next.example.net;lr>"],
        true,
    );
    let mut ctx = RouteCtx::new(&sh, RouteType::Request, msg, info(), &mut vars);
    assert_eq!(call("loose_route", &mut ctx, &[]), 1);
    assert_eq!(ctx.dst_uri.as_deref(), Some("sip:next.example.net;lr"));
    assert_eq!(ctx.new_ruri, None);
    assert_eq!(routes_after(&ctx), vec!["<sip:next.example.net;lr>"]);
    assert_eq!(call("check_route_param", &mut ctx, &[Arg::Str("nat=yes")]), 1);
    assert_eq!(call("check_route_param", &mut ctx, &[Arg::Str("^;nope")]), -1);
    assert_eq!(call("is_direction", &mut ctx, &[Arg::Str("downstream")]), 1);
    assert_eq!(call("is_direction", &mut ctx, &[Arg::Str("upstream")]), -1);
}

#[test]
fn loose_route_double_rr_and_last_hop() {
    let sh = shared();
    let mut vars = Vars::new();
    let msg = req(
        "sip:bob@192.0.2.99",
        &["<sip:10.0.0.1;lr>", "<sip:10.0.0.1:5060;transport=tcp;lr>"],
        true,
    );
    let mut ctx = RouteCtx::new(&sh, RouteType::Request, msg, info(), &mut vars);
    assert_eq!(call("loose_route", &mut ctx, &[]), 1);
    assert!(ctx.dst_uri.is_none(), "both ours removed: the R-URI is the next hop");
    assert!(routes_after(&ctx).is_empty());
}

#[test]
fn loose_route_no_route_and_preloaded() {
    let sh = shared();
    let mut vars = Vars::new();
    let mut ctx = RouteCtx::new(&sh, RouteType::Request, req("sip:bob@192.0.2.99", &[], true), info(), &mut vars);
    assert_eq!(call("loose_route", &mut ctx, &[]), -1);
    let mut vars = Vars::new();
    let msg = req("sip:bob@192.0.2.99", &["<sip:proxy.example.com;lr>"], false);
    let mut ctx = RouteCtx::new(&sh, RouteType::Request, msg, info(), &mut vars);
    assert_eq!(call("loose_route", &mut ctx, &[]), -3);
    assert!(routes_after(&ctx).is_empty());
}

#[test]
fn loose_route_strict_next_hop() {
    let sh = shared();
    let mut vars = Vars::new();
    let msg = req("sip:bob@192.0.2.99", &["<sip:10.0.0.1;lr>", "<sip:strict.example.net>", "<sip:x.example.net;lr>"], true);
    let mut ctx = RouteCtx::new(&sh, RouteType::Request, msg, info(), &mut vars);
    assert_eq!(call("loose_route", &mut ctx, &[]), 1);
    assert_eq!(ctx.new_ruri.as_deref(), Some("sip:strict.example.net"));
    assert!(ctx.dst_uri.is_none());
    assert_eq!(routes_after(&ctx), vec!["<sip:x.example.net;lr>", "<sip:bob@192.0.2.99>"]);
}

#[test]
fn loose_route_strict_router_compat() {
    // A strict router before us put our RR URI in the R-URI and the real
    // target at the end of the Route set.
    let sh = shared();
    let mut vars = Vars::new();
    let msg = req("sip:10.0.0.1;lr;ftag=alicetag", &["<sip:next.example.net;lr>", "<sip:bob@192.0.2.99>"], true);
    let mut ctx = RouteCtx::new(&sh, RouteType::Request, msg, info(), &mut vars);
    assert_eq!(call("loose_route", &mut ctx, &[]), 1);
    assert_eq!(ctx.new_ruri.as_deref(), Some("sip:bob@192.0.2.99"));
    assert_eq!(ctx.dst_uri.as_deref(), Some("sip:next.example.net;lr"));
    assert_eq!(routes_after(&ctx), vec!["<sip:next.example.net;lr>"]);
    assert_eq!(call("is_direction", &mut ctx, &[Arg::Str("downstream")]), 1);
}

#[test]
fn record_route_with_ftag_and_params() {
    let sh = shared();
    let mut vars = Vars::new();
    let mut ctx = RouteCtx::new(&sh, RouteType::Request, req("sip:bob@192.0.2.99", &[], false), info(), &mut vars);
    assert_eq!(call("add_rr_param", &mut ctx, &[Arg::Str(";early=1")]), 1);
    assert_eq!(call("record_route", &mut ctx, &[]), 1);
    assert_eq!(call("add_rr_param", &mut ctx, &[Arg::Str("late=2")]), 1);
    let rr = ctx.record_route.clone().unwrap();
    assert_eq!(rr.params, ";lr;ftag=alicetag;early=1;late=2");
    let udp = (Protocol::Udp, "10.0.0.1:5060".parse().unwrap());
    assert_eq!(render_record_route(&rr, udp, udp), vec!["<sip:10.0.0.1:5060;lr;ftag=alicetag;early=1;late=2>"]);
}

#[test]
fn double_rr_when_sockets_differ() {
    let rr = RecordRoute { params: ";lr;ftag=t".into(), ..Default::default() };
    let udp = (Protocol::Udp, "10.0.0.1:5060".parse().unwrap());
    let tcp = (Protocol::Tcp, "10.0.0.1:5060".parse().unwrap());
    let udp2 = (Protocol::Udp, "[2001:db8::1]:5070".parse().unwrap());
    assert_eq!(
        render_record_route(&rr, udp, tcp),
        vec!["<sip:10.0.0.1:5060;transport=tcp;lr;ftag=t>", "<sip:10.0.0.1:5060;lr;ftag=t>"]
    );
    assert_eq!(
        render_record_route(&rr, udp, udp2),
        vec!["<sip:[2001:db8::1]:5070;lr;ftag=t>", "<sip:10.0.0.1:5060;lr;ftag=t>"]
    );
    let single = RecordRoute { no_double: true, ..rr.clone() };
    assert_eq!(render_record_route(&single, udp, tcp).len(), 1);
}

#[test]
fn record_route_preset_one_and_two() {
    let sh = shared();
    let udp = (Protocol::Udp, "10.0.0.1:5060".parse().unwrap());
    let tcp = (Protocol::Tcp, "10.0.0.1:5060".parse().unwrap());
    let mut vars = Vars::new();
    let mut ctx = RouteCtx::new(&sh, RouteType::Request, req("sip:bob@192.0.2.99", &[], false), info(), &mut vars);
    assert_eq!(call("record_route_preset_one", &mut ctx, &[Arg::Str("198.51.100.7:5080")]), 1);
    let rr = ctx.record_route.clone().unwrap();
    assert_eq!(render_record_route(&rr, udp, tcp), vec!["<sip:198.51.100.7:5080;lr;ftag=alicetag>"]);

    let mut vars = Vars::new();
    let mut ctx = RouteCtx::new(&sh, RouteType::Request, req("sip:bob@192.0.2.99", &[], false), info(), &mut vars);
    let args = [Arg::Str("sip:in.example.com"), Arg::Str("out.example.com:5070")];
    assert_eq!(call("record_route_preset", &mut ctx, &args), 1);
    let rr = ctx.record_route.clone().unwrap();
    assert_eq!(
        render_record_route(&rr, udp, tcp),
        vec!["<sip:out.example.com:5070;lr;ftag=alicetag>", "<sip:in.example.com;lr;ftag=alicetag>"]
    );
}

#[test]
fn settings_from_defaults() {
    let mut sh = shared();
    sh.rr = RrSettings { append_fromtag: false, enable_double_rr: false, enable_full_lr: true };
    let mut vars = Vars::new();
    let mut ctx = RouteCtx::new(&sh, RouteType::Request, req("sip:bob@192.0.2.99", &[], false), info(), &mut vars);
    assert_eq!(call("record_route_params", &mut ctx, &[Arg::Str("x=1")]), 1);
    let rr = ctx.record_route.clone().unwrap();
    assert_eq!(rr.params, ";lr=on;x=1");
    assert!(rr.no_double);
}
