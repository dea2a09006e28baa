//! Writing results: NDJSON, a JSON array, CSV and an aligned table; the
//! human-readable explanations are in [`explain`].

mod explain;
mod template;

pub use explain::{account_explanation, explanation};

use template::LeadTemplate;

use std::io::{self, Write};

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value as JsonValue;

use crate::eval::account::{AccountResult, Names};
use crate::eval::{round2, Adjustment, AdjustmentKind, Outcome, OutputValue};
use crate::plan::Plan;
use crate::plan::{Effect, GroupId, IdVec, Output, OutputId, RuleId};
use crate::record::csv_line;

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
        // Whole numbers are written without a fraction, as far as an i64
        // reaches (a JSON value holds no more).
        if x.abs() < 9.2e18 && crate::eval::whole_and_fraction(x.abs()).1 == 0.0 {
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
        let model = &plan;
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

fn group_name(plan: &Plan, group: Option<GroupId>) -> Option<&str> {
    group
        .and_then(|g| plan.groups.get(g))
        .map(|g| g.name.as_str())
}

struct Groups<'a>(&'a Plan, &'a Outcome);

impl Serialize for Groups<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (group, value) in self.0.groups.iter().zip(&self.1.groups) {
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
struct Outputs<'a>(
    &'a IdVec<OutputId, Output>,
    &'a IdVec<OutputId, OutputValue>,
    OutputKind,
);

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
        // What the adjustment adds to the score, as a reason's points do.
        map.serialize_entry("points", &Score(round2(a.after) - round2(a.before)))?;
        map.end()
    }
}

/// One account's result as a JSON object; with `explain`, the reasons name
/// the members each one counted.
pub fn account_json(plan: &Plan, result: &AccountResult, explain: bool) -> JsonValue {
    let Some(account) = &plan.account else {
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
                "points": score_json(round2(result.score.score) - round2(result.score.sum)),
            });
            object.insert("adjustments".to_string(), JsonValue::Array(vec![clamp]));
        }
    }
    JsonValue::Object(object)
}

