//! A lead's result as JSON, written from pieces prepared once per plan: the
//! keys, label values and disqualification reasons are escaped when the
//! writer is made, so writing a result only adds the id and the numbers.
//! It writes the bytes `serde_json` writes for [`LeadResult`] without
//! reasons (a test checks this on generated leads); results with reasons
//! go through `serde_json`.

use serde::Serialize;

use super::{LeadResult, Score};
use crate::eval::OutputValue;
use crate::plan::Plan;
use crate::plan::{Effect, IdVec, Output, OutputId, RuleId};

#[derive(Clone, Debug)]
pub struct LeadTemplate {
    /// `"name":` of each group, in order.
    groups: Vec<String>,
    /// Per output: `"name":`, and for a label each value as a JSON string.
    outputs: Vec<(String, Vec<String>)>,
    /// Per rule: its disqualification reason as a JSON string, if it has one.
    reasons: IdVec<RuleId, Option<String>>,
}

fn json_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "null".to_string())
}

fn key(name: &str) -> String {
    json_string(name) + ":"
}

impl LeadTemplate {
    pub fn new(plan: &Plan) -> Self {
        let model = &plan;
        LeadTemplate {
            groups: model.groups.iter().map(|g| key(&g.name)).collect(),
            outputs: model
                .outputs
                .iter()
                .map(|output| match output {
                    Output::Threshold { name, .. } => (key(name), Vec::new()),
                    Output::Label { name, values, .. } => {
                        (key(name), values.iter().map(|v| json_string(v)).collect())
                    }
                })
                .collect(),
            reasons: model
                .rules
                .iter()
                .map(|rule| match &rule.effect {
                    Effect::Disqualify { reason, .. } => Some(json_string(reason)),
                    _ => None,
                })
                .collect(),
        }
    }

    /// Appends the result (without reasons) to `out`.
    pub fn write(&self, result: &LeadResult, out: &mut Vec<u8>) -> serde_json::Result<()> {
        let outcome = result.outcome;
        out.extend_from_slice(b"{\"id\":");
        serde_json::to_writer(&mut *out, result.id)?;
        out.extend_from_slice(b",\"score\":");
        score(outcome.score, out)?;
        out.extend_from_slice(b",\"groups\":{");
        for (i, (key, value)) in self.groups.iter().zip(&outcome.groups).enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(key.as_bytes());
            score(*value, out)?;
        }
        out.extend_from_slice(b"},\"thresholds\":");
        self.outputs_object(&outcome.outputs, out, |value, _| match value {
            OutputValue::Threshold(passed) => Some(if *passed { "true" } else { "false" }),
            OutputValue::Label(_) => None,
        });
        out.extend_from_slice(b",\"labels\":");
        self.outputs_object(&outcome.outputs, out, |value, values| match value {
            OutputValue::Label(label) => Some(
                label
                    .and_then(|i| values.get(i))
                    .map_or("null", String::as_str),
            ),
            OutputValue::Threshold(_) => None,
        });
        out.extend_from_slice(b",\"disqualified\":");
        let reason = outcome
            .disqualified_by
            .first()
            .and_then(|r| self.reasons.get(*r))
            .and_then(Option::as_deref);
        out.extend_from_slice(reason.unwrap_or("null").as_bytes());
        out.push(b'}');
        Ok(())
    }

    /// The object of the thresholds, or of the labels: the outputs that
    /// `json` gives a JSON value for, by name.
    fn outputs_object<'s>(
        &'s self,
        values: &IdVec<OutputId, OutputValue>,
        out: &mut Vec<u8>,
        json: impl Fn(&OutputValue, &'s [String]) -> Option<&'s str>,
    ) {
        out.push(b'{');
        let mut first = true;
        for ((key, label_values), value) in self.outputs.iter().zip(values) {
            if let Some(text) = json(value, label_values) {
                if !std::mem::take(&mut first) {
                    out.push(b',');
                }
                out.extend_from_slice(key.as_bytes());
                out.extend_from_slice(text.as_bytes());
            }
        }
        out.push(b'}');
    }
}

fn score(x: f64, out: &mut Vec<u8>) -> serde_json::Result<()> {
    Score(x).serialize(&mut serde_json::Serializer::new(out))
}
