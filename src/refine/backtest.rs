//! Backtest: every lead's result as of a past instant, set against whether
//! it converted. Counts are kept as the leads stream past; what needs every
//! lead at once (AUC, deciles, thresholds by capacity or F1) keeps one
//! score per lead and group, and the regression keeps one count per
//! distinct set of rules that fired.

use serde::Serialize;

use super::regression::{fit, Patterns};
use super::stats::{auc, best_f1_cut, capacity_cut, cuts, deciles, round_to, Cut, Tally};
use super::text::{cell, percent, score, shorten, TextTable};
use crate::eval::{Outcome, OutputValue};
use crate::plan::Plan;
use crate::plan::{Effect, Output};

/// The L2 penalty of the regression: a mild pull towards zero that keeps
/// rules which rarely fire (or always convert) from getting extreme points.
pub const LAMBDA: f64 = 1.0;

/// Everything counted so far.
pub struct Backtest<'p> {
    plan: &'p Plan,
    all: Tally,
    /// Per lead: total score, converted, not disqualified.
    leads: Vec<(f64, bool, bool)>,
    /// Per group, per lead.
    groups: Vec<Vec<f64>>,
    /// Per output: a threshold's passing leads, or a label's values (the
    /// last entry counts leads with no value).
    outputs: Vec<Vec<Tally>>,
    rules: Vec<RuleCount>,
    /// Rule id → regression feature, for rules that give points.
    features: Vec<Option<usize>>,
    patterns: Patterns,
}

#[derive(Clone, Copy, Default)]
struct RuleCount {
    hit: Tally,
    points_given: f64,
}

impl<'p> Backtest<'p> {
    pub fn new(plan: &'p Plan) -> Self {
        let model = &plan;
        let mut next = 0;
        let features: Vec<Option<usize>> = model
            .rules
            .iter()
            .map(|r| match r.effect {
                Effect::Disqualify { .. } => None,
                _ => {
                    next += 1;
                    Some(next - 1)
                }
            })
            .collect();
        Backtest {
            plan,
            all: Tally::default(),
            leads: Vec::new(),
            groups: vec![Vec::new(); model.groups.len()],
            outputs: model
                .outputs
                .iter()
                .map(|o| match o {
                    Output::Threshold { .. } => vec![Tally::default()],
                    Output::Label { values, .. } => vec![Tally::default(); values.len() + 1],
                })
                .collect(),
            rules: vec![RuleCount::default(); model.rules.len()],
            features,
            patterns: Patterns::new(next),
        }
    }

    /// Counts one lead's result and outcome.
    pub fn add(&mut self, outcome: &Outcome, converted: bool) {
        self.all.add(converted);
        let eligible = outcome.disqualified_by.is_empty();
        self.leads.push((outcome.score, converted, eligible));
        for (column, value) in self.groups.iter_mut().zip(&outcome.groups) {
            column.push(*value);
        }
        for (tallies, value) in self.outputs.iter_mut().zip(&outcome.outputs) {
            let slot = match value {
                OutputValue::Threshold(true) => tallies.first_mut(),
                OutputValue::Threshold(false) => None,
                OutputValue::Label(Some(i)) => tallies.get_mut(*i),
                OutputValue::Label(None) => tallies.last_mut(),
            };
            if let Some(t) = slot {
                t.add(converted);
            }
        }
        let mut on = Vec::with_capacity(outcome.reasons.len());
        for reason in &outcome.reasons {
            if let Some(count) = self.rules.get_mut(reason.rule.index()) {
                count.hit.add(converted);
                count.points_given += reason.points;
            }
            if let Some(Some(f)) = self.features.get(reason.rule.index()) {
                on.push(*f);
            }
        }
        for rule in &outcome.disqualified_by {
            if let Some(count) = self.rules.get_mut(rule.index()) {
                count.hit.add(converted);
            }
        }
        self.patterns.add(&on, converted);
    }

