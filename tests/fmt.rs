#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! The formatter: idempotent, meaning-preserving, comment-preserving, on
//! every model in the repository and on generated ones.

mod common;

use std::path::{Path, PathBuf};

use common::scratch_dir;

use leadscore::{ast::File, parse};
use proptest::prelude::*;

fn parsed(text: &str) -> Option<File> {
    let (file, diagnostics) = parse(0, text);
    file.filter(|_| diagnostics.iter().all(|d| !d.is_error()))
}

fn comments(text: &str) -> Vec<String> {
    // Good enough for the fixtures: `#` inside a text literal is rare there
    // and would appear on both sides anyway.
    text.lines()
        .filter_map(|l| l.find('#').map(|i| l[i..].trim_end().to_string()))
        .collect()
}

/// Checks the formatter's promises on one model text.
fn assert_formats_well(name: &str, text: &str) {
    let Some(ast) = parsed(text) else { return };
    let once = leadscore::format(&ast, text);
    let reparsed =
        parsed(&once).unwrap_or_else(|| panic!("{name}: formatted text does not parse:\n{once}"));
    assert_eq!(
        reparsed, ast,
        "{name}: formatting changed the model:\n{once}"
    );
    let twice = leadscore::format(&reparsed, &once);
    assert_eq!(twice, once, "{name}: formatting is not idempotent");
    let mut before = comments(text);
    let mut after = comments(&once);
    before.sort();
    after.sort();
    assert_eq!(
        after, before,
        "{name}: comments were lost or duplicated:\n{once}"
    );
}

fn model_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![PathBuf::from("examples"), PathBuf::from("tests/fixtures")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "score") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Points of zero keep their sign: `-0` written as `0` would not parse.
#[test]
fn negative_zero_points_keep_their_sign() {
    assert_formats_well(
        "negative zero",
        "lead { a: number }\nwhen a > 1 -0\nwhen a > 2 +0\n",
    );
}

#[test]
fn every_model_in_the_repository_formats_well() {
    let files = model_files();
    assert!(files.len() > 50, "found {} models", files.len());
    for path in files {
        let text = std::fs::read_to_string(&path).expect("readable");
        assert_formats_well(&path.display().to_string(), &text);
    }
}

#[test]
fn the_example_is_in_canonical_layout_after_formatting_a_messy_copy() {
    let messy = "lead{title:text;employees:number}\nevent visit(page:text)\n# a comment\nwhen title   in[VP,CEO]+10 # why\nscore fit max 50{when employees>=1000 +5;decay 10 every 30d}\nthreshold mql 10\n";
    let ast = parsed(messy).expect("parses");
    insta::assert_snapshot!(leadscore::format(&ast, messy));
}

#[test]
fn fmt_check_reports_and_fmt_rewrites() {
    let dir = scratch_dir("fmt");
    let model = dir.join("m.score");
    std::fs::write(&model, "lead{title:text}\nwhen title=VP +1\n").expect("write");
    let bin = env!("CARGO_BIN_EXE_leadscore");
    let check = std::process::Command::new(bin)
        .args(["fmt", "--check"])
        .arg(&model)
        .output()
        .expect("runs");
    assert_eq!(check.status.code(), Some(1));
    let diff = String::from_utf8_lossy(&check.stdout);
    assert!(diff.contains("+when title = VP +1"), "{diff}");
    assert_eq!(
        std::fs::read_to_string(&model).expect("read"),
        "lead{title:text}\nwhen title=VP +1\n",
        "--check changes nothing"
    );
    let write = std::process::Command::new(bin)
        .arg("fmt")
        .arg(&model)
        .output()
        .expect("runs");
    assert_eq!(write.status.code(), Some(0));
    let check = std::process::Command::new(bin)
        .args(["fmt", "--check"])
        .arg(&model)
        .output()
        .expect("runs");
    assert_eq!(
        check.status.code(),
        Some(0),
        "formatted file passes --check"
    );
    assert_eq!(
        std::fs::read_to_string(&model).expect("read"),
        "lead {\n  title: text\n}\nwhen title = VP +1\n"
    );
}

/// Runs the binary with `input` on stdin.
fn with_stdin(args: &[&str], input: &str) -> std::process::Output {
    use std::io::Write as _;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_leadscore"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("runs")
}

