//! tm and tmx exports. The transaction logic is in `crate::tm`.
//!
//! | KEMI (`KSR.tm.` / `KSR.tmx.`)  | native cfg                  |
//! |--------------------------------|-----------------------------|
//! | `t_relay()`                    | `t_relay()`                 |
//! | `t_relay_to_proxy(proxy)`      | `t_relay_to(proxy)`         |
//! | `t_relay_to_udp(host, port)`   | `t_relay_to_udp(host, port)`|
//! | `t_relay_to_tcp(host, port)`   | `t_relay_to_tcp(host, port)`|
//! | `t_relay_to_proto_addr(proto, host, port)` | —               |
//! | `t_newtran()`                  | `t_newtran()`               |
//! | `t_reply(code, reason)`        | `t_reply`                   |
//! | `t_send_reply(code, reason)`   | `t_send_reply`              |
//! | `t_check_trans()`              | `t_check_trans()`           |
//! | `t_on_failure/branch/reply/branch_failure(name)` | same      |
//! | `t_is_set(target)`             | `t_is_set`                  |
//! | `t_is_canceled()`              | `t_is_canceled()`           |
//! | `t_check_status(regex)`        | `t_check_status`            |
//! | `t_set_fr(fr_inv, fr)` (ms)    | `t_set_fr`                  |
//! | `t_set_fr_inv(fr_inv)` (ms)    | `t_set_fr(fr_inv)`          |
//! | `t_reset_fr()`                 | `t_reset_fr()`              |
//! | `t_branch_timeout()` / `t_branch_replied()` / `t_any_timeout()` / `t_any_replied()` | same |
//! | `t_release()` (no-op, 1)       | `t_release()`               |
//! | `t_uac_send(method, ruri, nexthop, socket, headers, body)` | same |
//! | tmx `t_precheck_trans()`       | `t_precheck_trans()`        |
//! | tmx `t_is_failure_route()` / `t_is_branch_route()` / `t_is_reply_route()` / `t_is_request_route()` | same |
//!
//! `t_uac_send` originates a request (`crate::tm::uac`): empty strings are
//! "not given", `socket` is `proto:ip:port`; 1 sent, -1 error or dropped
//! by `event_route[tm:local-request]`.
//!
//! A proxy is `[proto:]host[:port]` or a `sip:` URI. The native
//! two-argument `t_relay(host, port)` is not provided (every export has a
//! KEMI name, and Kamailio's KEMI has none for it); use
//! `t_relay_to_udp`/`t_relay_to_tcp` (or, in KEMI, `t_relay_to_proto_addr`).

use std::time::Duration;

use bytes::Bytes;

use crate::exports::{export, Arg, Export, Param, Ret};
use crate::forward;
use crate::route::{mask, RouteCtx, RouteType};
use crate::tm::{self, uac};
use crate::transport::Protocol;

use Param::{Int, Str};

fn t_relay(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    Ret::Int(tm::t_relay(ctx, None) as i64)
}

fn relay_to(ctx: &mut RouteCtx<'_>, spec: &str) -> Ret {
    match forward::resolve_proxy(spec) {
        Ok(p) => Ret::Int(tm::t_relay(ctx, Some(p)) as i64),
        Err(e) => {
            tracing::error!("t_relay_to: {e}");
            ctx.tm.last_error = Some((478, "Unresolvable destination"));
            Ret::Int(-1)
        }
    }
}

fn t_relay_to_proxy(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    relay_to(ctx, a[0].str())
}

fn relay_proto(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>], proto: Protocol) -> Ret {
    let host = a[0].str();
    let host = if host.contains(':') && !host.starts_with('[') { format!("[{host}]") } else { host.to_string() };
    relay_to(ctx, &format!("{}:{host}:{}", proto.as_str(), a[1].int()))
}

fn t_relay_to_udp(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    relay_proto(ctx, a, Protocol::Udp)
}
fn t_relay_to_tcp(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    relay_proto(ctx, a, Protocol::Tcp)
}
/// `KSR.tm.t_relay_to_proto_addr(proto, host, port)`.
fn t_relay_to_proto_addr(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    match a[0].str().parse::<Protocol>() {
        Ok(proto) => relay_proto(ctx, &a[1..], proto),
        Err(e) => {
            tracing::error!("t_relay_to_proto_addr: {e}");
            Ret::Int(-1)
        }
    }
}

