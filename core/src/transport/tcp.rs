//! TCP: listeners and connections on tokio, framed messages dispatched to
//! worker threads (one channel per worker, chosen by connection id).
//!
//! A connection is registered (by id and by peer address) as soon as it is
//! accepted, or — for outgoing ones — as soon as a send asks for it, before
//! the connect finishes, so further sends to the same peer queue on it.
//!
//! Closing: `close(conn, abort = false)` unregisters the connection, queues
//! `Out::Close` behind pending writes (the writer flushes, then sends FIN)
//! and tells the reader to stop. `abort = true` stops both tasks at once
//! (write error, write queue overflow, shutdown timeout).

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use bytes::{Buf, Bytes, BytesMut};
use socket2::{Domain, Socket, Type};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{mpsc, watch};
use tracing::{debug, info, warn};

use super::framing::{Frame, Framer, FramingConfig, PONG};
use super::{guarded, ConnId, Destination, Handler, Protocol, ReceiveInfo, SendError, TransportConfig, Transports};

/// Outgoing connects give up after this long (Kamailio's tcp_connect_timeout
/// is in the same range); the queued data is dropped with a log line.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Per-worker queue of framed messages. When full, the connection's reader
/// waits, which pushes back on the peer through TCP flow control.
const WORKER_QUEUE: usize = 1024;
/// Most bytes asked of the socket in one read.
const READ_CHUNK: usize = 16 * 1024;
/// The read buffer may exceed max_msg_size by this much, so that a header
/// block of exactly max_msg_size can be seen to end.
const READ_SLACK: usize = 1024;
/// After a framing error the reader keeps draining (and discarding) input
/// for at most this long, so that closing with unread data does not turn
/// into a RST that destroys the error reply before the peer reads it.
const DRAIN_LINGER: Duration = Duration::from_secs(2);
/// On shutdown, pending writes get this long to flush before connections
/// are aborted.
const SHUTDOWN_FLUSH: Duration = Duration::from_millis(1000);

const OPEN: u8 = 0;
const CLOSING: u8 = 1;
const ABORT: u8 = 2;

pub(crate) enum WorkItem {
    Message { data: Bytes, info: ReceiveInfo },
    StreamError { head: Bytes, info: ReceiveInfo, reason: String },
    Stop,
}

enum Out {
    Data(Bytes),
    Close,
}

pub(crate) struct Conn {
    id: ConnId,
    peer: SocketAddr,
    tx: mpsc::UnboundedSender<Out>,
    /// Bytes queued but not yet written.
    queued: AtomicUsize,
    /// OPEN / CLOSING / ABORT, watched by the reader and writer tasks.
    state: watch::Sender<u8>,
    /// Milliseconds since `TcpState::epoch` of the last read or write.
    last_activity: AtomicU64,
    closed: AtomicBool,
}

#[derive(Default)]
struct Table {
    by_id: HashMap<ConnId, Arc<Conn>>,
    by_peer: HashMap<SocketAddr, ConnId>,
}

pub(crate) struct TcpState {
    table: RwLock<Table>,
    next_id: AtomicU64,
    count: AtomicUsize,
    workers: Vec<mpsc::Sender<WorkItem>>,
    listener_tasks: Mutex<Vec<tokio::task::JoinHandle<()>>>,
    /// Reader/writer/connect tasks alive (for shutdown).
    live_tasks: Arc<AtomicUsize>,
    epoch: Instant,
    framing: FramingConfig,
    max_conns: usize,
    wq_max: usize,
    lifetime: Duration,
}

/// Counts a task as alive until dropped (also when aborted).
struct TaskGuard(Arc<AtomicUsize>);
impl TaskGuard {
    fn new(c: &Arc<AtomicUsize>) -> TaskGuard {
        c.fetch_add(1, Ordering::SeqCst);
        TaskGuard(c.clone())
    }
}
impl Drop for TaskGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

pub(crate) fn bind_listener(addr: SocketAddr) -> io::Result<std::net::TcpListener> {
    let named = |e: io::Error| io::Error::new(e.kind(), format!("cannot listen on tcp:{addr}: {e}"));
    let s = Socket::new(Domain::for_address(addr), Type::STREAM, Some(socket2::Protocol::TCP)).map_err(named)?;
    if addr.is_ipv6() {
        s.set_only_v6(true).map_err(named)?;
    }
    // allow restarting while old connections sit in TIME_WAIT; an active
    // listener on the address still makes bind fail
    s.set_reuse_address(true).map_err(named)?;
    s.bind(&addr.into()).map_err(named)?;
    s.listen(1024).map_err(named)?;
    s.set_nonblocking(true).map_err(named)?;
    Ok(s.into())
}

