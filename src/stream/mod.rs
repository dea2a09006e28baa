//! The record stream every command that reads leads shares (`score`,
//! `explain`, `backtest`, `diff`, `changes`): records in units, converted
//! and evaluated on every core, handed back in input order; bad records
//! stopped at or set aside as [`OnError`] says, events without a lead
//! reported.
//!
//! The stream prints nothing. What it has to tell while it runs goes to a
//! [`Reporter`]; why it stopped comes back as a [`Stop`]. The CLI words
//! both on stderr.

mod input;
mod pipeline;

pub use input::{
    convert_in, convert_with, open_leads, open_leads_within, EventSource, Input, OpenError,
    OpenedLeads, Pending,
};

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::mpsc::SyncSender;
use std::sync::Mutex;

use crate::record::{RecordError, Records};
use crate::text::plural;
use input::attach_events;

/// Records read and scored together by one scoring thread: enough that
/// handing a unit over costs little next to scoring it, few enough that
/// the threads share the work evenly and memory does not grow with the
/// input.
const UNIT: usize = 256;

/// How many units the reading thread may have read before they are scored.
const UNITS_READ_AHEAD: usize = 8;

/// How many units each scoring thread may have handed to it at once, so
/// that it never waits for the next while results are written.
const UNITS_PER_THREAD: usize = 4;

/// What to do with a record that cannot be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OnError {
    /// Stop at the first bad record with exit code 1.
    Fail,
    /// Report bad records on stderr and go on.
    Skip,
}

/// How a run treats its records, whichever command reads them.
#[derive(Clone, Copy)]
pub struct StreamOptions<'a> {
    /// The events file as named in the reports of its rows.
    pub events_file: Option<&'a str>,
    /// The leads and the events file are both sorted by lead id.
    pub events_sorted: bool,
    pub on_error: OnError,
    /// Where the records set aside by [`OnError::Skip`] are kept unchanged.
    pub rejects: Option<&'a Path>,
    /// Where the rows of the events file without a lead are kept unchanged.
    pub orphans: Option<&'a Path>,
    /// How many threads convert and evaluate records (`None`: one a core).
    pub threads: Option<usize>,
}

/// What a run has to tell while it goes on, besides its results: the CLI
/// writes it on stderr, a server may collect it.
pub trait Reporter {
    /// So many records have been used or set aside (after each unit).
    fn progress(&mut self, done: usize);
    /// A bad record set aside with [`OnError::Skip`]; the run goes on.
    fn skipped(&mut self, error: &RecordError);
    /// A row of the events file whose lead was not among the records,
    /// found once every record is read.
    fn orphan(&mut self, orphan: &Orphan<'_>);
}

/// A row of the events file whose lead never appeared among the records.
pub struct Orphan<'a> {
    pub events_file: &'a str,
    /// The row's line in the events file.
    pub line: usize,
    /// The lead the row names.
    pub id: &'a str,
    /// The leads file as named in messages.
    pub leads_file: &'a str,
    /// Read with both files sorted, where the lead may also be out of order.
    pub sorted: bool,
}

impl std::fmt::Display for Orphan<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Orphan {
            events_file,
            line,
            id,
            leads_file,
            sorted,
        } = self;
        write!(
            f,
            "{events_file}:{line}: event for lead `{id}`, which is not in `{leads_file}`"
        )?;
        if *sorted {
            f.write_str(" or is out of the sorted order")?;
        }
        Ok(())
    }
}

/// Why a run stopped before the end of its records.
#[derive(Debug)]
pub enum Stop {
    /// A bad record, with [`OnError::Fail`]: the data's fault.
    BadRecord(Box<RecordError>),
    /// The run could not start or go on; the message says why.
    Failed(String),
    /// Writing failed: the rejects, the rows without a lead, or (from the
    /// consumer of the results) the results.
    Write(io::Error),
}

/// The lead records of a run with their events: read in units, evaluated
/// on every core, handed back in input order, every bad record reported
/// (and kept in `rejects`), never dropped silently.
pub struct Stream<'a> {
    file: String,
    records: Records<Input>,
    events: Option<EventSource>,
    options: StreamOptions<'a>,
    rejects: Option<BufWriter<File>>,
    pool: rayon::ThreadPool,
    /// The record key of a lead's id, which events-file rows name.
    id_key: String,
}

/// How many records were used and set aside, and how many events had no
/// lead.
pub struct Summary {
    pub used: usize,
    pub rejected: usize,
    pub orphans: usize,
}

