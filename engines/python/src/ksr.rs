//! The `KSR` module, generated from the export table.
//!
//! `KSR.<name>` for core functions, `KSR.<module>.<name>` for the others
//! (a module object per group, also importable as `KSR.<module>`), and
//! `KSR.x.modf`. Each export is a builtin function of CPython's
//! `METH_FASTCALL` kind whose `self` is a capsule holding the `&'static
//! Export`: a call converts the arguments straight from the argument
//! vector (strings borrowed from the `str` objects, no tuple, no copy),
//! calls the Rust function on the current context and converts the
//! result — no Python frame and no allocation on the way for int
//! arguments and results.
//!
//! A function that ends the script (`KSR.x.exit()`, `KSR.x.drop()`, ...)
//! raises [`ScriptExit`], a `SystemExit` subclass, so that the script's
//! `except Exception:` blocks do not stop it on its way out; the engine
//! sees the callback ended by exit whatever the script does with it.

use std::ffi::{c_void, CString};
use std::os::raw::c_char;
use std::ptr;
use std::sync::OnceLock;

use pyo3::exceptions::{PyRuntimeError, PySystemExit, PyTypeError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyCFunction, PyDict, PyFloat, PyInt, PyModule, PyString, PyTuple};
use smallvec::SmallVec;
use switchboard_core::exports::{self, Arg, Export, Param, Ret, RetKind};
use switchboard_core::kemi::{self, Outcome};

pyo3::create_exception!(
    switchboard,
    ScriptExit,
    PySystemExit,
    "Raised by KSR.x.exit(), KSR.x.drop() and the other KSR functions that end the script."
);

/// Up to six parameters (KEMI's limit) live on the stack.
type Args<T> = SmallVec<[T; 6]>;

/// One method definition per export, made once per process: CPython keeps
/// a pointer to it in every function object made from it.
struct Defs(Vec<(&'static Export, ffi::PyMethodDef)>);

// SAFETY: the definitions are written once (under the OnceLock) and only
// read afterwards; the raw pointers in them point at leaked, immutable
// C strings.
unsafe impl Send for Defs {}
unsafe impl Sync for Defs {}

fn defs() -> &'static Defs {
    static DEFS: OnceLock<Defs> = OnceLock::new();
    DEFS.get_or_init(|| {
        Defs(
            exports::all()
                .map(|e| {
                    let name = CString::new(e.name).expect("export names have no NUL");
                    let def = ffi::PyMethodDef {
                        ml_name: Box::leak(name.into_boxed_c_str()).as_ptr(),
                        ml_meth: ffi::PyMethodDefPointer {
                            PyCFunctionFast: call_export,
                        },
                        ml_flags: ffi::METH_FASTCALL,
                        ml_doc: ptr::null(),
                    };
                    (e, def)
                })
                .collect(),
        )
    })
}

/// Build `KSR` for `exports` (and `KSR.x.modf` over them).
pub fn build<'py>(py: Python<'py>, exports: &[&'static Export]) -> PyResult<Bound<'py, PyModule>> {
    let ksr = PyModule::new(py, "KSR")?;
    ksr.setattr(
        "__doc__",
        "KEMI functions of switchboard, generated from its export table; KSR.<module> exists only when the cfg loads the module.",
    )?;
    group(py, &ksr, "x")?;
    for &e in exports {
        let def = defs()
            .0
            .iter()
            .find(|(d, _)| ptr::eq(*d, e))
            .map(|(_, def)| def as *const ffi::PyMethodDef as *mut ffi::PyMethodDef)
            .expect("every export has a definition");
        // SAFETY: `e` is 'static; the capsule only carries its address.
        let f = unsafe {
            let capsule = ffi::PyCapsule_New(e as *const Export as *mut c_void, ptr::null(), None);
            let capsule = Bound::from_owned_ptr_or_err(py, capsule)?;
            // `def` lives for the process (see `defs`).
            Bound::from_owned_ptr_or_err(
                py,
                ffi::PyCFunction_NewEx(def, capsule.as_ptr(), ptr::null_mut()),
            )?
        };
        group(py, &ksr, e.module)?.setattr(e.name, f)?;
    }
    let table: Vec<&'static Export> = exports.to_vec();
    let modf = PyCFunction::new_closure(
        py,
        Some(c"modf"),
        Some(c"modf(name, *args): call a function by its native cfg name, e.g. KSR.x.modf(\"sl_send_reply\", \"200\", \"OK\")"),
        move |args: &Bound<'_, PyTuple>, _kw: Option<&Bound<'_, PyDict>>| modf(args, &table).map(Bound::unbind),
    )?;
    group(py, &ksr, "x")?.setattr("modf", modf)?;
    Ok(ksr)
}

/// `KSR` itself for core functions, else the group's module object.
fn group<'py>(
    py: Python<'py>,
    ksr: &Bound<'py, PyModule>,
    name: &str,
) -> PyResult<Bound<'py, PyAny>> {
    if name.is_empty() {
        return Ok(ksr.clone().into_any());
    }
    if let Ok(g) = ksr.getattr(name) {
        return Ok(g);
    }
    let g = PyModule::new(py, &format!("KSR.{name}"))?;
    ksr.setattr(name, &g)?;
    Ok(g.into_any())
}

