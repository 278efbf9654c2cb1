//! The Perl engine: Kamailio's app_perl on the system perl (5.36,
//! threaded), and Perl KEMI (`cfgengine "perl"`).
//!
//! - app_perl: `perl_exec(fn[, param])` / `perl_exec_simple(fn[, param])`
//!   from the cfg's routing blocks call subs of `modparam("app_perl",
//!   "filename", ...)`; the message is a `Kamailio::Message` (see
//!   [`dispatch`] for the `Kamailio::*` subs). `modpath` (up to 10
//!   ':'-separated dirs) goes first on @INC, this repository's `perl-lib/`
//!   last, so a cfg pointing at Kamailio's own installed Perl library
//!   (whose Kamailio.pm runs `bootstrap Kamailio`) works: the XS side —
//!   `Kamailio::bootstrap` and every Message/URI/AVP sub — is defined in
//!   each interpreter before anything loads.
//! - Perl KEMI: `ksr_request_route`, `ksr_reply_route`, named failure /
//!   branch / reply subs and the event sub, with a `KSR` package generated
//!   from the export table (`KSR::sl::sl_send_reply(200, "OK")`,
//!   `KSR::pv::get('$ru')`, `KSR::x::exit()`).
//! - One interpreter per worker thread, built on first use; Perl's
//!   current-interpreter pointer is set before every entry.
//! - `reset_cycles`: each worker counts its calls; after N it calls
//!   `perl_destroy_func` (if set), destroys the interpreter, and the next
//!   call builds a fresh one and loads the script again (from disk).
//!   Calls are never interrupted: a reset happens between two of them.
//! - Switchboard::Shared (perl-lib/Switchboard/Shared.pm over [`shared`]):
//!   switchboard's own tied hash and atomic add, one store per process,
//!   seen by every worker's interpreter and kept across resets.
//! - `die` / syntax errors: logged with Perl's message (file and line);
//!   the call returns -1. A die caught by the script's own `eval` keeps
//!   its message untouched. `warn` goes to the log, always with the
//!   script's file and line. `exit()` is disabled.
//!
//! - RPC (jsonrpcs): [`setup`] registers `app_perl.set_reset_cycles <int>`
//!   and `app_perl.get_reset_cycles`, which call [`set_reset_cycles`] /
//!   [`reset_cycles`].

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use switchboard_core::cfg::{Config, Value};
use switchboard_core::engine::{Callback, Engine, EngineFactory, ScriptError};
use switchboard_core::kemi::CallbackNames;
use switchboard_core::exports::{self, Export};
use switchboard_core::route::RouteCtx;

pub mod dispatch;
mod ffi;
pub mod interp;
pub mod shared;

use dispatch::Entered;
use ffi::SbVal;
use interp::{Interp, Outcome};

#[cfg(test)]
mod tests;
#[doc(hidden)]
pub mod testkit;

/// What the cfg says about app_perl, fixed at start.
#[derive(Debug)]
pub struct Settings {
    pub script: PathBuf,
    /// @INC additions, in order: modpath dirs, then perl-lib.
    pub inc: Vec<String>,
    pub destroy_func: Option<String>,
    /// moduleFunction's view: the cfg's functions by (native name, arity).
    by_native: std::collections::HashMap<(&'static str, usize), &'static Export>,
    subs: Vec<(String, i32)>,
}

static SETTINGS: OnceLock<Settings> = OnceLock::new();
static RESET_CYCLES: AtomicU64 = AtomicU64::new(0);

/// At most this many `modpath` directories (Kamailio's limit).
const MAX_MODPATH: usize = 10;

/// Where this repository's perl-lib/ is (Kamailio.pm & co.);
/// `SWITCHBOARD_PERL_LIB` in the environment overrides it.
pub fn default_perl_lib() -> PathBuf {
    std::env::var_os("SWITCHBOARD_PERL_LIB")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("SWITCHBOARD_PERL_LIB")))
}

fn str_param<'c>(config: &'c Config, name: &str) -> Option<&'c str> {
    config.modparam("app_perl", name).and_then(Value::as_str).filter(|s| !s.is_empty())
}

