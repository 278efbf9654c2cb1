//! The app_perl samples (samples/perl/*.pl, wired by samples/perl/
//! kamailio.cfg with perl_exec) on the running server: real SIP in, the
//! SIP outcome and the logged output checked for each. Plus reset_cycles
//! under load: every request answered exactly once across interpreter
//! resets, persistence.pl's counters shared by all workers (each count
//! logged once), and the destroy function seen.

mod support;

use std::collections::HashMap;
use std::time::Duration;
use support::*;

const T: Duration = Duration::from_secs(5);

fn sample(script: &str, extra: &[&str]) -> Switchboard {
    let define = format!("PERL_SAMPLE=\"{script}\"");
    let mut args = vec!["-A", "SB_PORT=0", "-A", define.as_str()];
    for e in extra {
        args.push("-A");
        args.push(e);
    }
    Switchboard::run(&repo_path("samples/perl/kamailio.cfg"), &args)
}

/// A request to `user` asking for Perl function `func`, with `headers`.
fn request(method: &str, user: &str, port: u16, branch: &str, func: &str, headers: &str) -> String {
    format!(
        "{method} sip:{user}@127.0.0.1 SIP/2.0\r\n\
         Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{branch};rport\r\n\
         Max-Forwards: 70\r\n\
         From: \"Tester\" <sip:tester@127.0.0.1>;tag=t{branch}\r\n\
         To: <sip:{user}@127.0.0.1>\r\n\
         Call-ID: {branch}@127.0.0.1\r\n\
         CSeq: 1 {method}\r\n\
         X-Perl-Function: {func}\r\n{headers}\
         Content-Length: 0\r\n\r\n"
    )
}

/// Send and return the reply's first line.
fn ask(sb: &Switchboard, peer: &UdpPeer, method: &str, user: &str, branch: &str, func: &str, headers: &str) -> String {
    peer.send(sb.udp.unwrap(), request(method, user, peer.port(), branch, func, headers).as_bytes());
    let r = peer.recv(T).unwrap_or_else(|| panic!("no reply to {func}"));
    r.lines().next().unwrap().to_string()
}

#[test]
fn functions_pl_rejects_555_with_500_through_autoload() {
    let mut sb = sample("functions.pl", &[]);
    let peer = UdpPeer::new();
    assert_eq!(ask(&sb, &peer, "INVITE", "5551234", "f1", "exportedfuncs", ""), "SIP/2.0 500 Internal Server Error");
    sb.wait_log("functions: rejecting 5551234 with 500", T);
    let ok = ask(&sb, &peer, "INVITE", "4711", "f2", "exportedfuncs", "");
    assert!(ok.starts_with("SIP/2.0 200 Perl said yes"), "{ok}");
    sb.wait_log("functions: alias_db_lookup not available", T);
    assert!(ask(&sb, &peer, "OPTIONS", "x", "f3", "paramfunc", "X-Perl-Param: hello\r\n").starts_with("SIP/2.0 200"));
    sb.wait_log("functions: paramfunc got 'hello'", T);
    ask(&sb, &peer, "OPTIONS", "x", "f4", "autotest", "");
    sb.wait_log("functions: autotest: xlog reached through AUTOLOAD", T);
    // die: logged with the script's message and line; the request gets
    // the cfg's "no"; the interpreter keeps working.
    assert_eq!(ask(&sb, &peer, "OPTIONS", "x", "f5", "diefunc1", ""), "SIP/2.0 404 Perl said no");
    let died = sb.wait_log("perl_exec(\"diefunc1\")", T);
    assert!(died.contains("functions.pl line"), "{died}");
    ask(&sb, &peer, "OPTIONS", "x", "f6", "warnfunc", "");
    sb.wait_log("perl warning", T);
    assert!(ask(&sb, &peer, "OPTIONS", "x", "f7", "paramfunc", "").starts_with("SIP/2.0 200"));
}

#[test]
fn headers_pl_logs_every_header_name() {
    let mut sb = sample("headers.pl", &[]);
    let peer = UdpPeer::new();
    assert!(ask(&sb, &peer, "OPTIONS", "bob", "h1", "headernames", "").starts_with("SIP/2.0 200"));
    for name in ["Via", "Max-Forwards", "From", "To", "Call-ID", "CSeq", "X-Perl-Function", "Content-Length"] {
        sb.wait_log(&format!("headers: name {name}"), T);
    }
    sb.wait_log("headers: 8 headers", T);
}

