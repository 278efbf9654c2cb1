//! Value semantics of the cfg language's operators (Kamailio's rules):
//! the left operand's type decides how the right one is converted; an
//! undefined (null) left operand takes the right one's type in `==`/`!=`,
//! and is the empty string in `+` (which then concatenates).

use switchboard_core::route::Value;

/// The value in a condition: null is false, a number is true when not 0,
/// a string is converted to a number first (non-numeric → 0, false), as
/// Kamailio converts rvalues to int for a boolean test.
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Int(i) => *i != 0,
        Value::Str(s) => s.trim().parse::<i64>().is_ok_and(|i| i != 0),
    }
}

pub fn bool_val(b: bool) -> Value {
    Value::Int(i64::from(b))
}

/// The value as a string: null is "".
pub fn as_str(v: &Value) -> std::borrow::Cow<'_, str> {
    match v {
        Value::Null => "".into(),
        Value::Int(i) => i.to_string().into(),
        Value::Str(s) => s.as_str().into(),
    }
}

/// `==`: by the left operand's type; null == null.
pub fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Int(x), _) => *x == b.as_int(),
        (Value::Str(x), _) => x.as_str() == as_str(b),
        (Value::Null, Value::Int(y)) => *y == 0,
        (Value::Null, Value::Str(y)) => y.is_empty(),
    }
}

/// `+`: numbers add; a string (or null) on the left concatenates.
pub fn add(a: Value, b: &Value) -> Value {
    match a {
        Value::Int(x) => Value::Int(x.wrapping_add(b.as_int())),
        Value::Str(mut s) => {
            s.push_str(&as_str(b));
            Value::Str(s)
        }
        Value::Null => Value::Str(as_str(b).into_owned()),
    }
}

/// Integer arithmetic and bit operations; None on division by zero.
pub fn arith(op: crate::ast::BinOp, x: i64, y: i64) -> Option<i64> {
    use crate::ast::BinOp::*;
    Some(match op {
        Sub => x.wrapping_sub(y),
        Mul => x.wrapping_mul(y),
        Div => x.checked_div(y)?,
        Mod => x.checked_rem(y)?,
        BitOr => x | y,
        BitAnd => x & y,
        BitXor => x ^ y,
        Shl => x.wrapping_shl(y as u32),
        Shr => x.wrapping_shr(y as u32),
        Lt => i64::from(x < y),
        Gt => i64::from(x > y),
        Le => i64::from(x <= y),
        Ge => i64::from(x >= y),
        IntEq => i64::from(x == y),
        IntNe => i64::from(x != y),
        _ => unreachable!("not an integer operator: {op:?}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        Value::Str(x.into())
    }

    #[test]
    fn equality_follows_the_left_operand() {
        assert!(equal(&Value::Int(5), &s("5")));
        assert!(equal(&s("5"), &Value::Int(5)));
        assert!(!equal(&s("05"), &Value::Int(5)));
        assert!(equal(&Value::Int(5), &s("05")));
        assert!(equal(&Value::Null, &Value::Null));
        assert!(!equal(&s("a"), &Value::Null));
        assert!(equal(&Value::Null, &Value::Int(0)));
        assert!(equal(&Value::Null, &s("")));
    }

    #[test]
    fn add_concatenates_or_sums() {
        assert_eq!(add(Value::Int(1), &s("20")), Value::Int(21));
        assert_eq!(add(s("1"), &Value::Int(20)), s("120"));
        assert_eq!(add(Value::Null, &Value::Int(3)), s("3"));
        assert_eq!(add(s("a"), &Value::Null), s("a"));
    }

    #[test]
    fn truthiness() {
        assert!(!truthy(&Value::Null));
        assert!(truthy(&Value::Int(-1)));
        assert!(!truthy(&Value::Int(0)));
        assert!(truthy(&s("2")));
        assert!(!truthy(&s("abc")));
    }
}
