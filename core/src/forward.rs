//! Destination resolution and stateless forwarding (requests and replies).
//!
//! Decisions:
//!
//! - **Next hop** of a request: `$du` when set, else the R-URI (RFC 3261
//!   §16.6 step 6/7 with an outbound proxy). Only `sip:`/`sips:` URIs are
//!   routable. `maddr` is ignored; `;transport=` picks the protocol (else
//!   UDP, TLS for `sips:`); the port defaults to 5060 (5061 for TLS/WSS).
//!   Host names are resolved with the system resolver (A/AAAA through
//!   `getaddrinfo`, first address wins). **No SRV/NAPTR yet** (RFC 3263 is
//!   not implemented).
//! - **Outgoing socket**: `force_socket` when its protocol matches, else the
//!   first listening socket of that protocol and address family. A wildcard
//!   listen address is replaced, for Via/Record-Route, by the local address
//!   the kernel would use to reach the destination.
//! - **Via** we add: `SIP/2.0/<PROTO> <ip>:<port>;branch=<branch>` — no
//!   `rport` request (as Kamailio by default; `add_local_rport()` or the
//!   `add_local_rport` global add one). The sender's Via gets `received`
//!   when its sent-by is not the source address, and `received` plus
//!   `rport=<source port>` when it asked for `rport` or the script called
//!   `force_rport()` (RFC 3261 §18.2.1, RFC 3581) — so replies forwarded
//!   by Via find their way back through NAT.
//! - **Record-Route**: written at send time by
//!   [`crate::modules::rr::render_record_route`] (double RR when the sockets differ).
//! - **Stateless request branch**: `z9hG4bKsl` + a hash of the incoming top
//!   Via branch and sent-by (or of Call-ID/CSeq/From-tag/R-URI without a
//!   RFC 3261 branch), so a retransmission, and a CANCEL or non-2xx ACK of
//!   the same INVITE, get the same branch downstream (RFC 3261 §16.11).
//! - **Stateless reply forwarding** (RFC 3261 §16.7/§18.2.2): the top Via
//!   must be ours (else the reply is dropped); it is removed and the reply
//!   goes to the next Via's `received` IP (else its sent-by host, resolved
//!   if it is a name) at its `rport` value (else its sent-by port or the
//!   default). The reply is never sent anywhere else.
//! - **`onsend_route`** (Kamailio's): runs for every request about to be
//!   forwarded — stateless (`forward()`, stateless `t_relay` of ACK and
//!   unmatched CANCEL) and each tm branch — never for retransmissions,
//!   hop-by-hop ACK/CANCEL or locally generated requests (`t_uac_send`);
//!   for replies received and relayed (statelessly by Via, or by tm) only
//!   with `onsend_route_reply=yes`, as Kamailio (never for local replies
//!   or retransmissions). Its message is the outgoing request as it will be
//!   written (R-URI, our Via, Record-Route, the script's header edits):
//!   `$ru`, `$hdr(..)`, `$ml` see the wire form, `$si`/`$sp` the original
//!   sender, `$snd(ip|port|proto|sproto|af)` the destination; the route's
//!   own header edits are not applied (the bytes are built). `drop` there
//!   means the request is not sent: `forward()` returns -1, and a tm branch
//!   counts as one that could not be sent (see `crate::tm`). Whether the
//!   script has the route is asked of the engine once per server.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::net::{IpAddr, SocketAddr, ToSocketAddrs, UdpSocket};

use bytes::Bytes;

use crate::engine::Callback;
use crate::exports::{export, Arg, Export, Ret};
use crate::route::{mask, RecordRoute, RouteCtx, RouteType, Shared, Stop, Vars};
use crate::server;
use crate::sip::write::push_host_port;
use crate::sip::{self, Host, Scheme, SipMessage, Uri, Via};
use crate::transport::{Destination, Protocol, ReceiveInfo};

