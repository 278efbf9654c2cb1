//! Checks run by the server right after `parse`, before routing.
//!
//! `validate` is what a proxy needs to forward or answer a message safely
//! (RFC 4475 §3.1.2 classes); `validate_strict` adds the checks of §3.3
//! that a UA or registrar must make but a proxy must not (it forwards
//! those messages unchanged, per the RFC 4475 classification).

use super::error::{reasons, ParseError};
use super::header::HeaderName;
use super::message::SipMessage;
use super::nameaddr::NameAddr;
use super::text::{is_lws, trim_lws};
use super::uri::Scheme;
use super::via::Via;

impl SipMessage {
    /// Proxy-level validation: start line (version, Request-URI syntax,
    /// no URI headers in a SIP Request-URI), Via present and parseable,
    /// CSeq present, in range and matching the request method, and the
    /// syntax and numeric ranges of From, To, Call-ID, Contact, Route,
    /// Record-Route, Max-Forwards, Expires, Content-Type, Retry-After and
    /// Date when they are present.
    ///
    /// A reply's From, To, Contact and Record-Route are not checked: a
    /// proxy matches a reply by its Via and CSeq and passes those headers
    /// on as they are (as Kamailio does); the addresses are parsed only if
    /// a script or module asks for them. That is four to six address
    /// parses less per forwarded reply.
    pub fn validate(&self) -> Result<(), ParseError> {
        self.check()?;
        let _ = self.validated.set(());
        Ok(())
    }

    fn check(&self) -> Result<(), ParseError> {
        if !self.version().eq_ignore_ascii_case("SIP/2.0") {
            return Err(reasons::VERSION);
        }
        if let Some(uri) = self.ruri() {
            let uri = uri?;
            if matches!(uri.scheme(), Scheme::Sip | Scheme::Sips) && uri.headers_raw().is_some() {
                // RFC 3261 §19.1.1: headers are not allowed in a Request-URI
                // (RFC 4475 escruri).
                return Err(reasons::RURI);
            }
        }
        // the top Via through the message's cache (the transaction key and
        // the reply need it again), the others as they come
        let via_ok = |v: &Via<'_>| v.protocol().eq_ignore_ascii_case("SIP") && v.version() == "2.0";
        if !via_ok(&self.top_via()?) {
            return Err(reasons::VIA);
        }
        for v in self.via_values().skip(1).map(Via::parse) {
            if !via_ok(&v?) {
                return Err(reasons::VIA);
            }
        }
        let cseq = self.cseq().ok_or(reasons::NO_CSEQ)??;
        if let Some(m) = self.method_str() {
            if cseq.method_raw != m {
                return Err(reasons::CSEQ_METHOD);
            }
        }
        for h in self.header_all(HeaderName::CallId) {
            if h.is_empty() || h.bytes().any(is_lws) {
                return Err(reasons::CALL_ID);
            }
        }
        if self.is_request() {
            self.check_addresses()?;
        }
        for v in self.header_all(HeaderName::MaxForwards) {
            super::text::parse_decimal(trim_lws(v), 255).ok_or(reasons::MAX_FORWARDS)?;
        }
        for v in self.header_all(HeaderName::Expires) {
            super::text::parse_decimal(trim_lws(v), u32::MAX as u64).ok_or(reasons::EXPIRES)?;
        }
        for v in self.header_all(HeaderName::ContentType) {
            super::cseq::MediaType::parse(v)?;
        }
        for v in self.header_all(HeaderName::RetryAfter) {
            let n = v.find([' ', '\t', '(', ';']).unwrap_or(v.len());
            super::text::parse_decimal(&v[..n], u32::MAX as u64).ok_or(reasons::RETRY_AFTER)?;
        }
        for v in self.header_all(HeaderName::Date) {
            if !date_ok(v) {
                return Err(reasons::DATE);
            }
        }
        Ok(())
    }

    /// From, To, Contact, Route and Record-Route of a request.
    fn check_addresses(&self) -> Result<(), ParseError> {
        // the first of each through the message's cache (parsed once for
        // validate, the registrar, replies and the script)
        self.from().transpose()?;
        self.to().transpose()?;
        for h in self.header_all(HeaderName::From).skip(1) {
            NameAddr::parse(h).map_err(|_| reasons::FROM)?;
        }
        for h in self.header_all(HeaderName::To).skip(1) {
            NameAddr::parse(h).map_err(|_| reasons::TO)?;
        }
        let mut star = false;
        let mut n_contacts = 0;
        for c in self.contacts() {
            let c = c?;
            c.expires()?;
            star |= c.is_star();
            n_contacts += 1;
        }
        if star && n_contacts > 1 {
            return Err(reasons::CONTACT);
        }
        for r in self.routes().chain(self.record_routes()) {
            r?;
        }
        Ok(())
    }

    /// `validate` plus what a UA/registrar must refuse (RFC 4475 §3.3):
    /// missing From/To/Call-ID, and repeated single-instance headers
    /// (From, To, Call-ID, CSeq, Max-Forwards, Content-Length, Content-Type).
    pub fn validate_strict(&self) -> Result<(), ParseError> {
        self.validate()?;
        if self.header(HeaderName::From).is_none() {
            return Err(reasons::MISSING_FROM);
        }
        if self.header(HeaderName::To).is_none() {
            return Err(reasons::MISSING_TO);
        }
        if self.header(HeaderName::CallId).is_none() {
            return Err(reasons::MISSING_CALL_ID);
        }
        for n in [
            HeaderName::From,
            HeaderName::To,
            HeaderName::CallId,
            HeaderName::CSeq,
            HeaderName::MaxForwards,
            HeaderName::ContentLength,
            HeaderName::ContentType,
        ] {
            if self.header_all(n).count() > 1 {
                return Err(reasons::DUPLICATE);
            }
        }
        Ok(())
    }
}

/// RFC 1123 date in GMT, as RFC 3261 §20.17 requires:
/// `Sun, 06 Nov 1994 08:49:37 GMT`.
pub(crate) fn date_ok(v: &str) -> bool {
    let v = trim_lws(v);
    let Some((wkday, rest)) = v.split_once(',') else {
        return false;
    };
    if !["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].contains(&wkday) {
        return false;
    }
    let parts: Vec<&str> = rest.split_ascii_whitespace().collect();
    let [day, month, year, time, zone] = parts[..] else {
        return false;
    };
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let t: Vec<&str> = time.split(':').collect();
    digits(day, 2)
        && months.contains(&month)
        && digits(year, 4)
        && t.len() == 3
        && t.iter().all(|x| digits(x, 2))
        && zone == "GMT"
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates() {
        assert!(super::date_ok("Sat, 15 Oct 2005 04:44:56 GMT"));
        assert!(!super::date_ok("Fri, 01 Jan 2010 16:00:00 EST"));
        assert!(!super::date_ok("garbage"));
    }
}
