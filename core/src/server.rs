//! The server: glue between transports, the SIP parser and routing.
//!
//! Data path: transport worker thread → parse + validate → routing context
//! → the worker's own engine runs the request (or reply) callback → the
//! exported functions it calls reply, relay or store.
//!
//! Without an engine (no `cfgengine`, and native blocks not yet run) every
//! well-formed request is answered `500 No routing logic`. A malformed
//! message gets `400` when a reply can be built (readable top Via) or is
//! dropped — always with one log line naming the source.

use std::cell::RefCell;
use std::rc::Rc;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;

use crate::transport::arrival::Turn;
use crate::cfg::Config;
use crate::engine::{Callback, Engine, EngineFactory, ScriptError};
use crate::myself::Myself;
use crate::route::{RouteCtx, RouteType, Shared, Stop, Vars};
use crate::sip::{self, Method, ReplyOptions, SipMessage};
use crate::transport::{
    Destination, Handler, Protocol, ReceiveInfo, TransportConfig, Transports,
};

/// A running server: the tokio runtime (timers, TCP) and the transports.
pub struct Server {
    runtime: Option<tokio::runtime::Runtime>,
    transports: Arc<Transports>,
    shared: Arc<Shared>,
    /// The jsonrpcs control interface, when the cfg loads it.
    rpc: crate::rpc::transport::RpcTransports,
}

impl Server {
    /// Bind every listen address and start the workers.
    pub fn start(
        config: &Config,
        engine: Option<Arc<dyn EngineFactory>>,
    ) -> Result<Server, String> {
        let g = &config.globals;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("sb-io")
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the I/O runtime: {e}"))?;
        let listens = listen_sockets(config)?;
        let rpc_settings = crate::rpc::transport::RpcSettings::from_config(config)?;
        crate::rpc::commands::mark_started();
        let shared = Arc::new(Shared {
            transports: OnceLock::new(),
            max_msg_size: g.max_msg_size as usize,
            myself: myself(config, &listens),
            server_header: server_header(config),
            user_agent: user_agent(config),
            flag_names: config.flags.iter().cloned().collect(),
            engine,
            location: crate::modules::registrar::LocationService::from_config(config),
            rr: crate::modules::rr::RrSettings::from_config(config),
            tm: Arc::new(crate::tm::Tm::new(crate::tm::TmConfig::from_config(config))),
            modcfg: crate::modules::ModCfg::from_config(config),
            onsend: OnceLock::new(),
            onsend_reply: g.onsend_route_reply,
            send_defaults: sip::SendFlags { force_rport: g.force_rport, add_local_rport: g.add_local_rport, reply_no_connect: false },
        });
        shared.tm.start(Arc::downgrade(&shared));
        let tcfg = TransportConfig {
            listens,
            udp_workers: g.children.max(1) as usize,
            tcp_workers: g.tcp_children.unwrap_or(g.children).max(1) as usize,
            max_msg_size: g.max_msg_size as usize,
            tcp_connection_lifetime: Duration::from_secs(u64::from(g.tcp_connection_lifetime)),
            tcp_max_connections: g.tcp_max_connections as usize,
            tcp_accept_no_cl: g.tcp_accept_no_cl,
            ..TransportConfig::default()
        };
        let handler = Arc::new(CoreHandler { shared: shared.clone() });
        let transports = match Transports::start(tcfg, handler, runtime.handle().clone()) {
            Ok(t) => t,
            Err(e) => {
                shared.tm.stop();
                return Err(format!("cannot start the listeners: {e}"));
            }
        };
        shared.myself.set_bound(&transports.local_addrs());
        let _ = shared.transports.set(transports.clone());
        let rpc = match rpc_settings.map(|s| crate::rpc::transport::start(&s, &shared)).transpose() {
            Ok(r) => r.unwrap_or_default(),
            Err(e) => {
                transports.shutdown();
                shared.tm.stop();
                return Err(e);
            }
        };
        raise_event(&shared, WORKER_ONE_INIT);
        Ok(Server { runtime: Some(runtime), transports, shared, rpc })
    }

