#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! `backtest`, `diff` and `changes` as a user runs them, on a small model
//! whose figures are worked out by hand below, and on the example history.
//!
//! As of 2026-06-30 the leads of `tests/fixtures/refine/leads.ndjson` score
//! (old.score): L1 60 yes, L2 50 no, L3 40 yes, L4 30 yes, L5 10 no,
//! L6 20 no, L7 5 no, L8 5 yes — L8's demo request comes after the as-of
//! instant and must not count. Base rate 4/8.

mod common;

use common::*;
use std::process::Output;

const OLD: &str = "tests/fixtures/refine/old.score";
const NEW: &str = "tests/fixtures/refine/new.score";
const LEADS: &str = "tests/fixtures/refine/leads.ndjson";
const AS_OF: &str = "2026-06-30";

fn backtest(extra: &[&str]) -> Output {
    let mut args = vec![
        "backtest",
        OLD,
        LEADS,
        "--outcome",
        "converted",
        "--as-of",
        AS_OF,
    ];
    args.extend_from_slice(extra);
    leadscore(&args)
}

/// A backtest of the example model on the example history.
fn example_backtest(extra: &[&str]) -> Output {
    let mut args = vec![
        "backtest",
        "examples/b2b-saas.score",
        "examples/history.ndjson",
        "--outcome",
        "converted",
        "--as-of",
        "2026-09-30",
    ];
    args.extend_from_slice(extra);
    leadscore(&args)
}

fn backtest_json() -> serde_json::Value {
    let o = backtest(&["--format", "json", "--capacity", "2"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).expect("JSON")
}

#[test]
fn backtest_figures_match_hand_computation() {
    let r = backtest_json();
    assert_eq!(r["leads"], 8);
    assert_eq!(r["converted"], 4);
    assert_eq!(r["base_rate"], 0.5);
    // Positives 60, 40, 30, 5; negatives 50, 20, 10, 5. Wins: 4 + 3 + 3,
    // and the tie at 5 counts ½: 10.5 / 16.
    assert_eq!(r["auc"]["score"], 10.5 / 16.0);
    // mql (≥ 40): L1, L2, L3; two converted of the four.
    let mql = &r["thresholds"][0];
    assert_eq!(mql["name"], "mql");
    assert_eq!(
        (mql["leads"].clone(), mql["converted"].clone()),
        (3.into(), 2.into())
    );
    // JSON keeps full precision; only tables round.
    assert_eq!(mql["rate"], 2.0 / 3.0);
    assert_eq!(mql["lift"], 4.0 / 3.0);
    assert_eq!(mql["precision"], 2.0 / 3.0);
    assert_eq!(mql["recall"], 0.5);
    // Tier: high 3/2, mid (L4, L6) 2/1, low (L5, L7, L8) 3/1.
    let tiers: Vec<(String, u64, u64, f64)> = r["labels"][0]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["value"].as_str().unwrap().to_string(),
                v["leads"].as_u64().unwrap(),
                v["converted"].as_u64().unwrap(),
                v["lift"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        tiers,
        vec![
            ("high".to_string(), 3, 2, 4.0 / 3.0),
            ("mid".to_string(), 2, 1, 1.0),
            ("low".to_string(), 3, 1, 2.0 / 3.0)
        ]
    );
    // Two MQLs: only ≥ 50 fits (≥ 40 would make three).
    let capacity = &r["suggested_thresholds"]["capacity"];
    assert_eq!(capacity["requested"], 2);
    assert_eq!(capacity["threshold"]["score"], 50.0);
    assert_eq!(capacity["threshold"]["leads"], 2);
    // F1 = 2·TP / (selected + converted): at 30 it is 6 / 8, the best.
    let f1 = &r["suggested_thresholds"]["best_f1"];
    assert_eq!(f1["score"], 30.0);
    assert_eq!(f1["f1"], 0.75);
    // The two leads at 5 share the eighth band.
    let last = r["deciles"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["decile"].clone(), last["leads"].clone()),
        (8.into(), 2.into())
    );
}

