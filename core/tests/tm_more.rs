//! More tm paths end to end (same harness as `tm_proxy.rs`: a Rust
//! closure stands in for a KEMI script and calls the exports by name):
//! 6xx in a parallel fork, the branch-failure event route, `t_set_fr`,
//! `t_relay_to_*`, a UDP→TCP call with double Record-Route, and
//! `onsend_route` dropping branches.

mod common;
use common::*;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use switchboard_core::engine::Callback;
use switchboard_core::exports::Arg;
use switchboard_core::route::{Branch, RouteCtx, RouteType, Stop};
use switchboard_core::sip::{self, HeaderName, Method, ReplyOptions, SipMessage};
use switchboard_core::transport::Protocol;

/// Finals received by the UAC for the INVITE: (code, To tag), timer G
/// retransmissions of a negative final (the UAC does not ACK) folded.
fn invite_finals(uac: &UdpSocket, within: Duration) -> Vec<(u16, Option<String>)> {
    let mut v: Vec<(u16, Option<String>)> = drain(uac, within)
        .iter()
        .filter(|m| code(m) >= 200 && cseq_method(m) == Method::Invite)
        .map(|m| (code(m), m.to_tag().map(str::to_string)))
        .collect();
    v.dedup_by(|a, b| a == b && a.0 >= 300);
    v
}

/// Parallel fork to the R-URI and uas2; a failure route "f" and a
/// branch-failure route "bf" log what they see.
fn parallel(e: &Env2, cb: Callback<'_>, ctx: &mut RouteCtx<'_>) -> i32 {
    match cb {
        Callback::Request => {
            if let Some(r) = prologue(ctx) {
                return r;
            }
            ctx.branches.push(Branch { uri: uri(e.uas2), ..Default::default() });
            call(ctx, "tm.t_on_failure", &[Arg::Str("f")]);
            call(ctx, "tm.t_on_branch_failure", &[Arg::Str("bf")]);
            call(ctx, "tm.t_relay", &[]);
        }
        Callback::Named("f") => e.note(format!("failure {}", ctx.t_reply_code.unwrap_or(0))),
        Callback::Event(ev) => e.note(format!(
            "{ev} code={} branch={} timeout={} bf_route={}",
            ctx.t_reply_code.unwrap_or(0),
            ctx.t_branch_idx.unwrap_or(99),
            call(ctx, "tm.t_branch_timeout", &[]) > 0,
            ctx.route_type == RouteType::BranchFailure,
        )),
        _ => {}
    }
    1
}

#[test]
fn parallel_fork_6xx_cancels_the_others_and_is_relayed() {
    let env = start(parallel);
    let inv = request("INVITE", &uri(port(&env.uas)), &env.uac, "m1", 1, "");
    send(&env.uac, env.proxy, &inv);
    let r1 = recv_match(&env.uas, Duration::from_secs(2), |m| is_method(m, Method::Invite)).unwrap();
    let r2 = recv_match(&env.uas2, Duration::from_secs(2), |m| is_method(m, Method::Invite)).unwrap();
    answer(&env.uas, env.proxy, &r1, 180, "Ringing", "a");
    assert!(recv_match(&env.uac, Duration::from_secs(2), |m| code(m) == 180).is_some());
    answer(&env.uas2, env.proxy, &r2, 603, "Decline", "b");
    // the 603 is ACKed hop by hop, the ringing branch is cancelled
    let ack = recv_match(&env.uas2, Duration::from_secs(2), |m| is_method(m, Method::Ack)).expect("603 ACKed");
    assert_eq!(ack.to_tag(), Some("b"));
    let c = recv_match(&env.uas, Duration::from_secs(2), |m| is_method(m, Method::Cancel)).expect("other branch cancelled");
    assert_eq!(c.top_via().unwrap().branch(), r1.top_via().unwrap().branch());
    // nothing final upstream while a branch is pending (RFC 3261 §16.7 step 5)
    assert!(invite_finals(&env.uac, Duration::from_millis(200)).is_empty(), "the 6xx waits for the cancelled branch");
    answer(&env.uas, env.proxy, &c, 200, "OK", "a");
    answer(&env.uas, env.proxy, &r1, 487, "Request Terminated", "a");
    assert!(recv_match(&env.uas, Duration::from_secs(1), |m| is_method(m, Method::Ack)).is_some(), "487 ACKed");
    // the 6xx wins over the 487 (after the failure route declined to relay)
    assert_eq!(invite_finals(&env.uac, Duration::from_millis(400)), vec![(603, Some("b".to_string()))]);
    let log = env.log();
    assert_eq!(
        log,
        vec![
            "tm:branch-failure:bf code=603 branch=1 timeout=false bf_route=true".to_string(),
            "tm:branch-failure:bf code=487 branch=0 timeout=false bf_route=true".into(),
            "failure 603".into(),
        ]
    );
}

