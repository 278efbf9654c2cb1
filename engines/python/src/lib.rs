//! The Python engine (`cfgengine "python"`): runs a KEMI script written
//! for Kamailio's app_python3.
//!
//! The script is the file of `modparam("app_python3", "load", FILE)` (or
//! the older `script_name`; `app_python` is the same module). It defines
//! `mod_init()` (name: `mod_init_function`), which returns the object
//! whose methods are the callbacks: `ksr_request_route(self, msg)`,
//! `ksr_reply_route(self, msg)`, the failure/branch routes the script arms
//! by name, the event callback (`(self, msg, event_name)`), and
//! `child_init(self, rank)` (name: `child_init_method`), run once per
//! worker. `import KSR` gives the functions of the export table
//! ([`ksr`]), generated: `KSR.<name>`, `KSR.<module>.<name>`, `KSR.x.modf`.
//!
//! # One interpreter, one engine per worker
//!
//! CPython is embedded once per process. Each worker thread (see
//! `server::run_route`) gets a [`PythonEngine`]: the script executed in its
//! own module namespace, `mod_init()` called there, then
//! `child_init(rank)` — so each worker has its own handler object, as each
//! Kamailio child process has its own copy. Workers share the interpreter
//! and so its GIL: only one runs Python at a time (see the README).
//!
//! A worker keeps its Python thread state for its whole life
//! ([`keep_thread_state`]): a callback then only takes the GIL and gives
//! it back, the worker does not hold it while it waits for the next
//! message, and the core releases it around blocking work inside a
//! callback ([`switchboard_core::engine::blocking`], e.g. DNS).
//!
//! # Load phase
//!
//! The script's top level, `mod_init()` and `child_init()` run with a
//! faked context (an OPTIONS request from 127.0.0.1, like Kamailio's
//! faked message), so KSR functions work there as in Kamailio's examples
//! (`KSR.info` in `mod_init`). Anywhere else outside a callback — a thread
//! the script started, a KSR function kept and called later — a KSR call
//! raises `RuntimeError: KSR.x called outside a route`.
//!
//! # Errors, exit
//!
//! An exception is logged with its traceback (`file:line: Type: message
//! (traceback: file:line in fn <- ...)`) and the callback counts as failed
//! — the server goes on and the core gives the message its usual outcome
//! (a 500 for a request nobody answered). `KSR.x.exit()` and the other
//! functions that end the script raise `ScriptExit` (a `SystemExit`) to
//! unwind the callback; `sys.exit()` ends the callback it is called in
//! and nothing more — and so do `os._exit()` and `os.abort()`, replaced at
//! start so that a script cannot end the server.

use std::cell::{Cell, RefCell};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use pyo3::exceptions::PySystemExit;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::MutexExt;
use pyo3::types::{PyBool, PyFloat, PyInt, PyModule, PyString};
use switchboard_core::cfg::Config;
use switchboard_core::engine::{self, Callback, Engine, EngineFactory, ScriptError};
use switchboard_core::exports;
use switchboard_core::kemi::{self, CallbackNames, CtxGuard, REQUEST_ROUTE};
use switchboard_core::myself::Myself;
use switchboard_core::route::{RouteCtx, RouteType, Shared, Vars};
use switchboard_core::transport::{Protocol, ReceiveInfo};

pub mod ksr;
pub mod stubs;

/// app_python3's default `mod_init_function`.
const MOD_INIT: &str = "mod_init";
/// app_python3's default `child_init_method`.
const CHILD_INIT: &str = "child_init";

/// Ask every worker to re-execute the script before its next message
/// (the `app_python.reload` RPC, registered by [`PythonFactory::from_config`]): the script runs again in the worker's module
/// namespace (names it no longer defines stay), `mod_init()` gives the new
/// handler object and `child_init(rank)` runs on it. A script that fails
/// to load is logged and the worker keeps the handler it had.
pub fn request_reload() {
    GENERATION.fetch_add(1, Ordering::SeqCst);
}

