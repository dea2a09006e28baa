//! `leadscore explain`: the breakdown of one lead's score.

use clap::Args;

use super::input::{attach_events, convert, Inputs};
use super::{EvalArgs, Exit};
use crate::eval::Evaluator;
use crate::output::explanation;
use crate::record::id_key;

#[derive(Args, Debug)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub eval: EvalArgs,
    /// The id of the lead to explain.
    #[arg(long)]
    pub id: String,
}

pub fn run(args: &ExplainArgs, color: bool) -> Exit {
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
    let wanted = args.id.trim();
    for record in records {
        let raw = match record {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: reading `{file}` failed: {e}");
                return Exit::Usage;
            }
        };
        let raw = raw.parsed();
        let is_wanted = raw
            .json()
            .and_then(|j| j.get("id"))
            .is_some_and(|id| id_key(&id.to_serde()) == wanted);
        if !is_wanted {
            continue;
        }
        let pending = match attach_events(raw, events.as_mut()) {
            Ok(pending) => pending,
            Err(message) => {
                eprintln!("error: {message}");
                return Exit::Usage;
            }
        };
        return match convert(&plan, pending, &file) {
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
    }
    eprintln!("error: no lead with id `{wanted}` in `{file}`");
    eprintln!("help: ids are compared as text; check the spelling");
    Exit::Findings
}
