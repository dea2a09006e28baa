#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! The SQL backend against a second opinion: every eval fixture and the
//! example model, compiled for an engine, run on it over the fixture's
//! leads (loaded by the engine harness, `tests/engines/`), and compared
//! lead by lead with the native evaluator: scores, groups, thresholds,
//! labels, the disqualification, the reasons, and which leads are
//! rejected. Each engine runs every case in one session, in a session time
//! zone far from UTC, which the queries must not depend on.
//!
//! These need the engines (`.ci/setup-engines` installs them), so they are
//! ignored by a plain `cargo test`: `cargo test --test sql_engines --
//! --ignored`.

mod common;

use std::path::{Path, PathBuf};

use common::engines::{run_batch_in_zone, Job};

use leadscore::lead_json;
use leadscore::plan::Plan;
use leadscore::plan::ValueType;
use leadscore::Evaluator;
use leadscore::{to_lead, Json};
use leadscore::{to_sql, DialectName, SqlOptions};
use serde_json::{json, Value};

/// A model, its leads and the instant they are scored as of.
struct Case {
    name: String,
    model: PathBuf,
    leads: PathBuf,
    as_of: String,
    /// The engines whose dialect must refuse the model (E050).
    refused_by: &'static [&'static str],
}

/// A fixture folder: `model.score`, `leads.ndjson`, `as_of.txt`.
fn fixture_case(dir: &Path, name: String, refused_by: &'static [&'static str]) -> Case {
    Case {
        name,
        model: dir.join("model.score"),
        leads: dir.join("leads.ndjson"),
        as_of: std::fs::read_to_string(dir.join("as_of.txt"))
            .expect("as_of.txt")
            .trim()
            .to_string(),
        refused_by,
    }
}

/// The example model on its leads, as of the README's instant.
fn example_case() -> Case {
    Case {
        name: "example".to_string(),
        model: PathBuf::from("examples/b2b-saas.score"),
        leads: PathBuf::from("examples/leads.ndjson"),
        as_of: "2026-11-20".to_string(),
        refused_by: &[],
    }
}

/// 10,000 synthetic leads for the example model (`leadscore generate`),
/// written to a scratch file.
fn generated_case(engine: &str) -> Case {
    let count = 10_000;
    let path = std::env::temp_dir().join(format!(
        "leadscore-sql-generated-{engine}-{}.ndjson",
        std::process::id()
    ));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_leadscore"))
        .args(["generate", "--leads", &count.to_string(), "--seed", "7"])
        .output()
        .expect("leadscore generate runs");
    assert!(out.status.success());
    std::fs::write(&path, &out.stdout).expect("scratch file");
    Case {
        name: format!("generated-{count}"),
        leads: path,
        ..example_case()
    }
}

/// Removes the scratch files of the synthetic cases.
fn remove_generated(cases: &[Case]) {
    for case in cases.iter().filter(|c| c.name.starts_with("generated")) {
        std::fs::remove_file(&case.leads).ok();
    }
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("tests/fixtures/eval")
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        cases.push(fixture_case(&dir, name, &[]));
    }
    for (name, refused_by) in [("edge", &[][..]), ("unicode_regex", &["postgres"][..])] {
        let dir = Path::new("tests/fixtures/sql").join(name);
        cases.push(fixture_case(&dir, format!("sql-{name}"), refused_by));
    }
    cases.push(example_case());
    cases
}

fn plan_of(path: &Path) -> Plan {
    let checked = leadscore::load_and_check(path).expect("model is readable");
    checked.plan.expect("model checks")
}

fn type_name(ty: ValueType) -> &'static str {
    match ty {
        ValueType::Text => "text",
        ValueType::Number => "number",
        ValueType::Bool => "bool",
        ValueType::Date => "date",
        ValueType::Enum(_) => "enum",
        ValueType::TextList => "list",
    }
}

/// The relations' columns as the harness loads them.
fn layout(plan: &Plan) -> Value {
    let leads: Vec<Value> = plan
        .fields
        .iter()
        .map(|f| json!({"name": f.name, "type": type_name(f.ty), "key": f.key}))
        .collect();
    let mut events: Vec<Value> = Vec::new();
    for event in plan.events.iter() {
        for prop in event.props.iter() {
            if !events.iter().any(|e| e["name"] == prop.name.as_str()) {
                events.push(json!({"name": prop.name, "type": type_name(prop.ty)}));
            }
        }
    }
    if plan.events.is_empty() {
        json!({ "leads": leads })
    } else {
        json!({"leads": leads, "events": events})
    }
}

