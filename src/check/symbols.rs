//! The symbol index: every declared name of a model with the span that
//! declares it, and every place that refers to one. Editors need it for
//! go to definition, find references, rename, hover and completion.
//!
//! It is built from the AST alone, with the resolution rules of the one
//! namespace (fields, events and their `s` forms, lists, lets, groups,
//! thresholds, labels) and of `where` (an event's properties), so it also
//! serves a model with errors or with items that did not parse: what can
//! be resolved is, the rest is left out. The checker stays the judge of
//! what is wrong.

use std::collections::HashMap;

use crate::source::{FileId, Span};
use crate::syntax::ast::{
    Account, AccountEntry, Constant, EventArg, EventRef, Expr, GroupEntry, Item, LabelBody,
    Modifier, Operand, Predicate, Rule, RuleKind, ScoreName, Spanned, TestEntry, TestEventArgs,
    TypeExpr, ValueSet,
};

/// What a declared name is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SymbolKind {
    Field,
    Event,
    /// A property of an event (its `parent`).
    Property,
    List,
    Let,
    Group,
    Threshold,
    Label,
}

impl SymbolKind {
    /// The kind in words, for hover and messages.
    pub fn word(self) -> &'static str {
        match self {
            SymbolKind::Field => "field",
            SymbolKind::Event => "event",
            SymbolKind::Property => "property",
            SymbolKind::List => "list",
            SymbolKind::Let => "let",
            SymbolKind::Group => "group",
            SymbolKind::Threshold => "threshold",
            SymbolKind::Label => "label",
        }
    }
}

/// One declaration of a name.
#[derive(Clone, Debug)]
pub struct Declaration {
    pub name: String,
    pub kind: SymbolKind,
    /// The name where it is declared.
    pub span: Span,
    /// The whole declaring item (the field's line, the group's block).
    pub item: Span,
    /// For a property, the index of its event's declaration.
    pub parent: Option<usize>,
    /// For a field, its type as written (`one of [...]`, `number`); for a
    /// property likewise.
    pub ty: Option<Span>,
    /// For a field, whether it names its record key (`as "KEY"`).
    pub keyed: bool,
    /// Values that belong to the name: a `one of` field's values, a
    /// literal list's values, a label's values, and for an event the key
    /// values the model mentions (`visits(pricing)`, test events).
    pub values: Vec<String>,
    /// For a `list ... from "file"`: the file as the model names it.
    pub from_file: Option<String>,
}

/// A place where a declared name is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reference {
    pub span: Span,
    /// The index of the declaration it resolves to.
    pub target: usize,
}

/// Every declaration and resolved reference of a model's items.
#[derive(Clone, Debug, Default)]
pub struct SymbolIndex {
    pub declarations: Vec<Declaration>,
    pub references: Vec<Reference>,
    /// Bare words written where a constant is expected (`title = VP`),
    /// resolved to no name: a rename must not take one of their spellings.
    pub words: Vec<String>,
    names: HashMap<String, usize>,
}

/// Where a condition is written: what its plain names can mean.
#[derive(Clone, Copy)]
enum Scope {
    Lead,
    /// Inside `EVENT(where ...)`: the event's properties.
    Where(Option<usize>),
}

impl SymbolIndex {
    /// Indexes the items of a model (every file's, `use`d ones spliced in);
    /// `list_values` holds the values of each `list ... from "file"` by the
    /// span of its path, as the loader read them.
    pub fn build(items: &[Item], list_values: &HashMap<Span, Vec<String>>) -> SymbolIndex {
        let mut index = SymbolIndex::default();
        for item in items {
            index.declare_item(item);
            if let Item::List(l) = item {
                if let crate::syntax::ast::ListSource::File(path) = &l.source {
                    let values = list_values.get(&path.span).cloned().unwrap_or_default();
                    if let Some(decl) = index.declarations.last_mut() {
                        decl.values = values;
                        decl.from_file = Some(path.node.clone());
                    }
                }
            }
        }
        for item in items {
            index.refer_item(item);
        }
        index
    }

    /// The declaration a name of the namespace resolves to, with events
    /// also found by their `s` form.
    pub fn lookup(&self, name: &str) -> Option<usize> {
        if let Some(&i) = self.names.get(name) {
            return Some(i);
        }
        let singular = name.strip_suffix('s')?;
        self.names
            .get(singular)
            .copied()
            .filter(|&i| self.kind(i) == Some(SymbolKind::Event))
    }

