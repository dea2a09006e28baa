//! Writing results: NDJSON, a JSON array, CSV, an aligned table, and the
//! human-readable explanation of one lead.

use std::fmt::Write as _;
use std::io::{self, Write};

use serde_json::{Map, Value as JsonValue};

use crate::account::{AccountResult, Names};
use crate::check::{Effect, Output};
use crate::eval::{round2, AdjustmentKind, Outcome, OutputValue};
use crate::plan::Plan;
use crate::syntax::display::{number, points};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
    Ndjson,
    Csv,
}

/// A score as JSON: rounded to two decimals, whole numbers without a fraction.
pub fn score_json(x: f64) -> JsonValue {
    let x = crate::eval::round2(x);
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        JsonValue::from(x as i64)
    } else {
        serde_json::Number::from_f64(x)
            .map(JsonValue::Number)
            .unwrap_or(JsonValue::Null)
    }
}

/// One lead's result as the JSON object every format is built from.
pub fn lead_json(plan: &Plan, id: &JsonValue, outcome: &Outcome, explain: bool) -> JsonValue {
    let model = &plan.model;
    let mut object = Map::new();
    object.insert("id".to_string(), id.clone());
    object.insert("score".to_string(), score_json(outcome.score));
    let groups: Map<String, JsonValue> = model
        .groups
        .iter()
        .zip(&outcome.groups)
        .map(|(g, v)| (g.name.clone(), score_json(*v)))
        .collect();
    object.insert("groups".to_string(), JsonValue::Object(groups));
    let (thresholds, labels) = outputs_json(&model.outputs, &outcome.outputs);
    object.insert("thresholds".to_string(), JsonValue::Object(thresholds));
    object.insert("labels".to_string(), JsonValue::Object(labels));
    let disqualified = outcome
        .disqualified_by
        .first()
        .and_then(|r| disqualify_reason(plan, *r))
        .map(|s| JsonValue::String(s.to_string()))
        .unwrap_or(JsonValue::Null);
    object.insert("disqualified".to_string(), disqualified);
    if explain {
        let reasons: Vec<JsonValue> = outcome
            .reasons
            .iter()
            .filter_map(|r| {
                let rule = model.rules.get(r.rule)?;
                let group = rule
                    .group
                    .and_then(|g| model.groups.get(g))
                    .map(|g| JsonValue::String(g.name.clone()))
                    .unwrap_or(JsonValue::Null);
                let mut reason = Map::new();
                reason.insert("rule".to_string(), JsonValue::String(rule.name.clone()));
                reason.insert("group".to_string(), group);
                reason.insert("points".to_string(), score_json(r.points));
                Some(JsonValue::Object(reason))
            })
            .collect();
        object.insert("reasons".to_string(), JsonValue::Array(reasons));
        let adjustments: Vec<JsonValue> = outcome
            .adjustments
            .iter()
            .map(|a| {
                let mut adj = Map::new();
                let group = a
                    .group
                    .and_then(|g| model.groups.get(g))
                    .map(|g| JsonValue::String(g.name.clone()))
                    .unwrap_or(JsonValue::Null);
                adj.insert("group".to_string(), group);
                let kind = match a.kind {
                    AdjustmentKind::Decay { .. } => "decay",
                    AdjustmentKind::Clamp => "clamp",
                };
                adj.insert("kind".to_string(), JsonValue::String(kind.to_string()));
                if let AdjustmentKind::Decay { periods } = a.kind {
                    adj.insert("periods".to_string(), JsonValue::from(periods));
                }
                adj.insert("from".to_string(), score_json(a.before));
                adj.insert("to".to_string(), score_json(a.after));
                JsonValue::Object(adj)
            })
            .collect();
        // Present only when there is something to say, so a plain result
        // has exactly the keys the contract lists plus `reasons`.
        if !adjustments.is_empty() {
            object.insert("adjustments".to_string(), JsonValue::Array(adjustments));
        }
        let all: Vec<JsonValue> = outcome
            .disqualified_by
            .iter()
            .filter_map(|r| disqualify_reason(plan, *r))
            .map(|s| JsonValue::String(s.to_string()))
            .collect();
        if !all.is_empty() {
            object.insert("disqualified_by".to_string(), JsonValue::Array(all));
        }
    }
    JsonValue::Object(object)
}

