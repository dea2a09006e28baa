//! Prints the AST back as model text with every condition fully
//! parenthesised, so snapshots show exactly how precedence was resolved.

use std::fmt::{self, Display, Formatter, Write};

use crate::syntax::ast::{
    AccountEntry, BoundOp, CompareOp, Constant, Decay, DecayAmount, DecayMode, Duration, EventArg,
    EventRef, Expr, File, GroupEntry, Item, Label, LabelBody, ListSource, Modifier, Operand,
    Outcome, Predicate, Rollup, RollupFn, Rule, RuleKind, ScoreName, TestEntry, TestEvent,
    TestEventArgs, TestTime, TestValue, Threshold, ThresholdCondition, TypeExpr, ValueSet,
};
use crate::time::format_duration;

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
    if is_ident && !super::KEYWORDS.contains(&text) {
        text.to_string()
    } else {
        quote(text)
    }
}

impl Display for Constant {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Constant::Text(t) => f.write_str(&quote(t)),
            Constant::Word(w) => f.write_str(w),
            Constant::Number(n) => f.write_str(&number(*n)),
            Constant::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            Constant::Instant(t) => write!(
                f,
                "{}",
                t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
            ),
            Constant::Bool(b) => write!(f, "{b}"),
        }
    }
}

impl Display for ValueSet {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            ValueSet::One(c) => c.fmt(f),
            ValueSet::Many(items) => list(f, items.iter().map(|c| &c.node)),
        }
    }
}

fn list<'a>(f: &mut Formatter<'_>, items: impl Iterator<Item = &'a Constant>) -> fmt::Result {
    f.write_str("[")?;
    for (i, c) in items.enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        c.fmt(f)?;
    }
    f.write_str("]")
}

impl Display for Duration {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&format_duration(*self))
    }
}

impl Display for CompareOp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CompareOp::Eq => "=",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        })
    }
}

impl Display for BoundOp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BoundOp::Ge => ">=",
            BoundOp::Gt => ">",
            BoundOp::Le => "<=",
            BoundOp::Lt => "<",
        })
    }
}

impl Display for Predicate {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Predicate::Compare(op, c) => write!(f, "{op} {}", c.node),
            Predicate::In { negated, set } => {
                write!(f, "{}in {}", if *negated { "not " } else { "" }, set.node)
            }
            Predicate::Contains(s) => write!(f, "contains {}", s.node),
            Predicate::StartsWith(s) => write!(f, "starts with {}", s.node),
            Predicate::EndsWith(s) => write!(f, "ends with {}", s.node),
            Predicate::Matches(r) => write!(f, "matches {}", quote(&r.node)),
            Predicate::Between(a, b) => write!(f, "between {} and {}", a.node, b.node),
            Predicate::IsMissing => f.write_str("is missing"),
            Predicate::IsPresent => f.write_str("is present"),
            Predicate::Before(c) => write!(f, "before {}", c.node),
            Predicate::After(c) => write!(f, "after {}", c.node),
        }
    }
}

impl Display for EventArg {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            EventArg::Key(k) => k.node.fmt(f),
            EventArg::Where(e) => write!(f, "where {}", e.node),
        }
    }
}

impl Display for EventRef {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name.node)?;
        if let Some(arg) = &self.arg {
            write!(f, "({arg})")?;
        }
        for w in &self.within {
            write!(f, " within {}", w.node)?;
        }
        Ok(())
    }
}

impl Display for Operand {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Paren(e) => e.node.fmt(f),
            Operand::Score => f.write_str("score"),
            Operand::Name(n) => f.write_str(n),
            Operand::Call { name, arg } => write!(f, "{}({arg})", name.node),
            Operand::Last(e) => write!(f, "last({e})"),
            Operand::First(e) => write!(f, "first({e})"),
        }
    }
}

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Or(a, b) => write!(f, "({} or {})", a.node, b.node),
            Expr::And(a, b) => write!(f, "({} and {})", a.node, b.node),
            Expr::Not(e) => write!(f, "(not {})", e.node),
            Expr::Test(t) => {
                let bare = t.within.is_empty() && t.predicate.is_none();
                if bare {
                    return t.operand.node.fmt(f);
                }
                write!(f, "({}", t.operand.node)?;
                for w in &t.within {
                    write!(f, " within {}", w.node)?;
                }
                if let Some(p) = &t.predicate {
                    write!(f, " {}", p.node)?;
                }
                f.write_str(")")
            }
        }
    }
}

