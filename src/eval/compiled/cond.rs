//! Conditions compiled once into closures: each leaf knows where its value
//! is (a field's slot, a property's slot, an aggregate's slot, the score…)
//! and holds its constants in the form it compares against (one folded
//! text, a bit mask of the ordinals that pass, a compiled regex, a window
//! start worked out from as-of). Evaluating a condition is then a call per
//! leaf, with no walk over the plan's nodes and no lookups in its pools.

use regex::Regex;

use super::super::texts::TextSet;
use super::super::values::{above, below, field_value, Resolved};
use super::super::{AggValue, OutputValue};
use crate::lead::FieldValue;
use crate::plan::{Cond, IdVec, Order, PatternId, Pred, TextOp, TextSetId, Value};
use crate::time::{sub_duration, Instant};

/// What a compiled condition reads: the lead's fields, the event being
/// filtered (if any), its aggregates and what is known of its outcome.
#[derive(Clone, Copy)]
pub(super) struct Ctx<'a> {
    pub fields: &'a [FieldValue],
    pub props: &'a [FieldValue],
    pub aggregates: &'a [AggValue],
    pub score: f64,
    pub groups: &'a [f64],
    pub outputs: &'a [OutputValue],
    pub disqualified: bool,
}

/// A compiled condition.
pub(super) type Test = Box<dyn Fn(&Ctx) -> bool + Send + Sync>;

/// What a plan's pools become, for the compiler to take constants from.
pub(super) struct Pools<'e> {
    pub text_sets: &'e IdVec<TextSetId, TextSet>,
    pub patterns: &'e IdVec<PatternId, Regex>,
    pub as_of: Instant,
}

static MISSING: FieldValue = FieldValue::Missing;

#[inline(always)]
fn slot(values: &[FieldValue], i: usize) -> &FieldValue {
    values.get(i).unwrap_or(&MISSING)
}

impl Pools<'_> {
    pub fn compile(&self, cond: &Cond) -> Test {
        match cond {
            Cond::And(items) => {
                let mut tests: Vec<Test> = items.iter().map(|c| self.compile(c)).collect();
                match (tests.pop(), tests.pop()) {
                    (None, _) => Box::new(|_| true),
                    (Some(only), None) => only,
                    (Some(b), Some(a)) if tests.is_empty() => Box::new(move |c| a(c) && b(c)),
                    (Some(b), Some(a)) => {
                        tests.push(a);
                        tests.push(b);
                        Box::new(move |c| tests.iter().all(|t| t(c)))
                    }
                }
            }
            Cond::Or(items) => {
                let mut tests: Vec<Test> = items.iter().map(|c| self.compile(c)).collect();
                match (tests.pop(), tests.pop()) {
                    (None, _) => Box::new(|_| false),
                    (Some(only), None) => only,
                    (Some(b), Some(a)) if tests.is_empty() => Box::new(move |c| a(c) || b(c)),
                    (Some(b), Some(a)) => {
                        tests.push(a);
                        tests.push(b);
                        Box::new(move |c| tests.iter().any(|t| t(c)))
                    }
                }
            }
            Cond::Not(inner) => {
                let inner = self.compile(inner);
                Box::new(move |c| !inner(c))
            }
            Cond::Truthy(v) => on_value(*v, |r| matches!(r, Resolved::Bool(true))),
            Cond::Within(v, d) => {
                let end = self.as_of;
                let start = sub_duration(end, *d, 1).unwrap_or(Instant::MIN_UTC);
                on_value(
                    *v,
                    move |r| matches!(r, Resolved::Date(t) if t > start && t <= end),
                )
            }
            Cond::Test(v, p) => self.test(*v, p),
        }
    }

    fn test(&self, v: Value, pred: &Pred) -> Test {
        match pred {
            Pred::Missing => on_value(v, |r| matches!(r, Resolved::Missing)),
            Pred::Present => on_value(v, |r| !matches!(r, Resolved::Missing)),
            Pred::Text(op, set) => {
                let set = &self.text_sets[*set];
                match (op, &**set) {
                    (TextOp::Equals, [one]) => {
                        let one = one.clone();
                        on_value(
                            v,
                            move |r| matches!(r, Resolved::Text(_, f) if f.len() == one.len() && f == one),
                        )
                    }
                    _ => {
                        let (op, set) = (*op, set.clone());
                        on_value(
                            v,
                            move |r| matches!(r, Resolved::Text(_, f) if set.holds(op, f)),
                        )
                    }
                }
            }
            Pred::ListHas(set) => {
                let set = self.text_sets[*set].clone();
                on_value(v, move |r| matches!(r, Resolved::List(l) if set.has_any(l)))
            }
            Pred::Matches(p) => {
                let pattern = self.patterns[*p].clone();
                on_value(
                    v,
                    move |r| matches!(r, Resolved::Text(raw, _) if pattern.is_match(raw)),
                )
            }
            Pred::Number(o, n) => {
                let n = *n;
                match o {
                    Order::Eq => on_value(v, move |r| matches!(r, Resolved::Number(x) if x == n)),
                    Order::Lt => on_value(v, move |r| matches!(r, Resolved::Number(x) if x < n)),
                    Order::Le => on_value(v, move |r| matches!(r, Resolved::Number(x) if x <= n)),
                    Order::Gt => on_value(v, move |r| matches!(r, Resolved::Number(x) if x > n)),
                    Order::Ge => on_value(v, move |r| matches!(r, Resolved::Number(x) if x >= n)),
                }
            }
            Pred::NumberBetween(a, b) => {
                let (a, b) = (*a, *b);
                on_value(
                    v,
                    move |r| matches!(r, Resolved::Number(x) if a <= x && x <= b),
                )
            }
            Pred::NumberIn(values) => {
                let values = values.clone();
                on_value(
                    v,
                    move |r| matches!(r, Resolved::Number(x) if values.contains(&x)),
                )
            }
            Pred::Ordinal(..) | Pred::OrdinalBetween(..) | Pred::OrdinalIn(..) => {
                let ordinals = Ordinals::new(pred);
                on_value(
                    v,
                    move |r| matches!(r, Resolved::Ordinal(x) if ordinals.holds(x)),
                )
            }
            Pred::Date { low, high } => {
                let (low, high) = (*low, *high);
                on_value(v, move |r| {
                    matches!(r, Resolved::Date(t)
                        if low.is_none_or(|b| above(t, b)) && high.is_none_or(|b| below(t, b)))
                })
            }
            Pred::Bool(b) => {
                let b = *b;
                on_value(v, move |r| matches!(r, Resolved::Bool(x) if x == b))
            }
        }
    }
}

