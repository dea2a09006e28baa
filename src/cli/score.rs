//! `leadscore score`: score every lead of a file, in input order, reporting
//! every record that cannot be scored.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use rayon::prelude::*;

use super::input::{attach_events, convert, EventSource, Inputs, Pending};
use super::progress::Progress;
use super::{default_format, EvalArgs, Exit};
use crate::account::{membership, Accounts, Membership};
use crate::eval::{Evaluator, Outcome};
use crate::output::{account_json, LeadResult, OutputFormat, Rendered, ResultWriter};
use crate::record::RecordError;

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
    /// What to do with a record that cannot be scored.
    #[arg(long, value_enum, default_value_t = OnError::Fail)]
    pub on_error: OnError,
    /// With `--on-error skip`, write rejected records here unchanged.
    #[arg(long)]
    pub rejects: Option<PathBuf>,
    /// Write results to this file (atomically) instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// How many threads score leads (default: one per core).
    #[arg(long)]
    pub threads: Option<usize>,
    /// No progress bar and no closing summary.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Records read and scored together; enough to keep every core busy,
/// small enough that memory does not grow with the input.
const BATCH: usize = 2048;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OnError {
    /// Stop at the first bad record with exit code 1.
    Fail,
    /// Report bad records on stderr and go on.
    Skip,
}

pub fn run(args: &ScoreArgs, color: bool) -> Exit {
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
    let mut rejects = match &args.rejects {
        Some(path) => match File::create(path) {
            Ok(f) => Some(BufWriter::new(f)),
            Err(e) => {
                eprintln!("error: cannot write rejects to `{}`: {e}", path.display());
                return Exit::Usage;
            }
        },
        None => None,
    };
    let format = default_format(args.format, args.output.is_some());
    if args.explain && matches!(format, OutputFormat::Table | OutputFormat::Csv) {
        eprintln!("error: `--explain` needs `--format json` or `--format ndjson`; a table or CSV row has no room for the reasons");
        eprintln!("help: for one lead, `leadscore explain MODEL LEADS --id ID` prints a readable breakdown");
        return Exit::Usage;
    }
    if args.rejects.is_some() && args.on_error == OnError::Fail {
        eprintln!("error: `--rejects` keeps the records that `--on-error skip` leaves out; add `--on-error skip`");
        return Exit::Usage;
    }
    let sink = match Sink::open(args.output.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot write output: {e}");
            return Exit::Usage;
        }
    };
    if let (Some(r), Some(header)) = (rejects.as_mut(), records.header_line()) {
        // Rejected CSV rows keep their header so the file can be fixed and fed back.
        if let Err(e) = writeln!(r, "{header}") {
            return write_failed(&e);
        }
    }
    let mut accounts = match (args.accounts, Accounts::new(&plan, args.explain)) {
        (false, _) => None,
        (true, Some(accounts)) => Some(accounts),
        (true, None) => {
            eprintln!("error: `--accounts` needs an `account` block in the model");
            eprintln!("help: add one, for example `account by domain of email {{ rollup sum of score top 3 }}`");
            return Exit::Usage;
        }
    };
    let mut writer = if accounts.is_some() {
        ResultWriter::for_accounts(sink, format, &plan)
    } else {
        ResultWriter::new(sink, format, &plan)
    };
    let evaluator = Evaluator::new(&plan, as_of);
    let pool = match rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()
    {
        Ok(pool) => pool,
        Err(e) => {
            eprintln!("error: cannot start the scoring threads: {e}");
            return Exit::Usage;
        }
    };
    let mut scored = 0usize;
    let mut rejected = 0usize;

    let progress = Progress::start(args.quiet);
    let explain = args.explain;
    let by_account = accounts.is_some();
    let mut batch: Vec<Pending> = Vec::with_capacity(BATCH);
    let mut records = records.into_iter();
    loop {
        batch.clear();
        for record in records.by_ref().take(BATCH) {
            match record {
                Ok(raw) => match attach_events(raw, events.as_mut()) {
                    Ok(pending) => batch.push(pending),
                    Err(message) => {
                        progress.finish();
                        eprintln!("error: {message}");
                        return Exit::Usage;
                    }
                },
                Err(e) => {
                    eprintln!("error: reading `{file}` failed: {e}");
                    return Exit::Usage;
                }
            }
        }
        // Bad rows of the events file are reported like bad records.
        for error in events
            .as_mut()
            .map(EventSource::take_errors)
            .unwrap_or_default()
        {
            if let Some(exit) = reject(&error, args.on_error, &mut rejects, &mut rejected) {
                progress.finish();
                return exit;
            }
        }
        if batch.is_empty() {
            break;
        }
        // Conversion and evaluation run on every core; results come back in
        // input order, so the output is the same as with one thread.
        let layout = writer.layout();
        let results: Vec<Result<Scored, Box<RecordError>>> = pool.install(|| {
            batch
                .par_drain(..)
                // One outcome per worker, refilled for each lead it scores.
                .map_init(Outcome::default, |outcome, pending| {
                    let lead = convert(&plan, pending, &file).map_err(Box::new)?;
                    evaluator.evaluate_into(&lead, outcome);
                    let outcome = &*outcome;
                    Ok(if by_account {
                        let member = membership(&plan, &evaluator, &lead, outcome);
                        Scored::Member(member.map(|m| (m, lead.id)))
                    } else {
                        Scored::Lead(layout.render(&LeadResult {
                            plan: &plan,
                            id: &lead.id,
                            outcome,
                            explain,
                        }))
                    })
                })
                .collect()
        });
        for result in results {
            match result {
                Ok(Scored::Lead(rendered)) => {
                    if let Err(e) = rendered.and_then(|r| writer.write(r)) {
                        return write_failed(&e);
                    }
                    scored += 1;
                }
                Ok(Scored::Member(member)) => {
                    if let (Some(accounts), Some((member, id))) = (accounts.as_mut(), member) {
                        accounts.add(member, &id);
                    }
                    scored += 1;
                }
                Err(error) => {
                    let stop = progress
                        .suspend(|| reject(&error, args.on_error, &mut rejects, &mut rejected));
                    if let Some(exit) = stop {
                        progress.finish();
                        return exit;
                    }
                }
            }
        }
        progress.update(scored + rejected);
    }
    progress.finish();

    // Events whose lead never appeared are reported, not silently lost.
    let mut orphans = 0usize;
    if let Some(events) = events {
        let leftover = match events.orphans() {
            Ok(rows) => rows,
            Err(message) => {
                eprintln!("error: {message}");
                return Exit::Usage;
            }
        };
        let events_file = args.eval.events.clone().unwrap_or_default();
        for (id, line, json) in leftover {
            orphans += 1;
            if args.eval.events_sorted {
                eprintln!("warning: {events_file}:{line}: event for lead `{id}`, which is not in `{file}` or is out of the sorted order");
            } else {
                eprintln!("warning: {events_file}:{line}: event for lead `{id}`, which is not in `{file}`");
            }
            if let Some(r) = rejects.as_mut() {
                let _ = writeln!(
                    r,
                    "{}",
                    serde_json::to_string(&json.to_serde()).unwrap_or_default()
                );
            }
        }
    }

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
    if let Some(mut r) = rejects {
        if let Err(e) = r.flush() {
            return write_failed(&e);
        }
    }
    if !args.quiet && (args.on_error == OnError::Skip || orphans > 0) {
        let mut summary = format!("scored {scored}, rejected {rejected}");
        if orphans > 0 {
            summary.push_str(&format!(
                ", {orphans} event{} without a lead",
                if orphans == 1 { "" } else { "s" }
            ));
        }
        eprintln!("{summary}");
    }
    Exit::Success
}

