//! Lowering of conditions: `and`/`or`/`not`, the tests they join, the
//! operands tested (fields, event counts, `last`/`first`) and the
//! predicates (`=`, `in`, `contains`, `between`, ...).

use super::{Lowerer, P};
use crate::codes::Code;
use crate::source::Span;
use crate::syntax::ast::{
    CompareOp, Duration, EventArg, EventRef, Expr, Ident, Operand, Predicate, Spanned, Test,
    ValueSet,
};
use crate::syntax::grammar::Rule as R;

impl Lowerer {
    pub(super) fn lower_expr(&mut self, pair: P) -> Spanned<Expr> {
        self.lower_binary(pair, R::kw_or, |l, r| Expr::Or(Box::new(l), Box::new(r)))
    }

    fn lower_binary(
        &mut self,
        pair: P,
        op: R,
        make: fn(Spanned<Expr>, Spanned<Expr>) -> Expr,
    ) -> Spanned<Expr> {
        let span = self.span(&pair);
        let mut result: Option<Spanned<Expr>> = None;
        for p in pair.into_inner().filter(|p| p.as_rule() != op) {
            let operand = match p.as_rule() {
                R::conjunction => {
                    self.lower_binary(p, R::kw_and, |l, r| Expr::And(Box::new(l), Box::new(r)))
                }
                _ => self.lower_negation(p),
            };
            result = Some(match result {
                None => operand,
                Some(left) => {
                    let s = left.span.to(operand.span);
                    Spanned::new(make(left, operand), s)
                }
            });
        }
        result.unwrap_or_else(|| Spanned::new(Expr::Test(self.error_test(span)), span))
    }

    /// A placeholder for a node pest promised but did not deliver; never
    /// reached for input the grammar accepted.
    fn error_test(&self, span: Span) -> Test {
        Test {
            operand: Spanned::new(Operand::Name(String::new()), span),
            within: Vec::new(),
            predicate: None,
        }
    }

