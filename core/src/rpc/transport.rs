//! jsonrpcs transports: a datagram socket (Unix or UDP), a FIFO and a TCP
//! socket, each served by its own threads (never a SIP worker), each
//! request handled by [`super::handle_value`].
//!
//! Which transports run (`modparam("jsonrpcs", "transport", N)`):
//! - not set: those the cfg names — the datagram transport when
//!   `dgram_socket` is set, the FIFO transport when `fifo_name` is set,
//!   the TCP transport when `tcp_socket` is set (jsonrpcs loaded with
//!   none: nothing runs, a note is logged);
//! - `0`: FIFO and datagram, the unnamed ones at their defaults, and TCP
//!   when `tcp_socket` is set (it has no default: a control port is only
//!   opened when named);
//! - a bit mask: `1` FIFO, `2` datagram, `4` TCP (`4` without
//!   `tcp_socket` stops the start).
//!
//! Defaults (Kamailio's): `fifo_name` `kamailio_rpc.fifo`, `dgram_socket`
//! `kamailio_rpc.sock`; relative paths are in `/run/kamailio`.
//! `fifo_mode` / `dgram_mode` 0660 (written with octal digits, as in
//! Kamailio cfgs: `0600`), `fifo_reply_dir` `/tmp/`, `dgram_workers` 1,
//! `dgram_timeout` 2000 ms (send timeout of a reply), `pretty_format` 1.
//! `fifo_user`/`fifo_group`/`dgram_user`/`dgram_group` (a name or a
//! number) make the FIFO / socket belong to that user / group (chown at
//! start, so it needs the privilege to); an unknown name stops the start.
//!
//! Datagram protocol: one JSON-RPC request document per datagram; the
//! response document is sent back to the sender's socket address (so a
//! Unix client must bind its socket to a path). Notifications (no `id`)
//! get no response. `dgram_socket` is a path (`unix:` prefix allowed) or
//! `udp:IP:PORT` (`udp:[IPv6]:PORT`) for a UDP socket.
//!
//! TCP protocol (`tcp_socket` `tcp:IP:PORT`): one request document per
//! connection; the server answers with the response document and a
//! newline and closes the connection (a notification: it just closes),
//! so `echo '{...}' | nc HOST PORT` works. A client that sends nothing
//! complete within `dgram_timeout` is disconnected; at most
//! [`MAX_TCP_CLIENTS`] are served at once.
//!
//! FIFO protocol: the server creates the FIFO and reads a stream of
//! request documents from it. Each names the FIFO to write the response
//! to, either with a `:name:` prefix right before the document (a newline
//! after it is allowed) or with a `"reply_name": "name"` member. `name` is
//! a plain file name in `fifo_reply_dir` (no `/`), and must be a FIFO the
//! client created and opens for reading; the server waits up to
//! `dgram_timeout` for a reader, writes the response followed by a
//! newline, and closes. A document that does not parse gets a -32700
//! response when its `:name:` prefix was read, and the stream resumes
//! after the next newline.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt, PermissionsExt};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use super::Value;
use crate::cfg::Config;
use crate::route::Shared;

/// Where relative socket and FIFO names go (Kamailio's run_dir).
pub const RUN_DIR: &str = "/run/kamailio";
pub const DEFAULT_FIFO: &str = "kamailio_rpc.fifo";
pub const DEFAULT_DGRAM: &str = "kamailio_rpc.sock";
/// Largest request datagram read.
const MAX_DATAGRAM: usize = 65535;
/// Largest pending FIFO input before it is thrown away.
const MAX_FIFO_BUFFER: usize = 1 << 20;
/// Longest `:name:` prefix.
const MAX_REPLY_NAME: usize = 255;
/// TCP connections served at once; more wait in the listen backlog.
pub const MAX_TCP_CLIENTS: usize = 16;

/// Where the datagram transport listens.
#[derive(Debug, Clone, PartialEq)]
pub enum DgramAddr {
    Unix(PathBuf),
    Udp(SocketAddr),
}