impl Settings {
    pub fn from_config(config: &Config) -> Result<Settings, String> {
        let cfg = config.path.display();
        let script = str_param(config, "filename").ok_or_else(|| {
            format!("{cfg}: app_perl needs its script: modparam(\"app_perl\", \"filename\", \"/path/to/script.pl\")")
        })?;
        let mut inc: Vec<String> = Vec::new();
        if let Some(mp) = str_param(config, "modpath") {
            let dirs: Vec<&str> = mp.split(':').filter(|d| !d.is_empty()).collect();
            if dirs.len() > MAX_MODPATH {
                return Err(format!("{cfg}: app_perl modpath: at most {MAX_MODPATH} directories, {} given", dirs.len()));
            }
            inc.extend(dirs.iter().map(|d| {
                let d = config.resolve_path(d);
                std::path::absolute(&d).unwrap_or(d).display().to_string()
            }));
        }
        inc.push(default_perl_lib().display().to_string());
        let exports = exports::enabled(config);
        let subs = dispatch::subs(&exports);
        let mut by_native = std::collections::HashMap::new();
        for e in &exports {
            for n in e.native {
                by_native.entry((*n, e.params.len())).or_insert(*e);
            }
        }
        // Absolute: Perl's `do FILE` searches @INC for a relative path.
        let script = config.resolve_path(script);
        let script = std::path::absolute(&script).unwrap_or(script);
        Ok(Settings {
            script,
            inc,
            destroy_func: str_param(config, "perl_destroy_func").map(str::to_string),
            by_native,
            subs,
        })
    }

    fn build(&self) -> Result<Interp, String> {
        Interp::new(&self.inc, &self.subs, &self.script)
    }
}

fn settings() -> Option<&'static Settings> {
    SETTINGS.get()
}

/// The cfg function `name` taking `arity` parameters (moduleFunction).
pub(crate) fn native_export(name: &str, arity: usize) -> Option<&'static Export> {
    settings()?.by_native.get(&(name, arity)).copied()
}

/// Set up app_perl from the cfg: check the script loads (a broken script
/// stops the start with Perl's error), then make perl_exec available.
/// Once per process.
pub fn setup(config: &Config) -> Result<(), String> {
    let s = Settings::from_config(config)?;
    s.build().map_err(|e| format!("{}: {e}", s.script.display()))?;
    let cycles = config.modparam("app_perl", "reset_cycles").and_then(Value::as_int).unwrap_or(0);
    RESET_CYCLES.store(cycles.max(0) as u64, Ordering::Relaxed);
    if SETTINGS.set(s).is_err() {
        return Err("app_perl is already set up".into());
    }
    switchboard_core::modules::app_perl::install(perl_exec, start_worker);
    register_rpc();
    Ok(())
}

/// The app_perl RPC commands.
fn register_rpc() {
    use switchboard_core::rpc::{self, Value};
    rpc::register(
        "app_perl.set_reset_cycles",
        "Sets reset_cycles: app_perl.set_reset_cycles <int> (0 = never reset).",
        |_, params| {
            set_reset_cycles(rpc::commands::non_negative(params, "reset_cycles")?);
            Ok(Value::Null)
        },
    );
    rpc::register("app_perl.get_reset_cycles", "Returns reset_cycles.", |_, _| Ok(reset_cycles().into()));
}

/// `app_perl.set_reset_cycles N` (0 = never).
pub fn set_reset_cycles(n: u64) {
    RESET_CYCLES.store(n, Ordering::Relaxed);
}

/// `app_perl.get_reset_cycles`.
pub fn reset_cycles() -> u64 {
    RESET_CYCLES.load(Ordering::Relaxed)
}

/// This worker thread's interpreter and its call count.
#[derive(Default)]
struct Worker {
    interp: Option<Rc<Interp>>,
    calls: u64,
    depth: u32,
    resets: u64,
}

thread_local! {
    static WORKER: RefCell<Worker> = RefCell::new(Worker::default());
}

/// How many times this thread's interpreter was reset (tests).
pub fn resets_on_this_thread() -> u64 {
    WORKER.with(|w| w.borrow().resets)
}

/// Run `f` on this thread's interpreter (built on first use), counting
/// the call for reset_cycles and resetting after it when due.
/// A worker thread starts: build its interpreter (and load the script)
/// now. A script that fails here is reported again on each call.
fn start_worker() {
    if let Err(e) = run_on_interp(false, |_| ()) {
        tracing::error!(target: "script", "app_perl: the Perl interpreter could not start: {e}");
    }
}

fn with_interp<R>(f: impl FnOnce(&Interp) -> R) -> Result<R, String> {
    run_on_interp(true, f)
}

fn run_on_interp<R>(count: bool, f: impl FnOnce(&Interp) -> R) -> Result<R, String> {
    let s = settings().ok_or("app_perl is not set up")?;
    let it = WORKER.with(|w| -> Result<Rc<Interp>, String> {
        let mut w = w.borrow_mut();
        if w.interp.is_none() {
            w.interp = Some(Rc::new(s.build()?));
        }
        w.depth += 1;
        Ok(w.interp.clone().unwrap())
    })?;
    it.enter();
    let r = f(&it);
    drop(it);
    WORKER.with(|w| {
        let mut w = w.borrow_mut();
        w.depth -= 1;
        if !count {
            return;
        }
        w.calls += 1;
        let limit = reset_cycles();
        if w.depth == 0 && limit > 0 && w.calls >= limit {
            w.calls = 0;
            w.resets += 1;
            if let Some(old) = w.interp.take() {
                drop(w);
                destroy(&old, s);
            }
        }
    });
    Ok(r)
}

