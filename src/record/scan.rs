//! The first try at an NDJSON lead: its text scanned byte by byte straight
//! into the plan's slots, for the plain records feeds write nearly always.
//! Strings are borrowed where they lie in the line and values go through
//! the same slot writes as [`fast`](super::fast)'s, so the lead is the same;
//! what costs is serde's machinery for each value, which a scan of a flat
//! record does not need.
//!
//! It reads a subset of JSON and gives up on the rest, never guessing: a
//! `\u` escape, a key written with an escape, a control character, an
//! object where the plan reads no value (a nested object is checked for
//! repeated keys, which the scan does not do), properties before an
//! event's `type`, and anything that is not JSON. [`fast`](super::fast)
//! then reads the line with serde_json, and gives up in turn to the
//! careful reader that words the problem. Numbers are checked against JSON's grammar here and converted
//! by serde_json, so that they are the same numbers.

use std::borrow::Cow;
use std::str::FromStr;

use super::json::Raw;
use super::scratch::{spare_props, LeadScratch, Refill};
use super::slot::{list_item, list_value, set_raw, set_str, EventKey, LeadKey, Seen};
use crate::lead::{Event, FieldValue};
use crate::plan::{EventId, FieldId, Id as _, Plan, ValueType};
use crate::time::parse_instant;

/// Reads a line of NDJSON into `scratch.lead`, whose fields the caller
/// has made ready to refill (`LeadScratch::reuse`); `false` when the line
/// is not one the scan reads, with the lead left half read.
/// The plan must allow it (`Plan::straight`).
pub(super) fn read_lead_into(plan: &Plan, text: &str, scratch: &mut LeadScratch) -> bool {
    let mut scan = Scan { text, at: 0 };
    lead(&mut scan, plan, scratch).is_some() && scan.at_end()
}

/// Arrays nested deeper than this are left to serde_json, which has a
/// limit of its own (and the scan's recursion must not exhaust the stack).
const MAX_DEPTH: usize = 64;

/// A position in the line.
struct Scan<'a> {
    text: &'a str,
    at: usize,
}

/// The start of a JSON value; arrays and objects are entered, not read.
enum Value<'a> {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    Str(Cow<'a, str>),
    Array,
    Object,
}

