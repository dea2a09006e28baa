//! Thresholds, labels and the result: outputs are computed in declaration
//! order, a stage for each level of dependence (an output reading another
//! comes in a later stage), labels as positions until the last SELECT
//! writes their values; the last SELECT has the columns of `score
//! --format csv`, NULL but for `id` and `error` where the lead is rejected.
//!
//! This is the one module that reads the plan's thresholds and labels.

use super::cond::{outputs_read, Scope};
use super::query::{render, Column, Cte, Select};
use super::scores::stage;
use super::Compiler;
use crate::output::score_json;
use crate::plan::{Effect, IdVec, Output, OutputId};

/// The whole statement of one row per lead.
pub fn statement(c: &mut Compiler) -> String {
    let (mut ctes, last) = c.lead_ctes();
    let last = c.result_select(c.id(&last));
    ctes.insert(0, c.clock_cte());
    render(&c.header(), &ctes, &last, c.d.stage_fence())
}

/// Thresholds and labels grouped by how deep their reads of each other go
/// (those reading none first), each group in declaration order: a stage
/// can compute one group from the columns of the stages before it.
pub fn output_levels(outputs: &IdVec<OutputId, Output>) -> Vec<Vec<OutputId>> {
    let mut level: IdVec<OutputId, usize> = outputs.iter().map(|_| 0).collect();
    for (o, output) in outputs.iter_enumerated() {
        let reads = match output {
            Output::Threshold { condition, .. } => outputs_read(condition),
            Output::Label { cases, .. } => cases
                .iter()
                .filter_map(|(_, c)| c.as_ref())
                .flat_map(outputs_read)
                .collect(),
        };
        let deepest = reads
            .iter()
            .filter_map(|r| level.get(*r))
            .max()
            .map(|l| l + 1);
        if let Some(slot) = level.get_mut(o) {
            *slot = deepest.unwrap_or(0);
        }
    }
    let depth = level.iter().max().map_or(0, |l| l + 1);
    (0..depth)
        .map(|l| {
            outputs
                .ids()
                .filter(|o| level.get(*o) == Some(&l))
                .collect()
        })
        .collect()
}

