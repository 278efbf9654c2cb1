//! The jsonrpcs control interface on the running server: JSON-RPC over
//! the Unix datagram socket (listMethods, core.version, ul.dump after a
//! REGISTER, parse error, unknown method), app_perl's reset_cycles
//! commands on a cfg loading app_perl, app_python.reload on a Python
//! KEMI cfg, the FIFO transport, the UDP and TCP transports, and tm.stats
//! following transactions out of the table on their timers.

mod support;

use std::io::Write;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};
use support::ua::{Proto, Ua};
use support::*;

const T: Duration = Duration::from_secs(5);

/// What every cfg here starts with: jsonrpcs on `DIR/rpc.sock`.
const HEAD: &str = r#"#!KAMAILIO
listen=udp:127.0.0.1:0
children=1
debug=2
loadmodule "sl.so"
loadmodule "jsonrpcs.so"
modparam("jsonrpcs", "dgram_socket", "DIR/rpc.sock")
"#;

/// [`HEAD`] and `cfg` (with `DIR` replaced by `dir`) written to `dir` and
/// run.
fn run_in(dir: &TempDir, cfg: &str) -> Switchboard {
    let path = dir.path().join("kamailio.cfg");
    let text = format!("{HEAD}{cfg}").replace("DIR", &dir.path().display().to_string());
    std::fs::write(&path, text).unwrap();
    Switchboard::run(&path, &[])
}

/// A datagram client bound to its own path (the server answers there).
struct RpcClient {
    sock: UnixDatagram,
    server: PathBuf,
    next_id: u64,
}

impl RpcClient {
    fn new(dir: &Path, server: &Path) -> RpcClient {
        let sock = UnixDatagram::bind(dir.join("client.sock")).unwrap();
        sock.set_read_timeout(Some(T)).unwrap();
        RpcClient { sock, server: server.to_path_buf(), next_id: 1 }
    }

    fn raw(&self, req: &[u8]) -> Value {
        self.sock.send_to(req, &self.server).unwrap();
        let mut buf = vec![0u8; 65536];
        let n = self.sock.recv(&mut buf).expect("a response datagram");
        serde_json::from_slice(&buf[..n]).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&buf[..n])))
    }

    /// Call `method`; the whole response (checked for the id echo).
    fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let r = self.raw(json!({"jsonrpc": "2.0", "method": method, "params": params, "id": id}).to_string().as_bytes());
        assert_eq!(r["id"], id, "{r}");
        r
    }

    fn result(&mut self, method: &str, params: Value) -> Value {
        let r = self.call(method, params);
        assert!(r.get("error").is_none(), "{method}: {r}");
        r["result"].clone()
    }
}

const REGISTRAR_CFG: &str = r#"
loadmodule "tm.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
modparam("jsonrpcs", "fifo_name", "DIR/rpc.fifo")
modparam("jsonrpcs", "fifo_reply_dir", "DIR")

request_route {
	if ($rm == "REGISTER") {
		save("location");
		exit;
	}
	sl_send_reply("404", "Not here");
}
"#;

#[test]
fn datagram_rpc_lists_methods_dumps_location_and_reports_errors() {
    let dir = TempDir::new();
    let sb = run_in(&dir, REGISTRAR_CFG);
    let mut rpc = RpcClient::new(dir.path(), &dir.path().join("rpc.sock"));

    let methods = rpc.result("system.listMethods", json!([]));
    let methods: Vec<&str> = methods.as_array().unwrap().iter().filter_map(Value::as_str).collect();
    for m in ["system.listMethods", "core.version", "core.uptime", "core.ps", "tm.stats", "ul.dump", "ul.lookup"] {
        assert!(methods.contains(&m), "{m} missing from {methods:?}");
    }
    assert!(!methods.contains(&"app_perl.get_reset_cycles"), "no app_perl in this cfg: {methods:?}");
    let version = rpc.result("core.version", json!([]));
    assert!(version.as_str().unwrap().starts_with("switchboard "), "{version}");
    assert!(rpc.result("tm.stats", json!([]))["current"].is_u64());

    let mut alice = Ua::new("alice", Proto::Udp, sb.udp.unwrap());
    alice.register(300);
    let dump = rpc.result("ul.dump", json!([]));
    let domain = &dump["Domains"][0]["Domain"];
    assert_eq!(domain["Domain"], "location", "{dump}");
    let aor = &domain["AoRs"][0]["Info"];
    assert_eq!(aor["AoR"], "alice", "{dump}");
    let contact = &aor["Contacts"][0]["Contact"];
    assert_eq!(contact["Address"], alice.contact().trim_matches(['<', '>']), "{dump}");
    let expires = contact["Expires"].as_u64().unwrap();
    assert!((290..=300).contains(&expires), "{dump}");
    let found = rpc.result("ul.lookup", json!(["location", "alice"]));
    assert_eq!(found["Contacts"][0]["Contact"]["Address"], contact["Address"]);
    assert_eq!(rpc.call("ul.lookup", json!(["location", "bob"]))["error"]["code"], 404);

    let r = rpc.raw(b"{\"jsonrpc\": \"2.0\", \"method\": ");
    assert_eq!(r["error"]["code"], -32700, "{r}");
    assert_eq!(r["id"], Value::Null);
    assert_eq!(rpc.call("no.such.method", json!([]))["error"]["code"], -32601);
    assert_eq!(rpc.call("ul.lookup", json!(["location"]))["error"]["code"], -32602);
    // Still serving after the bad requests.
    assert!(rpc.result("core.uptime", json!([]))["uptime"].is_i64());
}

