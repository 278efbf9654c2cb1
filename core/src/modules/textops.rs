//! textops (native `append_hf`, `insert_hf`, `remove_hf`, `is_present_hf`,
//! `search`, `search_body`, `has_body`, `subst`, `subst_uri`, `subst_user`,
//! `append_to_reply`) and the
//! KEMI `hdr` group (`KSR.hdr.append/insert/remove/is_present/get/...`).
//!
//! Like Kamailio (where added headers are lumps applied when the message
//! is sent), functions that look at headers see the message as received:
//! `is_present_hf` does not see a header added by `append_hf`, and
//! `remove_hf` removes received headers only (not ones added by the
//! script). Header text given to append/insert may carry the trailing
//! CRLF or not, and several lines ("A: 1\r\nB: 2\r\n").

use regex::Regex;

use crate::exports::{export, Arg, Export, Param, Ret, RetKind};
use crate::pv::uri::set_ruri;
use crate::route::{mask, RouteCtx};
use crate::sip::{HeaderName, Uri};

use Param::Str;

/// Split header text into (name, value) pairs; folded lines join the
/// previous header. None if a line is not `Name: value`.
pub fn parse_header_text(txt: &str) -> Option<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in txt.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            let last = out.last_mut()?;
            last.1.push(' ');
            last.1.push_str(line.trim());
            continue;
        }
        let (n, v) = line.split_once(':')?;
        let n = n.trim();
        if n.is_empty() {
            return None;
        }
        out.push((n.to_string(), v.trim().to_string()));
    }
    if out.is_empty() {
        None
    } else {
        Some(out)
    }
}

fn bad_text(what: &str, txt: &str) -> Ret {
    tracing::error!(target: "script", "{what}: not a header line: {txt:?}");
    Ret::Int(-1)
}

fn append_hf_impl(ctx: &mut RouteCtx<'_>, txt: &str, anchor: Option<&str>) -> Ret {
    let Some(hs) = parse_header_text(txt) else { return bad_text("append_hf", txt) };
    match anchor {
        None => {
            for (n, v) in &hs {
                if ctx.msg.append_header(n, v).is_err() {
                    return bad_text("append_hf", txt);
                }
            }
        }
        Some(a) => {
            // Each after the previous one: keep their order.
            for (n, v) in hs.iter().rev() {
                match ctx.msg.insert_header_near(a, true, n, v) {
                    Ok(true) => {}
                    Ok(false) => return Ret::Int(-1),
                    Err(_) => return bad_text("append_hf", txt),
                }
            }
        }
    }
    Ret::Int(1)
}

fn insert_hf_impl(ctx: &mut RouteCtx<'_>, txt: &str, anchor: Option<&str>) -> Ret {
    let Some(hs) = parse_header_text(txt) else { return bad_text("insert_hf", txt) };
    match anchor {
        None => {
            for (n, v) in hs.iter().rev() {
                if ctx.msg.add_header_top(n, v).is_err() {
                    return bad_text("insert_hf", txt);
                }
            }
        }
        Some(a) => {
            for (n, v) in &hs {
                match ctx.msg.insert_header_near(a, false, n, v) {
                    Ok(true) => {}
                    Ok(false) => return Ret::Int(-1),
                    Err(_) => return bad_text("insert_hf", txt),
                }
            }
        }
    }
    Ret::Int(1)
}

fn matches_name(h: &crate::sip::Header<'_>, name: &str, known: HeaderName) -> bool {
    if known != HeaderName::Other {
        h.name == known
    } else {
        h.name == HeaderName::Other && h.name_raw.eq_ignore_ascii_case(name)
    }
}

/// Remove every received header with this name; the count, or -1.
pub fn remove_hf_impl(ctx: &mut RouteCtx<'_>, name: &str) -> Ret {
    let name = name.trim();
    let known = HeaderName::from_name(name);
    let idx: Vec<usize> = ctx
        .msg
        .headers()
        .enumerate()
        .filter(|(_, h)| matches_name(h, name, known))
        .map(|(i, _)| i)
        .collect();
    let n = idx.into_iter().filter(|i| ctx.msg.remove_header_at(*i)).count();
    if n == 0 {
        Ret::Int(-1)
    } else {
        Ret::Int(n as i64)
    }
}

fn is_present_impl(ctx: &RouteCtx<'_>, name: &str) -> bool {
    let name = name.trim();
    let known = HeaderName::from_name(name);
    ctx.msg.headers().any(|h| matches_name(&h, name, known))
}

