//! Constants of a predicate, lowered to what the plan stores: texts
//! (from literals, list literals and named lists), numbers, dates as
//! bounds, and indexes into enums and label values; with the warnings for
//! a bare word that is text here but looks like a field or a list.

use super::names::Scope;
use super::typed::Ty;
use super::{Checker, Symbol};
use crate::codes::Code;
use crate::diagnostic::{did_you_mean, Diagnostic};
use crate::plan::{DateBound, EnumId, Order, Output, OutputId, Pred};
use crate::source::Span;
use crate::syntax::ast::{Constant, Spanned, ValueSet};
use crate::text::fold;
use crate::time::{start_of_day, Instant};

impl<'a> Checker<'a> {
    fn warn_bare_word(&mut self, word: &str, span: Span, scope: &Scope) {
        let is_field = matches!(self.names.get(word), Some((Symbol::Field(_), _)));
        let is_property = match scope {
            Scope::Where(event) => self
                .model
                .events
                .get(*event)
                .is_some_and(|e| e.props.iter().any(|p| p.name == word)),
            Scope::Lead | Scope::Member | Scope::Account => false,
        };
        if !is_field && !is_property {
            return;
        }
        let what = if is_property { "property" } else { "field" };
        self.report(
            Diagnostic::new(
                Code::BareWordIsField,
                span,
                format!("the bare word `{word}` is text here, not the {what} `{word}`"),
            )
            .label(format!("compared as the text \"{word}\""))
            .help(format!(
                "write `\"{word}\"` to make the text explicit; comparing two {what}s is not supported"
            )),
        );
    }

    /// A bare word one edit away from a list's name is most likely a
    /// misspelt list: without a warning the rule would quietly compare with
    /// the word itself. Short words are left alone, where one letter makes
    /// a different word.
    fn warn_near_list(&mut self, word: &str, span: Span) {
        const MIN_LEN: usize = 5;
        if word.chars().count() < MIN_LEN {
            return;
        }
        let near = self
            .names
            .iter()
            .filter(|(_, (symbol, _))| matches!(symbol, Symbol::List(_)))
            .map(|(name, _)| name)
            .filter(|name| strsim::levenshtein(word, name) == 1)
            .min()
            .cloned();
        let Some(list) = near else {
            return;
        };
        self.report(
            Diagnostic::new(
                Code::BareWordNearList,
                span,
                format!("the bare word `{word}` is text here, not the list `{list}`"),
            )
            .label(format!("compared as the text \"{word}\""))
            .help(format!(
                "write `{list}` to use the list, or `\"{word}\"` if you mean the text"
            )),
        );
    }

