//! The commands that read leads on the library's record stream: the
//! flags turned into its options, what it reports written on stderr (with
//! a progress line), and why it stopped turned into an exit code.

use std::io::{BufWriter, StderrLock, Write};

use super::flags::{EvalArgs, LeadsArgs};
use super::progress::Progress;
use super::sink::write_failed;
use super::{plan_model, Exit};
use crate::plan::Plan;
use crate::record::{LeadScratch, RecordError};
use crate::stream::{
    open_leads_within, OpenedLeads, Orphan, Pending, Reporter, Stop, Stream, StreamOptions, Summary,
};
use crate::time::Instant;

/// What to do when a bad record stops a run, for most commands.
pub const FAIL_HELP: &str =
    "fix the record, or run with `--on-error skip` to score the rest and report the bad ones";

/// Everything a scoring run starts from.
pub struct Inputs {
    pub plan: Plan,
    pub as_of: Instant,
    pub leads: OpenedLeads,
}

impl EvalArgs {
    /// Plans the model and opens the inputs, reporting any failure.
    pub fn open(&self, color: bool) -> Result<Inputs, Exit> {
        let plan = plan_model(&self.model, color)?;
        let as_of = self.as_of.instant()?;
        let leads = self.input.open()?;
        Ok(Inputs { plan, as_of, leads })
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
        }
    }

    /// Opens the lead records and their events file, reporting a failure:
    /// a file that cannot be opened is an I/O problem (2); one whose
    /// content is wrong, such as a CSV header naming a column twice, is
    /// the data's (1).
    pub fn open(&self) -> Result<OpenedLeads, Exit> {
        // An events file may be spilled to TMPDIR while it is opened.
        super::sink::interrupt::clean_up_on_interrupt();
        let budget = usize::try_from(self.events_memory << 20).unwrap_or(usize::MAX);
        open_leads_within(
            &self.leads,
            self.events.as_deref(),
            self.events_sorted,
            budget,
        )
        .map_err(|e| {
            eprintln!("error: {e}");
            match e.error.kind() {
                std::io::ErrorKind::InvalidData => Exit::Findings,
                _ => Exit::Usage,
            }
        })
    }

    /// The stream of the opened records, read as the flags say.
    /// `id_key` is the record key of a lead's id, which the model names.
    pub fn stream(&self, leads: OpenedLeads, id_key: &str) -> Result<Stream<'_>, Exit> {
        if self.rejects.is_some() && self.on_error == crate::stream::OnError::Fail {
            eprintln!("error: `--rejects` keeps the records that `--on-error skip` leaves out; add `--on-error skip`");
            return Err(Exit::Usage);
        }
        Stream::new(leads.file, leads.records, leads.events, self.options())
            .map(|stream| stream.with_id_key(id_key))
            .map_err(|stop| stopped(stop, FAIL_HELP))
    }

    /// Runs `run` with what the stream reports written on stderr, then
    /// says why it stopped, if it did, with `fail_help` after a bad record.
    pub fn reported<T>(
        &self,
        fail_help: &str,
        run: impl FnOnce(&mut dyn Reporter) -> Result<T, Stop>,
    ) -> Result<T, Exit> {
        let mut reporter = Stderr {
            progress: Progress::start(self.quiet, &self.leads),
            warnings: None,
        };
        let result = run(&mut reporter);
        reporter.finish();
        result.map_err(|stop| stopped(stop, fail_help))
    }

    /// The closing count on stderr, when records were skipped or events
    /// had no lead (and not with `--quiet`).
    pub fn report(&self, summary: &Summary, verb: &str) {
        if self.quiet {
            return;
        }
        if let Some(line) = summary.line(verb, self.on_error) {
            eprintln!("{line}");
        }
    }

    /// Opens the records and runs `evaluate` on every one (with a lead
    /// kept by each worker, see [`LeadScratch`]), handing the results to
    /// `consume` in input order as [`Stream::for_each`] does; then reports
    /// the count.
    pub fn for_each<T: Send>(
        &self,
        id_key: &str,
        evaluate: impl Fn(&mut LeadScratch, Pending, &str) -> Result<T, Box<RecordError>> + Sync,
        consume: impl FnMut(T) -> Result<(), Stop>,
    ) -> Result<Summary, Exit> {
        let stream = self.stream(self.open()?, id_key)?;
        let summary = self.reported(FAIL_HELP, |reporter| {
            stream.for_each(reporter, LeadScratch::default, evaluate, consume)
        })?;
        self.report(&summary, "used");
        Ok(summary)
    }
}

/// Says on stderr why a run stopped; its exit code.
fn stopped(stop: Stop, fail_help: &str) -> Exit {
    match stop {
        Stop::BadRecord(error) => {
            eprintln!("error: {error}");
            eprintln!("help: {fail_help}");
            Exit::Findings
        }
        Stop::Failed(message) => {
            eprintln!("error: {message}");
            Exit::Usage
        }
        Stop::Write(e) => write_failed(&e),
    }
}

/// What a run reports, on stderr: a progress line (on a terminal), every
/// record skipped, every event without a lead.
struct Stderr {
    progress: Progress,
    /// An activity log may hold rows for many more leads than are scored:
    /// one warning a row, written through one buffer.
    warnings: Option<BufWriter<StderrLock<'static>>>,
}

impl Stderr {
    fn finish(&mut self) {
        self.progress.finish();
        if let Some(mut warnings) = self.warnings.take() {
            let _ = warnings.flush();
        }
    }
}

impl Reporter for Stderr {
    fn progress(&mut self, done: usize) {
        self.progress.update(done);
    }

    fn skipped(&mut self, error: &RecordError) {
        self.progress.suspend(|| eprintln!("skipped: {error}"));
    }

    fn orphan(&mut self, orphan: &Orphan<'_>) {
        let progress = &self.progress;
        let warnings = self.warnings.get_or_insert_with(|| {
            progress.finish();
            BufWriter::new(std::io::stderr().lock())
        });
        // A warning that cannot be written has nowhere else to go.
        let _ = writeln!(warnings, "warning: {orphan}");
    }
}
