use switchboard_core::exports::{Param, Ret, RetKind};
use switchboard_core::kemi::testing::{self, ScriptDir, INVITE};
use switchboard_core::route::Stop;

use super::*;

/// A temporary directory with a cfg loading app_python3 and the script.
fn fixture(script: &str) -> ScriptDir {
    fixture_with_cfg(script, "")
}

fn fixture_with_cfg(script: &str, extra_cfg: &str) -> ScriptDir {
    ScriptDir::new(
        "handler.py",
        script,
        &format!("loadmodule \"app_python3.so\"\nmodparam(\"app_python3\", \"load\", \"handler.py\")\n{extra_cfg}\ncfgengine \"python\""),
    )
}

trait Fixture {
    fn factory(&self) -> Result<PythonFactory, String>;
    fn engine(&self) -> PythonEngine;
}

impl Fixture for ScriptDir {
    fn factory(&self) -> Result<PythonFactory, String> {
        PythonFactory::from_config(&self.config())
    }

    fn engine(&self) -> PythonEngine {
        self.factory().unwrap().build(1).unwrap()
    }
}

/// Wraps the body of a handler class around `methods` (indented 4).
fn handler(methods: &str) -> String {
    format!("import KSR as KSR\nimport sys\n\ndef mod_init():\n    return kamailio()\n\nclass kamailio:\n{methods}")
}

/// Run `cb` of `engine` on an INVITE; returns the result and the ctx's
/// flags and stop.
fn run(engine: &PythonEngine, cb: Callback<'_>) -> (Result<i32, ScriptError>, u64, Stop) {
    testing::run(engine, cb, INVITE)
}

/// A module global of the worker's script, as Python's repr.
fn global(e: &PythonEngine, name: &str) -> Option<String> {
    Python::attach(|py| {
        let m = e.state.borrow().module.clone_ref(py).into_bound(py);
        m.getattr(name).ok().map(|v| v.repr().unwrap().to_string())
    })
}

// --- argument conversion ---

#[test]
fn int_and_str_params_convert_leniently() {
    Python::initialize();
    Python::attach(|py| {
        let eval = |s: &std::ffi::CStr| py.eval(s, None, None).unwrap();
        let int = |v: &Bound<'_, PyAny>| ksr::convert(Param::Int, v, 1).map(|c| format!("{c:?}"));
        assert_eq!(int(&eval(c"7")).unwrap(), "Int(7)");
        assert_eq!(int(&eval(c"3.9")).unwrap(), "Int(3)");
        assert_eq!(int(&eval(c"-3.9")).unwrap(), "Int(-3)");
        assert_eq!(int(&eval(c"' 486 '")).unwrap(), "Int(486)");
        assert_eq!(int(&eval(c"True")).unwrap(), "Int(1)");
        assert!(int(&eval(c"'abc'")).unwrap_err().contains("abc"));
        assert!(int(&eval(c"None")).unwrap_err().contains("NoneType"));
        assert!(int(&eval(c"float('nan')")).is_err());
        assert!(int(&eval(c"2**70")).unwrap_err().contains("range"));
        let s = |v: &Bound<'_, PyAny>| ksr::convert(Param::Str, v, 2).map(|c| format!("{c:?}"));
        assert_eq!(s(&eval(c"'sip:x@y'")).unwrap(), "Str(\"sip:x@y\")");
        assert_eq!(s(&eval(c"404")).unwrap(), "Owned(\"404\")");
        assert_eq!(s(&eval(c"404.0")).unwrap(), "Owned(\"404\")");
        assert_eq!(s(&eval(c"1.5")).unwrap(), "Owned(\"1.5\")");
        assert!(s(&eval(c"True"))
            .unwrap_err()
            .contains("#2 must be a string, got bool"));
        assert!(s(&eval(c"[1]")).unwrap_err().contains("list"));
        assert!(s(&eval(c"'\\udc80'")).unwrap_err().contains("UTF-8"));
        // Results: bools for yes/no functions, None for Null.
        assert_eq!(
            ksr::to_python(py, RetKind::Bool, Ret::Int(1))
                .repr()
                .unwrap()
                .to_string(),
            "True"
        );
        assert_eq!(
            ksr::to_python(py, RetKind::Bool, Ret::Int(-1))
                .repr()
                .unwrap()
                .to_string(),
            "False"
        );
        assert_eq!(
            ksr::to_python(py, RetKind::Int, Ret::Int(-2))
                .repr()
                .unwrap()
                .to_string(),
            "-2"
        );
        assert_eq!(
            ksr::to_python(py, RetKind::Str, Ret::Null)
                .repr()
                .unwrap()
                .to_string(),
            "None"
        );
        assert_eq!(
            ksr::to_python(py, RetKind::Xval, Ret::Str("a".into()))
                .repr()
                .unwrap()
                .to_string(),
            "'a'"
        );
    });
}

