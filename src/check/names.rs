//! Name resolution in conditions: what an operand names in the scope it
//! is written in (a field, an event, a `let`, a group, a threshold or
//! label, `score`, `disqualified`, or inside a `where` an event's
//! property), events with their `where` filters and keys, lets checked once
//! with their cycles, and the reads of outputs that rules and thresholds
//! are held to.

use super::typed::{Ty, Typed};
use super::{Checker, LetState, Symbol};
use crate::codes::Code;
use crate::diagnostic::{did_you_mean, Diagnostic};
use crate::plan::{AggId, AggKind, Aggregate, Cond, EventId, Id, Output, OutputId, PropId, Value};
use crate::source::Span;
use crate::syntax::ast::{self, EventArg, Operand, Predicate, Spanned};

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

impl<'a> Checker<'a> {
    pub(super) fn operand(&mut self, operand: &Spanned<Operand>, scope: &Scope) -> Typed {
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
                let typed = self.in_since_scope(typed);
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
            since: None,
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
}