#[test]
fn late_2xx_after_6xx_is_still_forwarded() {
    let env = start(parallel);
    let inv = request("INVITE", &uri(port(&env.uas)), &env.uac, "m2", 1, "");
    send(&env.uac, env.proxy, &inv);
    let r1 = recv_match(&env.uas, Duration::from_secs(2), |m| is_method(m, Method::Invite)).unwrap();
    let r2 = recv_match(&env.uas2, Duration::from_secs(2), |m| is_method(m, Method::Invite)).unwrap();
    answer(&env.uas, env.proxy, &r1, 180, "Ringing", "a");
    std::thread::sleep(Duration::from_millis(50));
    answer(&env.uas2, env.proxy, &r2, 603, "Decline", "b");
    let c = recv_match(&env.uas, Duration::from_secs(2), |m| is_method(m, Method::Cancel)).expect("CANCEL");
    // the callee answered before the CANCEL reached it: 200 for the INVITE
    answer(&env.uas, env.proxy, &r1, 200, "OK", "a");
    answer(&env.uas, env.proxy, &c, 481, "Call/Transaction Does Not Exist", "a");
    // RFC 3261 §16.7 step 5: a 2xx is forwarded at once; the 6xx never goes up
    assert_eq!(invite_finals(&env.uac, Duration::from_millis(500)), vec![(200, Some("a".to_string()))]);
    assert!(!env.log().iter().any(|l| l.starts_with("failure")), "no failure route once a 2xx went up: {:?}", env.log());
}

#[test]
fn branch_failure_route_runs_per_failed_branch_incl_timeout() {
    let env = start(parallel);
    let inv = request("INVITE", &uri(port(&env.uas)), &env.uac, "m3", 1, "");
    send(&env.uac, env.proxy, &inv);
    let r1 = recv_match(&env.uas, Duration::from_secs(2), |m| is_method(m, Method::Invite)).unwrap();
    assert!(recv_match(&env.uas2, Duration::from_secs(2), |m| is_method(m, Method::Invite)).is_some());
    answer(&env.uas, env.proxy, &r1, 486, "Busy Here", "a");
    // uas2 never answers: fr_timer (1 s) gives it a local 408
    let finals = invite_finals(&env.uac, Duration::from_millis(2000));
    assert_eq!(finals.iter().map(|f| f.0).collect::<Vec<_>>(), vec![486], "best of 486 / 408: the first received of class 4");
    let log = env.log();
    assert_eq!(
        log,
        vec![
            "tm:branch-failure:bf code=486 branch=0 timeout=false bf_route=true".to_string(),
            "tm:branch-failure:bf code=408 branch=1 timeout=true bf_route=true".into(),
            "failure 486".into(),
        ]
    );
}

/// `X-Fr: inv,fr` makes the script call `t_set_fr(inv, fr)`, `X-Fr: inv`
/// `t_set_fr_inv(inv)` (the native one-argument `t_set_fr`).
fn fr_script(_: &Env2, cb: Callback<'_>, ctx: &mut RouteCtx<'_>) -> i32 {
    if cb != Callback::Request {
        return 1;
    }
    if let Some(r) = prologue(ctx) {
        return r;
    }
    if let Some(v) = ctx.msg.header_by_name("X-Fr").map(str::to_string) {
        match v.split_once(',') {
            Some((a, b)) => call(ctx, "tm.t_set_fr", &[Arg::Int(a.trim().parse().unwrap()), Arg::Int(b.trim().parse().unwrap())]),
            None => call(ctx, "tm.t_set_fr_inv", &[Arg::Int(v.trim().parse().unwrap())]),
        };
    }
    call(ctx, "tm.t_relay", &[]);
    1
}

