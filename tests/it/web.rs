//! Issue #13, the web inbox's core through the real binary: `earshot run`
//! with `[web] listen` on a free loopback port, users and tokens made with
//! `earshot user …` and `earshot token …`, and reqwest as the browser or the
//! script: login, wrong passwords, rate limits, session expiry and
//! revocation, CSRF, the API's tokens, every API action in the history,
//! hostile text, security headers, the API matching the command line, and
//! the config's refusals.

use std::net::IpAddr;
use std::process::Child;

use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::{
    by_title, free_port, rss, spawn_daemon, terminate, wait_until, Env, Route, Server, ACME,
};

const A: &str = "Acme Telecom storing in Delft";
const B: &str = "Acme Telecom factuur klopt niet";
const C: &str = "Acme Telecom wacht al een week";
/// A title written to attack whoever shows it: markup, a script, a bidi
/// override that turns `exe.png` into `gnp.exe`.
const HOSTILE: &str =
    "<script>alert(1)</script><img src=x onerror=alert(2)> Acme Telecom factuur \u{202e}gnp.exe";
const PASSWORD: &str = "correct horse battery";

/// A polled database with four acme mentions (one hostile, linking to
/// `javascript:`), a user `sanne` and a daemon serving the web inbox.
struct Web {
    _server: Server,
    env: Env,
    daemon: Child,
    base: String,
}

impl Web {
    async fn start(extra_web: &str) -> Web {
        let server = Server::start().await;
        let hostile_item = format!(
            "<item><title>{}</title><link>javascript:alert(3)</link><guid>h</guid><description>{}</description></item>",
            xml_escape(&xml_escape(HOSTILE)),
            xml_escape(&xml_escape(HOSTILE))
        );
        let feed = rss(&[("a", A), ("b", B), ("c", C)])
            .replace("</channel>", &format!("{hostile_item}</channel>"));
        server.route("/f.rss", Route::ok("application/rss+xml", feed));
        let port = free_port();
        let env = Env::new(&format!(
            "{ACME}\n[[source]]\nname = \"f\"\nkind = \"feed\"\nurl = \"{}\"\ninterval = \"1h\"\n\n\
             [web]\nlisten = \"127.0.0.1:{port}\"\n{extra_web}\n",
            server.url("/f.rss")
        ));
        env.ok(&["poll"]).await;
        assert_eq!(env.mentions_json(&[]).await.len(), 4);
        add_user(&env, "sanne", PASSWORD).await;
        let daemon = spawn_daemon(&env, &[], std::process::Stdio::null());
        let base = format!("http://127.0.0.1:{port}");
        let web = Web {
            _server: server,
            env,
            daemon,
            base,
        };
        let health = format!("{}/healthz", web.base);
        wait_until("the web inbox to answer /healthz", 15, async || {
            client()
                .get(&health)
                .send()
                .await
                .is_ok_and(|r| r.status() == 200)
        })
        .await;
        web
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn id(&self, title: &str) -> i64 {
        by_title(&self.env.mentions_json(&[]).await, title)["id"]
            .as_i64()
            .expect("id")
    }

    fn stop(mut self) {
        terminate(&mut self.daemon);
    }
}

/// Text escaped for XML; a title escaped twice reads as markup once the
/// feed's XML and the title's HTML are decoded.
fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A client that does not follow redirects (the tests look at them).
fn client() -> reqwest::Client {
    client_from("127.0.0.1".parse().expect("ip"))
}

/// A client whose connections come from `ip` (any 127.0.0.0/8 address).
fn client_from(ip: IpAddr) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .local_address(ip)
        .build()
        .expect("client")
}

/// `earshot user add NAME --password-stdin` with `password` on stdin.
async fn add_user(env: &Env, name: &str, password: &str) {
    let out = with_stdin(env, &["user", "add", name, "--password-stdin"], password).await;
    assert!(
        out.status.success(),
        "user add failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `earshot ARGS` with `input` (and a line break) on its standard input.
async fn with_stdin(env: &Env, args: &[&str], input: &str) -> std::process::Output {
    let config = env.config_path();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let input = format!("{input}\n");
    tokio::task::spawn_blocking(move || {
        assert_cmd::Command::cargo_bin("earshot")
            .expect("earshot binary")
            .arg("--config")
            .arg(config)
            .args(args)
            .write_stdin(input)
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .expect("run earshot")
    })
    .await
    .expect("join")
}

/// An answer's body as JSON.
async fn json_of(r: reqwest::Response) -> Value {
    let text = r.text().await.expect("body");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// The value of cookie `name` set by an answer.
fn set_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            let (pair, _) = v.split_once(';').unwrap_or((v, ""));
            let (k, val) = pair.split_once('=')?;
            (k == name).then(|| val.to_string())
        })
}

