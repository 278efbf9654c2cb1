//! Pseudo-variables (`$ru`, `$hdr(From)`, `$(avp(x)[*])`, `$var(n)`, ...)
//! and templates (`"User: $rU at $si"`).
//!
//! A PV name is compiled once into a [`Pv`] (`Pv::parse`), then read with
//! [`Pv::get`] and, for the writable ones, assigned with [`Pv::set`].
//! KEMI's `KSR.pv.get("$ru")` passes names as strings on every call, so
//! [`cached`] keeps the compiled form per worker thread.
//!
//! Semantics worth knowing (Kamailio's):
//! - Reads describe the message as received, except the R-URI family
//!   (`$ru $rU $rd $rp $rz`), which sees the script's rewrites, and the
//!   state kept in the context (`$du`, `$fs`, `$br`, flags, AVPs, vars).
//!   Header edits (`append_hf`, ...) are not seen by `$hdr` — as in
//!   Kamailio, where added headers are lumps applied when sending.
//! - An absent value is `Value::Null`; templates print it as `<null>`
//!   (like xlog), as they do for unknown names.
//! - `$var(x)` cannot be null: never assigned reads 0, and assigning
//!   `$null` sets it to 0. `$avp(x) = $null` removes the newest value,
//!   `$(avp(x)[*]) = $null` all of them; `$(avp(x)[*]) = v` replaces the
//!   whole stack by `v`; `$(avp(x)[n]) = v` replaces value n.
//! - Index forms: `[n]` (0 = first header / newest AVP), `[-n]` counts
//!   from the end, `[*]` all values (joined with `,` when read).
//! - `$avp(s:x)` is `$avp(x)`; `$avp(i:3)` is an integer-named AVP, kept
//!   under the name `i:3` (distinct from the string name `3`).
//! - Templates: a `$` that does not start a PV name is literal text;
//!   there is no `$$` escape. Transformations (`{s.len}`) are not
//!   supported (parse error).

use std::cell::RefCell;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::route::{Branch, RouteCtx, Value, VarSlot};
use crate::sip::{HeaderName, NameAddr, Uri};
use crate::transport::Protocol;

pub mod uri;

/// `[...]` after a PV name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Index {
    None,
    All,
    At(i64),
}

/// `$TV(...)` variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tv {
    /// `s`: seconds.
    Sec,
    /// `u`: microseconds of the current second.
    Usec,
    /// `sn`: `sec.usec` as a string.
    SecN,
}

/// `$snd(...)` keys (Kamailio's): the destination address and port,
/// the protocol as Kamailio's number (`proto`) or name (`sproto`), the
/// address family, the outgoing bytes and their length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Snd {
    Ip,
    Port,
    Proto,
    SProto,
    Af,
    Buf,
    Len,
}

/// Which variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Ru,
    RUser,
    RHost,
    RPort,
    /// `$rz`: R-URI scheme.
    RScheme,
    /// `$rv`: SIP version of the start line.
    RVersion,
    /// `$ou`, `$oU`, `$od`, `$op`: the R-URI as received.
    Ou,
    OUser,
    OHost,
    OPort,
    Rm,
    Rs,
    Rr,
    Du,
    Fu,
    FUser,
    FHost,
    Fn,
    Ft,
    Tu,
    TUser,
    THost,
    Tn,
    Tt,
    Ci,
    Cs,
    /// `$cl`: Content-Length value.
    Cl,
    /// `$ct`: Contact header value.
    Ct,
    /// `$cT`: Content-Type value.
    CType,
    Si,
    Sp,
    Ri,
    Rp,
    Pr,
    Ua,
    Hdr(String),
    Hdrc(String),
    /// `$def(NAME)`: the value of a cfg `#!define` (null when undefined
    /// or defined without a value); `$defn(NAME)` the same as a number.
    Def(String),
    DefN(String),
    Rb,
    Ml,
    Mb,
    Avp(String),
    /// The name and its slot (numbered when the variable is parsed).
    Var(String, VarSlot),
    TReplyCode,
    TBranchIdx,
    Rc,
    Ts,
    Tv(Tv),
    Null,
    Br,
    BAll,
    Fs,
    Mf,
    Bf,
    /// `$snd(key)` / `$sndto(key)`: where the request goes, in
    /// `onsend_route` (null elsewhere).
    Snd(Snd),
    /// A name we do not know (only in templates: prints `<null>`).
    Unknown(String),
}

