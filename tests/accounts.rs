#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! Account scoring through the command line: hand-checked fixtures under
//! `fixtures/accounts/`, the example model's accounts, and the ways
//! `--accounts` and `explain --account` can be misused.

mod common;

use common::*;
use std::path::Path;

const EXAMPLE: &str = "examples/b2b-saas.score";
const EXAMPLE_LEADS: &str = "examples/leads.ndjson";
const AS_OF: &str = "2026-11-20";

fn ndjson(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// Each fixture's `expected.ndjson` was worked out by hand from the
/// contract: keys, exclusions, rollups with `top N` and ties (the earlier
/// member is named), rules over member counts, clamps and labels.
#[test]
fn hand_checked_account_fixtures() {
    let mut failures = Vec::new();
    let mut count = 0;
    for entry in std::fs::read_dir("tests/fixtures/accounts").expect("fixtures") {
        let dir = entry.expect("entry").path();
        if !dir.is_dir() {
            continue;
        }
        count += 1;
        let path = |name: &str| dir.join(name).to_string_lossy().into_owned();
        let as_of = std::fs::read_to_string(dir.join("as_of.txt")).expect("as_of.txt");
        let o = leadscore(&[
            "score",
            &path("model.score"),
            &path("leads.ndjson"),
            "--as-of",
            as_of.trim(),
            "--accounts",
            "--explain",
            "--format",
            "ndjson",
        ]);
        assert!(o.status.success(), "{}: {}", dir.display(), stderr(&o));
        let expected =
            ndjson(&std::fs::read_to_string(dir.join("expected.ndjson")).expect("expected"));
        let actual = ndjson(&stdout(&o));
        if actual != expected {
            failures.push(format!(
                "{}:\n  actual   {}\n  expected {}",
                dir.display(),
                serde_json::to_string(&actual).unwrap_or_default(),
                serde_json::to_string(&expected).unwrap_or_default()
            ));
        }
    }
    assert!(count >= 4, "expected the account fixtures, found {count}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn example_accounts_table() {
    let o = leadscore(&[
        "score",
        EXAMPLE,
        EXAMPLE_LEADS,
        "--as-of",
        AS_OF,
        "--accounts",
        "--format",
        "table",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    insta::assert_snapshot!(stdout(&o));
}

#[test]
fn example_accounts_csv_and_json_agree_with_ndjson() {
    let run = |format: &str| {
        let o = leadscore(&[
            "score",
            EXAMPLE,
            EXAMPLE_LEADS,
            "--as-of",
            AS_OF,
            "--accounts",
            "--format",
            format,
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o)
    };
    let lines = ndjson(&run("ndjson"));
    let array: Vec<serde_json::Value> = serde_json::from_str(&run("json")).expect("a JSON array");
    assert_eq!(array, lines);
    let csv = run("csv");
    let mut rows = csv.lines();
    assert_eq!(
        rows.next(),
        Some("account,members,score,account_ready,account_stage")
    );
    let first = &lines[0];
    assert_eq!(
        rows.next().map(str::to_string),
        Some(format!(
            "{},{},{},{},{}",
            first["account"].as_str().unwrap_or_default(),
            first["members"],
            first["score"],
            first["thresholds"]["account_ready"],
            first["labels"]["account_stage"]
                .as_str()
                .unwrap_or_default()
        ))
    );
    assert_eq!(csv.lines().count(), lines.len() + 1);
}

#[test]
fn explain_one_account() {
    let o = leadscore(&[
        "explain",
        EXAMPLE,
        EXAMPLE_LEADS,
        "--as-of",
        AS_OF,
        "--account",
        "NorthWind-Bank.com",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    insta::assert_snapshot!(stdout(&o));
}

/// `first` blocks in the account block: `explain --account` says which
/// block a rule won and leaves out the rules that waited their turn; the
/// plan printout shows each block with its rules, `otherwise` last.
#[test]
fn explain_and_plan_of_an_account_with_first_blocks() {
    let model = "tests/fixtures/accounts/first_blocks/model.score";
    let leads = "tests/fixtures/accounts/first_blocks/leads.ndjson";
    for account in ["acme.com", "gamma.org"] {
        let o = leadscore(&[
            "explain",
            model,
            leads,
            "--as-of",
            AS_OF,
            "--account",
            account,
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        insta::assert_snapshot!(format!("first_blocks_explain_{account}"), stdout(&o));
    }
    let o = leadscore(&["compile", model, "--emit", "plan"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let plan = stdout(&o);
    let account = plan
        .find("  account by")
        .expect("the plan prints the account");
    insta::assert_snapshot!("first_blocks_account_plan", &plan[account..]);
}

/// `explain --account` and `score --accounts --explain` compute the same
/// account by different paths (one account filtered first, all accounts
/// tallied together); their figures must agree.
#[test]
fn explain_account_agrees_with_score_accounts() {
    let o = leadscore(&[
        "score",
        EXAMPLE,
        EXAMPLE_LEADS,
        "--as-of",
        AS_OF,
        "--accounts",
        "--format",
        "ndjson",
    ]);
    let accounts = ndjson(&stdout(&o));
    for account in &accounts {
        let key = account["account"].as_str().expect("key");
        let o = leadscore(&[
            "explain",
            EXAMPLE,
            EXAMPLE_LEADS,
            "--as-of",
            AS_OF,
            "--account",
            key,
        ]);
        assert!(o.status.success(), "{key}: {}", stderr(&o));
        let text = stdout(&o);
        let score_line = format!("\nscore = {}\n", account["score"]);
        assert!(text.contains(&score_line), "{key}: {text}");
        let members_line = format!("\n{} member", account["members"]);
        assert!(text.contains(&members_line), "{key}: {text}");
    }
}

#[test]
fn explain_an_unknown_account_is_a_finding() {
    let o = leadscore(&[
        "explain",
        EXAMPLE,
        EXAMPLE_LEADS,
        "--as-of",
        AS_OF,
        "--account",
        "nowhere.example",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("no account `nowhere.example`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn accounts_without_an_account_block_is_a_usage_error() {
    let o = leadscore(&[
        "score",
        "tests/fixtures/cli/small.score",
        "tests/fixtures/cli/good.ndjson",
        "--accounts",
    ]);
    assert_eq!(o.status.code(), Some(2));
    insta::assert_snapshot!(stderr(&o));
}

/// Accounts are tallied in input order after parallel scoring, so the
/// result does not depend on the number of threads.
#[test]
fn accounts_are_the_same_whatever_the_number_of_threads() {
    let dir = scratch_dir("accounts");
    let leads = dir.join("leads.ndjson");
    let text: String = leadscore::synthetic::leads(5000, 11)
        .map(|l| l.to_ndjson() + "\n")
        .collect();
    std::fs::write(&leads, text).expect("write leads");
    let leads = leads.to_string_lossy().into_owned();
    let run = |threads: &str| {
        let o = leadscore(&[
            "score",
            EXAMPLE,
            &leads,
            "--as-of",
            AS_OF,
            "--accounts",
            "--explain",
            "--format",
            "ndjson",
            "--threads",
            threads,
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        o.stdout
    };
    let one = run("1");
    assert!(!one.is_empty());
    assert_eq!(one, run("3"));
    let _ = std::fs::remove_dir_all(Path::new(&dir));
}

/// An account's figures do not depend on the order its members come in
/// (only which of two tied members is named can).
#[test]
fn account_scores_do_not_depend_on_the_order_of_leads() {
    let dir = scratch_dir("account-order");
    let lines: Vec<String> = leadscore::synthetic::leads(3000, 5)
        .map(|l| l.to_ndjson())
        .collect();
    let forward = dir.join("forward.ndjson");
    let backward = dir.join("backward.ndjson");
    std::fs::write(&forward, lines.join("\n") + "\n").expect("write");
    let reversed: Vec<&str> = lines.iter().rev().map(String::as_str).collect();
    std::fs::write(&backward, reversed.join("\n") + "\n").expect("write");
    // With `--explain` the reasons name members too: by id, not by input
    // order, and ties in the rollup broken the same way.
    let figures = |path: &Path, explain: bool| {
        let mut args = vec![
            "score".to_string(),
            EXAMPLE.to_string(),
            path.to_string_lossy().to_string(),
            "--as-of".to_string(),
            AS_OF.to_string(),
            "--accounts".to_string(),
            "--format".to_string(),
            "ndjson".to_string(),
        ];
        if explain {
            args.push("--explain".to_string());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = leadscore(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        let mut accounts = ndjson(&stdout(&o));
        accounts.sort_by_key(|a| a["account"].as_str().unwrap_or_default().to_string());
        accounts
    };
    let ahead = figures(&forward, false);
    assert!(ahead.len() > 3, "the generator spreads leads over accounts");
    assert_eq!(ahead, figures(&backward, false));
    let explained = figures(&forward, true);
    let named = explained
        .iter()
        .flat_map(|a| a["reasons"].as_array().cloned().unwrap_or_default())
        .filter(|r| r["members"].as_array().is_some_and(|m| m.len() > 1))
        .count();
    assert!(named > 3, "reasons name several members");
    assert_eq!(explained, figures(&backward, true));
    let _ = std::fs::remove_dir_all(&dir);
}

const COMMITTEE: &str = "tests/fixtures/accounts-tests/committee.score";

/// A `test` of several leads scores them together: its account
/// expectations pass or fail, and a failure shows the account it saw.
#[test]
fn model_tests_expect_account_results() {
    let o = leadscore(&["test", COMMITTEE]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.ends_with("2 passed, 1 failed\n"), "{out}");
    assert!(
        out.contains("but account_ready = false, members(where mql) = 1"),
        "{out}"
    );
    insta::assert_snapshot!(out);
}

/// The test's account is the one `score --accounts` gives for the same
/// leads written as records (the first test of `committee.score`).
#[test]
fn a_test_account_agrees_with_score_accounts() {
    let o = leadscore(&[
        "score",
        COMMITTEE,
        "tests/fixtures/accounts-tests/acme.ndjson",
        "--as-of",
        "2026-11-01",
        "--accounts",
        "--format",
        "ndjson",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let accounts = ndjson(&stdout(&o));
    assert_eq!(accounts.len(), 1, "{accounts:?}");
    assert_eq!(accounts[0]["account"], "acme.com");
    assert_eq!(accounts[0]["score"], 155.0);
    assert_eq!(accounts[0]["labels"]["stage"], "engaged");
    let o = leadscore(&["test", COMMITTEE, "--filter", "make Acme ready"]);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(
        stdout(&o).ends_with("1 passed, 0 failed\n"),
        "{}",
        stdout(&o)
    );
}

/// `--format json` names the failing account expectations with their
/// subject.
#[test]
fn account_expectations_in_the_json_report() {
    let o = leadscore(&["test", "--format", "json", COMMITTEE]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_eq!(report["failed"], 1, "{report}");
    let failing = &report["tests"][2];
    assert_eq!(
        failing["failures"][1]["expect"], "account \"outlook.com\" members = 1",
        "{report}"
    );
    assert!(
        failing["failures"][1]["saw"]
            .as_str()
            .is_some_and(|s| s.contains("globex.com")),
        "{report}"
    );
}

/// Every way of writing a test of several leads wrongly is reported at
/// its place, with a help line.
#[test]
fn mistakes_in_tests_of_several_leads() {
    let o = leadscore(&["check", "tests/fixtures/accounts-tests/mistakes.score"]);
    assert_eq!(code(&o), 1);
    let err = stderr(&o);
    assert_eq!(err.matches("E021").count(), 8, "{err}");
    insta::assert_snapshot!(err);
    let o = leadscore(&["check", "tests/fixtures/accounts-tests/no_account.score"]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("the model has no `account` block"),
        "{}",
        stderr(&o)
    );
}

/// `fmt` keeps the leads' ids and the subjects of the expectations, and
/// its output is stable.
#[test]
fn fmt_keeps_tests_of_several_leads() {
    let o = leadscore(&["fmt", "--check", COMMITTEE]);
    assert!(o.status.success(), "{}", stderr(&o));
    let formatted = std::fs::read_to_string(COMMITTEE).expect("fixture");
    let compact = formatted
        .replace(
            "events \"ann\" {\n    visit(pricing) 2d ago\n  }",
            "events \"ann\" { visit(pricing) 2d ago }",
        )
        .replace(
            "  expect lead \"ann\" mql\n",
            "  expect   lead \"ann\"   mql\n",
        );
    assert_ne!(compact, formatted);
    let dir = scratch_dir("account-tests-fmt");
    let path = dir.join("committee.score");
    std::fs::write(&path, compact).expect("write");
    let o = leadscore(&["fmt", path.to_str().expect("utf-8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&path).expect("read"), formatted);
}
