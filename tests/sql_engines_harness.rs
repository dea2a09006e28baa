#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! The engine harness seen from Rust: the self-test query of
//! `tests/engines/selftest/` through `common::engines::run_batch` on
//! DuckDB, PostgreSQL and Spark, with exact rows.
//!
//! These tests need the engines (`.ci/setup-engines`), so plain `cargo test`
//! skips them; the engine suite runs with
//! `cargo test --test sql_engines_harness -- --ignored`.

mod common;

use common::engines::{run_batch, run_batch_in_zone, Job};
use serde_json::json;

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/engines/selftest/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn selftest_job() -> Job {
    Job {
        layout: serde_json::from_str(&fixture("layout.json")).expect("layout.json"),
        leads_ndjson: fixture("leads.ndjson"),
        events: None,
        sql: fixture("query.sql"),
    }
}

fn selftest_rows() -> Vec<serde_json::Value> {
    vec![
        json!({"id": "a1", "raw": "  Head of Growth ", "t": "head of growth", "n": 2500.0,
               "b": true, "d": "2026-01-02T00:00:00Z", "s": "VP", "p": ["crm", "ads"],
               "n_events": 2, "last_at": "2026-10-02T06:30:00.250Z"}),
        json!({"id": "a2", "raw": null, "t": null, "n": 12.5, "b": false,
               "d": "2026-03-04T05:06:07Z", "s": null, "p": ["x", "Y"],
               "n_events": 0, "last_at": null}),
        json!({"id": "a3", "raw": "CTO", "t": "cto", "n": null, "b": true, "d": null,
               "s": null, "p": null, "n_events": 0, "last_at": null}),
    ]
}

/// A second job in the same session: number ids, no events table, doubles
/// exact.
fn numbers_job() -> Job {
    Job {
        layout: json!({"id_type": "number", "leads": [{"name": "score", "type": "number"}]}),
        leads_ndjson: "{\"id\": 7, \"score\": \"0.1\"}\n{\"id\": 3.5, \"score\": 1e16}\n".into(),
        events: None,
        sql: "SELECT id, score * 3 AS x FROM leads ORDER BY id".into(),
    }
}

/// Events from a separate CSV file, beside those inside the records.
fn events_file_job() -> Job {
    Job {
        events: Some("lead_id,type,at,page\na3,demo,2026-10-05T12:00:00Z,\n".into()),
        sql: "SELECT e.lead_id, e.type, e.at AS t, e.page FROM events e \
              WHERE e.lead_id = 'a3'"
            .into(),
        ..selftest_job()
    }
}

fn check(engine: &str) {
    let rows = run_batch(engine, &[selftest_job(), numbers_job(), events_file_job()])
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0], selftest_rows(), "{engine}: the self-test rows");
    assert_eq!(
        rows[1],
        vec![
            json!({"id": 3.5, "x": 3e16}),
            json!({"id": 7.0, "x": 0.30000000000000004}),
        ],
        "{engine}: number ids and exact doubles"
    );
    assert_eq!(
        rows[2],
        vec![json!({"lead_id": "a3", "type": "demo", "t": "2026-10-05T12:00:00Z", "page": null})],
        "{engine}: the events file"
    );
}

#[test]
#[ignore = "needs engines: .ci/setup-engines"]
fn duckdb_runs_the_selftest_query() {
    check("duckdb");
}

#[test]
#[ignore = "needs engines: .ci/setup-engines"]
fn postgres_runs_the_selftest_query() {
    check("postgres");
}

#[test]
#[ignore = "needs engines: .ci/setup-engines"]
fn spark_runs_the_selftest_query() {
    check("spark");
}

/// The session zone changes nothing in how results are printed.
#[test]
#[ignore = "needs engines: .ci/setup-engines"]
fn results_are_utc_in_any_session_zone() {
    for engine in ["duckdb", "postgres"] {
        let rows = run_batch_in_zone(engine, Some("Pacific/Chatham"), &[selftest_job()])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rows[0], selftest_rows(), "{engine} in Pacific/Chatham");
    }
}

/// A failing job fails the batch, and the message names the job.
#[test]
#[ignore = "needs engines: .ci/setup-engines"]
fn a_failing_query_names_its_job() {
    let bad = Job {
        sql: "SELECT no_such_column FROM leads".into(),
        ..selftest_job()
    };
    let err = run_batch("duckdb", &[selftest_job(), bad]).expect_err("the query fails");
    assert!(err.contains("job 1 (1)"), "{err}");
    assert!(err.contains("no_such_column"), "{err}");
}
