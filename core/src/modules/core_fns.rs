//! Core functions (KEMI `KSR.<name>` and `KSR.x.*`): logging, flags,
//! method tests, exit/drop.

use crate::exports::{export, Arg, Export, Param, Ret, RetKind};
use crate::pv::uri::{rewrite_ruri, set_ruri, UriParts};
use crate::route::{Branch, RouteCtx, Stop};
use crate::sip::{HeaderName, Method, NameAddr, Scheme, Uri};
use crate::transport::Protocol;

use crate::route::mask;
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

/// `KSR.log(level, text)`: level by name ("dbg", "info", "warn", "err",
/// "crit", also `L_`-prefixed) or number; an unknown one logs at error.
fn log_level(_ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    let level = super::xlog::parse_level(a[0].str()).unwrap_or(super::xlog::L_ERR);
    super::xlog::script_log(level, a[1].str());
    Ret::Int(1)
}

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
is_method_fn!(is_notify, Method::Notify);
is_method_fn!(is_subscribe, Method::Subscribe);
is_method_fn!(is_publish, Method::Publish);
is_method_fn!(is_message, Method::Message);
is_method_fn!(is_info, Method::Info);
is_method_fn!(is_prack, Method::Prack);
is_method_fn!(is_update, Method::Update);
is_method_fn!(is_refer, Method::Refer);

fn is_kdmq(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    (current_method(ctx) == Some("KDMQ")).into()
}

/// The request method, or the CSeq method of a reply.
fn current_method<'m>(ctx: &'m RouteCtx<'_>) -> Option<&'m str> {
    match ctx.msg.method_str() {
        Some(m) => Some(m),
        None => ctx.msg.cseq().and_then(|c| c.ok()).map(|c| c.method_raw),
    }
}

/// `is_method("INVITE|BYE")`: any of the `|`-separated names; known
/// method names compare case-insensitively (as Kamailio's method ids do).
fn is_method(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    let Some(m) = current_method(ctx) else { return Ret::Int(-1) };
    a[0].str().split('|').map(str::trim).any(|x| x.eq_ignore_ascii_case(m)).into()
}

/// The method a letter of `is_method_in` stands for.
fn method_letter(c: char) -> Option<&'static str> {
    Some(match c.to_ascii_uppercase() {
        'I' => "INVITE",
        'A' => "ACK",
        'B' => "BYE",
        'C' => "CANCEL",
        'R' => "REGISTER",
        'M' => "MESSAGE",
        'O' => "OPTIONS",
        'S' => "SUBSCRIBE",
        'N' => "NOTIFY",
        'P' => "PUBLISH",
        'F' => "INFO",
        'U' => "UPDATE",
        'E' => "PRACK",
        'Y' => "REFER",
        'K' => "KDMQ",
        'G' => "GET",
        'T' => "POST",
        'V' => "PUT",
        'D' => "DELETE",
        _ => return None,
    })
}

/// KSR.is_method_in("IBRS"): one letter per method (see `method_letter`).
fn is_method_in(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    let Some(m) = current_method(ctx) else { return Ret::Int(-1) };
    a[0].str().chars().filter_map(method_letter).any(|x| x == m).into()
}

fn is_proto(ctx: &RouteCtx<'_>, p: Protocol) -> Ret {
    (ctx.info.proto == p).into()
}
fn is_udp(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    is_proto(ctx, Protocol::Udp)
}
fn is_tcp(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    is_proto(ctx, Protocol::Tcp)
}
fn is_tls(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    is_proto(ctx, Protocol::Tls)
}
fn is_ws(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    is_proto(ctx, Protocol::Ws)
}
fn is_wss(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    is_proto(ctx, Protocol::Wss)
}
fn is_wsx(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    matches!(ctx.info.proto, Protocol::Ws | Protocol::Wss).into()
}
fn is_sctp(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    is_proto(ctx, Protocol::Sctp)
}
fn is_ipv4(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    ctx.info.src.is_ipv4().into()
}
fn is_ipv6(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    ctx.info.src.is_ipv6().into()
}