/// The id as text, the way the harness loads it.
fn id_text(id: &Value) -> String {
    match id {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Account reasons with each member id as its text: a table's `id` column
/// has one type, where a records file may mix numbers and strings.
fn members_as_text(reasons: &Value) -> Value {
    let mut reasons = reasons.clone();
    for reason in reasons.as_array_mut().into_iter().flatten() {
        if let Some(members) = reason.get_mut("members").and_then(Value::as_array_mut) {
            for id in members.iter_mut() {
                *id = Value::String(id_text(id));
            }
        }
    }
    reasons
}

/// Equal as JSON values, numbers within rounding noise.
fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_json(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, a)| y.get(k).is_some_and(|b| same_json(a, b)))
        }
        _ => same_number(a, b),
    }
}

fn same_number(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => (x - y).abs() < 1e-9,
        _ => a == b,
    }
}

/// What differs between the native result of a lead and its row.
fn differences(plan: &Plan, native: &Value, row: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut check = |what: &str, expected: &Value, found: &Value| {
        if !same_number(expected, found) {
            out.push(format!("{what}: native {expected}, sql {found}"));
        }
    };
    check("score", &native["score"], &row["score"]);
    for group in plan.groups.iter() {
        check(
            &group.name,
            &native["groups"][&group.name],
            &row[&group.name],
        );
    }
    for output in plan.outputs.iter() {
        let name = output.name();
        let expected = native["thresholds"]
            .get(name)
            .or_else(|| native["labels"].get(name))
            .cloned()
            .unwrap_or(Value::Null);
        check(name, &expected, &row[name]);
    }
    check(
        "disqualified",
        &native["disqualified"],
        &row["disqualified"],
    );
    check("error", &Value::Null, &row["error"]);
    let reasons: Value = row["reasons"]
        .as_str()
        .map(|t| serde_json::from_str(t).expect("reasons are JSON"))
        .unwrap_or(Value::Null);
    let expected = native["reasons"].as_array().cloned().unwrap_or_default();
    let found = reasons.as_array().cloned().unwrap_or_default();
    let same = expected.len() == found.len()
        && expected.iter().zip(&found).all(|(e, f)| {
            e["rule"] == f["rule"]
                && e["group"] == f["group"]
                && same_number(&e["points"], &f["points"])
        });
    if !same {
        out.push(format!("reasons: native {expected:?}, sql {found:?}"));
    }
    out
}