/// The jsonrpcs modparams.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcSettings {
    pub fifo: Option<PathBuf>,
    pub fifo_mode: u32,
    /// (uid, gid) from fifo_user / fifo_group.
    pub fifo_owner: (Option<u32>, Option<u32>),
    pub fifo_reply_dir: PathBuf,
    pub dgram: Option<DgramAddr>,
    pub dgram_mode: u32,
    /// (uid, gid) from dgram_user / dgram_group.
    pub dgram_owner: (Option<u32>, Option<u32>),
    pub dgram_workers: usize,
    pub dgram_timeout: Duration,
    pub tcp: Option<SocketAddr>,
    pub pretty: bool,
}

/// `PROTO:IP:PORT` (`PROTO:[IPv6]:PORT`) as a socket address.
fn ip_port(param: &str, v: &str, proto: &str) -> Result<SocketAddr, String> {
    v.strip_prefix(proto)
        .and_then(|a| a.strip_prefix(':'))
        .and_then(|a| a.parse().ok())
        .ok_or_else(|| format!("jsonrpcs: {param} \"{v}\": expected {proto}:IP:PORT"))
}

fn in_run_dir(name: &str) -> PathBuf {
    let p = Path::new(name);
    if p.is_absolute() { p.to_path_buf() } else { Path::new(RUN_DIR).join(p) }
}

/// A mode written `0660` reaches us as the number 660: its digits are
/// octal.
fn mode(v: Option<i64>) -> Result<u32, String> {
    let Some(v) = v else { return Ok(0o660) };
    u32::from_str_radix(&v.to_string(), 8)
        .ok()
        .filter(|m| *m <= 0o7777)
        .ok_or_else(|| format!("jsonrpcs: mode {v} is not an octal file mode"))
}

/// A `*_user` / `*_group` value: a number, or a name looked up in the
/// system's user / group database.
fn owner_id(config: &Config, param: &str, group: bool) -> Result<Option<u32>, String> {
    let Some(v) = config.modparam("jsonrpcs", param) else { return Ok(None) };
    if let Some(n) = v.as_int() {
        return u32::try_from(n).map(Some).map_err(|_| format!("jsonrpcs: {param} {n} is not a valid id"));
    }
    let name = v.as_str().unwrap_or("").trim();
    if name.is_empty() {
        return Ok(None);
    }
    if let Ok(n) = name.parse::<u32>() {
        return Ok(Some(n));
    }
    let c = std::ffi::CString::new(name).map_err(|_| format!("jsonrpcs: {param} \"{name}\" is not a name"))?;
    // SAFETY: getpwnam_r/getgrnam_r write only into the buffers given;
    // `found` is null or points at `entry`.
    let id = unsafe {
        let mut buf = vec![0 as libc::c_char; 16 * 1024];
        if group {
            let mut entry: libc::group = std::mem::zeroed();
            let mut found: *mut libc::group = std::ptr::null_mut();
            libc::getgrnam_r(c.as_ptr(), &mut entry, buf.as_mut_ptr(), buf.len(), &mut found);
            (!found.is_null()).then_some(entry.gr_gid)
        } else {
            let mut entry: libc::passwd = std::mem::zeroed();
            let mut found: *mut libc::passwd = std::ptr::null_mut();
            libc::getpwnam_r(c.as_ptr(), &mut entry, buf.as_mut_ptr(), buf.len(), &mut found);
            (!found.is_null()).then_some(entry.pw_uid)
        }
    };
    id.map(Some).ok_or_else(|| format!("jsonrpcs: {param}: no {} named \"{name}\"", if group { "group" } else { "user" }))
}

fn set_owner(path: &Path, (uid, gid): (Option<u32>, Option<u32>)) -> Result<(), String> {
    if uid.is_none() && gid.is_none() {
        return Ok(());
    }
    std::os::unix::fs::chown(path, uid, gid).map_err(|e| format!("jsonrpcs: chown {}: {e}", path.display()))
}

