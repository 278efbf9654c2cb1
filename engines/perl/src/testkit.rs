//! Test helpers shared by the unit tests and the integration tests
//! (tests/*.rs): set app_perl up on a script, run perl_exec on a message.
//! Not part of the engine's API.

use std::net::SocketAddr;

use switchboard_core::cfg::{self, LoadOptions};
use switchboard_core::exports::{self, Arg};
use switchboard_core::myself::Myself;
use switchboard_core::route::{RouteCtx, RouteType, Shared, Value, Vars};
use switchboard_core::transport::{Protocol, ReceiveInfo};

/// Write `script` and a cfg loading it (plus `extra` cfg lines, e.g.
/// modparams) to a temporary directory and set app_perl up (once per
/// process). Returns the directory.
pub fn setup_app_perl(script: &str, extra: &str) -> std::path::PathBuf {
    let dir = setup_app_perl_dir();
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("t.pl"), script).unwrap();
    std::fs::write(
        dir.join("k.cfg"),
        format!(
            "loadmodule \"app_perl.so\"\nloadmodule \"textops.so\"\nloadmodule \"sl.so\"\n\
             modparam(\"app_perl\", \"filename\", \"t.pl\")\n{extra}\nrequest_route {{ exit; }}\n"
        ),
    )
    .unwrap();
    let config = cfg::load(&dir.join("k.cfg"), &LoadOptions::default()).unwrap();
    crate::setup(&config).unwrap_or_else(|e| panic!("{e}"));
    dir
}

/// The directory [`setup_app_perl`] writes to (the script is `t.pl`).
pub fn setup_app_perl_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("sb-perl-test-{}", std::process::id()))
}

/// A routing context over `msg` (CRLF text) as route type `rt` (None:
/// request or reply, by the message), handed to `f`; also the `$var`s
/// after `f`.
pub fn with_ctx<T>(msg: &str, rt: Option<RouteType>, f: impl FnOnce(&mut RouteCtx<'_>) -> T) -> (T, Vars) {
    let shared = Shared::bare(Myself::default());
    let info = ReceiveInfo {
        proto: Protocol::Udp,
        src: "192.0.2.7:5099".parse::<SocketAddr>().unwrap(),
        local: "127.0.0.1:5060".parse::<SocketAddr>().unwrap(),
        conn_id: None,
    };
    let m = switchboard_core::sip::parse(bytes::Bytes::from(msg.to_string())).unwrap();
    let rt = rt.unwrap_or(if m.is_request() { RouteType::Request } else { RouteType::Reply });
    let mut vars = Vars::new();
    let out = f(&mut RouteCtx::new(&shared, rt, m, info, &mut vars));
    (out, vars)
}

/// Run the export `native` (perl_exec / perl_exec_simple) with `args` on
/// `msg` (CRLF text); `check` gets the code and the context afterwards.
pub fn exec<T>(native: &str, args: &[&str], msg: &str, check: impl FnOnce(i64, &mut RouteCtx<'_>) -> T) -> T {
    with_ctx(msg, None, |ctx| {
        let e = exports::by_native(native).find(|e| e.params.len() == args.len()).expect("perl_exec export");
        let argv: Vec<Arg<'_>> = args.iter().map(|a| Arg::Str(a)).collect();
        let (ret, _) = exports::invoke(e, ctx, &argv);
        check(ret.code(), ctx)
    })
    .0
}

/// An AVP as text: the scripts under test report through AVPs.
pub fn avp(ctx: &RouteCtx<'_>, name: &str) -> String {
    match ctx.avps.get(name) {
        Some(Value::Str(s)) => s.clone(),
        Some(Value::Int(i)) => i.to_string(),
        _ => "<none>".into(),
    }
}

/// Run `f` with this thread's log events captured; returns `f`'s result
/// and the events as "LEVEL target: message" lines. The capturing
/// subscriber is the process's global one (installed on first use: a
/// per-thread `with_default` loses events when tests run in parallel, as
/// tracing caches each callsite's interest across threads); it keeps only
/// the events of threads inside `capture_log`.
pub fn capture_log<T>(f: impl FnOnce() -> T) -> (T, Vec<String>) {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let _ = tracing::subscriber::set_global_default(Capture);
    });
    CAPTURED.with(|c| *c.borrow_mut() = Some(Vec::new()));
    let out = f();
    let lines = CAPTURED.with(|c| c.borrow_mut().take()).unwrap_or_default();
    (out, lines)
}

thread_local! {
    static CAPTURED: std::cell::RefCell<Option<Vec<String>>> = const { std::cell::RefCell::new(None) };
}

/// A minimal subscriber: keeps each event's level, target and message
/// for the thread's [`capture_log`].
struct Capture;

struct Message(String);

impl tracing::field::Visit for Message {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut m = Message(String::new());
        event.record(&mut m);
        let meta = event.metadata();
        CAPTURED.with(|c| {
            if let Some(v) = c.borrow_mut().as_mut() {
                v.push(format!("{} {}: {}", meta.level(), meta.target(), m.0));
            }
        });
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}
