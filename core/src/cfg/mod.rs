//! kamailio.cfg loading: preprocessor, lexer, global parameters,
//! loadmodule/modparam, routing blocks.
//!
//! Pipeline: [`preprocess`] (directives, includes, defines, substs, comment
//! stripping; every output line keeps its (file, line) origin) →
//! [`lexer`] (tokens with origins) → [`parser`] (top-level statements:
//! global params, loadmodule, modparam, flags, routing blocks framed as
//! token lists) → [`Config`].
//!
//! The bodies of routing blocks are *not* parsed here: they are kept as
//! brace-balanced token lists in [`RouteBlock::tokens`] for the statement
//! parser of the native engine.

pub mod globals;
pub mod lexer;
pub mod parser;
pub mod preprocess;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use globals::Globals;
pub use lexer::{Token, TokenKind};

/// Where a line or token comes from: original file and 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    pub file: Arc<Path>,
    pub line: u32,
}

impl Origin {
    pub fn new(file: Arc<Path>, line: u32) -> Origin {
        Origin { file, line }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

/// A cfg loading error. Displays as `file:line: message` when the origin
/// is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CfgError {
    pub origin: Option<Origin>,
    pub message: String,
}

impl CfgError {
    pub fn at(origin: &Origin, message: impl Into<String>) -> CfgError {
        CfgError { origin: Some(origin.clone()), message: message.into() }
    }
    pub fn bare(message: impl Into<String>) -> CfgError {
        CfgError { origin: None, message: message.into() }
    }
}

impl fmt::Display for CfgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.origin {
            Some(o) => write!(f, "{o}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for CfgError {}

/// Options from the command line that influence loading.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `-A NAME` / `-A NAME=VALUE`.
    pub defines: Vec<(String, Option<String>)>,
}

/// A value as written in the cfg (global parameter or modparam value).
/// Booleans (`yes`, `no`, `on`, `off`, `true`, `false`) are integers 1/0,
/// as in Kamailio.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Int(i64),
    Str(String),
    /// An unquoted identifier (e.g. `LOG_LOCAL0`, a hostname).
    Ident(String),
    /// A list value (`listen`, `alias`, or several values on one line).
    List(Vec<Value>),
}

impl Value {
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) | Value::Ident(s) => Some(s),
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(i) => write!(f, "{i}"),
            Value::Str(s) => write!(f, "{s:?}"),
            Value::Ident(s) => f.write_str(s),
            Value::List(v) => {
                for (i, x) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write!(f, "{x}")?;
                }
                Ok(())
            }
        }
    }
}

/// One `loadmodule` statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedModule {
    /// Canonical module name (`tm`, `app_python3`, ...).
    pub name: String,
    /// As written in the cfg (`"tm.so"`, a full path, ...).
    pub spec: String,
    pub status: crate::modules::ModuleStatus,
    pub origin: Origin,
}

/// One `modparam` applied to one module (a `"a|b"` module list yields one
/// entry per loaded module).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModParam {
    pub module: String,
    pub name: String,
    /// Normalised to the declared type (a quoted number for an `Int`
    /// parameter becomes `Value::Int`).
    pub value: Value,
    pub origin: Origin,
}

/// The kind of a routing block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RouteKind {
    /// `request_route { }` or unnamed `route { }` (also `route[0]`).
    Request,
    /// `route[NAME] { }`.
    Route,
    /// `failure_route[NAME] { }`.
    Failure,
    /// `onreply_route[NAME] { }` (tm reply route), or the unnamed
    /// `onreply_route { }` (= core reply route, name `None`).
    OnReply,
    /// `reply_route { }` — the core reply route.
    Reply,
    /// `branch_route[NAME] { }`.
    Branch,
    /// `onsend_route { }`.
    OnSend,
    /// `event_route[ns:name] { }`.
    Event,
}

impl RouteKind {
    pub fn keyword(self) -> &'static str {
        match self {
            RouteKind::Request => "request_route",
            RouteKind::Route => "route",
            RouteKind::Failure => "failure_route",
            RouteKind::OnReply => "onreply_route",
            RouteKind::Reply => "reply_route",
            RouteKind::Branch => "branch_route",
            RouteKind::OnSend => "onsend_route",
            RouteKind::Event => "event_route",
        }
    }
}

