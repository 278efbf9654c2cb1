//! Top-level cfg parser: global parameters, `loadmodule`, `modparam`,
//! `flags`/`avpflags`, custom cfg variables and routing blocks (framed as
//! brace-balanced token lists).
//!
//! A `name = value` statement ends at `;` or at the end of the line of its
//! last token, unless that token is `,` (the list continues on the next
//! line). Values of `listen`/`alias` are address lists separated by blanks
//! or commas.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::globals::{core_param, AddrItem, Globals, PType};
use super::lexer::{Token, TokenKind};
use super::{CfgError, Config, CustomParam, LoadedModule, ModParam, Origin, RouteBlock, RouteKind, Value};
use crate::modules::registry::{self, ModuleStatus};

/// Parse the token stream of a preprocessed cfg.
pub fn parse(path: &Path, tokens: Vec<Token>) -> Result<Config, CfgError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut p = Parser {
        toks: tokens,
        pos: 0,
        cfg: Config {
            path: path.to_path_buf(),
            dir,
            globals: Globals::default(),
            modules: Vec::new(),
            modparams: Vec::new(),
            routes: Vec::new(),
            flags: Vec::new(),
            avpflags: Vec::new(),
            custom_params: Vec::new(),
            notices: Vec::new(),
            defines: Vec::new(),
        },
        planned_loaded: BTreeSet::new(),
    };
    p.run()?;
    if !p.planned_loaded.is_empty() {
        let names: Vec<_> = p.planned_loaded.iter().cloned().collect();
        p.cfg.notices.push(format!(
            "{}: modules in switchboard's scope but not implemented yet: {}",
            path.display(),
            names.join(", ")
        ));
    }
    if p.cfg.globals.cfgengine.is_none() && p.cfg.route(RouteKind::Request, None).is_none() {
        return Err(CfgError::bare(format!(
            "{}: no request_route block (it is required unless cfgengine selects a KEMI language)",
            path.display()
        )));
    }
    Ok(p.cfg)
}

struct Parser {
    toks: Vec<Token>,
    pos: usize,
    cfg: Config,
    planned_loaded: BTreeSet<String>,
}

