use super::*;
use crate::exports::{Arg, Ret};
use crate::modules::testutil::{call, info, shared, with_ctx, INVITE};
use crate::route::{RouteType, Vars};

const TORTURE: &str = "/work/shared/sip-torture/rfc4475";

fn torture(name: &str) -> Option<crate::sip::SipMessage> {
    let data = std::fs::read(format!("{TORTURE}/{name}.dat")).ok()?;
    crate::sip::parse(bytes::Bytes::from(data)).ok()
}

fn check_torture(name: &str) -> Option<Result<(), Failure>> {
    let m = torture(name)?;
    let sh = shared();
    let mut vars: Vars = Default::default();
    let ctx = RouteCtx::new(&sh, RouteType::Request, m, info(), &mut vars);
    Some(check(&ctx, DEFAULT_CHECKS | PARSE_URIS | DUPLICATED_TAGS, DEFAULT_URI_CHECKS))
}

#[test]
fn torture_messages() {
    let expect: &[(&str, Option<u16>)] = &[
        ("badvers", Some(505)),
        ("unkscm", Some(416)),
        ("novelsc", Some(416)),
        ("insuf", Some(400)),
        ("mismatch01", Some(400)),
        ("scalar02", Some(400)),
        ("bext01", Some(420)),
        ("regaut01", Some(400)),
        ("badaspec", Some(400)),
        ("wsinv", None),
        ("esc01", None),
        ("lwsdisp", None),
        ("inv2543", None),
        ("mpart01", None),
        ("intmeth", None),
        ("longreq", None),
    ];
    for (name, code) in expect {
        let got = check_torture(name).unwrap_or_else(|| panic!("{name} does not parse"));
        assert_eq!(got.as_ref().err().map(|f| f.code), *code, "{name}: {got:?}");
    }
    let f = check_torture("bext01").unwrap().unwrap_err();
    assert_eq!(f.extra[0].0, "Unsupported");
}

#[test]
fn defaults_and_bits() {
    assert_eq!(DEFAULT_CHECKS, 3047);
    assert_eq!(DEFAULT_URI_CHECKS, 7);
    with_ctx(INVITE, |ctx| {
        assert_eq!(check(ctx, 0x7fff, 15), Ok(()));
        assert_eq!(call(ctx, "sanity", "sanity_check_defaults", &[]), Ret::Int(1));
        assert_eq!(call(ctx, "sanity", "sanity_check", &[Arg::Int(17895), Arg::Int(7)]), Ret::Int(1));
    });
    // Content-Length mismatch (datagram with fewer body bytes than announced is
    // cut by the parser; more bytes than announced are checked here).
    with_ctx(&INVITE.replace("Content-Length: 5", "Content-Length: 2"), |ctx| {
        let r = check(ctx, CONTENT_LENGTH, 0);
        assert!(r.is_ok() || r.unwrap_err().code == 400);
    });
    // Duplicated tag, bad Expires, proxy_require allowed by modparam.
    with_ctx(&INVITE.replace(";tag=1928301774", ";tag=1;tag=2"), |ctx| {
        assert_eq!(check(ctx, DUPLICATED_TAGS, 0).unwrap_err().code, 400);
        assert_eq!(check(ctx, DEFAULT_CHECKS, 7), Ok(()));
    });
    with_ctx(&INVITE.replace("Max-Forwards: 70", "Expires: soon"), |ctx| {
        assert_eq!(check(ctx, EXPIRES_VALUE, 0).unwrap_err().reason, "Expires value is illegal");
    });
    let mut sh = shared();
    sh.modcfg.sanity_proxy_require = vec!["foo".into()];
    let mut vars: Vars = Default::default();
    let ctx = RouteCtx::new(&sh, RouteType::Request, crate::modules::testutil::msg(&INVITE.replace("X-Foo: one", "Proxy-Require: FOO")), info(), &mut vars);
    assert_eq!(check(&ctx, PROXY_REQUIRE, 0), Ok(()));
    // Contact URI check only with uri bit 8.
    with_ctx(&INVITE.replace("Contact: <sip:alice@192.0.2.7:5099>", "Contact: <bad uri>"), |ctx| {
        assert_eq!(check(ctx, PARSE_URIS, 7), Ok(()));
        assert_eq!(check(ctx, PARSE_URIS, 8).unwrap_err().reason, "Bad Contact URI");
    });
    // Digest credentials.
    let good = "Authorization: Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"sip:x\", response=\"0123\"";
    with_ctx(&INVITE.replace("X-Foo: one", good), |ctx| assert_eq!(check(ctx, DIGEST_CREDENTIALS | AUTHORIZATION, 0), Ok(())));
    with_ctx(&INVITE.replace("X-Foo: one", "Authorization: Digest username=\"a\", realm=\"r\""), |ctx| {
        assert_eq!(check(ctx, DIGEST_CREDENTIALS, 0).unwrap_err().code, 400);
        assert_eq!(check(ctx, AUTHORIZATION, 0).unwrap_err().code, 400);
    });
    with_ctx(&INVITE.replace("X-Foo: one", "Authorization: Basic abc"), |ctx| {
        assert!(check(ctx, DIGEST_CREDENTIALS, 0).is_err());
        assert_eq!(check(ctx, AUTHORIZATION, 0), Ok(()));
    });
}