/// A compiled pseudo-variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pv {
    pub kind: Kind,
    pub index: Index,
    /// The text it was parsed from.
    pub text: String,
}

fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

fn kind_of(name: &str, arg: Option<&str>) -> Result<Kind, String> {
    let need = |k: fn(String) -> Kind| match arg {
        Some(a) if !a.trim().is_empty() => Ok(k(a.trim().to_string())),
        _ => Err(format!("${name} needs a name in parentheses")),
    };
    let plain = |k: Kind| match arg {
        None => Ok(k),
        Some(_) => Err(format!("${name} takes no argument")),
    };
    match name {
        "ru" => plain(Kind::Ru),
        "rU" => plain(Kind::RUser),
        "rd" => plain(Kind::RHost),
        "rp" => plain(Kind::RPort),
        "rz" => plain(Kind::RScheme),
        "rv" => plain(Kind::RVersion),
        "ou" => plain(Kind::Ou),
        "oU" => plain(Kind::OUser),
        "od" => plain(Kind::OHost),
        "op" => plain(Kind::OPort),
        "rm" => plain(Kind::Rm),
        "rs" => plain(Kind::Rs),
        "rr" => plain(Kind::Rr),
        "du" => plain(Kind::Du),
        "fu" => plain(Kind::Fu),
        "fU" => plain(Kind::FUser),
        "fd" => plain(Kind::FHost),
        "fn" => plain(Kind::Fn),
        "ft" => plain(Kind::Ft),
        "tu" => plain(Kind::Tu),
        "tU" => plain(Kind::TUser),
        "td" => plain(Kind::THost),
        "tn" => plain(Kind::Tn),
        "tt" => plain(Kind::Tt),
        "ci" => plain(Kind::Ci),
        "cs" => plain(Kind::Cs),
        "cl" => plain(Kind::Cl),
        "ct" => plain(Kind::Ct),
        "cT" => plain(Kind::CType),
        "si" => plain(Kind::Si),
        "sp" => plain(Kind::Sp),
        "Ri" => plain(Kind::Ri),
        "Rp" => plain(Kind::Rp),
        "pr" | "proto" => plain(Kind::Pr),
        "ua" => plain(Kind::Ua),
        "rb" => plain(Kind::Rb),
        "ml" => plain(Kind::Ml),
        "mb" => plain(Kind::Mb),
        "T_reply_code" => plain(Kind::TReplyCode),
        "T_branch_idx" => plain(Kind::TBranchIdx),
        "rc" | "retcode" => plain(Kind::Rc),
        "Ts" => plain(Kind::Ts),
        "null" => plain(Kind::Null),
        "br" => plain(Kind::Br),
        "bR" => plain(Kind::BAll),
        "fs" => plain(Kind::Fs),
        "mf" | "sf" => plain(Kind::Mf),
        "bf" => plain(Kind::Bf),
        "hdr" => need(Kind::Hdr),
        "hdrc" => need(Kind::Hdrc),
        "def" => need(Kind::Def),
        "defn" => need(Kind::DefN),
        "var" => need(|n| {
            let slot = VarSlot::of(&n);
            Kind::Var(n, slot)
        }),
        "avp" => need(|a| {
            let n = match a.strip_prefix("s:") {
                Some(s) => s.to_string(),
                None => a,
            };
            Kind::Avp(n)
        }),
        "snd" | "sndto" => Ok(Kind::Snd(match arg.map(str::trim) {
            Some("ip") => Snd::Ip,
            Some("port") => Snd::Port,
            Some("proto") => Snd::Proto,
            Some("sproto") => Snd::SProto,
            Some("af") => Snd::Af,
            Some("buf") => Snd::Buf,
            Some("len") => Snd::Len,
            _ => return Err(format!("${name} takes ip, port, proto, sproto, af, buf or len")),
        })),
        "TV" => match arg.map(str::trim) {
            Some("s") => Ok(Kind::Tv(Tv::Sec)),
            Some("u") => Ok(Kind::Tv(Tv::Usec)),
            Some("sn") => Ok(Kind::Tv(Tv::SecN)),
            _ => Err("$TV takes s, u or sn".into()),
        },
        _ => Err(format!("unknown pseudo-variable ${name}")),
    }
}

