//! The canonical layout of a model (`leadscore fmt`): the AST printed with
//! only the parentheses precedence needs, lines broken past 100 columns,
//! and every comment put back: comments before or inside a node go on
//! their own lines above it, a comment after a node on the same line stays
//! at the end of that line. Blank lines between entries are kept, at most
//! one at a time. The printing itself is `syntax::print`'s, so the result
//! always parses to the same model.

use crate::syntax::ast::File;
use crate::syntax::print::{Layout, Parens};

/// Lines longer than this are broken at the top-level `or`s (or `and`s).
const WIDTH: usize = 100;

/// Formats a parsed file whose source text is `text`.
pub fn format(file: &File, text: &str) -> String {
    let layout = Layout {
        parens: Parens::Needed,
        width: Some(WIDTH),
        source: Some(text),
    };
    layout.print(&file.items)
}
