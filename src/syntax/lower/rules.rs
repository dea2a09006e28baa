//! Lowering of what gives points: `when` and `each` rules, their
//! modifiers (`max`, `min`, `fade`, `separate`), `score` groups and
//! `decay`.

use super::{Lowerer, P};
use crate::codes::Code;
use crate::syntax::ast::{
    Decay, DecayAmount, DecayMode, FirstBlock, Group, GroupEntry, Modifier, Otherwise, Outcome,
    Rule, RuleKind, Spanned,
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
        let mut per = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                R::expr => condition = Some(self.lower_expr(p)),
                R::event_ref => event = self.lower_event_ref(p),
                R::points => points = Some(self.lower_signed(p)),
                R::per_clause => {
                    let n = p.into_inner().find(|p| p.as_rule() == R::number)?;
                    per = Some(self.lower_signed(n));
                }
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
                per,
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
            R::since_modifier => {
                let field = pair.into_inner().find(|p| p.as_rule() == R::ident)?;
                Modifier::Since(self.lower_ident(field))
            }
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
                R::max_modifier | R::min_modifier | R::separate_modifier | R::since_modifier => {
                    modifiers.extend(self.lower_modifier(p));
                }
                R::when_rule | R::each_rule => {
                    entries.extend(self.lower_rule(p).map(GroupEntry::Rule))
                }
                R::first_block => entries.extend(self.lower_first_block(p).map(GroupEntry::First)),
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

    /// A `first` block: its `when` rules, then its `otherwise`. Whatever
    /// else the grammar let in is reported here and left out.
    pub(super) fn lower_first_block(&mut self, pair: P) -> Option<FirstBlock> {
        let span = self.span(&pair);
        let mut name = None;
        let mut rules = Vec::new();
        let mut otherwise: Option<Otherwise> = None;
        for p in pair.into_inner() {
            let entry_span = self.span(&p);
            match p.as_rule() {
                R::rule_name => {
                    let text = p.into_inner().next()?;
                    name = Some(self.lower_text(text));
                }
                R::when_rule => {
                    let Some(rule) = self.lower_rule(p) else {
                        continue;
                    };
                    if let RuleKind::When {
                        outcome: Outcome::Disqualify(_),
                        ..
                    } = rule.kind
                    {
                        self.misplaced_in_first(entry_span, "a `disqualify` rule", "move it out of the block: a disqualification does not take turns with points");
                        continue;
                    }
                    if otherwise.is_some() {
                        self.misplaced_in_first(entry_span, "a rule after `otherwise`", "`otherwise` comes last: move this rule above it");
                    }
                    rules.push(rule);
                }
                R::each_rule => self.misplaced_in_first(
                    entry_span,
                    "an `each` rule",
                    "move it out of the block: an `each` rule counts every event, it does not take turns",
                ),
                R::first_block => self.misplaced_in_first(
                    entry_span,
                    "a `first` block",
                    "blocks do not nest: write the inner block's rules in the outer one, in order",
                ),
                R::otherwise_rule => {
                    let mut points = None;
                    let mut rule_name = None;
                    for part in p.into_inner() {
                        match part.as_rule() {
                            R::points => points = Some(self.lower_signed(part)),
                            R::rule_name => {
                                let text = part.into_inner().next()?;
                                rule_name = Some(self.lower_text(text));
                            }
                            _ => {}
                        }
                    }
                    let new = Otherwise {
                        points: points?,
                        name: rule_name,
                        span: entry_span,
                    };
                    if otherwise.replace(new).is_some() {
                        self.misplaced_in_first(entry_span, "a second `otherwise`", "a block has one fallback: keep one `otherwise`");
                    }
                }
                _ => {}
            }
        }
        if rules.is_empty() {
            self.error(
                Code::BadFirstBlock,
                span,
                "this `first` block has no `when` rule".to_string(),
                "no rule to take turns",
                "a `first` block gives the points of its first `when` rule that holds; add the rules, or write a plain rule instead",
            );
        }
        Some(FirstBlock {
            name,
            rules,
            otherwise,
            span,
        })
    }

    fn misplaced_in_first(&mut self, span: crate::source::Span, what: &str, help: &str) {
        self.error(
            Code::BadFirstBlock,
            span,
            format!("{what} cannot stand in a `first` block"),
            "not allowed here",
            help,
        );
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
