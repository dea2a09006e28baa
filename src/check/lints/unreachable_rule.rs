//! W010 `unreachable-rule`: a rule of a `first` block that can never give
//! its points, because an earlier rule of the block holds whenever it
//! does: the same condition, or a comparison, range or membership on the
//! same field (or event count) that accepts every value the later one
//! accepts; and an `otherwise` after a rule that holds for every value,
//! missing included. The account block's blocks are read the same way, a
//! count of members being compared as an event count is.

use crate::check::Checker;
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::plan::{AccountRuleId, AggKind, Cond, Effect, Order, Plan, Pred, RuleId, Value};
use crate::source::Span;
use crate::syntax::ast::Item;

/// One rule of a block as the lint sees it: its condition (`None` when it
/// is not a `when` rule) and where it is written.
type Turn<'p> = (Option<&'p Cond>, Span);

pub(super) fn report_unreachable_rules(checker: &mut Checker<'_>, _items: &[Item]) {
    let mut found = Vec::new();
    let plan = &checker.model;
    let spans = &checker.spans;
    let at = |rule: RuleId| spans.rules.get(rule).copied().unwrap_or_default();
    let lead_blocks = plan.blocks.iter().map(|block| {
        let turns: Vec<Turn<'_>> = block
            .rules
            .iter()
            .map(|&r| (condition(plan, r), at(r)))
            .collect();
        let otherwise = block
            .otherwise
            .and_then(|o| block.rules.iter().position(|&r| r == o));
        (turns, otherwise)
    });
    let account_blocks = plan.account.iter().flat_map(|account| {
        account.blocks.iter().map(|block| {
            let turn = |r: AccountRuleId| -> Turn<'_> {
                (
                    account.rules.get(r).map(|rule| &rule.condition),
                    spans.account_rules.get(r).copied().unwrap_or_default(),
                )
            };
            let turns: Vec<Turn<'_>> = block.rules.iter().map(|&r| turn(r)).collect();
            let otherwise = block
                .otherwise
                .and_then(|o| block.rules.iter().position(|&r| r == o));
            (turns, otherwise)
        })
    });
    for (turns, otherwise) in lead_blocks.chain(account_blocks) {
        for (i, &(later_cond, later)) in turns.iter().enumerate() {
            let Some(later_cond) = later_cond else {
                continue;
            };
            let is_otherwise = otherwise == Some(i);
            let shadow = turns.iter().take(i).find(|(earlier_cond, _)| {
                let Some(earlier_cond) = earlier_cond else {
                    return false;
                };
                if is_otherwise {
                    always(plan, earlier_cond)
                } else {
                    covers(plan, earlier_cond, later_cond)
                }
            });
            if let Some(&(_, earlier)) = shadow {
                found.push((later, earlier, is_otherwise));
            }
        }
    }
    for (span, first, is_otherwise) in found {
        let (line, _) = checker.sources.line_col(first.file, first.start);
        let what = if is_otherwise {
            "this `otherwise`"
        } else {
            "this rule"
        };
        checker.report(
            Diagnostic::new(
                Code::UnreachableRule,
                span,
                format!("{what} can never give its points: the rule on line {line} holds first whenever it could"),
            )
            .label("never reached")
            .help("a `first` block gives the points of its first rule that holds; put the narrower rule above the wider one, or remove it"),
        );
    }
}

fn condition(plan: &Plan, rule: RuleId) -> Option<&Cond> {
    match &plan.rules.get(rule)?.effect {
        Effect::When { condition, .. } => Some(condition),
        _ => None,
    }
}

/// Whether a condition holds for every value, missing included:
/// `f is missing or f is present` and the like.
fn always(plan: &Plan, cond: &Cond) -> bool {
    match cond {
        Cond::And(items) => items.iter().all(|c| always(plan, c)),
        // A count is never missing nor below zero.
        Cond::Test(v, Pred::Number(order, n)) if is_count(plan, v) => match order {
            Order::Ge => *n <= 0.0,
            Order::Gt => *n < 0.0,
            _ => false,
        },
        Cond::Or(items) => {
            items.iter().any(|c| always(plan, c))
                || items.iter().any(|a| {
                    let Cond::Test(v, Pred::Missing) = a else {
                        return false;
                    };
                    items.iter().any(|b| match b {
                        Cond::Test(w, Pred::Present) => w == v,
                        Cond::Not(inner) => {
                            matches!(inner.as_ref(), Cond::Test(w, Pred::Missing) if w == v)
                        }
                        _ => false,
                    })
                })
        }
        _ => false,
    }
}

/// Whether a value is a count: of events, or of members.
fn is_count(plan: &Plan, value: &Value) -> bool {
    match value {
        Value::Members(_) => true,
        Value::Aggregate(a) => plan
            .aggregates
            .get(*a)
            .is_some_and(|agg| agg.kind == AggKind::Count),
        _ => false,
    }
}

