//! Transports: UDP and TCP listeners, stream framing and the send API.
//!
//! Threads (see DESIGN.md):
//! - UDP: per UDP socket, `udp_workers` OS threads block in `recv_from` on
//!   clones of the same socket and call the handler on that thread, so one
//!   busy peer spreads over all workers with no thread hop.
//! - TCP: listeners and connections run on the caller's tokio runtime; one
//!   reader task (framing) and one writer task (fed by an unbounded channel,
//!   so sync senders never block) per connection. Framed messages go to
//!   `tcp_workers` OS threads, one channel each, chosen by connection id:
//!   the messages of one connection are handled in order by one worker.
//!
//! Handlers always run on worker threads, never on tokio threads.

pub mod addr;
pub mod arrival;
pub mod framing;
mod tcp;
mod udp;

pub use addr::{ListenAddr, Protocol};

use std::net::SocketAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

use bytes::Bytes;
use tracing::{error, info, warn};

/// Identifies one stream connection for the life of the process.
pub type ConnId = u64;

/// Where a message came from.
#[derive(Clone, Debug)]
pub struct ReceiveInfo {
    pub proto: Protocol,
    /// The peer's address.
    pub src: SocketAddr,
    /// The local socket's address (as bound; may be a wildcard address).
    pub local: SocketAddr,
    /// The connection for stream transports.
    pub conn_id: Option<ConnId>,
}

/// Where to send.
#[derive(Clone, Debug)]
pub struct Destination {
    pub proto: Protocol,
    pub addr: SocketAddr,
    /// Stream transports: prefer this connection if it is still open.
    pub conn_id: Option<ConnId>,
    /// Send from this local socket (UDP: the listening socket bound to it).
    pub local: Option<SocketAddr>,
    /// Stream transports: send only over an open connection, never open
    /// one (`set_reply_no_connect`).
    pub no_connect: bool,
}

impl Destination {
    /// Back to where `info` came from, over the same socket/connection.
    pub fn reply_to(info: &ReceiveInfo) -> Destination {
        Destination { proto: info.proto, addr: info.src, conn_id: info.conn_id, local: Some(info.local), no_connect: false }
    }

    /// To `addr` over `proto`, any socket, any connection.
    pub fn to(proto: Protocol, addr: SocketAddr) -> Destination {
        Destination { proto, addr, conn_id: None, local: None, no_connect: false }
    }
}

/// What the transports deliver to. Called on worker threads.
pub trait Handler: Send + Sync + 'static {
    /// One framed SIP message, called on a worker thread.
    fn on_message(&self, data: Bytes, info: &ReceiveInfo, transports: &Transports);
    /// A stream whose framing broke; the connection closes after this returns and pending writes flush.
    fn on_stream_error(&self, head: Bytes, info: &ReceiveInfo, reason: &str, transports: &Transports);
    /// Called once on each worker thread before it handles anything
    /// (the core starts the thread's script engine there).
    fn on_worker_start(&self) {}
}

/// Transport settings (Kamailio core parameter names in the comments).
#[derive(Clone, Debug)]
pub struct TransportConfig {
    /// Sockets to listen on (`listen=`); port 0 lets the OS pick.
    pub listens: Vec<(Protocol, SocketAddr)>,
    /// Threads per UDP socket (`children`).
    pub udp_workers: usize,
    /// Threads handling TCP messages (`tcp_children`).
    pub tcp_workers: usize,
    /// Largest SIP message accepted, in bytes (Kamailio's BUF_SIZE).
    pub max_msg_size: usize,
    /// Idle time after which a TCP connection is closed (`tcp_connection_lifetime`).
    pub tcp_connection_lifetime: Duration,
    /// Accepted + outgoing TCP connections (`tcp_max_connections`).
    pub tcp_max_connections: usize,
    /// Bytes queued for writing on one connection before it is closed (`tcp_conn_wq_max`).
    pub tcp_conn_wq_max: usize,
    /// Accept stream messages without Content-Length (`tcp_accept_no_cl`).
    pub tcp_accept_no_cl: bool,
}

