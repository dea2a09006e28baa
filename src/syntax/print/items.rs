//! The one-line text of every declaration, rule, output and test entry.
//! Blocks (`lead`, `score`, `label` with cases, `test`, `account`) are
//! laid out by `layout`, which takes their headers and lines from here.

use super::conditions::{constant, event_ref, expr, list, value_set};
use super::tokens::{bound_op, number, points, quote, word_or_quoted};
use super::Parens;
use crate::syntax::ast::{
    Account, BoundOp, Decay, DecayAmount, DecayMode, EventDecl, FieldDecl, FirstBlock, Group,
    LabelClause, ListDecl, ListSource, Modifier, Otherwise, Outcome, Rollup, RollupFn, Rule,
    RuleKind, ScoreName, Spanned, TestEvent, TestEventArgs, TestTime, TestValue, Threshold,
    ThresholdCondition, TypeExpr, ValueSet,
};
use crate::time::format_duration;

pub fn type_expr(t: &TypeExpr) -> String {
    match t {
        TypeExpr::Named(n) => n.clone(),
        TypeExpr::OneOf(values) => format!("one of {}", list(values.iter().map(|c| &c.node))),
        TypeExpr::ListOf(t) => format!("list of {}", t.node),
    }
}

/// `name: type`, `as "key"` when the record key differs, and the
/// placeholders read as missing; `id as "key"` names the id's key alone.
pub fn field_decl(f: &FieldDecl) -> String {
    let mut text = f.name.node.clone();
    if let Some(ty) = &f.ty {
        text.push_str(": ");
        text.push_str(&type_expr(&ty.node));
    }
    if let Some(k) = &f.key {
        text.push_str(" as ");
        text.push_str(&quote(&k.node));
    }
    push_missing_if(&mut text, f.missing_if.as_ref());
    text
}

fn push_missing_if(text: &mut String, missing_if: Option<&Spanned<ValueSet>>) {
    if let Some(m) = missing_if {
        text.push_str(" missing if ");
        text.push_str(&value_set(&m.node));
    }
}

pub fn event_decl(e: &EventDecl) -> String {
    let mut text = format!("event {}", e.name.node);
    if !e.props.is_empty() {
        let props: Vec<String> = e
            .props
            .iter()
            .map(|p| {
                let mut text = format!("{}: {}", p.name.node, type_expr(&p.ty.node));
                push_missing_if(&mut text, p.missing_if.as_ref());
                text
            })
            .collect();
        text.push_str(&format!("({})", props.join(", ")));
    }
    text
}

pub fn list_decl(l: &ListDecl) -> String {
    match &l.source {
        ListSource::Literal(values) => {
            format!(
                "list {} = {}",
                l.name.node,
                list(values.iter().map(|c| &c.node))
            )
        }
        ListSource::File(p) => format!("list {} from {}", l.name.node, quote(&p.node)),
    }
}

pub fn modifier(m: &Modifier) -> String {
    match m {
        Modifier::Max(n) => format!("max {}", number(*n)),
        Modifier::Min(n) => format!("min {}", number(*n)),
        Modifier::Separate => "separate".to_string(),
        Modifier::Fade(d) => format!("fade over {}", format_duration(*d)),
        Modifier::Since(field) => format!("since {}", field.node),
    }
}

/// `head m1 m2 …`: a header or rule followed by its modifiers.
fn with_modifiers(head: String, modifiers: &[Spanned<Modifier>]) -> String {
    modifiers.iter().fold(head, |mut text, m| {
        text.push(' ');
        text.push_str(&modifier(&m.node));
        text
    })
}

pub fn total(modifiers: &[Spanned<Modifier>]) -> String {
    with_modifiers("total".to_string(), modifiers)
}

pub fn group_header(g: &Group) -> String {
    with_modifiers(format!("score {}", g.name.node), &g.modifiers)
}

pub fn account_header(a: &Account) -> String {
    let mut head = "account by ".to_string();
    if a.key.domain_of {
        head.push_str("domain of ");
    }
    head.push_str(&a.key.field.node);
    if let Some(e) = &a.except {
        head.push_str(" except ");
        head.push_str(&value_set(&e.node));
    }
    with_modifiers(head, &a.modifiers)
}

pub fn decay(d: &Decay) -> String {
    let amount = match d.amount {
        DecayAmount::Points(p) => number(p),
        DecayAmount::Percent(p) => format!("{}%", number(p)),
    };
    let mode = match d.mode {
        DecayMode::After => "after",
        DecayMode::Every => "every",
    };
    format!("decay {amount} {mode} {}", format_duration(d.period.node))
}

/// A rule on one line.
pub fn rule(r: &Rule, parens: Parens) -> String {
    match &r.kind {
        RuleKind::When { condition, .. } => {
            format!("when {}{}", expr(&condition.node, parens), rule_tail(r))
        }
        RuleKind::Each {
            event,
            per,
            points: p,
            modifiers,
        } => {
            let per = per
                .as_ref()
                .map_or_else(String::new, |n| format!(" per {}", number(n.node)));
            let head = format!("each {}{per} {}", event_ref(event, parens), points(p.node));
            let mut text = with_modifiers(head, modifiers);
            text.push_str(&rule_name(r));
            text
        }
    }
}

