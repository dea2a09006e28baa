//! `leadscore test`: run the `test` blocks of models.

use std::path::PathBuf;

use clap::Args;

use super::{plan_model, Exit};
use crate::eval::Evaluator;
use crate::output::{explanation, lead_json};
use crate::record::{to_lead, Json};

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
        let plan = match plan_model(path, color) {
            Ok(p) => p,
            Err(e) => {
                exit = if exit == Exit::Usage { exit } else { e };
                continue;
            }
        };
        for case in &plan.model.tests {
            if let Some(filter) = &args.filter {
                if !case.name.contains(filter.as_str()) {
                    continue;
                }
            }
            let lead = match to_lead(&plan, &Json::from_serde(&case.record), &[]) {
                Ok(l) => l,
                Err(problem) => {
                    failed += 1;
                    outln!("FAIL {} — {}", path.display(), case.name);
                    outln!("    the test's lead cannot be read: {}", problem.expected);
                    continue;
                }
            };
            let evaluator = Evaluator::new(&plan, case.as_of);
            let outcome = evaluator.evaluate(&lead);
            let failures: Vec<&str> = case
                .expects
                .iter()
                .filter(|e| !evaluator.test_outcome(&e.condition, &lead, &outcome))
                .map(|e| e.source.as_str())
                .collect();
            if failures.is_empty() {
                passed += 1;
                outln!("ok   {} — {}", path.display(), case.name);
                continue;
            }
            failed += 1;
            outln!("FAIL {} — {}", path.display(), case.name);
            for f in &failures {
                outln!("    expect {f}");
            }
            let seen = lead_json(&plan, &lead.id, &outcome, false);
            outln!("    saw {seen}");
            let as_of = case
                .as_of
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            for line in explanation(&plan, &lead.id, &outcome, &as_of).lines() {
                outln!("    | {line}");
            }
        }
    }
    outln!("{passed} passed, {failed} failed");
    if failed > 0 && exit == Exit::Success {
        exit = Exit::Findings;
    }
    exit
}