impl<'a> Scan<'a> {
    /// The next byte that is not JSON whitespace, not consumed.
    fn token(&mut self) -> Option<u8> {
        if let Some(b) = self.next_byte() {
            return Some(b);
        }
        let bytes = self.text.as_bytes();
        while let Some(&b) = bytes.get(self.at) {
            if !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                return Some(b);
            }
            self.at += 1;
        }
        None
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.token()? == byte).then(|| self.at += 1)
    }

    /// The next byte, when it is not whitespace: records from feeds hold
    /// none between tokens, and this spares the loop of [`Scan::token`].
    fn next_byte(&self) -> Option<u8> {
        self.text
            .as_bytes()
            .get(self.at)
            .copied()
            .filter(|b| *b > b' ')
    }

    /// Whether only whitespace is left.
    fn at_end(&mut self) -> bool {
        self.token().is_none()
    }

    /// After an object's first entry or an array's first item: `true` when
    /// another follows (its comma consumed), `false` at `close`.
    fn more(&mut self, close: u8) -> Option<bool> {
        match self.token()? {
            b',' => {
                self.at += 1;
                Some(true)
            }
            b if b == close => {
                self.at += 1;
                Some(false)
            }
            _ => None,
        }
    }

    /// Just after `[` or `{`: `true` when the array or object is empty
    /// (its `close` consumed).
    fn empty(&mut self, close: u8) -> Option<bool> {
        let empty = self.token()? == close;
        if empty {
            self.at += 1;
        }
        Some(empty)
    }

    /// A string without escapes, borrowed: an object's key (the careful
    /// reader finds a key that is written with escapes).
    fn string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.at;
        let length = special(self.text.as_bytes().get(start..)?)?;
        self.at = start + length + 1;
        let closed = self.text.as_bytes().get(start + length) == Some(&b'"');
        closed.then(|| self.text.get(start..start + length))?
    }

    /// A string value: borrowed, or unescaped when it holds the escapes
    /// that stand for one character (`\u` escapes are left to serde_json,
    /// which judges surrogates).
    fn text(&mut self) -> Option<Cow<'a, str>> {
        if let Some(plain) = self.plain_string() {
            return Some(Cow::Borrowed(plain));
        }
        self.eat(b'"')?;
        let bytes = self.text.as_bytes();
        let mut from = self.at;
        let mut owned: Option<String> = None;
        loop {
            let at = from + special(bytes.get(from..)?)?;
            let part = self.text.get(from..at)?;
            match bytes.get(at)? {
                b'"' => {
                    self.at = at + 1;
                    return Some(match owned {
                        None => Cow::Borrowed(part),
                        Some(mut text) => {
                            text.push_str(part);
                            Cow::Owned(text)
                        }
                    });
                }
                b'\\' => {
                    let unescaped = match bytes.get(at + 1)? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        _ => return None,
                    };
                    let text = owned.get_or_insert_with(String::new);
                    text.push_str(part);
                    text.push(unescaped);
                    from = at + 2;
                }
                _ => return None,
            }
        }
    }

    /// A string without escapes, borrowed, or nothing read: [`Scan::text`]
    /// reads the string when it has escapes.
    fn plain_string(&mut self) -> Option<&'a str> {
        let before = self.at;
        let read = self.string();
        if read.is_none() {
            self.at = before;
        }
        read
    }

    /// An object's key and its colon.
    fn key(&mut self) -> Option<&'a str> {
        let key = self.string()?;
        self.eat(b':')?;
        Some(key)
    }

    fn digits(&mut self) -> usize {
        let rest = self.text.as_bytes().get(self.at..).unwrap_or_default();
        let count = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        self.at += count;
        count
    }

    /// A number as JSON writes it, converted by serde_json.
    fn number(&mut self) -> Option<serde_json::Number> {
        let start = self.at;
        let bytes = self.text.as_bytes();
        if bytes.get(self.at) == Some(&b'-') {
            self.at += 1;
        }
        match bytes.get(self.at)? {
            b'0' => self.at += 1,
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        if bytes.get(self.at) == Some(&b'.') {
            self.at += 1;
            if self.digits() == 0 {
                return None;
            }
        }
        if let Some(b'e' | b'E') = bytes.get(self.at) {
            self.at += 1;
            if let Some(b'+' | b'-') = bytes.get(self.at) {
                self.at += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        serde_json::Number::from_str(self.text.get(start..self.at)?).ok()
    }

    fn literal(&mut self, word: &str) -> Option<()> {
        let end = self.at + word.len();
        (self.text.get(self.at..end)? == word).then(|| self.at = end)
    }

    /// The value that starts here; an array or object is entered.
    fn value(&mut self) -> Option<Value<'a>> {
        Some(match self.token()? {
            b'"' => Value::Str(self.text()?),
            b'-' | b'0'..=b'9' => Value::Number(self.number()?),
            b't' => self.literal("true").map(|()| Value::Bool(true))?,
            b'f' => self.literal("false").map(|()| Value::Bool(false))?,
            b'n' => self.literal("null").map(|()| Value::Null)?,
            b'[' => {
                self.at += 1;
                Value::Array
            }
            b'{' => {
                self.at += 1;
                Value::Object
            }
            _ => return None,
        })
    }

    /// A value nobody reads: anything but an object, which may repeat a
    /// key that the careful reader refuses, or arrays nested deeper than
    /// serde_json reads them.
    fn skip(&mut self, depth: usize) -> Option<()> {
        match self.value()? {
            Value::Object => None,
            Value::Array if depth >= MAX_DEPTH => None,
            Value::Array => {
                if !self.empty(b']')? {
                    loop {
                        self.skip(depth + 1)?;
                        if !self.more(b']')? {
                            break;
                        }
                    }
                }
                Some(())
            }
            _ => Some(()),
        }
    }

    /// A value into a slot of type `ty`, as [`fast`](super::fast)'s `Slot`.
    fn slot(
        &mut self,
        plan: &Plan,
        ty: ValueType,
        target: &mut FieldValue,
        strings: &mut Vec<String>,
    ) -> Option<()> {
        if self.token()? == b'"' {
            if let Some(text) = self.plain_string() {
                return set_str(plan, ty, text, target, strings).then_some(());
            }
        }
        let written = match self.value()? {
            Value::Str(text) => set_str(plan, ty, &text, target, strings),
            Value::Number(n) => set_raw(plan, ty, Raw::Number(&n), target),
            Value::Bool(b) => set_raw(plan, ty, Raw::Bool(b), target),
            Value::Null => set_raw(plan, ty, Raw::Null, target),
            Value::Array if ty == ValueType::TextList => {
                let mut items = Vec::new();
                if !self.empty(b']')? {
                    loop {
                        items.extend(list_item(&self.text()?, strings));
                        if !self.more(b']')? {
                            break;
                        }
                    }
                }
                *target = list_value(items);
                true
            }
            Value::Array | Value::Object => false,
        };
        written.then_some(())
    }
}

/// Where a string's text stops: at its closing quote, an escape or a
/// control character; `None` at the end of the line. Eight bytes at a
/// time, as serde_json does: most strings are a few dozen bytes.
fn special(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    // The high bit of each byte of `x` that is zero (exact up to the
    // first such byte, which is all that is needed).
    let zeros = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let mut chunks = bytes.chunks_exact(8);
    let mut done = 0;
    for chunk in chunks.by_ref() {
        let word = u64::from_le_bytes(chunk.try_into().ok()?);
        let found = zeros(word ^ (ONES * u64::from(b'"')))
            | zeros(word ^ (ONES * u64::from(b'\\')))
            | (word.wrapping_sub(ONES * 0x20) & !word & HIGH);
        if found != 0 {
            return Some(done + found.trailing_zeros() as usize / 8);
        }
        done += 8;
    }
    let rest = chunks.remainder();
    let at = rest
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
    Some(done + at)
}

/// The whole record, into the scratch's lead.
fn lead(scan: &mut Scan<'_>, plan: &Plan, scratch: &mut LeadScratch) -> Option<()> {
    let declared = &plan.fields;
    let LeadScratch {
        lead,
        spare_events,
        strings,
    } = scratch;
    let mut refill = Refill::start(&mut lead.fields, strings);
    let mut has_id = false;
    let mut seen = Seen::new();
    scan.eat(b'{')?;
    if !scan.empty(b'}')? {
        loop {
            let key = scan.key()?;
            let kind = LeadKey::of(plan, key);
            if !seen.first_time(kind.position(), key) {
                return None;
            }
            match kind {
                LeadKey::Id => {
                    id(scan, &mut lead.id)?;
                    has_id = true;
                }
                LeadKey::Events => match scan.value()? {
                    Value::Null => {}
                    Value::Array => events(scan, plan, &mut lead.events, spare_events, strings)?,
                    _ => return None,
                },
                LeadKey::Field(i) => {
                    let ty = declared.get(FieldId::from_index(i))?.ty;
                    let target = refill.slot(&mut lead.fields, i)?;
                    scan.slot(plan, ty, target, strings)?;
                }
                LeadKey::Other => scan.skip(0)?,
            }
            if !scan.more(b'}')? {
                break;
            }
        }
    }
    refill.finish(&mut lead.fields, strings);
    has_id.then_some(())
}

/// The lead's id, echoed as given: text (not blank) or a number; text goes
/// into the previous lead's id when that was text too.
fn id(scan: &mut Scan<'_>, slot: &mut serde_json::Value) -> Option<()> {
    match scan.value()? {
        Value::Str(text) if !text.trim().is_empty() => match slot {
            serde_json::Value::String(id) => {
                id.clear();
                id.push_str(&text);
            }
            other => *other = serde_json::Value::String(text.into_owned()),
        },
        Value::Number(n) => *slot = serde_json::Value::Number(n),
        _ => return None,
    }
    Some(())
}

/// The `events` array, just entered: declared events in order,
/// undeclared ones dropped.
fn events(
    scan: &mut Scan<'_>,
    plan: &Plan,
    events: &mut Vec<Event>,
    spare_events: &mut Vec<Event>,
    strings: &mut Vec<String>,
) -> Option<()> {
    if scan.empty(b']')? {
        return Some(());
    }
    let mut seen = Seen::new();
    loop {
        scan.eat(b'{')?;
        if let Some(event) = event(scan, plan, &mut seen, spare_events, strings)? {
            events.push(event);
        }
        if !scan.more(b']')? {
            return Some(());
        }
    }
}

/// One event, just entered; `Some(None)` when its type is not declared.
fn event<'a>(
    scan: &mut Scan<'a>,
    plan: &Plan,
    seen: &mut Seen<'a>,
    spare_events: &mut Vec<Event>,
    strings: &mut Vec<String>,
) -> Option<Option<Event>> {
    seen.clear();
    // `None` until `type` is read; then the declared type, if any.
    let mut kind: Option<Option<EventId>> = None;
    let mut at = None;
    let mut props = Vec::new();
    let mut refill = Refill::start(&mut [], strings);
    if !scan.empty(b'}')? {
        loop {
            let key = scan.key()?;
            let event_key = EventKey::of(plan, key, kind.flatten());
            if !seen.first_time(event_key.position(), key) {
                return None;
            }
            match (event_key, kind) {
                (EventKey::Type, _) => {
                    // Read without a `Cow` when it can be: events are most of
                    // a lead, and the profile shows the difference.
                    let event = match scan.plain_string() {
                        Some(name) => plan.event_type(name),
                        None => plan.event_type(&scan.text()?),
                    };
                    if let Some(id) = event {
                        props = spare_props(spare_events, plan.props(id).len(), strings);
                        refill = Refill::start(&mut props, strings);
                    }
                    kind = Some(event);
                }
                (EventKey::At, _) => {
                    at = Some(match scan.plain_string() {
                        Some(text) => Cow::Borrowed(text),
                        None => scan.text()?,
                    })
                }
                // Properties before the type: left to `fast`, which keeps
                // them until it is known.
                (_, None) => return None,
                (EventKey::Prop(i), Some(Some(id))) => {
                    let ty = plan.props(id).get(i)?.ty;
                    let target = refill.slot(&mut props, i)?;
                    scan.slot(plan, ty, target, strings)?;
                }
                (_, Some(_)) => scan.skip(0)?,
            }
            if !scan.more(b'}')? {
                break;
            }
        }
    }
    let Some(event) = kind? else {
        return Some(None);
    };
    refill.finish(&mut props, strings);
    let at = parse_instant(&at?)?;
    Some(Some(Event { event, at, props }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::Scan;

    #[test]
    fn numbers_are_read_as_json_writes_them_and_nothing_else() {
        for good in [
            "0",
            "-0",
            "12",
            "-3.25",
            "1e3",
            "1E+3",
            "2.5e-2",
            "18446744073709551616",
        ] {
            let mut scan = Scan { text: good, at: 0 };
            let n = scan.number().unwrap();
            assert_eq!(n, serde_json::from_str::<serde_json::Number>(good).unwrap());
            assert!(scan.at_end(), "{good}");
        }
        for bad in ["-", "01", "1.", ".5", "1e", "1e+", "+1", "1e400"] {
            let mut scan = Scan { text: bad, at: 0 };
            let whole = scan.number().is_some() && scan.at_end();
            assert!(!whole, "{bad}");
        }
    }

    #[test]
    fn a_string_stops_at_its_first_quote_escape_or_control_whatever_its_length() {
        for length in 0..40 {
            let text = "é".repeat(length / 2) + &"a".repeat(length % 2);
            for stop in ["\"", "\\", "\u{1}"] {
                let text = format!("{text}{stop}x\"");
                assert_eq!(super::special(text.as_bytes()), Some(length), "{text:?}");
            }
            assert_eq!(super::special(text.as_bytes()), None);
        }
    }

    #[test]
    fn strings_are_unescaped_as_serde_json_does_or_left_to_it() {
        for text in [
            r#""plain""#,
            r#""Générale""#,
            r#""a\"b""#,
            r#""page\t""#,
            r#""\\\/\b\f\n\r\t\"x""#,
            r#""\"""#,
        ] {
            let read = Scan { text, at: 0 }.text().unwrap();
            assert_eq!(
                read,
                serde_json::from_str::<String>(text).unwrap(),
                "{text}"
            );
            let borrowed = matches!(read, std::borrow::Cow::Borrowed(_));
            assert_eq!(borrowed, !text.contains('\\'), "{text}");
        }
        for text in [
            "\"tab\there\"",
            r#""open"#,
            r#""\u00e9""#,
            r#""\x""#,
            r#""a\"#,
        ] {
            assert_eq!(Scan { text, at: 0 }.text(), None, "{text}");
        }
    }
}
