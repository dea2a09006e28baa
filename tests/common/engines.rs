//! Runs SQL on real engines (DuckDB, PostgreSQL, Spark) through the Python
//! harness `tests/engines/run.py`, so that a test can compare what a
//! compiled query returns with what `leadscore score` returns. The engines
//! are installed by `.ci/setup-engines`; docs/engines.md describes the
//! tables the harness makes and the form of the results.

// Only the engine tests use this part of `common`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The engines the harness runs, by the names `run_batch` takes.
pub const ENGINES: [&str; 3] = ["duckdb", "postgres", "spark"];

/// One query over one set of leads.
pub struct Job {
    /// `{"leads": [{"name", "type", "key"?}, ...], "events"?: [...], "id_type"?}`
    pub layout: serde_json::Value,
    /// Lead records as `leadscore score` reads them, one JSON object a line.
    pub leads_ndjson: String,
    /// An events file (NDJSON or CSV with `lead_id,type,at,...`), if any.
    pub events: Option<String>,
    pub sql: String,
}

/// Runs every job in one session of `engine` and returns each job's rows
/// in the query's order, one JSON object per row (column name -> value).
/// `Err` carries the harness's stderr, which names each failed job.
pub fn run_batch(engine: &str, jobs: &[Job]) -> Result<Vec<Vec<serde_json::Value>>, String> {
    run_batch_in_zone(engine, None, jobs)
}

/// `run_batch` with the engine's session time zone set to `timezone` (an
/// IANA name): a query must give the same rows in any zone.
pub fn run_batch_in_zone(
    engine: &str,
    timezone: Option<&str>,
    jobs: &[Job],
) -> Result<Vec<Vec<serde_json::Value>>, String> {
    let dir = Scratch::new(engine)?;
    let mut listed = Vec::with_capacity(jobs.len());
    for (i, job) in jobs.iter().enumerate() {
        let layout = serde_json::to_string_pretty(&job.layout).map_err(|e| e.to_string())?;
        dir.write(&format!("{i}.layout.json"), &layout)?;
        dir.write(&format!("{i}.leads.ndjson"), &job.leads_ndjson)?;
        dir.write(&format!("{i}.sql"), &job.sql)?;
        let mut entry = serde_json::json!({
            "name": i.to_string(),
            "layout": format!("{i}.layout.json"),
            "leads": format!("{i}.leads.ndjson"),
            "sql": format!("{i}.sql"),
            "out": format!("{i}.out.ndjson"),
        });
        if let Some(events) = &job.events {
            dir.write(&format!("{i}.events"), events)?;
            entry["events"] = serde_json::Value::from(format!("{i}.events"));
        }
        listed.push(entry);
    }
    let batch = serde_json::Value::Array(listed).to_string();
    dir.write("jobs.json", &batch)?;

    let python = std::env::var("LEADSCORE_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/engines/run.py");
    let mut command = Command::new(&python);
    command
        .arg(&script)
        .args(["--engine", engine, "--batch"])
        .arg(dir.path.join("jobs.json"));
    if let Some(zone) = timezone {
        command.args(["--timezone", zone]);
    }
    let output = command
        .output()
        .map_err(|e| format!("cannot run {python} {}: {e}", script.display()))?;
    if !output.status.success() {
        return Err(format!(
            "{engine}: the harness exited with {}:\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    (0..jobs.len())
        .map(|i| {
            let name = format!("{i}.out.ndjson");
            let text = std::fs::read_to_string(dir.path.join(&name))
                .map_err(|e| format!("{engine}: job {i}: no output ({e})"))?;
            text.lines()
                .filter(|line| !line.trim().is_empty())
                .map(|line| {
                    serde_json::from_str(line)
                        .map_err(|e| format!("{engine}: job {i}: {e} in {line}"))
                })
                .collect()
        })
        .collect()
}

/// A directory of one batch's files, removed when dropped.
struct Scratch {
    path: PathBuf,
}

impl Scratch {
    fn new(engine: &str) -> Result<Scratch, String> {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "leadscore-engines-{engine}-{}-{n}",
            std::process::id()
        ));
        // A directory left by an earlier process with the same id.
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(Scratch { path })
    }

    fn write(&self, name: &str, text: &str) -> Result<(), String> {
        let path = self.path.join(name);
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
