//! Diagnostics: every problem found in a model, with a stable code, a span,
//! a label and a help line. Rendering goes through miette.

use std::fmt;
use std::sync::Arc;

use miette::{LabeledSpan, MietteError, MietteSpanContents, NamedSource, SourceSpan, SpanContents};

use crate::codes::{Code, Severity};
use crate::source::{SourceMap, Span};

#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub code: Code,
    pub message: String,
    pub span: Span,
    pub label: String,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            message: message.into(),
            span,
            label: String::new(),
            help: None,
        }
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn severity(&self) -> Severity {
        self.code.severity()
    }

    pub fn is_error(&self) -> bool {
        self.severity() == Severity::Error
    }

    /// A miette report of this diagnostic over its source file.
    pub fn to_report(&self, sources: &SourceMap) -> miette::Report {
        let (name, text) = match sources.file(self.span.file) {
            Some(f) => (
                f.path.display().to_string(),
                Indexed {
                    text: f.text.clone(),
                    // Without the index, miette counts lines from the
                    // start: right, and linear in the file's size.
                    line_starts: (!f.has_lone_cr()).then(|| f.line_starts().clone()),
                },
            ),
            None => (
                "<unknown>".to_string(),
                Indexed {
                    text: Arc::from(""),
                    line_starts: None,
                },
            ),
        };
        let start = self.span.start.min(text.text.len());
        let len = self.span.end.min(text.text.len()).saturating_sub(start);
        let mut diagnostic = self.clone();
        // miette cannot draw a line wider than a formatting width can be
        // (it panics); such a snippet would be unreadable anyway.
        let source = if near_a_long_line(&text.text, start) {
            let (line, column) = sources.line_col(self.span.file, start);
            diagnostic.message = format!("{} (at {name}:{line}:{column})", diagnostic.message);
            None
        } else {
            Some(NamedSource::new(name, text))
        };
        let rendered = Rendered {
            diagnostic,
            source,
            span: SourceSpan::new(start.into(), len),
        };
        miette::Report::new(rendered)
    }
}

/// The widest line shown in a snippet, in bytes.
const WIDEST_SHOWN_LINE: usize = 4096;

/// Whether a line of the snippet around `at` (miette shows the line and
/// one on each side) is wider than [`WIDEST_SHOWN_LINE`].
fn near_a_long_line(text: &str, at: usize) -> bool {
    let line_start = text
        .get(..at)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    let before = text
        .get(..line_start.saturating_sub(1))
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    text.get(before..)
        .unwrap_or_default()
        .split('\n')
        .take(3)
        .any(|line| line.len() > WIDEST_SHOWN_LINE)
}

/// A source file as miette reads it: the file's text, shared rather than
/// copied for each diagnostic, and its line index, so that the lines
/// around a span are found without scanning the file from its start
/// (which made printing the warnings of a large model quadratic).
#[derive(Debug)]
struct Indexed {
    text: Arc<str>,
    /// Where each line starts; `None` for a file with a lone `\r`, which
    /// miette counts as a line break and the index does not.
    line_starts: Option<Arc<[usize]>>,
}

impl miette::SourceCode for Indexed {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        // miette's own reading of the text from the first line it shows,
        // numbered as if it had read from the start of the file.
        let first_line = self.line_starts.as_ref().map_or(0, |starts| {
            let line = starts
                .partition_point(|&start| start <= span.offset())
                .saturating_sub(1);
            line.saturating_sub(context_lines_before)
        });
        let from = self
            .line_starts
            .as_ref()
            .and_then(|starts| starts.get(first_line).copied())
            .unwrap_or(0);
        let window = self.text.get(from..).unwrap_or_default();
        let shifted = SourceSpan::new(span.offset().saturating_sub(from).into(), span.len());
        let inner = window.read_span(&shifted, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new(
            inner.data(),
            SourceSpan::new((inner.span().offset() + from).into(), inner.span().len()),
            inner.line() + first_line,
            inner.column(),
            inner.line_count() + first_line,
        )))
    }
}

/// A diagnostic paired with its source, in the shape miette renders.
#[derive(Debug)]
struct Rendered {
    diagnostic: Diagnostic,
    source: Option<NamedSource<Indexed>>,
    span: SourceSpan,
}

impl fmt::Display for Rendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Rendered {}

impl miette::Diagnostic for Rendered {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.diagnostic.code.as_str()))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity() {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.diagnostic
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.source.as_ref()?;
        let label = if self.diagnostic.label.is_empty() {
            None
        } else {
            Some(self.diagnostic.label.clone())
        };
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            label, self.span,
        ))))
    }
}

/// Renders diagnostics as text without colour (for snapshots and pipes) or
/// with miette's graphical theme.
pub fn render(diagnostics: &[Diagnostic], sources: &SourceMap, color: bool) -> String {
    let theme = if color {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let handler = miette::GraphicalReportHandler::new_themed(theme).with_width(100);
    let mut out = String::new();
    for d in diagnostics {
        let report = d.to_report(sources);
        let mut one = String::new();
        if handler.render_report(&mut one, report.as_ref()).is_err() {
            one = format!("{}: {}\n", d.code.as_str(), d.message);
        }
        out.push_str(&one);
        out.push('\n');
    }
    out
}

/// The closest known name to `name`, when one is close enough to be a
/// plausible typo.
pub fn did_you_mean<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_lowercase();
    known
        .into_iter()
        .map(|k| (strsim::jaro_winkler(&lower, &k.to_lowercase()), k))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}
