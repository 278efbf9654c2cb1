//! The command line: `-c` on valid and broken cfgs, `--cfg-print`, `-V`,
//! and the shipped samples start and answer.

mod support;

use std::process::Command;
use std::time::Duration;
use support::*;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN).args(args).output().expect("run switchboard");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn cfg_files(dir: &str) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(repo_path(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "cfg"))
        .collect();
    v.sort();
    v
}

/// Every kamailio.cfg under samples/, at any depth.
fn sample_cfgs(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(sample_cfgs(&p));
        } else if p.file_name().is_some_and(|n| n == "kamailio.cfg") {
            out.push(p);
        }
    }
    out
}

#[test]
fn check_accepts_every_valid_fixture_and_sample() {
    let mut files = cfg_files("tests/cfg/valid");
    files.extend(sample_cfgs(&repo_path("samples")));
    assert!(files.len() >= 6, "fixtures missing: {files:?}");
    for f in files {
        let (code, _, err) = run(&["-c", "-f", f.to_str().unwrap()]);
        assert_eq!(code, 0, "{}: {err}", f.display());
        assert!(err.contains("config file ok"), "{err}");
    }
}

/// Each broken fixture starts with `# expect: LINE: text`; `-c` must fail
/// naming that file, that line and the text. tests/cfg/broken holds cfg
/// loading errors, tests/cfg/broken_script errors in the routing blocks
/// (found when the native engine compiles them).
#[test]
fn check_rejects_every_broken_fixture_with_file_and_line() {
    let mut files = cfg_files("tests/cfg/broken");
    files.extend(cfg_files("tests/cfg/broken_script"));
    assert!(files.len() >= 20, "fixtures missing: {files:?}");
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let expect = text
            .lines()
            .find_map(|l| l.strip_prefix("# expect: "))
            .unwrap_or_else(|| panic!("{} has no '# expect:' line", f.display()));
        let (place, needle) = expect.split_once(": ").unwrap();
        let (code, _, err) = run(&["-c", "-f", f.to_str().unwrap()]);
        assert_ne!(code, 0, "{} was accepted", f.display());
        // `LINE` is in the fixture itself; `PATH:LINE` in a file it includes.
        let located = if place.contains(':') {
            format!("{place}: ")
        } else {
            format!("{}:{place}: ", f.display())
        };
        assert!(err.contains(&located), "{}: wanted '{located}' in: {err}", f.display());
        assert!(err.contains(needle.trim()), "{}: wanted '{needle}' in: {err}", f.display());
        assert!(err.contains(".cfg"), "{}: no file named in: {err}", f.display());
    }
}

