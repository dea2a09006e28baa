//! Opening the lead records and the events file; and a record with its
//! events, converted on whichever thread takes it.

use std::fs::File;
use std::io::{self, BufRead, BufReader};

use crate::lead::Lead;
use crate::plan::Plan;
use crate::record::{
    EventsFile, Format, Json, LeadEvents, LeadScratch, Orphans, Problem, RawRecord, ReadEvents,
    RecordError, Records, SortedEvents, SpilledEvents, DEFAULT_EVENTS_MEMORY,
};

/// An opened leads or events file, read on a thread of its own while
/// the records before are scored.
pub type Input = Box<dyn BufRead + Send>;

/// The lead records and their events file, opened.
pub struct OpenedLeads {
    /// The leads file as named in messages.
    pub file: String,
    pub records: Records<Input>,
    pub events: Option<EventSource>,
}

/// Where the events of CSV leads come from: a whole file grouped by lead
/// (any order), the same file spilled to sorted runs on disk when it is
/// larger than its memory budget, or a file sorted by lead id merged in
/// one pass.
pub enum EventSource {
    Grouped(EventsFile),
    Spilled(Box<SpilledEvents>),
    Sorted {
        rows: Box<SortedEvents<Input>>,
        previous: Option<String>,
    },
}

impl EventSource {
    /// The bad rows found so far, to report.
    pub(super) fn take_errors(&mut self) -> Vec<RecordError> {
        match self {
            EventSource::Grouped(file) => std::mem::take(&mut file.errors),
            EventSource::Spilled(runs) => std::mem::take(&mut runs.errors),
            EventSource::Sorted { rows, .. } => std::mem::take(&mut rows.errors),
        }
    }

    /// What removes the files of a spilled events file even if the thread
    /// holding it is not waited for.
    pub(super) fn cleanup(&self) -> Option<crate::record::RunsCleanup> {
        match self {
            EventSource::Spilled(runs) => Some(runs.cleanup()),
            EventSource::Sorted { rows, .. } => rows.cleanup(),
            EventSource::Grouped(_) => None,
        }
    }

    /// The rows of one lead; `Err` when sorted leads are out of order or
    /// the events file cannot be read.
    fn take(&mut self, lead: &str) -> Result<LeadEvents, String> {
        match self {
            EventSource::Grouped(file) => Ok(file.take(lead)),
            EventSource::Spilled(runs) => runs
                .take(lead)
                .map_err(|e| format!("reading the events failed: {e}")),
            EventSource::Sorted { rows, previous } => {
                if let Some(before) = previous.as_deref() {
                    if lead < before {
                        return Err(format!(
                            "`--events-sorted` needs the leads sorted by id, but `{lead}` comes after `{before}`; {}",
                            crate::record::SORTED_IDS_HINT
                        ));
                    }
                }
                *previous = Some(lead.to_string());
                rows.take(lead)
            }
        }
    }

    /// Every row whose lead never appeared, in file order.
    pub fn orphans(self) -> Result<Orphans, String> {
        match self {
            EventSource::Grouped(file) => Ok(file.into_orphans()),
            EventSource::Spilled(runs) => runs
                .orphans()
                .map_err(|e| format!("reading the events failed: {e}")),
            EventSource::Sorted { rows, .. } => rows.orphans(),
        }
    }
}

/// A leads or events file that cannot be opened, or whose start cannot be
/// read (such as a CSV header naming a column twice).
#[derive(Debug)]
pub struct OpenError {
    /// `leads` or `events`.
    what: &'static str,
    /// The file as named in messages.
    file: String,
    pub error: io::Error,
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cannot read {} `{}`: {}",
            self.what, self.file, self.error
        )
    }
}

/// Opens the lead records (`-` for stdin) and their events file, `sorted`
/// when both are sorted by lead id.
pub fn open_leads(
    leads: &str,
    events: Option<&str>,
    sorted: bool,
) -> Result<OpenedLeads, OpenError> {
    open_leads_within(leads, events, sorted, DEFAULT_EVENTS_MEMORY)
}

