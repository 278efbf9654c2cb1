//! Tests of the native engine: every statement, every operator, and every
//! load-time error, through the whole pipeline (cfg file → `cfg::load` →
//! `NativeFactory::from_config` → `Engine::run` on a parsed message).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use switchboard_core::cfg::{self, LoadOptions};
use switchboard_core::engine::{Callback, EngineFactory};
use switchboard_core::myself::Myself;
use switchboard_core::route::{Avps, RouteCtx, RouteType, Shared, Stop, Value, Vars};
use switchboard_core::transport::{Protocol, ReceiveInfo};

use crate::NativeFactory;

// ---------------------------------------------------------------------
// Helpers

const MODULES: &str = r#"loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "pv.so"
loadmodule "sanity.so"
"#;

const INVITE: &str = "INVITE sip:bob@example.com SIP/2.0
Via: SIP/2.0/UDP 192.0.2.7:5099;branch=z9hG4bK776asdhds;rport
Max-Forwards: 70
To: \"Bob\" <sip:bob@example.com>
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774
Call-ID: a84b4c76e66710@pc33.atlanta.example.com
CSeq: 314159 INVITE
Contact: <sip:alice@192.0.2.7:5099>
Content-Length: 0

";

const REPLY_486: &str = "SIP/2.0 486 Busy Here
Via: SIP/2.0/UDP 192.0.2.7:5099;branch=z9hG4bK776asdhds
To: <sip:bob@example.com>;tag=a6c85cf
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774
Call-ID: a84b4c76e66710@pc33.atlanta.example.com
CSeq: 314159 INVITE
Content-Length: 0

";

/// The message as sent on the wire: CRLF line ends.
fn wire(text: &str) -> String {
    text.replace('\n', "\r\n")
}

/// INVITE with another Request-URI.
fn invite_to(ruri: &str) -> String {
    INVITE.replacen("sip:bob@example.com SIP/2.0", &format!("{ruri} SIP/2.0"), 1)
}

static SEQ: AtomicUsize = AtomicUsize::new(0);

/// Load and compile a whole cfg text; on failure the cfg file's path and
/// the error as displayed.
fn compile(text: &str) -> Result<NativeFactory, (PathBuf, String)> {
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("sb-native-test-{}-{n}.cfg", std::process::id()));
    std::fs::write(&path, text).unwrap();
    let r = cfg::load(&path, &LoadOptions::default()).and_then(|c| NativeFactory::from_config(&c));
    let _ = std::fs::remove_file(&path);
    r.map_err(|e| (path, e.to_string()))
}

/// What a run left behind.
struct Run {
    code: i32,
    stop: Stop,
    flags: u64,
    last_ret: i32,
    ruri: String,
    dst_uri: Option<String>,
    branches: Vec<String>,
    avps: Avps,
    vars: Vars,
}

impl Run {
    /// `$var(name)`, Null when the script never assigned it.
    fn var(&self, name: &str) -> Value {
        self.vars.get(name).cloned().unwrap_or(Value::Null)
    }
    fn flag(&self, n: u32) -> bool {
        self.flags & (1 << n) != 0
    }
    /// The values of `$avp(name)`, newest first.
    fn avp(&self, name: &str) -> Vec<Value> {
        self.avps.all(name).cloned().collect()
    }
}

fn int(i: i64) -> Value {
    Value::Int(i)
}

fn s(v: &str) -> Value {
    Value::Str(v.to_string())
}

/// Run callback `cb` of `cfg_text` on `msg`; `tweak` adjusts the shared
/// state first (module settings).
fn exec(cfg_text: &str, msg: &str, cb: Callback<'_>, route_type: RouteType, tweak: impl FnOnce(&mut Shared)) -> Run {
    let factory = compile(cfg_text).unwrap_or_else(|(_, e)| panic!("the cfg does not load: {e}\n{cfg_text}"));
    let engine = factory.create(1).unwrap();
    let mut myself = Myself::default();
    myself.add(Some(Protocol::Udp), "127.0.0.1", Some(5060));
    myself.add(None, "example.com", None);
    let mut shared = Shared::bare(myself);
    tweak(&mut shared);
    let info = ReceiveInfo {
        proto: Protocol::Udp,
        src: "192.0.2.7:5099".parse::<SocketAddr>().unwrap(),
        local: "127.0.0.1:5060".parse::<SocketAddr>().unwrap(),
        conn_id: None,
    };
    let msg = switchboard_core::sip::parse(bytes::Bytes::from(wire(msg))).expect("test message parses");
    let mut vars = Vars::new();
    let mut ctx = RouteCtx::new(&shared, route_type, msg, info, &mut vars);
    let code = engine.run(cb, &mut ctx).expect("the script runs");
    let (stop, flags, last_ret) = (ctx.stop, ctx.flags, ctx.last_ret);
    let (ruri, dst_uri, avps) = (ctx.ruri().to_string(), ctx.dst_uri.clone(), ctx.avps.clone());
    let branches = ctx.branches.iter().map(|b| b.uri.clone()).collect();
    drop(ctx);
    Run { code, stop, flags, last_ret, ruri, dst_uri, branches, avps, vars }
}

/// Run the request_route of a whole cfg on `msg`.
fn run_cfg(cfg_text: &str, msg: &str) -> Run {
    exec(cfg_text, msg, Callback::Request, RouteType::Request, |_| {})
}

/// A cfg with the usual modules, `body` as request_route and `extra`
/// blocks after it.
fn cfg_with(body: &str, extra: &str) -> String {
    format!("{MODULES}\nrequest_route {{\n{body}\n}}\n{extra}\n")
}

/// Run `body` as request_route on the INVITE.
fn run(body: &str) -> Run {
    run_cfg(&cfg_with(body, ""), INVITE)
}

/// The values of `exprs`, computed by one script (after `prelude`) on `msg`.
fn eval_on(msg: &str, prelude: &str, exprs: &[&str]) -> Vec<Value> {
    let mut body = prelude.to_string();
    for (i, e) in exprs.iter().enumerate() {
        body.push_str(&format!("\n$var(r{i}) = {e};"));
    }
    let r = run_cfg(&cfg_with(&body, ""), msg);
    (0..exprs.len()).map(|i| r.var(&format!("r{i}"))).collect()
}

