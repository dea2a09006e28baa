//! The flags several commands share, declared once and flattened into each
//! (`#[command(flatten)]`), so that they take the same flags with the same
//! help: the lead records and how to read them, the as-of instant, the
//! output file. Also the one parser of an instant given on the command line.

use std::path::PathBuf;

use clap::Args;

use super::Exit;
use crate::stream::OnError;
use crate::time::{parse_instant, Instant};

/// The lead records a command reads, and how: every command that reads
/// leads (`score`, `explain`, `backtest`, `diff`, `changes`) takes these.
#[derive(Args, Debug)]
pub struct LeadsArgs {
    /// Lead records: .ndjson/.jsonl, .json (an array) or .csv; `-` for stdin.
    pub leads: String,
    /// Events for CSV leads: a CSV (lead_id,type,at,<properties>) or NDJSON file.
    #[arg(long)]
    pub events: Option<String>,
    /// The leads and the events file are both sorted by lead id (as text):
    /// merge them in one pass instead of holding the events in memory.
    #[arg(long, requires = "events")]
    pub events_sorted: bool,
    /// The memory, in MiB, an `--events` file in any order is held in:
    /// past it, the events are spilled to sorted runs in the temporary
    /// directory (TMPDIR) and merged.
    #[arg(long, value_name = "MIB", default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..=1 << 40))]
    pub events_memory: u64,
    /// What to do with a record that cannot be read.
    #[arg(long, value_enum, default_value_t = OnError::Fail)]
    pub on_error: OnError,
    /// With `--on-error skip`, write rejected records here unchanged.
    #[arg(long)]
    pub rejects: Option<PathBuf>,
    /// Write the rows of the `--events` file whose lead is not among the
    /// leads here, unchanged (a CSV file's header first).
    #[arg(long, requires = "events", value_name = "FILE")]
    pub orphans: Option<PathBuf>,
    /// How many threads read and evaluate leads (default: one per core; at
    /// most 1024).
    #[arg(long, value_parser = thread_count)]
    pub threads: Option<usize>,
    /// No progress line and no closing count.
    #[arg(long, short)]
    pub quiet: bool,
}

/// The model, the leads and the moment of evaluation, shared by `score`
/// and `explain`.
#[derive(Args, Debug)]
pub struct EvalArgs {
    /// The model file (.score).
    pub model: PathBuf,
    #[command(flatten)]
    pub input: LeadsArgs,
    #[command(flatten)]
    pub as_of: AsOfArg,
}

/// `--as-of`, where it may be left out for the current moment.
#[derive(Args, Debug)]
pub struct AsOfArg {
    /// Evaluate as of this date or instant (default: now).
    #[arg(long, value_name = "INSTANT")]
    pub as_of: Option<String>,
}

impl AsOfArg {
    /// The instant given, or now.
    pub fn instant(&self) -> Result<Instant, Exit> {
        as_of(self.as_of.as_deref())
    }
}

/// An `--as-of` given, or now when it is left out; for [`AsOfArg`] and
/// the commands whose `--as-of` means something of their own (`compile
/// --emit sql`).
pub fn as_of(value: Option<&str>) -> Result<Instant, Exit> {
    match value {
        None => Ok(chrono::Utc::now()),
        Some(text) => instant("--as-of", text),
    }
}

/// A date or instant given to `flag` (`--as-of`, `--from`, `--to`): the one
/// reading of an instant on the command line, with the one message when it
/// is not one.
pub fn instant(flag: &str, text: &str) -> Result<Instant, Exit> {
    parse_instant(text).ok_or_else(|| {
        eprintln!("error: `{flag} {text}` is not a date or an instant");
        eprintln!("help: write a date (2026-11-01) or an RFC 3339 instant (2026-11-01T09:30:00Z)");
        Exit::Usage
    })
}

/// `-o FILE`, for the commands that write their results or report to
/// stdout.
#[derive(Args, Debug)]
pub struct OutputArg {
    /// Write the output to this file (atomically) instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// The most threads `--threads` takes: more than any machine has cores,
/// few enough that a typo does not ask for millions of stacks.
const MAX_THREADS: usize = 1024;

/// `--threads N`: from 1 to [`MAX_THREADS`].
fn thread_count(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if (1..=MAX_THREADS).contains(&n) => Ok(n),
        _ => Err(format!(
            "`{text}` is not a number of threads from 1 to {MAX_THREADS} (leave `--threads` out for one a core)"
        )),
    }
}
