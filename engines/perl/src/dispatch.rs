//! What each `Kamailio::*` and `KSR::*` sub does. The glue's one XSUB
//! calls [`sb_rust_dispatch`] with the sub's op number and its arguments.
//!
//! The message a Perl function receives (`$m`) is a handle: a number that
//! names one perl_exec call. It works only while that call runs; a script
//! that keeps `$m` and uses it later gets a Perl error (never a crash).

use std::cell::Cell;
use std::ffi::{c_char, c_int};
use std::sync::LazyLock;

use switchboard_core::exports::{self, Arg, Export, Param, Ret, RetKind};
use switchboard_core::modules::xlog;
use switchboard_core::pv;
use switchboard_core::route::{Avps, RouteCtx, Value};
use switchboard_core::sip::Uri;

use crate::ffi::{self, SbRet, SbVal, KIND_INT, KIND_OBJ, KIND_STR};
use crate::interp::EXIT_MARK;
use crate::shared;

thread_local! {
    /// The context of the perl_exec/callback running on this thread.
    static CURRENT: Cell<*mut RouteCtx<'static>> = const { Cell::new(std::ptr::null_mut()) };
    /// The handle `$m` carries for that call.
    static HANDLE: Cell<i64> = const { Cell::new(0) };
    static NEXT_HANDLE: Cell<i64> = const { Cell::new(1) };
}

/// Makes `ctx` the current message for the duration of a Perl call;
/// restores the previous one (calls nest) when dropped.
pub struct Entered {
    prev: (*mut RouteCtx<'static>, i64),
    pub handle: i64,
}

impl Entered {
    pub fn new(ctx: &mut RouteCtx<'_>) -> Entered {
        let handle = NEXT_HANDLE.with(|n| {
            let h = n.get();
            n.set(h + 1);
            h
        });
        // SAFETY: the pointer is only used while this guard lives, which
        // is within the caller's borrow of ctx.
        let p = (ctx as *mut RouteCtx<'_>).cast::<RouteCtx<'static>>();
        let prev = (CURRENT.with(|c| c.replace(p)), HANDLE.with(|h| h.replace(handle)));
        Entered { prev, handle }
    }
}

impl Drop for Entered {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.prev.0));
        HANDLE.with(|h| h.set(self.prev.1));
    }
}

