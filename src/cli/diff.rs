//! `leadscore diff`: two versions of a model on the same leads, and
//! `--fail-if` to stop a change whose impact is larger than agreed.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::flags::{AsOfArg, LeadsArgs, OutputArg};
use super::sink::json_report;
use super::{checked_model, Exit};
use crate::diagnostic::render;
use crate::eval::Evaluator;
use crate::record::to_lead;
use crate::refine::condition::{figures_read, holds, parse};
use crate::refine::diff::{rule_changes, Diff, Version};
use crate::source::SourceMap;
use crate::stream::convert_with;

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// The model before the change (.score).
    pub old: PathBuf,
    /// The model after the change.
    pub new: PathBuf,
    #[command(flatten)]
    pub input: LeadsArgs,
    #[command(flatten)]
    pub as_of: AsOfArg,
    #[arg(long, value_enum, default_value_t = DiffFormat::Table)]
    pub format: DiffFormat,
    /// Exit 1 when this condition over the report's figures holds,
    /// e.g. "mql.entered + mql.left > 50".
    #[arg(long, value_name = "EXPR")]
    pub fail_if: Option<String>,
    /// How many of the leads that moved most to list.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub top: usize,
    #[command(flatten)]
    pub output: OutputArg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Table,
    Json,
}

pub fn run(args: &DiffArgs, color: bool) -> Exit {
    let old = match checked_model(&args.old, color) {
        Ok(p) => p,
        Err(exit) => return exit,
    };
    let new = match checked_model(&args.new, color) {
        Ok(p) => p,
        Err(exit) => return exit,
    };
    let as_of = match args.as_of.instant() {
        Ok(t) => t,
        Err(exit) => return exit,
    };
    let (old_plan, new_plan) = (&old.plan, &new.plan);
    let old = Version {
        plan: &old.plan,
        sources: &old.sources,
        rule_spans: &old.spans.rules,
    };
    let new = Version {
        plan: &new.plan,
        sources: &new.sources,
        rule_spans: &new.spans.rules,
    };
    let rules = rule_changes(&old, &new);
    let mut diff = Diff::new(old, new, args.top);
    // The condition is checked before any lead is read: the figures it may
    // name follow from the two models alone.
    let condition = match &args.fail_if {
        None => None,
        Some(text) => {
            let mut sources = SourceMap::default();
            let file = sources.add(PathBuf::from("--fail-if"), text.as_str());
            match parse(text, file, &diff.figures(&rules)) {
                Ok(expr) => Some(expr),
                Err(diagnostic) => {
                    eprint!("{}", render(&[diagnostic], &sources, color));
                    return Exit::Usage;
                }
            }
        }
    };
    let before = Evaluator::new(old_plan, as_of);
    let after = Evaluator::new(new_plan, as_of);
    let read = args.input.for_each(
        |_, pending, file| {
            convert_with(pending, file, |json, events| {
                let old_lead = to_lead(old_plan, json, events)?;
                let new_lead = to_lead(new_plan, json, events)?;
                Ok((
                    old_lead.id.clone(),
                    before.evaluate(&old_lead),
                    after.evaluate(&new_lead),
                ))
            })
            .map_err(Box::new)
        },
        |(id, old, new)| {
            diff.add(&id, &old, &new);
            Ok(())
        },
    );
    if let Err(exit) = read {
        return exit;
    }
    let report = diff.report();
    let text = match args.format {
        DiffFormat::Table => report.table(),
        DiffFormat::Json => match json_report(&report) {
            Ok(json) => json,
            Err(exit) => return exit,
        },
    };
    let written = args.output.write(&text);
    if written != Exit::Success {
        return written;
    }
    match (&condition, &args.fail_if) {
        (Some(expr), Some(text)) if holds(expr, &report.figures) => {
            let values: Vec<String> = figures_read(expr)
                .into_iter()
                .map(|name| {
                    let value = report.figures.get(name).copied().unwrap_or(0.0);
                    format!("{name} = {}", crate::refine::text::score(value))
                })
                .collect();
            eprintln!("error: `--fail-if {text}` holds ({})", values.join(", "));
            eprintln!("help: the change moves more leads than agreed; review the report above, or raise the limit");
            Exit::Findings
        }
        _ => Exit::Success,
    }
}
