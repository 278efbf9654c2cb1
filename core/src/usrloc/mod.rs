//! usrloc: the location store (who is registered where).
//!
//! In memory, sharded: each table ("location", or any name a script passes
//! to `save`/`lookup`) is a [`Domain`] of [`SHARDS`] locked shards of
//! records by AoR ([`crate::shards`]); a message locks one shard for one AoR,
//! never the whole table. Expired bindings are purged by a timer thread
//! (`timer_interval` modparam, default 60 s) and are never returned by
//! lookups in between.
//!
//! Only `db_mode` 0 (memory only) exists for now. [`Binding`] maps 1:1 to
//! Kamailio's `location` table (version 9) so DB write-through can be added
//! without changing it:
//!
//! | column          | field                                  |
//! |-----------------|----------------------------------------|
//! | id              | (DB row id; not kept in memory)        |
//! | ruid            | `ruid` (unique, generated here)        |
//! | username        | `username`                             |
//! | domain          | `domain` (None unless `use_domain`)    |
//! | contact         | `contact`                              |
//! | received        | `received`                             |
//! | path            | `path`                                 |
//! | expires         | `expires` (absolute unix time, 0=never)|
//! | q               | `q` (×1000; -1 = not given)            |
//! | callid          | `callid`                               |
//! | cseq            | `cseq`                                 |
//! | last_modified   | `last_modified` (unix time)            |
//! | flags           | `flags`                                |
//! | cflags          | `cflags`                               |
//! | user_agent      | `user_agent`                           |
//! | socket          | `socket` (`proto:ip:port`)             |
//! | methods         | `methods` (bitmask, -1/None = all)     |
//! | instance        | `instance` (+sip.instance)             |
//! | reg_id          | `reg_id`                               |
//! | server_id       | `server_id`                            |
//! | connection_id   | `connection_id`                        |
//! | keepalive       | `keepalive`                            |
//! | partition       | `partition`                            |

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::shards::{Keyed, Sharded};

/// Shards per table.
pub const SHARDS: usize = 64;

/// Current unix time in seconds.
pub fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// One contact bound to an AoR (one row of the `location` table).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Binding {
    pub ruid: String,
    pub username: String,
    pub domain: Option<String>,
    /// The Contact URI as registered.
    pub contact: String,
    /// Source `sip:ip:port;transport=x` when the UA is behind NAT.
    pub received: Option<String>,
    /// Path header value(s) (RFC 3327), comma-joined.
    pub path: Option<String>,
    /// Absolute expiry (unix seconds); 0 = never expires.
    pub expires: i64,
    /// q ×1000; -1 = not given.
    pub q: i32,
    pub callid: String,
    pub cseq: u32,
    pub last_modified: i64,
    pub flags: u32,
    pub cflags: u32,
    pub user_agent: String,
    /// Receiving socket as `proto:ip:port`.
    pub socket: Option<String>,
    /// Allowed methods as a bitmask of [`method_bit`]; None = all.
    pub methods: Option<u32>,
    /// `+sip.instance` (RFC 5626), as written.
    pub instance: Option<String>,
    pub reg_id: u32,
    pub server_id: i32,
    pub connection_id: i64,
    pub keepalive: i32,
    pub partition: i32,
}

impl Binding {
    pub fn is_expired(&self, now: i64) -> bool {
        self.expires != 0 && self.expires <= now
    }
    /// Seconds left (0 when expired; u32::MAX-ish never for permanent).
    pub fn remaining(&self, now: i64) -> u32 {
        if self.expires == 0 {
            return 0;
        }
        (self.expires - now).max(0) as u32
    }
    /// The AoR this binding belongs to (`user` or `user@domain`).
    pub fn aor(&self) -> String {
        match &self.domain {
            Some(d) => format!("{}@{}", self.username, d),
            None => self.username.clone(),
        }
    }
}

/// Bit of a method in [`Binding::methods`] (Kamailio's method numbering
/// order); unknown methods get the "other" bit.
pub fn method_bit(method: &str) -> u32 {
    const M: &[&str] = &[
        "INVITE", "CANCEL", "ACK", "BYE", "INFO", "REGISTER", "SUBSCRIBE", "NOTIFY", "MESSAGE",
        "OPTIONS", "PRACK", "UPDATE", "REFER", "PUBLISH",
    ];
    match M.iter().position(|m| m.eq_ignore_ascii_case(method)) {
        Some(i) => 1 << i,
        None => 1 << 15,
    }
}

