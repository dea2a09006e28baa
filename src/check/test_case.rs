//! A `test` block as the checker hands it to the test runner: authoring
//! data, kept beside the plan rather than in it.

pub use super::test_leads::Subject;
use crate::plan::{Cond, IdVec, MemberTest, MemberTestId, Value};
use crate::source::Span;
use crate::time::Instant;

/// A `test` block, ready to run: its leads as JSON records so they go
/// through the same reader as real data.
#[derive(Debug)]
pub struct TestCase {
    pub name: String,
    pub as_of: Instant,
    /// One record a lead, in the order written; with one lead, its id is
    /// the test's name.
    pub leads: Vec<serde_json::Value>,
    pub expects: Vec<Expectation>,
    /// The `members(where ...)` counts its account expectations read
    /// (`Value::Members` in them indexes these, not the plan's).
    pub member_tests: IdVec<MemberTestId, MemberTest>,
    pub span: Span,
}

#[derive(Debug)]
pub struct Expectation {
    /// A lead of the test or an account.
    pub subject: Subject,
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