// --- the KSR module ---

#[test]
fn ksr_has_the_enabled_exports_and_only_those() {
    let fx = fixture(&handler(
        "    def ksr_request_route(self, msg):\n        return 1\n",
    ));
    let config = fx.config();
    let enabled = exports::enabled(&config);
    let f = fx.factory().unwrap();
    Python::attach(|py| {
        let ksr = f.loader.ksr.bind(py);
        for e in &enabled {
            let g = if e.module.is_empty() {
                ksr.clone().into_any()
            } else {
                ksr.getattr(e.module).unwrap()
            };
            assert!(
                g.getattr(e.name).unwrap().is_callable(),
                "{} missing",
                e.qualified_name()
            );
        }
        assert!(ksr
            .getattr("x")
            .unwrap()
            .getattr("modf")
            .unwrap()
            .is_callable());
        // A group whose module the cfg does not load is absent.
        for x in exports::all() {
            if let Some(m) = exports::required_module(x.module) {
                if !config.is_loaded(m) {
                    assert!(
                        !ksr.hasattr(x.module).unwrap(),
                        "KSR.{} present without {m}",
                        x.module
                    );
                }
            }
        }
        assert!(!ksr.hasattr("tm").unwrap());
    });
}

#[test]
fn import_ksr_and_its_groups() {
    let fx = fixture_with_cfg(
        &format!(
            "import KSR.pv\nfrom KSR import x\nHAS_TM = hasattr(KSR, 'tm')\nHAS_PV = KSR.pv is not None and x is KSR.x\n{}",
            handler("    def ksr_request_route(self, msg):\n        return 1\n")
        ),
        "loadmodule \"tm.so\"",
    );
    let e = fx.engine();
    assert_eq!(global(&e, "HAS_TM").as_deref(), Some("True"));
    assert_eq!(global(&e, "HAS_PV").as_deref(), Some("True"));
}

// --- loading ---

#[test]
fn syntax_error_names_file_and_line() {
    let fx = fixture("def mod_init():\n    return 1\n\ndef broken(:\n    pass\n");
    let e = fx.factory().unwrap_err();
    assert!(
        e.contains(&format!("{}:4: SyntaxError", fx.script())),
        "{e}"
    );
    assert!(e.contains("kamailio.cfg: app_python3:"), "{e}");
}

#[test]
fn exception_at_load_names_file_and_line() {
    let fx = fixture("x = 1\nraise ValueError('bad config')\n");
    let e = fx.factory().unwrap_err();
    assert!(
        e.contains(&format!("{}:2: ValueError: bad config", fx.script())),
        "{e}"
    );
}

#[test]
fn mod_init_must_return_a_handler_with_the_request_route() {
    let fx = fixture("def other():\n    pass\n");
    assert!(fx.factory().unwrap_err().contains("no function mod_init()"));
    let fx = fixture("def mod_init():\n    pass\n");
    assert!(fx
        .factory()
        .unwrap_err()
        .contains("mod_init() returned None"));
    let fx = fixture("class H:\n    pass\ndef mod_init():\n    return H()\n");
    assert!(fx
        .factory()
        .unwrap_err()
        .contains("has no method ksr_request_route()"));
}

