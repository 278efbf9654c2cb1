//! Values and AVPs (attribute-value pairs) of one message or transaction.
//!
//! An AVP name holds a stack of values: assigning adds on top, reading
//! gives the top (the newest), `$(avp(x)[*])` addresses all of them.

use std::fmt;

/// A script value: Kamailio values are integers or strings, or null.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Value {
    #[default]
    Null,
    Int(i64),
    Str(String),
}

impl Value {
    /// The value as a number (Kamailio's int conversion: strings that are
    /// not numbers are 0).
    pub fn as_int(&self) -> i64 {
        match self {
            Value::Null => 0,
            Value::Int(i) => *i,
            Value::Str(s) => s.trim().parse().unwrap_or(0),
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

impl fmt::Display for Value {
    /// Null prints as `<null>`, as Kamailio's xlog does.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("<null>"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Str(s) => f.write_str(s),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Str(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(s)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Int(i)
    }
}

/// The AVP list: few names per message, so a vector beats a map.
#[derive(Debug, Clone, Default)]
pub struct Avps {
    entries: Vec<Entry>,
}

/// One name's stack: values oldest first, and each value's flags
/// (`avpflags` bits, `setavpflag`).
#[derive(Debug, Clone)]
struct Entry {
    name: String,
    values: Vec<Value>,
    flags: Vec<u32>,
}

impl Avps {
    fn slot(&self, name: &str) -> Option<&Vec<Value>> {
        self.entries.iter().find(|e| e.name == name).map(|e| &e.values)
    }

    /// Add a value on top of `name`'s stack.
    pub fn push(&mut self, name: &str, value: Value) {
        match self.entries.iter_mut().find(|e| e.name == name) {
            Some(e) => {
                e.values.push(value);
                e.flags.push(0);
            }
            None => self.entries.push(Entry { name: name.to_string(), values: vec![value], flags: vec![0] }),
        }
    }

    /// The newest value.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.slot(name).and_then(|v| v.last())
    }

    /// Value `idx` counted from the newest (0 = newest), as `$(avp(x)[idx])`.
    pub fn get_index(&self, name: &str, idx: usize) -> Option<&Value> {
        self.slot(name).and_then(|v| v.iter().rev().nth(idx))
    }

    /// All values, newest first.
    pub fn all(&self, name: &str) -> impl Iterator<Item = &Value> {
        self.slot(name).into_iter().flat_map(|v| v.iter().rev())
    }

    pub fn count(&self, name: &str) -> usize {
        self.slot(name).map_or(0, Vec::len)
    }

    /// Remove the newest value (`$avp(x) = $null`).
    pub fn pop(&mut self, name: &str) -> Option<Value> {
        let pos = self.entries.iter().position(|e| e.name == name)?;
        let e = &mut self.entries[pos];
        e.flags.pop();
        let v = e.values.pop();
        if e.values.is_empty() {
            self.entries.remove(pos);
        }
        v
    }

    /// Remove every value (`$(avp(x)[*]) = $null`).
    pub fn remove_all(&mut self, name: &str) {
        self.entries.retain(|e| e.name != name);
    }

    /// Replace the whole stack by one value (`$(avp(x)[*]) = v`).
    pub fn set_only(&mut self, name: &str, value: Value) {
        self.remove_all(name);
        self.push(name, value);
    }

    /// Set or clear flag bit `bit` of value `idx` (0 = newest) of `name`
    /// (`setavpflag` / `resetavpflag`); false when there is no such value.
    pub fn set_flag(&mut self, name: &str, idx: usize, bit: u32, on: bool) -> bool {
        let Some(e) = self.entries.iter_mut().find(|e| e.name == name) else { return false };
        let Some(f) = e.flags.iter_mut().rev().nth(idx) else { return false };
        if on {
            *f |= 1 << bit;
        } else {
            *f &= !(1 << bit);
        }
        true
    }

    /// Is flag bit `bit` of value `idx` (0 = newest) of `name` set
    /// (`isavpflagset`)?
    pub fn flag_is_set(&self, name: &str, idx: usize, bit: u32) -> bool {
        self.entries
            .iter()
            .find(|e| e.name == name)
            .and_then(|e| e.flags.iter().rev().nth(idx))
            .is_some_and(|f| f & (1 << bit) != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn avp_stack() {
        let mut a = Avps::default();
        a.push("x", Value::Int(1));
        a.push("x", "two".into());
        assert_eq!(a.get("x"), Some(&Value::Str("two".into())));
        assert_eq!(a.get_index("x", 1), Some(&Value::Int(1)));
        assert_eq!(a.count("x"), 2);
        assert_eq!(a.all("x").count(), 2);
        a.pop("x");
        assert_eq!(a.get("x"), Some(&Value::Int(1)));
        a.set_only("x", Value::Int(7));
        assert_eq!(a.count("x"), 1);
        a.remove_all("x");
        assert!(a.get("x").is_none());
    }

    #[test]
    fn flags_belong_to_one_value() {
        let mut a = Avps::default();
        assert!(!a.set_flag("x", 0, 2, true), "no such AVP");
        a.push("x", Value::Int(1));
        a.push("x", Value::Int(2));
        assert!(a.set_flag("x", 1, 2, true));
        assert!(a.flag_is_set("x", 1, 2) && !a.flag_is_set("x", 0, 2) && !a.flag_is_set("x", 1, 3));
        a.pop("x");
        assert!(a.flag_is_set("x", 0, 2), "the older value keeps its flag");
        assert!(a.set_flag("x", 0, 2, false));
        assert!(!a.flag_is_set("x", 0, 2));
        a.set_only("x", Value::Int(3));
        assert!(!a.flag_is_set("x", 0, 2), "a new value starts without flags");
    }

    #[test]
    fn value_conversions() {
        assert_eq!(Value::Str(" 42".into()).as_int(), 42);
        assert_eq!(Value::Str("abc".into()).as_int(), 0);
        assert_eq!(Value::Null.to_string(), "<null>");
    }
}
