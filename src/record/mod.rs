//! Lead records: reading NDJSON, JSON arrays and CSV (with an events file),
//! and converting each record to the types the plan declares.
//!
//! One file a job: `records` reads a file into [`RawRecord`]s (with
//! `ndjson` cutting NDJSON lines out of blocks of the file, `array` the
//! elements of a JSON array and `csv_text` the rows of a CSV), `events` and `sorted_events` match an events file's
//! rows to the leads (`spill` in sorted runs on disk when a file in any
//! order is larger than its memory budget), `to_lead` is the one conversion of a record and its
//! rows into a lead, reading straight into the plan's slots (`fast` for
//! JSON text, `cells` for CSV rows, both refilling a [`LeadScratch`]) or
//! through the JSON tree (`tree`) that words every problem, each value
//! converted by `value`; `error` words what goes wrong.

mod array;
mod cells;
mod csv_text;
mod error;
mod events;
pub mod fast;
pub mod json;
mod ndjson;
mod orphans;
mod raw;
mod records;
mod rest;
mod scan;
mod scratch;
mod slot;
mod sorted_events;
mod spill;
mod to_lead;
mod tree;
mod value;

pub use csv_text::csv_line;
pub use error::{Problem, RecordError};
pub use events::{EventsFile, LeadEvents, Orphans};
pub use json::Json;
pub use raw::{id_key, RawRecord};
pub use records::{Format, Records};
pub use scratch::LeadScratch;
pub use sorted_events::{SortedEvents, SORTED_IDS_HINT};
pub use spill::{remove_spilled, ReadEvents, RunsCleanup, SpilledEvents, DEFAULT_EVENTS_MEMORY};
pub use to_lead::to_lead;
pub(crate) use value::{read_bool, BOOL_EXPECTED};
