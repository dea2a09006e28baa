//! W004 `condition-never-true`: tests joined by `and` that no lead can pass
//! together, or one test that no lead passes. Each chain is lowered again
//! and tried on sample values: the constants, a value between and beyond
//! them, and missing.

use super::walk::{condition_sites, lower_quietly, Owner, Site};
use crate::check::names::Scope;
use crate::check::Checker;
use crate::check::Symbol;
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::plan::{AggKind, Cond, Output, Plan, Pred, TextOp, Value, ValueType};
use crate::syntax::ast::{Expr, Item, Operand, Spanned, Test};
use crate::time::Instant;

/// Tests joined by `and`, gathered through parentheses: `a and (b and c)`.
struct Chain<'e> {
    leaves: Vec<&'e Spanned<Expr>>,
    /// Whether the chain is the whole condition, not a part of an `or`
    /// or a `not`.
    whole: bool,
}

/// One test of a value, as the checker lowered it.
struct Constraint<'c> {
    value: Value,
    negated: bool,
    check: Check<'c>,
}

#[derive(Clone, Copy)]
enum Check<'c> {
    Pred(&'c Pred),
    /// A bool value on its own.
    True,
}

/// A value to try the constraints on.
enum Sample {
    Missing,
    /// Some value, of no particular kind.
    Present,
    Number(f64),
    Ordinal(usize),
    Text(String),
    Date(Instant),
    Bool(bool),
}

pub(super) fn report_never_true(checker: &mut Checker<'_>, items: &[Item]) {
    for site in condition_sites(checker, items) {
        let mut chains = Vec::new();
        and_chains(site.expr, true, &mut chains);
        for chain in chains {
            check_chain(checker, site, &chain);
        }
    }
}

fn and_chains<'e>(expr: &'e Spanned<Expr>, whole: bool, out: &mut Vec<Chain<'e>>) {
    let mut leaves = Vec::new();
    conjuncts(expr, &mut leaves);
    for leaf in &leaves {
        nested_chains(leaf, out);
    }
    out.push(Chain { leaves, whole });
}

fn conjuncts<'e>(expr: &'e Spanned<Expr>, leaves: &mut Vec<&'e Spanned<Expr>>) {
    match &expr.node {
        Expr::And(a, b) => {
            conjuncts(a, leaves);
            conjuncts(b, leaves);
        }
        Expr::Test(Test {
            operand:
                Spanned {
                    node: Operand::Paren(inner),
                    ..
                },
            within,
            predicate: None,
        }) if within.is_empty() => conjuncts(inner, leaves),
        _ => leaves.push(expr),
    }
}

/// The chains inside one leaf: the sides of an `or`, what a `not`
/// negates.
fn nested_chains<'e>(leaf: &'e Spanned<Expr>, out: &mut Vec<Chain<'e>>) {
    match &leaf.node {
        Expr::Or(a, b) => {
            and_chains(a, false, out);
            and_chains(b, false, out);
        }
        Expr::Not(inner) => and_chains(inner, false, out),
        Expr::Test(test) => {
            if let Operand::Paren(inner) = &test.operand.node {
                and_chains(inner, false, out);
            }
        }
        Expr::And(..) => {}
    }
}