fn append_hf(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    append_hf_impl(ctx, a[0].str(), None)
}
fn append_hf2(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    append_hf_impl(ctx, a[0].str(), Some(a[1].str()))
}
fn insert_hf(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    insert_hf_impl(ctx, a[0].str(), None)
}
fn insert_hf2(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    insert_hf_impl(ctx, a[0].str(), Some(a[1].str()))
}
fn remove_hf(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    remove_hf_impl(ctx, a[0].str())
}
fn is_present_hf(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    is_present_impl(ctx, a[0].str()).into()
}
/// KSR.hdr.get(name): the first received header's value, or null.
fn hdr_get(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    match ctx.msg.header_by_name(a[0].str()) {
        Some(v) => Ret::Str(v.to_string()),
        None => Ret::Null,
    }
}
/// KSR.hdr.rmappend(hrm, hadd): remove `hrm` headers, append `hadd`.
fn hdr_rmappend(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    remove_hf_impl(ctx, a[0].str());
    append_hf_impl(ctx, a[1].str(), None)
}
fn hdr_rminsert(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    remove_hf_impl(ctx, a[0].str());
    insert_hf_impl(ctx, a[1].str(), None)
}

fn compile(re: &str, what: &str) -> Option<Regex> {
    match Regex::new(re) {
        Ok(r) => Some(r),
        Err(e) => {
            tracing::error!(target: "script", "{what}: bad regular expression {re:?}: {e}");
            None
        }
    }
}

/// search(re): anywhere in the message as received.
fn search(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    let Some(re) = compile(a[0].str(), "search") else { return Ret::Int(-1) };
    let raw = ctx.msg.raw();
    re.is_match(&String::from_utf8_lossy(&raw)).into()
}
fn search_body(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    let Some(re) = compile(a[0].str(), "search_body") else { return Ret::Int(-1) };
    re.is_match(&String::from_utf8_lossy(ctx.msg.body())).into()
}
fn has_body(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    (!ctx.msg.body().is_empty()).into()
}
/// has_body("type/subtype").
fn has_body_type(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    if ctx.msg.body().is_empty() {
        return Ret::Int(-1);
    }
    let Some((t, s)) = a[0].str().trim().split_once('/') else { return Ret::Int(-1) };
    match ctx.msg.content_type() {
        Some(Ok(mt)) => mt.is(t, s).into(),
        _ => Ret::Int(-1),
    }
}

