//! A CSV row read straight into the plan's slots, as [`fast`](super::fast)
//! reads an NDJSON line: a lead from a leads file, an event from an events
//! file. Like the fast reader it only says "here it is" or "not here", and
//! leaves anything that does not convert to the careful reading of the
//! row's JSON object, which words the problem; every value goes through
//! the same [`convert_raw`].

use super::json::Raw;
use super::scratch::LeadScratch;
use super::value::{convert_raw, text_in};
use crate::lead::Event;
use crate::plan::{Plan, ValueType};
use crate::text::trim;
use crate::time::parse_instant;

/// Reads a CSV row (its `header` and `cells`) into `scratch.lead`, as
/// [`read_lead_into`](super::fast::read_lead_into) reads an NDJSON line: `false` when the row needs the
/// careful reading of its JSON object, which words the problem.
pub(super) fn read_csv_lead_into(
    plan: &Plan,
    header: &[String],
    cells: &csv::StringRecord,
    scratch: &mut LeadScratch,
) -> bool {
    let cell = |name: &str| {
        let column = header.iter().position(|h| h == name)?;
        cells.get(column)
    };
    // An `events` cell is text where an array belongs: left to be worded.
    if cell("events").is_some() {
        return false;
    }
    let Some(id) = cell(&plan.id_key).filter(|id| !id.trim().is_empty()) else {
        return false;
    };
    scratch.recycle(plan.fields.len());
    let lead = &mut scratch.lead;
    match &mut lead.id {
        serde_json::Value::String(kept) => {
            kept.clear();
            kept.push_str(id);
        }
        other => *other = serde_json::Value::String(id.to_string()),
    }
    plan.fields
        .iter()
        .zip(lead.fields.iter_mut())
        .all(|(field, slot)| {
            let value = cell(&field.key);
            let plain_text = field.ty == ValueType::Text && field.missing_if.is_empty();
            if let Some(text) = value.filter(|v| plain_text && !trim(v).is_empty()) {
                // What `convert_raw` gives, in reused strings.
                *slot = text_in(text, &mut scratch.strings);
                return true;
            }
            let raw = value.map_or(Raw::Null, Raw::Str);
            match convert_raw(plan, raw, field.ty, &field.missing_if) {
                Ok(converted) => {
                    *slot = converted;
                    true
                }
                Err(_) => false,
            }
        })
}

/// What [`to_event`](super::tree::to_event) makes of a CSV row of an events file: `Some(None)` for
/// an undeclared type, `None` where it would find a problem.
// Called for every row of an events file, from another module: inlined
// as it was when both lived in one file.
#[inline]
pub(super) fn csv_event<S: AsRef<str>>(
    plan: &Plan,
    header: &[String],
    cells: &[S],
) -> Option<Option<Event>> {
    let cell = |name: &str| {
        let column = header.iter().position(|h| h == name)?;
        cells.get(column).map(AsRef::as_ref)
    };
    let Some(event) = plan.event_type(cell("type")?) else {
        return Some(None);
    };
    let at = parse_instant(cell("at")?)?;
    let declared = plan.props(event);
    let props = declared
        .iter()
        .map(|prop| {
            let value = cell(&prop.name).map_or(Raw::Null, Raw::Str);
            convert_raw(plan, value, prop.ty, &prop.missing_if).ok()
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Some(Event { event, at, props }))
}
