//! maxfwd: `process_maxfwd(limit)` (native also `mf_process_maxfwd_header`)
//! and `is_maxfwd_lt(limit)`.
//!
//! process_maxfwd return codes (the module's documented ones):
//!  2  no Max-Forwards: one with value `limit` was added (at the top);
//!  1  the header was decremented;
//! -1  the value is 0 (the script answers 483);
//! -2  error (unparseable value, not a request).
//! The modparam `max_limit` (default 70) caps the value before it is
//! decremented. The current value is read from the edited header list, so
//! a second call decrements again and `is_maxfwd_lt` sees the new value.

use crate::exports::{export, Arg, Export, Param, Ret};
use crate::route::RouteCtx;
use crate::sip::HeaderName;

use Param::Int;

/// The current Max-Forwards value (after edits): None = absent,
/// Some(None) = unparseable.
fn current(ctx: &RouteCtx<'_>) -> Option<Option<u32>> {
    ctx.msg.edited_header(HeaderName::MaxForwards).map(|v| {
            let v = v.trim();
            if v.is_empty() || v.len() > 3 || !v.bytes().all(|b| b.is_ascii_digit()) {
                None
            } else {
                v.parse::<u32>().ok().filter(|n| *n <= 255)
            }
        })
}

fn process(ctx: &mut RouteCtx<'_>, limit: i64) -> Ret {
    if !ctx.msg.is_request() || !(0..=255).contains(&limit) {
        return Ret::Int(-2);
    }
    match current(ctx) {
        None => match ctx.msg.add_header_top("Max-Forwards", &limit.to_string()) {
            Ok(()) => Ret::Int(2),
            Err(_) => Ret::Int(-2),
        },
        Some(None) => Ret::Int(-2),
        Some(Some(0)) => Ret::Int(-1),
        Some(Some(v)) => {
            let max = ctx.shared.modcfg.maxfwd_max_limit;
            let v = if max > 0 && v > max { max } else { v };
            match ctx.msg.set_header("Max-Forwards", &(v - 1).to_string()) {
                Ok(()) => Ret::Int(1),
                Err(_) => Ret::Int(-2),
            }
        }
    }
}

fn process_maxfwd(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    process(ctx, a[0].int())
}

/// 1 if the value is below `limit`, -1 if not, -2 no header, -3 error.
fn is_maxfwd_lt(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    match current(ctx) {
        None => Ret::Int(-2),
        Some(None) => Ret::Int(-3),
        Some(Some(v)) => ((v as i64) < a[0].int()).into(),
    }
}

pub static EXPORTS: &[Export] = &[
    export!("maxfwd", "process_maxfwd", ["process_maxfwd", "mf_process_maxfwd_header"], [Int], process_maxfwd),
    export!("maxfwd", "is_maxfwd_lt", ["is_maxfwd_lt"], [Int], is_maxfwd_lt),
];

#[cfg(test)]
mod tests {
    use crate::exports::{Arg, Ret};
    use crate::modules::testutil::{call, native, with_ctx, INVITE};

    fn mf(ctx: &crate::route::RouteCtx<'_>) -> Vec<String> {
        ctx.msg
            .edited_headers()
            .into_iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("max-forwards"))
            .map(|(_, v)| v.to_string())
            .collect()
    }

    #[test]
    fn decrements() {
        with_ctx(INVITE, |ctx| {
            assert_eq!(call(ctx, "maxfwd", "process_maxfwd", &[Arg::Int(10)]), Ret::Int(1));
            assert_eq!(mf(ctx), vec!["69"]);
            let out = String::from_utf8_lossy(&ctx.msg.serialize()).into_owned();
            assert!(out.contains("Max-Forwards: 69\r\n"), "{out}");
            assert_eq!(call(ctx, "maxfwd", "is_maxfwd_lt", &[Arg::Int(70)]), Ret::Int(1));
            assert_eq!(call(ctx, "maxfwd", "is_maxfwd_lt", &[Arg::Int(69)]), Ret::Int(-1));
        });
    }

    #[test]
    fn absent_adds_limit() {
        let m = INVITE.replace("Max-Forwards: 70\n", "");
        with_ctx(&m, |ctx| {
            assert_eq!(call(ctx, "maxfwd", "is_maxfwd_lt", &[Arg::Int(70)]), Ret::Int(-2));
            assert_eq!(native(ctx, "mf_process_maxfwd_header", &[Arg::Int(10)]), Ret::Int(2));
            assert_eq!(mf(ctx), vec!["10"]);
        });
    }

    #[test]
    fn zero_is_false_and_bad_is_error() {
        with_ctx(&INVITE.replace("Max-Forwards: 70", "Max-Forwards: 0"), |ctx| {
            assert_eq!(call(ctx, "maxfwd", "process_maxfwd", &[Arg::Int(10)]), Ret::Int(-1));
            assert_eq!(mf(ctx), vec!["0"]);
        });
        with_ctx(&INVITE.replace("Max-Forwards: 70", "Max-Forwards: 1"), |ctx| {
            assert_eq!(call(ctx, "maxfwd", "process_maxfwd", &[Arg::Int(10)]), Ret::Int(1));
            assert_eq!(call(ctx, "maxfwd", "process_maxfwd", &[Arg::Int(10)]), Ret::Int(-1));
        });
    }

    #[test]
    fn max_limit_caps() {
        let mut sh = crate::modules::testutil::shared();
        sh.modcfg.maxfwd_max_limit = 16;
        crate::modules::testutil::with_shared_ctx(&sh, INVITE, |ctx| {
            assert_eq!(call(ctx, "maxfwd", "process_maxfwd", &[Arg::Int(10)]), Ret::Int(1));
            assert_eq!(mf(ctx), vec!["15"]);
        });
    }
}