impl RpcSettings {
    /// None when the cfg does not load jsonrpcs.
    pub fn from_config(config: &Config) -> Result<Option<RpcSettings>, String> {
        if !config.is_loaded("jsonrpcs") {
            return Ok(None);
        }
        let s = |n: &str| config.modparam("jsonrpcs", n).and_then(|v| v.as_str().map(str::to_string)).filter(|s| !s.is_empty());
        let i = |n: &str| config.modparam("jsonrpcs", n).and_then(|v| v.as_int());
        let (fifo_name, dgram_name, tcp_name) = (s("fifo_name"), s("dgram_socket"), s("tcp_socket"));
        let (want_fifo, want_dgram, want_tcp) = match i("transport") {
            None => (fifo_name.is_some(), dgram_name.is_some(), tcp_name.is_some()),
            Some(0) => (true, true, tcp_name.is_some()),
            Some(t) => (t & 1 != 0, t & 2 != 0, t & 4 != 0),
        };
        let tcp = match (want_tcp, tcp_name.as_deref()) {
            (false, _) => None,
            (true, None) => return Err("jsonrpcs: transport 4 (TCP) needs tcp_socket (tcp:IP:PORT)".into()),
            (true, Some(t)) => Some(ip_port("tcp_socket", t, "tcp")?),
        };
        let dgram = match want_dgram {
            false => None,
            true => Some(match dgram_name.as_deref().unwrap_or(DEFAULT_DGRAM) {
                d if d.starts_with("udp:") || d.starts_with("udp6:") => {
                    DgramAddr::Udp(ip_port("dgram_socket", d, if d.starts_with("udp6:") { "udp6" } else { "udp" })?)
                }
                d => DgramAddr::Unix(in_run_dir(d.strip_prefix("unix:").unwrap_or(d))),
            }),
        };
        let timeout = i("dgram_timeout").unwrap_or(2000).clamp(1, 60_000) as u64;
        Ok(Some(RpcSettings {
            fifo: want_fifo.then(|| in_run_dir(fifo_name.as_deref().unwrap_or(DEFAULT_FIFO))),
            fifo_mode: mode(i("fifo_mode"))?,
            fifo_owner: (owner_id(config, "fifo_user", false)?, owner_id(config, "fifo_group", true)?),
            fifo_reply_dir: PathBuf::from(s("fifo_reply_dir").unwrap_or_else(|| "/tmp/".into())),
            dgram,
            dgram_mode: mode(i("dgram_mode"))?,
            dgram_owner: (owner_id(config, "dgram_user", false)?, owner_id(config, "dgram_group", true)?),
            dgram_workers: i("dgram_workers").unwrap_or(1).clamp(1, 64) as usize,
            dgram_timeout: Duration::from_millis(timeout),
            tcp,
            pretty: i("pretty_format").unwrap_or(1) != 0,
        }))
    }
}

/// The running transports; [`RpcTransports::stop`] ends their threads and
/// removes the Unix socket and the FIFO.
#[derive(Debug, Default)]
pub struct RpcTransports {
    dgram: Option<(DgramAddr, DgramSock, usize)>,
    fifo: Option<(PathBuf, File)>,
    tcp: Option<SocketAddr>,
    stopped: Arc<AtomicBool>,
}

impl RpcTransports {
    pub fn stop(&mut self) {
        self.stopped.store(true, Ordering::SeqCst);
        match self.dgram.take() {
            Some((DgramAddr::Unix(path), DgramSock::Unix(sock), _)) => {
                let _ = sock.shutdown(std::net::Shutdown::Both);
                let _ = std::fs::remove_file(path);
            }
            Some((_, DgramSock::Udp(sock), workers)) => {
                // Wake each worker, which then sees the stop flag.
                if let Ok(me) = sock.local_addr() {
                    for _ in 0..workers {
                        let _ = sock.send_to(&[], me);
                    }
                }
            }
            _ => {}
        }
        if let Some((path, mut f)) = self.fifo.take() {
            let _ = std::fs::remove_file(path);
            // Wakes the reader, which then sees the server gone.
            let _ = f.write_all(b"\n");
        }
        if let Some(addr) = self.tcp.take() {
            // Wakes the acceptor, which then sees the stop flag.
            let _ = TcpStream::connect_timeout(&addr, Duration::from_secs(1));
        }
    }
}