impl TcpState {
    pub(crate) fn new(cfg: &TransportConfig) -> (TcpState, Vec<mpsc::Receiver<WorkItem>>) {
        let (workers, queues): (Vec<_>, Vec<_>) = (0..cfg.tcp_workers).map(|_| mpsc::channel(WORKER_QUEUE)).unzip();
        let st = TcpState {
            table: RwLock::new(Table::default()),
            next_id: AtomicU64::new(1),
            count: AtomicUsize::new(0),
            workers,
            listener_tasks: Mutex::new(Vec::new()),
            live_tasks: Arc::new(AtomicUsize::new(0)),
            epoch: Instant::now(),
            framing: FramingConfig { max_msg_size: cfg.max_msg_size, accept_no_cl: cfg.tcp_accept_no_cl },
            max_conns: cfg.tcp_max_connections,
            wq_max: cfg.tcp_conn_wq_max,
            lifetime: cfg.tcp_connection_lifetime,
        };
        (st, queues)
    }

    pub(crate) fn spawn_listener(
        &self,
        t: &Arc<Transports>,
        l: std::net::TcpListener,
        local: SocketAddr,
    ) -> io::Result<()> {
        let l = {
            let _g = t.rt.enter();
            TcpListener::from_std(l)?
        };
        let t2 = t.clone();
        let h = t.rt.spawn(async move { accept_loop(t2, l, local).await });
        self.listener_tasks.lock().unwrap().push(h);
        Ok(())
    }

    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    pub(crate) fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    pub(crate) fn alive(&self, id: ConnId) -> bool {
        self.table.read().unwrap().by_id.contains_key(&id)
    }

