//! What the KEMI engines (Lua, Python) share, whatever the language:
//! the callback names a cfg asks for, the routing context of the callback
//! running on this thread, calling an export on it with Kamailio's
//! exit/drop semantics, the lenient argument rules, and `KSR.x.modf`'s
//! lookup. Each engine only converts its own values.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::ffi::c_void;
use std::path::PathBuf;

use crate::cfg::Config;
use crate::engine::Callback;
use crate::exports::{Arg, Export, Ret};
use crate::route::RouteCtx;

/// The mandatory callback.
pub const REQUEST_ROUTE: &str = "ksr_request_route";
/// Kamailio's default name of the reply callback.
pub const REPLY_ROUTE: &str = "ksr_reply_route";
/// Kamailio's default name of the onsend callback.
pub const ONSEND_ROUTE: &str = "ksr_onsend_route";

/// Callback names, from the cfg's `kemi.*_callback` params.
#[derive(Debug, Clone)]
pub struct CallbackNames {
    pub reply: Option<String>,
    pub onsend: Option<String>,
    pub event: Option<String>,
}

impl CallbackNames {
    pub fn from_config(config: &Config) -> CallbackNames {
        let k = &config.globals.kemi;
        // Unset = Kamailio's default name; "none" or "" = disabled.
        let pick = |v: &Option<String>, default: Option<&str>| match v.as_deref() {
            None => default.map(str::to_string),
            Some("") | Some("none") => None,
            Some(name) => Some(name.to_string()),
        };
        CallbackNames {
            reply: pick(&k.reply_route_callback, Some(REPLY_ROUTE)),
            onsend: pick(&k.onsend_route_callback, Some(ONSEND_ROUTE)),
            event: pick(&k.event_route_callback, None),
        }
    }

    /// The script function (Lua) or handler method (Python) for `cb`;
    /// None when the cfg disables it.
    pub fn name<'n>(&'n self, cb: Callback<'n>) -> Option<&'n str> {
        match cb {
            Callback::Request => Some(REQUEST_ROUTE),
            Callback::Reply => self.reply.as_deref(),
            Callback::OnSend => self.onsend.as_deref(),
            Callback::Named(f) => Some(f),
            Callback::Event(_) => self.event.as_deref(),
        }
    }
}

// ---------------------------------------------------------------------
// The current context.

thread_local! {
    /// The `RouteCtx` of the callback running on this thread, type- and
    /// lifetime-erased; null when none runs.
    static CTX: Cell<*mut c_void> = const { Cell::new(std::ptr::null_mut()) };
    /// Set once a function asked to end the callback (exit/drop): later
    /// KSR calls in the same callback (after the script swallowed the
    /// unwinding: Lua `pcall`, Python `except BaseException`) unwind again.
    static EXITING: Cell<bool> = const { Cell::new(false) };
}

/// Publishes a `RouteCtx` to the KSR functions for the duration of one
/// callback.
///
/// Safety argument for the raw pointer in `CTX`:
/// - it is set from the `&mut RouteCtx` the engine's `run` holds, and
///   cleared (restored to the previous value) when the guard drops —
///   including on unwinding — before `run` returns; the borrow of `ctx`
///   lasts for the whole guard's life, so the pointee outlives every use;
/// - `run` does not touch `ctx` while the guard lives: the KSR functions
///   are the only users of the pointer, one at a time (a function's
///   `&mut` ends before it returns to the script);
/// - the pointer is thread-local, and KSR functions read it on the thread
///   that runs them: a KSR function called on another thread (a thread
///   the script started) finds no context there;
/// - nesting (a function running another callback on this thread) saves
///   and restores the outer value, so the outer callback sees its own ctx.
pub struct CtxGuard<'g> {
    prev_ctx: *mut c_void,
    prev_exiting: bool,
    _borrow: std::marker::PhantomData<&'g mut ()>,
}

impl<'g> CtxGuard<'g> {
    pub fn enter<'a>(ctx: &'g mut RouteCtx<'a>) -> CtxGuard<'g> {
        let p = ctx as *mut RouteCtx<'a> as *mut c_void;
        CtxGuard {
            prev_ctx: CTX.with(|c| c.replace(p)),
            prev_exiting: EXITING.with(|e| e.replace(false)),
            _borrow: std::marker::PhantomData,
        }
    }

    /// Whether a function of this callback ended the script.
    pub fn exiting(&self) -> bool {
        EXITING.with(Cell::get)
    }
}

