//! `leadscore serve` as a process, spoken to over real HTTP: the scoring
//! API against the command line's own results, every kind of bad input,
//! reloading, the safety rules, and the workbench's save.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod serve_support;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use serve_support::{example_dir, model_dir, replace, Server};

const AS_OF: &str = "2026-11-20";

fn example_server(name: &str, args: &[&str]) -> (Server, std::path::PathBuf) {
    let dir = example_dir(name);
    let mut all = vec!["--as-of", AS_OF, "--sample"];
    let sample = dir.join("leads.ndjson");
    let sample = sample.to_str().unwrap().to_string();
    all.push(&sample);
    all.extend_from_slice(args);
    let server = Server::start(&dir.join("b2b-saas.score"), &all);
    (server, dir)
}

/// What `leadscore score --format ndjson` writes for the leads.
fn cli_scores(model: &Path, leads: &Path, explain: bool) -> Vec<Value> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_leadscore"));
    command
        .arg("score")
        .arg(model)
        .arg(leads)
        .args(["--as-of", AS_OF, "--format", "ndjson"]);
    if explain {
        command.arg("--explain");
    }
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn scores_as_the_command_line_does() {
    let (server, dir) = example_server("same", &[]);
    let leads = std::fs::read(dir.join("leads.ndjson")).unwrap();
    let expected = cli_scores(
        &dir.join("b2b-saas.score"),
        &dir.join("leads.ndjson"),
        false,
    );
    assert_eq!(expected.len(), 58);

    // Many records as NDJSON, in order.
    let answer = server.post("/v1/score", "application/x-ndjson", &leads);
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.header("content-type"), Some("application/x-ndjson"));
    let got: Vec<Value> = answer
        .text()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(got, expected);

    // One record as a JSON object, and the same as an array.
    let first = String::from_utf8(leads.clone())
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    let one = server.post("/v1/score", "application/json", first.as_bytes());
    assert_eq!(one.status, 200, "{}", one.text());
    assert_eq!(one.json(), expected[0]);
    let array = server.post(
        "/v1/score",
        "application/json",
        format!("[{first}]").as_bytes(),
    );
    assert_eq!(array.json(), json!([expected[0].clone()]));

    // `explain` adds the reasons, as `--explain` does.
    let explained = cli_scores(&dir.join("b2b-saas.score"), &dir.join("leads.ndjson"), true);
    let answer = server.post(
        "/v1/score?explain=true",
        "application/json",
        first.as_bytes(),
    );
    assert_eq!(answer.json(), explained[0]);

    // Every answer carries the model's hash, which `/v1/model` gives.
    let model = server.get("/v1/model").json();
    assert_eq!(one.header("leadscore-model-hash"), model["hash"].as_str());
    assert_eq!(model["hash"].as_str().unwrap().len(), 64);
    assert_eq!(model["groups"][0], "fit");
    assert!(model["thresholds"]
        .as_array()
        .unwrap()
        .contains(&json!("mql")));
    assert_eq!(model["rejected"], Value::Null);
    assert_eq!(server.get("/healthz").status, 200);
}

#[test]
fn as_of_moves_the_scores() {
    let (server, dir) = example_server("asof", &[]);
    let first = std::fs::read_to_string(dir.join("leads.ndjson")).unwrap();
    let first = first.lines().next().unwrap().as_bytes().to_vec();
    let now = server.post("/v1/score", "application/json", &first).json();
    let later = server
        .post("/v1/score?as_of=2027-06-01", "application/json", &first)
        .json();
    assert_ne!(
        now["score"], later["score"],
        "decay lowers a lead half a year on"
    );
    // An offset's `+` sent unencoded arrives as a space, and still reads.
    let spaced = server
        .post(
            "/v1/score?as_of=2026-11-20T00:00:00%2B00:00",
            "application/json",
            &first,
        )
        .json();
    let plus_as_space = server
        .post(
            "/v1/score?as_of=2026-11-20T00:00:00+00:00",
            "application/json",
            &first,
        )
        .json();
    assert_eq!(spaced, now);
    assert_eq!(plus_as_space, now);
}

