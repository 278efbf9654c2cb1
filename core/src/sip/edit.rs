//! Edits recorded against the original bytes and applied on
//! serialization (the "lumps" idea: untouched lines are copied verbatim,
//! so a proxy never re-renders what it did not change).
//!
//! The header list is modelled as slots. On the first header edit the
//! original headers become `Orig` slots; edits then work on the slots, so
//! they compose (e.g. `push_via` followed by `remove_top_via` removes the
//! Via that was just pushed).

use bytes::{BufMut, Bytes, BytesMut};

use super::error::{reasons, ParseError};
use super::header::HeaderName;
use super::message::{SipMessage, StartLine};
use super::text::{is_token_str, top_level_comma, trim_lws};
use super::uri::Uri;
use super::via::Via;

#[derive(Clone, Debug)]
pub(crate) enum Slot {
    /// Original header i, copied byte for byte.
    Orig(u32),
    /// Original header i with a new value (the name is kept as written).
    OrigValue(u32, String),
    New {
        name: HeaderName,
        name_text: String,
        value: String,
    },
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Edits {
    ruri: Option<String>,
    slots: Option<Vec<Slot>>,
    body: Option<Bytes>,
}

fn check_value(v: &str) -> Result<(), ParseError> {
    // No CR/LF: a value must never be able to inject header lines.
    if v.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
        return Err(reasons::BAD_EDIT);
    }
    Ok(())
}

impl SipMessage {
    fn edits(&mut self) -> &mut Edits {
        self.edits.get_or_insert_with(Default::default)
    }

    fn slots(&mut self) -> &mut Vec<Slot> {
        let n = self.headers.len() as u32;
        let e = self.edits.get_or_insert_with(Default::default);
        e.slots
            .get_or_insert_with(|| (0..n).map(Slot::Orig).collect())
    }

    fn slot_name(&self, s: &Slot) -> HeaderName {
        match s {
            Slot::Orig(i) | Slot::OrigValue(i, _) => self.headers[*i as usize].name,
            Slot::New { name, .. } => *name,
        }
    }

    fn slot_name_text<'s>(&'s self, s: &'s Slot) -> &'s str {
        match s {
            Slot::Orig(i) | Slot::OrigValue(i, _) => self.text(self.headers[*i as usize].name_span),
            Slot::New { name_text, .. } => name_text,
        }
    }

    fn slot_value<'s>(&'s self, s: &'s Slot) -> &'s str {
        match s {
            Slot::Orig(i) => self.text(self.headers[*i as usize].value),
            Slot::OrigValue(_, v) | Slot::New { value: v, .. } => v,
        }
    }

    fn slot_matches(&self, s: &Slot, name: &str, known: HeaderName) -> bool {
        let n = self.slot_name(s);
        if known != HeaderName::Other {
            n == known
        } else {
            n == HeaderName::Other && self.slot_name_text(s).eq_ignore_ascii_case(name)
        }
    }

    /// True if any edit has been recorded.
    pub fn is_edited(&self) -> bool {
        self.edits.is_some()
    }

    /// Replaces the Request-URI (requests only).
    pub fn set_ruri(&mut self, uri: &str) -> Result<(), ParseError> {
        if !self.is_request() {
            return Err(reasons::BAD_EDIT);
        }
        Uri::parse(uri)?;
        self.edits().ruri = Some(uri.to_string());
        Ok(())
    }

    fn new_slot(name: &str, value: &str) -> Result<Slot, ParseError> {
        let name = name.trim();
        if !is_token_str(name) {
            return Err(reasons::BAD_EDIT);
        }
        check_value(value)?;
        Ok(Slot::New {
            name: HeaderName::from_name(name),
            name_text: name.to_string(),
            value: value.trim().to_string(),
        })
    }

    /// Inserts a header above all others.
    pub fn add_header_top(&mut self, name: &str, value: &str) -> Result<(), ParseError> {
        let s = Self::new_slot(name, value)?;
        self.slots().insert(0, s);
        Ok(())
    }

    /// Appends a header after all others.
    pub fn append_header(&mut self, name: &str, value: &str) -> Result<(), ParseError> {
        let s = Self::new_slot(name, value)?;
        self.slots().push(s);
        Ok(())
    }

    /// Removes every header with this name (in the current, edited list);
    /// returns how many were removed.
    pub fn remove_header(&mut self, name: HeaderName) -> usize {
        self.remove_matching(name.as_str(), name)
    }

    /// Like [`SipMessage::remove_header`] with the name as text (unknown
    /// names compare case-insensitively).
    pub fn remove_header_by_name(&mut self, name: &str) -> usize {
        let known = HeaderName::from_name(name);
        self.remove_matching(name.trim(), known)
    }

