//! A lead kept by one worker thread from one record to the next, so that
//! the readers refill its vectors and strings instead of allocating new
//! ones. Kept apart from the readers that fill it: what it keeps, and how
//! much, is one decision for all of them.

use crate::lead::{FieldValue, Lead};

/// A lead kept by one worker from one record to the next, so that reading
/// a record refills the previous lead's vectors (its fields, its events,
/// their properties, the id's text) instead of allocating new ones: those
/// allocations were a large part of the cost of scoring a lead.
#[derive(Debug, Default)]
pub struct LeadScratch {
    pub lead: Lead,
    /// Emptied property vectors of earlier events, to reuse.
    pub(super) spare: Vec<Vec<FieldValue>>,
    /// Emptied strings of earlier text values, to reuse.
    pub(super) strings: Vec<String>,
}

/// At most this many emptied strings and property vectors are kept: a
/// lead may hold more than the next one reuses (events from an events
/// file, lists written as text), and what is kept must not grow with
/// every lead read.
const KEPT: usize = 256;

impl LeadScratch {
    /// Empties the lead, keeping what it allocated.
    pub(super) fn recycle(&mut self, fields: usize) {
        let strings = &mut self.strings;
        // Popping rather than draining: the order the strings are kept in
        // does not matter, and a `Drain` costs a call per event to drop.
        while let Some(event) = self.lead.events.pop() {
            let mut props = event.props;
            while let Some(value) = props.pop() {
                keep_strings(value, strings);
            }
            if self.spare.len() < KEPT {
                self.spare.push(props);
            }
        }
        while let Some(value) = self.lead.fields.pop() {
            keep_strings(value, strings);
        }
        self.lead.fields.resize(fields, FieldValue::Missing);
    }
}

/// Keeps the strings of a text value, emptied, for the next ones.
fn keep_strings(value: FieldValue, strings: &mut Vec<String>) {
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

    use super::{LeadScratch, KEPT};
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
        assert!(scratch.spare.len() <= KEPT, "{}", scratch.spare.len());
    }
}
