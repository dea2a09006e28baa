//! Declarations: every name of the model's one namespace bound before any
//! condition is checked (so order does not matter to conditions), with the
//! clashes reported where the reader can see them; fields, event
//! properties and their types; named lists; lets, checked once each.

use super::names::Scope;
use super::{Checker, LetEntry, LetState, NamedList, Symbol};
use crate::codes::Code;
use crate::diagnostic::{did_you_mean, Diagnostic};
use crate::plan::{EventType, Field, GroupDef, IdVec, Prop, PropId, ValueType};
use crate::syntax::ast::{self, Item, Spanned};
use crate::text::fold;

impl<'a> Checker<'a> {
    /// Registers a name, reporting a clash with an earlier declaration.
    pub(super) fn bind(&mut self, name: &ast::Ident, symbol: Symbol) -> bool {
        let columns: &[&str] = match symbol {
            Symbol::Group(_) | Symbol::Output(_) => &["id", "reasons"],
            Symbol::AccountOutput(_) => &["account", "members", "reasons"],
            _ => &[],
        };
        if columns.contains(&name.node.as_str()) {
            self.report(
                Diagnostic::new(
                    Code::DuplicateName,
                    name.span,
                    format!(
                        "`{}` names a column of every result and cannot name {}",
                        name.node,
                        symbol.kind()
                    ),
                )
                .label("taken by the output")
                .help(format!(
                    "a table or CSV of results has a column `{}` already; choose another name, such as `{}_score`",
                    name.node, name.node
                )),
            );
            return false;
        }
        if let Some((existing, first)) = self.names.get(&name.node) {
            let (existing, first) = (*existing, *first);
            let message = if existing == Symbol::Builtin {
                format!("`{}` is a built-in name and cannot be declared", name.node)
            } else {
                format!("`{}` is already declared as {}", name.node, existing.kind())
            };
            let help = if existing == Symbol::Builtin {
                "choose another name".to_string()
            } else {
                let (line, _) = self.sources.line_col(first.file, first.start);
                format!(
                    "fields, events (and their plural forms), lists, lets, groups, thresholds and labels share one namespace; the first declaration is in {} on line {line}; rename one of them",
                    self.sources.path(first.file).display()
                )
            };
            // A clash brought in by `use` is reported at that `use`, where
            // the reader of the including file can see it.
            let included_at = (name.span.file != first.file)
                .then(|| self.includes.get(&name.span.file).copied())
                .flatten();
            // The other way round, an included name declared again further
            // down: the clash is still the `use`'s.
            let included_first = (name.span.file != first.file && included_at.is_none())
                .then(|| self.includes.get(&first.file).copied())
                .flatten();
            let diagnostic = match (included_at, included_first) {
                (None, Some(use_span)) => {
                    let (line, _) = self.sources.line_col(first.file, first.start);
                    let (again, _) = self.sources.line_col(name.span.file, name.span.start);
                    Diagnostic::new(
                        Code::DuplicateName,
                        use_span,
                        format!(
                            "`{}` is declared on line {again} and also in the file this `use` brings in",
                            name.node
                        ),
                    )
                    .label(format!(
                        "brings in `{}` ({} line {line})",
                        name.node,
                        self.sources.path(first.file).display()
                    ))
                    .help(format!(
                        "fields, events (and their plural forms), lists, lets, groups, thresholds and labels share one namespace; rename the declaration on line {again}, or the one in {}",
                        self.sources.path(first.file).display()
                    ))
                }
                (Some(use_span), _) => {
                    let (line, _) = self.sources.line_col(name.span.file, name.span.start);
                    Diagnostic::new(
                        Code::DuplicateName,
                        use_span,
                        format!("{message}; this `use` declares it again"),
                    )
                    .label(format!(
                        "brings in `{}` again ({} line {line})",
                        name.node,
                        self.sources.path(name.span.file).display()
                    ))
                    .help(help)
                }
                (None, None) => Diagnostic::new(Code::DuplicateName, name.span, message)
                    .label("declared again here")
                    .help(help),
            };
            self.report(diagnostic);
            return false;
        }
        self.names.insert(name.node.clone(), (symbol, name.span));
        true
    }

