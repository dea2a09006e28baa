#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! The language server's speed as an editor feels it: `leadscore lsp` as a
//! process, the example model open, one keystroke at a time.
//!
//! - latency: a one-character edit, then the time until the diagnostics of
//!   that version arrive (the debounce included), over many keystrokes;
//! - memory: the server's resident set size (VmRSS) while 10,000 edits are
//!   made, each followed by a request that needs the fresh check.
//!
//! Run with `cargo bench --bench lsp`; it prints the figures.

#[path = "../tests/common/lsp.rs"]
mod lsp_client;

use std::time::{Duration, Instant};

use lsp_client::{model_dir, Client};
use serde_json::json;

const MODEL: &str = "b2b-saas.score";

/// The edit of keystroke `n`: a digit typed into (or out of) a rule's
/// points, so every version is a valid model with the same diagnostics.
fn keystroke(text: &str, n: u64) -> serde_json::Value {
    let (line, character) = lsp_client::position_of(text, "when newsletter +3", 17);
    if n.is_multiple_of(2) {
        json!({"range": {"start": {"line": line, "character": character}, "end": {"line": line, "character": character}}, "text": "1"})
    } else {
        json!({"range": {"start": {"line": line, "character": character}, "end": {"line": line, "character": character + 1}}, "text": ""})
    }
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn main() {
    let dir = model_dir("bench", true);
    let mut client = Client::start(&dir);
    let text = std::fs::read_to_string(dir.join(MODEL)).unwrap();
    let uri = client.open(MODEL, &text);
    client.diagnostics_for(MODEL);
    let pid = client.pid();

    // Latency: keystroke to published diagnostics.
    let mut version = 1u64;
    let mut latencies = Vec::new();
    for n in 0..400u64 {
        version += 1;
        let sent = Instant::now();
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [keystroke(&text, n)]}),
        );
        loop {
            let d = client.notification("textDocument/publishDiagnostics");
            if d["params"]["version"] == json!(version)
                && d["params"]["uri"] == json!(format!("file:///MODEL/{MODEL}"))
            {
                break;
            }
        }
        latencies.push(sent.elapsed());
    }
    latencies.sort();
    println!(
        "keystroke -> diagnostics ({} keystrokes, {MODEL}): median {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        latencies.len(),
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.9).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().unwrap().as_secs_f64() * 1e3,
    );

    // Memory over 10,000 edits, each checked (a hover needs the fresh model).
    let start = Instant::now();
    let (line, character) = lsp_client::position_of(&text, "when seniority in", 6);
    println!("RSS after open and 400 keystrokes: {} KiB", rss_kib(pid));
    for n in 0..10_000u64 {
        version += 1;
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [keystroke(&text, n)]}),
        );
        let hover = client.result("textDocument/hover", Client::at(&uri, line, character));
        assert!(hover.get("contents").is_some());
        if (n + 1).is_multiple_of(2_000) {
            println!("RSS after {:>6} edits: {} KiB", n + 1, rss_kib(pid));
        }
        // Drop the diagnostics notifications as they come.
        client.drain();
    }
    println!(
        "10,000 checked edits took {:.1} s",
        start.elapsed().as_secs_f64()
    );
    assert!(client.shutdown().success());
}
