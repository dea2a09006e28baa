//! The `account` block: its key, its rollup, and its rules, thresholds and
//! labels, which live in account scope. An account condition sees
//! `members`, `members(where ...)`, the account's `score` (thresholds and
//! labels only) and the account's own thresholds and labels; a
//! `members(where ...)` condition sees one member, as a lead with its scores
//! and outputs.
//!
//! While account-scope conditions are checked, the account's outputs stand
//! in `self.model.outputs`, so that label values, `is missing` and the
//! declared-above rule work on them as they do on a lead's.

use super::names::Scope;
use super::typed::{Ty, Typed};
use super::{Checker, Symbol};
use crate::codes::Code;
use crate::diagnostic::{did_you_mean, Diagnostic};
use crate::plan::{
    AccountBlockId, AccountDef, AccountRule, AccountRuleId, BlockDef, Cond, FieldId, IdVec,
    MemberTest, MemberTestId, Output, OutputId, RollupDef, RollupFn, Value, ValueType,
};
use crate::source::Span;
use crate::syntax::ast::{
    self, AccountEntry, EventArg, Item, Modifier, Operand, ScoreName, Spanned, ValueSet,
};
use crate::text::fold;

/// What the checker keeps while it checks the account block.
#[derive(Default)]
pub(super) struct AccountScope {
    /// The first `account` block; a second one is reported.
    pub(super) first: Option<Span>,
    /// The account's outputs, swapped with the lead's while account-scope
    /// conditions are checked.
    pub(super) outputs: IdVec<OutputId, Output>,
    pub(super) swapped: bool,
    pub(super) member_tests: IdVec<MemberTestId, MemberTest>,
    /// Member tests read by the account condition being checked.
    pub(super) reads: Vec<MemberTestId>,
}

impl<'a> Checker<'a> {
    pub(super) fn declare_account(&mut self, account: &ast::Account) {
        if let Some(first) = self.account.first {
            let (line, _) = self.sources.line_col(first.file, first.start);
            self.report(
                Diagnostic::new(Code::BadAccount, account.span, "a second `account` block")
                    .label("one account block per model")
                    .help(format!("a model groups its leads into accounts in one way; merge this block into the one on line {line}")),
            );
            return;
        }
        self.account.first = Some(account.span);
        self.swap_outputs();
        for entry in &account.entries {
            match entry {
                AccountEntry::Threshold(t) => {
                    self.declare_output(&Item::Threshold(t.clone()), Scope::Account)
                }
                AccountEntry::Label(l) => {
                    self.declare_output(&Item::Label(l.clone()), Scope::Account)
                }
                AccountEntry::Rollup(_) | AccountEntry::Rule(_) | AccountEntry::First(_) => {}
            }
        }
        self.swap_outputs();
    }

    /// Exchanges the lead's outputs and the account's in `self.model`.
    fn swap_outputs(&mut self) {
        std::mem::swap(&mut self.model.outputs, &mut self.account.outputs);
        self.account.swapped = !self.account.swapped;
    }

