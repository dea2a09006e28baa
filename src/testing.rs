//! Running a model's `test` blocks: each test's leads are read like any
//! records, scored as of the test's instant and tallied into accounts, and
//! every `expect` evaluated on its lead or account.

use crate::check::{Expectation, Probe, Subject, TestCase};
use crate::eval::account::{domain, membership, AccountResult, Accounts};
use crate::eval::{AggValue, Evaluator, Outcome, OutputValue};
use crate::lead::{FieldValue, Lead};
use crate::plan::Plan;
use crate::plan::{IdVec, MemberTestId, Output, Value, ValueType};
use crate::record::{to_lead, Json, Problem};
use crate::text::fold;
use crate::time::Instant;

/// One lead of a test, scored.
pub struct TestLead {
    pub lead: Lead,
    pub outcome: Outcome,
    /// The key of its account (folded), if it belongs to one.
    pub account: Option<String>,
}

pub struct TestRun<'p> {
    pub case: &'p TestCase,
    /// The test's leads, in the order written.
    pub leads: Vec<TestLead>,
    /// The accounts its leads form, in the order of first appearance.
    pub accounts: Vec<AccountResult>,
    /// The expectations that did not hold, in order.
    pub failures: Vec<&'p Expectation>,
}

impl TestRun<'_> {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }

    /// The account an `expect account` names; `None` when no lead of the
    /// test belongs to it.
    pub fn account(&self, plan: &Plan, key: &str) -> Option<&AccountResult> {
        let wanted = account_key(plan, key);
        self.accounts.iter().find(|a| fold(&a.key) == wanted)
    }

    /// An account's member counts for the test's own `members(where ...)`.
    fn members(&self, evaluator: &Evaluator, key: &str) -> IdVec<MemberTestId, f64> {
        let wanted = account_key(evaluator.plan(), key);
        let members: Vec<&TestLead> = self
            .leads
            .iter()
            .filter(|l| l.account.as_deref() == Some(wanted.as_str()))
            .collect();
        self.case
            .member_tests
            .iter()
            .map(|t| {
                members
                    .iter()
                    .filter(|m| {
                        t.condition
                            .as_ref()
                            .is_none_or(|c| evaluator.test_outcome(c, &m.lead, &m.outcome))
                    })
                    .count() as f64
            })
            .collect()
    }
}

/// An account key as written in a test, as the model compares keys.
fn account_key(plan: &Plan, key: &str) -> String {
    match plan.account.as_ref().is_some_and(|a| a.domain_of) {
        true => domain(key).unwrap_or_else(|| fold(key)),
        false => fold(key),
    }
}

/// Runs one test; `Err` when one of its leads cannot be read as a record.
pub fn run_test<'p>(plan: &Plan, case: &'p TestCase) -> Result<TestRun<'p>, Problem> {
    let evaluator = Evaluator::new(plan, case.as_of);
    let mut accounts = Accounts::new(plan, false);
    let mut leads = Vec::with_capacity(case.leads.len());
    for record in &case.leads {
        let lead = to_lead(plan, &Json::from_serde(record), &[])?;
        let mut outcome = Outcome::default();
        let mut key = None;
        match &plan.account {
            Some(account) => {
                let passed =
                    evaluator.evaluate_member_into(&lead, &account.member_tests, &mut outcome);
                if let Some(member) = membership(plan, &lead, &outcome, passed) {
                    key = Some(member.key.clone());
                    if let Some(accounts) = accounts.as_mut() {
                        accounts.add(member, &lead.id);
                    }
                }
            }
            None => evaluator.evaluate_into(&lead, &mut outcome),
        }
        leads.push(TestLead {
            lead,
            outcome,
            account: key,
        });
    }
    let mut run = TestRun {
        case,
        leads,
        accounts: accounts.map(|a| a.finish(&evaluator)).unwrap_or_default(),
        failures: Vec::new(),
    };
    run.failures = case
        .expects
        .iter()
        .filter(|e| !holds(&evaluator, e, &run))
        .collect();
    Ok(run)
}