/// Bitmask of an Allow-style comma list.
pub fn methods_mask(list: &str) -> u32 {
    list.split(',').map(str::trim).filter(|s| !s.is_empty()).fold(0, |m, s| m | method_bit(s))
}

/// All the bindings of one AoR.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record {
    pub aor: String,
    pub bindings: Vec<Binding>,
}

/// Settings from the usrloc modparams.
#[derive(Debug, Clone)]
pub struct UlSettings {
    /// AoR = user@domain when set, else user only.
    pub use_domain: bool,
    /// Expiry timer period.
    pub timer_interval: Duration,
    pub db_mode: i32,
}

impl Default for UlSettings {
    fn default() -> Self {
        UlSettings { use_domain: false, timer_interval: Duration::from_secs(60), db_mode: 0 }
    }
}

impl UlSettings {
    pub fn from_config(cfg: &crate::cfg::Config) -> UlSettings {
        let int = |n: &str| cfg.modparam("usrloc", n).and_then(|v| v.as_int());
        let d = UlSettings::default();
        UlSettings {
            use_domain: int("use_domain").map_or(d.use_domain, |v| v != 0),
            timer_interval: int("timer_interval")
                .filter(|v| *v > 0)
                .map_or(d.timer_interval, |v| Duration::from_secs(v as u64)),
            db_mode: int("db_mode").unwrap_or(0) as i32,
        }
    }
}

/// One table (Kamailio "udomain"): sharded map AoR → Record.
pub struct Domain {
    pub name: String,
    records: Sharded<Record>,
}

impl Keyed for Record {
    type Key = str;
    fn key(&self) -> &str {
        &self.aor
    }
}

impl Domain {
    pub fn new(name: &str) -> Domain {
        Domain { name: name.to_string(), records: Sharded::new(SHARDS) }
    }

    /// Run `f` on the bindings of `aor` (expired ones already dropped)
    /// under the shard lock: check-and-update is atomic per AoR. The record
    /// is removed when `f` leaves it empty.
    pub fn with_bindings<R>(&self, aor: &str, now: i64, f: impl FnOnce(&mut Vec<Binding>) -> R) -> R {
        let mut shard = self.records.lock(aor);
        // In place when the AoR is known (the common refresh): no key copy,
        // no second hash.
        if let Some(rec) = shard.get_mut(aor) {
            rec.bindings.retain(|b| !b.is_expired(now));
            let r = f(&mut rec.bindings);
            if rec.bindings.is_empty() {
                shard.remove(aor);
            }
            return r;
        }
        let mut rec = Record { aor: aor.to_string(), bindings: Vec::new() };
        let r = f(&mut rec.bindings);
        if !rec.bindings.is_empty() {
            shard.insert_new(rec);
        }
        r
    }

    /// The live bindings of `aor` (empty when none).
    pub fn lookup(&self, aor: &str, now: i64) -> Vec<Binding> {
        self.records
            .lock(aor)
            .get(aor)
            .map(|r| r.bindings.iter().filter(|b| !b.is_expired(now)).cloned().collect())
            .unwrap_or_default()
    }

    /// Insert a binding, or replace the one with the same contact URI.
    pub fn save(&self, aor: &str, b: Binding) {
        self.with_bindings(aor, now(), |v| match v.iter_mut().find(|x| x.contact == b.contact) {
            Some(x) => *x = b,
            None => v.push(b),
        })
    }

    /// Update the binding with `ruid`; false when absent.
    pub fn update(&self, aor: &str, b: Binding) -> bool {
        self.with_bindings(aor, now(), |v| match v.iter_mut().find(|x| x.ruid == b.ruid) {
            Some(x) => {
                *x = b;
                true
            }
            None => false,
        })
    }

    /// Remove one binding by ruid; false when absent.
    pub fn delete_binding(&self, aor: &str, ruid: &str) -> bool {
        self.with_bindings(aor, now(), |v| {
            let n = v.len();
            v.retain(|b| b.ruid != ruid);
            v.len() != n
        })
    }

    /// Remove every binding of `aor`; returns how many there were.
    pub fn delete(&self, aor: &str) -> usize {
        self.records.lock(aor).remove(aor).map_or(0, |r| r.bindings.len())
    }