#[test]
fn t_set_fr_applies_to_its_transaction_only() {
    let env = start(fr_script);
    let short = request("MESSAGE", &uri(port(&env.uas)), &env.uac, "m4a", 1, "X-Fr: 0,300\r\n");
    let normal = request("MESSAGE", &uri(port(&env.uas)), &env.uac, "m4b", 1, "");
    let t0 = Instant::now();
    send(&env.uac, env.proxy, &short);
    send(&env.uac, env.proxy, &normal);
    let mut done = Vec::new();
    while done.len() < 2 && t0.elapsed() < Duration::from_secs(3) {
        if let Some(m) = recv(&env.uac, Duration::from_millis(100)) {
            if code(&m) >= 200 {
                done.push((m.call_id().unwrap().to_string(), code(&m), t0.elapsed()));
            }
        }
    }
    assert_eq!(done.len(), 2, "{done:?}");
    assert_eq!(done[0].0, "m4a@test", "the short one first: {done:?}");
    assert_eq!((done[0].1, done[1].1), (408, 408));
    assert!(done[0].2 >= Duration::from_millis(250) && done[0].2 < Duration::from_millis(900), "t_set_fr fr=300ms: {done:?}");
    assert!(done[1].2 >= Duration::from_millis(900), "modparam fr_timer=1000ms kept: {done:?}");
}

#[test]
fn t_set_fr_inv_shortens_ringing_time() {
    let env = start(fr_script);
    let inv = request("INVITE", &uri(port(&env.uas)), &env.uac, "m5", 1, "X-Fr: 400\r\n");
    send(&env.uac, env.proxy, &inv);
    let req = recv_match(&env.uas, Duration::from_secs(2), |m| is_method(m, Method::Invite)).unwrap();
    let t0 = Instant::now();
    answer(&env.uas, env.proxy, &req, 180, "Ringing", "a");
    let c = recv_match(&env.uas, Duration::from_secs(3), |m| is_method(m, Method::Cancel)).expect("CANCEL on fr_inv");
    let el = t0.elapsed();
    assert!(el >= Duration::from_millis(350) && el < Duration::from_millis(1300), "fr_inv 400 ms, not 1500: {el:?}");
    answer(&env.uas, env.proxy, &c, 200, "OK", "a");
    let r = recv_match(&env.uac, Duration::from_secs(2), |m| code(m) >= 200).expect("408");
    assert_eq!(code(&r), 408);
}

/// `X-Mode: proxy` → t_relay_to_proxy("udp:127.0.0.1:uas2"),
/// `X-Mode: udp` → t_relay_to_udp("127.0.0.1", uas2).
fn relay_to_script(e: &Env2, cb: Callback<'_>, ctx: &mut RouteCtx<'_>) -> i32 {
    if cb != Callback::Request {
        return 1;
    }
    if let Some(r) = prologue(ctx) {
        return r;
    }
    let r = match ctx.msg.header_by_name("X-Mode") {
        Some("proxy") => {
            let p = format!("udp:127.0.0.1:{}", e.uas2);
            call(ctx, "tm.t_relay_to_proxy", &[Arg::Str(&p)])
        }
        Some("proto_addr") => {
            call(ctx, "tm.t_relay_to_proto_addr", &[Arg::Str("udp"), Arg::Str("127.0.0.1"), Arg::Int(e.uas2 as i64)])
        }
        _ => call(ctx, "tm.t_relay_to_udp", &[Arg::Str("127.0.0.1"), Arg::Int(e.uas2 as i64)]),
    };
    e.note(format!("relay {r}"));
    1
}

#[test]
fn t_relay_to_proxy_and_udp_ignore_the_ruri_host() {
    let env = start(relay_to_script);
    for (id, mode) in [("m6a", "proxy"), ("m6b", "udp"), ("m6c", "proto_addr")] {
        let ruri = uri(port(&env.uas));
        let inv = request("INVITE", &ruri, &env.uac, id, 1, &format!("X-Mode: {mode}\r\n"));
        send(&env.uac, env.proxy, &inv);
        let req = recv_match(&env.uas2, Duration::from_secs(2), |m| is_method(m, Method::Invite)).expect("sent to uas2");
        assert_eq!(req.ruri_str(), Some(ruri.as_str()), "R-URI untouched");
        assert!(req.top_via().unwrap().transport().eq_ignore_ascii_case("UDP"));
        answer(&env.uas2, env.proxy, &req, 200, "OK", "z");
        let r = recv_match(&env.uac, Duration::from_secs(2), |m| code(m) >= 200).expect("200");
        assert_eq!(code(&r), 200, "{mode}");
    }
    assert!(drain(&env.uas, Duration::from_millis(200)).is_empty(), "nothing went to the R-URI host");
    assert_eq!(env.log(), vec!["relay 1".to_string(), "relay 1".into(), "relay 1".into()]);
}

