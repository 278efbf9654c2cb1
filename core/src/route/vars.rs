//! Per-worker script variables (`$var(x)`): like Kamailio's, they live in
//! the worker, survive from one message to the next and are not shared.
//!
//! A name is numbered once, process-wide, when a script that mentions it is
//! compiled (or a KEMI call first names it): the compiled `$var(x)` holds
//! its [`VarSlot`], so reading or writing it per message is a vector index,
//! not a string lookup. Numbers are never reused; a worker's vector grows to
//! the highest slot it has written.

use std::collections::HashMap;
use std::sync::{LazyLock, RwLock};

use super::Value;

/// The number of one `$var` name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VarSlot(u32);

static NAMES: LazyLock<RwLock<HashMap<String, u32>>> = LazyLock::new(Default::default);

impl VarSlot {
    /// The slot of `name`, numbering it on first sight.
    pub fn of(name: &str) -> VarSlot {
        if let Some(&n) = NAMES.read().unwrap_or_else(|e| e.into_inner()).get(name) {
            return VarSlot(n);
        }
        let mut names = NAMES.write().unwrap_or_else(|e| e.into_inner());
        let next = names.len() as u32;
        VarSlot(*names.entry(name.to_string()).or_insert(next))
    }
}

/// One worker's `$var` values, by slot.
#[derive(Debug, Default, Clone)]
pub struct Vars {
    values: Vec<Option<Value>>,
}

impl Vars {
    pub fn new() -> Vars {
        Vars::default()
    }

    /// The value, if this worker has set it.
    pub fn get_slot(&self, slot: VarSlot) -> Option<&Value> {
        self.values.get(slot.0 as usize).and_then(Option::as_ref)
    }

    pub fn set_slot(&mut self, slot: VarSlot, v: Value) {
        let i = slot.0 as usize;
        if i >= self.values.len() {
            self.values.resize(i + 1, None);
        }
        self.values[i] = Some(v);
    }

    /// By name (tools and tests; scripts use slots).
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.get_slot(VarSlot::of(name))
    }

    /// By name (tools and tests; scripts use slots).
    pub fn insert(&mut self, name: String, v: Value) {
        self.set_slot(VarSlot::of(&name), v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_get_stable_slots_and_values_stay_per_table() {
        let (a, b) = (VarSlot::of("vars_test_a"), VarSlot::of("vars_test_b"));
        assert_ne!(a, b);
        assert_eq!(VarSlot::of("vars_test_a"), a, "numbered once");
        let mut one = Vars::new();
        let two = Vars::new();
        assert_eq!(one.get_slot(b), None);
        one.set_slot(b, Value::Int(7));
        one.insert("vars_test_a".into(), Value::Str("x".into()));
        assert_eq!(one.get("vars_test_b"), Some(&Value::Int(7)));
        assert_eq!(one.get_slot(a), Some(&Value::Str("x".into())));
        assert_eq!(two.get_slot(b), None, "each worker has its own values");
    }
}