fn describe(t: &Token) -> String {
    match &t.kind {
        TokenKind::Str { .. } => format!("string {}", t.text()),
        TokenKind::Int(_) => format!("number {}", t.text()),
        _ => format!("'{}'", t.text()),
    }
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.pos)
    }

    fn peek_at(&self, n: usize) -> Option<&Token> {
        self.toks.get(self.pos + n)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.toks.get(self.pos).cloned();
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    fn last_origin(&self) -> Option<Origin> {
        self.toks.get(self.pos.saturating_sub(1)).map(|t| t.origin.clone())
    }

    fn eof_err(&self, what: &str) -> CfgError {
        CfgError { origin: self.last_origin(), message: format!("unexpected end of file, expected {what}") }
    }

    fn expect_punct(&mut self, p: &str, ctx: &str) -> Result<Token, CfgError> {
        match self.next() {
            Some(t) if t.is_punct(p) => Ok(t),
            Some(t) => Err(CfgError::at(&t.origin, format!("{ctx}: expected '{p}', found {}", describe(&t)))),
            None => Err(self.eof_err(&format!("'{p}' ({ctx})"))),
        }
    }

    fn expect_str(&mut self, ctx: &str) -> Result<(String, Origin), CfgError> {
        match self.next() {
            Some(Token { kind: TokenKind::Str { value, .. }, origin, .. }) => Ok((value, origin)),
            Some(t) => Err(CfgError::at(&t.origin, format!("{ctx}: expected a quoted string, found {}", describe(&t)))),
            None => Err(self.eof_err(&format!("a quoted string ({ctx})"))),
        }
    }

    fn skip_semicolon(&mut self) {
        if self.peek().is_some_and(|t| t.is_punct(";")) {
            self.pos += 1;
        }
    }

    fn run(&mut self) -> Result<(), CfgError> {
        while let Some(t) = self.peek().cloned() {
            if t.is_punct(";") {
                self.pos += 1;
                continue;
            }
            let Some(word) = t.ident().map(str::to_string) else {
                return Err(CfgError::at(
                    &t.origin,
                    format!("unexpected {} at top level (expected a parameter, loadmodule, modparam or a routing block)", describe(&t)),
                ));
            };
            let next_is_eq = self.peek_at(1).is_some_and(|n| n.is_punct("="));
            match word.as_str() {
                "loadmodule" | "loadmodulex" => self.loadmodule()?,
                "modparam" => self.modparam()?,
                "flags" | "avpflags" if !next_is_eq => self.flags(&word)?,
                "cfgengine" | "loadpath" | "mpath" if !next_is_eq => {
                    self.pos += 1;
                    let (v, o) = match self.next() {
                        Some(Token { kind: TokenKind::Str { value, .. }, origin, .. }) => (value, origin),
                        Some(Token { kind: TokenKind::Ident(value), origin, .. }) => (value, origin),
                        Some(t) => return Err(CfgError::at(&t.origin, format!("{word}: expected a name, found {}", describe(&t)))),
                        None => return Err(self.eof_err(&format!("a value for {word}"))),
                    };
                    self.set_global(&word, Value::Str(v), &[], &o)?;
                    self.skip_semicolon();
                }
                "request_route" | "route" | "failure_route" | "onreply_route" | "reply_route" | "branch_route"
                | "onsend_route" | "event_route"
                    if !next_is_eq =>
                {
                    self.route_block(&word)?
                }
                "socket" if self.peek_at(1).is_some_and(|n| n.is_punct("{")) => {
                    return Err(CfgError::at(&t.origin, "socket { ... } blocks are not supported yet; use listen="));
                }
                "include_file" | "import_file" => {
                    return Err(CfgError::at(&t.origin, format!("{word} needs a quoted path on its own line")));
                }
                _ if next_is_eq => self.assignment()?,
                _ => {
                    return Err(CfgError::at(
                        &t.origin,
                        format!("unexpected '{word}' at top level (expected 'name = value', loadmodule, modparam or a routing block)"),
                    ))
                }
            }
        }
        Ok(())
    }

    fn set_global(&mut self, name: &str, v: Value, addrs: &[AddrItem], origin: &Origin) -> Result<(), CfgError> {
        if let Some(n) = self.cfg.globals.set(name, &v, addrs, origin)? {
            self.cfg.notices.push(n);
        }
        Ok(())
    }

    /// `name = value ...` (global or custom parameter).
    fn assignment(&mut self) -> Result<(), CfgError> {
        let name_tok = self.next().unwrap();
        let name = name_tok.ident().unwrap().to_string();
        let origin = name_tok.origin.clone();
        self.pos += 1; // '='
        // Collect the value tokens.
        let mut vt: Vec<Token> = Vec::new();
        while let Some(t) = self.peek() {
            if t.is_punct(";") {
                self.pos += 1;
                break;
            }
            if t.line_start && !vt.last().is_some_and(|l: &Token| l.is_punct(",")) && !vt.is_empty() {
                break;
            }
            if t.line_start && vt.is_empty() && t.origin.line != origin.line {
                break;
            }
            vt.push(t.clone());
            self.pos += 1;
        }
        if vt.is_empty() {
            return Err(CfgError::at(&origin, format!("parameter '{name}': missing value after '='")));
        }
        match core_param(&name) {
            Some((PType::Listen | PType::Alias, _)) => {
                let items = addr_items(&vt, &name)?;
                let v = Value::List(items.iter().map(|i| Value::Ident(i.addr.clone())).collect());
                self.set_global(&name, v, &items, &origin)
            }
            Some(_) => {
                let v = simple_value(&vt);
                self.set_global(&name, v, &[], &origin)
            }
            None if name.contains('.') && !name.starts_with("kemi.") => {
                // Custom cfg variable: group.name = value [desc "text"].
                let (group, var) = name.split_once('.').unwrap();
                let mut description = None;
                let mut vt = vt;
                if let Some(i) = vt.iter().position(|t| t.ident() == Some("desc") || t.ident() == Some("descr")) {
                    let tail: Vec<Token> = vt.drain(i..).collect();
                    match tail.get(1).map(|t| &t.kind) {
                        Some(TokenKind::Str { value, .. }) if tail.len() == 2 => description = Some(value.clone()),
                        _ => return Err(CfgError::at(&tail[0].origin, format!("custom parameter '{name}': 'desc' must be followed by a quoted string"))),
                    }
                }
                if vt.is_empty() {
                    return Err(CfgError::at(&origin, format!("custom parameter '{name}': missing value")));
                }
                let value = simple_value(&vt);
                if !matches!(value, Value::Int(_) | Value::Str(_)) {
                    return Err(CfgError::at(&origin, format!("custom parameter '{name}': value must be an integer or a quoted string, got {value}")));
                }
                self.cfg.custom_params.push(CustomParam {
                    group: group.to_string(),
                    name: var.to_string(),
                    value,
                    description,
                    origin,
                });
                Ok(())
            }
            None => Err(CfgError::at(&origin, format!("unknown core parameter '{name}'"))),
        }
    }

    fn loadmodule(&mut self) -> Result<(), CfgError> {
        let kw = self.next().unwrap();
        let paren = self.peek().is_some_and(|t| t.is_punct("("));
        if paren {
            self.pos += 1;
        }
        let (spec, _) = self.expect_str("loadmodule")?;
        if paren {
            if self.peek().is_some_and(|t| t.is_punct(",")) {
                self.pos += 1;
                self.expect_str("loadmodule options")?;
            }
            self.expect_punct(")", "loadmodule")?;
        }
        self.skip_semicolon();
        let origin = kw.origin;
        let name = registry::name_from_spec(&spec);
        let def = registry::lookup(&name)
            .ok_or_else(|| CfgError::at(&origin, format!("loadmodule: unknown module '{name}' (\"{spec}\")")))?;
        if self.cfg.modules.iter().any(|m| m.name == def.name) {
            self.cfg.notices.push(format!("{origin}: module '{}' loaded twice; the second loadmodule is ignored", def.name));
            return Ok(());
        }
        match def.status {
            ModuleStatus::Inactive => self.cfg.notices.push(format!(
                "{origin}: module '{}' is known but not active in switchboard; its functions are unavailable",
                def.name
            )),
            ModuleStatus::Planned => {
                self.planned_loaded.insert(def.name.to_string());
            }
            ModuleStatus::Active => {}
        }
        self.cfg.modules.push(LoadedModule { name: def.name.to_string(), spec, status: def.status, origin });
        Ok(())
    }

    fn modparam(&mut self) -> Result<(), CfgError> {
        let kw = self.next().unwrap();
        let origin = kw.origin;
        self.expect_punct("(", "modparam")?;
        let (mods, _) = self.expect_str("modparam module")?;
        self.expect_punct(",", "modparam")?;
        let (pname, _) = self.expect_str("modparam parameter name")?;
        self.expect_punct(",", "modparam")?;
        let vtok = self.next().ok_or_else(|| self.eof_err("a modparam value"))?;
        let value = match &vtok.kind {
            TokenKind::Str { value, .. } => Value::Str(value.clone()),
            TokenKind::Int(i) => Value::Int(*i),
            TokenKind::Ident(s) => match bool_word(s) {
                Some(b) => Value::Int(b),
                None => {
                    return Err(CfgError::at(
                        &vtok.origin,
                        format!("modparam(\"{mods}\", \"{pname}\"): expected a quoted string or an integer, found identifier '{s}' (an undefined #!define?)"),
                    ))
                }
            },
            _ => {
                return Err(CfgError::at(
                    &vtok.origin,
                    format!("modparam(\"{mods}\", \"{pname}\"): expected a quoted string or an integer, found {}", describe(&vtok)),
                ))
            }
        };
        self.expect_punct(")", "modparam")?;
        self.skip_semicolon();
        let mut matched = 0;
        for m in mods.split('|') {
            let m = registry::canonical_name(m.trim());
            let Some(loaded) = self.cfg.modules.iter().find(|x| x.name == m) else { continue };
            let def = registry::lookup(&loaded.name).expect("loaded modules are registered");
            let v = def.check_param(&pname, &value).map_err(|e| CfgError::at(&origin, e))?;
            if let Some(instead) = def.param_limit(&pname, &v) {
                self.cfg.notices.push(format!("{origin}: modparam(\"{}\", \"{pname}\", {v}): {instead}", def.name));
            }
            self.cfg.modparams.push(ModParam { module: def.name.to_string(), name: pname.clone(), value: v, origin: origin.clone() });
            matched += 1;
        }
        if matched == 0 {
            return Err(CfgError::at(
                &origin,
                format!("modparam(\"{mods}\", \"{pname}\"): module '{mods}' is not loaded (loadmodule must come before modparam)"),
            ));
        }
        Ok(())
    }

    /// `flags NAME: pos, NAME2: pos;` / `avpflags NAME, NAME2;`
    fn flags(&mut self, kw: &str) -> Result<(), CfgError> {
        let kwt = self.next().unwrap();
        let mut auto_pos = 0u32;
        loop {
            let t = self.next().ok_or_else(|| self.eof_err("a flag name"))?;
            let name = match &t.kind {
                TokenKind::Ident(s) => s.clone(),
                TokenKind::Str { value, .. } => value.clone(),
                _ => return Err(CfgError::at(&t.origin, format!("{kw}: expected a flag name, found {}", describe(&t)))),
            };
            let mut pos = None;
            if self.peek().is_some_and(|t| t.is_punct(":")) {
                self.pos += 1;
                match self.next() {
                    Some(Token { kind: TokenKind::Int(i), origin, .. }) => {
                        pos = Some(u32::try_from(i).ok().filter(|p| *p < 64).ok_or_else(|| {
                            CfgError::at(&origin, format!("{kw}: flag position {i} out of range (0-63)"))
                        })?)
                    }
                    Some(t) => return Err(CfgError::at(&t.origin, format!("{kw}: expected a flag position, found {}", describe(&t)))),
                    None => return Err(self.eof_err("a flag position")),
                }
            }
            if kw == "flags" {
                let p = match pos {
                    Some(p) => p,
                    None => {
                        while self.cfg.flags.iter().any(|(_, q)| *q == auto_pos) {
                            auto_pos += 1;
                        }
                        auto_pos
                    }
                };
                if let Some((other, _)) = self.cfg.flags.iter().find(|(n, q)| *n == name || *q == p) {
                    return Err(CfgError::at(&t.origin, format!("flags: '{name}' at {p} conflicts with flag '{other}'")));
                }
                self.cfg.flags.push((name, p));
            } else {
                self.cfg.avpflags.push(name);
            }
            match self.peek() {
                Some(t) if t.is_punct(",") => {
                    self.pos += 1;
                }
                Some(t) if t.is_punct(";") => {
                    self.pos += 1;
                    break;
                }
                Some(t) if t.line_start => break,
                None => break,
                Some(t) => {
                    let t = t.clone();
                    return Err(CfgError::at(&t.origin, format!("{kw}: expected ',' or ';', found {}", describe(&t))));
                }
            }
        }
        let _ = kwt;
        Ok(())
    }

    fn route_block(&mut self, kw: &str) -> Result<(), CfgError> {
        let kwt = self.next().unwrap();
        let origin = kwt.origin.clone();
        let mut name: Option<String> = None;
        if self.peek().is_some_and(|t| t.is_punct("[")) {
            let open = self.next().unwrap();
            let mut parts = String::new();
            loop {
                let t = self.next().ok_or_else(|| CfgError::at(&open.origin, format!("{kw}[: missing ']'")))?;
                if t.is_punct("]") {
                    break;
                }
                if t.is_punct("{") || t.is_punct("}") || t.is_punct("[") {
                    return Err(CfgError::at(&t.origin, format!("{kw}[...]: unexpected {} in block name", describe(&t))));
                }
                match &t.kind {
                    TokenKind::Str { value, .. } => parts.push_str(value),
                    _ => parts.push_str(&t.text()),
                }
            }
            if parts.is_empty() {
                return Err(CfgError::at(&open.origin, format!("{kw}[]: empty block name")));
            }
            name = Some(parts);
        }
        let (kind, name) = match (kw, name) {
            ("request_route", None) => (RouteKind::Request, None),
            ("route", None) => (RouteKind::Request, None),
            ("route", Some(n)) if n == "0" => (RouteKind::Request, None),
            ("route", Some(n)) => (RouteKind::Route, Some(n)),
            ("failure_route", Some(n)) => (RouteKind::Failure, Some(n)),
            ("onreply_route", n) => (RouteKind::OnReply, n),
            ("reply_route", None) => (RouteKind::Reply, None),
            ("branch_route", Some(n)) => (RouteKind::Branch, Some(n)),
            ("onsend_route", None) => (RouteKind::OnSend, None),
            ("event_route", Some(n)) => {
                if !n.contains(':') {
                    return Err(CfgError::at(&origin, format!("event_route[{n}]: the name must be 'module:event'")));
                }
                (RouteKind::Event, Some(n))
            }
            (kw, Some(n)) => return Err(CfgError::at(&origin, format!("{kw} does not take a name (found [{n}])"))),
            (kw, None) => return Err(CfgError::at(&origin, format!("{kw} needs a name: {kw}[NAME]"))),
        };
        let label = match &name {
            Some(n) => format!("{kw}[{n}]"),
            None => kw.to_string(),
        };
        let open = self.expect_punct("{", &label)?;
        let mut stack: Vec<Token> = vec![open.clone()];
        let mut body = Vec::new();
        loop {
            let t = self.next().ok_or_else(|| {
                let o = stack.last().unwrap();
                CfgError::at(
                    &o.origin,
                    format!("unbalanced '{}': not closed before the end of the file (in {label})", o.text()),
                )
            })?;
            match &t.kind {
                TokenKind::Punct(p @ ("{" | "(" | "[")) => {
                    let _ = p;
                    stack.push(t.clone());
                }
                TokenKind::Punct(p @ ("}" | ")" | "]")) => {
                    let want = match *p {
                        "}" => "{",
                        ")" => "(",
                        _ => "[",
                    };
                    let top = stack.pop().unwrap();
                    if !top.is_punct(want) {
                        return Err(CfgError::at(
                            &t.origin,
                            format!("unbalanced '{p}' in {label}: '{}' opened at {} is not closed", top.text(), top.origin),
                        ));
                    }
                    if stack.is_empty() {
                        break;
                    }
                }
                _ => {}
            }
            body.push(t);
        }
        if let Some(prev) = self.cfg.routes.iter().find(|r| r.kind == kind && r.name == name) {
            return Err(CfgError::at(&origin, format!("duplicate routing block {label} (first defined at {})", prev.origin)));
        }
        self.cfg.routes.push(RouteBlock { kind, name, tokens: body, origin });
        Ok(())
    }
}

