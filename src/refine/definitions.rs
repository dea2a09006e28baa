//! What `diff` compares besides rules: each group, the total, each
//! threshold and label, and the `account` block (its key, rollup, rules,
//! thresholds and labels), as one line of text each.

use crate::plan::{IdVec, Output, Plan};
use crate::syntax::ast::Modifier;
use crate::syntax::print::modifier;

/// Each threshold, label and group, and the total, as `(name, kind, text)`.
pub(super) fn definitions(plan: &Plan) -> Vec<(String, &'static str, String)> {
    let model = &plan;
    // The modifiers in one fixed order, whatever order the author wrote
    // them in, so that reordering them is no change.
    let modifiers = |max: Option<f64>, min: Option<f64>, separate: bool| {
        let all = [
            max.map(Modifier::Max),
            min.map(Modifier::Min),
            separate.then_some(Modifier::Separate),
        ];
        all.iter()
            .flatten()
            .map(|m| format!(" {}", modifier(m)))
            .collect::<String>()
    };
    let mut out = Vec::new();
    for group in &model.groups {
        let mods = modifiers(group.max, group.min, group.separate);
        let mut text = format!("score {}{mods}", group.name);
        if let Some(decay) = &group.decay {
            text.push_str(&format!("; {}", decay.source));
        }
        out.push((group.name.clone(), "group", text));
    }
    let mut total = format!(
        "total{}",
        modifiers(model.total.max, model.total.min, false)
    );
    if let Some(decay) = &model.total.decay {
        total.push_str(&format!("; {}", decay.source));
    }
    out.push(("total".to_string(), "total", total));
    output_definitions(&model.outputs, "", &mut out);
    if let Some(account) = &model.account {
        account_definitions(
            plan,
            account,
            modifiers(account.max, account.min, false),
            &mut out,
        );
    }
    out
}

/// Each threshold and label of `outputs`, as `(name, kind, text)`; an
/// account's are named `account NAME`.
fn output_definitions(
    outputs: &IdVec<crate::plan::OutputId, Output>,
    prefix: &str,
    out: &mut Vec<(String, &'static str, String)>,
) {
    for output in outputs {
        match output {
            Output::Threshold { name, source, .. } => out.push((
                format!("{prefix}{name}"),
                "threshold",
                format!("threshold {name} when {source}"),
            )),
            Output::Label {
                name,
                values,
                cases,
                sources,
            } => {
                let clauses: Vec<String> = cases
                    .iter()
                    .zip(sources)
                    .map(|((v, _), source)| {
                        let value = values.get(*v).map(String::as_str).unwrap_or("");
                        format!("{value} when {source}")
                    })
                    .collect();
                out.push((
                    format!("{prefix}{name}"),
                    "label",
                    format!("label {name}: {}", clauses.join(", ")),
                ))
            }
        }
    }
}

/// An `account` block: its key and clamps, its rollup, each of its rules
/// with its points, its thresholds and labels.
fn account_definitions(
    plan: &Plan,
    account: &crate::plan::AccountDef,
    modifiers: String,
    out: &mut Vec<(String, &'static str, String)>,
) {
    let key = plan
        .fields
        .get(account.key)
        .map_or(String::new(), |f| f.name.clone());
    let mut text = format!(
        "account by {}{key}",
        if account.domain_of { "domain of " } else { "" }
    );
    if !account.except.is_empty() {
        text.push_str(&format!(" except [{}]", account.except.join(", ")));
    }
    text.push_str(&modifiers);
    if let Some(rollup) = &account.rollup {
        text.push_str(&format!("; {}", rollup.source));
    }
    out.push(("account".to_string(), "account", text));
    for rule in &account.rules {
        out.push((
            format!("account rule {}", rule.name),
            "account rule",
            format!(
                "{} {}",
                rule.name,
                crate::syntax::print::points(rule.points)
            ),
        ));
    }
    output_definitions(&account.outputs, "account ", out);
}
