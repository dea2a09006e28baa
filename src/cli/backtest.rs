//! `leadscore backtest`: score leads as of a past instant and set the
//! results against a true/false outcome of the records.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::flags::{instant, LeadsArgs, OutputArg};
use super::outcome::check_outcome_column;
use super::sink::json_report;
use super::{plan_model, Exit};
use crate::eval::Evaluator;
use crate::learn::split::{id_text, Holdout};
use crate::record::to_lead;
use crate::refine::backtest::Backtest;
use crate::refine::html::{page, Heading};
use crate::refine::OutcomeSource;
use crate::stream::convert_with;

#[derive(Args, Debug)]
pub struct BacktestArgs {
    /// The model file (.score).
    pub model: PathBuf,
    #[command(flatten)]
    pub input: LeadsArgs,
    /// The record field that says whether the lead converted (true/false).
    #[arg(long, value_name = "FIELD")]
    pub outcome: String,
    /// Score as of this past date or instant: later events are ignored.
    #[arg(long, value_name = "INSTANT")]
    pub as_of: String,
    /// Count only this share of the leads (30%), picked by a hash of the
    /// id: the leads `tune --holdout` held out of its fit.
    #[arg(long, value_name = "SHARE")]
    pub holdout: Option<String>,
    /// Also find the threshold that gives at most this many MQLs.
    #[arg(long, value_name = "N")]
    pub capacity: Option<u64>,
    #[arg(long, value_enum, default_value_t = BacktestFormat::Table)]
    pub format: BacktestFormat,
    #[command(flatten)]
    pub output: OutputArg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BacktestFormat {
    Table,
    Json,
    /// A self-contained page with charts.
    Html,
}

pub fn run(args: &BacktestArgs, color: bool) -> Exit {
    let plan = match plan_model(&args.model, color) {
        Ok(plan) => plan,
        Err(exit) => return exit,
    };
    let as_of = match instant("--as-of", &args.as_of) {
        Ok(t) => t,
        Err(exit) => return exit,
    };
    let holdout = match args.holdout.as_deref() {
        None => None,
        Some(text) => match Holdout::parse(text) {
            Some(h) => Some(h),
            None => {
                eprintln!("error: `--holdout {text}` is not a share of the leads");
                eprintln!("help: write a percentage above 0 and below 100, such as 30%");
                return Exit::Usage;
            }
        },
    };
    let source = OutcomeSource::new(&plan, &args.outcome);
    if let Err(exit) = check_outcome_column(&args.input.leads, &args.outcome, source.declared()) {
        return exit;
    }
    if let Some(field) = plan
        .fields
        .iter()
        .find(|f| f.key == args.outcome || f.name == args.outcome)
    {
        eprintln!(
            "warning: the model reads `{}`, the outcome field: its scores know the answer, so the figures flatter it",
            field.name
        );
    }
    let evaluator = Evaluator::new(&plan, as_of);
    let mut backtest = Backtest::new(&plan);
    let mut without_outcome = 0;
    let read = args.input.for_each(
        &plan.id_key,
        |_, pending, file| {
            convert_with(pending, file, |json, events| {
                let lead = to_lead(&plan, json, events)?;
                let converted = source.read(json, &lead)?;
                let counted = holdout.is_none_or(|h| h.holds_out(&id_text(&lead.id)));
                // Held-in leads are not scored at all.
                Ok(match (counted, converted) {
                    (true, Some(c)) => Some((Some(evaluator.evaluate(&lead)), c)),
                    (true, None) => Some((None, false)),
                    (false, _) => None,
                })
            })
            .map_err(Box::new)
        },
        |counted| {
            match counted {
                Some((Some(outcome), converted)) => backtest.add(&outcome, converted),
                Some((None, _)) => without_outcome += 1,
                None => {}
            }
            Ok(())
        },
    );
    if let Err(exit) = read {
        return exit;
    }
    let mut report = backtest.report(args.capacity);
    report.without_outcome = without_outcome;
    report.holdout_percent = holdout.map(Holdout::percent);
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    let text = match args.format {
        BacktestFormat::Table => report.table(),
        BacktestFormat::Json => match json_report(&report) {
            Ok(json) => json,
            Err(exit) => return exit,
        },
        BacktestFormat::Html => page(
            &report,
            &Heading {
                model: &args.model.display().to_string(),
                leads: &args.input.leads,
                as_of: &args.as_of,
                outcome: &args.outcome,
                marks: &score_bounds(&plan),
            },
        ),
    };
    args.output.write(&text)
}

/// The thresholds that are a plain bound on the score (`threshold mql 60`,
/// `threshold x when score >= 60`), with that bound.
fn score_bounds(plan: &crate::plan::Plan) -> Vec<(String, f64)> {
    plan.outputs
        .iter()
        .filter_map(|o| match o {
            crate::plan::Output::Threshold { name, source, .. } => {
                let bound = source
                    .strip_prefix("score >= ")?
                    .trim()
                    .parse::<f64>()
                    .ok()?;
                Some((name.clone(), bound))
            }
            crate::plan::Output::Label { .. } => None,
        })
        .collect()
}
