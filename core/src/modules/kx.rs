//! KEMI `KSR.kx.*` (module kemix): message attributes as return values.
//! `get_*` give null when absent, `gete_*` an empty string, `getw_*`
//! `<<null>>`. Each reads the pseudo-variable of the same meaning.

use crate::exports::{export, Arg, Export, Param, Ret, RetKind};
use crate::route::{RouteCtx, Value};

use Param::Str;

fn pv(ctx: &RouteCtx<'_>, name: &str) -> Value {
    crate::pv::cached(name).map(|p| p.get(ctx)).unwrap_or_default()
}

fn to_ret(v: Value) -> Ret {
    match v {
        Value::Null => Ret::Null,
        Value::Int(i) => Ret::Int(i),
        Value::Str(s) => Ret::Str(s),
    }
}

macro_rules! kx_get {
    ($f:ident, $pv:expr) => {
        fn $f(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
            match pv(ctx, $pv) {
                Value::Int(i) => Ret::Str(i.to_string()),
                v => to_ret(v),
            }
        }
    };
    ($f:ident, $pv:expr, $null:expr) => {
        fn $f(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
            match pv(ctx, $pv) {
                Value::Null => Ret::Str($null.to_string()),
                v => Ret::Str(v.to_string()),
            }
        }
    };
}

macro_rules! kx_int {
    ($f:ident, $pv:expr) => {
        fn $f(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
            match pv(ctx, $pv) {
                Value::Null => Ret::Int(-1),
                v => Ret::Int(v.as_int()),
            }
        }
    };
}

kx_get!(get_ruri, "$ru");
kx_get!(get_ouri, "$ou");
kx_get!(get_ruser, "$rU");
kx_get!(get_rhost, "$rd");
kx_get!(get_duri, "$du");
kx_get!(get_method, "$rm");
kx_get!(get_furi, "$fu");
kx_get!(get_fuser, "$fU");
kx_get!(get_fhost, "$fd");
kx_get!(get_turi, "$tu");
kx_get!(get_tuser, "$tU");
kx_get!(get_thost, "$td");
kx_get!(get_ua, "$ua");
kx_get!(get_callid, "$ci");
kx_get!(get_srcip, "$si");
kx_get!(get_rcvip, "$Ri");
kx_get!(get_proto, "$pr");
kx_get!(get_body, "$rb");
kx_get!(gete_ruri, "$ru", "");
kx_get!(gete_ruser, "$rU", "");
kx_get!(gete_rhost, "$rd", "");
kx_get!(gete_duri, "$du", "");
kx_get!(gete_furi, "$fu", "");
kx_get!(gete_fuser, "$fU", "");
kx_get!(gete_fhost, "$fd", "");
kx_get!(gete_turi, "$tu", "");
kx_get!(gete_tuser, "$tU", "");
kx_get!(gete_thost, "$td", "");
kx_get!(gete_ua, "$ua", "");
kx_get!(gete_body, "$rb", "");
kx_get!(getw_ruser, "$rU", "<<null>>");
kx_get!(getw_rhost, "$rd", "<<null>>");
kx_get!(getw_fuser, "$fU", "<<null>>");
kx_get!(getw_fhost, "$fd", "<<null>>");
kx_get!(getw_tuser, "$tU", "<<null>>");
kx_get!(getw_thost, "$td", "<<null>>");
kx_get!(getw_ua, "$ua", "<<null>>");
kx_int!(get_srcport, "$sp");
kx_int!(get_rcvport, "$Rp");
kx_int!(get_status, "$rs");
kx_int!(get_msglen, "$ml");
kx_int!(get_bodylen, "$cl");

fn get_timestamp(_ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    Ret::Int(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64))
}

/// ifdef(name): 1 if the cfg defines `name` (`#!define`, `-A`).
fn ifdef(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    ctx.shared.modcfg.is_defined(a[0].str()).into()
}
fn ifndef(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    (!ctx.shared.modcfg.is_defined(a[0].str())).into()
}
fn def_value<'c>(ctx: &'c RouteCtx<'_>, name: &str) -> Option<&'c str> {
    ctx.shared.modcfg.defines.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_deref().unwrap_or(""))
}
/// get_def(name): the define's value (quotes removed), null if undefined.
fn get_def(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    match def_value(ctx, a[0].str()) {
        Some(v) => {
            let v = v.trim();
            let v = v.strip_prefix('"').and_then(|x| x.strip_suffix('"')).unwrap_or(v);
            Ret::Str(v.to_string())
        }
        None => Ret::Null,
    }
}
/// get_defn(name): the define's value as a number (0 if not one).
fn get_defn(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    Ret::Int(def_value(ctx, a[0].str()).and_then(|v| v.trim().parse().ok()).unwrap_or(0))
}

macro_rules! s {
    ($name:expr, $f:ident) => {
        export!("kx", $name, [], [], $f, ret = RetKind::Str)
    };
}