    fn remove_matching(&mut self, name: &str, known: HeaderName) -> usize {
        let mut slots = std::mem::take(self.slots());
        let before = slots.len();
        slots.retain(|s| !self.slot_matches(s, name, known));
        let removed = before - slots.len();
        *self.slots() = slots;
        removed
    }

    /// Inserts a header right before (`after == false`) or after the first
    /// header named `anchor` in the current list. Ok(false) if there is no
    /// such header (nothing is added).
    pub fn insert_header_near(&mut self, anchor: &str, after: bool, name: &str, value: &str) -> Result<bool, ParseError> {
        let s = Self::new_slot(name, value)?;
        let known = HeaderName::from_name(anchor);
        let anchor = anchor.trim().to_string();
        self.ensure_slots();
        let Some(pos) = self.current_slots().iter().position(|x| self.slot_matches(x, &anchor, known)) else {
            return Ok(false);
        };
        self.slots().insert(if after { pos + 1 } else { pos }, s);
        Ok(true)
    }

    /// Removes original header number `index` (as numbered by `headers()`).
    /// Returns false if it does not exist or was already removed.
    pub fn remove_header_at(&mut self, index: usize) -> bool {
        let slots = self.slots();
        match slots.iter().position(
            |s| matches!(s, Slot::Orig(i) | Slot::OrigValue(i, _) if *i as usize == index),
        ) {
            Some(p) => {
                slots.remove(p);
                true
            }
            None => false,
        }
    }

    /// Replaces the header at `pos` in the current (edited) list, as
    /// numbered by [`SipMessage::edited_headers`]: same name (exact
    /// spelling) keeps the original name text, another name makes it a new
    /// header line at the same position. Ok(false) if `pos` is out of range.
    pub fn replace_header_at(&mut self, pos: usize, name: &str, value: &str) -> Result<bool, ParseError> {
        let new = Self::new_slot(name, value)?;
        self.ensure_slots();
        let Some(old) = self.current_slots().get(pos) else { return Ok(false) };
        let same_name = self.slot_name_text(old) == name.trim();
        let value = value.trim().to_string();
        let slot = match old.clone() {
            Slot::Orig(i) | Slot::OrigValue(i, _) if same_name => Slot::OrigValue(i, value),
            Slot::New { name, name_text, .. } if same_name => Slot::New { name, name_text, value },
            _ => new,
        };
        self.slots()[pos] = slot;
        Ok(true)
    }

    /// Removes the header at `pos` in the current (edited) list; false if
    /// out of range.
    pub fn remove_edited_header_at(&mut self, pos: usize) -> bool {
        let slots = self.slots();
        if pos < slots.len() {
            slots.remove(pos);
            true
        } else {
            false
        }
    }

    /// Sets the value of the first header with this name (keeping its
    /// position and spelling), removing any further ones; appends the
    /// header if absent.
    pub fn set_header(&mut self, name: &str, value: &str) -> Result<(), ParseError> {
        let name = name.trim();
        if !is_token_str(name) {
            return Err(reasons::BAD_EDIT);
        }
        check_value(value)?;
        let value = value.trim();
        let known = HeaderName::from_name(name);
        // In place: the first header of that name gets the value, any
        // further ones go (the common case, one header, copies nothing).
        self.ensure_slots();
        let slots = self.current_slots();
        let mut found = slots.iter().enumerate().filter(|(_, s)| self.slot_matches(s, name, known)).map(|(i, _)| i);
        let Some(first) = found.next() else {
            return self.append_header(name, value);
        };
        let more: Vec<usize> = found.collect();
        let replaced = match &slots[first] {
            Slot::Orig(i) | Slot::OrigValue(i, _) => Slot::OrigValue(*i, value.to_string()),
            Slot::New { name, name_text, .. } => Slot::New { name: *name, name_text: name_text.clone(), value: value.to_string() },
        };
        let slots = self.slots();
        slots[first] = replaced;
        for i in more.into_iter().rev() {
            slots.remove(i);
        }
        Ok(())
    }

    /// Adds a new topmost Via (inserted right above the current first Via
    /// line, or at the top if there is none).
    pub fn push_via(&mut self, value: &str) -> Result<(), ParseError> {
        check_value(value)?;
        Via::parse(value)?;
        let slot = Slot::New {
            name: HeaderName::Via,
            name_text: "Via".into(),
            value: value.trim().to_string(),
        };
        self.ensure_slots();
        let pos = self.current_slots().iter().position(|s| self.slot_name(s) == HeaderName::Via).unwrap_or(0);
        self.slots().insert(pos, slot);
        Ok(())
    }

    /// Creates the slot list if there is none yet (read it with `current_slots`).
    fn ensure_slots(&mut self) {
        self.slots();
    }

    /// The slot list made by `ensure_slots`, read-only, so it can be searched
    /// with `slot_name`/`slot_matches` without a copy.
    fn current_slots(&self) -> &[Slot] {
        self.edits.as_ref().and_then(|e| e.slots.as_deref()).unwrap_or(&[])
    }

