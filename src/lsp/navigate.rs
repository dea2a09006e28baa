//! Names: hover, go to definition, find references and rename, across the
//! files of a model, from the symbol index of each analysis that read the
//! document.

use std::collections::HashMap;

use lsp_types::{
    GotoDefinitionParams, Hover, HoverContents, HoverParams, Location, MarkupContent, MarkupKind,
    PrepareRenameResponse, ReferenceParams, RenameParams, TextDocumentPositionParams, TextEdit,
    Url, WorkspaceEdit,
};

use super::analysis::Analysis;
use super::{to_value, Answer, Failure, Server};
use crate::ast::{GroupEntry, Item, Outcome, Rule, RuleKind};
use crate::source::Span;
use crate::{Declaration, SymbolKind, KEYWORDS};

/// The declaration at a position: the analysis it was found in, its index
/// there and the span of the name under the cursor.
struct Found<'a> {
    analysis: &'a Analysis,
    decl: usize,
    span: Span,
}

impl Found<'_> {
    fn declaration(&self) -> Option<&Declaration> {
        self.analysis.symbols.declarations.get(self.decl)
    }
}

/// A position in one analysis: the analysis, the file id, the byte offset.
type Place<'a> = (&'a Analysis, usize, usize);

fn find<'a, W: std::io::Write>(
    server: &'a Server<W>,
    at: &TextDocumentPositionParams,
) -> Result<(Vec<Found<'a>>, Vec<Place<'a>>), Failure> {
    let analyses = server.analyses_of(&at.text_document.uri)?;
    let mut found = Vec::new();
    let mut places = Vec::new();
    for (analysis, file) in analyses {
        let offset = analysis.offset(file, at.position);
        places.push((analysis, file, offset));
        if let Some((decl, span)) = analysis.symbols.at(file, offset) {
            found.push(Found {
                analysis,
                decl,
                span,
            });
        }
    }
    Ok((found, places))
}

pub fn hover<W: std::io::Write>(server: &mut Server<W>, p: HoverParams) -> Answer {
    let (found, places) = find(server, &p.text_document_position_params)?;
    if let Some(f) = found.first() {
        if let Some(decl) = f.declaration() {
            return to_value(markdown(describe(f.analysis, decl), f.analysis, f.span));
        }
    }
    for (analysis, file, offset) in places {
        if let Some((text, span)) = rule_at(analysis, file, offset) {
            return to_value(markdown(text, analysis, span));
        }
    }
    Ok(serde_json::Value::Null)
}

fn markdown(value: String, analysis: &Analysis, span: Span) -> Hover {
    Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range: Some(analysis.range(span)),
    }
}

/// At most this many lines of a declaration are quoted in a hover.
const QUOTED_LINES: usize = 12;

fn quote(analysis: &Analysis, span: Span) -> String {
    let text = analysis.checked.sources.text(span);
    let mut lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    if lines.len() > QUOTED_LINES {
        lines.truncate(QUOTED_LINES);
        lines.push("  …");
    }
    format!("```leadscore\n{}\n```", lines.join("\n"))
}

/// What a name is: its kind and declaration, and what belongs to it.
fn describe(analysis: &Analysis, decl: &Declaration) -> String {
    let symbols = &analysis.symbols;
    let mut out = match (decl.kind, decl.parent) {
        (SymbolKind::Property, Some(event)) => {
            let event = symbols
                .declarations
                .get(event)
                .map_or("", |e| e.name.as_str());
            format!("**property** `{}` of the event `{event}`", decl.name)
        }
        (kind, _) => format!("**{}** `{}`", kind.word(), decl.name),
    };
    out.push_str("\n\n");
    out.push_str(&quote(analysis, decl.item));
    match decl.kind {
        SymbolKind::List if decl.from_file.is_some() => {
            out.push_str(&file_values(decl));
        }
        SymbolKind::List if !decl.values.is_empty() => {
            out.push_str(&format!("\n\n{} values", decl.values.len()));
        }
        SymbolKind::Event if !decl.values.is_empty() => {
            out.push_str(&format!(
                "\n\nkey values in the model: {}",
                decl.values.join(", ")
            ));
        }
        SymbolKind::Field if decl.keyed => {
            out.push_str("\n\nread from the record key given by `as`");
        }
        _ => {}
    }
    if let Some(path) = analysis
        .files
        .get(decl.span.file)
        .filter(|_| decl.span.file != 0)
    {
        // Named as the model's `use` does: relative to its directory.
        let dir = analysis.files.first().and_then(|root| root.parent());
        let shown = dir.and_then(|d| path.strip_prefix(d).ok()).unwrap_or(path);
        out.push_str(&format!("\n\ndeclared in `{}`", shown.display()));
    }
    out
}

