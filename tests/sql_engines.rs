#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! The SQL backend against a second opinion: every eval fixture and the
//! example model, compiled for an engine, run on it over the fixture's
//! leads (loaded by `tests/sql_engines/run.py`), and compared lead by lead
//! with the native evaluator: scores, groups, thresholds, labels, the
//! disqualification, the reasons, and which leads are rejected.
//!
//! These need the engines installed (the `duckdb` Python package; Debian's
//! `postgresql`), so they are ignored by a plain `cargo test`:
//! `cargo test --test sql_engines -- --ignored`.

use std::path::{Path, PathBuf};
use std::process::Command;

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
        cases.push(Case {
            name: dir.file_name().unwrap().to_string_lossy().to_string(),
            model: dir.join("model.score"),
            leads: dir.join("leads.ndjson"),
            as_of: std::fs::read_to_string(dir.join("as_of.txt"))
                .expect("as_of.txt")
                .trim()
                .to_string(),
        });
    }
    cases.push(Case {
        name: "example".to_string(),
        model: PathBuf::from("examples/b2b-saas.score"),
        leads: PathBuf::from("examples/leads.ndjson"),
        as_of: "2026-11-20".to_string(),
    });
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
    json!({"leads": leads, "events": events})
}

/// The id as text, the way the harness loads it.
fn id_text(id: &Value) -> String {
    match id {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn run_engine(engine: &str, dir: &Path, case: &Case, sql: &str, plan: &Plan) -> Vec<Value> {
    let layout_path = dir.join(format!("{}.layout.json", case.name));
    let sql_path = dir.join(format!("{}.{engine}.sql", case.name));
    std::fs::write(&layout_path, layout(plan).to_string()).unwrap();
    std::fs::write(&sql_path, sql).unwrap();
    let out = Command::new("python3")
        .arg("tests/sql_engines/run.py")
        .args(["--engine", engine])
        .arg("--layout")
        .arg(&layout_path)
        .arg("--leads")
        .arg(&case.leads)
        .arg("--sql")
        .arg(&sql_path)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{} on {engine}: {}\n(query in {})",
        case.name,
        String::from_utf8_lossy(&out.stderr),
        sql_path.display()
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("row is JSON"))
        .collect()
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
    let dir = std::env::temp_dir().join(format!("leadscore-sql-{engine}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut failures = Vec::new();
    let mut leads_compared = 0;
    let all = cases();
    for case in &all {
        let plan = plan_of(&case.model);
        let as_of = leadscore::time::parse_instant(&case.as_of).expect("as-of");
        let mut options = SqlOptions::new(dialect);
        options.as_of = Some(as_of);
        options.reasons = true;
        let sql = match to_sql(&plan, &options) {
            Ok(sql) => sql,
            Err(d) => {
                failures.push(format!("{}: refused: {d:?}", case.name));
                continue;
            }
        };
        let rows = run_engine(engine, &dir, case, &sql, &plan);
        let evaluator = Evaluator::new(&plan, as_of);
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
        for (record, id) in records.iter().zip(&ids) {
            let Some(row) = rows.iter().find(|r| id_text(&r["id"]) == *id) else {
                failures.push(format!("{}: no row for lead {id}", case.name));
                continue;
            };
            leads_compared += 1;
            let repeated = ids.iter().filter(|i| *i == id).count() > 1;
            match to_lead(&plan, record, &[]) {
                Ok(lead) if !repeated => {
                    let native = lead_json(&plan, &lead.id, &evaluator.evaluate(&lead), true);
                    for d in differences(&plan, &native, row) {
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
    assert!(all.len() >= 20, "expected every eval fixture");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
#[ignore = "needs DuckDB (pip install duckdb); run with --ignored"]
fn duckdb_scores_every_fixture_as_leadscore_does() {
    engine_agrees(DialectName::Duckdb, "duckdb");
}

#[test]
#[ignore = "needs PostgreSQL (initdb, pg_ctl); run with --ignored"]
fn postgres_scores_every_fixture_as_leadscore_does() {
    engine_agrees(DialectName::Postgres, "postgres");
}
