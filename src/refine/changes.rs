//! Changes: one model's results for a lead at two instants, reduced to
//! what a sales team acts on — the thresholds and labels that moved, and
//! the rules whose points moved them.

use serde_json::{Map, Value as JsonValue};

use super::{reason_changes, rule_names, shown_outputs, Shown, Side};
use crate::eval::Outcome;
use crate::output::score_json;
use crate::plan::Plan;

/// The lead's change record, or `None` when no threshold or label changed.
///
/// `{"id", "score": {"from", "to"}, "changes": [{"threshold"|"label", "from",
/// "to"}], "reasons": [{"rule", "group", "from", "to"}]}`
pub fn change_record(
    plan: &Plan,
    id: &JsonValue,
    from: &Outcome,
    to: &Outcome,
) -> Option<JsonValue> {
    let before = shown_outputs(plan, from);
    let after = shown_outputs(plan, to);
    let changes: Vec<JsonValue> = before
        .iter()
        .zip(&after)
        .filter(|(b, a)| b.1 != a.1)
        .map(|((name, old), (_, new))| {
            let kind = match new {
                Shown::Pass(_) => "threshold",
                Shown::Value(_) => "label",
            };
            let mut change = Map::new();
            change.insert(kind.to_string(), JsonValue::String(name.clone()));
            change.insert("from".to_string(), old.to_json());
            change.insert("to".to_string(), new.to_json());
            JsonValue::Object(change)
        })
        .collect();
    if changes.is_empty() {
        return None;
    }
    let names = rule_names(plan);
    let mut score = Map::new();
    score.insert("from".to_string(), score_json(from.score));
    score.insert("to".to_string(), score_json(to.score));
    let mut record = Map::new();
    record.insert("id".to_string(), id.clone());
    record.insert("score".to_string(), JsonValue::Object(score));
    record.insert("changes".to_string(), JsonValue::Array(changes));
    record.insert(
        "reasons".to_string(),
        JsonValue::Array(reason_changes(
            Side {
                plan,
                outcome: from,
                keys: &names,
            },
            Side {
                plan,
                outcome: to,
                keys: &names,
            },
        )),
    );
    Some(JsonValue::Object(record))
}