    /// Take one connection slot, if under tcp_max_connections.
    fn reserve_slot(&self) -> bool {
        self.count
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |c| (c < self.max_conns).then_some(c + 1))
            .is_ok()
    }

    /// Register a new connection (its slot is already reserved).
    fn register(&self, peer: SocketAddr) -> (Arc<Conn>, mpsc::UnboundedReceiver<Out>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let conn = Arc::new(Conn {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            peer,
            tx,
            queued: AtomicUsize::new(0),
            state: watch::Sender::new(OPEN),
            last_activity: AtomicU64::new(self.now_ms()),
            closed: AtomicBool::new(false),
        });
        let mut tb = self.table.write().unwrap();
        tb.by_id.insert(conn.id, conn.clone());
        tb.by_peer.insert(peer, conn.id);
        (conn, rx)
    }

    /// Unregister and close (idempotent; an abort after a graceful close
    /// still aborts).
    fn close(&self, conn: &Conn, abort: bool) {
        if !conn.closed.swap(true, Ordering::SeqCst) {
            {
                let mut tb = self.table.write().unwrap();
                tb.by_id.remove(&conn.id);
                if tb.by_peer.get(&conn.peer) == Some(&conn.id) {
                    tb.by_peer.remove(&conn.peer);
                }
            }
            self.count.fetch_sub(1, Ordering::SeqCst);
            let _ = conn.tx.send(Out::Close);
        }
        let new = if abort { ABORT } else { CLOSING };
        conn.state.send_if_modified(|s| {
            if *s < new {
                *s = new;
                true
            } else {
                false
            }
        });
    }

    pub(crate) fn close_id(&self, id: ConnId, abort: bool) -> bool {
        let conn = self.table.read().unwrap().by_id.get(&id).cloned();
        match conn {
            Some(c) => {
                self.close(&c, abort);
                true
            }
            None => false,
        }
    }

    /// Queue data on a connection; over tcp_conn_wq_max the connection is
    /// closed.
    fn queue(&self, conn: &Conn, data: Bytes) -> Result<(), SendError> {
        if conn.closed.load(Ordering::SeqCst) {
            return Err(SendError::Closed(conn.peer));
        }
        let len = data.len();
        let q = conn.queued.fetch_add(len, Ordering::SeqCst) + len;
        if q > self.wq_max {
            conn.queued.fetch_sub(len, Ordering::SeqCst);
            warn!(
                "tcp: write queue to {} over tcp_conn_wq_max ({} bytes), closing connection {}",
                conn.peer, self.wq_max, conn.id
            );
            self.close(conn, true);
            return Err(SendError::QueueFull { id: conn.id, addr: conn.peer });
        }
        conn.tx.send(Out::Data(data)).map_err(|_| SendError::Closed(conn.peer))
    }

    pub(crate) fn send(&self, t: &Transports, dest: &Destination, data: Bytes) -> Result<(), SendError> {
        if data.is_empty() {
            return Ok(());
        }
        let existing = {
            let tb = self.table.read().unwrap();
            dest.conn_id
                .and_then(|id| tb.by_id.get(&id))
                .or_else(|| tb.by_peer.get(&dest.addr).and_then(|id| tb.by_id.get(id)))
                .cloned()
        };
        if let Some(conn) = existing {
            return self.queue(&conn, data);
        }
        if dest.no_connect {
            return Err(SendError::NoConnection(dest.addr));
        }
        // open a new connection in the background
        let Some(t) = t.arc() else { return Err(SendError::ShutDown) };
        if !self.reserve_slot() {
            warn!("tcp: cannot connect to {}: tcp_max_connections ({}) reached", dest.addr, self.max_conns);
            return Err(SendError::TooManyConnections(self.max_conns));
        }
        let (conn, rx) = self.register(dest.addr);
        self.queue(&conn, data)?;
        let bind = dest.local.map(|l| SocketAddr::new(l.ip(), 0));
        debug!("tcp: connecting to {} (connection {})", dest.addr, conn.id);
        let guard = TaskGuard::new(&self.live_tasks);
        let rt = t.rt.clone();
        rt.spawn(async move {
            let _guard = guard;
            let peer = conn.peer;
            let mut state = conn.state.subscribe();
            let res = tokio::select! {
                r = tokio::time::timeout(CONNECT_TIMEOUT, connect(peer, bind)) => r,
                _ = until_state(&mut state, CLOSING) => return,
            };
            let stream = match res {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => {
                    warn!("tcp: connect to {peer} failed: {e}; dropping queued data");
                    t.tcp.close(&conn, true);
                    return;
                }
                Err(_) => {
                    warn!("tcp: connect to {peer} timed out after {CONNECT_TIMEOUT:?}; dropping queued data");
                    t.tcp.close(&conn, true);
                    return;
                }
            };
            let local = match stream.local_addr() {
                Ok(a) => a,
                Err(e) => {
                    warn!("tcp: connection to {peer}: {e}");
                    t.tcp.close(&conn, true);
                    return;
                }
            };
            debug!("tcp: connected {local} -> {peer} (connection {})", conn.id);
            run_conn(t, conn, rx, stream, local);
        });
        Ok(())
    }

    /// Stop accepting, flush and close every connection, stop the workers'
    /// queues (the caller joins the threads).
    pub(crate) fn shutdown(&self) {
        for h in self.listener_tasks.lock().unwrap().drain(..) {
            h.abort();
        }
        let conns: Vec<Arc<Conn>> = self.table.read().unwrap().by_id.values().cloned().collect();
        for c in &conns {
            self.close(c, false);
        }
        if !wait_zero(&self.live_tasks, SHUTDOWN_FLUSH) {
            debug!("tcp: connections did not flush in {SHUTDOWN_FLUSH:?}; aborting them");
            for c in &conns {
                self.close(c, true);
            }
            wait_zero(&self.live_tasks, Duration::from_millis(500));
        }
        for w in &self.workers {
            let deadline = Instant::now() + Duration::from_secs(2);
            let mut item = WorkItem::Stop;
            loop {
                match w.try_send(item) {
                    Ok(()) | Err(mpsc::error::TrySendError::Closed(_)) => break,
                    Err(mpsc::error::TrySendError::Full(i)) => {
                        if Instant::now() > deadline {
                            warn!("tcp: worker queue stays full; worker may not stop");
                            break;
                        }
                        item = i;
                        std::thread::sleep(Duration::from_millis(2));
                    }
                }
            }
        }
    }

    async fn dispatch(&self, id: ConnId, item: WorkItem) -> bool {
        let w = &self.workers[(id % self.workers.len() as u64) as usize];
        w.send(item).await.is_ok()
    }
}

