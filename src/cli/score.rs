//! `leadscore score`: score every lead of a file, in input order, reporting
//! every record that cannot be scored.

use clap::Args;

use super::flags::{EvalArgs, OutputArg};
use super::leads::{Inputs, FAIL_HELP};
use super::sink::write_failed;
use super::{default_format, Exit};
use crate::eval::account::Accounts;
use crate::eval::Evaluator;
use crate::output::{account_json, OutputFormat, ResultWriter};
use crate::score::score_stream;

#[derive(Args, Debug)]
pub struct ScoreArgs {
    #[command(flatten)]
    pub eval: EvalArgs,
    /// Output format (default: a table on a terminal, NDJSON otherwise).
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// Add the reasons: every rule that fired, with its points.
    #[arg(long)]
    pub explain: bool,
    /// Write one record per account of the model's `account` block
    /// instead of one per lead.
    #[arg(long)]
    pub accounts: bool,
    #[command(flatten)]
    pub output: OutputArg,
}

pub fn run(args: &ScoreArgs, color: bool) -> Exit {
    let Inputs { plan, as_of, leads } = match args.eval.open(color) {
        Ok(inputs) => inputs,
        Err(exit) => return exit,
    };
    let input = &args.eval.input;
    let format = default_format(args.format, args.output.output.is_some());
    let mut accounts = match (args.accounts, Accounts::new(&plan, args.explain)) {
        (false, _) => None,
        (true, Some(accounts)) => Some(accounts),
        (true, None) => {
            eprintln!("error: `--accounts` needs an `account` block in the model");
            eprintln!("help: add one, for example `account by domain of email {{ rollup sum of score top 3 }}`");
            return Exit::Usage;
        }
    };
    let stream = match input.stream(leads, &plan.id_key) {
        Ok(stream) => stream,
        Err(exit) => return exit,
    };
    let sink = match args.output.open() {
        Ok(s) => s,
        Err(exit) => return exit,
    };
    let mut writer = if accounts.is_some() {
        ResultWriter::for_accounts(sink, format, &plan)
    } else {
        ResultWriter::new(sink, format, &plan)
    };
    let evaluator = Evaluator::new(&plan, as_of);
    let explain = args.explain;
    if explain {
        writer = writer.with_reasons();
    }
    let scored = input.reported(FAIL_HELP, |reporter| {
        score_stream(
            stream,
            reporter,
            &evaluator,
            &mut writer,
            explain,
            accounts.as_mut(),
        )
    });
    let summary = match scored {
        Ok(summary) => summary,
        Err(exit) => {
            // What was scored before the bad record stays readable on
            // stdout: a JSON array closed, a table printed.
            if let Ok(sink) = writer.finish() {
                sink.close_after_failure();
            }
            return exit;
        }
    };
    if let Some(accounts) = accounts {
        for result in accounts.finish(&evaluator) {
            let json = account_json(&plan, &result, explain);
            let rendered = writer.layout().render(&json);
            if let Err(e) = rendered.and_then(|r| writer.write(r)) {
                return write_failed(&e);
            }
        }
    }
    let mut sink = match writer.finish() {
        Ok(s) => s,
        Err(e) => return write_failed(&e),
    };
    if let Err(e) = sink.commit() {
        return write_failed(&e);
    }
    input.report(&summary, "scored");
    Exit::Success
}
