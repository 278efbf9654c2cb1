//! One Perl interpreter: built, loaded with the script, called, destroyed.
//! Perl's current-interpreter pointer is thread-local; every entry here
//! makes this one current first, so several interpreters may live in one
//! process (one per worker thread, and a fresh one after each reset).

use std::ffi::{c_char, c_int, CString};
use std::path::Path;
use std::sync::Once;

use crate::ffi::{self, cstring, PerlInterpreter, SbVal};

static SYS_INIT: Once = Once::new();

/// What `die` inside a KSR::x::exit()/drop() call carries, so that the
/// engine tells an exit from an error.
pub const EXIT_MARK: &str = "__switchboard_exit__";

pub struct Interp {
    p: *mut PerlInterpreter,
}

/// What a Perl call gave back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The returned value as an integer (None: undef or nothing).
    Returned(Option<i64>),
    /// The sub ended the script (`KSR::x::exit()`, `KSR::x::drop()`).
    Exited,
    /// There is no sub of that name.
    Missing,
    /// die / compile error: Perl's message (with file and line).
    Died(String),
}

/// Runs before the script: warnings go to switchboard's log, and exit()
/// cannot end the server.
const PRELUDE: &str = r#"
package Switchboard::Perl;
# A warning ending in "\n" carries no place (Perl adds none): add where
# it was raised, so the log always says which line of the script warned.
$SIG{__WARN__} = sub {
    my $w = join('', @_);
    if ($w !~ / at \S+ line \d+/) {
        my (undef, $file, $line) = caller;
        chomp $w;
        $w .= " at $file line $line.\n";
    }
    Switchboard::Perl::warn($w);
};
# True when the die being handled happens inside an eval of the script
# (eval BLOCK or eval STRING), not only inside the eval every call from
# switchboard runs in (the outermost one; `do FILE` and `require` frames
# are evals too but do not catch).
sub in_script_eval {
    my $evals = 0;
    for (my $i = 1; my @c = caller($i); $i++) {
        $evals++ if $c[3] eq '(eval)' && !$c[7];
    }
    return $evals > 1;
}
# A die message ending in "\n" carries no place: add where it was raised,
# so the log always says which line of the script failed. Only for a die
# that ends the call: inside the script's own eval, $@ must be exactly
# what was given to die ($^S is always true here, as every call runs in
# an eval, hence the frame count).
$SIG{__DIE__} = sub {
    my $e = shift;
    return if ref $e || $e =~ /^__switchboard_exit__/ || $e =~ / at \S+ line \d+/;
    return if !defined $^S || ($^S && in_script_eval());
    my (undef, $file, $line) = caller;
    chomp $e;
    die "$e (at $file line $line)\n";
};
BEGIN {
    *CORE::GLOBAL::exit = sub {
        die "exit() would stop the whole server: it is disabled in switchboard's Perl engine (return from the function instead)\n";
    };
}
1;
"#;

impl Interp {
    /// A new interpreter with `inc` on @INC (in that order), the engine's
    /// subs defined (`subs`: Perl name, op number), then `script` loaded.
    pub fn new(inc: &[String], subs: &[(String, i32)], script: &Path) -> Result<Interp, String> {
        SYS_INIT.call_once(|| unsafe { ffi::sb_perl_sys_init() });
        let mut args: Vec<CString> = vec![cstring("switchboard")];
        for d in inc {
            args.push(cstring(&format!("-I{d}")));
        }
        args.push(cstring("-e"));
        args.push(cstring("0"));
        let mut argv: Vec<*mut c_char> = args.iter().map(|a| a.as_ptr() as *mut c_char).collect();
        argv.push(std::ptr::null_mut());
        let p = unsafe { ffi::sb_perl_new(args.len() as c_int, argv.as_mut_ptr()) };
        if p.is_null() {
            return Err("cannot start a Perl interpreter".into());
        }
        let it = Interp { p };
        for (name, op) in subs {
            let n = cstring(name);
            unsafe { ffi::sb_perl_define(p, n.as_ptr(), *op) };
        }
        it.eval(PRELUDE)?;
        let file = script.display().to_string().replace('\\', "\\\\").replace('\'', "\\'");
        it.eval(&format!(
            "package main; {{ my $f = '{file}'; die \"cannot read the Perl script $f\\n\" unless -r $f; local $!; my $r = do $f; die $@ if $@; die \"cannot load $f: $!\\n\" if !defined $r && $!; }} 1;"
        ))?;
        Ok(it)
    }

    /// Make this interpreter Perl's current one on this thread.
    pub fn enter(&self) {
        unsafe { ffi::sb_perl_set_context(self.p) };
    }

    pub fn eval(&self, code: &str) -> Result<(), String> {
        let c = cstring(code);
        match unsafe { ffi::take_error(ffi::sb_perl_eval(self.p, c.as_ptr())) } {
            None => Ok(()),
            Some(e) => Err(e.trim_end().to_string()),
        }
    }

    pub fn has_sub(&self, name: &str) -> bool {
        let c = cstring(name);
        unsafe { ffi::sb_perl_has_sub(self.p, c.as_ptr()) != 0 }
    }

    /// Call sub `name` in scalar context.
    pub fn call(&self, name: &str, args: &[SbVal]) -> Outcome {
        let c = cstring(name);
        let (mut ret, mut defined) = (0i64, 0 as c_int);
        let err = unsafe { ffi::sb_perl_call(self.p, c.as_ptr(), args.len() as c_int, args.as_ptr(), &mut ret, &mut defined) };
        match unsafe { ffi::take_error(err) } {
            Some(e) if e.starts_with(EXIT_MARK) => Outcome::Exited,
            Some(e) => Outcome::Died(e.trim_end().to_string()),
            None if defined < 0 => Outcome::Missing,
            None => Outcome::Returned((defined != 0).then_some(ret)),
        }
    }
}

impl Drop for Interp {
    fn drop(&mut self) {
        unsafe { ffi::sb_perl_free(self.p) };
    }
}
