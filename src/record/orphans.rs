//! Rows of an events file whose lead never appeared, kept until the run
//! ends to be reported in file order, within a memory budget: past it,
//! the rows held are sorted by line and written out as a run, and the
//! runs are merged back into file order at the end. An events file for
//! many more leads than are scored is mostly such rows.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::sync::Arc;

use super::events::{EventRow, Orphans};
use super::spill::{spill_error, write_row, Merge, LEAD_OVERHEAD, ROW_OVERHEAD};

/// The rows without a lead found so far.
pub(super) struct OrphanRows {
    rows: Vec<EventRow>,
    /// What `rows` hold, as the events file's budget counts it.
    held: usize,
    budget: usize,
    /// Where the runs go, made by the caller before the run starts (a run
    /// that stops early removes it from another thread, and a directory
    /// made later would be left behind); removed with the rows.
    dir: PathBuf,
    runs: Vec<PathBuf>,
}

impl OrphanRows {
    /// Rows kept in `budget` bytes at most, spilled into the directory
    /// `dir` past it.
    pub(super) fn new(dir: PathBuf, budget: usize) -> OrphanRows {
        OrphanRows {
            rows: Vec::new(),
            held: 0,
            budget,
            dir,
            runs: Vec::new(),
        }
    }

    pub(super) fn push(&mut self, row: EventRow) -> io::Result<()> {
        self.held += row.lead.len() + row.row.text.len() + ROW_OVERHEAD + LEAD_OVERHEAD;
        self.rows.push(row);
        if self.held > self.budget {
            self.spill()?;
        }
        Ok(())
    }

    /// Writes the rows held, sorted by line, as one more run.
    fn spill(&mut self) -> io::Result<()> {
        self.rows.sort_unstable_by_key(|r| r.row.line);
        let path = self.dir.join(format!("run-{}", self.runs.len()));
        let file = File::create(&path).map_err(|e| spill_error(&path, e))?;
        self.runs.push(path.clone());
        let mut out = BufWriter::with_capacity(1 << 16, file);
        for row in self.rows.drain(..) {
            write_row(&mut out, &row.lead, &row.row).map_err(|e| spill_error(&path, e))?;
        }
        self.held = 0;
        out.flush().map_err(|e| spill_error(&path, e))
    }

    /// Every row back in memory, in no order: for when the leads come out
    /// of order and the rest of the events file is held anyway.
    pub(super) fn take_all(&mut self) -> io::Result<Vec<EventRow>> {
        let mut rows = std::mem::take(&mut self.rows);
        if !self.runs.is_empty() {
            let mut merge = Merge::open_files(&self.runs, self.budget, true)?;
            while let Some(row) = merge.next()? {
                rows.push(row);
            }
            for run in self.runs.drain(..) {
                // A run that cannot be removed goes with the directory.
                let _ = fs::remove_file(run);
            }
        }
        self.held = 0;
        Ok(rows)
    }

    /// The rows in file order, for the report at the end of the run.
    pub(super) fn into_orphans(mut self, header: Option<Arc<[String]>>) -> io::Result<Orphans> {
        if self.runs.is_empty() {
            let mut rows = std::mem::take(&mut self.rows);
            rows.sort_unstable_by_key(|r| r.row.line);
            return Ok(Orphans::held(rows, header));
        }
        self.spill()?;
        let mut merge = Merge::open_files(&self.runs, self.budget, true)?;
        // The runs are open: their files stay readable once removed, and
        // nothing is left behind however the report ends.
        self.remove_dir();
        let rows = std::iter::from_fn(move || merge.next().transpose());
        Ok(Orphans::merged(Box::new(rows), header))
    }

    fn remove_dir(&mut self) {
        // A directory that cannot be removed stays in the temporary
        // directory; nothing is left to report to.
        let _ = fs::remove_dir_all(&self.dir);
        self.runs.clear();
    }
}

impl Drop for OrphanRows {
    fn drop(&mut self) {
        self.remove_dir();
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::OrphanRows;
    use crate::record::events::{EventRow, StoredRow};

    fn row(line: usize) -> EventRow {
        EventRow {
            lead: format!("L{}", (line * 7919) % 101),
            row: StoredRow {
                line,
                text: format!("L,visit,2026-10-01,p{line}").into_boxed_str(),
            },
        }
    }

    fn dir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "leadscore-orphans-test-{}-{name}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn rows_past_the_budget_come_back_in_file_order_and_leave_nothing_behind() {
        let dir = dir("order");
        let mut orphans = OrphanRows::new(dir.clone(), 2_000);
        // Found in lead order, as the merge finds them.
        let mut lines: Vec<usize> = (1..=500).collect();
        lines.sort_by_key(|line| row(*line).lead);
        for line in &lines {
            orphans.push(row(*line)).unwrap();
        }
        assert!(orphans.runs.len() > 10, "{}", orphans.runs.len());
        assert!(dir.is_dir());
        let read: Vec<usize> = orphans
            .into_orphans(None)
            .unwrap()
            .into_rows()
            .map(|r| r.unwrap().1)
            .collect();
        assert_eq!(read, (1..=500).collect::<Vec<_>>());
        assert!(!dir.exists());
    }

    #[test]
    fn rows_taken_back_are_all_there_and_the_runs_go() {
        let dir = dir("take");
        let mut orphans = OrphanRows::new(dir.clone(), 1_000);
        for line in 1..=200 {
            orphans.push(row(line)).unwrap();
        }
        let mut lines: Vec<usize> = orphans
            .take_all()
            .unwrap()
            .iter()
            .map(|r| r.row.line)
            .collect();
        lines.sort_unstable();
        assert_eq!(lines, (1..=200).collect::<Vec<_>>());
        let left = std::fs::read_dir(&dir).unwrap().count();
        assert_eq!(left, 0, "the runs are removed");
        drop(orphans);
        assert!(!dir.exists());
    }

    #[test]
    fn runs_are_removed_when_the_rows_are_dropped() {
        let dir = dir("drop");
        let mut orphans = OrphanRows::new(dir.clone(), 500);
        for line in 1..=100 {
            orphans.push(row(line)).unwrap();
        }
        assert!(dir.is_dir());
        drop(orphans);
        assert!(!dir.exists());
    }
}
