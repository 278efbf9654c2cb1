//! `myself`: the host names and addresses this server answers for.
//!
//! As in Kamailio, these are the listen addresses (with their advertised
//! addresses) and every `alias`. An entry without a port matches any port;
//! a URI without a port matches entries on the transport's default port.

use std::net::{IpAddr, SocketAddr};
use std::sync::OnceLock;

use crate::transport::Protocol;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    proto: Option<Protocol>,
    /// Lower-case host; IPv6 without brackets.
    host: String,
    /// `host` as an address, when it is one (parsed once here, not per
    /// message: `matches` runs for every Route and Request-URI check).
    ip: Option<IpAddr>,
    port: Option<u16>,
}

impl Entry {
    fn new(proto: Option<Protocol>, host: &str, port: Option<u16>) -> Entry {
        let host = unbracket(host).to_ascii_lowercase();
        Entry { proto, ip: host.parse().ok(), host, port }
    }
}

/// The set of local identities. Built once at start, read on every message.
#[derive(Debug, Clone, Default)]
pub struct Myself {
    entries: Vec<Entry>,
    /// The sockets as actually bound (a `listen` on port 0 gets its port
    /// from the OS), known only once the listeners are up.
    bound: OnceLock<Vec<Entry>>,
}

impl Myself {
    /// Add a local socket or alias. `host` may carry IPv6 brackets.
    pub fn add(&mut self, proto: Option<Protocol>, host: &str, port: Option<u16>) {
        let entry = Entry::new(proto, host, port);
        if !self.entries.contains(&entry) {
            self.entries.push(entry);
        }
    }

    /// Record the bound sockets; called once, when the listeners are up.
    pub fn set_bound(&self, sockets: &[(Protocol, SocketAddr)]) {
        let entries = sockets
            .iter()
            .map(|(p, a)| Entry { proto: Some(*p), host: a.ip().to_string(), ip: Some(a.ip()), port: Some(a.port()) })
            .collect();
        let _ = self.bound.set(entries);
    }

    /// Is `host[:port]` (over `proto`, when known) one of ours?
    pub fn matches(&self, host: &str, port: Option<u16>, proto: Option<Protocol>) -> bool {
        let host = unbracket(host);
        let ip = host.parse::<IpAddr>().ok();
        let bound = self.bound.get().map(|b| b.as_slice()).unwrap_or(&[]);
        self.entries.iter().chain(bound).any(|e| {
            let host_ok = match (ip, e.ip) {
                (Some(a), Some(b)) => a == b,
                _ => e.host.eq_ignore_ascii_case(host),
            };
            let proto_ok = match (e.proto, proto) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            };
            let port_ok = match e.port {
                None => true,
                Some(p) => {
                    let default = proto.unwrap_or(Protocol::Udp).default_port();
                    p == port.unwrap_or(default)
                }
            };
            host_ok && proto_ok && port_ok
        })
    }

    /// Is this IP address one of ours, whatever the port and transport
    /// (`is_myself_srcip`)?
    pub fn matches_ip(&self, ip: IpAddr) -> bool {
        let bound = self.bound.get().map(|b| b.as_slice()).unwrap_or(&[]);
        self.entries.iter().chain(bound).any(|e| e.ip == Some(ip))
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// `host` trimmed, IPv6 brackets removed.
fn unbracket(host: &str) -> &str {
    let h = host.trim();
    h.strip_prefix('[').and_then(|s| s.strip_suffix(']')).unwrap_or(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_and_alias_match() {
        let mut m = Myself::default();
        m.add(Some(Protocol::Udp), "127.0.0.1", Some(5070));
        m.add(None, "sip.Example.com", None);
        m.add(None, "[::1]", Some(5060));
        assert!(m.matches("127.0.0.1", Some(5070), Some(Protocol::Udp)));
        assert!(!m.matches("127.0.0.1", Some(5060), Some(Protocol::Udp)));
        assert!(!m.matches("127.0.0.1", Some(5070), Some(Protocol::Tcp)));
        assert!(m.matches("SIP.example.COM", Some(9999), None));
        assert!(m.matches("[::1]", None, Some(Protocol::Udp)));
        assert!(m.matches("0:0:0:0:0:0:0:1", Some(5060), None));
        assert!(!m.matches("10.0.0.1", None, None));
    }
}
