#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! Checker fixtures: each model under `fixtures/check/err/` has problems;
//! its rendered diagnostics are locked in snapshots.

#[test]
fn check_error_fixtures() {
    insta::glob!("fixtures/check/err/*.score", |path| {
        let relative = path
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .unwrap_or(path);
        let checked = leadscore::load_and_check(relative).expect("fixture is readable");
        assert!(
            !checked.diagnostics.is_empty(),
            "an error fixture must report something"
        );
        for d in &checked.diagnostics {
            assert!(d.help.is_some(), "every diagnostic has a help line: {d:?}");
            assert!(!d.label.is_empty(), "every diagnostic has a label: {d:?}");
        }
        let rendered = leadscore::diagnostic::render(&checked.diagnostics, &checked.sources, false);
        insta::assert_snapshot!(rendered);
    });
}

/// Every code in the registry is produced by at least one fixture, so no
/// diagnostic is documented but unreachable (or reachable but untested).
#[test]
fn every_code_is_exercised_by_a_fixture() {
    // Diagnostics of `diff --fail-if` expressions, not of models: each is
    // exercised by `fail_if_errors_are_diagnostics` in tests/refine.rs.
    // E050 and E051 are refusals of `compile --emit sql`, exercised by
    // tests/sql.rs.
    const NOT_FROM_CHECK: &[&str] = &["E040", "E041", "E042", "E050", "E051"];
    let mut seen = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir("tests/fixtures/check/err").expect("fixtures") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "score") {
            let checked = leadscore::load_and_check(&path).expect("readable");
            seen.extend(checked.diagnostics.iter().map(|d| d.code.as_str()));
        }
    }
    let missing: Vec<&str> = leadscore::codes::ALL
        .iter()
        .map(|i| i.id)
        .filter(|id| !seen.contains(id) && !NOT_FROM_CHECK.contains(id))
        .collect();
    assert!(missing.is_empty(), "codes without a fixture: {missing:?}");
}
