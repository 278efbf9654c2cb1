//! rr: Record-Route and loose routing (RFC 3261 §16.4, §16.6, §16.12).
//!
//! Exports (KEMI group `rr`; native names as in Kamailio):
//!
//! | KEMI                                | native                            | returns |
//! |-------------------------------------|-----------------------------------|---------|
//! | `record_route()`                    | `record_route()`                  | 1 |
//! | `record_route_params(params)`       | `record_route(params)`            | 1 |
//! | `record_route_preset_one(addr)`     | `record_route_preset(addr)`       | 1 |
//! | `record_route_preset(addr, addr2)`  | `record_route_preset(addr, addr2)`| 1 |
//! | `add_rr_param(param)`               | `add_rr_param(param)`             | 1 |
//! | `check_route_param(regex)`          | `check_route_param(regex)`        | 1 match / -1 |
//! | `is_direction(dir)`                 | `is_direction(dir)`               | 1 / -1 |
//! | `loose_route()`                     | `loose_route()`                   | see below |
//!
//! `loose_route()` returns (Kamailio's codes): 1 = the next hop comes from
//! the route set (in-dialog; `$du` or the R-URI was set), -1 = no Route
//! header (nothing done), -3 = the request is an initial one (no To tag)
//! whose only Route (a preloaded route) was ours: removed, the R-URI is
//! the target. 2 (outbound flow tokens) and -2 are not produced.
//!
//! `record_route*` only record what is wanted in `ctx.record_route`; the
//! sender (tm / forward) writes the header(s) with [`render_record_route`]
//! once it knows the outgoing socket.

use std::net::SocketAddr;

use regex::Regex;

use crate::cfg::Config;
use crate::exports::{export, Arg, Export, Param, Ret};
use crate::route::{mask, RecordRoute, RouteCtx, Value};
use crate::sip::{HeaderName, NameAddr, Uri};
use crate::transport::Protocol;

use Param::Str;

/// rr modparams.
#[derive(Debug, Clone)]
pub struct RrSettings {
    /// Add `;ftag=<From tag>` to Record-Route (default on).
    pub append_fromtag: bool,
    /// Two Record-Routes when the in/out sockets differ (default on).
    pub enable_double_rr: bool,
    /// `;lr=on` instead of `;lr`.
    pub enable_full_lr: bool,
}

impl Default for RrSettings {
    fn default() -> Self {
        RrSettings { append_fromtag: true, enable_double_rr: true, enable_full_lr: false }
    }
}

impl RrSettings {
    pub fn from_config(cfg: &Config) -> RrSettings {
        let int = |n: &str| cfg.modparam("rr", n).and_then(|v| v.as_int());
        let d = RrSettings::default();
        RrSettings {
            append_fromtag: int("append_fromtag").map_or(d.append_fromtag, |v| v != 0),
            enable_double_rr: int("enable_double_rr").map_or(d.enable_double_rr, |v| v != 0),
            enable_full_lr: int("enable_full_lr").map_or(d.enable_full_lr, |v| v != 0),
        }
    }
}

/// AVP where `add_rr_param` parks params given before `record_route()`.
const PENDING_AVP: &str = "\u{0}rr.pending";
/// AVP holding the params of our own Route header that `loose_route`
/// consumed (for `check_route_param` / `is_direction`).
const ROUTED_AVP: &str = "\u{0}rr.routed";

fn one_rr(socket: (Protocol, SocketAddr), preset: Option<&str>, lr: &str, params: &str) -> String {
    let uri = match preset {
        Some(p) => {
            let p = p.trim().trim_start_matches('<').trim_end_matches('>');
            if p.contains(':') && (p.starts_with("sip:") || p.starts_with("sips:")) {
                p.to_string()
            } else {
                format!("sip:{p}")
            }
        }
        None => {
            let (proto, addr) = socket;
            let mut u = String::with_capacity(48);
            u.push_str("sip:");
            crate::sip::write::push_host_port(&mut u, addr);
            if proto != Protocol::Udp {
                u.push_str(";transport=");
                u.push_str(proto.as_str());
            }
            u
        }
    };
    let mut v = String::with_capacity(uri.len() + lr.len() + params.len() + 2);
    v.push('<');
    v.push_str(&uri);
    v.push_str(lr);
    v.push_str(params);
    v.push('>');
    v
}

