//! Built-in modules and the parameters each declares.

pub mod registry;

pub use registry::{lookup, ModuleDef, ModuleStatus, ParamDef, ParamType, MODULES};

pub mod core_fns;
pub mod registrar;
pub mod rr;
pub mod sl;
pub mod tm;
