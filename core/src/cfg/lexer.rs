//! Tokens of the preprocessed cfg, each with its origin.

use std::fmt;

use super::preprocess::{pv_end, PpLine};
use super::{CfgError, Origin};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenKind {
    /// `name`, `dotted.name` (also hostnames like `sip.example.com`).
    Ident(String),
    /// A decimal or `0x` hex integer; negative when written `-N` where a
    /// value is expected (after `=`, `(`, `,`, an operator, ...).
    Int(i64),
    /// A word starting with a digit that is not a plain integer, e.g. an
    /// IPv4 address `10.0.0.1` or `1and1.com`.
    Word(String),
    /// A quoted string, escapes resolved; `quote` is `"` or `'`.
    Str { value: String, quote: char },
    /// A pseudo-variable, as written: `$rU`, `$var(x)`, `$(avp(x)[*])`.
    Pv(String),
    /// Punctuation / operator: `{ } ( ) [ ] ; , : = == != =~ !~ < > <= >=
    /// + - * / % & | && || ! ~ ^ . @ ?` and `+=`, `:=`.
    Punct(&'static str),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub origin: Origin,
    /// Whitespace (or a line break) precedes this token.
    pub space_before: bool,
    /// This token is the first on its (preprocessed) line.
    pub line_start: bool,
}

impl Token {
    pub fn is_punct(&self, p: &str) -> bool {
        matches!(&self.kind, TokenKind::Punct(x) if *x == p)
    }
    pub fn ident(&self) -> Option<&str> {
        match &self.kind {
            TokenKind::Ident(s) => Some(s),
            _ => None,
        }
    }
    /// The token as it would be written in the cfg (strings re-quoted).
    pub fn text(&self) -> String {
        self.kind.to_string()
    }
}

impl fmt::Display for TokenKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenKind::Ident(s) | TokenKind::Word(s) | TokenKind::Pv(s) => f.write_str(s),
            TokenKind::Int(i) => write!(f, "{i}"),
            TokenKind::Str { value, quote } => {
                write!(f, "{quote}")?;
                for c in value.chars() {
                    match c {
                        '\n' => f.write_str("\\n")?,
                        '\r' => f.write_str("\\r")?,
                        '\t' => f.write_str("\\t")?,
                        '\\' => f.write_str("\\\\")?,
                        c if c == *quote => write!(f, "\\{c}")?,
                        c => write!(f, "{c}")?,
                    }
                }
                write!(f, "{quote}")
            }
            TokenKind::Punct(p) => f.write_str(p),
        }
    }
}

const PUNCTS: &[&str] = &[
    "==", "!=", "=~", "!~", "<=", ">=", "&&", "||", "+=", ":=", "{", "}", "(", ")", "[", "]", ";", ",", ":", "=", "<",
    ">", "+", "-", "*", "/", "%", "&", "|", "!", "~", "^", ".", "@", "?",
];

/// Tokenise preprocessed lines. A quoted string may continue over lines.
pub fn lex(lines: &[PpLine]) -> Result<Vec<Token>, CfgError> {
    let mut toks: Vec<Token> = Vec::new();
    let mut li = 0;
    while li < lines.len() {
        let mut chars: Vec<char> = lines[li].text.chars().collect();
        let mut origin = lines[li].origin.clone();
        let mut i = 0;
        let mut line_start = true;
        let mut space = true;
        while i < chars.len() {
            let c = chars[i];
            if c.is_whitespace() {
                space = true;
                i += 1;
                continue;
            }
            let tok_origin = origin.clone();
            let kind = if c == '"' || c == '\'' {
                // String, possibly continuing on following lines.
                let mut value = String::new();
                i += 1;
                loop {
                    if i >= chars.len() {
                        li += 1;
                        if li >= lines.len() {
                            return Err(CfgError::at(&tok_origin, "unterminated quoted string"));
                        }
                        value.push('\n');
                        chars = lines[li].text.chars().collect();
                        origin = lines[li].origin.clone();
                        i = 0;
                        continue;
                    }
                    let ch = chars[i];
                    if ch == c {
                        i += 1;
                        break;
                    }
                    if ch == '\\' && i + 1 < chars.len() {
                        let e = chars[i + 1];
                        match e {
                            'n' => value.push('\n'),
                            'r' => value.push('\r'),
                            't' => value.push('\t'),
                            '0' => value.push('\0'),
                            '\\' | '"' | '\'' => value.push(e),
                            // Kamailio keeps other escapes as written, so
                            // that regexes such as "^\+49" or "\." work.
                            other => {
                                value.push('\\');
                                value.push(other);
                            }
                        }
                        i += 2;
                        continue;
                    }
                    value.push(ch);
                    i += 1;
                }
                TokenKind::Str { value, quote: c }
            } else if c == '$' {
                let end = pv_end(&chars, i);
                if end == i + 1 {
                    return Err(CfgError::at(&tok_origin, "'$' not followed by a pseudo-variable name"));
                }
                let s: String = chars[i..end].iter().collect();
                for (open, close) in [('(', ')'), ('[', ']'), ('{', '}')] {
                    if s.matches(open).count() != s.matches(close).count() {
                        return Err(CfgError::at(&tok_origin, format!("unbalanced '{open}' in pseudo-variable {s}")));
                    }
                }
                i = end;
                TokenKind::Pv(s)
            } else if c.is_ascii_alphabetic() || c == '_' {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric()
                        || chars[i] == '_'
                        || (chars[i] == '.'
                            && i + 1 < chars.len()
                            && (chars[i + 1].is_ascii_alphanumeric() || chars[i + 1] == '_')))
                {
                    i += 1;
                }
                TokenKind::Ident(chars[start..i].iter().collect())
            } else if c.is_ascii_digit() {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric()
                        || chars[i] == '_'
                        || (chars[i] == '.' && i + 1 < chars.len() && chars[i + 1].is_ascii_alphanumeric()))
                {
                    i += 1;
                }
                let s: String = chars[start..i].iter().collect();
                number_kind(&s, &tok_origin)?
            } else {
                let rest: String = chars[i..chars.len().min(i + 2)].iter().collect();
                let p = PUNCTS
                    .iter()
                    .find(|p| rest.starts_with(**p))
                    .ok_or_else(|| CfgError::at(&tok_origin, format!("unexpected character '{c}'")))?;
                i += p.len();
                // Negative integer where a value is expected.
                if *p == "-" && i < chars.len() && chars[i].is_ascii_digit() && !ends_value(toks.last(), line_start) {
                    let start = i;
                    while i < chars.len() && chars[i].is_ascii_alphanumeric() {
                        i += 1;
                    }
                    let s: String = chars[start..i].iter().collect();
                    match number_kind(&s, &tok_origin)? {
                        TokenKind::Int(n) => TokenKind::Int(-n),
                        _ => return Err(CfgError::at(&tok_origin, format!("bad number '-{s}'"))),
                    }
                } else {
                    TokenKind::Punct(p)
                }
            };
            toks.push(Token { kind, origin: tok_origin, space_before: space, line_start });
            line_start = false;
            space = false;
        }
        li += 1;
    }
    Ok(toks)
}

