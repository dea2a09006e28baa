//! Reading leads for the refinement commands (`backtest`, `diff`,
//! `changes`): records in batches, converted and evaluated on every core,
//! handed back in input order; bad records handled as `score` does.

use std::io::Write as _;
use std::path::PathBuf;

use clap::Args;
use rayon::prelude::*;

use super::input::{attach_events, display_name, open_events, open_records, EventSource, Pending};
use super::score::{reject, OnError, Sink};
use super::Exit;
use crate::record::RecordError;
use crate::time::{parse_instant, Instant};

/// The lead records a refinement command reads.
#[derive(Args, Debug)]
pub struct LeadsArgs {
    /// Lead records: .ndjson/.jsonl, .json (an array) or .csv; `-` for stdin.
    pub leads: String,
    /// Events for CSV leads: a CSV (lead_id,type,at,<properties>) or NDJSON file.
    #[arg(long)]
    pub events: Option<String>,
    /// The leads and the events file are both sorted by lead id (as text).
    #[arg(long, requires = "events")]
    pub events_sorted: bool,
    /// What to do with a record that cannot be read.
    #[arg(long, value_enum, default_value_t = OnError::Fail)]
    pub on_error: OnError,
    /// Write the report to this file (atomically) instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// Records read and evaluated together.
const BATCH: usize = 2048;

/// How many records were used and how many were set aside.
pub struct Summary {
    pub used: usize,
    pub rejected: usize,
}

impl LeadsArgs {
    /// Runs `evaluate` on every record (in parallel) and hands the results
    /// to `consume` in input order. Bad records stop the run or are
    /// reported and skipped, as `--on-error` says.
    pub fn for_each<T: Send>(
        &self,
        evaluate: impl Fn(Pending, &str) -> Result<T, Box<RecordError>> + Sync,
        mut consume: impl FnMut(T) -> Result<(), Exit>,
    ) -> Result<Summary, Exit> {
        let file = display_name(&self.leads);
        let records = open_records(&self.leads).map_err(|e| {
            eprintln!("error: cannot read leads `{file}`: {e}");
            Exit::Usage
        })?;
        let mut events = open_events(self.events.as_deref(), self.events_sorted).map_err(|e| {
            eprintln!(
                "error: cannot read events `{}`: {e}",
                self.events.as_deref().unwrap_or("")
            );
            Exit::Usage
        })?;
        let mut summary = Summary {
            used: 0,
            rejected: 0,
        };
        let mut records = records.into_iter();
        let mut batch: Vec<Pending> = Vec::with_capacity(BATCH);
        loop {
            batch.clear();
            for record in records.by_ref().take(BATCH) {
                let raw = record.map_err(|e| {
                    eprintln!("error: reading `{file}` failed: {e}");
                    Exit::Usage
                })?;
                batch.push(attach_events(raw, events.as_mut()).map_err(|message| {
                    eprintln!("error: {message}");
                    Exit::Usage
                })?);
            }
            for error in events
                .as_mut()
                .map(EventSource::take_errors)
                .unwrap_or_default()
            {
                self.reject(&error, &mut summary)?;
            }
            if batch.is_empty() {
                break;
            }
            let results: Vec<Result<T, Box<RecordError>>> = batch
                .par_drain(..)
                .map(|pending| evaluate(pending, &file))
                .collect();
            for result in results {
                match result {
                    Ok(value) => {
                        consume(value)?;
                        summary.used += 1;
                    }
                    Err(error) => self.reject(&error, &mut summary)?,
                }
            }
        }
        if let Some(events) = events {
            let orphans = events.orphans().map_err(|message| {
                eprintln!("error: {message}");
                Exit::Usage
            })?;
            let events_file = self.events.as_deref().unwrap_or_default();
            for (id, line, _) in orphans {
                eprintln!("warning: {events_file}:{line}: event for lead `{id}`, which is not in `{file}`");
            }
        }
        if self.on_error == OnError::Skip {
            eprintln!("used {}, rejected {}", summary.used, summary.rejected);
        }
        Ok(summary)
    }

    fn reject(&self, error: &RecordError, summary: &mut Summary) -> Result<(), Exit> {
        match reject(error, self.on_error, &mut None, &mut summary.rejected) {
            Some(exit) => Err(exit),
            None => Ok(()),
        }
    }

    /// Writes the finished report to `--output` or stdout.
    pub fn write(&self, text: &str) -> Exit {
        let mut sink = match self.open_output() {
            Ok(sink) => sink,
            Err(exit) => return exit,
        };
        match sink.write_all(text.as_bytes()) {
            Ok(()) => finish(sink),
            Err(e) => write_failed(&e),
        }
    }

    /// `--output` (written to a temporary file until [`finish`]) or stdout.
    pub fn open_output(&self) -> Result<Sink, Exit> {
        Sink::open(self.output.as_deref()).map_err(|e| {
            eprintln!("error: cannot write output: {e}");
            Exit::Usage
        })
    }
}

/// Flushes the output, and puts an `--output` file in place.
pub fn finish(mut sink: Sink) -> Exit {
    match sink.commit() {
        Ok(()) => Exit::Success,
        Err(e) => write_failed(&e),
    }
}

/// A closed pipe is the reader's choice; any other failure is exit 2.
pub fn write_failed(e: &std::io::Error) -> Exit {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return Exit::Success;
    }
    eprintln!("error: writing the output failed: {e}");
    Exit::Usage
}

/// A report as pretty-printed JSON with a final newline.
pub fn json_report(report: &impl serde::Serialize) -> Result<String, Exit> {
    serde_json::to_string_pretty(report)
        .map(|json| json + "\n")
        .map_err(|e| {
            eprintln!("error: cannot write the report as JSON: {e}");
            Exit::Usage
        })
}

/// A date or instant given to `flag`.
pub fn instant(flag: &str, text: &str) -> Result<Instant, Exit> {
    parse_instant(text).ok_or_else(|| {
        eprintln!("error: `{flag} {text}` is not a date or an instant");
        eprintln!("help: write a date (2026-11-01) or an RFC 3339 instant (2026-11-01T09:30:00Z)");
        Exit::Usage
    })
}
