//! reset_cycles: after N calls a worker calls perl_destroy_func, destroys
//! its interpreter and the next call starts a fresh one (globals start
//! over); memory stays flat over 1000 resets. Own test binary: the reset
//! count is process-wide.

use switchboard_core::route::{RouteCtx, Value};
use switchboard_perl::testkit::{exec, setup_app_perl};

const SCRIPT: &str = r#"
our $n = 0;
our @junk;
sub count {
    $n++;
    push @junk, 'x' x 1000 for 1..50;   # something for a leak to show
    Kamailio::AVP::add("n", $n);
    return 1;
}
sub on_destroy {
    open(my $f, '>>', $ENV{SB_DESTROY_LOG}) or die "cannot open: $!";
    print $f "destroyed after $n\n";
    close $f;
}
"#;

const OPTIONS: &str = "OPTIONS sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.7;branch=z9hG4bKr\r\n\
From: <sip:a@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\nCall-ID: r1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";

fn count() -> i64 {
    exec("perl_exec", &["count"], OPTIONS, |code, ctx: &mut RouteCtx<'_>| {
        assert_eq!(code, 1);
        match ctx.avps.get("n") {
            Some(Value::Int(n)) => *n,
            other => panic!("n = {other:?}"),
        }
    })
}

fn rss_kib() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4
}

#[test]
fn reset_cycles_destroy_rebuild_and_no_leak() {
    let dir = std::env::temp_dir().join(format!("sb-perl-reset-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("destroy.log");
    // SAFETY: set before any thread reads the environment.
    unsafe { std::env::set_var("SB_DESTROY_LOG", &log) };
    setup_app_perl(SCRIPT, "modparam(\"app_perl\", \"reset_cycles\", 3)\nmodparam(\"app_perl\", \"perl_destroy_func\", \"on_destroy\")");
    assert_eq!(switchboard_perl::reset_cycles(), 3);

    let seen: Vec<i64> = (0..7).map(|_| count()).collect();
    assert_eq!(seen, vec![1, 2, 3, 1, 2, 3, 1], "globals start over after each reset");
    let destroyed = std::fs::read_to_string(&log).unwrap();
    assert_eq!(destroyed, "destroyed after 3\ndestroyed after 3\n");
    assert_eq!(switchboard_perl::resets_on_this_thread(), 2);

    // app_perl.set_reset_cycles / get_reset_cycles.
    switchboard_perl::set_reset_cycles(0);
    assert_eq!(switchboard_perl::reset_cycles(), 0);
    let before: Vec<i64> = (0..5).map(|_| count()).collect();
    assert_eq!(before, vec![2, 3, 4, 5, 6], "0 = never reset");

    // 1000 resets: memory stays flat.
    switchboard_perl::set_reset_cycles(1);
    for _ in 0..50 {
        count();
    }
    let start = rss_kib();
    for _ in 0..1000 {
        assert_eq!(count(), 1);
    }
    let grown = rss_kib().saturating_sub(start);
    assert!(grown < 8 * 1024, "RSS grew by {grown} KiB over 1000 resets");
    assert_eq!(switchboard_perl::resets_on_this_thread(), 2 + 50 + 1000);
    let _ = std::fs::remove_dir_all(&dir);
}
