#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! Properties: scores do not depend on event order, and the parser and
//! checker survive any input.

use leadscore::lead::Lead;
use leadscore::plan::Plan;
use leadscore::Evaluator;
use leadscore::{check_source, to_lead, Json};
use proptest::prelude::*;

fn example_plan() -> Plan {
    let checked = leadscore::load_and_check(std::path::Path::new("examples/b2b-saas.score"))
        .expect("readable");
    checked.plan.expect("example checks")
}

fn example_leads(plan: &Plan) -> Vec<Lead> {
    std::fs::read_to_string("examples/leads.ndjson")
        .expect("leads")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let json: Json = serde_json::from_str(l).expect("JSON");
            to_lead(plan, &json, &[]).expect("valid lead")
        })
        .collect()
}

/// A deterministic shuffle driven by a seed (xorshift + Fisher-Yates).
fn shuffle<T>(items: &mut [T], mut seed: u64) {
    seed |= 1;
    for i in (1..items.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let j = (seed % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn scores_do_not_depend_on_event_order(seed in any::<u64>()) {
        let plan = example_plan();
        let as_of = leadscore::time::parse_instant("2026-11-20").expect("date");
        let evaluator = Evaluator::new(&plan, as_of);
        for lead in example_leads(&plan) {
            let expected = evaluator.evaluate(&lead);
            let mut shuffled = lead.clone();
            shuffle(&mut shuffled.events, seed);
            let actual = evaluator.evaluate(&shuffled);
            prop_assert_eq!(actual.score, expected.score);
            prop_assert_eq!(&actual.groups, &expected.groups);
            prop_assert_eq!(&actual.outputs, &expected.outputs);
            prop_assert_eq!(&actual.reasons, &expected.reasons);
        }
    }

    #[test]
    fn checker_survives_random_text(text in "\\PC{0,300}") {
        let _ = check_source("random.score", &text, std::path::Path::new("tests/fixtures"));
    }

    #[test]
    fn checker_survives_token_soup(tokens in prop::collection::vec(prop::sample::select(TOKENS.to_vec()), 0..60)) {
        let text = tokens.join(" ");
        let checked = check_source("soup.score", &text, std::path::Path::new("tests/fixtures"));
        if !checked.has_errors() {
            // Whatever checks cleanly must also plan and evaluate.
            let plan = checked.plan.expect("a model without errors has a plan");
            let lead = to_lead(&plan, &Json::Object(vec![("id".into(), Json::String("x".into()))]), &[]).expect("empty lead");
            let _ = Evaluator::new(&plan, chrono::Utc::now()).evaluate(&lead);
        }
    }
}

const TOKENS: &[&str] = &[
    "lead",
    "{",
    "}",
    "title:",
    "text",
    "employees:",
    "number",
    "event",
    "visit(page: text)",
    "when",
    "each",
    "title",
    "employees",
    "visits",
    "visits(pricing)",
    "=",
    ">=",
    "<",
    "VP",
    "\"Vice President\"",
    "in",
    "[VP, CEO]",
    "+10",
    "-5",
    "max",
    "min",
    "50",
    "fade",
    "over",
    "30d",
    "within",
    "decay",
    "10",
    "25%",
    "after",
    "every",
    "score",
    "fit",
    "separate",
    "threshold",
    "mql",
    "label",
    "grade",
    "from",
    ":",
    "A",
    ">=",
    "B",
    ",",
    "C",
    "otherwise",
    "and",
    "or",
    "not",
    "(",
    ")",
    "is",
    "missing",
    "present",
    "last(visit)",
    "before",
    "2026-01-01",
    "between",
    "disqualify",
    "\"x\"",
    "let",
    "hot",
    "total",
    "test",
    "as",
    "of",
    "expect",
    "events",
    "x3",
    "2d",
    "ago",
    ";",
    "list",
    "rivals",
    "matches",
    "\"^a\"",
];

/// Every byte of the example model replaced or deleted in turn: the parser
/// and checker must report, never panic.
#[test]
fn example_model_mutated_byte_by_byte() {
    let original = std::fs::read("examples/b2b-saas.score").expect("example");
    let replacements: &[&[u8]] = &[b"", b" ", b"(", b"\"", b"+", b"#", b"\xC3\xA9", b"9"];
    for i in 0..original.len() {
        let replacement = replacements[i % replacements.len()];
        let mut mutated = original.clone();
        mutated.splice(i..i + 1, replacement.iter().copied());
        let text = String::from_utf8_lossy(&mutated);
        let _ = check_source("mutated.score", &text, std::path::Path::new("examples"));
    }
}

/// A second opinion: an independent implementation of the example model
/// (written from the contract alone, not from this code) scored the example
/// leads; the results must agree exactly.
#[test]
fn example_leads_agree_with_the_reference_scores() {
    let plan = example_plan();
    let as_of = leadscore::time::parse_instant("2026-11-20").expect("date");
    let evaluator = Evaluator::new(&plan, as_of);
    let reference: Vec<serde_json::Value> =
        std::fs::read_to_string("tests/fixtures/example-leads.reference.ndjson")
            .expect("reference")
            .lines()
            .map(|l| serde_json::from_str(l).expect("JSON"))
            .collect();
    let ours: Vec<serde_json::Value> = example_leads(&plan)
        .iter()
        .map(|lead| leadscore::lead_json(&plan, &lead.id, &evaluator.evaluate(lead), false))
        .collect();
    assert_eq!(ours, reference);
}

fn arbitrary_json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        (-1e12f64..1e12).prop_map(|n| serde_json::json!(n)),
        prop::sample::select(vec![
            "",
            " ",
            "VP",
            "2500",
            "lots",
            "true",
            "2026-10-01",
            "2026-10-01T09:30:00+02:00",
            "pricing",
            "visit",
            "Visit",
            "a;b;;c"
        ])
        .prop_map(|s| serde_json::Value::String(s.to_string())),
        "\\PC{0,12}".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(serde_json::Value::Array),
            prop::collection::vec(
                (
                    prop::sample::select(vec![
                        "id",
                        "title",
                        "seniority",
                        "Number of Employees",
                        "events",
                        "type",
                        "at",
                        "page",
                        "newsletter",
                        "tech_stack",
                        "signed_up"
                    ]),
                    inner
                ),
                0..8
            )
            .prop_map(|entries| serde_json::Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect()
            )),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Any JSON at all is either a lead or a record error: never a panic.
    #[test]
    fn any_record_converts_or_is_reported(value in arbitrary_json()) {
        let plan = example_plan();
        let evaluator = Evaluator::new(&plan, leadscore::time::parse_instant("2026-11-20").expect("date"));
        if let Ok(lead) = to_lead(&plan, &Json::from_serde(&value), &[]) {
            let _ = evaluator.evaluate(&lead);
        }
    }
}

