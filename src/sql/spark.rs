//! Spark SQL (verified on 4.3, local mode): backtick identifiers, string
//! literals with backslash escapes, `java.util.regex` through `RLIKE`
//! (run with `(?dU)`: Unix lines, Unicode classes), and `add_months` on DATEs so month arithmetic never meets
//! the session time zone.

use super::dialect::{white_space_class, Dialect};
use super::regex::{translate, Flavor, Refusal};

pub struct Spark;

/// A string literal for engines whose literals read backslash escapes.
pub fn escaped_string(text: &str) -> String {
    let mut out = String::from("'");
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

impl Dialect for Spark {
    fn name(&self) -> &'static str {
        "spark"
    }

    fn ident(&self, name: &str) -> String {
        format!("`{}`", name.replace('`', "``"))
    }

    fn string(&self, text: &str) -> String {
        escaped_string(text)
    }

    fn double(&self, digits: &str) -> String {
        format!("{digits}D")
    }

    fn text_type(&self) -> &'static str {
        "STRING"
    }

    fn trim(&self, text: &str) -> String {
        let ws = white_space_class();
        format!(
            "regexp_replace({text}, {}, '')",
            self.string(&format!("^{ws}+|{ws}+$"))
        )
    }

    fn regex_search(&self, text: &str, pattern: &str) -> Result<String, Refusal> {
        let translated = translate(pattern, Flavor::Java)?;
        Ok(format!(
            "({text} RLIKE {})",
            self.string(&translated.pattern)
        ))
    }

    fn contains(&self, text: &str, part: &str) -> String {
        format!("contains({text}, {part})")
    }

    fn starts_with(&self, text: &str, prefix: &str) -> String {
        format!("startswith({text}, {prefix})")
    }

    fn ends_with(&self, text: &str, suffix: &str) -> String {
        format!("endswith({text}, {suffix})")
    }

    fn fold_list(&self, list: &str) -> String {
        let item = self.fold(&self.trim("v"));
        let folded = format!("filter(transform({list}, v -> {item}), v -> v <> '')");
        format!("CASE WHEN size({folded}) > 0 THEN {folded} END")
    }

    fn list_has_any(&self, list: &str, values: &[String]) -> String {
        format!("exists({list}, v -> v IN ({}))", values.join(", "))
    }

    fn epoch_micros(&self, column: &str) -> String {
        format!("unix_micros(CAST({column} AS TIMESTAMP))")
    }

    fn now_micros(&self) -> String {
        "unix_micros(current_timestamp())".to_string()
    }

    fn date_from_days(&self, days: &str) -> String {
        format!("date_from_unix_date(CAST({days} AS INT))")
    }

    fn days_from_date(&self, date: &str) -> String {
        format!("unix_date({date})")
    }

    fn add_months(&self, date: &str, months: &str) -> String {
        format!("add_months({date}, CAST({months} AS INT))")
    }

    fn int_div(&self, a: &str, b: &str) -> String {
        format!("({a} div {b})")
    }

    fn remove_matches(&self, text: &str, pattern: &str) -> String {
        format!(
            "regexp_replace({text}, {}, '')",
            self.string(&format!("(?s){pattern}"))
        )
    }

    fn position(&self, text: &str, part: &str) -> String {
        format!("instr({text}, {part})")
    }

    fn is_host_name(&self, host: &str) -> String {
        format!(
            "({host} RLIKE {})",
            self.string("^[\\p{IsAlphabetic}\\p{N}.-]+$")
        )
    }

    // `to_json` takes only structs, maps and arrays: the one-element
    // array's brackets are cut off.
    fn json_text(&self, value: &str) -> String {
        let array = format!("to_json(array({value}))");
        format!("substr({array}, 2, length({array}) - 2)")
    }

    // `collect_list` skips NULLs and `array_sort` orders the structs by
    // their first field.
    fn ordered_join(&self, condition: &str, value: &str, order: &str) -> String {
        format!(
            "array_join(transform(array_sort(collect_list(CASE WHEN {condition} THEN named_struct('k', {order}, 'v', {value}) END)), x -> x.v), ',')"
        )
    }

    fn column_types(&self) -> [&'static str; 5] {
        [
            "STRING",
            "DOUBLE (any numeric type)",
            "BOOLEAN",
            "TIMESTAMP (DATE and TIMESTAMP_NTZ are read in the session time zone)",
            "ARRAY<STRING>",
        ]
    }
}
