//! Statement and expression parser for the body of a routing block (the
//! tokens the cfg loader kept in `RouteBlock::tokens`).

use std::net::{Ipv4Addr, Ipv6Addr};

use switchboard_core::cfg::lexer::{Token, TokenKind};
use switchboard_core::cfg::{CfgError, Origin};

use crate::ast::*;

pub fn parse_block(tokens: &[Token], end: &Origin) -> Result<Vec<Stmt>, CfgError> {
    let mut p = Parser { toks: tokens, pos: 0, end: end.clone() };
    let mut out = Vec::new();
    while p.peek().is_some() {
        if let Some(s) = p.statement()? {
            out.push(s);
        }
    }
    Ok(out)
}

/// Parse one expression (tests and tools).
pub fn parse_expr(tokens: &[Token], end: &Origin) -> Result<Expr, CfgError> {
    let mut p = Parser { toks: tokens, pos: 0, end: end.clone() };
    let e = p.expr()?;
    if let Some(t) = p.peek() {
        return Err(CfgError::at(&t.origin, format!("unexpected {} after the expression", describe(t))));
    }
    Ok(e)
}

struct Parser<'t> {
    toks: &'t [Token],
    pos: usize,
    /// Where "unexpected end of block" errors point.
    end: Origin,
}

pub fn describe(t: &Token) -> String {
    match &t.kind {
        TokenKind::Str { .. } => format!("string {}", t.text()),
        TokenKind::Int(i) => format!("number {i}"),
        _ => format!("'{}'", t.text()),
    }
}

fn is_word(t: &Token, w: &str) -> bool {
    t.ident() == Some(w)
}

