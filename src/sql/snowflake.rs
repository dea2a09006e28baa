//! Snowflake, written from its documentation and not run here: quoted
//! identifiers keep their case, single-quoted literals read backslash
//! escapes, `REGEXP_LIKE` is anchored so a search is `REGEXP_INSTR > 0`,
//! arrays hold VARIANTs, `COUNT_IF`/`IFF` stand for `FILTER`.

use super::dialect::{Aggregate, Dialect, WHITE_SPACE};
use super::regex::{translate, Flavor, Refusal};

pub struct Snowflake;

impl Dialect for Snowflake {
    fn name(&self) -> &'static str {
        "snowflake"
    }

    fn string(&self, text: &str) -> String {
        let mut out = String::from("'");
        for c in text.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\'' => out.push_str("''"),
                c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
                c => out.push(c),
            }
        }
        out.push('\'');
        out
    }

    fn double_type(&self) -> &'static str {
        "FLOAT"
    }

    fn double(&self, digits: &str) -> String {
        format!("CAST({digits} AS FLOAT)")
    }

    fn bigint_type(&self) -> &'static str {
        "NUMBER(38, 0)"
    }

    fn trim(&self, text: &str) -> String {
        let mut chars = String::from("'");
        for (low, high) in WHITE_SPACE {
            for c in *low..=*high {
                chars.push_str(&format!("\\u{c:04X}"));
            }
        }
        chars.push('\'');
        format!("TRIM({text}, {chars})")
    }

    fn regex_search(&self, text: &str, pattern: &str) -> Result<String, Refusal> {
        let translated = translate(
            pattern,
            Flavor::Posix {
                dot_matches_newline: false,
            },
        )?;
        let flags = if translated.case_insensitive {
            "'i'"
        } else {
            "'c'"
        };
        Ok(format!(
            "(REGEXP_INSTR({text}, {}, 1, 1, 0, {flags}) > 0)",
            self.string(&translated.pattern)
        ))
    }

    fn contains(&self, text: &str, part: &str) -> String {
        format!("CONTAINS({text}, {part})")
    }

    fn starts_with(&self, text: &str, prefix: &str) -> String {
        format!("STARTSWITH({text}, {prefix})")
    }

    fn ends_with(&self, text: &str, suffix: &str) -> String {
        format!("ENDSWITH({text}, {suffix})")
    }

    fn fold_list(&self, list: &str) -> String {
        let item = self.fold(&self.trim("v::STRING"));
        let folded = format!("FILTER(TRANSFORM({list}, v -> {item}), v -> v <> '')");
        format!("IFF(ARRAY_SIZE({folded}) > 0, {folded}, NULL)")
    }

    fn list_has_any(&self, list: &str, values: &[String]) -> String {
        format!(
            "ARRAYS_OVERLAP({list}, ARRAY_CONSTRUCT({}))",
            values.join(", ")
        )
    }

    fn epoch_micros(&self, column: &str) -> String {
        format!("DATE_PART(epoch_microsecond, {column})")
    }

    fn now_micros(&self) -> String {
        "DATE_PART(epoch_microsecond, CURRENT_TIMESTAMP())".to_string()
    }

    fn date_from_days(&self, days: &str) -> String {
        format!("DATEADD(day, {days}, '1970-01-01'::DATE)")
    }

    fn days_from_date(&self, date: &str) -> String {
        format!("DATEDIFF(day, '1970-01-01'::DATE, {date})")
    }

    fn add_months(&self, date: &str, months: &str) -> String {
        format!("DATEADD(month, {months}, {date})")
    }

    fn power(&self, base: &str, exponent: &str) -> String {
        format!("POWER({base}, {exponent})")
    }

    fn aggregate_where(&self, function: Aggregate, value: &str, condition: &str) -> String {
        match function {
            Aggregate::Count => format!("COUNT_IF({condition})"),
            _ => format!(
                "{}(IFF({condition}, {value}, NULL))",
                function.name().to_uppercase()
            ),
        }
    }

    fn number_text(&self, number: &str) -> String {
        format!("TO_VARCHAR({number})")
    }

    fn join_present(&self, parts: &[String]) -> String {
        format!(
            "ARRAY_TO_STRING(ARRAY_CONSTRUCT_COMPACT({}), ',')",
            parts.join(", ")
        )
    }

    fn remove_matches(&self, text: &str, pattern: &str) -> String {
        format!(
            "REGEXP_REPLACE({text}, {}, '', 1, 0, 's')",
            self.string(pattern)
        )
    }

    fn position(&self, text: &str, part: &str) -> String {
        format!("POSITION({part} IN {text})")
    }

    fn is_host_name(&self, host: &str) -> String {
        format!("REGEXP_LIKE({host}, '[[:alnum:].-]+')")
    }

    fn json_text(&self, value: &str) -> String {
        format!("TO_JSON(TO_VARIANT({value}))")
    }

    fn ordered_join(&self, condition: &str, value: &str, order: &str) -> String {
        format!(
            "coalesce(LISTAGG(IFF({condition}, {value}, NULL), ',') WITHIN GROUP (ORDER BY {order}), '')"
        )
    }

    fn column_types(&self) -> [&'static str; 5] {
        [
            "VARCHAR",
            "FLOAT (or NUMBER)",
            "BOOLEAN",
            "TIMESTAMP_NTZ (UTC) or TIMESTAMP_TZ",
            "ARRAY of strings",
        ]
    }
}