/// Every case compiled for `dialect`, run on `engine`, compared.
fn engine_agrees(dialect: DialectName, engine: &str) {
    let mut all = cases();
    all.push(generated_case(engine));
    let mut failures = Vec::new();
    let mut jobs = Vec::new();
    let mut compiled = Vec::new();
    for case in &all {
        let plan = plan_of(&case.model);
        let as_of = leadscore::time::parse_instant(&case.as_of).expect("as-of");
        let mut options = SqlOptions::new(dialect);
        options.as_of = Some(as_of);
        options.reasons = true;
        let compiled_sql = to_sql(&plan, &options);
        if case.refused_by.contains(&engine) {
            match compiled_sql {
                Err(d) if d.iter().all(|d| d.code.as_str() == "E050") => {}
                other => failures.push(format!(
                    "{}: {engine} should refuse it with E050, got {other:?}",
                    case.name
                )),
            }
            continue;
        }
        match compiled_sql {
            Ok(sql) => {
                jobs.push(Job {
                    layout: layout(&plan),
                    leads_ndjson: std::fs::read_to_string(&case.leads).expect("leads"),
                    events: None,
                    sql,
                });
                compiled.push((case, plan, as_of));
            }
            Err(d) => failures.push(format!("{}: refused: {d:?}", case.name)),
        }
    }
    // The example once more on the engine's clock: the query must run
    // there too (its instants then come from the engine), one row a lead.
    let example = example_case();
    let plan = plan_of(&example.model);
    let now_sql = to_sql(&plan, &SqlOptions::new(dialect)).expect("the example compiles");
    jobs.push(Job {
        layout: layout(&plan),
        leads_ndjson: std::fs::read_to_string(&example.leads).expect("leads"),
        events: None,
        sql: now_sql,
    });
    let mut results = run_batch_in_zone(engine, Some("Pacific/Kiritimati"), &jobs)
        .unwrap_or_else(|e| panic!("{e}"));
    let now_rows = results.pop().unwrap_or_default();
    if now_rows.len() != 58
        || now_rows
            .iter()
            .any(|r| !r["error"].is_null() || r["score"].is_null())
    {
        failures.push(format!("the example on the engine's clock: {now_rows:?}"));
    }
    let mut leads_compared = 0;
    for ((case, plan, as_of), rows) in compiled.iter().zip(&results) {
        let evaluator = Evaluator::new(plan, *as_of);
        let text = std::fs::read_to_string(&case.leads).unwrap();
        let records: Vec<Json> = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).expect("lead is JSON"))
            .collect();
        let ids: Vec<String> = records
            .iter()
            .map(|r| id_text(&r.to_serde()["id"]))
            .collect();
        if rows.len() != records.len() {
            failures.push(format!(
                "{}: {} rows for {} leads",
                case.name,
                rows.len(),
                records.len()
            ));
        }
        let by_id: std::collections::HashMap<String, &Value> =
            rows.iter().map(|r| (id_text(&r["id"]), r)).collect();
        let mut counts: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for id in &ids {
            *counts.entry(id.as_str()).or_default() += 1;
        }
        for (record, id) in records.iter().zip(&ids) {
            let Some(row) = by_id.get(id).copied() else {
                failures.push(format!("{}: no row for lead {id}", case.name));
                continue;
            };
            leads_compared += 1;
            let repeated = counts.get(id.as_str()).copied().unwrap_or(0) > 1;
            match to_lead(plan, record, &[]) {
                Ok(lead) if !repeated => {
                    let native = lead_json(plan, &lead.id, &evaluator.evaluate(&lead), true);
                    for d in differences(plan, &native, row) {
                        failures.push(format!("{} lead {id}: {d}", case.name));
                    }
                }
                _ => {
                    if row["error"].is_null() {
                        failures.push(format!(
                            "{} lead {id}: rejected natively, but the query gives no error",
                            case.name
                        ));
                    }
                }
            }
        }
    }
    eprintln!(
        "{engine}: {} cases, {leads_compared} leads compared, {} differences",
        all.len(),
        failures.len()
    );
    remove_generated(&all);
    assert!(all.len() >= 20, "expected every eval fixture");
    assert!(leads_compared >= 200, "expected every lead of every case");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The account fixtures and the example, scored by account.
fn account_cases() -> Vec<Case> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("tests/fixtures/accounts")
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let mut cases: Vec<Case> = dirs
        .iter()
        .map(|dir| {
            let name = dir.file_name().unwrap().to_string_lossy().to_string();
            fixture_case(dir, name, &[])
        })
        .collect();
    cases.push(example_case());
    cases
}

/// `leadscore score --accounts --format ndjson` of a case.
fn native_accounts(case: &Case) -> Vec<Value> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_leadscore"))
        .arg("score")
        .arg(&case.model)
        .arg(&case.leads)
        .args(["--as-of", &case.as_of, "--accounts", "--explain"])
        .args(["--format", "ndjson"])
        .args(["--on-error", "skip"])
        .output()
        .expect("leadscore runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("account is JSON"))
        .collect()
}

