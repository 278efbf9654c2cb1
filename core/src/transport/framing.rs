//! Framing of SIP messages on a byte stream (TCP, later TLS): RFC 3261
//! §18.3 (header block + Content-Length) and the RFC 5626 §4.4.1 CRLF
//! keep-alive.
//!
//! Self-contained: the caller owns the buffer, appends what it reads, asks
//! [`Framer::next`] what the buffer starts with, and consumes exactly the
//! bytes the answer names before asking again. On [`Frame::Incomplete`] the
//! caller reads more and asks again with the same prefix plus the new bytes;
//! the framer remembers how far it scanned so a message arriving in many
//! small pieces is scanned once.

use memchr::memchr_iter;

/// The double CRLF a client sends as a keep-alive ping (RFC 5626 §4.4.1).
pub const PING: &[u8] = b"\r\n\r\n";
/// The single CRLF answered to a ping.
pub const PONG: &[u8] = b"\r\n";

/// Limits that apply to one stream.
#[derive(Clone, Copy, Debug)]
pub struct FramingConfig {
    /// Largest message (header block + body) accepted.
    pub max_msg_size: usize,
    /// Accept a message without Content-Length as having an empty body
    /// (Kamailio's `tcp_accept_no_cl`).
    pub accept_no_cl: bool,
}

/// What the start of the buffer holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A whole message: the first `len` bytes.
    Message(usize),
    /// A keep-alive ping (`PING`, 4 bytes): consume it and answer `PONG`.
    Ping,
    /// Bytes to drop (CR/LF between messages).
    Skip(usize),
    /// More bytes are needed.
    Incomplete,
    /// The stream cannot be framed. `head_len` is how many leading bytes are
    /// worth reporting (the header block, or what there is of it); the stream
    /// cannot be resynchronised and must be closed.
    Error { head_len: usize, reason: String },
}

/// Incremental framer for one stream.
#[derive(Debug, Clone)]
pub struct Framer {
    cfg: FramingConfig,
    /// Offset up to which the current message was searched for the end of
    /// its header block.
    scanned: usize,
    /// Total length of the current message once its header block is known.
    total: Option<usize>,
}

impl Framer {
    pub fn new(cfg: FramingConfig) -> Framer {
        Framer { cfg, scanned: 0, total: None }
    }

    fn reset(&mut self) {
        self.scanned = 0;
        self.total = None;
    }

    /// Look at the start of `buf`. The caller must consume exactly the
    /// bytes named by `Message`/`Ping`/`Skip` before calling again, and must
    /// only append to `buf` after `Incomplete`.
    pub fn next(&mut self, buf: &[u8]) -> Frame {
        if let Some(total) = self.total {
            if buf.len() >= total {
                self.reset();
                return Frame::Message(total);
            }
            return Frame::Incomplete;
        }
        match buf.first() {
            None => return Frame::Incomplete,
            Some(b'\r') => {
                if buf.starts_with(PING) {
                    return Frame::Ping;
                }
                // "\r", "\r\n", "\r\n\r": could still become a ping.
                if PING.starts_with(buf) {
                    return Frame::Incomplete;
                }
                return if buf.starts_with(b"\r\n") { Frame::Skip(2) } else { Frame::Skip(1) };
            }
            Some(b'\n') => return Frame::Skip(1),
            Some(_) => {}
        }
        let max = self.cfg.max_msg_size;
        let hdr_end = match self.find_header_end(buf) {
            Some(e) => e,
            None => {
                if buf.len() > max {
                    return Frame::Error {
                        head_len: buf.len().min(max),
                        reason: format!("header block larger than max_msg_size ({max}) without its end"),
                    };
                }
                return Frame::Incomplete;
            }
        };
        if hdr_end > max {
            return Frame::Error {
                head_len: hdr_end.min(max),
                reason: format!("header block of {hdr_end} bytes exceeds max_msg_size ({max})"),
            };
        }
        let body = match content_length(&buf[..hdr_end]) {
            Ok(Some(n)) => n,
            Ok(None) if self.cfg.accept_no_cl => 0,
            Ok(None) => {
                return Frame::Error { head_len: hdr_end, reason: "missing Content-Length".into() }
            }
            Err(reason) => return Frame::Error { head_len: hdr_end, reason },
        };
        let total = match hdr_end.checked_add(body) {
            Some(t) if t <= max => t,
            _ => {
                return Frame::Error {
                    head_len: hdr_end,
                    reason: format!(
                        "message of {hdr_end} header bytes + Content-Length {body} exceeds max_msg_size ({max})"
                    ),
                }
            }
        };
        if buf.len() >= total {
            self.reset();
            Frame::Message(total)
        } else {
            self.total = Some(total);
            Frame::Incomplete
        }
    }

