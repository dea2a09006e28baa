//! A progress line on stderr for long runs, shown only when stderr is a
//! terminal (and not with `--quiet`), so logs and pipes stay clean. When
//! the leads come from a file of one record a line (NDJSON, CSV), its lines
//! are counted on a thread of their own meanwhile, and the line then shows
//! the share done and the time left.

use std::io::{IsTerminal, Read};
use std::path::Path;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressState, ProgressStyle};

pub struct Progress {
    bar: Option<ProgressBar>,
}

/// The rate, in whole leads a second (indicatif's own has four decimals).
fn rate(state: &ProgressState, w: &mut dyn std::fmt::Write) {
    let _ = write!(w, "{:.0} leads/s", state.per_sec());
}

fn style(template: &str) -> Option<ProgressStyle> {
    ProgressStyle::with_template(template)
        .ok()
        .map(|s| s.with_key("rate", rate))
}

impl Progress {
    /// A progress line for reading `leads` (a path, or `-` for stdin).
    pub fn start(quiet: bool, leads: &str) -> Progress {
        if quiet || !std::io::stderr().is_terminal() {
            return Progress { bar: None };
        }
        let bar = ProgressBar::new_spinner();
        if let Some(style) = style("{spinner} {human_pos} leads read ({rate}, {elapsed})") {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(120));
        count_records(leads, bar.clone());
        Progress { bar: Some(bar) }
    }

    pub fn update(&self, done: usize) {
        if let Some(bar) = &self.bar {
            bar.set_position(u64::try_from(done).unwrap_or(u64::MAX));
        }
    }

    /// Runs `f` with the bar hidden, so a message printed meanwhile is not
    /// garbled by it.
    pub fn suspend<T>(&self, f: impl FnOnce() -> T) -> T {
        match &self.bar {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Counts the records of a file of one record a line on a thread, and
/// gives the bar its length when done; a JSON array or stdin is left as a
/// count without a total.
fn count_records(leads: &str, bar: ProgressBar) {
    let path = Path::new(leads);
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let header = match extension.as_str() {
        "csv" => 1,
        "ndjson" | "jsonl" => 0,
        _ => return,
    };
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return;
    }
    let path = path.to_path_buf();
    std::thread::spawn(move || {
        let Ok(mut file) = std::fs::File::open(&path) else {
            return;
        };
        let mut buffer = vec![0u8; 1 << 20];
        let (mut lines, mut last) = (0u64, b'\n');
        loop {
            match file.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => {
                    let chunk = buffer.get(..n).unwrap_or_default();
                    lines += chunk.iter().filter(|&&b| b == b'\n').count() as u64;
                    last = chunk.last().copied().unwrap_or(last);
                }
                Err(_) => return,
            }
        }
        let records = (lines + u64::from(last != b'\n')).saturating_sub(header);
        if let Some(style) =
            style("{spinner} {percent:>3}% {human_pos}/{human_len} leads ({rate}, {eta} left)")
        {
            bar.set_style(style);
        }
        bar.set_length(records.max(bar.position()));
    });
}
