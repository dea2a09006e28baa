//! The record stream every command that reads leads shares (`score`,
//! `explain`, `backtest`, `diff`, `changes`): records in batches, converted
//! and evaluated on every core, handed back in input order; bad records
//! stopped at or set aside as `--on-error` says, events without a lead
//! reported.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::mpsc::SyncSender;

use rayon::prelude::*;

use super::flags::{LeadsArgs, OnError};
use super::input::{attach_events, open_leads, EventSource, Input, OpenedLeads, Pending};
use super::progress::Progress;
use super::sink::write_failed;
use super::Exit;
use crate::record::{LeadScratch, RecordError, Records};

/// Records read and evaluated together; enough to keep every core busy,
/// small enough that memory does not grow with the input.
const BATCH: usize = 2048;

/// How a run treats its records, whichever command reads them.
#[derive(Clone, Copy)]
pub struct StreamOptions<'a> {
    pub events_file: Option<&'a str>,
    pub events_sorted: bool,
    pub on_error: OnError,
    pub rejects: Option<&'a Path>,
    pub orphans: Option<&'a Path>,
    pub threads: Option<usize>,
    pub quiet: bool,
}

/// The lead records of a run with their events: read in batches, evaluated
/// on every core, handed back in input order, every bad record reported
/// (and kept in `--rejects`), never dropped silently.
pub struct Stream<'a> {
    file: String,
    records: Records<Input>,
    events: Option<EventSource>,
    options: StreamOptions<'a>,
    rejects: Option<BufWriter<File>>,
    pool: rayon::ThreadPool,
    /// What to do about a bad record that stops the run.
    fail_help: &'static str,
}

/// How many records were used and set aside, and how many events had no
/// lead.
pub struct Summary {
    pub used: usize,
    pub rejected: usize,
    pub orphans: usize,
}

impl Summary {
    /// The closing count on stderr, when records were skipped or events
    /// had no lead: `scored 2, rejected 6, 1 event without a lead`.
    pub fn report(&self, verb: &str, options: &StreamOptions) {
        if options.quiet || (options.on_error == OnError::Fail && self.orphans == 0) {
            return;
        }
        let mut line = format!("{verb} {}, rejected {}", self.used, self.rejected);
        if self.orphans > 0 {
            line.push_str(&format!(
                ", {} event{} without a lead",
                self.orphans,
                if self.orphans == 1 { "" } else { "s" }
            ));
        }
        eprintln!("{line}");
    }
}

impl<'a> Stream<'a> {
    /// Prepares a run: checks the options, opens `--rejects` and the
    /// thread pool.
    pub fn new(
        file: String,
        records: Records<Input>,
        events: Option<EventSource>,
        options: StreamOptions<'a>,
    ) -> Result<Stream<'a>, Exit> {
        if options.rejects.is_some() && options.on_error == OnError::Fail {
            eprintln!("error: `--rejects` keeps the records that `--on-error skip` leaves out; add `--on-error skip`");
            return Err(Exit::Usage);
        }
        let mut rejects = match options.rejects {
            Some(path) => match File::create(path) {
                Ok(f) => Some(BufWriter::new(f)),
                Err(e) => {
                    eprintln!("error: cannot write rejects to `{}`: {e}", path.display());
                    return Err(Exit::Usage);
                }
            },
            None => None,
        };
        if let (Some(r), Some(header)) = (rejects.as_mut(), records.header_line()) {
            // Rejected CSV rows keep their header so the file can be fixed and fed back.
            writeln!(r, "{header}").map_err(|e| write_failed(&e))?;
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(options.threads.unwrap_or(0))
            .build()
            .map_err(|e| {
                eprintln!("error: cannot start the scoring threads: {e}");
                Exit::Usage
            })?;
        Ok(Stream {
            file,
            records,
            events,
            options,
            rejects,
            pool,
            fail_help: "fix the record, or run with `--on-error skip` to score the rest and report the bad ones",
        })
    }

    /// Words the help given when a bad record stops the run, for a run in
    /// which skipping a record changes more than its own result (an
    /// account's score needs every lead).
    pub fn with_fail_help(self, fail_help: &'static str) -> Self {
        Stream { fail_help, ..self }
    }

