//! Lowering of `test` blocks: the `as of`, the lead's field values, its
//! events and the expectations.

use super::{Lowerer, P};
use crate::codes::Code;
use crate::syntax::ast::{
    Constant, Spanned, TestBlock, TestEntry, TestEvent, TestEventArgs, TestField, TestSubject,
    TestTime, TestValue,
};
use crate::syntax::grammar::Rule as R;

impl Lowerer {
    pub(super) fn lower_test_block(&mut self, pair: P) -> Option<TestBlock> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner().skip(1);
        let name = self.lower_text(inner.next()?);
        let mut entries = Vec::new();
        for p in inner {
            let entry = match p.as_rule() {
                R::test_as_of => {
                    let t = p
                        .into_inner()
                        .find(|p| matches!(p.as_rule(), R::instant | R::date))?;
                    let tspan = self.span(&t);
                    let constant = if t.as_rule() == R::date {
                        Constant::Date(self.parse_date(t.as_str(), tspan)?)
                    } else {
                        Constant::Instant(self.parse_instant(t.as_str(), tspan)?)
                    };
                    TestEntry::AsOf(Spanned::new(constant, tspan))
                }
                R::test_lead => {
                    let (mut name, mut fields) = (None, Vec::new());
                    for f in p.into_inner() {
                        match f.as_rule() {
                            R::text => name = Some(self.lower_text(f)),
                            R::test_field => fields.extend(self.lower_test_field(f)),
                            _ => {}
                        }
                    }
                    TestEntry::Lead(name, fields)
                }
                R::test_events => {
                    let (mut lead, mut events) = (None, Vec::new());
                    for e in p.into_inner() {
                        match e.as_rule() {
                            R::text => lead = Some(self.lower_text(e)),
                            R::test_event => events.extend(self.lower_test_event(e)),
                            _ => {}
                        }
                    }
                    TestEntry::Events(lead, events)
                }
                R::test_expect => {
                    let (mut subject, mut expr) = (None, None);
                    for e in p.into_inner() {
                        match e.as_rule() {
                            R::test_subject => subject = self.lower_test_subject(e),
                            R::expr => expr = Some(self.lower_expr(e)),
                            _ => {}
                        }
                    }
                    TestEntry::Expect(subject, expr?)
                }
                _ => continue,
            };
            entries.push(entry);
        }
        Some(TestBlock {
            name,
            entries,
            span,
        })
    }

    fn lower_test_subject(&mut self, pair: P) -> Option<TestSubject> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let account = inner.next()?.as_rule() == R::kw_account;
        let key = self.lower_text(inner.next()?);
        Some(TestSubject { account, key, span })
    }

    fn lower_test_field(&mut self, pair: P) -> Option<TestField> {
        let mut inner = pair.into_inner();
        let name = self.lower_ident(inner.next()?);
        let value_pair = inner.next()?;
        let vspan = self.span(&value_pair);
        let value = match value_pair.as_rule() {
            R::list_literal => TestValue::Many(self.lower_list_literal(value_pair)),
            _ => TestValue::One(self.lower_constant(value_pair)?.node),
        };
        Some(TestField {
            name,
            value: Spanned::new(value, vspan),
        })
    }

    fn lower_test_event(&mut self, pair: P) -> Option<TestEvent> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = self.lower_ident(inner.next()?);
        let mut args = TestEventArgs::None;
        let mut repeat = None;
        let mut time = None;
        for p in inner {
            match p.as_rule() {
                R::test_event_args => {
                    let parts: Vec<P> = p.into_inner().collect();
                    if parts.iter().all(|p| p.as_rule() == R::test_prop) {
                        let mut props = Vec::new();
                        for prop in parts {
                            let mut kv = prop.into_inner();
                            let key = self.lower_ident(kv.next()?);
                            let value = self.lower_constant(kv.next()?)?;
                            props.push((key, value));
                        }
                        args = TestEventArgs::Props(props);
                    } else if let Some(c) = parts.into_iter().next() {
                        args = TestEventArgs::Key(self.lower_constant(c)?);
                    }
                }
                R::repeat => {
                    let rspan = self.span(&p);
                    let n = p.as_str().trim_start_matches('x').parse::<u32>().ok();
                    match n {
                        Some(n) if (1..=10_000).contains(&n) => {
                            repeat = Some(Spanned::new(n, rspan))
                        }
                        _ => self.error(
                            Code::InvalidLiteral,
                            rspan,
                            format!("`{}` is not a usable repeat count", p.as_str()),
                            "repeat count",
                            "write x1 to x10000",
                        ),
                    }
                }
                R::test_time => {
                    let tspan = self.span(&p);
                    let t = p.into_inner().next()?;
                    let value = match t.as_rule() {
                        R::duration => TestTime::Ago(self.lower_duration(t).node),
                        R::date => {
                            TestTime::At(Constant::Date(self.parse_date(t.as_str(), tspan)?))
                        }
                        _ => {
                            TestTime::At(Constant::Instant(self.parse_instant(t.as_str(), tspan)?))
                        }
                    };
                    time = Some(Spanned::new(value, tspan));
                }
                _ => {}
            }
        }
        Some(TestEvent {
            name,
            args,
            repeat,
            time: time?,
            span,
        })
    }
}
