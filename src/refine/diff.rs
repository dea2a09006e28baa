//! Diff: two versions of a model on the same leads. Counts stream; the
//! score changes are kept (one number a lead) for the median and p90, and
//! only the `top` leads that moved most are kept whole.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value as JsonValue;

use super::block_order::{reordered, Reordered};
use super::definitions::definitions;
use super::stats::{median, percentile, round_to};
use super::text::{score, TextTable};
use super::{reason_changes, shown_outputs, Shown, Side};
use crate::eval::Outcome;
use crate::plan::{IdVec, Plan, RuleId};
use crate::plan::{Output, RuleDef};
use crate::source::{SourceMap, Span};
use crate::text::plural;

/// A model and the text it was read from (to quote its rules).
pub struct Version<'a> {
    pub plan: &'a Plan,
    pub sources: &'a SourceMap,
    pub rule_spans: &'a IdVec<RuleId, Span>,
}

pub struct Diff<'a> {
    old: Version<'a>,
    new: Version<'a>,
    top: usize,
    changes: Vec<f64>,
    outputs: Vec<OutputDiff>,
    moved: Vec<Moved>,
    /// Per rule of each version, what pairs it with the other version's.
    old_keys: Vec<String>,
    new_keys: Vec<String>,
}

struct OutputDiff {
    name: String,
    threshold: bool,
    /// Values in the order they are first declared (old, then new).
    values: Vec<String>,
    transitions: BTreeMap<(Shown, Shown), u64>,
}

impl<'a> Diff<'a> {
    pub fn new(old: Version<'a>, new: Version<'a>, top: usize) -> Self {
        let mut outputs: Vec<OutputDiff> = Vec::new();
        for output in old.plan.outputs.iter().chain(&new.plan.outputs) {
            let (threshold, values) = match output {
                Output::Threshold { .. } => (true, Vec::new()),
                Output::Label { values, .. } => (false, values.clone()),
            };
            match outputs.iter_mut().find(|o| o.name == output.name()) {
                Some(known) => {
                    for v in values {
                        if !known.values.contains(&v) {
                            known.values.push(v);
                        }
                    }
                }
                None => outputs.push(OutputDiff {
                    name: output.name().to_string(),
                    threshold,
                    values,
                    transitions: BTreeMap::new(),
                }),
            }
        }
        let keys = |v: &Version| -> Vec<String> {
            v.plan
                .rules
                .iter_enumerated()
                .map(|(id, r)| describe(v, id, r).identity().to_string())
                .collect()
        };
        Diff {
            old_keys: keys(&old),
            new_keys: keys(&new),
            old,
            new,
            top,
            changes: Vec::new(),
            outputs,
            moved: Vec::new(),
        }
    }

    /// Counts one lead's results under both models.
    pub fn add(&mut self, id: &JsonValue, before: &Outcome, after: &Outcome) {
        let change = crate::eval::round2(after.score - before.score);
        self.changes.push(change);
        let old = shown_outputs(self.old.plan, before);
        let new = shown_outputs(self.new.plan, after);
        let mut output_changes = Vec::new();
        for output in &mut self.outputs {
            let absent = if output.threshold {
                Shown::Pass(false)
            } else {
                Shown::Value(None)
            };
            let find = |list: &[(String, Shown)]| {
                list.iter()
                    .find(|(n, _)| *n == output.name)
                    .map_or(absent.clone(), |(_, s)| s.clone())
            };
            let (from, to) = (find(&old), find(&new));
            if from != to {
                output_changes.push(OutputChange {
                    name: output.name.clone(),
                    from: from.to_json(),
                    to: to.to_json(),
                });
            }
            *output.transitions.entry((from, to)).or_insert(0) += 1;
        }
        if change == 0.0 && output_changes.is_empty() {
            return;
        }
        // Keep the `top` largest moves; among equal moves, the earlier lead.
        let size = change.abs();
        let position = self.moved.iter().position(|m| m.change.abs() < size);
        if position.is_none() && self.moved.len() >= self.top {
            return;
        }
        let moved = Moved {
            id: id.clone(),
            before: before.score,
            after: after.score,
            change,
            outputs: output_changes,
            reasons: reason_changes(
                Side {
                    plan: self.old.plan,
                    outcome: before,
                    keys: &self.old_keys,
                },
                Side {
                    plan: self.new.plan,
                    outcome: after,
                    keys: &self.new_keys,
                },
            ),
        };
        self.moved
            .insert(position.unwrap_or(self.moved.len()), moved);
        self.moved.truncate(self.top);
    }

