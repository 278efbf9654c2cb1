//! SIP message layer: nom parser over `bytes::Bytes`, typed header access,
//! serialization with edits.
//!
//! Flow for a datagram: [`parse_with_limit`] → [`SipMessage::validate`] →
//! typed getters / edits → [`SipMessage::serialize`]. A message that fails
//! either step gets [`build_reply_from_raw`] (400) if it is a request with a
//! readable Via, otherwise it is dropped. Streams are cut by
//! `transport::framing` first.
//!
//! Decisions worth knowing when using this module:
//!
//! - `parse` only finds the start line, header boundaries and header name
//!   classes; typed values (`Via`, `NameAddr`, `Uri`, `CSeq`, ...) are parsed
//!   on each call from the stored offsets and borrow from the message. They
//!   do not allocate; keep the value rather than calling a getter in a loop.
//! - The start line and header block must be UTF-8 (so every getter can
//!   return `&str`); the body is raw bytes.
//! - Getters describe the message as received. Edits are recorded and
//!   applied by `serialize`; `reparse()` gives a message that sees them.
//! - `validate` is the proxy-level check (RFC 4475 §3.1.2 invalid messages
//!   fail it); `validate_strict` adds the UA/registrar checks of §3.3
//!   (missing From/To/Call-ID, duplicated single headers), which a proxy
//!   must not apply since it forwards such messages.
//! - Several Content-Length headers: the first one frames a datagram (and
//!   `validate_strict` rejects the message); on streams differing values are
//!   a framing error.
//! - Trailing whitespace after `SIP/2.0` on the request line is accepted
//!   (RFC 4475 trws leaves the choice open).

mod cseq;
mod edit;
mod error;
mod header;
mod message;
mod method;
mod nameaddr;
mod parser;
mod reply;
mod text;
mod uri;
mod validate;
mod via;
pub mod write;

pub use cseq::{CSeq, MediaType};
pub use error::ParseError;
pub use header::{unfold, Header, HeaderName};
pub use message::{SendFlags, SipMessage};
pub use method::Method;
pub use nameaddr::{Contact, NameAddr};
pub use parser::{parse, parse_with_limit, DEFAULT_MAX_SIZE};
pub use reply::{build_reply, build_reply_from_raw, ReplyOptions};
pub(crate) use reply::{stamp_via, via_needs_stamp};
pub use text::GenericParams;
pub use uri::{Scheme, Uri};
pub use via::{Host, Via};

#[cfg(test)]
mod tests;
