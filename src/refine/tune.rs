//! `tune`: new points for a model's rules from a regularised logistic
//! regression of the outcome on what each rule gave, written into the
//! model's own text so that only the numbers change.
//!
//! The pieces are plain functions: [`units`] turns a result into the
//! regression's features, [`suggest`] fits them (all rules together, or
//! group by group) and scales log-odds to the model's points, and
//! [`points_span`] / [`edit`] find a rule's points in its source text and
//! rewrite them. Reading records, evaluating and printing belong to `cli`.

use std::ops::Range;

use super::backtest::LAMBDA;
use crate::eval::Outcome;
use crate::learn::regression::{fit_rows, Row};
use crate::plan::{Effect, GroupId, Plan};

/// Points per unit of log-odds when a model's rules give no points yet.
pub const DEFAULT_SCALE: f64 = 10.0;

/// The points a rule gives when it fires (per unit for `each` rules);
/// `None` for a disqualification.
pub fn rule_points(effect: &Effect) -> Option<f64> {
    match effect {
        Effect::When { points, .. }
        | Effect::Each { points, .. }
        | Effect::PerUnit { points, .. } => Some(*points),
        Effect::Disqualify { .. } => None,
    }
}

/// The regression's features of one result: for every rule that gave
/// points, how many times its points it gave (1 for a `when` rule; the
/// count, faded and capped, for an `each` rule), by rule index.
pub fn units(plan: &Plan, outcome: &Outcome) -> Vec<(usize, f64)> {
    let mut on: Vec<(usize, f64)> = Vec::with_capacity(outcome.reasons.len());
    for reason in &outcome.reasons {
        let index = reason.rule.index();
        let per = plan
            .rules
            .get(reason.rule)
            .and_then(|r| rule_points(&r.effect))
            .unwrap_or(0.0);
        let value = if per.abs() > 1e-12 {
            reason.points / per
        } else {
            1.0
        };
        match on.iter_mut().find(|(i, _)| *i == index) {
            Some(entry) => entry.1 += value,
            None => on.push((index, value)),
        }
    }
    on
}

/// New points for every rule that gives points (`None` for the others and
/// for rules that never fired), from the training leads: their features
/// ([`units`]) and outcomes. With `by_group`, the rules of each group (and
/// those outside groups) are fitted on their own, so each group ranks the
/// leads as well as it can by itself. Log-odds become points at the scale
/// the rules already use: the new points give as many points on average
/// (by size) as the old ones. Rules of `separate` groups are left alone.
pub fn suggest(
    plan: &Plan,
    train: &[(Vec<(usize, f64)>, bool)],
    by_group: bool,
) -> Vec<Option<f64>> {
    // Rules of `separate` groups score something other than the total
    // (interest in one product, say) and keep their points.
    let tuned = |rule: &crate::plan::RuleDef| {
        rule_points(&rule.effect).is_some()
            && !rule
                .group
                .and_then(|g| plan.groups.get(g))
                .is_some_and(|g| g.separate)
    };
    let mut parts: Vec<Vec<usize>> = Vec::new();
    if by_group {
        let mut keys: Vec<Option<GroupId>> = Vec::new();
        for (i, rule) in plan.rules.iter().enumerate() {
            if !tuned(rule) {
                continue;
            }
            match keys.iter().position(|k| *k == rule.group) {
                Some(p) => {
                    if let Some(part) = parts.get_mut(p) {
                        part.push(i);
                    }
                }
                None => {
                    keys.push(rule.group);
                    parts.push(vec![i]);
                }
            }
        }
    } else {
        parts.push(
            plan.rules
                .iter()
                .enumerate()
                .filter(|(_, r)| tuned(r))
                .map(|(i, _)| i)
                .collect(),
        );
    }
    let mut suggested = vec![None; plan.rules.len()];
    for part in &parts {
        for (rule, points) in fit_part(plan, train, part) {
            if let Some(slot) = suggested.get_mut(rule) {
                *slot = Some(points);
            }
        }
    }
    suggested
}

