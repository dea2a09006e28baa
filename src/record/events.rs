//! Events files: rows of events kept apart from their leads (`--events`),
//! matched to the leads by id. A file in any order is held whole, grouped
//! by lead, each row kept as its text until its lead is converted; the
//! rows of one lead travel to the converting thread as [`LeadEvents`].
//! The rows whose lead never appears are handed back as [`Orphans`].

use std::collections::BTreeMap;
use std::io::{self, BufRead};
use std::sync::Arc;

use super::cells::csv_event;
use super::csv_text::{csv_line, split_cells};
use super::error::{Problem, RecordError};
use super::fast;
use super::json::Json;
use super::raw::{parse_json, RawRecord};
use super::records::{CsvRow, Format, Records};
use crate::lead::Event;
use crate::plan::Plan;

/// Events from a separate file, grouped by lead id. Each row is kept as
/// the text it was read from and made into JSON again only when its lead
/// is scored: a row's JSON object takes about ten times the memory of its
/// text, and the whole file is held at once.
#[derive(Debug, Default)]
pub struct EventsFile {
    /// The rows of each lead id; emptied when a lead takes them, and kept
    /// so, since another lead with the same id could not be told apart.
    /// A B-tree rather than a hash map: it is read out in id order when
    /// the rows are spilled, and it grows by small nodes, where a hash
    /// map's table is reallocated whole as it doubles. Freeing those
    /// tables (megabytes) made glibc keep as much freed memory unreturned
    /// in every thread, which put small budgets over (performance.md,
    /// round 12).
    pub(super) by_lead: BTreeMap<String, Vec<StoredRow>>,
    /// A CSV file's header, which names the cells of every stored row.
    header: Option<Arc<[String]>>,
    file: Arc<str>,
    pub errors: Vec<RecordError>,
}

/// The events-file rows of one lead, kept as text: the thread converting
/// the lead makes them into JSON, not the thread reading the records.
#[derive(Debug, Default)]
pub struct LeadEvents {
    pub(super) stored: Vec<StoredRow>,
    pub(super) header: Option<Arc<[String]>>,
    pub(super) file: Arc<str>,
    /// The lead's id when an earlier lead of the same id took its rows.
    pub(super) taken_before: Option<String>,
}

impl LeadEvents {
    /// `Err` when an earlier lead of the same id took the rows: which of
    /// the two they belong to cannot be known.
    pub fn own_id(&self) -> Result<(), Problem> {
        match &self.taken_before {
            None => Ok(()),
            Some(id) => Err(Problem {
                field: Some("id".to_string()),
                value: Some(Json::String(id.clone()).show()),
                ..Problem::whole(
                    "an id of its own: an earlier lead has this id, and the events file's rows for it went to that lead".to_string(),
                )
            }),
        }
    }

    /// The name of the events file the rows come from.
    pub fn file(&self) -> Arc<str> {
        self.file.clone()
    }

    /// The rows with their lines, in file order.
    pub fn into_json(self) -> Vec<(usize, Json)> {
        let header = self.header.as_deref();
        self.stored
            .iter()
            .map(|row| (row.line, row.json(header)))
            .collect()
    }

    /// The plan's events among the rows, in file order, read straight from
    /// the cells of CSV rows and the text of NDJSON ones. `Err` holds the
    /// rows as [`into_json`] gives them when any row needs the careful
    /// reading (something in it does not convert, or is unusual), which
    /// words the problem: so an `Ok` is what the careful reading gives for
    /// rows without errors.
    ///
    /// [`into_json`]: LeadEvents::into_json
    pub(super) fn into_events(self, plan: &Plan) -> Result<Vec<Event>, Vec<(usize, Json)>> {
        let header = self.header.as_deref();
        let mut events = Vec::with_capacity(self.stored.len());
        let mut unquoted = Vec::new();
        for row in &self.stored {
            let event = match header {
                None => fast::read_event_row(plan, &row.text),
                Some(header) if row.text.contains('"') => {
                    csv_event(plan, header, &csv_cells(&row.text))
                }
                Some(header) => {
                    // Unquoted, a row holds no comma but those between its
                    // cells.
                    unquoted.clear();
                    unquoted.extend(row.text.split(','));
                    csv_event(plan, header, &unquoted)
                }
            };
            match event {
                Some(event) => events.extend(event),
                None => return Err(self.into_json()),
            }
        }
        Ok(events)
    }
}

