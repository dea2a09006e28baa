//! Rules and groups: each rule's condition or counted event, its points or
//! disqualification, the `max`, `min`, `separate` and `fade over`
//! modifiers, `total` and `decay`; and the rule that a rule reads no
//! score, threshold or label, since those are computed from the rules.

use super::names::Scope;
use super::{Checker, Symbol};
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::plan::{
    AggKind, BlockDef, BlockId, Cond, DecayAmount, DecayMode, DecaySpec, Effect, GroupId, RuleDef,
    RuleId,
};
use crate::source::Span;
use crate::syntax::ast::{self, Item, Modifier, Spanned};

impl<'a> Checker<'a> {
    pub(super) fn check_rules_and_groups(&mut self, items: &'a [Item]) {
        let mut total_seen: Option<Span> = None;
        let mut top_decay_seen = false;
        let top_since = self.top_level_since(items);
        self.model.total.since = top_since;
        for item in items {
            match item {
                Item::Rule(rule) => {
                    self.since_scope = top_since;
                    if let Some(id) = self.check_rule(rule, None, None) {
                        self.model.total.rules.push(id);
                    }
                    self.since_scope = None;
                }
                Item::First(block) => {
                    self.since_scope = top_since;
                    let ids = self.check_first_block(block, None);
                    self.model.total.rules.extend(ids);
                    self.since_scope = None;
                }
                Item::Decay(d) => {
                    if top_decay_seen {
                        self.repeated_decay(d.span, "the total");
                    } else {
                        top_decay_seen = true;
                        self.model.total.decay = self.check_decay(d);
                    }
                }
                Item::Total(mods) => {
                    if let Some(first) = total_seen {
                        let (line, _) = self.sources.line_col(first.file, first.start);
                        self.report(
                            Diagnostic::new(
                                Code::RepeatedDecay,
                                mods.span,
                                "`total` is declared twice",
                            )
                            .label("second `total`")
                            .help(format!(
                                "combine the clamps into the first `total` (line {line})"
                            )),
                        );
                        continue;
                    }
                    total_seen = Some(mods.span);
                    let (max, min, _) = self.check_modifiers(&mods.node, "total");
                    self.model.total.max = max;
                    self.model.total.min = min;
                }
                Item::Group(g) => {
                    let Some(id) = self.group_id(&g.name) else {
                        continue;
                    };
                    let (max, min, separate) = self.check_modifiers(&g.modifiers, "group");
                    let since = self.group_since(&g.modifiers);
                    self.since_scope = since;
                    let mut decay_seen = false;
                    let mut rules = Vec::new();
                    let mut decay = None;
                    for entry in &g.entries {
                        match entry {
                            ast::GroupEntry::Rule(rule) => {
                                if let Some(rid) = self.check_rule(rule, Some(id), None) {
                                    rules.push(rid);
                                }
                            }
                            ast::GroupEntry::First(block) => {
                                rules.extend(self.check_first_block(block, Some(id)));
                            }
                            ast::GroupEntry::Decay(d) => {
                                if decay_seen {
                                    self.repeated_decay(
                                        d.span,
                                        &format!("group `{}`", g.name.node),
                                    );
                                } else {
                                    decay_seen = true;
                                    decay = self.check_decay(d);
                                }
                            }
                        }
                    }
                    self.since_scope = None;
                    if let Some(group) = self.model.groups.get_mut(id) {
                        group.since = since;
                        group.max = max;
                        group.min = min;
                        group.separate = separate;
                        group.rules = rules;
                        group.decay = decay;
                    }
                }
                _ => {}
            }
        }
    }

    fn group_id(&self, name: &ast::Ident) -> Option<GroupId> {
        match self.names.get(&name.node) {
            Some((Symbol::Group(id), span)) if *span == name.span => Some(*id),
            _ => None,
        }
    }

