//! The readable breakdown of one lead or one account, as `explain`
//! prints it: every rule that gave points and why, the adjustments, and
//! the clause that decided each threshold and label.

use std::fmt::Write as _;

use serde_json::Value as JsonValue;

use super::disqualify_reason;
use crate::eval::account::{AccountResult, Names};
use crate::eval::{round2, AdjustmentKind, Outcome, OutputValue};
use crate::lead::Lead;
use crate::plan::Plan;
use crate::plan::{BlockDef, Effect, FieldId, GroupId, IdVec, Output, OutputId};
use crate::syntax::print::{number, points, quote};
use crate::text::plural;

/// A readable breakdown of one lead: every rule that fired, group
/// subtotals, decay and clamps, thresholds and labels with their reasons.
pub fn explanation(plan: &Plan, lead: &Lead, outcome: &Outcome, as_of: &str) -> String {
    let model = &plan;
    let mut out = String::new();
    let id_text = match &lead.id {
        JsonValue::String(s) => s.clone(),
        other => other.to_string(),
    };
    let _ = writeln!(out, "lead {id_text} as of {as_of}");
    match outcome.last_activity {
        Some(t) => {
            let days =
                (crate::time::parse_instant(as_of).unwrap_or(t) - t).num_hours() as f64 / 24.0;
            let days = crate::eval::round2(days);
            let unit = if days == 1.0 { "day" } else { "days" };
            let _ = writeln!(
                out,
                "last activity {} ({} {unit} before)",
                t.to_rfc3339(),
                number(days)
            );
        }
        None => {
            let _ = writeln!(
                out,
                "no activity (no events at or before as-of): nothing decays"
            );
        }
    }
    let fired = |group: Option<GroupId>| -> Vec<(String, f64)> {
        outcome
            .reasons
            .iter()
            .filter_map(|r| {
                let rule = model.rules.get(r.rule)?;
                let block = rule.block.and_then(|b| model.blocks.get(b));
                let name = in_block(&rule.name, block);
                (rule.group == group).then_some((name, r.points))
            })
            .collect()
    };
    let adjustments = |out: &mut String, group: Option<GroupId>| {
        for a in outcome.adjustments.iter().filter(|a| a.group == group) {
            let _ = match a.kind {
                AdjustmentKind::Decay { periods } => writeln!(
                    out,
                    "    decay ({periods} period{}): {} -> {}",
                    plural(periods),
                    number(crate::eval::round2(a.before)),
                    number(crate::eval::round2(a.after))
                ),
                AdjustmentKind::Clamp => writeln!(
                    out,
                    "    clamp: {} -> {}",
                    number(crate::eval::round2(a.before)),
                    number(crate::eval::round2(a.after))
                ),
            };
        }
    };
    for (g, group) in model.groups.iter_enumerated() {
        let value = outcome.groups[g];
        let mut notes = Vec::new();
        if group.separate {
            notes.push("separate, not in the total".to_string());
        }
        if let Some(max) = group.max {
            notes.push(format!("max {}", number(max)));
        }
        if let Some(min) = group.min {
            notes.push(format!("min {}", number(min)));
        }
        notes.extend(since_note(plan, lead, group.since, as_of));
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!(" ({})", notes.join(", "))
        };
        let _ = writeln!(out, "\n{} = {}{notes}", group.name, number(value));
        write_rules(&mut out, &fired(Some(g)));
        adjustments(&mut out, Some(g));
    }
    let top = fired(None);
    if !top.is_empty() {
        let since = since_note(plan, lead, model.total.since, as_of)
            .map(|note| format!(" ({note})"))
            .unwrap_or_default();
        let _ = writeln!(out, "\ntop-level rules{since}");
        write_rules(&mut out, &top);
    }
    let _ = writeln!(out, "\nscore = {}", number(outcome.score));
    let mut parts: Vec<String> = model
        .groups
        .iter()
        .zip(&outcome.groups)
        .filter(|(g, _)| !g.separate)
        .map(|(g, v)| format!("{} {}", g.name, number(*v)))
        .collect();
    let top_sum: f64 = top.iter().map(|(_, p)| p).sum();
    if !top.is_empty() {
        parts.insert(
            0,
            format!("top-level rules {}", number(crate::eval::round2(top_sum))),
        );
    }
    let counted: f64 = top_sum
        + model
            .groups
            .iter()
            .zip(&outcome.groups)
            .filter(|(g, _)| !g.separate)
            .map(|(_, v)| v)
            .sum::<f64>();
    if !parts.is_empty() {
        let _ = writeln!(
            out,
            "    sum: {} = {}",
            parts.join(" + "),
            number(crate::eval::round2(counted))
        );
    }
    adjustments(&mut out, None);

    if outcome.disqualified_by.is_empty() {
        let _ = writeln!(out, "\nnot disqualified");
    } else {
        let _ = writeln!(out, "\ndisqualified");
        for r in &outcome.disqualified_by {
            if let Some(reason) = disqualify_reason(plan, *r) {
                let _ = writeln!(out, "    {reason}");
            }
        }
    }

    let disqualified = !outcome.disqualified_by.is_empty();
    let why_not = disqualified.then_some("the lead is disqualified");
    explain_outputs(&mut out, &model.outputs, &outcome.outputs, why_not);

    let silent: Vec<&str> = model
        .rules
        .iter_enumerated()
        .filter(|(id, rule)| {
            !matches!(rule.effect, Effect::Disqualify { .. })
                && !outcome.reasons.iter().any(|r| r.rule == *id)
        })
        .map(|(_, r)| r.name.as_str())
        .collect();
    if !silent.is_empty() {
        let _ = writeln!(out, "\nrules that did not fire");
        for name in silent {
            let _ = writeln!(out, "    {name}");
        }
    }
    out
}