/// Install `ksr` (and its groups) in `sys.modules`, so that `import KSR`
/// and `import KSR.tm` find it.
pub fn install(py: Python<'_>, ksr: &Bound<'_, PyModule>) -> PyResult<()> {
    let modules = py.import("sys")?.getattr("modules")?;
    modules.set_item("KSR", ksr)?;
    for (name, value) in ksr.dict().iter() {
        if value.is_instance_of::<PyModule>() {
            modules.set_item(format!("KSR.{name}"), value)?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------
// Calls.

/// The C entry point of every KSR function.
unsafe extern "C" fn call_export(
    slf: *mut ffi::PyObject,
    args: *mut *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
) -> *mut ffi::PyObject {
    // SAFETY: CPython calls this with the GIL held, `slf` the capsule made
    // in `build` (address of a 'static Export), and `nargs` borrowed
    // argument references at `args`.
    let py = unsafe { Python::assume_attached() };
    let e = unsafe { &*(ffi::PyCapsule_GetPointer(slf, ptr::null()) as *const Export) };
    let args: &[*mut ffi::PyObject] = if nargs <= 0 {
        &[]
    } else {
        unsafe { std::slice::from_raw_parts(args, nargs as usize) }
    };
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let args: Args<Borrowed<'_, '_, PyAny>> = args
            .iter()
            .map(|&p| unsafe { Borrowed::from_ptr(py, p) })
            .collect();
        call(py, e, &args, &Name(e))
    }));
    let r = match r {
        Ok(r) => r,
        Err(_) => Err(PyRuntimeError::new_err(format!(
            "KSR.{} failed (internal error)",
            e.qualified_name()
        ))),
    };
    match r {
        Ok(v) => v.into_ptr(),
        Err(err) => {
            err.restore(py);
            ptr::null_mut()
        }
    }
}

/// `KSR.<name>` of an export in messages, formatted only when one is
/// needed.
struct Name<'e>(&'e Export);

impl std::fmt::Display for Name<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KSR.{}", self.0.qualified_name())
    }
}

/// Convert, invoke, convert back. `what` names the function in errors.
fn call<'py>(
    py: Python<'py>,
    e: &'static Export,
    args: &[Borrowed<'_, 'py, PyAny>],
    what: &dyn std::fmt::Display,
) -> PyResult<Bound<'py, PyAny>> {
    if args.len() != e.params.len() {
        return Err(PyTypeError::new_err(format!(
            "{what}: {}",
            kemi::arity_message(e.params.len(), args.len())
        )));
    }
    let conv = e
        .params
        .iter()
        .zip(args)
        .enumerate()
        .map(|(i, (p, v))| convert(*p, v, i + 1))
        .collect::<Result<Args<Conv<'_>>, String>>()
        .map_err(|m| PyTypeError::new_err(format!("{what}: {m}")))?;
    let argv: Args<Arg<'_>> = conv
        .iter()
        .map(|c| match c {
            Conv::Int(i) => Arg::Int(*i),
            Conv::Str(s) => Arg::Str(s),
            Conv::Owned(s) => Arg::Str(s),
        })
        .collect();
    match kemi::invoke(e, &argv) {
        Outcome::Done(r) => Ok(to_python(py, e.ret, r)),
        Outcome::Exit => Err(ScriptExit::new_err(())),
        Outcome::AlreadyExited => Err(ScriptExit::new_err("the script already exited")),
        Outcome::Outside => Err(PyRuntimeError::new_err(format!(
            "{what} called outside a route"
        ))),
    }
}

/// One argument converted to its declared type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Conv<'a> {
    Int(i64),
    /// Borrowed from a `str` object (its cached UTF-8).
    Str(&'a str),
    /// A number formatted for a Str parameter.
    Owned(String),
}

fn type_name(v: &Bound<'_, PyAny>) -> String {
    v.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into())
}

