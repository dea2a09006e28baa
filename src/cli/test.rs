//! `leadscore test`: run the `test` blocks of models.

use std::path::PathBuf;

use clap::Args;

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
}

pub fn run(args: &TestArgs, color: bool) -> Exit {
    let mut passed = 0usize;
    let mut failed = 0usize;
    let mut exit = Exit::Success;
    for path in &args.models {
        let (plan, tests) = match checked_model(path, color) {
            Ok(p) => (p.plan, p.tests),
            Err(e) => {
                exit = if exit == Exit::Usage { exit } else { e };
                continue;
            }
        };
        for case in &tests {
            if let Some(filter) = &args.filter {
                if !case.name.contains(filter.as_str()) {
                    continue;
                }
            }
            let run = match run_test(&plan, case) {
                Ok(run) => run,
                Err(problem) => {
                    failed += 1;
                    outln!("FAIL {} — {}", path.display(), case.name);
                    outln!("    the test's lead cannot be read: {}", problem.expected);
                    continue;
                }
            };
            if run.passed() {
                passed += 1;
                outln!("ok   {} — {}", path.display(), case.name);
                continue;
            }
            failed += 1;
            outln!("FAIL {} — {}", path.display(), case.name);
            for f in &run.failures {
                outln!("    expect {}", f.source);
                let seen: Vec<String> = crate::testing::values_seen(&plan, f, &run)
                    .into_iter()
                    .map(|(name, value)| format!("{name} = {value}"))
                    .collect();
                if !seen.is_empty() {
                    outln!("      but {}", seen.join(", "));
                }
            }
            let (lead, outcome) = (&run.lead, &run.outcome);
            let seen = lead_json(&plan, &lead.id, outcome, false);
            outln!("    saw {seen}");
            let as_of = case
                .as_of
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            for line in explanation(&plan, &lead.id, outcome, &as_of).lines() {
                outln!("    |{}{line}", if line.is_empty() { "" } else { " " });
            }
        }
    }
    outln!("{passed} passed, {failed} failed");
    if failed > 0 && exit == Exit::Success {
        exit = Exit::Findings;
    }
    exit
}