#[test]
fn backtest_flags_rules_that_point_the_wrong_way() {
    let r = backtest_json();
    let rules = r["rules"].as_array().unwrap();
    let rule = |name: &str| rules.iter().find(|x| x["rule"] == name).unwrap().clone();
    // tiny: +5 for L6, L7, L8, of whom one converted: lift 2/3, and the
    // regression on all rules weighs it negative too.
    assert_eq!(rule("tiny")["hits"], 3);
    assert_eq!(rule("tiny")["lift"], 2.0 / 3.0);
    assert!(rule("tiny")["regression_weight"].as_f64().unwrap() < 0.0);
    assert_eq!(rule("tiny")["wrong_way"], true);
    // big: L1, L3, L4, L5 → 3 of 4; not hit: 1 of 4.
    assert_eq!(rule("big")["rate_when_hit"], 0.75);
    assert_eq!(rule("big")["rate_when_not"], 0.25);
    assert_eq!(rule("big")["wrong_way"], false);
    // student: negative points and a lift of 0 agree.
    assert_eq!(rule("student")["wrong_way"], false);
    // The regression ranks the rules as the data does.
    let suggested = |name: &str| rule(name)["suggested_points"].as_f64().unwrap();
    assert!(suggested("big") > suggested("vp"));
    assert!(suggested("tiny") < 0.0 && suggested("student") < 0.0);
    // Wrong way never contradicts the suggestions: a rule is wrong way
    // exactly when its points and its suggested points differ in sign.
    for r in rules {
        let (Some(points), Some(suggested)) =
            (r["points"].as_f64(), r["suggested_points"].as_f64())
        else {
            continue;
        };
        let against = (points > 0.0 && suggested < 0.0) || (points < 0.0 && suggested > 0.0);
        assert_eq!(r["wrong_way"], against, "{r}");
    }
}

