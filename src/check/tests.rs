//! `test` blocks: the lead becomes a JSON record (so it is read exactly as
//! data is) and each `expect` a condition that may read everything.

use serde_json::{json, Map, Value as Json};

use crate::plan::IdVec;

use super::names::Scope;
use super::test_case::{Expectation, TestCase};
use super::test_leads::{subject_span, Subject, TestLeads};
use super::{Checker, Symbol};
use crate::codes::Code;
use crate::diagnostic::{did_you_mean, Diagnostic};
use crate::plan::ValueType;
use crate::syntax::ast::{
    self, Constant, Item, Spanned, TestEntry, TestEventArgs, TestTime, TestValue,
};
use crate::text::fold;
use crate::time::{start_of_day, sub_duration};

impl<'a> Checker<'a> {
    pub(super) fn check_tests(&mut self, items: &[Item]) {
        for item in items {
            if let Item::Test(t) = item {
                if let Some(case) = self.check_test(t) {
                    self.tests.push(case);
                }
            }
        }
    }

    fn check_test(&mut self, test: &ast::TestBlock) -> Option<TestCase> {
        let mut as_of = None;
        for entry in &test.entries {
            if let TestEntry::AsOf(c) = entry {
                let instant = match &c.node {
                    Constant::Date(d) => Some(start_of_day(*d)),
                    Constant::Instant(t) => Some(t.with_timezone(&chrono::Utc)),
                    _ => None,
                };
                if as_of.is_some() {
                    self.report(
                        Diagnostic::new(
                            Code::RepeatedDecay,
                            c.span,
                            "this test has two `as of` lines",
                        )
                        .label("second `as of`")
                        .help("a test is evaluated at one instant; keep one `as of`"),
                    );
                } else {
                    as_of = instant;
                }
            }
        }
        let Some(as_of) = as_of else {
            self.report(
                Diagnostic::new(Code::BadTest, test.name.span, format!("the test {} has no `as of`", crate::syntax::print::quote(&test.name.node)))
                    .label("needs `as of`")
                    .help("add `as of 2026-11-01` (a date or an instant) so the test gives the same result on every day"),
            );
            return None;
        };

        let mut leads = TestLeads::new(test, self.id_key());
        let mut expects = Vec::new();
        let mut member_tests = IdVec::new();
        for entry in &test.entries {
            match entry {
                TestEntry::AsOf(_) => {}
                TestEntry::Lead(name, fields) => {
                    let span = fields.first().map_or(test.name.span, |f| f.name.span);
                    let Some(at) = self.test_lead(&mut leads, name.as_ref(), span) else {
                        continue;
                    };
                    for f in fields {
                        if !leads.given[at].insert(f.name.node.clone()) {
                            self.report(
                                Diagnostic::new(
                                    Code::BadTest,
                                    f.name.span,
                                    format!("the test gives `{}` twice", f.name.node),
                                )
                                .label("given again here")
                                .help("a lead has one value a field; keep one (a `list of text` field takes a list: `tags: [a, b]`)"),
                            );
                            continue;
                        }
                        if f.name.node == "id" && name.is_some() {
                            self.report(
                                Diagnostic::new(
                                    Code::BadTest,
                                    f.name.span,
                                    "this lead already has its id in quotes after `lead`",
                                )
                                .label("a second id")
                                .help("remove `id:`; the text after `lead` is the lead's id"),
                            );
                            continue;
                        }
                        if let Some((key, value)) = self.test_field(f) {
                            leads.records[at].insert(key, value);
                        }
                    }
                }
                TestEntry::Events(lead, list) => {
                    let span = list.first().map_or(test.name.span, |e| e.span);
                    let Some(at) = self.test_lead_named(&leads, lead.as_ref(), "events", span)
                    else {
                        continue;
                    };
                    for e in list {
                        if let Some((event, count)) = self.test_event(e, as_of) {
                            for _ in 0..count {
                                leads.events[at].push(event.clone());
                            }
                        }
                    }
                }
                TestEntry::Expect(subject, e) => {
                    let account = subject.as_ref().filter(|s| s.account);
                    let subject = match account {
                        Some(s) if self.test_account(s) => Subject::Account(s.key.node.clone()),
                        Some(_) => continue,
                        None => {
                            let lead = subject.as_ref().map(|s| &s.key);
                            match self.test_lead_named(&leads, lead, "expect", e.span) {
                                Some(at) => Subject::Lead(at),
                                None => continue,
                            }
                        }
                    };
                    let span = subject_span(entry);
                    self.reads.clear();
                    self.probes = Some(Vec::new());
                    let condition = match subject {
                        Subject::Account(_) => self.account_expectation(e, &mut member_tests),
                        Subject::Lead(_) => self.condition(e, &Scope::Lead),
                    };
                    self.reads.clear();
                    let probes = self.probes.take().unwrap_or_default();
                    // An expectation with errors (reported) is not run.
                    let Some(condition) = condition else {
                        continue;
                    };
                    expects.push(Expectation {
                        subject,
                        condition,
                        source: self.source_text(span),
                        span,
                        probes,
                    });
                }
            }
        }
        Some(TestCase {
            name: test.name.node.clone(),
            as_of,
            leads: leads.finish(),
            expects,
            member_tests,
            span: test.span,
        })
    }

