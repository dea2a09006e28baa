#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! The SQL backend's queries, locked per dialect: the example model and
//! every eval fixture, as of the fixture's instant; the example without
//! `--as-of` (the engine's clock); the refusals (E050, E051) and the
//! command line. That the queries score as `leadscore score` does is
//! `tests/sql_engines.rs`' job, on the engines themselves.

use std::path::Path;
use std::process::Command;

use leadscore::plan::Plan;
use leadscore::{to_sql, DialectName, SqlOptions, TableName};

const DIALECTS: [(DialectName, &str); 5] = [
    (DialectName::Duckdb, "duckdb"),
    (DialectName::Postgres, "postgres"),
    (DialectName::Spark, "spark"),
    (DialectName::Bigquery, "bigquery"),
    (DialectName::Snowflake, "snowflake"),
];

fn compile(path: &Path, dialect: DialectName, as_of: Option<&str>) -> Result<String, String> {
    let checked = leadscore::load_and_check(path).expect("model is readable");
    let plan: &Plan = checked.plan.as_ref().expect("model checks");
    let mut options = SqlOptions::new(dialect);
    options.as_of = as_of.map(|t| leadscore::time::parse_instant(t).expect("as-of"));
    options.reasons = true;
    options.spans = Some(&checked.spans);
    to_sql(plan, &options).map_err(|d| leadscore::diagnostic::render(&d, &checked.sources, false))
}

#[test]
fn the_example_model_in_every_dialect() {
    for (dialect, name) in DIALECTS {
        let sql = compile(
            Path::new("examples/b2b-saas.score"),
            dialect,
            Some("2026-11-20"),
        )
        .expect("the example compiles");
        insta::assert_snapshot!(format!("example_{name}"), sql);
    }
}

#[test]
fn the_example_accounts_in_every_dialect() {
    let checked =
        leadscore::load_and_check(Path::new("examples/b2b-saas.score")).expect("readable");
    let plan = checked.plan.as_ref().expect("model checks");
    for (dialect, name) in DIALECTS {
        let mut options = SqlOptions::new(dialect);
        options.as_of = leadscore::time::parse_instant("2026-11-20");
        options.accounts = true;
        let sql = to_sql(plan, &options).expect("the example's accounts compile");
        insta::assert_snapshot!(format!("example_accounts_{name}"), sql);
        options.reasons = true;
        let sql = to_sql(plan, &options).expect("the example's accounts compile");
        insta::assert_snapshot!(format!("example_accounts_reasons_{name}"), sql);
    }
}

/// `first` blocks in the account block: a rule of a block fires when no
/// earlier rule of its block holds (the engines run it in
/// tests/sql_engines.rs, which reads every account fixture).
#[test]
fn account_first_blocks_in_every_dialect() {
    let path = Path::new("tests/fixtures/accounts/first_blocks/model.score");
    let checked = leadscore::load_and_check(path).expect("readable");
    let plan = checked.plan.as_ref().expect("model checks");
    for (dialect, name) in DIALECTS {
        let mut options = SqlOptions::new(dialect);
        options.as_of = leadscore::time::parse_instant("2026-11-20");
        options.accounts = true;
        options.reasons = true;
        let sql = to_sql(plan, &options).expect("the fixture's accounts compile");
        insta::assert_snapshot!(format!("account_first_blocks_{name}"), sql);
    }
}

#[test]
fn accounts_need_an_account_block_and_may_have_reasons() {
    let without_block = leadscore(&[
        "compile",
        "tests/fixtures/cli/small.score",
        "--emit",
        "sql",
        "--dialect",
        "duckdb",
        "--accounts",
    ]);
    assert_eq!(without_block.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&without_block.stderr).contains("no `account` block"));
    let with_reasons = leadscore(&[
        "compile",
        "examples/b2b-saas.score",
        "--emit",
        "sql",
        "--dialect",
        "duckdb",
        "--accounts",
        "--reasons",
    ]);
    assert_eq!(with_reasons.status.code(), Some(0));
    let sql = String::from_utf8_lossy(&with_reasons.stdout);
    assert!(sql.contains("AS \"reasons\""), "{sql}");
}

#[test]
fn the_example_model_on_the_engines_clock() {
    for (dialect, name) in DIALECTS {
        let sql = compile(Path::new("examples/b2b-saas.score"), dialect, None)
            .expect("the example compiles");
        assert!(sql.contains("as of now"), "{name}");
        insta::assert_snapshot!(format!("example_now_{name}"), sql);
    }
}

