//! SIP message layer: nom parser over `bytes::Bytes`, typed header access,
//! serialization with edits.
//!
//! Flow for a datagram: [`parse_with_limit`] → [`SipMessage::validate`] →
//! typed getters / edits → [`SipMessage::serialize`]. A message that fails
//! either step gets [`build_reply_from_raw`] (400) if it is a request with a
//! readable Via, otherwise it is dropped. Streams are cut with
//! [`stream_frame`] first.

mod cseq;
mod edit;
mod error;
mod framing;
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

pub use cseq::{CSeq, MediaType};
pub use error::ParseError;
pub use framing::{stream_frame, FrameResult};
pub use header::{unfold, Header, HeaderName};
pub use message::SipMessage;
pub use method::Method;
pub use nameaddr::{Contact, NameAddr};
pub use parser::{parse, parse_with_limit, DEFAULT_MAX_SIZE};
pub use reply::{build_reply, build_reply_from_raw, ReplyOptions};
pub use text::GenericParams;
pub use uri::{Scheme, Uri};
pub use via::{Host, Via};

#[cfg(test)]
mod tests;
