//! sl: stateless replies (`sl_send_reply`, `send_reply`, `sl_reply_error`).
//!
//! Local replies carry a To-tag derived from the request (the same for
//! every retransmission) and the `Server` header (`server_header` /
//! `server_signature`) and the `append_to_reply()` headers
//! (`ctx.reply_headers`), and set `ctx.last_reply_status`. `send_reply` is
//! stateful when the request has a transaction (`t_newtran`/`t_relay`
//! matched or created one), else stateless, as Kamailio's.

use crate::exports::{export, Arg, Export, Param, Ret};
use crate::route::{mask, RouteCtx};
use crate::server;

use Param::{Int, Str};

/// Send a stateless reply to the request in `ctx`. Never to an ACK.
pub fn sl_reply(ctx: &mut RouteCtx<'_>, code: u16, reason: &str) -> bool {
    if !(100..700).contains(&code) {
        tracing::error!("sl_send_reply: invalid code {code}");
        return false;
    }
    let extra = ctx.reply_headers.clone();
    let ok = server::send_stateless_reply_with(ctx.shared, &ctx.msg, &ctx.info, code, reason, extra);
    if ok {
        ctx.last_reply_status = Some(code);
    }
    ok
}

fn sl_send_reply(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    sl_reply(ctx, a[0].int() as u16, a[1].str()).into()
}

fn send_reply(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    let (code, reason) = (a[0].int() as u16, a[1].str());
    if ctx.tm.tx.is_some() {
        Ret::Int(crate::tm::t_reply(ctx, code, reason) as i64)
    } else {
        sl_reply(ctx, code, reason).into()
    }
}

/// `sl_reply_error()`: the error of the last failed function (e.g. 478
/// for an unresolvable destination in `t_relay`), else 500.
fn sl_reply_error(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    let (code, reason) = ctx.tm.last_error.unwrap_or((500, "Server Internal Error"));
    if ctx.tm.tx.is_some() {
        Ret::Int(crate::tm::t_reply(ctx, code, reason) as i64)
    } else {
        sl_reply(ctx, code, reason).into()
    }
}

pub static EXPORTS: &[Export] = &[
    export!("sl", "sl_send_reply", ["sl_send_reply"], [Int, Str], sl_send_reply, routes = mask::ANY_REQUEST),
    export!("sl", "send_reply", ["send_reply"], [Int, Str], send_reply, routes = mask::ANY_REQUEST),
    export!("sl", "sl_reply_error", ["sl_reply_error"], [], sl_reply_error, routes = mask::ANY_REQUEST),
];