    pub(super) fn check_account(&mut self, items: &[Item]) {
        let Some(account) = items.iter().find_map(|item| match item {
            Item::Account(a) if Some(a.span) == self.account.first => Some(a),
            _ => None,
        }) else {
            return;
        };
        let key = self.account_key(&account.key);
        let except = self.account_except(account.except.as_ref());
        let (max, min, separate) = self.check_modifiers(&account.modifiers, "account");
        if separate {
            if let Some(m) = account
                .modifiers
                .iter()
                .find(|m| matches!(m.node, Modifier::Separate))
            {
                self.report(
                    Diagnostic::new(
                        Code::BadAccount,
                        m.span,
                        "`separate` applies to groups, not to an account",
                    )
                    .label("not an account modifier")
                    .help("an account takes `max N` and `min N`; remove `separate`"),
                );
            }
        }
        if let Some(m) = account
            .modifiers
            .iter()
            .find(|m| matches!(m.node, Modifier::Since(_)))
        {
            self.report(
                Diagnostic::new(
                    Code::BadSince,
                    m.span,
                    "`since` applies to groups and the top level, not to an account",
                )
                .label("not an account modifier")
                .help("an account counts no events of its own: put `since` on the groups its members' scores come from"),
            );
        }
        let mut rollup: Option<(RollupDef, Span)> = None;
        let mut rules = IdVec::new();
        let mut blocks = IdVec::new();
        self.swap_outputs();
        for entry in &account.entries {
            match entry {
                AccountEntry::Rollup(r) => {
                    if let Some((_, first)) = &rollup {
                        let (line, _) = self.sources.line_col(first.file, first.start);
                        self.report(
                            Diagnostic::new(Code::BadAccount, r.span, "a second `rollup`")
                                .label("one rollup per account")
                                .help(format!("the account's base points come from one rollup; keep the one on line {line} or this one")),
                        );
                        continue;
                    }
                    if let Some(def) = self.rollup(r) {
                        rollup = Some((def, r.span));
                    }
                }
                AccountEntry::Rule(rule) => {
                    if let Some(r) = self.account_rule(rule, None) {
                        self.push_account_rule(&mut rules, r, rule.span);
                    }
                }
                AccountEntry::First(block) => {
                    self.account_first_block(block, &mut rules, &mut blocks)
                }
                AccountEntry::Threshold(t) => self.check_threshold(t, Scope::Account),
                AccountEntry::Label(l) => self.check_label(l, Scope::Account),
            }
        }
        self.swap_outputs();
        let Some(key) = key else {
            return;
        };
        self.model.account = Some(AccountDef {
            key,
            domain_of: account.key.domain_of,
            except,
            rollup: rollup.map(|(def, _)| def),
            member_tests: std::mem::take(&mut self.account.member_tests),
            rules,
            blocks,
            max,
            min,
            outputs: std::mem::take(&mut self.account.outputs),
        });
    }

    fn account_key(&mut self, key: &ast::AccountKey) -> Option<FieldId> {
        let field = &key.field;
        match self.names.get(&field.node).copied() {
            Some((Symbol::Field(id), _)) => {
                let ty = self.model.fields.get(id).map(|f| f.ty)?;
                let fits = match ty {
                    ValueType::Text => true,
                    ValueType::Enum(_) => !key.domain_of,
                    _ => false,
                };
                if fits {
                    return Some(id);
                }
                let help = if key.domain_of {
                    "`domain of` reads a text field holding an email address or a URL"
                } else {
                    "group by a text field such as `company` or `domain`, or by `domain of email`"
                };
                self.report(
                    Diagnostic::new(
                        Code::BadAccount,
                        field.span,
                        format!(
                            "`{}` is {}, which cannot key an account",
                            field.node,
                            Ty::of(ty).describe()
                        ),
                    )
                    .label("not a text field")
                    .help(help),
                );
                None
            }
            Some((other, _)) => {
                self.report(
                    Diagnostic::new(
                        Code::BadAccount,
                        field.span,
                        format!("`{}` is {}, not a field", field.node, other.kind()),
                    )
                    .label("not a field")
                    .help("an account is keyed by a field of the lead: `account by company`, `account by domain of email`"),
                );
                None
            }
            None => {
                let fields: Vec<String> =
                    self.model.fields.iter().map(|f| f.name.clone()).collect();
                self.unknown_name(
                    &field.node,
                    field.span,
                    fields,
                    "the field in `lead { ... }`",
                );
                None
            }
        }
    }

    /// The folded keys an `except` leaves out.
    fn account_except(&mut self, except: Option<&Spanned<ValueSet>>) -> Vec<String> {
        let Some(set) = except else {
            return Vec::new();
        };
        self.text_values(
            set,
            "or write the keys in brackets: `except [\"gmail.com\", \"yahoo.com\"]`",
        )
    }

