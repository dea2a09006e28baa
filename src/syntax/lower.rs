//! Lowering: pest pairs to AST nodes, one `lower_<rule>` function per
//! grammar rule. Problems pest cannot see (bad escapes, impossible dates)
//! are collected as diagnostics while lowering continues.

use chrono::{DateTime, NaiveDate};
use pest::iterators::Pair;

use super::ast::*;
use super::grammar::Rule as R;
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span};

pub struct Lowerer {
    pub file: FileId,
    pub diagnostics: Vec<Diagnostic>,
}

type P<'i> = Pair<'i, R>;

impl Lowerer {
    /// The span of a pair without the whitespace and comments that pest's
    /// implicit skipping leaves at the end of a rule ending in `?` or `*`.
    fn span(&self, pair: &P) -> Span {
        let s = pair.as_span();
        Span::new(self.file, s.start(), s.start() + content_len(s.as_str()))
    }

    fn error(&mut self, code: Code, span: Span, message: String, label: &str, help: &str) {
        let mut d = Diagnostic::new(code, span, message).label(label);
        if !help.is_empty() {
            d = d.help(help);
        }
        self.diagnostics.push(d);
    }

    pub fn lower_file(&mut self, pair: P) -> File {
        let items = pair
            .into_inner()
            .filter(|p| p.as_rule() != R::EOI)
            .filter_map(|p| self.lower_item(p))
            .collect();
        File { items }
    }

    fn lower_item(&mut self, pair: P) -> Option<Item> {
        let span = self.span(&pair);
        Some(match pair.as_rule() {
            R::use_item => {
                let text = pair.into_inner().nth(1)?;
                Item::Use(self.lower_text(text))
            }
            R::lead_decl => {
                let fields = pair
                    .into_inner()
                    .filter(|p| p.as_rule() == R::field_decl)
                    .filter_map(|p| self.lower_field_decl(p))
                    .collect();
                Item::Lead(Spanned::new(fields, span))
            }
            R::event_decl => Item::Event(self.lower_event_decl(pair)?),
            R::list_decl => Item::List(self.lower_list_decl(pair)?),
            R::let_decl => {
                let mut inner = pair.into_inner().skip(1);
                let name = self.lower_ident(inner.next()?);
                let body = self.lower_expr(inner.next()?);
                Item::Let(LetDecl { name, body, span })
            }
            R::when_rule | R::each_rule => Item::Rule(self.lower_rule(pair)?),
            R::group => Item::Group(self.lower_group(pair)?),
            R::total => {
                let modifiers = pair
                    .into_inner()
                    .skip(1)
                    .filter_map(|p| self.lower_modifier(p))
                    .collect();
                Item::Total(Spanned::new(modifiers, span))
            }
            R::decay => Item::Decay(self.lower_decay(pair)?),
            R::threshold => Item::Threshold(self.lower_threshold(pair)?),
            R::label => Item::Label(self.lower_label(pair)?),
            R::test_block => Item::Test(self.lower_test_block(pair)?),
            R::account => Item::Account(self.lower_account(pair)?),
            _ => return None,
        })
    }

    fn lower_ident(&mut self, pair: P) -> Ident {
        Spanned::new(pair.as_str().to_string(), self.span(&pair))
    }

    fn lower_field_decl(&mut self, pair: P) -> Option<FieldDecl> {
        let mut inner = pair.into_inner();
        let name = self.lower_ident(inner.next()?);
        let ty = self.lower_type(inner.next()?)?;
        let key = inner
            .find(|p| p.as_rule() == R::text)
            .map(|p| self.lower_text(p));
        Some(FieldDecl { name, ty, key })
    }

    fn lower_type(&mut self, pair: P) -> Option<Spanned<TypeExpr>> {
        let span = self.span(&pair);
        let inner = pair.into_inner().next()?;
        let ty = match inner.as_rule() {
            R::type_one_of => {
                let list = inner
                    .into_inner()
                    .find(|p| p.as_rule() == R::list_literal)?;
                TypeExpr::OneOf(self.lower_list_literal(list))
            }
            R::type_list_of => {
                let elem = inner.into_inner().find(|p| p.as_rule() == R::ident)?;
                TypeExpr::ListOf(self.lower_ident(elem))
            }
            _ => TypeExpr::Named(inner.as_str().to_string()),
        };
        Some(Spanned::new(ty, span))
    }

