//! Datagram parsing: start line plus header boundaries and name
//! classification only. Everything else is parsed on demand by the typed
//! accessors, so the common proxy path touches each byte about once.

use bytes::Bytes;
use memchr::memchr;
use nom::bytes::complete::{tag_no_case, take_till1, take_while1, take_while_m_n};
use nom::character::complete::{char, digit1};
use nom::combinator::{recognize, rest};
use nom::{IResult, Parser};

use super::error::{reasons, ParseError};
use super::header::HeaderName;
use super::message::{HeaderEntry, SipMessage, Span, StartLine};
use super::method::Method;
use super::text::is_token;

/// Default maximum message size (the largest UDP payload).
pub const DEFAULT_MAX_SIZE: usize = 65_535;

/// Parses one datagram with the default size limit.
pub fn parse(buf: Bytes) -> Result<SipMessage, ParseError> {
    parse_with_limit(buf, DEFAULT_MAX_SIZE)
}

fn version(i: &[u8]) -> IResult<&[u8], &[u8]> {
    recognize((tag_no_case("SIP/"), digit1, char('.'), digit1)).parse(i)
}

/// Three pieces of a start line (method/URI/version or version/code/reason).
type Triple<'a> = (&'a [u8], &'a [u8], &'a [u8]);

fn request_line(i: &[u8]) -> IResult<&[u8], Triple<'_>> {
    let (i, (m, _, u, _, v)) = (
        take_while1(is_token),
        char(' '),
        take_till1(|c| c == b' '),
        char(' '),
        version,
    )
        .parse(i)?;
    Ok((i, (m, u, v)))
}

fn status_line(i: &[u8]) -> IResult<&[u8], Triple<'_>> {
    let (i, (v, _, code)) = (
        version,
        char(' '),
        take_while_m_n(3, 3, |c: u8| c.is_ascii_digit()),
    )
        .parse(i)?;
    if i.is_empty() {
        return Ok((i, (v, code, i)));
    }
    let (i, (_, reason)) = (char(' '), rest).parse(i)?;
    Ok((i, (v, code, reason)))
}

fn span_of(base: &[u8], part: &[u8]) -> Span {
    let start = part.as_ptr() as usize - base.as_ptr() as usize;
    Span::new(start, start + part.len())
}

fn parse_start_line(buf: &[u8], line: &[u8]) -> Result<StartLine, ParseError> {
    if line.len() >= 4 && line[..4].eq_ignore_ascii_case(b"SIP/") {
        let (_, (v, code, reason)) = status_line(line).map_err(|_| {
            // Distinguish an over-long code (RFC 4475 bigcode) in the log.
            if line
                .iter()
                .skip_while(|&&b| b != b' ')
                .skip(1)
                .take_while(|b| b.is_ascii_digit())
                .count()
                > 3
            {
                reasons::STATUS_CODE
            } else {
                reasons::STATUS_LINE
            }
        })?;
        let code: u16 = std::str::from_utf8(code)
            .ok()
            .and_then(|c| c.parse().ok())
            .ok_or(reasons::STATUS_LINE)?;
        if !(100..=699).contains(&code) {
            return Err(reasons::STATUS_CODE);
        }
        Ok(StartLine::Response {
            version: span_of(buf, v),
            code,
            reason: span_of(buf, reason),
        })
    } else {
        // Trailing whitespace after the version is tolerated (RFC 4475
        // trws allows either choice); everything else must be single SPs.
        let trimmed_len = line.len()
            - line
                .iter()
                .rev()
                .take_while(|&&b| b == b' ' || b == b'\t')
                .count();
        let line = &line[..trimmed_len];
        let (left, (m, u, v)) = request_line(line).map_err(|_| reasons::REQUEST_LINE)?;
        if !left.is_empty() {
            return Err(reasons::REQUEST_LINE);
        }
        let method = Method::from_token(std::str::from_utf8(m).map_err(|_| reasons::REQUEST_LINE)?);
        Ok(StartLine::Request {
            method,
            method_span: span_of(buf, m),
            uri: span_of(buf, u),
            version: span_of(buf, v),
        })
    }
}

fn trim_span(b: &[u8], mut s: usize, mut e: usize) -> (usize, usize) {
    while s < e && matches!(b[s], b' ' | b'\t' | b'\r' | b'\n') {
        s += 1;
    }
    while e > s && matches!(b[e - 1], b' ' | b'\t' | b'\r' | b'\n') {
        e -= 1;
    }
    (s, e)
}

pub(crate) fn parse_content_length(v: &[u8]) -> Result<usize, ParseError> {
    if v.is_empty() || v.len() > 10 || !v.iter().all(|b| b.is_ascii_digit()) {
        return Err(reasons::CONTENT_LENGTH);
    }
    let mut n: usize = 0;
    for &d in v {
        n = n * 10 + (d - b'0') as usize;
    }
    Ok(n)
}

