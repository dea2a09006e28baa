//! The wire: LSP messages framed by `Content-Length` headers on standard
//! input and output. A thread reads ahead into a queue, so that the
//! server sees a whole burst of edits before it checks anything. A message
//! that is not JSON-RPC is answered with an error and skipped (its body is
//! read whole, so the stream stays in step); only the end of input stops
//! reading.

use std::io::{self, BufRead, Write};
use std::sync::mpsc::{self, Receiver};
use std::thread;

use lsp_server::{ErrorCode, Message};

/// What the reader hands the server.
pub enum Incoming {
    Message(Message),
    /// A message that could not be read as JSON-RPC: its id when it had
    /// one, the error code to answer with, and the reason.
    Malformed {
        id: serde_json::Value,
        code: ErrorCode,
        reason: String,
    },
}

/// Reads messages from `input` on a thread of its own until it ends.
pub fn spawn_reader(mut input: impl BufRead + Send + 'static) -> Receiver<Incoming> {
    let (sender, receiver) = mpsc::channel();
    let spawned = thread::Builder::new()
        .name("lsp-reader".to_string())
        .spawn(move || loop {
            let incoming = match read_body(&mut input) {
                Ok(Some(body)) => decode(&body),
                Ok(None) => return,
                Err(e) if e.kind() == io::ErrorKind::InvalidData => Incoming::Malformed {
                    id: serde_json::Value::Null,
                    code: ErrorCode::ParseError,
                    reason: e.to_string(),
                },
                Err(_) => return,
            };
            if sender.send(incoming).is_err() {
                return;
            }
        });
    if spawned.is_err() {
        // No reader: the receiver reports the end of input at once.
        let (_, closed) = mpsc::channel();
        return closed;
    }
    receiver
}

/// The body of the next message: `None` at the end of input. A bad header
/// is `InvalidData` after the headers were read, so the next message is
/// still found.
fn read_body(input: &mut impl BufRead) -> io::Result<Option<Vec<u8>>> {
    let mut length: Option<usize> = None;
    let mut bad_header = None;
    loop {
        let mut line = String::new();
        if input.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            break;
        }
        match line.split_once(':') {
            Some((name, value)) if name.eq_ignore_ascii_case("content-length") => {
                match value.trim().parse() {
                    Ok(n) => length = Some(n),
                    Err(_) => bad_header = Some(format!("bad Content-Length `{}`", value.trim())),
                }
            }
            Some(_) => {}
            None => bad_header = Some(format!("malformed header `{line}`")),
        }
    }
    let Some(length) = length.filter(|_| bad_header.is_none()) else {
        let reason = bad_header.unwrap_or_else(|| "no Content-Length header".to_string());
        return Err(io::Error::new(io::ErrorKind::InvalidData, reason));
    };
    let mut body = vec![0; length];
    input.read_exact(&mut body)?;
    Ok(Some(body))
}

/// A body as a message, or what is wrong with it.
fn decode(body: &[u8]) -> Incoming {
    let value: serde_json::Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(e) => {
            return Incoming::Malformed {
                id: serde_json::Value::Null,
                code: ErrorCode::ParseError,
                reason: format!("the message is not JSON: {e}"),
            }
        }
    };
    let id = value.get("id").cloned().unwrap_or_default();
    let invalid = |reason: &str| Incoming::Malformed {
        id: id.clone(),
        code: ErrorCode::InvalidRequest,
        reason: reason.to_string(),
    };
    let is_response = value.get("result").is_some() || value.get("error").is_some();
    match value.get("method") {
        Some(serde_json::Value::String(_)) => {}
        Some(_) => return invalid("the method is not a string"),
        None if is_response => {}
        None => return invalid("the message has no method"),
    }
    match serde_json::from_value::<Message>(value) {
        Ok(message) => Incoming::Message(message),
        Err(e) => invalid(&format!("the message is not JSON-RPC: {e}")),
    }
}

/// Writes messages to the client.
pub struct Writer<W: Write> {
    out: W,
}

impl<W: Write> Writer<W> {
    pub fn new(out: W) -> Self {
        Writer { out }
    }

    pub fn send(&mut self, message: Message) -> io::Result<()> {
        message.write(&mut self.out)?;
        self.out.flush()
    }

    /// An error response to a message that could not be read; its id is
    /// `null` when it had none.
    pub fn send_error(
        &mut self,
        id: &serde_json::Value,
        code: ErrorCode,
        reason: &str,
    ) -> io::Result<()> {
        let body = serde_json::json!({
            "jsonrpc": "2.0",
            "id": id,
            "error": {"code": code as i32, "message": reason},
        })
        .to_string();
        write!(self.out, "Content-Length: {}\r\n\r\n{body}", body.len())?;
        self.out.flush()
    }
}
