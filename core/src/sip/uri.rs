//! SIP/SIPS/tel URIs (RFC 3261 §19.1, RFC 3966) and, for everything else,
//! an opaque absolute URI so that unknown schemes still parse.
//!
//! A `Uri` is a borrowed view: every component is a slice of the input, so
//! parsing never allocates and `Display` rebuilds the exact input.

use std::borrow::Cow;
use std::fmt;

use super::error::{reasons, ParseError};
use super::text::{
    all_class, escapes_ok, find_byte, find_byte2, has_class, pct_decode, C_HEADER, C_HOST, C_PARAM,
    C_PASSWORD, C_USER,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    Sip,
    Sips,
    Tel,
    /// Any other scheme; the URI is kept opaque.
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Uri<'a> {
    raw: &'a str,
    scheme: Scheme,
    port: Option<u16>,
    scheme_end: u32,
    user: R,
    password: R,
    host: R,
    port_raw: R,
    params: R,
    headers: R,
}

/// A parsed URI without its text: where the text lies in some base string,
/// and the parse (whose ranges are relative to the URI's own text).
#[derive(Clone, Copy, Debug)]
pub(crate) struct UriSpans {
    raw: (u32, u32),
    parsed: Uri<'static>,
}

/// Byte range into `raw`; `NONE` for an absent component.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct R(u32, u32);
const NONE: R = R(u32::MAX, 0);

/// Parse-time form; compressed into [`Uri`] (offsets) so that the public
/// value stays small and cheap to move around.
struct Parts<'a> {
    scheme: Scheme,
    scheme_raw: &'a str,
    user: Option<&'a str>,
    password: Option<&'a str>,
    host: &'a str,
    port_raw: Option<&'a str>,
    port: Option<u16>,
    params: Option<&'a str>,
    headers: Option<&'a str>,
}

// Host chars include '_': not in the RFC grammar but seen in the wild.
fn is_uric(b: u8) -> bool {
    b > 0x20
        && b < 0x7f
        && !matches!(
            b,
            b'<' | b'>' | b'"' | b'{' | b'}' | b'|' | b'\\' | b'^' | b'`'
        )
}

/// Validates `host` (IPv6 reference with brackets, or hostname/IPv4).
/// Inside brackets we accept any hex/colon/dot sequence: RFC 5118 §4.10
/// asks parsers to tolerate the classic three-colon typo.
pub(crate) fn host_ok(h: &str) -> bool {
    let b = h.as_bytes();
    if b.first() == Some(&b'[') {
        b.len() > 3
            && b[b.len() - 1] == b']'
            && b[1..b.len() - 1].contains(&b':')
            && b[1..b.len() - 1]
                .iter()
                .all(|&c| c.is_ascii_hexdigit() || c == b':' || c == b'.')
    } else {
        !b.is_empty() && all_class(b, C_HOST)
    }
}

pub(crate) fn parse_port(p: &str) -> Option<u16> {
    if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    p.parse().ok()
}

/// Splits `host[:port]` where host may be an IPv6 reference.
pub(crate) fn split_hostport(s: &str) -> Option<(&str, Option<&str>)> {
    let (host, rest) = if s.starts_with('[') {
        let end = find_byte(s, b']')? + 1;
        (&s[..end], &s[end..])
    } else {
        match find_byte(s, b':') {
            Some(i) => (&s[..i], &s[i..]),
            None => (s, ""),
        }
    };
    if !host_ok(host) {
        return None;
    }
    if rest.is_empty() {
        return Some((host, None));
    }
    let p = rest.strip_prefix(':')?;
    parse_port(p)?;
    Some((host, Some(p)))
}

fn uri_params_ok(p: &str) -> bool {
    // One pass: each param is a non-empty name, optionally `=` and a
    // non-empty value, all paramchars.
    let b = p.as_bytes();
    let mut name_len = 0usize;
    let mut in_value = false;
    let mut value_len = 0usize;
    for &c in b {
        match c {
            b';' => {
                if name_len == 0 || (in_value && value_len == 0) {
                    return false;
                }
                name_len = 0;
                in_value = false;
                value_len = 0;
            }
            b'=' if !in_value => in_value = true,
            c if has_class(c, C_PARAM) => {
                if in_value {
                    value_len += 1
                } else {
                    name_len += 1
                }
            }
            _ => return false,
        }
    }
    name_len != 0 && !(in_value && value_len == 0) && escapes_ok(b)
}

fn uri_headers_ok(h: &str) -> bool {
    h.split('&').all(|kv| {
        let Some(i) = find_byte(kv, b'=') else {
            return false;
        };
        let (k, v) = (&kv[..i], &kv[i + 1..]);
        !k.is_empty() && all_class(k.as_bytes(), C_HEADER) && all_class(v.as_bytes(), C_HEADER)
    }) && escapes_ok(h.as_bytes())
}