/// Start the transports `settings` asks for.
pub fn start(settings: &RpcSettings, shared: &Arc<Shared>) -> Result<RpcTransports, String> {
    super::commands::mark_started();
    let mut out = RpcTransports::default();
    if settings.dgram.is_none() && settings.fifo.is_none() && settings.tcp.is_none() {
        // Not an error: a cfg written for Kamailio may load jsonrpcs for
        // its default FIFO, which switchboard only creates when named.
        tracing::info!("jsonrpcs: no transport named (set dgram_socket, fifo_name or tcp_socket to use the control interface)");
    }
    if let Some(addr) = &settings.dgram {
        let sock = start_dgram(addr, settings, Arc::downgrade(shared), out.stopped.clone())?;
        out.dgram = Some((addr.clone(), sock, settings.dgram_workers));
    }
    if let Some(path) = &settings.fifo {
        let f = start_fifo(path, settings, Arc::downgrade(shared), out.stopped.clone())?;
        out.fifo = Some((path.clone(), f));
    }
    if let Some(addr) = settings.tcp {
        out.tcp = Some(start_tcp(addr, settings, Arc::downgrade(shared), out.stopped.clone())?);
    }
    Ok(out)
}

/// Remove a stale socket/FIFO of an earlier run; refuse to touch any
/// other kind of file.
fn remove_stale(path: &Path, is_ours: impl Fn(&std::fs::FileType) -> bool) -> Result<(), String> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if is_ours(&m.file_type()) => {
            std::fs::remove_file(path).map_err(|e| format!("jsonrpcs: cannot remove old {}: {e}", path.display()))
        }
        Ok(_) => Err(format!("jsonrpcs: {} exists and is not ours to replace", path.display())),
        Err(_) => Ok(()),
    }
}

fn set_mode(path: &Path, mode: u32) -> Result<(), String> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| format!("jsonrpcs: chmod {}: {e}", path.display()))
}

/// The datagram transport's socket.
#[derive(Debug)]
enum DgramSock {
    Unix(UnixDatagram),
    Udp(UdpSocket),
}

/// Where a datagram request came from (a Unix client may be unbound).
enum Peer {
    Unix(Option<PathBuf>),
    Udp(SocketAddr),
}

impl DgramSock {
    fn try_clone(&self) -> std::io::Result<DgramSock> {
        Ok(match self {
            DgramSock::Unix(s) => DgramSock::Unix(s.try_clone()?),
            DgramSock::Udp(s) => DgramSock::Udp(s.try_clone()?),
        })
    }

    fn recv(&self, buf: &mut [u8]) -> std::io::Result<(usize, Peer)> {
        match self {
            DgramSock::Unix(s) => s.recv_from(buf).map(|(n, a)| (n, Peer::Unix(a.as_pathname().map(Path::to_path_buf)))),
            DgramSock::Udp(s) => s.recv_from(buf).map(|(n, a)| (n, Peer::Udp(a))),
        }
    }

    fn reply(&self, to: &Peer, bytes: &[u8]) {
        let r = match (self, to) {
            (DgramSock::Unix(s), Peer::Unix(Some(p))) => s.send_to(bytes, p),
            (DgramSock::Udp(s), Peer::Udp(a)) => s.send_to(bytes, a),
            _ => return tracing::warn!("jsonrpcs: request from an unbound socket: no address to respond to"),
        };
        if let Err(e) = r {
            tracing::warn!("jsonrpcs: cannot send the response: {e}");
        }
    }
}

