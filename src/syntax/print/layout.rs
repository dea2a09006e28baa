//! A whole file as lines: which nodes are blocks, indentation, where a
//! long condition breaks, and, when the source text is at hand, the
//! author's comments and blank lines. One layout serves both uses, so
//! `compile --emit ast` and `leadscore fmt` differ only in their
//! [`Layout`] settings, never in how a block is shaped.

use super::conditions::{constant, expr, top_operands};
use super::items::{
    account_header, decay, event_decl, field_decl, first_header, group_header, label_from,
    list_decl, otherwise, rollup, rule, rule_tail, test_event, test_value, threshold, total,
};
use super::source::Source;
use super::tokens::{quote, word_or_quoted};
use super::Parens;
use crate::source::Span;
use crate::syntax::ast::{
    Account, AccountEntry, Expr, FieldDecl, FirstBlock, GroupEntry, Item, Label, LabelBody,
    LabelCase, Rule, RuleKind, Spanned, TestBlock, TestEntry,
};

const INDENT: &str = "  ";

/// How a file is laid out.
#[derive(Clone, Copy)]
pub struct Layout<'t> {
    pub parens: Parens,
    /// Lines longer than this are broken at the top-level `or`s (or
    /// `and`s) of their condition, and a test's lead over several lines;
    /// `None` never breaks.
    pub width: Option<usize>,
    /// The text the AST was parsed from, whose comments and blank lines
    /// are kept; `None` prints the AST alone.
    pub source: Option<&'t str>,
}

impl Layout<'_> {
    /// The AST as the parser understood it: fully parenthesised, one line
    /// a node, nothing of the source but the tree.
    pub const AST: Layout<'static> = Layout {
        parens: Parens::All,
        width: None,
        source: None,
    };

    /// The items as lines, each ending in a newline (nothing for none).
    pub fn print(&self, items: &[Item]) -> String {
        let mut printer = Printer {
            parens: self.parens,
            width: self.width,
            source: self.source.map(Source::new),
            last_pos: 0,
            out: String::new(),
            depth: 0,
        };
        for item in items {
            printer.item(item);
        }
        printer.flush_comments(self.source.map_or(0, str::len));
        let mut out = printer.out;
        let trimmed = out.trim_end().len();
        out.truncate(trimmed);
        out.push('\n');
        if out.trim().is_empty() {
            return String::new();
        }
        out
    }
}

struct Printer<'t> {
    parens: Parens,
    width: Option<usize>,
    source: Option<Source<'t>>,
    /// The source offset up to which everything has been printed.
    last_pos: usize,
    out: String,
    depth: usize,
}

