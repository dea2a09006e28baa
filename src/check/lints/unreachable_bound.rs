//! W003 `unreachable-bound`: a threshold, a label's bound or a test of a
//! score that asks for more (or less) than the score can ever be. How far
//! each score reaches is worked out from its rules' points, `each` caps and
//! clamps, and for an account from its rollup.

use super::walk::{condition_sites, for_each_test};
use crate::check::names::Scope;
use crate::check::Checker;
use crate::check::Symbol;
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::plan::{AccountDef, BlockId, Effect, GroupDef, Plan, RollupFn, RuleId};
use crate::source::Span;
use crate::syntax::ast::{
    self, AccountEntry, BoundOp, CompareOp, Constant, Item, LabelBody, Operand, Predicate,
    ScoreName, Spanned, Test, ThresholdCondition,
};
use crate::syntax::print::number;

/// How low and how high a score can go, and what stops it on each
/// side, in words for the help line.
struct Reach {
    low: f64,
    high: f64,
    low_why: String,
    high_why: String,
}

/// The reach of every group and of the total.
struct Ranges {
    total: Reach,
    groups: Vec<Reach>,
}

/// What a comparison needs of a score.
#[derive(Clone, Copy)]
enum Need {
    AtLeast(f64, bool),
    AtMost(f64, bool),
    Equal(f64),
    Between(f64, f64),
}

enum Side {
    High,
    Low,
}

