//! What the two straight readers of JSON text ([`scan`](super::scan) and
//! [`fast`](super::fast)) share: the keys an object has shown so far, and
//! what a value read from the text does to the plan's slot. Both only
//! ever say "done" or "not here" (`false`): the careful reader through
//! the JSON tree then finds and words the problem.

use super::json::Raw;
use super::value::{convert_raw, text_over};
use crate::lead::FieldValue;
use crate::plan::{EventId, Plan, ValueType};
use crate::text::{fold_case, trim};

/// Known keys: the plan's fields or properties by position, then `id` and
/// `events` of a lead, or `type` and `at` of an event.
pub(super) const KNOWN_KEYS: usize = 62;
pub(super) const FIRST_BUILT_IN: usize = KNOWN_KEYS;
pub(super) const SECOND_BUILT_IN: usize = KNOWN_KEYS + 1;

const INLINE_KEYS: usize = 32;

/// The keys of one object so far. Keys the plan reads are known by their
/// position, and kept as a bit each; the others by name. Records rarely
/// have more than a few dozen keys; those are kept on the stack, sparing
/// an allocation a lead.
pub(super) struct Seen<'de> {
    /// A bit per known key seen.
    known: u64,
    inline: [&'de str; INLINE_KEYS],
    len: usize,
    more: Vec<&'de str>,
    /// A bit per other key seen, chosen by its length and ends: a key whose
    /// bit is clear is new without comparing it with every key before.
    bits: u64,
}

fn key_bit(key: &str) -> u64 {
    let bytes = key.as_bytes();
    let first = usize::from(bytes.first().copied().unwrap_or(0));
    let last = usize::from(bytes.last().copied().unwrap_or(0));
    1 << ((bytes.len() * 7 + first * 3 + last) & 63)
}

impl<'de> Seen<'de> {
    pub(super) fn new() -> Self {
        Seen {
            known: 0,
            inline: [""; INLINE_KEYS],
            len: 0,
            more: Vec::new(),
            bits: 0,
        }
    }

    pub(super) fn clear(&mut self) {
        self.known = 0;
        self.len = 0;
        self.more.clear();
        self.bits = 0;
    }

    /// Remembers the key at `position` among the known keys, or `key` when
    /// it has none; `false` when the key was seen before, which ends a
    /// straight read.
    pub(super) fn first_time(&mut self, position: Option<usize>, key: &'de str) -> bool {
        if let Some(bit) = position
            .filter(|p| *p < u64::BITS as usize)
            .map(|p| 1u64 << p)
        {
            if self.known & bit != 0 {
                return false;
            }
            self.known |= bit;
            return true;
        }
        self.first_time_by_name(key)
    }

    pub(super) fn first_time_by_name(&mut self, key: &'de str) -> bool {
        let bit = key_bit(key);
        if self.bits & bit != 0 {
            let inline = self.inline.get(..self.len).unwrap_or_default();
            if inline.contains(&key) || self.more.contains(&key) {
                return false;
            }
        }
        self.bits |= bit;
        match self.inline.get_mut(self.len) {
            Some(slot) => {
                *slot = key;
                self.len += 1;
            }
            None => self.more.push(key),
        }
        true
    }
}

/// What a key of a lead record is to a straight reader. This and
/// [`EventKey`] are asked for every key of every record from the readers'
/// own modules, so they are marked `#[inline]` (a call each cost 4% of a
/// lead's instructions).
#[derive(Clone, Copy)]
pub(super) enum LeadKey {
    Id,
    Events,
    /// The declared field at this position.
    Field(usize),
    /// A key the plan does not read.
    Other,
}

impl LeadKey {
    #[inline]
    pub(super) fn of(plan: &Plan, key: &str) -> LeadKey {
        if key == plan.id_key {
            LeadKey::Id
        } else if key == "events" {
            LeadKey::Events
        } else {
            let field = plan.fields.iter().position(|f| f.key == key);
            field.map_or(LeadKey::Other, LeadKey::Field)
        }
    }

    /// Its position among the known keys of [`Seen`], if it has one.
    #[inline]
    pub(super) fn position(self) -> Option<usize> {
        match self {
            LeadKey::Id => Some(FIRST_BUILT_IN),
            LeadKey::Events => Some(SECOND_BUILT_IN),
            LeadKey::Field(i) => (i < KNOWN_KEYS).then_some(i),
            LeadKey::Other => None,
        }
    }
}

/// What a key of an event object is to a straight reader.
#[derive(Clone, Copy)]
pub(super) enum EventKey {
    Type,
    At,
    /// The declared property at this position.
    Prop(usize),
    /// A key the plan does not read, or one read before the type is known.
    Other,
}

impl EventKey {
    /// `key` of an event whose declared type, once read, is `event`.
    #[inline]
    pub(super) fn of(plan: &Plan, key: &str, event: Option<EventId>) -> EventKey {
        match (key, event) {
            ("type", _) => EventKey::Type,
            ("at", _) => EventKey::At,
            (_, Some(id)) => {
                let prop = plan.props(id).iter().position(|p| p.name == key);
                prop.map_or(EventKey::Other, EventKey::Prop)
            }
            (_, None) => EventKey::Other,
        }
    }

    /// Its position among the known keys of [`Seen`], if it has one.
    #[inline]
    pub(super) fn position(self) -> Option<usize> {
        match self {
            EventKey::Type => Some(FIRST_BUILT_IN),
            EventKey::At => Some(SECOND_BUILT_IN),
            EventKey::Prop(i) => (i < KNOWN_KEYS).then_some(i),
            EventKey::Other => None,
        }
    }
}

/// Writes a JSON value other than text or an array into a slot of type
/// `ty`, as the careful reader converts it; `false` when it does not fit.
pub(super) fn set_raw(plan: &Plan, ty: ValueType, raw: Raw<'_>, target: &mut FieldValue) -> bool {
    match convert_raw(plan, raw, ty, &[]) {
        Ok(value) => {
            *target = value;
            true
        }
        Err(_) => false,
    }
}

/// Writes a JSON string into a slot of type `ty`: text into the slot's
/// own strings, anything else converted.
pub(super) fn set_str(
    plan: &Plan,
    ty: ValueType,
    text: &str,
    target: &mut FieldValue,
    strings: &mut Vec<String>,
) -> bool {
    if ty == ValueType::Text && !trim(text).is_empty() {
        // What `convert_raw` gives, in the slot's own strings.
        text_over(text, target, strings);
        return true;
    }
    set_raw(plan, ty, Raw::Str(text), target)
}

/// An item of a JSON array of text as a list holds it: trimmed and folded,
/// `None` when blank (the careful reader drops those).
pub(super) fn list_item(item: &str, strings: &mut Vec<String>) -> Option<String> {
    let item = trim(item);
    if item.is_empty() {
        return None;
    }
    let mut folded = strings.pop().unwrap_or_default();
    if item.is_ascii() {
        folded.push_str(item);
        folded.make_ascii_lowercase();
    } else {
        folded.push_str(&fold_case(item));
    }
    Some(folded)
}

/// A list slot's value once its items are read.
pub(super) fn list_value(items: Vec<String>) -> FieldValue {
    if items.is_empty() {
        FieldValue::Missing
    } else {
        FieldValue::List(items)
    }
}
