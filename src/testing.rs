//! Running a model's `test` blocks: each test's lead is read like any
//! record, scored as of the test's instant, and every `expect` evaluated.

use crate::check::{Expectation, Probe, TestCase};
use crate::eval::{AggValue, Evaluator, Outcome, OutputValue};
use crate::lead::{FieldValue, Lead};
use crate::plan::Plan;
use crate::plan::{Output, Value, ValueType};
use crate::record::{to_lead, Json, Problem};
use crate::time::Instant;

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

/// The values an expectation reads, each under the text that reads it, as
/// the test saw them: what a marketer needs to see next to
/// `expect score >= 60 and visits(pricing) within 30d >= 3`.
pub fn values_seen(plan: &Plan, expectation: &Expectation, run: &TestRun) -> Vec<(String, String)> {
    let evaluator = Evaluator::new(plan, run.case.as_of);
    expectation
        .probes
        .iter()
        .filter_map(|(text, probe)| {
            let shown = match probe {
                Probe::Value(value) => value_text(plan, &evaluator, *value, run)?,
                Probe::Cond(cond) => evaluator
                    .test_outcome(cond, &run.lead, &run.outcome)
                    .to_string(),
            };
            Some((text.clone(), shown))
        })
        .collect()
}

fn value_text(plan: &Plan, evaluator: &Evaluator, value: Value, run: &TestRun) -> Option<String> {
    let model = &plan;
    let score = |x: f64| crate::syntax::print::number(crate::eval::round2(x));
    let instant = |t: &Instant| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
    Some(match value {
        Value::Field(id) => match (run.lead.field(id), model.fields.get(id)?.ty) {
            (FieldValue::Missing, _) => "missing".to_string(),
            (FieldValue::Text { raw, .. }, _) => format!("{raw:?}"),
            (FieldValue::Number(n), _) => score(*n),
            (FieldValue::Bool(b), _) => b.to_string(),
            (FieldValue::Date(d), _) => instant(d),
            (FieldValue::Enum(i), ValueType::Enum(e)) => model.enums.get(e)?.get(*i)?.clone(),
            (FieldValue::Enum(i), _) => i.to_string(),
            (FieldValue::List(items), _) => format!("{items:?}"),
        },
        Value::Aggregate(a) => match evaluator.aggregate_value(&run.lead, a)? {
            AggValue::Number(n) => score(n),
            AggValue::Time(Some(t)) => instant(&t),
            AggValue::Time(None) => "missing".to_string(),
        },
        Value::Score => score(run.outcome.score),
        Value::Group(g) => score(*run.outcome.groups.get(g)?),
        Value::Disqualified => (!run.outcome.disqualified_by.is_empty()).to_string(),
        Value::Output(o) => match (model.outputs.get(o)?, run.outcome.outputs.get(o)?) {
            (Output::Threshold { .. }, OutputValue::Threshold(b)) => b.to_string(),
            (Output::Label { values, .. }, OutputValue::Label(v)) => v
                .and_then(|i| values.get(i))
                .cloned()
                .unwrap_or_else(|| "none".to_string()),
            _ => return None,
        },
        Value::Prop(_) | Value::Members(_) => return None,
    })
}
