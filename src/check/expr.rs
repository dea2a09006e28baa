//! Checking conditions: resolving operands, `within`, and predicates by
//! the type of what they test.

use super::*;
use crate::syntax::ast::{
    CompareOp, Constant, Duration, EventArg, Expr, Operand, Predicate, Test, ValueSet,
};
use crate::time::start_of_day;

/// Where a condition is written: over the lead, inside an event's `where`
/// (which sees only that event's properties), inside `members(where ...)`
/// (one member: a lead with its scores and outputs), or over an account.
#[derive(Clone, Copy, Debug)]
pub enum Scope {
    Lead,
    Where(EventId),
    Member,
    Account,
}

/// The type of a value in a condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    Bool,
    /// An event count: a number that is never missing.
    Count,
    Number,
    Text,
    Date,
    Enum(EnumId),
    TextList,
    Label(OutputId),
    Error,
}

impl Ty {
    pub(super) fn of(v: ValueType) -> Ty {
        match v {
            ValueType::Text => Ty::Text,
            ValueType::Number => Ty::Number,
            ValueType::Bool => Ty::Bool,
            ValueType::Date => Ty::Date,
            ValueType::Enum(e) => Ty::Enum(e),
            ValueType::TextList => Ty::TextList,
        }
    }

    pub(super) fn describe(self) -> &'static str {
        match self {
            Ty::Bool => "a yes/no value",
            Ty::Count => "an event count",
            Ty::Number => "a number",
            Ty::Text => "text",
            Ty::Date => "a date",
            Ty::Enum(_) => "one of a set of values",
            Ty::TextList => "a list of text",
            Ty::Label(_) => "a label",
            Ty::Error => "invalid",
        }
    }
}

/// What an operand, a test or a `let` body turned out to be.
#[derive(Clone, Debug)]
pub enum Typed {
    Cond(Cond),
    Value(Value, Ty),
    /// An event reference before its `within` is known.
    Event(EventId, Option<Cond>),
    Error,
}

/// A read of something computed from the rules; rules may not make one and
/// thresholds and labels only of what is declared above them.
#[derive(Clone, Debug)]
pub struct Read {
    pub what: ReadWhat,
    pub span: Span,
    pub via_let: Option<String>,
}

#[derive(Clone, Debug)]
pub enum ReadWhat {
    Score,
    Group(String),
    Output(OutputId, String),
    Disqualified,
}

impl Read {
    pub fn describe(&self) -> String {
        match &self.what {
            ReadWhat::Score => "`score`".to_string(),
            ReadWhat::Group(g) => format!("the group `{g}`"),
            ReadWhat::Output(_, n) => format!("`{n}`"),
            ReadWhat::Disqualified => "`disqualified`".to_string(),
        }
    }
}

fn can_be_missing(value: Value, model: &Plan) -> bool {
    match value {
        Value::Field(_) | Value::Prop(_) => true,
        Value::Aggregate(a) => model
            .aggregates
            .get(a)
            .is_some_and(|a| matches!(a.kind, AggKind::Latest | AggKind::Earliest)),
        Value::Output(o) => matches!(model.outputs.get(o), Some(Output::Label { .. })),
        Value::Score | Value::Group(_) | Value::Disqualified | Value::Members(_) => false,
    }
}

impl<'a> Checker<'a> {
    /// A condition: anything that is true or false.
    /// `None` when the condition has errors (each reported where it is).
    pub(super) fn condition(&mut self, expr: &Spanned<Expr>, scope: &Scope) -> Option<Cond> {
        let typed = self.typed(expr, scope);
        self.as_condition(typed, expr)
    }

    fn typed(&mut self, expr: &Spanned<Expr>, scope: &Scope) -> Typed {
        match &expr.node {
            Expr::Or(a, b) | Expr::And(a, b) => {
                // Both sides are checked, so that each reports its errors.
                let a = self.condition(a, scope);
                let b = self.condition(b, scope);
                match (a, b) {
                    (Some(a), Some(b)) => {
                        Typed::Cond(flatten(a, b, matches!(expr.node, Expr::And(..))))
                    }
                    _ => Typed::Error,
                }
            }
            Expr::Not(e) => match self.condition(e, scope) {
                Some(c) => Typed::Cond(Cond::Not(Box::new(c))),
                None => Typed::Error,
            },
            Expr::Test(t) => self.test(t, scope),
        }
    }

    /// The count of an event's matching occurrences, as an aggregate.
    /// Notes what an operand of a test's `expect` is, under its text.
    fn probe(&mut self, test: &Test, typed: &Typed) {
        let mut end = test.within.last().map_or(test.operand.span, |w| w.span);
        let probe = match typed {
            // `last(visit) within 7d` is a test; the date is what to show.
            Typed::Cond(Cond::Within(v, _)) => {
                end = test.operand.span;
                Probe::Value(*v)
            }
            Typed::Value(Value::Prop(_) | Value::Members(_), _) | Typed::Value(_, Ty::Error) => {
                return
            }
            Typed::Value(v, _) => Probe::Value(*v),
            Typed::Event(event, filter) => Probe::Value(Value::Aggregate(self.count_of(
                *event,
                filter.clone(),
                None,
            ))),
            Typed::Cond(c) => Probe::Cond(c.clone()),
            Typed::Error => return,
        };
        let text = self.source_text(test.operand.span.to(end));
        if let Some(probes) = self.probes.as_mut() {
            if !probes.iter().any(|(seen, _)| *seen == text) {
                probes.push((text, probe));
            }
        }
    }

    /// The event and filter of a plain count that has no window yet.
    fn open_count(&self, id: AggId) -> Option<(EventId, Option<Cond>)> {
        self.model
            .aggregates
            .get(id)
            .filter(|a| a.kind == AggKind::Count && a.window.is_none())
            .map(|a| (a.event, a.filter.clone()))
    }

