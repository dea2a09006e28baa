//! leadscore: a language, compiler and command-line tool for lead scoring.
#![doc = include_str!("../ARCHITECTURE.md")]

pub mod check;
pub mod cli;
pub mod codes;
pub mod diagnostic;
pub mod eval;
pub mod fmt;
pub mod generate;
pub mod init;
pub mod lead;
pub mod load;
pub mod output;
pub mod plan;
pub mod record;
pub mod refine;
pub mod source;
pub mod sql;
pub mod syntax;
pub mod testing;
pub mod text;
pub mod time;

use std::path::Path;

use check::TestCase;
use diagnostic::Diagnostic;
use load::{load, Loaded};
use plan::Plan;
use source::SourceMap;

/// A model loaded and checked: every diagnostic, in file order, and when
/// there is no error among them, the plan and the model's tests.
pub struct CheckedModel {
    pub sources: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
    pub plan: Option<Plan>,
    pub tests: Vec<TestCase>,
    /// Where each rule of the plan is written.
    pub rule_spans: plan::IdVec<plan::RuleId, source::Span>,
}

impl CheckedModel {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Loads a model and the files it uses, and checks it; `Err` when it
/// cannot be read at all (the message names the path).
pub fn load_and_check(path: &Path) -> Result<CheckedModel, String> {
    let loaded: Loaded =
        load(path).map_err(|e| format!("cannot read model `{}`: {e}", path.display()))?;
    // After a syntax error the file's items are missing, and checking the
    // rest would only report names that the broken file declares.
    let parsed = !loaded
        .diagnostics
        .iter()
        .any(|d| d.code == codes::Code::Syntax);
    let checked = check::check(&loaded);
    let Loaded {
        sources,
        diagnostics: mut all,
        ..
    } = loaded;
    if parsed {
        all.extend(checked.diagnostics);
    }
    all.sort_by_key(|d| (d.span.file, d.span.start));
    let has_errors = all.iter().any(Diagnostic::is_error);
    Ok(CheckedModel {
        sources,
        diagnostics: all,
        plan: checked.plan.filter(|_| !has_errors),
        tests: checked.tests,
        rule_spans: checked.rule_spans,
    })
}
