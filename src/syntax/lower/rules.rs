//! Lowering of what gives points: `when` and `each` rules, their
//! modifiers (`max`, `min`, `fade`, `separate`), `score` groups and
//! `decay`.

use super::{Lowerer, P};
use crate::syntax::ast::{
    Decay, DecayAmount, DecayMode, Group, GroupEntry, Modifier, Outcome, Rule, RuleKind, Spanned,
};
use crate::syntax::grammar::Rule as R;

impl Lowerer {
    pub(super) fn lower_rule(&mut self, pair: P) -> Option<Rule> {
        let span = self.span(&pair);
        let is_each = pair.as_rule() == R::each_rule;
        let mut name = None;
        let mut condition = None;
        let mut event = None;
        let mut points = None;
        let mut disqualify = None;
        let mut modifiers = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                R::expr => condition = Some(self.lower_expr(p)),
                R::event_ref => event = self.lower_event_ref(p),
                R::points => points = Some(self.lower_signed(p)),
                R::disqualify => {
                    let text = p.into_inner().find(|p| p.as_rule() == R::text)?;
                    disqualify = Some(self.lower_text(text));
                }
                R::max_modifier | R::fade_modifier => {
                    if let Some(m) = self.lower_modifier(p) {
                        modifiers.push(m);
                    }
                }
                R::rule_name => {
                    let text = p.into_inner().next()?;
                    name = Some(self.lower_text(text));
                }
                _ => {}
            }
        }
        let kind = if is_each {
            RuleKind::Each {
                event: event?,
                points: points?,
                modifiers,
            }
        } else {
            let outcome = match (points, disqualify) {
                (Some(p), _) => Outcome::Points(p),
                (None, Some(reason)) => Outcome::Disqualify(reason),
                (None, None) => return None,
            };
            RuleKind::When {
                condition: condition?,
                outcome,
            }
        };
        Some(Rule { kind, name, span })
    }

    pub(super) fn lower_modifier(&mut self, pair: P) -> Option<Spanned<Modifier>> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let modifier = match rule {
            R::separate_modifier => Modifier::Separate,
            R::fade_modifier => {
                let d = pair.into_inner().find(|p| p.as_rule() == R::duration)?;
                Modifier::Fade(self.lower_duration(d).node)
            }
            R::max_modifier | R::min_modifier => {
                let n = pair
                    .into_inner()
                    .find(|p| p.as_rule() == R::signed_number)?;
                let value = self.lower_signed(n).node;
                if rule == R::max_modifier {
                    Modifier::Max(value)
                } else {
                    Modifier::Min(value)
                }
            }
            _ => return None,
        };
        Some(Spanned::new(modifier, span))
    }

    pub(super) fn lower_group(&mut self, pair: P) -> Option<Group> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner().skip(1);
        let name = self.lower_ident(inner.next()?);
        let mut modifiers = Vec::new();
        let mut entries = Vec::new();
        for p in inner {
            match p.as_rule() {
                R::max_modifier | R::min_modifier | R::separate_modifier => {
                    modifiers.extend(self.lower_modifier(p));
                }
                R::when_rule | R::each_rule => {
                    entries.extend(self.lower_rule(p).map(GroupEntry::Rule))
                }
                R::decay => entries.extend(self.lower_decay(p).map(GroupEntry::Decay)),
                _ => {}
            }
        }
        Some(Group {
            name,
            modifiers,
            entries,
            span,
        })
    }

    pub(super) fn lower_decay(&mut self, pair: P) -> Option<Spanned<Decay>> {
        let span = self.span(&pair);
        let mut amount = None;
        let mut mode = DecayMode::After;
        let mut period = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                R::percent => {
                    let text = p.as_str().trim_end_matches('%');
                    amount = Some(DecayAmount::Percent(self.parse_number(text, self.span(&p))));
                }
                R::number => amount = Some(DecayAmount::Points(self.lower_signed(p).node)),
                R::kw_every => mode = DecayMode::Every,
                R::kw_after => mode = DecayMode::After,
                R::duration => period = Some(self.lower_duration(p)),
                _ => {}
            }
        }
        Some(Spanned::new(
            Decay {
                amount: amount?,
                mode,
                period: period?,
            },
            span,
        ))
    }
}