    /// The report, with the threshold for `capacity` MQLs when asked.
    pub fn report(self, capacity: Option<u64>) -> Report {
        let model = &self.plan;
        let all = self.all;
        let base = all.rate();
        let scores: Vec<f64> = self.leads.iter().map(|l| l.0).collect();
        let converted: Vec<bool> = self.leads.iter().map(|l| l.1).collect();
        let mut thresholds = Vec::new();
        let mut labels = Vec::new();
        for (output, tallies) in model.outputs.iter().zip(&self.outputs) {
            match output {
                Output::Threshold { name, .. } => {
                    let t = tallies.first().copied().unwrap_or_default();
                    thresholds.push(ThresholdRow {
                        name: name.clone(),
                        figures: Figures::of(t, all),
                        precision: t.rate(),
                        recall: t.recall(all),
                    });
                }
                Output::Label { name, values, .. } => {
                    let rows = tallies
                        .iter()
                        .enumerate()
                        .filter(|(_, t)| t.leads > 0)
                        .map(|(i, t)| LabelValueRow {
                            value: values.get(i).cloned(),
                            figures: Figures::of(*t, all),
                        })
                        .collect();
                    labels.push(LabelRow {
                        name: name.clone(),
                        values: rows,
                    });
                }
            }
        }
        let pairs: Vec<(f64, bool)> = self.leads.iter().map(|l| (l.0, l.1)).collect();
        let bands = deciles(&pairs)
            .into_iter()
            .map(|b| DecileRow {
                decile: b.decile,
                high: b.high,
                low: b.low,
                figures: Figures::of(b.tally, all),
            })
            .collect();
        let candidates: Vec<(f64, bool)> = self
            .leads
            .iter()
            .filter(|l| l.2)
            .map(|l| (l.0, l.1))
            .collect();
        let cuts = cuts(&candidates, all);
        let suggested_thresholds = SuggestedThresholds {
            capacity: capacity.map(|requested| CapacityRow {
                requested,
                threshold: capacity_cut(&cuts, requested).map(CutRow::from),
            }),
            best_f1: best_f1_cut(&cuts).map(CutRow::from),
        };
        let auc_rows = AucRow {
            score: auc(&scores, &converted),
            groups: model
                .groups
                .iter()
                .zip(&self.groups)
                .map(|(g, column)| GroupAuc {
                    group: g.name.clone(),
                    auc: auc(column, &converted),
                })
                .collect(),
        };
        let rules = self.rule_rows(all);
        let mut warnings: Vec<String> = rules
            .iter()
            .filter(|r| r.too_good)
            .map(|r| format!("rule `{}` alone all but decides the outcome (converted {} of {} leads it fired for, {} of the rest): too good to be true; does it read something filled in after the lead converted?", r.rule, r.converted, r.hits, super::text::percent(r.rate_when_not)))
            .collect();
        if auc_rows.score.is_some_and(|a| a >= TOO_GOOD_AUC) {
            warnings.push(format!("the score's ROC AUC is {}: too good to be true for a lead score; look for a rule or field that reads the outcome or something filled in after it", cell(auc_rows.score, 3)));
        }
        Report {
            without_outcome: 0,
            holdout_percent: None,
            warnings,
            leads: all.leads,
            converted: all.converted,
            base_rate: base,
            auc: auc_rows,
            thresholds,
            labels,
            deciles: bands,
            suggested_thresholds,
            rules,
            distribution: distribution(&pairs),
        }
    }

