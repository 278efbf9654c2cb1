//! Transports over real sockets on loopback (IPv4, and IPv6 where ::1 is
//! available). Every wait is bounded.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use bytes::Bytes;
use switchboard_core::transport::{
    Destination, Handler, Protocol, ReceiveInfo, SendError, TransportConfig, Transports,
};

const T: Duration = Duration::from_secs(5);

#[derive(Default)]
struct Rec {
    msgs: Mutex<Vec<(Bytes, ReceiveInfo, ThreadId)>>,
    errors: Mutex<Vec<(Bytes, ReceiveInfo, String)>>,
}

/// Replies "GOT <len>\n" to every message (after sleeping for "SLEEP"
/// messages, panicking for "PANIC" ones, staying silent for messages
/// containing "QUIET")
/// and "ERR <reason>\n" to broken streams.
impl Handler for Rec {
    fn on_message(&self, data: Bytes, info: &ReceiveInfo, transports: &Transports) {
        if data.starts_with(b"PANIC") {
            panic!("test panic");
        }
        if data.starts_with(b"SLEEP") {
            std::thread::sleep(Duration::from_millis(3));
        }
        self.msgs.lock().unwrap().push((data.clone(), info.clone(), std::thread::current().id()));
        if !data.windows(5).any(|w| w == b"QUIET") {
            let reply = Bytes::from(format!("GOT {}\n", data.len()));
            transports.send(&Destination::reply_to(info), reply).expect("reply");
        }
    }
    fn on_stream_error(&self, head: Bytes, info: &ReceiveInfo, reason: &str, transports: &Transports) {
        self.errors.lock().unwrap().push((head, info.clone(), reason.to_string()));
        let reply = Bytes::from(format!("ERR {reason}\n"));
        transports.send(&Destination::reply_to(info), reply).expect("error reply");
    }
}

struct Env {
    rt: tokio::runtime::Runtime,
    rec: Arc<Rec>,
    t: Arc<Transports>,
}

impl Env {
    fn start(cfg: TransportConfig) -> Env {
        Env::try_start(cfg).expect("start transports")
    }
    fn try_start(cfg: TransportConfig) -> std::io::Result<Env> {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let rec = Arc::new(Rec::default());
        let t = Transports::start(cfg, rec.clone(), rt.handle().clone())?;
        Ok(Env { rt, rec, t })
    }
    fn addr(&self, p: Protocol) -> SocketAddr {
        self.t.local_addrs().into_iter().find(|(q, _)| *q == p).unwrap().1
    }
    fn msgs(&self) -> Vec<(Bytes, ReceiveInfo, ThreadId)> {
        self.rec.msgs.lock().unwrap().clone()
    }
    fn errors(&self) -> Vec<(Bytes, ReceiveInfo, String)> {
        self.rec.errors.lock().unwrap().clone()
    }
    fn stop(self) {
        let start = Instant::now();
        self.t.shutdown();
        assert!(start.elapsed() < Duration::from_secs(5), "shutdown took {:?}", start.elapsed());
        self.rt.shutdown_timeout(Duration::from_secs(1));
    }
}

fn cfg(listens: &[(Protocol, &str)]) -> TransportConfig {
    TransportConfig {
        listens: listens.iter().map(|(p, a)| (*p, a.parse().unwrap())).collect(),
        udp_workers: 2,
        tcp_workers: 2,
        ..TransportConfig::default()
    }
}

fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + T;
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn sip(body: &str) -> String {
    format!(
        "MESSAGE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1;branch=z9hG4bK1\r\nContent-Length: {}\r\n\r\n{}",
        body.len(),
        body
    )
}

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect_timeout(&addr, T).unwrap();
    s.set_read_timeout(Some(T)).unwrap();
    s
}

/// Read until `want` has been seen (returns everything read).
fn read_until(s: &mut TcpStream, want: &[u8]) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + T;
    while !got.windows(want.len()).any(|w| w == want) {
        assert!(Instant::now() < deadline, "timed out waiting for {:?}", String::from_utf8_lossy(want));
        match s.read(&mut buf) {
            Ok(0) => panic!("EOF before {:?}; got {:?}", String::from_utf8_lossy(want), String::from_utf8_lossy(&got)),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) => panic!("read: {e}; got {:?}", String::from_utf8_lossy(&got)),
        }
    }
    got
}

