//! Analyses: every open document is checked as the root of a model, with
//! the other open documents read in place of their files. An analysis
//! keeps what the requests need (the checked model, its symbol index, the
//! files it read) and knows which files it depends on, so that an edit of
//! a `use`d file re-checks the models that use it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use lsp_types::{
    Diagnostic as LspDiagnostic, DiagnosticSeverity, NumberOrString, Position, Range, Url,
};

use crate::codes::Severity;
use crate::source::{FileId, Span};
use crate::{check_overlay, CheckedModel, Overlay, SymbolIndex};

use super::documents::{canonical, Document, Encoding, LineIndex};

/// One open document checked as a model's root file.
pub struct Analysis {
    pub checked: CheckedModel,
    pub symbols: SymbolIndex,
    /// The canonical path of each file the model read, by file id.
    pub files: Vec<PathBuf>,
    /// A line index of each file, by file id.
    lines: Vec<LineIndex>,
}

impl Analysis {
    /// Checks `root` with the open documents `overlay` (the root's own
    /// text is `root.text`).
    pub fn run(root: &Document, overlay: &Overlay, encoding: Encoding) -> Analysis {
        let checked = check_overlay(&root.path, &root.text, overlay);
        let symbols = SymbolIndex::build(&checked.items, &checked.list_values);
        let count = checked.sources.len();
        let files = (0..count)
            .map(|id| {
                if id == 0 {
                    root.path.clone()
                } else {
                    canonical(checked.sources.path(id))
                }
            })
            .collect();
        let lines = (0..count)
            .map(|id| LineIndex::new(text_of(&checked, id), encoding))
            .collect();
        Analysis {
            checked,
            symbols,
            files,
            lines,
        }
    }

    /// The file id of `path` in this model, if it read that file.
    pub fn file_id(&self, path: &Path) -> Option<FileId> {
        self.files.iter().position(|f| f == path)
    }

    pub fn depends_on(&self, path: &Path) -> bool {
        self.file_id(path).is_some()
    }

    pub fn text(&self, file: FileId) -> &str {
        text_of(&self.checked, file)
    }

    pub fn uri(&self, file: FileId) -> Option<Url> {
        Url::from_file_path(self.files.get(file)?).ok()
    }

    /// The LSP range of a span.
    pub fn range(&self, span: Span) -> Range {
        match self.lines.get(span.file) {
            Some(index) => index.range(self.text(span.file), span.start, span.end),
            None => Range::new(Position::new(0, 0), Position::new(0, 0)),
        }
    }

    /// The byte offset of a position in one of the model's files.
    pub fn offset(&self, file: FileId, position: Position) -> usize {
        self.lines
            .get(file)
            .map_or(0, |index| index.offset(self.text(file), position))
    }

    /// The model's diagnostics, by the canonical path of their file.
    pub fn diagnostics(&self) -> HashMap<PathBuf, Vec<LspDiagnostic>> {
        let mut by_file: HashMap<PathBuf, Vec<LspDiagnostic>> =
            self.files.iter().map(|f| (f.clone(), Vec::new())).collect();
        for d in &self.checked.diagnostics {
            let Some(path) = self.files.get(d.span.file) else {
                continue;
            };
            let message = match &d.help {
                Some(help) => format!("{}\nhelp: {help}", d.message),
                None => d.message.clone(),
            };
            let data = serde_json::json!({
                "help": d.help,
                "replacement": d.help.as_deref().and_then(replacement),
            });
            by_file
                .entry(path.clone())
                .or_default()
                .push(LspDiagnostic {
                    range: self.range(d.span),
                    severity: Some(match d.severity() {
                        Severity::Error => DiagnosticSeverity::ERROR,
                        Severity::Warning => DiagnosticSeverity::WARNING,
                    }),
                    code: Some(NumberOrString::String(d.code.as_str().to_string())),
                    source: Some("leadscore".to_string()),
                    message,
                    data: Some(data),
                    ..LspDiagnostic::default()
                });
        }
        by_file
    }
}

fn text_of(checked: &CheckedModel, file: FileId) -> &str {
    checked
        .sources
        .file(file)
        .map(|f| &*f.text)
        .unwrap_or_default()
}

/// The replacement a diagnostic's help names: "did you mean `X`?".
pub fn replacement(help: &str) -> Option<String> {
    let rest = help.split("did you mean `").nth(1)?;
    let name = rest.split('`').next()?;
    (!name.is_empty()).then(|| name.to_string())
}