/// Forks to the R-URI and uas2; onsend_route notes what it sees and drops
/// what goes to uas2. A failed t_relay is answered by sl_reply_error.
fn onsend_script(e: &Env2, cb: Callback<'_>, ctx: &mut RouteCtx<'_>) -> i32 {
    match cb {
        Callback::Request => {
            if let Some(r) = prologue(ctx) {
                return r;
            }
            if ctx.msg.header_by_name("X-Fork").is_some() {
                ctx.branches.push(Branch { uri: uri(e.uas2), ..Default::default() });
            }
            let r = call(ctx, "tm.t_relay", &[]);
            e.note(format!("t_relay {r}"));
            if r < 0 {
                call(ctx, "sl.sl_reply_error", &[]);
            }
        }
        Callback::OnSend => {
            let (proto, dest) = ctx.snd.expect("the destination");
            e.note(format!(
                "onsend {:?} {} {} to {proto}:{} vias={}",
                ctx.route_type,
                ctx.msg.method_str().unwrap_or("?"),
                ctx.msg.ruri_str().unwrap_or("?"),
                dest.port(),
                ctx.msg.via_count()
            ));
            if dest.port() == e.uas2 {
                ctx.stop = Stop::Drop;
                return 0;
            }
        }
        _ => {}
    }
    1
}

#[test]
fn onsend_route_drop_skips_a_branch_and_fails_t_relay_when_none_is_left() {
    let env = start(onsend_script);
    let (p1, p2) = (port(&env.uas), port(&env.uas2));
    // A fork: the branch to uas2 is dropped, the other one goes out.
    let inv = request("INVITE", &uri(p1), &env.uac, "os1", 1, "X-Fork: 1\r\n");
    send(&env.uac, env.proxy, &inv);
    let req = recv_match(&env.uas, Duration::from_secs(2), |m| is_method(m, Method::Invite)).expect("branch 0 sent");
    assert!(drain(&env.uas2, Duration::from_millis(300)).is_empty(), "the dropped branch is not sent");
    answer(&env.uas, env.proxy, &req, 200, "OK", "a");
    assert_eq!(invite_finals(&env.uac, Duration::from_millis(500)), vec![(200, Some("a".to_string()))]);
    // Only branch dropped: t_relay fails, the caller gets 477.
    let msg = request("MESSAGE", &uri(p2), &env.uac, "os2", 1, "");
    send(&env.uac, env.proxy, &msg);
    let r = recv_match(&env.uac, Duration::from_secs(2), |m| code(m) >= 200).expect("a final reply");
    assert_eq!(code(&r), 477);
    assert!(drain(&env.uas2, Duration::from_millis(300)).is_empty());
    assert_eq!(
        env.log(),
        vec![
            format!("onsend OnSend INVITE {} to udp:{p1} vias=2", uri(p1)),
            format!("onsend OnSend INVITE {} to udp:{p2} vias=2", uri(p2)),
            "t_relay 1".to_string(),
            format!("onsend OnSend MESSAGE {} to udp:{p2} vias=2", uri(p2)),
            "t_relay -1".to_string(),
        ]
    );
}

/// A TCP UAS: every accepted connection read by its own thread; messages
/// arrive with a handle to write replies on the same connection.
struct TcpUas {
    port: u16,
    rx: mpsc::Receiver<(SipMessage, Arc<Mutex<TcpStream>>)>,
}

