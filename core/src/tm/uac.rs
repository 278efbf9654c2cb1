//! Requests switchboard originates itself (a local UAC): Kamailio's
//! `t_uac_send`, and what a store-and-forward module (msilo) uses to
//! deliver stored messages.
//!
//! [`send`] builds the request from a [`LocalRequest`], runs
//! `event_route[tm:local-request]` on it, and sends it in a new client
//! transaction of the transaction table:
//!
//! - **Built**: `METHOD R-URI SIP/2.0`; `From`, `To`, `Call-ID`, `CSeq`,
//!   `Max-Forwards` are taken from the given header text when there, else
//!   generated (a `Contact` only when given) — From `<sip:switchboard@<our address>>` (the
//!   socket the request leaves from) with a fresh tag (a given From
//!   without a tag gets one), To `<R-URI>`, a Call-ID unique to this
//!   server run, CSeq `10 METHOD`, Max-Forwards 70; the `User-Agent` of
//!   the cfg when set and not given; then the other given headers in
//!   their order (a given `Via` or `Content-Length` is ignored), and
//!   Content-Length for the body. No Content-Type is invented: give it in
//!   the header text with a body.
//! - **event_route[tm:local-request]** runs before the request is sent,
//!   with the request as the message (route type `Event`, so functions
//!   for requests work: `xlog`, `$rm`, `$ru`, `is_method`, `append_hf`,
//!   `remove_hf`, `t_set_fr`, `$du`, `$fs`). Its header edits, R-URI,
//!   `$du` and `$fs` changes apply to what is sent; `t_set_fr` sets this
//!   transaction's timers; `t_on_*` there are ignored (replies are
//!   absorbed, no failure route). The message it sees has no Via yet: the
//!   Via is added when the branch is sent, like for proxied requests.
//!   `drop` means the request is not sent ([`UacError::Dropped`]). `$si`
//!   there is our own address; `t_relay` there is not supported.
//! - **Transaction**: one client branch with RFC 3261 timers (A/E
//!   retransmissions over UDP, B/F = `fr_timer`, `fr_inv_timer` after a
//!   provisional to an INVITE), no server side. Replies are matched by
//!   our Via branch, go through the core reply route (`reply_route` /
//!   `ksr_reply_route`, as in Kamailio) and are absorbed: logged at debug,
//!   never forwarded. A negative final to an INVITE is ACKed hop by hop,
//!   a 2xx gets an ACK to its Contact along its Record-Route (no dialog
//!   is kept: the ACK is re-sent for a retransmitted 2xx, nothing more).
//!   The transaction is removed `wt_timer` after the final reply (or the
//!   local 408 of `fr_timer`), like any other.
//! - **onsend_route** does not run for local requests (Kamailio runs it
//!   for forwarded requests only).

use std::net::SocketAddr;

use bytes::Bytes;

use super::{live_from_ctx, new_cell, send_branch, tm, PendingBranch};
use crate::engine::Callback;
use crate::forward;
use crate::modules::textops::parse_header_text;
use crate::route::{RouteCtx, RouteType, Shared, Stop, Vars};
use crate::server;
use crate::sip::{self, HeaderName, Method, NameAddr, SipMessage, Uri};
use crate::transport::{Destination, Protocol, ReceiveInfo};

/// The event route run on every local request before it is sent.
pub const LOCAL_REQUEST_EVENT: &str = "tm:local-request";

/// Called once with the final status of a local request (the reply's, or
/// 408 when `fr_timer` ended it without one, the reply then `None`). It
/// runs on the worker that received the reply or on the tm timer thread,
/// with the transaction locked: hand the result over, do not block. It is
/// not called when the server stops before the request ends.
pub type OnFinal = Box<dyn FnOnce(u16, Option<&SipMessage>) + Send>;

/// A request to originate. Empty strings / `None` are "not given".
pub struct LocalRequest {
    /// `MESSAGE`, `OPTIONS`, `NOTIFY`, ... (a token).
    pub method: String,
    /// The Request-URI (and, unless `next_hop` is set, where it goes).
    pub ruri: String,
    /// Outbound proxy / next hop URI (`sip:host[:port][;transport=x]`),
    /// like `$du`.
    pub next_hop: Option<String>,
    /// Local socket to send from (parse `"proto:ip:port"` with
    /// [`crate::pv::parse_socket`]).
    pub socket: Option<(Protocol, SocketAddr)>,
    /// Extra header lines, `Name: value` separated by CRLF (or LF), with
    /// or without a final CRLF. From/To/Call-ID/CSeq/Contact given here
    /// are used as they are.
    pub headers: String,
    pub body: Bytes,
    /// The final status (see [`OnFinal`]); `None` = nobody waits for it.
    pub on_final: Option<OnFinal>,
}

