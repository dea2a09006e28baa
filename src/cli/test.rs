//! `leadscore test`: run the `test` blocks of models; the report as text
//! for people, or as GitHub annotations, JSON or JUnit XML for CI.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde_json::{json, Value};

use super::check::{escape_data, escape_property, github_path};
use super::{checked_model, Exit};
use crate::output::{explanation, lead_json};
use crate::testing::run_test;

#[derive(Args, Debug)]
pub struct TestArgs {
    /// Model files (.score).
    #[arg(required = true)]
    pub models: Vec<PathBuf>,
    /// Run only the tests whose names contain this text.
    #[arg(long)]
    pub filter: Option<String>,
    /// How to report the results.
    #[arg(long, value_enum, default_value_t = TestFormat::Text)]
    pub format: TestFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TestFormat {
    /// `ok`/`FAIL` lines with what a failing test saw, on stdout.
    Text,
    /// GitHub Actions `::error` commands at each failing `expect` on
    /// stdout, so a pull request shows them; the text report on stderr.
    Github,
    /// One JSON object: every test, its failures, the counts.
    Json,
    /// A JUnit XML report, which most CI systems display.
    Junit,
}

/// One test's result, as every format reports it.
struct Ran {
    file: String,
    name: String,
    line: usize,
    /// The expectations that failed: their text, line and what they saw.
    failures: Vec<Failure>,
    /// The text report of a failing test (what it saw, the explanation).
    details: String,
}

struct Failure {
    expect: String,
    line: usize,
    saw: String,
}

pub fn run(args: &TestArgs, color: bool) -> Exit {
    let mut exit = Exit::Success;
    let mut ran = Vec::new();
    for path in &args.models {
        let model = match checked_model(path, color) {
            Ok(p) => p,
            Err(e) => {
                exit = if exit == Exit::Usage { exit } else { e };
                continue;
            }
        };
        let file = path.display().to_string();
        let line = |span: crate::source::Span| model.sources.line_col(span.file, span.start).0;
        for case in &model.tests {
            if let Some(filter) = &args.filter {
                if !case.name.contains(filter.as_str()) {
                    continue;
                }
            }
            let mut result = Ran {
                file: file.clone(),
                name: case.name.clone(),
                line: line(case.span),
                failures: Vec::new(),
                details: String::new(),
            };
            let run = match run_test(&model.plan, case) {
                Ok(run) => run,
                Err(problem) => {
                    let saw = format!("the test's lead cannot be read: {}", problem.expected);
                    let _ = writeln!(result.details, "    {saw}");
                    result.failures.push(Failure {
                        expect: "a readable lead".to_string(),
                        line: result.line,
                        saw,
                    });
                    ran.push(result);
                    continue;
                }
            };
            if run.passed() {
                ran.push(result);
                continue;
            }
            let plan = &model.plan;
            for f in &run.failures {
                let seen: Vec<String> = crate::testing::values_seen(plan, f, &run)
                    .into_iter()
                    .map(|(name, value)| format!("{name} = {value}"))
                    .collect();
                let _ = writeln!(result.details, "    expect {}", f.source);
                if !seen.is_empty() {
                    let _ = writeln!(result.details, "      but {}", seen.join(", "));
                }
                result.failures.push(Failure {
                    expect: f.source.clone(),
                    line: line(f.span),
                    saw: seen.join(", "),
                });
            }
            let (lead, outcome) = (&run.lead, &run.outcome);
            let seen = lead_json(plan, &lead.id, outcome, false);
            let _ = writeln!(result.details, "    saw {seen}");
            let as_of = case
                .as_of
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            for line in explanation(plan, lead, outcome, &as_of).lines() {
                let gap = if line.is_empty() { "" } else { " " };
                let _ = writeln!(result.details, "    |{gap}{line}");
            }
            ran.push(result);
        }
    }
    let failed = ran.iter().filter(|r| !r.failures.is_empty()).count();
    let passed = ran.len() - failed;
    match args.format {
        TestFormat::Text => outln!("{}", text_report(&ran)),
        TestFormat::Github => {
            for r in &ran {
                for f in &r.failures {
                    outln!("{}", github_command(r, f));
                }
            }
            eprintln!("{}", text_report(&ran));
        }
        TestFormat::Json => outln!("{}", json_report(&ran, passed, failed)),
        TestFormat::Junit => out!("{}", junit_report(&ran, failed)),
    }
    if failed > 0 && exit == Exit::Success {
        exit = Exit::Findings;
    }
    exit
}

fn text_report(ran: &[Ran]) -> String {
    let mut out = String::new();
    for r in ran {
        let status = if r.failures.is_empty() {
            "ok  "
        } else {
            "FAIL"
        };
        let _ = writeln!(out, "{status} {} — {}", r.file, r.name);
        out.push_str(&r.details);
    }
    let failed = ran.iter().filter(|r| !r.failures.is_empty()).count();
    let _ = write!(out, "{} passed, {failed} failed", ran.len() - failed);
    out
}

/// `::error file=F,line=L,title=...::message` at a failing `expect`.
fn github_command(r: &Ran, f: &Failure) -> String {
    let but = if f.saw.is_empty() {
        String::new()
    } else {
        format!(" but {}", f.saw)
    };
    format!(
        "::error file={},line={},title={}::expect {}{but}",
        escape_property(github_path(&r.file)),
        f.line,
        escape_property(&format!("test failed: {}", r.name)),
        escape_data(&f.expect),
    )
}

fn json_report(ran: &[Ran], passed: usize, failed: usize) -> Value {
    let tests: Vec<Value> = ran
        .iter()
        .map(|r| {
            let failures: Vec<Value> = r
                .failures
                .iter()
                .map(|f| json!({ "expect": f.expect, "line": f.line, "saw": f.saw }))
                .collect();
            json!({
                "file": r.file,
                "name": r.name,
                "line": r.line,
                "passed": r.failures.is_empty(),
                "failures": failures,
            })
        })
        .collect();
    json!({ "tests": tests, "passed": passed, "failed": failed })
}

/// A JUnit XML report: one `testsuite` for the run, one `testcase` a
/// test, a `failure` with the text report of a failing one.
fn junit_report(ran: &[Ran], failed: usize) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        xml,
        "<testsuites name=\"leadscore\" tests=\"{}\" failures=\"{failed}\">",
        ran.len()
    );
    let _ = writeln!(
        xml,
        "  <testsuite name=\"model tests\" tests=\"{}\" failures=\"{failed}\">",
        ran.len()
    );
    for r in ran {
        let _ = write!(
            xml,
            "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{}\"",
            xml_escape(&r.name),
            xml_escape(&r.file),
            xml_escape(&r.file),
            r.line
        );
        match r.failures.first() {
            None => xml.push_str("/>\n"),
            Some(first) => {
                let _ = writeln!(
                    xml,
                    ">\n      <failure message=\"expect {}\">{}</failure>\n    </testcase>",
                    xml_escape(&first.expect),
                    xml_escape(&r.details)
                );
            }
        }
    }
    xml.push_str("  </testsuite>\n</testsuites>\n");
    xml
}

fn xml_escape(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .fold(String::with_capacity(text.len()), |mut out, c| {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&apos;"),
                _ => out.push(c),
            }
            out
        })
}
