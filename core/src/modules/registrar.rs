//! registrar: `save`, `lookup`, `registered`, `unregister` over usrloc.
//!
//! Exports (KEMI group `registrar`; native names as in Kamailio):
//!
//! | KEMI                                  | native                      | returns |
//! |---------------------------------------|-----------------------------|---------|
//! | `save(table, flags)`                  | `save(table, flags)`        | 1 ok (200 sent), -1 error (4xx/5xx sent) |
//! | `save_uri(table, flags, uri)`         | `save(table, flags, uri)`   | same |
//! | `save_table(table)` (switchboard)     | `save(table)`               | same |
//! | `lookup(table)`                       | `lookup(table)`             | 1 found, -1 not found, -2 method not allowed, -3 error |
//! | `lookup_uri(table, uri)`              | `lookup(table, uri)`        | same |
//! | `registered(table)`                   | `registered(table)`         | 1 / -1 |
//! | `registered_uri(table, uri)`          | `registered(table, uri)`    | 1 / -1 |
//! | `unregister(table, uri)`              | `unregister(table, uri)`    | 1 removed, -1 none |
//! | `unregister_ruid(table, uri, ruid)`   | `unregister(table, uri, ruid)` | 1 / -1 |
//!
//! `save` flags: 0x02 = send no reply (the script replies), 0x04 = keep
//! only the contacts of this REGISTER (one-contact mode). 0x01 (memory
//! only) is implied: only db_mode 0 exists.
//!
//! Save semantics (RFC 3261 §10.3), decided here:
//! - `Contact: *` needs `Expires: 0` and no other Contact, else
//!   `400 Invalid Star Contact`; it removes every binding except those
//!   whose Call-ID matches with a stored CSeq >= the request's.
//! - expires: the contact's `expires` param, else the Expires header, else
//!   `default_expires`; 0 removes. A nonzero value below `min_expires` →
//!   `423 Interval Too Brief` + `Min-Expires` (nothing changes); above
//!   `max_expires` (when > 0) → capped.
//! - An existing binding (same Contact URI) with the same Call-ID and a
//!   *higher* stored CSeq → `400 Invalid CSeq number` and nothing changes
//!   (out-of-order REGISTER, as the reference requires); the *same* CSeq is
//!   a retransmission: not updated, answered 200 with the current set.
//! - `max_contacts` (> 0) exceeded after applying → `503 Too Many
//!   Registered Contacts`, nothing changes.
//! - `domains` (switchboard modparam, comma list; empty = every domain):
//!   a REGISTER whose To (AoR) domain is not listed gets `403 Forbidden`
//!   (the Net::SIP::Registrar `domains` contract).
//! - 200 OK carries one `Contact: <uri>;expires=<remaining>[;q=x]` header
//!   per live binding and a `Date` header.
//! - NAT: `received` is stored from the AVP named by `received_avp` when
//!   the script set it (nathelper's fix_nated_register style); `lookup`
//!   then sets `$du` to it. With `use_path=1`, the Path headers are stored
//!   and `lookup` sets `$du` to the first Path URI (it wins over received).

use std::sync::Arc;

use crate::cfg::Config;
use crate::exports::{export, Arg, Export, Param, Ret};
use crate::route::{mask, Branch, RouteCtx};
use crate::sip::{Contact, HeaderName, SipMessage, Uri};
use crate::transport::ReceiveInfo;
use crate::usrloc::{self, Binding, UlSettings, Usrloc};

use Param::{Int, Str};

/// Registrar modparams.
#[derive(Debug, Clone)]
pub struct RegSettings {
    pub default_expires: u32,
    pub min_expires: u32,
    /// 0 = no maximum.
    pub max_expires: u32,
    /// 0 = no limit.
    pub max_contacts: u32,
    pub append_branches: bool,
    pub method_filtering: bool,
    pub use_path: bool,
    /// q (×1000) for contacts without one; -1 = unspecified.
    pub default_q: i32,
    /// AVP name (without `$avp(...)`) holding the received URI.
    pub received_avp: Option<String>,
    /// Served domains (lower case); empty = all.
    pub domains: Vec<String>,
}

