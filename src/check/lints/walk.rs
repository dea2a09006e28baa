//! How lints visit a model that checked: the rules that add to each score,
//! every condition with the scope it is read in and what it belongs to,
//! the tests inside a condition, a condition lowered again without
//! reporting, and where a span is for a message that points elsewhere.

use crate::check::names::Scope;
use crate::check::{Checker, Symbol};
use crate::plan::{Cond, EventId};
use crate::source::Span;
use crate::syntax::ast::{
    self, EventArg, Expr, GroupEntry, Item, LabelBody, Operand, RuleKind, Spanned, Test,
    ThresholdCondition,
};

/// The rules that add to one score: the top level's, or one group's.
/// `rules` are the rules that stand alone; `blocks` the `first` blocks,
/// whose rules take turns.
pub(super) struct ScoreRules<'i> {
    pub(super) group: Option<&'i ast::Group>,
    pub(super) rules: Vec<&'i ast::Rule>,
    pub(super) blocks: Vec<&'i ast::FirstBlock>,
}

impl<'i> ScoreRules<'i> {
    /// The rules that stand alone, then those of every block.
    pub(super) fn every_rule(&self) -> impl Iterator<Item = &'i ast::Rule> + '_ {
        self.rules
            .iter()
            .copied()
            .chain(self.blocks.iter().flat_map(|b| b.rules.iter()))
    }
}

pub(super) fn rules_per_score(items: &[Item]) -> Vec<ScoreRules<'_>> {
    let top = ScoreRules {
        group: None,
        rules: items
            .iter()
            .filter_map(|item| match item {
                Item::Rule(rule) => Some(rule),
                _ => None,
            })
            .collect(),
        blocks: items
            .iter()
            .filter_map(|item| match item {
                Item::First(block) => Some(block),
                _ => None,
            })
            .collect(),
    };
    let groups = items.iter().filter_map(|item| match item {
        Item::Group(group) => Some(ScoreRules {
            group: Some(group),
            rules: group
                .entries
                .iter()
                .filter_map(|entry| match entry {
                    GroupEntry::Rule(rule) => Some(rule),
                    GroupEntry::Decay(_) | GroupEntry::First(_) => None,
                })
                .collect(),
            blocks: group
                .entries
                .iter()
                .filter_map(|entry| match entry {
                    GroupEntry::First(block) => Some(block),
                    _ => None,
                })
                .collect(),
        }),
        _ => None,
    });
    std::iter::once(top).chain(groups).collect()
}

/// What a condition belongs to, which says what its never being true means.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Owner {
    Rule,
    Let,
    Output,
}

/// A condition as written, with the scope its names are resolved in.
#[derive(Clone, Copy)]
pub(super) struct Site<'i> {
    pub(super) expr: &'i Spanned<Expr>,
    pub(super) scope: Scope,
    pub(super) owner: Owner,
}

/// Every condition of the model's rules, lets, thresholds and labels, and,
/// as conditions of their own, the `where` filters of the events they
/// count. Tests are left out: an `expect` that cannot hold fails its test.
pub(super) fn condition_sites<'i>(checker: &Checker<'_>, items: &'i [Item]) -> Vec<Site<'i>> {
    let mut sites = Vec::new();
    for scored in rules_per_score(items) {
        for rule in scored.every_rule() {
            match &rule.kind {
                RuleKind::When { condition, .. } => {
                    push_site(checker, &mut sites, condition, Scope::Lead, Owner::Rule)
                }
                RuleKind::Each { event, .. } => push_filter(
                    checker,
                    &mut sites,
                    &event.name,
                    event.arg.as_ref(),
                    Owner::Rule,
                ),
            }
        }
    }
    for item in items {
        match item {
            Item::Let(l) => push_site(checker, &mut sites, &l.body, Scope::Lead, Owner::Let),
            Item::Threshold(t) => {
                if let ThresholdCondition::When(e) = &t.condition {
                    push_site(checker, &mut sites, e, Scope::Lead, Owner::Output);
                }
            }
            Item::Label(l) => {
                if let LabelBody::Cases(cases) = &l.body {
                    for e in cases.iter().filter_map(|c| c.condition.as_ref()) {
                        push_site(checker, &mut sites, e, Scope::Lead, Owner::Output);
                    }
                }
            }
            _ => {}
        }
    }
    sites
}

fn push_site<'i>(
    checker: &Checker<'_>,
    sites: &mut Vec<Site<'i>>,
    expr: &'i Spanned<Expr>,
    scope: Scope,
    owner: Owner,
) {
    sites.push(Site { expr, scope, owner });
    for_each_test(expr, &mut |test, _| match &test.operand.node {
        Operand::Call { name, arg } => push_filter(checker, sites, name, Some(arg), owner),
        Operand::Last(r) | Operand::First(r) => {
            push_filter(checker, sites, &r.name, r.arg.as_ref(), owner)
        }
        _ => {}
    });
}

fn push_filter<'i>(
    checker: &Checker<'_>,
    sites: &mut Vec<Site<'i>>,
    event: &ast::Ident,
    arg: Option<&'i EventArg>,
    owner: Owner,
) {
    if let (Some(EventArg::Where(filter)), Some(id)) = (arg, event_id(checker, &event.node)) {
        push_site(checker, sites, filter, Scope::Where(id), owner);
    }
}

pub(super) fn event_id(checker: &Checker<'_>, name: &str) -> Option<EventId> {
    match checker.names.get(name) {
        Some((Symbol::Event(id), _)) => Some(*id),
        _ => None,
    }
}

/// Calls `visit` on every test of a condition, with the test's span,
/// through `and`, `or`, `not` and parentheses. Event `where` filters are
/// conditions of their own and are not entered.
pub(super) fn for_each_test<'e>(expr: &'e Spanned<Expr>, visit: &mut impl FnMut(&'e Test, Span)) {
    match &expr.node {
        Expr::Or(a, b) | Expr::And(a, b) => {
            for_each_test(a, visit);
            for_each_test(b, visit);
        }
        Expr::Not(inner) => for_each_test(inner, visit),
        Expr::Test(test) => {
            visit(test, expr.span);
            if let Operand::Paren(inner) = &test.operand.node {
                for_each_test(inner, visit);
            }
        }
    }
}

/// Lowers a condition again to read its constants. It was checked, and
/// its problems reported, once already, so this pass reports nothing.
pub(super) fn lower_quietly(
    checker: &mut Checker<'_>,
    expr: &Spanned<Expr>,
    scope: &Scope,
) -> Option<Cond> {
    let reported = checker.diagnostics.len();
    let reads = std::mem::take(&mut checker.reads);
    let cond = checker.condition(expr, scope);
    checker.diagnostics.truncate(reported);
    checker.reads = reads;
    cond
}

/// Where a span starts, for a message that points at another place:
/// "line 12", or "line 3 of common.score" in another file.
pub(super) fn place(checker: &Checker<'_>, span: Span, from: Span) -> String {
    let (line, _) = checker.sources.line_col(span.file, span.start);
    if span.file == from.file {
        format!("line {line}")
    } else {
        format!(
            "line {line} of {}",
            checker.sources.path(span.file).display()
        )
    }
}