fn start_dgram(addr: &DgramAddr, settings: &RpcSettings, shared: Weak<Shared>, stop: Arc<AtomicBool>) -> Result<DgramSock, String> {
    let sock = match addr {
        DgramAddr::Unix(path) => {
            remove_stale(path, |t| t.is_socket())?;
            let sock = UnixDatagram::bind(path).map_err(|e| format!("jsonrpcs: cannot bind {}: {e}", path.display()))?;
            set_mode(path, settings.dgram_mode)?;
            set_owner(path, settings.dgram_owner)?;
            sock.set_write_timeout(Some(settings.dgram_timeout)).map_err(|e| e.to_string())?;
            tracing::info!("jsonrpcs: datagram transport on {}", path.display());
            DgramSock::Unix(sock)
        }
        DgramAddr::Udp(a) => {
            let sock = UdpSocket::bind(a).map_err(|e| format!("jsonrpcs: cannot bind udp:{a}: {e}"))?;
            tracing::info!("jsonrpcs: datagram transport on udp:{}", sock.local_addr().map_err(|e| e.to_string())?);
            DgramSock::Udp(sock)
        }
    };
    for n in 0..settings.dgram_workers {
        let sock = sock.try_clone().map_err(|e| format!("jsonrpcs: {e}"))?;
        let (shared, stop, pretty) = (shared.clone(), stop.clone(), settings.pretty);
        std::thread::Builder::new()
            .name(format!("sb-rpc-dgram{n}"))
            .spawn(move || dgram_worker(&sock, &shared, &stop, pretty))
            .map_err(|e| format!("jsonrpcs: cannot start a worker: {e}"))?;
    }
    Ok(sock)
}

fn dgram_worker(sock: &DgramSock, shared: &Weak<Shared>, stop: &AtomicBool, pretty: bool) {
    let mut buf = vec![0u8; MAX_DATAGRAM];
    loop {
        let (n, from) = match sock.recv(&mut buf) {
            Ok(r) => r,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return tracing::debug!("jsonrpcs: datagram worker ends: {e}"),
        };
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Some(shared) = shared.upgrade() else { return };
        if let Some(reply) = super::handle(&shared, &buf[..n], pretty) {
            sock.reply(&from, &reply);
        }
    }
}

