//! `docs/openapi.yaml` describes exactly the routes the server has: the
//! `.route(PATH, METHOD(...))` calls of `src/serve/routes.rs` against the
//! paths and methods of the document; and the server, asked each of them,
//! does not answer 404 or 405.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod serve_support;

use std::collections::BTreeSet;

/// `METHOD path` of every route the router declares.
fn routes_in_code() -> BTreeSet<String> {
    let code = std::fs::read_to_string("src/serve/routes.rs").unwrap();
    let mut found = BTreeSet::new();
    for (i, _) in code.match_indices(".route(\"") {
        let rest = &code[i + ".route(\"".len()..];
        let path = &rest[..rest.find('"').unwrap()];
        let after = &rest[path.len() + 1..];
        let call = after.trim_start_matches([',', ' ', '\n']);
        let method = &call[..call.find('(').unwrap()];
        for m in method.split('.') {
            found.insert(format!("{} {path}", m.to_uppercase()));
        }
    }
    found
}

/// `METHOD path` of every operation of the document.
fn routes_in_document() -> BTreeSet<String> {
    let doc = std::fs::read_to_string("docs/openapi.yaml").unwrap();
    let mut found = BTreeSet::new();
    let mut in_paths = false;
    let mut path = String::new();
    for line in doc.lines() {
        if !line.starts_with(' ') {
            in_paths = line == "paths:";
            continue;
        }
        if !in_paths {
            continue;
        }
        if let Some(p) = line.strip_prefix("  /") {
            path = format!("/{}", p.trim_end_matches(':'));
        } else if let Some(m) = line.strip_prefix("    ").filter(|l| !l.starts_with(' ')) {
            let method = m.trim_end_matches(':');
            if ["get", "post", "put", "delete", "patch"].contains(&method) {
                found.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    found
}

#[test]
fn the_document_describes_every_route_and_no_other() {
    let code = routes_in_code();
    let document = routes_in_document();
    assert!(code.len() >= 10, "routes found in the code: {code:?}");
    assert_eq!(
        code, document,
        "src/serve/routes.rs against docs/openapi.yaml"
    );
}

#[test]
fn every_documented_route_exists_on_the_server() {
    let dir = serve_support::model_dir("openapi", "lead { title: text }\nwhen title = VP +10\n");
    let server = serve_support::Server::start(&dir.join("model.score"), &[]);
    for route in routes_in_document() {
        let (method, path) = route.split_once(' ').unwrap();
        let answer = server.send(method, path, &[("Content-Type", "application/json")], b"{}");
        assert!(
            ![404, 405].contains(&answer.status),
            "{route}: {} {}",
            answer.status,
            answer.text()
        );
    }
}
