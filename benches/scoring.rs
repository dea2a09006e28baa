#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! Benchmarks: compiling the example model, evaluating the plan per lead,
//! and scoring generated NDJSON and CSV end to end, next to the cost of
//! merely parsing the same NDJSON into typed structs with serde_json.

use std::io::{BufRead, Cursor};
use std::path::Path;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use leadscore::plan::Plan;
use leadscore::synthetic::{leads, CSV_HEADER, EVENTS_CSV_HEADER};
use leadscore::{read_lead_by, Straight};
use leadscore::{
    score_stream, to_lead, Evaluator, EventSource, EventsFile, Format, LeadResult, LeadScratch,
    OnError, Orphan, Outcome, OutputFormat, RecordError, Records, Reporter, ResultWriter, Stream,
    StreamOptions,
};

const LEADS: usize = 10_000;

fn plan() -> Plan {
    let checked = leadscore::load_and_check(Path::new("examples/b2b-saas.score")).unwrap();
    checked.plan.unwrap()
}

fn as_of() -> leadscore::time::Instant {
    leadscore::time::parse_instant("2026-11-20").unwrap()
}

/// The CLI's options for a run that stops at the first bad record.
fn fail_options() -> StreamOptions<'static> {
    StreamOptions {
        events_file: None,
        events_sorted: false,
        on_error: OnError::Fail,
        rejects: None,
        orphans: None,
        threads: None,
    }
}

/// A run with `--quiet`: no progress line; the generated leads have no
/// bad records and every event has its lead.
struct Quiet;

impl Reporter for Quiet {
    fn progress(&mut self, _done: usize) {}

    fn skipped(&mut self, error: &RecordError) {
        panic!("a generated lead is bad: {error}")
    }

    fn orphan(&mut self, orphan: &Orphan<'_>) {
        panic!("a generated event has no lead: {orphan}")
    }
}

/// Scores `input` through the CLI's own path: records read on a thread of
/// their own, scored on every core, written in input order.
fn score_as_the_cli_does(
    evaluator: &Evaluator<'_>,
    input: &'static [u8],
    format: Format,
    events: Option<EventSource>,
) -> Vec<u8> {
    let reader: Box<dyn BufRead + Send> = Box::new(Cursor::new(input));
    let records = Records::new(reader, format).unwrap();
    let stream = Stream::new("bench".into(), records, events, fail_options()).unwrap();
    let plan = evaluator.plan();
    let mut writer = ResultWriter::new(Vec::with_capacity(input.len()), OutputFormat::Ndjson, plan);
    let summary = score_stream(stream, &mut Quiet, evaluator, &mut writer, false, None).unwrap();
    assert_eq!(summary.used, LEADS);
    writer.finish().unwrap()
}

fn ndjson() -> String {
    leads(LEADS, 7).map(|l| l.to_ndjson() + "\n").collect()
}

/// What a lead looks like to a program that only wants to read it.
#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct TypedLead {
    id: String,
    title: Option<String>,
    seniority: Option<String>,
    #[serde(rename = "Number of Employees")]
    employees: Option<f64>,
    industry: Option<String>,
    country: Option<String>,
    email: Option<String>,
    newsletter: Option<bool>,
    tech_stack: Option<Vec<String>>,
    events: Option<Vec<TypedEvent>>,
}

#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct TypedEvent {
    #[serde(rename = "type")]
    kind: String,
    at: String,
    page: Option<String>,
    campaign: Option<String>,
    asset: Option<String>,
    #[serde(rename = "kind")]
    asset_kind: Option<String>,
    name: Option<String>,
}

fn compile_example(c: &mut Criterion) {
    c.bench_function("parse+check+compile example model", |b| {
        b.iter(|| black_box(plan()))
    });
}

fn evaluate(c: &mut Criterion) {
    let plan = plan();
    let evaluator = Evaluator::new(&plan, as_of());
    let text = ndjson();
    let leads: Vec<_> = text
        .lines()
        .map(|l| to_lead(&plan, &serde_json::from_str(l).unwrap(), &[]).unwrap())
        .collect();
    let mut group = c.benchmark_group("evaluate");
    group.throughput(Throughput::Elements(LEADS as u64));
    group.bench_function(format!("{} rules x {LEADS} leads", plan.rules.len()), |b| {
        // As the CLI does: one outcome per thread, refilled for each lead.
        let mut outcome = Outcome::default();
        b.iter(|| {
            for lead in &leads {
                evaluator.evaluate_into(lead, &mut outcome);
                black_box(&outcome);
            }
        })
    });
    // The same leads through the tree walk the compiled evaluator is
    // tested against: what compiling the plan saves.
    group.bench_function(
        format!(
            "{} rules x {LEADS} leads, tree walk (reference)",
            plan.rules.len()
        ),
        |b| {
            let mut outcome = Outcome::default();
            b.iter(|| {
                for lead in &leads {
                    evaluator.evaluate_reference_into(lead, &mut outcome);
                    black_box(&outcome);
                }
            })
        },
    );
    group.bench_function("compile the plan for an as-of (Evaluator::new)", |b| {
        b.iter(|| black_box(Evaluator::new(&plan, as_of())))
    });
    group.finish();
}

