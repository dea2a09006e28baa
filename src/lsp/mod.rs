//! `leadscore lsp`: a language server (LSP 3.17) over standard input and
//! output. It is synchronous: one thread reads messages ahead into a
//! queue (`transport`), and the main loop takes every message waiting
//! before it checks anything, so a burst of edits is checked once, at its
//! end, and no stale check holds up the newest text.
//! Each open document is checked as a model's root (`analysis`); requests
//! are answered from the latest analyses by one file per capability.

mod actions;
mod analysis;
mod complete;
mod documents;
mod navigate;
mod outline;
mod semantic;
mod transport;

use std::collections::{HashMap, HashSet};
use std::io::{self, BufRead, Write};
use std::path::PathBuf;
use std::sync::mpsc::TryRecvError;

use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{self as notif, Notification as _};
use lsp_types::{Diagnostic as LspDiagnostic, InitializeParams, PublishDiagnosticsParams, Url};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::Overlay;
use analysis::Analysis;
use documents::{Document, Encoding};
use transport::{spawn_reader, Incoming, Writer};

/// Runs the server on standard input and output until `exit` or the end
/// of input; the result is the process's success.
pub fn run() -> bool {
    let stdin = io::BufReader::new(io::stdin());
    serve(stdin, io::stdout())
}

/// Serves one client on `input` and `output`.
///
/// While a document is out of date, the loop takes the messages already
/// waiting (the reader has read them ahead) before it checks anything:
/// edits that came faster than a check takes (a paste, an editor's burst
/// of changes, fast typing while a check ran) are checked once, at their
/// end, and no check is started for a text that a waiting edit replaces.
/// When nothing is waiting, the check runs at once: no timer adds to the
/// time from a keystroke to its diagnostics.
pub fn serve(input: impl BufRead + Send + 'static, output: impl Write) -> bool {
    let incoming = spawn_reader(input);
    let mut server = Server::new(Writer::new(output));
    loop {
        let message = if server.dirty.is_empty() {
            incoming.recv().ok()
        } else {
            match incoming.try_recv() {
                Ok(message) => Some(message),
                Err(TryRecvError::Empty) => {
                    if server.publish_dirty().is_err() {
                        return false;
                    }
                    continue;
                }
                Err(TryRecvError::Disconnected) => None,
            }
        };
        let Some(message) = message else {
            return false;
        };
        if server.handle(message).is_err() {
            return false;
        }
        if let Some(clean) = server.exit {
            return clean;
        }
    }
}

/// An error answered to a request.
pub struct Failure {
    code: ErrorCode,
    message: String,
}

impl Failure {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
        }
    }

    /// The request cannot be served as asked (a refused rename, a file
    /// that does not parse).
    pub fn refused(message: impl Into<String>) -> Self {
        Failure::new(ErrorCode::RequestFailed, message)
    }
}

pub type Answer = Result<serde_json::Value, Failure>;

struct Server<W: Write> {
    writer: Writer<W>,
    encoding: Encoding,
    initialized: bool,
    shutdown: bool,
    /// Set when the client sent `exit`: whether `shutdown` came first.
    exit: Option<bool>,
    docs: HashMap<Url, Document>,
    analyses: HashMap<Url, Analysis>,
    /// Open documents whose analysis is out of date.
    dirty: HashSet<Url>,
    /// What was last published for each file, to send only changes.
    published: HashMap<Url, Vec<LspDiagnostic>>,
}

impl<W: Write> Server<W> {
    fn new(writer: Writer<W>) -> Self {
        Server {
            writer,
            encoding: Encoding::Utf16,
            initialized: false,
            shutdown: false,
            exit: None,
            docs: HashMap::new(),
            analyses: HashMap::new(),
            dirty: HashSet::new(),
            published: HashMap::new(),
        }
    }

    fn handle(&mut self, incoming: Incoming) -> io::Result<()> {
        match incoming {
            Incoming::Malformed { id, code, reason } => self.writer.send_error(&id, code, &reason),
            Incoming::Message(Message::Request(request)) => self.request(request),
            Incoming::Message(Message::Notification(n)) => {
                self.notification(n);
                Ok(())
            }
            // Answers to the server's own requests need no action.
            Incoming::Message(Message::Response(_)) => Ok(()),
        }
    }

    fn request(&mut self, request: Request) -> io::Result<()> {
        let id = request.id.clone();
        let answer = if request.method == "initialize" {
            self.initialize(request.params)
        } else if !self.initialized {
            Err(Failure::new(
                ErrorCode::ServerNotInitialized,
                "the server has not been initialized",
            ))
        } else if self.shutdown {
            Err(Failure::new(
                ErrorCode::InvalidRequest,
                "the server is shutting down",
            ))
        } else if request.method == "shutdown" {
            self.shutdown = true;
            Ok(serde_json::Value::Null)
        } else {
            // A request sees the latest text of every document.
            self.publish_dirty()?;
            self.dispatch(&request.method, request.params)
        };
        self.respond(id, answer)
    }