#[test]
fn fifo_rpc_answers_in_the_named_reply_fifo() {
    let dir = TempDir::new();
    let _sb = run_in(&dir, REGISTRAR_CFG);
    for (n, request) in [
        (1, ":reply1.fifo:\n{\"jsonrpc\": \"2.0\", \"method\": \"core.version\", \"id\": 1}\n".to_string()),
        (2, "{\"jsonrpc\": \"2.0\", \"method\": \"core.version\", \"id\": 2, \"reply_name\": \"reply2.fifo\"}\n".to_string()),
    ] {
        let reply = dir.path().join(format!("reply{n}.fifo"));
        let ok = std::process::Command::new("mkfifo").arg(&reply).status().unwrap();
        assert!(ok.success());
        std::fs::OpenOptions::new()
            .write(true)
            .open(dir.path().join("rpc.fifo"))
            .unwrap()
            .write_all(request.as_bytes())
            .unwrap();
        // Opening the reply FIFO blocks until the server writes: in a
        // thread, so a missing reply fails the test instead of hanging it.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(std::fs::read_to_string(&reply));
        });
        let text = rx.recv_timeout(T).expect("a reply in the reply FIFO").unwrap();
        let r: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(r["id"], n, "{text}");
        assert!(r["result"].as_str().unwrap().starts_with("switchboard "), "{text}");
    }
}

const PERL_CFG: &str = r#"
loadmodule "app_perl.so"
modparam("app_perl", "filename", "DIR/tiny.pl")
modparam("app_perl", "reset_cycles", 7)

request_route {
	perl_exec("answer");
}
"#;

#[test]
fn app_perl_reset_cycles_through_rpc() {
    let dir = TempDir::new();
    std::fs::write(
        dir.path().join("tiny.pl"),
        "use Kamailio;\nsub answer { my $m = shift; $m->sl_send_reply(200, 'Perl'); return 1; }\n1;\n",
    )
    .unwrap();
    let sb = run_in(&dir, PERL_CFG);
    let mut rpc = RpcClient::new(dir.path(), &dir.path().join("rpc.sock"));
    let methods = rpc.result("system.listMethods", json!([]));
    assert!(methods.as_array().unwrap().contains(&json!("app_perl.set_reset_cycles")), "{methods}");
    assert_eq!(rpc.result("app_perl.get_reset_cycles", json!([])), 7);
    assert_eq!(rpc.result("app_perl.set_reset_cycles", json!([20000])), Value::Null);
    assert_eq!(rpc.result("app_perl.get_reset_cycles", json!([])), 20000);
    // kamcmd-style clients send the number as a string.
    rpc.result("app_perl.set_reset_cycles", json!(["3"]));
    assert_eq!(rpc.result("app_perl.get_reset_cycles", json!([])), 3);
    assert_eq!(rpc.call("app_perl.set_reset_cycles", json!(["many"]))["error"]["code"], -32602);
    assert_eq!(rpc.call("app_perl.set_reset_cycles", json!([]))["error"]["code"], -32602);
    // The script still answers.
    let peer = UdpPeer::new();
    peer.send(sb.udp.unwrap(), options("UDP", peer.port(), "perl1").as_bytes());
    assert_eq!(status(&peer.recv(T).expect("a reply")), 200);
}

