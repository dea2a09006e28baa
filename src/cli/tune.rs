//! `leadscore tune`: new points for a model's rules from the outcomes,
//! written into a copy of the model where only the numbers change, with
//! the figures before and after on held-out leads and the `diff` of the
//! two models.

use std::path::{Path, PathBuf};

use clap::Args;

use super::flags::{AsOfArg, LeadsArgs, OutputArg};
use super::outcome::check_outcome_column;
use super::{checked_model, Exit};
use crate::eval::{Evaluator, Outcome, OutputValue};
use crate::learn::split::{id_text, Holdout};
use crate::learn::stats::{auc, round_to};
use crate::plan::{Effect, Output, Plan};
use crate::record::to_lead;
use crate::refine::diff::{Diff, Version};
use crate::refine::text::{cell, percent, TextTable};
use crate::refine::tune::{cap_span, edit, points_span, scaled_cap, suggest, units};
use crate::refine::OutcomeSource;
use crate::stream::convert_with;
use crate::syntax::ast::{Item, ThresholdCondition};
use crate::syntax::print::{number, points};

#[derive(Args, Debug)]
pub struct TuneArgs {
    /// The model file (.score).
    pub model: PathBuf,
    #[command(flatten)]
    pub input: LeadsArgs,
    /// The record field that says whether the lead converted (true/false,
    /// yes/no, 1/0).
    #[arg(long, value_name = "FIELD")]
    pub outcome: String,
    #[command(flatten)]
    pub as_of: AsOfArg,
    /// Fit on the other leads and show the figures on this share of them
    /// (30%), picked by a hash of the id so every run holds out the same.
    #[arg(long, value_name = "SHARE")]
    pub holdout: Option<String>,
    /// Fit each group's rules on their own, so that no group ranks the
    /// leads worse by itself.
    #[arg(long)]
    pub by_group: bool,
    /// Where to write the tuned model.
    #[arg(long, short, value_name = "NEW.score")]
    pub output: PathBuf,
}

/// One lead read for tuning.
struct Kept {
    id: serde_json::Value,
    lead: crate::lead::Lead,
    held_out: bool,
    converted: bool,
    before: Outcome,
}