pub(super) fn report_unreachable(checker: &mut Checker<'_>, items: &[Item]) {
    let ranges = ranges(&checker.model);
    let mut found = Vec::new();
    let lead = Scored {
        subject: "the score",
        who: "lead",
        reach: &ranges.total,
    };
    for item in items {
        match item {
            Item::Threshold(t) => threshold_bound(t, &lead, &mut found),
            Item::Label(l) => {
                if let LabelBody::From { score, clauses } = &l.body {
                    let reach = match score {
                        ScoreName::Total(_) => Some(("the score".to_string(), &ranges.total)),
                        ScoreName::Group(g) => group_reach(checker, &ranges, &g.node),
                    };
                    if let Some((subject, reach)) = reach {
                        let scored = Scored {
                            subject: &subject,
                            who: "lead",
                            reach,
                        };
                        label_bounds(l, clauses, &scored, &mut found);
                    }
                }
            }
            Item::Account(block) => {
                if let Some(def) = &checker.model.account {
                    let reach = account_reach(&ranges, def);
                    let account = Scored {
                        subject: "the account's score",
                        who: "account",
                        reach: &reach,
                    };
                    for entry in &block.entries {
                        match entry {
                            AccountEntry::Threshold(t) => threshold_bound(t, &account, &mut found),
                            AccountEntry::Label(l) => {
                                // An account label reads the account's score; a
                                // group there is an error reported already.
                                if let LabelBody::From {
                                    score: ScoreName::Total(_),
                                    clauses,
                                } = &l.body
                                {
                                    label_bounds(l, clauses, &account, &mut found);
                                }
                            }
                            AccountEntry::Rollup(_)
                            | AccountEntry::Rule(_)
                            | AccountEntry::First(_) => {}
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let sites = condition_sites(checker, items);
    for site in sites.iter().filter(|s| matches!(s.scope, Scope::Lead)) {
        for_each_test(site.expr, &mut |test, span| {
            let Some((subject, reach)) = compared_score(checker, &ranges, test) else {
                return;
            };
            let Some(need) = test.predicate.as_ref().and_then(|p| need_of(&p.node)) else {
                return;
            };
            if let Some(side) = blocked(reach, need) {
                let what = format!("`{}` can never be true", checker.source_text(span));
                let scored = Scored {
                    subject: &subject,
                    who: "lead",
                    reach,
                };
                found.push(unreachable(span, &what, &scored, side));
            }
        });
    }
    for d in found {
        checker.report(d);
    }
}

fn group_reach<'r>(
    checker: &Checker<'_>,
    ranges: &'r Ranges,
    name: &str,
) -> Option<(String, &'r Reach)> {
    match checker.names.get(name) {
        Some((Symbol::Group(id), _)) => ranges
            .groups
            .get(id.index())
            .map(|reach| (format!("the group `{name}`"), reach)),
        _ => None,
    }
}

/// The score a test compares, when it compares `score` or a group.
fn compared_score<'r>(
    checker: &Checker<'_>,
    ranges: &'r Ranges,
    test: &Test,
) -> Option<(String, &'r Reach)> {
    if !test.within.is_empty() {
        return None;
    }
    match &test.operand.node {
        Operand::Score => Some(("the score".to_string(), &ranges.total)),
        Operand::Name(name) => group_reach(checker, ranges, name),
        _ => None,
    }
}

fn need_of(predicate: &Predicate) -> Option<Need> {
    let constant = |c: &Spanned<Constant>| match c.node {
        Constant::Number(n) => Some(n),
        _ => None,
    };
    match predicate {
        Predicate::Compare(op, c) => {
            let n = constant(c)?;
            match op {
                CompareOp::Ge => Some(Need::AtLeast(n, true)),
                CompareOp::Gt => Some(Need::AtLeast(n, false)),
                CompareOp::Le => Some(Need::AtMost(n, true)),
                CompareOp::Lt => Some(Need::AtMost(n, false)),
                CompareOp::Eq => Some(Need::Equal(n)),
                CompareOp::Ne => None,
            }
        }
        Predicate::Between(a, b) => Some(Need::Between(constant(a)?, constant(b)?)),
        _ => None,
    }
}

/// Which end of the score's reach keeps the need from ever being met.
fn blocked(reach: &Reach, need: Need) -> Option<Side> {
    let (low, high) = (reach.low, reach.high);
    match need {
        Need::AtLeast(n, inclusive) => {
            (high < n || (!inclusive && high <= n)).then_some(Side::High)
        }
        Need::AtMost(n, inclusive) => (low > n || (!inclusive && low >= n)).then_some(Side::Low),
        Need::Equal(n) | Need::Between(n, _) if n > high => Some(Side::High),
        Need::Equal(n) | Need::Between(_, n) if n < low => Some(Side::Low),
        Need::Equal(_) | Need::Between(..) => None,
    }
}

/// A score that thresholds and labels compare: a lead's, a group's or an
/// account's.
struct Scored<'s> {
    subject: &'s str,
    /// What has the score: "lead" or "account".
    who: &'s str,
    reach: &'s Reach,
}

fn threshold_bound(t: &ast::Threshold, scored: &Scored<'_>, found: &mut Vec<Diagnostic>) {
    if let ThresholdCondition::AtLeast(n) = &t.condition {
        let name = t.name.as_ref().map_or("qualified", |n| n.node.as_str());
        if let Some(side) = blocked(scored.reach, Need::AtLeast(n.node, true)) {
            let what = format!("the threshold `{name}` can never be passed");
            found.push(unreachable(n.span, &what, scored, side));
        }
    }
}

fn label_bounds(
    l: &ast::Label,
    clauses: &[ast::LabelClause],
    scored: &Scored<'_>,
    found: &mut Vec<Diagnostic>,
) {
    let bounded = clauses
        .iter()
        .filter_map(|c| c.bound.as_ref().map(|(op, n)| (&c.value, op, n)));
    for (value, op, n) in bounded {
        let need = match op.node {
            BoundOp::Ge => Need::AtLeast(n.node, true),
            BoundOp::Gt => Need::AtLeast(n.node, false),
            BoundOp::Le => Need::AtMost(n.node, true),
            BoundOp::Lt => Need::AtMost(n.node, false),
        };
        if let Some(side) = blocked(scored.reach, need) {
            let what = format!(
                "the value `{}` of label `{}` can never be chosen",
                value.node, l.name.node
            );
            found.push(unreachable(op.span.to(n.span), &what, scored, side));
        }
    }
}

fn unreachable(span: Span, what: &str, scored: &Scored<'_>, side: Side) -> Diagnostic {
    let Scored {
        subject,
        who,
        reach,
    } = scored;
    let (limit, why, word) = match side {
        Side::High => (reach.high, &reach.high_why, "at most"),
        Side::Low => (reach.low, &reach.low_why, "at least"),
    };
    Diagnostic::new(
        Code::UnreachableBound,
        span,
        format!("{what}: {subject} is {word} {}", number(limit)),
    )
    .label(format!("no {who} reaches this bound"))
    .help(format!(
        "{why}; change the bound, or the points and clamps that limit {subject}"
    ))
}

/// How low and how high an account's score can go: its rollup of its
/// members' scores (one member at least, any number of them), its rules,
/// then its `max` and `min`.
fn account_reach(ranges: &Ranges, account: &AccountDef) -> Reach {
    let (mut low, mut high) = match &account.rollup {
        None => (0.0, 0.0),
        Some(rollup) => {
            let member = match rollup.of {
                Some(g) => ranges.groups.get(g.index()).unwrap_or(&ranges.total),
                None => &ranges.total,
            };
            let (one_low, one_high) = (member.low, member.high);
            match (rollup.function, rollup.top) {
                (RollupFn::Sum, Some(top)) => {
                    let n = top as f64;
                    (one_low.min(n * one_low), one_high.max(n * one_high))
                }
                (RollupFn::Sum, None) => (
                    if one_low < 0.0 {
                        f64::NEG_INFINITY
                    } else {
                        one_low
                    },
                    if one_high > 0.0 {
                        f64::INFINITY
                    } else {
                        one_high
                    },
                ),
                (RollupFn::Max | RollupFn::Avg, _) => (one_low, one_high),
            }
        }
    };
    let (rules_low, rules_high) = sum_turns(
        account.rules.iter().map(|r| Turn {
            block: r.block,
            when: Some(r.points),
            reach: (r.points.min(0.0), r.points.max(0.0)),
        }),
        |b| account.blocks.get(b).is_some_and(|b| b.otherwise.is_some()),
    );
    low += rules_low;
    high += rules_high;
    Clamped {
        low,
        high,
        max: account.max,
        min: account.min,
        summed: "its rollup and the account rules",
    }
    .reach(
        |max| format!("the account block's `max {max}` caps it"),
        |min| format!("the account block's `min {min}` keeps it from going lower"),
    )
}

fn ranges(model: &Plan) -> Ranges {
    let groups: Vec<Reach> = model.groups.iter().map(|g| group(model, g)).collect();
    let (mut low, mut high) = sum_rules(model, &model.total.rules);
    for (g, reach) in model.groups.iter().zip(&groups) {
        if !g.separate {
            low += reach.low;
            high += reach.high;
        }
    }
    let total = &model.total;
    let total = Clamped {
        low,
        high,
        max: total.max,
        min: total.min,
        summed: "the top-level rules and the groups in the total",
    }
    .reach(
        |max| format!("`total max {max}` caps the score"),
        |min| format!("`total min {min}` keeps the score from going lower"),
    );
    Ranges { total, groups }
}

/// A sum of points and the clamps on it.
struct Clamped<'s> {
    low: f64,
    high: f64,
    max: Option<f64>,
    min: Option<f64>,
    /// What the sum adds up, in words.
    summed: &'s str,
}

impl Clamped<'_> {
    /// The sum's reach once clamped and rounded, with what stops it on each
    /// side: a clamp that bites, in the words `capped` and `floored` give
    /// for its number, or else the sum itself.
    fn reach(self, capped: impl Fn(&str) -> String, floored: impl Fn(&str) -> String) -> Reach {
        let Clamped {
            low,
            high,
            max,
            min,
            summed,
        } = self;
        let high_why = match max {
            Some(max) if max < high => capped(&number(max)),
            _ => format!("{summed} add up to at most {}", number(round_cents(high))),
        };
        let low_why = match min {
            Some(min) if min > low => floored(&number(min)),
            _ => format!("{summed} add up to at least {}", number(round_cents(low))),
        };
        Reach {
            low: round_cents(clamp(low, max, min)),
            high: round_cents(clamp(high, max, min)),
            low_why,
            high_why,
        }
    }
}

fn group(model: &Plan, g: &GroupDef) -> Reach {
    let (low, high) = sum_rules(model, &g.rules);
    let name = &g.name;
    let summed = format!("the rules of the group `{name}`");
    Clamped {
        low,
        high,
        max: g.max,
        min: g.min,
        summed: &summed,
    }
    .reach(
        |max| format!("the group `{name}` has `max {max}`"),
        |min| format!("the group `{name}` has `min {min}`"),
    )
}

/// The lowest and highest sum of some rules' points, each rule counted
/// on its own (as if any could fire without the others), except that the
/// rules of one `first` block give the points of one of them (or none,
/// without `otherwise`). Decay needs no share: it only moves a positive
/// score towards zero.
fn sum_rules(model: &Plan, rules: &[RuleId]) -> (f64, f64) {
    let turns = rules
        .iter()
        .filter_map(|id| model.rules.get(*id))
        .map(|rule| Turn {
            block: rule.block,
            when: match rule.effect {
                Effect::When { points, .. } => Some(points),
                _ => None,
            },
            reach: rule_reach(&rule.effect),
        });
    sum_turns(turns, |b: BlockId| {
        model.blocks.get(b).is_some_and(|b| b.otherwise.is_some())
    })
}

/// What one rule adds, for [`sum_turns`]: its block, its points when it is
/// a `when` rule, and the least and most it adds on its own.
struct Turn<B> {
    block: Option<B>,
    when: Option<f64>,
    reach: (f64, f64),
}

/// [`sum_rules`] over any table of rules whose blocks' rules follow one
/// another (a lead's or the account block's); `always` says whether a
/// block has an `otherwise` (then one of its rules always gives its
/// points).
fn sum_turns<B: Copy + PartialEq>(
    rules: impl Iterator<Item = Turn<B>>,
    always: impl Fn(B) -> bool,
) -> (f64, f64) {
    let mut total = (0.0, 0.0);
    // The block being summed and its reach so far.
    let mut block: Option<(B, f64, f64)> = None;
    let close = |block: &mut Option<(B, f64, f64)>, total: &mut (f64, f64)| {
        if let Some((id, low, high)) = block.take() {
            let (low, high) = if always(id) {
                (low, high)
            } else {
                (low.min(0.0), high.max(0.0))
            };
            total.0 += low;
            total.1 += high;
        }
    };
    for rule in rules {
        if block.is_some_and(|(id, _, _)| Some(id) != rule.block) {
            close(&mut block, &mut total);
        }
        match (rule.block, rule.when) {
            (Some(id), Some(points)) => {
                let (low, high) =
                    block.map_or((points, points), |(_, l, h)| (l.min(points), h.max(points)));
                block = Some((id, low, high));
            }
            _ => {
                let (l, h) = rule.reach;
                total = (total.0 + l, total.1 + h);
            }
        }
    }
    close(&mut block, &mut total);
    total
}

/// The least and most one rule can add; an `each` rule without `max`
/// has no end.
fn rule_reach(effect: &Effect) -> (f64, f64) {
    match effect {
        Effect::When { points, .. } => (points.min(0.0), points.max(0.0)),
        Effect::Disqualify { .. } => (0.0, 0.0),
        Effect::Each { points, max, .. } | Effect::PerUnit { points, max, .. } => {
            let most = max.unwrap_or(f64::INFINITY);
            if *points > 0.0 {
                (0.0, most)
            } else if *points < 0.0 {
                (-most, 0.0)
            } else {
                (0.0, 0.0)
            }
        }
    }
}

fn clamp(value: f64, max: Option<f64>, min: Option<f64>) -> f64 {
    let capped = max.map_or(value, |m| value.min(m));
    min.map_or(capped, |m| capped.max(m))
}

/// Scores are rounded to cents before anything compares them.
fn round_cents(value: f64) -> f64 {
    if value.is_finite() {
        (value * 100.0).round() / 100.0
    } else {
        value
    }
}
