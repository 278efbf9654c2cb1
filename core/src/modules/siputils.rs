//! siputils: `has_totag`, `is_request`, `is_reply`, `is_first_hop`,
//! `uri_param(name[, value])`, `add_uri_param`, `is_e164`,
//! `is_uri_user_e164`, `is_numeric`, `is_tel_number`, `cmp_uri`,
//! `cmp_aor`.

use crate::exports::{export, Arg, Export, Param, Ret};
use crate::pv::uri::rewrite_ruri;
use crate::route::{mask, RouteCtx};
use crate::sip::Uri;

use Param::Str;

fn has_totag(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    ctx.msg.to_tag().is_some_and(|t| !t.is_empty()).into()
}
fn is_request(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    ctx.msg.is_request().into()
}
fn is_reply(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    ctx.msg.is_response().into()
}
/// A request with one Via came straight from the UA; a reply with two
/// Vias (ours and the UA's) goes straight back to it.
fn is_first_hop(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    let n = ctx.msg.via_count();
    if ctx.msg.is_request() { n == 1 } else { n == 2 }.into()
}

fn uri_param_impl(ctx: &RouteCtx<'_>, name: &str, value: Option<&str>) -> bool {
    let Ok(u) = Uri::parse(ctx.ruri()) else { return false };
    match (u.param(name), value) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(v), Some(want)) => v == want,
    }
}
fn uri_param(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    uri_param_impl(ctx, a[0].str(), None).into()
}
fn uri_param_value(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    uri_param_impl(ctx, a[0].str(), Some(a[1].str())).into()
}
/// add_uri_param("name=value"): append a parameter to the R-URI.
fn add_uri_param(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    let p = a[0].str().trim().trim_start_matches(';').to_string();
    if p.is_empty() || p.contains(['?', ' ', '>']) {
        return Ret::Int(-1);
    }
    rewrite_ruri(ctx, |u| {
        u.params = Some(match u.params.take().filter(|x| !x.is_empty()) {
            Some(x) => format!("{x};{p}"),
            None => p,
        })
    })
    .into()
}

/// `+` and 2 to 15 digits.
pub fn is_e164_str(s: &str) -> bool {
    s.strip_prefix('+')
        .is_some_and(|d| (2..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
}
fn is_e164(_ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    is_e164_str(a[0].str().trim()).into()
}
fn is_uri_user_e164(_ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    let Ok(u) = Uri::parse(a[0].str().trim()) else { return Ret::Int(-1) };
    u.user().is_some_and(is_e164_str).into()
}
fn is_numeric(_ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    let s = a[0].str();
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).into()
}
/// Optional `+` then digits.
fn is_tel_number(_ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    let s = a[0].str();
    let d = s.strip_prefix('+').unwrap_or(s);
    (!d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())).into()
}

/// RFC 3261 §19.1.4 in short: scheme, user (case-sensitive), host
/// (case-insensitive), port, and the params both carry must be equal.
pub fn uri_eq(a: &str, b: &str) -> Option<bool> {
    let (a, b) = (Uri::parse(a.trim()).ok()?, Uri::parse(b.trim()).ok()?);
    if !a.scheme_str().eq_ignore_ascii_case(b.scheme_str())
        || a.user() != b.user()
        || a.password() != b.password()
        || !a.host().eq_ignore_ascii_case(b.host())
        || a.port() != b.port()
    {
        return Some(false);
    }
    for (k, v) in a.params() {
        if let Some(w) = b.param(k) {
            if !v.unwrap_or("").eq_ignore_ascii_case(w) {
                return Some(false);
            }
        } else if ["user", "ttl", "method", "maddr", "transport"].iter().any(|x| x.eq_ignore_ascii_case(k)) {
            return Some(false);
        }
    }
    for (k, _) in b.params() {
        if a.param(k).is_none() && ["user", "ttl", "method", "maddr", "transport"].iter().any(|x| x.eq_ignore_ascii_case(k)) {
            return Some(false);
        }
    }
    Some(true)
}
fn cmp_uri(_ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    match uri_eq(a[0].str(), a[1].str()) {
        Some(eq) => eq.into(),
        None => Ret::Int(-2),
    }
}
/// Address of record: user and host (and port) only.
fn cmp_aor(_ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    let (Ok(x), Ok(y)) = (Uri::parse(a[0].str().trim()), Uri::parse(a[1].str().trim())) else {
        return Ret::Int(-2);
    };
    (x.user() == y.user() && x.host().eq_ignore_ascii_case(y.host()) && x.port_or_default() == y.port_or_default()).into()
}

