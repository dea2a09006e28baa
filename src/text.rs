//! Text as the language compares it: trimmed of surrounding whitespace and
//! compared without letter case. Every reader, the checker and every
//! backend share these two rules, so they live on the ground floor.

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

/// The form text is compared in: trimmed and lowercased.
pub fn fold(text: &str) -> String {
    text.trim().to_lowercase()
}
