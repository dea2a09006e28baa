//! The careful reading: a record as a JSON tree, read key by key into a
//! lead, every problem worded with the field, the value found and what was
//! expected. Records the fast readers give up on come here, and so do the
//! rows of an events file that need it; the fast readers must agree with
//! it wherever they give a lead.

use std::sync::Arc;

use super::error::{EventPlace, Problem};
use super::json::{Json, Raw};
use super::value::convert_raw;
use crate::lead::{Event, FieldValue, Lead};
use crate::plan::{Plan, ValueType};
use crate::time::parse_instant;

/// Reads a record's JSON into a lead of the plan's schema, with the events
/// of its own `events` array (an events file's rows are added after).
pub(super) fn lead_from_tree(plan: &Plan, record: &Json) -> Result<Lead, Problem> {
    let Json::Object(_) = record else {
        return Err(Problem {
            value: Some(record.show()),
            ..Problem::whole("a lead record: a JSON object with an `id`".to_string())
        });
    };
    let id = match record.get(&plan.id_key) {
        // Echoed exactly as given; matching against events trims it.
        Some(Json::String(s)) if !s.trim().is_empty() => serde_json::Value::String(s.clone()),
        Some(Json::Number(n)) => serde_json::Value::Number(n.clone()),
        other => {
            return Err(Problem::new(
                plan.id_key.clone(),
                other,
                format!(
                    "an `{}` (text or a number) on every lead record",
                    plan.id_key
                ),
            ))
        }
    };
    let mut fields = Vec::with_capacity(plan.fields.len());
    for field in &plan.fields {
        let value = convert_json(plan, record.get(&field.key), field.ty, &field.missing_if)
            .map_err(|expected| {
                Problem::new(field.key.clone(), record.get(&field.key), expected)
            })?;
        fields.push(value);
    }
    let mut events = Vec::new();
    match record.get("events") {
        None | Some(Json::Null) => {}
        Some(Json::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                if let Some(event) = to_event(plan, item, Some(&format!("events[{i}]")))? {
                    events.push(event);
                }
            }
        }
        Some(other) => return Err(Problem::new("events", Some(other), "an array of events")),
    }
    Ok(Lead { id, fields, events })
}

/// Appends the events an events file holds for a lead. A problem names
/// the row's line; the caller, which knows the file, names the file.
pub(super) fn add_extra_events(
    plan: &Plan,
    events: &mut Vec<Event>,
    extra_events: &[(usize, Json)],
) -> Result<(), Problem> {
    for (line, item) in extra_events {
        let event = to_event(plan, item, None).map_err(|problem| Problem {
            event_row: Some(EventPlace {
                file: Arc::from("the events file"),
                line: *line,
            }),
            ..problem
        })?;
        events.extend(event);
    }
    Ok(())
}

/// Reads one event; `place` is where it sits in its record (`events[2]`),
/// `None` for a row of an events file, which is an event all by itself.
pub(super) fn to_event(
    plan: &Plan,
    item: &Json,
    place: Option<&str>,
) -> Result<Option<Event>, Problem> {
    let field = |name: &str| match place {
        Some(place) => format!("{place}.{name}"),
        None => name.to_string(),
    };
    let Json::Object(_) = item else {
        return Err(Problem {
            field: place.map(str::to_string),
            value: Some(item.show()),
            ..Problem::whole("an event object with `type` and `at`".to_string())
        });
    };
    let event_id = match item.get("type") {
        Some(Json::String(s)) => plan.event_type(s),
        other => {
            return Err(Problem::new(
                field("type"),
                other,
                "the event's type as text",
            ))
        }
    };
    let Some(event_id) = event_id else {
        return Ok(None);
    };
    let at = match item.get("at") {
        Some(Json::String(s)) => parse_instant(s),
        _ => None,
    };
    let Some(at) = at else {
        return Err(Problem::new(
            field("at"),
            item.get("at"),
            "an RFC 3339 instant such as \"2026-10-01T09:30:00Z\" or a date such as \"2026-10-01\"",
        ));
    };
    let declared = plan.props(event_id);
    let mut props = Vec::with_capacity(declared.len());
    for prop in declared {
        let value = convert_json(plan, item.get(&prop.name), prop.ty, &prop.missing_if)
            .map_err(|expected| Problem::new(field(&prop.name), item.get(&prop.name), expected))?;
        props.push(value);
    }
    Ok(Some(Event {
        event: event_id,
        at,
        props,
    }))
}

/// Converts a JSON value to a declared type; `Err` names what was expected.
fn convert_json(
    plan: &Plan,
    value: Option<&Json>,
    ty: ValueType,
    missing_if: &[String],
) -> Result<FieldValue, String> {
    convert_raw(plan, value.map_or(Raw::Null, Json::raw), ty, missing_if)
}