/// Check `(expression, expected value)` pairs, all in one script.
fn check_on(msg: &str, prelude: &str, cases: &[(&str, Value)]) {
    let exprs: Vec<&str> = cases.iter().map(|(e, _)| *e).collect();
    for ((e, want), got) in cases.iter().zip(eval_on(msg, prelude, &exprs)) {
        assert_eq!(&got, want, "{e}");
    }
}

fn check(cases: &[(&str, Value)]) {
    check_on(INVITE, "", cases);
}

/// A cfg for load-error tests: its request_route `body` starts on line 3.
fn err_cfg(body: &str, extra: &str) -> String {
    format!("loadmodule \"tm.so\"\nrequest_route {{\n{body}\n}}\n{extra}")
}

/// Loading `text` fails; the error names the cfg file and `line` and says
/// each of `words`.
fn assert_load_err(text: &str, line: u32, words: &[&str]) {
    let (path, msg) = match compile(text) {
        Ok(_) => panic!("the cfg loads, but should not:\n{text}"),
        Err(e) => e,
    };
    let at = format!("{}:{line}:", path.display());
    assert!(msg.starts_with(&at), "{msg:?} should start with {at:?}");
    for w in words {
        assert!(msg.contains(w), "{msg:?} should say {w:?}");
    }
}

// ---------------------------------------------------------------------
// Statements

#[test]
fn if_else_if_else_chains() {
    let body = |x: i64| {
        format!(
            r#"$var(x) = {x};
            if ($var(x) == 1) {{
                $var(r) = "one";
            }} else if ($var(x) == 2) {{
                $var(r) = "two";
            }} else {{
                $var(r) = "other";
            }}
            if ($var(x) == 1) $var(s) = "then"; else $var(s) = "else";
            if (0) {{ $var(never) = 1; }}"#
        )
    };
    for (x, r, st) in [(1, "one", "then"), (2, "two", "else"), (3, "other", "else")] {
        let run = run(&body(x));
        assert_eq!(run.var("r"), s(r), "x = {x}");
        assert_eq!(run.var("s"), s(st), "x = {x}");
        assert_eq!(run.var("never"), Value::Null);
    }
}

#[test]
fn bare_blocks_run_in_place() {
    let r = run("{ $var(a) = 1; { $var(b) = 2; } } $var(c) = 3;");
    assert_eq!((r.var("a"), r.var("b"), r.var("c")), (int(1), int(2), int(3)));
}

#[test]
fn switch_on_integers() {
    let body = |x: &str| {
        format!(
            r#"switch ({x}) {{
                case 1: $var(r) = "one"; break;
                case -2: $var(r) = "minus two"; break;
                default: $var(r) = "other";
            }}"#
        )
    };
    assert_eq!(run(&body("1")).var("r"), s("one"));
    assert_eq!(run(&body("-2")).var("r"), s("minus two"));
    assert_eq!(run(&body("7")).var("r"), s("other"));
    // A numeric string matches an integer case, a non-numeric one does not.
    assert_eq!(run(&body("\"1\"")).var("r"), s("one"));
    assert_eq!(run(&body("\"abc\"")).var("r"), s("other"));
}

#[test]
fn switch_on_strings() {
    let body = r#"switch ($rU) {
        case "alice": $var(r) = "a"; break;
        case "bob": $var(r) = "b"; break;
        default: $var(r) = "?";
    }"#;
    assert_eq!(run(body).var("r"), s("b"));
    let cfg = cfg_with(body, "");
    assert_eq!(run_cfg(&cfg, &invite_to("sip:alice@example.com")).var("r"), s("a"));
    assert_eq!(run_cfg(&cfg, &invite_to("sip:carol@example.com")).var("r"), s("?"));
}

#[test]
fn switch_on_regular_expressions() {
    let body = |n: &str| {
        format!(
            r#"$var(n) = "{n}";
            switch ($var(n)) {{
                case /"^\+49.*": $var(r) = "de"; break;
                case /"^\\+33": $var(r) = "fr"; break;
                case /"^[0-9]+$": $var(r) = "digits"; break;
                default: $var(r) = "?";
            }}"#
        )
    };
    assert_eq!(run(&body("+4930123")).var("r"), s("de"));
    assert_eq!(run(&body("+33123")).var("r"), s("fr"));
    assert_eq!(run(&body("0049")).var("r"), s("digits"));
    // The `+` is a literal plus: "49..." without it is not German.
    assert_eq!(run(&body("4930x")).var("r"), s("?"));
}

#[test]
fn switch_fall_through_and_default_first() {
    // Cases without `break` run on into the next ones, in order; `default`
    // may come first and falls through like any case.
    let body = |x: i64| {
        format!(
            r#"$var(r) = "";
            switch ({x}) {{
                default: $var(r) = $var(r) + "d";
                case 1: $var(r) = $var(r) + "1";
                case 2: $var(r) = $var(r) + "2"; break;
                case 3: $var(r) = $var(r) + "3";
            }}
            $var(after) = 1;"#
        )
    };
    for (x, want) in [(1, "12"), (2, "2"), (3, "3"), (9, "d12")] {
        let r = run(&body(x));
        assert_eq!(r.var("r"), s(want), "x = {x}");
        assert_eq!(r.var("after"), int(1));
    }
}

#[test]
fn switch_without_a_matching_case_or_default_does_nothing() {
    let r = run("switch (5) { case 1: $var(r) = 1; } $var(after) = 1;");
    assert_eq!((r.var("r"), r.var("after")), (Value::Null, int(1)));
}

