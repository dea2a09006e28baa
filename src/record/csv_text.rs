//! CSV rows as the text they were written in. The `csv` crate reads cells
//! well, but it cannot hand back a row's own text (which `--rejects` and
//! `--orphans` must keep unchanged) and it counts lines one short in files
//! with CRLF endings. So the rows are cut here, by physical line, and the
//! cells split from each row's text with the same quoting rules
//! (RFC 4180: a cell that opens with `"` runs to the next lone `"`, and
//! `""` inside it is one quote; a quote elsewhere is an ordinary character).
//! Rows written back (rejected rows, orphaned rows, CSV results) are
//! quoted here too, by the same rules, so that they read the same again.

use std::io::BufRead;

/// Where a scan of a row stands after some of its bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Quoting {
    CellStart,
    Plain,
    Quoted,
    /// A quote inside a quoted cell: its end, or the first of a pair.
    QuoteInQuoted,
}

impl Quoting {
    fn after(self, bytes: &[u8]) -> Quoting {
        bytes.iter().fold(self, |state, &b| match (state, b) {
            (Quoting::Quoted, b'"') => Quoting::QuoteInQuoted,
            (Quoting::Quoted, _) => Quoting::Quoted,
            (Quoting::QuoteInQuoted, b'"') => Quoting::Quoted,
            (_, b',') => Quoting::CellStart,
            (Quoting::CellStart, b'"') => Quoting::Quoted,
            _ => Quoting::Plain,
        })
    }
}

/// One row of a CSV file: the line it starts on and its text without the
/// line ending, or why it cannot be read.
#[derive(Debug, PartialEq, Eq)]
pub enum RowText {
    Row {
        line: usize,
        text: String,
    },
    Bad {
        line: usize,
        text: String,
        message: String,
    },
}

/// Cuts a CSV input into rows. Empty lines are not rows; a row may span
/// lines inside a quoted cell.
pub struct CsvRows<R> {
    reader: R,
    /// The physical lines read so far.
    line: usize,
    bytes: Vec<u8>,
    started: bool,
    done: bool,
}

impl<R: BufRead> CsvRows<R> {
    pub fn new(reader: R) -> Self {
        CsvRows {
            reader,
            line: 0,
            bytes: Vec::new(),
            started: false,
            done: false,
        }
    }

    /// Reads one physical line onto the row's bytes; `false` at the end.
    fn read_line(&mut self) -> std::io::Result<bool> {
        let start = self.bytes.len();
        if self.reader.read_until(b'\n', &mut self.bytes)? == 0 {
            return Ok(false);
        }
        self.line += 1;
        if !self.started {
            self.started = true;
            if self.bytes.get(start..start + 3) == Some(b"\xEF\xBB\xBF".as_slice()) {
                self.bytes.drain(start..start + 3);
            }
        }
        Ok(true)
    }

    /// The physical lines read so far: where a failed read stopped.
    pub fn lines_read(&self) -> usize {
        self.line
    }

    fn stop(&mut self, error: std::io::Error) -> std::io::Error {
        self.done = true;
        error
    }

    pub fn next_row(&mut self) -> Option<std::io::Result<RowText>> {
        if self.done {
            return None;
        }
        self.bytes.clear();
        loop {
            match self.read_line() {
                Ok(true) if is_blank(&self.bytes) => self.bytes.clear(),
                Ok(true) => break,
                Ok(false) => return None,
                Err(e) => return Some(Err(self.stop(e))),
            }
        }
        let line = self.line;
        // Most rows hold no quote, and then they end with their line.
        let mut quoting = match self.bytes.contains(&b'"') {
            true => Quoting::CellStart.after(&self.bytes),
            false => Quoting::Plain,
        };
        while quoting == Quoting::Quoted {
            let end = self.bytes.len();
            match self.read_line() {
                Ok(true) => quoting = quoting.after(self.bytes.get(end..).unwrap_or_default()),
                Ok(false) => {
                    self.done = true;
                    let text = String::from_utf8_lossy(&self.bytes).into_owned();
                    let message = "a quoted cell is not closed before the end of the file";
                    return Some(Ok(RowText::Bad {
                        line,
                        text,
                        message: message.to_string(),
                    }));
                }
                Err(e) => return Some(Err(self.stop(e))),
            }
        }
        let ending = line_ending(&self.bytes);
        let bytes = self
            .bytes
            .get(..self.bytes.len() - ending)
            .unwrap_or_default();
        Some(Ok(match std::str::from_utf8(bytes) {
            Ok(text) => RowText::Row {
                line,
                text: text.to_string(),
            },
            Err(_) => RowText::Bad {
                line,
                text: String::from_utf8_lossy(bytes).into_owned(),
                message: "the row is not UTF-8 text".to_string(),
            },
        }))
    }
}