#[test]
fn mod_init_and_child_init_names_come_from_the_cfg() {
    let fx = fixture_with_cfg(
        "import KSR\nclass H:\n    def start(self, rank):\n        global STARTED\n        STARTED = rank\n        return 0\n    def ksr_request_route(self, msg):\n        return 7\ndef my_init():\n    return H()\n",
        "modparam(\"app_python3\", \"mod_init_function\", \"my_init\")\nmodparam(\"app_python3\", \"child_init_method\", \"start\")",
    );
    let e = fx.factory().unwrap().build(5).unwrap();
    assert_eq!(global(&e, "STARTED").as_deref(), Some("5"));
    assert_eq!(run(&e, Callback::Request).0.unwrap(), 7);
}

#[test]
fn script_name_is_the_old_name_of_load_and_app_python_an_alias() {
    let fx = fixture(&handler(
        "    def ksr_request_route(self, msg):\n        return 1\n",
    ));
    std::fs::write(
        fx.path().join("kamailio.cfg"),
        "loadmodule \"app_python.so\"\nmodparam(\"app_python\", \"script_name\", \"handler.py\")\ncfgengine \"python\"\n",
    )
    .unwrap();
    assert!(fx.factory().is_ok());
}

#[test]
fn missing_script_or_module_fails_naming_the_cfg() {
    let fx = fixture(&handler(
        "    def ksr_request_route(self, msg):\n        return 1\n",
    ));
    std::fs::remove_file(fx.path().join("handler.py")).unwrap();
    let e = fx.factory().unwrap_err();
    assert!(
        e.contains("kamailio.cfg") && e.contains("handler.py"),
        "{e}"
    );

    std::fs::write(
        fx.path().join("kamailio.cfg"),
        "#!KAMAILIO\ncfgengine \"python\"\n",
    )
    .unwrap();
    let e = fx.factory().unwrap_err();
    assert!(
        e.contains("kamailio.cfg") && e.contains("app_python3"),
        "{e}"
    );
}

#[test]
fn child_init_runs_once_per_worker_with_its_rank() {
    let fx = fixture(&handler(
        "    def __init__(self):\n        self.ranks = []\n\
         \x20   def child_init(self, rank):\n        self.ranks.append(rank)\n        KSR.info('child_init(%d)\\n' % rank)\n        return 0\n\
         \x20   def ksr_request_route(self, msg):\n        global RANKS\n        RANKS = self.ranks\n        return 1\n",
    ));
    let f = fx.factory().unwrap();
    let engines: Vec<PythonEngine> = (1..=3).map(|r| f.build(r).unwrap()).collect();
    for (i, e) in engines.iter().enumerate() {
        run(e, Callback::Request).0.unwrap();
        run(e, Callback::Request).0.unwrap();
        assert_eq!(global(e, "RANKS"), Some(format!("[{}]", i + 1)));
    }
    // Each worker has its own module and handler.
    Python::attach(|py| {
        let a = engines[0].state.borrow().handler.clone_ref(py);
        let b = engines[1].state.borrow().handler.clone_ref(py);
        assert!(!a.is(&b));
    });
}

#[test]
fn failing_child_init_fails_the_worker() {
    let fx = fixture(&handler(
        "    def child_init(self, rank):\n        return -1\n    def ksr_request_route(self, msg):\n        return 1\n",
    ));
    let f = fx.factory().unwrap();
    let e = f.create(2).err().unwrap();
    assert!(e.contains("child_init(2) returned -1"), "{e}");
}

