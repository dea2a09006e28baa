//! W006 `unused-declaration`: a field, an event (in a model without
//! `decay`), a list or a let that nothing in the model reads.

use std::collections::HashSet;

use super::walk::{event_id, for_each_test};
use crate::check::{Checker, Symbol};
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::plan::{EventId, FieldId};
use crate::syntax::ast::{
    self, Constant, EventArg, EventRef, Expr, GroupEntry, Item, LabelBody, Operand, Predicate,
    RuleKind, Spanned, ThresholdCondition, ValueSet,
};

/// Everything some part of the model reads.
#[derive(Default)]
struct Uses {
    fields: HashSet<FieldId>,
    events: HashSet<EventId>,
    lists: HashSet<usize>,
    lets: HashSet<usize>,
}

pub(super) fn report_unused(checker: &mut Checker<'_>, items: &[Item]) {
    let uses = collect(checker, items);
    // Every declared event counts as activity for decay, read by a rule
    // or not.
    let model = &checker.model;
    let decays = model.total.decay.is_some() || model.groups.iter().any(|g| g.decay.is_some());
    let mut found = Vec::new();
    for item in items {
        match item {
            Item::Lead(fields) => {
                // A field named `id` is read as the lead's id.
                for f in fields.node.iter().filter(|f| f.name.node != "id") {
                    if let Some(Symbol::Field(id)) = declared(checker, &f.name) {
                        if !uses.fields.contains(&id) {
                            found.push(unused(&f.name, "field", format!(
                                "nothing reads `{0}`; remove the field, or test it in a rule (`{0} is present`). A bare word spelled `{0}` is text, not this field",
                                f.name.node
                            )));
                        }
                    }
                }
            }
            Item::Event(e) if !decays => {
                if let Some(Symbol::Event(id)) = declared(checker, &e.name) {
                    if !uses.events.contains(&id) {
                        found.push(unused(&e.name, "event", format!(
                            "no rule counts `{0}`, and without a `decay` an event has no other effect; remove the declaration, or score it (`when {0} +5`)",
                            e.name.node
                        )));
                    }
                }
            }
            Item::List(l) => {
                if let Some(Symbol::List(id)) = declared(checker, &l.name) {
                    if !uses.lists.contains(&id) {
                        found.push(unused(&l.name, "list", format!(
                            "nothing is compared with `{0}`; remove the list, or use it (`country in {0}`)",
                            l.name.node
                        )));
                    }
                }
            }
            Item::Let(l) => {
                if let Some(Symbol::Let(id)) = declared(checker, &l.name) {
                    if !uses.lets.contains(&id) {
                        found.push(unused(&l.name, "let", format!(
                            "no rule, let, threshold, label or test uses `{}`; remove the let, or use its name in a condition",
                            l.name.node
                        )));
                    }
                }
            }
            _ => {}
        }
    }
    for d in found {
        checker.report(d);
    }
}

/// The symbol a declaration made, unless it came from a `use`d file:
/// a shared file serves several models, and each uses part of it.
fn declared(checker: &Checker<'_>, name: &ast::Ident) -> Option<Symbol> {
    if checker.includes.contains_key(&name.span.file) {
        return None;
    }
    match checker.names.get(&name.node) {
        Some((symbol, span)) if *span == name.span => Some(*symbol),
        _ => None,
    }
}

fn unused(name: &ast::Ident, what: &str, help: String) -> Diagnostic {
    Diagnostic::new(
        Code::UnusedDeclaration,
        name.span,
        format!("the {what} `{}` is never used", name.node),
    )
    .label("declared here, never used")
    .help(help)
}

fn collect(checker: &Checker<'_>, items: &[Item]) -> Uses {
    let mut uses = Uses::default();
    for item in items {
        match item {
            Item::Rule(rule) => uses.rule(checker, rule),
            Item::Since(field) => uses.name(checker, &field.node.node),
            Item::Group(group) => {
                for m in &group.modifiers {
                    if let ast::Modifier::Since(field) = &m.node {
                        uses.name(checker, &field.node);
                    }
                }
                for entry in &group.entries {
                    match entry {
                        GroupEntry::Rule(rule) => uses.rule(checker, rule),
                        GroupEntry::First(block) => {
                            block.rules.iter().for_each(|r| uses.rule(checker, r))
                        }
                        GroupEntry::Decay(_) => {}
                    }
                }
            }
            Item::First(block) => block.rules.iter().for_each(|r| uses.rule(checker, r)),
            Item::Let(l) => uses.condition(checker, &l.body, false),
            Item::Threshold(t) => uses.threshold(checker, t),
            Item::Label(l) => uses.label(checker, l),
            Item::Test(t) => uses.test(checker, t),
            Item::Account(a) => uses.account(checker, a),
            Item::Lead(fields) => {
                for f in &fields.node {
                    uses.placeholders(checker, f.missing_if.as_ref());
                }
            }
            Item::Event(e) => {
                for p in &e.props {
                    uses.placeholders(checker, p.missing_if.as_ref());
                }
            }
            Item::Use(_) | Item::List(_) | Item::Total(_) | Item::Decay(_) => {}
        }
    }
    uses
}

