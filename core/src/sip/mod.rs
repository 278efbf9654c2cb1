//! SIP message layer: nom parser over `bytes::Bytes`, typed header access,
//! serialization with edits.
