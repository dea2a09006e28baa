//! The plan printed for people (`compile --emit plan`): every table with
//! its ids, every condition fully parenthesised.

use std::fmt::{self, Display, Formatter};

use super::{
    AccountDef, AggKind, BlockDef, Cond, DecayAmount, DecayMode, DecaySpec, Effect, EventId, IdVec,
    Output, OutputId, Plan, Pred, RollupFn, RuleId, TextOp, Value, ValueType,
};
use crate::syntax::print::{number, points, quote};
use crate::time::format_duration;

/// Where a printed condition is evaluated, which decides what its values
/// refer to.
#[derive(Clone, Copy)]
enum At {
    Lead,
    Event(EventId),
    Account,
}

impl Plan {
    /// The thresholds and labels a condition at `at` can read.
    fn outputs_at(&self, at: At) -> &IdVec<OutputId, Output> {
        match (at, &self.account) {
            (At::Account, Some(account)) => &account.outputs,
            _ => &self.outputs,
        }
    }

    fn value_name(&self, value: &Value, at: At) -> String {
        let m = self;
        match value {
            Value::Field(id) => m
                .fields
                .get(*id)
                .map(|f| format!("field[{id}] {}", f.name))
                .unwrap_or_default(),
            Value::Prop(i) => {
                let event = match at {
                    At::Event(e) => Some(e),
                    _ => None,
                };
                let name = event
                    .and_then(|e| m.events.get(e))
                    .and_then(|e| e.props.get(*i))
                    .map(|p| p.name.clone())
                    .unwrap_or_default();
                format!("prop[{i}] {name}")
            }
            Value::Aggregate(a) => format!("agg[{a}]"),
            Value::Score => "score".to_string(),
            Value::Group(g) => m
                .groups
                .get(*g)
                .map(|g| format!("group {}", g.name))
                .unwrap_or_default(),
            Value::Output(o) => self
                .outputs_at(at)
                .get(*o)
                .map(|o| format!("output {}", o.name()))
                .unwrap_or_default(),
            Value::Disqualified => "disqualified".to_string(),
            Value::Members(i) => m
                .account
                .as_ref()
                .and_then(|a| a.member_tests.get(*i))
                .map(|_| format!("members[{i}]"))
                .unwrap_or_default(),
        }
    }