#[test]
fn flags_pl_sets_and_reads_fl_green() {
    let mut sb = sample("flags.pl", &[]);
    let peer = UdpPeer::new();
    let r = ask(&sb, &peer, "OPTIONS", "bob", "g1", "setflag", "X-Perl-Then: readflag\r\n");
    // FL_GREEN is flag 3: $mf = 8.
    assert_eq!(r, "SIP/2.0 200 Perl said yes (sip:bob@127.0.0.1, flags 8)");
    sb.wait_log("flags: green flag set", T);
    sb.wait_log("flags: green flag is set", T);
    // Without setflag, readflag says no.
    assert_eq!(ask(&sb, &peer, "OPTIONS", "bob", "g2", "readflag", ""), "SIP/2.0 404 Perl said no");
}

#[test]
fn pseudovars_pl_logs_the_substituted_string() {
    let mut sb = sample("pseudovars.pl", &[]);
    let peer = UdpPeer::new();
    ask(&sb, &peer, "INVITE", "carol", "p1", "pseudovars", "");
    sb.wait_log(
        &format!("pseudovars: INVITE from sip:tester@127.0.0.1 to sip:carol@127.0.0.1, Call-ID p1@127.0.0.1, source 127.0.0.1:{}", peer.port()),
        T,
    );
}

#[test]
fn firstline_logging_messagedump_and_branches() {
    let mut sb = sample("firstline.pl", &[]);
    let peer = UdpPeer::new();
    ask(&sb, &peer, "INVITE", "dave", "l1", "firstline", "");
    sb.wait_log("firstline: request: method INVITE, R-URI sip:dave@127.0.0.1, version SIP/2.0", T);

    let mut sb = sample("logging.pl", &["DEBUG=3"]);
    let peer = UdpPeer::new();
    ask(&sb, &peer, "OPTIONS", "x", "l2", "logdemo", "");
    for line in ["logging: log() imported from Kamailio (L_INFO)", "logging: a debug message (L_DBG)", "logging: a warning (L_WARN)", "logging: through the message object"] {
        sb.wait_log(line, T);
    }

    let mut sb = sample("messagedump.pl", &[]);
    let peer = UdpPeer::new();
    ask(&sb, &peer, "OPTIONS", "x", "l3", "messagedump", "");
    sb.wait_log("messagedump:", T);
    sb.wait_log("X-Perl-Function: messagedump", T);

    let mut sb = sample("branches.pl", &[]);
    let peer = UdpPeer::new();
    let r = ask(&sb, &peer, "INVITE", "erin", "l4", "branches", "X-Perl-Param: sip:a@example.com 0.5, sip:b@example.com\r\n");
    assert!(r.starts_with("SIP/2.0 200"), "{r}");
    sb.wait_log("branches: appended branch sip:a@example.com q=0.5", T);
    sb.wait_log("branches: appended branch sip:b@example.com", T);
}

#[test]
fn phonenumbers_pl_rewrites_the_ruri_to_canonical_form() {
    let mut sb = sample("phonenumbers.pl", &[]);
    let peer = UdpPeer::new();
    let r = ask(&sb, &peer, "INVITE", "04514829", "n1", "canonical", "");
    assert!(r.starts_with("SIP/2.0 200 Perl said yes (sip:+497614514829@127.0.0.1"), "{r}");
    sb.wait_log("phonenumbers:", T);
}

