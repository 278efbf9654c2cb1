//! `switchboard_python::request_reload()` (app_python.reload): each worker
//! re-executes the script before its next message. In its own test binary
//! because the reload request reaches every engine of the process.

use std::path::Path;

use switchboard_core::engine::{Callback, Engine, EngineFactory};
use switchboard_core::kemi::testing::{self, ScriptDir};
use switchboard_python::{request_reload, PythonFactory};

const OPTIONS: &str = "OPTIONS sip:127.0.0.1 SIP/2.0\r\n\
    Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\n\
    From: <sip:alice@example.com>;tag=1\r\n\
    To: <sip:127.0.0.1>\r\n\
    Call-ID: r1@127.0.0.1\r\n\
    CSeq: 1 OPTIONS\r\n\
    Content-Length: 0\r\n\r\n";

fn run(engine: &dyn Engine) -> Result<i32, String> {
    testing::run(engine, Callback::Request, OPTIONS)
        .0
        .map_err(|e| e.message)
}

/// Version `v` of the script: the request route returns `v`; child_init
/// counts its calls in a module global that survives re-execution.
fn script(v: i32) -> String {
    format!(
        "import KSR\ntry:\n    INITS\nexcept NameError:\n    INITS = 0\n\
         def mod_init():\n    return H()\n\
         class H:\n    def child_init(self, rank):\n        global INITS\n        INITS += 1\n        return 0\n\
         \x20   def ksr_request_route(self, msg):\n        return {v} * 100 + INITS\n"
    )
}

fn write(dir: &Path, text: &str) {
    std::fs::write(dir.join("handler.py"), text).unwrap();
}

#[test]
fn workers_reexecute_the_script_before_their_next_message() {
    let setup = ScriptDir::new(
        "handler.py",
        &script(1),
        "loadmodule \"app_python3.so\"\nmodparam(\"app_python3\", \"load\", \"handler.py\")\ncfgengine \"python\"",
    );
    let dir = setup.path();
    let config = setup.config();
    let factory = PythonFactory::from_config(&config).unwrap();
    let a = factory.create(1).unwrap();
    let b = factory.create(2).unwrap();
    assert_eq!(run(&*a), Ok(101));
    assert_eq!(run(&*b), Ok(101));

    // Nothing changes until a reload is asked for.
    write(dir, &script(2));
    assert_eq!(run(&*a), Ok(101));

    request_reload();
    // Re-executed in the same module (INITS kept), new handler, and
    // child_init ran again.
    assert_eq!(run(&*a), Ok(202));
    assert_eq!(run(&*a), Ok(202));
    assert_eq!(run(&*b), Ok(202));

    // A broken version is logged; the workers keep the running handler.
    write(dir, "def mod_init(:\n");
    request_reload();
    assert_eq!(run(&*a), Ok(202));

    // Fixed again: the next reload takes it.
    write(dir, &script(3));
    request_reload();
    assert_eq!(run(&*a), Ok(303));
    assert_eq!(run(&*b), Ok(303));
}
