//! What differs from one SQL engine to the next, behind one trait: the
//! query builder writes every stage through it and never names an engine.
//! Each method returns an expression; arguments are expressions already
//! written in the same dialect. The defaults are what most engines accept;
//! a dialect overrides where its engine reads the same text differently
//! (see `SQL-PITFALLS.md`, whose "fix" lines these follow).

use super::regex::Refusal;

/// The code points Rust's `str::trim` removes (Unicode `White_Space`), as
/// ranges; every dialect's trim is built from this one list.
pub const WHITE_SPACE: &[(u32, u32)] = &[
    (0x09, 0x0D),
    (0x20, 0x20),
    (0x85, 0x85),
    (0xA0, 0xA0),
    (0x1680, 0x1680),
    (0x2000, 0x200A),
    (0x2028, 0x2029),
    (0x202F, 0x202F),
    (0x205F, 0x205F),
    (0x3000, 0x3000),
];

/// The white-space class in the notation RE2 and Java share: the ASCII
/// controls tab to carriage return, U+0085 and the separators (`\pZ`),
/// which together are exactly `White_Space`.
pub fn white_space_class() -> String {
    "[\\x{9}-\\x{D}\\x{85}\\pZ]".to_string()
}

/// Simple case folding as one fixed mapping: every code point whose fold
/// (`crate::text::fold_char`) is another, in `from`, and that fold at the
/// same place in `to`. `translate(text, from, to)` is then the fold on any
/// engine: its `lower()` is not used, so neither its Unicode tables nor its
/// full or special mappings (`İ`, a final `Σ`, Cherokee) enter.
pub struct FoldMapping {
    pub from: String,
    pub to: String,
}

/// The fold mapping, built once from `crate::text::fold_char` over every
/// code point.
pub fn fold_mapping() -> &'static FoldMapping {
    static MAPPING: std::sync::OnceLock<FoldMapping> = std::sync::OnceLock::new();
    MAPPING.get_or_init(|| {
        let mut from = String::new();
        let mut to = String::new();
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let folded = crate::text::fold_char(c);
            if folded != c {
                from.push(c);
                to.push(folded);
            }
        }
        FoldMapping { from, to }
    })
}

/// A regex class of the code points `lower()` cannot be trusted to fold:
/// those whose simple lowercase mapping is not their fold (`µ`, `İ`, `ſ`,
/// final `ς`, Cherokee, ...), and every other cased code point outside
/// Latin, Greek and Cyrillic (up to U+052F) and Latin Extended Additional
/// and Greek Extended (U+1E00 to U+1FFF), since an engine's Unicode tables
/// may predate a letter that ours case-map (U+1C89, added in Unicode 16,
/// is one DuckDB 2.0.1 does not lower). Uncased text (CJK, Arabic, digits)
/// is outside the class. The engine suite checks every code point.
pub fn lower_is_not_fold_class() -> &'static str {
    static CLASS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    CLASS.get_or_init(|| {
        let trusted = |c: char| matches!(u32::from(c), 0..=0x52F | 0x1E00..=0x1FFF);
        let differs = |c: char| {
            let lower = crate::text::simple_lower(c);
            let fold = crate::text::fold_char(c);
            lower != fold || (!trusted(c) && (lower != c || fold != c))
        };
        let mut ranges: Vec<(char, char)> = Vec::new();
        for c in (0..=0x10FFFFu32)
            .filter_map(char::from_u32)
            .filter(|c| differs(*c))
        {
            match ranges.last_mut() {
                Some((_, end)) if u32::from(*end) + 1 == u32::from(c) => *end = c,
                _ => ranges.push((c, c)),
            }
        }
        let mut class = String::from("[");
        for (start, end) in ranges {
            class.push_str(&regex_code_point(start));
            if end != start {
                class.push('-');
                class.push_str(&regex_code_point(end));
            }
        }
        class.push(']');
        class
    })
}

/// The aggregate functions the event stage filters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aggregate {
    Count,
    Sum,
    Max,
    Min,
}

impl Aggregate {
    pub fn name(self) -> &'static str {
        match self {
            Aggregate::Count => "count",
            Aggregate::Sum => "sum",
            Aggregate::Max => "max",
            Aggregate::Min => "min",
        }
    }
}

/// One SQL engine's spelling of what the query needs.
pub trait Dialect {
    /// The name `--dialect` takes.
    fn name(&self) -> &'static str;