#[test]
fn bad_records_are_worded_as_the_command_line_words_them() {
    let (server, dir) = example_server("badrecord", &[]);
    let good = std::fs::read_to_string(dir.join("leads.ndjson")).unwrap();
    let mut lines: Vec<&str> = good.lines().take(4).collect();
    let bad = r#"{"id": "X-1", "Number of Employees": "lots"}"#;
    lines.insert(2, bad);
    let body = lines.join("\n");
    let answer = server.post("/v1/score", "application/x-ndjson", body.as_bytes());
    assert_eq!(answer.status, 422);
    let json = answer.json();
    assert_eq!(json["code"], "bad_record");
    assert_eq!(json["line"], 3);

    // The command line's message for the same file, but for its name.
    let file = dir.join("bad.ndjson");
    std::fs::write(&file, &body).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_leadscore"))
        .args([
            "score",
            dir.join("b2b-saas.score").to_str().unwrap(),
            file.to_str().unwrap(),
        ])
        .args(["--as-of", AS_OF])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let cli_line = stderr
        .lines()
        .find(|l| l.contains("lots"))
        .unwrap_or_else(|| panic!("the CLI names the bad value: {stderr}"));
    let message = json["message"].as_str().unwrap();
    let after = |s: &str| s[s.find(":3: ").unwrap() + 4..].to_string();
    assert!(message.starts_with("request:3: "), "{message}");
    assert_eq!(after(message), after(cli_line));

    // One record.
    let one = server.post("/v1/score", "application/json", bad.as_bytes());
    assert_eq!(one.status, 422);
    assert_eq!(one.code(), "bad_record");
}

