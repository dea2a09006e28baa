//! `leadscore check`: parse and type-check models, print diagnostics as
//! text for people, or as JSON, GitHub Actions workflow commands or SARIF
//! for machines.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use serde_json::{json, Value};

use super::Exit;
use crate::codes::Severity;
use crate::codes::{CodeInfo, ALL};
use crate::diagnostic::{render, Diagnostic};
use crate::source::SourceMap;
use crate::text::plural;
use crate::{check_source, load_and_check, CheckedModel};

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Model files (.score); `-` reads a model from stdin (its `use` and
    /// `list ... from` paths are relative to the current directory).
    #[arg(required = true)]
    pub models: Vec<PathBuf>,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t = DiagnosticFormat::Text)]
    pub format: DiagnosticFormat,
    /// Treat warnings as errors (`--deny warnings`).
    #[arg(long, value_name = "warnings")]
    pub deny: Option<Deny>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DiagnosticFormat {
    /// Rendered reports on stderr, one summary line per file on stdout.
    Text,
    /// One JSON array of diagnostics on stdout.
    Json,
    /// GitHub Actions workflow commands (`::error file=...::...`) on stdout,
    /// so a pull request gets inline annotations; the text report on stderr.
    Github,
    /// A SARIF 2.1.0 log on stdout, for code-scanning tools.
    Sarif,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Deny {
    Warnings,
}

pub fn run(args: &CheckArgs, color: bool) -> Exit {
    let mut exit = Exit::Success;
    let mut json_out = Vec::new();
    let mut sarif = SarifLog::default();
    for path in &args.models {
        let checked = match load_model(path) {
            Ok(c) => c,
            Err(message) => {
                eprintln!("error: {message}");
                match args.format {
                    DiagnosticFormat::Github => {
                        outln!("::error title=leadscore::{}", escape_data(&message));
                    }
                    DiagnosticFormat::Sarif => sarif.unreadable(path, &message),
                    DiagnosticFormat::Text | DiagnosticFormat::Json => {}
                }
                exit = Exit::Usage;
                continue;
            }
        };
        let errors = checked.diagnostics.iter().filter(|d| d.is_error()).count();
        let warnings = checked.diagnostics.len() - errors;
        let denied = args.deny.is_some();
        let failed = errors > 0 || (denied && warnings > 0);
        if failed && exit == Exit::Success {
            exit = Exit::Findings;
        }
        let summary = format!("{}: {}", path.display(), summary(errors, warnings, denied));
        match args.format {
            DiagnosticFormat::Text => {
                print_rendered(&checked, color);
                outln!("{summary}");
            }
            DiagnosticFormat::Json => json_out.extend(
                checked
                    .diagnostics
                    .iter()
                    .map(|d| diagnostic_json(d, &checked.sources)),
            ),
            DiagnosticFormat::Github => {
                for d in &checked.diagnostics {
                    outln!("{}", github_command(d, &checked.sources));
                }
                // The job log is read by people: give them the full report.
                print_rendered(&checked, color);
                eprintln!("{summary}");
            }
            DiagnosticFormat::Sarif => sarif.add(&checked),
        }
    }
    match args.format {
        DiagnosticFormat::Json => outln!("{}", Value::Array(json_out)),
        DiagnosticFormat::Sarif => {
            let log = sarif.finish(exit != Exit::Usage);
            let text = serde_json::to_string_pretty(&log).unwrap_or_else(|_| log.to_string());
            outln!("{text}");
        }
        DiagnosticFormat::Text | DiagnosticFormat::Github => {}
    }
    exit
}

/// Loads and checks one model; `-` is a model on stdin.
fn load_model(path: &Path) -> Result<CheckedModel, String> {
    if path.as_os_str() != "-" {
        return load_and_check(path);
    }
    let text = std::io::read_to_string(std::io::stdin())
        .map_err(|e| format!("cannot read the model from standard input: {e}"))?;
    Ok(check_source(super::STDIN_NAME, &text, Path::new(".")))
}

fn print_rendered(checked: &CheckedModel, color: bool) {
    if !checked.diagnostics.is_empty() {
        eprint!("{}", render(&checked.diagnostics, &checked.sources, color));
    }
}

fn summary(errors: usize, warnings: usize, denied: bool) -> String {
    match (errors, warnings) {
        (0, 0) => "ok".to_string(),
        (0, w) if denied => format!("{w} warning{}, denied by --deny warnings", plural(w)),
        (0, w) => format!("ok, {w} warning{}", plural(w)),
        (e, 0) => format!("{e} error{}", plural(e)),
        (e, w) => format!("{e} error{}, {w} warning{}", plural(e), plural(w)),
    }
}

fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// Where a diagnostic is: its file and 1-based lines and columns (columns
/// count characters; the end is exclusive, the position just after the span).
struct Place {
    file: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
}

impl Place {
    fn of(d: &Diagnostic, sources: &SourceMap) -> Place {
        let (line, column) = sources.line_col(d.span.file, d.span.start);
        let (end_line, end_column) = sources.line_col(d.span.file, d.span.end);
        Place {
            file: sources.path(d.span.file).display().to_string(),
            line,
            column,
            end_line,
            end_column,
        }
    }
}

/// A diagnostic for machines: 1-based lines and columns, end exclusive.
pub fn diagnostic_json(d: &Diagnostic, sources: &SourceMap) -> Value {
    let place = Place::of(d, sources);
    json!({
        "code": d.code.as_str(),
        "severity": severity_name(d.severity()),
        "message": d.message,
        "file": place.file,
        "line": place.line,
        "column": place.column,
        "end": { "line": place.end_line, "column": place.end_column },
        "label": d.label,
        "help": d.help,
    })
}

/// The message with its help, as one line of text for an annotation.
fn message_with_help(d: &Diagnostic) -> String {
    match &d.help {
        Some(help) => format!("{} (help: {help})", d.message),
        None => d.message.clone(),
    }
}

/// A GitHub Actions workflow command that annotates the diagnostic's span:
/// `::error file=F,line=L,col=C,endLine=..,endColumn=..,title=CODE::message`.
fn github_command(d: &Diagnostic, sources: &SourceMap) -> String {
    let place = Place::of(d, sources);
    format!(
        "::{} file={},line={},col={},endLine={},endColumn={},title={}::{}",
        severity_name(d.severity()),
        escape_property(github_path(&place.file)),
        place.line,
        place.column,
        place.end_line,
        place.end_column,
        escape_property(d.code.as_str()),
        escape_data(&message_with_help(d)),
    )
}

/// GitHub resolves annotation paths from the repository root; `./x` is `x`.
pub(super) fn github_path(path: &str) -> &str {
    path.strip_prefix("./").unwrap_or(path)
}

/// The escaping of a workflow command's message (what follows `::`).
pub(super) fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// The escaping of a workflow command's property value, where `,` and `:`
/// would end the value.
pub(super) fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

// -- SARIF ------------------------------------------------------------------

/// A SARIF 2.1.0 log being gathered: one run of leadscore over every model.
#[derive(Default)]
struct SarifLog {
    results: Vec<Value>,
    notifications: Vec<Value>,
}

impl SarifLog {
    fn add(&mut self, checked: &CheckedModel) {
        for d in &checked.diagnostics {
            let place = Place::of(d, &checked.sources);
            let mut location = json!({
                "physicalLocation": {
                    "artifactLocation": artifact_location(&place.file),
                    "region": {
                        "startLine": place.line,
                        "startColumn": place.column,
                        "endLine": place.end_line,
                        "endColumn": place.end_column,
                    }
                }
            });
            if !d.label.is_empty() {
                location["message"] = json!({ "text": d.label });
            }
            let mut result = json!({
                "ruleId": d.code.as_str(),
                "level": severity_name(d.severity()),
                "message": { "text": message_with_help(d) },
                "locations": [location],
            });
            if let Some(index) = ALL.iter().position(|info| info.code == d.code) {
                result["ruleIndex"] = json!(index);
            }
            self.results.push(result);
        }
    }

    fn unreadable(&mut self, path: &Path, message: &str) {
        self.notifications.push(json!({
            "level": "error",
            "message": { "text": message },
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": artifact_location(&path.display().to_string())
                }
            }]
        }));
    }

    fn finish(self, successful: bool) -> Value {
        let mut invocation = json!({ "executionSuccessful": successful });
        if !self.notifications.is_empty() {
            invocation["toolExecutionNotifications"] = Value::Array(self.notifications);
        }
        json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {
                    "driver": {
                        "name": "leadscore",
                        "version": env!("CARGO_PKG_VERSION"),
                        "rules": ALL.iter().map(sarif_rule).collect::<Vec<_>>(),
                    }
                },
                "invocations": [invocation],
                "columnKind": "unicodeCodePoints",
                "results": self.results,
            }]
        })
    }
}