/// Fits the rules of one part and scales their weights to points.
fn fit_part(plan: &Plan, train: &[(Vec<(usize, f64)>, bool)], part: &[usize]) -> Vec<(usize, f64)> {
    let column = |rule: usize| part.iter().position(|&r| r == rule);
    let rows: Vec<Row> = train
        .iter()
        .map(|(on, converted)| Row {
            on: on
                .iter()
                .filter_map(|&(rule, x)| column(rule).map(|c| (c, x)))
                .collect(),
            leads: 1.0,
            converted: f64::from(u8::from(*converted)),
        })
        .collect();
    let Some(fit) = fit_rows(&rows, part.len(), LAMBDA) else {
        return Vec::new();
    };
    // Mean units of each rule over all training leads, and how often it fired.
    let mut mean = vec![0.0; part.len()];
    let mut fired = vec![0u64; part.len()];
    for row in &rows {
        for &(c, x) in &row.on {
            if let (Some(m), Some(f)) = (mean.get_mut(c), fired.get_mut(c)) {
                *m += x;
                *f += 1;
            }
        }
    }
    let n = rows.len().max(1) as f64;
    let mut spent = 0.0;
    let mut size = 0.0;
    for (c, &rule) in part.iter().enumerate() {
        let old = plan
            .rules
            .iter()
            .nth(rule)
            .and_then(|r| rule_points(&r.effect))
            .unwrap_or(0.0);
        let m = mean.get(c).copied().unwrap_or(0.0) / n;
        spent += old.abs() * m;
        size += fit.weights.get(c).copied().unwrap_or(0.0).abs() * m;
    }
    let scale = if spent > 0.0 && size > 0.0 {
        spent / size
    } else {
        DEFAULT_SCALE
    };
    part.iter()
        .enumerate()
        .filter(|(c, _)| fired.get(*c).is_some_and(|f| *f > 0))
        .filter_map(|(c, &rule)| {
            let w = fit.weights.get(c)?;
            Some((rule, (w * scale).round() + 0.0))
        })
        .collect()
}

