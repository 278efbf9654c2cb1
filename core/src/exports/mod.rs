//! THE export table: every function a script can call, declared once.
//!
//! Each module declares its functions in a `pub static EXPORTS: &[Export]`
//! next to their code; [`TABLES`] lists those slices and is the only place
//! that names them. Every consumer is generated from it: Lua/Python/Perl
//! `KSR.<module>.<name>`, app_perl's `moduleFunction`, the native cfg's
//! `name(...)` and the RPC listing. Adding a function = one entry.
//!
//! Return convention (Kamailio's): for `RetKind::Int` functions, > 0 is
//! true, < 0 false, and 0 stops the script.

use crate::cfg::Config;
use crate::pv::Template;
use crate::route::RouteCtx;

/// Type of one parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param {
    Int,
    Str,
    /// A string the function formats itself as a pseudo-variable
    /// template (`xlog("$rm from $si")`), in every engine. The native
    /// engine hands it over compiled ([`Arg::Fmt`]); KEMI engines pass
    /// the text.
    Fmt,
}

/// One argument as passed by an engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arg<'s> {
    Int(i64),
    Str(&'s str),
    /// A `Param::Fmt` argument compiled at load (native engine).
    Fmt(&'s Template),
}

impl<'s> Arg<'s> {
    /// The argument as a string (ints are formatted by the caller if need
    /// be; engines convert to the declared type before calling).
    pub fn str(&self) -> &'s str {
        match self {
            Arg::Str(s) => s,
            Arg::Int(_) | Arg::Fmt(_) => "",
        }
    }
    pub fn int(&self) -> i64 {
        match self {
            Arg::Int(i) => *i,
            Arg::Str(s) => s.trim().parse().unwrap_or(0),
            Arg::Fmt(_) => 0,
        }
    }
    /// A `Param::Fmt` argument, formatted with the context's values.
    pub fn format(&self, ctx: &RouteCtx<'_>) -> String {
        match self {
            Arg::Fmt(t) => t.eval(ctx),
            Arg::Str(s) => crate::pv::cached_template(s).eval(ctx),
            Arg::Int(i) => i.to_string(),
        }
    }
}

/// What the function gives back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetKind {
    /// A return code (>0 true, <0 false, 0 stop).
    Int,
    /// A yes/no answer (`is_INVITE`, `isflagset`, `is_myself_ruri`,
    /// `pv.is_null`, ...): the function returns `Ret::Int` (> 0 = true)
    /// and KEMI engines hand the script a boolean, as Kamailio does, so
    /// that `if KSR.is_INVITE() then` works. Native cfg uses the code.
    Bool,
    /// A string (e.g. `kx.get_ruri`); Null when there is none.
    Str,
    /// Int, string or null (e.g. `pv.get`).
    Xval,
}

/// A returned value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ret {
    Int(i64),
    Str(String),
    Null,
}

impl Ret {
    /// As a route return code: strings and null count as true/false by
    /// presence, as KEMI engines do for `if KSR.x.y()`.
    pub fn code(&self) -> i64 {
        match self {
            Ret::Int(i) => *i,
            Ret::Str(_) => 1,
            Ret::Null => -1,
        }
    }
}

impl From<bool> for Ret {
    fn from(b: bool) -> Ret {
        Ret::Int(if b { 1 } else { -1 })
    }
}

pub type ExportFn = for<'c, 'a, 's> fn(&'c mut RouteCtx<'a>, &[Arg<'s>]) -> Ret;

/// One callable function.
pub struct Export {
    /// KEMI group: `""` for core (`KSR.name`), else `KSR.<module>.name`.
    pub module: &'static str,
    /// KEMI name.
    pub name: &'static str,
    /// Names in native cfg routing blocks (and app_perl's
    /// `moduleFunction`); empty = KEMI only.
    pub native: &'static [&'static str],
    pub params: &'static [Param],
    pub ret: RetKind,
    /// Route types where it may run (`route::mask`).
    pub routes: u8,
    /// It may end the script (sets `ctx.stop` and returns 0: exit, drop,
    /// sanity's autodrop). Engines unwind the callback after such a call;
    /// knowing which functions can do it lets them skip the check on the
    /// others.
    pub stops: bool,
    pub func: ExportFn,
}

impl std::fmt::Debug for Export {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}({:?})", self.qualified_name(), self.params)
    }
}

