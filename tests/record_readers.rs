#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! Two readers of an NDJSON lead: straight into the plan's slots (the fast
//! one `score` uses) and through the JSON tree (which words every problem).
//! Whenever the fast reader gives a lead, the tree must give the same one;
//! and a record read as `score` reads it gives the same lead or the same
//! problem as the tree.

use std::io::Cursor;
use std::sync::OnceLock;

use leadscore::plan::Plan;
use leadscore::{read_lead_by, Straight};
use leadscore::{to_lead, Format, LeadScratch, Problem, RawRecord, Records};
use proptest::prelude::*;

fn example_plan() -> &'static Plan {
    static PLAN: OnceLock<Plan> = OnceLock::new();
    PLAN.get_or_init(|| {
        let checked = leadscore::load_and_check(std::path::Path::new("examples/b2b-saas.score"))
            .expect("readable");
        checked.plan.expect("example checks")
    })
}

fn read_line(text: &str) -> RawRecord {
    let mut records = Records::new(Cursor::new(text), Format::Ndjson).unwrap();
    records.next().unwrap().unwrap()
}

/// What the tree makes of a line: a lead, or the problem as text.
fn through_the_tree(plan: &Plan, text: &str) -> Result<leadscore::lead::Lead, String> {
    let json = read_line(text)
        .into_json()
        .map_err(|m| format!("{:?}", Problem::whole(m)))?;
    to_lead(plan, &json, &[]).map_err(|p| format!("{p:?}"))
}

/// What `score` makes of a line.
fn as_scored(plan: &Plan, text: &str) -> Result<leadscore::lead::Lead, String> {
    read_line(text)
        .to_lead(plan, &[])
        .map_err(|p| format!("{p:?}"))
}

/// What a `score` worker makes of a line after reading `before` into the
/// same scratch: it must not matter what the scratch held.
fn after(plan: &Plan, before: &str, text: &str) -> Result<leadscore::lead::Lead, String> {
    let mut scratch = LeadScratch::default();
    // Whatever `before` is, even a record the fast reader gives up on half
    // way, the next record must not see it.
    let _ = read_line(before).to_lead_in(plan, &[], &mut scratch);
    read_line(text)
        .to_lead_in(plan, &[], &mut scratch)
        .cloned()
        .map_err(|p| format!("{p:?}"))
}

#[test]
fn a_reused_scratch_reads_generated_leads_as_fresh_ones() {
    let plan = example_plan();
    let lines: Vec<String> = leadscore::synthetic::leads(2000, 5)
        .map(|l| l.to_ndjson())
        .collect();
    let mut scratch = LeadScratch::default();
    for line in &lines {
        let reused = read_line(line).to_lead_in(plan, &[], &mut scratch).unwrap();
        assert_eq!(
            reused,
            &read_line(line).to_lead(plan, &[]).unwrap(),
            "{line}"
        );
    }
}

#[test]
fn generated_and_example_leads_take_the_fast_reader() {
    let plan = example_plan();
    let generated = leadscore::synthetic::leads(3000, 11).map(|l| l.to_ndjson());
    let examples = std::fs::read_to_string("examples/leads.ndjson").unwrap();
    let examples = examples
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string);
    for line in generated.chain(examples) {
        // The byte scan itself, not serde_json after it.
        let fast = read_lead_by(plan, &line, Straight::Scan);
        assert!(fast.is_some(), "the scan gave up on {line}");
        assert_eq!(fast.map(Ok), Some(through_the_tree(plan, &line)), "{line}");
    }
}

