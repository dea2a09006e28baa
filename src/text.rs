//! Text as the language compares it: trimmed of surrounding whitespace and
//! compared without letter case. Every reader, the checker and every
//! backend share these two rules, so they live on the ground floor.
//!
//! "Without letter case" is Unicode simple case folding, code point by
//! code point (CaseFolding.txt, statuses C and S): one code point never
//! becomes two, so every SQL engine can follow it with a fixed mapping,
//! and it does not depend on the place of a letter in its word (a final
//! `ς` and `σ` fold alike).

use icu_casemap::CaseMapper;

/// `s.trim()`, answered at a glance for the usual value that starts and
/// ends with a visible ASCII character.
pub fn trim(s: &str) -> &str {
    let visible = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_graphic());
    if visible(s.as_bytes().first()) && visible(s.as_bytes().last()) {
        s
    } else {
        s.trim()
    }
}

/// The form text is compared in: trimmed and folded.
pub fn fold(text: &str) -> String {
    fold_case(text.trim())
}

/// The simple case fold of every code point of `text`.
pub fn fold_case(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    text.chars().map(fold_char).collect()
}

/// The simple case fold of one code point.
pub fn fold_char(c: char) -> char {
    if c.is_ascii() {
        c.to_ascii_lowercase()
    } else {
        CaseMapper::new().simple_fold(c)
    }
}

/// The simple lowercase mapping of one code point (what an engine's
/// per-character `lower()` does), for the SQL backend to know where that
/// differs from the fold.
pub fn simple_lower(c: char) -> char {
    CaseMapper::new().simple_lowercase(c)
}

/// The plural ending of a count's noun: "1 record", "2 records".
pub fn plural<N: PartialEq + From<u8>>(n: N) -> &'static str {
    if n == N::from(1) {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::{fold, fold_case};

    #[test]
    fn folding_is_simple_and_code_point_by_code_point() {
        // A final sigma folds as any sigma; a dotted capital I has no
        // simple fold; sharp s stays one letter; the Kelvin sign is a k;
        // Cherokee folds to its capitals.
        assert_eq!(fold_case("ΟΔΟΣ"), "οδοσ");
        assert_eq!(fold_case("οδος"), "οδοσ");
        assert_eq!(fold_case("İstanbul"), "İstanbul");
        assert_eq!(fold_case("STRAẞE"), "straße");
        assert_eq!(fold_case("\u{212A}elvin"), "kelvin");
        // Cherokee small letters fold to the capitals, not the other way.
        assert_eq!(fold_case("\u{AB70}\u{13F8}"), "\u{13A0}\u{13F0}");
        assert_eq!(fold_case("\u{13A0}"), "\u{13A0}");
        assert_eq!(fold("  Geschäftsführer "), "geschäftsführer");
    }
}
