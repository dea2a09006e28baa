//! Accounts: scored leads grouped by the account block's key, tallied as
//! they stream past, then scored as accounts.
//!
//! A tally keeps only what the account's score needs: the member count,
//! the count of each member test, a running sum and the best N member
//! scores. Memory grows with the number of accounts, not of leads. With
//! explanations on, each tally also names up to [`NAMED_MEMBERS`] members
//! per reason.

use std::collections::HashMap;

use serde_json::Value as JsonValue;

use super::numbers::clamp;
use super::{round2, AccountScore, Context, Evaluator, Outcome, NO_LEAD};
use crate::lead::{FieldValue, Lead};
use crate::plan::Cond;
use crate::plan::{
    AccountDef, AccountRuleId, IdVec, MemberTestId, Plan, RollupDef, RollupFn, ValueType,
    NAMED_MEMBERS,
};
use crate::text::{fold, fold_case};

/// What one lead contributes to its account.
#[derive(Clone, Debug, PartialEq)]
pub struct Membership {
    /// The key as compared: folded.
    pub key: String,
    /// The key as first written, for the output.
    pub shown: String,
    /// The member's rolled-up score (its total or a group).
    pub value: f64,
    /// Whether the member passes each member test of the block.
    pub tests: IdVec<MemberTestId, bool>,
}

/// The account a lead belongs to, if any, and what it brings to it;
/// `tests` says which of the account's member tests the lead passes
/// ([`Evaluator::evaluate_member_into`]). A disqualified lead (a
/// competitor, a junk address) belongs to none: it must not make its
/// company look interested.
pub fn membership(
    plan: &Plan,
    lead: &Lead,
    outcome: &Outcome,
    tests: IdVec<MemberTestId, bool>,
) -> Option<Membership> {
    let account = plan.account.as_ref()?;
    if !outcome.disqualified_by.is_empty() {
        return None;
    }
    let (key, shown) = account_key(plan, account, lead)?;
    if account.except.contains(&key) {
        return None;
    }
    let value = match account.rollup.as_ref().and_then(|r| r.of) {
        Some(g) => outcome.groups.get(g).copied().unwrap_or(0.0),
        None => outcome.score,
    };
    Some(Membership {
        key,
        shown,
        value,
        tests,
    })
}

/// The folded and the shown key of a lead; `None` when it has none.
fn account_key(plan: &Plan, account: &AccountDef, lead: &Lead) -> Option<(String, String)> {
    let shown = match lead.field(account.key) {
        FieldValue::Text { raw, .. } => raw.trim().to_string(),
        FieldValue::Enum(i) => match plan.fields[account.key].ty {
            ValueType::Enum(e) => plan.enums.get(e)?.get(*i)?.clone(),
            _ => return None,
        },
        _ => return None,
    };
    let shown = if account.domain_of {
        domain(&shown)?
    } else {
        shown
    };
    let key = fold(&shown);
    (!key.is_empty()).then_some((key, shown))
}

/// The domain of an email address (after the last `@`) or of a URL (its
/// host), lowercase and without a leading `www.`; `None` when the value
/// holds no plausible domain.
pub fn domain(value: &str) -> Option<String> {
    let value = value.trim();
    let is_url = value.contains("://") || value.starts_with("//");
    let host = match value.rfind('@').filter(|_| !is_url) {
        Some(at) => &value[at + 1..],
        None => {
            let rest = value.split_once("://").map_or(value, |(_, rest)| rest);
            let rest = rest.trim_start_matches("//");
            let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            let authority = &rest[..end];
            let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            host.split(':').next().unwrap_or(host)
        }
    };
    let host = fold_case(host.trim().trim_end_matches('.'));
    let host = host.strip_prefix("www.").unwrap_or(&host);
    let plausible = host.contains('.')
        && !host.starts_with('.')
        && host
            .chars()
            .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
    plausible.then(|| host.to_string())
}

/// Up to [`NAMED_MEMBERS`] member ids, and how many more. The ids are the
/// first ones in [`member_order`], so a warehouse query, which has no
/// input order, names the same members.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Names {
    pub ids: Vec<(usize, JsonValue)>,
    pub more: usize,
}

impl Names {
    fn push(&mut self, seq: usize, id: &JsonValue) {
        let at = self
            .ids
            .partition_point(|(s, other)| member_order((*s, other), (seq, id)).is_lt());
        if at < NAMED_MEMBERS {
            self.ids.insert(at, (seq, id.clone()));
            if self.ids.len() > NAMED_MEMBERS {
                self.ids.pop();
                self.more += 1;
            }
        } else {
            self.more += 1;
        }
    }
}

