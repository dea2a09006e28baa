//! leadscore: a language, compiler and command-line tool for lead scoring.
#![doc = include_str!("../ARCHITECTURE.md")]

// The vocabulary: the types the stages below take and give.
pub mod codes;
pub mod diagnostic;
pub mod lead;
pub mod plan;
pub mod source;
pub mod time;

// The machinery, reached through the facade below.
pub(crate) mod check;
pub(crate) mod cli;
pub(crate) mod eval;
pub(crate) mod fmt;
pub(crate) mod generate;
pub(crate) mod init;
pub(crate) mod learn;
pub(crate) mod load;
pub(crate) mod lsp;
pub(crate) mod output;
pub(crate) mod record;
pub(crate) mod refine;
pub(crate) mod score;
pub(crate) mod serve;
pub(crate) mod sql;
pub(crate) mod stream;
pub(crate) mod syntax;
pub(crate) mod testing;
pub(crate) mod text;

use std::path::Path;

use diagnostic::Diagnostic;
use load::{load, load_overlay, load_text, Loaded};
use plan::Plan;
use source::SourceMap;

// Load and check.

/// A model's `test` block, as [`CheckedModel::tests`] holds it.
pub use check::TestCase;
/// Every declared name of a model and every reference to one, for editors.
pub use check::{Declaration, Reference, SymbolIndex, SymbolKind};
/// Writes a parsed file in the canonical layout, keeping its comments.
pub use fmt::format;
/// Unsaved editor buffers, by canonical path, read in place of the files.
pub use load::Overlay;
/// The AST of a model file: what [`parse`] gives and [`format()`] lays out.
pub use syntax::ast;
/// Parses one file's text into its AST, with its syntax errors.
pub use syntax::parse;
/// Parses as [`parse`] does, keeping the items that parsed after a
/// syntax error (for an editor's file being typed).
pub use syntax::parse_recovering;
/// The language's reserved words.
pub use syntax::KEYWORDS;

/// A model loaded and checked: every diagnostic, in file order, and when
/// there is no error among them, the plan and the model's tests.
pub struct CheckedModel {
    pub sources: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
    /// The plan, the IR every backend reads; `None` after an error.
    pub plan: Option<Plan>,
    pub tests: Vec<TestCase>,
    /// Where the plan's items are written.
    pub spans: plan::Spans,
    /// Every file read (model and list files), in load order, with its
    /// resolved path and text.
    pub files: Vec<(std::path::PathBuf, std::sync::Arc<str>)>,
    /// Every item of the model, `use`d files' spliced in; after a syntax
    /// error, the items that parsed.
    pub items: Vec<ast::Item>,
    /// The values of each `list ... from "file"`, by the span of its path.
    pub list_values: std::collections::HashMap<source::Span, Vec<String>>,
}

