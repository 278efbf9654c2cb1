//! The Lua engine (`cfgengine "lua"`): runs a KEMI-style Lua script.
//!
//! The script is the file of `modparam("app_lua", "load", FILE)`. Each
//! worker thread gets its own Lua state (interpreters are not thread-safe),
//! built by [`LuaFactory::create`]: the script is loaded and the global
//! `KSR` table installed. `KSR` is generated from the export table
//! ([`exports::enabled`]) — `KSR.<name>` for core functions,
//! `KSR.<module>.<name>` for the others — so a function added to the table
//! appears in Lua with no change here.
//!
//! # The current routing context
//!
//! Exported functions need the `RouteCtx` of the callback that calls them,
//! but Lua closures are created once per state and live as long as it. The
//! context is therefore handed over through a thread-local raw pointer,
//! set by [`LuaEngine::run`] for the duration of one callback (see
//! [`CtxGuard`] for the safety argument; shared with the Python engine). A `KSR` function called while no
//! callback runs (e.g. at script load time) raises the Lua error
//! "KSR.x.y called outside a route".
//!
//! # exit / drop
//!
//! A function that sets `ctx.stop` *and* returns 0 (`KSR.x.exit`,
//! `KSR.x.drop`, `KSR.drop`) ends the callback: the closure returns a
//! private sentinel, its Lua wrapper raises it as an error that unwinds
//! the Lua stack, and `run` recognises it as a normal end (code 0), not a
//! script error (see [`RUNNER`] for why not a Rust error).
//! `KSR.set_drop` sets `stop` but returns 1, so the script goes on.

use std::borrow::Cow;
use std::ffi::{c_char, c_int, c_void};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use mlua::{ffi, Function, Lua, MultiValue, Table, Value};
use switchboard_core::cfg::Config;
use switchboard_core::engine::{Callback, Engine, EngineFactory, ScriptError};
use switchboard_core::exports::{self, Arg, Export, Param, Ret, RetKind};
use switchboard_core::kemi::{self, CallbackNames, CtxGuard, Outcome};
use switchboard_core::route::RouteCtx;

/// The mandatory callback.
pub use switchboard_core::kemi::REQUEST_ROUTE;

pub mod annotations;

/// Makes one [`LuaEngine`] per worker thread.
pub struct LuaFactory {
    script: PathBuf,
    source: Arc<[u8]>,
    exports: Arc<[&'static Export]>,
    callbacks: Arc<CallbackNames>,
}

impl fmt::Debug for LuaFactory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LuaFactory").field("script", &self.script).finish_non_exhaustive()
    }
}

impl LuaFactory {
    /// Read `modparam("app_lua", "load", FILE)` (relative to the cfg
    /// file), and check that the script loads and defines
    /// `ksr_request_route`. Errors name the cfg or the script file:line.
    pub fn from_config(config: &Config) -> Result<LuaFactory, String> {
        let cfg = config.path.display();
        let script = kemi::script_path(config, "lua", "app_lua", &["load"], "lua")?;
        let factory = LuaFactory::new(script, exports::enabled(config), CallbackNames::from_config(config))
            .map_err(|e| format!("{cfg}: app_lua: {e}"))?;
        Ok(factory)
    }

    fn new(script: PathBuf, exports: Vec<&'static Export>, callbacks: CallbackNames) -> Result<LuaFactory, String> {
        let source = std::fs::read(&script)
            .map_err(|e| format!("cannot read the Lua script {}: {e}", script.display()))?;
        let factory = LuaFactory {
            script,
            source: source.into(),
            exports: exports.into(),
            callbacks: Arc::new(callbacks),
        };
        // Load it once now, so that a broken script stops the start (and
        // `-c`) instead of every worker failing later.
        let engine = factory.build()?;
        if !engine.has_function(REQUEST_ROUTE) {
            return Err(format!(
                "{}: the script defines no function {REQUEST_ROUTE}()",
                factory.script.display()
            ));
        }
        Ok(factory)
    }

    /// The script file.
    pub fn script(&self) -> &Path {
        &self.script
    }

