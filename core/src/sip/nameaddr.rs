//! `name-addr / addr-spec` followed by header params (From, To, Contact,
//! Route, Record-Route, Reply-To, Refer-To, ... RFC 3261 §20.10, §25.1).

use std::borrow::Cow;

use super::error::{reasons, ParseError};
use super::text::{
    check_generic_params, find_generic_param, is_lws, is_token, quoted_end, skip_lws, trim_lws,
    unquote, GenericParams,
};
use super::text::{at_offsets, offsets_in};
use super::uri::{Uri, UriSpans};

/// A parsed name-addr as offsets into the text it was parsed from, so a
/// message can keep its parsed From/To without borrowing itself.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NameAddrSpans {
    display: Option<(u32, u32)>,
    uri: UriSpans,
    params: (u32, u32),
    bracketed: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NameAddr<'a> {
    display: Option<&'a str>,
    uri: Uri<'a>,
    params: &'a str,
    bracketed: bool,
}

impl<'a> NameAddr<'a> {
    /// Parses one value (already split off a list). Without `<...>` the URI
    /// ends at the first `;`, and what follows are header params: RFC 3261
    /// §20.10 requires brackets for URIs with `,` `;` or `?`.
    pub fn parse(s: &'a str) -> Result<NameAddr<'a>, ParseError> {
        let s = trim_lws(s);
        let b = s.as_bytes();
        let err = reasons::NAME_ADDR;
        if b.is_empty() {
            return Err(err);
        }
        let (display, after_display) = if b[0] == b'"' {
            let end = quoted_end(b).ok_or(err)?;
            let rest = skip_lws(&s[end..]);
            if !rest.starts_with('<') {
                return Err(err);
            }
            (Some(&s[..end]), rest)
        } else {
            // Either `*(token LWS) <uri>` or a bare addr-spec; look for '<'
            // after a run of tokens to tell them apart.
            let mut i = 0;
            while i < b.len() && (is_token(b[i]) || is_lws(b[i])) {
                i += 1;
            }
            if i < b.len() && b[i] == b'<' {
                let d = trim_lws(&s[..i]);
                (if d.is_empty() { None } else { Some(d) }, &s[i..])
            } else {
                // addr-spec
                let end = s
                    .find(|c: char| c == ';' || c.is_ascii_whitespace())
                    .unwrap_or(s.len());
                let uri_s = &s[..end];
                if uri_s.contains(['?', ',', '<', '>', '"']) {
                    return Err(err);
                }
                let uri = Uri::parse(uri_s)?;
                let params = &s[end..];
                check_generic_params(params).map_err(|_| err)?;
                return Ok(NameAddr {
                    display: None,
                    uri,
                    params,
                    bracketed: false,
                });
            }
        };
        let inner = after_display.strip_prefix('<').ok_or(err)?;
        let close = super::text::find_byte(inner, b'>').ok_or(err)?;
        let uri_s = &inner[..close];
        // No LWS just inside the brackets (RFC 4475 badaspec).
        if uri_s.bytes().any(is_lws) {
            return Err(err);
        }
        let uri = Uri::parse(uri_s)?;
        let params = &inner[close + 1..];
        check_generic_params(params).map_err(|_| err)?;
        Ok(NameAddr {
            display,
            uri,
            params,
            bracketed: true,
        })
    }

    /// Where this value's parts lie in `base` (which must contain them).
    pub(crate) fn spans_in(&self, base: &str) -> NameAddrSpans {
        NameAddrSpans {
            display: self.display.map(|d| offsets_in(base, d)),
            uri: self.uri.spans_in(base),
            params: offsets_in(base, self.params),
            bracketed: self.bracketed,
        }
    }

    /// The value [`NameAddr::spans_in`] recorded for the same `base`.
    pub(crate) fn from_spans(base: &'a str, s: &NameAddrSpans) -> NameAddr<'a> {
        NameAddr {
            display: s.display.map(|d| at_offsets(base, d)),
            uri: Uri::from_spans(base, &s.uri),
            params: at_offsets(base, s.params),
            bracketed: s.bracketed,
        }
    }

    /// Display name as written (quotes and escapes kept).
    pub fn display_name_raw(&self) -> Option<&'a str> {
        self.display
    }
    /// Display name without quotes and `\` escapes.
    pub fn display_name(&self) -> Option<Cow<'a, str>> {
        self.display.map(unquote)
    }
    pub fn uri(&self) -> &Uri<'a> {
        &self.uri
    }
    pub fn is_bracketed(&self) -> bool {
        self.bracketed
    }
    /// Header params as written, starting at the first `;` (or empty).
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
    pub fn tag(&self) -> Option<&'a str> {
        self.param("tag")
    }
}

