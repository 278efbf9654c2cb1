//! Shared by the core integration tests: a Rust closure stands in for a
//! KEMI script and calls the exports by name, as `KSR.tm.t_relay()` would.
#![allow(dead_code)]

use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use bytes::Bytes;
use switchboard_core::sip::{self, SipMessage};
use std::sync::Arc;
use std::time::Duration;

use switchboard_core::cfg::{self, LoadOptions};
use switchboard_core::engine::{Callback, Engine, EngineFactory, ScriptError};
use switchboard_core::server::Server;
use switchboard_core::exports::{self, Arg};
use switchboard_core::route::{RouteCtx, Shared};
use switchboard_core::sip::Method;
use switchboard_core::transport::Protocol;

pub type Script = dyn Fn(Callback<'_>, &mut RouteCtx<'_>) -> i32 + Send + Sync;

pub struct TestEngine(pub Arc<Script>);
impl Engine for TestEngine {
    fn run(&self, cb: Callback<'_>, ctx: &mut RouteCtx<'_>) -> Result<i32, ScriptError> {
        Ok((self.0)(cb, ctx))
    }
    fn has(&self, _: Callback<'_>) -> bool {
        true
    }
}

pub struct TestFactory(pub Arc<Script>);
impl EngineFactory for TestFactory {
    fn name(&self) -> &str {
        "test"
    }
    fn create(&self, _rank: usize) -> Result<Box<dyn Engine>, String> {
        Ok(Box::new(TestEngine(self.0.clone())))
    }
    /// The stand-in scripts handle transaction events only.
    fn handles(&self, cb: Callback<'_>) -> bool {
        !matches!(cb, Callback::Event(e) if e.starts_with("core:"))
    }
}

/// Start a server on the cfg text `cfg` (written to a fresh temporary
/// directory) with `script` standing in for the engine.
pub fn start_server(cfg: &str, script: Arc<Script>) -> Server {
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("sb-core-test-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("test.cfg");
    std::fs::write(&path, cfg).unwrap();
    let cfg = cfg::load(&path, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    Server::start(&cfg, Some(Arc::new(TestFactory(script)))).unwrap()
}

/// Short tm timers for the tests (ms): T1 50, T2 400, fr 1000, fr_inv
/// 1500, wait 500.
pub const TM_PARAMS: &str = "modparam(\"tm\", \"retr_timer1\", 50)\nmodparam(\"tm\", \"retr_timer2\", 400)\n\
     modparam(\"tm\", \"fr_timer\", 1000)\nmodparam(\"tm\", \"fr_inv_timer\", 1500)\n\
     modparam(\"tm\", \"wt_timer\", 500)\n";

/// A running server with a stand-in script, and three UDP peers around
/// it: a caller (`uac`) and two callees (`uas`, `uas2`). What the script
/// notes ([`Env2::note`]) is in `log`. Shut down when dropped.
pub struct Env {
    pub server: Option<Server>,
    /// The server's (first) UDP address.
    pub proxy: SocketAddr,
    pub uac: UdpSocket,
    pub uas: UdpSocket,
    pub uas2: UdpSocket,
    pub log: Arc<Mutex<Vec<String>>>,
}

/// What the script closure sees of the test.
pub struct Env2 {
    pub uas2: u16,
    pub log: Arc<Mutex<Vec<String>>>,
}

impl Env2 {
    pub fn note(&self, s: String) {
        self.log.lock().unwrap().push(s);
    }
}

impl Env {
    /// Start the cfg text `cfg` with `script` standing in for the engine.
    pub fn start(cfg: &str, script: impl Fn(&Env2, Callback<'_>, &mut RouteCtx<'_>) -> i32 + Send + Sync + 'static) -> Env {
        let (uac, uas, uas2) = (sock(), sock(), sock());
        let log = Arc::new(Mutex::new(Vec::new()));
        let env2 = Env2 { uas2: port(&uas2), log: log.clone() };
        let script: Arc<Script> = Arc::new(move |cb, ctx| script(&env2, cb, ctx));
        let server = start_server(cfg, script);
        let proxy = server.local_addrs().iter().find(|(p, _)| *p == Protocol::Udp).expect("a UDP listener").1;
        Env { server: Some(server), proxy, uac, uas, uas2, log }
    }
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
    pub fn local(&self, proto: Protocol) -> SocketAddr {
        self.server.as_ref().unwrap().local_addrs().iter().find(|(p, _)| *p == proto).expect("listener").1
    }
    pub fn shared(&self) -> &Shared {
        self.server.as_ref().unwrap().shared()
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            s.shutdown();
        }
    }
}

/// `KSR.<qualified>(args)`.
pub fn call(ctx: &mut RouteCtx<'_>, name: &str, args: &[Arg<'_>]) -> i64 {
    let e = exports::all().find(|e| e.qualified_name() == name).unwrap_or_else(|| panic!("no export {name}"));
    (e.func)(ctx, args).code()
}