fn start_tcp(addr: SocketAddr, settings: &RpcSettings, shared: Weak<Shared>, stop: Arc<AtomicBool>) -> Result<SocketAddr, String> {
    let listener = TcpListener::bind(addr).map_err(|e| format!("jsonrpcs: cannot listen on tcp:{addr}: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    let (timeout, pretty) = (settings.dgram_timeout, settings.pretty);
    std::thread::Builder::new()
        .name("sb-rpc-tcp".into())
        .spawn(move || tcp_acceptor(listener, &shared, &stop, timeout, pretty))
        .map_err(|e| format!("jsonrpcs: cannot start the TCP acceptor: {e}"))?;
    tracing::info!("jsonrpcs: TCP transport on tcp:{local}");
    Ok(local)
}

fn tcp_acceptor(listener: TcpListener, shared: &Weak<Shared>, stop: &AtomicBool, timeout: Duration, pretty: bool) {
    let busy = Arc::new(AtomicUsize::new(0));
    for conn in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let stream = match conn {
            Ok(s) => s,
            Err(e) => {
                tracing::debug!("jsonrpcs: accept failed: {e}");
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        // Serve at most MAX_TCP_CLIENTS at once: wait for a free place.
        while busy.load(Ordering::SeqCst) >= MAX_TCP_CLIENTS {
            std::thread::sleep(Duration::from_millis(5));
        }
        busy.fetch_add(1, Ordering::SeqCst);
        let (shared, busy2) = (shared.clone(), busy.clone());
        let spawned = std::thread::Builder::new().name("sb-rpc-tcp-conn".into()).spawn(move || {
            serve_tcp(stream, &shared, timeout, pretty);
            busy2.fetch_sub(1, Ordering::SeqCst);
        });
        if let Err(e) = spawned {
            busy.fetch_sub(1, Ordering::SeqCst);
            tracing::warn!("jsonrpcs: cannot serve a TCP client: {e}");
        }
    }
}

/// One TCP client: read one request document, answer, close.
fn serve_tcp(mut stream: TcpStream, shared: &Weak<Shared>, timeout: Duration, pretty: bool) {
    let _ = stream.set_read_timeout(Some(timeout));
    let _ = stream.set_write_timeout(Some(timeout));
    let deadline = Instant::now() + timeout;
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 8192];
    let response = loop {
        let mut docs = serde_json::Deserializer::from_slice(&buf).into_iter::<Value>();
        match docs.next() {
            Some(Ok(doc)) => {
                let Some(shared) = shared.upgrade() else { return };
                break super::handle_value(&shared, &doc);
            }
            Some(Err(e)) if !e.is_eof() => break Some(super::parse_error(e)),
            _ => {}
        }
        if buf.len() > MAX_FIFO_BUFFER || Instant::now() >= deadline {
            break Some(super::parse_error("no complete request in time"));
        }
        match stream.read(&mut chunk) {
            Ok(0) if buf.iter().all(u8::is_ascii_whitespace) => return,
            Ok(0) => break Some(super::parse_error("incomplete request")),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                break Some(super::parse_error("no complete request in time"));
            }
            Err(e) => return tracing::debug!("jsonrpcs: TCP client: {e}"),
        }
    };
    if let Some(r) = response {
        let mut bytes = super::encode(&r, pretty);
        bytes.push(b'\n');
        if let Err(e) = stream.write_all(&bytes) {
            tracing::debug!("jsonrpcs: TCP client: {e}");
        }
    }
}

fn start_fifo(path: &Path, settings: &RpcSettings, shared: Weak<Shared>, stop: Arc<AtomicBool>) -> Result<File, String> {
    remove_stale(path, |t| t.is_fifo())?;
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).map_err(|e| e.to_string())?;
    // SAFETY: c is a NUL-terminated path.
    if unsafe { libc::mkfifo(c.as_ptr(), 0o600) } != 0 {
        return Err(format!("jsonrpcs: cannot create {}: {}", path.display(), std::io::Error::last_os_error()));
    }
    set_mode(path, settings.fifo_mode)?;
    set_owner(path, settings.fifo_owner)?;
    // Read-write: the FIFO never reads EOF when a client closes it.
    let f = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| format!("jsonrpcs: cannot open {}: {e}", path.display()))?;
    let reader = f.try_clone().map_err(|e| e.to_string())?;
    let (dir, timeout, pretty) = (settings.fifo_reply_dir.clone(), settings.dgram_timeout, settings.pretty);
    std::thread::Builder::new()
        .name("sb-rpc-fifo".into())
        .spawn(move || fifo_reader(reader, &shared, &stop, &dir, timeout, pretty))
        .map_err(|e| format!("jsonrpcs: cannot start the FIFO reader: {e}"))?;
    tracing::info!("jsonrpcs: FIFO transport on {}", path.display());
    Ok(f)
}

fn fifo_reader(mut f: File, shared: &Weak<Shared>, stop: &AtomicBool, reply_dir: &Path, timeout: Duration, pretty: bool) {
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 8192];
    loop {
        let n = match f.read(&mut chunk) {
            Ok(0) => return,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return tracing::error!("jsonrpcs: FIFO read failed: {e}"),
        };
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Some(shared) = shared.upgrade() else { return };
        buf.extend_from_slice(&chunk[..n]);
        while let Some(req) = next_fifo_request(&mut buf) {
            let (reply_name, response) = match req {
                FifoRequest::Doc { reply_name, doc } => {
                    let name = reply_name.or_else(|| doc.get("reply_name").and_then(Value::as_str).map(str::to_string));
                    (name, super::handle_value(&shared, &doc))
                }
                FifoRequest::Bad { reply_name, error } => {
                    tracing::warn!("jsonrpcs: bad request on the FIFO: {error}");
                    (reply_name, Some(super::parse_error(error)))
                }
            };
            let Some(response) = response else { continue };
            let Some(name) = reply_name else {
                tracing::warn!("jsonrpcs: FIFO request without a reply FIFO name: response dropped");
                continue;
            };
            let mut bytes = super::encode(&response, pretty);
            bytes.push(b'\n');
            if let Err(e) = write_reply(reply_dir, &name, &bytes, timeout) {
                tracing::warn!("jsonrpcs: reply FIFO {name}: {e}");
            }
        }
        if buf.len() > MAX_FIFO_BUFFER {
            tracing::warn!("jsonrpcs: {} bytes on the FIFO without a complete request: dropped", buf.len());
            buf.clear();
        }
    }
}