    fn write_cond(&self, f: &mut Formatter<'_>, cond: &Cond, at: At) -> fmt::Result {
        match cond {
            Cond::And(items) | Cond::Or(items) => {
                let word = if matches!(cond, Cond::And(_)) {
                    " and "
                } else {
                    " or "
                };
                f.write_str("(")?;
                for (i, c) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(word)?;
                    }
                    self.write_cond(f, c, at)?;
                }
                f.write_str(")")
            }
            Cond::Not(c) => {
                f.write_str("(not ")?;
                self.write_cond(f, c, at)?;
                f.write_str(")")
            }
            Cond::Truthy(v) => f.write_str(&self.value_name(v, at)),
            Cond::Within(v, d) => write!(
                f,
                "({} within {})",
                self.value_name(v, at),
                format_duration(*d)
            ),
            Cond::Test(v, p) => {
                write!(f, "({} ", self.value_name(v, at))?;
                self.write_pred(f, v, p, at)?;
                f.write_str(")")
            }
        }
    }

    fn write_pred(&self, f: &mut Formatter<'_>, value: &Value, pred: &Pred, at: At) -> fmt::Result {
        let texts = |v: &[String]| v.iter().map(|s| quote(s)).collect::<Vec<_>>().join(", ");
        let ordinal = |i: usize| -> String {
            let values: Option<&Vec<String>> = match value {
                Value::Field(id) => self.fields.get(*id).and_then(|fd| match fd.ty {
                    ValueType::Enum(e) => self.enums.get(e),
                    _ => None,
                }),
                Value::Output(o) => match self.outputs_at(at).get(*o) {
                    Some(Output::Label { values, .. }) => Some(values),
                    _ => None,
                },
                _ => None,
            };
            match values.and_then(|v| v.get(i)) {
                Some(name) => format!("#{i} {name}"),
                None => format!("#{i}"),
            }
        };
        match pred {
            Pred::Text(op, values) => {
                let op = match op {
                    TextOp::Equals => "text in",
                    TextOp::Contains => "text contains any of",
                    TextOp::StartsWith => "text starts with any of",
                    TextOp::EndsWith => "text ends with any of",
                };
                write!(f, "{op} [{}]", texts(&self.text_sets[*values]))
            }
            Pred::ListHas(values) => {
                write!(f, "list holds any of [{}]", texts(&self.text_sets[*values]))
            }
            Pred::Matches(re) => write!(f, "matches {}", quote(&self.patterns[*re])),
            Pred::Number(o, n) => write!(f, "{} {}", o.symbol(), number(*n)),
            Pred::NumberBetween(a, b) => write!(f, "between {} and {}", number(*a), number(*b)),
            Pred::NumberIn(v) => write!(
                f,
                "in [{}]",
                v.iter().map(|n| number(*n)).collect::<Vec<_>>().join(", ")
            ),
            Pred::Ordinal(o, i) => write!(f, "{} {}", o.symbol(), ordinal(*i)),
            Pred::OrdinalBetween(a, b) => write!(f, "between {} and {}", ordinal(*a), ordinal(*b)),
            Pred::OrdinalIn(v) => write!(
                f,
                "in [{}]",
                v.iter().map(|i| ordinal(*i)).collect::<Vec<_>>().join(", ")
            ),
            Pred::Date { low, high } => {
                f.write_str("in ")?;
                match low {
                    Some(b) => write!(
                        f,
                        "{}{}",
                        if b.inclusive { "[" } else { "(" },
                        b.at.to_rfc3339()
                    )?,
                    None => f.write_str("(-inf")?,
                }
                f.write_str(", ")?;
                match high {
                    Some(b) => write!(
                        f,
                        "{}{}",
                        b.at.to_rfc3339(),
                        if b.inclusive { "]" } else { ")" }
                    ),
                    None => f.write_str("+inf)"),
                }
            }
            Pred::Bool(b) => write!(f, "= {b}"),
            Pred::Missing => f.write_str("is missing"),
            Pred::Present => f.write_str("is present"),
        }
    }

    fn write_outputs(
        &self,
        f: &mut Formatter<'_>,
        outputs: &IdVec<OutputId, Output>,
        at: At,
    ) -> fmt::Result {
        let indent = if matches!(at, At::Account) { "  " } else { "" };
        for (o, output) in outputs.iter().enumerate() {
            match output {
                Output::Threshold {
                    name, condition, ..
                } => {
                    write!(f, "{indent}    [{o}] threshold {name} = ")?;
                    if !matches!(at, At::Account) {
                        f.write_str("not disqualified and ")?;
                    }
                    self.write_cond(f, condition, at)?;
                    f.write_str("\n")?;
                }
                Output::Label {
                    name,
                    values,
                    cases,
                    ..
                } => {
                    writeln!(f, "{indent}    [{o}] label {name}")?;
                    for (value, condition) in cases {
                        let v = values.get(*value).map(String::as_str).unwrap_or("");
                        write!(f, "{indent}      {} ", quote(v))?;
                        match condition {
                            Some(c) => {
                                f.write_str("when ")?;
                                self.write_cond(f, c, at)?;
                            }
                            None => f.write_str("otherwise")?,
                        }
                        f.write_str("\n")?;
                    }
                }
            }
        }
        Ok(())
    }

    fn write_account(&self, f: &mut Formatter<'_>, account: &AccountDef) -> fmt::Result {
        let key = self
            .fields
            .get(account.key)
            .map(|fd| format!("field[{}] {}", account.key, fd.name))
            .unwrap_or_default();
        write!(f, "  account by ")?;
        if account.domain_of {
            f.write_str("domain of ")?;
        }
        f.write_str(&key)?;
        if !account.except.is_empty() {
            let keys: Vec<String> = account.except.iter().map(|k| quote(k)).collect();
            write!(f, " except [{}]", keys.join(", "))?;
        }
        if let Some(max) = account.max {
            write!(f, " max {}", number(max))?;
        }
        if let Some(min) = account.min {
            write!(f, " min {}", number(min))?;
        }
        f.write_str("\n")?;
        for (i, test) in account.member_tests.iter().enumerate() {
            write!(f, "    members[{i}] {}: ", quote(&test.source))?;
            match &test.condition {
                Some(c) => {
                    f.write_str("count members where ")?;
                    self.write_cond(f, c, At::Lead)?;
                }
                None => f.write_str("count members")?,
            }
            f.write_str("\n")?;
        }
        match &account.rollup {
            Some(r) => {
                let function = match r.function {
                    RollupFn::Sum => "sum",
                    RollupFn::Max => "max",
                    RollupFn::Avg => "avg",
                };
                let of = match r.of.and_then(|g| self.groups.get(g)) {
                    Some(g) => format!("group {}", g.name),
                    None => "score".to_string(),
                };
                write!(f, "    base = {function} of member {of}")?;
                if let Some(top) = r.top {
                    write!(f, " over the top {top}")?;
                }
                f.write_str("\n")?;
            }
            None => writeln!(f, "    base = 0 (no rollup)")?,
        }
        for (r, rule) in account.rules.iter_enumerated() {
            let block = rule
                .block
                .and_then(|b| account.blocks.get(b).map(|d| (b, d)));
            let indent = block_header(f, block, r)?;
            write!(f, "    {indent}rule[{r}] {}: ", quote(&rule.name))?;
            match &rule.condition {
                Cond::And(all) if all.is_empty() && rule.block.is_some() => {
                    write!(f, "{} otherwise", points(rule.points))?
                }
                condition => {
                    write!(f, "{} when ", points(rule.points))?;
                    self.write_cond(f, condition, At::Account)?;
                }
            }
            f.write_str("\n")?;
        }
        writeln!(f, "    outputs (in order)")?;
        self.write_outputs(f, &account.outputs, At::Account)
    }

    fn write_decay(f: &mut Formatter<'_>, decay: &DecaySpec) -> fmt::Result {
        let amount = match decay.amount {
            DecayAmount::Points(p) => number(p),
            DecayAmount::Percent(p) => format!("{}%", number(p)),
        };
        let mode = match decay.mode {
            DecayMode::After => "after",
            DecayMode::Every => "every",
        };
        writeln!(
            f,
            "    decay {amount} {mode} {}",
            format_duration(decay.period)
        )
    }
}

