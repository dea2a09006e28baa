//! Lead records: reading NDJSON, JSON arrays and CSV (with an events file),
//! and converting each record to the types the plan declares.

mod array;
mod csv_text;
pub mod fast;
pub mod json;

use std::collections::HashMap;
use std::fmt;
use std::io::BufRead;
use std::sync::Arc;

pub use fast::LeadScratch;
pub use json::{Json, Raw};

use crate::lead::{Event, FieldValue, Lead};
use crate::plan::Plan;
use crate::plan::ValueType;
use crate::text::{fold, trim};
use crate::time::parse_instant;
use csv_text::{split_cells, CsvRows, RowText};

/// A record that cannot be scored, with everything needed to find and fix it.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordError {
    pub file: String,
    pub line: usize,
    pub field: Option<String>,
    pub value: Option<String>,
    pub expected: String,
    /// Where the value is when it belongs to a row of an events file
    /// rather than to the record itself.
    pub event_row: Option<EventPlace>,
    /// The record's text as read, for `--rejects`.
    pub raw: String,
}

/// A row of an events file: the file and the line.
#[derive(Clone, Debug, PartialEq)]
pub struct EventPlace {
    pub file: Arc<str>,
    pub line: usize,
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: ", self.file, self.line)?;
        if let Some(row) = &self.event_row {
            write!(f, "its event on {}:{}: ", row.file, row.line)?;
        }
        match (&self.field, &self.value) {
            (Some(field), Some(value)) => {
                write!(f, "field `{field}` is {value}; expected {}", self.expected)
            }
            (Some(field), None) => {
                write!(f, "field `{field}` is missing; expected {}", self.expected)
            }
            (None, Some(value)) => write!(f, "{value}; expected {}", self.expected),
            (None, None) => f.write_str(&self.expected),
        }
    }
}

/// A problem inside one record, before it is placed in a file and line.
#[derive(Debug)]
pub struct Problem {
    pub field: Option<String>,
    pub value: Option<String>,
    pub expected: String,
    pub event_row: Option<EventPlace>,
}

impl Problem {
    /// A problem with the record as a whole (it is not JSON, say).
    pub fn whole(expected: String) -> Problem {
        Problem {
            field: None,
            value: None,
            expected,
            event_row: None,
        }
    }

    /// The problem placed in a row of an events file; the line is what
    /// [`add_extra_events`] found it on.
    pub fn in_events_file(mut self, file: &Arc<str>) -> Problem {
        if let Some(row) = &mut self.event_row {
            row.file = file.clone();
        }
        self
    }

    /// The problem placed in its file and line, with the record's text.
    pub fn at(self, file: &str, line: usize, raw: &str) -> RecordError {
        RecordError {
            file: file.to_string(),
            line,
            field: self.field,
            value: self.value,
            expected: self.expected,
            event_row: self.event_row,
            raw: raw.to_string(),
        }
    }

    pub(crate) fn new(
        field: impl Into<String>,
        value: Option<&Json>,
        expected: impl Into<String>,
    ) -> Problem {
        Problem {
            field: Some(field.into()),
            value: value.map(Json::show),
            expected: expected.into(),
            event_row: None,
        }
    }
}

/// One record as read from its file, not yet converted.
#[derive(Debug)]
pub struct RawRecord {
    pub line: usize,
    pub raw: String,
    /// `None` for an NDJSON line not parsed yet (parsing is left to the
    /// thread that converts the record) and for a CSV row, which holds its
    /// cells instead.
    json: Option<Result<Json, String>>,
    csv: Option<CsvCells>,
}

/// The cells of a CSV row and the header that names them. They are made
/// into a JSON object only when a record needs the careful reading.
#[derive(Debug)]
struct CsvCells {
    header: Arc<[String]>,
    cells: csv::StringRecord,
}

impl CsvCells {
    /// The cell under `name`: the first column of that name, as a JSON
    /// object of the row finds it.
    fn get(&self, name: &str) -> Option<&str> {
        let column = self.header.iter().position(|h| h == name)?;
        self.cells.get(column)
    }

