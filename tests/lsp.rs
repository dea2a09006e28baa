#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! The language server as an editor meets it: `leadscore lsp` started as
//! a process, JSON-RPC over its standard input and output, one test per
//! capability of the contract's §16, answers locked as snapshots. The
//! model is a copy of `examples/` (a root file that `use`s another).

mod common;

use common::lsp::{model_dir, position_of, Client};
use serde_json::{json, Value};

const MODEL: &str = "b2b-saas.score";

/// A server with the example model open, after its first diagnostics.
fn example() -> (Client, String, String) {
    let dir = model_dir("example", true);
    let mut client = Client::start(&dir);
    let text = std::fs::read_to_string(dir.join(MODEL)).unwrap();
    let uri = client.open(MODEL, &text);
    let diagnostics = client.diagnostics_for(MODEL);
    assert_eq!(diagnostics, json!([]), "the example is clean");
    (client, uri, text)
}

fn at(uri: &str, text: &str, needle: &str, extra: usize) -> Value {
    let (line, character) = position_of(text, needle, extra);
    Client::at(uri, line, character)
}

#[test]
fn initialize_announces_every_capability() {
    let dir = model_dir("init", false);
    let client = Client::start(&dir);
    insta::assert_json_snapshot!(client.initialized.clone());
    let utf8 = Client::start_with(&dir, json!(["utf-32", "utf-8", "utf-16"]));
    assert_eq!(
        utf8.initialized["capabilities"]["positionEncoding"],
        "utf-8"
    );
    assert!(client.shutdown().success());
    assert!(utf8.shutdown().success());
}

#[test]
fn diagnostics_carry_codes_and_follow_used_files() {
    let (mut client, uri, text) = example();
    // A misspelt field: an error with its code and help.
    let broken = text.replace("when seniority = Manager +5", "when senority = Manager +5");
    client.change(&uri, 2, &broken);
    let diagnostics = client.diagnostics_for(MODEL);
    insta::assert_json_snapshot!("diagnostics_misspelt_field", diagnostics);
    client.change(&uri, 3, &text);
    assert_eq!(client.diagnostics_for(MODEL), json!([]));

    // The used file, opened and edited: the model that uses it is checked
    // again, and the used file gets the diagnostics of that model.
    let events_text = std::fs::read_to_string(client.dir.join("common/events.score")).unwrap();
    let events = client.open("common/events.score", &events_text);
    assert_eq!(client.diagnostics_for(MODEL), json!([]));
    let without_webinar = events_text.replace("event webinar(name: text)", "");
    client.change(&events, 2, &without_webinar);
    let model_diagnostics = client.diagnostics_for(MODEL);
    insta::assert_json_snapshot!("diagnostics_after_used_file_changed", model_diagnostics);
    client.change(&events, 3, &events_text);
    assert_eq!(client.diagnostics_for(MODEL), json!([]));
    assert!(client.shutdown().success());
}

#[test]
fn hover_tells_what_a_name_is() {
    let (mut client, uri, text) = example();
    let mut answers = serde_json::Map::new();
    for (what, needle, extra) in [
        ("field", "when seniority in [VP, CXO]", 6),
        ("list", "country in target_countries", 12),
        ("let", "when enterprise +15", 6),
        ("event_in_used_file", "when demo_request", 6),
        ("property_in_where", "downloads(where asset", 17),
        ("group", "fit >= 30", 0),
        ("rule", "when newsletter +3", 17),
    ] {
        let answer = client.result("textDocument/hover", at(&uri, &text, needle, extra));
        answers.insert(what.to_string(), answer);
    }
    insta::assert_json_snapshot!(Value::Object(answers));
    assert!(client.shutdown().success());
}

#[test]
fn definition_goes_across_files() {
    let (mut client, uri, text) = example();
    let event = client.result(
        "textDocument/definition",
        at(&uri, &text, "each email_open within", 6),
    );
    let let_name = client.result(
        "textDocument/definition",
        at(&uri, &text, "when academic -25", 6),
    );
    let used = client.result(
        "textDocument/definition",
        at(&uri, &text, "use \"common/events.score\"", 8),
    );
    insta::assert_json_snapshot!(json!({"event": event, "let": let_name, "use": used}));
    assert!(client.shutdown().success());
}

#[test]
fn references_are_found_across_files() {
    let (mut client, uri, text) = example();
    let events_text = std::fs::read_to_string(client.dir.join("common/events.score")).unwrap();
    let events = client.open("common/events.score", &events_text);
    let mut params = at(&events, &events_text, "event trial_signup", 6);
    params["context"] = json!({"includeDeclaration": true});
    let from_used_file = client.result("textDocument/references", params);
    let mut params = at(&uri, &text, "when enterprise +15", 6);
    params["context"] = json!({"includeDeclaration": false});
    let without_declaration = client.result("textDocument/references", params);
    insta::assert_json_snapshot!(json!({
        "trial_signup": from_used_file,
        "enterprise_without_declaration": without_declaration,
    }));
    assert!(client.shutdown().success());
}

