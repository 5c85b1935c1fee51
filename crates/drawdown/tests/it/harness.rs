//! The harness: temp dirs, the real `drawdown` binary as a child process, an HTTP client that
//! keeps cookies by hand (the session cookie is `Secure`, so reqwest's store would not send
//! it over plain http), logins, CLI runs and SQLite/PostgreSQL helpers.
#![allow(dead_code)]

use reqwest::header::{CONTENT_TYPE, COOKIE, HeaderMap, HeaderValue, LOCATION, SET_COOKIE};
use serde_json::Value;
use sqlx::Connection;
use std::fs::File;
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_drawdown");
pub const DEMO_PASSWORD: &str = "demo-password";
pub const DEMO_USERS: [&str; 9] = [
    "admin",
    "committee",
    "registrar",
    "movement",
    "checkpoint",
    "destruction",
    "viewer",
    "wipe1",
    "wipe2",
];

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A name no other test (or test run) uses.
pub fn unique(tag: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{tag}_{}_{n}_{nanos}", std::process::id())
}

// ---------------------------------------------------------------- temp dirs

/// A fresh directory, removed on drop unless the test is failing (then kept and named).
pub struct TempDir {
    pub path: PathBuf,
}

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!("drawdown-it-{}", unique(tag)));
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir { path }
    }
    pub fn join(&self, p: &str) -> PathBuf {
        self.path.join(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("test failed: its files are kept in {}", self.path.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

// ---------------------------------------------------------------- CLI

/// The outcome of one CLI run.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn ok(&self) -> bool {
        self.code == Some(0)
    }
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
    #[track_caller]
    pub fn assert_ok(&self) -> &Self {
        assert!(
            self.ok(),
            "drawdown failed ({:?}):\nstdout:\n{}\nstderr:\n{}",
            self.code,
            self.stdout,
            self.stderr
        );
        self
    }
    /// Asserts that the command failed and that its output says `says`.
    #[track_caller]
    pub fn assert_refused(&self, says: &str) -> &Self {
        assert!(
            !self.ok() && self.all().contains(says),
            "expected a refusal saying {says:?} ({:?}):\n{}",
            self.code,
            self.all()
        );
        self
    }
}

/// Runs `drawdown ARGS` with extra environment variables, stdin closed, to completion.
pub fn drawdown(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .stdin(Stdio::null())
        .env_remove("DRAWDOWN_DB")
        .env_remove("DRAWDOWN_KEY_FILE");
    cmd.env("DRAWDOWN_LOG", "warn");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run drawdown");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub const ADMIN_PASSWORD: &str = "boss-password-long-enough";

/// `drawdown init` with a key file (made if missing) and the admin password from the env.
pub fn init_with_key_file(db_url: &str, key: &Path, admin: &str) -> Run {
    drawdown(
        &[
            "init",
            "--db",
            db_url,
            "--key-file",
            &key.to_string_lossy(),
            "--admin",
            admin,
            "--organisation",
            "Test post",
        ],
        &[("DRAWDOWN_ADMIN_PASSWORD", ADMIN_PASSWORD)],
    )
}

// ---------------------------------------------------------------- HTTP

/// An answer, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
    pub fn location(&self) -> Option<String> {
        self.headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_string)
            .collect()
    }
    /// The value a Set-Cookie gives `name` (empty when it clears it).
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.set_cookies().iter().find_map(|c| {
            let first = c.split(';').next()?;
            let (k, v) = first.split_once('=')?;
            (k.trim() == name).then(|| v.trim().to_string())
        })
    }
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes)
            .unwrap_or_else(|e| panic!("not JSON ({e}), status {}: {}", self.status, self.text()))
    }
    pub fn content_type(&self) -> String {
        self.headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    }
    #[track_caller]
    pub fn expect(&self, status: u16, what: &str) -> &Self {
        assert_eq!(
            self.status,
            status,
            "{what}: unexpected status; body: {}",
            truncate(&self.text(), 1500)
        );
        self
    }
}

