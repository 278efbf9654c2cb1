//! The pure-Perl library (perl-lib/: Kamailio::Constants, ::Utils::*,
//! ::VDB*, ::LDAPUtils::*) and the Perl samples (samples/perl/*.pl) are
//! tested by the Test::More files in perl-lib/t. This runs every one of
//! them with the system perl so that `cargo test --workspace` covers them.
//! Nothing is skipped: perl 5 with Test::More is part of every supported
//! machine.

use std::path::{Path, PathBuf};
use std::process::Command;

fn perl_test_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|ext| ext == "t"))
        .collect();
    files.sort();
    files
}

#[test]
fn perl_lib_test_suite_passes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = perl_test_files(&root.join("perl-lib/t"));
    assert!(
        files.len() >= 8,
        "expected the perl-lib test files, found {files:?}"
    );

    let mut failures = Vec::new();
    for file in &files {
        let out = Command::new("perl")
            .arg("-I")
            .arg(root.join("perl-lib"))
            .arg(file)
            .current_dir(root)
            .output()
            .expect("running perl (perl 5 must be installed)");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        // Test::More exits non-zero on a failed test or a wrong plan; also
        // insist on a plan having been printed, so a file that dies before
        // running anything cannot pass.
        let planned = stdout.lines().any(|l| l.starts_with("1.."));
        let failed_line = stdout
            .lines()
            .any(|l| l.starts_with("not ok") && !l.contains("# TODO"));
        if !out.status.success() || !planned || failed_line {
            failures.push(format!(
                "== {} (exit {:?})\n{stdout}\n{stderr}",
                file.display(),
                out.status.code()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "perl-lib tests failed:\n{}",
        failures.join("\n")
    );
}
