//! Switchboard::Shared's store: one map per process, seen by the Perl
//! interpreter of every worker thread, and kept when an interpreter is
//! reset (reset_cycles) — it lives as long as the server.
//!
//! Keys are (namespace, key) strings; values are plain scalars: an
//! integer, a string or undef (a script [`Value`], null for undef). [`add`] increments under the lock, so
//! counters updated by several workers at once lose nothing.
//!
//! Perl reaches it through the `Switchboard::Shared::_*` subs (see
//! [`crate::dispatch`]) that perl-lib/Switchboard/Shared.pm wraps in a
//! tied-hash class. This is switchboard's own: Kamailio has no such
//! module.

use std::collections::{BTreeMap, HashMap};
use std::sync::{LazyLock, Mutex, MutexGuard};

use switchboard_core::route::Value;

/// namespace → (key → value). A namespace's keys are kept sorted, so
/// iteration (`keys %h`) has a stable order.
type Store = HashMap<String, BTreeMap<String, Value>>;

static STORE: LazyLock<Mutex<Store>> = LazyLock::new(|| Mutex::new(HashMap::new()));

fn store() -> MutexGuard<'static, Store> {
    // A panic while holding the lock cannot leave a map half-updated
    // (every operation is one map call): keep going.
    STORE.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub fn fetch(ns: &str, key: &str) -> Option<Value> {
    store().get(ns).and_then(|m| m.get(key)).cloned()
}

pub fn store_value(ns: &str, key: &str, value: Value) {
    store().entry(ns.to_string()).or_default().insert(key.to_string(), value);
}

pub fn exists(ns: &str, key: &str) -> bool {
    store().get(ns).is_some_and(|m| m.contains_key(key))
}

/// Removes the key; its value if it was there.
pub fn delete(ns: &str, key: &str) -> Option<Value> {
    let mut s = store();
    let m = s.get_mut(ns)?;
    let old = m.remove(key);
    if m.is_empty() {
        s.remove(ns);
    }
    old
}

/// Empties the namespace.
pub fn clear(ns: &str) {
    store().remove(ns);
}

/// The namespace's keys, sorted (a snapshot).
pub fn keys(ns: &str) -> Vec<String> {
    store().get(ns).map(|m| m.keys().cloned().collect()).unwrap_or_default()
}

/// How many keys the namespace has.
pub fn len(ns: &str) -> usize {
    store().get(ns).map_or(0, BTreeMap::len)
}

/// Adds `n` to the key's value (a missing key or undef counts as 0)
/// under the store's lock and returns the new value. Err when the value
/// held is not an integer, or on overflow.
pub fn add(ns: &str, key: &str, n: i64) -> Result<i64, String> {
    let mut s = store();
    let m = s.entry(ns.to_string()).or_default();
    let old = match m.get(key) {
        None | Some(Value::Null) => 0,
        Some(Value::Int(i)) => *i,
        Some(Value::Str(t)) => t.trim().parse::<i64>().map_err(|_| format!("the value of '{key}' is not an integer: '{t}'"))?,
    };
    let new = old.checked_add(n).ok_or_else(|| format!("adding {n} to '{key}' ({old}) overflows"))?;
    m.insert(key.to_string(), Value::Int(new));
    Ok(new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_and_concurrent_add() {
        let ns = "shared-rs-unit";
        clear(ns);
        assert_eq!(fetch(ns, "a"), None);
        store_value(ns, "a", Value::Str("x".into()));
        store_value(ns, "b", Value::Int(2));
        assert!(exists(ns, "a") && !exists(ns, "c"));
        assert_eq!(keys(ns), vec!["a", "b"]);
        assert_eq!(len(ns), 2);
        assert!(add(ns, "a", 1).is_err(), "not an integer");
        assert_eq!(add(ns, "b", 3), Ok(5));
        assert_eq!(delete(ns, "a"), Some(Value::Str("x".into())));
        assert_eq!(delete(ns, "a"), None);
        let threads: Vec<_> = (0..4)
            .map(|_| {
                std::thread::spawn(move || {
                    for _ in 0..1000 {
                        add(ns, "n", 1).unwrap();
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(fetch(ns, "n"), Some(Value::Int(4000)));
        assert_eq!(add(ns, "b", i64::MAX).unwrap_err(), "adding 9223372036854775807 to 'b' (5) overflows");
        clear(ns);
        assert_eq!(len(ns), 0);
    }
}
