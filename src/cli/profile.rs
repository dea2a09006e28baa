//! `leadscore profile`: how each column (or each field of a model, and
//! each event type) of a lead export relates to an outcome, the columns
//! that separate converted leads from the others first.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::flags::OutputArg;
use super::outcome::check_outcome_column;
use super::{plan_model, Exit};
use crate::init::profile::profile;
use crate::init::profile_text::{read_events, read_export};

#[derive(Args, Debug)]
pub struct ProfileArgs {
    /// Lead records: .csv, .ndjson/.jsonl or .json; `-` for stdin.
    pub leads: String,
    /// The column or key that says whether the lead converted (true/false,
    /// yes/no, 1/0).
    #[arg(long, value_name = "FIELD")]
    pub outcome: String,
    /// Profile only the fields this model reads (by their `as` keys).
    #[arg(long, value_name = "MODEL")]
    pub model: Option<PathBuf>,
    /// Events for CSV leads (lead_id,type,at,...): each event type by count.
    #[arg(long, value_name = "FILE")]
    pub events: Option<String>,
    #[arg(long, value_enum, default_value_t = ProfileFormat::Table)]
    pub format: ProfileFormat,
    #[command(flatten)]
    pub output: OutputArg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ProfileFormat {
    Table,
    Json,
    /// A self-contained page.
    Html,
}

pub fn run(args: &ProfileArgs, color: bool) -> Exit {
    let keys: Option<Vec<(String, String)>> = match &args.model {
        None => None,
        Some(path) => match plan_model(path, color) {
            Ok(plan) => Some(
                plan.fields
                    .iter()
                    .map(|f| (f.key.clone(), f.name.clone()))
                    .collect(),
            ),
            Err(exit) => return exit,
        },
    };
    if let Err(exit) = check_outcome_column(&args.leads, &args.outcome, false) {
        return exit;
    }
    let (records, unreadable) = match read_export(&args.leads) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot read `{}`: {e}", args.leads);
            return Exit::Usage;
        }
    };
    for problem in unreadable.iter().take(3) {
        eprintln!("warning: {}: {problem}", args.leads);
    }
    let events = match args.events.as_deref().map(read_events) {
        None => None,
        Some(Ok(file)) => Some(file),
        Some(Err(e)) => {
            eprintln!(
                "error: cannot read `{}`: {e}",
                args.events.as_deref().unwrap_or("")
            );
            return Exit::Usage;
        }
    };
    let mut profiled = profile(&records, &args.outcome, events.as_ref());
    if profiled.leads == 0 {
        eprintln!(
            "error: no lead of `{}` has an outcome in `{}`",
            args.leads, args.outcome
        );
        return Exit::Findings;
    }
    if let Some(keys) = &keys {
        profiled.columns.retain(|c| {
            c.kind == crate::init::profile::Kind::Events || keys.iter().any(|(k, _)| *k == c.key)
        });
        for column in &mut profiled.columns {
            if let Some((_, name)) = keys.iter().find(|(k, _)| *k == column.key) {
                if *name != column.key {
                    column.key = format!("{name} ({})", column.key);
                }
            }
        }
    }
    let text = match args.format {
        ProfileFormat::Table => profiled.table(),
        ProfileFormat::Json => match serde_json::to_string_pretty(&profiled.json()) {
            Ok(t) => t + "\n",
            Err(e) => {
                eprintln!("error: {e}");
                return Exit::Usage;
            }
        },
        ProfileFormat::Html => profiled.html(&args.leads),
    };
    args.output.write(&text)
}
