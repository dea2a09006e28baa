//! The command line: each subcommand wires the phases together.

/// `print!` that treats a closed pipe (`leadscore ... | head`) as the end
/// of the reader's interest rather than a crash.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = write!(std::io::stdout(), $($arg)*) {
            $crate::cli::stdout_failed(&e);
        }
    }};
}

/// `println!` with the same handling of a closed pipe as `out!`.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout(), $($arg)*) {
            $crate::cli::stdout_failed(&e);
        }
    }};
}

mod backtest;
mod changes;
mod check;
mod compile;
mod diff;
mod explain;
mod flags;
mod fmt;
mod generate;
mod init;
mod leads;
mod outcome;
mod profile;
mod progress;
mod score;
mod serve;
mod sink;
mod test;
mod tune;

// For `compile`, whose `--as-of` is its own flag.
use flags::as_of;

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::diagnostic::render;
use crate::load_and_check;
use crate::output::OutputFormat;
use crate::plan::Plan;
use crate::source::SourceMap;
use crate::text::plural;

/// How a run ended; the process exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    Success = 0,
    /// The model, a test, or the data is at fault.
    Findings = 1,
    /// Usage or I/O problems.
    Usage = 2,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

#[derive(Parser, Debug)]
#[command(name = "leadscore", version, about = "Score leads with a plain-text scoring model", long_about = None)]
pub struct Cli {
    /// When to colour diagnostics.
    #[arg(long, value_enum, default_value_t = Color::Auto, global = true)]
    pub color: Color,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Parse and type-check models; exit 1 when any has errors.
    Check(check::CheckArgs),
    /// Score leads with a model.
    Score(score::ScoreArgs),
    /// Explain the score of one lead, rule by rule.
    Explain(explain::ExplainArgs),
    /// Run the `test` blocks of models.
    Test(test::TestArgs),
    /// Rewrite models in the canonical layout.
    Fmt(fmt::FmtArgs),
    /// Start a new model, from a template or from sample data.
    Init(init::InitArgs),
    /// Show what a model compiles to.
    Compile(compile::CompileArgs),
    /// Serve a model over HTTP: the scoring API and the workbench page.
    Serve(serve::ServeArgs),
    /// Set scores as of a past instant against what converted.
    Backtest(backtest::BacktestArgs),
    /// How each column of a lead export relates to an outcome.
    Profile(profile::ProfileArgs),
    /// Fit a model's points to outcomes; write the tuned copy.
    Tune(tune::TuneArgs),
    /// Compare two versions of a model on the same leads.
    Diff(diff::DiffArgs),
    /// List the leads whose thresholds or labels changed between two instants.
    Changes(changes::ChangesArgs),
    /// Write synthetic leads for the example model (for benchmarks).
    #[command(hide = true)]
    Generate(generate::GenerateArgs),
    /// Run the language server (LSP) on standard input and output, for editors.
    Lsp {
        /// Accepted for editors that pass it; standard input and output
        /// are the only transport.
        #[arg(long)]
        stdio: bool,
    },
    /// Explain a diagnostic code, such as E006.
    ExplainCode {
        /// The code (E006) or its name (unknown-name).
        code: String,
    },
    /// Write a shell's completion script to stdout.
    Completions {
        /// The shell: bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Write the manual page (roff, for `man -l -`) to stdout.
    Man,
}

pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                Exit::Usage.into()
            } else {
                Exit::Success.into()
            };
        }
    };
    let color = match cli.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let exit = match cli.command {
        Command::Check(args) => check::run(&args, color),
        Command::Score(args) => score::run(&args, color),
        Command::Explain(args) => explain::run(&args, color),
        Command::Test(args) => test::run(&args, color),
        Command::Fmt(args) => fmt::run(&args, color),
        Command::Init(args) => init::run(&args),
        Command::Compile(args) => compile::run(&args, color),
        Command::Serve(args) => serve::run(&args, color),
        Command::Backtest(args) => backtest::run(&args, color),
        Command::Tune(args) => tune::run(&args, color),
        Command::Profile(args) => profile::run(&args, color),
        Command::Diff(args) => diff::run(&args, color),
        Command::Changes(args) => changes::run(&args, color),
        Command::Generate(args) => generate::run(&args),
        Command::ExplainCode { code } => explain_code(&code),
        Command::Lsp { .. } => {
            if crate::run_lsp() {
                Exit::Success
            } else {
                Exit::Findings
            }
        }
        Command::Completions { shell } => completions(shell),
        Command::Man => man_page(),
    };
    exit.into()
}

