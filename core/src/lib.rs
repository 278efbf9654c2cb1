//! switchboard-core: everything that is not a scripting language.
//!
//! The data path is: socket (`transport`) → parse (`sip`) → routing
//! (`server`, later the engines) → serialize → socket.

pub mod cfg;
pub mod engine;
pub mod exports;
pub mod forward;
pub mod kemi;
pub mod log;
pub mod modules;
pub mod myself;
pub mod pv;
pub mod route;
pub mod rpc;
pub mod sched;
pub mod shards;
pub mod server;
pub mod sip;
pub mod tm;
pub mod transport;
pub mod usrloc;
