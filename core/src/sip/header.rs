//! Header names: classified once at parse time so lookups compare enum
//! discriminants instead of case-folding strings on every access.

macro_rules! header_names {
    ($( $variant:ident => $canon:literal, $lower:literal, $list:literal; )*) => {
        /// Known SIP header names; everything else is `Other` (the name as
        /// written is kept on the header itself).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum HeaderName {
            $( $variant, )*
            Other,
        }

        impl HeaderName {
            /// Canonical (long-form) spelling, used when we write a header.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( HeaderName::$variant => $canon, )*
                    HeaderName::Other => "",
                }
            }

            /// True for headers whose grammar is a comma-separated list, so
            /// that `a, b` means two values. Authorization-style headers and
            /// Date are deliberately not lists.
            pub fn is_list(self) -> bool {
                match self {
                    $( HeaderName::$variant => $list, )*
                    HeaderName::Other => false,
                }
            }


        }
    };
}

header_names! {
    Accept => "Accept", b"accept", true;
    AcceptContact => "Accept-Contact", b"accept-contact", true;
    AcceptEncoding => "Accept-Encoding", b"accept-encoding", true;
    AcceptLanguage => "Accept-Language", b"accept-language", true;
    AlertInfo => "Alert-Info", b"alert-info", true;
    Allow => "Allow", b"allow", true;
    AllowEvents => "Allow-Events", b"allow-events", true;
    AuthenticationInfo => "Authentication-Info", b"authentication-info", false;
    Authorization => "Authorization", b"authorization", false;
    CallId => "Call-ID", b"call-id", false;
    CallInfo => "Call-Info", b"call-info", true;
    Contact => "Contact", b"contact", true;
    ContentDisposition => "Content-Disposition", b"content-disposition", false;
    ContentEncoding => "Content-Encoding", b"content-encoding", true;
    ContentLanguage => "Content-Language", b"content-language", true;
    ContentLength => "Content-Length", b"content-length", false;
    ContentType => "Content-Type", b"content-type", false;
    CSeq => "CSeq", b"cseq", false;
    Date => "Date", b"date", false;
    ErrorInfo => "Error-Info", b"error-info", true;
    Event => "Event", b"event", false;
    Expires => "Expires", b"expires", false;
    From => "From", b"from", false;
    Identity => "Identity", b"identity", false;
    InReplyTo => "In-Reply-To", b"in-reply-to", true;
    MaxForwards => "Max-Forwards", b"max-forwards", false;
    MimeVersion => "MIME-Version", b"mime-version", false;
    MinExpires => "Min-Expires", b"min-expires", false;
    MinSe => "Min-SE", b"min-se", false;
    Organization => "Organization", b"organization", false;
    PAssertedIdentity => "P-Asserted-Identity", b"p-asserted-identity", true;
    PPreferredIdentity => "P-Preferred-Identity", b"p-preferred-identity", true;
    Path => "Path", b"path", true;
    Priority => "Priority", b"priority", false;
    Privacy => "Privacy", b"privacy", false;
    ProxyAuthenticate => "Proxy-Authenticate", b"proxy-authenticate", false;
    ProxyAuthorization => "Proxy-Authorization", b"proxy-authorization", false;
    ProxyRequire => "Proxy-Require", b"proxy-require", true;
    RAck => "RAck", b"rack", false;
    Reason => "Reason", b"reason", true;
    RecordRoute => "Record-Route", b"record-route", true;
    ReferTo => "Refer-To", b"refer-to", false;
    ReferredBy => "Referred-By", b"referred-by", false;
    RejectContact => "Reject-Contact", b"reject-contact", true;
    ReplyTo => "Reply-To", b"reply-to", false;
    RequestDisposition => "Request-Disposition", b"request-disposition", true;
    Require => "Require", b"require", true;
    RetryAfter => "Retry-After", b"retry-after", false;
    Route => "Route", b"route", true;
    RSeq => "RSeq", b"rseq", false;
    Server => "Server", b"server", false;
    ServiceRoute => "Service-Route", b"service-route", true;
    SessionExpires => "Session-Expires", b"session-expires", false;
    Subject => "Subject", b"subject", false;
    Supported => "Supported", b"supported", true;
    Timestamp => "Timestamp", b"timestamp", false;
    To => "To", b"to", false;
    Unsupported => "Unsupported", b"unsupported", true;
    UserAgent => "User-Agent", b"user-agent", false;
    Via => "Via", b"via", true;
    Warning => "Warning", b"warning", true;
    WwwAuthenticate => "WWW-Authenticate", b"www-authenticate", false;
}