/// Bumped by [`request_reload`]; each engine remembers the one it loaded.
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// Makes one [`PythonEngine`] per worker thread.
pub struct PythonFactory {
    loader: Arc<Loader>,
}

impl std::fmt::Debug for PythonFactory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PythonFactory")
            .field("script", &self.loader.script)
            .finish_non_exhaustive()
    }
}

/// What every worker needs to load the script.
struct Loader {
    script: PathBuf,
    /// The module name: the file name without `.py`.
    name: String,
    mod_init: String,
    child_init: String,
    callbacks: CallbackNames,
    /// `KSR` for this cfg's modules.
    ksr: Py<PyModule>,
    /// For the faked context of the load phase.
    fake: Shared,
}

impl PythonFactory {
    /// Read the app_python3 parameters (the script path relative to the
    /// cfg file), start the interpreter, and check that the script loads
    /// and that `mod_init()` gives an object with `ksr_request_route`.
    /// Errors name the cfg or the script file:line.
    pub fn from_config(config: &Config) -> Result<PythonFactory, String> {
        let cfg = config.path.display();
        let script = kemi::script_path(
            config,
            "python",
            "app_python3",
            &["load", "script_name"],
            "py",
        )?;
        let param = |name: &str| {
            config
                .modparam("app_python3", name)
                .and_then(|v| v.as_str())
                .filter(|s| !s.is_empty())
        };
        let mut fake = Shared::bare(Myself::default());
        fake.modcfg = switchboard_core::modules::ModCfg::from_config(config);
        fake.flag_names = config.flags.iter().cloned().collect();
        let settings = Settings {
            script,
            mod_init: param("mod_init_function").unwrap_or(MOD_INIT).to_string(),
            child_init: param("child_init_method").unwrap_or(CHILD_INIT).to_string(),
            callbacks: CallbackNames::from_config(config),
        };
        let factory = PythonFactory::new(settings, &exports::enabled(config), fake)
            .map_err(|e| format!("{cfg}: app_python3: {e}"))?;
        switchboard_core::rpc::register(
            "app_python.reload",
            "Reloads the Python script in every worker (before its next message).",
            |_, _| {
                request_reload();
                Ok(switchboard_core::rpc::Value::Null)
            },
        );
        Ok(factory)
    }

    fn new(
        s: Settings,
        exports: &[&'static exports::Export],
        fake: Shared,
    ) -> Result<PythonFactory, String> {
        if !s.script.is_file() {
            return Err(format!(
                "cannot read the Python script {}: no such file",
                s.script.display()
            ));
        }
        Python::initialize();
        Python::attach(guard_process_exit).map_err(|e| format!("cannot set up Python: {e}"))?;
        engine::set_blocking_hook(release_gil);
        let name = s
            .script
            .file_stem()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "script".into());
        let ksr = Python::attach(|py| ksr::build(py, exports).map(Bound::unbind))
            .map_err(|e| format!("cannot set up KSR: {e}"))?;
        let loader = Loader {
            script: s.script,
            name,
            mod_init: s.mod_init,
            child_init: s.child_init,
            callbacks: s.callbacks,
            ksr,
            fake,
        };
        // Load it once now, so that a broken script stops the start (and
        // `-c`) instead of every worker failing later.
        Python::attach(|py| loader.load(py, None, None).map(drop))?;
        Ok(PythonFactory {
            loader: Arc::new(loader),
        })
    }

    /// The script file.
    pub fn script(&self) -> &Path {
        &self.loader.script
    }

    /// The embedded interpreter: version and `sys.base_prefix`.
    pub fn python_info() -> String {
        Python::attach(|py| {
            let sys = py.import("sys").ok();
            let get = |n: &str| {
                sys.as_ref()
                    .and_then(|s| s.getattr(n).ok())
                    .map(|v| v.to_string())
                    .unwrap_or_default()
            };
            format!(
                "Python {} (base prefix {})",
                get("version").replace('\n', " "),
                get("base_prefix")
            )
        })
    }