impl Display for TypeExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            TypeExpr::Named(n) => f.write_str(n),
            TypeExpr::OneOf(values) => {
                f.write_str("one of ")?;
                list(f, values.iter().map(|c| &c.node))
            }
            TypeExpr::ListOf(t) => write!(f, "list of {}", t.node),
        }
    }
}

impl Display for Modifier {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Modifier::Max(n) => write!(f, "max {}", number(*n)),
            Modifier::Min(n) => write!(f, "min {}", number(*n)),
            Modifier::Separate => f.write_str("separate"),
            Modifier::Fade(d) => write!(f, "fade over {d}"),
        }
    }
}

impl Display for Decay {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.amount {
            DecayAmount::Points(p) => write!(f, "decay {}", number(p))?,
            DecayAmount::Percent(p) => write!(f, "decay {}%", number(p))?,
        }
        let mode = match self.mode {
            DecayMode::After => "after",
            DecayMode::Every => "every",
        };
        write!(f, " {mode} {}", self.period.node)
    }
}

impl Display for Rule {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            RuleKind::When { condition, outcome } => {
                write!(f, "when {}", condition.node)?;
                match outcome {
                    Outcome::Points(p) => write!(f, " {}", points(p.node))?,
                    Outcome::Disqualify(r) => write!(f, " disqualify {}", quote(&r.node))?,
                }
            }
            RuleKind::Each {
                event,
                points: p,
                modifiers,
            } => {
                write!(f, "each {event} {}", points(p.node))?;
                for m in modifiers {
                    write!(f, " {}", m.node)?;
                }
            }
        }
        if let Some(name) = &self.name {
            write!(f, " {}", quote(&name.node))?;
        }
        Ok(())
    }
}

impl Display for ScoreName {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            ScoreName::Total(_) => f.write_str("score"),
            ScoreName::Group(g) => f.write_str(&g.node),
        }
    }
}

impl Display for Rollup {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let function = match self.function.node {
            RollupFn::Sum => "sum",
            RollupFn::Max => "max",
            RollupFn::Avg => "avg",
        };
        write!(f, "rollup {function} of {}", self.score)?;
        if let Some(n) = &self.top {
            write!(f, " top {}", n.node)?;
        }
        Ok(())
    }
}

impl Display for Threshold {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("threshold")?;
        if let Some(n) = &self.name {
            write!(f, " {}", n.node)?;
        }
        match &self.condition {
            ThresholdCondition::AtLeast(n) => write!(f, " {}", number(n.node)),
            ThresholdCondition::When(e) => write!(f, " when {}", e.node),
        }
    }
}

impl Display for Label {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "label {}", self.name.node)?;
        match &self.body {
            LabelBody::From { score, clauses } => {
                write!(f, " from {score}: ")?;
                for (i, c) in clauses.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    f.write_str(&word_or_quoted(&c.value.node))?;
                    if let Some((op, n)) = &c.bound {
                        write!(f, " {} {}", op.node, number(n.node))?;
                    }
                }
                Ok(())
            }
            LabelBody::Cases(cases) => {
                f.write_str(" {\n")?;
                for c in cases {
                    write!(f, "  {}", word_or_quoted(&c.value.node))?;
                    match &c.condition {
                        Some(e) => writeln!(f, " when {}", e.node)?,
                        None => writeln!(f, " otherwise")?,
                    }
                }
                f.write_str("}")
            }
        }
    }
}

impl Display for TestEvent {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name.node)?;
        match &self.args {
            TestEventArgs::None => {}
            TestEventArgs::Key(k) => write!(f, "({})", k.node)?,
            TestEventArgs::Props(props) => {
                f.write_str("(")?;
                for (i, (k, v)) in props.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{}: {}", k.node, v.node)?;
                }
                f.write_str(")")?;
            }
        }
        if let Some(r) = &self.repeat {
            write!(f, " x{}", r.node)?;
        }
        match &self.time.node {
            TestTime::Ago(d) => write!(f, " {d} ago"),
            TestTime::At(c) => write!(f, " {c}"),
        }
    }
}