    /// The figures `--fail-if` reads, by name; all zero before any lead.
    pub fn figures(&self, rules: &RuleChanges) -> BTreeMap<String, f64> {
        let mut figures = BTreeMap::new();
        let mut put = |name: String, value: f64| {
            figures.insert(name, value);
        };
        put("leads".to_string(), self.changes.len() as f64);
        put("rules.added".to_string(), rules.added.len() as f64);
        put("rules.removed".to_string(), rules.removed.len() as f64);
        put("rules.changed".to_string(), rules.changed.len() as f64);
        put(
            "definitions.changed".to_string(),
            rules.definitions.len() as f64,
        );
        put("blocks.reordered".to_string(), rules.reordered.len() as f64);
        let s = self.score_changes();
        put("score.changed".to_string(), s.changed as f64);
        put("score.mean".to_string(), s.mean);
        put("score.median".to_string(), s.median);
        put("score.p90".to_string(), s.p90);
        put("score.largest".to_string(), s.largest);
        for output in &self.outputs {
            let (threshold, label) = self.output_rows(output);
            if let Some(t) = threshold {
                put(format!("{}.before", t.name), t.before as f64);
                put(format!("{}.after", t.name), t.after as f64);
                put(format!("{}.entered", t.name), t.entered as f64);
                put(format!("{}.left", t.name), t.left as f64);
            }
            if let Some(l) = label {
                put(format!("{}.changed", l.name), l.changed as f64);
                for v in &l.values {
                    let name = format!("{}.{}", l.name, v.value);
                    put(format!("{name}.before"), v.before as f64);
                    put(format!("{name}.after"), v.after as f64);
                    put(format!("{name}.entered"), v.entered as f64);
                    put(format!("{name}.left"), v.left as f64);
                }
            }
        }
        figures
    }

    fn score_changes(&self) -> ScoreChanges {
        let mut sorted = self.changes.clone();
        sorted.sort_by(f64::total_cmp);
        let mut sizes: Vec<f64> = sorted.iter().map(|c| c.abs()).collect();
        sizes.sort_by(f64::total_cmp);
        let n = sorted.len().max(1) as f64;
        ScoreChanges {
            changed: sorted.iter().filter(|c| **c != 0.0).count() as u64,
            mean: round_to(sorted.iter().sum::<f64>() / n, 2),
            median: round_to(median(&sorted).unwrap_or(0.0), 2),
            p90: round_to(percentile(&sizes, 90.0).unwrap_or(0.0), 2),
            largest: sizes.last().copied().unwrap_or(0.0),
        }
    }

    fn output_rows(&self, output: &OutputDiff) -> (Option<ThresholdDiff>, Option<LabelDiff>) {
        let count = |pick: &dyn Fn(&Shown, &Shown) -> bool| -> u64 {
            output
                .transitions
                .iter()
                .filter(|((from, to), _)| pick(from, to))
                .map(|(_, n)| n)
                .sum()
        };
        if output.threshold {
            let pass = Shown::Pass(true);
            return (
                Some(ThresholdDiff {
                    name: output.name.clone(),
                    before: count(&|from, _| *from == pass),
                    after: count(&|_, to| *to == pass),
                    entered: count(&|from, to| *from != pass && *to == pass),
                    left: count(&|from, to| *from == pass && *to != pass),
                }),
                None,
            );
        }
        let values = output
            .values
            .iter()
            .map(|v| {
                let is = Shown::Value(Some(v.clone()));
                ValueDiff {
                    value: v.clone(),
                    before: count(&|from, _| *from == is),
                    after: count(&|_, to| *to == is),
                    entered: count(&|from, to| *from != is && *to == is),
                    left: count(&|from, to| *from == is && *to != is),
                }
            })
            .collect();
        let transitions = output
            .transitions
            .iter()
            .filter(|((from, to), _)| from != to)
            .map(|((from, to), n)| Transition {
                from: from.to_json(),
                to: to.to_json(),
                leads: *n,
            })
            .collect();
        (
            None,
            Some(LabelDiff {
                name: output.name.clone(),
                changed: count(&|from, to| from != to),
                values,
                transitions,
            }),
        )
    }

    pub fn report(self) -> DiffReport {
        let rules = rule_changes(&self.old, &self.new);
        let figures = self.figures(&rules);
        let mut thresholds = Vec::new();
        let mut labels = Vec::new();
        for output in &self.outputs {
            let (t, l) = self.output_rows(output);
            thresholds.extend(t);
            labels.extend(l);
        }
        DiffReport {
            leads: self.changes.len() as u64,
            score: self.score_changes(),
            rules,
            thresholds,
            labels,
            moved: self.moved,
            figures,
        }
    }
}

