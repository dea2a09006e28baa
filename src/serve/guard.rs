//! Who may ask what. Every request's `Host` must name this server (the
//! listen address, a loopback name, or a name given with `--allow-host`),
//! so that a web page cannot reach a server on loopback by renaming
//! itself (DNS rebinding); a request that changes something must not come
//! from a foreign page (`Origin`); with `--token`, every path but
//! `/healthz` needs the token, as a bearer header or as the cookie the
//! workbench sets once the token is typed. CORS answers only for the
//! origins given with `--cors`.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::errors::{as_json_error, ApiError, MODEL_HASH};
use super::state::State;

/// The paths that answer without the token: the health check, and the
/// one the workbench's sign-in form sends the token to.
const OPEN: &[&str] = &["/healthz", "/v1/session"];

/// The cookie that carries the token for the workbench.
pub const COOKIE: &str = "leadscore_token";

#[derive(Clone)]
pub struct Guard {
    pub state: Arc<State>,
    /// The address the server is bound to.
    pub bound: SocketAddr,
}

/// Two texts equal, compared in a time that does not depend on where they
/// differ: both are hashed, and the hashes compared byte by byte in full.
pub fn same_secret(given: &str, expected: &str) -> bool {
    let (a, b) = (
        Sha256::digest(given.as_bytes()),
        Sha256::digest(expected.as_bytes()),
    );
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// The token a request carries, from `Authorization: Bearer` or the cookie.
fn token_of(headers: &HeaderMap) -> Option<String> {
    if let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        if let Some(token) = value.strip_prefix("Bearer ") {
            return Some(token.trim().to_string());
        }
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_string())
}

fn host_name(host: &str) -> &str {
    // `[::1]:8080`, `localhost:8080`, `127.0.0.1`
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or("");
    }
    host.rsplit_once(':').map_or(host, |(name, _)| name)
}

fn loopback_name(name: &str) -> bool {
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl Guard {
    fn host_allowed(&self, headers: &HeaderMap) -> bool {
        let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
            // HTTP/1.0 without a Host: nothing to check against.
            return true;
        };
        let name = host_name(host.trim());
        loopback_name(name)
            || host.trim() == self.bound.to_string()
            || name == self.bound.ip().to_string()
            || self
                .state
                .options
                .allow_hosts
                .iter()
                .any(|h| h.eq_ignore_ascii_case(name))
    }

    /// A request that changes nothing, from anywhere; one that does, only
    /// from this server's own page or an origin given with `--cors`.
    fn origin_allowed(&self, method: &Method, headers: &HeaderMap) -> bool {
        if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
            return true;
        }
        let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
            return true;
        };
        let own = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|host| origin == format!("http://{host}"));
        own || self.cors_allows(origin)
    }

    fn cors_allows(&self, origin: &str) -> bool {
        self.state.options.cors.iter().any(|o| o == origin)
    }

    fn token_ok(&self, headers: &HeaderMap) -> bool {
        match &self.state.options.token {
            None => true,
            Some(expected) => token_of(headers).is_some_and(|t| same_secret(&t, expected)),
        }
    }
}

/// The checks of every request, and what every answer carries.
pub async fn check(guard: Guard, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let refused = if !guard.host_allowed(headers) {
        Some(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "the Host header does not name this server; call it by its listen address, a loopback name, or a name given with `--allow-host`",
        ))
    } else if !guard.origin_allowed(request.method(), headers) {
        Some(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "a page of another origin may not change anything here; give its origin with `--cors` to allow it",
        ))
    } else {
        None
    };
    let cors = origin.filter(|o| guard.cors_allows(o));
    let path = request.uri().path().to_string();
    let mut response = match refused {
        Some(error) => error.into_response(),
        None if request.method() == Method::OPTIONS && cors.is_some() => {
            StatusCode::NO_CONTENT.into_response()
        }
        None if !OPEN.contains(&path.as_str()) && !guard.token_ok(request.headers()) => {
            if path == "/" && request.method() == Method::GET {
                let mut page = Html(super::assets::LOGIN).into_response();
                *page.status_mut() = StatusCode::UNAUTHORIZED;
                page
            } else {
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "this server needs its token: send `Authorization: Bearer TOKEN`",
                )
                .into_response()
            }
        }
        None => next.run(request).await,
    };
    response = as_json_error(response);
    let headers = response.headers_mut();
    if !headers.contains_key(MODEL_HASH) {
        if let Ok(hash) = HeaderValue::from_str(&guard.state.current().hash) {
            headers.insert(MODEL_HASH, hash);
        }
    }
    if let Some(origin) = cors.and_then(|o| HeaderValue::from_str(&o).ok()) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("authorization, content-type"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, PUT, OPTIONS"),
        );
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(MODEL_HASH),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("s3cret", "s3cret"));
        assert!(!same_secret("s3cret", "s3cres"));
        assert!(!same_secret("", "s3cret"));
    }

    #[test]
    fn host_names() {
        assert_eq!(host_name("[::1]:8080"), "::1");
        assert_eq!(host_name("localhost:8080"), "localhost");
        assert_eq!(host_name("example.com"), "example.com");
        assert!(loopback_name("127.0.0.2"));
        assert!(!loopback_name("evil.example"));
    }
}