/// Read until EOF or reset; returns what was read before.
fn read_to_close(s: &mut TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + T;
    loop {
        assert!(Instant::now() < deadline, "connection not closed; got {:?}", String::from_utf8_lossy(&got));
        match s.read(&mut buf) {
            Ok(0) => return got,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                panic!("connection not closed within {T:?}; got {:?}", String::from_utf8_lossy(&got))
            }
            Err(_) => return got, // reset counts as closed
        }
    }
}

fn udp_client(server: SocketAddr) -> UdpSocket {
    let bind = if server.is_ipv4() { "127.0.0.1:0" } else { "[::1]:0" };
    let c = UdpSocket::bind(bind).unwrap();
    c.set_read_timeout(Some(T)).unwrap();
    c
}

fn udp_round_trip(server: SocketAddr) {
    let c = udp_client(server);
    let m = sip("hello");
    c.send_to(m.as_bytes(), server).unwrap();
    let mut buf = [0u8; 100];
    let (n, from) = c.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], format!("GOT {}\n", m.len()).as_bytes());
    assert_eq!(from, server);
}

#[test]
fn udp_round_trip_v4_and_v6() {
    let env = Env::start(cfg(&[(Protocol::Udp, "127.0.0.1:0")]));
    udp_round_trip(env.addr(Protocol::Udp));
    let msgs = env.msgs();
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].1.proto, Protocol::Udp);
    assert_eq!(msgs[0].1.local, env.addr(Protocol::Udp));
    assert_eq!(msgs[0].1.conn_id, None);
    env.stop();

    match Env::try_start(cfg(&[(Protocol::Udp, "[::1]:0")])) {
        Ok(env) => {
            udp_round_trip(env.addr(Protocol::Udp));
            env.stop();
        }
        Err(e) => eprintln!("skipping IPv6 UDP: {e}"),
    }
}

#[test]
fn udp_workers_share_one_socket() {
    let mut c = cfg(&[(Protocol::Udp, "127.0.0.1:0")]);
    c.udp_workers = 4;
    let env = Env::start(c);
    let server = env.addr(Protocol::Udp);
    let client = udp_client(server);
    let n = 200;
    for i in 0..n {
        client.send_to(format!("SLEEP {i}").as_bytes(), server).unwrap();
    }
    wait_for("all datagrams", || env.msgs().len() == n);
    let mut threads: Vec<ThreadId> = env.msgs().iter().map(|m| m.2).collect();
    threads.sort_by_key(|t| format!("{t:?}"));
    threads.dedup();
    assert!(threads.len() > 1, "one peer's datagrams were handled by {} thread(s)", threads.len());
    env.stop();
}

#[test]
fn udp_drops_keepalives_empty_and_oversize() {
    let mut c = cfg(&[(Protocol::Udp, "127.0.0.1:0")]);
    c.max_msg_size = 300;
    let env = Env::start(c);
    let server = env.addr(Protocol::Udp);
    let client = udp_client(server);
    client.send_to(b"", server).unwrap();
    client.send_to(b"\r\n", server).unwrap();
    client.send_to(b"\r\n\r\n", server).unwrap();
    client.send_to(&[b'x'; 301], server).unwrap();
    client.send_to(&[b'y'; 300], server).unwrap(); // exactly the limit: accepted
    let mut buf = [0u8; 100];
    let (n, _) = client.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"GOT 300\n");
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(env.msgs().len(), 1);
    env.stop();
}

#[test]
fn handler_panic_does_not_kill_worker() {
    let mut c = cfg(&[(Protocol::Udp, "127.0.0.1:0")]);
    c.udp_workers = 1;
    let env = Env::start(c);
    let server = env.addr(Protocol::Udp);
    let client = udp_client(server);
    client.send_to(b"PANIC now", server).unwrap();
    client.send_to(b"after", server).unwrap();
    let mut buf = [0u8; 100];
    let (n, _) = client.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"GOT 5\n");
    env.stop();
}