    pub(super) fn declare(&mut self, items: &'a [Item]) {
        let mut id_seen = None;
        for item in items {
            match item {
                Item::Lead(fields) => {
                    for f in &fields.node {
                        if self.declare_id(f, &mut id_seen) {
                            continue;
                        }
                        let Some(ty) = &f.ty else {
                            continue;
                        };
                        let ty = self.value_type(ty);
                        let id = self.model.fields.next_id();
                        if self.bind(&f.name, Symbol::Field(id)) {
                            let key = f
                                .key
                                .as_ref()
                                .map(|k| k.node.clone())
                                .unwrap_or_else(|| f.name.node.clone());
                            self.model.fields.push(Field {
                                name: f.name.node.clone(),
                                key,
                                ty,
                                missing_if: Vec::new(),
                            });
                        }
                    }
                }
                Item::Event(e) => {
                    let id = self.model.events.next_id();
                    if !self.bind(&e.name, Symbol::Event(id)) {
                        continue;
                    }
                    let plural = Spanned::new(format!("{}s", e.name.node), e.name.span);
                    self.bind(&plural, Symbol::Event(id));
                    let mut props: IdVec<PropId, Prop> = IdVec::new();
                    for p in &e.props {
                        if props.iter().any(|q| q.name == p.name.node) {
                            self.report(
                                Diagnostic::new(
                                    Code::DuplicateName,
                                    p.name.span,
                                    format!("property `{}` is declared twice", p.name.node),
                                )
                                .label("declared again here")
                                .help("remove one of them"),
                            );
                            continue;
                        }
                        let ty = self.value_type(&p.ty);
                        props.push(Prop {
                            name: p.name.node.clone(),
                            ty,
                            missing_if: Vec::new(),
                        });
                    }
                    self.model.events.push(EventType {
                        name: e.name.node.clone(),
                        props,
                    });
                }
                Item::List(l) => {
                    let values = match &l.source {
                        ast::ListSource::Literal(items) => items
                            .iter()
                            .filter_map(|c| self.list_item_text(c))
                            .collect(),
                        ast::ListSource::File(path) => {
                            self.list_files.get(&path.span).cloned().unwrap_or_default()
                        }
                    };
                    let id = self.lists.len();
                    if self.bind(&l.name, Symbol::List(id)) {
                        self.lists.push(NamedList { values });
                    }
                }
                Item::Let(l) => {
                    let id = self.lets.len();
                    if self.bind(&l.name, Symbol::Let(id)) {
                        self.lets.push(LetEntry {
                            decl: l,
                            state: LetState::Unchecked,
                        });
                    }
                }
                Item::Group(g) => {
                    let id = self.model.groups.next_id();
                    if self.bind(&g.name, Symbol::Group(id)) {
                        self.model.groups.push(GroupDef {
                            name: g.name.node.clone(),
                            ..GroupDef::default()
                        });
                    }
                }
                Item::Threshold(_) | Item::Label(_) => self.declare_output(item, Scope::Lead),
                Item::Account(a) => self.declare_account(a),
                _ => {}
            }
        }
    }

    pub(super) fn list_item_text(&mut self, c: &Spanned<ast::Constant>) -> Option<String> {
        match &c.node {
            ast::Constant::Text(t) | ast::Constant::Word(t) => Some(t.clone()),
            other => {
                self.report(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        c.span,
                        format!("a named list holds text, not `{other}`"),
                    )
                    .label("not text")
                    .help(format!("quote it: `\"{other}\"`")),
                );
                None
            }
        }
    }

    fn value_type(&mut self, ty: &Spanned<ast::TypeExpr>) -> ValueType {
        match &ty.node {
            ast::TypeExpr::Named(n) => match n.as_str() {
                "text" => ValueType::Text,
                "number" => ValueType::Number,
                "bool" => ValueType::Bool,
                "date" => ValueType::Date,
                other => {
                    let known = ["text", "number", "bool", "date"];
                    let help = match did_you_mean(other, known) {
                        Some(s) => format!("did you mean `{s}`? The types are `text`, `number`, `bool`, `date`, `one of [...]` and `list of text`"),
                        None => "the types are `text`, `number`, `bool`, `date`, `one of [...]` and `list of text`".to_string(),
                    };
                    self.report(
                        Diagnostic::new(
                            Code::UnknownType,
                            ty.span,
                            format!("unknown type `{other}`"),
                        )
                        .label("not a type")
                        .help(help),
                    );
                    ValueType::Text
                }
            },
            ast::TypeExpr::ListOf(elem) => {
                if elem.node != "text" {
                    self.report(
                        Diagnostic::new(
                            Code::UnknownType,
                            elem.span,
                            format!("`list of {}` is not supported", elem.node),
                        )
                        .label("only text")
                        .help("lists hold text: write `list of text`"),
                    );
                }
                ValueType::TextList
            }
            ast::TypeExpr::OneOf(values) => {
                let mut spelled: Vec<String> = Vec::new();
                for v in values {
                    let Some(text) = self.list_item_text(v) else {
                        continue;
                    };
                    let folded = fold(&text);
                    if spelled.iter().any(|s| fold(s) == folded) {
                        self.report(
                            Diagnostic::new(
                                Code::DuplicateValue,
                                v.span,
                                format!("`{}` appears twice in this `one of`", text.trim()),
                            )
                            .label("repeated value")
                            .help("values compare without letter case and surrounding spaces; remove the repeat"),
                        );
                        continue;
                    }
                    spelled.push(text.trim().to_string());
                }
                ValueType::Enum(self.model.enums.push(spelled))
            }
        }
    }

    pub(super) fn check_lets(&mut self) {
        for id in 0..self.lets.len() {
            self.let_value(id, None);
        }
    }
}
