//! The hold-out split of `tune` and `backtest --holdout`: a lead is held
//! out by a hash of its id, so the same leads are held out on every run,
//! on every machine, in any order of the file, and a lead added later
//! does not move the others. `bench/compare_lr.py` splits the same way.

/// A share of the leads to hold out, in hundredths of a percent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Holdout {
    basis_points: u64,
}

impl Holdout {
    /// `30%`, `30` or `0.3`: a share from 0 (exclusive) to 100 %
    /// (exclusive); `None` for anything else.
    pub fn parse(text: &str) -> Option<Holdout> {
        let text = text.trim();
        let (number, percent) = match text.strip_suffix('%') {
            Some(n) => (n.trim(), true),
            None => (text, false),
        };
        let value: f64 = number.parse().ok().filter(|v: &f64| v.is_finite())?;
        let percent_value = if percent || value >= 1.0 {
            value
        } else {
            value * 100.0
        };
        let basis_points = (percent_value * 100.0).round();
        (1.0..10_000.0).contains(&basis_points).then_some(Holdout {
            basis_points: basis_points as u64,
        })
    }

    /// The share as a percentage.
    pub fn percent(self) -> f64 {
        self.basis_points as f64 / 100.0
    }

    /// Whether the lead with this id (its text, as given) is held out.
    pub fn holds_out(self, id: &str) -> bool {
        fnv1a(id.trim().as_bytes()) % 10_000 < self.basis_points
    }
}

/// A lead's id as the split hashes it: text as given, a number as written
/// in JSON.
pub fn id_text(id: &serde_json::Value) -> String {
    match id {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The 64-bit FNV-1a hash: tiny, stable across versions and platforms,
/// and easy to compute the same way in a script.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn fnv1a_known_values() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn shares_read_as_percentages() {
        assert_eq!(Holdout::parse("30%").unwrap().percent(), 30.0);
        assert_eq!(Holdout::parse("30").unwrap().percent(), 30.0);
        assert_eq!(Holdout::parse("0.3").unwrap().percent(), 30.0);
        assert_eq!(Holdout::parse("12.5 %").unwrap().percent(), 12.5);
        for bad in ["0", "100%", "-5%", "abc", "", "nan"] {
            assert_eq!(Holdout::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn about_the_share_asked_is_held_out() {
        let h = Holdout::parse("30%").unwrap();
        let out = (0..10_000)
            .filter(|i| h.holds_out(&format!("L-{i}")))
            .count();
        assert!((2_800..3_200).contains(&out), "{out}");
    }
}
