//! Every RFC 4475 / RFC 5118 torture message, checked as
//! /work/shared/sip-torture/README.md classifies it.

use std::collections::BTreeMap;
use std::path::Path;

use bytes::Bytes;
use switchboard_core::sip::{
    self, build_reply_from_raw, HeaderName, Method, ReplyOptions, SipMessage,
};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Class {
    /// RFC 4475 §3.1.1: parse, validate and validate_strict all succeed.
    Valid,
    /// §3.1.2: parse or validate fails.
    Invalid,
    /// trws: either is allowed.
    Either,
    /// §3.2/§3.3/§3.4, RFC 5118 good: parse and validate succeed (a proxy
    /// forwards it); `strict_ok` says whether a UA/registrar accepts it.
    WellFormed { strict_ok: bool },
}
use Class::*;

const TABLE: &[(&str, Class)] = &[
    // 3.1.1
    ("rfc4475/wsinv.dat", Valid),
    ("rfc4475/intmeth.dat", Valid),
    ("rfc4475/esc01.dat", Valid),
    ("rfc4475/escnull.dat", Valid),
    ("rfc4475/esc02.dat", Valid),
    ("rfc4475/lwsdisp.dat", Valid),
    ("rfc4475/longreq.dat", Valid),
    ("rfc4475/dblreq.dat", Valid),
    ("rfc4475/semiuri.dat", Valid),
    ("rfc4475/transports.dat", Valid),
    ("rfc4475/mpart01.dat", Valid),
    ("rfc4475/unreason.dat", Valid),
    ("rfc4475/noreason.dat", Valid),
    // 3.1.2
    ("rfc4475/badinv01.dat", Invalid),
    ("rfc4475/clerr.dat", Invalid),
    ("rfc4475/ncl.dat", Invalid),
    ("rfc4475/scalar02.dat", Invalid),
    ("rfc4475/scalarlg.dat", Invalid),
    ("rfc4475/quotbal.dat", Invalid),
    ("rfc4475/ltgtruri.dat", Invalid),
    ("rfc4475/lwsruri.dat", Invalid),
    ("rfc4475/lwsstart.dat", Invalid),
    ("rfc4475/trws.dat", Either),
    ("rfc4475/escruri.dat", Invalid),
    ("rfc4475/baddate.dat", Invalid),
    ("rfc4475/regbadct.dat", Invalid),
    ("rfc4475/badaspec.dat", Invalid),
    ("rfc4475/baddn.dat", Invalid),
    ("rfc4475/badvers.dat", Invalid),
    ("rfc4475/mismatch01.dat", Invalid),
    ("rfc4475/mismatch02.dat", Invalid),
    ("rfc4475/bigcode.dat", Invalid),
    // 3.2
    ("rfc4475/badbranch.dat", WellFormed { strict_ok: true }),
    // 3.3
    ("rfc4475/insuf.dat", WellFormed { strict_ok: false }),
    ("rfc4475/unkscm.dat", WellFormed { strict_ok: true }),
    ("rfc4475/novelsc.dat", WellFormed { strict_ok: true }),
    ("rfc4475/unksm2.dat", WellFormed { strict_ok: true }),
    ("rfc4475/bext01.dat", WellFormed { strict_ok: true }),
    ("rfc4475/invut.dat", WellFormed { strict_ok: true }),
    ("rfc4475/regaut01.dat", WellFormed { strict_ok: true }),
    ("rfc4475/multi01.dat", WellFormed { strict_ok: false }),
    ("rfc4475/mcl01.dat", WellFormed { strict_ok: false }),
    ("rfc4475/bcast.dat", WellFormed { strict_ok: true }),
    ("rfc4475/zeromf.dat", WellFormed { strict_ok: true }),
    ("rfc4475/cparam01.dat", WellFormed { strict_ok: true }),
    ("rfc4475/cparam02.dat", WellFormed { strict_ok: true }),
    ("rfc4475/regescrt.dat", WellFormed { strict_ok: true }),
    ("rfc4475/sdp01.dat", WellFormed { strict_ok: true }),
    // 3.4
    ("rfc4475/inv2543.dat", WellFormed { strict_ok: true }),
    // RFC 5118
    (
        "rfc5118/ipv4-mapped-ipv6.dat",
        WellFormed { strict_ok: true },
    ),
    ("rfc5118/ipv6-bad.dat", Invalid),
    (
        "rfc5118/ipv6-bug-abnf-3-colons.dat",
        WellFormed { strict_ok: true },
    ),
    (
        "rfc5118/ipv6-correct-abnf-2-colons.dat",
        WellFormed { strict_ok: true },
    ),
    ("rfc5118/ipv6-good.dat", WellFormed { strict_ok: true }),
    ("rfc5118/ipv6-in-sdp.dat", WellFormed { strict_ok: true }),
    (
        "rfc5118/mult-ip-in-header.dat",
        WellFormed { strict_ok: true },
    ),
    ("rfc5118/mult-ip-in-sdp.dat", WellFormed { strict_ok: true }),
    ("rfc5118/port-ambiguous.dat", WellFormed { strict_ok: true }),
    (
        "rfc5118/port-unambiguous.dat",
        WellFormed { strict_ok: true },
    ),
    (
        "rfc5118/via-received-param-no-delim.dat",
        WellFormed { strict_ok: true },
    ),
    (
        "rfc5118/via-received-param-with-delim.dat",
        WellFormed { strict_ok: true },
    ),
];

