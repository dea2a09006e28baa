//! Reading an NDJSON lead straight into the plan's slots, without building
//! a [`Json`] tree: keys the plan does not read are skipped (still checked
//! for duplicates), declared values are converted as they are read.
//!
//! This reader only ever says "here is the lead" or "not here": it gives up
//! on anything unusual (a bad value, a repeated key, an escaped key, broken
//! JSON) and [`to_lead`](super::to_lead) then reads the record through the
//! [`Json`] tree, which finds and words the problem. Every
//! conversion goes through the same `convert_raw`, and a property test
//! checks that both readers give the same lead.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::json::{Json, Raw};
use super::scratch::LeadScratch;
use super::scratch::{spare_props, Refill};
use super::slot::{list_item, list_value, set_raw, set_str, EventKey, LeadKey, Seen};
use crate::lead::{Event, FieldValue, Lead};
use crate::plan::{EventId, FieldId, Id as _, ValueType};
use crate::plan::{Plan, StraightReaders};
use crate::time::parse_instant;

/// The lead a line of NDJSON holds, or `None` when the line needs the
/// careful reading that explains what is wrong with it.
pub fn read_lead(plan: &Plan, text: &str) -> Option<Lead> {
    read_lead_by(plan, text, Straight::Either)
}

/// The two straight readers of a line, tried in turn.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Straight {
    /// The byte scan of [`scan`](super::scan), for plain records.
    Scan,
    /// serde_json, for the rest.
    Serde,
    /// The scan, then serde_json: what `score` does.
    Either,
}

/// [`read_lead`] by one straight reader alone, for the tests that hold
/// each to the careful reader.
#[doc(hidden)]
pub fn read_lead_by(plan: &Plan, text: &str, reader: Straight) -> Option<Lead> {
    let mut scratch = LeadScratch::default();
    read_by(plan, text, &mut scratch, reader).then_some(scratch.lead)
}

/// Reads a line of NDJSON into `scratch.lead`, as [`read_lead`] does;
/// `false` (with the lead left half read) when the line needs the careful
/// reading.
pub fn read_lead_into(plan: &Plan, text: &str, scratch: &mut LeadScratch) -> bool {
    read_by(plan, text, scratch, Straight::Either)
}

fn read_by(plan: &Plan, text: &str, scratch: &mut LeadScratch, reader: Straight) -> bool {
    let readers = plan.straight();
    if readers == StraightReaders::Neither {
        return false;
    }
    scratch.reuse(plan.fields.len());
    let scan = reader != Straight::Serde && readers == StraightReaders::Both;
    if scan && super::scan::read_lead_into(plan, text, scratch) {
        return true;
    }
    if reader == Straight::Scan {
        return false;
    }
    scratch.reuse(plan.fields.len());
    let mut deserializer = serde_json::Deserializer::from_str(text);
    LeadSeed { plan, scratch }
        .deserialize(&mut deserializer)
        .is_ok()
        && deserializer.end().is_ok()
}

/// The id under `key` of a line of NDJSON (`id` of a lead, `lead_id` of
/// an events-file row), as [`id_key`](super::id_key) gives it; `None` when
/// the line needs the careful reading, which finds the id or words the
/// problem.
pub fn read_id(text: &str, key: &str) -> Option<String> {
    let mut id = serde_json::Value::Null;
    let mut deserializer = serde_json::Deserializer::from_str(text);
    IdOnlySeed { key, slot: &mut id }
        .deserialize(&mut deserializer)
        .ok()?;
    deserializer.end().ok()?;
    (!id.is_null()).then(|| super::id_key(&id))
}

/// What `tree::to_event` makes of an NDJSON row of an events
/// file, read straight into an event: `Some(None)` for an undeclared type,
/// `None` when the row needs the careful reading.
pub fn read_event_row(plan: &Plan, text: &str) -> Option<Option<Event>> {
    if plan.has_placeholders() {
        return None;
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let event = EventSeed {
        plan,
        seen: &mut Seen::new(),
        spare_events: &mut Vec::new(),
        strings: &mut Vec::new(),
    }
    .deserialize(&mut deserializer)
    .ok()?;
    deserializer.end().ok()?;
    Some(event)
}

/// An object read for one key's id alone.
struct IdOnlySeed<'s> {
    key: &'s str,
    slot: &'s mut serde_json::Value,
}

impl<'de> DeserializeSeed<'de> for IdOnlySeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for IdOnlySeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object with an id")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = Seen::new();
        while let Some(key) = map.next_key_seed(Key)? {
            if !seen.first_time_by_name(key) {
                return Err(give_up());
            }
            if key == self.key {
                map.next_value_seed(Id {
                    slot: &mut *self.slot,
                })?;
            } else {
                map.next_value_seed(Skip)?;
            }
        }
        Ok(())
    }
}