fn check_chain(checker: &mut Checker<'_>, site: Site<'_>, chain: &Chain<'_>) {
    // A leaf with errors (already reported) leaves nothing to decide.
    let Some(conds) = chain
        .leaves
        .iter()
        .map(|leaf| lower_quietly(checker, leaf, &site.scope))
        .collect::<Option<Vec<Cond>>>()
    else {
        return;
    };
    let tests: Vec<Vec<Constraint>> = conds
        .iter()
        .map(|cond| {
            let mut out = Vec::new();
            constraints(cond, false, &mut out);
            out
        })
        .collect();
    let domain = Domain {
        model: &checker.model,
        scope: site.scope,
    };
    let mut found = Vec::new();
    // A leaf that is never true on its own is reported alone, unless it
    // is a let, which is reported where it is declared.
    let mut dead = vec![false; tests.len()];
    for (i, leaf_tests) in tests.iter().enumerate() {
        let refs: Vec<&Constraint> = leaf_tests.iter().collect();
        if domain.satisfiable(&refs) {
            continue;
        }
        if let (Some(flag), Some(leaf)) = (dead.get_mut(i), chain.leaves.get(i)) {
            *flag = true;
            if !is_let_use(checker, leaf, site.scope) {
                found.push(never_alone(checker, site, chain, leaf));
            }
        }
    }
    let mut values: Vec<Value> = Vec::new();
    for t in tests.iter().flatten() {
        if !values.contains(&t.value) {
            values.push(t.value);
        }
    }
    let mut reported: Vec<Vec<usize>> = Vec::new();
    for value in values {
        let involved: Vec<usize> = (0..tests.len())
            .filter(|i| !dead.get(*i).copied().unwrap_or(true))
            .filter(|i| {
                tests
                    .get(*i)
                    .is_some_and(|ts| ts.iter().any(|t| t.value == value))
            })
            .collect();
        let on = |leaves: &[usize]| -> Vec<&Constraint> {
            leaves
                .iter()
                .filter_map(|i| tests.get(*i))
                .flatten()
                .filter(|t| t.value == value)
                .collect()
        };
        if involved.len() < 2 || domain.satisfiable(&on(&involved)) {
            continue;
        }
        let pair = involved.iter().enumerate().find_map(|(k, i)| {
            involved
                .iter()
                .skip(k + 1)
                .find(|j| !domain.satisfiable(&on(&[*i, **j])))
                .map(|j| vec![*i, *j])
        });
        let culprits = pair.unwrap_or(involved);
        if !reported.contains(&culprits) {
            found.push(never_together(checker, site, chain, &culprits));
            reported.push(culprits);
        }
    }
    for d in found {
        checker.report(d);
    }
}

fn is_let_use(checker: &Checker<'_>, leaf: &Spanned<Expr>, scope: Scope) -> bool {
    let Expr::Test(test) = &leaf.node else {
        return false;
    };
    let Operand::Name(name) = &test.operand.node else {
        return false;
    };
    matches!(scope, Scope::Lead)
        && test.within.is_empty()
        && test.predicate.is_none()
        && matches!(checker.names.get(name), Some((Symbol::Let(_), _)))
}

/// What it means that the chain is never true, for the help line.
fn consequence(site: Site<'_>, chain: &Chain<'_>) -> &'static str {
    match (site.scope, chain.whole, site.owner) {
        (Scope::Where(_), _, _) => "this `where` never matches an event",
        (_, false, _) => "this part of the condition is never true",
        (_, true, Owner::Rule) => "the rule never fires",
        (_, true, Owner::Let) => "the let is never true",
        (_, true, Owner::Output) => "the condition is never true",
    }
}

fn subject(site: Site<'_>) -> &'static str {
    match site.scope {
        Scope::Where(_) => "event",
        Scope::Lead | Scope::Member => "lead",
        Scope::Account => "account",
    }
}

fn never_alone(
    checker: &Checker<'_>,
    site: Site<'_>,
    chain: &Chain<'_>,
    leaf: &Spanned<Expr>,
) -> Diagnostic {
    Diagnostic::new(
        Code::NeverTrue,
        leaf.span,
        format!("`{}` can never be true", checker.source_text(leaf.span)),
    )
    .label("never true")
    .help(format!(
        "no {} passes this test, so {}; check its bounds (`between` takes the lower bound first)",
        subject(site),
        consequence(site, chain)
    ))
}

fn never_together(
    checker: &Checker<'_>,
    site: Site<'_>,
    chain: &Chain<'_>,
    culprits: &[usize],
) -> Diagnostic {
    let leaves: Vec<&Spanned<Expr>> = culprits
        .iter()
        .filter_map(|i| chain.leaves.get(*i).copied())
        .collect();
    let shown: Vec<String> = leaves
        .iter()
        .map(|leaf| format!("`{}`", checker.source_text(leaf.span)))
        .collect();
    let span = match (leaves.first(), leaves.last()) {
        (Some(first), Some(last)) => first.span.to(last.span),
        _ => site.expr.span,
    };
    let (listed, both) = match shown.split_last() {
        Some((last, rest)) if rest.len() == 1 => {
            (format!("{} and {last}", rest.join(", ")), "both")
        }
        Some((last, rest)) => (format!("{} and {last}", rest.join(", ")), "all"),
        None => (String::new(), "all"),
    };
    Diagnostic::new(
        Code::NeverTrue,
        span,
        format!("{listed} cannot {both} be true"),
    )
    .label("never true together")
    .help(format!(
        "no {} passes all of these tests, so {}; fix the value that is wrong, or join the tests with `or` if either should do",
        subject(site),
        consequence(site, chain)
    ))
}

/// The tests a condition makes of single values when it is true (when
/// `negated`, when it is false). Tests whose outcome the lint cannot
/// work out (`contains`, `matches`, `within` a window) are left out,
/// which can only hide a contradiction, never invent one.
fn constraints<'c>(cond: &'c Cond, negated: bool, out: &mut Vec<Constraint<'c>>) {
    match cond {
        Cond::Test(value, pred) if decidable(pred) => out.push(Constraint {
            value: *value,
            negated,
            check: Check::Pred(pred),
        }),
        Cond::Truthy(value) => out.push(Constraint {
            value: *value,
            negated,
            check: Check::True,
        }),
        Cond::Not(inner) => match inner.as_ref() {
            Cond::Not(twice) => constraints(twice, negated, out),
            Cond::Test(..) | Cond::Truthy(_) => constraints(inner, !negated, out),
            _ => {}
        },
        Cond::And(items) if !negated => {
            for item in items {
                constraints(item, false, out);
            }
        }
        _ => {}
    }
}