impl Compiler<'_> {
    /// The comment lines that open the statement.
    pub fn header(&self) -> Vec<String> {
        let mut lines = vec![format!(
            "leadscore {}: {} SQL for the model's {}",
            env!("CARGO_PKG_VERSION"),
            self.d.name(),
            if self.options.accounts {
                "accounts"
            } else {
                "leads"
            }
        )];
        lines.push(format!(
            "reads {}{}",
            self.leads_table(),
            if self.plan.events.is_empty() {
                String::new()
            } else {
                format!(" and {}", self.events_table())
            }
        ));
        lines
    }

    /// Every stage up to the outputs of each lead, clock excluded (it is
    /// built last, once every stage has said what it needs).
    pub fn lead_ctes(&mut self) -> (Vec<Cte>, String) {
        let mut ctes = vec![self.lead_input_cte(), self.lead_values_cte()];
        if !self.plan.events.is_empty() {
            ctes.push(self.event_input_cte());
            ctes.push(self.event_values_cte());
            let since = self.since_fields();
            if !since.is_empty() {
                ctes.push(self.lead_since_cte(&since));
            }
            ctes.push(self.event_aggregates_cte());
        }
        let mut from = self.score_ctes(&mut ctes).to_string();
        for (level, outputs) in output_levels(&self.plan.outputs).into_iter().enumerate() {
            let name = format!("outputs_{}", level + 1);
            let columns = outputs
                .into_iter()
                .map(|o| self.output_column(&self.plan.outputs[o], Scope::Lead))
                .collect();
            ctes.push(stage(
                self,
                &name,
                "thresholds and labels (reading only those of earlier stages)",
                &from,
                columns,
            ));
            from = name;
        }
        (ctes, from)
    }

    /// A threshold (boolean; for a lead, false when disqualified) or a
    /// label (the position of its value, NULL when none holds).
    pub fn output_column(&mut self, output: &Output, scope: Scope) -> Column {
        match output {
            Output::Threshold {
                name,
                condition,
                source,
            } => {
                let test = self.cond(condition, scope);
                let expr = match scope {
                    Scope::Lead => format!("({} IS NULL AND {test})", self.id("disqualified")),
                    _ => test,
                };
                Column::new(expr, self.id(name)).comment(&format!("threshold {name}: {source}"))
            }
            Output::Label {
                name,
                cases,
                sources,
                ..
            } => {
                let mut expr = String::from("CASE");
                for ((value, condition), source) in cases.iter().zip(sources) {
                    match condition {
                        Some(c) => {
                            let test = self.cond(c, scope);
                            expr.push_str(&format!(
                                "\n  WHEN {test} THEN {value} /* {} */",
                                source.replace("*/", "* /")
                            ));
                        }
                        None => {
                            expr.push_str(&format!("\n  ELSE {value}"));
                            break;
                        }
                    }
                }
                expr.push_str("\nEND");
                Column::new(expr, self.id(name)).comment(&format!("label {name}, as a position"))
            }
        }
    }

    /// The result: the columns of `score --format csv`.
    fn result_select(&self, from: String) -> Select {
        let mut select = Select::new(from);
        let error = self.id("error");
        let kept = |expr: String| format!("CASE WHEN {error} IS NULL THEN {expr} END");
        select.push(Column::new(self.id("id"), self.id("id")));
        select.push(Column::new(kept(self.id("score")), self.id("score")));
        for group in &self.plan.groups {
            select.push(Column::new(
                kept(self.id(&group.name)),
                self.id(&group.name),
            ));
        }
        for output in &self.plan.outputs {
            let expr = self.output_value(output);
            select.push(Column::new(kept(expr), self.id(output.name())));
        }
        select.push(Column::new(
            kept(self.id("disqualified")),
            self.id("disqualified"),
        ));
        if self.options.reasons {
            select.push(
                Column::new(kept(self.reasons()), self.id("reasons"))
                    .comment("every rule that gave points, as `score --explain` lists them"),
            );
        }
        select.push(Column::new(error, self.id("error")));
        select
    }

    /// An output as the result shows it: a threshold's boolean, a label's
    /// value in its declared spelling (NULL when none holds).
    pub fn output_value(&self, output: &Output) -> String {
        match output {
            Output::Threshold { name, .. } => self.id(name),
            Output::Label { name, values, .. } => {
                let mut expr = format!("CASE {}", self.id(name));
                for (i, value) in values.iter().enumerate() {
                    expr.push_str(&format!(" WHEN {i} THEN {}", self.d.string(value)));
                }
                expr.push_str(" END");
                expr
            }
        }
    }

    /// The JSON array of the reasons: `{"rule", "group", "points"}` for
    /// every rule that gave points, in model order.
    fn reasons(&self) -> String {
        let model = self.plan;
        let mut parts = Vec::new();
        for (r, rule) in model.rules.iter_enumerated() {
            let column = self.id(&format!("rule {r}"));
            let group = rule
                .group
                .and_then(|g| model.groups.get(g))
                .map(|g| g.name.as_str());
            let head = format!(
                "{{\"rule\":{},\"group\":{},\"points\":",
                serde_json::Value::String(rule.name.clone()),
                group.map_or("null".to_string(), |g| serde_json::Value::String(
                    g.to_string()
                )
                .to_string())
            );
            let object = match &rule.effect {
                Effect::Disqualify { .. } => continue,
                Effect::When { points, .. } => {
                    self.d.string(&format!("{head}{}}}", score_json(*points)))
                }
                Effect::Each { .. } | Effect::PerUnit { .. } => self.d.concat(&[
                    self.d.string(&head),
                    self.d.number_text(&self.round2(&column)),
                    self.d.string("}"),
                ]),
            };
            parts.push(format!("CASE WHEN {column} IS NOT NULL THEN {object} END"));
        }
        self.json_array(&parts)
    }

    /// The JSON array of the non-NULL JSON texts `parts`.
    pub fn json_array(&self, parts: &[String]) -> String {
        if parts.is_empty() {
            return self.d.string("[]");
        }
        self.d.concat(&[
            self.d.string("["),
            self.d.join_present(parts),
            self.d.string("]"),
        ])
    }
}
