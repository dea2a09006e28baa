//! `leadscore init`: start a new model.

use std::path::PathBuf;

use clap::Args;

use super::Exit;

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Where to write the new model.
    pub model: PathBuf,
}

pub fn run(args: &InitArgs) -> Exit {
    eprintln!(
        "error: `leadscore init {}` is being built",
        args.model.display()
    );
    Exit::Usage
}