    /// Removes the topmost Via value. If the first Via line carries several
    /// comma-separated values only the first is removed. Returns false if
    /// there is no Via.
    pub fn remove_top_via(&mut self) -> bool {
        self.ensure_slots();
        let slots = self.current_slots();
        let Some(pos) = slots.iter().position(|s| self.slot_name(s) == HeaderName::Via) else {
            return false;
        };
        let value = self.slot_value(&slots[pos]);
        let replacement = top_level_comma(value).map(|c| trim_lws(&value[c + 1..]).to_string());
        let slot = slots[pos].clone();
        let s = self.slots();
        match replacement {
            Some(rest) if !rest.is_empty() => {
                s[pos] = match slot {
                    Slot::Orig(i) | Slot::OrigValue(i, _) => Slot::OrigValue(i, rest),
                    Slot::New {
                        name, name_text, ..
                    } => Slot::New {
                        name,
                        name_text,
                        value: rest,
                    },
                };
            }
            _ => {
                s.remove(pos);
            }
        }
        true
    }

    /// Replaces the body, rewrites Content-Length, and sets Content-Type
    /// (or removes it when the body is empty and no type is given).
    pub fn set_body(&mut self, body: Bytes, content_type: Option<&str>) -> Result<(), ParseError> {
        let len = body.len().to_string();
        self.set_header("Content-Length", &len)?;
        match content_type {
            Some(ct) => self.set_header("Content-Type", ct)?,
            None if body.is_empty() => {
                self.remove_header(HeaderName::ContentType);
            }
            None => {}
        }
        self.edits().body = Some(body);
        Ok(())
    }

    /// The current header list after edits, as (name, value) pairs.
    pub fn edited_headers(&self) -> Vec<(&str, &str)> {
        match self.edits.as_ref().and_then(|e| e.slots.as_ref()) {
            Some(slots) => slots
                .iter()
                .map(|s| (self.slot_name_text(s), self.slot_value(s)))
                .collect(),
            None => self.headers().map(|h| (h.name_raw, h.value)).collect(),
        }
    }

    /// The value of the first header named `name` in the current (edited)
    /// list; without edits straight from the parsed headers.
    pub fn edited_header(&self, name: HeaderName) -> Option<&str> {
        match self.edits.as_ref().and_then(|e| e.slots.as_ref()) {
            Some(slots) => slots.iter().find(|s| self.slot_name(s) == name).map(|s| self.slot_value(s)),
            None => self.header(name),
        }
    }

    /// Wire form. Unedited: the received bytes (no copy). Edited: untouched
    /// lines are copied verbatim, changed ones are written as
    /// `Name: value CRLF`; if the message had no Content-Length one is
    /// appended (so it can go out over a stream transport).
    pub fn serialize(&self) -> Bytes {
        let Some(e) = &self.edits else {
            return self.raw();
        };
        let b = &self.buf[..];
        let body: &[u8] = e.body.as_deref().unwrap_or(self.body());
        let mut out = BytesMut::with_capacity(b.len() + 256 + body.len());
        match (&e.ruri, &self.start) {
            (
                Some(ruri),
                StartLine::Request {
                    method_span,
                    version,
                    ..
                },
            ) => {
                out.put_slice(self.text(*method_span).as_bytes());
                out.put_u8(b' ');
                out.put_slice(ruri.as_bytes());
                out.put_u8(b' ');
                out.put_slice(self.text(*version).as_bytes());
                out.put_slice(b"\r\n");
            }
            _ => out.put_slice(&b[self.msg_start..self.start_line_end]),
        }
        let mut has_cl = false;
        let put = |out: &mut BytesMut, name: &str, value: &str| {
            out.put_slice(name.as_bytes());
            out.put_slice(b": ");
            out.put_slice(value.as_bytes());
            out.put_slice(b"\r\n");
        };
        match &e.slots {
            None => {
                out.put_slice(&b[self.start_line_end..self.head_end]);
                has_cl = self.content_length.is_some();
            }
            Some(slots) => {
                for s in slots {
                    has_cl |= self.slot_name(s) == HeaderName::ContentLength;
                    match s {
                        Slot::Orig(i) => {
                            let h = &self.headers[*i as usize];
                            out.put_slice(&b[h.line_start as usize..h.line_end as usize]);
                        }
                        Slot::OrigValue(i, v) => {
                            put(&mut out, self.text(self.headers[*i as usize].name_span), v);
                        }
                        Slot::New {
                            name_text, value, ..
                        } => put(&mut out, name_text, value),
                    }
                }
            }
        }
        if !has_cl {
            put(&mut out, "Content-Length", &body.len().to_string());
        }
        out.put_slice(b"\r\n");
        out.put_slice(body);
        out.freeze()
    }
}
