//! Syntax errors in words: what pest expected, said the way a person
//! would ("a number", "`+` or `-` points"), what was found instead, and a
//! help line for the slips people make most (`==`, unquoted text, a sign
//! apart from its number, a word in the wrong place).

use pest::error::{ErrorVariant, InputLocation};

use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span};
use crate::syntax::grammar::Rule as R;
use crate::syntax::rule_words::describe_rule;
use crate::syntax::slips::{block_header, brace_span, character_name, slip_help, unclosed_brace};
use crate::syntax::KEYWORDS;

pub(super) fn syntax_error(file: FileId, text: &str, error: &pest::error::Error<R>) -> Diagnostic {
    let position = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let mut expected: Vec<String> = Vec::new();
    let mut push = |s: String| {
        if !expected.contains(&s) {
            expected.push(s);
        }
    };
    if let ErrorVariant::ParsingError { positives, .. } = &error.variant {
        for rule in positives {
            if let Some(words) = describe_rule(*rule) {
                push(words.to_string());
            }
        }
    }
    if let Some(attempts) = error.parse_attempts() {
        for token in attempts.expected_tokens() {
            let token = token.to_string();
            if !token.is_empty() && token.chars().all(|c| "{}()[],:=;".contains(c)) {
                push(format!("`{token}`"));
            }
        }
    }
    let found = found_token(text, position);
    let span = if found.is_empty() {
        // At the end of the file, point at the last thing written.
        let end = text.trim_end().len();
        let last = text
            .get(..end)
            .and_then(|t| t.chars().last())
            .map_or(0, char::len_utf8);
        Span::new(file, end - last, end)
    } else {
        Span::new(file, position, position + found.len())
    };
    let mut chars = found.chars();
    let named = match (chars.next(), chars.next()) {
        (Some(c), None) => character_name(c),
        _ => None,
    };
    let found_words = match named {
        _ if found.is_empty() => "the end of the file".to_string(),
        Some(name) => name.to_string(),
        None => format!("`{found}`"),
    };

    let wants_points = expected.iter().any(|e| e.starts_with("points"));
    let after_condition = expected.iter().any(|e| e == "`and`" || e == "`or`");
    let expected = summarise(expected);
    let message = if wants_points && after_condition {
        format!("expected points such as `+10` after the condition, found {found_words}")
    } else if expected.is_empty() {
        format!("unexpected {found_words}")
    } else {
        format!("expected {}, found {found_words}", join_or(&expected))
    };
    let label = if found.is_empty() {
        "the file ends here".to_string()
    } else if expected.is_empty() || expected.len() > 3 {
        "unexpected here".to_string()
    } else {
        format!("expected {}", join_or(&expected))
    };
    if let Some(unclosed) = unclosed_block(file, text, position, &found, &found_words, &expected) {
        return unclosed;
    }
    let mut diagnostic = Diagnostic::new(Code::Syntax, span, message).label(label);
    if let Some(help) = syntax_help(text, position, &found, &expected, wants_points) {
        diagnostic = diagnostic.help(help);
    }
    diagnostic
}

/// A block never closed: the error is where the parser gave up (the end
/// of the file, or an item that cannot stand in the block), but the slip
/// is at the `{`, so the diagnostic is put there and names the block.
fn unclosed_block(
    file: FileId,
    text: &str,
    position: usize,
    found: &str,
    found_words: &str,
    expected: &[String],
) -> Option<Diagnostic> {
    let wants_close = expected.iter().any(|e| e == "`}`");
    let line_start = text
        .get(..position)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    let at_item = text.get(line_start..position).is_some_and(str::is_empty)
        && super::starts_item(text.get(position..).unwrap_or(""));
    if !wants_close || !(found.is_empty() || at_item) {
        return None;
    }
    let brace = unclosed_brace(text, position)?;
    let header = block_header(text, brace);
    let (line, _) = line_col(text, position);
    let (open_line, _) = line_col(text, brace);
    let message = format!("the block `{header} {{` on line {open_line} is never closed");
    let help = if found.is_empty() {
        "end the block with `}` after its last line".to_string()
    } else {
        format!(
            "end the block with `}}` before line {line}, where {found_words} starts an item that cannot be inside it"
        )
    };
    Some(
        Diagnostic::new(Code::Syntax, brace_span(file, brace), message)
            .label("this `{` has no matching `}`")
            .help(help),
    )
}