impl Export {
    /// `KSR.sl.sl_send_reply`-style name without the `KSR.`.
    pub fn qualified_name(&self) -> String {
        if self.module.is_empty() {
            self.name.to_string()
        } else {
            format!("{}.{}", self.module, self.name)
        }
    }
}

/// A table row: `export!(group, kemi_name, [native names], [params], fn)`
/// for a function returning a code and allowed in every route;
/// `export!(..., ret = RetKind::Str, routes = mask::REQUEST, stops = true)`
/// to differ (in that order).
macro_rules! export {
    ($module:expr, $name:expr, [$($native:expr),*], [$($p:expr),*], $f:expr
     $(, ret = $ret:expr)? $(, routes = $routes:expr)? $(, stops = $stops:expr)?) => {
        $crate::exports::Export {
            module: $module,
            name: $name,
            native: &[$($native),*],
            params: &[$($p),*],
            ret: { #[allow(unused_variables)] let r = $crate::exports::RetKind::Int; $(let r = $ret;)? r },
            routes: { #[allow(unused_variables)] let m = $crate::route::mask::ANY; $(let m = $routes;)? m },
            stops: { #[allow(unused_variables)] let s = false; $(let s = $stops;)? s },
            func: $f,
        }
    };
}
pub(crate) use export;

/// Call `e` on `ctx` with the stop rules every engine shares: an earlier
/// stop (`set_drop`) is hidden during the call so that the answer tells
/// whether *this* call asked to end the script, and a drop is never
/// weakened. Returns the function's value and that answer (Kamailio ends
/// the script when such a function also returns 0).
pub fn invoke(e: &Export, ctx: &mut RouteCtx<'_>, args: &[Arg<'_>]) -> (Ret, bool) {
    use crate::route::Stop;
    let before = std::mem::take(&mut ctx.stop);
    let ret = (e.func)(ctx, args);
    let asked = ctx.stop;
    ctx.stop = match (before, asked) {
        (b, Stop::No) => b,
        (Stop::Drop, _) => Stop::Drop,
        (_, a) => a,
    };
    (ret, asked != Stop::No)
}

/// Every module's table. The only list of them.
pub static TABLES: &[&[Export]] = &[
    crate::modules::core_fns::EXPORTS,
    crate::modules::registrar::EXPORTS,
    crate::modules::rr::EXPORTS,
    crate::forward::EXPORTS,
    crate::modules::sl::EXPORTS,
    crate::modules::tm::EXPORTS,
    crate::modules::tm::TMX_EXPORTS,
    crate::modules::pv::EXPORTS,
    crate::modules::textops::EXPORTS,
    crate::modules::maxfwd::EXPORTS,
    crate::modules::sanity::EXPORTS,
    crate::modules::siputils::EXPORTS,
    crate::modules::corex::EXPORTS,
    crate::modules::kx::EXPORTS,
    crate::modules::xlog::EXPORTS,
    crate::modules::app_perl::EXPORTS,
];

/// Every export.
pub fn all() -> impl Iterator<Item = &'static Export> {
    TABLES.iter().flat_map(|t| t.iter())
}

/// The `loadmodule` name a KEMI group needs, `None` = always available
/// (core, `pv`, `x`, `hdr` are there whatever the cfg loads).
pub fn required_module(group: &str) -> Option<&str> {
    match group {
        "" | "pv" | "x" | "hdr" => None,
        "kx" => Some("kemix"),
        other => Some(other),
    }
}

/// The exports a cfg makes available: those of the modules it loads.
pub fn enabled(config: &Config) -> Vec<&'static Export> {
    all()
        .filter(|e| required_module(e.module).is_none_or(|m| config.is_loaded(m)))
        .collect()
}

/// Native-cfg lookup: every export with that native name (one per arity).
pub fn by_native(name: &str) -> impl Iterator<Item = &'static Export> + '_ {
    all().filter(move |e| e.native.contains(&name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_kemi_name_is_declared_once() {
        let mut seen = HashSet::new();
        for e in all() {
            assert!(seen.insert((e.module, e.name)), "duplicate export {}", e.qualified_name());
        }
    }

    #[test]
    fn native_names_are_unique_per_arity() {
        let mut seen = HashSet::new();
        for e in all() {
            for n in e.native {
                assert!(seen.insert((*n, e.params.len())), "native {n}/{} declared twice", e.params.len());
            }
        }
    }
}