/// Resolve a `sip:`/`sips:` URI to where a request for it is sent.
pub fn resolve_uri(uri: &str) -> Result<(Protocol, SocketAddr), String> {
    let u = Uri::parse(uri.trim()).map_err(|e| format!("bad URI '{uri}': {e}"))?;
    let proto = match (u.scheme(), u.transport()) {
        (Scheme::Sip | Scheme::Sips, Some(t)) => t.parse::<Protocol>()?,
        (Scheme::Sips, None) => Protocol::Tls,
        (Scheme::Sip, None) => Protocol::Udp,
        _ => return Err(format!("cannot route to a non-SIP URI '{uri}'")),
    };
    let proto = if u.scheme() == Scheme::Sips && proto == Protocol::Tcp { Protocol::Tls } else { proto };
    let port = u.port().unwrap_or(proto.default_port());
    Ok((proto, resolve_host(u.host_unbracketed(), port)?))
}

/// A host name or IP literal (unbracketed) with a port.
pub fn resolve_host(host: &str, port: u16) -> Result<SocketAddr, String> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, port));
    }
    crate::engine::blocking(|| (host, port).to_socket_addrs())
        .map_err(|e| format!("cannot resolve '{host}': {e}"))?
        .next()
        .ok_or_else(|| format!("'{host}' has no address"))
}

/// A proxy given as `sip:host[:port][;transport=x]` or `[proto:]host[:port]`
/// (the format of Kamailio's `t_relay_to("udp:1.2.3.4:5060")`).
pub fn resolve_proxy(spec: &str) -> Result<(Protocol, SocketAddr), String> {
    let s = spec.trim();
    let lower = s.to_ascii_lowercase();
    if lower.starts_with("sip:") || lower.starts_with("sips:") {
        return resolve_uri(s);
    }
    let (proto, rest) = match s.split_once(':') {
        Some((p, rest)) if p.parse::<Protocol>().is_ok() && !rest.is_empty() => {
            (p.parse::<Protocol>().unwrap_or(Protocol::Udp), rest)
        }
        _ => (Protocol::Udp, s),
    };
    let (host, port) = if let Some(r) = rest.strip_prefix('[') {
        let (h, after) = r.split_once(']').ok_or_else(|| format!("bad proxy '{spec}'"))?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().map_err(|_| format!("bad port in '{spec}'"))?,
            None => proto.default_port(),
        };
        (h, port)
    } else {
        match rest.rsplit_once(':') {
            Some((h, p)) => (h, p.parse().map_err(|_| format!("bad port in '{spec}'"))?),
            None => (rest, proto.default_port()),
        }
    };
    Ok((proto, resolve_host(host, port)?))
}

/// Where a request goes: `dst_uri` ($du) beats the R-URI.
pub fn next_hop(ruri: &str, dst_uri: Option<&str>) -> Result<(Protocol, SocketAddr), String> {
    match dst_uri {
        Some(d) if !d.is_empty() => resolve_uri(d),
        _ => resolve_uri(ruri),
    }
}

/// The local address a kernel would use to reach `dest` (for a wildcard
/// listen address).
fn local_ip_for(dest: SocketAddr) -> Option<IpAddr> {
    let bind: SocketAddr = if dest.is_ipv4() { ([0, 0, 0, 0], 0).into() } else { ([0u16; 8], 0).into() };
    let s = UdpSocket::bind(bind).ok()?;
    s.connect(dest).ok()?;
    s.local_addr().ok().map(|a| a.ip())
}

/// The socket a request to `dest` leaves from: (address to advertise in
/// Via/Record-Route, the listen address to send from when forced).
pub fn outgoing_socket(
    shared: &Shared,
    proto: Protocol,
    dest: SocketAddr,
    force: Option<(Protocol, SocketAddr)>,
) -> (SocketAddr, Option<SocketAddr>) {
    let (addr, forced) = match force {
        Some((p, a)) if p == proto => (a, Some(a)),
        _ => {
            let locals = shared.transports.get().map(|t| t.local_addrs()).unwrap_or_default();
            let a = locals
                .iter()
                .find(|(p, a)| *p == proto && a.is_ipv4() == dest.is_ipv4())
                .or_else(|| locals.iter().find(|(p, _)| *p == proto))
                .map(|(_, a)| *a)
                .unwrap_or_else(|| SocketAddr::new([127, 0, 0, 1].into(), proto.default_port()));
            (a, None)
        }
    };
    let advertised = if addr.ip().is_unspecified() {
        SocketAddr::new(local_ip_for(dest).unwrap_or(addr.ip()), addr.port())
    } else {
        addr
    };
    (advertised, forced)
}