impl CheckedModel {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Loads a model and the files it uses, and checks it; `Err` when it
/// cannot be read at all (the message names the path).
pub fn load_and_check(path: &Path) -> Result<CheckedModel, String> {
    let loaded = load(path).map_err(|e| format!("cannot read model `{}`: {e}", path.display()))?;
    Ok(check_loaded(loaded))
}

/// Checks a model given as text (an editor's buffer) named `name`; the
/// files it uses are read from `dir`.
pub fn check_source(name: &str, text: &str, dir: &Path) -> CheckedModel {
    check_loaded(load_text(name, text, dir))
}

/// Checks the model at `path` whose text is `text` (an editor's buffer),
/// reading the files it uses from `overlay` (other open buffers) before
/// the disk; `use` stays confined to the model's directory.
pub fn check_overlay(path: &Path, text: &str, overlay: &Overlay) -> CheckedModel {
    check_loaded(load_overlay(path, text, overlay))
}

fn check_loaded(loaded: Loaded) -> CheckedModel {
    // After a syntax error the items that parsed are checked all the same;
    // what the check says of a name written in a broken item (unknown,
    // unused) may only be for want of that item, and is left out.
    let checked = check::check(&loaded);
    let Loaded {
        sources,
        diagnostics: mut all,
        files,
        items,
        broken_words,
        list_files,
        ..
    } = loaded;
    // Bounds on the score (W003) add up every rule, the broken items' too.
    let partial = !broken_words.is_empty();
    let for_want_of_an_item = |d: &Diagnostic| {
        names_any(&d.message, &broken_words) || (partial && d.code == codes::Code::UnreachableBound)
    };
    all.extend(
        checked
            .diagnostics
            .into_iter()
            .filter(|d| !for_want_of_an_item(d)),
    );
    all.sort_by_key(|d| (d.span.file, d.span.start));
    let has_errors = all.iter().any(Diagnostic::is_error);
    CheckedModel {
        sources,
        diagnostics: all,
        plan: checked.plan.filter(|_| !has_errors),
        tests: checked.tests,
        spans: checked.spans,
        files,
        items,
        list_values: list_files,
    }
}

/// Whether a message names (in backquotes) one of `words`, or an event
/// whose plural is one (`visit` is counted as `visits(...)`).
fn names_any(message: &str, words: &[String]) -> bool {
    message.split('`').skip(1).step_by(2).any(|quoted| {
        words
            .iter()
            .any(|w| w == quoted || w.strip_suffix('s') == Some(quoted))
    })
}

// Evaluate.

/// The accounts of a run, tallied from their scored members.
pub use eval::account::Accounts;
/// What an evaluator makes of a plan once, for evaluators at many instants.
pub use eval::Prepared;
/// Scores leads with a plan as of an instant (accounts too).
pub use eval::{Evaluator, Outcome};

// Read records.

/// The fast reader of an NDJSON lead alone, straight into the plan's
/// slots: `None` when the record needs the JSON tree.
pub use record::fast::read_lead as read_lead_fast;
#[doc(hidden)]
pub use record::fast::{read_lead_by, Straight};
/// An events file, its rows grouped by lead.
pub use record::EventsFile;
/// The lead a worker refills from record to record.
pub use record::LeadScratch;
/// The one conversion of a record (as [`Json`]) and its events into a lead.
pub use record::{to_lead, Json};
/// A file of lead records read one [`RawRecord`] at a time, in its
/// [`Format`] (NDJSON, a JSON array, CSV).
pub use record::{Format, RawRecord, Records};
/// What is wrong with a record, and the same placed in its file.
pub use record::{Problem, RecordError};
/// Letter case as every backend ignores it: Unicode simple case folding.
pub use text::fold;

// The record stream: read ahead, evaluated on every core, in input order.

/// Scores a stream: each lead's result written in input order, or
/// tallied into its account.
pub use score::score_stream;
/// Opening a leads file and its events file; a record with its events.
pub use stream::{
    convert_in, convert_with, open_leads, open_leads_within, Input, OpenError, OpenedLeads, Pending,
};
/// The stream every command that reads leads shares, and what it reports.
pub use stream::{EventSource, OnError, Orphan, Reporter, Stop, Stream, StreamOptions, Summary};

// Write results.

/// The readable breakdown of one lead's score, rule by rule.
pub use output::explanation;
/// One lead's result as a JSON value.
pub use output::lead_json;
/// Writes results as a table, JSON, NDJSON or CSV.
pub use output::{Layout, LeadResult, OutputFormat, Rendered, ResultWriter};

// Run tests.

/// Runs one of a model's `test` blocks, and the values a failing
/// `expect` read, as its test saw them.
pub use testing::{run_test, values_seen, TestRun};

// Compare two versions of a model.

/// Two versions of a model on the same leads: the `diff` report.
pub use refine::diff::{rule_changes, Diff, DiffReport, Version};

// Compile to SQL.

/// Compiles a plan to one SQL query for a dialect.
pub use sql::{to_sql, DialectName, SqlOptions, TableName};

/// Synthetic leads for the example model, for benchmarks and tests.
pub mod synthetic {
    pub use crate::generate::{leads, Lead, CSV_HEADER, EVENTS_CSV_HEADER};
}

/// Serves a model over HTTP: the scoring API and the workbench page.
pub use serve::{run_server, ServeError, ServeOptions};
/// Runs the language server on standard input and output (`leadscore
/// lsp`) until the client exits; whether it ended as the protocol asks.
pub fn run_lsp() -> bool {
    lsp::run()
}

/// Runs the command line (`leadscore` with the process's arguments).
pub fn run_cli() -> std::process::ExitCode {
    cli::run()
}