fn dir() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/sip-torture"
    ))
}

fn load_all() -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for sub in std::fs::read_dir(dir()).expect("torture directory") {
        let sub = sub.unwrap().path();
        if !sub.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&sub).unwrap() {
            let f = f.unwrap().path();
            let rel = f
                .strip_prefix(dir())
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.insert(rel, std::fs::read(&f).unwrap());
        }
    }
    out
}

fn get(name: &str) -> SipMessage {
    let files = load_all();
    sip::parse(Bytes::from(files[name].clone())).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn check_roundtrip(name: &str, file: &[u8], m: &SipMessage) {
    // No-edit serialize: the received bytes, which are the file (or its
    // prefix, when Content-Length cut trailing bytes off).
    let out = m.serialize();
    assert_eq!(out, m.raw(), "{name}");
    assert!(
        file.starts_with(&out),
        "{name}: raw is not a prefix of the file"
    );
    let again = sip::parse(out.clone()).unwrap_or_else(|e| panic!("{name}: reparse: {e}"));
    assert_eq!(again.serialize(), out, "{name}");
    let h1: Vec<_> = m.headers().collect();
    let h2: Vec<_> = again.headers().collect();
    assert_eq!(h1, h2, "{name}");
    assert_eq!(m.body(), again.body(), "{name}");
    assert_eq!(m.ruri_str(), again.ruri_str(), "{name}");
    assert_eq!(m.status(), again.status(), "{name}");

    // An edit leaves every other header line as it was.
    let mut e = m.clone();
    e.append_header("X-Torture", "1").unwrap();
    let ed =
        sip::parse(e.serialize()).unwrap_or_else(|err| panic!("{name}: edited reparse: {err}"));
    let keep =
        |h: &sip::Header<'_>| h.name != HeaderName::ContentLength && h.name_raw != "X-Torture";
    let a: Vec<_> = m.headers().filter(keep).collect();
    let b: Vec<_> = ed.headers().filter(keep).collect();
    assert_eq!(a, b, "{name}");
    assert_eq!(ed.header_by_name("x-torture"), Some("1"), "{name}");
    assert_eq!(ed.body(), m.body(), "{name}");
    let again = sip::parse(ed.serialize()).unwrap();
    assert_eq!(again.serialize(), ed.serialize(), "{name}");
}

#[test]
fn every_file_is_classified() {
    let files = load_all();
    let listed: Vec<&str> = TABLE.iter().map(|(n, _)| *n).collect();
    for f in files.keys() {
        if f.ends_with(".dat") {
            assert!(listed.contains(&f.as_str()), "{f} is not in the table");
        }
    }
    for n in &listed {
        assert!(
            files.contains_key(*n),
            "{n} is missing from the torture directory"
        );
    }
}

#[test]
fn classification() {
    let files = load_all();
    for (name, class) in TABLE {
        let bytes = &files[*name];
        let parsed = sip::parse(Bytes::from(bytes.clone()));
        let validated = parsed.as_ref().map_err(|e| *e).and_then(|m| m.validate());
        match class {
            Valid => {
                let m = parsed
                    .as_ref()
                    .unwrap_or_else(|e| panic!("{name}: parse: {e}"));
                m.validate()
                    .unwrap_or_else(|e| panic!("{name}: validate: {e}"));
                m.validate_strict()
                    .unwrap_or_else(|e| panic!("{name}: validate_strict: {e}"));
            }
            WellFormed { strict_ok } => {
                let m = parsed
                    .as_ref()
                    .unwrap_or_else(|e| panic!("{name}: parse: {e}"));
                m.validate()
                    .unwrap_or_else(|e| panic!("{name}: validate: {e}"));
                assert_eq!(
                    m.validate_strict().is_ok(),
                    *strict_ok,
                    "{name}: validate_strict"
                );
            }
            Invalid => {
                let err = validated.expect_err(name);
                assert!(!err.reason().is_empty());
                // A request with a readable Via gets a 400 built from raw
                // bytes; badinv01's top Via itself is broken, so it is dropped.
                let raw_reply = build_reply_from_raw(
                    bytes,
                    err.status_code(),
                    err.reason(),
                    &ReplyOptions::default(),
                );
                if *name == "rfc4475/badinv01.dat" || bytes.starts_with(b"SIP/") {
                    assert!(raw_reply.is_none(), "{name}");
                } else {
                    let (reply, via) = raw_reply.unwrap_or_else(|| panic!("{name}: no reply"));
                    // The reply parses (its copied CSeq etc. may be as bad
                    // as the request's, so it is not validated).
                    let r = sip::parse(reply).unwrap_or_else(|e| panic!("{name}: reply: {e}"));
                    assert_eq!(r.status(), Some(err.status_code()), "{name}");
                    assert_eq!(r.top_via().unwrap().branch(), via.branch(), "{name}");
                }
            }
            Either => {}
        }
        if let Ok(m) = &parsed {
            check_roundtrip(name, bytes, m);
            if m.validate().is_ok() {
                // The fast tag getters agree with the full address parse.
                fn full_tag<'a>(
                    a: Option<Result<sip::NameAddr<'a>, sip::ParseError>>,
                ) -> Option<&'a str> {
                    a.and_then(|a| a.ok()).and_then(|a| a.tag())
                }
                assert_eq!(m.from_tag(), full_tag(m.from()), "{name}");
                assert_eq!(m.to_tag(), full_tag(m.to()), "{name}");
            }
        }
        // Whatever happened, the raw reply builder must not panic.
        let _ = build_reply_from_raw(bytes, 400, "Bad Request", &ReplyOptions::default());
    }
}