#[test]
fn fmt_keeps_crlf_line_endings() {
    let dir = scratch_dir("fmt-crlf");
    let model = dir.join("m.score");
    std::fs::write(&model, "lead{title:text}\r\nwhen title=VP +1\r\n").expect("write");
    let bin = env!("CARGO_BIN_EXE_leadscore");
    let write = std::process::Command::new(bin)
        .arg("fmt")
        .arg(&model)
        .output()
        .expect("runs");
    assert_eq!(write.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(&model).expect("read"),
        "lead {\r\n  title: text\r\n}\r\nwhen title = VP +1\r\n"
    );
    let check = std::process::Command::new(bin)
        .args(["fmt", "--check"])
        .arg(&model)
        .output()
        .expect("runs");
    assert_eq!(
        check.status.code(),
        Some(0),
        "a formatted CRLF file passes --check: {}",
        String::from_utf8_lossy(&check.stdout)
    );
}

#[test]
fn fmt_and_check_read_stdin() {
    let formatted = with_stdin(&["fmt", "-"], "lead{title:text}\nwhen title=VP +1\n");
    assert_eq!(formatted.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&formatted.stdout),
        "lead {\n  title: text\n}\nwhen title = VP +1\n"
    );
    let check = with_stdin(&["fmt", "--check", "-"], "lead{title:text}\n");
    assert_eq!(
        check.status.code(),
        Some(1),
        "unformatted stdin fails --check"
    );
    let checked = with_stdin(
        &["check", "--format", "json", "-"],
        "lead { title: text }\nwhen titel = VP +1\n",
    );
    assert_eq!(checked.status.code(), Some(1));
    let diagnostics: serde_json::Value =
        serde_json::from_slice(&checked.stdout).expect("JSON diagnostics");
    let first = &diagnostics[0];
    assert_eq!(first["code"], "E006", "{diagnostics}");
    assert_eq!(first["file"], "<stdin>", "{diagnostics}");
}

#[test]
fn examples_are_formatted() {
    let bin = env!("CARGO_BIN_EXE_leadscore");
    let out = std::process::Command::new(bin)
        .args([
            "fmt",
            "--check",
            "examples/b2b-saas.score",
            "examples/common/events.score",
        ])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Generated models: the example with a random stretch deleted or
    /// duplicated; whatever still parses must format well.
    #[test]
    fn generated_models_format_well(start in 0usize..14_000, len in 0usize..400, duplicate in any::<bool>()) {
        let text = std::fs::read_to_string(Path::new("examples/b2b-saas.score")).expect("example");
        let start = start.min(text.len());
        let end = (start + len).min(text.len());
        if text.is_char_boundary(start) && text.is_char_boundary(end) {
            let mutated = if duplicate {
                format!("{}{}", &text[..end], &text[start..])
            } else {
                format!("{}{}", &text[..start], &text[end..])
            };
            assert_formats_well("generated", &mutated);
        }
    }
}

/// An allow comment written after a group's header stays where it was
/// written, so `fmt` never changes which warnings it allows: on the
/// header's line (before or after the `{`) it covers the whole group;
/// alone on the line above the first rule, that rule only.
#[test]
fn fmt_keeps_allow_comments_where_they_were_written() {
    let rules = "  when title = VP +10\n  when title = CEO +10\n}\nthreshold q 1\n";
    let cases = [
        (
            "score g max 5 {  # leadscore: allow(W008)\n",
            "score g max 5 {  # leadscore: allow(W008)\n",
            0,
        ),
        (
            "score g max 5 # leadscore: allow(W008)\n{\n",
            "score g max 5 {  # leadscore: allow(W008)\n",
            0,
        ),
        (
            "score g max 5 # leadscore: allow(W008) {x}\n{\n",
            "score g max 5 {  # leadscore: allow(W008) {x}\n",
            0,
        ),
        (
            "score g max 5 {\n  # leadscore: allow(W008)\n",
            "score g max 5 {\n  # leadscore: allow(W008)\n",
            1,
        ),
    ];
    for (header, formatted_header, warnings) in cases {
        let text = format!("lead {{\n  title: text\n}}\n{header}{rules}");
        let o = with_stdin(&["fmt", "-"], &text);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let formatted = String::from_utf8_lossy(&o.stdout).into_owned();
        assert_eq!(
            formatted,
            format!("lead {{\n  title: text\n}}\n{formatted_header}{rules}")
        );
        for model in [&text, &formatted] {
            let o = with_stdin(&["--color", "never", "check", "-"], model);
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(err.matches("W008").count(), warnings, "{model}\n{err}");
        }
    }
}
