//! Compile the C glue against the system perl's headers and link its
//! libperl by full file name (libperl.so.5.36), so that a machine with
//! perl but without libperl-dev (which only adds the libperl.so symlink)
//! runs and builds switchboard.

use std::path::{Path, PathBuf};
use std::process::Command;

fn perl_config(key: &str) -> String {
    let out = Command::new("perl")
        .args(["-MConfig", "-e", &format!("print $Config{{{key}}}")])
        .output()
        .expect("perl must be installed to build the Perl engine");
    String::from_utf8(out.stdout).expect("perl -MConfig output").trim().to_string()
}

fn main() {
    let archlib = perl_config("archlibexp");
    let core = PathBuf::from(&archlib).join("CORE");
    let libperl = perl_config("libperl");
    // Where libperl.so.X.Y is: Debian puts it in the multiarch lib dir.
    let mut dirs: Vec<PathBuf> = vec![core.clone()];
    dirs.extend(perl_config("libpth").split_whitespace().map(PathBuf::from));
    dirs.extend(["/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib"].iter().map(PathBuf::from));
    let dir = dirs
        .iter()
        .find(|d| d.join(&libperl).exists())
        .unwrap_or_else(|| panic!("{libperl} not found in {dirs:?}"));

    let mut build = cc::Build::new();
    build.file("glue/glue.c").include(&core).warnings(false);
    for flag in perl_config("ccflags").split_whitespace() {
        if flag.starts_with("-D") || flag.starts_with("-f") {
            build.flag(flag);
        }
    }
    build.compile("switchboard_perl_glue");

    println!("cargo:rustc-link-search=native={}", dir.display());
    println!("cargo:rustc-link-lib=dylib:+verbatim={libperl}");
    println!("cargo:rerun-if-changed=glue/glue.c");
    println!("cargo:rerun-if-changed=build.rs");
    // Where perl-lib/ is (the default modpath), for the engine.
    let perl_lib = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../perl-lib");
    println!("cargo:rustc-env=SWITCHBOARD_PERL_LIB={}", perl_lib.display());
}