#[test]
fn udp_send_picks_socket() {
    let env = Env::start(cfg(&[(Protocol::Udp, "127.0.0.1:0"), (Protocol::Udp, "127.0.0.1:0")]));
    let addrs: Vec<SocketAddr> = env.t.local_addrs().into_iter().map(|a| a.1).collect();
    let peer = UdpSocket::bind("127.0.0.1:0").unwrap();
    peer.set_read_timeout(Some(T)).unwrap();
    let to = peer.local_addr().unwrap();
    let mut buf = [0u8; 100];
    // no local: first socket of the family
    env.t.send(&Destination::to(Protocol::Udp, to), Bytes::from_static(b"one")).unwrap();
    let (_, from) = peer.recv_from(&mut buf).unwrap();
    assert_eq!(from, addrs[0]);
    // local given: that socket
    let d = Destination { local: Some(addrs[1]), ..Destination::to(Protocol::Udp, to) };
    env.t.send(&d, Bytes::from_static(b"two")).unwrap();
    let (_, from) = peer.recv_from(&mut buf).unwrap();
    assert_eq!(from, addrs[1]);
    // no IPv6 socket
    let r = env.t.send(&Destination::to(Protocol::Udp, "[::1]:5060".parse().unwrap()), Bytes::from_static(b"x"));
    assert!(matches!(r, Err(SendError::NoSocket { .. })), "{r:?}");
    let r = env.t.send(&Destination::to(Protocol::Tls, to), Bytes::from_static(b"x"));
    assert!(matches!(r, Err(SendError::Unsupported(Protocol::Tls))), "{r:?}");
    env.stop();
}

#[test]
fn bind_error_names_address() {
    let taken = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let err = Env::try_start(cfg(&[(Protocol::Udp, &addr.to_string())])).err().expect("bind must fail");
    assert!(err.to_string().contains(&addr.to_string()), "{err}");
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let err = Env::try_start(cfg(&[(Protocol::Tcp, &addr.to_string())])).err().expect("bind must fail");
    assert!(err.to_string().contains(&format!("tcp:{addr}")), "{err}");
}

#[test]
fn tcp_message_split_across_writes() {
    let env = Env::start(cfg(&[(Protocol::Tcp, "127.0.0.1:0")]));
    let mut s = connect(env.addr(Protocol::Tcp));
    let m = sip("split body");
    let b = m.as_bytes();
    for part in [&b[..10], &b[10..60], &b[60..m.len() - 3], &b[m.len() - 3..]] {
        s.write_all(part).unwrap();
        std::thread::sleep(Duration::from_millis(30));
    }
    let got = read_until(&mut s, b"\n");
    assert_eq!(got, format!("GOT {}\n", m.len()).as_bytes());
    let msgs = env.msgs();
    assert_eq!(msgs.len(), 1);
    assert_eq!(&msgs[0].0[..], b);
    assert_eq!(msgs[0].1.proto, Protocol::Tcp);
    assert_eq!(msgs[0].1.src, s.local_addr().unwrap());
    assert!(msgs[0].1.conn_id.is_some());
    env.stop();
}

#[test]
fn tcp_two_messages_in_one_write() {
    let env = Env::start(cfg(&[(Protocol::Tcp, "127.0.0.1:0")]));
    let mut s = connect(env.addr(Protocol::Tcp));
    let (a, b) = (sip("first"), sip("second!"));
    s.write_all(format!("{a}{b}").as_bytes()).unwrap();
    let want = format!("GOT {}\nGOT {}\n", a.len(), b.len());
    let got = read_until(&mut s, want.as_bytes());
    assert_eq!(got, want.as_bytes(), "replies in order on the same connection");
    let msgs = env.msgs();
    assert_eq!(msgs.len(), 2);
    assert_eq!(&msgs[0].0[..], a.as_bytes());
    assert_eq!(&msgs[1].0[..], b.as_bytes());
    assert_eq!(msgs[0].1.conn_id, msgs[1].1.conn_id);
    env.stop();
}

