//! `leadscore generate`: deterministic synthetic leads for the example
//! model, for benchmarks and for trying leadscore at scale.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::Exit;
use crate::generate::history::history;
use crate::generate::{leads, Lead, CSV_HEADER, EVENTS_CSV_HEADER};

#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// How many leads.
    #[arg(long, default_value_t = 1000)]
    pub leads: usize,
    /// The same seed gives the same leads.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long, value_enum, default_value_t = GeneratedFormat::Ndjson)]
    pub format: GeneratedFormat,
    /// With `--format csv`: where to write the events file.
    #[arg(long)]
    pub events: Option<PathBuf>,
    /// A history set for `backtest`: activity up to 2026-09-30 and after
    /// it, and a `converted` outcome that follows the signals noisily.
    #[arg(long)]
    pub history: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GeneratedFormat {
    Ndjson,
    Csv,
}

pub fn run(args: &GenerateArgs) -> Exit {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut events = match (&args.events, args.format) {
        (Some(path), GeneratedFormat::Csv) => match std::fs::File::create(path) {
            Ok(f) => Some(std::io::BufWriter::new(f)),
            Err(e) => {
                eprintln!("error: cannot write `{}`: {e}", path.display());
                return Exit::Usage;
            }
        },
        _ => None,
    };
    let written = (|| -> std::io::Result<()> {
        if args.format == GeneratedFormat::Csv {
            writeln!(out, "{CSV_HEADER}")?;
            if let Some(e) = events.as_mut() {
                writeln!(e, "{EVENTS_CSV_HEADER}")?;
            }
        }
        let generated: Box<dyn Iterator<Item = Lead>> = if args.history {
            Box::new(history(args.leads, args.seed))
        } else {
            Box::new(leads(args.leads, args.seed))
        };
        for lead in generated {
            match args.format {
                GeneratedFormat::Ndjson => writeln!(out, "{}", lead.to_ndjson())?,
                GeneratedFormat::Csv => {
                    writeln!(out, "{}", lead.to_csv())?;
                    if let Some(e) = events.as_mut() {
                        for row in lead.events_csv() {
                            writeln!(e, "{row}")?;
                        }
                    }
                }
            }
        }
        out.flush()?;
        if let Some(e) = events.as_mut() {
            e.flush()?;
        }
        Ok(())
    })();
    match written {
        Ok(()) => Exit::Success,
        Err(e) => {
            super::stdout_failed(&e);
            Exit::Usage
        }
    }
}
