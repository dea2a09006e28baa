//! Syntax: model text to an AST with spans. pest stays inside this module;
//! its rule names are turned into words before anyone sees them.

pub mod ast;
pub mod display;
mod lower;

pub use lower::comment_start;

use pest::error::{ErrorVariant, InputLocation};
use pest::Parser;

use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span};

pub(crate) mod grammar {
    #[derive(pest_derive::Parser)]
    #[grammar = "../grammar/leadscore.pest"]
    pub struct ModelParser;
}

use grammar::{ModelParser, Rule as R};

/// Parses one file. After a syntax error the broken item is blanked out
/// and the rest of the file parsed again, so one run reports the syntax
/// errors of every item; a file with any syntax error yields no AST.
pub fn parse(file: FileId, text: &str) -> (Option<ast::File>, Vec<Diagnostic>) {
    const MAX_SYNTAX_ERRORS: usize = 20;
    pest::set_error_detail(true);
    if let Some(diagnostic) = too_deep(file, text) {
        return (None, vec![diagnostic]);
    }
    let mut current = text.to_string();
    let mut errors = Vec::new();
    loop {
        match ModelParser::parse(R::file, &current) {
            Ok(mut pairs) if errors.is_empty() => {
                let mut lowerer = lower::Lowerer {
                    file,
                    diagnostics: Vec::new(),
                };
                let parsed = pairs.next().map(|p| lowerer.lower_file(p));
                return (parsed, lowerer.diagnostics);
            }
            Ok(_) => return (None, errors),
            Err(error) => {
                errors.push(syntax_error(file, &current, &error));
                let position = match error.location {
                    InputLocation::Pos(p) => p,
                    InputLocation::Span((s, _)) => s,
                };
                let (start, end) = broken_item(&current, position);
                let region = current.get(start..end).unwrap_or("");
                if errors.len() >= MAX_SYNTAX_ERRORS || region.trim().is_empty() {
                    return (None, errors);
                }
                // Keep byte offsets: each character becomes as many spaces as its UTF-8 length.
                let blank: String = region
                    .chars()
                    .map(|c| {
                        if c == '\n' {
                            "\n".to_string()
                        } else {
                            " ".repeat(c.len_utf8())
                        }
                    })
                    .collect();
                current.replace_range(start..end, &blank);
            }
        }
    }
}

/// Deeper nesting than any model needs; rejected up front so that parsing
/// and checking, which recurse, stay within the stack on hostile input.
const MAX_NESTING: usize = 200;

/// More tests joined by `and`/`or` in one item than any model needs: a
/// chain is a nesting too (each join holds the rest), and checking one
/// slows down with its square.
const MAX_JOINS: usize = 1000;

/// Whether an `and` or `or` word starts at byte `i`.
fn join_at(text: &str, i: usize) -> bool {
    let before = text.get(..i).and_then(|t| t.chars().last());
    let word_start = before.is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
    let rest = text.get(i..).unwrap_or_default();
    word_start
        && ["and", "or"].iter().any(|w| {
            rest.strip_prefix(w)
                .is_some_and(|after| after.starts_with(|c: char| c.is_whitespace() || c == '('))
        })
}

fn too_deep(file: FileId, text: &str) -> Option<Diagnostic> {
    let mut depth = 0usize;
    let mut nots = 0usize;
    let mut joins = 0usize;
    let mut in_text = false;
    let mut in_comment = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if in_comment {
            in_comment = c != '\n';
            continue;
        }
        if in_text {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_text = false,
                _ => {}
            }
            continue;
        }
        if c == '\n' && text.get(i + 1..).is_some_and(starts_item) {
            joins = 0;
        } else if join_at(text, i) {
            joins += 1;
            if joins > MAX_JOINS {
                return Some(
                    Diagnostic::new(
                        Code::Syntax,
                        Span::new(file, i, i + 1),
                        format!("this condition joins more than {MAX_JOINS} tests"),
                    )
                    .label("one join too many")
                    .help("test many values at once with a list (`title in [a, b, ...]`, `list NAME from \"file.txt\"`), or split the condition into `let`s"),
                );
            }
        }
        match c {
            '"' => in_text = true,
            '#' => in_comment = true,
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        // A run of `not`s nests as deeply as brackets do.
        if text.get(i..).is_some_and(|t| t.starts_with("not ")) {
            nots += 1;
        } else if !c.is_whitespace() && !"not".contains(c) {
            nots = 0;
        }
        if depth + nots > MAX_NESTING {
            return Some(
                Diagnostic::new(
                    Code::Syntax,
                    Span::new(file, i, i + c.len_utf8()),
                    "the model nests too deeply",
                )
                .label(format!("more than {MAX_NESTING} levels deep"))
                .help("split the condition into `let`s"),
            );
        }
    }
    None
}