impl Printer<'_> {
    fn indent(&self) -> String {
        INDENT.repeat(self.depth)
    }

    /// Whether `text` fits on a line at the current depth.
    fn fits(&self, text: &str) -> bool {
        self.width
            .is_none_or(|width| text.len() + self.indent().len() <= width)
    }

    /// A blank line in the source between what was printed last and
    /// `start` is kept (one at most), except at the top of a block.
    fn blank_line_before(&mut self, start: usize) {
        let blank = self
            .source
            .as_ref()
            .is_some_and(|s| s.blank_line_between(self.last_pos, start));
        let at_block_top = self.out.ends_with("{\n") || self.out.is_empty();
        if blank && !at_block_top && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    fn line(&mut self, text: &str) {
        for line in text.split('\n') {
            self.out.push_str(&self.indent());
            self.out.push_str(line);
            self.out.push('\n');
        }
    }

    /// `head COND tail`, broken over lines at the top-level `or`/`and`
    /// when it does not fit.
    fn with_condition(&self, head: &str, condition: &Expr, tail: &str) -> String {
        let one_line = format!("{head}{}{tail}", expr(condition, self.parens));
        if self.fits(&one_line) {
            return one_line;
        }
        let parts = top_operands(condition, self.parens);
        if parts.len() < 2 {
            return one_line;
        }
        let mut text = format!("{head}{}", parts[0]);
        for part in &parts[1..] {
            text.push('\n');
            text.push_str(INDENT);
            text.push_str(INDENT);
            text.push_str(part);
        }
        text.push_str(tail);
        text
    }

    /// Prints, on their own lines, the comments that start before `before`.
    fn flush_comments(&mut self, before: usize) {
        while let Some(c) = self
            .source
            .as_mut()
            .and_then(|s| s.take_comment_before(before))
        {
            self.blank_line_before(c.start);
            self.line(&c.text);
            self.last_pos = c.end;
        }
    }

    /// `line` with the comment right after `end` on the same source line,
    /// if any, at its end.
    fn with_trailing_comment(&mut self, mut line: String, end: usize) -> String {
        if let Some(c) = self.source.as_mut().and_then(|s| s.take_trailing(end)) {
            line.push_str("  ");
            line.push_str(&c.text);
            self.last_pos = c.end;
        }
        line
    }

    /// Prints one single-line node: its leading comments, the line, and a
    /// trailing comment.
    fn node(&mut self, span: Span, text: &str) {
        self.flush_comments(span.end);
        self.blank_line_before(span.start.max(self.last_pos));
        let line = self.with_trailing_comment(text.to_string(), span.end);
        self.line(&line);
        self.last_pos = self.last_pos.max(span.end);
    }

    /// Opens a block whose header ends at the first child (or the block's end).
    fn open(&mut self, span: Span, header: &str, first_child: usize) {
        self.flush_comments(span.start);
        self.blank_line_before(span.start);
        let header_end = self
            .source
            .as_ref()
            .and_then(|s| s.brace_end(span.start, first_child))
            .unwrap_or(span.start);
        // A comment written between the header and its `{` (`score g  #
        // allow(...)` with the brace on the next line) stays on the
        // header's line, where it was: inside the block it would allow
        // warnings of the first entry instead.
        let before_brace = self
            .source
            .as_mut()
            .and_then(|s| s.take_comment_before(header_end));
        let line = match before_brace {
            Some(c) => {
                self.last_pos = c.end;
                format!("{header} {{  {}", c.text)
            }
            None => self.with_trailing_comment(format!("{header} {{"), header_end),
        };
        self.line(&line);
        self.last_pos = self.last_pos.max(header_end);
        self.depth += 1;
    }

    fn close(&mut self, span: Span) {
        // Comments before the closing brace stay inside the block.
        let close = span.end.saturating_sub(1);
        self.flush_comments(close);
        self.depth -= 1;
        let line = self.with_trailing_comment("}".to_string(), span.end);
        self.line(&line);
        self.last_pos = self.last_pos.max(span.end);
    }

    /// A block without a span of its own (a test's `lead` or `events`):
    /// its header goes where its first child's leading comments end.
    fn open_unspanned(&mut self, start: usize, header: &str) {
        self.flush_comments(start);
        self.blank_line_before(start);
        self.line(&format!("{header} {{"));
        self.depth += 1;
    }

    fn close_unspanned(&mut self) {
        self.depth -= 1;
        self.line("}");
    }

    /// A block: its header, each entry printed by `entry`, the closing
    /// brace. `start` gives where an entry starts in the source, if known.
    fn block<E>(
        &mut self,
        span: Span,
        header: &str,
        entries: &[E],
        start: impl Fn(&E) -> Option<usize>,
        mut entry: impl FnMut(&mut Self, &E),
    ) {
        let first = entries.first().and_then(start).unwrap_or(span.end);
        self.open(span, header, first);
        for e in entries {
            entry(self, e);
        }
        self.close(span);
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Use(path) => self.node(path.span, &format!("use {}", quote(&path.node))),
            Item::Lead(fields) => {
                let start = |f: &FieldDecl| Some(f.name.span.start);
                self.block(fields.span, "lead", &fields.node, start, |p, f| {
                    let end = f.end();
                    let span = f.name.span.to(Span::new(f.name.span.file, end, end));
                    p.node(span, &field_decl(f));
                });
            }
            Item::Event(e) => self.node(e.span, &event_decl(e)),
            Item::List(l) => self.node(l.span, &list_decl(l)),
            Item::Let(l) => {
                let text =
                    self.with_condition(&format!("let {} = ", l.name.node), &l.body.node, "");
                self.node(l.span, &text);
            }
            Item::Rule(r) => self.rule(r),
            Item::Group(g) => {
                let start = |e: &GroupEntry| Some(group_entry_span(e).start);
                self.block(
                    g.span,
                    &group_header(g),
                    &g.entries,
                    start,
                    |p, e| match e {
                        GroupEntry::Rule(r) => p.rule(r),
                        GroupEntry::Decay(d) => p.node(d.span, &decay(&d.node)),
                        GroupEntry::First(b) => p.first(b),
                    },
                );
            }
            Item::Total(mods) => self.node(mods.span, &total(&mods.node)),
            Item::Decay(d) => self.node(d.span, &decay(&d.node)),
            Item::Since(s) => self.node(s.span, &format!("since {}", s.node.node)),
            Item::Threshold(t) => self.node(t.span, &threshold(t, self.parens)),
            Item::Label(l) => self.label(l),
            Item::Test(t) => self.test(t),
            Item::Account(a) => self.account(a),
            Item::First(b) => self.first(b),
        }
    }

    /// A `first` block: its rules in order, then its `otherwise`.
    fn first(&mut self, b: &FirstBlock) {
        let rules: Vec<Option<&Rule>> = b
            .rules
            .iter()
            .map(Some)
            .chain(b.otherwise.as_ref().map(|_| None))
            .collect();
        let start = |e: &Option<&Rule>| match e {
            Some(r) => Some(r.span.start),
            None => b.otherwise.as_ref().map(|o| o.span.start),
        };
        self.block(b.span, &first_header(b), &rules, start, |p, e| match e {
            Some(r) => p.rule(r),
            None => {
                if let Some(o) = &b.otherwise {
                    p.node(o.span, &otherwise(o));
                }
            }
        });
    }

    fn rule(&mut self, r: &Rule) {
        let text = match &r.kind {
            RuleKind::When { condition, .. } => {
                self.with_condition("when ", &condition.node, &rule_tail(r))
            }
            RuleKind::Each { .. } => rule(r, self.parens),
        };
        self.node(r.span, &text);
    }

    fn label(&mut self, l: &Label) {
        match &l.body {
            LabelBody::From { score, clauses } => {
                self.node(l.span, &label_from(&l.name.node, score, clauses));
            }
            LabelBody::Cases(cases) => {
                let header = format!("label {}", l.name.node);
                let start = |c: &LabelCase| Some(c.value.span.start);
                self.block(l.span, &header, cases, start, |p, c| {
                    let value = word_or_quoted(&c.value.node);
                    match &c.condition {
                        Some(e) => {
                            let text = p.with_condition(&format!("{value} when "), &e.node, "");
                            p.node(c.value.span.to(e.span), &text);
                        }
                        None => p.node(c.value.span, &format!("{value} otherwise")),
                    }
                });
            }
        }
    }

    fn test(&mut self, t: &TestBlock) {
        let header = format!("test {}", quote(&t.name.node));
        let start = |e: &TestEntry| test_entry_span(e).map(|s| s.start);
        self.block(t.span, &header, &t.entries, start, |p, e| {
            p.test_entry(e, t.span)
        });
    }

    fn test_entry(&mut self, entry: &TestEntry, test: Span) {
        let span = test_entry_span(entry).unwrap_or(test);
        match entry {
            TestEntry::AsOf(c) => self.node(c.span, &format!("as of {}", constant(&c.node))),
            TestEntry::Lead(name, fields) => {
                let head = named("lead", name.as_ref());
                let values: Vec<String> = fields
                    .iter()
                    .map(|f| format!("{}: {}", f.name.node, test_value(&f.value.node)))
                    .collect();
                let one_line = format!("{head} {{ {} }}", values.join(", "));
                if values.is_empty() {
                    self.node(span, &format!("{head} {{}}"));
                } else if self.fits(&one_line) {
                    self.node(span, &one_line);
                } else {
                    self.open_unspanned(span.start, &head);
                    for (f, value) in fields.iter().zip(&values) {
                        self.node(f.name.span.to(f.value.span), value);
                    }
                    self.close_unspanned();
                }
            }
            TestEntry::Events(lead, events) if events.is_empty() => {
                self.node(span, &format!("{} {{}}", named("events", lead.as_ref())))
            }
            TestEntry::Events(lead, events) => {
                self.open_unspanned(span.start, &named("events", lead.as_ref()));
                for e in events {
                    self.node(e.span, &test_event(e));
                }
                self.close_unspanned();
            }
            TestEntry::Expect(subject, e) => {
                let head = match subject {
                    Some(s) => {
                        let word = if s.account { "account" } else { "lead" };
                        format!("expect {word} {} ", quote(&s.key.node))
                    }
                    None => "expect ".to_string(),
                };
                let text = self.with_condition(&head, &e.node, "");
                let at = subject.as_ref().map_or(e.span, |s| s.span.to(e.span));
                self.node(at, &text);
            }
        }
    }

    fn account(&mut self, a: &Account) {
        let start = |e: &AccountEntry| Some(account_entry_span(e).start);
        self.block(
            a.span,
            &account_header(a),
            &a.entries,
            start,
            |p, e| match e {
                AccountEntry::Rollup(r) => p.node(r.span, &rollup(r)),
                AccountEntry::Rule(r) => p.rule(r),
                AccountEntry::First(b) => p.first(b),
                AccountEntry::Threshold(t) => p.node(t.span, &threshold(t, p.parens)),
                AccountEntry::Label(l) => p.label(l),
            },
        );
    }
}

