#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! Benchmarks: checking a generated model of many rules (one rule per
//! product page or campaign, as generated models have them), its warnings
//! rendered as `leadscore check` prints them. Checking grows with the
//! number of rules times its logarithm at most: 1 000 and 10 000 rules
//! side by side show it.

use std::fmt::Write;
use std::path::Path;

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use leadscore::codes::Severity;

/// A model of `rules` rules over a small schema: most rules distinct, one
/// in twenty a copy of the rule before it (a duplicate-rule warning), one
/// in twenty such a copy under an allow comment, and rules reading an
/// event count and a combination of fields in between.
fn model(rules: usize) -> String {
    let mut text = String::from(
        "lead {\n  title: text\n  country: text\n  employees: number\n}\n\
         event visit(page: text)\n",
    );
    for i in 0..rules {
        let previous = i.saturating_sub(1);
        let _ = match i % 20 {
            19 => writeln!(
                text,
                "when title contains \"kw{previous}\" +{}",
                previous % 9 + 1
            ),
            13 => writeln!(
                text,
                "# leadscore: allow(W005)\nwhen title contains \"kw{previous}\" +{}",
                previous % 9 + 1
            ),
            7 => writeln!(
                text,
                "when visits(where page = \"p{i}\") within 30d >= 2 +5 \"pages {i}\""
            ),
            11 => writeln!(text, "when country in [c{i}, d{i}] and employees >= {i} +3"),
            _ => writeln!(
                text,
                "when title contains \"kw{i}\" +{} \"rule {i}\"",
                i % 9 + 1
            ),
        };
    }
    text
}

fn check(c: &mut Criterion) {
    let mut group = c.benchmark_group("check");
    group.sample_size(10);
    for rules in [1_000, 10_000] {
        let text = model(rules);
        // The model is what it is meant to be: no error, its warnings.
        let checked = leadscore::check_source("big.score", &text, Path::new("."));
        assert!(checked
            .diagnostics
            .iter()
            .all(|d| d.severity() == Severity::Warning));
        assert_eq!(checked.diagnostics.len(), rules / 20);
        group.bench_with_input(
            BenchmarkId::new("rules, warnings rendered", rules),
            &text,
            |b, text| {
                b.iter(|| {
                    let checked = leadscore::check_source("big.score", text, Path::new("."));
                    black_box(leadscore::diagnostic::render(
                        &checked.diagnostics,
                        &checked.sources,
                        false,
                    ))
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, check);
criterion_main!(benches);