    fn build(&self, rank: usize) -> Result<PythonEngine, String> {
        keep_thread_state();
        Python::attach(|py| {
            let generation = GENERATION.load(Ordering::SeqCst);
            let (module, handler) = self.loader.load(py, None, Some(rank))?;
            let msg = Py::new(py, Message).map_err(|e| e.to_string())?.into_any();
            Ok(PythonEngine {
                loader: self.loader.clone(),
                rank,
                state: RefCell::new(Loaded {
                    module: module.unbind(),
                    handler: handler.unbind(),
                }),
                generation: Cell::new(generation),
                msg,
                depth: Cell::new(0),
            })
        })
    }
}

/// The app_python3 parameters.
struct Settings {
    script: PathBuf,
    mod_init: String,
    child_init: String,
    callbacks: CallbackNames,
}

impl EngineFactory for PythonFactory {
    fn name(&self) -> &str {
        "python"
    }

    fn create(&self, rank: usize) -> Result<Box<dyn Engine>, String> {
        Ok(Box::new(self.build(rank)?))
    }
}

/// Serializes script loads: `sys.modules["KSR"]` must be this cfg's
/// `KSR` while the script's `import KSR` runs (several cfgs only ever
/// coexist in tests).
static LOADING: Mutex<()> = Mutex::new(());

impl Loader {
    /// Execute the script (in `module`, a new one if None), call
    /// `mod_init()`, and `child_init(rank)` on the handler when a rank is
    /// given; all with the faked context.
    fn load<'py>(
        &self,
        py: Python<'py>,
        module: Option<&Bound<'py, PyModule>>,
        rank: Option<usize>,
    ) -> Result<(Bound<'py, PyModule>, Bound<'py, PyAny>), String> {
        let path = self.script.display().to_string();
        let source = std::fs::read_to_string(&self.script)
            .map_err(|e| format!("cannot read the Python script {path}: {e}"))?;
        let d = |e: PyErr| describe(py, &e);
        with_fake_ctx(&self.fake, || {
            let builtins = py.import("builtins").map_err(d)?;
            let code = builtins
                .getattr("compile")
                .and_then(|c| c.call1((source, &path, "exec")))
                .map_err(d)?;
            let module = {
                // Waits without the GIL (the holder may need it).
                let _lock = LOADING
                    .lock_py_attached(py)
                    .unwrap_or_else(|p| p.into_inner());
                ksr::install(py, self.ksr.bind(py)).map_err(d)?;
                let sys = py.import("sys").map_err(d)?;
                if let Some(dir) = self.script.parent().filter(|d| !d.as_os_str().is_empty()) {
                    let dir = dir.display().to_string();
                    let sys_path = sys.getattr("path").map_err(d)?;
                    if !sys_path.contains(&dir).map_err(d)? {
                        sys_path.call_method1("insert", (0, &dir)).map_err(d)?;
                    }
                }
                let module = match module {
                    Some(m) => m.clone(),
                    None => PyModule::new(py, &self.name).map_err(d)?,
                };
                module.setattr("__file__", &path).map_err(d)?;
                sys.getattr("modules")
                    .and_then(|m| m.set_item(&self.name, &module))
                    .map_err(d)?;
                builtins
                    .getattr("exec")
                    .and_then(|x| x.call1((code, module.dict())))
                    .map_err(d)?;
                module
            };
            let init = module.getattr(self.mod_init.as_str()).map_err(|_| {
                format!("{path}: the script defines no function {}()", self.mod_init)
            })?;
            let handler = init.call0().map_err(d)?;
            if handler.is_none() {
                return Err(format!(
                    "{path}: {}() returned None: it must return the object whose methods are the callbacks",
                    self.mod_init
                ));
            }
            if !handler.hasattr(REQUEST_ROUTE).unwrap_or(false) {
                return Err(format!(
                    "{path}: the object {}() returned has no method {REQUEST_ROUTE}()",
                    self.mod_init
                ));
            }
            if let Some(rank) = rank {
                if handler.hasattr(self.child_init.as_str()).unwrap_or(false) {
                    let r = handler
                        .call_method1(self.child_init.as_str(), (rank,))
                        .map_err(d)?;
                    if return_code(&r) < 0 {
                        return Err(format!("{path}: {}({rank}) returned {r}", self.child_init));
                    }
                }
            }
            Ok((module, handler))
        })
    }
}

