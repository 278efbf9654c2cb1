//! `lua-lib/ksr.lua`: editor annotations (LuaLS `---@meta`) for `KSR`,
//! generated from the export table so the file never drifts from it. A
//! test regenerates it and compares (`UPDATE_KSR_LUA=1` rewrites it).

use std::fmt::Write;

use switchboard_core::exports::{self, Export, Param, RetKind};
use switchboard_core::kemi;

/// The annotation file for every export (not only the enabled ones: an
/// editor does not know which cfg the script runs with).
pub fn generate() -> String {
    generate_for(exports::all())
}

/// The annotation file for `exports`.
pub fn generate_for<'e>(exports: impl Iterator<Item = &'e Export>) -> String {
    let groups = kemi::groups(exports);
    let mut out = String::new();
    out.push_str(
        "---@meta\n\
         -- KSR as switchboard exports it to Lua scripts (cfgengine \"lua\").\n\
         -- Generated from the export table by switchboard_lua::annotations::generate();\n\
         -- do not edit: run `UPDATE_KSR_LUA=1 cargo test -p switchboard-lua` instead.\n\
         -- KSR.<module> exists only when the cfg loads the module.\n\n\
         ---@class KSR\n\
         KSR = {}\n",
    );
    for (group, list) in &groups {
        let prefix = if group.is_empty() {
            "KSR".to_string()
        } else {
            let _ = write!(out, "\n---@class KSR.{group}\nKSR.{group} = {{}}\n");
            format!("KSR.{group}")
        };
        for e in list {
            out.push('\n');
            if !e.native.is_empty() {
                let _ = writeln!(out, "--- cfg name: {}", e.native.join(", "));
            }
            let names: Vec<String> = (1..=e.params.len()).map(|i| format!("p{i}")).collect();
            for (n, p) in names.iter().zip(e.params) {
                let t = match p {
                    Param::Int => "integer",
                    Param::Str | Param::Fmt => "string",
                };
                let _ = writeln!(out, "---@param {n} {t}");
            }
            let r = match e.ret {
                RetKind::Int => "integer",
                RetKind::Bool => "boolean",
                RetKind::Str => "string|nil",
                RetKind::Xval => "integer|string|nil",
            };
            let _ = writeln!(out, "---@return {r}");
            let _ = writeln!(out, "function {prefix}.{}({}) end", e.name, names.join(", "));
        }
        if *group == "x" {
            out.push_str(
                "\n--- Call a function by its native cfg name, e.g. KSR.x.modf(\"sl_send_reply\", \"200\", \"OK\").\n\
                 ---@param name string\n\
                 ---@param ... string|integer\n\
                 ---@return integer\n\
                 function KSR.x.modf(name, ...) end\n",
            );
        }
    }
    out
}
