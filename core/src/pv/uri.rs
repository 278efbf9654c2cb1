//! R-URI rewriting: the parts of a URI as owned strings, edited and put
//! back together (rewritehost & co, `$rU = ...`).

use crate::sip::{Scheme, Uri};

/// An editable URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UriParts {
    pub scheme: String,
    pub tel: bool,
    pub user: Option<String>,
    pub password: Option<String>,
    pub host: String,
    pub port: Option<String>,
    /// Without the leading `;`.
    pub params: Option<String>,
    /// Without the leading `?`.
    pub headers: Option<String>,
}

impl UriParts {
    pub fn parse(s: &str) -> Option<UriParts> {
        let u = Uri::parse(s).ok()?;
        if u.scheme() == Scheme::Other {
            return None;
        }
        Some(UriParts {
            scheme: u.scheme_str().to_string(),
            tel: u.scheme() == Scheme::Tel,
            user: u.user().map(str::to_string),
            password: u.password().map(str::to_string),
            host: u.host().to_string(),
            port: u.port().map(|p| p.to_string()),
            params: u.params_raw().map(str::to_string),
            headers: u.headers_raw().map(str::to_string),
        })
    }
}

impl UriParts {
    /// Set (or, with `None`, remove) the user part; a password goes with
    /// a removed user.
    pub fn set_user(&mut self, user: Option<String>) {
        if user.is_none() {
            self.password = None;
        }
        self.user = user;
    }
}

impl std::fmt::Display for UriParts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:", self.scheme)?;
        if self.tel {
            f.write_str(self.user.as_deref().unwrap_or(""))?;
        } else {
            if let Some(u) = self.user.as_deref().filter(|u| !u.is_empty()) {
                f.write_str(u)?;
                if let Some(p) = &self.password {
                    write!(f, ":{p}")?;
                }
                f.write_str("@")?;
            }
            f.write_str(&self.host)?;
            if let Some(p) = self.port.as_deref().filter(|p| !p.is_empty()) {
                write!(f, ":{p}")?;
            }
        }
        if let Some(p) = self.params.as_deref().filter(|p| !p.is_empty()) {
            write!(f, ";{p}")?;
        }
        if let Some(h) = self.headers.as_deref().filter(|h| !h.is_empty()) {
            write!(f, "?{h}")?;
        }
        Ok(())
    }
}

/// Apply `edit` to the current R-URI of `ctx` and store the result as the
/// new R-URI. False when there is no (parseable) R-URI or the result does
/// not parse.
pub fn rewrite_ruri(ctx: &mut crate::route::RouteCtx<'_>, edit: impl FnOnce(&mut UriParts)) -> bool {
    if !ctx.msg.is_request() {
        return false;
    }
    let Some(mut parts) = UriParts::parse(ctx.ruri()) else {
        return false;
    };
    edit(&mut parts);
    let new = parts.to_string();
    if Uri::parse(&new).is_err() {
        return false;
    }
    ctx.new_ruri = Some(new);
    true
}

/// Set the whole R-URI (`$ru = ...`, rewriteuri): it must parse.
pub fn set_ruri(ctx: &mut crate::route::RouteCtx<'_>, uri: &str) -> bool {
    let uri = uri.trim();
    if !ctx.msg.is_request() || Uri::parse(uri).is_err() {
        return false;
    }
    ctx.new_ruri = Some(uri.to_string());
    true
}

/// What an assignment to `$fu $fU $fd $fn` / `$tu $tU $td $tn` changes.
pub enum AddrPart {
    Uri(String),
    /// `None`: no user part.
    User(Option<String>),
    Host(String),
    /// `None`: no display name.
    Display(Option<String>),
}

/// Rewrite one part of the From or To header (`which`) in place — its tag
/// and other parameters kept, the header where it was. As in Kamailio, the
/// variables keep reading the header as received; the change goes out with
/// the message. False when the header is missing or the result is no URI.
pub fn rewrite_addr(ctx: &mut crate::route::RouteCtx<'_>, which: crate::sip::HeaderName, part: AddrPart) -> bool {
    use crate::sip::NameAddr;
    let Some(current) = ctx.msg.edited_header(which).map(str::to_string) else {
        return false;
    };
    let Ok(na) = NameAddr::parse(&current) else {
        return false;
    };
    let mut uri = na.uri().as_str().to_string();
    let mut display = na.display_name_raw().map(str::to_string);
    match part {
        AddrPart::Uri(u) => uri = u.trim().to_string(),
        AddrPart::User(user) => {
            let Some(mut p) = UriParts::parse(&uri) else { return false };
            p.set_user(user);
            uri = p.to_string();
        }
        AddrPart::Host(host) => {
            let Some(mut p) = UriParts::parse(&uri) else { return false };
            p.host = host;
            uri = p.to_string();
        }
        AddrPart::Display(d) => display = d.filter(|d| !d.is_empty()).map(|d| quoted(&d)),
    }
    if Uri::parse(&uri).is_err() {
        return false;
    }
    let mut value = String::with_capacity(current.len() + 16);
    if let Some(d) = display {
        value.push_str(&d);
        value.push(' ');
    }
    value.push('<');
    value.push_str(&uri);
    value.push('>');
    value.push_str(na.params_raw());
    let name = if which == crate::sip::HeaderName::From { "From" } else { "To" };
    ctx.msg.set_header(name, &value).is_ok()
}

/// A display name as a quoted string (kept as it is when already quoted).
fn quoted(d: &str) -> String {
    let d = d.trim();
    if d.len() >= 2 && d.starts_with('"') && d.ends_with('"') {
        return d.to_string();
    }
    let mut s = String::with_capacity(d.len() + 2);
    s.push('"');
    for c in d.chars() {
        if c == '"' || c == '\\' {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('"');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_edit() {
        for s in [
            "sip:alice@example.com",
            "sip:alice:pw@example.com:5070;transport=tcp?subject=x",
            "sips:[::1]:5061;lr",
            "tel:+4930123;phone-context=x",
        ] {
            assert_eq!(UriParts::parse(s).unwrap().to_string(), s);
        }
        let mut p = UriParts::parse("sip:alice@example.com:5070;lr").unwrap();
        p.user = None;
        p.port = None;
        assert_eq!(p.to_string(), "sip:example.com;lr");
    }
}
