//! jsonrpcs transports: a Unix datagram socket and a FIFO, each served by
//! its own threads (never a SIP worker), each request handled by
//! [`super::handle_value`].
//!
//! Which transports run (`modparam("jsonrpcs", "transport", N)`):
//! - not set: those the cfg names — the datagram transport when
//!   `dgram_socket` is set, the FIFO transport when `fifo_name` is set
//!   (jsonrpcs loaded with neither: nothing runs, a warning is logged);
//! - `0`: both, the unnamed ones at their defaults;
//! - a bit mask: `1` FIFO, `2` datagram (`3` both). `4` (TCP) is not
//!   implemented: a warning is logged.
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
//! response document is sent back to the sender's socket address (so the
//! client must bind its socket to a path). Notifications (no `id`) get no
//! response.
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
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
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

/// The jsonrpcs modparams.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcSettings {
    pub fifo: Option<PathBuf>,
    pub fifo_mode: u32,
    /// (uid, gid) from fifo_user / fifo_group.
    pub fifo_owner: (Option<u32>, Option<u32>),
    pub fifo_reply_dir: PathBuf,
    pub dgram: Option<PathBuf>,
    pub dgram_mode: u32,
    /// (uid, gid) from dgram_user / dgram_group.
    pub dgram_owner: (Option<u32>, Option<u32>),
    pub dgram_workers: usize,
    pub dgram_timeout: Duration,
    pub pretty: bool,
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
        let (fifo_name, dgram_name) = (s("fifo_name"), s("dgram_socket"));
        let (want_fifo, want_dgram) = match i("transport") {
            None => (fifo_name.is_some(), dgram_name.is_some()),
            Some(0) => (true, true),
            Some(t) => {
                if t & 4 != 0 {
                    tracing::warn!("jsonrpcs: the TCP transport is not implemented; not started");
                }
                (t & 1 != 0, t & 2 != 0)
            }
        };
        if s("tcp_socket").is_some() {
            tracing::warn!("jsonrpcs: tcp_socket is ignored (no TCP transport)");
        }
        if let Some(d) = dgram_name.as_deref().filter(|_| want_dgram) {
            if d.starts_with("udp:") || d.starts_with("udp6:") {
                return Err(format!("jsonrpcs: dgram_socket \"{d}\": only Unix socket paths are supported"));
            }
        }
        let timeout = i("dgram_timeout").unwrap_or(2000).clamp(1, 60_000) as u64;
        Ok(Some(RpcSettings {
            fifo: want_fifo.then(|| in_run_dir(fifo_name.as_deref().unwrap_or(DEFAULT_FIFO))),
            fifo_mode: mode(i("fifo_mode"))?,
            fifo_owner: (owner_id(config, "fifo_user", false)?, owner_id(config, "fifo_group", true)?),
            fifo_reply_dir: PathBuf::from(s("fifo_reply_dir").unwrap_or_else(|| "/tmp/".into())),
            dgram: want_dgram.then(|| {
                let d = dgram_name.as_deref().unwrap_or(DEFAULT_DGRAM);
                in_run_dir(d.strip_prefix("unix:").unwrap_or(d))
            }),
            dgram_mode: mode(i("dgram_mode"))?,
            dgram_owner: (owner_id(config, "dgram_user", false)?, owner_id(config, "dgram_group", true)?),
            dgram_workers: i("dgram_workers").unwrap_or(1).clamp(1, 64) as usize,
            dgram_timeout: Duration::from_millis(timeout),
            pretty: i("pretty_format").unwrap_or(1) != 0,
        }))
    }
}

/// The running transports; [`RpcTransports::stop`] removes the socket and
/// the FIFO.
#[derive(Debug, Default)]
pub struct RpcTransports {
    dgram: Option<(PathBuf, UnixDatagram)>,
    fifo: Option<(PathBuf, File)>,
    stopped: Arc<AtomicBool>,
}

impl RpcTransports {
    pub fn stop(&mut self) {
        self.stopped.store(true, Ordering::SeqCst);
        if let Some((path, sock)) = self.dgram.take() {
            let _ = sock.shutdown(std::net::Shutdown::Both);
            let _ = std::fs::remove_file(path);
        }
        if let Some((path, mut f)) = self.fifo.take() {
            let _ = std::fs::remove_file(path);
            // Wakes the reader, which then sees the server gone.
            let _ = f.write_all(b"\n");
        }
    }
}

/// Start the transports `settings` asks for.
pub fn start(settings: &RpcSettings, shared: &Arc<Shared>) -> Result<RpcTransports, String> {
    super::commands::mark_started();
    let mut out = RpcTransports::default();
    if settings.dgram.is_none() && settings.fifo.is_none() {
        // Not an error: a cfg written for Kamailio may load jsonrpcs for
        // its default FIFO, which switchboard only creates when named.
        tracing::info!("jsonrpcs: no transport named (set dgram_socket or fifo_name to use the control interface)");
    }
    if let Some(path) = &settings.dgram {
        let sock = start_dgram(path, settings, Arc::downgrade(shared), out.stopped.clone())?;
        out.dgram = Some((path.clone(), sock));
    }
    if let Some(path) = &settings.fifo {
        let f = start_fifo(path, settings, Arc::downgrade(shared), out.stopped.clone())?;
        out.fifo = Some((path.clone(), f));
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

fn start_dgram(path: &Path, settings: &RpcSettings, shared: Weak<Shared>, stop: Arc<AtomicBool>) -> Result<UnixDatagram, String> {
    remove_stale(path, |t| t.is_socket())?;
    let sock = UnixDatagram::bind(path).map_err(|e| format!("jsonrpcs: cannot bind {}: {e}", path.display()))?;
    set_mode(path, settings.dgram_mode)?;
    set_owner(path, settings.dgram_owner)?;
    sock.set_write_timeout(Some(settings.dgram_timeout)).map_err(|e| e.to_string())?;
    for n in 0..settings.dgram_workers {
        let sock = sock.try_clone().map_err(|e| format!("jsonrpcs: {e}"))?;
        let (shared, stop, pretty) = (shared.clone(), stop.clone(), settings.pretty);
        std::thread::Builder::new()
            .name(format!("sb-rpc-dgram{n}"))
            .spawn(move || dgram_worker(&sock, &shared, &stop, pretty))
            .map_err(|e| format!("jsonrpcs: cannot start a worker: {e}"))?;
    }
    tracing::info!("jsonrpcs: datagram transport on {}", path.display());
    Ok(sock)
}

fn dgram_worker(sock: &UnixDatagram, shared: &Weak<Shared>, stop: &AtomicBool, pretty: bool) {
    let mut buf = vec![0u8; MAX_DATAGRAM];
    loop {
        let (n, from) = match sock.recv_from(&mut buf) {
            Ok(r) => r,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return tracing::debug!("jsonrpcs: datagram worker ends: {e}"),
        };
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Some(shared) = shared.upgrade() else { return };
        let Some(reply) = super::handle(&shared, &buf[..n], pretty) else { continue };
        match from.as_pathname() {
            Some(to) => {
                if let Err(e) = sock.send_to(&reply, to) {
                    tracing::warn!("jsonrpcs: cannot send the response to {}: {e}", to.display());
                }
            }
            None => tracing::warn!("jsonrpcs: request from an unbound socket: no address to respond to"),
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
                    (reply_name, Some(super::error_response(Value::Null, super::PARSE_ERROR, &format!("Parse error: {error}"))))
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
