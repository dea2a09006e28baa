//! Reading an export for `profile` and `init --outcome`, and the profile
//! as a table, JSON or a self-contained HTML page.

use std::io::{self, BufRead};

use serde_json::{json, Value as JsonValue};

use super::profile::{Column, Kind, Profile};
use super::sample::open;
use crate::record::{EventsFile, Format, Json, Records};

/// Every record of a leads file (or `-`), and a line per unreadable one.
pub fn read_export(leads: &str) -> io::Result<(Vec<Json>, Vec<String>)> {
    let mut reader = open(leads)?;
    let format = Format::sniff(reader.fill_buf()?, Format::from_path(leads));
    let mut records = Vec::new();
    let mut unreadable = Vec::new();
    for record in Records::new(reader, format)? {
        let record = record?;
        let line = record.line;
        match record.into_json() {
            Ok(json @ Json::Object(_)) => records.push(json),
            Ok(other) => unreadable.push(format!("line {line}: {} is not a record", other.show())),
            Err(message) => unreadable.push(format!("line {line}: {message}")),
        }
    }
    Ok((records, unreadable))
}

/// An events file (CSV unless its name or first byte says JSON).
pub fn read_events(path: &str) -> io::Result<EventsFile> {
    let mut reader = open(path)?;
    let format = Format::sniff(
        reader.fill_buf()?,
        Format::from_path(path).or(Some(Format::Csv)),
    );
    EventsFile::read(reader, format, path)
}

fn kind_text(kind: &Kind) -> &'static str {
    match kind {
        Kind::Empty => "empty",
        Kind::Constant => "one value",
        Kind::Unique => "unique per lead",
        Kind::Number => "number",
        Kind::Bool => "yes/no",
        Kind::Date => "date",
        Kind::Closed => "a few values",
        Kind::Text => "text",
        Kind::Events => "events",
    }
}

fn percent(x: Option<f64>) -> String {
    x.map_or("-".to_string(), |r| format!("{:.1}%", r * 100.0))
}

fn two(x: Option<f64>) -> String {
    x.map_or("-".to_string(), |r| format!("{r:.2}"))
}

fn title(column: &Column) -> String {
    if column.kind == Kind::Events {
        format!("{} events", column.key)
    } else {
        column.key.clone()
    }
}

fn note(column: &Column) -> String {
    let mut parts = vec![kind_text(&column.kind).to_string()];
    if let Some(a) = column.auc {
        parts.push(format!("ROC AUC alone {a:.3}"));
    }
    if column.leaks() {
        parts.push("too good to be true: filled in after the fact?".to_string());
    }
    if !column.placeholders.is_empty() {
        parts.push(format!(
            "placeholders read as missing: {}",
            column.placeholders.join(", ")
        ));
    }
    parts.join("; ")
}

impl Profile {
    fn header(&self) -> String {
        let rate = (self.leads > 0).then(|| self.converted as f64 / self.leads as f64);
        let mut out = format!(
            "leads {}, converted {} ({}), outcome `{}`",
            self.leads,
            self.converted,
            percent(rate),
            self.outcome
        );
        if self.without_outcome > 0 {
            out.push_str(&format!(
                "; {} without an outcome left out",
                self.without_outcome
            ));
        }
        if let Some(id) = &self.id_key {
            out.push_str(&format!("; id column `{id}`"));
        }
        out
    }

    /// The profile for a terminal, the columns that separate most first.
    pub fn table(&self) -> String {
        let mut out = self.header();
        out.push_str("\n\n");
        for column in &self.columns {
            out.push_str(&format!("{} ({})\n", title(column), note(column)));
            if column.buckets.is_empty() {
                out.push('\n');
                continue;
            }
            let width = column
                .buckets
                .iter()
                .map(|b| b.label.chars().count())
                .max()
                .unwrap_or(0)
                .clamp(5, 40);
            out.push_str(&format!(
                "  {:<width$}  {:>7}  {:>9}  {:>6}  {:>5}\n",
                "value", "leads", "converted", "rate", "lift"
            ));
            for b in &column.buckets {
                let label: String = b.label.chars().take(40).collect();
                out.push_str(&format!(
                    "  {:<width$}  {:>7}  {:>9}  {:>6}  {:>5}\n",
                    label,
                    b.leads,
                    b.converted,
                    percent(b.rate),
                    two(b.lift)
                ));
            }
            out.push('\n');
        }
        out
    }

    /// The profile as JSON, numbers at full precision.
    pub fn json(&self) -> JsonValue {
        json!({
            "leads": self.leads,
            "converted": self.converted,
            "without_outcome": self.without_outcome,
            "outcome": self.outcome,
            "id_column": self.id_key,
            "columns": self.columns,
        })
    }

    /// A self-contained page: a table per column with a bar per rate.
    pub fn html(&self, leads: &str) -> String {
        let escape = |t: &str| {
            t.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
        };
        let mut html = String::from(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>leadscore profile</title>\n<style>\
             body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:60em;color:#1a202c}\
             table{border-collapse:collapse;margin:.5em 0 2em}td,th{padding:.2em .6em;text-align:right}\
             td:first-child,th:first-child{text-align:left}tr:nth-child(even){background:#f7fafc}\
             .bar{display:inline-block;height:.8em;background:#3182ce}.note{color:#4a5568}</style></head><body>\n",
        );
        html.push_str(&format!(
            "<h1>Profile of <code>{}</code></h1>\n<p>{}</p>\n",
            escape(leads),
            escape(&self.header())
        ));
        for column in &self.columns {
            html.push_str(&format!(
                "<h2>{}</h2>\n<p class=\"note\">{}</p>\n",
                escape(&title(column)),
                escape(&note(column))
            ));
            if column.buckets.is_empty() {
                continue;
            }
            html.push_str("<table><tr><th>value</th><th>leads</th><th>converted</th><th>rate</th><th>lift</th><th></th></tr>\n");
            for b in &column.buckets {
                let width = (b.rate.unwrap_or(0.0) * 200.0).round();
                html.push_str(&format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><span class=\"bar\" style=\"width:{width}px\"></span></td></tr>\n",
                    escape(&b.label),
                    b.leads,
                    b.converted,
                    percent(b.rate),
                    two(b.lift)
                ));
            }
            html.push_str("</table>\n");
        }
        html.push_str("</body></html>\n");
        html
    }
}
