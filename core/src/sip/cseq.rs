use super::error::{reasons, ParseError};
use super::method::Method;
use super::text::{is_lws, is_token_str, trim_lws};

/// `CSeq: number method` (RFC 3261 §20.16).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CSeq<'a> {
    pub seq: u32,
    pub method: Method,
    pub method_raw: &'a str,
}

impl<'a> CSeq<'a> {
    /// The number must be below 2**31 (§8.1.1.5); the method is a token.
    pub fn parse(s: &'a str) -> Result<CSeq<'a>, ParseError> {
        let s = trim_lws(s);
        let n = s.bytes().position(is_lws).ok_or(reasons::CSEQ)?;
        let seq = super::text::parse_decimal(&s[..n], (1 << 31) - 1).ok_or(reasons::CSEQ)? as u32;
        let method_raw = trim_lws(&s[n..]);
        if !is_token_str(method_raw) {
            return Err(reasons::CSEQ);
        }
        Ok(CSeq {
            seq,
            method: Method::from_token(method_raw),
            method_raw,
        })
    }
}

/// `Content-Type: type/subtype *(;param)` (RFC 3261 §20.15).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MediaType<'a> {
    pub mtype: &'a str,
    pub subtype: &'a str,
    pub params: &'a str,
}

impl<'a> MediaType<'a> {
    pub fn parse(s: &'a str) -> Result<MediaType<'a>, ParseError> {
        let s = trim_lws(s);
        let slash = s.find('/').ok_or(reasons::CONTENT_TYPE)?;
        let mtype = trim_lws(&s[..slash]);
        let rest = &s[slash + 1..];
        let end = rest.find(';').unwrap_or(rest.len());
        let subtype = trim_lws(&rest[..end]);
        let params = &rest[end..];
        if !is_token_str(mtype) || !is_token_str(subtype) {
            return Err(reasons::CONTENT_TYPE);
        }
        super::text::check_generic_params(params).map_err(|_| reasons::CONTENT_TYPE)?;
        Ok(MediaType {
            mtype,
            subtype,
            params,
        })
    }

    pub fn param(&self, name: &str) -> Option<&'a str> {
        super::text::find_generic_param(self.params, name)
    }

    /// Case-insensitive `type/subtype` comparison.
    pub fn is(&self, mtype: &str, subtype: &str) -> bool {
        self.mtype.eq_ignore_ascii_case(mtype) && self.subtype.eq_ignore_ascii_case(subtype)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cseq() {
        let c = CSeq::parse("0009\r\n  INVITE").unwrap();
        assert_eq!(c.seq, 9);
        assert_eq!(c.method, Method::Invite);
        assert!(CSeq::parse("36893488147419103232 REGISTER").is_err());
        assert!(CSeq::parse("2147483648 INVITE").is_err());
        assert!(CSeq::parse("1").is_err());
        assert!(CSeq::parse("-1 INVITE").is_err());
    }

    #[test]
    fn media() {
        let m = MediaType::parse("multipart/mixed;boundary=7a9cbec02ceef655").unwrap();
        assert!(m.is("Multipart", "MIXED"));
        assert_eq!(m.param("boundary"), Some("7a9cbec02ceef655"));
    }
}
