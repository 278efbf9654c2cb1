//! The cfg preprocessor.
//!
//! One pass over the main file and its includes, line by line:
//!
//! * directives on their own line (`#!` or `!!` first on the line):
//!   `define`, `trydef`, `redefine`, `ifdef`, `ifndef`, `else`, `endif`,
//!   `subst`, `substdef`, `substdefs`, `defenv`, `defenvs`, `trydefenv`,
//!   `trydefenvs`, `include_file`, `import_file`, and the compatibility
//!   markers `KAMAILIO`, `SER`, `OPENSER`, `MAXCOMPAT`, `ALL` (no-ops).
//!   `#!ifexp`/`#!defexp`/`#!defexps` are recognised and rejected with a
//!   clear error (not implemented).
//! * `include_file "p"` / `import_file "p"` as the first word of a line.
//!   Relative paths: the including file's directory first, then the
//!   process's current directory. Depth limit 10. A missing `include_file`
//!   is an error at the include line; a missing `import_file` is skipped.
//! * comments `#...`, `//...`, `/* ... */` (multi-line) are removed
//!   (never inside quoted strings),
//! * defines are replaced in identifiers (not inside strings, not inside
//!   pseudo-variables like `$var(NAME)`); `#!subst` rules are applied to the
//!   content of quoted strings.
//!
//! Every output line keeps the origin (file, line) of the source line it
//! came from; a multi-line `#!define` value is joined into one line, so
//! uses of it stay on the line where they are used.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use regex::Regex;

use super::{CfgError, LoadOptions, Origin};

/// Maximum include nesting (as Kamailio).
pub const MAX_INCLUDE_DEPTH: usize = 10;
/// Maximum nesting of define-in-define expansion.
const MAX_EXPANSION_DEPTH: usize = 16;

/// One line of preprocessed cfg text with its origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PpLine {
    pub text: String,
    pub origin: Origin,
}

/// The result of preprocessing.
#[derive(Debug, Clone, Default)]
pub struct Preprocessed {
    pub lines: Vec<PpLine>,
    /// Defines in effect at the end, in definition order.
    pub defines: Vec<(String, Option<String>)>,
    pub notices: Vec<String>,
}

impl Preprocessed {
    /// Text form for `--cfg-print`: a `# file:line` comment wherever the
    /// origin is not simply the next line of the same file.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let mut prev: Option<&Origin> = None;
        for l in &self.lines {
            let jump = match prev {
                None => true,
                Some(p) => p.file != l.origin.file || p.line + 1 != l.origin.line,
            };
            if jump {
                out.push_str(&format!("# {}\n", l.origin));
            }
            out.push_str(&l.text);
            out.push('\n');
            prev = Some(&l.origin);
        }
        out
    }
}

/// Predefined names (before `-A` defines and the cfg's own).
pub fn predefined() -> Vec<(String, Option<String>)> {
    vec![
        ("KAMAILIO_5".into(), None),
        ("KAMAILIO_5_6".into(), None),
        ("KAMAILIO_VERSION".into(), Some("5006000".into())),
        ("SWITCHBOARD".into(), None),
        ("OS_NAME".into(), Some(format!("\"{}\"", std::env::consts::OS))),
    ]
}

/// Run the preprocessor on `path`.
pub fn preprocess(path: &Path, opts: &LoadOptions) -> Result<Preprocessed, CfgError> {
    let mut pp = Pp::default();
    for (n, v) in predefined() {
        pp.set_define(n, v);
    }
    for (n, v) in &opts.defines {
        if !is_ident(n) {
            return Err(CfgError::bare(format!("-A: bad define name '{n}'")));
        }
        pp.set_define(n.clone(), v.clone());
    }
    if !path.exists() {
        return Err(CfgError::bare(format!("cfg file '{}' not found", path.display())));
    }
    pp.process_file(path, 0, None)?;
    let defines = pp.def_order.iter().filter_map(|n| pp.defines.get(n).map(|v| (n.clone(), v.clone()))).collect();
    Ok(Preprocessed { lines: pp.out, defines, notices: pp.notices })
}

struct Subst {
    re: Regex,
    repl: String,
    global: bool,
}

struct Cond {
    /// This branch is being taken (ignoring the parents).
    taking: bool,
    /// Some branch of this frame has been taken already.
    done: bool,
    seen_else: bool,
    origin: Origin,
}

