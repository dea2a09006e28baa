//! An events file in any order that is larger than its memory budget
//! (`--events-memory`): while it is read, the rows held grouped by lead
//! are written out, sorted by lead id, each time they pass the budget (a
//! run), and the runs are then merged into one stream sorted by lead id,
//! which leads sorted by id take their rows from as `--events-sorted`
//! merges. Memory stays within the budget whatever the file's size.
//!
//! Leads that are not sorted by id cannot take their rows from a merge:
//! at the first lead out of order, the rows not yet taken are written
//! once more, grouped by lead, to a file each lead looks its rows up in
//! (`record::rest`), so the output is what holding the whole file gives
//! and the memory stays within the budget. The run files are removed
//! when the merge is dropped, after an error too.

use std::cmp::{Ordering, Reverse};
use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BinaryHeap};
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::events::{EventRow, EventsFile, LeadEvents, Orphans, StoredRow};
use super::orphans::OrphanRows;
use super::records::{Format, Records};
use super::rest::{RestRows, Taken};

/// The memory an events file is held in unless the run says otherwise.
pub const DEFAULT_EVENTS_MEMORY: usize = 256 << 20;

/// What a row costs held in memory besides its text: the row, its place
/// in its lead's vector, a share of the map, and the allocator's rounding
/// of its text. 48 bytes left a 10 GB file about 7% over its budget of
/// 256 MiB (docs/performance.md), the allocator keeping the memory the
/// rows freed while the runs are merged.
pub(super) const ROW_OVERHEAD: usize = 64;
/// What a lead id costs held in memory besides its text.
pub(super) const LEAD_OVERHEAD: usize = 128;

/// The file, beside the runs, of the lead ids that took rows.
const TAKEN: &str = "taken";
/// The directory, beside the runs, of the rows without a lead.
const ORPHANS: &str = "orphans";

/// An events file read within a memory budget.
pub enum ReadEvents {
    /// The file fitted: held whole, grouped by lead.
    Held(EventsFile),
    /// It did not: sorted runs on disk, merged.
    Spilled(Box<SpilledEvents>),
}

impl EventsFile {
    /// Reads an events file as [`EventsFile::read`] does while it fits in
    /// seven eighths of `budget` bytes; past that, in sorted runs written
    /// to a directory of their own under the system's temporary directory.
    pub fn read_within<R: BufRead>(
        reader: R,
        format: Format,
        file: &str,
        budget: usize,
    ) -> io::Result<ReadEvents> {
        let mut records = Records::new(reader, format)?;
        let mut events = EventsFile::empty(records.csv_header(), file);
        let mut held = 0usize;
        let mut runs: Option<Runs> = None;
        while let Some(row) = records.next_event_row(file) {
            match row? {
                Ok(row) => {
                    // An eighth is left for the merge's read buffers:
                    // they are allocated while much of the memory the rows
                    // held is still kept by the allocator, not yet reused.
                    if events.hold(row, &mut held, budget - budget / 8) {
                        let runs = match runs.as_mut() {
                            Some(runs) => runs,
                            None => runs.insert(Runs::create()?),
                        };
                        runs.write(events.take_held())?;
                        held = 0;
                    }
                }
                Err(error) => events.errors.push(error),
            }
        }
        let Some(mut runs) = runs else {
            return Ok(ReadEvents::Held(events));
        };
        runs.write(events.take_held())?;
        let (header, file, errors) = events.into_parts();
        let merge = Merge::open(&mut runs, budget)?;
        // Half the budget: the merge's read buffers take up to an eighth.
        let orphans = runs.dir.join(ORPHANS);
        fs::create_dir(&orphans).map_err(|e| spill_error(&orphans, e))?;
        let passed = OrphanRows::new(Ok(orphans), budget / 2);
        Ok(ReadEvents::Spilled(Box::new(SpilledEvents {
            runs,
            merge,
            header,
            file,
            errors,
            next: None,
            previous: None,
            last_taken: String::new(),
            taken: None,
            passed,
            rest: None,
            broken: None,
            budget,
        })))
    }
}

/// A new directory for spilled rows under the system's temporary
/// directory, named by `kind`, the process and the time.
pub(super) fn fresh_dir(kind: &str) -> io::Result<PathBuf> {
    let dir = make_fresh_dir(kind)?;
    if let Ok(mut made) = MADE.lock() {
        made.push(dir.clone());
    }
    Ok(dir)
}

