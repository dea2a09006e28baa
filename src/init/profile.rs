//! Every column of a lead export set against an outcome: what kind of
//! values it holds (numbers, yes/no, a few values, free text, an id),
//! which values are placeholders, and the conversion of each value (or
//! numeric band, or count band of an event type). `leadscore profile`
//! prints it; `init --outcome` writes its starting model from it.

use std::collections::HashMap;

use serde::Serialize;

use crate::learn::stats::{auc, Tally};
use crate::learn::yes_no;
use crate::record::{EventsFile, Json};
use crate::text::fold;

/// Values forms and CRMs write where nobody chose: read as missing.
pub const PLACEHOLDERS: &[&str] = &[
    "select",
    "-- select --",
    "n/a",
    "na",
    "-",
    "--",
    "none",
    "null",
    "(not set)",
    "not provided",
];

/// At most this many values of a column are shown (and given rules);
/// the rest are "other".
const TOP_VALUES: usize = 10;
/// A value is shown only when this many leads hold it.
const MIN_VALUE_LEADS: u64 = 20;
/// Numeric bands: quantiles at these shares.
const BAND_QUANTILES: &[f64] = &[0.2, 0.4, 0.6, 0.8];
/// A column whose values alone rank the outcome this well (ROC AUC) is
/// taken for a leak: it is likely filled in after the fact.
pub const LEAK_AUC: f64 = 0.9;

/// One cell as the analysis sees it.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Missing,
    Number(f64),
    /// Folded text, for grouping; the spelling is kept per column.
    Text(String),
}

/// What a column holds.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// No value in any record (or an empty header).
    Empty,
    /// One value in every record that has one.
    Constant,
    /// A different value in (nearly) every record: an id or free text.
    Unique,
    Number,
    /// Yes/no, true/false, y/n or 1/0.
    Bool,
    Date,
    /// A handful of values, each common, seen in both parts of the file.
    Closed,
    Text,
    /// The count of an event type per lead.
    Events,
}

/// One bucket of a column: a value, a band, "other" or "missing".
#[derive(Clone, Debug, Serialize)]
pub struct Bucket {
    pub label: String,
    #[serde(skip)]
    pub test: Test,
    pub leads: u64,
    pub converted: u64,
    pub rate: Option<f64>,
    pub lift: Option<f64>,
}

/// Which cells fall in a bucket.
#[derive(Clone, Debug, PartialEq)]
pub enum Test {
    Missing,
    /// The folded value.
    Value(String),
    /// A value not among the column's shown ones.
    Other,
    /// `low <= x < high`, either end open.
    Band(Option<f64>, Option<f64>),
}

impl Test {
    pub fn holds(&self, cell: &Cell, shown: &[String]) -> bool {
        match (self, cell) {
            (Test::Missing, Cell::Missing) => true,
            (Test::Value(v), Cell::Text(t)) => v == t,
            (Test::Other, Cell::Text(t)) => !shown.contains(t),
            (Test::Band(low, high), Cell::Number(x)) => {
                low.is_none_or(|l| *x >= l) && high.is_none_or(|h| *x < h)
            }
            _ => false,
        }
    }
}

/// One column (or event type) against the outcome.
#[derive(Clone, Debug, Serialize)]
pub struct Column {
    /// The header or key; for an event type, its name.
    pub key: String,
    /// Where the column is in the export (event types after the columns).
    #[serde(skip)]
    pub position: usize,
    pub kind: Kind,
    pub present: u64,
    /// Placeholder spellings found (read as missing).
    pub placeholders: Vec<String>,
    /// The ROC AUC of the column's buckets' conversion rates as a score
    /// (0.5: the column says nothing about the outcome).
    pub auc: Option<f64>,
    pub buckets: Vec<Bucket>,
    /// The spelling of each folded text value, most common first.
    #[serde(skip)]
    pub spellings: Vec<(String, String, u64)>,
    #[serde(skip)]
    pub cells: Vec<Cell>,
}

impl Column {
    /// How much the column separates converted leads from the others.
    pub fn separation(&self) -> f64 {
        self.auc.map_or(0.0, |a| (a - 0.5).abs() * 2.0)
    }

