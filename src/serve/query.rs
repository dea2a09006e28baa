//! The query parameters of a scoring request: `as_of` and `explain`.

use super::errors::ApiError;
use crate::time::{parse_instant, Instant};

#[derive(Debug, Default)]
pub struct Params {
    pub as_of: Option<Instant>,
    pub explain: bool,
}

impl Params {
    /// Reads the query string; an unknown parameter or a value that does
    /// not read is a `bad_param` error, never ignored.
    pub fn parse(query: Option<&str>) -> Result<Params, ApiError> {
        let mut params = Params::default();
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = decode(value).ok_or_else(|| {
                ApiError::bad_param(format!("`{name}` is not percent-encoded UTF-8"))
            })?;
            match name {
                // A `+` of an offset arrives as a space when the caller
                // encoded the query as a form: read it back as `+`.
                "as_of" => {
                    let text = value.trim().replace(' ', "+");
                    params.as_of = Some(parse_instant(&text).ok_or_else(|| {
                        ApiError::bad_param(format!(
                            "`as_of={text}` is not a date or an instant; write a date (2026-11-01) or an RFC 3339 instant (2026-11-01T09:30:00Z)"
                        ))
                    })?);
                }
                "explain" => {
                    params.explain = match value.as_str() {
                        "true" | "" => true,
                        "false" => false,
                        other => {
                            return Err(ApiError::bad_param(format!(
                                "`explain={other}` is not `true` or `false`"
                            )))
                        }
                    }
                }
                other => {
                    return Err(ApiError::bad_param(format!(
                        "unknown parameter `{other}`; the parameters are `as_of` and `explain`"
                    )))
                }
            }
        }
        Ok(params)
    }
}

/// Percent-decoding (a `+` stays a `+`); `None` for a bad escape or bytes
/// that are not UTF-8.
fn decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(query: &str) -> Option<&'static str> {
        Params::parse(Some(query)).err().map(|e| e.code)
    }

    #[test]
    fn offsets_survive_form_encoding() {
        let plus = Params::parse(Some("as_of=2026-11-20T10:00:00%2B02:00")).ok();
        let space = Params::parse(Some("as_of=2026-11-20T10:00:00 02:00")).ok();
        let plus = plus.and_then(|p| p.as_of);
        assert!(plus.is_some());
        assert_eq!(plus, space.and_then(|p| p.as_of));
    }

    #[test]
    fn bad_values_are_errors() {
        assert_eq!(code("explain=yes"), Some("bad_param"));
        assert_eq!(code("as_of=soon"), Some("bad_param"));
        assert_eq!(code("limit=3"), Some("bad_param"));
        assert_eq!(code("as_of=%ZZ"), Some("bad_param"));
        assert!(Params::parse(Some("explain=true")).is_ok_and(|p| p.explain));
    }
}