    /// Every AoR with at least one binding.
    pub fn list(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.records.each_shard(|t| out.extend(t.iter().map(|r| r.aor.clone())));
        out.sort();
        out
    }

    /// A snapshot of every record (for `ul.dump`).
    pub fn dump(&self) -> Vec<Record> {
        let mut out = Vec::new();
        self.records.each_shard(|t| out.extend(t.iter().cloned()));
        out.sort_by(|a, b| a.aor.cmp(&b.aor));
        out
    }

    /// Drop expired bindings (and empty records); returns how many.
    pub fn purge_expired(&self, now: i64) -> usize {
        let mut n = 0;
        self.records.each_shard(|t| {
            t.retain(|r| {
                let before = r.bindings.len();
                r.bindings.retain(|b| !b.is_expired(now));
                n += before - r.bindings.len();
                !r.bindings.is_empty()
            })
        });
        n
    }

    /// Number of bindings (expired ones not yet purged included).
    pub fn binding_count(&self) -> usize {
        let mut n = 0;
        self.records.each_shard(|t| n += t.iter().map(|r| r.bindings.len()).sum::<usize>());
        n
    }
}

/// The whole location service: every table, the settings, the timer.
pub struct Usrloc {
    pub settings: UlSettings,
    domains: RwLock<HashMap<String, Arc<Domain>>>,
    ruid_prefix: String,
    ruid_counter: AtomicU64,
}

impl Usrloc {
    /// A store with the `location` table; call [`Usrloc::start_timer`] to
    /// purge expired bindings in the background.
    pub fn new(settings: UlSettings) -> Arc<Usrloc> {
        let mut d = HashMap::new();
        d.insert("location".to_string(), Arc::new(Domain::new("location")));
        Arc::new(Usrloc {
            settings,
            domains: RwLock::new(d),
            ruid_prefix: format!("uloc-{:x}-{:x}", now(), std::process::id()),
            ruid_counter: AtomicU64::new(1),
        })
    }

    /// The table `name`, created on first use.
    pub fn domain(&self, name: &str) -> Arc<Domain> {
        if let Some(d) = self.domains.read().unwrap_or_else(|e| e.into_inner()).get(name) {
            return d.clone();
        }
        let mut w = self.domains.write().unwrap_or_else(|e| e.into_inner());
        w.entry(name.to_string()).or_insert_with(|| Arc::new(Domain::new(name))).clone()
    }

    /// Existing tables only.
    pub fn get_domain(&self, name: &str) -> Option<Arc<Domain>> {
        self.domains.read().unwrap_or_else(|e| e.into_inner()).get(name).cloned()
    }