/// The prepared writer of lead results (`Layout::render_lead`) writes the
/// bytes `serde_json` writes for the same result, whatever the id and
/// however the lead scored.
#[test]
fn prepared_lead_json_is_what_serde_writes() {
    use leadscore::{LeadResult, OutputFormat, Rendered, ResultWriter};
    let plan = example_plan();
    let evaluator = Evaluator::new(
        &plan,
        leadscore::time::parse_instant("2026-11-20").expect("date"),
    );
    let writer = ResultWriter::new(Vec::new(), OutputFormat::Ndjson, &plan);
    let mut leads = example_leads(&plan);
    leads.extend(leadscore::synthetic::leads(3000, 11).map(|generated| {
        let json: Json = serde_json::from_str(&generated.to_ndjson()).expect("JSON");
        to_lead(&plan, &json, &[]).expect("valid lead")
    }));
    let ids = [
        serde_json::json!("plain"),
        serde_json::json!("quote \" backslash \\ tab \t ünïcode ✓ \u{1}"),
        serde_json::json!(42),
        serde_json::json!(-7.5),
        serde_json::json!(18446744073709551615u64),
    ];
    let mut disqualified = 0;
    for (n, lead) in leads.iter().enumerate() {
        let outcome = evaluator.evaluate(lead);
        disqualified += usize::from(!outcome.disqualified_by.is_empty());
        let id = ids.get(n % (ids.len() + 1)).unwrap_or(&lead.id);
        let result = LeadResult {
            plan: &plan,
            id,
            outcome: &outcome,
            explain: false,
        };
        let Rendered::Json(prepared) = writer.layout().render_lead(&result).expect("rendered")
        else {
            panic!("NDJSON renders JSON");
        };
        let expected = serde_json::to_vec(&result).expect("serialised");
        assert_eq!(
            String::from_utf8_lossy(&prepared),
            String::from_utf8_lossy(&expected),
            "lead {n}"
        );
    }
    assert!(disqualified > 0, "the leads include disqualified ones");
}