    fn respond(&mut self, id: RequestId, answer: Answer) -> io::Result<()> {
        let response = match answer {
            Ok(result) => Response::new_ok(id, result),
            Err(f) => Response::new_err(id, f.code as i32, f.message),
        };
        self.writer.send(Message::Response(response))
    }

    fn initialize(&mut self, params: serde_json::Value) -> Answer {
        let params: InitializeParams = parse_params(params)?;
        let offered = params
            .capabilities
            .general
            .and_then(|g| g.position_encodings)
            .unwrap_or_default();
        self.encoding = offered
            .iter()
            .find_map(|kind| match kind.as_str() {
                "utf-8" => Some(Encoding::Utf8),
                "utf-16" => Some(Encoding::Utf16),
                _ => None,
            })
            .unwrap_or(Encoding::Utf16);
        self.initialized = true;
        to_value(actions::initialize_result(self.encoding))
    }

    fn dispatch(&mut self, method: &str, params: serde_json::Value) -> Answer {
        use lsp_types::request::*;
        match method {
            HoverRequest::METHOD => navigate::hover(self, parse_params(params)?),
            GotoDefinition::METHOD => navigate::definition(self, parse_params(params)?),
            References::METHOD => navigate::references(self, parse_params(params)?),
            PrepareRenameRequest::METHOD => navigate::prepare_rename(self, parse_params(params)?),
            Rename::METHOD => navigate::rename(self, parse_params(params)?),
            Completion::METHOD => complete::completion(self, parse_params(params)?),
            DocumentSymbolRequest::METHOD => outline::document_symbols(self, parse_params(params)?),
            SemanticTokensFullRequest::METHOD => semantic::tokens(self, parse_params(params)?),
            SemanticTokensRangeRequest::METHOD => semantic::range(self, parse_params(params)?),
            Formatting::METHOD => actions::formatting(self, parse_params(params)?),
            CodeActionRequest::METHOD => actions::code_actions(self, parse_params(params)?),
            CodeLensRequest::METHOD => actions::code_lenses(self, parse_params(params)?),
            ExecuteCommand::METHOD => actions::execute_command(self, parse_params(params)?),
            _ => Err(Failure::new(
                ErrorCode::MethodNotFound,
                format!("unknown method `{method}`"),
            )),
        }
    }

    fn notification(&mut self, n: Notification) {
        if n.method == notif::Exit::METHOD {
            self.exit = Some(self.shutdown);
            return;
        }
        if !self.initialized {
            return;
        }
        match n.method.as_str() {
            notif::DidOpenTextDocument::METHOD => {
                if let Ok(p) =
                    serde_json::from_value::<lsp_types::DidOpenTextDocumentParams>(n.params)
                {
                    let d = p.text_document;
                    let doc = Document::new(d.uri.clone(), d.text, d.version, self.encoding);
                    self.touched(&doc.path.clone());
                    self.dirty.insert(d.uri.clone());
                    self.docs.insert(d.uri, doc);
                }
            }
            notif::DidChangeTextDocument::METHOD => {
                if let Ok(p) =
                    serde_json::from_value::<lsp_types::DidChangeTextDocumentParams>(n.params)
                {
                    let uri = p.text_document.uri;
                    if let Some(doc) = self.docs.get_mut(&uri) {
                        for change in p.content_changes {
                            doc.apply(change);
                        }
                        doc.version = p.text_document.version;
                        let path = doc.path.clone();
                        self.touched(&path);
                        self.dirty.insert(uri);
                    }
                }
            }
            notif::DidCloseTextDocument::METHOD => {
                if let Ok(p) =
                    serde_json::from_value::<lsp_types::DidCloseTextDocumentParams>(n.params)
                {
                    let uri = p.text_document.uri;
                    if let Some(doc) = self.docs.remove(&uri) {
                        self.analyses.remove(&uri);
                        self.dirty.remove(&uri);
                        // Models that used its buffer now read the file.
                        self.touched(&doc.path);
                    }
                }
            }
            notif::DidSaveTextDocument::METHOD | notif::DidChangeWatchedFiles::METHOD => {
                // A file changed on disk: re-check every open model, the
                // cheap and certain way to catch its users.
                self.dirty.extend(self.docs.keys().cloned());
            }
            _ => {}
        }
    }

    /// Marks every open model that read `path` as out of date.
    fn touched(&mut self, path: &std::path::Path) {
        for (uri, analysis) in &self.analyses {
            if analysis.depends_on(path) {
                self.dirty.insert(uri.clone());
            }
        }
    }