/// ` missing if ["select", "n/a"]`, or nothing without placeholders.
fn placeholders(values: &[String]) -> String {
    if values.is_empty() {
        return String::new();
    }
    let quoted: Vec<String> = values.iter().map(|v| quote(v)).collect();
    format!(" missing if [{}]", quoted.join(", "))
}

impl Display for Plan {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let m = self;
        writeln!(f, "plan")?;
        if m.id_key != "id" {
            writeln!(f, "  id <- {}", quote(&m.id_key))?;
        }
        writeln!(f, "  fields ({} slots)", m.fields.len())?;
        for (i, field) in m.fields.iter().enumerate() {
            let ty = match field.ty {
                ValueType::Text => "text".to_string(),
                ValueType::Number => "number".to_string(),
                ValueType::Bool => "bool".to_string(),
                ValueType::Date => "date".to_string(),
                ValueType::TextList => "list of text".to_string(),
                ValueType::Enum(e) => format!(
                    "one of [{}]",
                    m.enums.get(e).map(|v| v.join(", ")).unwrap_or_default()
                ),
            };
            let key = if field.key != field.name {
                format!(" <- {}", quote(&field.key))
            } else {
                String::new()
            };
            writeln!(
                f,
                "    [{i}] {}: {ty}{key}{}",
                field.name,
                placeholders(&field.missing_if)
            )?;
        }
        writeln!(f, "  events")?;
        for (e, event) in m.events.iter_enumerated() {
            let props: Vec<String> = event
                .props
                .iter()
                .map(|p| format!("{}{}", p.name, placeholders(&p.missing_if)))
                .collect();
            writeln!(f, "    [{e}] {}({})", event.name, props.join(", "))?;
            for (a, agg) in m.aggregates.iter_enumerated().filter(|(_, a)| a.event == e) {
                let kind = match agg.kind {
                    AggKind::Count => "count".to_string(),
                    AggKind::Faded(d) => format!("faded sum over {}", format_duration(d)),
                    AggKind::Latest => "latest at".to_string(),
                    AggKind::Earliest => "earliest at".to_string(),
                };
                write!(f, "      agg[{a}] {kind}")?;
                if let Some(w) = agg.window {
                    write!(f, " within {}", format_duration(w))?;
                }
                if let Some(field) = agg.since {
                    write!(
                        f,
                        " since {}",
                        self.value_name(&Value::Field(field), At::Lead)
                    )?;
                }
                if let Some(filter) = &agg.filter {
                    f.write_str(" where ")?;
                    self.write_cond(f, filter, At::Event(e))?;
                }
                f.write_str("\n")?;
            }
        }
        let write_rule = |f: &mut Formatter<'_>, r: RuleId| -> fmt::Result {
            let Some(rule) = m.rules.get(r) else {
                return Ok(());
            };
            let block = rule.block.and_then(|b| m.blocks.get(b).map(|d| (b, d)));
            let indent = block_header(f, block, r)?;
            write!(f, "    {indent}rule[{r}] {}: ", quote(&rule.name))?;
            match &rule.effect {
                Effect::When {
                    condition,
                    points: p,
                } => match condition {
                    Cond::And(all) if all.is_empty() => write!(f, "{} otherwise", points(*p))?,
                    _ => {
                        write!(f, "{} when ", points(*p))?;
                        self.write_cond(f, condition, At::Lead)?;
                    }
                },
                Effect::Disqualify { condition, reason } => {
                    write!(f, "disqualify {} when ", quote(reason))?;
                    self.write_cond(f, condition, At::Lead)?;
                }
                Effect::Each {
                    aggregate,
                    points: p,
                    max,
                } => {
                    write!(f, "{} x agg[{aggregate}]", points(*p))?;
                    if let Some(max) = max {
                        write!(f, " capped at {}", number(*max))?;
                    }
                }
                Effect::PerUnit {
                    field,
                    per,
                    points: p,
                    max,
                } => {
                    let name = m.fields.get(*field).map_or("", |f| f.name.as_str());
                    write!(
                        f,
                        "{} x whole {} in field[{field}] {name}",
                        points(*p),
                        number(*per)
                    )?;
                    if let Some(max) = max {
                        write!(f, " capped at {}", number(*max))?;
                    }
                }
            }
            f.write_str("\n")
        };
        for (g, group) in m.groups.iter().enumerate() {
            write!(f, "  group[{g}] {}", group.name)?;
            if group.separate {
                f.write_str(" separate")?;
            }
            if let Some(max) = group.max {
                write!(f, " max {}", number(max))?;
            }
            if let Some(min) = group.min {
                write!(f, " min {}", number(min))?;
            }
            if let Some(field) = group.since {
                write!(
                    f,
                    " since {}",
                    self.value_name(&Value::Field(field), At::Lead)
                )?;
            }
            f.write_str("\n")?;
            for &r in &group.rules {
                write_rule(f, r)?;
            }
            if let Some(d) = &group.decay {
                Self::write_decay(f, d)?;
            }
        }
        write!(f, "  total = top-level rules + groups [")?;
        let summed: Vec<&str> = m
            .groups
            .iter()
            .filter(|g| !g.separate)
            .map(|g| g.name.as_str())
            .collect();
        write!(f, "{}]", summed.join(", "))?;
        if let Some(max) = m.total.max {
            write!(f, " max {}", number(max))?;
        }
        if let Some(min) = m.total.min {
            write!(f, " min {}", number(min))?;
        }
        if let Some(field) = m.total.since {
            write!(
                f,
                " since {}",
                self.value_name(&Value::Field(field), At::Lead)
            )?;
        }
        f.write_str("\n")?;
        for &r in &m.total.rules {
            write_rule(f, r)?;
        }
        if let Some(d) = &m.total.decay {
            Self::write_decay(f, d)?;
        }
        writeln!(f, "  outputs (in order)")?;
        self.write_outputs(f, &m.outputs, At::Lead)?;
        if let Some(account) = &m.account {
            self.write_account(f, account)?;
        }
        Ok(())
    }
}

/// Writes the header of a `first` block before its first rule `r`; the
/// indent of the block's rules ("" outside a block).
fn block_header<B: fmt::Display, R: PartialEq>(
    f: &mut Formatter<'_>,
    block: Option<(B, &BlockDef<R>)>,
    r: R,
) -> Result<&'static str, fmt::Error> {
    let Some((b, block)) = block else {
        return Ok("");
    };
    if block.rules.first() == Some(&r) {
        write!(f, "    first[{b}]")?;
        if let Some(name) = &block.name {
            write!(f, " {}", quote(name))?;
        }
        f.write_str(": the first rule that holds\n")?;
    }
    Ok("  ")
}