fn is_blank(bytes: &[u8]) -> bool {
    matches!(bytes, b"\n" | b"\r\n" | b"\r")
}

/// The length of the `\n` or `\r\n` that ends a row.
fn line_ending(bytes: &[u8]) -> usize {
    match bytes {
        [.., b'\r', b'\n'] => 2,
        [.., b'\n'] => 1,
        _ => 0,
    }
}

/// Splits a row's text into its cells.
pub fn split_cells(text: &str, cells: &mut csv::StringRecord) {
    cells.clear();
    if !text.contains('"') {
        for cell in text.split(',') {
            cells.push_field(cell);
        }
        return;
    }
    let mut cell = String::new();
    let mut quoting = Quoting::CellStart;
    for c in text.chars() {
        let mut utf8 = [0; 4];
        let next = quoting.after(c.encode_utf8(&mut utf8).as_bytes());
        match (quoting, next) {
            (_, Quoting::CellStart) if quoting != Quoting::Quoted => {
                cells.push_field(&cell);
                cell.clear();
            }
            // The quotes that open, close or double are not in the cell.
            (Quoting::CellStart, Quoting::Quoted) | (Quoting::Quoted, Quoting::QuoteInQuoted) => {}
            _ => cell.push(c),
        }
        quoting = next;
    }
    cells.push_field(&cell);
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn rows(text: &str) -> Vec<RowText> {
        let mut rows = CsvRows::new(text.as_bytes());
        std::iter::from_fn(|| rows.next_row().map(Result::unwrap)).collect()
    }

    fn row(line: usize, text: &str) -> RowText {
        RowText::Row {
            line,
            text: text.to_string(),
        }
    }

    #[test]
    fn rows_keep_their_text_and_first_line_whatever_the_line_ending() {
        let text = "\u{feff}id,note\r\n1,\"two\r\nlines\"\r\n\r\n3,\"a, \"\"b\"\"\"\n4,x\"y\n";
        assert_eq!(
            rows(text),
            vec![
                row(1, "id,note"),
                row(2, "1,\"two\r\nlines\""),
                row(5, "3,\"a, \"\"b\"\"\""),
                row(6, "4,x\"y"),
            ]
        );
    }

    #[test]
    fn an_unclosed_quote_ends_the_file_with_a_bad_row() {
        let mut rows = CsvRows::new("id\n\"open\nmore\n".as_bytes());
        assert_eq!(rows.next_row().unwrap().unwrap(), row(1, "id"));
        assert!(matches!(
            rows.next_row().unwrap().unwrap(),
            RowText::Bad { line: 2, .. }
        ));
        assert!(rows.next_row().is_none());
    }

    /// The cells are the ones the `csv` crate reads from the same text.
    #[test]
    fn cells_are_split_as_the_csv_crate_splits_them() {
        let texts = [
            "a,b,c",
            "",
            ",",
            "\"a, b\",c",
            "\"say \"\"hi\"\"\",x",
            "x\"y,z",
            "\"a\"b,c",
            " \"a\",b",
            "\"\",\"\"",
            "\"two\r\nlines\",ü",
        ];
        for text in texts {
            let mut ours = csv::StringRecord::new();
            split_cells(text, &mut ours);
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(text.as_bytes());
            let theirs = reader
                .records()
                .next()
                .map(Result::unwrap)
                .unwrap_or_else(|| csv::StringRecord::from(vec![""]));
            assert_eq!(ours, theirs, "{text:?}");
        }
    }
}
