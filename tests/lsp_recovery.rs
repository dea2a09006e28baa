#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! The language server on a model being typed, as a process over
//! JSON-RPC: a syntax error inside one rule of a group keeps the group and
//! its other rules in the outline, completion and hover; semantic tokens
//! of a range; hover on a list read from a file shows its values.

mod common;

use common::lsp::{model_dir, position_of, Client};
use serde_json::{json, Value};

/// An outline as indented lines: kind, name and line of each symbol.
fn outline_text(symbols: &Value, depth: usize, out: &mut String) {
    for s in symbols.as_array().unwrap() {
        out.push_str(&format!(
            "{}{} {} line {}\n",
            "  ".repeat(depth),
            s["kind"],
            s["name"].as_str().unwrap(),
            s["selectionRange"]["start"]["line"],
        ));
        if let Some(children) = s.get("children") {
            outline_text(children, depth + 1, out);
        }
    }
}

const BROKEN: &str = "lead { seniority: one of [IC, VP], employees: number }
event visit(page: text)
score fit {
  when seniority = VP +20 \"vp\"
  when employees >> 100 +10
  first \"size\" {
    when employees < 10 -5
    when employees < 1000
    otherwise +5 \"large\"
  }
  when visits(pricing) >= 2 +5 \"pricing\"
}
threshold mql 20
";

#[test]
fn a_broken_rule_keeps_its_group_and_the_other_rules() {
    let dir = model_dir("recovery", false);
    let mut client = Client::start(&dir);
    let uri = client.open("m.score", BROKEN);
    let diagnostics = client.diagnostics_for("m.score");
    let symbols = client.result(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    let mut outline = String::new();
    outline_text(&symbols, 0, &mut outline);
    // Hover on a field in a rule of the broken group, and completion
    // inside that group.
    let (line, character) = position_of(BROKEN, "employees < 10", 1);
    let hover = client.result("textDocument/hover", Client::at(&uri, line, character));
    let (line, character) = position_of(BROKEN, "seniority = ", "seniority = ".len());
    let completion = client.result("textDocument/completion", Client::at(&uri, line, character));
    let values: Vec<String> = completion
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect();
    let places: Vec<Value> = diagnostics
        .as_array()
        .unwrap()
        .iter()
        .map(|d| json!([d["code"], d["range"]["start"]["line"], d["message"]]))
        .collect();
    insta::assert_json_snapshot!(json!({
        "diagnostics": places,
        "outline": outline,
        "hover": hover["contents"]["value"],
        "completion_after_seniority_equals": values,
    }));
    // Both broken rules are left out, everything else of the group stays.
    assert!(outline.contains("fit"), "{outline}");
    assert!(outline.contains("vp"), "{outline}");
    assert!(outline.contains("pricing"), "{outline}");
    assert!(outline.contains("large"), "{outline}");
    assert!(!outline.contains(">>"), "{outline}");
    assert!(client.shutdown().success());
}

#[test]
fn semantic_tokens_of_a_range_are_those_of_the_whole_within_it() {
    let dir = model_dir("tokens-range", false);
    let mut client = Client::start(&dir);
    let text = "# a model\nlead { title: text }\nevent visit(page: text)\nlist vips = [VP, CXO]\nwhen title in vips +10 \"Geschäftsführer 😀\"\nwhen visits(pricing) within 30d >= 2 +5\n";
    let uri = client.open("m.score", text);
    let _ = client.diagnostics_for("m.score");
    let rows = |tokens: &Value| -> Vec<Vec<u64>> {
        tokens["data"]
            .as_array()
            .unwrap()
            .chunks(5)
            .map(|c| c.iter().map(|v| v.as_u64().unwrap()).collect())
            .collect()
    };
    let full = rows(&client.result(
        "textDocument/semanticTokens/full",
        json!({"textDocument": {"uri": uri}}),
    ));
    // Lines 3 and 4 (from 0): the list and the first rule.
    let range = rows(&client.result(
        "textDocument/semanticTokens/range",
        json!({
            "textDocument": {"uri": uri},
            "range": {"start": {"line": 3, "character": 0}, "end": {"line": 5, "character": 0}},
        }),
    ));
    // Absolute (line, start) of each token, to compare the two answers.
    let absolute = |rows: &[Vec<u64>]| -> Vec<(u64, u64, u64, u64)> {
        let (mut line, mut start) = (0, 0);
        rows.iter()
            .map(|t| {
                if t[0] > 0 {
                    start = 0;
                }
                line += t[0];
                start += t[1];
                (line, start, t[2], t[3])
            })
            .collect()
    };
    let within: Vec<_> = absolute(&full)
        .into_iter()
        .filter(|t| (3..5).contains(&t.0))
        .collect();
    assert!(!within.is_empty());
    assert_eq!(absolute(&range), within);
    insta::assert_snapshot!(format!("{:?}", absolute(&range)));
    assert!(client.shutdown().success());
}

#[test]
fn hover_on_a_list_from_a_file_shows_its_values() {
    let dir = model_dir("list-hover", false);
    std::fs::create_dir_all(dir.join("lists")).unwrap();
    let domains: Vec<String> = (1..=12).map(|i| format!("mail{i}.example")).collect();
    std::fs::write(
        dir.join("lists/free-mail.txt"),
        format!("# free-mail domains\n{}\n", domains.join("\n")),
    )
    .unwrap();
    std::fs::write(dir.join("lists/empty.txt"), "# nothing yet\n").unwrap();
    let mut client = Client::start(&dir);
    let text = "lead { email: text }\nlist free_mail from \"lists/free-mail.txt\"\nlist none_yet from \"lists/empty.txt\"\nwhen email ends with free_mail -10\nwhen email ends with none_yet -1\n";
    let uri = client.open("m.score", text);
    let _ = client.diagnostics_for("m.score");
    let mut answers = serde_json::Map::new();
    for (what, needle, extra) in [
        ("declaration", "free_mail from", 1),
        ("use", "with free_mail", 6),
        ("empty", "with none_yet", 6),
    ] {
        let (line, character) = position_of(text, needle, extra);
        let hover = client.result("textDocument/hover", Client::at(&uri, line, character));
        answers.insert(what.to_string(), hover["contents"]["value"].clone());
    }
    insta::assert_json_snapshot!(Value::Object(answers));
    assert!(client.shutdown().success());
}
