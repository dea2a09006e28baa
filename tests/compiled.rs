#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! The compiled evaluator (what `score` runs) against the tree-walking
//! one (the reference): random models × random leads, every eval fixture
//! and the example model on generated leads. Both outcomes must be equal,
//! and the results written from them byte for byte the same. The random
//! models cover `since` on groups and at the top level.

use std::path::Path;

use leadscore::plan::Plan;
use leadscore::time::Instant;
use leadscore::{lead_json, to_lead, Evaluator, Json, Outcome};
use proptest::prelude::*;
use serde_json::Value as V;

/// A small deterministic generator (SplitMix64): a seed gives one model
/// and its leads.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const WORDS: &[&str] = &["pricing", "docs", "Blog", "home", "analytics", "VP", "data"];
const KINDS: &[&str] = &["pdf", "video", "xlsx"];
const LEVELS: &[&str] = &["IC", "Manager", "Director", "VP", "CXO"];
const DATES: &[&str] = &["2025-06-01", "2026-01-15", "2026-09-30", "2026-11-01"];
const SPANS: &[&str] = &["7d", "30d", "90d", "2w", "1mo", "12h"];

/// The lead's schema and events every random model declares.
const SCHEMA: &str = r#"lead {
  title: text
  email: text
  employees: number
  newsletter: bool
  signed_up: date
  seniority: one of [IC, Manager, Director, VP, CXO]
  stack: list of text
  returned: date
}
event visit(page: text, seconds: number)
event download(asset: text, kind: one of [pdf, video, xlsx])
event demo_request
"#;

/// A random condition over the schema, `depth` levels of `and`/`or`/`not`
/// at most.
fn condition(rng: &mut Rng, depth: usize) -> String {
    if depth > 0 && rng.chance(35) {
        let (a, b) = (condition(rng, depth - 1), condition(rng, depth - 1));
        return match rng.below(3) {
            0 => format!("({a} and {b})"),
            1 => format!("({a} or {b})"),
            _ => format!("not ({a})"),
        };
    }
    let word = rng.pick(WORDS);
    let n = rng.below(12);
    match rng.below(24) {
        0 => format!("title = {word}"),
        1 => format!("title contains [{word}, {}]", rng.pick(WORDS)),
        2 => format!("title starts with {word}"),
        3 => format!("email ends with [\".com\", \"{}.io\"]", word.to_lowercase()),
        4 => "email matches \"^[a-z]+@\"".to_string(),
        5 => format!("employees >= {}", n * 100),
        6 => format!("employees between {n} and {}", n * 50),
        7 => format!("employees in [{n}, 50, 1000]"),
        8 => "newsletter".to_string(),
        9 => format!("signed_up within {}", rng.pick(SPANS)),
        10 => format!("signed_up after {}", rng.pick(DATES)),
        11 => format!(
            "signed_up between {} and {}",
            rng.pick(DATES),
            rng.pick(DATES)
        ),
        12 => format!("seniority >= {}", rng.pick(LEVELS)),
        13 => format!("seniority in [{}, {}]", rng.pick(LEVELS), rng.pick(LEVELS)),
        14 => format!("stack contains [{word}, snowflake]"),
        15 => format!(
            "{} is missing",
            rng.pick(&["title", "employees", "signed_up"])
        ),
        16 => format!("{} is present", rng.pick(&["email", "seniority", "stack"])),
        17 => format!("visits({word}) >= {}", n % 4),
        18 => format!(
            "visits(where page = {word} and seconds > {}) within {} >= 1",
            n * 10,
            rng.pick(SPANS)
        ),
        19 => "demo_request".to_string(),
        20 => format!("last(visit) within {}", rng.pick(SPANS)),
        21 => format!("first(download) before {}", rng.pick(DATES)),
        22 => format!(
            "downloads(where kind = {}) between 1 and 3",
            rng.pick(KINDS)
        ),
        _ => format!("newsletter = {}", rng.chance(50)),
    }
}

fn points(rng: &mut Rng) -> String {
    let p = rng.below(30) as i64 - 10;
    if p < 0 {
        format!("{p}")
    } else {
        format!("+{p}")
    }
}

/// A rule of any kind a group or the top level takes.
fn rule(rng: &mut Rng) -> String {
    match rng.below(10) {
        0 => format!(
            "when {} disqualify \"d{}\"",
            condition(rng, 1),
            rng.below(3)
        ),
        1 => format!(
            "each visits({}) within {} {} max {}",
            rng.pick(WORDS),
            rng.pick(SPANS),
            points(rng),
            rng.below(30) + 1
        ),
        2 => format!(
            "each download(where kind != video) {} max 24 fade over {}",
            points(rng),
            rng.pick(SPANS)
        ),
        3 => format!(
            "each employees per {} {} max {}",
            rng.below(300) + 1,
            points(rng),
            rng.below(40) + 1
        ),
        4 => {
            let mut block = String::from("first {\n");
            for _ in 0..rng.below(3) + 1 {
                block += &format!("    when {} {}\n", condition(rng, 1), points(rng));
            }
            if rng.chance(50) {
                block += &format!("    otherwise {}\n", points(rng));
            }
            block + "  }"
        }
        _ => format!("when {} {}", condition(rng, 2), points(rng)),
    }
}