impl HeaderName {
    // Dispatch on (length, first byte) first so that a lookup does at most
    // a couple of short compares. Generated from the table above.
    fn from_lower(name: &[u8]) -> HeaderName {
        // `| 0x20` lower-cases letters; other bytes never match an arm.
        if name.is_empty() {
            return HeaderName::Other;
        }
        match (name.len(), name[0] | 0x20) {
            (2, b't') if name.eq_ignore_ascii_case(b"to") => HeaderName::To,
            (3, b'v') if name.eq_ignore_ascii_case(b"via") => HeaderName::Via,
            (4, b'c') if name.eq_ignore_ascii_case(b"cseq") => HeaderName::CSeq,
            (4, b'd') if name.eq_ignore_ascii_case(b"date") => HeaderName::Date,
            (4, b'f') if name.eq_ignore_ascii_case(b"from") => HeaderName::From,
            (4, b'p') if name.eq_ignore_ascii_case(b"path") => HeaderName::Path,
            (4, b'r') if name.eq_ignore_ascii_case(b"rack") => HeaderName::RAck,
            (4, b'r') if name.eq_ignore_ascii_case(b"rseq") => HeaderName::RSeq,
            (5, b'a') if name.eq_ignore_ascii_case(b"allow") => HeaderName::Allow,
            (5, b'e') if name.eq_ignore_ascii_case(b"event") => HeaderName::Event,
            (5, b'r') if name.eq_ignore_ascii_case(b"route") => HeaderName::Route,
            (6, b'a') if name.eq_ignore_ascii_case(b"accept") => HeaderName::Accept,
            (6, b'm') if name.eq_ignore_ascii_case(b"min-se") => HeaderName::MinSe,
            (6, b'r') if name.eq_ignore_ascii_case(b"reason") => HeaderName::Reason,
            (6, b's') if name.eq_ignore_ascii_case(b"server") => HeaderName::Server,
            (7, b'c') if name.eq_ignore_ascii_case(b"call-id") => HeaderName::CallId,
            (7, b'c') if name.eq_ignore_ascii_case(b"contact") => HeaderName::Contact,
            (7, b'e') if name.eq_ignore_ascii_case(b"expires") => HeaderName::Expires,
            (7, b'p') if name.eq_ignore_ascii_case(b"privacy") => HeaderName::Privacy,
            (7, b'r') if name.eq_ignore_ascii_case(b"require") => HeaderName::Require,
            (7, b's') if name.eq_ignore_ascii_case(b"subject") => HeaderName::Subject,
            (7, b'w') if name.eq_ignore_ascii_case(b"warning") => HeaderName::Warning,
            (8, b'i') if name.eq_ignore_ascii_case(b"identity") => HeaderName::Identity,
            (8, b'p') if name.eq_ignore_ascii_case(b"priority") => HeaderName::Priority,
            (8, b'r') if name.eq_ignore_ascii_case(b"refer-to") => HeaderName::ReferTo,
            (8, b'r') if name.eq_ignore_ascii_case(b"reply-to") => HeaderName::ReplyTo,
            (9, b'c') if name.eq_ignore_ascii_case(b"call-info") => HeaderName::CallInfo,
            (9, b's') if name.eq_ignore_ascii_case(b"supported") => HeaderName::Supported,
            (9, b't') if name.eq_ignore_ascii_case(b"timestamp") => HeaderName::Timestamp,
            (10, b'a') if name.eq_ignore_ascii_case(b"alert-info") => HeaderName::AlertInfo,
            (10, b'e') if name.eq_ignore_ascii_case(b"error-info") => HeaderName::ErrorInfo,
            (10, b'u') if name.eq_ignore_ascii_case(b"user-agent") => HeaderName::UserAgent,
            (11, b'i') if name.eq_ignore_ascii_case(b"in-reply-to") => HeaderName::InReplyTo,
            (11, b'm') if name.eq_ignore_ascii_case(b"min-expires") => HeaderName::MinExpires,
            (11, b'r') if name.eq_ignore_ascii_case(b"referred-by") => HeaderName::ReferredBy,
            (11, b'r') if name.eq_ignore_ascii_case(b"retry-after") => HeaderName::RetryAfter,
            (11, b'u') if name.eq_ignore_ascii_case(b"unsupported") => HeaderName::Unsupported,
            (12, b'a') if name.eq_ignore_ascii_case(b"allow-events") => HeaderName::AllowEvents,
            (12, b'c') if name.eq_ignore_ascii_case(b"content-type") => HeaderName::ContentType,
            (12, b'm') if name.eq_ignore_ascii_case(b"max-forwards") => HeaderName::MaxForwards,
            (12, b'm') if name.eq_ignore_ascii_case(b"mime-version") => HeaderName::MimeVersion,
            (12, b'o') if name.eq_ignore_ascii_case(b"organization") => HeaderName::Organization,
            (12, b'r') if name.eq_ignore_ascii_case(b"record-route") => HeaderName::RecordRoute,
            (13, b'a') if name.eq_ignore_ascii_case(b"authorization") => HeaderName::Authorization,
            (13, b'p') if name.eq_ignore_ascii_case(b"proxy-require") => HeaderName::ProxyRequire,
            (13, b's') if name.eq_ignore_ascii_case(b"service-route") => HeaderName::ServiceRoute,
            (14, b'a') if name.eq_ignore_ascii_case(b"accept-contact") => HeaderName::AcceptContact,
            (14, b'c') if name.eq_ignore_ascii_case(b"content-length") => HeaderName::ContentLength,
            (14, b'r') if name.eq_ignore_ascii_case(b"reject-contact") => HeaderName::RejectContact,
            (15, b'a') if name.eq_ignore_ascii_case(b"accept-encoding") => {
                HeaderName::AcceptEncoding
            }
            (15, b'a') if name.eq_ignore_ascii_case(b"accept-language") => {
                HeaderName::AcceptLanguage
            }
            (15, b's') if name.eq_ignore_ascii_case(b"session-expires") => {
                HeaderName::SessionExpires
            }
            (16, b'c') if name.eq_ignore_ascii_case(b"content-encoding") => {
                HeaderName::ContentEncoding
            }
            (16, b'c') if name.eq_ignore_ascii_case(b"content-language") => {
                HeaderName::ContentLanguage
            }
            (16, b'w') if name.eq_ignore_ascii_case(b"www-authenticate") => {
                HeaderName::WwwAuthenticate
            }
            (18, b'p') if name.eq_ignore_ascii_case(b"proxy-authenticate") => {
                HeaderName::ProxyAuthenticate
            }
            (19, b'a') if name.eq_ignore_ascii_case(b"authentication-info") => {
                HeaderName::AuthenticationInfo
            }
            (19, b'c') if name.eq_ignore_ascii_case(b"content-disposition") => {
                HeaderName::ContentDisposition
            }
            (19, b'p') if name.eq_ignore_ascii_case(b"p-asserted-identity") => {
                HeaderName::PAssertedIdentity
            }
            (19, b'p') if name.eq_ignore_ascii_case(b"proxy-authorization") => {
                HeaderName::ProxyAuthorization
            }
            (19, b'r') if name.eq_ignore_ascii_case(b"request-disposition") => {
                HeaderName::RequestDisposition
            }
            (20, b'p') if name.eq_ignore_ascii_case(b"p-preferred-identity") => {
                HeaderName::PPreferredIdentity
            }
            _ => HeaderName::Other,
        }
    }
}

