//! Lowering of literals: constants and lists of them, numbers, durations,
//! dates, instants and quoted text. Values pest accepts but leadscore
//! cannot use (an impossible date, an unknown escape) are reported here.

use chrono::{DateTime, NaiveDate};

use super::{Lowerer, P};
use crate::codes::Code;
use crate::source::Span;
use crate::syntax::ast::{Constant, Duration, DurationUnit, Spanned, ValueSet};
use crate::syntax::grammar::Rule as R;

/// The largest points, bound or clamp a model may write, either way.
const POINTS_LIMIT: f64 = 1e12;

impl Lowerer {
    pub(super) fn lower_value_set(&mut self, pair: P) -> Option<Spanned<ValueSet>> {
        let span = self.span(&pair);
        let inner = pair.into_inner().next()?;
        let set = match inner.as_rule() {
            R::list_literal => ValueSet::Many(self.lower_list_literal(inner)),
            _ => ValueSet::One(self.lower_constant(inner)?.node),
        };
        Some(Spanned::new(set, span))
    }

    pub(super) fn lower_list_literal(&mut self, pair: P) -> Vec<Spanned<Constant>> {
        pair.into_inner()
            .filter(|p| p.as_rule() == R::constant)
            .filter_map(|p| self.lower_constant(p))
            .collect()
    }

    pub(super) fn lower_constant(&mut self, pair: P) -> Option<Spanned<Constant>> {
        let span = self.span(&pair);
        let inner = pair.into_inner().next()?;
        let constant = match inner.as_rule() {
            R::instant => Constant::Instant(self.parse_instant(inner.as_str(), span)?),
            R::date => Constant::Date(self.parse_date(inner.as_str(), span)?),
            R::signed_number => Constant::Number(self.lower_signed(inner).node),
            R::text => Constant::Text(self.lower_text(inner).node),
            R::kw_true => Constant::Bool(true),
            R::kw_false => Constant::Bool(false),
            _ => Constant::Word(inner.as_str().to_string()),
        };
        Some(Spanned::new(constant, span))
    }

    /// Numbers with an optional sign: points, bounds, clamps.
    pub(super) fn lower_signed(&mut self, pair: P) -> Spanned<f64> {
        let span = self.span(&pair);
        Spanned::new(self.parse_number(pair.as_str(), span), span)
    }

    /// Points, bounds, clamps and decay points: within [`POINTS_LIMIT`],
    /// so that no sum of a model's points leaves what `f64` holds exactly
    /// to the cent (E024 beyond it).
    pub(super) fn lower_points(&mut self, pair: P) -> Spanned<f64> {
        let value = self.lower_signed(pair);
        if value.node.abs() > POINTS_LIMIT {
            self.error(
                Code::BadNumber,
                value.span,
                "this number is more than a score can hold".to_string(),
                "too large",
                "points, `max`, `min`, thresholds, label bounds and decay points are at most 1,000,000,000,000 either way; scores are exact to the cent up to there",
            );
            return Spanned::new(value.node.clamp(-POINTS_LIMIT, POINTS_LIMIT), value.span);
        }
        value
    }

    pub(super) fn parse_number(&mut self, text: &str, span: Span) -> f64 {
        let cleaned: String = text.chars().filter(|c| *c != '_').collect();
        match cleaned.parse::<f64>() {
            Ok(v) if v.is_finite() => v,
            _ => {
                self.error(
                    Code::InvalidLiteral,
                    span,
                    format!("`{text}` is not a number leadscore can represent"),
                    "this number",
                    "write a smaller number",
                );
                0.0
            }
        }
    }

    pub(super) fn lower_duration(&mut self, pair: P) -> Spanned<Duration> {
        let span = self.span(&pair);
        let text = pair.as_str();
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (digits, unit) = text.split_at(split);
        let unit = match unit {
            "h" => DurationUnit::Hours,
            "d" => DurationUnit::Days,
            "w" => DurationUnit::Weeks,
            "mo" => DurationUnit::Months,
            _ => DurationUnit::Years,
        };
        let count = match digits.parse::<u32>() {
            Ok(n) if n > 0 && n <= 100_000 => n,
            _ => {
                self.error(
                    Code::InvalidLiteral,
                    span,
                    format!("`{text}` is not a usable duration"),
                    "this duration",
                    "a duration is a whole number from 1 to 100000 with a unit: `30d`, `3mo`",
                );
                1
            }
        };
        Spanned::new(Duration { count, unit }, span)
    }

    pub(super) fn parse_date(&mut self, text: &str, span: Span) -> Option<NaiveDate> {
        match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                self.error(
                    Code::InvalidLiteral,
                    span,
                    format!("`{text}` is not a date in the calendar"),
                    "no such day",
                    "write a real date as YYYY-MM-DD",
                );
                // A stand-in keeps the tree's shape, so the checker does not
                // report the half-parsed condition as well.
                Some(NaiveDate::MIN)
            }
        }
    }

    pub(super) fn parse_instant(
        &mut self,
        text: &str,
        span: Span,
    ) -> Option<DateTime<chrono::FixedOffset>> {
        match crate::time::parse_model_instant(text) {
            Some(t) => Some(t),
            None => {
                self.error(
                    Code::InvalidLiteral,
                    span,
                    format!("`{text}` is not a valid instant"),
                    "no such instant",
                    "write an instant as 2026-01-31T09:30:00Z or with an offset such as +02:00",
                );
                Some(DateTime::<chrono::Utc>::MIN_UTC.fixed_offset())
            }
        }
    }

    /// A text literal with its escapes resolved.
    pub(super) fn lower_text(&mut self, pair: P) -> Spanned<String> {
        let span = self.span(&pair);
        let raw = pair.as_str();
        let body = raw
            .strip_prefix('"')
            .and_then(|r| r.strip_suffix('"'))
            .unwrap_or(raw);
        let mut out = String::with_capacity(body.len());
        let mut chars = body.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            let escape_start = span.start + 1 + i;
            match chars.next() {
                Some((_, '"')) => out.push('"'),
                Some((_, '\\')) => out.push('\\'),
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                Some((_, 'u')) => match unicode_escape(&mut chars) {
                    Some(ch) => out.push(ch),
                    None => {
                        let end = chars
                            .peek()
                            .map(|(j, _)| span.start + 1 + j)
                            .unwrap_or(span.end - 1);
                        self.error(
                            Code::InvalidEscape,
                            Span::new(self.file, escape_start, end.max(escape_start + 2)),
                            "invalid unicode escape in text".to_string(),
                            "expected `\\u{...}` with 1 to 6 hex digits of a valid code point",
                            "write a code point such as `\\u{1F600}`",
                        );
                    }
                },
                Some((j, other)) => {
                    let end = span.start + 1 + j + other.len_utf8();
                    self.error(
                        Code::InvalidEscape,
                        Span::new(self.file, escape_start, end),
                        format!("unknown escape `\\{other}` in text"),
                        "unknown escape",
                        &format!(
                            "to write a backslash, double it: `\\\\{other}`; the escapes are \\\" \\\\ \\n \\t \\u{{...}}"
                        ),
                    );
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            }
        }
        Spanned::new(out, span)
    }
}

fn unicode_escape(chars: &mut std::iter::Peekable<std::str::CharIndices>) -> Option<char> {
    if chars.peek().map(|(_, c)| *c) != Some('{') {
        return None;
    }
    chars.next();
    let mut hex = String::new();
    loop {
        match chars.next() {
            Some((_, '}')) => break,
            Some((_, c)) if c.is_ascii_hexdigit() && hex.len() < 6 => hex.push(c),
            _ => return None,
        }
    }
    u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)
}