fn group_entry_span(e: &GroupEntry) -> Span {
    match e {
        GroupEntry::Rule(r) => r.span,
        GroupEntry::Decay(d) => d.span,
        GroupEntry::First(b) => b.span,
    }
}

fn account_entry_span(e: &AccountEntry) -> Span {
    match e {
        AccountEntry::Rollup(r) => r.span,
        AccountEntry::Rule(r) => r.span,
        AccountEntry::First(b) => b.span,
        AccountEntry::Threshold(t) => t.span,
        AccountEntry::Label(l) => l.span,
    }
}

fn test_entry_span(e: &TestEntry) -> Option<Span> {
    match e {
        TestEntry::AsOf(c) => Some(c.span),
        TestEntry::Expect(subject, x) => {
            Some(subject.as_ref().map_or(x.span, |s| s.span.to(x.span)))
        }
        TestEntry::Lead(name, fields) => {
            let first = name
                .as_ref()
                .map(|n| n.span)
                .or(fields.first().map(|f| f.name.span))?;
            let last = fields.last().map_or(first, |f| f.value.span);
            Some(first.to(last))
        }
        TestEntry::Events(lead, events) => {
            let first = lead
                .as_ref()
                .map(|n| n.span)
                .or(events.first().map(|e| e.span))?;
            let last = events.last().map_or(first, |e| e.span);
            Some(first.to(last))
        }
    }
}

/// `lead` or `events`, followed by the lead's id when the test names it.
fn named(word: &str, id: Option<&Spanned<String>>) -> String {
    match id {
        Some(id) => format!("{word} {}", quote(&id.node)),
        None => word.to_string(),
    }
}