// ---- myself ----

/// Is the URI's host (and port, transport) one of ours?
pub fn uri_is_myself(ctx: &RouteCtx<'_>, uri: &str) -> bool {
    let Ok(u) = Uri::parse(uri.trim()) else { return false };
    if u.host().is_empty() {
        return false;
    }
    let proto = u.transport().and_then(|t| match t.to_ascii_lowercase().as_str() {
        "udp" => Some(Protocol::Udp),
        "tcp" => Some(Protocol::Tcp),
        "tls" => Some(Protocol::Tls),
        "ws" => Some(Protocol::Ws),
        "wss" => Some(Protocol::Wss),
        "sctp" => Some(Protocol::Sctp),
        _ => None,
    });
    let proto = proto.or(if u.scheme() == Scheme::Sips { Some(Protocol::Tls) } else { None });
    ctx.shared.myself.matches(u.host(), u.port(), proto)
}

fn is_myself(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    uri_is_myself(ctx, a[0].str()).into()
}
fn is_myself_ruri(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    (ctx.msg.is_request() && uri_is_myself(ctx, ctx.ruri())).into()
}
fn is_myself_duri(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    ctx.dst_uri.as_deref().is_some_and(|d| uri_is_myself(ctx, d)).into()
}
fn addr_uri_is_myself(ctx: &RouteCtx<'_>, h: HeaderName) -> bool {
    match ctx.msg.header(h).map(NameAddr::parse) {
        Some(Ok(na)) => uri_is_myself(ctx, na.uri().as_str()),
        _ => false,
    }
}
fn is_myself_furi(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    addr_uri_is_myself(ctx, HeaderName::From).into()
}
fn is_myself_turi(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    addr_uri_is_myself(ctx, HeaderName::To).into()
}
fn is_myself_srcip(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    ctx.shared.myself.matches_ip(ctx.info.src.ip()).into()
}

// ---- branch flags ----

fn bflag_op(ctx: &mut RouteCtx<'_>, flag: i64, idx: i64, op: u8) -> Ret {
    if !(0..32).contains(&flag) || idx < 0 {
        return Ret::Int(-1);
    }
    let Some(f) = ctx.bflags_mut(idx as usize) else { return Ret::Int(-1) };
    let bit = 1u32 << flag;
    match op {
        b's' => *f |= bit,
        b'r' => *f &= !bit,
        _ => return (*f & bit != 0).into(),
    }
    Ret::Int(1)
}
fn setbflag(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    bflag_op(ctx, a[0].int(), a.get(1).map_or(0, Arg::int), b's')
}
fn resetbflag(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    bflag_op(ctx, a[0].int(), a.get(1).map_or(0, Arg::int), b'r')
}
fn isbflagset(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    bflag_op(ctx, a[0].int(), a.get(1).map_or(0, Arg::int), b'i')
}

// ---- destination, rport, connections ----

fn setdsturi(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    let u = a[0].str().trim();
    if Uri::parse(u).is_err() {
        tracing::error!(target: "script", "setdsturi: invalid URI '{u}'");
        return Ret::Int(-1);
    }
    ctx.dst_uri = Some(u.to_string());
    Ret::Int(1)
}
fn resetdsturi(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    ctx.dst_uri = None;
    Ret::Int(1)
}
fn isdsturiset(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    ctx.dst_uri.is_some().into()
}
fn force_rport(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    ctx.msg.sending.force_rport = true;
    Ret::Int(1)
}
fn add_local_rport(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    ctx.msg.sending.add_local_rport = true;
    Ret::Int(1)
}
fn set_reply_no_connect(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    ctx.msg.sending.reply_no_connect = true;
    Ret::Int(1)
}

// ---- branches ----

/// Kamailio's default `max_branches`.
pub const MAX_BRANCHES: usize = 12;

fn push_branch(ctx: &mut RouteCtx<'_>, b: Branch) -> Ret {
    // Branch 0 is the R-URI itself.
    if ctx.branches.len() + 1 >= MAX_BRANCHES {
        tracing::error!(target: "script", "append_branch: too many branches ({MAX_BRANCHES})");
        return Ret::Int(-1);
    }
    ctx.branches.push(b);
    Ret::Int(1)
}