/// A row of an events file: its line and its text (an NDJSON line, or a
/// CSV row as [`Records`] writes it back).
#[derive(Debug)]
pub(super) struct StoredRow {
    pub(super) line: usize,
    pub(super) text: Box<str>,
}

impl EventsFile {
    /// Reads a CSV (`lead_id,type,at,<properties>`) or NDJSON events file.
    /// The whole file is held in memory, grouped by lead, because its rows
    /// may come in any order.
    pub fn read<R: BufRead>(reader: R, format: Format, file: &str) -> std::io::Result<EventsFile> {
        let mut records = Records::new(reader, format)?;
        let mut events = EventsFile {
            header: records.csv_header(),
            file: Arc::from(file),
            ..EventsFile::default()
        };
        while let Some(row) = records.next_event_row(file) {
            match row? {
                Ok(row) => events.by_lead.entry(row.lead).or_default().push(row.row),
                Err(error) => events.errors.push(error),
            }
        }
        Ok(events)
    }

    /// No rows yet, of a file with this header.
    pub(super) fn empty(header: Option<Arc<[String]>>, file: &str) -> EventsFile {
        EventsFile {
            header,
            file: Arc::from(file),
            ..EventsFile::default()
        }
    }

    /// The header, the file's name and the bad rows.
    #[allow(clippy::type_complexity)]
    pub(super) fn into_parts(self) -> (Option<Arc<[String]>>, Arc<str>, Vec<RecordError>) {
        (self.header, self.file, self.errors)
    }

    /// Takes out the rows of one lead.
    pub fn take(&mut self, lead: &str) -> LeadEvents {
        let (stored, taken_before) = match self.by_lead.get_mut(lead) {
            Some(rows) if rows.is_empty() => (Vec::new(), Some(lead.to_string())),
            Some(rows) => (std::mem::take(rows), None),
            None => (Vec::new(), None),
        };
        LeadEvents {
            stored,
            header: self.header.clone(),
            file: self.file.clone(),
            taken_before,
        }
    }

    /// The rows of one lead, left in place, with their lines, in file order.
    pub fn get(&self, lead: &str) -> Vec<(usize, Json)> {
        let rows = self
            .by_lead
            .get(lead)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let header = self.header.as_deref();
        rows.iter()
            .map(|row| (row.line, row.json(header)))
            .collect()
    }

    /// Every row left, whose lead never appeared.
    pub fn into_orphans(self) -> Orphans {
        let mut rows: Vec<EventRow> = self
            .by_lead
            .into_iter()
            .flat_map(|(lead, rows)| rows.into_iter().map(move |row| (lead.clone(), row)))
            .map(|(lead, row)| EventRow { lead, row })
            .collect();
        rows.sort_by_key(|r| r.row.line);
        Orphans::held(rows, self.header)
    }

    /// Every row left, with its lead, in file order.
    pub fn rows(&self) -> Vec<(String, usize, Json)> {
        let mut rows: Vec<(String, usize, Json)> = self
            .by_lead
            .iter()
            .flat_map(|(lead, rows)| {
                let header = self.header.as_deref();
                rows.iter()
                    .map(move |row| (lead.clone(), row.line, row.json(header)))
            })
            .collect();
        rows.sort_by_key(|(_, line, _)| *line);
        rows
    }
}

impl StoredRow {
    /// The row's JSON, as it was when the row was read (and checked).
    fn json(&self, header: Option<&[String]>) -> Json {
        match header {
            Some(header) => Json::Object(
                header
                    .iter()
                    .cloned()
                    .zip(csv_cells(&self.text).into_iter().map(Json::String))
                    .collect(),
            ),
            // Read without error once, so it reads the same again.
            None => parse_json(&self.text).unwrap_or(Json::Null),
        }
    }
}

/// The cells of a stored CSV row.
fn csv_cells(text: &str) -> Vec<String> {
    let mut cells = csv::StringRecord::new();
    split_cells(text, &mut cells);
    cells.iter().map(str::to_string).collect()
}

/// One row of an events file and the lead it belongs to.
pub struct EventRow {
    pub lead: String,
    pub(super) row: StoredRow,
}