/// Kamailio's faked message, for the load phase.
const FAKE_REQUEST: &[u8] = b"OPTIONS sip:you@127.0.0.1 SIP/2.0\r\n\
    Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKswitchboard.load\r\n\
    From: <sip:you@127.0.0.1>;tag=load\r\n\
    To: <sip:you@127.0.0.1>\r\n\
    Call-ID: load@switchboard\r\n\
    CSeq: 1 OPTIONS\r\n\
    Content-Length: 0\r\n\r\n";

fn with_fake_ctx<R>(shared: &Shared, f: impl FnOnce() -> R) -> R {
    let msg = switchboard_core::sip::parse(Bytes::from_static(FAKE_REQUEST))
        .expect("the faked request parses");
    let addr = "127.0.0.1:9".parse().expect("an address");
    let info = ReceiveInfo {
        proto: Protocol::Udp,
        src: addr,
        local: addr,
        conn_id: None,
    };
    let mut vars = Vars::new();
    let mut ctx = RouteCtx::new(shared, RouteType::Request, msg, info, &mut vars);
    let _guard = CtxGuard::enter(&mut ctx);
    f()
}

/// The `msg` argument of the callbacks (app_python3 passes its message
/// object; KEMI scripts only hand it on).
#[pyclass(name = "Message", module = "switchboard", frozen)]
struct Message;

#[pymethods]
impl Message {
    fn __repr__(&self) -> &'static str {
        "<switchboard SIP message: use the KSR functions>"
    }
}

/// The script as one worker loaded it.
struct Loaded {
    module: Py<PyModule>,
    handler: Py<PyAny>,
}

/// One worker's script: its module and handler object, on the shared
/// interpreter. Owned by one worker thread.
pub struct PythonEngine {
    loader: Arc<Loader>,
    rank: usize,
    state: RefCell<Loaded>,
    /// The [`GENERATION`] loaded.
    generation: Cell<u64>,
    msg: Py<PyAny>,
    /// Callbacks running on this engine (they nest: t_relay runs the
    /// branch route); a reload waits for depth 0.
    depth: Cell<u32>,
}

impl PythonEngine {
    fn method<'py>(&self, py: Python<'py>, name: &str) -> Option<Bound<'py, PyAny>> {
        let handler = self.state.borrow().handler.clone_ref(py).into_bound(py);
        let name = if name == REQUEST_ROUTE {
            pyo3::intern!(py, REQUEST_ROUTE).clone()
        } else {
            PyString::intern(py, name)
        };
        handler.getattr(name).ok().filter(|m| m.is_callable())
    }

    fn reload_if_asked(&self, py: Python<'_>) {
        let want = GENERATION.load(Ordering::SeqCst);
        if want == self.generation.get() {
            return;
        }
        self.generation.set(want);
        let module = self.state.borrow().module.clone_ref(py).into_bound(py);
        let script = self.loader.script.display();
        match self.loader.load(py, Some(&module), Some(self.rank)) {
            Ok((module, handler)) => {
                *self.state.borrow_mut() = Loaded {
                    module: module.unbind(),
                    handler: handler.unbind(),
                };
                tracing::info!("worker {}: {script} reloaded", self.rank);
            }
            Err(e) => tracing::error!(
                "worker {}: reloading {script} failed, the previous version goes on: {e}",
                self.rank
            ),
        }
    }
}