/// The rules of the two versions, matched by name (an unnamed rule by its
/// text up to its points).
pub fn rule_changes(old: &Version, new: &Version) -> RuleChanges {
    let olds: Vec<RuleText> = old
        .plan
        .rules
        .iter_enumerated()
        .map(|(id, r)| describe(old, id, r))
        .collect();
    let news: Vec<RuleText> = new
        .plan
        .rules
        .iter_enumerated()
        .map(|(id, r)| describe(new, id, r))
        .collect();
    let mut matched = vec![false; news.len()];
    let mut changes = RuleChanges::default();
    for o in olds {
        let found = news.iter().enumerate().find(|(i, n)| {
            !matched.get(*i).copied().unwrap_or(true) && n.identity() == o.identity()
        });
        match found {
            Some((i, n)) => {
                if let Some(m) = matched.get_mut(i) {
                    *m = true;
                }
                if canonical(&n.text) != canonical(&o.text) || n.group != o.group {
                    changes.changed.push(RuleChange {
                        rule: n.rule.clone(),
                        before: o,
                        after: n.clone(),
                    });
                }
            }
            None => changes.removed.push(o),
        }
    }
    for (n, was_matched) in news.into_iter().zip(matched) {
        if !was_matched {
            changes.added.push(n);
        }
    }
    changes.definitions = definition_changes(old, new);
    changes.reordered = reordered(old, new);
    changes
}

/// Thresholds, labels, groups and the total whose definition differs
/// between the versions, or that only one version has. Their effect shows
/// in the entered/left counts; this says why.
fn definition_changes(old: &Version, new: &Version) -> Vec<DefinitionChange> {
    let olds = definitions(old.plan);
    let news = definitions(new.plan);
    let mut changes = Vec::new();
    for (name, kind, before) in &olds {
        let after = news.iter().find(|(n, k, _)| n == name && k == kind);
        match after {
            Some((_, _, after)) if after == before => {}
            _ => changes.push(DefinitionChange {
                name: name.clone(),
                kind,
                before: Some(before.clone()),
                after: after.map(|(_, _, a)| a.clone()),
            }),
        }
    }
    for (name, kind, after) in news {
        if !olds.iter().any(|(n, k, _)| *n == name && *k == kind) {
            changes.push(DefinitionChange {
                name,
                kind,
                before: None,
                after: Some(after),
            });
        }
    }
    changes
}

/// A threshold, label, group or the total defined differently in the new
/// version; `before` or `after` is `None` when only one version has it.
#[derive(Debug, Serialize)]
pub struct DefinitionChange {
    pub name: String,
    pub kind: &'static str,
    pub before: Option<String>,
    pub after: Option<String>,
}

pub(super) fn describe(v: &Version, id: RuleId, rule: &RuleDef) -> RuleText {
    RuleText {
        rule: rule.name.clone(),
        group: rule
            .group
            .and_then(|g| v.plan.groups.get(g))
            .map(|g| g.name.clone()),
        text: normalise(v.sources.text(v.rule_spans[id])),
    }
}

/// A rule's source on one line: its comments dropped, its spaces and line
/// breaks made single spaces.
fn normalise(text: &str) -> String {
    text.lines()
        .map(|line| match crate::syntax::comment_start(line) {
            Some(hash) => &line[..hash],
            None => line,
        })
        .flat_map(str::split_whitespace)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A rule's text as `fmt` prints it: without comments, line breaks or
/// brackets it does not need, so that a rule only laid out anew is not a
/// changed rule. A rule that does not parse alone (an `otherwise`) is
/// compared by its compact text.
fn canonical(text: &str) -> String {
    use crate::syntax::ast::Item;
    use crate::syntax::print::{rule, Parens};
    match crate::syntax::parse(0, text) {
        (Some(file), diagnostics) if diagnostics.iter().all(|d| !d.is_error()) => {
            match file.items.as_slice() {
                [Item::Rule(r)] => rule(r, Parens::Needed),
                _ => compact(text),
            }
        }
        _ => compact(text),
    }
}

/// A rule's text without the spaces outside its quoted texts: what a
/// reformat (`leadscore fmt`) leaves alone, so a rule only laid out anew is
/// not a changed rule.
fn compact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_text, mut escaped) = (false, false);
    for c in text.chars() {
        if in_text {
            out.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_text = false,
                _ => {}
            }
        } else if c == '"' {
            in_text = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}

