//! A JSON array of records, read one element at a time: the elements are
//! cut out of the input by matching brackets and quotes, so memory does not
//! grow with the file, and each element is then read as an NDJSON line is
//! (straight into the plan's slots when it can be).
//!
//! An element that is not valid JSON is a record error like any other, as
//! long as its end can be found; when it cannot (an unclosed string or
//! bracket, a `]` closing a `{`, something other than `,` or `]` between
//! elements) the rest of the array is unreadable and reading stops there.

use std::io::{self, BufRead};

use super::raw::RawRecord;

pub(super) struct ArrayElements<R> {
    reader: R,
    /// The line of the next byte to read.
    line: usize,
    state: State,
    /// A problem found after an element, reported after it is.
    pending: Option<(usize, &'static str)>,
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    /// Before the opening `[`.
    Start,
    /// Before an element (after `[` or a `,`).
    Element,
    /// After the array's `]`, where only whitespace may follow.
    Closed,
    /// Reading has ended, well or not.
    Done,
}

/// How the bytes of an element ended.
enum Scan {
    /// At its last byte.
    Complete,
    /// At a closing bracket of the wrong kind, included.
    Mismatched,
    /// With the input.
    Eof,
}

impl<R: BufRead> ArrayElements<R> {
    pub(super) fn new(reader: R) -> Self {
        ArrayElements {
            reader,
            line: 1,
            state: State::Start,
            pending: None,
        }
    }

    pub(super) fn next_element(&mut self) -> Option<io::Result<RawRecord>> {
        self.next_inner().transpose()
    }