    fn repeated_decay(&mut self, span: Span, whose: &str) {
        self.report(
            Diagnostic::new(
                Code::RepeatedDecay,
                span,
                format!("{whose} already has a `decay`"),
            )
            .label("second decay")
            .help("a score decays in one way only; keep one `decay` line"),
        );
    }

    fn check_decay(&mut self, d: &Spanned<ast::Decay>) -> Option<DecaySpec> {
        let amount = d.node.amount;
        if let ast::DecayAmount::Percent(p) = amount {
            if !(0.0..=100.0).contains(&p) {
                self.report(
                    Diagnostic::new(
                        Code::BadNumber,
                        d.span,
                        format!("a decay of {p}% is out of range"),
                    )
                    .label("not between 0% and 100%")
                    .help("a percentage decay takes 0% to 100% of the score per period"),
                );
            }
        }
        Some(DecaySpec {
            amount: match amount {
                ast::DecayAmount::Points(p) => DecayAmount::Points(p),
                ast::DecayAmount::Percent(p) => DecayAmount::Percent(p),
            },
            mode: match d.node.mode {
                ast::DecayMode::After => DecayMode::After,
                ast::DecayMode::Every => DecayMode::Every,
            },
            period: d.node.period.node,
            source: self.source_text(d.span),
        })
    }

    /// Returns (max, min, separate), reporting repeats and crossed clamps.
    pub(super) fn check_modifiers(
        &mut self,
        mods: &[Spanned<Modifier>],
        what: &str,
    ) -> (Option<f64>, Option<f64>, bool) {
        let mut max: Option<(f64, Span)> = None;
        let mut min: Option<(f64, Span)> = None;
        let mut separate: Option<Span> = None;
        for m in mods {
            let repeated = match &m.node {
                Modifier::Max(n) => max.replace((*n, m.span)).is_some(),
                Modifier::Min(n) => min.replace((*n, m.span)).is_some(),
                Modifier::Separate => separate.replace(m.span).is_some(),
                // Reported, with the line of the first, by `group_since`.
                Modifier::Fade(_) | Modifier::Since(_) => false,
            };
            if repeated {
                self.repeated_modifier(m, what);
            }
        }
        if let (Some((hi, _)), Some((lo, span))) = (max, min) {
            if lo > hi {
                self.report(
                    Diagnostic::new(
                        Code::BadNumber,
                        span,
                        format!(
                            "`min {}` is above `max {}`",
                            crate::syntax::print::number(lo),
                            crate::syntax::print::number(hi)
                        ),
                    )
                    .label("crossed clamps")
                    .help("a clamp's `min` must not exceed its `max`"),
                );
            }
        }
        (max.map(|m| m.0), min.map(|m| m.0), separate.is_some())
    }

    fn repeated_modifier(&mut self, m: &Spanned<Modifier>, what: &str) {
        let word = match m.node {
            Modifier::Max(_) => "max",
            Modifier::Min(_) => "min",
            Modifier::Separate => "separate",
            Modifier::Fade(_) => "fade over",
            Modifier::Since(_) => "since",
        };
        self.report(
            Diagnostic::new(
                Code::RepeatedModifier,
                m.span,
                format!("`{word}` is given twice on this {what}"),
            )
            .label("repeated")
            .help("each modifier may appear once; keep the one you mean"),
        );
    }