    fn json(&self) -> Json {
        Json::Object(
            self.header
                .iter()
                .zip(self.cells.iter())
                .map(|(h, v)| (h.clone(), Json::String(v.to_string())))
                .collect(),
        )
    }
}

impl RawRecord {
    /// Parses the record now, if it has not been.
    pub fn parsed(mut self) -> Self {
        if self.json.is_none() && self.csv.is_none() {
            self.json = Some(parse_json(&self.raw));
        }
        self
    }

    /// The record's JSON, once parsed and when it is valid.
    pub fn json(&self) -> Option<&Json> {
        self.json.as_ref().and_then(|j| j.as_ref().ok())
    }

    /// Whether the record is a CSV row (whose cells are read without
    /// parsing).
    pub fn is_csv(&self) -> bool {
        self.csv.is_some()
    }

    /// The record's id as events files are matched against it, once the
    /// record is [`parsed`](Self::parsed); `None` when it has none.
    pub fn id_key(&self) -> Option<String> {
        match &self.csv {
            Some(row) => row.get("id").map(|id| id.trim().to_string()),
            None => self
                .json()
                .and_then(|j| j.get("id"))
                .map(|id| id_key(&id.to_serde())),
        }
    }

    /// The record and its id as [`id_key`](Self::id_key) gives it. An NDJSON
    /// line is read for its id alone when it can be, so that it is still
    /// read straight into the plan's slots later; it is parsed when not.
    pub fn with_id_key(self) -> (Self, Option<String>) {
        if self.json.is_none() && self.csv.is_none() {
            if let Some(id) = fast::read_id(&self.raw, "id") {
                return (self, Some(id));
            }
        }
        let parsed = self.parsed();
        let id = parsed.id_key();
        (parsed, id)
    }

    /// Converts the record to a lead of the plan's schema. An NDJSON line
    /// not parsed yet is read straight into the plan's slots when it can
    /// be, and through the JSON tree (which words any problem) when not.
    pub fn to_lead(&self, plan: &Plan, extra_events: &[(usize, Json)]) -> Result<Lead, Problem> {
        let mut scratch = LeadScratch::default();
        self.to_lead_in(plan, extra_events, &mut scratch)?;
        Ok(scratch.lead)
    }

    /// Converts the record as [`to_lead`](Self::to_lead) does, into the
    /// lead `scratch` kept from the previous record so that its vectors
    /// are reused. After an error the scratch's lead means nothing.
    pub fn to_lead_in<'s>(
        &self,
        plan: &Plan,
        extra_events: &[(usize, Json)],
        scratch: &'s mut LeadScratch,
    ) -> Result<&'s Lead, Problem> {
        let parsed;
        let json = match (&self.json, &self.csv) {
            (Some(Ok(json)), _) => json,
            (Some(Err(message)), _) => return Err(Problem::whole(message.clone())),
            (None, Some(row)) => {
                if fast::read_csv_lead_into(plan, &row.header, &row.cells, scratch) {
                    add_extra_events(plan, &mut scratch.lead.events, extra_events)?;
                    return Ok(&scratch.lead);
                }
                parsed = row.json();
                &parsed
            }
            (None, None) => {
                if fast::read_lead_into(plan, &self.raw, scratch) {
                    add_extra_events(plan, &mut scratch.lead.events, extra_events)?;
                    return Ok(&scratch.lead);
                }
                parsed = parse_json(&self.raw).map_err(Problem::whole)?;
                &parsed
            }
        };
        scratch.lead = to_lead(plan, json, extra_events)?;
        Ok(&scratch.lead)
    }

    /// Converts the record and its rows from an events file, as
    /// [`to_lead_in`](Self::to_lead_in) does with the rows' JSON.
    pub fn to_lead_with_events<'s>(
        &self,
        plan: &Plan,
        events: LeadEvents,
        scratch: &'s mut LeadScratch,
    ) -> Result<&'s Lead, Problem> {
        let file = events.file();
        events.own_id()?;
        match events.into_events(plan) {
            Ok(extra) => {
                self.to_lead_in(plan, &[], scratch)?;
                scratch.lead.events.extend(extra);
                Ok(&scratch.lead)
            }
            Err(extra) => self
                .to_lead_in(plan, &extra, scratch)
                .map_err(|problem| problem.in_events_file(&file)),
        }
    }

    /// The record's JSON (parsed here if need be), or why it is not JSON.
    pub fn into_json(self) -> Result<Json, String> {
        match (self.json, self.csv) {
            (Some(json), _) => json,
            (None, Some(row)) => Ok(row.json()),
            (None, None) => parse_json(&self.raw),
        }
    }
}