impl<'a> Parts<'a> {
    fn parse(s: &'a str) -> Result<Parts<'a>, ParseError> {
        let colon = find_byte(s, b':').ok_or(reasons::URI)?;
        let scheme_raw = &s[..colon];
        let sb = scheme_raw.as_bytes();
        if sb.is_empty()
            || !sb[0].is_ascii_alphabetic()
            || !sb
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        {
            return Err(reasons::URI);
        }
        let rest = &s[colon + 1..];
        let scheme = if scheme_raw == "sip" || scheme_raw.eq_ignore_ascii_case("sip") {
            Scheme::Sip
        } else if scheme_raw.eq_ignore_ascii_case("sips") {
            Scheme::Sips
        } else if scheme_raw.eq_ignore_ascii_case("tel") {
            Scheme::Tel
        } else {
            Scheme::Other
        };
        let mut uri = Parts {
            scheme,
            scheme_raw,
            user: None,
            password: None,
            host: "",
            port_raw: None,
            port: None,
            params: None,
            headers: None,
        };
        match scheme {
            Scheme::Sip | Scheme::Sips => uri.parse_sip(rest)?,
            Scheme::Tel => uri.parse_tel(rest)?,
            Scheme::Other => {
                if rest.is_empty() || !rest.bytes().all(is_uric) {
                    return Err(reasons::URI);
                }
            }
        }
        Ok(uri)
    }

    fn parse_sip(&mut self, rest: &'a str) -> Result<(), ParseError> {
        // '@' cannot occur unescaped after the userinfo (host, params and
        // headers exclude it), so the first one ends the userinfo even
        // when the user part contains ';' or '?' (RFC 4475 semiuri, intmeth).
        let hostpart = match find_byte(rest, b'@') {
            Some(at) => {
                let userinfo = &rest[..at];
                let (user, pass) = match find_byte(userinfo, b':') {
                    Some(i) => (&userinfo[..i], Some(&userinfo[i + 1..])),
                    None => (userinfo, None),
                };
                if user.is_empty()
                    || !all_class(user.as_bytes(), C_USER)
                    || !escapes_ok(user.as_bytes())
                {
                    return Err(reasons::URI);
                }
                if let Some(p) = pass {
                    if !all_class(p.as_bytes(), C_PASSWORD) || !escapes_ok(p.as_bytes()) {
                        return Err(reasons::URI);
                    }
                }
                self.user = Some(user);
                self.password = pass;
                &rest[at + 1..]
            }
            None => rest,
        };
        let (hostport, after) = if hostpart.starts_with('[') {
            let end = find_byte(hostpart, b']').ok_or(reasons::URI)? + 1;
            let tail = &hostpart[end..];
            let cut = find_byte2(tail, b';', b'?')
                .map(|i| end + i)
                .unwrap_or(hostpart.len());
            (&hostpart[..cut], &hostpart[cut..])
        } else {
            let cut = find_byte2(hostpart, b';', b'?').unwrap_or(hostpart.len());
            (&hostpart[..cut], &hostpart[cut..])
        };
        let (host, port) = split_hostport(hostport).ok_or(reasons::URI)?;
        self.host = host;
        self.port_raw = port;
        self.port = port.and_then(parse_port);
        let (params, headers) = match find_byte(after, b'?') {
            Some(q) => (&after[..q], Some(&after[q + 1..])),
            None => (after, None),
        };
        if let Some(p) = params.strip_prefix(';') {
            if !uri_params_ok(p) {
                return Err(reasons::URI);
            }
            self.params = Some(p);
        } else if !params.is_empty() {
            return Err(reasons::URI);
        }
        if let Some(h) = headers {
            if !uri_headers_ok(h) {
                return Err(reasons::URI);
            }
            self.headers = Some(h);
        }
        Ok(())
    }

    fn parse_tel(&mut self, rest: &'a str) -> Result<(), ParseError> {
        let cut = find_byte(rest, b';').unwrap_or(rest.len());
        let number = &rest[..cut];
        let ok = |b: u8| {
            b.is_ascii_hexdigit()
                || matches!(
                    b,
                    b'+' | b'-' | b'.' | b'(' | b')' | b'*' | b'#' | b'p' | b'w' | b'P' | b'W'
                )
        };
        if number.is_empty() || !number.bytes().all(ok) {
            return Err(reasons::URI);
        }
        self.user = Some(number);
        if cut < rest.len() {
            let p = &rest[cut + 1..];
            if !uri_params_ok(p) {
                return Err(reasons::URI);
            }
            self.params = Some(p);
        }
        Ok(())
    }
}

impl<'a> Uri<'a> {
    /// Parses a URI with no surrounding whitespace or angle brackets.
    pub fn parse(s: &'a str) -> Result<Uri<'a>, ParseError> {
        let p = Parts::parse(s)?;
        let base = s.as_ptr() as usize;
        let r = |x: Option<&str>| match x {
            Some(x) => {
                let st = (x.as_ptr() as usize - base) as u32;
                R(st, st + x.len() as u32)
            }
            None => NONE,
        };
        let host = if p.host.is_empty() {
            None
        } else {
            Some(p.host)
        };
        Ok(Uri {
            raw: s,
            scheme: p.scheme,
            port: p.port,
            scheme_end: p.scheme_raw.len() as u32,
            user: r(p.user),
            password: r(p.password),
            host: r(host),
            port_raw: r(p.port_raw),
            params: r(p.params),
            headers: r(p.headers),
        })
    }

    /// This URI detached from its text (see `SipMessage::from`).
    pub(crate) fn spans_in(&self, base: &str) -> UriSpans {
        UriSpans {
            raw: super::text::offsets_in(base, self.raw),
            parsed: Uri {
                raw: "",
                scheme: self.scheme,
                port: self.port,
                scheme_end: self.scheme_end,
                user: self.user,
                password: self.password,
                host: self.host,
                port_raw: self.port_raw,
                params: self.params,
                headers: self.headers,
            },
        }
    }

    /// The URI [`Uri::spans_in`] recorded for the same `base`.
    pub(crate) fn from_spans(base: &'a str, s: &UriSpans) -> Uri<'a> {
        Uri { raw: super::text::at_offsets(base, s.raw), ..s.parsed }
    }

    #[inline]
    fn get(&self, r: R) -> Option<&'a str> {
        if r == NONE {
            None
        } else {
            Some(&self.raw[r.0 as usize..r.1 as usize])
        }
    }

    pub fn as_str(&self) -> &'a str {
        self.raw
    }
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }
    pub fn scheme_str(&self) -> &'a str {
        &self.raw[..self.scheme_end as usize]
    }
    /// User part as written (still %-escaped). For tel URIs: the number.
    pub fn user(&self) -> Option<&'a str> {
        self.get(self.user)
    }
    /// User part with %-escapes decoded; may contain any byte, even NUL.
    pub fn user_decoded(&self) -> Option<Cow<'a, [u8]>> {
        self.user().map(pct_decode)
    }
    pub fn password(&self) -> Option<&'a str> {
        self.get(self.password)
    }
    /// Host as written; IPv6 references keep their brackets. Empty for
    /// tel and opaque URIs.
    pub fn host(&self) -> &'a str {
        self.get(self.host).unwrap_or("")
    }
    /// Host without IPv6 brackets.
    pub fn host_unbracketed(&self) -> &'a str {
        let h = self.host();
        h.strip_prefix('[')
            .and_then(|x| x.strip_suffix(']'))
            .unwrap_or(h)
    }
    pub fn port(&self) -> Option<u16> {
        self.port
    }
    /// Raw text of the params (without the leading ';').
    pub fn params_raw(&self) -> Option<&'a str> {
        self.get(self.params)
    }
    /// Raw text of the headers (without the leading '?').
    pub fn headers_raw(&self) -> Option<&'a str> {
        self.get(self.headers)
    }
    /// Everything after `scheme:` (the whole URI body for unknown schemes).
    pub fn opaque(&self) -> &'a str {
        &self.raw[self.scheme_end as usize + 1..]
    }
    /// `(name, value)` pairs as written; valueless params give `None`.
    pub fn params(&self) -> impl Iterator<Item = (&'a str, Option<&'a str>)> + 'a {
        self.params_raw()
            .into_iter()
            .flat_map(|p| p.split(';'))
            .map(|kv| match kv.find('=') {
                Some(i) => (&kv[..i], Some(&kv[i + 1..])),
                None => (kv, None),
            })
    }
    /// Case-insensitive param lookup; compares the decoded names, so
    /// `%6C%72` finds `lr`. A valueless param yields `Some("")`.
    pub fn param(&self, name: &str) -> Option<&'a str> {
        self.params()
            .find(|(k, _)| {
                k.eq_ignore_ascii_case(name)
                    || (k.contains('%') && pct_decode(k).eq_ignore_ascii_case(name.as_bytes()))
            })
            .map(|(_, v)| v.unwrap_or(""))
    }
    pub fn has_param(&self, name: &str) -> bool {
        self.param(name).is_some()
    }
    pub fn headers(&self) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.headers_raw()
            .into_iter()
            .flat_map(|h| h.split('&'))
            .map(|kv| match kv.find('=') {
                Some(i) => (&kv[..i], &kv[i + 1..]),
                None => (kv, ""),
            })
    }
    pub fn transport(&self) -> Option<&'a str> {
        self.param("transport")
    }
    pub fn is_loose_route(&self) -> bool {
        self.has_param("lr")
    }
    /// Port, or 5060 (5061 for sips) when absent.
    pub fn port_or_default(&self) -> u16 {
        self.port.unwrap_or(if self.scheme == Scheme::Sips {
            5061
        } else {
            5060
        })
    }
}

