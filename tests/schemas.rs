#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! The JSON Schemas of `docs/schemas/` hold for real outputs: every JSON
//! output of `score` (leads and accounts, with and without `--explain`),
//! `check`, `backtest` and `diff`, run as a user runs them.

mod common;

use common::*;
use serde_json::Value;

fn validator(name: &str) -> jsonschema::Validator {
    let path = format!("docs/schemas/{name}.schema.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("schema")).expect("JSON");
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn assert_valid(validator: &jsonschema::Validator, value: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}:\n{}\n{value}", errors.join("\n"));
}

fn json_lines(output: &std::process::Output) -> Vec<Value> {
    assert_eq!(code(output), 0, "{}", stderr(output));
    stdout(output)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object a line"))
        .collect()
}

#[test]
fn score_outputs_match_their_schema() {
    let schema = validator("score");
    let example = ["examples/b2b-saas.score", "examples/leads.ndjson"];
    let runs: [&[&str]; 4] = [
        &[],
        &["--explain"],
        &["--accounts"],
        &["--accounts", "--explain"],
    ];
    let mut checked = 0;
    for extra in runs {
        let mut args = vec!["score", example[0], example[1], "--as-of", "2026-11-20"];
        args.extend_from_slice(&["--format", "ndjson", "--quiet"]);
        args.extend_from_slice(extra);
        for value in json_lines(&leadscore(&args)) {
            assert_valid(&schema, &value, &args.join(" "));
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked} results");
    // A JSON array holds the same objects.
    let o = leadscore(&[
        "score",
        example[0],
        example[1],
        "--as-of",
        "2026-11-20",
        "--format",
        "json",
        "--explain",
    ]);
    let array: Value = serde_json::from_str(&stdout(&o)).expect("JSON array");
    for value in array.as_array().expect("array") {
        assert_valid(&schema, value, "--format json");
    }
}

#[test]
fn check_output_matches_its_schema() {
    let schema = validator("check");
    let o = leadscore(&[
        "check",
        "--format",
        "json",
        "tests/fixtures/check/err/MULTI_realistic_model.score",
        "tests/fixtures/check/err/W006_unused_declarations.score",
        "tests/fixtures/check/err/E001_two_syntax_errors.score",
        "examples/b2b-saas.score",
    ]);
    let value: Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert!(value.as_array().is_some_and(|a| a.len() > 3), "{value}");
    assert_valid(&schema, &value, "check --format json");
}

#[test]
fn backtest_output_matches_its_schema() {
    let schema = validator("backtest");
    let o = leadscore(&[
        "backtest",
        "examples/b2b-saas.score",
        "examples/history.ndjson",
        "--outcome",
        "converted",
        "--as-of",
        "2026-09-30",
        "--capacity",
        "300",
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let value: Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_valid(&schema, &value, "backtest --format json");
}

#[test]
fn diff_output_matches_its_schema() {
    let schema = validator("diff");
    let o = leadscore(&[
        "diff",
        "tests/fixtures/refine/old.score",
        "tests/fixtures/refine/new.score",
        "tests/fixtures/refine/leads.ndjson",
        "--as-of",
        "2026-06-30",
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let value: Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_valid(&schema, &value, "diff --format json");
}

/// The schemas reject what they should: they are not `true` in disguise.
#[test]
fn the_schemas_reject_wrong_shapes() {
    let score = validator("score");
    assert!(!score.is_valid(&serde_json::json!({"id": "x", "score": "high"})));
    let check = validator("check");
    assert!(!check.is_valid(&serde_json::json!([{"code": "X1"}])));
    let backtest = validator("backtest");
    assert!(!backtest.is_valid(&serde_json::json!({"leads": -1})));
    let diff = validator("diff");
    assert!(!diff.is_valid(&serde_json::json!({"leads": 1, "rules": []})));
}