fn decidable(pred: &Pred) -> bool {
    !matches!(
        pred,
        Pred::Text(TextOp::Contains | TextOp::StartsWith | TextOp::EndsWith, _)
            | Pred::ListHas(_)
            | Pred::Matches(_)
    )
}

/// The values of the model, to try constraints on.
struct Domain<'m> {
    model: &'m Plan,
    scope: Scope,
}

impl Domain<'_> {
    /// Whether some lead (or event) passes every constraint. Values are
    /// tried one by one: constraints on different values never conflict
    /// here, even where they would (`visits` and `visits(pricing)`).
    fn satisfiable(&self, tests: &[&Constraint]) -> bool {
        let mut values: Vec<Value> = Vec::new();
        for t in tests {
            if !values.contains(&t.value) {
                values.push(t.value);
            }
        }
        values.iter().all(|value| {
            let on: Vec<&Constraint> = tests
                .iter()
                .copied()
                .filter(|t| t.value == *value)
                .collect();
            self.samples(*value, &on).iter().any(|sample| {
                on.iter()
                    .all(|t| holds(self.model, t.check, sample) != t.negated)
            })
        })
    }

    /// Values that between them pass every combination of the
    /// constraints that any value passes: the constants themselves, a
    /// value between each two, one beyond each end, and missing.
    fn samples(&self, value: Value, on: &[&Constraint]) -> Vec<Sample> {
        let mut numbers = Vec::new();
        let mut texts = Vec::new();
        let mut dates = Vec::new();
        let mut ordinals = false;
        let mut bools = false;
        for t in on {
            match t.check {
                Check::True | Check::Pred(Pred::Bool(_)) => bools = true,
                Check::Pred(Pred::Number(_, n)) => numbers.push(*n),
                Check::Pred(Pred::NumberBetween(a, b)) => numbers.extend([*a, *b]),
                Check::Pred(Pred::NumberIn(ns)) => numbers.extend(ns.iter().copied()),
                Check::Pred(Pred::Ordinal(..) | Pred::OrdinalBetween(..) | Pred::OrdinalIn(_)) => {
                    ordinals = true
                }
                Check::Pred(Pred::Text(_, set)) => {
                    texts.extend(self.model.text_sets[*set].iter().cloned())
                }
                Check::Pred(Pred::Date { low, high }) => {
                    dates.extend(low.iter().chain(high).map(|b| b.at))
                }
                Check::Pred(_) => {}
            }
        }
        let mut out = vec![Sample::Present];
        if self.can_be_missing(value) {
            out.push(Sample::Missing);
        }
        if !numbers.is_empty() {
            let found = if self.is_count(value) {
                count_samples(&numbers)
            } else {
                real_samples(numbers)
            };
            out.extend(found.into_iter().map(Sample::Number));
        }
        if ordinals {
            let size = self.ordinal_size(value).unwrap_or(0);
            out.extend((0..size).map(Sample::Ordinal));
        }
        if !texts.is_empty() {
            // A text equal to none of the constants.
            out.push(Sample::Text("\u{0}".to_string()));
            out.extend(texts.into_iter().map(Sample::Text));
        }
        out.extend(date_samples(dates).into_iter().map(Sample::Date));
        if bools {
            out.extend([Sample::Bool(true), Sample::Bool(false)]);
        }
        out
    }

    fn aggregate(&self, value: Value) -> Option<AggKind> {
        match value {
            Value::Aggregate(a) => self.model.aggregates.get(a).map(|a| a.kind),
            _ => None,
        }
    }

    fn is_count(&self, value: Value) -> bool {
        self.aggregate(value) == Some(AggKind::Count)
    }

    fn can_be_missing(&self, value: Value) -> bool {
        match value {
            Value::Field(_) | Value::Prop(_) => true,
            Value::Aggregate(_) => matches!(
                self.aggregate(value),
                Some(AggKind::Latest | AggKind::Earliest)
            ),
            Value::Output(o) => matches!(self.model.outputs.get(o), Some(Output::Label { .. })),
            Value::Score | Value::Group(_) | Value::Disqualified | Value::Members(_) => false,
        }
    }

    /// How many values an enum field or property, or a label, has.
    fn ordinal_size(&self, value: Value) -> Option<usize> {
        let enum_size = |ty: ValueType| match ty {
            ValueType::Enum(e) => self.model.enums.get(e).map(Vec::len),
            _ => None,
        };
        match (value, self.scope) {
            (Value::Field(id), _) => self.model.fields.get(id).and_then(|f| enum_size(f.ty)),
            (Value::Prop(i), Scope::Where(event)) => self
                .model
                .events
                .get(event)
                .and_then(|e| e.props.get(i))
                .and_then(|p| enum_size(p.ty)),
            (Value::Output(o), _) => match self.model.outputs.get(o) {
                Some(Output::Label { values, .. }) => Some(values.len()),
                _ => None,
            },
            _ => None,
        }
    }
}