/// Each threshold and label with the clause that decided it; `why_not`
/// explains every threshold that is not passed regardless of its clause.
fn explain_outputs(
    out: &mut String,
    defs: &IdVec<OutputId, Output>,
    values: &IdVec<OutputId, OutputValue>,
    why_not: Option<&str>,
) {
    if !defs.is_empty() {
        let _ = writeln!(out, "\nthresholds and labels");
    }
    for (output, value) in defs.iter().zip(values) {
        match (output, value) {
            (Output::Threshold { name, source, .. }, OutputValue::Threshold(b)) => {
                let why = match (b, why_not) {
                    (true, _) => format!("{source} holds"),
                    (false, Some(why)) => why.to_string(),
                    (false, None) => format!("{source} does not hold"),
                };
                let _ = writeln!(out, "    {name}: {} ({why})", if *b { "yes" } else { "no" });
            }
            (
                Output::Label {
                    name,
                    values,
                    cases,
                    sources,
                },
                OutputValue::Label(v),
            ) => {
                let case = v.and_then(|v| cases.iter().position(|(value, _)| *value == v));
                let text = match v.and_then(|i| values.get(i)) {
                    Some(value) => {
                        let why = case
                            .and_then(|c| sources.get(c))
                            .cloned()
                            .unwrap_or_default();
                        format!("{value} ({why})")
                    }
                    None => "none (no clause matched)".to_string(),
                };
                let _ = writeln!(out, "    {name}: {text}");
            }
            _ => {}
        }
    }
}