impl Default for RegSettings {
    fn default() -> Self {
        RegSettings {
            default_expires: 3600,
            min_expires: 60,
            max_expires: 0,
            max_contacts: 0,
            append_branches: true,
            method_filtering: false,
            use_path: false,
            default_q: -1,
            received_avp: None,
            domains: Vec::new(),
        }
    }
}

fn avp_name(spec: &str) -> String {
    let s = spec.trim();
    let s = s.strip_prefix("$avp(").and_then(|x| x.strip_suffix(')')).unwrap_or(s);
    s.strip_prefix("s:").or_else(|| s.strip_prefix("i:")).unwrap_or(s).to_string()
}

impl RegSettings {
    pub fn from_config(cfg: &Config) -> RegSettings {
        let int = |n: &str| cfg.modparam("registrar", n).and_then(|v| v.as_int());
        let st = |n: &str| cfg.modparam("registrar", n).and_then(|v| v.as_str()).map(str::to_string);
        let d = RegSettings::default();
        RegSettings {
            default_expires: int("default_expires").map_or(d.default_expires, |v| v.max(0) as u32),
            min_expires: int("min_expires").map_or(d.min_expires, |v| v.max(0) as u32),
            max_expires: int("max_expires").map_or(d.max_expires, |v| v.max(0) as u32),
            max_contacts: int("max_contacts").map_or(d.max_contacts, |v| v.max(0) as u32),
            append_branches: int("append_branches").map_or(d.append_branches, |v| v != 0),
            method_filtering: int("method_filtering").map_or(d.method_filtering, |v| v != 0),
            use_path: int("use_path").map_or(d.use_path, |v| v != 0),
            default_q: int("default_q").map_or(d.default_q, |v| v as i32),
            received_avp: st("received_avp").filter(|s| !s.is_empty()).map(|s| avp_name(&s)),
            domains: st("domains")
                .map(|s| {
                    s.split(',').map(|x| x.trim().to_ascii_lowercase()).filter(|x| !x.is_empty()).collect()
                })
                .unwrap_or_default(),
        }
    }
}

/// What `Shared::location` holds: the store and the registrar settings.
pub struct LocationService {
    pub usrloc: Arc<Usrloc>,
    pub reg: RegSettings,
}

impl LocationService {
    /// Settings from the cfg; starts the usrloc expiry timer.
    pub fn from_config(cfg: &Config) -> LocationService {
        let ul = Usrloc::new(UlSettings::from_config(cfg));
        ul.start_timer(ul.settings.timer_interval);
        LocationService { usrloc: ul, reg: RegSettings::from_config(cfg) }
    }
    /// Without a timer (tests) and with the given settings.
    pub fn new(ul: UlSettings, reg: RegSettings) -> LocationService {
        LocationService { usrloc: Usrloc::new(ul), reg }
    }
}

impl Default for LocationService {
    fn default() -> Self {
        LocationService::new(UlSettings::default(), RegSettings::default())
    }
}

/// The reply `save` decided on.
#[derive(Debug, Clone, PartialEq)]
pub struct RegReply {
    pub code: u16,
    pub reason: &'static str,
    pub headers: Vec<(String, String)>,
}

impl RegReply {
    fn err(code: u16, reason: &'static str) -> RegReply {
        RegReply { code, reason, headers: Vec::new() }
    }
}

/// `Date:` value (RFC 1123 / RFC 3261 §20.17) for a unix time; the last
/// one is kept per thread, as every REGISTER of a second carries the same.
pub fn http_date(t: i64) -> String {
    thread_local! {
        static LAST: std::cell::RefCell<(i64, String)> = const { std::cell::RefCell::new((i64::MIN, String::new())) };
    }
    LAST.with_borrow_mut(|(at, s)| {
        if *at != t {
            *s = format_http_date(t);
            *at = t;
        }
        s.clone()
    })
}