/// `ip:port`, IPv6 in brackets (Via sent-by, URI host:port).
pub fn host_port(a: SocketAddr) -> String {
    let mut s = String::with_capacity(24);
    push_host_port(&mut s, a);
    s
}

/// Our Via value for a request leaving from `local` over `proto`.
pub fn via_value(proto: Protocol, local: SocketAddr, branch: &str) -> String {
    let mut s = String::with_capacity(48 + branch.len());
    s.push_str("SIP/2.0/");
    s.push_str(proto.via_name());
    s.push(' ');
    push_host_port(&mut s, local);
    s.push_str(";branch=");
    s.push_str(branch);
    s
}

/// The advertised address of the socket a message came in on.
pub fn incoming_socket(info: &ReceiveInfo) -> (Protocol, SocketAddr) {
    let local = if info.local.ip().is_unspecified() {
        SocketAddr::new(local_ip_for(info.src).unwrap_or(info.local.ip()), info.local.port())
    } else {
        info.local
    };
    (info.proto, local)
}

/// Everything needed to put one request on the wire.
pub struct Outgoing {
    pub dest: Destination,
    pub bytes: Bytes,
    /// The Via value we added (its branch identifies the branch).
    pub via: String,
}

/// Build a request copy for one destination: new R-URI (if it differs),
/// our Via on top, Record-Route if asked. `msg` keeps the script's edits.
#[allow(clippy::too_many_arguments)]
pub fn build_request(
    shared: &Shared,
    msg: &SipMessage,
    ruri: &str,
    target: (Protocol, SocketAddr),
    force: Option<(Protocol, SocketAddr)>,
    branch: &str,
    rr: Option<&RecordRoute>,
    info: &ReceiveInfo,
) -> Result<Outgoing, String> {
    let (proto, addr) = target;
    let (local, forced) = outgoing_socket(shared, proto, addr, force);
    let mut m = msg.clone();
    if msg.ruri_str() != Some(ruri) {
        m.set_ruri(ruri).map_err(|e| format!("bad R-URI '{ruri}': {e}"))?;
    }
    if let Some(stamped) = stamped_top_via(msg, info) {
        m.remove_top_via();
        m.push_via(&stamped).map_err(|e| format!("cannot stamp the top Via: {e}"))?;
    }
    let mut via = via_value(proto, local, branch);
    if msg.sending.add_local_rport {
        via.push_str(";rport");
    }
    m.push_via(&via).map_err(|e| format!("cannot add Via: {e}"))?;
    if let Some(rr) = rr {
        let hdrs = crate::modules::rr::render_record_route(rr, incoming_socket(info), (proto, local));
        for h in hdrs.iter().rev() {
            m.add_header_top("Record-Route", h).map_err(|e| format!("cannot add Record-Route: {e}"))?;
        }
    }
    let mut dest = Destination::to(proto, addr);
    dest.local = forced;
    Ok(Outgoing { dest, bytes: m.serialize(), via })
}

/// The sender's Via of a received request with `received` / `rport=`
/// filled in, when RFC 3261 §18.2.1 / RFC 3581 (or `force_rport`) ask for
/// them; `None` when it stays as it is, or for a request we generated.
fn stamped_top_via(msg: &SipMessage, info: &ReceiveInfo) -> Option<String> {
    if info.src == info.local {
        return None;
    }
    let v = msg.top_via().ok()?;
    if !sip::via_needs_stamp(&v, info.src, msg.sending.force_rport) {
        return None;
    }
    let mut s = String::with_capacity(96);
    sip::stamp_via(&v, info.src, msg.sending.force_rport, &mut s);
    Some(s)
}

/// The branch a stateless forward uses (see the module docs).
pub fn stateless_branch(msg: &SipMessage) -> String {
    let mut h = DefaultHasher::new();
    match msg.top_via() {
        Ok(v) if v.branch().is_some_and(|b| b.starts_with("z9hG4bK")) => {
            v.branch().hash(&mut h);
            v.host().to_ascii_lowercase().hash(&mut h);
            v.port().hash(&mut h);
        }
        _ => {
            msg.call_id().hash(&mut h);
            msg.cseq().and_then(|c| c.ok()).map(|c| c.seq).hash(&mut h);
            msg.from_tag().hash(&mut h);
            msg.ruri_str().hash(&mut h);
        }
    }
    format!("z9hG4bKsl{:016x}", h.finish())
}

