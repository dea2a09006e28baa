//! The one way a record becomes a lead. [`convert`] takes a record in
//! whatever form its reader gave it (a JSON tree, an NDJSON line not parsed
//! yet, a CSV row's cells, or the reason it cannot be read) and the rows an
//! events file holds for it, and reads it straight into the plan's slots
//! when it can ([`fast`], [`cells`](super::cells)), through the JSON tree
//! that words every problem when not ([`tree`](super::tree)). Every other
//! entry point (`to_lead`, `RawRecord::to_lead_in`, ...) is a line that
//! calls it, so that `score`, `explain`, the refinement commands and a
//! model's tests all read a record alike.

use super::cells::read_csv_lead_into;
use super::error::Problem;
use super::events::LeadEvents;
use super::fast;
use super::json::Json;
use super::raw::{parse_json, Content, CsvCells, RawRecord};
use super::scratch::LeadScratch;
use super::tree::{add_extra_events, lead_from_tree};
use crate::lead::{Event, Lead};
use crate::plan::Plan;

/// A record's content as its reader gave it, borrowed.
#[derive(Clone, Copy)]
pub(super) enum Body<'r> {
    /// A JSON value: read through the tree alone.
    Tree(&'r Json),
    /// An NDJSON line or JSON array element not parsed yet.
    Text(&'r str),
    /// A CSV row.
    Cells(&'r CsvCells),
    /// Why the record cannot be read.
    Unreadable(&'r str),
}

/// The rows an events file holds for the lead.
pub(super) enum EventRows<'e> {
    /// As the events file keeps them: read straight into events when they
    /// can be, and named by their own file when they hold a problem.
    Kept(LeadEvents),
    /// Already JSON, with their lines; a problem names "the events file".
    Json(&'e [(usize, Json)]),
}

/// The events-file rows made ready for the lead: read straight into
/// events, or JSON for the careful reading.
enum Extra<'e> {
    Read(Vec<Event>),
    Json(&'e [(usize, Json)]),
}

/// Converts a record and its events-file rows to a lead of the plan's
/// schema, into the lead `scratch` kept from the previous record so that
/// its vectors are reused. After an error the scratch's lead means nothing.
pub(super) fn convert<'s>(
    plan: &Plan,
    body: Body<'_>,
    rows: EventRows<'_>,
    scratch: &'s mut LeadScratch,
) -> Result<&'s Lead, Problem> {
    let as_json;
    let (events_file, extra) = match rows {
        EventRows::Kept(rows) => {
            rows.own_id()?;
            let file = rows.file();
            match rows.into_events(plan) {
                Ok(events) => (Some(file), Extra::Read(events)),
                Err(json) => {
                    as_json = json;
                    (Some(file), Extra::Json(&as_json))
                }
            }
        }
        EventRows::Json(json) => (None, Extra::Json(json)),
    };
    let straight = match body {
        Body::Text(text) => fast::read_lead_into(plan, text, scratch),
        Body::Cells(row) => read_csv_lead_into(plan, &row.header, &row.cells, scratch),
        Body::Tree(_) | Body::Unreadable(_) => false,
    };
    if !straight {
        let parsed;
        let json = match body {
            Body::Tree(json) => json,
            Body::Text(text) => {
                parsed = parse_json(text).map_err(Problem::whole)?;
                &parsed
            }
            Body::Cells(row) => {
                parsed = row.json();
                &parsed
            }
            Body::Unreadable(message) => return Err(Problem::whole(message.to_string())),
        };
        scratch.lead = lead_from_tree(plan, json)?;
    }
    let events = &mut scratch.lead.events;
    match extra {
        Extra::Read(read) => events.extend(read),
        // Most records have no events file: nothing to do.
        Extra::Json([]) => {}
        Extra::Json(rows) => {
            add_extra_events(plan, events, rows).map_err(|problem| match &events_file {
                Some(file) => problem.in_events_file(file),
                None => problem,
            })?
        }
    }
    Ok(&scratch.lead)
}

/// Converts one record's JSON to a lead of the plan's schema, with the
/// rows an events file holds for it (as JSON, with their lines).
pub fn to_lead(
    plan: &Plan,
    record: &Json,
    extra_events: &[(usize, Json)],
) -> Result<Lead, Problem> {
    let mut scratch = LeadScratch::default();
    convert(
        plan,
        Body::Tree(record),
        EventRows::Json(extra_events),
        &mut scratch,
    )?;
    Ok(scratch.lead)
}

impl RawRecord {
    /// The record's content, for [`convert`].
    fn body(&self) -> Body<'_> {
        match &self.content {
            Content::Unparsed => Body::Text(&self.raw),
            Content::Parsed(json) => Body::Tree(json),
            Content::Unreadable(message) => Body::Unreadable(message),
            Content::Cells(row) => Body::Cells(row),
        }
    }

    /// Converts the record to a lead of the plan's schema, with the rows
    /// an events file holds for it as JSON. A record not parsed yet is read
    /// straight into the plan's slots when it can be, and through the JSON
    /// tree (which words any problem) when not.
    pub fn to_lead(&self, plan: &Plan, extra_events: &[(usize, Json)]) -> Result<Lead, Problem> {
        let mut scratch = LeadScratch::default();
        self.to_lead_in(plan, extra_events, &mut scratch)?;
        Ok(scratch.lead)
    }

    /// Converts the record as [`to_lead`](Self::to_lead) does, into the
    /// lead `scratch` kept from the previous record so that its vectors are
    /// reused. After an error the scratch's lead means nothing.
    pub fn to_lead_in<'s>(
        &self,
        plan: &Plan,
        extra_events: &[(usize, Json)],
        scratch: &'s mut LeadScratch,
    ) -> Result<&'s Lead, Problem> {
        convert(plan, self.body(), EventRows::Json(extra_events), scratch)
    }

    /// Converts the record as [`to_lead_in`](Self::to_lead_in) does, with
    /// its rows as the events file keeps them: read straight into events
    /// when they can be, and named by their own file when one holds a
    /// problem.
    pub fn to_lead_with_events<'s>(
        &self,
        plan: &Plan,
        events: LeadEvents,
        scratch: &'s mut LeadScratch,
    ) -> Result<&'s Lead, Problem> {
        convert(plan, self.body(), EventRows::Kept(events), scratch)
    }
}
