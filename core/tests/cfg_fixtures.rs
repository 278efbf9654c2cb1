//! The cfg fixtures under the repository's `tests/cfg/`: every valid one
//! loads (and some loaded values are checked), every broken one fails with
//! the file, line and message announced by its `# expect:` header line:
//!
//! * `# expect: LINE: substring` — error in the fixture itself,
//! * `# expect: PATH:LINE: substring` — error in an included file whose
//!   path ends with PATH.

use std::path::{Path, PathBuf};

use switchboard_core::cfg::{self, LoadOptions, RouteKind, TokenKind, Value};
use switchboard_core::transport::addr::Protocol;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/cfg")
}

fn load(rel: &str, defines: &[(&str, Option<&str>)]) -> Result<cfg::Config, cfg::CfgError> {
    let opts = LoadOptions {
        defines: defines.iter().map(|(n, v)| (n.to_string(), v.map(str::to_string))).collect(),
    };
    cfg::load(&fixtures().join(rel), &opts)
}

fn body_text(r: &cfg::RouteBlock) -> String {
    r.tokens.iter().map(|t| t.text()).collect::<Vec<_>>().join(" ")
}

#[test]
fn kamailio31_default_cfg_loads_without_defines() {
    let c = load("valid/kamailio31.cfg", &[]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.globals.debug, 2);
    assert!(!c.globals.log_stderror);
    assert_eq!(c.globals.children, 4);
    assert_eq!(c.globals.port, 5060);
    assert_eq!(c.globals.log_facility, "LOG_LOCAL0");
    assert!(c.globals.mpath.as_deref().unwrap().contains("modules_k"));
    for m in ["mi_fifo", "kex", "tm", "tmx", "sl", "rr", "pv", "maxfwd", "usrloc", "registrar", "textops", "uri_db", "siputils", "xlog", "sanity", "ctl", "mi_rpc", "acc"] {
        assert!(c.is_loaded(m), "{m} not loaded");
    }
    assert!(!c.is_loaded("auth_db") && !c.is_loaded("db_mysql") && !c.is_loaded("nathelper"));
    assert_eq!(c.modparam("tm", "fr_timer"), Some(&Value::Int(30000)));
    assert_eq!(c.modparam("registrar", "method_filtering"), Some(&Value::Int(1)));
    assert_eq!(
        c.modparam("acc", "log_extra"),
        Some(&Value::Str("src_user=$fU;src_domain=$fd;dst_ouser=$tU;dst_user=$rU;dst_domain=$rd".into()))
    );
    assert!(c.route(RouteKind::Request, None).is_some());
    for r in ["RELAY", "REQINIT", "WITHINDLG", "REGISTRAR", "LOCATION", "PRESENCE", "AUTH", "NAT", "RTPPROXY", "SIPOUT", "PSTN"] {
        assert!(c.route(RouteKind::Route, Some(r)).is_some(), "route[{r}] missing");
    }
    assert!(c.route(RouteKind::Branch, Some("BRANCH_ONE")).is_some());
    assert!(c.route(RouteKind::OnReply, Some("REPLY_ONE")).is_some());
    assert!(c.route(RouteKind::Failure, Some("FAIL_ONE")).is_some());
    // WITH_NAT is not defined: its code is out of route[NAT]
    let nat = c.route(RouteKind::Route, Some("NAT")).unwrap();
    assert_eq!(body_text(nat), "return ;");
    // memdbg/memlog are accepted with one notice each
    assert_eq!(c.notices.iter().filter(|n| n.contains("'memdbg'")).count(), 1);
    assert!(c.notices.iter().any(|n| n.contains("'memlog'") && n.contains("kamailio31.cfg:")));
    // modules outside switchboard's scope load with one "not active" notice
    // each (at their loadmodule line); the ones it implements with none
    for m in ["mi_fifo", "uri_db", "ctl", "mi_rpc", "acc"] {
        let n: Vec<_> = c.notices.iter().filter(|n| n.contains(&format!("module '{m}' is known but not active"))).collect();
        assert_eq!(n.len(), 1, "{m}: {:#?}", c.notices);
        assert!(n[0].contains("kamailio31.cfg:"), "{}", n[0]);
    }
    assert!(c.notices.iter().any(|n| n.contains("not implemented yet: kex")), "{:#?}", c.notices);
    for m in ["tm", "sl", "rr", "registrar", "usrloc", "textops", "xlog", "sanity", "siputils", "maxfwd", "pv", "tmx"] {
        assert!(!c.notices.iter().any(|n| n.contains(&format!("module '{m}'"))), "{m} is active: {:#?}", c.notices);
    }
}