fn read_tcp_messages(stream: TcpStream, tx: mpsc::Sender<(SipMessage, Arc<Mutex<TcpStream>>)>) {
    let w = Arc::new(Mutex::new(stream.try_clone().unwrap()));
    let mut stream = stream;
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        // one message: head up to CRLFCRLF, then Content-Length bytes
        while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_string();
            let cl: usize = head
                .lines()
                .find_map(|l| {
                    let (n, v) = l.split_once(':')?;
                    (n.trim().eq_ignore_ascii_case("content-length") || n.trim() == "l").then(|| v.trim().parse().ok())?
                })
                .unwrap_or(0);
            let total = end + 4 + cl;
            if buf.len() < total {
                break;
            }
            let msg: Vec<u8> = buf.drain(..total).collect();
            let m = sip::parse(Bytes::from(msg)).expect("parsable over TCP");
            if tx.send((m, w.clone())).is_err() {
                return;
            }
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

impl TcpUas {
    fn start() -> TcpUas {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for s in l.incoming() {
                let Ok(s) = s else { return };
                let tx = tx.clone();
                std::thread::spawn(move || read_tcp_messages(s, tx));
            }
        });
        TcpUas { port, rx }
    }
    fn recv(&self, within: Duration) -> Option<(SipMessage, Arc<Mutex<TcpStream>>)> {
        self.rx.recv_timeout(within).ok()
    }
}

fn tcp_answer(conn: &Arc<Mutex<TcpStream>>, req: &SipMessage, code: u16, reason: &str, extra: Vec<(String, String)>) {
    let opts = ReplyOptions { to_tag: Some("tcpuas".into()), extra_headers: extra, ..Default::default() };
    conn.lock().unwrap().write_all(&sip::build_reply(req, code, reason, &opts)).unwrap();
}

/// A record-routing proxy: in-dialog requests follow loose_route.
fn rr_script(e: &Env2, cb: Callback<'_>, ctx: &mut RouteCtx<'_>) -> i32 {
    if cb != Callback::Request {
        return 1;
    }
    if ctx.msg.to_tag().is_some() {
        let lr = call(ctx, "rr.loose_route", &[]);
        e.note(format!("{} loose_route {lr}", ctx.msg.method_str().unwrap_or("?")));
        if is(ctx, Method::Ack) && call(ctx, "tm.t_check_trans", &[]) > 0 {
            return 1;
        }
        call(ctx, "tm.t_relay", &[]);
        return 1;
    }
    if let Some(r) = prologue(ctx) {
        return r;
    }
    call(ctx, "rr.record_route", &[]);
    if call(ctx, "tm.t_relay", &[]) < 0 {
        call(ctx, "sl.sl_reply_error", &[]);
    }
    1
}

