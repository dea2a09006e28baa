//! Lints: warnings about a model that checks but probably does not do what
//! its authors meant. A bound no lead reaches, a condition that is never
//! true, a rule written twice, a declaration nothing reads, an `each` rule
//! without a limit, a rule worth more than its score's `max`. A comment
//! `# leadscore: allow(W005)` silences a warning for one rule or item.

use std::collections::HashSet;

use super::expr::Scope;
use super::*;
use crate::load::Loaded;
use crate::syntax::ast::{
    BoundOp, CompareOp, Constant, EventArg, EventRef, Expr, GroupEntry, LabelBody, Operand,
    Predicate, RuleKind, ScoreName, Test, ThresholdCondition, ValueSet,
};
use crate::syntax::display::{number, points};

/// Runs every lint over a model that checked without errors, then drops
/// the warnings (these and the checker's own) that an allow comment covers.
pub(super) fn run(checker: &mut Checker<'_>, loaded: &Loaded) {
    let items = loaded.items.as_slice();
    // A model with errors is incomplete: a rule that failed to check reads
    // nothing and adds no points, so lints would only add noise to the
    // errors that matter.
    let has_errors = loaded.has_errors() || checker.diagnostics.iter().any(Diagnostic::is_error);
    if !has_errors {
        bounds::report_unreachable(checker, items);
        contradictions::report_never_true(checker, items);
        report_duplicate_rules(checker, items);
        unused::report_unused(checker, items);
        report_unbounded_each(checker, items);
        report_max_below_points(checker, items);
    }
    allow::drop_allowed(checker, items);
}

// -- walking the model --------------------------------------------------------

/// The rules that add to one score: the top level's, or one group's.
struct ScoreRules<'i> {
    group: Option<&'i ast::Group>,
    rules: Vec<&'i ast::Rule>,
}

fn rules_per_score(items: &[Item]) -> Vec<ScoreRules<'_>> {
    let top = ScoreRules {
        group: None,
        rules: items
            .iter()
            .filter_map(|item| match item {
                Item::Rule(rule) => Some(rule),
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
                    GroupEntry::Decay(_) => None,
                })
                .collect(),
        }),
        _ => None,
    });
    std::iter::once(top).chain(groups).collect()
}

/// What a condition belongs to, which says what its never being true means.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Owner {
    Rule,
    Let,
    Output,
}

/// A condition as written, with the scope its names are resolved in.
#[derive(Clone, Copy)]
struct Site<'i> {
    expr: &'i Spanned<Expr>,
    scope: Scope,
    owner: Owner,
}

