//! The parsed message: the original bytes plus offsets. Typed views are
//! computed on demand from those offsets (they are cheap: a few dozen
//! nanoseconds each and allocation-free), which keeps the struct `Send`
//! and lets a proxy pay only for the headers it actually looks at. The top
//! Via, asked for several times per message, is kept once parsed.

use std::sync::OnceLock;

use bytes::Bytes;

use super::cseq::{CSeq, MediaType};
use super::edit::Edits;
use super::error::{reasons, ParseError};
use super::header::{Header, HeaderName};
use super::method::Method;
use super::nameaddr::header_params_unchecked;
use super::nameaddr::{Contact, NameAddr, NameAddrSpans};
use super::text::{find_generic_param, split_list, split_list_if, trim_lws};
use super::uri::Uri;
use super::via::{Via, ViaSpans};

/// Byte range in the message buffer. u32 keeps header entries small; the
/// size limit keeps messages far below 4 GiB.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) enum StartLine {
    Request {
        method: Method,
        method_span: Span,
        uri: Span,
        version: Span,
    },
    Response {
        version: Span,
        code: u16,
        reason: Span,
    },
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct HeaderEntry {
    pub name: HeaderName,
    pub name_span: Span,
    pub value: Span,
    /// Whole physical line(s) including folds and the final line end.
    pub line_start: u32,
    pub line_end: u32,
}

/// How a request's replies and forwarded copies are sent — set from the
/// cfg's globals when it arrives and by the script (`force_rport()`,
/// `add_local_rport()`, `set_reply_no_connect()`). Kamailio keeps these
/// as flags on the message too, so every path that has the request (local
/// replies, tm's upstream, forwarding) sees them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SendFlags {
    /// Treat the top Via as if it asked for `rport` (RFC 3581): replies go
    /// to the source port, and the Via gets `received`/`rport=` stamped.
    pub force_rport: bool,
    /// The Via this proxy adds when forwarding asks for `rport`.
    pub add_local_rport: bool,
    /// Replies over a stream transport are not sent when the request's
    /// connection is gone (no new connection is opened for them).
    pub reply_no_connect: bool,
}

/// A parsed SIP message.
///
/// Getters (`via`, `from`, `headers`, ...) always describe the message as
/// received. Edits (`set_ruri`, `push_via`, ...) are recorded separately and
/// only applied by [`SipMessage::serialize`]; call [`SipMessage::reparse`]
/// to get a message whose getters see the edits.
#[derive(Clone, Debug)]
pub struct SipMessage {
    pub(crate) buf: Bytes,
    pub(crate) start: StartLine,
    pub(crate) msg_start: usize,
    pub(crate) start_line_end: usize,
    pub(crate) headers: Vec<HeaderEntry>,
    pub(crate) head_end: usize,
    pub(crate) body_start: usize,
    pub(crate) content_length: Option<usize>,
    pub(crate) edits: Option<Box<Edits>>,
    /// The top Via, parsed on first use: transaction matching, replies,
    /// sanity and the script all ask for it, several times per message.
    pub(crate) top_via: OnceLock<Result<ViaSpans, ParseError>>,
    /// From and To, parsed on first use (validate, the registrar, replies,
    /// sanity and the script each ask).
    pub(crate) from_addr: OnceLock<Option<Result<NameAddrSpans, ParseError>>>,
    pub(crate) to_addr: OnceLock<Option<Result<NameAddrSpans, ParseError>>>,
    /// Set when [`SipMessage::validate`] passed: later checks (sanity) need
    /// not parse again what it already proved.
    pub(crate) validated: OnceLock<()>,
    /// See [`SendFlags`]; kept by `clone` and `reparse`.
    pub sending: SendFlags,
}

impl SipMessage {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn from_parts(
        buf: Bytes,
        start: StartLine,
        msg_start: usize,
        start_line_end: usize,
        headers: Vec<HeaderEntry>,
        head_end: usize,
        body_start: usize,
        content_length: Option<usize>,
    ) -> SipMessage {
        SipMessage {
            buf,
            start,
            msg_start,
            start_line_end,
            headers,
            head_end,
            body_start,
            content_length,
            edits: None,
            top_via: OnceLock::new(),
            from_addr: OnceLock::new(),
            to_addr: OnceLock::new(),
            validated: OnceLock::new(),
            sending: SendFlags::default(),
        }
    }

    #[inline]
    pub(crate) fn text(&self, s: Span) -> &str {
        let bytes = &self.buf[s.start as usize..s.end as usize];
        // SAFETY: parse() checked that the start line and header block are
        // UTF-8, and every span starts and ends next to an ASCII delimiter
        // (SP, ':', CR, LF, ...), hence on a char boundary.
        debug_assert!(std::str::from_utf8(bytes).is_ok());
        unsafe { std::str::from_utf8_unchecked(bytes) }
    }

    /// True once [`SipMessage::validate`] has passed on this message.
    pub fn is_validated(&self) -> bool {
        self.validated.get().is_some()
    }

