//! The outline of a file (document symbols): the schema and its fields,
//! events and their properties, lists, lets, rules, groups with their
//! rules, decay, total, thresholds, labels with their values, tests and
//! the account block. It is made from the file's own parse, the items that
//! parsed when others did not, so a file being typed keeps its outline.

use lsp_types::{DocumentSymbol, DocumentSymbolParams, DocumentSymbolResponse, SymbolKind};

use super::documents::Document;
use super::{to_value, Answer, Server};
use crate::ast::{AccountEntry, FirstBlock, GroupEntry, Item, LabelBody, Rule};
use crate::source::Span;

pub fn document_symbols<W: std::io::Write>(
    server: &mut Server<W>,
    p: DocumentSymbolParams,
) -> Answer {
    let doc = server.doc(&p.text_document.uri)?;
    let parsed = crate::parse_recovering(0, &doc.text).ast;
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

    fn leaf(
        &self,
        name: &str,
        detail: Option<String>,
        kind: SymbolKind,
        span: Span,
        selection: Span,
    ) -> DocumentSymbol {
        self.symbol(name, detail, kind, span, selection, Vec::new())
    }

    /// A declaration: its name, what it is, its item's span.
    fn named(
        &self,
        name: &crate::ast::Ident,
        what: &str,
        kind: SymbolKind,
        span: Span,
        children: Vec<DocumentSymbol>,
    ) -> DocumentSymbol {
        let detail = Some(what.to_string());
        self.symbol(&name.node, detail, kind, span, name.span, children)
    }

    /// A symbol named by its own source text (a decay, a rollup).
    fn quoted(&self, span: Span, kind: SymbolKind) -> DocumentSymbol {
        self.leaf(&self.text(span), None, kind, span, span)
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
        self.leaf(&name, detail, SymbolKind::METHOD, rule.span, rule.span)
    }

    /// A `first` block, named by its name (else `first`), with its rules
    /// and its `otherwise` in order.
    fn first_block(&self, block: &FirstBlock) -> DocumentSymbol {
        let mut children: Vec<DocumentSymbol> = block.rules.iter().map(|r| self.rule(r)).collect();
        if let Some(otherwise) = &block.otherwise {
            children.push(self.quoted(otherwise.span, SymbolKind::OPERATOR));
        }
        let name = block
            .name
            .as_ref()
            .map_or_else(|| "first".to_string(), |n| n.node.clone());
        let head = Span::new(
            block.span.file,
            block.span.start,
            block.span.start + "first".len(),
        );
        self.symbol(
            &name,
            Some("first".to_string()),
            SymbolKind::ENUM,
            block.span,
            head,
            children,
        )
    }

    fn item(&self, item: &Item) -> Option<DocumentSymbol> {
        Some(match item {
            Item::Use(path) => self.leaf(
                &format!("use \"{}\"", path.node),
                None,
                SymbolKind::FILE,
                path.span,
                path.span,
            ),
            Item::Lead(fields) => {
                let children = fields
                    .node
                    .iter()
                    .filter_map(|f| Some(self.typed(&f.name, f.ty.as_ref()?, SymbolKind::FIELD)))
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
                    .map(|p| self.typed(&p.name, &p.ty, SymbolKind::PROPERTY))
                    .collect();
                self.named(&e.name, "event", SymbolKind::EVENT, e.span, children)
            }
            Item::List(l) => self.named(&l.name, "list", SymbolKind::ARRAY, l.span, Vec::new()),
            Item::Let(l) => self.leaf(
                &l.name.node,
                Some(self.text(l.body.span)),
                SymbolKind::VARIABLE,
                l.span,
                l.name.span,
            ),
            Item::Rule(r) => self.rule(r),
            Item::First(block) => self.first_block(block),
            Item::Group(g) => {
                let children = g
                    .entries
                    .iter()
                    .map(|entry| match entry {
                        GroupEntry::Rule(r) => self.rule(r),
                        GroupEntry::Decay(d) => self.quoted(d.span, SymbolKind::OPERATOR),
                        GroupEntry::First(block) => self.first_block(block),
                    })
                    .collect();
                self.named(&g.name, "score", SymbolKind::NAMESPACE, g.span, children)
            }
            Item::Total(t) => self.leaf(
                "total",
                Some(self.text(t.span)),
                SymbolKind::OPERATOR,
                t.span,
                t.span,
            ),
            Item::Decay(d) => self.quoted(d.span, SymbolKind::OPERATOR),
            Item::Since(s) => self.quoted(s.span, SymbolKind::OPERATOR),
            Item::Threshold(t) => self.threshold(t),
            Item::Label(l) => self.label(l),
            Item::Test(t) => self.named(&t.name, "test", SymbolKind::FUNCTION, t.span, Vec::new()),
            Item::Account(a) => {
                let children = a
                    .entries
                    .iter()
                    .map(|entry| match entry {
                        AccountEntry::Rollup(r) => self.quoted(r.span, SymbolKind::OPERATOR),
                        AccountEntry::Rule(r) => self.rule(r),
                        AccountEntry::First(b) => self.first_block(b),
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

    /// A field or an event's property, with its type as the detail.
    fn typed(
        &self,
        name: &crate::ast::Ident,
        ty: &crate::ast::Spanned<crate::ast::TypeExpr>,
        kind: SymbolKind,
    ) -> DocumentSymbol {
        let span = name.span.to(ty.span);
        self.leaf(&name.node, Some(self.text(ty.span)), kind, span, name.span)
    }

    fn threshold(&self, t: &crate::ast::Threshold) -> DocumentSymbol {
        let (name, selection) = match &t.name {
            Some(n) => (n.node.clone(), n.span),
            None => ("qualified".to_string(), t.span),
        };
        self.leaf(
            &name,
            Some(self.text(t.span)),
            SymbolKind::BOOLEAN,
            t.span,
            selection,
        )
    }

    fn label(&self, l: &crate::ast::Label) -> DocumentSymbol {
        let values: Vec<&crate::ast::Spanned<String>> = match &l.body {
            LabelBody::From { clauses, .. } => clauses.iter().map(|c| &c.value).collect(),
            LabelBody::Cases(cases) => cases.iter().map(|c| &c.value).collect(),
        };
        let children = values
            .into_iter()
            .map(|v| self.leaf(&v.node, None, SymbolKind::ENUM_MEMBER, v.span, v.span))
            .collect();
        self.named(&l.name, "label", SymbolKind::ENUM, l.span, children)
    }
}