#[derive(Clone, Debug, Serialize)]
pub struct RuleText {
    pub rule: String,
    pub group: Option<String>,
    pub text: String,
}

impl RuleText {
    /// What pairs a rule with its new version: its name. An unnamed rule
    /// is named by its text up to its points in the canonical layout, so
    /// that changing the points of `when seniority = VP +20` is a change
    /// and a reformat renames nothing.
    pub(super) fn identity(&self) -> &str {
        if normalise(&self.rule) != self.text {
            return &self.rule;
        }
        let points = self.text.rmatch_indices(' ').find(|(i, _)| {
            let rest = self.text.get(i + 1..).unwrap_or("");
            rest.starts_with(['+', '-']) && rest.chars().nth(1).is_some_and(|c| c.is_ascii_digit())
        });
        match points {
            Some((i, _)) => self.text.get(..i).unwrap_or(&self.text),
            None => &self.text,
        }
    }
}

#[derive(Debug, Default, Serialize)]
pub struct RuleChanges {
    pub added: Vec<RuleText>,
    pub removed: Vec<RuleText>,
    pub changed: Vec<RuleChange>,
    /// Thresholds, labels, groups and the total defined differently.
    pub definitions: Vec<DefinitionChange>,
    /// `first` blocks whose rules take their turns in another order.
    pub reordered: Vec<Reordered>,
}

#[derive(Debug, Serialize)]
pub struct RuleChange {
    pub rule: String,
    pub before: RuleText,
    pub after: RuleText,
}

/// How the total score changed: signed mean and median; p90 and largest
/// are of the size of the change.
#[derive(Debug, Serialize)]
pub struct ScoreChanges {
    pub changed: u64,
    pub mean: f64,
    pub median: f64,
    pub p90: f64,
    pub largest: f64,
}

#[derive(Debug, Serialize)]
pub struct ThresholdDiff {
    pub name: String,
    pub before: u64,
    pub after: u64,
    pub entered: u64,
    pub left: u64,
}

#[derive(Debug, Serialize)]
pub struct LabelDiff {
    pub name: String,
    pub changed: u64,
    pub values: Vec<ValueDiff>,
    /// Old value → new value, for the pairs that differ.
    pub transitions: Vec<Transition>,
}

#[derive(Debug, Serialize)]
pub struct ValueDiff {
    pub value: String,
    pub before: u64,
    pub after: u64,
    pub entered: u64,
    pub left: u64,
}

#[derive(Debug, Serialize)]
pub struct Transition {
    pub from: JsonValue,
    pub to: JsonValue,
    pub leads: u64,
}

#[derive(Debug, Serialize)]
pub struct OutputChange {
    pub name: String,
    pub from: JsonValue,
    pub to: JsonValue,
}

#[derive(Debug, Serialize)]
pub struct Moved {
    pub id: JsonValue,
    #[serde(serialize_with = "as_score")]
    pub before: f64,
    #[serde(serialize_with = "as_score")]
    pub after: f64,
    #[serde(serialize_with = "as_score")]
    pub change: f64,
    pub outputs: Vec<OutputChange>,
    pub reasons: Vec<JsonValue>,
}

fn as_score<S: serde::Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
    crate::output::score_json(*x).serialize(s)
}

#[derive(Debug, Serialize)]
pub struct DiffReport {
    pub leads: u64,
    pub rules: RuleChanges,
    pub score: ScoreChanges,
    pub thresholds: Vec<ThresholdDiff>,
    pub labels: Vec<LabelDiff>,
    pub moved: Vec<Moved>,
    pub figures: BTreeMap<String, f64>,
}

