//! End to end with `cfgengine "python"`: the real binary, its embedded
//! CPython, small app_python3 scripts, real sockets. Outcomes are observed
//! through the log (`KSR.info`) and the replies.

mod support;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;
use support::*;

const T: Duration = Duration::from_secs(5);

/// A cfg + script in a temporary directory.
struct PySetup {
    dir: TempDir,
}

impl PySetup {
    fn new(script: &str) -> PySetup {
        let dir = TempDir::new();
        std::fs::write(dir.path().join("handler.py"), script).unwrap();
        std::fs::write(
            dir.path().join("kamailio.cfg"),
            "#!KAMAILIO\n\
             debug=2\n\
             children=2\n\
             listen=udp:127.0.0.1:0\n\
             listen=tcp:127.0.0.1:0\n\
             loadmodule \"sl.so\"\n\
             loadmodule \"app_python3.so\"\n\
             modparam(\"app_python3\", \"load\", \"handler.py\")\n\
             cfgengine \"python\"\n",
        )
        .unwrap();
        PySetup { dir }
    }

    /// A script whose handler has these methods (indented 4).
    fn handler(methods: &str) -> PySetup {
        PySetup::new(&format!(
            "import sys\nimport KSR as KSR\n\ndef mod_init():\n    return kamailio()\n\nclass kamailio:\n{methods}"
        ))
    }

    fn cfg(&self) -> PathBuf {
        self.dir.path().join("kamailio.cfg")
    }

    fn script(&self) -> String {
        self.dir.path().join("handler.py").display().to_string()
    }

    fn start(&self) -> Switchboard {
        Switchboard::run(&self.cfg(), &[])
    }
}

fn send_options(sb: &Switchboard, peer: &UdpPeer, branch: &str) {
    peer.send(
        sb.udp.unwrap(),
        options("UDP", peer.port(), branch).as_bytes(),
    );
}

/// The binary needs no LD_LIBRARY_PATH, PYTHONHOME or PATH: with an empty
/// environment it loads the libpython of its rpath (the one the build
/// found) and that interpreter's standard library.
#[test]
fn runs_with_an_empty_environment_on_the_built_python() {
    let lib_dir = env!("SB_PYTHON_LIB_DIR");
    let setup = PySetup::new(
        "import sys, os, json\nimport KSR\n\n\
         def mod_init():\n    return H()\n\n\
         class H:\n    def ksr_request_route(self, msg):\n        \
         KSR.info('python=%s prefix=%s ld=%s;' % (sys.version.split()[0], sys.base_prefix, os.environ.get('LD_LIBRARY_PATH')))\n        \
         KSR.sl.sl_send_reply(200, 'OK')\n        return 1\n",
    );
    let mut cmd = Command::new(BIN);
    cmd.env_clear();
    let mut sb = Switchboard::run_command(cmd, &setup.cfg(), &[]);

    let maps = std::fs::read_to_string(format!("/proc/{}/maps", sb.pid())).unwrap();
    let libs: Vec<&str> = maps
        .lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .filter(|p| p.contains("libpython"))
        .collect();
    assert!(!libs.is_empty(), "no libpython mapped:\n{maps}");
    for l in &libs {
        assert!(l.starts_with(lib_dir), "{l} is not from {lib_dir}");
    }

    let peer = UdpPeer::new();
    send_options(&sb, &peer, "env1");
    assert_eq!(status(&peer.recv(T).expect("a 200 from the script")), 200);
    // The interpreter found its own standard library: its prefix is the
    // one the library directory belongs to.
    let line = sb.wait_log("python=", T);
    let prefix = line
        .split("prefix=")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap();
    assert!(
        !prefix.is_empty() && lib_dir.starts_with(prefix),
        "{line} (library from {lib_dir})"
    );
    assert!(line.contains("ld=None;"), "{line}");
}

