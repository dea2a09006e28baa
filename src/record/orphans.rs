//! Rows of an events file whose lead never appeared, kept until the run
//! ends to be reported in file order, within a memory budget: past it,
//! the rows held are sorted by line and written out as a run, and the
//! runs are merged back into file order at the end. An events file for
//! many more leads than are scored is mostly such rows.

use std::fs;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use super::events::{EventRow, Orphans};
use super::spill::{merge_down, write_run_file, Merge, RunsCleanup, LEAD_OVERHEAD, ROW_OVERHEAD};

/// The rows without a lead found so far.
pub(super) struct OrphanRows {
    rows: Vec<EventRow>,
    /// What `rows` hold, as the events file's budget counts it.
    held: usize,
    budget: usize,
    /// Where the runs go, made by the caller before the run starts (a run
    /// that stops early removes it from another thread, and a directory
    /// made later would be left behind); removed with the rows. Why there
    /// is none, when it could not be made: said only if a run is needed.
    dir: Result<PathBuf, String>,
    runs: Vec<PathBuf>,
    /// Runs written so far, naming the next.
    written: usize,
}

impl OrphanRows {
    /// Rows kept in `budget` bytes at most, spilled into the directory
    /// `dir` past it.
    pub(super) fn new(dir: Result<PathBuf, String>, budget: usize) -> OrphanRows {
        OrphanRows {
            rows: Vec::new(),
            held: 0,
            budget,
            dir,
            runs: Vec::new(),
            written: 0,
        }
    }

    /// What removes the directory from another thread, if there is one.
    pub(super) fn cleanup(&self) -> Option<RunsCleanup> {
        self.dir.clone().ok().map(RunsCleanup::of)
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
        let rows = std::mem::take(&mut self.rows);
        self.write_run(rows.into_iter().map(Ok))?;
        self.held = 0;
        Ok(())
    }

    /// Writes `rows`, in line order, as one more run.
    fn write_run(&mut self, rows: impl Iterator<Item = io::Result<EventRow>>) -> io::Result<()> {
        let path = next_run(&self.dir, &mut self.written)?;
        self.runs.push(path.clone());
        write_run_file(&path, rows)
    }

    /// The runs, merged in line order, their files removed once open.
    fn merged_runs(&mut self) -> io::Result<Merge> {
        let OrphanRows {
            runs,
            budget,
            dir,
            written,
            ..
        } = self;
        merge_down(runs, *budget, true, &mut || next_run(dir, written))?;
        let merge = Merge::open_files(&self.runs, self.budget, true)?;
        for run in self.runs.drain(..) {
            // Open files stay readable; one that cannot be removed goes
            // with the directory.
            let _ = fs::remove_file(run);
        }
        Ok(merge)
    }

    /// Every row so far, in line order, leaving none: for when the leads
    /// come out of order and a row passed over may yet be taken. The runs
    /// are merged as they are read, so memory stays within the budget.
    pub(super) fn drain(&mut self) -> io::Result<Box<dyn Iterator<Item = io::Result<EventRow>>>> {
        let mut rows = std::mem::take(&mut self.rows);
        self.held = 0;
        rows.sort_unstable_by_key(|r| r.row.line);
        if self.runs.is_empty() {
            return Ok(Box::new(rows.into_iter().map(Ok)));
        }
        self.write_run(rows.into_iter().map(Ok))?;
        let mut merge = self.merged_runs()?;
        Ok(Box::new(std::iter::from_fn(move || {
            merge.next().transpose()
        })))
    }

    /// The rows in file order, for the report at the end of the run.
    pub(super) fn into_orphans(mut self, header: Option<Arc<[String]>>) -> io::Result<Orphans> {
        if self.runs.is_empty() {
            let mut rows = std::mem::take(&mut self.rows);
            rows.sort_unstable_by_key(|r| r.row.line);
            return Ok(Orphans::held(rows, header));
        }
        self.spill()?;
        let mut merge = self.merged_runs()?;
        // The runs are open: nothing is left behind however the report ends.
        self.remove_dir();
        let rows = std::iter::from_fn(move || merge.next().transpose());
        Ok(Orphans::merged(Box::new(rows), header))
    }

