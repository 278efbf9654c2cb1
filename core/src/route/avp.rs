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
    entries: Vec<(String, Vec<Value>)>,
}

impl Avps {
    fn slot(&self, name: &str) -> Option<&Vec<Value>> {
        self.entries.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// Add a value on top of `name`'s stack.
    pub fn push(&mut self, name: &str, value: Value) {
        match self.entries.iter_mut().find(|(n, _)| n == name) {
            Some((_, v)) => v.push(value),
            None => self.entries.push((name.to_string(), vec![value])),
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
        let pos = self.entries.iter().position(|(n, _)| n == name)?;
        let v = self.entries[pos].1.pop();
        if self.entries[pos].1.is_empty() {
            self.entries.remove(pos);
        }
        v
    }

    /// Remove every value (`$(avp(x)[*]) = $null`).
    pub fn remove_all(&mut self, name: &str) {
        self.entries.retain(|(n, _)| n != name);
    }

    /// Replace the whole stack by one value (`$(avp(x)[*]) = v`).
    pub fn set_only(&mut self, name: &str, value: Value) {
        self.remove_all(name);
        self.push(name, value);
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
    fn value_conversions() {
        assert_eq!(Value::Str(" 42".into()).as_int(), 42);
        assert_eq!(Value::Str("abc".into()).as_int(), 0);
        assert_eq!(Value::Null.to_string(), "<null>");
    }
}