    fn rule_rows(&self, all: Tally) -> Vec<RuleRow> {
        let model = &self.plan;
        let weights = fit(&self.patterns, LAMBDA).map(|f| f.weights);
        // Scale log-odds to points: the suggestions spend as many points
        // in total (by size) as the rules do now, on average when fired.
        let mut spent = 0.0;
        let mut size = 0.0;
        for (id, count) in self.rules.iter().enumerate() {
            let weight = self.weight(weights.as_deref(), id);
            if let (Some(w), true) = (weight, count.hit.leads > 0) {
                spent += (count.points_given / count.hit.leads as f64).abs();
                size += w.abs();
            }
        }
        let scale = if size > 0.0 { spent / size } else { 0.0 };
        model
            .rules
            .iter()
            .enumerate()
            .map(|(id, rule)| {
                let count = self.rules.get(id).copied().unwrap_or_default();
                let hit = count.hit;
                let points = match rule.effect {
                    Effect::When { points, .. }
                    | Effect::Each { points, .. }
                    | Effect::PerUnit { points, .. } => Some(points),
                    Effect::Disqualify { .. } => None,
                };
                let lift = hit.lift(all);
                let weight = self
                    .weight(weights.as_deref(), id)
                    .filter(|_| hit.leads > 0);
                let suggested = weight.map(|w| (w * scale).round() + 0.0);
                // Wrong way: the points and the regression, which weighs the
                // rule with all the others, disagree in sign. A rule whose
                // points are its suggestion is never wrong way; the lift of
                // the rule alone is shown beside it and may disagree.
                let wrong_way = match (points, suggested) {
                    (Some(p), Some(s)) => (p > 0.0 && s < 0.0) || (p < 0.0 && s > 0.0),
                    _ => false,
                };
                RuleRow {
                    rule: rule.name.clone(),
                    group: rule
                        .group
                        .and_then(|g| model.groups.get(g))
                        .map(|g| g.name.clone()),
                    points,
                    average_points: (hit.leads > 0 && points.is_some())
                        .then(|| count.points_given / hit.leads as f64),
                    hits: hit.leads,
                    converted: hit.converted,
                    rate_when_hit: hit.rate(),
                    rate_when_not: hit.rest(all).rate(),
                    lift,
                    regression_weight: weight,
                    too_good: too_good(hit, all),
                    wrong_way,
                    suggested_points: suggested,
                }
            })
            .collect()
    }

    fn weight(&self, weights: Option<&[f64]>, rule: usize) -> Option<f64> {
        let feature = self.features.get(rule).copied().flatten()?;
        weights?.get(feature).copied()
    }
}

/// A ROC AUC at or above this is too good to be true for a lead score.
pub const TOO_GOOD_AUC: f64 = 0.98;

/// A rule that fired for a fair share of the leads and alone all but
/// decides the outcome: as a yes/no score its ROC AUC is at least
/// [`TOO_GOOD_AUC`].
fn too_good(hit: Tally, all: Tally) -> bool {
    let rest = hit.rest(all);
    let negatives = all.leads - all.converted;
    if hit.leads * 100 < all.leads || all.converted == 0 || negatives == 0 {
        return false;
    }
    // A yes/no score's AUC: (true positive rate + true negative rate) / 2,
    // taking the rule's better direction.
    let tpr = hit.converted as f64 / all.converted as f64;
    let tnr = (rest.leads - rest.converted) as f64 / negatives as f64;
    let auc = (tpr + tnr) / 2.0;
    auc.max(1.0 - auc) >= TOO_GOOD_AUC
}

/// Leads, converted, rate and lift of one slice of the leads.
#[derive(Debug, Serialize)]
pub struct Figures {
    pub leads: u64,
    pub converted: u64,
    pub rate: Option<f64>,
    pub lift: Option<f64>,
}