/// Every directory of spilled rows this process made, for
/// [`remove_spilled`]. A process runs one command, so the list stays short.
static MADE: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Removes every directory of spilled rows this process made, with what
/// is in it: for a run interrupted (Ctrl-C), whose threads are not
/// unwound to remove their own. A writer that comes later fails, since
/// its directory is gone, rather than leaving a file behind.
pub fn remove_spilled() {
    if let Ok(made) = MADE.lock() {
        for dir in made.iter() {
            let _ = fs::remove_dir_all(dir);
        }
    }
}

fn make_fresh_dir(kind: &str) -> io::Result<PathBuf> {
    let base = std::env::temp_dir();
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    for attempt in 0..100u32 {
        let name = format!("leadscore-{kind}-{}-{stamp}-{attempt}", std::process::id());
        let dir = base.join(name);
        match fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(spill_error(&base, e)),
        }
    }
    Err(io::Error::other(format!(
        "cannot make a directory for the events under {}",
        base.display()
    )))
}

/// The run files, in a directory removed with them when this is dropped.
struct Runs {
    dir: PathBuf,
    files: Vec<PathBuf>,
}

impl Runs {
    fn create() -> io::Result<Runs> {
        Ok(Runs {
            dir: fresh_dir("events")?,
            files: Vec::new(),
        })
    }

    /// Writes the rows held, in lead id order (each lead's rows stay in
    /// file order), as one more run.
    fn write(&mut self, held: BTreeMap<String, Vec<StoredRow>>) -> io::Result<()> {
        let path = self.dir.join(format!("run-{}", self.files.len()));
        let file = File::create(&path).map_err(|e| spill_error(&path, e))?;
        self.files.push(path.clone());
        let mut out = BufWriter::with_capacity(RUN_BUFFER, file);
        for (lead, rows) in &held {
            for row in rows {
                write_row(&mut out, lead, row).map_err(|e| spill_error(&path, e))?;
            }
        }
        out.flush().map_err(|e| spill_error(&path, e))
    }
}