#[derive(Default)]
struct Pp {
    defines: HashMap<String, Option<String>>,
    def_order: Vec<String>,
    substs: Vec<Subst>,
    out: Vec<PpLine>,
    notices: Vec<String>,
    /// Inside `/* */`: where it started.
    in_block: Option<Origin>,
    /// Inside a quoted string: the quote and where it started.
    in_str: Option<(char, Origin)>,
    /// Content of the current string so far (for `#!subst`).
    str_buf: String,
}

fn is_ident(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic() || ch == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}

/// Strip one pair of surrounding quotes.
fn unquote(s: &str) -> Option<&str> {
    let s = s.trim();
    if s.len() >= 2 && ((s.starts_with('"') && s.ends_with('"')) || (s.starts_with('\'') && s.ends_with('\''))) {
        Some(&s[1..s.len() - 1])
    } else {
        None
    }
}

/// Parse a quoted path argument followed by nothing but whitespace, `;`
/// or a comment.
fn quoted_arg(rest: &str) -> Option<String> {
    let rest = rest.trim_start();
    let q = rest.chars().next()?;
    if q != '"' && q != '\'' {
        return None;
    }
    let end = rest[1..].find(q)? + 1;
    let arg = &rest[1..end];
    let tail = rest[end + 1..].trim();
    let tail = tail.strip_prefix(';').unwrap_or(tail).trim();
    if tail.is_empty() || tail.starts_with('#') || tail.starts_with("//") {
        Some(arg.to_string())
    } else {
        None
    }
}

/// Parse `/regexp/replacement/flags` (any separator char).
fn parse_subst(arg: &str) -> Result<(String, String, String), String> {
    let mut chars = arg.chars();
    let sep = chars.next().ok_or("empty subst expression")?;
    let mut parts = vec![String::new()];
    let mut esc = false;
    for c in chars {
        if esc {
            if c != sep {
                parts.last_mut().unwrap().push('\\');
            }
            parts.last_mut().unwrap().push(c);
            esc = false;
        } else if c == '\\' {
            esc = true;
        } else if c == sep {
            parts.push(String::new());
        } else {
            parts.last_mut().unwrap().push(c);
        }
    }
    if esc {
        parts.last_mut().unwrap().push('\\');
    }
    if parts.len() != 3 {
        return Err(format!("subst expression must be '{sep}regexp{sep}replacement{sep}flags'"));
    }
    let flags = parts.pop().unwrap();
    let repl = parts.pop().unwrap();
    let re = parts.pop().unwrap();
    if let Some(bad) = flags.chars().find(|c| !matches!(c, 'i' | 'g')) {
        return Err(format!("unknown subst flag '{bad}' (allowed: i, g)"));
    }
    Ok((re, repl, flags))
}

/// Convert a POSIX-style replacement (`\1`, `\\`) to the regex crate's.
fn convert_repl(repl: &str) -> String {
    let mut out = String::new();
    let mut it = repl.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '$' => out.push_str("$$"),
            '\\' => match it.peek().copied() {
                Some(d) if d.is_ascii_digit() => {
                    it.next();
                    out.push_str(&format!("${{{d}}}"));
                }
                Some(other) => {
                    it.next();
                    if other == '$' {
                        out.push_str("$$");
                    } else {
                        out.push(other);
                    }
                }
                None => out.push('\\'),
            },
            c => out.push(c),
        }
    }
    out
}

impl Pp {
    fn set_define(&mut self, name: String, value: Option<String>) {
        if !self.defines.contains_key(&name) {
            self.def_order.push(name.clone());
        }
        self.defines.insert(name, value);
    }

