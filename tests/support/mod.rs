//! Shared helpers for end-to-end tests: run the real `switchboard` binary
//! on 127.0.0.1 with OS-chosen ports and talk SIP to it over real sockets.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub mod scenarios;
pub mod ua;

pub const BIN: &str = env!("CARGO_BIN_EXE_switchboard");

/// Root of the repository (for samples/ and tests/cfg/).
pub fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// `../shared` beside the repository.
pub fn shared_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared").join(rel)
}

/// A running switchboard; killed (by its own PID) when dropped.
pub struct Switchboard {
    child: Child,
    logs: Arc<Mutex<Vec<String>>>,
    pub udp: Option<SocketAddr>,
    pub tcp: Option<SocketAddr>,
    _dir: Option<TempDir>,
}

impl Switchboard {
    /// Write `cfg` to a temporary directory and run it. Listen addresses
    /// in the cfg should use port 0 so that parallel tests never collide.
    pub fn with_cfg(cfg: &str, args: &[&str]) -> Switchboard {
        let dir = TempDir::new();
        let path = dir.path().join("kamailio.cfg");
        std::fs::write(&path, cfg).unwrap();
        let mut sb = Switchboard::run(&path, args);
        sb._dir = Some(dir);
        sb
    }

    /// Run the binary on a cfg file and wait until every listener is up.
    pub fn run(cfg: &Path, args: &[&str]) -> Switchboard {
        Switchboard::run_command(Command::new(BIN), cfg, args)
    }

