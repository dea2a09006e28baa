//! Lints: warnings about a model that checks but probably does not do what
//! its authors meant. A bound no lead reaches, a condition that is never
//! true, a rule written twice, a declaration nothing reads, an `each` rule
//! without a limit, a rule worth more than its score's `max`, a rule of a
//! `first` block that an earlier one always takes the turn of. A comment
//! `# leadscore: allow(W005)` silences a warning for one rule or item.
//!
//! Each lint is a file of its own and a line of [`LINTS`]. Three warnings
//! are the checker's, not lints: W001 (`unreachable-label-value`, in
//! `outputs.rs`), W002 and W009 (a bare word that looks like a field or a
//! list, in `constants.rs`). They are found while the model is checked, and
//! are reported in a model with errors too, where lints do not run.

mod allow;
mod condition_never_true;
mod duplicate_rule;
mod max_below_points;
mod unbounded_each;
mod unreachable_bound;
mod unreachable_rule;
mod unused_declaration;
mod walk;

use super::Checker;
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::load::Loaded;
use crate::syntax::ast::Item;

/// One lint: the code it reports, and the pass that looks for it.
struct Lint {
    code: Code,
    run: fn(&mut Checker<'_>, &[Item]),
}

/// Every lint, in the order they run.
const LINTS: &[Lint] = &[
    Lint {
        code: Code::UnreachableBound,
        run: unreachable_bound::report_unreachable,
    },
    Lint {
        code: Code::NeverTrue,
        run: condition_never_true::report_never_true,
    },
    Lint {
        code: Code::DuplicateRule,
        run: duplicate_rule::report_duplicate_rules,
    },
    Lint {
        code: Code::UnusedDeclaration,
        run: unused_declaration::report_unused,
    },
    Lint {
        code: Code::UnboundedEach,
        run: unbounded_each::report_unbounded_each,
    },
    Lint {
        code: Code::MaxBelowPoints,
        run: max_below_points::report_max_below_points,
    },
    Lint {
        code: Code::UnreachableRule,
        run: unreachable_rule::report_unreachable_rules,
    },
];

/// Runs every lint over a model that checked without errors, then drops
/// the warnings (these and the checker's own) that an allow comment covers.
pub(super) fn run(checker: &mut Checker<'_>, loaded: &Loaded) {
    let items = loaded.items.as_slice();
    // A model with errors is incomplete: a rule that failed to check reads
    // nothing and adds no points, so lints would only add noise to the
    // errors that matter. A syntax error leaves its item out and the rest
    // whole: the lints run over the items that parsed (what they would say
    // of a name in the broken item is left out by the caller).
    let has_errors = loaded
        .diagnostics
        .iter()
        .any(|d| d.is_error() && d.code != crate::codes::Code::Syntax)
        || checker.diagnostics.iter().any(Diagnostic::is_error);
    if !has_errors {
        for lint in LINTS {
            let before = checker.diagnostics.len();
            (lint.run)(checker, items);
            // The registry names what each lint reports; tests hold it to that.
            debug_assert!(
                checker
                    .diagnostics
                    .iter()
                    .skip(before)
                    .all(|d| d.code == lint.code),
                "a lint reported a code other than {}",
                lint.code.as_str()
            );
        }
    }
    allow::drop_allowed(checker, items);
}
