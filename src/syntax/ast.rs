//! The abstract syntax tree of a model file. Every node carries its span;
//! spans take no part in equality, so two parses of differently laid out
//! text compare equal when they mean the same model.

// The tree is built once per file and walked by reference; boxing the
// larger variants would only add indirection to every match.
#![allow(clippy::large_enum_variant)]

use chrono::{DateTime, FixedOffset, NaiveDate};

use crate::source::Span;
pub use crate::time::{Duration, DurationUnit};

/// A node with the place in the source it came from.
#[derive(Clone, Debug)]
pub struct Spanned<T> {
    pub node: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(node: T, span: Span) -> Self {
        Spanned { node, span }
    }
}

impl<T: PartialEq> PartialEq for Spanned<T> {
    fn eq(&self, other: &Self) -> bool {
        self.node == other.node
    }
}

pub type Ident = Spanned<String>;

/// Equality of nodes that carry a whole-node span: every field but the span.
macro_rules! eq_ignoring_span {
    ($($ty:ident { $($field:ident),* })*) => {
        $(impl PartialEq for $ty {
            fn eq(&self, other: &Self) -> bool {
                true $(&& self.$field == other.$field)*
            }
        })*
    };
}

eq_ignoring_span! {
    EventDecl { name, props }
    ListDecl { name, source }
    LetDecl { name, body }
    Rule { kind, name }
    Group { name, modifiers, entries }
    Threshold { name, condition }
    Label { name, body }
    TestBlock { name, entries }
    TestEvent { name, args, repeat, time }
    Account { key, except, modifiers, entries }
    Rollup { function, score, top }
    FirstBlock { name, rules, otherwise }
    Otherwise { points, name }
}

impl PartialEq for ScoreName {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (ScoreName::Total(_), ScoreName::Total(_)) => true,
            (ScoreName::Group(a), ScoreName::Group(b)) => a == b,
            _ => false,
        }
    }
}

/// One parsed file: its items in source order.
#[derive(Clone, Debug, PartialEq)]
pub struct File {
    pub items: Vec<Item>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    Use(Spanned<String>),
    Lead(Spanned<Vec<FieldDecl>>),
    Event(EventDecl),
    List(ListDecl),
    Let(LetDecl),
    Rule(Rule),
    Group(Group),
    Total(Spanned<Vec<Spanned<Modifier>>>),
    Decay(Spanned<Decay>),
    /// `since FIELD` as an item: the rules outside groups count only the
    /// events after the lead's date.
    Since(Spanned<Ident>),
    Threshold(Threshold),
    Label(Label),
    Test(TestBlock),
    Account(Account),
    First(FirstBlock),
}

#[derive(Clone, Debug, PartialEq)]
pub struct FieldDecl {
    pub name: Ident,
    /// `None` only for `id as "KEY"`, which names the id's key and
    /// declares no field.
    pub ty: Option<Spanned<TypeExpr>>,
    /// The record key to read, when it differs from the field's name.
    pub key: Option<Spanned<String>>,
    /// `missing if [...]` or `missing if LIST`: values read as missing.
    pub missing_if: Option<Spanned<ValueSet>>,
}

