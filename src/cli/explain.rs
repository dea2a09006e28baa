//! `leadscore explain`: the breakdown of one lead's score, or one
//! account's. The leads are read on the stream every command shares, with
//! the same record flags as `score`.

use clap::Args;

use super::flags::EvalArgs;
use super::leads::{Inputs, FAIL_HELP};
use super::Exit;
use crate::eval::account::{domain, membership, Accounts};
use crate::eval::{Evaluator, Outcome};
use crate::output::{account_explanation, explanation};
use crate::record::{id_key, LeadScratch};
use crate::stream::convert_in;
use crate::text::{fold, plural};

#[derive(Args, Debug)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub eval: EvalArgs,
    /// The id of the lead to explain.
    #[arg(long, required_unless_present = "account", conflicts_with = "account")]
    pub id: Option<String>,
    /// The key of the account to explain (`acme.com`; for `by domain of`
    /// an email address or URL of it works too).
    #[arg(long)]
    pub account: Option<String>,
}

pub fn run(args: &ExplainArgs, color: bool) -> Exit {
    match (&args.id, &args.account) {
        (Some(id), _) => run_lead(args, id, color),
        (None, Some(key)) => run_account(args, key, color),
        (None, None) => Exit::Usage,
    }
}

/// Reads every record on the shared stream, so that bad records and events
/// without a lead are handled as `--on-error` and `--orphans` say, and
/// explains the first lead with the id; the lines of the others are named.
fn run_lead(args: &ExplainArgs, id: &str, color: bool) -> Exit {
    let Inputs { plan, as_of, leads } = match args.eval.open(color) {
        Ok(inputs) => inputs,
        Err(exit) => return exit,
    };
    let file = leads.file.clone();
    let input = &args.eval.input;
    let stream = match input.stream(leads, &plan.id_key) {
        Ok(stream) => stream,
        Err(exit) => return exit,
    };
    let wanted = id.trim();
    let evaluator = Evaluator::new(&plan, as_of);
    let as_of = as_of.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut explained = None;
    let mut others = Vec::new();
    let read = input.reported(FAIL_HELP, |reporter| {
        stream.for_each(
            reporter,
            LeadScratch::default,
            |scratch, pending, file| {
                let line = pending.line();
                let lead = convert_in(&plan, pending, file, scratch).map_err(Box::new)?;
                Ok((id_key(&lead.id) == wanted).then(|| (line, lead.clone())))
            },
            |found| {
                let Some((line, lead)) = found else {
                    return Ok(());
                };
                if explained.is_some() {
                    others.push(line.to_string());
                    return Ok(());
                }
                // Written as soon as it is found, as `score` writes a result:
                // it stays when a later record stops the run.
                let outcome = evaluator.evaluate(&lead);
                out!("{}", explanation(&plan, &lead, &outcome, &as_of));
                explained = Some(line);
                Ok(())
            },
        )
    });
    match read {
        Ok(summary) => input.report(&summary, "read"),
        Err(exit) => return exit,
    }
    let Some(line) = explained else {
        eprintln!("error: no lead with id `{wanted}` in `{file}`");
        eprintln!("help: ids are compared as text; check the spelling");
        return Exit::Findings;
    };
    // Another lead with the same id would be explained by nobody.
    if !others.is_empty() {
        eprintln!(
            "warning: `{file}` has {} more lead{} with the id `{wanted}` ({} {}); this is the one on line {line}",
            others.len(),
            plural(others.len()),
            if others.len() == 1 { "line" } else { "lines" },
            others.join(", ")
        );
    }
    Exit::Success
}

fn run_account(args: &ExplainArgs, key: &str, color: bool) -> Exit {
    let Inputs { plan, as_of, leads } = match args.eval.open(color) {
        Ok(inputs) => inputs,
        Err(exit) => return exit,
    };
    let file = leads.file.clone();
    let Some(account) = &plan.account else {
        eprintln!("error: `--account` needs an `account` block in the model");
        return Exit::Usage;
    };
    let wanted = match account.domain_of {
        true => domain(key).unwrap_or_else(|| fold(key)),
        false => fold(key),
    };
    let evaluator = Evaluator::new(&plan, as_of);
    let Some(mut accounts) = Accounts::new(&plan, true) else {
        return Exit::Usage;
    };
    let input = &args.eval.input;
    let stream = match input.stream(leads, &plan.id_key) {
        Ok(stream) => stream,
        Err(exit) => return exit,
    };
    let mut members = Vec::new();
    let fail_help = "an account's score needs every lead; fix the record, or run with `--on-error skip` to leave the bad ones out of it";
    let read = input.reported(fail_help, |reporter| {
        stream.for_each(
            reporter,
            <(LeadScratch, Outcome)>::default,
            |(scratch, outcome), pending, file| {
                let lead = convert_in(&plan, pending, file, scratch).map_err(Box::new)?;
                let passed = evaluator.evaluate_member_into(lead, &account.member_tests, outcome);
                let member = membership(&plan, lead, outcome, passed).filter(|m| m.key == wanted);
                Ok(member.map(|m| (m, lead.id.clone())))
            },
            |member| {
                if let Some((member, id)) = member {
                    members.push((id.clone(), member.value));
                    accounts.add(member, &id);
                }
                Ok(())
            },
        )
    });
    match read {
        Ok(summary) => input.report(&summary, "read"),
        Err(exit) => return exit,
    }
    let Some(result) = accounts.finish(&evaluator).into_iter().next() else {
        eprintln!("error: no account `{key}` in `{file}`");
        eprintln!("help: keys compare without letter case; `leadscore score --accounts` lists every account");
        return Exit::Findings;
    };
    out!(
        "{}",
        account_explanation(
            &plan,
            &result,
            &members,
            &as_of.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        )
    );
    Exit::Success
}