    pub fn local_addrs(&self) -> Vec<(Protocol, SocketAddr)> {
        self.transports.local_addrs()
    }

    /// The state shared by the workers (transactions, ...).
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Block until SIGINT or SIGTERM.
    pub fn wait_for_signal(&self) {
        let rt = self.runtime.as_ref().expect("runtime lives until shutdown");
        rt.block_on(async {
            use tokio::signal::unix::{signal, SignalKind};
            let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        });
        tracing::info!("signal received, shutting down");
    }

    pub fn shutdown(mut self) {
        self.rpc.stop();
        self.transports.shutdown();
        self.shared.tm.stop();
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_timeout(Duration::from_secs(2));
        }
    }
}

/// Expand the cfg's listen entries into concrete (protocol, address) pairs.
/// No `listen` at all means UDP (and TCP) on 0.0.0.0 at `port`, as Kamailio
/// listens on every interface by default.
fn listen_sockets(config: &Config) -> Result<Vec<(Protocol, SocketAddr)>, String> {
    let g = &config.globals;
    let tcp = !g.disable_tcp;
    let default_port = g.port;
    let mut out = Vec::new();
    let fallback;
    let listens = if g.listen.is_empty() {
        fallback = vec![crate::transport::ListenAddr::parse("0.0.0.0")?];
        &fallback
    } else {
        &g.listen
    };
    for l in listens {
        for proto in l.protocols(tcp) {
            if proto == Protocol::Tcp && !tcp {
                return Err(format!("listen={l}: TCP is disabled (disable_tcp=yes)"));
            }
            let port = l.port.unwrap_or(if default_port == 5060 {
                proto.default_port()
            } else {
                default_port
            });
            for addr in l.resolve(port)? {
                let pair = (proto, addr);
                if !out.contains(&pair) {
                    out.push(pair);
                }
            }
        }
    }
    Ok(out)
}

fn myself(config: &Config, listens: &[(Protocol, SocketAddr)]) -> Myself {
    let g = &config.globals;
    let mut m = Myself::default();
    for (proto, addr) in listens {
        m.add(Some(*proto), &addr.ip().to_string(), Some(addr.port()));
    }
    for l in &g.listen {
        m.add(l.proto, &l.host, l.port);
        if let Some((host, port)) = &l.advertise {
            m.add(l.proto, host, *port);
        }
    }
    for a in &g.alias {
        m.add(a.proto, &a.host, a.port);
    }
    m
}

fn user_agent(config: &Config) -> Option<String> {
    let g = &config.globals;
    match &g.user_agent_header {
        Some(h) => Some(h.strip_prefix("User-Agent:").unwrap_or(h).trim().to_string()),
        None if g.server_signature => Some(format!("switchboard ({})", env!("CARGO_PKG_VERSION"))),
        None => None,
    }
}

fn server_header(config: &Config) -> Option<Arc<str>> {
    let g = &config.globals;
    if !g.server_signature {
        return None;
    }
    Some(match &g.server_header {
        // Kamailio's parameter holds the whole header line.
        Some(h) => h.strip_prefix("Server:").unwrap_or(h).trim().into(),
        None => format!("switchboard ({})", env!("CARGO_PKG_VERSION")).into(),
    })
}

thread_local! {
    /// The engine of this worker thread: interpreters are not thread-safe,
    /// so each worker owns one, created on its first message.
    static ENGINE: RefCell<Option<Rc<dyn Engine>>> = const { RefCell::new(None) };
    /// `$var(...)` values of this worker.
    static VARS: RefCell<Vars> = RefCell::new(Vars::new());
}

struct CoreHandler {
    shared: Arc<Shared>,
}

/// Workers numbered in the order their engines start (Python's
/// `child_init(rank)`).
static NEXT_RANK: AtomicUsize = AtomicUsize::new(0);

