#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! Parser fixtures: every model under `fixtures/parse/` parses, checks
//! cleanly, prints fully parenthesised (snapshot), and reads back to the
//! same tree from its printed form.

use leadscore::parse;
use leadscore::source::SourceMap;

#[test]
fn parse_fixtures() {
    insta::glob!("fixtures/parse/*.score", |path| {
        let text = std::fs::read_to_string(path).expect("fixture is readable");
        let mut sources = SourceMap::default();
        let file = sources.add(path.to_path_buf(), text.as_str());
        let (ast, diagnostics) = parse(file, &text);
        assert!(
            diagnostics.is_empty(),
            "{}",
            leadscore::diagnostic::render(&diagnostics, &sources, false)
        );
        let ast = ast.expect("fixture parses");
        let printed = ast.to_string();
        insta::assert_snapshot!(printed);

        let (again, diagnostics) = parse(file, &printed);
        assert!(
            diagnostics.is_empty(),
            "printed form must parse:\n{printed}"
        );
        assert_eq!(
            again.expect("printed form parses"),
            ast,
            "parse(print(m)) must equal m"
        );
    });
}

#[test]
fn parse_fixtures_check_cleanly() {
    insta::glob!("fixtures/parse/*.score", |path| {
        let checked = leadscore::load_and_check(path).expect("fixture is readable");
        assert!(
            checked.diagnostics.is_empty(),
            "{}",
            leadscore::diagnostic::render(&checked.diagnostics, &checked.sources, false)
        );
    });
}

#[test]
fn example_model_round_trips_through_its_printed_form() {
    let text = std::fs::read_to_string("examples/b2b-saas.score").expect("example exists");
    let (ast, diagnostics) = parse(0, &text);
    assert!(diagnostics.is_empty());
    let ast = ast.expect("example parses");
    let (again, _) = parse(0, &ast.to_string());
    assert_eq!(again.expect("printed example parses"), ast);
}
