//! DuckDB (verified on 2.0.1): RE2 regexes, lambdas as `lambda v: ...`, `FILTER`
//! aggregates, and `epoch_us` that reads DATE, TIMESTAMP and TIMESTAMPTZ
//! alike as UTC.

use super::dialect::{lower_is_not_fold_class, white_space_class, Dialect};
use super::regex::{translate, Flavor, Refusal};

pub struct DuckDb;

impl Dialect for DuckDb {
    fn name(&self) -> &'static str {
        "duckdb"
    }

    fn stage_fence(&self) -> &'static str {
        // Measured: inlined stages run about 1.5 times slower.
        "MATERIALIZED "
    }

    fn double(&self, digits: &str) -> String {
        format!("CAST({digits} AS DOUBLE)")
    }

    fn trim(&self, text: &str) -> String {
        let ws = white_space_class();
        format!(
            "regexp_replace({text}, {}, '', 'g')",
            self.string(&format!("^{ws}+|{ws}+$"))
        )
    }

    fn regex_search(&self, text: &str, pattern: &str) -> Result<String, Refusal> {
        let translated = translate(pattern, Flavor::Re2)?;
        Ok(format!(
            "regexp_matches({text}, {})",
            self.string(&translated.pattern)
        ))
    }

    fn contains(&self, text: &str, part: &str) -> String {
        format!("contains({text}, {part})")
    }

    fn starts_with(&self, text: &str, prefix: &str) -> String {
        format!("starts_with({text}, {prefix})")
    }

    fn ends_with(&self, text: &str, suffix: &str) -> String {
        format!("suffix({text}, {suffix})")
    }

    // DuckDB's `translate` builds its map of the 1,500 code points again
    // for every value (about 0.1 ms each), where `lower()` is a
    // per-character simple mapping: the mapping is only taken for text
    // holding a code point whose lowercase is not its fold. The lambda
    // binds the value once instead of writing it three times.
    fn fold(&self, text: &str) -> String {
        format!(
            "list_transform([{text}], lambda f: CASE WHEN regexp_matches(f, {}) THEN {} ELSE lower(f) END)[1]",
            self.string(lower_is_not_fold_class()),
            self.fold_by_mapping("f")
        )
    }

    fn fold_list(&self, list: &str, placeholders: &[String]) -> String {
        let item = self.fold(&self.trim("v"));
        let kept = super::dialect::kept_item("v", placeholders);
        let folded =
            format!("list_filter(list_transform({list}, lambda v: {item}), lambda v: {kept})");
        format!("CASE WHEN len({folded}) > 0 THEN {folded} END")
    }

    fn list_has_any(&self, list: &str, values: &[String]) -> String {
        format!("list_has_any({list}, [{}])", values.join(", "))
    }

    fn epoch_micros(&self, column: &str) -> String {
        format!("epoch_us({column})")
    }

    fn now_micros(&self) -> String {
        "epoch_us(current_timestamp)".to_string()
    }

    fn date_from_days(&self, days: &str) -> String {
        format!("CAST(DATE '1970-01-01' + CAST({days} AS INTEGER) AS DATE)")
    }

    fn days_from_date(&self, date: &str) -> String {
        format!("date_diff('day', DATE '1970-01-01', {date})")
    }

    fn add_months(&self, date: &str, months: &str) -> String {
        format!("CAST({date} + to_months(CAST({months} AS INTEGER)) AS DATE)")
    }

    fn int_div(&self, a: &str, b: &str) -> String {
        format!("({a} // {b})")
    }

    fn remove_matches(&self, text: &str, pattern: &str) -> String {
        format!(
            "regexp_replace({text}, {}, '', 'g')",
            self.string(&format!("(?s){pattern}"))
        )
    }

    fn is_host_name(&self, host: &str) -> String {
        // RE2 has no Alphabetic property: letters, numbers and marks stand
        // for it (docs/warehouse.md names the difference).
        format!("regexp_matches({host}, '^[\\p{{L}}\\p{{N}}\\p{{M}}.-]+$')")
    }

    fn json_text(&self, value: &str) -> String {
        format!("CAST(to_json({value}) AS VARCHAR)")
    }

    fn column_types(&self) -> [&'static str; 5] {
        [
            "VARCHAR",
            "DOUBLE (any numeric type)",
            "BOOLEAN",
            "TIMESTAMP (UTC), TIMESTAMPTZ or DATE",
            "VARCHAR[]",
        ]
    }
}