fn t_newtran(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    Ret::Int(tm::t_newtran(ctx) as i64)
}

fn t_reply(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    Ret::Int(tm::t_reply(ctx, a[0].int() as u16, a[1].str()) as i64)
}

fn t_check_trans(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    Ret::Int(tm::t_check_trans(ctx) as i64)
}

fn name_arg(a: &[Arg<'_>]) -> Option<String> {
    let n = a[0].str().trim();
    (!n.is_empty()).then(|| n.to_string())
}

fn t_on_failure(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    ctx.tm.on_failure = name_arg(a);
    tm::sync_ctx(ctx);
    Ret::Int(1)
}
fn t_on_branch(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    ctx.tm.on_branch = name_arg(a);
    tm::sync_ctx(ctx);
    Ret::Int(1)
}
fn t_on_reply(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    ctx.tm.on_reply = name_arg(a);
    tm::sync_ctx(ctx);
    Ret::Int(1)
}
fn t_on_branch_failure(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    ctx.tm.on_branch_failure = name_arg(a);
    tm::sync_ctx(ctx);
    Ret::Int(1)
}

fn t_is_set(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    tm::t_is_set(ctx, a[0].str().trim()).into()
}

fn t_is_canceled(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    tm::is_canceled(ctx).into()
}

/// `t_check_status(re)`: the reply code of the route ($T_reply_code in
/// reply/failure routes) or the last one sent, against a regex matched on
/// the whole code text.
fn t_check_status(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    let code = ctx
        .t_reply_code
        .or_else(|| ctx.tm.tx.as_ref().map(|t| t.status()).filter(|c| *c > 0))
        .or(ctx.last_reply_status);
    let Some(code) = code else { return Ret::Int(-1) };
    match regex::Regex::new(&format!("^(?:{})$", a[0].str())) {
        Ok(re) => re.is_match(&code.to_string()).into(),
        Err(e) => {
            tracing::error!("t_check_status: bad regex '{}': {e}", a[0].str());
            Ret::Int(-1)
        }
    }
}

fn ms(v: i64) -> Option<Duration> {
    (v > 0).then(|| Duration::from_millis(v as u64))
}

/// `t_set_fr(fr_inv[, fr])` (ms; 0 keeps the current one), also
/// `KSR.tm.t_set_fr_inv(fr_inv)`.
fn t_set_fr(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    if let Some(d) = ms(a[0].int()) {
        ctx.tm.fr_inv_timeout = Some(d);
    }
    if let Some(d) = a.get(1).and_then(|fr| ms(fr.int())) {
        ctx.tm.fr_timeout = Some(d);
    }
    tm::sync_ctx(ctx);
    Ret::Int(1)
}

fn t_reset_fr(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    let cfg = &ctx.shared.tm.cfg;
    ctx.tm.fr_timeout = Some(cfg.fr_timer);
    ctx.tm.fr_inv_timeout = Some(cfg.fr_inv_timer);
    tm::sync_ctx(ctx);
    Ret::Int(1)
}

fn t_branch_timeout(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    ctx.tm.branch_timeout.into()
}
fn t_branch_replied(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    ctx.tm.branch_replied.into()
}
fn t_any_timeout(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    tm::any_branch(ctx, true).into()
}
fn t_any_replied(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    tm::any_branch(ctx, false).into()
}
fn t_release(_: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    Ret::Int(1)
}

fn t_uac_send(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    let given = |i: usize| Some(a[i].str().trim()).filter(|s| !s.is_empty());
    let socket = match given(3) {
        None => None,
        Some(s) => match crate::pv::parse_socket(s) {
            Some(sock) => Some(sock),
            None => {
                tracing::error!(target: "script", "t_uac_send: bad socket '{s}' (proto:ip:port)");
                return Ret::Int(-1);
            }
        },
    };
    let req = uac::LocalRequest {
        next_hop: given(2).map(str::to_string),
        socket,
        headers: a[4].str().to_string(),
        body: Bytes::copy_from_slice(a[5].str().as_bytes()),
        ..uac::LocalRequest::new(a[0].str(), a[1].str())
    };
    match uac::send_from_route(ctx, req) {
        Ok(_) => Ret::Int(1),
        Err(uac::UacError::Dropped) => Ret::Int(-1),
        Err(e) => {
            tracing::error!(target: "script", "t_uac_send: {e}");
            Ret::Int(-1)
        }
    }
}

fn t_precheck_trans(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    Ret::Int(tm::t_precheck_trans(ctx) as i64)
}
fn t_is_failure_route(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    (ctx.route_type == RouteType::Failure).into()
}
fn t_is_branch_route(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    (ctx.route_type == RouteType::Branch).into()
}
fn t_is_reply_route(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    (ctx.route_type == RouteType::Reply).into()
}
fn t_is_request_route(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    (ctx.route_type == RouteType::Request).into()
}

const RELAY: u8 = mask::REQUEST | mask::FAILURE;

pub static EXPORTS: &[Export] = &[
    export!("tm", "t_relay", ["t_relay"], [], t_relay, routes = RELAY),
    export!("tm", "t_relay_to_proxy", ["t_relay_to"], [Str], t_relay_to_proxy, routes = RELAY),
    export!("tm", "t_relay_to_udp", ["t_relay_to_udp"], [Str, Int], t_relay_to_udp, routes = RELAY),
    export!("tm", "t_relay_to_tcp", ["t_relay_to_tcp"], [Str, Int], t_relay_to_tcp, routes = RELAY),
    export!("tm", "t_relay_to_proto_addr", [], [Str, Str, Int], t_relay_to_proto_addr, routes = RELAY),
    export!("tm", "t_newtran", ["t_newtran"], [], t_newtran, routes = mask::REQUEST),
    export!("tm", "t_reply", ["t_reply"], [Int, Str], t_reply, routes = mask::REQUEST | mask::FAILURE),
    export!("tm", "t_send_reply", ["t_send_reply"], [Int, Str], t_reply, routes = mask::REQUEST | mask::FAILURE),
    export!("tm", "t_check_trans", ["t_check_trans"], [], t_check_trans, routes = mask::ANY_REQUEST),
    export!("tm", "t_on_failure", ["t_on_failure"], [Str], t_on_failure),
    export!("tm", "t_on_branch", ["t_on_branch"], [Str], t_on_branch),
    export!("tm", "t_on_reply", ["t_on_reply"], [Str], t_on_reply),
    export!("tm", "t_on_branch_failure", ["t_on_branch_failure"], [Str], t_on_branch_failure),
    export!("tm", "t_is_set", ["t_is_set"], [Str], t_is_set),
    export!("tm", "t_is_canceled", ["t_is_canceled"], [], t_is_canceled),
    export!("tm", "t_check_status", ["t_check_status"], [Str], t_check_status),
    export!("tm", "t_set_fr", ["t_set_fr"], [Int, Int], t_set_fr),
    export!("tm", "t_set_fr_inv", ["t_set_fr"], [Int], t_set_fr),
    export!("tm", "t_reset_fr", ["t_reset_fr"], [], t_reset_fr),
    export!("tm", "t_branch_timeout", ["t_branch_timeout"], [], t_branch_timeout),
    export!("tm", "t_branch_replied", ["t_branch_replied"], [], t_branch_replied),
    export!("tm", "t_any_timeout", ["t_any_timeout"], [], t_any_timeout),
    export!("tm", "t_any_replied", ["t_any_replied"], [], t_any_replied),
    export!("tm", "t_release", ["t_release"], [], t_release),
    export!("tm", "t_uac_send", ["t_uac_send"], [Str, Str, Str, Str, Str, Str], t_uac_send),
];

pub static TMX_EXPORTS: &[Export] = &[
    export!("tmx", "t_precheck_trans", ["t_precheck_trans"], [], t_precheck_trans, routes = mask::REQUEST),
    export!("tmx", "t_is_failure_route", ["t_is_failure_route"], [], t_is_failure_route),
    export!("tmx", "t_is_branch_route", ["t_is_branch_route"], [], t_is_branch_route),
    export!("tmx", "t_is_reply_route", ["t_is_reply_route"], [], t_is_reply_route),
    export!("tmx", "t_is_request_route", ["t_is_request_route"], [], t_is_request_route),
];
