//! `since FIELD` at evaluation: which of a lead's events a recycled
//! lead's score still counts, and when that score was last active.

use crate::lead::{FieldValue, Lead};
use crate::plan::FieldId;
use crate::time::Instant;

/// The instant a lead's `since` field gives, when it filters anything: a
/// missing value, or one after as-of, lets every event count.
pub fn since_instant(lead: &Lead, field: FieldId, as_of: Instant) -> Option<Instant> {
    match lead.field(field) {
        FieldValue::Date(at) if *at <= as_of => Some(*at),
        _ => None,
    }
}

/// Whether an event at `at` counts after the lead's `since` field.
pub(super) fn keeps(lead: &Lead, field: FieldId, as_of: Instant, at: Instant) -> bool {
    since_instant(lead, field, as_of).is_none_or(|since| at > since)
}

/// The latest activity a score with `since` sees: the latest event kept
/// (at or before as-of); `None` when none is kept, so it does not decay.
pub(super) fn last_activity(
    lead: &Lead,
    since: Option<FieldId>,
    as_of: Instant,
    all: Option<Instant>,
) -> Option<Instant> {
    let Some(since) = since.and_then(|f| since_instant(lead, f, as_of)) else {
        return all;
    };
    lead.events
        .iter()
        .map(|e| e.at)
        .filter(|at| *at > since && *at <= as_of)
        .max()
}