    /// The folded texts of a list literal, or of the declared list a bare
    /// word names; `instead` ends the help when the word names no list.
    pub(super) fn text_values(&mut self, set: &Spanned<ValueSet>, instead: &str) -> Vec<String> {
        let texts: Vec<String> = match &set.node {
            ValueSet::One(ast::Constant::Word(w)) => match self.names.get(w).copied() {
                Some((Symbol::List(id), _)) => self
                    .lists
                    .get(id)
                    .map(|l| l.values.clone())
                    .unwrap_or_default(),
                _ => {
                    let lists: Vec<String> = self
                        .names
                        .iter()
                        .filter(|(_, (s, _))| matches!(s, Symbol::List(_)))
                        .map(|(n, _)| n.clone())
                        .collect();
                    let help = match did_you_mean(w, lists.iter().map(String::as_str)) {
                        Some(s) => format!("did you mean the list `{s}`?"),
                        None => {
                            format!("declare it (`list {w} from \"lists/{w}.txt\"`), {instead}")
                        }
                    };
                    self.report(
                        Diagnostic::new(Code::BadList, set.span, format!("`{w}` names no list"))
                            .label("not a declared list")
                            .help(help),
                    );
                    Vec::new()
                }
            },
            ValueSet::One(c) => self
                .list_item_text(&Spanned::new(c.clone(), set.span))
                .into_iter()
                .collect(),
            ValueSet::Many(items) => items
                .iter()
                .filter_map(|c| self.list_item_text(c))
                .collect(),
        };
        texts.iter().map(|t| fold(t)).collect()
    }

    fn rollup(&mut self, r: &ast::Rollup) -> Option<RollupDef> {
        let of = match &r.score {
            ScoreName::Total(_) => None,
            ScoreName::Group(g) => {
                Some(self.group_named(g, "a rollup reads the members' `score` or a group's name")?)
            }
        };
        // The grammar's lowering already rejects `top 0`.
        let top = r.top.as_ref().map(|n| n.node as usize);
        Some(RollupDef {
            function: match r.function.node {
                ast::RollupFn::Sum => RollupFn::Sum,
                ast::RollupFn::Max => RollupFn::Max,
                ast::RollupFn::Avg => RollupFn::Avg,
            },
            of,
            top,
            source: r.to_string(),
        })
    }

    fn push_account_rule(
        &mut self,
        rules: &mut IdVec<AccountRuleId, AccountRule>,
        rule: AccountRule,
        span: Span,
    ) -> AccountRuleId {
        self.spans.account_rules.push(span);
        rules.push(rule)
    }

    /// A `first` block of the account: its rules, then its `otherwise` (a
    /// rule whose condition always holds), one after the other in the
    /// account's rule table, as a lead's block is in the lead's.
    fn account_first_block(
        &mut self,
        b: &ast::FirstBlock,
        rules: &mut IdVec<AccountRuleId, AccountRule>,
        blocks: &mut IdVec<AccountBlockId, BlockDef<AccountRuleId>>,
    ) {
        let block = blocks.next_id();
        let mut ids = Vec::new();
        for rule in &b.rules {
            if let Some(r) = self.account_rule(rule, Some(block)) {
                ids.push(self.push_account_rule(rules, r, rule.span));
            }
        }
        let mut otherwise = None;
        if let Some(o) = &b.otherwise {
            let name = match (&o.name, &b.name) {
                (Some(n), _) | (None, Some(n)) => n.node.clone(),
                (None, None) => self.source_text(o.span),
            };
            let rule = AccountRule {
                name,
                block: Some(block),
                condition: Cond::And(Vec::new()),
                points: o.points.node,
                reads: Vec::new(),
                origin: self.origin(o.span),
            };
            let id = self.push_account_rule(rules, rule, o.span);
            ids.push(id);
            otherwise = Some(id);
        }
        blocks.push(BlockDef {
            name: b.name.as_ref().map(|n| n.node.clone()),
            group: None,
            rules: ids,
            otherwise,
            origin: self.origin(b.span),
        });
    }

