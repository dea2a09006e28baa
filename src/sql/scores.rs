//! The scoring stages, in the native evaluator's order: each rule's points
//! (or NULL when it does not fire), each group's sum, decay, clamp and
//! rounding, then the total from the top-level rules and the rounded
//! groups that are not `separate`, decayed, clamped and rounded.
//!
//! This is the one module that reads the plan's rules, groups, total and
//! decays.

use super::clock::{label, length, Length};
use super::cond::Scope;
use super::input::field_column;
use super::query::{Column, Cte, Select};
use super::Compiler;
use crate::plan::{
    BlockId, DecayAmount, DecayMode, DecaySpec, Effect, FieldId, GroupId, RuleDef, RuleId,
};
use crate::time::Duration;

/// A stage that adds columns to the rows of the one before it.
pub fn stage(c: &Compiler, name: &str, about: &str, from: &str, columns: Vec<Column>) -> Cte {
    let mut select = Select::new(format!("{} AS s", c.id(from)));
    select.push(Column::all("s.*"));
    select.columns.extend(columns);
    Cte {
        name: c.id(name),
        about: about.to_string(),
        select,
    }
}

impl Compiler<'_> {
    /// Every scoring stage, after the input stages; returns the name of the
    /// last one, whose rows carry `score`, the groups and every rule.
    pub fn score_ctes(&mut self, ctes: &mut Vec<Cte>) -> &'static str {
        let has_events = !self.plan.events.is_empty();
        ctes.push(self.lead_rows_cte(has_events));
        let rules = self.rules_cte(has_events);
        ctes.push(rules);
        ctes.push(self.sums_cte());
        ctes.push(self.groups_cte());
        ctes.push(self.group_scores_cte());
        let total = self.total_cte();
        ctes.extend(total);
        "scores"
    }

    /// The leads with their event aggregates (0 and missing without events).
    fn lead_rows_cte(&self, has_events: bool) -> Cte {
        let mut select = if has_events {
            Select::new(format!(
                "{} AS l\n  LEFT JOIN {} AS a ON a.{key} = l.{key}",
                self.id("lead_values"),
                self.id("event_aggregates"),
                key = self.id("lead key")
            ))
        } else {
            Select::new(format!("{} AS l", self.id("lead_values")))
        };
        select.push(Column::all("l.*"));
        if has_events {
            for a in self.plan.aggregates.ids() {
                let column = format!("a.{}", self.id(&format!("agg {a}")));
                let expr = match self.aggregate_default(a) {
                    Some(zero) => format!("coalesce({column}, {zero})"),
                    None => column,
                };
                select.push(Column::new(expr, self.id(&format!("agg {a}"))));
            }
            for name in ["last activity", "event error"] {
                select.push(Column::new(format!("a.{}", self.id(name)), self.id(name)));
            }
            for name in self.since_activity_names() {
                select.push(Column::new(format!("a.{name}"), name));
            }
        } else {
            select.push(Column::new("NULL", self.id("last activity")));
            select.push(Column::new("NULL", self.id("event error")));
            for name in self.since_activity_names() {
                select.push(Column::new("NULL", name));
            }
        }
        Cte {
            name: self.id("lead_rows"),
            about: "each lead with its event aggregates".to_string(),
            select,
        }
    }

    /// The rule's comment: its number, name and line.
    fn rule_comment(r: RuleId, rule: &RuleDef) -> String {
        format!("rule {r}: {}{}", rule.name, Self::origin(&rule.origin))
    }

    /// Each rule's points (NULL when it does not fire), each disqualify
    /// rule's verdict, the lead's error, and the periods of inactivity.
    fn rules_cte(&mut self, has_events: bool) -> Cte {
        let mut columns = Vec::new();
        let mut errors = self.lead_errors();
        if has_events {
            errors.push(self.id("event error"));
        }
        columns.push(
            Column::new(
                format!("coalesce({})", errors.join(",\n  ")),
                self.id("error"),
            )
            .comment("what the native reader would reject, first in schema order"),
        );
        let plan = self.plan;
        let mut turns = Turns::<BlockId>::default();
        for (r, rule) in plan.rules.iter_enumerated() {
            self.at(|s| s.rules.get(r));
            let expr = match &rule.effect {
                Effect::When { condition, points } => {
                    let test = self.cond(condition, Scope::Lead);
                    let when = turns.when(rule.block, test);
                    format!("CASE WHEN {when} THEN {} END", self.number(*points))
                }
                Effect::Disqualify { condition, .. } => self.cond(condition, Scope::Lead),
                Effect::Each {
                    aggregate,
                    points,
                    max,
                } => {
                    let n = self.id(&format!("agg {aggregate}"));
                    let capped = self.capped(&n, *points, *max);
                    format!("CASE WHEN {n} > 0 THEN {capped} END")
                }
                Effect::PerUnit {
                    field,
                    per,
                    points,
                    max,
                } => {
                    let v = plan
                        .fields
                        .get(*field)
                        .map(|f| self.id(&field_column(f)))
                        .unwrap_or_default();
                    let q = format!("({v} / {})", self.number(*per));
                    // A quotient within 1e-7 below a whole number is that
                    // number, as the native evaluator counts it.
                    let units = format!(
                        "CASE WHEN ceil({q}) - {q} < {} THEN ceil({q}) ELSE floor({q}) END",
                        self.number(1e-7)
                    );
                    let capped = self.capped(&format!("({units})"), *points, *max);
                    format!("CASE WHEN {v} >= 0 AND ({units}) > 0 THEN {capped} END")
                }
            };
            let comment = Self::rule_comment(r, rule);
            columns.push(Column::new(expr, self.id(&format!("rule {r}"))).comment(&comment));
        }
        let mut periods: Vec<(Duration, Option<FieldId>)> = Vec::new();
        let decays = plan
            .groups
            .iter()
            .filter_map(|g| Some((g.decay.as_ref()?, g.since)))
            .chain(plan.total.decay.as_ref().map(|d| (d, plan.total.since)));
        for (decay, since) in decays {
            if !periods.contains(&(decay.period, since)) {
                periods.push((decay.period, since));
            }
        }
        for (d, since) in periods {
            let expr = self.whole_periods(d, since);
            columns.push(
                Column::new(expr, self.periods_column(d, since)).comment(&format!(
                    "whole {} periods since the latest activity{}",
                    label(d),
                    match since {
                        Some(_) => " after the `since` field",
                        None => "",
                    }
                )),
            );
        }
        stage(
            self,
            "rules",
            "each rule's points (NULL when it does not fire)",
            "lead_rows",
            columns,
        )
    }

    /// `points × n`, its size capped by `max`.
    fn capped(&self, n: &str, points: f64, max: Option<f64>) -> String {
        let sum = format!("{} * {n}", self.number(points));
        match max {
            Some(cap) => format!(
                "CASE WHEN abs({sum}) > {} THEN {} ELSE {sum} END",
                self.number(cap),
                self.number(cap.copysign(points))
            ),
            None => sum,
        }
    }

    /// The largest k with as-of − k·d ≥ the latest activity; NULL without
    /// activity.
    fn whole_periods(&mut self, d: Duration, since: Option<FieldId>) -> String {
        let last = self.activity_column(since);
        let as_of = self.as_of();
        match length(d) {
            Length::Fixed(us) => format!(
                "CASE WHEN {last} IS NOT NULL THEN {} END",
                self.d
                    .int_div(&format!("({as_of} - {last})"), &us.to_string())
            ),
            Length::Months(m) => {
                self.need_calendar();
                let months = format!(
                    "CAST({} - {} AS {})",
                    self.month_index(&as_of),
                    self.month_index(&last),
                    self.d.bigint_type()
                );
                let q = self.d.int_div(&months, &m.to_string());
                let back = self.months_back(
                    &self.id("as of days"),
                    &self.id("as of time"),
                    &format!("{q} * {m}"),
                );
                format!(
                    "CASE WHEN {last} IS NULL THEN NULL WHEN {back} >= {last} THEN {q} ELSE {q} - 1 END"
                )
            }
        }
    }

    /// The sum of each group's rules and of the top-level rules, in rule
    /// order, and the first disqualification's reason.
    fn sums_cte(&self) -> Cte {
        let model = self.plan;
        let mut columns = Vec::new();
        let sum_of = |group: Option<GroupId>| {
            let parts: Vec<String> = model
                .rules
                .iter_enumerated()
                .filter(|(_, r)| r.group == group && !matches!(r.effect, Effect::Disqualify { .. }))
                .map(|(i, _)| format!("coalesce({}, 0)", self.id(&format!("rule {i}"))))
                .collect();
            if parts.is_empty() {
                self.number(0.0)
            } else {
                parts.join("\n  + ")
            }
        };
        for (g, group) in model.groups.iter_enumerated() {
            columns.push(Column::new(
                sum_of(Some(g)),
                self.id(&format!("{} sum", group.name)),
            ));
        }
        columns.push(Column::new(sum_of(None), self.id("top sum")));
        let reasons: Vec<String> = model
            .rules
            .iter_enumerated()
            .filter_map(|(i, r)| match &r.effect {
                Effect::Disqualify { reason, .. } => Some(format!(
                    "WHEN {} THEN {}",
                    self.id(&format!("rule {i}")),
                    self.d.string(reason)
                )),
                _ => None,
            })
            .collect();
        let disqualified = if reasons.is_empty() {
            format!("CAST(NULL AS {})", self.d.text_type())
        } else {
            format!("CASE {} END", reasons.join(" "))
        };
        columns.push(
            Column::new(disqualified, self.id("disqualified"))
                .comment("the first disqualify rule that fires, in model order"),
        );
        stage(
            self,
            "sums",
            "each score's points before decay",
            "rules",
            columns,
        )
    }

    /// `sum` decayed, then clamped: the native `finish` before rounding.
    pub fn finish(
        &self,
        sum: &str,
        decay: Option<&DecaySpec>,
        max: Option<f64>,
        min: Option<f64>,
        since: Option<FieldId>,
    ) -> String {
        let mut value = sum.to_string();
        if let Some(decay) = decay {
            let periods = self.periods_column(decay.period, since);
            let applied = match decay.mode {
                DecayMode::After => "1".to_string(),
                DecayMode::Every => periods.clone(),
            };
            let decayed = match decay.amount {
                DecayAmount::Points(p) => format!(
                    "greatest({sum} - {} * {applied}, {})",
                    self.number(p),
                    self.number(0.0)
                ),
                DecayAmount::Percent(p) => {
                    let factor = (1.0 - p / 100.0).max(0.0);
                    format!("{sum} * {}", self.d.power(&self.number(factor), &applied))
                }
            };
            value = format!("CASE WHEN {sum} > 0 AND {periods} > 0 THEN {decayed} ELSE {sum} END");
        }
        if let Some(max) = max {
            value = format!("least({value}, {})", self.number(max));
        }
        if let Some(min) = min {
            value = format!("greatest({value}, {})", self.number(min));
        }
        value
    }

    fn decay_comment(decay: Option<&DecaySpec>) -> String {
        match decay {
            Some(d) => format!("then {}", d.source),
            None => "no decay".to_string(),
        }
    }

    /// Each group decayed and clamped.
    fn groups_cte(&self) -> Cte {
        let columns = self
            .plan
            .groups
            .iter()
            .map(|g| {
                let sum = self.id(&format!("{} sum", g.name));
                Column::new(
                    self.finish(&sum, g.decay.as_ref(), g.max, g.min, g.since),
                    self.id(&format!("{} unrounded", g.name)),
                )
                .comment(&format!(
                    "{}: {}",
                    g.name,
                    Self::decay_comment(g.decay.as_ref())
                ))
            })
            .collect();
        stage(
            self,
            "groups",
            "each group decayed, then clamped",
            "sums",
            columns,
        )
    }

    /// Each group rounded: what the total, thresholds and labels see.
    fn group_scores_cte(&self) -> Cte {
        let columns = self
            .plan
            .groups
            .iter()
            .map(|g| {
                let unrounded = self.id(&format!("{} unrounded", g.name));
                Column::new(self.round2(&unrounded), self.id(&g.name))
            })
            .collect();
        stage(
            self,
            "group_scores",
            "each group rounded to two decimals",
            "groups",
            columns,
        )
    }

    /// The total: top-level points plus the counted groups, then decay,
    /// clamp and rounding, one stage each.
    fn total_cte(&self) -> Vec<Cte> {
        let model = self.plan;
        let counted: Vec<String> = model
            .groups
            .iter()
            .filter(|g| !g.separate)
            .map(|g| self.id(&g.name))
            .collect();
        let sum = if counted.is_empty() {
            self.id("top sum")
        } else {
            format!("{} + ({})", self.id("top sum"), counted.join(" + "))
        };
        let total = &model.total;
        vec![
            stage(
                self,
                "total",
                "the top-level points plus the groups that are not separate",
                "group_scores",
                vec![Column::new(sum, self.id("score sum"))],
            ),
            stage(
                self,
                "total_clamped",
                "the total decayed, then clamped",
                "total",
                vec![Column::new(
                    self.finish(
                        &self.id("score sum"),
                        total.decay.as_ref(),
                        total.max,
                        total.min,
                        total.since,
                    ),
                    self.id("score unrounded"),
                )
                .comment(&Self::decay_comment(total.decay.as_ref()))],
            ),
            stage(
                self,
                "scores",
                "the total rounded to two decimals",
                "total_clamped",
                vec![Column::new(
                    self.round2(&self.id("score unrounded")),
                    self.id("score"),
                )],
            ),
        ]
    }
}

/// The tests of the earlier rules of the current `first` block, in a table
/// where a block's rules follow one another: a rule of a block gives its
/// points when none of them holds.
pub(super) struct Turns<B> {
    block: Option<B>,
    earlier: Vec<String>,
}

impl<B> Default for Turns<B> {
    fn default() -> Self {
        Turns {
            block: None,
            earlier: Vec::new(),
        }
    }
}

impl<B: Copy + PartialEq> Turns<B> {
    /// When the next rule of the table, in `block`, gives its points.
    pub(super) fn when(&mut self, block: Option<B>, test: String) -> String {
        if block != self.block {
            self.block = block;
            self.earlier.clear();
        }
        let when = if self.earlier.is_empty() {
            test.clone()
        } else {
            let earlier: Vec<String> = self
                .earlier
                .iter()
                .map(|t| format!("NOT ({t}) AND "))
                .collect();
            format!("{}({test})", earlier.concat())
        };
        if block.is_some() {
            self.earlier.push(test);
        }
        when
    }
}