#[test]
fn invalid_reasons() {
    let files = load_all();
    let reason = |n: &str| {
        let p = sip::parse(Bytes::from(files[n].clone()));
        p.and_then(|m| m.validate()).unwrap_err().reason()
    };
    assert_eq!(reason("rfc4475/clerr.dat"), "Content-Length mismatch");
    assert_eq!(
        reason("rfc4475/ncl.dat"),
        "Bad Request - Invalid Content-Length"
    );
    assert_eq!(
        reason("rfc4475/badinv01.dat"),
        "Bad Request - Malformed Via"
    );
    assert_eq!(reason("rfc4475/quotbal.dat"), "Bad Request - Malformed To");
    assert_eq!(reason("rfc4475/badaspec.dat"), "Bad Request - Malformed To");
    assert_eq!(reason("rfc4475/baddn.dat"), "Bad Request - Malformed From");
    assert_eq!(
        reason("rfc4475/ltgtruri.dat"),
        "Bad Request - Malformed Request-URI"
    );
    assert_eq!(
        reason("rfc4475/escruri.dat"),
        "Bad Request - Malformed Request-URI"
    );
    assert_eq!(
        reason("rfc4475/lwsruri.dat"),
        "Bad Request - Malformed Request-Line"
    );
    assert_eq!(
        reason("rfc4475/lwsstart.dat"),
        "Bad Request - Malformed Request-Line"
    );
    assert_eq!(
        reason("rfc4475/baddate.dat"),
        "Bad Request - Malformed Date"
    );
    assert_eq!(
        reason("rfc4475/regbadct.dat"),
        "Bad Request - Malformed Contact"
    );
    assert_eq!(reason("rfc4475/badvers.dat"), "Version Not Supported");
    assert_eq!(
        reason("rfc4475/mismatch01.dat"),
        "Bad Request - CSeq Method Mismatch"
    );
    assert_eq!(
        reason("rfc4475/mismatch02.dat"),
        "Bad Request - CSeq Method Mismatch"
    );
    assert_eq!(
        reason("rfc4475/bigcode.dat"),
        "Bad Request - Invalid Status Code"
    );
    assert_eq!(
        reason("rfc4475/scalar02.dat"),
        "Bad Request - Malformed CSeq"
    );
    assert_eq!(
        reason("rfc4475/scalarlg.dat"),
        "Bad Request - Malformed CSeq"
    );
    assert_eq!(
        reason("rfc5118/ipv6-bad.dat"),
        "Bad Request - Malformed Request-URI"
    );
}