#[test]
fn a_repeated_key_is_found_wherever_it_is() {
    let plan = example_plan();
    let at = r#""at":"2026-10-01T09:30:00Z""#;
    let lines = [
        r#"{"id":1,"title":"a","title":"b"}"#.to_string(),
        r#"{"id":1,"id":2}"#.to_string(),
        r#"{"id":1,"events":[],"events":[]}"#.to_string(),
        r#"{"id":1,"other":1,"other":2}"#.to_string(),
        r#"{"id":1,"other":{"x":1,"x":2}}"#.to_string(),
        format!(r#"{{"id":1,"events":[{{"type":"visit",{at},"page":"a","page":"b"}}]}}"#),
        format!(r#"{{"id":1,"events":[{{"type":"visit",{at},{at}}}]}}"#),
        format!(r#"{{"id":1,"events":[{{"type":"visit","type":"visit",{at}}}]}}"#),
        // Read before `type` is known, then again after it.
        format!(r#"{{"id":1,"events":[{{"page":"a","type":"visit",{at},"page":"b"}}]}}"#),
        format!(r#"{{"id":1,"events":[{{"x":1,"type":"visit",{at},"page":"b","page":"c"}}]}}"#),
        format!(r#"{{"id":1,"events":[{{"type":"other",{at},"page":"a","page":"b"}}]}}"#),
        // Each event's keys are its own.
        format!(
            r#"{{"id":1,"events":[{{"type":"visit",{at},"page":"a"}},{{"type":"visit",{at},"page":"b"}}]}}"#
        ),
    ];
    for line in &lines {
        let tree = through_the_tree(plan, line);
        assert_eq!(as_scored(plan, line), tree, "{line}");
        for reader in [Straight::Scan, Straight::Serde, Straight::Either] {
            let fast = read_lead_by(plan, line, reader);
            assert_eq!(fast.is_some(), tree.is_ok(), "{reader:?} {line}");
        }
    }
    let last = lines.last().unwrap();
    assert!(through_the_tree(plan, last).is_ok(), "{last}");
    assert!(lines
        .iter()
        .rev()
        .skip(1)
        .all(|l| through_the_tree(plan, l).is_err()));
}

/// A JSON value written out by hand, so that objects may repeat a key.
#[derive(Clone, Debug)]
enum Doc {
    Leaf(serde_json::Value),
    Array(Vec<Doc>),
    Object(Vec<(String, Doc)>),
}

impl Doc {
    fn write(&self, out: &mut String) {
        match self {
            Doc::Leaf(v) => out.push_str(&v.to_string()),
            Doc::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Doc::Object(entries) => {
                out.push('{');
                for (i, (key, value)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(key);
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
        }
    }
}

fn leaf() -> impl Strategy<Value = Doc> {
    prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        any::<u64>().prop_map(|n| serde_json::json!(n)),
        (-1e6f64..1e6).prop_map(|n| serde_json::json!(n)),
        prop::sample::select(vec![
            "",
            " ",
            "VP",
            "vp ",
            "Director",
            "2500",
            " 12.5 ",
            "lots",
            "true",
            "FALSE",
            "2026-10-01",
            "2026-10-01T09:30:00Z",
            "2026-10-01T09:30:00+02:00",
            "2026-13-01T09:30:00Z",
            "2016-12-31T23:59:60Z",
            "2026-10-01 09:30",
            "pricing",
            "visit",
            " Visit",
            "DOWNLOAD",
            "webinar",
            "x\"y",
            "tab\there",
            "a;b;;c",
            "snowflake",
            "İstanbul",
            "\u{212a}elvin",
            "both",
            "Visit",
        ])
        .prop_map(|s| serde_json::Value::String(s.to_string())),
        "\\PC{0,8}".prop_map(serde_json::Value::String),
    ]
    .prop_map(Doc::Leaf)
}

/// A key as JSON text; now and then spelled with an escape (the same key).
fn key(name: &'static str) -> impl Strategy<Value = String> {
    let plain = serde_json::Value::from(name).to_string();
    prop_oneof![
        30 => Just(plain.clone()),
        1 => Just(plain).prop_map(|mut text| {
            if let Some(c) = text.get(1..2).and_then(|c| c.chars().next()) {
                text.replace_range(1..2, &format!("\\u{:04x}", c as u32));
            }
            text
        }),
    ]
}

fn text(values: &'static [&'static str]) -> impl Strategy<Value = Doc> {
    prop::sample::select(values).prop_map(|s| Doc::Leaf(serde_json::Value::from(s)))
}

/// A value that fits the key most of the time, anything now and then.
fn value_for(key: &'static str) -> BoxedStrategy<Doc> {
    let fitting: BoxedStrategy<Doc> = match key {
        "id" => prop_oneof![
            text(&["L-1", " 7 ", "x"]),
            (0u64..100).prop_map(|n| Doc::Leaf(n.into())),
            Just(Doc::Leaf(serde_json::json!(1.5))),
        ]
        .boxed(),
        "seniority" => text(&["VP", "vp ", "Director", "IC", "", "CXO"]).boxed(),
        "product_interest" => text(&["analytics", "Both", "automation"]).boxed(),
        "Number of Employees" => prop_oneof![
            (-10i64..5000).prop_map(|n| Doc::Leaf(n.into())),
            text(&["2500", " 12.5 ", ""]),
        ]
        .boxed(),
        "signed_up" | "competitor_renewal" | "at" => text(&[
            "2026-10-01",
            "2026-10-01T09:30:00Z",
            "2026-10-01T09:30:00+02:00",
            "2026-10-01T09:30:00.25Z",
            "2026-10-01 09:30",
            " 2026-11-19T23:00:00Z ",
        ])
        .boxed(),
        "newsletter" | "budget_confirmed" => prop_oneof![
            any::<bool>().prop_map(|b| Doc::Leaf(b.into())),
            text(&["true", "FALSE", " "]),
        ]
        .boxed(),
        "tech_stack" => prop_oneof![
            prop::collection::vec(
                prop_oneof![
                    text(&["Snowflake", "zapier", " ", "x"]),
                    Just(Doc::Leaf(serde_json::Value::Null)),
                    Just(Doc::Leaf(7.into())),
                ],
                0..4
            )
            .prop_map(Doc::Array),
            text(&["a;b;;c", "segment"]),
        ]
        .boxed(),
        "type" => text(&[
            "visit",
            " Visit",
            "DOWNLOAD",
            "webinar",
            "email_open",
            "demo_request",
            "trial_signup",
            "unsubscribe",
            "other",
        ])
        .boxed(),
        _ => prop_oneof![
            text(&[
                "pricing",
                "Rival.io",
                "x\"y",
                "tab\there",
                "Kelvin \u{212a}",
                ""
            ]),
            "\\PC{0,8}".prop_map(|s| Doc::Leaf(s.into())),
            (0u64..100).prop_map(|n| Doc::Leaf(n.into())),
        ]
        .boxed(),
    };
    prop_oneof![40 => fitting, 1 => value()].boxed()
}

const LEAD_KEYS: &[&str] = &[
    "id",
    "email",
    "title",
    "seniority",
    "Number of Employees",
    "employees",
    "industry",
    "country",
    "lead_source",
    "phone",
    "product_interest",
    "tech_stack",
    "signed_up",
    "competitor_renewal",
    "newsletter",
    "budget_confirmed",
    "other",
];

const EVENT_KEYS: &[&str] = &[
    "type", "at", "page", "campaign", "asset", "kind", "name", "plan", "other",
];

fn value() -> impl Strategy<Value = Doc> {
    leaf().prop_recursive(2, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Doc::Array),
            prop::collection::vec(
                (prop::sample::select(EVENT_KEYS).prop_flat_map(key), inner),
                0..4
            )
            .prop_map(Doc::Object),
        ]
    })
}

/// An object of some of `keys` in any order, the first always present
/// most of the time, and now and then one key twice.
fn object(
    keys: &'static [&'static str],
    extra: Option<BoxedStrategy<(String, Doc)>>,
) -> BoxedStrategy<Doc> {
    let first = keys[0];
    let entry = |k: &'static str| (key(k), value_for(k)).boxed();
    let first_entry = prop_oneof![30 => entry(first).prop_map(Some), 1 => Just(None)];
    let rest = prop::sample::subsequence(&keys[1..], 0..keys.len())
        .prop_flat_map(move |ks| ks.into_iter().map(entry).collect::<Vec<_>>());
    let extra = match extra {
        Some(e) => prop::option::weighted(0.8, e).boxed(),
        None => Just(None).boxed(),
    };
    let twice = prop::option::weighted(0.05, prop::sample::select(keys).prop_flat_map(entry));
    (first_entry, rest, extra, twice)
        .prop_flat_map(|(first, rest, extra, twice)| {
            let mut entries: Vec<(String, Doc)> = first
                .into_iter()
                .chain(rest)
                .chain(extra)
                .chain(twice)
                .collect();
            let n = entries.len();
            (
                Just(std::mem::take(&mut entries)),
                prop::collection::vec(any::<prop::sample::Index>(), n),
            )
        })
        .prop_map(|(mut entries, swaps)| {
            for (i, swap) in swaps.into_iter().enumerate() {
                let j = swap.index(entries.len());
                entries.swap(i, j);
            }
            Doc::Object(entries)
        })
        .boxed()
}

fn event() -> impl Strategy<Value = Doc> {
    prop_oneof![30 => object(EVENT_KEYS, None), 1 => value()]
}

fn record() -> impl Strategy<Value = Doc> {
    let events = prop_oneof![
        12 => prop::collection::vec(event(), 0..6).prop_map(Doc::Array),
        1 => value(),
    ];
    let events = (key("events"), events).boxed();
    prop_oneof![30 => object(LEAD_KEYS, Some(events)), 1 => value()]
}

/// A record's text, sometimes damaged: cut short, or with a byte changed.
fn record_text() -> impl Strategy<Value = String> {
    (
        record(),
        0usize..12,
        any::<prop::sample::Index>(),
        // What may break a hand-written scan: structure, escapes, control
        // characters, whitespace and pieces of numbers and literals.
        prop::sample::select(vec![
            "", ",", "}", "\"", "]", "[", "{", ":", "\\", "\\t", "\\u00e9", " ", "\t", "\u{1}",
            "0", "-", ".", "e", "n", "x",
        ]),
    )
        .prop_map(|(doc, damage, at, insert)| {
            let mut text = String::new();
            doc.write(&mut text);
            let mut cut = at.index(text.len() + 1);
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            match damage {
                0 => text.truncate(cut),
                1 => text.insert_str(cut, insert),
                _ => {}
            }
            text
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(5000))]

    #[test]
    fn the_fast_reader_agrees_with_the_tree(text in record_text()) {
        prop_assume!(!text.trim().is_empty() && !text.contains('\n'));
        let plan = example_plan();
        let tree = through_the_tree(plan, &text);
        // Each straight reader alone, and the two in turn as `score` reads.
        for reader in [Straight::Scan, Straight::Serde, Straight::Either] {
            if let Some(lead) = read_lead_by(plan, &text, reader) {
                prop_assert_eq!(Ok(lead), tree.clone(), "{:?}", reader);
            }
        }
        prop_assert_eq!(as_scored(plan, &text), tree);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn a_reused_scratch_reads_as_a_fresh_one(
        before in record_text(),
        text in record_text(),
    ) {
        prop_assume!(!text.trim().is_empty() && !text.contains('\n'));
        prop_assume!(!before.trim().is_empty() && !before.contains('\n'));
        let plan = example_plan();
        prop_assert_eq!(after(plan, &before, &text), as_scored(plan, &text));
    }
}

/// Every record of a JSON array file, as `(line, JSON or problem)`.
fn array_records(text: &str) -> Vec<(usize, Result<String, String>)> {
    Records::new(Cursor::new(text.to_string()), Format::JsonArray)
        .unwrap()
        .map(|r| {
            let r = r.unwrap();
            let line = r.line;
            (line, r.into_json().map(|j| j.to_serde().to_string()))
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// A JSON array, however it is laid out, holds the records its elements
    /// hold as NDJSON lines, each found at the line where it starts.
    #[test]
    fn an_array_reads_as_its_elements_do(
        docs in prop::collection::vec(record(), 0..8),
        gaps in prop::collection::vec(prop::sample::select(vec!["", " ", "\n", " \n\t ", "\r\n\n"]), 24),
    ) {
        let gap = |i: usize| gaps.get(i % gaps.len()).copied().unwrap_or("");
        let mut text = format!("{}[{}", gap(0), gap(1));
        let mut expected = Vec::new();
        for (i, doc) in docs.iter().enumerate() {
            if i > 0 {
                text.push_str(gap(3 * i));
                text.push(',');
                text.push_str(gap(3 * i + 1));
            }
            let mut element = String::new();
            doc.write(&mut element);
            let line = text.matches('\n').count() + 1;
            let json = read_line(&element).into_json().map(|j| j.to_serde().to_string());
            expected.push((line, json));
            text.push_str(&element);
        }
        text.push_str(gap(2));
        text.push(']');
        prop_assert_eq!(array_records(&text), expected);
    }
}

#[test]
fn a_broken_array_reports_each_problem_once_and_keeps_the_whole_elements() {
    let ok = |line: usize, json: &str| (line, Ok(json.to_string()));
    let bad = |line: usize, problem: &str| (line, Err(problem.to_string()));
    let cases = [
        ("[]", vec![]),
        ("\u{feff}[{\"id\":1}]", vec![ok(1, r#"{"id":1}"#)]),
        ("x", vec![bad(1, "a JSON lead file must hold an array of objects")]),
        (
            "[{\"id\":1},\n]",
            vec![ok(1, r#"{"id":1}"#)],
        ),
        (
            "[{\"id\":\"a]\\\"\"}, 7]",
            vec![ok(1, r#"{"id":"a]\""}"#), ok(1, "7")],
        ),
        (
            "[{\"id\":1 \"t\":2},\n{\"id\":2}]",
            vec![
                bad(1, "broken JSON: expected `,` or `}` (column 9)"),
                ok(2, r#"{"id":2}"#),
            ],
        ),
        (
            "[{\"id\":1}\n{\"id\":2}]",
            vec![
                ok(1, r#"{"id":1}"#),
                bad(2, "expected `,` or `]` between elements of the JSON array \u{2014} the rest of the array cannot be read"),
            ],
        ),
        (
            "[{\"id\":1},,{\"id\":2}]",
            vec![
                ok(1, r#"{"id":1}"#),
                bad(1, "broken JSON: an element of the array is missing \u{2014} the rest of the array cannot be read"),
            ],
        ),
        (
            "[{\"id\":[1}, {\"id\":2}]",
            vec![bad(1, "broken JSON: a bracket closes the wrong kind of bracket \u{2014} the rest of the array cannot be read")],
        ),
        (
            "[\n{\"id\":1},\n{\"id\":\n",
            vec![
                ok(2, r#"{"id":1}"#),
                bad(3, "broken JSON: the input ends inside this element, so the array is not closed"),
            ],
        ),
        (
            "[{\"id\":1}\n\n",
            vec![ok(1, r#"{"id":1}"#), bad(3, "the JSON array is not closed with `]`")],
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(array_records(text), expected, "{text:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// An events file keeps its rows as text until their lead is scored;
    /// a row taken out is the JSON the file's reader gives for it.
    #[test]
    fn stored_event_rows_come_back_as_read(
        rows in prop::collection::vec(
            (0usize..3, prop::collection::vec("[a-z ,\"\n\r;é]{0,6}", 3)),
            1..12,
        ),
    ) {
        use leadscore::EventsFile;
        let quote = |cell: &str| format!("\"{}\"", cell.replace('"', "\"\""));
        let mut csv = String::from("lead_id,type,note\n");
        for (lead, cells) in &rows {
            let cells: Vec<String> = cells.iter().map(|c| quote(c)).collect();
            csv.push_str(&format!("L{lead},{}\n", cells.get(1..).unwrap_or_default().join(",")));
        }
        let direct: Vec<_> = Records::new(Cursor::new(csv.clone()), Format::Csv)
            .unwrap()
            .map(|r| {
                let r = r.unwrap();
                (r.line, r.into_json().map(|j| j.to_serde()))
            })
            .collect();
        let mut file = EventsFile::read(Cursor::new(csv), Format::Csv, "events.csv").unwrap();
        prop_assert!(file.errors.is_empty());
        let mut stored: Vec<_> = (0..3)
            .flat_map(|lead| file.take(&format!("L{lead}")).into_json())
            .map(|(line, json)| (line, Ok(json.to_serde())))
            .collect();
        stored.sort_by_key(|(line, _)| *line);
        prop_assert_eq!(stored, direct);
        prop_assert!(file.rows().is_empty());
    }
}

type Read = Result<leadscore::lead::Lead, String>;

/// Lead L1 with its rows from the events file `read` gives, read straight
/// from the rows and through their JSON.
fn l1_both_ways(plan: &Plan, read: impl Fn() -> leadscore::EventsFile) -> (Read, Read) {
    let lead = read_line(r#"{"id":"L1","email":"a@b.co"}"#);
    let mut fast = LeadScratch::default();
    let straight = lead
        .to_lead_with_events(plan, read().take("L1"), &mut fast)
        .cloned()
        .map_err(|p| format!("{p:?}"));
    let mut careful = LeadScratch::default();
    let rows = read().take("L1");
    let file = rows.file();
    let through_json = lead
        .to_lead_in(plan, &rows.into_json(), &mut careful)
        .cloned()
        .map_err(|p| format!("{:?}", p.in_events_file(&file)));
    (straight, through_json)
}

/// A CSV file of `header` and `rows` (as many cells of each as the header
/// names), every cell quoted; with a first column `lead_id` holding `lead`
/// on every row when given.
fn quoted_csv(lead: Option<&str>, header: &[&str], rows: &[Vec<&str>]) -> String {
    let quote = |cell: &str| format!("\"{}\"", cell.replace('"', "\"\""));
    let lead_column = |first: &str| lead.map(|_| format!("{first},")).unwrap_or_default();
    let mut csv = format!("{}{}\n", lead_column("lead_id"), header.join(","));
    for cells in rows {
        let cells: Vec<String> = cells.iter().take(header.len()).map(|c| quote(c)).collect();
        csv.push_str(&format!(
            "{}{}\n",
            lead_column(lead.unwrap_or_default()),
            cells.join(",")
        ));
    }
    csv
}

fn typed_events_plan() -> &'static Plan {
    static PLAN: OnceLock<Plan> = OnceLock::new();
    PLAN.get_or_init(|| {
        let path = std::path::Path::new("tests/fixtures/records/typed-events.score");
        let checked = leadscore::load_and_check(path).expect("readable");
        checked.plan.expect("the fixture checks")
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// CSV rows of an events file are read straight into events; whatever
    /// the cells hold, the lead is the one (or the problem is the one) the
    /// rows' JSON gives through the careful reader.
    #[test]
    fn csv_event_rows_read_as_their_json_does(
        header in prop::sample::subsequence(
            vec!["type", "at", "amount", "tier", "paid", "on", "note", "tags", "page", "other"],
            0..=10,
        ).prop_shuffle(),
        rows in prop::collection::vec(prop::collection::vec(prop::sample::select(vec![
            "", " ", "purchase", "Purchase ", "visit", "signup", "2026-10-01T09:30:00Z",
            "2026-10-01", "tomorrow", "120", " 99.5 ", "lots", "pro", "PRO", "gold", "true",
            "no", "a;b", "x,y", "say \"hi\"", "two\nlines", "é", "pricing",
        ]), 10), 1..6),
    ) {
        use leadscore::EventsFile;
        let plan = typed_events_plan();
        let csv = quoted_csv(Some("L1"), &header, &rows);
        let read = || EventsFile::read(Cursor::new(csv.clone()), Format::Csv, "events.csv").unwrap();
        let (straight, through_json) = l1_both_ways(plan, read);
        prop_assert_eq!(straight, through_json);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    /// A CSV lead is read straight from its cells; whatever they hold, the
    /// lead (or the problem) is the one its JSON object gives through the
    /// careful reader.
    #[test]
    fn csv_leads_read_as_their_json_does(
        header in prop::sample::subsequence(
            vec![
                "id", "id", "email", "title", "seniority", "Number of Employees",
                "industry", "country", "newsletter", "tech_stack", "signed_up",
                "product_interest", "events", "other",
            ],
            0..=14,
        ).prop_shuffle(),
        rows in prop::collection::vec(prop::collection::vec(prop::sample::select(vec![
            "", " ", "L-1", " 7 ", "VP", "vp ", "gold", "2500", " 12.5 ", "lots", "true",
            "FALSE", "maybe", "2026-10-01", "2026-13-01", "a;b;;c", "Snowflake", "both",
            "x,y", "say \"hi\"", "two\nlines", "\u{212a}elvin", "İstanbul", "[]",
        ]), 14), 1..4),
    ) {
        let plan = example_plan();
        let csv = quoted_csv(None, &header, &rows);
        let mut scratch = LeadScratch::default();
        let records = Records::new(Cursor::new(csv.clone()), Format::Csv);
        // A header naming a column twice is refused before any row.
        let named_twice = header.iter().enumerate().any(|(i, h)| header[..i].contains(h));
        prop_assert_eq!(records.is_err(), named_twice, "{}", csv);
        for record in records.into_iter().flatten() {
            let record = record.unwrap();
            let straight = record
                .to_lead_in(plan, &[], &mut scratch)
                .cloned()
                .map_err(|p| format!("{p:?}"));
            let through_json = record
                .into_json()
                .map_err(|m| format!("{:?}", Problem::whole(m)))
                .and_then(|json| to_lead(plan, &json, &[]).map_err(|p| format!("{p:?}")));
            prop_assert_eq!(straight, through_json, "{}", csv);
        }
    }
}

/// An NDJSON events file for lead L1 (now and then another lead) from
/// hand-written objects, whose keys may repeat.
fn ndjson_events(rows: &[Doc]) -> String {
    rows.iter()
        .map(|row| {
            let mut line = String::new();
            row.write(&mut line);
            line + "\n"
        })
        .collect()
}

fn typed_event_row() -> impl Strategy<Value = Doc> {
    let value = || {
        prop_oneof![
            4 => prop::sample::select(vec![
                "purchase", "Purchase ", "visit", "signup", "2026-10-01T09:30:00Z",
                "2026-10-01", "tomorrow", "120", "lots", "pro", "PRO", "true", "a;b", "", "é",
            ])
            .prop_map(|s| Doc::Leaf(s.into())),
            1 => leaf(),
            1 => value(),
        ]
    };
    let keys = vec![
        "lead_id", "type", "at", "amount", "tier", "paid", "on", "note", "tags", "page", "other",
    ];
    (
        prop::sample::subsequence(keys, 0..=11).prop_shuffle(),
        prop::collection::vec(value(), 11),
        prop::option::weighted(
            0.05,
            prop::sample::select(vec!["type", "at", "amount", "lead_id"]),
        ),
        0..20u8,
    )
        .prop_map(|(keys, values, twice, lead)| {
            let mut entries: Vec<(String, Doc)> = keys
                .iter()
                .zip(values)
                .map(|(k, v)| {
                    let v = match *k {
                        "lead_id" if lead > 0 => Doc::Leaf("L1".into()),
                        _ => v,
                    };
                    (serde_json::Value::from(*k).to_string(), v)
                })
                .collect();
            if let Some(k) = twice {
                entries.push((
                    serde_json::Value::from(k).to_string(),
                    Doc::Leaf("L1".into()),
                ));
            }
            Doc::Object(entries)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    /// NDJSON rows of an events file are read for their lead and then into
    /// events straight from their text; whatever they hold, the rows kept
    /// aside, and the lead (or the problem), are those of the careful
    /// reading through each row's JSON.
    #[test]
    fn ndjson_event_rows_read_as_their_json_does(
        rows in prop::collection::vec(typed_event_row(), 1..6),
    ) {
        use leadscore::EventsFile;
        let plan = typed_events_plan();
        let text = ndjson_events(&rows);
        let read = || EventsFile::read(Cursor::new(text.clone()), Format::Ndjson, "events.ndjson").unwrap();
        // Which rows are kept for L1, and which are set aside: the same as
        // reading each row's JSON.
        let file = read();
        let expected_errors = Records::new(Cursor::new(text.clone()), Format::Ndjson)
            .unwrap()
            .filter(|r| {
                let json = r.as_ref().unwrap().json().cloned();
                let json = json.or_else(|| read_line(&r.as_ref().unwrap().raw).into_json().ok());
                !matches!(
                    json.as_ref().and_then(|j| j.get("lead_id")),
                    Some(leadscore::Json::String(s)) if !s.trim().is_empty()
                ) && !matches!(
                    json.as_ref().and_then(|j| j.get("lead_id")),
                    Some(leadscore::Json::Number(_))
                )
            })
            .count();
        prop_assert_eq!(file.errors.len(), expected_errors, "{}", text);
        let (straight, through_json) = l1_both_ways(plan, read);
        prop_assert_eq!(straight, through_json, "{}", text);
    }
}

/// Generated leads damaged at random places, many more than the property
/// tests make: whenever a straight reader takes one, the tree must give
/// the same lead.
#[test]
fn damaged_generated_leads_read_alike_by_every_reader_that_takes_them() {
    let plan = example_plan();
    let inserts = [
        ",", "}", "\"", "]", "[", "{", ":", "\\", "\\t", "\\u00e9", " ", "\t", "\u{1}", "0", "-",
        ".", "e", "n", "x", "1e999", "\\\"",
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut random = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        usize::try_from(seed % 1_000_003).unwrap()
    };
    let mut taken = 0;
    for line in leadscore::synthetic::leads(3000, 17).map(|l| l.to_ndjson()) {
        for _ in 0..4 {
            let mut text = line.clone();
            let mut at = random() % (text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            match random() % 3 {
                0 => text.truncate(at),
                1 => text.insert_str(at, inserts[random() % inserts.len()]),
                _ => {
                    let end = (at + 1 + random() % 5).min(text.len());
                    if text.is_char_boundary(end) {
                        text.replace_range(at..end, "");
                    }
                }
            }
            if text.trim().is_empty() {
                continue;
            }
            let tree = through_the_tree(plan, &text);
            for reader in [Straight::Scan, Straight::Serde] {
                if let Some(lead) = read_lead_by(plan, &text, reader) {
                    assert_eq!(Ok(lead), tree, "{reader:?}: {text}");
                    taken += 1;
                }
            }
        }
    }
    // Many damaged leads are still JSON (a space, a digit in a string).
    assert!(taken > 1000, "{taken}");
}

/// A plan checked from source, for the cases one model cannot show.
fn plan_of(source: &str) -> Plan {
    let checked = leadscore::check_source("case.score", source, std::path::Path::new("."));
    checked.plan.unwrap_or_else(|| panic!("checks: {source}"))
}

/// Plans whose records only the tree reads right, or only serde_json's
/// visitors: each reader that takes a line gives the tree's lead, and the
/// ones that cannot read such a plan give up.
#[test]
fn plans_the_straight_readers_leave_alone_read_as_the_tree_does() {
    let cases = [
        // Two fields from one key: the tree fills both.
        (
            "lead {\n  size: number as \"employees\"\n  band: text as \"employees\"\n}\nscore s {\n  when size > 10 +1\n  when band is present +1\n}\n",
            r#"{"id":1,"employees":50}"#,
            [false, false],
        ),
        // The id read from `events`: the tree refuses a text events list.
        (
            "lead {\n  id as \"events\"\n  title: text\n}\nscore s {\n  when title is present +1\n}\n",
            r#"{"events":"L1","title":"VP"}"#,
            [false, false],
        ),
        // An event property named as an event's own key: serde_json's
        // visitors read the plan (and give up on such an event), the scan
        // leaves it to them.
        (
            "lead {\n  title: text\n}\nevent visit(at: text)\nevent download(asset: text)\nscore s {\n  when visits +1\n  when downloads +1\n}\n",
            r#"{"id":1,"events":[{"type":"download","asset":"a","at":"2026-10-01"}]}"#,
            [false, true],
        ),
        // Every type of event property, read straight by both.
        (
            &std::fs::read_to_string("tests/fixtures/records/typed-events.score").unwrap(),
            r#"{"id":"L","email":"a@b.c","events":[{"type":"purchase","amount":120,"tier":"Pro","paid":true,"on":"2026-10-01","note":"x\ty","tags":["A"," b",""],"at":"2026-10-02T08:00:00Z"},{"type":"visit","page":"pricing","at":"2026-10-03"}]}"#,
            [true, true],
        ),
    ];
    for (source, line, takes) in cases {
        let plan = plan_of(source);
        let tree = through_the_tree(&plan, line);
        for (reader, takes) in [Straight::Scan, Straight::Serde].into_iter().zip(takes) {
            let read = read_lead_by(&plan, line, reader);
            assert_eq!(read.is_some(), takes, "{reader:?} on {line} with\n{source}");
            if let Some(lead) = read {
                assert_eq!(Ok(lead), tree.clone(), "{reader:?} on {line}");
            }
        }
        assert_eq!(as_scored(&plan, line), tree, "{line}");
    }
}