/// append_branch(): the current R-URI, $du, branch flags and socket as a
/// new branch.
fn append_branch(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    if !ctx.msg.is_request() {
        return Ret::Int(-1);
    }
    let b = Branch {
        uri: ctx.ruri().to_string(),
        dst_uri: ctx.dst_uri.clone(),
        flags: ctx.bflags,
        socket: ctx.force_socket,
        ..Branch::default()
    };
    push_branch(ctx, b)
}

fn parse_q(q: &str) -> Option<i32> {
    let q = q.trim();
    if q.is_empty() {
        return None;
    }
    q.parse::<f64>().ok().filter(|v| (0.0..=1.0).contains(v)).map(|v| (v * 1000.0).round() as i32)
}

/// append_branch(uri[, q]).
fn append_branch_uri(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    let uri = a[0].str().trim();
    if uri.is_empty() {
        return append_branch(ctx, &[]);
    }
    if Uri::parse(uri).is_err() {
        tracing::error!(target: "script", "append_branch: invalid URI '{uri}'");
        return Ret::Int(-1);
    }
    let q = a.get(1).and_then(|q| parse_q(q.str()));
    let b = Branch { uri: uri.to_string(), q, ..Branch::default() };
    push_branch(ctx, b)
}

// ---- R-URI rewriting ----

fn rw(ctx: &mut RouteCtx<'_>, what: &str, f: impl FnOnce(&mut UriParts)) -> Ret {
    if rewrite_ruri(ctx, f) {
        Ret::Int(1)
    } else {
        tracing::error!(target: "script", "{what}: cannot rewrite the R-URI '{}'", ctx.ruri());
        Ret::Int(-1)
    }
}