/// Run `cb` with this thread's engine, creating it on first use. Any
/// thread may call this (transport workers, the tm timer thread); each gets
/// its own interpreter. None when there is no engine or it could not be
/// created (already logged).
pub fn run_route(shared: &Shared, cb: Callback<'_>, ctx: &mut RouteCtx<'_>) -> Option<Result<i32, ScriptError>> {
    // A handle, so no borrow is held while the script runs: routes nest
    // (t_relay runs branch_route from inside request_route).
    Some(thread_engine(shared)?.run(cb, ctx))
}

/// This thread's engine, created on first use. None when there is no
/// engine or it could not be created (already logged).
fn thread_engine(shared: &Shared) -> Option<Rc<dyn Engine>> {
    let factory = shared.engine.as_ref()?;
    ENGINE.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            let rank = NEXT_RANK.fetch_add(1, Ordering::Relaxed) + 1;
            match factory.create(rank) {
                Ok(e) => *slot = Some(Rc::from(e)),
                Err(e) => {
                    tracing::error!("cannot start the {} engine in worker {rank}: {e}", factory.name());
                    return None;
                }
            }
        }
        slot.clone()
    })
}

/// Does the script define `cb`? Asks this thread's engine (created on
/// first use); false without an engine.
pub fn has_route(shared: &Shared, cb: Callback<'_>) -> bool {
    thread_engine(shared).is_some_and(|e| e.has(cb))
}

/// Raised once at start, when the listeners are up (Kamailio runs it in
/// the first SIP worker before it handles traffic; here the starting
/// thread runs it, with its own interpreter, right after the sockets are
/// bound — a message may already be in flight on another worker).
pub const WORKER_ONE_INIT: &str = "core:worker-one-init";

/// Run `event_route[name]` (or the KEMI event callback) on a faked
/// request, as Kamailio does for events that have no SIP message. Does
/// nothing when the script does not handle the event.
pub fn raise_event(shared: &Shared, name: &str) {
    let Some(factory) = shared.engine.as_ref() else { return };
    if !factory.handles(Callback::Event(name)) {
        return;
    }
    let local = shared
        .transports
        .get()
        .and_then(|t| t.local_addrs().first().map(|(_, a)| *a))
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 5060)));
    let info = ReceiveInfo { proto: Protocol::Udp, src: local, local, conn_id: None };
    let msg = match sip::parse(Bytes::from_static(FAKED_REQUEST)) {
        Ok(m) => m,
        Err(e) => return tracing::error!("faked event request does not parse: {e}"),
    };
    with_vars(|vars| {
        let mut ctx = RouteCtx::new(shared, RouteType::Event, msg, info, vars);
        if let Some(Err(e)) = run_route(shared, Callback::Event(name), &mut ctx) {
            tracing::error!("event_route[{name}] failed: {e}");
        }
    });
}

/// The message event routes without a SIP message work on.
const FAKED_REQUEST: &[u8] = b"OPTIONS sip:switchboard@127.0.0.1 SIP/2.0\r\n\
Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKevent\r\n\
From: <sip:switchboard@127.0.0.1>;tag=event\r\n\
To: <sip:switchboard@127.0.0.1>\r\n\
Call-ID: switchboard-event\r\n\
CSeq: 1 OPTIONS\r\n\
Content-Length: 0\r\n\r\n";

/// This thread's `$var` table, for building a context outside a worker's
/// request path (e.g. the tm timer thread running a failure route). Called
/// while a route of this thread holds the table (a function that runs
/// outside-route code), it gets a fresh, empty table instead.
pub fn with_vars<R>(f: impl FnOnce(&mut Vars) -> R) -> R {
    VARS.with(|v| match v.try_borrow_mut() {
        Ok(mut vars) => f(&mut vars),
        Err(_) => f(&mut Vars::new()),
    })
}

