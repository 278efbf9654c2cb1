//! registrar over a real UDP socket: a running `Server` whose tiny test
//! engine calls the registrar exports from the export table.

use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::time::Duration;

use switchboard_core::cfg;
use switchboard_core::engine::{Callback, Engine, EngineFactory, ScriptError};
use switchboard_core::exports::{self, Arg};
use switchboard_core::route::RouteCtx;
use switchboard_core::server::{self, Server};
use switchboard_core::transport::Protocol;

struct TestEngine;

fn call(ctx: &mut RouteCtx<'_>, module: &str, name: &str, args: &[Arg<'_>]) -> i64 {
    let e = exports::all()
        .find(|e| e.module == module && e.name == name)
        .unwrap_or_else(|| panic!("export {module}.{name} missing"));
    (e.func)(ctx, args).code()
}

impl Engine for TestEngine {
    fn run(&self, cb: Callback<'_>, ctx: &mut RouteCtx<'_>) -> Result<i32, ScriptError> {
        if cb != Callback::Request {
            return Ok(1);
        }
        match ctx.msg.method_str() {
            Some("REGISTER") => {
                call(ctx, "registrar", "save", &[Arg::Str("location"), Arg::Int(0)]);
            }
            Some("OPTIONS") => {
                let rc = call(ctx, "registrar", "lookup", &[Arg::Str("location")]);
                let mut hdrs = vec![("X-Lookup".to_string(), rc.to_string())];
                if rc == 1 {
                    hdrs.push(("X-Ruri".to_string(), ctx.ruri().to_string()));
                    hdrs.push(("X-Branches".to_string(), ctx.branches.len().to_string()));
                }
                server::send_stateless_reply_with(ctx.shared, &ctx.msg, &ctx.info, 200, "OK", hdrs);
            }
            _ => {
                server::send_stateless_reply_with(ctx.shared, &ctx.msg, &ctx.info, 501, "Not Implemented", vec![]);
            }
        }
        Ok(1)
    }
    fn has(&self, cb: Callback<'_>) -> bool {
        cb == Callback::Request
    }
}

struct Factory;
impl EngineFactory for Factory {
    fn name(&self) -> &str {
        "test"
    }
    fn create(&self, _rank: usize) -> Result<Box<dyn Engine>, String> {
        Ok(Box::new(TestEngine))
    }
}

const CFG: &str = "#!KAMAILIO\n\
children=2\n\
listen=udp:127.0.0.1:0\n\
loadmodule \"usrloc.so\"\n\
loadmodule \"registrar.so\"\n\
modparam(\"usrloc\", \"timer_interval\", 1)\n\
modparam(\"registrar\", \"min_expires\", 60)\n\
modparam(\"registrar\", \"max_expires\", 1800)\n\
modparam(\"registrar\", \"default_expires\", 600)\n\
modparam(\"registrar\", \"domains\", \"example.com, example.org\")\n\
request_route {\n}\n";

fn start() -> (Server, SocketAddr) {
    let path = std::env::temp_dir().join(format!("sb-registrar-{}-{:?}.cfg", std::process::id(), std::thread::current().id()));
    std::fs::write(&path, CFG).unwrap();
    let config = cfg::load(&path, &Default::default()).expect("cfg loads");
    let _ = std::fs::remove_file(&path);
    let server = Server::start(&config, Some(Arc::new(Factory))).expect("server starts");
    let addr = server
        .local_addrs()
        .into_iter()
        .find(|(p, _)| *p == Protocol::Udp)
        .map(|(_, a)| a)
        .unwrap();
    (server, addr)
}

struct Peer {
    sock: UdpSocket,
    to: SocketAddr,
}

