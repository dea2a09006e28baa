//! `POST /v1/score`: one record (`application/json`, an object or an
//! array of objects) or many (`application/x-ndjson`), answered with the
//! objects `score --format ndjson` writes, in the same order.
//!
//! NDJSON is read as it arrives and scored in batches on the blocking
//! pool (several at once, so a batch uses both cores); the answer is sent
//! once every line has been read, because a bad line anywhere fails the
//! whole request with a `422` naming it, as the command line stops at it.

use std::collections::VecDeque;
use std::io::Cursor;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State as AxumState};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http_body_util::BodyExt;

use super::errors::{ApiError, MODEL_HASH};
use super::query::Params;
use super::state::{Model, State};
use crate::time::Instant;
use crate::{read_lead_fast, to_lead, Evaluator, Format, Json, LeadResult, LeadScratch};
use crate::{Outcome, OutputFormat, RawRecord, Records, Rendered, ResultWriter};

/// How records are named in messages, as the command line names a file.
const SOURCE: &str = "request";
/// Lines scored in one batch of an NDJSON request.
const BATCH: usize = 1024;
/// Batches scored at the same time for one request.
const IN_FLIGHT: usize = 4;
/// The most records one request may ask `explain` for.
pub const MAX_EXPLAIN: usize = 1000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Json,
    Ndjson,
}

/// The instant and detail of one request, with the model it uses.
struct Job {
    model: Arc<Model>,
    as_of: Instant,
    explain: bool,
}

impl Job {
    fn evaluator(&self) -> Evaluator<'_> {
        Evaluator::prepared(&self.model.plan, self.as_of, &self.model.prepared)
    }
}

pub async fn score(AxumState(state): AxumState<Arc<State>>, request: Request) -> Response {
    // The model is taken once: every record of the request is scored by it.
    let model = state.current();
    let hash = HeaderValue::from_str(&model.hash).ok();
    let mut response = match answer(&state, model, request).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    };
    if let Some(hash) = hash {
        response.headers_mut().insert(MODEL_HASH, hash);
    }
    response
}

async fn answer(state: &State, model: Arc<Model>, request: Request) -> Result<Response, ApiError> {
    let params = Params::parse(request.uri().query())?;
    let kind = content_kind(request.headers().get(header::CONTENT_TYPE))?;
    let max = state.options.max_body;
    if let Some(length) = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
    {
        if length > max as u64 {
            return Err(over_body_limit(max));
        }
    }
    let job = Job {
        model,
        as_of: params
            .as_of
            .or(state.options.as_of)
            .unwrap_or_else(chrono::Utc::now),
        explain: params.explain,
    };
    let body = request.into_body();
    match kind {
        Kind::Json => {
            let bytes = read_body(body, max).await?;
            let text = std::str::from_utf8(&bytes)
                .map_err(|e| ApiError::bad_json(format!("the body is not UTF-8: {e}")))?;
            score_json(&job, text, state.options.max_lines)
        }
        Kind::Ndjson => score_ndjson(job, body, max, state.options.max_lines).await,
    }
}

fn content_kind(value: Option<&HeaderValue>) -> Result<Kind, ApiError> {
    let text = value.and_then(|v| v.to_str().ok()).unwrap_or("");
    let essence = text
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "application/json" => Ok(Kind::Json),
        "application/x-ndjson" | "application/ndjson" => Ok(Kind::Ndjson),
        _ => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!(
                "Content-Type `{text}` is not one the API reads; send `application/json` (one record, or an array) or `application/x-ndjson` (one record a line)"
            ),
        )),
    }
}

fn over_body_limit(max: usize) -> ApiError {
    ApiError::too_large(format!(
        "the body is over the limit of {max} bytes; split it into several requests, or raise `--max-body`"
    ))
}

fn over_line_limit(max: usize) -> ApiError {
    ApiError::too_large(format!(
        "the request holds more than {max} records; split it, or raise `--max-lines`"
    ))
}

fn over_explain_limit() -> ApiError {
    ApiError::too_large(format!(
        "`explain` is for at most {MAX_EXPLAIN} records a request; ask for fewer"
    ))
}