#[test]
fn autodrop_and_noreply() {
    let bad = INVITE.replace("CSeq: 314159 INVITE", "CSeq: 314159 BYE");
    // autodrop (default): 0 and the script stops; no transports → no reply.
    with_ctx(&bad, |ctx| {
        assert_eq!(call(ctx, "sanity", "sanity_check_defaults", &[]), Ret::Int(0));
        assert_eq!(ctx.stop, crate::route::Stop::Exit);
    });
    let mut sh = shared();
    sh.modcfg.sanity_autodrop = false;
    sh.modcfg.sanity_noreply = true;
    let mut vars: Vars = Default::default();
    let mut ctx = RouteCtx::new(&sh, RouteType::Request, crate::modules::testutil::msg(&bad), info(), &mut vars);
    assert_eq!(call(&mut ctx, "sanity", "sanity_check_msg", &[Arg::Int(32)]), Ret::Int(-1));
    assert_eq!(ctx.stop, crate::route::Stop::No);
    // the failure is remembered for sanity_reply (which cannot send here)
    let remembered = LAST.with(|l| l.borrow().as_ref().map(|(_, _, f)| f.code));
    assert_eq!(remembered, Some(400));
    assert_eq!(call(&mut ctx, "sanity", "sanity_reply", &[]), Ret::Int(-1));
}

/// The checks skipped for a message the server already validated give the
/// same answer as running them: every torture message that validates, and
/// one without From (validate accepts it, sanity's URI check does not).
#[test]
fn validated_messages_get_the_same_answers() {
    let mut names: Vec<String> = std::fs::read_dir(TORTURE)
        .expect("torture dir")
        .filter_map(|e| e.ok()?.file_name().to_str()?.strip_suffix(".dat").map(str::to_string))
        .collect();
    names.sort();
    let sh = shared();
    let run = |m: crate::sip::SipMessage| {
        let mut vars: Vars = Default::default();
        let ctx = RouteCtx::new(&sh, RouteType::Request, m, info(), &mut vars);
        check(&ctx, 0x7fff, 15).map_err(|f| f.code)
    };
    let mut compared = 0;
    for name in &names {
        let Some(m) = torture(name) else { continue };
        let plain = run(m.clone());
        if m.validate().is_ok() {
            assert!(m.is_validated());
            assert_eq!(run(m), plain, "{name}");
            compared += 1;
        }
    }
    assert!(compared >= 10, "only {compared} torture messages validate");
    let from_line = INVITE.lines().find(|l| l.starts_with("f:")).expect("INVITE has From (compact)");
    let no_from = crate::modules::testutil::msg(&INVITE.replace(&format!("{from_line}\n"), ""));
    no_from.validate().expect("validate accepts a request without From");
    assert_eq!(run(no_from), Err(400));
}
