//! A lead as every backend that reads records sees it: its values
//! converted to the plan's declared types, its events to the plan's event
//! types. The readers make these; the evaluator reads them.

use crate::plan::{EventId, FieldId, PropId};
use crate::time::Instant;

/// A field or property value of a lead, converted to its declared type.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldValue {
    Missing,
    /// Trimmed text and its lowercase form, `None` when that is the text
    /// itself: most values (emails, event properties) are lowercase already
    /// and are then not stored twice.
    Text {
        raw: String,
        folded: Option<String>,
    },
    Number(f64),
    Bool(bool),
    Date(Instant),
    /// Position in the `one of` values.
    Enum(usize),
    /// Folded elements.
    List(Vec<String>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub event: EventId,
    pub at: Instant,
    pub props: Vec<FieldValue>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lead {
    /// The id as given: text or number.
    pub id: serde_json::Value,
    pub fields: Vec<FieldValue>,
    pub events: Vec<Event>,
}

impl Lead {
    /// The value of a field; missing when the record had none.
    #[inline]
    pub fn field(&self, id: FieldId) -> &FieldValue {
        self.fields.get(id.index()).unwrap_or(&FieldValue::Missing)
    }
}

impl Event {
    /// The value of a property; missing when the event had none.
    #[inline]
    pub fn prop(&self, id: PropId) -> &FieldValue {
        self.props.get(id.index()).unwrap_or(&FieldValue::Missing)
    }
}
