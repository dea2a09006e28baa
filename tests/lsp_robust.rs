#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! The language server under conditions an editor creates: positions
//! after non-ASCII text (counted in UTF-16, or UTF-8 when the client
//! prefers it), CRLF files, malformed messages, unknown methods, requests
//! for documents that are not open, bursts of edits, and `use` paths that
//! leave the model's directory. `leadscore lsp` runs as a process and the
//! test speaks JSON-RPC to it.

mod common;

use common::lsp::{frame, model_dir, position_of, Client};
use serde_json::{json, Value};

const WIDE: &str = "lead { title: text }\n# Geschäftsführer 😀\nlet boss = title = \"Geschäftsführer 😀\" or title = CEO\nwhen boss +10\n";

#[test]
fn positions_count_utf16_units_after_non_ascii_text() {
    let dir = model_dir("utf16", false);
    let mut client = Client::start(&dir);
    let uri = client.open("m.score", WIDE);
    let _ = client.diagnostics_for("m.score");
    // `title` after `"Geschäftsführer 😀" or `: the emoji is two UTF-16 units.
    let (line, character) = position_of(WIDE, "title = CEO", 2);
    let hover = client.result("textDocument/hover", Client::at(&uri, line, character));
    let mut params = Client::at(&uri, line, character);
    params["context"] = json!({"includeDeclaration": true});
    let references = client.result("textDocument/references", params);
    insta::assert_json_snapshot!(json!({"hover_range": hover["range"], "references": references}));
    assert!(client.shutdown().success());
}

#[test]
fn positions_count_bytes_when_the_client_asks_for_utf8() {
    let dir = model_dir("utf8", false);
    let mut client = Client::start_with(&dir, json!(["utf-8"]));
    let uri = client.open("m.score", WIDE);
    let _ = client.diagnostics_for("m.score");
    let at = WIDE.find("title = CEO").unwrap();
    let line_start = WIDE[..at].rfind('\n').unwrap() + 1;
    let character = (at - line_start + 2) as u32;
    let hover = client.result("textDocument/hover", Client::at(&uri, 2, character));
    assert_eq!(hover["range"]["start"]["character"], json!(at - line_start));
    assert!(hover["contents"]["value"]
        .as_str()
        .unwrap()
        .contains("**field** `title`"));
    assert!(client.shutdown().success());
}

#[test]
fn crlf_files_have_the_same_lines_and_edits_keep_crlf() {
    let dir = model_dir("crlf", false);
    let mut client = Client::start(&dir);
    let text = WIDE
        .replace('\n', "\r\n")
        .replace("when boss +10", "when bos +10");
    let uri = client.open("m.score", &text);
    let diagnostics = client.diagnostics_for("m.score");
    // An incremental edit in the middle of a CRLF line fixes the name.
    let (line, character) = position_of(&text, "bos +10", 3);
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": uri, "version": 2},
            "contentChanges": [{
                "range": {"start": {"line": line, "character": character}, "end": {"line": line, "character": character}},
                "text": "s",
            }],
        }),
    );
    let after = client.diagnostics_for("m.score");
    insta::assert_json_snapshot!(json!({"before": diagnostics, "after_edit": after}));
    assert!(client.shutdown().success());
}