    fn kind(&self, i: usize) -> Option<SymbolKind> {
        self.declarations.get(i).map(|d| d.kind)
    }

    /// The properties of an event, in declaration order.
    pub fn properties(&self, event: usize) -> impl Iterator<Item = (usize, &Declaration)> + '_ {
        self.declarations
            .iter()
            .enumerate()
            .filter(move |(_, d)| d.kind == SymbolKind::Property && d.parent == Some(event))
    }

    /// The declaration whose name, or a reference to which, is at byte
    /// `offset` of `file`, with the span of the name found there.
    pub fn at(&self, file: FileId, offset: usize) -> Option<(usize, Span)> {
        let inside = |s: &Span| s.file == file && s.start <= offset && offset <= s.end;
        self.declarations
            .iter()
            .enumerate()
            .find(|(_, d)| inside(&d.span))
            .map(|(i, d)| (i, d.span))
            .or_else(|| {
                self.references
                    .iter()
                    .find(|r| inside(&r.span))
                    .map(|r| (r.target, r.span))
            })
    }

    /// Every span that names declaration `target`: its declarations (a
    /// name declared twice has both) and its references.
    pub fn occurrences(&self, target: usize) -> Vec<Span> {
        let Some(decl) = self.declarations.get(target) else {
            return Vec::new();
        };
        let mut spans: Vec<Span> = self
            .declarations
            .iter()
            .filter(|d| d.name == decl.name && d.kind == decl.kind && d.parent == decl.parent)
            .map(|d| d.span)
            .collect();
        spans.extend(
            self.references
                .iter()
                .filter(|r| r.target == target)
                .map(|r| r.span),
        );
        spans.sort_by_key(|s| (s.file, s.start));
        spans.dedup();
        spans
    }

    fn declare(&mut self, decl: Declaration) -> usize {
        let i = self.declarations.len();
        if decl.kind != SymbolKind::Property {
            self.names.entry(decl.name.clone()).or_insert(i);
        }
        self.declarations.push(decl);
        i
    }

    fn simple(name: &Spanned<String>, kind: SymbolKind, item: Span) -> Declaration {
        Declaration {
            name: name.node.clone(),
            kind,
            span: name.span,
            item,
            parent: None,
            ty: None,
            keyed: false,
            values: Vec::new(),
            from_file: None,
        }
    }

    fn declare_item(&mut self, item: &Item) {
        match item {
            Item::Lead(fields) => {
                // `id as "KEY"` names the id's key and declares no field.
                for (f, ty) in fields.node.iter().filter_map(|f| Some((f, f.ty.as_ref()?))) {
                    let values = match &ty.node {
                        TypeExpr::OneOf(values) => values.iter().map(|v| text(&v.node)).collect(),
                        _ => Vec::new(),
                    };
                    let mut decl =
                        Self::simple(&f.name, SymbolKind::Field, f.name.span.to(ty.span));
                    decl.ty = Some(ty.span);
                    decl.keyed = f.key.is_some();
                    decl.values = values;
                    self.declare(decl);
                }
            }
            Item::Event(e) => {
                let event = self.declare(Self::simple(&e.name, SymbolKind::Event, e.span));
                for p in &e.props {
                    let mut decl =
                        Self::simple(&p.name, SymbolKind::Property, p.name.span.to(p.ty.span));
                    decl.parent = Some(event);
                    decl.ty = Some(p.ty.span);
                    self.declare(decl);
                }
            }
            Item::List(l) => {
                let mut decl = Self::simple(&l.name, SymbolKind::List, l.span);
                if let crate::syntax::ast::ListSource::Literal(values) = &l.source {
                    decl.values = values.iter().map(|v| text(&v.node)).collect();
                }
                self.declare(decl);
            }
            Item::Let(l) => {
                self.declare(Self::simple(&l.name, SymbolKind::Let, l.span));
            }
            Item::Group(g) => {
                self.declare(Self::simple(&g.name, SymbolKind::Group, g.span));
            }
            Item::Threshold(t) => self.declare_threshold(t),
            Item::Label(l) => self.declare_label(l),
            Item::Account(a) => {
                for entry in &a.entries {
                    match entry {
                        AccountEntry::Threshold(t) => self.declare_threshold(t),
                        AccountEntry::Label(l) => self.declare_label(l),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }

    fn declare_threshold(&mut self, t: &crate::syntax::ast::Threshold) {
        if let Some(name) = &t.name {
            self.declare(Self::simple(name, SymbolKind::Threshold, t.span));
        }
    }

    fn declare_label(&mut self, l: &crate::syntax::ast::Label) {
        let mut decl = Self::simple(&l.name, SymbolKind::Label, l.span);
        decl.values = match &l.body {
            LabelBody::From { clauses, .. } => {
                clauses.iter().map(|c| c.value.node.clone()).collect()
            }
            LabelBody::Cases(cases) => cases.iter().map(|c| c.value.node.clone()).collect(),
        };
        self.declare(decl);
    }

    fn refer(&mut self, span: Span, target: Option<usize>) {
        if let Some(target) = target {
            self.references.push(Reference { span, target });
        }
    }

    fn refer_item(&mut self, item: &Item) {
        match item {
            Item::Let(l) => self.expr(&l.body, Scope::Lead),
            Item::Rule(r) => self.rule(r),
            Item::First(block) => block.rules.iter().for_each(|r| self.rule(r)),
            Item::Since(field) => self.field_name(&field.node),
            Item::Group(g) => {
                for m in &g.modifiers {
                    if let Modifier::Since(field) = &m.node {
                        self.field_name(field);
                    }
                }
                for entry in &g.entries {
                    match entry {
                        GroupEntry::Rule(r) => self.rule(r),
                        GroupEntry::First(block) => block.rules.iter().for_each(|r| self.rule(r)),
                        GroupEntry::Decay(_) => {}
                    }
                }
            }
            Item::Threshold(t) => self.threshold(t),
            Item::Label(l) => self.label(l),
            Item::Test(t) => {
                for entry in &t.entries {
                    self.test_entry(entry);
                }
            }
            Item::Account(a) => self.account(a),
            _ => {}
        }
    }

    fn threshold(&mut self, t: &crate::syntax::ast::Threshold) {
        if let crate::syntax::ast::ThresholdCondition::When(c) = &t.condition {
            self.expr(c, Scope::Lead);
        }
    }

    fn label(&mut self, l: &crate::syntax::ast::Label) {
        match &l.body {
            LabelBody::From { score, .. } => self.score_name(score),
            LabelBody::Cases(cases) => {
                for case in cases {
                    if let Some(c) = &case.condition {
                        self.expr(c, Scope::Lead);
                    }
                }
            }
        }
    }

    fn score_name(&mut self, score: &ScoreName) {
        if let ScoreName::Group(g) = score {
            let target = self.names.get(&g.node).copied();
            self.refer(g.span, target);
        }
    }

    /// A bare field name (`since FIELD`, an account's key).
    fn field_name(&mut self, field: &Spanned<String>) {
        let target = self.names.get(&field.node).copied();
        self.refer(field.span, target);
    }

    fn account(&mut self, a: &Account) {
        self.field_name(&a.key.field);
        if let Some(except) = &a.except {
            self.value_set(except, None);
        }
        for entry in &a.entries {
            match entry {
                AccountEntry::Rollup(r) => self.score_name(&r.score),
                AccountEntry::Rule(r) => self.rule(r),
                AccountEntry::First(block) => block.rules.iter().for_each(|r| self.rule(r)),
                AccountEntry::Threshold(t) => self.threshold(t),
                AccountEntry::Label(l) => self.label(l),
            }
        }
    }

    fn rule(&mut self, rule: &Rule) {
        match &rule.kind {
            RuleKind::When { condition, .. } => self.expr(condition, Scope::Lead),
            RuleKind::Each { event, .. } => self.event_ref(event),
        }
    }

    fn test_entry(&mut self, entry: &TestEntry) {
        match entry {
            TestEntry::Lead(_, fields) => {
                for f in fields {
                    let target = self
                        .names
                        .get(&f.name.node)
                        .copied()
                        .filter(|&i| self.kind(i) == Some(SymbolKind::Field));
                    self.refer(f.name.span, target);
                }
            }
            TestEntry::Events(_, events) => {
                for e in events {
                    let event = self
                        .lookup(&e.name.node)
                        .filter(|&i| self.kind(i) == Some(SymbolKind::Event));
                    self.refer(e.name.span, event);
                    match &e.args {
                        TestEventArgs::Key(key) => self.key_value(event, &key.node),
                        TestEventArgs::Props(props) => {
                            for (name, _) in props {
                                let target = self.property(event, &name.node);
                                self.refer(name.span, target);
                            }
                        }
                        TestEventArgs::None => {}
                    }
                }
            }
            TestEntry::Expect(_, e) => self.expr(e, Scope::Lead),
            TestEntry::AsOf(_) => {}
        }
    }

    fn property(&self, event: Option<usize>, name: &str) -> Option<usize> {
        let event = event?;
        self.properties(event)
            .find(|(_, d)| d.name == name)
            .map(|(i, _)| i)
    }

    /// Records a key value mentioned for an event, for completion.
    fn key_value(&mut self, event: Option<usize>, value: &Constant) {
        let value = text(value);
        if let Some(decl) = event.and_then(|e| self.declarations.get_mut(e)) {
            if !value.is_empty() && !decl.values.contains(&value) {
                decl.values.push(value);
            }
        }
    }

    fn expr(&mut self, e: &Spanned<Expr>, scope: Scope) {
        match &e.node {
            Expr::Or(a, b) | Expr::And(a, b) => {
                self.expr(a, scope);
                self.expr(b, scope);
            }
            Expr::Not(a) => self.expr(a, scope),
            Expr::Test(test) => {
                self.operand(&test.operand, scope);
                if let Some(p) = &test.predicate {
                    self.predicate(&p.node);
                }
            }
        }
    }

    fn operand(&mut self, operand: &Spanned<Operand>, scope: Scope) {
        match &operand.node {
            Operand::Paren(e) => self.expr(e, scope),
            Operand::Score => {}
            Operand::Name(name) => {
                let target = match scope {
                    Scope::Lead => self.lookup(name),
                    Scope::Where(event) => self.property(event, name),
                };
                self.refer(operand.span, target);
            }
            Operand::Call { name, arg } => {
                let event = self
                    .lookup(&name.node)
                    .filter(|&i| self.kind(i) == Some(SymbolKind::Event));
                self.refer(name.span, event);
                // `members(where ...)` sees a member: a lead.
                let inner = if event.is_some() {
                    Scope::Where(event)
                } else {
                    Scope::Lead
                };
                self.event_arg(event, arg, inner);
            }
            Operand::Last(e) | Operand::First(e) => self.event_ref(e),
        }
    }

    fn event_ref(&mut self, e: &EventRef) {
        let event = self
            .lookup(&e.name.node)
            .filter(|&i| self.kind(i) == Some(SymbolKind::Event));
        self.refer(e.name.span, event);
        if let Some(arg) = &e.arg {
            self.event_arg(event, arg, Scope::Where(event));
        }
    }

    fn event_arg(&mut self, event: Option<usize>, arg: &EventArg, scope: Scope) {
        match arg {
            EventArg::Key(set) => self.value_set(set, event),
            EventArg::Where(e) => self.expr(e, scope),
        }
    }

    /// Constants of a set: a bare word naming a list refers to it; the
    /// others are key values of `event` when the set is its key.
    fn value_set(&mut self, set: &Spanned<ValueSet>, event: Option<usize>) {
        match &set.node {
            ValueSet::One(c) => self.constant(c, set.span, event),
            ValueSet::Many(values) => {
                for v in values {
                    self.constant(&v.node, v.span, event);
                }
            }
        }
    }

    fn constant(&mut self, c: &Constant, span: Span, event: Option<usize>) {
        if let Constant::Word(w) = c {
            let list = self
                .names
                .get(w)
                .copied()
                .filter(|&i| self.kind(i) == Some(SymbolKind::List));
            if list.is_some() {
                self.refer(span, list);
                return;
            }
            if !self.words.contains(w) {
                self.words.push(w.clone());
            }
        }
        self.key_value(event, c);
    }

    fn predicate(&mut self, p: &Predicate) {
        match p {
            Predicate::Compare(_, c) | Predicate::Before(c) | Predicate::After(c) => {
                self.constant(&c.node, c.span, None)
            }
            Predicate::In { set, .. }
            | Predicate::Contains(set)
            | Predicate::StartsWith(set)
            | Predicate::EndsWith(set) => self.value_set(set, None),
            Predicate::Between(a, b) => {
                self.constant(&a.node, a.span, None);
                self.constant(&b.node, b.span, None);
            }
            Predicate::Matches(_) | Predicate::IsMissing | Predicate::IsPresent => {}
        }
    }
}

/// A constant as the text it stands for (empty for numbers and dates,
/// which are no values of a name).
fn text(c: &Constant) -> String {
    match c {
        Constant::Text(t) | Constant::Word(t) => t.clone(),
        _ => String::new(),
    }
}
