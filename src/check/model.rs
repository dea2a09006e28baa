//! The checked model: every name resolved to an index, every constant
//! lowered to the form evaluation compares against (text folded to
//! lowercase, enum values to their position, dates to instants).

use regex::Regex;

pub use super::texts::TextSet;

use crate::source::Span;
use crate::syntax::ast::{CompareOp, DecayAmount, DecayMode, Duration};
use crate::time::Instant;

pub type FieldId = usize;
pub type EventId = usize;
pub type EnumId = usize;
pub type AggId = usize;
pub type RuleId = usize;
pub type GroupId = usize;
pub type OutputId = usize;

#[derive(Debug, Default)]
pub struct Model {
    pub fields: Vec<Field>,
    pub events: Vec<EventType>,
    pub enums: Vec<Vec<String>>,
    /// Every distinct event aggregate the model reads, computed together in
    /// one pass over a lead's events.
    pub aggregates: Vec<Aggregate>,
    pub rules: Vec<RuleDef>,
    pub groups: Vec<GroupDef>,
    pub total: TotalDef,
    /// Thresholds and labels in declaration order, which is evaluation order.
    pub outputs: Vec<Output>,
    pub tests: Vec<TestCase>,
    /// The `account` block, scored over groups of leads after the leads.
    pub account: Option<AccountDef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    Text,
    Number,
    Bool,
    Date,
    Enum(EnumId),
    TextList,
}

#[derive(Debug)]
pub struct Field {
    pub name: String,
    /// The key read from records.
    pub key: String,
    pub ty: ValueType,
    pub span: Span,
}

#[derive(Debug)]
pub struct EventType {
    pub name: String,
    pub props: Vec<Prop>,
    pub span: Span,
}

