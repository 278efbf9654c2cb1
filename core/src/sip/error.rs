use std::fmt;

/// Why a message (or one of its parts) was refused.
///
/// The reason is a `&'static str` on purpose: it goes straight into a log
/// line and into the reason phrase of the 400 we send back, so it must be
/// short, must not echo attacker-controlled bytes, and must not allocate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseError {
    reason: &'static str,
    status: u16,
}

impl ParseError {
    pub const fn new(reason: &'static str) -> Self {
        ParseError {
            reason,
            status: 400,
        }
    }

    pub const fn with_status(status: u16, reason: &'static str) -> Self {
        ParseError { reason, status }
    }

    /// Short text for a log line and for the reply's reason phrase.
    pub fn reason(&self) -> &'static str {
        self.reason
    }

    /// The status code a server should answer with (400, 505 or 513).
    pub fn status_code(&self) -> u16 {
        self.status
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason)
    }
}

impl std::error::Error for ParseError {}

pub(crate) mod reasons {
    use super::ParseError;
    pub const TOO_LARGE: ParseError = ParseError::with_status(513, "Message Too Large");
    pub const EMPTY: ParseError = ParseError::new("Bad Request - Empty Message");
    pub const REQUEST_LINE: ParseError = ParseError::new("Bad Request - Malformed Request-Line");
    pub const STATUS_LINE: ParseError = ParseError::new("Bad Request - Malformed Status-Line");
    pub const STATUS_CODE: ParseError = ParseError::new("Bad Request - Invalid Status Code");
    pub const VERSION: ParseError = ParseError::with_status(505, "Version Not Supported");
    pub const HEADER: ParseError = ParseError::new("Bad Request - Malformed Header");
    pub const NO_HEADER_END: ParseError =
        ParseError::new("Bad Request - Unterminated Header Section");
    pub const NOT_UTF8: ParseError = ParseError::new("Bad Request - Invalid UTF-8 in Headers");
    pub const CONTENT_LENGTH: ParseError = ParseError::new("Bad Request - Invalid Content-Length");
    pub const CL_MISMATCH: ParseError = ParseError::new("Content-Length mismatch");
    pub const URI: ParseError = ParseError::new("Bad Request - Malformed URI");
    pub const RURI: ParseError = ParseError::new("Bad Request - Malformed Request-URI");
    pub const VIA: ParseError = ParseError::new("Bad Request - Malformed Via");
    pub const NO_VIA: ParseError = ParseError::new("Bad Request - Missing Via");
    pub const CSEQ: ParseError = ParseError::new("Bad Request - Malformed CSeq");
    pub const NO_CSEQ: ParseError = ParseError::new("Bad Request - Missing CSeq");
    pub const CSEQ_METHOD: ParseError = ParseError::new("Bad Request - CSeq Method Mismatch");
    pub const CALL_ID: ParseError = ParseError::new("Bad Request - Malformed Call-ID");
    pub const FROM: ParseError = ParseError::new("Bad Request - Malformed From");
    pub const TO: ParseError = ParseError::new("Bad Request - Malformed To");
    pub const CONTACT: ParseError = ParseError::new("Bad Request - Malformed Contact");
    pub const ROUTE: ParseError = ParseError::new("Bad Request - Malformed Route");
    pub const NAME_ADDR: ParseError = ParseError::new("Bad Request - Malformed Address");
    pub const MAX_FORWARDS: ParseError = ParseError::new("Bad Request - Invalid Max-Forwards");
    pub const EXPIRES: ParseError = ParseError::new("Bad Request - Invalid Expires");
    pub const DATE: ParseError = ParseError::new("Bad Request - Malformed Date");
    pub const CONTENT_TYPE: ParseError = ParseError::new("Bad Request - Malformed Content-Type");
    pub const RETRY_AFTER: ParseError = ParseError::new("Bad Request - Invalid Retry-After");
    pub const MISSING_FROM: ParseError = ParseError::new("Bad Request - Missing From");
    pub const MISSING_TO: ParseError = ParseError::new("Bad Request - Missing To");
    pub const MISSING_CALL_ID: ParseError = ParseError::new("Bad Request - Missing Call-ID");
    pub const DUPLICATE: ParseError = ParseError::new("Bad Request - Duplicate Header");
    pub const BAD_EDIT: ParseError = ParseError::new("Invalid header name or value");
}
