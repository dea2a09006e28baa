//! L2-regularised logistic regression of a yes/no outcome on features
//! (which rules fired, or how much they gave), fitted by Newton's method
//! (IRLS).
//!
//! Leads are grouped by the set of rules that fired for them, so a fit
//! costs the number of distinct patterns, not the number of leads; with a
//! few dozen rules the normal equations are a small dense system solved by
//! Cholesky. `docs/decisions.md` says why this is not a crate.

use std::collections::BTreeMap;

/// Leads grouped by the features that are on for them.
#[derive(Debug, Default)]
pub struct Patterns {
    features: usize,
    /// Feature bits → (leads, converted).
    counts: BTreeMap<Vec<u64>, (u64, u64)>,
}

impl Patterns {
    pub fn new(features: usize) -> Self {
        Patterns {
            features,
            counts: BTreeMap::new(),
        }
    }

    /// Counts one lead whose features `on` are set.
    pub fn add(&mut self, on: &[usize], converted: bool) {
        let mut bits = vec![0u64; self.features.div_ceil(64)];
        for &f in on {
            if let Some(word) = bits.get_mut(f / 64) {
                *word |= 1 << (f % 64);
            }
        }
        let entry = self.counts.entry(bits).or_insert((0, 0));
        entry.0 += 1;
        entry.1 += u64::from(converted);
    }

    #[cfg(test)]
    pub fn distinct(&self) -> usize {
        self.counts.len()
    }
}

/// Fitted coefficients: the intercept and one log-odds weight a feature.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    pub intercept: f64,
    pub weights: Vec<f64>,
    pub iterations: usize,
}

/// One row of a fit: the features that are not zero, with their values,
/// how many leads the row stands for, and how many of them converted.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub on: Vec<(usize, f64)>,
    pub leads: f64,
    pub converted: f64,
}

/// Fits `logit P(converted) = intercept + Σ weights · features`, with the
/// penalty `lambda/2 · Σ weights²` (the intercept is not penalised).
/// `None` when there are no leads.
pub fn fit(patterns: &Patterns, lambda: f64) -> Option<Fit> {
    let rows: Vec<Row> = patterns
        .counts
        .iter()
        .map(|(bits, &(n, y))| Row {
            on: ones(bits, patterns.features)
                .into_iter()
                .map(|f| (f, 1.0))
                .collect(),
            leads: n as f64,
            converted: y as f64,
        })
        .collect();
    fit_rows(&rows, patterns.features, lambda)
}

/// [`fit`] over rows whose features take any value (a count of visits, a
/// share of a capped rule), `features` of them.
pub fn fit_rows(rows: &[Row], features: usize, lambda: f64) -> Option<Fit> {
    if rows.is_empty() {
        return None;
    }
    // Parameter 0 is the intercept; feature j is parameter j + 1.
    let d = features + 1;
    let mut beta = vec![0.0; d];
    let objective = |beta: &[f64]| -> f64 {
        let mut value = 0.0;
        for row in rows {
            let eta = linear(beta, &row.on);
            // n·log(1 + e^η) − y·η, computed without overflow.
            value += row.leads * softplus(eta) - row.converted * eta;
        }
        value + 0.5 * lambda * beta.iter().skip(1).map(|b| b * b).sum::<f64>()
    };
    let mut current = objective(&beta);
    let mut iterations = 0;
    for _ in 0..100 {
        iterations += 1;
        let mut gradient = vec![0.0; d];
        let mut hessian = vec![vec![0.0; d]; d];
        for row in rows {
            let p = sigmoid(linear(&beta, &row.on));
            let residual = row.leads * p - row.converted;
            let weight = row.leads * p * (1.0 - p);
            let params: Vec<(usize, f64)> = std::iter::once((0, 1.0))
                .chain(row.on.iter().map(|&(f, x)| (f + 1, x)))
                .collect();
            for &(a, xa) in &params {
                if let Some(g) = gradient.get_mut(a) {
                    *g += residual * xa;
                }
                for &(b, xb) in &params {
                    if let Some(h) = hessian.get_mut(a).and_then(|r| r.get_mut(b)) {
                        *h += weight * xa * xb;
                    }
                }
            }
        }
        for j in 1..d {
            if let (Some(g), Some(b)) = (gradient.get_mut(j), beta.get(j)) {
                *g += lambda * b;
            }
            if let Some(h) = hessian.get_mut(j).and_then(|r| r.get_mut(j)) {
                // The ridge also keeps a feature that is never on solvable
                // when `lambda` is zero.
                *h += lambda.max(1e-9);
            }
        }
        // A tiny ridge keeps the intercept's row solvable when every lead
        // sits at a probability of 0 or 1.
        if let Some(h) = hessian.first_mut().and_then(|r| r.first_mut()) {
            *h += 1e-9;
        }
        let step = solve(hessian, &gradient)?;
        // Newton's step, halved until the objective does not get worse.
        let mut scale = 1.0;
        loop {
            let trial: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b - scale * s).collect();
            let value = objective(&trial);
            if value <= current || scale < 1e-6 {
                beta = trial;
                current = value;
                break;
            }
            scale /= 2.0;
        }
        let size = step.iter().fold(0.0f64, |m, s| m.max((scale * s).abs()));
        if size < 1e-9 {
            break;
        }
    }
    let intercept = beta.first().copied().unwrap_or(0.0);
    Some(Fit {
        intercept,
        weights: beta.into_iter().skip(1).collect(),
        iterations,
    })
}