#[test]
fn wsinv() {
    let m = get("rfc4475/wsinv.dat");
    assert_eq!(m.method(), Some(&Method::Invite));
    assert!(m.ruri().unwrap().unwrap().has_param("unknownparam"));
    let vias: Vec<_> = m.vias().map(|v| v.unwrap()).collect();
    assert_eq!(vias.len(), 3);
    assert_eq!(
        (vias[0].transport(), vias[0].host(), vias[0].branch()),
        ("UDP", "192.0.2.2", Some("390skdjuw"))
    );
    assert_eq!(
        (vias[1].transport(), vias[1].host(), vias[1].branch()),
        ("TCP", "spindle.example.com", Some("z9hG4bK9ikj8"))
    );
    assert_eq!(
        (vias[2].transport(), vias[2].host(), vias[2].branch()),
        ("UDP", "192.168.255.111", Some("z9hG4bK30239"))
    );
    let from = m.from().unwrap().unwrap();
    assert_eq!(from.display_name().unwrap(), "J Rosenberg \\\"");
    assert_eq!(from.tag(), Some("98asjd8"));
    assert_eq!(from.uri().user(), Some("jdrosen"));
    let to = m.to().unwrap().unwrap();
    assert_eq!(to.tag(), Some("1918181833n"));
    assert_eq!(to.uri().host(), "chair-dnrc.example.com");
    assert_eq!(m.call_id(), Some("wsinv.ndaksdj@192.0.2.1"));
    let cseq = m.cseq().unwrap().unwrap();
    assert_eq!((cseq.seq, &cseq.method), (9, &Method::Invite));
    assert_eq!(m.max_forwards(), Some(Ok(68)));
    assert_eq!(m.header(HeaderName::Subject), Some(""));
    let c = m.contacts().next().unwrap().unwrap();
    assert_eq!(
        c.addr().unwrap().display_name().unwrap(),
        "Quoted string \"\""
    );
    assert_eq!(c.q(), Some("0.33"));
    assert_eq!(c.addr().unwrap().param("newparam"), Some("newvalue"));
    assert_eq!(c.addr().unwrap().param("secondparam"), Some(""));
    let nf = m
        .headers()
        .find(|h| h.name_raw == "NewFangledHeader")
        .unwrap();
    assert_eq!(
        nf.value_unfolded(),
        "newfangled value continued newfangled value"
    );
    assert_eq!(
        m.header_by_name("unknownheaderwithunusualvalue"),
        Some(";;,,;;,;")
    );
    assert_eq!(
        m.routes().next().unwrap().unwrap().uri().host(),
        "services.example.com"
    );
    assert_eq!(m.body().len(), 150);
}

#[test]
fn intmeth() {
    let m = get("rfc4475/intmeth.dat");
    let meth = "!interesting-Method0123456789_*+`.%indeed'~";
    assert_eq!(m.method(), Some(&Method::Other(meth.into())));
    assert_eq!(m.method_str(), Some(meth));
    assert_eq!(m.cseq().unwrap().unwrap().method_raw, meth);
    let ruri = m.ruri().unwrap().unwrap();
    assert_eq!(
        ruri.user(),
        Some("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*")
    );
    assert_eq!(
        ruri.password(),
        Some("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)")
    );
    assert_eq!(ruri.host(), "example.com");
    let to = m.to().unwrap().unwrap();
    assert_eq!(to.display_name().unwrap(), "BEL:\x07 NUL:\0 DEL:\x7f");
    assert_eq!(
        to.uri().user(),
        Some("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*")
    );
    let from = m.from().unwrap().unwrap();
    assert_eq!(
        from.display_name_raw(),
        Some("token1~` token2'+_ token3*%!.-")
    );
    assert_eq!(from.tag(), Some("_token~1'+`*%!-."));
    assert_eq!(from.param("fromParam''~+*_!.-%"), Some("\"работающий\""));
    assert_eq!(
        m.call_id(),
        Some("intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{")
    );
    assert_eq!(
        m.header_by_name("extensionHeader-!.%*+_`'~"),
        Some("\u{feff}大停電")
    );
    assert_eq!(m.max_forwards(), Some(Ok(255)));
}

