//! One record as its reader found it, before conversion: its line, its
//! text as written (for `--rejects`), and what reading it has given so far.
//! Parsing is left to the thread that converts the record, so the record
//! travels as text, a CSV row's cells, or the reason it cannot be read.

use std::ops::{Deref, Range};
use std::sync::Arc;

use super::fast;
use super::json::Json;

/// One record as read from its file, not yet converted.
#[derive(Debug)]
pub struct RawRecord {
    pub line: usize,
    pub raw: RecordText,
    pub(super) content: Content,
}

/// A record's text as written: its own string, or a line of the block of
/// input it was read in, shared with the other records of that block.
#[derive(Debug, Clone)]
pub struct RecordText(TextStore);

#[derive(Debug, Clone)]
enum TextStore {
    Own(String),
    Shared {
        block: Arc<String>,
        range: Range<usize>,
    },
}

impl RecordText {
    pub(super) fn shared(block: Arc<String>, range: Range<usize>) -> Self {
        RecordText(TextStore::Shared { block, range })
    }

    /// The text as a string of its own.
    pub fn into_string(self) -> String {
        match self.0 {
            TextStore::Own(text) => text,
            TextStore::Shared { .. } => self.to_string(),
        }
    }
}

impl Deref for RecordText {
    type Target = str;

    fn deref(&self) -> &str {
        match &self.0 {
            TextStore::Own(text) => text,
            TextStore::Shared { block, range } => block.get(range.clone()).unwrap_or_default(),
        }
    }
}

impl From<String> for RecordText {
    fn from(text: String) -> Self {
        RecordText(TextStore::Own(text))
    }
}

impl std::fmt::Display for RecordText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self)
    }
}

/// What is known of a record's content.
#[derive(Debug)]
pub(super) enum Content {
    /// An NDJSON line (or JSON array element) not parsed yet: parsing is
    /// left to the thread that converts the record, which reads it straight
    /// into the plan's slots when it can.
    Unparsed,
    /// The record's JSON.
    Parsed(Json),
    /// Why the record is not JSON, or not a row.
    Unreadable(String),
    /// A CSV row, whose cells are read without parsing.
    Cells(CsvCells),
}

/// The cells of a CSV row and the header that names them. They are made
/// into a JSON object only when a record needs the careful reading.
#[derive(Debug)]
pub(super) struct CsvCells {
    pub(super) header: Arc<[String]>,
    pub(super) cells: csv::StringRecord,
}

impl CsvCells {
    /// The cell under `name`: the first column of that name, as a JSON
    /// object of the row finds it.
    fn get(&self, name: &str) -> Option<&str> {
        let column = self.header.iter().position(|h| h == name)?;
        self.cells.get(column)
    }

    /// The row as a JSON object of text values, for the careful reading.
    pub(super) fn json(&self) -> Json {
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
    /// A line or element whose text is yet to be parsed.
    pub(super) fn unparsed(line: usize, raw: RecordText) -> RawRecord {
        RawRecord {
            line,
            raw,
            content: Content::Unparsed,
        }
    }

    /// A record that cannot be read, and why.
    pub(super) fn unreadable(line: usize, raw: String, message: String) -> RawRecord {
        RawRecord {
            line,
            raw: raw.into(),
            content: Content::Unreadable(message),
        }
    }

    /// A CSV row and the header that names its cells.
    pub(super) fn cells(
        line: usize,
        raw: String,
        header: Arc<[String]>,
        cells: csv::StringRecord,
    ) -> RawRecord {
        RawRecord {
            line,
            raw: raw.into(),
            content: Content::Cells(CsvCells { header, cells }),
        }
    }

    /// Whether the record is text not parsed yet.
    pub(super) fn is_unparsed(&self) -> bool {
        matches!(self.content, Content::Unparsed)
    }

    /// Parses the record now, if it has not been.
    pub fn parsed(mut self) -> Self {
        if self.is_unparsed() {
            self.content = match parse_json(&self.raw) {
                Ok(json) => Content::Parsed(json),
                Err(message) => Content::Unreadable(message),
            };
        }
        self
    }

    /// The record's JSON, once parsed and when it is valid.
    pub fn json(&self) -> Option<&Json> {
        match &self.content {
            Content::Parsed(json) => Some(json),
            _ => None,
        }
    }

    /// The record's id as events files are matched against it, once the
    /// record is [`parsed`](Self::parsed); `None` when it has none.
    pub fn id_key(&self, key: &str) -> Option<String> {
        match &self.content {
            Content::Cells(row) => row.get(key).map(|id| id.trim().to_string()),
            _ => self
                .json()
                .and_then(|j| j.get(key))
                .map(|id| id_key(&id.to_serde())),
        }
    }

    /// The record and its id as [`id_key`](Self::id_key) gives it. An NDJSON
    /// line is read for its id alone when it can be, so that it is still
    /// read straight into the plan's slots later; it is parsed when not.
    pub fn with_id_key(self, key: &str) -> (Self, Option<String>) {
        if self.is_unparsed() {
            if let Some(id) = fast::read_id(&self.raw, key) {
                return (self, Some(id));
            }
        }
        let parsed = self.parsed();
        let id = parsed.id_key(key);
        (parsed, id)
    }

    /// The record's JSON (parsed here if need be), or why it is not JSON.
    pub fn into_json(self) -> Result<Json, String> {
        match self.content {
            Content::Parsed(json) => Ok(json),
            Content::Unreadable(message) => Err(message),
            Content::Cells(row) => Ok(row.json()),
            Content::Unparsed => parse_json(&self.raw),
        }
    }
}

/// The text form of an id, for matching events to leads.
pub fn id_key(id: &serde_json::Value) -> String {
    match id {
        serde_json::Value::String(s) => s.trim().to_string(),
        other => other.to_string(),
    }
}

/// Parses a record's text, or words why it is not JSON.
pub(super) fn parse_json(text: &str) -> Result<Json, String> {
    serde_json::from_str::<Json>(text).map_err(|e| describe_json_error(&e))
}

fn describe_json_error(e: &serde_json::Error) -> String {
    let text = e.to_string();
    // serde_json appends " at line 1 column 17"; the line is ours to report.
    match text.rfind(" at line ") {
        Some(i) => format!("broken JSON: {} (column {})", &text[..i], e.column()),
        None => format!("broken JSON: {text}"),
    }
}
