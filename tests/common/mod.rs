//! What every command-line test needs: the built binary, run as a user
//! runs it, and its output as text.

// Each test file uses its own part of this module.
#![allow(dead_code)]

pub mod engines;
pub mod lsp;
pub mod numbers;

use std::path::Path;
use std::process::{Command, Output};

/// Runs the binary in `dir` without colours.
pub fn leadscore_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leadscore"))
        .current_dir(dir)
        .args(["--color", "never"])
        .args(args)
        .output()
        .expect("binary runs")
}

/// Runs the binary in the crate's directory, where fixture paths start.
pub fn leadscore(args: &[&str]) -> Output {
    leadscore_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// A directory of this test run's own, made empty-or-new under the
/// system's temporary directory.
pub fn scratch_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("leadscore-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// `count` generated leads as CSV text, with their events written, sorted
/// by lead id, to `events`.
pub fn generated_csv(count: usize, events: &Path) -> String {
    let events = events.to_str().expect("utf-8");
    let count = count.to_string();
    let o = leadscore(&[
        "generate", "--leads", &count, "--format", "csv", "--events", events,
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    stdout(&o)
}