    /// End (exclusive) of the header block: after "\r\n\r\n" or "\n\n"
    /// (or the mixed "\n\r\n").
    fn find_header_end(&mut self, buf: &[u8]) -> Option<usize> {
        let start = self.scanned.min(buf.len());
        for i in memchr_iter(b'\n', &buf[start..]).map(|i| i + start) {
            match buf.get(i + 1) {
                Some(b'\n') => return Some(i + 2),
                Some(b'\r') => match buf.get(i + 2) {
                    Some(b'\n') => return Some(i + 3),
                    Some(_) => {}
                    None => {
                        self.scanned = i;
                        return None;
                    }
                },
                Some(_) => {}
                None => {
                    self.scanned = i;
                    return None;
                }
            }
        }
        self.scanned = buf.len();
        None
    }
}

/// The Content-Length of a header block (start line included): `None` if
/// absent, an error if malformed or given twice with different values.
/// The name is matched case-insensitively, long (`Content-Length`) or
/// compact (`l`), at the start of a line.
pub fn content_length(hdr: &[u8]) -> Result<Option<usize>, String> {
    let mut found: Option<usize> = None;
    let mut line_start = match memchr::memchr(b'\n', hdr) {
        Some(i) => i + 1, // skip the start line
        None => return Ok(None),
    };
    while line_start < hdr.len() {
        let line_end = memchr::memchr(b'\n', &hdr[line_start..]).map_or(hdr.len(), |i| line_start + i);
        let mut line = &hdr[line_start..line_end];
        line_start = line_end + 1;
        if let Some(l) = line.strip_suffix(b"\r") {
            line = l;
        }
        if line.is_empty() {
            break;
        }
        let name_len = match line[0] {
            b'l' | b'L' => 1,
            b'c' | b'C'
                if line.len() >= 14 && line[..14].eq_ignore_ascii_case(b"content-length") =>
            {
                14
            }
            _ => continue,
        };
        let rest = trim_ws_start(&line[name_len..]);
        let Some(value) = rest.strip_prefix(b":") else { continue };
        let value = trim_ws_end(trim_ws_start(value));
        let n = parse_decimal(value)
            .ok_or_else(|| format!("bad Content-Length '{}'", String::from_utf8_lossy(value)))?;
        match found {
            Some(prev) if prev != n => {
                return Err(format!("conflicting Content-Length headers ({prev} and {n})"))
            }
            _ => found = Some(n),
        }
    }
    Ok(found)
}

fn trim_ws_start(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
    &s[n..]
}

fn trim_ws_end(s: &[u8]) -> &[u8] {
    let n = s.iter().rev().take_while(|&&b| b == b' ' || b == b'\t').count();
    &s[..s.len() - n]
}