/// A routing block: the body tokens (without the outer braces), each with
/// its origin, for the statement parser.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteBlock {
    pub kind: RouteKind,
    pub name: Option<String>,
    pub tokens: Vec<Token>,
    /// Origin of the block keyword.
    pub origin: Origin,
}

/// A custom cfg variable, `group.name = value [desc "text"]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomParam {
    pub group: String,
    pub name: String,
    pub value: Value,
    pub description: Option<String>,
    pub origin: Origin,
}

/// A loaded kamailio.cfg.
#[derive(Debug, Clone)]
pub struct Config {
    /// The main cfg file as given.
    pub path: PathBuf,
    /// Its directory: relative script paths resolve against it.
    pub dir: PathBuf,
    pub globals: Globals,
    pub modules: Vec<LoadedModule>,
    pub modparams: Vec<ModParam>,
    pub routes: Vec<RouteBlock>,
    /// `flags NAME: pos, ...;` declarations.
    pub flags: Vec<(String, u32)>,
    /// `avpflags NAME, ...;` declarations.
    pub avpflags: Vec<String>,
    /// `group.name = value desc "..."` custom cfg variables.
    pub custom_params: Vec<CustomParam>,
    /// Things accepted but meaningless here (one line each, with
    /// file:line). The caller logs them.
    pub notices: Vec<String>,
    /// The preprocessor defines in effect at the end of the file.
    pub defines: Vec<(String, Option<String>)>,
}

impl Config {
    /// The value of the last `modparam(module, name, ...)`.
    pub fn modparam(&self, module: &str, name: &str) -> Option<&Value> {
        self.modparams
            .iter()
            .rev()
            .find(|p| p.module == module && p.name == name)
            .map(|p| &p.value)
    }

    /// All values of a repeatable modparam, in cfg order.
    pub fn modparams_all<'a>(&'a self, module: &'a str, name: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.modparams.iter().filter(move |p| p.module == module && p.name == name).map(|p| &p.value)
    }

    /// Whether a module was loaded (canonical name, e.g. `app_python3`;
    /// aliases such as `app_python` are accepted).
    pub fn is_loaded(&self, name: &str) -> bool {
        let canon = crate::modules::registry::canonical_name(name);
        self.modules.iter().any(|m| m.name == canon)
    }

    /// Resolve a path written in the cfg (e.g. a script file) against the
    /// cfg file's directory; absolute paths are returned as they are.
    pub fn resolve_path(&self, p: &str) -> PathBuf {
        let pb = PathBuf::from(p);
        if pb.is_absolute() {
            pb
        } else {
            self.dir.join(pb)
        }
    }

    /// The routing block of `kind` named `name` (`None` for unnamed).
    pub fn route(&self, kind: RouteKind, name: Option<&str>) -> Option<&RouteBlock> {
        self.routes.iter().find(|r| r.kind == kind && r.name.as_deref() == name)
    }

    /// Whether a preprocessor name was defined at the end of the cfg.
    pub fn is_defined(&self, name: &str) -> bool {
        self.defines.iter().any(|(n, _)| n == name)
    }
}

/// Load and check a kamailio.cfg.
pub fn load(path: &Path, opts: &LoadOptions) -> Result<Config, CfgError> {
    let pp = preprocess::preprocess(path, opts)?;
    let tokens = lexer::lex(&pp.lines)?;
    let mut cfg = parser::parse(path, tokens)?;
    cfg.defines = pp.defines;
    let mut notices = pp.notices;
    notices.append(&mut cfg.notices);
    cfg.notices = notices;
    Ok(cfg)
}

/// The cfg after preprocessing, for `--cfg-print`. Comments are stripped;
/// a `# file:line` comment marks every place where the origin jumps
/// (start, includes, skipped regions), so the output still loads.
pub fn preprocess_to_string(path: &Path, opts: &LoadOptions) -> Result<String, CfgError> {
    let pp = preprocess::preprocess(path, opts)?;
    Ok(pp.to_text())
}
