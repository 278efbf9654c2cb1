//! sanity_check through a running server: a tiny Rust engine calls the
//! exported function; its stateless error reply must arrive on a real UDP
//! socket, and a good request must pass (the engine then answers 200).

use std::net::UdpSocket;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use switchboard_core::cfg::{self, LoadOptions};
use switchboard_core::engine::{Callback, Engine, EngineFactory, ScriptError};
use switchboard_core::exports::{self, Ret};
use switchboard_core::route::RouteCtx;
use switchboard_core::server::{send_stateless_reply, Server};

struct Factory(Arc<Mutex<Vec<i64>>>);
struct Eng(Arc<Mutex<Vec<i64>>>);

impl EngineFactory for Factory {
    fn name(&self) -> &str {
        "test"
    }
    fn create(&self, _rank: usize) -> Result<Box<dyn Engine>, String> {
        Ok(Box::new(Eng(self.0.clone())))
    }
}

impl Engine for Eng {
    fn run(&self, cb: Callback<'_>, ctx: &mut RouteCtx<'_>) -> Result<i32, ScriptError> {
        if cb != Callback::Request {
            return Ok(1);
        }
        let f = exports::by_native("sanity_check").find(|e| e.params.is_empty()).unwrap();
        let r = (f.func)(ctx, &[]);
        let code = match r {
            Ret::Int(i) => i,
            _ => 0,
        };
        self.0.lock().unwrap().push(code);
        if code > 0 {
            send_stateless_reply(ctx.shared, &ctx.msg, &ctx.info, 200, "OK");
        }
        Ok(1)
    }
    fn has(&self, _cb: Callback<'_>) -> bool {
        true
    }
}

fn exchange(sock: &UdpSocket, to: std::net::SocketAddr, data: &[u8]) -> String {
    sock.send_to(data, to).unwrap();
    let mut buf = vec![0u8; 65535];
    let (n, _) = sock.recv_from(&mut buf).expect("a reply");
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[test]
fn sanity_replies_over_udp() {
    let dir = std::env::temp_dir().join(format!("sb-mods-sanity-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("kamailio.cfg");
    std::fs::write(
        &path,
        "listen=udp:127.0.0.1:0\nchildren=1\nloadmodule \"sl.so\"\nloadmodule \"sanity.so\"\n\
         modparam(\"sanity\", \"autodrop\", 0)\nrequest_route {\n}\n",
    )
    .unwrap();
    let config = cfg::load(&path, &LoadOptions::default()).expect("cfg loads");
    let codes = Arc::new(Mutex::new(Vec::new()));
    let server = Server::start(&config, Some(Arc::new(Factory(codes.clone())))).expect("server starts");
    let addr = server.local_addrs()[0].1;
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(3))).unwrap();

    let port = sock.local_addr().unwrap().port();
    let req = |ruri: &str, branch: &str, extra: &str, callid: bool| {
        format!(
            "OPTIONS {ruri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{branch};rport\r\n\
             Max-Forwards: 70\r\nFrom: <sip:a@example.com>;tag=1\r\nTo: <sip:user@example.com>\r\n\
             {}CSeq: 1 OPTIONS\r\n{extra}Content-Length: 0\r\n\r\n",
            if callid { format!("Call-ID: {branch}@x\r\n") } else { String::new() }
        )
    };
    let r = exchange(&sock, addr, req("sip:user@example.com", "good", "", true).as_bytes());
    assert!(r.starts_with("SIP/2.0 200 OK"), "{r}");

    // No Call-ID (passes the proxy-level parse, as RFC 4475 insuf).
    let r = exchange(&sock, addr, req("sip:user@example.com", "nocid", "", false).as_bytes());
    assert!(r.starts_with("SIP/2.0 400 Missing Required Header in Request"), "{r}");

    // Proxy-Require with unknown extensions (RFC 4475 bext01) → 420 + Unsupported.
    let r = exchange(&sock, addr, req("sip:user@example.com", "ext", "Proxy-Require: newfeature1, foo\r\n", true).as_bytes());
    assert!(r.starts_with("SIP/2.0 420 Bad Extension"), "{r}");
    assert!(r.contains("\r\nUnsupported: newfeature1, foo\r\n"), "{r}");

    // Unknown R-URI scheme (RFC 4475 unkscm) → 416.
    let r = exchange(&sock, addr, req("nobodyKnowsThisScheme:totallyopaquecontent", "scheme", "", true).as_bytes());
    assert!(r.starts_with("SIP/2.0 416 "), "{r}");

    // autodrop=0 from modparam: the function returned -1, not 0. (The
    // reply leaves before the engine records the code: wait for it.)
    for _ in 0..100 {
        if codes.lock().unwrap().len() >= 4 {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let codes = codes.lock().unwrap().clone();
    assert_eq!(codes, vec![1, -1, -1, -1]);
    server.shutdown();
}
