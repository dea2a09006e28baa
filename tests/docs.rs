#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! Documentation that cannot drift: every ```leadscore block in the README
//! and in docs/ checks cleanly (and its tests pass), and the page of
//! diagnostic codes matches the registry.

use std::path::Path;

use leadscore::check_source;

fn leadscore_blocks(markdown: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (n, line) in markdown.lines().enumerate() {
        match &mut current {
            None if line.trim_start().starts_with("```leadscore") => {
                current = Some((n + 1, String::new()))
            }
            Some(_) if line.trim_start().starts_with("```") => blocks.extend(current.take()),
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
            None => {}
        }
    }
    blocks
}

fn documents() -> Vec<std::path::PathBuf> {
    let mut docs = vec![Path::new("README.md").to_path_buf()];
    for entry in std::fs::read_dir("docs").expect("docs/") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "md") {
            docs.push(path);
        }
    }
    docs
}

#[test]
fn every_model_snippet_checks_and_its_tests_pass() {
    let mut count = 0;
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).expect("readable");
        for (line, block) in leadscore_blocks(&text) {
            count += 1;
            let name = format!("{}:{line}", doc.display());
            let checked = check_source(&name, &block, Path::new("docs"));
            assert!(
                checked.diagnostics.is_empty(),
                "{name}:\n{}",
                leadscore::diagnostic::render(&checked.diagnostics, &checked.sources, false)
            );
            let plan = checked.plan.expect("a model without errors has a plan");
            for case in &checked.tests {
                let run = leadscore::run_test(&plan, case).expect("test lead");
                let failed: Vec<&str> = run.failures.iter().map(|f| f.source.as_str()).collect();
                assert!(
                    failed.is_empty(),
                    "{name}: test {:?}: {failed:?}",
                    case.name
                );
            }
        }
    }
    assert!(
        count >= 10,
        "expected the docs to hold model snippets, found {count}"
    );
}

#[test]
fn diagnostics_page_matches_the_registry() {
    let generated = leadscore::codes::markdown();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write("docs/diagnostics.md", &generated).expect("write docs/diagnostics.md");
    }
    let current = std::fs::read_to_string("docs/diagnostics.md").unwrap_or_default();
    assert!(
        current == generated,
        "docs/diagnostics.md is out of date; run `UPDATE_DOCS=1 cargo test --test docs`"
    );
}

#[test]
fn every_code_has_a_summary_a_fix_and_an_example() {
    for info in leadscore::codes::ALL {
        assert!(
            !info.summary.is_empty() && !info.fix.is_empty() && !info.example.is_empty(),
            "{}",
            info.id
        );
    }
}