/// Parse `name` or `name(arg)` at the start of `s`; returns name, arg and
/// the bytes used.
fn name_arg(s: &str) -> Result<(&str, Option<&str>, usize), String> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && is_name_char(b[i]) {
        i += 1;
    }
    if i == 0 {
        return Err("missing pseudo-variable name".into());
    }
    let name = &s[..i];
    if i < b.len() && b[i] == b'(' {
        let close = s[i..].find(')').ok_or_else(|| format!("${name}: missing ')'"))? + i;
        return Ok((name, Some(&s[i + 1..close]), close + 1));
    }
    Ok((name, None, i))
}

fn parse_index(s: &str) -> Result<Index, String> {
    let s = s.trim();
    if s == "*" {
        return Ok(Index::All);
    }
    s.parse::<i64>().map(Index::At).map_err(|_| format!("bad index [{s}]"))
}

/// Parse one PV at the start of `s` (which starts with `$`). Returns the
/// PV and the length used. Unknown names are an error here.
fn parse_prefix(s: &str) -> Result<(Pv, usize), String> {
    let rest = s.strip_prefix('$').ok_or("a pseudo-variable starts with '$'")?;
    if let Some(inner) = rest.strip_prefix('(') {
        // $(name(arg)[idx])
        let (name, arg, used) = name_arg(inner)?;
        let mut pos = used;
        let mut index = Index::None;
        let tail = &inner[pos..];
        if let Some(t) = tail.strip_prefix('[') {
            let close = t.find(']').ok_or("missing ']'")?;
            index = parse_index(&t[..close])?;
            pos += close + 2;
        }
        let tail = &inner[pos..];
        if tail.starts_with('{') {
            return Err("transformations are not supported".into());
        }
        if !tail.starts_with(')') {
            return Err(format!("bad pseudo-variable {s}"));
        }
        let total = 2 + pos + 1;
        let kind = kind_of(name, arg)?;
        return Ok((Pv { kind, index, text: s[..total].to_string() }, total));
    }
    let (name, arg, used) = name_arg(rest)?;
    let kind = kind_of(name, arg)?;
    Ok((Pv { kind, index: Index::None, text: s[..used + 1].to_string() }, used + 1))
}

impl Pv {
    /// Compile a PV name such as `$ru`, `$hdr(From)`, `$(avp(x)[*])`.
    pub fn parse(s: &str) -> Result<Pv, String> {
        let s = s.trim();
        let (pv, used) = parse_prefix(s)?;
        if used != s.len() {
            return Err(format!("trailing text after pseudo-variable in '{s}'"));
        }
        Ok(pv)
    }

    /// Can a script assign it?
    pub fn is_writable(&self) -> bool {
        matches!(
            self.kind,
            Kind::Ru
                | Kind::RUser
                | Kind::RHost
                | Kind::RPort
                | Kind::Du
                | Kind::Fu
                | Kind::FUser
                | Kind::FHost
                | Kind::Fn
                | Kind::Tu
                | Kind::TUser
                | Kind::THost
                | Kind::Tn
                | Kind::Fs
                | Kind::Br
                | Kind::Var(..)
                | Kind::Avp(_)
                | Kind::Mf
                | Kind::Bf
                | Kind::Null
        )
    }

