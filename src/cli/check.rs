//! `leadscore check`: parse and type-check models, print diagnostics.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde_json::json;

use super::{load_and_check, Exit};
use crate::diagnostic::{render, Diagnostic};
use crate::source::SourceMap;

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Model files (.score).
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
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Deny {
    Warnings,
}

pub fn run(args: &CheckArgs, color: bool) -> Exit {
    let mut exit = Exit::Success;
    let mut json_out = Vec::new();
    for path in &args.models {
        let checked = match load_and_check(path) {
            Ok(c) => c,
            Err(message) => {
                eprintln!("error: {message}");
                exit = Exit::Usage;
                continue;
            }
        };
        let errors = checked.diagnostics.iter().filter(|d| d.is_error()).count();
        let warnings = checked.diagnostics.len() - errors;
        let failed = errors > 0 || (args.deny.is_some() && warnings > 0);
        if failed && exit == Exit::Success {
            exit = Exit::Findings;
        }
        match args.format {
            DiagnosticFormat::Text => {
                if !checked.diagnostics.is_empty() {
                    eprint!("{}", render(&checked.diagnostics, &checked.sources, color));
                }
                let summary = match (errors, warnings) {
                    (0, 0) => "ok".to_string(),
                    (0, w) if args.deny.is_some() => {
                        format!("{w} warning{}, denied by --deny warnings", plural(w))
                    }
                    (0, w) => format!("ok, {w} warning{}", plural(w)),
                    (e, 0) => format!("{e} error{}", plural(e)),
                    (e, w) => format!("{e} error{}, {w} warning{}", plural(e), plural(w)),
                };
                outln!("{}: {summary}", path.display());
            }
            DiagnosticFormat::Json => {
                json_out.extend(
                    checked
                        .diagnostics
                        .iter()
                        .map(|d| diagnostic_json(d, &checked.sources)),
                );
            }
        }
    }
    if args.format == DiagnosticFormat::Json {
        outln!("{}", serde_json::Value::Array(json_out));
    }
    exit
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// A diagnostic for machines: 1-based lines and columns, end exclusive.
pub fn diagnostic_json(d: &Diagnostic, sources: &SourceMap) -> serde_json::Value {
    let (line, column) = sources.line_col(d.span.file, d.span.start);
    let (end_line, end_column) = sources.line_col(d.span.file, d.span.end);
    json!({
        "code": d.code.as_str(),
        "severity": match d.severity() { crate::diagnostic::Severity::Error => "error", crate::diagnostic::Severity::Warning => "warning" },
        "message": d.message,
        "file": sources.path(d.span.file).display().to_string(),
        "line": line,
        "column": column,
        "end": { "line": end_line, "column": end_column },
        "label": d.label,
        "help": d.help,
    })
}