pub fn truncate(s: &str, n: usize) -> String {
    if s.len() <= n {
        s.to_string()
    } else {
        let mut end = n;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &s[..end])
    }
}

/// The value of the first hidden input named `name` in a page.
pub fn hidden_input(html: &str, name: &str) -> Option<String> {
    let needle = format!("name=\"{name}\" value=\"");
    let start = html.find(&needle)? + needle.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}

/// A logged-in browser session: the session cookie and the page CSRF token.
#[derive(Clone, Debug)]
pub struct Session {
    pub username: String,
    pub cookie: String,
    pub csrf: String,
}

/// How a request authenticates.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    None,
    Session(&'a Session),
    /// A raw `dd_session` cookie value (forged or ended).
    Cookie(&'a str),
    Bearer(&'a str),
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .expect("http client")
}

// ---------------------------------------------------------------- the server

/// A running `drawdown` child process, killed on drop.
pub struct Server {
    child: Option<Child>,
    pub port: u16,
    pub base: String,
    /// The root temp dir (for demo servers made by [`Server::demo_small`]).
    pub own_dir: Option<TempDir>,
    /// The demo's data dir (db, key file, hand-offs) or serve's --data-dir.
    pub data_dir: PathBuf,
    pub stdout_path: PathBuf,
    pub stderr_path: PathBuf,
    client: reqwest::Client,
}

static SERVER_N: AtomicU64 = AtomicU64::new(0);

impl Server {
    /// `drawdown demo --scale small` on a new temp dir (data in DIR/data, logs in DIR/logs).
    pub async fn demo_small() -> Server {
        let dir = TempDir::new("demo");
        let mut s = Server::demo_small_in(&dir.path).await;
        s.own_dir = Some(dir);
        s
    }

    /// `drawdown demo --scale small` with data in ROOT/data and logs in ROOT/logs.
    pub async fn demo_small_in(root: &Path) -> Server {
        Server::demo_small_env(root, &[]).await
    }

    /// The same, with environment variables for the server (channels, limits).
    pub async fn demo_small_env(root: &Path, env: &[(&str, &str)]) -> Server {
        let data = root.join("data");
        let root = root.to_path_buf();
        Server::start_env(&root, data.clone(), env, move |port| {
            vec![
                "demo".into(),
                "--scale".into(),
                "small".into(),
                "--addr".into(),
                format!("127.0.0.1:{port}"),
                "--data-dir".into(),
                data.to_string_lossy().into_owned(),
            ]
        })
        .await
    }

    /// `drawdown serve --db URL [--key-file KEY] --data-dir ROOT/data`, logs in ROOT/logs.
    pub async fn serve(root: &Path, db_url: &str, key_file: Option<&Path>) -> Server {
        let data = root.join("data");
        std::fs::create_dir_all(&data).expect("data dir");
        let db_url = db_url.to_string();
        let key = key_file.map(|k| k.to_string_lossy().into_owned());
        let d = data.clone();
        Server::start(root, data, move |port| {
            let mut a = vec![
                "serve".to_string(),
                "--db".into(),
                db_url.clone(),
                "--addr".into(),
                format!("127.0.0.1:{port}"),
                "--data-dir".into(),
                d.to_string_lossy().into_owned(),
            ];
            if let Some(k) = &key {
                a.push("--key-file".into());
                a.push(k.clone());
            }
            a
        })
        .await
    }

    async fn start(root: &Path, data_dir: PathBuf, args: impl Fn(u16) -> Vec<String>) -> Server {
        Server::start_env(root, data_dir, &[], args).await
    }

    async fn start_env(
        root: &Path,
        data_dir: PathBuf,
        env: &[(&str, &str)],
        args: impl Fn(u16) -> Vec<String>,
    ) -> Server {
        let logs = root.join("logs");
        std::fs::create_dir_all(&logs).expect("logs dir");
        let client = client();
        // A port taken between free_port() and the child's bind: try another.
        for _attempt in 0..5 {
            let n = SERVER_N.fetch_add(1, Ordering::SeqCst);
            let port = free_port();
            let stdout_path = logs.join(format!("server-{n}.out"));
            let stderr_path = logs.join(format!("server-{n}.err"));
            let child = Command::new(BIN)
                .args(args(port))
                .env_remove("DRAWDOWN_DB")
                .env_remove("DRAWDOWN_KEY_FILE")
                .env_remove("DRAWDOWN_ADDR")
                .env_remove("DRAWDOWN_LOG")
                .envs(env.iter().copied())
                .stdin(Stdio::null())
                .stdout(File::create(&stdout_path).expect("stdout file"))
                .stderr(File::create(&stderr_path).expect("stderr file"))
                .spawn()
                .expect("spawn drawdown");
            let mut server = Server {
                child: Some(child),
                port,
                base: format!("http://127.0.0.1:{port}"),
                own_dir: None,
                data_dir: data_dir.clone(),
                stdout_path,
                stderr_path,
                client: client.clone(),
            };
            match server.wait_healthy(Duration::from_secs(60)).await {
                Ok(()) => return server,
                Err(Exit::PortTaken) => continue,
                Err(Exit::Failed(msg)) => panic!("{msg}"),
            }
        }
        panic!("could not start drawdown on a free port after 5 attempts");
    }

    async fn wait_healthy(&mut self, timeout: Duration) -> Result<(), Exit> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                self.child = None;
                let logs = self.logs();
                if logs.contains("already in use") {
                    return Err(Exit::PortTaken);
                }
                return Err(Exit::Failed(format!(
                    "drawdown exited ({status}) before answering /healthz:\n{logs}"
                )));
            }
            if let Ok(r) = self
                .client
                .get(format!("{}/healthz", self.base))
                .send()
                .await
                && r.status().as_u16() == 200
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(Exit::Failed(format!(
                    "drawdown did not answer /healthz in {timeout:?}:\n{}",
                    self.logs()
                )));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Everything the server printed so far.
    pub fn logs(&self) -> String {
        let out = std::fs::read_to_string(&self.stdout_path).unwrap_or_default();
        let err = std::fs::read_to_string(&self.stderr_path).unwrap_or_default();
        format!("--- stdout\n{out}--- stderr\n{err}")
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// SIGKILL, no goodbye (kill -9).
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM (graceful shutdown), SIGKILL if it lingers.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(c.id().to_string())
                .status();
            let deadline = Instant::now() + Duration::from_secs(15);
            loop {
                match c.try_wait() {
                    Ok(Some(_)) => return,
                    Ok(None) if Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(25))
                    }
                    _ => {
                        let _ = c.kill();
                        let _ = c.wait();
                        return;
                    }
                }
            }
        }
    }

    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join("demo.db")
    }
    pub fn key_path(&self) -> PathBuf {
        self.data_dir.join("demo.key")
    }

    // ------------------------------------------------------------ requests

    fn apply(&self, mut rb: reqwest::RequestBuilder, auth: Auth<'_>) -> reqwest::RequestBuilder {
        match auth {
            Auth::None => {}
            Auth::Session(s) => rb = rb.header(COOKIE, format!("dd_session={}", s.cookie)),
            Auth::Cookie(c) => rb = rb.header(COOKIE, format!("dd_session={c}")),
            Auth::Bearer(t) => rb = rb.bearer_auth(t),
        }
        rb
    }

    pub async fn send(&self, rb: reqwest::RequestBuilder) -> Resp {
        let r = rb.send().await.expect("request");
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let bytes = r.bytes().await.expect("body").to_vec();
        Resp {
            status,
            headers,
            bytes,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str, auth: Auth<'_>) -> Resp {
        let rb = self.apply(self.client.get(self.url(path)), auth);
        self.send(rb).await
    }

    /// A form POST exactly as given (no CSRF token added).
    pub async fn post_form(&self, path: &str, auth: Auth<'_>, fields: &[(&str, &str)]) -> Resp {
        let rb = self
            .apply(self.client.post(self.url(path)), auth)
            .form(fields);
        self.send(rb).await
    }

    /// A form POST with the session's CSRF token, as the page's form sends it.
    pub async fn submit(&self, path: &str, s: &Session, fields: &[(&str, &str)]) -> Resp {
        let mut all: Vec<(&str, &str)> = vec![("_csrf", s.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_form(path, Auth::Session(s), &all).await
    }

    /// A multipart upload as the page's form sends it (the CSRF token in the action URL).
    pub async fn upload(
        &self,
        path: &str,
        s: &Session,
        csrf: bool,
        form: reqwest::multipart::Form,
    ) -> Resp {
        let url = if csrf {
            format!("{}?_csrf={}", self.url(path), s.csrf)
        } else {
            self.url(path)
        };
        let rb = self
            .apply(self.client.post(url), Auth::Session(s))
            .multipart(form);
        self.send(rb).await
    }

    /// A JSON POST; with a session, `csrf` adds the X-CSRF-Token header.
    pub async fn post_json(&self, path: &str, auth: Auth<'_>, body: &Value, csrf: bool) -> Resp {
        let mut rb = self
            .apply(self.client.post(self.url(path)), auth)
            .json(body);
        if let (true, Auth::Session(s)) = (csrf, auth) {
            rb = rb.header(
                "X-CSRF-Token",
                HeaderValue::from_str(&s.csrf).expect("csrf header"),
            );
        }
        self.send(rb).await
    }

    /// GET /login, then POST the form with the login CSRF cookie and token.
    pub async fn try_login(&self, username: &str, password: &str) -> Resp {
        let page = self.get("/login", Auth::None).await;
        page.expect(200, "GET /login");
        let cookie = page.cookie("dd_login_csrf").expect("login CSRF cookie");
        let token = hidden_input(&page.text(), "_csrf").expect("login CSRF input");
        assert_eq!(cookie, token, "login CSRF cookie and form token differ");
        let rb = self
            .client
            .post(self.url("/login"))
            .header(COOKIE, format!("dd_login_csrf={cookie}"))
            .form(&[
                ("_csrf", token.as_str()),
                ("username", username),
                ("password", password),
            ]);
        self.send(rb).await
    }

    pub async fn login_with(&self, username: &str, password: &str) -> Session {
        {
            let r = self.try_login(username, password).await;
            assert_eq!(
                r.status,
                303,
                "login as {username}: {}",
                truncate(&r.text(), 800)
            );
            let cookie = r
                .cookie("dd_session")
                .filter(|c| !c.is_empty())
                .expect("dd_session cookie");
            let attrs = r
                .set_cookies()
                .into_iter()
                .find(|c| c.starts_with("dd_session="))
                .unwrap_or_default();
            assert!(
                attrs.contains("HttpOnly")
                    && attrs.contains("Secure")
                    && attrs.contains("SameSite"),
                "session cookie attributes: {attrs}"
            );
            let acct = self.get("/account", Auth::Cookie(&cookie)).await;
            acct.expect(200, "GET /account after login");
            let csrf = hidden_input(&acct.text(), "_csrf").expect("page CSRF token");
            Session {
                username: username.into(),
                cookie,
                csrf,
            }
        }
    }

    pub async fn login(&self, username: &str) -> Session {
        self.login_with(username, DEMO_PASSWORD).await
    }

    /// The id of a user, read by an administrator through the API.
    pub async fn user_id(&self, admin: &Session, username: &str) -> String {
        let r = self.get("/api/v1/users", Auth::Session(admin)).await;
        r.expect(200, "GET /api/v1/users");
        r.json()["users"]
            .as_array()
            .expect("users")
            .iter()
            .find(|u| u["username"] == username)
            .and_then(|u| u["id"].as_str())
            .unwrap_or_else(|| panic!("no user {username}"))
            .to_string()
    }

    /// Adds a person through the API (session + X-CSRF-Token); returns the id.
    pub async fn add_person(
        &self,
        s: &Session,
        given: &str,
        family: &str,
        extra: &[(&str, &str)],
    ) -> String {
        let mut body = serde_json::json!({ "category": "citizen", "given_name": given, "family_name": family });
        for (k, v) in extra {
            body[*k] = Value::String((*v).to_string());
        }
        let r = self
            .post_json("/api/v1/people", Auth::Session(s), &body, true)
            .await;
        r.expect(201, "POST /api/v1/people");
        r.json()["id"].as_str().expect("id").to_string()
    }
}

enum Exit {
    PortTaken,
    Failed(String),
}

impl Drop for Server {
    fn drop(&mut self) {
        if std::thread::panicking() && self.child.is_some() {
            eprintln!(
                "server on {} log:\n{}",
                self.base,
                truncate(&self.logs(), 6000)
            );
        }
        self.kill9();
    }
}

// ---------------------------------------------------------------- files and databases

/// Every file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        if let Ok(rd) = std::fs::read_dir(&d) {
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    out.push(p);
                }
            }
        }
    }
    out.sort();
    out
}

