//! One value converted to its declared type (text, number, true/false,
//! date, one of an enum, list of text), whoever read it: the careful
//! reader from a JSON tree, the fast readers straight from a record's text
//! or cells. One function, so every reader converts alike; `Err` names
//! what was expected, for the careful reader to word the problem.

use super::json::{Json, Raw};
use crate::lead::FieldValue;
use crate::plan::{Plan, ValueType};
use crate::text::{fold, fold_case, trim};
use crate::time::parse_instant;

/// Converts a value as read, from a [`Json`] tree or straight from the
/// record's text, so that both readers convert alike.
pub(crate) fn convert_raw(
    plan: &Plan,
    value: Raw<'_>,
    ty: ValueType,
) -> Result<FieldValue, String> {
    match value {
        Raw::Null => return Ok(FieldValue::Missing),
        Raw::Str(s) if trim(s).is_empty() => return Ok(FieldValue::Missing),
        _ => {}
    }
    match ty {
        ValueType::Text => match value {
            Raw::Str(s) => Ok(text(s)),
            Raw::Number(n) => Ok(text(&n.to_string())),
            Raw::Bool(b) => Ok(text(&b.to_string())),
            _ => Err("text".to_string()),
        },
        ValueType::Number => match value {
            Raw::Number(n) => n
                .as_f64()
                .map(FieldValue::Number)
                .ok_or_else(|| "a number".to_string()),
            Raw::Str(s) => s
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .map(FieldValue::Number)
                .ok_or_else(|| "a number".to_string()),
            _ => Err("a number".to_string()),
        },
        ValueType::Bool => match value {
            Raw::Bool(b) => Ok(FieldValue::Bool(b)),
            Raw::Str(s) => match s.trim().to_lowercase().as_str() {
                "true" => Ok(FieldValue::Bool(true)),
                "false" => Ok(FieldValue::Bool(false)),
                _ => Err("true or false".to_string()),
            },
            _ => Err("true or false".to_string()),
        },
        ValueType::Date => match value {
            Raw::Str(s) => parse_instant(s)
                .map(FieldValue::Date)
                .ok_or_else(|| "a date (2026-10-01) or an RFC 3339 instant".to_string()),
            _ => Err("a date (2026-10-01) or an RFC 3339 instant".to_string()),
        },
        ValueType::Enum(e) => {
            let values = plan.enums.get(e).map(Vec::as_slice).unwrap_or(&[]);
            let expected = || format!("one of [{}]", values.join(", "));
            let s = match value {
                Raw::Str(s) => {
                    let s = trim(s);
                    // ASCII text against ASCII values needs no folded
                    // copies; other values fold as before.
                    if s.is_ascii() {
                        return values
                            .iter()
                            .position(|v| match v.is_ascii() {
                                true => v.trim().eq_ignore_ascii_case(s),
                                false => fold(v) == s.to_ascii_lowercase(),
                            })
                            .map(FieldValue::Enum)
                            .ok_or_else(expected);
                    }
                    s.to_string()
                }
                Raw::Number(n) => n.to_string(),
                _ => return Err(expected()),
            };
            let folded = fold(&s);
            values
                .iter()
                .position(|v| fold(v) == folded)
                .map(FieldValue::Enum)
                .ok_or_else(expected)
        }
        ValueType::TextList => {
            let items: Vec<String> = match value {
                Raw::Array(items) => {
                    let mut out = Vec::new();
                    for item in items {
                        match item {
                            Json::String(s) => out.push(fold(s)),
                            Json::Number(n) => out.push(n.to_string()),
                            Json::Null => {}
                            _ => return Err("a list of text".to_string()),
                        }
                    }
                    out
                }
                // CSV cells (and text in JSON) hold the list separated by `;`.
                Raw::Str(s) => s.split(';').map(fold).collect(),
                _ => return Err("a list of text".to_string()),
            };
            let items: Vec<String> = items.into_iter().filter(|s| !s.is_empty()).collect();
            if items.is_empty() {
                Ok(FieldValue::Missing)
            } else {
                Ok(FieldValue::List(items))
            }
        }
    }
}

fn text(s: &str) -> FieldValue {
    text_in(s, &mut Vec::new())
}

/// A text value, written into emptied `strings` kept from earlier values
/// when there are some (the fast reader keeps them between records).
pub(crate) fn text_in(s: &str, strings: &mut Vec<String>) -> FieldValue {
    let raw = trim(s);
    let mut copy = |text: &str| {
        let mut buffer = strings.pop().unwrap_or_default();
        buffer.push_str(text);
        buffer
    };
    let folded = if raw.is_ascii() {
        // The same as folding for ASCII, without building a string only to
        // find it equal.
        raw.bytes().any(|b| b.is_ascii_uppercase()).then(|| {
            let mut folded = copy(raw);
            folded.make_ascii_lowercase();
            folded
        })
    } else {
        Some(fold_case(raw)).filter(|folded| folded != raw)
    };
    FieldValue::Text {
        raw: copy(raw),
        folded,
    }
}
