//! Thresholds and labels: declared in order, each reading only what is
//! declared above it.

use super::names::{Read, ReadWhat, Scope};
use super::{normalize_source, Checker, Symbol};
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::plan::{Cond, GroupId, Order, Output, OutputId, Pred, Value};
use crate::source::Span;
use crate::syntax::ast::{self, BoundOp, Item, LabelBody, ScoreName, Spanned, ThresholdCondition};
use crate::syntax::print::bound;
use crate::text::fold;

impl<'a> Checker<'a> {
    /// Binds the name of a threshold or label so that conditions anywhere
    /// can resolve it (and be told when it comes too late).
    pub(super) fn declare_output(&mut self, item: &Item, scope: Scope) {
        let symbol = |id| match scope {
            Scope::Account => Symbol::AccountOutput(id),
            _ => Symbol::Output(id),
        };
        match item {
            Item::Threshold(t) => {
                if t.name.is_none() {
                    if let Some(first) = self.unnamed_threshold {
                        let (line, _) = self.sources.line_col(first.file, first.start);
                        self.report(
                            Diagnostic::new(Code::RepeatedDecay, t.span, "a second threshold without a name")
                                .label("also named `qualified`")
                                .help(format!("an unnamed threshold is called `qualified`, and the one on line {line} already is; name this one: `threshold hot 80`")),
                        );
                        return;
                    }
                    self.unnamed_threshold = Some(t.span);
                }
                let name = t
                    .name
                    .clone()
                    .unwrap_or_else(|| Spanned::new("qualified".to_string(), t.span));
                let id = self.model.outputs.next_id();
                if self.bind(&name, symbol(id)) {
                    let source = match &t.condition {
                        ThresholdCondition::AtLeast(n) => bound("score", BoundOp::Ge, n.node),
                        ThresholdCondition::When(e) => normalize_source(self.sources.text(e.span)),
                    };
                    self.model.outputs.push(Output::Threshold {
                        name: name.node,
                        // Reserved: the condition is checked once every
                        // output is declared, and a model whose condition
                        // fails never becomes a plan.
                        condition: Cond::And(Vec::new()),
                        source,
                    });
                }
            }
            Item::Label(l) => {
                let mut values: Vec<String> = Vec::new();
                let spelled: Vec<&Spanned<String>> = match &l.body {
                    LabelBody::From { clauses, .. } => clauses.iter().map(|c| &c.value).collect(),
                    LabelBody::Cases(cases) => cases.iter().map(|c| &c.value).collect(),
                };
                let short_form = matches!(l.body, LabelBody::From { .. });
                for v in spelled {
                    if !values.iter().any(|x| fold(x) == fold(&v.node)) {
                        values.push(v.node.clone());
                    } else if short_form {
                        // In the block form a value may have several cases; in
                        // the short form a repeat is a slip.
                        self.report(
                            Diagnostic::new(Code::DuplicateValue, v.span, format!("`{}` appears twice in the label `{}`", v.node, l.name.node))
                                .label("repeated value")
                                .help("label values compare without letter case; give each clause its own value"),
                        );
                    }
                }
                let sources = match &l.body {
                    LabelBody::From { score, clauses } => clauses
                        .iter()
                        .map(|c| match &c.bound {
                            Some((op, n)) => bound(&score.to_string(), op.node, n.node),
                            None => "otherwise".to_string(),
                        })
                        .collect(),
                    LabelBody::Cases(cases) => cases
                        .iter()
                        .map(|c| match &c.condition {
                            Some(e) => normalize_source(self.sources.text(e.span)),
                            None => "otherwise".to_string(),
                        })
                        .collect(),
                };
                let id = self.model.outputs.next_id();
                if self.bind(&l.name, symbol(id)) {
                    self.model.outputs.push(Output::Label {
                        name: l.name.node.clone(),
                        values,
                        cases: Vec::new(),
                        sources,
                    });
                }
            }
            _ => {}
        }
    }

    pub(super) fn check_outputs(&mut self, items: &[Item]) {
        for item in items {
            match item {
                Item::Threshold(t) => self.check_threshold(t, Scope::Lead),
                Item::Label(l) => self.check_label(l, Scope::Lead),
                _ => {}
            }
        }
    }