const PYTHON_CFG: &str = r#"
loadmodule "app_python3.so"
modparam("app_python3", "load", "DIR/handler.py")
cfgengine "python"
"#;

fn python_script(reason: &str) -> String {
    format!(
        "import KSR\nREASON = \"{reason}\"\n\ndef mod_init():\n    return kamailio()\n\n\
         class kamailio:\n    def ksr_request_route(self, msg):\n        KSR.sl.sl_send_reply(200, REASON)\n        return 1\n"
    )
}

#[test]
fn app_python_reload_through_rpc() {
    let dir = TempDir::new();
    let script = dir.path().join("handler.py");
    std::fs::write(&script, python_script("first")).unwrap();
    let sb = run_in(&dir, PYTHON_CFG);
    let mut rpc = RpcClient::new(dir.path(), &dir.path().join("rpc.sock"));
    let peer = UdpPeer::new();
    let ask = |branch: &str| {
        peer.send(sb.udp.unwrap(), options("UDP", peer.port(), branch).as_bytes());
        peer.recv(T).expect("a reply").lines().next().unwrap().to_string()
    };
    assert_eq!(ask("py1"), "SIP/2.0 200 first");
    std::fs::write(&script, python_script("second")).unwrap();
    assert_eq!(ask("py2"), "SIP/2.0 200 first", "no reload without the RPC");
    assert_eq!(rpc.result("app_python.reload", json!([])), Value::Null);
    assert_eq!(ask("py3"), "SIP/2.0 200 second");
}