/// Reads the lead id of an events-file row, or the error that says why not.
// A bad row is rare and ends up printed; its size does not matter.
#[allow(clippy::result_large_err)]
fn event_row(record: RawRecord, file: &str) -> Result<EventRow, RecordError> {
    if let Some(lead) = record
        .is_unparsed()
        .then(|| fast::read_id(&record.raw, "lead_id"))
        .flatten()
    {
        return Ok(EventRow {
            lead,
            row: StoredRow {
                line: record.line,
                text: record.raw.into_string().into_boxed_str(),
            },
        });
    }
    let record = record.parsed();
    let (line, raw) = (record.line, record.raw.clone());
    let json = record
        .into_json()
        .map_err(|m| Problem::whole(m).at(file, line, &raw))?;
    let lead = match json.get("lead_id") {
        Some(Json::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        Some(Json::Number(n)) => n.to_string(),
        other => {
            return Err(Problem::new("lead_id", other, "the id of a lead").at(file, line, &raw));
        }
    };
    Ok(EventRow {
        lead,
        row: StoredRow {
            line,
            text: raw.into_string().into_boxed_str(),
        },
    })
}

/// The rows of an events file whose lead never appeared, in file order.
/// They can be many (an activity log for more leads than are scored), so
/// each is made into JSON only as it is handed out, and past the events
/// file's budget they come from runs on disk (`record::orphans`).
pub struct Orphans {
    rows: OrphanSource,
    header: Option<Arc<[String]>>,
}

/// Where the rows come from, in file order.
enum OrphanSource {
    Held(std::vec::IntoIter<EventRow>),
    Merged(Box<dyn Iterator<Item = io::Result<EventRow>> + Send>),
}

impl Orphans {
    /// Rows held in memory, already in file order.
    pub(super) fn held(rows: Vec<EventRow>, header: Option<Arc<[String]>>) -> Orphans {
        Orphans {
            rows: OrphanSource::Held(rows.into_iter()),
            header,
        }
    }

    /// Rows merged from runs on disk, in file order.
    pub(super) fn merged(
        rows: Box<dyn Iterator<Item = io::Result<EventRow>> + Send>,
        header: Option<Arc<[String]>>,
    ) -> Orphans {
        Orphans {
            rows: OrphanSource::Merged(rows),
            header,
        }
    }

    /// The events file's header row, when it is a CSV, as a CSV line.
    pub fn header_line(&self) -> Option<String> {
        self.header.as_deref().map(csv_line)
    }

    /// Each row's lead, line and text (a CSV row with its cells quoted
    /// as [`Orphans::header_line`] quotes them); an error when a run on
    /// disk cannot be read back.
    pub fn into_rows(self) -> impl Iterator<Item = io::Result<(String, usize, Box<str>)>> {
        let rows: Box<dyn Iterator<Item = io::Result<EventRow>> + Send> = match self.rows {
            OrphanSource::Held(rows) => Box::new(rows.map(Ok)),
            OrphanSource::Merged(rows) => rows,
        };
        rows.map(|r| r.map(|r| (r.lead, r.row.line, r.row.text)))
    }
}

impl<R: BufRead> Records<R> {
    /// The next row of an events file with the lead it belongs to, or the
    /// error that says why it has none. A CSV row's lead is read from its
    /// cell, without making the row into JSON.
    // A bad row is rare and ends up printed; its size does not matter.
    #[allow(clippy::result_large_err)]
    #[inline]
    pub(super) fn next_event_row(
        &mut self,
        file: &str,
    ) -> Option<std::io::Result<Result<EventRow, RecordError>>> {
        let Some(lead_column) = self.csv_column("lead_id") else {
            return Some(self.next()?.map(|record| event_row(record, file)));
        };
        Some(Ok(match self.next_csv_row()? {
            CsvRow::Cells { line, raw, cells } => {
                let cell = lead_column.and_then(|i| cells.get(i));
                match cell.map(str::trim).filter(|c| !c.is_empty()) {
                    Some(lead) => Ok(EventRow {
                        lead: lead.to_string(),
                        row: StoredRow {
                            line,
                            text: raw.into_boxed_str(),
                        },
                    }),
                    None => {
                        let found = cell.map(|c| Json::String(c.to_string()));
                        Err(Problem::new("lead_id", found.as_ref(), "the id of a lead")
                            .at(file, line, &raw))
                    }
                }
            }
            CsvRow::Bad { line, raw, message } => Err(Problem::whole(message).at(file, line, &raw)),
        }))
    }
}
