//! `python-lib/KSR.pyi`: type stubs for `KSR`, generated from the export
//! table so they never drift from it. Editors and mypy pick them up with
//! `python-lib` on the stub path (`MYPYPATH`, `python.analysis.stubPath`).
//! A test regenerates the file and compares (`UPDATE_KSR_PYI=1` rewrites
//! it).

use std::fmt::Write;

use switchboard_core::exports::{self, Export, Param, RetKind};
use switchboard_core::kemi;

/// The stub file for every export (not only the enabled ones: an editor
/// does not know which cfg the script runs with).
pub fn generate() -> String {
    generate_for(exports::all())
}

/// The stub file for `exports`.
pub fn generate_for<'e>(exports: impl Iterator<Item = &'e Export>) -> String {
    let groups = kemi::groups(exports);
    let mut out = String::from(
        "# KSR as switchboard exports it to Python scripts (cfgengine \"python\").\n\
         # Generated from the export table by switchboard_python::stubs::generate();\n\
         # do not edit: run `UPDATE_KSR_PYI=1 cargo test -p switchboard-python` instead.\n\
         # KSR.<module> exists only when the cfg loads the module (test with hasattr).\n\
         # Int parameters also take numeric strings, str parameters numbers.\n\n\
         from typing import NoReturn, Optional, Union\n",
    );
    for (group, list) in &groups {
        let indent = if group.is_empty() { "" } else { "    " };
        if !group.is_empty() {
            let _ = write!(out, "\n\nclass _{group}:\n");
        } else {
            out.push('\n');
        }
        for e in list {
            out.push('\n');
            if !group.is_empty() {
                let _ = writeln!(out, "{indent}@staticmethod");
            }
            let params: Vec<String> = e
                .params
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let t = match p {
                        Param::Int => "int",
                        Param::Str | Param::Fmt => "str",
                    };
                    format!("p{}: {t}", i + 1)
                })
                .collect();
            // exit/drop unwind the callback (ScriptExit): they never return.
            let ends = e.stops && e.params.is_empty() && matches!(e.name, "exit" | "drop");
            let _ = write!(
                out,
                "{indent}def {}({}) -> {}:",
                e.name,
                params.join(", "),
                if ends { "NoReturn" } else { ret(e.ret) }
            );
            if e.native.is_empty() {
                out.push_str(" ...\n");
            } else {
                let _ = writeln!(
                    out,
                    "\n{indent}    \"\"\"cfg name: {}\"\"\"",
                    e.native.join(", ")
                );
            }
        }
        if *group == "x" {
            out.push_str(
                "\n    @staticmethod\n    def modf(name: str, *args: Union[str, int]) -> int:\n        \
                 \"\"\"Call a function by its native cfg name, e.g. KSR.x.modf(\"sl_send_reply\", \"200\", \"OK\").\"\"\"\n",
            );
        }
        if !group.is_empty() {
            let _ = write!(out, "\n\n{group}: _{group}\n");
        }
    }
    out
}

fn ret(r: RetKind) -> &'static str {
    match r {
        RetKind::Int => "int",
        RetKind::Bool => "bool",
        RetKind::Str => "Optional[str]",
        RetKind::Xval => "Union[int, str, None]",
    }
}
