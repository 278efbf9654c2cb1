//! tm end to end: a `Server` on 127.0.0.1 with a script written in Rust
//! (the stand-in for a KEMI script: it calls the exports by name, as
//! `KSR.tm.t_relay()` would), a UAC and UAS as plain UDP sockets.

mod common;
use common::*;

use std::time::{Duration, Instant};

use switchboard_core::engine::Callback;
use switchboard_core::exports::Arg;
use switchboard_core::route::{Branch, RouteCtx};
use switchboard_core::sip::{self, Method};

/// The plain proxy: t_relay to the R-URI, reply error on failure.
fn plain(_: &Env2, cb: Callback<'_>, ctx: &mut RouteCtx<'_>) -> i32 {
    if cb != Callback::Request {
        return 1;
    }
    if let Some(r) = prologue(ctx) {
        return r;
    }
    if call(ctx, "tm.t_relay", &[]) < 0 {
        call(ctx, "sl.sl_reply_error", &[]);
    }
    1
}

#[test]
fn invite_provisional_and_200_in_order_with_retransmission() {
    let env = start(plain);
    let inv = request("INVITE", &uri(port(&env.uas)), &env.uac, "t1", 1, "");
    send(&env.uac, env.proxy, &inv);
    let r = recv(&env.uac, Duration::from_secs(2)).expect("100");
    assert_eq!(code(&r), 100);
    let req = recv(&env.uas, Duration::from_secs(2)).expect("INVITE at UAS");
    assert_eq!(req.method(), Some(&Method::Invite));
    assert_eq!(req.via_count(), 2, "our Via on top");
    // Two workers read the socket: replies sent back to back may be taken
    // by different workers; a small gap keeps the arrival order defined.
    for (c, r) in [(100, "Trying"), (180, "Ringing"), (200, "OK"), (200, "OK")] {
        answer(&env.uas, env.proxy, &req, c, r, "u1");
        std::thread::sleep(Duration::from_millis(20));
    }
    let got: Vec<u16> = drain(&env.uac, Duration::from_millis(400)).iter().map(code).collect();
    assert_eq!(got, vec![180, 200, 200], "100 is hop-by-hop; 180 then 200 and its retransmission");
    // the forwarded replies lost our Via
    answer(&env.uas, env.proxy, &req, 200, "OK", "u1");
    let r = recv(&env.uac, Duration::from_secs(1)).unwrap();
    assert_eq!(r.via_count(), 1);
    // wt_timer (500 ms) after the final reply the transaction is gone
    let tm = &env.server.as_ref().unwrap().shared().tm;
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(tm.count(), 0, "finished transaction removed after wt_timer");
}

#[test]
fn negative_final_is_acked_downstream_and_upstream_ack_absorbed() {
    let env = start(plain);
    let inv = request("INVITE", &uri(port(&env.uas)), &env.uac, "t2", 1, "");
    send(&env.uac, env.proxy, &inv);
    let req = recv_match(&env.uas, Duration::from_secs(2), |m| m.method() == Some(&Method::Invite)).unwrap();
    answer(&env.uas, env.proxy, &req, 486, "Busy Here", "u2");
    let ack = recv_match(&env.uas, Duration::from_secs(2), |m| m.method() == Some(&Method::Ack)).expect("hop-by-hop ACK");
    assert_eq!(ack.to_tag(), Some("u2"));
    assert_eq!(ack.top_via().unwrap().branch(), req.top_via().unwrap().branch(), "ACK has the INVITE's branch");
    let r = recv_match(&env.uac, Duration::from_secs(2), |m| code(m) >= 200).expect("486 upstream");
    assert_eq!(code(&r), 486);
    // UAC ACKs the 486: absorbed by the proxy
    let to = r.header(sip::HeaderName::To).unwrap().to_string();
    let uac_ack = inv.replace("INVITE sip", "ACK sip").replace("1 INVITE", "1 ACK").replace("To: <sip:bob@127.0.0.1>", &format!("To: {to}"));
    send(&env.uac, env.proxy, uac_ack);
    let extra = drain(&env.uas, Duration::from_millis(300));
    assert!(extra.iter().all(|m| m.method() != Some(&Method::Ack) || m.to_tag() == Some("u2") && m.top_via().unwrap().branch() == req.top_via().unwrap().branch()),
        "the UAC's ACK must not be relayed: {extra:?}");
    assert!(!extra.iter().any(|m| m.via_count() > 1), "nothing relayed from the UAC");
    // after the ACK, no more 486 retransmissions (timer G stopped)
    let later = drain(&env.uac, Duration::from_millis(400));
    assert!(later.is_empty(), "no retransmission after ACK: {:?}", later.iter().map(code).collect::<Vec<_>>());
}

