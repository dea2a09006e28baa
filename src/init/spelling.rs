//! Names and values as a model writes them: data keys made into names
//! that are free and not reserved, and sample values made into constants.

use super::key_stats::Type;
use crate::syntax::print::quote;
use crate::syntax::KEYWORDS;
use crate::time::Instant;

pub(super) fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Words a declaration cannot take: the keywords and the built-in names.
pub(super) fn is_reserved(name: &str) -> bool {
    KEYWORDS.contains(&name) || name == "disqualified"
}

/// `Number of Employees` → `number_of_employees`; `LeadSource` → `lead_source`.
pub(super) fn snake_case(key: &str) -> String {
    let mut out = String::new();
    let mut previous_lower = false;
    for c in key.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && previous_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            previous_lower = false;
        }
    }
    let out = out.trim_end_matches('_').to_string();
    if out.is_empty() {
        "field".to_string()
    } else if out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("field_{out}")
    } else {
        out
    }
}

/// The one namespace of fields, events (and their plurals), groups,
/// thresholds and labels.
#[derive(Default)]
pub(super) struct Names {
    taken: Vec<String>,
    /// Event properties: not in the namespace, but a bare word spelt like
    /// one draws a warning inside `where`.
    pub(super) properties: Vec<String>,
}

impl Names {
    pub(super) fn is_free(&self, name: &str) -> bool {
        !is_reserved(name) && !self.taken.iter().any(|t| t == name)
    }

    pub(super) fn take(&mut self, name: &str) {
        self.taken.push(name.to_string());
    }

    /// `wanted` if it is free, else `wanted_<suffix>`, then numbered.
    pub(super) fn allocate(&mut self, wanted: &str, suffix: &str) -> String {
        let mut name = wanted.to_string();
        if !self.is_free(&name) {
            name = format!("{wanted}_{suffix}");
        }
        let mut n = 2;
        while !self.is_free(&name) {
            name = format!("{wanted}_{suffix}_{n}");
            n += 1;
        }
        self.take(&name);
        name
    }

    /// A constant as a model writes it: a bare word when that is safe (an
    /// identifier that names nothing, so `check` has nothing to warn about),
    /// else quoted.
    pub(super) fn constant(&self, value: &str) -> String {
        if is_identifier(value)
            && self.is_free(value)
            && !self.properties.iter().any(|p| p == value)
        {
            value.to_string()
        } else {
            quote(value)
        }
    }
}

/// A number as a model writes it (no exponent, no trailing zeros).
pub(super) fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{n:.0}")
    } else {
        let text = format!("{n:.6}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// A round number near `n` (two significant digits), for an example bound.
pub(super) fn round_number(n: f64) -> f64 {
    if n == 0.0 || !n.is_finite() {
        return n;
    }
    let magnitude = 10f64.powf(n.abs().log10().floor() - 1.0);
    let rounded = (n / magnitude).round() * magnitude;
    // Undo the float noise of the scaling (3.7000000000000002).
    number_text(rounded).parse().unwrap_or(rounded)
}

/// An instant as a model constant: a date when it is midnight UTC.
pub(super) fn instant_text(at: Instant) -> String {
    if at.time() == chrono::NaiveTime::MIN {
        at.format("%Y-%m-%d").to_string()
    } else {
        at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
    }
}

pub(super) fn type_text(ty: &Type, names: &Names) -> String {
    match ty {
        Type::Text => "text".to_string(),
        Type::Number => "number".to_string(),
        Type::Bool => "bool".to_string(),
        Type::Date => "date".to_string(),
        Type::ListOfText => "list of text".to_string(),
        Type::OneOf(values) => format!(
            "one of [{}]",
            values
                .iter()
                .map(|v| names.constant(v))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_names() {
        assert_eq!(snake_case("Number of Employees"), "number_of_employees");
        assert_eq!(snake_case("lead-source"), "lead_source");
        assert_eq!(snake_case("LeadSource (CRM)"), "lead_source_crm");
        assert_eq!(snake_case("2024 revenue"), "field_2024_revenue");
        assert_eq!(snake_case("%%"), "field");
    }

    #[test]
    fn names_avoid_keywords_and_clashes() {
        let mut names = Names::default();
        names.take("visit");
        assert_eq!(names.allocate("score", "field"), "score_field");
        assert_eq!(names.allocate("visit", "field"), "visit_field");
        assert_eq!(names.allocate("visit", "field"), "visit_field_2");
        assert_eq!(names.constant("VP"), "VP");
        assert_eq!(names.constant("visit"), "\"visit\"");
        assert_eq!(names.constant("Vice President"), "\"Vice President\"");
    }

    #[test]
    fn numbers_as_written_in_a_model() {
        assert_eq!(number_text(2500.0), "2500");
        assert_eq!(number_text(2.5), "2.5");
        assert_eq!(number_text(round_number(2437.0)), "2400");
        assert_eq!(number_text(round_number(3.74)), "3.7");
        assert_eq!(quote("a \"b\"\n"), "\"a \\\"b\\\"\\n\"");
    }
}
