//! The core's RPC commands. Names and result shapes follow Kamailio's
//! where switchboard has the same data; what differs is said per command.

use std::sync::OnceLock;

use super::{int_param, json, method_names, str_param, Handler, RpcError, RpcResult, Value};
use crate::route::Shared;
use crate::usrloc::{self, Binding};

/// (name, help, handler) of every core command.
pub(super) const BUILTIN: &[(&str, &str, Handler)] = &[
    ("system.listMethods", "Lists the RPC methods supported by the server.", list_methods),
    ("system.methodHelp", "Returns the help text of a method: system.methodHelp <method>.", method_help),
    ("core.version", "Returns the version string of the server.", version),
    ("core.uptime", "Returns the current time, the start time and the uptime in seconds.", uptime),
    ("core.ps", "Returns the threads of the server: id, description, ...", ps),
    ("core.psx", "Returns the threads of the server as {IDX, PID, DSC} records.", psx),
    ("tm.stats", "Returns the transaction statistics (current transactions).", tm_stats),
    ("ul.dump", "Dumps the location tables: ul.dump [brief].", ul_dump),
    ("ul.lookup", "Looks up an AoR: ul.lookup <table> <aor>.", ul_lookup),
    ("ul.rm", "Deletes an AoR and its contacts: ul.rm <table> <aor>.", ul_rm),
    ("stats.get_statistics", "Returns statistics: stats.get_statistics all | <group>: | <name> ...", get_statistics),
];

static STARTED: OnceLock<i64> = OnceLock::new();

/// Remember the start time for `core.uptime` (the first call wins).
pub fn mark_started() {
    STARTED.get_or_init(usrloc::now);
}

fn list_methods(_: &Shared, _: &[Value]) -> RpcResult {
    Ok(json!(method_names()))
}

fn method_help(_: &Shared, params: &[Value]) -> RpcResult {
    let name = str_param(params, 0, "method")?;
    super::method_help(&name).map(|h| json!(h)).ok_or((super::METHOD_NOT_FOUND, "Method Not Found".into()))
}

/// The version string, as `kamailio -v`'s first line.
pub fn version_string() -> String {
    format!(
        "switchboard {} ({}/{})",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::ARCH,
        std::env::consts::OS
    )
}

fn version(_: &Shared, _: &[Value]) -> RpcResult {
    Ok(json!(version_string()))
}

/// ctime(3)-style local time, without the newline.
fn ctime(t: i64) -> String {
    let mut buf = [0 as libc::c_char; 64];
    let tt = t as libc::time_t;
    // SAFETY: ctime_r writes at most 26 bytes into the 64-byte buffer and
    // NUL-terminates it.
    let p = unsafe { libc::ctime_r(&tt, buf.as_mut_ptr()) };
    if p.is_null() {
        return t.to_string();
    }
    // SAFETY: p points into buf, NUL-terminated.
    let s = unsafe { std::ffi::CStr::from_ptr(p) };
    s.to_string_lossy().trim_end().to_string()
}

fn uptime(_: &Shared, _: &[Value]) -> RpcResult {
    let now = usrloc::now();
    let since = *STARTED.get_or_init(usrloc::now);
    Ok(json!({"now": ctime(now), "up_since": ctime(since), "uptime": now - since}))
}

/// The server's threads (Kamailio lists processes; switchboard is one
/// process of named threads): (thread id, name).
fn threads() -> Vec<(i64, String)> {
    let mut out = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else { return out };
    for e in dir.flatten() {
        let Some(tid) = e.file_name().to_str().and_then(|s| s.parse::<i64>().ok()) else { continue };
        let name = std::fs::read_to_string(e.path().join("comm")).unwrap_or_default();
        out.push((tid, name.trim().to_string()));
    }
    out.sort();
    out
}

fn ps(_: &Shared, _: &[Value]) -> RpcResult {
    Ok(Value::Array(threads().into_iter().flat_map(|(tid, name)| [json!(tid), json!(name)]).collect()))
}

fn psx(_: &Shared, _: &[Value]) -> RpcResult {
    let v = threads()
        .into_iter()
        .enumerate()
        .map(|(i, (tid, name))| json!({"IDX": i, "PID": tid, "DSC": name}))
        .collect();
    Ok(Value::Array(v))
}

/// Kamailio's `current`, and switchboard's `timers`: timers armed on the
/// wheel (a transaction that is done leaves none behind).
fn tm_stats(shared: &Shared, _: &[Value]) -> RpcResult {
    Ok(json!({"current": shared.tm.count(), "timers": shared.tm.timers_pending()}))
}

fn or_not_set(v: &Option<String>) -> Value {
    json!(v.as_deref().unwrap_or("[not set]"))
}

