//! Help for the slips of people who come from spreadsheets, documents and
//! other tools: typographic quotes and dashes, invisible spaces, numbers
//! and dates in a local style, a list without its brackets, a keyword in
//! capitals, a threshold written as a comparison, a block never closed.
//! Each is recognised from the text around a syntax error.

use crate::source::{FileId, Span};

/// What an invisible or look-alike character is, for "found ...": a
/// non-breaking space shows as nothing in a terminal.
pub(super) fn character_name(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{a0}' => "a non-breaking space (U+00A0)",
        '\u{202f}' => "a narrow non-breaking space (U+202F)",
        '\u{2007}' => "a figure space (U+2007)",
        '\u{2009}' => "a thin space (U+2009)",
        '\u{200b}' => "a zero-width space (U+200B)",
        '\u{3000}' => "an ideographic space (U+3000)",
        '\u{2013}' => "an en dash `–` (U+2013)",
        '\u{2014}' => "an em dash `—` (U+2014)",
        '\u{2212}' => "a minus sign `−` (U+2212)",
        '\u{201c}' | '\u{201d}' | '\u{201e}' => "a curly double quote",
        '\u{2018}' | '\u{2019}' => "a curly single quote",
        '\u{ab}' | '\u{bb}' => "a guillemet",
        _ if c.is_whitespace() => "a space character other than an ordinary space",
        _ if c.is_control() => "a control character",
        _ => return None,
    })
}

/// Help for the slips this module knows, from the token found at the
/// error, the text before it on its line and the text after it.
pub(super) fn slip_help(before: &str, found: &str, after: &str) -> Option<String> {
    let line = before.rsplit('\n').next().unwrap_or(before);
    let first = found.chars().next()?;
    if matches!(
        first,
        '\u{201c}' | '\u{201d}' | '\u{201e}' | '\u{ab}' | '\u{bb}'
    ) {
        let inner: String = after
            .chars()
            .take_while(|c| !matches!(c, '\u{201c}' | '\u{201d}' | '\u{bb}' | '\n'))
            .collect();
        return Some(format!(
            "this is a curly quote, as a word processor writes it; text goes in straight double quotes: `\"{inner}\"`"
        ));
    }
    if matches!(first, '\u{2018}' | '\u{2019}') {
        return Some(
            "this is a curly quote; text goes in straight double quotes (`\"`)".to_string(),
        );
    }
    if matches!(first, '\u{2013}' | '\u{2014}' | '\u{2212}') {
        let digits: String = after
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let example = if digits.is_empty() {
            "10".to_string()
        } else {
            digits
        };
        return Some(format!(
            "this is a dash, not a minus sign: write negative points with the hyphen-minus key, `-{example}`"
        ));
    }
    if first.is_whitespace() || first == '\u{200b}' {
        return Some(
            "replace this invisible character with an ordinary space (it often comes with text copied from a web page or a document)"
                .to_string(),
        );
    }
    if found == "," {
        let before_digits = line.ends_with(|c: char| c.is_ascii_digit());
        let group: String = after.chars().take_while(char::is_ascii_digit).collect();
        if before_digits && group.len() == 3 {
            let whole = trailing_digits(line);
            return Some(format!(
                "numbers have no thousands separator: write `{whole}{group}`"
            ));
        }
        if let Some(list) = unbracketed_list(line, after) {
            return Some(list);
        }
    }
    if found == "/" {
        return slashed_date(line, after);
    }
    if found == "!" {
        return Some(
            "write `not` for a negation (`when not enterprise +5`); `!=` is \"is not equal to\""
                .to_string(),
        );
    }
    if found.chars().any(char::is_uppercase) {
        let lower = found.to_lowercase();
        if super::KEYWORDS.contains(&lower.as_str()) && line.trim().is_empty() {
            return Some(format!("keywords are written in lower case: `{lower}`"));
        }
    }
    if line.trim_start().starts_with("threshold") && ["<", ">", "<=", ">=", "="].contains(&found) {
        let name = line.trim_start().trim_start_matches("threshold").trim();
        let number: String = after
            .trim_start()
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let number = if number.is_empty() {
            "60".to_string()
        } else {
            number
        };
        let named = if name.is_empty() {
            String::new()
        } else {
            format!(" {name}")
        };
        return Some(format!(
            "a threshold names the lowest score that passes: `threshold{named} {number}`; for a condition write `threshold{named} when score {found} {number}`"
        ));
    }
    None
}

/// `in VP, CXO`: the values after `in` want brackets.
fn unbracketed_list(line: &str, after: &str) -> Option<String> {
    let (subject, first) = line.rsplit_once(" in ")?;
    if first.trim().is_empty() || first.contains('[') {
        return None;
    }
    let field = subject.split_whitespace().last().unwrap_or("field");
    let rest: Vec<&str> = after
        .split(',')
        .map(str::trim)
        .take_while(|v| !v.is_empty())
        .collect();
    let mut values = vec![first.trim().to_string()];
    let mut tail = "";
    for v in rest {
        // The last value is followed by the points: `CXO +20`.
        match v.split_once(char::is_whitespace) {
            Some((value, points)) => {
                values.push(value.to_string());
                tail = points.lines().next().unwrap_or("");
                break;
            }
            None => values.push(v.to_string()),
        }
    }
    let tail = if tail.is_empty() {
        String::new()
    } else {
        format!(" {}", tail.trim())
    };
    Some(format!(
        "a list of values goes in square brackets: `{field} in [{}]{tail}`",
        values.join(", ")
    ))
}

/// The digits that end `line` (`1` of `employees >= 1`).
fn trailing_digits(line: &str) -> &str {
    let start = line.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    line.get(start..).unwrap_or("")
}

/// `01/01/2025`: dates are written year-month-day.
fn slashed_date(line: &str, after: &str) -> Option<String> {
    let head = trailing_digits(line);
    if head.is_empty() {
        return None;
    }
    let rest: String = after
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '/')
        .collect();
    let parts: Vec<&str> = std::iter::once(head).chain(rest.split('/')).collect();
    let example = match parts.as_slice() {
        [a, b, year] if year.len() == 4 && a == b => format!("`{year}-{a:0>2}-{b:0>2}`"),
        [_, _, year] if year.len() == 4 => format!("`{year}-MM-DD`"),
        _ => "`2025-01-31`".to_string(),
    };
    Some(format!(
        "a date is written year-month-day, as {example}; a slash is no part of a date"
    ))
}

/// The innermost `{` still open at `position`, skipping texts and
/// comments: for an error at the end of the file or at an item that cannot
/// be in a block, the block that was never closed.
pub(super) fn unclosed_brace(text: &str, position: usize) -> Option<usize> {
    let mut open = Vec::new();
    for (i, c) in super::code_chars(text.get(..position)?) {
        match c {
            '{' => open.push(i),
            '}' => {
                open.pop();
            }
            _ => {}
        }
    }
    open.pop()
}

/// The header of the block a `{` opens (`score fit max 50`), for naming it.
pub(super) fn block_header(text: &str, brace: usize) -> String {
    let line_start = text
        .get(..brace)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    text.get(line_start..brace).unwrap_or("").trim().to_string()
}

/// The span of the `{` at `brace`.
pub(super) fn brace_span(file: FileId, brace: usize) -> Span {
    Span::new(file, brace, brace + 1)
}
