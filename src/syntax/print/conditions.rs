//! Conditions as model text: constants, predicates, event references and
//! expressions. This is the one place that decides where a condition gets
//! parentheses, for either mode of [`Parens`], so the snapshots' fully
//! parenthesised form and `fmt`'s minimal one cannot drift apart.

use chrono::SecondsFormat;

use super::tokens::{compare_op, quote};
use super::Parens;
use crate::syntax::ast::{Constant, EventArg, EventRef, Expr, Operand, Predicate, ValueSet};
use crate::time::format_duration;

pub fn constant(c: &Constant) -> String {
    match c {
        Constant::Text(t) => quote(t),
        Constant::Word(w) => w.clone(),
        Constant::Number(n) => super::tokens::number(*n),
        Constant::Date(d) => d.format("%Y-%m-%d").to_string(),
        Constant::Instant(t) => t.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        Constant::Bool(b) => b.to_string(),
    }
}

/// `[a, b, c]`.
pub fn list<'c>(items: impl IntoIterator<Item = &'c Constant>) -> String {
    let items: Vec<String> = items.into_iter().map(constant).collect();
    format!("[{}]", items.join(", "))
}

pub fn value_set(v: &ValueSet) -> String {
    match v {
        ValueSet::One(c) => constant(c),
        ValueSet::Many(items) => list(items.iter().map(|c| &c.node)),
    }
}

pub fn predicate(p: &Predicate) -> String {
    match p {
        Predicate::Compare(op, c) => format!("{} {}", compare_op(*op), constant(&c.node)),
        Predicate::In { negated, set } => {
            let not = if *negated { "not " } else { "" };
            format!("{not}in {}", value_set(&set.node))
        }
        Predicate::Contains(s) => format!("contains {}", value_set(&s.node)),
        Predicate::StartsWith(s) => format!("starts with {}", value_set(&s.node)),
        Predicate::EndsWith(s) => format!("ends with {}", value_set(&s.node)),
        Predicate::Matches(r) => format!("matches {}", quote(&r.node)),
        Predicate::Between(a, b) => {
            format!("between {} and {}", constant(&a.node), constant(&b.node))
        }
        Predicate::IsMissing => "is missing".to_string(),
        Predicate::IsPresent => "is present".to_string(),
        Predicate::Before(c) => format!("before {}", constant(&c.node)),
        Predicate::After(c) => format!("after {}", constant(&c.node)),
    }
}

/// A condition in the given mode.
pub fn expr(e: &Expr, parens: Parens) -> String {
    let mut out = String::new();
    push_expr(&mut out, e, Place::Top, parens);
    out
}

pub fn event_ref(e: &EventRef, parens: Parens) -> String {
    let mut out = String::new();
    push_event_ref(&mut out, e, parens);
    out
}

/// The operands of a top-level `or` chain (or else `and` chain), each
/// printed as it stands in the chain, the operator leading every one but
/// the first: the places where a long condition may be broken over lines.
/// In `Parens::All` the whole condition is one operand: its parentheses
/// already show the structure, and a break inside them would hide it.
pub fn top_operands(e: &Expr, parens: Parens) -> Vec<String> {
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
    if parens == Parens::All || (!or && !matches!(e, Expr::And(..))) {
        return vec![expr(e, parens)];
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
            let mut text = if i == 0 {
                String::new()
            } else {
                word.to_string()
            };
            let place = if i == 0 { left } else { right };
            push_expr(&mut text, operand, place, parens);
            text
        })
        .collect()
}

/// Where an expression stands, which decides whether `Parens::Needed`
/// puts it in parentheses: `and` binds tighter than `or`, `not` tighter
/// than both, a predicate tighter than `not`; both chains lean left.
#[derive(Clone, Copy, PartialEq)]
enum Place {
    Top,
    OrLeft,
    OrRight,
    AndLeft,
    AndRight,
    Not,
}

fn push_expr(out: &mut String, e: &Expr, place: Place, parens: Parens) {
    let all = parens == Parens::All;
    match e {
        Expr::Or(a, b) => {
            let wrap = all || !matches!(place, Place::Top | Place::OrLeft);
            wrapped(out, wrap, |out| {
                push_expr(out, &a.node, Place::OrLeft, parens);
                out.push_str(" or ");
                push_expr(out, &b.node, Place::OrRight, parens);
            });
        }
        Expr::And(a, b) => {
            let wrap = all || matches!(place, Place::AndRight | Place::Not);
            wrapped(out, wrap, |out| {
                push_expr(out, &a.node, Place::AndLeft, parens);
                out.push_str(" and ");
                push_expr(out, &b.node, Place::AndRight, parens);
            });
        }
        Expr::Not(inner) => wrapped(out, all, |out| {
            out.push_str("not ");
            push_expr(out, &inner.node, Place::Not, parens);
        }),
        Expr::Test(t) => {
            let bare = t.within.is_empty() && t.predicate.is_none();
            wrapped(out, all && !bare, |out| {
                push_operand(out, &t.operand.node, parens);
                for w in &t.within {
                    out.push_str(" within ");
                    out.push_str(&format_duration(w.node));
                }
                if let Some(p) = &t.predicate {
                    out.push(' ');
                    out.push_str(&predicate(&p.node));
                }
            });
        }
    }
}

fn wrapped(out: &mut String, wrap: bool, body: impl FnOnce(&mut String)) {
    if wrap {
        out.push('(');
    }
    body(out);
    if wrap {
        out.push(')');
    }
}

fn push_operand(out: &mut String, o: &Operand, parens: Parens) {
    match o {
        // The author's parentheses: kept in `Needed`, where they may be
        // the only ones; in `All` the inner condition brings its own.
        Operand::Paren(e) => wrapped(out, parens == Parens::Needed, |out| {
            push_expr(out, &e.node, Place::Top, parens);
        }),
        Operand::Score => out.push_str("score"),
        Operand::Name(n) => out.push_str(n),
        Operand::Call { name, arg } => {
            out.push_str(&name.node);
            wrapped(out, true, |out| push_event_arg(out, arg, parens));
        }
        Operand::Last(e) => wrapped_call(out, "last", e, parens),
        Operand::First(e) => wrapped_call(out, "first", e, parens),
    }
}

fn wrapped_call(out: &mut String, function: &str, e: &EventRef, parens: Parens) {
    out.push_str(function);
    wrapped(out, true, |out| push_event_ref(out, e, parens));
}

fn push_event_ref(out: &mut String, e: &EventRef, parens: Parens) {
    out.push_str(&e.name.node);
    if let Some(arg) = &e.arg {
        wrapped(out, true, |out| push_event_arg(out, arg, parens));
    }
    for w in &e.within {
        out.push_str(" within ");
        out.push_str(&format_duration(w.node));
    }
}

fn push_event_arg(out: &mut String, arg: &EventArg, parens: Parens) {
    match arg {
        EventArg::Key(k) => out.push_str(&value_set(&k.node)),
        EventArg::Where(e) => {
            out.push_str("where ");
            push_expr(out, &e.node, Place::Top, parens);
        }
    }
}