/// A rule of the SARIF driver: one per diagnostic code, documented as
/// `leadscore explain-code` documents it.
fn sarif_rule(info: &CodeInfo) -> Value {
    let help = format!(
        "{}\n\nExample:\n\n    {}\n\nFix: {}",
        info.summary,
        info.example.replace('\n', "\n    "),
        info.fix
    );
    let markdown = format!(
        "{}\n\nExample:\n\n```\n{}\n```\n\n**Fix:** {}",
        info.summary, info.example, info.fix
    );
    json!({
        "id": info.id,
        "name": info.name,
        "shortDescription": { "text": first_sentence(info.summary) },
        "fullDescription": { "text": info.summary },
        "help": { "text": help, "markdown": markdown },
        "defaultConfiguration": { "level": severity_name(info.code.severity()) },
    })
}

/// The first sentence of a summary (SARIF wants a short description): up
/// to a full stop followed by a capital, so `list ... from` stays whole.
fn first_sentence(text: &str) -> &str {
    let bytes = text.as_bytes();
    let end = (1..bytes.len().saturating_sub(2)).find(|&i| {
        bytes[i] == b'.'
            && bytes[i - 1] != b'.'
            && bytes[i + 1] == b' '
            && bytes[i + 2].is_ascii_uppercase()
    });
    match end {
        Some(i) => text.get(..=i).unwrap_or(text),
        None => text,
    }
}

