//! What was inferred, for the user to review before writing any rule.

use std::fmt::Write as _;

use super::inference::Inference;
use super::sample::Sample;
use super::spelling::type_text;
use crate::syntax::print::quote;
use crate::text::plural;

/// What was inferred, a line each, for the CLI to show on stderr so the
/// user can review it before writing any rule.
pub(super) fn report(sample: &Sample, inference: &Inference, leads: &str) -> String {
    // Writing to a String cannot fail.
    let mut out = String::new();
    let _ = writeln!(
        out,
        "read {} lead record{} from {leads}",
        sample.records,
        plural(sample.records)
    );
    let width = inference
        .fields
        .iter()
        .map(|f| f.name.len())
        .chain(inference.events.iter().map(|e| e.name.len()))
        .max()
        .unwrap_or(0);
    let _ = writeln!(out, "lead fields ({}):", inference.fields.len());
    for f in &inference.fields {
        let present = sample.fields.stats.get(&f.key).map_or(0, |s| s.present);
        let mut line = format!(
            "  {:width$}  {}",
            f.name,
            type_text(&f.ty, &inference.names)
        );
        if f.key != f.name {
            line.push_str(&format!(" as {}", quote(&f.key)));
        }
        line.push_str(&format!(
            "  ({present} of {} record{} with a value)",
            sample.records,
            plural(sample.records)
        ));
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(out, "events ({}):", inference.events.len());
    for e in &inference.events {
        let mut line = format!("  {:width$}  {} event{}", e.name, e.count, plural(e.count));
        if let Some(key) = e.props.first() {
            line.push_str(&format!(", key `{}`", key.name));
        }
        if e.bad_at > 0 {
            line.push_str(&format!(
                "; {} without a readable `at` (records holding them will be rejected)",
                e.bad_at
            ));
        }
        let _ = writeln!(out, "{line}");
    }
    let mut notes: Vec<String> = inference.skipped.clone();
    if sample.without_id > 0 {
        notes.push(format!(
            "{} record{} without an `id`: leadscore needs one (text or a number) on every lead",
            sample.without_id,
            plural(sample.without_id)
        ));
    }
    if sample.events_not_a_list > 0 {
        notes.push(format!(
            "{} record{} with an `events` that is not a list of events: leadscore rejects them",
            sample.events_not_a_list,
            if sample.events_not_a_list == 1 {
                ""
            } else {
                "s"
            }
        ));
    }
    if sample.untyped_events > 0 {
        notes.push(format!(
            "{} event{} without a `type`, ignored",
            sample.untyped_events,
            plural(sample.untyped_events)
        ));
    }
    if !sample.unreadable.is_empty() {
        notes.push(format!(
            "{} unreadable record{} ignored, the first: {}",
            sample.unreadable.len(),
            if sample.unreadable.len() == 1 {
                ""
            } else {
                "s"
            },
            sample.unreadable.first().map_or("", String::as_str)
        ));
    }
    for note in notes {
        let _ = writeln!(out, "note: {note}");
    }
    out
}
