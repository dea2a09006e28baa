#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! Authoring and CI from the command line: `check --format github|sarif`
//! and `leadscore init`, run as a user runs them.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

const BROKEN: &str = "tests/fixtures/cli/broken.score";

/// A fresh directory of this test's own under the target directory.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("cli_authoring")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

// -- check --format github ----------------------------------------------------

#[test]
fn github_format_annotates_every_error() {
    let o = leadscore(&["check", "--format", "github", BROKEN]);
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 3, "{out}");
    assert!(out.lines().all(|l| l.starts_with("::error file=")), "{out}");
    // The job log keeps the full report and the summary, on stderr.
    let err = stderr(&o);
    assert!(err.contains("did you mean `title`?"), "{err}");
    assert!(err.contains(&format!("{BROKEN}: 3 errors")), "{err}");
    insta::assert_snapshot!(out);
}

/// A model with an error and a warning, in a file whose name holds the
/// characters a workflow command must escape.
const ODD_MODEL: &str = "lead { title: text, industry: text }
event visit(page: text)
when title = industry +5
when industry is present +1
score engagement {
  each visit within 30d +1 max 10
  decay 150% every 30d
}
";
const ODD_NAME: &str = "a,b:c 100%.score";

#[test]
fn github_format_escapes_properties_and_messages() {
    let dir = scratch("github_escapes");
    std::fs::write(dir.join(ODD_NAME), ODD_MODEL).unwrap();
    let o = leadscore_in(&dir, &["check", "--format", "github", ODD_NAME]);
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    assert!(
        out.contains("::warning file=a%2Cb%3Ac 100%25.score,line=3,"),
        "{out}"
    );
    assert!(
        out.contains("title=E024::a decay of 150%25 is out of range"),
        "{out}"
    );
    insta::assert_snapshot!(out);
}

#[test]
fn github_format_keeps_the_exit_codes() {
    let dir = scratch("github_exit_codes");
    std::fs::write(
        dir.join("warn.score"),
        "lead { title: text, industry: text }\nwhen title = industry +5\nwhen industry is present +1\n",
    )
    .unwrap();
    // A warning alone passes, unless warnings are denied.
    let o = leadscore_in(&dir, &["check", "--format", "github", "warn.score"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).starts_with("::warning file=warn.score,line=2,col=14,"));
    let o = leadscore_in(
        &dir,
        &[
            "check",
            "--format",
            "github",
            "--deny",
            "warnings",
            "warn.score",
        ],
    );
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("denied by --deny warnings"));
    // A file that cannot be read is an I/O problem, annotated without a file.
    let o = leadscore_in(&dir, &["check", "--format", "github", "nope.score"]);
    assert_eq!(code(&o), 2);
    assert!(
        stdout(&o).starts_with("::error title=leadscore::cannot read model `nope.score`"),
        "{}",
        stdout(&o)
    );
    // A clean model prints no annotation.
    let o = leadscore(&["check", "--format", "github", "examples/b2b-saas.score"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    assert!(stderr(&o).contains("examples/b2b-saas.score: ok"));
}

// -- check --format sarif -----------------------------------------------------

fn sarif(o: &Output) -> Value {
    serde_json::from_str(&stdout(o)).expect("SARIF is JSON")
}

#[test]
fn sarif_format_is_a_sarif_log() {
    let o = leadscore(&["check", "--format", "sarif", BROKEN]);
    assert_eq!(code(&o), 1);
    let log = sarif(&o);
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "leadscore");

    // Every code of the registry is a rule, in registry order, documented.
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), leadscore::codes::ALL.len());
    for (rule, info) in rules.iter().zip(leadscore::codes::ALL) {
        assert_eq!(rule["id"], info.id);
        assert_eq!(rule["name"], info.name);
        let short = rule["shortDescription"]["text"].as_str().unwrap();
        assert!(
            !short.is_empty() && info.summary.starts_with(short),
            "{short}"
        );
        assert!(rule["help"]["text"].as_str().unwrap().contains(info.fix));
        let level = if info.id.starts_with('W') {
            "warning"
        } else {
            "error"
        };
        assert_eq!(rule["defaultConfiguration"]["level"], level);
    }

    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        assert_eq!(result["level"], "error");
        assert!(!result["message"]["text"].as_str().unwrap().is_empty());
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], BROKEN);
        let region = &location["region"];
        for key in ["startLine", "startColumn", "endLine", "endColumn"] {
            assert!(region[key].as_u64().unwrap() >= 1, "{key}");
        }
    }
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);

    // The results are the part of the log this test pins down; the rules
    // follow the registry, checked above.
    insta::assert_json_snapshot!(run["results"]);
}