impl FieldDecl {
    /// Where the declaration ends: its type, `as` or `missing if`,
    /// whichever is last.
    pub fn end(&self) -> usize {
        [
            Some(self.name.span.end),
            self.ty.as_ref().map(|t| t.span.end),
            self.key.as_ref().map(|k| k.span.end),
            self.missing_if.as_ref().map(|m| m.span.end),
        ]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(self.name.span.end)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum TypeExpr {
    Named(String),
    OneOf(Vec<Spanned<Constant>>),
    ListOf(Ident),
}

#[derive(Clone, Debug)]
pub struct EventDecl {
    pub name: Ident,
    pub props: Vec<PropDecl>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PropDecl {
    pub name: Ident,
    pub ty: Spanned<TypeExpr>,
    /// `missing if [...]` or `missing if LIST`: values read as missing.
    pub missing_if: Option<Spanned<ValueSet>>,
}

#[derive(Clone, Debug)]
pub struct ListDecl {
    pub name: Ident,
    pub source: ListSource,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ListSource {
    Literal(Vec<Spanned<Constant>>),
    File(Spanned<String>),
}

#[derive(Clone, Debug)]
pub struct LetDecl {
    pub name: Ident,
    pub body: Spanned<Expr>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Rule {
    pub kind: RuleKind,
    pub name: Option<Spanned<String>>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum RuleKind {
    When {
        condition: Spanned<Expr>,
        outcome: Outcome,
    },
    /// `each EVENTREF ...`, or `each FIELD [per N] ...` on a number
    /// field (the checker tells which the name is).
    Each {
        event: EventRef,
        /// `per N`, only for a field.
        per: Option<Spanned<f64>>,
        points: Spanned<f64>,
        modifiers: Vec<Spanned<Modifier>>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Points(Spanned<f64>),
    Disqualify(Spanned<String>),
}

/// `max N`, `min N`, `separate`, `fade over D`, `since FIELD`; which are allowed where is
/// settled by the grammar, and repetition by the checker.
#[derive(Clone, Debug, PartialEq)]
pub enum Modifier {
    Max(f64),
    Min(f64),
    Separate,
    Fade(Duration),
    /// `since FIELD` on a group: only events after the field's instant.
    Since(Ident),
}

#[derive(Clone, Debug)]
pub struct Group {
    pub name: Ident,
    pub modifiers: Vec<Spanned<Modifier>>,
    pub entries: Vec<GroupEntry>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum GroupEntry {
    Rule(Rule),
    Decay(Spanned<Decay>),
    First(FirstBlock),
}

/// `first ["NAME"] { when ... otherwise ... }`: the points of the first of
/// its rules that holds, else of `otherwise`, else none. Its rules are
/// `when` rules with points (the lowering reports anything else).
#[derive(Clone, Debug)]
pub struct FirstBlock {
    pub name: Option<Spanned<String>>,
    pub rules: Vec<Rule>,
    pub otherwise: Option<Otherwise>,
    pub span: Span,
}

/// `otherwise +P ["NAME"]` at the end of a `first` block.
#[derive(Clone, Debug)]
pub struct Otherwise {
    pub points: Spanned<f64>,
    pub name: Option<Spanned<String>>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Decay {
    pub amount: DecayAmount,
    pub mode: DecayMode,
    pub period: Spanned<Duration>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DecayAmount {
    Points(f64),
    Percent(f64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecayMode {
    /// Once, when the lead has been inactive for the period.
    After,
    /// For every whole period of inactivity.
    Every,
}

#[derive(Clone, Debug)]
pub struct Threshold {
    pub name: Option<Ident>,
    pub condition: ThresholdCondition,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ThresholdCondition {
    AtLeast(Spanned<f64>),
    When(Spanned<Expr>),
}

#[derive(Clone, Debug)]
pub struct Label {
    pub name: Ident,
    pub body: LabelBody,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum LabelBody {
    From {
        score: ScoreName,
        clauses: Vec<LabelClause>,
    },
    Cases(Vec<LabelCase>),
}

/// `score` (the total) or a group's name.
#[derive(Clone, Debug)]
pub enum ScoreName {
    Total(Span),
    Group(Ident),
}

#[derive(Clone, Debug, PartialEq)]
pub struct LabelClause {
    pub value: Spanned<String>,
    pub bound: Option<(Spanned<BoundOp>, Spanned<f64>)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoundOp {
    Ge,
    Gt,
    Le,
    Lt,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LabelCase {
    pub value: Spanned<String>,
    /// `None` for `otherwise`.
    pub condition: Option<Spanned<Expr>>,
}

/// A condition. `Test` is one operand with its `within`s and predicate.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Or(Box<Spanned<Expr>>, Box<Spanned<Expr>>),
    And(Box<Spanned<Expr>>, Box<Spanned<Expr>>),
    Not(Box<Spanned<Expr>>),
    Test(Test),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Test {
    pub operand: Spanned<Operand>,
    pub within: Vec<Spanned<Duration>>,
    pub predicate: Option<Spanned<Predicate>>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    Paren(Box<Spanned<Expr>>),
    /// The keyword `score`: the total.
    Score,
    /// A field, `let`, group, threshold, label, event or built-in name.
    Name(String),
    /// A name with an argument: `visits(pricing)`, `members(where ...)`.
    Call {
        name: Ident,
        arg: EventArg,
    },
    Last(EventRef),
    First(EventRef),
}

#[derive(Clone, Debug, PartialEq)]
pub struct EventRef {
    pub name: Ident,
    pub arg: Option<EventArg>,
    pub within: Vec<Spanned<Duration>>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum EventArg {
    Key(Spanned<ValueSet>),
    Where(Box<Spanned<Expr>>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum ValueSet {
    One(Constant),
    Many(Vec<Spanned<Constant>>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Constant {
    Text(String),
    /// A bare word: a text constant, or a declared list of that name.
    Word(String),
    Number(f64),
    Date(NaiveDate),
    Instant(DateTime<FixedOffset>),
    Bool(bool),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Predicate {
    Compare(CompareOp, Spanned<Constant>),
    In {
        negated: bool,
        set: Spanned<ValueSet>,
    },
    Contains(Spanned<ValueSet>),
    StartsWith(Spanned<ValueSet>),
    EndsWith(Spanned<ValueSet>),
    Matches(Spanned<String>),
    Between(Spanned<Constant>, Spanned<Constant>),
    IsMissing,
    IsPresent,
    Before(Spanned<Constant>),
    After(Spanned<Constant>),
}

#[derive(Clone, Debug)]
pub struct TestBlock {
    pub name: Spanned<String>,
    pub entries: Vec<TestEntry>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TestEntry {
    AsOf(Spanned<Constant>),
    /// A lead's fields; with several leads, each is named by its id.
    Lead(Option<Spanned<String>>, Vec<TestField>),
    /// A lead's events; with several leads, the lead's id names it.
    Events(Option<Spanned<String>>, Vec<TestEvent>),
    /// An expectation, of the test's one lead unless a subject names a
    /// lead or an account.
    Expect(Option<TestSubject>, Spanned<Expr>),
}

/// `lead "ann"` or `account "acme.com"` after `expect`.
#[derive(Clone, Debug)]
pub struct TestSubject {
    pub account: bool,
    pub key: Spanned<String>,
    /// From the keyword to the key.
    pub span: Span,
}

/// Equal whatever their place, as nodes compare.
impl PartialEq for TestSubject {
    fn eq(&self, other: &Self) -> bool {
        self.account == other.account && self.key == other.key
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct TestField {
    pub name: Ident,
    pub value: Spanned<TestValue>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TestValue {
    One(Constant),
    Many(Vec<Spanned<Constant>>),
}

#[derive(Clone, Debug)]
pub struct TestEvent {
    pub name: Ident,
    pub args: TestEventArgs,
    pub repeat: Option<Spanned<u32>>,
    pub time: Spanned<TestTime>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TestEventArgs {
    None,
    Key(Spanned<Constant>),
    Props(Vec<(Ident, Spanned<Constant>)>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum TestTime {
    Ago(Duration),
    At(Constant),
}

#[derive(Clone, Debug)]
pub struct Account {
    pub key: AccountKey,
    pub except: Option<Spanned<ValueSet>>,
    pub modifiers: Vec<Spanned<Modifier>>,
    pub entries: Vec<AccountEntry>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AccountKey {
    pub domain_of: bool,
    pub field: Ident,
}

#[derive(Clone, Debug, PartialEq)]
pub enum AccountEntry {
    Rollup(Rollup),
    Rule(Rule),
    First(FirstBlock),
    Threshold(Threshold),
    Label(Label),
}

#[derive(Clone, Debug)]
pub struct Rollup {
    pub function: Spanned<RollupFn>,
    pub score: ScoreName,
    pub top: Option<Spanned<u32>>,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RollupFn {
    Sum,
    Max,
    Avg,
}