/// Where a rule's points are written in `text[rule]`: the last signed
/// number of the rule that starts a token (`+10`, `-2.5`), outside text
/// literals and comments. The points come after the condition and before
/// `max`, `fade over` and the name, and are the only signed number there,
/// so the last one is always the points.
pub fn points_span(text: &str, rule: Range<usize>) -> Option<Range<usize>> {
    let bytes = text.as_bytes();
    let end = rule.end.min(bytes.len());
    let mut i = rule.start;
    let mut found = None;
    while i < end {
        let c = bytes.get(i).copied().unwrap_or(b' ');
        match c {
            b'"' => {
                i += 1;
                while i < end {
                    match bytes.get(i) {
                        Some(b'\\') => i += 2,
                        Some(b'"') => break,
                        _ => i += 1,
                    }
                }
                i += 1;
            }
            b'#' => {
                while i < end && bytes.get(i) != Some(&b'\n') {
                    i += 1;
                }
            }
            b'+' | b'-' => {
                let boundary = i == 0
                    || bytes
                        .get(i - 1)
                        .is_some_and(|p| p.is_ascii_whitespace() || b"([{,;".contains(p));
                let digit = bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
                if boundary && digit {
                    let mut j = i + 1;
                    while j < end
                        && bytes
                            .get(j)
                            .is_some_and(|b| b.is_ascii_digit() || *b == b'_' || *b == b'.')
                    {
                        j += 1;
                    }
                    found = Some(i..j);
                    i = j;
                } else {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    found
}

/// Where the number of an `each` rule's `max` is written in
/// `text[rule]`: after its points (which end at `points_end`) come `max N`,
/// `fade over D` and the name, in any order but the name last, so the
/// first `max` word there, outside comments, is the cap.
pub fn cap_span(text: &str, rule: Range<usize>, points_end: usize) -> Option<Range<usize>> {
    let body = text.get(points_end..rule.end.min(text.len()))?;
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        // The name is last: a `max` in it, or after it, is not the cap.
        let code = line.split('#').next().unwrap_or("");
        let code = code.split('"').next().unwrap_or("");
        if let Some(at) = word_at(code, "max") {
            let after = code.get(at + 3..).unwrap_or("");
            let number = after.trim_start();
            let digits = number
                .bytes()
                .take_while(|b| b.is_ascii_digit() || *b == b'.' || *b == b'_')
                .count();
            let start = points_end + offset + at + 3 + (after.len() - number.len());
            return (digits > 0).then_some(start..start + digits);
        }
        if line.split('#').next().unwrap_or("").contains('"') {
            return None;
        }
        offset += line.len();
    }
    None
}

/// Where `word` stands as a whole word in `code`.
fn word_at(code: &str, word: &str) -> Option<usize> {
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    code.match_indices(word).map(|(i, _)| i).find(|&i| {
        let before = i.checked_sub(1).and_then(|j| code.as_bytes().get(j));
        let after = code.as_bytes().get(i + word.len());
        !before.is_some_and(|b| is_word(*b)) && !after.is_some_and(|b| is_word(*b))
    })
}

/// The cap of an `each` rule whose points go from `old` to `new`: scaled
/// with them, so that it binds at the same count as the one the points
/// were fitted on.
pub fn scaled_cap(cap: f64, old: f64, new: f64) -> Option<f64> {
    (old.abs() > 1e-12).then(|| (cap * new.abs() / old.abs()).round().max(new.abs().round()))
}

/// `text` with each range replaced by its new text; ranges must not
/// overlap (an overlapping one is left out).
pub fn edit(text: &str, mut edits: Vec<(Range<usize>, String)>) -> String {
    edits.sort_by_key(|(r, _)| r.start);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (range, new) in edits {
        if range.start < at || range.end > text.len() {
            continue;
        }
        out.push_str(text.get(at..range.start).unwrap_or(""));
        out.push_str(&new);
        at = range.end;
    }
    out.push_str(text.get(at..).unwrap_or(""));
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    // The integration tests' helper, shared so that both check "only
    // numbers changed" the same way.
    mod numbers {
        include!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/common/numbers.rs"
        ));
    }
    use numbers::mask_numbers;

    fn points_of(text: &str) -> &str {
        let span = points_span(text, 0..text.len()).unwrap();
        &text[span]
    }

    #[test]
    fn the_points_are_the_last_signed_number() {
        assert_eq!(points_of("when title in [VP] +10"), "+10");
        assert_eq!(points_of("when balance > -5 +10 \"x +3\""), "+10");
        assert_eq!(points_of("each visits +5 max 15"), "+5");
        assert_eq!(
            points_of("when signed_up after 2026-01-31 -2.5 # +7"),
            "-2.5"
        );
        assert_eq!(points_of("when t between -5 and -1 +1_000"), "+1_000");
        assert_eq!(points_of("otherwise +15 \"enterprise\""), "+15");
        assert_eq!(points_of("when at > 2026-01-31T09:30:00+02:00 +4"), "+4");
    }

    #[test]
    fn the_cap_is_the_number_after_max() {
        let text = "each visit +2 fade over 30d max 10 \"max 3\" # max 4\n";
        let points = points_span(text, 0..text.len()).unwrap();
        let cap = cap_span(text, 0..text.len(), points.end).unwrap();
        assert_eq!(&text[cap], "10");
        let text = "each visit +2 \"no max here\"";
        let points = points_span(text, 0..text.len()).unwrap();
        assert_eq!(cap_span(text, 0..text.len(), points.end), None);
        assert_eq!(scaled_cap(10.0, 2.0, 5.0), Some(25.0));
        assert_eq!(scaled_cap(10.0, -2.0, 3.0), Some(15.0));
        assert_eq!(scaled_cap(10.0, 0.0, 3.0), None);
    }

    #[test]
    fn edits_replace_only_their_ranges() {
        let text = "when a +1\nwhen b -2 # note\n";
        let a = points_span(text, 0..9).unwrap();
        let b = points_span(text, 10..27).unwrap();
        let out = edit(text, vec![(b, "+30".into()), (a, "-4".into())]);
        assert_eq!(out, "when a -4\nwhen b +30 # note\n");
        assert_eq!(mask_numbers(&out), mask_numbers(text));
    }

    proptest! {
        /// Whatever points are written, the text differs from the original
        /// only in numbers.
        #[test]
        fn tune_edits_change_only_numbers(
            old in proptest::collection::vec(-50i32..50, 4),
            new in proptest::collection::vec(-500.0f64..500.0, 4),
            comment in "[a-z +#-]{0,12}",
        ) {
            let text = format!(
                "# {comment}\nwhen title in [VP, \"+3\"] {:+} \"a +1\" # {comment}\n  when employees > -5 {:+}\neach visits(pricing) {:+} max 15\nscore fit {{\n  when x between 2026-01-01 and 2026-02-01 {:+}\n}}\n",
                old[0], old[1], old[2], old[3]
            );
            let lines: Vec<Range<usize>> = {
                let mut at = 0;
                let mut out = Vec::new();
                for line in text.split_inclusive('\n') {
                    let start = at;
                    at += line.len();
                    let body = line.split('#').next().unwrap_or("");
                    if body.contains("when") || body.contains("each") {
                        out.push(start..start + body.len());
                    }
                }
                out
            };
            prop_assert_eq!(lines.len(), 4);
            let edits: Vec<(Range<usize>, String)> = lines
                .iter()
                .zip(&new)
                .map(|(r, p)| (points_span(&text, r.clone()).unwrap(), crate::syntax::print::points(p.round())))
                .collect();
            let out = edit(&text, edits);
            prop_assert_eq!(mask_numbers(&out), mask_numbers(&text));
            let (ast, diagnostics) = crate::syntax::parse(0, &out);
            prop_assert!(ast.is_some() && diagnostics.iter().all(|d| !d.is_error()), "{}", out);
        }
    }
}
