//! Stateless replies (RFC 3261 §8.2.6), from a parsed request or, for
//! requests that failed to parse, from a lenient line scan of the raw bytes.

use std::borrow::Cow;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::net::SocketAddr;

use bytes::{BufMut, Bytes, BytesMut};

use super::header::HeaderName;
use super::message::SipMessage;
use super::nameaddr::NameAddr;
use super::text::{split_list, top_level_comma, trim_lws};
use super::via::{parse_ip, Via};
use super::write::{hex16, push_int, push_ip};

#[derive(Clone, Debug, Default)]
pub struct ReplyOptions {
    /// To tag to add when the request's To has none and code > 100. When
    /// `None`, a tag is derived from Call-ID, From tag and top branch, so
    /// retransmissions of the request get the same tag.
    pub to_tag: Option<String>,
    /// Written after CSeq, in order.
    pub extra_headers: Vec<(String, String)>,
    /// Value of a `Server:` header, if wanted (shared: set once per server).
    pub server_header: Option<std::sync::Arc<str>>,
    /// Source of the request: when set, the top Via gets `received` (if the
    /// sent-by host differs or rport was asked for) and a filled-in `rport`
    /// (RFC 3261 §18.2.1, RFC 3581).
    pub received: Option<SocketAddr>,
    /// `force_rport()`: stamp `rport` as if the top Via had asked for it.
    pub force_rport: bool,
}

/// Replaces CR, LF and NUL so copied bytes can never break framing.
fn put_clean(out: &mut BytesMut, v: &[u8]) {
    // Header values of a parsed message never hold these; copy them whole.
    if memchr::memchr3(b'\r', b'\n', 0, v).is_none() {
        out.put_slice(v);
        return;
    }
    for &b in v {
        out.put_u8(if b == b'\r' || b == b'\n' || b == 0 {
            b' '
        } else {
            b
        });
    }
}

fn put_header(out: &mut BytesMut, name: &str, value: &[u8]) {
    out.put_slice(name.as_bytes());
    out.put_slice(b": ");
    put_clean(out, value);
    out.put_slice(b"\r\n");
}

/// Append a To tag derived from Call-ID, From tag and branch (the same for
/// every retransmission of the request).
fn put_derived_tag(out: &mut BytesMut, call_id: &[u8], from_tag: &[u8], branch: &[u8]) {
    let mut h = DefaultHasher::new();
    call_id.hash(&mut h);
    from_tag.hash(&mut h);
    branch.hash(&mut h);
    out.put_slice(b"sb");
    out.put_slice(&hex16(h.finish()));
}

/// Does the top Via of a request from `src` need `received`/`rport`
/// stamped (RFC 3261 §18.2.1: a sent-by other than the source address;
/// RFC 3581: `rport` asked for — or forced — always)?
pub(crate) fn via_needs_stamp(v: &Via<'_>, src: SocketAddr, force_rport: bool) -> bool {
    force_rport || v.has_rport() || parse_ip(v.host()) != Some(src.ip())
}

/// The top Via value with received/rport filled in for `src` (an `rport`
/// appended when forced and absent).
pub(crate) fn stamp_via(v: &Via<'_>, src: SocketAddr, force_rport: bool, s: &mut String) {
    let ip = src.ip();
    let host_is_src = parse_ip(v.host()) == Some(ip);
    let rport = force_rport || v.has_rport();
    s.push_str(v.protocol());
    s.push('/');
    s.push_str(v.version());
    s.push('/');
    s.push_str(v.transport());
    s.push(' ');
    s.push_str(v.host());
    if let Some(p) = v.port() {
        s.push(':');
        push_int(s, p);
    }
    for (n, val) in v.params() {
        if n.eq_ignore_ascii_case("received") {
            continue;
        }
        s.push(';');
        if n.eq_ignore_ascii_case("rport") {
            s.push_str("rport=");
            push_int(s, src.port());
            continue;
        }
        s.push_str(n);
        if let Some(val) = val {
            s.push('=');
            s.push_str(val);
        }
    }
    if rport && !v.has_rport() {
        s.push_str(";rport=");
        push_int(s, src.port());
    }
    if !host_is_src || rport {
        s.push_str(";received=");
        push_ip(s, ip);
    }
}