#[test]
fn tcp_keepalive_ping_answered() {
    let env = Env::start(cfg(&[(Protocol::Tcp, "127.0.0.1:0")]));
    let mut s = connect(env.addr(Protocol::Tcp));
    s.write_all(b"\r\n\r\n").unwrap();
    let got = read_until(&mut s, b"\r\n");
    assert_eq!(got, b"\r\n");
    // the connection is still usable
    let m = sip("x");
    s.write_all(m.as_bytes()).unwrap();
    read_until(&mut s, format!("GOT {}\n", m.len()).as_bytes());
    assert_eq!(env.msgs().len(), 1);
    env.stop();
}

#[test]
fn tcp_missing_content_length_errors_and_closes() {
    let env = Env::start(cfg(&[(Protocol::Tcp, "127.0.0.1:0")]));
    let mut s = connect(env.addr(Protocol::Tcp));
    let m = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h\r\n\r\n";
    s.write_all(m.as_bytes()).unwrap();
    let got = read_to_close(&mut s);
    assert_eq!(String::from_utf8_lossy(&got), "ERR missing Content-Length\n");
    let errs = env.errors();
    assert_eq!(errs.len(), 1);
    assert_eq!(&errs[0].0[..], m.as_bytes(), "head is the header block");
    assert!(env.msgs().is_empty());
    wait_for("connection unregistered", || env.t.connection_count() == 0);
    env.stop();
}

#[test]
fn tcp_accept_no_cl_allows_missing_content_length() {
    let mut c = cfg(&[(Protocol::Tcp, "127.0.0.1:0")]);
    c.tcp_accept_no_cl = true;
    let env = Env::start(c);
    let mut s = connect(env.addr(Protocol::Tcp));
    let m = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h\r\n\r\n";
    s.write_all(m.as_bytes()).unwrap();
    read_until(&mut s, format!("GOT {}\n", m.len()).as_bytes());
    assert!(env.errors().is_empty());
    env.stop();
}

#[test]
fn tcp_oversize_errors_and_closes() {
    let mut c = cfg(&[(Protocol::Tcp, "127.0.0.1:0")]);
    c.max_msg_size = 500;
    let env = Env::start(c);
    // Content-Length too big
    let mut s = connect(env.addr(Protocol::Tcp));
    s.write_all(b"MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 1000\r\n\r\n").unwrap();
    s.write_all(&[b'b'; 1000]).unwrap();
    let got = String::from_utf8_lossy(&read_to_close(&mut s)).to_string();
    assert!(got.starts_with("ERR ") && got.contains("exceeds max_msg_size"), "{got}");
    // header block that never ends
    let mut s = connect(env.addr(Protocol::Tcp));
    s.write_all(b"MESSAGE sip:a@b SIP/2.0\r\n").unwrap();
    for _ in 0..20 {
        if s.write_all(b"X-Filler: 0123456789012345678901234567890123456789\r\n").is_err() {
            break;
        }
    }
    let got = String::from_utf8_lossy(&read_to_close(&mut s)).to_string();
    assert!(got.starts_with("ERR ") && got.contains("without its end"), "{got}");
    assert_eq!(env.errors().len(), 2);
    wait_for("connections unregistered", || env.t.connection_count() == 0);
    env.stop();
}

#[test]
fn tcp_send_reuses_accepted_connection() {
    let env = Env::start(cfg(&[(Protocol::Tcp, "127.0.0.1:0")]));
    let mut s = connect(env.addr(Protocol::Tcp));
    let m = sip("QUIET");
    s.write_all(m.as_bytes()).unwrap();
    wait_for("message", || env.msgs().len() == 1);
    let info = env.msgs()[0].1.clone();
    // by peer address, no conn id
    env.t.send(&Destination::to(Protocol::Tcp, info.src), Bytes::from_static(b"PUSH1\n")).unwrap();
    assert_eq!(read_until(&mut s, b"PUSH1\n"), b"PUSH1\n");
    // by conn id
    let d = Destination { conn_id: info.conn_id, ..Destination::to(Protocol::Tcp, info.src) };
    env.t.send(&d, Bytes::from_static(b"PUSH2\n")).unwrap();
    assert_eq!(read_until(&mut s, b"PUSH2\n"), b"PUSH2\n");
    assert_eq!(env.t.connection_count(), 1);
    assert!(env.t.connection_alive(info.conn_id.unwrap()));
    env.stop();
}