    pub fn is_request(&self) -> bool {
        matches!(self.start, StartLine::Request { .. })
    }
    pub fn is_response(&self) -> bool {
        !self.is_request()
    }

    /// Request method; `None` for responses.
    pub fn method(&self) -> Option<&Method> {
        match &self.start {
            StartLine::Request { method, .. } => Some(method),
            _ => None,
        }
    }
    /// Method as written in the request line.
    pub fn method_str(&self) -> Option<&str> {
        match &self.start {
            StartLine::Request { method_span, .. } => Some(self.text(*method_span)),
            _ => None,
        }
    }
    /// Request-URI as written; `None` for responses.
    pub fn ruri_str(&self) -> Option<&str> {
        match &self.start {
            StartLine::Request { uri, .. } => Some(self.text(*uri)),
            _ => None,
        }
    }
    /// Parsed Request-URI; `None` for responses.
    pub fn ruri(&self) -> Option<Result<Uri<'_>, ParseError>> {
        self.ruri_str()
            .map(|u| Uri::parse(u).map_err(|_| reasons::RURI))
    }
    /// Status code; `None` for requests.
    pub fn status(&self) -> Option<u16> {
        match self.start {
            StartLine::Response { code, .. } => Some(code),
            _ => None,
        }
    }
    pub fn reason(&self) -> Option<&str> {
        match self.start {
            StartLine::Response { reason, .. } => Some(self.text(reason)),
            _ => None,
        }
    }
    /// `SIP/2.0` as written.
    pub fn version(&self) -> &str {
        match self.start {
            StartLine::Request { version, .. } | StartLine::Response { version, .. } => {
                self.text(version)
            }
        }
    }

    /// The message bytes as received (leading CRLFs and bytes past
    /// Content-Length excluded). Cheap: a reference-count increment.
    pub fn raw(&self) -> Bytes {
        if self.msg_start == 0 {
            self.buf.clone()
        } else {
            self.buf.slice(self.msg_start..)
        }
    }
    pub fn body(&self) -> &[u8] {
        &self.buf[self.body_start..]
    }
    /// The Content-Length header value (the first one, if repeated).
    pub fn content_length(&self) -> Option<usize> {
        self.content_length
    }

    /// All headers in order.
    pub fn headers(&self) -> impl Iterator<Item = Header<'_>> + '_ {
        self.headers.iter().map(move |h| Header {
            name: h.name,
            name_raw: self.text(h.name_span),
            value: self.text(h.value),
        })
    }
    pub fn header_count(&self) -> usize {
        self.headers.len()
    }
    /// First header with this name (whole value, not list-split).
    pub fn header(&self, name: HeaderName) -> Option<&str> {
        self.headers
            .iter()
            .find(|h| h.name == name)
            .map(|h| self.text(h.value))
    }
    /// Every header line with this name, whole values.
    pub fn header_all(&self, name: HeaderName) -> impl Iterator<Item = &str> + '_ {
        self.headers
            .iter()
            .filter(move |h| h.name == name)
            .map(move |h| self.text(h.value))
    }
    fn matches_name(&self, h: &HeaderEntry, name: &str, known: HeaderName) -> bool {
        if known != HeaderName::Other {
            h.name == known
        } else {
            h.name == HeaderName::Other && self.text(h.name_span).eq_ignore_ascii_case(name)
        }
    }
    /// First header with this name (any case, compact forms understood).
    pub fn header_by_name(&self, name: &str) -> Option<&str> {
        let known = HeaderName::from_name(name);
        let name = name.trim();
        self.headers
            .iter()
            .find(|h| self.matches_name(h, name, known))
            .map(|h| self.text(h.value))
    }
    /// Every header line with this name (any case, compact forms
    /// understood), whole values.
    pub fn header_all_by_name<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s str> + 's {
        let known = HeaderName::from_name(name);
        let name = name.trim();
        self.headers
            .iter()
            .filter(move |h| self.matches_name(h, name, known))
            .map(|h| self.text(h.value))
    }
    /// Values of a header, with list headers (Via, Contact, Route, Allow,
    /// Supported, ...) split on top-level commas; commas inside quotes or
    /// `<...>` do not split. Empty list items are skipped. Non-list headers
    /// (Date, Authorization, ...) yield one value per line.
    pub fn header_values(&self, name: HeaderName) -> impl Iterator<Item = &str> + '_ {
        let list = name.is_list();
        self.header_all(name)
            .flat_map(move |v| split_list_if(v, list))
            .filter(move |s| !list || !s.is_empty())
    }
    /// [`SipMessage::header_values`] by name as text. Unknown headers are
    /// never split (we do not know their grammar).
    pub fn header_values_by_name<'s>(
        &'s self,
        name: &'s str,
    ) -> impl Iterator<Item = &'s str> + 's {
        let known = HeaderName::from_name(name);
        let list = known.is_list();
        let name = name.trim();
        self.headers
            .iter()
            .filter(move |h| self.matches_name(h, name, known))
            .flat_map(move |h| split_list_if(self.text(h.value), list))
            .filter(move |s| !list || !s.is_empty())
    }

    /// Every Via value in order, across header lines and comma lists.
    pub fn vias(&self) -> impl Iterator<Item = Result<Via<'_>, ParseError>> + '_ {
        self.via_values().map(Via::parse)
    }
    /// Every Via value, unparsed: skip to the one you need before parsing.
    pub fn via_values(&self) -> impl Iterator<Item = &str> + '_ {
        self.header_all(HeaderName::Via).flat_map(split_list)
    }
    /// The first Via value.
    pub fn top_via(&self) -> Result<Via<'_>, ParseError> {
        let head = self.text(Span::new(self.msg_start, self.head_end));
        let spans = self.top_via.get_or_init(|| {
            let v = self.header(HeaderName::Via).ok_or(reasons::NO_VIA)?;
            Via::parse(split_list(v).next().unwrap_or("")).map(|via| via.spans_in(head))
        });
        spans.map(|s| Via::from_spans(head, &s))
    }
    pub fn via_count(&self) -> usize {
        self.header_all(HeaderName::Via)
            .map(|v| split_list(v).count())
            .sum()
    }
    /// The (first) From header, parsed once.
    pub fn from(&self) -> Option<Result<NameAddr<'_>, ParseError>> {
        self.name_addr(&self.from_addr, HeaderName::From, reasons::FROM)
    }
    /// The (first) To header, parsed once.
    pub fn to(&self) -> Option<Result<NameAddr<'_>, ParseError>> {
        self.name_addr(&self.to_addr, HeaderName::To, reasons::TO)
    }
    fn name_addr(
        &self,
        cache: &OnceLock<Option<Result<NameAddrSpans, ParseError>>>,
        name: HeaderName,
        error: ParseError,
    ) -> Option<Result<NameAddr<'_>, ParseError>> {
        let head = self.text(Span::new(self.msg_start, self.head_end));
        let spans = cache.get_or_init(|| {
            self.header(name).map(|v| NameAddr::parse(v).map(|n| n.spans_in(head)).map_err(|_| error))
        });
        spans.map(|r| r.map(|s| NameAddr::from_spans(head, &s)))
    }
    /// From tag. Fast path: the address itself is not validated here
    /// (`validate` does that), only the header params are scanned.
    pub fn from_tag(&self) -> Option<&str> {
        let v = self.header(HeaderName::From)?;
        find_generic_param(header_params_unchecked(v), "tag")
    }
    /// To tag; same fast path as [`SipMessage::from_tag`].
    pub fn to_tag(&self) -> Option<&str> {
        let v = self.header(HeaderName::To)?;
        find_generic_param(header_params_unchecked(v), "tag")
    }
    pub fn call_id(&self) -> Option<&str> {
        self.header(HeaderName::CallId)
    }
    pub fn cseq(&self) -> Option<Result<CSeq<'_>, ParseError>> {
        self.header(HeaderName::CSeq).map(CSeq::parse)
    }
    /// All Contact values in order (`*` included as [`Contact::Star`]).
    pub fn contacts(&self) -> impl Iterator<Item = Result<Contact<'_>, ParseError>> + '_ {
        self.header_all(HeaderName::Contact)
            .flat_map(|v| split_list(v).map(Contact::parse))
    }
    pub fn routes(&self) -> impl Iterator<Item = Result<NameAddr<'_>, ParseError>> + '_ {
        self.header_all(HeaderName::Route)
            .flat_map(|v| split_list(v).map(|r| NameAddr::parse(r).map_err(|_| reasons::ROUTE)))
    }
    pub fn record_routes(&self) -> impl Iterator<Item = Result<NameAddr<'_>, ParseError>> + '_ {
        self.header_all(HeaderName::RecordRoute)
            .flat_map(|v| split_list(v).map(|r| NameAddr::parse(r).map_err(|_| reasons::ROUTE)))
    }
    pub fn max_forwards(&self) -> Option<Result<u8, ParseError>> {
        self.header(HeaderName::MaxForwards).map(|v| {
            super::text::parse_decimal(trim_lws(v), 255)
                .map(|n| n as u8)
                .ok_or(reasons::MAX_FORWARDS)
        })
    }
    pub fn expires(&self) -> Option<Result<u32, ParseError>> {
        self.header(HeaderName::Expires).map(|v| {
            super::text::parse_decimal(trim_lws(v), u32::MAX as u64)
                .map(|n| n as u32)
                .ok_or(reasons::EXPIRES)
        })
    }
    pub fn content_type(&self) -> Option<Result<MediaType<'_>, ParseError>> {
        self.header(HeaderName::ContentType).map(MediaType::parse)
    }

    /// Serializes and parses again, so that getters reflect the edits.
    pub fn reparse(&self) -> Result<SipMessage, ParseError> {
        let mut m = super::parser::parse_with_limit(self.serialize(), usize::MAX)?;
        m.sending = self.sending;
        Ok(m)
    }
}
