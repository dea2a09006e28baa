//! The outcome column of `backtest`, `tune` and `profile`, checked before
//! any lead is scored: a misspelt `--outcome` is one usage error with a
//! suggestion, not one record error per lead.

use std::fs::File;
use std::io::{BufRead, BufReader};

use super::Exit;
use crate::diagnostic::did_you_mean;
use crate::record::{Format, Json, Records};

/// How many records are looked at for the outcome's key (a CSV file's
/// header is its first record's keys).
const LOOK_AT: usize = 200;

/// `Ok` when `declared` (the model declares the outcome as a field) or
/// the leads file has `outcome` as a column or key among its first
/// records. Standard input cannot be read twice and is not checked.
pub fn check_outcome_column(leads: &str, outcome: &str, declared: bool) -> Result<(), Exit> {
    if declared || leads == "-" {
        return Ok(());
    }
    let Ok(file) = File::open(leads) else {
        // The stream reports an unreadable file in its own words.
        return Ok(());
    };
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let Ok(head) = reader.fill_buf() else {
        return Ok(());
    };
    let format = Format::sniff(head, Format::from_path(leads));
    let Ok(records) = Records::new(reader, format) else {
        return Ok(());
    };
    let mut keys: Vec<String> = Vec::new();
    let mut seen = 0;
    for record in records.take(LOOK_AT) {
        let Ok(Ok(Json::Object(entries))) = record.map(|r| r.into_json()) else {
            continue;
        };
        seen += 1;
        for (key, _) in &entries {
            if key == outcome {
                return Ok(());
            }
            if !keys.contains(key) {
                keys.push(key.clone());
            }
        }
    }
    if seen == 0 {
        // No record to judge by: the stream reports what is wrong.
        return Ok(());
    }
    let place = if format == Format::Csv {
        "in the header of".to_string()
    } else {
        format!(
            "in the first {} record{} of",
            seen,
            crate::text::plural(seen)
        )
    };
    eprintln!("error: no column or key `{outcome}` {place} `{leads}`, so there is no outcome to set the scores against");
    let exact = keys.iter().find(|k| k.eq_ignore_ascii_case(outcome));
    match exact
        .map(String::as_str)
        .or_else(|| did_you_mean(outcome, keys.iter().map(String::as_str)))
    {
        Some(near) => eprintln!("help: did you mean `--outcome {}`?", quote_arg(near)),
        None => {
            let listed: Vec<&str> = keys.iter().take(12).map(String::as_str).collect();
            eprintln!("help: the leads have: {}", listed.join(", "));
        }
    }
    Err(Exit::Usage)
}

/// An argument as it would be typed in a shell.
fn quote_arg(text: &str) -> String {
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
    {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}
