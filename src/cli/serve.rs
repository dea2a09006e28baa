//! `leadscore serve`: the scoring API and the workbench over HTTP.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

use super::flags::instant;
use super::Exit;
use crate::{run_server, ServeError, ServeOptions};

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The model file (.score); it is reloaded when it or a file it uses changes.
    pub model: PathBuf,
    /// The address to listen on; anything but loopback needs `--token`.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR:PORT")]
    pub listen: SocketAddr,
    /// Sample leads (NDJSON, JSON or CSV, events inside the records) that
    /// the workbench scores on every edit.
    #[arg(long, value_name = "LEADS")]
    pub sample: Option<PathBuf>,
    /// The token every caller sends (`Authorization: Bearer TOKEN`); also
    /// read from the environment variable LEADSCORE_TOKEN.
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
    /// Turn off saving from the workbench.
    #[arg(long)]
    pub read_only: bool,
    /// The default instant of scoring and of the workbench (default: now).
    #[arg(long, value_name = "INSTANT")]
    pub as_of: Option<String>,
    /// The largest request body, in bytes.
    #[arg(long, default_value_t = 10 * 1024 * 1024, value_name = "BYTES")]
    pub max_body: usize,
    /// The most records one request may hold.
    #[arg(long, default_value_t = 10_000, value_name = "N")]
    pub max_lines: usize,
    /// A host name callers use for this server (besides loopback names and
    /// the listen address); repeat for more.
    #[arg(long, value_name = "NAME")]
    pub allow_host: Vec<String>,
    /// An origin (https://crm.example.com) allowed to call the API from a
    /// browser; repeat for more. No CORS without it.
    #[arg(long, value_name = "ORIGIN")]
    pub cors: Vec<String>,
}

pub fn run(args: &ServeArgs, color: bool) -> Exit {
    let as_of = match &args.as_of {
        None => None,
        Some(text) => match instant("--as-of", text) {
            Ok(t) => Some(t),
            Err(exit) => return exit,
        },
    };
    let token = args.token.clone().or_else(|| {
        std::env::var("LEADSCORE_TOKEN")
            .ok()
            .filter(|t| !t.is_empty())
    });
    let options = ServeOptions {
        model: args.model.clone(),
        listen: args.listen,
        sample: args.sample.clone(),
        token,
        read_only: args.read_only,
        as_of,
        max_body: args.max_body,
        max_lines: args.max_lines,
        allow_hosts: args.allow_host.clone(),
        cors: args.cors.clone(),
    };
    match run_server(options, color) {
        Ok(()) => Exit::Success,
        Err(ServeError::Usage(message)) => {
            eprintln!("error: {message}");
            Exit::Usage
        }
        Err(ServeError::Model(rendered)) => {
            eprint!("{rendered}");
            eprintln!(
                "error: {} has errors; fix them to serve it",
                args.model.display()
            );
            Exit::Findings
        }
    }
}