    fn build(&self) -> Result<LuaEngine, String> {
        let lua = Lua::new();
        let describe_err = |e: mlua::Error| describe(&e);
        install(&lua, &self.exports, &self.script).map_err(|e| format!("cannot set up KSR: {e}"))?;
        lua.load(&self.source[..])
            .set_name(format!("@{}", self.script.display()))
            .exec()
            .map_err(describe_err)?;
        let runner = lua
            .create_function(|lua, e: Value| {
                Ok(match &e {
                    // Exit, and Rust errors (they carry their traceback).
                    v if is_exit_value(v) => e,
                    Value::Error(_) => e,
                    other => Value::String(lua.traceback(Some(&value_text(other)), 1)?),
                })
            })
            .and_then(|handler| lua.load(RUNNER).set_name("=switchboard").call::<Function>(handler))
            .map_err(|e| format!("cannot set up the callback runner: {e}"))?;
        Ok(LuaEngine { lua, runner, callbacks: self.callbacks.clone() })
    }
}

impl EngineFactory for LuaFactory {
    fn name(&self) -> &str {
        "lua"
    }

    fn create(&self, _rank: usize) -> Result<Box<dyn Engine>, String> {
        Ok(Box::new(self.build()?))
    }
}

/// One Lua state with the script loaded; owned by one worker thread.
pub struct LuaEngine {
    lua: Lua,
    /// `RUNNER`: calls a callback under `xpcall`.
    runner: Function,
    callbacks: Arc<CallbackNames>,
}

impl LuaEngine {
    fn function(&self, name: &str) -> Option<Function> {
        match self.lua.globals().raw_get::<Value>(name) {
            Ok(Value::Function(f)) => Some(f),
            _ => None,
        }
    }

    fn has_function(&self, name: &str) -> bool {
        self.function(name).is_some()
    }
}

impl Engine for LuaEngine {
    fn run(&self, cb: Callback<'_>, ctx: &mut RouteCtx<'_>) -> Result<i32, ScriptError> {
        let Some(func) = self.callbacks.name(cb).and_then(|n| self.function(n)) else {
            return Ok(1);
        };
        let guard = CtxGuard::enter(ctx);
        let r = match cb {
            // Kamailio passes the event route's name to the one event
            // callback.
            Callback::Event(ev) => self.runner.call::<(bool, Value)>((func, ev)),
            _ => self.runner.call::<(bool, Value)>(func),
        };
        let exited = guard.exiting();
        drop(guard);
        // On error, the Lua stack of this call is already unwound: nothing
        // of it stays behind but garbage for Lua's collector.
        match r {
            // An exit swallowed by a pcall still ends the callback as exit.
            Ok(_) if exited => Ok(0),
            Ok((true, v)) => Ok(return_code(&v)),
            Ok((false, v)) if is_exit_value(&v) => Ok(0),
            Ok((false, Value::Error(e))) => Err(ScriptError { message: describe(&e) }),
            Ok((false, v)) => Err(ScriptError { message: describe(&mlua::Error::RuntimeError(value_text(&v))) }),
            Err(e) => Err(ScriptError { message: describe(&e) }),
        }
    }

    fn has(&self, cb: Callback<'_>) -> bool {
        self.callbacks.name(cb).is_some_and(|n| self.has_function(n))
    }
}

/// A callback's return value as a route code: a number is the code,
/// booleans are 1 / -1, anything else (nothing) is 1.
fn return_code(v: &Value) -> i32 {
    match v {
        Value::Integer(i) => (*i).clamp(i32::MIN as i64, i32::MAX as i64) as i32,
        Value::Number(n) => *n as i32,
        Value::Boolean(b) => {
            if *b {
                1
            } else {
                -1
            }
        }
        _ => 1,
    }
}

/// The value that unwinds a callback after exit/drop. It is raised from
/// Lua (`WRAP`) and caught by our own `xpcall` (`RUNNER`), never by
/// mlua's handlers: those build a Lua traceback for every error, which
/// made `KSR.x.exit()` — called on nearly every message — cost more than
/// the routing itself (12% of the CPU in `perf`).
static EXIT: u8 = 0;

fn exit_sentinel() -> Value {
    Value::LightUserData(mlua::LightUserData(std::ptr::addr_of!(EXIT) as *mut std::ffi::c_void))
}