/// Thresholds and labels as the two JSON objects of a result.
fn outputs_json(
    defs: &[Output],
    values: &[OutputValue],
) -> (Map<String, JsonValue>, Map<String, JsonValue>) {
    let mut thresholds = Map::new();
    let mut labels = Map::new();
    for (output, value) in defs.iter().zip(values) {
        match (output, value) {
            (Output::Threshold { name, .. }, OutputValue::Threshold(b)) => {
                thresholds.insert(name.clone(), JsonValue::Bool(*b));
            }
            (Output::Label { name, values, .. }, OutputValue::Label(v)) => {
                let value = v
                    .and_then(|i| values.get(i))
                    .map(|s| JsonValue::String(s.clone()))
                    .unwrap_or(JsonValue::Null);
                labels.insert(name.clone(), value);
            }
            _ => {}
        }
    }
    (thresholds, labels)
}

/// One account's result as a JSON object; with `explain`, the reasons name
/// the members each one counted.
pub fn account_json(plan: &Plan, result: &AccountResult, explain: bool) -> JsonValue {
    let Some(account) = &plan.model.account else {
        return JsonValue::Null;
    };
    let mut object = Map::new();
    object.insert("account".to_string(), JsonValue::String(result.key.clone()));
    object.insert("members".to_string(), JsonValue::from(result.members));
    object.insert("score".to_string(), score_json(result.score.score));
    let (thresholds, labels) = outputs_json(&account.outputs, &result.score.outputs);
    object.insert("thresholds".to_string(), JsonValue::Object(thresholds));
    object.insert("labels".to_string(), JsonValue::Object(labels));
    if explain {
        let mut named = result.named.iter();
        let mut reasons = Vec::new();
        let mut reason = |rule: &str, points: f64, names: Option<&Names>| {
            let mut r = Map::new();
            r.insert("rule".to_string(), JsonValue::String(rule.to_string()));
            r.insert("points".to_string(), score_json(points));
            let names = names.cloned().unwrap_or_default();
            let ids: Vec<JsonValue> = names.ids.into_iter().map(|(_, id)| id).collect();
            r.insert("members".to_string(), JsonValue::Array(ids));
            if names.more > 0 {
                r.insert("more_members".to_string(), JsonValue::from(names.more));
            }
            reasons.push(JsonValue::Object(r));
        };
        let rollup_names = named.next();
        if let Some(rollup) = &account.rollup {
            reason(&rollup.source, result.base, rollup_names);
        }
        for ((r, points), names) in result.score.fired.iter().zip(named) {
            if let Some(rule) = account.rules.get(*r) {
                reason(&rule.name, *points, Some(names));
            }
        }
        object.insert("reasons".to_string(), JsonValue::Array(reasons));
        if round2(result.score.sum) != result.score.score {
            let mut adj = Map::new();
            adj.insert("group".to_string(), JsonValue::Null);
            adj.insert("kind".to_string(), JsonValue::String("clamp".to_string()));
            adj.insert("from".to_string(), score_json(result.score.sum));
            adj.insert("to".to_string(), score_json(result.score.score));
            object.insert(
                "adjustments".to_string(),
                JsonValue::Array(vec![JsonValue::Object(adj)]),
            );
        }
    }
    JsonValue::Object(object)
}

fn disqualify_reason(plan: &Plan, rule: usize) -> Option<&str> {
    match &plan.model.rules.get(rule)?.effect {
        Effect::Disqualify { reason, .. } => Some(reason),
        _ => None,
    }
}

/// Writes results one record at a time in the chosen format.
pub struct ResultWriter<W: Write> {
    out: W,
    format: OutputFormat,
    /// Each column's name and, when the value is nested, the object that
    /// holds it (`groups`, `thresholds`, `labels`).
    columns: Vec<(String, Option<&'static str>)>,
    written: usize,
    /// Tables are aligned, so their rows wait until the end.
    table_rows: Vec<Vec<String>>,
}

impl<W: Write> ResultWriter<W> {
    /// A writer of lead results.
    pub fn new(out: W, format: OutputFormat, plan: &Plan) -> Self {
        let model = &plan.model;
        let mut columns = vec![("id".to_string(), None), ("score".to_string(), None)];
        columns.extend(
            model
                .groups
                .iter()
                .map(|g| (g.name.clone(), Some("groups"))),
        );
        columns.extend(output_columns(&model.outputs));
        columns.push(("disqualified".to_string(), None));
        Self::with_columns(out, format, columns)
    }

    /// A writer of account results.
    pub fn for_accounts(out: W, format: OutputFormat, plan: &Plan) -> Self {
        let mut columns = vec![
            ("account".to_string(), None),
            ("members".to_string(), None),
            ("score".to_string(), None),
        ];
        if let Some(account) = &plan.model.account {
            columns.extend(output_columns(&account.outputs));
        }
        Self::with_columns(out, format, columns)
    }