/// The order members are named in: by the id's text (a JSON string's
/// content, a number as written), code point by code point; the earlier
/// member first when two ids read the same.
pub fn member_order(a: (usize, &JsonValue), b: (usize, &JsonValue)) -> std::cmp::Ordering {
    id_text(a.1).cmp(&id_text(b.1)).then(a.0.cmp(&b.0))
}

fn id_text(id: &JsonValue) -> std::borrow::Cow<'_, str> {
    match id {
        JsonValue::String(s) => std::borrow::Cow::Borrowed(s),
        other => std::borrow::Cow::Owned(other.to_string()),
    }
}

#[derive(Clone, Debug)]
struct Ranked {
    value: f64,
    seq: usize,
    id: Option<JsonValue>,
}

/// One account's running state.
#[derive(Debug)]
struct Tally {
    shown: String,
    members: usize,
    /// Members passing each member test.
    counts: IdVec<MemberTestId, usize>,
    sum: f64,
    /// The best members by rolled-up score, best first; earlier members win
    /// ties. Holds `top N` (or one for `max`) entries at most.
    best: Vec<Ranked>,
    /// With explanations: the members each account rule would name (those
    /// passing any member test the rule reads), and all members.
    named_by_rule: IdVec<AccountRuleId, Names>,
    all: Names,
}

/// One account's result.
#[derive(Clone, Debug, PartialEq)]
pub struct AccountResult {
    pub key: String,
    pub members: usize,
    /// The rollup's points, rounded.
    pub base: f64,
    pub score: AccountScore,
    /// With explanations: the members each reason counted, rollup first,
    /// then each fired rule in order.
    pub named: Vec<Names>,
}

/// The accounts of a run, in the order their first member appeared.
pub struct Accounts<'p> {
    account: &'p AccountDef,
    explain: bool,
    index: HashMap<String, usize>,
    tallies: Vec<Tally>,
    seen: usize,
}

impl<'p> Accounts<'p> {
    /// `None` when the plan has no account block.
    pub fn new(plan: &'p Plan, explain: bool) -> Option<Self> {
        Some(Accounts {
            account: plan.account.as_ref()?,
            explain,
            index: HashMap::new(),
            tallies: Vec::new(),
            seen: 0,
        })
    }

    /// How many best members a tally keeps.
    fn ranked_capacity(&self) -> usize {
        match &self.account.rollup {
            Some(RollupDef { top: Some(n), .. }) => *n,
            Some(RollupDef {
                function: RollupFn::Max,
                ..
            }) => 1,
            _ => 0,
        }
    }

    /// Adds a scored lead to its account; leads must come in input order.
    pub fn add(&mut self, member: Membership, id: &JsonValue) {
        let seq = self.seen;
        self.seen += 1;
        let tests = member.tests.len();
        let capacity = self.ranked_capacity();
        let next = self.tallies.len();
        let slot = *self.index.entry(member.key).or_insert(next);
        if slot == next {
            self.tallies.push(Tally {
                shown: member.shown,
                members: 0,
                counts: vec![0; tests].into(),
                sum: 0.0,
                best: Vec::with_capacity(capacity),
                named_by_rule: if self.explain {
                    vec![Names::default(); self.account.rules.len()].into()
                } else {
                    IdVec::new()
                },
                all: Names::default(),
            });
        }
        let Some(tally) = self.tallies.get_mut(slot) else {
            return;
        };
        tally.members += 1;
        tally.sum += member.value;
        for (i, passed) in member.tests.iter_enumerated() {
            if *passed {
                if let Some(c) = tally.counts.get_mut(i) {
                    *c += 1;
                }
            }
        }
        if self.explain {
            tally.all.push(seq, id);
            for (rule, names) in self
                .account
                .rules
                .iter()
                .zip(tally.named_by_rule.iter_mut())
            {
                if rule
                    .reads
                    .iter()
                    .any(|t| member.tests.get(*t) == Some(&true))
                {
                    names.push(seq, id);
                }
            }
        }
        if capacity > 0 {
            // Only the named members depend on which of two equal values
            // is kept, so ties are broken as names are ordered.
            let ahead = |r: &Ranked| match (&r.id, self.explain) {
                (Some(other), true) => {
                    member.value > r.value
                        || (member.value == r.value
                            && member_order((seq, id), (r.seq, other)).is_lt())
                }
                _ => member.value > r.value,
            };
            let at = tally
                .best
                .iter()
                .position(ahead)
                .unwrap_or(tally.best.len());
            if at < capacity {
                tally.best.insert(
                    at,
                    Ranked {
                        value: member.value,
                        seq,
                        id: self.explain.then(|| id.clone()),
                    },
                );
                tally.best.truncate(capacity);
            }
        }
    }

