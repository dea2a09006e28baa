//! The leads of a `test` block and what its expectations are about. A test
//! has one lead, whose id is the test's name, or several, each named by its
//! id (`lead "ann" { ... }`, `events "ann" { ... }`); an expectation is about
//! the one lead, a named lead (`expect lead "ann" ...`) or an account
//! (`expect account "acme.com" ...`), the latter checked in account scope.

use std::collections::HashSet;

use serde_json::{Map, Value as Json};

use super::names::Scope;
use super::Checker;
use crate::codes::Code;
use crate::diagnostic::{did_you_mean, Diagnostic};
use crate::plan::{Cond, IdVec, MemberTest, MemberTestId};
use crate::source::Span;
use crate::syntax::ast::{Expr, Spanned, TestBlock, TestEntry, TestSubject};
use crate::syntax::print::quote;

/// The records a test builds, one a lead, in the order written.
pub(super) struct TestLeads {
    /// Whether the test names its leads.
    named: bool,
    ids: Vec<String>,
    pub(super) records: Vec<Map<String, Json>>,
    pub(super) events: Vec<Vec<Json>>,
    /// The fields each lead was given, to report one given twice.
    pub(super) given: Vec<HashSet<String>>,
    id_key: String,
}

impl TestLeads {
    pub(super) fn new(test: &TestBlock, id_key: String) -> Self {
        let named = test
            .entries
            .iter()
            .any(|e| matches!(e, TestEntry::Lead(Some(_), _)));
        let mut leads = TestLeads {
            named,
            ids: Vec::new(),
            records: Vec::new(),
            events: Vec::new(),
            given: Vec::new(),
            id_key,
        };
        if !named {
            leads.push(test.name.node.clone());
        }
        leads
    }

    fn push(&mut self, id: String) -> usize {
        let mut record = Map::new();
        record.insert(self.id_key.clone(), Json::String(id.clone()));
        self.ids.push(id);
        self.records.push(record);
        self.events.push(Vec::new());
        self.given.push(HashSet::new());
        self.ids.len() - 1
    }

    fn find(&self, id: &str) -> Option<usize> {
        self.ids.iter().position(|i| i == id)
    }

    /// Each lead as a record, its events under `events`.
    pub(super) fn finish(self) -> Vec<Json> {
        self.records
            .into_iter()
            .zip(self.events)
            .map(|(mut record, events)| {
                record.insert("events".to_string(), Json::Array(events));
                Json::Object(record)
            })
            .collect()
    }
}

/// What an expectation is about.
#[derive(Clone, Debug, PartialEq)]
pub enum Subject {
    /// The test's lead at this index.
    Lead(usize),
    /// The account with this key, as written.
    Account(String),
}

/// An `expect` entry's span, from its subject to the end of its condition.
pub(super) fn subject_span(entry: &TestEntry) -> Span {
    match entry {
        TestEntry::Expect(Some(s), e) => s.span.to(e.span),
        TestEntry::Expect(None, e) => e.span,
        _ => Span::default(),
    }
}

impl<'a> Checker<'a> {
    /// The index of the lead a `lead` entry gives fields to, `None` when
    /// the entry is wrong (reported).
    pub(super) fn test_lead(
        &mut self,
        leads: &mut TestLeads,
        name: Option<&Spanned<String>>,
        span: Span,
    ) -> Option<usize> {
        match name {
            None if leads.named => {
                self.report(
                    Diagnostic::new(Code::BadTest, span, "this test names its leads, but not this one")
                        .label("a lead without an id")
                        .help("give it its id after `lead`: `lead \"L-2\" { ... }`; events and expectations name a lead by it"),
                );
                None
            }
            None => Some(0),
            Some(id) if leads.find(&id.node).is_some() => {
                self.report(
                    Diagnostic::new(
                        Code::BadTest,
                        id.span,
                        format!("the test has two leads with the id {}", quote(&id.node)),
                    )
                    .label("id given again")
                    .help("give each lead of a test its own id; put all of one lead's fields in one `lead` block"),
                );
                None
            }
            Some(id) => Some(leads.push(id.node.clone())),
        }
    }

    /// The index of the lead that `events` or `expect` names (or means,
    /// when the test has one lead); `None` when there is none (reported).
    pub(super) fn test_lead_named(
        &mut self,
        leads: &TestLeads,
        name: Option<&Spanned<String>>,
        what: &str,
        span: Span,
    ) -> Option<usize> {
        let Some(name) = name else {
            if !leads.named || leads.ids.len() == 1 {
                return Some(0);
            }
            let first = leads.ids.first().map_or("L-1", String::as_str);
            let help = match what {
                "events" => format!("name the lead they belong to: `events {} {{ ... }}`", quote(first)),
                _ => format!(
                    "say what it is about: `expect lead {} ...`, or an account: `expect account \"acme.com\" ...`",
                    quote(first)
                ),
            };
            self.report(
                Diagnostic::new(
                    Code::BadTest,
                    span,
                    format!("this test has several leads; which one is this `{what}` about?"),
                )
                .label("names no lead")
                .help(help),
            );
            return None;
        };
        if let Some(at) = leads.find(&name.node).filter(|_| leads.named) {
            return Some(at);
        }
        let help = if !leads.named {
            format!(
                "this test's lead has no id of its own; name it `lead {} {{ ... }}` to give a test several leads",
                quote(&name.node)
            )
        } else {
            match did_you_mean(&name.node, leads.ids.iter().map(String::as_str)) {
                Some(s) => format!("did you mean {}?", quote(s)),
                None => format!("the test's leads are: {}", leads.ids.join(", ")),
            }
        };
        self.report(
            Diagnostic::new(
                Code::BadTest,
                name.span,
                format!("the test has no lead {}", quote(&name.node)),
            )
            .label("no such lead")
            .help(help),
        );
        None
    }

    /// Whether `expect account` can be checked: the model has an account
    /// block (reported when it has none).
    pub(super) fn test_account(&mut self, subject: &TestSubject) -> bool {
        if self.model.account.is_some() {
            return true;
        }
        // A block with errors of its own has been reported already.
        if self.account.first.is_none() {
            self.report(
                Diagnostic::new(Code::BadTest, subject.span, "the model has no `account` block")
                    .label("no accounts to expect")
                    .help("add `account by domain of email { ... }` to score accounts, or expect something of a lead"),
            );
        }
        false
    }

    /// An `expect account` condition, checked as an account threshold's
    /// is; the `members(where ...)` counts it reads are the test's own.
    pub(super) fn account_expectation(
        &mut self,
        condition: &Spanned<Expr>,
        member_tests: &mut IdVec<MemberTestId, MemberTest>,
    ) -> Option<Cond> {
        let outputs = std::mem::take(&mut self.model.account.as_mut()?.outputs);
        let lead_outputs = std::mem::replace(&mut self.model.outputs, outputs);
        self.account.outputs = lead_outputs;
        self.account.swapped = true;
        std::mem::swap(&mut self.account.member_tests, member_tests);
        self.account.reads.clear();
        let cond = self.condition(condition, &Scope::Account);
        std::mem::swap(&mut self.account.member_tests, member_tests);
        self.account.swapped = false;
        let lead_outputs = std::mem::take(&mut self.account.outputs);
        let outputs = std::mem::replace(&mut self.model.outputs, lead_outputs);
        if let Some(account) = self.model.account.as_mut() {
            account.outputs = outputs;
        }
        cond
    }
}
