//! Where the items of a plan are written. The plan itself holds no spans
//! (a backend scores without them); tools that point at an item (a
//! refusal of the SQL backend, a diff quoting a rule, an editor) read this
//! table, which the checker fills beside the plan.

use super::ids::{AccountRuleId, EventId, GroupId, IdVec, OutputId, PatternId, RuleId};
use crate::source::Span;

#[derive(Debug, Default, Clone)]
pub struct Spans {
    /// Each rule, whole.
    pub rules: IdVec<RuleId, Span>,
    /// Each rule of the account block, whole (an `otherwise` too).
    pub account_rules: IdVec<AccountRuleId, Span>,
    /// Each pattern's first `matches "..."` literal.
    pub patterns: IdVec<PatternId, Span>,
    /// Each event type's name where it is declared.
    pub events: IdVec<EventId, Span>,
    /// Each group's name where it is declared.
    pub groups: IdVec<GroupId, Span>,
    /// Each threshold's or label's name where it is declared.
    pub outputs: IdVec<OutputId, Span>,
}
