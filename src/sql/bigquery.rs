//! BigQuery, written from its documentation and not run here: backtick
//! identifiers, escaped string literals, RE2 through `REGEXP_CONTAINS`,
//! `COUNTIF` and `IF` in place of `FILTER`, `DATE_ADD` by months on DATEs.

use super::dialect::{white_space_class, Aggregate, Dialect};
use super::regex::{translate, Flavor, Refusal};
use super::spark::escaped_string;

pub struct BigQuery;

impl Dialect for BigQuery {
    fn name(&self) -> &'static str {
        "bigquery"
    }

    fn ident(&self, name: &str) -> String {
        format!("`{}`", name.replace('`', "\\`"))
    }

    fn string(&self, text: &str) -> String {
        escaped_string(text)
    }

    fn double_type(&self) -> &'static str {
        "FLOAT64"
    }

    fn double(&self, digits: &str) -> String {
        // A literal with a point is FLOAT64 in BigQuery.
        if digits.contains('.') {
            digits.to_string()
        } else {
            format!("{digits}.0")
        }
    }

    fn bigint_type(&self) -> &'static str {
        "INT64"
    }

    fn text_type(&self) -> &'static str {
        "STRING"
    }

    fn trim(&self, text: &str) -> String {
        let ws = white_space_class();
        format!(
            "REGEXP_REPLACE({text}, {}, '')",
            self.string(&format!("^{ws}+|{ws}+$"))
        )
    }

    fn regex_search(&self, text: &str, pattern: &str) -> Result<String, Refusal> {
        let translated = translate(pattern, Flavor::Re2)?;
        Ok(format!(
            "REGEXP_CONTAINS({text}, {})",
            self.string(&translated.pattern)
        ))
    }

    fn contains(&self, text: &str, part: &str) -> String {
        format!("(STRPOS({text}, {part}) > 0)")
    }

    fn starts_with(&self, text: &str, prefix: &str) -> String {
        format!("STARTS_WITH({text}, {prefix})")
    }

    fn ends_with(&self, text: &str, suffix: &str) -> String {
        format!("ENDS_WITH({text}, {suffix})")
    }

    fn fold_list(&self, list: &str) -> String {
        let item = self.fold(&self.trim("v"));
        let folded = format!(
            "ARRAY(SELECT f FROM (SELECT {item} AS f FROM UNNEST({list}) AS v) WHERE f <> '')"
        );
        format!("(CASE WHEN ARRAY_LENGTH({folded}) > 0 THEN {folded} END)")
    }

    fn list_has_any(&self, list: &str, values: &[String]) -> String {
        format!(
            "EXISTS(SELECT 1 FROM UNNEST({list}) AS v WHERE v IN ({}))",
            values.join(", ")
        )
    }

    fn epoch_micros(&self, column: &str) -> String {
        format!("UNIX_MICROS(CAST({column} AS TIMESTAMP))")
    }

    fn now_micros(&self) -> String {
        "UNIX_MICROS(CURRENT_TIMESTAMP())".to_string()
    }

    fn date_from_days(&self, days: &str) -> String {
        format!("DATE_FROM_UNIX_DATE(CAST({days} AS INT64))")
    }

    fn days_from_date(&self, date: &str) -> String {
        format!("UNIX_DATE({date})")
    }

    fn add_months(&self, date: &str, months: &str) -> String {
        format!("DATE_ADD({date}, INTERVAL CAST({months} AS INT64) MONTH)")
    }

    fn int_div(&self, a: &str, b: &str) -> String {
        format!("DIV({a}, {b})")
    }

    fn power(&self, base: &str, exponent: &str) -> String {
        format!("POW({base}, {exponent})")
    }

    fn aggregate_where(&self, function: Aggregate, value: &str, condition: &str) -> String {
        match function {
            Aggregate::Count => format!("COUNTIF({condition})"),
            _ => format!(
                "{}(IF({condition}, {value}, NULL))",
                function.name().to_uppercase()
            ),
        }
    }

    fn join_present(&self, parts: &[String]) -> String {
        format!("ARRAY_TO_STRING([{}], ',')", parts.join(", "))
    }

    fn remove_matches(&self, text: &str, pattern: &str) -> String {
        format!(
            "REGEXP_REPLACE({text}, {}, '')",
            self.string(&format!("(?s){pattern}"))
        )
    }

    fn position(&self, text: &str, part: &str) -> String {
        format!("STRPOS({text}, {part})")
    }

    fn is_host_name(&self, host: &str) -> String {
        format!(
            "REGEXP_CONTAINS({host}, {})",
            self.string("^[\\p{L}\\p{N}\\p{M}.-]+$")
        )
    }

    fn json_text(&self, value: &str) -> String {
        format!("TO_JSON_STRING({value})")
    }

    fn column_types(&self) -> [&'static str; 5] {
        [
            "STRING",
            "FLOAT64 (or INT64, NUMERIC)",
            "BOOL",
            "TIMESTAMP, DATETIME (UTC) or DATE",
            "ARRAY<STRING>",
        ]
    }
}
