#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! An events file in any order larger than `--events-memory`: spilled to
//! sorted runs in TMPDIR and merged, with the output of holding it whole,
//! and no file left behind, after a run that stops at a bad record too.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{code, generated_csv, scratch_dir, stderr};

/// The binary with TMPDIR set to `tmp`.
fn leadscore_with_tmp(tmp: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leadscore"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("TMPDIR", tmp)
        .args(["--color", "never"])
        .args(args)
        .output()
        .expect("binary runs")
}

/// Generated CSV leads with their events shuffled (every third row first,
/// then the rest backwards), a few rows for leads that never come, and the
/// leads in the given order.
fn inputs(dir: &Path, leads_reversed: bool) -> (String, String) {
    let events = dir.join("generated-events.csv");
    let generated = generated_csv(8000, &events);
    let text = std::fs::read_to_string(&events).expect("events written");
    let mut rows: Vec<&str> = text.lines().collect();
    let header = rows.remove(0);
    let mut shuffled: Vec<&str> = rows.iter().step_by(3).copied().collect();
    shuffled.extend(
        rows.iter()
            .enumerate()
            .rev()
            .filter(|(i, _)| i % 3 != 0)
            .map(|(_, r)| *r),
    );
    let mut events_text = format!("{header}\n");
    for (i, row) in shuffled.iter().enumerate() {
        events_text.push_str(row);
        events_text.push('\n');
        if i % 5000 == 0 {
            // A lead that is not among the leads, sorting first or last.
            let lead = if i % 10000 == 0 { "AAA" } else { "zzz" };
            let rest = row.split_once(',').map_or("", |(_, rest)| rest);
            events_text.push_str(&format!("{lead},{rest}\n"));
        }
    }
    let shuffled_path = dir.join("events.csv");
    std::fs::write(&shuffled_path, events_text).expect("write events");
    assert!(
        std::fs::metadata(&shuffled_path).expect("events").len() > 3 << 20,
        "the events are several MiB, so that a budget of 1 MiB spills"
    );

    let mut lines: Vec<&str> = generated.lines().collect();
    let header = lines.remove(0);
    if leads_reversed {
        lines.reverse();
    }
    let leads = dir.join(if leads_reversed {
        "leads-reversed.csv"
    } else {
        "leads.csv"
    });
    let body: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(&leads, format!("{header}\n{body}")).expect("write leads");
    (
        leads.to_str().expect("utf-8").to_string(),
        shuffled_path.to_str().expect("utf-8").to_string(),
    )
}

fn empty(dir: &Path) -> bool {
    std::fs::read_dir(dir).expect("tmp").next().is_none()
}

/// A fresh, empty directory to be TMPDIR.
fn tmp_dir(dir: &Path, name: &str) -> std::path::PathBuf {
    let tmp = dir.join(name);
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).expect("tmp");
    tmp
}

#[test]
fn spilled_events_score_as_held_ones_in_either_lead_order() {
    let dir = scratch_dir("spill");
    for reversed in [false, true] {
        let (leads, events) = inputs(&dir, reversed);
        let orphans_held = dir.join("orphans-held.csv");
        let orphans_spilled = dir.join("orphans-spilled.csv");
        let args = |orphans: &Path| {
            vec![
                "score".to_string(),
                "examples/b2b-saas.score".to_string(),
                leads.clone(),
                "--events".to_string(),
                events.clone(),
                "--as-of".to_string(),
                "2026-11-20".to_string(),
                "--format".to_string(),
                "ndjson".to_string(),
                "--explain".to_string(),
                "--orphans".to_string(),
                orphans.to_str().expect("utf-8").to_string(),
            ]
        };
        let held_args = args(&orphans_held);
        let held_args: Vec<&str> = held_args.iter().map(String::as_str).collect();
        let tmp = tmp_dir(&dir, "tmp-held");
        let held = leadscore_with_tmp(&tmp, &held_args);
        assert_eq!(code(&held), 0, "{}", stderr(&held));
        assert!(empty(&tmp), "within the budget nothing is spilled");

        let mut spilled_args = args(&orphans_spilled);
        spilled_args.extend(["--events-memory".to_string(), "1".to_string()]);
        let spilled_args: Vec<&str> = spilled_args.iter().map(String::as_str).collect();
        let tmp = tmp_dir(&dir, "tmp-spilled");
        let spilled = leadscore_with_tmp(&tmp, &spilled_args);
        assert_eq!(code(&spilled), 0, "{}", stderr(&spilled));
        assert_eq!(stdout_lines(&held), 8000);
        assert!(
            held.stdout == spilled.stdout,
            "reversed {reversed}: same scores"
        );
        assert_eq!(stderr(&held), stderr(&spilled), "reversed {reversed}");
        assert!(
            stderr(&held).contains("events without a lead"),
            "{}",
            stderr(&held)
        );
        assert_eq!(
            std::fs::read(&orphans_held).expect("orphans"),
            std::fs::read(&orphans_spilled).expect("orphans"),
            "reversed {reversed}: the same rows without a lead, in file order"
        );
        assert!(empty(&tmp), "reversed {reversed}: the runs are removed");
    }
}

fn stdout_lines(o: &Output) -> usize {
    String::from_utf8_lossy(&o.stdout).lines().count()
}