/// Does the script have an `onsend_route`? Asked of the engine once per
/// server, then an atomic load.
pub fn has_onsend(shared: &Shared) -> bool {
    shared.engine.is_some() && *shared.onsend.get_or_init(|| server::has_route(shared, Callback::OnSend))
}

/// Run `onsend_route` (if the script has one) for a request about to be
/// forwarded; false when the route dropped it. `info` is how the original
/// request came in, `flags` its message flags. See the module docs.
pub fn onsend_allows(shared: &Shared, out: &Outgoing, info: &ReceiveInfo, flags: u64, vars: &mut Vars) -> bool {
    run_onsend(shared, &out.bytes, &out.dest, info, flags, vars)
}

/// With `onsend_route_reply=yes`: run `onsend_route` for a received reply
/// about to be relayed to `dest`; false when the route dropped it.
pub fn onsend_allows_reply(shared: &Shared, bytes: &Bytes, dest: &Destination, info: &ReceiveInfo, vars: &mut Vars) -> bool {
    !shared.onsend_reply || run_onsend(shared, bytes, dest, info, 0, vars)
}

fn run_onsend(shared: &Shared, bytes: &Bytes, dest: &Destination, info: &ReceiveInfo, flags: u64, vars: &mut Vars) -> bool {
    if !has_onsend(shared) {
        return true;
    }
    let msg = match sip::parse(bytes.clone()) {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!("onsend_route not run: the outgoing message does not parse: {e}");
            return true;
        }
    };
    let mut ctx = RouteCtx::new(shared, RouteType::OnSend, msg, info.clone(), vars);
    ctx.flags = flags;
    ctx.snd = Some((dest.proto, dest.addr));
    if let Some(Err(e)) = server::run_route(shared, Callback::OnSend, &mut ctx) {
        tracing::error!("onsend_route failed: {e}");
    }
    ctx.stop != Stop::Drop
}

/// Stateless forwarding of the request in `ctx` (core `forward()`).
pub fn forward_request(ctx: &mut RouteCtx<'_>) -> Result<(), String> {
    forward_request_to(ctx, None)
}

/// Stateless forwarding to `target`, else to `$du`/the R-URI; through
/// `onsend_route` (a drop there is an error: nothing was sent).
pub fn forward_request_to(ctx: &mut RouteCtx<'_>, target: Option<(Protocol, SocketAddr)>) -> Result<(), String> {
    let target = match target {
        Some(t) => t,
        None => next_hop(ctx.ruri(), ctx.dst_uri.as_deref())?,
    };
    let branch = stateless_branch(&ctx.msg);
    let ruri = ctx.ruri().to_string();
    let out = build_request(
        ctx.shared, &ctx.msg, &ruri, target, ctx.force_socket, &branch, ctx.record_route.as_ref(), &ctx.info,
    )?;
    if !onsend_allows(ctx.shared, &out, &ctx.info, ctx.flags, ctx.vars) {
        return Err(format!("request to {}:{} dropped by onsend_route", out.dest.proto, out.dest.addr));
    }
    ctx.shared.transports().send(&out.dest, out.bytes).map_err(|e| e.to_string())
}

/// Is this Via ours (sent-by names one of our sockets)?
pub fn via_is_ours(shared: &Shared, via: &Via<'_>) -> bool {
    let proto = via.transport().parse::<Protocol>().ok();
    let host = via.host().trim_start_matches('[').trim_end_matches(']');
    if shared.myself.matches(host, via.port(), proto) {
        return true;
    }
    // Sockets bound to port 0 are known by their real port only here.
    let (Ok(ip), Some(proto)) = (host.parse::<IpAddr>(), proto) else { return false };
    let addr = SocketAddr::new(ip, via.port_or_default());
    shared.transports.get().is_some_and(|t| t.local_addrs().contains(&(proto, addr)))
}