/// One request read off the FIFO stream.
#[derive(Debug, PartialEq)]
pub enum FifoRequest {
    Doc { reply_name: Option<String>, doc: Value },
    Bad { reply_name: Option<String>, error: String },
}

/// Take the next request off the front of `buf`; None while it is
/// incomplete.
pub fn next_fifo_request(buf: &mut Vec<u8>) -> Option<FifoRequest> {
    let start = buf.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(buf.len());
    buf.drain(..start);
    if buf.is_empty() {
        return None;
    }
    let (reply_name, body) = if buf[0] == b':' {
        match buf[1..].iter().position(|&b| b == b':' || b == b'\n') {
            Some(j) if buf[1 + j] == b':' && j <= MAX_REPLY_NAME => {
                (Some(String::from_utf8_lossy(&buf[1..1 + j]).into_owned()), 2 + j)
            }
            None if buf.len() <= MAX_REPLY_NAME + 1 => return None,
            _ => return Some(skip_line(buf, None, "bad :reply_fifo_name: prefix".into())),
        }
    } else {
        (None, 0)
    };
    let mut docs = serde_json::Deserializer::from_slice(&buf[body..]).into_iter::<Value>();
    match docs.next() {
        Some(Ok(doc)) => {
            let end = body + docs.byte_offset();
            buf.drain(..end);
            Some(FifoRequest::Doc { reply_name, doc })
        }
        None => None,
        Some(Err(e)) if e.is_eof() => None,
        Some(Err(e)) => Some(skip_line(buf, reply_name, e.to_string())),
    }
}

/// Drop input up to and including the next newline (all of it without
/// one).
fn skip_line(buf: &mut Vec<u8>, reply_name: Option<String>, error: String) -> FifoRequest {
    let end = buf.iter().position(|&b| b == b'\n').map_or(buf.len(), |i| i + 1);
    buf.drain(..end);
    FifoRequest::Bad { reply_name, error }
}

/// Write `bytes` to the reply FIFO `name` in `dir`, waiting up to
/// `timeout` for the client to open it for reading.
fn write_reply(dir: &Path, name: &str, bytes: &[u8], timeout: Duration) -> Result<(), String> {
    if name.is_empty() || name.contains('/') || name == "." || name == ".." {
        return Err("not a plain file name".into());
    }
    let path = dir.join(name);
    let meta = std::fs::symlink_metadata(&path).map_err(|e| e.to_string())?;
    if !meta.file_type().is_fifo() {
        return Err("not a FIFO".into());
    }
    let deadline = Instant::now() + timeout;
    let mut f = loop {
        // Non-blocking: fails with ENXIO until the client opens it to read.
        match OpenOptions::new().write(true).custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW).open(&path) {
            Ok(f) => break f,
            Err(e) if e.raw_os_error() == Some(libc::ENXIO) && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => return Err(format!("cannot open: {e}")),
        }
    };
    use std::os::fd::AsRawFd;
    // SAFETY: fcntl on an fd we own; back to blocking writes.
    unsafe {
        let fl = libc::fcntl(f.as_raw_fd(), libc::F_GETFL);
        libc::fcntl(f.as_raw_fd(), libc::F_SETFL, fl & !libc::O_NONBLOCK);
    }
    f.write_all(bytes).map_err(|e| format!("write: {e}"))
}
