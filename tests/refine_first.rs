#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! `backtest` and `diff` on `first` blocks (fine print §20.7): a rule of a
//! block hits only when it gives the points, and a block whose rules come
//! in another order is reported.
//!
//! As of 2026-06-30 the leads of `tests/fixtures/refine/first_leads.ndjson`
//! score (first_old.score): E1 enterprise 30 + vp 10 = 40 yes, E2 30 yes,
//! M1 mid 15 + vp 10 = 25 yes, M2 15 no, M3 15 no, S1 small -5 + vp 10 = 5
//! no, S2 -5 yes, S3 (no employees) -5 no. E1 and E2 hold `employees >=
//! 200` too, but "enterprise" took the turn.
//!
//! first_new.score puts "mid" first and gives vp 12: E1 27, E2 15, M1 27,
//! M2 15, M3 15, S1 7, S2 -5, S3 -5; mql (25) loses E2 and keeps E1, M1.

mod common;

use common::*;

const OLD: &str = "tests/fixtures/refine/first_old.score";
const NEW: &str = "tests/fixtures/refine/first_new.score";
const LEADS: &str = "tests/fixtures/refine/first_leads.ndjson";
const AS_OF: &str = "2026-06-30";

#[test]
fn a_rule_of_a_first_block_hits_only_when_it_gives_the_points() {
    let o = leadscore(&[
        "backtest",
        OLD,
        LEADS,
        "--outcome",
        "converted",
        "--as-of",
        AS_OF,
        "--format",
        "json",
    ]);
    let r = json_of(&o);
    let rule = |name: &str| {
        r["rules"]
            .as_array()
            .expect("rules")
            .iter()
            .find(|x| x["rule"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no rule {name} in {r}"))
    };
    // (name, hits, converted, average points)
    for (name, hits, converted, points) in [
        ("enterprise", 2, 2, 30.0),
        ("mid", 3, 1, 15.0),
        ("small", 3, 1, -5.0),
        ("vp", 3, 2, 10.0),
    ] {
        let x = rule(name);
        assert_eq!(x["hits"], hits, "{name}: {x}");
        assert_eq!(x["converted"], converted, "{name}: {x}");
        assert_eq!(x["average_points"], points, "{name}: {x}");
    }
}

/// The JSON a successful run printed.
fn json_of(o: &std::process::Output) -> serde_json::Value {
    assert_eq!(code(o), 0, "{}", stderr(o));
    serde_json::from_str(&stdout(o)).unwrap()
}

/// A `reordered` entry of `diff --format json`.
fn reordered(block: &str, group: &str, before: &[&str], after: &[&str]) -> serde_json::Value {
    serde_json::json!([{"block": block, "group": group, "before": before, "after": after}])
}

fn diff(extra: &[&str]) -> std::process::Output {
    let mut args = vec!["diff", OLD, NEW, LEADS, "--as-of", AS_OF];
    args.extend_from_slice(extra);
    leadscore(&args)
}

#[test]
fn diff_reports_a_first_block_whose_rules_come_in_another_order() {
    let r = json_of(&diff(&["--format", "json"]));
    assert_eq!(
        r["rules"]["reordered"],
        reordered(
            "size",
            "fit",
            &["enterprise", "mid", "small"],
            &["mid", "enterprise", "small"]
        )
    );
    // No rule's text changed but vp's; the order is what moved E1 and E2.
    assert_eq!(r["rules"]["changed"].as_array().map(Vec::len), Some(1));
    assert_eq!(r["rules"]["changed"][0]["rule"], "vp");
    let f = &r["figures"];
    assert_eq!(f["blocks.reordered"], 1.0);
    assert_eq!(f["score.changed"], 4.0);
    assert_eq!(f["score.largest"], 15.0);
    assert_eq!(f["mql.left"], 1.0);
    assert_eq!(f["mql.entered"], 0.0);

    let o = diff(&["--top", "2"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    insta::assert_snapshot!("diff_first_block_order", stdout(&o));

    let o = diff(&["--fail-if", "blocks.reordered > 0"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
}

#[test]
fn the_same_order_is_no_change_and_an_account_block_is_compared_too() {
    let o = leadscore(&[
        "diff", OLD, OLD, LEADS, "--as-of", AS_OF, "--format", "json",
    ]);
    assert_eq!(json_of(&o)["rules"]["reordered"], serde_json::json!([]));

    // The account fixture with its size bands swapped.
    let model = "tests/fixtures/accounts/first_blocks/model.score";
    let text = std::fs::read_to_string(model).unwrap();
    let swapped = text.replace(
        "    when members >= 4 +30 \"big committee\"\n    when members >= 2 +15\n",
        "    when members >= 2 +15\n    when members >= 4 +30 \"big committee\"\n",
    );
    assert_ne!(swapped, text, "the fixture holds the bands");
    let dir = scratch_dir("refine_first_account");
    let new = dir.join("model.score");
    std::fs::write(&new, swapped).unwrap();
    let leads = "tests/fixtures/accounts/first_blocks/leads.ndjson";
    let o = leadscore(&[
        "diff",
        model,
        &new.to_string_lossy(),
        leads,
        "--as-of",
        AS_OF,
        "--format",
        "json",
    ]);
    let r = json_of(&o);
    assert_eq!(
        r["rules"]["reordered"],
        reordered(
            "committee size",
            "account",
            &["big committee", "when members >= 2", "committee size"],
            &["when members >= 2", "big committee", "committee size"]
        )
    );
}
