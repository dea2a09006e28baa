//! What a sample says about one key (a lead field or an event property):
//! how many values of each kind it held, and the type those values fit.

use std::collections::HashMap;

use crate::record::Json;
use crate::text::fold;
use crate::time::parse_instant;

/// A `one of` type is inferred only from at least this many values...
const ENUM_MIN_VALUES: usize = 20;
/// ...with at most this many distinct values (ignoring letter case)...
const ENUM_MAX_DISTINCT: usize = 8;
/// ...each seen at least this often: a value seen once suggests others the
/// sample did not show, and a `one of` field rejects a value outside its set.
const ENUM_MIN_REPEATS: usize = 2;
/// Text is a `;`-separated list when at least this many values hold a `;`...
const SEMICOLON_LIST_MIN: usize = 2;
/// ...and they are at least one value in this many.
const SEMICOLON_LIST_SHARE: usize = 5;
/// Distinct values tracked per key; beyond this a key is free text anyway.
const DISTINCT_CAP: usize = 1000;
/// Numbers kept per key for the median of an example rule.
const NUMBER_SAMPLE_CAP: usize = 10_000;

/// How often each value was seen, ignoring letter case, keeping the
/// spelling seen first.
#[derive(Default)]
pub(super) struct Counts {
    pub(super) order: Vec<String>,
    pub(super) seen: HashMap<String, (usize, String)>,
    pub(super) overflow: bool,
}

impl Counts {
    pub(super) fn add(&mut self, value: &str) {
        let key = fold(value);
        if let Some(entry) = self.seen.get_mut(&key) {
            entry.0 += 1;
        } else if self.seen.len() < DISTINCT_CAP {
            self.order.push(key.clone());
            self.seen.insert(key, (1, value.trim().to_string()));
        } else {
            self.overflow = true;
        }
    }

    pub(super) fn distinct(&self) -> usize {
        self.seen.len()
    }

    /// The values, most frequent first (ties in order of appearance).
    pub(super) fn by_frequency(&self) -> Vec<(usize, &str)> {
        let mut all: Vec<(usize, &str)> = self
            .order
            .iter()
            .filter_map(|k| self.seen.get(k))
            .map(|(n, v)| (*n, v.as_str()))
            .collect();
        all.sort_by_key(|entry| std::cmp::Reverse(entry.0));
        all
    }
}

/// What the sample says about one key: a lead field or an event property.
#[derive(Default)]
pub(super) struct KeyStats {
    /// Values that are not null and not blank.
    pub(super) present: usize,
    /// JSON numbers and text that reads as a number.
    pub(super) numbers: usize,
    /// Numeric text with a leading zero (`02134`): a code, not a quantity.
    pub(super) leading_zero: bool,
    pub(super) bools: usize,
    pub(super) dates: usize,
    /// Non-blank JSON strings.
    pub(super) strings: usize,
    /// Arrays of text or numbers (`list of text`).
    pub(super) lists: usize,
    /// Text holding a `;`, the way a CSV cell holds a list.
    pub(super) semicolon_lists: usize,
    /// Objects, or arrays holding anything but text and numbers.
    pub(super) unreadable: usize,
    pub(super) values: Counts,
    pub(super) elements: Counts,
    pub(super) numbers_seen: Vec<f64>,
}