    /// What stands between a stage's name and its body: each stage reads
    /// the columns of the one before several times (a sum in its decay, a
    /// value in its rounding), and an engine that inlines every stage into
    /// the next would copy those expressions into each other, the copies
    /// multiplying from stage to stage.
    fn stage_fence(&self) -> &'static str {
        ""
    }

    /// A quoted identifier.
    fn ident(&self, name: &str) -> String {
        format!("\"{}\"", name.replace('"', "\"\""))
    }

    /// A string literal holding exactly `text`.
    fn string(&self, text: &str) -> String {
        format!("'{}'", text.replace('\'', "''"))
    }

    /// A DOUBLE literal; `digits` is Rust's shortest round-trip form.
    fn double(&self, digits: &str) -> String;

    /// A 64-bit integer literal.
    fn bigint(&self, value: i64) -> String {
        value.to_string()
    }

    /// The SQL type name of a 64-bit integer, for casts.
    fn bigint_type(&self) -> &'static str {
        "BIGINT"
    }

    /// The SQL type name of a DOUBLE, for casts.
    fn double_type(&self) -> &'static str {
        "DOUBLE"
    }

    /// The SQL type name of a string, for casts.
    fn text_type(&self) -> &'static str {
        "VARCHAR"
    }

    /// `text` without leading and trailing Unicode white space, as Rust's
    /// `trim` removes it.
    fn trim(&self, text: &str) -> String;

    /// `text` case-folded: Unicode simple case folding, code point by
    /// code point (`crate::text::fold_case`), as a fixed mapping that every
    /// engine's `translate` follows alike.
    fn fold(&self, text: &str) -> String {
        self.fold_by_mapping(text)
    }

    /// The fold as one `translate` over the whole mapping.
    fn fold_by_mapping(&self, text: &str) -> String {
        let mapping = fold_mapping();
        format!(
            "translate({text}, {}, {})",
            self.string(&mapping.from),
            self.string(&mapping.to)
        )
    }

    /// Whether the regular expression `pattern` (Rust syntax) finds a match
    /// anywhere in `text`; a refusal where this engine reads it otherwise.
    fn regex_search(&self, text: &str, pattern: &str) -> Result<String, Refusal>;

    /// Whether `text` contains `part` (both expressions).
    fn contains(&self, text: &str, part: &str) -> String;

    fn starts_with(&self, text: &str, prefix: &str) -> String;

    fn ends_with(&self, text: &str, suffix: &str) -> String;

    /// A string array column as the lead reader makes it: elements trimmed
    /// and folded, empty and NULL ones dropped; NULL when none remain.
    /// `placeholders` (string literals) are dropped too.
    fn fold_list(&self, list: &str, placeholders: &[String]) -> String;

    /// Whether a (folded, NULL-free) list holds any of `values` (string
    /// literals).
    fn list_has_any(&self, list: &str, values: &[String]) -> String;

    /// Microseconds since 1970-01-01 UTC of a DATE (midnight UTC), a
    /// TIMESTAMP (UTC) or a TIMESTAMPTZ column.
    fn epoch_micros(&self, column: &str) -> String;

    /// The engine's current instant, in microseconds since the epoch.
    fn now_micros(&self) -> String;

    /// The DATE `days` days after 1970-01-01.
    fn date_from_days(&self, days: &str) -> String;

    /// The days from 1970-01-01 to a DATE.
    fn days_from_date(&self, date: &str) -> String;

    /// A DATE plus `months` (negative: minus) calendar months, clamped to
    /// the end of the month. DATEs have no zone, so this is zone-proof.
    fn add_months(&self, date: &str, months: &str) -> String;

    /// `floor(a / b)` for non-negative 64-bit integers.
    fn int_div(&self, a: &str, b: &str) -> String {
        format!("CAST(floor({a} / {b}) AS {})", self.bigint_type())
    }

    /// `base` to the power of an integer `exponent`, as a DOUBLE.
    fn power(&self, base: &str, exponent: &str) -> String {
        format!("power({base}, {exponent})")
    }

    /// An aggregate over the rows where `condition` holds; `count` counts
    /// them (0 when none), the others give NULL when none.
    fn aggregate_where(&self, function: Aggregate, value: &str, condition: &str) -> String {
        match function {
            Aggregate::Count => format!("count(*) FILTER (WHERE {condition})"),
            _ => format!("{}({value}) FILTER (WHERE {condition})", function.name()),
        }
    }

    /// The texts `value` of the rows where `condition` holds, in the order
    /// of `order`, joined with `,`: empty text when there are none.
    fn ordered_join(&self, condition: &str, value: &str, order: &str) -> String {
        format!(
            "coalesce(string_agg(CASE WHEN {condition} THEN {value} END, ',' ORDER BY {order}), '')"
        )
    }

    /// A value (text or number) as JSON text.
    fn json_text(&self, value: &str) -> String;

    /// A value as text that sorts code point by code point, whatever the
    /// session's collation.
    fn code_point_order(&self, value: &str) -> String {
        format!("CAST({value} AS {})", self.text_type())
    }

    /// A DOUBLE written as text in a form JSON reads as the same number.
    fn number_text(&self, number: &str) -> String {
        format!("CAST({number} AS {})", self.text_type())
    }

    /// The non-NULL `parts` joined with `,` (empty text when all are NULL).
    fn join_present(&self, parts: &[String]) -> String {
        format!("concat_ws(',', {})", parts.join(", "))
    }

    /// Text concatenation.
    fn concat(&self, parts: &[String]) -> String {
        parts.join(" || ")
    }

    /// `text` with every match of `pattern` removed. The patterns are in the
    /// subset every flavour reads alike (`^`, `$`, `.*`, classes, `+`),
    /// with `.` matching any character, line breaks included.
    fn remove_matches(&self, text: &str, pattern: &str) -> String;

    /// The 1-based position of the first `part` in `text`, 0 when none.
    fn position(&self, text: &str, part: &str) -> String {
        format!("strpos({text}, {part})")
    }

    /// Whether a host name holds only letters, digits (Rust's
    /// `is_alphanumeric`), dots and hyphens.
    fn is_host_name(&self, host: &str) -> String;

    /// The SQL type of each column of the leads and events relations,
    /// for the documentation and the engine tests: text, number, bool,
    /// date, list of text.
    fn column_types(&self) -> [&'static str; 5];
}