#[test]
fn rename_edits_every_file_and_refuses_what_would_break() {
    let (mut client, uri, text) = example();
    let rename = |client: &mut Client, needle: &str, extra: usize, new: &str| {
        let mut params = at(&uri, &text, needle, extra);
        params["newName"] = json!(new);
        client.request("textDocument/rename", params)
    };
    let mut answers = serde_json::Map::new();
    for (what, needle, extra, new) in [
        ("field_gets_as", "  seniority: one of", 2, "level"),
        ("let", "let mid_market", 4, "midsize"),
        ("keyword", "let mid_market", 4, "within"),
        ("clash", "let mid_market", 4, "enterprise"),
        ("bare_word", "let mid_market", 4, "pricing"),
        ("not_a_name", "let mid_market", 4, "mid market"),
        ("event", "when demo_request", 6, "demo"),
    ] {
        answers.insert(what.into(), rename(&mut client, needle, extra, new));
    }
    let prepare = client.request(
        "textDocument/prepareRename",
        at(&uri, &text, "let mid_market", 4),
    );
    answers.insert("prepare".into(), prepare);
    let mut sorted = Value::Object(answers);
    sort_edits(&mut sorted);
    insta::assert_json_snapshot!(sorted);
    assert!(client.shutdown().success());
}

/// Orders the edits of workspace edits, whose order the protocol leaves free.
fn sort_edits(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if key == "changes" {
                    if let Value::Object(files) = v {
                        for edits in files.values_mut() {
                            if let Value::Array(list) = edits {
                                list.sort_by_key(|e| e.to_string());
                            }
                        }
                    }
                }
                sort_edits(v);
            }
        }
        Value::Array(list) => list.iter_mut().for_each(sort_edits),
        _ => {}
    }
}