    /// Scores every account, in the order of first appearance.
    pub fn finish(self, evaluator: &Evaluator) -> Vec<AccountResult> {
        let account = self.account;
        let explain = self.explain;
        self.tallies
            .into_iter()
            .map(|tally| {
                let base = round2(rollup(account.rollup.as_ref(), &tally));
                let counts: IdVec<MemberTestId, f64> =
                    tally.counts.iter().map(|c| *c as f64).collect();
                let score = evaluator.evaluate_account(account, base, &counts);
                let mut named = Vec::new();
                if explain {
                    named.push(rollup_members(account.rollup.as_ref(), &tally));
                    for (r, _) in &score.fired {
                        named.push(tally.named_by_rule.get(*r).cloned().unwrap_or_default());
                    }
                }
                AccountResult {
                    key: tally.shown,
                    members: tally.members,
                    base,
                    score,
                    named,
                }
            })
            .collect()
    }
}

/// The rollup's points before rounding.
fn rollup(rollup: Option<&RollupDef>, tally: &Tally) -> f64 {
    let Some(r) = rollup else {
        return 0.0;
    };
    let best: f64 = tally.best.iter().map(|m| m.value).sum();
    match (r.function, r.top) {
        (RollupFn::Sum, None) => tally.sum,
        (RollupFn::Sum, Some(_)) => best,
        (RollupFn::Max, _) => tally.best.first().map_or(0.0, |m| m.value),
        (RollupFn::Avg, None) => tally.sum / tally.members.max(1) as f64,
        (RollupFn::Avg, Some(_)) => best / tally.best.len().max(1) as f64,
    }
}

/// The members the rollup counted: the best ones, or all.
fn rollup_members(rollup: Option<&RollupDef>, tally: &Tally) -> Names {
    match rollup {
        None => Names::default(),
        Some(RollupDef {
            top: None,
            function: RollupFn::Sum | RollupFn::Avg,
            ..
        }) => tally.all.clone(),
        Some(_) => Names {
            ids: tally
                .best
                .iter()
                .filter_map(|m| Some((m.seq, m.id.clone()?)))
                .collect(),
            more: 0,
        },
    }
}

/// An account's own score, read by the same conditions as a lead's.
impl Evaluator<'_> {
    /// Scores an account: its rollup `base` (already rounded), its rules
    /// over the member counts, the clamp, then its thresholds and labels.
    pub fn evaluate_account(
        &self,
        account: &AccountDef,
        base: f64,
        members: &IdVec<MemberTestId, f64>,
    ) -> AccountScore {
        let context = Context {
            members: members.as_slice(),
            ..Context::new(&NO_LEAD, self.as_of)
        };
        let mut sum = base;
        let mut fired = Vec::new();
        // As for a lead: once a rule of a `first` block fired, the block's
        // later rules give nothing.
        let mut block_done = None;
        for (r, rule) in account.rules.iter_enumerated() {
            if rule.block.is_some() && rule.block == block_done {
                continue;
            }
            if self.test(&rule.condition, &context) {
                sum += rule.points;
                fired.push((r, rule.points));
                block_done = rule.block;
            }
        }
        let score = round2(clamp(sum, account.max, account.min));
        let mut outputs = IdVec::with_capacity(account.outputs.len());
        self.outputs_into(&account.outputs, Context { score, ..context }, &mut outputs);
        AccountScore {
            fired,
            sum,
            score,
            outputs,
        }
    }

    /// Evaluates a condition over a scored account (a test's `expect
    /// account`): `members` reads `members`, its counts by member test.
    pub fn test_account(
        &self,
        condition: &Cond,
        account: &AccountScore,
        members: &IdVec<MemberTestId, f64>,
    ) -> bool {
        let context = Context {
            members: members.as_slice(),
            score: account.score,
            outputs: account.outputs.as_slice(),
            ..Context::new(&NO_LEAD, self.as_of)
        };
        self.test(condition, &context)
    }
}

#[cfg(test)]
mod tests {
    use super::domain;

    #[test]
    fn the_domain_of_an_address_or_a_url() {
        let cases = [
            ("ann@Acme.com", Some("acme.com")),
            (" bob@eu.acme.com ", Some("eu.acme.com")),
            ("\"a@b\"@acme.com", Some("acme.com")),
            ("https://www.Acme.com/pricing?x=1", Some("acme.com")),
            ("http://user@acme.com:8080/x", Some("acme.com")),
            ("//acme.com/a", Some("acme.com")),
            ("acme.com.", Some("acme.com")),
            ("www.acme.com", Some("acme.com")),
            ("localhost", None),
            ("ann@localhost", None),
            ("acme .com", None),
            ("", None),
        ];
        for (value, expected) in cases {
            assert_eq!(domain(value).as_deref(), expected, "{value:?}");
        }
    }
}
