//! What the workbench page asks of a draft (the text in its editor):
//! check it, score the sample leads with it, compare it with the serving
//! model on the sample (the `diff` report), run its tests, save it.
//! Each request sends the draft whole; the work is done on the blocking
//! pool, away from the scoring requests.

use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;

use axum::extract::{Request, State as AxumState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::errors::{json_response, ApiError};
use super::score::read_body;
use super::state::{diagnostics_json, hash_files, ready, State};
use crate::time::Instant;
use crate::{check_source, explanation, lead_json, load_and_check, run_test, values_seen};
use crate::{CheckedModel, Diff, Evaluator, LeadScratch, Version};

/// A draft as the page sends it.
struct Draft {
    text: String,
    /// The hash of the saved files the draft was started from (for save).
    base: Option<String>,
    as_of: Option<Instant>,
}

async fn draft(state: &State, request: Request) -> Result<Draft, ApiError> {
    let body = read_body(request.into_body(), state.options.max_body).await?;
    let value: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_json(format!("the body is not JSON: {e}")))?;
    let text = value
        .get("text")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad_param("the body needs `text`, the model's text"))?
        .to_string();
    let as_of = match value.get("as_of").and_then(Value::as_str) {
        None | Some("") => None,
        Some(t) => Some(crate::time::parse_instant(t).ok_or_else(|| {
            ApiError::bad_param(format!("`as_of` `{t}` is not a date or an instant"))
        })?),
    };
    Ok(Draft {
        text,
        base: value
            .get("hash")
            .and_then(Value::as_str)
            .map(str::to_string),
        as_of,
    })
}

/// Runs `work` on a draft on the blocking pool.
async fn with_draft(
    state: Arc<State>,
    request: Request,
    work: fn(&State, Draft) -> Result<Value, ApiError>,
) -> Response {
    let draft = match draft(&state, request).await {
        Ok(d) => d,
        Err(e) => return e.into_response(),
    };
    let done = tokio::task::spawn_blocking(move || work(&state, draft)).await;
    match done {
        Ok(Ok(body)) => json_response(StatusCode::OK, &body),
        Ok(Err(error)) => error.into_response(),
        Err(e) => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
            .into_response(),
    }
}

/// The draft checked as if it were the model file: `use` and `list ...
/// from` paths resolve from the model's own path (`check_source` resolves
/// them from the name it is given).
fn checked(state: &State, draft: &Draft) -> CheckedModel {
    let path = &state.options.model;
    let path = path.canonicalize().unwrap_or_else(|_| path.clone());
    check_source(&path.to_string_lossy(), &draft.text, &state.model_dir())
}

fn diagnostics(model: &CheckedModel) -> Value {
    diagnostics_json(&model.diagnostics, &model.sources, Some(0))
}

/// `422` with the first error's code, for a draft that does not check.
fn not_clean(model: &CheckedModel) -> ApiError {
    let first = model.diagnostics.iter().find(|d| d.is_error());
    let (code, message) = first.map_or(("E001", "the model has errors".to_string()), |d| {
        (d.code.as_str(), d.message.clone())
    });
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
        .with(json!({ "diagnostics": diagnostics(model) }))
}

fn as_of(state: &State, draft: &Draft) -> Instant {
    draft
        .as_of
        .or(state.options.as_of)
        .unwrap_or_else(chrono::Utc::now)
}

pub async fn source(AxumState(state): AxumState<Arc<State>>) -> Response {
    let done = tokio::task::spawn_blocking(move || {
        let path = &state.options.model;
        let text = std::fs::read_to_string(path).map_err(|e| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                format!("cannot read `{}`: {e}", path.display()),
            )
        })?;
        let hash = load_and_check(path)
            .map(|c| hash_files(&c.files))
            .unwrap_or_default();
        Ok::<Value, ApiError>(json!({
            "path": path.display().to_string(),
            "text": text,
            "hash": hash,
            "read_only": state.options.read_only,
            "sample": state.sample.len(),
            "as_of": state.options.as_of.map(|t| t.to_rfc3339()),
        }))
    })
    .await;
    match done {
        Ok(Ok(body)) => json_response(StatusCode::OK, &body),
        Ok(Err(e)) => e.into_response(),
        Err(e) => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
            .into_response(),
    }
}

pub async fn check(AxumState(state): AxumState<Arc<State>>, request: Request) -> Response {
    with_draft(state, request, |state, draft| {
        let model = checked(state, &draft);
        let errors = model.diagnostics.iter().filter(|d| d.is_error()).count();
        Ok(json!({
            "hash": hash_files(&model.files),
            "errors": errors,
            "warnings": model.diagnostics.len() - errors,
            "diagnostics": diagnostics(&model),
        }))
    })
    .await
}

pub async fn score(AxumState(state): AxumState<Arc<State>>, request: Request) -> Response {
    with_draft(state, request, score_sample).await
}

