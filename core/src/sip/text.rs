//! Lexical building blocks of RFC 3261 §25.1 shared by the typed parsers.
//!
//! Header value spans may still contain the CRLF of a line fold; the message
//! parser guarantees such a CRLF is always followed by SP/HT, so inside a
//! value CR and LF can simply be treated as whitespace.

use std::borrow::Cow;

// Character classes as one table lookup each: these predicates run on
// nearly every byte the typed parsers look at.
pub(crate) const C_TOKEN: u8 = 1;
pub(crate) const C_UNRESERVED: u8 = 2;
pub(crate) const C_USER: u8 = 4;
pub(crate) const C_PASSWORD: u8 = 8;
pub(crate) const C_PARAM: u8 = 16;
pub(crate) const C_HEADER: u8 = 32;
pub(crate) const C_HOST: u8 = 64;
pub(crate) const C_PVALUE: u8 = 128;

const fn build_classes() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let alnum = b.is_ascii_alphanumeric();
        let mut c = 0;
        let token = alnum
            || matches!(
                b,
                b'-' | b'.' | b'!' | b'%' | b'*' | b'_' | b'+' | b'`' | b'\'' | b'~'
            );
        if token {
            c |= C_TOKEN | C_PVALUE;
        }
        if matches!(b, b':' | b'[' | b']') {
            c |= C_PVALUE;
        }
        let unreserved = alnum
            || matches!(
                b,
                b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')'
            );
        if unreserved {
            c |= C_UNRESERVED | C_USER | C_PASSWORD | C_PARAM | C_HEADER;
        }
        if matches!(
            b,
            b'%' | b'&' | b'=' | b'+' | b'$' | b',' | b';' | b'?' | b'/'
        ) {
            c |= C_USER;
        }
        if matches!(b, b'%' | b'&' | b'=' | b'+' | b'$' | b',') {
            c |= C_PASSWORD;
        }
        if matches!(b, b'%' | b'[' | b']' | b'/' | b':' | b'&' | b'+' | b'$') {
            c |= C_PARAM;
        }
        if matches!(b, b'%' | b'[' | b']' | b'/' | b'?' | b':' | b'+' | b'$') {
            c |= C_HEADER;
        }
        if alnum || matches!(b, b'-' | b'.' | b'_') {
            c |= C_HOST;
        }
        t[i] = c;
        i += 1;
    }
    t
}

pub(crate) static CLASSES: [u8; 256] = build_classes();

/// Where `s`, a slice of `base`, lies in it: lets a message keep parsed
/// values of its own text (`ViaSpans`, `NameAddrSpans`) without
/// borrowing itself.
pub(crate) fn offsets_in(base: &str, s: &str) -> (u32, u32) {
    let start = s.as_ptr() as usize - base.as_ptr() as usize;
    debug_assert!(start + s.len() <= base.len());
    (start as u32, (start + s.len()) as u32)
}

/// The slice [`offsets_in`] recorded for the same `base`.
pub(crate) fn at_offsets(base: &str, (a, b): (u32, u32)) -> &str {
    &base[a as usize..b as usize]
}

#[inline(always)]
pub(crate) fn has_class(b: u8, class: u8) -> bool {
    CLASSES[b as usize] & class != 0
}

#[inline(always)]
pub(crate) fn all_class(s: &[u8], class: u8) -> bool {
    s.iter().all(|&b| has_class(b, class))
}

#[inline(always)]
pub(crate) fn is_token(b: u8) -> bool {
    has_class(b, C_TOKEN)
}

/// Byte search for short strings (a plain loop beats SIMD set-up there).
#[inline]
pub(crate) fn find_byte(s: &str, b: u8) -> Option<usize> {
    s.as_bytes().iter().position(|&c| c == b)
}

#[inline]
pub(crate) fn find_byte2(s: &str, a: u8, b: u8) -> Option<usize> {
    s.as_bytes().iter().position(|&c| c == a || c == b)
}

#[inline]
pub(crate) fn is_lws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

pub(crate) fn is_token_str(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_token)
}