impl HeaderName {
    /// Classifies a header name as written (any case, compact forms of
    /// RFC 3261/3265/3515/3841/3892/4028/4474).
    pub fn classify(name: &[u8]) -> HeaderName {
        if name.len() == 1 {
            return match name[0].to_ascii_lowercase() {
                b'i' => HeaderName::CallId,
                b'm' => HeaderName::Contact,
                b'e' => HeaderName::ContentEncoding,
                b'l' => HeaderName::ContentLength,
                b'c' => HeaderName::ContentType,
                b'f' => HeaderName::From,
                b's' => HeaderName::Subject,
                b'k' => HeaderName::Supported,
                b't' => HeaderName::To,
                b'v' => HeaderName::Via,
                b'o' => HeaderName::Event,
                b'r' => HeaderName::ReferTo,
                b'b' => HeaderName::ReferredBy,
                b'x' => HeaderName::SessionExpires,
                b'u' => HeaderName::AllowEvents,
                b'y' => HeaderName::Identity,
                b'a' => HeaderName::AcceptContact,
                b'j' => HeaderName::RejectContact,
                b'd' => HeaderName::RequestDisposition,
                _ => HeaderName::Other,
            };
        }
        HeaderName::from_lower(name)
    }

    /// Classifies a name given as text (for `header_by_name`).
    pub fn from_name(name: &str) -> HeaderName {
        HeaderName::classify(name.trim().as_bytes())
    }
}