struct Parts<'a> {
    vias: Vec<Cow<'a, [u8]>>,
    from: Option<&'a [u8]>,
    to: Option<&'a [u8]>,
    to_has_tag: bool,
    call_id: Option<&'a [u8]>,
    cseq: Option<&'a [u8]>,
    timestamp: Option<&'a [u8]>,
    from_tag: &'a [u8],
    branch: &'a [u8],
}

fn write_reply(code: u16, reason: &str, p: &Parts<'_>, opts: &ReplyOptions) -> Bytes {
    let mut out = BytesMut::with_capacity(512);
    out.put_slice(b"SIP/2.0 ");
    out.put_slice(itoa::Buffer::new().format(code).as_bytes());
    out.put_u8(b' ');
    put_clean(&mut out, reason.as_bytes());
    out.put_slice(b"\r\n");
    for v in &p.vias {
        put_header(&mut out, "Via", v);
    }
    if let Some(f) = p.from {
        put_header(&mut out, "From", f);
    }
    if let Some(t) = p.to {
        if code > 100 && !p.to_has_tag {
            out.put_slice(b"To: ");
            put_clean(&mut out, t);
            out.put_slice(b";tag=");
            match &opts.to_tag {
                Some(tag) => put_clean(&mut out, tag.as_bytes()),
                None => put_derived_tag(&mut out, p.call_id.unwrap_or(b""), p.from_tag, p.branch),
            }
            out.put_slice(b"\r\n");
        } else {
            put_header(&mut out, "To", t);
        }
    }
    if let Some(c) = p.call_id {
        put_header(&mut out, "Call-ID", c);
    }
    if let Some(c) = p.cseq {
        put_header(&mut out, "CSeq", c);
    }
    if code == 100 {
        if let Some(ts) = p.timestamp {
            // RFC 3261 §8.2.6.1: a 100 echoes the Timestamp.
            put_header(&mut out, "Timestamp", ts);
        }
    }
    for (n, v) in &opts.extra_headers {
        put_header(&mut out, n, v.as_bytes());
    }
    if let Some(s) = &opts.server_header {
        put_header(&mut out, "Server", s.as_bytes());
    }
    out.put_slice(b"Content-Length: 0\r\n\r\n");
    out.freeze()
}

/// Vias of one header line; on the first line (`top`: its first value,
/// parsed) the top one is stamped.
fn via_line<'a>(value: &'a str, top: Option<Via<'_>>, opts: &ReplyOptions) -> Cow<'a, [u8]> {
    let (Some(v), Some(src)) = (top, opts.received) else {
        return Cow::Borrowed(value.as_bytes());
    };
    let mut s = String::with_capacity(value.len() + 32);
    stamp_via(&v, src, opts.force_rport, &mut s);
    if let Some(c) = top_level_comma(value) {
        s.push_str(", ");
        s.push_str(trim_lws(&value[c + 1..]));
    }
    Cow::Owned(s.into_bytes())
}

/// Builds a response to `req` (RFC 3261 §8.2.6): all Vias in order, From,
/// To (with a tag added when missing and code > 100), Call-ID, CSeq, then
/// `opts.extra_headers`, `Server`, and `Content-Length: 0`.
pub fn build_reply(req: &SipMessage, code: u16, reason: &str, opts: &ReplyOptions) -> Bytes {
    let top = req.top_via().ok();
    let vias = req
        .header_all(HeaderName::Via)
        .enumerate()
        .map(|(i, v)| via_line(v, top.filter(|_| i == 0), opts))
        .collect();
    let to = req.header(HeaderName::To);
    let to_has_tag = match (to, req.to()) {
        (_, Some(Ok(n))) => n.tag().is_some(),
        (Some(t), _) => t.to_ascii_lowercase().contains(";tag="),
        (None, _) => false,
    };
    let parts = Parts {
        vias,
        from: req.header(HeaderName::From).map(str::as_bytes),
        to: to.map(str::as_bytes),
        to_has_tag,
        call_id: req.call_id().map(str::as_bytes),
        cseq: req.header(HeaderName::CSeq).map(str::as_bytes),
        timestamp: req.header(HeaderName::Timestamp).map(str::as_bytes),
        from_tag: req.from_tag().unwrap_or("").as_bytes(),
        branch: top.and_then(|v| v.branch()).unwrap_or("").as_bytes(),
    };
    write_reply(code, reason, &parts, opts)
}

