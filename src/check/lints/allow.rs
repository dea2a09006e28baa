//! Allow comments: `# leadscore: allow(W005)` on a warning's line, or on
//! the first line of the rule or item that holds it (or alone on the line
//! above either), drops that warning. Errors cannot be allowed.

use crate::check::Checker;
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::source::{SourceMap, Span};
use crate::syntax::ast::{AccountEntry, FirstBlock, GroupEntry, Item};

/// Drops every warning that a `# leadscore: allow(CODE)` comment covers:
/// a comment on a line of the warning, or alone on the line above it,
/// or on the first line of a rule or item that holds the warning, or
/// alone on the line above that.
pub(super) fn drop_allowed(checker: &mut Checker<'_>, items: &[Item]) {
    let anchors = anchors(items);
    let sources = checker.sources;
    checker
        .diagnostics
        .retain(|d| d.is_error() || !is_allowed(sources, &anchors, d));
}

/// The spans a warning's allow comment may stand on: every item's, and
/// every rule's inside a group or the account block. Items do not overlap one another, nor do
/// a group's entries, so each list is sorted by where its spans start and
/// the one span of each that may hold a warning is found by a binary
/// search (a model of 100 000 rules has as many anchors).
struct Anchors {
    items: Vec<Span>,
    entries: Vec<Span>,
    /// The rules of `first` blocks, at the top level or in a group.
    block_rules: Vec<Span>,
}

fn anchors(items: &[Item]) -> Anchors {
    let mut anchors = Anchors {
        items: items.iter().map(item_span).collect(),
        entries: Vec::new(),
        block_rules: Vec::new(),
    };
    for item in items {
        let block_rules = |out: &mut Vec<Span>, block: &FirstBlock| {
            out.extend(block.rules.iter().map(|rule| rule.span));
            out.extend(block.otherwise.as_ref().map(|o| o.span));
        };
        match item {
            Item::Group(group) => {
                for entry in &group.entries {
                    match entry {
                        GroupEntry::Rule(rule) => anchors.entries.push(rule.span),
                        GroupEntry::Decay(decay) => anchors.entries.push(decay.span),
                        GroupEntry::First(block) => {
                            anchors.entries.push(block.span);
                            block_rules(&mut anchors.block_rules, block);
                        }
                    }
                }
            }
            Item::First(block) => block_rules(&mut anchors.block_rules, block),
            Item::Account(account) => {
                for entry in &account.entries {
                    match entry {
                        AccountEntry::Rule(rule) => anchors.entries.push(rule.span),
                        AccountEntry::First(block) => {
                            anchors.entries.push(block.span);
                            block_rules(&mut anchors.block_rules, block);
                        }
                        AccountEntry::Rollup(_)
                        | AccountEntry::Threshold(_)
                        | AccountEntry::Label(_) => {}
                    }
                }
            }
            _ => {}
        }
    }
    anchors.items.sort_by_key(|s| (s.file, s.start));
    anchors.entries.sort_by_key(|s| (s.file, s.start));
    anchors.block_rules.sort_by_key(|s| (s.file, s.start));
    anchors
}

impl Anchors {
    /// The anchors that hold `span`: at most an item, a group's entry and
    /// a rule of a `first` block.
    fn holding(&self, span: Span) -> impl Iterator<Item = &Span> {
        [&self.items, &self.entries, &self.block_rules]
            .into_iter()
            .filter_map(move |list| {
                let after = list.partition_point(|a| (a.file, a.start) <= (span.file, span.start));
                let candidate = list.get(after.checked_sub(1)?)?;
                (candidate.file == span.file && span.end <= candidate.end).then_some(candidate)
            })
    }
}

fn item_span(item: &Item) -> Span {
    match item {
        Item::Use(path) => path.span,
        Item::Lead(fields) => fields.span,
        Item::Event(e) => e.span,
        Item::List(l) => l.span,
        Item::Let(l) => l.span,
        Item::Rule(r) => r.span,
        Item::Group(g) => g.span,
        Item::Total(t) => t.span,
        Item::Decay(d) => d.span,
        Item::Since(s) => s.span,
        Item::Threshold(t) => t.span,
        Item::Label(l) => l.span,
        Item::Test(t) => t.span,
        Item::Account(a) => a.span,
        Item::First(b) => b.span,
    }
}

fn is_allowed(sources: &SourceMap, anchors: &Anchors, d: &Diagnostic) -> bool {
    let file = d.span.file;
    let line = |offset: usize| sources.line_col(file, offset).0;
    let allows = |line: usize, alone: bool| allows_on_line(sources, file, line, alone, d.code);
    let first = line(d.span.start);
    let last = line(d.span.end.saturating_sub(1).max(d.span.start));
    let on_own_lines = (first..=last).any(|l| allows(l, false)) || allows(first - 1, true);
    on_own_lines
        || anchors.holding(d.span).any(|a| {
            let start = line(a.start);
            allows(start, false) || allows(start - 1, true)
        })
}

/// Whether line `line` (1-based) holds an allow comment for `code`;
/// with `alone`, only a comment with nothing before it counts, so a
/// rule's trailing comment does not also cover the rule below it.
fn allows_on_line(
    sources: &SourceMap,
    file: crate::source::FileId,
    line: usize,
    alone: bool,
    code: Code,
) -> bool {
    let Some(text) = sources.file(file).and_then(|f| f.line(line)) else {
        return false;
    };
    match split_comment(text) {
        Some((before, comment)) if !alone || before.trim().is_empty() => {
            allowed_codes(comment).contains(&code)
        }
        _ => false,
    }
}

/// A line's code and its comment: what follows the first `#` outside a
/// text literal (which stays on one line).
fn split_comment(line: &str) -> Option<(&str, &str)> {
    let hash = crate::syntax::comment_start(line)?;
    let (before, comment) = line.split_at(hash);
    Some((before, comment.get(1..).unwrap_or("")))
}

/// The codes a comment allows: `leadscore: allow(W003, W005)`, by code
/// or by name (`allow(duplicate-rule)`).
fn allowed_codes(comment: &str) -> Vec<Code> {
    let Some((_, directive)) = comment.split_once("leadscore:") else {
        return Vec::new();
    };
    let list = directive
        .trim_start()
        .strip_prefix("allow")
        .map(str::trim_start)
        .and_then(|rest| rest.strip_prefix('('))
        .and_then(|rest| rest.split_once(')'))
        .map(|(list, _)| list);
    list.map(|list| {
        list.split(',')
            .filter_map(|code| crate::codes::Code::lookup(code.trim()))
            .map(|info| info.code)
            .collect()
    })
    .unwrap_or_default()
}
