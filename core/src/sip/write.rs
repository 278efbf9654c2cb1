//! Appending numbers and addresses to message text. These run several
//! times per forwarded message (Via, Record-Route, reply Via stamps, keys);
//! `format!` costs about a microsecond a call here, these a few dozen
//! nanoseconds.

use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};

/// Decimal digits of `n`.
pub fn push_int(s: &mut String, n: impl itoa::Integer) {
    s.push_str(itoa::Buffer::new().format(n));
}

/// An address as written in `received=` (IPv6 without brackets).
pub fn push_ip(s: &mut String, ip: IpAddr) {
    match ip {
        IpAddr::V4(a) => {
            for (i, o) in a.octets().into_iter().enumerate() {
                if i > 0 {
                    s.push('.');
                }
                push_int(s, o);
            }
        }
        // rare enough for the general formatter
        IpAddr::V6(a) => {
            let _ = write!(s, "{a}");
        }
    }
}

/// `ip:port`, IPv6 in brackets (a URI host or Via sent-by).
pub fn push_host_port(s: &mut String, a: SocketAddr) {
    if a.is_ipv6() {
        s.push('[');
        push_ip(s, a.ip());
        s.push(']');
    } else {
        push_ip(s, a.ip());
    }
    s.push(':');
    push_int(s, a.port());
}

/// `{:016x}`.
pub fn push_hex16(s: &mut String, v: u64) {
    s.push_str(std::str::from_utf8(&hex16(v)).expect("hex digits"));
}

/// `v` as 16 lowercase hex digits.
pub fn hex16(v: u64) -> [u8; 16] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    std::array::from_fn(|i| HEX[((v >> ((15 - i) * 4)) & 0xf) as usize])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_text_as_format() {
        for a in ["192.0.2.7:5060", "0.0.0.0:0", "255.255.255.255:65535", "[::1]:5060", "[2001:db8::7]:5070"] {
            let a: SocketAddr = a.parse().unwrap();
            let mut s = String::new();
            push_host_port(&mut s, a);
            assert_eq!(s, a.to_string());
            let mut s = String::new();
            push_ip(&mut s, a.ip());
            assert_eq!(s, a.ip().to_string());
        }
        for v in [0u64, 1, 0xdead_beef, u64::MAX] {
            let mut s = String::new();
            push_hex16(&mut s, v);
            assert_eq!(s, format!("{v:016x}"));
        }
        let mut s = String::new();
        push_int(&mut s, 5060u16);
        push_int(&mut s, -3i32);
        assert_eq!(s, "5060-3");
    }
}