#[test]
fn udp_caller_tcp_callee_call_with_double_record_route() {
    let env = start_with("listen=udp:127.0.0.1:0\nlisten=tcp:127.0.0.1:0\n", rr_script);
    let (udp, tcp) = (env.local(Protocol::Udp), env.local(Protocol::Tcp));
    let uas = TcpUas::start();
    let callee = format!("sip:bob@127.0.0.1:{};transport=tcp", uas.port);
    let inv = request("INVITE", &callee, &env.uac, "m7", 1, "");
    send(&env.uac, env.proxy, &inv);
    let (req, conn) = uas.recv(Duration::from_secs(3)).expect("INVITE over TCP");
    assert!(is_method(&req, Method::Invite));
    assert!(req.top_via().unwrap().transport().eq_ignore_ascii_case("TCP"), "our Via says TCP");
    let rr: Vec<String> = req.header_values(HeaderName::RecordRoute).map(str::to_string).collect();
    assert_eq!(rr.len(), 2, "double Record-Route: {rr:?}");
    assert!(rr[0].contains(&format!("127.0.0.1:{}", tcp.port())) && rr[0].contains("transport=tcp"), "outgoing (TCP) side first: {rr:?}");
    assert!(rr[1].contains(&format!("127.0.0.1:{}", udp.port())) && !rr[1].contains("transport=tcp"), "incoming (UDP) side second: {rr:?}");
    assert!(rr.iter().all(|r| r.contains(";lr")));
    // the callee copies Record-Route into its answers (RFC 3261 §12.1.1)
    let mut extra: Vec<(String, String)> = rr.iter().map(|r| ("Record-Route".to_string(), r.clone())).collect();
    extra.push(("Contact".into(), format!("<{callee}>")));
    tcp_answer(&conn, &req, 180, "Ringing", extra.clone());
    tcp_answer(&conn, &req, 200, "OK", extra);
    let r180 = recv_match(&env.uac, Duration::from_secs(2), |m| code(m) == 180).expect("180 over UDP");
    assert_eq!(r180.via_count(), 1);
    let ok = recv_match(&env.uac, Duration::from_secs(2), |m| code(m) == 200).expect("200 over UDP");
    let rr_up: Vec<String> = ok.header_values(HeaderName::RecordRoute).map(str::to_string).collect();
    assert_eq!(rr_up, rr, "the caller sees both Record-Routes");
    // The caller's route set: the Record-Routes reversed (UDP side first).
    let route = format!("Route: {}\r\nRoute: {}\r\n", rr[1], rr[0]);
    let dialog = |m: &str, cseq: u32, br: &str| {
        format!(
            "{m} {callee} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{p};branch=z9hG4bK{br}\r\nMax-Forwards: 70\r\n\
             {route}From: <sip:alice@127.0.0.1>;tag=am7\r\nTo: <sip:bob@127.0.0.1>;tag=tcpuas\r\nCall-ID: m7@test\r\n\
             CSeq: {cseq} {m}\r\nContent-Length: 0\r\n\r\n",
            p = port(&env.uac)
        )
    };
    send(&env.uac, env.proxy, dialog("ACK", 1, "m7ack"));
    let (ack, _) = uas.recv(Duration::from_secs(2)).expect("ACK over TCP");
    assert!(is_method(&ack, Method::Ack));
    assert_eq!(ack.header_values(HeaderName::Route).count(), 0, "both of our Routes consumed");
    assert!(ack.top_via().unwrap().transport().eq_ignore_ascii_case("TCP"));
    send(&env.uac, env.proxy, dialog("BYE", 2, "m7bye"));
    let (bye, conn2) = uas.recv(Duration::from_secs(2)).expect("BYE over TCP");
    assert!(is_method(&bye, Method::Bye));
    assert_eq!(bye.header_values(HeaderName::Route).count(), 0);
    tcp_answer(&conn2, &bye, 200, "OK", Vec::new());
    let r = recv_match(&env.uac, Duration::from_secs(2), |m| cseq_method(m) == Method::Bye).expect("200 for BYE");
    assert_eq!(code(&r), 200);
    assert_eq!(r.via_count(), 1);
    let log = env.log();
    assert_eq!(log, vec!["ACK loose_route 1".to_string(), "BYE loose_route 1".into()]);
}

#[test]
fn append_to_reply_adds_headers_to_local_replies() {
    let env = start(|_, cb, ctx| {
        if cb != Callback::Request {
            return 1;
        }
        if let Some(r) = prologue(ctx) {
            return r;
        }
        call(ctx, "textops.append_to_reply", &[Arg::Str("X-Reason: closed\r\nRetry-After: 60\r\n")]);
        if ctx.msg.method() == Some(&Method::Message) {
            call(ctx, "tm.t_reply", &[Arg::Int(480), Arg::Str("Later")]);
        } else {
            call(ctx, "sl.sl_send_reply", &[Arg::Int(503), Arg::Str("Closed")]);
        }
        1
    });
    let opt = request("OPTIONS", &uri(port(&env.uas)), &env.uac, "m8a", 1, "");
    send(&env.uac, env.proxy, &opt);
    let r = recv(&env.uac, Duration::from_secs(2)).expect("503");
    assert_eq!(code(&r), 503);
    assert_eq!(r.header_by_name("X-Reason"), Some("closed"));
    assert_eq!(r.header_by_name("Retry-After"), Some("60"));
    let msg = request("MESSAGE", &uri(port(&env.uas)), &env.uac, "m8b", 1, "");
    send(&env.uac, env.proxy, &msg);
    let r = recv(&env.uac, Duration::from_secs(2)).expect("480");
    assert_eq!(code(&r), 480);
    assert_eq!(r.header_by_name("X-Reason"), Some("closed"));
    // only for this request: nothing leaks into the next one's context
    send(&env.uac, env.proxy, request("OPTIONS", &uri(port(&env.uas)), &env.uac, "m8c", 1, ""));
    let r = recv(&env.uac, Duration::from_secs(2)).unwrap();
    assert_eq!(r.header_values_by_name("X-Reason").count(), 1);
}