fn with_ctx<R>(f: impl FnOnce(&mut RouteCtx<'_>) -> R) -> Option<R> {
    let p = CURRENT.with(Cell::get);
    if p.is_null() {
        return None;
    }
    // SAFETY: set by a live `Entered` on this thread.
    Some(f(unsafe { &mut *p }))
}

/// A sub's result.
enum Out {
    Int(i64),
    Str(String),
    Undef,
    List(Vec<Out>),
    /// A Kamailio::URI object holding this URI text.
    Uri(String),
}

type R = Result<Out, String>;

/// The subs every interpreter gets: (Perl name, what it does).
type SubFn = fn(&[Arg2<'_>], bool) -> R;

/// One argument as the glue passes it.
#[derive(Debug, Clone)]
pub enum Arg2<'a> {
    Undef,
    Int(i64),
    Str(std::borrow::Cow<'a, str>),
    /// A Kamailio::Message handle.
    Obj(i64),
}

impl Arg2<'_> {
    fn text(&self) -> String {
        match self {
            Arg2::Undef => String::new(),
            Arg2::Int(i) => i.to_string(),
            Arg2::Str(s) => s.to_string(),
            Arg2::Obj(h) => h.to_string(),
        }
    }
    fn int(&self) -> Option<i64> {
        match self {
            Arg2::Int(i) => Some(*i),
            Arg2::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
}

const SUBS: &[(&str, SubFn)] = &[
    ("Kamailio::bootstrap", |_, _| Ok(Out::Int(1))),
    ("Kamailio::log", |a, _| log(a)),
    ("Switchboard::Perl::warn", |a, _| {
        let text = a.first().map(Arg2::text).unwrap_or_default();
        tracing::warn!(target: "script", "perl warning: {}", text.trim_end());
        Ok(Out::Undef)
    }),
    ("Kamailio::Message::getType", |a, _| msg(a, |c| Ok(Out::Int(if c.msg.is_request() { 1 } else { 2 })))),
    ("Kamailio::Message::getStatus", |a, _| {
        msg(a, |c| Ok(c.msg.status().map_or_else(|| wrong_type("getStatus", "a reply"), |s| Out::Int(i64::from(s)))))
    }),
    ("Kamailio::Message::getReason", |a, _| {
        msg(a, |c| Ok(c.msg.reason().map_or_else(|| wrong_type("getReason", "a reply"), |s| Out::Str(s.to_string()))))
    }),
    ("Kamailio::Message::getVersion", |a, _| msg(a, |c| Ok(Out::Str(c.msg.version().to_string())))),
    ("Kamailio::Message::getRURI", |a, _| {
        msg(a, |c| Ok(if c.msg.is_request() { Out::Str(c.ruri().to_string()) } else { wrong_type("getRURI", "a request") }))
    }),
    ("Kamailio::Message::getMethod", |a, _| {
        msg(a, |c| {
            Ok(if c.msg.is_request() { Out::Str(c.msg.method_str().unwrap_or("").to_string()) } else { wrong_type("getMethod", "a request") })
        })
    }),
    ("Kamailio::Message::getFullHeader", |a, _| msg(a, |c| Ok(Out::Str(full_header(c))))),
    ("Kamailio::Message::getBody", |a, _| msg(a, |c| Ok(Out::Str(String::from_utf8_lossy(c.msg.body()).into_owned())))),
    ("Kamailio::Message::getMessage", |a, _| msg(a, |c| Ok(Out::Str(String::from_utf8_lossy(&c.msg.raw()).into_owned())))),
    ("Kamailio::Message::getHeader", |a, list| {
        let name = a.get(1).map(Arg2::text).ok_or("getHeader: the header name is missing")?;
        msg(a, |c| {
            let values: Vec<Out> = c.msg.header_all_by_name(&name).map(|v| Out::Str(v.to_string())).collect();
            Ok(if list { Out::List(values) } else { values.into_iter().next().unwrap_or(Out::Undef) })
        })
    }),
    ("Kamailio::Message::getHeaderNames", |a, _| {
        msg(a, |c| Ok(Out::List(c.msg.headers().map(|h| Out::Str(h.name_raw.to_string())).collect())))
    }),
    ("Kamailio::Message::moduleFunction", |a, _| {
        let name = a.get(1).map(Arg2::text).ok_or("moduleFunction: the function name is missing")?;
        msg(a, |c| module_function(c, &name, &a[2..]))
    }),
    // The deprecated method form; Kamailio's own Kamailio.pm calls it with
    // an undef "message" from its __DIE__/__WARN__ handlers.
    ("Kamailio::Message::log", |a, _| log(a.get(1..).unwrap_or(&[]))),
    ("Kamailio::Message::rewrite_ruri", |a, _| {
        let uri = a.get(1).map(Arg2::text).ok_or("rewrite_ruri: the new URI is missing")?;
        // As Kamailio: 0 when rewritten, -1 (logged) when not.
        msg(a, |c| {
            if !c.msg.is_request() {
                tracing::error!(target: "script", "Kamailio::Message::rewrite_ruri: only valid for a request, not for a reply");
                return Ok(Out::Int(-1));
            }
            Ok(Out::Int(match module_function(c, "rewriteuri", &[Arg2::Str(uri.into())])? {
                Out::Int(code) if code > 0 => 0,
                _ => -1,
            }))
        })
    }),
    ("Kamailio::Message::setFlag", |a, _| flag(a, "setflag")),
    ("Kamailio::Message::resetFlag", |a, _| flag(a, "resetflag")),
    // A Perl boolean: 1 or 0 (a code of -1 would be true in Perl).
    ("Kamailio::Message::isFlagSet", |a, _| match flag(a, "isflagset")? {
        Out::Int(c) => Ok(Out::Int(i64::from(c > 0))),
        other => Ok(other),
    }),
    ("Kamailio::Message::pseudoVar", |a, _| {
        let text = a.get(1).map(Arg2::text).ok_or("pseudoVar: the string is missing")?;
        msg(a, |c| Ok(Out::Str(pv::cached_template(&text).eval(c))))
    }),
    ("Kamailio::Message::append_branch", |a, _| {
        msg(a, |c| {
            let rest: Vec<Arg2<'_>> = a[1..].iter().filter(|x| !matches!(x, Arg2::Undef)).cloned().collect();
            module_function(c, "append_branch", &rest)
        })
    }),
    ("Kamailio::Message::getParsedRURI", |a, _| {
        msg(a, |c| {
            if !c.msg.is_request() {
                return Ok(wrong_type("getParsedRURI", "a request"));
            }
            let u = c.ruri().to_string();
            Ok(match Uri::parse(&u) {
                Ok(_) => Out::Uri(u),
                Err(e) => {
                    tracing::error!(target: "script", "Kamailio::Message::getParsedRURI: cannot parse the request URI '{u}': {e}");
                    Out::Undef
                }
            })
        })
    }),
    ("Kamailio::URI::user", |a, _| uri(a, |u| opt(u.user()))),
    ("Kamailio::URI::host", |a, _| uri(a, |u| Out::Str(u.host().to_string()))),
    ("Kamailio::URI::passwd", |a, _| uri(a, |u| opt(u.password()))),
    ("Kamailio::URI::port", |a, _| uri(a, |u| u.port().map_or(Out::Undef, |p| Out::Str(p.to_string())))),
    ("Kamailio::URI::params", |a, _| uri(a, |u| opt(u.params_raw()))),
    ("Kamailio::URI::headers", |a, _| uri(a, |u| opt(u.headers_raw()))),
    ("Kamailio::URI::transport", |a, _| uri(a, |u| param_full(u, "transport"))),
    ("Kamailio::URI::ttl", |a, _| uri(a, |u| param_full(u, "ttl"))),
    ("Kamailio::URI::user_param", |a, _| uri(a, |u| param_full(u, "user"))),
    ("Kamailio::URI::maddr", |a, _| uri(a, |u| param_full(u, "maddr"))),
    ("Kamailio::URI::method", |a, _| uri(a, |u| param_full(u, "method"))),
    ("Kamailio::URI::lr", |a, _| uri(a, |u| param_full(u, "lr"))),
    ("Kamailio::URI::r2", |a, _| uri(a, |u| param_full(u, "r2"))),
    ("Kamailio::URI::transport_val", |a, _| uri(a, |u| param_val(u, "transport"))),
    ("Kamailio::URI::ttl_val", |a, _| uri(a, |u| param_val(u, "ttl"))),
    ("Kamailio::URI::user_param_val", |a, _| uri(a, |u| param_val(u, "user"))),
    ("Kamailio::URI::maddr_val", |a, _| uri(a, |u| param_val(u, "maddr"))),
    ("Kamailio::URI::method_val", |a, _| uri(a, |u| param_val(u, "method"))),
    ("Kamailio::URI::lr_val", |a, _| uri(a, |u| param_val(u, "lr"))),
    ("Kamailio::URI::r2_val", |a, _| uri(a, |u| param_val(u, "r2"))),
    // Kamailio's return codes: add gives 0 when added, 0 (and adds
    // nothing) for an undef name or value, -1 for a name or value that is
    // neither a string nor a number; destroy gives 1 when it removed an
    // AVP, 0 otherwise.
    ("Kamailio::AVP::add", |a, _| {
        if matches!(a.first(), None | Some(Arg2::Undef)) || matches!(a.get(1), None | Some(Arg2::Undef)) {
            return Ok(Out::Int(0));
        }
        let (Some(name), Some(val)) = (avp_name(a.first()), avp_value(a.get(1))) else {
            tracing::error!(target: "script", "Kamailio::AVP::add: the name and the value must be strings or numbers");
            return Ok(Out::Int(-1));
        };
        in_route("Kamailio::AVP::add", |c| {
            c.avps.push(&name, val);
            Ok(Out::Int(0))
        })
    }),
    ("Kamailio::AVP::get", |a, _| {
        let Some(name) = avp_name(a.first()) else { return Ok(Out::Undef) };
        in_route("Kamailio::AVP::get", |c| Ok(avp_get(&c.avps, &name)))
    }),
    ("Kamailio::AVP::destroy", |a, _| {
        let Some(name) = avp_name(a.first()) else { return Ok(Out::Int(0)) };
        in_route("Kamailio::AVP::destroy", |c| {
            // The newest value goes, as Kamailio destroys the first AVP found.
            Ok(Out::Int(i64::from(c.avps.pop(&name).is_some())))
        })
    }),
    // Switchboard::Shared (perl-lib/Switchboard/Shared.pm wraps these):
    // the process-wide store of crate::shared. Arguments: namespace, key
    // (and value / increment).
    ("Switchboard::Shared::_fetch", |a, _| {
        let (ns, key) = shared_ns_key(a, "FETCH")?;
        Ok(shared::fetch(&ns, &key).map_or(Out::Undef, value_out))
    }),
    ("Switchboard::Shared::_store", |a, _| {
        let (ns, key) = shared_ns_key(a, "STORE")?;
        let value = match a.get(2) {
            None | Some(Arg2::Undef) => Value::Null,
            Some(Arg2::Int(i)) => Value::Int(*i),
            Some(Arg2::Str(s)) => Value::Str(s.to_string()),
            Some(Arg2::Obj(_)) => return Err("Switchboard::Shared: only plain scalars (strings, numbers) can be stored, not a reference".into()),
        };
        shared::store_value(&ns, &key, value);
        Ok(Out::Int(1))
    }),
    ("Switchboard::Shared::_exists", |a, _| {
        let (ns, key) = shared_ns_key(a, "EXISTS")?;
        Ok(Out::Int(i64::from(shared::exists(&ns, &key))))
    }),
    ("Switchboard::Shared::_delete", |a, _| {
        let (ns, key) = shared_ns_key(a, "DELETE")?;
        Ok(shared::delete(&ns, &key).map_or(Out::Undef, value_out))
    }),
    ("Switchboard::Shared::_clear", |a, _| {
        shared::clear(&shared_ns(a, "CLEAR")?);
        Ok(Out::Int(1))
    }),
    ("Switchboard::Shared::_keys", |a, _| Ok(Out::List(shared::keys(&shared_ns(a, "keys")?).into_iter().map(Out::Str).collect()))),
    ("Switchboard::Shared::_count", |a, _| Ok(Out::Int(shared::len(&shared_ns(a, "SCALAR")?) as i64))),
    ("Switchboard::Shared::_add", |a, _| {
        let (ns, key) = shared_ns_key(a, "add")?;
        let n = match a.get(2) {
            None | Some(Arg2::Undef) => 1,
            Some(x @ (Arg2::Int(_) | Arg2::Str(_))) => x.int().ok_or_else(|| format!("Switchboard::Shared::add: the increment must be an integer, not '{}'", x.text()))?,
            Some(Arg2::Obj(_)) => return Err("Switchboard::Shared::add: the increment must be an integer, not a reference".into()),
        };
        shared::add(&ns, &key, n).map(Out::Int).map_err(|e| format!("Switchboard::Shared::add: {e}"))
    }),
];

/// Op numbers at and above this are KSR exports (index into [`ALL`]).
pub const KSR_BASE: i32 = 10_000;

static ALL: LazyLock<Vec<&'static Export>> = LazyLock::new(|| exports::all().collect());

/// Every sub to define in an interpreter: (Perl name, op). KSR subs only
/// for `ksr` (the exports the cfg's modules provide).
pub fn subs(ksr: &[&'static Export]) -> Vec<(String, i32)> {
    let mut v: Vec<(String, i32)> = SUBS.iter().enumerate().map(|(i, (n, _))| (n.to_string(), i as i32)).collect();
    for (i, e) in ALL.iter().enumerate() {
        if ksr.iter().any(|k| std::ptr::eq(*k, *e)) {
            let name = if e.module.is_empty() { format!("KSR::{}", e.name) } else { format!("KSR::{}::{}", e.module, e.name) };
            v.push((name, KSR_BASE + i as i32));
        }
    }
    v
}

/// Called by the glue's XSUB. Never unwinds: errors go back as text and
/// the glue croaks with them.
///
/// # Safety
/// Only the glue calls it: `args` points at `argc` values that live for
/// the call, `ret` at the glue's result collector.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sb_rust_dispatch(op: c_int, want_list: c_int, argc: c_int, args: *const SbVal, ret: *mut SbRet) {
    let vals: &[SbVal] = if argc <= 0 || args.is_null() { &[] } else { unsafe { std::slice::from_raw_parts(args, argc as usize) } };
    let args: Vec<Arg2<'_>> = vals
        .iter()
        .map(|v| match v.kind {
            KIND_INT => Arg2::Int(v.i),
            KIND_STR => Arg2::Str(unsafe { v.text() }),
            KIND_OBJ => Arg2::Obj(v.handle),
            _ => Arg2::Undef, // ffi::KIND_UNDEF
        })
        .collect();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        if op >= KSR_BASE {
            match ALL.get((op - KSR_BASE) as usize) {
                Some(e) => ksr_call(e, &args),
                None => Err(format!("unknown KSR op {op}")),
            }
        } else {
            match SUBS.get(op as usize) {
                Some((_, f)) => f(&args, want_list != 0),
                None => Err(format!("unknown op {op}")),
            }
        }
    }))
    .unwrap_or_else(|_| Err("internal error in switchboard (see the log)".into()));
    match result {
        Ok(out) => push(ret, out),
        Err(e) => {
            let e = if e.ends_with('\n') || e.starts_with(EXIT_MARK) { e } else { format!("{e}\n") };
            unsafe { ffi::sb_ret_error(ret, e.as_ptr().cast::<c_char>(), e.len()) }
        }
    }
}

fn push(ret: *mut SbRet, out: Out) {
    unsafe {
        match out {
            Out::Int(i) => ffi::sb_ret_int(ret, i),
            Out::Str(s) => ffi::sb_ret_str(ret, s.as_ptr().cast(), s.len()),
            Out::Undef => ffi::sb_ret_undef(ret),
            Out::List(v) => v.into_iter().for_each(|o| push(ret, o)),
            Out::Uri(u) => ffi::sb_ret_obj(ret, c"Kamailio::URI".as_ptr(), 0, u.as_ptr().cast(), u.len()),
        }
    }
}

// ---------------------------------------------------------------------

fn in_route<T>(what: &str, f: impl FnOnce(&mut RouteCtx<'_>) -> Result<T, String>) -> Result<T, String> {
    with_ctx(f).unwrap_or_else(|| Err(format!("{what}: called outside a routing callback")))
}

/// A Kamailio::Message method: `a[0]` must be the live message.
fn msg(a: &[Arg2<'_>], f: impl FnOnce(&mut RouteCtx<'_>) -> R) -> R {
    let Some(Arg2::Obj(h)) = a.first() else {
        return Err("Kamailio::Message method called without a message object".into());
    };
    if *h != HANDLE.with(Cell::get) || CURRENT.with(Cell::get).is_null() {
        return Err("this Kamailio::Message is no longer valid: a message object can only be used during the call that received it".into());
    }
    in_route("Kamailio::Message", f)
}

/// A method called on the wrong kind of message (getStatus on a request,
/// getRURI on a reply): as Kamailio, an error in the log and undef, not
/// a die.
fn wrong_type(method: &str, valid_for: &str) -> Out {
    tracing::error!(target: "script", "Kamailio::Message::{method}: only valid for {valid_for}");
    Out::Undef
}

/// getFullHeader: the start line and the headers as received, up to and
/// including the line end of the last header (not the empty line).
fn full_header(c: &RouteCtx<'_>) -> String {
    let raw = c.msg.raw();
    let head = &raw[..raw.len() - c.msg.body().len()];
    let head = head.strip_suffix(b"\r\n").or_else(|| head.strip_suffix(b"\n")).unwrap_or(head);
    String::from_utf8_lossy(head).into_owned()
}

fn log(a: &[Arg2<'_>]) -> R {
    let (level, text) = match a {
        [l, t, ..] => (l.int().unwrap_or_else(|| xlog::parse_level(&l.text()).unwrap_or(xlog::L_ERR as i64 as i32) as i64), t.text()),
        [t] => (i64::from(xlog::L_DBG), t.text()),
        [] => return Err("Kamailio::log(level, message): the message is missing".into()),
    };
    xlog::script_log(level as i32, &text);
    Ok(Out::Int(1))
}

fn flag(a: &[Arg2<'_>], func: &str) -> R {
    let f = a.get(1).and_then(Arg2::int).ok_or_else(|| format!("{func}: the flag must be a number"))?;
    msg(a, |c| module_function(c, func, &[Arg2::Int(f)]))
}

/// `moduleFunction(name, args...)`: any export by its cfg name, with any
/// number of parameters, converted to the declared types.
fn module_function(c: &mut RouteCtx<'_>, name: &str, args: &[Arg2<'_>]) -> R {
    let e = crate::native_export(name, args.len()).ok_or_else(|| format!("moduleFunction: no function {name}() with {} parameter(s) is available", args.len()))?;
    let (ret, _) = with_args(e, args, &format!("{name}()"), |argv| exports::invoke(e, c, argv))?;
    Ok(Out::Int(ret.code()))
}

/// Convert Perl arguments to `e`'s parameter types (numbers for Int,
/// text for the rest) and run `f` on them; `label` names the call in
/// errors.
fn with_args<T>(e: &Export, args: &[Arg2<'_>], label: &str, f: impl FnOnce(&[Arg<'_>]) -> T) -> Result<T, String> {
    let strs: Vec<String> = args.iter().map(Arg2::text).collect();
    let mut argv: Vec<Arg<'_>> = Vec::with_capacity(args.len());
    for (i, (p, a)) in e.params.iter().zip(args).enumerate() {
        argv.push(match p {
            Param::Int => Arg::Int(a.int().ok_or_else(|| format!("{label}: parameter {} must be an integer", i + 1))?),
            Param::Str | Param::Fmt => Arg::Str(&strs[i]),
        });
    }
    Ok(f(&argv))
}

/// `KSR::module::name(args)` in Perl KEMI.
fn ksr_call(e: &'static Export, args: &[Arg2<'_>]) -> R {
    if args.len() != e.params.len() {
        return Err(format!("KSR::{}: {} parameter(s) expected, {} given", e.qualified_name().replace('.', "::"), e.params.len(), args.len()));
    }
    let label = format!("KSR::{}", e.name);
    let (ret, asked_stop) = with_args(e, args, &label, |argv| in_route(&label, |c| Ok(exports::invoke(e, c, argv))))??;
    if asked_stop && ret == Ret::Int(0) {
        // Unwind the Perl callback; the engine sees the mark.
        return Err(EXIT_MARK.to_string());
    }
    Ok(match (e.ret, ret) {
        (RetKind::Bool, Ret::Int(i)) => Out::Int(i64::from(i > 0)),
        (_, Ret::Int(i)) => Out::Int(i),
        (_, Ret::Str(s)) => Out::Str(s),
        (_, Ret::Null) => Out::Undef,
    })
}

fn uri(a: &[Arg2<'_>], f: impl FnOnce(&Uri<'_>) -> Out) -> R {
    let text = match a.first() {
        Some(Arg2::Str(s)) => s.to_string(),
        _ => return Err("Kamailio::URI method called without a URI object".into()),
    };
    let u = Uri::parse(&text).map_err(|e| format!("Kamailio::URI: {e}"))?;
    Ok(f(&u))
}

fn opt(s: Option<&str>) -> Out {
    s.map_or(Out::Undef, |s| Out::Str(s.to_string()))
}

/// `transport()` & co.: the parameter as written (`transport=udp`).
fn param_full(u: &Uri<'_>, name: &str) -> Out {
    u.params()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map_or(Out::Undef, |(n, v)| Out::Str(v.map_or(n.to_string(), |v| format!("{n}={v}"))))
}

/// `transport_val()` & co.: its value (`udp`).
fn param_val(u: &Uri<'_>, name: &str) -> Out {
    u.params().find(|(n, _)| n.eq_ignore_ascii_case(name)).map_or(Out::Undef, |(_, v)| Out::Str(v.unwrap_or("").to_string()))
}

/// AVP names: a Perl number names an integer AVP (`i:10`), a string a
/// string AVP, as app_perl distinguishes them.
/// None: not a usable name (undef, empty, a reference).
fn avp_name(a: Option<&Arg2<'_>>) -> Option<String> {
    match a {
        Some(Arg2::Int(i)) => Some(format!("i:{i}")),
        Some(Arg2::Str(s)) if !s.is_empty() => Some(s.to_string()),
        _ => None,
    }
}

/// None: neither a number nor a string.
fn avp_value(a: Option<&Arg2<'_>>) -> Option<Value> {
    match a {
        Some(Arg2::Int(i)) => Some(Value::Int(*i)),
        Some(Arg2::Str(s)) => Some(Value::Str(s.to_string())),
        _ => None,
    }
}

fn avp_get(avps: &Avps, name: &str) -> Out {
    avps.get(name).cloned().map_or(Out::Undef, value_out)
}

/// A script value as Perl gets it (null: undef).
fn value_out(v: Value) -> Out {
    match v {
        Value::Null => Out::Undef,
        Value::Int(i) => Out::Int(i),
        Value::Str(s) => Out::Str(s),
    }
}

/// The namespace (first argument) of a Switchboard::Shared sub.
fn shared_ns(a: &[Arg2<'_>], op: &str) -> Result<String, String> {
    match a.first() {
        Some(Arg2::Str(s)) if !s.is_empty() => Ok(s.to_string()),
        Some(Arg2::Int(i)) => Ok(i.to_string()),
        _ => Err(format!("Switchboard::Shared {op}: the namespace must be a non-empty string")),
    }
}

/// The namespace and the key (undef: the empty key, as a Perl hash).
fn shared_ns_key(a: &[Arg2<'_>], op: &str) -> Result<(String, String), String> {
    let ns = shared_ns(a, op)?;
    let key = match a.get(1) {
        Some(Arg2::Obj(_)) => return Err(format!("Switchboard::Shared {op}: a key must be a string, not a reference")),
        Some(k) => k.text(),
        None => String::new(),
    };
    Ok((ns, key))
}
