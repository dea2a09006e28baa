//! Errors as every answer of the server gives them: a status and a JSON
//! body with a stable `code` and a `message` (and what else helps: the
//! line of a bad record, a model's diagnostics).

use axum::body::Body;
use axum::http::{header, HeaderValue, Response, StatusCode};
use axum::response::IntoResponse;
use serde_json::{json, Value};

/// The header every answer carries: the hash of the model that made it.
pub const MODEL_HASH: &str = "leadscore-model-hash";

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// More members of the body (`line`, `diagnostics`, ...).
    pub more: Option<Box<Value>>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            more: None,
        }
    }

    pub fn with(mut self, more: Value) -> ApiError {
        self.more = Some(Box::new(more));
        self
    }

    pub fn bad_json(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_json", message)
    }

    pub fn bad_param(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_param", message)
    }

    pub fn too_large(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", message)
    }

    /// A record that cannot be scored, worded as the command line words it.
    pub fn bad_record(message: String, line: usize) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_record", message)
            .with(json!({ "line": line }))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> axum::response::Response {
        let mut body = json!({ "code": self.code, "message": self.message });
        if let (Some(more), Value::Object(all)) = (self.more, &mut body) {
            if let Value::Object(more) = *more {
                all.extend(more);
            }
        }
        json_response(self.status, &body)
    }
}

/// A JSON answer.
pub fn json_response(status: StatusCode, body: &Value) -> axum::response::Response {
    let mut bytes = serde_json::to_vec(body).unwrap_or_default();
    bytes.push(b'\n');
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// The code of an error answer that was not made here (a route that does
/// not exist, a method it does not take, a layer's limit or timeout).
fn code_of(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        s if s.is_client_error() => "bad_request",
        _ => "internal",
    }
}

/// Makes an error answer without a JSON body into one, so that every
/// error a client sees has a `code` and a `message`.
pub fn as_json_error(response: axum::response::Response) -> axum::response::Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("text/html"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let message = match status {
        StatusCode::NOT_FOUND => {
            "no such path; the API is under /v1 (see docs/openapi.yaml)".to_string()
        }
        StatusCode::METHOD_NOT_ALLOWED => "this path does not take that method".to_string(),
        StatusCode::REQUEST_TIMEOUT => "the request took too long to arrive".to_string(),
        StatusCode::PAYLOAD_TOO_LARGE => "the request body is over the size limit".to_string(),
        s => s.canonical_reason().unwrap_or("error").to_lowercase(),
    };
    let (parts, _) = response.into_parts();
    let mut answer = ApiError::new(status, code_of(status), message).into_response();
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            answer.headers_mut().insert(name.clone(), value.clone());
        }
    }
    answer
}
