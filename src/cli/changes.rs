//! `leadscore changes`: the leads whose thresholds or labels differ
//! between two instants, as NDJSON for a CRM or a message to sales.

use std::io::Write as _;
use std::path::PathBuf;

use clap::Args;

use super::flags::{instant, LeadsArgs, OutputArg};
use super::sink::finish;
use super::{plan_model, Exit};
use crate::eval::Evaluator;
use crate::refine::changes::change_record;
use crate::stream::convert_in;
use crate::stream::Stop;

#[derive(Args, Debug)]
pub struct ChangesArgs {
    /// The model file (.score).
    pub model: PathBuf,
    #[command(flatten)]
    pub input: LeadsArgs,
    /// The earlier instant (a date or an RFC 3339 instant).
    #[arg(long, value_name = "INSTANT")]
    pub from: String,
    /// The later instant.
    #[arg(long, value_name = "INSTANT")]
    pub to: String,
    #[command(flatten)]
    pub output: OutputArg,
}

pub fn run(args: &ChangesArgs, color: bool) -> Exit {
    let plan = match plan_model(&args.model, color) {
        Ok(plan) => plan,
        Err(exit) => return exit,
    };
    let (from, to) = match (instant("--from", &args.from), instant("--to", &args.to)) {
        (Ok(from), Ok(to)) => (from, to),
        (Err(exit), _) | (_, Err(exit)) => return exit,
    };
    if from >= to {
        eprintln!(
            "error: `--from {}` is not before `--to {}`",
            args.from, args.to
        );
        eprintln!("help: `--from` is the earlier instant, such as yesterday's run");
        return Exit::Usage;
    }
    let earlier = Evaluator::new(&plan, from);
    let later = Evaluator::new(&plan, to);
    let mut sink = match args.output.open() {
        Ok(sink) => sink,
        Err(exit) => return exit,
    };
    let read = args.input.for_each(
        &plan.id_key,
        |scratch, pending, file| {
            let lead = convert_in(&plan, pending, file, scratch).map_err(Box::new)?;
            Ok(change_record(
                &plan,
                &lead.id,
                &earlier.evaluate(lead),
                &later.evaluate(lead),
            ))
        },
        |record| {
            // Streamed as found: a large file need not fit in memory.
            match record {
                Some(record) => writeln!(sink, "{record}").map_err(Stop::Write),
                None => Ok(()),
            }
        },
    );
    match read {
        Ok(_) => finish(sink),
        Err(exit) => exit,
    }
}
