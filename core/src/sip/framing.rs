//! Stream (TCP/TLS) framing: find where one message ends without parsing
//! it (RFC 3261 §18.3: Content-Length is mandatory on streams).

use memchr::memchr;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameResult {
    /// A whole message occupies `buf[..len]`.
    Complete(usize),
    /// Need more bytes.
    Incomplete,
    /// `buf` starts with `n` bytes of CR/LF keep-alive to consume. `is_ping`
    /// is true for the RFC 5626 double-CRLF ping, which wants a single-CRLF
    /// pong back.
    KeepAlive(usize, bool),
    /// The stream cannot be framed; close the connection.
    Error(&'static str),
}

/// Finds the end of the header block: index just past the blank line.
/// Accepts CRLF and bare LF line ends.
fn header_end(buf: &[u8], limit: usize) -> Option<usize> {
    let mut pos = 0;
    let hay = &buf[..buf.len().min(limit)];
    while let Some(i) = memchr(b'\n', &hay[pos..]) {
        let nl = pos + i;
        match hay.get(nl + 1) {
            Some(b'\n') => return Some(nl + 2),
            Some(b'\r') if hay.get(nl + 2) == Some(&b'\n') => return Some(nl + 3),
            _ => {}
        }
        pos = nl + 1;
    }
    None
}

/// Content-Length of a header block, scanning only line starts.
fn find_content_length(head: &[u8]) -> Result<Option<usize>, &'static str> {
    let mut found: Option<usize> = None;
    let mut pos = 0;
    while pos < head.len() {
        let end = memchr(b'\n', &head[pos..])
            .map(|i| pos + i)
            .unwrap_or(head.len());
        let line = &head[pos..end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let is_cl = |name: &[u8]| {
            let name = name.trim_ascii_end();
            name.eq_ignore_ascii_case(b"content-length") || name.eq_ignore_ascii_case(b"l")
        };
        if let Some(colon) = memchr(b':', line) {
            if matches!(line.first(), Some(b'l' | b'L' | b'c' | b'C')) && is_cl(&line[..colon]) {
                // Folded Content-Length values are not worth supporting here.
                let v = line[colon + 1..].trim_ascii();
                let n =
                    super::parser::parse_content_length(v).map_err(|_| "invalid Content-Length")?;
                if found.is_some_and(|f| f != n) {
                    return Err("conflicting Content-Length");
                }
                found = Some(n);
            }
        }
        pos = end + 1;
    }
    Ok(found)
}

/// Frames the next message at the start of a stream buffer.
pub fn stream_frame(buf: &[u8], max_size: usize) -> FrameResult {
    let lead = buf
        .iter()
        .take_while(|&&b| b == b'\r' || b == b'\n')
        .count();
    if lead > 0 {
        if buf.starts_with(b"\r\n\r\n") {
            return FrameResult::KeepAlive(4, true);
        }
        if lead == buf.len() && b"\r\n\r\n".starts_with(buf) {
            // Could be the first half of a ping.
            return FrameResult::Incomplete;
        }
        return FrameResult::KeepAlive(lead, false);
    }
    let Some(head_len) = header_end(buf, max_size) else {
        return if buf.len() >= max_size {
            FrameResult::Error("header block too large")
        } else {
            FrameResult::Incomplete
        };
    };
    let cl = match find_content_length(&buf[..head_len]) {
        Ok(Some(n)) => n,
        Ok(None) => return FrameResult::Error("missing Content-Length"),
        Err(e) => return FrameResult::Error(e),
    };
    let total = head_len + cl;
    if total > max_size {
        return FrameResult::Error("message too large");
    }
    if buf.len() >= total {
        FrameResult::Complete(total)
    } else {
        FrameResult::Incomplete
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MSG: &[u8] =
        b"OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nl: 5\r\n\r\nhello";

    #[test]
    fn whole_split_and_two() {
        assert_eq!(stream_frame(MSG, 65535), FrameResult::Complete(MSG.len()));
        for cut in 0..MSG.len() {
            let r = stream_frame(&MSG[..cut], 65535);
            assert_eq!(r, FrameResult::Incomplete, "cut {cut}");
        }
        let mut two = MSG.to_vec();
        two.extend_from_slice(MSG);
        assert_eq!(stream_frame(&two, 65535), FrameResult::Complete(MSG.len()));
        assert_eq!(
            stream_frame(&two[MSG.len()..], 65535),
            FrameResult::Complete(MSG.len())
        );
    }

    #[test]
    fn keepalive() {
        assert_eq!(
            stream_frame(b"\r\n\r\nINVITE", 100),
            FrameResult::KeepAlive(4, true)
        );
        assert_eq!(
            stream_frame(b"\r\nINVITE", 100),
            FrameResult::KeepAlive(2, false)
        );
        assert_eq!(stream_frame(b"\r\n", 100), FrameResult::Incomplete);
        assert_eq!(stream_frame(b"\r\n\r", 100), FrameResult::Incomplete);
        assert_eq!(stream_frame(b"\n\n", 100), FrameResult::KeepAlive(2, false));
    }

    #[test]
    fn errors() {
        assert_eq!(
            stream_frame(b"OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\n\r\n", 100),
            FrameResult::Error("missing Content-Length")
        );
        assert_eq!(
            stream_frame(b"OPTIONS sip:a@b SIP/2.0\r\nContent-Length: x\r\n\r\n", 100),
            FrameResult::Error("invalid Content-Length")
        );
        assert_eq!(
            stream_frame(&[b'A'; 200], 100),
            FrameResult::Error("header block too large")
        );
        assert_eq!(
            stream_frame(b"OPTIONS sip:a@b SIP/2.0\r\nl: 500\r\n\r\n", 100),
            FrameResult::Error("message too large")
        );
        assert_eq!(
            stream_frame(b"OPTIONS sip:a@b SIP/2.0\nContent-Length : 2\n\nab", 100),
            FrameResult::Complete(46)
        );
    }
}