#[test]
fn tcp_send_opens_connection() {
    let env = Env::start(cfg(&[(Protocol::Tcp, "127.0.0.1:0")]));
    let peer = TcpListener::bind("127.0.0.1:0").unwrap();
    let paddr = peer.local_addr().unwrap();
    let m = sip("outgoing");
    env.t.send(&Destination::to(Protocol::Tcp, paddr), Bytes::from(m.clone())).unwrap();
    // a second send while connecting queues on the same connection
    env.t.send(&Destination::to(Protocol::Tcp, paddr), Bytes::from(m.clone())).unwrap();
    let (mut s, _) = peer.accept().unwrap();
    s.set_read_timeout(Some(T)).unwrap();
    let want = format!("{m}{m}");
    assert_eq!(read_until(&mut s, want.as_bytes()), want.as_bytes());
    assert_eq!(env.t.connection_count(), 1);
    // the peer answers on that connection: the message reaches the handler
    let r = sip("QUIET reply");
    s.write_all(r.as_bytes()).unwrap();
    wait_for("reply on outgoing connection", || env.msgs().len() == 1);
    let msgs = env.msgs();
    assert_eq!(&msgs[0].0[..], r.as_bytes());
    assert_eq!(msgs[0].1.src, paddr);
    assert!(msgs[0].1.conn_id.is_some());
    // connect failure is logged, not returned
    drop(peer);
    let dead = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    env.t.send(&Destination::to(Protocol::Tcp, dead), Bytes::from_static(b"x")).unwrap();
    wait_for("failed connection dropped", || env.t.connection_count() == 1);
    env.stop();
}

#[test]
fn tcp_idle_connection_closed() {
    let mut c = cfg(&[(Protocol::Tcp, "127.0.0.1:0")]);
    c.tcp_connection_lifetime = Duration::from_secs(1);
    let env = Env::start(c);
    let mut s = connect(env.addr(Protocol::Tcp));
    // activity keeps it open
    for _ in 0..3 {
        std::thread::sleep(Duration::from_millis(400));
        s.write_all(b"\r\n\r\n").unwrap();
        read_until(&mut s, b"\r\n");
    }
    let start = Instant::now();
    assert!(read_to_close(&mut s).is_empty());
    let idle = start.elapsed();
    assert!(idle >= Duration::from_millis(800) && idle < Duration::from_secs(3), "closed after {idle:?}");
    wait_for("connection unregistered", || env.t.connection_count() == 0);
    env.stop();
}

#[test]
fn tcp_max_connections() {
    let mut c = cfg(&[(Protocol::Tcp, "127.0.0.1:0")]);
    c.tcp_max_connections = 2;
    let env = Env::start(c);
    let addr = env.addr(Protocol::Tcp);
    let mut a = connect(addr);
    let mut b = connect(addr);
    // make sure both are accepted before the third
    for s in [&mut a, &mut b] {
        s.write_all(b"\r\n\r\n").unwrap();
        read_until(s, b"\r\n");
    }
    let mut third = connect(addr);
    let _ = third.write_all(sip("x").as_bytes());
    assert!(read_to_close(&mut third).is_empty());
    assert_eq!(env.t.connection_count(), 2);
    // outgoing connections count too
    let peer = TcpListener::bind("127.0.0.1:0").unwrap();
    let r = env.t.send(&Destination::to(Protocol::Tcp, peer.local_addr().unwrap()), Bytes::from_static(b"x"));
    assert!(matches!(r, Err(SendError::TooManyConnections(2))), "{r:?}");
    // the first two still work
    let m = sip("ok");
    a.write_all(m.as_bytes()).unwrap();
    read_until(&mut a, format!("GOT {}\n", m.len()).as_bytes());
    // after one closes, a new one is accepted
    drop(b);
    wait_for("slot freed", || env.t.connection_count() == 1);
    let mut d = connect(addr);
    d.write_all(b"\r\n\r\n").unwrap();
    read_until(&mut d, b"\r\n");
    env.stop();
}

