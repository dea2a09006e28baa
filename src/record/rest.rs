//! The rows of a spilled events file not yet taken when the leads turn
//! out not to be sorted by id. They can no longer be handed out by one
//! pass of the merge, so they are written once more, grouped by lead in id
//! order, to one file beside the runs, and each lead then finds its group
//! through a sparse index: the first id of every stretch of the file, a
//! stretch growing as needed to keep the index within its share of the
//! budget. A lead reads one stretch at most, and a group taken is marked
//! in the file, so memory does not grow with the rows or the leads.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::events::{EventRow, StoredRow};
use super::spill::{read_text, spill_error, RUN_BUFFER};

/// The least stretch of the file between two ids of the index.
const LEAST_STRETCH: u64 = 4 << 10;

/// A group's first byte: whether a lead took its rows.
const UNTAKEN: u8 = 0;
const TAKEN: u8 = 1;
/// Before each row of a group, and after its last.
const ROW: u8 = 1;
const GROUP_END: u8 = 0;

/// Where the groups of a file start, for every stretch of it.
struct SparseIndex {
    /// The first id of each stretch, with its offset, in id order.
    entries: Vec<(String, u64)>,
    /// The least bytes between two entries.
    stretch: u64,
    /// Where the last entry is.
    last: Option<u64>,
    /// What the entries cost in memory, and what they may.
    held: usize,
    budget: usize,
}

impl SparseIndex {
    fn new(budget: usize) -> SparseIndex {
        SparseIndex {
            entries: Vec::new(),
            stretch: LEAST_STRETCH,
            last: None,
            held: 0,
            budget,
        }
    }

    /// Notes a group of `id` at `offset`, the groups coming in id order.
    fn note(&mut self, id: &str, offset: u64) {
        if self.last.is_some_and(|last| offset - last < self.stretch) {
            return;
        }
        self.last = Some(offset);
        self.held += id.len() + ENTRY_OVERHEAD;
        self.entries.push((id.to_string(), offset));
        if self.held > self.budget && self.entries.len() > 1 {
            // Every other entry goes, the first staying: stretches double.
            let mut i = 0;
            self.entries.retain(|_| {
                i += 1;
                i % 2 == 1
            });
            self.held = self
                .entries
                .iter()
                .map(|e| e.0.len() + ENTRY_OVERHEAD)
                .sum();
            self.stretch *= 2;
        }
    }

    /// Where to start looking for `id`: the stretch it would be in, or
    /// `None` when it sorts before every id.
    fn start_of(&self, id: &str) -> Option<u64> {
        let after = self
            .entries
            .partition_point(|(first, _)| first.as_str() <= id);
        let (_, offset) = self.entries.get(after.checked_sub(1)?)?;
        Some(*offset)
    }
}

/// A file written, with how far.
struct Counted {
    out: BufWriter<File>,
    offset: u64,
}

impl Counted {
    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.offset += bytes.len() as u64;
        self.out.write_all(bytes)
    }
}

/// What an index entry costs besides its id's text.
const ENTRY_OVERHEAD: usize = 48;

/// The rows left, grouped by lead on disk.
pub(super) struct RestRows {
    path: PathBuf,
    groups: BufReader<File>,
    index: SparseIndex,
    /// The ids that took rows before the leads came out of order, sorted.
    taken_before: Option<(BufReader<File>, SparseIndex)>,
}

/// What a lead gets from the rest: its rows, or that an earlier lead of
/// its id took them.
pub(super) enum Taken {
    Rows(Vec<StoredRow>),
    Before,
}