pub static EXPORTS: &[Export] = &[
    s!("get_ruri", get_ruri),
    s!("get_ouri", get_ouri),
    s!("get_ruser", get_ruser),
    s!("get_rhost", get_rhost),
    s!("get_duri", get_duri),
    s!("get_method", get_method),
    s!("get_furi", get_furi),
    s!("get_fuser", get_fuser),
    s!("get_fhost", get_fhost),
    s!("get_turi", get_turi),
    s!("get_tuser", get_tuser),
    s!("get_thost", get_thost),
    s!("get_ua", get_ua),
    s!("get_callid", get_callid),
    s!("get_srcip", get_srcip),
    s!("get_rcvip", get_rcvip),
    s!("get_proto", get_proto),
    s!("get_body", get_body),
    s!("gete_ruri", gete_ruri),
    s!("gete_ruser", gete_ruser),
    s!("gete_rhost", gete_rhost),
    s!("gete_duri", gete_duri),
    s!("gete_furi", gete_furi),
    s!("gete_fuser", gete_fuser),
    s!("gete_fhost", gete_fhost),
    s!("gete_turi", gete_turi),
    s!("gete_tuser", gete_tuser),
    s!("gete_thost", gete_thost),
    s!("gete_ua", gete_ua),
    s!("gete_body", gete_body),
    s!("getw_ruser", getw_ruser),
    s!("getw_rhost", getw_rhost),
    s!("getw_fuser", getw_fuser),
    s!("getw_fhost", getw_fhost),
    s!("getw_tuser", getw_tuser),
    s!("getw_thost", getw_thost),
    s!("getw_ua", getw_ua),
    export!("kx", "get_srcport", [], [], get_srcport),
    export!("kx", "get_rcvport", [], [], get_rcvport),
    export!("kx", "get_status", [], [], get_status),
    export!("kx", "get_msglen", [], [], get_msglen),
    export!("kx", "get_bodylen", [], [], get_bodylen),
    export!("kx", "get_timestamp", [], [], get_timestamp),
    export!("kx", "ifdef", [], [Str], ifdef),
    export!("kx", "ifndef", [], [Str], ifndef),
    export!("kx", "get_def", [], [Str], get_def, ret = RetKind::Str),
    export!("kx", "get_defn", [], [Str], get_defn),
];

#[cfg(test)]
mod tests {
    use crate::exports::{Arg, Ret};
    use crate::modules::testutil::{call, with_ctx, INVITE};

    #[test]
    fn getters() {
        with_ctx(INVITE, |ctx| {
            assert_eq!(call(ctx, "kx", "get_ruri", &[]), Ret::Str("sip:bob@example.com:5070;transport=udp".into()));
            assert_eq!(call(ctx, "kx", "get_method", &[]), Ret::Str("INVITE".into()));
            assert_eq!(call(ctx, "kx", "get_furi", &[]), Ret::Str("sip:alice@atlanta.example.com".into()));
            assert_eq!(call(ctx, "kx", "get_fuser", &[]), Ret::Str("alice".into()));
            assert_eq!(call(ctx, "kx", "get_tuser", &[]), Ret::Str("bob".into()));
            assert_eq!(call(ctx, "kx", "get_rhost", &[]), Ret::Str("example.com".into()));
            assert_eq!(call(ctx, "kx", "get_ruser", &[]), Ret::Str("bob".into()));
            assert_eq!(call(ctx, "kx", "get_srcip", &[]), Ret::Str("192.0.2.7".into()));
            assert_eq!(call(ctx, "kx", "get_srcport", &[]), Ret::Int(5099));
            assert_eq!(call(ctx, "kx", "get_status", &[]), Ret::Int(-1));
            assert_eq!(call(ctx, "kx", "gete_fhost", &[]), Ret::Str("atlanta.example.com".into()));
            assert_eq!(call(ctx, "kx", "get_ua", &[]), Ret::Str("TestUA/1.0".into()));
            assert_eq!(call(ctx, "kx", "gete_ua", &[]), Ret::Str("TestUA/1.0".into()));
            assert_eq!(call(ctx, "kx", "get_duri", &[]), Ret::Null);
            assert_eq!(call(ctx, "kx", "gete_duri", &[]), Ret::Str("".into()));
        });
        let m = INVITE.replace("User-Agent: TestUA/1.0\n", "");
        with_ctx(&m, |ctx| {
            assert_eq!(call(ctx, "kx", "get_ua", &[]), Ret::Null);
            assert_eq!(call(ctx, "kx", "gete_ua", &[]), Ret::Str("".into()));
            assert_eq!(call(ctx, "kx", "getw_ua", &[]), Ret::Str("<<null>>".into()));
        });
    }

    #[test]
    fn defines() {
        let mut sh = crate::modules::testutil::shared();
        sh.modcfg.defines = vec![("WITH_AUTH".into(), None), ("DBURL".into(), Some("\"sqlite:///x\"".into())), ("N".into(), Some("42".into()))];
        crate::modules::testutil::with_shared_ctx(&sh, INVITE, |ctx| {
            assert_eq!(call(ctx, "kx", "ifdef", &[Arg::Str("WITH_AUTH")]), Ret::Int(1));
            assert_eq!(call(ctx, "kx", "ifdef", &[Arg::Str("WITH_NAT")]), Ret::Int(-1));
            assert_eq!(call(ctx, "kx", "ifndef", &[Arg::Str("WITH_NAT")]), Ret::Int(1));
            assert_eq!(call(ctx, "kx", "get_def", &[Arg::Str("DBURL")]), Ret::Str("sqlite:///x".into()));
            assert_eq!(call(ctx, "kx", "get_defn", &[Arg::Str("N")]), Ret::Int(42));
            assert_eq!(call(ctx, "kx", "get_def", &[Arg::Str("NOPE")]), Ret::Null);
        });
    }
}