    /// Checks a threshold in lead or account scope; in account scope
    /// `self.model.outputs` holds the account's outputs.
    pub(super) fn check_threshold(&mut self, t: &ast::Threshold, scope: Scope) {
        let (name, span) = match &t.name {
            Some(n) => (n.node.as_str(), n.span),
            None => ("qualified", t.span),
        };
        let Some(id) = self.output_declared_at(name, span) else {
            return;
        };
        self.reads.clear();
        let condition = match &t.condition {
            ThresholdCondition::AtLeast(n) => {
                Cond::Test(Value::Score, Pred::Number(Order::Ge, n.node))
            }
            ThresholdCondition::When(e) => match self.condition(e, &scope) {
                Some(c) => c,
                None => return,
            },
        };
        self.check_output_reads(id);
        if let Some(Output::Threshold { condition: c, .. }) = self.model.outputs.get_mut(id) {
            *c = condition;
        }
    }

    pub(super) fn check_label(&mut self, l: &ast::Label, scope: Scope) {
        let Some(id) = self.output_declared_at(&l.name.node, l.name.span) else {
            return;
        };
        self.reads.clear();
        let cases = self.label_cases(id, l, scope);
        self.check_output_reads(id);
        if let Some(Output::Label { cases: c, .. }) = self.model.outputs.get_mut(id) {
            *c = cases;
        }
    }

    /// The output declared by the item at `span`; `None` when its name was
    /// taken by an earlier declaration (already reported).
    fn output_declared_at(&self, name: &str, span: Span) -> Option<OutputId> {
        match self.names.get(name) {
            Some((Symbol::Output(id) | Symbol::AccountOutput(id), s)) if *s == span => Some(*id),
            _ => None,
        }
    }

    fn check_output_reads(&mut self, id: OutputId) {
        let reads = std::mem::take(&mut self.reads);
        let own = self
            .model
            .outputs
            .get(id)
            .map(|o| o.name().to_string())
            .unwrap_or_default();
        for read in reads {
            if let ReadWhat::Output(other, name) = &read.what {
                if *other >= id {
                    let message = if *other == id {
                        format!("`{own}` reads itself")
                    } else {
                        format!("`{own}` reads `{name}`, which is declared after it")
                    };
                    let message = match &read.via_let {
                        Some(l) => format!("{message} (through the let `{l}`)"),
                        None => message,
                    };
                    self.report(
                        Diagnostic::new(Code::ReadBeforeDeclared, read.span, message)
                            .label("not yet computed here")
                            .help(if *other == id {
                                format!("a threshold or label cannot read its own value; base `{own}` on `score`, groups, or those declared above it")
                            } else {
                                format!("thresholds and labels are computed in order; move `{name}` above `{own}`")
                            }),
                    );
                }
            }
        }
    }

    fn label_cases(
        &mut self,
        id: OutputId,
        label: &ast::Label,
        scope: Scope,
    ) -> Vec<(usize, Option<Cond>)> {
        let values = match self.model.outputs.get(id) {
            Some(Output::Label { values, .. }) => values.clone(),
            _ => return Vec::new(),
        };
        let index_of = |v: &str| values.iter().position(|x| fold(x) == fold(v)).unwrap_or(0);
        let mut cases = Vec::new();
        match &label.body {
            LabelBody::From { score, clauses } => {
                let subject = match score {
                    ScoreName::Total(span) => {
                        self.reads.push(Read {
                            what: ReadWhat::Score,
                            span: *span,
                            via_let: None,
                        });
                        Some(Value::Score)
                    }
                    ScoreName::Group(g) if matches!(scope, Scope::Account) => {
                        self.report(
                            Diagnostic::new(
                                Code::AccountScope,
                                g.span,
                                format!("an account label cannot read `{}`", g.node),
                            )
                            .label("not the account's score")
                            .help("an account label reads the account's `score`; to roll up a group, write `rollup sum of GROUP`"),
                        );
                        None
                    }
                    ScoreName::Group(g) => self
                        .group_named(g, "a label `from` reads `score` or a group's name")
                        .map(Value::Group),
                };
                let Some(subject) = subject else {
                    return Vec::new();
                };
                let mut coverage = Coverage::default();
                for (i, clause) in clauses.iter().enumerate() {
                    let value = index_of(&clause.value.node);
                    let unreachable = match &clause.bound {
                        Some((op, n)) => {
                            let reached = coverage.add(op.node, n.node);
                            !reached
                        }
                        // A bare value before the end is E027 below; the
                        // clauses after it are judged without it.
                        None if i + 1 < clauses.len() => false,
                        None => {
                            let covered = coverage.everything();
                            coverage.all = true;
                            covered
                        }
                    };
                    if unreachable {
                        self.unreachable_label(&clause.value, &label.name.node);
                    }
                    match &clause.bound {
                        Some((op, n)) => {
                            let order = match op.node {
                                BoundOp::Ge => Order::Ge,
                                BoundOp::Gt => Order::Gt,
                                BoundOp::Le => Order::Le,
                                BoundOp::Lt => Order::Lt,
                            };
                            cases.push((
                                value,
                                Some(Cond::Test(subject, Pred::Number(order, n.node))),
                            ));
                        }
                        None => {
                            if i + 1 < clauses.len() {
                                self.report(
                                    Diagnostic::new(
                                        Code::MisplacedFallback,
                                        clause.value.span,
                                        format!(
                                            "`{}` has no bound, but only the last value of a label may be bare",
                                            clause.value.node
                                        ),
                                    )
                                    .label("a fallback before the end")
                                    .help(format!(
                                        "give it a bound (`{} >= 10`), or move it to the end as the fallback",
                                        clause.value.node
                                    )),
                                );
                            }
                            cases.push((value, None));
                        }
                    }
                }
            }
            LabelBody::Cases(list) => {
                let mut fallback_seen = false;
                for case in list {
                    if fallback_seen {
                        self.unreachable_label(&case.value, &label.name.node);
                    }
                    let value = index_of(&case.value.node);
                    match &case.condition {
                        Some(e) => {
                            if let Some(c) = self.condition(e, &scope) {
                                cases.push((value, Some(c)));
                            }
                        }
                        None => {
                            fallback_seen = true;
                            cases.push((value, None));
                        }
                    }
                }
            }
        }
        cases
    }