/// The whole `Set-Cookie` line of cookie `name`.
fn set_cookie_line(headers: &HeaderMap, name: &str) -> String {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no Set-Cookie for {name} in {headers:?}"))
        .to_string()
}

/// The `value` of the hidden input named `csrf` in a page.
fn csrf_in(page: &str) -> String {
    // The `<input …>` tag that has name="csrf", whatever the order of its
    // attributes.
    let tag = page
        .split('<')
        .find(|t| t.starts_with("input") && t.contains("name=\"csrf\""))
        .unwrap_or_else(|| panic!("no csrf field in {page}"));
    let value = &tag[tag.find("value=\"").expect("a value") + "value=\"".len()..];
    value[..value.find('"').expect("end of value")].to_string()
}

/// The login form: its cookie and its CSRF token.
async fn login_form(client: &reqwest::Client, web: &Web) -> (String, String) {
    let r = client
        .get(web.url("/login"))
        .send()
        .await
        .expect("GET /login");
    assert_eq!(r.status(), 200);
    let cookie = set_cookie(r.headers(), "earshot_login").expect("login cookie");
    let page = r.text().await.expect("body");
    (cookie, csrf_in(&page))
}

/// POST /login as `name` with `password`, from `client`.
async fn post_login(
    client: &reqwest::Client,
    web: &Web,
    name: &str,
    password: &str,
) -> reqwest::Response {
    let (cookie, csrf) = login_form(client, web).await;
    client
        .post(web.url("/login"))
        .header("cookie", format!("earshot_login={cookie}"))
        .form(&[
            ("name", name),
            ("password", password),
            ("csrf", &csrf),
            ("next", "/"),
        ])
        .send()
        .await
        .expect("POST /login")
}

/// A logged-in browser: its session cookie and the session's CSRF token.
struct Session {
    cookie: String,
    csrf: String,
}

async fn log_in(web: &Web, name: &str, password: &str) -> Session {
    let c = client();
    let r = post_login(&c, web, name, password).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "login as {name}");
    let id = set_cookie(r.headers(), "earshot_session").expect("session cookie");
    let cookie = format!("earshot_session={id}");
    let me = json_of(
        c.get(web.url("/api/me"))
            .header("cookie", &cookie)
            .send()
            .await
            .expect("GET /api/me"),
    )
    .await;
    assert_eq!(me["name"], name);
    Session {
        csrf: me["csrf"].as_str().expect("a session's csrf").to_string(),
        cookie,
    }
}

/// GET `path` with `session`'s cookie: its status (and where it redirects).
async fn get_page(web: &Web, session: &Session, path: &str) -> (u16, Option<String>) {
    let r = client()
        .get(web.url(path))
        .header("cookie", &session.cookie)
        .send()
        .await
        .expect("GET");
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().expect("ascii").to_string());
    (r.status().as_u16(), location)
}