    /// Runs `evaluate` on every record (in parallel) and hands the results
    /// to `consume` in input order. Bad records stop the run or are
    /// reported and skipped, as `--on-error` says. Each worker thread gets
    /// its own `scratch` (made by `init`) to reuse from one record to the next.
    pub fn for_each<S, T: Send>(
        self,
        init: impl Fn() -> S + Sync + Send,
        evaluate: impl Fn(&mut S, Pending, &str) -> Result<T, Box<RecordError>> + Sync,
        mut consume: impl FnMut(T) -> Result<(), Exit>,
    ) -> Result<Summary, Exit> {
        let Stream {
            file,
            records,
            events,
            options,
            mut rejects,
            pool,
            fail_help,
        } = self;
        let mut summary = Summary {
            used: 0,
            rejected: 0,
            orphans: 0,
        };
        let progress = Progress::start(options.quiet);
        let file_name = file.clone();
        let mut set_aside = |error: &RecordError, summary: &mut Summary| -> Result<(), Exit> {
            let stop = progress.suspend(|| {
                reject(
                    error,
                    options.on_error,
                    fail_help,
                    &mut rejects,
                    &mut summary.rejected,
                )
            });
            match stop {
                Some(exit) => {
                    progress.finish();
                    Err(exit)
                }
                None => Ok(()),
            }
        };
        // Records are read (and given their events) on a thread of their
        // own, a batch or two ahead of the scoring threads, so that no core
        // waits for the input while another scores. The thread is not
        // joined when the run stops early: it may be waiting on a pipe that
        // never ends, and it stops by itself once it finds nobody listening.
        let (send, batches) = std::sync::mpsc::sync_channel(2);
        let reader = std::thread::Builder::new()
            .name("leadscore-reader".to_string())
            .spawn(move || read_batches(records, events, &file_name, send))
            .map_err(|e| {
                eprintln!("error: cannot start the reading thread: {e}");
                Exit::Usage
            })?;
        for read in batches {
            let (batch, event_errors) = match read {
                Ok(read) => read,
                Err(message) => {
                    progress.finish();
                    eprintln!("error: {message}");
                    return Err(Exit::Usage);
                }
            };
            // Bad rows of the events file are reported like bad records.
            for error in event_errors {
                set_aside(&error, &mut summary)?;
            }
            // Results come back in input order, so the output is the
            // same whatever the number of threads.
            let results: Vec<Result<T, Box<RecordError>>> = pool.install(|| {
                batch
                    .into_par_iter()
                    .map_init(&init, |scratch, pending| evaluate(scratch, pending, &file))
                    .collect()
            });
            for result in results {
                match result {
                    Ok(value) => {
                        consume(value).inspect_err(|_| progress.finish())?;
                        summary.used += 1;
                    }
                    Err(error) => set_aside(&error, &mut summary)?,
                }
            }
            progress.update(summary.used + summary.rejected);
        }
        let events = reader.join().map_err(|_| {
            progress.finish();
            eprintln!("error: reading `{file}` stopped unexpectedly");
            Exit::Usage
        })?;
        progress.finish();
        // Events whose lead never appeared are reported, not silently lost.
        if let Some(events) = events {
            let orphans = events.orphans().map_err(|message| {
                eprintln!("error: {message}");
                Exit::Usage
            })?;
            let events_file = options.events_file.unwrap_or_default();
            let mut kept = match options.orphans {
                Some(path) => Some(open_orphans(path, orphans.header_line())?),
                None => None,
            };
            // An activity log may hold rows for many more leads than are
            // scored: one warning a row, written through one buffer.
            let mut warnings = BufWriter::new(std::io::stderr().lock());
            for (id, line, text) in orphans.into_rows() {
                summary.orphans += 1;
                let place = format!("{events_file}:{line}: event for lead `{id}`");
                // A warning that cannot be written has nowhere else to go.
                let _ = if options.events_sorted {
                    writeln!(
                        warnings,
                        "warning: {place}, which is not in `{file}` or is out of the sorted order"
                    )
                } else {
                    writeln!(warnings, "warning: {place}, which is not in `{file}`")
                };
                if let Some(out) = kept.as_mut() {
                    writeln!(out, "{text}").map_err(|e| write_failed(&e))?;
                }
            }
            let _ = warnings.flush();
            if let Some(mut out) = kept {
                out.flush().map_err(|e| write_failed(&e))?;
            }
        }
        if let Some(mut r) = rejects {
            r.flush().map_err(|e| write_failed(&e))?;
        }
        Ok(summary)
    }
}