/// A SARIF artifact location: a relative path is a URI reference from the
/// root of the checkout (`%SRCROOT%`), an absolute one a `file:` URI.
fn artifact_location(path: &str) -> Value {
    let path = path.replace('\\', "/");
    if path.starts_with('/') {
        json!({ "uri": format!("file://{}", percent_encode(&path)) })
    } else {
        json!({
            "uri": percent_encode(github_path(&path)),
            "uriBaseId": "%SRCROOT%",
        })
    }
}

/// Percent-encodes what a URI path may not hold as it is.
fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        let c = char::from(byte);
        if c.is_ascii_alphanumeric() || "-._~/!$&'()*+,;=@".contains(c) {
            out.push(c);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_command_escaping() {
        assert_eq!(escape_data("50% off\r\nnext"), "50%25 off%0D%0Anext");
        assert_eq!(escape_property("a,b:c%"), "a%2Cb%3Ac%25");
        assert_eq!(escape_data("a,b:c"), "a,b:c");
    }

    #[test]
    fn uris() {
        assert_eq!(
            percent_encode("my models/fit 100%.score"),
            "my%20models/fit%20100%25.score"
        );
        assert_eq!(artifact_location("./a.score")["uri"], "a.score");
        assert_eq!(
            artifact_location("/tmp/a b.score")["uri"],
            "file:///tmp/a%20b.score"
        );
    }

    #[test]
    fn short_descriptions_are_one_sentence() {
        assert_eq!(first_sentence("One. Two."), "One.");
        assert_eq!(first_sentence("Only one."), "Only one.");
        assert_eq!(
            first_sentence("A `list ... from` file. Next."),
            "A `list ... from` file."
        );
    }
}