#[test]
fn kamailio31_default_cfg_loads_with_all_features() {
    let all = [
        ("WITH_DEBUG", None),
        ("WITH_MYSQL", None),
        ("WITH_AUTH", None),
        ("WITH_IPAUTH", None),
        ("WITH_USRLOCDB", None),
        ("WITH_PRESENCE", None),
        ("WITH_NAT", None),
        ("WITH_PSTN", None),
        ("WITH_ACCDB", None),
    ];
    let c = load("valid/kamailio31.cfg", &all).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.globals.debug, 4);
    assert!(c.globals.log_stderror);
    for m in ["db_mysql", "auth", "auth_db", "permissions", "presence", "presence_xml", "nathelper", "rtpproxy"] {
        assert!(c.is_loaded(m), "{m} not loaded");
    }
    let dburl = Value::Str("mysql://openser:openserrw@localhost/openser".into());
    assert_eq!(c.modparam("auth_db", "db_url"), Some(&dburl));
    assert_eq!(c.modparam("usrloc", "db_url"), Some(&dburl));
    assert_eq!(c.modparam("usrloc", "db_mode"), Some(&Value::Int(2)));
    assert_eq!(c.modparam("auth_db", "calculate_ha1"), Some(&Value::Int(1)));
    assert_eq!(c.modparam("registrar", "received_avp"), Some(&Value::Str("$avp(i:80)".into())));
    assert_eq!(c.modparam("nathelper", "received_avp"), Some(&Value::Str("$avp(i:80)".into())));
    let pstn = &c.custom_params[0];
    assert_eq!((pstn.group.as_str(), pstn.name.as_str()), ("pstn", "gw_ip"));
    assert_eq!(pstn.value, Value::Str(String::new()));
    assert_eq!(pstn.description.as_deref(), Some("PSTN GW Address"));
    assert!(body_text(c.route(RouteKind::Route, Some("NAT")).unwrap()).contains("fix_nated_register"));
}