fn bool_word(s: &str) -> Option<i64> {
    match s.to_ascii_lowercase().as_str() {
        "yes" | "on" | "true" => Some(1),
        "no" | "off" | "false" => Some(0),
        _ => None,
    }
}

/// The value of a simple parameter: one item → that value; several items
/// (separated by blanks or commas) → a list. Adjacent tokens without blank
/// between them form one identifier (`my-host.example.com`).
fn simple_value(vt: &[Token]) -> Value {
    let mut items: Vec<Vec<&Token>> = Vec::new();
    for t in vt {
        if t.is_punct(",") {
            items.push(Vec::new());
            continue;
        }
        match items.last_mut() {
            Some(cur) if !cur.is_empty() && !t.space_before => cur.push(t),
            Some(cur) if cur.is_empty() => cur.push(t),
            _ => items.push(vec![t]),
        }
    }
    let vals: Vec<Value> = items
        .into_iter()
        .filter(|i| !i.is_empty())
        .map(|i| {
            if i.len() == 1 {
                match &i[0].kind {
                    TokenKind::Int(n) => Value::Int(*n),
                    TokenKind::Str { value, .. } => Value::Str(value.clone()),
                    TokenKind::Ident(s) => match bool_word(s) {
                        Some(b) => Value::Int(b),
                        None => Value::Ident(s.clone()),
                    },
                    _ => Value::Ident(i[0].text()),
                }
            } else {
                Value::Ident(i.iter().map(|t| t.text()).collect())
            }
        })
        .collect();
    if vals.len() == 1 {
        vals.into_iter().next().unwrap()
    } else {
        Value::List(vals)
    }
}