impl<'t> Parser<'t> {
    fn peek(&self) -> Option<&'t Token> {
        self.toks.get(self.pos)
    }
    fn peek_at(&self, n: usize) -> Option<&'t Token> {
        self.toks.get(self.pos + n)
    }
    fn next(&mut self) -> Result<&'t Token, CfgError> {
        let t = self.toks.get(self.pos).ok_or_else(|| CfgError::at(&self.end, "unexpected end of the routing block"))?;
        self.pos += 1;
        Ok(t)
    }
    fn at_punct(&self, p: &str) -> bool {
        self.peek().is_some_and(|t| t.is_punct(p))
    }
    fn eat_punct(&mut self, p: &str) -> bool {
        if self.at_punct(p) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn expect_punct(&mut self, p: &str, what: &str) -> Result<&'t Token, CfgError> {
        let t = self.next()?;
        if !t.is_punct(p) {
            return Err(CfgError::at(&t.origin, format!("expected '{p}' {what}, found {}", describe(t))));
        }
        Ok(t)
    }
    /// `;` ends every simple statement, also the last one of a block
    /// (Kamailio 5.6 rejects `{ exit }` with "missing ';'?").
    fn end_statement(&mut self) -> Result<(), CfgError> {
        if self.eat_punct(";") {
            return Ok(());
        }
        match self.peek() {
            Some(t) => Err(CfgError::at(&t.origin, format!("expected ';' after the statement, found {}", describe(t)))),
            // at the statement's last token: the block's end is not a token
            None => Err(CfgError::at(
                self.toks.last().map_or(&self.end, |t| &t.origin),
                "expected ';' after the statement, found the end of the block",
            )),
        }
    }

    /// One statement; None for an empty one (`;`).
    fn statement(&mut self) -> Result<Option<Stmt>, CfgError> {
        let t = self.next()?;
        let origin = t.origin.clone();
        let stmt = |kind| Ok(Some(Stmt { kind, origin: origin.clone() }));
        match &t.kind {
            TokenKind::Punct(";") => Ok(None),
            TokenKind::Punct("{") => {
                // A bare block: its statements, in place.
                self.pos -= 1;
                let body = self.block()?;
                stmt(StmtKind::If(Expr { kind: ExprKind::Int(1), origin: origin.clone() }, body, None))
            }
            TokenKind::Ident(w) => match w.as_str() {
                "if" => {
                    let cond = self.paren_expr("if")?;
                    let then = self.body()?;
                    let els = if self.peek().is_some_and(|t| is_word(t, "else")) {
                        self.pos += 1;
                        Some(self.body()?)
                    } else {
                        None
                    };
                    stmt(StmtKind::If(cond, then, els))
                }
                "while" => {
                    let cond = self.paren_expr("while")?;
                    let body = self.body()?;
                    stmt(StmtKind::While(cond, body))
                }
                "switch" => {
                    let value = self.paren_expr("switch")?;
                    let cases = self.switch_body()?;
                    stmt(StmtKind::Switch(value, cases))
                }
                "return" => {
                    let value = if self.at_punct(";") || self.at_punct("}") || self.peek().is_none() {
                        None
                    } else {
                        Some(self.expr()?)
                    };
                    self.end_statement()?;
                    stmt(StmtKind::Return(value))
                }
                "exit" | "drop" | "break" => {
                    // `exit;`, `exit();`, `drop;`.
                    if self.at_punct("(") && self.peek_at(1).is_some_and(|t| t.is_punct(")")) {
                        self.pos += 2;
                    }
                    self.end_statement()?;
                    stmt(match w.as_str() {
                        "exit" => StmtKind::Exit,
                        "drop" => StmtKind::Drop,
                        _ => StmtKind::Break,
                    })
                }
                "else" => Err(CfgError::at(&origin, "'else' without 'if'")),
                "case" | "default" => Err(CfgError::at(&origin, format!("'{w}' outside a switch"))),
                _ => {
                    self.pos -= 1;
                    let e = self.expr()?;
                    match e.kind {
                        ExprKind::Call(..) | ExprKind::Route(_) => {}
                        ExprKind::Word(ref name) => {
                            // `t_relay;`: a call without parentheses.
                            let name = name.clone();
                            self.end_statement()?;
                            return stmt(StmtKind::Expr(Expr { kind: ExprKind::Call(name, Vec::new()), origin: e.origin }));
                        }
                        _ => return Err(CfgError::at(&origin, "expected a statement (a function call, an assignment, if, switch, while, return, exit, drop)")),
                    }
                    self.end_statement()?;
                    stmt(StmtKind::Expr(e))
                }
            },
            TokenKind::Pv(name) => {
                let all = if self.eat_punct(":=") {
                    true
                } else if self.eat_punct("=") {
                    false
                } else {
                    let found = self.peek().map_or("the end of the block".to_string(), describe);
                    return Err(CfgError::at(&origin, format!("expected '=' after {name} (an assignment), found {found}")));
                };
                let value = self.expr()?;
                self.end_statement()?;
                stmt(StmtKind::Assign { pv: name.clone(), value, all })
            }
            _ => Err(CfgError::at(&origin, format!("expected a statement, found {}", describe(t)))),
        }
    }

    /// `{ statements }`.
    fn block(&mut self) -> Result<Vec<Stmt>, CfgError> {
        let open = self.expect_punct("{", "to open a block")?;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => return Err(CfgError::at(&open.origin, "block not closed with '}'")),
                Some(t) if t.is_punct("}") => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(_) => {
                    if let Some(s) = self.statement()? {
                        out.push(s);
                    }
                }
            }
        }
    }

    /// The body of if/else/while: a block or one statement.
    fn body(&mut self) -> Result<Vec<Stmt>, CfgError> {
        if self.at_punct("{") {
            return self.block();
        }
        Ok(self.statement()?.into_iter().collect())
    }

    fn paren_expr(&mut self, what: &str) -> Result<Expr, CfgError> {
        self.expect_punct("(", &format!("after '{what}'"))?;
        let e = self.expr()?;
        self.expect_punct(")", &format!("to close the {what} condition"))?;
        Ok(e)
    }

    fn switch_body(&mut self) -> Result<Vec<Case>, CfgError> {
        let open = self.expect_punct("{", "to open the switch body")?;
        let mut cases: Vec<Case> = Vec::new();
        loop {
            let t = self.next().map_err(|_| CfgError::at(&open.origin, "switch body not closed with '}'"))?;
            if t.is_punct("}") {
                return Ok(cases);
            }
            if t.is_punct(";") {
                continue;
            }
            let label = if is_word(t, "default") {
                if cases.iter().any(|c| c.label == CaseLabel::Default) {
                    return Err(CfgError::at(&t.origin, "a second 'default' in the switch"));
                }
                CaseLabel::Default
            } else if is_word(t, "case") {
                self.case_label()?
            } else if let Some(c) = cases.last_mut() {
                self.pos -= 1;
                if let Some(s) = self.statement()? {
                    c.body.push(s);
                }
                continue;
            } else {
                return Err(CfgError::at(&t.origin, format!("expected 'case' or 'default' in the switch, found {}", describe(t))));
            };
            self.expect_punct(":", "after the case label")?;
            // As Kamailio: the labels of one switch are all numbers or all
            // strings/regexes.
            let int = |l: &CaseLabel| matches!(l, CaseLabel::Int(_));
            if label != CaseLabel::Default
                && cases.iter().any(|c| c.label != CaseLabel::Default && int(&c.label) != int(&label))
            {
                return Err(CfgError::at(&t.origin, "switch: integer and string/regex case labels mixed"));
            }
            cases.push(Case { label, origin: t.origin.clone(), body: Vec::new() });
        }
    }

    fn case_label(&mut self) -> Result<CaseLabel, CfgError> {
        let t = self.next()?;
        Ok(match &t.kind {
            TokenKind::Int(i) => CaseLabel::Int(*i),
            TokenKind::Punct("-") => match self.next()?.kind {
                TokenKind::Int(i) => CaseLabel::Int(-i),
                _ => return Err(CfgError::at(&t.origin, "case label: expected a number after '-'")),
            },
            TokenKind::Str { value, .. } => CaseLabel::Str(value.clone()),
            TokenKind::Punct("/") => match &self.next()?.kind {
                TokenKind::Str { value, .. } => CaseLabel::Regex(value.clone()),
                _ => return Err(CfgError::at(&t.origin, "case label: expected a quoted regular expression after '/'")),
            },
            TokenKind::Ident(w) | TokenKind::Word(w) => CaseLabel::Str(w.clone()),
            _ => return Err(CfgError::at(&t.origin, format!("bad case label {}", describe(t)))),
        })
    }

    // ---------------------------------------------------------------
    // Expressions: precedence climbing over BinOp::precedence.

    fn expr(&mut self) -> Result<Expr, CfgError> {
        self.binary(1)
    }

    /// The binary operator at the cursor, and how many tokens it spans.
    fn peek_binop(&self) -> Option<(BinOp, usize)> {
        let t = self.peek()?;
        match &t.kind {
            TokenKind::Punct(p @ ("<" | ">")) => {
                // `<<` / `>>` come as two tokens written together.
                if let Some(n) = self.peek_at(1) {
                    if n.is_punct(p) && !n.space_before {
                        return Some((if *p == "<" { BinOp::Shl } else { BinOp::Shr }, 2));
                    }
                }
                BinOp::from_token(p).map(|o| (o, 1))
            }
            TokenKind::Punct(p) => BinOp::from_token(p).map(|o| (o, 1)),
            TokenKind::Ident(w) if matches!(w.as_str(), "eq" | "ne" | "ieq" | "ine" | "mod") => {
                BinOp::from_token(w).map(|o| (o, 1))
            }
            _ => None,
        }
    }

    fn binary(&mut self, min: u8) -> Result<Expr, CfgError> {
        let mut lhs = self.unary()?;
        while let Some((op, len)) = self.peek_binop() {
            if op.precedence() < min {
                break;
            }
            let origin = self.peek().unwrap().origin.clone();
            self.pos += len;
            let rhs = self.binary(op.precedence() + 1)?;
            lhs = Expr { kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)), origin };
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> Result<Expr, CfgError> {
        if let Some(e) = self.ipv6()? {
            return Ok(e);
        }
        let t = self.next()?;
        let origin = t.origin.clone();
        let un = |op, e: Expr| Ok(Expr { kind: ExprKind::Unary(op, Box::new(e)), origin: origin.clone() });
        match &t.kind {
            TokenKind::Punct("!") => {
                // `!uri == myself` means !(uri == myself), as in Kamailio,
                // where a keyword comparison is one element.
                if self.peek().and_then(Token::ident).and_then(Keyword::from_ident).is_some()
                    || self.peek().and_then(Token::ident) == Some("msg")
                {
                    let e = self.binary(BinOp::Eq.precedence())?;
                    return un(UnOp::Not, e);
                }
                let e = self.unary()?;
                un(UnOp::Not, e)
            }
            TokenKind::Punct("-") => {
                let e = self.unary()?;
                un(UnOp::Neg, e)
            }
            TokenKind::Punct("~") => {
                let e = self.unary()?;
                un(UnOp::BitNot, e)
            }
            TokenKind::Punct("(") => {
                // A cast, or a parenthesised expression.
                if let (Some(w), Some(close)) = (self.peek().and_then(Token::ident), self.peek_at(1)) {
                    if (w == "int" || w == "str") && close.is_punct(")") {
                        self.pos += 2;
                        let e = self.unary()?;
                        return un(if w == "int" { UnOp::IntCast } else { UnOp::StrCast }, e);
                    }
                }
                let e = self.expr()?;
                self.expect_punct(")", "to close '('")?;
                Ok(e)
            }
            TokenKind::Int(i) => Ok(Expr { kind: ExprKind::Int(*i), origin }),
            TokenKind::Str { value, .. } => Ok(Expr { kind: ExprKind::Str(value.clone()), origin }),
            TokenKind::Pv(name) => Ok(Expr { kind: ExprKind::Pv(name.clone()), origin }),
            TokenKind::Word(w) => self.word(w.clone(), origin),
            TokenKind::Ident(w) => self.ident(w, origin),
            _ => Err(CfgError::at(&origin, format!("expected a value, found {}", describe(t)))),
        }
    }

    /// A word starting with a digit: an IPv4 address, maybe a network
    /// (`10.0.0.0/8` or `10.0.0.0/255.0.0.0`).
    fn word(&mut self, w: String, origin: Origin) -> Result<Expr, CfgError> {
        if w.parse::<Ipv4Addr>().is_ok() && self.at_punct("/") {
            let bits = match self.peek_at(1).map(|t| &t.kind) {
                Some(TokenKind::Int(bits)) if (0..=32).contains(bits) => Some(*bits as u8),
                Some(TokenKind::Word(mask)) => mask.parse::<Ipv4Addr>().ok().and_then(mask_bits),
                _ => None,
            };
            let Some(bits) = bits else {
                return Err(CfgError::at(
                    &origin,
                    format!("{w}/...: bad network mask (expected /0 to /32 or a mask such as /255.255.255.0)"),
                ));
            };
            self.pos += 2;
            return Ok(Expr { kind: ExprKind::Net(w, bits), origin });
        }
        Ok(Expr { kind: ExprKind::Word(w), origin })
    }

    /// An IPv6 address (`::1`, `2001:db8::1`, `[::1]`), which the lexer
    /// splits at every ':', maybe a network (`2001:db8::/32`): the longest
    /// run of adjacent tokens that reads as one.
    fn ipv6(&mut self) -> Result<Option<Expr>, CfgError> {
        let start = self.pos;
        let Some(first) = self.peek() else { return Ok(None) };
        let origin = first.origin.clone();
        let bracketed = first.is_punct("[");
        let mut text = String::new();
        let mut best: Option<(usize, String)> = None;
        let mut j = start + usize::from(bracketed);
        while let Some(t) = self.toks.get(j) {
            if j > start && t.space_before {
                break;
            }
            match &t.kind {
                TokenKind::Punct(":") => text.push(':'),
                TokenKind::Punct(".") => text.push('.'),
                TokenKind::Int(i) if *i >= 0 => text.push_str(&i.to_string()),
                TokenKind::Ident(w) | TokenKind::Word(w) => text.push_str(w),
                _ => break,
            }
            j += 1;
            if text.contains(':') {
                if let Ok(a) = text.parse::<Ipv6Addr>() {
                    best = Some((j, a.to_string()));
                }
            }
        }
        let Some((mut end, addr)) = best else { return Ok(None) };
        if bracketed {
            if !self.toks.get(end).is_some_and(|t| t.is_punct("]")) {
                return Ok(None);
            }
            end += 1;
        }
        self.pos = end;
        if self.at_punct("/") {
            if let Some(TokenKind::Int(bits)) = self.peek_at(1).map(|t| &t.kind) {
                if !(0..=128).contains(bits) {
                    return Err(CfgError::at(&origin, format!("{addr}/{bits}: bad prefix length (0 to 128)")));
                }
                let bits = *bits as u8;
                self.pos += 2;
                return Ok(Some(Expr { kind: ExprKind::Net(addr, bits), origin }));
            }
        }
        Ok(Some(Expr { kind: ExprKind::Word(addr), origin }))
    }

    fn ident(&mut self, w: &str, origin: Origin) -> Result<Expr, CfgError> {
        let mk = |kind| Ok(Expr { kind, origin: origin.clone() });
        match w {
            "myself" => return mk(ExprKind::Myself),
            "defined" => {
                let e = self.unary()?;
                return mk(ExprKind::Unary(UnOp::Defined, Box::new(e)));
            }
            "msg" if self.at_punct(":") && self.peek_at(1).and_then(Token::ident) == Some("len") => {
                self.pos += 2;
                return mk(ExprKind::Keyword(Keyword::MsgLen));
            }
            _ => {}
        }
        if !self.at_punct("(") {
            return match Keyword::from_ident(w) {
                Some(k) => mk(ExprKind::Keyword(k)),
                None => mk(ExprKind::Word(w.to_string())),
            };
        }
        // A call: name(args).
        self.pos += 1;
        let mut args = Vec::new();
        if !self.eat_punct(")") {
            loop {
                args.push(self.expr()?);
                if self.eat_punct(")") {
                    break;
                }
                self.expect_punct(",", "between arguments")?;
            }
        }
        let one = |args: Vec<Expr>, what: &str| -> Result<Expr, CfgError> {
            let n = args.len();
            let mut it = args.into_iter();
            match (it.next(), n) {
                (Some(e), 1) => Ok(e),
                _ => Err(CfgError::at(&origin, format!("{what}() takes one argument, {n} given"))),
            }
        };
        match w {
            "route" => {
                let e = one(args, "route")?;
                let target = match e.kind {
                    ExprKind::Word(n) | ExprKind::Str(n) => RouteTarget::Name(n),
                    ExprKind::Int(i) => RouteTarget::Name(i.to_string()),
                    ExprKind::Keyword(k) => RouteTarget::Name(keyword_text(k).to_string()),
                    _ => RouteTarget::Dynamic(e),
                };
                mk(ExprKind::Route(Box::new(target)))
            }
            "strlen" => mk(ExprKind::Unary(UnOp::Strlen, Box::new(one(args, "strlen")?))),
            "strempty" => mk(ExprKind::Unary(UnOp::Strempty, Box::new(one(args, "strempty")?))),
            "selval" => {
                if args.len() != 3 {
                    return Err(CfgError::at(&origin, format!("selval() takes three arguments, {} given", args.len())));
                }
                let mut it = args.into_iter();
                let (c, a, b) = (it.next().unwrap(), it.next().unwrap(), it.next().unwrap());
                mk(ExprKind::Selval(Box::new(c), Box::new(a), Box::new(b)))
            }
            _ => mk(ExprKind::Call(w.to_string(), args)),
        }
    }
}

/// The prefix length of a netmask such as 255.255.255.0 (None if its
/// bits are not contiguous).
fn mask_bits(mask: Ipv4Addr) -> Option<u8> {
    let m = u32::from(mask);
    let bits = m.leading_ones();
    (m.checked_shl(bits).unwrap_or(0) == 0).then_some(bits as u8)
}

fn keyword_text(k: Keyword) -> &'static str {
    use Keyword::*;
    match k {
        Method => "method",
        Uri => "uri",
        FromUri => "from_uri",
        ToUri => "to_uri",
        SrcIp => "src_ip",
        SrcPort => "src_port",
        DstIp => "dst_ip",
        DstPort => "dst_port",
        Proto => "proto",
        Af => "af",
        Status => "status",
        MsgLen => "msg:len",
        RetCode => "retcode",
    }
}