fn rewriteuri(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    if set_ruri(ctx, a[0].str()) {
        Ret::Int(1)
    } else {
        tracing::error!(target: "script", "rewriteuri: invalid URI '{}'", a[0].str());
        Ret::Int(-1)
    }
}
fn rewriteuser(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    let user = a[0].str().to_string();
    rw(ctx, "rewriteuser", |p| p.user = if user.is_empty() { None } else { Some(user) })
}
fn rewriteuserpass(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    let pw = a[0].str().to_string();
    rw(ctx, "rewriteuserpass", |p| p.password = if pw.is_empty() { None } else { Some(pw) })
}
fn rewritehost(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    let host = a[0].str().trim().to_string();
    if host.is_empty() {
        return Ret::Int(-1);
    }
    rw(ctx, "rewritehost", |p| p.host = host)
}
fn rewriteport(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    let port = a[0].str().trim().to_string();
    if !port.is_empty() && port.parse::<u16>().is_err() {
        return Ret::Int(-1);
    }
    rw(ctx, "rewriteport", |p| p.port = if port.is_empty() { None } else { Some(port) })
}
/// Split `host[:port]` (IPv6 in brackets).
fn split_hostport(s: &str) -> Option<(String, Option<String>)> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let (host, port) = if let Some(end) = s.find(']').filter(|_| s.starts_with('[')) {
        let rest = &s[end + 1..];
        (&s[..=end], rest.strip_prefix(':'))
    } else {
        match s.rsplit_once(':') {
            Some((h, p)) if !h.contains(':') => (h, Some(p)),
            _ => (s, None),
        }
    };
    if let Some(p) = port {
        p.parse::<u16>().ok()?;
    }
    Some((host.to_string(), port.map(str::to_string)))
}
fn rewritehostport(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    let Some((host, port)) = split_hostport(a[0].str()) else { return Ret::Int(-1) };
    rw(ctx, "rewritehostport", |p| {
        p.host = host;
        p.port = port;
    })
}
/// rewritehostporttrans("host:port[;transport=x]") — also accepts
/// `host:port` alone; a transport given replaces the R-URI's.
fn rewritehostporttrans(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    let arg = a[0].str().trim();
    let (hp, trans) = match arg.split_once(';') {
        Some((hp, t)) => (hp, Some(t.trim_start_matches("transport=").to_string())),
        None => (arg, None),
    };
    let Some((host, port)) = split_hostport(hp) else { return Ret::Int(-1) };
    rw(ctx, "rewritehostporttrans", |p| {
        p.host = host;
        p.port = port;
        if let Some(t) = trans {
            let mut params: Vec<String> = p
                .params
                .as_deref()
                .unwrap_or("")
                .split(';')
                .filter(|x| !x.is_empty() && !x.to_ascii_lowercase().starts_with("transport="))
                .map(str::to_string)
                .collect();
            params.push(format!("transport={t}"));
            p.params = Some(params.join(";"));
        }
    })
}
fn revert_uri(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    ctx.new_ruri = None;
    Ret::Int(1)
}
fn prefix(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    let pre = a[0].str().to_string();
    rw(ctx, "prefix", |p| p.user = Some(format!("{pre}{}", p.user.as_deref().unwrap_or(""))))
}
/// Byte count rounded down to a char boundary.
fn cut_at(s: &str, n: usize) -> usize {
    let mut n = n.min(s.len());
    while !s.is_char_boundary(n) {
        n -= 1;
    }
    n
}
fn strip(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    let n = a[0].int().max(0) as usize;
    let Some(user) = Uri::parse(ctx.ruri()).ok().and_then(|u| u.user().map(str::to_string)) else {
        return Ret::Int(-1);
    };
    if n > user.len() {
        return Ret::Int(-1);
    }
    let rest = user[cut_at(&user, n)..].to_string();
    rw(ctx, "strip", |p| p.user = if rest.is_empty() { None } else { Some(rest) })
}
fn strip_tail(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    let n = a[0].int().max(0) as usize;
    let Some(user) = Uri::parse(ctx.ruri()).ok().and_then(|u| u.user().map(str::to_string)) else {
        return Ret::Int(-1);
    };
    if n > user.len() {
        return Ret::Int(-1);
    }
    let rest = user[..cut_at(&user, user.len() - n)].to_string();
    rw(ctx, "strip_tail", |p| p.user = if rest.is_empty() { None } else { Some(rest) })
}