fn decay(rng: &mut Rng) -> String {
    match rng.below(4) {
        0 => format!("decay {} every {}", rng.below(15) + 1, rng.pick(SPANS)),
        1 => format!("decay {}% after {}", rng.below(90) + 5, rng.pick(SPANS)),
        2 => format!("decay {}% every {}", rng.below(60) + 5, rng.pick(SPANS)),
        _ => format!("decay {} after {}", rng.below(15) + 1, rng.pick(SPANS)),
    }
}

/// A random model: rules at the top level and in groups, decay, clamps,
/// thresholds and labels reading the score, the groups and each other.
fn model(rng: &mut Rng) -> String {
    let mut text = String::from(SCHEMA);
    text += "# leadscore: allow(W007)\n";
    for _ in 0..rng.below(4) {
        text += &rule(rng);
        text += "\n";
    }
    let groups = rng.below(3) + 1;
    for g in 0..groups {
        text += &format!("score g{g}");
        if rng.chance(30) {
            text += " since returned";
        }
        if rng.chance(30) {
            text += " separate";
        }
        if rng.chance(50) {
            text += &format!(" max {}", rng.below(60) + 10);
        }
        if rng.chance(30) {
            text += &format!(" min -{}", rng.below(10));
        }
        text += " {\n";
        for _ in 0..rng.below(6) + 1 {
            text += &format!("  {}\n", rule(rng));
        }
        if rng.chance(50) {
            text += &format!("  {}\n", decay(rng));
        }
        text += "}\n";
    }
    if rng.chance(50) {
        text += &format!("{}\n", decay(rng));
    }
    if rng.chance(30) {
        text += "since returned\n";
    }
    if rng.chance(50) {
        text += &format!("total max {} min 0\n", rng.below(100) + 20);
    }
    text += &format!("threshold mql {}\n", rng.below(60));
    text += &format!(
        "threshold hot when score >= {} and (g0 >= {} or {})\n",
        rng.below(40),
        rng.below(20),
        condition(rng, 1)
    );
    text += "label grade from g0: A >= 30, B >= 15, C >= 5, D\n";
    text += &format!(
        "label route {{\n  out when disqualified\n  sales when mql and grade in [A, B]\n  \
         look when {}\n}}\n",
        condition(rng, 1)
    );
    text
}

/// A text value with letter case, surrounding space or nothing in it.
fn text_value(rng: &mut Rng) -> V {
    match rng.below(8) {
        0 => V::Null,
        1 => V::String(String::new()),
        2 => V::String(format!("  {} Lead ", rng.pick(WORDS))),
        3 => V::String(format!("Über {}", rng.pick(WORDS))),
        _ => V::String(rng.pick(WORDS).to_string()),
    }
}

fn instant_text(rng: &mut Rng) -> String {
    let day = rng.below(28) + 1;
    let month = rng.below(12) + 1;
    let year = rng.pick(&["2025", "2026", "2026", "2027"]);
    match rng.below(3) {
        0 => format!("{year}-{month:02}-{day:02}"),
        1 => format!("{year}-{month:02}-{day:02}T{:02}:30:00Z", rng.below(24)),
        _ => format!("{year}-{month:02}-{day:02}T08:00:00.25+02:00"),
    }
}

/// A random lead record: every field sometimes missing or null, events of
/// declared and undeclared types, some after as-of.
fn lead(rng: &mut Rng, n: usize) -> V {
    let mut record = serde_json::Map::new();
    record.insert("id".into(), V::String(format!("L{n}")));
    if rng.chance(80) {
        record.insert("title".into(), text_value(rng));
    }
    if rng.chance(80) {
        let local = rng.pick(&["ann", "Bo", "test1"]);
        let domain = rng.pick(&["acme.com", "data.io", "x.org"]);
        record.insert("email".into(), V::String(format!("{local}@{domain}")));
    }
    if rng.chance(80) {
        let employees = rng.below(3000) as f64 / (1 + rng.below(3)) as f64;
        record.insert("employees".into(), serde_json::json!(employees));
    }
    if rng.chance(70) {
        record.insert("newsletter".into(), V::Bool(rng.chance(50)));
    }
    if rng.chance(70) {
        record.insert("signed_up".into(), V::String(instant_text(rng)));
    }
    if rng.chance(60) {
        record.insert("returned".into(), V::String(instant_text(rng)));
    }
    if rng.chance(80) {
        record.insert("seniority".into(), V::String(rng.pick(LEVELS).into()));
    }
    if rng.chance(60) {
        let items: Vec<V> = (0..rng.below(4)).map(|_| text_value(rng)).collect();
        let items = items.into_iter().filter(|j| !j.is_null()).collect();
        record.insert("stack".into(), V::Array(items));
    }
    let mut events = Vec::new();
    for _ in 0..rng.below(12) {
        let mut event = serde_json::Map::new();
        event.insert("at".into(), V::String(instant_text(rng)));
        match rng.below(4) {
            0 => {
                event.insert("type".into(), "visit".into());
                event.insert("page".into(), text_value(rng));
                if rng.chance(70) {
                    event.insert("seconds".into(), serde_json::json!(rng.below(600)));
                }
            }
            1 => {
                event.insert("type".into(), "download".into());
                event.insert("asset".into(), text_value(rng));
                event.insert("kind".into(), V::String(rng.pick(KINDS).into()));
            }
            2 => {
                event.insert("type".into(), "demo_request".into());
            }
            _ => {
                event.insert("type".into(), "webinar".into());
            }
        }
        events.push(V::Object(event));
    }
    record.insert("events".into(), V::Array(events));
    V::Object(record)
}

