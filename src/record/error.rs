//! What goes wrong with a record, in two steps: a [`Problem`] is found
//! inside one record by whoever reads it (the tree, an events file), and
//! becomes a [`RecordError`] once the stream places it in its file and
//! line with the record's text. Kept apart from the readers so that every
//! reader words its problems the same way.

use std::fmt;
use std::sync::Arc;

use super::json::Json;

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
    /// `tree::add_extra_events` found it on.
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