/// The byte range of the top-level item around a syntax error: from the
/// line that starts it to the line that starts the next item. Items are
/// recognised by a keyword at the start of an unindented line.
fn broken_item(text: &str, position: usize) -> (usize, usize) {
    let starts: Vec<usize> = line_starts(text)
        .filter(|&l| starts_item(text.get(l..).unwrap_or("")))
        .collect();
    let at_item_start = starts.iter().any(|&l| {
        text.get(l..position)
            .is_some_and(|before| before.trim().is_empty())
    });
    let mut before = starts.iter().copied().filter(|&l| l <= position);
    let start = if at_item_start {
        // The error is reported at the next item's first word: the broken
        // item is the one before it.
        let mut all: Vec<usize> = before.collect();
        all.pop();
        return match all.pop() {
            Some(previous) => (
                previous,
                starts
                    .iter()
                    .copied()
                    .find(|&l| l > previous)
                    .unwrap_or(text.len()),
            ),
            None => (
                0,
                starts
                    .iter()
                    .copied()
                    .find(|&l| l > 0)
                    .unwrap_or(text.len()),
            ),
        };
    } else {
        before.next_back().unwrap_or(0)
    };
    let end = starts
        .iter()
        .copied()
        .find(|&l| l > position)
        .unwrap_or(text.len());
    (start, end)
}

fn line_starts(text: &str) -> impl Iterator<Item = usize> + '_ {
    std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1))
}

