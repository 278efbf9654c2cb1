//! Cost of one routing callback through the Lua, Python, native and Perl
//! (app_perl: a native block calling perl_exec) engines: build the
//! routing context over a parsed INVITE, run the request route, which
//! makes the calls a typical script makes (the same seven in every
//! language), and ends with exit. `python/ksr_calls_1000` against `python/loop_1000`
//! gives the cost of one KSR call from Python.

use std::hint::black_box;
use std::sync::Arc;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion};
use switchboard_core::cfg::{self, LoadOptions};
use switchboard_core::engine::{Callback, Engine, EngineFactory};
use switchboard_core::myself::Myself;
use switchboard_core::route::{RouteCtx, RouteType, Shared, Vars};
use switchboard_core::sip;
use switchboard_core::transport::{Protocol, ReceiveInfo};
use switchboard_lua::LuaFactory;
use switchboard_native::NativeFactory;
use switchboard_python::PythonFactory;

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

const PY_SCRIPT: &str = r#"
import KSR

def mod_init():
    return H()

class H:
    def ksr_request_route(self, msg):
        if KSR.maxfwd.process_maxfwd(10) < 0:
            KSR.x.exit()
        if KSR.is_CANCEL():
            return 1
        if KSR.siputils.has_totag() > 0:
            return 1
        if KSR.is_INVITE():
            KSR.setflag(1)
        u = KSR.pv.get("$rU")
        if u == "bob":
            KSR.pv.sets("$du", "sip:127.0.0.1:5090")
        KSR.x.exit()

    def noop(self, msg):
        return 1

    def loop_1000(self, msg):
        for _ in range(1000):
            pass
        return 1

    def ksr_calls_1000(self, msg):
        f = KSR.isflagset
        for _ in range(1000):
            f(1)
        return 1
"#;

const NATIVE: &str = r#"
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

const PERL_CFG: &str = r#"
loadmodule "app_perl.so"
modparam("app_perl", "filename", "s.pl")
request_route { perl_exec("route"); exit; }
route[noop] { perl_exec("noop"); }
"#;

const PERL_SCRIPT: &str = r#"
sub noop { return 1; }
sub route {
    my $m = shift;
    return -1 if $m->mf_process_maxfwd_header("10") < 0;
    my $method = $m->getMethod();
    return 1 if $method eq "CANCEL";
    return 1 if $m->has_totag() > 0;
    $m->setFlag(1) if $method eq "INVITE";
    $m->setdsturi("sip:127.0.0.1:5090") if $m->pseudoVar('$rU') eq "bob";
    return 1;
}
"#;

const MODULES: &str = "listen=udp:127.0.0.1:0\nloadmodule \"maxfwd.so\"\nloadmodule \"siputils.so\"\nloadmodule \"pv.so\"\n";

/// Run `cb` of `engine` on a fresh context over the INVITE, in a loop.
fn bench_callback(g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>, name: &str, engine: &dyn Engine, cb: Callback<'_>) {
    let shared = Shared::bare(Myself::default());
    let info = ReceiveInfo {
        proto: Protocol::Udp,
        src: "192.0.2.1:5060".parse().unwrap(),
        local: "127.0.0.1:5060".parse().unwrap(),
        conn_id: None,
    };
    let invite = Bytes::from_static(INVITE.as_bytes());
    let mut vars = Vars::new();
    g.bench_function(name, |b| {
        b.iter(|| {
            let msg = sip::parse(invite.clone()).unwrap();
            let mut ctx = RouteCtx::new(&shared, RouteType::Request, msg, info.clone(), &mut vars);
            black_box(engine.run(cb, &mut ctx).unwrap())
        })
    });
}

fn bench(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("sb-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("s.lua"), SCRIPT).unwrap();
    std::fs::write(dir.join("s.py"), PY_SCRIPT).unwrap();
    std::fs::write(
        dir.join("k.cfg"),
        format!("{MODULES}loadmodule \"app_lua.so\"\nmodparam(\"app_lua\", \"load\", \"s.lua\")\ncfgengine \"lua\"\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("p.cfg"),
        format!("{MODULES}loadmodule \"app_python3.so\"\nmodparam(\"app_python3\", \"load\", \"s.py\")\ncfgengine \"python\"\n"),
    )
    .unwrap();

    let config = cfg::load(&dir.join("k.cfg"), &LoadOptions::default()).unwrap();
    let factory = Arc::new(LuaFactory::from_config(&config).unwrap());
    let engine = factory.create(1).unwrap();
    let mut g = c.benchmark_group("lua");
    bench_callback(&mut g, "empty_callback", &*engine, Callback::Named("noop"));
    bench_callback(&mut g, "request_route_7_ksr_calls", &*engine, Callback::Request);
    g.finish();

    std::fs::write(dir.join("n.cfg"), format!("{MODULES}{NATIVE}")).unwrap();
    let config = cfg::load(&dir.join("n.cfg"), &LoadOptions::default()).unwrap();
    let engine = NativeFactory::from_config(&config).unwrap().create(1).unwrap();
    let mut g = c.benchmark_group("native");
    bench_callback(&mut g, "empty_callback", &*engine, Callback::Named("noop"));
    bench_callback(&mut g, "request_route_7_calls", &*engine, Callback::Request);
    g.finish();

    std::fs::write(dir.join("s.pl"), PERL_SCRIPT).unwrap();
    std::fs::write(dir.join("perl.cfg"), format!("{MODULES}{PERL_CFG}")).unwrap();
    let config = cfg::load(&dir.join("perl.cfg"), &LoadOptions::default()).unwrap();
    switchboard_perl::setup(&config).unwrap();
    let engine = NativeFactory::from_config(&config).unwrap().create(1).unwrap();
    let mut g = c.benchmark_group("perl");
    bench_callback(&mut g, "empty_perl_exec", &*engine, Callback::Named("noop"));
    bench_callback(&mut g, "perl_exec_7_calls", &*engine, Callback::Request);
    g.finish();

    let config = cfg::load(&dir.join("p.cfg"), &LoadOptions::default()).unwrap();
    let factory = Arc::new(PythonFactory::from_config(&config).unwrap());
    let engine = factory.create(1).unwrap();
    let mut g = c.benchmark_group("python");
    bench_callback(&mut g, "empty_callback", &*engine, Callback::Named("noop"));
    bench_callback(&mut g, "request_route_7_ksr_calls", &*engine, Callback::Request);
    bench_callback(&mut g, "loop_1000", &*engine, Callback::Named("loop_1000"));
    bench_callback(&mut g, "ksr_calls_1000", &*engine, Callback::Named("ksr_calls_1000"));
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
