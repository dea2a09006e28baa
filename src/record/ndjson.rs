//! NDJSON records read a block at a time: the file is read in blocks of
//! about a mebibyte cut at a line end, checked as UTF-8 once, and each
//! line handed out as a slice of its block. A record then costs no
//! allocation and no copy of its own; the block is freed when the last
//! record cut from it has been scored.

use std::collections::VecDeque;
use std::io::{self, BufRead};
use std::sync::Arc;

use super::raw::{RawRecord, RecordText};

/// About how many bytes are read at once.
const BLOCK: usize = 1 << 18;

/// The lines of an NDJSON input, one record each; blank lines skipped.
pub(super) struct NdjsonLines<R> {
    reader: R,
    /// About how many bytes are read at once: [`BLOCK`] but in tests.
    block_size: usize,
    /// The line of the last record handed out.
    line: usize,
    block: Block,
    /// Where the next line of the block starts.
    next: usize,
    /// Bytes read past the block's last line end: the start of the next.
    carry: Vec<u8>,
    /// The blocks handed out lately, so that one whose records are all
    /// scored is read into again ([`NdjsonLines::spare_buffer`]).
    recent: VecDeque<Arc<String>>,
}

/// How many blocks handed out are remembered: more than a few batches of
/// records span, so that a block is free again before it is forgotten.
const RECENT_BLOCKS: usize = 32;

/// A block of whole lines.
enum Block {
    /// Valid UTF-8, shared by the records cut from it.
    Text(Arc<String>),
    /// Not UTF-8 somewhere: each line is checked alone, and one that is
    /// not UTF-8 is one bad record rather than the end of the file.
    Bytes(Vec<u8>),
}

impl Block {
    fn bytes(&self) -> &[u8] {
        match self {
            Block::Text(text) => text.as_bytes(),
            Block::Bytes(bytes) => bytes,
        }
    }
}

impl<R: BufRead> NdjsonLines<R> {
    pub(super) fn new(reader: R) -> Self {
        Self::with_block_size(reader, BLOCK)
    }

    fn with_block_size(reader: R, block_size: usize) -> Self {
        NdjsonLines {
            reader,
            block_size,
            line: 0,
            block: Block::Bytes(Vec::new()),
            next: 0,
            carry: Vec::new(),
            recent: VecDeque::new(),
        }
    }

    /// The next record, `None` at the end of the input.
    pub(super) fn next_record(&mut self) -> Option<io::Result<RawRecord>> {
        loop {
            if self.next >= self.block.bytes().len() {
                match self.read_block() {
                    Ok(true) => {}
                    Ok(false) => return None,
                    Err(e) => return Some(Err(e)),
                }
            }
            let rest = self.block.bytes().get(self.next..).unwrap_or_default();
            let length = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
            let start = self.next;
            self.next += length;
            self.line += 1;
            if let Some(record) = self.record(start, start + length) {
                return Some(Ok(record));
            }
        }
    }

    /// The record of the line at `start..end` of the block, without its
    /// line end (and a byte order mark before the first); `None` when the
    /// line is blank.
    fn record(&self, start: usize, end: usize) -> Option<RawRecord> {
        let line = self.line;
        match &self.block {
            Block::Text(block) => {
                let text = block.get(start..end)?;
                let text = trim_line(text, line);
                if text.trim().is_empty() {
                    return None;
                }
                let from = text.as_ptr() as usize - block.as_ptr() as usize;
                let text = RecordText::shared(block.clone(), from..from + text.len());
                Some(RawRecord::unparsed(line, text))
            }
            Block::Bytes(bytes) => {
                let bytes = bytes.get(start..end)?;
                let Ok(text) = std::str::from_utf8(bytes) else {
                    let lossy = String::from_utf8_lossy(bytes);
                    return Some(RawRecord::unreadable(
                        line,
                        lossy.trim_end_matches(['\n', '\r']).to_string(),
                        "the line is not UTF-8 text".to_string(),
                    ));
                };
                let text = trim_line(text, line);
                if text.trim().is_empty() {
                    return None;
                }
                Some(RawRecord::unparsed(line, text.to_string().into()))
            }
        }
    }

