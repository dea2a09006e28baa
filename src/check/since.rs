//! `since FIELD`, for recycled leads: the date field after which a group,
//! or the top level, counts a lead's events. While such a scope's rules
//! are checked, every event aggregate they read is interned with that
//! field, so the same `visits(pricing)` inside and outside the scope are
//! two aggregates. A `let` is checked once, outside any scope, and its
//! aggregates are moved into the scope where it is used.

use super::typed::Typed;
use super::{Checker, Symbol};
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::plan::{AggId, Cond, FieldId, Value, ValueType};
use crate::source::Span;
use crate::syntax::ast::{self, Item, Modifier, Spanned};

impl Checker<'_> {
    /// The field of the top-level `since` items (at most one).
    pub(super) fn top_level_since(&mut self, items: &[Item]) -> Option<FieldId> {
        let found = items.iter().filter_map(|item| match item {
            Item::Since(since) => Some((since.span, &since.node)),
            _ => None,
        });
        self.only_since(found, "at the top level")
    }

    /// The field of a group's `since` modifier (at most one).
    pub(super) fn group_since(&mut self, modifiers: &[Spanned<Modifier>]) -> Option<FieldId> {
        let found = modifiers.iter().filter_map(|m| match &m.node {
            Modifier::Since(name) => Some((m.span, name)),
            _ => None,
        });
        self.only_since(found, "on this group")
    }

    /// The field of the first `since` found, each later one reported.
    fn only_since<'i>(
        &mut self,
        found: impl Iterator<Item = (Span, &'i ast::Ident)>,
        where_: &str,
    ) -> Option<FieldId> {
        let mut first: Option<Span> = None;
        let mut field = None;
        for (span, name) in found {
            if let Some(first) = first {
                let (line, _) = self.sources.line_col(first.file, first.start);
                self.twice(span, where_, line);
                continue;
            }
            first = Some(span);
            field = self.since_field(name);
        }
        field
    }

    fn twice(&mut self, span: Span, where_: &str, first_line: usize) {
        self.report(
            Diagnostic::new(
                Code::BadSince,
                span,
                format!("`since` is given twice {where_}"),
            )
            .label("second `since`")
            .help(format!(
                "a score counts events after one date; keep the `since` of line {first_line}"
            )),
        );
    }

    /// The `date` field a `since` names; anything else is reported.
    fn since_field(&mut self, name: &ast::Ident) -> Option<FieldId> {
        let found = self.names.get(&name.node).copied();
        let problem = match found {
            Some((Symbol::Field(id), _)) => {
                let ty = self.model.fields.get(id).map(|f| f.ty)?;
                if ty == ValueType::Date {
                    return Some(id);
                }
                format!(
                    "`{}` is {}, not a date",
                    name.node,
                    super::typed::Ty::of(ty).describe()
                )
            }
            Some((other, _)) => format!("`{}` is {}, not a field", name.node, other.kind()),
            None => {
                let dates = self
                    .model
                    .fields
                    .iter()
                    .filter(|f| f.ty == ValueType::Date)
                    .map(|f| f.name.clone())
                    .collect();
                self.unknown_name(
                    &name.node,
                    name.span,
                    dates,
                    "the date field in `lead { ... }`",
                );
                return None;
            }
        };
        self.report(
            Diagnostic::new(Code::BadSince, name.span, problem)
                .label("not a date field")
                .help("`since` takes a `date` field of the lead, such as `returned_to_marketing: date`"),
        );
        None
    }

    /// A let's value as read inside the current `since` scope.
    pub(super) fn in_since_scope(&mut self, typed: Typed) -> Typed {
        let Some(since) = self.since_scope else {
            return typed;
        };
        let scoped = |agg: AggId, checker: &mut Self| {
            let Some(aggregate) = checker.model.aggregates.get(agg) else {
                return agg;
            };
            let mut aggregate = aggregate.clone();
            aggregate.since = Some(since);
            checker.intern_aggregate(aggregate)
        };
        match typed {
            Typed::Value(Value::Aggregate(a), ty) => {
                Typed::Value(Value::Aggregate(scoped(a, self)), ty)
            }
            Typed::Cond(mut cond) => {
                each_value(&mut cond, &mut |value| {
                    if let Value::Aggregate(a) = value {
                        *a = scoped(*a, self);
                    }
                });
                Typed::Cond(cond)
            }
            other => other,
        }
    }
}

/// Calls `f` on every value a condition reads.
fn each_value(cond: &mut Cond, f: &mut impl FnMut(&mut Value)) {
    match cond {
        Cond::And(items) | Cond::Or(items) => items.iter_mut().for_each(|c| each_value(c, f)),
        Cond::Not(c) => each_value(c, f),
        Cond::Test(v, _) | Cond::Truthy(v) | Cond::Within(v, _) => f(v),
    }
}
