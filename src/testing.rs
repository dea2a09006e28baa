//! Running a model's `test` blocks: each test's lead is read like any
//! record, scored as of the test's instant, and every `expect` evaluated.

use crate::check::{Expectation, TestCase};
use crate::eval::{Evaluator, Lead, Outcome};
use crate::plan::Plan;
use crate::record::{to_lead, Json, Problem};

pub struct TestRun<'p> {
    pub case: &'p TestCase,
    pub lead: Lead,
    pub outcome: Outcome,
    /// The expectations that did not hold, in order.
    pub failures: Vec<&'p Expectation>,
}

impl TestRun<'_> {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Runs one test; `Err` when its lead cannot be read as a record.
pub fn run_test<'p>(plan: &Plan, case: &'p TestCase) -> Result<TestRun<'p>, Problem> {
    let lead = to_lead(plan, &Json::from_serde(&case.record), &[])?;
    let evaluator = Evaluator::new(plan, case.as_of);
    let outcome = evaluator.evaluate(&lead);
    let failures = case
        .expects
        .iter()
        .filter(|e| !evaluator.test_outcome(&e.condition, &lead, &outcome))
        .collect();
    Ok(TestRun {
        case,
        lead,
        outcome,
        failures,
    })
}