#[test]
fn cancel_before_answer() {
    let env = start(plain);
    let inv = request("INVITE", &uri(port(&env.uas)), &env.uac, "t3", 1, "");
    send(&env.uac, env.proxy, &inv);
    let req = recv_match(&env.uas, Duration::from_secs(2), |m| m.method() == Some(&Method::Invite)).unwrap();
    answer(&env.uas, env.proxy, &req, 180, "Ringing", "u3");
    assert_eq!(code(&recv_match(&env.uac, Duration::from_secs(2), |m| code(m) == 180).unwrap()), 180);
    let cancel = inv.replace("INVITE sip", "CANCEL sip").replace("1 INVITE", "1 CANCEL");
    send(&env.uac, env.proxy, &cancel);
    let c200 = recv_match(&env.uac, Duration::from_secs(2), |m| cseq_method(m) == Method::Cancel).expect("200 for CANCEL");
    assert_eq!(code(&c200), 200);
    let dc = recv_match(&env.uas, Duration::from_secs(2), |m| m.method() == Some(&Method::Cancel)).expect("CANCEL downstream");
    assert_eq!(dc.top_via().unwrap().branch(), req.top_via().unwrap().branch());
    answer(&env.uas, env.proxy, &dc, 200, "OK", "u3");
    answer(&env.uas, env.proxy, &req, 487, "Request Terminated", "u3");
    let r = recv_match(&env.uac, Duration::from_secs(2), |m| cseq_method(m) == Method::Invite && code(m) >= 200).expect("487");
    assert_eq!(code(&r), 487);
    assert!(recv_match(&env.uas, Duration::from_secs(1), |m| m.method() == Some(&Method::Ack)).is_some(), "487 ACKed");
}

/// Failure route "x": log the code, relay to the second UAS.
fn serial(e: &Env2, cb: Callback<'_>, ctx: &mut RouteCtx<'_>) -> i32 {
    match cb {
        Callback::Request => {
            if let Some(r) = prologue(ctx) {
                return r;
            }
            call(ctx, "tm.t_on_failure", &[Arg::Str("x")]);
            if call(ctx, "tm.t_relay", &[]) < 0 {
                call(ctx, "sl.sl_reply_error", &[]);
            }
            1
        }
        Callback::Named("x") => {
            e.note(format!(
                "failure {} canceled={} timeout={} failure_route={}",
                ctx.t_reply_code.unwrap_or(0),
                call(ctx, "tm.t_is_canceled", &[]) > 0,
                call(ctx, "tm.t_branch_timeout", &[]) > 0,
                call(ctx, "tmx.t_is_failure_route", &[]) > 0,
            ));
            if call(ctx, "tm.t_check_status", &[Arg::Str("408")]) > 0 {
                return 1;
            }
            ctx.dst_uri = Some(format!("sip:127.0.0.1:{}", e.uas2));
            let r = call(ctx, "tm.t_relay", &[]);
            e.note(format!("relay {r}"));
            1
        }
        _ => 1,
    }
}

#[test]
fn failure_route_relays_to_second_target() {
    let env = start(serial);
    let inv = request("INVITE", &uri(port(&env.uas)), &env.uac, "t4", 1, "");
    send(&env.uac, env.proxy, &inv);
    let req = recv_match(&env.uas, Duration::from_secs(2), |m| m.method() == Some(&Method::Invite)).unwrap();
    answer(&env.uas, env.proxy, &req, 486, "Busy Here", "u4");
    let req2 = recv_match(&env.uas2, Duration::from_secs(2), |m| m.method() == Some(&Method::Invite)).expect("second target");
    assert_ne!(req2.top_via().unwrap().branch(), req.top_via().unwrap().branch());
    answer(&env.uas2, env.proxy, &req2, 200, "OK", "v4");
    let finals: Vec<u16> = drain(&env.uac, Duration::from_millis(500)).iter().map(code).filter(|c| *c >= 200).collect();
    assert_eq!(finals, vec![200], "the 486 never goes upstream");
    let log = env.log.lock().unwrap().clone();
    assert_eq!(log, vec!["failure 486 canceled=false timeout=false failure_route=true".to_string(), "relay 1".into()]);
}

