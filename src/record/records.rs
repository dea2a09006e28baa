//! The stream of records: a file in any of the input formats (NDJSON, a
//! JSON array, CSV) read one record at a time, each handed out as a
//! [`RawRecord`] with its line and its text, for a converting thread to
//! make into a lead. Memory does not grow with the file.

use std::io::BufRead;
use std::sync::Arc;

use super::array;
use super::csv_text::{csv_line, split_cells, CsvRows, RowText};
use super::ndjson::NdjsonLines;
use super::raw::RawRecord;

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
    Ndjson(NdjsonLines<R>),
    Array(array::ArrayElements<R>),
    Csv {
        rows: CsvRows<R>,
        headers: Arc<[String]>,
        /// The row being read, kept between rows for its buffers.
        row: csv::StringRecord,
    },
}

/// One row of a CSV input: its cells, or why it has none.
pub(super) enum CsvRow<'r> {
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
            Format::Ndjson => Inner::Ndjson(NdjsonLines::new(reader)),
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
    pub(super) fn csv_header(&self) -> Option<Arc<[String]>> {
        match &self.inner {
            Inner::Csv { headers, .. } => Some(headers.clone()),
            _ => None,
        }
    }

    /// The column a CSV input's header names `name` in (`Some(None)` when
    /// it names none); `None` for the other inputs.
    #[inline]
    pub(super) fn csv_column(&self, name: &str) -> Option<Option<usize>> {
        match &self.inner {
            Inner::Csv { headers, .. } => Some(headers.iter().position(|h| h == name)),
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
            Inner::Ndjson(lines) => lines.next_record(),
            Inner::Array(elements) => elements.next_element(),
            Inner::Csv { headers, .. } => {
                let header = headers.clone();
                Some(Ok(match self.next_csv_row()? {
                    CsvRow::Cells { line, raw, cells } => {
                        RawRecord::cells(line, raw, header, cells.clone())
                    }
                    CsvRow::Bad { line, raw, message } => RawRecord::unreadable(line, raw, message),
                }))
            }
        }
    }
}

impl<R: BufRead> Records<R> {
    /// The next row of a CSV input (`None` at its end, or for other
    /// inputs), with its text as it was in the file.
    pub(super) fn next_csv_row(&mut self) -> Option<CsvRow<'_>> {
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
}
