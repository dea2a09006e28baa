//! `leadscore serve`: a model behind HTTP. The scoring API for CRM
//! webhooks and forms (`/v1/score`, `/v1/model`, `/healthz`), and the
//! workbench page at `/` where a team edits the model on its sample leads.
//!
//! One file a job: `state` holds the loaded model and swaps it atomically
//! (`watch` reloads it when its files change), `score` answers scoring
//! requests, `workbench` the page's requests, `guard` the token, host and
//! origin checks, `errors` the JSON errors every answer shares, `assets` the
//! page itself, `server` the connections. Everything of the model goes
//! through the library's facade (`crate::load_and_check`, `Evaluator`,
//! records, results, tests, diff), as the command line's does.

mod assets;
mod errors;
mod guard;
mod query;
mod routes;
mod score;
mod server;
mod state;
mod watch;
mod workbench;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use crate::time::Instant;

/// What `leadscore serve` was asked for.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    pub model: PathBuf,
    pub listen: SocketAddr,
    /// Leads the workbench scores on every edit.
    pub sample: Option<PathBuf>,
    /// Required (as a bearer token or the workbench's cookie) on every
    /// path but `/healthz`; listening off loopback needs one.
    pub token: Option<String>,
    pub read_only: bool,
    /// The default instant of scoring and of the workbench; now when unset.
    pub as_of: Option<Instant>,
    /// The largest request body, in bytes.
    pub max_body: usize,
    /// The most records one request may hold.
    pub max_lines: usize,
    /// Host names the server answers to besides loopback names and the
    /// listen address (a name a CRM calls it by).
    pub allow_hosts: Vec<String>,
    /// Origins allowed to call the API from a browser (CORS); none by default.
    pub cors: Vec<String>,
}

/// Why the server did not start (or stopped).
#[derive(Debug)]
pub enum ServeError {
    /// A usage or I/O problem: the message says which.
    Usage(String),
    /// The model has errors: the diagnostics, rendered.
    Model(String),
}

/// Serves the model until the process is stopped.
pub fn run_server(options: ServeOptions, color: bool) -> Result<(), ServeError> {
    if !options.listen.ip().is_loopback() && options.token.is_none() {
        return Err(ServeError::Usage(format!(
            "listening on {} (not loopback) needs `--token`, which every caller then sends as `Authorization: Bearer TOKEN`",
            options.listen
        )));
    }
    if options.token.as_deref().is_some_and(str::is_empty) {
        return Err(ServeError::Usage("`--token` is empty".to_string()));
    }
    let state = state::State::start(options, color)?;
    let state = Arc::new(state);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| ServeError::Usage(format!("cannot start the server: {e}")))?;
    let _watcher = watch::start(state.clone()).map_err(ServeError::Usage)?;
    runtime.block_on(async move {
        let listen = state.options.listen;
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| ServeError::Usage(format!("cannot listen on {listen}: {e}")))?;
        let bound = listener
            .local_addr()
            .map_err(|e| ServeError::Usage(format!("cannot listen on {listen}: {e}")))?;
        state.log(&format!(
            "serving {} on http://{bound} (model {})",
            state.options.model.display(),
            state.current().hash
        ));
        let app = routes::app(state.clone(), bound);
        server::run(listener, app).await;
        Ok(())
    })
}
