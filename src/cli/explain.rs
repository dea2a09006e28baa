//! `leadscore explain`: the breakdown of one lead's score.

use clap::Args;

use super::input::{attach_events, convert, convert_in, Inputs};
use super::leads::{OnError, Stream, StreamOptions};
use super::{EvalArgs, Exit};
use crate::eval::account::{domain, membership, Accounts};
use crate::eval::{Evaluator, Outcome};
use crate::output::{account_explanation, explanation};
use crate::record::LeadScratch;
use crate::text::fold;

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

fn run_lead(args: &ExplainArgs, id: &str, color: bool) -> Exit {
    let Inputs {
        plan,
        as_of,
        file,
        records,
        mut events,
    } = match args.eval.open(color) {
        Ok(inputs) => inputs,
        Err(exit) => return exit,
    };
    let wanted = id.trim();
    let mut records = records.into_iter();
    let mut matching = std::iter::from_fn(|| {
        for record in records.by_ref() {
            let raw = match record {
                Ok(r) => r,
                Err(e) => return Some(Err(e)),
            };
            if raw.json().is_none() && !raw.is_csv() && !may_hold_id(&raw.raw, wanted) {
                continue;
            }
            let raw = raw.parsed();
            if raw.id_key().as_deref() == Some(wanted) {
                return Some(Ok(raw));
            }
        }
        None
    });
    if let Some(found) = matching.next() {
        let raw = match found {
            Ok(raw) => raw,
            Err(e) => {
                eprintln!("error: reading `{file}` failed: {e}");
                return Exit::Usage;
            }
        };
        let line = raw.line;
        let pending = match attach_events(raw, events.as_mut()) {
            Ok(pending) => pending,
            Err(message) => {
                eprintln!("error: {message}");
                return Exit::Usage;
            }
        };
        let exit = match convert(&plan, pending, &file) {
            Ok(lead) => {
                let evaluator = Evaluator::new(&plan, as_of);
                let outcome = evaluator.evaluate(&lead);
                out!(
                    "{}",
                    explanation(
                        &plan,
                        &lead.id,
                        &outcome,
                        &as_of.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                    )
                );
                Exit::Success
            }
            Err(error) => {
                eprintln!("error: {error}");
                Exit::Findings
            }
        };
        // Another lead with the same id would be explained by nobody.
        let others: Vec<String> = matching
            .filter_map(|found| {
                found
                    .map_err(|e| eprintln!("warning: reading the rest of `{file}` failed: {e}"))
                    .ok()
            })
            .map(|raw| raw.line.to_string())
            .collect();
        if !others.is_empty() {
            eprintln!(
                "warning: `{file}` has {} more lead{} with the id `{wanted}` ({} {}); this is the one on line {line}",
                others.len(),
                if others.len() == 1 { "" } else { "s" },
                if others.len() == 1 { "line" } else { "lines" },
                others.join(", ")
            );
        }
        return exit;
    }
    eprintln!("error: no lead with id `{wanted}` in `{file}`");
    eprintln!("help: ids are compared as text; check the spelling");
    Exit::Findings
}

/// Whether a JSON record's text can hold the id `wanted`, so that the
/// records that cannot are skipped without being parsed: an id appears in
/// the text as written unless it is escaped, or is a number written
/// another way (`1e2` is the id `100.0`).
fn may_hold_id(text: &str, wanted: &str) -> bool {
    let number_like = wanted
        .bytes()
        .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b));
    number_like || text.contains('\\') || text.contains(wanted)
}

fn run_account(args: &ExplainArgs, key: &str, color: bool) -> Exit {
    let Inputs {
        plan,
        as_of,
        file,
        records,
        events,
    } = match args.eval.open(color) {
        Ok(inputs) => inputs,
        Err(exit) => return exit,
    };
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
    let options = StreamOptions {
        events_file: args.eval.events.as_deref(),
        events_sorted: args.eval.events_sorted,
        on_error: OnError::Fail,
        rejects: None,
        orphans: None,
        threads: None,
        quiet: true,
    };
    let stream = match Stream::new(file.clone(), records, events, options) {
        Ok(stream) => stream.with_fail_help("an account's score needs every lead; fix the record, or find the bad ones with `leadscore score --on-error skip`"),
        Err(exit) => return exit,
    };
    let mut members = Vec::new();
    let read = stream.for_each(
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
    );
    if let Err(exit) = read {
        return exit;
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
