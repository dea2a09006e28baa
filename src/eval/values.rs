//! A value as a condition sees it, wherever it was read from (a field, an
//! event's property, an aggregate, the outcome), and the date bounds both
//! evaluators compare instants with.

use crate::lead::FieldValue;
use crate::plan::DateBound;
use crate::time::Instant;

pub(super) enum Resolved<'a> {
    Missing,
    /// The trimmed text and its folded form.
    Text(&'a str, &'a str),
    Number(f64),
    Bool(bool),
    Date(Instant),
    Ordinal(usize),
    List(&'a [String]),
}

#[inline(always)]
pub(super) fn field_value(v: &FieldValue) -> Resolved<'_> {
    match v {
        FieldValue::Missing => Resolved::Missing,
        FieldValue::Text { raw, folded } => Resolved::Text(raw, folded.as_deref().unwrap_or(raw)),
        FieldValue::Number(n) => Resolved::Number(*n),
        FieldValue::Bool(b) => Resolved::Bool(*b),
        FieldValue::Date(d) => Resolved::Date(*d),
        FieldValue::Enum(i) => Resolved::Ordinal(*i),
        FieldValue::List(l) => Resolved::List(l),
    }
}

/// `t` at or after (inclusive) or strictly after the bound.
pub(super) fn above(t: Instant, bound: DateBound) -> bool {
    if bound.inclusive {
        t >= bound.at
    } else {
        t > bound.at
    }
}

/// `t` at or before (inclusive) or strictly before the bound.
pub(super) fn below(t: Instant, bound: DateBound) -> bool {
    if bound.inclusive {
        t <= bound.at
    } else {
        t < bound.at
    }
}
