//! What checking a part of a condition yields. An operand, a test or a
//! `let` body may be a condition already, a value of some type still to be
//! tested, or an event reference whose `within` is yet to come; [`Ty`] says
//! which predicates a value takes and how to describe it in a message.

use crate::plan::{Cond, EnumId, EventId, OutputId, Value, ValueType};

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
