//! The workbench in a real browser: Debian's headless Chromium, driven over
//! WebDriver (chromedriver) with fantoccini. Type a rule with a mistake,
//! see the diagnostic, fix it, see the sample table change, open a lead's
//! breakdown, save, and see the file on disk change.
//!
//! Ignored by default (it needs `chromium` and `chromium-driver`, which
//! `.ci/setup-browser` installs); CI runs it with
//! `cargo test --test serve_browser -- --ignored`. With
//! `LEADSCORE_SCREENSHOTS=DIR` it also writes screenshots of the page
//! there (docs/images holds the ones docs/serving.md shows).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod serve_support;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use serve_support::{example_dir, Server};

/// chromedriver, on a free loopback port; stopped when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start() -> Driver {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver is installed (.ci/setup-browser)");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        Driver { child, port }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn browser(driver: &Driver, profile: &std::path::Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".to_string(),
        json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--window-size=1600,1000",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a browser session")
}

/// Waits until `check` gives `Some`, for up to 20 s.
async fn until<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn text_of(client: &Client, css: &str) -> String {
    match client.find(Locator::Css(css)).await {
        Ok(element) => element.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

async fn screenshot(client: &Client, name: &str) {
    if let Ok(dir) = std::env::var("LEADSCORE_SCREENSHOTS") {
        let png = client.screenshot().await.unwrap();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(std::path::Path::new(&dir).join(name), png).unwrap();
    }
}

// WebDriver's keys: Shift and Control (held until the NULL key), Home, End, Enter.
const SHIFT: &str = "\u{E008}";
const HOME: &str = "\u{E011}";
const END: &str = "\u{E010}";
const CONTROL: &str = "\u{E009}";
const RELEASE: &str = "\u{E000}";
const ENTER: &str = "\u{E007}";

#[test]
#[ignore = "needs chromium and chromium-driver: run with --ignored (CI does)"]
fn edit_check_score_explain_and_save_in_a_browser() {
    let dir = example_dir("browser");
    let model = dir.join("b2b-saas.score");
    let sample = dir.join("leads.ndjson");
    let server = Server::start(
        &model,
        &[
            "--as-of",
            "2026-11-20",
            "--sample",
            sample.to_str().unwrap(),
        ],
    );
    let url = format!("http://{}/", server.addr);
    let driver = Driver::start();
    let profile = dir.join(".chromium-profile");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = browser(&driver, &profile).await;
        client.goto(&url).await.unwrap();
        // The page loads the model and scores the sample.
        until("the sample table", || async {
            let rows = client
                .find_all(Locator::Css("#leads tbody tr"))
                .await
                .ok()?;
            (rows.len() == 58).then_some(())
        })
        .await;
        let before = text_of(&client, "#leads tbody tr[data-id='L-001'] td.score").await;
        screenshot(&client, "workbench.png").await;

        // Type a rule with a misspelt field at the end of the model.
        let editor = client.find(Locator::Css(".cm-content")).await.unwrap();
        editor.click().await.unwrap();
        editor
            .send_keys(&format!(
                "{CONTROL}{END}{RELEASE}{ENTER}when contry = US -30 \"browser test\""
            ))
            .await
            .unwrap();
        let problem = until("the diagnostic", || async {
            let text = text_of(&client, "#problems").await;
            text.contains("E006").then_some(text)
        })
        .await;
        assert!(problem.contains("contry"), "{problem}");
        assert!(
            client
                .find(Locator::Css(".cm-lintRange-error"))
                .await
                .is_ok(),
            "the mistake is underlined in the editor"
        );
        assert!(!client
            .find(Locator::Css("#save"))
            .await
            .unwrap()
            .is_enabled()
            .await
            .unwrap());
        screenshot(&client, "workbench-diagnostic.png").await;

        // Fix it: select the line and type it again.
        editor
            .send_keys(&format!(
                "{SHIFT}{HOME}{RELEASE}when country = US -30 \"browser test\""
            ))
            .await
            .unwrap();
        until("the diagnostic to clear", || async {
            let text = text_of(&client, "#problems").await;
            (!text.contains("E006")).then_some(())
        })
        .await;
        // The table is scored again with the rule: L-001 (in the US) moves.
        let after = until("the table to change", || async {
            let now = text_of(&client, "#leads tbody tr[data-id='L-001'] td.score").await;
            (!now.is_empty() && now != before).then_some(now)
        })
        .await;
        let change = text_of(&client, "#leads tbody tr[data-id='L-001'] td.change").await;
        assert!(
            change.starts_with('-'),
            "the change column shows the drop: {change}"
        );
        assert_ne!(after, before);
        let diff = text_of(&client, "#diff").await;
        assert!(diff.contains("rules: 1 added"), "{diff}");

        // A lead's breakdown, on click.
        client
            .find(Locator::Css("#leads tbody tr[data-id='L-001']"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let breakdown = until("the breakdown", || async {
            let text = text_of(&client, "#breakdown").await;
            text.contains("browser test").then_some(text)
        })
        .await;
        assert!(breakdown.contains("L-001"), "{breakdown}");
        screenshot(&client, "workbench-breakdown.png").await;

        // Save: the file on disk changes.
        let on_disk = std::fs::read_to_string(&model).unwrap();
        assert!(!on_disk.contains("browser test"));
        client
            .find(Locator::Css("#save"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        until("the file to be saved", || async {
            let text = std::fs::read_to_string(&model).ok()?;
            text.contains("when country = US -30 \"browser test\"")
                .then_some(())
        })
        .await;
        until("the page to say saved", || async {
            (text_of(&client, "#status").await == "saved").then_some(())
        })
        .await;
        client.close().await.unwrap();
    });
    // The server serves the saved model.
    let scored = server.post(
        "/v1/score",
        "application/json",
        std::fs::read_to_string(&sample)
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .as_bytes(),
    );
    assert!(scored.text().contains("\"L-001\""));
    let explained = server.post(
        "/v1/score?explain=true",
        "application/json",
        std::fs::read_to_string(&sample)
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .as_bytes(),
    );
    assert!(
        explained.text().contains("browser test"),
        "{}",
        explained.text()
    );
}