impl LocalRequest {
    /// A request with nothing but a method and an R-URI.
    pub fn new(method: impl Into<String>, ruri: impl Into<String>) -> LocalRequest {
        LocalRequest {
            method: method.into(),
            ruri: ruri.into(),
            next_hop: None,
            socket: None,
            headers: String::new(),
            body: Bytes::new(),
            on_final: None,
        }
    }
}

impl std::fmt::Debug for LocalRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalRequest")
            .field("method", &self.method)
            .field("ruri", &self.ruri)
            .field("next_hop", &self.next_hop)
            .field("socket", &self.socket)
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .field("on_final", &self.on_final.is_some())
            .finish()
    }
}

/// A request that went out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// The transaction's id (in its Via branch).
    pub id: u64,
    pub call_id: String,
    /// Where it was sent.
    pub dest: (Protocol, SocketAddr),
}

/// Why a local request was not sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UacError {
    /// Bad method, R-URI or header text.
    #[error("bad local request: {0}")]
    Invalid(String),
    /// The next hop does not resolve.
    #[error("cannot route the local request: {0}")]
    Unresolvable(String),
    /// `drop` in `event_route[tm:local-request]`.
    #[error("local request dropped by event_route[tm:local-request]")]
    Dropped,
    /// The transport could not send it.
    #[error("cannot send the local request to {0}")]
    Send(String),
}

/// Originate `req` from outside a route (a module's own thread or timer).
/// Runs `event_route[tm:local-request]` with this thread's `$var` table.
/// From inside a route (an exported function), use [`send_from_route`].
pub fn send(shared: &Shared, req: LocalRequest) -> Result<Sent, UacError> {
    server::with_vars(|vars| send_with(shared, req, vars))
}

/// Originate `req` from a function called by a route (`t_uac_send`):
/// the event route shares the calling route's `$var` table.
pub fn send_from_route(ctx: &mut RouteCtx<'_>, req: LocalRequest) -> Result<Sent, UacError> {
    send_with(ctx.shared, req, ctx.vars)
}

fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&b))
}

fn send_with(shared: &Shared, mut req: LocalRequest, vars: &mut Vars) -> Result<Sent, UacError> {
    let t = tm(shared);
    let method = req.method.trim().to_string();
    if !is_token(&method) {
        return Err(UacError::Invalid(format!("method '{method}'")));
    }
    if matches!(Method::from_token(&method), Method::Ack | Method::Cancel) {
        return Err(UacError::Invalid(format!("{method} is not sent in a transaction of its own")));
    }
    let ruri = req.ruri.trim().to_string();
    Uri::parse(&ruri).map_err(|e| UacError::Invalid(format!("R-URI '{ruri}': {e}")))?;
    let extra = if req.headers.trim().is_empty() {
        Vec::new()
    } else {
        parse_header_text(&req.headers)
            .ok_or_else(|| UacError::Invalid(format!("header text {:?}", req.headers)))?
    };
    let next_hop = req.next_hop.take().filter(|n| !n.trim().is_empty());
    let (proto, addr) = forward::next_hop(&ruri, next_hop.as_deref()).map_err(UacError::Unresolvable)?;
    let (local, _) = forward::outgoing_socket(shared, proto, addr, req.socket);
    let invite = Method::from_token(&method) == Method::Invite;
    let cell = new_cell(t, String::new(), invite, Destination::to(proto, addr), None);
    let text = compose(shared, &method, &ruri, &extra, &req.body, local, cell.id);
    let msg = sip::parse(text).map_err(|e| UacError::Invalid(format!("the request does not parse: {e}")))?;
    let call_id = msg.call_id().unwrap_or_default().to_string();
    let info = ReceiveInfo { proto, src: local, local, conn_id: None };

    let mut ctx = RouteCtx::new(shared, RouteType::Event, msg, info.clone(), vars);
    ctx.dst_uri = next_hop.clone();
    ctx.force_socket = req.socket;
    let ev = Callback::Event(LOCAL_REQUEST_EVENT);
    if server::has_route(shared, ev) {
        if let Some(Err(e)) = server::run_route(shared, ev, &mut ctx) {
            tracing::error!("event_route[{LOCAL_REQUEST_EVENT}] failed: {e}");
        }
        if ctx.stop == Stop::Drop {
            tracing::debug!("local {method} to {ruri} dropped by event_route[{LOCAL_REQUEST_EVENT}]");
            return Err(UacError::Dropped);
        }
    }
    let uri = ctx.ruri().to_string();
    let dst_uri = ctx.dst_uri.clone().filter(|d| !d.is_empty());
    let target = if uri != ruri || dst_uri != next_hop {
        forward::next_hop(&uri, dst_uri.as_deref()).map_err(UacError::Unresolvable)?
    } else {
        (proto, addr)
    };
    {
        let mut live = live_from_ctx(&ctx);
        live.on_failure = None;
        live.on_branch = None;
        live.on_reply = None;
        live.on_branch_failure = None;
        let mut st = cell.st.lock().unwrap();
        st.live = Some(live);
        st.local = true;
        st.on_final = req.on_final.take();
    }
    // In the table before it goes out: the reply may be quick.
    t.ids.insert_new(cell.id, cell.clone());
    let p = PendingBranch { uri, dst_uri, target, force: ctx.force_socket, bflags: 0 };
    if !send_branch(shared, &cell, &ctx.msg, &p, None, &info, None) {
        t.ids.remove(&cell.id);
        return Err(UacError::Send(format!("{}:{}", target.0, target.1)));
    }
    tracing::debug!("local {method} to {} sent to {}:{} (transaction {})", p.uri, target.0, target.1, cell.id);
    Ok(Sent { id: cell.id, call_id, dest: target })
}