#[test]
fn ksr_works_in_mod_init_and_child_init_but_not_outside_a_route() {
    let fx = fixture(&format!(
        "import threading\nimport KSR\nKSR.info('loading\\n')\n{}",
        handler(
            "    def __init__(self):\n        KSR.info('init\\n')\n        self.keep = KSR.setflag\n\
             \x20   def child_init(self, rank):\n        KSR.dbg('child %d\\n' % rank)\n        return 0\n\
             \x20   def ksr_request_route(self, msg):\n        return 1\n\
             \x20   def later(self):\n        return self.keep(1)\n\
             \x20   def in_thread(self):\n        out = []\n        def work():\n            try:\n                KSR.setflag(2)\n            except RuntimeError as e:\n                out.append(str(e))\n        t = threading.Thread(target=work)\n        t.start()\n        t.join()\n        return out[0]\n",
        )
    ));
    let e = fx.engine();
    Python::attach(|py| {
        let h = e.state.borrow().handler.clone_ref(py).into_bound(py);
        let err = h.call_method0("later").unwrap_err();
        assert!(err.is_instance_of::<pyo3::exceptions::PyRuntimeError>(py));
        assert!(
            err.to_string()
                .contains("KSR.setflag called outside a route"),
            "{err}"
        );
        let msg: String = h.call_method0("in_thread").unwrap().extract().unwrap();
        assert_eq!(msg, "KSR.setflag called outside a route");
    });
    // The engine is still fine.
    assert_eq!(run(&e, Callback::Request).0.unwrap(), 1);
}

// --- running ---

#[test]
fn flags_and_booleans_within_one_callback() {
    let fx = fixture(&handler(
        "    def ksr_request_route(self, msg):\n        global SEEN, NOTFOUR, INVITE, RU\n        KSR.setflag(3)\n        SEEN = KSR.isflagset(3)\n        NOTFOUR = not KSR.isflagset('4')\n        INVITE = KSR.is_INVITE() and not KSR.is_BYE()\n        RU = KSR.pv.get('$ru')\n        return 1\n",
    ));
    let e = fx.engine();
    let (r, flags, stop) = run(&e, Callback::Request);
    assert_eq!(r.unwrap(), 1);
    assert_eq!(flags, 1 << 3);
    assert_eq!(stop, Stop::No);
    assert_eq!(global(&e, "SEEN").as_deref(), Some("True"));
    assert_eq!(global(&e, "NOTFOUR").as_deref(), Some("True"));
    assert_eq!(global(&e, "INVITE").as_deref(), Some("True"));
    assert_eq!(global(&e, "RU").as_deref(), Some("'sip:bob@example.com'"));
}

#[test]
fn return_value_is_the_code() {
    let fx = fixture(&handler(
        "    def ksr_request_route(self, msg):\n        return 5\n\
         \x20   def f2(self, msg):\n        return -255\n\
         \x20   def f3(self, msg):\n        return False\n\
         \x20   def f4(self, msg):\n        pass\n\
         \x20   def f5(self, msg):\n        return 2**80\n",
    ));
    let e = fx.engine();
    assert_eq!(run(&e, Callback::Request).0.unwrap(), 5);
    assert_eq!(run(&e, Callback::Named("f2")).0.unwrap(), -255);
    assert_eq!(run(&e, Callback::Named("f3")).0.unwrap(), -1);
    assert_eq!(run(&e, Callback::Named("f4")).0.unwrap(), 1);
    assert_eq!(run(&e, Callback::Named("f5")).0.unwrap(), i32::MAX);
}

#[test]
fn missing_callbacks() {
    let fx = fixture(&handler(
        "    def ksr_request_route(self, msg):\n        return 1\n    not_callable = 3\n",
    ));
    let e = fx.engine();
    // Optional ones: nothing to run.
    assert!(!e.has(Callback::Reply));
    assert_eq!(run(&e, Callback::Reply).0.unwrap(), 1);
    assert_eq!(run(&e, Callback::OnSend).0.unwrap(), 1);
    // A route the script named (t_on_failure("typo")) that does not exist
    // is a script error naming it.
    assert!(!e.has(Callback::Named("typo")));
    let msg = run(&e, Callback::Named("typo")).0.unwrap_err().message;
    assert!(
        msg.contains("has no method typo()") && msg.contains(&fx.script()),
        "{msg}"
    );
    assert!(run(&e, Callback::Named("not_callable")).0.is_err());
    assert!(e.has(Callback::Request));
}