#[test]
fn callbacks_run_and_child_init_once_per_worker() {
    let setup = PySetup::handler(
        "    def child_init(self, rank):\n        KSR.info('child_init rank=%d;' % rank)\n        self.n = 0\n        return 0\n\
         \x20   def ksr_request_route(self, msg):\n        self.n += 1\n        KSR.info('n=%d;' % self.n)\n        if KSR.is_OPTIONS():\n            KSR.sl.sl_send_reply(200, 'Python OK')\n        return 1\n",
    );
    let sb = setup.start();
    assert!(
        sb.logs()
            .iter()
            .any(|l| l.contains("routing engine: python")),
        "{:#?}",
        sb.logs()
    );
    let peer = UdpPeer::new();
    for i in 0..6 {
        send_options(&sb, &peer, &format!("cb{i}"));
        let reply = peer.recv(T).expect("200");
        assert!(reply.starts_with("SIP/2.0 200 Python OK"), "{reply}");
    }
    wait_count(&sb, "n=", 6);
    let inits: Vec<String> = sb
        .logs()
        .into_iter()
        .filter(|l| l.contains("child_init rank="))
        .collect();
    // One per worker, each with its own rank, run when the worker starts
    // (before the first message).
    let first_init = sb.logs().iter().position(|l| l.contains("child_init rank=")).unwrap();
    let first_msg = sb.logs().iter().position(|l| l.contains("n=1;")).unwrap();
    assert!(first_init < first_msg, "{inits:#?}");
    let mut ranks: Vec<&str> = inits
        .iter()
        .map(|l| l.split("rank=").nth(1).unwrap())
        .collect();
    let n = ranks.len();
    ranks.sort();
    ranks.dedup();
    assert_eq!(ranks.len(), n, "a rank twice: {inits:#?}");
    assert!(n >= 2, "every UDP worker (children=2) starts its interpreter: {inits:#?}");
}

#[test]
fn exception_is_logged_with_traceback_and_gets_500() {
    let setup = PySetup::handler(
        "    def helper(self):\n        return {}['missing']\n\
         \x20   def ksr_request_route(self, msg):\n        KSR.info('handling;')\n        return self.helper()\n",
    );
    let mut sb = setup.start();
    let peer = UdpPeer::new();
    send_options(&sb, &peer, "exc1");
    assert_eq!(
        status(&peer.recv(T).expect("a 500 after the exception")),
        500
    );
    let line = sb.wait_log("request_route failed", T);
    let s = setup.script();
    assert!(line.contains(&format!("{s}:9: KeyError: 'missing' (traceback: {s}:9 in helper <- {s}:12 in ksr_request_route)")), "{line}");
    send_options(&sb, &peer, "exc2");
    assert_eq!(status(&peer.recv(T).expect("still answering")), 500);
    wait_count(&sb, "handling;", 2);
}

#[test]
fn exit_and_sys_exit_do_not_stop_the_server() {
    let setup = PySetup::handler(
        "    def ksr_request_route(self, msg):\n        KSR.info('before;')\n        if KSR.pv.get('$ci').startswith('sys'):\n            sys.exit(0)\n        if KSR.pv.get('$ci').startswith('ksr'):\n            KSR.x.exit()\n        return -255\n",
    );
    let sb = setup.start();
    let peer = UdpPeer::new();
    for (i, kind) in ["sys", "ksr", "ret", "sys", "ksr"].iter().enumerate() {
        let req = options("UDP", peer.port(), &format!("x{i}"))
            .replace("Call-ID: ", &format!("Call-ID: {kind}"));
        peer.send(sb.udp.unwrap(), req.as_bytes());
    }
    wait_count(&sb, "before;", 5);
    // None of these is an error: no 500, no error line.
    assert!(peer.recv(Duration::from_millis(300)).is_none());
    let logs = sb.logs();
    assert!(!logs.iter().any(|l| l.contains("ERROR")), "{logs:#?}");
    let mut sb = sb;
    assert!(sb.is_running());
}

#[test]
fn broken_script_fails_check_and_start_with_file_and_line() {
    let setup = PySetup::new("def mod_init():\n    return None\n\ndef f(:\n    pass\n");
    let (code, err) = run_to_exit(&["-c"], &setup.cfg(), T);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains(&format!("{}:4: SyntaxError", setup.script())),
        "{err}"
    );
    assert!(err.contains("kamailio.cfg"), "{err}");
    let (code, err) = run_to_exit(&[], &setup.cfg(), T);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains(&format!("{}:4:", setup.script())), "{err}");

    let setup = PySetup::new("import KSR\ndef mod_init():\n    return 1\n");
    let (code, err) = run_to_exit(&["-c"], &setup.cfg(), T);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("has no method ksr_request_route()"), "{err}");
}

#[test]
fn valid_script_and_sample_pass_check() {
    let setup = PySetup::handler("    def ksr_request_route(self, msg):\n        return 1\n");
    let (code, err) = run_to_exit(&["-c"], &setup.cfg(), T);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("config file ok"), "{err}");
    let (code, err) = run_to_exit(&["-c"], &repo_path("samples/python/kamailio.cfg"), T);
    assert_eq!(code, Some(0), "{err}");
}
