//! Built-in modules and the parameters each declares.

pub mod registry;

pub use registry::{lookup, ModuleDef, ModuleStatus, ParamDef, ParamType, MODULES};

pub mod app_perl;
pub mod core_fns;
pub mod registrar;
pub mod rr;
pub mod sl;
pub mod tm;
pub mod corex;
pub mod kx;
pub mod maxfwd;
pub mod pv;
pub mod sanity;
pub mod settings;
pub mod siputils;
pub mod textops;
pub mod xlog;

pub use settings::ModCfg;

#[cfg(test)]
pub(crate) mod testutil;