#[test]
fn exit_unwinds_the_callback() {
    let fx = fixture(&handler(
        "    def ksr_request_route(self, msg):\n        global BEFORE, AFTER\n        BEFORE = 1\n        self.helper()\n        AFTER = 1\n\
         \x20   def helper(self):\n        try:\n            KSR.x.exit()\n        except Exception:\n            pass\n\
         \x20   def caught(self, msg):\n        global AFTER2\n        try:\n            KSR.x.exit()\n        except BaseException:\n            pass\n        KSR.setflag(1)\n        AFTER2 = 1\n\
         \x20   def swallow_all(self, msg):\n        try:\n            KSR.x.exit()\n        except BaseException:\n            pass\n        return 5\n\
         \x20   def dropper(self, msg):\n        global AFTER3\n        KSR.x.drop()\n        AFTER3 = 1\n\
         \x20   def setdrop(self, msg):\n        global AFTER4\n        KSR.set_drop()\n        AFTER4 = 1\n        KSR.x.exit()\n",
    ));
    let e = fx.engine();
    let (r, _, stop) = run(&e, Callback::Request);
    assert_eq!(r.unwrap(), 0);
    assert_eq!(stop, Stop::Exit);
    assert_eq!(global(&e, "BEFORE").as_deref(), Some("1"));
    assert_eq!(
        global(&e, "AFTER"),
        None,
        "except Exception does not stop an exit"
    );

    // Swallowing it does not help: the next KSR call unwinds again, and
    // the callback counts as exited anyway.
    let (r, flags, _) = run(&e, Callback::Named("caught"));
    assert_eq!(r.unwrap(), 0);
    assert_eq!(flags, 0);
    assert_eq!(global(&e, "AFTER2"), None);
    assert_eq!(run(&e, Callback::Named("swallow_all")).0.unwrap(), 0);

    let (r, _, stop) = run(&e, Callback::Named("dropper"));
    assert_eq!(r.unwrap(), 0);
    assert_eq!(stop, Stop::Drop);
    assert_eq!(global(&e, "AFTER3"), None);

    // set_drop lets the script go on; a later exit keeps the drop.
    let (r, _, stop) = run(&e, Callback::Named("setdrop"));
    assert_eq!(r.unwrap(), 0);
    assert_eq!(stop, Stop::Drop);
    assert_eq!(global(&e, "AFTER4").as_deref(), Some("1"));
}

#[test]
fn sys_exit_ends_the_callback_only() {
    let fx = fixture(&handler(
        "    def ksr_request_route(self, msg):\n        global BEFORE, AFTER\n        BEFORE = 1\n        KSR.setflag(4)\n        sys.exit()\n        AFTER = 1\n\
         \x20   def with_code(self, msg):\n        sys.exit(-3)\n\
         \x20   def with_text(self, msg):\n        exit('bye')\n",
    ));
    let e = fx.engine();
    let (r, flags, stop) = run(&e, Callback::Request);
    assert_eq!(r.unwrap(), 1);
    assert_eq!(flags, 1 << 4);
    assert_eq!(stop, Stop::No, "sys.exit is not KSR.x.exit");
    assert_eq!(global(&e, "BEFORE").as_deref(), Some("1"));
    assert_eq!(global(&e, "AFTER"), None);
    assert_eq!(run(&e, Callback::Named("with_code")).0.unwrap(), -3);
    assert_eq!(run(&e, Callback::Named("with_text")).0.unwrap(), -1);
    // The engine (and the process) go on.
    assert_eq!(run(&e, Callback::Request).0.unwrap(), 1);
}