/// Scores `lead` both ways; the outcomes and the results written from
/// them (with reasons) must be the same.
fn agree(plan: &Plan, evaluator: &Evaluator, lead: &leadscore::lead::Lead) -> Result<(), String> {
    let mut compiled = Outcome::default();
    let mut reference = Outcome::default();
    evaluator.evaluate_into(lead, &mut compiled);
    evaluator.evaluate_reference_into(lead, &mut reference);
    if compiled != reference {
        return Err(format!(
            "lead {}: compiled {compiled:?}\nreference {reference:?}",
            lead.id
        ));
    }
    for explain in [false, true] {
        let a = serde_json::to_string(&lead_json(plan, &lead.id, &compiled, explain)).unwrap();
        let b = serde_json::to_string(&lead_json(plan, &lead.id, &reference, explain)).unwrap();
        if a != b {
            return Err(format!("lead {}: {a}\n!= {b}", lead.id));
        }
    }
    Ok(())
}

fn as_of(text: &str) -> Instant {
    leadscore::time::parse_instant(text).expect("as-of parses")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn compiled_and_tree_agree_on_random_models(seed in any::<u64>()) {
        let mut rng = Rng(seed);
        let text = model(&mut rng);
        let checked = leadscore::check_source("random.score", &text, Path::new("."));
        let rendered = leadscore::diagnostic::render(&checked.diagnostics, &checked.sources, false);
        // The generator writes only valid models: a model that does not
        // check is a bug of the generator, not a case to skip.
        let plan = checked.plan.as_ref();
        prop_assert!(plan.is_some(), "{text}\n{rendered}");
        let plan = plan.unwrap();
        let when = as_of(rng.pick(&["2026-11-20", "2026-03-01T12:00:00Z"]));
        let evaluator = Evaluator::new(plan, when);
        for n in 0..40 {
            let record = lead(&mut rng, n);
            let json: Json = serde_json::from_value(record.clone()).unwrap();
            let lead = to_lead(plan, &json, &[]);
            prop_assert!(lead.is_ok(), "{record}: {:?}", lead.err());
            let outcome = agree(plan, &evaluator, &lead.unwrap());
            prop_assert!(outcome.is_ok(), "{text}\n{}", outcome.unwrap_err());
        }
    }
}

#[test]
fn compiled_and_tree_agree_on_every_eval_fixture() {
    let mut leads = 0;
    for entry in std::fs::read_dir("tests/fixtures/eval").expect("fixtures exist") {
        let dir = entry.expect("entry").path();
        if !dir.is_dir() {
            continue;
        }
        let checked = leadscore::load_and_check(&dir.join("model.score")).expect("readable");
        let plan = checked.plan.expect("fixture model checks");
        let when = std::fs::read_to_string(dir.join("as_of.txt")).expect("as_of.txt");
        let evaluator = Evaluator::new(&plan, as_of(when.trim()));
        let text = std::fs::read_to_string(dir.join("leads.ndjson")).expect("leads");
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let json: Json = serde_json::from_str(line).expect("lead is JSON");
            let lead = to_lead(&plan, &json, &[]).expect("lead converts");
            if let Err(e) = agree(&plan, &evaluator, &lead) {
                panic!("{}: {e}", dir.display());
            }
            leads += 1;
        }
    }
    assert!(
        leads >= 60,
        "expected the eval fixtures' leads, found {leads}"
    );
}

#[test]
fn compiled_and_tree_agree_on_the_example_model() {
    let checked =
        leadscore::load_and_check(Path::new("examples/b2b-saas.score")).expect("readable");
    let plan = checked.plan.expect("example checks");
    let evaluator = Evaluator::new(&plan, as_of("2026-11-20"));
    let mut count = 0;
    for generated in leadscore::synthetic::leads(2000, 7) {
        let json: Json =
            serde_json::from_str(&generated.to_ndjson()).expect("a generated lead is JSON");
        count += 1;
        let lead = to_lead(&plan, &json, &[]).expect("a generated lead converts");
        if let Err(e) = agree(&plan, &evaluator, &lead) {
            panic!("{e}");
        }
    }
    assert_eq!(count, 2000);
}
