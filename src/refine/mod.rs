//! Refining a model: `backtest` sets results against outcomes, `diff`
//! compares two versions of a model on the same leads, `changes` compares
//! one model at two instants. Each takes evaluated outcomes and returns a
//! report; reading records and printing belong to `cli`.

pub mod backtest;
mod block_order;
pub mod changes;
pub mod condition;
mod definitions;
pub mod diff;
pub mod html;
pub mod text;
pub mod tune;

// The statistics live one floor down, where `init` can use them too.
pub use crate::learn::{regression, stats};

use serde_json::{Map, Value as JsonValue};

use crate::eval::{Outcome, OutputValue};
use crate::output::score_json;
use crate::plan::Output;
use crate::plan::Plan;
use crate::record::{Json, Problem};

/// Reads the outcome (did the lead convert?) from a record's `field`: a
/// JSON bool, the JSON numbers 1 and 0, or text among `true false yes no y
/// n 1 0` in any case (as CSV cells are). `None` when the value is missing
/// or empty: such a lead is left out of the figures and counted.
pub fn read_outcome(record: &Json, field: &str) -> Result<Option<bool>, Problem> {
    let value = record.get(field);
    let problem = |value: Option<&Json>| {
        Problem::new(
            field,
            value,
            format!("the outcome: {}", crate::record::BOOL_EXPECTED),
        )
    };
    match value {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(s)) if s.trim().is_empty() => Ok(None),
        Some(json) => crate::record::read_bool(json.raw())
            .map(Some)
            .ok_or_else(|| problem(value)),
    }
}

/// Where a command reads the outcome: a declared `bool` field of that
/// name (through its `as` and `missing if`, as the lead was read), else
/// the record key of that name, read by [`read_outcome`].
pub struct OutcomeSource {
    field: Option<crate::plan::FieldId>,
    key: String,
}

impl OutcomeSource {
    pub fn new(plan: &Plan, name: &str) -> Self {
        let field = plan
            .fields
            .iter_enumerated()
            .find(|(_, f)| f.name == name && f.ty == crate::plan::ValueType::Bool)
            .map(|(id, _)| id);
        OutcomeSource {
            field,
            key: name.to_string(),
        }
    }

    /// Whether the outcome is a field the model declares (and so may read).
    pub fn declared(&self) -> bool {
        self.field.is_some()
    }

    /// The outcome of one record and its lead; `None` when missing.
    pub fn read(&self, record: &Json, lead: &crate::lead::Lead) -> Result<Option<bool>, Problem> {
        match self.field {
            Some(id) => Ok(match lead.field(id) {
                crate::lead::FieldValue::Bool(b) => Some(*b),
                _ => None,
            }),
            None => read_outcome(record, &self.key),
        }
    }
}

/// A threshold's or label's value in a result, comparable across models.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Shown {
    Pass(bool),
    /// A label's value in its declared spelling; `None` when unmatched.
    Value(Option<String>),
}

impl Shown {
    pub fn to_json(&self) -> JsonValue {
        match self {
            Shown::Pass(b) => JsonValue::Bool(*b),
            Shown::Value(v) => v
                .as_ref()
                .map(|s| JsonValue::String(s.clone()))
                .unwrap_or(JsonValue::Null),
        }
    }
}

/// Every threshold and label of a result by name, in declaration order.
pub fn shown_outputs(plan: &Plan, outcome: &Outcome) -> Vec<(String, Shown)> {
    plan.outputs
        .iter()
        .zip(&outcome.outputs)
        .map(|(output, value)| {
            let shown = match (output, value) {
                (Output::Label { values, .. }, OutputValue::Label(v)) => {
                    Shown::Value(v.and_then(|i| values.get(i)).cloned())
                }
                (_, OutputValue::Threshold(b)) => Shown::Pass(*b),
                (_, OutputValue::Label(_)) => Shown::Value(None),
            };
            (output.name().to_string(), shown)
        })
        .collect()
}

/// One result and the plan it came from, for [`reason_changes`]; `keys`
/// pair a rule with its other version (by default its name).
pub struct Side<'a> {
    pub plan: &'a Plan,
    pub outcome: &'a Outcome,
    pub keys: &'a [String],
}

