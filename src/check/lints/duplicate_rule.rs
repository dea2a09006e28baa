//! W005 `duplicate-rule`: the same rule twice in one score.

use std::collections::HashMap;

use super::walk::{place, rules_per_score};
use crate::check::Checker;
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::syntax::ast::{Item, Rule};

/// Two rules of the same score with the same condition (or event) and the
/// same points give a matching lead the points twice. Rules of different
/// groups may well agree: each group is its own sub-score.
pub(super) fn report_duplicate_rules(checker: &mut Checker<'_>, items: &[Item]) {
    for scored in rules_per_score(items) {
        // Rules whose kinds are equal print the same, so only the earlier
        // rules printed alike need comparing: one look-up a rule, where
        // comparing every pair took minutes on a model of 100 000 rules.
        let mut alike: HashMap<String, Vec<&Rule>> = HashMap::new();
        for rule in scored.rules.iter().copied() {
            let printed = alike.entry(key(rule)).or_default();
            let earlier = printed.iter().find(|r| r.kind == rule.kind).copied();
            printed.push(rule);
            if let Some(first) = earlier {
                let at = place(checker, first.span, rule.span);
                checker.report(
                    Diagnostic::new(
                        Code::DuplicateRule,
                        rule.span,
                        format!("this rule repeats the rule on {at}"),
                    )
                    .label(format!("same condition and points as {at}"))
                    .help("a lead that matches gets the points twice; remove one copy, or change the points of one rule if more were meant"),
                );
            }
        }
    }
}

/// The rule as printed without its name (which takes no part in being a
/// duplicate), fully parenthesised so that the printing is one-to-one
/// with the tree.
fn key(rule: &Rule) -> String {
    Rule {
        kind: rule.kind.clone(),
        name: None,
        span: rule.span,
    }
    .to_string()
}