impl Engine for PythonEngine {
    fn run(&self, cb: Callback<'_>, ctx: &mut RouteCtx<'_>) -> Result<i32, ScriptError> {
        let Some(name) = self.loader.callbacks.name(cb) else {
            return Ok(1);
        };
        Python::attach(|py| {
            if self.depth.get() == 0 {
                self.reload_if_asked(py);
            }
            let Some(method) = self.method(py, name) else {
                return match cb {
                    // Optional: a script without them is fine.
                    Callback::Reply | Callback::OnSend | Callback::Event(_) => Ok(1),
                    Callback::Request | Callback::Named(_) => Err(ScriptError {
                        message: format!(
                            "{}: the handler object has no method {name}()",
                            self.loader.script.display()
                        ),
                    }),
                };
            };
            let guard = CtxGuard::enter(ctx);
            self.depth.set(self.depth.get() + 1);
            let msg = self.msg.bind(py);
            let r = match cb {
                // Kamailio passes the event route's name to the one event
                // callback.
                Callback::Event(ev) => method.call1((msg, ev)),
                _ => method.call1((msg,)),
            };
            self.depth.set(self.depth.get() - 1);
            let exited = guard.exiting();
            drop(guard);
            match r {
                // Whatever the script did after an exit (even swallowing
                // the exception), the callback ended by exit.
                _ if exited => Ok(0),
                Ok(v) => Ok(return_code(&v)),
                Err(e) if e.is_instance_of::<PySystemExit>(py) => Ok(sys_exit_code(py, &e, name)),
                Err(e) => Err(ScriptError {
                    message: describe(py, &e),
                }),
            }
        })
    }

    fn has(&self, cb: Callback<'_>) -> bool {
        self.loader
            .callbacks
            .name(cb)
            .is_some_and(|n| Python::attach(|py| self.method(py, n).is_some()))
    }
}

/// A callback's return value as a route code: an int is the code (-255,
/// the examples' "exit", included), booleans are 1 / -1, anything else
/// (None) is 1.
fn return_code(v: &Bound<'_, PyAny>) -> i32 {
    if let Ok(b) = v.cast::<PyBool>() {
        return if b.is_true() { 1 } else { -1 };
    }
    if let Ok(i) = v.cast::<PyInt>() {
        return match i.extract::<i64>() {
            Ok(i) => i.clamp(i32::MIN as i64, i32::MAX as i64) as i32,
            Err(_) if i.lt(0).unwrap_or(false) => i32::MIN,
            Err(_) => i32::MAX,
        };
    }
    if let Ok(f) = v.cast::<PyFloat>() {
        return f.value() as i32;
    }
    1
}

/// A script cannot end the server: `os._exit(n)` and `os.abort()` raise
/// `SystemExit` instead (so they end the callback, like `sys.exit(n)`).
const GUARD_EXIT: &str = r#"
import os as _os, sys as _sys
def _say(text):
    try:
        import KSR
        KSR.warn(text + "\n")
    except Exception:
        _sys.stderr.write(text + "\n")
def _exit(status=0):
    _say("os._exit(%r) in a script ends the callback, not the server" % (status,))
    raise SystemExit(status)
def _abort():
    _say("os.abort() in a script ends the callback, not the server")
    raise SystemExit(-1)
_os._exit = _exit
_os.abort = _abort
"#;

fn guard_process_exit(py: Python<'_>) -> PyResult<()> {
    let code = std::ffi::CString::new(GUARD_EXIT).expect("no NUL");
    py.run(&code, None, None)
}