pub fn is(ctx: &RouteCtx<'_>, m: Method) -> bool {
    ctx.msg.method() == Some(&m)
}

pub fn sock() -> UdpSocket {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
    s
}

pub fn port(s: &UdpSocket) -> u16 {
    s.local_addr().unwrap().port()
}

pub fn recv(s: &UdpSocket, within: Duration) -> Option<SipMessage> {
    let deadline = Instant::now() + within;
    let mut buf = vec![0u8; 65535];
    while Instant::now() < deadline {
        if let Ok((n, _)) = s.recv_from(&mut buf) {
            return Some(sip::parse(Bytes::copy_from_slice(&buf[..n])).expect("parsable"));
        }
    }
    None
}

/// Receive until `pred` matches (others are skipped).
pub fn recv_match(s: &UdpSocket, within: Duration, pred: impl Fn(&SipMessage) -> bool) -> Option<SipMessage> {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if let Some(m) = recv(s, deadline - Instant::now()) {
            if pred(&m) {
                return Some(m);
            }
        }
    }
    None
}

pub fn drain(s: &UdpSocket, within: Duration) -> Vec<SipMessage> {
    let mut v = Vec::new();
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if let Some(m) = recv(s, deadline - Instant::now()) {
            v.push(m);
        }
    }
    v
}

/// The usual KEMI proxy prologue: CANCEL, ACK and retransmissions.
/// Returns Some(code) when the request is done.
pub fn prologue(ctx: &mut RouteCtx<'_>) -> Option<i32> {
    if is(ctx, Method::Cancel) {
        if call(ctx, "tm.t_check_trans", &[]) > 0 {
            call(ctx, "tm.t_relay", &[]);
        }
        return Some(1);
    }
    if is(ctx, Method::Ack) {
        call(ctx, "tm.t_check_trans", &[]);
        call(ctx, "tm.t_relay", &[]);
        return Some(1);
    }
    if call(ctx, "tm.t_check_trans", &[]) == 0 {
        return Some(0);
    }
    None
}

/// A proxy with tm, sl and rr on `listen`, routed by `script`.
pub fn start_with(
    listen: &str,
    script: impl Fn(&Env2, Callback<'_>, &mut RouteCtx<'_>) -> i32 + Send + Sync + 'static,
) -> Env {
    Env::start(
        &format!(
            "{listen}children=2\nloadmodule \"tm.so\"\nloadmodule \"sl.so\"\nloadmodule \"rr.so\"\n{TM_PARAMS}request_route {{\n}}\n"
        ),
        script,
    )
}

/// The same on UDP 127.0.0.1, a port the OS picks.
pub fn start(script: impl Fn(&Env2, Callback<'_>, &mut RouteCtx<'_>) -> i32 + Send + Sync + 'static) -> Env {
    start_with("listen=udp:127.0.0.1:0\n", script)
}

/// A request from the UAC socket `uac`, with `extra` header lines.
pub fn request(method: &str, ruri: &str, uac: &UdpSocket, id: &str, cseq: u32, extra: &str) -> String {
    format!(
        "{method} {ruri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{p};branch=z9hG4bK{id}\r\nMax-Forwards: 70\r\n\
         From: <sip:alice@127.0.0.1>;tag=a{id}\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: {id}@test\r\n\
         CSeq: {cseq} {method}\r\nContact: <sip:alice@127.0.0.1:{p}>\r\n{extra}Content-Length: 0\r\n\r\n",
        p = port(uac)
    )
}

pub fn send(s: &UdpSocket, to: SocketAddr, text: impl AsRef<[u8]>) {
    s.send_to(text.as_ref(), to).unwrap();
}

/// A UAS reply to `req`, sent back to the proxy.
pub fn answer(uas: &UdpSocket, proxy: SocketAddr, req: &SipMessage, code: u16, reason: &str, tag: &str) {
    let opts = sip::ReplyOptions { to_tag: Some(tag.into()), ..Default::default() };
    send(uas, proxy, sip::build_reply(req, code, reason, &opts));
}

pub fn code(m: &SipMessage) -> u16 {
    m.status().unwrap_or(0)
}

pub fn cseq_method(m: &SipMessage) -> Method {
    m.cseq().unwrap().unwrap().method
}

pub fn is_method(m: &SipMessage, x: Method) -> bool {
    m.method() == Some(&x)
}

/// Bob at `port` on 127.0.0.1.
pub fn uri(port: u16) -> String {
    format!("sip:bob@127.0.0.1:{port}")
}
