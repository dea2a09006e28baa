//! The server as the tests meet it: `leadscore serve` started as a
//! process on a free loopback port, and plain HTTP/1.1 spoken to it over
//! TCP, so that a test can send exactly the bytes it means (a broken
//! body, a slow one, a foreign `Host`).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A running `leadscore serve`; stopped (its own process, by its handle)
/// when dropped.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    client: Client,
    /// What the server has logged so far.
    pub log: Arc<Mutex<String>>,
}

impl Server {
    /// Starts `leadscore serve MODEL --listen 127.0.0.1:0 ARGS...` and
    /// waits for the address it listens on.
    pub fn start(model: &Path, args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_leadscore"))
            .arg("serve")
            .arg(model)
            .args(["--listen", "127.0.0.1:0", "--color", "never"])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("leadscore starts");
        let stderr = child.stderr.take().expect("stderr");
        let mut lines = BufReader::new(stderr);
        let mut first = String::new();
        lines.read_line(&mut first).expect("a first line");
        let Some(at) = first.find("on http://") else {
            let mut rest = String::new();
            let _ = lines.read_to_string(&mut rest);
            let _ = child.kill();
            panic!("the server did not start: {first}{rest}");
        };
        let addr_text = first[at + "on http://".len()..]
            .split_whitespace()
            .next()
            .expect("an address");
        let addr: SocketAddr = addr_text.parse().expect("an address");
        let log = Arc::new(Mutex::new(first.clone()));
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in lines.lines().map_while(Result::ok) {
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        Server {
            child,
            addr,
            client: Client { addr },
            log,
        }
    }

    /// The server's log so far.
    pub fn logged(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Waits until `/v1/model` satisfies `ready`, for up to 10 s.
    pub fn wait_for_model(&self, ready: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
        for _ in 0..200 {
            let model = self.get("/v1/model").json();
            if ready(&model) {
                return model;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "the model did not change as expected; log:\n{}",
            self.logged()
        );
    }

    /// Whether the process is still running.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl std::ops::Deref for Server {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.client
    }
}

/// Requests to a server, one connection each.
#[derive(Clone, Copy)]
pub struct Client {
    pub addr: SocketAddr,
}

impl Client {
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    pub fn get(&self, path: &str) -> Response {
        self.send("GET", path, &[], b"")
    }

    pub fn post(&self, path: &str, content_type: &str, body: &[u8]) -> Response {
        self.send("POST", path, &[("Content-Type", content_type)], body)
    }

    pub fn post_json(&self, path: &str, body: &serde_json::Value) -> Response {
        self.post(path, "application/json", body.to_string().as_bytes())
    }

    /// One request on a connection of its own, with `Host` and
    /// `Content-Length` set unless given.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Response {
        let mut head = format!("{method} {path} HTTP/1.1\r\n");
        if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
            head.push_str(&format!("Host: {}\r\n", self.addr));
        }
        if !headers.iter().any(|(n, _)| {
            n.eq_ignore_ascii_case("content-length") || n.eq_ignore_ascii_case("transfer-encoding")
        }) {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("Connection: close\r\n\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(body);
        self.raw(&bytes)
    }

    /// Sends bytes as they are and reads the answer to the end.
    pub fn raw(&self, bytes: &[u8]) -> Response {
        let mut stream = self.connect();
        stream.write_all(bytes).expect("sent");
        read_response(&mut stream)
    }

    pub fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(self.addr).expect("connects");
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .expect("timeout");
        stream
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// The `code` of an error answer, checking it is JSON with a message.
    pub fn code(&self) -> String {
        let json = self.json();
        assert!(
            json["message"].as_str().is_some_and(|m| !m.is_empty()),
            "an error has a message: {json}"
        );
        json["code"].as_str().expect("a code").to_string()
    }
}

/// Reads an HTTP/1.1 answer: status line, headers, then the body by its
/// length, chunked, or to the end of the connection.
pub fn read_response(stream: &mut TcpStream) -> Response {
    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line).expect("a status line");
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("a status line: {status_line:?}"));
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).expect("a header line");
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_string(), value.trim().to_string()));
        }
    }
    let find = |name: &str| {
        headers
            .iter()
            .find(|(n, _): &&(String, String)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let mut body = Vec::new();
    if find("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).expect("a chunk size");
            let size = usize::from_str_radix(size.trim(), 16).expect("a hex size");
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).expect("a chunk");
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else if let Some(length) = find("content-length").and_then(|v| v.parse::<usize>().ok()) {
        body.resize(length, 0);
        reader.read_exact(&mut body).expect("the body");
    } else {
        let _ = reader.read_to_end(&mut body);
    }
    Response {
        status,
        headers,
        body,
    }
}

/// A directory of its own for a test, with the example model copied in
/// (the server may write to it).
pub fn example_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("leadscore-serve-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(Path::new("examples"), &dir);
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A directory with one small model file and nothing else.
pub fn model_dir(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("leadscore-serve-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("model.score"), text).unwrap();
    dir
}

/// Replaces a file's content in one rename, as editors and `git` do.
pub fn replace(path: &Path, text: &str) {
    let temp = path.with_extension("tmp-edit");
    std::fs::write(&temp, text).unwrap();
    std::fs::rename(&temp, path).unwrap();
}