fn ends_value(prev: Option<&Token>, line_start: bool) -> bool {
    if line_start {
        return false;
    }
    match prev.map(|t| &t.kind) {
        Some(TokenKind::Ident(_) | TokenKind::Int(_) | TokenKind::Word(_) | TokenKind::Str { .. } | TokenKind::Pv(_)) => true,
        Some(TokenKind::Punct(p)) => matches!(*p, ")" | "]"),
        None => false,
    }
}

fn number_kind(s: &str, origin: &Origin) -> Result<TokenKind, CfgError> {
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        if let Ok(n) = i64::from_str_radix(h, 16) {
            return Ok(TokenKind::Int(n));
        }
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return s
            .parse::<i64>()
            .map(TokenKind::Int)
            .map_err(|_| CfgError::at(origin, format!("number '{s}' out of range")));
    }
    Ok(TokenKind::Word(s.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use std::sync::Arc;

    fn lx(lines: &[&str]) -> Vec<TokenKind> {
        let f: Arc<Path> = Arc::from(Path::new("t.cfg"));
        let pl: Vec<PpLine> = lines
            .iter()
            .enumerate()
            .map(|(i, t)| PpLine { text: t.to_string(), origin: Origin::new(f.clone(), i as u32 + 1) })
            .collect();
        lex(&pl).unwrap().into_iter().map(|t| t.kind).collect()
    }

    fn id(s: &str) -> TokenKind {
        TokenKind::Ident(s.into())
    }

    #[test]
    fn basic_tokens() {
        use TokenKind::*;
        assert_eq!(
            lx(&["kemi.onsend_route_callback=\"x\\\"y\" x = -5; y=0x10 'a\\n'"]),
            vec![
                id("kemi.onsend_route_callback"),
                Punct("="),
                Str { value: "x\"y".into(), quote: '"' },
                id("x"),
                Punct("="),
                Int(-5),
                Punct(";"),
                id("y"),
                Punct("="),
                Int(16),
                Str { value: "a\n".into(), quote: '\'' }
            ]
        );
        assert_eq!(lx(&["$var(x)-1"]), vec![Pv("$var(x)".into()), Punct("-"), Int(1)]);
        assert_eq!(
            lx(&["$(avp(x)[*]) $hdr(Name) $rU==$null"]),
            vec![Pv("$(avp(x)[*])".into()), Pv("$hdr(Name)".into()), Pv("$rU".into()), Punct("=="), Pv("$null".into())]
        );
        assert_eq!(
            lx(&["listen=udp:10.0.0.1:5060 [::1]"]),
            vec![
                id("listen"),
                Punct("="),
                id("udp"),
                Punct(":"),
                Word("10.0.0.1".into()),
                Punct(":"),
                Int(5060),
                Punct("["),
                Punct(":"),
                Punct(":"),
                Int(1),
                Punct("]")
            ]
        );
        assert_eq!(lx(&["a =~ \"x\" && !b || c != d"]).len(), 10);
    }

    #[test]
    fn string_over_lines_and_origins() {
        let f: Arc<Path> = Arc::from(Path::new("t.cfg"));
        let pl = vec![
            PpLine { text: "a = \"one".into(), origin: Origin::new(f.clone(), 3) },
            PpLine { text: "two\" b".into(), origin: Origin::new(f.clone(), 4) },
        ];
        let t = lex(&pl).unwrap();
        assert_eq!(t[2].kind, TokenKind::Str { value: "one\ntwo".into(), quote: '"' });
        assert_eq!(t[2].origin.line, 3);
        assert_eq!(t[3].origin.line, 4);
        assert!(t[3].space_before);
    }

    #[test]
    fn errors() {
        let f: Arc<Path> = Arc::from(Path::new("t.cfg"));
        let pl = vec![PpLine { text: "a = `".into(), origin: Origin::new(f, 9) }];
        let e = lex(&pl).unwrap_err();
        assert_eq!(e.to_string(), "t.cfg:9: unexpected character '`'");
    }
}