impl RestRows {
    /// Writes `rows` (sorted by lead id, each lead's rows in line order)
    /// to `dir`; `taken` is the file of the ids that took rows so far,
    /// sorted, each its length first. The indexes together keep within
    /// `budget` bytes.
    pub(super) fn write(
        rows: impl Iterator<Item = io::Result<EventRow>>,
        taken: Option<PathBuf>,
        dir: &Path,
        budget: usize,
    ) -> io::Result<RestRows> {
        let path = dir.join("rest");
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| spill_error(&path, e))?;
        let mut index = SparseIndex::new(budget / 2);
        let mut out = Counted {
            out: BufWriter::with_capacity(RUN_BUFFER, file),
            offset: 0,
        };
        let mut lead: Option<String> = None;
        for row in rows {
            let EventRow { lead: id, row } = row?;
            if lead.as_deref() != Some(id.as_str()) {
                if lead.is_some() {
                    out.write(&[GROUP_END])?;
                }
                index.note(&id, out.offset);
                out.write(&[UNTAKEN])?;
                out.write(&(id.len() as u64).to_le_bytes())?;
                out.write(id.as_bytes())?;
                lead = Some(id);
            }
            out.write(&[ROW])?;
            out.write(&(row.line as u64).to_le_bytes())?;
            out.write(&(row.text.len() as u64).to_le_bytes())?;
            out.write(row.text.as_bytes())?;
        }
        if lead.is_some() {
            out.write(&[GROUP_END])?;
        }
        let mut out = out.out;
        out.flush().map_err(|e| spill_error(&path, e))?;
        let file = out
            .into_inner()
            .map_err(|e| spill_error(&path, e.into_error()))?;
        let taken_before = match taken {
            Some(taken) => Some(index_ids(&taken, budget / 2)?),
            None => None,
        };
        Ok(RestRows {
            path,
            groups: BufReader::with_capacity(LEAST_STRETCH as usize, file),
            index,
            taken_before,
        })
    }

    /// The rows of `lead`, marked taken; nothing when it has none.
    pub(super) fn take(&mut self, lead: &str) -> io::Result<Taken> {
        if let Some((ids, index)) = self.taken_before.as_mut() {
            if holds_id(ids, index, lead)? {
                return Ok(Taken::Before);
            }
        }
        let Some(start) = self.index.start_of(lead) else {
            return Ok(Taken::Rows(Vec::new()));
        };
        let path = self.path.clone();
        let failed = |e| spill_error(&path, e);
        self.groups.seek(SeekFrom::Start(start)).map_err(failed)?;
        let mut offset = start;
        while let Some((flag, id)) = read_group_start(&mut self.groups).map_err(failed)? {
            if id.as_str() > lead {
                break;
            }
            if id == lead {
                if flag == TAKEN {
                    return Ok(Taken::Before);
                }
                let rows = read_group_rows(&mut self.groups).map_err(failed)?;
                let file = self.groups.get_mut();
                file.seek(SeekFrom::Start(offset)).map_err(failed)?;
                // The reader's buffer, stale now, goes at the next seek.
                file.write_all(&[TAKEN]).map_err(failed)?;
                return Ok(Taken::Rows(rows));
            }
            skip_group_rows(&mut self.groups).map_err(failed)?;
            offset = self.groups.stream_position().map_err(failed)?;
        }
        Ok(Taken::Rows(Vec::new()))
    }

    /// Every row no lead took, by lead id.
    pub(super) fn untaken(mut self) -> io::Result<impl Iterator<Item = io::Result<EventRow>>> {
        self.groups
            .seek(SeekFrom::Start(0))
            .map_err(|e| spill_error(&self.path, e))?;
        let mut groups = self.groups;
        let mut current: Option<String> = None;
        Ok(std::iter::from_fn(move || loop {
            let Some(lead) = current.as_ref() else {
                match read_group_start(&mut groups) {
                    Ok(Some((TAKEN, _))) => match skip_group_rows(&mut groups) {
                        Ok(()) => continue,
                        Err(e) => return Some(Err(e)),
                    },
                    Ok(Some((_, id))) => {
                        current = Some(id);
                        continue;
                    }
                    Ok(None) => return None,
                    Err(e) => return Some(Err(e)),
                }
            };
            match read_row(&mut groups) {
                Ok(Some(row)) => {
                    return Some(Ok(EventRow {
                        lead: lead.clone(),
                        row,
                    }))
                }
                Ok(None) => current = None,
                Err(e) => return Some(Err(e)),
            }
        }))
    }
}

/// A group's flag and lead id; `None` at the end of the file.
fn read_group_start(input: &mut impl Read) -> io::Result<Option<(u8, String)>> {
    let mut flag = [0u8; 1];
    match input.read_exact(&mut flag) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let id = read_length_and_text(input)?;
    Ok(Some((flag[0], id)))
}

fn read_length_and_text(input: &mut impl Read) -> io::Result<String> {
    let mut word = [0u8; 8];
    input.read_exact(&mut word)?;
    read_text(input, u64::from_le_bytes(word))
}

/// The next row of the group, `None` after its last.
fn read_row(input: &mut impl Read) -> io::Result<Option<StoredRow>> {
    let mut marker = [0u8; 1];
    input.read_exact(&mut marker)?;
    if marker[0] == GROUP_END {
        return Ok(None);
    }
    let mut word = [0u8; 8];
    input.read_exact(&mut word)?;
    let line = usize::try_from(u64::from_le_bytes(word)).map_err(io::Error::other)?;
    let text = read_length_and_text(input)?;
    Ok(Some(StoredRow {
        line,
        text: text.into_boxed_str(),
    }))
}

fn read_group_rows(input: &mut impl Read) -> io::Result<Vec<StoredRow>> {
    let mut rows = Vec::new();
    while let Some(row) = read_row(input)? {
        rows.push(row);
    }
    Ok(rows)
}

