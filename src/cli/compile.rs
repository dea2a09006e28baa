//! `leadscore compile`: print what a model compiles to.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{plan_model, Exit};

#[derive(Args, Debug)]
pub struct CompileArgs {
    /// The model file (.score).
    pub model: PathBuf,
    /// What to print.
    #[arg(long, value_enum, default_value_t = Emit::Plan)]
    pub emit: Emit,
    /// How to write the plan: readable text, or JSON for other tools.
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Emit {
    /// The evaluation plan.
    Plan,
    /// The syntax tree, conditions fully parenthesised.
    Ast,
}

pub fn run(args: &CompileArgs, color: bool) -> Exit {
    match args.emit {
        Emit::Plan => match plan_model(&args.model, color) {
            Ok(plan) => {
                match args.format {
                    PlanFormat::Text => out!("{plan}"),
                    PlanFormat::Json => outln!("{:#}", plan.to_json()),
                }
                Exit::Success
            }
            Err(exit) => exit,
        },
        Emit::Ast => {
            if args.format == PlanFormat::Json {
                eprintln!("error: `--format json` applies to `--emit plan`");
                eprintln!("help: the syntax tree is printed as text only");
                return Exit::Usage;
            }
            let loaded = match crate::load::load(&args.model) {
                Ok(l) => l,
                Err(e) => {
                    eprintln!("error: cannot read model `{}`: {e}", args.model.display());
                    return Exit::Usage;
                }
            };
            if loaded.has_errors() {
                eprint!(
                    "{}",
                    crate::diagnostic::render(&loaded.diagnostics, &loaded.sources, color)
                );
                return Exit::Findings;
            }
            let file = crate::syntax::ast::File {
                items: loaded.items,
            };
            out!("{file}");
            Exit::Success
        }
    }
}
