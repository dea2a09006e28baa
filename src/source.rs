//! Source files and byte spans into them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub type FileId = usize;

/// A byte range in one source file. Line and column are computed only when
/// a diagnostic is printed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    pub file: FileId,
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Self {
        Span { file, start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user would recognise it (as given, or joined to the
    /// including file's directory).
    pub path: PathBuf,
    pub text: Arc<str>,
    /// The byte offset where each line starts (the first is 0), so that a
    /// line and column are found by a binary search rather than by
    /// scanning the file from its start for every diagnostic.
    line_starts: Arc<[usize]>,
    /// Whether a `\r` stands alone somewhere, which a renderer counting
    /// it as a line break would number differently.
    lone_cr: bool,
}

impl SourceFile {
    /// The text of line `line` (1-based), without its line break, or
    /// `None` past the last line.
    pub fn line(&self, line: usize) -> Option<&str> {
        let index = line.checked_sub(1)?;
        let start = *self.line_starts.get(index)?;
        match self.line_starts.get(index + 1) {
            // A line break is `\n` or `\r\n`, as `str::lines` has it.
            Some(next) => {
                let text = self.text.get(start..next - 1)?;
                Some(text.strip_suffix('\r').unwrap_or(text))
            }
            None => self.text.get(start..),
        }
    }

    /// The offsets where lines start, shared with the renderer.
    pub fn line_starts(&self) -> &Arc<[usize]> {
        &self.line_starts
    }

    /// Whether some `\r` is not followed by `\n`.
    pub fn has_lone_cr(&self) -> bool {
        self.lone_cr
    }
}

/// The byte offset of the start of every line of `text`.
fn line_starts(text: &str) -> Arc<[usize]> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

/// Every file a model was read from, so diagnostics can name the right one.
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn add(&mut self, path: PathBuf, text: impl Into<Arc<str>>) -> FileId {
        let text = text.into();
        self.files.push(SourceFile {
            path,
            line_starts: line_starts(&text),
            lone_cr: text
                .match_indices('\r')
                .any(|(i, _)| text.as_bytes().get(i + 1) != Some(&b'\n')),
            text,
        });
        self.files.len() - 1
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn file(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id)
    }

    pub fn text(&self, span: Span) -> &str {
        self.files
            .get(span.file)
            .and_then(|f| f.text.get(span.start..span.end))
            .unwrap_or("")
    }

    pub fn path(&self, id: FileId) -> &Path {
        self.files
            .get(id)
            .map(|f| f.path.as_path())
            .unwrap_or(Path::new("<unknown>"))
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, file: FileId, offset: usize) -> (usize, usize) {
        let Some(f) = self.files.get(file) else {
            return (1, 1);
        };
        let offset = offset.min(f.text.len());
        // The last line starting at or before the offset.
        let index = f
            .line_starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1);
        let line_start = f.line_starts.get(index).copied().unwrap_or(0);
        let column = f.text.get(line_start..offset).unwrap_or("").chars().count() + 1;
        (index + 1, column)
    }
}