    fn lower_event_decl(&mut self, pair: P) -> Option<EventDecl> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner().skip(1);
        let name = self.lower_ident(inner.next()?);
        let props = inner
            .filter(|p| p.as_rule() == R::prop_decl)
            .filter_map(|p| {
                let mut parts = p.into_inner();
                let name = self.lower_ident(parts.next()?);
                let ty = self.lower_type(parts.next()?)?;
                Some(PropDecl { name, ty })
            })
            .collect();
        Some(EventDecl { name, props, span })
    }

    fn lower_list_decl(&mut self, pair: P) -> Option<ListDecl> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner().skip(1);
        let name = self.lower_ident(inner.next()?);
        let source = inner.find_map(|p| match p.as_rule() {
            R::list_literal => Some(ListSource::Literal(self.lower_list_literal(p))),
            R::text => Some(ListSource::File(self.lower_text(p))),
            _ => None,
        })?;
        Some(ListDecl { name, source, span })
    }

    fn lower_rule(&mut self, pair: P) -> Option<Rule> {
        let span = self.span(&pair);
        let is_each = pair.as_rule() == R::each_rule;
        let mut name = None;
        let mut condition = None;
        let mut event = None;
        let mut points = None;
        let mut disqualify = None;
        let mut modifiers = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                R::expr => condition = Some(self.lower_expr(p)),
                R::event_ref => event = self.lower_event_ref(p),
                R::points => points = Some(self.lower_signed(p)),
                R::disqualify => {
                    let text = p.into_inner().find(|p| p.as_rule() == R::text)?;
                    disqualify = Some(self.lower_text(text));
                }
                R::max_modifier | R::fade_modifier => {
                    if let Some(m) = self.lower_modifier(p) {
                        modifiers.push(m);
                    }
                }
                R::rule_name => {
                    let text = p.into_inner().next()?;
                    name = Some(self.lower_text(text));
                }
                _ => {}
            }
        }
        let kind = if is_each {
            RuleKind::Each {
                event: event?,
                points: points?,
                modifiers,
            }
        } else {
            let outcome = match (points, disqualify) {
                (Some(p), _) => Outcome::Points(p),
                (None, Some(reason)) => Outcome::Disqualify(reason),
                (None, None) => return None,
            };
            RuleKind::When {
                condition: condition?,
                outcome,
            }
        };
        Some(Rule { kind, name, span })
    }

    fn lower_modifier(&mut self, pair: P) -> Option<Spanned<Modifier>> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let modifier = match rule {
            R::separate_modifier => Modifier::Separate,
            R::fade_modifier => {
                let d = pair.into_inner().find(|p| p.as_rule() == R::duration)?;
                Modifier::Fade(self.lower_duration(d).node)
            }
            R::max_modifier | R::min_modifier => {
                let n = pair
                    .into_inner()
                    .find(|p| p.as_rule() == R::signed_number)?;
                let value = self.lower_signed(n).node;
                if rule == R::max_modifier {
                    Modifier::Max(value)
                } else {
                    Modifier::Min(value)
                }
            }
            _ => return None,
        };
        Some(Spanned::new(modifier, span))
    }

    fn lower_group(&mut self, pair: P) -> Option<Group> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner().skip(1);
        let name = self.lower_ident(inner.next()?);
        let mut modifiers = Vec::new();
        let mut entries = Vec::new();
        for p in inner {
            match p.as_rule() {
                R::max_modifier | R::min_modifier | R::separate_modifier => {
                    modifiers.extend(self.lower_modifier(p));
                }
                R::when_rule | R::each_rule => {
                    entries.extend(self.lower_rule(p).map(GroupEntry::Rule))
                }
                R::decay => entries.extend(self.lower_decay(p).map(GroupEntry::Decay)),
                _ => {}
            }
        }
        Some(Group {
            name,
            modifiers,
            entries,
            span,
        })
    }

    fn lower_decay(&mut self, pair: P) -> Option<Spanned<Decay>> {
        let span = self.span(&pair);
        let mut amount = None;
        let mut mode = DecayMode::After;
        let mut period = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                R::percent => {
                    let text = p.as_str().trim_end_matches('%');
                    amount = Some(DecayAmount::Percent(self.parse_number(text, self.span(&p))));
                }
                R::number => amount = Some(DecayAmount::Points(self.lower_signed(p).node)),
                R::kw_every => mode = DecayMode::Every,
                R::kw_after => mode = DecayMode::After,
                R::duration => period = Some(self.lower_duration(p)),
                _ => {}
            }
        }
        Some(Spanned::new(
            Decay {
                amount: amount?,
                mode,
                period: period?,
            },
            span,
        ))
    }

    fn lower_threshold(&mut self, pair: P) -> Option<Threshold> {
        let span = self.span(&pair);
        let mut name = None;
        let mut condition = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                R::ident => name = Some(self.lower_ident(p)),
                R::expr => condition = Some(ThresholdCondition::When(self.lower_expr(p))),
                R::signed_number => {
                    condition = Some(ThresholdCondition::AtLeast(self.lower_signed(p)))
                }
                _ => {}
            }
        }
        Some(Threshold {
            name,
            condition: condition?,
            span,
        })
    }

    fn lower_label(&mut self, pair: P) -> Option<Label> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner().skip(1);
        let name = self.lower_ident(inner.next()?);
        let body_pair = inner.next()?;
        let body = match body_pair.as_rule() {
            R::label_from => {
                let mut parts = body_pair.into_inner().skip(1);
                let score = self.lower_score_name(parts.next()?)?;
                let clauses = parts
                    .filter(|p| p.as_rule() == R::label_clause)
                    .filter_map(|p| self.lower_label_clause(p))
                    .collect();
                LabelBody::From { score, clauses }
            }
            _ => {
                let cases = body_pair
                    .into_inner()
                    .filter(|p| p.as_rule() == R::label_case)
                    .filter_map(|p| {
                        let mut parts = p.into_inner();
                        let value = self.lower_label_value(parts.next()?)?;
                        let condition = parts
                            .find(|p| p.as_rule() == R::expr)
                            .map(|p| self.lower_expr(p));
                        Some(LabelCase { value, condition })
                    })
                    .collect();
                LabelBody::Cases(cases)
            }
        };
        Some(Label { name, body, span })
    }

    fn lower_score_name(&mut self, pair: P) -> Option<ScoreName> {
        let span = self.span(&pair);
        let inner = pair.into_inner().next()?;
        Some(match inner.as_rule() {
            R::ident => ScoreName::Group(self.lower_ident(inner)),
            _ => ScoreName::Total(span),
        })
    }

    fn lower_label_clause(&mut self, pair: P) -> Option<LabelClause> {
        let mut inner = pair.into_inner();
        let value = self.lower_label_value(inner.next()?)?;
        let bound = match (inner.next(), inner.next()) {
            (Some(op), Some(n)) => {
                let op_span = self.span(&op);
                let op = match op.as_str() {
                    ">=" => BoundOp::Ge,
                    ">" => BoundOp::Gt,
                    "<=" => BoundOp::Le,
                    _ => BoundOp::Lt,
                };
                Some((Spanned::new(op, op_span), self.lower_signed(n)))
            }
            _ => None,
        };
        Some(LabelClause { value, bound })
    }

    fn lower_label_value(&mut self, pair: P) -> Option<Spanned<String>> {
        let inner = pair.into_inner().next()?;
        Some(match inner.as_rule() {
            R::text => self.lower_text(inner),
            _ => self.lower_ident(inner),
        })
    }

    // -- conditions ---------------------------------------------------------

    pub fn lower_expr(&mut self, pair: P) -> Spanned<Expr> {
        self.lower_binary(pair, R::kw_or, |l, r| Expr::Or(Box::new(l), Box::new(r)))
    }

    fn lower_binary(
        &mut self,
        pair: P,
        op: R,
        make: fn(Spanned<Expr>, Spanned<Expr>) -> Expr,
    ) -> Spanned<Expr> {
        let span = self.span(&pair);
        let mut result: Option<Spanned<Expr>> = None;
        for p in pair.into_inner().filter(|p| p.as_rule() != op) {
            let operand = match p.as_rule() {
                R::conjunction => {
                    self.lower_binary(p, R::kw_and, |l, r| Expr::And(Box::new(l), Box::new(r)))
                }
                _ => self.lower_negation(p),
            };
            result = Some(match result {
                None => operand,
                Some(left) => {
                    let s = left.span.to(operand.span);
                    Spanned::new(make(left, operand), s)
                }
            });
        }
        result.unwrap_or_else(|| Spanned::new(Expr::Test(self.error_test(span)), span))
    }

    /// A placeholder for a node pest promised but did not deliver; never
    /// reached for input the grammar accepted.
    fn error_test(&self, span: Span) -> Test {
        Test {
            operand: Spanned::new(Operand::Name(String::new()), span),
            within: Vec::new(),
            predicate: None,
        }
    }

    fn lower_negation(&mut self, pair: P) -> Spanned<Expr> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let Some(first) = inner.next() else {
            return Spanned::new(Expr::Test(self.error_test(span)), span);
        };
        match first.as_rule() {
            R::kw_not => match inner.next() {
                Some(rest) => {
                    let operand = self.lower_negation(rest);
                    Spanned::new(Expr::Not(Box::new(operand)), span)
                }
                None => Spanned::new(Expr::Test(self.error_test(span)), span),
            },
            _ => {
                let test = self.lower_test(first);
                // Parentheses around a whole condition only group it; the tree
                // keeps the condition itself so layout does not change equality.
                match test.operand.node {
                    Operand::Paren(inner) if test.within.is_empty() && test.predicate.is_none() => {
                        *inner
                    }
                    operand => Spanned::new(
                        Expr::Test(Test {
                            operand: Spanned::new(operand, test.operand.span),
                            ..test
                        }),
                        span,
                    ),
                }
            }
        }
    }

    fn lower_test(&mut self, pair: P) -> Test {
        let span = self.span(&pair);
        let mut operand = None;
        let mut within = Vec::new();
        let mut predicate = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                R::operand => operand = self.lower_operand(p),
                R::within => within.extend(self.lower_within(p)),
                R::predicate => predicate = self.lower_predicate(p),
                _ => {}
            }
        }
        match operand {
            Some(operand) => Test {
                operand,
                within,
                predicate,
            },
            None => self.error_test(span),
        }
    }

    fn lower_within(&mut self, pair: P) -> Option<Spanned<Duration>> {
        let d = pair.into_inner().find(|p| p.as_rule() == R::duration)?;
        Some(self.lower_duration(d))
    }

    fn lower_operand(&mut self, pair: P) -> Option<Spanned<Operand>> {
        let span = self.span(&pair);
        let inner = pair.into_inner().next()?;
        let operand = match inner.as_rule() {
            R::paren => {
                let e = inner.into_inner().next()?;
                let expr = self.lower_expr(e);
                match expr.node {
                    // `(visits) >= 3` is the operand itself.
                    Expr::Test(t) if t.within.is_empty() && t.predicate.is_none() => {
                        return Some(t.operand)
                    }
                    node => Operand::Paren(Box::new(Spanned::new(node, expr.span))),
                }
            }
            R::kw_score => Operand::Score,
            R::name => Operand::Name(inner.as_str().to_string()),
            R::call => {
                let (name, arg) = self.lower_call(inner)?;
                Operand::Call { name, arg }
            }
            R::last_first => {
                let mut parts = inner.into_inner();
                let which = parts.next()?;
                let event = self.lower_event_ref(parts.next()?)?;
                if which.as_rule() == R::kw_last {
                    Operand::Last(event)
                } else {
                    Operand::First(event)
                }
            }
            _ => return None,
        };
        Some(Spanned::new(operand, span))
    }

    fn lower_call(&mut self, pair: P) -> Option<(Ident, EventArg)> {
        let mut inner = pair.into_inner();
        let name = self.lower_ident(inner.next()?);
        let arg = self.lower_event_arg(inner.next()?)?;
        Some((name, arg))
    }

    fn lower_event_arg(&mut self, pair: P) -> Option<EventArg> {
        let mut inner = pair.into_inner();
        let first = inner.next()?;
        Some(match first.as_rule() {
            R::kw_where => EventArg::Where(Box::new(self.lower_expr(inner.next()?))),
            _ => EventArg::Key(self.lower_value_set(first)?),
        })
    }

    fn lower_event_ref(&mut self, pair: P) -> Option<EventRef> {
        let mut name = None;
        let mut arg = None;
        let mut within = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                R::call => {
                    let (n, a) = self.lower_call(p)?;
                    name = Some(n);
                    arg = Some(a);
                }
                R::name => {
                    let ident = p.into_inner().next()?;
                    name = Some(self.lower_ident(ident));
                }
                R::within => within.extend(self.lower_within(p)),
                _ => {}
            }
        }
        Some(EventRef {
            name: name?,
            arg,
            within,
        })
    }

    fn lower_predicate(&mut self, pair: P) -> Option<Spanned<Predicate>> {
        let span = self.span(&pair);
        let inner = pair.into_inner().next()?;
        let rule = inner.as_rule();
        let mut parts = inner.into_inner();
        let predicate = match rule {
            R::compare => {
                let op = match parts.next()?.as_str() {
                    "=" => CompareOp::Eq,
                    "!=" => CompareOp::Ne,
                    "<" => CompareOp::Lt,
                    "<=" => CompareOp::Le,
                    ">" => CompareOp::Gt,
                    _ => CompareOp::Ge,
                };
                let value = parts.next()?;
                if value.as_rule() == R::list_literal {
                    let vspan = self.span(&value);
                    let (fix, word) = if op == CompareOp::Ne {
                        ("not in", "!=")
                    } else {
                        ("in", "=")
                    };
                    let list = value.as_str().to_string();
                    self.error(
                        Code::BadList,
                        vspan,
                        format!("`{word}` compares with one value, not a list"),
                        "a list",
                        &format!("to test membership, write `{fix} {list}`"),
                    );
                    let set = Spanned::new(ValueSet::Many(self.lower_list_literal(value)), vspan);
                    Predicate::In {
                        negated: op == CompareOp::Ne,
                        set,
                    }
                } else {
                    Predicate::Compare(op, self.lower_constant(value)?)
                }
            }
            R::in_set | R::not_in => {
                let set = parts.find(|p| p.as_rule() == R::value_set)?;
                Predicate::In {
                    negated: rule == R::not_in,
                    set: self.lower_value_set(set)?,
                }
            }
            R::contains | R::starts_with | R::ends_with => {
                let set = parts.find(|p| p.as_rule() == R::value_set)?;
                let set = self.lower_value_set(set)?;
                match rule {
                    R::contains => Predicate::Contains(set),
                    R::starts_with => Predicate::StartsWith(set),
                    _ => Predicate::EndsWith(set),
                }
            }
            R::matches => {
                let text = parts.find(|p| p.as_rule() == R::text)?;
                Predicate::Matches(self.lower_text(text))
            }
            R::between => {
                let mut constants = parts.filter(|p| p.as_rule() == R::constant);
                let low = self.lower_constant(constants.next()?)?;
                let high = self.lower_constant(constants.next()?)?;
                Predicate::Between(low, high)
            }
            R::is_missing => Predicate::IsMissing,
            R::is_present => Predicate::IsPresent,
            R::before | R::after => {
                let c = parts.find(|p| p.as_rule() == R::constant)?;
                let c = self.lower_constant(c)?;
                if rule == R::before {
                    Predicate::Before(c)
                } else {
                    Predicate::After(c)
                }
            }
            _ => return None,
        };
        Some(Spanned::new(predicate, span))
    }

    fn lower_value_set(&mut self, pair: P) -> Option<Spanned<ValueSet>> {
        let span = self.span(&pair);
        let inner = pair.into_inner().next()?;
        let set = match inner.as_rule() {
            R::list_literal => ValueSet::Many(self.lower_list_literal(inner)),
            _ => ValueSet::One(self.lower_constant(inner)?.node),
        };
        Some(Spanned::new(set, span))
    }

    fn lower_list_literal(&mut self, pair: P) -> Vec<Spanned<Constant>> {
        pair.into_inner()
            .filter(|p| p.as_rule() == R::constant)
            .filter_map(|p| self.lower_constant(p))
            .collect()
    }

    fn lower_constant(&mut self, pair: P) -> Option<Spanned<Constant>> {
        let span = self.span(&pair);
        let inner = pair.into_inner().next()?;
        let constant = match inner.as_rule() {
            R::instant => Constant::Instant(self.parse_instant(inner.as_str(), span)?),
            R::date => Constant::Date(self.parse_date(inner.as_str(), span)?),
            R::signed_number => Constant::Number(self.lower_signed(inner).node),
            R::text => Constant::Text(self.lower_text(inner).node),
            R::kw_true => Constant::Bool(true),
            R::kw_false => Constant::Bool(false),
            _ => Constant::Word(inner.as_str().to_string()),
        };
        Some(Spanned::new(constant, span))
    }

    // -- literals -----------------------------------------------------------

    /// Numbers with an optional sign: points, bounds, clamps.
    fn lower_signed(&mut self, pair: P) -> Spanned<f64> {
        let span = self.span(&pair);
        Spanned::new(self.parse_number(pair.as_str(), span), span)
    }

    fn parse_number(&mut self, text: &str, span: Span) -> f64 {
        let cleaned: String = text.chars().filter(|c| *c != '_').collect();
        match cleaned.parse::<f64>() {
            Ok(v) if v.is_finite() => v,
            _ => {
                self.error(
                    Code::InvalidLiteral,
                    span,
                    format!("`{text}` is not a number leadscore can represent"),
                    "this number",
                    "write a smaller number",
                );
                0.0
            }
        }
    }

    pub fn lower_duration(&mut self, pair: P) -> Spanned<Duration> {
        let span = self.span(&pair);
        let text = pair.as_str();
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (digits, unit) = text.split_at(split);
        let unit = match unit {
            "h" => DurationUnit::Hours,
            "d" => DurationUnit::Days,
            "w" => DurationUnit::Weeks,
            "mo" => DurationUnit::Months,
            _ => DurationUnit::Years,
        };
        let count = match digits.parse::<u32>() {
            Ok(n) if n > 0 && n <= 100_000 => n,
            _ => {
                self.error(
                    Code::InvalidLiteral,
                    span,
                    format!("`{text}` is not a usable duration"),
                    "this duration",
                    "a duration is a whole number from 1 to 100000 with a unit: `30d`, `3mo`",
                );
                1
            }
        };
        Spanned::new(Duration { count, unit }, span)
    }

    fn parse_date(&mut self, text: &str, span: Span) -> Option<NaiveDate> {
        match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                self.error(
                    Code::InvalidLiteral,
                    span,
                    format!("`{text}` is not a date in the calendar"),
                    "no such day",
                    "write a real date as YYYY-MM-DD",
                );
                // A stand-in keeps the tree's shape, so the checker does not
                // report the half-parsed condition as well.
                Some(NaiveDate::MIN)
            }
        }
    }

    fn parse_instant(&mut self, text: &str, span: Span) -> Option<DateTime<chrono::FixedOffset>> {
        match crate::time::parse_model_instant(text) {
            Some(t) => Some(t),
            None => {
                self.error(
                    Code::InvalidLiteral,
                    span,
                    format!("`{text}` is not a valid instant"),
                    "no such instant",
                    "write an instant as 2026-01-31T09:30:00Z or with an offset such as +02:00",
                );
                Some(DateTime::<chrono::Utc>::MIN_UTC.fixed_offset())
            }
        }
    }

    /// A text literal with its escapes resolved.
    pub fn lower_text(&mut self, pair: P) -> Spanned<String> {
        let span = self.span(&pair);
        let raw = pair.as_str();
        let body = raw
            .strip_prefix('"')
            .and_then(|r| r.strip_suffix('"'))
            .unwrap_or(raw);
        let mut out = String::with_capacity(body.len());
        let mut chars = body.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            let escape_start = span.start + 1 + i;
            match chars.next() {
                Some((_, '"')) => out.push('"'),
                Some((_, '\\')) => out.push('\\'),
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                Some((_, 'u')) => match unicode_escape(&mut chars) {
                    Some(ch) => out.push(ch),
                    None => {
                        let end = chars
                            .peek()
                            .map(|(j, _)| span.start + 1 + j)
                            .unwrap_or(span.end - 1);
                        self.error(
                            Code::InvalidEscape,
                            Span::new(self.file, escape_start, end.max(escape_start + 2)),
                            "invalid unicode escape in text".to_string(),
                            "expected `\\u{...}` with 1 to 6 hex digits of a valid code point",
                            "write a code point such as `\\u{1F600}`",
                        );
                    }
                },
                Some((j, other)) => {
                    let end = span.start + 1 + j + other.len_utf8();
                    self.error(
                        Code::InvalidEscape,
                        Span::new(self.file, escape_start, end),
                        format!("unknown escape `\\{other}` in text"),
                        "unknown escape",
                        &format!(
                            "to write a backslash, double it: `\\\\{other}`; the escapes are \\\" \\\\ \\n \\t \\u{{...}}"
                        ),
                    );
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            }
        }
        Spanned::new(out, span)
    }

    // -- tests ----------------------------------------------------------------

    fn lower_test_block(&mut self, pair: P) -> Option<TestBlock> {
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
                R::test_lead => TestEntry::Lead(
                    p.into_inner()
                        .filter(|p| p.as_rule() == R::test_field)
                        .filter_map(|f| self.lower_test_field(f))
                        .collect(),
                ),
                R::test_events => TestEntry::Events(
                    p.into_inner()
                        .filter(|p| p.as_rule() == R::test_event)
                        .filter_map(|e| self.lower_test_event(e))
                        .collect(),
                ),
                R::test_expect => {
                    let e = p.into_inner().find(|p| p.as_rule() == R::expr)?;
                    TestEntry::Expect(self.lower_expr(e))
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

    // -- accounts -----------------------------------------------------------

    fn lower_account(&mut self, pair: P) -> Option<Account> {
        let span = self.span(&pair);
        let mut key = None;
        let mut except = None;
        let mut modifiers = Vec::new();
        let mut entries = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                R::account_key => {
                    let inner = p.into_inner().next()?;
                    key = Some(match inner.as_rule() {
                        R::account_domain_of => {
                            let field = inner.into_inner().find(|p| p.as_rule() == R::ident)?;
                            AccountKey {
                                domain_of: true,
                                field: self.lower_ident(field),
                            }
                        }
                        _ => AccountKey {
                            domain_of: false,
                            field: self.lower_ident(inner),
                        },
                    });
                }
                R::account_except => {
                    let set = p.into_inner().find(|p| p.as_rule() == R::value_set)?;
                    except = self.lower_value_set(set);
                }
                R::max_modifier | R::min_modifier | R::separate_modifier => {
                    modifiers.extend(self.lower_modifier(p));
                }
                R::rollup => entries.extend(self.lower_rollup(p).map(AccountEntry::Rollup)),
                R::when_rule => entries.extend(self.lower_rule(p).map(AccountEntry::Rule)),
                R::threshold => {
                    entries.extend(self.lower_threshold(p).map(AccountEntry::Threshold))
                }
                R::label => entries.extend(self.lower_label(p).map(AccountEntry::Label)),
                _ => {}
            }
        }
        Some(Account {
            key: key?,
            except,
            modifiers,
            entries,
            span,
        })
    }

    fn lower_rollup(&mut self, pair: P) -> Option<Rollup> {
        let span = self.span(&pair);
        let mut function = None;
        let mut score = None;
        let mut top = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                R::rollup_fn => {
                    let fspan = self.span(&p);
                    let f = match p.as_str() {
                        "sum" => RollupFn::Sum,
                        "max" => RollupFn::Max,
                        _ => RollupFn::Avg,
                    };
                    function = Some(Spanned::new(f, fspan));
                }
                R::score_name => score = self.lower_score_name(p),
                R::number => {
                    let nspan = self.span(&p);
                    match p.as_str().replace('_', "").parse::<u32>() {
                        Ok(n) if n >= 1 => top = Some(Spanned::new(n, nspan)),
                        _ => self.error(
                            Code::InvalidLiteral,
                            nspan,
                            format!("`top {}` needs a whole number of at least 1", p.as_str()),
                            "not a member count",
                            "write `top 3`",
                        ),
                    }
                }
                _ => {}
            }
        }
        Some(Rollup {
            function: function?,
            score: score?,
            top,
            span,
        })
    }
}

fn unicode_escape(chars: &mut std::iter::Peekable<std::str::CharIndices>) -> Option<char> {
    if chars.peek().map(|(_, c)| *c) != Some('{') {
        return None;
    }
    chars.next();
    let mut hex = String::new();
    loop {
        match chars.next() {
            Some((_, '}')) => break,
            Some((_, c)) if c.is_ascii_hexdigit() && hex.len() < 6 => hex.push(c),
            _ => return None,
        }
    }
    u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)
}

/// The length of `text` without trailing whitespace and comments.
fn content_len(text: &str) -> usize {
    let mut end = text.trim_end().len();
    loop {
        let body = &text[..end];
        let line_start = body.rfind('\n').map_or(0, |i| i + 1);
        match comment_start(&body[line_start..]) {
            Some(hash) => end = body[..line_start + hash].trim_end().len(),
            None => return end,
        }
    }
}

/// Where a comment starts on one line, skipping `#` inside text literals.
pub fn comment_start(line: &str) -> Option<usize> {
    let mut in_text = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        if in_text {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_text = false,
                _ => {}
            }
        } else if c == '"' {
            in_text = true;
        } else if c == '#' {
            return Some(i);
        }
    }
    None
}