fn ones(bits: &[u64], features: usize) -> Vec<usize> {
    (0..features)
        .filter(|f| bits.get(f / 64).is_some_and(|w| w & (1 << (f % 64)) != 0))
        .collect()
}

fn linear(beta: &[f64], on: &[(usize, f64)]) -> f64 {
    beta.first().copied().unwrap_or(0.0)
        + on.iter()
            .filter_map(|&(f, x)| beta.get(f + 1).map(|b| b * x))
            .sum::<f64>()
}

fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

fn softplus(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// Solves `a · x = b` for a symmetric positive definite `a` (Cholesky).
fn solve(mut a: Vec<Vec<f64>>, b: &[f64]) -> Option<Vec<f64>> {
    let n = b.len();
    let at = |a: &Vec<Vec<f64>>, i: usize, j: usize| a.get(i).and_then(|r| r.get(j)).copied();
    // In place: the lower triangle becomes L with a = L·Lᵀ.
    for j in 0..n {
        let mut diagonal = at(&a, j, j)?;
        for k in 0..j {
            diagonal -= at(&a, j, k)?.powi(2);
        }
        if diagonal <= 0.0 || !diagonal.is_finite() {
            return None;
        }
        let root = diagonal.sqrt();
        *a.get_mut(j)?.get_mut(j)? = root;
        for i in j + 1..n {
            let mut value = at(&a, i, j)?;
            for k in 0..j {
                value -= at(&a, i, k)? * at(&a, j, k)?;
            }
            *a.get_mut(i)?.get_mut(j)? = value / root;
        }
    }
    let mut y = vec![0.0; n];
    for i in 0..n {
        let mut value = *b.get(i)?;
        for k in 0..i {
            value -= at(&a, i, k)? * y.get(k)?;
        }
        *y.get_mut(i)? = value / at(&a, i, i)?;
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let mut value = *y.get(i)?;
        for k in i + 1..n {
            value -= at(&a, k, i)? * x.get(k)?;
        }
        *x.get_mut(i)? = value / at(&a, i, i)?;
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn logit(p: f64) -> f64 {
        (p / (1.0 - p)).ln()
    }

    #[test]
    fn one_feature_without_penalty_recovers_the_log_odds_ratio() {
        // Feature on: 30 of 100 convert; off: 10 of 200. Unpenalised, the
        // fit is the two groups' own log odds.
        let mut patterns = Patterns::new(1);
        for i in 0..100 {
            patterns.add(&[0], i < 30);
        }
        for i in 0..200 {
            patterns.add(&[], i < 10);
        }
        assert_eq!(patterns.distinct(), 2);
        let fit = fit(&patterns, 0.0).unwrap();
        assert!((fit.intercept - logit(0.05)).abs() < 1e-9, "{fit:?}");
        let expected = logit(0.30) - logit(0.05);
        assert!((fit.weights[0] - expected).abs() < 1e-9, "{fit:?}");
    }

    #[test]
    fn the_penalty_shrinks_weights_and_tames_separation() {
        // Feature 0 separates perfectly: unpenalised, its weight would run
        // to infinity. Feature 1 never fires and stays at zero.
        let mut patterns = Patterns::new(2);
        for _ in 0..20 {
            patterns.add(&[0], true);
            patterns.add(&[], false);
        }
        let fit = fit(&patterns, 1.0).unwrap();
        assert!(
            fit.weights[0] > 2.0 && fit.weights[0].is_finite(),
            "{fit:?}"
        );
        assert_eq!(fit.weights[1], 0.0);
        let weaker = super::fit(&patterns, 10.0).unwrap();
        assert!(weaker.weights[0] < fit.weights[0]);
    }

    #[test]
    fn many_features_beyond_one_word() {
        let mut patterns = Patterns::new(70);
        for i in 0..50 {
            patterns.add(&[69], i % 2 == 0);
            patterns.add(&[3], i % 5 == 0);
        }
        let fit = fit(&patterns, 1.0).unwrap();
        assert!(fit.weights[69] > fit.weights[3]);
    }

    #[test]
    fn cholesky_solves_a_small_system() {
        let a = vec![vec![4.0, 2.0], vec![2.0, 3.0]];
        let x = solve(a, &[2.0, 1.0]).unwrap();
        assert!((x[0] - 0.5).abs() < 1e-12 && x[1].abs() < 1e-12, "{x:?}");
    }
}