impl Figures {
    fn of(t: Tally, all: Tally) -> Self {
        Figures {
            leads: t.leads,
            converted: t.converted,
            rate: t.rate(),
            lift: t.lift(all),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Report {
    /// What looks too good to be true (a leak of the outcome).
    pub warnings: Vec<String>,
    pub leads: u64,
    /// Leads left out because their outcome was missing.
    pub without_outcome: u64,
    /// With `--holdout`, the share of the leads (in percent) the figures are of.
    pub holdout_percent: Option<f64>,
    pub converted: u64,
    pub base_rate: Option<f64>,
    pub auc: AucRow,
    pub thresholds: Vec<ThresholdRow>,
    pub labels: Vec<LabelRow>,
    pub deciles: Vec<DecileRow>,
    pub suggested_thresholds: SuggestedThresholds,
    pub rules: Vec<RuleRow>,
    pub distribution: Vec<Bin>,
}

#[derive(Debug, Serialize)]
pub struct AucRow {
    pub score: Option<f64>,
    pub groups: Vec<GroupAuc>,
}

#[derive(Debug, Serialize)]
pub struct GroupAuc {
    pub group: String,
    pub auc: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct ThresholdRow {
    pub name: String,
    #[serde(flatten)]
    pub figures: Figures,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct LabelRow {
    pub name: String,
    pub values: Vec<LabelValueRow>,
}

#[derive(Debug, Serialize)]
pub struct LabelValueRow {
    /// `None` for leads the label gives no value.
    pub value: Option<String>,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Debug, Serialize)]
pub struct DecileRow {
    pub decile: usize,
    pub high: f64,
    pub low: f64,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Debug, Serialize)]
pub struct SuggestedThresholds {
    pub capacity: Option<CapacityRow>,
    pub best_f1: Option<CutRow>,
}

#[derive(Debug, Serialize)]
pub struct CapacityRow {
    pub requested: u64,
    pub threshold: Option<CutRow>,
}

#[derive(Debug, Serialize)]
pub struct CutRow {
    pub score: f64,
    pub leads: u64,
    pub converted: u64,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub f1: Option<f64>,
}

impl From<Cut> for CutRow {
    fn from(c: Cut) -> Self {
        CutRow {
            score: c.score,
            leads: c.selected.leads,
            converted: c.selected.converted,
            precision: c.precision,
            recall: c.recall,
            f1: c.f1,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct RuleRow {
    pub rule: String,
    pub group: Option<String>,
    /// The points as written; `None` for a disqualification.
    pub points: Option<f64>,
    /// The points the rule gave on average when it fired (differs from
    /// `points` for `each` rules).
    pub average_points: Option<f64>,
    pub hits: u64,
    pub converted: u64,
    pub rate_when_hit: Option<f64>,
    pub rate_when_not: Option<f64>,
    pub lift: Option<f64>,
    /// The rule's log-odds weight in the regression of the outcome on
    /// every rule at once (its sign says which way the rule points once
    /// the others are accounted for); `None` when it never fired.
    pub regression_weight: Option<f64>,
    /// The rule alone all but decides the outcome: it likely reads
    /// something filled in after the fact.
    pub too_good: bool,
    /// Its points and its regression weight point opposite ways.
    pub wrong_way: bool,
    pub suggested_points: Option<f64>,
}

/// One bar of the score distribution: leads in `[from, to)` (the last bin
/// includes `to`), by outcome.
#[derive(Debug, Serialize)]
pub struct Bin {
    pub from: f64,
    pub to: f64,
    pub converted: u64,
    pub not_converted: u64,
}

/// Ten equal-width bins from the lowest score to the highest.
fn distribution(leads: &[(f64, bool)]) -> Vec<Bin> {
    let Some(low) = leads.iter().map(|l| l.0).min_by(f64::total_cmp) else {
        return Vec::new();
    };
    let high = leads.iter().map(|l| l.0).fold(low, f64::max);
    let count = if high > low { 10 } else { 1 };
    let width = ((high - low) / count as f64).max(f64::MIN_POSITIVE);
    let mut bins: Vec<Bin> = (0..count)
        .map(|i| Bin {
            from: round_to(low + width * i as f64, 2),
            to: round_to(
                if i + 1 == count {
                    high
                } else {
                    low + width * (i + 1) as f64
                },
                2,
            ),
            converted: 0,
            not_converted: 0,
        })
        .collect();
    for (score, converted) in leads {
        let index = (((score - low) / width) as usize).min(count - 1);
        if let Some(bin) = bins.get_mut(index) {
            if *converted {
                bin.converted += 1;
            } else {
                bin.not_converted += 1;
            }
        }
    }
    bins
}

impl Report {
    /// The report as text for a terminal.
    pub fn table(&self) -> String {
        let mut out = String::new();
        for warning in &self.warnings {
            out.push_str(&format!("warning: {warning}\n"));
        }
        if !self.warnings.is_empty() {
            out.push('\n');
        }
        if let Some(share) = self.holdout_percent {
            out.push_str(&format!(
                "held-out leads only: {}% of the leads, by a hash of the id\n",
                crate::syntax::print::number(share)
            ));
        }
        if self.without_outcome > 0 {
            out.push_str(&format!(
                "{} lead{} without an outcome left out\n",
                self.without_outcome,
                crate::text::plural(self.without_outcome)
            ));
        }
        out.push_str(&format!(
            "leads {}, converted {}, base rate {}\nROC AUC of the score {}",
            self.leads,
            self.converted,
            percent(self.base_rate),
            cell(self.auc.score, 3)
        ));
        for g in &self.auc.groups {
            out.push_str(&format!(", {} {}", g.group, cell(g.auc, 3)));
        }
        out.push_str("\n\n");

        if !self.thresholds.is_empty() {
            let mut t = TextTable::new(&[
                "threshold",
                "leads",
                "converted",
                "rate",
                "lift",
                "precision",
                "recall",
            ]);
            for row in &self.thresholds {
                let mut cells = vec![row.name.clone()];
                cells.extend(figure_cells(&row.figures));
                cells.push(percent(row.precision));
                cells.push(percent(row.recall));
                t.row(cells);
            }
            out.push_str("Thresholds\n");
            out.push_str(&t.render());
            out.push('\n');
        }

        let suggested = &self.suggested_thresholds;
        let mut t = TextTable::new(&[
            "threshold at",
            "score",
            "leads",
            "converted",
            "precision",
            "recall",
            "F1",
        ]);
        if let Some(capacity) = &suggested.capacity {
            let name = format!("capacity {}", capacity.requested);
            match &capacity.threshold {
                Some(cut) => t.row(cut_cells(name, cut)),
                None => t.row(vec![
                    name,
                    "-".to_string(),
                    "(more leads tie at the top score)".to_string(),
                ]),
            }
        }
        if let Some(cut) = &suggested.best_f1 {
            t.row(cut_cells("best F1".to_string(), cut));
        }
        if !t.is_empty() {
            out.push_str("Where the threshold could be\n");
            out.push_str(&t.render());
            out.push('\n');
        }

        for label in &self.labels {
            let mut t = TextTable::new(&[&label.name, "leads", "converted", "rate", "lift"]);
            for value in &label.values {
                let mut cells = vec![value.value.clone().unwrap_or_else(|| "(none)".to_string())];
                cells.extend(figure_cells(&value.figures));
                t.row(cells);
            }
            out.push_str(&format!("Label {}\n", label.name));
            out.push_str(&t.render());
            out.push('\n');
        }

        let mut t = TextTable::new(&["decile", "scores", "leads", "converted", "rate", "lift"]);
        for band in &self.deciles {
            let mut cells = vec![
                band.decile.to_string(),
                if band.high == band.low {
                    score(band.high)
                } else {
                    format!("{} to {}", score(band.low), score(band.high))
                },
            ];
            cells.extend(figure_cells(&band.figures));
            t.row(cells);
        }
        out.push_str("Score deciles (1 = highest scores)\n");
        out.push_str(&t.render());
        out.push('\n');

        let mut t = TextTable::new(&[
            "rule",
            "group",
            "points",
            "hits",
            "rate hit",
            "rate not",
            "lift alone",
            "regression",
            "suggested",
            "",
        ]);
        for rule in &self.rules {
            t.row(vec![
                shorten(&rule.rule, 48),
                rule.group.clone().unwrap_or_default(),
                match rule.points {
                    Some(p) => crate::syntax::print::points(p),
                    None => "disqualify".to_string(),
                },
                rule.hits.to_string(),
                percent(rule.rate_when_hit),
                percent(rule.rate_when_not),
                cell(rule.lift, 2),
                match rule.regression_weight {
                    Some(w) if w > 0.0 => "+".to_string(),
                    Some(w) if w < 0.0 => "-".to_string(),
                    Some(_) => "0".to_string(),
                    None => "-".to_string(),
                },
                match rule.suggested_points {
                    Some(p) => crate::syntax::print::points(p),
                    None => "-".to_string(),
                },
                match (rule.wrong_way, rule.too_good) {
                    (true, true) => "wrong way, too good".to_string(),
                    (true, false) => "wrong way".to_string(),
                    (false, true) => "too good".to_string(),
                    (false, false) => String::new(),
                },
            ]);
        }
        out.push_str(
            "Rules (lift alone = rate when hit / base rate; regression = sign of the rule's weight\n\
             in a logistic regression on all rules at once; wrong way = points against that sign)\n",
        );
        out.push_str(&t.render());
        out
    }
}

fn figure_cells(f: &Figures) -> Vec<String> {
    vec![
        f.leads.to_string(),
        f.converted.to_string(),
        percent(f.rate),
        cell(f.lift, 2),
    ]
}

fn cut_cells(name: String, cut: &CutRow) -> Vec<String> {
    vec![
        name,
        score(cut.score),
        cut.leads.to_string(),
        cut.converted.to_string(),
        percent(cut.precision),
        percent(cut.recall),
        cell(cut.f1, 3),
    ]
}
