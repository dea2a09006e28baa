//! `init --from LEADS --outcome FIELD`: a starting model from an export
//! and its outcomes, for a marketer to read and own.
//!
//! From the profile of every column: the lead schema (the id's column,
//! placeholders read as missing, yes/no booleans, closed sets only where
//! the values are few and stable, snake_case names reading their headers
//! with `as`), a `first` block of bands per numeric column, a rule for
//! each value that lifts or lowers conversion clearly, points from an L2
//! logistic regression on all of those at once (ten points per unit of
//! log-odds), fit and engagement groups, and a threshold at the best F1.
//! Every rule carries its evidence in a comment. Columns that say nothing
//! (empty, one value, an id) and columns that give the outcome away are
//! left out with a comment saying why.

use super::profile::{Bucket, Column, Kind, Profile, Test, LEAK_AUC};
use super::spelling::{snake_case, Names};
use crate::learn::regression::{fit, Patterns};
use crate::learn::stats::{best_f1_cut, cuts, Tally};
use crate::syntax::print::{number, points, quote};

/// Points per unit of log-odds.
const SCALE: f64 = 10.0;
/// The L2 penalty of the fit.
const LAMBDA: f64 = 1.0;
/// A value gets a rule of its own when this many leads hold it...
const MIN_RULE_LEADS: u64 = 30;
/// ...and its rate differs from the base rate by this many standard errors.
const MIN_Z: f64 = 2.5;
/// A block of bands whose points differ by less than this is left out.
const MIN_BAND_SPREAD: f64 = 3.0;
/// The most rules a starting model has.
const MAX_RULES: usize = 40;
/// Words of a header that make a column engagement rather than fit.
const ENGAGEMENT_WORDS: &[&str] = &[
    "visit",
    "time spent",
    "view",
    "activity",
    "session",
    "click",
    "download",
    "webinar",
    "open",
    "page",
    "last seen",
];

/// A column the model declares.
struct Declared<'a> {
    column: &'a Column,
    name: String,
    engagement: bool,
}

/// One candidate rule: a bucket of a declared column.
struct Candidate {
    column: usize,
    /// The bucket's place among the column's, for the order of a block.
    order: usize,
    bucket: Bucket,
    /// Part of the column's `first` block (a band) or a rule of its own.
    band: bool,
    points: f64,
}

pub fn write_starter(profile: &Profile, leads: &str, model_name: &str) -> String {
    let mut names = Names::default();
    let mut skipped: Vec<String> = Vec::new();
    let mut order: Vec<&Column> = profile.columns.iter().collect();
    order.sort_by_key(|c| (c.kind == Kind::Events, c.position));
    let mut declared: Vec<Declared> = Vec::new();
    for column in order {
        let why = match column.kind {
            Kind::Empty => Some("it is empty".to_string()),
            Kind::Constant => Some(format!(
                "it always holds {}",
                column.spellings.first().map_or("one value", |s| s.1.as_str())
            )),
            Kind::Unique => Some("it is different for every lead (an id or free text, not a signal)".to_string()),
            _ if column.leaks() => Some(format!(
                "alone it predicts {} almost perfectly (ROC AUC {:.3}{}): it is likely filled in after the fact, and a model reading it would score the past, not the lead",
                profile.outcome,
                column.auc.unwrap_or(0.0),
                if column.auc.is_some_and(|a| a >= LEAK_AUC) { "" } else { "; whole values where every lead converted or none did" }
            )),
            _ => None,
        };
        if let Some(why) = why {
            let shown = if column.key.trim().is_empty() {
                "a column with no header".to_string()
            } else {
                quote(&column.key)
            };
            skipped.push(format!("{shown}: {why}"));
            continue;
        }
        let name = if column.kind == Kind::Events {
            names.take(&column.key);
            names.take(&format!("{}s", column.key));
            column.key.clone()
        } else {
            names.allocate(&snake_case(&column.key), "field")
        };
        let lower = column.key.to_lowercase();
        declared.push(Declared {
            column,
            engagement: column.kind == Kind::Events
                || ENGAGEMENT_WORDS.iter().any(|w| lower.contains(w)),
            name,
        });
    }
    let candidates = fitted(profile, &declared);
    let mut t = String::new();
    let line = |t: &mut String, s: &str| {
        t.push_str(s);
        t.push('\n');
    };
    line(&mut t, &format!("# A starting model, written by\n#   leadscore init {model_name} --from {leads} --outcome {}", profile.outcome));
    line(
        &mut t,
        &format!(
            "#\n# From {} leads, {} of them converted ({:.1}%). Each rule's points come from a",
            profile.leads,
            profile.converted,
            rate(profile.converted, profile.leads) * 100.0
        ),
    );
    line(
        &mut t,
        "# logistic regression of the outcome on all the rules at once (ten points per",
    );
    line(
        &mut t,
        "# unit of log-odds); each rule's comment gives its own evidence: the leads it",
    );
    line(
        &mut t,
        "# fires for, how many of them converted, and the lift over the base rate.",
    );
    line(
        &mut t,
        "# Read it, change what sales would not sign, then fit the points again:",
    );
    line(
        &mut t,
        &format!(
            "#   leadscore tune {model_name} {leads} --outcome {} --holdout 30% -o tuned.score",
            shell(&profile.outcome)
        ),
    );
    line(&mut t, "");
    write_schema(&mut t, profile, &declared, &candidates, &skipped, &names);
    let all = Tally {
        leads: profile.leads,
        converted: profile.converted,
    };
    for engagement in [false, true] {
        let group: Vec<(usize, &Declared)> = declared
            .iter()
            .enumerate()
            .filter(|(_, d)| d.engagement == engagement)
            .filter(|(i, _)| candidates.iter().any(|c| c.column == *i))
            .collect();
        if group.is_empty() {
            continue;
        }
        let title = if engagement { "engagement" } else { "fit" };
        line(&mut t, &format!("score {title} {{"));
        for (i, d) in group {
            write_rules(&mut t, d, &candidates, i, all, &names);
        }
        line(&mut t, "}");
        line(&mut t, "");
    }
    if let Some(cut) = threshold(profile, &declared, &candidates) {
        line(
            &mut t,
            &format!(
                "# The best balance of precision and recall on these leads (F1 {:.2}): {} leads",
                cut.1, cut.2
            ),
        );
        line(&mut t, "# pass it. Move it to match what sales can call.");
        line(&mut t, &format!("threshold mql {}", number(cut.0)));
    }
    t
}