impl CoreHandler {
    /// Answer a message that could not be parsed, if its Via allows it.
    fn reject_malformed(&self, raw: &[u8], info: &ReceiveInfo, reason: &str, tx: &Transports) {
        let opts = reply_options(&self.shared, info, self.shared.send_defaults);
        match sip::build_reply_from_raw(raw, 400, reason, &opts) {
            Some((reply, via)) => {
                tracing::warn!(
                    "bad message from {}:{} ({} bytes): {reason}; answering 400",
                    info.proto, info.src, raw.len()
                );
                send_reply(tx, info, &via, self.shared.send_defaults, reply);
            }
            None => tracing::warn!(
                "bad message from {}:{} ({} bytes): {reason}; dropped (no reply possible)",
                info.proto, info.src, raw.len()
            ),
        }
    }

    fn handle_request(&self, mut msg: SipMessage, info: &ReceiveInfo) {
        msg.sending = self.shared.send_defaults;
        if self.shared.engine.is_none() {
            return no_routing_logic(&self.shared, &msg, info);
        }
        with_vars(|vars| {
            let mut ctx = RouteCtx::new(&self.shared, RouteType::Request, msg, info.clone(), vars);
            let res = run_route(&self.shared, Callback::Request, &mut ctx);
            // Branches t_relay left for after the route (branch route armed).
            crate::tm::after_route(&mut ctx);
            match res {
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    tracing::error!(
                        "request_route failed for {} from {}:{}: {e}",
                        ctx.msg.method_str().unwrap_or("?"), info.proto, info.src
                    );
                    // A sane outcome: the caller learns at once instead of
                    // retransmitting into the same error.
                    if ctx.stop != Stop::Drop && ctx.last_reply_status.is_none() {
                        reply_error(&self.shared, &ctx.msg, info);
                    }
                }
                None => no_routing_logic(&self.shared, &ctx.msg, info),
            }
        });
    }
}

impl CoreHandler {
    /// A reply: its transaction's processing (reply routes, failure route,
    /// relaying), else the core reply route and stateless forwarding by
    /// Via unless the route drops it.
    fn handle_reply(&self, msg: SipMessage, info: &ReceiveInfo, turn: Turn<'_>) {
        let shared = &self.shared;
        turn.wait_for_earlier(branch_key(&msg));
        with_vars(|vars| {
            if crate::tm::on_reply(shared, &msg, info, vars, turn) {
                return;
            }
            let mut ctx = RouteCtx::new(shared, RouteType::Reply, msg, info.clone(), vars);
            ctx.t_reply_code = ctx.msg.status();
            if let Some(Err(e)) = run_route(shared, Callback::Reply, &mut ctx) {
                tracing::error!("reply route failed for a reply from {}:{}: {e}", info.proto, info.src);
            }
            if ctx.stop == Stop::Drop {
                tracing::debug!("reply from {}:{} dropped by the reply route", info.proto, info.src);
                return;
            }
            crate::forward::forward_reply(shared, &ctx.msg, info, ctx.vars);
        });
    }
}

impl Handler for CoreHandler {
    /// Start this worker's interpreter now (Python's child_init(rank),
    /// loading the Lua/Perl script, app_perl's interpreter), not on its
    /// first message.
    fn on_worker_start(&self) {
        thread_engine(&self.shared);
        crate::modules::app_perl::worker_start();
    }

    fn on_message(&self, data: Bytes, info: &ReceiveInfo, tx: &Transports) {
        // First thing after recv: our place in line (see `arrival`).
        let turn = tx.arrival().turn();
        let parsed = sip::parse_with_limit(data.clone(), self.shared.max_msg_size)
            .and_then(|m| m.validate().map(|()| m));
        match parsed {
            Ok(msg) if !msg.is_request() => self.handle_reply(msg, info, turn),
            Ok(msg) => {
                drop(turn);
                self.handle_request(msg, info)
            }
            Err(e) => {
                drop(turn);
                self.reject_malformed(&data, info, e.reason(), tx)
            }
        }
    }