#[test]
fn bad_messages_get_errors_and_the_server_keeps_running() {
    let dir = model_dir("robust", false);
    let mut client = Client::start(&dir);
    let mut answers = serde_json::Map::new();

    client.send_raw(&frame("{this is not json"));
    answers.insert("malformed".into(), client.response(&Value::Null));

    client.send_raw(&frame(r#"{"jsonrpc":"2.0","id":"x","method":42}"#));
    answers.insert("not_json_rpc".into(), client.response(&json!("x")));

    answers.insert(
        "unknown_method".into(),
        client.request("leadscore/teleport", json!({})),
    );

    let closed = Client::at("file:///nowhere/closed.score", 0, 0);
    answers.insert(
        "closed_document".into(),
        client.request("textDocument/hover", closed),
    );

    answers.insert(
        "bad_params".into(),
        client.request("textDocument/hover", json!({"textDocument": 7})),
    );

    // A document opened, closed, then asked about.
    let uri = client.open("m.score", "lead { title: text }\n");
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    );
    answers.insert(
        "after_close".into(),
        client.request("textDocument/hover", Client::at(&uri, 0, 8)),
    );

    // A model that reads nothing sensible crashes nothing either.
    let nonsense = "\u{0}\u{FEFF}lead { ( ( ( [ \" when 😀 +";
    let uri = client.open("n.score", nonsense);
    let diagnostics = client.diagnostics_for("n.score");
    assert!(!diagnostics.as_array().unwrap().is_empty());
    for method in [
        "textDocument/hover",
        "textDocument/completion",
        "textDocument/definition",
    ] {
        let answer = client.request(method, Client::at(&uri, 0, 12));
        assert!(answer.get("result").is_some(), "{method}: {answer}");
    }
    let answer = client.request(
        "textDocument/semanticTokens/full",
        json!({"textDocument": {"uri": uri}}),
    );
    assert!(answer.get("result").is_some(), "{answer}");

    let mut answers = Value::Object(answers);
    // serde's wording of a parse error names a column; keep the shape.
    for key in ["malformed", "not_json_rpc", "bad_params"] {
        let message = answers[key]["error"]["message"]
            .as_str()
            .unwrap_or("")
            .to_string();
        answers[key]["error"]["message"] = json!(message.split(':').next().unwrap_or(""));
    }
    insta::assert_json_snapshot!(answers);
    assert!(client.running());
    assert!(client.shutdown().success());
}

#[test]
fn a_burst_of_edits_is_checked_once_at_its_end() {
    let dir = model_dir("burst", false);
    let mut client = Client::start(&dir);
    let uri = client.open("m.score", "lead { title: text }\nwhen title = VP +5\n");
    assert_eq!(client.diagnostics_for("m.score"), json!([]));
    // 200 edits in one write: every one but the last leaves an error.
    let mut burst = Vec::new();
    for version in 2..=201 {
        let text = if version == 201 {
            "lead { title: text }\nwhen title = VP +10\n".to_string()
        } else {
            format!("lead {{ title: text }}\nwhen titl{version} = VP +10\n")
        };
        let body = json!({
            "jsonrpc": "2.0",
            "method": "textDocument/didChange",
            "params": {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]},
        });
        burst.extend(frame(&body.to_string()));
    }
    client.send_raw(&burst);
    // Published diagnostics, up to the clean end: fewer than the edits.
    let mut published = 0;
    loop {
        let n = client.notification("textDocument/publishDiagnostics");
        published += 1;
        if n["params"]["version"] == json!(201) {
            assert_eq!(n["params"]["diagnostics"], json!([]));
            break;
        }
    }
    assert!(published < 200, "{published} checks for 200 edits");
    assert!(client.shutdown().success());
}

#[test]
fn use_cannot_leave_the_models_directory() {
    let outer = model_dir("confined", false);
    std::fs::write(outer.join("secret.score"), "event leaked(x: text)\n").unwrap();
    let dir = outer.join("model");
    std::fs::create_dir_all(&dir).unwrap();
    let mut client = Client::start(&dir);
    let text =
        "use \"../secret.score\"\nuse \"/etc/passwd\"\nlead { title: text }\nwhen leaked +5\n";
    let uri = client.open("m.score", text);
    let diagnostics = client.diagnostics_for("m.score");
    let codes: Vec<&str> = diagnostics
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    insta::assert_json_snapshot!(json!({"codes": codes, "first": diagnostics[0]["message"]}));
    // Nothing of the outside file is known: no definition for its event.
    let (line, character) = position_of(text, "leaked +5", 1);
    let definition = client.result("textDocument/definition", Client::at(&uri, line, character));
    assert_eq!(definition, Value::Null);
    assert!(client.shutdown().success());
}

#[test]
fn exit_without_shutdown_is_a_failure_status() {
    let dir = model_dir("exit", false);
    let mut client = Client::start(&dir);
    client.notify("exit", Value::Null);
    let mut waited = 0;
    while client.running() && waited < 600 {
        std::thread::sleep(std::time::Duration::from_millis(50));
        waited += 1;
    }
    assert!(!client.running());
}