pub static EXPORTS: &[Export] = &[
    export!("", "dbg", [], [Str], log_dbg),
    export!("", "info", [], [Str], log_info),
    export!("", "notice", [], [Str], log_info),
    export!("", "warn", [], [Str], log_warn),
    export!("", "err", [], [Str], log_err),
    export!("", "crit", [], [Str], log_err),
    export!("", "log", [], [Str, Str], log_level),
    export!("", "setflag", ["setflag"], [Int], setflag),
    export!("", "resetflag", ["resetflag"], [Int], resetflag),
    export!("", "isflagset", ["isflagset"], [Int], isflagset, ret = RetKind::Bool),
    export!("", "is_INVITE", [], [], is_invite, ret = RetKind::Bool),
    export!("", "is_ACK", [], [], is_ack, ret = RetKind::Bool),
    export!("", "is_BYE", [], [], is_bye, ret = RetKind::Bool),
    export!("", "is_CANCEL", [], [], is_cancel, ret = RetKind::Bool),
    export!("", "is_REGISTER", [], [], is_register, ret = RetKind::Bool),
    export!("", "is_OPTIONS", [], [], is_options, ret = RetKind::Bool),
    export!("", "is_NOTIFY", [], [], is_notify, ret = RetKind::Bool),
    export!("", "is_SUBSCRIBE", [], [], is_subscribe, ret = RetKind::Bool),
    export!("", "is_PUBLISH", [], [], is_publish, ret = RetKind::Bool),
    export!("", "is_MESSAGE", [], [], is_message, ret = RetKind::Bool),
    export!("", "is_INFO", [], [], is_info, ret = RetKind::Bool),
    export!("", "is_PRACK", [], [], is_prack, ret = RetKind::Bool),
    export!("", "is_UPDATE", [], [], is_update, ret = RetKind::Bool),
    export!("", "is_REFER", [], [], is_refer, ret = RetKind::Bool),
    export!("", "is_KDMQ", [], [], is_kdmq, ret = RetKind::Bool),
    export!("", "is_method", ["is_method"], [Str], is_method, ret = RetKind::Bool),
    export!("", "is_method_in", [], [Str], is_method_in, ret = RetKind::Bool),
    export!("", "is_UDP", [], [], is_udp, ret = RetKind::Bool),
    export!("", "is_TCP", [], [], is_tcp, ret = RetKind::Bool),
    export!("", "is_TLS", [], [], is_tls, ret = RetKind::Bool),
    export!("", "is_WS", [], [], is_ws, ret = RetKind::Bool),
    export!("", "is_WSS", [], [], is_wss, ret = RetKind::Bool),
    export!("", "is_WSX", [], [], is_wsx, ret = RetKind::Bool),
    export!("", "is_SCTP", [], [], is_sctp, ret = RetKind::Bool),
    export!("", "is_IPv4", [], [], is_ipv4, ret = RetKind::Bool),
    export!("", "is_IPv6", [], [], is_ipv6, ret = RetKind::Bool),
    export!("", "is_myself", ["is_myself"], [Str], is_myself, ret = RetKind::Bool),
    export!("", "is_myself_ruri", [], [], is_myself_ruri, ret = RetKind::Bool),
    export!("", "is_myself_duri", [], [], is_myself_duri, ret = RetKind::Bool),
    export!("", "is_myself_furi", [], [], is_myself_furi, ret = RetKind::Bool),
    export!("", "is_myself_turi", [], [], is_myself_turi, ret = RetKind::Bool),
    export!("", "is_myself_srcip", [], [], is_myself_srcip, ret = RetKind::Bool),
    export!("", "setbflag", ["setbflag"], [Int], setbflag),
    export!("", "resetbflag", ["resetbflag"], [Int], resetbflag),
    export!("", "isbflagset", ["isbflagset"], [Int], isbflagset, ret = RetKind::Bool),
    export!("", "setbiflag", ["setbflag"], [Int, Int], setbflag),
    export!("", "resetbiflag", ["resetbflag"], [Int, Int], resetbflag),
    export!("", "isbiflagset", ["isbflagset"], [Int, Int], isbflagset, ret = RetKind::Bool),
    export!("", "setdsturi", ["setdsturi"], [Str], setdsturi),
    export!("", "resetdsturi", ["resetdsturi"], [], resetdsturi),
    export!("", "isdsturiset", ["isdsturiset"], [], isdsturiset, ret = RetKind::Bool),
    export!("", "force_rport", ["force_rport"], [], force_rport),
    export!("", "add_local_rport", ["add_local_rport"], [], add_local_rport),
    export!("", "set_reply_no_connect", ["set_reply_no_connect"], [], set_reply_no_connect),
    export!("", "append_branch", ["append_branch"], [], append_branch, routes = mask::ANY_REQUEST),
    export!("", "append_branch_uri", ["append_branch"], [Str], append_branch_uri, routes = mask::ANY_REQUEST),
    export!("", "append_branch_uri_q", ["append_branch"], [Str, Str], append_branch_uri, routes = mask::ANY_REQUEST),
    export!("", "rewriteuri", ["rewriteuri", "seturi"], [Str], rewriteuri, routes = mask::ANY_REQUEST),
    export!("", "rewriteuser", ["rewriteuser", "setuser", "setu"], [Str], rewriteuser, routes = mask::ANY_REQUEST),
    export!("", "rewriteuserpass", ["rewriteuserpass", "setuserpass", "setup"], [Str], rewriteuserpass, routes = mask::ANY_REQUEST),
    export!("", "rewritehost", ["rewritehost", "sethost", "seth"], [Str], rewritehost, routes = mask::ANY_REQUEST),
    export!("", "rewriteport", ["rewriteport", "setport", "setp"], [Str], rewriteport, routes = mask::ANY_REQUEST),
    export!("", "rewritehostport", ["rewritehostport", "sethostport", "sethp"], [Str], rewritehostport, routes = mask::ANY_REQUEST),
    export!("", "rewritehostporttrans", ["rewritehostporttrans", "sethostporttrans", "sethpt"], [Str], rewritehostporttrans, routes = mask::ANY_REQUEST),
    export!("", "revert_uri", ["revert_uri"], [], revert_uri, routes = mask::ANY_REQUEST),
    export!("", "prefix", ["prefix"], [Str], prefix, routes = mask::ANY_REQUEST),
    export!("", "strip", ["strip"], [Int], strip, routes = mask::ANY_REQUEST),
    export!("", "strip_tail", ["strip_tail"], [Int], strip_tail, routes = mask::ANY_REQUEST),
    export!("", "drop", [], [], drop, stops = true),
    export!("", "set_drop", [], [], set_drop),
    export!("x", "exit", [], [], exit, stops = true),
    export!("x", "drop", [], [], drop, stops = true),
];

