//! sanity: `sanity_check([msg_checks[, uri_checks]])`, `sanity_reply()`.
//!
//! Check bits (the module's documented numbers):
//! 1 R-URI SIP version (505), 2 R-URI scheme sip/sips/tel/tels (416),
//! 4 required headers To/From/CSeq/Call-ID/Via (400), 8 Via SIP version
//! and 16 Via protocol (disabled in Kamailio: accepted, no-ops here too),
//! 32 CSeq method = request method (400), 64 CSeq number (400),
//! 128 Content-Length = body size (400), 256 Expires value (400),
//! 512 Proxy-Require items in modparam `proxy_require` (420 with an
//! `Unsupported` header), 1024 URIs parse (which: `uri_checks` bits
//! 1 R-URI, 2 From, 4 To, 8 Contact) (400), 2048 digest credentials
//! complete (400), 4096 duplicated To/From tags (400), 8192 Authorization
//! header (digest checked as 2048, other schemes pass), 16384 first Via
//! present, parseable, with a host (400).
//!
//! Defaults: `default_checks` 3047, `uri_checks` 7. On failure the module
//! replies statelessly with the code above (unless `noreply=1`; the reply
//! can then be sent with `sanity_reply()`), and with `autodrop=1` (the
//! default) stops the script: returns 0 and sets `Stop::Exit`; with
//! `autodrop=0` it returns -1. Replies (the message) are checked for the
//! message checks that make sense for them and never answered.

use crate::exports::{export, Arg, Export, Param, Ret};
use crate::route::{RouteCtx, Stop};
use crate::sip::{CSeq, Contact, HeaderName, NameAddr, Uri, Via};

use Param::Int;

pub const RURI_SIP_VERSION: u32 = 1;
pub const RURI_SCHEME: u32 = 2;
pub const REQUIRED_HEADERS: u32 = 4;
pub const VIA_SIP_VERSION: u32 = 8;
pub const VIA_PROTOCOL: u32 = 16;
pub const CSEQ_METHOD: u32 = 32;
pub const CSEQ_VALUE: u32 = 64;
pub const CONTENT_LENGTH: u32 = 128;
pub const EXPIRES_VALUE: u32 = 256;
pub const PROXY_REQUIRE: u32 = 512;
pub const PARSE_URIS: u32 = 1024;
pub const DIGEST_CREDENTIALS: u32 = 2048;
pub const DUPLICATED_TAGS: u32 = 4096;
pub const AUTHORIZATION: u32 = 8192;
pub const VIA1_HEADER: u32 = 16384;

pub const URI_RURI: u32 = 1;
pub const URI_FROM: u32 = 2;
pub const URI_TO: u32 = 4;
pub const URI_CONTACT: u32 = 8;

pub const DEFAULT_CHECKS: u32 = RURI_SIP_VERSION
    | RURI_SCHEME
    | REQUIRED_HEADERS
    | CSEQ_METHOD
    | CSEQ_VALUE
    | CONTENT_LENGTH
    | EXPIRES_VALUE
    | PROXY_REQUIRE
    | DIGEST_CREDENTIALS;
pub const DEFAULT_URI_CHECKS: u32 = URI_RURI | URI_FROM | URI_TO;

/// Why a message failed: the reply to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: u16,
    pub reason: &'static str,
    pub extra: Vec<(String, String)>,
}

fn fail(code: u16, reason: &'static str) -> Result<(), Failure> {
    Err(Failure { code, reason, extra: Vec::new() })
}

/// The digest parameters a credential must carry.
fn digest_ok(v: &str) -> bool {
    let v = v.trim();
    let Some((scheme, rest)) = v.split_once(|c: char| c.is_ascii_whitespace()) else { return false };
    if !scheme.eq_ignore_ascii_case("digest") {
        return false;
    }
    let mut have = std::collections::HashMap::new();
    for part in split_params(rest) {
        if let Some((k, val)) = part.split_once('=') {
            have.insert(k.trim().to_ascii_lowercase(), val.trim().trim_matches('"').to_string());
        }
    }
    let nonempty = |k: &str| have.get(k).is_some_and(|v| !v.is_empty());
    if !["username", "realm", "nonce", "uri", "response"].iter().all(|k| have.contains_key(*k))
        || !nonempty("nonce")
        || !nonempty("uri")
        || !nonempty("response")
    {
        return false;
    }
    if nonempty("qop") && !(nonempty("nc") && nonempty("cnonce")) {
        return false;
    }
    true
}

