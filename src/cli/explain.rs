//! `leadscore explain`: the breakdown of one lead's score.

use clap::Args;

use super::score::{convert, display_name, open_events, open_records};
use super::{as_of, plan_model, EvalArgs, Exit};
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
    let plan = match plan_model(&args.eval.model, color) {
        Ok(p) => p,
        Err(exit) => return exit,
    };
    let as_of = match as_of(args.eval.as_of.as_deref()) {
        Ok(t) => t,
        Err(exit) => return exit,
    };
    let file = display_name(&args.eval.leads);
    let records = match open_records(&args.eval.leads) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot read leads `{file}`: {e}");
            return Exit::Usage;
        }
    };
    let mut events = match open_events(args.eval.events.as_deref()) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: cannot read events: {e}");
            return Exit::Usage;
        }
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
        let is_wanted = raw
            .json
            .as_ref()
            .ok()
            .and_then(|j| j.get("id"))
            .is_some_and(|id| id_key(&id.to_serde()) == wanted);
        if !is_wanted {
            continue;
        }
        return match convert(&plan, raw, &file, events.as_mut()) {
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