/// What scoring one record gives: its result, or what it brings to its
/// account (nothing when it belongs to none).
enum Scored {
    Lead(io::Result<Rendered>),
    Member(Option<(Membership, serde_json::Value)>),
}

/// Handles one bad record; `Some` when the run must stop.
pub(super) fn reject(
    error: &RecordError,
    policy: OnError,
    rejects: &mut Option<BufWriter<File>>,
    rejected: &mut usize,
) -> Option<Exit> {
    match policy {
        OnError::Fail => {
            eprintln!("error: {error}");
            eprintln!("help: fix the record, or run with `--on-error skip` to score the rest and report the bad ones");
            Some(Exit::Findings)
        }
        OnError::Skip => {
            eprintln!("skipped: {error}");
            *rejected += 1;
            if let Some(r) = rejects.as_mut() {
                if let Err(e) = writeln!(r, "{}", error.raw) {
                    return Some(write_failed(&e));
                }
            }
            None
        }
    }
}

fn write_failed(e: &io::Error) -> Exit {
    if e.kind() == io::ErrorKind::BrokenPipe {
        return Exit::Success;
    }
    eprintln!("error: writing results failed: {e}");
    Exit::Usage
}

/// Standard output, or a temporary file renamed over the target only when
/// the run succeeds, so a failed run never leaves half a file.
pub enum Sink {
    Stdout(BufWriter<io::Stdout>),
    File {
        temp: PathBuf,
        target: PathBuf,
        writer: BufWriter<File>,
    },
}

impl Sink {
    pub fn open(target: Option<&Path>) -> io::Result<Sink> {
        match target {
            None => Ok(Sink::Stdout(BufWriter::with_capacity(
                1 << 16,
                io::stdout(),
            ))),
            Some(target) => {
                let name = target
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let temp = target.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
                let writer = BufWriter::new(File::create(&temp)?);
                Ok(Sink::File {
                    temp,
                    target: target.to_path_buf(),
                    writer,
                })
            }
        }
    }

    pub fn commit(&mut self) -> io::Result<()> {
        match self {
            Sink::Stdout(w) => w.flush(),
            Sink::File {
                temp,
                target,
                writer,
            } => {
                writer.flush()?;
                writer.get_ref().sync_all()?;
                std::fs::rename(&*temp, &*target)?;
                // Renamed: nothing is left for `drop` to clean up.
                *temp = PathBuf::new();
                Ok(())
            }
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        if let Sink::File { temp, .. } = self {
            if !temp.as_os_str().is_empty() {
                let _ = std::fs::remove_file(temp);
            }
        }
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Stdout(w) => w.write(buf),
            Sink::File { writer, .. } => writer.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Stdout(w) => w.flush(),
            Sink::File { writer, .. } => writer.flush(),
        }
    }
}
