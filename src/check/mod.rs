//! Check: ASTs to a checked model. Resolves every name, checks every type,
//! lowers constants, and reports every problem of the model in one run.

mod account;
mod expr;
mod lints;
mod outputs;
mod test_case;
mod tests;

use std::collections::HashMap;

use crate::codes::Code;
use crate::diagnostic::{did_you_mean, Diagnostic};
use crate::load::ListFiles;
use crate::plan::{
    AccountDef, AccountRule, AggId, AggKind, Aggregate, Cond, DateBound, DecayAmount, DecayMode,
    DecaySpec, Effect, EnumId, EventId, EventType, Field, FieldId, GroupDef, GroupId, Id, IdVec,
    MemberTest, MemberTestId, Order, Origin, Output, OutputId, PatternId, Plan, Pred, Prop, PropId,
    RollupDef, RollupFn, RuleDef, RuleId, TextOp, TextSetId, Value, ValueType,
};
use crate::source::{SourceMap, Span};
use crate::syntax::ast::{self, Item, Modifier, Spanned};
use crate::text::fold;
pub use test_case::{Expectation, Probe, TestCase};

/// What checking gives: the plan when the model has no errors, the test
/// blocks, and every diagnostic.
pub struct Checked {
    pub plan: Option<Plan>,
    pub tests: Vec<TestCase>,
    /// Where each rule of the plan is written, for tools that quote it.
    pub rule_spans: IdVec<RuleId, Span>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// What a name in the model's one namespace stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Symbol {
    Field(FieldId),
    Event(EventId),
    List(usize),
    Let(usize),
    Group(GroupId),
    Output(OutputId),
    /// A threshold or label of the `account` block.
    AccountOutput(OutputId),
    Builtin,
}

impl Symbol {
    /// What the symbol is, with its article: "a field", "an event".
    fn kind(self) -> &'static str {
        match self {
            Symbol::Field(_) => "a field",
            Symbol::Event(_) => "an event",
            Symbol::List(_) => "a list",
            Symbol::Let(_) => "a let",
            Symbol::Group(_) => "a group",
            Symbol::Output(_) => "a threshold or label",
            Symbol::AccountOutput(_) => "an account threshold or label",
            Symbol::Builtin => "a built-in name",
        }
    }
}

struct NamedList {
    values: Vec<String>,
}

struct LetEntry<'a> {
    decl: &'a ast::LetDecl,
    state: LetState,
}

enum LetState {
    Unchecked,
    InProgress,
    Done(expr::Typed, Vec<expr::Read>),
}

pub(crate) struct Checker<'a> {
    sources: &'a SourceMap,
    list_files: &'a ListFiles,
    /// The plan being built; handed out only when no error was found.
    model: Plan,
    tests: Vec<TestCase>,
    rule_spans: IdVec<RuleId, Span>,
    diagnostics: Vec<Diagnostic>,
    names: HashMap<String, (Symbol, Span)>,
    lists: Vec<NamedList>,
    lets: Vec<LetEntry<'a>>,
    aggregate_keys: HashMap<String, AggId>,
    text_set_ids: HashMap<Vec<String>, TextSetId>,
    pattern_ids: HashMap<String, PatternId>,
    /// Output-level reads made while checking the current expression.
    reads: Vec<expr::Read>,
    /// Set while checking the `=` inside a `!=`, so help can say `not in`.
    negated_compare: bool,
    /// Lets being checked, innermost last, to show a cycle's chain.
    let_stack: Vec<String>,
    /// The span of the first threshold declared without a name.
    unnamed_threshold: Option<Span>,
    /// Where each included file was brought in: the path of its `use`.
    includes: &'a HashMap<crate::source::FileId, Span>,
    account: account::AccountScope,
    /// Set while checking a test's `expect`: what it reads.
    probes: Option<Vec<(String, Probe)>>,
}

