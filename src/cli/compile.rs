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
                out!("{plan}");
                Exit::Success
            }
            Err(exit) => exit,
        },
        Emit::Ast => {
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