fn holds(evaluator: &Evaluator, expectation: &Expectation, run: &TestRun) -> bool {
    match &expectation.subject {
        Subject::Lead(i) => run
            .leads
            .get(*i)
            .is_some_and(|l| evaluator.test_outcome(&expectation.condition, &l.lead, &l.outcome)),
        Subject::Account(key) => run.account(evaluator.plan(), key).is_some_and(|a| {
            let members = run.members(evaluator, key);
            evaluator.test_account(&expectation.condition, &a.score, &members)
        }),
    }
}

/// The values an expectation reads, each under the text that reads it, as
/// the test saw them: what a marketer needs to see next to
/// `expect score >= 60 and visits(pricing) within 30d >= 3`.
pub fn values_seen(plan: &Plan, expectation: &Expectation, run: &TestRun) -> Vec<(String, String)> {
    let evaluator = Evaluator::new(plan, run.case.as_of);
    let lead = match &expectation.subject {
        Subject::Lead(i) => match run.leads.get(*i) {
            Some(lead) => lead,
            None => return Vec::new(),
        },
        Subject::Account(key) => return account_seen(plan, &evaluator, expectation, run, key),
    };
    expectation
        .probes
        .iter()
        .filter_map(|(text, probe)| {
            let shown = match probe {
                Probe::Value(value) => value_text(plan, &evaluator, *value, lead)?,
                Probe::Cond(cond) => evaluator
                    .test_outcome(cond, &lead.lead, &lead.outcome)
                    .to_string(),
            };
            Some((text.clone(), shown))
        })
        .collect()
}

/// What an `expect account` read: the account's score, thresholds, labels
/// and member counts, or that no lead of the test belongs to it.
fn account_seen(
    plan: &Plan,
    evaluator: &Evaluator,
    expectation: &Expectation,
    run: &TestRun,
    key: &str,
) -> Vec<(String, String)> {
    let Some(account) = run.account(plan, key) else {
        let formed: Vec<&str> = run.accounts.iter().map(|a| a.key.as_str()).collect();
        let formed = match formed.is_empty() {
            true => "none".to_string(),
            false => formed.join(", "),
        };
        return vec![("the accounts the test's leads form".to_string(), formed)];
    };
    let members = run.members(evaluator, key);
    let score = |x: f64| crate::syntax::print::number(crate::eval::round2(x));
    expectation
        .probes
        .iter()
        .filter_map(|(text, probe)| {
            let shown = match probe {
                Probe::Value(Value::Score) => score(account.score.score),
                Probe::Value(Value::Members(id)) => score(*members.get(*id)?),
                Probe::Value(Value::Output(o)) => {
                    let outputs = &plan.account.as_ref()?.outputs;
                    output_text(outputs.get(*o)?, account.score.outputs.get(*o)?)?
                }
                Probe::Value(_) => return None,
                Probe::Cond(cond) => evaluator
                    .test_account(cond, &account.score, &members)
                    .to_string(),
            };
            Some((text.clone(), shown))
        })
        .collect()
}

/// A threshold's or a label's value as a failing test shows it.
fn output_text(output: &Output, value: &OutputValue) -> Option<String> {
    Some(match (output, value) {
        (Output::Threshold { .. }, OutputValue::Threshold(b)) => b.to_string(),
        (Output::Label { values, .. }, OutputValue::Label(v)) => v
            .and_then(|i| values.get(i))
            .cloned()
            .unwrap_or_else(|| "none".to_string()),
        _ => return None,
    })
}

fn value_text(plan: &Plan, evaluator: &Evaluator, value: Value, run: &TestLead) -> Option<String> {
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
        Value::Output(o) => output_text(model.outputs.get(o)?, run.outcome.outputs.get(o)?)?,
        Value::Prop(_) | Value::Members(_) => return None,
    })
}
