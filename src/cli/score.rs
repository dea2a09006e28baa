//! `leadscore score`: score every lead of a file, in input order, reporting
//! every record that cannot be scored.

use std::io::{self, Write};

use clap::Args;

use super::flags::{EvalArgs, OutputArg};
use super::input::{convert_in, Inputs};
use super::leads::{Stream, Summary};
use super::sink::write_failed;
use super::{default_format, Exit};
use crate::eval::account::{membership, Accounts, Membership};
use crate::eval::{Evaluator, Outcome};
use crate::output::{account_json, LeadResult, OutputFormat, Rendered, ResultWriter};
use crate::plan::IdVec;
use crate::record::LeadScratch;

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
    let stream = match input.stream(leads) {
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
    let scored = score_stream(stream, &evaluator, &mut writer, explain, accounts.as_mut());
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
    summary.report("scored", &input.options());
    Exit::Success
}

/// Scores every record of `stream`: each lead's result is written, in
/// input order, or with `accounts` tallied into its account.
pub fn score_stream<W: Write>(
    stream: Stream,
    evaluator: &Evaluator,
    writer: &mut ResultWriter<W>,
    explain: bool,
    mut accounts: Option<&mut Accounts>,
) -> Result<Summary, Exit> {
    let plan = evaluator.plan();
    let layout = writer.layout().clone();
    let by_account = accounts.is_some();
    let no_tests = IdVec::new();
    let member_tests = plan.account.as_ref().map_or(&no_tests, |a| &a.member_tests);
    // Conversion, evaluation and rendering run on every core; results are
    // written (or tallied into accounts) in input order.
    stream.for_each(
        // One lead and one outcome per worker, refilled for each record it
        // scores, so that a record allocates little once a worker has
        // scored its first.
        <(LeadScratch, Outcome)>::default,
        |scratch, pending, file| {
            let (scratch, outcome) = scratch;
            let lead = convert_in(plan, pending, file, scratch).map_err(Box::new)?;
            if by_account {
                let passed = evaluator.evaluate_member_into(lead, member_tests, outcome);
                let member = membership(plan, lead, outcome, passed);
                return Ok(Scored::Member(member.map(|m| (m, lead.id.clone()))));
            }
            evaluator.evaluate_into(lead, outcome);
            Ok(Scored::Lead(layout.render_lead(&LeadResult {
                plan,
                id: &lead.id,
                outcome,
                explain,
            })))
        },
        |scored| match scored {
            Scored::Lead(rendered) => rendered
                .and_then(|r| writer.write(r))
                .map_err(|e| write_failed(&e)),
            Scored::Member(member) => {
                if let (Some(accounts), Some((member, id))) = (accounts.as_mut(), member) {
                    accounts.add(member, &id);
                }
                Ok(())
            }
        },
    )
}

/// What scoring one record gives: its result, or what it brings to its
/// account (nothing when it belongs to none).
enum Scored {
    Lead(io::Result<Rendered>),
    Member(Option<(Membership, serde_json::Value)>),
}
