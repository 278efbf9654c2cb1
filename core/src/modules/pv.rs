//! KEMI `KSR.pv.*`: read and write pseudo-variables by name. Names are
//! compiled once per worker (`crate::pv::cached`).
//!
//! - `get`: int, string or null; `gete`: "" for null; `getw`: "<<null>>"
//!   for null; `getvs`/`getvn`: a given default for null.
//! - `sets`/`seti`: assign; `unset`: assign `$null`; `is_null`: 1 if the
//!   value is null, else -1.
//! - An invalid name logs an error; getters give null, setters -1.

use crate::exports::{export, Arg, Export, Param, Ret, RetKind};
use crate::pv::cached;
use crate::route::{RouteCtx, Value};

use Param::{Int, Str};

fn read(ctx: &RouteCtx<'_>, name: &str) -> Value {
    match cached(name) {
        Ok(pv) => pv.get(ctx),
        Err(e) => {
            tracing::error!(target: "script", "pv: invalid name '{name}': {e}");
            Value::Null
        }
    }
}

fn write(ctx: &mut RouteCtx<'_>, name: &str, v: Value) -> Ret {
    let pv = match cached(name) {
        Ok(pv) => pv,
        Err(e) => {
            tracing::error!(target: "script", "pv: invalid name '{name}': {e}");
            return Ret::Int(-1);
        }
    };
    match pv.set(ctx, v) {
        Ok(()) => Ret::Int(1),
        Err(e) => {
            tracing::error!(target: "script", "pv: {e}");
            Ret::Int(-1)
        }
    }
}

fn to_ret(v: Value) -> Ret {
    match v {
        Value::Null => Ret::Null,
        Value::Int(i) => Ret::Int(i),
        Value::Str(s) => Ret::Str(s),
    }
}

fn get(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    to_ret(read(ctx, a[0].str()))
}

fn or_str(v: Value, dflt: &str) -> Ret {
    match v {
        Value::Null => Ret::Str(dflt.to_string()),
        other => Ret::Str(other.to_string()),
    }
}

fn gete(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    or_str(read(ctx, a[0].str()), "")
}

fn getw(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    or_str(read(ctx, a[0].str()), "<<null>>")
}

fn getvs(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    or_str(read(ctx, a[0].str()), a[1].str())
}

fn getvn(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    match read(ctx, a[0].str()) {
        Value::Null => Ret::Int(a[1].int()),
        other => to_ret(other),
    }
}

fn sets(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    write(ctx, a[0].str(), Value::Str(a[1].str().to_string()))
}

fn seti(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    write(ctx, a[0].str(), Value::Int(a[1].int()))
}

fn unset(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    write(ctx, a[0].str(), Value::Null)
}

fn is_null(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    read(ctx, a[0].str()).is_null().into()
}

/// Native `pv_isset(name)`: the opposite of `is_null`.
fn isset(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    (!read(ctx, a[0].str()).is_null()).into()
}

pub static EXPORTS: &[Export] = &[
    export!("pv", "get", [], [Str], get, ret = RetKind::Xval),
    export!("pv", "gete", [], [Str], gete, ret = RetKind::Str),
    export!("pv", "getw", [], [Str], getw, ret = RetKind::Str),
    export!("pv", "getvs", [], [Str, Str], getvs, ret = RetKind::Str),
    export!("pv", "getvn", [], [Str, Int], getvn, ret = RetKind::Xval),
    export!("pv", "sets", [], [Str, Str], sets),
    export!("pv", "seti", [], [Str, Int], seti),
    export!("pv", "unset", ["pv_unset"], [Str], unset),
    export!("pv", "is_null", [], [Str], is_null, ret = RetKind::Bool),
    export!("pv", "isset", ["pv_isset"], [Str], isset, ret = RetKind::Bool),
];

#[cfg(test)]
mod tests {
    use crate::exports::{Arg, Ret};
    use crate::modules::testutil::{call, with_ctx, INVITE};

    #[test]
    fn kemi_pv_functions() {
        with_ctx(INVITE, |ctx| {
            assert_eq!(call(ctx, "pv", "get", &[Arg::Str("$rU")]), Ret::Str("bob".into()));
            assert_eq!(call(ctx, "pv", "get", &[Arg::Str("$sp")]), Ret::Int(5099));
            assert_eq!(call(ctx, "pv", "get", &[Arg::Str("$avp(x)")]), Ret::Null);
            assert_eq!(call(ctx, "pv", "get", &[Arg::Str("$bogus")]), Ret::Null);
            assert_eq!(call(ctx, "pv", "gete", &[Arg::Str("$avp(x)")]), Ret::Str("".into()));
            assert_eq!(call(ctx, "pv", "getw", &[Arg::Str("$avp(x)")]), Ret::Str("<<null>>".into()));
            assert_eq!(call(ctx, "pv", "getvs", &[Arg::Str("$avp(x)"), Arg::Str("d")]), Ret::Str("d".into()));
            assert_eq!(call(ctx, "pv", "getvn", &[Arg::Str("$avp(x)"), Arg::Int(9)]), Ret::Int(9));
            assert_eq!(call(ctx, "pv", "is_null", &[Arg::Str("$avp(x)")]), Ret::Int(1));
            assert_eq!(call(ctx, "pv", "sets", &[Arg::Str("$avp(x)"), Arg::Str("v")]), Ret::Int(1));
            assert_eq!(call(ctx, "pv", "is_null", &[Arg::Str("$avp(x)")]), Ret::Int(-1));
            assert_eq!(call(ctx, "pv", "isset", &[Arg::Str("$avp(x)")]), Ret::Int(1));
            assert_eq!(call(ctx, "pv", "get", &[Arg::Str("$avp(x)")]), Ret::Str("v".into()));
            assert_eq!(call(ctx, "pv", "seti", &[Arg::Str("$var(n)"), Arg::Int(5)]), Ret::Int(1));
            assert_eq!(call(ctx, "pv", "get", &[Arg::Str("$var(n)")]), Ret::Int(5));
            assert_eq!(call(ctx, "pv", "unset", &[Arg::Str("$avp(x)")]), Ret::Int(1));
            assert_eq!(call(ctx, "pv", "get", &[Arg::Str("$avp(x)")]), Ret::Null);
            // read-only and invalid names
            assert_eq!(call(ctx, "pv", "sets", &[Arg::Str("$ci"), Arg::Str("x")]), Ret::Int(-1));
            assert_eq!(call(ctx, "pv", "sets", &[Arg::Str("nope"), Arg::Str("x")]), Ret::Int(-1));
            assert_eq!(call(ctx, "pv", "sets", &[Arg::Str("$ru"), Arg::Str("sip:x@y")]), Ret::Int(1));
            assert_eq!(ctx.ruri(), "sip:x@y");
        });
    }
}
