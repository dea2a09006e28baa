//! Conditions: `and`, `or` and `not`; a test, which is an operand with
//! its `within` windows and its predicate; and what turns a typed operand
//! into something true or false (an event on its own means "at least
//! once", a yes/no value means itself), with help when it cannot be.

use super::names::Scope;
use super::typed::{Ty, Typed};
use super::{Checker, Probe};
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::plan::{AggId, AggKind, Aggregate, Cond, EventId, Order, Pred, Value};
use crate::syntax::ast::{Duration, Expr, Spanned, Test};

impl<'a> Checker<'a> {
    /// A condition: anything that is true or false.
    /// `None` when the condition has errors (each reported where it is).
    pub(super) fn condition(&mut self, expr: &Spanned<Expr>, scope: &Scope) -> Option<Cond> {
        let typed = self.typed(expr, scope);
        self.as_condition(typed, expr)
    }

    pub(super) fn typed(&mut self, expr: &Spanned<Expr>, scope: &Scope) -> Typed {
        match &expr.node {
            Expr::Or(a, b) | Expr::And(a, b) => {
                // Both sides are checked, so that each reports its errors.
                let a = self.condition(a, scope);
                let b = self.condition(b, scope);
                match (a, b) {
                    (Some(a), Some(b)) => {
                        Typed::Cond(flatten(a, b, matches!(expr.node, Expr::And(..))))
                    }
                    _ => Typed::Error,
                }
            }
            Expr::Not(e) => match self.condition(e, scope) {
                Some(c) => Typed::Cond(Cond::Not(Box::new(c))),
                None => Typed::Error,
            },
            Expr::Test(t) => self.test(t, scope),
        }
    }

    /// Notes what an operand of a test's `expect` is, under its text.
    fn probe(&mut self, test: &Test, typed: &Typed) {
        let mut end = test.within.last().map_or(test.operand.span, |w| w.span);
        let probe = match typed {
            // `last(visit) within 7d` is a test; the date is what to show.
            Typed::Cond(Cond::Within(v, _)) => {
                end = test.operand.span;
                Probe::Value(*v)
            }
            Typed::Value(Value::Prop(_) | Value::Members(_), _) | Typed::Value(_, Ty::Error) => {
                return
            }
            Typed::Value(v, _) => Probe::Value(*v),
            Typed::Event(event, filter) => Probe::Value(Value::Aggregate(self.count_of(
                *event,
                filter.clone(),
                None,
            ))),
            Typed::Cond(c) => Probe::Cond(c.clone()),
            Typed::Error => return,
        };
        let text = self.source_text(test.operand.span.to(end));
        if let Some(probes) = self.probes.as_mut() {
            if !probes.iter().any(|(seen, _)| *seen == text) {
                probes.push((text, probe));
            }
        }
    }

    /// The event and filter of a plain count that has no window yet.
    fn open_count(&self, id: AggId) -> Option<(EventId, Option<Cond>)> {
        self.model
            .aggregates
            .get(id)
            .filter(|a| a.kind == AggKind::Count && a.window.is_none())
            .map(|a| (a.event, a.filter.clone()))
    }

    /// The count of an event's matching occurrences, as an aggregate.
    pub(super) fn count_of(
        &mut self,
        event: EventId,
        filter: Option<Cond>,
        window: Option<Duration>,
    ) -> AggId {
        self.intern_aggregate(Aggregate {
            event,
            filter,
            window,
            kind: AggKind::Count,
            since: None,
        })
    }

    fn as_condition(&mut self, typed: Typed, expr: &Spanned<Expr>) -> Option<Cond> {
        match typed {
            Typed::Cond(c) => Some(c),
            Typed::Error => None,
            Typed::Event(event, filter) => {
                let id = self.count_of(event, filter, None);
                Some(Cond::Test(
                    Value::Aggregate(id),
                    Pred::Number(Order::Ge, 1.0),
                ))
            }
            Typed::Value(v, Ty::Bool) => Some(Cond::Truthy(v)),
            Typed::Value(v, Ty::Count) => Some(Cond::Test(v, Pred::Number(Order::Ge, 1.0))),
            Typed::Value(_, Ty::Error) => None,
            Typed::Value(v, ty) => {
                let text = self.source_text(expr.span);
                let help = match ty {
                    Ty::Number if matches!(v, Value::Score | Value::Group(_)) => {
                        format!("compare it: `{text} >= 30`")
                    }
                    Ty::Number => format!("compare it: `{text} > 0`, or test `{text} is present`"),
                    Ty::Date => format!("test it: `{text} within 30d`, `{text} after 2026-01-01`, `{text} is present`"),
                    Ty::TextList => format!("test it: `{text} contains value`, `{text} is present`"),
                    _ => format!("test it: `{text} = value`, `{text} in [a, b]`, `{text} is present`"),
                };
                self.report(
                    Diagnostic::new(
                        Code::NotACondition,
                        expr.span,
                        format!("`{text}` is {}, not a condition", ty.describe()),
                    )
                    .label("needs a test")
                    .help(help),
                );
                None
            }
        }
    }

