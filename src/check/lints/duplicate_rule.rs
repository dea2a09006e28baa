//! W005 `duplicate-rule`: the same rule twice in one score.

use super::walk::{place, rules_per_score};
use crate::check::Checker;
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::syntax::ast::Item;

/// Two rules of the same score with the same condition (or event) and the
/// same points give a matching lead the points twice. Rules of different
/// groups may well agree: each group is its own sub-score.
pub(super) fn report_duplicate_rules(checker: &mut Checker<'_>, items: &[Item]) {
    for scored in rules_per_score(items) {
        for (i, rule) in scored.rules.iter().enumerate() {
            let earlier = scored.rules.iter().take(i).find(|r| r.kind == rule.kind);
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
