//! Lowering of what a model reports about a lead besides its points:
//! thresholds and labels.

use super::{Lowerer, P};
use crate::syntax::ast::{
    BoundOp, Label, LabelBody, LabelCase, LabelClause, ScoreName, Spanned, Threshold,
    ThresholdCondition,
};
use crate::syntax::grammar::Rule as R;

impl Lowerer {
    pub(super) fn lower_threshold(&mut self, pair: P) -> Option<Threshold> {
        let span = self.span(&pair);
        let mut name = None;
        let mut condition = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                R::ident => name = Some(self.lower_ident(p)),
                R::expr => condition = Some(ThresholdCondition::When(self.lower_expr(p))),
                R::signed_number => {
                    condition = Some(ThresholdCondition::AtLeast(self.lower_points(p)))
                }
                _ => {}
            }
        }
        Some(Threshold {
            name,
            condition: condition?,
            span,
        })
    }

    pub(super) fn lower_label(&mut self, pair: P) -> Option<Label> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner().skip(1);
        let name = self.lower_ident(inner.next()?);
        let body_pair = inner.next()?;
        let body = match body_pair.as_rule() {
            R::label_from => {
                let mut parts = body_pair.into_inner().skip(1);
                let score = self.lower_score_name(parts.next()?)?;
                let clauses = parts
                    .filter(|p| p.as_rule() == R::label_clause)
                    .filter_map(|p| self.lower_label_clause(p))
                    .collect();
                LabelBody::From { score, clauses }
            }
            _ => {
                let cases = body_pair
                    .into_inner()
                    .filter(|p| p.as_rule() == R::label_case)
                    .filter_map(|p| {
                        let mut parts = p.into_inner();
                        let value = self.lower_label_value(parts.next()?)?;
                        let condition = parts
                            .find(|p| p.as_rule() == R::expr)
                            .map(|p| self.lower_expr(p));
                        Some(LabelCase { value, condition })
                    })
                    .collect();
                LabelBody::Cases(cases)
            }
        };
        Some(Label { name, body, span })
    }

    pub(super) fn lower_score_name(&mut self, pair: P) -> Option<ScoreName> {
        let span = self.span(&pair);
        let inner = pair.into_inner().next()?;
        Some(match inner.as_rule() {
            R::ident => ScoreName::Group(self.lower_ident(inner)),
            _ => ScoreName::Total(span),
        })
    }

    fn lower_label_clause(&mut self, pair: P) -> Option<LabelClause> {
        let mut inner = pair.into_inner();
        let value = self.lower_label_value(inner.next()?)?;
        let bound = match (inner.next(), inner.next()) {
            (Some(op), Some(n)) => {
                let op_span = self.span(&op);
                let op = match op.as_str() {
                    ">=" => BoundOp::Ge,
                    ">" => BoundOp::Gt,
                    "<=" => BoundOp::Le,
                    _ => BoundOp::Lt,
                };
                Some((Spanned::new(op, op_span), self.lower_points(n)))
            }
            _ => None,
        };
        Some(LabelClause { value, bound })
    }

    fn lower_label_value(&mut self, pair: P) -> Option<Spanned<String>> {
        let inner = pair.into_inner().next()?;
        Some(match inner.as_rule() {
            R::text => self.lower_text(inner),
            _ => self.lower_ident(inner),
        })
    }
}
