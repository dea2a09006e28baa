//! How single tokens are written: numbers, points, text literals, words
//! and operators. Everything that prints model text (the AST printer, the
//! plan's printer, messages, reports) writes its tokens through these, so
//! a number or a text reads back the same wherever it was printed.

use std::fmt::Write;

use crate::syntax::ast::{BoundOp, CompareOp};
use crate::syntax::KEYWORDS;

/// A number as a model would write it: no fraction for whole numbers.
pub fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// Points: always with a sign.
pub fn points(n: f64) -> String {
    if n == 0.0 && n.is_sign_negative() {
        // `number` writes -0 as `0`, which would lose the sign points need.
        "-0".to_string()
    } else if n < 0.0 {
        number(n)
    } else {
        format!("+{}", number(n))
    }
}

/// A text literal with the escapes needed to read it back.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:X}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A word as written: bare when it is an identifier that is not a keyword.
pub fn word_or_quoted(text: &str) -> String {
    let mut chars = text.chars();
    let is_ident = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if is_ident && !KEYWORDS.contains(&text) {
        text.to_string()
    } else {
        quote(text)
    }
}

pub fn compare_op(op: CompareOp) -> &'static str {
    match op {
        CompareOp::Eq => "=",
        CompareOp::Ne => "!=",
        CompareOp::Lt => "<",
        CompareOp::Le => "<=",
        CompareOp::Gt => ">",
        CompareOp::Ge => ">=",
    }
}

pub fn bound_op(op: BoundOp) -> &'static str {
    match op {
        BoundOp::Ge => ">=",
        BoundOp::Gt => ">",
        BoundOp::Le => "<=",
        BoundOp::Lt => "<",
    }
}