#[test]
fn sarif_levels_uris_and_unreadable_files() {
    let dir = scratch("sarif_levels");
    std::fs::write(dir.join(ODD_NAME), ODD_MODEL).unwrap();
    let o = leadscore_in(
        &dir,
        &["check", "--format", "sarif", ODD_NAME, "nope.score"],
    );
    assert_eq!(code(&o), 2, "an unreadable file is exit 2");
    let log = sarif(&o);
    let run = &log["runs"][0];
    let levels: Vec<&str> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["warning", "error"]);
    let uri = &run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    assert_eq!(
        uri, "a,b%3Ac%20100%25.score",
        "`:` would read as a URI scheme"
    );
    let invocation = &run["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notification = &invocation["toolExecutionNotifications"][0];
    assert_eq!(notification["level"], "error");
    assert!(notification["message"]["text"]
        .as_str()
        .unwrap()
        .contains("nope.score"));

    // Nothing wrong: an empty list of results, exit 0.
    let o = leadscore(&["check", "--format", "sarif", "examples/b2b-saas.score"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(sarif(&o)["runs"][0]["results"], serde_json::json!([]));
}

// -- init ---------------------------------------------------------------------

#[test]
fn init_template_checks_formats_and_its_tests_pass() {
    let dir = scratch("init_template");
    let o = leadscore_in(&dir, &["init", "model.score"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("wrote model.score"), "{}", stderr(&o));
    let o = leadscore_in(&dir, &["check", "--deny", "warnings", "model.score"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "model.score: ok\n");
    let o = leadscore_in(&dir, &["test", "model.score"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(
        stdout(&o).ends_with("1 passed, 0 failed\n"),
        "{}",
        stdout(&o)
    );
    // Already in the canonical layout, so the CI recipe's `fmt --check` passes.
    let o = leadscore_in(&dir, &["fmt", "--check", "model.score"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
}

#[test]
fn init_refuses_to_overwrite_without_force() {
    let dir = scratch("init_overwrite");
    let model = dir.join("model.score");
    std::fs::write(&model, "# ours\n").unwrap();
    let o = leadscore_in(&dir, &["init", "model.score"]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(err.contains("`model.score` already exists"), "{err}");
    assert!(err.contains("--force"), "{err}");
    assert_eq!(std::fs::read_to_string(&model).unwrap(), "# ours\n");
    // The same with --from: nothing is read or written.
    let o = leadscore_in(&dir, &["init", "model.score", "--from", "nope.csv"]);
    assert_eq!(code(&o), 2);
    assert_eq!(std::fs::read_to_string(&model).unwrap(), "# ours\n");

    let o = leadscore_in(&dir, &["init", "model.score", "--force"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(std::fs::read_to_string(&model).unwrap().contains("lead {"));
}

#[test]
fn init_reports_unreadable_and_empty_samples() {
    let dir = scratch("init_bad_samples");
    let o = leadscore_in(&dir, &["init", "m.score", "--from", "nope.csv"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("cannot read `nope.csv`"),
        "{}",
        stderr(&o)
    );
    std::fs::write(dir.join("empty.csv"), "id,title\n").unwrap();
    let o = leadscore_in(&dir, &["init", "m.score", "--from", "empty.csv"]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("holds no lead records"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.join("m.score").exists());
}

/// Runs `init - --from ...` and returns the model it printed, after
/// checking that it checks without a single diagnostic.
fn init_from(args: &[&str], dir: &Path) -> (String, String) {
    let mut all = vec!["init", "-", "--from"];
    all.extend_from_slice(args);
    let o = leadscore(&all);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let model = stdout(&o);
    let path = dir.join("model.score");
    std::fs::write(&path, &model).unwrap();
    assert_checks_cleanly(&path);
    (model, stderr(&o))
}

fn assert_checks_cleanly(path: &Path) {
    let checked = leadscore::load_and_check(path).expect("readable");
    assert!(
        checked.diagnostics.is_empty(),
        "{}:\n{}",
        path.display(),
        leadscore::diagnostic::render(&checked.diagnostics, &checked.sources, false)
    );
    assert!(checked.plan.is_some());
}

/// The model with its commented examples turned into code: the fit group,
/// the threshold and label, the keyed `each` rules, the decay and the test.
fn uncomment_examples(model: &str) -> String {
    let mut out = Vec::new();
    let mut in_block = false;
    for line in model.lines() {
        let starts_block = line.starts_with("# score ") || line.starts_with("# test \"");
        in_block |= starts_block;
        let single = line.starts_with("# threshold ")
            || line.starts_with("# label ")
            || line.starts_with("  # each ")
            || line.starts_with("  # decay ");
        if in_block || single {
            let code = line.replacen("# ", "", 1);
            if in_block && code == "}" {
                in_block = false;
            }
            out.push(if code == "#" { String::new() } else { code });
        } else {
            out.push(line.to_string());
        }
    }
    out.join("\n") + "\n"
}

/// The examples, once uncommented, check cleanly and their test passes.
fn assert_examples_work(model: &str, dir: &Path) {
    let examples = uncomment_examples(model);
    assert!(examples.contains("\nscore fit max 50 {\n"), "{examples}");
    assert!(examples.contains("\nthreshold mql 50"), "{examples}");
    assert!(examples.contains("\ntest \""), "{examples}");
    let path = dir.join("examples.score");
    std::fs::write(&path, &examples).unwrap();
    assert_checks_cleanly(&path);
    let o = leadscore(&["test", path.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}\n{examples}", stdout(&o));
    assert!(
        stdout(&o).ends_with("1 passed, 0 failed\n"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn init_from_csv_with_events() {
    let dir = scratch("init_csv");
    let (model, report) = init_from(
        &[
            "tests/fixtures/init/leads.csv",
            "--events",
            "tests/fixtures/init/events.csv",
        ],
        &dir,
    );
    // Keys that are not names get one, and keep the key with `as`.
    assert!(model.contains("  number_of_employees: number as \"Number of Employees\"\n"));
    assert!(
        model.contains("  score_field: number as \"score\"\n"),
        "a keyword"
    );
    assert!(
        model.contains("  zip: text\n"),
        "codes with a leading zero stay text"
    );
    assert!(model.contains("  seniority: one of [Director, IC, Manager, VP]\n"));
    assert!(model.contains("  tech_stack: list of text as \"tech stack\"\n"));
    assert!(
        model.contains("event visit(page: text)\n"),
        "Visit is a visit"
    );
    assert!(model.contains("  each visit within 30d +1 max 10\n"));
    assert!(report.contains("event type \"page-view\""), "{report}");
    insta::assert_snapshot!("init_from_csv_model", model);
    insta::assert_snapshot!("init_from_csv_report", report);
    assert_examples_work(&model, &dir);

    // The sample scores with the model it produced: every record reads.
    let o = leadscore(&[
        "score",
        dir.join("model.score").to_str().unwrap(),
        "tests/fixtures/init/leads.csv",
        "--events",
        "tests/fixtures/init/events.csv",
        "--as-of",
        "2026-11-20",
        "--format",
        "ndjson",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().count(), 24);
}

#[test]
fn init_from_csv_alone_declares_no_events() {
    let dir = scratch("init_csv_alone");
    let (model, report) = init_from(&["tests/fixtures/init/leads.csv"], &dir);
    assert!(report.contains("events (0):"), "{report}");
    assert!(!model.contains("\nevent "), "{model}");
    assert!(!model.contains("score engagement"), "{model}");
    assert!(model.contains("# The sample has no events."), "{model}");
    assert_examples_work(&model, &dir);
}

#[test]
fn init_from_ndjson_with_embedded_events() {
    let dir = scratch("init_ndjson");
    let (model, report) = init_from(&["tests/fixtures/init/leads.ndjson"], &dir);
    assert!(model.contains("  lead_source: text as \"Lead Source\"\n"));
    assert!(
        model.contains("  visits_field: number as \"visits\"\n"),
        "clashes with the event"
    );
    assert!(model.contains("  list_field: text as \"list\"\n"));
    assert!(model.contains("  tech_stack: list of text\n"));
    assert!(
        model.contains("  employees: number\n"),
        "numbers and numeric text"
    );
    assert!(!model.contains("company"), "objects cannot be read");
    assert!(model.contains("event visit(page: text, referrer: text, duration_s: number)\n"));
    assert!(model.contains("  each unsubscribe within 30d -1 max 10\n"));
    assert!(report.contains("1 without a readable `at`"), "{report}");
    insta::assert_snapshot!("init_from_ndjson_model", model);
    insta::assert_snapshot!("init_from_ndjson_report", report);
    assert_examples_work(&model, &dir);

    // The record whose event has no readable time is the only one rejected.
    let o = leadscore(&[
        "score",
        dir.join("model.score").to_str().unwrap(),
        "tests/fixtures/init/leads.ndjson",
        "--as-of",
        "2026-11-21",
        "--format",
        "ndjson",
        "--on-error",
        "skip",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().count(), 3);
    assert!(stderr(&o).contains("events[1].at"), "{}", stderr(&o));
}

#[test]
fn init_from_writes_a_file_that_passes_the_ci_recipe() {
    let dir = scratch("init_from_file");
    let leads = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/init/leads.ndjson");
    let o = leadscore_in(
        &dir,
        &["init", "scoring.score", "--from", leads.to_str().unwrap()],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("wrote scoring.score"));
    for args in [
        &["fmt", "--check", "scoring.score"][..],
        &[
            "check",
            "--deny",
            "warnings",
            "--format",
            "github",
            "scoring.score",
        ],
        &["test", "scoring.score"],
    ] {
        let o = leadscore_in(&dir, args);
        assert_eq!(code(&o), 0, "{args:?}: {}{}", stdout(&o), stderr(&o));
    }
}

/// A named pipe given to `use` or `list ... from` is refused at once
/// (E018, at the path) rather than read, which would wait for a writer
/// for ever. The test fails, not hangs, if it ever waits again.
#[test]
fn a_pipe_named_in_use_or_list_does_not_hang_check() {
    let dir = scratch_dir("use-fifo");
    let pipe = dir.join("pipe.score");
    let _ = std::fs::remove_file(&pipe);
    let made = std::process::Command::new("mkfifo")
        .arg(&pipe)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    for (name, text) in [
        ("uses.score", "use \"pipe.score\"\nlead { title: text }\n"),
        (
            "lists.score",
            "lead { title: text }\nlist l from \"pipe.score\"\n",
        ),
    ] {
        std::fs::write(dir.join(name), text).expect("write");
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_leadscore"))
            .current_dir(&dir)
            .args(["--color", "never", "check", name])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("runs");
        let mut waited = 0;
        while child.try_wait().expect("wait").is_none() {
            if waited > 600 {
                let _ = child.kill();
                panic!("`check {name}` is still waiting on the pipe");
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
            waited += 1;
        }
        let o = child.wait_with_output().expect("output");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(
            err.contains("E018") && err.contains("not a regular file"),
            "{err}"
        );
        assert!(
            err.contains(&format!("{name}:")),
            "the error names its place: {err}"
        );
    }
}