/// Parses one datagram (RFC 3261 §18.3 framing): the body is everything
/// after the blank line, cut to Content-Length if that is smaller; a
/// Content-Length larger than what is there is an error. Leading CRLFs are
/// skipped (§7.5). The message keeps only its own bytes, so trailing data
/// (RFC 4475 dblreq) is dropped and not forwarded.
pub fn parse_with_limit(buf: Bytes, max_size: usize) -> Result<SipMessage, ParseError> {
    if buf.len() > max_size {
        return Err(reasons::TOO_LARGE);
    }
    let b: &[u8] = &buf;
    let msg_start = b
        .iter()
        .position(|&c| c != b'\r' && c != b'\n')
        .ok_or(reasons::EMPTY)?;
    let nl = memchr(b'\n', &b[msg_start..]).ok_or(reasons::NO_HEADER_END)? + msg_start;
    let line_end = if nl > msg_start && b[nl - 1] == b'\r' {
        nl - 1
    } else {
        nl
    };
    let start = parse_start_line(b, &b[msg_start..line_end])?;
    let start_line_end = nl + 1;

    let mut headers: Vec<HeaderEntry> = Vec::with_capacity(16);
    let mut pos = start_line_end;
    let mut content_length: Option<usize> = None;
    let head_end;
    let body_start;
    // The header being built: (entry, raw value start, raw value end).
    let mut cur: Option<(HeaderEntry, usize, usize)> = None;

    let finish = |cur: &mut Option<(HeaderEntry, usize, usize)>,
                  headers: &mut Vec<HeaderEntry>,
                  cl: &mut Option<usize>|
     -> Result<(), ParseError> {
        if let Some((mut h, vs, ve)) = cur.take() {
            let (s, e) = trim_span(b, vs, ve);
            h.value = Span::new(s, e);
            if h.name == HeaderName::ContentLength && cl.is_none() {
                // Several Content-Length headers (RFC 4475 mcl01): the
                // first one frames the datagram; validate_strict flags it.
                *cl = Some(parse_content_length(&b[s..e])?);
            }
            headers.push(h);
        }
        Ok(())
    };

    loop {
        if pos >= b.len() {
            return Err(reasons::NO_HEADER_END);
        }
        let nl = memchr(b'\n', &b[pos..]).ok_or(reasons::NO_HEADER_END)? + pos;
        let content_end = if nl > pos && b[nl - 1] == b'\r' {
            nl - 1
        } else {
            nl
        };
        if content_end == pos {
            finish(&mut cur, &mut headers, &mut content_length)?;
            head_end = pos;
            body_start = nl + 1;
            break;
        }
        let first = b[pos];
        if first == b' ' || first == b'\t' {
            // Line fold: the value continues, CRLF included in its span.
            let c = cur.as_mut().ok_or(reasons::HEADER)?;
            c.2 = content_end;
            c.0.line_end = (nl + 1) as u32;
            pos = nl + 1;
            continue;
        }
        finish(&mut cur, &mut headers, &mut content_length)?;
        let line = &b[pos..content_end];
        // Name and colon in one pass: token chars, optional SP/HT, ':'.
        let mut name_end = 0;
        while name_end < line.len() && is_token(line[name_end]) {
            name_end += 1;
        }
        let mut colon = name_end;
        while colon < line.len() && (line[colon] == b' ' || line[colon] == b'\t') {
            colon += 1;
        }
        if name_end == 0 || colon >= line.len() || line[colon] != b':' {
            return Err(reasons::HEADER);
        }
        let name = &line[..name_end];
        let entry = HeaderEntry {
            name: HeaderName::classify(name),
            name_span: Span::new(pos, pos + name_end),
            value: Span::new(0, 0),
            line_start: pos as u32,
            line_end: (nl + 1) as u32,
        };
        cur = Some((entry, pos + colon + 1, content_end));
        pos = nl + 1;
    }

    // Accessors hand out &str views of the head; check it once here.
    if std::str::from_utf8(&b[msg_start..head_end]).is_err() {
        return Err(reasons::NOT_UTF8);
    }

    let available = b.len() - body_start;
    let body_len = match content_length {
        Some(cl) if cl > available => return Err(reasons::CL_MISMATCH),
        Some(cl) => cl,
        None => available,
    };
    let msg_end = body_start + body_len;
    // Offsets stay relative to the original buffer; only trailing bytes
    // are cut off so that `raw()` is exactly this message.
    let buf = if msg_end == b.len() {
        buf
    } else {
        buf.slice(..msg_end)
    };
    Ok(SipMessage::from_parts(
        buf,
        start,
        msg_start,
        start_line_end,
        headers,
        head_end,
        body_start,
        content_length,
    ))
}
