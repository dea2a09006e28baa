//! A language-server client for tests: starts `leadscore lsp` as a
//! process and speaks JSON-RPC to it over its standard input and output,
//! as an editor does. Answers are JSON values with the model directory's
//! URI replaced by `file:///MODEL`, so snapshots do not depend on where
//! the test ran.

// Each LSP test file uses its own part of this module.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use serde_json::{json, Value};

/// How long a test waits for one message before it fails.
const PATIENCE: Duration = Duration::from_secs(60);

pub struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    /// Notifications that arrived while waiting for something else.
    pending: VecDeque<Value>,
    next_id: i64,
    /// The model directory, whose URI answers are rewritten to `file:///MODEL`.
    pub dir: PathBuf,
    /// The server's answer to `initialize`.
    pub initialized: Value,
}

/// A fresh directory holding a copy of `examples/` (or nothing), under
/// cargo's temporary directory for tests.
pub fn model_dir(name: &str, with_examples: bool) -> PathBuf {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let n = COUNT.fetch_add(1, Ordering::SeqCst);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("lsp-{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temporary directory");
    if with_examples {
        copy_dir(Path::new("examples"), &dir);
    }
    dir.canonicalize().expect("canonical directory")
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("readable examples") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("a name"));
        if path.is_dir() {
            std::fs::create_dir_all(&target).expect("directory");
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}

/// The `file://` URI of a path.
pub fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// A frame of the wire: the header and the JSON body.
pub fn frame(body: &str) -> Vec<u8> {
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

impl Client {
    /// Starts the server in `dir` and initialises it (UTF-16 positions
    /// unless `encodings` offers others).
    pub fn start(dir: &Path) -> Client {
        Client::start_with(dir, json!(["utf-16"]))
    }

    pub fn start_with(dir: &Path, encodings: Value) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_leadscore"))
            .arg("lsp")
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("leadscore lsp starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (sender, incoming) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_frame(&mut reader) {
                if sender.send(message).is_err() {
                    return;
                }
            }
        });
        let mut client = Client {
            child,
            stdin,
            incoming,
            pending: VecDeque::new(),
            next_id: 1,
            dir: dir.to_path_buf(),
            initialized: Value::Null,
        };
        let root = uri(dir);
        let answer = client.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": root,
                "capabilities": {"general": {"positionEncodings": encodings}},
            }),
        );
        assert!(answer.get("result").is_some(), "initialize: {answer}");
        client.initialized = answer["result"].clone();
        client.notify("initialized", json!({}));
        client
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).expect("write to the server");
        self.stdin.flush().expect("flush");
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        let body = json!({"jsonrpc": "2.0", "method": method, "params": params}).to_string();
        self.send_raw(&frame(&body));
    }

    /// Sends a request and waits for its response (the whole message, with
    /// `result` or `error`), URIs made relative.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let body =
            json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string();
        self.send_raw(&frame(&body));
        self.response(&json!(id))
    }

    /// Waits for the response with this id.
    pub fn response(&mut self, id: &Value) -> Value {
        loop {
            let message = self.next_message();
            if message.get("method").is_none() && message.get("id") == Some(id) {
                return message;
            }
            self.pending.push_back(message);
        }
    }

    /// The result of a request; fails the test on an error answer.
    pub fn result(&mut self, method: &str, params: Value) -> Value {
        let answer = self.request(method, params);
        match answer.get("result") {
            Some(result) => result.clone(),
            None => panic!("{method} failed: {answer}"),
        }
    }

    fn next_message(&mut self) -> Value {
        let message = self
            .incoming
            .recv_timeout(PATIENCE)
            .expect("the server answers in time");
        let text = message
            .to_string()
            .replace(&uri(&self.dir), "file:///MODEL");
        serde_json::from_str(&text).expect("JSON")
    }

    /// Waits for the next notification of `method` (earlier ones that
    /// arrived meanwhile first).
    pub fn notification(&mut self, method: &str) -> Value {
        if let Some(i) = self
            .pending
            .iter()
            .position(|m| m.get("method").and_then(Value::as_str) == Some(method))
        {
            return self.pending.remove(i).expect("present");
        }
        loop {
            let message = self.next_message();
            if message.get("method").and_then(Value::as_str) == Some(method) {
                return message;
            }
            self.pending.push_back(message);
        }
    }

    /// Waits for the diagnostics published for `relative` (a path under
    /// the model directory) and returns them.
    pub fn diagnostics_for(&mut self, relative: &str) -> Value {
        let wanted = format!("file:///MODEL/{relative}");
        loop {
            let n = self.notification("textDocument/publishDiagnostics");
            if n["params"]["uri"] == json!(wanted) {
                return n["params"]["diagnostics"].clone();
            }
        }
    }

    /// Opens a file of the model directory with `text`; returns its URI.
    pub fn open(&mut self, relative: &str, text: &str) -> String {
        let uri = uri(&self.dir.join(relative));
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "leadscore", "version": 1, "text": text}}),
        );
        uri
    }

    /// Opens a file of the model directory as it is on disk.
    pub fn open_file(&mut self, relative: &str) -> String {
        let text = std::fs::read_to_string(self.dir.join(relative)).expect("readable model");
        self.open(relative, &text)
    }

    /// Replaces the whole text of an open document.
    pub fn change(&mut self, uri: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        );
    }

    /// The parameters of a request at a position of a document.
    pub fn at(uri: &str, line: u32, character: u32) -> Value {
        json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}})
    }

    /// Shuts the server down as an editor does; the exit status.
    pub fn shutdown(mut self) -> std::process::ExitStatus {
        let answer = self.request("shutdown", Value::Null);
        assert_eq!(answer["result"], Value::Null, "{answer}");
        self.notify("exit", Value::Null);
        self.child.wait().expect("the server exits")
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Forgets the notifications received so far.
    pub fn drain(&mut self) {
        self.pending.clear();
        while self.incoming.try_recv().is_ok() {}
    }

    /// Whether the process is still running.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The (line, character) of the first occurrence of `needle` in `text`
/// plus `extra` characters, in UTF-16 units as LSP counts them.
pub fn position_of(text: &str, needle: &str, extra: usize) -> (u32, u32) {
    let at = text.find(needle).expect("the needle is in the text");
    let before = &text[..at];
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..at].encode_utf16().count() + extra;
    (line as u32, column as u32)
}

fn read_frame(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(n) = line.strip_prefix("Content-Length: ") {
            length = n.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}