    fn lower_negation(&mut self, pair: P) -> Spanned<Expr> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let Some(first) = inner.next() else {
            return Spanned::new(Expr::Test(self.error_test(span)), span);
        };
        match first.as_rule() {
            R::kw_not => match inner.next() {
                Some(rest) => {
                    let operand = self.lower_negation(rest);
                    Spanned::new(Expr::Not(Box::new(operand)), span)
                }
                None => Spanned::new(Expr::Test(self.error_test(span)), span),
            },
            _ => {
                let test = self.lower_test(first);
                // Parentheses around a whole condition only group it; the tree
                // keeps the condition itself so layout does not change equality.
                match test.operand.node {
                    Operand::Paren(inner) if test.within.is_empty() && test.predicate.is_none() => {
                        *inner
                    }
                    operand => Spanned::new(
                        Expr::Test(Test {
                            operand: Spanned::new(operand, test.operand.span),
                            ..test
                        }),
                        span,
                    ),
                }
            }
        }
    }

    fn lower_test(&mut self, pair: P) -> Test {
        let span = self.span(&pair);
        let mut operand = None;
        let mut within = Vec::new();
        let mut predicate = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                R::operand => operand = self.lower_operand(p),
                R::within => within.extend(self.lower_within(p)),
                R::predicate => predicate = self.lower_predicate(p),
                _ => {}
            }
        }
        match operand {
            Some(operand) => Test {
                operand,
                within,
                predicate,
            },
            None => self.error_test(span),
        }
    }

    fn lower_within(&mut self, pair: P) -> Option<Spanned<Duration>> {
        let d = pair.into_inner().find(|p| p.as_rule() == R::duration)?;
        Some(self.lower_duration(d))
    }

    fn lower_operand(&mut self, pair: P) -> Option<Spanned<Operand>> {
        let span = self.span(&pair);
        let inner = pair.into_inner().next()?;
        let operand = match inner.as_rule() {
            R::paren => {
                let e = inner.into_inner().next()?;
                let expr = self.lower_expr(e);
                match expr.node {
                    // `(visits) >= 3` is the operand itself.
                    Expr::Test(t) if t.within.is_empty() && t.predicate.is_none() => {
                        return Some(t.operand)
                    }
                    node => Operand::Paren(Box::new(Spanned::new(node, expr.span))),
                }
            }
            R::kw_score => Operand::Score,
            R::name => Operand::Name(inner.as_str().to_string()),
            R::call => {
                let (name, arg) = self.lower_call(inner)?;
                Operand::Call { name, arg }
            }
            R::last_first => {
                let mut parts = inner.into_inner();
                let which = parts.next()?;
                let event = self.lower_event_ref(parts.next()?)?;
                if which.as_rule() == R::kw_last {
                    Operand::Last(event)
                } else {
                    Operand::First(event)
                }
            }
            _ => return None,
        };
        Some(Spanned::new(operand, span))
    }

    fn lower_call(&mut self, pair: P) -> Option<(Ident, EventArg)> {
        let mut inner = pair.into_inner();
        let name = self.lower_ident(inner.next()?);
        let arg = self.lower_event_arg(inner.next()?)?;
        Some((name, arg))
    }

    fn lower_event_arg(&mut self, pair: P) -> Option<EventArg> {
        let mut inner = pair.into_inner();
        let first = inner.next()?;
        Some(match first.as_rule() {
            R::kw_where => EventArg::Where(Box::new(self.lower_expr(inner.next()?))),
            _ => EventArg::Key(self.lower_value_set(first)?),
        })
    }

    pub(super) fn lower_event_ref(&mut self, pair: P) -> Option<EventRef> {
        let mut name = None;
        let mut arg = None;
        let mut within = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                R::call => {
                    let (n, a) = self.lower_call(p)?;
                    name = Some(n);
                    arg = Some(a);
                }
                R::name => {
                    let ident = p.into_inner().next()?;
                    name = Some(self.lower_ident(ident));
                }
                R::within => within.extend(self.lower_within(p)),
                _ => {}
            }
        }
        Some(EventRef {
            name: name?,
            arg,
            within,
        })
    }

    fn lower_predicate(&mut self, pair: P) -> Option<Spanned<Predicate>> {
        let span = self.span(&pair);
        let inner = pair.into_inner().next()?;
        let rule = inner.as_rule();
        let mut parts = inner.into_inner();
        let predicate = match rule {
            R::compare => {
                let op = match parts.next()?.as_str() {
                    "=" => CompareOp::Eq,
                    "!=" => CompareOp::Ne,
                    "<" => CompareOp::Lt,
                    "<=" => CompareOp::Le,
                    ">" => CompareOp::Gt,
                    _ => CompareOp::Ge,
                };
                let value = parts.next()?;
                if value.as_rule() == R::list_literal {
                    let vspan = self.span(&value);
                    let (fix, word) = if op == CompareOp::Ne {
                        ("not in", "!=")
                    } else {
                        ("in", "=")
                    };
                    let list = value.as_str().to_string();
                    self.error(
                        Code::BadList,
                        vspan,
                        format!("`{word}` compares with one value, not a list"),
                        "a list",
                        &format!("to test membership, write `{fix} {list}`"),
                    );
                    let set = Spanned::new(ValueSet::Many(self.lower_list_literal(value)), vspan);
                    Predicate::In {
                        negated: op == CompareOp::Ne,
                        set,
                    }
                } else {
                    Predicate::Compare(op, self.lower_constant(value)?)
                }
            }
            R::in_set | R::not_in => {
                let set = parts.find(|p| p.as_rule() == R::value_set)?;
                Predicate::In {
                    negated: rule == R::not_in,
                    set: self.lower_value_set(set)?,
                }
            }
            R::contains | R::starts_with | R::ends_with => {
                let set = parts.find(|p| p.as_rule() == R::value_set)?;
                let set = self.lower_value_set(set)?;
                match rule {
                    R::contains => Predicate::Contains(set),
                    R::starts_with => Predicate::StartsWith(set),
                    _ => Predicate::EndsWith(set),
                }
            }
            R::matches => {
                let text = parts.find(|p| p.as_rule() == R::text)?;
                Predicate::Matches(self.lower_text(text))
            }
            R::between => {
                let mut constants = parts.filter(|p| p.as_rule() == R::constant);
                let low = self.lower_constant(constants.next()?)?;
                let high = self.lower_constant(constants.next()?)?;
                Predicate::Between(low, high)
            }
            R::is_missing => Predicate::IsMissing,
            R::is_present => Predicate::IsPresent,
            R::before | R::after => {
                let c = parts.find(|p| p.as_rule() == R::constant)?;
                let c = self.lower_constant(c)?;
                if rule == R::before {
                    Predicate::Before(c)
                } else {
                    Predicate::After(c)
                }
            }
            _ => return None,
        };
        Some(Spanned::new(predicate, span))
    }
}