    fn account_rule(
        &mut self,
        rule: &ast::Rule,
        block: Option<AccountBlockId>,
    ) -> Option<AccountRule> {
        let name = match &rule.name {
            Some(n) => n.node.clone(),
            None => crate::syntax::print::unnamed_rule_name(rule),
        };
        let ast::RuleKind::When { condition, outcome } = &rule.kind else {
            self.report(
                Diagnostic::new(Code::BadAccount, rule.span, "an account takes `when` rules only")
                    .label("not a `when` rule")
                    .help("count events per member inside `members(where ...)`: `when members(where demo_requests >= 1) >= 1 +20`"),
            );
            return None;
        };
        let points = match outcome {
            ast::Outcome::Points(p) => p.node,
            ast::Outcome::Disqualify(_) => {
                self.report(
                    Diagnostic::new(Code::BadAccount, rule.span, "an account cannot be disqualified")
                        .label("`disqualify` in an account")
                        .help("disqualify the leads themselves: a disqualified lead belongs to no account"),
                );
                return None;
            }
        };
        self.reads.clear();
        self.account.reads.clear();
        let condition = self.condition(condition, &Scope::Account);
        self.reject_output_reads("an account rule");
        let mut reads = std::mem::take(&mut self.account.reads);
        reads.sort_unstable();
        reads.dedup();
        Some(AccountRule {
            name,
            block,
            condition: condition?,
            points,
            reads,
            origin: self.origin(rule.span),
        })
    }

    /// A name in an account condition.
    pub(super) fn account_name(&mut self, name: &str, span: Span) -> Typed {
        if name == "members" {
            let id = self.member_test(None, "members".to_string());
            return Typed::Value(Value::Members(id), Ty::Count);
        }
        match self.names.get(name).copied() {
            Some((Symbol::AccountOutput(id), _)) => self.output_value(id, name, span),
            Some(_) => self.lead_name_in_account(name, span),
            None => {
                let mut candidates: Vec<String> = self
                    .model
                    .outputs
                    .iter()
                    .map(|o| o.name().to_string())
                    .collect();
                candidates.push("members".to_string());
                candidates.push("score".to_string());
                self.unknown_name(name, span, candidates, "it in the `account` block");
                Typed::Error
            }
        }
    }

    /// A lead's name (field, event, let, group, threshold) used directly in
    /// an account condition.
    pub(super) fn lead_name_in_account(&mut self, name: &str, span: Span) -> Typed {
        self.report(
            Diagnostic::new(
                Code::AccountScope,
                span,
                format!("`{name}` belongs to one lead; an account condition sees the account"),
            )
            .label("a lead's name")
            .help(format!(
                "count the members it holds for: `members(where {name} ...) >= 1`"
            )),
        );
        Typed::Error
    }

    /// `members(where COND)` in an account condition.
    pub(super) fn members_call(
        &mut self,
        operand: &Spanned<Operand>,
        name: &ast::Ident,
        arg: &EventArg,
    ) -> Typed {
        if name.node != "members" {
            return self.lead_name_in_account(&name.node, name.span);
        }
        let EventArg::Where(condition) = arg else {
            self.report(
                Diagnostic::new(
                    Code::BadAccount,
                    operand.span,
                    "`members` takes a condition, not a key",
                )
                .label("needs `where`")
                .help("write `members(where seniority = VP)`"),
            );
            return Typed::Error;
        };
        // A member condition reads a lead, so it sees the lead's outputs.
        let swapped = self.account.swapped;
        if swapped {
            self.swap_outputs();
        }
        let outer = std::mem::take(&mut self.reads);
        // What the member condition reads is a member's, not the
        // account's: a failing `expect account` shows the count instead.
        let probes = self.probes.take();
        let cond = self.condition(condition, &Scope::Member);
        self.probes = probes;
        self.reads = outer;
        if swapped {
            self.swap_outputs();
        }
        let Some(cond) = cond else {
            return Typed::Error;
        };
        let source = self.source_text(operand.span);
        let id = self.member_test(Some(cond), source);
        Typed::Value(Value::Members(id), Ty::Count)
    }

    /// `members` written inside `members(where ...)`.
    pub(super) fn nested_members(&mut self, span: Span) -> Typed {
        self.report(
            Diagnostic::new(Code::AccountScope, span, "`members` inside `members(where ...)`")
                .label("account-only name")
                .help("the condition is tested on one member at a time: it sees that lead's fields, events, scores, thresholds and labels"),
        );
        Typed::Error
    }

    fn member_test(&mut self, condition: Option<Cond>, source: String) -> MemberTestId {
        let tests = &mut self.account.member_tests;
        let known = tests.iter_enumerated().find(|(_, t)| t.source == source);
        let id = match known.map(|(id, _)| id) {
            Some(id) => id,
            None => tests.push(MemberTest { condition, source }),
        };
        self.account.reads.push(id);
        id
    }
}