#[test]
fn os_exit_and_abort_end_the_callback_not_the_process() {
    let fx = fixture(&handler(
        "    def ksr_request_route(self, msg):\n        import os\n        os._exit(3)\n\
         \x20   def aborts(self, msg):\n        import os\n        os.abort()\n",
    ));
    let e = fx.engine();
    assert_eq!(run(&e, Callback::Request).0.unwrap(), 3);
    assert_eq!(run(&e, Callback::Named("aborts")).0.unwrap(), -1);
    // still here
    assert_eq!(run(&e, Callback::Request).0.unwrap(), 3);
}

#[test]
fn exceptions_carry_the_traceback() {
    let fx = fixture(&handler(
        "    def inner(self):\n        raise ValueError('boom')\n\
         \x20   def ksr_request_route(self, msg):\n        self.inner()\n\
         \x20   def badarg(self, msg):\n        KSR.setflag()\n\
         \x20   def badarg2(self, msg):\n        KSR.setflag('x')\n\
         \x20   def nonecall(self, msg):\n        return None.x\n\
         \x20   def kw(self, msg):\n        KSR.setflag(flag=1)\n",
    ));
    let e = fx.engine();
    let s = fx.script();
    let msg = run(&e, Callback::Request).0.unwrap_err().message;
    assert!(
        msg.starts_with(&format!(
            "{s}:9: ValueError: boom (traceback: {s}:9 in inner <- {s}:11 in ksr_request_route)"
        )),
        "{msg}"
    );
    assert!(!msg.contains('\n'), "{msg}");
    let msg = run(&e, Callback::Named("badarg")).0.unwrap_err().message;
    assert!(
        msg.starts_with(&format!(
            "{s}:13: TypeError: KSR.setflag: expects 1 argument, got 0"
        )),
        "{msg}"
    );
    let msg = run(&e, Callback::Named("badarg2")).0.unwrap_err().message;
    assert!(
        msg.contains(&format!(
            "{s}:15: TypeError: KSR.setflag: argument #1 must be an integer"
        )),
        "{msg}"
    );
    let msg = run(&e, Callback::Named("nonecall")).0.unwrap_err().message;
    assert!(msg.contains(&format!("{s}:17: AttributeError")), "{msg}");
    let msg = run(&e, Callback::Named("kw")).0.unwrap_err().message;
    assert!(msg.contains("keyword"), "{msg}");
    // Still usable.
    assert!(run(&e, Callback::Request).0.is_err());
}

#[test]
fn erroring_every_time_does_not_leak() {
    let fx = fixture(&handler(
        "    def ksr_request_route(self, msg):\n        data = ['x' * 100 for _ in range(50)]\n        raise RuntimeError('always %d' % len(data))\n",
    ));
    let e = fx.engine();
    let count = || {
        Python::attach(|py| {
            py.import("gc").unwrap().call_method0("collect").unwrap();
            py.import("sys")
                .unwrap()
                .call_method0("getallocatedblocks")
                .unwrap()
                .extract::<i64>()
                .unwrap()
        })
    };
    for _ in 0..200 {
        assert!(run(&e, Callback::Request).0.is_err());
    }
    let base = count();
    for _ in 0..2000 {
        assert!(run(&e, Callback::Request).0.is_err());
    }
    let after = count();
    // Other tests run Python in parallel: allow some noise, not 2000 x 50.
    assert!(
        after < base + 20_000,
        "allocated blocks grew from {base} to {after}"
    );
}

#[test]
fn event_callback_gets_the_event_name() {
    let fx = fixture_with_cfg(
        &handler(
            "    def ksr_request_route(self, msg):\n        return 1\n\
             \x20   def ev(self, msg, name):\n        global LAST\n        LAST = name\n        return 1\n",
        ),
        "kemi.event_route_callback=\"ev\"\nkemi.reply_route_callback=\"none\"",
    );
    let e = fx.engine();
    assert!(e.has(Callback::Event("core:worker-one-init")));
    run(&e, Callback::Event("core:worker-one-init")).0.unwrap();
    assert_eq!(
        global(&e, "LAST").as_deref(),
        Some("'core:worker-one-init'")
    );
    assert!(!e.has(Callback::Reply));
}