impl Uses {
    /// A `missing if` that names a list reads it.
    fn placeholders(&mut self, checker: &Checker<'_>, set: Option<&ast::Spanned<ast::ValueSet>>) {
        if let Some(ast::ValueSet::One(ast::Constant::Word(w))) = set.map(|s| &s.node) {
            self.name(checker, w);
        }
    }

    fn name(&mut self, checker: &Checker<'_>, name: &str) {
        match checker.names.get(name) {
            Some((Symbol::Field(id), _)) => self.fields.insert(*id),
            Some((Symbol::Event(id), _)) => self.events.insert(*id),
            Some((Symbol::List(id), _)) => self.lists.insert(*id),
            Some((Symbol::Let(id), _)) => self.lets.insert(*id),
            _ => false,
        };
    }

    /// The lists a value set names; its other bare words are text.
    fn lists_in(&mut self, checker: &Checker<'_>, set: &ValueSet) {
        let words: Vec<&Constant> = match set {
            ValueSet::One(c) => vec![c],
            ValueSet::Many(items) => items.iter().map(|c| &c.node).collect(),
        };
        for word in words {
            if let Constant::Word(w) = word {
                if let Some((Symbol::List(id), _)) = checker.names.get(w) {
                    self.lists.insert(*id);
                }
            }
        }
    }

    /// Reads of a condition; inside an event's `where` (`props_only`),
    /// plain names are the event's properties.
    fn condition(&mut self, checker: &Checker<'_>, expr: &Spanned<Expr>, props_only: bool) {
        for_each_test(expr, &mut |test, _| {
            match &test.operand.node {
                Operand::Name(name) if !props_only => self.name(checker, name),
                Operand::Call { name, arg } => {
                    self.name(checker, &name.node);
                    self.event_arg(checker, &name.node, arg);
                }
                Operand::Last(r) | Operand::First(r) => self.event_ref(checker, r),
                _ => {}
            }
            if let Some(
                Predicate::In { set, .. }
                | Predicate::Contains(set)
                | Predicate::StartsWith(set)
                | Predicate::EndsWith(set),
            ) = test.predicate.as_ref().map(|p| &p.node)
            {
                self.lists_in(checker, &set.node);
            }
        });
    }

    fn event_ref(&mut self, checker: &Checker<'_>, event: &EventRef) {
        self.name(checker, &event.name.node);
        if let Some(arg) = &event.arg {
            self.event_arg(checker, &event.name.node, arg);
        }
    }

    /// A key or a `where`; `members(where ...)` in an account reads the
    /// member's fields, an event's `where` its properties.
    fn event_arg(&mut self, checker: &Checker<'_>, name: &str, arg: &EventArg) {
        match arg {
            EventArg::Key(set) => self.lists_in(checker, &set.node),
            EventArg::Where(filter) => {
                let props_only = event_id(checker, name).is_some();
                self.condition(checker, filter, props_only);
            }
        }
    }

    fn rule(&mut self, checker: &Checker<'_>, rule: &ast::Rule) {
        match &rule.kind {
            RuleKind::When { condition, .. } => self.condition(checker, condition, false),
            RuleKind::Each { event, .. } => self.event_ref(checker, event),
        }
    }

    fn threshold(&mut self, checker: &Checker<'_>, threshold: &ast::Threshold) {
        if let ThresholdCondition::When(e) = &threshold.condition {
            self.condition(checker, e, false);
        }
    }

    fn label(&mut self, checker: &Checker<'_>, label: &ast::Label) {
        if let LabelBody::Cases(cases) = &label.body {
            for e in cases.iter().filter_map(|c| c.condition.as_ref()) {
                self.condition(checker, e, false);
            }
        }
    }

    /// A test reads what it sets and expects: removing a declaration
    /// it names would break it.
    fn test(&mut self, checker: &Checker<'_>, test: &ast::TestBlock) {
        for entry in &test.entries {
            match entry {
                ast::TestEntry::Lead(_, fields) => {
                    for f in fields {
                        self.name(checker, &f.name.node);
                    }
                }
                ast::TestEntry::Events(_, events) => {
                    for e in events {
                        self.name(checker, &e.name.node);
                    }
                }
                ast::TestEntry::Expect(_, e) => self.condition(checker, e, false),
                ast::TestEntry::AsOf(_) => {}
            }
        }
    }

    fn account(&mut self, checker: &Checker<'_>, account: &ast::Account) {
        self.name(checker, &account.key.field.node);
        if let Some(except) = &account.except {
            self.lists_in(checker, &except.node);
        }
        for entry in &account.entries {
            match entry {
                ast::AccountEntry::Rule(rule) => self.rule(checker, rule),
                ast::AccountEntry::First(block) => {
                    block.rules.iter().for_each(|r| self.rule(checker, r))
                }
                ast::AccountEntry::Threshold(t) => self.threshold(checker, t),
                ast::AccountEntry::Label(l) => self.label(checker, l),
                ast::AccountEntry::Rollup(_) => {}
            }
        }
    }
}
