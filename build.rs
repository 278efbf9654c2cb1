//! The `switchboard` binary embeds CPython (engines/python): its rpath
//! points at the library directory pyo3-build-config found, so the binary
//! runs without LD_LIBRARY_PATH or PYTHONHOME and loads that libpython,
//! not another one on the system.

fn main() {
    println!("cargo:rerun-if-env-changed=DEP_SWITCHBOARD_PYTHON_LIB_DIR");
    if let Ok(dir) = std::env::var("DEP_SWITCHBOARD_PYTHON_LIB_DIR") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
        // For the test that checks which libpython the binary loads.
        println!("cargo:rustc-env=SB_PYTHON_LIB_DIR={dir}");
    }
}
