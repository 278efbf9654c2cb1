//! app_perl's cfg functions: `perl_exec(fn[, param])` and
//! `perl_exec_simple(fn[, param])`, callable from request, failure,
//! onreply and branch routes.
//!
//! The interpreter lives in the Perl engine crate (engines/perl); it
//! installs itself here with [`install`] when the cfg loads app_perl, so
//! that these functions stay in the one export table.

use std::sync::OnceLock;

use crate::exports::{export, Arg, Export, Param, Ret};
use crate::route::{mask, RouteCtx};

use Param::Str;

/// Runs Perl function `func`: with the message first when `pass_msg`
/// (perl_exec), then `param` if given. Returns the Perl function's value
/// as a route code.
pub type PerlExec = fn(ctx: &mut RouteCtx<'_>, func: &str, param: Option<&str>, pass_msg: bool) -> i32;

static HOOK: OnceLock<PerlExec> = OnceLock::new();
static WORKER_START: OnceLock<fn()> = OnceLock::new();

/// Install the interpreter (once per process): `exec` runs a function,
/// `worker_start` builds a worker's interpreter (Kamailio's child_init).
pub fn install(exec: PerlExec, worker_start: fn()) {
    let _ = HOOK.set(exec);
    let _ = WORKER_START.set(worker_start);
}

/// Called by every worker thread when it starts: with app_perl loaded,
/// its interpreter is built and the script loaded now, not on the
/// worker's first message.
pub fn worker_start() {
    if let Some(start) = WORKER_START.get() {
        start();
    }
}

fn exec(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>], pass_msg: bool) -> Ret {
    let Some(run) = HOOK.get() else {
        tracing::error!("perl_exec: app_perl is not loaded (loadmodule \"app_perl.so\" and modparam(\"app_perl\", \"filename\", ...))");
        return Ret::Int(-1);
    };
    Ret::Int(i64::from(run(ctx, a[0].str(), a.get(1).map(|p| p.str()), pass_msg)))
}

fn perl_exec(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    exec(ctx, a, true)
}

fn perl_exec_simple(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    exec(ctx, a, false)
}

const ROUTES: u8 = mask::REQUEST | mask::FAILURE | mask::REPLY | mask::BRANCH;

pub static EXPORTS: &[Export] = &[
    export!("app_perl", "exec", ["perl_exec"], [Str], perl_exec, routes = ROUTES),
    export!("app_perl", "execx", ["perl_exec"], [Str, Str], perl_exec, routes = ROUTES),
    export!("app_perl", "exec_simple", ["perl_exec_simple"], [Str], perl_exec_simple, routes = ROUTES),
    export!("app_perl", "exec_simplex", ["perl_exec_simple"], [Str, Str], perl_exec_simple, routes = ROUTES),
];
