//! A daemon serving the web inbox on a free loopback port, over a database
//! polled from a fixture feed, with one web user added through the real
//! `earshot user add --password-stdin`; and a plain HTTP client that logs
//! in through the login form (no browser), for the page tests and the
//! browser scenario alike.

use std::io::Write;
use std::process::{Child, Stdio};

use super::{free_port, start_daemon, terminate, wait_until, Env, Route, Server, ACME};

/// The web user every inbox test logs in as.
pub const USER: &str = "sanne";
pub const PASSWORD: &str = "correct horse battery";

/// One item of the fixture feed.
pub struct Item<'a> {
    pub guid: &'a str,
    pub title: &'a str,
    pub text: &'a str,
    /// The item's `<link>`; `http://example.nl/GUID` when `None`.
    pub link: Option<&'a str>,
}

/// The fixture server, the env, and `earshot run` serving `[web]`.
pub struct WebInbox {
    pub server: Server,
    pub env: Env,
    pub daemon: Child,
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub base: String,
}

impl WebInbox {
    /// Polls a feed of `items` for the `acme` and `globex` watches (in
    /// `[daemon] timezone = "Europe/Amsterdam"`), adds [`USER`], and starts
    /// the daemon with the web inbox on a free port.
    pub async fn start(items: &[Item<'_>]) -> WebInbox {
        let server = Server::start().await;
        server.route("/f.rss", Route::ok("application/rss+xml", feed(items)));
        let source = format!(
            "[[source]]\nname = \"nieuws\"\nkind = \"feed\"\nurl = \"{}\"\ninterval = \"1h\"\n",
            server.url("/f.rss")
        );
        WebInbox::start_with(server, &source).await
    }

    /// As [`WebInbox::start`], polling `source` (a `[[source]]` block
    /// reading from `server`, whose routes the caller has set) instead.
    pub async fn start_with(server: Server, source: &str) -> WebInbox {
        let port = free_port();
        let env = Env::new(&format!(
            "[daemon]\ntimezone = \"Europe/Amsterdam\"\n\n[web]\nlisten = \"127.0.0.1:{port}\"\n\n\
             {ACME}\n[[watch]]\nname = \"globex\"\nterms = [\"Globex\"]\n\n{source}"
        ));
        env.ok(&["poll"]).await;
        add_user(&env, USER, PASSWORD).await;
        let daemon = start_daemon(&env, &[]);
        let base = format!("http://127.0.0.1:{port}");
        let healthz = format!("{base}/healthz");
        wait_until("the web inbox to answer /healthz", 10, async || {
            reqwest::get(&healthz)
                .await
                .is_ok_and(|r| r.status().is_success())
        })
        .await;
        WebInbox {
            server,
            env,
            daemon,
            base,
        }
    }

    /// SIGTERM, and the daemon must stop cleanly.
    pub fn stop(mut self) {
        terminate(&mut self.daemon);
    }

    /// The mentions `mentions list ARGS --format json` prints (all of them).
    pub async fn mentions(&self, args: &[&str]) -> Vec<serde_json::Value> {
        self.env.mentions_json(args).await
    }
}

/// An RSS 2.0 feed of `items` (title and text as given: XML-escape them).
fn feed(items: &[Item<'_>]) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel>\
         <title>Nieuws</title><link>http://example.nl/</link><description>d</description>",
    );
    for i in items {
        let link = match i.link {
            Some(l) => l.to_string(),
            None => format!("http://example.nl/{}", i.guid),
        };
        s.push_str(&format!(
            "<item><title>{}</title><link>{link}</link><guid>{}</guid><description>{}</description></item>",
            i.title, i.guid, i.text
        ));
    }
    s.push_str("</channel></rss>");
    s
}

impl Drop for WebInbox {
    /// A test that failed before [`WebInbox::stop`] leaves no daemon behind.
    fn drop(&mut self) {
        if let Ok(None) = self.daemon.try_wait() {
            let _ = self.daemon.kill();
            let _ = self.daemon.wait();
        }
    }
}

/// `earshot user add NAME --password-stdin` with `password` on standard input.
pub async fn add_user(env: &Env, name: &str, password: &str) {
    let config = env.config_path();
    let (name, password) = (name.to_string(), password.to_string());
    let out = tokio::task::spawn_blocking(move || {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_earshot"))
            .arg("--config")
            .arg(config)
            .args(["user", "add", &name, "--password-stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start earshot user add");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(format!("{password}\n").as_bytes())
            .expect("write the password");
        child.wait_with_output().expect("earshot user add")
    })
    .await
    .expect("join");
    assert!(
        out.status.success(),
        "earshot user add failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A logged-in HTTP client: cookies carried by hand (reqwest is built
/// without its cookie store), redirects not followed, so each answer is
/// what the server said.
pub struct Session {
    pub client: reqwest::Client,
    pub base: String,
    pub cookie: String,
}

/// The `value` of the first `<input … name="NAME" value="…">` or `<meta
/// name="NAME" content="…">` in `html`.
pub fn field(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\""))?;
    let rest = &html[at..];
    let key = if html[..at].ends_with("<meta ") {
        "content=\""
    } else {
        "value=\""
    };
    let start = rest.find(key)? + key.len();
    let end = rest[start..].find('"')?;
    Some(rest[start..start + end].to_string())
}

/// The `NAME=value` of a `Set-Cookie` answer header named `name`.
fn set_cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(str::to_string)
}

impl Session {
    /// Logs in through `GET /login` and `POST /login`, as a browser would.
    pub async fn login(base: &str, user: &str, password: &str) -> Session {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let form = client
            .get(format!("{base}/login"))
            .send()
            .await
            .expect("GET /login");
        let login_cookie = form
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .map(str::to_string)
            .collect::<Vec<_>>()
            .join("; ");
        let html = form.text().await.expect("login page");
        let csrf = field(&html, "csrf").expect("the login form's csrf field");
        let answer = client
            .post(format!("{base}/login"))
            .header(reqwest::header::COOKIE, login_cookie)
            .form(&[
                ("name", user),
                ("password", password),
                ("csrf", &csrf),
                ("next", "/"),
            ])
            .send()
            .await
            .expect("POST /login");
        assert_eq!(answer.status(), 303, "login as {user}");
        let cookie = set_cookie(&answer, "earshot_session").expect("a session cookie");
        Session {
            client,
            base: base.to_string(),
            cookie,
        }
    }

    /// `GET PATH` with the session.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .header(reqwest::header::COOKIE, &self.cookie)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// `GET PATH`'s status and body.
    pub async fn page(&self, path: &str) -> (u16, String) {
        let r = self.get(path).await;
        let status = r.status().as_u16();
        (status, r.text().await.expect("body"))
    }

    /// `POST PATH` with a url-encoded form, as a page without JavaScript sends it.
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.base))
            .header(reqwest::header::COOKIE, &self.cookie)
            .form(form)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"))
    }
}