fn parse_json(text: &str) -> Result<Json, String> {
    serde_json::from_str::<Json>(text).map_err(|e| describe_json_error(&e))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Ndjson,
    JsonArray,
    Csv,
}

impl Format {
    /// The format named by a file's extension; `None` to sniff the content.
    pub fn from_path(path: &str) -> Option<Format> {
        let lower = path.to_lowercase();
        if lower.ends_with(".ndjson") || lower.ends_with(".jsonl") {
            Some(Format::Ndjson)
        } else if lower.ends_with(".json") {
            Some(Format::JsonArray)
        } else if lower.ends_with(".csv") {
            Some(Format::Csv)
        } else {
            None
        }
    }

    /// A JSON file that holds objects rather than an array is read as NDJSON.
    pub fn sniff(first_bytes: &[u8], hint: Option<Format>) -> Format {
        let first = first_bytes
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .copied();
        match (hint, first) {
            (Some(Format::Csv), _) => Format::Csv,
            (_, Some(b'[')) => Format::JsonArray,
            (_, Some(b'{')) => Format::Ndjson,
            (Some(h), _) => h,
            (None, _) => Format::Csv,
        }
    }
}

/// Reads records one at a time from any of the input formats.
pub struct Records<R: BufRead> {
    inner: Inner<R>,
}

enum Inner<R: BufRead> {
    Ndjson {
        reader: R,
        line: usize,
        /// Kept between lines, so that a line is read without growing a
        /// new string step by step; each record gets an exact copy.
        buffer: Vec<u8>,
    },
    Array(array::ArrayElements<R>),
    Csv {
        rows: CsvRows<R>,
        headers: Arc<[String]>,
        /// The row being read, kept between rows for its buffers.
        row: csv::StringRecord,
    },
}

/// One row of a CSV input: its cells, or why it has none.
enum CsvRow<'r> {
    Cells {
        line: usize,
        raw: String,
        cells: &'r csv::StringRecord,
    },
    Bad {
        line: usize,
        raw: String,
        message: String,
    },
}

impl<R: BufRead> Records<R> {
    pub fn new(reader: R, format: Format) -> std::io::Result<Records<R>> {
        let inner = match format {
            Format::Ndjson => Inner::Ndjson {
                reader,
                line: 0,
                buffer: Vec::new(),
            },
            Format::JsonArray => Inner::Array(array::ArrayElements::new(reader)),
            Format::Csv => {
                let mut rows = CsvRows::new(reader);
                let mut row = csv::StringRecord::new();
                match rows.next_row().transpose()? {
                    Some(RowText::Row { text, .. }) => split_cells(&text, &mut row),
                    Some(RowText::Bad { message, .. }) => {
                        return Err(std::io::Error::new(
                            std::io::ErrorKind::InvalidData,
                            format!("the header row cannot be read: {message}"),
                        ))
                    }
                    None => {}
                }
                let headers: Arc<[String]> = row.iter().map(|h| h.trim().to_string()).collect();
                // A second column of a name would be read by nobody.
                for (i, name) in headers.iter().enumerate() {
                    if let Some(again) = headers.iter().skip(i + 1).position(|h| h == name) {
                        return Err(std::io::Error::new(
                            std::io::ErrorKind::InvalidData,
                            format!(
                                "the CSV header names `{name}` twice (columns {} and {}); rename one",
                                i + 1,
                                i + again + 2
                            ),
                        ));
                    }
                }
                Inner::Csv { rows, headers, row }
            }
        };
        Ok(Records { inner })
    }
}

