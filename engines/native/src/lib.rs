//! The native engine: runs the routing blocks of kamailio.cfg itself
//! (`request_route`, `route[NAME]`, `failure_route[NAME]`,
//! `onreply_route`, `branch_route[NAME]`, `onsend_route`,
//! `event_route[NAME]`).
//!
//! At load every block is parsed ([`parse`]) and compiled to closures
//! ([`compile`]) with functions, pseudo-variables, flags and route names
//! resolved, so a bad cfg stops the start with file:line and running a
//! block does no name lookups. The compiled program is shared by every
//! worker: the engine itself keeps no per-thread state (`$var`s live in
//! the core's per-worker table).
//!
//! Semantics follow Kamailio's core cookbook; where it is silent:
//! - a block that ends without `return` returns 1;
//! - a function call used as a value is 1 when its code is > 0, else 0
//!   (`$rc` keeps the code); a code of 0 ends the script;
//! - in a condition a string is converted to a number (non-numeric is
//!   false), null is false;
//! - `break` outside `switch`/`while` is a load error.

use std::sync::Arc;

use switchboard_core::cfg::{CfgError, Config, RouteKind};
use switchboard_core::engine::{Callback, Engine, EngineFactory, ScriptError};
use switchboard_core::route::{RouteCtx, RouteType};

pub mod ast;
pub mod compile;
pub mod ops;
pub mod parse;

use compile::{run_body, Exec, Flow, Program};

#[cfg(test)]
mod tests;

/// Builds the compiled program once; every worker shares it.
pub struct NativeFactory {
    prog: Arc<Program>,
}

impl NativeFactory {
    /// Compile the cfg's routing blocks. The error carries file:line.
    pub fn from_config(config: &Config) -> Result<NativeFactory, CfgError> {
        if config.route(RouteKind::Request, None).is_none() {
            return Err(CfgError::bare(format!(
                "{}: no request_route block (the native engine needs one; or set cfgengine)",
                config.path.display()
            )));
        }
        Ok(NativeFactory { prog: Arc::new(compile::compile(config)?) })
    }

    pub fn program(&self) -> &Program {
        &self.prog
    }
}

impl EngineFactory for NativeFactory {
    fn name(&self) -> &str {
        "native"
    }
    fn create(&self, _rank: usize) -> Result<Box<dyn Engine>, String> {
        Ok(Box::new(NativeEngine { prog: self.prog.clone() }))
    }

    fn handles(&self, cb: Callback<'_>) -> bool {
        NativeEngine { prog: self.prog.clone() }.has(cb)
    }
}

pub struct NativeEngine {
    prog: Arc<Program>,
}

impl NativeEngine {
    /// The block `cb` runs, if the cfg has it.
    fn block(&self, cb: Callback<'_>, route_type: Option<RouteType>) -> Option<usize> {
        let p = &self.prog;
        match cb {
            Callback::Request => p.request,
            Callback::Reply => p.reply,
            Callback::OnSend => p.onsend,
            Callback::Event(name) => p.find(RouteKind::Event, name),
            Callback::Named(name) => {
                let kinds: &[RouteKind] = match route_type {
                    Some(RouteType::Failure) => &[RouteKind::Failure],
                    Some(RouteType::Branch) => &[RouteKind::Branch],
                    Some(RouteType::Reply) => &[RouteKind::OnReply],
                    _ => &[RouteKind::Failure, RouteKind::Branch, RouteKind::OnReply, RouteKind::Route],
                };
                kinds.iter().find_map(|k| p.find(*k, name))
            }
        }
    }
}

impl Engine for NativeEngine {
    fn run(&self, cb: Callback<'_>, ctx: &mut RouteCtx<'_>) -> Result<i32, ScriptError> {
        let Some(idx) = self.block(cb, Some(ctx.route_type)) else {
            return Ok(1);
        };
        let mut ex = Exec { prog: &self.prog, depth: 0 };
        let code = match run_body(&self.prog.blocks[idx].body, &mut ex, ctx) {
            Flow::Next | Flow::Break => 1,
            Flow::Return(n) => n,
            Flow::Exit => 0,
        };
        if code == 0 && ctx.stop == switchboard_core::route::Stop::No {
            ctx.stop = switchboard_core::route::Stop::Exit;
        }
        Ok(code)
    }

    fn has(&self, cb: Callback<'_>) -> bool {
        self.block(cb, None).is_some()
    }
}
