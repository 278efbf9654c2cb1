//! What a scripting engine is to the core: load a script, run a named
//! callback on a routing context, return its code. The core knows nothing
//! about any language; the binary picks the engine from `cfgengine`.

use std::fmt;

use crate::cfg::Config;
use crate::route::RouteCtx;

/// Which callback to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Callback<'n> {
    /// `request_route` / `ksr_request_route`.
    Request,
    /// `reply_route`/`onreply_route` without name / `ksr_reply_route`.
    Reply,
    /// `onsend_route` / `ksr_onsend_route`.
    OnSend,
    /// A route named by the script at run time (`t_on_failure("x")`,
    /// `t_on_branch`, `t_on_reply`, `t_on_branch_failure`): a block name
    /// for the native engine, a function name for KEMI engines.
    Named(&'n str),
    /// `event_route[name]` / the KEMI event callback with this name.
    Event(&'n str),
}

/// A script error, already carrying the script's file and line.
#[derive(Debug, Clone)]
pub struct ScriptError {
    pub message: String,
}

impl fmt::Display for ScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ScriptError {}

/// One interpreter, owned by one worker thread.
pub trait Engine {
    /// Run `cb`. Ok(code) is the route's return code; a missing optional
    /// callback is Ok(1). A script error is logged by the caller with the
    /// location the error carries. Takes `&self` because runs nest: a
    /// function called from a route (t_relay) may run another route
    /// (branch_route) on the same thread and interpreter.
    fn run(&self, cb: Callback<'_>, ctx: &mut RouteCtx<'_>) -> Result<i32, ScriptError>;

    /// Whether the script defines `cb` (so the core can skip work).
    fn has(&self, cb: Callback<'_>) -> bool;
}

/// Makes one engine per worker thread.
pub trait EngineFactory: Send + Sync {
    /// `lua`, `python`, `perl`, `native`.
    fn name(&self) -> &str;
    /// Called on the worker thread that will own the engine. `rank` is the
    /// worker's number (Python's `child_init(rank)`).
    fn create(&self, rank: usize) -> Result<Box<dyn Engine>, String>;
    /// Whether the script may handle `cb`, known without an engine (the
    /// core asks before raising an event such as `core:worker-one-init`,
    /// so that no interpreter is started for nothing). `true` = maybe.
    fn handles(&self, cb: Callback<'_>) -> bool {
        let _ = cb;
        true
    }
}

/// The KEMI callback names (Lua, Python, Perl KEMI): the fixed
/// `ksr_request_route`, and the cfg's `kemi.*_callback` parameters for
/// the others (unset = Kamailio's default name; "none" or "" = disabled).
#[derive(Debug, Clone)]
pub struct KemiNames {
    pub reply: Option<String>,
    pub onsend: Option<String>,
    /// The one function every event route goes to (its name is passed).
    pub event: Option<String>,
}

pub const KSR_REQUEST_ROUTE: &str = "ksr_request_route";

impl KemiNames {
    pub fn from_config(config: &Config) -> KemiNames {
        let k = &config.globals.kemi;
        let pick = |v: &Option<String>, default: Option<&str>| match v.as_deref() {
            None => default.map(str::to_string),
            Some("") | Some("none") => None,
            Some(name) => Some(name.to_string()),
        };
        KemiNames {
            reply: pick(&k.reply_route_callback, Some("ksr_reply_route")),
            onsend: pick(&k.onsend_route_callback, Some("ksr_onsend_route")),
            event: pick(&k.event_route_callback, None),
        }
    }

    /// The script function `cb` runs, if any.
    pub fn function<'n>(&'n self, cb: Callback<'n>) -> Option<&'n str> {
        match cb {
            Callback::Request => Some(KSR_REQUEST_ROUTE),
            Callback::Reply => self.reply.as_deref(),
            Callback::OnSend => self.onsend.as_deref(),
            Callback::Named(f) => Some(f),
            Callback::Event(_) => self.event.as_deref(),
        }
    }
}