#[test]
fn full_fixture() {
    let c = load("valid/full.cfg", &[]).unwrap_or_else(|e| panic!("{e}"));
    let g = &c.globals;
    // defines, trydef, nested ifdef/ifndef/else
    assert_eq!(g.debug, 2);
    assert_eq!(g.children, 6);
    // redefine
    assert_eq!(g.log_prefix.as_deref(), Some("{$mt $hdr(CSeq) $ci} "));
    // listens incl. IPv6 and advertise/name
    assert_eq!(g.listen.len(), 3);
    assert_eq!(g.listen[1].proto, Some(Protocol::Tcp));
    assert_eq!(g.listen[1].advertise, Some(("192.0.2.10".into(), Some(5060))));
    assert_eq!(g.listen_attrs[1].name.as_deref(), Some("tcp0"));
    assert_eq!((g.listen[2].host.as_str(), g.listen[2].port), ("::1", Some(5062)));
    // substdef in an identifier, plain alias in a string
    assert_eq!(g.alias.len(), 2);
    assert_eq!((g.alias[0].host.as_str(), g.alias[0].port), ("sip.example.com", Some(5060)));
    assert_eq!(g.alias[1].host, "other.example.com");
    // two statements on one line
    assert_eq!((g.tcp_connection_lifetime, g.tcp_max_connections), (3605, 4096));
    // subst inside a string
    assert_eq!(g.server_header.as_deref(), Some("Server: switchboard s3cr3t"));
    assert_eq!(g.max_msg_size, 32768);
    // from the includes (params.cfg and its nested include)
    assert!(g.tcp_accept_no_cl);
    assert_eq!(g.user_agent_header.as_deref(), Some("User-Agent: switchboard"));
    assert_eq!(c.flags, vec![("FLAG_ACC".to_string(), 1), ("FLAG_MISSED".to_string(), 2)]);
    // modparams: MOD_registrar define, quoted int, a|b lists, define values, subst g flag
    assert_eq!(c.modparam("registrar", "default_expires"), Some(&Value::Int(1800)));
    let db = Value::Str("sqlite:///var/lib/switchboard/db.sqlite".into());
    assert_eq!(c.modparam("auth_db", "db_url"), Some(&db));
    assert_eq!(c.modparam("usrloc", "db_url"), Some(&db));
    assert_eq!(c.modparam("rr", "enable_full_lr"), Some(&Value::Int(1)));
    assert_eq!(c.modparam("auth", "secret"), Some(&Value::Str("s3cr3t-s3cr3t".into())));
    assert_eq!(c.modparam("usrloc", "nat_bflag"), Some(&Value::Int(5)));
    assert!(c.is_loaded("maxfwd"));
    // NOT_DEFINED_IN_COMMENT was inside /* */
    assert!(!c.is_defined("NOT_DEFINED_IN_COMMENT"));
    assert!(c.is_defined("MOD_tm") && c.is_defined("SWITCHBOARD"));
    // import_file of a missing file: a notice, not an error
    assert!(c.notices.iter().any(|n| n.contains("does-not-exist.cfg")));
    assert!(c.notices.iter().any(|n| n.contains("'memlog'")));

    // every routing block kind
    let kinds = [
        (RouteKind::Request, None),
        (RouteKind::Route, Some("REGISTRAR")),
        (RouteKind::Route, Some("1")),
        (RouteKind::Failure, Some("MANAGE_FAILURE")),
        (RouteKind::OnReply, Some("MANAGE_REPLY")),
        (RouteKind::OnReply, None),
        (RouteKind::Branch, Some("MANAGE_BRANCH")),
        (RouteKind::OnSend, None),
        (RouteKind::Event, Some("tm:local-request")),
        (RouteKind::Event, Some("core:worker-one-init")),
        (RouteKind::Reply, None),
        (RouteKind::Route, Some("FROM_INCLUDE")),
    ];
    for (k, n) in kinds {
        assert!(c.route(k, n).is_some(), "{k:?} {n:?} missing");
    }
    assert_eq!(c.routes.len(), kinds.len());

    let req = c.route(RouteKind::Request, None).unwrap();
    let full = fixtures().join("valid/full.cfg");
    let line_of = |needle: &str, file: &Path| {
        std::fs::read_to_string(file).unwrap().lines().position(|l| l.contains(needle)).unwrap() as u32 + 1
    };
    // the multi-line define expands on the line where it is used
    let mf = req.tokens.iter().find(|t| t.ident() == Some("mf_process_maxfwd_header")).unwrap();
    assert_eq!(mf.origin.line, line_of("\tMULTI_LINE_CHECK", &full));
    // the include inside the route block: tokens carry the include's file and line
    let sc = req.tokens.iter().find(|t| t.ident() == Some("sanity_check")).unwrap();
    let body_file = fixtures().join("valid/inc/route-body.cfg");
    assert!(sc.origin.file.ends_with("inc/route-body.cfg"), "{}", sc.origin);
    assert_eq!(sc.origin.line, line_of("sanity_check", &body_file));
    // substdef/substdefs in a string of a route body
    let xl = req
        .tokens
        .iter()
        .find_map(|t| match &t.kind {
            TokenKind::Str { value, .. } if value.starts_with("domain ") => Some(value.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(xl, "domain sip.example.com realm example.com\n");
    // flag define replaced in a route body
    assert!(body_text(req).contains("setflag ( 1 )"));
    // routes from an include keep the include's name and line
    let fi = c.route(RouteKind::Route, Some("FROM_INCLUDE")).unwrap();
    let routes_file = fixtures().join("valid/inc/routes.cfg");
    assert!(fi.origin.file.ends_with("inc/routes.cfg"));
    assert_eq!(fi.origin.line, line_of("route[FROM_INCLUDE]", &routes_file));
    assert_eq!(fi.tokens[0].origin.line, fi.origin.line + 1);
    // relative script paths resolve against the cfg's directory
    assert_eq!(c.resolve_path("x.lua"), fixtures().join("valid").join("x.lua"));
}

#[test]
fn full_fixture_with_cmdline_defines() {
    let c = load("valid/full.cfg", &[("WITH_DEBUG", None)]).unwrap();
    assert_eq!(c.globals.debug, 3);
    assert!(c.globals.log_stderror);
    assert_eq!(c.globals.children, 8); // default: the children= lines are in the #!else part
    // -A CHILDREN=3 makes the cfg's '#!define CHILDREN 6' a redefinition error
    let e = load("valid/full.cfg", &[("CHILDREN", Some("3"))]).unwrap_err();
    assert!(e.message.contains("CHILDREN") && e.origin.unwrap().file.ends_with("full.cfg"));
}

#[test]
fn cfg_print_output() {
    let s = cfg::preprocess_to_string(&fixtures().join("valid/full.cfg"), &LoadOptions::default()).unwrap();
    assert!(s.contains("children=6"));
    assert!(s.contains("route-body.cfg:2\n"), "{s}");
    assert!(!s.contains("block comment"));
    assert!(!s.contains("#!define"));
}

/// `(path suffix or None for the fixture itself, line, substring)`
fn expectation(file: &Path) -> (Option<String>, u32, String) {
    let text = std::fs::read_to_string(file).unwrap();
    let line = text.lines().find_map(|l| l.strip_prefix("# expect: ")).unwrap_or_else(|| panic!("{}: no '# expect:' line", file.display()));
    let (first, rest) = line.split_once(": ").unwrap();
    match first.rsplit_once(':') {
        Some((path, n)) => (Some(path.to_string()), n.parse().unwrap(), rest.to_string()),
        None => (None, first.parse().unwrap(), rest.to_string()),
    }
}

#[test]
fn broken_fixtures_fail_where_announced() {
    let dir = fixtures().join("broken");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "cfg"))
        .collect();
    files.sort();
    for required in ["syntax", "unknown_param", "unknown_module", "bad_modparam_type", "missing_include", "bad_global_type", "modparam_not_loaded"] {
        assert!(files.iter().any(|f| f.file_stem().unwrap() == required), "missing fixture {required}.cfg");
    }
    for f in files {
        let (path, line, substring) = expectation(&f);
        let err = cfg::load(&f, &LoadOptions::default()).expect_err(&format!("{} should fail", f.display()));
        let origin = err.origin.clone().unwrap_or_else(|| panic!("{}: error without origin: {err}", f.display()));
        match &path {
            Some(p) => assert!(origin.file.ends_with(p), "{}: error in {}, expected {p}: {err}", f.display(), origin.file.display()),
            None => assert_eq!(&*origin.file, f.as_path(), "{}: {err}", f.display()),
        }
        assert_eq!(origin.line, line, "{}: {err}", f.display());
        assert!(err.message.contains(&substring), "{}: message {:?} lacks {substring:?}", f.display(), err.message);
        // Display is file:line: message
        assert!(err.to_string().starts_with(&format!("{}:{line}: ", origin.file.display())));
    }
}

#[test]
fn valid_fixtures_all_load() {
    for e in std::fs::read_dir(fixtures().join("valid")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "cfg") {
            cfg::load(&p, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}