fn wait_zero(c: &AtomicUsize, max: Duration) -> bool {
    let deadline = Instant::now() + max;
    while c.load(Ordering::SeqCst) > 0 {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    true
}

async fn connect(peer: SocketAddr, bind: Option<SocketAddr>) -> io::Result<TcpStream> {
    let s = if peer.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    if let Some(b) = bind.filter(|b| b.is_ipv4() == peer.is_ipv4() && !b.ip().is_unspecified()) {
        s.bind(b)?;
    }
    s.connect(peer).await
}

/// Resolve when the connection state reaches at least `level`.
async fn until_state(rx: &mut watch::Receiver<u8>, level: u8) {
    loop {
        if *rx.borrow_and_update() >= level {
            return;
        }
        if rx.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

async fn accept_loop(t: Arc<Transports>, l: TcpListener, local: SocketAddr) {
    loop {
        let (stream, peer) = match l.accept().await {
            Ok(x) => x,
            Err(e) => {
                // e.g. EMFILE: back off instead of spinning
                warn!("tcp:{local}: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        if t.stopping() {
            break;
        }
        if !t.tcp.reserve_slot() {
            warn!(
                "tcp:{local}: connection from {peer} closed: tcp_max_connections ({}) reached",
                t.tcp.max_conns
            );
            drop(stream);
            continue;
        }
        let (conn, rx) = t.tcp.register(peer);
        debug!("tcp:{local}: accepted {peer} (connection {})", conn.id);
        run_conn(t.clone(), conn, rx, stream, local);
    }
}

/// Start the reader task and run the writer in a task.
fn run_conn(
    t: Arc<Transports>,
    conn: Arc<Conn>,
    rx: mpsc::UnboundedReceiver<Out>,
    stream: TcpStream,
    local: SocketAddr,
) {
    let _ = stream.set_nodelay(true);
    let (rd, wr) = stream.into_split();
    let rguard = TaskGuard::new(&t.tcp.live_tasks);
    let wguard = TaskGuard::new(&t.tcp.live_tasks);
    let (t2, c2) = (t.clone(), conn.clone());
    t.rt.spawn(async move {
        let _g = rguard;
        read_loop(t2, c2, rd, local).await
    });
    let rt = t.rt.clone();
    rt.spawn(async move {
        let _g = wguard;
        write_loop(t, conn, wr, rx).await
    });
}

async fn read_loop(t: Arc<Transports>, conn: Arc<Conn>, mut rd: OwnedReadHalf, local: SocketAddr) {
    let st = &t.tcp;
    let max = st.framing.max_msg_size;
    let limit = max + READ_SLACK;
    let mut framer = Framer::new(st.framing);
    let mut buf = BytesMut::with_capacity(4096);
    let mut state = conn.state.subscribe();
    let info = ReceiveInfo { proto: Protocol::Tcp, src: conn.peer, local, conn_id: Some(conn.id) };
    let peer = conn.peer;
    loop {
        // hand out everything complete in the buffer
        loop {
            match framer.next(&buf) {
                Frame::Message(n) => {
                    let data = buf.split_to(n).freeze();
                    if !st.dispatch(conn.id, WorkItem::Message { data, info: info.clone() }).await {
                        st.close(&conn, true);
                        return;
                    }
                }
                Frame::Ping => {
                    buf.advance(4);
                    debug!("tcp: keep-alive ping from {peer}, answering");
                    let _ = st.queue(&conn, Bytes::from_static(PONG));
                }
                Frame::Skip(n) => buf.advance(n),
                Frame::Incomplete => break,
                Frame::Error { head_len, reason } => {
                    warn!("tcp: framing error from {peer} (connection {}): {reason}; closing", conn.id);
                    let head = buf.split_to(head_len).freeze();
                    // the worker calls on_stream_error, then closes the connection
                    if !st.dispatch(conn.id, WorkItem::StreamError { head, info: info.clone(), reason }).await {
                        st.close(&conn, true);
                        return;
                    }
                    drain(&conn, &mut rd, &mut state).await;
                    return;
                }
            }
        }
        let want = (limit.saturating_sub(buf.len())).min(READ_CHUNK);
        if want == 0 {
            // cannot happen: the framer errors out before the buffer grows this big
            warn!("tcp: read buffer of connection from {peer} full; closing");
            st.close(&conn, true);
            return;
        }
        buf.reserve(want);
        let last = conn.last_activity.load(Ordering::Relaxed);
        // a huge lifetime (e.g. Duration::MAX for "never") must not overflow
        let deadline = (st.epoch + Duration::from_millis(last))
            .checked_add(st.lifetime)
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(86400 * 365));
        let mut limited = (&mut rd).take(want as u64);
        tokio::select! {
            r = limited.read_buf(&mut buf) => match r {
                Ok(0) => {
                    if buf.iter().any(|&b| b != b'\r' && b != b'\n') {
                        debug!("tcp: {peer} closed the connection with {} unframed bytes", buf.len());
                    } else {
                        debug!("tcp: {peer} closed the connection");
                    }
                    st.close(&conn, false);
                    return;
                }
                Ok(_) => conn.last_activity.store(st.now_ms(), Ordering::Relaxed),
                Err(e) => {
                    debug!("tcp: read from {peer} failed: {e}");
                    st.close(&conn, true);
                    return;
                }
            },
            _ = until_state(&mut state, CLOSING) => return,
            _ = tokio::time::sleep_until(deadline.into()) => {
                let idle = st.now_ms().saturating_sub(conn.last_activity.load(Ordering::Relaxed));
                if Duration::from_millis(idle) >= st.lifetime {
                    info!("tcp: connection {} with {peer} idle for {:?}, closing", conn.id, st.lifetime);
                    st.close(&conn, false);
                    return;
                }
            }
        }
    }
}

/// After a framing error: discard input until the peer closes, the
/// connection is aborted, or DRAIN_LINGER passes after the close began.
async fn drain(conn: &Conn, rd: &mut OwnedReadHalf, state: &mut watch::Receiver<u8>) {
    let mut scratch = vec![0u8; 4096];
    let mut deadline: Option<tokio::time::Instant> = None;
    loop {
        let closing = *state.borrow() >= CLOSING;
        if closing && deadline.is_none() {
            deadline = Some(tokio::time::Instant::now() + DRAIN_LINGER);
        }
        let level = if closing { ABORT } else { CLOSING };
        let until = deadline.unwrap_or_else(|| tokio::time::Instant::now() + Duration::from_secs(3600));
        tokio::select! {
            r = rd.read(&mut scratch) => match r {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            },
            _ = until_state(state, level) => {
                if level == ABORT {
                    return;
                }
            }
            _ = tokio::time::sleep_until(until) => {
                debug!("tcp: connection {} with {} closed after draining", conn.id, conn.peer);
                return;
            }
        }
    }
}

async fn write_loop(
    t: Arc<Transports>,
    conn: Arc<Conn>,
    mut wr: OwnedWriteHalf,
    mut rx: mpsc::UnboundedReceiver<Out>,
) {
    let st = &t.tcp;
    let mut state = conn.state.subscribe();
    loop {
        let out = tokio::select! {
            biased;
            _ = until_state(&mut state, ABORT) => return,
            o = rx.recv() => o,
        };
        match out {
            None | Some(Out::Close) => {
                let _ = wr.shutdown().await;
                return;
            }
            Some(Out::Data(b)) => {
                let len = b.len();
                let res = tokio::select! {
                    r = wr.write_all(&b) => r,
                    _ = until_state(&mut state, ABORT) => return,
                };
                conn.queued.fetch_sub(len, Ordering::SeqCst);
                match res {
                    Ok(()) => conn.last_activity.store(st.now_ms(), Ordering::Relaxed),
                    Err(e) => {
                        debug!("tcp: write to {} failed: {e}; closing connection {}", conn.peer, conn.id);
                        st.close(&conn, true);
                        return;
                    }
                }
            }
        }
    }
}

pub(crate) fn worker(t: Arc<Transports>, handler: Arc<dyn Handler>, mut rx: mpsc::Receiver<WorkItem>) {
    handler.on_worker_start();
    while let Some(item) = rx.blocking_recv() {
        match item {
            WorkItem::Stop => break,
            WorkItem::Message { data, info } => {
                guarded("on_message", &info, || handler.on_message(data, &info, &t));
            }
            WorkItem::StreamError { head, info, reason } => {
                guarded("on_stream_error", &info, || handler.on_stream_error(head, &info, &reason, &t));
                if let Some(id) = info.conn_id {
                    t.tcp.close_id(id, false);
                }
            }
        }
    }
    debug!("tcp worker stopped");
}