/// The regex escape of one code point for RE2 and Java: `\x{..}`.
pub fn regex_code_point(c: char) -> String {
    format!("\\x{{{:X}}}", u32::from(c))
}

/// The test that keeps a folded list item `v`: not empty, and none of the
/// `placeholders` (string literals).
pub fn kept_item(v: &str, placeholders: &[String]) -> String {
    if placeholders.is_empty() {
        format!("{v} <> ''")
    } else {
        format!("{v} <> '' AND {v} NOT IN ({})", placeholders.join(", "))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::{fold_mapping, white_space_class, WHITE_SPACE};
    use crate::text::fold_case;

    fn all_chars() -> impl Iterator<Item = char> {
        (0..=0x10FFFFu32).filter_map(char::from_u32)
    }

    #[test]
    fn the_white_space_list_is_what_rust_trims() {
        let listed = |c: char| {
            WHITE_SPACE
                .iter()
                .any(|(low, high)| (*low..=*high).contains(&u32::from(c)))
        };
        let class = regex::Regex::new(&format!("^{}$", white_space_class())).unwrap();
        for c in all_chars() {
            assert_eq!(listed(c), c.is_whitespace(), "{c:?}");
            assert_eq!(class.is_match(&c.to_string()), c.is_whitespace(), "{c:?}");
        }
    }

    /// The mapping is the native fold of every code point, one code
    /// point for one, with no code point listed twice.
    #[test]
    fn the_fold_mapping_is_the_native_fold() {
        let mapping = fold_mapping();
        let from: Vec<char> = mapping.from.chars().collect();
        let to: Vec<char> = mapping.to.chars().collect();
        assert_eq!(from.len(), to.len());
        let map: std::collections::HashMap<char, char> =
            from.iter().copied().zip(to.iter().copied()).collect();
        assert_eq!(map.len(), from.len());
        for c in all_chars() {
            let translated = map.get(&c).copied().unwrap_or(c);
            assert_eq!(translated.to_string(), fold_case(&c.to_string()), "{c:?}");
        }
        for (text, folded) in [
            ("ΟΔΟΣ", "οδοσ"),
            ("οδος", "οδοσ"),
            ("İstanbul", "İstanbul"),
            ("STRAẞE", "straße"),
            ("\u{212A}elvin", "kelvin"),
            ("\u{13A0}\u{AB70}", "\u{13A0}\u{13A0}"),
        ] {
            let translated: String = text
                .chars()
                .map(|c| map.get(&c).copied().unwrap_or(c))
                .collect();
            assert_eq!(translated, folded, "{text}");
        }
    }
}