#[test]
fn escapes() {
    let m = get("rfc4475/esc01.dat");
    assert_eq!(
        &*m.ruri().unwrap().unwrap().user_decoded().unwrap(),
        b"sips:user@example.com"
    );
    assert_eq!(
        &*m.to().unwrap().unwrap().uri().user_decoded().unwrap(),
        b"user"
    );
    assert_eq!(
        &*m.from().unwrap().unwrap().uri().user_decoded().unwrap(),
        b"I have spaces"
    );
    let c = m.contacts().next().unwrap().unwrap();
    let uri = *c.addr().unwrap().uri();
    assert_eq!(&*uri.user_decoded().unwrap(), b"caller");
    assert!(uri.is_loose_route());
    assert_eq!(uri.param("name"), Some("v%61lue%25%34%31"));
    assert_eq!(m.header(HeaderName::ContentType), Some("application/sdp"));

    let m = get("rfc4475/escnull.dat");
    assert_eq!(
        &*m.to().unwrap().unwrap().uri().user_decoded().unwrap(),
        b"null-\0-null"
    );
    let users: Vec<Vec<u8>> = m
        .contacts()
        .map(|c| {
            c.unwrap()
                .addr()
                .unwrap()
                .uri()
                .user_decoded()
                .unwrap()
                .into_owned()
        })
        .collect();
    assert_eq!(users, vec![b"\0".to_vec(), b"\0\0".to_vec()]);

    let m = get("rfc4475/esc02.dat");
    assert_eq!(m.method(), Some(&Method::Other("RE%47IST%45R".into())));
    assert_eq!(m.contacts().count(), 2);
    assert_eq!(
        m.header_by_name("C%6Fntact"),
        Some("<sip:alias2@host2.example.com>")
    );
    assert_eq!(m.top_via().unwrap().branch(), Some("z9hG4bK209%fzsnel234"));
}

#[test]
fn lwsdisp_longreq_dblreq_semiuri() {
    let m = get("rfc4475/lwsdisp.dat");
    assert_eq!(m.from().unwrap().unwrap().display_name().unwrap(), "caller");

    let m = get("rfc4475/longreq.dat");
    assert_eq!(m.via_count(), 34);
    let vias: Vec<_> = m.vias().map(|v| v.unwrap().host().to_string()).collect();
    assert_eq!(vias[0], "sip33.example.com");
    assert_eq!(vias[33], "host.example.com");
    assert!(m
        .to()
        .unwrap()
        .unwrap()
        .display_name()
        .unwrap()
        .starts_with("I have a user name of extreme"));
    assert_eq!(m.to().unwrap().unwrap().uri().port(), Some(6000));
    assert!(m.from_tag().unwrap().starts_with("129829829829") && m.from_tag().unwrap().len() > 150);
    assert!(m
        .headers()
        .any(|h| h.name_raw.starts_with("Unknown-LongLongLong")));
    assert_eq!(m.body().len(), 150);

    let files = load_all();
    let m = get("rfc4475/dblreq.dat");
    assert_eq!(m.method(), Some(&Method::Register));
    assert_eq!(m.body(), b"");
    assert_eq!(m.call_id(), Some("dblreq.0ha0isndaksdj99sdfafnl3lk233412"));
    assert!(m.raw().len() < files["rfc4475/dblreq.dat"].len());
    assert!(m.raw().ends_with(b"Content-Length: 0\r\n\r\n"));

    let m = get("rfc4475/semiuri.dat");
    let u = m.ruri().unwrap().unwrap();
    assert_eq!(u.user(), Some("user;par=u%40example.net"));
    assert_eq!(u.host(), "example.com");
    assert_eq!(u.params_raw(), None);
    let accept: Vec<_> = m.header_values(HeaderName::Accept).collect();
    assert_eq!(accept.len(), 6);
    assert_eq!(accept[5], "message/sipfrag");
}

#[test]
fn transports_mpart_status_lines() {
    let m = get("rfc4475/transports.dat");
    let t: Vec<_> = m
        .vias()
        .map(|v| v.unwrap().transport().to_string())
        .collect();
    assert_eq!(t, vec!["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"]);
    assert_eq!(m.call_id(), Some("transports.kijh4akdnaqjkwendsasfdj"));

    let m = get("rfc4475/mpart01.dat");
    assert_eq!(m.body().len(), 553);
    let ct = m.content_type().unwrap().unwrap();
    assert!(ct.is("multipart", "mixed"));
    assert_eq!(ct.param("boundary"), Some("7a9cbec02ceef655"));
    assert!(m.body().starts_with(b"--7a9cbec02ceef655\r\n"));
    assert!(m.top_via().unwrap().has_rport());

    let m = get("rfc4475/unreason.dat");
    assert_eq!(m.status(), Some(200));
    assert!(m
        .reason()
        .unwrap()
        .starts_with("= 2**3 * 5**2 \u{43d}\u{43e}"));
    let m = get("rfc4475/noreason.dat");
    assert_eq!(m.status(), Some(100));
    assert_eq!(m.reason(), Some(""));
}