#[test]
fn break_leaves_only_the_innermost_switch_or_while() {
    let r = run(r#"$var(i) = 0; $var(n) = 0;
        while ($var(i) < 10) {
            $var(i) = $var(i) + 1;
            switch ($var(i)) {
                case 3: break;
                default: $var(n) = $var(n) + 1;
            }
        }
        $var(k) = 0;
        while (1) {
            $var(k) = $var(k) + 1;
            if ($var(k) >= 3) { break; }
        }"#);
    // The switch's break does not end the loop: i counts to 10 and only
    // i == 3 skipped the default.
    assert_eq!((r.var("i"), r.var("n")), (int(10), int(9)));
    assert_eq!(r.var("k"), int(3));
}

#[test]
fn while_loops() {
    let r = run(r#"$var(i) = 0; $var(sum) = 0;
        while ($var(i) < 4) { $var(i) = $var(i) + 1; $var(sum) = $var(sum) + $var(i); }
        while (0) { $var(never) = 1; }"#);
    assert_eq!((r.var("i"), r.var("sum"), r.var("never")), (int(4), int(10), Value::Null));
}

#[test]
fn max_while_loops_stops_a_runaway_loop() {
    let cfg = format!("max_while_loops=5\n{}", cfg_with("while (1) { $var(n) = $var(n) + 1; } $var(after) = 1;", ""));
    let r = run_cfg(&cfg, INVITE);
    assert_eq!(r.var("n"), int(5));
    // Only the loop stops, not the script.
    assert_eq!(r.var("after"), int(1));
    assert_eq!((r.code, r.stop), (1, Stop::No));
}

#[test]
fn max_while_loops_zero_disables_the_limit() {
    // Kamailio: "Setting to 0 disables the protection".
    let cfg = format!("max_while_loops=0\n{}", cfg_with("while ($var(n) < 200) { $var(n) = $var(n) + 1; }", ""));
    assert_eq!(run_cfg(&cfg, INVITE).var("n"), int(200));
}

#[test]
fn return_values_of_the_request_route() {
    let r = run("return(5); $var(after) = 1;");
    assert_eq!((r.code, r.stop, r.var("after")), (5, Stop::No, Value::Null));
    assert_eq!(run("return(-3);").code, -3);
    assert_eq!(run("$var(a) = 1; return;").code, 1);
    assert_eq!(run("$var(a) = 1;").code, 1);
    assert_eq!(run("return(2 + 3 * 4);").code, 14);
}

#[test]
fn return_zero_ends_the_script_even_from_a_sub_route() {
    let r = run("return(0); $var(after) = 1;");
    assert_eq!((r.code, r.stop, r.var("after")), (0, Stop::Exit, Value::Null));

    let cfg = cfg_with("route(ZERO); $var(after) = 1;", "route[ZERO] { $var(in) = 1; return(0); }");
    let r = run_cfg(&cfg, INVITE);
    assert_eq!((r.code, r.stop), (0, Stop::Exit));
    assert_eq!((r.var("in"), r.var("after")), (int(1), Value::Null));
}

#[test]
fn return_from_a_sub_route_goes_back_to_the_caller() {
    let cfg = cfg_with(
        "route(TWO); $var(a) = $rc; route(PLAIN); $var(b) = $rc;",
        "route[TWO] { return(2); $var(never) = 1; }\nroute[PLAIN] { return; }",
    );
    let r = run_cfg(&cfg, INVITE);
    assert_eq!((r.var("a"), r.var("b"), r.var("never")), (int(2), int(1), Value::Null));
    assert_eq!((r.code, r.stop), (1, Stop::No));
}

#[test]
fn exit_ends_the_script() {
    let r = run("$var(a) = 1; exit; $var(b) = 1;");
    assert_eq!((r.code, r.stop), (0, Stop::Exit));
    assert_eq!((r.var("a"), r.var("b")), (int(1), Value::Null));

    let cfg = cfg_with("route(OUT); $var(b) = 1;", "route[OUT] { while (1) { exit(); } }");
    let r = run_cfg(&cfg, INVITE);
    assert_eq!((r.code, r.stop, r.var("b")), (0, Stop::Exit, Value::Null));
}

#[test]
fn drop_ends_the_script_and_marks_the_message() {
    let r = run("$var(a) = 1; drop; $var(b) = 1;");
    assert_eq!((r.code, r.stop), (0, Stop::Drop));
    assert_eq!((r.var("a"), r.var("b")), (int(1), Value::Null));

    let cfg = cfg_with("route(D); $var(b) = 1;", "route[D] { if (1) { drop(); } }");
    let r = run_cfg(&cfg, INVITE);
    assert_eq!((r.code, r.stop, r.var("b")), (0, Stop::Drop, Value::Null));
}

#[test]
fn route_calls_by_name_string_and_number() {
    let cfg = cfg_with(
        r#"route(ADD); route(ADD); route("ADD"); route(1);"#,
        "route[ADD] { $var(n) = $var(n) + 1; }\nroute[1] { $var(one) = 1; }",
    );
    let r = run_cfg(&cfg, INVITE);
    assert_eq!((r.var("n"), r.var("one")), (int(3), int(1)));
}

#[test]
fn dynamic_route_names_resolve_when_run() {
    let cfg = cfg_with(
        r#"$var(x) = "B"; route($var(x));
        route("R_" + $rU);
        $var(x) = "NOPE"; route($var(x)); $var(missing_rc) = $rc;
        $var(after) = 1;"#,
        "route[B] { $var(b) = 1; }\nroute[R_bob] { $var(bob) = 1; }",
    );
    let r = run_cfg(&cfg, INVITE);
    assert_eq!((r.var("b"), r.var("bob")), (int(1), int(1)));
    // A missing block is a run-time error: $rc = -1, the script goes on.
    assert_eq!((r.var("missing_rc"), r.var("after")), (int(-1), int(1)));
}

#[test]
fn rc_after_route_and_function_calls() {
    let cfg = cfg_with(
        r#"route(NEG); $var(a) = $rc; $var(b) = $retcode; $var(c) = retcode;
        isflagset(7); $var(d) = $rc;
        setflag(7); $var(e) = $rc;
        if (route(NEG)) { $var(f) = "true"; } else { $var(f) = "false"; }
        if (route(POS)) { $var(g) = "true"; } else { $var(g) = "false"; }
        $var(h) = $rc;"#,
        "route[NEG] { return(-2); }\nroute[POS] { return(3); }",
    );
    let r = run_cfg(&cfg, INVITE);
    assert_eq!((r.var("a"), r.var("b"), r.var("c")), (int(-2), int(-2), int(-2)));
    assert_eq!((r.var("d"), r.var("e")), (int(-1), int(1)));
    assert_eq!((r.var("f"), r.var("g"), r.var("h")), (s("false"), s("true"), int(3)));
    assert_eq!(r.last_ret, 3);
}

#[test]
fn recursion_beyond_max_recursive_level_fails_the_call_and_goes_on() {
    // As Kamailio: the route() that would go too deep returns -1 and the
    // script continues.
    let cfg = format!(
        "max_recursive_level=5\n{}",
        cfg_with(
            "route(LOOP); $var(after) = 1;",
            "route[LOOP] { $var(n) = $var(n) + 1; if (!route(LOOP)) { $var(deep) = $rc; } return(2); }"
        )
    );
    let r = run_cfg(&cfg, INVITE);
    assert_eq!(r.var("n"), int(5));
    assert_eq!(r.var("deep"), int(-1));
    assert_eq!((r.code, r.stop, r.var("after")), (1, Stop::No, int(1)));
}

#[test]
fn var_assignments() {
    let r = run(r#"$var(a) = 1; $var(a) = "x"; $var(b) = $null; $var(c) = $rU; $var(d) = $var(c) + "!";"#);
    assert_eq!((r.var("a"), r.var("b")), (s("x"), int(0)));
    assert_eq!((r.var("c"), r.var("d")), (s("bob"), s("bob!")));
}

#[test]
fn avp_assignments_stack_replace_and_remove() {
    let r = run(r#"$avp(x) = 1; $avp(x) = "two";
        $var(all) = $(avp(x)[*]); $var(top) = $avp(x);
        $avp(pop) = 1; $avp(pop) = 2; $avp(pop) = 3; $avp(pop) = $null;
        $avp(star) = 1; $avp(star) = 2; $(avp(star)[*]) = 9;
        $avp(colon) = 1; $avp(colon) = 2; $avp(colon) := 5;
        $avp(gone) = 1; $avp(gone) = 2; $(avp(gone)[*]) = $null;
        $var(gone) = defined $avp(gone); $var(colon) = defined $avp(colon);"#);
    assert_eq!(r.avp("x"), vec![s("two"), int(1)]);
    assert_eq!((r.var("all"), r.var("top")), (s("two,1"), s("two")));
    assert_eq!(r.avp("pop"), vec![int(2), int(1)]);
    assert_eq!(r.avp("star"), vec![int(9)]);
    assert_eq!(r.avp("colon"), vec![int(5)]);
    assert_eq!(r.avp("gone"), Vec::<Value>::new());
    assert_eq!((r.var("gone"), r.var("colon")), (int(0), int(1)));
}

#[test]
fn request_uri_and_destination_writes() {
    let r = run(r#"$rU = "carol"; $var(u) = $ru; $rd = "biloxi.example.com"; $du = "sip:10.0.0.9:5070";"#);
    assert_eq!(r.var("u"), s("sip:carol@example.com"));
    assert_eq!(r.ruri, "sip:carol@biloxi.example.com");
    assert_eq!(r.dst_uri.as_deref(), Some("sip:10.0.0.9:5070"));

    let r = run(r#"$ru = "sip:dave@atlanta.example.com;transport=tcp"; $var(user) = $rU; $var(host) = $rd;"#);
    assert_eq!(r.ruri, "sip:dave@atlanta.example.com;transport=tcp");
    assert_eq!((r.var("user"), r.var("host")), (s("dave"), s("atlanta.example.com")));
}

#[test]
fn core_functions_rewrite_and_branch() {
    let r = run(r#"rewriteuser("carol"); append_branch(); append_branch("sip:dave@example.net");"#);
    assert_eq!(r.ruri, "sip:carol@example.com");
    assert_eq!(r.branches, vec!["sip:carol@example.com".to_string(), "sip:dave@example.net".to_string()]);
    assert_eq!(r.last_ret, 1);
}

#[test]
fn function_arguments_from_variables_and_templates() {
    let r = run(r#"$var(u) = "erin"; $var(h) = "biloxi.example.com"; $var(f) = 6; $var(g) = 8;
        rewriteuser($var(u));
        rewritehost("$var(h)");
        setflag($var(f));
        setflag($var(f) + 1);
        setflag("$var(g)");
        xlog("L_INFO", "routing $rU to $rd\n"); $var(xlog_rc) = $rc;
        log(1, "plain log"); $var(log_rc) = $rc;"#);
    assert_eq!(r.ruri, "sip:erin@biloxi.example.com");
    assert!(r.flag(6) && r.flag(7) && r.flag(8));
    assert_eq!((r.var("xlog_rc"), r.var("log_rc")), (int(1), int(1)));
}

// ---------------------------------------------------------------------
// Expressions and operators

#[test]
fn comparison_operators() {
    check(&[
        ("1 == 1", int(1)),
        ("2 != 2", int(0)),
        ("2 != 3", int(1)),
        ("1 < 2", int(1)),
        ("2 < 1", int(0)),
        ("2 > 3", int(0)),
        ("3 > 2", int(1)),
        ("2 <= 2", int(1)),
        ("3 <= 2", int(0)),
        ("3 >= 4", int(0)),
        ("4 >= 4", int(1)),
        ("-1 < 0", int(1)),
        (r#""abc" == "abc""#, int(1)),
        (r#""abc" == "ABC""#, int(0)),
        (r#""abc" != "abd""#, int(1)),
        // The left operand's type decides the comparison.
        (r#"5 == "5""#, int(1)),
        (r#""5" == 5"#, int(1)),
        (r#"5 == "05""#, int(1)),
        (r#""05" == 5"#, int(0)),
        (r#"$rU == "bob""#, int(1)),
    ]);
}

#[test]
fn regex_match_operators() {
    check_on(
        INVITE,
        r#"$var(re) = "^BO";"#,
        &[
            (r#""sip:Bob@Example.COM" =~ "bob@example\.com""#, int(1)),
            (r#""abc" =~ "^b""#, int(0)),
            (r#""abc" !~ "^b""#, int(1)),
            (r#""abc" !~ "B""#, int(0)),
            (r#""123" =~ "^[[:digit:]]+$""#, int(1)),
            (r#""12a" =~ "^[[:digit:]]+$""#, int(0)),
            (r#"$rU =~ "^b.b$""#, int(1)),
            (r#"$ru =~ "^sip:(alice|bob)@""#, int(1)),
            // A regex computed at run time.
            ("$rU =~ $var(re)", int(1)),
            ("$rU !~ $var(re)", int(0)),
        ],
    );
}

#[test]
fn logical_operators() {
    check(&[
        ("1 && 1", int(1)),
        ("1 && 0", int(0)),
        ("0 || 0", int(0)),
        ("0 || 2", int(1)),
        ("!0", int(1)),
        ("!5", int(0)),
        // A non-numeric string is false; a numeric one is its number.
        (r#"!"abc""#, int(1)),
        (r#"!"7""#, int(0)),
        ("!$null", int(1)),
        ("!!3", int(1)),
    ]);
}

#[test]
fn logical_operators_short_circuit() {
    let r = run(r#"if (0 && setflag(1)) { $var(x) = 1; }
        if (1 || setflag(2)) { $var(y) = 1; }
        if (1 && setflag(3)) { $var(z) = 1; }
        if (0 || setflag(4)) { $var(w) = 1; }"#);
    assert!(!r.flag(1), "setflag(1) must not run after a false &&");
    assert!(!r.flag(2), "setflag(2) must not run after a true ||");
    assert!(r.flag(3) && r.flag(4));
    assert_eq!((r.var("x"), r.var("y"), r.var("z"), r.var("w")), (Value::Null, int(1), int(1), int(1)));
}

#[test]
fn plus_adds_or_concatenates_by_the_left_operand() {
    check(&[
        ("1 + 2", int(3)),
        (r#"1 + "2""#, int(3)),
        (r#"1 + "x""#, int(1)),
        (r#""1" + 2"#, s("12")),
        (r#""a" + "b""#, s("ab")),
        (r#"$rU + "@" + $rd"#, s("bob@example.com")),
        // An undefined left operand concatenates (Kamailio: RV_NONE → str).
        ("$null + 5", s("5")),
        (r#"$avp(none) + "x""#, s("x")),
        (r#""a" + $null"#, s("a")),
    ]);
}

#[test]
fn arithmetic_operators() {
    check(&[
        ("7 - 10", int(-3)),
        ("6 * 7", int(42)),
        ("7 / 2", int(3)),
        ("-7 / 2", int(-3)),
        ("7 % 3", int(1)),
        ("7 mod 3", int(1)),
        (r#""8" - 3"#, int(5)),
        (r#""8" * "2""#, int(16)),
        ("-(2 + 3)", int(-5)),
    ]);
}

#[test]
fn division_by_zero_yields_zero() {
    let r = run(
        "$var(a) = 5 / 0; $var(b) = 5 % 0; $var(c) = 5 mod 0; $var(z) = 0; $var(d) = 9 / $var(z); $var(after) = 1;",
    );
    assert_eq!((r.var("a"), r.var("b"), r.var("c"), r.var("d")), (int(0), int(0), int(0), int(0)));
    assert_eq!((r.var("after"), r.stop), (int(1), Stop::No));
}

#[test]
fn bitwise_operators() {
    check(&[
        ("6 | 1", int(7)),
        ("6 & 3", int(2)),
        ("6 ^ 3", int(5)),
        ("~0", int(-1)),
        ("~5 & 7", int(2)),
        ("1 << 4", int(16)),
        ("256 >> 4", int(16)),
        ("0x10 | 0x01", int(17)),
    ]);
}

#[test]
fn string_and_integer_equality_operators() {
    check(&[
        (r#""05" eq "5""#, int(0)),
        (r#"5 eq "5""#, int(1)),
        (r#""a" eq "a""#, int(1)),
        (r#""a" ne "b""#, int(1)),
        (r#""a" ne "a""#, int(0)),
        (r#""05" ieq 5"#, int(1)),
        (r#""05" ine 5"#, int(0)),
        (r#""6" ine 5"#, int(1)),
    ]);
}

#[test]
fn casts() {
    check(&[
        (r#"(int)"12" + 1"#, int(13)),
        ("(str)5 + 1", s("51")),
        (r#"(int)"abc""#, int(0)),
        ("(str)$null", s("")),
        ("(int)$rU", int(0)),
    ]);
}

#[test]
fn defined_strlen_strempty() {
    check_on(
        INVITE,
        "$avp(some) = 1;",
        &[
            ("defined $avp(none)", int(0)),
            ("defined $avp(some)", int(1)),
            ("defined $rU", int(1)),
            ("defined $hdr(X-None)", int(0)),
            ("defined $hdr(Call-ID)", int(1)),
            ("!defined $avp(none)", int(1)),
            (r#"strlen("hello")"#, int(5)),
            ("strlen($rU)", int(3)),
            ("strlen($avp(none))", int(0)),
            (r#"strempty("")"#, int(1)),
            ("strempty($rU)", int(0)),
            ("strempty($avp(none))", int(1)),
        ],
    );
}

#[test]
fn selval_picks_by_its_condition() {
    check(&[
        (r#"selval(1 == 1, "a", "b")"#, s("a")),
        (r#"selval($rU == "x", "a", "b")"#, s("b")),
        ("selval(0, 1, 2) + 1", int(3)),
    ]);
    // Only the chosen branch is evaluated.
    let r = run("$var(r) = selval(1, 5, setflag(3));");
    assert_eq!((r.var("r"), r.flag(3)), (int(5), false));
}

#[test]
fn operator_precedence() {
    check(&[
        ("1 + 2 * 3 == 7", int(1)),
        ("(1 + 2) * 3", int(9)),
        ("2 * 3 + 1", int(7)),
        ("10 - 4 - 3", int(3)),
        ("100 / 10 / 5", int(2)),
        ("1 || 0 && 0", int(1)),
        ("0 && 1 || 1", int(1)),
        ("1 < 2 == 1", int(1)),
        ("1 | 2 ^ 3", int(1)),
        ("-2 * 3", int(-6)),
    ]);
    // `&` binds looser than `==`, as in Kamailio: this is $var(a) & (4 == 4).
    for (a, want) in [(4, 0), (5, 1)] {
        let got = eval_on(INVITE, &format!("$var(a) = {a};"), &["$var(a) & 4 == 4"]);
        assert_eq!(got, vec![int(want)], "$var(a) = {a}");
    }
}

#[test]
fn core_keywords() {
    let len = wire(INVITE).len();
    let msg_len = format!("msg:len == {len}");
    check(&[
        (r#"method == "INVITE""#, int(1)),
        (r#"method == "invite""#, int(1)),
        (r#"method != "bye""#, int(1)),
        (r#"method == "BYE""#, int(0)),
        (r#"uri == "sip:bob@example.com""#, int(1)),
        (r#"uri =~ "^sip:BOB@""#, int(1)),
        (r#"from_uri == "sip:alice@atlanta.example.com""#, int(1)),
        (r#"to_uri == "sip:bob@example.com""#, int(1)),
        (r#"to_uri == "sip:bob@example.org""#, int(0)),
        // Kamailio compares these keywords case-insensitively (comp_str),
        // unlike pseudo-variables.
        (r#"uri == "sip:BOB@Example.com""#, int(1)),
        (r#"from_uri != "SIP:alice@atlanta.example.com""#, int(0)),
        (r#"$ru == "sip:BOB@Example.com""#, int(0)),
        ("src_ip == 192.0.2.7", int(1)),
        ("src_ip == 192.0.2.8", int(0)),
        ("src_ip != 192.0.2.8", int(1)),
        ("src_ip == 192.0.2.0/24", int(1)),
        ("src_ip == 10.0.0.0/8", int(0)),
        ("src_ip != 10.0.0.0/8", int(1)),
        ("src_ip == 192.0.2.0/255.255.255.0", int(1)),
        ("src_ip == 10.0.0.0/255.0.0.0", int(0)),
        ("src_ip == 0.0.0.0/0", int(1)),
        (r#"src_ip == "192.0.2.7""#, int(1)),
        ("src_port == 5099", int(1)),
        ("dst_ip == 127.0.0.1", int(1)),
        ("dst_port == 5060", int(1)),
        ("proto == UDP", int(1)),
        ("proto == TCP", int(0)),
        ("af == INET", int(1)),
        ("af == INET6", int(0)),
        (msg_len.as_str(), int(1)),
        ("msg:len > 10", int(1)),
    ]);
}

#[test]
fn status_and_method_on_a_reply() {
    let cfg = format!(
        "{MODULES}\nrequest_route {{ }}\nreply_route {{ $var(a) = status == 486; $var(b) = status == 200; \
         $var(c) = status; $var(d) = method == \"invite\"; $var(e) = defined $ru; }}\n"
    );
    let r = exec(&cfg, REPLY_486, Callback::Reply, RouteType::Reply, |_| {});
    assert_eq!((r.var("a"), r.var("b"), r.var("c")), (int(1), int(0), int(486)));
    assert_eq!((r.var("d"), r.var("e")), (int(1), int(0)));
}

#[test]
fn myself_comparisons() {
    let exprs = &[
        "uri == myself",
        "!uri == myself",
        "uri != myself",
        "myself == uri",
        "from_uri == myself",
        "src_ip == myself",
        "dst_ip == myself",
        "$rd == myself",
    ];
    let ours = eval_on(INVITE, "", exprs);
    assert_eq!(ours, vec![int(1), int(0), int(0), int(1), int(0), int(0), int(1), int(1)]);
    let theirs = eval_on(&invite_to("sip:bob@other.net"), "", exprs);
    assert_eq!(theirs, vec![int(0), int(1), int(1), int(0), int(0), int(0), int(1), int(0)]);
    let by_ip = eval_on(&invite_to("sip:bob@127.0.0.1:5060"), "", &["uri == myself"]);
    assert_eq!(by_ip, vec![int(1)]);
    let other_port = eval_on(&invite_to("sip:bob@127.0.0.1:5070"), "", &["uri == myself"]);
    assert_eq!(other_port, vec![int(0)]);
}

#[test]
fn declared_flag_names() {
    let cfg = format!(
        "flags FLT_ACC: 3, FLT_NAT: 5;\n{}",
        cfg_with(
            "setflag(FLT_ACC); if (isflagset(FLT_ACC)) { $var(a) = 1; }
            if (!isflagset(FLT_NAT)) { $var(b) = 1; }
            setflag(FLT_NAT); resetflag(FLT_NAT); setflag(\"9\");",
            ""
        )
    );
    let r = run_cfg(&cfg, INVITE);
    assert!(r.flag(3) && !r.flag(5) && r.flag(9));
    assert_eq!((r.var("a"), r.var("b")), (int(1), int(1)));
}

#[test]
fn defines_inside_expressions() {
    let cfg = format!(
        "#!define LIMIT 10\n#!define WHO \"carol\"\n{}",
        cfg_with("$var(a) = LIMIT * 2 + 1; $var(b) = WHO; if ($var(a) > LIMIT) { $var(c) = 1; }", "")
    );
    let r = run_cfg(&cfg, INVITE);
    assert_eq!((r.var("a"), r.var("b"), r.var("c")), (int(21), s("carol"), int(1)));
}

#[test]
fn function_calls_as_values_and_conditions() {
    let r = run(r#"$var(a) = isflagset(2);
        setflag(2);
        $var(b) = isflagset(2);
        if (isflagset(9)) { $var(c) = "yes"; } else { $var(c) = "no"; }
        if (!isflagset(9)) { $var(d) = 1; }
        if (is_method("BYE|INVITE")) { $var(e) = 1; }
        if (is_method("BYE") || is_method("INVITE")) { $var(f) = 1; }"#);
    // A call is 1 when its code is > 0, else 0 (the code itself is $rc).
    assert_eq!((r.var("a"), r.var("b")), (int(0), int(1)));
    assert_eq!((r.var("c"), r.var("d"), r.var("e"), r.var("f")), (s("no"), int(1), int(1), int(1)));
}

#[test]
fn a_function_returning_zero_ends_the_script() {
    // sanity_check with autodrop (the default) returns 0 on a failed check;
    // noreply keeps it from trying to send the 400.
    let msg = INVITE.replace("CSeq: 314159 INVITE", "CSeq: 314159 BYE");
    let cfg = cfg_with("$var(before) = 1; sanity_check(32, 0); $var(after) = 1;", "");
    let r = exec(&cfg, &msg, Callback::Request, RouteType::Request, |sh| sh.modcfg.sanity_noreply = true);
    assert_eq!((r.code, r.stop, r.last_ret), (0, Stop::Exit, 0));
    assert_eq!((r.var("before"), r.var("after")), (int(1), Value::Null));

    // The same check passes on a good message: the script goes on.
    let r = exec(&cfg, INVITE, Callback::Request, RouteType::Request, |sh| sh.modcfg.sanity_noreply = true);
    assert_eq!((r.code, r.stop, r.var("after")), (1, Stop::No, int(1)));
}

#[test]
fn named_callbacks_run_their_blocks() {
    let cfg = cfg_with(
        r#"t_on_failure("MANAGE");"#,
        "failure_route[MANAGE] { $var(f) = 1; return(4); }\nbranch_route[B] { $var(b) = 1; }",
    );
    let r = exec(&cfg, INVITE, Callback::Named("MANAGE"), RouteType::Failure, |_| {});
    assert_eq!((r.code, r.var("f")), (4, int(1)));
    let r = exec(&cfg, INVITE, Callback::Named("B"), RouteType::Branch, |_| {});
    assert_eq!((r.code, r.var("b")), (1, int(1)));
    // A block of another kind is not run.
    let r = exec(&cfg, INVITE, Callback::Named("B"), RouteType::Failure, |_| {});
    assert_eq!((r.code, r.var("b")), (1, Value::Null));
}

// ---------------------------------------------------------------------
// Load-time errors (request_route bodies start on line 3 of err_cfg)

#[test]
fn error_unknown_function() {
    assert_load_err(&err_cfg("$var(a) = 1;\nfoo_bar();", ""), 4, &["unknown function 'foo_bar'"]);
    // A function of a module that is not loaded says which module.
    assert_load_err(
        &err_cfg("sl_send_reply(\"404\", \"Not here\");", ""),
        3,
        &["unknown function 'sl_send_reply'", "loadmodule \"sl.so\""],
    );
}

#[test]
fn error_wrong_number_of_parameters() {
    assert_load_err(&err_cfg("\nsetflag(1, 2);", ""), 4, &["setflag() takes 1 parameter(s), 2 given"]);
    assert_load_err(&err_cfg("if (isflagset()) { }", ""), 3, &["isflagset() takes 1 parameter(s), 0 given"]);
}

#[test]
fn error_non_integer_literal_for_an_integer_parameter() {
    assert_load_err(&err_cfg("setflag(\"abc\");", ""), 3, &["setflag(): parameter 1 must be an integer", "abc"]);
    assert_load_err(&err_cfg("\n\nsetflag(NOFLAG);", ""), 5, &["parameter 1", "declared flag name", "NOFLAG"]);
}

#[test]
fn error_unknown_route_name() {
    assert_load_err(&err_cfg("route(NOPE);", "route[YES] { }"), 3, &["route(NOPE)", "no route[NOPE] block"]);
    assert_load_err(&err_cfg("route(2);", "route[1] { }"), 3, &["no route[2] block"]);
}

#[test]
fn error_t_on_failure_names_a_missing_failure_route() {
    assert_load_err(
        &err_cfg("t_on_failure(\"NOPE\");", "failure_route[OTHER] { }"),
        3,
        &["t_on_failure(\"NOPE\")", "no failure_route[NOPE] block"],
    );
    assert_load_err(&err_cfg("t_on_branch(\"NOPE\");", ""), 3, &["no branch_route[NOPE] block"]);
    // A route[] of that name is not a failure_route.
    assert_load_err(&err_cfg("t_on_failure(\"R\");", "route[R] { }"), 3, &["no failure_route[R] block"]);
    assert!(compile(&err_cfg("t_on_failure(\"OTHER\");", "failure_route[OTHER] { }")).is_ok());
}

#[test]
fn error_assignment_to_a_read_only_variable() {
    assert_load_err(&err_cfg("$si = 1;", ""), 3, &["$si is read-only"]);
    assert_load_err(&err_cfg("\n$rm = \"BYE\";", ""), 4, &["$rm is read-only"]);
}

#[test]
fn error_unknown_pseudo_variable() {
    assert_load_err(&err_cfg("$var(a) = $foo;", ""), 3, &["unknown pseudo-variable $foo"]);
    assert_load_err(&err_cfg("$var(a) = 1;\n$foo = 1;", ""), 4, &["unknown pseudo-variable $foo"]);
    assert_load_err(&err_cfg("if ($bar(x) == 1) { }", ""), 3, &["$bar"]);
}

#[test]
fn error_bad_regular_expression() {
    assert_load_err(&err_cfg("if ($rU =~ \"(\") { }", ""), 3, &["bad regular expression", "\"(\""]);
    assert_load_err(
        &err_cfg("switch ($rU) {\n  case \"a\": break;\n  case /\"[\": break;\n}", ""),
        5,
        &["bad regular expression"],
    );
}

#[test]
fn error_bad_network_mask() {
    assert_load_err(&err_cfg("if (src_ip == 192.0.2.0/33) { }", ""), 3, &["bad network mask"]);
    assert_load_err(&err_cfg("\nif (src_ip == 10.0.0.0/255.0.255.0) { }", ""), 4, &["bad network mask"]);
}

#[test]
fn error_break_outside_switch_or_while() {
    assert_load_err(&err_cfg("$var(a) = 1;\nbreak;", ""), 4, &["'break' outside a switch or while"]);
    assert_load_err(&err_cfg("if (1) {\n  break;\n}", ""), 4, &["'break' outside"]);
    // A route called from a loop is not inside the loop.
    assert_load_err(
        &err_cfg("while (1) { route(R); }", "route[R] {\n  break;\n}"),
        6,
        &["'break' outside a switch or while"],
    );
}

#[test]
fn error_missing_semicolon_between_statements() {
    assert_load_err(&err_cfg("$var(a) = 1\n$var(b) = 2;", ""), 4, &["expected ';'", "$var(b)"]);
    assert_load_err(&err_cfg("setflag(1) setflag(2);", ""), 3, &["expected ';'"]);
    assert_load_err(&err_cfg("return(1) $var(a) = 1;", ""), 3, &["expected ';'"]);
}

/// Kamailio 5.6 refuses a statement without `;` also when it is the last
/// one of a block ("bad command: missing ';'?").
#[test]
fn error_missing_semicolon_before_closing_brace() {
    assert_load_err(&err_cfg("if (1) {\n  setflag(1)\n}", ""), 5, &["expected ';'", "'}'"]);
    assert_load_err(&err_cfg("$var(a) = 1;\nexit", ""), 4, &["expected ';'", "end of the block"]);
    assert_load_err(&err_cfg("switch ($rU) {\n  case \"a\": return(1)\n}", ""), 5, &["expected ';'"]);
    // `if { ... };` keeps its optional `;` (an empty statement).
    compile(&err_cfg("if (1) { exit; };\n$var(a) = 1;", "")).expect("loads");
}

#[test]
fn error_switch_mixing_int_and_string_labels() {
    assert_load_err(
        &err_cfg("switch ($rU) {\n  case 1: break;\n  case \"abc\": break;\n}", ""),
        5,
        &["integer and string/regex case labels mixed"],
    );
    assert_load_err(
        &err_cfg("switch ($rU) {\n  case /\"^a\": break;\n  default: break;\n  case 2: break;\n}", ""),
        6,
        &["mixed"],
    );
    // Strings and regexes together are fine, and so is default with either.
    compile(&err_cfg("switch ($rU) {\n  case \"a\": break;\n  case /\"^b\": break;\n  default: break;\n}", "")).expect("loads");
}

#[test]
fn error_unclosed_parenthesis() {
    let (path, msg) = compile(&err_cfg("if ($var(a) == 1 {\n  $var(b) = 1;\n}", "")).err().expect("must not load");
    // The core's bracket check reports it, naming where the '(' opened.
    assert!(msg.contains(&format!("{}:3 ", path.display())), "{msg}");
    assert!(msg.contains("'('") && msg.contains("not closed"), "{msg}");
}

#[test]
fn error_else_without_if() {
    assert_load_err(&err_cfg("$var(a) = 1;\nelse { $var(a) = 2; }", ""), 4, &["'else' without 'if'"]);
    assert_load_err(&err_cfg("if (1) { }\n$var(a) = 1;\nelse { }", ""), 5, &["'else' without 'if'"]);
}

#[test]
fn error_other_syntax_errors() {
    assert_load_err(&err_cfg("if $var(a) == 1 { }", ""), 3, &["expected '(' after 'if'"]);
    assert_load_err(&err_cfg("case 1: break;", ""), 3, &["'case' outside a switch"]);
    assert_load_err(
        &err_cfg("switch ($rU) {\n  default: break;\n  default: break;\n}", ""),
        5,
        &["a second 'default'"],
    );
    assert_load_err(&err_cfg("$var(a) = 1 +;", ""), 3, &["expected a value"]);
    assert_load_err(&err_cfg("$var(a) 1;", ""), 3, &["expected '=' after $var(a)"]);
}

#[test]
fn error_missing_request_route() {
    // The core's loader refuses it for the native engine...
    let (path, msg) = compile(&format!("{MODULES}route[X] {{ }}\n")).err().expect("must not load");
    assert!(msg.contains(&path.display().to_string()) && msg.contains("request_route"), "{msg}");
    // ... and so does the engine itself when handed such a config.
    let (path, msg) = compile("cfgengine \"lua\"\nroute[X] { }\n").err().expect("must not load");
    assert!(msg.contains(&path.display().to_string()), "{msg}");
    assert!(msg.contains("no request_route block") && msg.contains("native engine"), "{msg}");
}

#[test]
fn errors_in_other_blocks_point_at_their_lines() {
    let text = err_cfg("route(R);", "route[R] {\n  $var(a) = 1;\n  nope();\n}\n");
    assert_load_err(&text, 7, &["unknown function 'nope'"]);
}

#[test]
fn ipv6_literals_and_networks() {
    // The lexer splits IPv6 addresses at every ':'; the parser joins them.
    check(&[
        ("src_ip == ::1", int(0)),
        ("src_ip != ::1", int(1)),
        ("src_ip == [::1]", int(0)),
        ("src_ip == 2001:db8::7", int(0)),
        ("src_ip == 2001:db8::/32", int(0)),
        ("src_ip == ::ffff:192.0.2.7", int(0)),
        ("dst_ip == 127.0.0.1", int(1)),
        // As a value: the address, in canonical form.
        ("2001:0db8:0:0::7", s("2001:db8::7")),
        ("[::1]", s("::1")),
    ]);
    use std::net::IpAddr;
    let ip = |s: &str| s.parse::<IpAddr>().unwrap();
    assert!(crate::compile::in_net(ip("2001:db8::7"), ip("2001:db8::"), 32));
    assert!(!crate::compile::in_net(ip("2001:db9::7"), ip("2001:db8::"), 32));
    assert!(crate::compile::in_net(ip("fe80::1"), ip("::"), 0));
    assert!(!crate::compile::in_net(ip("192.0.2.7"), ip("2001:db8::"), 32));
    assert_load_err(&err_cfg("if (src_ip == 2001:db8::/129) { }", ""), 3, &["bad prefix length"]);
}

// ---------------------------------------------------------------------
// avpflags

#[test]
fn avpflags_are_set_tested_and_reset_per_avp_value() {
    let cfg = format!(
        "avpflags AF_SEEN, AF_BILL;\n{}",
        cfg_with(
            r#"$avp(x) = "old";
	$avp(x) = "new";
	setavpflag($avp(x), "AF_BILL");
	setavpflag($(avp(x)[1]), AF_SEEN);
	if (isavpflagset($avp(x), "AF_BILL")) { $var(newest_bill) = 1; }
	if (!isavpflagset($avp(x), "AF_SEEN")) { $var(newest_not_seen) = 1; }
	if (isavpflagset($(avp(x)[1]), AF_SEEN)) { $var(older_seen) = 1; }
	resetavpflag($avp(x), "AF_BILL");
	if (!isavpflagset($avp(x), "AF_BILL")) { $var(reset) = 1; }
	if (setavpflag($avp(none), "AF_BILL")) { $var(missing) = 1; } else { $var(missing) = -1; }"#,
            ""
        )
    );
    let r = run_cfg(&cfg, INVITE);
    for v in ["newest_bill", "newest_not_seen", "older_seen", "reset"] {
        assert_eq!(r.var(v), int(1), "{v}");
    }
    assert_eq!(r.var("missing"), int(-1), "no such AVP");
}

#[test]
fn avpflag_load_errors() {
    let text = format!("avpflags AF1;\n{}", err_cfg("setavpflag($avp(x), \"NOPE\");", ""));
    assert_load_err(&text, 4, &["NOPE is not declared with avpflags"]);
    let text = format!("avpflags AF1;\n{}", err_cfg("setavpflag($var(x), \"AF1\");", ""));
    assert_load_err(&text, 4, &["must be an AVP"]);
    let text = format!("avpflags AF1;\n{}", err_cfg("isavpflagset($avp(x));", ""));
    assert_load_err(&text, 4, &["takes 2 parameters"]);
}