/// Why the fast reader gave up; never shown, the careful reader says why.
#[derive(Debug)]
struct GiveUp;

impl fmt::Display for GiveUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("left to the careful reader")
    }
}

fn give_up<E: de::Error>() -> E {
    E::custom(GiveUp)
}

/// An object key borrowed from the line; escaped keys are left to the tree.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = &'de str;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<&'de str, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = &'de str;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<&'de str, E> {
        Ok(v)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<&'de str, E> {
        Err(give_up())
    }
}

/// Text, borrowed from the line when it has no escapes.
struct Text;

impl<'de> DeserializeSeed<'de> for Text {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Cow<'de, str>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Text {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("text")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v.to_string()))
    }
}

/// A value nobody reads, skipped while still rejecting repeated keys at any
/// depth, as the tree does.
struct Skip;

impl<'de> DeserializeSeed<'de> for Skip {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Skip {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Skip)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = Seen::new();
        while let Some(key) = map.next_key_seed(Key)? {
            if !seen.first_time_by_name(key) {
                return Err(give_up());
            }
            map.next_value_seed(Skip)?;
        }
        Ok(())
    }
}

/// A field or property value, converted to its declared type as read and
/// written over the slot's previous value.
struct Slot<'p, 's> {
    plan: &'p Plan,
    ty: ValueType,
    /// Strings to fill for text, rather than allocate.
    strings: &'s mut Vec<String>,
    target: &'s mut FieldValue,
}

impl Slot<'_, '_> {
    fn set<E: de::Error>(self, raw: Raw<'_>) -> Result<(), E> {
        match set_raw(self.plan, self.ty, raw, self.target) {
            true => Ok(()),
            false => Err(give_up()),
        }
    }
}

impl<'de> DeserializeSeed<'de> for Slot<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Slot<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.set(Raw::Null)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.set(Raw::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.set(Raw::Number(&v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.set(Raw::Number(&v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        let n = serde_json::Number::from_f64(v).ok_or_else(give_up)?;
        self.set(Raw::Number(&n))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        match set_str(self.plan, self.ty, v, self.target, self.strings) {
            true => Ok(()),
            false => Err(give_up()),
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if self.ty != ValueType::TextList {
            // Not a list: the careful reader says what is wrong.
            return Err(give_up());
        }
        // What `convert_raw` makes of an array of text; other items are
        // left to the careful reader.
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Text)? {
            items.extend(list_item(&item, self.strings));
        }
        *self.target = list_value(items);
        Ok(())
    }
}

/// The whole record, read into the scratch's lead.
struct LeadSeed<'p, 's> {
    plan: &'p Plan,
    scratch: &'s mut LeadScratch,
}

impl<'de> DeserializeSeed<'de> for LeadSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for LeadSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a lead record")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let plan = self.plan;
        let declared = &plan.fields;
        let LeadScratch {
            lead,
            spare_events,
            strings,
        } = self.scratch;
        let mut refill = Refill::start(&mut lead.fields, strings);
        let mut has_id = false;
        let mut seen = Seen::new();
        while let Some(key) = map.next_key_seed(Key)? {
            let kind = LeadKey::of(plan, key);
            if !seen.first_time(kind.position(), key) {
                return Err(give_up());
            }
            match kind {
                LeadKey::Id => {
                    map.next_value_seed(Id { slot: &mut lead.id })?;
                    has_id = true;
                }
                LeadKey::Events => map.next_value_seed(Events {
                    plan,
                    events: &mut lead.events,
                    spare_events: &mut *spare_events,
                    strings: &mut *strings,
                })?,
                LeadKey::Field(i) => {
                    let ty = declared
                        .get(FieldId::from_index(i))
                        .map(|f| f.ty)
                        .ok_or_else(give_up)?;
                    let target = refill.slot(&mut lead.fields, i).ok_or_else(give_up)?;
                    map.next_value_seed(Slot {
                        plan,
                        ty,
                        strings: &mut *strings,
                        target,
                    })?;
                }
                LeadKey::Other => map.next_value_seed(Skip)?,
            }
        }
        refill.finish(&mut lead.fields, strings);
        if has_id {
            Ok(())
        } else {
            Err(give_up())
        }
    }
}

/// The lead's id, echoed exactly as given; text goes into the previous
/// lead's id when that was text too.
struct Id<'s> {
    slot: &'s mut serde_json::Value,
}