#[test]
fn every_eval_fixture_in_every_dialect() {
    insta::glob!("fixtures/eval/*/model.score", |path| {
        let as_of = std::fs::read_to_string(path.with_file_name("as_of.txt")).expect("as_of");
        for (dialect, name) in DIALECTS {
            let sql = compile(path, dialect, Some(as_of.trim())).expect("the fixture compiles");
            insta::assert_snapshot!(name, sql);
        }
    });
}

/// A model of one rule in a scratch directory.
fn model_file(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("leadscore-sql-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("model.score");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_pattern_an_engine_reads_differently_is_refused_with_e050() {
    let path = Path::new("tests/fixtures/sql/refused_regex.score");
    let mut refused = Vec::new();
    for (dialect, name) in DIALECTS {
        match compile(path, dialect, Some("2026-01-01")) {
            Ok(sql) => refused.push(format!("{name}: compiles\n{}", sql.lines().count())),
            Err(rendered) => refused.push(format!("{name}:\n{rendered}")),
        }
    }
    let all = refused.join("\n");
    // `\w` is Unicode in Rust and in Java with (?U); RE2 and POSIX read
    // it otherwise.
    assert!(all.contains("E050"));
    assert!(all.contains("spark: compiles"));
    insta::assert_snapshot!(all);
}

#[test]
fn a_property_with_two_types_is_refused_with_e051() {
    let path = Path::new("tests/fixtures/sql/refused_layout.score");
    let rendered = compile(path, DialectName::Duckdb, Some("2026-01-01")).unwrap_err();
    assert!(rendered.contains("E051"));
    insta::assert_snapshot!(rendered);
}

#[test]
fn a_rule_name_cannot_end_its_comment() {
    let path = model_file(
        "comment",
        "lead { title: text }\nwhen title = VP +5 \"vp\\n) SELECT 1; --\"\n",
    );
    let sql = compile(&path, DialectName::Postgres, Some("2026-01-01")).expect("compiles");
    assert!(sql.contains("-- rule 0: vp\\n) SELECT 1; --"));
    assert!(!sql.contains("\n) SELECT 1"));
}

#[test]
fn table_names_are_one_to_three_identifiers() {
    for good in ["leads", "crm.leads", "wh.crm.leads", "_x.y_2"] {
        assert!(TableName::parse(good).is_ok(), "{good}");
    }
    for bad in [
        "",
        "a.b.c.d",
        "1leads",
        "crm..leads",
        "leads;drop",
        "\"leads\"",
        "a b",
    ] {
        assert!(TableName::parse(bad).is_err(), "{bad}");
    }
}

fn leadscore(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_leadscore"))
        .args(args)
        .output()
        .expect("leadscore runs")
}

#[test]
fn compile_emits_sql_with_qualified_tables() {
    let o = leadscore(&[
        "compile",
        "examples/b2b-saas.score",
        "--emit",
        "sql",
        "--dialect",
        "spark",
        "--as-of",
        "2026-11-20",
        "--leads",
        "crm.leads",
        "--events",
        "crm.events",
        "--reasons",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let sql = String::from_utf8_lossy(&o.stdout);
    assert!(sql.contains("FROM `crm`.`leads` AS l"));
    assert!(sql.contains("FROM `crm`.`events` AS e"));
    assert!(sql.contains("AS `reasons`"));
}

#[test]
fn compile_sql_usage_errors_exit_2() {
    let cases: [&[&str]; 4] = [
        &["--emit", "sql"],
        &["--emit", "sql", "--dialect", "duckdb", "--leads", "a.b.c.d"],
        &["--emit", "sql", "--dialect", "duckdb", "--events", "x;y"],
        &["--emit", "plan", "--dialect", "duckdb"],
    ];
    for args in cases {
        let mut all = vec!["compile", "examples/b2b-saas.score"];
        all.extend_from_slice(args);
        let o = leadscore(&all);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(!o.stderr.is_empty(), "{args:?}");
        assert!(o.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn a_refusal_exits_1_with_its_code() {
    let path = model_file(
        "cli",
        "lead { email: text }\nwhen email matches \"\\\\bx\" +5\n",
    );
    let o = leadscore(&[
        "compile",
        path.to_str().unwrap(),
        "--emit",
        "sql",
        "--dialect",
        "duckdb",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("E050"));
    assert!(o.stdout.is_empty());
}