fn trim_bytes(mut v: &[u8]) -> &[u8] {
    while let [b' ' | b'\t' | b'\r' | b'\n', rest @ ..] = v {
        v = rest;
    }
    while let [rest @ .., b' ' | b'\t' | b'\r' | b'\n'] = v {
        v = rest;
    }
    v
}

/// Builds a reply (normally 400 with the parse error's reason) for a
/// request that did not parse, using a lenient scan of its lines. Returns
/// the reply and the top Via (to find where it goes), or `None` when the
/// bytes are not a request or have no parseable top Via — then the
/// message can only be dropped.
pub fn build_reply_from_raw<'a>(
    raw: &'a [u8],
    code: u16,
    reason: &str,
    opts: &ReplyOptions,
) -> Option<(Bytes, Via<'a>)> {
    let start = raw.iter().position(|&b| b != b'\r' && b != b'\n')?;
    let raw_from = &raw[start..];
    let first_end = memchr::memchr(b'\n', raw_from)?;
    let first = trim_bytes(&raw_from[..first_end]);
    if first.len() < 4
        || first[..4].eq_ignore_ascii_case(b"SIP/")
        || !super::text::is_token(first[0])
    {
        return None;
    }
    if !first.windows(5).any(|w| w.eq_ignore_ascii_case(b" SIP/")) {
        return None;
    }
    // Logical header lines: (name, value) with folds joined.
    let mut lines: Vec<(HeaderName, &'a [u8])> = Vec::new();
    let mut pos = start + first_end + 1;
    let mut cur: Option<(HeaderName, usize, usize)> = None;
    while pos < raw.len() {
        let nl = memchr::memchr(b'\n', &raw[pos..])
            .map(|i| pos + i)
            .unwrap_or(raw.len());
        let line = &raw[pos..nl];
        let content = line.strip_suffix(b"\r").unwrap_or(line);
        if content.is_empty() {
            break;
        }
        if matches!(content[0], b' ' | b'\t') {
            if let Some(c) = cur.as_mut() {
                c.2 = pos + content.len();
            }
        } else {
            if let Some((n, s, e)) = cur.take() {
                lines.push((n, trim_bytes(&raw[s..e])));
            }
            if let Some(colon) = memchr::memchr(b':', content) {
                let name = trim_bytes(&content[..colon]);
                cur = Some((
                    HeaderName::classify(name),
                    pos + colon + 1,
                    pos + content.len(),
                ));
            }
        }
        pos = nl + 1;
    }
    if let Some((n, s, e)) = cur.take() {
        lines.push((n, trim_bytes(&raw[s..e])));
    }
    let first_of = |name: HeaderName| lines.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
    let top_line = std::str::from_utf8(first_of(HeaderName::Via)?).ok()?;
    let top = Via::parse(split_list(top_line).next()?).ok()?;
    let vias = lines
        .iter()
        .filter(|(n, _)| *n == HeaderName::Via)
        .enumerate()
        .map(|(i, (_, v))| match std::str::from_utf8(v) {
            Ok(s) => via_line(s, (i == 0).then_some(top), opts),
            Err(_) => Cow::Borrowed(*v),
        })
        .collect();
    let to = first_of(HeaderName::To);
    let from = first_of(HeaderName::From);
    let tag_of = |v: &'a [u8]| -> Option<&'a [u8]> {
        let s = std::str::from_utf8(v).ok()?;
        NameAddr::parse(s).ok()?.tag().map(str::as_bytes)
    };
    let to_has_tag = to.is_some_and(|t| {
        tag_of(t).is_some() || t.to_ascii_lowercase().windows(5).any(|w| w == b";tag=")
    });
    let parts = Parts {
        vias,
        from,
        to,
        to_has_tag,
        call_id: first_of(HeaderName::CallId),
        cseq: first_of(HeaderName::CSeq),
        timestamp: first_of(HeaderName::Timestamp),
        from_tag: from.and_then(tag_of).unwrap_or(b""),
        branch: top.branch().unwrap_or("").as_bytes(),
    };
    Some((write_reply(code, reason, &parts, opts), top))
}