pub fn contains_bytes(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// Copies a SQLite database with its -wal and -shm (when present) to `to`.
pub fn copy_sqlite(from: &Path, to: &Path) {
    std::fs::copy(from, to).expect("copy db");
    for suffix in ["-wal", "-shm"] {
        let f = PathBuf::from(format!("{}{suffix}", from.display()));
        if f.exists() {
            std::fs::copy(&f, format!("{}{suffix}", to.display())).expect("copy db side file");
        }
    }
}

/// A direct connection to a SQLite file (for tampering and inspection).
pub async fn sqlite(path: &Path) -> sqlx::SqliteConnection {
    use sqlx::Connection;
    let opts = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false);
    sqlx::SqliteConnection::connect_with(&opts)
        .await
        .expect("open sqlite")
}

pub async fn sqlite_exec(path: &Path, sql: &str) {
    use sqlx::Connection;
    let mut c = sqlite(path).await;
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(&mut c)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    c.close().await.expect("close sqlite");
}

pub fn write_file(path: &Path, bytes: &[u8]) {
    let mut f = File::create(path).expect("create file");
    f.write_all(bytes).expect("write file");
}

// ---------------------------------------------------------------- PostgreSQL

fn pg_base() -> Option<String> {
    match std::env::var("DRAWDOWN_TEST_PG") {
        Ok(u) if !u.trim().is_empty() => Some(u),
        _ => {
            eprintln!("skipped: DRAWDOWN_TEST_PG is not set (scripts/test sets it)");
            None
        }
    }
}

/// `url` with its database name replaced.
fn with_db(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_part = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    format!("{host_part}/{name}{query}")
}

/// A database of its own on the test server, dropped (best effort) on drop.
pub struct PgDb {
    admin_url: String,
    pub name: String,
    pub url: String,
}

impl PgDb {
    /// A fresh database on DRAWDOWN_TEST_PG, or None (the test is skipped, and says so) when
    /// no server is named. `tag` goes into the database's name.
    pub async fn create(tag: &str) -> Option<PgDb> {
        let base = pg_base()?;
        let name = unique(tag).to_lowercase();
        let mut c = sqlx::PgConnection::connect(&base)
            .await
            .expect("connect to DRAWDOWN_TEST_PG");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut c)
            .await
            .expect("create database");
        let _ = c.close().await;
        Some(PgDb {
            url: with_db(&base, &name),
            admin_url: base,
            name,
        })
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let admin = self.admin_url.clone();
        let name = self.name.clone();
        // A runtime of its own on a thread of its own: drop runs inside the test's runtime.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async move {
                let mut c = sqlx::PgConnection::connect(&admin).await.ok()?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&mut c)
                .await
                .ok()?;
                c.close().await.ok()
            })
        })
        .join();
    }
}
