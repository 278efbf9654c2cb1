//! Via values (RFC 3261 §20.42, RFC 3581 rport, RFC 5118 IPv6).

use std::net::{IpAddr, SocketAddr};

use super::error::{reasons, ParseError};
use super::text::{
    find_generic_param, next_generic_param, skip_lws, token_len, trim_lws, GenericParams,
};
use super::uri::{host_ok, parse_port};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Via<'a> {
    raw: &'a str,
    protocol: &'a str,
    version: &'a str,
    transport: &'a str,
    host: &'a str,
    port: Option<u16>,
    params: &'a str,
}

/// A parsed Via as offsets into the text it was parsed from.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ViaSpans {
    raw: (u32, u32),
    protocol: (u32, u32),
    version: (u32, u32),
    transport: (u32, u32),
    host: (u32, u32),
    port: Option<u16>,
    params: (u32, u32),
}

/// Where a reply goes: an address, or a name that still needs resolving.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Host<'a> {
    Ip(IpAddr),
    Name(&'a str),
}

fn slash(s: &str) -> Result<&str, ParseError> {
    skip_lws(s)
        .strip_prefix('/')
        .map(skip_lws)
        .ok_or(reasons::VIA)
}

fn take_token(s: &str) -> Result<(&str, &str), ParseError> {
    let n = token_len(s);
    if n == 0 {
        return Err(reasons::VIA);
    }
    Ok((&s[..n], &s[n..]))
}

/// Parses a `received=` value: IPv4, bare IPv6 or bracketed IPv6
/// (RFC 5118 §4.5 asks us to accept both IPv6 spellings).
pub(crate) fn parse_ip(v: &str) -> Option<IpAddr> {
    let v = v
        .strip_prefix('[')
        .and_then(|x| x.strip_suffix(']'))
        .unwrap_or(v);
    v.parse().ok()
}