/// Every account case compiled with `--accounts` for `dialect`, run on
/// `engine`, compared account by account.
fn engine_agrees_on_accounts(dialect: DialectName, engine: &str) {
    let mut all = account_cases();
    all.push(generated_case(engine));
    let mut jobs = Vec::new();
    let mut plans = Vec::new();
    for case in &all {
        let plan = plan_of(&case.model);
        let mut options = SqlOptions::new(dialect);
        options.as_of = Some(leadscore::time::parse_instant(&case.as_of).expect("as-of"));
        options.accounts = true;
        options.reasons = true;
        let sql = to_sql(&plan, &options).unwrap_or_else(|d| panic!("{}: {d:?}", case.name));
        jobs.push(Job {
            layout: layout(&plan),
            leads_ndjson: std::fs::read_to_string(&case.leads).expect("leads"),
            events: None,
            sql,
        });
        plans.push(plan);
    }
    let results = run_batch_in_zone(engine, Some("Pacific/Kiritimati"), &jobs)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut failures = Vec::new();
    let mut compared = 0;
    for ((case, plan), rows) in all.iter().zip(&plans).zip(&results) {
        let native = native_accounts(case);
        if native.len() != rows.len() {
            failures.push(format!(
                "{}: native {} accounts, sql {}",
                case.name,
                native.len(),
                rows.len()
            ));
        }
        let by_key: std::collections::HashMap<&str, &Value> = rows
            .iter()
            .map(|r| (r["account"].as_str().unwrap_or_default(), r))
            .collect();
        for account in &native {
            let key = leadscore::fold(account["account"].as_str().unwrap_or_default());
            let Some(row) = by_key.get(key.as_str()).copied() else {
                failures.push(format!("{}: no row for account {key}", case.name));
                continue;
            };
            compared += 1;
            let mut check = |what: &str, expected: &Value, found: &Value| {
                if !same_json(expected, found) {
                    failures.push(format!(
                        "{} account {key} {what}: native {expected}, sql {found}",
                        case.name
                    ));
                }
            };
            check("members", &account["members"], &row["members"]);
            check("score", &account["score"], &row["score"]);
            let reasons: Value = row["reasons"]
                .as_str()
                .map(|t| serde_json::from_str(t).expect("reasons are JSON"))
                .unwrap_or(Value::Null);
            check(
                "reasons",
                &members_as_text(&account["reasons"]),
                &members_as_text(&reasons),
            );
            if let Some(block) = &plan.account {
                for output in block.outputs.iter() {
                    let name = output.name();
                    let expected = account["thresholds"]
                        .get(name)
                        .or_else(|| account["labels"].get(name))
                        .cloned()
                        .unwrap_or(Value::Null);
                    check(name, &expected, &row[name]);
                }
            }
        }
    }
    eprintln!(
        "{engine}: {} account cases, {compared} accounts compared, {} differences",
        all.len(),
        failures.len()
    );
    remove_generated(&all);
    assert!(compared >= 10, "expected the accounts of every case");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The fold the queries use equals the plain fold mapping on every code
/// point, on `engine`: where a dialect takes `lower()` for text without
/// special code points, this checks that the engine's `lower()` is the
/// per-character mapping it is assumed to be.
fn fold_agrees_on_every_code_point(dialect: DialectName, engine: &str) {
    let (fold, plain) = dialect.fold_expressions("c");
    let sql = format!(
        "SELECT count(*) AS mismatches, min(i) AS first FROM (SELECT i, chr(CAST(i AS INTEGER)) AS c FROM range(1, 1114112) AS r(i) WHERE i < 55296 OR i > 57343) AS t WHERE {fold} IS DISTINCT FROM {plain}"
    );
    let plan = plan_of(Path::new("tests/fixtures/cli/small.score"));
    let job = Job {
        layout: layout(&plan),
        leads_ndjson: String::new(),
        events: None,
        sql,
    };
    let rows = run_batch_in_zone(engine, None, &[job]).unwrap_or_else(|e| panic!("{e}"));
    let row = &rows[0][0];
    assert_eq!(row["mismatches"], json!(0), "{engine}: {row}");
}

#[test]
#[ignore = "needs DuckDB (.ci/setup-engines); run with --ignored"]
fn duckdb_scores_every_fixture_and_account_as_leadscore_does() {
    fold_agrees_on_every_code_point(DialectName::Duckdb, "duckdb");
    engine_agrees(DialectName::Duckdb, "duckdb");
    engine_agrees_on_accounts(DialectName::Duckdb, "duckdb");
}

#[test]
#[ignore = "needs PostgreSQL (.ci/setup-engines); run with --ignored"]
fn postgres_scores_every_fixture_and_account_as_leadscore_does() {
    engine_agrees(DialectName::Postgres, "postgres");
    engine_agrees_on_accounts(DialectName::Postgres, "postgres");
}

#[test]
#[ignore = "needs Spark (.ci/setup-engines); run with --ignored"]
fn spark_scores_every_fixture_and_account_as_leadscore_does() {
    engine_agrees(DialectName::Spark, "spark");
    engine_agrees_on_accounts(DialectName::Spark, "spark");
}
