//! The routes of the server and the layers around them. `docs/openapi.yaml`
//! describes the same routes; a test (`tests/serve_openapi.rs`) reads the
//! `.route(...)` calls below and keeps the two in step.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State as AxumState};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};

use super::errors::{json_response, ApiError};
use super::guard::{same_secret, Guard, COOKIE};
use super::state::{Model, State};
use super::{assets, score, workbench};
use crate::plan::Output;

/// The longest a body may pause between two pieces.
const BODY_PAUSE: Duration = Duration::from_secs(10);
/// The longest a request may take in all.
const REQUEST_TIME: Duration = Duration::from_secs(120);

pub fn app(state: Arc<State>, bound: SocketAddr) -> Router {
    let guard = Guard {
        state: state.clone(),
        bound,
    };
    Router::new()
        .route("/", get(assets::page))
        .route("/workbench.js", get(assets::script))
        .route("/workbench.css", get(assets::style))
        .route("/healthz", get(healthz))
        .route("/v1/model", get(model))
        .route("/v1/score", post(score::score))
        .route("/v1/session", post(session))
        .route("/v1/workbench/source", get(workbench::source))
        .route("/v1/workbench/check", post(workbench::check))
        .route("/v1/workbench/score", post(workbench::score))
        .route("/v1/workbench/diff", post(workbench::diff))
        .route("/v1/workbench/test", post(workbench::test))
        .route("/v1/workbench/save", post(workbench::save))
        .with_state(state)
        .layer(RequestBodyTimeoutLayer::new(BODY_PAUSE))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIME,
        ))
        .layer(axum::middleware::from_fn(move |request, next| {
            super::guard::check(guard.clone(), request, next)
        }))
}

async fn healthz() -> Response {
    json_response(StatusCode::OK, &json!({ "status": "ok" }))
}

/// What `/v1/model` says of a model.
pub fn describe(model: &Model) -> Value {
    let plan = &model.plan;
    let thresholds: Vec<&str> = plan
        .outputs
        .iter()
        .filter(|o| matches!(o, Output::Threshold { .. }))
        .map(|o| o.name())
        .collect();
    let labels: Vec<Value> = plan
        .outputs
        .iter()
        .filter_map(|o| match o {
            Output::Label { values, .. } => Some(json!({ "name": o.name(), "values": values })),
            Output::Threshold { .. } => None,
        })
        .collect();
    json!({
        "hash": model.hash,
        "groups": plan.groups.iter().map(|g| g.name.as_str()).collect::<Vec<_>>(),
        "thresholds": thresholds,
        "labels": labels,
    })
}

async fn model(AxumState(state): AxumState<Arc<State>>) -> Response {
    let current = state.current();
    let mut body = describe(&current);
    body["rejected"] = match state.rejected() {
        Some(r) => json!({ "hash": r.hash, "diagnostics": r.diagnostics }),
        None => Value::Null,
    };
    json_response(StatusCode::OK, &body)
}

/// The workbench's sign-in: the token typed into its form becomes a
/// cookie that only this server's pages send.
async fn session(AxumState(state): AxumState<Arc<State>>, request: Request) -> Response {
    let body = match score::read_body(request.into_body(), 4096).await {
        Ok(body) => body,
        Err(error) => return error.into_response(),
    };
    let token = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("token").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_default();
    let ok = match &state.options.token {
        Some(expected) => same_secret(&token, expected),
        None => true,
    };
    if !ok {
        return ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "that is not this server's token",
        )
        .into_response();
    }
    let mut response = json_response(StatusCode::OK, &json!({ "status": "signed in" }));
    let cookie = format!("{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}