    pub fn domain_names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.domains.read().unwrap_or_else(|e| e.into_inner()).keys().cloned().collect();
        v.sort();
        v
    }

    /// A new unique record id.
    pub fn new_ruid(&self) -> String {
        format!("{}-{}", self.ruid_prefix, self.ruid_counter.fetch_add(1, Ordering::Relaxed))
    }

    /// The AoR key for a user and domain per `use_domain`.
    pub fn aor(&self, user: &str, domain: &str) -> String {
        if self.settings.use_domain {
            let mut k = String::with_capacity(user.len() + 1 + domain.len());
            k.push_str(user);
            k.push('@');
            k.extend(domain.chars().map(|c| c.to_ascii_lowercase()));
            k
        } else {
            user.to_string()
        }
    }

    /// Purge expired bindings of every table.
    pub fn purge_expired(&self, now: i64) -> usize {
        let ds: Vec<Arc<Domain>> = self.domains.read().unwrap_or_else(|e| e.into_inner()).values().cloned().collect();
        ds.iter().map(|d| d.purge_expired(now)).sum()
    }

    /// Start the expiry timer thread (period `interval`). It holds only a
    /// weak reference and ends when the store is dropped.
    pub fn start_timer(self: &Arc<Self>, interval: Duration) {
        let weak: Weak<Usrloc> = Arc::downgrade(self);
        let _ = std::thread::Builder::new().name("sb-usrloc".into()).spawn(move || loop {
            std::thread::sleep(interval);
            match weak.upgrade() {
                Some(ul) => {
                    let n = ul.purge_expired(now());
                    if n > 0 {
                        tracing::debug!("usrloc: purged {n} expired binding(s)");
                    }
                }
                None => return,
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(contact: &str, expires: i64) -> Binding {
        Binding { contact: contact.into(), username: "alice".into(), expires, q: -1, ..Default::default() }
    }

    #[test]
    fn add_refresh_remove() {
        let ul = Usrloc::new(UlSettings::default());
        let d = ul.domain("location");
        let t = now();
        d.save("alice", Binding { ruid: ul.new_ruid(), ..b("sip:a@1.2.3.4", t + 100) });
        d.save("alice", Binding { ruid: ul.new_ruid(), ..b("sip:a@5.6.7.8", t + 100) });
        assert_eq!(d.lookup("alice", t).len(), 2);
        // refresh = same contact replaced
        d.save("alice", b("sip:a@1.2.3.4", t + 500));
        let v = d.lookup("alice", t);
        assert_eq!(v.len(), 2);
        assert_eq!(v.iter().find(|x| x.contact == "sip:a@1.2.3.4").unwrap().expires, t + 500);
        let ruid = v.iter().find(|x| x.contact == "sip:a@5.6.7.8").unwrap().ruid.clone();
        let mut upd = v.iter().find(|x| x.ruid == ruid).unwrap().clone();
        upd.cseq = 9;
        assert!(d.update("alice", upd));
        assert_eq!(d.lookup("alice", t).iter().find(|x| x.ruid == ruid).unwrap().cseq, 9);
        assert!(d.delete_binding("alice", &ruid));
        assert!(!d.delete_binding("alice", &ruid));
        assert_eq!(d.list(), vec!["alice".to_string()]);
        assert_eq!(d.dump().len(), 1);
        assert_eq!(d.delete("alice"), 1);
        assert!(d.lookup("alice", t).is_empty());
        assert!(d.list().is_empty());
        assert_ne!(ul.new_ruid(), ul.new_ruid());
    }

    #[test]
    fn expired_are_invisible_and_purged_by_the_timer() {
        let ul = Usrloc::new(UlSettings::default());
        let d = ul.domain("location");
        let t = now();
        d.save("bob", b("sip:old@h", t - 1));
        d.save("bob", b("sip:new@h", t + 1000));
        d.save("carol", b("sip:c@h", t - 5));
        assert_eq!(d.lookup("bob", t).len(), 1);
        assert_eq!(d.binding_count(), 2, "saving bob dropped bob's expired one; carol's stays until purged");
        ul.start_timer(Duration::from_millis(20));
        let deadline = std::time::Instant::now() + Duration::from_secs(3);
        while d.binding_count() != 1 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(d.binding_count(), 1);
        assert_eq!(d.list(), vec!["bob".to_string()]);
    }

    #[test]
    fn permanent_binding_never_expires() {
        let x = b("sip:p@h", 0);
        assert!(!x.is_expired(now() + 1_000_000));
    }

    #[test]
    fn sharded_concurrency() {
        let ul = Usrloc::new(UlSettings::default());
        let t = now();
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let ul = ul.clone();
                std::thread::spawn(move || {
                    let d = ul.domain("location");
                    for j in 0..200 {
                        let aor = format!("user{}", j % 50);
                        d.save(&aor, Binding { ruid: ul.new_ruid(), ..b(&format!("sip:{i}-{j}@h"), t + 60) });
                        let _ = d.lookup(&aor, t);
                    }
                })
            })
            .collect();
        for th in threads {
            th.join().unwrap();
        }
        let d = ul.domain("location");
        assert_eq!(d.binding_count(), 8 * 200);
        assert_eq!(d.list().len(), 50);
        let mut ruids: Vec<String> = d.dump().into_iter().flat_map(|r| r.bindings).map(|b| b.ruid).collect();
        ruids.sort();
        ruids.dedup();
        assert_eq!(ruids.len(), 1600);
    }

    #[test]
    fn aor_per_use_domain() {
        let ul = Usrloc::new(UlSettings { use_domain: true, ..Default::default() });
        assert_eq!(ul.aor("alice", "Example.COM"), "alice@example.com");
        let ul = Usrloc::new(UlSettings::default());
        assert_eq!(ul.aor("alice", "example.com"), "alice");
        assert_eq!(method_bit("invite"), 1);
        assert_eq!(methods_mask("INVITE, ACK"), 1 | 4);
    }
}
