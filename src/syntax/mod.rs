//! Syntax: model text to an AST with spans. pest stays inside this module;
//! its rule names are turned into words before anyone sees them.

pub mod ast;
mod lower;
pub mod print;
mod rule_words;
mod slips;
mod syntax_errors;

pub use lower::comment_start;

use pest::error::InputLocation;
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
use syntax_errors::syntax_error;

/// Parses one file. After a syntax error the broken item is blanked out
/// and the rest of the file parsed again, so one run reports the syntax
/// errors of every item; a file with any syntax error yields no AST.
pub fn parse(file: FileId, text: &str) -> (Option<ast::File>, Vec<Diagnostic>) {
    let recovered = parse_recovering(file, text);
    let failed = recovered.diagnostics.iter().any(|d| d.code == Code::Syntax);
    let ast = recovered.ast.filter(|_| !failed);
    (ast, recovered.diagnostics)
}

/// A file parsed item by item: after a syntax error, the items that did
/// parse, so that they can still be checked.
pub struct Recovered {
    /// Every item that parsed; the broken ones are left out.
    pub ast: Option<ast::File>,
    pub diagnostics: Vec<Diagnostic>,
    /// The words of the items left out: a name among them may be declared
    /// there, so a check of the rest does not call it unknown or unused.
    pub broken_words: Vec<String>,
}

/// Parses one file as [`parse`] does, keeping the items that parsed
/// around the broken ones.
pub fn parse_recovering(file: FileId, text: &str) -> Recovered {
    const MAX_SYNTAX_ERRORS: usize = 20;
    if let Some(diagnostic) = too_deep(file, text) {
        return Recovered {
            ast: None,
            diagnostics: vec![diagnostic],
            broken_words: Vec::new(),
        };
    }
    let mut current = text.to_string();
    let mut errors = Vec::new();
    let mut broken_words: Vec<String> = Vec::new();
    loop {
        match parse_file(&current) {
            Ok(mut pairs) => {
                let mut lowerer = lower::Lowerer {
                    file,
                    diagnostics: Vec::new(),
                };
                let parsed = pairs.next().map(|p| lowerer.lower_file(p));
                errors.extend(lowerer.diagnostics);
                return Recovered {
                    ast: parsed,
                    diagnostics: errors,
                    broken_words,
                };
            }
            Err(error) => {
                let diagnostic = syntax_error(file, &current, &error);
                // A block never closed is reported at its `{` each time the
                // parse stops for want of its `}`: once is enough.
                if !errors.iter().any(|e: &Diagnostic| {
                    e.span == diagnostic.span && e.message == diagnostic.message
                }) {
                    errors.push(diagnostic);
                }
                let position = match error.location {
                    InputLocation::Pos(p) => p,
                    InputLocation::Span((s, _)) => s,
                };
                let item = broken_item(&current, position);
                let region = current.get(item.0..item.1).unwrap_or("");
                if errors.len() >= MAX_SYNTAX_ERRORS || region.trim().is_empty() {
                    return Recovered {
                        ast: None,
                        diagnostics: errors,
                        broken_words,
                    };
                }
                // Inside a block (a group, a `first` block, the account
                // block, a test), only the broken entry is blanked when the
                // parse then gets past it: the item parses, or stops at a
                // later entry of it (another error of its own, reported
                // next) or elsewhere; so the group and its other rules are
                // kept. A parse that stops where it did, or at the item's
                // end (a block left open), blanks the whole item.
                let entry = broken_entry(&current, position, item).filter(|&entry| {
                    let mut trial = current.clone();
                    blank_out(&mut trial, entry);
                    match parse_file(&trial) {
                        Ok(_) => true,
                        Err(again) => {
                            let at = match again.location {
                                InputLocation::Pos(p) => p,
                                InputLocation::Span((s, _)) => s,
                            };
                            let later = at >= entry.1 && at < item.1 && at != position;
                            later || !(item.0..=item.1).contains(&at)
                        }
                    }
                });
                let (start, end) = entry.unwrap_or(item);
                broken_words.extend(
                    current
                        .get(start..end)
                        .unwrap_or("")
                        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .filter(|w| !w.is_empty())
                        .map(str::to_string),
                );
                blank_out(&mut current, (start, end));
            }
        }
    }
}

/// Replaces `text[start..end]` by spaces, keeping byte offsets (each
/// character becomes as many spaces as its UTF-8 length) and line breaks.
fn blank_out(text: &mut String, (start, end): (usize, usize)) {
    let blank: String = text
        .get(start..end)
        .unwrap_or("")
        .chars()
        .map(|c| {
            if c == '\n' {
                "\n".to_string()
            } else {
                " ".repeat(c.len_utf8())
            }
        })
        .collect();
    if text.get(start..end).is_some() {
        text.replace_range(start..end, &blank);
    }
}

