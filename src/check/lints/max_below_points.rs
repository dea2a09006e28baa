//! W008 `max-below-points`: a rule worth more than the `max` of the score
//! it adds to, so that some of its points can never count.

use super::walk::rules_per_score;
use crate::check::Checker;
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::source::Span;
use crate::syntax::ast::{self, Item, Modifier, RuleKind, Spanned};
use crate::syntax::print::{number, points};

pub(super) fn report_max_below_points(checker: &mut Checker<'_>, items: &[Item]) {
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
        for share in scored.every_rule().filter_map(most_points) {
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