/// The Record-Route header values for a request received on `incoming`
/// and sent from `outgoing`, **top to bottom as they must appear** in the
/// sent request (insert them above any existing Record-Route, keeping this
/// order: e.g. `add_header_top` for `v.iter().rev()`, or one line joined
/// with ", ").
///
/// - Same transport and socket: one `<sip:IP:PORT[;transport=x];lr;params>`.
/// - Otherwise, with double RR on (default): two — `v[0]` names the
///   outgoing socket (the side the callee sees first), `v[1]` the incoming
///   one (the side the caller sees first). RFC 3261 §16.6 step 4.
/// - `record_route_preset(a)`: one value from `a`; with `(a, a2)`: two,
///   `a2` (outbound side) on top, `a` below.
pub fn render_record_route(
    rr: &RecordRoute,
    incoming: (Protocol, SocketAddr),
    outgoing: (Protocol, SocketAddr),
) -> Vec<String> {
    // `;lr` is part of rr.params (written first by record_route()).
    let lr = "";
    let p = rr.params.as_str();
    if let Some(pre) = &rr.preset {
        return match &rr.preset2 {
            Some(pre2) => vec![one_rr(outgoing, Some(pre2), lr, p), one_rr(incoming, Some(pre), lr, p)],
            None => vec![one_rr(incoming, Some(pre), lr, p)],
        };
    }
    if incoming == outgoing || rr.no_double {
        return vec![one_rr(outgoing, None, lr, p)];
    }
    vec![one_rr(outgoing, None, lr, p), one_rr(incoming, None, lr, p)]
}

fn norm_param(p: &str) -> String {
    let p = p.trim();
    if p.is_empty() || p.starts_with(';') {
        p.to_string()
    } else {
        format!(";{p}")
    }
}

/// Start (or reuse) the Record-Route of this request.
fn rr_start(ctx: &mut RouteCtx<'_>, params: Option<&str>, preset: Option<(&str, Option<&str>)>) -> Ret {
    if ctx.record_route.is_some() {
        tracing::debug!("record_route: already done for this request; ignored");
        return Ret::Int(-1);
    }
    let settings = &ctx.shared.rr;
    let mut rr = RecordRoute {
        params: if settings.enable_full_lr { ";lr=on" } else { ";lr" }.to_string(),
        no_double: !settings.enable_double_rr,
        ..RecordRoute::default()
    };
    if settings.append_fromtag {
        if let Some(tag) = ctx.msg.from_tag() {
            rr.params.push_str(";ftag=");
            rr.params.push_str(tag);
        }
    }
    let mut pending = Vec::new();
    while let Some(Value::Str(p)) = ctx.avps.pop(PENDING_AVP) {
        pending.push(p);
    }
    for p in pending.iter().rev() {
        rr.params.push_str(p);
    }
    if let Some(p) = params {
        rr.params.push_str(&norm_param(p));
    }
    if let Some((a, b)) = preset {
        rr.preset = Some(a.to_string());
        rr.preset2 = b.filter(|s| !s.is_empty()).map(str::to_string);
    }
    ctx.record_route = Some(rr);
    Ret::Int(1)
}

fn record_route(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    rr_start(ctx, None, None)
}
fn record_route_params(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    rr_start(ctx, Some(a[0].str()), None)
}
fn record_route_preset1(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    rr_start(ctx, None, Some((a[0].str(), None)))
}
fn record_route_preset2(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    rr_start(ctx, None, Some((a[0].str(), Some(a[1].str()))))
}

fn add_rr_param(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    let p = norm_param(a[0].str());
    if p.is_empty() {
        return Ret::Int(-1);
    }
    match &mut ctx.record_route {
        Some(rr) => rr.params.push_str(&p),
        None => ctx.avps.push(PENDING_AVP, Value::Str(p)),
    }
    Ret::Int(1)
}

fn routed_params(ctx: &RouteCtx<'_>) -> Option<String> {
    match ctx.avps.get(ROUTED_AVP) {
        Some(Value::Str(s)) => Some(s.clone()),
        _ => None,
    }
}

fn check_route_param(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    let Some(params) = routed_params(ctx) else { return Ret::Int(-1) };
    match Regex::new(a[0].str()) {
        Ok(re) => re.is_match(&params).into(),
        Err(e) => {
            tracing::error!("check_route_param: bad regex {:?}: {e}", a[0].str());
            Ret::Int(-1)
        }
    }
}

fn is_direction(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    let Some(params) = routed_params(ctx) else { return Ret::Int(-1) };
    let ftag = params.split(';').find_map(|kv| kv.trim().strip_prefix("ftag="));
    let Some(ftag) = ftag else { return Ret::Int(-1) };
    let downstream = ctx.msg.from_tag() == Some(ftag);
    match a[0].str().trim() {
        "downstream" => downstream.into(),
        "upstream" => (!downstream).into(),
        other => {
            tracing::error!("is_direction: unknown direction {other:?}");
            Ret::Int(-1)
        }
    }
}