fn format_http_date(t: i64) -> String {
    let days = t.div_euclid(86400);
    let secs = t.rem_euclid(86400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    const WD: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MO: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        WD[days.rem_euclid(7) as usize],
        d,
        MO[(m - 1) as usize],
        y,
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// `0.5` → 500; None when malformed.
fn parse_q(s: &str) -> Option<i32> {
    let v: f64 = s.trim().parse().ok()?;
    if !(0.0..=1.0).contains(&v) {
        return None;
    }
    Some((v * 1000.0).round() as i32)
}

fn fmt_q(q: i32) -> String {
    let mut s = format!("{}.{:03}", q / 1000, q % 1000);
    while s.ends_with('0') && !s.ends_with(".0") {
        s.pop();
    }
    s
}

/// The AoR key of `uri` per use_domain, with its user and (lower-case)
/// host; None when unusable.
pub(crate) fn aor_key(ul: &Usrloc, uri: &str) -> Option<(String, String, String)> {
    aor_key_of(ul, &Uri::parse(uri.trim().trim_start_matches('<').trim_end_matches('>')).ok()?)
}

/// [`aor_key`] of a parsed URI.
fn aor_key_of(ul: &Usrloc, u: &Uri<'_>) -> Option<(String, String, String)> {
    let user = u.user().unwrap_or("");
    if user.is_empty() && !ul.settings.use_domain {
        return None;
    }
    let host = u.host_unbracketed().to_ascii_lowercase();
    Some((ul.aor(user, &host), user.to_string(), host))
}

/// Everything of the REGISTER that `save` needs, extracted up front.
struct Incoming {
    expires: u32,
    contact: String,
    q: i32,
    methods: Option<u32>,
    instance: Option<String>,
    reg_id: u32,
}

/// Decide and apply a REGISTER against `table` (the pure part of `save`).
/// `received` is the NAT address to store with new bindings.
#[allow(clippy::too_many_arguments)]
pub fn process_register(
    loc: &LocationService,
    table: &str,
    msg: &SipMessage,
    info: &ReceiveInfo,
    flags: u32,
    uri: Option<&str>,
    received: Option<String>,
    now: i64,
) -> RegReply {
    let s = &loc.reg;
    let ul = &loc.usrloc;
    let key = match uri {
        Some(u) if !u.is_empty() => aor_key(ul, u),
        _ => match msg.to() {
            Some(Ok(t)) => aor_key_of(ul, t.uri()),
            _ => return RegReply::err(400, "Bad To header"),
        },
    };
    let Some((aor, user, host)) = key else {
        return RegReply::err(400, "Bad AoR");
    };
    if !s.domains.is_empty() && !s.domains.contains(&host) {
        return RegReply::err(403, "Forbidden");
    }
    let hdr_expires = match msg.expires() {
        None => None,
        Some(Ok(e)) => Some(e),
        Some(Err(_)) => return RegReply::err(400, "Bad Expires header"),
    };
    // nearly every REGISTER has one Contact: kept on the stack
    let mut contacts: smallvec::SmallVec<[Contact; 1]> = smallvec::SmallVec::new();
    for c in msg.contacts() {
        match c {
            Ok(c) => contacts.push(c),
            Err(_) => return RegReply::err(400, "Bad Contact header"),
        }
    }
    let callid = msg.call_id().unwrap_or("").trim();
    let cseq = match msg.cseq() {
        Some(Ok(c)) => c.seq,
        _ => return RegReply::err(400, "Bad CSeq header"),
    };
    let domain = ul.domain(table);

    // Contact: * — remove everything.
    if contacts.iter().any(Contact::is_star) {
        if contacts.len() > 1 || hdr_expires != Some(0) || contacts[0].expires().ok().flatten().is_some_and(|e| e != 0) {
            return RegReply::err(400, "Invalid Star Contact");
        }
        domain.with_bindings(&aor, now, |v| v.retain(|b| b.callid == callid && b.cseq >= cseq));
        return ok_reply(&domain.lookup(&aor, now), now);
    }

    // Parse every contact before changing anything.
    let allow_list: Vec<&str> = msg.header_values(HeaderName::Allow).collect();
    let allow = (!allow_list.is_empty()).then(|| usrloc::methods_mask(&allow_list.join(",")));
    let mut inc: smallvec::SmallVec<[Incoming; 1]> = smallvec::SmallVec::with_capacity(contacts.len());
    for c in &contacts {
        let Some(na) = c.addr() else { continue };
        let e = match c.expires() {
            Ok(Some(e)) => e,
            Ok(None) => hdr_expires.unwrap_or(s.default_expires),
            Err(_) => return RegReply::err(400, "Bad Contact expires"),
        };
        if e != 0 && e < s.min_expires {
            return RegReply {
                code: 423,
                reason: "Interval Too Brief",
                headers: vec![("Min-Expires".into(), s.min_expires.to_string())],
            };
        }
        let e = if s.max_expires > 0 && e > s.max_expires { s.max_expires } else { e };
        let q = match c.q() {
            Some(q) => match parse_q(q) {
                Some(q) => q,
                None => return RegReply::err(400, "Bad Contact q"),
            },
            None => s.default_q,
        };
        let methods = na.param("methods").map(|m| usrloc::methods_mask(m.trim_matches('"'))).or(allow);
        inc.push(Incoming {
            expires: e,
            contact: na.uri().as_str().to_string(),
            q,
            methods,
            instance: na.param("+sip.instance").map(str::to_string),
            reg_id: na.param("reg-id").and_then(|r| r.trim().parse().ok()).unwrap_or(0),
        });
    }
    let path = if s.use_path {
        let p: Vec<&str> = msg.header_values(HeaderName::Path).collect();
        (!p.is_empty()).then(|| p.join(","))
    } else {
        None
    };
    let user_agent = msg.header(HeaderName::UserAgent).unwrap_or("").trim();
    let socket = Some(crate::pv::socket_str(info.proto, info.local));
    let store_domain = ul.settings.use_domain.then(|| host.clone());

    let result = domain.with_bindings(&aor, now, |live| {
        // CSeq order first, so that nothing changes when one is out of
        // order (an earlier contact of this REGISTER gets this CSeq, so
        // checking against the stored bindings is the whole check).
        if inc.iter().any(|c| live.iter().any(|b| b.contact == c.contact && b.callid == callid && cseq < b.cseq)) {
            return Err(RegReply::err(400, "Invalid CSeq number"));
        }
        let apply = |v: &mut Vec<Binding>| {
            for c in &inc {
                match v.iter().position(|b| b.contact == c.contact) {
                    Some(i) => {
                        let b = &v[i];
                        if b.callid == callid && cseq == b.cseq {
                            continue; // retransmission: not updated
                        }
                        if c.expires == 0 {
                            v.remove(i);
                            continue;
                        }
                        let mut b = v.remove(i);
                        b.expires = now + i64::from(c.expires);
                        b.q = c.q;
                        set_str(&mut b.callid, callid);
                        b.cseq = cseq;
                        b.last_modified = now;
                        set_str(&mut b.user_agent, user_agent);
                        b.socket.clone_from(&socket);
                        b.methods = c.methods;
                        b.path.clone_from(&path);
                        b.received.clone_from(&received);
                        b.instance.clone_from(&c.instance);
                        b.reg_id = c.reg_id;
                        v.push(b); // most recent last
                    }
                    None if c.expires == 0 => {}
                    None => v.push(Binding {
                        ruid: ul.new_ruid(),
                        username: user.clone(),
                        domain: store_domain.clone(),
                        contact: c.contact.clone(),
                        received: received.clone(),
                        path: path.clone(),
                        expires: now + i64::from(c.expires),
                        q: c.q,
                        callid: callid.to_string(),
                        cseq,
                        last_modified: now,
                        user_agent: user_agent.to_string(),
                        socket: socket.clone(),
                        methods: c.methods,
                        instance: c.instance.clone(),
                        reg_id: c.reg_id,
                        ..Binding::default()
                    }),
                }
            }
            if flags & 0x04 != 0 {
                v.retain(|b| inc.iter().any(|c| c.contact == b.contact));
            }
        };
        // A REGISTER adds at most one binding per contact: only when that
        // could cross the limit is the result computed on a copy (the
        // limit applies to the result, and a refused REGISTER changes
        // nothing) — a refresh updates in place.
        if s.max_contacts > 0 && live.len() + inc.len() > s.max_contacts as usize {
            let mut v = live.clone();
            apply(&mut v);
            if v.len() > s.max_contacts as usize {
                return Err(RegReply::err(503, "Too Many Registered Contacts"));
            }
            *live = v;
        } else {
            apply(live);
        }
        Ok(ok_reply(live, now))
    });
    result.unwrap_or_else(|r| r)
}

/// Overwrite `s` with `v`, reusing its buffer (a refresh stores the same
/// Call-ID and User-Agent again).
fn set_str(s: &mut String, v: &str) {
    s.clear();
    s.push_str(v);
}

fn ok_reply(bindings: &[Binding], now: i64) -> RegReply {
    let mut headers = Vec::with_capacity(bindings.len() + 1);
    for b in bindings {
        let mut v = String::with_capacity(b.contact.len() + 24);
        v.push('<');
        v.push_str(&b.contact);
        v.push_str(">;expires=");
        crate::sip::write::push_int(&mut v, b.remaining(now));
        if b.q >= 0 {
            v.push_str(";q=");
            v.push_str(&fmt_q(b.q));
        }
        headers.push(("Contact".to_string(), v));
    }
    headers.push(("Date".to_string(), http_date(now)));
    RegReply { code: 200, reason: "OK", headers }
}

/// Send a stateless reply with extra headers, record its status. Without
/// transports (unit tests) only the status is recorded.
pub(crate) fn reply(ctx: &mut RouteCtx<'_>, code: u16, reason: &str, headers: Vec<(String, String)>) -> bool {
    ctx.last_reply_status = Some(code);
    if ctx.shared.transports.get().is_none() {
        return true;
    }
    crate::server::send_stateless_reply_with(ctx.shared, &ctx.msg, &ctx.info, code, reason, headers)
}

fn do_save(ctx: &mut RouteCtx<'_>, table: &str, flags: u32, uri: Option<&str>) -> Ret {
    if ctx.msg.method_str() != Some("REGISTER") {
        tracing::warn!("save(\"{table}\") called for a non-REGISTER request");
        return Ret::Int(-1);
    }
    let received = ctx.shared.location.reg.received_avp.as_ref().and_then(|n| match ctx.avps.get(n) {
        Some(crate::route::Value::Str(s)) if !s.is_empty() => Some(s.clone()),
        _ => None,
    });
    let r = process_register(&ctx.shared.location, table, &ctx.msg, &ctx.info, flags, uri, received, usrloc::now());
    if r.code >= 300 {
        tracing::info!("registrar: REGISTER from {}:{} rejected: {} {}", ctx.info.proto, ctx.info.src, r.code, r.reason);
    }
    if flags & 0x02 == 0 {
        reply(ctx, r.code, r.reason, r.headers);
    }
    Ret::Int(if r.code < 300 { 1 } else { -1 })
}

fn save1(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    do_save(ctx, a[0].str(), 0, None)
}
fn save2(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    do_save(ctx, a[0].str(), a[1].int() as u32, None)
}
fn save3(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    do_save(ctx, a[0].str(), a[1].int() as u32, Some(a[2].str()))
}

/// Best first: highest q (unspecified = 1.0), then most recently modified
/// (later in the record = more recent on ties).
fn sort_best_first(v: &mut [Binding]) {
    let key = |b: &Binding| if b.q < 0 { 1000 } else { b.q };
    // Reverse first so that the stable sort keeps "later = more recent".
    v.reverse();
    v.sort_by(|a, b| key(b).cmp(&key(a)).then(b.last_modified.cmp(&a.last_modified)));
}

fn next_hop(b: &Binding) -> Option<String> {
    if let Some(p) = &b.path {
        let first = p.split(',').next().unwrap_or("").trim();
        let first = first.trim_start_matches('<');
        let first = first.split('>').next().unwrap_or(first);
        if !first.is_empty() {
            return Some(first.to_string());
        }
    }
    b.received.clone()
}

/// `lookup`: 1 found, -1 not found, -2 found but the method is not
/// allowed by any binding, -3 internal error (unusable URI).
pub fn do_lookup(ctx: &mut RouteCtx<'_>, table: &str, uri: Option<&str>) -> i32 {
    let loc = &ctx.shared.location;
    let target = uri.filter(|u| !u.is_empty()).map(str::to_string).unwrap_or_else(|| ctx.ruri().to_string());
    let Some((aor, _, _)) = aor_key(&loc.usrloc, &target) else {
        return -3;
    };
    let Some(domain) = loc.usrloc.get_domain(table) else {
        return -1;
    };
    let mut v = domain.lookup(&aor, usrloc::now());
    if v.is_empty() {
        return -1;
    }
    if loc.reg.method_filtering {
        let bit = usrloc::method_bit(ctx.msg.method_str().unwrap_or(""));
        v.retain(|b| b.methods.is_none_or(|m| m & bit != 0));
        if v.is_empty() {
            return -2;
        }
    }
    sort_best_first(&mut v);
    let append = loc.reg.append_branches;
    let mut it = v.into_iter();
    let best = it.next().expect("not empty");
    ctx.new_ruri = Some(best.contact.clone());
    ctx.dst_uri = next_hop(&best);
    if append {
        for b in it {
            ctx.branches.push(Branch {
                uri: b.contact.clone(),
                dst_uri: next_hop(&b),
                q: (b.q >= 0).then_some(b.q),
                path: b.path.clone(),
                flags: b.cflags,
                socket: None,
                instance: b.instance.clone(),
                ruid: Some(b.ruid.clone()),
            });
        }
    }
    1
}

fn lookup1(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    Ret::Int(do_lookup(ctx, a[0].str(), None).into())
}
fn lookup2(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    Ret::Int(do_lookup(ctx, a[0].str(), Some(a[1].str())).into())
}

fn do_registered(ctx: &mut RouteCtx<'_>, table: &str, uri: Option<&str>) -> Ret {
    let loc = &ctx.shared.location;
    let target = uri.filter(|u| !u.is_empty()).map(str::to_string).unwrap_or_else(|| ctx.ruri().to_string());
    let Some((aor, _, _)) = aor_key(&loc.usrloc, &target) else {
        return Ret::Int(-1);
    };
    let found = loc.usrloc.get_domain(table).is_some_and(|d| !d.lookup(&aor, usrloc::now()).is_empty());
    found.into()
}
fn registered1(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    do_registered(ctx, a[0].str(), None)
}
fn registered2(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    do_registered(ctx, a[0].str(), Some(a[1].str()))
}

fn do_unregister(ctx: &mut RouteCtx<'_>, table: &str, uri: &str, ruid: Option<&str>) -> Ret {
    let loc = &ctx.shared.location;
    let Some((aor, _, _)) = aor_key(&loc.usrloc, uri) else {
        return Ret::Int(-1);
    };
    let Some(d) = loc.usrloc.get_domain(table) else {
        return Ret::Int(-1);
    };
    let removed = match ruid.filter(|r| !r.is_empty()) {
        Some(r) => d.delete_binding(&aor, r),
        None => d.delete(&aor) > 0,
    };
    removed.into()
}
fn unregister2(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    do_unregister(ctx, a[0].str(), a[1].str(), None)
}
fn unregister3(ctx: &mut RouteCtx<'_>, a: &[Arg<'_>]) -> Ret {
    do_unregister(ctx, a[0].str(), a[1].str(), Some(a[2].str()))
}

const REQ: u8 = mask::REQUEST | mask::FAILURE;

pub static EXPORTS: &[Export] = &[
    export!("registrar", "save", ["save"], [Str, Int], save2, routes = REQ),
    export!("registrar", "save_uri", ["save"], [Str, Int, Str], save3, routes = REQ),
    export!("registrar", "save_table", ["save"], [Str], save1, routes = REQ),
    export!("registrar", "lookup", ["lookup"], [Str], lookup1, routes = mask::ANY_REQUEST),
    export!("registrar", "lookup_uri", ["lookup"], [Str, Str], lookup2, routes = mask::ANY_REQUEST),
    export!("registrar", "registered", ["registered"], [Str], registered1, routes = mask::ANY_REQUEST),
    export!("registrar", "registered_uri", ["registered"], [Str, Str], registered2, routes = mask::ANY_REQUEST),
    export!("registrar", "unregister", ["unregister"], [Str, Str], unregister2, routes = mask::ANY_REQUEST),
    export!("registrar", "unregister_ruid", ["unregister"], [Str, Str, Str], unregister3, routes = mask::ANY_REQUEST),
];

#[cfg(test)]
mod tests;
