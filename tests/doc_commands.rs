#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

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

/// The documented commands that write into their directory
/// (`init scoring.score`, `--rejects rejects.ndjson`), marked
/// `console sandbox` in the documents (which `trycmd` itself passes over),
/// run as transcripts too: in a copy of the files they read, so the
/// checkout stays as it is.
#[test]
fn documented_commands_that_write_files_run_in_a_sandbox() {
    let root = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("doc_sandbox");
    let _ = std::fs::remove_dir_all(&root);
    let mut transcripts = 0;
    for page in ["docs/cli.md", "docs/tutorial.md", "README.md"] {
        let text = std::fs::read_to_string(page).expect("page");
        let blocks = sandboxed_blocks(&text);
        if blocks.is_empty() {
            continue;
        }
        // Each block in a sandbox of its own: two `init scoring.score` must
        // not find each other's file.
        for (i, block) in blocks.iter().enumerate() {
            transcripts += 1;
            let name = format!("{}_{i}", page.replace(['/', '.'], "_"));
            let input = root.join(format!("{name}.in"));
            for dir in ["tests/fixtures/cli", "tests/fixtures/init", "examples"] {
                copy_dir(std::path::Path::new(dir), &input.join(dir));
            }
            // An `.out` directory makes trycmd run in a copy of `.in`.
            let output = root.join(format!("{name}.out"));
            std::fs::create_dir_all(&output).expect("out dir");
            std::fs::write(output.join(".keep"), "").expect(".keep");
            std::fs::write(root.join(format!("{name}.md")), block).expect("write");
        }
    }
    assert!(transcripts >= 3, "the sandboxed transcripts were found");
    trycmd::TestCases::new()
        .register_bin(
            "leadscore",
            std::path::Path::new(env!("CARGO_BIN_EXE_leadscore")),
        )
        .case(root.join("*.md"));
}

/// Each `console sandbox` block of a page, as a plain `console` block.
fn sandboxed_blocks(page: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in page.lines() {
        match current.as_mut() {
            None if line == "```console sandbox" => current = Some("```console\n".to_string()),
            None => {}
            Some(block) => {
                block.push_str(line);
                block.push('\n');
                if line == "```" {
                    blocks.extend(current.take());
                }
            }
        }
    }
    blocks
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("name"));
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}
