//! A lead kept by one worker thread from one record to the next, so that
//! the readers refill its vectors and strings instead of allocating new
//! ones. Kept apart from the readers that fill it: what it keeps, and how
//! much, is one decision for all of them.

use crate::lead::{Event, FieldValue, Lead};

/// A lead kept by one worker from one record to the next, so that reading
/// a record refills the previous lead's vectors (its fields, its events,
/// their properties, the id's text) instead of allocating new ones: those
/// allocations were a large part of the cost of scoring a lead.
#[derive(Debug, Default)]
pub struct LeadScratch {
    pub lead: Lead,
    /// Events of earlier leads, to refill: their property vectors and the
    /// strings of their text values are overwritten in place.
    pub(super) spare_events: Vec<Event>,
    /// Emptied strings of earlier text values, to reuse.
    pub(super) strings: Vec<String>,
}

/// At most this many emptied strings and spare events are kept: a lead
/// may hold more than the next one reuses (events from an events file,
/// lists written as text), and what is kept must not grow with every lead
/// read.
pub(super) const KEPT: usize = 256;

impl LeadScratch {
    /// Empties the lead for a reader that writes every field: the fields
    /// keep their values, to be overwritten in place (see [`Refill`]).
    pub(super) fn reuse(&mut self, fields: usize) {
        self.keep_events();
        if self.lead.fields.len() > fields {
            for value in self.lead.fields.drain(fields..) {
                keep_strings(value, &mut self.strings);
            }
        }
        self.lead.fields.resize(fields, FieldValue::Missing);
    }

    /// Empties the lead, keeping what it allocated.
    pub(super) fn recycle(&mut self, fields: usize) {
        self.keep_events();
        while let Some(value) = self.lead.fields.pop() {
            keep_strings(value, &mut self.strings);
        }
        self.lead.fields.resize(fields, FieldValue::Missing);
    }

    /// Moves the lead's events, whole, to the spare ones.
    fn keep_events(&mut self) {
        let room = KEPT.saturating_sub(self.spare_events.len());
        self.lead.events.truncate(room);
        self.spare_events.append(&mut self.lead.events);
    }
}

/// Values of a record written over those of the record before, in place:
/// which slots the record wrote, so that the others, still holding the
/// previous record's values, are emptied once it is read.
pub(super) struct Refill {
    /// A bit per slot written, for the first 64 slots.
    written: u64,
}

impl Refill {
    /// Starts refilling `values`: slots past the first 64 are emptied now,
    /// as no bit follows them.
    pub(super) fn start(values: &mut [FieldValue], strings: &mut Vec<String>) -> Refill {
        for value in values.iter_mut().skip(u64::BITS as usize) {
            keep_strings(std::mem::replace(value, FieldValue::Missing), strings);
        }
        Refill { written: 0 }
    }

    /// The slot at `index`, about to be written.
    pub(super) fn slot<'v>(
        &mut self,
        values: &'v mut [FieldValue],
        index: usize,
    ) -> Option<&'v mut FieldValue> {
        if let Some(bit) = 1u64.checked_shl(u32::try_from(index).ok()?) {
            self.written |= bit;
        }
        values.get_mut(index)
    }

    /// Empties every slot the record did not write.
    pub(super) fn finish(self, values: &mut [FieldValue], strings: &mut Vec<String>) {
        for (i, value) in values.iter_mut().enumerate().take(u64::BITS as usize) {
            if self.written & (1 << i) == 0 && !matches!(value, FieldValue::Missing) {
                keep_strings(std::mem::replace(value, FieldValue::Missing), strings);
            }
        }
    }
}

/// An emptied event's property vector to refill, its values left in place
/// for [`Refill`]; `count` slots long.
pub(super) fn spare_props(
    spare_events: &mut Vec<Event>,
    count: usize,
    strings: &mut Vec<String>,
) -> Vec<FieldValue> {
    let mut props = spare_events.pop().map(|e| e.props).unwrap_or_default();
    if props.len() > count {
        for value in props.drain(count..) {
            keep_strings(value, strings);
        }
    }
    // Not `resize`: it is a call and a drop of its pattern value even when
    // the length is right, as it nearly always is (an event of the same
    // type), and events are most of what a lead holds.
    while props.len() < count {
        props.push(FieldValue::Missing);
    }
    props
}

/// Keeps the strings of a text value, emptied, for the next ones.
pub(super) fn keep_strings(value: FieldValue, strings: &mut Vec<String>) {
    let mut keep = |mut s: String| {
        if strings.len() < KEPT {
            s.clear();
            strings.push(s);
        }
    };
    match value {
        FieldValue::Text { raw, folded } => {
            keep(raw);
            folded.into_iter().for_each(keep);
        }
        FieldValue::List(items) => items.into_iter().for_each(keep),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::{LeadScratch, Refill, KEPT};
    use crate::lead::{Event, FieldValue};
    use crate::plan::{EventId, Id as _};
    use crate::record::cells::read_csv_lead_into;

    #[test]
    fn what_a_scratch_keeps_does_not_grow_with_the_leads_read() {
        let checked =
            crate::load_and_check(std::path::Path::new("examples/b2b-saas.score")).unwrap();
        let plan = checked.plan.unwrap();
        let header = ["id", "title", "tech_stack"].map(String::from);
        let at = crate::time::parse_instant("2026-10-01").unwrap();
        let mut scratch = LeadScratch::default();
        for i in 0..2000 {
            let cells = csv::StringRecord::from(vec![format!("L{i}"), "VP".into(), "a;b".into()]);
            assert!(read_csv_lead_into(&plan, &header, &cells, &mut scratch));
            // Events from an events file are added to the lead read: they
            // are recycled with it, but no reader takes their vectors back.
            let page = FieldValue::Text {
                raw: "pricing".to_string(),
                folded: None,
            };
            let events = (0..20).map(|_| Event {
                event: EventId::from_index(0),
                at,
                props: vec![page.clone()],
            });
            scratch.lead.events.extend(events);
        }
        assert!(scratch.strings.len() <= KEPT, "{}", scratch.strings.len());
        assert!(
            scratch.spare_events.len() <= KEPT,
            "{}",
            scratch.spare_events.len()
        );
    }

    #[test]
    fn a_refill_empties_every_slot_it_did_not_write_past_64_too() {
        let text = |t: &str| FieldValue::Text {
            raw: t.to_string(),
            folded: None,
        };
        let mut values: Vec<FieldValue> = (0..70).map(|i| text(&format!("old {i}"))).collect();
        let mut strings = Vec::new();
        let mut refill = Refill::start(&mut values, &mut strings);
        for i in [3, 63, 66] {
            *refill.slot(&mut values, i).unwrap() = text("new");
        }
        refill.finish(&mut values, &mut strings);
        for (i, value) in values.iter().enumerate() {
            let expected = if [3, 63, 66].contains(&i) {
                text("new")
            } else {
                FieldValue::Missing
            };
            assert_eq!(*value, expected, "slot {i}");
        }
        assert!(strings.iter().all(String::is_empty));
    }
}