/// `sys.exit(x)` in a callback: the callback ends with code `x` (None:
/// 1, as a plain return; a message: logged, -1).
fn sys_exit_code(py: Python<'_>, e: &PyErr, callback: &str) -> i32 {
    let code = e.value(py).getattr("code").ok();
    match code {
        None => 1,
        Some(c) if c.is_none() => 1,
        Some(c) if c.is_instance_of::<PyInt>() => return_code(&c),
        Some(c) => {
            tracing::warn!(target: "script", "sys.exit({c}) in {callback}(): the callback ends here");
            -1
        }
    }
}

// ---------------------------------------------------------------------
// Errors.

/// Formats an exception as one log line (innermost frame first).
const DESCRIBE: &str = r#"
import traceback

def describe(exc, tb):
    frames = traceback.extract_tb(tb)
    kind = type(exc).__name__
    text = str(exc)
    what = kind + ": " + text if text else kind
    if isinstance(exc, SyntaxError) and exc.filename:
        head = "%s:%s: %s: %s" % (exc.filename, exc.lineno, kind, exc.msg)
    elif frames:
        head = "%s:%s: %s" % (frames[-1].filename, frames[-1].lineno, what)
    else:
        head = what
    if frames:
        chain = " <- ".join("%s:%s in %s" % (f.filename, f.lineno, f.name) for f in reversed(frames))
        head += " (traceback: " + chain + ")"
    return " ".join(head.split("\n"))
"#;

/// A Python exception as one log-friendly line: `file:line: Type: message
/// (traceback: file:line in function <- ...)`.
fn describe(py: Python<'_>, e: &PyErr) -> String {
    static HELPER: pyo3::sync::PyOnceLock<Py<PyAny>> = pyo3::sync::PyOnceLock::new();
    let helper = HELPER.get_or_try_init(py, || {
        PyModule::from_code(
            py,
            &std::ffi::CString::new(DESCRIBE).expect("no NUL"),
            c"<switchboard>",
            c"_switchboard_describe",
        )
        .and_then(|m| m.getattr("describe"))
        .map(Bound::unbind)
    });
    helper
        .and_then(|h| h.bind(py).call1((e.value(py), e.traceback(py))))
        .and_then(|s| s.extract::<String>())
        .unwrap_or_else(|_| e.to_string())
}

// ---------------------------------------------------------------------
// Threads and the GIL.

thread_local! {
    static KEPT: Cell<bool> = const { Cell::new(false) };
}

/// Give this thread a Python thread state for its whole life: one
/// `PyGILState_Ensure` that is never released keeps CPython from making
/// and destroying a thread state around every callback; the GIL itself is
/// given back at once (and after each callback), so the worker does not
/// hold it while it waits for messages.
fn keep_thread_state() {
    if KEPT.with(Cell::get) {
        return;
    }
    // SAFETY: the interpreter is initialized (the factory did it). If this
    // thread already holds the GIL, Ensure only counts one more use and
    // the holder gives it back; else Ensure takes it and SaveThread
    // releases it again, keeping the thread state.
    unsafe {
        let held = ffi::PyGILState_Check() == 1;
        let _ = ffi::PyGILState_Ensure();
        if !held {
            ffi::PyEval_SaveThread();
        }
    }
    KEPT.with(|k| k.set(true));
}

/// The core's blocking hook: run `f` without the GIL when this thread
/// holds it. `f` never calls into Python.
fn release_gil(f: &mut dyn FnMut()) {
    // SAFETY: PyGILState_Check may be called from any thread once the
    // interpreter is initialized (the factory registers this hook after).
    if unsafe { ffi::PyGILState_Check() } == 0 {
        return f();
    }
    struct Restore(*mut ffi::PyThreadState);
    impl Drop for Restore {
        fn drop(&mut self) {
            // SAFETY: the state saved below, on this thread.
            unsafe { ffi::PyEval_RestoreThread(self.0) }
        }
    }
    // SAFETY: this thread holds the GIL; it is taken back (also on
    // unwinding) before anything else here touches Python.
    let _restore = Restore(unsafe { ffi::PyEval_SaveThread() });
    f()
}

#[cfg(test)]
mod tests;
