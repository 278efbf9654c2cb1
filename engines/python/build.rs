//! The embedded CPython is the one pyo3-build-config found at build time.
//! Its library directory goes into the rpath of this crate's test
//! binaries, and to the binary package (links metadata: the root build
//! script reads DEP_SWITCHBOARD_PYTHON_LIB_DIR), so that no
//! LD_LIBRARY_PATH is needed and no other libpython is picked up.

fn main() {
    let config = pyo3_build_config::get();
    match config.lib_dir() {
        Some(dir) => {
            println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
            println!("cargo:lib_dir={dir}");
        }
        None => println!("cargo:warning=pyo3-build-config reports no library directory: the binary needs LD_LIBRARY_PATH to find libpython"),
    }
}
