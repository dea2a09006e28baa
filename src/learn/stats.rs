//! The figures a backtest and a diff are made of: rates, lift, ROC AUC,
//! percentiles, and the thresholds picked by capacity or by F1. Each is a
//! plain function of plain numbers so it can be checked by hand.

/// Leads and how many of them converted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub leads: u64,
    pub converted: u64,
}

impl Tally {
    pub fn add(&mut self, converted: bool) {
        self.leads += 1;
        self.converted += u64::from(converted);
    }

    /// The conversion rate; `None` with no leads.
    pub fn rate(self) -> Option<f64> {
        (self.leads > 0).then(|| self.converted as f64 / self.leads as f64)
    }

    /// The rate over the base rate; `None` when either is unknown or the
    /// base rate is zero.
    pub fn lift(self, base: Tally) -> Option<f64> {
        // As one quotient of counts, so exact ratios stay exact.
        (base.converted > 0 && self.leads > 0).then(|| {
            (self.converted as f64 * base.leads as f64)
                / (self.leads as f64 * base.converted as f64)
        })
    }

    /// The leads of `whole` that are not in `self`.
    pub fn rest(self, whole: Tally) -> Tally {
        Tally {
            leads: whole.leads.saturating_sub(self.leads),
            converted: whole.converted.saturating_sub(self.converted),
        }
    }

    /// The share of all converted leads that are in `self`.
    pub fn recall(self, whole: Tally) -> Option<f64> {
        (whole.converted > 0).then(|| self.converted as f64 / whole.converted as f64)
    }
}

/// The area under the ROC curve of `scores` against `converted`: the
/// chance that a converted lead scores above one that did not, a tie
/// counting one half (the Mann–Whitney U statistic over P·N). `None` when
/// either class is empty.
pub fn auc(scores: &[f64], converted: &[bool]) -> Option<f64> {
    let mut pairs: Vec<(f64, bool)> = scores
        .iter()
        .copied()
        .zip(converted.iter().copied())
        .collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let positives = pairs.iter().filter(|p| p.1).count() as f64;
    let negatives = pairs.len() as f64 - positives;
    if positives == 0.0 || negatives == 0.0 {
        return None;
    }
    let mut wins = 0.0;
    let mut negatives_below = 0.0;
    for tie in ties(&pairs) {
        let p = tie.iter().filter(|x| x.1).count() as f64;
        let q = tie.len() as f64 - p;
        wins += p * negatives_below + 0.5 * p * q;
        negatives_below += q;
    }
    Some(wins / (positives * negatives))
}

/// Runs of equal scores in a sorted slice.
fn ties(sorted: &[(f64, bool)]) -> impl Iterator<Item = &[(f64, bool)]> {
    sorted.chunk_by(|a, b| a.0 == b.0)
}

/// The median (the mean of the two middle values for an even count).
pub fn median(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let upper = sorted.get(n / 2).copied()?;
    if n % 2 == 1 {
        return Some(upper);
    }
    sorted.get(n / 2 - 1).map(|lower| (lower + upper) / 2.0)
}

/// The nearest-rank percentile: the smallest value with at least `p`
/// percent of the values at or below it.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

/// A score threshold and what it would select: every lead that scores at
/// least `score` and is not disqualified.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cut {
    pub score: f64,
    pub selected: Tally,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub f1: Option<f64>,
}

/// Every distinct threshold from the highest score down, with what it
/// selects. `candidates` are the (score, converted) pairs of the leads a
/// threshold can pass; `all` counts every lead, disqualified ones too, so
/// recall is over every conversion.
pub fn cuts(candidates: &[(f64, bool)], all: Tally) -> Vec<Cut> {
    let mut sorted = candidates.to_vec();
    sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut selected = Tally::default();
    let mut out = Vec::new();
    for tie in ties(&sorted) {
        for lead in tie {
            selected.add(lead.1);
        }
        let score = tie.first().map(|l| l.0).unwrap_or(0.0);
        let f1 = (all.converted > 0)
            .then(|| 2.0 * selected.converted as f64 / (selected.leads + all.converted) as f64);
        out.push(Cut {
            score,
            selected,
            precision: selected.rate(),
            recall: selected.recall(all),
            f1,
        });
    }
    out
}

