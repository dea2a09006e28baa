//! Opening what `score` and `explain` read: the model's plan, the as-of
//! instant, the lead records and the events file.

use std::fs::File;
use std::io::{self, BufRead, BufReader};

use super::{as_of, plan_model, EvalArgs, Exit};
use crate::eval::Lead;

use crate::plan::Plan;
use crate::record::{id_key, to_lead, EventsFile, Format, Json, RawRecord, RecordError, Records};
use crate::time::Instant;

/// Everything a scoring run starts from.
pub struct Inputs {
    pub plan: Plan,
    pub as_of: Instant,
    /// The leads file as named in messages.
    pub file: String,
    pub records: Records<Box<dyn BufRead>>,
    pub events: Option<EventsFile>,
}

impl EvalArgs {
    /// Plans the model and opens the inputs, reporting any failure.
    pub fn open(&self, color: bool) -> Result<Inputs, Exit> {
        let plan = plan_model(&self.model, color)?;
        let as_of = as_of(self.as_of.as_deref())?;
        let file = display_name(&self.leads);
        let records = open_records(&self.leads).map_err(|e| {
            eprintln!("error: cannot read leads `{file}`: {e}");
            Exit::Usage
        })?;
        let events = open_events(self.events.as_deref()).map_err(|e| {
            eprintln!(
                "error: cannot read events `{}`: {e}",
                self.events.as_deref().unwrap_or("")
            );
            Exit::Usage
        })?;
        Ok(Inputs {
            plan,
            as_of,
            file,
            records,
            events,
        })
    }
}

/// Opens a lead file (or stdin for `-`) as a stream of records.
fn open_records(path: &str) -> io::Result<Records<Box<dyn BufRead>>> {
    let mut reader: Box<dyn BufRead> = if path == "-" {
        Box::new(BufReader::new(io::stdin()))
    } else {
        Box::new(BufReader::with_capacity(1 << 16, File::open(path)?))
    };
    let format = Format::sniff(reader.fill_buf()?, Format::from_path(path));
    Records::new(reader, format)
}

/// Reads the `--events` file, if any.
fn open_events(path: Option<&str>) -> io::Result<Option<EventsFile>> {
    let Some(path) = path else { return Ok(None) };
    let mut reader: Box<dyn BufRead> = if path == "-" {
        Box::new(BufReader::new(io::stdin()))
    } else {
        Box::new(BufReader::new(File::open(path)?))
    };
    let format = Format::sniff(
        reader.fill_buf()?,
        Format::from_path(path).or(Some(Format::Csv)),
    );
    EventsFile::read(reader, format, path).map(Some)
}

fn display_name(path: &str) -> String {
    if path == "-" {
        "<stdin>".to_string()
    } else {
        path.to_string()
    }
}

/// A record with the events the events file holds for it: everything its
/// conversion needs, so it can be converted on any thread.
pub struct Pending {
    raw: RawRecord,
    events: Vec<(usize, Json)>,
}

/// Takes the record's events out of the events file (sequentially, since
/// the file is shared); the record is parsed here only when that needs its id.
pub fn attach_events(raw: RawRecord, events: Option<&mut EventsFile>) -> Pending {
    let Some(events) = events else {
        return Pending {
            raw,
            events: Vec::new(),
        };
    };
    let raw = raw.parsed();
    let extra = raw
        .json()
        .and_then(|j| j.get("id"))
        .map(|id| {
            events
                .by_lead
                .remove(&id_key(&id.to_serde()))
                .unwrap_or_default()
        })
        .unwrap_or_default();
    Pending { raw, events: extra }
}

/// Converts a record to a lead, or the error that names its place.
// A bad record is rare and ends up printed; its size does not matter.
#[allow(clippy::result_large_err)]
pub fn convert(plan: &Plan, pending: Pending, file: &str) -> Result<Lead, RecordError> {
    let Pending { raw, events } = pending;
    let (line, text) = (raw.line, raw.raw.clone());
    let error = |field: Option<String>, value: Option<String>, expected: String| RecordError {
        file: file.to_string(),
        line,
        field,
        value,
        expected,
        raw: text.clone(),
    };
    let json = raw
        .into_json()
        .map_err(|message| error(None, None, message))?;
    to_lead(plan, &json, &events).map_err(|p| error(p.field, p.value, p.expected))
}