/// [`open_leads`], holding an events file in any order in at most about
/// `budget` bytes of memory: past that, it is spilled to sorted runs on
/// disk and merged.
pub fn open_leads_within(
    leads: &str,
    events: Option<&str>,
    sorted: bool,
    budget: usize,
) -> Result<OpenedLeads, OpenError> {
    let file = display_name(leads);
    let records = open_records(leads).map_err(|error| OpenError {
        what: "leads",
        file: file.clone(),
        error,
    })?;
    let events = open_events(events, sorted, budget).map_err(|error| OpenError {
        what: "events",
        file: events.unwrap_or("").to_string(),
        error,
    })?;
    Ok(OpenedLeads {
        file,
        records,
        events,
    })
}

/// Opens a lead file (or stdin for `-`) as a stream of records.
fn open_records(path: &str) -> io::Result<Records<Input>> {
    let mut reader: Input = if path == "-" {
        Box::new(BufReader::new(io::stdin()))
    } else {
        Box::new(BufReader::with_capacity(1 << 16, File::open(path)?))
    };
    let format = Format::sniff(reader.fill_buf()?, Format::from_path(path));
    Records::new(reader, format)
}

/// Opens the `--events` file, if any.
fn open_events(path: Option<&str>, sorted: bool, budget: usize) -> io::Result<Option<EventSource>> {
    let Some(path) = path else { return Ok(None) };
    let mut reader: Input = if path == "-" {
        Box::new(BufReader::new(io::stdin()))
    } else {
        Box::new(BufReader::new(File::open(path)?))
    };
    let format = Format::sniff(
        reader.fill_buf()?,
        Format::from_path(path).or(Some(Format::Csv)),
    );
    if sorted {
        let rows = Box::new(SortedEvents::new(reader, format, path, budget)?);
        return Ok(Some(EventSource::Sorted {
            rows,
            previous: None,
        }));
    }
    Ok(Some(
        match EventsFile::read_within(reader, format, path, budget)? {
            ReadEvents::Held(file) => EventSource::Grouped(file),
            ReadEvents::Spilled(runs) => EventSource::Spilled(runs),
        },
    ))
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
    events: LeadEvents,
}

impl Pending {
    /// The line the record starts on.
    pub fn line(&self) -> usize {
        self.raw.line
    }
}

/// Takes the record's events out of the events file (sequentially, since
/// the file is shared); the record is parsed here only when its id cannot
/// be read without.
pub(super) fn attach_events(
    raw: RawRecord,
    events: Option<&mut EventSource>,
    id_key: &str,
) -> Result<Pending, String> {
    let Some(events) = events else {
        return Ok(Pending {
            raw,
            events: LeadEvents::default(),
        });
    };
    let (raw, id) = raw.with_id_key(id_key);
    let extra = match id {
        Some(id) => events.take(&id)?,
        None => LeadEvents::default(),
    };
    Ok(Pending { raw, events: extra })
}

/// Converts a record to a lead, into the lead a worker keeps between
/// records (see [`LeadScratch`]), or the error that names its place.
// A bad record is rare and ends up printed; its size does not matter.
#[allow(clippy::result_large_err)]
pub fn convert_in<'s>(
    plan: &Plan,
    pending: Pending,
    file: &str,
    scratch: &'s mut LeadScratch,
) -> Result<&'s Lead, RecordError> {
    let Pending { raw, events } = pending;
    raw.to_lead_with_events(plan, events, scratch)
        .map_err(|p| p.at(file, raw.line, &raw.raw))
}

/// Converts a record with `read`, which sees the record's JSON and the
/// events the events file holds for it (to convert it for several plans,
/// or to read more than the schema declares).
#[allow(clippy::result_large_err)]
pub fn convert_with<T>(
    pending: Pending,
    file: &str,
    read: impl FnOnce(&Json, &[(usize, Json)]) -> Result<T, Problem>,
) -> Result<T, RecordError> {
    let Pending { raw, events } = pending;
    let (line, text) = (raw.line, raw.raw.clone());
    let json = raw
        .into_json()
        .map_err(|m| Problem::whole(m).at(file, line, &text))?;
    events.own_id().map_err(|p| p.at(file, line, &text))?;
    let events_file = events.file();
    read(&json, &events.into_json())
        .map_err(|p| p.in_events_file(&events_file).at(file, line, &text))
}
