use super::*;

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
    for item in items {
        match item {
            Item::Threshold(t) => {
                if let ThresholdCondition::AtLeast(n) = &t.condition {
                    let name = t.name.as_ref().map_or("qualified", |n| n.node.as_str());
                    let need = Need::AtLeast(n.node, true);
                    if let Some(side) = blocked(&ranges.total, need) {
                        let what = format!("the threshold `{name}` can never be passed");
                        found.push(unreachable(n.span, &what, "the score", &ranges.total, side));
                    }
                }
            }
            Item::Label(l) => {
                if let LabelBody::From { score, clauses } = &l.body {
                    let subject = match score {
                        ScoreName::Total(_) => Some(("the score".to_string(), &ranges.total)),
                        ScoreName::Group(g) => group_reach(checker, &ranges, &g.node),
                    };
                    let Some((subject, reach)) = subject else {
                        continue;
                    };
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
                        if let Some(side) = blocked(reach, need) {
                            let what = format!(
                                "the value `{}` of label `{}` can never be chosen",
                                value.node, l.name.node
                            );
                            found.push(unreachable(
                                op.span.to(n.span),
                                &what,
                                &subject,
                                reach,
                                side,
                            ));
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
                found.push(unreachable(span, &what, &subject, reach, side));
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
            .get(*id)
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

fn unreachable(span: Span, what: &str, subject: &str, reach: &Reach, side: Side) -> Diagnostic {
    let (limit, why, word) = match side {
        Side::High => (reach.high, &reach.high_why, "at most"),
        Side::Low => (reach.low, &reach.low_why, "at least"),
    };
    Diagnostic::new(
        Code::UnreachableBound,
        span,
        format!("{what}: {subject} is {word} {}", number(limit)),
    )
    .label("no lead reaches this bound")
    .help(format!(
        "{why}; change the bound, or the points and clamps that limit {subject}"
    ))
}

fn ranges(model: &Model) -> Ranges {
    let groups: Vec<Reach> = model.groups.iter().map(|g| group(model, g)).collect();
    let (mut low, mut high) = sum_rules(model, &model.total.rules);
    for (g, reach) in model.groups.iter().zip(&groups) {
        if !g.separate {
            low += reach.low;
            high += reach.high;
        }
    }
    let total = &model.total;
    let high_why = match total.max {
        Some(max) if max < high => format!("`total max {}` caps the score", number(max)),
        _ => format!(
            "the top-level rules and the groups in the total add up to at most {}",
            number(round_cents(high))
        ),
    };
    let low_why = match total.min {
        Some(min) if min > low => format!(
            "`total min {}` keeps the score from going lower",
            number(min)
        ),
        _ => format!(
            "the top-level rules and the groups in the total add up to at least {}",
            number(round_cents(low))
        ),
    };
    Ranges {
        total: Reach {
            low: round_cents(clamp(low, total.max, total.min)),
            high: round_cents(clamp(high, total.max, total.min)),
            low_why,
            high_why,
        },
        groups,
    }
}

fn group(model: &Model, g: &GroupDef) -> Reach {
    let (low, high) = sum_rules(model, &g.rules);
    let name = &g.name;
    let high_why = match g.max {
        Some(max) if max < high => format!("the group `{name}` has `max {}`", number(max)),
        _ => format!(
            "the rules of the group `{name}` add up to at most {}",
            number(round_cents(high))
        ),
    };
    let low_why = match g.min {
        Some(min) if min > low => format!("the group `{name}` has `min {}`", number(min)),
        _ => format!(
            "the rules of the group `{name}` add up to at least {}",
            number(round_cents(low))
        ),
    };
    Reach {
        low: round_cents(clamp(low, g.max, g.min)),
        high: round_cents(clamp(high, g.max, g.min)),
        low_why,
        high_why,
    }
}

/// The lowest and highest sum of some rules' points, each rule counted
/// on its own (as if any could fire without the others). Decay needs no
/// share: it only moves a positive score towards zero.
fn sum_rules(model: &Model, rules: &[RuleId]) -> (f64, f64) {
    rules
        .iter()
        .filter_map(|id| model.rules.get(*id))
        .map(|rule| rule_reach(&rule.effect))
        .fold((0.0, 0.0), |(low, high), (l, h)| (low + l, high + h))
}

/// The least and most one rule can add; an `each` rule without `max`
/// has no end.
fn rule_reach(effect: &Effect) -> (f64, f64) {
    match effect {
        Effect::When { points, .. } => (points.min(0.0), points.max(0.0)),
        Effect::Disqualify { .. } => (0.0, 0.0),
        Effect::Each { points, max, .. } => {
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