    /// Reads the next block of whole lines (the last may lack its line
    /// end); `false` at the end of the input. A block ends at the last
    /// line end of the first read that finds one, so that lines arriving
    /// slowly through a pipe are scored as they come, not once a block
    /// has filled.
    fn read_block(&mut self) -> io::Result<bool> {
        let mut bytes = self.spare_buffer();
        let carried = self.carry.len();
        if bytes.len() < carried {
            bytes.resize(carried, 0);
        }
        if let Some(start) = bytes.get_mut(..carried) {
            start.copy_from_slice(&self.carry);
        }
        self.carry.clear();
        // The buffer is written over in place: only what lies past its
        // length is zeroed before a read.
        let mut filled = carried;
        let cut = loop {
            // A line longer than a block makes a longer block.
            let wanted = self.block_size.max(filled / 2).max(1);
            if bytes.len() < filled + wanted {
                bytes.resize(filled + wanted, 0);
            }
            let read = loop {
                let into = bytes.get_mut(filled..filled + wanted).unwrap_or_default();
                match self.reader.read(into) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    other => break other,
                }
            };
            let read = read?;
            let before = filled;
            filled += read;
            if read == 0 {
                break filled;
            }
            let new = bytes.get(before..filled).unwrap_or_default();
            if let Some(last) = memchr::memrchr(b'\n', new) {
                break before + last + 1;
            }
        };
        bytes.truncate(filled);
        if bytes.is_empty() {
            return Ok(false);
        }
        self.carry
            .extend_from_slice(bytes.get(cut..).unwrap_or_default());
        bytes.truncate(cut);
        self.block = match String::from_utf8(bytes) {
            Ok(text) => {
                let block = Arc::new(text);
                self.recent.push_back(Arc::clone(&block));
                if self.recent.len() > RECENT_BLOCKS {
                    self.recent.pop_front();
                }
                Block::Text(block)
            }
            Err(e) => Block::Bytes(e.into_bytes()),
        };
        self.next = 0;
        Ok(true)
    }

    /// The buffer of a block read earlier whose records have all been
    /// scored (only this reader still holds it), or a new one. Zeroing a
    /// new buffer for each block, and the page faults of touching it, took
    /// the reading thread a noticeable part of its time.
    fn spare_buffer(&mut self) -> Vec<u8> {
        while let Some(i) = self.recent.iter().position(|b| Arc::strong_count(b) == 1) {
            if let Some(Ok(text)) = self.recent.remove(i).map(Arc::try_unwrap) {
                return text.into_bytes();
            }
        }
        Vec::with_capacity(self.block_size + self.carry.len())
    }
}

/// A line without its line end, and the first without a byte order mark.
fn trim_line(text: &str, line: usize) -> &str {
    let text = text.trim_end_matches(['\n', '\r']);
    match line {
        1 => text.trim_start_matches('\u{feff}'),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::NdjsonLines;
    use crate::record::raw::Content;

    /// Gives at most a few bytes a read, as a pipe may.
    struct Trickle<'a>(&'a [u8]);

    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(self.0.len()).min(3);
            let (now, later) = self.0.split_at(n);
            buf[..n].copy_from_slice(now);
            self.0 = later;
            Ok(n)
        }
    }

    /// Line, text and whether the line could be read, of every record.
    fn records(bytes: &[u8], block_size: usize) -> Vec<(usize, String, bool)> {
        let whole = read_all(NdjsonLines::with_block_size(bytes, block_size));
        let trickled = std::io::BufReader::with_capacity(1, Trickle(bytes));
        assert_eq!(
            read_all(NdjsonLines::with_block_size(trickled, block_size)),
            whole
        );
        whole
    }

    fn read_all(mut lines: NdjsonLines<impl std::io::BufRead>) -> Vec<(usize, String, bool)> {
        std::iter::from_fn(|| lines.next_record())
            .map(|record| {
                let record = record.unwrap();
                let readable = !matches!(record.content, Content::Unreadable(_));
                (record.line, record.raw.to_string(), readable)
            })
            .collect()
    }

    #[test]
    fn every_block_size_cuts_the_same_records() {
        let long = format!("{{\"id\":\"{}\"}}", "x".repeat(300));
        let mut bytes = "\u{feff}{\"id\":1}\r\n\n   \n{\"id\":\"é—ü\"}\n"
            .as_bytes()
            .to_vec();
        bytes.extend_from_slice(b"{\"id\":\xff}\n");
        bytes.extend_from_slice(long.as_bytes());
        bytes.extend_from_slice("\n\t\r\n{\"id\":\"ünï\"}\r\n{\"id\":9}".as_bytes());
        let expected = vec![
            (1, "{\"id\":1}".to_string(), true),
            (4, "{\"id\":\"é—ü\"}".to_string(), true),
            (5, "{\"id\":\u{fffd}}".to_string(), false),
            (6, long.clone(), true),
            (8, "{\"id\":\"ünï\"}".to_string(), true),
            (9, "{\"id\":9}".to_string(), true),
        ];
        for block_size in (1..=40).chain([64, 333, 1 << 18]) {
            assert_eq!(
                records(&bytes, block_size),
                expected,
                "block size {block_size}"
            );
        }
    }

    #[test]
    fn an_empty_input_has_no_records() {
        assert!(records(b"", 8).is_empty());
        assert!(records(b"\n \n\r\n", 2).is_empty());
    }
}