/// The byte range of the entry of a block item (`item`, from
/// [`broken_item`]) around a syntax error: from the line that starts the
/// entry (a rule, a decay, a `first` block's rule or `otherwise`, a rollup,
/// a threshold or label of the account, an `expect`, a field) to the line
/// that starts the next entry or closes a block. When the error is at the
/// first word of a line, the entry before that line is the broken one (a
/// rule without points is noticed at the next rule). `None` when the
/// error is on the item's first line, or the range would leave a bracket
/// unmatched.
fn broken_entry(text: &str, position: usize, item: (usize, usize)) -> Option<(usize, usize)> {
    let inside: Vec<usize> = line_starts(text)
        .filter(|&l| l > item.0 && l < item.1)
        .collect();
    let boundary = |l: &usize| {
        let line = text.get(*l..).unwrap_or("").trim_start();
        line.starts_with('}') || starts_entry(line)
    };
    let line = inside.iter().copied().rfind(|&l| l <= position)?;
    let at_line_start = text.get(line..position)?.trim().is_empty();
    let (start, end) = if at_line_start {
        let start = inside.iter().copied().rfind(|l| *l < line && boundary(l))?;
        (start, line)
    } else {
        let start = inside
            .iter()
            .copied()
            .rfind(|l| *l <= line && boundary(l))?;
        let end = inside
            .iter()
            .copied()
            .find(|l| *l > line && boundary(l))
            .unwrap_or(item.1);
        (start, end)
    };
    let region = text.get(start..end)?;
    if !starts_entry(region.trim_start()) {
        return None;
    }
    let mut depth = 0i64;
    for (_, c) in code_chars(region) {
        match c {
            '{' | '(' | '[' => depth += 1,
            '}' | ')' | ']' => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            return None;
        }
    }
    (depth == 0).then_some((start, end))
}

/// Whether a line (without its indent) starts an entry of a block.
fn starts_entry(line: &str) -> bool {
    const ENTRY_WORDS: &[&str] = &[
        "when",
        "each",
        "decay",
        "first",
        "otherwise",
        "rollup",
        "threshold",
        "label",
        "expect",
    ];
    let word_end = line
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(line.len());
    let (word, rest) = line.split_at(word_end);
    !word.is_empty()
        && (ENTRY_WORDS.contains(&word)
            // A field of `lead { ... }` or a test's lead: `name: ...`.
            || rest.trim_start().starts_with(':'))
}

/// Parses a whole file. pest can note every token it tried, for the
/// "expected ..." of a syntax error, which costs most of the time of a
/// parse that succeeds (a model of 10 000 rules: 1.8 G instructions with
/// the notes, far fewer without): so a file is parsed without them, and
/// again with them only when it has an error, which then reads as before.
/// pest keeps the switch in a global; the parses that need the notes hold
/// a lock while it is on, and a parse that finds it on merely runs slower.
#[allow(clippy::result_large_err)]
fn parse_file(text: &str) -> Result<pest::iterators::Pairs<'_, R>, pest::error::Error<R>> {
    static DETAIL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    match ModelParser::parse(R::file, text) {
        Ok(pairs) => Ok(pairs),
        Err(_) => {
            let _detail = DETAIL.lock().unwrap_or_else(|e| e.into_inner());
            pest::set_error_detail(true);
            let result = ModelParser::parse(R::file, text);
            pest::set_error_detail(false);
            result
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

/// The characters of `text` outside its quoted texts and comments, with
/// their byte offsets (the quotes, the `#` and the newline that ends a
/// comment are left out too).
pub(crate) fn code_chars(text: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let (mut in_text, mut in_comment, mut escaped) = (false, false, false);
    text.char_indices().filter(move |&(_, c)| {
        if in_comment {
            in_comment = c != '\n';
            return false;
        }
        if in_text {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_text = false,
                _ => {}
            }
            return false;
        }
        match c {
            '"' => {
                in_text = true;
                false
            }
            '#' => {
                in_comment = true;
                false
            }
            _ => true,
        }
    })
}

fn too_deep(file: FileId, text: &str) -> Option<Diagnostic> {
    let mut depth = 0usize;
    let mut nots = 0usize;
    let mut joins = 0usize;
    for (i, c) in code_chars(text) {
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

pub(crate) fn starts_item(line: &str) -> bool {
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