#[test]
fn a_run_stopped_by_a_bad_lead_leaves_no_runs_behind() {
    let dir = scratch_dir("spill-stopped");
    let (leads, events) = inputs(&dir, false);
    let text = std::fs::read_to_string(&leads).expect("leads");
    // The 4000th lead's row loses its cells: a bad record, which stops the run.
    let broken: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 4000 {
                "\"broken\n".to_string()
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(&leads, broken).expect("write");
    // Sorted events keep the rows without a lead in a directory of their
    // own, removed after an error too.
    let sorted = dir.join("generated-events.csv");
    let sorted = sorted.to_str().expect("utf-8");
    for (name, events, extra) in [
        ("tmp", events.as_str(), None),
        ("tmp-sorted", sorted, Some("--events-sorted")),
    ] {
        let tmp = tmp_dir(&dir, name);
        let mut args = vec![
            "score",
            "examples/b2b-saas.score",
            &leads,
            "--events",
            events,
            "--as-of",
            "2026-11-20",
            "--events-memory",
            "1",
        ];
        args.extend(extra);
        let o = leadscore_with_tmp(&tmp, &args);
        assert_eq!(code(&o), 1, "{extra:?}: {}", stderr(&o));
        assert!(empty(&tmp), "{extra:?}: nothing is left after an error");
    }
}

/// Events for many more leads than are scored: most rows have no lead.
/// Past the budget they are kept on disk and still reported, and kept by
/// `--orphans`, in file order, whether the events are merged from runs
/// or read sorted; nothing is left in TMPDIR.
#[test]
fn rows_without_a_lead_past_the_budget_are_reported_as_held_ones_are() {
    let dir = scratch_dir("spill-orphans");
    let (leads, shuffled) = inputs(&dir, false);
    let text = std::fs::read_to_string(&leads).expect("leads");
    // The first 400 leads of 8,000: the rows of the others have no lead.
    let few: String = text.lines().take(401).map(|l| format!("{l}\n")).collect();
    let few_leads = dir.join("few-leads.csv");
    std::fs::write(&few_leads, few).expect("write");
    let few_leads = few_leads.to_str().expect("utf-8");
    let sorted = dir.join("generated-events.csv");
    let sorted = sorted.to_str().expect("utf-8");
    for (events, extra) in [(shuffled.as_str(), None), (sorted, Some("--events-sorted"))] {
        let run = |name: &str, budget: Option<&str>| {
            let orphans = dir.join(format!("{name}.csv"));
            let mut args = vec![
                "score",
                "examples/b2b-saas.score",
                few_leads,
                "--events",
                events,
                "--as-of",
                "2026-11-20",
                "--format",
                "ndjson",
                "--orphans",
                orphans.to_str().expect("utf-8"),
            ];
            args.extend(extra);
            if let Some(budget) = budget {
                args.extend(["--events-memory", budget]);
            }
            let tmp = tmp_dir(&dir, &format!("tmp-{name}"));
            let output = leadscore_with_tmp(&tmp, &args);
            assert_eq!(code(&output), 0, "{name}: {}", stderr(&output));
            assert!(empty(&tmp), "{name}: nothing is left in TMPDIR");
            (output, std::fs::read(&orphans).expect("orphans written"))
        };
        let (held, held_orphans) = run("held", None);
        let (spilled, spilled_orphans) = run("spilled", Some("1"));
        assert_eq!(stdout_lines(&held), 400);
        assert!(held.stdout == spilled.stdout, "{extra:?}: same scores");
        assert_eq!(stderr(&held), stderr(&spilled), "{extra:?}");
        let kept = String::from_utf8_lossy(&held_orphans).lines().count();
        assert!(kept > 20_000, "{extra:?}: {kept} rows without a lead");
        assert!(
            held_orphans == spilled_orphans,
            "{extra:?}: same rows, in file order"
        );
    }
}

/// Ctrl-C while the events are spilled: the runs go with the process,
/// which exits with 130 as an interrupted command does.
#[cfg(unix)]
#[test]
fn an_interrupted_run_leaves_no_runs_behind() {
    use std::io::Write;
    use std::process::Stdio;

    let dir = scratch_dir("spill-interrupted");
    let (leads, events) = inputs(&dir, false);
    let tmp = tmp_dir(&dir, "tmp");
    let mut child = Command::new(env!("CARGO_BIN_EXE_leadscore"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("TMPDIR", &tmp)
        .args(["--color", "never", "score", "examples/b2b-saas.score", "-"])
        .args(["--events", &events, "--as-of", "2026-11-20"])
        .args(["--events-memory", "1"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    // The header and a first lead, on a pipe left open: the run spills
    // the events, scores that lead and waits for more.
    let first_two: String = std::fs::read_to_string(&leads)
        .expect("leads")
        .lines()
        .take(2)
        .map(|l| format!("{l}\n"))
        .collect();
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(first_two.as_bytes()).expect("write");
    stdin.flush().expect("flush");
    let spilled = || {
        std::fs::read_dir(&tmp).expect("tmp").flatten().any(|d| {
            let name = d.file_name().to_string_lossy().into_owned();
            name.starts_with("leadscore-events-") && d.path().join("run-1").exists()
        })
    };
    let mut waited = 0;
    while !spilled() {
        assert!(waited < 600, "the events were not spilled within a minute");
        std::thread::sleep(std::time::Duration::from_millis(100));
        waited += 1;
    }
    let interrupt = format!("kill -INT {}", child.id());
    let sent = Command::new("sh").args(["-c", &interrupt]).status();
    assert!(sent.expect("sh runs").success());
    let out = child.wait_with_output().expect("waits");
    drop(stdin);
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("interrupted"));
    assert!(empty(&tmp), "nothing is left after Ctrl-C");
}