impl<'a> Via<'a> {
    /// Parses one via-parm (a single comma-separated item).
    pub fn parse(s: &'a str) -> Result<Via<'a>, ParseError> {
        let raw = trim_lws(s);
        let (protocol, rest) = take_token(raw)?;
        let (version, rest) = take_token(slash(rest)?)?;
        let (transport, rest) = take_token(slash(rest)?)?;
        let rest_trim = skip_lws(rest);
        if rest_trim.len() == rest.len() {
            return Err(reasons::VIA);
        }
        let rest = rest_trim;
        let host_len = if rest.starts_with('[') {
            super::text::find_byte(rest, b']').ok_or(reasons::VIA)? + 1
        } else {
            rest.bytes()
                .position(|b| !super::text::has_class(b, super::text::C_HOST))
                .unwrap_or(rest.len())
        };
        let host = &rest[..host_len];
        if !host_ok(host) {
            return Err(reasons::VIA);
        }
        let mut rest = skip_lws(&rest[host_len..]);
        let mut port = None;
        if let Some(p) = rest.strip_prefix(':') {
            let p = skip_lws(p);
            let n = p
                .bytes()
                .position(|b| !b.is_ascii_digit())
                .unwrap_or(p.len());
            port = Some(parse_port(&p[..n]).ok_or(reasons::VIA)?);
            rest = &p[n..];
        }
        let params = rest;
        let mut cur = params;
        while let Some(((name, value), next)) = next_generic_param(cur).map_err(|_| reasons::VIA)? {
            let bad = if name.eq_ignore_ascii_case("rport") {
                value.is_some_and(|v| parse_port(v).is_none())
            } else if name.eq_ignore_ascii_case("ttl") {
                value.is_none_or(|v| super::text::parse_decimal(v, 255).is_none())
            } else if name.eq_ignore_ascii_case("received") {
                value.is_none_or(|v| parse_ip(v).is_none())
            } else if name.eq_ignore_ascii_case("branch") || name.eq_ignore_ascii_case("maddr") {
                value.is_none_or(|v| v.starts_with('"'))
            } else {
                false
            };
            if bad {
                return Err(reasons::VIA);
            }
            cur = next;
        }
        Ok(Via {
            raw,
            protocol,
            version,
            transport,
            host,
            port,
            params,
        })
    }

    /// Where this Via's parts lie in `base` (which must contain them), so
    /// a message can keep its parsed top Via without borrowing itself.
    pub(crate) fn spans_in(&self, base: &str) -> ViaSpans {
        let at = |s: &str| super::text::offsets_in(base, s);
        ViaSpans {
            raw: at(self.raw),
            protocol: at(self.protocol),
            version: at(self.version),
            transport: at(self.transport),
            host: at(self.host),
            port: self.port,
            params: at(self.params),
        }
    }

    /// The Via that [`Via::spans_in`] recorded for the same `base`.
    pub(crate) fn from_spans(base: &'a str, s: &ViaSpans) -> Via<'a> {
        let get = |r| super::text::at_offsets(base, r);
        Via {
            raw: get(s.raw),
            protocol: get(s.protocol),
            version: get(s.version),
            transport: get(s.transport),
            host: get(s.host),
            port: s.port,
            params: get(s.params),
        }
    }

    /// The whole via-parm as written.
    pub fn as_str(&self) -> &'a str {
        self.raw
    }
    /// Protocol name, normally `SIP`.
    pub fn protocol(&self) -> &'a str {
        self.protocol
    }
    /// Protocol version, normally `2.0`.
    pub fn version(&self) -> &'a str {
        self.version
    }
    /// Transport as written (`UDP`, `TCP`, `TLS`, `SCTP`, `WS`, ...).
    pub fn transport(&self) -> &'a str {
        self.transport
    }
    /// sent-by host; IPv6 references keep their brackets.
    pub fn host(&self) -> &'a str {
        self.host
    }
    pub fn port(&self) -> Option<u16> {
        self.port
    }
    /// sent-by port, or 5060 (5061 for TLS) when absent (RFC 3261 §18.2.2).
    pub fn port_or_default(&self) -> u16 {
        self.port
            .unwrap_or(if self.transport.eq_ignore_ascii_case("TLS") {
                5061
            } else {
                5060
            })
    }
    pub fn params_raw(&self) -> &'a str {
        self.params
    }
    pub fn params(&self) -> GenericParams<'a> {
        GenericParams::new(self.params)
    }
    /// Case-insensitive param lookup; a valueless param yields `Some("")`.
    pub fn param(&self, name: &str) -> Option<&'a str> {
        find_generic_param(self.params, name)
    }
    pub fn branch(&self) -> Option<&'a str> {
        self.param("branch")
    }
    pub fn received(&self) -> Option<&'a str> {
        self.param("received")
    }
    pub fn received_ip(&self) -> Option<IpAddr> {
        self.received().and_then(parse_ip)
    }
    /// True if `rport` is present, with or without a value.
    pub fn has_rport(&self) -> bool {
        self.param("rport").is_some()
    }
    /// The numeric `rport` value, if one was filled in.
    pub fn rport(&self) -> Option<u16> {
        self.param("rport").and_then(parse_port)
    }
    pub fn maddr(&self) -> Option<&'a str> {
        self.param("maddr")
    }
    pub fn ttl(&self) -> Option<u8> {
        self.param("ttl").and_then(|v| v.parse().ok())
    }
    /// True for transports with their own retransmission (TCP, TLS, SCTP,
    /// WS, WSS): replies go back over the connection.
    pub fn is_reliable(&self) -> bool {
        !self.transport.eq_ignore_ascii_case("UDP")
    }

    /// Where to send a response to a request received from `src` over an
    /// unreliable transport (RFC 3261 §18.2.2 with RFC 3581):
    ///
    /// - `rport` present: the source address and port the request came from;
    /// - otherwise the `received` address if the Via carries one, else the
    ///   source IP (which is what `received` would have been set to, since a
    ///   server adds it whenever sent-by differs from the source), with the
    ///   sent-by port or 5060/5061.
    ///
    /// `maddr` (multicast) is ignored for now. The host is therefore always
    /// an IP here; [`Via::sent_by_target`] gives the name-based target used
    /// when a reliable connection is gone.
    pub fn reply_target(&self, src: SocketAddr) -> (Host<'a>, u16) {
        if self.has_rport() {
            return (Host::Ip(src.ip()), src.port());
        }
        let ip = self.received_ip().unwrap_or(src.ip());
        (Host::Ip(ip), self.port_or_default())
    }

    /// `received` (if any) else the sent-by host, with the sent-by port or
    /// the default: the RFC 3261 §18.2.2 target for a reliable transport
    /// whose connection has been closed.
    pub fn sent_by_target(&self) -> (Host<'a>, u16) {
        let port = self.port_or_default();
        if let Some(ip) = self.received_ip() {
            return (Host::Ip(ip), port);
        }
        match parse_ip(self.host) {
            Some(ip) => (Host::Ip(ip), port),
            None => (Host::Name(self.host), port),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic() {
        let v = Via::parse("SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bK776;rport;received=192.0.2.9")
            .unwrap();
        assert_eq!(v.protocol(), "SIP");
        assert_eq!(v.version(), "2.0");
        assert_eq!(v.transport(), "UDP");
        assert_eq!(v.host(), "192.0.2.1");
        assert_eq!(v.port(), Some(5062));
        assert_eq!(v.branch(), Some("z9hG4bK776"));
        assert!(v.has_rport());
        assert_eq!(v.rport(), None);
        assert_eq!(v.received(), Some("192.0.2.9"));
    }

    #[test]
    fn whitespace_everywhere() {
        let v = Via::parse("SIP  /   2.0\r\n /UDP\r\n    192.0.2.2;branch=390skdjuw").unwrap();
        assert_eq!(v.transport(), "UDP");
        assert_eq!(v.host(), "192.0.2.2");
        let v = Via::parse(
            "SIP  / 2.0  / TCP     spindle.example.com   ;\r\n  branch  =   z9hG4bK9ikj8",
        )
        .unwrap();
        assert_eq!(v.branch(), Some("z9hG4bK9ikj8"));
    }

    #[test]
    fn ipv6() {
        let v = Via::parse(
            "SIP/2.0/UDP [2001:db8::9:1]:6050;received=2001:db8::9:255;branch=z9hG4bKas3",
        )
        .unwrap();
        assert_eq!(v.host(), "[2001:db8::9:1]");
        assert_eq!(v.port(), Some(6050));
        assert_eq!(v.received_ip(), Some("2001:db8::9:255".parse().unwrap()));
        let v = Via::parse(
            "SIP/2.0/UDP [2001:db8::9:1];received=[2001:db8::9:255];branch=z9hG4bKas3-111",
        )
        .unwrap();
        assert_eq!(v.received_ip(), Some("2001:db8::9:255".parse().unwrap()));
    }

    #[test]
    fn rejects() {
        for s in [
            "SIP/2.0/UDP 192.0.2.15;;",
            "",
            "SIP/2.0 host",
            "SIP/2.0/UDP",
            "SIP/2.0/UDP host:x",
            "SIP/2.0/UDP host;rport=x",
            "SIP/2.0/UDP host;ttl=300",
            "SIP/2.0/UDP host;branch=",
        ] {
            assert!(Via::parse(s).is_err(), "{s:?}");
        }
    }

    #[test]
    fn reply_target() {
        let src: SocketAddr = "198.51.100.7:40000".parse().unwrap();
        let v = Via::parse("SIP/2.0/UDP example.com:5070;branch=z9hG4bK1;rport").unwrap();
        assert_eq!(v.reply_target(src), (Host::Ip(src.ip()), 40000));
        let v = Via::parse("SIP/2.0/UDP example.com:5070;branch=z9hG4bK1").unwrap();
        assert_eq!(v.reply_target(src), (Host::Ip(src.ip()), 5070));
        let v = Via::parse("SIP/2.0/TLS example.com;branch=z9hG4bK1").unwrap();
        assert_eq!(v.reply_target(src), (Host::Ip(src.ip()), 5061));
        assert_eq!(v.sent_by_target(), (Host::Name("example.com"), 5061));
    }
}
