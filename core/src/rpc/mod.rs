//! The control interface: Kamailio's `jsonrpcs` (JSON-RPC 2.0).
//!
//! - A registry of commands, `name -> fn(&Shared, params) -> result`. The
//!   core's commands (`system.*`, `core.*`, `tm.stats`, `ul.*`,
//!   `stats.get_statistics`) are in [`commands`]; anything outside the core
//!   (the script engines: `app_perl.*`, `app_python.reload`) adds its own
//!   with [`register`] at setup — the core knows nothing about languages.
//! - [`handle`]: one JSON-RPC request document in, the response document
//!   out (None for a notification: a request without `id`).
//! - [`transport`]: the FIFO and datagram transports, started by
//!   `Server::start` when the cfg loads jsonrpcs, each on its own threads
//!   (never on a SIP worker).

use std::collections::BTreeMap;
use std::sync::{OnceLock, RwLock};

pub use serde_json::{json, Value};

use crate::route::Shared;

pub mod commands;
pub mod transport;

#[cfg(test)]
mod tests;

/// JSON-RPC 2.0 error codes.
pub const PARSE_ERROR: i32 = -32700;
pub const INVALID_REQUEST: i32 = -32600;
pub const METHOD_NOT_FOUND: i32 = -32601;
pub const INVALID_PARAMS: i32 = -32602;

/// A command's failure: (code, message), sent as the JSON-RPC `error`.
pub type RpcError = (i32, String);
pub type RpcResult = Result<Value, RpcError>;
/// A command: the server's shared state and the positional parameters.
pub type Handler = fn(&Shared, &[Value]) -> RpcResult;

#[derive(Clone, Copy)]
struct Command {
    handler: Handler,
    help: &'static str,
}

fn registry() -> &'static RwLock<BTreeMap<String, Command>> {
    static REGISTRY: OnceLock<RwLock<BTreeMap<String, Command>>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut m = BTreeMap::new();
        for &(name, help, handler) in commands::BUILTIN {
            m.insert(name.to_string(), Command { handler, help });
        }
        RwLock::new(m)
    })
}

/// Add (or replace) command `name`; `help` is what `system.methodHelp`
/// answers.
pub fn register(name: &str, help: &'static str, handler: Handler) {
    registry()
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .insert(name.to_string(), Command { handler, help });
}

/// Every command name, sorted.
pub fn method_names() -> Vec<String> {
    registry().read().unwrap_or_else(|e| e.into_inner()).keys().cloned().collect()
}

fn command(name: &str) -> Option<Command> {
    registry().read().unwrap_or_else(|e| e.into_inner()).get(name).copied()
}

/// `system.methodHelp`'s text for `name`.
pub fn method_help(name: &str) -> Option<&'static str> {
    command(name).map(|c| c.help)
}

/// Run command `method` (no JSON-RPC framing).
pub fn call(shared: &Shared, method: &str, params: &[Value]) -> RpcResult {
    let c = command(method).ok_or((METHOD_NOT_FOUND, "Method Not Found".to_string()))?;
    (c.handler)(shared, params)
}

/// Handle one request document (or a batch: an array of them). The
/// response document, or None when nothing is to be sent back (only
/// notifications, i.e. requests without `id`).
pub fn handle(shared: &Shared, input: &[u8], pretty: bool) -> Option<Vec<u8>> {
    let reply = match serde_json::from_slice::<Value>(input) {
        Ok(v) => handle_value(shared, &v),
        Err(e) => Some(parse_error(e)),
    }?;
    Some(encode(&reply, pretty))
}

/// The -32700 response to input that is not a request document (the
/// transports' own framing errors too).
pub(crate) fn parse_error(what: impl std::fmt::Display) -> Value {
    error_response(Value::Null, PARSE_ERROR, &format!("Parse error: {what}"))
}

/// [`handle`] on a parsed document.
pub fn handle_value(shared: &Shared, doc: &Value) -> Option<Value> {
    match doc {
        Value::Array(reqs) if reqs.is_empty() => {
            Some(error_response(Value::Null, INVALID_REQUEST, "Invalid Request: empty batch"))
        }
        Value::Array(reqs) => {
            let out: Vec<Value> = reqs.iter().filter_map(|r| handle_request(shared, r)).collect();
            (!out.is_empty()).then_some(Value::Array(out))
        }
        req => handle_request(shared, req),
    }
}

/// The response document as bytes.
pub fn encode(v: &Value, pretty: bool) -> Vec<u8> {
    let out = if pretty { serde_json::to_vec_pretty(v) } else { serde_json::to_vec(v) };
    out.unwrap_or_else(|_| b"{}".to_vec())
}

fn handle_request(shared: &Shared, req: &Value) -> Option<Value> {
    let Some(obj) = req.as_object() else {
        return Some(error_response(Value::Null, INVALID_REQUEST, "Invalid Request: not an object"));
    };
    let id = obj.get("id").cloned();
    let fail = |code, msg: &str| id.clone().map(|id| error_response(id, code, msg));
    let Some(method) = obj.get("method").and_then(Value::as_str) else {
        // Without a usable method there is no knowing whether it was a
        // notification: answer, as JSON-RPC 2.0 says.
        return Some(error_response(id.unwrap_or(Value::Null), INVALID_REQUEST, "Invalid Request: no method"));
    };
    let params: &[Value] = match obj.get("params") {
        None | Some(Value::Null) => &[],
        Some(Value::Array(a)) => a,
        Some(_) => return fail(INVALID_PARAMS, "Invalid params: only positional (array) params are supported"),
    };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| call(shared, method, params)))
        .unwrap_or_else(|_| Err((500, format!("{method} failed (internal error)"))));
    if let Err((code, msg)) = &result {
        tracing::debug!("rpc {method}: error {code} {msg}");
    }
    let id = id?;
    Some(match result {
        Ok(v) => json!({"jsonrpc": "2.0", "result": v, "id": id}),
        Err((code, msg)) => error_response(id, code, &msg),
    })
}

pub(crate) fn error_response(id: Value, code: i32, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "error": {"code": code, "message": message}, "id": id})
}

/// The `-32602` error.
pub fn invalid_params(msg: impl Into<String>) -> RpcError {
    (INVALID_PARAMS, msg.into())
}

/// Parameter `i` as an integer: a JSON number or a numeric string (what
/// kamcmd-style clients send).
pub fn int_param(params: &[Value], i: usize, name: &str) -> Result<i64, RpcError> {
    match params.get(i) {
        Some(Value::Number(n)) => n.as_i64().ok_or_else(|| invalid_params(format!("{name}: not an integer"))),
        Some(Value::String(s)) => s.trim().parse().map_err(|_| invalid_params(format!("{name}: not an integer"))),
        Some(_) => Err(invalid_params(format!("{name}: not an integer"))),
        None => Err(invalid_params(format!("missing parameter {name}"))),
    }
}

/// Parameter `i` as a string (numbers are taken as their text).
pub fn str_param(params: &[Value], i: usize, name: &str) -> Result<String, RpcError> {
    match params.get(i) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(_) => Err(invalid_params(format!("{name}: not a string"))),
        None => Err(invalid_params(format!("missing parameter {name}"))),
    }
}