    fn next_inner(&mut self) -> io::Result<Option<RawRecord>> {
        if let Some((line, problem)) = self.pending.take() {
            self.line = line;
            return Ok(self.fail(problem));
        }
        if self.state == State::Start {
            self.skip_bom()?;
            if self.skip_whitespace()? != Some(b'[') {
                return Ok(self.fail("a JSON lead file must hold an array of objects"));
            }
            self.reader.consume(1);
            self.state = State::Element;
            if self.skip_whitespace()? == Some(b']') {
                self.close();
            }
        }
        if self.state == State::Closed {
            // Whatever follows would be lost without a word: a second
            // array, or NDJSON lines after a first line that is an array.
            return Ok(match self.skip_whitespace()? {
                None => {
                    self.state = State::Done;
                    None
                }
                Some(_) => self.fail(
                    "more data after the `]` that closes the JSON array \u{2014} a lead file holds one array; the rest is not read",
                ),
            });
        }
        if self.state == State::Done {
            return Ok(None);
        }
        match self.skip_whitespace()? {
            None => return Ok(self.fail("the JSON array is not closed with `]`")),
            // `[1,,2]`: an element is missing; say so rather than skip it.
            Some(b',' | b']') => {
                self.reader.consume(1);
                return Ok(self.fail(
                    "broken JSON: an element of the array is missing \u{2014} the rest of the array cannot be read",
                ));
            }
            Some(_) => {}
        }
        let line = self.line;
        let mut bytes = Vec::new();
        let scan = self.scan_element(&mut bytes)?;
        let raw = String::from_utf8(bytes)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "the file is not UTF-8"))?;
        let broken = match scan {
            Scan::Eof => {
                Some("broken JSON: the input ends inside this element, so the array is not closed")
            }
            Scan::Mismatched => Some("broken JSON: a bracket closes the wrong kind of bracket \u{2014} the rest of the array cannot be read"),
            Scan::Complete => None,
        };
        if let Some(problem) = broken {
            self.state = State::Done;
            return Ok(Some(RawRecord::unreadable(line, raw, problem.to_string())));
        }
        match self.skip_whitespace()? {
            Some(b',') => {
                self.reader.consume(1);
                // A trailing comma before `]` is forgiven, as people write it.
                if self.skip_whitespace()? == Some(b']') {
                    self.close();
                }
            }
            Some(b']') => self.close(),
            // The element itself is whole: it is scored, then the problem
            // after it reported.
            None => {
                self.state = State::Done;
                self.pending = Some((self.line, "the JSON array is not closed with `]`"));
            }
            Some(_) => {
                self.state = State::Done;
                self.pending = Some((
                    self.line,
                    "expected `,` or `]` between elements of the JSON array \u{2014} the rest of the array cannot be read",
                ));
            }
        }
        Ok(Some(RawRecord::unparsed(line, raw.into())))
    }

    /// Ends reading with an error record at the current line.
    /// Takes the array's closing `]`.
    fn close(&mut self) {
        self.reader.consume(1);
        self.state = State::Closed;
    }

    fn fail(&mut self, message: &str) -> Option<RawRecord> {
        self.state = State::Done;
        Some(RawRecord::unreadable(
            self.line,
            String::new(),
            message.to_string(),
        ))
    }

    fn skip_bom(&mut self) -> io::Result<()> {
        if self.reader.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
            self.reader.consume(3);
        }
        Ok(())
    }

    /// Skips whitespace and returns the next byte, not consumed.
    fn skip_whitespace(&mut self) -> io::Result<Option<u8>> {
        loop {
            let buf = self.reader.fill_buf()?;
            let Some(&first) = buf.first() else {
                return Ok(None);
            };
            let blank = buf
                .iter()
                .position(|b| !b.is_ascii_whitespace())
                .unwrap_or(buf.len());
            self.line += newlines(buf.get(..blank).unwrap_or_default());
            self.reader.consume(blank);
            if blank > 0 {
                continue;
            }
            return Ok(Some(first));
        }
    }

    /// Moves the bytes of one element (which starts at the next byte) into
    /// `out`, following strings and brackets to find where it ends.
    fn scan_element(&mut self, out: &mut Vec<u8>) -> io::Result<Scan> {
        // The closing bracket each open bracket expects.
        let mut open: Vec<u8> = Vec::new();
        let mut in_string = false;
        let mut escaped = false;
        loop {
            let buf = self.reader.fill_buf()?;
            if buf.is_empty() {
                return Ok(Scan::Eof);
            }
            let mut end = None;
            let mut i = 0;
            while let Some(&b) = buf.get(i) {
                if in_string {
                    if escaped {
                        escaped = false;
                    } else if b == b'\\' {
                        escaped = true;
                    } else if b == b'"' {
                        in_string = false;
                        if open.is_empty() {
                            end = Some((i + 1, Scan::Complete));
                            break;
                        }
                    } else {
                        // Most of an element is text: jump to its next quote
                        // or backslash.
                        let rest = buf.get(i..).unwrap_or_default();
                        let skip = rest.iter().position(|&c| c == b'"' || c == b'\\');
                        i += skip.unwrap_or(rest.len());
                        continue;
                    }
                    i += 1;
                    continue;
                }
                match b {
                    b'"' => in_string = true,
                    b'{' => open.push(b'}'),
                    b'[' => open.push(b']'),
                    b'}' | b']' => match open.last() {
                        Some(&expected) if expected == b => {
                            open.pop();
                            if open.is_empty() {
                                end = Some((i + 1, Scan::Complete));
                                break;
                            }
                        }
                        Some(_) => {
                            end = Some((i + 1, Scan::Mismatched));
                            break;
                        }
                        // The array's own `]`, after a bare value.
                        None => {
                            end = Some((i, Scan::Complete));
                            break;
                        }
                    },
                    b',' if open.is_empty() => {
                        end = Some((i, Scan::Complete));
                        break;
                    }
                    _ if open.is_empty() && b.is_ascii_whitespace() => {
                        end = Some((i, Scan::Complete));
                        break;
                    }
                    _ => {}
                }
                i += 1;
            }
            let taken = end.as_ref().map_or(buf.len(), |(n, _)| *n);
            let bytes = buf.get(..taken).unwrap_or_default();
            out.extend_from_slice(bytes);
            self.line += newlines(bytes);
            self.reader.consume(taken);
            if let Some((_, scan)) = end {
                return Ok(scan);
            }
        }
    }
}

fn newlines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}
