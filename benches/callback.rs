//! Cost of one routing callback through the Lua engine and through the
//! native engine: build the routing context over a parsed INVITE, run the
//! request route, which makes the calls a typical script makes (the same
//! seven in both languages), and ends with exit.

use std::hint::black_box;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion};
use switchboard_core::cfg::{self, LoadOptions};
use switchboard_core::engine::{Callback, EngineFactory};
use switchboard_core::myself::Myself;
use switchboard_core::route::{RouteCtx, RouteType, Shared, Vars};
use switchboard_core::sip;
use switchboard_core::transport::{Protocol, ReceiveInfo};
use switchboard_lua::LuaFactory;
use switchboard_native::NativeFactory;

const INVITE: &str = "INVITE sip:bob@example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds;rport\r\n\
Max-Forwards: 70\r\n\
To: Bob <sip:bob@example.com>\r\n\
From: Alice <sip:alice@example.org>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710@pc33.example.org\r\n\
CSeq: 314159 INVITE\r\n\
Contact: <sip:alice@192.0.2.1>\r\n\
Content-Length: 0\r\n\r\n";

const SCRIPT: &str = r#"
function ksr_request_route()
  if KSR.maxfwd.process_maxfwd(10) < 0 then KSR.x.exit() end
  if KSR.is_CANCEL() then return 1 end
  if KSR.siputils.has_totag() > 0 then return 1 end
  if KSR.is_INVITE() then KSR.setflag(1) end
  local u = KSR.pv.get("$rU")
  if u == "bob" then KSR.pv.sets("$du", "sip:127.0.0.1:5090") end
  KSR.x.exit()
end
function noop() return 1 end
"#;

const NATIVE: &str = r#"
loadmodule "maxfwd.so"
loadmodule "siputils.so"
loadmodule "pv.so"
request_route {
  if (!mf_process_maxfwd_header("10")) { exit; }
  if (is_method("CANCEL")) { return 1; }
  if (has_totag()) { return 1; }
  if (is_method("INVITE")) { setflag(1); }
  if ($rU == "bob") { $du = "sip:127.0.0.1:5090"; }
  exit;
}
route[noop] { return 1; }
"#;

fn load(dir: &std::path::Path, cfg: &str) -> cfg::Config {
    std::fs::write(dir.join("k.cfg"), format!("listen=udp:127.0.0.1:0\n{cfg}")).unwrap();
    cfg::load(&dir.join("k.cfg"), &LoadOptions::default()).unwrap()
}

/// The two measurements on one engine: an empty callback, and the
/// request route.
fn group(c: &mut Criterion, name: &str, factory: &dyn EngineFactory) {
    let engine = factory.create(1).unwrap();
    let shared = Shared::bare(Myself::default());
    let info = ReceiveInfo {
        proto: Protocol::Udp,
        src: "192.0.2.1:5060".parse().unwrap(),
        local: "127.0.0.1:5060".parse().unwrap(),
        conn_id: None,
    };
    let invite = Bytes::from_static(INVITE.as_bytes());
    let mut vars = Vars::new();
    let mut g = c.benchmark_group(name);
    g.bench_function("empty_callback", |b| {
        b.iter(|| {
            let msg = sip::parse(invite.clone()).unwrap();
            let mut ctx = RouteCtx::new(&shared, RouteType::Request, msg, info.clone(), &mut vars);
            black_box(engine.run(Callback::Named("noop"), &mut ctx).unwrap())
        })
    });
    g.bench_function("request_route_7_calls", |b| {
        b.iter(|| {
            let msg = sip::parse(invite.clone()).unwrap();
            let mut ctx = RouteCtx::new(&shared, RouteType::Request, msg, info.clone(), &mut vars);
            black_box(engine.run(Callback::Request, &mut ctx).unwrap())
        })
    });
    g.finish();
}

fn bench(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("sb-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("s.lua"), SCRIPT).unwrap();
    let lua = load(
        &dir,
        "loadmodule \"maxfwd.so\"\nloadmodule \"siputils.so\"\nloadmodule \"pv.so\"\n\
         loadmodule \"app_lua.so\"\nmodparam(\"app_lua\", \"load\", \"s.lua\")\ncfgengine \"lua\"\n",
    );
    group(c, "lua", &LuaFactory::from_config(&lua).unwrap());
    let native = load(&dir, NATIVE);
    group(c, "native", &NativeFactory::from_config(&native).unwrap());
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