    fn process_file(&mut self, path: &Path, depth: usize, from: Option<&Origin>) -> Result<(), CfgError> {
        let text = std::fs::read(path).map_err(|e| {
            let msg = format!("cannot read cfg file '{}': {e}", path.display());
            match from {
                Some(o) => CfgError::at(o, msg),
                None => CfgError::bare(msg),
            }
        })?;
        let text = String::from_utf8_lossy(&text).into_owned();
        let file: Arc<Path> = Arc::from(path);
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let lines: Vec<&str> = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect();
        let mut conds: Vec<Cond> = Vec::new();
        let mut i = 0;
        while i < lines.len() {
            let line = lines[i];
            let origin = Origin::new(file.clone(), (i + 1) as u32);
            i += 1;
            let active = conds.iter().all(|c| c.taking);
            if self.in_block.is_none() && self.in_str.is_none() {
                let t = line.trim_start();
                if let Some(d) = t.strip_prefix("#!").or_else(|| t.strip_prefix("!!")) {
                    let name_len = d.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(d.len());
                    let name = &d[..name_len];
                    let rest = &d[name_len..];
                    // Conditionals are tracked even in skipped regions.
                    match name {
                        "ifdef" | "ifndef" => {
                            let taking = if active {
                                let id = rest.split_whitespace().next().ok_or_else(|| {
                                    CfgError::at(&origin, format!("#!{name} needs a name"))
                                })?;
                                self.defines.contains_key(id) == (name == "ifdef")
                            } else {
                                false
                            };
                            conds.push(Cond { taking, done: taking || !active, seen_else: false, origin });
                            continue;
                        }
                        "ifexp" => {
                            if active {
                                return Err(CfgError::at(&origin, "#!ifexp is not supported by switchboard (use #!ifdef/#!ifndef)"));
                            }
                            conds.push(Cond { taking: false, done: true, seen_else: false, origin });
                            continue;
                        }
                        "else" => {
                            let c = conds.last_mut().ok_or_else(|| CfgError::at(&origin, "#!else without #!ifdef"))?;
                            if c.seen_else {
                                return Err(CfgError::at(&origin, "second #!else in one #!ifdef"));
                            }
                            c.seen_else = true;
                            c.taking = !c.done;
                            c.done = true;
                            continue;
                        }
                        "endif" => {
                            conds.pop().ok_or_else(|| CfgError::at(&origin, "#!endif without #!ifdef"))?;
                            continue;
                        }
                        _ => {}
                    }
                    if !active {
                        continue;
                    }
                    // A #!define value may continue on the next lines.
                    let mut rest = rest.to_string();
                    if matches!(name, "define" | "trydef" | "redefine") {
                        while rest.trim_end().ends_with('\\') && i < lines.len() {
                            let t = rest.trim_end();
                            rest = format!("{} {}", t[..t.len() - 1].trim_end(), lines[i].trim());
                            i += 1;
                        }
                    }
                    self.directive(name, &rest, &origin, &dir, depth)?;
                    continue;
                }
                if active {
                    let word_len = t.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(t.len());
                    let word = &t[..word_len];
                    if (word == "include_file" || word == "import_file") && quoted_arg(&t[word_len..]).is_some() {
                        self.include(word, &t[word_len..], &origin, &dir, depth)?;
                        continue;
                    }
                }
            }
            if !active {
                continue;
            }
            let text = self.code_line(line, &origin)?;
            if let Some(m) = loadmodule_name(&text) {
                let def = format!("MOD_{m}");
                if !self.defines.contains_key(&def) {
                    self.set_define(def, None);
                }
            }
            if !text.trim().is_empty() {
                self.out.push(PpLine { text: text.trim_end().to_string(), origin });
            }
        }
        if let Some(c) = conds.last() {
            return Err(CfgError::at(&c.origin, "#!ifdef/#!ifndef without matching #!endif in this file"));
        }
        if let Some(o) = self.in_block.take() {
            return Err(CfgError::at(&o, "unterminated /* comment at end of file"));
        }
        if let Some((_, o)) = self.in_str.take() {
            return Err(CfgError::at(&o, "unterminated quoted string at end of file"));
        }
        Ok(())
    }

    fn include(&mut self, kind: &str, rest: &str, origin: &Origin, dir: &Path, depth: usize) -> Result<(), CfgError> {
        let arg = quoted_arg(rest)
            .ok_or_else(|| CfgError::at(origin, format!("{kind} needs a quoted file path")))?;
        if depth + 1 > MAX_INCLUDE_DEPTH {
            return Err(CfgError::at(origin, format!("{kind} \"{arg}\": include depth limit ({MAX_INCLUDE_DEPTH}) exceeded")));
        }
        let p = PathBuf::from(&arg);
        let found = if p.is_absolute() {
            p.exists().then_some(p)
        } else {
            let a = dir.join(&p);
            if a.exists() {
                Some(a)
            } else if p.exists() {
                Some(p)
            } else {
                None
            }
        };
        match found {
            Some(f) => self.process_file(&f, depth + 1, Some(origin)),
            None if kind == "import_file" => {
                self.notices.push(format!("{origin}: import_file \"{arg}\": file not found, skipped"));
                Ok(())
            }
            None => Err(CfgError::at(origin, format!("include_file \"{arg}\": file not found"))),
        }
    }

