//! Core functions (KEMI `KSR.<name>` and `KSR.x.*`): logging, flags,
//! method tests, exit/drop.

use crate::exports::{export, Arg, Export, Param, Ret, RetKind};
use crate::route::{RouteCtx, Stop};
use crate::sip::Method;

use Param::{Int, Str};

macro_rules! log_fn {
    ($fname:ident, $level:ident) => {
        fn $fname(_ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
            // Scripts put their own "\n" at the end, as for Kamailio.
            tracing::$level!(target: "script", "{}", a[0].str().trim_end_matches('\n'));
            Ret::Int(1)
        }
    };
}
log_fn!(log_dbg, debug);
log_fn!(log_info, info);
log_fn!(log_warn, warn);
log_fn!(log_err, error);

fn setflag(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    ctx.set_flag(a[0].int() as u32).into()
}
fn resetflag(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    ctx.reset_flag(a[0].int() as u32).into()
}
fn isflagset(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    ctx.is_flag_set(a[0].int() as u32).into()
}

fn exit(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    ctx.stop = Stop::Exit;
    Ret::Int(0)
}
fn drop(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    ctx.stop = Stop::Drop;
    Ret::Int(0)
}
/// KSR.set_drop: mark for dropping but let the script go on.
fn set_drop(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    ctx.stop = Stop::Drop;
    Ret::Int(1)
}

fn method_is(ctx: &RouteCtx<'_>, m: Method) -> Ret {
    // In a reply route the method is the CSeq method.
    let ok = match ctx.msg.method() {
        Some(x) => *x == m,
        None => ctx.msg.cseq().and_then(|c| c.ok()).is_some_and(|c| c.method == m),
    };
    ok.into()
}

macro_rules! is_method_fn {
    ($fname:ident, $m:expr) => {
        fn $fname(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
            method_is(ctx, $m)
        }
    };
}
is_method_fn!(is_invite, Method::Invite);
is_method_fn!(is_ack, Method::Ack);
is_method_fn!(is_bye, Method::Bye);
is_method_fn!(is_cancel, Method::Cancel);
is_method_fn!(is_register, Method::Register);
is_method_fn!(is_options, Method::Options);


pub static EXPORTS: &[Export] = &[
    export!("", "dbg", [], [Str], log_dbg),
    export!("", "info", [], [Str], log_info),
    export!("", "notice", [], [Str], log_info),
    export!("", "warn", [], [Str], log_warn),
    export!("", "err", [], [Str], log_err),
    export!("", "crit", [], [Str], log_err),
    export!("", "setflag", ["setflag"], [Int], setflag),
    export!("", "resetflag", ["resetflag"], [Int], resetflag),
    export!("", "isflagset", ["isflagset"], [Int], isflagset, ret = RetKind::Bool),
    export!("", "is_INVITE", [], [], is_invite, ret = RetKind::Bool),
    export!("", "is_ACK", [], [], is_ack, ret = RetKind::Bool),
    export!("", "is_BYE", [], [], is_bye, ret = RetKind::Bool),
    export!("", "is_CANCEL", [], [], is_cancel, ret = RetKind::Bool),
    export!("", "is_REGISTER", [], [], is_register, ret = RetKind::Bool),
    export!("", "is_OPTIONS", [], [], is_options, ret = RetKind::Bool),
    export!("", "drop", [], [], drop),
    export!("", "set_drop", [], [], set_drop),
    export!("x", "exit", [], [], exit),
    export!("x", "drop", [], [], drop),
];