impl Summary {
    /// The closing count, when records were skipped or events had no
    /// lead: `scored 2, rejected 6, 1 event without a lead`.
    pub fn line(&self, verb: &str, on_error: OnError) -> Option<String> {
        if on_error == OnError::Fail && self.orphans == 0 {
            return None;
        }
        let mut line = format!("{verb} {}, rejected {}", self.used, self.rejected);
        if self.orphans > 0 {
            line.push_str(&format!(
                ", {} event{} without a lead",
                self.orphans,
                plural(self.orphans)
            ));
        }
        Some(line)
    }
}

impl<'a> Stream<'a> {
    /// Prepares a run: opens the rejects file and the thread pool.
    pub fn new(
        file: String,
        records: Records<Input>,
        events: Option<EventSource>,
        options: StreamOptions<'a>,
    ) -> Result<Stream<'a>, Stop> {
        let mut rejects = match options.rejects {
            Some(path) => match File::create(path) {
                Ok(f) => Some(BufWriter::new(f)),
                Err(e) => {
                    return Err(Stop::Failed(format!(
                        "cannot write rejects to `{}`: {e}",
                        path.display()
                    )))
                }
            },
            None => None,
        };
        if let (Some(r), Some(header)) = (rejects.as_mut(), records.header_line()) {
            // Rejected CSV rows keep their header so the file can be fixed and fed back.
            writeln!(r, "{header}").map_err(Stop::Write)?;
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(options.threads.unwrap_or(0))
            .build()
            .map_err(|e| Stop::Failed(format!("cannot start the scoring threads: {e}")))?;
        Ok(Stream {
            file,
            records,
            events,
            options,
            rejects,
            pool,
            id_key: "id".to_string(),
        })
    }

    /// Reads each lead's id from `key` (the model's `id as "KEY"`) to
    /// match it with its rows of the events file.
    pub fn with_id_key(mut self, key: &str) -> Self {
        self.id_key = key.to_string();
        self
    }

    /// Runs `evaluate` on every record (in parallel) and hands the results
    /// to `consume` in input order. Bad records stop the run or are
    /// reported and skipped, as [`OnError`] says. Each worker thread gets
    /// its own `scratch` (made by `init`) to reuse from one record to the next.
    pub fn for_each<S: Send, T: Send>(
        self,
        reporter: &mut dyn Reporter,
        init: impl Fn() -> S + Sync + Send,
        evaluate: impl Fn(&mut S, Pending, &str) -> Result<T, Box<RecordError>> + Sync,
        consume: impl FnMut(T) -> Result<(), Stop>,
    ) -> Result<Summary, Stop> {
        let Stream {
            file,
            records,
            events,
            options,
            rejects,
            pool,
            id_key,
        } = self;
        let file_name = file.clone();
        // Removes a spilled events file's runs however the run ends.
        let _runs = events.as_ref().and_then(EventSource::cleanup);
        // Records are read (and given their events) on a thread of their
        // own, a few units ahead of the scoring threads, so that no core
        // waits for the input while another scores. The thread is not
        // joined when the run stops early: it may be waiting on a pipe that
        // never ends, and it stops by itself once it finds nobody listening.
        let (send, units) = std::sync::mpsc::sync_channel(UNITS_READ_AHEAD);
        let reader = std::thread::Builder::new()
            .name("leadscore-reader".to_string())
            .spawn(move || read_units(records, events, &file_name, &id_key, send))
            .map_err(|e| Stop::Failed(format!("cannot start the reading thread: {e}")))?;
        let mut outlet = Outlet {
            consume,
            policy: options.on_error,
            reporter,
            rejects,
            summary: Summary {
                used: 0,
                rejected: 0,
                orphans: 0,
            },
        };
        let threads = pool.current_num_threads();
        let scratches: Vec<_> = (0..threads).map(|_| Mutex::new(None)).collect();
        pool.in_place_scope(|scope| {
            let in_flight = threads * UNITS_PER_THREAD;
            let scorer = pipeline::Scorer {
                scratches: &scratches,
                init: &init,
                evaluate: &evaluate,
                file: &file,
            };
            pipeline::run(scope, units, in_flight, scorer, &mut outlet)
        })?;
        let Outlet {
            reporter,
            rejects,
            mut summary,
            ..
        } = outlet;
        let events = reader
            .join()
            .map_err(|_| Stop::Failed(format!("reading `{file}` stopped unexpectedly")))?;
        // Events whose lead never appeared are reported, not silently lost.
        if let Some(events) = events {
            let orphans = events.orphans().map_err(Stop::Failed)?;
            let events_file = options.events_file.unwrap_or_default();
            let mut kept = match options.orphans {
                Some(path) => Some(open_orphans(path, orphans.header_line())?),
                None => None,
            };
            for row in orphans.into_rows() {
                let (id, line, text) = row.map_err(|e| {
                    Stop::Failed(format!("reading the events without a lead failed: {e}"))
                })?;
                summary.orphans += 1;
                reporter.orphan(&Orphan {
                    events_file,
                    line,
                    id: &id,
                    leads_file: &file,
                    sorted: options.events_sorted,
                });
                if let Some(out) = kept.as_mut() {
                    writeln!(out, "{text}").map_err(Stop::Write)?;
                }
            }
            if let Some(mut out) = kept {
                out.flush().map_err(Stop::Write)?;
            }
        }
        if let Some(mut r) = rejects {
            r.flush().map_err(Stop::Write)?;
        }
        Ok(summary)
    }
}