    fn on_stream_error(&self, head: Bytes, info: &ReceiveInfo, reason: &str, tx: &Transports) {
        self.reject_malformed(&head, info, reason, tx);
    }
}

/// A reply's ordering key: its top Via branch, which names the
/// transaction (and branch) it belongs to.
fn branch_key(msg: &SipMessage) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    msg.top_via().ok().and_then(|v| v.branch()).unwrap_or("").hash(&mut h);
    h.finish()
}

/// Local replies get `received`/`rport` on the top Via and a To-tag
/// derived from the request, so retransmissions get the same tag.
pub fn reply_options(shared: &Shared, info: &ReceiveInfo, sending: sip::SendFlags) -> ReplyOptions {
    ReplyOptions {
        server_header: shared.server_header.clone(),
        received: Some(info.src),
        force_rport: sending.force_rport,
        ..ReplyOptions::default()
    }
}

/// Send a stateless reply to `msg` (never to an ACK, RFC 3261 §17.2.1).
pub fn send_stateless_reply(shared: &Shared, msg: &SipMessage, info: &ReceiveInfo, code: u16, reason: &str) -> bool {
    send_stateless_reply_with(shared, msg, info, code, reason, Vec::new())
}

/// [`send_stateless_reply`] with extra headers (written after CSeq, in
/// order): registrar's Contact/Date, Min-Expires, sanity's Unsupported, ...
pub fn send_stateless_reply_with(
    shared: &Shared,
    msg: &SipMessage,
    info: &ReceiveInfo,
    code: u16,
    reason: &str,
    extra_headers: Vec<(String, String)>,
) -> bool {
    // Set right after the listeners start; a message in that instant is
    // not answered (the sender retransmits).
    let Some(tx) = shared.transports.get() else {
        tracing::warn!("listeners not ready yet: reply {code} not sent");
        return false;
    };
    if msg.method() == Some(&Method::Ack) {
        return false;
    }
    let mut opts = reply_options(shared, info, msg.sending);
    opts.extra_headers = extra_headers;
    let reply = sip::build_reply(msg, code, reason, &opts);
    match msg.top_via() {
        Ok(via) => send_reply(tx, info, &via, msg.sending, reply),
        Err(e) => {
            tracing::warn!("request from {}:{}: unusable Via: {e}", info.proto, info.src);
            false
        }
    }
}

fn no_routing_logic(shared: &Shared, msg: &SipMessage, info: &ReceiveInfo) {
    send_stateless_reply(shared, msg, info, 500, "No routing logic");
}

fn reply_error(shared: &Shared, msg: &SipMessage, info: &ReceiveInfo) {
    send_stateless_reply(shared, msg, info, 500, "Server Internal Error");
}

/// Send a reply where RFC 3261 §18.2.2 / RFC 3581 say: back on the
/// connection for streams, else to the source address (the `received`
/// rule) at the source port when `rport` was asked for (or forced), else
/// the Via port.
pub fn reply_destination(info: &ReceiveInfo, via: &sip::Via, sending: sip::SendFlags) -> Destination {
    let mut dest = Destination::reply_to(info);
    if !info.proto.is_stream() {
        // Never the Via host itself: the source IP is what `received`
        // says, and replies must not be steered elsewhere by a Via.
        let port = if sending.force_rport { info.src.port() } else { via.reply_target(info.src).1 };
        dest.addr = SocketAddr::new(info.src.ip(), port);
    }
    dest.no_connect = sending.reply_no_connect;
    dest
}

/// Send a reply to [`reply_destination`].
pub fn send_reply(tx: &Transports, info: &ReceiveInfo, via: &sip::Via, sending: sip::SendFlags, reply: Bytes) -> bool {
    let dest = reply_destination(info, via, sending);
    match tx.send(&dest, reply) {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!("cannot send reply to {}:{}: {e}", info.proto, dest.addr);
            false
        }
    }
}