impl KeyStats {
    pub(super) fn observe(&mut self, value: &Json) {
        match value {
            Json::Null => {}
            Json::String(s) if s.trim().is_empty() => {}
            Json::String(s) => {
                self.present += 1;
                self.strings += 1;
                let t = s.trim();
                if let Some(n) = t.parse::<f64>().ok().filter(|n| n.is_finite()) {
                    self.number(n);
                    let digits = t.trim_start_matches(['+', '-']);
                    if digits.len() > 1 && digits.starts_with('0') && !digits.starts_with("0.") {
                        self.leading_zero = true;
                    }
                }
                if t.eq_ignore_ascii_case("true") || t.eq_ignore_ascii_case("false") {
                    self.bools += 1;
                }
                if parse_instant(t).is_some() {
                    self.dates += 1;
                }
                if t.contains(';') {
                    self.semicolon_lists += 1;
                }
                for part in t.split(';').map(str::trim).filter(|p| !p.is_empty()) {
                    self.elements.add(part);
                }
                self.values.add(t);
            }
            Json::Number(n) => {
                self.present += 1;
                if let Some(f) = n.as_f64() {
                    self.number(f);
                }
                self.values.add(&n.to_string());
            }
            Json::Bool(b) => {
                self.present += 1;
                self.bools += 1;
                self.values.add(&b.to_string());
            }
            Json::Array(items) => {
                let mut texts = Vec::new();
                let mut readable = true;
                for item in items {
                    match item {
                        Json::String(s) if !s.trim().is_empty() => texts.push(s.trim().to_string()),
                        Json::Number(n) => texts.push(n.to_string()),
                        Json::String(_) | Json::Null => {}
                        _ => readable = false,
                    }
                }
                if !readable {
                    self.present += 1;
                    self.unreadable += 1;
                } else if !texts.is_empty() {
                    self.present += 1;
                    self.lists += 1;
                    for t in &texts {
                        self.elements.add(t);
                    }
                }
            }
            Json::Object(_) => {
                self.present += 1;
                self.unreadable += 1;
            }
        }
    }

    pub(super) fn number(&mut self, n: f64) {
        self.numbers += 1;
        if self.numbers_seen.len() < NUMBER_SAMPLE_CAP {
            self.numbers_seen.push(n);
        }
    }

    /// The type the values fit, or why none does. The order matters: a
    /// column of `1`/`0` is a number, and a date is never a number.
    pub(super) fn infer(&self) -> Result<Type, String> {
        let all = self.present;
        if self.unreadable > 0 {
            return Err(
                "holds JSON objects or nested lists; leadscore reads flat values only".to_string(),
            );
        }
        if all == 0 {
            return Ok(Type::Text);
        }
        if self.lists > 0 {
            return if self.lists + self.strings == all {
                Ok(Type::ListOfText)
            } else {
                Err("mixes lists with numbers or true/false".to_string())
            };
        }
        if self.numbers == all && !self.leading_zero {
            return Ok(Type::Number);
        }
        if self.bools == all {
            return Ok(Type::Bool);
        }
        if self.dates == all {
            return Ok(Type::Date);
        }
        // CSV cells hold lists separated by `;`: a column where at least one
        // value in five (and two at least) has one is taken for a list.
        if self.strings == all
            && self.semicolon_lists >= SEMICOLON_LIST_MIN
            && self.semicolon_lists * SEMICOLON_LIST_SHARE >= all
        {
            return Ok(Type::ListOfText);
        }
        let values = self.values.by_frequency();
        let closed_set = !self.values.overflow
            && all >= ENUM_MIN_VALUES
            && (2..=ENUM_MAX_DISTINCT).contains(&self.values.distinct())
            && values.iter().all(|(n, _)| *n >= ENUM_MIN_REPEATS);
        if closed_set {
            let mut set: Vec<String> = values.iter().map(|(_, v)| v.to_string()).collect();
            set.sort_by_key(|v| fold(v));
            return Ok(Type::OneOf(set));
        }
        Ok(Type::Text)
    }

    /// The middle of the numbers seen, for an example bound.
    pub(super) fn median(&self) -> Option<f64> {
        let mut v = self.numbers_seen.clone();
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied()
    }
}

/// A type the language declares.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Type {
    Text,
    Number,
    Bool,
    Date,
    OneOf(Vec<String>),
    ListOfText,
}

/// Keys in order of first appearance, each with its statistics.
#[derive(Default)]
pub(super) struct Keys {
    pub(super) order: Vec<String>,
    pub(super) stats: HashMap<String, KeyStats>,
}

impl Keys {
    pub(super) fn observe(&mut self, key: &str, value: &Json) {
        if !self.stats.contains_key(key) {
            self.order.push(key.to_string());
        }
        self.stats
            .entry(key.to_string())
            .or_default()
            .observe(value);
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = (&str, &KeyStats)> {
        self.order
            .iter()
            .filter_map(|k| self.stats.get(k).map(|s| (k.as_str(), s)))
    }
}