/// `id` output for `args` (the test's view of the user database).
fn id_of(args: &[&str]) -> String {
    let out = std::process::Command::new("id").args(args).output().unwrap();
    assert!(out.status.success(), "id {args:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// fifo_user / fifo_group / dgram_user / dgram_group: the FIFO and the
/// socket belong to them (names or numbers); an unknown name stops the
/// start. As root (CI) the owner is another user (`daemon`); otherwise
/// the test's own user, by name and by number.
#[test]
fn fifo_and_socket_owners_from_modparams() {
    use std::os::unix::fs::MetadataExt;
    let me = id_of(&["-u"]);
    let user = if me == "0" { "daemon".to_string() } else { id_of(&["-un"]) };
    let (uid, gid): (u32, u32) = (id_of(&["-u", &user]).parse().unwrap(), id_of(&["-g", &user]).parse().unwrap());
    let group = id_of(&["-gn", &user]);
    let dir = TempDir::new();
    let cfg = format!(
        "modparam(\"jsonrpcs\", \"fifo_name\", \"DIR/rpc.fifo\")\n\
         modparam(\"jsonrpcs\", \"fifo_user\", \"{user}\")\n\
         modparam(\"jsonrpcs\", \"fifo_group\", \"{group}\")\n\
         modparam(\"jsonrpcs\", \"dgram_user\", {uid})\n\
         modparam(\"jsonrpcs\", \"dgram_group\", {gid})\n\
         request_route {{\n  sl_send_reply(\"404\", \"x\");\n}}\n"
    );
    let _sb = run_in(&dir, &cfg);
    for f in ["rpc.fifo", "rpc.sock"] {
        let m = std::fs::metadata(dir.path().join(f)).unwrap();
        assert_eq!((m.uid(), m.gid()), (uid, gid), "{f}");
    }

    let bad = TempDir::new();
    let path = bad.path().join("kamailio.cfg");
    let text = format!("{HEAD}modparam(\"jsonrpcs\", \"fifo_user\", \"no-such-user-here\")\nrequest_route {{\n  exit;\n}}\n")
        .replace("DIR", &bad.path().display().to_string());
    std::fs::write(&path, text).unwrap();
    let (code, err) = run_to_exit(&[], &path, T);
    assert_ne!(code, Some(0), "{err}");
    assert!(err.contains("no user named \"no-such-user-here\""), "{err}");
}

/// The address after `on PROTO:` in the transport's start log line.
fn logged_addr(sb: &mut Switchboard, proto: &str) -> std::net::SocketAddr {
    let line = sb.wait_log(&format!("transport on {proto}:"), T);
    let at = line.find(&format!("on {proto}:")).unwrap() + proto.len() + 4;
    line[at..].split_whitespace().next().unwrap().parse().unwrap_or_else(|e| panic!("{e}: {line}"))
}

/// `dgram_socket "udp:IP:PORT"` and `tcp_socket "tcp:IP:PORT"`: JSON-RPC
/// over a UDP socket (response to the sender) and over TCP (one request
/// per connection, the response, then the server closes).
#[test]
fn udp_and_tcp_transports() {
    use std::io::Read;
    use std::net::{TcpStream, UdpSocket};
    let dir = TempDir::new();
    let path = dir.path().join("kamailio.cfg");
    std::fs::write(
        &path,
        "#!KAMAILIO\nlisten=udp:127.0.0.1:0\nchildren=1\ndebug=2\nloadmodule \"sl.so\"\nloadmodule \"jsonrpcs.so\"\n\
         modparam(\"jsonrpcs\", \"dgram_socket\", \"udp:127.0.0.1:0\")\n\
         modparam(\"jsonrpcs\", \"tcp_socket\", \"tcp:127.0.0.1:0\")\n\
         modparam(\"jsonrpcs\", \"pretty_format\", 0)\n\
         request_route {\n  sl_send_reply(\"404\", \"x\");\n}\n",
    )
    .unwrap();
    let mut sb = Switchboard::run(&path, &[]);
    let udp_addr = logged_addr(&mut sb, "udp");
    let tcp_addr = logged_addr(&mut sb, "tcp");

    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    udp.set_read_timeout(Some(T)).unwrap();
    udp.send_to(br#"{"jsonrpc":"2.0","method":"core.version","id":7}"#, udp_addr).unwrap();
    let mut buf = vec![0u8; 65536];
    let (n, from) = udp.recv_from(&mut buf).expect("a UDP response");
    assert_eq!(from, udp_addr);
    let r: Value = serde_json::from_slice(&buf[..n]).unwrap();
    assert_eq!(r["id"], 7, "{r}");
    assert!(r["result"].as_str().unwrap().starts_with("switchboard "), "{r}");

    let tcp = |req: &[u8], close_write: bool| -> String {
        let mut s = TcpStream::connect(tcp_addr).unwrap();
        s.set_read_timeout(Some(T)).unwrap();
        s.write_all(req).unwrap();
        if close_write {
            s.shutdown(std::net::Shutdown::Write).unwrap();
        }
        let mut out = String::new();
        s.read_to_string(&mut out).expect("the server closes after its response");
        out
    };
    // the client keeps its side open (as `nc` without -N): the server
    // answers the one request and closes
    let out = tcp(b"{\"jsonrpc\":\"2.0\",\"method\":\"tm.stats\",\"id\":\"a\"}\n", false);
    assert!(out.ends_with('\n'), "{out:?}");
    let r: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["id"], "a", "{r}");
    assert!(r["result"]["current"].is_u64(), "{r}");
    // a request split over two writes
    let mut s = TcpStream::connect(tcp_addr).unwrap();
    s.set_read_timeout(Some(T)).unwrap();
    s.write_all(br#"{"jsonrpc":"2.0","met"#).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    s.write_all(br#"hod":"core.uptime","id":2}"#).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&out).unwrap()["id"], 2, "{out}");
    // bad JSON: a parse error; an incomplete request: a parse error at EOF
    let r: Value = serde_json::from_str(&tcp(b"{nonsense", false)).unwrap();
    assert_eq!(r["error"]["code"], -32700, "{r}");
    let r: Value = serde_json::from_str(&tcp(br#"{"jsonrpc":"2.0""#, true)).unwrap();
    assert_eq!(r["error"]["code"], -32700, "{r}");
    // nothing complete within dgram_timeout (2 s): a parse error, closed
    let mut s = TcpStream::connect(tcp_addr).unwrap();
    s.set_read_timeout(Some(T)).unwrap();
    s.write_all(br#"{"jsonrpc":"2.0""#).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let r: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["error"]["code"], -32700, "{r}");
    assert!(r["error"]["message"].as_str().unwrap().contains("in time"), "{r}");
    // a notification: no response, the connection closed
    assert_eq!(tcp(br#"{"jsonrpc":"2.0","method":"core.version"}"#, false), "");
    assert!(sb.is_running());
}

/// Transactions leave the table on the tm timers: `wt_timer` after a
/// final reply, and after `fr_timer` (a 408) when the next hop never
/// answers — seen through `tm.stats` (the timing wheel and its lookup of
/// transactions by id at work).
#[test]
fn transactions_are_removed_by_their_timers() {
    let dir = TempDir::new();
    let sb = run_in(
        &dir,
        r#"
loadmodule "tm.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
modparam("tm", "wt_timer", 300)
modparam("tm", "fr_timer", 500)
request_route {
	if ($rm == "REGISTER") {
		save("location");
		exit;
	}
	if (!lookup("location")) {
		sl_send_reply("404", "Not here");
		exit;
	}
	t_relay();
}
"#,
    );
    let mut rpc = RpcClient::new(dir.path(), &dir.path().join("rpc.sock"));
    let current = |rpc: &mut RpcClient| rpc.result("tm.stats", json!([]))["current"].as_u64().unwrap();
    // the end of the wait time is rounded up to 100 ms and a loaded machine
    // runs the timer thread late: wait for the removal, up to a bound
    let drained = |rpc: &mut RpcClient| {
        let give_up = std::time::Instant::now() + Duration::from_secs(5);
        while current(rpc) != 0 && std::time::Instant::now() < give_up {
            std::thread::sleep(Duration::from_millis(50));
        }
        current(rpc) == 0
    };
    let proxy = sb.udp.unwrap();
    let mut alice = Ua::new("alice", Proto::Udp, proxy);
    let mut bob = Ua::new("bob", Proto::Udp, proxy);
    bob.register(300);
    assert_eq!(current(&mut rpc), 0);

    // answered: kept for wt_timer, then gone
    alice.request("OPTIONS", "sip:bob@127.0.0.1", "");
    let req = bob.expect_request("OPTIONS", T);
    bob.reply(&req, 200, "OK");
    alice.expect_reply(200, "OPTIONS", T);
    assert_eq!(current(&mut rpc), 1, "kept for the wait time");
    assert!(drained(&mut rpc), "removed after wt_timer");

    // never answered: 408 after fr_timer, then gone
    alice.request("OPTIONS", "sip:bob@127.0.0.1", "");
    bob.expect_request("OPTIONS", T);
    let started = std::time::Instant::now();
    alice.expect_reply(408, "OPTIONS", Duration::from_secs(3));
    assert!(started.elapsed() >= Duration::from_millis(400), "408 after fr_timer, not before");
    assert!(drained(&mut rpc), "removed after the timeout and wt_timer");
}

/// A relayed INVITE over UDP is retransmitted (timer A, from T1) until
/// the first provisional reply, and not after; once the call is answered
/// and the wait time is over, neither the transaction nor any of its
/// timers (fr_inv_timer, re-armed by every provisional, is 30 s here) is
/// left on the timer wheel — `tm.stats` shows both.
#[test]
fn an_answered_invite_leaves_no_timer_behind() {
    let dir = TempDir::new();
    let sb = run_in(
        &dir,
        r#"
loadmodule "tm.so"
modparam("tm", "retr_timer1", 100)
modparam("tm", "wt_timer", 300)
request_route {
	t_relay();
}
"#,
    );
    let mut rpc = RpcClient::new(dir.path(), &dir.path().join("rpc.sock"));
    let stats = |rpc: &mut RpcClient| {
        let s = rpc.result("tm.stats", json!([]));
        (s["current"].as_u64().unwrap(), s["timers"].as_u64().unwrap())
    };
    assert_eq!(stats(&mut rpc), (0, 0));
    let proxy = sb.udp.unwrap();
    let mut alice = Ua::new("alice", Proto::Udp, proxy);
    let mut bob = Ua::new("bob", Proto::Udp, proxy);
    // the R-URI straight at Bob (the Ua writes sip:callee@domain)
    alice.domain = format!("127.0.0.1:{}", bob.port);
    alice.invite("bob", "no-timer-left");
    let first = bob.expect_request("INVITE", T);
    let mut copies = 1;
    while bob.wait(Duration::from_millis(450), |m| m.method() == "INVITE").is_some() {
        copies += 1;
        if copies == 3 {
            break;
        }
    }
    assert_eq!(copies, 3, "timer A: retransmitted at T1 = 100 ms, then 200 ms later");
    bob.reply(&first, 180, "Ringing");
    alice.expect_reply(180, "INVITE", T);
    assert!(bob.nothing(Duration::from_millis(700), |m| m.method() == "INVITE"), "no retransmission after the 180");
    bob.reply(&first, 200, "OK");
    alice.expect_reply(200, "INVITE", T);
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(stats(&mut rpc), (0, 0), "transaction removed after wt_timer, and no timer of it left");
}
