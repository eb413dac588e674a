//! The command line of `componentize`: usage errors and refusals exit
//! non-zero with a message, and leave no output file behind. (These tests
//! are also why `cargo test` builds `target/debug/componentize`, which
//! scripts/build.sh then runs instead of building it a second time.)

use std::path::PathBuf;
use std::process::{Command, Output};

fn componentize(args: &[&str]) -> Output {
    match Command::new(env!("CARGO_BIN_EXE_componentize")).args(args).output() {
        Ok(out) => out,
        Err(e) => panic!("cannot run componentize: {e}"),
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A fresh directory of this test's own under the target directory.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("componentize-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        panic!("cannot create {}: {e}", dir.display());
    }
    dir
}

#[test]
fn no_arguments_print_the_usage() {
    let out = componentize(&[]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("usage: componentize"), "{}", stderr(&out));
}

#[test]
fn an_unknown_print_flag_is_refused() {
    let dir = scratch("flag");
    let file = dir.join("x.wasm");
    std::fs::write(&file, b"\0asm\x01\0\0\0").unwrap_or_else(|e| panic!("{e}"));
    let out = componentize(&["--print-everything", file.to_str().unwrap_or_default()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("unknown flag --print-everything"), "{}", stderr(&out));
}

#[test]
fn a_missing_input_names_the_file() {
    let dir = scratch("missing");
    let input = dir.join("nope.wasm");
    let output = dir.join("out.wasm");
    let out = componentize(&[input.to_str().unwrap_or_default(), output.to_str().unwrap_or_default()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("cannot read") && stderr(&out).contains("nope.wasm"), "{}", stderr(&out));
    assert!(!output.exists());
}

#[test]
fn a_file_that_is_not_a_guest_module_writes_nothing() {
    let dir = scratch("garbage");
    let input = dir.join("in.wasm");
    let output = dir.join("out.wasm");
    std::fs::write(&input, b"this is not wasm").unwrap_or_else(|e| panic!("{e}"));
    let out = componentize(&[input.to_str().unwrap_or_default(), output.to_str().unwrap_or_default()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("not a wit-bindgen guest module"), "{}", stderr(&out));
    assert!(!output.exists(), "a refused module must not leave an output file");
}

#[test]
fn printing_a_core_module_says_it_is_not_a_component() {
    let dir = scratch("core");
    let input = dir.join("core.wasm");
    // the smallest valid core module: magic and version, no sections
    std::fs::write(&input, b"\0asm\x01\0\0\0").unwrap_or_else(|e| panic!("{e}"));
    let out = componentize(&["--print-imports", input.to_str().unwrap_or_default()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("not a wasm component"), "{}", stderr(&out));
}