pub static EXPORTS: &[Export] = &[
    export!("siputils", "has_totag", ["has_totag"], [], has_totag),
    export!("siputils", "is_request", ["is_request"], [], is_request),
    export!("siputils", "is_reply", ["is_reply"], [], is_reply),
    export!("siputils", "is_first_hop", ["is_first_hop"], [], is_first_hop),
    export!("siputils", "uri_param", ["uri_param"], [Str], uri_param),
    export!("siputils", "uri_param_value", ["uri_param"], [Str, Str], uri_param_value),
    export!("siputils", "add_uri_param", ["add_uri_param"], [Str], add_uri_param, routes = mask::ANY_REQUEST),
    export!("siputils", "is_e164", ["is_e164"], [Str], is_e164),
    export!("siputils", "is_uri_user_e164", ["is_uri_user_e164"], [Str], is_uri_user_e164),
    export!("siputils", "is_numeric", ["is_numeric"], [Str], is_numeric),
    export!("siputils", "is_tel_number", ["is_tel_number"], [Str], is_tel_number),
    export!("siputils", "cmp_uri", ["cmp_uri"], [Str, Str], cmp_uri),
    export!("siputils", "cmp_aor", ["cmp_aor"], [Str, Str], cmp_aor),
];

#[cfg(test)]
mod tests {
    use crate::exports::{Arg, Ret};
    use crate::modules::testutil::{call, native, with_ctx, INVITE};

    #[test]
    fn message_kind_and_tags() {
        with_ctx(INVITE, |ctx| {
            assert_eq!(call(ctx, "siputils", "has_totag", &[]), Ret::Int(-1));
            assert_eq!(call(ctx, "siputils", "is_request", &[]), Ret::Int(1));
            assert_eq!(call(ctx, "siputils", "is_reply", &[]), Ret::Int(-1));
            // three Via values: not the first hop
            assert_eq!(call(ctx, "siputils", "is_first_hop", &[]), Ret::Int(-1));
        });
        let one_via = INVITE.replace("Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKold, SIP/2.0/TCP 10.0.0.2;branch=z9hG4bKolder\n", "");
        with_ctx(&one_via.replace("To: \"Bob B\" <sip:bob@example.com>", "To: <sip:bob@example.com>;tag=xyz"), |ctx| {
            assert_eq!(call(ctx, "siputils", "is_first_hop", &[]), Ret::Int(1));
            assert_eq!(call(ctx, "siputils", "has_totag", &[]), Ret::Int(1));
        });
        let reply = "SIP/2.0 200 OK\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\nVia: SIP/2.0/UDP b;branch=z9hG4bK2\nFrom: <sip:a@b>;tag=1\nTo: <sip:c@d>;tag=2\nCall-ID: x\nCSeq: 1 INVITE\nContent-Length: 0\n\n";
        with_ctx(reply, |ctx| {
            assert_eq!(call(ctx, "siputils", "is_reply", &[]), Ret::Int(1));
            assert_eq!(call(ctx, "siputils", "is_first_hop", &[]), Ret::Int(1));
        });
    }

    #[test]
    fn uri_params_and_numbers() {
        with_ctx(INVITE, |ctx| {
            assert_eq!(call(ctx, "siputils", "uri_param", &[Arg::Str("transport")]), Ret::Int(1));
            assert_eq!(native(ctx, "uri_param", &[Arg::Str("transport"), Arg::Str("udp")]), Ret::Int(1));
            assert_eq!(native(ctx, "uri_param", &[Arg::Str("transport"), Arg::Str("tcp")]), Ret::Int(-1));
            assert_eq!(call(ctx, "siputils", "uri_param", &[Arg::Str("lr")]), Ret::Int(-1));
            assert_eq!(call(ctx, "siputils", "add_uri_param", &[Arg::Str("lr")]), Ret::Int(1));
            assert_eq!(ctx.ruri(), "sip:bob@example.com:5070;transport=udp;lr");
            assert_eq!(call(ctx, "siputils", "uri_param", &[Arg::Str("lr")]), Ret::Int(1));
            assert_eq!(call(ctx, "siputils", "is_e164", &[Arg::Str("+4930123456")]), Ret::Int(1));
            assert_eq!(call(ctx, "siputils", "is_e164", &[Arg::Str("4930123456")]), Ret::Int(-1));
            assert_eq!(call(ctx, "siputils", "is_uri_user_e164", &[Arg::Str("sip:+4930123@x")]), Ret::Int(1));
            assert_eq!(call(ctx, "siputils", "is_uri_user_e164", &[Arg::Str("sip:bob@x")]), Ret::Int(-1));
            assert_eq!(call(ctx, "siputils", "is_numeric", &[Arg::Str("0123")]), Ret::Int(1));
            assert_eq!(call(ctx, "siputils", "is_tel_number", &[Arg::Str("+0123")]), Ret::Int(1));
            assert_eq!(call(ctx, "siputils", "is_tel_number", &[Arg::Str("12a")]), Ret::Int(-1));
            assert_eq!(call(ctx, "siputils", "cmp_uri", &[Arg::Str("sip:a@EXAMPLE.com;lr"), Arg::Str("sip:a@example.com")]), Ret::Int(1));
            assert_eq!(call(ctx, "siputils", "cmp_uri", &[Arg::Str("sip:A@example.com"), Arg::Str("sip:a@example.com")]), Ret::Int(-1));
            assert_eq!(call(ctx, "siputils", "cmp_uri", &[Arg::Str("sip:a@x;transport=tcp"), Arg::Str("sip:a@x")]), Ret::Int(-1));
            assert_eq!(call(ctx, "siputils", "cmp_aor", &[Arg::Str("sip:a@x:5060;lr"), Arg::Str("sip:a@X")]), Ret::Int(1));
        });
    }
}