#[test]
fn tcp_write_queue_limit_closes_connection() {
    let mut c = cfg(&[(Protocol::Tcp, "127.0.0.1:0")]);
    c.tcp_conn_wq_max = 64 * 1024;
    let env = Env::start(c);
    let s = connect(env.addr(Protocol::Tcp));
    let mut w = s.try_clone().unwrap();
    w.write_all(sip("QUIET").as_bytes()).unwrap();
    wait_for("message", || env.msgs().len() == 1);
    let info = env.msgs()[0].1.clone();
    // the peer never reads: kernel buffers fill, then our queue
    let chunk = Bytes::from(vec![b'z'; 16 * 1024]);
    let deadline = Instant::now() + Duration::from_secs(10);
    let err = loop {
        assert!(Instant::now() < deadline, "write queue never overflowed");
        match env.t.send(&Destination::reply_to(&info), chunk.clone()) {
            Ok(()) => std::thread::sleep(Duration::from_micros(200)),
            Err(e) => break e,
        }
    };
    assert!(matches!(err, SendError::QueueFull { .. }), "{err:?}");
    assert!(!env.t.connection_alive(info.conn_id.unwrap()));
    wait_for("connection unregistered", || env.t.connection_count() == 0);
    drop(s);
    env.stop();
}

#[test]
fn tcp_ipv6() {
    let env = match Env::try_start(cfg(&[(Protocol::Tcp, "[::1]:0"), (Protocol::Udp, "[::1]:0")])) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("skipping IPv6 TCP: {e}");
            return;
        }
    };
    let mut s = connect(env.addr(Protocol::Tcp));
    let m = sip("v6");
    s.write_all(m.as_bytes()).unwrap();
    read_until(&mut s, format!("GOT {}\n", m.len()).as_bytes());
    assert!(env.msgs()[0].1.src.is_ipv6());
    udp_round_trip(env.addr(Protocol::Udp));
    env.stop();
}

#[test]
fn shutdown_joins_everything() {
    let mut c = cfg(&[(Protocol::Udp, "127.0.0.1:0"), (Protocol::Tcp, "127.0.0.1:0")]);
    c.udp_workers = 4;
    c.tcp_workers = 3;
    let env = Env::start(c);
    let tcp = env.addr(Protocol::Tcp);
    let mut conns: Vec<TcpStream> = (0..3).map(|_| connect(tcp)).collect();
    for s in &mut conns {
        s.write_all(b"\r\n\r\n").unwrap();
        read_until(s, b"\r\n");
    }
    udp_round_trip(env.addr(Protocol::Udp));
    let t = env.t.clone();
    let start = Instant::now();
    env.t.shutdown();
    assert!(start.elapsed() < Duration::from_secs(3), "shutdown took {:?}", start.elapsed());
    for s in &mut conns {
        assert!(read_to_close(s).is_empty());
    }
    assert_eq!(t.connection_count(), 0);
    assert!(matches!(t.send(&Destination::to(Protocol::Udp, tcp), Bytes::from_static(b"x")), Err(SendError::ShutDown)));
    t.shutdown(); // idempotent
    drop(t);
    // workers are gone: only the runtime and the test hold references
    wait_for("tasks and workers released Transports", || Arc::strong_count(&env.t) == 1);
    assert_eq!(Arc::strong_count(&env.rec), 1, "the handler is released by the workers");
    env.rt.shutdown_timeout(Duration::from_secs(1));
}

#[test]
fn tcp_one_connection_handled_in_order_by_one_worker() {
    let mut c = cfg(&[(Protocol::Tcp, "127.0.0.1:0")]);
    c.tcp_workers = 4;
    let env = Env::start(c);
    let mut s = connect(env.addr(Protocol::Tcp));
    let n = 300;
    let mut all = String::new();
    for i in 0..n {
        all.push_str(&sip(&format!("QUIET {i}")));
    }
    // written in odd-sized pieces so messages straddle reads
    for piece in all.as_bytes().chunks(777) {
        s.write_all(piece).unwrap();
    }
    wait_for("all messages", || env.msgs().len() == n);
    let msgs = env.msgs();
    for (i, m) in msgs.iter().enumerate() {
        assert_eq!(&m.0[..], sip(&format!("QUIET {i}")).as_bytes(), "message {i} out of order");
        assert_eq!(m.2, msgs[0].2, "one connection, one worker");
    }
    env.stop();
}
