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

/// The values an expectation reads, by name, as the test saw them: what a
/// marketer needs to see next to `expect score >= 60 and grade = A`.
pub fn values_seen(
    plan: &Plan,
    condition: &crate::check::Cond,
    run: &TestRun,
) -> Vec<(String, String)> {
    use crate::check::{Cond, Output, Value, ValueType};
    use crate::eval::{FieldValue, OutputValue};

    fn collect(c: &Cond, out: &mut Vec<Value>) {
        match c {
            Cond::And(items) | Cond::Or(items) => items.iter().for_each(|c| collect(c, out)),
            Cond::Not(c) => collect(c, out),
            Cond::Test(v, _) | Cond::Truthy(v) | Cond::Within(v, _) => {
                if !out.contains(v) {
                    out.push(*v);
                }
            }
            Cond::Invalid => {}
        }
    }
    let mut values = Vec::new();
    collect(condition, &mut values);
    let model = &plan.model;
    let score = |x: f64| crate::syntax::display::number(crate::eval::round2(x));
    values
        .into_iter()
        .filter_map(|v| match v {
            Value::Field(id) => {
                let field = model.fields.get(id)?;
                let shown = match (run.lead.fields.get(id)?, field.ty) {
                    (FieldValue::Missing, _) => "missing".to_string(),
                    (FieldValue::Text { raw, .. }, _) => format!("{raw:?}"),
                    (FieldValue::Number(n), _) => score(*n),
                    (FieldValue::Bool(b), _) => b.to_string(),
                    (FieldValue::Date(d), _) => d.to_rfc3339(),
                    (FieldValue::Enum(i), ValueType::Enum(e)) => model
                        .enums
                        .get(e)
                        .and_then(|v| v.get(*i))
                        .cloned()
                        .unwrap_or_default(),
                    (FieldValue::Enum(i), _) => i.to_string(),
                    (FieldValue::List(items), _) => format!("{items:?}"),
                };
                Some((field.name.clone(), shown))
            }
            Value::Score => Some(("score".to_string(), score(run.outcome.score))),
            Value::Group(g) => Some((
                model.groups.get(g)?.name.clone(),
                score(*run.outcome.groups.get(g)?),
            )),
            Value::Disqualified => Some((
                "disqualified".to_string(),
                (!run.outcome.disqualified_by.is_empty()).to_string(),
            )),
            Value::Output(o) => {
                let shown = match (model.outputs.get(o)?, run.outcome.outputs.get(o)?) {
                    (Output::Threshold { .. }, OutputValue::Threshold(b)) => b.to_string(),
                    (Output::Label { values, .. }, OutputValue::Label(v)) => v
                        .and_then(|i| values.get(i))
                        .cloned()
                        .unwrap_or_else(|| "none".to_string()),
                    _ => return None,
                };
                Some((model.outputs.get(o)?.name().to_string(), shown))
            }
            Value::Aggregate(_) | Value::Prop(_) | Value::Members(_) => None,
        })
        .collect()
}