/// The lowest threshold that selects at most `capacity` leads; `None`
/// when even the top score is shared by more.
pub fn capacity_cut(cuts: &[Cut], capacity: u64) -> Option<Cut> {
    cuts.iter()
        .take_while(|c| c.selected.leads <= capacity)
        .last()
        .copied()
}

/// The threshold with the highest F1; among equals, the highest threshold
/// (fewer leads for sales to work). `None` when nothing converted.
pub fn best_f1_cut(cuts: &[Cut]) -> Option<Cut> {
    let mut best: Option<Cut> = None;
    for cut in cuts {
        let Some(f1) = cut.f1 else { continue };
        if best.and_then(|b| b.f1).is_none_or(|b| f1 > b) {
            best = Some(*cut);
        }
    }
    best
}

/// Score bands of about a tenth of the leads each, highest first. Leads
/// with equal scores stay in one band, so a band may hold more than a
/// tenth and the bands after it may be missing.
pub fn deciles(scored: &[(f64, bool)]) -> Vec<Band> {
    let mut sorted = scored.to_vec();
    sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
    let n = sorted.len();
    let mut bands: Vec<Band> = Vec::new();
    let mut start = 0usize;
    for tie in ties(&sorted) {
        let decile = start * 10 / n.max(1) + 1;
        let high = tie.first().map(|l| l.0).unwrap_or(0.0);
        let low = tie.last().map(|l| l.0).unwrap_or(0.0);
        match bands.last_mut() {
            Some(band) if band.decile == decile => band.low = low,
            _ => bands.push(Band {
                decile,
                high,
                low,
                tally: Tally::default(),
            }),
        }
        if let Some(band) = bands.last_mut() {
            for lead in tie {
                band.tally.add(lead.1);
            }
        }
        start += tie.len();
    }
    bands
}

/// One score band: its decile (1 = the top tenth) and score range.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Band {
    pub decile: usize,
    pub high: f64,
    pub low: f64,
    pub tally: Tally,
}