#[derive(Debug)]
pub struct Prop {
    pub name: String,
    pub ty: ValueType,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AggKind {
    /// How many events match.
    Count,
    /// The sum of the matching events' fade weights.
    Faded(Duration),
    /// The time of the latest matching event.
    Latest,
    /// The time of the earliest matching event.
    Earliest,
}

#[derive(Debug)]
pub struct Aggregate {
    pub event: EventId,
    pub filter: Option<Cond>,
    pub window: Option<Duration>,
    pub kind: AggKind,
}

#[derive(Debug)]
pub struct RuleDef {
    /// The rule's name, or its source text when it has none.
    pub name: String,
    pub group: Option<GroupId>,
    pub effect: Effect,
    pub span: Span,
}

#[derive(Debug)]
pub enum Effect {
    When {
        condition: Cond,
        points: f64,
    },
    Disqualify {
        condition: Cond,
        reason: String,
    },
    Each {
        aggregate: AggId,
        points: f64,
        max: Option<f64>,
    },
}

#[derive(Debug, Default)]
pub struct GroupDef {
    pub name: String,
    pub separate: bool,
    pub max: Option<f64>,
    pub min: Option<f64>,
    pub decay: Option<DecaySpec>,
    pub rules: Vec<RuleId>,
    pub span: Span,
}

/// The top level: rules outside any group, top-level decay, total clamps.
#[derive(Debug, Default)]
pub struct TotalDef {
    pub rules: Vec<RuleId>,
    pub decay: Option<DecaySpec>,
    pub max: Option<f64>,
    pub min: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct DecaySpec {
    pub amount: DecayAmount,
    pub mode: DecayMode,
    pub period: Duration,
    pub source: String,
}

#[derive(Debug)]
pub enum Output {
    Threshold {
        name: String,
        condition: Cond,
        /// The condition as written, for explanations.
        source: String,
    },
    Label {
        name: String,
        /// Values in their declared spelling.
        values: Vec<String>,
        /// `(value index, condition)`; `None` is the fallback.
        cases: Vec<(usize, Option<Cond>)>,
        /// Each case's condition as written, for explanations.
        sources: Vec<String>,
    },
}

impl Output {
    pub fn name(&self) -> &str {
        match self {
            Output::Threshold { name, .. } | Output::Label { name, .. } => name,
        }
    }
}

/// A condition, ready to evaluate.
#[derive(Debug, Clone)]
pub enum Cond {
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
    /// A positive test of a value; false when the value is missing.
    Test(Value, Pred),
    /// A bool value is true (false when missing).
    Truthy(Value),
    /// as-of − D < value ≤ as-of, for a date value.
    Within(Value, Duration),
    /// Stands in for a condition that failed to check; never evaluated
    /// because a model with errors is never planned.
    Invalid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    Field(FieldId),
    /// A property of the event being filtered.
    Prop(usize),
    Aggregate(AggId),
    Score,
    Group(GroupId),
    Output(OutputId),
    Disqualified,
    /// In account scope: how many members pass the account's member test
    /// of this index (`members` itself is the test without a condition).
    Members(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextOp {
    Equals,
    Contains,
    StartsWith,
    EndsWith,
}

/// Ordered comparisons; `!=` is lowered to `not =`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Order {
    pub fn from_compare(op: CompareOp) -> Option<Order> {
        Some(match op {
            CompareOp::Eq => Order::Eq,
            CompareOp::Ne => return None,
            CompareOp::Lt => Order::Lt,
            CompareOp::Le => Order::Le,
            CompareOp::Gt => Order::Gt,
            CompareOp::Ge => Order::Ge,
        })
    }

    pub fn holds<T: PartialOrd>(self, left: T, right: T) -> bool {
        match self {
            Order::Eq => left == right,
            Order::Lt => left < right,
            Order::Le => left <= right,
            Order::Gt => left > right,
            Order::Ge => left >= right,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Order::Eq => "=",
            Order::Lt => "<",
            Order::Le => "<=",
            Order::Gt => ">",
            Order::Ge => ">=",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DateBound {
    pub at: Instant,
    pub inclusive: bool,
}

#[derive(Debug, Clone)]
pub enum Pred {
    /// Text (folded) against any of the folded values.
    Text(TextOp, TextSet),
    /// A list of text holds any of the folded values.
    ListHas(TextSet),
    /// Case-sensitive regex on the raw (trimmed) text.
    Matches(Regex),
    Number(Order, f64),
    NumberBetween(f64, f64),
    NumberIn(Vec<f64>),
    /// Enum or label positions.
    Ordinal(Order, usize),
    OrdinalBetween(usize, usize),
    OrdinalIn(Vec<usize>),
    Date {
        low: Option<DateBound>,
        high: Option<DateBound>,
    },
    Bool(bool),
    Missing,
    Present,
}

/// An `account` block. Its conditions are in account scope: `Value::Score`
/// is the account's score, `Value::Output` indexes the account's own
/// `outputs`, and `Value::Members` its `member_tests`.
#[derive(Debug)]
pub struct AccountDef {
    pub key: FieldId,
    /// Group by the domain of an email address or URL, not the whole value.
    pub domain_of: bool,
    /// Keys that form no account, folded.
    pub except: Vec<String>,
    pub rollup: Option<RollupDef>,
    /// Every distinct `members` / `members(where ...)` the block reads.
    pub member_tests: Vec<MemberTest>,
    pub rules: Vec<AccountRule>,
    pub max: Option<f64>,
    pub min: Option<f64>,
    pub outputs: Vec<Output>,
    pub span: Span,
}

#[derive(Debug)]
pub struct RollupDef {
    pub function: crate::syntax::ast::RollupFn,
    /// The member score rolled up: `None` for the total, else a group.
    pub of: Option<GroupId>,
    pub top: Option<usize>,
    /// The rollup as written, for explanations.
    pub source: String,
}

#[derive(Debug)]
pub struct MemberTest {
    /// `None` counts every member.
    pub condition: Option<Cond>,
    /// `members` or `members(where ...)` as written.
    pub source: String,
}

#[derive(Debug)]
pub struct AccountRule {
    pub name: String,
    pub condition: Cond,
    pub points: f64,
    /// The member tests the condition reads, for naming the members that
    /// made the rule fire.
    pub reads: Vec<usize>,
    pub span: Span,
}

/// A `test` block, ready to run: its lead as a JSON record so it goes
/// through the same reader as real data.
#[derive(Debug)]
pub struct TestCase {
    pub name: String,
    pub as_of: Instant,
    pub record: serde_json::Value,
    pub expects: Vec<Expectation>,
    pub span: Span,
}

#[derive(Debug)]
pub struct Expectation {
    pub condition: Cond,
    pub source: String,
    pub span: Span,
    /// What the expectation reads, by the text that reads it, for a
    /// failing test to show what it saw.
    pub probes: Vec<(String, Probe)>,
}

/// One thing an expectation reads: a value, or a condition it names (a
/// `let`).
#[derive(Clone, Debug)]
pub enum Probe {
    Value(Value),
    Cond(Cond),
}