    fn directive(&mut self, name: &str, rest: &str, origin: &Origin, dir: &Path, depth: usize) -> Result<(), CfgError> {
        let err = |m: String| CfgError::at(origin, m);
        match name {
            "KAMAILIO" | "SER" | "OPENSER" | "MAXCOMPAT" | "ALL" => Ok(()),
            "define" | "trydef" | "redefine" => {
                let rest = rest.trim();
                let nlen = rest.find(char::is_whitespace).unwrap_or(rest.len());
                let id = &rest[..nlen];
                if !is_ident(id) {
                    return Err(err(format!("#!{name}: bad or missing name '{id}'")));
                }
                let val = rest[nlen..].trim();
                let val = (!val.is_empty()).then(|| val.to_string());
                if self.defines.contains_key(id) {
                    match name {
                        "define" => return Err(err(format!("#!define: '{id}' is already defined (use #!redefine or #!trydef)"))),
                        "trydef" => return Ok(()),
                        _ => {}
                    }
                }
                self.set_define(id.to_string(), val);
                Ok(())
            }
            "defenv" | "defenvs" | "trydefenv" | "trydefenvs" => {
                let arg = rest.trim();
                let (id, var) = match arg.split_once('=') {
                    Some((a, b)) => (a.trim(), b.trim()),
                    None => (arg, arg),
                };
                if !is_ident(id) || var.is_empty() {
                    return Err(err(format!("#!{name}: expected 'ID=ENVVAR' or 'ENVVAR', got '{arg}'")));
                }
                match std::env::var(var) {
                    Ok(v) => {
                        let v = if name.ends_with('s') { format!("\"{v}\"") } else { v };
                        if self.defines.contains_key(id) && !name.starts_with("try") {
                            return Err(err(format!("#!{name}: '{id}' is already defined")));
                        }
                        self.set_define(id.to_string(), Some(v));
                        Ok(())
                    }
                    Err(_) if name.starts_with("try") => Ok(()),
                    Err(_) => Err(err(format!("#!{name}: environment variable '{var}' is not set"))),
                }
            }
            "subst" | "substdef" | "substdefs" => {
                let arg = unquote(rest)
                    .ok_or_else(|| err(format!("#!{name} needs a quoted \"/regexp/replacement/flags\"")))?;
                let (re_s, repl, flags) = parse_subst(arg).map_err(|m| err(format!("#!{name}: {m}")))?;
                let re_src = if flags.contains('i') { format!("(?i){re_s}") } else { re_s.clone() };
                let re = Regex::new(&re_src).map_err(|e| err(format!("#!{name}: bad regexp '{re_s}': {e}")))?;
                if name != "subst" {
                    if !is_ident(&re_s) {
                        return Err(err(format!("#!{name}: the pattern '{re_s}' must be a plain ID to be defined")));
                    }
                    let v = if name == "substdefs" { format!("\"{repl}\"") } else { repl.clone() };
                    self.set_define(re_s.clone(), Some(v));
                }
                self.substs.push(Subst { re, repl: convert_repl(&repl), global: flags.contains('g') });
                Ok(())
            }
            "include_file" | "import_file" => self.include(name, rest, origin, dir, depth),
            "defexp" | "defexps" => Err(err(format!("#!{name} is not supported by switchboard"))),
            "" => Err(err("empty preprocessor directive '#!'".to_string())),
            other => Err(err(format!("unknown preprocessor directive '#!{other}'"))),
        }
    }

    fn apply_substs(&self, s: &str) -> String {
        let mut s = s.to_string();
        for sb in &self.substs {
            s = if sb.global {
                sb.re.replace_all(&s, sb.repl.as_str()).into_owned()
            } else {
                sb.re.replace(&s, sb.repl.as_str()).into_owned()
            };
        }
        s
    }