    fn test(&mut self, test: &Test, scope: &Scope) -> Typed {
        let head = self.operand(&test.operand, scope);
        let mut typed = head;
        // A `let` of a count without a window (`let pv = visits(pricing)`)
        // is an event reference whose window is yet to come, as the
        // reference written out would be.
        if let (Typed::Value(Value::Aggregate(id), Ty::Count), false) =
            (&typed, test.within.is_empty())
        {
            if let Some((event, filter)) = self.open_count(*id) {
                typed = Typed::Event(event, filter);
            }
        }
        for (i, within) in test.within.iter().enumerate() {
            typed = match typed {
                Typed::Event(event, filter) if i == 0 => {
                    let id = self.count_of(event, filter, Some(within.node));
                    Typed::Value(Value::Aggregate(id), Ty::Count)
                }
                Typed::Value(v, Ty::Date) if i == 0 => Typed::Cond(Cond::Within(v, within.node)),
                Typed::Error | Typed::Value(_, Ty::Error) => Typed::Error,
                other => {
                    let windowed = matches!(other, Typed::Value(Value::Aggregate(id), Ty::Count)
                        if self.model.aggregates.get(id).is_some_and(|a| a.window.is_some()));
                    let message = if i > 0 || windowed {
                        "`within` is given twice".to_string()
                    } else {
                        let what = match &other {
                            Typed::Cond(_) => "a condition".to_string(),
                            Typed::Value(_, ty) => ty.describe().to_string(),
                            _ => "this".to_string(),
                        };
                        format!("`within` cannot apply to {what}")
                    };
                    self.report(
                        Diagnostic::new(Code::MisplacedWithin, within.span, message)
                            .label("misplaced `within`")
                            .help("`within D` goes right after an event reference (`visits within 30d`) or a date (`signed_up within 30d`), once"),
                    );
                    Typed::Error
                }
            };
        }
        if self.probes.is_some() {
            self.probe(test, &typed);
        }
        let Some(predicate) = &test.predicate else {
            return typed;
        };
        let (value, ty) = match typed {
            Typed::Value(v, ty) => (v, ty),
            Typed::Event(event, filter) => {
                let id = self.count_of(event, filter, None);
                (Value::Aggregate(id), Ty::Count)
            }
            Typed::Error => return Typed::Error,
            Typed::Cond(_) => {
                let subject = self.source_text(
                    test.operand.span.to(test
                        .within
                        .last()
                        .map(|w| w.span)
                        .unwrap_or(test.operand.span)),
                );
                let help = if test.within.is_empty() {
                    format!("`{subject}` is already true or false; use it on its own or with `not`")
                } else {
                    "`within` on a date is already a test; write the other test separately, joined with `and`".to_string()
                };
                self.report(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        predicate.span,
                        format!("`{subject}` is a condition and cannot take a further test"),
                    )
                    .label("extra test")
                    .help(help),
                );
                return Typed::Error;
            }
        };
        let subject = self.source_text(test.operand.span);
        match self.predicate(value, ty, predicate, &subject, scope) {
            Some(c) => Typed::Cond(c),
            None => Typed::Error,
        }
    }
}

fn flatten(a: Cond, b: Cond, and: bool) -> Cond {
    let mut items = Vec::new();
    for c in [a, b] {
        match (c, and) {
            (Cond::And(inner), true) | (Cond::Or(inner), false) => items.extend(inner),
            (other, _) => items.push(other),
        }
    }
    if and {
        Cond::And(items)
    } else {
        Cond::Or(items)
    }
}
