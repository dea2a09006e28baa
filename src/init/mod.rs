//! Starting a model: the starter template, or a model inferred from a
//! sample of lead records (and events).
//!
//! Inference reads the sample (`sample`, with what each key holds in
//! `key_stats`), decides names and types (`inference`, spelt by
//! `spelling`), and writes the declarations with commented examples in the
//! shape of the data (`model_text`, `test_example`) and a report of what it
//! found (`report`). The rules are left to people. It lives in the library
//! rather than the CLI so that every front end starts a model the same way;
//! the CLI only writes what it is given.

mod inference;
mod key_stats;
mod model_text;
pub mod profile;
pub mod profile_text;
mod report;
mod sample;
mod spelling;
mod starter;
mod template;
mod test_example;

use std::io;
use std::path::Path;

use crate::diagnostic::render;

pub use template::template;

/// A model inferred from a sample, with the report of what was inferred.
pub struct SampleModel {
    pub text: String,
    /// One line per field, event type and note, each ending in a newline.
    pub report: String,
}

/// Why no model could be inferred from a sample.
#[derive(Debug)]
pub enum SampleError {
    /// A file of the sample could not be read.
    Unreadable { file: String, error: io::Error },
    /// The leads file held no lead record; `problems` says what was there
    /// instead, a line per unreadable record.
    NoRecords { problems: Vec<String> },
}

/// Infers the lead schema and the event declarations from sample leads
/// (a path, or `-` for stdin) and an optional events file. `model_name` is
/// the file the model will be written to, for the commands its header
/// suggests.
pub fn from_sample(
    leads: &str,
    events: Option<&str>,
    model_name: &str,
) -> Result<SampleModel, SampleError> {
    let sample = sample::read_sample(leads, events)
        .map_err(|(file, error)| SampleError::Unreadable { file, error })?;
    if sample.records == 0 {
        return Err(SampleError::NoRecords {
            problems: sample.unreadable,
        });
    }
    let mut inference = inference::infer(&sample);
    let report = report::report(&sample, &inference, leads);
    let text = model_text::write_sample_model(&sample, &mut inference, leads, events, model_name);
    Ok(SampleModel { text, report })
}

/// A starting model with rules and points from an export and its
/// outcomes (`init --from LEADS --outcome FIELD`).
pub fn from_outcomes(
    leads: &str,
    events: Option<&str>,
    outcome: &str,
    model_name: &str,
) -> Result<SampleModel, SampleError> {
    let (records, problems) =
        profile_text::read_export(leads).map_err(|error| SampleError::Unreadable {
            file: leads.to_string(),
            error,
        })?;
    let file = match events {
        None => None,
        Some(path) => {
            Some(
                profile_text::read_events(path).map_err(|error| SampleError::Unreadable {
                    file: path.to_string(),
                    error,
                })?,
            )
        }
    };
    let profiled = profile::profile(&records, outcome, file.as_ref());
    if profiled.leads == 0 {
        return Err(SampleError::NoRecords { problems });
    }
    let text = starter::write_starter(&profiled, leads, model_name);
    let report = format!(
        "read {} leads with an outcome ({} converted){}\n",
        profiled.leads,
        profiled.converted,
        if profiled.without_outcome > 0 {
            format!("; {} without one left out", profiled.without_outcome)
        } else {
            String::new()
        }
    );
    Ok(SampleModel { text, report })
}

/// The text in the formatter's canonical layout, so that `fmt --check` in CI
/// passes on a fresh model. Text that does not parse is left as it is (the
/// self-check then reports it).
pub fn canonical(text: &str) -> String {
    let (ast, diagnostics) = crate::syntax::parse(0, text);
    match ast {
        Some(ast) if diagnostics.iter().all(|d| !d.is_error()) => crate::fmt::format(&ast, text),
        _ => text.to_string(),
    }
}

/// Checks a generated model; a problem here is a bug in `init`, returned
/// as the rendered diagnostics so the file can still be fixed by hand.
pub fn self_check(text: &str, name: &str) -> Result<(), String> {
    let loaded = crate::load::load_text(name, text, Path::new("."));
    let checked = crate::check::check(&loaded);
    let mut all = loaded.diagnostics.clone();
    all.extend(checked.diagnostics);
    if all.is_empty() {
        return Ok(());
    }
    Err(render(&all, &loaded.sources, false))
}