    /// Re-checks the out-of-date models and publishes what changed.
    fn publish_dirty(&mut self) -> io::Result<()> {
        if self.dirty.is_empty() {
            return Ok(());
        }
        let overlay: Overlay = self
            .docs
            .values()
            .map(|d| (d.path.clone(), d.text.clone()))
            .collect();
        let mut refreshed = HashSet::new();
        for uri in std::mem::take(&mut self.dirty) {
            if let Some(doc) = self.docs.get(&uri) {
                let analysis = Analysis::run(doc, &overlay, self.encoding);
                refreshed.extend(analysis.files.iter().cloned());
                self.analyses.insert(uri, analysis);
            }
        }
        self.publish(&refreshed)
    }

    /// Sends the diagnostics of every file of every open model: of the files
    /// just checked (`refreshed`, with the version they were checked at), and
    /// of the others where they changed. A file used by another open model takes its diagnostics
    /// from the models that use it (its names are theirs); one that no
    /// other open model uses, from its own check.
    fn publish(&mut self, refreshed: &HashSet<PathBuf>) -> io::Result<()> {
        let mut by_file: HashMap<PathBuf, Vec<LspDiagnostic>> = HashMap::new();
        let mut used: HashSet<PathBuf> = HashSet::new();
        for analysis in self.analyses.values() {
            used.extend(analysis.files.iter().skip(1).cloned());
        }
        for analysis in self.analyses.values() {
            for (path, diagnostics) in analysis.diagnostics() {
                let is_root = analysis.files.first() == Some(&path);
                if is_root && used.contains(&path) {
                    continue;
                }
                let all = by_file.entry(path).or_default();
                for d in diagnostics {
                    if !all.contains(&d) {
                        all.push(d);
                    }
                }
            }
        }
        let mut now: HashMap<Url, Vec<LspDiagnostic>> = HashMap::new();
        let mut checked: HashSet<Url> = HashSet::new();
        for (path, diagnostics) in by_file {
            if let Ok(uri) = Url::from_file_path(&path) {
                if refreshed.contains(&path) {
                    checked.insert(uri.clone());
                }
                now.insert(uri, diagnostics);
            }
        }
        // A file no model reads any more is cleared.
        for uri in self.published.keys() {
            now.entry(uri.clone()).or_default();
        }
        let mut changed: Vec<(Url, Vec<LspDiagnostic>)> = now
            .into_iter()
            .filter(|(uri, d)| checked.contains(uri) || self.published.get(uri) != Some(d))
            .collect();
        changed.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
        for (uri, diagnostics) in changed {
            let version = self.docs.get(&uri).map(|d| d.version);
            let params = PublishDiagnosticsParams {
                uri: uri.clone(),
                diagnostics: diagnostics.clone(),
                version,
            };
            self.notify::<notif::PublishDiagnostics>(params)?;
            if diagnostics.is_empty() && !self.docs.contains_key(&uri) {
                self.published.remove(&uri);
            } else {
                self.published.insert(uri, diagnostics);
            }
        }
        Ok(())
    }

    fn notify<N: notif::Notification>(&mut self, params: N::Params) -> io::Result<()> {
        self.writer.send(Message::Notification(Notification::new(
            N::METHOD.to_string(),
            params,
        )))
    }

    /// An open document, or the error for a request about a closed one.
    fn doc(&self, uri: &Url) -> Result<&Document, Failure> {
        self.docs.get(uri).ok_or_else(|| {
            Failure::new(
                ErrorCode::InvalidParams,
                format!("`{uri}` is not an open document"),
            )
        })
    }

    /// The analyses that read the document `uri` (its own first), each with
    /// the document's file id in it.
    fn analyses_of(&self, uri: &Url) -> Result<Vec<(&Analysis, usize)>, Failure> {
        let doc = self.doc(uri)?;
        let mut found: Vec<(&Analysis, usize)> = Vec::new();
        if let Some(own) = self.analyses.get(uri) {
            found.push((own, 0));
        }
        for (other, analysis) in &self.analyses {
            if other == uri {
                continue;
            }
            if let Some(file) = analysis.file_id(&doc.path) {
                found.push((analysis, file));
            }
        }
        Ok(found)
    }
}

fn parse_params<P: DeserializeOwned>(params: serde_json::Value) -> Result<P, Failure> {
    serde_json::from_value(params)
        .map_err(|e| Failure::new(ErrorCode::InvalidParams, format!("invalid parameters: {e}")))
}

fn to_value(value: impl Serialize) -> Answer {
    serde_json::to_value(value).map_err(|e| Failure::new(ErrorCode::InternalError, e.to_string()))
}