fn real_samples(mut constants: Vec<f64>) -> Vec<f64> {
    constants.retain(|c| c.is_finite());
    constants.sort_by(f64::total_cmp);
    constants.dedup();
    let mut out = constants.clone();
    for pair in constants.windows(2) {
        if let [a, b] = pair {
            out.push(a + (b - a) / 2.0);
        }
    }
    if let (Some(first), Some(last)) = (constants.first(), constants.last()) {
        out.extend([first - 1.0, last + 1.0]);
    }
    out
}

/// Event counts are whole and never negative: the smallest count at or
/// above each constant stands for all the counts up to the next one.
fn count_samples(constants: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0];
    for c in constants.iter().filter(|c| c.is_finite()) {
        let floor = c.floor();
        out.extend([floor, floor + 1.0]);
    }
    out.retain(|n| *n >= 0.0);
    out
}

fn date_samples(mut bounds: Vec<Instant>) -> Vec<Instant> {
    bounds.sort();
    bounds.dedup();
    let mut out = bounds.clone();
    for pair in bounds.windows(2) {
        if let [a, b] = pair {
            out.extend(a.checked_add_signed((*b - *a) / 2));
        }
    }
    let day = chrono::TimeDelta::days(1);
    if let (Some(first), Some(last)) = (bounds.first(), bounds.last()) {
        out.extend(first.checked_sub_signed(day));
        out.extend(last.checked_add_signed(day));
    }
    out
}

/// Whether a sample passes a test, as evaluation would decide: every
/// positive test is false on a missing value.
fn holds(model: &Plan, check: Check<'_>, sample: &Sample) -> bool {
    let pred = match check {
        Check::True => return matches!(sample, Sample::Bool(true)),
        Check::Pred(pred) => pred,
    };
    match (pred, sample) {
        (Pred::Missing, s) => matches!(s, Sample::Missing),
        (Pred::Present, s) => !matches!(s, Sample::Missing),
        (Pred::Text(TextOp::Equals, set), Sample::Text(t)) => model.text_sets[*set].contains(t),
        (Pred::Number(order, n), Sample::Number(x)) => order.holds(*x, *n),
        (Pred::NumberBetween(a, b), Sample::Number(x)) => a <= x && x <= b,
        (Pred::NumberIn(values), Sample::Number(x)) => values.contains(x),
        (Pred::Ordinal(order, i), Sample::Ordinal(x)) => order.holds(*x, *i),
        (Pred::OrdinalBetween(a, b), Sample::Ordinal(x)) => a <= x && x <= b,
        (Pred::OrdinalIn(values), Sample::Ordinal(x)) => values.contains(x),
        (Pred::Date { low, high }, Sample::Date(t)) => {
            low.is_none_or(|b| if b.inclusive { *t >= b.at } else { *t > b.at })
                && high.is_none_or(|b| if b.inclusive { *t <= b.at } else { *t < b.at })
        }
        (Pred::Bool(b), Sample::Bool(x)) => b == x,
        _ => false,
    }
}
