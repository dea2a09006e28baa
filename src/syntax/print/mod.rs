//! The one printer of model text. Every use prints the AST through it and
//! picks a [`Parens`] mode: snapshots and `compile --emit ast` show every
//! parenthesis the parser implied, `leadscore fmt` and messages only the
//! ones a reader needs. Tokens (`tokens`) make conditions
//! (`conditions`), conditions make one-line items (`items`), and items
//! make a file's lines (`layout`), which keeps the author's comments and
//! blank lines (`source`) when it is given the text.

mod conditions;
mod display;
mod items;
mod layout;
mod source;
mod tokens;

pub use items::{bound, modifier, rule, unnamed_rule_name};
pub use layout::Layout;
pub use tokens::{number, points, quote};

/// Where a condition gets parentheses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parens {
    /// Around every `and`, `or`, `not` and every test with a predicate:
    /// the tree as the parser read it, so precedence shows (snapshots,
    /// `compile --emit ast`).
    All,
    /// Only where precedence needs them, and where the author wrote them
    /// around an operand: the canonical layout (`fmt`) and messages.
    Needed,
}