fn proto_of(uri: &Uri<'_>) -> Option<Protocol> {
    uri.transport().and_then(|t| t.parse().ok())
}

fn is_ours(ctx: &RouteCtx<'_>, uri: &Uri<'_>) -> bool {
    ctx.shared.myself.matches(uri.host(), uri.port(), proto_of(uri))
}

/// The URI of a Route value (`<sip:...;lr>` or a bare URI).
fn route_uri(route: &str) -> Option<Uri<'_>> {
    NameAddr::parse(route).ok().map(|n| *n.uri())
}

/// A URI's params as `;a=b;lr`: the value check_route_param looks at.
fn params_of(uri: &Uri<'_>) -> String {
    uri.params_raw().map(|p| format!(";{p}")).unwrap_or_default()
}

/// RFC 3261 §16.4 + §16.12 (see the module docs for return codes).
///
/// The Route values are borrowed from the message and each URI is parsed
/// once; the route set that is left is `routes[first..last]` plus, after a
/// strict next hop, the old Request-URI.
pub fn loose_route_ctx(ctx: &mut RouteCtx<'_>) -> i32 {
    let routes: Vec<&str> = ctx.msg.header_values(HeaderName::Route).map(str::trim).collect();
    if routes.is_empty() {
        return -1;
    }
    let (mut first, mut last) = (0, routes.len());
    let preloaded = ctx.msg.to_tag().is_none();

    // A strict router before us put our Record-Route URI in the R-URI:
    // the real R-URI is the last Route.
    let ruri_params = Uri::parse(ctx.ruri())
        .ok()
        .filter(|u| u.is_loose_route() && is_ours(ctx, u))
        .map(|u| params_of(&u));
    let ruri_ours = ruri_params.is_some();
    if let Some(params) = ruri_params {
        last -= 1;
        let Some(target) = route_uri(routes[last]) else { return -1 };
        ctx.new_ruri = Some(target.as_str().to_string());
        ctx.avps.set_only(ROUTED_AVP, Value::Str(params));
    }

    // Our own Route(s) on top: consume (twice for a double Record-Route).
    while first < last && first < 2 {
        let Some(u) = route_uri(routes[first]).filter(|u| is_ours(ctx, u)) else { break };
        if first == 0 {
            ctx.avps.set_only(ROUTED_AVP, Value::Str(params_of(&u)));
        }
        first += 1;
    }
    let consumed = first;

    let mut ret = 1;
    let mut old_ruri = None;
    if first < last {
        let Some(next) = route_uri(routes[first]) else { return -1 };
        if next.is_loose_route() {
            ctx.dst_uri = Some(next.as_str().to_string());
        } else {
            // Strict next hop: it becomes the R-URI, the R-URI goes to the
            // end of the route set.
            old_ruri = Some(format!("<{}>", ctx.ruri()));
            first += 1;
            ctx.new_ruri = Some(next.as_str().to_string());
            ctx.dst_uri = None;
        }
    } else if preloaded && !ruri_ours && consumed > 0 {
        ret = -3;
    }

    if first > 0 || last < routes.len() || old_ruri.is_some() {
        let left: Vec<&str> = routes[first..last].iter().copied().chain(old_ruri.as_deref()).collect();
        let value = left.join(", ");
        if left.is_empty() {
            ctx.msg.remove_header(HeaderName::Route);
        } else if ctx.msg.set_header("Route", &value).is_err() {
            return -1;
        }
    }
    ret
}

fn loose_route(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    Ret::Int(loose_route_ctx(ctx).into())
}

const REQ: u8 = mask::REQUEST | mask::FAILURE | mask::BRANCH;

pub static EXPORTS: &[Export] = &[
    export!("rr", "record_route", ["record_route"], [], record_route, routes = REQ),
    export!("rr", "record_route_params", ["record_route"], [Str], record_route_params, routes = REQ),
    export!("rr", "record_route_preset_one", ["record_route_preset"], [Str], record_route_preset1, routes = REQ),
    export!("rr", "record_route_preset", ["record_route_preset"], [Str, Str], record_route_preset2, routes = REQ),
    export!("rr", "add_rr_param", ["add_rr_param"], [Str], add_rr_param, routes = REQ),
    export!("rr", "check_route_param", ["check_route_param"], [Str], check_route_param, routes = mask::REQUEST),
    export!("rr", "is_direction", ["is_direction"], [Str], is_direction, routes = mask::REQUEST),
    export!("rr", "loose_route", ["loose_route"], [], loose_route, routes = mask::REQUEST),
];

#[cfg(test)]
mod tests;
