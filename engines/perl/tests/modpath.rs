//! `modparam("app_perl", "modpath", "DIR1:DIR2")`: both directories go on
//! @INC, in that order; a module only in the second is found there, one
//! in both comes from the first. (Its own binary: app_perl is set up once
//! per process.)

use switchboard_perl::testkit::{avp, exec, setup_app_perl, setup_app_perl_dir};

const SCRIPT: &str = r#"
use SbOnlySecond;
use SbInBoth;

sub check {
    Kamailio::AVP::add("second_from", $INC{'SbOnlySecond.pm'});
    Kamailio::AVP::add("second_value", SbOnlySecond::value());
    Kamailio::AVP::add("both_from", $INC{'SbInBoth.pm'});
    Kamailio::AVP::add("both_value", SbInBoth::value());
    return 1;
}
"#;

const OPTIONS: &str = "OPTIONS sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.7;branch=z9hG4bKm\r\n\
From: <sip:a@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\nCall-ID: m1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";

fn module(dir: &std::path::Path, name: &str, value: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(format!("{name}.pm")), format!("package {name};\nsub value {{ return '{value}' }}\n1;\n")).unwrap();
}

#[test]
fn a_module_in_the_second_modpath_directory_is_found() {
    let base = setup_app_perl_dir();
    let (first, second) = (base.join("lib-one"), base.join("lib-two"));
    module(&second, "SbOnlySecond", "from two");
    module(&first, "SbInBoth", "one wins");
    module(&second, "SbInBoth", "two loses");
    setup_app_perl(SCRIPT, &format!("modparam(\"app_perl\", \"modpath\", \"{}:{}\")", first.display(), second.display()));
    exec("perl_exec", &["check"], OPTIONS, |code, ctx| {
        assert_eq!(code, 1);
        assert_eq!(avp(ctx, "second_from"), second.join("SbOnlySecond.pm").display().to_string());
        assert_eq!(avp(ctx, "second_value"), "from two");
        assert_eq!(avp(ctx, "both_from"), first.join("SbInBoth.pm").display().to_string());
        assert_eq!(avp(ctx, "both_value"), "one wins");
    });
}
