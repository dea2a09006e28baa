//! Semantic tokens, of the whole document or of a range: comments, text,
//! numbers (with points, durations, dates, percentages) and keywords from
//! a scan of the text, and names coloured by what they resolve to in the
//! symbol index (a field, an event, a list, ...), declarations marked as
//! such.

use lsp_types::{
    Range, SemanticToken, SemanticTokenModifier, SemanticTokenType, SemanticTokens,
    SemanticTokensLegend, SemanticTokensParams, SemanticTokensRangeParams, Url,
};

use super::documents::Document;
use super::{to_value, Answer, Server};
use crate::{SymbolIndex, SymbolKind, KEYWORDS};

/// The token types, in the legend's order.
const TYPES: &[SemanticTokenType] = &[
    SemanticTokenType::COMMENT,
    SemanticTokenType::STRING,
    SemanticTokenType::NUMBER,
    SemanticTokenType::KEYWORD,
    SemanticTokenType::PROPERTY,
    SemanticTokenType::EVENT,
    SemanticTokenType::PARAMETER,
    SemanticTokenType::ENUM,
    SemanticTokenType::FUNCTION,
    SemanticTokenType::NAMESPACE,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::ENUM_MEMBER,
];

#[derive(Clone, Copy)]
enum Ty {
    Comment = 0,
    Text = 1,
    Number = 2,
    Keyword = 3,
    Field = 4,
    Event = 5,
    Property = 6,
    List = 7,
    Let = 8,
    Group = 9,
    Output = 10,
    Label = 11,
}

pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TYPES.to_vec(),
        token_modifiers: vec![SemanticTokenModifier::DECLARATION],
    }
}

fn of_kind(kind: SymbolKind) -> Ty {
    match kind {
        SymbolKind::Field => Ty::Field,
        SymbolKind::Event => Ty::Event,
        SymbolKind::Property => Ty::Property,
        SymbolKind::List => Ty::List,
        SymbolKind::Let => Ty::Let,
        SymbolKind::Group => Ty::Group,
        SymbolKind::Threshold => Ty::Output,
        SymbolKind::Label => Ty::Label,
    }
}

pub fn tokens<W: std::io::Write>(server: &mut Server<W>, p: SemanticTokensParams) -> Answer {
    tokens_within(server, &p.text_document.uri, None)
}

/// The tokens that overlap a range of the document (an editor colours
/// what is on screen first).
pub fn range<W: std::io::Write>(server: &mut Server<W>, p: SemanticTokensRangeParams) -> Answer {
    tokens_within(server, &p.text_document.uri, Some(p.range))
}

fn tokens_within<W: std::io::Write>(
    server: &mut Server<W>,
    uri: &Url,
    range: Option<Range>,
) -> Answer {
    let doc = server.doc(uri)?;
    let analyses = server.analyses_of(uri)?;
    let empty = SymbolIndex::default();
    let (symbols, file) = analyses
        .first()
        .map_or((&empty, 0), |(a, f)| (&a.symbols, *f));
    let mut raw = scan(&doc.text, |start| {
        symbols.at(file, start).and_then(|(decl, span)| {
            let d = symbols.declarations.get(decl)?;
            (span.start == start).then_some((of_kind(d.kind), d.span == span))
        })
    });
    if let Some(range) = range {
        let (from, to) = (doc.offset(range.start), doc.offset(range.end));
        raw.retain(|&(start, end, _, _)| start < to && end > from);
    }
    to_value(SemanticTokens {
        result_id: None,
        data: encode(doc, &raw),
    })
}

/// One token: byte range, type, whether it declares.
type Raw = (usize, usize, Ty, bool);

/// Scans the text into tokens; `name` classifies a name starting at an offset.
fn scan(text: &str, name: impl Fn(usize) -> Option<(Ty, bool)>) -> Vec<Raw> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    let mut previous: Option<char> = None;
    while let Some((i, c)) = chars.next() {
        let until = |stop: &dyn Fn(char) -> bool,
                     chars: &mut std::iter::Peekable<std::str::CharIndices>| {
            let mut end = i + c.len_utf8();
            while let Some(&(j, d)) = chars.peek() {
                if stop(d) {
                    break;
                }
                end = j + d.len_utf8();
                chars.next();
            }
            end
        };
        let signed_number = matches!(c, '+' | '-')
            && chars.peek().is_some_and(|(_, d)| d.is_ascii_digit())
            && !previous.is_some_and(|p| p.is_ascii_alphanumeric());
        if c == '#' {
            let end = until(&|d| d == '\n' || d == '\r', &mut chars);
            out.push((i, end, Ty::Comment, false));
        } else if c == '"' {
            let mut end = i + 1;
            let mut escaped = false;
            while let Some(&(j, d)) = chars.peek() {
                if d == '\n' {
                    break;
                }
                chars.next();
                end = j + d.len_utf8();
                if escaped {
                    escaped = false;
                } else if d == '\\' {
                    escaped = true;
                } else if d == '"' {
                    break;
                }
            }
            out.push((i, end, Ty::Text, false));
        } else if c.is_ascii_digit() || signed_number {
            let end = until(
                &|d| !(d.is_ascii_alphanumeric() || matches!(d, '_' | '.' | ':' | '%' | '-' | '+')),
                &mut chars,
            );
            out.push((i, end, Ty::Number, false));
        } else if c.is_ascii_alphabetic() || c == '_' {
            let end = until(&|d| !(d.is_ascii_alphanumeric() || d == '_'), &mut chars);
            let word = text.get(i..end).unwrap_or_default();
            if KEYWORDS.contains(&word) {
                out.push((i, end, Ty::Keyword, false));
            } else if let Some((ty, declares)) = name(i) {
                out.push((i, end, ty, declares));
            }
        }
        // The character just before the next token (after what was consumed).
        let next = chars.peek().map_or(text.len(), |&(j, _)| j);
        previous = text.get(..next).and_then(|t| t.chars().last());
    }
    out
}

/// Tokens as LSP sends them: each relative to the one before, in the
/// client's position encoding.
fn encode(doc: &Document, raw: &[Raw]) -> Vec<SemanticToken> {
    let mut data = Vec::with_capacity(raw.len());
    let (mut line, mut column) = (0u32, 0u32);
    for &(start, end, ty, declares) in raw {
        let from = doc.position(start);
        let to = doc.position(end);
        if to.line != from.line || to.character <= from.character {
            continue;
        }
        let delta_line = from.line - line;
        let delta_start = if delta_line == 0 {
            from.character - column
        } else {
            from.character
        };
        data.push(SemanticToken {
            delta_line,
            delta_start,
            length: to.character - from.character,
            token_type: ty as u32,
            token_modifiers_bitset: u32::from(declares),
        });
        line = from.line;
        column = from.character;
    }
    data
}
