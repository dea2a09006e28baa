//! PostgreSQL (verified on 15): POSIX regexes with `~` whose classes are
//! read through the ICU root collation (`und-x-icu`),
//! `btrim` with the white-space characters spelt as Unicode escapes, and
//! `extract(epoch ...)`, exact to the microsecond since PostgreSQL 14.

use super::dialect::{Dialect, WHITE_SPACE};
use super::regex::{translate, Flavor, Refusal};

pub struct Postgres;

impl Postgres {
    /// `U&'\0009...'`: every white-space code point.
    fn white_space(&self) -> String {
        let mut chars = String::from("U&'");
        for (low, high) in WHITE_SPACE {
            for c in *low..=*high {
                chars.push_str(&format!("\\{c:04X}"));
            }
        }
        chars.push('\'');
        chars
    }
}

impl Dialect for Postgres {
    fn name(&self) -> &'static str {
        "postgres"
    }

    fn stage_fence(&self) -> &'static str {
        // PostgreSQL pulls a CTE read once up into its reader, expressions
        // and all; MATERIALIZED keeps each stage computed once.
        "MATERIALIZED "
    }

    fn double_type(&self) -> &'static str {
        "float8"
    }

    fn double(&self, digits: &str) -> String {
        format!("CAST({digits} AS float8)")
    }

    fn bigint_type(&self) -> &'static str {
        "bigint"
    }

    fn text_type(&self) -> &'static str {
        "text"
    }

    fn trim(&self, text: &str) -> String {
        format!("btrim({text}, {})", self.white_space())
    }

    fn regex_search(&self, text: &str, pattern: &str) -> Result<String, Refusal> {
        let translated = translate(
            pattern,
            Flavor::Posix {
                dot_matches_newline: true,
            },
        )?;
        let operator = if translated.case_insensitive {
            "~*"
        } else {
            "~"
        };
        Ok(format!(
            "(({text}) COLLATE \"und-x-icu\" {operator} {})",
            self.string(&translated.pattern)
        ))
    }

    fn contains(&self, text: &str, part: &str) -> String {
        format!("(strpos({text}, {part}) > 0)")
    }

    fn starts_with(&self, text: &str, prefix: &str) -> String {
        format!("starts_with({text}, {prefix})")
    }

    fn ends_with(&self, text: &str, suffix: &str) -> String {
        format!("(right({text}, length({suffix})) = {suffix})")
    }

    fn fold_list(&self, list: &str) -> String {
        let item = self.fold(&self.trim("u.v"));
        format!(
            "nullif(ARRAY(SELECT f.v FROM (SELECT {item} AS v FROM unnest({list}) AS u(v)) AS f WHERE f.v <> ''), '{{}}')"
        )
    }

    fn list_has_any(&self, list: &str, values: &[String]) -> String {
        format!(
            "EXISTS (SELECT 1 FROM unnest({list}) AS u(v) WHERE u.v IN ({}))",
            values.join(", ")
        )
    }

    fn epoch_micros(&self, column: &str) -> String {
        format!("CAST(extract(epoch FROM {column}) * 1000000 AS bigint)")
    }

    fn now_micros(&self) -> String {
        "CAST(extract(epoch FROM current_timestamp) * 1000000 AS bigint)".to_string()
    }

    fn date_from_days(&self, days: &str) -> String {
        format!("(DATE '1970-01-01' + CAST({days} AS integer))")
    }

    fn days_from_date(&self, date: &str) -> String {
        format!("({date} - DATE '1970-01-01')")
    }

    fn add_months(&self, date: &str, months: &str) -> String {
        format!("CAST({date} + make_interval(months => CAST({months} AS integer)) AS date)")
    }

    fn int_div(&self, a: &str, b: &str) -> String {
        format!("({a} / {b})")
    }

    fn power(&self, base: &str, exponent: &str) -> String {
        format!("power(CAST({base} AS float8), CAST({exponent} AS float8))")
    }

    fn remove_matches(&self, text: &str, pattern: &str) -> String {
        // An ARE's `.` matches a line break already.
        format!("regexp_replace({text}, {}, '', 'g')", self.string(pattern))
    }

    fn is_host_name(&self, host: &str) -> String {
        format!("(({host}) COLLATE \"und-x-icu\" ~ '^[[:alnum:].-]+$')")
    }

    fn json_text(&self, value: &str) -> String {
        format!("CAST(to_json({value}) AS text)")
    }

    // The database's collation may sort by language rules; "C" sorts by
    // code point (the encoding is UTF-8).
    fn code_point_order(&self, value: &str) -> String {
        format!("CAST({value} AS text) COLLATE \"C\"")
    }

    fn column_types(&self) -> [&'static str; 5] {
        [
            "text (or varchar)",
            "double precision (any numeric type)",
            "boolean",
            "timestamp (UTC), timestamptz or date",
            "text[]",
        ]
    }
}
