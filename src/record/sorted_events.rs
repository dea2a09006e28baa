//! An events file sorted by lead id, merged with leads sorted the same
//! way (`--events-sorted`): one pass over both in constant memory, where
//! [`EventsFile`](super::EventsFile) holds the whole file.

use std::io::BufRead;
use std::sync::Arc;

use super::error::RecordError;
use super::events::{EventRow, LeadEvents, Orphans};
use super::orphans::OrphanRows;
use super::records::{Format, Records};
use super::spill::RunsCleanup;

/// How ids are ordered for `--events-sorted`, said when they are not.
pub const SORTED_IDS_HINT: &str =
    "ids are compared as text, byte by byte, the order `LC_ALL=C sort` gives";

/// An events file sorted by lead id, merged with leads sorted the same way:
/// one pass over both, holding only the current lead's rows.
pub struct SortedEvents<R: BufRead> {
    rows: Records<R>,
    /// A CSV file's header, for the rows handed out as text.
    header: Option<Arc<[String]>>,
    file: Arc<str>,
    next: Option<EventRow>,
    /// The last lead that took rows, which a lead of the same id after it
    /// could not be told apart from.
    last_taken: String,
    /// Rows whose lead never appeared (it sorts between two leads).
    orphans: OrphanRows,
    /// The lead id of the last row read, which the next must not sort
    /// before.
    last_row: String,
    pub errors: Vec<RecordError>,
}

impl<R: BufRead> SortedEvents<R> {
    /// The rows of the events file `reader`; rows without a lead past
    /// `budget` bytes are kept on disk until the end of the run.
    pub fn new(reader: R, format: Format, file: &str, budget: usize) -> std::io::Result<Self> {
        let rows = Records::new(reader, format)?;
        // Made now, though it may stay empty (see `OrphanRows`); a
        // temporary directory that cannot be written to matters only once
        // rows must go there.
        let orphans_dir = super::spill::fresh_dir("orphans").map_err(|e| e.to_string());
        Ok(SortedEvents {
            header: rows.csv_header(),
            rows,
            file: Arc::from(file),
            next: None,
            last_taken: String::new(),
            orphans: OrphanRows::new(orphans_dir, budget / 2),
            last_row: String::new(),
            errors: Vec::new(),
        })
    }

    /// The next row; an error when reading fails or the row sorts before
    /// the one above it. Without that check a file in another order would
    /// make every row an orphan held in memory, and the run would end (if
    /// ever) on the leads' order instead.
    fn peek(&mut self) -> Result<Option<&EventRow>, String> {
        while self.next.is_none() {
            let read = match self.rows.next_event_row(&self.file) {
                None => return Ok(None),
                Some(row) => row.map_err(|e| format!("reading the events failed: {e}"))?,
            };
            match read {
                Ok(row) => {
                    if row.lead < self.last_row {
                        return Err(format!(
                            "`--events-sorted` needs the events file sorted by lead id, but `{}` (line {}) comes after `{}`; {SORTED_IDS_HINT}",
                            row.lead, row.row.line, self.last_row
                        ));
                    }
                    self.last_row.clone_from(&row.lead);
                    self.next = Some(row);
                }
                Err(error) => self.errors.push(error),
            }
        }
        Ok(self.next.as_ref())
    }

    /// The rows of `lead`, which must not sort before the previous lead.
    /// Rows of ids that sort before it belong to no lead. An error says
    /// why the rows cannot be read.
    pub fn take(&mut self, lead: &str) -> Result<LeadEvents, String> {
        let taken_before = (!lead.is_empty() && self.last_taken == lead).then(|| lead.to_string());
        let mut rows = Vec::new();
        while let Some(row) = self.peek()? {
            let order = row.lead.as_str().cmp(lead);
            if order == std::cmp::Ordering::Greater {
                break;
            }
            let Some(row) = self.next.take() else { break };
            if order == std::cmp::Ordering::Equal {
                // Rows travel as text, read on the thread that converts
                // the lead.
                rows.push(row.row);
            } else {
                self.orphans.push(row).map_err(keeping_failed)?;
            }
        }
        if !rows.is_empty() {
            self.last_taken.clear();
            self.last_taken.push_str(lead);
        }
        Ok(LeadEvents {
            stored: rows,
            header: self.header.clone(),
            file: self.file.clone(),
            taken_before,
        })
    }

    /// Every row whose lead never appeared, with its lead, in file order:
    /// those passed over so far and every row after the last lead.
    pub fn orphans(mut self) -> Result<Orphans, String> {
        while self.peek()?.is_some() {
            if let Some(row) = self.next.take() {
                self.orphans.push(row).map_err(keeping_failed)?;
            }
        }
        self.orphans
            .into_orphans(self.header)
            .map_err(keeping_failed)
    }

    /// What removes the rows without a lead spilled to disk, for the side
    /// of a run that may stop without waiting for this file to be dropped.
    pub fn cleanup(&self) -> Option<RunsCleanup> {
        self.orphans.cleanup()
    }
}

fn keeping_failed(e: std::io::Error) -> String {
    format!("keeping the events without a lead failed: {e}")
}