/// A body read whole, up to `max` bytes.
pub async fn read_body(mut body: Body, max: usize) -> Result<Vec<u8>, ApiError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = next_chunk(&mut body).await? {
        if bytes.len() + chunk.len() > max {
            return Err(over_body_limit(max));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// The next piece of a body; a client too slow to send it is a `408`.
async fn next_chunk(body: &mut Body) -> Result<Option<Bytes>, ApiError> {
    loop {
        match body.frame().await {
            None => return Ok(None),
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    return Ok(Some(data));
                }
            }
            Some(Err(e)) => {
                let text = e.to_string();
                let slow = std::error::Error::source(&e)
                    .is_some_and(|s| s.is::<tower_http::timeout::TimeoutError>())
                    || text.contains("timed out")
                    || text.contains("timeout");
                return Err(if slow {
                    ApiError::new(
                        StatusCode::REQUEST_TIMEOUT,
                        "timeout",
                        "the body stopped arriving; send it without pauses",
                    )
                } else {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "bad_request",
                        format!("the body could not be read: {text}"),
                    )
                });
            }
        }
    }
}

/// One record as a JSON object, or an array of them.
fn score_json(job: &Job, text: &str, max_lines: usize) -> Result<Response, ApiError> {
    let plan = &job.model.plan;
    let evaluator = job.evaluator();
    if text.trim_start().starts_with('[') {
        // Malformed JSON is the request's fault as a whole (400), before
        // any element is read as a record.
        serde_json::from_str::<serde::de::IgnoredAny>(text)
            .map_err(|e| ApiError::bad_json(format!("the body is not a JSON array: {e}")))?;
        let records = Records::new(Cursor::new(text.as_bytes()), Format::JsonArray)
            .map_err(|e| ApiError::bad_json(e.to_string()))?;
        let mut writer = ResultWriter::new(Vec::new(), OutputFormat::Json, plan);
        let mut scratch = LeadScratch::default();
        let mut outcome = Outcome::default();
        for (n, record) in records.enumerate() {
            if n >= max_lines {
                return Err(over_line_limit(max_lines));
            }
            if job.explain && n >= MAX_EXPLAIN {
                return Err(over_explain_limit());
            }
            let record = record.map_err(|e| ApiError::bad_json(e.to_string()))?;
            let rendered = score_record(job, &evaluator, &record, &mut scratch, &mut outcome)?;
            writer.write(rendered).map_err(internal)?;
        }
        let out = writer.finish().map_err(internal)?;
        return Ok(json_bytes(out));
    }
    let lead = match read_lead_fast(plan, text) {
        Some(lead) => lead,
        None => {
            let json: Json = serde_json::from_str(text)
                .map_err(|e| ApiError::bad_json(format!("the body is not a JSON record: {e}")))?;
            if !matches!(json, Json::Object(_)) {
                return Err(ApiError::bad_json(
                    "the body is not a JSON object (one record) or an array of them",
                ));
            }
            to_lead(plan, &json, &[]).map_err(|problem| {
                ApiError::bad_record(problem.at(SOURCE, 1, text).to_string(), 1)
            })?
        }
    };
    let mut outcome = Outcome::default();
    evaluator.evaluate_into(&lead, &mut outcome);
    let rendered = render(job, &lead.id, &outcome)?;
    let mut out = match rendered {
        Rendered::Json(json) => json,
        Rendered::Cells(_) => return Err(internal("a JSON result was laid out as cells")),
    };
    out.push(b'\n');
    Ok(json_bytes(out))
}

fn json_bytes(out: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(out));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn render(job: &Job, id: &serde_json::Value, outcome: &Outcome) -> Result<Rendered, ApiError> {
    job.model
        .layout
        .render_lead(&LeadResult {
            plan: &job.model.plan,
            id,
            outcome,
            explain: job.explain,
        })
        .map_err(internal)
}

