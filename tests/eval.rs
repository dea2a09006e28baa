#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! Scoring fixtures with hand-checked expectations: each folder under
//! `fixtures/eval/` has a model, leads, an as-of instant and the expected
//! NDJSON, computed by hand from the contract.

use std::path::Path;

use leadscore::lead_json;
use leadscore::Evaluator;
use leadscore::{to_lead, Json};

fn checked_of(path: &Path) -> leadscore::CheckedModel {
    let checked = leadscore::load_and_check(path).expect("model is readable");
    let rendered = leadscore::diagnostic::render(&checked.diagnostics, &checked.sources, false);
    assert!(checked.diagnostics.is_empty(), "{rendered}");
    checked
}

fn plan_of(path: &Path) -> leadscore::plan::Plan {
    checked_of(path).plan.expect("model checks")
}

fn score_file(dir: &Path) -> Vec<serde_json::Value> {
    let plan = plan_of(&dir.join("model.score"));
    let as_of_text = std::fs::read_to_string(dir.join("as_of.txt")).expect("as_of.txt");
    let as_of = leadscore::time::parse_instant(as_of_text.trim()).expect("as-of parses");
    let evaluator = Evaluator::new(&plan, as_of);
    let leads = std::fs::read_to_string(dir.join("leads.ndjson")).expect("leads");
    leads
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let json: Json = serde_json::from_str(line).expect("lead is JSON");
            let lead =
                to_lead(&plan, &json, &[]).unwrap_or_else(|p| panic!("lead converts: {p:?}"));
            lead_json(&plan, &lead.id, &evaluator.evaluate(&lead), false)
        })
        .collect()
}

#[test]
fn hand_checked_fixtures() {
    let mut failures = Vec::new();
    let mut count = 0;
    for entry in std::fs::read_dir("tests/fixtures/eval").expect("fixtures exist") {
        let dir = entry.expect("entry").path();
        if !dir.is_dir() {
            continue;
        }
        count += 1;
        let expected: Vec<serde_json::Value> = std::fs::read_to_string(dir.join("expected.ndjson"))
            .expect("expected.ndjson")
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).expect("expected is JSON"))
            .collect();
        let actual = score_file(&dir);
        if actual != expected {
            failures.push(format!(
                "{}:\n  actual   {}\n  expected {}",
                dir.display(),
                serde_json::to_string(&actual).unwrap_or_default(),
                serde_json::to_string(&expected).unwrap_or_default()
            ));
        }
    }
    assert!(
        count >= 20,
        "expected the full set of eval fixtures, found {count}"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn example_model_tests_pass() {
    let checked = checked_of(Path::new("examples/b2b-saas.score"));
    let plan = checked.plan.expect("model checks");
    assert!(!checked.tests.is_empty());
    for case in &checked.tests {
        let run = leadscore::run_test(&plan, case).expect("test lead converts");
        let failed: Vec<&str> = run.failures.iter().map(|f| f.source.as_str()).collect();
        assert!(failed.is_empty(), "{}: {failed:?}", case.name);
    }
}

#[test]
fn example_leads_snapshot() {
    let plan = plan_of(Path::new("examples/b2b-saas.score"));
    let as_of = leadscore::time::parse_instant("2026-11-20").expect("date");
    let evaluator = Evaluator::new(&plan, as_of);
    let text = std::fs::read_to_string("examples/leads.ndjson").expect("leads");
    let mut out = String::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let json: Json = serde_json::from_str(line).expect("JSON");
        let lead = to_lead(&plan, &json, &[]).expect("example leads are valid");
        out.push_str(&lead_json(&plan, &lead.id, &evaluator.evaluate(&lead), true).to_string());
        out.push('\n');
    }
    insta::assert_snapshot!(out);
}