    /// Read the value.
    pub fn get(&self, ctx: &RouteCtx<'_>) -> Value {
        get(self, ctx)
    }

    /// Assign (`$x = v`); `Value::Null` is `$x = $null`.
    pub fn set(&self, ctx: &mut RouteCtx<'_>, v: Value) -> Result<(), String> {
        set(self, ctx, v)
    }
}

fn s(v: &str) -> Value {
    Value::Str(v.to_string())
}

fn opt_s(v: Option<&str>) -> Value {
    v.map_or(Value::Null, s)
}

fn ruri_value(ctx: &RouteCtx<'_>, f: impl Fn(&Uri<'_>) -> Value) -> Value {
    if !ctx.msg.is_request() {
        return Value::Null;
    }
    match Uri::parse(ctx.ruri()) {
        Ok(u) => f(&u),
        Err(_) => Value::Null,
    }
}

fn orig_ruri_value(ctx: &RouteCtx<'_>, f: impl Fn(&Uri<'_>) -> Value) -> Value {
    match ctx.msg.ruri() {
        Some(Ok(u)) => f(&u),
        _ => Value::Null,
    }
}

fn addr_value(v: Option<&str>, f: impl Fn(&NameAddr<'_>) -> Value) -> Value {
    match v.map(NameAddr::parse) {
        Some(Ok(na)) => f(&na),
        _ => Value::Null,
    }
}

fn uri_user(u: &Uri<'_>) -> Value {
    opt_s(u.user())
}

/// Pick from a list of values by index (None = the first).
fn pick(values: Vec<String>, index: Index) -> Value {
    match index {
        Index::None => values.into_iter().next().map_or(Value::Null, Value::Str),
        Index::All => {
            if values.is_empty() {
                Value::Null
            } else {
                Value::Str(values.join(","))
            }
        }
        Index::At(i) => {
            let n = values.len() as i64;
            let i = if i < 0 { n + i } else { i };
            if i < 0 || i >= n {
                Value::Null
            } else {
                Value::Str(values[i as usize].clone())
            }
        }
    }
}

fn now() -> std::time::Duration {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default()
}

/// Format a socket as `proto:ip:port` (`$fs`).
pub fn socket_str(proto: Protocol, addr: SocketAddr) -> String {
    let mut s = String::with_capacity(32);
    s.push_str(proto.as_str());
    s.push(':');
    crate::sip::write::push_host_port(&mut s, addr);
    s
}

/// Parse `proto:ip:port` (or `ip:port`, UDP) for `$fs`.
pub fn parse_socket(s: &str) -> Option<(Protocol, SocketAddr)> {
    let s = s.trim();
    let (proto, rest) = match s.split_once(':') {
        Some((p, r)) if !p.contains('[') && !r.is_empty() && p.parse::<std::net::Ipv4Addr>().is_err() => {
            let proto = match p.to_ascii_lowercase().as_str() {
                "udp" => Protocol::Udp,
                "tcp" => Protocol::Tcp,
                "tls" => Protocol::Tls,
                "ws" => Protocol::Ws,
                "wss" => Protocol::Wss,
                "sctp" => Protocol::Sctp,
                _ => return None,
            };
            (proto, r)
        }
        _ => (Protocol::Udp, s),
    };
    let addr = rest.parse::<SocketAddr>().ok().or_else(|| {
        // Without a port: the protocol's default.
        let host = rest.trim_start_matches('[').trim_end_matches(']');
        host.parse::<std::net::IpAddr>().ok().map(|ip| SocketAddr::new(ip, proto.default_port()))
    })?;
    Some((proto, addr))
}

fn get(pv: &Pv, ctx: &RouteCtx<'_>) -> Value {
    let msg = &ctx.msg;
    match &pv.kind {
        Kind::Ru => ruri_value(ctx, |u| s(u.as_str())),
        Kind::RUser => ruri_value(ctx, uri_user),
        Kind::RHost => ruri_value(ctx, |u| s(u.host())),
        Kind::RPort => ruri_value(ctx, |u| Value::Int(u.port_or_default() as i64)),
        Kind::RScheme => ruri_value(ctx, |u| s(u.scheme_str())),
        Kind::RVersion => s(msg.version()),
        Kind::Ou => orig_ruri_value(ctx, |u| s(u.as_str())),
        Kind::OUser => orig_ruri_value(ctx, uri_user),
        Kind::OHost => orig_ruri_value(ctx, |u| s(u.host())),
        Kind::OPort => orig_ruri_value(ctx, |u| Value::Int(u.port_or_default() as i64)),
        Kind::Rm => match msg.method_str() {
            Some(m) => s(m),
            None => match msg.cseq() {
                Some(Ok(c)) => s(c.method.as_str()),
                _ => Value::Null,
            },
        },
        Kind::Rs => msg.status().map_or(Value::Null, |c| Value::Int(c as i64)),
        Kind::Rr => opt_s(msg.reason()),
        Kind::Du => opt_s(ctx.dst_uri.as_deref()),
        Kind::Fu => addr_value(msg.header(HeaderName::From), |a| s(a.uri().as_str())),
        Kind::FUser => addr_value(msg.header(HeaderName::From), |a| uri_user(a.uri())),
        Kind::FHost => addr_value(msg.header(HeaderName::From), |a| s(a.uri().host())),
        Kind::Fn => addr_value(msg.header(HeaderName::From), |a| opt_s(a.display_name_raw())),
        Kind::Ft => opt_s(msg.from_tag()),
        Kind::Tu => addr_value(msg.header(HeaderName::To), |a| s(a.uri().as_str())),
        Kind::TUser => addr_value(msg.header(HeaderName::To), |a| uri_user(a.uri())),
        Kind::THost => addr_value(msg.header(HeaderName::To), |a| s(a.uri().host())),
        Kind::Tn => addr_value(msg.header(HeaderName::To), |a| opt_s(a.display_name_raw())),
        Kind::Tt => opt_s(msg.to_tag()),
        Kind::Ci => opt_s(msg.call_id()),
        Kind::Cs => match msg.cseq() {
            Some(Ok(c)) => Value::Int(c.seq as i64),
            _ => Value::Null,
        },
        Kind::Cl => msg.content_length().map_or(Value::Null, |l| Value::Int(l as i64)),
        Kind::Ct => opt_s(msg.header(HeaderName::Contact)),
        Kind::CType => opt_s(msg.header(HeaderName::ContentType)),
        Kind::Si => s(&ctx.info.src.ip().to_string()),
        Kind::Sp => Value::Int(ctx.info.src.port() as i64),
        Kind::Ri => s(&ctx.info.local.ip().to_string()),
        Kind::Rp => Value::Int(ctx.info.local.port() as i64),
        Kind::Pr => s(ctx.info.proto.as_str()),
        Kind::Ua => opt_s(msg.header(HeaderName::UserAgent)),
        Kind::Hdr(name) => pick(msg.header_all_by_name(name).map(str::to_string).collect(), pv.index),
        Kind::Def(name) | Kind::DefN(name) => {
            let value = ctx.shared.modcfg.defines.iter().rev().find(|(n, _)| n == name).and_then(|(_, v)| v.clone());
            match (value, matches!(pv.kind, Kind::DefN(_))) {
                (None, _) => Value::Null,
                // A quoted define value is a string token: drop the quotes.
                (Some(v), false) => Value::Str(v.trim().trim_matches('"').to_string()),
                (Some(v), true) => Value::Int(v.trim().trim_matches('"').parse().unwrap_or(0)),
            }
        }
        Kind::Hdrc(name) => Value::Int(msg.header_all_by_name(name).count() as i64),
        Kind::Rb => Value::Str(String::from_utf8_lossy(msg.body()).into_owned()),
        Kind::Ml => Value::Int(msg.raw().len() as i64),
        Kind::Mb => Value::Str(String::from_utf8_lossy(&msg.raw()).into_owned()),
        Kind::Avp(name) => match pv.index {
            Index::None => ctx.avps.get(name).cloned().unwrap_or_default(),
            Index::All => {
                let all: Vec<String> = ctx.avps.all(name).map(|v| v.to_string()).collect();
                if all.is_empty() {
                    Value::Null
                } else {
                    Value::Str(all.join(","))
                }
            }
            Index::At(i) => {
                let n = ctx.avps.count(name) as i64;
                let i = if i < 0 { n + i } else { i };
                if i < 0 {
                    Value::Null
                } else {
                    ctx.avps.get_index(name, i as usize).cloned().unwrap_or_default()
                }
            }
        },
        Kind::Var(_, slot) => ctx.vars.get_slot(*slot).cloned().unwrap_or(Value::Int(0)),
        Kind::TReplyCode => ctx.t_reply_code.map_or(Value::Null, |c| Value::Int(c as i64)),
        Kind::TBranchIdx => ctx.t_branch_idx.map_or(Value::Null, |c| Value::Int(c as i64)),
        Kind::Rc => Value::Int(ctx.last_ret as i64),
        Kind::Ts => Value::Int(now().as_secs() as i64),
        Kind::Tv(Tv::Sec) => Value::Int(now().as_secs() as i64),
        Kind::Tv(Tv::Usec) => Value::Int(now().subsec_micros() as i64),
        Kind::Tv(Tv::SecN) => {
            let n = now();
            Value::Str(format!("{}.{:06}", n.as_secs(), n.subsec_micros()))
        }
        Kind::Null | Kind::Unknown(_) => Value::Null,
        Kind::Br => opt_s(ctx.branches.first().map(|b| b.uri.as_str())),
        Kind::BAll => {
            if ctx.branches.is_empty() {
                Value::Null
            } else {
                Value::Str(ctx.branches.iter().map(|b| b.uri.as_str()).collect::<Vec<_>>().join(","))
            }
        }
        Kind::Fs => ctx.force_socket.map_or(Value::Null, |(p, a)| Value::Str(socket_str(p, a))),
        Kind::Mf => Value::Int(ctx.flags as i64),
        Kind::Bf => Value::Int(ctx.bflags as i64),
        Kind::Snd(key) => match ctx.snd {
            None => Value::Null,
            Some((proto, addr)) => match key {
                Snd::Ip => s(&addr.ip().to_string()),
                Snd::Port => Value::Int(addr.port() as i64),
                Snd::Proto => Value::Int(proto.code()),
                Snd::SProto => s(proto.as_str()),
                // AF_INET / AF_INET6, as the native cfg's `af` keyword.
                Snd::Af => Value::Int(if addr.is_ipv4() { 2 } else { 10 }),
                Snd::Buf => Value::Str(String::from_utf8_lossy(&msg.raw()).into_owned()),
                Snd::Len => Value::Int(msg.raw().len() as i64),
            },
        },
    }
}

fn value_str(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

fn set(pv: &Pv, ctx: &mut RouteCtx<'_>, v: Value) -> Result<(), String> {
    let bad = |what: &str| Err(format!("cannot assign {what} to {}", pv.text));
    match &pv.kind {
        Kind::Null => Ok(()),
        Kind::Ru => match value_str(&v) {
            Some(u) if uri::set_ruri(ctx, &u) => Ok(()),
            _ => bad("an invalid URI"),
        },
        Kind::RUser => {
            let user = value_str(&v).filter(|u| !u.is_empty());
            if uri::rewrite_ruri(ctx, |p| p.set_user(user)) {
                Ok(())
            } else {
                bad("this user")
            }
        }
        Kind::RHost => match value_str(&v).filter(|h| !h.is_empty()) {
            Some(h) if uri::rewrite_ruri(ctx, |p| p.host = h.clone()) => Ok(()),
            _ => bad("this host"),
        },
        Kind::RPort => {
            let port = value_str(&v).filter(|p| !p.is_empty() && p != "0");
            if port.as_deref().is_some_and(|p| p.parse::<u16>().is_err()) {
                return bad("a non-numeric port");
            }
            if uri::rewrite_ruri(ctx, |p| p.port = port) {
                Ok(())
            } else {
                bad("this port")
            }
        }
        Kind::Fu | Kind::FUser | Kind::FHost | Kind::Fn | Kind::Tu | Kind::TUser | Kind::THost | Kind::Tn => {
            use uri::AddrPart;
            let which = if matches!(pv.kind, Kind::Fu | Kind::FUser | Kind::FHost | Kind::Fn) { HeaderName::From } else { HeaderName::To };
            let text = value_str(&v).filter(|t| !t.is_empty());
            let part = match (&pv.kind, text) {
                (Kind::Fu | Kind::Tu, Some(u)) => AddrPart::Uri(u),
                (Kind::FUser | Kind::TUser, u) => AddrPart::User(u),
                (Kind::FHost | Kind::THost, Some(h)) => AddrPart::Host(h),
                (Kind::Fn | Kind::Tn, d) => AddrPart::Display(d),
                _ => return bad("an empty value"),
            };
            if uri::rewrite_addr(ctx, which, part) {
                Ok(())
            } else {
                bad("this value")
            }
        }
        Kind::Du => {
            match value_str(&v).filter(|u| !u.is_empty()) {
                None => ctx.dst_uri = None,
                Some(u) => {
                    if Uri::parse(u.trim()).is_err() {
                        return bad("an invalid URI");
                    }
                    ctx.dst_uri = Some(u.trim().to_string());
                }
            }
            Ok(())
        }
        Kind::Fs => {
            match value_str(&v).filter(|u| !u.is_empty()) {
                None => ctx.force_socket = None,
                Some(sock) => match parse_socket(&sock) {
                    Some(x) => ctx.force_socket = Some(x),
                    None => return bad("an invalid socket"),
                },
            }
            Ok(())
        }
        Kind::Br => {
            match value_str(&v).filter(|u| !u.is_empty()) {
                None => ctx.branches.clear(),
                Some(u) => {
                    if Uri::parse(u.trim()).is_err() {
                        return bad("an invalid URI");
                    }
                    match ctx.branches.first_mut() {
                        Some(b) => b.uri = u.trim().to_string(),
                        None => ctx.branches.push(Branch { uri: u.trim().to_string(), ..Branch::default() }),
                    }
                }
            }
            Ok(())
        }
        Kind::Mf => {
            ctx.flags = v.as_int() as u64;
            Ok(())
        }
        Kind::Bf => {
            ctx.bflags = v.as_int() as u32;
            Ok(())
        }
        Kind::Var(_, slot) => {
            ctx.vars.set_slot(*slot, if v.is_null() { Value::Int(0) } else { v });
            Ok(())
        }
        Kind::Avp(name) => {
            match (pv.index, v) {
                (Index::None, Value::Null) => {
                    ctx.avps.pop(name);
                }
                (Index::None, v) => ctx.avps.push(name, v),
                (Index::All, Value::Null) => ctx.avps.remove_all(name),
                (Index::All, v) => ctx.avps.set_only(name, v),
                (Index::At(i), v) => {
                    // Rebuild the stack with value i replaced (or removed).
                    let mut all: Vec<Value> = ctx.avps.all(name).cloned().collect();
                    let n = all.len() as i64;
                    let i = if i < 0 { n + i } else { i };
                    if i < 0 || i >= n {
                        return bad("a value at this index (no such value)");
                    }
                    if v.is_null() {
                        all.remove(i as usize);
                    } else {
                        all[i as usize] = v;
                    }
                    ctx.avps.remove_all(name);
                    for v in all.into_iter().rev() {
                        ctx.avps.push(name, v);
                    }
                }
            }
            Ok(())
        }
        _ => Err(format!("{} is read-only", pv.text)),
    }
}

/// A text with embedded PVs, compiled once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Pv(Pv),
}

impl Template {
    /// Compile. Never fails: a `$` that starts no valid PV is kept as text,
    /// an unknown name (`$foo`) prints `<null>`.
    pub fn parse(src: &str) -> Template {
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut i = 0;
        while i < src.len() {
            let rest = &src[i..];
            if let Some(after) = rest.strip_prefix('$') {
                match parse_prefix(rest) {
                    Ok((pv, used)) => {
                        if !text.is_empty() {
                            parts.push(Part::Text(std::mem::take(&mut text)));
                        }
                        parts.push(Part::Pv(pv));
                        i += used;
                        continue;
                    }
                    Err(_) => {
                        // An unknown but well-formed name prints <null>.
                        if let Ok((name, _, used)) = name_arg(after) {
                            if !text.is_empty() {
                                parts.push(Part::Text(std::mem::take(&mut text)));
                            }
                            parts.push(Part::Pv(Pv {
                                kind: Kind::Unknown(name.to_string()),
                                index: Index::None,
                                text: rest[..used + 1].to_string(),
                            }));
                            i += used + 1;
                            continue;
                        }
                    }
                }
            }
            let c = rest.chars().next().unwrap_or('$');
            text.push(c);
            i += c.len_utf8();
        }
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        Template { parts }
    }

    /// True if the template is plain text.
    pub fn is_static(&self) -> bool {
        self.parts.iter().all(|p| matches!(p, Part::Text(_)))
    }

    /// Evaluate; absent values print `<null>`.
    pub fn eval(&self, ctx: &RouteCtx<'_>) -> String {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                Part::Text(t) => out.push_str(t),
                Part::Pv(pv) => {
                    use std::fmt::Write;
                    let _ = write!(out, "{}", pv.get(ctx));
                }
            }
        }
        out
    }
}

