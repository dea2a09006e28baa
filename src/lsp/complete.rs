//! Completion that reads the text before the cursor for its context:
//! after `FIELD in [` (or `=`, `!=`, a comparison) a `one of` field's
//! values or a label's; after `EVENT(` the key values the model mentions
//! for that event; inside `EVENT(where ...` the event's properties;
//! after `since` the date fields;
//! elsewhere the keywords and every declared name.

use std::sync::LazyLock;

use lsp_types::{CompletionItem, CompletionItemKind, CompletionParams, CompletionResponse};
use regex::Regex;

use super::analysis::Analysis;
use super::{to_value, Answer, Server};
use crate::{SymbolIndex, SymbolKind, KEYWORDS};

/// `seniority in [VP, ` / `grade = ` / `seniority >= `: a value of NAME.
static VALUE_OF: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"([A-Za-z_][A-Za-z0-9_]*)\s+(?:not\s+in|in|=|!=|>=|<=|>|<|between|contains)\s*(?:\[[^\]\n]*)?$").ok()
});

/// `visits(` / `visits([pricing, `: a key value of the event NAME.
static KEY_OF: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"([A-Za-z_][A-Za-z0-9_]*)\(\s*(?:\[[^\]\n]*)?$").ok());

/// `score engagement since ` / `since `: a date field.
static SINCE: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"(?:^|\s)(since)\s+$").ok());

/// `downloads(where kind = pdf and `: a property of the event NAME.
static WHERE_OF: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"([A-Za-z_][A-Za-z0-9_]*)\(\s*where\b[^()\n]*$").ok());

pub fn completion<W: std::io::Write>(server: &mut Server<W>, p: CompletionParams) -> Answer {
    let at = p.text_document_position;
    let doc = server.doc(&at.text_document.uri)?;
    let offset = doc.offset(at.position);
    let before = doc.text.get(..offset).unwrap_or_default();
    // The word being typed is replaced by the item the client picks.
    let typed = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_alphanumeric() || *c == '_')
        .last()
        .map_or(before.len(), |(i, _)| i);
    let context = before.get(..typed).unwrap_or_default();
    // The context is near: a few lines back are enough.
    let mut start = context.len().saturating_sub(400);
    while !context.is_char_boundary(start) {
        start += 1;
    }
    let context = context.get(start..).unwrap_or_default();
    let analyses = server.analyses_of(&at.text_document.uri)?;
    let Some((analysis, _)) = analyses.first() else {
        return to_value(CompletionResponse::Array(keywords()));
    };
    to_value(CompletionResponse::Array(items(analysis, context)))
}

fn capture<'t>(regex: &LazyLock<Option<Regex>>, text: &'t str) -> Option<&'t str> {
    let regex = regex.as_ref()?;
    Some(regex.captures(text)?.get(1)?.as_str())
}

fn items(analysis: &Analysis, context: &str) -> Vec<CompletionItem> {
    let symbols = &analysis.symbols;
    let event = |name: &str| {
        symbols
            .lookup(name)
            .filter(|&i| symbols.declarations.get(i).map(|d| d.kind) == Some(SymbolKind::Event))
    };
    let line = context.rsplit('\n').next().unwrap_or_default();
    if capture(&SINCE, line).is_some() {
        return symbols
            .declarations
            .iter()
            .filter(|d| d.kind == SymbolKind::Field)
            .filter(|d| {
                d.ty.is_some_and(|ty| analysis.checked.sources.text(ty) == "date")
            })
            .map(|d| item(&d.name, CompletionItemKind::FIELD, "field: date"))
            .collect();
    }
    if let Some(e) = capture(&WHERE_OF, line).and_then(event) {
        let mut items: Vec<CompletionItem> = symbols
            .properties(e)
            .map(|(_, p)| item(&p.name, CompletionItemKind::PROPERTY, "property"))
            .collect();
        items.extend(["and", "or", "not"].map(keyword));
        return items;
    }
    if let Some(e) = capture(&KEY_OF, line).and_then(event) {
        let mut items = values(symbols.declarations.get(e).map(|d| d.values.as_slice()));
        items.extend(lists(symbols));
        if !line.trim_end().ends_with('[') && !line.contains(',') {
            items.push(keyword("where"));
        }
        return items;
    }
    if let Some(name) = capture(&VALUE_OF, line) {
        if let Some(decl) = symbols
            .lookup(name)
            .and_then(|i| symbols.declarations.get(i))
        {
            if matches!(decl.kind, SymbolKind::Field | SymbolKind::Label) {
                let mut items = values(Some(&decl.values));
                items.extend(lists(symbols));
                return items;
            }
        }
    }
    let mut items = keywords();
    for d in &symbols.declarations {
        let (kind, detail) = match d.kind {
            SymbolKind::Field => (CompletionItemKind::FIELD, "field"),
            SymbolKind::Event => (CompletionItemKind::EVENT, "event"),
            SymbolKind::Property => continue,
            SymbolKind::List => (CompletionItemKind::ENUM, "list"),
            SymbolKind::Let => (CompletionItemKind::VARIABLE, "let"),
            SymbolKind::Group => (CompletionItemKind::MODULE, "group"),
            SymbolKind::Threshold => (CompletionItemKind::CONSTANT, "threshold"),
            SymbolKind::Label => (CompletionItemKind::ENUM, "label"),
        };
        let detail = match d.ty {
            Some(ty) => format!("{detail}: {}", analysis.checked.sources.text(ty)),
            None => detail.to_string(),
        };
        if !items.iter().any(|i| i.label == d.name) {
            items.push(item(&d.name, kind, &detail));
        }
        if d.kind == SymbolKind::Event {
            items.push(item(&format!("{}s", d.name), kind, "event count"));
        }
    }
    items
}

fn item(label: &str, kind: CompletionItemKind, detail: &str) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail: Some(detail.to_string()),
        ..CompletionItem::default()
    }
}

fn keyword(word: &str) -> CompletionItem {
    item(word, CompletionItemKind::KEYWORD, "keyword")
}

fn keywords() -> Vec<CompletionItem> {
    KEYWORDS.iter().map(|k| keyword(k)).collect()
}

fn lists(symbols: &SymbolIndex) -> impl Iterator<Item = CompletionItem> + '_ {
    symbols
        .declarations
        .iter()
        .filter(|d| d.kind == SymbolKind::List)
        .map(|d| item(&d.name, CompletionItemKind::ENUM, "list"))
}

/// Values as constants: a bare word where one can stand, else quoted.
fn values(values: Option<&[String]>) -> Vec<CompletionItem> {
    values
        .unwrap_or_default()
        .iter()
        .map(|v| {
            let bare = v
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !KEYWORDS.contains(&v.as_str());
            let mut i = item(v, CompletionItemKind::ENUM_MEMBER, "value");
            if !bare {
                i.insert_text = Some(format!("{v:?}"));
            }
            i
        })
        .collect()
}