fn assert_security_headers(headers: &HeaderMap, what: &str) {
    for (name, value) in [
        (
            "content-security-policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        ("x-content-type-options", "nosniff"),
    ] {
        assert_eq!(
            headers.get(name).and_then(|v| v.to_str().ok()),
            Some(value),
            "{name} on {what}"
        );
    }
}

/// The login page's text without its one-time CSRF token, to compare two
/// answers.
fn without_token(page: &str) -> String {
    page.replace(&csrf_in(page), "TOKEN")
}

#[tokio::test(flavor = "multi_thread")]
async fn issue13_login_logout_and_the_same_answer_for_an_unknown_name() {
    let web = Web::start("").await;
    let c = client();

    // Open without a login: /healthz only.
    let r = c.get(web.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_security_headers(r.headers(), "/healthz");
    assert_eq!(r.text().await.unwrap(), "ok\n");
    let r = c.get(web.url("/?state=open")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers()["location"],
        "/login?next=%2F%3Fstate%3Dopen",
        "pages redirect to the login page, coming back after"
    );
    assert_security_headers(r.headers(), "a redirect");
    let r = c.get(web.url("/api/mentions")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_security_headers(r.headers(), "a 401");
    let body: Value = json_of(r).await;
    assert!(body["error"].as_str().unwrap().contains("token"), "{body}");

    // A wrong password and an unknown name: the same status and page.
    let wrong = post_login(&c, &web, "sanne", "not the password").await;
    assert_eq!(wrong.status(), 401);
    assert!(set_cookie(wrong.headers(), "earshot_session").is_none());
    let wrong = wrong.text().await.unwrap();
    assert!(wrong.contains("wrong name or password"), "{wrong}");
    let unknown = post_login(&c, &web, "nobody", "not the password").await;
    assert_eq!(unknown.status(), 401);
    let unknown = unknown.text().await.unwrap();
    assert_eq!(
        without_token(&wrong).replace("value=\"sanne\"", "value=\"nobody\""),
        without_token(&unknown)
    );

    // The right password: a session cookie as the issue asks, then the inbox.
    let r = post_login(&c, &web, "sanne", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/");
    let line = set_cookie_line(r.headers(), "earshot_session");
    for part in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(line.contains(part), "{line}");
    }
    assert!(!line.contains("Secure"), "http base: {line}");
    let cookie = format!(
        "earshot_session={}",
        set_cookie(r.headers(), "earshot_session").unwrap()
    );
    let r = c
        .get(web.url("/"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_security_headers(r.headers(), "the inbox");
    // The session also opens the API (reading needs no CSRF token).
    let r = c
        .get(web.url("/api/mentions"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let me = json_of(
        c.get(web.url("/api/me"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(me["name"], "sanne");
    let session = Session {
        csrf: me["csrf"].as_str().unwrap().to_string(),
        cookie,
    };

    // Logging out ends the session in the database, not only in the browser.
    let r = c
        .post(web.url("/logout"))
        .header("cookie", &session.cookie)
        .form(&[("csrf", session.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(set_cookie_line(r.headers(), "earshot_session").contains("Max-Age=0"));
    assert_eq!(get_page(&web, &session, "/").await.0, 303);
    web.stop();
}

/// The login page speaks the pages' language (the `lang` cookie, else
/// `Accept-Language`) in the pages' frame: their stylesheet, header and
/// footer with the language switch, but no navigation and no session token.
#[tokio::test(flavor = "multi_thread")]
async fn issue13_the_login_page_speaks_dutch_in_the_pages_frame() {
    let web = Web::start("").await;
    let c = client();
    let get = |path: &str, cookie: Option<&str>| {
        let mut r = c
            .get(web.url(path))
            .header("accept-language", "nl-NL,nl;q=0.9,en;q=0.5");
        if let Some(cookie) = cookie {
            r = r.header("cookie", cookie);
        }
        r.send()
    };
    let r = get("/login?next=/sources", None).await.expect("GET /login");
    assert_eq!(r.status(), 200);
    let login_cookie = set_cookie(r.headers(), "earshot_login").expect("login cookie");
    let page = r.text().await.expect("body");
    for dutch in [
        "<html lang=\"nl\">",
        "<title>Inloggen · earshot</title>",
        "<label for=\"name\">Naam</label>",
        "<label for=\"password\">Wachtwoord</label>",
        "<button type=\"submit\">Inloggen</button>",
        "Tijden in Europe/Amsterdam",
        // The switch comes back to this login, and from it to the page asked for.
        "href=\"/lang/en?next=%2Flogin%3Fnext%3D%252Fsources\"",
    ] {
        assert!(page.contains(dutch), "{dutch}: {page}");
    }
    assert!(page.contains("<link rel=\"stylesheet\" href=\"/assets/earshot.css\">"));
    assert!(page.contains("<header class=\"top\">"), "{page}");
    assert!(
        !page.contains("<nav>"),
        "no navigation before login: {page}"
    );
    assert!(!page.contains("Log in"), "{page}");
    assert_eq!(
        page.matches("name=\"csrf\"").count(),
        1,
        "only the login form's own token: {page}"
    );

    // A wrong password, answered in Dutch.
    let wrong = c
        .post(web.url("/login"))
        .header("cookie", format!("earshot_login={login_cookie}"))
        .header("accept-language", "nl")
        .form(&[
            ("name", "sanne"),
            ("password", "niet het wachtwoord"),
            ("csrf", &csrf_in(&page)),
            ("next", "/"),
        ])
        .send()
        .await
        .expect("POST /login");
    assert_eq!(wrong.status(), 401);
    let wrong = wrong.text().await.expect("body");
    assert!(wrong.contains("verkeerde naam of wachtwoord"), "{wrong}");

    // The switch works before login; its cookie wins over Accept-Language.
    let r = get("/lang/en?next=/login", None)
        .await
        .expect("GET /lang/en");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/login");
    assert_eq!(set_cookie(r.headers(), "lang").as_deref(), Some("en"));
    let page = get("/login", Some("lang=en"))
        .await
        .expect("GET /login")
        .text()
        .await
        .expect("body");
    assert!(
        page.contains("<html lang=\"en\">")
            && page.contains("<button type=\"submit\">Log in</button>"),
        "{page}"
    );
    web.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn issue13_failed_logins_are_limited_per_address_and_per_name() {
    let web = Web::start("").await;
    add_user(&web.env, "joost", PASSWORD).await;
    let here = client_from("127.0.0.1".parse().unwrap());
    for _ in 0..5 {
        let r = post_login(&here, &web, "sanne", "guess").await;
        assert_eq!(r.status(), 401);
    }
    // The sixth try is refused before the password is looked at, even the right one.
    let r = post_login(&here, &web, "sanne", PASSWORD).await;
    assert_eq!(r.status(), 429);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((800..=900).contains(&retry), "Retry-After: {retry}");
    assert_security_headers(r.headers(), "a 429");
    // Per name: sanne from another address is refused too.
    let there = client_from("127.0.0.2".parse().unwrap());
    assert_eq!(
        post_login(&there, &web, "sanne", PASSWORD).await.status(),
        429
    );
    // Per address: this address is refused for joost as well…
    assert_eq!(
        post_login(&here, &web, "joost", PASSWORD).await.status(),
        429
    );
    // …while joost from elsewhere logs in.
    assert_eq!(
        post_login(&there, &web, "joost", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    web.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn issue13_sessions_expire_and_end_with_a_new_password_or_the_user() {
    let web =
        Web::start("session_lifetime = \"5m\"\nbase_url = \"https://earshot.example.nl/\"\n").await;
    let c = client();
    let r = post_login(&c, &web, "sanne", PASSWORD).await;
    let line = set_cookie_line(r.headers(), "earshot_session");
    assert!(line.contains("Max-Age=300"), "{line}");
    assert!(line.contains("; Secure"), "https base_url: {line}");
    let cookie = format!(
        "earshot_session={}",
        set_cookie(r.headers(), "earshot_session").unwrap()
    );
    let session = Session {
        cookie,
        csrf: String::new(),
    };
    assert_eq!(get_page(&web, &session, "/").await.0, 200);
    let users = web
        .env
        .json_lines(&["user", "list", "--format", "json"])
        .await;
    assert_eq!(users[0]["name"], "sanne");
    assert_eq!(users[0]["sessions"], 1);

    // The database's expires_at is what counts: five minutes from the login…
    let db = rusqlite::Connection::open(web.env.db_path()).unwrap();
    let (created, expires): (i64, i64) = db
        .query_row("SELECT created_at, expires_at FROM sessions", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(expires - created, 300);
    // …and once it has passed, the cookie opens nothing.
    db.execute(
        "UPDATE sessions SET expires_at = ?1",
        [chrono::Utc::now().timestamp()],
    )
    .unwrap();
    assert_eq!(
        get_page(&web, &session, "/").await,
        (303, Some("/login".to_string()))
    );
    let r = client()
        .get(web.url("/api/mentions"))
        .header("cookie", &session.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // A new password ends the sessions at once.
    let session = log_in(&web, "sanne", PASSWORD).await;
    assert_eq!(get_page(&web, &session, "/").await.0, 200);
    let out = with_stdin(
        &web.env,
        &["user", "passwd", "sanne", "--password-stdin"],
        "a new password",
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(get_page(&web, &session, "/").await.0, 303);
    assert_eq!(
        post_login(&c, &web, "sanne", PASSWORD).await.status(),
        401,
        "the old password is gone"
    );

    // Removing the user ends theirs too.
    let session = log_in(&web, "sanne", "a new password").await;
    assert_eq!(get_page(&web, &session, "/").await.0, 200);
    web.env.ok(&["user", "remove", "sanne"]).await;
    assert_eq!(get_page(&web, &session, "/").await.0, 303);
    assert!(web
        .env
        .json_lines(&["user", "list", "--format", "json"])
        .await
        .is_empty());
    // An unknown name is a usage error naming it.
    let out = web.env.run(&["user", "remove", "sanne"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no user named \"sanne\""));
    web.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn issue13_state_changing_requests_need_the_csrf_token() {
    let web = Web::start("").await;
    let session = log_in(&web, "sanne", PASSWORD).await;
    let other = log_in(&web, "sanne", PASSWORD).await;
    assert_ne!(other.csrf, session.csrf);
    let id = web.id(A).await;
    let c = client();
    // A form POST (logout) without the token, with a made-up one and with
    // another session's: refused, and the session lives on.
    for token in [None, Some("0".repeat(64)), Some(other.csrf.clone())] {
        let mut form = vec![("next", "/".to_string())];
        if let Some(t) = token.clone() {
            form.push(("csrf", t));
        }
        let r = c
            .post(web.url("/logout"))
            .header("cookie", &session.cookie)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "token {token:?}");
        assert_security_headers(r.headers(), "a 403");
        assert_eq!(get_page(&web, &session, "/").await.0, 200, "{token:?}");
    }
    // A page's form POST to triage (whatever its path) is refused by the
    // same layer, before any handler runs.
    for path in [
        format!("/mentions/{id}/handle"),
        format!("/mentions/{id}/action"),
    ] {
        let r = c
            .post(web.url(&path))
            .header("cookie", &session.cookie)
            .form(&[("action", "handle")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{path}");
    }
    // The API with a session: X-CSRF-Token, or 403.
    let act = format!("/api/mentions/{id}/actions");
    for token in [None, Some(other.csrf.as_str())] {
        let mut req = c
            .post(web.url(&act))
            .header("cookie", &session.cookie)
            .header("content-type", "application/json")
            .body(json!({"action": "handle"}).to_string());
        if let Some(t) = token {
            req = req.header("x-csrf-token", t);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 403);
        let body: Value = json_of(r).await;
        assert!(body["error"].as_str().unwrap().contains("CSRF"), "{body}");
    }
    // The login form without its cookie.
    let (_, csrf) = login_form(&c, &web).await;
    let r = c
        .post(web.url("/login"))
        .form(&[("name", "sanne"), ("password", PASSWORD), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(set_cookie(r.headers(), "earshot_session").is_none());
    // Nothing changed.
    assert_eq!(
        by_title(&web.env.mentions_json(&[]).await, A)["state"],
        "new"
    );
    assert!(web
        .env
        .json_lines(&["mentions", "history", &id.to_string(), "--format", "json"])
        .await
        .is_empty());

    // With the token: the API acts as the user, the form logs out.
    let r = c
        .post(web.url(&act))
        .header("cookie", &session.cookie)
        .header("x-csrf-token", &session.csrf)
        .header("content-type", "application/json")
        .body(json!({"action": "label", "label": "complaint"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let history = web
        .env
        .json_lines(&["mentions", "history", &id.to_string(), "--format", "json"])
        .await;
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(history[0]["by"], "sanne");
    let r = c
        .post(web.url("/logout"))
        .header("cookie", &session.cookie)
        .form(&[("csrf", session.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(get_page(&web, &session, "/").await.0, 303);
    assert_eq!(
        get_page(&web, &other, "/").await.0,
        200,
        "only this session ended"
    );
    web.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn issue13_the_api_takes_only_an_active_token() {
    let web = Web::start("").await;
    let c = client();
    let list = web.url("/api/mentions");
    for auth in [
        None,
        Some("Bearer"),
        Some("Bearer nonsense"),
        Some("Bearer earshot_00"),
    ] {
        let mut req = c.get(&list);
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 401, "{auth:?}");
        assert!(json_of(r).await["error"].is_string());
    }
    let token = web.env.ok(&["token", "create", "dashboard"]).await;
    let token = token.trim();
    assert!(token.starts_with("earshot_") && token.len() > 60, "{token}");
    let bearer = format!("Bearer {token}");
    let r = c
        .get(&list)
        .header("authorization", &bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/json");
    assert_security_headers(r.headers(), "an API answer");
    assert_eq!(json_of(r).await["mentions"].as_array().unwrap().len(), 4);
    // Listed without the token itself, with its last use.
    let listed = web.env.ok(&["token", "list", "--format", "json"]).await;
    assert!(!listed.contains(token), "{listed}");
    let listed: Value = serde_json::from_str(listed.trim()).unwrap();
    assert_eq!(listed["name"], "dashboard");
    assert!(listed["last_used_at"].is_string(), "{listed}");
    assert!(listed["revoked_at"].is_null(), "{listed}");
    // Revoked: refused at once.
    web.env.ok(&["token", "revoke", "dashboard"]).await;
    let r = c
        .get(&list)
        .header("authorization", &bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let out = web.env.run(&["token", "revoke", "dashboard"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no active token named \"dashboard\""));
    web.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn issue13_every_api_action_is_in_the_history_with_its_caller() {
    let web = Web::start("").await;
    let token = web.env.ok(&["token", "create", "ci-bot"]).await;
    let bearer = format!("Bearer {}", token.trim());
    let id = web.id(B).await;
    let c = client();
    let act = |body: Value| {
        let c = c.clone();
        let url = web.url(&format!("/api/mentions/{id}/actions"));
        let bearer = bearer.clone();
        async move {
            let r = c
                .post(url)
                .header("authorization", bearer)
                .header("content-type", "application/json")
                .body(body.to_string())
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            (status, json_of(r).await)
        }
    };
    let steps = [
        (json!({"action": "assign", "to": "joost"}), "assigned"),
        (json!({"action": "label", "label": "complaint"}), "assigned"),
        (
            json!({"action": "tag", "tag": "outage-2026-12"}),
            "assigned",
        ),
        (json!({"action": "note", "text": "called back"}), "assigned"),
        (
            json!({"action": "handle", "text": "answered by DM"}),
            "handled",
        ),
        (json!({"action": "reopen"}), "assigned"),
        (
            json!({"action": "tag", "tag": "outage-2026-12", "remove": true}),
            "assigned",
        ),
        (json!({"action": "ignore"}), "ignored"),
    ];
    for (body, state) in &steps {
        let (status, m) = act(body.clone()).await;
        assert_eq!(status, 200, "{body}: {m}");
        assert_eq!(m["id"], id);
        assert_eq!(m["state"], *state, "{body}: {m}");
        assert!(m["history"].is_array() && m["notes"].is_array(), "{m}");
    }
    let history = web
        .env
        .json_lines(&["mentions", "history", &id.to_string(), "--format", "json"])
        .await;
    let seen: Vec<(String, Value, Value)> = history
        .iter()
        .map(|e| {
            assert_eq!(e["by"], "ci-bot", "{e}");
            (
                e["what"].as_str().unwrap().to_string(),
                e["from"].clone(),
                e["to"].clone(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            ("assignee".into(), Value::Null, json!("joost")),
            ("state".into(), json!("new"), json!("assigned")),
            ("label".into(), Value::Null, json!("complaint")),
            ("tag".into(), Value::Null, json!("outage-2026-12")),
            ("note".into(), Value::Null, json!("called back")),
            ("state".into(), json!("assigned"), json!("handled")),
            ("note".into(), Value::Null, json!("answered by DM")),
            ("state".into(), json!("handled"), json!("assigned")),
            ("tag".into(), json!("outage-2026-12"), Value::Null),
            ("state".into(), json!("assigned"), json!("ignored")),
        ]
    );
    // The last answer is what `mentions show --format json` prints.
    let (_, last) = act(json!({"action": "label", "label": "complaint"})).await;
    let shown = web
        .env
        .json_lines(&["mentions", "show", &id.to_string(), "--format", "json"])
        .await;
    assert_eq!(last, shown[0]);

    // Bad input: a clear 400 or 404, nothing written.
    for (body, status, says) in [
        (json!({"action": "assign"}), 400, "needs `to`"),
        (
            json!({"action": "label", "label": "angry"}),
            400,
            "unknown label",
        ),
        (
            json!({"action": "handle", "to": "x"}),
            400,
            "`to` does not apply",
        ),
        (json!({"action": "shout"}), 400, "unknown action"),
        (json!({"action": "note", "text": "  "}), 400, "1 to 10000"),
        (json!({"action": "tag", "tag": "a\nb"}), 400, "one line"),
    ] {
        let (s, e) = act(body.clone()).await;
        assert_eq!(s, status, "{body}: {e}");
        assert!(e["error"].as_str().unwrap().contains(says), "{body}: {e}");
    }
    let r = c
        .post(web.url("/api/mentions/999999/actions"))
        .header("authorization", &bearer)
        .header("content-type", "application/json")
        .body(json!({"action": "handle"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(json_of(r).await["error"]
        .as_str()
        .unwrap()
        .contains("999999"));
    let r = c
        .post(web.url(&format!("/api/mentions/{id}/actions")))
        .header("authorization", &bearer)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        web.env
            .json_lines(&["mentions", "history", &id.to_string(), "--format", "json"])
            .await
            .len(),
        seen.len(),
        "the refused actions wrote nothing"
    );
    web.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn issue13_a_hostile_title_is_data_in_json_and_inert_in_the_page() {
    let web = Web::start("").await;
    let token = web.env.ok(&["token", "create", "t"]).await;
    let id = web.id(HOSTILE).await;
    let r = client()
        .get(web.url(&format!("/api/mentions/{id}")))
        .header("authorization", format!("Bearer {}", token.trim()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "application/json");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    let raw = r.text().await.unwrap();
    assert!(!raw.contains('<') && !raw.contains('>'), "{raw}");
    assert!(raw.contains("\\u003cscript\\u003e"), "{raw}");
    // Parsed back, it is the title as written, bidi override and all.
    let m: Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(m["title"], HOSTILE);
    assert_ne!(m["url"], "javascript:alert(3)");

    let session = log_in(&web, "sanne", PASSWORD).await;
    let page = client()
        .get(web.url("/"))
        .header("cookie", &session.cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // Shown, escaped (askama writes `<` as `&#60;`), the bidi override
    // dropped, and no script, image or javascript: link made of it.
    let text = page.replace("&#60;", "&lt;").replace("&#62;", "&gt;");
    assert!(
        text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{page}"
    );
    assert!(text.contains("onerror=alert(2)&gt;"), "{page}");
    assert!(!page.contains('\u{202e}'), "{page}");
    // The only script is the inbox's own file (webui's pages load it).
    let scripts = page.matches("<script").count();
    let ours = page.matches("<script src=\"/assets/").count();
    assert!(scripts == ours && !page.contains("<img"), "{page}");
    assert!(!page.to_lowercase().contains("javascript:"), "{page}");
    web.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn issue13_the_api_answers_as_the_command_line_prints() {
    let web = Web::start("").await;
    let token = web.env.ok(&["token", "create", "t"]).await;
    let bearer = format!("Bearer {}", token.trim());
    web.env
        .ok(&[
            "mentions",
            "handle",
            &web.id(A).await.to_string(),
            "--by",
            "x",
        ])
        .await;
    let get = |path: String| {
        let bearer = bearer.clone();
        let url = web.url(&path);
        async move {
            let r = client()
                .get(url)
                .header("authorization", bearer)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), json_of(r).await)
        }
    };
    for (query, args) in [
        ("state=open", vec!["list", "--state", "open"]),
        (
            "state=new,handled",
            vec!["list", "--state", "new", "--state", "handled"],
        ),
        (
            "watch=acme&sentiment=negative",
            vec!["list", "--watch", "acme", "--sentiment", "negative"],
        ),
        ("q=factuur", vec!["search", "factuur"]),
        (
            "sentiment=negative&sentiment=neutral",
            vec!["list", "--sentiment", "negative", "--sentiment", "neutral"],
        ),
        (
            "source=f&limit=2",
            vec!["list", "--source", "f", "--limit", "2"],
        ),
    ] {
        let (status, body) = get(format!("/api/mentions?{query}")).await;
        assert_eq!(status, 200, "{query}: {body}");
        let mut cli = vec!["mentions"];
        cli.extend(args);
        cli.extend(["--format", "json"]);
        let lines = web.env.json_lines(&cli).await;
        assert_eq!(body["mentions"], Value::Array(lines), "{query}");
    }
    // Most negative first: scores rising, unscored last.
    let (_, sorted) = get("/api/mentions?sort=negative".into()).await;
    let scores: Vec<f64> = sorted["mentions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["sentiment"]["score"].as_f64().unwrap_or(f64::INFINITY))
        .collect();
    assert_eq!(scores.len(), 4);
    assert!(scores.windows(2).all(|w| w[0] <= w[1]), "{scores:?}");
    // Paging: offset continues where limit stopped.
    let all = web
        .env
        .json_lines(&["mentions", "list", "--format", "json"])
        .await;
    let (_, page2) = get("/api/mentions?limit=2&offset=2".into()).await;
    assert_eq!(page2["mentions"], Value::Array(all[2..4].to_vec()));
    // One mention with notes and history, as `mentions show`.
    let id = web.id(A).await.to_string();
    let (_, one) = get(format!("/api/mentions/{id}")).await;
    let shown = web
        .env
        .json_lines(&["mentions", "show", &id, "--format", "json"])
        .await;
    assert_eq!(one, shown[0]);
    assert_eq!(one["history"][0]["by"], "x");
    // The figures, as `stats --format json`.
    let (_, stats) = get("/api/stats?since=30d&by=week".into()).await;
    let lines = web
        .env
        .json_lines(&[
            "stats", "--since", "30d", "--by", "week", "--format", "json",
        ])
        .await;
    assert!(!lines.is_empty());
    assert_eq!(stats["stats"], Value::Array(lines));
    // Mistakes are named, not answered with an empty list.
    for (query, says) in [
        (
            "/api/mentions?watch=acm",
            "unknown watch \"acm\"; known: acme",
        ),
        ("/api/mentions?state=opne", "unknown state"),
        ("/api/mentions?stat=open", "unknown parameter \"stat\""),
        ("/api/mentions?limit=0", "limit"),
        ("/api/mentions?since=yesterdayish", "since"),
        ("/api/stats?by=year", "day, week or month"),
        ("/api/mentions/abc", "no mention"),
    ] {
        let (status, body) = get(query.into()).await;
        assert!(status == 400 || status == 404, "{query}: {status}");
        assert!(
            body["error"].as_str().unwrap().contains(says),
            "{query}: {body}"
        );
    }
    web.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn issue13_the_web_inbox_is_refused_without_users_or_off_loopback() {
    let port = free_port();
    let env = Env::new(&format!("{ACME}\n[web]\nlisten = \"127.0.0.1:{port}\"\n"));
    let out = env.run(&["run"]).await;
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no web users: add one with `earshot user add NAME`"),
        "{err}"
    );
    // Users: short, empty and mismatched passwords are refused.
    for bad in ["", "seven77"] {
        let out = with_stdin(&env, &["user", "add", "sanne", "--password-stdin"], bad).await;
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
    }
    let out = with_stdin(
        &env,
        &["user", "add", "bad name", "--password-stdin"],
        PASSWORD,
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    add_user(&env, "sanne", PASSWORD).await;
    let out = with_stdin(
        &env,
        &["user", "add", "sanne", "--password-stdin"],
        PASSWORD,
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "a second sanne");
    let out = env.ok(&["check"]).await;
    assert!(
        out.contains(&format!(
            "web: listening on 127.0.0.1:{port}, sessions last 12h"
        )),
        "{out}"
    );

    // Off loopback without https: refused, naming the way out.
    let open = Env::new("[web]\nlisten = \"0.0.0.0:8080\"\n");
    let out = open.run(&["check"]).await;
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(":2:") && err.contains("allow_plain_http"),
        "{err}"
    );
    let tls =
        Env::new("[web]\nlisten = \"0.0.0.0:8080\"\nbase_url = \"https://earshot.example.nl/\"\n");
    let out = tls.ok(&["check"]).await;
    assert!(
        out.contains("reached at https://earshot.example.nl/, sessions last 12h, Secure cookies"),
        "{out}"
    );
    let plain = Env::new("[web]\nlisten = \"0.0.0.0:8080\"\nallow_plain_http = true\n");
    plain.ok(&["check"]).await;
    for bad in [
        "session_lifetime = \"4m\"",
        "session_lifetime = \"31d\"",
        "base_url = \"ftp://x/\"",
    ] {
        let e = Env::new(&format!("[web]\n{bad}\n"));
        assert_eq!(e.run(&["check"]).await.status.code(), Some(2), "{bad}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn issue13_a_reload_moves_the_web_inbox_to_a_new_port() {
    let web = Web::start("").await;
    let session = log_in(&web, "sanne", PASSWORD).await;
    let port = free_port();
    let text = std::fs::read_to_string(web.env.config_path()).unwrap();
    let old = web.base.trim_start_matches("http://").to_string();
    std::fs::write(
        web.env.config_path(),
        text.replace(&old, &format!("127.0.0.1:{port}")),
    )
    .unwrap();
    crate::support::signal(&web.daemon, libc::SIGHUP);
    let moved = format!("http://127.0.0.1:{port}/");
    let cookie = session.cookie.clone();
    wait_until("the inbox on the new port", 15, async || {
        client()
            .get(&moved)
            .header("cookie", &cookie)
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
    })
    .await;
    assert!(
        client().get(web.url("/healthz")).send().await.is_err(),
        "the old port is closed"
    );
    web.stop();
}
