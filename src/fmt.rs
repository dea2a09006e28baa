//! The canonical layout of a model. The formatter prints the AST (so the
//! result always parses to the same model) and puts every comment back:
//! comments before or inside a node go on their own lines above it, a
//! comment after a node on the same line stays at the end of that line.
//! Blank lines between entries are kept, at most one at a time.

use crate::source::Span;
use crate::syntax::ast::*;
use crate::syntax::display::{number, points, quote, word_or_quoted};

const INDENT: &str = "  ";
/// Lines longer than this are broken at the top-level `or`s (or `and`s).
const WIDTH: usize = 100;

/// Formats a parsed file whose source text is `text`.
pub fn format(file: &File, text: &str) -> String {
    let mut printer = Printer {
        text,
        comments: comments(text),
        next_comment: 0,
        last_pos: 0,
        out: String::new(),
        depth: 0,
    };
    for item in &file.items {
        printer.item(item);
    }
    printer.flush_comments(text.len());
    let mut out = printer.out;
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out.push('\n');
    if out.trim().is_empty() {
        return String::new();
    }
    out
}

struct Comment {
    start: usize,
    end: usize,
}

/// Every comment of the text, skipping `#` inside text literals.
fn comments(text: &str) -> Vec<Comment> {
    let mut found = Vec::new();
    let mut in_text = false;
    let mut escaped = false;
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        if in_text {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' | '\n' => in_text = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_text = true,
            '#' => {
                let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
                found.push(Comment { start: i, end });
                // Skip the rest of the comment.
                for (j, _) in chars.by_ref() {
                    if j + 1 >= end {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    found
}

struct Printer<'t> {
    text: &'t str,
    comments: Vec<Comment>,
    next_comment: usize,
    /// The source offset up to which everything has been printed.
    last_pos: usize,
    out: String,
    depth: usize,
}

impl Printer<'_> {
    fn indent(&self) -> String {
        INDENT.repeat(self.depth)
    }

    /// A blank line in the source between what was printed last and
    /// `start` is kept (one at most), except at the top of a block.
    fn blank_line_before(&mut self, start: usize) {
        let gap = self.text.get(self.last_pos..start).unwrap_or("");
        let lines: Vec<&str> = gap.split('\n').collect();
        // Only lines wholly inside the gap (not its first or last) can be blank.
        let blank = lines.len() > 2
            && lines[1..lines.len() - 1]
                .iter()
                .any(|l| l.trim().is_empty());
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
        let one_line = format!("{head}{}{tail}", expr(condition));
        if one_line.len() + self.indent().len() <= WIDTH {
            return one_line;
        }
        let parts = split_top(condition);
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

    fn comment_text(&self, c: &Comment) -> String {
        self.text
            .get(c.start..c.end)
            .unwrap_or("#")
            .trim_end()
            .to_string()
    }

    /// Prints, on their own lines, the comments that start before `before`.
    fn flush_comments(&mut self, before: usize) {
        while let Some(c) = self.comments.get(self.next_comment) {
            if c.start >= before {
                break;
            }
            let (start, end, text) = (c.start, c.end, self.comment_text(c));
            self.blank_line_before(start);
            self.line(&text);
            self.last_pos = end;
            self.next_comment += 1;
        }
    }

    /// A comment right after `end` on the same source line, if any.
    fn trailing_comment(&mut self, end: usize) -> Option<String> {
        let c = self.comments.get(self.next_comment)?;
        let between = self.text.get(end..c.start)?;
        if between.contains('\n') {
            return None;
        }
        let (text, comment_end) = (self.comment_text(c), c.end);
        self.next_comment += 1;
        self.last_pos = comment_end;
        Some(text)
    }

    /// Prints one single-line node: its leading comments, the line, and a
    /// trailing comment.
    fn node(&mut self, span: Span, text: &str) {
        self.flush_comments(span.end);
        self.blank_line_before(span.start.max(self.last_pos));
        let mut line = text.to_string();
        if let Some(comment) = self.trailing_comment(span.end) {
            line.push_str("  ");
            line.push_str(&comment);
        }
        self.line(&line);
        self.last_pos = self.last_pos.max(span.end);
    }

    /// Opens a block whose header ends at the first child (or the block's end).
    fn open(&mut self, span: Span, header: &str, first_child: usize) {
        self.flush_comments(span.start);
        self.blank_line_before(span.start);
        let mut line = format!("{header} {{");
        let header_end = self
            .text
            .get(span.start..first_child)
            .and_then(|t| t.find('{'))
            .map_or(span.start, |i| span.start + i + 1);
        if let Some(comment) = self.trailing_comment(header_end) {
            line.push_str("  ");
            line.push_str(&comment);
        }
        self.line(&line);
        self.last_pos = self.last_pos.max(header_end);
        self.depth += 1;
    }

    fn close(&mut self, span: Span) {
        // Comments before the closing brace stay inside the block.
        let close = span.end.saturating_sub(1);
        self.flush_comments(close);
        self.depth -= 1;
        let mut line = "}".to_string();
        if let Some(comment) = self.trailing_comment(span.end) {
            line.push_str("  ");
            line.push_str(&comment);
        }
        self.line(&line);
        self.last_pos = self.last_pos.max(span.end);
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Use(path) => self.node(path.span, &format!("use {}", quote(&path.node))),
            Item::Lead(fields) => {
                let first = fields
                    .node
                    .first()
                    .map_or(fields.span.end, |f| f.name.span.start);
                self.open(fields.span, "lead", first);
                for f in &fields.node {
                    let end = f.key.as_ref().map_or(f.ty.span.end, |k| k.span.end);
                    let mut text = format!("{}: {}", f.name.node, f.ty.node);
                    if let Some(k) = &f.key {
                        text.push_str(&format!(" as {}", quote(&k.node)));
                    }
                    self.node(f.name.span.to(Span::new(f.name.span.file, end, end)), &text);
                }
                self.close(fields.span);
            }
            Item::Event(e) => self.node(e.span, &Item::Event(e.clone()).to_string()),
            Item::List(l) => self.node(l.span, &Item::List(l.clone()).to_string()),
            Item::Let(l) => {
                let text =
                    self.with_condition(&format!("let {} = ", l.name.node), &l.body.node, "");
                self.node(l.span, &text);
            }
            Item::Rule(r) => self.rule(r),
            Item::Group(g) => {
                let mut header = format!("score {}", g.name.node);
                for m in &g.modifiers {
                    header.push_str(&format!(" {}", m.node));
                }
                let first = g
                    .entries
                    .first()
                    .map_or(g.span.end, |e| entry_span(e).start);
                self.open(g.span, &header, first);
                for e in &g.entries {
                    match e {
                        GroupEntry::Rule(r) => self.rule(r),
                        GroupEntry::Decay(d) => self.node(d.span, &d.node.to_string()),
                    }
                }
                self.close(g.span);
            }
            Item::Total(mods) => self.node(mods.span, &Item::Total(mods.clone()).to_string()),
            Item::Decay(d) => self.node(d.span, &d.node.to_string()),
            Item::Threshold(t) => self.node(t.span, &threshold(t)),
            Item::Label(l) => self.label(l),
            Item::Test(t) => self.test(t),
            Item::Account(a) => self.account(a),
        }
    }

    fn rule(&mut self, r: &Rule) {
        let text = match &r.kind {
            RuleKind::When { condition, outcome } => {
                let mut tail = match outcome {
                    Outcome::Points(p) => format!(" {}", points(p.node)),
                    Outcome::Disqualify(reason) => format!(" disqualify {}", quote(&reason.node)),
                };
                if let Some(name) = &r.name {
                    tail.push_str(&format!(" {}", quote(&name.node)));
                }
                self.with_condition("when ", &condition.node, &tail)
            }
            RuleKind::Each { .. } => rule(r),
        };
        self.node(r.span, &text);
    }

    fn label(&mut self, l: &Label) {
        match &l.body {
            LabelBody::From { score, clauses } => {
                let clauses: Vec<String> = clauses
                    .iter()
                    .map(|c| {
                        let mut s = word_or_quoted(&c.value.node);
                        if let Some((op, n)) = &c.bound {
                            s.push_str(&format!(" {} {}", op.node, number(n.node)));
                        }
                        s
                    })
                    .collect();
                self.node(
                    l.span,
                    &format!("label {} from {score}: {}", l.name.node, clauses.join(", ")),
                );
            }
            LabelBody::Cases(cases) => {
                let first = cases.first().map_or(l.span.end, |c| c.value.span.start);
                self.open(l.span, &format!("label {}", l.name.node), first);
                for c in cases {
                    let value = word_or_quoted(&c.value.node);
                    match &c.condition {
                        Some(e) => {
                            let text = self.with_condition(&format!("{value} when "), &e.node, "");
                            self.node(c.value.span.to(e.span), &text);
                        }
                        None => self.node(c.value.span, &format!("{value} otherwise")),
                    }
                }
                self.close(l.span);
            }
        }
    }

    fn test(&mut self, t: &TestBlock) {
        let first = t
            .entries
            .first()
            .and_then(test_entry_span)
            .map_or(t.span.end, |s| s.start);
        self.open(t.span, &format!("test {}", quote(&t.name.node)), first);
        for entry in &t.entries {
            match entry {
                TestEntry::AsOf(c) => self.node(c.span, &format!("as of {}", c.node)),
                TestEntry::Lead(fields) => {
                    let values: Vec<String> = fields
                        .iter()
                        .map(|f| {
                            let value = match &f.value.node {
                                TestValue::One(c) => c.to_string(),
                                TestValue::Many(items) => ValueSet::Many(items.clone()).to_string(),
                            };
                            format!("{}: {value}", f.name.node)
                        })
                        .collect();
                    let span = test_entry_span(entry).unwrap_or(t.span);
                    let one_line = format!("lead {{ {} }}", values.join(", "));
                    if values.is_empty() {
                        self.node(span, "lead {}");
                    } else if one_line.len() + self.indent().len() <= WIDTH {
                        self.node(span, &one_line);
                    } else {
                        self.flush_comments(span.start);
                        self.blank_line_before(span.start);
                        self.line("lead {");
                        self.depth += 1;
                        for (f, value) in fields.iter().zip(&values) {
                            self.node(f.name.span.to(f.value.span), value);
                        }
                        self.depth -= 1;
                        self.line("}");
                    }
                }
                TestEntry::Events(events) => {
                    let span = test_entry_span(entry).unwrap_or(t.span);
                    if events.is_empty() {
                        self.node(span, "events {}");
                        continue;
                    }
                    // The events block has no span of its own: its header is
                    // printed at the first event's leading position.
                    self.flush_comments(span.start);
                    self.blank_line_before(span.start);
                    self.line("events {");
                    self.depth += 1;
                    for e in events {
                        self.node(e.span, &e.to_string());
                    }
                    self.depth -= 1;
                    self.line("}");
                }
                TestEntry::Expect(e) => {
                    let text = self.with_condition("expect ", &e.node, "");
                    self.node(e.span, &text);
                }
            }
        }
        self.close(t.span);
    }

    fn account(&mut self, a: &Account) {
        let mut header = "account by ".to_string();
        if a.key.domain_of {
            header.push_str("domain of ");
        }
        header.push_str(&a.key.field.node);
        if let Some(e) = &a.except {
            header.push_str(&format!(" except {}", e.node));
        }
        for m in &a.modifiers {
            header.push_str(&format!(" {}", m.node));
        }
        let first = a
            .entries
            .first()
            .map_or(a.span.end, |e| account_entry_span(e).start);
        self.open(a.span, &header, first);
        for e in &a.entries {
            match e {
                AccountEntry::Rollup(r) => self.node(r.span, &r.to_string()),
                AccountEntry::Rule(r) => self.rule(r),
                AccountEntry::Threshold(t) => self.node(t.span, &threshold(t)),
                AccountEntry::Label(l) => self.label(l),
            }
        }
        self.close(a.span);
    }
}

fn entry_span(e: &GroupEntry) -> Span {
    match e {
        GroupEntry::Rule(r) => r.span,
        GroupEntry::Decay(d) => d.span,
    }
}

fn account_entry_span(e: &AccountEntry) -> Span {
    match e {
        AccountEntry::Rollup(r) => r.span,
        AccountEntry::Rule(r) => r.span,
        AccountEntry::Threshold(t) => t.span,
        AccountEntry::Label(l) => l.span,
    }
}

fn test_entry_span(e: &TestEntry) -> Option<Span> {
    match e {
        TestEntry::AsOf(c) => Some(c.span),
        TestEntry::Expect(x) => Some(x.span),
        TestEntry::Lead(fields) => {
            let first = fields.first()?;
            let last = fields.last()?;
            Some(first.name.span.to(last.value.span))
        }
        TestEntry::Events(events) => {
            let first = events.first()?;
            let last = events.last()?;
            Some(first.span.to(last.span))
        }
    }
}

fn rule(r: &Rule) -> String {
    let mut s = match &r.kind {
        RuleKind::When { condition, outcome } => {
            let mut s = format!("when {}", expr(&condition.node));
            match outcome {
                Outcome::Points(p) => s.push_str(&format!(" {}", points(p.node))),
                Outcome::Disqualify(reason) => {
                    s.push_str(&format!(" disqualify {}", quote(&reason.node)))
                }
            }
            s
        }
        RuleKind::Each {
            event,
            points: p,
            modifiers,
        } => {
            let mut s = format!("each {} {}", event_ref(event), points(p.node));
            for m in modifiers {
                s.push_str(&format!(" {}", m.node));
            }
            s
        }
    };
    if let Some(name) = &r.name {
        s.push_str(&format!(" {}", quote(&name.node)));
    }
    s
}

fn threshold(t: &Threshold) -> String {
    let mut s = "threshold".to_string();
    if let Some(n) = &t.name {
        s.push_str(&format!(" {}", n.node));
    }
    match &t.condition {
        ThresholdCondition::AtLeast(n) => s.push_str(&format!(" {}", number(n.node))),
        ThresholdCondition::When(e) => s.push_str(&format!(" when {}", expr(&e.node))),
    }
    s
}

fn event_ref(e: &EventRef) -> String {
    let mut s = e.name.node.clone();
    if let Some(arg) = &e.arg {
        s.push_str(&format!("({})", event_arg(arg)));
    }
    for w in &e.within {
        s.push_str(&format!(" within {}", w.node));
    }
    s
}

fn event_arg(arg: &EventArg) -> String {
    match arg {
        EventArg::Key(k) => k.node.to_string(),
        EventArg::Where(e) => format!("where {}", expr(&e.node)),
    }
}

/// The operands of a top-level `or` chain (or else `and` chain), each
/// printed as it stands in the chain.
fn split_top(e: &Expr) -> Vec<String> {
    fn chain<'e>(e: &'e Expr, or: bool, out: &mut Vec<&'e Expr>) {
        match (e, or) {
            (Expr::Or(a, b), true) | (Expr::And(a, b), false) => {
                chain(&a.node, or, out);
                out.push(&b.node);
            }
            _ => out.push(e),
        }
    }
    let or = matches!(e, Expr::Or(..));
    if !or && !matches!(e, Expr::And(..)) {
        return vec![expr(e)];
    }
    let mut operands = Vec::new();
    chain(e, or, &mut operands);
    let (left, right, word) = if or {
        (Place::OrLeft, Place::OrRight, "or ")
    } else {
        (Place::AndLeft, Place::AndRight, "and ")
    };
    operands
        .iter()
        .enumerate()
        .map(|(i, operand)| {
            if i == 0 {
                expr_in(operand, left)
            } else {
                format!("{word}{}", expr_in(operand, right))
            }
        })
        .collect()
}

/// Where an expression stands, which decides whether it needs parentheses.
#[derive(Clone, Copy, PartialEq)]
enum Place {
    Top,
    OrLeft,
    OrRight,
    AndLeft,
    AndRight,
    Not,
}

/// A condition with only the parentheses its meaning needs.
pub fn expr(e: &Expr) -> String {
    expr_in(e, Place::Top)
}

fn expr_in(e: &Expr, place: Place) -> String {
    match e {
        Expr::Or(a, b) => {
            let s = format!(
                "{} or {}",
                expr_in(&a.node, Place::OrLeft),
                expr_in(&b.node, Place::OrRight)
            );
            if matches!(place, Place::Top | Place::OrLeft) {
                s
            } else {
                format!("({s})")
            }
        }
        Expr::And(a, b) => {
            let s = format!(
                "{} and {}",
                expr_in(&a.node, Place::AndLeft),
                expr_in(&b.node, Place::AndRight)
            );
            if matches!(place, Place::AndRight | Place::Not) {
                format!("({s})")
            } else {
                s
            }
        }
        Expr::Not(inner) => format!("not {}", expr_in(&inner.node, Place::Not)),
        Expr::Test(t) => {
            let mut s = operand(&t.operand.node);
            for w in &t.within {
                s.push_str(&format!(" within {}", w.node));
            }
            if let Some(p) = &t.predicate {
                s.push_str(&format!(" {}", p.node));
            }
            s
        }
    }
}

fn operand(o: &Operand) -> String {
    match o {
        Operand::Paren(e) => format!("({})", expr(&e.node)),
        Operand::Score => "score".to_string(),
        Operand::Name(n) => n.clone(),
        Operand::Call { name, arg } => format!("{}({})", name.node, event_arg(arg)),
        Operand::Last(e) => format!("last({})", event_ref(e)),
        Operand::First(e) => format!("first({})", event_ref(e)),
    }
}
