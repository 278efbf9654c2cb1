//! xlog: log lines formatted with pseudo-variables (`xlog("L_INFO", "$rm
//! from $si\n")`, `xinfo(...)`, `KSR.xlog.xinfo(...)`).
//!
//! Levels are Kamailio's: L_ALERT -5, L_BUG -4, L_CRIT2 -3, L_CRIT -2,
//! L_ERR -1, L_WARN 0, L_NOTICE 1, L_INFO 2, L_DBG 3 (names or numbers). `xlog(text)`
//! without a level logs at L_ERR, as Kamailio's does. The lines go to the
//! `script` log target, the trailing "\n" scripts add removed.

use crate::exports::{export, Arg, Export, Param, Ret};
use crate::route::RouteCtx;

use Param::{Fmt, Str};

/// Kamailio's numeric log levels.
pub const L_ALERT: i32 = -5;
pub const L_BUG: i32 = -4;
pub const L_CRIT2: i32 = -3;
pub const L_CRIT: i32 = -2;
pub const L_ERR: i32 = -1;
pub const L_WARN: i32 = 0;
pub const L_NOTICE: i32 = 1;
pub const L_INFO: i32 = 2;
pub const L_DBG: i32 = 3;

/// A level as scripts write it: `L_INFO`, `info`, `2`. None = unknown.
pub fn parse_level(s: &str) -> Option<i32> {
    let s = s.trim();
    if let Ok(n) = s.parse::<i32>() {
        return Some(n.clamp(L_ALERT, L_DBG));
    }
    let name = s.strip_prefix("L_").unwrap_or(s).to_ascii_lowercase();
    Some(match name.as_str() {
        "alert" => L_ALERT,
        "bug" => L_BUG,
        "crit" => L_CRIT,
        "crit2" => L_CRIT2,
        "err" | "error" => L_ERR,
        "warn" | "warning" => L_WARN,
        "notice" => L_NOTICE,
        "info" => L_INFO,
        "dbg" | "debug" => L_DBG,
        _ => return None,
    })
}

/// Write one script log line at a Kamailio level.
pub fn script_log(level: i32, text: &str) {
    let text = text.trim_end_matches('\n');
    match level {
        i32::MIN..=L_ERR => tracing::error!(target: "script", "{text}"),
        L_WARN => tracing::warn!(target: "script", "{text}"),
        L_NOTICE | L_INFO => tracing::info!(target: "script", "{text}"),
        _ => tracing::debug!(target: "script", "{text}"),
    }
}

fn at(level: i32, ctx: &RouteCtx<'_>, fmt: &Arg<'_>) -> Ret {
    script_log(level, &fmt.format(ctx));
    Ret::Int(1)
}

macro_rules! level_fn {
    ($($fname:ident => $level:expr),* $(,)?) => {
        $(fn $fname(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
            at($level, ctx, &a[0])
        })*
    };
}
level_fn!(xlog_err => L_ERR, xalert => L_ALERT, xbug => L_BUG, xcrit => L_CRIT, xerr => L_ERR,
    xwarn => L_WARN, xnotice => L_NOTICE, xinfo => L_INFO, xdbg => L_DBG);

/// `xlog(level, text)`: an unknown level name logs at L_ERR, with a note.
fn xlog_level(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    let name = a[0].format(ctx);
    let level = parse_level(&name).unwrap_or_else(|| {
        tracing::warn!(target: "script", "xlog: unknown level '{name}', using L_ERR");
        L_ERR
    });
    at(level, ctx, &a[1])
}

pub static EXPORTS: &[Export] = &[
    export!("xlog", "xlog_err", ["xlog"], [Fmt], xlog_err),
    export!("xlog", "xlog", ["xlog"], [Str, Fmt], xlog_level),
    export!("xlog", "xalert", ["xalert"], [Fmt], xalert),
    export!("xlog", "xbug", ["xbug"], [Fmt], xbug),
    export!("xlog", "xcrit", ["xcrit"], [Fmt], xcrit),
    export!("xlog", "xerr", ["xerr"], [Fmt], xerr),
    export!("xlog", "xwarn", ["xwarn"], [Fmt], xwarn),
    export!("xlog", "xnotice", ["xnotice"], [Fmt], xnotice),
    export!("xlog", "xinfo", ["xinfo"], [Fmt], xinfo),
    export!("xlog", "xdbg", ["xdbg"], [Fmt], xdbg),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::testutil::{call, with_ctx, INVITE};

    #[test]
    fn levels() {
        assert_eq!(parse_level("L_INFO"), Some(L_INFO));
        assert_eq!(parse_level("dbg"), Some(L_DBG));
        assert_eq!(parse_level("-1"), Some(L_ERR));
        assert_eq!(parse_level("L_NOPE"), None);
    }

    #[test]
    fn formats_with_the_message() {
        with_ctx(INVITE, |ctx| {
            assert_eq!(Arg::Str("$rm to $rU").format(ctx), "INVITE to bob");
            let t = crate::pv::Template::parse("[$rm]");
            assert_eq!(Arg::Fmt(&t).format(ctx), "[INVITE]");
            assert_eq!(call(ctx, "xlog", "xinfo", &[Arg::Str("$rm\n")]), Ret::Int(1));
            assert_eq!(call(ctx, "xlog", "xlog", &[Arg::Str("L_NOTICE"), Arg::Str("x")]), Ret::Int(1));
        });
    }
}