#[test]
fn cfg_print_shows_the_preprocessed_text() {
    let dir = TempDir::new();
    let inc = dir.path().join("inc.cfg");
    std::fs::write(&inc, "children=3\n").unwrap();
    let main = dir.path().join("kamailio.cfg");
    std::fs::write(
        &main,
        "#!KAMAILIO\n#!define PORTNO 5099\n#!ifdef WITH_X\nalias=\"x.example.com\"\n#!endif\nport=PORTNO\ninclude_file \"inc.cfg\"\n",
    )
    .unwrap();
    let (code, out, err) = run(&["--cfg-print", "-f", main.to_str().unwrap(), "-A", "WITH_X"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("x.example.com"), "{out}");
    assert!(out.contains("children=3"), "{out}");
    assert!(!out.contains("#!ifdef"), "{out}");
    let (_, out, _) = run(&["--cfg-print", "-f", main.to_str().unwrap()]);
    assert!(!out.contains("x.example.com"), "{out}");
}

#[test]
fn a_missing_cfg_file_is_an_error() {
    let (code, _, err) = run(&["-c", "-f", "/nonexistent/kamailio.cfg"]);
    assert_ne!(code, 0);
    assert!(err.contains("/nonexistent/kamailio.cfg"), "{err}");
}

#[test]
fn version_flag() {
    for flag in ["-V", "--version"] {
        let (code, out, _) = run(&[flag]);
        assert_eq!(code, 0);
        assert!(out.contains(env!("CARGO_PKG_VERSION")), "{out}");
    }
}

#[test]
fn minimal_sample_runs_and_answers() {
    let sb = Switchboard::run(&repo_path("samples/minimal/kamailio.cfg"), &["-A", "SB_PORT=0", "-D"]);
    let peer = UdpPeer::new();
    peer.send(sb.udp.unwrap(), options("UDP", peer.port(), "sample").as_bytes());
    let reply = peer.recv(Duration::from_secs(3)).expect("reply");
    assert_eq!(status(&reply), 500);
    assert_eq!(header(&reply, "Server").as_deref(), Some("switchboard sample"));
    let mut c = TcpPeer::connect(sb.tcp.unwrap());
    c.send(options("TCP", c.port(), "sampletcp").as_bytes());
    assert_eq!(status(&c.recv_message(Duration::from_secs(3)).unwrap()), 500);
}

#[test]
fn listen_flag_replaces_cfg_listeners() {
    let sb = Switchboard::run(
        &repo_path("samples/minimal/kamailio.cfg"),
        &["-l", "udp:127.0.0.1:0", "-n", "1"],
    );
    assert!(sb.udp.is_some());
    assert!(sb.tcp.is_none(), "only the -l listener is open");
}

#[test]
fn a_broken_cfg_stops_the_start_too() {
    let f = repo_path("tests/cfg/broken/unknown_module.cfg");
    let (code, _, err) = run(&["-E", "-f", f.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(err.contains("unknown_module.cfg:4: "), "{err}");
    assert!(err.contains("no_such_module"), "{err}");
}

/// A Perl script that does not compile stops `-c` (and the start) with
/// Perl's message, naming the script and the line.
#[test]
fn check_rejects_a_perl_script_with_a_syntax_error() {
    let dir = TempDir::new();
    std::fs::write(dir.path().join("broken.pl"), "use strict;\nsub route {\n    my $m = shift;\n    my $x = ;\n    return 1;\n}\n1;\n").unwrap();
    let cfg = dir.path().join("kamailio.cfg");
    std::fs::write(
        &cfg,
        "loadmodule \"app_perl.so\"\nmodparam(\"app_perl\", \"filename\", \"broken.pl\")\nrequest_route { perl_exec(\"route\"); }\n",
    )
    .unwrap();
    let (code, _, err) = run(&["-c", "-f", cfg.to_str().unwrap()]);
    assert_ne!(code, 0, "a broken script was accepted");
    assert!(err.contains("broken.pl line 4"), "{err}");
    assert!(err.contains("syntax error"), "{err}");
    assert!(!err.contains("(eval"), "Perl's own place is kept: {err}");
}

/// Every thread of the server (the UDP/TCP workers, the timer) runs with
/// the short scheduler slice it asks for (core/src/sched.rs), 100 µs by
/// default; `--sched-slice 0` leaves the kernel's default. Custom slices
/// need Linux 6.12+: on an older kernel only the start is checked.
#[test]
fn workers_run_with_the_requested_scheduler_slice() {
    fn slices(pid: u32) -> Vec<(String, u64)> {
        let mut v = Vec::new();
        for t in std::fs::read_dir(format!("/proc/{pid}/task")).unwrap().flatten() {
            let comm = std::fs::read_to_string(t.path().join("comm")).unwrap_or_default().trim().to_string();
            let sched = std::fs::read_to_string(t.path().join("sched")).unwrap_or_default();
            let slice = sched
                .lines()
                .find(|l| l.starts_with("se.slice"))
                .and_then(|l| l.split(':').nth(1))
                .and_then(|n| n.trim().parse().ok())
                .unwrap_or(0);
            v.push((comm, slice));
        }
        v
    }
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap();
    let mut it = release.split(|c: char| !c.is_ascii_digit()).map(|n| n.parse::<u32>().unwrap_or(0));
    let custom_slices = (it.next().unwrap_or(0), it.next().unwrap_or(0)) >= (6, 12);
    let cfg = repo_path("samples/minimal/kamailio.cfg");
    let sb = Switchboard::run(&cfg, &["-A", "SB_PORT=0", "-n", "2"]);
    let threads = slices(sb.pid());
    assert!(threads.iter().any(|(c, _)| c.starts_with("udp")), "{threads:?}");
    if custom_slices {
        assert!(threads.iter().all(|(_, s)| *s == 100_000), "{threads:?}");
    }
    let sb = Switchboard::run(&cfg, &["-A", "SB_PORT=0", "-n", "2", "--sched-slice", "0"]);
    let threads = slices(sb.pid());
    if custom_slices {
        assert!(threads.iter().all(|(_, s)| *s != 100_000), "kernel default kept: {threads:?}");
    }
}

/// A cfg asking usrloc for a database (`db_mode` ≠ 0) is accepted (it
/// runs), but `-c` and the start say that the location table is memory
/// only: registrations are not silently expected to survive a restart.
#[test]
fn usrloc_db_mode_is_reported_as_memory_only() {
    let dir = TempDir::new();
    let f = dir.path().join("kamailio.cfg");
    std::fs::write(
        &f,
        "loadmodule \"usrloc.so\"\nloadmodule \"registrar.so\"\nmodparam(\"usrloc\", \"db_url\", \"mysql://k:k@localhost/k\")\nmodparam(\"usrloc\", \"db_mode\", 2)\nrequest_route {\n    save(\"location\");\n}\n",
    )
    .unwrap();
    let (code, _, err) = run(&["-c", "-f", f.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let line = err.lines().find(|l| l.contains("\"db_mode\", 2)")).unwrap_or_else(|| panic!("no db_mode notice: {err}"));
    assert!(line.starts_with("notice: ") && line.contains("kamailio.cfg:4: "), "{line}");
    assert!(line.contains("in memory only"), "{line}");
    let f = repo_path("tests/cfg/valid/full.cfg"); // db_mode 0: nothing to say
    let (_, _, err) = run(&["-c", "-f", f.to_str().unwrap()]);
    assert!(!err.contains("db_mode"), "{err}");
}