    fn with_columns(
        out: W,
        format: OutputFormat,
        columns: Vec<(String, Option<&'static str>)>,
    ) -> Self {
        ResultWriter {
            out,
            format,
            columns,
            written: 0,
            table_rows: Vec::new(),
        }
    }

    pub fn write(&mut self, result: &JsonValue) -> io::Result<()> {
        match self.format {
            OutputFormat::Ndjson => {
                serde_json::to_writer(&mut self.out, result)?;
                self.out.write_all(b"\n")?;
            }
            OutputFormat::Json => {
                self.out
                    .write_all(if self.written == 0 { b"[\n" } else { b",\n" })?;
                serde_json::to_writer(&mut self.out, result)?;
            }
            OutputFormat::Csv => {
                if self.written == 0 {
                    let header: Vec<String> =
                        self.columns.iter().map(|(c, _)| csv_cell(c)).collect();
                    writeln!(self.out, "{}", header.join(","))?;
                }
                let row: Vec<String> = self.cells(result).iter().map(|c| csv_cell(c)).collect();
                writeln!(self.out, "{}", row.join(","))?;
            }
            OutputFormat::Table => {
                let row = self.cells(result);
                self.table_rows.push(row);
            }
        }
        self.written += 1;
        Ok(())
    }

    /// Flat cells in column order.
    fn cells(&self, result: &JsonValue) -> Vec<String> {
        let show = |v: Option<&JsonValue>| match v {
            None | Some(JsonValue::Null) => String::new(),
            Some(JsonValue::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        };
        self.columns
            .iter()
            .map(|(column, within)| match within {
                Some(object) => show(result.get(object).and_then(|o| o.get(column))),
                None => show(result.get(column)),
            })
            .collect()
    }

    pub fn finish(mut self) -> io::Result<W> {
        match self.format {
            OutputFormat::Json => {
                if self.written == 0 {
                    self.out.write_all(b"[")?;
                }
                self.out.write_all(b"\n]\n")?;
            }
            OutputFormat::Table => {
                let mut table = String::new();
                let mut rows = vec![self.columns.iter().map(|(c, _)| c.clone()).collect()];
                rows.append(&mut self.table_rows);
                let widths: Vec<usize> = (0..self.columns.len())
                    .map(|i| {
                        rows.iter()
                            .map(|r| r.get(i).map(|c| c.chars().count()).unwrap_or(0))
                            .max()
                            .unwrap_or(0)
                    })
                    .collect();
                for (n, row) in rows.iter().enumerate() {
                    let mut line = String::new();
                    for (i, cell) in row.iter().enumerate() {
                        let width = widths.get(i).copied().unwrap_or(0);
                        let numeric = n > 0 && cell.parse::<f64>().is_ok() && i > 0;
                        if i > 0 {
                            line.push_str("  ");
                        }
                        if numeric {
                            let _ = write!(line, "{cell:>width$}");
                        } else {
                            let _ = write!(line, "{cell:<width$}");
                        }
                    }
                    table.push_str(line.trim_end());
                    table.push('\n');
                    if n == 0 {
                        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
                        table.push_str(&rule.join("  "));
                        table.push('\n');
                    }
                }
                self.out.write_all(table.as_bytes())?;
            }
            _ => {}
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

/// The columns of thresholds and labels, in declaration order.
fn output_columns(outputs: &[Output]) -> Vec<(String, Option<&'static str>)> {
    outputs
        .iter()
        .map(|o| {
            let object = match o {
                Output::Threshold { .. } => "thresholds",
                Output::Label { .. } => "labels",
            };
            (o.name().to_string(), Some(object))
        })
        .collect()
}

fn csv_cell(cell: &str) -> String {
    if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_string()
    }
}

/// A readable breakdown of one lead: every rule that fired, group
/// subtotals, decay and clamps, thresholds and labels with their reasons.
pub fn explanation(plan: &Plan, id: &JsonValue, outcome: &Outcome, as_of: &str) -> String {
    let model = &plan.model;
    let mut out = String::new();
    let id_text = match id {
        JsonValue::String(s) => s.clone(),
        other => other.to_string(),
    };
    let _ = writeln!(out, "lead {id_text} as of {as_of}");
    match outcome.last_activity {
        Some(t) => {
            let days =
                (crate::time::parse_instant(as_of).unwrap_or(t) - t).num_hours() as f64 / 24.0;
            let days = crate::eval::round2(days);
            let unit = if days == 1.0 { "day" } else { "days" };
            let _ = writeln!(
                out,
                "last activity {} ({} {unit} before)",
                t.to_rfc3339(),
                number(days)
            );
        }
        None => {
            let _ = writeln!(
                out,
                "no activity (no events at or before as-of): nothing decays"
            );
        }
    }
    let fired = |group: Option<usize>| -> Vec<(String, f64)> {
        outcome
            .reasons
            .iter()
            .filter_map(|r| {
                let rule = model.rules.get(r.rule)?;
                (rule.group == group).then(|| (rule.name.clone(), r.points))
            })
            .collect()
    };
    let adjustments = |out: &mut String, group: Option<usize>| {
        for a in outcome.adjustments.iter().filter(|a| a.group == group) {
            let _ = match a.kind {
                AdjustmentKind::Decay { periods } => writeln!(
                    out,
                    "    decay ({periods} period{}): {} -> {}",
                    if periods == 1 { "" } else { "s" },
                    number(crate::eval::round2(a.before)),
                    number(crate::eval::round2(a.after))
                ),
                AdjustmentKind::Clamp => writeln!(
                    out,
                    "    clamp: {} -> {}",
                    number(crate::eval::round2(a.before)),
                    number(crate::eval::round2(a.after))
                ),
            };
        }
    };
    for (g, group) in model.groups.iter().enumerate() {
        let value = outcome.groups.get(g).copied().unwrap_or(0.0);
        let mut notes = Vec::new();
        if group.separate {
            notes.push("separate, not in the total".to_string());
        }
        if let Some(max) = group.max {
            notes.push(format!("max {}", number(max)));
        }
        if let Some(min) = group.min {
            notes.push(format!("min {}", number(min)));
        }
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!(" ({})", notes.join(", "))
        };
        let _ = writeln!(out, "\n{} = {}{notes}", group.name, number(value));
        write_rules(&mut out, &fired(Some(g)));
        adjustments(&mut out, Some(g));
    }
    let top = fired(None);
    if !top.is_empty() {
        let _ = writeln!(out, "\ntop-level rules");
        write_rules(&mut out, &top);
    }
    let _ = writeln!(out, "\nscore = {}", number(outcome.score));
    let mut parts: Vec<String> = model
        .groups
        .iter()
        .zip(&outcome.groups)
        .filter(|(g, _)| !g.separate)
        .map(|(g, v)| format!("{} {}", g.name, number(*v)))
        .collect();
    let top_sum: f64 = top.iter().map(|(_, p)| p).sum();
    if !top.is_empty() {
        parts.insert(
            0,
            format!("top-level rules {}", number(crate::eval::round2(top_sum))),
        );
    }
    let counted: f64 = top_sum
        + model
            .groups
            .iter()
            .zip(&outcome.groups)
            .filter(|(g, _)| !g.separate)
            .map(|(_, v)| v)
            .sum::<f64>();
    if !parts.is_empty() {
        let _ = writeln!(
            out,
            "    sum: {} = {}",
            parts.join(" + "),
            number(crate::eval::round2(counted))
        );
    }
    adjustments(&mut out, None);

    if outcome.disqualified_by.is_empty() {
        let _ = writeln!(out, "\nnot disqualified");
    } else {
        let _ = writeln!(out, "\ndisqualified");
        for r in &outcome.disqualified_by {
            if let Some(reason) = disqualify_reason(plan, *r) {
                let _ = writeln!(out, "    {reason}");
            }
        }
    }

    let disqualified = !outcome.disqualified_by.is_empty();
    let why_not = disqualified.then_some("the lead is disqualified");
    explain_outputs(&mut out, &model.outputs, &outcome.outputs, why_not);

    let silent: Vec<&str> = model
        .rules
        .iter()
        .enumerate()
        .filter(|(id, rule)| {
            !matches!(rule.effect, Effect::Disqualify { .. })
                && !outcome.reasons.iter().any(|r| r.rule == *id)
        })
        .map(|(_, r)| r.name.as_str())
        .collect();
    if !silent.is_empty() {
        let _ = writeln!(out, "\nrules that did not fire");
        for name in silent {
            let _ = writeln!(out, "    {name}");
        }
    }
    out
}

/// Each threshold and label with the clause that decided it; `why_not`
/// explains every threshold that is not passed regardless of its clause.
fn explain_outputs(
    out: &mut String,
    defs: &[Output],
    values: &[OutputValue],
    why_not: Option<&str>,
) {
    if !defs.is_empty() {
        let _ = writeln!(out, "\nthresholds and labels");
    }
    for (output, value) in defs.iter().zip(values) {
        match (output, value) {
            (Output::Threshold { name, source, .. }, OutputValue::Threshold(b)) => {
                let why = match (b, why_not) {
                    (true, _) => format!("{source} holds"),
                    (false, Some(why)) => why.to_string(),
                    (false, None) => format!("{source} does not hold"),
                };
                let _ = writeln!(out, "    {name}: {} ({why})", if *b { "yes" } else { "no" });
            }
            (
                Output::Label {
                    name,
                    values,
                    cases,
                    sources,
                },
                OutputValue::Label(v),
            ) => {
                let case = v.and_then(|v| cases.iter().position(|(value, _)| *value == v));
                let text = match v.and_then(|i| values.get(i)) {
                    Some(value) => {
                        let why = case
                            .and_then(|c| sources.get(c))
                            .cloned()
                            .unwrap_or_default();
                        format!("{value} ({why})")
                    }
                    None => "none (no clause matched)".to_string(),
                };
                let _ = writeln!(out, "    {name}: {text}");
            }
            _ => {}
        }
    }
}

/// A readable breakdown of one account: its members with their rolled-up
/// scores, the rollup, the account rules with the members they counted,
/// the clamp, and the account's thresholds and labels.
pub fn account_explanation(
    plan: &Plan,
    result: &AccountResult,
    members: &[(JsonValue, f64)],
    as_of: &str,
) -> String {
    let mut out = String::new();
    let Some(account) = &plan.model.account else {
        return out;
    };
    let show_id = |id: &JsonValue| match id {
        JsonValue::String(s) => s.clone(),
        other => other.to_string(),
    };
    let _ = writeln!(out, "account {} as of {as_of}", result.key);
    let _ = writeln!(
        out,
        "{} member{}",
        result.members,
        if result.members == 1 { "" } else { "s" }
    );
    let width = members
        .iter()
        .map(|(id, _)| show_id(id).chars().count())
        .max()
        .unwrap_or(0);
    for (id, value) in members {
        let _ = writeln!(
            out,
            "    {:<width$}  {}",
            show_id(id),
            number(round2(*value))
        );
    }
    let mut named = result.named.iter();
    let names = |n: Option<&Names>| -> String {
        let Some(n) = n else {
            return String::new();
        };
        let mut ids: Vec<String> = n.ids.iter().map(|(_, id)| show_id(id)).collect();
        if n.more > 0 {
            ids.push(format!("and {} more", n.more));
        }
        ids.join(", ")
    };
    let rollup_names = named.next();
    match &account.rollup {
        Some(rollup) => {
            let _ = writeln!(out, "\n{} = {}", rollup.source, number(result.base));
            let _ = writeln!(out, "    counted: {}", names(rollup_names));
        }
        None => {
            let _ = writeln!(out, "\nno rollup: the account starts from 0");
        }
    }
    if !result.score.fired.is_empty() {
        let _ = writeln!(out, "\naccount rules");
    }
    for ((r, p), n) in result.score.fired.iter().zip(named) {
        if let Some(rule) = account.rules.get(*r) {
            let _ = writeln!(out, "    {:>7}  {}", points(round2(*p)), rule.name);
            let _ = writeln!(out, "             members: {}", names(Some(n)));
        }
    }
    let _ = writeln!(out, "\nscore = {}", number(result.score.score));
    let rules: f64 = result.score.fired.iter().map(|(_, p)| p).sum();
    let _ = writeln!(
        out,
        "    sum: rollup {} + rules {} = {}",
        number(result.base),
        number(round2(rules)),
        number(round2(result.score.sum))
    );
    if round2(result.score.sum) != result.score.score {
        let _ = writeln!(
            out,
            "    clamp: {} -> {}",
            number(round2(result.score.sum)),
            number(result.score.score)
        );
    }
    explain_outputs(&mut out, &account.outputs, &result.score.outputs, None);
    let silent: Vec<&str> = account
        .rules
        .iter()
        .enumerate()
        .filter(|(r, _)| !result.score.fired.iter().any(|(f, _)| f == r))
        .map(|(_, rule)| rule.name.as_str())
        .collect();
    if !silent.is_empty() {
        let _ = writeln!(out, "\naccount rules that did not fire");
        for name in silent {
            let _ = writeln!(out, "    {name}");
        }
    }
    out
}

fn write_rules(out: &mut String, rules: &[(String, f64)]) {
    for (name, p) in rules {
        let _ = writeln!(out, "    {:>7}  {name}", points(crate::eval::round2(*p)));
    }
}
