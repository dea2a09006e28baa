//! Lowering: pest pairs to AST nodes, one `lower_<rule>` function per
//! grammar rule. Problems pest cannot see (bad escapes, impossible dates)
//! are collected as diagnostics while lowering continues.
//!
//! This file holds the lowerer, spans and the top-level items; the rules
//! of each part of the language are lowered in a file of their own.

mod accounts;
mod conditions;
mod declarations;
mod literals;
mod outputs;
mod rules;
mod test_blocks;

use pest::iterators::Pair;

use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span};
use crate::syntax::ast::{File, Ident, Item, LetDecl, Spanned};
use crate::syntax::grammar::Rule as R;

pub struct Lowerer {
    pub file: FileId,
    pub diagnostics: Vec<Diagnostic>,
}

type P<'i> = Pair<'i, R>;

impl Lowerer {
    /// The span of a pair without the whitespace and comments that pest's
    /// implicit skipping leaves at the end of a rule ending in `?` or `*`.
    fn span(&self, pair: &P) -> Span {
        let s = pair.as_span();
        Span::new(self.file, s.start(), s.start() + content_len(s.as_str()))
    }

    fn error(&mut self, code: Code, span: Span, message: String, label: &str, help: &str) {
        let mut d = Diagnostic::new(code, span, message).label(label);
        if !help.is_empty() {
            d = d.help(help);
        }
        self.diagnostics.push(d);
    }

    pub(super) fn lower_file(&mut self, pair: P) -> File {
        let items = pair
            .into_inner()
            .filter(|p| p.as_rule() != R::EOI)
            .filter_map(|p| self.lower_item(p))
            .collect();
        File { items }
    }

    fn lower_item(&mut self, pair: P) -> Option<Item> {
        let span = self.span(&pair);
        Some(match pair.as_rule() {
            R::use_item => {
                let text = pair.into_inner().nth(1)?;
                Item::Use(self.lower_text(text))
            }
            R::lead_decl => {
                let fields = pair
                    .into_inner()
                    .filter(|p| matches!(p.as_rule(), R::field_decl | R::id_decl))
                    .filter_map(|p| self.lower_field_decl(p))
                    .collect();
                Item::Lead(Spanned::new(fields, span))
            }
            R::event_decl => Item::Event(self.lower_event_decl(pair)?),
            R::list_decl => Item::List(self.lower_list_decl(pair)?),
            R::let_decl => {
                let mut inner = pair.into_inner().skip(1);
                let name = self.lower_ident(inner.next()?);
                let body = self.lower_expr(inner.next()?);
                Item::Let(LetDecl { name, body, span })
            }
            R::when_rule | R::each_rule => Item::Rule(self.lower_rule(pair)?),
            R::group => Item::Group(self.lower_group(pair)?),
            R::total => {
                let modifiers = pair
                    .into_inner()
                    .skip(1)
                    .filter_map(|p| self.lower_modifier(p))
                    .collect();
                Item::Total(Spanned::new(modifiers, span))
            }
            R::decay => Item::Decay(self.lower_decay(pair)?),
            R::since_item => {
                let field = pair.into_inner().find(|p| p.as_rule() == R::ident)?;
                Item::Since(Spanned::new(self.lower_ident(field), span))
            }
            R::threshold => Item::Threshold(self.lower_threshold(pair)?),
            R::label => Item::Label(self.lower_label(pair)?),
            R::test_block => Item::Test(self.lower_test_block(pair)?),
            R::account => Item::Account(self.lower_account(pair)?),
            R::first_block => Item::First(self.lower_first_block(pair)?),
            _ => return None,
        })
    }

    fn lower_ident(&mut self, pair: P) -> Ident {
        Spanned::new(pair.as_str().to_string(), self.span(&pair))
    }
}

/// The length of `text` without trailing whitespace and comments.
fn content_len(text: &str) -> usize {
    let mut end = text.trim_end().len();
    loop {
        let body = &text[..end];
        let line_start = body.rfind('\n').map_or(0, |i| i + 1);
        match comment_start(&body[line_start..]) {
            Some(hash) => end = body[..line_start + hash].trim_end().len(),
            None => return end,
        }
    }
}

/// Where a comment starts on one line, skipping `#` inside text literals.
pub fn comment_start(line: &str) -> Option<usize> {
    let mut in_text = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        if in_text {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_text = false,
                _ => {}
            }
        } else if c == '"' {
            in_text = true;
        } else if c == '#' {
            return Some(i);
        }
    }
    None
}