pub fn run(args: &TuneArgs, color: bool) -> Exit {
    let old = match checked_model(&args.model, color) {
        Ok(p) => p,
        Err(exit) => return exit,
    };
    let holdout = match args.holdout.as_deref().map(|h| (h, Holdout::parse(h))) {
        None => None,
        Some((_, Some(h))) => Some(h),
        Some((text, None)) => {
            eprintln!("error: `--holdout {text}` is not a share of the leads");
            eprintln!("help: write a percentage above 0 and below 100, such as 30%");
            return Exit::Usage;
        }
    };
    let as_of = match args.as_of.instant() {
        Ok(t) => t,
        Err(exit) => return exit,
    };
    let source = OutcomeSource::new(&old.plan, &args.outcome);
    if let Err(exit) = check_outcome_column(&args.input.leads, &args.outcome, source.declared()) {
        return exit;
    }
    let evaluator = Evaluator::new(&old.plan, as_of);
    let plan = &old.plan;
    let mut kept: Vec<Kept> = Vec::new();
    let mut without_outcome = 0u64;
    let read = args.input.for_each(
        &plan.id_key,
        |_, pending, file| {
            convert_with(pending, file, |json, events| {
                let lead = to_lead(plan, json, events)?;
                let converted = source.read(json, &lead)?;
                let before = evaluator.evaluate(&lead);
                Ok((lead, converted, before))
            })
            .map_err(Box::new)
        },
        |(lead, converted, before)| {
            let Some(converted) = converted else {
                without_outcome += 1;
                return Ok(());
            };
            kept.push(Kept {
                id: lead.id.clone(),
                held_out: holdout.is_some_and(|h| h.holds_out(&id_text(&lead.id))),
                converted,
                before,
                lead,
            });
            Ok(())
        },
    );
    if let Err(exit) = read {
        return exit;
    }
    if without_outcome > 0 {
        eprintln!(
            "note: {without_outcome} lead{} without an outcome left out",
            crate::text::plural(without_outcome)
        );
    }
    let train: Vec<(Vec<(usize, f64)>, bool)> = kept
        .iter()
        .filter(|k| !k.held_out)
        .map(|k| (units(plan, &k.before), k.converted))
        .collect();
    if !train.iter().any(|t| t.1) || !train.iter().any(|t| !t.1) {
        eprintln!(
            "error: the leads to fit on need both outcomes, converted and not, to tune the points"
        );
        return Exit::Findings;
    }
    let suggested = suggest(plan, &train, args.by_group);

    // The rules' points in the model's own file; rules of `use`d files keep theirs.
    let main = old
        .sources
        .file(0)
        .map(|f| f.text.to_string())
        .unwrap_or_default();
    let mut edits = Vec::new();
    let mut elsewhere = 0;
    for ((id, span), new) in old.spans.rules.iter_enumerated().zip(&suggested) {
        let Some(new) = new else { continue };
        if span.file != 0 {
            elsewhere += 1;
            continue;
        }
        let Some(rule) = plan.rules.get(id) else {
            continue;
        };
        if let Some(range) = points_span(&main, span.start..span.end) {
            // An `each` rule's cap moves with its points, so it binds at
            // the count the points were fitted on.
            let cap = match &rule.effect {
                Effect::Each {
                    points: was,
                    max: Some(cap),
                    ..
                }
                | Effect::PerUnit {
                    points: was,
                    max: Some(cap),
                    ..
                } => scaled_cap(*cap, *was, *new).zip(cap_span(
                    &main,
                    span.start..span.end,
                    range.end,
                )),
                _ => None,
            };
            edits.push((range, points(*new)));
            if let Some((cap, at)) = cap {
                edits.push((at, number(cap)));
            }
        }
    }
    if elsewhere > 0 {
        eprintln!("warning: {elsewhere} rule{} in files the model `use`s keep their points; tune those files' models on their own", crate::text::plural(elsewhere));
    }
    // The tuned text is checked where the model is, so that the files it
    // `use`s are found; the new file reads them relative to its own place.
    let dir = args.model.parent().unwrap_or(Path::new("."));
    // Its own path whole: a bare file name would be read from the current
    // directory, and so would the paths it `use`s.
    let name = args
        .model
        .canonicalize()
        .ok()
        .or_else(|| args.model.file_name().map(PathBuf::from))
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let out_dir = args.output.parent().unwrap_or(Path::new("."));
    if old.sources.len() > 1 && !same_dir(dir, out_dir) {
        eprintln!(
            "warning: {} reads other files by paths relative to itself; put {} next to it, or copy those files",
            args.model.display(),
            args.output.display()
        );
    }
    let with_points = crate::check_source(&name, &edit(&main, edits.clone()), dir);
    let Some(pointed) = with_points.plan.as_ref() else {
        return broken(&with_points);
    };
    // Thresholds `threshold N` move so that as many training leads pass as before.
    edits.extend(threshold_edits(&main, plan, pointed, &kept, as_of));
    let text = edit(&main, edits);
    let new = crate::check_source(&name, &text, dir);
    let Some(new_plan) = new.plan.as_ref() else {
        return broken(&new);
    };
    let after = Evaluator::new(new_plan, as_of);
    let judged: Vec<(&Kept, Outcome)> = kept
        .iter()
        .filter(|k| k.held_out || holdout.is_none())
        .map(|k| (k, after.evaluate(&k.lead)))
        .collect();
    let figures = Figures::table(plan, new_plan, &judged);
    let on = match holdout {
        Some(h) => format!(
            "On the {} held-out leads ({}% by a hash of the id; the points were fitted on the other {}):",
            judged.len(),
            number(h.percent()),
            train.len()
        ),
        None => format!(
            "On the {} leads the points were fitted to (pass --holdout 30% for figures on leads the fit did not see):",
            judged.len()
        ),
    };
    let mut report = format!("{on}\n{}\n", figures.text);
    if !args.by_group {
        for (group, before, after) in &figures.group_drops {
            eprintln!("warning: group `{group}` ranks the leads worse after tuning (ROC AUC {before:.3} -> {after:.3}); pass --by-group to fit each group on its own");
        }
    }
    let mut diff = Diff::new(
        Version {
            plan,
            sources: &old.sources,
            rule_spans: &old.spans.rules,
        },
        Version {
            plan: new_plan,
            sources: &new.sources,
            rule_spans: &new.spans.rules,
        },
        10,
    );
    for (k, outcome) in &judged {
        diff.add(&k.id, &k.before, outcome);
    }
    report.push_str(&diff.report().table());
    let written = OutputArg {
        output: Some(args.output.clone()),
    }
    .write(&text);
    if written != Exit::Success {
        return written;
    }
    outln!("{}", report.trim_end());
    eprintln!("wrote {}", args.output.display());
    Exit::Success
}

fn same_dir(a: &Path, b: &Path) -> bool {
    let full = |p: &Path| {
        let p = if p.as_os_str().is_empty() {
            Path::new(".")
        } else {
            p
        };
        p.canonicalize().unwrap_or_else(|_| p.to_path_buf())
    };
    full(a) == full(b)
}

/// The tuned text does not check: a bug, reported with its diagnostics.
fn broken(checked: &crate::CheckedModel) -> Exit {
    eprint!(
        "{}",
        crate::diagnostic::render(&checked.diagnostics, &checked.sources, false)
    );
    eprintln!(
        "error: the tuned model does not check; this is a bug in leadscore, please report it"
    );
    Exit::Findings
}