/// One header as it appears in the message: the name exactly as written
/// (possibly compact, any case) and the LWS-trimmed value (which may
/// still contain line folds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header<'a> {
    pub name: HeaderName,
    pub name_raw: &'a str,
    pub value: &'a str,
}

impl<'a> Header<'a> {
    /// The value with each line fold replaced by a single space.
    pub fn value_unfolded(&self) -> std::borrow::Cow<'a, str> {
        unfold(self.value)
    }
}

/// Replaces each `CRLF 1*WSP` (or bare `LF 1*WSP`) with one SP.
pub fn unfold(v: &str) -> std::borrow::Cow<'_, str> {
    if !v.contains('\n') {
        return std::borrow::Cow::Borrowed(v);
    }
    let mut out = String::with_capacity(v.len());
    let mut it = v.split('\n');
    if let Some(first) = it.next() {
        out.push_str(first.trim_end_matches('\r').trim_end_matches([' ', '\t']));
    }
    for part in it {
        out.push(' ');
        out.push_str(
            part.trim_end_matches('\r')
                .trim_start_matches([' ', '\t'])
                .trim_end_matches([' ', '\t']),
        );
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify_names() {
        assert_eq!(HeaderName::classify(b"VIA"), HeaderName::Via);
        assert_eq!(HeaderName::classify(b"v"), HeaderName::Via);
        assert_eq!(
            HeaderName::classify(b"MaX-fOrWaRdS"),
            HeaderName::MaxForwards
        );
        assert_eq!(HeaderName::classify(b"I"), HeaderName::CallId);
        assert_eq!(HeaderName::classify(b"C%6Fntact"), HeaderName::Other);
        assert_eq!(HeaderName::classify(b"x"), HeaderName::SessionExpires);
        assert_eq!(HeaderName::classify(b"u"), HeaderName::AllowEvents);
        assert_eq!(HeaderName::classify(b"y"), HeaderName::Identity);
        assert_eq!(HeaderName::classify(b"o"), HeaderName::Event);
        assert_eq!(HeaderName::classify(b"r"), HeaderName::ReferTo);
        assert_eq!(HeaderName::classify(b"b"), HeaderName::ReferredBy);
        assert_eq!(HeaderName::classify(b"k"), HeaderName::Supported);
        assert_eq!(
            HeaderName::classify(b"WWW-Authenticate"),
            HeaderName::WwwAuthenticate
        );
        assert_eq!(
            HeaderName::classify(b"X-Very-Long-Unknown-Header-Name-Here"),
            HeaderName::Other
        );
    }

    #[test]
    fn unfold_folds() {
        assert_eq!(unfold("a,\r\n   b"), "a, b");
    }
}