/// Standard output failed: a closed pipe ends the run quietly, anything
/// else is an I/O error (exit 2), never a lost result reported as success.
pub fn stdout_failed(error: &std::io::Error) {
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    eprintln!("error: writing to standard output failed: {error}");
    std::process::exit(Exit::Usage as i32);
}

/// `completions SHELL`: the script that completes subcommands and flags.
fn completions(shell: clap_complete::Shell) -> Exit {
    use clap::CommandFactory as _;
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "leadscore", &mut script);
    out!("{}", String::from_utf8_lossy(&script));
    Exit::Success
}

/// `man`: the manual page, generated from the same definitions as `--help`.
fn man_page() -> Exit {
    use clap::CommandFactory as _;
    let mut page = Vec::new();
    if let Err(e) = clap_mangen::Man::new(Cli::command()).render(&mut page) {
        eprintln!("error: cannot write the manual page: {e}");
        return Exit::Usage;
    }
    out!("{}", String::from_utf8_lossy(&page));
    Exit::Success
}

/// The whole of standard input as text, for the commands that take `-`
/// for a model (`check -`, `fmt -`).
pub fn read_stdin() -> Result<String, Exit> {
    std::io::read_to_string(std::io::stdin()).map_err(|e| {
        eprintln!("error: cannot read the model from standard input: {e}");
        Exit::Usage
    })
}

/// The name a model read from standard input goes by in diagnostics.
pub const STDIN_NAME: &str = "<stdin>";

fn explain_code(code: &str) -> Exit {
    match crate::codes::Code::lookup(code) {
        Some(info) => {
            outln!(
                "{} {}\n\n{}\n\nExample:\n\n    {}\n\nFix: {}",
                info.id,
                info.name,
                info.summary,
                info.example.replace('\n', "\n    "),
                info.fix
            );
            Exit::Success
        }
        None => {
            eprintln!("error: unknown diagnostic code `{code}`");
            eprintln!("help: codes look like E006 or W001; `leadscore check` prints them");
            Exit::Usage
        }
    }
}

/// Loads, checks and plans a model for evaluation, printing diagnostics.
pub fn plan_model(path: &Path, color: bool) -> Result<Plan, Exit> {
    checked_model(path, color).map(|planned| planned.plan)
}

/// A model without errors: its plan, with its sources (to quote its rules)
/// and its tests.
pub struct Planned {
    pub plan: Plan,
    pub sources: SourceMap,
    pub tests: Vec<crate::check::TestCase>,
    pub spans: crate::plan::Spans,
}

/// Loads and checks a model, printing its diagnostics; `Err` with the exit
/// code when it cannot be read or has errors.
pub fn checked_model(path: &Path, color: bool) -> Result<Planned, Exit> {
    let checked = match load_and_check(path) {
        Ok(c) => c,
        Err(message) => {
            eprintln!("error: {message}");
            return Err(Exit::Usage);
        }
    };
    if !checked.diagnostics.is_empty() {
        eprint!("{}", render(&checked.diagnostics, &checked.sources, color));
    }
    match checked.plan {
        Some(plan) => Ok(Planned {
            plan,
            sources: checked.sources,
            tests: checked.tests,
            spans: checked.spans,
        }),
        None => {
            let errors = checked.diagnostics.iter().filter(|d| d.is_error()).count();
            eprintln!(
                "error: {} has {errors} error{}",
                path.display(),
                plural(errors)
            );
            Err(Exit::Findings)
        }
    }
}

/// The default output format: a table for a person, NDJSON for a pipe.
pub fn default_format(requested: Option<OutputFormat>, to_file: bool) -> OutputFormat {
    requested.unwrap_or(if !to_file && std::io::stdout().is_terminal() {
        OutputFormat::Table
    } else {
        OutputFormat::Ndjson
    })
}