/// An ordinal predicate as the set of the first 64 ordinals that pass it,
/// a bit each; larger ordinals (enums of more values) ask the predicate.
struct Ordinals {
    mask: u64,
    pred: Pred,
}

impl Ordinals {
    fn new(pred: &Pred) -> Self {
        let mask = (0..64)
            .filter(|x| ordinal_holds(pred, *x))
            .fold(0u64, |m, x| m | 1 << x);
        Ordinals {
            mask,
            pred: pred.clone(),
        }
    }

    #[inline(always)]
    fn holds(&self, x: usize) -> bool {
        if x < 64 {
            self.mask >> x & 1 == 1
        } else {
            ordinal_holds(&self.pred, x)
        }
    }
}

fn ordinal_holds(pred: &Pred, x: usize) -> bool {
    match pred {
        Pred::Ordinal(o, i) => o.holds(x, *i),
        Pred::OrdinalBetween(a, b) => *a <= x && x <= *b,
        Pred::OrdinalIn(values) => values.contains(&x),
        _ => false,
    }
}

/// A test of the value `v` names: `check` sees the value resolved from
/// where it is, that place chosen here once.
fn on_value<F>(v: Value, check: F) -> Test
where
    F: Fn(Resolved) -> bool + Send + Sync + 'static,
{
    match v {
        Value::Field(id) => {
            let i = id.index();
            Box::new(move |c| check(field_value(slot(c.fields, i))))
        }
        Value::Prop(id) => {
            let i = id.index();
            Box::new(move |c| check(field_value(slot(c.props, i))))
        }
        Value::Aggregate(a) => {
            let i = a.index();
            Box::new(move |c| {
                check(match c.aggregates.get(i) {
                    Some(AggValue::Number(n)) => Resolved::Number(*n),
                    Some(AggValue::Time(Some(t))) => Resolved::Date(*t),
                    _ => Resolved::Missing,
                })
            })
        }
        Value::Score => Box::new(move |c| check(Resolved::Number(c.score))),
        Value::Group(g) => {
            let i = g.index();
            Box::new(move |c| {
                check(
                    c.groups
                        .get(i)
                        .map_or(Resolved::Missing, |n| Resolved::Number(*n)),
                )
            })
        }
        Value::Output(o) => {
            let i = o.index();
            Box::new(move |c| {
                check(match c.outputs.get(i) {
                    Some(OutputValue::Threshold(b)) => Resolved::Bool(*b),
                    Some(OutputValue::Label(Some(i))) => Resolved::Ordinal(*i),
                    _ => Resolved::Missing,
                })
            })
        }
        Value::Disqualified => Box::new(move |c| check(Resolved::Bool(c.disqualified))),
        // Member counts are read in account scope only, which the tree
        // evaluates; a lead's conditions never name them.
        Value::Members(_) => Box::new(move |_| check(Resolved::Missing)),
    }
}
