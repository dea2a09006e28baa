//! The outline of a file (document symbols): the schema and its fields,
//! events and their properties, lists, lets, rules, groups with their
//! rules, decay, total, thresholds, labels with their values, tests and
//! the account block. It is made from the file's own parse, the items that
//! parsed when others did not, so a file being typed keeps its outline.

use lsp_types::{DocumentSymbol, DocumentSymbolParams, DocumentSymbolResponse, SymbolKind};

use super::documents::Document;
use super::{to_value, Answer, Server};
use crate::ast::{AccountEntry, GroupEntry, Item, LabelBody, Rule};
use crate::source::Span;

pub fn document_symbols<W: std::io::Write>(
    server: &mut Server<W>,
    p: DocumentSymbolParams,
) -> Answer {
    let doc = server.doc(&p.text_document.uri)?;
    let (parsed, _) = crate::parse_recovering(0, &doc.text);
    let outline = Outline { doc };
    let symbols: Vec<DocumentSymbol> = parsed
        .map(|f| f.items)
        .unwrap_or_default()
        .iter()
        .filter_map(|item| outline.item(item))
        .collect();
    to_value(DocumentSymbolResponse::Nested(symbols))
}

struct Outline<'d> {
    doc: &'d Document,
}

impl Outline<'_> {
    // `deprecated` is a required field of the type, itself deprecated.
    #[allow(deprecated)]
    fn symbol(
        &self,
        name: &str,
        detail: Option<String>,
        kind: SymbolKind,
        span: Span,
        selection: Span,
        children: Vec<DocumentSymbol>,
    ) -> DocumentSymbol {
        DocumentSymbol {
            name: if name.trim().is_empty() {
                "_".to_string()
            } else {
                name.to_string()
            },
            detail,
            kind,
            tags: None,
            deprecated: None,
            range: self.doc.range(span.start, span.end),
            selection_range: self.doc.range(selection.start, selection.end),
            children: (!children.is_empty()).then_some(children),
        }
    }

    /// Source text of a span on one line, shortened.
    fn text(&self, span: Span) -> String {
        const LONGEST: usize = 60;
        let text = self.doc.text.get(span.start..span.end).unwrap_or_default();
        let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if one_line.chars().count() > LONGEST {
            let short: String = one_line.chars().take(LONGEST).collect();
            format!("{short}…")
        } else {
            one_line
        }
    }

    fn rule(&self, rule: &Rule) -> DocumentSymbol {
        let name = match &rule.name {
            Some(n) => n.node.clone(),
            None => self.text(rule.span),
        };
        let detail = rule.name.as_ref().map(|_| self.text(rule.span));
        self.symbol(
            &name,
            detail,
            SymbolKind::METHOD,
            rule.span,
            rule.span,
            Vec::new(),
        )
    }

    fn item(&self, item: &Item) -> Option<DocumentSymbol> {
        Some(match item {
            Item::Use(path) => self.symbol(
                &format!("use \"{}\"", path.node),
                None,
                SymbolKind::FILE,
                path.span,
                path.span,
                Vec::new(),
            ),
            Item::Lead(fields) => {
                let children = fields
                    .node
                    .iter()
                    .map(|f| {
                        let span = f.name.span.to(f.ty.span);
                        let ty = self.text(f.ty.span);
                        self.symbol(
                            &f.name.node,
                            Some(ty),
                            SymbolKind::FIELD,
                            span,
                            f.name.span,
                            Vec::new(),
                        )
                    })
                    .collect();
                let head = Span::new(fields.span.file, fields.span.start, fields.span.start + 4);
                self.symbol(
                    "lead",
                    Some("schema".to_string()),
                    SymbolKind::STRUCT,
                    fields.span,
                    head,
                    children,
                )
            }
            Item::Event(e) => {
                let children = e
                    .props
                    .iter()
                    .map(|p| {
                        let span = p.name.span.to(p.ty.span);
                        let ty = self.text(p.ty.span);
                        self.symbol(
                            &p.name.node,
                            Some(ty),
                            SymbolKind::PROPERTY,
                            span,
                            p.name.span,
                            Vec::new(),
                        )
                    })
                    .collect();
                self.symbol(
                    &e.name.node,
                    Some("event".to_string()),
                    SymbolKind::EVENT,
                    e.span,
                    e.name.span,
                    children,
                )
            }
            Item::List(l) => self.symbol(
                &l.name.node,
                Some("list".to_string()),
                SymbolKind::ARRAY,
                l.span,
                l.name.span,
                Vec::new(),
            ),
            Item::Let(l) => self.symbol(
                &l.name.node,
                Some(self.text(l.body.span)),
                SymbolKind::VARIABLE,
                l.span,
                l.name.span,
                Vec::new(),
            ),
            Item::Rule(r) => self.rule(r),
            Item::Group(g) => {
                let children = g
                    .entries
                    .iter()
                    .map(|entry| match entry {
                        GroupEntry::Rule(r) => self.rule(r),
                        GroupEntry::Decay(d) => self.symbol(
                            &self.text(d.span),
                            None,
                            SymbolKind::OPERATOR,
                            d.span,
                            d.span,
                            Vec::new(),
                        ),
                    })
                    .collect();
                self.symbol(
                    &g.name.node,
                    Some("score".to_string()),
                    SymbolKind::NAMESPACE,
                    g.span,
                    g.name.span,
                    children,
                )
            }
            Item::Total(t) => self.symbol(
                "total",
                Some(self.text(t.span)),
                SymbolKind::OPERATOR,
                t.span,
                t.span,
                Vec::new(),
            ),
            Item::Decay(d) => self.symbol(
                &self.text(d.span),
                None,
                SymbolKind::OPERATOR,
                d.span,
                d.span,
                Vec::new(),
            ),
            Item::Threshold(t) => self.threshold(t),
            Item::Label(l) => self.label(l),
            Item::Test(t) => self.symbol(
                &t.name.node,
                Some("test".to_string()),
                SymbolKind::FUNCTION,
                t.span,
                t.name.span,
                Vec::new(),
            ),
            Item::Account(a) => {
                let children = a
                    .entries
                    .iter()
                    .map(|entry| match entry {
                        AccountEntry::Rollup(r) => self.symbol(
                            &self.text(r.span),
                            None,
                            SymbolKind::OPERATOR,
                            r.span,
                            r.span,
                            Vec::new(),
                        ),
                        AccountEntry::Rule(r) => self.rule(r),
                        AccountEntry::Threshold(t) => self.threshold(t),
                        AccountEntry::Label(l) => self.label(l),
                    })
                    .collect();
                let head = Span::new(a.span.file, a.span.start, a.span.start + "account".len());
                self.symbol(
                    "account",
                    Some(a.key.field.node.clone()),
                    SymbolKind::CLASS,
                    a.span,
                    head,
                    children,
                )
            }
        })
    }

    fn threshold(&self, t: &crate::ast::Threshold) -> DocumentSymbol {
        let (name, selection) = match &t.name {
            Some(n) => (n.node.clone(), n.span),
            None => ("qualified".to_string(), t.span),
        };
        self.symbol(
            &name,
            Some(self.text(t.span)),
            SymbolKind::BOOLEAN,
            t.span,
            selection,
            Vec::new(),
        )
    }

    fn label(&self, l: &crate::ast::Label) -> DocumentSymbol {
        let values: Vec<&crate::ast::Spanned<String>> = match &l.body {
            LabelBody::From { clauses, .. } => clauses.iter().map(|c| &c.value).collect(),
            LabelBody::Cases(cases) => cases.iter().map(|c| &c.value).collect(),
        };
        let children = values
            .into_iter()
            .map(|v| {
                self.symbol(
                    &v.node,
                    None,
                    SymbolKind::ENUM_MEMBER,
                    v.span,
                    v.span,
                    Vec::new(),
                )
            })
            .collect();
        self.symbol(
            &l.name.node,
            Some("label".to_string()),
            SymbolKind::ENUM,
            l.span,
            l.name.span,
            children,
        )
    }
}