pub(crate) fn trim_lws(s: &str) -> &str {
    let b = s.as_bytes();
    let mut st = 0;
    let mut en = b.len();
    while st < en && is_lws(b[st]) {
        st += 1;
    }
    while en > st && is_lws(b[en - 1]) {
        en -= 1;
    }
    &s[st..en]
}

#[inline]
pub(crate) fn skip_lws(s: &str) -> &str {
    let b = s.as_bytes();
    let mut st = 0;
    while st < b.len() && is_lws(b[st]) {
        st += 1;
    }
    &s[st..]
}

/// Length of the token at the start of `s`.
pub(crate) fn token_len(s: &str) -> usize {
    s.bytes().position(|b| !is_token(b)).unwrap_or(s.len())
}

/// `s` starts with `"`; returns the index just past the closing quote, or
/// None if the quoted string is not terminated. Backslash escapes one byte.
pub(crate) fn quoted_end(s: &[u8]) -> Option<usize> {
    let mut i = 1;
    while i < s.len() {
        match s[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// Removes the quotes and `\` escapes of a quoted string.
pub(crate) fn unquote(s: &str) -> Cow<'_, str> {
    let inner = if s.len() >= 2 && s.starts_with('"') && s.ends_with('"') {
        &s[1..s.len() - 1]
    } else {
        return Cow::Borrowed(s);
    };
    if !inner.contains('\\') {
        return Cow::Borrowed(inner);
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decodes; malformed escapes are kept literally (the strict check
/// is done when the URI is parsed).
pub(crate) fn pct_decode(s: &str) -> Cow<'_, [u8]> {
    if !s.contains('%') {
        return Cow::Borrowed(s.as_bytes());
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex_val(b[i + 1]), hex_val(b[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    Cow::Owned(out)
}

/// True if every `%` in `s` starts a valid `%HH` escape.
pub(crate) fn escapes_ok(s: &[u8]) -> bool {
    let Some(mut i) = memchr::memchr(b'%', s) else {
        return true;
    };
    while i < s.len() {
        if s[i] == b'%' {
            if i + 2 >= s.len() {
                return false;
            }
            if hex_val(s[i + 1]).is_none() || hex_val(s[i + 2]).is_none() {
                return false;
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    true
}

/// Splits a list-valued header on top-level commas. Commas inside quoted
/// strings and inside `<...>` are not separators. Items are LWS-trimmed;
/// empty items are yielded so callers that care (Via, Contact) can reject
/// them. An unterminated quote swallows the rest as one item.
pub(crate) fn split_list(s: &str) -> SplitList<'_> {
    SplitList {
        rest: Some(s),
        split: true,
    }
}

/// `split_list` when `split`, else the whole value once (for headers that
/// are not lists), without boxing an iterator.
pub(crate) fn split_list_if(s: &str, split: bool) -> SplitList<'_> {
    SplitList {
        rest: Some(s),
        split,
    }
}

pub(crate) struct SplitList<'a> {
    rest: Option<&'a str>,
    split: bool,
}

/// Index of the first top-level comma in `s`.
pub(crate) fn top_level_comma(s: &str) -> Option<usize> {
    // Jump from one interesting byte to the next; quoted strings and
    // `<...>` are skipped whole. Unterminated ones hide any later comma.
    let b = s.as_bytes();
    let mut i = 0;
    loop {
        let j = i + memchr::memchr3(b',', b'"', b'<', &b[i..])?;
        match b[j] {
            b',' => return Some(j),
            b'"' => i = j + quoted_end(&b[j..])?,
            _ => i = j + 1 + memchr::memchr(b'>', &b[j + 1..])? + 1,
        }
    }
}

impl<'a> Iterator for SplitList<'a> {
    type Item = &'a str;
    fn next(&mut self) -> Option<&'a str> {
        let s = self.rest?;
        if !self.split {
            self.rest = None;
            return Some(trim_lws(s));
        }
        match top_level_comma(s) {
            Some(i) => {
                self.rest = Some(&s[i + 1..]);
                Some(trim_lws(&s[..i]))
            }
            None => {
                self.rest = None;
                Some(trim_lws(s))
            }
        }
    }
}

#[inline]
fn is_param_value_char(b: u8) -> bool {
    // token, plus what `host` adds (IPv6 references and bare IPv6 in
    // received=, RFC 5118 §4.5).
    has_class(b, C_PVALUE)
}

/// One `;name[=value]` step over header-level generic params
/// (RFC 3261 `*( SEMI generic-param )`, LWS allowed around `;` and `=`).
/// Returns Ok(None) at the end, Err on malformed input.
#[allow(clippy::type_complexity)]
pub(crate) fn next_generic_param(s: &str) -> Result<Option<((&str, Option<&str>), &str)>, ()> {
    let s = skip_lws(s);
    if s.is_empty() {
        return Ok(None);
    }
    let s = s.strip_prefix(';').ok_or(())?;
    let s = skip_lws(s);
    let n = token_len(s);
    if n == 0 {
        return Err(());
    }
    let name = &s[..n];
    let after = skip_lws(&s[n..]);
    if let Some(v) = after.strip_prefix('=') {
        let v = skip_lws(v);
        if v.starts_with('"') {
            let end = quoted_end(v.as_bytes()).ok_or(())?;
            return Ok(Some(((name, Some(&v[..end])), &v[end..])));
        }
        let m = v
            .bytes()
            .position(|b| !is_param_value_char(b))
            .unwrap_or(v.len());
        if m == 0 {
            return Err(());
        }
        Ok(Some(((name, Some(&v[..m])), &v[m..])))
    } else {
        Ok(Some(((name, None), &s[n..])))
    }
}

/// Iterator over header-level generic params; stops silently at the first
/// malformed param (the typed parsers reject those up front).
#[derive(Clone, Debug)]
pub struct GenericParams<'a> {
    rest: &'a str,
}

impl<'a> GenericParams<'a> {
    pub(crate) fn new(raw: &'a str) -> Self {
        GenericParams { rest: raw }
    }
}

impl<'a> Iterator for GenericParams<'a> {
    type Item = (&'a str, Option<&'a str>);
    fn next(&mut self) -> Option<Self::Item> {
        match next_generic_param(self.rest) {
            Ok(Some((p, rest))) => {
                self.rest = rest;
                Some(p)
            }
            _ => {
                self.rest = "";
                None
            }
        }
    }
}

pub(crate) fn check_generic_params(raw: &str) -> Result<(), ()> {
    let mut s = raw;
    while let Some((_, rest)) = next_generic_param(s)? {
        s = rest;
    }
    Ok(())
}

/// Case-insensitive lookup of a generic param; a valueless param yields "".
pub(crate) fn find_generic_param<'a>(raw: &'a str, name: &str) -> Option<&'a str> {
    GenericParams::new(raw)
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.unwrap_or(""))
}

/// Parses a decimal integer that must fit `max`; rejects signs and empties.
pub(crate) fn parse_decimal(s: &str, max: u64) -> Option<u64> {
    if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let v: u64 = s.parse().ok()?;
    (v <= max).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_respects_quotes_and_brackets() {
        let v: Vec<_> = split_list(r#""a, \"b\"" <sip:x@y;p=a,b>;q=1 , <sip:z>, c"#).collect();
        assert_eq!(v, vec![r#""a, \"b\"" <sip:x@y;p=a,b>;q=1"#, "<sip:z>", "c"]);
    }

    #[test]
    fn pct() {
        assert_eq!(&*pct_decode("a%41%zz%4"), b"aA%zz%4");
        assert!(escapes_ok(b"a%41"));
        assert!(!escapes_ok(b"a%4"));
        assert!(!escapes_ok(b"a%zz"));
        assert!(!escapes_ok(b"%"));
    }

    #[test]
    fn params_with_lws() {
        let p: Vec<_> = GenericParams::new(" ;\r\n  tag = 98asjd8 ; lr;q=\"x;y\"").collect();
        assert_eq!(
            p,
            vec![
                ("tag", Some("98asjd8")),
                ("lr", None),
                ("q", Some("\"x;y\""))
            ]
        );
        assert!(check_generic_params(";;").is_err());
        assert!(check_generic_params(";a=").is_err());
    }
}
