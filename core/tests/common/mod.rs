//! Shared by the core integration tests: a Rust closure stands in for a
//! KEMI script and calls the exports by name, as `KSR.tm.t_relay()` would.
#![allow(dead_code)]

use std::net::UdpSocket;
use std::time::Instant;

use bytes::Bytes;
use switchboard_core::sip::{self, SipMessage};
use std::sync::Arc;
use std::time::Duration;

use switchboard_core::engine::{Callback, Engine, EngineFactory, ScriptError};
use switchboard_core::exports::{self, Arg};
use switchboard_core::route::RouteCtx;
use switchboard_core::sip::Method;

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