/// The 1-based line and column of a byte offset.
fn line_col(text: &str, position: usize) -> (usize, usize) {
    let before = text.get(..position).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn syntax_help(
    text: &str,
    position: usize,
    found: &str,
    expected: &[String],
    wants_points: bool,
) -> Option<String> {
    let expects = |prefix: &str| expected.iter().any(|e| e.starts_with(prefix));
    let before = text.get(..position).unwrap_or("").trim_end();
    let after = text.get(position + found.len()..).unwrap_or("");
    if let Some(help) = slip_help(text.get(..position).unwrap_or(""), found, after) {
        return Some(help);
    }
    let rest_of_line = after.lines().next().unwrap_or("");
    if expects("a rule or declaration")
        && text.get(..position).unwrap_or("").ends_with('\n')
        && found.starts_with(|c: char| c.is_ascii_alphabetic())
        && !KEYWORDS.contains(&found.to_lowercase().as_str())
        && (rest_of_line.contains('=')
            || rest_of_line.contains(" in ")
            || rest_of_line.contains('>')
            || rest_of_line.contains('<'))
    {
        return Some(format!(
            "a rule starts with `when`: `when {found}{}`",
            rest_of_line.trim_end()
        ));
    }
    let is_keyword = KEYWORDS.contains(&found);
    if is_keyword && (expects("a value") || expects("a label value") || expects("an event key")) {
        return Some(format!(
            "`{found}` is a keyword; to use it as text, quote it: `\"{found}\"`"
        ));
    }
    if is_keyword && expects("a name") {
        return Some(format!("`{found}` is a reserved word and cannot be used as a name; choose another, such as `lead_{found}`"));
    }
    if found.starts_with('"') && !found[1..].contains('"') {
        return Some("this text is never closed: end it with `\"` on the same line".to_string());
    }
    let where_follows = after
        .trim_start()
        .trim_start_matches(',')
        .trim_start()
        .starts_with("where");
    if (found == "where" || where_follows)
        && (expected.iter().any(|e| e == "`)`" || e == "`where`"))
    {
        return Some("an event reference takes a key or a `where`, not both: write the key as a condition, `visits(where page = pricing and ...)`".to_string());
    }
    if let Some(help) = misplaced_help(before, found, after, expected) {
        return Some(help);
    }
    if before.ends_with("disqualify") {
        return Some(
            "a disqualification needs its reason in quotes: `disqualify \"competitor\"`"
                .to_string(),
        );
    }
    if (found == "+" || found == "-")
        && after.trim_start().starts_with(|c: char| c.is_ascii_digit())
    {
        return Some(format!(
            "write the sign right before the number: `{found}{}`",
            after
                .trim_start()
                .split(|c: char| !c.is_ascii_digit() && c != '.')
                .next()
                .unwrap_or("")
        ));
    }
    if before.ends_with("decay") && (found.starts_with('-') || found.starts_with('+')) {
        return Some(
            "a decay amount has no sign: `decay 10 every 30d` lowers the score by 10".to_string(),
        );
    }
    let bare_number = !found.is_empty()
        && found
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '_');
    if wants_points && bare_number {
        return Some(format!(
            "points always carry a sign: write `+{found}` or `-{found}`"
        ));
    }
    if found == "x" && after.trim_start().starts_with(|c: char| c.is_ascii_digit()) {
        return Some(format!(
            "a repeat count is one token: `x{}`",
            after
                .trim_start()
                .split(|c: char| !c.is_ascii_digit())
                .next()
                .unwrap_or("")
        ));
    }
    if ["<", ">", "<=", ">=", "=", "!="].contains(&found) && wants_points {
        return Some("comparisons do not chain; join two tests with `and`: `employees > 10 and employees < 500`".to_string());
    }
    if (found == "max" || found == "fade") && expects("a rule or declaration") {
        return Some(format!(
            "`{found}` belongs to `each` rules, which count every event; a `when` rule counts once"
        ));
    }
    if found == "=" && expects("a bound") {
        return Some("label bounds use `>=`, `>`, `<=` or `<`: `A >= 35`".to_string());
    }
    if found.starts_with("==") || (found == "=" && before.ends_with('=')) {
        return Some("compare with a single `=`".to_string());
    }
    if found.starts_with("&&") || found.starts_with("||") {
        return Some("write `and` / `or`".to_string());
    }
    if wants_points && found.starts_with(|c: char| c.is_alphabetic()) {
        let previous: String = before
            .chars()
            .rev()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        if !previous.is_empty() {
            return Some(format!(
                "text of several words must be quoted: `\"{previous} {found}\"`"
            ));
        }
    }
    if expected.iter().any(|e| e == "a text in double quotes")
        && found.starts_with(char::is_alphabetic)
    {
        // The words up to the next `,` or `]`: `[Financial Services, ...]`.
        let words = text
            .get(position..)
            .unwrap_or("")
            .split([',', ']', ')', '\n'])
            .next()
            .unwrap_or(found)
            .trim();
        let several = words.split_whitespace().count() > 1
            && words.split_whitespace().all(|w| {
                w.chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
            });
        let text = if several { words } else { found };
        return Some(format!("a text goes in double quotes: `\"{text}\"`"));
    }
    None
}

