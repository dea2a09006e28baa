//! The AST's `Display`: the printer in `Parens::All` for the tree and its
//! conditions (what `to_string()` on a parsed file gives, so snapshots
//! show precedence), and for the leaves that messages quote, which print
//! the same in either mode.

use std::fmt::{self, Display, Formatter};

use super::conditions::{constant, expr, predicate, value_set};
use super::items::{rollup, rule, score_name};
use super::layout::Layout;
use super::tokens::bound_op;
use super::Parens;
use crate::syntax::ast::{
    BoundOp, Constant, Expr, File, Predicate, Rollup, Rule, ScoreName, ValueSet,
};

impl Display for File {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&Layout::AST.print(&self.items))
    }
}

impl Display for Rule {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&rule(self, Parens::All))
    }
}

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&expr(self, Parens::All))
    }
}

impl Display for Predicate {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&predicate(self))
    }
}

impl Display for Constant {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&constant(self))
    }
}

impl Display for ValueSet {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&value_set(self))
    }
}

impl Display for BoundOp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(bound_op(*self))
    }
}

impl Display for ScoreName {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(score_name(self))
    }
}

impl Display for Rollup {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&rollup(self))
    }
}