impl<R: BufRead> Records<R> {
    /// The header of a CSV input, which names the cells of its rows.
    fn csv_header(&self) -> Option<Arc<[String]>> {
        match &self.inner {
            Inner::Csv { headers, .. } => Some(headers.clone()),
            _ => None,
        }
    }

    /// The header row of a CSV input, as a CSV line.
    pub fn header_line(&self) -> Option<String> {
        self.csv_header().map(|h| csv_line(h.iter()))
    }
}

impl<R: BufRead> Iterator for Records<R> {
    type Item = std::io::Result<RawRecord>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.inner {
            Inner::Ndjson {
                reader,
                line,
                buffer,
            } => loop {
                buffer.clear();
                match reader.read_until(b'\n', buffer) {
                    Ok(0) => return None,
                    Ok(_) => {
                        *line += 1;
                        // A line that is not UTF-8 is one bad record, not
                        // the end of the file.
                        let Ok(text) = std::str::from_utf8(buffer) else {
                            return Some(Ok(RawRecord {
                                line: *line,
                                raw: String::from_utf8_lossy(buffer)
                                    .trim_end_matches(['\n', '\r'])
                                    .to_string(),
                                json: Some(Err("the line is not UTF-8 text".to_string())),
                                csv: None,
                            }));
                        };
                        let text = text.trim_end_matches(['\n', '\r']);
                        let text = match *line {
                            1 => text.trim_start_matches('\u{feff}'),
                            _ => text,
                        };
                        if text.trim().is_empty() {
                            continue;
                        }
                        return Some(Ok(RawRecord {
                            line: *line,
                            raw: text.to_string(),
                            json: None,
                            csv: None,
                        }));
                    }
                    Err(e) => return Some(Err(e)),
                }
            },
            Inner::Array(elements) => elements.next_element(),
            Inner::Csv { headers, .. } => {
                let header = headers.clone();
                Some(Ok(match self.next_csv_row()? {
                    CsvRow::Cells { line, raw, cells } => RawRecord {
                        line,
                        raw,
                        json: None,
                        csv: Some(CsvCells {
                            header,
                            cells: cells.clone(),
                        }),
                    },
                    CsvRow::Bad { line, raw, message } => RawRecord {
                        line,
                        raw,
                        json: Some(Err(message)),
                        csv: None,
                    },
                }))
            }
        }
    }
}

