//! Conditions as SQL boolean expressions that are never NULL: a positive
//! test on a missing value is `coalesce(P, false)`, so `NOT` is the exact
//! negation the language asks for (`f != v` holds on a missing `f`).
//!
//! This is the one module that reads the plan's conditions, predicates
//! and values.

use super::input::{raw_name, shape, Shape};
use super::Compiler;
use crate::codes::Code;
use crate::plan::{Cond, DateBound, EventId, Order, OutputId, Pred, TextOp, Value};

/// Where a condition is evaluated, which decides what its values name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// A lead's row: fields, aggregates, and (for thresholds, labels and
    /// member tests) its scores and outputs.
    Lead,
    /// An event's row, inside an aggregate's filter.
    Event(EventId),
    /// An account's row: its score, member counts and own outputs.
    Account,
}

/// The thresholds and labels a condition reads, by index.
pub fn outputs_read(cond: &Cond) -> Vec<OutputId> {
    let mut out = Vec::new();
    collect_outputs(cond, &mut out);
    out
}

fn collect_outputs(cond: &Cond, out: &mut Vec<OutputId>) {
    match cond {
        Cond::And(items) | Cond::Or(items) => {
            items.iter().for_each(|c| collect_outputs(c, out));
        }
        Cond::Not(c) => collect_outputs(c, out),
        Cond::Test(Value::Output(o), _) | Cond::Truthy(Value::Output(o)) => out.push(*o),
        Cond::Within(Value::Output(o), _) => out.push(*o),
        _ => {}
    }
}

fn order_symbol(order: Order) -> &'static str {
    match order {
        Order::Eq => "=",
        Order::Lt => "<",
        Order::Le => "<=",
        Order::Gt => ">",
        Order::Ge => ">=",
    }
}