#[cfg(test)]
mod tests {
    use crate::exports::{Arg, Ret};
    use crate::modules::testutil::{call, native, with_ctx, INVITE};

    #[test]
    fn methods() {
        with_ctx(INVITE, |ctx| {
            assert_eq!(call(ctx, "", "is_INVITE", &[]), Ret::Int(1));
            for m in ["is_NOTIFY", "is_SUBSCRIBE", "is_PUBLISH", "is_MESSAGE", "is_INFO", "is_PRACK", "is_UPDATE", "is_REFER", "is_KDMQ", "is_BYE"] {
                assert_eq!(call(ctx, "", m, &[]), Ret::Int(-1), "{m}");
            }
            assert_eq!(native(ctx, "is_method", &[Arg::Str("INVITE")]), Ret::Int(1));
            assert_eq!(native(ctx, "is_method", &[Arg::Str("BYE|invite")]), Ret::Int(1));
            assert_eq!(native(ctx, "is_method", &[Arg::Str("BYE|ACK")]), Ret::Int(-1));
            assert_eq!(call(ctx, "", "is_method_in", &[Arg::Str("IBRS")]), Ret::Int(1));
            assert_eq!(call(ctx, "", "is_method_in", &[Arg::Str("BRS")]), Ret::Int(-1));
            assert_eq!(call(ctx, "", "is_UDP", &[]), Ret::Int(1));
            assert_eq!(call(ctx, "", "is_TCP", &[]), Ret::Int(-1));
            assert_eq!(call(ctx, "", "is_IPv4", &[]), Ret::Int(1));
        });
        for (m, letter, f) in [("NOTIFY", "N", "is_NOTIFY"), ("SUBSCRIBE", "S", "is_SUBSCRIBE"), ("PUBLISH", "P", "is_PUBLISH"), ("MESSAGE", "M", "is_MESSAGE"), ("INFO", "F", "is_INFO"), ("PRACK", "E", "is_PRACK"), ("UPDATE", "U", "is_UPDATE"), ("REFER", "Y", "is_REFER"), ("KDMQ", "K", "is_KDMQ")] {
            let msg = INVITE.replacen("INVITE", m, 1).replace("314159 INVITE", &format!("314159 {m}"));
            with_ctx(&msg, |ctx| {
                assert_eq!(call(ctx, "", f, &[]), Ret::Int(1), "{m}");
                assert_eq!(call(ctx, "", "is_method_in", &[Arg::Str(letter)]), Ret::Int(1), "{m}");
                assert_eq!(call(ctx, "", "is_INVITE", &[]), Ret::Int(-1), "{m}");
            });
        }
    }