    /// Replace defines in identifiers of `s` (no comment handling; strings
    /// and pseudo-variables are copied as they are).
    fn expand(&self, s: &str, depth: usize, origin: &Origin) -> Result<String, CfgError> {
        let b: Vec<char> = s.chars().collect();
        let mut out = String::new();
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            if c == '"' || c == '\'' {
                let start = i;
                i += 1;
                while i < b.len() && b[i] != c {
                    if b[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
                let closed = i < b.len();
                i = (i + 1).min(b.len());
                // #!subst rules apply to strings coming from define values too.
                let inner: String = b[start + 1..if closed { i - 1 } else { i }].iter().collect();
                out.push(c);
                out.push_str(&self.apply_substs(&inner));
                if closed {
                    out.push(c);
                }
            } else if c == '$' {
                let end = pv_end(&b, i);
                out.extend(&b[i..end]);
                i = end;
            } else if c.is_ascii_alphanumeric() || c == '_' {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == '_') {
                    i += 1;
                }
                let word: String = b[start..i].iter().collect();
                out.push_str(&self.expand_word(&word, depth, origin)?);
            } else {
                out.push(c);
                i += 1;
            }
        }
        Ok(out)
    }

    fn expand_word(&self, word: &str, depth: usize, origin: &Origin) -> Result<String, CfgError> {
        if word.starts_with(|c: char| c.is_ascii_digit()) {
            return Ok(word.to_string());
        }
        match self.defines.get(word) {
            Some(Some(v)) => {
                if depth >= MAX_EXPANSION_DEPTH {
                    return Err(CfgError::at(origin, format!("define '{word}': expansion too deep (recursive define?)")));
                }
                self.expand(v, depth + 1, origin)
            }
            _ => Ok(word.to_string()),
        }
    }

    /// Strip comments, replace defines, apply substs to strings.
    fn code_line(&mut self, line: &str, origin: &Origin) -> Result<String, CfgError> {
        let b: Vec<char> = line.chars().collect();
        let mut out = String::new();
        let mut i = 0;
        while i < b.len() {
            if self.in_block.is_some() {
                match (i..b.len().saturating_sub(1)).find(|&j| b[j] == '*' && b[j + 1] == '/') {
                    Some(j) => {
                        self.in_block = None;
                        out.push(' ');
                        i = j + 2;
                        continue;
                    }
                    None => break,
                }
            }
            if let Some((q, _)) = &self.in_str {
                let q = *q;
                let c = b[i];
                if c == '\\' && i + 1 < b.len() {
                    self.str_buf.push(c);
                    self.str_buf.push(b[i + 1]);
                    i += 2;
                } else if c == q {
                    let s = self.apply_substs(&self.str_buf);
                    out.push_str(&s);
                    out.push(q);
                    self.str_buf.clear();
                    self.in_str = None;
                    i += 1;
                } else {
                    self.str_buf.push(c);
                    i += 1;
                }
                continue;
            }
            let c = b[i];
            let next = b.get(i + 1).copied();
            match c {
                '"' | '\'' => {
                    self.in_str = Some((c, origin.clone()));
                    self.str_buf.clear();
                    out.push(c);
                    i += 1;
                }
                '#' => break,
                '/' if next == Some('/') => break,
                '/' if next == Some('*') => {
                    self.in_block = Some(origin.clone());
                    i += 2;
                }
                '$' => {
                    let end = pv_end(&b, i);
                    out.extend(&b[i..end]);
                    i = end;
                }
                c if c.is_ascii_alphanumeric() || c == '_' => {
                    let start = i;
                    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == '_') {
                        i += 1;
                    }
                    let word: String = b[start..i].iter().collect();
                    out.push_str(&self.expand_word(&word, 0, origin)?);
                }
                c => {
                    out.push(c);
                    i += 1;
                }
            }
        }
        if self.in_str.is_some() {
            // A string continuing on the next line.
            let s = self.apply_substs(&self.str_buf);
            out.push_str(&s);
            self.str_buf.clear();
        }
        Ok(out)
    }
}