/// Whether `earlier` holds for every lead `later` holds for.
fn covers(plan: &Plan, earlier: &Cond, later: &Cond) -> bool {
    if format!("{earlier:?}") == format!("{later:?}") {
        return true;
    }
    match (earlier, later) {
        (Cond::Test(a, p), Cond::Test(b, q)) if a == b && comparable(a) => {
            match (accepted(plan, p), accepted(plan, q)) {
                (Some(wide), Some(narrow)) => wide.contains(&narrow),
                _ => false,
            }
        }
        _ => false,
    }
}

/// Values a comparison is about: a field, an event count, or (in the
/// account block) a count of members.
fn comparable(value: &Value) -> bool {
    matches!(
        value,
        Value::Field(_) | Value::Aggregate(_) | Value::Members(_)
    )
}

/// The values a predicate accepts, when it is a comparison, a range or a
/// membership.
enum Accepted {
    /// From `low` to `high`, each end `true` when included.
    Range(Bound, Bound),
    Numbers(Vec<f64>),
    Texts(Vec<String>),
}

#[derive(Clone, Copy)]
struct Bound {
    at: f64,
    inclusive: bool,
}

const NO_LOW: Bound = Bound {
    at: f64::NEG_INFINITY,
    inclusive: true,
};
const NO_HIGH: Bound = Bound {
    at: f64::INFINITY,
    inclusive: true,
};

fn accepted(plan: &Plan, pred: &Pred) -> Option<Accepted> {
    let order = |order: Order, at: f64| {
        let (closed, open) = (
            Bound {
                at,
                inclusive: true,
            },
            Bound {
                at,
                inclusive: false,
            },
        );
        match order {
            Order::Eq => Accepted::Range(closed, closed),
            Order::Lt => Accepted::Range(NO_LOW, open),
            Order::Le => Accepted::Range(NO_LOW, closed),
            Order::Gt => Accepted::Range(open, NO_HIGH),
            Order::Ge => Accepted::Range(closed, NO_HIGH),
        }
    };
    let closed = |a: f64, b: f64| {
        Accepted::Range(
            Bound {
                at: a,
                inclusive: true,
            },
            Bound {
                at: b,
                inclusive: true,
            },
        )
    };
    // Enum positions are whole numbers, compared as numbers.
    let position = |i: usize| i as f64;
    Some(match pred {
        Pred::Number(o, n) => order(*o, *n),
        Pred::NumberBetween(a, b) => closed(*a, *b),
        Pred::NumberIn(values) => Accepted::Numbers(values.clone()),
        Pred::Ordinal(o, i) => order(*o, position(*i)),
        Pred::OrdinalBetween(a, b) => closed(position(*a), position(*b)),
        Pred::OrdinalIn(values) => Accepted::Numbers(values.iter().map(|i| position(*i)).collect()),
        Pred::Text(crate::plan::TextOp::Equals, set) => {
            Accepted::Texts(plan.text_sets.get(*set)?.clone())
        }
        _ => return None,
    })
}

impl Accepted {
    /// Whether every value `narrow` accepts is accepted here.
    fn contains(&self, narrow: &Accepted) -> bool {
        match (self, narrow) {
            (Accepted::Range(low, high), Accepted::Range(l, h)) => {
                above(*low, *l) && below(*high, *h)
            }
            (Accepted::Range(..), Accepted::Numbers(values)) => {
                values.iter().all(|v| self.holds(*v))
            }
            (Accepted::Numbers(wide), Accepted::Numbers(values)) => {
                values.iter().all(|v| wide.contains(v))
            }
            (Accepted::Numbers(wide), Accepted::Range(l, h)) => {
                l.at == h.at && l.inclusive && h.inclusive && wide.contains(&l.at)
            }
            (Accepted::Texts(wide), Accepted::Texts(values)) => {
                values.iter().all(|v| wide.contains(v))
            }
            _ => false,
        }
    }

    fn holds(&self, v: f64) -> bool {
        match self {
            Accepted::Range(low, high) => {
                (v > low.at || (low.inclusive && v == low.at))
                    && (v < high.at || (high.inclusive && v == high.at))
            }
            Accepted::Numbers(values) => values.contains(&v),
            Accepted::Texts(_) => false,
        }
    }
}

/// Whether the low end `wide` lets in everything above the low end `narrow`.
fn above(wide: Bound, narrow: Bound) -> bool {
    wide.at < narrow.at || (wide.at == narrow.at && (wide.inclusive || !narrow.inclusive))
}

/// Whether the high end `wide` lets in everything below the high end `narrow`.
fn below(wide: Bound, narrow: Bound) -> bool {
    wide.at > narrow.at || (wide.at == narrow.at && (wide.inclusive || !narrow.inclusive))
}