/// Checks a loaded model: its items in order, `use`d files spliced in at
/// their `use`.
pub fn check(loaded: &crate::load::Loaded) -> Checked {
    let items = &loaded.items;
    let mut checker = Checker {
        sources: &loaded.sources,
        list_files: &loaded.list_files,
        model: Plan::default(),
        tests: Vec::new(),
        rule_spans: IdVec::new(),
        diagnostics: Vec::new(),
        names: HashMap::new(),
        lists: Vec::new(),
        lets: Vec::new(),
        aggregate_keys: HashMap::new(),
        text_set_ids: HashMap::new(),
        pattern_ids: HashMap::new(),
        reads: Vec::new(),
        negated_compare: false,
        let_stack: Vec::new(),
        unnamed_threshold: None,
        includes: &loaded.includes,
        account: account::AccountScope::default(),
        probes: None,
    };
    checker.names.insert(
        "disqualified".to_string(),
        (Symbol::Builtin, Span::default()),
    );
    checker.declare(items);
    checker.check_lets();
    checker.check_rules_and_groups(items);
    checker.check_outputs(items);
    checker.check_account(items);
    checker.check_tests(items);
    lints::run(&mut checker, loaded);
    let mut diagnostics = checker.diagnostics;
    diagnostics.sort_by_key(|d| (d.span.file, d.span.start, d.code));
    diagnostics.dedup();
    let has_errors = diagnostics.iter().any(Diagnostic::is_error);
    Checked {
        plan: (!has_errors).then(|| checker.model.sealed()),
        tests: checker.tests,
        rule_spans: checker.rule_spans,
        diagnostics,
    }
}

impl<'a> Checker<'a> {
    fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    fn source_text(&self, span: Span) -> String {
        normalize_source(self.sources.text(span))
    }

    /// Where a span starts, as the plan records it: the file named from
    /// the model's directory, and the line.
    fn origin(&self, span: Span) -> Origin {
        let (line, _) = self.sources.line_col(span.file, span.start);
        let path = self.sources.path(span.file);
        let root = self
            .sources
            .path(crate::source::FileId::default())
            .parent()
            .unwrap_or(std::path::Path::new(""));
        let file = path.strip_prefix(root).unwrap_or(path);
        Origin {
            file: file.to_string_lossy().replace('\\', "/"),
            line: u32::try_from(line).unwrap_or(u32::MAX),
        }
    }