fn labels(completion: &Value) -> Vec<String> {
    completion
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn completion_knows_the_context() {
    let (mut client, uri, text) = example();
    let typed = text.replace(
        "when seniority = Manager +5",
        "when seniority = Manager +5\n  when seniority in [VP, \n  when visits(\n  when downloads(where \n  when ",
    ) + "\nscore recycled since ";
    client.change(&uri, 2, &typed);
    let complete = |client: &mut Client, needle: &str| {
        let (line, character) = position_of(&typed, needle, needle.len());
        client.result("textDocument/completion", Client::at(&uri, line, character))
    };
    let enum_values = complete(&mut client, "when seniority in [VP, ");
    let keys = complete(&mut client, "when visits(\n");
    let props = complete(&mut client, "when downloads(where ");
    let anywhere = complete(&mut client, "  when \n");
    let since = complete(&mut client, "score recycled since ");
    assert_eq!(labels(&since), ["signed_up", "competitor_renewal"]);
    let all = labels(&anywhere);
    for expected in [
        "seniority",
        "visits",
        "enterprise",
        "engagement",
        "within",
        "competitors",
    ] {
        assert!(all.contains(&expected.to_string()), "{expected} in {all:?}");
    }
    insta::assert_json_snapshot!(json!({
        "after_seniority_in": labels(&enum_values),
        "after_visits": labels(&keys),
        "after_where": labels(&props),
    }));
    assert!(client.shutdown().success());
}

/// An outline as indented lines: kind, name, detail and line of each symbol.
fn outline_text(symbols: &Value, depth: usize, out: &mut String) {
    for s in symbols.as_array().unwrap() {
        out.push_str(&format!(
            "{}{} {} ({}) line {}\n",
            "  ".repeat(depth),
            s["kind"],
            s["name"].as_str().unwrap(),
            s["detail"].as_str().unwrap_or(""),
            s["selectionRange"]["start"]["line"],
        ));
        if let Some(children) = s.get("children") {
            outline_text(children, depth + 1, out);
        }
    }
}

#[test]
fn outline_lists_the_model() {
    let (mut client, uri, _) = example();
    let symbols = client.result(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    let mut text = String::new();
    outline_text(&symbols, 0, &mut text);
    insta::assert_snapshot!(text);
    assert!(client.shutdown().success());
}

#[test]
fn a_file_that_does_not_parse_keeps_outline_completion_and_hover() {
    let dir = model_dir("broken", false);
    let mut client = Client::start(&dir);
    let text = "lead { seniority: one of [IC, VP], title: text }\nevent visit(page: text)\nwhen visits(pricing) >= 2 +5\nwhen title = = VP +10\nlet senior = seniority in [\n";
    let uri = client.open("m.score", text);
    let diagnostics = client.diagnostics_for("m.score");
    assert_eq!(diagnostics[0]["code"], "E001", "{diagnostics}");
    let symbols = client.result(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    let mut outline = String::new();
    outline_text(&symbols, 0, &mut outline);
    let (line, character) = position_of(text, "seniority in [", "seniority in [".len());
    let completion = client.result("textDocument/completion", Client::at(&uri, line, character));
    let hover = client.result("textDocument/hover", at(&uri, text, "visits(pricing)", 1));
    // Where the syntax errors are; their wording is the parser's tests' to lock.
    let places: Vec<Value> = diagnostics
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            json!([
                d["code"],
                d["range"]["start"]["line"],
                d["range"]["start"]["character"]
            ])
        })
        .collect();
    insta::assert_json_snapshot!(json!({
        "syntax_errors": places,
        "outline": outline,
        "completion": labels(&completion),
        "hover": hover["contents"]["value"],
    }));
    assert!(client.shutdown().success());
}

#[test]
fn formatting_gives_fmt_layout() {
    let dir = model_dir("fmt", false);
    let mut client = Client::start(&dir);
    let text =
        "lead {title:text,seniority: one of [IC,VP]}\r\nwhen title in [VP,Director]   +10\r\n";
    let uri = client.open("m.score", text);
    let edits = client.result(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    insta::assert_json_snapshot!(edits);
    let broken = client.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert!(broken.get("result").is_some());
    let uri2 = client.open("broken.score", "lead { title: text\nwhen +10\n");
    let refused = client.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri2}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    // The syntax error's own wording belongs to the parser's tests.
    assert_eq!(refused["error"]["code"], json!(-32803), "{refused}");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(message.starts_with("the file is not formatted while it has a syntax error: "));
    assert!(client.shutdown().success());
}

#[test]
fn quick_fixes_replace_a_misspelling_and_allow_a_warning() {
    let dir = model_dir("fixes", false);
    let mut client = Client::start(&dir);
    let mut answers = serde_json::Map::new();
    for (name, text) in [
        ("misspelt", "lead { title: text }\nwhen titel = VP +10\n"),
        (
            "warnings",
            "lead { title: text }\nevent visit(page: text)\neach visits +5\nwhen title = VP +5 # why\nwhen title = VP +5\n",
        ),
    ] {
        let file = format!("{name}.score");
        let uri = client.open(&file, text);
        let diagnostics = client.diagnostics_for(&file);
        let actions = client.result(
            "textDocument/codeAction",
            json!({
                "textDocument": {"uri": uri},
                "range": {"start": {"line": 0, "character": 0}, "end": {"line": 5, "character": 0}},
                "context": {"diagnostics": diagnostics},
            }),
        );
        answers.insert(name.to_string(), json!({"diagnostics": diagnostics, "actions": actions}));
    }
    insta::assert_json_snapshot!(Value::Object(answers));
    assert!(client.shutdown().success());
}

#[test]
fn code_lenses_show_each_test_passing_or_failing() {
    let (mut client, uri, text) = example();
    let lenses = client.result(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": uri}}),
    );
    let failing = text.replacen("expect score = 100", "expect score = 99", 1);
    assert_ne!(failing, text);
    // Requests see the latest edit: no need to wait for diagnostics.
    client.change(&uri, 2, &failing);
    let after = client.result(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": uri}}),
    );
    let run = client.result(
        "workspace/executeCommand",
        json!({"command": "leadscore.runTests", "arguments": [uri]}),
    );
    let message = client.notification("window/showMessage");
    insta::assert_json_snapshot!(json!({
        "passing": lenses,
        "one_failing": after,
        "run": run,
        "message": message["params"],
    }));
    assert!(client.shutdown().success());
}

#[test]
fn semantic_tokens_colour_names_by_what_they_are() {
    let dir = model_dir("tokens", false);
    let mut client = Client::start(&dir);
    let text = "# a model\nlead { title: text }\nevent visit(page: text)\nlist vips = [VP, CXO]\nwhen title in vips and visits(pricing) within 30d >= 2 +10 \"Geschäftsführer 😀\"\n";
    let uri = client.open("m.score", text);
    let _ = client.diagnostics_for("m.score");
    let tokens = client.result(
        "textDocument/semanticTokens/full",
        json!({"textDocument": {"uri": uri}}),
    );
    // Five numbers a token: delta line, delta start, length, type, modifiers.
    let data: Vec<Vec<u64>> = tokens["data"]
        .as_array()
        .unwrap()
        .chunks(5)
        .map(|c| c.iter().map(|v| v.as_u64().unwrap()).collect())
        .collect();
    let rows: Vec<String> = data.iter().map(|t| format!("{t:?}")).collect();
    insta::assert_snapshot!(rows.join("\n"));
    assert!(client.shutdown().success());
}