/// Address items of `listen=`/`alias=`:
/// `addr [advertise addr] [name "n"] [virtual]`, separated by blanks/commas.
fn addr_items(vt: &[Token], pname: &str) -> Result<Vec<AddrItem>, CfgError> {
    // Group adjacent tokens into words.
    let mut words: Vec<(String, bool, Origin)> = Vec::new(); // (text, is_keyword_candidate, origin)
    let mut prev_joinable = false;
    for t in vt {
        if t.is_punct(",") || t.is_punct("(") || t.is_punct(")") {
            prev_joinable = false;
            words.push((",".into(), false, t.origin.clone()));
            continue;
        }
        let text = match &t.kind {
            TokenKind::Str { value, .. } => value.clone(),
            _ => t.text(),
        };
        let is_ident = matches!(t.kind, TokenKind::Ident(_));
        if prev_joinable && !t.space_before {
            let w = words.last_mut().unwrap();
            w.0.push_str(&text);
            w.1 = false;
        } else {
            words.push((text, is_ident, t.origin.clone()));
        }
        prev_joinable = true;
    }
    let mut items: Vec<AddrItem> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let (w, kwc, o) = &words[i];
        i += 1;
        if w == "," {
            continue;
        }
        if *kwc && pname == "listen" && (w == "advertise" || w == "name") {
            let it = items
                .last_mut()
                .ok_or_else(|| CfgError::at(o, format!("listen: '{w}' must follow an address")))?;
            let arg = words
                .get(i)
                .filter(|x| x.0 != ",")
                .ok_or_else(|| CfgError::at(o, format!("listen: '{w}' needs a value")))?;
            i += 1;
            if w == "advertise" {
                it.advertise = Some(arg.0.clone());
            } else {
                it.name = Some(arg.0.clone());
            }
            continue;
        }
        if *kwc && pname == "listen" && w == "virtual" {
            let it = items
                .last_mut()
                .ok_or_else(|| CfgError::at(o, "listen: 'virtual' must follow an address"))?;
            it.virtual_ = true;
            continue;
        }
        items.push(AddrItem { addr: w.clone(), ..Default::default() });
    }
    if items.is_empty() {
        return Err(CfgError::at(&vt[0].origin, format!("{pname}: missing address")));
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::super::preprocess::PpLine;
    use super::super::{lexer, Origin};
    use super::*;
    use std::sync::Arc;

    fn parse_str(text: &str) -> Result<Config, CfgError> {
        let f: Arc<Path> = Arc::from(Path::new("p.cfg"));
        let lines: Vec<PpLine> = text
            .lines()
            .enumerate()
            .map(|(i, t)| PpLine { text: t.to_string(), origin: Origin::new(f.clone(), i as u32 + 1) })
            .collect();
        parse(Path::new("p.cfg"), lexer::lex(&lines)?)
    }

    const RR: &str = "request_route { exit; }\n";

    #[test]
    fn globals_and_lists() {
        let c = parse_str(&format!(
            "children=4\nlisten=udp:127.0.0.1:5060 advertise 1.2.3.4:5080 name \"s0\"\nlisten = tcp:[::1]:5070, udp:10.0.0.1\nalias=\"sip.example.com\":5060 other.example.com;\nlog_facility=LOG_LOCAL0\nport = 5062 ;\nfork=no\nkemi.onsend_route_callback=\"ksr_onsend\"\n{RR}"
        ))
        .unwrap();
        let g = &c.globals;
        assert_eq!(g.children, 4);
        assert_eq!(g.listen.len(), 3);
        assert_eq!(g.listen[0].advertise, Some(("1.2.3.4".into(), Some(5080))));
        assert_eq!(g.listen_attrs[0].name.as_deref(), Some("s0"));
        assert_eq!(g.listen[1].host, "::1");
        assert_eq!(g.listen[2].host, "10.0.0.1");
        assert_eq!(g.alias.len(), 2);
        assert_eq!(g.alias[0].port, Some(5060));
        assert_eq!(g.log_facility, "LOG_LOCAL0");
        assert_eq!(g.port, 5062);
        assert!(!g.fork);
        assert_eq!(g.kemi.onsend_route_callback.as_deref(), Some("ksr_onsend"));
    }

    #[test]
    fn errors_name_line() {
        let e = parse_str("children=4\nfoo_bar=1\n").unwrap_err();
        assert_eq!(e.to_string(), "p.cfg:2: unknown core parameter 'foo_bar'");
        let e = parse_str("\nport=notanumber\n").unwrap_err();
        assert_eq!(e.origin.unwrap().line, 2);
        let e = parse_str("loadmodule \"nope.so\"\n").unwrap_err();
        assert!(e.to_string().starts_with("p.cfg:1: ") && e.message.contains("'nope'"), "{e}");
        let e = parse_str("modparam(\"tm\", \"fr_timer\", 1)\n").unwrap_err();
        assert!(e.message.contains("not loaded"));
        let e = parse_str("loadmodule \"tm\"\nmodparam(\"tm\", \"fr_timerx\", 1)\n").unwrap_err();
        assert_eq!(e.origin.unwrap().line, 2);
        let e = parse_str("loadmodule \"registrar\"\n\nmodparam(\"registrar\", \"default_expires\", \"abc\")\n").unwrap_err();
        assert_eq!(e.origin.unwrap().line, 3);
        let e = parse_str("request_route {\n if (a) {\n exit;\n").unwrap_err();
        assert_eq!(e.origin.unwrap().line, 2);
        let e = parse_str("route[A] { }\nroute[A] { }\n").unwrap_err();
        assert!(e.message.contains("duplicate") && e.origin.unwrap().line == 2);
        let e = parse_str("request_route { ( } \n").unwrap_err();
        assert!(e.message.contains("unbalanced"));
        let e = parse_str("} \n").unwrap_err();
        assert!(e.message.contains("top level"));
        assert!(parse_str("children=4\n").unwrap_err().message.contains("request_route"));
    }

    #[test]
    fn modules_and_params() {
        let c = parse_str(&format!(
            "loadmodule \"/usr/lib/x86_64-linux-gnu/kamailio/modules/tm.so\"\nloadmodule \"registrar.so\"\nloadmodule(\"usrloc\")\nloadmodule \"acc\"\nmodparam(\"registrar\", \"default_expires\", \"1800\")\nmodparam(\"usrloc|registrar|nathelper\", \"use_domain\", 1)\nmodparam(\"acc\", \"whatever\", yes)\nmodparam(\"tm\", \"fr_timer\", -1)\n{RR}"
        ));
        // registrar has no use_domain → error
        assert!(c.unwrap_err().message.contains("use_domain"));
        let c = parse_str(&format!(
            "loadmodule \"tm.so\"\nloadmodule \"registrar.so\"\nloadmodule \"usrloc\"\nloadmodule \"acc\"\nmodparam(\"registrar\", \"default_expires\", \"1800\")\nmodparam(\"usrloc|nathelper\", \"use_domain\", 1)\nmodparam(\"acc\", \"whatever\", yes)\nmodparam(\"tm\", \"fr_timer\", -1)\n{RR}"
        ))
        .unwrap();
        assert!(c.is_loaded("tm") && c.is_loaded("acc") && !c.is_loaded("sl"));
        assert_eq!(c.modparam("registrar", "default_expires"), Some(&Value::Int(1800)));
        assert_eq!(c.modparam("usrloc", "use_domain"), Some(&Value::Int(1)));
        assert_eq!(c.modparam("acc", "whatever"), Some(&Value::Int(1)));
        assert_eq!(c.modparam("tm", "fr_timer"), Some(&Value::Int(-1)));
        assert!(c.notices.iter().any(|n| n.contains("'acc'")));
    }

    #[test]
    fn routes_and_flags() {
        let c = parse_str(
            "flags FLAG_A: 1, FLAG_B : 5;\navpflags AF1, AF2;\nroute {\n route(X);\n}\nroute[X] { if ($var(a) == \"}\") { exit; } }\nfailure_route[F1] { }\nonreply_route { }\nonreply_route[R1] { }\nreply_route { }\nbranch_route[B1] { }\nonsend_route { }\nevent_route[tm:local-request] { }\nevent_route[xhttp:request] { }\npstn.gw_ip = \"\" desc \"PSTN GW\"\n",
        )
        .unwrap();
        assert_eq!(c.flags, vec![("FLAG_A".into(), 1), ("FLAG_B".into(), 5)]);
        assert_eq!(c.avpflags, vec!["AF1".to_string(), "AF2".to_string()]);
        assert_eq!(c.routes.len(), 10);
        let r = c.route(RouteKind::Request, None).unwrap();
        assert_eq!(r.tokens.len(), 5);
        assert_eq!(r.tokens[0].origin.line, 4);
        assert!(c.route(RouteKind::Event, Some("tm:local-request")).is_some());
        assert!(c.route(RouteKind::OnReply, None).is_some());
        assert!(c.route(RouteKind::OnReply, Some("R1")).is_some());
        assert_eq!(c.route(RouteKind::Route, Some("X")).unwrap().tokens.len(), 10);
        assert_eq!(c.custom_params[0].description.as_deref(), Some("PSTN GW"));
    }

    #[test]
    fn kemi_without_routes() {
        let c = parse_str("cfgengine \"lua\"\nloadmodule \"app_lua\"\nmodparam(\"app_lua\", \"load\", \"x.lua\")\n").unwrap();
        assert_eq!(c.globals.cfgengine.as_deref(), Some("lua"));
        assert_eq!(c.resolve_path("x.lua"), PathBuf::from("./x.lua"));
        assert_eq!(c.resolve_path("/a/x.lua"), PathBuf::from("/a/x.lua"));
    }
}
