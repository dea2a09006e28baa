#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! A CRM export read as it comes (contract §19), through the command line:
//! the id under another header, form placeholders, Yes/No and 1/0
//! columns, CRLF line ends and a trailing empty column, an events file
//! keyed by that id; `first` blocks and `each FIELD per N` in the scores,
//! the explanation and the plan.

mod common;

use common::*;

const MODEL: &str = "tests/fixtures/cli/export.score";
const LEADS: &str = "tests/fixtures/cli/export.csv";
const EVENTS: &str = "tests/fixtures/cli/export-events.csv";
const AS_OF: &str = "2026-11-01";

/// `leadscore COMMAND MODEL LEADS --events EVENTS --as-of AS_OF MORE...`.
fn on_export(command: &str, more: &[&str]) -> std::process::Output {
    let mut args = vec![command, MODEL, LEADS, "--events", EVENTS, "--as-of", AS_OF];
    args.extend_from_slice(more);
    leadscore(&args)
}

fn lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

#[test]
fn a_messy_csv_export_scores_with_its_id_placeholders_and_yes_no_columns() {
    let o = on_export("score", &["--format", "ndjson", "--explain"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let results = lines(&stdout(&o));
    let scores: Vec<(String, f64)> = results
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["score"].as_f64().unwrap(),
            )
        })
        .collect();
    // P-1: 12 visits: "many visits" +20, 6 whole 2s capped at +5, a
    // pricing visit +10. P-2: "Select" source -5, "Yes" do-not-email -10,
    // "Select" visits missing: the block's `otherwise`. P-3: " n/a "
    // source -5, 4 visits +10 and +2, its visit's page "Select" is missing.
    assert_eq!(
        scores,
        vec![
            ("P-1".to_string(), 35.0),
            ("P-2".to_string(), -15.0),
            ("P-3".to_string(), 7.0)
        ]
    );
    let reasons: Vec<&str> = results[1]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons,
        ["few visits", "when source is missing", "when do_not_email"]
    );
}

#[test]
fn a_value_that_is_no_boolean_is_still_a_record_error() {
    let dir = scratch_dir("export-bad-bool");
    let leads = dir.join("leads.csv");
    std::fs::write(&leads, "Prospect ID,Do Not Email\nP-9,maybe\n").unwrap();
    let o = leadscore(&["score", MODEL, leads.to_str().unwrap(), "--as-of", AS_OF]);
    assert_eq!(code(&o), 1);
    let err = stderr(&o);
    assert!(
        err.contains("Do Not Email") && err.contains("maybe"),
        "{err}"
    );
    assert!(err.contains("yes/no"), "{err}");
}

#[test]
fn explain_names_the_rule_that_won_its_block() {
    let o = on_export("explain", &["--id", "P-1"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("+20  many visits (first of \"visits\")"),
        "{out}"
    );
    assert!(out.contains("+5  each total_visits per 2\n"), "{out}");
}

#[test]
fn backtest_reads_a_one_zero_outcome() {
    let o = on_export("backtest", &["--outcome", "Converted", "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(report["leads"], 3);
    assert_eq!(report["converted"], 2);
}

#[test]
fn the_plan_shows_the_id_key_placeholders_blocks_and_units() {
    let o = leadscore(&["compile", MODEL, "--emit", "plan"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    insta::assert_snapshot!(stdout(&o));
}