fn is_exit_value(v: &Value) -> bool {
    *v == exit_sentinel()
}

/// Runs one callback: `(true, ret)`, or `(false, error value)` — the exit
/// sentinel for exit/drop, else the error with its traceback, which the
/// handler (a Rust function, see `build`) takes only for real errors.
const RUNNER: &str = "local handler, xpcall = ..., xpcall
return function(f, ...) return xpcall(f, handler, ...) end";

/// Wraps each Rust KSR function: the sentinel it returns becomes a Lua
/// error that unwinds the callback.
const WRAP: &str = "local EXIT, error = ..., error
return function(raw)
  return function(...)
    local r = raw(...)
    if r == EXIT then error(EXIT, 0) end
    return r
  end
end";

/// Text of a non-string Lua error value.
fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string_lossy(),
        other => format!("error object: {}", other.type_name()),
    }
}

// ---------------------------------------------------------------------
// KSR.

/// Install `KSR` (from `exports`) and replace `os.exit` in `lua`; add the
/// script's directory to `package.path` so it can `require` its helpers.
fn install(lua: &Lua, exports: &Arc<[&'static Export]>, script: &Path) -> mlua::Result<()> {
    let ksr = lua.create_table()?;
    let wrap: Function = lua.load(WRAP).set_name("=switchboard").call(exit_sentinel())?;
    for &e in exports.iter() {
        let group = group_table(lua, &ksr, e.module)?;
        let raw = c_closure(lua, ksr_entry, e as *const Export as *const c_void)?;
        // Only functions that can end the script need the unwinding
        // wrapper (one Lua call less on every other KSR call).
        let f = if e.stops { wrap.call::<Function>(raw)? } else { raw };
        group.raw_set(e.name, f)?;
    }
    let x = group_table(lua, &ksr, "x")?;
    // The table lives as long as the state: one Arc per Lua state (one
    // per worker, made once) is deliberately never released.
    let table: *const Arc<[&'static Export]> = Box::into_raw(Box::new(exports.clone()));
    x.raw_set("modf", wrap.call::<Function>(c_closure(lua, modf_entry, table as *const c_void)?)?)?;
    lua.globals().raw_set("KSR", ksr)?;

    let os: Table = lua.globals().get("os")?;
    os.raw_set(
        "exit",
        lua.create_function(|lua, _: MultiValue| -> mlua::Result<()> {
            let msg = format!(
                "{}os.exit() is disabled: it would stop the whole server (use KSR.x.exit() to end the script)",
                location(lua, 1)
            );
            tracing::error!(target: "script", "{msg}");
            Err(mlua::Error::RuntimeError(msg))
        })?,
    )?;

    if let Some(dir) = script.parent().filter(|d| !d.as_os_str().is_empty()) {
        let package: Table = lua.globals().get("package")?;
        let path: String = package.get("path")?;
        package.set("path", format!("{}/?.lua;{path}", dir.display()))?;
    }
    Ok(())
}

fn group_table(lua: &Lua, ksr: &Table, module: &str) -> mlua::Result<Table> {
    if module.is_empty() {
        return Ok(ksr.clone());
    }
    match ksr.raw_get::<Value>(module)? {
        Value::Table(t) => Ok(t),
        _ => {
            let t = lua.create_table()?;
            ksr.raw_set(module, t.clone())?;
            Ok(t)
        }
    }
}

/// `file:line: ` of the Lua code `level` frames up (1 = the caller of the
/// running Rust function).
fn location(lua: &Lua, level: usize) -> String {
    lua.inspect_stack(level, |d| {
        let src = d.source().short_src.map(|s| s.into_owned());
        match (src, d.current_line()) {
            (Some(s), Some(l)) => format!("{s}:{l}: "),
            _ => String::new(),
        }
    })
    .unwrap_or_default()
}

// ---------------------------------------------------------------------
// KSR calls: C closures on the raw Lua stack.
//
// A KSR function is called on nearly every line of a routing script, so
// it is a plain Lua C closure (its `Export` as upvalue), not an mlua
// callback: arguments are read straight off the Lua stack (strings
// borrowed, not copied) and the result pushed back, with no per-call
// argument vector, value references or error-handler frames. Nothing with
// a destructor is alive when `lua_error` unwinds the C frame (see
// `ksr_trampoline`), which is what makes that unwinding sound.

/// One argument converted to its declared type; strings borrow the Lua
/// string on the stack (valid for the duration of the call).
#[derive(Debug, Clone, PartialEq)]
enum Conv<'a> {
    Int(i64),
    Str(Cow<'a, str>),
}

/// Up to six parameters (KEMI's limit) live on the stack.
type Args<T> = smallvec::SmallVec<[T; 6]>;

/// How a KSR call ended other than with a result.
enum CallError {
    /// exit/drop: push the sentinel that unwinds the callback.
    Exit,
    /// An error with no location.
    Plain(String),
    /// An error located at the script line `level` frames up (as
    /// `luaL_where`).
    At(String, c_int),
}

impl CallError {
    /// Located at the script line calling `e` (one level further up when
    /// the `WRAP` wrapper is in between).
    fn at_caller(e: &Export, msg: String) -> CallError {
        CallError::At(msg, if e.stops { 2 } else { 1 })
    }
}

/// Convert the Lua value at stack index `idx` (argument `pos`) to `p`,
/// leniently as KEMI does: numbers for Int (floats truncated), numeric
/// strings parsed; strings for Str, numbers formatted. Booleans are 1/0
/// for Int.
///
/// # Safety
/// `l` is a live state and `idx` a valid index; the returned borrow must
/// not outlive the value's place on the stack.
unsafe fn convert<'a>(l: *mut ffi::lua_State, idx: c_int, p: Param, pos: usize) -> Result<Conv<'a>, String> {
    let t = ffi::lua_type(l, idx);
    match (p, t) {
        (_, ffi::LUA_TNUMBER) if ffi::lua_isinteger(l, idx) != 0 => {
            let i = ffi::lua_tointegerx(l, idx, std::ptr::null_mut());
            Ok(if p == Param::Int { Conv::Int(i) } else { Conv::Str(Cow::Owned(i.to_string())) })
        }
        (Param::Int, ffi::LUA_TNUMBER) => {
            let n = ffi::lua_tonumberx(l, idx, std::ptr::null_mut());
            if n.is_finite() {
                Ok(Conv::Int(n.trunc() as i64))
            } else {
                Err(format!("argument #{pos} must be an integer, got {n}"))
            }
        }
        (_, ffi::LUA_TNUMBER) => Ok(Conv::Str(Cow::Owned(kemi::number_text(ffi::lua_tonumberx(l, idx, std::ptr::null_mut()))))),
        (Param::Int, ffi::LUA_TBOOLEAN) => Ok(Conv::Int(i64::from(ffi::lua_toboolean(l, idx) != 0))),
        (_, ffi::LUA_TSTRING) => {
            let s = lua_str(l, idx);
            if p != Param::Int {
                return Ok(Conv::Str(s));
            }
            kemi::int_from_text(&s).map(Conv::Int).ok_or_else(|| format!("argument #{pos} must be an integer, got \"{s}\""))
        }
        _ => {
            let want = if p == Param::Int { "an integer" } else { "a string" };
            let got = std::ffi::CStr::from_ptr(ffi::lua_typename(l, t)).to_string_lossy();
            Err(format!("argument #{pos} must be {want}, got {got}"))
        }
    }
}

/// The string at stack index `idx` (which must be a string, so that
/// reading it converts nothing in place), borrowed while it is on the
/// stack; invalid UTF-8 is replaced.
unsafe fn lua_str<'a>(l: *mut ffi::lua_State, idx: c_int) -> Cow<'a, str> {
    let mut len = 0usize;
    let ptr = ffi::lua_tolstring(l, idx, &mut len);
    String::from_utf8_lossy(std::slice::from_raw_parts(ptr as *const u8, len))
}

/// Convert stack slots `first..=top` to `params`.
///
/// # Safety
/// As [`convert`].
unsafe fn convert_all<'a>(l: *mut ffi::lua_State, first: c_int, params: &[Param]) -> Result<Args<Conv<'a>>, String> {
    let n = (ffi::lua_gettop(l) - first + 1).max(0) as usize;
    if n != params.len() {
        return Err(kemi::arity_message(params.len(), n));
    }
    params.iter().enumerate().map(|(i, p)| convert(l, first + i as c_int, *p, i + 1)).collect()
}

/// Run `e` on the current context with converted arguments.
fn invoke(e: &'static Export, conv: &[Conv<'_>]) -> Result<Ret, CallError> {
    let argv: Args<Arg<'_>> = conv
        .iter()
        .map(|c| match c {
            Conv::Int(i) => Arg::Int(*i),
            Conv::Str(s) => Arg::Str(s),
        })
        .collect();
    match kemi::invoke(e, &argv) {
        Outcome::Done(ret) => Ok(ret),
        Outcome::Exit => Err(CallError::Exit),
        // A pcall swallowed the exit: unwind again. Functions without the
        // wrapper raise a plain error; `run` knows the callback exited.
        Outcome::AlreadyExited if e.stops => Err(CallError::Exit),
        Outcome::AlreadyExited => Err(CallError::Plain("the script already exited".into())),
        Outcome::Outside => Err(CallError::at_caller(e, kemi::outside_message(e))),
    }
}

/// Push `r` as `kind` says: Int → integer (a boolean for `RetKind::Bool`),
/// Str → string, Null → nil.
unsafe fn push_ret(l: *mut ffi::lua_State, kind: RetKind, r: Ret) {
    match r {
        Ret::Int(i) if kind == RetKind::Bool => ffi::lua_pushboolean(l, c_int::from(i > 0)),
        Ret::Int(i) => ffi::lua_pushinteger(l, i),
        Ret::Str(s) => {
            // may raise (out of memory): no pending destructor (see
            // `ksr_trampoline`)
            let mut s = std::mem::ManuallyDrop::new(s);
            ffi::lua_pushlstring(l, s.as_ptr() as *const c_char, s.len());
            std::mem::ManuallyDrop::drop(&mut s);
        }
        Ret::Null => ffi::lua_pushnil(l),
    }
}

fn push_exit(l: *mut ffi::lua_State) {
    // SAFETY: one slot (C functions get LUA_MINSTACK); EXIT is static.
    unsafe { ffi::lua_pushlightuserdata(l, std::ptr::addr_of!(EXIT) as *mut c_void) };
}

/// One KSR function call: `KSR.<module>.<name>(...)`; the result is
/// pushed by the trampoline.
unsafe fn ksr_call(l: *mut ffi::lua_State) -> Result<(RetKind, Ret), CallError> {
    let e = &*(ffi::lua_touserdata(l, ffi::lua_upvalueindex(1)) as *const Export);
    let conv = convert_all(l, 1, e.params)
        .map_err(|m| CallError::at_caller(e, format!("KSR.{}: {m}", e.qualified_name())))?;
    Ok((e.ret, invoke(e, &conv)?))
}

/// `KSR.x.modf("name", ...)`: call a function by its native-cfg name; it
/// gives back a return code.
unsafe fn modf_call(l: *mut ffi::lua_State) -> Result<(RetKind, Ret), CallError> {
    let exports = &*(ffi::lua_touserdata(l, ffi::lua_upvalueindex(1)) as *const Arc<[&'static Export]>);
    let located = |msg: String| CallError::At(msg, 2);
    if ffi::lua_type(l, 1) != ffi::LUA_TSTRING {
        return Err(located("KSR.x.modf: argument #1 must be the function name".into()));
    }
    let name = lua_str(l, 1);
    let nargs = (ffi::lua_gettop(l) - 1).max(0) as usize;
    let e = kemi::modf_lookup(exports, &name, nargs).map_err(located)?;
    let conv = convert_all(l, 2, e.params).map_err(|m| located(format!("KSR.x.modf(\"{name}\"): {m}")))?;
    let code = match invoke(e, &conv)? {
        Ret::Int(i) if e.ret == RetKind::Bool => if i > 0 { 1 } else { -1 },
        Ret::Int(i) => i,
        Ret::Null => -1,
        Ret::Str(_) => 1,
    };
    Ok((RetKind::Int, Ret::Int(code)))
}

/// The C side of every KSR closure: run `body`, then push its result or
/// the exit sentinel, or raise the error. `body` runs under
/// `catch_unwind` and has returned (dropping everything it owned) before
/// anything here can long-jump out of this frame (`lua_error`, or a Lua
/// allocation failing while a value is pushed), which then owns nothing
/// with a destructor.
unsafe fn ksr_trampoline(l: *mut ffi::lua_State, body: unsafe fn(*mut ffi::lua_State) -> Result<(RetKind, Ret), CallError>) -> c_int {
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| body(l)));
    let (msg, level) = match r {
        Ok(Ok((kind, ret))) => {
            push_ret(l, kind, ret);
            return 1;
        }
        Ok(Err(CallError::Exit)) => {
            push_exit(l);
            return 1;
        }
        Ok(Err(CallError::Plain(m))) => (m, None),
        Ok(Err(CallError::At(m, level))) => (m, Some(level)),
        Err(_) => ("internal error in a KSR function (see the log)".to_string(), Some(1)),
    };
    // Pushing can itself raise (out of memory) and long-jump out: the
    // message must not be a value with a pending destructor then (a leak
    // in that case, never a skipped drop).
    let mut msg = std::mem::ManuallyDrop::new(msg);
    if let Some(level) = level {
        ffi::luaL_where(l, level);
    }
    ffi::lua_pushlstring(l, msg.as_ptr() as *const c_char, msg.len());
    if level.is_some() {
        ffi::lua_concat(l, 2);
    }
    std::mem::ManuallyDrop::drop(&mut msg);
    ffi::lua_error(l)
}

unsafe extern "C-unwind" fn ksr_entry(l: *mut ffi::lua_State) -> c_int {
    ksr_trampoline(l, ksr_call)
}

unsafe extern "C-unwind" fn modf_entry(l: *mut ffi::lua_State) -> c_int {
    ksr_trampoline(l, modf_call)
}

/// A C closure `f` with one light-userdata upvalue.
fn c_closure(lua: &Lua, f: ffi::lua_CFunction, upvalue: *const c_void) -> mlua::Result<Function> {
    // SAFETY: pushes exactly the closure, which exec_raw returns.
    unsafe {
        lua.exec_raw::<Function>((), |l| {
            ffi::lua_pushlightuserdata(l, upvalue as *mut c_void);
            ffi::lua_pushcclosure(l, f, 1);
        })
    }
}

// ---------------------------------------------------------------------
// Errors.

/// A Lua error as one log-friendly line: the message (which starts with
/// `file:line:`) and, when there is one, the call chain of the script.
fn describe(e: &mlua::Error) -> String {
    let (msg, traceback) = split_error(e);
    let mut lines = msg.lines();
    let mut out = lines.next().unwrap_or("").trim().to_string();
    let mut trace: Vec<String> = Vec::new();
    let mut in_trace = false;
    for l in lines.chain(traceback.lines()) {
        let l = l.trim();
        if l.starts_with("stack traceback:") {
            in_trace = true;
            continue;
        }
        if !in_trace {
            if !l.is_empty() {
                out.push(' ');
                out.push_str(l);
            }
            continue;
        }
        // Keep the script's frames; drop the interpreter's own ("[C]")
        // and our wrappers' ("switchboard:").
        if l.starts_with("[C]") || l.starts_with("switchboard:") || l.is_empty() {
            continue;
        }
        let l = l.to_string();
        if !trace.contains(&l) {
            trace.push(l);
        }
    }
    if !trace.is_empty() {
        out.push_str(" (traceback: ");
        out.push_str(&trace.join(" <- "));
        out.push(')');
    }
    out
}

fn split_error(e: &mlua::Error) -> (String, String) {
    match e {
        mlua::Error::CallbackError { traceback, cause } => {
            let (m, t) = split_error(cause);
            (m, if t.is_empty() { traceback.clone() } else { t })
        }
        mlua::Error::WithContext { context, cause } => {
            let (m, t) = split_error(cause);
            (format!("{context}: {m}"), t)
        }
        mlua::Error::RuntimeError(m) => (m.clone(), String::new()),
        mlua::Error::SyntaxError { message, .. } => (message.clone(), String::new()),
        mlua::Error::MemoryError(m) => (format!("out of memory: {m}"), String::new()),
        other => (other.to_string(), String::new()),
    }
}

#[cfg(test)]
mod tests;