    fn count_of(
        &mut self,
        event: EventId,
        filter: Option<Cond>,
        window: Option<Duration>,
    ) -> AggId {
        self.intern_aggregate(Aggregate {
            event,
            filter,
            window,
            kind: AggKind::Count,
        })
    }

    fn as_condition(&mut self, typed: Typed, expr: &Spanned<Expr>) -> Option<Cond> {
        match typed {
            Typed::Cond(c) => Some(c),
            Typed::Error => None,
            Typed::Event(event, filter) => {
                let id = self.count_of(event, filter, None);
                Some(Cond::Test(
                    Value::Aggregate(id),
                    Pred::Number(Order::Ge, 1.0),
                ))
            }
            Typed::Value(v, Ty::Bool) => Some(Cond::Truthy(v)),
            Typed::Value(v, Ty::Count) => Some(Cond::Test(v, Pred::Number(Order::Ge, 1.0))),
            Typed::Value(_, Ty::Error) => None,
            Typed::Value(v, ty) => {
                let text = self.source_text(expr.span);
                let help = match ty {
                    Ty::Number if matches!(v, Value::Score | Value::Group(_)) => {
                        format!("compare it: `{text} >= 30`")
                    }
                    Ty::Number => format!("compare it: `{text} > 0`, or test `{text} is present`"),
                    Ty::Date => format!("test it: `{text} within 30d`, `{text} after 2026-01-01`, `{text} is present`"),
                    Ty::TextList => format!("test it: `{text} contains value`, `{text} is present`"),
                    _ => format!("test it: `{text} = value`, `{text} in [a, b]`, `{text} is present`"),
                };
                self.report(
                    Diagnostic::new(
                        Code::NotACondition,
                        expr.span,
                        format!("`{text}` is {}, not a condition", ty.describe()),
                    )
                    .label("needs a test")
                    .help(help),
                );
                None
            }
        }
    }

