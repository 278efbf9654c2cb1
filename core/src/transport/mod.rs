//! Transports on tokio: UDP, TCP listeners and the send API.

pub mod addr;
pub use addr::{ListenAddr, Protocol};