#[test]
fn no_answer_gives_408_and_failure_route_sees_it() {
    let env = start(serial);
    let inv = request("INVITE", &uri(port(&env.uas)), &env.uac, "t5", 1, "");
    send(&env.uac, env.proxy, &inv);
    let req = recv_match(&env.uas, Duration::from_secs(2), |m| m.method() == Some(&Method::Invite)).unwrap();
    answer(&env.uas, env.proxy, &req, 180, "Ringing", "u5");
    let t0 = Instant::now();
    // fr_inv_timer = 1.5 s: CANCEL downstream, 408 upstream
    let c = recv_match(&env.uas, Duration::from_secs(4), |m| m.method() == Some(&Method::Cancel)).expect("CANCEL on timeout");
    assert!(t0.elapsed() >= Duration::from_millis(1200), "fr_inv_timer honoured: {:?}", t0.elapsed());
    answer(&env.uas, env.proxy, &c, 200, "OK", "u5");
    let r = recv_match(&env.uac, Duration::from_secs(2), |m| code(m) >= 200).expect("408");
    assert_eq!(code(&r), 408);
    assert!(r.to_tag().is_some());
    let log = env.log.lock().unwrap().clone();
    assert_eq!(log, vec!["failure 408 canceled=false timeout=true failure_route=true".to_string()]);
}

#[test]
fn retransmitted_invite_is_absorbed() {
    let env = start(plain);
    let inv = request("INVITE", &uri(port(&env.uas)), &env.uac, "t6", 1, "");
    send(&env.uac, env.proxy, &inv);
    let req = recv_match(&env.uas, Duration::from_secs(2), |m| m.method() == Some(&Method::Invite)).unwrap();
    answer(&env.uas, env.proxy, &req, 180, "Ringing", "u6");
    assert!(recv_match(&env.uac, Duration::from_secs(2), |m| code(m) == 180).is_some());
    drain(&env.uas, Duration::from_millis(150));
    send(&env.uac, env.proxy, &inv);
    let again = recv(&env.uac, Duration::from_secs(2)).expect("last provisional again");
    assert_eq!(code(&again), 180);
    let at_uas = drain(&env.uas, Duration::from_millis(300));
    assert!(at_uas.is_empty(), "UAS saw a second INVITE: {at_uas:?}");
}

/// Two branches: R-URI and an appended one.
fn parallel(e: &Env2, cb: Callback<'_>, ctx: &mut RouteCtx<'_>) -> i32 {
    if cb != Callback::Request {
        return 1;
    }
    if let Some(r) = prologue(ctx) {
        return r;
    }
    ctx.branches.push(Branch { uri: uri(e.uas2), ..Default::default() });
    call(ctx, "tm.t_relay", &[]);
    1
}

#[test]
fn parallel_fork_first_200_wins_other_cancelled() {
    let env = start(parallel);
    let inv = request("INVITE", &uri(port(&env.uas)), &env.uac, "t7", 1, "");
    send(&env.uac, env.proxy, &inv);
    let r1 = recv_match(&env.uas, Duration::from_secs(2), |m| m.method() == Some(&Method::Invite)).unwrap();
    let r2 = recv_match(&env.uas2, Duration::from_secs(2), |m| m.method() == Some(&Method::Invite)).unwrap();
    answer(&env.uas, env.proxy, &r1, 180, "Ringing", "a");
    std::thread::sleep(Duration::from_millis(50));
    answer(&env.uas2, env.proxy, &r2, 200, "OK", "b");
    let c = recv_match(&env.uas, Duration::from_secs(2), |m| m.method() == Some(&Method::Cancel)).expect("loser cancelled");
    answer(&env.uas, env.proxy, &c, 200, "OK", "a");
    answer(&env.uas, env.proxy, &r1, 487, "Request Terminated", "a");
    assert!(recv_match(&env.uas, Duration::from_secs(1), |m| m.method() == Some(&Method::Ack)).is_some());
    let finals: Vec<(u16, Option<String>)> = drain(&env.uac, Duration::from_millis(400))
        .iter()
        .filter(|m| code(m) >= 200)
        .map(|m| (code(m), m.to_tag().map(str::to_string)))
        .collect();
    assert_eq!(finals, vec![(200, Some("b".to_string()))]);
}

#[test]
fn non_invite_retransmitted_over_udp_then_408() {
    let env = start(plain);
    let msg = request("MESSAGE", &uri(port(&env.uas)), &env.uac, "t8", 1, "");
    send(&env.uac, env.proxy, &msg);
    let t0 = Instant::now();
    let seen = drain(&env.uas, Duration::from_millis(700));
    assert!(seen.len() >= 3, "timer E retransmissions: {} copies in {:?}", seen.len(), t0.elapsed());
    assert!(seen.iter().all(|m| m.method_str() == Some("MESSAGE")));
    let r = recv_match(&env.uac, Duration::from_secs(2), |m| code(m) >= 200).expect("408 after fr_timer");
    assert_eq!(code(&r), 408);
    assert!(t0.elapsed() >= Duration::from_millis(900));
}