/// End (exclusive) of a pseudo-variable starting at `b[i] == '$'`:
/// `$name`, `$name(...)`, `$name(...)[...]`, `$(...)`, `$name.attr`.
pub(crate) fn pv_end(b: &[char], i: usize) -> usize {
    let mut j = i + 1;
    if j < b.len() && b[j] == '(' {
        return balanced(b, j, '(', ')');
    }
    if j < b.len() && b[j] == '{' {
        return balanced(b, j, '{', '}');
    }
    while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == '_' || (b[j] == '.' && j + 1 < b.len() && (b[j + 1].is_ascii_alphanumeric() || b[j + 1] == '_'))) {
        j += 1;
    }
    if j < b.len() && b[j] == '(' {
        j = balanced(b, j, '(', ')');
    }
    if j < b.len() && b[j] == '[' {
        j = balanced(b, j, '[', ']');
    }
    j
}

/// End (exclusive) of a balanced group opening at `b[i] == open`; strings
/// inside are skipped. Stops at the end of input if unbalanced.
fn balanced(b: &[char], i: usize, open: char, close: char) -> usize {
    let mut depth = 0usize;
    let mut j = i;
    while j < b.len() {
        let c = b[j];
        if c == open {
            depth += 1;
        } else if c == close {
            depth -= 1;
            if depth == 0 {
                return j + 1;
            }
        } else if c == '"' {
            j += 1;
            while j < b.len() && b[j] != '"' {
                if b[j] == '\\' {
                    j += 1;
                }
                j += 1;
            }
        }
        j += 1;
    }
    b.len()
}