/// Run perl_destroy_func, then free the interpreter.
fn destroy(it: &Rc<Interp>, s: &Settings) {
    it.enter();
    if let Some(f) = &s.destroy_func {
        match it.call(f, &[]) {
            Outcome::Died(e) => tracing::error!(target: "script", "perl_destroy_func {f}: {e}"),
            Outcome::Missing => tracing::warn!(target: "script", "perl_destroy_func: no Perl function '{f}'"),
            _ => {}
        }
    }
    // The last reference: dropping it destroys the interpreter.
}

/// The `perl_exec` / `perl_exec_simple` implementation.
fn perl_exec(ctx: &mut RouteCtx<'_>, func: &str, param: Option<&str>, pass_msg: bool) -> i32 {
    let what = if pass_msg { "perl_exec" } else { "perl_exec_simple" };
    let entered = Entered::new(ctx);
    let mut args: Vec<SbVal> = Vec::with_capacity(2);
    if pass_msg {
        args.push(SbVal::obj(c"Kamailio::Message", entered.handle));
    }
    if let Some(p) = param {
        args.push(SbVal::str(p));
    }
    let outcome = with_interp(|it| it.call(func, &args));
    drop(entered);
    match outcome {
        Err(e) => {
            tracing::error!(target: "script", "{what}(\"{func}\"): the Perl interpreter could not start: {e}");
            -1
        }
        Ok(Outcome::Returned(v)) => v.unwrap_or(0).clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32,
        Ok(Outcome::Exited) => 0,
        Ok(Outcome::Missing) => {
            tracing::error!(target: "script", "{what}(\"{func}\"): no Perl function '{func}' in the script");
            -1
        }
        Ok(Outcome::Died(e)) => {
            tracing::error!(target: "script", "{what}(\"{func}\"): {e}");
            -1
        }
    }
}

// ---------------------------------------------------------------------
// Perl KEMI.

/// `cfgengine "perl"`: KEMI callbacks in the app_perl script.
pub struct PerlKemiFactory {
    names: std::sync::Arc<CallbackNames>,
}

impl PerlKemiFactory {
    /// Sets app_perl up (the script is `modparam("app_perl", "filename")`)
    /// and checks the script defines `ksr_request_route`.
    pub fn from_config(config: &Config) -> Result<PerlKemiFactory, String> {
        setup(config)?;
        let s = settings().expect("set up");
        let it = s.build().map_err(|e| format!("{}: {e}", s.script.display()))?;
        it.enter();
        if !it.has_sub(switchboard_core::kemi::REQUEST_ROUTE) {
            return Err(format!("{}: cfgengine \"perl\" needs a sub ksr_request_route", s.script.display()));
        }
        Ok(PerlKemiFactory { names: std::sync::Arc::new(CallbackNames::from_config(config)) })
    }
}

impl EngineFactory for PerlKemiFactory {
    fn name(&self) -> &str {
        "perl"
    }
    fn create(&self, _rank: usize) -> Result<Box<dyn Engine>, String> {
        Ok(Box::new(PerlKemiEngine { names: self.names.clone() }))
    }
    fn handles(&self, cb: Callback<'_>) -> bool {
        self.names.name(cb).is_some()
    }
}

/// A handle on this thread's interpreter for KEMI callbacks.
pub struct PerlKemiEngine {
    names: std::sync::Arc<CallbackNames>,
}

impl Engine for PerlKemiEngine {
    fn run(&self, cb: Callback<'_>, ctx: &mut RouteCtx<'_>) -> Result<i32, ScriptError> {
        let Some(func) = self.names.name(cb) else { return Ok(1) };
        let func = format!("main::{func}");
        let entered = Entered::new(ctx);
        let outcome = with_interp(|it| match cb {
            Callback::Event(ev) => it.call(&func, &[SbVal::str(ev)]),
            _ => it.call(&func, &[]),
        });
        drop(entered);
        match outcome {
            Err(e) => Err(ScriptError { message: e }),
            // A callback the script does not define is skipped.
            Ok(Outcome::Missing) => Ok(1),
            Ok(Outcome::Returned(v)) => Ok(v.map_or(1, |v| v.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32)),
            Ok(Outcome::Exited) => Ok(0),
            Ok(Outcome::Died(e)) => Err(ScriptError { message: e }),
        }
    }

    fn has(&self, cb: Callback<'_>) -> bool {
        let Some(func) = self.names.name(cb) else { return false };
        run_on_interp(false, |it| it.has_sub(&format!("main::{func}"))).unwrap_or(false)
    }
}