/// Creates the `--orphans` file, with the events file's header when it is
/// a CSV, so that the rows can be fed back with their leads later.
fn open_orphans(path: &Path, header: Option<String>) -> Result<BufWriter<File>, Exit> {
    let mut out = File::create(path).map(BufWriter::new).map_err(|e| {
        eprintln!(
            "error: cannot write the rows without a lead to `{}`: {e}",
            path.display()
        );
        Exit::Usage
    })?;
    if let Some(header) = header {
        writeln!(out, "{header}").map_err(|e| write_failed(&e))?;
    }
    Ok(out)
}

/// A batch of records with their events, and the events file's bad rows
/// found while reading them; or why reading stopped.
type Read = Result<(Vec<Pending>, Vec<RecordError>), String>;

/// Reads batches of records until the input ends, reading fails, or the
/// scoring side stops listening; hands back the events source, whose
/// remaining rows are the orphans.
fn read_batches(
    records: Records<Input>,
    mut events: Option<EventSource>,
    file: &str,
    send: SyncSender<Read>,
) -> Option<EventSource> {
    let mut records = records.into_iter();
    loop {
        let mut batch = Vec::with_capacity(BATCH);
        let mut failed = None;
        for record in records.by_ref().take(BATCH) {
            let pending = record
                .map_err(|e| format!("reading `{file}` failed: {e}"))
                .and_then(|raw| attach_events(raw, events.as_mut()));
            match pending {
                Ok(pending) => batch.push(pending),
                Err(message) => {
                    failed = Some(message);
                    break;
                }
            }
        }
        let errors = events
            .as_mut()
            .map(EventSource::take_errors)
            .unwrap_or_default();
        let last = batch.is_empty() || failed.is_some();
        // The records read before a failure are scored before it is reported.
        let worth_sending = !batch.is_empty() || !errors.is_empty();
        if worth_sending && send.send(Ok((batch, errors))).is_err() {
            return events;
        }
        if let Some(message) = failed {
            let _ = send.send(Err(message));
        }
        if last {
            return events;
        }
    }
}

impl LeadsArgs {
    /// How the stream treats the records, as the flags say.
    pub fn options(&self) -> StreamOptions<'_> {
        StreamOptions {
            events_file: self.events.as_deref(),
            events_sorted: self.events_sorted,
            on_error: self.on_error,
            rejects: self.rejects.as_deref(),
            orphans: self.orphans.as_deref(),
            threads: self.threads,
            quiet: self.quiet,
        }
    }

    /// Opens the lead records and their events file, reporting a failure.
    pub fn open(&self) -> Result<OpenedLeads, Exit> {
        open_leads(&self.leads, self.events.as_deref(), self.events_sorted)
    }

    /// The stream of the opened records, read as the flags say.
    pub fn stream(&self, leads: OpenedLeads) -> Result<Stream<'_>, Exit> {
        Stream::new(leads.file, leads.records, leads.events, self.options())
    }

    /// Opens the records and runs `evaluate` on every one (with a lead
    /// kept by each worker, see [`LeadScratch`]), handing the results to
    /// `consume` in input order as [`Stream::for_each`] does; then reports
    /// the count.
    pub fn for_each<T: Send>(
        &self,
        evaluate: impl Fn(&mut LeadScratch, Pending, &str) -> Result<T, Box<RecordError>> + Sync,
        consume: impl FnMut(T) -> Result<(), Exit>,
    ) -> Result<Summary, Exit> {
        let summary =
            self.stream(self.open()?)?
                .for_each(LeadScratch::default, evaluate, consume)?;
        summary.report("used", &self.options());
        Ok(summary)
    }
}

/// Handles one bad record; `Some` when the run must stop.
fn reject(
    error: &RecordError,
    policy: OnError,
    fail_help: &str,
    rejects: &mut Option<BufWriter<File>>,
    rejected: &mut usize,
) -> Option<Exit> {
    match policy {
        OnError::Fail => {
            eprintln!("error: {error}");
            eprintln!("help: {fail_help}");
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
