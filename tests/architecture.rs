#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! The house rules of `src/`, checked on the source itself: modules sit on
//! floors and import only from floors below their own (so there is no
//! import circle between modules), and no file grows past the size a
//! reader can hold. `ARCHITECTURE.md` lists the same floors.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every top-level module of the crate and its floor, lowest first.
const FLOORS: &[(&str, u32)] = &[
    ("source", 0),
    ("time", 1),
    ("text", 0),
    ("codes", 0),
    ("learn", 1),
    ("diagnostic", 1),
    ("syntax", 2),
    ("load", 3),
    ("fmt", 3),
    ("plan", 3),
    ("lead", 4),
    ("check", 4),
    ("record", 5),
    ("eval", 5),
    ("sql", 7),
    ("output", 6),
    ("testing", 6),
    ("stream", 6),
    ("score", 7),
    ("refine", 7),
    ("init", 7),
    ("generate", 7),
    ("cli", 8),
    ("serve", 8),
    ("lsp", 8),
];

/// The front ends: they call the library through its facade (the items of
/// `lib.rs`), never one another.
const FRONT_ENDS: &[&str] = &["cli", "serve", "lsp"];

/// The modules `lib.rs` makes public: the vocabulary of the facade.
const PUBLIC: &[&str] = &["codes", "diagnostic", "lead", "plan", "source", "time"];

/// The longest a file of `src/` may be.
const MAX_LINES: usize = 800;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to (`None` for `lib.rs`, `main.rs`).
fn module_of(path: &Path) -> Option<String> {
    let relative = path.strip_prefix("src").ok()?;
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main")).then(|| name.to_string())
}

/// The modules a file's code (not its unit tests) names as `crate::X`.
fn imports(text: &str) -> Vec<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or(text);
    let mut found = Vec::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        // `crate::{a, b::c}` names each of `a` and `b`.
        let names: Vec<&str> = match rest.strip_prefix('{') {
            Some(group) => group
                .split('}')
                .next()
                .unwrap_or("")
                .split(',')
                .map(str::trim)
                .collect(),
            None => vec![rest],
        };
        for name in names {
            let name: String = name
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if name.chars().next().is_some_and(|c| c.is_ascii_lowercase()) {
                found.push(name);
            }
        }
    }
    found
}

#[test]
fn modules_import_only_from_lower_floors() {
    let floors: BTreeMap<&str, u32> = FLOORS.iter().copied().collect();
    let mut files = Vec::new();
    rust_files(Path::new("src"), &mut files);
    let mut wrong = Vec::new();
    for file in &files {
        let Some(module) = module_of(file) else {
            continue;
        };
        let Some(&floor) = floors.get(module.as_str()) else {
            wrong.push(format!(
                "{}: module `{module}` has no floor in FLOORS",
                file.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(file).expect("readable");
        for imported in imports(&text) {
            if imported == module {
                continue;
            }
            match floors.get(imported.as_str()) {
                Some(&other) if other < floor => {}
                Some(&other) => wrong.push(format!(
                    "{}: `{module}` (floor {floor}) imports `{imported}` (floor {other})",
                    file.display()
                )),
                // Items of the crate root: the facade, which only the front
                // ends may call.
                None if FRONT_ENDS.contains(&module.as_str()) => {}
                None => wrong.push(format!(
                    "{}: `{module}` imports `crate::{imported}` from the crate root",
                    file.display()
                )),
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The server is built on the library as an outside program would be: the
/// items of `lib.rs` and its public modules, nothing of the machinery.
#[test]
fn the_server_calls_only_the_facade() {
    let mut files = Vec::new();
    rust_files(Path::new("src/serve"), &mut files);
    assert!(!files.is_empty(), "src/serve holds the server");
    let floors: BTreeMap<&str, u32> = FLOORS.iter().copied().collect();
    let mut wrong = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable");
        for imported in imports(&text) {
            if floors.contains_key(imported.as_str()) && !PUBLIC.contains(&imported.as_str()) {
                wrong.push(format!(
                    "{}: the server reaches past the facade into `crate::{imported}`",
                    file.display()
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn no_file_is_longer_than_a_reader_can_hold() {
    let mut files = Vec::new();
    rust_files(Path::new("src"), &mut files);
    let long: Vec<String> = files
        .iter()
        .filter_map(|file| {
            let lines = std::fs::read_to_string(file)
                .expect("readable")
                .lines()
                .count();
            (lines > MAX_LINES).then(|| format!("{}: {lines} lines", file.display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "over {MAX_LINES} lines:\n{}",
        long.join("\n")
    );
}