/// A readable breakdown of one account: its members with their rolled-up
/// scores, the rollup, the account rules with the members they counted,
/// the clamp, and the account's thresholds and labels.
pub fn account_explanation(
    plan: &Plan,
    result: &AccountResult,
    members: &[(JsonValue, f64)],
    as_of: &str,
) -> String {
    let mut out = String::new();
    let Some(account) = &plan.account else {
        return out;
    };
    let show_id = |id: &JsonValue| match id {
        JsonValue::String(s) => s.clone(),
        other => other.to_string(),
    };
    let _ = writeln!(out, "account {} as of {as_of}", result.key);
    let _ = writeln!(out, "{} member{}", result.members, plural(result.members));
    let width = members
        .iter()
        .map(|(id, _)| show_id(id).chars().count())
        .max()
        .unwrap_or(0);
    for (id, value) in members {
        let _ = writeln!(
            out,
            "    {:<width$}  {}",
            show_id(id),
            number(round2(*value))
        );
    }
    let mut named = result.named.iter();
    let names = |n: Option<&Names>| -> String {
        let Some(n) = n else {
            return String::new();
        };
        let mut ids: Vec<String> = n.ids.iter().map(|(_, id)| show_id(id)).collect();
        if n.more > 0 {
            ids.push(format!("and {} more", n.more));
        }
        ids.join(", ")
    };
    let rollup_names = named.next();
    match &account.rollup {
        Some(rollup) => {
            let _ = writeln!(out, "\n{} = {}", rollup.source, number(result.base));
            let _ = writeln!(out, "    counted: {}", names(rollup_names));
        }
        None => {
            let _ = writeln!(out, "\nno rollup: the account starts from 0");
        }
    }
    if !result.score.fired.is_empty() {
        let _ = writeln!(out, "\naccount rules");
    }
    for ((r, p), n) in result.score.fired.iter().zip(named) {
        if let Some(rule) = account.rules.get(*r) {
            let block = rule.block.and_then(|b| account.blocks.get(b));
            let name = in_block(&rule.name, block);
            let _ = writeln!(out, "    {:>7}  {name}", points(round2(*p)));
            // An `otherwise` counts no member: it names none.
            if !n.ids.is_empty() || n.more > 0 {
                let _ = writeln!(out, "             members: {}", names(Some(n)));
            }
        }
    }
    let _ = writeln!(out, "\nscore = {}", number(result.score.score));
    let rules: f64 = result.score.fired.iter().map(|(_, p)| p).sum();
    let _ = writeln!(
        out,
        "    sum: rollup {} + rules {} = {}",
        number(result.base),
        number(round2(rules)),
        number(round2(result.score.sum))
    );
    if round2(result.score.sum) != result.score.score {
        let _ = writeln!(
            out,
            "    clamp: {} -> {}",
            number(round2(result.score.sum)),
            number(result.score.score)
        );
    }
    explain_outputs(&mut out, &account.outputs, &result.score.outputs, None);
    let silent: Vec<&str> = account
        .rules
        .iter_enumerated()
        .filter(|(r, _)| !result.score.fired.iter().any(|(f, _)| f == r))
        .map(|(_, rule)| rule.name.as_str())
        .collect();
    if !silent.is_empty() {
        let _ = writeln!(out, "\naccount rules that did not fire");
        for name in silent {
            let _ = writeln!(out, "    {name}");
        }
    }
    out
}

/// A rule's name as explained: a rule of a named `first` block says which
/// block it won, unless it is named as the block is.
fn in_block<R>(rule: &str, block: Option<&BlockDef<R>>) -> String {
    match block.and_then(|b| b.name.as_ref()) {
        Some(block) if block != rule => format!("{rule} (first of {})", quote(block)),
        _ => rule.to_string(),
    }
}

fn write_rules(out: &mut String, rules: &[(String, f64)]) {
    for (name, p) in rules {
        let _ = writeln!(out, "    {:>7}  {name}", points(crate::eval::round2(*p)));
    }
}

/// Which events a score with `since` counted for this lead.
fn since_note(plan: &Plan, lead: &Lead, since: Option<FieldId>, as_of: &str) -> Option<String> {
    let field = since?;
    let name = plan.fields.get(field).map_or("", |f| f.name.as_str());
    let as_of = crate::time::parse_instant(as_of)?;
    Some(match crate::eval::since_instant(lead, field, as_of) {
        Some(at) => format!("events after {name} {}", at.to_rfc3339()),
        None => format!("{name} missing or after as-of: every event counts"),
    })
}
