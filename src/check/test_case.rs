//! A `test` block as the checker hands it to the test runner: authoring
//! data, kept beside the plan rather than in it.

use crate::plan::{Cond, Value};
use crate::source::Span;
use crate::time::Instant;

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