    #[test]
    fn myself() {
        with_ctx(INVITE, |ctx| {
            assert_eq!(native(ctx, "is_myself", &[Arg::Str("sip:127.0.0.1")]), Ret::Int(1));
            assert_eq!(native(ctx, "is_myself", &[Arg::Str("sip:127.0.0.1:5060;transport=udp")]), Ret::Int(1));
            assert_eq!(native(ctx, "is_myself", &[Arg::Str("sip:127.0.0.1:5070")]), Ret::Int(-1));
            assert_eq!(native(ctx, "is_myself", &[Arg::Str("sip:127.0.0.1;transport=tcp")]), Ret::Int(-1));
            // alias without port: any port
            assert_eq!(native(ctx, "is_myself", &[Arg::Str("sip:u@EXAMPLE.com:9999")]), Ret::Int(1));
            assert_eq!(native(ctx, "is_myself", &[Arg::Str("sip:u@other.org")]), Ret::Int(-1));
            assert_eq!(native(ctx, "is_myself", &[Arg::Str("junk")]), Ret::Int(-1));
            assert_eq!(call(ctx, "", "is_myself_ruri", &[]), Ret::Int(1));
            assert_eq!(call(ctx, "", "is_myself_turi", &[]), Ret::Int(1));
            assert_eq!(call(ctx, "", "is_myself_furi", &[]), Ret::Int(-1));
            assert_eq!(call(ctx, "", "is_myself_srcip", &[]), Ret::Int(-1));
            assert_eq!(call(ctx, "", "is_myself_duri", &[]), Ret::Int(-1));
            ctx.info.src = "127.0.0.1:4444".parse().unwrap();
            assert_eq!(call(ctx, "", "is_myself_srcip", &[]), Ret::Int(1));
        });
    }

    #[test]
    fn bflags_dsturi_rport() {
        with_ctx(INVITE, |ctx| {
            assert_eq!(native(ctx, "setbflag", &[Arg::Int(3)]), Ret::Int(1));
            assert_eq!(native(ctx, "isbflagset", &[Arg::Int(3)]), Ret::Int(1));
            assert_eq!(ctx.bflags, 8);
            assert_eq!(native(ctx, "resetbflag", &[Arg::Int(3)]), Ret::Int(1));
            assert_eq!(call(ctx, "", "isbflagset", &[Arg::Int(3)]), Ret::Int(-1));
            // with a branch index
            assert_eq!(call(ctx, "", "setbiflag", &[Arg::Int(1), Arg::Int(1)]), Ret::Int(-1)); // no branch 1 yet
            assert_eq!(native(ctx, "append_branch", &[Arg::Str("sip:b1@x")]), Ret::Int(1));
            assert_eq!(native(ctx, "setbflag", &[Arg::Int(1), Arg::Int(1)]), Ret::Int(1));
            assert_eq!(ctx.branches[0].flags, 2);
            assert_eq!(call(ctx, "", "isbiflagset", &[Arg::Int(1), Arg::Int(1)]), Ret::Int(1));
            assert_eq!(call(ctx, "", "resetbiflag", &[Arg::Int(1), Arg::Int(1)]), Ret::Int(1));
            assert_eq!(ctx.branches[0].flags, 0);
            assert_eq!(native(ctx, "setbflag", &[Arg::Int(32)]), Ret::Int(-1));

            assert_eq!(call(ctx, "", "isdsturiset", &[]), Ret::Int(-1));
            assert_eq!(native(ctx, "setdsturi", &[Arg::Str("sip:10.0.0.1:5080")]), Ret::Int(1));
            assert_eq!(call(ctx, "", "isdsturiset", &[]), Ret::Int(1));
            assert_eq!(native(ctx, "setdsturi", &[Arg::Str("no uri")]), Ret::Int(-1));
            assert_eq!(native(ctx, "resetdsturi", &[]), Ret::Int(1));
            assert_eq!(ctx.dst_uri, None);

            native(ctx, "force_rport", &[]);
            native(ctx, "add_local_rport", &[]);
            native(ctx, "set_reply_no_connect", &[]);
            let f = ctx.msg.sending;
            assert!(f.force_rport && f.add_local_rport && f.reply_no_connect);
        });
    }