/// The values a list read from its file: how many, and the first few.
fn file_values(decl: &Declaration) -> String {
    const SHOWN: usize = 10;
    let file = decl.from_file.as_deref().unwrap_or("");
    if decl.values.is_empty() {
        return format!("\n\nno values read from `{file}`");
    }
    let mut shown: Vec<String> = decl
        .values
        .iter()
        .take(SHOWN)
        .map(|v| format!("`{v}`"))
        .collect();
    if decl.values.len() > SHOWN {
        shown.push(format!("… and {} more", decl.values.len() - SHOWN));
    }
    format!(
        "\n\n{} value{} from `{file}`: {}",
        decl.values.len(),
        if decl.values.len() == 1 { "" } else { "s" },
        shown.join(", ")
    )
}

/// The rule around an offset: its points and its group.
fn rule_at(analysis: &Analysis, file: usize, offset: usize) -> Option<(String, Span)> {
    let inside = |s: Span| s.file == file && s.start <= offset && offset <= s.end;
    for item in &analysis.checked.items {
        match item {
            Item::Rule(r) if inside(r.span) => return Some((rule_text(r, None), r.span)),
            Item::Group(g) if inside(g.span) => {
                for entry in &g.entries {
                    if let GroupEntry::Rule(r) = entry {
                        if inside(r.span) {
                            return Some((rule_text(r, Some(&g.name.node)), r.span));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    None
}

fn rule_text(rule: &Rule, group: Option<&str>) -> String {
    let what = match &rule.kind {
        RuleKind::When {
            outcome: Outcome::Points(p),
            ..
        } => format!("{:+} points when the condition holds", p.node),
        RuleKind::When {
            outcome: Outcome::Disqualify(reason),
            ..
        } => format!("disqualifies the lead: \"{}\"", reason.node),
        RuleKind::Each { points, .. } => {
            format!("{:+} points for each matching event", points.node)
        }
    };
    let place = match group {
        Some(g) => format!("in the group `{g}`"),
        None => "outside any group (counts toward the total)".to_string(),
    };
    let name = rule
        .name
        .as_ref()
        .map(|n| format!(" \"{}\"", n.node))
        .unwrap_or_default();
    format!("**rule**{name}: {what}, {place}")
}

pub fn definition<W: std::io::Write>(server: &mut Server<W>, p: GotoDefinitionParams) -> Answer {
    let (found, places) = find(server, &p.text_document_position_params)?;
    let Some(f) = found.first() else {
        return match places
            .first()
            .and_then(|&(a, file, offset)| used_file(a, file, offset))
        {
            Some(location) => to_value(location),
            None => Ok(serde_json::Value::Null),
        };
    };
    let Some(decl) = f.declaration() else {
        return Ok(serde_json::Value::Null);
    };
    match f.analysis.uri(decl.span.file) {
        Some(uri) => to_value(Location::new(uri, f.analysis.range(decl.span))),
        None => Ok(serde_json::Value::Null),
    }
}

pub fn references<W: std::io::Write>(server: &mut Server<W>, p: ReferenceParams) -> Answer {
    let (found, _) = find(server, &p.text_document_position)?;
    let mut locations: Vec<Location> = Vec::new();
    for f in &found {
        let Some(decl) = f.declaration() else {
            continue;
        };
        let declared: Vec<Span> = f
            .analysis
            .symbols
            .declarations
            .iter()
            .filter(|d| d.name == decl.name && d.kind == decl.kind)
            .map(|d| d.span)
            .collect();
        for span in f.analysis.symbols.occurrences(f.decl) {
            if !p.context.include_declaration && declared.contains(&span) {
                continue;
            }
            if let Some(uri) = f.analysis.uri(span.file) {
                let location = Location::new(uri, f.analysis.range(span));
                if !locations.contains(&location) {
                    locations.push(location);
                }
            }
        }
    }
    to_value(locations)
}

/// The file a `use` at an offset brings in, when the model read it (a
/// path the loader refused leads nowhere).
fn used_file(analysis: &Analysis, file: usize, offset: usize) -> Option<Location> {
    let parsed = crate::parse_recovering(file, analysis.text(file)).ast;
    let path = parsed?.items.into_iter().find_map(|item| match item {
        Item::Use(path) if path.span.start <= offset && offset <= path.span.end => Some(path),
        _ => None,
    })?;
    let dir = analysis.files.get(file)?.parent()?;
    let target = dir.join(&path.node).canonicalize().ok()?;
    let id = analysis.file_id(&target)?;
    let start = analysis.range(Span::new(id, 0, 0));
    Some(Location::new(analysis.uri(id)?, start))
}

/// Why a name cannot be renamed, if it cannot.
fn not_renameable(decl: &Declaration) -> Option<String> {
    match decl.kind {
        SymbolKind::Event => Some(format!(
            "the event `{}` is not renamed: its name is the `type` of events in the data, which would no longer match",
            decl.name
        )),
        SymbolKind::Property => Some(format!(
            "the property `{}` is not renamed: it is a key of events in the data, which would no longer match",
            decl.name
        )),
        _ => None,
    }
}

/// The declaration a rename at a position would rename, or why none.
fn renamed<'f, 'a>(found: &'f [Found<'a>]) -> Result<(&'f Found<'a>, &'f Declaration), Failure> {
    let decl = found.first().and_then(|f| Some((f, f.declaration()?)));
    let Some((f, decl)) = decl else {
        return Err(Failure::refused("there is no declared name here to rename"));
    };
    match not_renameable(decl) {
        Some(why) => Err(Failure::refused(why)),
        None => Ok((f, decl)),
    }
}

pub fn prepare_rename<W: std::io::Write>(
    server: &mut Server<W>,
    p: TextDocumentPositionParams,
) -> Answer {
    let (found, _) = find(server, &p)?;
    let (f, decl) = renamed(&found)?;
    to_value(PrepareRenameResponse::RangeWithPlaceholder {
        range: f.analysis.range(f.span),
        placeholder: decl.name.clone(),
    })
}

/// Why `new` cannot be the new name, if it cannot.
fn bad_new_name(analysis: &Analysis, new: &str) -> Option<String> {
    let identifier = new
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && new.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !identifier {
        return Some(format!(
            "`{new}` is not a name: a name is a letter or `_` followed by letters, digits and `_`"
        ));
    }
    if KEYWORDS.contains(&new) || matches!(new, "disqualified" | "members") {
        return Some(format!("`{new}` is a keyword of the language"));
    }
    let symbols = &analysis.symbols;
    if let Some(other) = symbols
        .lookup(new)
        .and_then(|i| symbols.declarations.get(i))
    {
        return Some(format!(
            "`{new}` is already declared: it is the {} `{}`",
            other.kind.word(),
            other.name
        ));
    }
    if symbols.words.iter().any(|w| w.eq_ignore_ascii_case(new)) {
        return Some(format!(
            "`{new}` is written as a bare word in the model (a text value): the new name would be read as that value's name"
        ));
    }
    None
}

pub fn rename<W: std::io::Write>(server: &mut Server<W>, p: RenameParams) -> Answer {
    let (found, _) = find(server, &p.text_document_position)?;
    let (_, decl) = renamed(&found)?;
    let new = p.new_name.as_str();
    if new == decl.name {
        return to_value(WorkspaceEdit::default());
    }
    for f in &found {
        if let Some(why) = bad_new_name(f.analysis, new) {
            return Err(Failure::refused(format!(
                "cannot rename `{}`: {why}",
                decl.name
            )));
        }
    }
    let mut changes: HashMap<Url, Vec<TextEdit>> = HashMap::new();
    let mut add = |uri: Url, edit: TextEdit| {
        let edits = changes.entry(uri).or_default();
        if !edits.contains(&edit) {
            edits.push(edit);
        }
    };
    for f in &found {
        let Some(decl) = f.declaration() else {
            continue;
        };
        for span in f.analysis.symbols.occurrences(f.decl) {
            if let Some(uri) = f.analysis.uri(span.file) {
                add(uri, TextEdit::new(f.analysis.range(span), new.to_string()));
            }
        }
        // Records still carry the old key: a field without `as` reads it
        // under its new name by naming the old one.
        for d in &f.analysis.symbols.declarations {
            let same = d.kind == SymbolKind::Field && d.name == decl.name && !d.keyed;
            if let (true, Some(ty)) = (same && decl.kind == SymbolKind::Field, d.ty) {
                if let Some(uri) = f.analysis.uri(ty.file) {
                    let at = Span::new(ty.file, ty.end, ty.end);
                    add(
                        uri,
                        TextEdit::new(f.analysis.range(at), format!(" as \"{}\"", decl.name)),
                    );
                }
            }
        }
    }
    to_value(WorkspaceEdit::new(changes))
}