/// Convert argument `v` (1-based position `pos`) to `p`, leniently as the
/// Lua engine does: ints (and bools) for Int, floats truncated, numeric
/// strings parsed; `str` for Str, ints and floats formatted.
pub(crate) fn convert<'a>(
    p: Param,
    v: &'a Bound<'_, PyAny>,
    pos: usize,
) -> Result<Conv<'a>, String> {
    match p {
        Param::Int => {
            if let Ok(i) = v.cast::<PyInt>() {
                return i
                    .extract::<i64>()
                    .map(Conv::Int)
                    .map_err(|_| format!("argument #{pos} is out of range"));
            }
            if let Ok(f) = v.cast::<PyFloat>() {
                let f = f.value();
                return if f.is_finite() {
                    Ok(Conv::Int(f.trunc() as i64))
                } else {
                    Err(format!("argument #{pos} must be an integer, got {f}"))
                };
            }
            if let Ok(s) = v.cast::<PyString>() {
                let s = s
                    .to_str()
                    .map_err(|_| format!("argument #{pos} is not valid UTF-8"))?;
                return kemi::int_from_text(s)
                    .map(Conv::Int)
                    .ok_or_else(|| format!("argument #{pos} must be an integer, got \"{s}\""));
            }
            Err(format!(
                "argument #{pos} must be an integer, got {}",
                type_name(v)
            ))
        }
        Param::Str | Param::Fmt => {
            if let Ok(s) = v.cast::<PyString>() {
                return str_of(s)
                    .map(Conv::Str)
                    .ok_or_else(|| format!("argument #{pos} is not valid UTF-8"));
            }
            if v.is_instance_of::<PyBool>() {
                return Err(format!("argument #{pos} must be a string, got bool"));
            }
            if let Ok(i) = v.cast::<PyInt>() {
                return Ok(Conv::Owned(i.to_string()));
            }
            if let Ok(f) = v.cast::<PyFloat>() {
                return Ok(Conv::Owned(kemi::number_text(f.value())));
            }
            Err(format!(
                "argument #{pos} must be a string, got {}",
                type_name(v)
            ))
        }
    }
}

/// The UTF-8 of a `str`, borrowed: CPython caches it in the object, which
/// the caller's argument vector keeps alive for the whole call.
fn str_of<'a>(s: &'a Bound<'_, PyString>) -> Option<&'a str> {
    let mut len: ffi::Py_ssize_t = 0;
    // SAFETY: `s` is a str; the returned buffer belongs to it and lives as
    // long as it does (at least 'a).
    unsafe {
        let p: *const c_char = ffi::PyUnicode_AsUTF8AndSize(s.as_ptr(), &mut len);
        if p.is_null() {
            ffi::PyErr_Clear();
            return None;
        }
        std::str::from_utf8(std::slice::from_raw_parts(p as *const u8, len as usize)).ok()
    }
}

/// A `Ret` as a Python value: Int → int (a bool for `RetKind::Bool`),
/// Str → str, Null → None.
pub(crate) fn to_python(py: Python<'_>, kind: RetKind, r: Ret) -> Bound<'_, PyAny> {
    match r {
        Ret::Int(i) if kind == RetKind::Bool => PyBool::new(py, i > 0).to_owned().into_any(),
        Ret::Int(i) => i
            .into_pyobject(py)
            .map(|v| v.into_any())
            .unwrap_or_else(|e| match e {}),
        Ret::Str(s) => PyString::new(py, &s).into_any(),
        Ret::Null => py.None().into_bound(py),
    }
}

/// `KSR.x.modf("name", ...)`: call a function by its native-cfg name; it
/// gives back a return code.
fn modf<'py>(
    args: &Bound<'py, PyTuple>,
    exports: &[&'static Export],
) -> PyResult<Bound<'py, PyAny>> {
    let py = args.py();
    let name: String = match args.get_item(0) {
        Ok(n) if n.is_instance_of::<PyString>() => n.extract()?,
        _ => {
            return Err(PyTypeError::new_err(
                "KSR.x.modf: argument #1 must be the function name",
            ))
        }
    };
    let rest: Args<Borrowed<'_, 'py, PyAny>> = args.iter_borrowed().skip(1).collect();
    let e = kemi::modf_lookup(exports, &name, rest.len()).map_err(PyRuntimeError::new_err)?;
    let what = format!("KSR.x.modf(\"{name}\")");
    let r = call(py, e, &rest, &what)?;
    // The code: ints as they are, bools ±1, None -1, strings 1.
    let code = if let Ok(b) = r.cast::<PyBool>() {
        if b.is_true() {
            1
        } else {
            -1
        }
    } else if let Ok(i) = r.extract::<i64>() {
        i
    } else if r.is_none() {
        -1
    } else {
        1
    };
    Ok(code
        .into_pyobject(py)
        .map(|v| v.into_any())
        .unwrap_or_else(|e| match e {}))
}