/// Parse a sed-like `/re/repl/flags` (any delimiter); flags `i`, `g`.
pub fn parse_subst(expr: &str) -> Option<(Regex, String, bool)> {
    let mut chars = expr.chars();
    let delim = chars.next()?;
    let body = &expr[delim.len_utf8()..];
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut esc = false;
    for c in body.chars() {
        if esc {
            if c != delim {
                cur.push('\\');
            }
            cur.push(c);
            esc = false;
        } else if c == '\\' {
            esc = true;
        } else if c == delim && parts.len() < 2 {
            parts.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    if parts.len() != 2 {
        return None;
    }
    let flags = cur;
    let global = flags.contains('g');
    let re = if flags.contains('i') { format!("(?i){}", parts[0]) } else { parts[0].clone() };
    // A `$` in the replacement is literal; Kamailio's \1 back-references
    // → regex's ${1}.
    let repl = parts[1].replace('$', "$$");
    let repl = Regex::new(r"\\(\d)").ok()?.replace_all(&repl, "$${$1}").into_owned();
    Some((Regex::new(&re).ok()?, repl, global))
}

fn subst_str(expr: &str, s: &str) -> Option<String> {
    let (re, repl, global) = parse_subst(expr)?;
    if !re.is_match(s) {
        return None;
    }
    Some(if global { re.replace_all(s, repl.as_str()).into_owned() } else { re.replace(s, repl.as_str()).into_owned() })
}

/// subst_uri('/re/repl/flags') on the R-URI.
fn subst_uri(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    let cur = ctx.ruri().to_string();
    match subst_str(a[0].str(), &cur) {
        Some(new) => set_ruri(ctx, &new).into(),
        None => Ret::Int(-1),
    }
}
/// subst_user('/re/repl/flags') on the R-URI user.
fn subst_user(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    let user = Uri::parse(ctx.ruri()).ok().and_then(|u| u.user()).unwrap_or("").to_string();
    match subst_str(a[0].str(), &user) {
        Some(new) => crate::pv::uri::rewrite_ruri(ctx, |p| p.user = if new.is_empty() { None } else { Some(new) }).into(),
        None => Ret::Int(-1),
    }
}

/// `subst('/re/repl/flags')` on the header part.
///
/// Decision: Kamailio's `subst` works on the whole message buffer; here it
/// applies to each header line of the current (edited) header list, as
/// `Name: value` with folds unfolded — never the first line (R-URI) nor
/// the body. Without `g` only the first match (in the first header line
/// that matches) is replaced; with `g` every match in every line. `i`:
/// case-insensitive. `\N` in the replacement is group N. A line whose
/// result is empty is removed; a result that is no longer `Name: value`
/// (or would inject a line break) leaves that line unchanged and is
/// logged. Returns 1 if a line changed, -1 otherwise.
pub fn subst_headers(ctx: &mut RouteCtx<'_>, expr: &str) -> Ret {
    let Some((re, repl, global)) = parse_subst(expr) else {
        tracing::error!(target: "script", "subst: bad expression {expr:?}");
        return Ret::Int(-1);
    };
    let lines: Vec<String> = ctx
        .msg
        .edited_headers()
        .into_iter()
        .map(|(n, v)| format!("{n}: {}", unfold_value(v)))
        .collect();
    let mut changed = false;
    // Positions shift down by one for each removed line.
    let mut removed = 0;
    for (i, line) in lines.iter().enumerate() {
        if !re.is_match(line) {
            continue;
        }
        let new = if global { re.replace_all(line, repl.as_str()) } else { re.replace(line, repl.as_str()) };
        if new == *line {
            if !global {
                break;
            }
            continue;
        }
        let pos = i - removed;
        if new.trim().is_empty() {
            ctx.msg.remove_edited_header_at(pos);
            removed += 1;
            changed = true;
        } else {
            match new.split_once(':') {
                Some((n, v)) if ctx.msg.replace_header_at(pos, n, v).is_ok() => changed = true,
                _ => tracing::error!(target: "script", "subst: result is not a header line: {new:?}"),
            }
        }
        if !global {
            break;
        }
    }
    changed.into()
}

/// A header value with line folds (CRLF + whitespace) turned into one space.
fn unfold_value(v: &str) -> std::borrow::Cow<'_, str> {
    if !v.contains(['\r', '\n']) {
        return v.into();
    }
    let mut out = String::with_capacity(v.len());
    let mut fold = false;
    for c in v.chars() {
        if c == '\r' || c == '\n' {
            fold = true;
            continue;
        }
        if fold {
            if c == ' ' || c == '\t' {
                continue;
            }
            out.push(' ');
            fold = false;
        }
        out.push(c);
    }
    out.into()
}

/// `append_to_reply(txt)`: header line(s) for the local replies sent for
/// this request (sl_send_reply, send_reply, sl_reply_error, t_reply called
/// in the same route; not replies tm generates on its own, e.g. a 408).
fn append_to_reply(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    let txt = a[0].str();
    let Some(hs) = parse_header_text(txt) else { return bad_text("append_to_reply", txt) };
    if hs.iter().any(|(n, v)| {
        !n.bytes().all(|b| b.is_ascii_graphic() && b != b':') || v.contains(['\r', '\n', '\0'])
    }) {
        return bad_text("append_to_reply", txt);
    }
    ctx.reply_headers.extend(hs);
    Ret::Int(1)
}

fn subst(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    subst_headers(ctx, a[0].str())
}

pub static EXPORTS: &[Export] = &[
    export!("textops", "append_hf", ["append_hf"], [Str], append_hf),
    export!("textops", "append_hf_hdr", ["append_hf"], [Str, Str], append_hf2),
    export!("textops", "insert_hf", ["insert_hf"], [Str], insert_hf),
    export!("textops", "insert_hf_hdr", ["insert_hf"], [Str, Str], insert_hf2),
    export!("textops", "remove_hf", ["remove_hf"], [Str], remove_hf),
    export!("textops", "is_present_hf", ["is_present_hf"], [Str], is_present_hf),
    export!("textops", "search", ["search"], [Str], search),
    export!("textops", "search_body", ["search_body"], [Str], search_body),
    export!("textops", "has_body", ["has_body"], [], has_body),
    export!("textops", "has_body_type", ["has_body"], [Str], has_body_type),
    export!("textops", "subst_uri", ["subst_uri"], [Str], subst_uri),
    export!("textops", "subst_user", ["subst_user"], [Str], subst_user),
    export!("textops", "subst", ["subst"], [Str], subst),
    export!("textops", "append_to_reply", ["append_to_reply"], [Str], append_to_reply, routes = mask::ANY_REQUEST),
    export!("hdr", "append", [], [Str], append_hf),
    export!("hdr", "append_after", [], [Str, Str], append_hf2),
    export!("hdr", "insert", [], [Str], insert_hf),
    export!("hdr", "insert_before", [], [Str, Str], insert_hf2),
    export!("hdr", "remove", [], [Str], remove_hf),
    export!("hdr", "is_present", [], [Str], is_present_hf),
    export!("hdr", "get", [], [Str], hdr_get, ret = RetKind::Str),
    export!("hdr", "rmappend", [], [Str, Str], hdr_rmappend),
    export!("hdr", "rminsert", [], [Str, Str], hdr_rminsert),
];

#[cfg(test)]
mod tests;
