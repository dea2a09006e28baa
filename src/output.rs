//! Writing results: NDJSON, a JSON array, CSV, an aligned table, and the
//! human-readable explanation of one lead.

use std::fmt::Write as _;
use std::io::{self, Write};

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value as JsonValue;

use crate::account::{AccountResult, Names};
use crate::check::{Effect, Output};
use crate::eval::{round2, Adjustment, AdjustmentKind, Outcome, OutputValue};
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
    serde_json::to_value(Score(x)).unwrap_or(JsonValue::Null)
}

/// A score written as [`score_json`] describes.
struct Score(f64);

impl Serialize for Score {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let x = crate::eval::round2(self.0);
        if x.fract() == 0.0 && x.abs() < 9.0e15 {
            serializer.serialize_i64(x as i64)
        } else if x.is_finite() {
            serializer.serialize_f64(x)
        } else {
            serializer.serialize_unit()
        }
    }
}

/// One lead's result, the JSON object every format is built from. It is
/// serialised straight to the output; [`lead_json`] is the same object as
/// a value.
pub struct LeadResult<'a> {
    pub plan: &'a Plan,
    pub id: &'a JsonValue,
    pub outcome: &'a Outcome,
    pub explain: bool,
}

impl Serialize for LeadResult<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (plan, outcome) = (self.plan, self.outcome);
        let model = &plan.model;
        let mut object = serializer.serialize_map(None)?;
        object.serialize_entry("id", self.id)?;
        object.serialize_entry("score", &Score(outcome.score))?;
        object.serialize_entry("groups", &Groups(plan, outcome))?;
        let outputs = |kind| Outputs(&model.outputs, &outcome.outputs, kind);
        object.serialize_entry("thresholds", &outputs(OutputKind::Threshold))?;
        object.serialize_entry("labels", &outputs(OutputKind::Label))?;
        let disqualified = outcome
            .disqualified_by
            .first()
            .and_then(|r| disqualify_reason(plan, *r));
        object.serialize_entry("disqualified", &disqualified)?;
        if self.explain {
            let reasons: Vec<Reason> = outcome
                .reasons
                .iter()
                .filter_map(|r| {
                    let rule = model.rules.get(r.rule)?;
                    Some(Reason {
                        rule: &rule.name,
                        group: group_name(plan, rule.group),
                        points: Score(r.points),
                    })
                })
                .collect();
            object.serialize_entry("reasons", &reasons)?;
            // Present only when there is something to say, so a plain result
            // has exactly the keys the contract lists plus `reasons`.
            if !outcome.adjustments.is_empty() {
                let adjustments: Vec<AdjustmentJson> = outcome
                    .adjustments
                    .iter()
                    .map(|a| AdjustmentJson {
                        plan,
                        adjustment: a,
                    })
                    .collect();
                object.serialize_entry("adjustments", &adjustments)?;
            }
            let all: Vec<&str> = outcome
                .disqualified_by
                .iter()
                .filter_map(|r| disqualify_reason(plan, *r))
                .collect();
            if !all.is_empty() {
                object.serialize_entry("disqualified_by", &all)?;
            }
        }
        object.end()
    }
}

/// One lead's result as a JSON value.
pub fn lead_json(plan: &Plan, id: &JsonValue, outcome: &Outcome, explain: bool) -> JsonValue {
    let result = LeadResult {
        plan,
        id,
        outcome,
        explain,
    };
    serde_json::to_value(result).unwrap_or(JsonValue::Null)
}

fn group_name(plan: &Plan, group: Option<usize>) -> Option<&str> {
    group
        .and_then(|g| plan.model.groups.get(g))
        .map(|g| g.name.as_str())
}

struct Groups<'a>(&'a Plan, &'a Outcome);

impl Serialize for Groups<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (group, value) in self.0.model.groups.iter().zip(&self.1.groups) {
            map.serialize_entry(&group.name, &Score(*value))?;
        }
        map.end()
    }
}

#[derive(Clone, Copy, PartialEq)]
enum OutputKind {
    Threshold,
    Label,
}

/// The thresholds, or the labels, by name: a lead's or an account's.
struct Outputs<'a>(&'a [Output], &'a [OutputValue], OutputKind);

impl Serialize for Outputs<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (output, value) in self.0.iter().zip(self.1) {
            match (output, value) {
                (Output::Threshold { name, .. }, OutputValue::Threshold(b))
                    if self.2 == OutputKind::Threshold =>
                {
                    map.serialize_entry(name, b)?;
                }
                (Output::Label { name, values, .. }, OutputValue::Label(v))
                    if self.2 == OutputKind::Label =>
                {
                    map.serialize_entry(name, &v.and_then(|i| values.get(i)))?;
                }
                _ => {}
            }
        }
        map.end()
    }
}

#[derive(serde::Serialize)]
struct Reason<'a> {
    rule: &'a str,
    group: Option<&'a str>,
    points: Score,
}

