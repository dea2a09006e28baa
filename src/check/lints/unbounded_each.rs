//! W007 `unbounded-each`: an `each` rule without `max`, `within` or
//! `fade over`, whose points grow with every event a lead ever had.

use super::walk::rules_per_score;
use crate::check::{Checker, Symbol};
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::source::Span;
use crate::syntax::ast::{Item, Modifier, RuleKind};
use crate::syntax::print::points;

pub(super) fn report_unbounded_each(checker: &mut Checker<'_>, items: &[Item]) {
    for scored in rules_per_score(items) {
        for rule in scored.rules {
            let RuleKind::Each {
                event,
                points: pts,
                modifiers,
                ..
            } = &rule.kind
            else {
                continue;
            };
            let limited = !event.within.is_empty()
                || modifiers
                    .iter()
                    .any(|m| matches!(m.node, Modifier::Max(_) | Modifier::Fade(_)));
            if limited {
                continue;
            }
            let span = Span::new(rule.span.file, rule.span.start, pts.span.end);
            let shown = checker.source_text(span);
            let cap = points(pts.node);
            if let Some((Symbol::Field(_), _)) = checker.names.get(&event.name.node) {
                checker.report(
                    Diagnostic::new(
                        Code::UnboundedEach,
                        span,
                        format!("`{shown}` has no limit: its points grow with the field's value"),
                    )
                    .label("no `max`")
                    .help(format!(
                        "one lead with an outlying value can reach any score; cap the rule (`{cap} max 20`)"
                    )),
                );
                continue;
            }
            checker.report(
                Diagnostic::new(
                    Code::UnboundedEach,
                    span,
                    format!("`{shown}` has no limit: its points grow with every event"),
                )
                .label("no `max`, `within` or `fade over`")
                .help(format!(
                    "every matching event the lead ever had counts; cap the rule (`{cap} max 20`), count recent events only (`within 90d`), or let old ones fade (`fade over 90d`)"
                )),
            );
        }
    }
}