impl Default for TransportConfig {
    fn default() -> Self {
        let any: SocketAddr = ([0, 0, 0, 0], 5060).into();
        TransportConfig {
            listens: vec![(Protocol::Udp, any), (Protocol::Tcp, any)],
            udp_workers: 8,
            tcp_workers: 8,
            max_msg_size: 65535,
            tcp_connection_lifetime: Duration::from_secs(120),
            tcp_max_connections: 2048,
            tcp_conn_wq_max: 64 * 1024,
            tcp_accept_no_cl: false,
        }
    }
}

/// Why a send failed. Sends never block; a failure after the send was
/// queued (connect failure, write error) is logged, not returned.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("transport {0} is not supported yet")]
    Unsupported(Protocol),
    #[error("no {proto} socket to send to {addr} from")]
    NoSocket { proto: Protocol, addr: SocketAddr },
    #[error("too many TCP connections (tcp_max_connections = {0})")]
    TooManyConnections(usize),
    #[error("write queue of connection {id} to {addr} over tcp_conn_wq_max; connection closed")]
    QueueFull { id: ConnId, addr: SocketAddr },
    #[error("connection to {0} is closed")]
    Closed(SocketAddr),
    #[error("no open connection to {0}, and this reply may not open one (set_reply_no_connect)")]
    NoConnection(SocketAddr),
    #[error("transports are shut down")]
    ShutDown,
    #[error("send to {addr} failed: {source}")]
    Io {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// The running transports.
///
/// Worker threads and tokio tasks hold an `Arc<Transports>` until
/// [`Transports::shutdown`]; call it to stop them. The handler is owned by
/// the workers only, so after shutdown nothing keeps it alive.
pub struct Transports {
    cfg: TransportConfig,
    local_addrs: Vec<(Protocol, SocketAddr)>,
    udp: Vec<udp::UdpListener>,
    tcp: tcp::TcpState,
    rt: tokio::runtime::Handle,
    stopping: AtomicBool,
    threads: Mutex<Vec<JoinHandle<()>>>,
    me: Weak<Transports>,
    arrival: arrival::ArrivalGate,
}

impl Transports {
    /// Bind every listen address (port 0 allowed: the OS picks), start workers. Errors name the address (e.g. address in use).
    pub fn start(
        cfg: TransportConfig,
        handler: Arc<dyn Handler>,
        rt: tokio::runtime::Handle,
    ) -> std::io::Result<Arc<Transports>> {
        let mut cfg = cfg;
        cfg.udp_workers = cfg.udp_workers.max(1);
        cfg.tcp_workers = cfg.tcp_workers.max(1);
        cfg.max_msg_size = cfg.max_msg_size.max(64);

        let mut local_addrs = Vec::with_capacity(cfg.listens.len());
        let mut udp_socks = Vec::new();
        let mut tcp_listeners = Vec::new();
        for &(proto, addr) in &cfg.listens {
            match proto {
                Protocol::Udp => {
                    let l = udp::UdpListener::bind(addr)?;
                    local_addrs.push((proto, l.local));
                    udp_socks.push(l);
                }
                Protocol::Tcp => {
                    let l = tcp::bind_listener(addr)?;
                    let local = l.local_addr()?;
                    local_addrs.push((proto, local));
                    tcp_listeners.push((l, local));
                }
                other => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::Unsupported,
                        format!("cannot listen on {other}:{addr}: transport not supported yet"),
                    ))
                }
            }
        }

        let (tcp_state, tcp_queues) = tcp::TcpState::new(&cfg);
        let t = Arc::new_cyclic(|me| Transports {
            cfg,
            local_addrs,
            udp: udp_socks,
            tcp: tcp_state,
            rt,
            stopping: AtomicBool::new(false),
            threads: Mutex::new(Vec::new()),
            me: me.clone(),
            arrival: Default::default(),
        });

        let mut threads = Vec::new();
        let spawned = (|| -> std::io::Result<()> {
            for (i, l) in t.udp.iter().enumerate() {
                let recv_lock = Arc::new(Mutex::new(()));
                for w in 0..t.cfg.udp_workers {
                    let sock = l.sock.try_clone()?;
                    let (t2, h) = (t.clone(), handler.clone());
                    let local = l.local;
                    let recv_lock = recv_lock.clone();
                    threads.push(
                        std::thread::Builder::new()
                            .name(format!("udp{i}-w{w}"))
                            .spawn(move || udp::worker(t2, h, sock, local, recv_lock))?,
                    );
                }
            }
            for (w, rx) in tcp_queues.into_iter().enumerate() {
                let (t2, h) = (t.clone(), handler.clone());
                threads.push(
                    std::thread::Builder::new()
                        .name(format!("tcp-w{w}"))
                        .spawn(move || tcp::worker(t2, h, rx))?,
                );
            }
            Ok(())
        })();
        *t.threads.lock().unwrap() = threads;
        if let Err(e) = spawned {
            t.shutdown();
            return Err(e);
        }
        for (l, local) in tcp_listeners {
            if let Err(e) = t.tcp.spawn_listener(&t, l, local) {
                t.shutdown();
                return Err(std::io::Error::new(e.kind(), format!("cannot listen on tcp:{local}: {e}")));
            }
        }
        for (p, a) in &t.local_addrs {
            info!("listening on {p}:{a}");
        }
        Ok(t)
    }

    /// The actually bound (proto, addr) pairs, in listen order.
    /// Receive order of UDP messages across workers (see `arrival`).
    pub fn arrival(&self) -> &arrival::ArrivalGate {
        &self.arrival
    }

    pub fn local_addrs(&self) -> Vec<(Protocol, SocketAddr)> {
        self.local_addrs.clone()
    }

    /// The configuration in use (after clamping worker counts to ≥ 1).
    pub fn config(&self) -> &TransportConfig {
        &self.cfg
    }

    /// Send one message. Never blocks on a stream (TCP data is queued to the
    /// connection's writer; a new connection is opened in the background).
    pub fn send(&self, dest: &Destination, data: Bytes) -> Result<(), SendError> {
        if self.stopping.load(Ordering::Relaxed) {
            return Err(SendError::ShutDown);
        }
        match dest.proto {
            Protocol::Udp => udp::send(self, dest, &data),
            Protocol::Tcp => self.tcp.send(self, dest, data),
            other => Err(SendError::Unsupported(other)),
        }
    }

    /// Close a stream connection after its pending writes flush. Returns
    /// false if it was not open.
    pub fn close_connection(&self, id: ConnId) -> bool {
        self.tcp.close_id(id, false)
    }

    /// Open stream connections (accepted + outgoing, including connecting).
    pub fn connection_count(&self) -> usize {
        self.tcp.count()
    }

    /// Is this connection open?
    pub fn connection_alive(&self, id: ConnId) -> bool {
        self.tcp.alive(id)
    }

    /// Stop accepting, close connections, stop and join workers.
    /// Idempotent. When called from a worker thread, that thread is not
    /// joined (it ends when the handler returns).
    pub fn shutdown(&self) {
        if self.stopping.swap(true, Ordering::SeqCst) {
            return;
        }
        info!("transports shutting down");
        self.tcp.shutdown();
        for l in &self.udp {
            l.wake(self.cfg.udp_workers);
        }
        let threads = std::mem::take(&mut *self.threads.lock().unwrap());
        let me = std::thread::current().id();
        for h in threads {
            if h.thread().id() == me {
                continue;
            }
            let name = h.thread().name().unwrap_or("?").to_string();
            if h.join().is_err() {
                warn!("transport worker {name} ended with a panic");
            }
        }
        info!("transports stopped");
    }

    fn stopping(&self) -> bool {
        self.stopping.load(Ordering::Relaxed)
    }

    fn arc(&self) -> Option<Arc<Transports>> {
        self.me.upgrade()
    }
}

/// Run a handler callback; a panic is logged and swallowed so the worker
/// thread survives (a last line of defence: handlers should not panic).
fn guarded(what: &str, info: &ReceiveInfo, f: impl FnOnce()) {
    if let Err(p) = catch_unwind(AssertUnwindSafe(f)) {
        let msg = p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "non-string panic".into());
        error!("handler panicked in {what} for {}:{}: {msg}", info.proto, info.src);
    }
}