impl Drop for CtxGuard<'_> {
    fn drop(&mut self) {
        CTX.with(|c| c.set(self.prev_ctx));
        EXITING.with(|e| e.set(self.prev_exiting));
    }
}

/// Run `f` on the current context, or None outside a callback.
pub fn with_ctx<R>(f: impl FnOnce(&mut RouteCtx<'_>) -> R) -> Option<R> {
    let p = CTX.with(Cell::get);
    if p.is_null() {
        return None;
    }
    // SAFETY: see `CtxGuard`: non-null only while an engine's `run` lends
    // its `&mut RouteCtx` on this thread; no other reference to it is live.
    let ctx = unsafe { &mut *(p as *mut RouteCtx<'_>) };
    Some(f(ctx))
}

/// What calling an export gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It ran and returned this.
    Done(Ret),
    /// It ended the script (exit, drop): the engine unwinds the callback.
    Exit,
    /// The script had already exited (and swallowed the unwinding): the
    /// function did not run; the engine unwinds again.
    AlreadyExited,
    /// No callback runs on this thread.
    Outside,
}

/// Call `e` with `args` (already converted to its parameter types) on the
/// current context.
pub fn invoke(e: &Export, args: &[Arg<'_>]) -> Outcome {
    if EXITING.with(Cell::get) {
        return Outcome::AlreadyExited;
    }
    let outcome = with_ctx(|ctx| {
        let (ret, asked) = crate::exports::invoke(e, ctx, args);
        let ends = asked && ret == Ret::Int(0);
        (ret, ends)
    });
    match outcome {
        None => Outcome::Outside,
        Some((_, true)) => {
            EXITING.with(|x| x.set(true));
            Outcome::Exit
        }
        Some((ret, false)) => Outcome::Done(ret),
    }
}

/// The message for a call outside a route.
pub fn outside_message(e: &Export) -> String {
    format!("KSR.{} called outside a route", e.qualified_name())
}

// ---------------------------------------------------------------------
// Arguments.

/// An Int parameter given as text: an integer, or a number whose fraction
/// is dropped, surrounding blanks allowed (as KEMI engines accept "486").
pub fn int_from_text(s: &str) -> Option<i64> {
    let t = s.trim();
    t.parse::<i64>().ok().or_else(|| {
        t.parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(|f| f.trunc() as i64)
    })
}

/// A float as text for a Str parameter: integral values without a
/// fraction ("404", not "404.0"), others as Rust formats them.
pub fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// "expects 1 argument, got 0".
pub fn arity_message(expected: usize, got: usize) -> String {
    format!(
        "expects {expected} argument{}, got {got}",
        if expected == 1 { "" } else { "s" }
    )
}

/// `KSR.x.modf(name, ...)`: the export with that native-cfg name taking
/// `arity` arguments, or the error to raise.
pub fn modf_lookup<'e>(
    exports: &[&'e Export],
    name: &str,
    arity: usize,
) -> Result<&'e Export, String> {
    exports
        .iter()
        .copied()
        .find(|e| e.native.contains(&name) && e.params.len() == arity)
        .ok_or_else(|| {
            format!("KSR.x.modf: no function {name}() with {arity} parameter(s) is available")
        })
}

/// The script an engine runs: `loadmodule` of `module` is required, and
/// the first of `params` set (`modparam(module, "load", FILE)`) names the
/// file, relative to the cfg. Errors name the cfg and say what to add.
pub fn script_path(
    config: &Config,
    engine: &str,
    module: &str,
    params: &[&str],
    ext: &str,
) -> Result<PathBuf, String> {
    let cfg = config.path.display();
    if !config.is_loaded(module) {
        return Err(format!("{cfg}: cfgengine \"{engine}\" needs the {module} module: add loadmodule \"{module}.so\""));
    }
    let file = params
        .iter()
        .find_map(|p| config.modparam(module, p).and_then(|v| v.as_str()).filter(|s| !s.is_empty()))
        .ok_or_else(|| {
            format!("{cfg}: cfgengine \"{engine}\" needs the script: modparam(\"{module}\", \"{}\", \"/path/script.{ext}\")", params[0])
        })?;
    Ok(config.resolve_path(file))
}

/// Exports by KEMI group (`""` = core), each sorted by name, with `x`
/// always present (it has `modf`): the layout of generated editor files.
pub fn groups<'e>(exports: impl Iterator<Item = &'e Export>) -> BTreeMap<&'e str, Vec<&'e Export>> {
    let mut groups: BTreeMap<&str, Vec<&Export>> = BTreeMap::new();
    groups.entry("x").or_default();
    for e in exports {
        groups.entry(e.module).or_default().push(e);
    }
    for list in groups.values_mut() {
        list.sort_by_key(|e| e.name);
    }
    groups
}

/// For the engines' tests and benches: a script and its cfg in a
/// temporary directory, and a callback run on a parsed request.
pub mod testing {
    use std::path::{Path, PathBuf};

    use bytes::Bytes;

    use crate::cfg::{self, Config, LoadOptions};
    use crate::engine::{Callback, Engine, ScriptError};
    use crate::myself::Myself;
    use crate::route::{RouteCtx, RouteType, Shared, Stop, Vars};
    use crate::transport::{Protocol, ReceiveInfo};

    /// A directory holding `kamailio.cfg` and a script; removed on drop.
    pub struct ScriptDir {
        pub dir: PathBuf,
        pub script: PathBuf,
    }

    impl ScriptDir {
        /// `script_name` with `script`, and a cfg of `cfg_lines`.
        pub fn new(script_name: &str, script: &str, cfg_lines: &str) -> ScriptDir {
            use std::sync::atomic::{AtomicU32, Ordering};
            static N: AtomicU32 = AtomicU32::new(0);
            let dir = std::env::temp_dir().join(format!(
                "sb-script-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::SeqCst)
            ));
            std::fs::create_dir_all(&dir).unwrap();
            let d = ScriptDir {
                script: dir.join(script_name),
                dir,
            };
            std::fs::write(&d.script, script).unwrap();
            std::fs::write(d.cfg(), format!("#!KAMAILIO\n{cfg_lines}\n")).unwrap();
            d
        }

        pub fn cfg(&self) -> PathBuf {
            self.dir.join("kamailio.cfg")
        }

        pub fn config(&self) -> Config {
            cfg::load(&self.cfg(), &LoadOptions::default()).unwrap()
        }

        pub fn path(&self) -> &Path {
            &self.dir
        }

        /// The script's path as errors print it.
        pub fn script(&self) -> String {
            self.script.display().to_string()
        }
    }

    impl Drop for ScriptDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    pub const INVITE: &str = "INVITE sip:bob@example.com SIP/2.0\r\n\
        Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\n\
        Max-Forwards: 70\r\n\
        From: <sip:alice@example.com>;tag=1\r\n\
        To: <sip:bob@example.com>\r\n\
        Call-ID: c1@127.0.0.1\r\n\
        CSeq: 1 INVITE\r\n\
        Content-Length: 0\r\n\r\n";

    /// Run `cb` of `engine` on `request` (from 127.0.0.1:5070 over UDP);
    /// the result and the context's flags and stop.
    pub fn run(
        engine: &dyn Engine,
        cb: Callback<'_>,
        request: &'static str,
    ) -> (Result<i32, ScriptError>, u64, Stop) {
        let shared = Shared::bare(Myself::default());
        let mut vars = Vars::new();
        let msg = crate::sip::parse(Bytes::from_static(request.as_bytes())).unwrap();
        let info = ReceiveInfo {
            proto: Protocol::Udp,
            src: "127.0.0.1:5070".parse().unwrap(),
            local: "127.0.0.1:5060".parse().unwrap(),
            conn_id: None,
        };
        let mut ctx = RouteCtx::new(&shared, RouteType::Request, msg, info, &mut vars);
        let r = engine.run(cb, &mut ctx);
        (r, ctx.flags, ctx.stop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_to_int_and_back() {
        assert_eq!(int_from_text(" 486 "), Some(486));
        assert_eq!(int_from_text("4.9"), Some(4));
        assert_eq!(int_from_text("-4.9"), Some(-4));
        assert_eq!(int_from_text("abc"), None);
        assert_eq!(int_from_text("inf"), None);
        assert_eq!(number_text(404.0), "404");
        assert_eq!(number_text(1.5), "1.5");
        assert_eq!(arity_message(1, 0), "expects 1 argument, got 0");
        assert_eq!(arity_message(0, 2), "expects 0 arguments, got 2");
    }

    #[test]
    fn outside_a_callback_nothing_runs() {
        let e = crate::exports::all()
            .find(|e| e.module.is_empty() && e.name == "setflag")
            .unwrap();
        assert_eq!(invoke(e, &[Arg::Int(1)]), Outcome::Outside);
        assert!(modf_lookup(&[e], "setflag", 1).is_ok());
        assert!(modf_lookup(&[e], "setflag", 2)
            .unwrap_err()
            .contains("setflag() with 2"));
    }
}