/// One contact as Kamailio's `ul.dump` shows it (`Expires` in seconds
/// left, or "permanent").
fn contact_json(b: &Binding, now: i64, brief: bool) -> Value {
    let expires = if b.expires == 0 { json!("permanent") } else { json!(b.remaining(now)) };
    if brief {
        return json!({"Contact": {"Address": b.contact, "Expires": expires}});
    }
    json!({"Contact": {
        "Address": b.contact,
        "Expires": expires,
        "Q": b.q,
        "Call-ID": b.callid,
        "CSeq": b.cseq,
        "User-Agent": b.user_agent,
        "Received": or_not_set(&b.received),
        "Path": or_not_set(&b.path),
        "Flags": b.flags,
        "CFlags": b.cflags,
        "Socket": or_not_set(&b.socket),
        "Methods": b.methods.map_or(json!(-1), |m| json!(m)),
        "Ruid": b.ruid,
        "Instance": or_not_set(&b.instance),
        "Reg-Id": b.reg_id,
        "Server-Id": b.server_id,
        "Tcpconn-Id": b.connection_id,
        "Keepalive": b.keepalive,
        "Last-Modified": b.last_modified,
    }})
}

fn contacts_json(bindings: &[Binding], now: i64, brief: bool) -> Value {
    Value::Array(bindings.iter().filter(|b| !b.is_expired(now)).map(|b| contact_json(b, now, brief)).collect())
}

fn ul_dump(shared: &Shared, params: &[Value]) -> RpcResult {
    let brief = match params.first() {
        None => false,
        Some(_) => str_param(params, 0, "mode")? == "brief",
    };
    let ul = &shared.location.usrloc;
    let now = usrloc::now();
    let mut domains = Vec::new();
    for name in ul.domain_names() {
        let Some(d) = ul.get_domain(&name) else { continue };
        let aors: Vec<Value> = d
            .dump()
            .into_iter()
            .map(|r| json!({"Info": {"AoR": r.aor, "Contacts": contacts_json(&r.bindings, now, brief)}}))
            .collect();
        let records = aors.len();
        domains.push(json!({"Domain": {
            "Domain": name,
            "Size": usrloc::SHARDS,
            "AoRs": aors,
            "Stats": {"Records": records},
        }}));
    }
    Ok(json!({"Domains": domains}))
}

/// The table and the AoR key of `ul.lookup` / `ul.rm`: a SIP URI, or
/// `user[@domain]` as stored (the domain is dropped without use_domain).
fn table_and_aor(shared: &Shared, params: &[Value]) -> Result<(std::sync::Arc<usrloc::Domain>, String), RpcError> {
    let table = str_param(params, 0, "table")?;
    let aor = str_param(params, 1, "aor")?;
    let ul = &shared.location.usrloc;
    let d = ul.get_domain(&table).ok_or((500, "Domain not found".to_string()))?;
    let key = if aor.starts_with("sip:") || aor.starts_with("sips:") {
        crate::modules::registrar::aor_key(ul, &aor).map(|(k, _, _)| k)
    } else {
        match aor.split_once('@') {
            Some((user, domain)) => Some(ul.aor(user, domain)),
            None => Some(aor.clone()),
        }
    };
    Ok((d, key.ok_or_else(|| super::invalid_params("aor: not an AoR"))?))
}

fn ul_lookup(shared: &Shared, params: &[Value]) -> RpcResult {
    let (d, aor) = table_and_aor(shared, params)?;
    let now = usrloc::now();
    let bindings = d.lookup(&aor, now);
    if bindings.is_empty() {
        return Err((404, "AOR not found".into()));
    }
    Ok(json!({"AoR": aor, "Contacts": contacts_json(&bindings, now, false)}))
}

fn ul_rm(shared: &Shared, params: &[Value]) -> RpcResult {
    let (d, aor) = table_and_aor(shared, params)?;
    if d.delete(&aor) == 0 {
        return Err((404, "AOR not found".into()));
    }
    Ok(Value::Null)
}

/// The statistics switchboard keeps, as (group, name, value).
fn statistics(shared: &Shared) -> Vec<(&'static str, String, usize)> {
    let ul = &shared.location.usrloc;
    let mut v = vec![("tmx", "active_transactions".to_string(), shared.tm.count())];
    let mut users = 0;
    for name in ul.domain_names() {
        let Some(d) = ul.get_domain(&name) else { continue };
        let aors = d.list().len();
        users += aors;
        v.push(("usrloc", format!("{name}-users"), aors));
        v.push(("usrloc", format!("{name}-contacts"), d.binding_count()));
    }
    v.push(("usrloc", "registered_users".to_string(), users));
    v
}

/// Kamailio's answer: an array of `"group:name = value"` strings for the
/// asked names (`all`, `group:` or a statistic name).
fn get_statistics(shared: &Shared, params: &[Value]) -> RpcResult {
    if params.is_empty() {
        return Err(super::invalid_params("missing parameter: all, group: or a statistic name"));
    }
    let stats = statistics(shared);
    let mut out = Vec::new();
    for i in 0..params.len() {
        let want = str_param(params, i, "statistic")?;
        for (group, name, value) in &stats {
            let hit = want == "all"
                || want.strip_suffix(':') == Some(group)
                || want == *name
                || want == format!("{group}:{name}");
            if hit {
                out.push(json!(format!("{group}:{name} = {value}")));
            }
        }
    }
    Ok(Value::Array(out))
}

/// `app_*.set_reset_cycles`-style helper for commands that take one
/// non-negative integer.
pub fn non_negative(params: &[Value], name: &str) -> Result<u64, RpcError> {
    let n = int_param(params, 0, name)?;
    u64::try_from(n).map_err(|_| super::invalid_params(format!("{name}: must be >= 0")))
}
