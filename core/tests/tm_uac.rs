//! The local UAC (`tm::uac`, `t_uac_send`) over real UDP sockets, with a
//! Rust closure standing in for the script: what is generated and what is
//! kept, `event_route[tm:local-request]`, the final reply handed to the
//! caller, timeouts, ACKs for a local INVITE, removal after the wait time.

mod common;
use common::*;

use std::net::{SocketAddr, UdpSocket};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use bytes::Bytes;
use switchboard_core::engine::Callback;
use switchboard_core::exports::Arg;
use switchboard_core::route::{RouteCtx, Stop, Value};
use switchboard_core::sip::{self, HeaderName, Method, ReplyOptions, SipMessage};
use switchboard_core::tm::uac::{self, LocalRequest, UacError};

const T: Duration = Duration::from_secs(2);

/// `sip:user@127.0.0.1:<port of s>`.
fn uri(user: &str, s: &UdpSocket) -> String {
    format!("sip:{user}@127.0.0.1:{}", port(s))
}

/// Until the transaction table is empty (false after `within`).
fn table_empties(env: &Env, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if env.shared().tm.count() == 0 {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// The stand-in script. event_route[tm:local-request]: logs, drops an
/// R-URI with "drop", else appends `X-Local: 1`. request_route: a MESSAGE
/// whose body is `method ruri socket` calls `t_uac_send` with them and
/// answers 200 (sent) or 500.
fn script(e: &Env2, cb: Callback<'_>, ctx: &mut RouteCtx<'_>) -> i32 {
    match cb {
        Callback::Event("tm:local-request") => {
            let var = ctx.vars.get("from_route").cloned().unwrap_or(Value::Null);
            e.note(format!("local {} {} {:?} var={var}", ctx.msg.method_str().unwrap_or("?"), ctx.ruri(), ctx.route_type));
            if ctx.ruri().contains("drop") {
                ctx.stop = Stop::Drop;
                return 0;
            }
            call(ctx, "textops.append_hf", &[Arg::Str("X-Local: 1\r\n")]);
        }
        Callback::Request if is(ctx, Method::Message) => {
            ctx.vars.insert("from_route".into(), Value::Int(7));
            let body = String::from_utf8_lossy(ctx.msg.body()).into_owned();
            let mut w = body.split_whitespace();
            let (m, ruri, socket) = (w.next().unwrap_or(""), w.next().unwrap_or(""), w.next().unwrap_or(""));
            let args = [m, ruri, "", socket, "X-A: 1\r\nX-B: 2", ""].map(Arg::Str);
            let r = call(ctx, "tm.t_uac_send", &args);
            e.note(format!("t_uac_send {r}"));
            let (code, reason) = if r > 0 { (200, "Sent") } else { (500, "Not sent") };
            call(ctx, "sl.sl_send_reply", &[Arg::Int(code), Arg::Str(reason)]);
        }
        _ => {}
    }
    1
}

fn start() -> Env {
    Env::start(
        &format!("listen=udp:127.0.0.1:0\nchildren=2\nloadmodule \"tm.so\"\nloadmodule \"sl.so\"\nloadmodule \"textops.so\"\n{TM_PARAMS}request_route {{\n}}\n"),
        script,
    )
}

fn is_method(m: &SipMessage, x: Method) -> bool {
    m.method() == Some(&x)
}

fn answer(uas: &UdpSocket, proxy: SocketAddr, req: &SipMessage, code: u16, extra: &[(&str, String)]) {
    let opts = ReplyOptions {
        to_tag: Some("callee".into()),
        extra_headers: extra.iter().map(|(n, v)| (n.to_string(), v.clone())).collect(),
        ..Default::default()
    };
    uas.send_to(&sip::build_reply(req, code, "Whatever", &opts), proxy).unwrap();
}

/// A request whose final status (and the reply's To tag) comes back on
/// the returned channel.
fn watched(method: &str, ruri: String) -> (LocalRequest, Receiver<(u16, Option<String>)>) {
    let (tx, rx) = mpsc::channel();
    let req = LocalRequest {
        on_final: Some(Box::new(move |code, reply| {
            let _ = tx.send((code, reply.and_then(|r| r.to_tag()).map(str::to_string)));
        })),
        ..LocalRequest::new(method, ruri)
    };
    (req, rx)
}

#[test]
fn send_builds_the_request_keeps_given_headers_and_reports_the_final_reply() {
    let env = start();
    let (mut req, finals) = watched("MESSAGE", uri("bob", &env.uas));
    req.headers = "From: \"Alice\" <sip:alice@example.com>\r\nCall-ID: fixed-1@test\r\nCSeq: 7 MESSAGE\r\n\
                   Content-Type: text/plain\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKforged\r\nContent-Length: 99\r\n"
        .into();
    req.body = Bytes::from_static(b"hello");
    let sent = uac::send(env.shared(), req).expect("sent");
    assert_eq!(sent.call_id, "fixed-1@test");
    assert_eq!(sent.dest.1, env.uas.local_addr().unwrap());

    let m = recv_match(&env.uas, T, |m| is_method(m, Method::Message)).expect("the MESSAGE");
    assert_eq!(m.ruri_str(), Some(uri("bob", &env.uas).as_str()));
    assert_eq!(m.via_count(), 1, "only our Via");
    let via = m.top_via().unwrap();
    assert_eq!(format!("{}:{}", via.host(), via.port_or_default()), env.proxy.to_string());
    assert!(via.branch().is_some_and(|b| b.starts_with("z9hG4bK") && !b.contains("forged")));
    let from = m.header(HeaderName::From).unwrap();
    assert!(from.starts_with("\"Alice\" <sip:alice@example.com>;tag="), "a tag is added: {from}");
    assert_eq!(m.header(HeaderName::To), Some(format!("<{}>", uri("bob", &env.uas)).as_str()));
    assert_eq!(m.call_id(), Some("fixed-1@test"));
    assert_eq!(m.header(HeaderName::CSeq), Some("7 MESSAGE"));
    assert_eq!(m.header(HeaderName::MaxForwards), Some("70"));
    assert_eq!(m.header(HeaderName::ContentType), Some("text/plain"));
    assert_eq!(m.content_length(), Some(5));
    assert_eq!(m.body(), b"hello");
    assert_eq!(m.header_by_name("X-Local"), Some("1"), "added by the event route");
    assert_eq!(env.log(), vec![format!("local MESSAGE {} Event var=<null>", uri("bob", &env.uas))]);

    answer(&env.uas, env.proxy, &m, 202, &[]);
    assert_eq!(finals.recv_timeout(T).unwrap(), (202, Some("callee".into())));
    // Absorbed: not retransmitted any more, a retransmitted 202 changes nothing.
    answer(&env.uas, env.proxy, &m, 202, &[]);
    assert!(drain(&env.uas, Duration::from_millis(300)).is_empty());
    assert!(finals.recv_timeout(Duration::from_millis(100)).is_err(), "reported once");
    assert!(table_empties(&env, T), "removed after wt_timer");
}

#[test]
fn an_unanswered_local_request_is_retransmitted_then_ends_with_408() {
    let env = start();
    let (req, finals) = watched("OPTIONS", uri("bob", &env.uas));
    let sent = uac::send(env.shared(), req).unwrap();
    assert!(sent.call_id.contains('@'), "{}", sent.call_id);
    let copies = drain(&env.uas, Duration::from_millis(1300));
    // T1 = 50 ms: 0, 50, 150, 350, 750 ms, then fr_timer at 1 s.
    assert!((4..=6).contains(&copies.len()), "{} copies", copies.len());
    assert!(copies.iter().all(|m| m.header(HeaderName::CSeq) == Some("10 OPTIONS")));
    let branches: Vec<_> = copies.iter().map(|m| m.top_via().unwrap().branch().unwrap().to_string()).collect();
    assert!(branches.windows(2).all(|w| w[0] == w[1]), "retransmissions: {branches:?}");
    assert_eq!(finals.recv_timeout(T).unwrap(), (408, None));
    assert!(table_empties(&env, T));
}

#[test]
fn a_local_invite_acks_a_2xx_at_its_contact_and_a_negative_final_hop_by_hop() {
    let env = start();
    let (req, finals) = watched("INVITE", uri("bob", &env.uas));
    uac::send(env.shared(), req).unwrap();
    let inv = recv_match(&env.uas, T, |m| is_method(m, Method::Invite)).unwrap();
    answer(&env.uas, env.proxy, &inv, 180, &[]);
    let contact = format!("<{}>", uri("bob", &env.uas2));
    answer(&env.uas, env.proxy, &inv, 200, &[("Contact", contact.clone())]);
    let ack = recv_match(&env.uas2, T, |m| is_method(m, Method::Ack)).expect("the 2xx ACKed at the Contact");
    assert_eq!(ack.ruri_str(), Some(uri("bob", &env.uas2).as_str()));
    assert_eq!(ack.to_tag(), Some("callee"));
    assert_eq!(ack.header(HeaderName::CSeq), Some("10 ACK"));
    assert_eq!(ack.call_id(), inv.call_id());
    assert_ne!(ack.top_via().unwrap().branch(), inv.top_via().unwrap().branch(), "a new transaction");
    assert_eq!(finals.recv_timeout(T).unwrap(), (200, Some("callee".into())));
    // A retransmitted 2xx is ACKed again.
    answer(&env.uas, env.proxy, &inv, 200, &[("Contact", contact)]);
    assert!(recv_match(&env.uas2, T, |m| is_method(m, Method::Ack)).is_some());

    let (req, finals) = watched("INVITE", uri("carol", &env.uas));
    uac::send(env.shared(), req).unwrap();
    let inv = recv_match(&env.uas, T, |m| is_method(m, Method::Invite)).unwrap();
    answer(&env.uas, env.proxy, &inv, 486, &[]);
    let ack = recv_match(&env.uas, T, |m| is_method(m, Method::Ack)).expect("the 486 ACKed hop by hop");
    assert_eq!(ack.top_via().unwrap().branch(), inv.top_via().unwrap().branch());
    assert_eq!(finals.recv_timeout(T).unwrap(), (486, Some("callee".into())));
    assert!(drain(&env.uas, Duration::from_millis(300)).iter().all(|m| !is_method(m, Method::Invite)), "no retransmission");
}

#[test]
fn drop_in_the_event_route_sends_nothing_and_bad_requests_are_refused() {
    let env = start();
    let (req, finals) = watched("OPTIONS", uri("drop", &env.uas));
    assert_eq!(uac::send(env.shared(), req).unwrap_err(), UacError::Dropped);
    assert!(drain(&env.uas, Duration::from_millis(300)).is_empty());
    assert!(finals.recv_timeout(Duration::from_millis(10)).is_err(), "nothing to report");
    assert_eq!(env.shared().tm.count(), 0);

    let bad = |r: LocalRequest| matches!(uac::send(env.shared(), r), Err(UacError::Invalid(_)));
    assert!(bad(LocalRequest::new("ACK", uri("bob", &env.uas))));
    assert!(bad(LocalRequest::new("OPT IONS", uri("bob", &env.uas))));
    assert!(bad(LocalRequest::new("OPTIONS", "not a uri")));
    assert!(bad(LocalRequest { headers: "no colon here".into(), ..LocalRequest::new("OPTIONS", uri("bob", &env.uas)) }));
    assert!(matches!(
        uac::send(env.shared(), LocalRequest::new("OPTIONS", "tel:+123")),
        Err(UacError::Unresolvable(_))
    ));
    assert!(drain(&env.uas, Duration::from_millis(200)).is_empty());
}

#[test]
fn t_uac_send_from_a_route_shares_its_vars_and_uses_the_socket() {
    let env = start();
    let n = std::cell::Cell::new(0);
    let send = |body: String| {
        n.set(n.get() + 1);
        let msg = format!(
            "MESSAGE sip:server@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{p};branch=z9hG4bK{n}\r\n\
             From: <sip:alice@127.0.0.1>;tag=a\r\nTo: <sip:server@127.0.0.1>\r\nCall-ID: {n}@test\r\n\
             CSeq: 1 MESSAGE\r\nMax-Forwards: 70\r\nContent-Length: {}\r\n\r\n{body}",
            body.len(),
            p = port(&env.uac),
            n = n.get(),
        );
        env.uac.send_to(msg.as_bytes(), env.proxy).unwrap();
        recv_match(&env.uac, T, |m| m.status().is_some()).map(|m| m.status().unwrap())
    };
    let ruri = uri("bob", &env.uas);
    assert_eq!(send(format!("NOTIFY {ruri} udp:{}", env.proxy)), Some(200));
    let m = recv_match(&env.uas, T, |m| is_method(m, Method::Notify)).expect("the NOTIFY");
    assert_eq!(m.header_by_name("X-A"), Some("1"));
    assert_eq!(m.header_by_name("X-B"), Some("2"));
    assert_eq!(m.header_by_name("X-Local"), Some("1"));
    // Nested in the request route: the same worker's $var table.
    assert!(env.log().contains(&format!("local NOTIFY {ruri} Event var=7")), "{:?}", env.log());
    answer(&env.uas, env.proxy, &m, 200, &[]);

    assert_eq!(send(format!("NOTIFY {ruri} bogus-socket")), Some(500));
    assert_eq!(send(format!("NOTIFY {}", uri("drop", &env.uas))), Some(500));
    assert!(drain(&env.uas, Duration::from_millis(300)).is_empty(), "nothing more was sent");
    let results: Vec<String> = env.log().into_iter().filter(|l| l.starts_with("t_uac_send")).collect();
    assert_eq!(results, ["t_uac_send 1", "t_uac_send -1", "t_uac_send -1"]);
}