#[test]
fn reply_callback_runs_when_defined() {
    let fx = fixture(&handler(
        "    def ksr_request_route(self, msg):\n        return 1\n\
         \x20   def ksr_reply_route(self, msg):\n        global REPLIED\n        REPLIED = repr(msg)\n        return 1\n",
    ));
    let e = fx.engine();
    assert!(e.has(Callback::Reply));
    run(&e, Callback::Reply).0.unwrap();
    assert!(global(&e, "REPLIED")
        .unwrap()
        .contains("switchboard SIP message"));
}

#[test]
fn modf_calls_by_native_name() {
    let fx = fixture(&handler(
        "    def ksr_request_route(self, msg):\n        global RC, RC2\n        RC = KSR.x.modf('setflag', '6')\n        RC2 = KSR.x.modf('isflagset', 6)\n        return 1\n\
         \x20   def missing(self, msg):\n        KSR.x.modf('no_such_fn', 'a')\n\
         \x20   def exits(self, msg):\n        global AFTER\n        KSR.x.modf('exit')\n        AFTER = 1\n",
    ));
    let e = fx.engine();
    let (r, flags, _) = run(&e, Callback::Request);
    r.unwrap();
    assert_eq!(flags, 1 << 6);
    assert_eq!(global(&e, "RC").as_deref(), Some("1"));
    assert_eq!(global(&e, "RC2").as_deref(), Some("1"));
    let msg = run(&e, Callback::Named("missing")).0.unwrap_err().message;
    assert!(msg.contains("no_such_fn"), "{msg}");
    if exports::all().any(|x| x.native.contains(&"exit")) {
        assert_eq!(run(&e, Callback::Named("exits")).0.unwrap(), 0);
        assert_eq!(global(&e, "AFTER"), None);
    }
}

#[test]
fn script_can_import_a_helper_beside_it() {
    let fx = fixture(&format!(
        "import sbhelper_{pid}\n{}",
        handler(&format!(
            "    def ksr_request_route(self, msg):\n        global VALUE\n        VALUE = sbhelper_{pid}.v\n        return 1\n",
            pid = std::process::id()
        )),
        pid = std::process::id()
    ));
    std::fs::write(
        fx.path()
            .join(format!("sbhelper_{}.py", std::process::id())),
        "v = 9\n",
    )
    .unwrap();
    let e = fx.engine();
    run(&e, Callback::Request).0.unwrap();
    assert_eq!(global(&e, "VALUE").as_deref(), Some("9"));
}

#[test]
fn blocking_work_releases_the_gil() {
    let fx = fixture(&handler(
        "    def ksr_request_route(self, msg):\n        return 1\n",
    ));
    let _f = fx.factory().unwrap();
    keep_thread_state();
    Python::attach(|_py| {
        // While this thread blocks, another thread can run Python.
        let other = engine::blocking(|| {
            std::thread::spawn(|| {
                Python::attach(|py| {
                    py.eval(c"6 * 7", None, None)
                        .unwrap()
                        .extract::<i64>()
                        .unwrap()
                })
            })
            .join()
            .unwrap()
        });
        assert_eq!(other, 42);
    });
}

// --- stubs ---

#[test]
fn python_lib_stubs_match_the_export_table() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../python-lib/KSR.pyi");
    let want = stubs::generate();
    if std::env::var_os("UPDATE_KSR_PYI").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "{} is out of date with the export table: run UPDATE_KSR_PYI=1 cargo test -p switchboard-python",
        path.display()
    );
    // It is valid Python, and names every export.
    Python::initialize();
    Python::attach(|py| {
        let ast = py.import("ast").unwrap();
        let tree = ast.call_method1("parse", (&want,)).unwrap();
        let dump: String = ast
            .call_method1("dump", (tree,))
            .unwrap()
            .extract()
            .unwrap();
        for e in exports::all() {
            assert!(
                dump.contains(&format!("name='{}'", e.name)),
                "{} missing",
                e.qualified_name()
            );
        }
    });
}