#[test]
fn application_layer() {
    let m = get("rfc4475/unkscm.dat");
    assert_eq!(m.ruri().unwrap().unwrap().scheme(), sip::Scheme::Other);
    let m = get("rfc4475/unksm2.dat");
    assert_eq!(m.to().unwrap().unwrap().uri().scheme_str(), "isbn");
    let m = get("rfc4475/regaut01.dat");
    assert_eq!(
        m.header_values(HeaderName::Authorization)
            .collect::<Vec<_>>(),
        vec!["NoOneKnowsThisScheme opaque-data=here"]
    );
    let m = get("rfc4475/cparam01.dat");
    let c = m.contacts().next().unwrap().unwrap();
    assert_eq!(c.addr().unwrap().param("unknownparam"), Some(""));
    let m = get("rfc4475/cparam02.dat");
    let c = m.contacts().next().unwrap().unwrap();
    assert!(c.addr().unwrap().uri().has_param("unknownparam"));
    let m = get("rfc4475/regescrt.dat");
    let c = m.contacts().next().unwrap().unwrap();
    assert_eq!(
        c.addr().unwrap().uri().headers().next(),
        Some(("Route", "%3Csip:sip.example.com%3E"))
    );
    let m = get("rfc4475/mcl01.dat");
    assert_eq!(m.content_length(), Some(13));
    assert_eq!(m.body(), b"There's no wa");
    let m = get("rfc4475/zeromf.dat");
    assert_eq!(m.max_forwards(), Some(Ok(0)));
    let m = get("rfc4475/inv2543.dat");
    assert_eq!(m.content_length(), None);
    assert_eq!(m.top_via().unwrap().branch(), None);
    assert_eq!(m.body().len(), 105);
    let m = get("rfc4475/badbranch.dat");
    assert_eq!(m.top_via().unwrap().branch(), Some("z9hG4bK"));
}

#[test]
fn rfc5118() {
    let m = get("rfc5118/port-ambiguous.dat");
    let u = m.ruri().unwrap().unwrap();
    assert_eq!(u.host(), "[2001:db8::10:5070]");
    assert_eq!(u.port(), None);
    let m = get("rfc5118/port-unambiguous.dat");
    let u = m.ruri().unwrap().unwrap();
    assert_eq!(u.host(), "[2001:db8::10]");
    assert_eq!(u.port(), Some(5070));
    let m = get("rfc5118/via-received-param-no-delim.dat");
    assert_eq!(
        m.top_via().unwrap().received_ip(),
        Some("2001:db8::9:255".parse().unwrap())
    );
    let m = get("rfc5118/via-received-param-with-delim.dat");
    assert_eq!(
        m.top_via().unwrap().received_ip(),
        Some("2001:db8::9:255".parse().unwrap())
    );
    let m = get("rfc5118/mult-ip-in-header.dat");
    let v: Vec<_> = m
        .vias()
        .map(|v| v.unwrap())
        .map(|v| (v.host().to_string(), v.port()))
        .collect();
    assert_eq!(
        v,
        vec![
            ("[2001:db8::9:1]".to_string(), Some(6050)),
            ("192.0.2.1".into(), None),
            ("[2001:db8::9:255]".into(), None)
        ]
    );
    let m = get("rfc5118/ipv4-mapped-ipv6.dat");
    assert_eq!(m.top_via().unwrap().host(), "[::ffff:192.0.2.10]");
    assert_eq!(m.body().len(), 236);
    let m = get("rfc5118/ipv6-bug-abnf-3-colons.dat");
    assert_eq!(m.ruri().unwrap().unwrap().host(), "[2001:db8:::192.0.2.1]");
    let m = get("rfc5118/ipv6-good.dat");
    assert_eq!(
        m.contacts()
            .next()
            .unwrap()
            .unwrap()
            .addr()
            .unwrap()
            .uri()
            .host_unbracketed(),
        "2001:db8::1"
    );
}
