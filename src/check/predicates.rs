//! Predicates by the type of what they test: `is missing`, comparisons,
//! `in`, the text tests (`contains`, `starts with`, `ends with`,
//! `matches`), `between`, `before` and `after`; and the message that names
//! the predicates a type does support when one does not fit.

use super::names::Scope;
use super::typed::Ty;
use super::Checker;
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::plan::{AggKind, Cond, DateBound, Order, Output, Plan, Pred, TextOp, Value};
use crate::source::Span;
use crate::syntax::ast::{CompareOp, Constant, Predicate, Spanned, ValueSet};
use crate::text::{fold, fold_case};

/// Whether a value can be missing, so that `is missing` can be true.
fn can_be_missing(value: Value, model: &Plan) -> bool {
    match value {
        Value::Field(_) | Value::Prop(_) => true,
        Value::Aggregate(a) => model
            .aggregates
            .get(a)
            .is_some_and(|a| matches!(a.kind, AggKind::Latest | AggKind::Earliest)),
        Value::Output(o) => matches!(model.outputs.get(o), Some(Output::Label { .. })),
        Value::Score | Value::Group(_) | Value::Disqualified | Value::Members(_) => false,
    }
}

impl<'a> Checker<'a> {
    pub(super) fn predicate(
        &mut self,
        value: Value,
        ty: Ty,
        predicate: &Spanned<Predicate>,
        subject: &str,
        scope: &Scope,
    ) -> Option<Cond> {
        if ty == Ty::Error {
            return None;
        }
        let span = predicate.span;
        match &predicate.node {
            Predicate::IsMissing | Predicate::IsPresent => {
                if !can_be_missing(value, &self.model) {
                    self.report(
                        Diagnostic::new(Code::TypeMismatch, span, format!("`{subject}` is never missing"))
                            .label("always has a value")
                            .help("event counts, scores, thresholds and `disqualified` always have a value; compare them instead (`visits = 0`)"),
                    );
                    return None;
                }
                let pred = if matches!(predicate.node, Predicate::IsMissing) {
                    Pred::Missing
                } else {
                    Pred::Present
                };
                Some(Cond::Test(value, pred))
            }
            Predicate::Compare(op, constant) => {
                let order = order_of(*op);
                let positive = match order {
                    Some(o) => self.compare(value, ty, o, constant, subject, scope, span),
                    None => {
                        self.negated_compare = true;
                        let cond =
                            self.compare(value, ty, Order::Eq, constant, subject, scope, span);
                        self.negated_compare = false;
                        cond
                    }
                };
                if *op == CompareOp::Ne {
                    positive.map(|p| Cond::Not(Box::new(p)))
                } else {
                    positive
                }
            }
            Predicate::In { negated, set } => {
                let positive = self.membership(value, ty, set, subject, scope);
                if *negated {
                    positive.map(|p| Cond::Not(Box::new(p)))
                } else {
                    positive
                }
            }
            Predicate::Contains(set) | Predicate::StartsWith(set) | Predicate::EndsWith(set) => {
                let op = match predicate.node {
                    Predicate::Contains(_) => TextOp::Contains,
                    Predicate::StartsWith(_) => TextOp::StartsWith,
                    _ => TextOp::EndsWith,
                };
                match ty {
                    Ty::Text => self.texts(set, scope).map(|values| {
                        Cond::Test(
                            value,
                            Pred::Text(
                                op,
                                self.text_set(values.iter().map(|v| fold_case(v)).collect()),
                            ),
                        )
                    }),
                    Ty::TextList if op == TextOp::Contains => {
                        self.texts(set, scope).map(|values| {
                            Cond::Test(
                                value,
                                Pred::ListHas(
                                    self.text_set(values.iter().map(|v| fold(v)).collect()),
                                ),
                            )
                        })
                    }
                    _ => self.unsupported(subject, ty, span, &predicate.node),
                }
            }
            Predicate::Matches(pattern) => {
                if ty != Ty::Text {
                    return self.unsupported(subject, ty, span, &predicate.node);
                }
                match regex::Regex::new(&pattern.node) {
                    Ok(_) => {
                        let id = self.pattern(&pattern.node, pattern.span);
                        Some(Cond::Test(value, Pred::Matches(id)))
                    }
                    Err(e) => {
                        let detail = e.to_string();
                        let last = detail.lines().last().unwrap_or("").trim().to_string();
                        self.report(
                            Diagnostic::new(Code::InvalidRegex, pattern.span, format!("invalid regular expression: {}", last.trim_start_matches("error: ")))
                                .label("this pattern")
                                .help("fix the pattern; backslashes in text must be doubled (`\"\\\\d+\"`)"),
                        );
                        None
                    }
                }
            }
            Predicate::Between(low, high) => match ty {
                Ty::Number | Ty::Count => match (
                    self.number(low, subject, ty),
                    self.number(high, subject, ty),
                ) {
                    (Some(a), Some(b)) => Some(Cond::Test(value, Pred::NumberBetween(a, b))),
                    _ => None,
                },
                Ty::Date => match (
                    self.date_bounds(low, subject),
                    self.date_bounds(high, subject),
                ) {
                    (Some(a), Some(b)) => Some(Cond::Test(
                        value,
                        Pred::Date {
                            low: Some(DateBound {
                                at: a.0,
                                inclusive: true,
                            }),
                            high: Some(b.upper_inclusive()),
                        },
                    )),
                    _ => None,
                },
                Ty::Enum(e) => match (
                    self.enum_index(e, low, scope),
                    self.enum_index(e, high, scope),
                ) {
                    (Some(a), Some(b)) => Some(Cond::Test(value, Pred::OrdinalBetween(a, b))),
                    _ => None,
                },
                _ => self.unsupported(subject, ty, span, &predicate.node),
            },
            Predicate::Before(c) | Predicate::After(c) => {
                if ty != Ty::Date {
                    return self.unsupported(subject, ty, span, &predicate.node);
                }
                let order = if matches!(predicate.node, Predicate::Before(_)) {
                    Order::Lt
                } else {
                    Order::Gt
                };
                self.compare(value, ty, order, c, subject, scope, span)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn compare(
        &mut self,
        value: Value,
        ty: Ty,
        order: Order,
        constant: &Spanned<Constant>,
        subject: &str,
        scope: &Scope,
        span: Span,
    ) -> Option<Cond> {
        match ty {
            Ty::Text => {
                if order != Order::Eq {
                    return self.not_ordered(
                        subject,
                        ty,
                        span,
                        "`=`, `in`, `contains`, `starts with`, `ends with` or `matches`",
                    );
                }
                self.single_text(constant, subject, scope).map(|t| {
                    Cond::Test(
                        value,
                        Pred::Text(TextOp::Equals, self.text_set(vec![fold_case(&t)])),
                    )
                })
            }
            Ty::Number | Ty::Count => self
                .number(constant, subject, ty)
                .map(|n| Cond::Test(value, Pred::Number(order, n))),
            Ty::Date => self
                .date_bounds(constant, subject)
                .map(|b| Cond::Test(value, b.compare(order))),
            Ty::Enum(e) => self
                .enum_index(e, constant, scope)
                .map(|i| Cond::Test(value, Pred::Ordinal(order, i))),
            Ty::Label(o) => {
                if order != Order::Eq {
                    return self.not_ordered(
                        subject,
                        ty,
                        span,
                        "`=`, `!=` or `in`; labels are not ordered",
                    );
                }
                self.label_index(o, constant)
                    .map(|i| Cond::Test(value, Pred::OrdinalIn(vec![i])))
            }
            Ty::Bool => {
                if order != Order::Eq {
                    return self.not_ordered(
                        subject,
                        ty,
                        span,
                        "`= true`, `= false`, or the name on its own",
                    );
                }
                match &constant.node {
                    Constant::Bool(b) => Some(Cond::Test(value, Pred::Bool(*b))),
                    other => {
                        self.report(
                            Diagnostic::new(Code::TypeMismatch, constant.span, format!("`{subject}` is yes/no; it cannot equal `{other}`"))
                                .label("expected `true` or `false`")
                                .help(format!("write `{subject} = true`, `{subject} = false`, or `{subject}` on its own")),
                        );
                        None
                    }
                }
            }
            Ty::TextList => self.not_ordered(
                subject,
                ty,
                span,
                "`contains`, `is missing` or `is present`",
            ),
            Ty::Error => None,
        }
    }

    fn membership(
        &mut self,
        value: Value,
        ty: Ty,
        set: &Spanned<ValueSet>,
        subject: &str,
        scope: &Scope,
    ) -> Option<Cond> {
        match ty {
            Ty::Text => self.texts(set, scope).map(|values| {
                Cond::Test(
                    value,
                    Pred::Text(
                        TextOp::Equals,
                        self.text_set(values.iter().map(|v| fold_case(v)).collect()),
                    ),
                )
            }),
            Ty::Number | Ty::Count => {
                let items = self.constants_of(set);
                let numbers: Option<Vec<f64>> =
                    items.iter().map(|c| self.number(c, subject, ty)).collect();
                numbers.map(|n| Cond::Test(value, Pred::NumberIn(n)))
            }
            Ty::Enum(e) => {
                let texts = self.texts_spanned(set, scope)?;
                let mut indexes = Vec::new();
                for (text, span) in texts {
                    let c = Spanned::new(Constant::Text(text), span);
                    match self.enum_index(e, &c, scope) {
                        Some(i) => indexes.push(i),
                        None => return None,
                    }
                }
                Some(Cond::Test(value, Pred::OrdinalIn(indexes)))
            }
            Ty::Label(o) => {
                let texts = self.texts_spanned(set, scope)?;
                let mut indexes = Vec::new();
                for (text, span) in texts {
                    match self.label_index(o, &Spanned::new(Constant::Text(text), span)) {
                        Some(i) => indexes.push(i),
                        None => return None,
                    }
                }
                Some(Cond::Test(value, Pred::OrdinalIn(indexes)))
            }
            Ty::TextList => {
                self.report(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        set.span,
                        format!(
                            "`{subject}` is a list of text; use `contains` to test its elements"
                        ),
                    )
                    .label("`in` does not apply to a list")
                    .help(format!(
                        "write `{subject} contains [a, b]` (true when any of them is in the list)"
                    )),
                );
                None
            }
            Ty::Bool | Ty::Date => {
                let p = Predicate::In {
                    negated: false,
                    set: set.clone(),
                };
                self.unsupported(subject, ty, set.span, &p)
            }
            Ty::Error => None,
        }
    }

    fn unsupported(
        &mut self,
        subject: &str,
        ty: Ty,
        span: Span,
        predicate: &Predicate,
    ) -> Option<Cond> {
        let verb = predicate.to_string();
        let verb = verb
            .split_whitespace()
            .take(
                if verb.starts_with("starts")
                    || verb.starts_with("ends")
                    || verb.starts_with("is")
                    || verb.starts_with("not")
                {
                    2
                } else {
                    1
                },
            )
            .collect::<Vec<_>>()
            .join(" ");
        let supported = supported_predicates(ty);
        self.report(
            Diagnostic::new(
                Code::TypeMismatch,
                span,
                format!(
                    "`{verb}` does not apply to `{subject}`, which is {}",
                    ty.describe()
                ),
            )
            .label(format!("not for {}", ty.describe()))
            .help(format!("{} supports {supported}", ty.describe())),
        );
        None
    }

    fn not_ordered(&mut self, subject: &str, ty: Ty, span: Span, supported: &str) -> Option<Cond> {
        self.report(
            Diagnostic::new(
                Code::TypeMismatch,
                span,
                format!(
                    "`{subject}` is {} and cannot be compared this way",
                    ty.describe()
                ),
            )
            .label("comparison does not fit the type")
            .help(format!("use {supported}")),
        );
        None
    }
}

fn supported_predicates(ty: Ty) -> &'static str {
    match ty {
        Ty::Text => "`=`, `!=`, `in`, `contains`, `starts with`, `ends with`, `matches`, `is missing`",
        Ty::Number => "`=`, `!=`, `<`, `<=`, `>`, `>=`, `between`, `in`, `is missing`",
        Ty::Count => "`=`, `!=`, `<`, `<=`, `>`, `>=`, `between`, or the reference on its own (at least once)",
        Ty::Date => "`=`, `<`, `>`, `before`, `after`, `between`, `within`, `is missing`",
        Ty::Enum(_) => "`=`, `!=`, `<`, `>=`, ..., `in`, `between`, `is missing`",
        Ty::TextList => "`contains`, `is missing`, `is present`",
        Ty::Bool => "`= true`, `= false`, or the name on its own",
        Ty::Label(_) => "`=`, `!=`, `in`, `is missing`",
        Ty::Error => "nothing",
    }
}

/// The order of a comparison; `None` for `!=`, which is lowered to `not =`.
fn order_of(op: CompareOp) -> Option<Order> {
    Some(match op {
        CompareOp::Eq => Order::Eq,
        CompareOp::Ne => return None,
        CompareOp::Lt => Order::Lt,
        CompareOp::Le => Order::Le,
        CompareOp::Gt => Order::Gt,
        CompareOp::Ge => Order::Ge,
    })
}
