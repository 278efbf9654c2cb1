//! End to end with `cfgengine "lua"`: the real binary runs small KEMI Lua
//! scripts (core functions only), over real sockets. Outcomes are observed
//! through the log (`KSR.info`) and the 500 the server sends after a
//! script error.

mod support;

use std::path::PathBuf;
use std::time::Duration;
use support::*;

const T: Duration = Duration::from_secs(3);

/// A cfg + script in a temporary directory.
struct LuaSetup {
    dir: TempDir,
}

impl LuaSetup {
    fn new(script: &str) -> LuaSetup {
        LuaSetup::with_children(script, 2)
    }

    fn with_children(script: &str, children: u32) -> LuaSetup {
        let dir = TempDir::new();
        std::fs::write(dir.path().join("script.lua"), script).unwrap();
        std::fs::write(
            dir.path().join("kamailio.cfg"),
            format!(
                "#!KAMAILIO\n\
                 debug=2\n\
                 children={children}\n\
                 listen=udp:127.0.0.1:0\n\
                 listen=tcp:127.0.0.1:0\n\
                 loadmodule \"app_lua.so\"\n\
                 modparam(\"app_lua\", \"load\", \"script.lua\")\n\
                 cfgengine \"lua\"\n"
            ),
        )
        .unwrap();
        LuaSetup { dir }
    }

    fn cfg(&self) -> PathBuf {
        self.dir.path().join("kamailio.cfg")
    }

    fn script(&self) -> String {
        self.dir.path().join("script.lua").display().to_string()
    }

    fn start(&self) -> Switchboard {
        Switchboard::run(&self.cfg(), &[])
    }
}

fn send_options(sb: &Switchboard, peer: &UdpPeer, branch: &str) {
    peer.send(sb.udp.unwrap(), options("UDP", peer.port(), branch).as_bytes());
}

#[test]
fn ksr_info_logs_the_text() {
    let setup = LuaSetup::new(
        "function ksr_request_route()\n  if KSR.is_OPTIONS() then\n    KSR.info(\"lua sees an OPTIONS\\n\")\n  end\nend\n",
    );
    let mut sb = setup.start();
    let logs = sb.logs().join("\n");
    assert!(logs.contains("routing engine: lua"), "{logs}");
    let peer = UdpPeer::new();
    send_options(&sb, &peer, "info1");
    let line = sb.wait_log("lua sees an OPTIONS", T);
    assert!(!line.ends_with("\\n"), "{line}");
    // The script sent nothing: no reply.
    assert!(peer.recv(Duration::from_millis(300)).is_none());
}

#[test]
fn exit_stops_the_callback() {
    let setup = LuaSetup::new(
        "function ksr_request_route()\n  KSR.info('before exit')\n  KSR.x.exit()\n  KSR.info('after exit')\nend\n",
    );
    let mut sb = setup.start();
    let peer = UdpPeer::new();
    send_options(&sb, &peer, "exit1");
    sb.wait_log("before exit", T);
    send_options(&sb, &peer, "exit2");
    wait_count(&sb, "before exit", 2);
    std::thread::sleep(Duration::from_millis(200));
    let logs = sb.logs();
    assert!(!logs.iter().any(|l| l.contains("after exit")), "{logs:#?}");
    assert!(!logs.iter().any(|l| l.contains("ERROR")), "exit is not an error: {logs:#?}");
    // Exit is no error: no 500.
    assert!(peer.recv(Duration::from_millis(200)).is_none());
}

#[test]
fn runtime_error_is_logged_with_file_and_line_and_gets_500() {
    let setup = LuaSetup::new("function ksr_request_route()\n  local t = nil\n  return t.field\nend\n");
    let mut sb = setup.start();
    let peer = UdpPeer::new();
    send_options(&sb, &peer, "err1");
    let reply = peer.recv(T).expect("a 500 after the script error");
    assert_eq!(status(&reply), 500, "{reply}");
    let line = sb.wait_log("request_route failed", T);
    assert!(line.contains(&format!("{}:3:", setup.script())), "{line}");
    assert!(line.contains("attempt to index a nil value"), "{line}");
    // Still serving.
    send_options(&sb, &peer, "err2");
    assert_eq!(status(&peer.recv(T).expect("still answering")), 500);
}