/// Help for a word that is well formed but in the wrong place, or a
/// value of the wrong form where a duration, a quoted text or a bound is
/// wanted.
fn misplaced_help(before: &str, found: &str, after: &str, expected: &[String]) -> Option<String> {
    let expects = |prefix: &str| expected.iter().any(|e| e.starts_with(prefix));
    let line = before.rsplit('\n').next().unwrap_or(before).trim_start();
    let next_word = after
        .trim_start()
        .split(|c: char| c.is_whitespace())
        .next()
        .unwrap_or("");
    let looks_like_duration = |word: &str| {
        let digits = word.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
        digits.len() < word.len() && !digits.is_empty() && digits.chars().all(char::is_alphabetic)
    };
    if expects("a duration") {
        let unit_follows = ["h", "d", "w", "mo", "y"].contains(&next_word);
        return Some(if unit_follows {
            format!("write the number and its unit as one word: `{found}{next_word}`")
        } else if found.contains('.') {
            "a duration is a whole number of one unit: `36h` rather than `1.5d`".to_string()
        } else {
            "a duration is a whole number glued to a unit: `12h`, `30d`, `2w`, `3mo` (months) or `1y`".to_string()
        });
    }
    if expects("a text in double quotes") && !found.starts_with('"') {
        let word = found.trim_end_matches(';');
        if line.ends_with("use") {
            return Some(format!("the file to use is quoted: `use \"{word}\"`"));
        }
        if line.ends_with("matches") {
            return Some(format!(
                "a pattern is a regular expression in quotes: `matches \"{word}\"`"
            ));
        }
    }
    if found == "within" {
        return Some("`within` goes right after the event reference or date it limits: `visits(pricing) within 30d >= 3`".to_string());
    }
    if line.starts_with("each") && ["<", ">", "<=", ">=", "=", "!="].contains(&found) {
        return Some("an `each` rule gives points for every matching event and takes no comparison: `each visits(pricing) +5 max 15`; to give points once past a count, write `when visits(pricing) >= 3 +5`".to_string());
    }
    if found == "otherwise" && line.contains(':') {
        return Some("in the short form the fallback is the bare last value (`..., cold`); `otherwise` belongs to the block form `label NAME { ... }`".to_string());
    }
    if expects("`and`") && line.contains("between") {
        let low = line.rsplit(' ').next().unwrap_or("...");
        return Some(format!(
            "`between` joins its two bounds with `and`: `between {low} and {found}`"
        ));
    }
    if (found.starts_with('+') || found.starts_with('-')) && line.contains("disqualify") {
        return Some("a `disqualify` rule gives no points: the lead is set aside whatever its score; remove the points".to_string());
    }
    if found.starts_with('"') && before.ends_with('"') {
        return Some(
            "a rule has one name: join the words into one text, `\"pricing interest\"`".to_string(),
        );
    }
    if expects("a value") && looks_like_duration(found) {
        return Some(format!("`before` and `after` take a date (`before 2026-01-01`); for a time counted back from as-of use `within`: `within {found}`, or `not ... within {found}`"));
    }
    None
}

/// Collapses the long list of item keywords pest reports at the top level.
fn summarise(expected: Vec<String>) -> Vec<String> {
    let item_words = [
        "`when`",
        "`each`",
        "`score`",
        "`lead`",
        "`event`",
        "`threshold`",
    ];
    if item_words.iter().all(|w| expected.iter().any(|e| e == w)) {
        let mut rest: Vec<String> = expected
            .into_iter()
            .filter(|e| !is_item_keyword(e))
            .collect();
        rest.insert(
            0,
            "a rule or declaration (`when`, `each`, `score`, `lead`, `event`, `list`, `let`, `threshold`, `label`, `test`, ...)"
                .to_string(),
        );
        return rest;
    }
    expected
}

fn is_item_keyword(word: &str) -> bool {
    [
        "`use`",
        "`lead`",
        "`event`",
        "`list`",
        "`let`",
        "`score`",
        "`total`",
        "`decay`",
        "`since`",
        "`threshold`",
        "`label`",
        "`test`",
        "`account`",
        "`when`",
        "`each`",
        "`first`",
        "the end of the file",
    ]
    .contains(&word)
}

fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {}", rest.join(", "), last),
    }
}

/// The token at `position`, for "found ..." in messages.
fn found_token(text: &str, position: usize) -> String {
    let rest = text.get(position..).unwrap_or("");
    let mut chars = rest.chars();
    let Some(first) = chars.next() else {
        return String::new();
    };
    if first.is_alphanumeric() || first == '_' || first == '"' || first == '+' || first == '-' {
        let mut end = first.len_utf8();
        let in_quotes = first == '"';
        for c in chars {
            let stop = if in_quotes {
                c == '"' || c == '\n'
            } else {
                // `:` belongs to a token only inside an instant (09:30).
                let colon = c == ':' && first.is_ascii_digit();
                !(c.is_alphanumeric() || c == '_' || c == '.' || c == '%' || colon)
            };
            if stop {
                if in_quotes && c == '"' {
                    end += 1;
                }
                break;
            }
            end += c.len_utf8();
        }
        return rest.get(..end.min(60)).unwrap_or("").to_string();
    }
    let two: String = rest.chars().take(2).collect();
    if ["==", "&&", "||", "!=", "<=", ">="].contains(&two.as_str()) {
        return two;
    }
    first.to_string()
}