impl<'de> DeserializeSeed<'de> for Id<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Id<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an id")
    }

    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        *self.slot = v.into();
        Ok(())
    }

    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        *self.slot = v.into();
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        let n = serde_json::Number::from_f64(v).ok_or_else(give_up)?;
        *self.slot = serde_json::Value::Number(n);
        Ok(())
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        if v.trim().is_empty() {
            return Err(give_up());
        }
        match self.slot {
            serde_json::Value::String(id) => {
                id.clear();
                id.push_str(v);
            }
            other => *other = serde_json::Value::String(v.to_string()),
        }
        Ok(())
    }
}

/// The `events` array: declared events in order, undeclared ones dropped.
struct Events<'p, 's> {
    plan: &'p Plan,
    /// Empty when reading starts.
    events: &'s mut Vec<Event>,
    spare_events: &'s mut Vec<Event>,
    strings: &'s mut Vec<String>,
}

impl<'de> DeserializeSeed<'de> for Events<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Events<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of events")
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut seen = Seen::new();
        while let Some(event) = seq.next_element_seed(EventSeed {
            plan: self.plan,
            seen: &mut seen,
            spare_events: &mut *self.spare_events,
            strings: &mut *self.strings,
        })? {
            if let Some(event) = event {
                self.events.push(event);
            }
        }
        Ok(())
    }
}

/// One event; `None` when its type is not declared.
struct EventSeed<'p, 's, 'de> {
    plan: &'p Plan,
    /// The keys of the event being read, kept between events to reuse.
    seen: &'s mut Seen<'de>,
    /// Events of earlier leads, whose property vectors are refilled
    /// rather than allocated.
    spare_events: &'s mut Vec<Event>,
    strings: &'s mut Vec<String>,
}

impl<'de> DeserializeSeed<'de> for EventSeed<'_, '_, 'de> {
    type Value = Option<Event>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<Event>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for EventSeed<'_, '_, 'de> {
    type Value = Option<Event>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an event object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<Event>, A::Error> {
        let plan = self.plan;
        let seen = self.seen;
        seen.clear();
        // `None` until `type` is read; then the declared type, if any.
        let mut kind: Option<Option<EventId>> = None;
        let mut at = None;
        let mut props = Vec::new();
        let mut refill = Refill::start(&mut [], self.strings);
        // Properties that come before `type`, converted once it is known.
        // Rarely any: an `Option` is dropped without a call when `None`,
        // where an empty vector of values took one per event.
        let mut early: Option<Vec<(&'de str, Json)>> = None;
        while let Some(key) = map.next_key_seed(Key)? {
            let event_key = EventKey::of(plan, key, kind.flatten());
            let position = match event_key {
                // Keys read before `type` were kept by name, and so are
                // the keys after them, which may repeat them.
                EventKey::Prop(_) if early.is_some() => None,
                _ => event_key.position(),
            };
            if !seen.first_time(position, key) {
                return Err(give_up());
            }
            match (event_key, kind) {
                (EventKey::Type, _) => {
                    let name = map.next_value_seed(Text)?;
                    let event = plan.event_type(&name);
                    if let Some(id) = event {
                        let count = plan.props(id).len();
                        props = spare_props(self.spare_events, count, self.strings);
                        refill = Refill::start(&mut props, self.strings);
                    }
                    kind = Some(event);
                }
                (EventKey::At, _) => at = Some(map.next_value_seed(Text)?),
                (_, None) => early
                    .get_or_insert_with(Vec::new)
                    .push((key, map.next_value()?)),
                (EventKey::Prop(i), Some(Some(id))) => {
                    let ty = plan.props(id).get(i).map(|p| p.ty).ok_or_else(give_up)?;
                    let target = refill.slot(&mut props, i).ok_or_else(give_up)?;
                    map.next_value_seed(Slot {
                        plan,
                        ty,
                        strings: &mut *self.strings,
                        target,
                    })?;
                }
                (_, Some(_)) => map.next_value_seed(Skip)?,
            }
        }
        let Some(event) = kind.ok_or_else(give_up)? else {
            return Ok(None);
        };
        let declared = plan.props(event);
        if declared.iter().any(|p| p.name == "type" || p.name == "at") {
            return Err(give_up());
        }
        for (key, value) in early.iter().flatten() {
            if let Some(i) = declared.iter().position(|p| p.name == *key) {
                let ty = declared.get(i).map(|p| p.ty).ok_or_else(give_up)?;
                let target = refill.slot(&mut props, i).ok_or_else(give_up)?;
                let strings = &mut *self.strings;
                Slot {
                    plan,
                    ty,
                    strings,
                    target,
                }
                .set(value.raw())?;
            }
        }
        refill.finish(&mut props, self.strings);
        let at = at.as_deref().and_then(parse_instant).ok_or_else(give_up)?;
        Ok(Some(Event { event, at, props }))
    }
}