#[test]
fn reply_without_transaction_is_forwarded_by_via() {
    let env = start(plain);
    let text = format!(
        "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:{};branch=z9hG4bKnotours\r\nVia: SIP/2.0/UDP 127.0.0.1:{};branch=z9hG4bKuac\r\n\
         From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\nCall-ID: sl@test\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
        env.proxy.port(),
        port(&env.uac)
    );
    send(&env.uas, env.proxy, &text);
    let r = recv(&env.uac, Duration::from_secs(2)).expect("forwarded reply");
    assert_eq!(code(&r), 200);
    assert_eq!(r.via_count(), 1);
    assert_eq!(r.top_via().unwrap().branch(), Some("z9hG4bKuac"));
    // a reply whose top Via is not ours is dropped
    let foreign = text.replace(&format!("127.0.0.1:{};branch=z9hG4bKnotours", env.proxy.port()), "192.0.2.1:5060;branch=z9hG4bKx");
    send(&env.uas, env.proxy, foreign);
    assert!(recv(&env.uac, Duration::from_millis(300)).is_none());
}

#[test]
fn sl_send_reply_has_to_tag_and_server_header() {
    let env = start(|_, cb, ctx| {
        if cb == Callback::Request {
            call(ctx, "sl.sl_send_reply", &[Arg::Int(404), Arg::Str("Not Here")]);
            assert_eq!(ctx.last_reply_status, Some(404));
        }
        1
    });
    let opt = request("OPTIONS", &uri(port(&env.uas)), &env.uac, "t9", 1, "");
    send(&env.uac, env.proxy, &opt);
    let r = recv(&env.uac, Duration::from_secs(2)).expect("404");
    assert_eq!(code(&r), 404);
    assert_eq!(r.reason(), Some("Not Here"));
    assert!(r.to_tag().is_some());
    assert!(r.header_by_name("Server").is_some_and(|s| s.contains("switchboard")));
    // the same tag on a retransmission
    send(&env.uac, env.proxy, &opt);
    let r2 = recv(&env.uac, Duration::from_secs(2)).unwrap();
    assert_eq!(r.to_tag(), r2.to_tag());
}

#[test]
fn t_reply_is_stateful_and_absorbs_retransmissions() {
    let env = start(|e, cb, ctx| {
        if cb == Callback::Request {
            if let Some(r) = prologue(ctx) {
                e.note(format!("prologue {r}"));
                return r;
            }
            e.note("replied".into());
            call(ctx, "tm.t_reply", &[Arg::Int(480), Arg::Str("Later")]);
        }
        1
    });
    let m = request("MESSAGE", &uri(port(&env.uas)), &env.uac, "t10", 1, "");
    send(&env.uac, env.proxy, &m);
    assert_eq!(code(&recv(&env.uac, Duration::from_secs(2)).unwrap()), 480);
    send(&env.uac, env.proxy, &m);
    assert_eq!(code(&recv(&env.uac, Duration::from_secs(2)).unwrap()), 480);
    std::thread::sleep(Duration::from_millis(100));
    let log = env.log.lock().unwrap().clone();
    assert_eq!(log, vec!["replied".to_string(), "prologue 0".into()], "the retransmission was absorbed");
}

#[test]
fn branch_route_runs_per_branch_and_may_drop_one() {
    let env = start(|e, cb, ctx| {
        match cb {
            Callback::Request => {
                if let Some(r) = prologue(ctx) {
                    return r;
                }
                ctx.branches.push(Branch { uri: uri(e.uas2), ..Default::default() });
                call(ctx, "tm.t_on_branch", &[Arg::Str("b")]);
                e.note(format!("relay {}", call(ctx, "tm.t_relay", &[])));
            }
            Callback::Named("b") => {
                e.note(format!(
                    "branch {} {} {}",
                    ctx.t_branch_idx.unwrap_or(99),
                    call(ctx, "tmx.t_is_branch_route", &[]) > 0,
                    ctx.ruri()
                ));
                if ctx.ruri() == uri(e.uas2) {
                    call(ctx, "drop", &[]);
                    return 0;
                }
            }
            _ => {}
        }
        1
    });
    let inv = request("INVITE", &uri(port(&env.uas)), &env.uac, "t11", 1, "");
    send(&env.uac, env.proxy, &inv);
    let r1 = recv_match(&env.uas, Duration::from_secs(2), |m| m.method() == Some(&Method::Invite)).expect("branch 0 sent");
    assert!(recv(&env.uas2, Duration::from_millis(300)).is_none(), "dropped branch not sent");
    answer(&env.uas, env.proxy, &r1, 200, "OK", "z");
    assert_eq!(code(&recv_match(&env.uac, Duration::from_secs(2), |m| code(m) >= 200).unwrap()), 200);
    let log = env.log.lock().unwrap().clone();
    assert_eq!(
        log,
        vec![
            "relay 1".to_string(),
            format!("branch 0 true {}", uri(port(&env.uas))),
            format!("branch 1 true {}", uri(env_uas2_port(&env))),
        ]
    );
}

fn env_uas2_port(env: &Env) -> u16 {
    port(&env.uas2)
}