/// The points a reasons cell of `score --explain --format csv` shows
/// outside the brackets of `separate` groups: each entry ends with them.
fn cell_points(cell: &str) -> Vec<f64> {
    let counted = cell.split("[separate").next().unwrap_or("");
    counted
        .split("; ")
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            let last = entry.rsplit(' ').next().unwrap_or("");
            last.parse::<f64>()
                .unwrap_or_else(|_| panic!("`{entry}` ends with its points"))
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Reasons add up: in the JSON of `--explain` the points of the
    /// reasons and of the adjustments (decay, clamps) outside `separate`
    /// groups sum to the score, and so do the entries of a CSV or table
    /// reasons cell.
    #[test]
    fn reasons_add_up_to_the_score(seed in any::<u64>(), days in 0i64..400) {
        use leadscore::{LeadResult, OutputFormat, Rendered, ResultWriter};
        let plan = example_plan();
        let as_of = leadscore::time::parse_instant("2026-11-20").expect("date")
            - chrono::Duration::days(days);
        let evaluator = Evaluator::new(&plan, as_of);
        let separate: Vec<&str> = plan
            .groups
            .iter()
            .filter(|g| g.separate)
            .map(|g| g.name.as_str())
            .collect();
        let writer = ResultWriter::new(Vec::new(), OutputFormat::Csv, &plan).with_reasons();
        let mut leads = example_leads(&plan);
        leads.extend(leadscore::synthetic::leads(200, seed).map(|generated| {
            let json: Json = serde_json::from_str(&generated.to_ndjson()).expect("JSON");
            to_lead(&plan, &json, &[]).expect("valid lead")
        }));
        let mut adjusted = 0;
        for lead in &leads {
            let outcome = evaluator.evaluate(lead);
            let json = leadscore::lead_json(&plan, &lead.id, &outcome, true);
            let counted = |key: &str| -> Vec<f64> {
                json[key]
                    .as_array()
                    .map(Vec::as_slice)
                    .unwrap_or_default()
                    .iter()
                    .filter(|r| !r["group"].as_str().is_some_and(|g| separate.contains(&g)))
                    .map(|r| r["points"].as_f64().expect("points"))
                    .collect()
            };
            let reasons = counted("reasons");
            let adjustments = counted("adjustments");
            adjusted += usize::from(!adjustments.is_empty());
            let entries = reasons.len() + adjustments.len();
            let sum: f64 = reasons.iter().chain(&adjustments).sum();
            let score = json["score"].as_f64().expect("score");
            // Each entry is rounded to cents on its own.
            let slack = 0.005 * entries as f64 + 1e-9;
            prop_assert!((sum - score).abs() <= slack, "{json}: {sum} != {score}");
            let result = LeadResult { plan: &plan, id: &lead.id, outcome: &outcome, explain: true };
            let Rendered::Cells(cells) = writer.layout().render(&result).expect("rendered") else {
                panic!("CSV renders cells");
            };
            let cell = cells.last().expect("the reasons cell");
            let shown: f64 = cell_points(cell).iter().sum();
            prop_assert!((shown - score).abs() <= slack, "`{cell}`: {shown} != {score}");
        }
        prop_assert!(adjusted > 0, "some leads decay or are clamped");
    }
}

/// The example model with every group and the top level counting only
/// events after a new `recycled` date field.
fn recycled_example_plan() -> Plan {
    let text = std::fs::read_to_string("examples/b2b-saas.score").expect("example");
    let mut variant = String::new();
    for line in text.lines() {
        if line.starts_with("score ") && line.ends_with(" {") {
            let head = line.trim_end_matches(" {");
            variant.push_str(&format!("{head} since recycled {{\n"));
        } else {
            variant.push_str(line);
            variant.push('\n');
        }
        if line == "lead {" {
            variant.push_str("  recycled: date\n");
        }
    }
    variant.push_str("since recycled\n");
    let path = std::fs::canonicalize("examples")
        .expect("examples")
        .join("recycled.score");
    let checked = leadscore::check_overlay(&path, &variant, &leadscore::Overlay::default());
    let errors: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    checked.plan.expect("the variant checks")
}

fn example_records() -> Vec<serde_json::Value> {
    std::fs::read_to_string("examples/leads.ndjson")
        .expect("leads")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// `since D` scores a lead as the same model without `since` scores the
    /// lead with its events up to D removed (thresholds aside: they see
    /// every event); with no date, or one after as-of, as the model
    /// without `since`.
    #[test]
    fn since_is_the_model_on_the_events_after_the_date(
        month in 8u32..=11, day in 1u32..=28, hour in 0u32..24, missing in any::<bool>()
    ) {
        let plain = example_plan();
        let recycled = recycled_example_plan();
        let as_of = leadscore::time::parse_instant("2026-11-20").expect("date");
        let since_text = format!("2026-{month:02}-{day:02}T{hour:02}:00:00Z");
        let since = leadscore::time::parse_instant(&since_text).expect("instant");
        let plain_eval = Evaluator::new(&plain, as_of);
        let recycled_eval = Evaluator::new(&recycled, as_of);
        for record in example_records() {
            let mut with_date = record.clone();
            let mut after = record.clone();
            if !missing {
                with_date["recycled"] = serde_json::Value::String(since_text.clone());
            }
            // A date after as-of filters nothing, as a missing one.
            if !missing && since <= as_of {
                if let Some(events) = after["events"].as_array_mut() {
                    events.retain(|e| {
                        let at = e["at"].as_str().and_then(leadscore::time::parse_instant);
                        at.is_some_and(|at| at > since)
                    });
                }
            }
            let expected = plain_eval.evaluate(&to_lead(&plain, &Json::from_serde(&after), &[]).expect("lead"));
            let actual = recycled_eval.evaluate(&to_lead(&recycled, &Json::from_serde(&with_date), &[]).expect("lead"));
            prop_assert_eq!(actual.score, expected.score, "{}", record["id"]);
            prop_assert_eq!(&actual.groups, &expected.groups);
            prop_assert_eq!(&actual.reasons, &expected.reasons);
            prop_assert_eq!(&actual.adjustments, &expected.adjustments);
            if missing || since > as_of {
                prop_assert_eq!(&actual.outputs, &expected.outputs);
            }
        }
    }
}