    /// One text constant (a bare word that names a list is an error here).
    pub(super) fn single_text(
        &mut self,
        constant: &Spanned<Constant>,
        subject: &str,
        scope: &Scope,
    ) -> Option<String> {
        match &constant.node {
            Constant::Text(t) => {
                if t.trim().is_empty() {
                    self.report(
                        Diagnostic::new(
                            Code::NeverTrue,
                            constant.span,
                            format!("no value of `{subject}` is empty text"),
                        )
                        .label("empty text")
                        .help(format!("leadscore reads empty or blank text as missing; test `{subject} is missing` or `{subject} is present` instead")),
                    );
                }
                Some(t.clone())
            }
            Constant::Word(w) => {
                if let Some((Symbol::List(_), _)) = self.names.get(w) {
                    self.report(
                        Diagnostic::new(
                            Code::BadList,
                            constant.span,
                            format!(
                                "`{w}` is a list; `{}` compares with one value",
                                if self.negated_compare { "!=" } else { "=" }
                            ),
                        )
                        .label("a list")
                        .help(if self.negated_compare {
                            format!("write `{subject} not in {w}`")
                        } else {
                            format!("write `{subject} in {w}`")
                        }),
                    );
                    return None;
                }
                self.warn_bare_word(w, constant.span, scope);
                Some(w.clone())
            }
            other => {
                self.report(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        constant.span,
                        format!("`{subject}` is text; it cannot be compared with `{other}`"),
                    )
                    .label("not text")
                    .help(format!("quote the value to compare text: `\"{other}\"`")),
                );
                None
            }
        }
    }

    pub(super) fn constants_of(&self, set: &Spanned<ValueSet>) -> Vec<Spanned<Constant>> {
        match &set.node {
            ValueSet::One(c) => vec![Spanned::new(c.clone(), set.span)],
            ValueSet::Many(items) => items.clone(),
        }
    }

    /// The text values of a value set: a constant, a list literal, or a
    /// declared list named by a bare word.
    pub(super) fn texts(&mut self, set: &Spanned<ValueSet>, scope: &Scope) -> Option<Vec<String>> {
        self.texts_spanned(set, scope)
            .map(|v| v.into_iter().map(|(t, _)| t).collect())
    }

    pub(super) fn texts_spanned(
        &mut self,
        set: &Spanned<ValueSet>,
        scope: &Scope,
    ) -> Option<Vec<(String, Span)>> {
        let mut out = Vec::new();
        let mut ok = true;
        for c in self.constants_of(set) {
            match &c.node {
                Constant::Text(t) => out.push((t.clone(), c.span)),
                Constant::Word(w) => match self.names.get(w).copied() {
                    Some((Symbol::List(id), _)) => {
                        if let Some(list) = self.lists.get(id) {
                            out.extend(list.values.iter().map(|v| (v.clone(), c.span)));
                        }
                    }
                    _ => {
                        self.warn_bare_word(w, c.span, scope);
                        self.warn_near_list(w, c.span);
                        out.push((w.clone(), c.span));
                    }
                },
                other => {
                    self.report(
                        Diagnostic::new(
                            Code::TypeMismatch,
                            c.span,
                            format!("expected text, found `{other}`"),
                        )
                        .label("not text")
                        .help(format!("quote it to use it as text: `\"{other}\"`")),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }

    pub(super) fn number(
        &mut self,
        constant: &Spanned<Constant>,
        subject: &str,
        ty: Ty,
    ) -> Option<f64> {
        match &constant.node {
            Constant::Number(n) => Some(*n),
            other => {
                let help = match other {
                    Constant::Text(t) if t.trim().parse::<f64>().is_ok() => {
                        format!("drop the quotes: `{}`", t.trim())
                    }
                    _ => format!("compare `{subject}` with a number such as `100`"),
                };
                self.report(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        constant.span,
                        format!(
                            "`{subject}` is {}; it cannot be compared with `{other}`",
                            ty.describe()
                        ),
                    )
                    .label("not a number")
                    .help(help),
                );
                None
            }
        }
    }

    pub(super) fn date_bounds(
        &mut self,
        constant: &Spanned<Constant>,
        subject: &str,
    ) -> Option<DateConstant> {
        match &constant.node {
            Constant::Date(d) => {
                let start = start_of_day(*d);
                let end = start + chrono::Duration::days(1);
                Some(DateConstant(start, Some(end)))
            }
            Constant::Instant(t) => Some(DateConstant(t.with_timezone(&chrono::Utc), None)),
            other => {
                self.report(
                    Diagnostic::new(Code::TypeMismatch, constant.span, format!("`{subject}` is a date; it cannot be compared with `{other}`"))
                        .label("not a date")
                        .help("write a date such as `2026-01-31` or an instant such as `2026-01-31T09:30:00Z`"),
                );
                None
            }
        }
    }

    pub(super) fn enum_index(
        &mut self,
        e: EnumId,
        constant: &Spanned<Constant>,
        scope: &Scope,
    ) -> Option<usize> {
        let text = match &constant.node {
            Constant::Text(t) => t.clone(),
            Constant::Word(w) => {
                self.warn_bare_word(w, constant.span, scope);
                w.clone()
            }
            other => {
                let values = self
                    .model
                    .enums
                    .get(e)
                    .map(|v| v.join(", "))
                    .unwrap_or_default();
                self.report(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        constant.span,
                        format!("expected one of [{values}], found `{other}`"),
                    )
                    .label("not one of the values")
                    .help(format!("use one of: {values}")),
                );
                return None;
            }
        };
        let values = self.model.enums.get(e).cloned().unwrap_or_default();
        let folded = fold(&text);
        if let Some(i) = values.iter().position(|v| fold(v) == folded) {
            return Some(i);
        }
        let help = match did_you_mean(&text, values.iter().map(String::as_str)) {
            Some(s) => format!("did you mean `{s}`? The values are: {}", values.join(", ")),
            None => format!("the values are: {}", values.join(", ")),
        };
        self.report(
            Diagnostic::new(
                Code::NotInSet,
                constant.span,
                format!("`{text}` is not one of the declared values"),
            )
            .label("unknown value")
            .help(help),
        );
        None
    }

    pub(super) fn label_index(
        &mut self,
        o: OutputId,
        constant: &Spanned<Constant>,
    ) -> Option<usize> {
        let (name, values) = match self.model.outputs.get(o) {
            Some(Output::Label { name, values, .. }) => (name.clone(), values.clone()),
            _ => return None,
        };
        let text = match &constant.node {
            Constant::Text(t) | Constant::Word(t) => t.clone(),
            other => other.to_string(),
        };
        let folded = fold(&text);
        if let Some(i) = values.iter().position(|v| fold(v) == folded) {
            return Some(i);
        }
        let help = match did_you_mean(&text, values.iter().map(String::as_str)) {
            Some(s) => format!(
                "did you mean `{s}`? The values of `{name}` are: {}",
                values.join(", ")
            ),
            None => format!("the values of `{name}` are: {}", values.join(", ")),
        };
        self.report(
            Diagnostic::new(
                Code::NotInSet,
                constant.span,
                format!("`{text}` is not a value of the label `{name}`"),
            )
            .label("unknown label value")
            .help(help),
        );
        None
    }
}

/// A date constant: its start, and for a date-only constant the end of its
/// (UTC) day, exclusive.
pub(super) struct DateConstant(pub(super) Instant, pub(super) Option<Instant>);

impl DateConstant {
    pub(super) fn upper_inclusive(&self) -> DateBound {
        match self.1 {
            Some(end) => DateBound {
                at: end,
                inclusive: false,
            },
            None => DateBound {
                at: self.0,
                inclusive: true,
            },
        }
    }

    pub(super) fn compare(&self, order: Order) -> Pred {
        let start = self.0;
        let (low, high) = match (order, self.1) {
            (Order::Eq, Some(end)) => (
                Some(DateBound {
                    at: start,
                    inclusive: true,
                }),
                Some(DateBound {
                    at: end,
                    inclusive: false,
                }),
            ),
            (Order::Eq, None) => (
                Some(DateBound {
                    at: start,
                    inclusive: true,
                }),
                Some(DateBound {
                    at: start,
                    inclusive: true,
                }),
            ),
            (Order::Lt, _) => (
                None,
                Some(DateBound {
                    at: start,
                    inclusive: false,
                }),
            ),
            (Order::Le, _) => (None, Some(self.upper_inclusive())),
            (Order::Gt, Some(end)) => (
                Some(DateBound {
                    at: end,
                    inclusive: true,
                }),
                None,
            ),
            (Order::Gt, None) => (
                Some(DateBound {
                    at: start,
                    inclusive: false,
                }),
                None,
            ),
            (Order::Ge, _) => (
                Some(DateBound {
                    at: start,
                    inclusive: true,
                }),
                None,
            ),
        };
        Pred::Date { low, high }
    }
}