impl Peer {
    fn new(to: SocketAddr) -> Peer {
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
        Peer { sock, to }
    }
    fn port(&self) -> u16 {
        self.sock.local_addr().unwrap().port()
    }
    fn ask(&self, msg: &str) -> String {
        self.sock.send_to(msg.as_bytes(), self.to).unwrap();
        let mut buf = [0u8; 65535];
        let (n, _) = self.sock.recv_from(&mut buf).expect("a reply");
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }
    fn register(&self, cseq: u32, contacts: &[&str], expires: Option<u32>) -> String {
        let mut m = format!(
            "REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};rport;branch=z9hG4bKreg{cseq}\r\n\
             From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:alice@example.com>\r\nCall-ID: reg-{port}\r\n\
             CSeq: {cseq} REGISTER\r\nMax-Forwards: 70\r\n",
            port = self.port()
        );
        for c in contacts {
            m.push_str(&format!("Contact: {c}\r\n"));
        }
        if let Some(e) = expires {
            m.push_str(&format!("Expires: {e}\r\n"));
        }
        m.push_str("Content-Length: 0\r\n\r\n");
        self.ask(&m)
    }
    fn options(&self, ruri: &str) -> String {
        self.ask(&format!(
            "OPTIONS {ruri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};rport;branch=z9hG4bKopt\r\n\
             From: <sip:bob@example.com>;tag=b1\r\nTo: <{ruri}>\r\nCall-ID: opt-{port}\r\n\
             CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
            port = self.port()
        ))
    }
}

fn status(reply: &str) -> u16 {
    reply.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0)
}

fn headers<'a>(reply: &'a str, name: &str) -> Vec<&'a str> {
    reply
        .lines()
        .filter_map(|l| l.split_once(':'))
        .filter(|(n, _)| n.trim().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
        .collect()
}

#[test]
fn register_lookup_unregister_over_udp() {
    let (server, addr) = start();
    let peer = Peer::new(addr);

    let r = peer.register(1, &["<sip:alice@192.0.2.1:5060>", "<sip:alice@192.0.2.2:5060>;q=0.9;expires=7200"], None);
    assert_eq!(status(&r), 200, "{r}");
    let contacts = headers(&r, "Contact");
    assert_eq!(contacts.len(), 2, "{r}");
    assert!(contacts.contains(&"<sip:alice@192.0.2.1:5060>;expires=600"), "{r}");
    assert!(contacts.contains(&"<sip:alice@192.0.2.2:5060>;expires=1800;q=0.9"), "capped: {r}");
    assert_eq!(headers(&r, "Date").len(), 1, "{r}");
    assert!(headers(&r, "To")[0].contains("tag="), "{r}");

    // too brief
    let r = peer.register(2, &["<sip:alice@192.0.2.3:5060>"], Some(10));
    assert_eq!(status(&r), 423, "{r}");
    assert!(r.starts_with("SIP/2.0 423 Interval Too Brief"), "{r}");
    assert_eq!(headers(&r, "Min-Expires"), vec!["60"], "{r}");

    // lookup: best q first (unspecified q counts as 1.0), the other as a branch
    let r = peer.options("sip:alice@example.com");
    assert_eq!(headers(&r, "X-Lookup"), vec!["1"], "{r}");
    assert_eq!(headers(&r, "X-Ruri"), vec!["sip:alice@192.0.2.1:5060"], "{r}");
    assert_eq!(headers(&r, "X-Branches"), vec!["1"], "{r}");
    let r = peer.options("sip:nobody@example.com");
    assert_eq!(headers(&r, "X-Lookup"), vec!["-1"], "{r}");

    // unregister everything
    let r = peer.register(3, &["*"], Some(0));
    assert_eq!(status(&r), 200, "{r}");
    assert!(headers(&r, "Contact").is_empty(), "{r}");
    let r = peer.options("sip:alice@example.com");
    assert_eq!(headers(&r, "X-Lookup"), vec!["-1"], "{r}");

    // a bad star
    let r = peer.register(4, &["*"], Some(30));
    assert_eq!(status(&r), 400, "{r}");

    // a domain this registrar does not serve (`domains` modparam)
    let other = peer.register(5, &["<sip:alice@192.0.2.1>"], None);
    assert_eq!(status(&other), 200);
    let m = format!(
        "REGISTER sip:example.net SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{p};rport;branch=z9hG4bKdom\r\n\
         From: <sip:eve@example.net>;tag=e1\r\nTo: <sip:eve@example.net>\r\nCall-ID: dom-{p}\r\n\
         CSeq: 1 REGISTER\r\nMax-Forwards: 70\r\nContact: <sip:eve@192.0.2.9>\r\nContent-Length: 0\r\n\r\n",
        p = peer.port()
    );
    let r = peer.ask(&m);
    assert_eq!(status(&r), 403, "{r}");

    server.shutdown();
}
