//! Perl KEMI (`cfgengine "perl"`): callbacks and the KSR package generated
//! from the export table. Own test binary: app_perl's settings are
//! process-wide.

use switchboard_core::cfg::{self, LoadOptions};
use switchboard_core::engine::{Callback, EngineFactory};
use switchboard_core::route::{RouteType, Stop, Value, Vars};
use switchboard_perl::testkit::with_ctx;
use switchboard_perl::PerlKemiFactory;

const SCRIPT: &str = r#"
use strict;
use warnings;
sub ksr_request_route {
    KSR::pv::sets('$var(seen)', 'yes');
    KSR::pv::seti('$var(inv)', KSR::is_INVITE());
    KSR::pv::seti('$var(bye)', KSR::is_BYE());
    my $u = KSR::pv::get('$rU');
    my $none = KSR::pv::get('$hdr(X-None)');
    KSR::pv::sets('$var(ru)', $u . (defined $none ? 'def' : 'undef'));
    KSR::setflag(5);
    if ($u eq 'exit') {
        KSR::x::exit();
        KSR::pv::sets('$var(after_exit)', 'reached');
    }
    if ($u eq 'drop') { KSR::x::drop(); }
    if ($u eq 'die') { die "request route broke"; }
    if ($u eq 'args') { KSR::sl::sl_send_reply("not a number", "x"); }
    return 7;
}
sub failure_one { KSR::pv::sets('$var(failure)', 'ran'); return 1; }
sub ksr_reply_route { KSR::pv::seti('$var(status)', KSR::pv::get('$rs')); return 1; }
"#;

fn invite(user: &str) -> String {
    format!(
        "INVITE sip:{user}@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.7;branch=z9hG4bKq\r\nFrom: <sip:a@example.com>;tag=1\r\n\
         To: <sip:{user}@example.com>\r\nCall-ID: q1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
    )
}

const REPLY: &str = "SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP 192.0.2.7;branch=z9hG4bKq\r\nFrom: <sip:a@example.com>;tag=1\r\n\
To: <sip:b@example.com>;tag=2\r\nCall-ID: q1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";

struct Outcome {
    code: Result<i32, String>,
    stop: Stop,
    flags: u64,
    vars: Vars,
}

fn run(factory: &PerlKemiFactory, cb: Callback<'_>, msg: &str) -> Outcome {
    let engine = factory.create(1).unwrap();
    let rt = match cb {
        Callback::Reply => RouteType::Reply,
        Callback::Named(_) => RouteType::Failure,
        _ => RouteType::Request,
    };
    let ((code, stop, flags), vars) = with_ctx(msg, Some(rt), |ctx| {
        let code = engine.run(cb, ctx).map_err(|e| e.message);
        (code, ctx.stop, ctx.flags)
    });
    Outcome { code, stop, flags, vars }
}

fn var(o: &Outcome, n: &str) -> Option<Value> {
    o.vars.get(n).cloned()
}

#[test]
fn perl_kemi_callbacks_and_ksr() {
    let dir = std::env::temp_dir().join(format!("sb-perl-kemi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("k.pl"), SCRIPT).unwrap();
    std::fs::write(
        dir.join("k.cfg"),
        "loadmodule \"app_perl.so\"\nloadmodule \"sl.so\"\nloadmodule \"pv.so\"\nmodparam(\"app_perl\", \"filename\", \"k.pl\")\ncfgengine \"perl\"\n",
    )
    .unwrap();
    let config = cfg::load(&dir.join("k.cfg"), &LoadOptions::default()).unwrap();
    let f = PerlKemiFactory::from_config(&config).unwrap_or_else(|e| panic!("{e}"));

    let o = run(&f, Callback::Request, &invite("bob"));
    assert_eq!(o.code, Ok(7));
    assert_eq!(var(&o, "seen"), Some(Value::Str("yes".into())));
    assert_eq!(var(&o, "inv"), Some(Value::Int(1)), "yes/no tests give 1");
    assert_eq!(var(&o, "bye"), Some(Value::Int(0)), "... and 0");
    assert_eq!(var(&o, "ru"), Some(Value::Str("bobundef".into())), "a null PV is undef");
    assert_eq!(o.flags & (1 << 5), 1 << 5);

    let o = run(&f, Callback::Request, &invite("exit"));
    assert_eq!(o.code, Ok(0), "KSR::x::exit() ends the callback");
    assert_eq!(o.stop, Stop::Exit);
    assert_eq!(var(&o, "after_exit"), None);

    let o = run(&f, Callback::Request, &invite("drop"));
    assert_eq!((o.code, o.stop), (Ok(0), Stop::Drop));

    let o = run(&f, Callback::Request, &invite("die"));
    let e = o.code.unwrap_err();
    assert!(e.contains("request route broke at ") && e.contains("k.pl line "), "{e}");

    let o = run(&f, Callback::Request, &invite("args"));
    let e = o.code.unwrap_err();
    assert!(e.contains("parameter 1 must be an integer"), "{e}");

    let o = run(&f, Callback::Named("failure_one"), &invite("bob"));
    assert_eq!((o.code.clone(), var(&o, "failure")), (Ok(1), Some(Value::Str("ran".into()))));

    let o = run(&f, Callback::Named("no_such_sub"), &invite("bob"));
    assert_eq!(o.code, Ok(1), "a missing callback is skipped");

    let o = run(&f, Callback::Reply, REPLY);
    assert_eq!((o.code.clone(), var(&o, "status")), (Ok(1), Some(Value::Int(180))));

    // The engine and interpreter keep working after the errors above.
    assert_eq!(run(&f, Callback::Request, &invite("bob")).code, Ok(7));
}
