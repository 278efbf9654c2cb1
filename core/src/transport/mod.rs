//! Transports on tokio: UDP, TCP listeners and the send API.

pub mod addr;
pub mod framing;
pub use addr::{ListenAddr, Protocol};