#[test]
fn bad_requests_are_json_errors_and_the_server_goes_on() {
    let (mut server, _dir) = example_server("bad", &["--max-body", "100000", "--max-lines", "50"]);
    let cases: Vec<(&str, serde_serve::Request, u16, &str)> = vec![
        (
            "malformed JSON",
            req("POST", "/v1/score", "application/json", b"{\"id\": 1,"),
            400,
            "bad_json",
        ),
        (
            "not an object",
            req("POST", "/v1/score", "application/json", b"42"),
            400,
            "bad_json",
        ),
        (
            "invalid UTF-8",
            req(
                "POST",
                "/v1/score",
                "application/json",
                b"{\"id\": \"\xff\xfe\"}",
            ),
            400,
            "bad_json",
        ),
        (
            "wrong content type",
            req("POST", "/v1/score", "text/csv", b"id\n1\n"),
            415,
            "unsupported_media_type",
        ),
        (
            "no content type",
            req("POST", "/v1/score", "", b"{}"),
            415,
            "unsupported_media_type",
        ),
        (
            "bad as_of",
            req(
                "POST",
                "/v1/score?as_of=soon",
                "application/json",
                b"{\"id\":1}",
            ),
            400,
            "bad_param",
        ),
        (
            "bad explain",
            req(
                "POST",
                "/v1/score?explain=maybe",
                "application/json",
                b"{\"id\":1}",
            ),
            400,
            "bad_param",
        ),
        (
            "unknown path",
            req("GET", "/v2/score", "", b""),
            404,
            "not_found",
        ),
        (
            "wrong method",
            req("GET", "/v1/score", "", b""),
            405,
            "method_not_allowed",
        ),
    ];
    for (what, (method, path, content_type, body), status, code) in cases {
        let headers: Vec<(&str, &str)> = if content_type.is_empty() {
            vec![]
        } else {
            vec![("Content-Type", content_type)]
        };
        let answer = server.send(method, path, &headers, body);
        assert_eq!(answer.status, status, "{what}: {}", answer.text());
        assert_eq!(answer.code(), code, "{what}");
    }

    // Deep JSON: refused, without a crash.
    let deep = format!(
        "{{\"id\": 1, \"x\": {}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let answer = server.post("/v1/score", "application/json", deep.as_bytes());
    assert_eq!(answer.status, 413, "over the body limit first");
    let deep = format!(
        "{{\"id\": 1, \"x\": {}{}}}",
        "[".repeat(5_000),
        "]".repeat(5_000)
    );
    let answer = server.post("/v1/score", "application/json", deep.as_bytes());
    assert_eq!(answer.status, 400, "{}", answer.text());
    assert_eq!(answer.code(), "bad_json");
    let answer = server.post("/v1/score", "application/x-ndjson", deep.as_bytes());
    assert_eq!(answer.status, 422);

    // Too large: by its Content-Length, and streamed without one.
    let huge = vec![b' '; 200_000];
    let answer = server.post("/v1/score", "application/json", &huge);
    assert_eq!((answer.status, answer.code().as_str()), (413, "too_large"));
    let mut chunked = format!(
        "POST /v1/score HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        server.host()
    )
    .into_bytes();
    for _ in 0..30 {
        let piece = "{\"id\": 1}\n".repeat(400);
        chunked.extend_from_slice(format!("{:x}\r\n{piece}\r\n", piece.len()).as_bytes());
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let answer = server.raw(&chunked);
    assert_eq!(answer.status, 413, "{}", answer.text());
    // Too many lines.
    let lines = "{\"id\": 1}\n".repeat(51);
    let answer = server.post("/v1/score", "application/x-ndjson", lines.as_bytes());
    assert_eq!((answer.status, answer.code().as_str()), (413, "too_large"));

    assert!(server.running());
    assert_eq!(server.get("/healthz").status, 200);
}

/// A request of the table above: method, path, content type, body.
mod serde_serve {
    pub type Request = (&'static str, &'static str, &'static str, &'static [u8]);
}

fn req(
    method: &'static str,
    path: &'static str,
    content_type: &'static str,
    body: &'static [u8],
) -> serde_serve::Request {
    (method, path, content_type, body)
}

#[test]
fn slow_clients_hold_only_their_own_connection() {
    let (server, _dir) = example_server("slow", &[]);
    // One client sends half its headers, another half its body, and stop.
    let mut headers_only = server.connect();
    headers_only
        .write_all(format!("POST /v1/score HTTP/1.1\r\nHost: {}\r\n", server.host()).as_bytes())
        .unwrap();
    let mut half_body = server.connect();
    half_body
        .write_all(
            format!(
                "POST /v1/score HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-ndjson\r\nContent-Length: 1000\r\n\r\n{{\"id\": 1}}\n",
                server.host()
            )
            .as_bytes(),
        )
        .unwrap();
    // Meanwhile everyone else is answered at once.
    let started = Instant::now();
    for _ in 0..20 {
        assert_eq!(server.get("/healthz").status, 200);
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    // The stalled body is cut off with a 408 once it pauses too long.
    let answer = serve_support::read_response(&mut half_body);
    assert_eq!((answer.status, answer.code().as_str()), (408, "timeout"));
}

const SMALL: &str = "lead { title: text }\nwhen title = VP +10\n";
const SMALL_20: &str = "lead { title: text }\nwhen title = VP +20\n";
const BROKEN: &str = "lead { title: text }\nwhen titel = VP +10\n";

#[test]
fn reload_on_change_and_keep_serving_through_errors() {
    let dir = model_dir("reload", SMALL);
    let model = dir.join("model.score");
    let server = Server::start(&model, &[]);
    let vp = br#"{"id": "a", "title": "VP"}"#;
    let first = server.get("/v1/model").json();
    assert_eq!(
        server.post("/v1/score", "application/json", vp).json()["score"],
        10
    );

    replace(&model, SMALL_20);
    let second = server.wait_for_model(|m| m["hash"] != first["hash"]);
    assert_eq!(
        server.post("/v1/score", "application/json", vp).json()["score"],
        20
    );

    // Edited into errors: the previous model goes on serving, and the
    // diagnostics are reported.
    replace(&model, BROKEN);
    let rejected = server.wait_for_model(|m| !m["rejected"].is_null());
    assert_eq!(rejected["hash"], second["hash"]);
    assert_eq!(rejected["rejected"]["diagnostics"][0]["code"], "E006");
    let answer = server.post("/v1/score", "application/json", vp);
    assert_eq!(answer.json()["score"], 20);
    assert_eq!(
        answer.header("leadscore-model-hash"),
        second["hash"].as_str()
    );
    assert!(server.logged().contains("E006"), "{}", server.logged());

    // Fixed: served again, and the report cleared.
    replace(&model, SMALL);
    let third = server.wait_for_model(|m| m["rejected"].is_null());
    assert_eq!(third["hash"], first["hash"]);
}

#[test]
fn reloads_during_load_never_mix_two_models() {
    let reloads: usize = std::env::var("LEADSCORE_RELOADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let dir = model_dir("mix", SMALL);
    let model = dir.join("model.score");
    let server = Server::start(&model, &[]);
    let addr = server.addr;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let client = serve_support::Client { addr };
                let mut seen: BTreeMap<String, (Value, usize)> = BTreeMap::new();
                let mut failed = 0usize;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    // Two leads in one request: both are scored by one model.
                    let body = "{\"id\": 1, \"title\": \"VP\"}\n{\"id\": 2, \"title\": \"VP\"}\n";
                    let answer = client.post("/v1/score", "application/x-ndjson", body.as_bytes());
                    if answer.status != 200 {
                        failed += 1;
                        continue;
                    }
                    let scores: Vec<Value> = answer
                        .text()
                        .lines()
                        .map(|l| serde_json::from_str::<Value>(l).unwrap()["score"].clone())
                        .collect();
                    assert_eq!(scores[0], scores[1], "one request, one model");
                    let hash = answer.header("leadscore-model-hash").unwrap().to_string();
                    let entry = seen.entry(hash).or_insert((scores[0].clone(), 0));
                    assert_eq!(entry.0, scores[0], "a hash always scores the same");
                    entry.1 += 1;
                }
                (seen, failed)
            })
        })
        .collect();
    for i in 0..reloads {
        replace(&model, if i % 2 == 0 { SMALL_20 } else { SMALL });
        let want = if i % 2 == 0 { 20 } else { 10 };
        let deadline = Instant::now() + Duration::from_secs(10);
        while server
            .post("/v1/score", "application/json", br#"{"id":0,"title":"VP"}"#)
            .json()["score"]
            != want
        {
            assert!(Instant::now() < deadline, "reload {i} not seen");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut all: BTreeMap<String, (Value, usize)> = BTreeMap::new();
    let mut failed = 0;
    for client in clients {
        let (seen, f) = client.join().unwrap();
        failed += f;
        for (hash, (score, n)) in seen {
            let entry = all.entry(hash).or_insert((score.clone(), 0));
            assert_eq!(entry.0, score, "two clients saw one hash score differently");
            entry.1 += n;
        }
    }
    let answered: usize = all.values().map(|(_, n)| n).sum();
    eprintln!(
        "{reloads} reloads: {answered} requests of two leads answered, {failed} failed, {} model hashes seen",
        all.len()
    );
    assert_eq!(failed, 0, "no request failed during {reloads} reloads");
    assert_eq!(
        all.len(),
        2,
        "the two versions, and nothing between: {all:?}"
    );
    let reloaded = server.logged().matches("reloaded the model").count();
    assert!(
        reloaded >= reloads,
        "{reloaded} reloads logged for {reloads} edits"
    );
}

#[test]
fn off_loopback_needs_a_token() {
    let dir = model_dir("token-required", SMALL);
    let out = Command::new(env!("CARGO_BIN_EXE_leadscore"))
        .args([
            "serve",
            dir.join("model.score").to_str().unwrap(),
            "--listen",
            "0.0.0.0:0",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--token"));
}

#[test]
fn the_token_the_host_and_the_origin_are_checked() {
    let dir = model_dir("guard", SMALL);
    let server = Server::start(&dir.join("model.score"), &["--token", "s3cret"]);
    let vp = br#"{"id": "a", "title": "VP"}"#;
    let json = ("Content-Type", "application/json");
    assert_eq!(server.get("/healthz").status, 200, "health needs no token");
    let answer = server.send("POST", "/v1/score", &[json], vp);
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (401, "unauthorized")
    );
    let answer = server.send(
        "POST",
        "/v1/score",
        &[json, ("Authorization", "Bearer wrong")],
        vp,
    );
    assert_eq!(answer.status, 401);
    let answer = server.send(
        "POST",
        "/v1/score",
        &[json, ("Authorization", "Bearer s3cret")],
        vp,
    );
    assert_eq!(answer.status, 200);
    // The workbench's sign-in sets a cookie that then works as the token.
    let signed = server.post_json("/v1/session", &json!({ "token": "s3cret" }));
    assert_eq!(signed.status, 200);
    let cookie = signed
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert!(signed.header("set-cookie").unwrap().contains("HttpOnly"));
    let answer = server.send("GET", "/v1/model", &[("Cookie", &cookie)], b"");
    assert_eq!(answer.status, 200);
    let page = server.get("/");
    assert_eq!(page.status, 401);
    assert!(page.text().contains("token"), "the page asks for the token");

    // A foreign Host (DNS rebinding) and a foreign Origin are refused.
    let bearer = ("Authorization", "Bearer s3cret");
    let answer = server.send(
        "GET",
        "/v1/model",
        &[bearer, ("Host", "evil.example:80")],
        b"",
    );
    assert_eq!((answer.status, answer.code().as_str()), (403, "forbidden"));
    let answer = server.send("GET", "/v1/model", &[bearer, ("Host", "localhost")], b"");
    assert_eq!(answer.status, 200);
    let answer = server.send(
        "POST",
        "/v1/score",
        &[json, bearer, ("Origin", "http://evil.example")],
        vp,
    );
    assert_eq!(answer.status, 403);
    // No CORS unless asked for.
    assert!(answer.header("access-control-allow-origin").is_none());
}

#[test]
fn cors_only_for_the_origins_given() {
    let dir = model_dir("cors", SMALL);
    let server = Server::start(
        &dir.join("model.score"),
        &["--cors", "https://crm.example.com"],
    );
    let vp = br#"{"id": "a", "title": "VP"}"#;
    let json = ("Content-Type", "application/json");
    let answer = server.send(
        "POST",
        "/v1/score",
        &[json, ("Origin", "https://crm.example.com")],
        vp,
    );
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.header("access-control-allow-origin"),
        Some("https://crm.example.com")
    );
    let answer = server.send(
        "POST",
        "/v1/score",
        &[json, ("Origin", "https://other.example.com")],
        vp,
    );
    assert_eq!(answer.status, 403);
    assert!(answer.header("access-control-allow-origin").is_none());
}

#[test]
fn the_workbench_checks_scores_tests_and_diffs_a_draft() {
    let (server, dir) = example_server("workbench", &[]);
    let source = server.get("/v1/workbench/source").json();
    let text = source["text"].as_str().unwrap().to_string();
    assert_eq!(
        text,
        std::fs::read_to_string(dir.join("b2b-saas.score")).unwrap()
    );
    assert_eq!(source["hash"], server.get("/v1/model").json()["hash"]);

    let broken = text.replacen("lead_source starts with", "lead_sorce starts with", 1);
    let check = server
        .post_json("/v1/workbench/check", &json!({ "text": broken }))
        .json();
    assert_eq!(check["errors"], 1);
    let d = &check["diagnostics"][0];
    assert_eq!(d["code"], "E006");
    let from = d["from"].as_u64().unwrap() as usize;
    // In UTF-16 code units, as the browser's editor counts.
    let units: Vec<u16> = broken.encode_utf16().collect();
    let marked = String::from_utf16(&units[from..from + "lead_sorce".len()]).unwrap();
    assert_eq!(marked, "lead_sorce", "the span is in the draft");
    let scored = server.post_json("/v1/workbench/score", &json!({ "text": broken }));
    assert_eq!((scored.status, scored.code().as_str()), (422, "E006"));

    // A clean draft: scored on the sample, as the saved model would be but for the change.
    let raised = text.replace(
        "disqualify \"competitor\"",
        "disqualify \"competitor\"\nwhen country = US +40 \"US bonus\"",
    );
    let scored = server
        .post_json("/v1/workbench/score", &json!({ "text": raised }))
        .json();
    assert_eq!(scored["rows"].as_array().unwrap().len(), 58);
    let row = &scored["rows"][0];
    assert!(row["explanation"].as_str().unwrap().contains("US bonus"));
    let diff = server
        .post_json("/v1/workbench/diff", &json!({ "text": raised }))
        .json();
    let report = &diff["report"];
    assert_eq!(report["leads"], 58);
    assert_eq!(report["rules"]["added"].as_array().unwrap().len(), 1);
    let mql = report["thresholds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "mql")
        .unwrap();
    assert!(mql["entered"].as_u64().unwrap() > 0, "{mql}");
    let entering: Vec<&Value> = report["moved"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| {
            m["outputs"]
                .as_array()
                .unwrap()
                .iter()
                .any(|o| o["name"] == "mql" && o["to"] == true)
        })
        .collect();
    assert_eq!(
        entering.len() as u64,
        mql["entered"].as_u64().unwrap(),
        "every lead that enters is listed"
    );

    let tests = server
        .post_json("/v1/workbench/test", &json!({ "text": text }))
        .json();
    assert_eq!(tests["failed"], 0);
    assert!(tests["passed"].as_u64().unwrap() > 0);
    let failing = text.replace("expect route = sales", "expect route = nurture");
    if failing != text {
        let tests = server
            .post_json("/v1/workbench/test", &json!({ "text": failing }))
            .json();
        assert!(tests["failed"].as_u64().unwrap() > 0, "{tests}");
    }
}

#[test]
fn save_writes_only_the_model_atomically_and_only_when_clean() {
    let (server, dir) = example_server("save", &[]);
    let model = dir.join("b2b-saas.score");
    let listing = || {
        let mut names: Vec<String> = walk(&dir);
        names.sort();
        names
    };
    let before = listing();
    let source = server.get("/v1/workbench/source").json();
    let text = source["text"].as_str().unwrap();
    let hash = source["hash"].as_str().unwrap();

    let broken = text.replacen("lead_source starts with", "lead_sorce starts with", 1);
    let answer = server.post_json(
        "/v1/workbench/save",
        &json!({ "text": broken, "hash": hash }),
    );
    assert_eq!((answer.status, answer.code().as_str()), (422, "E006"));
    let stale = server.post_json(
        "/v1/workbench/save",
        &json!({ "text": text, "hash": "0".repeat(64) }),
    );
    assert_eq!((stale.status, stale.code().as_str()), (409, "conflict"));
    assert_eq!(
        std::fs::read_to_string(&model).unwrap(),
        text,
        "nothing written"
    );

    let edited = text.replace(
        "+5 \"partner or customer referral\"",
        "+7 \"partner or customer referral\"",
    );
    assert_ne!(edited, text);
    let saved = server.post_json(
        "/v1/workbench/save",
        &json!({ "text": edited, "hash": hash }),
    );
    assert_eq!(saved.status, 200, "{}", saved.text());
    assert_eq!(std::fs::read_to_string(&model).unwrap(), edited);
    assert_eq!(
        listing(),
        before,
        "no other file was written or left behind"
    );
    let new_hash = saved.json()["hash"].clone();
    assert_eq!(
        server.get("/v1/model").json()["hash"],
        new_hash,
        "the saved model serves at once"
    );
    // The same draft again is now stale.
    let again = server.post_json(
        "/v1/workbench/save",
        &json!({ "text": edited, "hash": hash }),
    );
    assert_eq!(again.status, 409);
}

#[test]
fn read_only_turns_saving_off() {
    let (server, _dir) = example_server("readonly", &["--read-only"]);
    let source = server.get("/v1/workbench/source").json();
    assert_eq!(source["read_only"], true);
    let answer = server.post_json(
        "/v1/workbench/save",
        &json!({ "text": source["text"], "hash": source["hash"] }),
    );
    assert_eq!((answer.status, answer.code().as_str()), (403, "forbidden"));
}

fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path.display().to_string());
        }
    }
    out
}