/// Where a reply goes once our Via is removed: the next Via (RFC 3261
/// §18.2.2 with RFC 3581; `maddr` ignored).
pub fn reply_target(via: &Via<'_>) -> Result<(Protocol, SocketAddr), String> {
    let proto = via.transport().parse::<Protocol>()?;
    let (host, port) = via.sent_by_target();
    let port = via.rport().unwrap_or(port);
    let addr = match host {
        Host::Ip(ip) => SocketAddr::new(ip, port),
        Host::Name(n) => resolve_host(n, port)?,
    };
    Ok((proto, addr))
}

/// Forward a reply statelessly by its Vias. Returns false (logged) when it
/// cannot be (top Via not ours, no second Via, unresolvable).
pub fn forward_reply(shared: &Shared, msg: &SipMessage, info: &ReceiveInfo, vars: &mut Vars) -> bool {
    let code = msg.status().unwrap_or(0);
    let top_ours = msg.top_via().map(|v| via_is_ours(shared, &v)).unwrap_or(false);
    if !top_ours {
        tracing::debug!("reply {code} from {}:{}: top Via is not ours; dropped", info.proto, info.src);
        return false;
    }
    let target = match msg.via_values().nth(1).map(Via::parse) {
        Some(Ok(v)) => reply_target(&v),
        Some(Err(e)) => Err(format!("bad second Via: {e}")),
        None => Err("no second Via".to_string()),
    };
    let (proto, addr) = match target {
        Ok(t) => t,
        Err(e) => {
            tracing::debug!("reply {code} from {}:{}: {e}; dropped", info.proto, info.src);
            return false;
        }
    };
    let mut m = msg.clone();
    m.remove_top_via();
    let (dest, bytes) = (Destination::to(proto, addr), m.serialize());
    if !onsend_allows_reply(shared, &bytes, &dest, info, vars) {
        tracing::debug!("reply {code} to {proto}:{addr} dropped by onsend_route");
        return false;
    }
    match shared.transports().send(&dest, bytes) {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!("cannot forward reply {code} to {proto}:{addr}: {e}");
            false
        }
    }
}

fn forward_fn(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    match forward_request(ctx) {
        Ok(()) => Ret::Int(1),
        Err(e) => {
            tracing::error!("forward(): {e}");
            Ret::Int(-1)
        }
    }
}

/// Core `forward()` (KEMI `KSR.forward()`).
pub static EXPORTS: &[Export] = &[export!("", "forward", ["forward"], [], forward_fn, routes = mask::ANY_REQUEST)];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        assert_eq!(resolve_uri("sip:u@127.0.0.1").unwrap(), (Protocol::Udp, "127.0.0.1:5060".parse().unwrap()));
        assert_eq!(
            resolve_uri("sip:127.0.0.1:5070;transport=tcp;maddr=10.0.0.1").unwrap(),
            (Protocol::Tcp, "127.0.0.1:5070".parse().unwrap())
        );
        assert_eq!(resolve_uri("sips:u@127.0.0.1").unwrap(), (Protocol::Tls, "127.0.0.1:5061".parse().unwrap()));
        assert_eq!(resolve_uri("sip:[::1]:5080").unwrap(), (Protocol::Udp, "[::1]:5080".parse().unwrap()));
        assert!(resolve_uri("tel:+123").is_err());
        assert_eq!(next_hop("sip:a@10.0.0.1", Some("sip:127.0.0.1:9")).unwrap().1, "127.0.0.1:9".parse().unwrap());
    }

    #[test]
    fn proxies() {
        assert_eq!(resolve_proxy("udp:127.0.0.1:5080").unwrap(), (Protocol::Udp, "127.0.0.1:5080".parse().unwrap()));
        assert_eq!(resolve_proxy("tcp:127.0.0.1").unwrap(), (Protocol::Tcp, "127.0.0.1:5060".parse().unwrap()));
        assert_eq!(resolve_proxy("127.0.0.1:7").unwrap(), (Protocol::Udp, "127.0.0.1:7".parse().unwrap()));
        assert_eq!(resolve_proxy("sip:127.0.0.1:7;transport=tcp").unwrap().0, Protocol::Tcp);
    }
}
