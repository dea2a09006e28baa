//! The loaded model and what the server keeps beside it. A request takes
//! the model once (`State::current`) and uses that one to the end, so a
//! reload in between never gives it half of each; a reload swaps the whole
//! model in one store.

use std::io::{BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use arc_swap::{ArcSwap, ArcSwapOption};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::{ServeError, ServeOptions};
use crate::codes::Severity;
use crate::diagnostic::{render, Diagnostic};
use crate::plan::{Plan, Spans};
use crate::source::SourceMap;
use crate::{load_and_check, CheckedModel, Format, Layout, OutputFormat, Prepared};
use crate::{RawRecord, Records, ResultWriter};

/// A model that checked clean, ready to score.
pub struct Model {
    pub plan: Plan,
    pub prepared: Prepared,
    /// How its results are written as NDJSON.
    pub layout: Layout,
    pub sources: SourceMap,
    pub spans: Spans,
    /// SHA-256 over every file read, in load order.
    pub hash: String,
}

/// A version of the files that did not check clean, while the previous
/// model goes on serving.
pub struct Rejected {
    pub hash: String,
    pub diagnostics: Value,
}

pub struct State {
    pub options: ServeOptions,
    model: ArcSwap<Model>,
    rejected: ArcSwapOption<Rejected>,
    /// The sample leads of the workbench, as read (converted per model).
    pub sample: Vec<RawRecord>,
    /// Saves and reloads one at a time.
    pub writing: Mutex<()>,
    color: bool,
}

/// SHA-256 over files in load order: each file's length, then its bytes.
pub fn hash_files(files: &[(PathBuf, Arc<str>)]) -> String {
    let mut hasher = Sha256::new();
    for (_, text) in files {
        hasher.update((text.len() as u64).to_le_bytes());
        hasher.update(text.as_bytes());
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A checked model as the server keeps it: ready to score, or rejected.
pub fn ready(checked: CheckedModel) -> Result<Model, Rejected> {
    let hash = hash_files(&checked.files);
    let diagnostics = diagnostics_json(&checked.diagnostics, &checked.sources, None);
    let Some(plan) = checked.plan else {
        return Err(Rejected { hash, diagnostics });
    };
    let layout = ResultWriter::new(std::io::sink(), OutputFormat::Ndjson, &plan)
        .layout()
        .clone();
    Ok(Model {
        prepared: Prepared::new(&plan),
        layout,
        plan,
        sources: checked.sources,
        spans: checked.spans,
        hash,
    })
}

/// Diagnostics as JSON: code, severity, message, label, help, file, line
/// and column (1-based); for the file `editor` (the text in the
/// workbench's editor) also `from` and `to`, in UTF-16 code units as a
/// browser counts them.
pub fn diagnostics_json(
    diagnostics: &[Diagnostic],
    sources: &SourceMap,
    editor: Option<usize>,
) -> Value {
    let list = diagnostics
        .iter()
        .map(|d| {
            let (line, column) = sources.line_col(d.span.file, d.span.start);
            let mut entry = json!({
                "code": d.code.as_str(),
                "severity": match d.severity() {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                },
                "message": d.message,
                "label": d.label,
                "help": d.help,
                "file": sources.path(d.span.file).display().to_string(),
                "line": line,
                "column": column,
            });
            if editor == Some(d.span.file) {
                let text = sources.file(d.span.file).map(|f| &f.text[..]).unwrap_or("");
                let utf16 = |offset: usize| {
                    text.get(..offset.min(text.len()))
                        .map_or(0, |t| t.encode_utf16().count())
                };
                entry["from"] = json!(utf16(d.span.start));
                entry["to"] = json!(utf16(d.span.end));
            }
            entry
        })
        .collect();
    Value::Array(list)
}

impl State {
    /// Loads the model (which must check clean) and the sample.
    pub fn start(options: ServeOptions, color: bool) -> Result<State, ServeError> {
        let checked = load_and_check(&options.model).map_err(ServeError::Usage)?;
        if checked.has_errors() {
            return Err(ServeError::Model(render(
                &checked.diagnostics,
                &checked.sources,
                color,
            )));
        }
        let model = ready(checked)
            .map_err(|_| ServeError::Model(format!("{} has errors", options.model.display())))?;
        let sample = match &options.sample {
            Some(path) => read_sample(path).map_err(ServeError::Usage)?,
            None => Vec::new(),
        };
        Ok(State {
            options,
            model: ArcSwap::from_pointee(model),
            rejected: ArcSwapOption::empty(),
            sample,
            writing: Mutex::new(()),
            color,
        })
    }

    /// The model serving now; keep it for the whole request.
    pub fn current(&self) -> Arc<Model> {
        self.model.load_full()
    }

    /// The latest version of the files that did not check clean, if the
    /// serving model is older than it.
    pub fn rejected(&self) -> Option<Arc<Rejected>> {
        self.rejected.load_full()
    }

    /// Reads the model's files again: a clean model replaces the serving
    /// one, one with errors is kept aside and reported.
    pub fn reload(&self) {
        let _one_at_a_time = self.writing.lock();
        let checked = match load_and_check(&self.options.model) {
            Ok(checked) => checked,
            Err(message) => {
                self.log(&format!(
                    "reload failed, still serving the previous model: {message}"
                ));
                return;
            }
        };
        let rendered = render(&checked.diagnostics, &checked.sources, self.color);
        match ready(checked) {
            Ok(model) => {
                if model.hash == self.current().hash {
                    self.rejected.store(None);
                    return;
                }
                self.log(&format!("reloaded the model (hash {})", model.hash));
                self.model.store(Arc::new(model));
                self.rejected.store(None);
            }
            Err(rejected) => {
                if self.rejected().is_some_and(|r| r.hash == rejected.hash) {
                    return;
                }
                self.log(&format!(
                    "the model has errors, still serving hash {}:\n{rendered}",
                    self.current().hash
                ));
                self.rejected.store(Some(Arc::new(rejected)));
            }
        }
    }

    /// Puts a model that was just saved in place (its hash is that of the
    /// files as written).
    pub fn install(&self, model: Model) {
        self.log(&format!(
            "saved and reloaded the model (hash {})",
            model.hash
        ));
        self.model.store(Arc::new(model));
        self.rejected.store(None);
    }

    pub fn log(&self, line: &str) {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "leadscore serve: {line}");
    }

    /// The directory of the model file, where drafts resolve `use`.
    pub fn model_dir(&self) -> PathBuf {
        match self.options.model.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }
}

/// The sample leads, read once at start (their events inside the records).
fn read_sample(path: &Path) -> Result<Vec<RawRecord>, String> {
    let file = std::fs::File::open(path)
        .map_err(|e| format!("cannot read the sample `{}`: {e}", path.display()))?;
    let mut reader = BufReader::new(file);
    let hint = Format::from_path(&path.to_string_lossy());
    let first = std::io::BufRead::fill_buf(&mut reader)
        .map_err(|e| format!("cannot read the sample `{}`: {e}", path.display()))?;
    let format = Format::sniff(first, hint);
    let records = Records::new(reader, format)
        .map_err(|e| format!("cannot read the sample `{}`: {e}", path.display()))?;
    records
        .map(|r| r.map(RawRecord::parsed))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("cannot read the sample `{}`: {e}", path.display()))
}
