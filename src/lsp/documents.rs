//! Open documents and positions. The server works in byte offsets (the
//! AST's spans); the client speaks lines and characters counted in the
//! encoding agreed at `initialize` (UTF-16 unless the client offers
//! UTF-8 first). A CRLF pair is one line break; `\r` belongs to no line's
//! characters.

use std::path::{Path, PathBuf};

use lsp_types::{Position, Range, TextDocumentContentChangeEvent, Url};

/// How a position's `character` counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

/// Where each line of a text starts, to turn offsets into positions and back.
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
    encoding: Encoding,
}

impl LineIndex {
    pub fn new(text: &str, encoding: Encoding) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { starts, encoding }
    }

    /// The byte range of line `line`'s characters (without its break).
    fn line_range(&self, text: &str, line: usize) -> (usize, usize) {
        let start = self.starts.get(line).copied().unwrap_or(text.len());
        let mut end = self
            .starts
            .get(line + 1)
            .map_or(text.len(), |next| next.saturating_sub(1));
        if end > start && text.as_bytes().get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        (start, end.max(start))
    }

    /// The position of byte `offset` (clamped to the text, and moved back
    /// to a character boundary).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let (start, end) = self.line_range(text, line);
        let before = text.get(start..offset.min(end)).unwrap_or("");
        let character = match self.encoding {
            Encoding::Utf8 => before.len(),
            Encoding::Utf16 => before.encode_utf16().count(),
        };
        Position::new(to_u32(line), to_u32(character))
    }

    /// The byte offset of a position; a character past the end of its line
    /// is the line's end, a line past the end is the end of the text.
    pub fn offset(&self, text: &str, position: Position) -> usize {
        let line = position.line as usize;
        if line >= self.starts.len() {
            return text.len();
        }
        let (start, end) = self.line_range(text, line);
        let wanted = position.character as usize;
        let mut count = 0;
        for (i, c) in text.get(start..end).unwrap_or("").char_indices() {
            if count >= wanted {
                return start + i;
            }
            count += match self.encoding {
                Encoding::Utf8 => c.len_utf8(),
                Encoding::Utf16 => c.len_utf16(),
            };
        }
        end
    }

    pub fn range(&self, text: &str, start: usize, end: usize) -> Range {
        Range::new(self.position(text, start), self.position(text, end))
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A document the client has open.
pub struct Document {
    /// Its file, canonical where it exists: the key of the overlay and of
    /// the files an analysis read.
    pub path: PathBuf,
    pub text: String,
    pub version: i32,
    pub index: LineIndex,
}

impl Document {
    pub fn new(uri: Url, text: String, version: i32, encoding: Encoding) -> Self {
        let index = LineIndex::new(&text, encoding);
        Document {
            path: path_of(&uri),
            text,
            version,
            index,
        }
    }

    /// Applies one change of `didChange`: a range replaced, or the whole text.
    pub fn apply(&mut self, change: TextDocumentContentChangeEvent) {
        match change.range {
            Some(range) => {
                let start = self.index.offset(&self.text, range.start);
                let end = self.index.offset(&self.text, range.end).max(start);
                self.text.replace_range(start..end, &change.text);
            }
            None => self.text = change.text,
        }
        self.index = LineIndex::new(&self.text, self.index.encoding);
    }

    pub fn position(&self, offset: usize) -> Position {
        self.index.position(&self.text, offset)
    }

    pub fn offset(&self, position: Position) -> usize {
        self.index.offset(&self.text, position)
    }

    pub fn range(&self, start: usize, end: usize) -> Range {
        self.index.range(&self.text, start, end)
    }
}

/// The file of a URI: canonical when it exists. A URI that is no file
/// (`untitled:`) stands for a file of that name in the working directory,
/// so that its `use`s resolve there.
pub fn path_of(uri: &Url) -> PathBuf {
    match uri.to_file_path() {
        Ok(path) => canonical(&path),
        Err(()) => {
            let name = uri
                .path_segments()
                .and_then(|mut s| s.next_back())
                .filter(|n| !n.is_empty())
                .unwrap_or("untitled.score");
            std::env::current_dir()
                .unwrap_or_default()
                .join(name.replace(['/', '\\'], "_"))
        }
    }
}

pub fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_positions_count_surrogate_pairs_and_skip_cr() {
        let text = "a\r\nGeschäftsführer 😀 x\n";
        let index = LineIndex::new(text, Encoding::Utf16);
        let x = text.find('x').unwrap_or(0);
        let p = index.position(text, x);
        assert_eq!((p.line, p.character), (1, 19));
        assert_eq!(index.offset(text, p), x);
        let eol = index.position(text, 1);
        assert_eq!((eol.line, eol.character), (0, 1));
        assert_eq!(index.offset(text, Position::new(0, 9)), 1);
        let utf8 = LineIndex::new(text, Encoding::Utf8);
        assert_eq!(utf8.position(text, x).character, 23);
    }
}