fn end_to_end(c: &mut Criterion) {
    let plan = plan();
    let evaluator = Evaluator::new(&plan, as_of());
    let text = ndjson();
    let mut group = c.benchmark_group("ndjson");
    group.throughput(Throughput::Elements(LEADS as u64));
    group.bench_function("serde_json into typed structs (baseline)", |b| {
        b.iter(|| {
            for line in text.lines() {
                black_box(serde_json::from_str::<TypedLead>(line).unwrap());
            }
        })
    });
    group.bench_function("read into the plan's slots, one thread", |b| {
        let mut scratch = LeadScratch::default();
        b.iter(|| {
            for record in Records::new(Cursor::new(text.as_bytes()), Format::Ndjson).unwrap() {
                let record = record.unwrap();
                black_box(record.to_lead_in(&plan, &[], &mut scratch).unwrap());
            }
        })
    });
    // The two straight readers alone, on the lines themselves: the byte
    // scan `score` tries first, and serde_json, which reads what it leaves.
    for (name, reader) in [
        ("the byte scan alone", Straight::Scan),
        ("serde_json's visitors alone", Straight::Serde),
    ] {
        group.bench_function(format!("read into the plan's slots: {name}"), |b| {
            b.iter(|| {
                for line in text.lines() {
                    black_box(read_lead_by(&plan, line, reader).unwrap());
                }
            })
        });
    }
    group.bench_function("read and evaluate, one thread", |b| {
        let mut scratch = LeadScratch::default();
        let mut outcome = Outcome::default();
        b.iter(|| {
            for record in Records::new(Cursor::new(text.as_bytes()), Format::Ndjson).unwrap() {
                let record = record.unwrap();
                let lead = record.to_lead_in(&plan, &[], &mut scratch).unwrap();
                evaluator.evaluate_into(lead, &mut outcome);
                black_box(&outcome);
            }
        })
    });
    group.bench_function("score end to end, one thread", |b| {
        // As the CLI does: one lead and one outcome per thread, refilled.
        let mut scratch = LeadScratch::default();
        let mut outcome = Outcome::default();
        b.iter(|| {
            let mut writer =
                ResultWriter::new(Vec::with_capacity(text.len()), OutputFormat::Ndjson, &plan);
            for record in Records::new(Cursor::new(text.as_bytes()), Format::Ndjson).unwrap() {
                let record = record.unwrap();
                let lead = record.to_lead_in(&plan, &[], &mut scratch).unwrap();
                evaluator.evaluate_into(lead, &mut outcome);
                let result = LeadResult {
                    plan: &plan,
                    id: &lead.id,
                    outcome: &outcome,
                    explain: false,
                };
                let rendered = writer.layout().render_lead(&result).unwrap();
                writer.write(rendered).unwrap();
            }
            black_box(writer.finish().unwrap())
        })
    });
    let input: &'static [u8] = Box::leak(text.clone().into_bytes().into_boxed_slice());
    group.bench_function("score end to end, every core (as the CLI does)", |b| {
        b.iter(|| {
            black_box(score_as_the_cli_does(
                &evaluator,
                input,
                Format::Ndjson,
                None,
            ))
        })
    });
    group.finish();

    let mut csv = String::from(CSV_HEADER);
    csv.push('\n');
    let mut events = String::from(EVENTS_CSV_HEADER);
    events.push('\n');
    for lead in leads(LEADS, 7) {
        csv.push_str(&lead.to_csv());
        csv.push('\n');
        for row in lead.events_csv() {
            events.push_str(&row);
            events.push('\n');
        }
    }
    let mut group = c.benchmark_group("csv");
    group.throughput(Throughput::Elements(LEADS as u64));
    group.bench_function("score CSV leads with a CSV events file, one thread", |b| {
        // As a CLI worker does: each lead's rows taken from the events
        // file by its id, both read into one lead kept from record to record.
        let mut scratch = LeadScratch::default();
        let mut outcome = Outcome::default();
        b.iter(|| {
            let mut by_lead =
                EventsFile::read(Cursor::new(events.as_bytes()), Format::Csv, "events.csv")
                    .unwrap();
            let mut writer =
                ResultWriter::new(Vec::with_capacity(csv.len()), OutputFormat::Ndjson, &plan);
            for record in Records::new(Cursor::new(csv.as_bytes()), Format::Csv).unwrap() {
                let record = record.unwrap();
                let rows = by_lead.take(&record.id_key("id").unwrap_or_default());
                let lead = record
                    .to_lead_with_events(&plan, rows, &mut scratch)
                    .unwrap();
                evaluator.evaluate_into(lead, &mut outcome);
                let result = LeadResult {
                    plan: &plan,
                    id: &lead.id,
                    outcome: &outcome,
                    explain: false,
                };
                let rendered = writer.layout().render_lead(&result).unwrap();
                writer.write(rendered).unwrap();
            }
            black_box(writer.finish().unwrap())
        })
    });
    let leads_csv: &'static [u8] = Box::leak(csv.clone().into_bytes().into_boxed_slice());
    group.bench_function(
        "score CSV leads with a CSV events file, every core (as the CLI does)",
        |b| {
            b.iter(|| {
                let by_lead =
                    EventsFile::read(Cursor::new(events.as_bytes()), Format::Csv, "events.csv")
                        .unwrap();
                let events = Some(EventSource::Grouped(by_lead));
                black_box(score_as_the_cli_does(
                    &evaluator,
                    leads_csv,
                    Format::Csv,
                    events,
                ))
            })
        },
    );
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = compile_example, evaluate, end_to_end
}
criterion_main!(benches);
