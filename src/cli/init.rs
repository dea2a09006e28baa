//! `leadscore init`: start a new model, from a template or from sample data.
//!
//! With `--from`, the lead schema and the event declarations are inferred
//! from sample records by [`crate::init`]; the rules are left to people,
//! with commented examples in the shape of the data. Whatever is generated
//! is formatted and checked before it is written, so a new model always
//! checks. This file reads the arguments and writes the model, the report
//! and the exit code.

use std::fs::{File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use clap::Args;

use super::Exit;
use crate::init::SampleError;

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Where to write the new model (.score); `-` prints it instead.
    pub model: PathBuf,
    /// Sample lead records to infer the schema and the events from:
    /// .csv (with a header), .ndjson/.jsonl, or .json (an array); `-` for stdin.
    #[arg(long, value_name = "LEADS")]
    pub from: Option<String>,
    /// Events for CSV leads (lead_id,type,at,<properties>), to infer the
    /// event declarations from.
    #[arg(long, value_name = "FILE", requires = "from")]
    pub events: Option<String>,
    /// With --from: the column that says whether each lead converted
    /// (true/false, yes/no, 1/0); the model then gets rules and points
    /// fitted to it.
    #[arg(long, value_name = "FIELD", requires = "from")]
    pub outcome: Option<String>,
    /// Replace MODEL if it exists.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: &InitArgs) -> Exit {
    let to_stdout = args.model.as_os_str() == "-";
    if !to_stdout && !args.force && args.model.exists() {
        eprintln!(
            "error: `{}` already exists; `leadscore init` does not overwrite a model",
            args.model.display()
        );
        eprintln!("help: choose another file name, or pass --force to replace it");
        return Exit::Usage;
    }
    let model_name = if to_stdout {
        "model.score".to_string()
    } else {
        args.model.display().to_string()
    };
    let text = match &args.from {
        None => crate::init::template(&model_name),
        Some(leads) => match sample_model(
            leads,
            args.events.as_deref(),
            args.outcome.as_deref(),
            &model_name,
        ) {
            Ok(text) => text,
            Err(exit) => return exit,
        },
    };
    let text = crate::init::canonical(&text);
    let written = if to_stdout {
        outln!("{}", text.trim_end());
        Ok(())
    } else {
        write_model(&args.model, &text, args.force)
    };
    if let Err(e) = written {
        eprintln!("error: cannot write `{}`: {e}", args.model.display());
        if e.kind() == io::ErrorKind::AlreadyExists {
            eprintln!("help: choose another file name, or pass --force to replace it");
        }
        return Exit::Usage;
    }
    if let Err(problems) = crate::init::self_check(&text, &model_name) {
        eprint!("{problems}");
        eprintln!("error: the model `leadscore init` wrote does not check cleanly; this is a bug in leadscore, please report it");
        return Exit::Findings;
    }
    if !to_stdout {
        eprintln!("wrote {model_name}");
        eprintln!("next: leadscore check {model_name} && leadscore test {model_name}");
    }
    Exit::Success
}

/// The model inferred from the sample, its report shown on stderr for the
/// user to review before writing any rule.
fn sample_model(
    leads: &str,
    events: Option<&str>,
    outcome: Option<&str>,
    model_name: &str,
) -> Result<String, Exit> {
    let made = match outcome {
        Some(outcome) => {
            super::outcome::check_outcome_column(leads, outcome, false)?;
            crate::init::from_outcomes(leads, events, outcome, model_name)
        }
        None => crate::init::from_sample(leads, events, model_name),
    };
    match made {
        Ok(model) => {
            eprint!("{}", model.report);
            Ok(model.text)
        }
        Err(SampleError::Unreadable { file, error }) => {
            eprintln!("error: cannot read `{file}`: {error}");
            Err(Exit::Usage)
        }
        Err(SampleError::NoRecords { problems }) => {
            eprintln!("error: `{leads}` holds no lead records to learn from");
            for problem in problems.iter().take(3) {
                eprintln!("  {problem}");
            }
            Err(Exit::Findings)
        }
    }
}

/// Writes the model; without `--force` the file is created only if it does
/// not exist at that moment (no check-then-write race).
fn write_model(path: &Path, text: &str, force: bool) -> io::Result<()> {
    let mut file = if force {
        File::create(path)?
    } else {
        OpenOptions::new().write(true).create_new(true).open(path)?
    };
    file.write_all(text.as_bytes())?;
    file.flush()
}