    fn test_field(&mut self, field: &ast::TestField) -> Option<(String, Json)> {
        if field.name.node == "id" {
            return Some((
                self.id_key(),
                constant_json(&test_constant(&field.value.node)?),
            ));
        }
        let Some((Symbol::Field(id), _)) = self.names.get(&field.name.node).copied() else {
            let fields: Vec<String> = self.model.fields.iter().map(|f| f.name.clone()).collect();
            let help = match did_you_mean(&field.name.node, fields.iter().map(String::as_str)) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("the lead's fields are: {}", fields.join(", ")),
            };
            self.report(
                Diagnostic::new(
                    Code::BadTest,
                    field.name.span,
                    format!("`{}` is not a field of the lead", field.name.node),
                )
                .label("unknown field")
                .help(help),
            );
            return None;
        };
        let f = self.model.fields.get(id)?;
        let (key, ty) = (f.key.clone(), f.ty);
        let value = self.test_value(&field.value, ty, &field.name.node)?;
        Some((key, value))
    }

    fn test_value(
        &mut self,
        value: &Spanned<TestValue>,
        ty: ValueType,
        name: &str,
    ) -> Option<Json> {
        let fits = match (&value.node, ty) {
            (TestValue::Many(items), ValueType::TextList) => items
                .iter()
                .all(|c| matches!(c.node, Constant::Text(_) | Constant::Word(_))),
            (TestValue::Many(_), _) => false,
            (TestValue::One(c), ValueType::Text) => {
                matches!(c, Constant::Text(_) | Constant::Word(_))
            }
            (TestValue::One(c), ValueType::TextList) => {
                matches!(c, Constant::Text(_) | Constant::Word(_))
            }
            (TestValue::One(c), ValueType::Number) => matches!(c, Constant::Number(_)),
            (TestValue::One(c), ValueType::Bool) => matches!(c, Constant::Bool(_)),
            (TestValue::One(c), ValueType::Date) => {
                matches!(c, Constant::Date(_) | Constant::Instant(_))
            }
            (TestValue::One(c), ValueType::Enum(e)) => match c {
                Constant::Text(t) | Constant::Word(t) => {
                    let values = self.model.enums.get(e).cloned().unwrap_or_default();
                    if !values.iter().any(|v| fold(v) == fold(t)) {
                        self.report(
                            Diagnostic::new(
                                Code::NotInSet,
                                value.span,
                                format!("`{t}` is not one of the values of `{name}`"),
                            )
                            .label("unknown value")
                            .help(format!("the values are: {}", values.join(", "))),
                        );
                        return None;
                    }
                    true
                }
                _ => false,
            },
        };
        if !fits {
            let expected = match ty {
                ValueType::Text => "text",
                ValueType::Number => "a number",
                ValueType::Bool => "`true` or `false`",
                ValueType::Date => "a date",
                ValueType::Enum(_) => "one of its values",
                ValueType::TextList => "a list of text such as `[a, b]`",
            };
            self.report(
                Diagnostic::new(
                    Code::BadTest,
                    value.span,
                    format!("`{name}` expects {expected}"),
                )
                .label("wrong type for this field")
                .help(format!("give `{name}` {expected}")),
            );
            return None;
        }
        Some(match &value.node {
            TestValue::One(c) => constant_json(c),
            TestValue::Many(items) => {
                Json::Array(items.iter().map(|c| constant_json(&c.node)).collect())
            }
        })
    }

    /// A test event dated before the year 0: no record can hold it.
    fn too_long_ago(&mut self, event: &ast::TestEvent) {
        self.report(
            Diagnostic::new(
                Code::BadTest,
                event.time.span,
                "this time lies before the year 0, which no record can hold",
            )
            .label("too long ago")
            .help("write a time within a few years of the test's `as of`, such as `30d ago` or `2y ago`"),
        );
    }

    fn test_event(
        &mut self,
        event: &ast::TestEvent,
        as_of: crate::time::Instant,
    ) -> Option<(Json, u32)> {
        let Some((Symbol::Event(id), _)) = self.names.get(&event.name.node).copied() else {
            let events: Vec<String> = self.model.events.iter().map(|e| e.name.clone()).collect();
            self.unknown_name(
                &event.name.node,
                event.name.span,
                events,
                "the event with `event NAME(...)`",
            );
            return None;
        };
        let (event_name, props): (String, Vec<(String, ValueType)>) = {
            let e = self.model.events.get(id)?;
            (
                e.name.clone(),
                e.props.iter().map(|p| (p.name.clone(), p.ty)).collect(),
            )
        };
        let at = match &event.time.node {
            TestTime::Ago(d) => match sub_duration(as_of, *d, 1) {
                Some(at) => at,
                None => {
                    self.too_long_ago(event);
                    return None;
                }
            },
            TestTime::At(Constant::Date(d)) => start_of_day(*d),
            TestTime::At(Constant::Instant(t)) => t.with_timezone(&chrono::Utc),
            TestTime::At(_) => return None,
        };
        // A record's instant is RFC 3339, years 0000 to 9999.
        if !(0..=9999).contains(&chrono::Datelike::year(&at)) {
            self.too_long_ago(event);
            return None;
        }
        let mut object = Map::new();
        object.insert("type".to_string(), json!(event_name));
        object.insert(
            "at".to_string(),
            json!(at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
        );
        match &event.args {
            TestEventArgs::None => {}
            TestEventArgs::Key(c) => match props.first() {
                Some((key, ty)) => {
                    let value = self.test_value(
                        &Spanned::new(TestValue::One(c.node.clone()), c.span),
                        *ty,
                        key,
                    )?;
                    object.insert(key.clone(), value);
                }
                None => {
                    self.report(
                        Diagnostic::new(
                            Code::EventArgument,
                            c.span,
                            format!("the event `{event_name}` has no properties, so it has no key"),
                        )
                        .label("no key")
                        .help(format!("write `{event_name}` without an argument")),
                    );
                    return None;
                }
            },
            TestEventArgs::Props(list) => {
                for (name, c) in list {
                    let Some((_, ty)) = props.iter().find(|(p, _)| *p == name.node) else {
                        let names: Vec<String> = props.iter().map(|(p, _)| p.clone()).collect();
                        let help = match did_you_mean(&name.node, names.iter().map(String::as_str))
                        {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => format!(
                                "the properties of `{event_name}` are: {}",
                                names.join(", ")
                            ),
                        };
                        self.report(
                            Diagnostic::new(
                                Code::BadTest,
                                name.span,
                                format!("`{}` is not a property of `{event_name}`", name.node),
                            )
                            .label("unknown property")
                            .help(help),
                        );
                        return None;
                    };
                    let value = self.test_value(
                        &Spanned::new(TestValue::One(c.node.clone()), c.span),
                        *ty,
                        &name.node,
                    )?;
                    object.insert(name.node.clone(), value);
                }
            }
        }
        let count = event.repeat.as_ref().map(|r| r.node).unwrap_or(1);
        Some((Json::Object(object), count))
    }
}

fn test_constant(value: &TestValue) -> Option<Constant> {
    match value {
        TestValue::One(c) => Some(c.clone()),
        TestValue::Many(_) => None,
    }
}

fn constant_json(c: &Constant) -> Json {
    match c {
        Constant::Text(t) | Constant::Word(t) => Json::String(t.clone()),
        Constant::Number(n) => serde_json::Number::from_f64(*n)
            .map(Json::Number)
            .unwrap_or(Json::Null),
        Constant::Bool(b) => Json::Bool(*b),
        Constant::Date(d) => Json::String(d.format("%Y-%m-%d").to_string()),
        Constant::Instant(t) => Json::String(t.to_rfc3339()),
    }
}