/// Split `a=1, b="x,y"` on commas outside quotes.
fn split_params(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut q) = (0, false);
    for (i, c) in s.char_indices() {
        match c {
            '"' => q = !q,
            ',' if !q => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

fn tag_count(v: &str) -> usize {
    match NameAddr::parse(v) {
        Ok(na) => na.params().filter(|(k, _)| k.eq_ignore_ascii_case("tag")).count(),
        Err(_) => 0,
    }
}

/// Run the checks in `checks` (URIs per `uri_checks`); `Err` = the reply.
pub fn check(ctx: &RouteCtx<'_>, checks: u32, uri_checks: u32) -> Result<(), Failure> {
    let msg = &ctx.msg;
    let req = msg.is_request();
    // What the server's `validate` already proved for this message (the
    // version, CSeq number and method, Expires, the first Via, and that
    // R-URI, From, To and Contact parse when present) is not parsed again.
    let trusted = msg.is_validated();
    let proved = if trusted {
        RURI_SIP_VERSION | VIA1_HEADER | CSEQ_VALUE | CSEQ_METHOD | EXPIRES_VALUE
    } else {
        0
    };
    let checks = checks & !proved;
    let on = |bit: u32| checks & bit != 0;
    if req && on(RURI_SIP_VERSION) && !msg.version().eq_ignore_ascii_case("SIP/2.0") {
        return fail(505, "Version Not Supported");
    }
    if req && on(RURI_SCHEME) {
        let ruri = msg.ruri_str().unwrap_or("");
        let scheme = ruri.split(':').next().unwrap_or("");
        if !["sip", "sips", "tel", "tels"].iter().any(|s| s.eq_ignore_ascii_case(scheme)) {
            return fail(416, "Unsupported URI Scheme in Request URI");
        }
    }
    if on(REQUIRED_HEADERS) {
        for h in [HeaderName::To, HeaderName::From, HeaderName::CSeq, HeaderName::CallId, HeaderName::Via] {
            if msg.header(h).is_none() {
                return fail(400, "Missing Required Header in Request");
            }
        }
    }
    if on(VIA1_HEADER) {
        match msg.header(HeaderName::Via).map(|v| v.split(',').next().unwrap_or("")).map(Via::parse) {
            Some(Ok(v)) if !v.host().is_empty() => {}
            _ => return fail(400, "Missing or Bad First Via"),
        }
    }
    if on(CSEQ_VALUE) || on(CSEQ_METHOD) {
        if let Some(v) = msg.header(HeaderName::CSeq) {
            match CSeq::parse(v) {
                Err(_) if on(CSEQ_VALUE) => return fail(400, "CSeq number is illegal"),
                Err(_) => {}
                Ok(c) => {
                    if req && on(CSEQ_METHOD) && Some(c.method_raw) != msg.method_str() {
                        return fail(400, "CSeq method does not match request method");
                    }
                }
            }
        }
    }
    if on(CONTENT_LENGTH) {
        if let Some(cl) = msg.content_length() {
            if cl != msg.body().len() {
                return fail(400, "Content-Length mis-match");
            }
        }
    }
    if on(EXPIRES_VALUE) {
        if let Some(Err(_)) = msg.expires() {
            return fail(400, "Expires value is illegal");
        }
    }
    if req && on(PROXY_REQUIRE) {
        let allowed = &ctx.shared.modcfg.sanity_proxy_require;
        let bad: Vec<&str> = msg
            .header_values(HeaderName::ProxyRequire)
            .map(str::trim)
            .filter(|t| !t.is_empty() && !allowed.iter().any(|a| a.eq_ignore_ascii_case(t)))
            .collect();
        if !bad.is_empty() {
            return Err(Failure {
                code: 420,
                reason: "Bad Extension",
                extra: vec![("Unsupported".into(), bad.join(", "))],
            });
        }
    }
    if on(PARSE_URIS) {
        // absent, or (unless validate proved it) not parseable
        let bad = |name: HeaderName, parses: &dyn Fn() -> bool| msg.header(name).is_none() || (!trusted && !parses());
        if req && uri_checks & URI_RURI != 0 && !trusted && msg.ruri().is_none_or(|r| r.is_err()) {
            return fail(400, "Bad Request URI");
        }
        if uri_checks & URI_FROM != 0 && bad(HeaderName::From, &|| msg.from().is_some_and(|r| r.is_ok())) {
            return fail(400, "Bad From URI");
        }
        if uri_checks & URI_TO != 0 && bad(HeaderName::To, &|| msg.to().is_some_and(|r| r.is_ok())) {
            return fail(400, "Bad To URI");
        }
        if uri_checks & URI_CONTACT != 0 && !trusted {
            for c in msg.contacts() {
                match c {
                    Ok(Contact::Star) => {}
                    Ok(c) => {
                        if c.addr().is_none_or(|a| Uri::parse(a.uri().as_str()).is_err()) {
                            return fail(400, "Bad Contact URI");
                        }
                    }
                    Err(_) => return fail(400, "Bad Contact URI"),
                }
            }
        }
    }
    if on(DIGEST_CREDENTIALS) {
        for h in [HeaderName::Authorization, HeaderName::ProxyAuthorization] {
            for v in msg.header_all(h) {
                if !digest_ok(v) {
                    return fail(400, "Bad Credentials");
                }
            }
        }
    }
    if on(AUTHORIZATION) {
        for v in msg.header_all(HeaderName::Authorization) {
            let digest = v.trim_start().get(..6).is_some_and(|s| s.eq_ignore_ascii_case("digest"));
            if digest && !digest_ok(v) {
                return fail(400, "Bad Authorization Header");
            }
        }
    }
    if on(DUPLICATED_TAGS) {
        for h in [HeaderName::To, HeaderName::From] {
            if msg.header(h).is_some_and(|v| tag_count(v) > 1) {
                return fail(400, "Duplicated To/From tag");
            }
        }
    }
    Ok(())
}

thread_local! {
    /// The last failure of this worker (`sanity_reply`), with the Call-ID
    /// and CSeq of the message it belongs to.
    static LAST: std::cell::RefCell<Option<(String, String, Failure)>> = const { std::cell::RefCell::new(None) };
}

fn msg_key(ctx: &RouteCtx<'_>) -> (String, String) {
    (
        ctx.msg.call_id().unwrap_or("").to_string(),
        ctx.msg.header(HeaderName::CSeq).unwrap_or("").to_string(),
    )
}

fn send(ctx: &mut RouteCtx<'_>, f: &Failure) -> bool {
    if !ctx.msg.is_request() {
        return false;
    }
    let sent = crate::server::send_stateless_reply_with(
        ctx.shared,
        &ctx.msg,
        &ctx.info,
        f.code,
        f.reason,
        f.extra.clone(),
    );
    if sent {
        ctx.last_reply_status = Some(f.code);
    }
    sent
}

fn run(ctx: &mut RouteCtx<'_>, checks: u32, uri_checks: u32) -> Ret {
    match check(ctx, checks, uri_checks) {
        Ok(()) => Ret::Int(1),
        Err(f) => {
            tracing::info!(
                target: "script",
                "sanity check failed for {} from {}:{}: {} {}",
                ctx.msg.method_str().unwrap_or("reply"),
                ctx.info.src.ip(),
                ctx.info.src.port(),
                f.code,
                f.reason
            );
            let cfg = &ctx.shared.modcfg;
            let (noreply, autodrop) = (cfg.sanity_noreply, cfg.sanity_autodrop);
            if noreply {
                let (ci, cs) = msg_key(ctx);
                LAST.with(|l| *l.borrow_mut() = Some((ci, cs, f)));
            } else {
                send(ctx, &f);
            }
            if autodrop {
                ctx.stop = Stop::Exit;
                Ret::Int(0)
            } else {
                Ret::Int(-1)
            }
        }
    }
}

fn sanity_check0(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    let (c, u) = (ctx.shared.modcfg.sanity_default_checks, ctx.shared.modcfg.sanity_uri_checks);
    run(ctx, c, u)
}
fn sanity_check1(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    let u = ctx.shared.modcfg.sanity_uri_checks;
    run(ctx, a[0].int().max(0) as u32, u)
}
fn sanity_check2(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    run(ctx, a[0].int().max(0) as u32, a[1].int().max(0) as u32)
}

/// sanity_reply(): send the reply of the last failed check (noreply=1).
fn sanity_reply(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    let key = msg_key(ctx);
    let f = LAST.with(|l| match &*l.borrow() {
        Some((ci, cs, f)) if (ci.clone(), cs.clone()) == key => Some(f.clone()),
        _ => None,
    });
    match f {
        Some(f) => send(ctx, &f).into(),
        None => Ret::Int(-1),
    }
}

pub static EXPORTS: &[Export] = &[
    export!("sanity", "sanity_check_defaults", ["sanity_check"], [], sanity_check0, stops = true),
    export!("sanity", "sanity_check", ["sanity_check"], [Int, Int], sanity_check2, stops = true),
    export!("sanity", "sanity_check_msg", ["sanity_check"], [Int], sanity_check1, stops = true),
    export!("sanity", "sanity_reply", ["sanity_reply"], [], sanity_reply),
];

#[cfg(test)]
mod tests;