    /// The group a score name names, reporting anything else.
    pub(super) fn group_named(&mut self, g: &ast::Ident, help: &str) -> Option<GroupId> {
        match self.names.get(&g.node).copied() {
            Some((Symbol::Group(gid), _)) => Some(gid),
            Some((other, _)) => {
                self.report(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        g.span,
                        format!("`{}` is {}, not a score", g.node, other.kind()),
                    )
                    .label("not a score")
                    .help(help.to_string()),
                );
                None
            }
            None => {
                let groups: Vec<String> =
                    self.model.groups.iter().map(|g| g.name.clone()).collect();
                self.unknown_name(
                    &g.node,
                    g.span,
                    groups,
                    "the group with `score NAME { ... }`",
                );
                None
            }
        }
    }

    fn unreachable_label(&mut self, value: &Spanned<String>, label: &str) {
        self.report(
            Diagnostic::new(
                Code::UnreachableLabel,
                value.span,
                format!(
                    "the value `{}` of label `{label}` can never be chosen",
                    value.node
                ),
            )
            .label("earlier clauses take every score this one could")
            .help(
                "order the clauses from the strictest bound to the loosest, with the fallback last",
            ),
        );
    }
}

/// The union of the half-lines taken by earlier label clauses.
#[derive(Default)]
struct Coverage {
    /// Smallest lower bound of `>=`/`>` clauses: (bound, inclusive).
    upward: Option<(f64, bool)>,
    /// Largest upper bound of `<=`/`<` clauses.
    downward: Option<(f64, bool)>,
    all: bool,
}

impl Coverage {
    fn everything(&self) -> bool {
        if self.all {
            return true;
        }
        match (self.upward, self.downward) {
            (Some((lo, lo_inc)), Some((hi, hi_inc))) => lo < hi || (lo == hi && (lo_inc || hi_inc)),
            _ => false,
        }
    }

    /// Adds a clause; returns whether it can still be reached.
    fn add(&mut self, op: BoundOp, n: f64) -> bool {
        let reachable = !self.everything()
            && match op {
                BoundOp::Ge | BoundOp::Gt => {
                    let inclusive = op == BoundOp::Ge;
                    let covered = self
                        .upward
                        .is_some_and(|(lo, lo_inc)| lo < n || (lo == n && (lo_inc || !inclusive)));
                    !covered
                }
                BoundOp::Le | BoundOp::Lt => {
                    let inclusive = op == BoundOp::Le;
                    let covered = self
                        .downward
                        .is_some_and(|(hi, hi_inc)| hi > n || (hi == n && (hi_inc || !inclusive)));
                    !covered
                }
            };
        match op {
            BoundOp::Ge | BoundOp::Gt => {
                let candidate = (n, op == BoundOp::Ge);
                self.upward = Some(match self.upward {
                    Some(cur) if cur.0 < n || (cur.0 == n && cur.1) => cur,
                    _ => candidate,
                });
            }
            BoundOp::Le | BoundOp::Lt => {
                let candidate = (n, op == BoundOp::Le);
                self.downward = Some(match self.downward {
                    Some(cur) if cur.0 > n || (cur.0 == n && cur.1) => cur,
                    _ => candidate,
                });
            }
        }
        reachable
    }
}