fn skip_group_rows(input: &mut BufReader<File>) -> io::Result<()> {
    let mut marker = [0u8; 1];
    loop {
        input.read_exact(&mut marker)?;
        if marker[0] == GROUP_END {
            return Ok(());
        }
        let mut word = [0u8; 8];
        input.read_exact(&mut word)?;
        input.read_exact(&mut word)?;
        let len = i64::try_from(u64::from_le_bytes(word)).map_err(io::Error::other)?;
        input.seek_relative(len)?;
    }
}

/// Opens the sorted ids of `path` (each its length first) with an index.
fn index_ids(path: &Path, budget: usize) -> io::Result<(BufReader<File>, SparseIndex)> {
    let file = File::open(path).map_err(|e| spill_error(path, e))?;
    let mut ids = BufReader::with_capacity(LEAST_STRETCH as usize, file);
    let mut index = SparseIndex::new(budget);
    let mut offset = 0;
    loop {
        if ids.fill_buf()?.is_empty() {
            break;
        }
        let id = read_length_and_text(&mut ids)?;
        index.note(&id, offset);
        offset += 8 + id.len() as u64;
    }
    Ok((ids, index))
}

/// Whether the sorted ids of `ids` hold `id`.
fn holds_id(ids: &mut BufReader<File>, index: &SparseIndex, id: &str) -> io::Result<bool> {
    let Some(start) = index.start_of(id) else {
        return Ok(false);
    };
    ids.seek(SeekFrom::Start(start))?;
    loop {
        if ids.fill_buf()?.is_empty() {
            return Ok(false);
        }
        let next = read_length_and_text(ids)?;
        match next.as_str().cmp(id) {
            std::cmp::Ordering::Less => {}
            std::cmp::Ordering::Equal => return Ok(true),
            std::cmp::Ordering::Greater => return Ok(false),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use super::*;

    fn row(lead: &str, line: usize) -> io::Result<EventRow> {
        Ok(EventRow {
            lead: lead.to_string(),
            row: StoredRow {
                line,
                text: format!("{lead},visit,{line}").into_boxed_str(),
            },
        })
    }

    fn dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("leadscore-rest-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir(&dir).unwrap();
        dir
    }

    fn lines(taken: Taken) -> Vec<usize> {
        match taken {
            Taken::Rows(rows) => rows.iter().map(|r| r.line).collect(),
            Taken::Before => panic!("taken before"),
        }
    }

    /// 3,000 leads of 1 to 3 rows with an index of a few entries: every
    /// lead finds its rows in any order, once; a lead of an id taken
    /// already, here or before, gets none; the rest is what nobody took.
    #[test]
    fn leads_in_any_order_find_their_rows_once_with_a_tiny_index() {
        let dir = dir("any-order");
        let lead = |i: usize| format!("L{i:05}");
        let mut rows = Vec::new();
        for i in 0..3000 {
            for k in 0..=(i % 3) {
                rows.push(row(&lead(i), i * 10 + k));
            }
        }
        let taken = dir.join("taken");
        let mut ids = Vec::new();
        for id in ["A1", "L00007x", "Z9"] {
            ids.extend_from_slice(&(id.len() as u64).to_le_bytes());
            ids.extend_from_slice(id.as_bytes());
        }
        std::fs::write(&taken, ids).unwrap();
        let mut rest = RestRows::write(rows.into_iter(), Some(taken), &dir, 400).unwrap();
        assert!(
            rest.index.entries.len() < 20,
            "{}",
            rest.index.entries.len()
        );
        assert!(rest.index.stretch > LEAST_STRETCH);
        for i in (0..3000).rev().step_by(2) {
            let expected: Vec<usize> = (0..=(i % 3)).map(|k| i * 10 + k).collect();
            assert_eq!(lines(rest.take(&lead(i)).unwrap()), expected, "{i}");
        }
        assert!(matches!(rest.take(&lead(2999)).unwrap(), Taken::Before));
        for id in ["A1", "L00007x", "Z9"] {
            assert!(matches!(rest.take(id).unwrap(), Taken::Before), "{id}");
        }
        for id in ["", "A0", "L00000a", "L3", "ZZ"] {
            assert!(lines(rest.take(id).unwrap()).is_empty(), "{id}");
        }
        let left: Vec<(String, usize)> = rest
            .untaken()
            .unwrap()
            .map(|r| r.map(|r| (r.lead, r.row.line)).unwrap())
            .collect();
        let expected: Vec<(String, usize)> = (0..3000)
            .filter(|i| i % 2 == 0)
            .flat_map(|i| (0..=(i % 3)).map(move |k| (lead(i), i * 10 + k)))
            .collect();
        assert_eq!(left, expected);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn no_rows_left_is_an_empty_rest() {
        let dir = dir("empty");
        let mut rest = RestRows::write(std::iter::empty(), None, &dir, 1 << 20).unwrap();
        assert!(lines(rest.take("L1").unwrap()).is_empty());
        assert_eq!(rest.untaken().unwrap().count(), 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