impl Drop for Runs {
    fn drop(&mut self) {
        // Nothing is left to report to at this point; a file that cannot
        // be removed stays in the temporary directory.
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Removes the run files when dropped, even while a merge still reads
/// them (their open files stay readable): a run that stops early does not
/// wait for the thread reading the records, which holds the merge.
#[derive(Debug)]
pub struct RunsCleanup(PathBuf);

impl RunsCleanup {
    pub(super) fn of(dir: PathBuf) -> RunsCleanup {
        RunsCleanup(dir)
    }
}

impl Drop for RunsCleanup {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

pub(super) fn spill_error(path: &Path, e: io::Error) -> io::Error {
    io::Error::new(
        e.kind(),
        format!(
            "cannot spill the events to {} ({e}); set TMPDIR to a directory with room, or raise --events-memory",
            path.display()
        ),
    )
}

/// A row in a run: its lead id, line and text, each length first.
pub(super) fn write_row(out: &mut impl Write, lead: &str, row: &StoredRow) -> io::Result<()> {
    out.write_all(&(lead.len() as u64).to_le_bytes())?;
    out.write_all(lead.as_bytes())?;
    out.write_all(&(row.line as u64).to_le_bytes())?;
    out.write_all(&(row.text.len() as u64).to_le_bytes())?;
    out.write_all(row.text.as_bytes())
}

fn read_row(input: &mut impl Read) -> io::Result<Option<EventRow>> {
    let mut word = [0u8; 8];
    match input.read_exact(&mut word) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let lead = read_text(input, u64::from_le_bytes(word))?;
    input.read_exact(&mut word)?;
    let line = usize::try_from(u64::from_le_bytes(word)).map_err(io::Error::other)?;
    input.read_exact(&mut word)?;
    let text = read_text(input, u64::from_le_bytes(word))?;
    Ok(Some(EventRow {
        lead,
        row: StoredRow {
            line,
            text: text.into_boxed_str(),
        },
    }))
}

pub(super) fn read_text(input: &mut impl Read, len: u64) -> io::Result<String> {
    let len = usize::try_from(len).map_err(io::Error::other)?;
    let mut bytes = vec![0u8; len];
    input.read_exact(&mut bytes)?;
    String::from_utf8(bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// The write buffer of a run file: under glibc's first threshold for
/// blocks of their own, so that freeing it does not raise the memory
/// glibc keeps (see `EventsFile`).
pub(super) const RUN_BUFFER: usize = 64 << 10;

/// Writes `rows`, in the order given, as the run file `path`.
pub(super) fn write_run_file(
    path: &Path,
    rows: impl Iterator<Item = io::Result<EventRow>>,
) -> io::Result<()> {
    let file = File::create(path).map_err(|e| spill_error(path, e))?;
    let mut out = BufWriter::with_capacity(RUN_BUFFER, file);
    for row in rows {
        let row = row?;
        write_row(&mut out, &row.lead, &row.row).map_err(|e| spill_error(path, e))?;
    }
    out.flush().map_err(|e| spill_error(path, e))
}

/// At most this many runs are merged at once; past it, runs are first
/// merged into longer ones, so that the files open at once stay well
/// within the usual limit of 1,024 (a small budget on a large file makes
/// hundreds of runs).
pub(super) const FAN_IN: usize = 128;

/// Merges the oldest of `runs` into one, [`FAN_IN`] at a time, until at
/// most [`FAN_IN`] are left; `name` gives each new run its path.
pub(super) fn merge_down(
    runs: &mut Vec<PathBuf>,
    budget: usize,
    by_line: bool,
    name: &mut dyn FnMut() -> io::Result<PathBuf>,
) -> io::Result<()> {
    while runs.len() > FAN_IN {
        let oldest: Vec<PathBuf> = runs.drain(..FAN_IN).collect();
        let mut merge = Merge::open_files(&oldest, budget, by_line)?;
        let path = name()?;
        runs.push(path.clone());
        write_run_file(&path, std::iter::from_fn(|| merge.next().transpose()))?;
        for run in oldest {
            // A run that cannot be removed goes with the directory.
            let _ = fs::remove_file(run);
        }
    }
    Ok(())
}

/// The runs read together, the least (lead id, line) first, or the least
/// line first for runs sorted by line alone.
pub(super) struct Merge {
    readers: Vec<BufReader<File>>,
    heads: BinaryHeap<Reverse<Head>>,
    by_line: bool,
}

/// The next row of one run.
struct Head {
    row: EventRow,
    run: usize,
    by_line: bool,
}

impl Head {
    fn key(&self) -> (&str, usize) {
        (&self.row.lead, self.row.row.line)
    }
}

impl PartialEq for Head {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Head {}

impl PartialOrd for Head {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Head {
    fn cmp(&self, other: &Self) -> Ordering {
        // Runs by line are merged for every row without a lead: their
        // lines alone are compared, not an empty text first.
        if self.by_line {
            return self.row.row.line.cmp(&other.row.row.line);
        }
        self.key().cmp(&other.key())
    }
}

impl Merge {
    /// Opens every run for the merge, their read buffers together taking
    /// an eighth of the `budget` at most: with a small budget and a large
    /// file there are hundreds of runs, and buffers of 64 KiB each would
    /// grow with the file rather than stay within the budget.
    fn open(runs: &mut Runs, budget: usize) -> io::Result<Merge> {
        let dir = runs.dir.clone();
        let mut merged = 0;
        merge_down(&mut runs.files, budget, false, &mut || {
            merged += 1;
            Ok(dir.join(format!("merged-{merged}")))
        })?;
        Merge::open_files(&runs.files, budget, false)
    }

    /// Opens the run files `files`, sorted by line alone when `by_line`.
    pub(super) fn open_files(files: &[PathBuf], budget: usize, by_line: bool) -> io::Result<Merge> {
        let buffer = (budget / 8 / files.len().max(1)).clamp(4 << 10, 64 << 10);
        let mut merge = Merge {
            readers: Vec::with_capacity(files.len()),
            heads: BinaryHeap::with_capacity(files.len()),
            by_line,
        };
        for (run, path) in files.iter().enumerate() {
            let file = File::open(path).map_err(|e| spill_error(path, e))?;
            let mut reader = BufReader::with_capacity(buffer, file);
            if let Some(row) = read_row(&mut reader)? {
                merge.heads.push(Reverse(Head { row, run, by_line }));
            }
            merge.readers.push(reader);
        }
        Ok(merge)
    }

    pub(super) fn next(&mut self) -> io::Result<Option<EventRow>> {
        let Some(Reverse(Head { row, run, .. })) = self.heads.pop() else {
            return Ok(None);
        };
        if let Some(reader) = self.readers.get_mut(run) {
            if let Some(next) = read_row(reader)? {
                let by_line = self.by_line;
                self.heads.push(Reverse(Head {
                    row: next,
                    run,
                    by_line,
                }));
            }
        }
        Ok(Some(row))
    }
}

/// An events file spilled to sorted runs, handing each lead its rows.
pub struct SpilledEvents {
    /// Removes the files when the merge is dropped.
    runs: Runs,
    merge: Merge,
    header: Option<Arc<[String]>>,
    file: Arc<str>,
    pub errors: Vec<super::error::RecordError>,
    next: Option<EventRow>,
    /// The lead that asked last, while the leads come sorted.
    previous: Option<String>,
    /// The last lead that took rows, which a lead of the same id after it
    /// could not be told apart from.
    last_taken: String,
    /// Every lead id that took rows, written to a file of the runs'
    /// directory (there can be millions), for the case the leads turn out
    /// not to be sorted: a lead of such an id then cannot take rows.
    taken: Option<BufWriter<File>>,
    /// Rows passed over: their lead sorts between two leads.
    passed: OrphanRows,
    /// The rows left, on disk by lead id, once a lead came out of order.
    rest: Option<RestRows>,
    /// Why setting the rest aside failed: it took rows it cannot give
    /// back, so every later lead gets the same error rather than fewer
    /// rows.
    broken: Option<String>,
    budget: usize,
}

impl SpilledEvents {
    /// What removes the run files, for the side of a run that may stop
    /// without waiting for this merge to be dropped.
    pub fn cleanup(&self) -> RunsCleanup {
        RunsCleanup(self.runs.dir.clone())
    }

    fn peek(&mut self) -> io::Result<Option<&EventRow>> {
        if self.next.is_none() {
            self.next = self.merge.next()?;
        }
        Ok(self.next.as_ref())
    }

    /// The rows of `lead`.
    pub fn take(&mut self, lead: &str) -> io::Result<LeadEvents> {
        let out_of_order = self.previous.as_deref().is_some_and(|before| lead < before);
        if let Some(why) = &self.broken {
            return Err(io::Error::other(why.clone()));
        }
        if out_of_order && self.rest.is_none() {
            if let Err(e) = self.set_the_rest_aside() {
                self.broken = Some(e.to_string());
                return Err(e);
            }
        }
        if let Some(rest) = self.rest.as_mut() {
            let (stored, taken_before) = match rest.take(lead)? {
                Taken::Rows(rows) => (rows, None),
                Taken::Before => (Vec::new(), Some(lead.to_string())),
            };
            return Ok(LeadEvents {
                stored,
                header: self.header.clone(),
                file: self.file.clone(),
                taken_before,
            });
        }
        self.previous = Some(lead.to_string());
        let taken_before = (!lead.is_empty() && self.last_taken == lead).then(|| lead.to_string());
        let mut rows = Vec::new();
        while let Some(row) = self.peek()? {
            let order = row.lead.as_str().cmp(lead);
            if order == Ordering::Greater {
                break;
            }
            let Some(row) = self.next.take() else { break };
            if order == Ordering::Equal {
                rows.push(row.row);
            } else {
                self.passed.push(row)?;
            }
        }
        if !rows.is_empty() {
            self.last_taken.clear();
            self.last_taken.push_str(lead);
            self.note_taken(lead)?;
        }
        Ok(LeadEvents {
            stored: rows,
            header: self.header.clone(),
            file: self.file.clone(),
            taken_before,
        })
    }

    /// Notes that `lead` took rows.
    fn note_taken(&mut self, lead: &str) -> io::Result<()> {
        let taken = match self.taken.as_mut() {
            Some(taken) => taken,
            None => {
                let path = self.runs.dir.join(TAKEN);
                let file = File::create(&path).map_err(|e| spill_error(&path, e))?;
                self.taken
                    .insert(BufWriter::with_capacity(RUN_BUFFER, file))
            }
        };
        taken.write_all(&(lead.len() as u64).to_le_bytes())?;
        taken.write_all(lead.as_bytes())
    }

    /// Writes every row not yet taken to one file by lead id, for leads
    /// in any order to find their rows in ([`RestRows`]). The rows passed
    /// over sort before the rest of the merge; they are sorted by lead in
    /// runs of their own first, within the budget.
    fn set_the_rest_aside(&mut self) -> io::Result<()> {
        let taken = match self.taken.take() {
            Some(mut taken) => {
                let path = self.runs.dir.join(TAKEN);
                taken.flush().map_err(|e| spill_error(&path, e))?;
                Some(path)
            }
            None => None,
        };
        let mut passed = Runs {
            dir: self.runs.dir.join("passed"),
            files: Vec::new(),
        };
        fs::create_dir(&passed.dir).map_err(|e| spill_error(&passed.dir, e))?;
        let mut grouped = EventsFile::empty(None, &self.file);
        let mut held = 0;
        for row in self.passed.drain()? {
            if grouped.hold(row?, &mut held, self.budget / 2) {
                passed.write(grouped.take_held())?;
                held = 0;
            }
        }
        passed.write(grouped.take_held())?;
        let mut passed_by_lead = Merge::open(&mut passed, self.budget)?;
        let next = self.next.take();
        let merge = &mut self.merge;
        let rows = std::iter::from_fn(|| passed_by_lead.next().transpose())
            .chain(next.map(Ok))
            .chain(std::iter::from_fn(|| merge.next().transpose()));
        self.rest = Some(RestRows::write(
            rows,
            taken,
            &self.runs.dir,
            self.budget / 4,
        )?);
        Ok(())
    }

    /// Every row whose lead never appeared, in file order.
    /// They are kept within the budget as they are found (in lead order)
    /// and merged back into file order.
    pub fn orphans(mut self) -> io::Result<Orphans> {
        if let Some(rest) = self.rest.take() {
            for row in rest.untaken()? {
                self.passed.push(row?)?;
            }
        }
        if let Some(row) = self.next.take() {
            self.passed.push(row)?;
        }
        while let Some(row) = self.merge.next()? {
            self.passed.push(row)?;
        }
        // The run files are removed when `self` is dropped, after the
        // orphans' runs are open: their files stay readable.
        let header = self.header.clone();
        self.passed.into_orphans(header)
    }
}

impl EventsFile {
    /// The rows held, with their lead ids, leaving the map empty.
    fn take_held(&mut self) -> BTreeMap<String, Vec<StoredRow>> {
        std::mem::take(&mut self.by_lead)
    }

    /// Holds `row` with its lead's, adding what it costs (and what a new
    /// lead id costs) to `held`; whether `held` is now past `limit`.
    fn hold(&mut self, row: EventRow, held: &mut usize, limit: usize) -> bool {
        *held += row.row.text.len() + ROW_OVERHEAD;
        let rows = match self.by_lead.entry(row.lead) {
            Entry::Occupied(rows) => rows.into_mut(),
            Entry::Vacant(slot) => {
                *held += slot.key().len() + LEAD_OVERHEAD;
                slot.insert(Vec::new())
            }
        };
        rows.push(row.row);
        *held > limit
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::panic)]

    use std::io::Cursor;

    use super::*;

    /// `rows` rows for 12 leads (`L00`..`L11`) in a shuffled order, and
    /// rows for two leads that never come (`X1`, `A0`).
    fn events_csv(rows: usize) -> String {
        let mut text = String::from("lead_id,type,at,page\n");
        for i in 0..rows {
            let lead = (i * 7) % 12;
            text.push_str(&format!(
                "L{lead:02},visit,2026-10-{:02},p{i}\n",
                i % 28 + 1
            ));
        }
        text.push_str("X1,visit,2026-10-01,orphan\nA0,visit,2026-10-02,orphan\n");
        text
    }

    fn read(budget: usize) -> ReadEvents {
        read_rows(60, budget)
    }

    fn read_rows(rows: usize, budget: usize) -> ReadEvents {
        EventsFile::read_within(Cursor::new(events_csv(rows)), Format::Csv, "e.csv", budget)
            .unwrap_or_else(|e| panic!("read: {e}"))
    }

    /// What a lead takes, comparable: its rows' lines and texts and whether
    /// an earlier lead took them.
    fn taken(events: LeadEvents) -> (Vec<(usize, String)>, Option<String>) {
        let rows = events
            .stored
            .iter()
            .map(|r| (r.line, r.text.to_string()))
            .collect();
        (rows, events.taken_before)
    }

    fn orphans(o: Orphans) -> Vec<(String, usize, String)> {
        o.into_rows()
            .map(|row| row.unwrap_or_else(|e| panic!("orphans: {e}")))
            .map(|(l, n, t)| (l, n, t.to_string()))
            .collect()
    }

    /// Takes the rows of `leads` in that order from the file held and from
    /// the file spilled in runs of a few rows, and compares every take and
    /// the orphans.
    fn same_as_held(leads: &[&str]) {
        // With 400 bytes every row passed over is spilled at once; with
        // 1,000 a few are held between runs of them.
        for budget in [400, 1000] {
            same_as_held_within(leads, budget);
        }
    }

    fn same_as_held_within(leads: &[&str], budget: usize) {
        same_as_held_in(leads, 60, budget);
    }

    fn same_as_held_in(leads: &[&str], rows: usize, budget: usize) {
        let ReadEvents::Held(mut held) = read_rows(rows, usize::MAX) else {
            panic!("an unlimited budget holds the file")
        };
        let ReadEvents::Spilled(mut spilled) = read_rows(rows, budget) else {
            panic!("a budget of {budget} bytes spills")
        };
        assert!(spilled.runs.files.len() > 3, "{}", spilled.runs.files.len());
        assert!(spilled.runs.files.len() <= FAN_IN);
        // The long files make a run a row, more than are merged at once.
        let merged_down = spilled.runs.files.iter().any(|f| f.ends_with("merged-1"));
        assert_eq!(merged_down, rows > 2 * FAN_IN, "{rows} rows");
        let dir = spilled.runs.dir.clone();
        assert!(dir.is_dir());
        for lead in leads {
            let spilled = spilled.take(lead).unwrap_or_else(|e| panic!("take: {e}"));
            assert_eq!(
                taken(spilled),
                taken(held.take(lead)),
                "{lead} of {leads:?}"
            );
        }
        let orphans_spilled = spilled.orphans().unwrap_or_else(|e| panic!("orphans: {e}"));
        assert_eq!(orphans(orphans_spilled), orphans(held.into_orphans()));
        assert!(!dir.exists(), "the runs are removed with the merge");
    }

    #[test]
    fn sorted_leads_take_what_the_held_file_gives() {
        same_as_held(&["L00", "L01", "L03", "L03", "L07", "L10", "L11", "Z"]);
    }

    #[test]
    fn leads_out_of_order_take_what_the_held_file_gives() {
        // L05 comes after L08: the rest is held from then on; L02 was
        // passed over, L03 taken before (and is asked again), L00 never
        // had rows taken.
        same_as_held(&[
            "L01", "L03", "L04", "L08", "L05", "L03", "L02", "L00", "L09",
        ]);
        same_as_held(&["L11", "L00", "L11", "L10"]);
        // L02's rows are passed over, some spilled and some held, before
        // the leads go out of order and L02 asks for them.
        same_as_held(&["L01", "L03", "L02"]);
    }

    /// Leads in random orders, with ids asked twice and ids without rows,
    /// against the file held.
    #[test]
    fn leads_in_any_order_take_what_the_held_file_gives() {
        let ids = [
            "L00", "L01", "L02", "L03", "L04", "L05", "L06", "L07", "L08", "L09", "L10", "L11",
            "X1", "A0", "Q",
        ];
        let mut state = 7u64;
        for _ in 0..40 {
            let leads: Vec<&str> = (0..12)
                .map(|_| {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    ids[(state >> 33) as usize % ids.len()]
                })
                .collect();
            same_as_held(&leads);
        }
    }

    /// A run a row: more runs than are merged at once, merged down first.
    #[test]
    fn more_runs_than_are_merged_at_once_take_what_the_held_file_gives() {
        same_as_held_in(&["L00", "L03", "L03", "L07", "L11"], 700, 150);
        same_as_held_in(&["L05", "L01", "L11", "L05", "L00", "X1"], 700, 150);
    }

    /// Setting the rest aside takes rows it cannot give back when it
    /// fails, so it is not tried again once the cause has gone.
    #[test]
    fn a_rest_that_could_not_be_set_aside_fails_every_later_lead() {
        let ReadEvents::Spilled(mut spilled) = read(400) else {
            panic!("a budget of 400 bytes spills")
        };
        assert!(spilled.take("L05").is_ok());
        let blocker = spilled.runs.dir.join("passed");
        std::fs::write(&blocker, "").unwrap_or_else(|e| panic!("{e}"));
        assert!(spilled.take("L01").is_err());
        std::fs::remove_file(&blocker).unwrap_or_else(|e| panic!("{e}"));
        assert!(spilled.take("L02").is_err());
        assert!(spilled.take("L09").is_err());
    }

    #[test]
    fn a_file_within_the_budget_is_held() {
        assert!(matches!(read(1 << 20), ReadEvents::Held(_)));
    }

    #[test]
    fn runs_are_removed_when_the_merge_is_dropped_unfinished() {
        let ReadEvents::Spilled(mut spilled) = read(400) else {
            panic!("a budget of 400 bytes spills")
        };
        let dir = spilled.runs.dir.clone();
        let _ = spilled.take("L04");
        drop(spilled);
        assert!(!dir.exists());
    }
}