    fn test(&mut self, test: &Test, scope: &Scope) -> Typed {
        let head = self.operand(&test.operand, scope);
        let mut typed = head;
        // A `let` of a count without a window (`let pv = visits(pricing)`)
        // is an event reference whose window is yet to come, as the
        // reference written out would be.
        if let (Typed::Value(Value::Aggregate(id), Ty::Count), false) =
            (&typed, test.within.is_empty())
        {
            if let Some((event, filter)) = self.open_count(*id) {
                typed = Typed::Event(event, filter);
            }
        }
        for (i, within) in test.within.iter().enumerate() {
            typed = match typed {
                Typed::Event(event, filter) if i == 0 => {
                    let id = self.count_of(event, filter, Some(within.node));
                    Typed::Value(Value::Aggregate(id), Ty::Count)
                }
                Typed::Value(v, Ty::Date) if i == 0 => Typed::Cond(Cond::Within(v, within.node)),
                Typed::Error | Typed::Value(_, Ty::Error) => Typed::Error,
                other => {
                    let windowed = matches!(other, Typed::Value(Value::Aggregate(id), Ty::Count)
                        if self.model.aggregates.get(id).is_some_and(|a| a.window.is_some()));
                    let message = if i > 0 || windowed {
                        "`within` is given twice".to_string()
                    } else {
                        let what = match &other {
                            Typed::Cond(_) => "a condition".to_string(),
                            Typed::Value(_, ty) => ty.describe().to_string(),
                            _ => "this".to_string(),
                        };
                        format!("`within` cannot apply to {what}")
                    };
                    self.report(
                        Diagnostic::new(Code::MisplacedWithin, within.span, message)
                            .label("misplaced `within`")
                            .help("`within D` goes right after an event reference (`visits within 30d`) or a date (`signed_up within 30d`), once"),
                    );
                    Typed::Error
                }
            };
        }
        if self.probes.is_some() {
            self.probe(test, &typed);
        }
        let Some(predicate) = &test.predicate else {
            return typed;
        };
        let (value, ty) = match typed {
            Typed::Value(v, ty) => (v, ty),
            Typed::Event(event, filter) => {
                let id = self.count_of(event, filter, None);
                (Value::Aggregate(id), Ty::Count)
            }
            Typed::Error => return Typed::Error,
            Typed::Cond(_) => {
                let subject = self.source_text(
                    test.operand.span.to(test
                        .within
                        .last()
                        .map(|w| w.span)
                        .unwrap_or(test.operand.span)),
                );
                let help = if test.within.is_empty() {
                    format!("`{subject}` is already true or false; use it on its own or with `not`")
                } else {
                    "`within` on a date is already a test; write the other test separately, joined with `and`".to_string()
                };
                self.report(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        predicate.span,
                        format!("`{subject}` is a condition and cannot take a further test"),
                    )
                    .label("extra test")
                    .help(help),
                );
                return Typed::Error;
            }
        };
        let subject = self.source_text(test.operand.span);
        match self.predicate(value, ty, predicate, &subject, scope) {
            Some(c) => Typed::Cond(c),
            None => Typed::Error,
        }
    }

    fn operand(&mut self, operand: &Spanned<Operand>, scope: &Scope) -> Typed {
        match &operand.node {
            Operand::Paren(e) => self.typed(e, scope),
            Operand::Score => {
                if let Scope::Where(_) = scope {
                    return self.where_sees_props_only("score", operand.span, scope);
                }
                self.reads.push(Read {
                    what: ReadWhat::Score,
                    span: operand.span,
                    via_let: None,
                });
                Typed::Value(Value::Score, Ty::Number)
            }
            Operand::Name(name) => self.name(name, operand.span, scope),
            Operand::Call { name, arg } => {
                match scope {
                    Scope::Where(_) => {
                        return self.where_sees_props_only(&name.node, name.span, scope)
                    }
                    Scope::Account => return self.members_call(operand, name, arg),
                    Scope::Member if name.node == "members" => {
                        return self.nested_members(name.span)
                    }
                    Scope::Lead | Scope::Member => {}
                }
                match self.event_named(
                    name,
                    "only events take an argument such as `(pricing)` or `(where ...)`",
                ) {
                    Some(event) => match self.event_filter(event, Some(arg)) {
                        Some(filter) => Typed::Event(event, filter),
                        None => Typed::Error,
                    },
                    None => Typed::Error,
                }
            }
            Operand::Last(event) | Operand::First(event) => {
                match scope {
                    Scope::Where(_) => {
                        return self.where_sees_props_only(&event.name.node, event.name.span, scope)
                    }
                    Scope::Account => {
                        return self.lead_name_in_account(&event.name.node, operand.span)
                    }
                    Scope::Lead | Scope::Member => {}
                }
                let kind = if matches!(operand.node, Operand::Last(_)) {
                    AggKind::Latest
                } else {
                    AggKind::Earliest
                };
                match self.event_aggregate(event, kind) {
                    Some(id) => Typed::Value(Value::Aggregate(id), Ty::Date),
                    None => Typed::Error,
                }
            }
        }
    }

    fn where_sees_props_only(&mut self, name: &str, span: Span, scope: &Scope) -> Typed {
        let Scope::Where(event) = scope else {
            return Typed::Error;
        };
        let props: Vec<String> = self
            .model
            .events
            .get(*event)
            .map(|e| e.props.iter().map(|p| p.name.clone()).collect())
            .unwrap_or_default();
        let event_name = self
            .model
            .events
            .get(*event)
            .map(|e| e.name.clone())
            .unwrap_or_default();
        let help = match did_you_mean(name, props.iter().map(String::as_str)) {
            _ if props.is_empty() => format!(
                "`{event_name}` declares no properties, so a `where` has nothing to test; declare some (`event {event_name}(kind: text)`) or drop the `where`"
            ),
            Some(s) => format!(
                "did you mean `{s}`? A `where` sees only the properties of `{event_name}`: {}",
                props.join(", ")
            ),
            None => format!(
                "a `where` sees only the properties of `{event_name}`: {}",
                props.join(", ")
            ),
        };
        self.report(
            Diagnostic::new(
                Code::UnknownName,
                span,
                format!("`{name}` is not a property of the event `{event_name}`"),
            )
            .label("not a property")
            .help(help),
        );
        Typed::Error
    }

    fn name(&mut self, name: &str, span: Span, scope: &Scope) -> Typed {
        if let Scope::Where(event) = scope {
            let found = self.model.events.get(*event).and_then(|e| {
                e.props
                    .iter_enumerated()
                    .find(|(_, p)| p.name == name)
                    .map(|(i, p)| (i, p.ty))
            });
            return match found {
                Some((i, ty)) => Typed::Value(Value::Prop(i), Ty::of(ty)),
                None => self.where_sees_props_only(name, span, scope),
            };
        }
        if let Scope::Account = scope {
            return self.account_name(name, span);
        }
        let Some((symbol, _)) = self.names.get(name).copied() else {
            if name == "members" && matches!(scope, Scope::Member) {
                return self.nested_members(span);
            }
            if name == "members" {
                self.report(
                    Diagnostic::new(Code::AccountScope, span, "`members` exists only inside an `account` block")
                        .label("account-only name")
                        .help("lead rules see the lead's fields and events; count members in an `account` block"),
                );
                return Typed::Error;
            }
            let candidates: Vec<String> = self.names.keys().cloned().collect();
            self.unknown_name(
                name,
                span,
                candidates,
                "it (a field in `lead { ... }`, an `event`, a `let`)",
            );
            return Typed::Error;
        };
        match symbol {
            Symbol::Field(id) => match self.model.fields.get(id) {
                Some(f) => Typed::Value(Value::Field(id), Ty::of(f.ty)),
                None => Typed::Error,
            },
            Symbol::Event(id) => Typed::Event(id, None),
            Symbol::Let(id) => self.let_value(id, Some(span)),
            Symbol::List(_) => {
                self.report(
                    Diagnostic::new(
                        Code::BadList,
                        span,
                        format!("`{name}` is a list, not a condition"),
                    )
                    .label("a list")
                    .help(format!(
                        "test a field against it: `email ends with {name}`, `country in {name}`"
                    )),
                );
                Typed::Error
            }
            Symbol::Group(id) => {
                self.reads.push(Read {
                    what: ReadWhat::Group(name.to_string()),
                    span,
                    via_let: None,
                });
                Typed::Value(Value::Group(id), Ty::Number)
            }
            Symbol::Output(id) => self.output_value(id, name, span),
            Symbol::AccountOutput(_) => {
                self.report(
                    Diagnostic::new(
                        Code::AccountScope,
                        span,
                        format!("`{name}` belongs to the account, not to one lead"),
                    )
                    .label("account-only name")
                    .help("an account's thresholds and labels are computed from all its members; test them inside the `account` block"),
                );
                Typed::Error
            }
            Symbol::Builtin => {
                self.reads.push(Read {
                    what: ReadWhat::Disqualified,
                    span,
                    via_let: None,
                });
                Typed::Value(Value::Disqualified, Ty::Bool)
            }
        }
    }

    /// A threshold or label read in a condition; the read is recorded so
    /// the reader can be held to what is declared above it.
    pub(super) fn output_value(&mut self, id: OutputId, name: &str, span: Span) -> Typed {
        self.reads.push(Read {
            what: ReadWhat::Output(id, name.to_string()),
            span,
            via_let: None,
        });
        match self.model.outputs.get(id) {
            Some(Output::Label { .. }) => Typed::Value(Value::Output(id), Ty::Label(id)),
            _ => Typed::Value(Value::Output(id), Ty::Bool),
        }
    }

    /// The checked body of a `let`, checked once; a use site inherits its
    /// reads so rules and thresholds can be held to their limits.
    pub(super) fn let_value(&mut self, id: usize, use_span: Option<Span>) -> Typed {
        let Some(entry) = self.lets.get(id) else {
            return Typed::Error;
        };
        let decl = entry.decl;
        match &entry.state {
            LetState::Done(typed, reads) => {
                let (typed, reads) = (typed.clone(), reads.clone());
                if let Some(span) = use_span {
                    self.reads.extend(reads.into_iter().map(|r| Read {
                        span,
                        via_let: Some(r.via_let.unwrap_or_else(|| decl.name.node.clone())),
                        ..r
                    }));
                }
                typed
            }
            LetState::InProgress => {
                let span = use_span.unwrap_or(decl.name.span);
                let start = self
                    .let_stack
                    .iter()
                    .position(|n| *n == decl.name.node)
                    .unwrap_or(0);
                let mut chain: Vec<String> = self
                    .let_stack
                    .get(start..)
                    .unwrap_or(&[])
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect();
                chain.push(format!("`{}`", decl.name.node));
                let message = if chain.len() <= 2 {
                    format!("the let `{}` refers to itself", decl.name.node)
                } else {
                    format!(
                        "the let `{}` refers to itself through {}",
                        decl.name.node,
                        chain.join(" -> ")
                    )
                };
                self.report(
                    Diagnostic::new(
                        Code::LetCycle,
                        span,
                        message,
                    )
                    .label("cycle back to the let")
                    .help(
                        "a let cannot use itself, directly or through other lets; break the cycle",
                    ),
                );
                Typed::Error
            }
            LetState::Unchecked => {
                if let Some(e) = self.lets.get_mut(id) {
                    e.state = LetState::InProgress;
                }
                let outer = std::mem::take(&mut self.reads);
                self.let_stack.push(decl.name.node.clone());
                let typed = self.typed(&decl.body, &Scope::Lead);
                self.let_stack.pop();
                let typed = match typed {
                    // A bare event reference in a let is its count.
                    Typed::Event(event, filter) => {
                        let agg = self.count_of(event, filter, None);
                        Typed::Value(Value::Aggregate(agg), Ty::Count)
                    }
                    other => other,
                };
                let reads = std::mem::replace(&mut self.reads, outer);
                if let Some(e) = self.lets.get_mut(id) {
                    e.state = LetState::Done(typed, reads);
                }
                self.let_value(id, use_span)
            }
        }
    }

    /// The event a name refers to; `usage` says what needed an event, for
    /// the help line.
    fn event_named(&mut self, name: &ast::Ident, usage: &str) -> Option<EventId> {
        match self.names.get(&name.node).copied() {
            Some((Symbol::Event(id), _)) => Some(id),
            Some((other, _)) => {
                self.report(
                    Diagnostic::new(
                        Code::EventArgument,
                        name.span,
                        format!("`{}` is {}, not an event", name.node, other.kind()),
                    )
                    .label("not an event")
                    .help(usage.to_string()),
                );
                None
            }
            None if name.node == "members" => {
                self.report(
                    Diagnostic::new(Code::AccountScope, name.span, "`members` exists only inside an `account` block")
                        .label("account-only name")
                        .help("lead rules see the lead's fields and events; count members in an `account` block"),
                );
                None
            }
            None => {
                let mut events: Vec<String> =
                    self.model.events.iter().map(|e| e.name.clone()).collect();
                events.extend(self.model.events.iter().map(|e| format!("{}s", e.name)));
                self.unknown_name(
                    &name.node,
                    name.span,
                    events,
                    "the event with `event NAME(...)`",
                );
                None
            }
        }
    }

    /// The aggregate of an event reference in an `each` rule or `last`/`first`.
    pub(super) fn event_aggregate(
        &mut self,
        event_ref: &ast::EventRef,
        kind: AggKind,
    ) -> Option<AggId> {
        let event = self.event_named(
            &event_ref.name,
            "`each`, `last(...)` and `first(...)` take an event, such as `last(visit)` or `each email_open`",
        )?;
        let filter = self.event_filter(event, event_ref.arg.as_ref())?;
        let mut window = None;
        for w in &event_ref.within {
            if window.replace(w.node).is_some() {
                self.report(
                    Diagnostic::new(Code::MisplacedWithin, w.span, "`within` is given twice")
                        .label("second `within`")
                        .help("keep one window"),
                );
            }
        }
        Some(self.intern_aggregate(Aggregate {
            event,
            filter,
            window,
            kind,
        }))
    }

    /// An event reference's filter: `Some(None)` when it has none, `None`
    /// when the filter has errors (reported).
    fn event_filter(&mut self, event: EventId, arg: Option<&EventArg>) -> Option<Option<Cond>> {
        let Some(arg) = arg else {
            return Some(None);
        };
        let scope = Scope::Where(event);
        match arg {
            EventArg::Where(e) => self.condition(e, &scope).map(Some),
            EventArg::Key(set) => {
                let Some(key) = self
                    .model
                    .events
                    .get(event)
                    .and_then(|e| e.props.as_slice().first())
                else {
                    let name = self
                        .model
                        .events
                        .get(event)
                        .map(|e| e.name.clone())
                        .unwrap_or_default();
                    self.report(
                        Diagnostic::new(
                            Code::EventArgument,
                            set.span,
                            format!(
                                "the event `{name}` has no properties, so it has no key to match"
                            ),
                        )
                        .label("no key to compare")
                        .help(format!(
                            "declare a property (`event {name}(kind: text)`) or drop the argument"
                        )),
                    );
                    return None;
                };
                let ty = Ty::of(key.ty);
                let key_name = key.name.clone();
                let predicate = Spanned::new(
                    Predicate::In {
                        negated: false,
                        set: set.clone(),
                    },
                    set.span,
                );
                self.predicate(
                    Value::Prop(PropId::from_index(0)),
                    ty,
                    &predicate,
                    &key_name,
                    &scope,
                )
                .map(Some)
            }
        }
    }

    // -- predicates ---------------------------------------------------------

    fn predicate(
        &mut self,
        value: Value,
        ty: Ty,
        predicate: &Spanned<Predicate>,
        subject: &str,
        scope: &Scope,
    ) -> Option<Cond> {
        if ty == Ty::Error {
            return None;
        }
        let span = predicate.span;
        match &predicate.node {
            Predicate::IsMissing | Predicate::IsPresent => {
                if !can_be_missing(value, &self.model) {
                    self.report(
                        Diagnostic::new(Code::TypeMismatch, span, format!("`{subject}` is never missing"))
                            .label("always has a value")
                            .help("event counts, scores, thresholds and `disqualified` always have a value; compare them instead (`visits = 0`)"),
                    );
                    return None;
                }
                let pred = if matches!(predicate.node, Predicate::IsMissing) {
                    Pred::Missing
                } else {
                    Pred::Present
                };
                Some(Cond::Test(value, pred))
            }
            Predicate::Compare(op, constant) => {
                let order = order_of(*op);
                let positive = match order {
                    Some(o) => self.compare(value, ty, o, constant, subject, scope, span),
                    None => {
                        self.negated_compare = true;
                        let cond =
                            self.compare(value, ty, Order::Eq, constant, subject, scope, span);
                        self.negated_compare = false;
                        cond
                    }
                };
                if *op == CompareOp::Ne {
                    positive.map(|p| Cond::Not(Box::new(p)))
                } else {
                    positive
                }
            }
            Predicate::In { negated, set } => {
                let positive = self.membership(value, ty, set, subject, scope);
                if *negated {
                    positive.map(|p| Cond::Not(Box::new(p)))
                } else {
                    positive
                }
            }
            Predicate::Contains(set) | Predicate::StartsWith(set) | Predicate::EndsWith(set) => {
                let op = match predicate.node {
                    Predicate::Contains(_) => TextOp::Contains,
                    Predicate::StartsWith(_) => TextOp::StartsWith,
                    _ => TextOp::EndsWith,
                };
                match ty {
                    Ty::Text => self.texts(set, scope).map(|values| {
                        Cond::Test(
                            value,
                            Pred::Text(
                                op,
                                self.text_set(values.iter().map(|v| v.to_lowercase()).collect()),
                            ),
                        )
                    }),
                    Ty::TextList if op == TextOp::Contains => {
                        self.texts(set, scope).map(|values| {
                            Cond::Test(
                                value,
                                Pred::ListHas(
                                    self.text_set(values.iter().map(|v| fold(v)).collect()),
                                ),
                            )
                        })
                    }
                    _ => self.unsupported(subject, ty, span, &predicate.node),
                }
            }
            Predicate::Matches(pattern) => {
                if ty != Ty::Text {
                    return self.unsupported(subject, ty, span, &predicate.node);
                }
                match regex::Regex::new(&pattern.node) {
                    Ok(_) => {
                        let id = self.pattern(&pattern.node);
                        Some(Cond::Test(value, Pred::Matches(id)))
                    }
                    Err(e) => {
                        let detail = e.to_string();
                        let last = detail.lines().last().unwrap_or("").trim().to_string();
                        self.report(
                            Diagnostic::new(Code::InvalidRegex, pattern.span, format!("invalid regular expression: {}", last.trim_start_matches("error: ")))
                                .label("this pattern")
                                .help("fix the pattern; backslashes in text must be doubled (`\"\\\\d+\"`)"),
                        );
                        None
                    }
                }
            }
            Predicate::Between(low, high) => match ty {
                Ty::Number | Ty::Count => match (
                    self.number(low, subject, ty),
                    self.number(high, subject, ty),
                ) {
                    (Some(a), Some(b)) => Some(Cond::Test(value, Pred::NumberBetween(a, b))),
                    _ => None,
                },
                Ty::Date => match (
                    self.date_bounds(low, subject),
                    self.date_bounds(high, subject),
                ) {
                    (Some(a), Some(b)) => Some(Cond::Test(
                        value,
                        Pred::Date {
                            low: Some(DateBound {
                                at: a.0,
                                inclusive: true,
                            }),
                            high: Some(b.upper_inclusive()),
                        },
                    )),
                    _ => None,
                },
                Ty::Enum(e) => match (
                    self.enum_index(e, low, scope),
                    self.enum_index(e, high, scope),
                ) {
                    (Some(a), Some(b)) => Some(Cond::Test(value, Pred::OrdinalBetween(a, b))),
                    _ => None,
                },
                _ => self.unsupported(subject, ty, span, &predicate.node),
            },
            Predicate::Before(c) | Predicate::After(c) => {
                if ty != Ty::Date {
                    return self.unsupported(subject, ty, span, &predicate.node);
                }
                let order = if matches!(predicate.node, Predicate::Before(_)) {
                    Order::Lt
                } else {
                    Order::Gt
                };
                self.compare(value, ty, order, c, subject, scope, span)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn compare(
        &mut self,
        value: Value,
        ty: Ty,
        order: Order,
        constant: &Spanned<Constant>,
        subject: &str,
        scope: &Scope,
        span: Span,
    ) -> Option<Cond> {
        match ty {
            Ty::Text => {
                if order != Order::Eq {
                    return self.not_ordered(
                        subject,
                        ty,
                        span,
                        "`=`, `in`, `contains`, `starts with`, `ends with` or `matches`",
                    );
                }
                self.single_text(constant, subject, scope).map(|t| {
                    Cond::Test(
                        value,
                        Pred::Text(TextOp::Equals, self.text_set(vec![t.to_lowercase()])),
                    )
                })
            }
            Ty::Number | Ty::Count => self
                .number(constant, subject, ty)
                .map(|n| Cond::Test(value, Pred::Number(order, n))),
            Ty::Date => self
                .date_bounds(constant, subject)
                .map(|b| Cond::Test(value, b.compare(order))),
            Ty::Enum(e) => self
                .enum_index(e, constant, scope)
                .map(|i| Cond::Test(value, Pred::Ordinal(order, i))),
            Ty::Label(o) => {
                if order != Order::Eq {
                    return self.not_ordered(
                        subject,
                        ty,
                        span,
                        "`=`, `!=` or `in`; labels are not ordered",
                    );
                }
                self.label_index(o, constant)
                    .map(|i| Cond::Test(value, Pred::OrdinalIn(vec![i])))
            }
            Ty::Bool => {
                if order != Order::Eq {
                    return self.not_ordered(
                        subject,
                        ty,
                        span,
                        "`= true`, `= false`, or the name on its own",
                    );
                }
                match &constant.node {
                    Constant::Bool(b) => Some(Cond::Test(value, Pred::Bool(*b))),
                    other => {
                        self.report(
                            Diagnostic::new(Code::TypeMismatch, constant.span, format!("`{subject}` is yes/no; it cannot equal `{other}`"))
                                .label("expected `true` or `false`")
                                .help(format!("write `{subject} = true`, `{subject} = false`, or `{subject}` on its own")),
                        );
                        None
                    }
                }
            }
            Ty::TextList => self.not_ordered(
                subject,
                ty,
                span,
                "`contains`, `is missing` or `is present`",
            ),
            Ty::Error => None,
        }
    }

    fn membership(
        &mut self,
        value: Value,
        ty: Ty,
        set: &Spanned<ValueSet>,
        subject: &str,
        scope: &Scope,
    ) -> Option<Cond> {
        match ty {
            Ty::Text => self.texts(set, scope).map(|values| {
                Cond::Test(
                    value,
                    Pred::Text(
                        TextOp::Equals,
                        self.text_set(values.iter().map(|v| v.to_lowercase()).collect()),
                    ),
                )
            }),
            Ty::Number | Ty::Count => {
                let items = self.constants_of(set);
                let numbers: Option<Vec<f64>> =
                    items.iter().map(|c| self.number(c, subject, ty)).collect();
                numbers.map(|n| Cond::Test(value, Pred::NumberIn(n)))
            }
            Ty::Enum(e) => {
                let texts = self.texts_spanned(set, scope)?;
                let mut indexes = Vec::new();
                for (text, span) in texts {
                    let c = Spanned::new(Constant::Text(text), span);
                    match self.enum_index(e, &c, scope) {
                        Some(i) => indexes.push(i),
                        None => return None,
                    }
                }
                Some(Cond::Test(value, Pred::OrdinalIn(indexes)))
            }
            Ty::Label(o) => {
                let texts = self.texts_spanned(set, scope)?;
                let mut indexes = Vec::new();
                for (text, span) in texts {
                    match self.label_index(o, &Spanned::new(Constant::Text(text), span)) {
                        Some(i) => indexes.push(i),
                        None => return None,
                    }
                }
                Some(Cond::Test(value, Pred::OrdinalIn(indexes)))
            }
            Ty::TextList => {
                self.report(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        set.span,
                        format!(
                            "`{subject}` is a list of text; use `contains` to test its elements"
                        ),
                    )
                    .label("`in` does not apply to a list")
                    .help(format!(
                        "write `{subject} contains [a, b]` (true when any of them is in the list)"
                    )),
                );
                None
            }
            Ty::Bool | Ty::Date => {
                let p = Predicate::In {
                    negated: false,
                    set: set.clone(),
                };
                self.unsupported(subject, ty, set.span, &p)
            }
            Ty::Error => None,
        }
    }

    fn unsupported(
        &mut self,
        subject: &str,
        ty: Ty,
        span: Span,
        predicate: &Predicate,
    ) -> Option<Cond> {
        let verb = predicate.to_string();
        let verb = verb
            .split_whitespace()
            .take(
                if verb.starts_with("starts")
                    || verb.starts_with("ends")
                    || verb.starts_with("is")
                    || verb.starts_with("not")
                {
                    2
                } else {
                    1
                },
            )
            .collect::<Vec<_>>()
            .join(" ");
        let supported = supported_predicates(ty);
        self.report(
            Diagnostic::new(
                Code::TypeMismatch,
                span,
                format!(
                    "`{verb}` does not apply to `{subject}`, which is {}",
                    ty.describe()
                ),
            )
            .label(format!("not for {}", ty.describe()))
            .help(format!("{} supports {supported}", ty.describe())),
        );
        None
    }

    fn not_ordered(&mut self, subject: &str, ty: Ty, span: Span, supported: &str) -> Option<Cond> {
        self.report(
            Diagnostic::new(
                Code::TypeMismatch,
                span,
                format!(
                    "`{subject}` is {} and cannot be compared this way",
                    ty.describe()
                ),
            )
            .label("comparison does not fit the type")
            .help(format!("use {supported}")),
        );
        None
    }

    fn warn_bare_word(&mut self, word: &str, span: Span, scope: &Scope) {
        let is_field = matches!(self.names.get(word), Some((Symbol::Field(_), _)));
        let is_property = match scope {
            Scope::Where(event) => self
                .model
                .events
                .get(*event)
                .is_some_and(|e| e.props.iter().any(|p| p.name == word)),
            Scope::Lead | Scope::Member | Scope::Account => false,
        };
        if !is_field && !is_property {
            return;
        }
        let what = if is_property { "property" } else { "field" };
        self.report(
            Diagnostic::new(
                Code::BareWordIsField,
                span,
                format!("the bare word `{word}` is text here, not the {what} `{word}`"),
            )
            .label(format!("compared as the text \"{word}\""))
            .help(format!(
                "write `\"{word}\"` to make the text explicit; comparing two {what}s is not supported"
            )),
        );
    }

    /// A bare word one edit away from a list's name is most likely a
    /// misspelt list: without a warning the rule would quietly compare with
    /// the word itself. Short words are left alone, where one letter makes
    /// a different word.
    fn warn_near_list(&mut self, word: &str, span: Span) {
        const MIN_LEN: usize = 5;
        if word.chars().count() < MIN_LEN {
            return;
        }
        let near = self
            .names
            .iter()
            .filter(|(_, (symbol, _))| matches!(symbol, Symbol::List(_)))
            .map(|(name, _)| name)
            .filter(|name| strsim::levenshtein(word, name) == 1)
            .min()
            .cloned();
        let Some(list) = near else {
            return;
        };
        self.report(
            Diagnostic::new(
                Code::BareWordNearList,
                span,
                format!("the bare word `{word}` is text here, not the list `{list}`"),
            )
            .label(format!("compared as the text \"{word}\""))
            .help(format!(
                "write `{list}` to use the list, or `\"{word}\"` if you mean the text"
            )),
        );
    }

    /// One text constant (a bare word that names a list is an error here).
    fn single_text(
        &mut self,
        constant: &Spanned<Constant>,
        subject: &str,
        scope: &Scope,
    ) -> Option<String> {
        match &constant.node {
            Constant::Text(t) => {
                if t.trim().is_empty() {
                    self.report(
                        Diagnostic::new(
                            Code::NeverTrue,
                            constant.span,
                            format!("no value of `{subject}` is empty text"),
                        )
                        .label("empty text")
                        .help(format!("leadscore reads empty or blank text as missing; test `{subject} is missing` or `{subject} is present` instead")),
                    );
                }
                Some(t.clone())
            }
            Constant::Word(w) => {
                if let Some((Symbol::List(_), _)) = self.names.get(w) {
                    self.report(
                        Diagnostic::new(
                            Code::BadList,
                            constant.span,
                            format!(
                                "`{w}` is a list; `{}` compares with one value",
                                if self.negated_compare { "!=" } else { "=" }
                            ),
                        )
                        .label("a list")
                        .help(if self.negated_compare {
                            format!("write `{subject} not in {w}`")
                        } else {
                            format!("write `{subject} in {w}`")
                        }),
                    );
                    return None;
                }
                self.warn_bare_word(w, constant.span, scope);
                Some(w.clone())
            }
            other => {
                self.report(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        constant.span,
                        format!("`{subject}` is text; it cannot be compared with `{other}`"),
                    )
                    .label("not text")
                    .help(format!("quote the value to compare text: `\"{other}\"`")),
                );
                None
            }
        }
    }

    fn constants_of(&self, set: &Spanned<ValueSet>) -> Vec<Spanned<Constant>> {
        match &set.node {
            ValueSet::One(c) => vec![Spanned::new(c.clone(), set.span)],
            ValueSet::Many(items) => items.clone(),
        }
    }

    /// The text values of a value set: a constant, a list literal, or a
    /// declared list named by a bare word.
    fn texts(&mut self, set: &Spanned<ValueSet>, scope: &Scope) -> Option<Vec<String>> {
        self.texts_spanned(set, scope)
            .map(|v| v.into_iter().map(|(t, _)| t).collect())
    }

    fn texts_spanned(
        &mut self,
        set: &Spanned<ValueSet>,
        scope: &Scope,
    ) -> Option<Vec<(String, Span)>> {
        let mut out = Vec::new();
        let mut ok = true;
        for c in self.constants_of(set) {
            match &c.node {
                Constant::Text(t) => out.push((t.clone(), c.span)),
                Constant::Word(w) => match self.names.get(w).copied() {
                    Some((Symbol::List(id), _)) => {
                        if let Some(list) = self.lists.get(id) {
                            out.extend(list.values.iter().map(|v| (v.clone(), c.span)));
                        }
                    }
                    _ => {
                        self.warn_bare_word(w, c.span, scope);
                        self.warn_near_list(w, c.span);
                        out.push((w.clone(), c.span));
                    }
                },
                other => {
                    self.report(
                        Diagnostic::new(
                            Code::TypeMismatch,
                            c.span,
                            format!("expected text, found `{other}`"),
                        )
                        .label("not text")
                        .help(format!("quote it to use it as text: `\"{other}\"`")),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }

    fn number(&mut self, constant: &Spanned<Constant>, subject: &str, ty: Ty) -> Option<f64> {
        match &constant.node {
            Constant::Number(n) => Some(*n),
            other => {
                let help = match other {
                    Constant::Text(t) if t.trim().parse::<f64>().is_ok() => {
                        format!("drop the quotes: `{}`", t.trim())
                    }
                    _ => format!("compare `{subject}` with a number such as `100`"),
                };
                self.report(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        constant.span,
                        format!(
                            "`{subject}` is {}; it cannot be compared with `{other}`",
                            ty.describe()
                        ),
                    )
                    .label("not a number")
                    .help(help),
                );
                None
            }
        }
    }

    fn date_bounds(&mut self, constant: &Spanned<Constant>, subject: &str) -> Option<DateConstant> {
        match &constant.node {
            Constant::Date(d) => {
                let start = start_of_day(*d);
                let end = start + chrono::Duration::days(1);
                Some(DateConstant(start, Some(end)))
            }
            Constant::Instant(t) => Some(DateConstant(t.with_timezone(&chrono::Utc), None)),
            other => {
                self.report(
                    Diagnostic::new(Code::TypeMismatch, constant.span, format!("`{subject}` is a date; it cannot be compared with `{other}`"))
                        .label("not a date")
                        .help("write a date such as `2026-01-31` or an instant such as `2026-01-31T09:30:00Z`"),
                );
                None
            }
        }
    }

    fn enum_index(
        &mut self,
        e: EnumId,
        constant: &Spanned<Constant>,
        scope: &Scope,
    ) -> Option<usize> {
        let text = match &constant.node {
            Constant::Text(t) => t.clone(),
            Constant::Word(w) => {
                self.warn_bare_word(w, constant.span, scope);
                w.clone()
            }
            other => {
                let values = self
                    .model
                    .enums
                    .get(e)
                    .map(|v| v.join(", "))
                    .unwrap_or_default();
                self.report(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        constant.span,
                        format!("expected one of [{values}], found `{other}`"),
                    )
                    .label("not one of the values")
                    .help(format!("use one of: {values}")),
                );
                return None;
            }
        };
        let values = self.model.enums.get(e).cloned().unwrap_or_default();
        let folded = fold(&text);
        if let Some(i) = values.iter().position(|v| fold(v) == folded) {
            return Some(i);
        }
        let help = match did_you_mean(&text, values.iter().map(String::as_str)) {
            Some(s) => format!("did you mean `{s}`? The values are: {}", values.join(", ")),
            None => format!("the values are: {}", values.join(", ")),
        };
        self.report(
            Diagnostic::new(
                Code::NotInSet,
                constant.span,
                format!("`{text}` is not one of the declared values"),
            )
            .label("unknown value")
            .help(help),
        );
        None
    }

    fn label_index(&mut self, o: OutputId, constant: &Spanned<Constant>) -> Option<usize> {
        let (name, values) = match self.model.outputs.get(o) {
            Some(Output::Label { name, values, .. }) => (name.clone(), values.clone()),
            _ => return None,
        };
        let text = match &constant.node {
            Constant::Text(t) | Constant::Word(t) => t.clone(),
            other => other.to_string(),
        };
        let folded = fold(&text);
        if let Some(i) = values.iter().position(|v| fold(v) == folded) {
            return Some(i);
        }
        let help = match did_you_mean(&text, values.iter().map(String::as_str)) {
            Some(s) => format!(
                "did you mean `{s}`? The values of `{name}` are: {}",
                values.join(", ")
            ),
            None => format!("the values of `{name}` are: {}", values.join(", ")),
        };
        self.report(
            Diagnostic::new(
                Code::NotInSet,
                constant.span,
                format!("`{text}` is not a value of the label `{name}`"),
            )
            .label("unknown label value")
            .help(help),
        );
        None
    }
}

/// A date constant: its start, and for a date-only constant the end of its
/// (UTC) day, exclusive.
struct DateConstant(crate::time::Instant, Option<crate::time::Instant>);

impl DateConstant {
    fn upper_inclusive(&self) -> DateBound {
        match self.1 {
            Some(end) => DateBound {
                at: end,
                inclusive: false,
            },
            None => DateBound {
                at: self.0,
                inclusive: true,
            },
        }
    }

    fn compare(&self, order: Order) -> Pred {
        let start = self.0;
        let (low, high) = match (order, self.1) {
            (Order::Eq, Some(end)) => (
                Some(DateBound {
                    at: start,
                    inclusive: true,
                }),
                Some(DateBound {
                    at: end,
                    inclusive: false,
                }),
            ),
            (Order::Eq, None) => (
                Some(DateBound {
                    at: start,
                    inclusive: true,
                }),
                Some(DateBound {
                    at: start,
                    inclusive: true,
                }),
            ),
            (Order::Lt, _) => (
                None,
                Some(DateBound {
                    at: start,
                    inclusive: false,
                }),
            ),
            (Order::Le, _) => (None, Some(self.upper_inclusive())),
            (Order::Gt, Some(end)) => (
                Some(DateBound {
                    at: end,
                    inclusive: true,
                }),
                None,
            ),
            (Order::Gt, None) => (
                Some(DateBound {
                    at: start,
                    inclusive: false,
                }),
                None,
            ),
            (Order::Ge, _) => (
                Some(DateBound {
                    at: start,
                    inclusive: true,
                }),
                None,
            ),
        };
        Pred::Date { low, high }
    }
}

fn supported_predicates(ty: Ty) -> &'static str {
    match ty {
        Ty::Text => "`=`, `!=`, `in`, `contains`, `starts with`, `ends with`, `matches`, `is missing`",
        Ty::Number => "`=`, `!=`, `<`, `<=`, `>`, `>=`, `between`, `in`, `is missing`",
        Ty::Count => "`=`, `!=`, `<`, `<=`, `>`, `>=`, `between`, or the reference on its own (at least once)",
        Ty::Date => "`=`, `<`, `>`, `before`, `after`, `between`, `within`, `is missing`",
        Ty::Enum(_) => "`=`, `!=`, `<`, `>=`, ..., `in`, `between`, `is missing`",
        Ty::TextList => "`contains`, `is missing`, `is present`",
        Ty::Bool => "`= true`, `= false`, or the name on its own",
        Ty::Label(_) => "`=`, `!=`, `in`, `is missing`",
        Ty::Error => "nothing",
    }
}

fn flatten(a: Cond, b: Cond, and: bool) -> Cond {
    let mut items = Vec::new();
    for c in [a, b] {
        match (c, and) {
            (Cond::And(inner), true) | (Cond::Or(inner), false) => items.extend(inner),
            (other, _) => items.push(other),
        }
    }
    if and {
        Cond::And(items)
    } else {
        Cond::Or(items)
    }
}

/// The order of a comparison; `None` for `!=`, which is lowered to `not =`.
fn order_of(op: CompareOp) -> Option<Order> {
    Some(match op {
        CompareOp::Eq => Order::Eq,
        CompareOp::Ne => return None,
        CompareOp::Lt => Order::Lt,
        CompareOp::Le => Order::Le,
        CompareOp::Gt => Order::Gt,
        CompareOp::Ge => Order::Ge,
    })
}