/// Every rule's name, the key that pairs rules of one model.
pub fn rule_names(plan: &Plan) -> Vec<String> {
    plan.rules.iter().map(|r| r.name.clone()).collect()
}

/// The rules whose points differ between two results (of one model at two
/// instants, or of two models): `{rule, group, from, to}`, 0 where a rule
/// did not fire, in the order the rules first appear. A rule is shown by
/// its newer name.
pub fn reason_changes(before: Side, after: Side) -> Vec<JsonValue> {
    struct Given {
        key: String,
        name: String,
        group: Option<String>,
        points: f64,
    }
    let given = |side: &Side| -> Vec<Given> {
        side.outcome
            .reasons
            .iter()
            .filter_map(|r| {
                let rule = side.plan.rules.get(r.rule)?;
                let group = rule
                    .group
                    .and_then(|g| side.plan.groups.get(g))
                    .map(|g| g.name.clone());
                Some(Given {
                    key: side
                        .keys
                        .get(r.rule.index())
                        .cloned()
                        .unwrap_or_else(|| rule.name.clone()),
                    name: rule.name.clone(),
                    group,
                    points: r.points,
                })
            })
            .collect()
    };
    let old = given(&before);
    let new = given(&after);
    let mut keys: Vec<&str> = Vec::new();
    for g in new.iter().chain(&old) {
        if !keys.contains(&g.key.as_str()) {
            keys.push(&g.key);
        }
    }
    let points = |list: &[Given], key: &str| {
        list.iter()
            .filter(|g| g.key == key)
            .map(|g| g.points)
            .sum::<f64>()
    };
    keys.into_iter()
        .filter_map(|key| {
            let from = points(&old, key);
            let to = points(&new, key);
            if crate::eval::round2(from) == crate::eval::round2(to) {
                return None;
            }
            let shown = new.iter().chain(&old).find(|g| g.key == key)?;
            let mut change = Map::new();
            change.insert("rule".to_string(), JsonValue::String(shown.name.clone()));
            change.insert(
                "group".to_string(),
                shown
                    .group
                    .clone()
                    .map(JsonValue::String)
                    .unwrap_or(JsonValue::Null),
            );
            change.insert("from".to_string(), score_json(from));
            change.insert("to".to_string(), score_json(to));
            Some(JsonValue::Object(change))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn record(value: &str) -> Json {
        serde_json::from_str(&format!("{{\"id\": 1, \"converted\": {value}}}")).unwrap()
    }

    #[test]
    fn outcomes_read_like_bool_fields() {
        assert_eq!(
            read_outcome(&record("true"), "converted").unwrap(),
            Some(true)
        );
        assert_eq!(
            read_outcome(&record("\" FALSE \""), "converted").unwrap(),
            Some(false)
        );
        assert_eq!(read_outcome(&record("1"), "converted").unwrap(), Some(true));
        assert_eq!(
            read_outcome(&record("\"0\""), "converted").unwrap(),
            Some(false)
        );
        assert_eq!(
            read_outcome(&record("\"Yes\""), "converted").unwrap(),
            Some(true)
        );
        assert_eq!(
            read_outcome(&record("\"n\""), "converted").unwrap(),
            Some(false)
        );
        let bad = read_outcome(&record("\"maybe\""), "converted").unwrap_err();
        assert_eq!(bad.value.as_deref(), Some("\"maybe\""));
        assert_eq!(read_outcome(&record("null"), "converted").unwrap(), None);
        assert_eq!(read_outcome(&record("\" \""), "converted").unwrap(), None);
        assert_eq!(read_outcome(&record("true"), "won").unwrap(), None);
        // Exports write 1/0 and Yes/No (contract §19); 2 is no boolean.
        assert_eq!(read_outcome(&record("1"), "converted").unwrap(), Some(true));
        assert_eq!(
            read_outcome(&record("\"No\""), "converted").unwrap(),
            Some(false)
        );
        assert_eq!(
            read_outcome(&record("\" y \""), "converted").unwrap(),
            Some(true)
        );
        assert!(read_outcome(&record("2"), "converted").is_err());
    }
}