impl Display for Item {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Item::Use(p) => write!(f, "use {}", quote(&p.node)),
            Item::Lead(fields) => {
                f.write_str("lead {\n")?;
                for field in &fields.node {
                    write!(f, "  {}: {}", field.name.node, field.ty.node)?;
                    if let Some(k) = &field.key {
                        write!(f, " as {}", quote(&k.node))?;
                    }
                    f.write_str("\n")?;
                }
                f.write_str("}")
            }
            Item::Event(e) => {
                write!(f, "event {}", e.name.node)?;
                if !e.props.is_empty() {
                    f.write_str("(")?;
                    for (i, p) in e.props.iter().enumerate() {
                        if i > 0 {
                            f.write_str(", ")?;
                        }
                        write!(f, "{}: {}", p.name.node, p.ty.node)?;
                    }
                    f.write_str(")")?;
                }
                Ok(())
            }
            Item::List(l) => match &l.source {
                ListSource::Literal(values) => {
                    write!(f, "list {} = ", l.name.node)?;
                    list(f, values.iter().map(|c| &c.node))
                }
                ListSource::File(p) => write!(f, "list {} from {}", l.name.node, quote(&p.node)),
            },
            Item::Let(l) => write!(f, "let {} = {}", l.name.node, l.body.node),
            Item::Rule(r) => r.fmt(f),
            Item::Group(g) => {
                write!(f, "score {}", g.name.node)?;
                for m in &g.modifiers {
                    write!(f, " {}", m.node)?;
                }
                f.write_str(" {\n")?;
                for e in &g.entries {
                    match e {
                        GroupEntry::Rule(r) => writeln!(f, "  {r}")?,
                        GroupEntry::Decay(d) => writeln!(f, "  {}", d.node)?,
                    }
                }
                f.write_str("}")
            }
            Item::Total(mods) => {
                f.write_str("total")?;
                for m in &mods.node {
                    write!(f, " {}", m.node)?;
                }
                Ok(())
            }
            Item::Decay(d) => d.node.fmt(f),
            Item::Threshold(t) => t.fmt(f),
            Item::Label(l) => l.fmt(f),
            Item::Test(t) => {
                writeln!(f, "test {} {{", quote(&t.name.node))?;
                for entry in &t.entries {
                    match entry {
                        TestEntry::AsOf(c) => writeln!(f, "  as of {}", c.node)?,
                        TestEntry::Lead(fields) => {
                            f.write_str("  lead {")?;
                            for (i, field) in fields.iter().enumerate() {
                                if i > 0 {
                                    f.write_str(",")?;
                                }
                                write!(f, " {}: ", field.name.node)?;
                                match &field.value.node {
                                    TestValue::One(c) => write!(f, "{c}")?,
                                    TestValue::Many(items) => {
                                        list(f, items.iter().map(|c| &c.node))?
                                    }
                                }
                            }
                            f.write_str(" }\n")?;
                        }
                        TestEntry::Events(events) => {
                            f.write_str("  events {\n")?;
                            for e in events {
                                writeln!(f, "    {e}")?;
                            }
                            f.write_str("  }\n")?;
                        }
                        TestEntry::Expect(e) => writeln!(f, "  expect {}", e.node)?,
                    }
                }
                f.write_str("}")
            }
            Item::Account(a) => {
                f.write_str("account by ")?;
                if a.key.domain_of {
                    f.write_str("domain of ")?;
                }
                f.write_str(&a.key.field.node)?;
                if let Some(e) = &a.except {
                    write!(f, " except {}", e.node)?;
                }
                for m in &a.modifiers {
                    write!(f, " {}", m.node)?;
                }
                f.write_str(" {\n")?;
                for e in &a.entries {
                    match e {
                        AccountEntry::Rollup(r) => writeln!(f, "  {r}")?,
                        AccountEntry::Rule(r) => writeln!(f, "  {r}")?,
                        AccountEntry::Threshold(t) => writeln!(f, "  {t}")?,
                        AccountEntry::Label(l) => writeln!(f, "  {l}")?,
                    }
                }
                f.write_str("}")
            }
        }
    }
}

impl Display for File {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for item in &self.items {
            writeln!(f, "{item}")?;
        }
        Ok(())
    }
}