impl DiffReport {
    pub fn table(&self) -> String {
        let mut out = format!(
            "leads {}; rules: {} added, {} removed, {} changed",
            self.leads,
            self.rules.added.len(),
            self.rules.removed.len(),
            self.rules.changed.len()
        );
        match self.rules.reordered.len() {
            0 => out.push('\n'),
            n => out.push_str(&format!(
                "; {n} `first` block{} in another order\n",
                plural(n)
            )),
        }
        let s = &self.score;
        out.push_str(&format!(
            "score changed for {} leads: mean {}, median {}; size of change: p90 {}, largest {}\n\n",
            s.changed,
            signed(s.mean),
            signed(s.median),
            score(s.p90),
            score(s.largest)
        ));
        let mut t = TextTable::new(&["", "rule", "group", "text"]);
        let group = |g: &Option<String>| g.clone().unwrap_or_default();
        for r in &self.rules.added {
            t.row(vec![
                "added".into(),
                r.rule.clone(),
                group(&r.group),
                r.text.clone(),
            ]);
        }
        for r in &self.rules.removed {
            t.row(vec![
                "removed".into(),
                r.rule.clone(),
                group(&r.group),
                r.text.clone(),
            ]);
        }
        for c in &self.rules.changed {
            t.row(vec![
                "changed".into(),
                c.rule.clone(),
                group(&c.before.group),
                c.before.text.clone(),
            ]);
            t.row(vec![
                "".into(),
                "".into(),
                group(&c.after.group),
                format!("→ {}", c.after.text),
            ]);
        }
        if !t.is_empty() {
            out.push_str("Rules\n");
            out.push_str(&t.render());
            out.push('\n');
        }
        if !self.rules.reordered.is_empty() {
            let mut t = TextTable::new(&["block", "group", "before", "after"]);
            for r in &self.rules.reordered {
                t.row(vec![
                    r.block.clone(),
                    group(&r.group),
                    r.before.join(", "),
                    r.after.join(", "),
                ]);
            }
            out.push_str("First blocks whose rules take their turns in another order\n");
            out.push_str(&t.render());
            out.push('\n');
        }
        if !self.rules.definitions.is_empty() {
            let mut t = TextTable::new(&["", "name", "before", "after"]);
            for d in &self.rules.definitions {
                let state = match (&d.before, &d.after) {
                    (None, _) => "added",
                    (_, None) => "removed",
                    _ => "changed",
                };
                // An account rule's name already says what it is.
                let name = match d.name.starts_with(d.kind) {
                    true => d.name.clone(),
                    false => format!("{} {}", d.kind, d.name),
                };
                t.row(vec![
                    state.into(),
                    name,
                    d.before.clone().unwrap_or_default(),
                    d.after.clone().unwrap_or_default(),
                ]);
            }
            out.push_str("Scores, thresholds and labels\n");
            out.push_str(&t.render());
            out.push('\n');
        }
        if !self.thresholds.is_empty() {
            let mut t = TextTable::new(&["threshold", "before", "after", "entered", "left"]);
            for th in &self.thresholds {
                t.row(vec![
                    th.name.clone(),
                    th.before.to_string(),
                    th.after.to_string(),
                    th.entered.to_string(),
                    th.left.to_string(),
                ]);
            }
            out.push_str("Thresholds\n");
            out.push_str(&t.render());
            out.push('\n');
        }
        for label in &self.labels {
            let mut t = TextTable::new(&[&label.name, "before", "after", "entered", "left"]);
            for v in &label.values {
                t.row(vec![
                    v.value.clone(),
                    v.before.to_string(),
                    v.after.to_string(),
                    v.entered.to_string(),
                    v.left.to_string(),
                ]);
            }
            out.push_str(&format!(
                "Label {} (changed for {} lead{})\n",
                label.name,
                label.changed,
                plural(label.changed)
            ));
            out.push_str(&t.render());
            if !label.transitions.is_empty() {
                let moves: Vec<String> = label
                    .transitions
                    .iter()
                    .map(|tr| format!("{} → {}: {}", show(&tr.from), show(&tr.to), tr.leads))
                    .collect();
                out.push_str(&format!("  moves: {}\n", moves.join(", ")));
            }
            out.push('\n');
        }
        let mut t = TextTable::new(&["lead", "before", "after", "change", "outputs", "reasons"]);
        for m in &self.moved {
            let outputs: Vec<String> = m
                .outputs
                .iter()
                .map(|o| format!("{} {} → {}", o.name, show(&o.from), show(&o.to)))
                .collect();
            let reasons: Vec<String> = m
                .reasons
                .iter()
                .map(|r| format!("{} {} → {}", show(&r["rule"]), r["from"], r["to"]))
                .collect();
            t.row(vec![
                show(&m.id),
                score(m.before),
                score(m.after),
                signed(m.change),
                outputs.join("; "),
                reasons.join("; "),
            ]);
        }
        if !t.is_empty() {
            out.push_str("Leads that moved most\n");
            out.push_str(&t.render());
        }
        out
    }
}

fn signed(x: f64) -> String {
    if x > 0.0 {
        format!("+{}", score(x))
    } else {
        score(x)
    }
}

fn show(value: &JsonValue) -> String {
    match value {
        JsonValue::String(s) => s.clone(),
        JsonValue::Null => "(none)".to_string(),
        other => other.to_string(),
    }
}