thread_local! {
    static CACHE: RefCell<HashMap<String, Rc<Pv>>> = RefCell::new(HashMap::new());
    static TEMPLATES: RefCell<HashMap<String, Rc<Template>>> = RefCell::new(HashMap::new());
}

/// Most distinct names a worker keeps compiled (scripts use a few dozen;
/// the bound only guards against names built at run time).
const CACHE_MAX: usize = 4096;

/// The compiled form of `name`, parsed once per worker thread.
pub fn cached(name: &str) -> Result<Rc<Pv>, String> {
    CACHE.with(|c| {
        if let Some(pv) = c.borrow().get(name) {
            return Ok(pv.clone());
        }
        let pv = Rc::new(Pv::parse(name)?);
        let mut c = c.borrow_mut();
        if c.len() >= CACHE_MAX {
            c.clear();
        }
        c.insert(name.to_string(), pv.clone());
        Ok(pv)
    })
}

/// The compiled form of template `src`, parsed once per worker thread
/// (KEMI engines pass `KSR.xlog.*` texts as strings on every call).
pub fn cached_template(src: &str) -> Rc<Template> {
    TEMPLATES.with(|c| {
        if let Some(t) = c.borrow().get(src) {
            return t.clone();
        }
        let t = Rc::new(Template::parse(src));
        let mut c = c.borrow_mut();
        if c.len() >= CACHE_MAX {
            c.clear();
        }
        c.insert(src.to_string(), t.clone());
        t
    })
}

#[cfg(test)]
mod tests;