fn score_sample(state: &State, draft: Draft) -> Result<Value, ApiError> {
    let model = checked(state, &draft);
    let Some(plan) = &model.plan else {
        return Err(not_clean(&model));
    };
    let as_of = as_of(state, &draft);
    let shown = as_of.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let evaluator = Evaluator::new(plan, as_of);
    let mut scratch = LeadScratch::default();
    let rows: Vec<Value> = state
        .sample
        .iter()
        .map(|record| match record.to_lead_in(plan, &[], &mut scratch) {
            Ok(lead) => {
                let outcome = evaluator.evaluate(lead);
                json!({
                    "line": record.line,
                    "result": lead_json(plan, &lead.id, &outcome, true),
                    "explanation": explanation(plan, lead, &outcome, &shown),
                })
            }
            Err(problem) => json!({
                "line": record.line,
                "error": problem.at("sample", record.line, &record.raw).to_string(),
            }),
        })
        .collect();
    let groups: Vec<&str> = plan.groups.iter().map(|g| g.name.as_str()).collect();
    Ok(json!({
        "hash": hash_files(&model.files),
        "as_of": shown,
        "groups": groups,
        "rows": rows,
    }))
}

pub async fn diff(AxumState(state): AxumState<Arc<State>>, request: Request) -> Response {
    with_draft(state, request, diff_sample).await
}

fn diff_sample(state: &State, draft: Draft) -> Result<Value, ApiError> {
    let model = checked(state, &draft);
    let Some(plan) = &model.plan else {
        return Err(not_clean(&model));
    };
    let saved = state.current();
    let as_of = as_of(state, &draft);
    let old = Version {
        plan: &saved.plan,
        sources: &saved.sources,
        rule_spans: &saved.spans.rules,
    };
    let new = Version {
        plan,
        sources: &model.sources,
        rule_spans: &model.spans.rules,
    };
    // Every lead that moved is listed: the page shows who enters and who
    // leaves each threshold.
    let mut diff = Diff::new(old, new, state.sample.len());
    let before = Evaluator::new(&saved.plan, as_of);
    let after = Evaluator::new(plan, as_of);
    let mut skipped = 0usize;
    let mut scratch = LeadScratch::default();
    for record in &state.sample {
        let Ok(old_lead) = record.to_lead(&saved.plan, &[]) else {
            skipped += 1;
            continue;
        };
        let Ok(new_lead) = record.to_lead_in(plan, &[], &mut scratch) else {
            skipped += 1;
            continue;
        };
        diff.add(
            &old_lead.id,
            &before.evaluate(&old_lead),
            &after.evaluate(new_lead),
        );
    }
    let report = serde_json::to_value(diff.report())
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?;
    Ok(json!({
        "saved_hash": saved.hash,
        "hash": hash_files(&model.files),
        "skipped": skipped,
        "report": report,
    }))
}

pub async fn test(AxumState(state): AxumState<Arc<State>>, request: Request) -> Response {
    with_draft(state, request, run_tests).await
}

fn run_tests(state: &State, draft: Draft) -> Result<Value, ApiError> {
    let model = checked(state, &draft);
    let Some(plan) = &model.plan else {
        return Err(not_clean(&model));
    };
    let mut passed = 0usize;
    let tests: Vec<Value> = model
        .tests
        .iter()
        .map(|case| match run_test(plan, case) {
            Ok(run) => {
                let failures: Vec<Value> = run
                    .failures
                    .iter()
                    .map(|f| {
                        let seen: Vec<String> = values_seen(plan, f, &run)
                            .into_iter()
                            .map(|(name, value)| format!("{name} = {value}"))
                            .collect();
                        json!({ "expect": f.source, "seen": seen })
                    })
                    .collect();
                passed += usize::from(run.passed());
                json!({ "name": case.name, "passed": run.passed(), "failures": failures })
            }
            Err(problem) => json!({
                "name": case.name,
                "passed": false,
                "error": format!("the test's lead cannot be read: {}", problem.expected),
            }),
        })
        .collect();
    Ok(json!({
        "passed": passed,
        "failed": tests.len() - passed,
        "tests": tests,
    }))
}

pub async fn save(AxumState(state): AxumState<Arc<State>>, request: Request) -> Response {
    if state.options.read_only {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "this server was started with `--read-only`: saving is off",
        )
        .into_response();
    }
    with_draft(state, request, save_draft).await
}

fn save_draft(state: &State, draft: Draft) -> Result<Value, ApiError> {
    let model = checked(state, &draft);
    if model.has_errors() {
        return Err(not_clean(&model));
    }
    let Some(base) = &draft.base else {
        return Err(ApiError::bad_param(
            "a save names the hash of the model it edits (`hash`)",
        ));
    };
    let path = &state.options.model;
    let _one_at_a_time = state.writing.lock();
    let on_disk = load_and_check(path)
        .map(|c| hash_files(&c.files))
        .unwrap_or_default();
    if &on_disk != base {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            "the model file changed since this draft was started; reload it, and make the edit again",
        )
        .with(json!({ "hash": on_disk })));
    }
    write_atomically(path, &draft.text).map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("cannot write `{}`: {e}", path.display()),
        )
    })?;
    let saved = load_and_check(path)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e))?;
    match ready(saved) {
        Ok(model) => {
            let hash = model.hash.clone();
            state.install(model);
            Ok(json!({ "hash": hash, "path": path.display().to_string() }))
        }
        // The files it uses changed between the check and the write.
        Err(rejected) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            "the files the model uses changed while it was saved; the previous model goes on serving",
        )
        .with(json!({ "hash": rejected.hash, "diagnostics": rejected.diagnostics }))),
    }
}

/// Writes the model file through a temporary file beside it, renamed over
/// it once complete: a reader sees the old file or the new, never half.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.leadscore-save-{}", std::process::id()));
    let written = (|| {
        let mut file = std::fs::File::create(&temp)?;
        if let Ok(meta) = std::fs::metadata(path) {
            file.set_permissions(meta.permissions())?;
        }
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}