pub(crate) fn disqualify_reason(plan: &Plan, rule: RuleId) -> Option<&str> {
    match &plan.rules.get(rule)?.effect {
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
    /// For a writer of lead results.
    lead: Option<LeadTemplate>,
    /// The groups not in the total, whose reasons a reasons cell sets apart.
    separate: Vec<String>,
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

    /// Renders a lead's result: as [`Layout::render`] does, but a JSON
    /// result without reasons is written from the plan's prepared pieces.
    pub fn render_lead(&self, result: &LeadResult) -> io::Result<Rendered> {
        match (&self.lead, self.format) {
            (Some(template), OutputFormat::Ndjson | OutputFormat::Json) if !result.explain => {
                let mut json = Vec::with_capacity(256);
                template.write(result, &mut json)?;
                Ok(Rendered::Json(json))
            }
            _ => self.render(result),
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
                None if column == "reasons" => reasons_cell(result, &self.separate),
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
        let model = &plan;
        let mut columns = vec![("id".to_string(), None), ("score".to_string(), None)];
        columns.extend(
            model
                .groups
                .iter()
                .map(|g| (g.name.clone(), Some("groups"))),
        );
        columns.extend(output_columns(&model.outputs));
        columns.push(("disqualified".to_string(), None));
        let mut writer = Self::with_columns(out, format, columns);
        writer.layout.lead = Some(LeadTemplate::new(plan));
        writer.layout.separate = model
            .groups
            .iter()
            .filter(|g| g.separate)
            .map(|g| g.name.clone())
            .collect();
        writer
    }

    /// A writer of account results.
    pub fn for_accounts(out: W, format: OutputFormat, plan: &Plan) -> Self {
        let mut columns = vec![
            ("account".to_string(), None),
            ("members".to_string(), None),
            ("score".to_string(), None),
        ];
        if let Some(account) = &plan.account {
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
            layout: Layout {
                format,
                columns,
                lead: None,
                separate: Vec::new(),
            },
            written: 0,
            table_rows: Vec::new(),
        }
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Adds a last column with the reasons, for `--explain` in a table or
    /// a CSV, where a record has no room for their objects.
    pub fn with_reasons(mut self) -> Self {
        if matches!(self.layout.format, OutputFormat::Csv | OutputFormat::Table) {
            self.layout.columns.push(("reasons".to_string(), None));
        }
        self
    }

    fn write_csv_header(&mut self) -> io::Result<()> {
        let header = csv_line(self.layout.columns.iter().map(|(c, _)| c));
        writeln!(self.out, "{header}")
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
                        self.write_csv_header()?;
                    }
                    writeln!(self.out, "{}", csv_line(&cells))?;
                }
            }
        }
        self.written += 1;
        Ok(())
    }

    pub fn finish(mut self) -> io::Result<W> {
        match self.layout.format {
            // Even without a lead, a CSV has its header, as a table does.
            OutputFormat::Csv if self.written == 0 => self.write_csv_header()?,
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
                        // Padded by hand: a formatting width stops at 65 535
                        // (and panics past it), a cell does not.
                        let padding = " ".repeat(width.saturating_sub(cell.chars().count()));
                        if numeric {
                            line.push_str(&padding);
                            line.push_str(cell);
                        } else {
                            line.push_str(cell);
                            line.push_str(&padding);
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
fn output_columns(outputs: &IdVec<OutputId, Output>) -> Vec<(String, Option<&'static str>)> {
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

/// Reasons in one cell: `economic buyer +20; pricing visits +30`, each
/// with the members it counted for an account (`(L-1, L-7)`), then decay
/// and clamps as reasons of their own (`engagement decay -10; total clamp
/// -23.53`), so that the points of the cell add up to the score. The
/// reasons of `separate` groups, which are not in the total, come last in
/// brackets (`[separate analytics: ... +20]`).
fn reasons_cell(result: &JsonValue, separate: &[String]) -> String {
    let text = |r: &JsonValue, key: &str| {
        r.get(key)
            .and_then(JsonValue::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let signed = |points: f64| {
        let sign = if points < 0.0 { "" } else { "+" };
        format!("{sign}{}", score_json(points))
    };
    let reason = |r: &JsonValue| {
        let points = r.get("points").and_then(JsonValue::as_f64).unwrap_or(0.0);
        let members = match r.get("members").and_then(JsonValue::as_array) {
            Some(ids) => {
                let ids: Vec<String> = ids
                    .iter()
                    .map(|id| id.as_str().map_or_else(|| id.to_string(), str::to_string))
                    .collect();
                format!(" ({})", ids.join(", "))
            }
            None => String::new(),
        };
        (
            text(r, "group"),
            format!("{} {}{members}", text(r, "rule"), signed(points)),
        )
    };
    let adjustment = |a: &JsonValue| {
        let from = a.get("from").and_then(JsonValue::as_f64).unwrap_or(0.0);
        let to = a.get("to").and_then(JsonValue::as_f64).unwrap_or(0.0);
        let group = text(a, "group");
        let whose = if group.is_empty() {
            "total"
        } else {
            group.as_str()
        };
        let cell = format!("{whose} {} {}", text(a, "kind"), signed(to - from));
        (group, cell)
    };
    let list = |key: &str| {
        result
            .get(key)
            .and_then(JsonValue::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
    };
    let all: Vec<(String, String)> = list("reasons")
        .iter()
        .map(reason)
        .chain(list("adjustments").iter().map(adjustment))
        .collect();
    let mut cell: Vec<String> = all
        .iter()
        .filter(|(group, _)| !separate.contains(group))
        .map(|(_, c)| c.clone())
        .collect();
    for name in separate {
        let apart: Vec<&str> = all
            .iter()
            .filter(|(group, _)| group == name)
            .map(|(_, c)| c.as_str())
            .collect();
        if !apart.is_empty() {
            cell.push(format!("[separate {name}: {}]", apart.join("; ")));
        }
    }
    cell.join("; ")
}