    #[test]
    fn append_branch_forms() {
        with_ctx(INVITE, |ctx| {
            ctx.dst_uri = Some("sip:proxy:5080".into());
            ctx.bflags = 4;
            assert_eq!(native(ctx, "append_branch", &[]), Ret::Int(1));
            assert_eq!(ctx.branches[0].uri, "sip:bob@example.com:5070;transport=udp");
            assert_eq!(ctx.branches[0].dst_uri.as_deref(), Some("sip:proxy:5080"));
            assert_eq!(ctx.branches[0].flags, 4);
            assert_eq!(native(ctx, "append_branch", &[Arg::Str("sip:c@d"), Arg::Str("0.5")]), Ret::Int(1));
            assert_eq!(ctx.branches[1].q, Some(500));
            assert_eq!(native(ctx, "append_branch", &[Arg::Str("bad")]), Ret::Int(-1));
            while ctx.branches.len() < 11 {
                native(ctx, "append_branch", &[Arg::Str("sip:x@y")]);
            }
            assert_eq!(native(ctx, "append_branch", &[Arg::Str("sip:x@y")]), Ret::Int(-1));
        });
    }

    #[test]
    fn rewrites() {
        with_ctx(INVITE, |ctx| {
            assert_eq!(native(ctx, "rewriteuser", &[Arg::Str("carol")]), Ret::Int(1));
            assert_eq!(ctx.ruri(), "sip:carol@example.com:5070;transport=udp");
            assert_eq!(native(ctx, "sethost", &[Arg::Str("10.0.0.1")]), Ret::Int(1));
            assert_eq!(native(ctx, "setport", &[Arg::Str("5090")]), Ret::Int(1));
            assert_eq!(ctx.ruri(), "sip:carol@10.0.0.1:5090;transport=udp");
            assert_eq!(native(ctx, "setport", &[Arg::Str("x")]), Ret::Int(-1));
            assert_eq!(native(ctx, "rewritehostport", &[Arg::Str("1.2.3.4:5080")]), Ret::Int(1));
            assert_eq!(ctx.ruri(), "sip:carol@1.2.3.4:5080;transport=udp");
            assert_eq!(native(ctx, "sethp", &[Arg::Str("[::1]")]), Ret::Int(1));
            assert_eq!(ctx.ruri(), "sip:carol@[::1];transport=udp");
            assert_eq!(native(ctx, "rewritehostporttrans", &[Arg::Str("h.example:5061;transport=tls")]), Ret::Int(1));
            assert_eq!(ctx.ruri(), "sip:carol@h.example:5061;transport=tls");
            assert_eq!(native(ctx, "setuserpass", &[Arg::Str("pw")]), Ret::Int(1));
            assert_eq!(ctx.ruri(), "sip:carol:pw@h.example:5061;transport=tls");
            assert_eq!(native(ctx, "seturi", &[Arg::Str("sip:0049301234@gw.example")]), Ret::Int(1));
            assert_eq!(native(ctx, "strip", &[Arg::Int(4)]), Ret::Int(1));
            assert_eq!(ctx.ruri(), "sip:301234@gw.example");
            assert_eq!(native(ctx, "prefix", &[Arg::Str("+4930")]), Ret::Int(1));
            assert_eq!(ctx.ruri(), "sip:+4930301234@gw.example");
            assert_eq!(native(ctx, "strip_tail", &[Arg::Int(4)]), Ret::Int(1));
            assert_eq!(ctx.ruri(), "sip:+493030@gw.example");
            assert_eq!(native(ctx, "strip", &[Arg::Int(99)]), Ret::Int(-1));
            assert_eq!(native(ctx, "strip", &[Arg::Int(7)]), Ret::Int(1));
            assert_eq!(ctx.ruri(), "sip:gw.example");
            assert_eq!(native(ctx, "prefix", &[Arg::Str("00")]), Ret::Int(1));
            assert_eq!(ctx.ruri(), "sip:00@gw.example");
            assert_eq!(native(ctx, "seturi", &[Arg::Str("not a uri")]), Ret::Int(-1));
            assert_eq!(native(ctx, "revert_uri", &[]), Ret::Int(1));
            assert_eq!(ctx.ruri(), "sip:bob@example.com:5070;transport=udp");
            assert_eq!(ctx.new_ruri, None);
        });
    }
}