    /// A `first` block's rules, then its `otherwise` (a rule whose
    /// condition always holds), in the plan's rule table one after the
    /// other; their ids in order.
    fn check_first_block(&mut self, b: &ast::FirstBlock, group: Option<GroupId>) -> Vec<RuleId> {
        let block = self.model.blocks.next_id();
        let mut rules: Vec<RuleId> = b
            .rules
            .iter()
            .filter_map(|r| self.check_rule(r, group, Some(block)))
            .collect();
        let mut otherwise = None;
        if let Some(o) = &b.otherwise {
            let name = match (&o.name, &b.name) {
                (Some(n), _) | (None, Some(n)) => n.node.clone(),
                (None, None) => self.source_text(o.span),
            };
            let origin = self.origin(o.span);
            self.spans.rules.push(o.span);
            let id = self.model.rules.push(RuleDef {
                name,
                group,
                block: Some(block),
                effect: Effect::When {
                    condition: Cond::And(Vec::new()),
                    points: o.points.node,
                },
                origin,
            });
            rules.push(id);
            otherwise = Some(id);
        }
        let origin = self.origin(b.span);
        self.model.blocks.push(BlockDef {
            name: b.name.as_ref().map(|n| n.node.clone()),
            group,
            rules: rules.clone(),
            otherwise,
            origin,
        });
        rules
    }

    fn check_rule(
        &mut self,
        rule: &ast::Rule,
        group: Option<GroupId>,
        block: Option<BlockId>,
    ) -> Option<RuleId> {
        let name = match &rule.name {
            Some(n) => n.node.clone(),
            None => crate::syntax::print::unnamed_rule_name(rule),
        };
        let effect = match &rule.kind {
            ast::RuleKind::When { condition, outcome } => {
                let cond = self.rule_condition(condition)?;
                match outcome {
                    ast::Outcome::Points(p) => Effect::When {
                        condition: cond,
                        points: p.node,
                    },
                    ast::Outcome::Disqualify(reason) => Effect::Disqualify {
                        condition: cond,
                        reason: reason.node.clone(),
                    },
                }
            }
            ast::RuleKind::Each {
                event,
                per,
                points,
                modifiers,
            } => {
                let mut max = None;
                let mut fade = None;
                for m in modifiers {
                    let repeated = match &m.node {
                        Modifier::Max(n) => {
                            if *n < 0.0 {
                                self.report(
                                    Diagnostic::new(Code::BadNumber, m.span, "the `max` of an `each` rule cannot be negative")
                                        .label("negative cap")
                                        .help("`max` caps the size of the rule's contribution; for negative points write `-5 max 15`"),
                                );
                            }
                            max.replace(n.abs()).is_some()
                        }
                        Modifier::Fade(d) => fade.replace(*d).is_some(),
                        _ => false,
                    };
                    if repeated {
                        self.repeated_modifier(m, "rule");
                    }
                }
                if let Some(field) = self.field_of_each(event) {
                    self.per_unit(event, per.clone(), modifiers, field, points.node, max)?
                } else {
                    if let Some(per) = per {
                        self.per_on_event(per.span);
                    }
                    let kind = match fade {
                        Some(d) => AggKind::Faded(d),
                        None => AggKind::Count,
                    };
                    self.reads.clear();
                    let aggregate = self.event_aggregate(event, kind);
                    self.reject_output_reads("a rule");
                    Effect::Each {
                        aggregate: aggregate?,
                        points: points.node,
                        max,
                    }
                }
            }
        };
        let origin = self.origin(rule.span);
        self.spans.rules.push(rule.span);
        Some(self.model.rules.push(RuleDef {
            name,
            group,
            block,
            effect,
            origin,
        }))
    }

    fn rule_condition(&mut self, condition: &Spanned<ast::Expr>) -> Option<Cond> {
        self.reads.clear();
        let cond = self.condition(condition, &Scope::Lead);
        self.reject_output_reads("a rule");
        cond
    }

    pub(super) fn reject_output_reads(&mut self, who: &str) {
        let reads = std::mem::take(&mut self.reads);
        for read in reads {
            let what = read.describe();
            let message = match &read.via_let {
                Some(l) => format!("{who} cannot read {what}, which the let `{l}` reads"),
                None => format!("{who} cannot read {what}"),
            };
            self.report(
                Diagnostic::new(Code::RuleReadsOutput, read.span, message)
                    .label("computed from the rules")
                    .help("scores, thresholds, labels and `disqualified` are computed from the rules; test them in a threshold or a label instead"),
            );
        }
    }
}