impl<R: BufRead> Records<R> {
    /// The next row of a CSV input (`None` at its end, or for other
    /// inputs), with its text as it was in the file.
    fn next_csv_row(&mut self) -> Option<CsvRow<'_>> {
        let Inner::Csv { rows, headers, row } = &mut self.inner else {
            return None;
        };
        let (line, raw) = match rows.next_row()? {
            Ok(RowText::Row { line, text }) => (line, text),
            Ok(RowText::Bad {
                line,
                text,
                message,
            }) => {
                return Some(CsvRow::Bad {
                    line,
                    raw: text,
                    message: format!("unreadable CSV: {message}"),
                })
            }
            Err(e) => {
                return Some(CsvRow::Bad {
                    line: rows.lines_read() + 1,
                    raw: String::new(),
                    message: format!("unreadable CSV: {e}"),
                })
            }
        };
        split_cells(&raw, row);
        if row.len() != headers.len() {
            let message = format!(
                "the row has {} columns but the header has {}",
                row.len(),
                headers.len()
            );
            return Some(CsvRow::Bad { line, raw, message });
        }
        Some(CsvRow::Cells {
            line,
            raw,
            cells: row,
        })
    }

    /// The next row of an events file with the lead it belongs to, or the
    /// error that says why it has none. A CSV row's lead is read from its
    /// cell, without making the row into JSON.
    // A bad row is rare and ends up printed; its size does not matter.
    #[allow(clippy::result_large_err)]
    fn next_event_row(
        &mut self,
        file: &str,
    ) -> Option<std::io::Result<Result<EventRow, RecordError>>> {
        let lead_column = match &self.inner {
            Inner::Csv { headers, .. } => Some(headers.iter().position(|h| h == "lead_id")),
            _ => None,
        };
        let Some(lead_column) = lead_column else {
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

/// Writes a cell, quoted when it holds a comma, a quote or a line break.
fn push_csv_quoted(out: &mut String, cell: &str) {
    if cell
        .bytes()
        .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
    {
        out.push('"');
        out.push_str(&cell.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(cell);
    }
}

/// Cells joined into one CSV line, quoted where they need it: the rule
/// rejected rows, orphaned rows and CSV results are all written by.
pub fn csv_line<S: AsRef<str>>(cells: impl IntoIterator<Item = S>) -> String {
    let mut line = String::new();
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        push_csv_quoted(&mut line, cell.as_ref());
    }
    line
}

fn describe_json_error(e: &serde_json::Error) -> String {
    let text = e.to_string();
    // serde_json appends " at line 1 column 17"; the line is ours to report.
    match text.rfind(" at line ") {
        Some(i) => format!("broken JSON: {} (column {})", &text[..i], e.column()),
        None => format!("broken JSON: {text}"),
    }
}

/// Events from a separate file, grouped by lead id. Each row is kept as
/// the text it was read from and made into JSON again only when its lead
/// is scored: a row's JSON object takes about ten times the memory of its
/// text, and the whole file is held at once.
#[derive(Debug, Default)]
pub struct EventsFile {
    /// The rows of each lead id; emptied when a lead takes them, and kept
    /// so, since another lead with the same id could not be told apart.
    by_lead: HashMap<String, Vec<StoredRow>>,
    /// A CSV file's header, which names the cells of every stored row.
    header: Option<Arc<[String]>>,
    file: Arc<str>,
    pub errors: Vec<RecordError>,
}

/// The events-file rows of one lead, kept as text: the thread converting
/// the lead makes them into JSON, not the thread reading the records.
#[derive(Debug, Default)]
pub struct LeadEvents {
    stored: Vec<StoredRow>,
    header: Option<Arc<[String]>>,
    file: Arc<str>,
    /// The lead's id when an earlier lead of the same id took its rows.
    taken_before: Option<String>,
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
    pub fn into_events(self, plan: &Plan) -> Result<Vec<Event>, Vec<(usize, Json)>> {
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

/// What [`to_event`] makes of a CSV row of an events file: `Some(None)` for
/// an undeclared type, `None` where it would find a problem.
fn csv_event<S: AsRef<str>>(plan: &Plan, header: &[String], cells: &[S]) -> Option<Option<Event>> {
    let cell = |name: &str| {
        let column = header.iter().position(|h| h == name)?;
        cells.get(column).map(AsRef::as_ref)
    };
    let Some(event) = plan.event_type(cell("type")?) else {
        return Some(None);
    };
    let at = parse_instant(cell("at")?)?;
    let declared = plan.props(event);
    let props = declared
        .iter()
        .map(|prop| {
            let value = cell(&prop.name).map_or(Raw::Null, Raw::Str);
            convert_raw(plan, value, prop.ty).ok()
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Some(Event { event, at, props }))
}

/// A row of an events file: its line and its text (an NDJSON line, or a
/// CSV row as [`Records`] writes it back).
#[derive(Debug)]
struct StoredRow {
    line: usize,
    text: Box<str>,
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
        Orphans {
            rows,
            header: self.header,
        }
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
    row: StoredRow,
}

/// Reads the lead id of an events-file row, or the error that says why not.
// A bad row is rare and ends up printed; its size does not matter.
#[allow(clippy::result_large_err)]
fn event_row(record: RawRecord, file: &str) -> Result<EventRow, RecordError> {
    let unread = record.json.is_none() && record.csv.is_none();
    if let Some(lead) = unread
        .then(|| fast::read_id(&record.raw, "lead_id"))
        .flatten()
    {
        return Ok(EventRow {
            lead,
            row: StoredRow {
                line: record.line,
                text: record.raw.into_boxed_str(),
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
            text: raw.into_boxed_str(),
        },
    })
}

/// An events file sorted by lead id, merged with leads sorted the same way:
/// one pass over both, holding only the current lead's rows.
pub struct SortedEvents<R: BufRead> {
    rows: Records<R>,
    /// A CSV file's header, for the rows handed out as text.
    header: Option<Arc<[String]>>,
    file: Arc<str>,
    next: Option<EventRow>,
    /// The last lead that took rows, which a lead of the same id after it
    /// could not be told apart from.
    last_taken: String,
    /// Rows whose lead never appeared (it sorts between two leads).
    orphans: Vec<EventRow>,
    pub errors: Vec<RecordError>,
}

impl<R: BufRead> SortedEvents<R> {
    pub fn new(reader: R, format: Format, file: &str) -> std::io::Result<Self> {
        let rows = Records::new(reader, format)?;
        Ok(SortedEvents {
            header: rows.csv_header(),
            rows,
            file: Arc::from(file),
            next: None,
            last_taken: String::new(),
            orphans: Vec::new(),
            errors: Vec::new(),
        })
    }

    fn peek(&mut self) -> std::io::Result<Option<&EventRow>> {
        while self.next.is_none() {
            match self.rows.next_event_row(&self.file) {
                None => return Ok(None),
                Some(row) => match row? {
                    Ok(row) => self.next = Some(row),
                    Err(error) => self.errors.push(error),
                },
            }
        }
        Ok(self.next.as_ref())
    }

    /// The rows of `lead`, which must not sort before the previous lead.
    /// Rows of ids that sort before it belong to no lead.
    pub fn take(&mut self, lead: &str) -> std::io::Result<LeadEvents> {
        let taken_before = (!lead.is_empty() && self.last_taken == lead).then(|| lead.to_string());
        let mut rows = Vec::new();
        while let Some(row) = self.peek()? {
            let order = row.lead.as_str().cmp(lead);
            if order == std::cmp::Ordering::Greater {
                break;
            }
            let Some(row) = self.next.take() else { break };
            if order == std::cmp::Ordering::Equal {
                // Rows travel as text, read on the thread that converts
                // the lead.
                rows.push(row.row);
            } else {
                self.orphans.push(row);
            }
        }
        if !rows.is_empty() {
            self.last_taken.clear();
            self.last_taken.push_str(lead);
        }
        Ok(LeadEvents {
            stored: rows,
            header: self.header.clone(),
            file: self.file.clone(),
            taken_before,
        })
    }

    /// Every row whose lead never appeared, with its lead, in file order:
    /// those passed over so far and every row after the last lead.
    pub fn orphans(mut self) -> std::io::Result<Orphans> {
        while self.peek()?.is_some() {
            if let Some(row) = self.next.take() {
                self.orphans.push(row);
            }
        }
        Ok(Orphans {
            rows: self.orphans,
            header: self.header,
        })
    }
}

/// The rows of an events file whose lead never appeared, in file order.
/// They can be many (an activity log for more leads than are scored), so
/// each is made into JSON only as it is handed out.
pub struct Orphans {
    rows: Vec<EventRow>,
    header: Option<Arc<[String]>>,
}

impl Orphans {
    /// The events file's header row, when it is a CSV, as a CSV line.
    pub fn header_line(&self) -> Option<String> {
        self.header.as_deref().map(csv_line)
    }

    /// Each row's lead, line and text (a CSV row with its cells quoted
    /// as [`Orphans::header_line`] quotes them).
    pub fn into_rows(self) -> impl Iterator<Item = (String, usize, Box<str>)> {
        self.rows
            .into_iter()
            .map(|r| (r.lead, r.row.line, r.row.text))
    }
}

/// The text form of an id, for matching events to leads.
pub fn id_key(id: &serde_json::Value) -> String {
    match id {
        serde_json::Value::String(s) => s.trim().to_string(),
        other => other.to_string(),
    }
}

/// Converts one record to a lead of the plan's schema.
pub fn to_lead(
    plan: &Plan,
    record: &Json,
    extra_events: &[(usize, Json)],
) -> Result<Lead, Problem> {
    let Json::Object(_) = record else {
        return Err(Problem {
            value: Some(record.show()),
            ..Problem::whole("a lead record: a JSON object with an `id`".to_string())
        });
    };
    let id = match record.get("id") {
        // Echoed exactly as given; matching against events trims it.
        Some(Json::String(s)) if !s.trim().is_empty() => serde_json::Value::String(s.clone()),
        Some(Json::Number(n)) => serde_json::Value::Number(n.clone()),
        other => {
            return Err(Problem::new(
                "id",
                other,
                "an `id` (text or a number) on every lead record",
            ))
        }
    };
    let mut fields = Vec::with_capacity(plan.fields.len());
    for field in &plan.fields {
        let value = convert(plan, record.get(&field.key), field.ty).map_err(|expected| {
            Problem::new(field.key.clone(), record.get(&field.key), expected)
        })?;
        fields.push(value);
    }
    let mut events = Vec::new();
    match record.get("events") {
        None | Some(Json::Null) => {}
        Some(Json::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                if let Some(event) = to_event(plan, item, Some(&format!("events[{i}]")))? {
                    events.push(event);
                }
            }
        }
        Some(other) => return Err(Problem::new("events", Some(other), "an array of events")),
    }
    add_extra_events(plan, &mut events, extra_events)?;
    Ok(Lead { id, fields, events })
}

/// Appends the events an events file holds for a lead. A problem names
/// the row's line; the caller, which knows the file, names the file.
fn add_extra_events(
    plan: &Plan,
    events: &mut Vec<Event>,
    extra_events: &[(usize, Json)],
) -> Result<(), Problem> {
    for (line, item) in extra_events {
        let event = to_event(plan, item, None).map_err(|problem| Problem {
            event_row: Some(EventPlace {
                file: Arc::from("the events file"),
                line: *line,
            }),
            ..problem
        })?;
        events.extend(event);
    }
    Ok(())
}

/// Reads one event; `place` is where it sits in its record (`events[2]`),
/// `None` for a row of an events file, which is an event all by itself.
fn to_event(plan: &Plan, item: &Json, place: Option<&str>) -> Result<Option<Event>, Problem> {
    let field = |name: &str| match place {
        Some(place) => format!("{place}.{name}"),
        None => name.to_string(),
    };
    let Json::Object(_) = item else {
        return Err(Problem {
            field: place.map(str::to_string),
            value: Some(item.show()),
            ..Problem::whole("an event object with `type` and `at`".to_string())
        });
    };
    let event_id = match item.get("type") {
        Some(Json::String(s)) => plan.event_type(s),
        other => {
            return Err(Problem::new(
                field("type"),
                other,
                "the event's type as text",
            ))
        }
    };
    let Some(event_id) = event_id else {
        return Ok(None);
    };
    let at = match item.get("at") {
        Some(Json::String(s)) => parse_instant(s),
        _ => None,
    };
    let Some(at) = at else {
        return Err(Problem::new(
            field("at"),
            item.get("at"),
            "an RFC 3339 instant such as \"2026-10-01T09:30:00Z\" or a date such as \"2026-10-01\"",
        ));
    };
    let declared = plan.props(event_id);
    let mut props = Vec::with_capacity(declared.len());
    for prop in declared {
        let value = convert(plan, item.get(&prop.name), prop.ty)
            .map_err(|expected| Problem::new(field(&prop.name), item.get(&prop.name), expected))?;
        props.push(value);
    }
    Ok(Some(Event {
        event: event_id,
        at,
        props,
    }))
}

/// Converts a JSON value to a declared type; `Err` names what was expected.
fn convert(plan: &Plan, value: Option<&Json>, ty: ValueType) -> Result<FieldValue, String> {
    convert_raw(plan, value.map_or(Raw::Null, Json::raw), ty)
}

/// Converts a value as read, from a [`Json`] tree or straight from the
/// record's text, so that both readers convert alike.
pub(crate) fn convert_raw(
    plan: &Plan,
    value: Raw<'_>,
    ty: ValueType,
) -> Result<FieldValue, String> {
    match value {
        Raw::Null => return Ok(FieldValue::Missing),
        Raw::Str(s) if trim(s).is_empty() => return Ok(FieldValue::Missing),
        _ => {}
    }
    match ty {
        ValueType::Text => match value {
            Raw::Str(s) => Ok(text(s)),
            Raw::Number(n) => Ok(text(&n.to_string())),
            Raw::Bool(b) => Ok(text(&b.to_string())),
            _ => Err("text".to_string()),
        },
        ValueType::Number => match value {
            Raw::Number(n) => n
                .as_f64()
                .map(FieldValue::Number)
                .ok_or_else(|| "a number".to_string()),
            Raw::Str(s) => s
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .map(FieldValue::Number)
                .ok_or_else(|| "a number".to_string()),
            _ => Err("a number".to_string()),
        },
        ValueType::Bool => match value {
            Raw::Bool(b) => Ok(FieldValue::Bool(b)),
            Raw::Str(s) => match s.trim().to_lowercase().as_str() {
                "true" => Ok(FieldValue::Bool(true)),
                "false" => Ok(FieldValue::Bool(false)),
                _ => Err("true or false".to_string()),
            },
            _ => Err("true or false".to_string()),
        },
        ValueType::Date => match value {
            Raw::Str(s) => parse_instant(s)
                .map(FieldValue::Date)
                .ok_or_else(|| "a date (2026-10-01) or an RFC 3339 instant".to_string()),
            _ => Err("a date (2026-10-01) or an RFC 3339 instant".to_string()),
        },
        ValueType::Enum(e) => {
            let values = plan.enums.get(e).map(Vec::as_slice).unwrap_or(&[]);
            let expected = || format!("one of [{}]", values.join(", "));
            let s = match value {
                Raw::Str(s) => {
                    let s = trim(s);
                    // ASCII text against ASCII values needs no folded
                    // copies; other values fold as before.
                    if s.is_ascii() {
                        return values
                            .iter()
                            .position(|v| match v.is_ascii() {
                                true => v.trim().eq_ignore_ascii_case(s),
                                false => fold(v) == s.to_ascii_lowercase(),
                            })
                            .map(FieldValue::Enum)
                            .ok_or_else(expected);
                    }
                    s.to_string()
                }
                Raw::Number(n) => n.to_string(),
                _ => return Err(expected()),
            };
            let folded = fold(&s);
            values
                .iter()
                .position(|v| fold(v) == folded)
                .map(FieldValue::Enum)
                .ok_or_else(expected)
        }
        ValueType::TextList => {
            let items: Vec<String> = match value {
                Raw::Array(items) => {
                    let mut out = Vec::new();
                    for item in items {
                        match item {
                            Json::String(s) => out.push(fold(s)),
                            Json::Number(n) => out.push(n.to_string()),
                            Json::Null => {}
                            _ => return Err("a list of text".to_string()),
                        }
                    }
                    out
                }
                // CSV cells (and text in JSON) hold the list separated by `;`.
                Raw::Str(s) => s.split(';').map(fold).collect(),
                _ => return Err("a list of text".to_string()),
            };
            let items: Vec<String> = items.into_iter().filter(|s| !s.is_empty()).collect();
            if items.is_empty() {
                Ok(FieldValue::Missing)
            } else {
                Ok(FieldValue::List(items))
            }
        }
    }
}

fn text(s: &str) -> FieldValue {
    text_in(s, &mut Vec::new())
}

/// A text value, written into emptied `strings` kept from earlier values
/// when there are some (the fast reader keeps them between records).
pub(crate) fn text_in(s: &str, strings: &mut Vec<String>) -> FieldValue {
    let raw = trim(s);
    let mut copy = |text: &str| {
        let mut buffer = strings.pop().unwrap_or_default();
        buffer.push_str(text);
        buffer
    };
    let folded = if raw.is_ascii() {
        // The same as `to_lowercase` for ASCII, without building a string
        // only to find it equal.
        raw.bytes().any(|b| b.is_ascii_uppercase()).then(|| {
            let mut folded = copy(raw);
            folded.make_ascii_lowercase();
            folded
        })
    } else {
        Some(raw.to_lowercase()).filter(|folded| folded != raw)
    };
    FieldValue::Text {
        raw: copy(raw),
        folded,
    }
}