    /// Registers a name, reporting a clash with an earlier declaration.
    fn bind(&mut self, name: &ast::Ident, symbol: Symbol) -> bool {
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

    // -- declarations -------------------------------------------------------

    fn declare(&mut self, items: &'a [Item]) {
        for item in items {
            match item {
                Item::Lead(fields) => {
                    for f in &fields.node {
                        let ty = self.value_type(&f.ty);
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
                Item::Threshold(_) | Item::Label(_) => self.declare_output(item, expr::Scope::Lead),
                Item::Account(a) => self.declare_account(a),
                _ => {}
            }
        }
    }

    fn list_item_text(&mut self, c: &Spanned<ast::Constant>) -> Option<String> {
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

    fn check_lets(&mut self) {
        for id in 0..self.lets.len() {
            self.let_value(id, None);
        }
    }

    // -- rules and groups ---------------------------------------------------

    fn check_rules_and_groups(&mut self, items: &'a [Item]) {
        let mut total_seen: Option<Span> = None;
        let mut top_decay_seen = false;
        for item in items {
            match item {
                Item::Rule(rule) => {
                    if let Some(id) = self.check_rule(rule, None) {
                        self.model.total.rules.push(id);
                    }
                }
                Item::Decay(d) => {
                    if top_decay_seen {
                        self.repeated_decay(d.span, "the total");
                    } else {
                        top_decay_seen = true;
                        self.model.total.decay = self.check_decay(d);
                    }
                }
                Item::Total(mods) => {
                    if let Some(first) = total_seen {
                        let (line, _) = self.sources.line_col(first.file, first.start);
                        self.report(
                            Diagnostic::new(
                                Code::RepeatedDecay,
                                mods.span,
                                "`total` is declared twice",
                            )
                            .label("second `total`")
                            .help(format!(
                                "combine the clamps into the first `total` (line {line})"
                            )),
                        );
                        continue;
                    }
                    total_seen = Some(mods.span);
                    let (max, min, _) = self.check_modifiers(&mods.node, "total");
                    self.model.total.max = max;
                    self.model.total.min = min;
                }
                Item::Group(g) => {
                    let Some(id) = self.group_id(&g.name) else {
                        continue;
                    };
                    let (max, min, separate) = self.check_modifiers(&g.modifiers, "group");
                    let mut decay_seen = false;
                    let mut rules = Vec::new();
                    let mut decay = None;
                    for entry in &g.entries {
                        match entry {
                            ast::GroupEntry::Rule(rule) => {
                                if let Some(rid) = self.check_rule(rule, Some(id)) {
                                    rules.push(rid);
                                }
                            }
                            ast::GroupEntry::Decay(d) => {
                                if decay_seen {
                                    self.repeated_decay(
                                        d.span,
                                        &format!("group `{}`", g.name.node),
                                    );
                                } else {
                                    decay_seen = true;
                                    decay = self.check_decay(d);
                                }
                            }
                        }
                    }
                    if let Some(group) = self.model.groups.get_mut(id) {
                        group.max = max;
                        group.min = min;
                        group.separate = separate;
                        group.rules = rules;
                        group.decay = decay;
                    }
                }
                _ => {}
            }
        }
    }

    fn group_id(&self, name: &ast::Ident) -> Option<GroupId> {
        match self.names.get(&name.node) {
            Some((Symbol::Group(id), span)) if *span == name.span => Some(*id),
            _ => None,
        }
    }

    fn repeated_decay(&mut self, span: Span, whose: &str) {
        self.report(
            Diagnostic::new(
                Code::RepeatedDecay,
                span,
                format!("{whose} already has a `decay`"),
            )
            .label("second decay")
            .help("a score decays in one way only; keep one `decay` line"),
        );
    }

    fn check_decay(&mut self, d: &Spanned<ast::Decay>) -> Option<DecaySpec> {
        let amount = d.node.amount;
        if let ast::DecayAmount::Percent(p) = amount {
            if !(0.0..=100.0).contains(&p) {
                self.report(
                    Diagnostic::new(
                        Code::BadNumber,
                        d.span,
                        format!("a decay of {p}% is out of range"),
                    )
                    .label("not between 0% and 100%")
                    .help("a percentage decay takes 0% to 100% of the score per period"),
                );
            }
        }
        Some(DecaySpec {
            amount: match amount {
                ast::DecayAmount::Points(p) => DecayAmount::Points(p),
                ast::DecayAmount::Percent(p) => DecayAmount::Percent(p),
            },
            mode: match d.node.mode {
                ast::DecayMode::After => DecayMode::After,
                ast::DecayMode::Every => DecayMode::Every,
            },
            period: d.node.period.node,
            source: self.source_text(d.span),
        })
    }

    /// Returns (max, min, separate), reporting repeats and crossed clamps.
    fn check_modifiers(
        &mut self,
        mods: &[Spanned<Modifier>],
        what: &str,
    ) -> (Option<f64>, Option<f64>, bool) {
        let mut max: Option<(f64, Span)> = None;
        let mut min: Option<(f64, Span)> = None;
        let mut separate: Option<Span> = None;
        for m in mods {
            let repeated = match &m.node {
                Modifier::Max(n) => max.replace((*n, m.span)).is_some(),
                Modifier::Min(n) => min.replace((*n, m.span)).is_some(),
                Modifier::Separate => separate.replace(m.span).is_some(),
                Modifier::Fade(_) => false,
            };
            if repeated {
                self.repeated_modifier(m, what);
            }
        }
        if let (Some((hi, _)), Some((lo, span))) = (max, min) {
            if lo > hi {
                self.report(
                    Diagnostic::new(
                        Code::BadNumber,
                        span,
                        format!(
                            "`min {}` is above `max {}`",
                            crate::syntax::display::number(lo),
                            crate::syntax::display::number(hi)
                        ),
                    )
                    .label("crossed clamps")
                    .help("a clamp's `min` must not exceed its `max`"),
                );
            }
        }
        (max.map(|m| m.0), min.map(|m| m.0), separate.is_some())
    }

    fn repeated_modifier(&mut self, m: &Spanned<Modifier>, what: &str) {
        let word = match m.node {
            Modifier::Max(_) => "max",
            Modifier::Min(_) => "min",
            Modifier::Separate => "separate",
            Modifier::Fade(_) => "fade over",
        };
        self.report(
            Diagnostic::new(
                Code::RepeatedModifier,
                m.span,
                format!("`{word}` is given twice on this {what}"),
            )
            .label("repeated")
            .help("each modifier may appear once; keep the one you mean"),
        );
    }

    fn check_rule(&mut self, rule: &ast::Rule, group: Option<GroupId>) -> Option<RuleId> {
        let name = match &rule.name {
            Some(n) => n.node.clone(),
            None => self.source_text(rule.span),
        };
        let effect = match &rule.kind {
            ast::RuleKind::When { condition, outcome } => {
                let cond = self.rule_condition(condition)?;
                match outcome {
                    ast::Outcome::Points(p) => Effect::When {
                        condition: cond,
                        points: p.node,
                    },
                    ast::Outcome::Disqualify(reason) => Effect::Disqualify {
                        condition: cond,
                        reason: reason.node.clone(),
                    },
                }
            }
            ast::RuleKind::Each {
                event,
                points,
                modifiers,
            } => {
                let mut max = None;
                let mut fade = None;
                for m in modifiers {
                    let repeated = match &m.node {
                        Modifier::Max(n) => {
                            if *n < 0.0 {
                                self.report(
                                    Diagnostic::new(Code::BadNumber, m.span, "the `max` of an `each` rule cannot be negative")
                                        .label("negative cap")
                                        .help("`max` caps the size of the rule's contribution; for negative points write `-5 max 15`"),
                                );
                            }
                            max.replace(n.abs()).is_some()
                        }
                        Modifier::Fade(d) => fade.replace(*d).is_some(),
                        _ => false,
                    };
                    if repeated {
                        self.repeated_modifier(m, "rule");
                    }
                }
                let kind = match fade {
                    Some(d) => AggKind::Faded(d),
                    None => AggKind::Count,
                };
                self.reads.clear();
                let aggregate = self.event_aggregate(event, kind);
                self.reject_output_reads("a rule");
                Effect::Each {
                    aggregate: aggregate?,
                    points: points.node,
                    max,
                }
            }
        };
        let origin = self.origin(rule.span);
        self.rule_spans.push(rule.span);
        Some(self.model.rules.push(RuleDef {
            name,
            group,
            effect,
            origin,
        }))
    }

    fn rule_condition(&mut self, condition: &Spanned<ast::Expr>) -> Option<Cond> {
        self.reads.clear();
        let cond = self.condition(condition, &expr::Scope::Lead);
        self.reject_output_reads("a rule");
        cond
    }

    fn reject_output_reads(&mut self, who: &str) {
        let reads = std::mem::take(&mut self.reads);
        for read in reads {
            let what = read.describe();
            let message = match &read.via_let {
                Some(l) => format!("{who} cannot read {what}, which the let `{l}` reads"),
                None => format!("{who} cannot read {what}"),
            };
            self.report(
                Diagnostic::new(Code::RuleReadsOutput, read.span, message)
                    .label("computed from the rules")
                    .help("scores, thresholds, labels and `disqualified` are computed from the rules; test them in a threshold or a label instead"),
            );
        }
    }

    /// Puts folded text constants in the plan's pool, once: equal sets
    /// share an id, so that equal event filters make one aggregate.
    fn text_set(&mut self, values: Vec<String>) -> TextSetId {
        if let Some(id) = self.text_set_ids.get(&values) {
            return *id;
        }
        let id = self.model.text_sets.push(values.clone());
        self.text_set_ids.insert(values, id);
        id
    }

    /// Puts a regular expression in the plan's pool, once.
    fn pattern(&mut self, pattern: &str) -> PatternId {
        if let Some(id) = self.pattern_ids.get(pattern) {
            return *id;
        }
        let id = self.model.patterns.push(pattern.to_string());
        self.pattern_ids.insert(pattern.to_string(), id);
        id
    }

    fn intern_aggregate(&mut self, aggregate: Aggregate) -> AggId {
        let key = format!("{aggregate:?}");
        if let Some(id) = self.aggregate_keys.get(&key) {
            return *id;
        }
        let id = self.model.aggregates.push(aggregate);
        self.aggregate_keys.insert(key, id);
        id
    }

    fn unknown_name(&mut self, name: &str, span: Span, candidates: Vec<String>, what: &str) {
        let help = match did_you_mean(name, candidates.iter().map(String::as_str)) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("declare {what} before using it"),
        };
        self.report(
            Diagnostic::new(Code::UnknownName, span, format!("unknown name `{name}`"))
                .label("not declared")
                .help(help),
        );
    }
}

/// A rule's source as one line: comments dropped, whitespace collapsed.
pub fn normalize_source(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_text = false;
    let mut escaped = false;
    let mut in_comment = false;
    let mut pending_space = false;
    for c in text.chars() {
        if in_comment {
            if c == '\n' {
                in_comment = false;
                pending_space = true;
            }
            continue;
        }
        if in_text {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_text = false;
            }
            continue;
        }
        if c == '#' {
            in_comment = true;
            continue;
        }
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space && !out.is_empty() {
            out.push(' ');
        }
        pending_space = false;
        if c == '"' {
            in_text = true;
        }
        out.push(c);
    }
    out
}