fn starts_item(line: &str) -> bool {
    const ITEM_WORDS: &[&str] = &[
        "use",
        "lead",
        "event",
        "list",
        "let",
        "score",
        "total",
        "decay",
        "threshold",
        "label",
        "test",
        "account",
        "when",
        "each",
    ];
    ITEM_WORDS.iter().any(|w| {
        line.strip_prefix(w)
            .is_some_and(|rest| !rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_'))
    })
}

fn syntax_error(file: FileId, text: &str, error: &pest::error::Error<R>) -> Diagnostic {
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
    let found_words = if found.is_empty() {
        "the end of the file".to_string()
    } else {
        format!("`{found}`")
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
    let mut diagnostic = Diagnostic::new(Code::Syntax, span, message).label(label);
    if let Some(help) = syntax_help(text, position, &found, &expected, wants_points) {
        diagnostic = diagnostic.help(help);
    }
    diagnostic
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
        return Some(format!("a text goes in double quotes: `\"{found}\"`"));
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
        "`threshold`",
        "`label`",
        "`test`",
        "`account`",
        "`when`",
        "`each`",
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

pub const KEYWORDS: &[&str] = &[
    "account",
    "after",
    "ago",
    "and",
    "as",
    "before",
    "between",
    "contains",
    "decay",
    "disqualify",
    "each",
    "ends",
    "event",
    "events",
    "every",
    "expect",
    "fade",
    "false",
    "first",
    "from",
    "in",
    "is",
    "label",
    "last",
    "lead",
    "let",
    "list",
    "matches",
    "max",
    "min",
    "missing",
    "not",
    "of",
    "or",
    "otherwise",
    "over",
    "present",
    "rollup",
    "score",
    "separate",
    "starts",
    "test",
    "threshold",
    "total",
    "true",
    "use",
    "when",
    "where",
    "with",
    "within",
];

fn describe_rule(rule: R) -> Option<&'static str> {
    let kw = |r: R| -> Option<&'static str> {
        Some(match r {
            R::kw_account => "`account`",
            R::kw_after => "`after`",
            R::kw_ago => "`ago`",
            R::kw_and => "`and`",
            R::kw_as => "`as`",
            R::kw_before => "`before`",
            R::kw_between => "`between`",
            R::kw_contains => "`contains`",
            R::kw_decay => "`decay`",
            R::kw_disqualify => "`disqualify`",
            R::kw_each => "`each`",
            R::kw_ends => "`ends with`",
            R::kw_event => "`event`",
            R::kw_events => "`events`",
            R::kw_every => "`every`",
            R::kw_expect => "`expect`",
            R::kw_fade => "`fade over`",
            R::kw_false => "`false`",
            R::kw_first => "`first`",
            R::kw_from => "`from`",
            R::kw_in => "`in`",
            R::kw_is => "`is`",
            R::kw_label => "`label`",
            R::kw_last => "`last`",
            R::kw_lead => "`lead`",
            R::kw_let => "`let`",
            R::kw_list => "`list`",
            R::kw_matches => "`matches`",
            R::kw_max => "`max`",
            R::kw_min => "`min`",
            R::kw_missing => "`missing`",
            R::kw_not => "`not`",
            R::kw_of => "`of`",
            R::kw_or => "`or`",
            R::kw_otherwise => "`otherwise`",
            R::kw_over => "`over`",
            R::kw_present => "`present`",
            R::kw_rollup => "`rollup`",
            R::kw_score => "`score`",
            R::kw_separate => "`separate`",
            R::kw_starts => "`starts with`",
            R::kw_test => "`test`",
            R::kw_threshold => "`threshold`",
            R::kw_total => "`total`",
            R::kw_true => "`true`",
            R::kw_use => "`use`",
            R::kw_when => "`when`",
            R::kw_where => "`where`",
            R::kw_with => "`with`",
            R::kw_within => "`within`",
            _ => return None,
        })
    };
    if let Some(word) = kw(rule) {
        return Some(word);
    }
    Some(match rule {
        R::EOI => "the end of the file",
        R::ident | R::name => "a name",
        R::constant => "a value",
        R::value_set => "a value or a list",
        R::list_literal => "a list such as `[a, b]`",
        R::points => "points such as `+10`",
        R::number | R::signed_number => "a number",
        R::percent => "a percentage such as `25%`",
        R::duration => "a duration such as `30d`",
        R::date => "a date such as `2026-01-31`",
        R::instant => "an instant such as `2026-01-31T09:30:00Z`",
        R::text | R::rule_name => "a text in double quotes",
        R::compare_op | R::compare => "a comparison such as `>= 3`",
        R::predicate => "a test such as `= value`, `in [...]` or `is missing`",
        R::expr | R::conjunction | R::negation | R::test | R::operand => "a condition",
        R::type_expr | R::type_name => "a type such as `text`, `number` or `one of [...]`",
        R::ctx_one => "`one of`",
        R::field_decl => "a field such as `title: text`",
        R::prop_decl => "a property such as `page: text`",
        R::repeat => "a repeat count such as `x3`",
        R::test_time => "when it happened (`2d ago`, a date or an instant)",
        R::label_op => "a bound such as `>= 35`",
        R::label_clause | R::label_value | R::label_case => "a label value",
        R::score_name => "`score` or a group name",
        R::rollup_fn => "`sum`, `max` or `avg`",
        R::event_arg => "an event key or `where`",
        R::event_ref | R::call => "an event",
        R::within => "`within`",
        R::max_modifier => "`max`",
        R::min_modifier => "`min`",
        R::separate_modifier => "`separate`",
        R::fade_modifier => "`fade over`",
        R::decay => "`decay`",
        R::when_rule => "`when`",
        R::each_rule => "`each`",
        R::test_field => "a field value such as `title: VP`",
        R::test_event => "an event such as `visit(pricing) 2d ago`",
        R::test_as_of => "`as of`",
        R::test_lead => "`lead`",
        R::test_events => "`events`",
        R::test_expect => "`expect`",
        R::ctx_by => "`by`",
        R::ctx_top => "`top`",
        R::ctx_except => "`except`",
        R::account_key | R::account_domain_of => "a field or `domain of FIELD`",
        R::threshold => "`threshold`",
        R::label => "`label`",
        R::rollup => "`rollup`",
        R::test_event_args => "`(`",
        _ => return None,
    })
}