fn rate(converted: u64, leads: u64) -> f64 {
    if leads == 0 {
        0.0
    } else {
        converted as f64 / leads as f64
    }
}

/// An argument as a shell needs it.
fn shell(text: &str) -> String {
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_-./".contains(c))
    {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

fn write_schema(
    t: &mut String,
    profile: &Profile,
    declared: &[Declared],
    candidates: &[Candidate],
    skipped: &[String],
    names: &Names,
) {
    t.push_str("lead {\n");
    if let Some(id) = profile.id_key.as_ref().filter(|k| *k != "id") {
        t.push_str(&format!("  id as {}\n", quote(id)));
    }
    for (i, d) in declared.iter().enumerate() {
        if d.column.kind == Kind::Events {
            continue;
        }
        let c = d.column;
        // A field no rule reads stays as a comment, ready to be used.
        let unused = !candidates.iter().any(|k| k.column == i);
        let ty = match c.kind {
            Kind::Number => "number".to_string(),
            Kind::Bool => "bool".to_string(),
            Kind::Date => "date".to_string(),
            Kind::Closed => {
                let mut values: Vec<String> = c
                    .spellings
                    .iter()
                    .map(|(_, s, _)| names.constant(s))
                    .collect();
                values.sort_by_key(|v| v.to_lowercase());
                format!("one of [{}]", values.join(", "))
            }
            _ => "text".to_string(),
        };
        let mut decl = format!("  {}{}: {ty}", if unused { "# " } else { "" }, d.name);
        if d.name != c.key {
            decl.push_str(&format!(" as {}", quote(&c.key)));
        }
        if !c.placeholders.is_empty() {
            let list: Vec<String> = c.placeholders.iter().map(|p| quote(p)).collect();
            decl.push_str(&format!(" missing if [{}]", list.join(", ")));
        }
        if unused {
            decl.push_str("  (no rule: no value lifts or lowers conversion clearly)");
        }
        t.push_str(&decl);
        t.push('\n');
    }
    for why in skipped {
        t.push_str(&format!("  # left out: {why}\n"));
    }
    t.push_str(&format!(
        "  # {} is the outcome: backtest and tune read it with --outcome\n}}\n\n",
        quote(&profile.outcome)
    ));
    let mut events = 0;
    for (i, d) in declared.iter().enumerate() {
        if d.column.kind == Kind::Events && candidates.iter().any(|k| k.column == i) {
            t.push_str(&format!("event {}\n", d.name));
            events += 1;
        }
    }
    if events > 0 {
        t.push('\n');
    }
}

/// The rule's condition for one bucket.
fn condition(d: &Declared, bucket: &Bucket, names: &Names) -> Option<String> {
    let name = if d.column.kind == Kind::Events {
        format!("{}s", d.name)
    } else {
        d.name.clone()
    };
    Some(match &bucket.test {
        Test::Missing => format!("{name} is missing"),
        Test::Value(v) if d.column.kind == Kind::Bool => {
            if v == "true" {
                name
            } else {
                format!("{name} = false")
            }
        }
        Test::Value(v) => format!("{name} = {}", names.constant(&d.column.spelling(v))),
        Test::Band(Some(low), _) if d.column.kind == Kind::Events => {
            format!("{name} >= {}", number(*low))
        }
        Test::Band(_, Some(high)) => format!("{name} < {}", number(*high)),
        Test::Band(..) | Test::Other => return None,
    })
}

fn evidence(bucket: &Bucket, all: Tally) -> String {
    format!(
        "# {} leads ({:.1}%), {:.1}% converted, lift {:.2}",
        bucket.leads,
        rate(bucket.leads, all.leads) * 100.0,
        bucket.rate.unwrap_or(0.0) * 100.0,
        bucket.lift.unwrap_or(0.0)
    )
}

fn write_rules(
    t: &mut String,
    d: &Declared,
    candidates: &[Candidate],
    index: usize,
    all: Tally,
    names: &Names,
) {
    let mine: Vec<&Candidate> = candidates.iter().filter(|c| c.column == index).collect();
    let bands: Vec<&&Candidate> = mine.iter().filter(|c| c.band).collect();
    if !bands.is_empty() {
        let title = if d.column.kind == Kind::Events {
            format!("{} events", d.name)
        } else {
            d.column.key.clone()
        };
        t.push_str(&format!("  first {} {{\n", quote(&title)));
        // Missing first (a comparison never holds for it), then the bands
        // in order; event counts from the most down.
        let mut ordered: Vec<&&Candidate> = bands.clone();
        ordered.sort_by_key(|c| {
            let missing = c.bucket.test == Test::Missing;
            (
                !missing,
                if d.column.kind == Kind::Events {
                    usize::MAX - c.order
                } else {
                    c.order
                },
            )
        });
        let last_band = ordered.last().map(|c| c.order);
        for c in ordered {
            let bucket = &c.bucket;
            let open_top = matches!(bucket.test, Test::Band(_, None));
            let rule = if open_top && d.column.kind != Kind::Events && Some(c.order) == last_band {
                format!("otherwise {}", points(c.points))
            } else {
                match condition(d, bucket, names) {
                    Some(cond) => format!("when {cond} {}", points(c.points)),
                    None => continue,
                }
            };
            t.push_str(&format!("    {rule} {}\n", evidence(bucket, all)));
        }
        t.push_str("  }\n");
    }
    for c in mine.iter().filter(|c| !c.band) {
        let bucket = &c.bucket;
        if let Some(cond) = condition(d, bucket, names) {
            t.push_str(&format!(
                "  when {cond} {} {}\n",
                points(c.points),
                evidence(bucket, all)
            ));
        }
    }
}

/// The candidate rules with their fitted points, at most [`MAX_RULES`].
fn fitted(profile: &Profile, declared: &[Declared]) -> Vec<Candidate> {
    let base = rate(profile.converted, profile.leads);
    let mut candidates: Vec<Candidate> = Vec::new();
    for (i, d) in declared.iter().enumerate() {
        let c = d.column;
        if c.kind == Kind::Date {
            continue;
        }
        for (b, bucket) in c.buckets.iter().enumerate() {
            let band = matches!(c.kind, Kind::Number | Kind::Events);
            if band {
                // Every band is a rule of the block; a count of none gives nothing.
                if c.kind == Kind::Events && matches!(bucket.test, Test::Band(None, _)) {
                    continue;
                }
                candidates.push(Candidate {
                    column: i,
                    order: b,
                    bucket: bucket.clone(),
                    band,
                    points: 0.0,
                });
                continue;
            }
            if matches!(bucket.test, Test::Other) || bucket.leads < MIN_RULE_LEADS {
                continue;
            }
            let n = bucket.leads as f64;
            let z =
                (bucket.rate.unwrap_or(base) - base) / (base * (1.0 - base) / n).sqrt().max(1e-12);
            if z.abs() >= MIN_Z {
                candidates.push(Candidate {
                    column: i,
                    order: b,
                    bucket: bucket.clone(),
                    band,
                    points: 0.0,
                });
            }
        }
    }
    let weights = fit_candidates(profile, declared, &candidates);
    for (c, w) in candidates.iter_mut().zip(&weights) {
        c.points = (w * SCALE).round() + 0.0;
    }
    // Rules of their own that round to nothing go; then the weakest, by
    // size of points times the square root of their share, down to the budget.
    candidates.retain(|c| c.band || c.points != 0.0);
    let weight = |c: &Candidate| c.points.abs() * (c.bucket.leads as f64).sqrt();
    while candidates.len() > MAX_RULES {
        let Some(weakest) = candidates
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.band)
            .min_by(|a, b| weight(a.1).total_cmp(&weight(b.1)))
            .map(|(i, _)| i)
        else {
            break;
        };
        candidates.remove(weakest);
    }
    // Band blocks whose bands differ by less than a few points say too
    // little to be worth a block.
    let silent: Vec<usize> = (0..declared.len())
        .filter(|i| {
            let bands: Vec<f64> = candidates
                .iter()
                .filter(|c| c.column == *i && c.band)
                .map(|c| c.points)
                .collect();
            let high = bands.iter().copied().fold(f64::MIN, f64::max);
            let low = bands.iter().copied().fold(f64::MAX, f64::min);
            !bands.is_empty() && high - low < MIN_BAND_SPREAD
        })
        .collect();
    candidates.retain(|c| !silent.contains(&c.column));
    // The kept rules, fitted again without the ones dropped.
    let weights = fit_candidates(profile, declared, &candidates);
    for (c, w) in candidates.iter_mut().zip(&weights) {
        c.points = (w * SCALE).round() + 0.0;
    }
    merge_equal_bands(candidates, profile)
}

/// Neighbouring bands of a block that give the same points become one
/// band: the same scores, fewer rules.
fn merge_equal_bands(candidates: Vec<Candidate>, profile: &Profile) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    for c in candidates {
        let merged = match out.last_mut() {
            Some(last)
                if last.band
                    && c.band
                    && last.column == c.column
                    && last.points == c.points
                    && last.order + 1 == c.order =>
            {
                match (&last.bucket.test, &c.bucket.test) {
                    (Test::Band(low, _), Test::Band(_, high)) => {
                        let test = Test::Band(*low, *high);
                        let b = &mut last.bucket;
                        b.leads += c.bucket.leads;
                        b.converted += c.bucket.converted;
                        b.rate = (b.leads > 0).then(|| b.converted as f64 / b.leads as f64);
                        let base = rate(profile.converted, profile.leads);
                        b.lift = b.rate.filter(|_| base > 0.0).map(|r| r / base);
                        b.test = test;
                        last.order = c.order;
                        true
                    }
                    _ => false,
                }
            }
            _ => false,
        };
        if !merged {
            out.push(c);
        }
    }
    out
}

