#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! The command line as a user runs it: real files, real processes, exit
//! codes, stdout and stderr.

mod common;

use common::*;
use std::process::Command;

const SMALL: &str = "tests/fixtures/cli/small.score";
const AS_OF: &str = "2026-11-01";

#[test]
fn check_ok_model() {
    let o = leadscore(&["check", SMALL]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), format!("{SMALL}: ok\n"));
}

#[test]
fn check_reports_every_error_and_exits_1() {
    let o = leadscore(&["check", "tests/fixtures/cli/broken.score"]);
    assert_eq!(code(&o), 1);
    let err = stderr(&o);
    assert!(err.contains("E006"), "{err}");
    assert!(err.contains("did you mean `title`?"), "{err}");
    assert!(err.contains("E007"), "{err}");
    assert_eq!(
        err.matches("E00").count(),
        3,
        "all three errors in one run:\n{err}"
    );
    insta::assert_snapshot!(err);
}

#[test]
fn check_json_format() {
    let o = leadscore(&[
        "check",
        "--format",
        "json",
        "tests/fixtures/cli/broken.score",
    ]);
    assert_eq!(code(&o), 1);
    let diagnostics: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    insta::assert_json_snapshot!(diagnostics);
}

#[test]
fn missing_model_is_an_io_error() {
    let o = leadscore(&["check", "tests/fixtures/cli/nope.score"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("cannot read model"), "{}", stderr(&o));
}

#[test]
fn usage_error_exits_2() {
    let o = leadscore(&["score"]);
    assert_eq!(code(&o), 2);
    let o = leadscore(&[
        "score",
        SMALL,
        "tests/fixtures/cli/good.ndjson",
        "--as-of",
        "yesterday",
    ]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--as-of yesterday"), "{}", stderr(&o));
}

#[test]
fn score_ndjson() {
    let o = leadscore(&[
        "score",
        SMALL,
        "tests/fixtures/cli/good.ndjson",
        "--as-of",
        AS_OF,
        "--format",
        "ndjson",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    insta::assert_snapshot!(stdout(&o));
}

#[test]
fn score_explain_adds_reasons() {
    let o = leadscore(&[
        "score",
        SMALL,
        "tests/fixtures/cli/good.ndjson",
        "--as-of",
        AS_OF,
        "--format",
        "ndjson",
        "--explain",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let first: serde_json::Value =
        serde_json::from_str(stdout(&o).lines().next().expect("a line")).expect("JSON");
    let reasons = first["reasons"].as_array().expect("reasons");
    assert!(reasons
        .iter()
        .any(|r| r["rule"] == "senior title" && r["points"] == 10 && r["group"].is_null()));
    insta::assert_snapshot!(stdout(&o));
}

#[test]
fn score_every_format() {
    for format in ["table", "json", "csv"] {
        let o = leadscore(&[
            "score",
            SMALL,
            "tests/fixtures/cli/good.ndjson",
            "--as-of",
            AS_OF,
            "--format",
            format,
        ]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        insta::assert_snapshot!(format!("score_format_{format}"), stdout(&o));
    }
}

#[test]
fn json_array_input() {
    let o = leadscore(&[
        "score",
        SMALL,
        "tests/fixtures/cli/array.json",
        "--as-of",
        AS_OF,
        "--format",
        "ndjson",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().count(), 2);
}

#[test]
fn csv_leads_with_events_file() {
    let o = leadscore(&[
        "score",
        SMALL,
        "tests/fixtures/cli/leads.csv",
        "--events",
        "tests/fixtures/cli/events.csv",
        "--as-of",
        AS_OF,
        "--format",
        "ndjson",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let first: serde_json::Value =
        serde_json::from_str(stdout(&o).lines().next().expect("line")).expect("JSON");
    // 10 (title) + 15 (employees) + 2 pricing visits x 10
    assert_eq!(first["score"], 45);
    let err = stderr(&o);
    assert!(
        err.contains("events.csv:3"),
        "the orphan event is reported with its line: {err}"
    );
    assert!(err.contains("1 event without a lead"), "{err}");
}

#[test]
fn first_bad_record_stops_the_run() {
    let o = leadscore(&[
        "score",
        SMALL,
        "tests/fixtures/cli/bad.ndjson",
        "--as-of",
        AS_OF,
        "--format",
        "ndjson",
    ]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stdout(&o).lines().count(),
        1,
        "only the record before the bad one is scored"
    );
    let err = stderr(&o);
    assert!(err.contains("bad.ndjson:2"), "{err}");
    assert!(err.contains("`employees`"), "{err}");
    assert!(err.contains("\"lots\""), "{err}");
    assert!(err.contains("a number"), "{err}");
}

#[test]
fn skip_reports_every_bad_record_and_keeps_them() {
    let dir = scratch_dir("cli");
    let rejects = dir.join("rejects.ndjson");
    let o = score_skipping("tests/fixtures/cli/bad.ndjson", &rejects, &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().count(), 2);
    let err = stderr(&o);
    assert!(err.ends_with("scored 2, rejected 6\n"), "{err}");
    let kept = std::fs::read_to_string(&rejects).expect("rejects written");
    let original = std::fs::read_to_string("tests/fixtures/cli/bad.ndjson").expect("fixture");
    let bad_lines: Vec<&str> = original.lines().skip(1).take(6).collect();
    assert_eq!(
        kept.lines().collect::<Vec<_>>(),
        bad_lines,
        "rejected lines are kept unchanged"
    );
    let err = err.replace(&*dir.to_string_lossy(), "<tmp>");
    insta::assert_snapshot!(err);
}

/// The refinement commands read leads through the same stream as `score`:
/// the same records are set aside, and the same lines kept as rejects.
#[test]
fn diff_sets_bad_records_aside_as_score_does() {
    let dir = scratch_dir("diff-rejects");
    let run = |command: &[&str], name: &str| {
        let rejects = dir.join(name);
        let mut args = command.to_vec();
        let path = rejects.to_string_lossy().into_owned();
        args.extend([
            "tests/fixtures/cli/bad.ndjson",
            "--as-of",
            AS_OF,
            "--on-error",
            "skip",
        ]);
        args.extend(["--rejects", &path]);
        let o = leadscore(&args);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let skipped: Vec<String> = stderr(&o)
            .lines()
            .filter(|l| l.starts_with("skipped:"))
            .map(str::to_string)
            .collect();
        (
            skipped,
            std::fs::read_to_string(&rejects).expect("rejects written"),
        )
    };
    let scored = run(&["score", SMALL], "score.ndjson");
    let diffed = run(&["diff", SMALL, SMALL], "diff.ndjson");
    assert_eq!(scored.0.len(), 6);
    assert_eq!(diffed, scored);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn output_file_is_not_left_half_written() {
    let dir = scratch_dir("out");
    let target = dir.join("scores.ndjson");
    let o = leadscore(&[
        "score",
        SMALL,
        "tests/fixtures/cli/bad.ndjson",
        "--as-of",
        AS_OF,
        "--output",
        target.to_str().expect("utf-8"),
    ]);
    assert_eq!(code(&o), 1);
    assert!(!target.exists(), "a failed run leaves no output file");
    assert_eq!(
        std::fs::read_dir(&dir).expect("dir").count(),
        0,
        "and no temporary file"
    );
    let o = leadscore(&[
        "score",
        SMALL,
        "tests/fixtures/cli/good.ndjson",
        "--as-of",
        AS_OF,
        "--output",
        target.to_str().expect("utf-8"),
    ]);
    assert_eq!(code(&o), 0);
    assert_eq!(
        std::fs::read_to_string(&target)
            .expect("written")
            .lines()
            .count(),
        3
    );
}

#[test]
fn output_to_a_named_pipe_is_written_in_place() {
    use std::os::unix::fs::FileTypeExt;
    // Renaming a finished file over the target would replace a device or
    // a pipe (`-o /dev/null` once turned /dev/null into a plain file).
    let dir = scratch_dir("pipe");
    let pipe = dir.join("scores.pipe");
    let made = Command::new("mkfifo")
        .arg(&pipe)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let reading = pipe.clone();
    let reader = std::thread::spawn(move || std::fs::read_to_string(reading).expect("pipe"));
    let o = leadscore(&[
        "score",
        SMALL,
        "tests/fixtures/cli/good.ndjson",
        "--as-of",
        AS_OF,
        "--output",
        pipe.to_str().expect("utf-8"),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // Checked before joining: had the pipe been replaced, its reader would
    // wait for ever, and the test must fail rather than hang.
    let kind = std::fs::metadata(&pipe).expect("still there").file_type();
    assert!(kind.is_fifo(), "the pipe is still a pipe");
    let read = reader.join().expect("reader");
    assert_eq!(read.lines().count(), 3);
}

#[test]
fn compile_writes_the_plan_as_json() {
    let o = leadscore(&[
        "compile",
        "examples/b2b-saas.score",
        "--emit",
        "plan",
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let plan: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    let rules = plan["rules"].as_array().expect("rules");
    assert!(!rules.is_empty());
    // Every rule says where it is written, for reasons and generated SQL.
    for rule in rules {
        assert!(
            rule["origin"]["line"].as_u64().is_some_and(|l| l > 0),
            "{rule}"
        );
        assert!(
            rule["origin"]["file"]
                .as_str()
                .is_some_and(|f| f.ends_with(".score")),
            "{rule}"
        );
    }
    for table in [
        "fields",
        "events",
        "text_sets",
        "aggregates",
        "groups",
        "outputs",
    ] {
        assert!(plan[table].is_array(), "{table}");
    }
}

#[test]
fn stdin_leads() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_leadscore"))
        .args(["score", SMALL, "-", "--as-of", AS_OF, "--format", "ndjson"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"{\"id\":\"S-1\",\"title\":\"VP\"}\n")
        .expect("write");
    let o = child.wait_with_output().expect("wait");
    assert_eq!(code(&o), 0);
    assert!(
        stdout(&o).starts_with("{\"id\":\"S-1\",\"score\":10,"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn explain_one_lead() {
    let o = leadscore(&[
        "explain",
        SMALL,
        "tests/fixtures/cli/good.ndjson",
        "--id",
        "A-3",
        "--as-of",
        AS_OF,
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    insta::assert_snapshot!(stdout(&o));
    let o = leadscore(&[
        "explain",
        SMALL,
        "tests/fixtures/cli/good.ndjson",
        "--id",
        "nobody",
        "--as-of",
        AS_OF,
    ]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("no lead with id `nobody`"));
}

#[test]
fn explain_the_example() {
    let o = leadscore(&[
        "explain",
        "examples/b2b-saas.score",
        "examples/leads.ndjson",
        "--id",
        "L-001",
        "--as-of",
        "2026-11-20",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    insta::assert_snapshot!(stdout(&o));
}

#[test]
fn compile_emits_the_plan() {
    let o = leadscore(&["compile", "examples/b2b-saas.score", "--emit", "plan"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    insta::assert_snapshot!(stdout(&o));
}

#[test]
fn model_tests_run() {
    let o = leadscore(&["test", "examples/b2b-saas.score"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(
        stdout(&o).ends_with("4 passed, 0 failed\n"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn explain_code() {
    let o = leadscore(&["explain-code", "E006"]);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).starts_with("E006 unknown-name"));
    assert_eq!(code(&leadscore(&["explain-code", "E999"])), 2);
}

#[test]
fn scores_are_reproducible_for_a_fixed_as_of() {
    let args = [
        "score",
        "examples/b2b-saas.score",
        "examples/leads.ndjson",
        "--as-of",
        "2026-11-20",
        "--format",
        "ndjson",
        "--explain",
    ];
    let a = leadscore(&args);
    let b = leadscore(&args);
    assert_eq!(code(&a), 0);
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn output_is_identical_whatever_the_number_of_threads() {
    let dir = scratch_dir("threads");
    let leads = dir.join("generated.ndjson");
    let generated = leadscore(&["generate", "--leads", "6000", "--seed", "3"]);
    assert_eq!(code(&generated), 0);
    std::fs::write(&leads, &generated.stdout).expect("write");
    let path = leads.to_str().expect("utf-8");
    let score = |threads: &str| {
        leadscore(&[
            "score",
            "examples/b2b-saas.score",
            path,
            "--as-of",
            "2026-11-20",
            "--format",
            "ndjson",
            "--explain",
            "--threads",
            threads,
        ])
    };
    let one = score("1");
    assert_eq!(code(&one), 0, "{}", stderr(&one));
    assert_eq!(stdout(&one).lines().count(), 6000);
    for threads in ["2", "3", "8"] {
        assert!(
            score(threads).stdout == one.stdout,
            "{threads} threads differ from one"
        );
    }
}

/// Records are scored in units by whichever thread is free, and units
/// finish out of order: bad records and bad rows of the events file are
/// still reported, and kept as rejects, in input order, between the same
/// results, whatever the number of threads and whether the events are
/// merged sorted or grouped.
#[test]
fn bad_records_are_reported_in_input_order_whatever_the_number_of_threads() {
    let dir = scratch_dir("threads-bad");
    let events = dir.join("events.csv");
    let leads = dir.join("leads.csv");
    let events_path = events.to_str().expect("utf-8");
    let generated = generated_csv(3000, &events);
    // Every 37th lead has a size that is not a number, every 101st event
    // row a time that is not one.
    let damage = |text: &str, every: usize, column: usize, bad: &str| -> (String, usize) {
        let mut damaged = 0;
        let lines = text.lines().enumerate().map(|(i, line)| {
            if i == 0 || i % every != 0 {
                return format!("{line}\n");
            }
            damaged += 1;
            let mut cells: Vec<&str> = line.split(',').collect();
            cells[column] = bad;
            format!("{}\n", cells.join(","))
        });
        (lines.collect(), damaged)
    };
    let (lead_rows, bad_leads) = damage(&generated, 37, 3, "lots");
    std::fs::write(&leads, lead_rows).expect("write");
    let (event_rows, bad_events) = damage(
        &std::fs::read_to_string(&events).expect("read"),
        101,
        2,
        "someday",
    );
    std::fs::write(&events, event_rows).expect("write");
    let leads_path = leads.to_str().expect("utf-8");
    for sorted in [false, true] {
        let run = |threads: &str| {
            let rejects = dir.join(format!("rejects-{threads}.csv"));
            let mut args = vec![
                "score",
                "examples/b2b-saas.score",
                leads_path,
                "--events",
                events_path,
                "--as-of",
                "2026-11-20",
                "--format",
                "ndjson",
                "--on-error",
                "skip",
                "--rejects",
                rejects.to_str().expect("utf-8"),
                "--threads",
                threads,
            ];
            if sorted {
                args.push("--events-sorted");
            }
            let o = leadscore(&args);
            assert_eq!(code(&o), 0, "{}", stderr(&o));
            let kept = std::fs::read_to_string(&rejects).expect("rejects written");
            (stdout(&o), stderr(&o), kept)
        };
        let one = run("1");
        // A bad event row makes its lead bad: every record is scored or
        // set aside, and some are set aside for their events alone.
        let skipped = one.1.lines().filter(|l| l.starts_with("skipped: ")).count();
        assert_eq!(skipped + one.0.lines().count(), 3000, "{}", one.1);
        assert_eq!(one.2.lines().count(), 1 + skipped);
        assert!(skipped > bad_leads && skipped <= bad_leads + bad_events);
        for threads in ["2", "3", "8"] {
            assert!(
                run(threads) == one,
                "{threads} threads differ from one (sorted events: {sorted})"
            );
        }
    }
}

#[test]
fn csv_record_errors_name_the_row() {
    let o = leadscore(&[
        "score",
        SMALL,
        "tests/fixtures/cli/bad.csv",
        "--as-of",
        AS_OF,
        "--format",
        "ndjson",
        "--on-error",
        "skip",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("bad.csv:3: field `employees` is \"lots\"; expected a number"),
        "{err}"
    );
    assert!(
        err.contains("bad.csv:4:") && err.contains("the row has 3 columns but the header has 4"),
        "{err}"
    );
    assert!(err.ends_with("scored 2, rejected 2\n"), "{err}");
    assert_eq!(stdout(&o).lines().count(), 2);
}

#[test]
fn a_failing_test_shows_what_it_saw() {
    let o = leadscore(&["test", "tests/fixtures/cli/failing_test.score"]);
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    assert!(out.contains("but mql = false, tier = cold"), "{out}");
    assert!(out.ends_with("0 passed, 1 failed\n"), "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn sorted_events_stream_to_the_same_result() {
    let dir = scratch_dir("sorted");
    let events = dir.join("events.csv");
    let leads = dir.join("leads.csv");
    let events_path = events.to_str().expect("utf-8");
    std::fs::write(&leads, generated_csv(2000, &events)).expect("write");
    let leads_path = leads.to_str().expect("utf-8");
    let base = [
        "score",
        "examples/b2b-saas.score",
        leads_path,
        "--events",
        events_path,
        "--as-of",
        "2026-11-20",
        "--format",
        "ndjson",
    ];
    let grouped = leadscore(&base);
    let mut sorted_args = base.to_vec();
    sorted_args.push("--events-sorted");
    let sorted = leadscore(&sorted_args);
    assert_eq!(code(&grouped), 0, "{}", stderr(&grouped));
    assert_eq!(code(&sorted), 0, "{}", stderr(&sorted));
    assert_eq!(stdout(&grouped).lines().count(), 2000);
    assert!(
        sorted.stdout == grouped.stdout,
        "merging sorted events gives the same scores"
    );

    // Leads out of order cannot be merged: a usage error, not wrong scores.
    let reversed: String = {
        let text = std::fs::read_to_string(&leads).expect("read");
        let mut lines: Vec<&str> = text.lines().collect();
        let header = lines.remove(0);
        lines.reverse();
        std::iter::once(header)
            .chain(lines)
            .map(|l| format!("{l}\n"))
            .collect()
    };
    std::fs::write(&leads, reversed).expect("write");
    let out_of_order = leadscore(&sorted_args);
    assert_eq!(code(&out_of_order), 2);
    assert!(
        stderr(&out_of_order).contains("needs the leads sorted by id"),
        "{}",
        stderr(&out_of_order)
    );
}

/// Ids sorted as numbers are not sorted as text: with `--events-sorted`
/// the first row out of order stops the run at once (rather than every
/// later row being held as a row without a lead), after the leads whose
/// rows were all read, and the message says how ids are ordered.
#[test]
fn events_out_of_text_order_stop_a_sorted_merge_at_once() {
    let dir = scratch_dir("numeric-order");
    let leads = dir.join("leads.csv");
    let events = dir.join("events.csv");
    std::fs::write(&leads, "id,title\nG-8,VP\nG-9,VP\nG-10,VP\n").expect("write");
    std::fs::write(
        &events,
        "lead_id,type,at,page\nG-8,visit,2026-10-01,pricing\nG-9,visit,2026-10-01,pricing\n\
         G-10,visit,2026-10-01,pricing\nG-10,visit,2026-10-02,pricing\n",
    )
    .expect("write");
    let o = leadscore(&[
        "score",
        "examples/b2b-saas.score",
        leads.to_str().expect("utf-8"),
        "--events",
        events.to_str().expect("utf-8"),
        "--events-sorted",
        "--as-of",
        "2026-11-20",
        "--format",
        "ndjson",
    ]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    // `G-9` may have rows further on in a file out of order: it is not
    // scored on the rows seen so far.
    let ids: Vec<String> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("json")["id"].to_string())
        .collect();
    assert_eq!(ids, ["\"G-8\""]);
    assert!(
        stderr(&o).contains(
            "needs the events file sorted by lead id, but `G-10` (line 4) comes after `G-9`; \
             ids are compared as text"
        ),
        "{}",
        stderr(&o)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `explain --id` skips records whose text cannot hold the id without
/// parsing them; ids written with escapes, padded, or as numbers in
/// another notation must still be found.
#[test]
fn explain_finds_ids_however_they_are_written() {
    let dir = scratch_dir("explain-ids");
    let leads = dir.join("leads.ndjson");
    let text = [
        r#"{"id":"plain"}"#,
        r#"{"id":"\u0045scaped-1"}"#,
        r#"{"id":"  padded  "}"#,
        r#"{"id":1e2}"#,
        r#"{"id":"with \"quotes\""}"#,
    ]
    .join("\n");
    std::fs::write(&leads, text).expect("leads written");
    let leads = leads.to_string_lossy().into_owned();
    for id in ["plain", "Escaped-1", "padded", "100.0", "with \"quotes\""] {
        let o = leadscore(&["explain", SMALL, &leads, "--id", id, "--as-of", AS_OF]);
        assert_eq!(code(&o), 0, "{id}: {}", stderr(&o));
    }
    let o = leadscore(&["explain", SMALL, &leads, "--id", "1e2", "--as-of", AS_OF]);
    assert_eq!(code(&o), 1, "the id of `1e2` is the number 100.0");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A run stopped by a bad record ends at once, even though its input is a
/// pipe still open: nothing may wait for the rest of the input.
#[test]
fn a_stopped_run_does_not_wait_for_an_open_pipe() {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_leadscore"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["score", SMALL, "-", "--as-of", AS_OF, "--format", "ndjson"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    let mut input = child.stdin.take().expect("stdin");
    // More than a batch, so that the bad first record is scored while
    // the input stays open.
    let mut text = String::from("{\"id\":\"bad\",\"seniority\":\"nope\"}\n");
    for i in 0..5000 {
        text.push_str(&format!("{{\"id\":\"L{i}\"}}\n"));
    }
    input.write_all(text.as_bytes()).expect("written");
    let mut status = None;
    for _ in 0..600 {
        status = child.try_wait().expect("waited");
        if status.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    drop(input);
    let status = status.unwrap_or_else(|| {
        let _ = child.kill();
        panic!("the run waited for its input to end");
    });
    assert_eq!(status.code(), Some(1));
}

/// `score` of the small model on `leads` as of [`AS_OF`], with `more`
/// arguments.
fn score_small(leads: &str, more: &[&str]) -> std::process::Output {
    let mut args = vec!["score", SMALL, leads, "--as-of", AS_OF];
    args.extend(more);
    leadscore(&args)
}

/// `score` of the small model as NDJSON, skipping bad records into
/// `rejects`, with `more` arguments.
fn score_skipping(leads: &str, rejects: &std::path::Path, more: &[&str]) -> std::process::Output {
    let rejects = rejects.to_str().expect("utf-8 path");
    let mut args = vec![
        "--format",
        "ndjson",
        "--on-error",
        "skip",
        "--rejects",
        rejects,
    ];
    args.extend(more);
    score_small(leads, &args)
}

/// A bad row of an events file sets its lead aside and is named by the
/// events file's own line; rows whose lead is not in the leads file go to
/// `--orphans` as they were, and not among the rejected leads.
#[test]
fn events_file_rows_are_placed_in_their_own_file() {
    let dir = scratch_dir("orphans");
    let rejects = dir.join("rejects.csv");
    let orphans = dir.join("orphans.csv");
    let o = score_skipping(
        "tests/fixtures/cli/leads.csv",
        &rejects,
        &[
            "--events",
            "tests/fixtures/cli/bad-events.csv",
            "--orphans",
            orphans.to_str().expect("utf-8 path"),
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().count(), 1, "C-1 is scored");
    let err = stderr(&o);
    assert!(
        err.contains("leads.csv:3: its event on tests/fixtures/cli/bad-events.csv:4: field `at` is \"last tuesday\""),
        "{err}"
    );
    assert!(
        err.ends_with("scored 1, rejected 1, 1 event without a lead\n"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&rejects).expect("rejects written"),
        "id,title,employees,seniority\nC-2,Analyst,,IC\n"
    );
    assert_eq!(
        std::fs::read_to_string(&orphans).expect("orphans written"),
        "lead_id,type,at,page\nC-9,visit,2026-10-30T10:00:00Z,\"pricing, annual\"\n"
    );
    insta::assert_snapshot!(err);
}

/// A CSV export with CRLF endings (as Excel writes them), a byte-order
/// mark and a quoted cell over two lines: each error names the row's
/// first line, and a rejected row is kept byte for byte.
#[test]
fn crlf_csv_rows_keep_their_lines_and_their_text() {
    let dir = scratch_dir("crlf");
    let leads = dir.join("leads.csv");
    let rejects = dir.join("rejects.csv");
    let bad_row = "\"C-3\",\"Head of\r\nData\",\"lots\",IC";
    std::fs::write(
        &leads,
        format!("\u{feff}id,title,employees,seniority\r\nC-1,\"VP, Sales\",2500,VP\r\n{bad_row}\r\nC-4,,x,IC\r\n"),
    )
    .expect("leads written");
    let o = score_skipping(leads.to_str().expect("utf-8 path"), &rejects, &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "{\"id\":\"C-1\",\"score\":25,\"groups\":{},\"thresholds\":{\"mql\":false},\"labels\":{\"priority\":\"warm\"},\"disqualified\":null}\n"
    );
    let err = stderr(&o);
    assert!(
        err.contains("leads.csv:3: field `employees` is \"lots\""),
        "{err}"
    );
    assert!(
        err.contains("leads.csv:5: field `employees` is \"x\""),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&rejects).expect("rejects written"),
        format!("id,title,employees,seniority\n{bad_row}\nC-4,,x,IC\n")
    );
}

/// A leads file that holds an id twice with an events file: the rows of
/// that id cannot be told apart, so the second lead is a record error (not
/// scored without its events), whether the events are held or merged.
#[test]
fn a_lead_id_given_twice_with_events_is_a_record_error() {
    let dir = scratch_dir("twice");
    let leads = dir.join("leads.csv");
    let events = dir.join("events.csv");
    std::fs::write(&leads, "id,title\nC-1,VP\nC-1,VP\nC-2,VP\nC-3,VP\nC-3,VP\n")
        .expect("leads written");
    std::fs::write(
        &events,
        "lead_id,type,at,page\nC-1,visit,2026-10-30,pricing\nC-2,visit,2026-10-30,pricing\n",
    )
    .expect("events written");
    let (leads, events) = (
        leads.to_str().expect("utf-8"),
        events.to_str().expect("utf-8"),
    );
    for sorted in [&[][..], &["--events-sorted"][..]] {
        let mut args = vec!["--events", events, "--format", "csv", "--on-error", "skip"];
        args.extend(sorted);
        let o = score_small(leads, &args);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        // 10 for the title and 10 for the pricing visit; C-3 has no rows,
        // so its two leads are not confused.
        assert_eq!(
            stdout(&o),
            "id,score,mql,priority,disqualified\nC-1,20,false,warm,\nC-2,20,false,warm,\nC-3,10,false,cold,\nC-3,10,false,cold,\n",
            "{sorted:?}"
        );
        let err = stderr(&o);
        assert!(
            err.contains("leads.csv:3: field `id` is \"C-1\"; expected an id of its own"),
            "{sorted:?}: {err}"
        );
        assert!(err.ends_with("scored 4, rejected 1\n"), "{sorted:?}: {err}");
    }
}

/// A run stopped by a bad record leaves stdout readable in every format:
/// the leads scored before it, a JSON array closed, a table printed.
#[test]
fn a_stopped_run_leaves_its_output_whole() {
    for (format, expected) in [
        ("json", "[\n{\"id\":\"B-1\",\"score\":10,\"groups\":{},\"thresholds\":{\"mql\":false},\"labels\":{\"priority\":\"cold\"},\"disqualified\":null}\n]\n"),
        ("csv", "id,score,mql,priority,disqualified\nB-1,10,false,cold,\n"),
        ("table", "id   score  mql    priority  disqualified\n---  -----  -----  --------  ------------\nB-1     10  false  cold\n"),
    ] {
        let o = score_small("tests/fixtures/cli/bad.ndjson", &["--format", format]);
        assert_eq!(code(&o), 1, "{format}");
        assert_eq!(stdout(&o), expected, "{format}");
    }
}

/// `--explain` in a table or a CSV: one more column with the reasons; and
/// a CSV of no lead still has its header.
#[test]
fn explain_in_a_csv_is_a_reasons_column() {
    let o = score_small(
        "tests/fixtures/cli/leads.csv",
        &[
            "--events",
            "tests/fixtures/cli/events.csv",
            "--format",
            "csv",
            "--explain",
            "--quiet",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "id,score,mql,priority,disqualified,reasons\n\
         C-1,45,true,hot,,senior title +10; when employees >= 1000 +15; pricing visits +20\n\
         C-2,0,false,cold,,\n"
    );
    let dir = scratch_dir("empty-csv");
    let empty = dir.join("none.ndjson");
    std::fs::write(&empty, "").expect("written");
    let o = score_small(empty.to_str().expect("utf-8"), &["--format", "csv"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "id,score,mql,priority,disqualified\n");
}

#[test]
fn a_failing_test_shows_the_counts_and_lets_it_saw() {
    let o = leadscore(&["test", "tests/fixtures/cli/failing_counts.score"]);
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    assert!(
        out.contains("but visits(pricing) within 30d = 1, pv within 7d = 1"),
        "{out}"
    );
    assert!(out.contains("but enterprise = false"), "{out}");
    assert!(
        out.contains("but last(visit) = 2026-11-18T00:00:00Z"),
        "{out}"
    );
    insta::assert_snapshot!(out);
}

/// `explain --id` explains the first lead with the id, and says where the
/// others are rather than leaving them unexplained without a word.
#[test]
fn explain_names_the_other_leads_with_the_same_id() {
    let dir = scratch_dir("explain-twice");
    let leads = dir.join("leads.ndjson");
    std::fs::write(
        &leads,
        "{\"id\":\"A\",\"title\":\"VP\"}\n{\"id\":\"B\"}\n{\"id\":\"A\",\"title\":\"CEO\"}\n{\"id\":\"A\"}\n",
    )
    .expect("written");
    let o = leadscore(&[
        "explain",
        SMALL,
        leads.to_str().expect("utf-8"),
        "--id",
        "A",
        "--as-of",
        AS_OF,
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains("senior title"), "{}", stdout(&o));
    assert!(
        stderr(&o).ends_with(
            "has 2 more leads with the id `A` (lines 3, 4); this is the one on line 1\n"
        ),
        "{}",
        stderr(&o)
    );
}

/// A diagnostic on a line too wide to draw (miette panics past 65 535
/// columns) is reported with its place instead of a snippet.
#[test]
fn a_diagnostic_on_a_very_long_line_names_its_place() {
    let dir = scratch_dir("long-line");
    let model = dir.join("long.score");
    let text = format!(
        "lead {{ t: text }}\nwhen t = \"{}\" +1 +2\n",
        "a".repeat(70_000)
    );
    std::fs::write(&model, text).expect("written");
    let o = leadscore(&["check", model.to_str().expect("utf-8")]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(!err.contains("panicked"), "{err}");
    // miette wraps the message; compare it without its line breaks.
    let unwrapped: String = err
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '│')
        .collect();
    assert!(unwrapped.contains("found`+2`(at"), "{err}");
    assert!(unwrapped.contains("long.score:2:70016)"), "{err}");
}

/// `score` of the small model as NDJSON, skipping bad records, on a file
/// `name` written with `contents` in a directory of its own.
fn score_written_skipping(name: &str, contents: &[u8]) -> std::process::Output {
    let leads = scratch_dir(name.split('.').next().unwrap_or(name)).join(name);
    std::fs::write(&leads, contents).expect("written");
    score_small(
        leads.to_str().expect("utf-8"),
        &["--format", "ndjson", "--on-error", "skip"],
    )
}

/// Anything after the `]` of a JSON array is a record error, never lost
/// without a word (a second array, or NDJSON lines after a first line
/// that is an array).
#[test]
fn data_after_a_json_array_is_reported() {
    let o = score_written_skipping("leads.json", b"[{\"id\":1}]\n[{\"id\":2},{\"id\":3}]\n");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().count(), 1);
    let err = stderr(&o);
    assert!(
        err.contains("leads.json:2: more data after the `]` that closes the JSON array"),
        "{err}"
    );
    assert!(err.ends_with("scored 1, rejected 1\n"), "{err}");
}

/// A table cell wider than a formatting width can be (65 535) is padded
/// like any other (it panicked).
#[test]
fn a_very_wide_table_cell_is_written() {
    let dir = scratch_dir("wide-cell");
    let leads = dir.join("wide.ndjson");
    let id = "x".repeat(70_000);
    std::fs::write(&leads, format!("{{\"id\":\"{id}\"}}\n{{\"id\":\"y\"}}\n")).expect("written");
    let o = score_small(leads.to_str().expect("utf-8"), &["--format", "table"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    let last = out.lines().last().expect("a row for y");
    assert!(
        last.starts_with(&format!("y{}  ", " ".repeat(69_999))),
        "{}",
        &last[..20]
    );
}

/// A line of NDJSON that is not UTF-8 is one bad record; the lines after
/// it are read (the whole run stopped on it).
#[test]
fn a_line_that_is_not_utf8_is_one_bad_record() {
    let o = score_written_skipping(
        "leads.ndjson",
        b"{\"id\":1}\n{\"id\":\"\xff\xfe\"}\n{\"id\":3}\n",
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().count(), 2);
    let err = stderr(&o);
    assert!(
        err.contains("leads.ndjson:2: the line is not UTF-8 text"),
        "{err}"
    );
    assert!(err.ends_with("scored 2, rejected 1\n"), "{err}");
}

#[test]
fn a_thread_count_out_of_range_is_a_usage_error() {
    for threads in ["0", "99999999999", "many"] {
        let o = leadscore(&[
            "score",
            SMALL,
            "tests/fixtures/cli/good.ndjson",
            "--threads",
            threads,
        ]);
        assert_eq!(code(&o), 2, "{threads}");
        assert!(stderr(&o).contains("from 1 to 1024"), "{}", stderr(&o));
    }
}

/// A CSV header that names a column twice: the second column would be
/// read by nobody, so the file is refused as the data's fault (exit 1).
#[test]
fn a_csv_header_naming_a_column_twice_is_refused() {
    let dir = scratch_dir("dup-header");
    let leads = dir.join("leads.csv");
    std::fs::write(&leads, "id,title,title\nA,VP,CEO\n").expect("written");
    let o = leadscore(&[
        "score",
        SMALL,
        leads.to_str().expect("utf-8"),
        "--as-of",
        AS_OF,
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("the CSV header names `title` twice (columns 2 and 3)"),
        "{}",
        stderr(&o)
    );
}

/// A condition of thousands of `and`s is refused with a help line before
/// it is parsed (it overflowed the stack); a long one below the limit in
/// each of several rules is fine.
#[test]
fn a_condition_joining_too_many_tests_is_refused() {
    let dir = scratch_dir("joins");
    let chain = |n: usize| vec!["a"; n].join(" and ");
    let too_long = dir.join("too-long.score");
    std::fs::write(
        &too_long,
        format!("lead {{ a: bool }}\nwhen {} +1\n", chain(50_000)),
    )
    .expect("written");
    let o = leadscore(&["check", too_long.to_str().expect("utf-8")]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("this condition joins more than 1000 tests"),
        "{}",
        stderr(&o)
    );
    let long = dir.join("long.score");
    let rule = format!("when {} +1\n", chain(900));
    std::fs::write(&long, format!("lead {{ a: bool }}\n{rule}{rule}")).expect("written");
    let o = leadscore(&["check", long.to_str().expect("utf-8")]);
    assert!(!stderr(&o).contains("joins more than"), "{}", stderr(&o));
}

/// `explain` reads the leads on the stream `score` reads them on: a bad
/// record anywhere in the file stops it as it stops `score`, and with
/// `--on-error skip` the bad records are reported and kept in `--rejects`
/// while the lead asked for is explained.
#[test]
fn explain_handles_bad_records_as_score_does() {
    let dir = scratch_dir("explain-rejects");
    let rejects = dir.join("rejects.ndjson");
    let explain = |more: &[&str]| {
        let mut args = vec![
            "explain",
            SMALL,
            "tests/fixtures/cli/bad.ndjson",
            "--id",
            "B-8",
            "--as-of",
            AS_OF,
        ];
        args.extend(more);
        leadscore(&args)
    };
    let o = explain(&[]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "",
        "B-8 comes after the record that stops the run"
    );
    let err = stderr(&o);
    assert!(
        err.contains("error: tests/fixtures/cli/bad.ndjson:2: field `employees` is \"lots\""),
        "{err}"
    );
    assert!(err.contains("`--on-error skip`"), "{err}");

    let o = explain(&[
        "--on-error",
        "skip",
        "--rejects",
        rejects.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("lead B-8 as of 2026-11-01"),
        "{}",
        stdout(&o)
    );
    let err = stderr(&o);
    assert!(
        err.contains("skipped: tests/fixtures/cli/bad.ndjson:2: field `employees` is \"lots\""),
        "{err}"
    );
    assert!(err.ends_with("read 2, rejected 6\n"), "{err}");
    let original = std::fs::read_to_string("tests/fixtures/cli/bad.ndjson").expect("fixture");
    let bad_lines: Vec<&str> = original.lines().skip(1).take(6).collect();
    assert_eq!(
        std::fs::read_to_string(&rejects).expect("rejects written"),
        bad_lines.join("\n") + "\n",
        "rejected lines are kept unchanged"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `explain` with an events file reports the rows whose lead is not among
/// the leads, and keeps them in `--orphans`, as `score` does.
#[test]
fn explain_reports_events_without_a_lead() {
    let dir = scratch_dir("explain-orphans");
    let orphans = dir.join("orphans.csv");
    let o = leadscore(&[
        "explain",
        SMALL,
        "tests/fixtures/cli/leads.csv",
        "--events",
        "tests/fixtures/cli/events.csv",
        "--id",
        "C-1",
        "--as-of",
        AS_OF,
        "--orphans",
        orphans.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains("pricing visits"), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(
        err.contains("warning: tests/fixtures/cli/events.csv:3: event for lead `C-9`, which is not in `tests/fixtures/cli/leads.csv`"),
        "{err}"
    );
    assert!(
        err.ends_with("read 2, rejected 0, 1 event without a lead\n"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&orphans).expect("orphans written"),
        "lead_id,type,at,page\nC-9,visit,2026-10-30T10:00:00Z,pricing\n"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A named pipe given to `use` is reported, not read: reading it would
/// block `check` until something wrote to the pipe.
#[cfg(unix)]
#[test]
fn a_pipe_named_in_use_is_an_unreadable_file() {
    let dir = scratch_dir("use-fifo");
    let pipe = dir.join("events.score");
    let _ = std::fs::remove_file(&pipe);
    let made = Command::new("mkfifo")
        .arg(&pipe)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let model = dir.join("m.score");
    std::fs::write(
        &model,
        "use \"events.score\"\nlead { title: text }\nwhen title = VP +1\n",
    )
    .expect("written");
    let o = leadscore(&["check", model.to_str().expect("utf-8")]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
}

/// `-o` into a directory that does not exist names the path.
#[test]
fn an_output_that_cannot_be_written_is_named() {
    let o = score_small(
        "tests/fixtures/cli/good.ndjson",
        &["--format", "ndjson", "-o", "/no/such/dir/scores.ndjson"],
    );
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("cannot write `/no/such/dir/scores.ndjson`"),
        "{}",
        stderr(&o)
    );
}

/// `completions` and `man` write what a shell and `man` read.
#[test]
fn completions_and_man_page() {
    let o = leadscore(&["completions", "bash"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("complete -F _leadscore"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("explain-code"));
    let o = leadscore(&["completions", "fish"]);
    assert!(
        stdout(&o).contains("complete -c leadscore"),
        "{}",
        stdout(&o)
    );
    let o = leadscore(&["man"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with(".ie") || stdout(&o).contains(".TH leadscore"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("backtest"));
}

/// `test --format github|json|junit`: a failing expectation as an
/// annotation at its line, as JSON, and as a JUnit failure.
#[test]
fn test_results_for_ci() {
    let failing = "tests/fixtures/cli/failing_test.score";
    let o = leadscore(&["test", "--format", "github", failing]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stdout(&o),
        "::error file=tests/fixtures/cli/failing_test.score,line=11,title=test failed%3A a VP in title only is an MQL::expect mql and tier = hot but mql = false, tier = cold\n"
    );
    assert!(stderr(&o).contains("0 passed, 1 failed"), "{}", stderr(&o));
    let o = leadscore(&["test", "--format", "json", failing, SMALL]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_eq!(report["failed"], 1, "{report}");
    let test = &report["tests"][0];
    assert_eq!(test["passed"], false);
    assert_eq!(test["line"], 8);
    assert_eq!(test["failures"][0]["expect"], "mql and tier = hot");
    let o = leadscore(&["test", "--format", "junit", failing]);
    let xml = stdout(&o);
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert!(
        xml.contains("<testcase name=\"a VP in title only is an MQL\" classname=\"tests/fixtures/cli/failing_test.score\""),
        "{xml}"
    );
    assert!(
        xml.contains("<failure message=\"expect mql and tier = hot\">"),
        "{xml}"
    );
    assert!(xml.contains("tests=\"1\" failures=\"1\""), "{xml}");
}