#[test]
fn os_exit_does_not_stop_the_server() {
    let setup = LuaSetup::new(
        "function ksr_request_route()\n  KSR.info('handling')\n  os.exit(0)\nend\n",
    );
    let mut sb = setup.start();
    let peer = UdpPeer::new();
    send_options(&sb, &peer, "osx1");
    assert_eq!(status(&peer.recv(T).expect("500 after os.exit")), 500);
    let line = sb.wait_log("request_route failed", T);
    assert!(line.contains(&format!("{}:3: os.exit() is disabled", setup.script())), "{line}");
    send_options(&sb, &peer, "osx2");
    assert_eq!(status(&peer.recv(T).expect("the next request is still handled")), 500);
    assert!(sb.is_running());
    wait_count(&sb, "handling", 2);
}

#[test]
fn syntax_error_fails_check_with_file_and_line() {
    let setup = LuaSetup::new("function ksr_request_route()\n  if then\nend\n");
    let (code, err) = run_to_exit(&["-c"], &setup.cfg(), T);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains(&format!("{}:2:", setup.script())), "{err}");
    assert!(err.contains("kamailio.cfg"), "{err}");
    // And the same at start.
    let (code, err) = run_to_exit(&[], &setup.cfg(), T);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains(&format!("{}:2:", setup.script())), "{err}");
}

#[test]
fn valid_script_passes_check() {
    let setup = LuaSetup::new("function ksr_request_route() end\n");
    let (code, err) = run_to_exit(&["-c"], &setup.cfg(), T);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("config file ok"), "{err}");
}

#[test]
fn missing_request_route_fails_the_start() {
    let setup = LuaSetup::new("function ksr_reply_route() end\n");
    let (code, err) = run_to_exit(&[], &setup.cfg(), T);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("ksr_request_route"), "{err}");
    assert!(err.contains("script.lua"), "{err}");
}

#[test]
fn ksr_call_at_load_time_is_an_error_not_a_crash() {
    let setup = LuaSetup::new("KSR.setflag(1)\nfunction ksr_request_route() end\n");
    let (code, err) = run_to_exit(&["-c"], &setup.cfg(), T);
    // A clean failure (exit code 1), not a signal.
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("KSR.setflag called outside a route"), "{err}");
    assert!(err.contains(&format!("{}:1:", setup.script())), "{err}");
}

#[test]
fn flags_set_and_tested_within_one_callback() {
    let setup = LuaSetup::new(
        "function ksr_request_route()\n  KSR.setflag(3)\n  KSR.info('flag3=' .. tostring(KSR.isflagset(3)) .. ' flag4=' .. tostring(KSR.isflagset(4)))\n  KSR.resetflag(3)\n  KSR.info('after reset flag3=' .. tostring(KSR.isflagset(3)))\nend\n",
    );
    let mut sb = setup.start();
    let peer = UdpPeer::new();
    send_options(&sb, &peer, "flag1");
    sb.wait_log("flag3=true flag4=false", T);
    sb.wait_log("after reset flag3=false", T);
    // Flags belong to one message: the next one starts clean.
    send_options(&sb, &peer, "flag2");
    wait_count(&sb, "flag3=true flag4=false", 2);
}

/// `count` is a Lua global: it counts per worker thread, since each worker
/// has its own Lua state. UDP and TCP are served by different workers, so
/// at least two states are seen.
#[test]
fn each_worker_has_its_own_lua_state() {
    let setup = LuaSetup::with_children(
        "count = 0\nfunction ksr_request_route()\n  count = count + 1\n  KSR.info('count=' .. count .. ';')\nend\n",
        2,
    );
    let sb = setup.start();
    let peer = UdpPeer::new();
    for i in 0..20 {
        send_options(&sb, &peer, &format!("w{i}"));
    }
    let mut tcp = TcpPeer::connect(sb.tcp.unwrap());
    let port = tcp.port();
    tcp.send(options("TCP", port, "wtcp").as_bytes());
    wait_count(&sb, "count=", 21);
    // thread name -> counts in log order
    let mut per_thread: std::collections::BTreeMap<String, Vec<u32>> = Default::default();
    for l in sb.logs().iter().filter(|l| l.contains("count=")) {
        let thread = l.split_whitespace().nth(2).unwrap().to_string();
        let n: u32 = l.split("count=").nth(1).unwrap().trim_end_matches(';').parse().unwrap();
        per_thread.entry(thread).or_default().push(n);
    }
    assert!(per_thread.len() >= 2, "{per_thread:?}");
    assert!(per_thread.keys().any(|t| t.starts_with("tcp")), "{per_thread:?}");
    for (t, counts) in &per_thread {
        let want: Vec<u32> = (1..=counts.len() as u32).collect();
        assert_eq!(counts, &want, "worker {t} has its own counter: {per_thread:?}");
    }
}

