//! The nodes of the plan: every name resolved to a typed id, every
//! constant lowered to the form evaluation compares against (text folded,
//! enum values to their position, dates to instants). Nothing here is
//! specific to one backend: the evaluator and the SQL compiler both read
//! these, and build what they need to run them on their own side.

use serde::Serialize;

use super::ids::{
    AccountBlockId, AccountRuleId, AggId, BlockId, EnumId, EventId, FieldId, GroupId, IdVec,
    MemberTestId, OutputId, PatternId, PropId, RuleId, TextSetId,
};
use crate::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ValueType {
    Text,
    Number,
    Bool,
    Date,
    Enum(EnumId),
    TextList,
}

#[derive(Debug, Serialize)]
pub struct Field {
    pub name: String,
    /// The key read from records.
    pub key: String,
    pub ty: ValueType,
    /// Placeholders read as missing (`missing if`), trimmed and folded.
    pub missing_if: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct EventType {
    pub name: String,
    pub props: IdVec<PropId, Prop>,
}

#[derive(Debug, Serialize)]
pub struct Prop {
    pub name: String,
    pub ty: ValueType,
    /// Placeholders read as missing (`missing if`), trimmed and folded.
    pub missing_if: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
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

#[derive(Debug, Clone, Serialize)]
pub struct Aggregate {
    pub event: EventId,
    pub filter: Option<Cond>,
    pub window: Option<Duration>,
    pub kind: AggKind,
    /// `since FIELD`: only events strictly after the lead's instant in this
    /// date field count (all of them when it is missing or after as-of).
    pub since: Option<FieldId>,
}

#[derive(Debug, Serialize)]
pub struct RuleDef {
    /// The rule's name, or its source text when it has none.
    pub name: String,
    pub group: Option<GroupId>,
    /// The `first` block the rule takes its turn in: it gives its points
    /// only when no earlier rule of the block did.
    pub block: Option<BlockId>,
    pub effect: Effect,
    /// Where the rule is written, for readers of generated code.
    pub origin: Origin,
}

/// A `first` block: its rules, in order, in the plan's rule table (an
/// `otherwise` is the last, a `when` rule whose condition always holds).
/// Its rules follow one another in the table, in the same score. `R` is
/// the table's id: [`RuleId`] for a lead's rules, [`AccountRuleId`] for
/// the account block's.
#[derive(Debug, Serialize)]
pub struct BlockDef<R = RuleId> {
    /// The block's name, for explanations.
    pub name: Option<String>,
    /// The group of a lead's block; `None` at the top level and in the
    /// account block.
    pub group: Option<GroupId>,
    pub rules: Vec<R>,
    /// The block's `otherwise`, the last of its rules, when it has one.
    pub otherwise: Option<R>,
    pub origin: Origin,
}

/// A place in the model's files: the file (as named relative to the
/// model's directory) and the line, counted from 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    pub file: String,
    pub line: u32,
}

#[derive(Debug, Serialize)]
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
    /// `each FIELD per N +P`: P for each whole N of a number field's value
    /// (nothing when it is missing or negative), capped by `max`.
    PerUnit {
        field: FieldId,
        per: f64,
        points: f64,
        max: Option<f64>,
    },
}

#[derive(Debug, Default, Serialize)]
pub struct GroupDef {
    pub name: String,
    pub separate: bool,
    pub max: Option<f64>,
    pub min: Option<f64>,
    pub decay: Option<DecaySpec>,
    /// `since FIELD`: the group's events and decay start after this date.
    pub since: Option<FieldId>,
    pub rules: Vec<RuleId>,
}

/// The top level: rules outside any group, top-level decay, total clamps.
#[derive(Debug, Default, Serialize)]
pub struct TotalDef {
    pub rules: Vec<RuleId>,
    pub decay: Option<DecaySpec>,
    /// The top-level `since FIELD`, for the rules outside groups and the
    /// top-level decay.
    pub since: Option<FieldId>,
    pub max: Option<f64>,
    pub min: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DecaySpec {
    pub amount: DecayAmount,
    pub mode: DecayMode,
    pub period: Duration,
    pub source: String,
}

#[derive(Debug, Serialize)]
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
#[derive(Debug, Clone, Serialize)]
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Value {
    Field(FieldId),
    /// A property of the event being filtered.
    Prop(PropId),
    Aggregate(AggId),
    Score,
    Group(GroupId),
    Output(OutputId),
    Disqualified,
    /// In account scope: how many members pass the account's member test
    /// of this index (`members` itself is the test without a condition).
    Members(MemberTestId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TextOp {
    Equals,
    Contains,
    StartsWith,
    EndsWith,
}

/// Ordered comparisons; `!=` is lowered to `not =`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Order {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Order {
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

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DateBound {
    pub at: Instant,
    pub inclusive: bool,
}

#[derive(Debug, Clone, Serialize)]
pub enum Pred {
    /// Text (folded) against any of the folded values of the set.
    Text(TextOp, TextSetId),
    /// A list of text holds any of the folded values of the set.
    ListHas(TextSetId),
    /// Case-sensitive regular expression (Rust's `regex` syntax), searched
    /// in the raw (trimmed) text.
    Matches(PatternId),
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
#[derive(Debug, Serialize)]
pub struct AccountDef {
    pub key: FieldId,
    /// Group by the domain of an email address or URL, not the whole value.
    pub domain_of: bool,
    /// Keys that form no account, folded.
    pub except: Vec<String>,
    pub rollup: Option<RollupDef>,
    /// Every distinct `members` / `members(where ...)` the block reads.
    pub member_tests: IdVec<MemberTestId, MemberTest>,
    pub rules: IdVec<AccountRuleId, AccountRule>,
    /// The account's `first` blocks, each naming its rules.
    pub blocks: IdVec<AccountBlockId, BlockDef<AccountRuleId>>,
    pub max: Option<f64>,
    pub min: Option<f64>,
    pub outputs: IdVec<OutputId, Output>,
}

#[derive(Debug, Serialize)]
pub struct RollupDef {
    pub function: RollupFn,
    /// The member score rolled up: `None` for the total, else a group.
    pub of: Option<GroupId>,
    pub top: Option<usize>,
    /// The rollup as written, for explanations.
    pub source: String,
}

#[derive(Debug, Serialize)]
pub struct MemberTest {
    /// `None` counts every member.
    pub condition: Option<Cond>,
    /// `members` or `members(where ...)` as written.
    pub source: String,
}

#[derive(Debug, Serialize)]
pub struct AccountRule {
    pub name: String,
    /// The `first` block the rule takes its turn in, as a lead's rule does.
    pub block: Option<AccountBlockId>,
    pub condition: Cond,
    pub points: f64,
    /// The member tests the condition reads, for naming the members that
    /// made the rule fire.
    pub reads: Vec<MemberTestId>,
    pub origin: Origin,
}

/// How a decay lowers a score.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub enum DecayAmount {
    /// Minus these points.
    Points(f64),
    /// Times (1 - p/100).
    Percent(f64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum DecayMode {
    /// Once, when the lead has been inactive for the period.
    After,
    /// For every whole period of inactivity.
    Every,
}

/// How an account rolls its members' scores up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum RollupFn {
    Sum,
    Max,
    Avg,
}