    /// [`Switchboard::run`] with a command set up by the caller
    /// (environment, working directory).
    pub fn run_command(mut command: Command, cfg: &Path, args: &[&str]) -> Switchboard {
        let mut child = command
            .arg("-E")
            .arg("-f")
            .arg(cfg)
            .args(args)
            // SB_DEBUG=3 shows the server's debug log in a failing test.
            .args(std::env::var("SB_DEBUG").map(|d| vec!["--debug".to_string(), d]).unwrap_or_default())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start switchboard");
        let logs = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().unwrap();
        let sink = logs.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("[switchboard] {line}");
                sink.lock().unwrap().push(line);
            }
        });
        let mut sb = Switchboard { child, logs, udp: None, tcp: None, _dir: None };
        sb.wait_log("started with", Duration::from_secs(20));
        for line in sb.logs() {
            if let Some(rest) = line.split("listening on ").nth(1) {
                let (proto, addr) = rest.split_once(':').unwrap();
                let addr: SocketAddr = addr.trim().parse().unwrap();
                match proto {
                    "udp" if sb.udp.is_none() => sb.udp = Some(addr),
                    "tcp" if sb.tcp.is_none() => sb.tcp = Some(addr),
                    _ => {}
                }
            }
        }
        sb
    }

    pub fn logs(&self) -> Vec<String> {
        self.logs.lock().unwrap().clone()
    }

    /// Wait for a log line containing `needle`; panics with the log on timeout.
    pub fn wait_log(&mut self, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(l) = self.logs().into_iter().find(|l| l.contains(needle)) {
                return l;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                std::thread::sleep(Duration::from_millis(100));
                panic!("switchboard exited ({status}) before logging '{needle}':\n{}", self.logs().join("\n"));
            }
            if Instant::now() > deadline {
                panic!("no log line with '{needle}':\n{}", self.logs().join("\n"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Switchboard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Run the binary with `args` until it exits (killed after `timeout`):
/// (exit code, stderr).
pub fn run_to_exit(args: &[&str], cfg: &Path, timeout: Duration) -> (Option<i32>, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .arg("-E")
        .arg("-f")
        .arg(cfg)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
            return (status.code(), err);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("switchboard {args:?} did not exit within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Wait until `n` log lines contain `needle` (the log is read by another
/// thread, so it may lag behind the replies).
pub fn wait_count(sb: &Switchboard, needle: &str, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(3);
    while sb.logs().iter().filter(|l| l.contains(needle)).count() < n {
        assert!(Instant::now() < deadline, "fewer than {n} lines with '{needle}': {:#?}", sb.logs());
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A minimal self-deleting temporary directory.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let p = std::env::temp_dir().join(format!(
            "switchboard-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A UDP SIP peer on 127.0.0.1.
pub struct UdpPeer {
    pub sock: UdpSocket,
}

impl UdpPeer {
    pub fn new() -> UdpPeer {
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        sock.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
        UdpPeer { sock }
    }
    pub fn port(&self) -> u16 {
        self.sock.local_addr().unwrap().port()
    }
    pub fn send(&self, to: SocketAddr, data: &[u8]) {
        self.sock.send_to(data, to).unwrap();
    }
    /// Next datagram within `timeout`, as text.
    pub fn recv(&self, timeout: Duration) -> Option<String> {
        let deadline = Instant::now() + timeout;
        let mut buf = vec![0u8; 65536];
        while Instant::now() < deadline {
            match self.sock.recv_from(&mut buf) {
                Ok((n, _)) => return Some(String::from_utf8_lossy(&buf[..n]).into_owned()),
                Err(_) => continue,
            }
        }
        None
    }
}

/// A TCP SIP peer; `recv_message` frames by Content-Length.
pub struct TcpPeer {
    pub stream: TcpStream,
    buf: Vec<u8>,
}

impl TcpPeer {
    pub fn connect(to: SocketAddr) -> TcpPeer {
        let stream = TcpStream::connect(to).unwrap();
        stream.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
        stream.set_nodelay(true).unwrap();
        TcpPeer { stream, buf: Vec::new() }
    }
    pub fn port(&self) -> u16 {
        self.stream.local_addr().unwrap().port()
    }
    pub fn send(&mut self, data: &[u8]) {
        self.stream.write_all(data).unwrap();
    }
    /// The next complete SIP message within `timeout`.
    pub fn recv_message(&mut self, timeout: Duration) -> Option<String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buf[..end]).to_string();
                let cl = header(&head, "Content-Length").and_then(|v| v.parse::<usize>().ok()).unwrap_or(0);
                if self.buf.len() >= end + 4 + cl {
                    let msg: Vec<u8> = self.buf.drain(..end + 4 + cl).collect();
                    return Some(String::from_utf8_lossy(&msg).into_owned());
                }
            }
            if Instant::now() > deadline {
                return None;
            }
            let mut chunk = [0u8; 8192];
            match self.stream.read(&mut chunk) {
                Ok(0) => return None,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(_) => continue,
            }
        }
    }
    /// True when the server closed the connection within `timeout`.
    pub fn closed_within(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut chunk = [0u8; 4096];
        while Instant::now() < deadline {
            match self.stream.read(&mut chunk) {
                Ok(0) => return true,
                Ok(_) => continue,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock || e.kind() == std::io::ErrorKind::TimedOut => continue,
                Err(_) => return true,
            }
        }
        false
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// First value of header `name` (case-insensitive) in a message's text.
pub fn header(msg: &str, name: &str) -> Option<String> {
    msg.split("\r\n").skip(1).take_while(|l| !l.is_empty()).find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_string())
    })
}

/// Status code of a reply's text.
pub fn status(msg: &str) -> u16 {
    msg.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
}

/// An OPTIONS request from a peer at 127.0.0.1:`port` over `proto`.
pub fn options(proto: &str, port: u16, branch: &str) -> String {
    format!(
        "OPTIONS sip:switchboard@127.0.0.1 SIP/2.0\r\n\
         Via: SIP/2.0/{proto} 127.0.0.1:{port};branch=z9hG4bK{branch};rport\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:tester@127.0.0.1>;tag=t{branch}\r\n\
         To: <sip:switchboard@127.0.0.1>\r\n\
         Call-ID: {branch}@127.0.0.1\r\n\
         CSeq: 1 OPTIONS\r\n\
         Content-Length: 0\r\n\r\n"
    )
}