/// Which candidates hold for lead `lead`: in a column's block only the
/// first band that holds.
fn on(declared: &[Declared], candidates: &[Candidate], lead: usize) -> Vec<usize> {
    let mut out = Vec::new();
    for (i, d) in declared.iter().enumerate() {
        let Some(cell) = d.column.cells.get(lead) else {
            continue;
        };
        let shown = d.column.shown();
        for (k, c) in candidates.iter().enumerate().filter(|(_, c)| c.column == i) {
            if c.bucket.test.holds(cell, &shown) {
                out.push(k);
            }
        }
    }
    out
}

fn fit_candidates(profile: &Profile, declared: &[Declared], candidates: &[Candidate]) -> Vec<f64> {
    let mut patterns = Patterns::new(candidates.len());
    for (lead, converted) in profile.outcomes.iter().enumerate() {
        patterns.add(&on(declared, candidates, lead), *converted);
    }
    fit(&patterns, LAMBDA).map_or_else(|| vec![0.0; candidates.len()], |f| f.weights)
}

/// The score at the best F1 on these leads, the F1, and how many pass.
fn threshold(
    profile: &Profile,
    declared: &[Declared],
    candidates: &[Candidate],
) -> Option<(f64, f64, u64)> {
    let scored: Vec<(f64, bool)> = profile
        .outcomes
        .iter()
        .enumerate()
        .map(|(lead, converted)| {
            let score: f64 = on(declared, candidates, lead)
                .iter()
                .filter_map(|k| candidates.get(*k))
                .map(|c| c.points)
                .sum();
            (score, *converted)
        })
        .collect();
    let all = Tally {
        leads: profile.leads,
        converted: profile.converted,
    };
    let cut = best_f1_cut(&cuts(&scored, all))?;
    Some((cut.score, cut.f1.unwrap_or(0.0), cut.selected.leads))
}