/// New numbers for the `threshold [NAME] N` items of the model's file:
/// the highest whole number that lets at least as many training leads
/// pass under the new points as passed under the old.
fn threshold_edits(
    main: &str,
    old: &Plan,
    new: &Plan,
    kept: &[Kept],
    as_of: crate::time::Instant,
) -> Vec<(std::ops::Range<usize>, String)> {
    let Some(ast) = crate::syntax::parse(0, main).0 else {
        return Vec::new();
    };
    let evaluator = Evaluator::new(new, as_of);
    let train: Vec<(&Kept, Outcome)> = kept
        .iter()
        .filter(|k| !k.held_out)
        .map(|k| (k, evaluator.evaluate(&k.lead)))
        .collect();
    let mut edits = Vec::new();
    for item in &ast.items {
        let Item::Threshold(threshold) = item else {
            continue;
        };
        let ThresholdCondition::AtLeast(bound) = &threshold.condition else {
            continue;
        };
        let name = threshold
            .name
            .as_ref()
            .map(|n| n.node.clone())
            .unwrap_or_else(|| "qualified".to_string());
        let Some(index) = old.outputs.iter().position(|o| o.name() == name) else {
            continue;
        };
        let passed = train
            .iter()
            .filter(|(k, _)| {
                matches!(
                    k.before.outputs.iter().nth(index),
                    Some(OutputValue::Threshold(true))
                )
            })
            .count();
        let mut scores: Vec<f64> = train
            .iter()
            .filter(|(_, o)| o.disqualified_by.is_empty())
            .map(|(_, o)| o.score)
            .collect();
        scores.sort_by(|a, b| b.total_cmp(a));
        if passed == 0 {
            continue;
        }
        if let Some(score) = scores.get(passed - 1) {
            edits.push((bound.span.start..bound.span.end, number(score.floor())));
        }
    }
    edits
}

/// The before/after table and the groups that rank worse.
struct Figures {
    text: String,
    group_drops: Vec<(String, f64, f64)>,
}

impl Figures {
    fn table(old: &Plan, new: &Plan, judged: &[(&Kept, Outcome)]) -> Figures {
        let converted: Vec<bool> = judged.iter().map(|(k, _)| k.converted).collect();
        let all = converted.len();
        let wins = converted.iter().filter(|c| **c).count();
        let mut t = TextTable::new(&["", "before", "after"]);
        let before: Vec<f64> = judged.iter().map(|(k, _)| k.before.score).collect();
        let after: Vec<f64> = judged.iter().map(|(_, o)| o.score).collect();
        let auc_cells = |a: &[f64], b: &[f64]| {
            vec![
                cell(auc(a, &converted).map(|x| round_to(x, 4)), 3),
                cell(auc(b, &converted).map(|x| round_to(x, 4)), 3),
            ]
        };
        let mut row = vec!["ROC AUC of the score".to_string()];
        row.extend(auc_cells(&before, &after));
        t.row(row);
        let mut group_drops = Vec::new();
        for (g, group) in old.groups.iter().enumerate() {
            let Some(h) = new.groups.iter().position(|n| n.name == group.name) else {
                continue;
            };
            let b: Vec<f64> = judged
                .iter()
                .map(|(k, _)| k.before.groups.iter().nth(g).copied().unwrap_or(0.0))
                .collect();
            let a: Vec<f64> = judged
                .iter()
                .map(|(_, o)| o.groups.iter().nth(h).copied().unwrap_or(0.0))
                .collect();
            let mut row = vec![format!("ROC AUC of {}", group.name)];
            row.extend(auc_cells(&b, &a));
            t.row(row);
            if let (Some(x), Some(y)) = (auc(&b, &converted), auc(&a, &converted)) {
                if y < x - 0.005 {
                    group_drops.push((group.name.clone(), x, y));
                }
            }
        }
        for (i, output) in old.outputs.iter().enumerate() {
            let Output::Threshold { name, .. } = output else {
                continue;
            };
            let Some(j) = new.outputs.iter().position(|o| o.name() == name) else {
                continue;
            };
            let pass = |values: Vec<bool>| -> (usize, usize) {
                let passed = values.iter().filter(|v| **v).count();
                let right = values
                    .iter()
                    .zip(&converted)
                    .filter(|(v, c)| **v && **c)
                    .count();
                (passed, right)
            };
            let (b_pass, b_right) = pass(
                judged
                    .iter()
                    .map(|(k, _)| {
                        matches!(
                            k.before.outputs.iter().nth(i),
                            Some(OutputValue::Threshold(true))
                        )
                    })
                    .collect(),
            );
            let (a_pass, a_right) = pass(
                judged
                    .iter()
                    .map(|(_, o)| {
                        matches!(o.outputs.iter().nth(j), Some(OutputValue::Threshold(true)))
                    })
                    .collect(),
            );
            let share = |x: usize, of: usize| (of > 0).then(|| x as f64 / of as f64);
            t.row(vec![
                format!("{name}: leads passing"),
                b_pass.to_string(),
                a_pass.to_string(),
            ]);
            t.row(vec![
                format!("{name}: precision"),
                percent(share(b_right, b_pass)),
                percent(share(a_right, a_pass)),
            ]);
            t.row(vec![
                format!("{name}: recall"),
                percent(share(b_right, wins)),
                percent(share(a_right, wins)),
            ]);
        }
        Figures {
            text: format!("leads {all}, converted {wins}\n{}", t.render()),
            group_drops,
        }
    }
}