#[test]
fn backtest_reports_as_table_and_json() {
    let o = backtest(&["--capacity", "2"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    insta::assert_snapshot!("backtest_table", stdout(&o));
    insta::assert_json_snapshot!("backtest_json", backtest_json());
}

#[test]
fn backtest_html_is_one_self_contained_page() {
    let o = example_backtest(&["--capacity", "300", "--format", "html"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let html = stdout(&o);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<svg"), "inline charts");
    assert!(html.contains("Conversion by score decile"));
    assert!(html.contains("Score distribution by outcome"));
    // What the terminal report has: group AUCs, the deciles, the capacity.
    assert!(
        html.contains("ROC AUC of each group: fit <b>"),
        "group AUCs"
    );
    assert!(html.contains("<h2>Deciles</h2>"));
    assert!(
        html.matches("<tr><td>").count() >= 10,
        "rows of the decile table"
    );
    assert!(html.contains("For at most 300 MQLs"), "capacity suggestion");
    // Titled axes, labelled bins, the threshold marked, the glossary.
    assert!(html.contains(">conversion rate</text>"));
    assert!(html.contains(">share of leads</text>"));
    assert!(html.contains(">score range</text>"));
    assert!(html.contains("class=\"bin\">0–"), "a bin labelled from–to");
    assert!(
        html.contains(">mql ≥ 60</text>"),
        "the MQL threshold marked"
    );
    for word in [
        "Base rate",
        "Lift",
        "Precision",
        "Recall",
        "F1",
        "ROC AUC",
        "Logistic regression",
    ] {
        assert!(
            html.contains(&format!("<dt>{word}</dt>")),
            "glossary: {word}"
        );
    }
    for external in [
        "http:", "https:", "<script", "<link", "src=", "@import", "url(",
    ] {
        assert!(!html.contains(external), "found `{external}`");
    }
}

#[test]
fn backtest_of_the_example_history_finds_signal() {
    let o = example_backtest(&["--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let r: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(r["leads"], 3000);
    let auc = r["auc"]["score"].as_f64().unwrap();
    assert!(auc > 0.65, "the score ranks converters first: {auc}");
    // Competitors never convert in the history, and are disqualified.
    let competitor = r["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["rule"].as_str().unwrap().contains("competitor\""))
        .unwrap()
        .clone();
    assert_eq!(competitor["converted"], 0);
    assert_eq!(competitor["points"], serde_json::Value::Null);
}

#[test]
fn a_bad_outcome_is_a_record_error_naming_its_place() {
    let o = leadscore(&[
        "backtest",
        OLD,
        "tests/fixtures/refine/bad-outcome.ndjson",
        "--outcome",
        "converted",
        "--as-of",
        AS_OF,
    ]);
    assert_eq!(code(&o), 1);
    insta::assert_snapshot!("bad_outcome", stderr(&o));
    let o = leadscore(&[
        "backtest",
        OLD,
        "tests/fixtures/refine/bad-outcome.ndjson",
        "--outcome",
        "converted",
        "--as-of",
        AS_OF,
        "--on-error",
        "skip",
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("bad-outcome.ndjson:2: field `converted` is \"maybe\""),
        "{err}"
    );
    // A lead without an outcome is not a bad record: it is left out of
    // the figures and counted in the report.
    assert!(err.contains("used 2, rejected 1"), "{err}");
    let r: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(r["leads"], 1);
    assert_eq!(r["without_outcome"], 1);
}

#[test]
fn backtest_usage_errors_exit_2() {
    let o = backtest_missing_as_of();
    assert_eq!(code(&o), 2);
    let o = leadscore(&[
        "backtest",
        OLD,
        "tests/fixtures/refine/nope.ndjson",
        "--outcome",
        "converted",
        "--as-of",
        AS_OF,
    ]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("cannot read leads"), "{}", stderr(&o));
    let o = leadscore(&[
        "backtest",
        OLD,
        LEADS,
        "--outcome",
        "converted",
        "--as-of",
        "last week",
    ]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("`--as-of last week` is not a date"));
}

fn backtest_missing_as_of() -> Output {
    leadscore(&["backtest", OLD, LEADS, "--outcome", "converted"])
}

fn diff(extra: &[&str]) -> Output {
    let mut args = vec!["diff", OLD, NEW, LEADS, "--as-of", AS_OF];
    args.extend_from_slice(extra);
    leadscore(&args)
}

#[test]
fn diff_figures_match_hand_computation() {
    let o = diff(&["--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let r: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    // New scores: L1 65, L2 55, L3 40, L4 35, L5 10, L6 15, L7 0, L8 0.
    // Changes +5 +5 0 +5 0 −5 −5 −5.
    let f = &r["figures"];
    assert_eq!(f["score.changed"], 6.0);
    assert_eq!(f["score.mean"], 0.0);
    assert_eq!(f["score.median"], 0.0);
    assert_eq!(f["score.p90"], 5.0);
    assert_eq!(f["score.largest"], 5.0);
    // mql: ≥ 40 before, ≥ 35 after: L4 enters.
    assert_eq!(f["mql.entered"], 1.0);
    assert_eq!(f["mql.left"], 0.0);
    // L6 falls from 20 (mid) to 15 (low).
    assert_eq!(f["tier.changed"], 1.0);
    assert_eq!(f["tier.mid.left"], 1.0);
    assert_eq!(f["tier.low.entered"], 1.0);
    assert_eq!(f["rules.added"], 1.0);
    assert_eq!(f["rules.removed"], 1.0);
    assert_eq!(f["rules.changed"], 1.0);
    assert_eq!(r["rules"]["changed"][0]["rule"], "vp");
    assert_eq!(r["rules"]["added"][0]["rule"], "huge");
    assert_eq!(r["rules"]["removed"][0]["rule"], "tiny");
}

#[test]
fn diff_report_as_table_and_json() {
    let o = diff(&["--top", "3"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    insta::assert_snapshot!("diff_table", stdout(&o));
    let o = diff(&["--top", "3", "--format", "json"]);
    let r: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    insta::assert_json_snapshot!("diff_json", r);
}

#[test]
fn fail_if_stops_a_change_that_moves_too_much() {
    let o = diff(&["--fail-if", "mql.entered + mql.left > 0"]);
    assert_eq!(code(&o), 1);
    assert!(!stdout(&o).is_empty(), "the report is still printed");
    insta::assert_snapshot!("fail_if_holds", stderr(&o));
    let o = diff(&[
        "--fail-if",
        "mql.entered + mql.left > 5 or score.largest >= 10",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn fail_if_errors_are_diagnostics() {
    for (name, expression) in [
        ("fail_if_unknown_figure", "mql.enterd > 5"),
        ("fail_if_syntax", "mql.entered + > 5"),
        ("fail_if_not_a_condition", "mql.entered + mql.left"),
    ] {
        let o = diff(&["--fail-if", expression]);
        assert_eq!(code(&o), 2, "{expression}");
        assert!(stdout(&o).is_empty(), "checked before any lead is read");
        insta::assert_snapshot!(name, stderr(&o));
    }
}

#[test]
fn changes_lists_leads_that_crossed_a_threshold_or_label() {
    // L8 requests a demo on 5 July: 5 → 35, low → mid.
    let o = leadscore(&[
        "changes",
        OLD,
        LEADS,
        "--from",
        "2026-06-30",
        "--to",
        "2026-07-10",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    insta::assert_snapshot!("changes", stdout(&o));
    let o = leadscore(&[
        "changes",
        OLD,
        LEADS,
        "--from",
        "2026-07-10",
        "--to",
        "2026-06-30",
    ]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("is not before"), "{}", stderr(&o));
}

#[test]
fn the_example_history_regenerates_byte_for_byte() {
    let o = leadscore(&["generate", "--history", "--leads", "3000", "--seed", "7"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let committed = std::fs::read("examples/history.ndjson").unwrap();
    assert!(
        o.stdout == committed,
        "examples/history.ndjson differs from `leadscore generate --history --leads 3000 --seed 7`"
    );
}

/// 40,000 nested brackets in `--fail-if` are a diagnostic, not a stack
/// overflow.
#[test]
fn fail_if_with_deep_brackets_is_a_diagnostic() {
    let deep = format!(
        "{}mql.entered > 5{}",
        "(".repeat(40_000),
        ")".repeat(40_000)
    );
    let o = diff(&["--fail-if", &deep]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("`--fail-if` nests too deeply"),
        "{}",
        stderr(&o)
    );
}

const COMMITTEE: &str = "tests/fixtures/accounts-tests/committee.score";
const COMMITTEE_LEADS: &str = "tests/fixtures/accounts-tests/acme.ndjson";

fn diff_of(old: &str, new: &str) -> serde_json::Value {
    let o = leadscore(&[
        "diff",
        old,
        new,
        COMMITTEE_LEADS,
        "--as-of",
        "2026-11-01",
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

/// `diff` compares the account block: a rule's points and a threshold.
#[test]
fn diff_compares_account_blocks() {
    let model = std::fs::read_to_string(COMMITTEE).unwrap();
    let changed = model
        .replace("+30 \"two MQLs\"", "+40 \"two MQLs\"")
        .replace("threshold account_ready 150", "threshold account_ready 140");
    assert_ne!(changed, model);
    let dir = scratch_dir("diff-accounts");
    let path = dir.join("changed.score");
    std::fs::write(&path, changed).unwrap();
    let r = diff_of(COMMITTEE, path.to_str().unwrap());
    let definitions = r["rules"]["definitions"].as_array().unwrap();
    let names: Vec<&str> = definitions
        .iter()
        .filter_map(|d| d["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["account rule two MQLs", "account account_ready"],
        "{r}"
    );
    assert_eq!(definitions[0]["before"], "two MQLs +30");
    assert_eq!(definitions[0]["after"], "two MQLs +40");
    assert_eq!(
        definitions[1]["after"],
        "threshold account_ready when score >= 140"
    );
}

/// A reformat changes no rule: unnamed rules (named by their text) keep
/// their names, and comments, line breaks and brackets the rule does not
/// need are not changes.
#[test]
fn a_reformat_is_not_a_change_for_diff() {
    let model = std::fs::read_to_string(COMMITTEE).unwrap();
    let messy = model
        .replace(
            "when visits(pricing) >= 1 +30",
            "when (visits(pricing) >= 1)  # came back\n    +30",
        )
        .replace(
            "when seniority >= Director +20",
            "when   seniority >=\n  Director +20",
        );
    assert_ne!(messy, model);
    let dir = scratch_dir("diff-reformat");
    let messy_path = dir.join("messy.score");
    let formatted_path = dir.join("formatted.score");
    std::fs::write(&messy_path, &messy).unwrap();
    std::fs::write(&formatted_path, &messy).unwrap();
    let o = leadscore(&["fmt", formatted_path.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let formatted = std::fs::read_to_string(&formatted_path).unwrap();
    assert_ne!(formatted, messy, "fmt laid the rules out anew");
    for (old, new) in [
        (
            messy_path.to_str().unwrap(),
            formatted_path.to_str().unwrap(),
        ),
        (COMMITTEE, messy_path.to_str().unwrap()),
    ] {
        let r = diff_of(old, new);
        for part in ["added", "removed", "changed", "definitions"] {
            assert_eq!(r["rules"][part], serde_json::json!([]), "{part}: {r}");
        }
    }
}
