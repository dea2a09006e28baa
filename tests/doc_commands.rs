//! The commands shown in the documentation run, and print what the
//! documentation says they print: every `console` block of the README and
//! of the pages below is a transcript (`$ command`, then its output) that
//! `trycmd` replays against the built binary. After a deliberate change of
//! output, `TRYCMD=overwrite cargo test --test doc_commands` rewrites the
//! transcripts, to be read over before committing.

#[test]
fn documented_commands_print_what_the_documents_show() {
    trycmd::TestCases::new()
        .register_bin(
            "leadscore",
            std::path::Path::new(env!("CARGO_BIN_EXE_leadscore")),
        )
        .case("README.md")
        .case("docs/tutorial.md")
        .case("docs/cli.md")
        .case("docs/ci.md")
        .case("examples/README.md");
}