/// persistence.pl with reset_cycles=7 under load (samples/perl/
/// kamailio.cfg: children=2): 300 requests from ten senders at once, each
/// answered exactly once. The counters are shared by all workers by
/// default (Switchboard::Shared, nothing installed): every count from 1
/// to 300 is logged exactly once ("seen by all workers": no update lost
/// or doubled between workers), and they go on across interpreter resets
/// (persistence_destroy logs this interpreter's 7 and the shared totals).
#[test]
fn persistence_counts_are_shared_by_all_workers_across_resets_under_load() {
    const SENDERS: usize = 10;
    const EACH: usize = 30;
    const TOTAL: usize = SENDERS * EACH;
    let mut sb = sample("persistence.pl", &["RESET_CYCLES=7"]);
    let udp = sb.udp.unwrap();
    let senders: Vec<std::thread::JoinHandle<HashMap<String, usize>>> = (0..SENDERS)
        .map(|s| {
            std::thread::spawn(move || {
                let peer = UdpPeer::new();
                let mut got: HashMap<String, usize> = HashMap::new();
                for i in 0..EACH {
                    let b = format!("r{s}x{i}");
                    peer.send(udp, request("OPTIONS", "x", peer.port(), &b, "persistence", "").as_bytes());
                }
                while let Some(r) = peer.recv(Duration::from_secs(3)) {
                    let id = r.lines().find(|l| l.starts_with("Call-ID:")).unwrap().to_string();
                    assert!(r.starts_with("SIP/2.0 200 Perl said yes"), "{r}");
                    *got.entry(id).or_default() += 1;
                    if got.len() == EACH && got.values().all(|n| *n == 1) {
                        // Wait a little for a duplicate before stopping.
                        if let Some(extra) = peer.recv(Duration::from_millis(300)) {
                            let id = extra.lines().find(|l| l.starts_with("Call-ID:")).unwrap().to_string();
                            *got.entry(id).or_default() += 1;
                        }
                        break;
                    }
                }
                got
            })
        })
        .collect();
    for h in senders {
        let got = h.join().unwrap();
        assert_eq!(got.len(), EACH, "every request answered");
        assert!(got.values().all(|n| *n == 1), "answered once: {got:?}");
    }
    let last = sb.wait_log(&format!("persistence: message {TOTAL} seen by all workers"), T);
    assert!(last.contains(&format!("(OPTIONS: {TOTAL})")), "{last}");
    let logs = sb.logs();
    assert!(logs.iter().all(|l| !l.contains("Switchboard::Shared not available")), "Switchboard::Shared loads: {logs:#?}");
    let mut counts: Vec<usize> = logs
        .iter()
        .filter_map(|l| {
            let rest = &l[l.find("persistence: message ")? + "persistence: message ".len()..];
            let (n, tail) = rest.split_once(' ')?;
            assert!(tail.starts_with("seen by all workers"), "{l}");
            n.parse().ok()
        })
        .collect();
    counts.sort_unstable();
    assert_eq!(counts, (1..=TOTAL).collect::<Vec<_>>(), "each count logged once: shared, nothing lost or doubled");
    // The destroy function before each reset: this interpreter's 7, then
    // the totals of all workers, which the reset does not clear.
    let resets: Vec<&String> = logs.iter().filter(|l| l.contains("persistence: interpreter reset after")).collect();
    assert!(resets.len() >= TOTAL / 7 - 2, "resets seen: {}", resets.len());
    for r in &resets {
        assert!(r.contains("persistence: interpreter reset after 7 messages; totals of all workers: "), "{r}");
    }
    assert!(
        resets.iter().any(|r| r.contains("totals of all workers: ") && !r.contains("totals of all workers: 7 messages")),
        "totals go on across resets: {resets:#?}"
    );
    // The log names the worker ("INFO udp0-w1 persistence: ..."). Ten
    // senders spread the load over both workers in practice, but the
    // kernel does not promise it, so this is reported, not asserted; the
    // sharing between interpreters on several threads is asserted by
    // engines/perl/tests/shared.rs.
    let workers: std::collections::BTreeSet<&str> = logs
        .iter()
        .filter(|l| l.contains("seen by all workers"))
        .filter_map(|l| l.split(" persistence: message ").next()?.split_whitespace().last())
        .collect();
    if workers.len() < 2 {
        eprintln!("note: every count came from one worker this run: {workers:?}");
    }
}

/// As Kamailio's child_init: every worker builds its Perl interpreter and
/// loads the script when it starts, before any message arrives (not on
/// its first perl_exec, which would delay that request).
#[test]
fn every_worker_loads_the_script_at_start() {
    let dir = TempDir::new();
    std::fs::write(
        dir.path().join("start.pl"),
        "use Kamailio qw(log);\nuse Kamailio::Constants;\nlog(L_INFO, \"start.pl loaded\\n\");\nsub route { return 1; }\n1;\n",
    )
    .unwrap();
    let cfg = dir.path().join("kamailio.cfg");
    std::fs::write(
        &cfg,
        "debug=3\nchildren=3\nlisten=udp:127.0.0.1:0\nloadmodule \"sl.so\"\nloadmodule \"app_perl.so\"\n\
         modparam(\"app_perl\", \"filename\", \"start.pl\")\n\
         request_route {\n  perl_exec(\"route\");\n  sl_send_reply(\"200\", \"ok\");\n}\n",
    )
    .unwrap();
    let sb = Switchboard::run(&cfg, &[]);
    // three workers, no message sent
    wait_count(&sb, "start.pl loaded", 3);
}
