//! The C glue (glue/glue.c) as Rust sees it.

use std::ffi::{c_char, c_int, CStr, CString};

#[repr(C)]
pub struct PerlInterpreter {
    _private: [u8; 0],
}

/// `sb_ret` in C: results of one dispatch.
#[repr(C)]
pub struct SbRet {
    _private: [u8; 0],
}

pub const KIND_UNDEF: c_int = 0;
pub const KIND_INT: c_int = 1;
pub const KIND_STR: c_int = 2;
pub const KIND_OBJ: c_int = 3;

/// `sb_val` in C.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SbVal {
    pub kind: c_int,
    pub i: i64,
    pub s: *const c_char,
    pub len: usize,
    pub handle: i64,
}

impl SbVal {
    pub fn undef() -> SbVal {
        SbVal { kind: KIND_UNDEF, i: 0, s: std::ptr::null(), len: 0, handle: 0 }
    }
    pub fn int(i: i64) -> SbVal {
        SbVal { kind: KIND_INT, i, ..SbVal::undef() }
    }
    /// A string argument; `s` must outlive the call.
    pub fn str(s: &str) -> SbVal {
        SbVal { kind: KIND_STR, s: s.as_ptr().cast(), len: s.len(), ..SbVal::undef() }
    }
    /// An object of class `class` (NUL-terminated) holding `handle`.
    pub fn obj(class: &'static CStr, handle: i64) -> SbVal {
        SbVal { kind: KIND_OBJ, s: class.as_ptr(), len: class.count_bytes(), handle, ..SbVal::undef() }
    }

    /// The string of a KIND_STR value (lossy UTF-8).
    ///
    /// # Safety
    /// `s`/`len` must point at live bytes (as the glue passes them).
    pub unsafe fn text(&self) -> std::borrow::Cow<'_, str> {
        if self.s.is_null() {
            return "".into();
        }
        let b = unsafe { std::slice::from_raw_parts(self.s.cast::<u8>(), self.len) };
        String::from_utf8_lossy(b)
    }
}

unsafe extern "C" {
    pub fn sb_perl_sys_init();
    pub fn sb_perl_new(argc: c_int, argv: *mut *mut c_char) -> *mut PerlInterpreter;
    pub fn sb_perl_set_context(p: *mut PerlInterpreter);
    pub fn sb_perl_free(p: *mut PerlInterpreter);
    pub fn sb_perl_define(p: *mut PerlInterpreter, name: *const c_char, op: c_int);
    pub fn sb_perl_eval(p: *mut PerlInterpreter, code: *const c_char) -> *mut c_char;
    pub fn sb_perl_has_sub(p: *mut PerlInterpreter, name: *const c_char) -> c_int;
    pub fn sb_perl_call(
        p: *mut PerlInterpreter,
        name: *const c_char,
        argc: c_int,
        args: *const SbVal,
        ret: *mut i64,
        defined: *mut c_int,
    ) -> *mut c_char;
    pub fn sb_free(p: *mut c_char);

    pub fn sb_ret_int(r: *mut SbRet, i: i64);
    pub fn sb_ret_str(r: *mut SbRet, s: *const c_char, len: usize);
    pub fn sb_ret_undef(r: *mut SbRet);
    pub fn sb_ret_error(r: *mut SbRet, s: *const c_char, len: usize);
    pub fn sb_ret_obj(r: *mut SbRet, class: *const c_char, handle: i64, s: *const c_char, len: usize);
}

/// Take an error string the glue malloc'd.
///
/// # Safety
/// `p` is NULL or a string from the glue, not used afterwards.
pub unsafe fn take_error(p: *mut c_char) -> Option<String> {
    if p.is_null() {
        return None;
    }
    let s = unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned();
    unsafe { sb_free(p) };
    Some(s)
}

pub fn cstring(s: &str) -> CString {
    CString::new(s.replace('\0', "")).expect("no NUL left")
}