    fn remove_dir(&mut self) {
        if let Ok(dir) = &self.dir {
            // A directory that cannot be removed stays in the temporary
            // directory; nothing is left to report to.
            let _ = fs::remove_dir_all(dir);
        }
        self.runs.clear();
    }
}

/// A new run file's path in `dir`, the `written`th.
fn next_run(dir: &Result<PathBuf, String>, written: &mut usize) -> io::Result<PathBuf> {
    let dir = dir.as_ref().map_err(|why| io::Error::other(why.clone()))?;
    *written += 1;
    Ok(dir.join(format!("run-{written}")))
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

    /// Pushes the rows of lines `1..=count` in lead order, as the merge
    /// finds them.
    fn push_in_lead_order(orphans: &mut OrphanRows, count: usize) {
        let mut lines: Vec<usize> = (1..=count).collect();
        lines.sort_by_key(|line| row(*line).lead);
        for line in lines {
            orphans.push(row(line)).unwrap();
        }
    }

    /// The lines of the rows, as the report reads them.
    fn lines_reported(orphans: OrphanRows) -> Vec<usize> {
        orphans
            .into_orphans(None)
            .unwrap()
            .into_rows()
            .map(|r| r.unwrap().1)
            .collect()
    }

    #[test]
    fn rows_past_the_budget_come_back_in_file_order_and_leave_nothing_behind() {
        let dir = dir("order");
        let mut orphans = OrphanRows::new(Ok(dir.clone()), 2_000);
        push_in_lead_order(&mut orphans, 500);
        assert!(orphans.runs.len() > 10, "{}", orphans.runs.len());
        assert!(dir.is_dir());
        assert_eq!(lines_reported(orphans), (1..=500).collect::<Vec<_>>());
        assert!(!dir.exists());
    }

    #[test]
    fn rows_drained_come_in_file_order_and_the_rows_kept_after_are_reported() {
        let dir = dir("drain");
        let mut orphans = OrphanRows::new(Ok(dir.clone()), 1_000);
        for i in 0..200 {
            orphans.push(row((i * 37) % 200 + 1)).unwrap();
        }
        assert!(orphans.runs.len() > 3, "{}", orphans.runs.len());
        let lines: Vec<usize> = orphans
            .drain()
            .unwrap()
            .map(|r| r.unwrap().row.line)
            .collect();
        assert_eq!(lines, (1..=200).collect::<Vec<_>>());
        let left = std::fs::read_dir(&dir).unwrap().count();
        assert_eq!(left, 0, "the runs are removed");
        for line in [250, 201, 220] {
            orphans.push(row(line)).unwrap();
        }
        assert_eq!(lines_reported(orphans), [201, 220, 250]);
        assert!(!dir.exists());
    }

    #[test]
    fn more_runs_than_are_merged_at_once_come_back_in_file_order() {
        let dir = dir("fan-in");
        // A budget below one row: every row is a run of its own.
        let mut orphans = OrphanRows::new(Ok(dir.clone()), 1);
        let count = 3 * super::super::spill::FAN_IN + 7;
        push_in_lead_order(&mut orphans, count);
        assert_eq!(lines_reported(orphans), (1..=count).collect::<Vec<_>>());
        assert!(!dir.exists());
    }

    #[test]
    fn without_a_directory_rows_are_kept_until_one_is_needed() {
        let mut orphans = OrphanRows::new(Err("no room".to_string()), 1_000);
        orphans.push(row(1)).unwrap();
        let error = (2..100).try_for_each(|line| orphans.push(row(line)));
        assert!(error.unwrap_err().to_string().contains("no room"));
    }

    #[test]
    fn runs_are_removed_when_the_rows_are_dropped() {
        let dir = dir("drop");
        let mut orphans = OrphanRows::new(Ok(dir.clone()), 500);
        for line in 1..=100 {
            orphans.push(row(line)).unwrap();
        }
        assert!(dir.is_dir());
        drop(orphans);
        assert!(!dir.exists());
    }
}