/// Every condition of the model's rules, lets, thresholds and labels, and,
/// as conditions of their own, the `where` filters of the events they
/// count. Tests are left out: an `expect` that cannot hold fails its test.
fn condition_sites<'i>(checker: &Checker<'_>, items: &'i [Item]) -> Vec<Site<'i>> {
    let mut sites = Vec::new();
    for scored in rules_per_score(items) {
        for rule in scored.rules {
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

fn event_id(checker: &Checker<'_>, name: &str) -> Option<EventId> {
    match checker.names.get(name) {
        Some((Symbol::Event(id), _)) => Some(*id),
        _ => None,
    }
}

/// Calls `visit` on every test of a condition, with the test's span,
/// through `and`, `or`, `not` and parentheses. Event `where` filters are
/// conditions of their own and are not entered.
fn for_each_test<'e>(expr: &'e Spanned<Expr>, visit: &mut impl FnMut(&'e Test, Span)) {
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
fn lower_quietly(checker: &mut Checker<'_>, expr: &Spanned<Expr>, scope: &Scope) -> Option<Cond> {
    let reported = checker.diagnostics.len();
    let reads = std::mem::take(&mut checker.reads);
    let cond = checker.condition(expr, scope);
    checker.diagnostics.truncate(reported);
    checker.reads = reads;
    cond
}

/// Where a span starts, for a message that points at another place:
/// "line 12", or "line 3 of common.score" in another file.
fn place(checker: &Checker<'_>, span: Span, from: Span) -> String {
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

// -- W005: the same rule twice --------------------------------------------------

/// Two rules of the same score with the same condition (or event) and the
/// same points give a matching lead the points twice. Rules of different
/// groups may well agree: each group is its own sub-score.
fn report_duplicate_rules(checker: &mut Checker<'_>, items: &[Item]) {
    for scored in rules_per_score(items) {
        for (i, rule) in scored.rules.iter().enumerate() {
            let earlier = scored.rules.iter().take(i).find(|r| r.kind == rule.kind);
            if let Some(first) = earlier {
                let at = place(checker, first.span, rule.span);
                checker.report(
                    Diagnostic::new(
                        Code::DuplicateRule,
                        rule.span,
                        format!("this rule repeats the rule on {at}"),
                    )
                    .label(format!("same condition and points as {at}"))
                    .help("a lead that matches gets the points twice; remove one copy, or change the points of one rule if more were meant"),
                );
            }
        }
    }
}

// -- W007: `each` without a limit -----------------------------------------------

fn report_unbounded_each(checker: &mut Checker<'_>, items: &[Item]) {
    for scored in rules_per_score(items) {
        for rule in scored.rules {
            let RuleKind::Each {
                event,
                points: pts,
                modifiers,
            } = &rule.kind
            else {
                continue;
            };
            let limited = !event.within.is_empty()
                || modifiers
                    .iter()
                    .any(|m| matches!(m.node, Modifier::Max(_) | Modifier::Fade(_)));
            if limited {
                continue;
            }
            let span = Span::new(rule.span.file, rule.span.start, pts.span.end);
            let shown = checker.source_text(span);
            let cap = points(pts.node);
            checker.report(
                Diagnostic::new(
                    Code::UnboundedEach,
                    span,
                    format!("`{shown}` has no limit: its points grow with every event"),
                )
                .label("no `max`, `within` or `fade over`")
                .help(format!(
                    "every matching event the lead ever had counts; cap the rule (`{cap} max 20`), count recent events only (`within 90d`), or let old ones fade (`fade over 90d`)"
                )),
            );
        }
    }
}

// -- W008: a rule worth more than its score's `max` -------------------------------

fn report_max_below_points(checker: &mut Checker<'_>, items: &[Item]) {
    let total_max = items.iter().find_map(|item| match item {
        Item::Total(mods) => max_modifier(&mods.node),
        _ => None,
    });
    for scored in rules_per_score(items) {
        let (cap, whose, clamp) = match scored.group {
            Some(group) => match max_modifier(&group.modifiers) {
                Some(cap) => (
                    cap,
                    format!("the group `{}`", group.name.node),
                    format!("`max {}`", number(cap)),
                ),
                None => continue,
            },
            None => match total_max {
                Some(cap) => (
                    cap,
                    "the total".to_string(),
                    format!("`total max {}`", number(cap)),
                ),
                None => continue,
            },
        };
        for share in scored.rules.iter().filter_map(|rule| most_points(rule)) {
            if share.gives <= cap {
                continue;
            }
            let gives = points(share.gives);
            let limit = points(cap);
            let (what, help) = match share.kind {
                ShareKind::When => (
                    gives.clone(),
                    format!("the rule can never give all its points; lower them to {limit} or less, or raise {clamp}"),
                ),
                ShareKind::EachCap => (
                    format!("up to {gives}"),
                    format!("the rule can never reach its own cap; lower its `max` to {} or less, or raise {clamp}", number(cap)),
                ),
                ShareKind::EachEvent => (
                    format!("{gives} for each event"),
                    format!("not even one event's points can all count; lower them to {limit} or less, or raise {clamp}"),
                ),
            };
            checker.report(
                Diagnostic::new(
                    Code::MaxBelowPoints,
                    share.span,
                    format!("this rule gives {what} but {whose} has {clamp}"),
                )
                .label(format!("more than {clamp}"))
                .help(help),
            );
        }
    }
}

fn max_modifier(mods: &[Spanned<Modifier>]) -> Option<f64> {
    mods.iter().find_map(|m| match m.node {
        Modifier::Max(n) => Some(n),
        _ => None,
    })
}

/// The most one rule can add to its score, and where the rule says so.
struct Share {
    span: Span,
    gives: f64,
    kind: ShareKind,
}

enum ShareKind {
    /// A `when` rule's points.
    When,
    /// An `each` rule's `max`.
    EachCap,
    /// The points of one event, for an `each` rule without `max`.
    EachEvent,
}

/// The most a rule with positive points can give.
fn most_points(rule: &ast::Rule) -> Option<Share> {
    match &rule.kind {
        RuleKind::When {
            outcome: ast::Outcome::Points(p),
            ..
        } => Some(Share {
            span: p.span,
            gives: p.node,
            kind: ShareKind::When,
        }),
        RuleKind::When { .. } => None,
        RuleKind::Each {
            points: p,
            modifiers,
            ..
        } => {
            if p.node <= 0.0 {
                return None;
            }
            let capped = modifiers.iter().find_map(|m| match m.node {
                Modifier::Max(n) => Some(Share {
                    span: m.span,
                    gives: n,
                    kind: ShareKind::EachCap,
                }),
                _ => None,
            });
            Some(capped.unwrap_or(Share {
                span: p.span,
                gives: p.node,
                kind: ShareKind::EachEvent,
            }))
        }
    }
}

// -- W003: bounds no lead can reach ---------------------------------------------

mod bounds;

// -- W004: conditions that are never true -------------------------------------------

mod contradictions;

// -- W006: declarations nothing uses --------------------------------------------

mod unused;

// -- allow comments -------------------------------------------------------------

mod allow;