/// Rounds to `digits` decimals, for reports that read and diff well.
pub fn round_to(x: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    let rounded = (x * scale).round() / scale;
    if rounded == 0.0 {
        0.0
    } else {
        rounded
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn tally(leads: u64, converted: u64) -> Tally {
        Tally { leads, converted }
    }

    #[test]
    fn rate_and_lift() {
        let base = tally(200, 20);
        assert_eq!(base.rate(), Some(0.1));
        assert_eq!(tally(40, 12).lift(base), Some(3.0));
        assert_eq!(tally(0, 0).rate(), None);
        assert_eq!(tally(5, 1).lift(tally(10, 0)), None);
        assert_eq!(tally(40, 12).rest(base), tally(160, 8));
        assert_eq!(tally(40, 12).recall(base), Some(0.6));
    }

    #[test]
    fn auc_counts_ties_as_half() {
        // Positives 3, 2, 2; negatives 2, 1. Pairs: (3>2) (3>1) (2=2: ½)
        // (2>1) (2=2: ½) (2>1) → 5 of 6.
        let scores = [3.0, 2.0, 2.0, 2.0, 1.0];
        let converted = [true, true, true, false, false];
        assert_eq!(auc(&scores, &converted), Some(5.0 / 6.0));
        // All tied: a coin toss.
        assert_eq!(auc(&[1.0, 1.0], &[true, false]), Some(0.5));
        // Perfectly wrong.
        assert_eq!(auc(&[0.0, 1.0], &[true, false]), Some(0.0));
        assert_eq!(auc(&[1.0, 2.0], &[true, true]), None);
    }

    #[test]
    fn median_and_percentile() {
        assert_eq!(median(&[1.0, 2.0, 3.0]), Some(2.0));
        assert_eq!(median(&[1.0, 2.0, 3.0, 10.0]), Some(2.5));
        assert_eq!(median(&[]), None);
        let values: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(percentile(&values, 90.0), Some(18.0));
        assert_eq!(percentile(&values, 100.0), Some(20.0));
        assert_eq!(percentile(&[7.0], 90.0), Some(7.0));
    }

    /// Scores 90 (yes), 80 (no), 80 (yes), 50 (no), 20 (yes); one
    /// disqualified converted lead that no threshold can pass.
    fn fixture() -> (Vec<(f64, bool)>, Tally) {
        let leads = vec![
            (90.0, true),
            (80.0, false),
            (80.0, true),
            (50.0, false),
            (20.0, true),
        ];
        (leads, tally(6, 4))
    }

    #[test]
    fn cuts_select_ties_together() {
        let (leads, all) = fixture();
        let cuts = cuts(&leads, all);
        let at: Vec<(f64, u64, u64)> = cuts
            .iter()
            .map(|c| (c.score, c.selected.leads, c.selected.converted))
            .collect();
        assert_eq!(
            at,
            vec![(90.0, 1, 1), (80.0, 3, 2), (50.0, 4, 2), (20.0, 5, 3)]
        );
        // At 80: precision 2/3, recall 2/4, F1 = 2·2 / (3 + 4) = 4/7.
        let at80 = cuts[1];
        assert_eq!(at80.precision, Some(2.0 / 3.0));
        assert_eq!(at80.recall, Some(0.5));
        assert_eq!(at80.f1, Some(4.0 / 7.0));
    }

    #[test]
    fn capacity_and_best_f1() {
        let (leads, all) = fixture();
        let cuts = cuts(&leads, all);
        // Two MQLs fit only at 90: 80 would make three.
        assert_eq!(capacity_cut(&cuts, 2).map(|c| c.score), Some(90.0));
        assert_eq!(capacity_cut(&cuts, 3).map(|c| c.score), Some(80.0));
        assert_eq!(capacity_cut(&cuts, 0), None);
        assert_eq!(capacity_cut(&cuts, 100).map(|c| c.score), Some(20.0));
        // F1: 90 → 2/5, 80 → 4/7, 50 → 4/8, 20 → 6/9: the lowest wins.
        assert_eq!(best_f1_cut(&cuts).map(|c| c.score), Some(20.0));
        assert_eq!(best_f1_cut(&cuts).and_then(|c| c.f1), Some(6.0 / 9.0));
    }

    #[test]
    fn deciles_keep_ties_in_one_band() {
        // Ten leads: 100, 90, then eight at 0.
        let mut leads = vec![(100.0, true), (90.0, true)];
        leads.extend((0..8).map(|i| (0.0, i == 0)));
        let bands = deciles(&leads);
        let summary: Vec<(usize, f64, f64, u64, u64)> = bands
            .iter()
            .map(|b| (b.decile, b.high, b.low, b.tally.leads, b.tally.converted))
            .collect();
        assert_eq!(
            summary,
            vec![
                (1, 100.0, 100.0, 1, 1),
                (2, 90.0, 90.0, 1, 1),
                (3, 0.0, 0.0, 8, 1)
            ]
        );
    }

    #[test]
    fn deciles_of_twenty_distinct_scores_take_two_each() {
        let leads: Vec<(f64, bool)> = (0..20).map(|i| (f64::from(i), i % 2 == 0)).collect();
        let bands = deciles(&leads);
        assert_eq!(bands.len(), 10);
        assert!(bands.iter().all(|b| b.tally.leads == 2));
        assert_eq!((bands[0].high, bands[0].low), (19.0, 18.0));
    }
}