    /// Whether the column gives the outcome away: alone it ranks the leads
    /// almost perfectly (ROC AUC at least [`LEAK_AUC`]), or a tenth of the
    /// leads or more sit in values (of 30 leads or more each) where every
    /// lead converted or none did, which real signals do not do.
    pub fn leaks(&self) -> bool {
        let pure: u64 = self
            .buckets
            .iter()
            .filter(|b| b.leads >= 30 && (b.converted == 0 || b.converted == b.leads))
            .map(|b| b.leads)
            .sum();
        let all: u64 = self.buckets.iter().map(|b| b.leads).sum();
        self.auc.is_some_and(|a| a >= LEAK_AUC) || (all > 0 && pure * 10 >= all)
    }

    /// The folded values shown as buckets of their own.
    pub fn shown(&self) -> Vec<String> {
        self.buckets
            .iter()
            .filter_map(|b| match &b.test {
                Test::Value(v) => Some(v.clone()),
                _ => None,
            })
            .collect()
    }

    /// The spelling of a folded value as the data writes it.
    pub fn spelling(&self, folded: &str) -> String {
        self.spellings
            .iter()
            .find(|(f, _, _)| f == folded)
            .map(|(_, s, _)| s.clone())
            .unwrap_or_else(|| folded.to_string())
    }
}

/// The leads of an export with their outcomes, column by column.
pub struct Profile {
    pub leads: u64,
    pub converted: u64,
    /// Leads left out because their outcome is missing or unreadable.
    pub without_outcome: u64,
    pub outcome: String,
    pub id_key: Option<String>,
    pub columns: Vec<Column>,
    /// Per lead (in the order of `columns`' cells), the outcome.
    pub outcomes: Vec<bool>,
}

