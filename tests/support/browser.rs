//! A real browser for the web inbox's tests: Debian's `chromedriver` on a
//! free loopback port driving a headless `chromium` with a fresh profile,
//! through fantoccini (WebDriver). fantoccini is built without TLS: the
//! driver is on 127.0.0.1, reached over plain HTTP with hyper-util's
//! connector. A scenario that fails leaves a PNG of the page it was on in
//! `target/browser-screenshots/<test>.png`, and its failure message says so.

#![allow(dead_code)]

use std::future::Future;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::{Client, ClientBuilder, Locator};

/// Where Debian installs them (packages `chromium`, `chromium-driver`).
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A chromedriver process and a session with a headless chromium in it.
pub struct Browser {
    driver: Child,
    pub client: Client,
    /// The browser's profile, removed with it.
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver on a free port and opens a headless chromium.
    pub async fn start() -> Browser {
        for path in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                std::path::Path::new(path).exists(),
                "{path} is missing: install Debian's chromium and chromium-driver \
                 (apt-get install chromium chromium-driver; .ci/run does)"
            );
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let url = format!("http://127.0.0.1:{port}");
        // chromedriver answers once it listens.
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                let _ = driver.kill();
                let _ = driver.wait();
                panic!("chromedriver did not listen on {url} within 10 s");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = tempfile::tempdir().expect("profile dir");
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1280,900",
            &format!("--user-data-dir={}", profile.path().display()),
        ];
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({ "binary": CHROMIUM, "args": args }),
        );
        let connected =
            ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps)
                .connect(&url)
                .await;
        let client = match connected {
            Ok(c) => c,
            Err(e) => {
                let _ = driver.kill();
                let _ = driver.wait();
                panic!("no chromium session through chromedriver at {url}: {e}");
            }
        };
        Browser {
            driver,
            client,
            _profile: profile,
        }
    }

    /// Runs `scenario` with the browser. When it panics, the page it was on
    /// is saved as `target/browser-screenshots/<test>.png` and the panic goes
    /// on with that path in its message; either way the browser is closed.
    pub async fn run<F, Fut>(self, test: &str, scenario: F)
    where
        F: FnOnce(Client) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let outcome = tokio::spawn(scenario(self.client.clone())).await;
        let failure = match outcome {
            Ok(()) => None,
            Err(e) => Some(match e.try_into_panic() {
                Ok(payload) => payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "the scenario panicked".into()),
                Err(e) => format!("the scenario was cancelled: {e}"),
            }),
        };
        let shot = match &failure {
            Some(_) => Some(save_screenshot(&self.client, &format!("{test}.png")).await),
            None => None,
        };
        let _ = self.client.clone().close().await;
        if let Some(message) = failure {
            let shot = match shot {
                Some(Ok(path)) => format!("screenshot of the page: {}", path.display()),
                Some(Err(e)) => format!("no screenshot: {e}"),
                None => String::new(),
            };
            panic!("{message}\n({shot})");
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Saves the page `client` is on as `target/browser-screenshots/NAME`.
pub async fn save_screenshot(client: &Client, name: &str) -> Result<PathBuf, String> {
    let png = client.screenshot().await.map_err(|e| e.to_string())?;
    let dir = screenshot_dir();
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join(name);
    std::fs::write(&path, png).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

/// `target/browser-screenshots` of this checkout.
pub fn screenshot_dir() -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser-screenshots")
}

/// Types `keys` into the page one key at a time, as a person would (to the
/// focused element, or the page when none is).
pub async fn press(client: &Client, keys: &str) {
    let mut actions = KeyActions::new("keyboard".into());
    for c in keys.chars() {
        actions = actions
            .then(KeyAction::Down { value: c })
            .then(KeyAction::Up { value: c });
    }
    client
        .perform_actions(actions)
        .await
        .unwrap_or_else(|e| panic!("pressing {keys:?}: {e}"));
}

/// Polls `probe` every 50 ms until it returns `Some`, for at most `secs`
/// seconds; panics naming `what` (with the last value seen) after that.
pub async fn eventually<T, P, Fut>(what: &str, secs: u64, mut probe: P) -> T
where
    P: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, String>>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut last = String::from("nothing yet");
    loop {
        match probe().await {
            Ok(Some(v)) => return v,
            Ok(None) => {}
            Err(e) => last = e,
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what} ({last})"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The attribute `attr` of the first element matching `css` (None: no such
/// element, or no such attribute).
pub async fn attr(client: &Client, css: &str, attr: &str) -> Option<String> {
    let el = client.find(Locator::Css(css)).await.ok()?;
    el.attr(attr).await.ok().flatten()
}

/// The visible text of the first element matching `css`.
pub async fn text(client: &Client, css: &str) -> Option<String> {
    let el = client.find(Locator::Css(css)).await.ok()?;
    el.text().await.ok()
}