impl fmt::Display for Uri<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.scheme_str())?;
        f.write_str(":")?;
        match self.scheme {
            Scheme::Other => return f.write_str(self.opaque()),
            Scheme::Tel => f.write_str(self.user().unwrap_or(""))?,
            Scheme::Sip | Scheme::Sips => {
                if let Some(u) = self.user() {
                    f.write_str(u)?;
                    if let Some(p) = self.password() {
                        write!(f, ":{p}")?;
                    }
                    f.write_str("@")?;
                }
                f.write_str(self.host())?;
                if let Some(p) = self.get(self.port_raw) {
                    write!(f, ":{p}")?;
                }
            }
        }
        if let Some(p) = self.params_raw() {
            write!(f, ";{p}")?;
        }
        if let Some(h) = self.headers_raw() {
            write!(f, "?{h}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_parts() {
        let u = Uri::parse("sips:alice:secret@example.com:5071;transport=tcp;lr?subject=hi&x=y")
            .unwrap();
        assert_eq!(u.scheme(), Scheme::Sips);
        assert_eq!(u.user(), Some("alice"));
        assert_eq!(u.password(), Some("secret"));
        assert_eq!(u.host(), "example.com");
        assert_eq!(u.port(), Some(5071));
        assert_eq!(u.transport(), Some("tcp"));
        assert!(u.is_loose_route());
        assert_eq!(u.param("LR"), Some(""));
        assert_eq!(
            u.headers().collect::<Vec<_>>(),
            vec![("subject", "hi"), ("x", "y")]
        );
        assert_eq!(
            u.to_string(),
            "sips:alice:secret@example.com:5071;transport=tcp;lr?subject=hi&x=y"
        );
    }

    #[test]
    fn ipv6() {
        let u = Uri::parse("sip:user@[2001:db8::10]:5070").unwrap();
        assert_eq!(u.host(), "[2001:db8::10]");
        assert_eq!(u.host_unbracketed(), "2001:db8::10");
        assert_eq!(u.port(), Some(5070));
        // RFC 5118 port-ambiguous: the digits are part of the address.
        let u = Uri::parse("sip:[2001:db8::10:5070]").unwrap();
        assert_eq!(u.host(), "[2001:db8::10:5070]");
        assert_eq!(u.port(), None);
        assert!(Uri::parse("sip:2001:db8::10").is_err());
        assert!(Uri::parse("sip:[2001:db8:::192.0.2.1]").is_ok());
        assert!(Uri::parse("sip:[2001:db8::1").is_err());
    }

    #[test]
    fn escapes() {
        let u = Uri::parse("sip:sips%3Auser%40example.com@example.net").unwrap();
        assert_eq!(&*u.user_decoded().unwrap(), b"sips:user@example.com");
        let u =
            Uri::parse("sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31").unwrap();
        assert!(u.is_loose_route());
        let u = Uri::parse("sip:null-%00-null@example.com").unwrap();
        assert_eq!(&*u.user_decoded().unwrap(), b"null-\0-null");
        assert!(Uri::parse("sip:a%zz@example.com").is_err());
    }

    #[test]
    fn tel_and_opaque() {
        let u = Uri::parse("tel:+1-201-555-0123;phone-context=example.com").unwrap();
        assert_eq!(u.scheme(), Scheme::Tel);
        assert_eq!(u.user(), Some("+1-201-555-0123"));
        assert_eq!(u.param("phone-context"), Some("example.com"));
        assert_eq!(
            u.to_string(),
            "tel:+1-201-555-0123;phone-context=example.com"
        );
        let u = Uri::parse("nobodyKnowsThisScheme:totallyopaquecontent").unwrap();
        assert_eq!(u.scheme(), Scheme::Other);
        assert_eq!(u.opaque(), "totallyopaquecontent");
        assert!(Uri::parse("soap.beep://192.0.2.103:3002").is_ok());
    }

    #[test]
    fn weird_user() {
        let s = "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com";
        let u = Uri::parse(s).unwrap();
        assert_eq!(
            u.user(),
            Some("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*")
        );
        assert_eq!(
            u.password(),
            Some("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)")
        );
        assert_eq!(u.host(), "example.com");
        assert_eq!(u.to_string(), s);
    }

    #[test]
    fn rejects() {
        for s in [
            "",
            "sip:",
            "sip:user@",
            "sip:host:",
            "sip:host:99999",
            "sip:ho st",
            "<sip:a@b>",
            "sip:a@b; lr",
            "sip:a@b;;",
            ":x",
        ] {
            assert!(Uri::parse(s).is_err(), "{s}");
        }
    }
}