/// The name of a rule written without one, as reasons and `diff` show it:
/// the rule in the canonical layout up to its points (`when country in
/// target_countries`, `each visits(pricing)`), so that the reason does not
/// say the points twice and a reformat does not rename the rule. A
/// `disqualify` rule gives no points and keeps its whole text.
pub fn unnamed_rule_name(r: &Rule) -> String {
    match &r.kind {
        RuleKind::When {
            condition,
            outcome: Outcome::Points(_),
        } => format!("when {}", expr(&condition.node, Parens::Needed)),
        RuleKind::When { .. } => rule(r, Parens::Needed),
        RuleKind::Each { event, per, .. } => {
            let per = per
                .as_ref()
                .map_or_else(String::new, |n| format!(" per {}", number(n.node)));
            format!("each {}{per}", event_ref(event, Parens::Needed))
        }
    }
}

/// What follows a `when` rule's condition: its outcome and its name.
pub fn rule_tail(r: &Rule) -> String {
    let mut tail = match &r.kind {
        RuleKind::When {
            outcome: Outcome::Points(p),
            ..
        } => format!(" {}", points(p.node)),
        RuleKind::When {
            outcome: Outcome::Disqualify(reason),
            ..
        } => format!(" disqualify {}", quote(&reason.node)),
        RuleKind::Each { .. } => String::new(),
    };
    tail.push_str(&rule_name(r));
    tail
}

/// `first ["NAME"]`: the header of a `first` block.
pub fn first_header(b: &FirstBlock) -> String {
    match &b.name {
        Some(name) => format!("first {}", quote(&name.node)),
        None => "first".to_string(),
    }
}

/// `otherwise +P ["NAME"]`.
pub fn otherwise(o: &Otherwise) -> String {
    let mut text = format!("otherwise {}", points(o.points.node));
    if let Some(name) = &o.name {
        text.push(' ');
        text.push_str(&quote(&name.node));
    }
    text
}

fn rule_name(r: &Rule) -> String {
    r.name
        .as_ref()
        .map_or_else(String::new, |name| format!(" {}", quote(&name.node)))
}

pub fn threshold(t: &Threshold, parens: Parens) -> String {
    let mut text = "threshold".to_string();
    if let Some(n) = &t.name {
        text.push(' ');
        text.push_str(&n.node);
    }
    match &t.condition {
        ThresholdCondition::AtLeast(n) => text.push_str(&format!(" {}", number(n.node))),
        ThresholdCondition::When(e) => text.push_str(&format!(" when {}", expr(&e.node, parens))),
    }
    text
}

pub fn score_name(s: &ScoreName) -> &str {
    match s {
        ScoreName::Total(_) => "score",
        ScoreName::Group(g) => &g.node,
    }
}

pub fn rollup(r: &Rollup) -> String {
    let function = match r.function.node {
        RollupFn::Sum => "sum",
        RollupFn::Max => "max",
        RollupFn::Avg => "avg",
    };
    let mut text = format!("rollup {function} of {}", score_name(&r.score));
    if let Some(n) = &r.top {
        text.push_str(&format!(" top {}", n.node));
    }
    text
}

/// `label name from score: a >= 1, b`.
pub fn label_from(name: &str, score: &ScoreName, clauses: &[LabelClause]) -> String {
    let clauses: Vec<String> = clauses
        .iter()
        .map(|c| {
            let value = word_or_quoted(&c.value.node);
            match &c.bound {
                Some((op, n)) => bound(&value, op.node, n.node),
                None => value,
            }
        })
        .collect();
    format!(
        "label {name} from {}: {}",
        score_name(score),
        clauses.join(", ")
    )
}

/// `subject >= 50`: a label clause's bound, and the condition that a
/// clause or a threshold's bare number stands for.
pub fn bound(subject: &str, op: BoundOp, n: f64) -> String {
    format!("{subject} {} {}", bound_op(op), number(n))
}

pub fn test_value(v: &TestValue) -> String {
    match v {
        TestValue::One(c) => constant(c),
        TestValue::Many(items) => list(items.iter().map(|c| &c.node)),
    }
}

/// `visit(page: pricing) x2 1d ago`.
pub fn test_event(e: &TestEvent) -> String {
    let mut text = e.name.node.clone();
    match &e.args {
        TestEventArgs::None => {}
        TestEventArgs::Key(k) => text.push_str(&format!("({})", constant(&k.node))),
        TestEventArgs::Props(props) => {
            let props: Vec<String> = props
                .iter()
                .map(|(k, v)| format!("{}: {}", k.node, constant(&v.node)))
                .collect();
            text.push_str(&format!("({})", props.join(", ")));
        }
    }
    if let Some(r) = &e.repeat {
        text.push_str(&format!(" x{}", r.node));
    }
    match &e.time.node {
        TestTime::Ago(d) => text.push_str(&format!(" {} ago", format_duration(*d))),
        TestTime::At(c) => text.push_str(&format!(" {}", constant(c))),
    }
    text
}
