//! The folded values of a text predicate and how a value is tested against
//! them: these tests run for every lead, often several times per event.

use std::ops::Deref;

use crate::plan::TextOp;

/// Folded text values, in the order the model wrote them.
#[derive(Debug, Clone)]
pub struct TextSet {
    values: Vec<String>,
    /// The first bytes of the values, by bit: `contains` tries the values
    /// only where the text has one of them, in one pass for all values.
    firsts: [u64; 4],
}

impl TextSet {
    pub fn new(values: Vec<String>) -> Self {
        let mut firsts = [0u64; 4];
        for value in &values {
            let b = value.as_bytes().first().copied().unwrap_or(0);
            if let Some(word) = firsts.get_mut(usize::from(b >> 6)) {
                *word |= 1 << (b & 63);
            }
        }
        TextSet { values, firsts }
    }

    fn may_start_with(&self, b: u8) -> bool {
        self.firsts
            .get(usize::from(b >> 6))
            .is_some_and(|word| word & (1 << (b & 63)) != 0)
    }

    /// Whether folded `text` stands in relation `op` to any of the values.
    pub fn holds(&self, op: TextOp, text: &str) -> bool {
        let text = text.as_bytes();
        let mut values = self.values.iter().map(|v| v.as_bytes());
        match op {
            TextOp::Equals => values.any(|v| same(text, v)),
            TextOp::StartsWith => values.any(|v| text.get(..v.len()).is_some_and(|t| same(t, v))),
            TextOp::EndsWith => values.any(|v| {
                text.len() >= v.len()
                    && text.get(text.len() - v.len()..).is_some_and(|t| same(t, v))
            }),
            TextOp::Contains => {
                self.values.iter().any(|v| v.is_empty())
                    || (0..text.len()).any(|i| {
                        let rest = text.get(i..).unwrap_or_default();
                        rest.first().is_some_and(|b| self.may_start_with(*b))
                            && self
                                .values
                                .iter()
                                .any(|v| rest.get(..v.len()).is_some_and(|t| same(t, v.as_bytes())))
                    })
            }
        }
    }

    /// Whether any folded item of a list equals one of the values.
    pub fn has_any(&self, items: &[String]) -> bool {
        items.iter().any(|item| {
            self.values
                .iter()
                .any(|v| same(item.as_bytes(), v.as_bytes()))
        })
    }
}

impl Deref for TextSet {
    type Target = [String];

    fn deref(&self) -> &[String] {
        &self.values
    }
}

/// Byte equality that looks at the ends before calling `memcmp`: values
/// of one length mostly differ there (countries, domains, page names), and
/// the call costs more than the comparison of such short text.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.first() == b.first() && a.last() == b.last() && a == b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(values: &[&str]) -> TextSet {
        TextSet::new(values.iter().map(|v| v.to_string()).collect())
    }

    #[test]
    fn every_operator_agrees_with_the_standard_library() {
        let values = [
            "",
            "a",
            "gmail.com",
            "data",
            "rev",
            "ops",
            "über",
            "revo",
            "\0x",
        ];
        let texts = [
            "",
            "a",
            "x@gmail.com",
            "gmail.com",
            "big data lead",
            "revops",
            "über-ops",
            "b",
            "re",
            "a\0x",
            "\0",
        ];
        let ops = [
            TextOp::Equals,
            TextOp::Contains,
            TextOp::StartsWith,
            TextOp::EndsWith,
        ];
        // Every prefix of the values, and every suffix (which lacks "").
        let sets = (0..=values.len()).flat_map(|n| [values.get(..n), values.get(n..)]);
        for chosen in sets.map(Option::unwrap_or_default) {
            let matcher = set(chosen);
            for (op, text) in ops.iter().flat_map(|op| texts.map(|t| (*op, t))) {
                let expected = chosen.iter().any(|v| match op {
                    TextOp::Equals => text == *v,
                    TextOp::Contains => text.contains(v),
                    TextOp::StartsWith => text.starts_with(v),
                    TextOp::EndsWith => text.ends_with(v),
                });
                let found = matcher.holds(op, text);
                assert_eq!(found, expected, "{op:?} {chosen:?} {text:?}");
            }
        }
    }

    #[test]
    fn a_list_has_any_of_the_values() {
        let matcher = set(&["snowflake", "bigquery"]);
        let items = |xs: &[&str]| xs.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(matcher.has_any(&items(&["hubspot", "bigquery"])));
        assert!(!matcher.has_any(&items(&["hubspot", "snowflakes"])));
        assert!(!matcher.has_any(&[]));
    }
}
