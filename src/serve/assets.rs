//! The workbench page, served from the binary: no file of it is read at
//! run time and nothing comes from another server. `web/` holds its
//! sources and the build script; the built bundle is committed, so
//! building leadscore needs no Node.

use axum::http::{header, HeaderValue};
use axum::response::{Html, IntoResponse, Response};

/// The page.
const PAGE: &str = include_str!("../../web/index.html");
/// The editor and the page's code, bundled (`web/build.sh`).
const SCRIPT: &str = include_str!("../../web/dist/workbench.js");
const STYLE: &str = include_str!("../../web/workbench.css");
/// The sign-in form, for a server with `--token` asked without it.
pub const LOGIN: &str = include_str!("../../web/login.html");

pub async fn page() -> Response {
    Html(PAGE).into_response()
}

pub async fn script() -> Response {
    with_type(SCRIPT, "text/javascript; charset=utf-8")
}

pub async fn style() -> Response {
    with_type(STYLE, "text/css; charset=utf-8")
}

fn with_type(body: &'static str, kind: &'static str) -> Response {
    let mut response = body.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}