/// The request (see the module docs for what is generated).
fn compose(
    shared: &Shared,
    method: &str,
    ruri: &str,
    extra: &[(String, String)],
    body: &[u8],
    local: SocketAddr,
    id: u64,
) -> Bytes {
    let salt = tm(shared).salt;
    let given = |h: HeaderName| extra.iter().any(|(n, _)| HeaderName::from_name(n) == h);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().subsec_nanos();
    let tag = format!("{:08x}{id:x}", salt.rotate_left(11) ^ nanos);
    let mut s = format!("{method} {ruri} SIP/2.0\r\n");
    let mut line = |name: &str, value: &str| {
        s.push_str(name);
        s.push_str(": ");
        s.push_str(value);
        s.push_str("\r\n");
    };
    if !given(HeaderName::From) {
        line("From", &format!("<sip:switchboard@{}>;tag={tag}", forward::host_port(local)));
    }
    if !given(HeaderName::To) {
        line("To", &format!("<{ruri}>"));
    }
    if !given(HeaderName::CallId) {
        line("Call-ID", &format!("{salt:08x}-{id:x}-{nanos:x}@{}", local.ip()));
    }
    if !given(HeaderName::CSeq) {
        line("CSeq", &format!("10 {method}"));
    }
    if !given(HeaderName::MaxForwards) {
        line("Max-Forwards", "70");
    }
    if let Some(ua) = shared.user_agent.as_deref().filter(|_| !given(HeaderName::UserAgent)) {
        line("User-Agent", ua);
    }
    for (n, v) in extra {
        match HeaderName::from_name(n) {
            HeaderName::Via | HeaderName::ContentLength => {}
            HeaderName::From if NameAddr::parse(v).is_ok_and(|a| a.tag().is_none()) => {
                line(n, &format!("{v};tag={tag}"))
            }
            _ => line(n, v),
        }
    }
    line("Content-Length", &body.len().to_string());
    s.push_str("\r\n");
    let mut out = s.into_bytes();
    out.extend_from_slice(body);
    Bytes::from(out)
}

/// The ACK for a 2xx to our INVITE `request` (RFC 3261 §13.2.2.4): to
/// the reply's Contact, along its Record-Route (reversed), a new branch.
/// Returns the ACK and where it goes.
pub(super) fn ack_2xx(request: &Bytes, reply: &SipMessage, from: &Destination) -> Option<(Bytes, Destination)> {
    let req = sip::parse(request.clone()).ok()?;
    let target = match reply.contacts().next() {
        Some(Ok(c)) => c.addr()?.uri().as_str().to_string(),
        _ => req.ruri_str()?.to_string(),
    };
    let mut routes: Vec<&str> = reply.header_values(HeaderName::RecordRoute).collect();
    routes.reverse();
    let via = req.header_values(HeaderName::Via).next()?;
    let branch = req.top_via().ok()?.branch()?.to_string();
    let via = via.replace(&branch, &format!("{branch}.ack"));
    let mut s = format!("ACK {target} SIP/2.0\r\nVia: {via}\r\n");
    for r in &routes {
        s.push_str(&format!("Route: {r}\r\n"));
    }
    s.push_str(&format!("From: {}\r\n", req.header(HeaderName::From)?));
    s.push_str(&format!("To: {}\r\n", reply.header(HeaderName::To)?));
    s.push_str(&format!("Call-ID: {}\r\n", req.call_id()?));
    s.push_str(&format!("CSeq: {} ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n", req.cseq()?.ok()?.seq));
    // Loose routing: the first Route is the next hop.
    let next = routes
        .first()
        .and_then(|r| NameAddr::parse(r).ok().map(|a| a.uri().as_str().to_string()))
        .unwrap_or_else(|| target.clone());
    let (proto, addr) = forward::resolve_uri(&next).ok()?;
    let mut dest = Destination::to(proto, addr);
    dest.local = from.local;
    Some((Bytes::from(s), dest))
}