/// Reads the cells of one record's value.
fn cell_of(value: Option<&Json>, placeholders: &mut Vec<String>) -> Cell {
    let text = match value {
        None | Some(Json::Null) => return Cell::Missing,
        Some(Json::Number(n)) => n.to_string(),
        Some(Json::Bool(b)) => b.to_string(),
        Some(Json::String(s)) => s.trim().to_string(),
        Some(Json::Array(items)) => items
            .iter()
            .filter_map(|i| match i {
                Json::String(s) => Some(s.trim().to_string()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join(";"),
        Some(_) => return Cell::Missing,
    };
    if text.is_empty() {
        return Cell::Missing;
    }
    let folded = fold(&text);
    if PLACEHOLDERS.contains(&folded.as_str()) {
        if !placeholders.contains(&text) {
            placeholders.push(text);
        }
        return Cell::Missing;
    }
    Cell::Text(text)
}

/// The id's key: `id` when records have one, else the first key whose
/// header says id (`Prospect ID`, `Record ID`, `lead_id`) and whose
/// values are all present and different.
fn id_key(keys: &[String], records: &[Json]) -> Option<String> {
    if records.iter().all(|r| r.get("id").is_some()) {
        return Some("id".to_string());
    }
    keys.iter()
        .filter(|k| {
            let words = fold(k).replace(['_', '-'], " ");
            words == "id" || words.ends_with(" id") || k.ends_with("Id") || k.ends_with("ID")
        })
        .find(|k| {
            let mut seen = std::collections::HashSet::new();
            records.iter().all(|r| match r.get(k) {
                Some(Json::String(s)) if !s.trim().is_empty() => seen.insert(s.trim().to_string()),
                Some(Json::Number(n)) => seen.insert(n.to_string()),
                _ => false,
            })
        })
        .cloned()
}

/// Each lead's count of each event type (in record order), from the
/// events inside the records and the rows of an events file.
fn event_counts(
    records: &[Json],
    id: Option<&str>,
    file: Option<&EventsFile>,
) -> Vec<(String, Vec<f64>)> {
    let mut out: Vec<(String, Vec<f64>)> = Vec::new();
    let count = |out: &mut Vec<(String, Vec<f64>)>, i: usize, event: &Json| {
        let Some(Json::String(kind)) = event.get("type") else {
            return;
        };
        let name = fold(kind);
        if name.is_empty() {
            return;
        }
        let column = match out.iter().position(|(n, _)| *n == name) {
            Some(p) => p,
            None => {
                out.push((name, vec![0.0; records.len()]));
                out.len() - 1
            }
        };
        if let Some(slot) = out.get_mut(column).and_then(|c| c.1.get_mut(i)) {
            *slot += 1.0;
        }
    };
    for (i, record) in records.iter().enumerate() {
        if let Some(Json::Array(events)) = record.get("events") {
            for e in events {
                count(&mut out, i, e);
            }
        }
        if let (Some(file), Some(value)) = (file, id.and_then(|k| record.get(k))) {
            for (_, row) in file.get(&crate::record::id_key(&value.to_serde())) {
                count(&mut out, i, &row);
            }
        }
    }
    out
}

/// Profiles `records` against the outcome key, with the event types of
/// the records and of an events file by count band.
pub fn profile(records: &[Json], outcome: &str, file: Option<&EventsFile>) -> Profile {
    let mut keys: Vec<String> = Vec::new();
    for record in records {
        if let Json::Object(entries) = record {
            for (k, _) in entries {
                if !keys.contains(k) && k != "events" {
                    keys.push(k.clone());
                }
            }
        }
    }
    let id = id_key(&keys, records);
    let events = event_counts(records, id.as_deref(), file);
    let mut kept = Vec::new();
    let mut outcomes = Vec::new();
    let mut without_outcome = 0;
    for (i, record) in records.iter().enumerate() {
        let value = match record.get(outcome) {
            Some(Json::Bool(b)) => Some(*b),
            Some(Json::Number(n)) => n.as_f64().and_then(crate::learn::one_zero),
            Some(Json::String(s)) => yes_no(s),
            _ => None,
        };
        match value {
            Some(v) => {
                kept.push(i);
                outcomes.push(v);
            }
            None => without_outcome += 1,
        }
    }
    let all = Tally {
        leads: outcomes.len() as u64,
        converted: outcomes.iter().filter(|c| **c).count() as u64,
    };
    let mut columns = Vec::new();
    for key in &keys {
        if key == outcome || Some(key) == id.as_ref() {
            continue;
        }
        let mut placeholders = Vec::new();
        let cells: Vec<Cell> = kept
            .iter()
            .filter_map(|&i| records.get(i))
            .map(|r| cell_of(r.get(key), &mut placeholders))
            .collect();
        let mut column = analyse(key, cells, placeholders, &outcomes, all);
        column.position = columns.len();
        columns.push(column);
    }
    for (name, counts) in &events {
        let cells: Vec<Cell> = kept
            .iter()
            .map(|&i| Cell::Number(counts.get(i).copied().unwrap_or(0.0)))
            .collect();
        let mut column = analyse(name, cells, Vec::new(), &outcomes, all);
        column.kind = Kind::Events;
        column.buckets = count_bands(&column.cells, &outcomes, all);
        column.auc = bucket_auc(&column, &outcomes);
        column.position = columns.len();
        columns.push(column);
    }
    columns.sort_by(|a, b| b.separation().total_cmp(&a.separation()));
    Profile {
        leads: all.leads,
        converted: all.converted,
        without_outcome,
        outcome: outcome.to_string(),
        id_key: id,
        columns,
        outcomes,
    }
}

/// Decides a column's kind and buckets.
fn analyse(
    key: &str,
    cells: Vec<Cell>,
    placeholders: Vec<String>,
    outcomes: &[bool],
    all: Tally,
) -> Column {
    let present = cells.iter().filter(|c| **c != Cell::Missing).count();
    // Numbers written as text count as numbers, unless one has a leading zero (a code).
    let mut numbers = 0;
    let mut coded = false;
    let mut counts: HashMap<String, (String, u64)> = HashMap::new();
    for cell in &cells {
        match cell {
            Cell::Number(_) => numbers += 1,
            Cell::Text(t) => {
                if t.parse::<f64>().is_ok_and(f64::is_finite) {
                    numbers += 1;
                    let digits = t.trim_start_matches(['+', '-']);
                    coded |=
                        digits.len() > 1 && digits.starts_with('0') && !digits.starts_with("0.");
                }
                let entry = counts.entry(fold(t)).or_insert_with(|| (t.clone(), 0));
                entry.1 += 1;
            }
            Cell::Missing => {}
        }
    }
    let mut spellings: Vec<(String, String, u64)> =
        counts.into_iter().map(|(f, (s, n))| (f, s, n)).collect();
    spellings.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    let words = spellings.iter().all(|(f, _, _)| yes_no(f).is_some());
    let distinct = spellings.len();
    let integers = spellings
        .iter()
        .all(|(f, _, _)| f.parse::<f64>().is_ok_and(|x| x.fract() == 0.0));
    let kind = if present == 0 || key.trim().is_empty() {
        Kind::Empty
    } else if distinct == 1 {
        Kind::Constant
    } else if words && distinct == 2 {
        Kind::Bool
    } else if distinct * 10 >= present * 9 && present >= 20 && (numbers < present || integers) {
        Kind::Unique
    } else if numbers == present && !coded {
        Kind::Number
    } else if spellings
        .iter()
        .all(|(_, s, _)| crate::time::parse_instant(s).is_some())
    {
        Kind::Date
    } else if closed(&cells, &spellings) {
        Kind::Closed
    } else {
        Kind::Text
    };
    let cells: Vec<Cell> = if kind == Kind::Number {
        cells
            .into_iter()
            .map(|c| match c {
                Cell::Text(t) => t.parse().map_or(Cell::Missing, Cell::Number),
                other => other,
            })
            .collect()
    } else if kind == Kind::Bool {
        cells
            .into_iter()
            .map(|c| match c {
                Cell::Text(t) => yes_no(&t).map_or(Cell::Missing, |b| Cell::Text(b.to_string())),
                Cell::Number(n) => Cell::Text((n == 1.0).to_string()),
                other => other,
            })
            .collect()
    } else {
        cells
            .into_iter()
            .map(|c| match c {
                Cell::Text(t) => Cell::Text(fold(&t)),
                Cell::Number(n) => Cell::Text(crate::syntax::print::number(n)),
                other => other,
            })
            .collect()
    };
    if kind == Kind::Bool {
        // The values are now `true` and `false`, whatever the data wrote.
        let mut tally: Vec<(String, String, u64)> = Vec::new();
        for word in ["true", "false"] {
            let n = cells
                .iter()
                .filter(|c| matches!(c, Cell::Text(t) if t == word))
                .count() as u64;
            tally.push((word.to_string(), word.to_string(), n));
        }
        tally.sort_by_key(|t| std::cmp::Reverse(t.2));
        spellings = tally;
    }
    let mut column = Column {
        position: 0,
        key: key.to_string(),
        kind,
        present: present as u64,
        placeholders,
        auc: None,
        buckets: Vec::new(),
        spellings,
        cells,
    };
    column.buckets = match column.kind {
        Kind::Number => bands(&column.cells, outcomes, all),
        Kind::Empty | Kind::Unique => Vec::new(),
        _ => value_buckets(&column, outcomes, all),
    };
    column.auc = bucket_auc(&column, outcomes);
    column
}

/// A few values, each seen often, every one of them in both the first 70 %
/// of the records and the rest: a `one of` will not reject the next export.
fn closed(cells: &[Cell], spellings: &[(String, String, u64)]) -> bool {
    let present = spellings.iter().map(|s| s.2).sum::<u64>();
    if spellings.len() > 8 || present < 50 || spellings.iter().any(|s| s.2 * 100 < present) {
        return false;
    }
    let cut = cells.len() * 7 / 10;
    let (head, tail) = cells.split_at(cut.min(cells.len()));
    let has = |part: &[Cell], v: &str| {
        part.iter()
            .any(|c| matches!(c, Cell::Text(t) if fold(t) == v))
    };
    spellings
        .iter()
        .all(|(f, _, _)| has(head, f) && has(tail, f))
}

fn bucket(
    label: String,
    test: Test,
    cells: &[Cell],
    shown: &[String],
    outcomes: &[bool],
    all: Tally,
) -> Bucket {
    let mut t = Tally::default();
    for (cell, converted) in cells.iter().zip(outcomes) {
        if test.holds(cell, shown) {
            t.add(*converted);
        }
    }
    Bucket {
        label,
        test,
        leads: t.leads,
        converted: t.converted,
        rate: t.rate(),
        lift: t.lift(all),
    }
}

/// The most common values (each held by enough leads), other, missing.
fn value_buckets(column: &Column, outcomes: &[bool], all: Tally) -> Vec<Bucket> {
    let shown: Vec<String> = column
        .spellings
        .iter()
        .filter(|s| s.2 >= MIN_VALUE_LEADS)
        .take(TOP_VALUES)
        .map(|s| s.0.clone())
        .collect();
    let cells = &column.cells;
    let mut out: Vec<Bucket> = shown
        .iter()
        .map(|v| {
            let label = if column.kind == Kind::Bool {
                v.clone()
            } else {
                column.spelling(v)
            };
            bucket(label, Test::Value(v.clone()), cells, &shown, outcomes, all)
        })
        .collect();
    out.push(bucket(
        "(other)".into(),
        Test::Other,
        cells,
        &shown,
        outcomes,
        all,
    ));
    out.push(bucket(
        "(missing)".into(),
        Test::Missing,
        cells,
        &shown,
        outcomes,
        all,
    ));
    out.retain(|b| b.leads > 0);
    out
}

/// Quantile bands of a numeric column (edges rounded to two significant
/// digits, a band per distinct edge), then missing.
fn bands(cells: &[Cell], outcomes: &[bool], all: Tally) -> Vec<Bucket> {
    let mut values: Vec<f64> = cells
        .iter()
        .filter_map(|c| match c {
            Cell::Number(x) => Some(*x),
            _ => None,
        })
        .collect();
    values.sort_by(f64::total_cmp);
    let low = values.first().copied().unwrap_or(0.0);
    let mut edges: Vec<f64> = Vec::new();
    for q in BAND_QUANTILES {
        let index = ((values.len() as f64 - 1.0) * q).round() as usize;
        let Some(&v) = values.get(index) else {
            continue;
        };
        let e = nice(v);
        if e > low && edges.last().is_none_or(|l| e > *l) {
            edges.push(e);
        }
    }
    edges_to_bands(&edges, cells, outcomes, all)
}

/// Count bands of an event type: none, 1, 2–3, 4–7, 8 and more.
fn count_bands(cells: &[Cell], outcomes: &[bool], all: Tally) -> Vec<Bucket> {
    edges_to_bands(&[1.0, 2.0, 4.0, 8.0], cells, outcomes, all)
}

fn edges_to_bands(edges: &[f64], cells: &[Cell], outcomes: &[bool], all: Tally) -> Vec<Bucket> {
    let n = crate::syntax::print::number;
    let mut out = Vec::new();
    let mut previous: Option<f64> = None;
    for &e in edges {
        let label = match previous {
            None => format!("< {}", n(e)),
            Some(p) => format!("{} to < {}", n(p), n(e)),
        };
        out.push(bucket(
            label,
            Test::Band(previous, Some(e)),
            cells,
            &[],
            outcomes,
            all,
        ));
        previous = Some(e);
    }
    let label = match previous {
        Some(p) => format!(">= {}", n(p)),
        None => "any".to_string(),
    };
    out.push(bucket(
        label,
        Test::Band(previous, None),
        cells,
        &[],
        outcomes,
        all,
    ));
    out.push(bucket(
        "(missing)".into(),
        Test::Missing,
        cells,
        &[],
        outcomes,
        all,
    ));
    out.retain(|b| b.leads > 0);
    out
}

/// A number rounded to two significant digits.
pub fn nice(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let exponent = x.abs().log10().floor() as i32 - 1;
    let magnitude = 10f64.powi(exponent);
    let rounded = (x / magnitude).round() * magnitude;
    // Written with only the digits kept, so no float noise comes back.
    let decimals = usize::try_from(-exponent).unwrap_or(0);
    format!("{rounded:.decimals$}").parse().unwrap_or(rounded)
}

/// The AUC of each lead's bucket rate as its score.
fn bucket_auc(column: &Column, outcomes: &[bool]) -> Option<f64> {
    if column.buckets.is_empty() {
        return None;
    }
    let shown = column.shown();
    let scores: Vec<f64> = column
        .cells
        .iter()
        .map(|cell| {
            column
                .buckets
                .iter()
                .find(|b| b.test.holds(cell, &shown))
                .and_then(|b| b.rate)
                .unwrap_or(0.0)
        })
        .collect();
    auc(&scores, outcomes)
}
