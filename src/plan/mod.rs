//! Plan: the compiler's intermediate representation. The checker produces
//! it (and nothing else does), only from a model without errors; every
//! backend reads it: the native evaluator (`eval`), the record readers
//! (the schema), the SQL compiler. It is immutable once built, shared by
//! every thread, and printable (`compile --emit plan`, as text or JSON).
//!
//! It holds what a scoring run needs and nothing of authoring (no spans,
//! no test blocks) or of one backend (no compiled regexes): text constants
//! and patterns sit in pools that each backend turns into its own form.

mod ids;
mod ir;
mod print;
mod spans;

use serde::Serialize;

pub use ids::{
    AccountBlockId, AccountRuleId, AggId, BlockId, EnumId, EventId, FieldId, GroupId, Id, IdVec,
    MemberTestId, OutputId, PatternId, PropId, RuleId, TextSetId,
};
pub use ir::*;
pub use spans::Spans;

use crate::text::{fold, trim};

/// Members an account's reason names at most; beyond it the reason says
/// how many more there were, so an account of ten thousand leads does not
/// carry ten thousand ids. Every backend names the same ones: the first by
/// id, or the best ones of a `top N` rollup.
pub const NAMED_MEMBERS: usize = 20;

#[derive(Debug, Default, Serialize)]
pub struct Plan {
    /// The record key the lead's id is read from (`id` unless the schema
    /// says `id as "KEY"`).
    pub id_key: String,
    pub fields: IdVec<FieldId, Field>,
    pub events: IdVec<EventId, EventType>,
    pub enums: IdVec<EnumId, Vec<String>>,
    /// Folded text constants of text predicates, one set per predicate.
    pub text_sets: IdVec<TextSetId, Vec<String>>,
    /// Regular expressions of `matches`, as written.
    pub patterns: IdVec<PatternId, String>,
    /// Every distinct event aggregate the model reads.
    pub aggregates: IdVec<AggId, Aggregate>,
    pub rules: IdVec<RuleId, RuleDef>,
    /// The `first` blocks, each naming its rules.
    pub blocks: IdVec<BlockId, BlockDef>,
    pub groups: IdVec<GroupId, GroupDef>,
    pub total: TotalDef,
    /// Thresholds and labels in declaration order, which is evaluation order.
    pub outputs: IdVec<OutputId, Output>,
    /// The `account` block, scored over groups of leads after the leads.
    pub account: Option<AccountDef>,
    /// Declared event types by folded name, for reading records (a list:
    /// models declare a handful, and a scan beats hashing).
    #[serde(skip)]
    event_names: Vec<(String, EventId)>,
    /// What the straight record readers may read, decided once.
    #[serde(skip)]
    straight: StraightReaders,
}

/// Which straight readers (into the plan's slots, without a JSON tree) a
/// plan's records can take; the rest go through the tree.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum StraightReaders {
    /// None: a field read from the id's key or from `events`, two fields
    /// from one key, or placeholders tested before conversion, which only
    /// the tree reads right.
    #[default]
    Neither,
    /// serde_json's visitors alone: an event property named `type` or
    /// `at`, which the byte scan leaves to them.
    Serde,
    /// The byte scan, then serde_json's visitors.
    Both,
}

impl Plan {
    /// Seals a plan the checker built: derives the lookups readers use.
    pub(crate) fn sealed(mut self) -> Plan {
        if self.id_key.is_empty() {
            self.id_key = "id".to_string();
        }
        self.event_names = self
            .events
            .iter_enumerated()
            .map(|(id, e)| (fold(&e.name), id))
            .collect();
        self.straight = self.straight_readers();
        self
    }

    /// Which straight readers this plan's records can take.
    pub fn straight(&self) -> StraightReaders {
        self.straight
    }

    fn straight_readers(&self) -> StraightReaders {
        let keys: Vec<&str> = self.fields.iter().map(|f| f.key.as_str()).collect();
        let shared_key = keys
            .iter()
            .enumerate()
            .any(|(i, key)| keys.iter().skip(i + 1).any(|other| other == key));
        let built_in = |key: &str| key == self.id_key || key == "events";
        if self.id_key == "events"
            || keys.iter().any(|key| built_in(key))
            || shared_key
            || self.has_placeholders()
        {
            return StraightReaders::Neither;
        }
        let shadowed = |p: &Prop| p.name == "type" || p.name == "at";
        if self.events.iter().any(|e| e.props.iter().any(shadowed)) {
            return StraightReaders::Serde;
        }
        StraightReaders::Both
    }

    /// The declared event type a record names, compared as folded text.
    pub fn event_type(&self, name: &str) -> Option<EventId> {
        let trimmed = trim(name);
        // Feeds nearly always write the name as declared, already folded.
        if let Some((_, id)) = self.event_names.iter().find(|(key, _)| key == trimmed) {
            return Some(*id);
        }
        // Folded names hold no ASCII capitals, so for ASCII text this is
        // `fold(name) == key` without building the folded string.
        let found = if trimmed.is_ascii() {
            self.event_names
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(trimmed))
        } else {
            let folded = fold(trimmed);
            self.event_names.iter().find(|(key, _)| *key == folded)
        };
        found.map(|(_, id)| *id)
    }

    /// The declared properties of an event type, in declaration order.
    pub fn props(&self, event: EventId) -> &[Prop] {
        self.events
            .get(event)
            .map(|e| e.props.as_slice())
            .unwrap_or(&[])
    }

    /// Whether any field or event property reads placeholders as missing.
    pub fn has_placeholders(&self) -> bool {
        self.fields.iter().any(|f| !f.missing_if.is_empty())
            || self
                .events
                .iter()
                .any(|e| e.props.iter().any(|p| !p.missing_if.is_empty()))
    }

    /// The plan as JSON (`compile --emit plan --format json`).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}