impl Compiler<'_> {
    /// `cond` as a boolean expression that is TRUE or FALSE, never NULL.
    pub fn cond(&mut self, cond: &Cond, scope: Scope) -> String {
        match cond {
            Cond::And(items) | Cond::Or(items) => {
                let word = if matches!(cond, Cond::And(_)) {
                    " AND "
                } else {
                    " OR "
                };
                let parts: Vec<String> = items.iter().map(|c| self.cond(c, scope)).collect();
                match parts.len() {
                    0 if word == " AND " => "TRUE".to_string(),
                    0 => "FALSE".to_string(),
                    1 => parts.concat(),
                    _ => format!("({})", parts.join(word)),
                }
            }
            Cond::Not(c) => format!("NOT {}", self.cond(c, scope)),
            Cond::Truthy(Value::Disqualified) => self.disqualified(),
            Cond::Truthy(v) => format!("coalesce({}, FALSE)", self.value(v, scope, false)),
            Cond::Within(v, d) => {
                let value = self.value(v, scope, false);
                let start = self.window_start(*d);
                format!(
                    "coalesce({value} > {start} AND {value} <= {}, FALSE)",
                    self.as_of()
                )
            }
            Cond::Test(v, pred) => self.test(v, pred, scope),
        }
    }

    /// Whether the lead is disqualified (never missing).
    fn disqualified(&self) -> String {
        format!("({} IS NOT NULL)", self.id("disqualified"))
    }

    /// The column (or expression) holding a value. `raw` asks for the
    /// trimmed, unfolded text that `matches` reads.
    fn value(&self, value: &Value, scope: Scope, raw: bool) -> String {
        let name = |name: &str| {
            if raw {
                self.id(&raw_name(name))
            } else {
                self.id(name)
            }
        };
        let plan = self.plan;
        match value {
            Value::Field(f) => plan
                .fields
                .get(*f)
                .map(|f| name(&f.name))
                .unwrap_or_default(),
            Value::Prop(i) => match scope {
                Scope::Event(e) => self
                    .plan
                    .props(e)
                    .get(i.index())
                    .map(|p| name(&p.name))
                    .unwrap_or_default(),
                _ => String::new(),
            },
            Value::Aggregate(a) => self.id(&format!("agg {a}")),
            Value::Score => self.id("score"),
            Value::Group(g) => plan
                .groups
                .get(*g)
                .map(|g| self.id(&g.name))
                .unwrap_or_default(),
            Value::Output(o) => {
                let outputs = match (scope, &plan.account) {
                    (Scope::Account, Some(account)) => &account.outputs,
                    _ => &plan.outputs,
                };
                outputs
                    .get(*o)
                    .map(|o| self.id(o.name()))
                    .unwrap_or_default()
            }
            Value::Disqualified => self.disqualified(),
            Value::Members(i) => self.id(&format!("members {i}")),
        }
    }

    /// Whether a value is text that `matches` may read raw.
    fn is_text(&self, value: &Value, scope: Scope) -> bool {
        let ty = match (value, scope) {
            (Value::Field(f), _) => self.plan.fields.get(*f).map(|f| f.ty),
            (Value::Prop(i), Scope::Event(e)) => self.plan.props(e).get(i.index()).map(|p| p.ty),
            _ => None,
        };
        ty.is_some_and(|t| shape(t) == Shape::Text)
    }

    fn test(&mut self, value: &Value, pred: &Pred, scope: Scope) -> String {
        if let Value::Disqualified = value {
            // `disqualified = true` and the like: the flag is never missing.
            return match pred {
                Pred::Bool(b) if *b => self.disqualified(),
                Pred::Bool(_) => format!("NOT {}", self.disqualified()),
                Pred::Missing => "FALSE".to_string(),
                _ => "TRUE".to_string(),
            };
        }
        let v = self.value(value, scope, false);
        let positive = match pred {
            Pred::Missing => return format!("({v} IS NULL)"),
            Pred::Present => return format!("({v} IS NOT NULL)"),
            Pred::Text(op, set) => self.text_test(&v, *op, &self.plan.text_sets[*set]),
            Pred::ListHas(set) if self.plan.text_sets[*set].is_empty() => "FALSE".to_string(),
            Pred::NumberIn(values) if values.is_empty() => "FALSE".to_string(),
            Pred::OrdinalIn(values) if values.is_empty() => "FALSE".to_string(),
            Pred::ListHas(set) => {
                let literals: Vec<String> = self.plan.text_sets[*set]
                    .iter()
                    .map(|s| self.d.string(s))
                    .collect();
                self.d.list_has_any(&v, &literals)
            }
            Pred::Matches(id) => {
                let pattern = &self.plan.patterns[*id];
                let raw = if self.is_text(value, scope) {
                    self.value(value, scope, true)
                } else {
                    v.clone()
                };
                match self.d.regex_search(&raw, pattern) {
                    Ok(sql) => sql,
                    Err(refusal) => {
                        let message = format!(
                            "{} SQL cannot search for the pattern {:?} as leadscore does: {} reads differently there",
                            self.d.name(),
                            pattern,
                            refusal.construct
                        );
                        let help = refusal.instead;
                        let rule = self.span;
                        self.at(|s| s.patterns.get(*id));
                        self.refuse(Code::SqlRegex, message, help);
                        self.span = rule;
                        "FALSE".to_string()
                    }
                }
            }
            Pred::Number(order, n) => format!("{v} {} {}", order_symbol(*order), self.number(*n)),
            Pred::NumberBetween(a, b) => {
                format!("{v} >= {} AND {v} <= {}", self.number(*a), self.number(*b))
            }
            Pred::NumberIn(values) => {
                let list: Vec<String> = values.iter().map(|n| self.number(*n)).collect();
                format!("{v} IN ({})", list.join(", "))
            }
            Pred::Ordinal(order, i) => format!("{v} {} {i}", order_symbol(*order)),
            Pred::OrdinalBetween(a, b) => format!("{v} >= {a} AND {v} <= {b}"),
            Pred::OrdinalIn(values) => {
                let list: Vec<String> = values.iter().map(|i| i.to_string()).collect();
                format!("{v} IN ({})", list.join(", "))
            }
            Pred::Date { low, high } => {
                let bound = |b: &DateBound, inclusive: &str, strict: &str| {
                    let op = if b.inclusive { inclusive } else { strict };
                    format!(
                        "{v} {op} {} /* {} */",
                        self.d.bigint(b.at.timestamp_micros()),
                        b.at.to_rfc3339()
                    )
                };
                let parts: Vec<String> = low
                    .iter()
                    .map(|b| bound(b, ">=", ">"))
                    .chain(high.iter().map(|b| bound(b, "<=", "<")))
                    .collect();
                if parts.is_empty() {
                    format!("{v} IS NOT NULL")
                } else {
                    parts.join(" AND ")
                }
            }
            Pred::Bool(b) => format!("{v} = {}", if *b { "TRUE" } else { "FALSE" }),
        };
        format!("coalesce({positive}, FALSE)")
    }

    /// A folded text value against any of the folded constants.
    fn text_test(&self, v: &str, op: TextOp, values: &[String]) -> String {
        let literals: Vec<String> = values.iter().map(|s| self.d.string(s)).collect();
        if op == TextOp::Equals {
            return match literals.as_slice() {
                [] => "FALSE".to_string(),
                [one] => format!("{v} = {one}"),
                _ => format!("{v} IN ({})", literals.join(", ")),
            };
        }
        let tests: Vec<String> = literals
            .iter()
            .map(|l| match op {
                TextOp::Contains => self.d.contains(v, l),
                TextOp::StartsWith => self.d.starts_with(v, l),
                _ => self.d.ends_with(v, l),
            })
            .collect();
        match tests.len() {
            0 => "FALSE".to_string(),
            1 => tests.concat(),
            _ => format!("({})", tests.join(" OR ")),
        }
    }
}
