//! A lead's result as JSON, written from pieces prepared once per plan: the
//! keys, label values and disqualification reasons are escaped when the
//! writer is made, so writing a result only adds the id and the numbers.
//! It writes the bytes `serde_json` writes for [`LeadResult`] without
//! reasons (a test checks this on generated leads); results with reasons
//! go through `serde_json`.

use serde::Serialize;

use super::{LeadResult, Score};
use crate::check::{Effect, Output};
use crate::eval::OutputValue;
use crate::plan::Plan;

#[derive(Clone, Debug)]
pub struct LeadTemplate {
    /// `"name":` of each group, in order.
    groups: Vec<String>,
    /// Per output: `"name":`, and for a label each value as a JSON string.
    outputs: Vec<(String, Vec<String>)>,
    /// Per rule: its disqualification reason as a JSON string, if it has one.
    reasons: Vec<Option<String>>,
}

fn json_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "null".to_string())
}

fn key(name: &str) -> String {
    json_string(name) + ":"
}

impl LeadTemplate {
    pub fn new(plan: &Plan) -> Self {
        let model = &plan.model;
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
        out.extend_from_slice(b"},\"thresholds\":{");
        let mut first = true;
        for ((key, _), value) in self.outputs.iter().zip(&outcome.outputs) {
            if let OutputValue::Threshold(passed) = value {
                if !std::mem::take(&mut first) {
                    out.push(b',');
                }
                out.extend_from_slice(key.as_bytes());
                out.extend_from_slice(if *passed { b"true" } else { b"false" });
            }
        }
        out.extend_from_slice(b"},\"labels\":{");
        let mut first = true;
        for ((key, values), value) in self.outputs.iter().zip(&outcome.outputs) {
            if let OutputValue::Label(label) = value {
                if !std::mem::take(&mut first) {
                    out.push(b',');
                }
                out.extend_from_slice(key.as_bytes());
                let text = label.and_then(|i| values.get(i));
                out.extend_from_slice(text.map_or("null", String::as_str).as_bytes());
            }
        }
        out.extend_from_slice(b"},\"disqualified\":");
        let reason = outcome
            .disqualified_by
            .first()
            .and_then(|r| self.reasons.get(*r))
            .and_then(Option::as_deref);
        out.extend_from_slice(reason.unwrap_or("null").as_bytes());
        out.push(b'}');
        Ok(())
    }
}

fn score(x: f64, out: &mut Vec<u8>) -> serde_json::Result<()> {
    Score(x).serialize(&mut serde_json::Serializer::new(out))
}