/// The module name of a `loadmodule "..."` line, for `MOD_<name>`.
fn loadmodule_name(line: &str) -> Option<String> {
    let t = line.trim_start().strip_prefix("loadmodule")?;
    let t = t.trim_start();
    let t = t.strip_prefix('(').unwrap_or(t);
    let spec = unquote(t.trim_end().trim_end_matches(';').trim_end().trim_end_matches(')'))?;
    Some(crate::modules::registry::name_from_spec(spec))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    pub(crate) fn tmpdir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("sb-pp-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::File::create(&p).unwrap().write_all(text.as_bytes()).unwrap();
        p
    }

    fn run(text: &str) -> Result<Preprocessed, CfgError> {
        let d = tmpdir(&format!("t{}", text.len() ^ (text.as_ptr() as usize)));
        let p = write(&d, "main.cfg", text);
        preprocess(&p, &LoadOptions::default())
    }

    fn texts(p: &Preprocessed) -> Vec<(String, u32)> {
        p.lines.iter().map(|l| (l.text.clone(), l.origin.line)).collect()
    }

    #[test]
    fn strips_comments_keeps_lines() {
        let p = run("#!KAMAILIO\na=1 # c\nb=2 // c\n/* x\n y */ c=3\nd=\"# not // a /* comment\"\n").unwrap();
        assert_eq!(
            texts(&p),
            vec![
                ("a=1".into(), 2),
                ("b=2".into(), 3),
                ("  c=3".into(), 5),
                ("d=\"# not // a /* comment\"".into(), 6)
            ]
        );
    }

    #[test]
    fn defines_and_conditionals() {
        let p = run("#!define A 10\n#!define B\n#!ifdef B\n#!ifndef C\nx=A\n#!else\nx=0\n#!endif\n#!else\ny=1\n#!endif\nz=\"A\" $var(A)\n").unwrap();
        assert_eq!(texts(&p), vec![("x=10".into(), 5), ("z=\"A\" $var(A)".into(), 12)]);
    }

    #[test]
    fn multiline_define_and_redefine_trydef() {
        let p = run("#!define L a \\\n  b \\\n  c\nv=L\n#!trydef L x\nw=L\n#!redefine L q\nu=L\n").unwrap();
        assert_eq!(texts(&p), vec![("v=a b c".into(), 4), ("w=a b c".into(), 6), ("u=q".into(), 8)]);
        let e = run("#!define A 1\n#!define A 2\n").unwrap_err();
        assert_eq!(e.origin.unwrap().line, 2);
    }

    #[test]
    fn subst_and_substdef() {
        let p = run("#!subst \"/PASS/secret/g\"\n#!substdef \"/HOST/h.example/\"\n#!substdefs \"/NAME/bob/\"\na=\"x PASS PASS HOST\"\nb=HOST\nc=NAME\nd=PASS\n").unwrap();
        assert_eq!(
            texts(&p),
            vec![
                ("a=\"x secret secret h.example\"".into(), 4),
                ("b=h.example".into(), 5),
                ("c=\"bob\"".into(), 6),
                ("d=PASS".into(), 7)
            ]
        );
        let p = run("#!subst \"/PW/pw1/\"\n#!define URL \"db://u:PW@h\"\nu=URL\n").unwrap();
        assert_eq!(p.lines[0].text, "u=\"db://u:pw1@h\"");
        let p = run("#!subst \"/u(.)er/X\\1Y/i\"\na=\"USER\"\n").unwrap();
        assert_eq!(p.lines[0].text, "a=\"XSY\"");
    }

    #[test]
    fn cmdline_defines_and_mod_defines() {
        let d = tmpdir("cmd");
        let p = write(&d, "m.cfg", "#!ifdef WITH_X\nx=V\n#!endif\nloadmodule \"tm.so\"\n#!ifdef MOD_tm\ny=1\n#!endif\n#!ifdef SWITCHBOARD\nz=1\n#!endif\n");
        let opts = LoadOptions { defines: vec![("WITH_X".into(), None), ("V".into(), Some("7".into()))] };
        let pp = preprocess(&p, &opts).unwrap();
        let t: Vec<_> = pp.lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(t, vec!["x=7", "loadmodule \"tm.so\"", "y=1", "z=1"]);
    }

    #[test]
    fn defenv() {
        std::env::set_var("SB_PP_TEST_ENV", "val");
        let p = run("#!defenv E=SB_PP_TEST_ENV\n#!defenvs F=SB_PP_TEST_ENV\n#!trydefenv SB_PP_NOPE_NOPE\na=E F\n#!ifdef SB_PP_NOPE_NOPE\nb=1\n#!endif\n").unwrap();
        assert_eq!(texts(&p), vec![("a=val \"val\"".into(), 4)]);
        assert!(run("#!defenv SB_PP_NOPE_NOPE\n").is_err());
    }

    #[test]
    fn includes_with_origins() {
        let d = tmpdir("inc");
        write(&d, "inc/a.cfg", "in_a=1\n#!include_file \"b.cfg\"\n");
        write(&d, "inc/b.cfg", "\n\nin_b=2\n");
        let m = write(&d, "main.cfg", "x=1\ninclude_file \"inc/a.cfg\"\nimport_file \"nope.cfg\"\ny=2\n!!include_file \"missing.cfg\"\n");
        let e = preprocess(&m, &LoadOptions::default()).unwrap_err();
        assert_eq!(e.origin.as_ref().unwrap().line, 5);
        assert!(e.message.contains("missing.cfg"));
        let m = write(&d, "main.cfg", "x=1\ninclude_file \"inc/a.cfg\"\nimport_file \"nope.cfg\"\ny=2\n");
        let pp = preprocess(&m, &LoadOptions::default()).unwrap();
        let t: Vec<_> = pp
            .lines
            .iter()
            .map(|l| (l.text.clone(), l.origin.file.file_name().unwrap().to_string_lossy().into_owned(), l.origin.line))
            .collect();
        assert_eq!(
            t,
            vec![
                ("x=1".into(), "main.cfg".into(), 1),
                ("in_a=1".into(), "a.cfg".into(), 1),
                ("in_b=2".into(), "b.cfg".into(), 3),
                ("y=2".into(), "main.cfg".into(), 4)
            ]
        );
        assert!(pp.to_text().contains("b.cfg:3\nin_b=2\n"));
    }

    #[test]
    fn include_depth_limit() {
        let d = tmpdir("deep");
        write(&d, "self.cfg", "include_file \"self.cfg\"\n");
        let e = preprocess(&d.join("self.cfg"), &LoadOptions::default()).unwrap_err();
        assert!(e.message.contains("depth"), "{e}");
    }

    #[test]
    fn unbalanced_conditionals() {
        assert_eq!(run("a=1\n#!ifdef X\n").unwrap_err().origin.unwrap().line, 2);
        assert_eq!(run("#!endif\n").unwrap_err().origin.unwrap().line, 1);
        assert_eq!(run("#!else\n").unwrap_err().origin.unwrap().line, 1);
        assert!(run("#!bogus\n").is_err());
        assert!(run("/* open\n").is_err());
        // skipped regions ignore unknown directives but count nesting
        let p = run("#!ifdef NOPE\n#!ifdef X\n#!bogus\n#!endif\n#!else\nok=1\n#!endif\n").unwrap();
        assert_eq!(texts(&p), vec![("ok=1".into(), 6)]);
    }
}
