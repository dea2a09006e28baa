//! Check: ASTs to a checked model. Resolves every name, checks every type,
//! lowers constants, and reports every problem of the model in one run.
//!
//! One `Checker` walks the items in order, a file per job: names are
//! bound first (`declarations`), then `rules` and groups, thresholds and
//! labels (`outputs`), the `account` block and `tests`. A condition goes
//! through `conditions` (`and`, `or`, `not`, `within`), `names` (what an
//! operand refers to), `predicates` and `constants`, each part yielding a
//! value of `typed`. The `lints` run last, over a model without errors.

mod account;
mod conditions;
mod constants;
mod declarations;
mod exports;
mod lints;
mod names;
mod outputs;
mod predicates;
mod rules;
mod since;
mod symbols;
mod test_case;
mod tests;
mod typed;

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::hash::Hash;

use crate::codes::Code;
use crate::diagnostic::{did_you_mean, Diagnostic};
use crate::load::ListFiles;
use crate::plan::{
    AggId, Aggregate, EventId, FieldId, GroupId, Id, IdVec, Origin, OutputId, PatternId, Plan,
    Spans, TextSetId,
};
use crate::source::{SourceMap, Span};
use crate::syntax::ast;
use names::Read;
use typed::Typed;

pub use symbols::{Declaration, Reference, SymbolIndex, SymbolKind};
pub use test_case::{Expectation, Probe, TestCase};

/// What checking gives: the plan when the model has no errors, the test
/// blocks, and every diagnostic.
pub struct Checked {
    pub plan: Option<Plan>,
    pub tests: Vec<TestCase>,
    /// Where the plan's items are written, for tools that point at them.
    pub spans: Spans,
    pub diagnostics: Vec<Diagnostic>,
}

/// What a name in the model's one namespace stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Symbol {
    Field(FieldId),
    Event(EventId),
    List(usize),
    Let(usize),
    Group(GroupId),
    Output(OutputId),
    /// A threshold or label of the `account` block.
    AccountOutput(OutputId),
    Builtin,
}

impl Symbol {
    /// What the symbol is, with its article: "a field", "an event".
    fn kind(self) -> &'static str {
        match self {
            Symbol::Field(_) => "a field",
            Symbol::Event(_) => "an event",
            Symbol::List(_) => "a list",
            Symbol::Let(_) => "a let",
            Symbol::Group(_) => "a group",
            Symbol::Output(_) => "a threshold or label",
            Symbol::AccountOutput(_) => "an account threshold or label",
            Symbol::Builtin => "a built-in name",
        }
    }
}

struct NamedList {
    values: Vec<String>,
}

struct LetEntry<'a> {
    decl: &'a ast::LetDecl,
    state: LetState,
}

enum LetState {
    Unchecked,
    InProgress,
    Done(Typed, Vec<Read>),
}

pub(crate) struct Checker<'a> {
    sources: &'a SourceMap,
    list_files: &'a ListFiles,
    /// The plan being built; handed out only when no error was found.
    model: Plan,
    tests: Vec<TestCase>,
    spans: Spans,
    diagnostics: Vec<Diagnostic>,
    names: HashMap<String, (Symbol, Span)>,
    lists: Vec<NamedList>,
    lets: Vec<LetEntry<'a>>,
    aggregate_keys: HashMap<String, AggId>,
    text_set_ids: HashMap<Vec<String>, TextSetId>,
    pattern_ids: HashMap<String, PatternId>,
    /// Output-level reads made while checking the current expression.
    reads: Vec<Read>,
    /// Set while checking the `=` inside a `!=`, so help can say `not in`.
    negated_compare: bool,
    /// Lets being checked, innermost last, to show a cycle's chain.
    let_stack: Vec<String>,
    /// The span of the first threshold declared without a name.
    unnamed_threshold: Option<Span>,
    /// Where each included file was brought in: the path of its `use`.
    includes: &'a HashMap<crate::source::FileId, Span>,
    account: account::AccountScope,
    /// Set while checking a test's `expect`: what it reads.
    probes: Option<Vec<(String, Probe)>>,
    /// The date field of the `since` whose rules are being checked: the
    /// aggregates they read count only events after it.
    since_scope: Option<FieldId>,
}