struct AdjustmentJson<'a> {
    plan: &'a Plan,
    adjustment: &'a Adjustment,
}

impl Serialize for AdjustmentJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let a = self.adjustment;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("group", &group_name(self.plan, a.group))?;
        let kind = match a.kind {
            AdjustmentKind::Decay { .. } => "decay",
            AdjustmentKind::Clamp => "clamp",
        };
        map.serialize_entry("kind", kind)?;
        if let AdjustmentKind::Decay { periods } = a.kind {
            map.serialize_entry("periods", &periods)?;
        }
        map.serialize_entry("from", &Score(a.before))?;
        map.serialize_entry("to", &Score(a.after))?;
        map.end()
    }
}

/// One account's result as a JSON object; with `explain`, the reasons name
/// the members each one counted.
pub fn account_json(plan: &Plan, result: &AccountResult, explain: bool) -> JsonValue {
    let Some(account) = &plan.model.account else {
        return JsonValue::Null;
    };
    let outputs = |kind| {
        serde_json::to_value(Outputs(&account.outputs, &result.score.outputs, kind))
            .unwrap_or(JsonValue::Null)
    };
    let mut object = serde_json::Map::new();
    object.insert("account".to_string(), JsonValue::String(result.key.clone()));
    object.insert("members".to_string(), JsonValue::from(result.members));
    object.insert("score".to_string(), score_json(result.score.score));
    object.insert("thresholds".to_string(), outputs(OutputKind::Threshold));
    object.insert("labels".to_string(), outputs(OutputKind::Label));
    if explain {
        let mut named = result.named.iter();
        let mut reasons = Vec::new();
        let mut reason = |rule: &str, points: f64, names: Option<&Names>| {
            let mut r = serde_json::Map::new();
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
            let clamp = serde_json::json!({
                "group": null,
                "kind": "clamp",
                "from": score_json(result.score.sum),
                "to": score_json(result.score.score),
            });
            object.insert("adjustments".to_string(), JsonValue::Array(vec![clamp]));
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

/// How results are laid out: the format, and the columns of CSV and tables,
/// each with the object that holds it when nested (`groups`, `thresholds`,
/// `labels`).
#[derive(Clone)]
pub struct Layout {
    format: OutputFormat,
    columns: Vec<(String, Option<&'static str>)>,
}

/// One result ready to write: rendered on any thread, written in
/// input order by [`ResultWriter::write`].
pub enum Rendered {
    /// The JSON object, for NDJSON and JSON arrays.
    Json(Vec<u8>),
    /// The row, for CSV and tables.
    Cells(Vec<String>),
}

impl Layout {
    /// Renders a lead's or an account's result.
    pub fn render<T: Serialize>(&self, result: &T) -> io::Result<Rendered> {
        match self.format {
            OutputFormat::Ndjson | OutputFormat::Json => {
                let mut json = Vec::with_capacity(512);
                serde_json::to_writer(&mut json, result)?;
                Ok(Rendered::Json(json))
            }
            OutputFormat::Csv | OutputFormat::Table => {
                Ok(Rendered::Cells(self.cells(&serde_json::to_value(result)?)))
            }
        }
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
}

/// Writes results one record at a time in the chosen format.
pub struct ResultWriter<W: Write> {
    out: W,
    layout: Layout,
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
            layout: Layout { format, columns },
            written: 0,
            table_rows: Vec::new(),
        }
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    pub fn write(&mut self, result: Rendered) -> io::Result<()> {
        match result {
            Rendered::Json(json) => {
                if self.layout.format == OutputFormat::Json {
                    self.out
                        .write_all(if self.written == 0 { b"[\n" } else { b",\n" })?;
                    self.out.write_all(&json)?;
                } else {
                    self.out.write_all(&json)?;
                    self.out.write_all(b"\n")?;
                }
            }
            Rendered::Cells(cells) => {
                if self.layout.format == OutputFormat::Table {
                    self.table_rows.push(cells);
                } else {
                    if self.written == 0 {
                        let header: Vec<String> = self
                            .layout
                            .columns
                            .iter()
                            .map(|(c, _)| csv_cell(c))
                            .collect();
                        writeln!(self.out, "{}", header.join(","))?;
                    }
                    let row: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
                    writeln!(self.out, "{}", row.join(","))?;
                }
            }
        }
        self.written += 1;
        Ok(())
    }

    pub fn finish(mut self) -> io::Result<W> {
        match self.layout.format {
            OutputFormat::Json => {
                if self.written == 0 {
                    self.out.write_all(b"[")?;
                }
                self.out.write_all(b"\n]\n")?;
            }
            OutputFormat::Table => {
                let mut table = String::new();
                let mut rows: Vec<Vec<String>> =
                    vec![self.layout.columns.iter().map(|(c, _)| c.clone()).collect()];
                rows.append(&mut self.table_rows);
                let widths: Vec<usize> = (0..self.layout.columns.len())
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