/// Where a run's results go, in input order: each good one to `consume`,
/// each bad record stopped at or set aside as the policy says, all of them
/// counted.
struct Outlet<'r, C> {
    consume: C,
    policy: OnError,
    reporter: &'r mut dyn Reporter,
    /// Where the records set aside are kept unchanged.
    rejects: Option<BufWriter<File>>,
    summary: Summary,
}

impl<C> Outlet<'_, C> {
    /// Hands a unit's results on, in input order.
    fn hand_on<T>(&mut self, results: Vec<Result<T, Box<RecordError>>>) -> Result<(), Stop>
    where
        C: FnMut(T) -> Result<(), Stop>,
    {
        if results.is_empty() {
            return Ok(());
        }
        for result in results {
            match result {
                Ok(value) => {
                    (self.consume)(value)?;
                    self.summary.used += 1;
                }
                Err(error) => self.set_aside(error)?,
            }
        }
        let done = self.summary.used + self.summary.rejected;
        self.reporter.progress(done);
        Ok(())
    }

    /// Handles one bad record: stops the run, or reports it, counts it and
    /// keeps it in `rejects`.
    fn set_aside(&mut self, error: Box<RecordError>) -> Result<(), Stop> {
        match self.policy {
            OnError::Fail => Err(Stop::BadRecord(error)),
            OnError::Skip => {
                self.reporter.skipped(&error);
                self.summary.rejected += 1;
                if let Some(r) = self.rejects.as_mut() {
                    writeln!(r, "{}", error.raw).map_err(Stop::Write)?;
                }
                Ok(())
            }
        }
    }
}

/// Creates the file of the rows without a lead, with the events file's
/// header when it is a CSV, so that the rows can be fed back with their
/// leads later.
fn open_orphans(path: &Path, header: Option<String>) -> Result<BufWriter<File>, Stop> {
    let mut out = File::create(path).map(BufWriter::new).map_err(|e| {
        Stop::Failed(format!(
            "cannot write the rows without a lead to `{}`: {e}",
            path.display()
        ))
    })?;
    if let Some(header) = header {
        writeln!(out, "{header}").map_err(Stop::Write)?;
    }
    Ok(out)
}

/// A unit of records with their events, and the events file's bad rows
/// found while reading them; or why reading stopped.
type Read = Result<(Vec<Pending>, Vec<RecordError>), String>;

/// Reads units of records until the input ends, reading fails, or the
/// scoring side stops listening; hands back the events source, whose
/// remaining rows are the orphans.
fn read_units(
    records: Records<Input>,
    mut events: Option<EventSource>,
    file: &str,
    id_key: &str,
    send: SyncSender<Read>,
) -> Option<EventSource> {
    let mut records = records.into_iter();
    loop {
        let mut unit = Vec::with_capacity(UNIT);
        let mut failed = None;
        for record in records.by_ref().take(UNIT) {
            let pending = record
                .map_err(|e| format!("reading `{file}` failed: {e}"))
                .and_then(|raw| attach_events(raw, events.as_mut(), id_key));
            match pending {
                Ok(pending) => unit.push(pending),
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
        let last = unit.is_empty() || failed.is_some();
        // The records read before a failure are scored before it is reported.
        let worth_sending = !unit.is_empty() || !errors.is_empty();
        if worth_sending && send.send(Ok((unit, errors))).is_err() {
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