/// The header params of a From/To-style value, found without validating
/// the address: after the `<...>` part, or from the first `;` of a bare
/// addr-spec. Used by the tag getters, which run on every message.
pub(crate) fn header_params_unchecked(v: &str) -> &str {
    let b = v.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => match quoted_end(&b[i..]) {
                Some(n) => i += n,
                None => return "",
            },
            b'<' => {
                return match memchr::memchr(b'>', &b[i..]) {
                    Some(n) => &v[i + n + 1..],
                    None => "",
                }
            }
            b';' => return &v[i..],
            _ => i += 1,
        }
    }
    ""
}

/// One Contact value: `*` or an address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Contact<'a> {
    Star,
    Addr(NameAddr<'a>),
}

impl<'a> Contact<'a> {
    pub fn parse(s: &'a str) -> Result<Contact<'a>, ParseError> {
        if trim_lws(s) == "*" {
            return Ok(Contact::Star);
        }
        NameAddr::parse(s)
            .map(Contact::Addr)
            .map_err(|_| reasons::CONTACT)
    }
    pub fn is_star(&self) -> bool {
        matches!(self, Contact::Star)
    }
    pub fn addr(&self) -> Option<&NameAddr<'a>> {
        match self {
            Contact::Addr(a) => Some(a),
            Contact::Star => None,
        }
    }
    /// The `expires` param; `Err` if present but not a 32-bit number.
    pub fn expires(&self) -> Result<Option<u32>, ParseError> {
        match self.addr().and_then(|a| a.param("expires")) {
            None => Ok(None),
            Some(v) => super::text::parse_decimal(v, u32::MAX as u64)
                .map(|v| Some(v as u32))
                .ok_or(reasons::EXPIRES),
        }
    }
    /// The `q` param as written.
    pub fn q(&self) -> Option<&'a str> {
        self.addr().and_then(|a| a.param("q"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let n = NameAddr::parse(
            "\"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n  ;\r\n  tag = 98asjd8",
        )
        .unwrap();
        assert_eq!(n.display_name().unwrap(), "J Rosenberg \\\"");
        assert_eq!(n.tag(), Some("98asjd8"));
        assert_eq!(n.uri().host(), "example.com");

        let n = NameAddr::parse("caller<sip:caller@example.com>;tag=323").unwrap();
        assert_eq!(n.display_name_raw(), Some("caller"));
        assert_eq!(n.tag(), Some("323"));

        let n = NameAddr::parse("sip:+19725552222@gw1.example.net;unknownparam").unwrap();
        assert!(!n.is_bracketed());
        assert_eq!(n.uri().params_raw(), None);
        assert_eq!(n.param("unknownparam"), Some(""));

        let n = NameAddr::parse("<sip:+19725552222@gw1.example.net;unknownparam>").unwrap();
        assert_eq!(n.uri().param("unknownparam"), Some(""));
        assert_eq!(n.param("unknownparam"), None);

        let n = NameAddr::parse("token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;tag=x")
            .unwrap();
        assert_eq!(n.display_name_raw(), Some("token1~` token2'+_ token3*%!.-"));
        assert!(NameAddr::parse("isbn:2983792873").is_ok());
    }

    #[test]
    fn rejects() {
        for s in [
            "\"Mr. J. User <sip:j.user@example.com>",
            "\"Watson, Thomas\" < sip:t.watson@example.org >",
            "Bell, Alexander <sip:a.g.bell@example.com>;tag=43",
            "sip:user@example.com?Route=%3Csip:sip.example.com%3E",
            "\"Joe\" <sip:joe@example.org>;;;;",
            "",
        ] {
            assert!(NameAddr::parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn contact() {
        assert!(Contact::parse(" * ").unwrap().is_star());
        let c = Contact::parse("<sip:a@b>;expires=60;q=0.5").unwrap();
        assert_eq!(c.expires(), Ok(Some(60)));
        assert_eq!(c.q(), Some("0.5"));
        let c =
            Contact::parse("<sip:user@host129.example.com>\r\n  ;expires=280297596632815").unwrap();
        assert!(c.expires().is_err());
    }
}