/// The shipped Lua sample passes `-c` (its script loads and defines
/// ksr_request_route) and starts with the Lua engine. Its SIP behaviour
/// needs tm, sl, rr, registrar, ... (tested where those modules live).
#[test]
fn lua_sample_checks_and_starts() {
    let cfg = repo_path("samples/lua/kamailio.cfg");
    let (code, err) = run_to_exit(&["-c"], &cfg, T);
    assert_eq!(code, Some(0), "{err}");
    let sb = Switchboard::run(&cfg, &["-A", "SB_PORT=0"]);
    assert!(sb.logs().iter().any(|l| l.contains("routing engine: lua")), "{:#?}", sb.logs());
    assert!(sb.udp.is_some() && sb.tcp.is_some());
}

/// Engines that do not exist yet stop the start with a clear message.
#[test]
fn unavailable_engine_is_a_startup_error() {
    let dir = TempDir::new();
    let cfg = dir.path().join("kamailio.cfg");
    std::fs::write(&cfg, "#!KAMAILIO\nlisten=udp:127.0.0.1:0\ncfgengine \"ruby\"\n").unwrap();
    let (code, err) = run_to_exit(&["-c"], &cfg, T);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("engine ruby not available yet"), "{err}");
    assert!(err.contains("kamailio.cfg"), "{err}");
    // cfgengine "lua" without app_lua loaded names the cfg.
    std::fs::write(&cfg, "#!KAMAILIO\nlisten=udp:127.0.0.1:0\ncfgengine \"lua\"\n").unwrap();
    let (code, err) = run_to_exit(&[], &cfg, T);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("kamailio.cfg") && err.contains("app_lua"), "{err}");
}

#[test]
fn ksr_log_logs_at_the_named_level() {
    let setup = LuaSetup::new(
        "function ksr_request_route()\n  KSR.log('warn', 'careful ' .. KSR.pv.get('$rm') .. '\\n')\n  KSR.log('dbg', 'not shown at debug=2')\n  KSR.log('L_ERR', 'by its L_ name')\nend\n",
    );
    let mut sb = setup.start();
    let peer = UdpPeer::new();
    send_options(&sb, &peer, "log1");
    let line = sb.wait_log("careful OPTIONS", T);
    assert!(line.contains("WARN"), "{line}");
    let line = sb.wait_log("by its L_ name", T);
    assert!(line.contains("ERROR"), "{line}");
    assert!(!sb.logs().iter().any(|l| l.contains("not shown")), "{:#?}", sb.logs());
}

/// `ksr_onsend_route` runs for a request about to be forwarded, sees the
/// destination, and its drop keeps the request from being sent.
#[test]
fn ksr_onsend_route_sees_the_destination_and_can_drop() {
    let target = UdpPeer::new();
    let setup = LuaSetup::new(&format!(
        "function ksr_request_route()\n  KSR.setdsturi('sip:127.0.0.1:{port}')\n  if KSR.forward() < 0 then KSR.info('forward refused') end\nend\n\
         function ksr_onsend_route()\n  KSR.info('onsend to ' .. KSR.pv.get('$snd(port)') .. ' ' .. KSR.pv.get('$rm'))\n  \
         if KSR.hdr.is_present('X-Drop') > 0 then KSR.x.drop() end\nend\n",
        port = target.port()
    ));
    let mut sb = setup.start();
    let peer = UdpPeer::new();
    send_options(&sb, &peer, "onsend1");
    let fwd = target.recv(T).expect("forwarded");
    assert!(fwd.starts_with("OPTIONS "), "{fwd}");
    sb.wait_log(&format!("onsend to {} OPTIONS", target.port()), T);

    let dropped = options("UDP", peer.port(), "onsend2").replace("Max-Forwards: 70\r\n", "Max-Forwards: 70\r\nX-Drop: yes\r\n");
    peer.send(sb.udp.unwrap(), dropped.as_bytes());
    sb.wait_log("forward refused", T);
    assert!(target.recv(Duration::from_millis(300)).is_none(), "dropped in ksr_onsend_route");
}
