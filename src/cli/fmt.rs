//! `leadscore fmt`: rewrite models in the canonical layout.

use std::path::{Path, PathBuf};

use clap::Args;

use super::Exit;
use crate::diagnostic::render;
use crate::source::SourceMap;
use crate::text::plural;

#[derive(Args, Debug)]
pub struct FmtArgs {
    /// Model files (.score); `-` reads a model from stdin and writes it
    /// formatted to stdout.
    #[arg(required = true)]
    pub models: Vec<PathBuf>,
    /// Change nothing; print a diff and exit 1 when a file is not formatted.
    #[arg(long)]
    pub check: bool,
}

pub fn run(args: &FmtArgs, color: bool) -> Exit {
    let mut exit = Exit::Success;
    let mut changed = 0usize;
    for path in &args.models {
        let result = format_file(path, args.check, color);
        match result {
            Ok(false) => {}
            Ok(true) => {
                changed += 1;
                if exit == Exit::Success && args.check {
                    exit = Exit::Findings;
                }
            }
            Err(e) => {
                if exit != Exit::Usage {
                    exit = e;
                }
            }
        }
    }
    let files = args.models.len();
    let summary = if args.check {
        format!(
            "{changed} of {files} file{} would be reformatted",
            plural(files)
        )
    } else {
        format!("{changed} of {files} file{} reformatted", plural(files))
    };
    eprintln!("{summary}");
    exit
}

/// Formats one file; `Ok(true)` when it is (or would be) changed. `-` is
/// stdin, formatted to stdout (or, with `check`, compared).
fn format_file(path: &Path, check: bool, color: bool) -> Result<bool, Exit> {
    let stdin = path.as_os_str() == "-";
    let text = if stdin {
        super::read_stdin()?
    } else {
        std::fs::read_to_string(path).map_err(|e| {
            eprintln!("error: cannot read `{}`: {e}", path.display());
            Exit::Usage
        })?
    };
    let mut sources = SourceMap::default();
    let shown = if stdin {
        PathBuf::from(super::STDIN_NAME)
    } else {
        path.to_path_buf()
    };
    let file = sources.add(shown, text.as_str());
    let (ast, diagnostics) = crate::syntax::parse(file, &text);
    let errors: Vec<_> = diagnostics.into_iter().filter(|d| d.is_error()).collect();
    let Some(ast) = ast.filter(|_| errors.is_empty()) else {
        eprint!("{}", render(&errors, &sources, color));
        eprintln!(
            "error: `{}` was not formatted because it does not parse",
            path.display()
        );
        return Err(Exit::Findings);
    };
    let formatted = with_line_endings(crate::fmt::format(&ast, &text), &text);
    if stdin && !check {
        out!("{formatted}");
        return Ok(formatted != text);
    }
    if formatted == text {
        return Ok(false);
    }
    if check {
        let name = path.display().to_string();
        let diff = similar::TextDiff::from_lines(&text, &formatted);
        out!(
            "{}",
            diff.unified_diff()
                .context_radius(2)
                .header(&name, &format!("{name} (formatted)"))
        );
        return Ok(true);
    }
    let temp = path.with_extension("score.fmt-tmp");
    let written = std::fs::write(&temp, &formatted).and_then(|()| std::fs::rename(&temp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        eprintln!("error: cannot write `{}`: {e}", path.display());
        return Err(Exit::Usage);
    }
    eprintln!("formatted {}", path.display());
    Ok(true)
}

/// The formatted text with the line endings of the original: a file
/// written with CRLF stays CRLF (the printer writes `\n`).
fn with_line_endings(formatted: String, original: &str) -> String {
    let crlf = original.matches("\r\n").count();
    let lf = original.matches('\n').count() - crlf;
    if crlf > lf {
        formatted.replace('\n', "\r\n")
    } else {
        formatted
    }
}
