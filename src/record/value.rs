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
    missing_if: &[String],
) -> Result<FieldValue, String> {
    match value {
        Raw::Null => return Ok(FieldValue::Missing),
        Raw::Str(s) if trim(s).is_empty() => return Ok(FieldValue::Missing),
        // A list's elements are tested one by one, below.
        _ if ty != ValueType::TextList && is_placeholder(value, missing_if) => {
            return Ok(FieldValue::Missing)
        }
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
        ValueType::Bool => read_bool(value)
            .map(FieldValue::Bool)
            .ok_or_else(|| BOOL_EXPECTED.to_string()),
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
                        if is_placeholder(item.raw(), missing_if) {
                            continue;
                        }
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
                Raw::Str(s) => s
                    .split(';')
                    .filter(|part| !is_placeholder(Raw::Str(part), missing_if))
                    .map(fold)
                    .collect(),
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

/// What a boolean may be written as, for messages.
pub(crate) const BOOL_EXPECTED: &str = "true or false (also yes/no, y/n, 1/0)";

/// A boolean as records write it: JSON `true`/`false`, the numbers 1 and
/// 0, or text (trimmed, any letter case) among `true false yes no y n 1 0`.
pub(crate) fn read_bool(value: Raw<'_>) -> Option<bool> {
    match value {
        Raw::Bool(b) => Some(b),
        Raw::Number(n) => match n.as_f64() {
            Some(1.0) => Some(true),
            Some(0.0) => Some(false),
            _ => None,
        },
        Raw::Str(s) => {
            let s = trim(s);
            let yes = ["true", "yes", "y", "1"];
            let no = ["false", "no", "n", "0"];
            if yes.iter().any(|w| w.eq_ignore_ascii_case(s)) {
                Some(true)
            } else if no.iter().any(|w| w.eq_ignore_ascii_case(s)) {
                Some(false)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Whether a raw value is one of a field's placeholders (folded): text
/// trimmed and without letter case, a JSON number when a placeholder
/// spells the same number.
pub(crate) fn is_placeholder(value: Raw<'_>, missing_if: &[String]) -> bool {
    if missing_if.is_empty() {
        return false;
    }
    match value {
        Raw::Str(s) => {
            let s = trim(s);
            if s.is_ascii() {
                missing_if.iter().any(|p| p.eq_ignore_ascii_case(s))
            } else {
                let folded = fold(s);
                missing_if.contains(&folded)
            }
        }
        Raw::Number(n) => {
            let Some(x) = n.as_f64() else {
                return false;
            };
            missing_if
                .iter()
                .any(|p| p.parse::<f64>().is_ok_and(|y| y == x))
        }
        _ => false,
    }
}

fn text(s: &str) -> FieldValue {
    text_in(s, &mut Vec::new())
}

/// A text value written over `slot`, reusing its strings when it held
/// text (the fast reader refills the previous record's values in place),
/// and emptied `strings` when not: what [`text_in`] gives.
pub(crate) fn text_over(s: &str, slot: &mut FieldValue, strings: &mut Vec<String>) {
    match slot {
        FieldValue::Text { raw, folded } => write_text(s, raw, folded, strings),
        _ => *slot = text_in(s, strings),
    }
}

/// The trimmed text into `raw`, and its lowercase form into `folded`
/// (`None` when that is the text itself), reusing both strings and
/// emptied `strings`.
fn write_text(s: &str, raw: &mut String, folded: &mut Option<String>, strings: &mut Vec<String>) {
    let text = trim(s);
    raw.clear();
    raw.push_str(text);
    let (ascii, upper) = ascii_and_upper(text.as_bytes());
    let lower = if ascii {
        // The same as folding for ASCII, without building a string only to
        // find it equal.
        upper.then(|| {
            let mut lower = folded
                .take()
                .unwrap_or_else(|| strings.pop().unwrap_or_default());
            lower.clear();
            lower.push_str(text);
            lower.make_ascii_lowercase();
            lower
        })
    } else {
        Some(fold_case(text)).filter(|lower| lower != text)
    };
    if let Some(mut unused) = std::mem::replace(folded, lower) {
        if strings.len() < super::scratch::KEPT {
            unused.clear();
            strings.push(unused);
        }
    }
}

/// Whether `bytes` are all ASCII, and whether any is an ASCII capital: one
/// pass without an early exit, which the compiler turns into wide
/// instructions (most values are a few dozen bytes).
fn ascii_and_upper(bytes: &[u8]) -> (bool, bool) {
    let (mut high, mut upper) = (0u8, 0u8);
    for &b in bytes {
        high |= b;
        upper |= u8::from(b.wrapping_sub(b'A') < 26);
    }
    (high < 0x80, upper != 0)
}

/// A text value, written into emptied `strings` kept from earlier values
/// when there are some (the fast reader keeps them between records).
pub(crate) fn text_in(s: &str, strings: &mut Vec<String>) -> FieldValue {
    let mut raw = strings.pop().unwrap_or_default();
    let mut folded = None;
    write_text(s, &mut raw, &mut folded, strings);
    FieldValue::Text { raw, folded }
}