fn parse_decimal(s: &[u8]) -> Option<usize> {
    if s.is_empty() || s.len() > 18 {
        return None;
    }
    s.iter().try_fold(0usize, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + (b - b'0') as usize)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(max: usize, no_cl: bool) -> FramingConfig {
        FramingConfig { max_msg_size: max, accept_no_cl: no_cl }
    }

    /// Feed `chunks` one after the other like reads, collect what comes out.
    fn run(cfg: FramingConfig, chunks: &[&[u8]]) -> Vec<Result<Vec<u8>, String>> {
        let mut f = Framer::new(cfg);
        let mut buf: Vec<u8> = Vec::new();
        let mut out = Vec::new();
        for c in chunks {
            buf.extend_from_slice(c);
            loop {
                match f.next(&buf) {
                    Frame::Message(n) => out.push(Ok(buf.drain(..n).collect())),
                    Frame::Ping => {
                        buf.drain(..4);
                        out.push(Err("PING".into()));
                    }
                    Frame::Skip(n) => {
                        buf.drain(..n);
                    }
                    Frame::Incomplete => break,
                    Frame::Error { reason, .. } => {
                        out.push(Err(format!("ERR {reason}")));
                        return out;
                    }
                }
            }
        }
        out
    }

    const MSG: &[u8] = b"OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h\r\nContent-Length: 4\r\n\r\nbody";

    #[test]
    fn whole_message() {
        assert_eq!(run(cfg(65535, false), &[MSG]), vec![Ok(MSG.to_vec())]);
    }

    #[test]
    fn split_everywhere() {
        for cut in 1..MSG.len() {
            let out = run(cfg(65535, false), &[&MSG[..cut], &MSG[cut..]]);
            assert_eq!(out, vec![Ok(MSG.to_vec())], "cut at {cut}");
        }
        // byte by byte
        let chunks: Vec<&[u8]> = MSG.chunks(1).collect();
        assert_eq!(run(cfg(65535, false), &chunks), vec![Ok(MSG.to_vec())]);
    }

    #[test]
    fn several_in_one_read() {
        let mut all = MSG.to_vec();
        all.extend_from_slice(b"\r\n");
        all.extend_from_slice(MSG);
        all.extend_from_slice(MSG);
        let out = run(cfg(65535, false), &[&all]);
        assert_eq!(out, vec![Ok(MSG.to_vec()), Ok(MSG.to_vec()), Ok(MSG.to_vec())]);
    }

    #[test]
    fn crlf_handling() {
        // ping, lone CRLF before a message, ping split across reads
        let out = run(cfg(65535, false), &[b"\r\n\r\n"]);
        assert_eq!(out, vec![Err("PING".into())]);
        let out = run(cfg(65535, false), &[b"\r\n", MSG]);
        assert_eq!(out, vec![Ok(MSG.to_vec())]);
        let out = run(cfg(65535, false), &[b"\r\n", b"\r", b"\n"]);
        assert_eq!(out, vec![Err("PING".into())]);
        // a lone CRLF waits (could become a ping), produces nothing
        assert_eq!(run(cfg(65535, false), &[b"\r\n"]), vec![]);
        let mut f = Framer::new(cfg(100, false));
        assert_eq!(f.next(b"\r\n"), Frame::Incomplete);
        assert_eq!(f.next(b"\r\nI"), Frame::Skip(2));
        assert_eq!(f.next(b"\n\nX"), Frame::Skip(1));
    }

    #[test]
    fn compact_and_case() {
        let m = b"MESSAGE sip:a SIP/2.0\r\nLocation: x\r\nl : 2\r\n\r\nhi";
        assert_eq!(run(cfg(65535, false), &[m]), vec![Ok(m.to_vec())]);
        let m = b"MESSAGE sip:a SIP/2.0\r\ncOnTeNt-LeNgTh:\t3 \r\n\r\nabc";
        assert_eq!(run(cfg(65535, false), &[m]), vec![Ok(m.to_vec())]);
        let m = b"MESSAGE sip:a SIP/2.0\r\nL:0\r\n\r\n";
        assert_eq!(run(cfg(65535, false), &[m]), vec![Ok(m.to_vec())]);
        // a header that merely starts like it is not it
        assert_eq!(
            content_length(b"X\r\nContent-Lengthy: 5\r\nLx: 3\r\n\r\n"),
            Ok(None)
        );
        // the start line is not a header
        assert_eq!(content_length(b"l: 5 SIP/2.0\r\nVia: x\r\n\r\n"), Ok(None));
    }

    #[test]
    fn missing_and_bad_cl() {
        let m = b"OPTIONS sip:a SIP/2.0\r\nVia: x\r\n\r\n";
        let out = run(cfg(65535, false), &[m]);
        assert_eq!(out, vec![Err("ERR missing Content-Length".into())]);
        let mut f = Framer::new(cfg(65535, false));
        match f.next(m) {
            Frame::Error { head_len, .. } => assert_eq!(head_len, m.len()),
            other => panic!("{other:?}"),
        }
        // accepted without CL when configured: empty body
        let out = run(cfg(65535, true), &[m, m]);
        assert_eq!(out, vec![Ok(m.to_vec()), Ok(m.to_vec())]);
        let out = run(cfg(65535, false), &[b"OPTIONS sip:a SIP/2.0\r\nl: x1\r\n\r\n"]);
        assert!(matches!(&out[..], [Err(e)] if e.contains("bad Content-Length")), "{out:?}");
        let out = run(cfg(65535, false), &[b"OPTIONS sip:a SIP/2.0\r\nl: 1\r\nContent-Length: 2\r\n\r\nab"]);
        assert!(matches!(&out[..], [Err(e)] if e.contains("conflicting")), "{out:?}");
        let out = run(cfg(65535, false), &[b"OPTIONS sip:a SIP/2.0\r\nl: 99999999999999999999999\r\n\r\n"]);
        assert!(matches!(&out[..], [Err(e)] if e.contains("bad Content-Length")), "{out:?}");
    }

    #[test]
    fn oversize() {
        // header block never ends
        let mut big = b"OPTIONS sip:a SIP/2.0\r\n".to_vec();
        big.extend(std::iter::repeat_n(b'a', 200));
        let out = run(cfg(100, false), &[&big[..50], &big[50..]]);
        assert!(matches!(&out[..], [Err(e)] if e.contains("without its end")), "{out:?}");
        // exactly at the limit is fine, one more is not
        let m = b"OPTIONS sip:a SIP/2.0\r\nl: 4\r\n\r\nbody";
        assert_eq!(run(cfg(m.len(), false), &[m]), vec![Ok(m.to_vec())]);
        let out = run(cfg(m.len() - 1, false), &[m]);
        assert!(matches!(&out[..], [Err(e)] if e.contains("exceeds")), "{out:?}");
        // huge Content-Length is refused before the body arrives
        let out = run(cfg(1000, false), &[b"OPTIONS sip:a SIP/2.0\r\nl: 5000\r\n\r\nab"]);
        assert!(matches!(&out[..], [Err(e)] if e.contains("exceeds")), "{out:?}");
    }

    #[test]
    fn lf_only() {
        let m = b"OPTIONS sip:a SIP/2.0\nVia: x\nContent-Length: 3\n\nabc";
        let mut two = m.to_vec();
        two.extend_from_slice(m);
        assert_eq!(run(cfg(65535, false), &[&two]), vec![Ok(m.to_vec()), Ok(m.to_vec())]);
        for cut in 1..m.len() {
            assert_eq!(run(cfg(65535, false), &[&m[..cut], &m[cut..]]), vec![Ok(m.to_vec())]);
        }
    }

    #[test]
    fn body_may_contain_blank_lines() {
        let m = b"MESSAGE sip:a SIP/2.0\r\nl: 8\r\n\r\n\r\n\r\nab\r\n";
        let mut two = m.to_vec();
        two.extend_from_slice(m);
        assert_eq!(run(cfg(65535, false), &[&two]), vec![Ok(m.to_vec()), Ok(m.to_vec())]);
    }

    proptest::proptest! {
        /// Any sequence of messages and keep-alives, cut anywhere, frames
        /// back into the same messages.
        #[test]
        fn random_splits(bodies in proptest::collection::vec("[a-z\r\n]{0,40}", 1..6),
                         cuts in proptest::collection::vec(0usize..400, 0..8),
                         compact in proptest::bool::ANY) {
            let mut stream = Vec::new();
            let mut want = Vec::new();
            for (i, b) in bodies.iter().enumerate() {
                if i % 2 == 1 {
                    stream.extend_from_slice(b"\r\n");
                }
                let name = if compact { "l" } else { "Content-Length" };
                let m = format!("MESSAGE sip:x SIP/2.0\r\nVia: v\r\n{name}: {}\r\n\r\n{b}", b.len());
                stream.extend_from_slice(m.as_bytes());
                want.push(Ok(m.into_bytes()));
            }
            let mut cuts: Vec<usize> = cuts.into_iter().filter(|&c| c < stream.len()).collect();
            cuts.sort();
            cuts.dedup();
            let mut chunks: Vec<&[u8]> = Vec::new();
            let mut prev = 0;
            for c in cuts {
                chunks.push(&stream[prev..c]);
                prev = c;
            }
            chunks.push(&stream[prev..]);
            proptest::prop_assert_eq!(run(cfg(65535, false), &chunks), want);
        }
    }
}