fn score_record(
    job: &Job,
    evaluator: &Evaluator,
    record: &RawRecord,
    scratch: &mut LeadScratch,
    outcome: &mut Outcome,
) -> Result<Rendered, ApiError> {
    let lead = record
        .to_lead_in(&job.model.plan, &[], scratch)
        .map_err(|problem| {
            ApiError::bad_record(
                problem.at(SOURCE, record.line, &record.raw).to_string(),
                record.line,
            )
        })?;
    evaluator.evaluate_into(lead, outcome);
    render(job, &lead.id, outcome)
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        format!("the result could not be written: {e}"),
    )
}

/// Scores NDJSON lines `first_line..` of a request, as NDJSON.
fn score_batch(job: &Job, text: &[u8], first_line: usize) -> Result<Vec<u8>, ApiError> {
    let evaluator = job.evaluator();
    let mut out = Vec::with_capacity(text.len() / 2);
    let mut scratch = LeadScratch::default();
    let mut outcome = Outcome::default();
    let records = Records::new(Cursor::new(text), Format::Ndjson).map_err(internal)?;
    for record in records {
        let mut record = record.map_err(internal)?;
        if record.raw.trim().is_empty() {
            continue;
        }
        record.line += first_line - 1;
        match score_record(job, &evaluator, &record, &mut scratch, &mut outcome)? {
            Rendered::Json(json) => out.extend_from_slice(&json),
            Rendered::Cells(_) => return Err(internal("a JSON result was laid out as cells")),
        }
        out.push(b'\n');
    }
    Ok(out)
}

/// Many records, one a line.
async fn score_ndjson(
    job: Job,
    mut body: Body,
    max_body: usize,
    max_lines: usize,
) -> Result<Response, ApiError> {
    let job = Arc::new(job);
    let mut pending: Vec<u8> = Vec::new();
    let mut batch_lines = 0usize;
    let mut lines = 0usize;
    let mut first_line = 1usize;
    let mut received = 0usize;
    let mut running = VecDeque::new();
    let mut done: Vec<Bytes> = Vec::new();
    loop {
        let chunk = next_chunk(&mut body).await?;
        let last = chunk.is_none();
        if let Some(chunk) = &chunk {
            received += chunk.len();
            if received > max_body {
                return Err(over_body_limit(max_body));
            }
            let new_lines = chunk.iter().filter(|b| **b == b'\n').count();
            lines += new_lines;
            batch_lines += new_lines;
            pending.extend_from_slice(chunk);
        }
        let counted = lines + usize::from(last && pending.last().is_some_and(|b| *b != b'\n'));
        if counted > max_lines {
            return Err(over_line_limit(max_lines));
        }
        if job.explain && counted > MAX_EXPLAIN {
            return Err(over_explain_limit());
        }
        if batch_lines >= BATCH || (last && !pending.is_empty()) {
            // Whole lines go to the batch; a line cut by the chunk waits.
            let cut = if last {
                pending.len()
            } else {
                pending
                    .iter()
                    .rposition(|b| *b == b'\n')
                    .map_or(0, |i| i + 1)
            };
            let text: Vec<u8> = pending.drain(..cut).collect();
            let in_batch = text.iter().filter(|b| **b == b'\n').count();
            let start = first_line;
            first_line += in_batch;
            batch_lines = pending.iter().filter(|b| **b == b'\n').count();
            let job = job.clone();
            running.push_back(tokio::task::spawn_blocking(move || {
                score_batch(&job, &text, start)
            }));
            while running.len() >= IN_FLIGHT {
                if let Some(handle) = running.pop_front() {
                    done.push(Bytes::from(joined(handle.await)?));
                }
            }
        }
        if last {
            break;
        }
    }
    while let Some(handle) = running.pop_front() {
        done.push(Bytes::from(joined(handle.await)?));
    }
    let stream = futures_util::stream::iter(done.into_iter().map(Ok::<_, std::io::Error>));
    let mut response = Response::new(Body::from_stream(stream));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson"),
    );
    Ok(response)
}

fn joined(
    result: Result<Result<Vec<u8>, ApiError>, tokio::task::JoinError>,
) -> Result<Vec<u8>, ApiError> {
    result.map_err(internal)?
}
