//! `diff` on `first` blocks: a block gives the points of the first of its
//! rules that holds, so the order of its rules is part of what it says.
//! Two rules swapped in a block change no rule's text, yet they change
//! scores; this names the blocks whose rules now take their turns in
//! another order, the lead's blocks and the account block's alike.

use serde::Serialize;

use super::diff::{describe, Version};
use crate::plan::{BlockDef, Plan};

/// A `first` block whose rules, among those both versions have, come in
/// another order.
#[derive(Debug, Serialize)]
pub struct Reordered {
    /// The block's name, else `first`.
    pub block: String,
    /// Where it stands: a group's name, `account`, or `None` at the top
    /// level.
    pub group: Option<String>,
    /// The block's rules in each version, in order.
    pub before: Vec<String>,
    pub after: Vec<String>,
}

/// One block of one version: where it stands, its name, and per rule what
/// pairs it with the other version's (its identity) and its name.
struct Block {
    group: Option<String>,
    name: Option<String>,
    rules: Vec<(String, String)>,
}

/// The blocks of the new version whose rules in common with the matching
/// old block (the one in the same place that shares most rules with it)
/// come in another order.
pub(super) fn reordered(old: &Version, new: &Version) -> Vec<Reordered> {
    let olds = blocks(old);
    let news = blocks(new);
    let mut out = Vec::new();
    for n in &news {
        let shared = |o: &Block| {
            n.rules
                .iter()
                .filter(|(id, _)| o.rules.iter().any(|(other, _)| other == id))
                .count()
        };
        let best = olds
            .iter()
            .filter(|o| o.group == n.group)
            .map(|o| (shared(o), o))
            .filter(|(count, _)| *count > 1)
            .max_by_key(|(count, _)| *count);
        let Some((_, o)) = best else {
            continue;
        };
        let in_both = |b: &Block, other: &Block| -> Vec<String> {
            b.rules
                .iter()
                .filter(|(id, _)| other.rules.iter().any(|(x, _)| x == id))
                .map(|(id, _)| id.clone())
                .collect()
        };
        if in_both(o, n) != in_both(n, o) {
            let names = |b: &Block| b.rules.iter().map(|(_, name)| name.clone()).collect();
            out.push(Reordered {
                block: n.name.clone().unwrap_or_else(|| "first".to_string()),
                group: n.group.clone(),
                before: names(o),
                after: names(n),
            });
        }
    }
    out
}

/// Every `first` block of a version: the lead's (a rule is known by what
/// pairs it across versions, as `diff` pairs rules) and the account
/// block's (by name).
fn blocks(v: &Version) -> Vec<Block> {
    let plan: &Plan = v.plan;
    let mut out: Vec<Block> = plan
        .blocks
        .iter()
        .map(|b| {
            let rules = b
                .rules
                .iter()
                .filter_map(|&id| {
                    let text = describe(v, id, plan.rules.get(id)?);
                    Some((text.identity().to_string(), text.rule))
                })
                .collect();
            lead_or_account(plan, b, rules)
        })
        .collect();
    if let Some(account) = &plan.account {
        out.extend(account.blocks.iter().map(|b| {
            let rules = b
                .rules
                .iter()
                .filter_map(|&id| account.rules.get(id))
                .map(|r| (r.name.clone(), r.name.clone()))
                .collect();
            Block {
                group: Some("account".to_string()),
                ..lead_or_account(plan, b, rules)
            }
        }));
    }
    out
}

fn lead_or_account<R>(plan: &Plan, b: &BlockDef<R>, rules: Vec<(String, String)>) -> Block {
    Block {
        group: b
            .group
            .and_then(|g| plan.groups.get(g))
            .map(|g| g.name.clone()),
        name: b.name.clone(),
        rules,
    }
}