/// Checks a loaded model: its items in order, `use`d files spliced in at
/// their `use`.
pub fn check(loaded: &crate::load::Loaded) -> Checked {
    let items = &loaded.items;
    let mut checker = Checker {
        sources: &loaded.sources,
        list_files: &loaded.list_files,
        model: Plan::default(),
        tests: Vec::new(),
        spans: Spans::default(),
        diagnostics: Vec::new(),
        names: HashMap::new(),
        lists: Vec::new(),
        lets: Vec::new(),
        aggregate_keys: HashMap::new(),
        text_set_ids: HashMap::new(),
        pattern_ids: HashMap::new(),
        reads: Vec::new(),
        negated_compare: false,
        let_stack: Vec::new(),
        unnamed_threshold: None,
        includes: &loaded.includes,
        account: account::AccountScope::default(),
        probes: None,
        since_scope: None,
    };
    checker.names.insert(
        "disqualified".to_string(),
        (Symbol::Builtin, Span::default()),
    );
    checker.declare(items);
    checker.check_placeholders(items);
    checker.check_lets();
    checker.check_rules_and_groups(items);
    checker.check_outputs(items);
    checker.check_account(items);
    checker.check_tests(items);
    lints::run(&mut checker, loaded);
    checker.declaration_spans();
    let mut diagnostics = checker.diagnostics;
    diagnostics.sort_by_key(|d| (d.span.file, d.span.start, d.code));
    diagnostics.dedup();
    let has_errors = diagnostics.iter().any(Diagnostic::is_error);
    Checked {
        plan: (!has_errors).then(|| checker.model.sealed()),
        tests: checker.tests,
        spans: checker.spans,
        diagnostics,
    }
}

impl<'a> Checker<'a> {
    fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    fn source_text(&self, span: Span) -> String {
        normalize_source(self.sources.text(span))
    }

    /// Where a span starts, as the plan records it: the file named from
    /// the model's directory, and the line.
    fn origin(&self, span: Span) -> Origin {
        let (line, _) = self.sources.line_col(span.file, span.start);
        let path = self.sources.path(span.file);
        let root = self
            .sources
            .path(crate::source::FileId::default())
            .parent()
            .unwrap_or(std::path::Path::new(""));
        let file = path.strip_prefix(root).unwrap_or(path);
        Origin {
            file: file.to_string_lossy().replace('\\', "/"),
            line: u32::try_from(line).unwrap_or(u32::MAX),
        }
    }

    /// Puts folded text constants in the plan's pool, once: equal sets
    /// share an id, so that equal event filters make one aggregate.
    fn text_set(&mut self, values: Vec<String>) -> TextSetId {
        intern(
            &mut self.text_set_ids,
            &mut self.model.text_sets,
            values,
            Clone::clone,
        )
    }

    /// Puts a regular expression in the plan's pool, once, with the span of
    /// its first use.
    fn pattern(&mut self, pattern: &str, span: Span) -> PatternId {
        let key = pattern.to_string();
        let id = intern(
            &mut self.pattern_ids,
            &mut self.model.patterns,
            key,
            Clone::clone,
        );
        if id.index() == self.spans.patterns.len() {
            self.spans.patterns.push(span);
        }
        id
    }

    /// The spans of the declared names of events, groups and outputs.
    fn declaration_spans(&mut self) {
        let at = |name: &str| self.names.get(name).map(|(_, s)| *s).unwrap_or_default();
        let events = self.model.events.iter().map(|e| at(&e.name)).collect();
        let groups = self.model.groups.iter().map(|g| at(&g.name)).collect();
        let outputs = self.model.outputs.iter().map(|o| at(o.name())).collect();
        self.spans.events = events;
        self.spans.groups = groups;
        self.spans.outputs = outputs;
    }

    fn intern_aggregate(&mut self, mut aggregate: Aggregate) -> AggId {
        if self.since_scope.is_some() {
            aggregate.since = self.since_scope;
        }
        let key = format!("{aggregate:?}");
        intern(
            &mut self.aggregate_keys,
            &mut self.model.aggregates,
            key,
            |_| aggregate,
        )
    }

    fn unknown_name(&mut self, name: &str, span: Span, candidates: Vec<String>, what: &str) {
        let help = match did_you_mean(name, candidates.iter().map(String::as_str)) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("declare {what} before using it"),
        };
        self.report(
            Diagnostic::new(Code::UnknownName, span, format!("unknown name `{name}`"))
                .label("not declared")
                .help(help),
        );
    }
}

/// A rule's source as one line: comments dropped, whitespace collapsed.
pub fn normalize_source(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_text = false;
    let mut escaped = false;
    let mut in_comment = false;
    let mut pending_space = false;
    for c in text.chars() {
        if in_comment {
            if c == '\n' {
                in_comment = false;
                pending_space = true;
            }
            continue;
        }
        if in_text {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_text = false;
            }
            continue;
        }
        if c == '#' {
            in_comment = true;
            continue;
        }
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space && !out.is_empty() {
            out.push(' ');
        }
        pending_space = false;
        if c == '"' {
            in_text = true;
        }
        out.push(c);
    }
    out
}

/// The id of `key`'s entry in `pool`, made by `make` the first time the key
/// is seen: equal keys share one entry.
fn intern<K: Eq + Hash, I: Id, T>(
    ids: &mut HashMap<K, I>,
    pool: &mut IdVec<I, T>,
    key: K,
    make: impl FnOnce(&K) -> T,
) -> I {
    match ids.entry(key) {
        Entry::Occupied(known) => *known.get(),
        Entry::Vacant(new) => {
            let id = pool.push(make(new.key()));
            *new.insert(id)
        }
    }
}
