//! Transport protocols and listen addresses, shared by the cfg loader, the
//! CLI (`-l`) and the listeners.

use std::fmt;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::str::FromStr;

/// A SIP transport protocol as named in Via headers and in `listen=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    Udp,
    Tcp,
    Tls,
    Ws,
    Wss,
    Sctp,
}

impl Protocol {
    /// Name as used in `listen=` and in `$pr` (lower case).
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Udp => "udp",
            Protocol::Tcp => "tcp",
            Protocol::Tls => "tls",
            Protocol::Ws => "ws",
            Protocol::Wss => "wss",
            Protocol::Sctp => "sctp",
        }
    }

    /// Name as written in a Via header's sent-protocol (`SIP/2.0/UDP`).
    pub fn via_name(self) -> &'static str {
        match self {
            Protocol::Udp => "UDP",
            Protocol::Tcp => "TCP",
            Protocol::Tls => "TLS",
            Protocol::Ws => "WS",
            Protocol::Wss => "WSS",
            Protocol::Sctp => "SCTP",
        }
    }

    /// Kamailio's protocol number (`PROTO_UDP` = 1, ...), as the native
    /// cfg's `proto` keyword and `$snd(proto)` give it.
    pub fn code(self) -> i64 {
        match self {
            Protocol::Udp => 1,
            Protocol::Tcp => 2,
            Protocol::Tls => 3,
            Protocol::Sctp => 4,
            Protocol::Ws => 5,
            Protocol::Wss => 6,
        }
    }

    /// Default port when a listen address or URI names none.
    pub fn default_port(self) -> u16 {
        match self {
            Protocol::Tls | Protocol::Wss => 5061,
            _ => 5060,
        }
    }

    /// Connection-oriented transports carry a byte stream that must be framed.
    pub fn is_stream(self) -> bool {
        !matches!(self, Protocol::Udp | Protocol::Sctp)
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Protocol {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "udp" => Ok(Protocol::Udp),
            "tcp" => Ok(Protocol::Tcp),
            "tls" => Ok(Protocol::Tls),
            "ws" => Ok(Protocol::Ws),
            "wss" => Ok(Protocol::Wss),
            "sctp" => Ok(Protocol::Sctp),
            other => Err(format!("unknown transport protocol '{other}'")),
        }
    }
}

/// One `listen=` / `-l` entry: `[proto:]host[:port][ advertise host[:port]]`.
///
/// Without a protocol Kamailio listens on UDP and TCP (unless TCP is
/// disabled); `proto == None` records that.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenAddr {
    pub proto: Option<Protocol>,
    /// Host as written (IP literal, IPv6 without brackets, or a name).
    pub host: String,
    /// `None` means "the global `port=` value, else 5060".
    pub port: Option<u16>,
    /// `advertise host[:port]` (or `/host:port` with `-l`).
    pub advertise: Option<(String, Option<u16>)>,
}

impl ListenAddr {
    /// Parse `[proto:]host[:port]`, IPv6 hosts in brackets, optionally
    /// followed by `/adv_host[:adv_port]` (the `-l` form).
    pub fn parse(s: &str) -> Result<ListenAddr, String> {
        let s = s.trim();
        let (main, adv) = match s.split_once('/') {
            Some((m, a)) => (m, Some(a)),
            None => (s, None),
        };
        let (proto, rest) = match main.split_once(':') {
            Some((p, r)) if p.parse::<Protocol>().is_ok() && !p.is_empty() => {
                (Some(p.parse::<Protocol>()?), r)
            }
            _ => (None, main),
        };
        let (host, port) = split_host_port(rest)?;
        if host.is_empty() {
            return Err(format!("listen address '{s}' has no host"));
        }
        let advertise = match adv {
            Some(a) => Some(split_host_port(a)?),
            None => None,
        };
        Ok(ListenAddr { proto, host, port, advertise })
    }

    /// The protocols this entry listens on.
    pub fn protocols(&self, tcp_enabled: bool) -> Vec<Protocol> {
        match self.proto {
            Some(p) => vec![p],
            None if tcp_enabled => vec![Protocol::Udp, Protocol::Tcp],
            None => vec![Protocol::Udp],
        }
    }

    /// Resolve the host to socket addresses with `default_port`.
    pub fn resolve(&self, default_port: u16) -> Result<Vec<SocketAddr>, String> {
        let port = self.port.unwrap_or(default_port);
        if let Ok(ip) = self.host.parse::<IpAddr>() {
            return Ok(vec![SocketAddr::new(ip, port)]);
        }
        (self.host.as_str(), port)
            .to_socket_addrs()
            .map(|it| it.collect())
            .map_err(|e| format!("cannot resolve listen host '{}': {e}", self.host))
    }
}

impl fmt::Display for ListenAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = self.proto {
            write!(f, "{p}:")?;
        }
        if self.host.contains(':') {
            write!(f, "[{}]", self.host)?;
        } else {
            f.write_str(&self.host)?;
        }
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        Ok(())
    }
}

/// Split `host[:port]`, with `[v6]` or `[v6]:port` for IPv6. A bare IPv6
/// address (more than one colon, no brackets) is taken as a host alone.
pub fn split_host_port(s: &str) -> Result<(String, Option<u16>), String> {
    let s = s.trim();
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| format!("unterminated '[' in '{s}'"))?;
        return match after {
            "" => Ok((host.to_string(), None)),
            _ => match after.strip_prefix(':') {
                Some(p) => Ok((host.to_string(), Some(parse_port(p, s)?))),
                None => Err(format!("unexpected '{after}' after ']' in '{s}'")),
            },
        };
    }
    if s.matches(':').count() > 1 {
        return Ok((s.to_string(), None));
    }
    match s.split_once(':') {
        Some((h, p)) => Ok((h.to_string(), Some(parse_port(p, s)?))),
        None => Ok((s.to_string(), None)),
    }
}

fn parse_port(p: &str, whole: &str) -> Result<u16, String> {
    p.parse::<u16>().map_err(|_| format!("bad port '{p}' in '{whole}'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_listen_forms() {
        let l = ListenAddr::parse("udp:127.0.0.1:5070").unwrap();
        assert_eq!(l.proto, Some(Protocol::Udp));
        assert_eq!(l.host, "127.0.0.1");
        assert_eq!(l.port, Some(5070));
        let l = ListenAddr::parse("tcp:[::1]:5080").unwrap();
        assert_eq!((l.proto, l.host.as_str(), l.port), (Some(Protocol::Tcp), "::1", Some(5080)));
        let l = ListenAddr::parse("127.0.0.1").unwrap();
        assert_eq!((l.proto, l.port), (None, None));
        let l = ListenAddr::parse("udp:127.0.0.1:5080/1.2.3.4:5060").unwrap();
        assert_eq!(l.advertise, Some(("1.2.3.4".into(), Some(5060))));
        assert!(ListenAddr::parse("udp:127.0.0.1:notaport").is_err());
    }
}
