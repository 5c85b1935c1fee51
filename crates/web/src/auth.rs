//! Who is calling, and may they: sessions, device tokens, passwords, CSRF, login throttling.

use crate::routes::Need;
use crate::{AppState, WebError};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use drawdown_domain::{Permission, RoleSet};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const SESSION_COOKIE: &str = "dd_session";
pub const LOGIN_CSRF_COOKIE: &str = "dd_login_csrf";
pub const SESSION_HOURS: i64 = 12;
pub const MIN_PASSWORD_LEN: usize = 12;
/// Forms are small; file uploads (later) send their token in a header instead.
const MAX_FORM_BYTES: usize = 1 << 20;

/// A random secret, URL-safe.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// What the database keeps of a session or device token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn hash_password(password: &str) -> Result<String, WebError> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| WebError::Internal(format!("password hash: {e}")))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Checked when a password is set; the message says what to do.
pub fn check_new_password(password: &str, username: &str) -> Result<(), WebError> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(WebError::BadRequest(format!(
            "the password must have at least {MIN_PASSWORD_LEN} characters (a few words make a good one)"
        )));
    }
    if password.eq_ignore_ascii_case(username) {
        return Err(WebError::BadRequest(
            "the password must not be the username".into(),
        ));
    }
    Ok(())
}

/// A username: 2 to 64 letters, digits, dots, dashes or underscores (it appears in the audit
/// log and in exports, so nothing a spreadsheet or a shell would interpret).
pub fn check_username(name: &str) -> Result<(), WebError> {
    let ok = (2..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        && !name.starts_with(['-', '.']);
    if ok {
        Ok(())
    } else {
        Err(WebError::BadRequest(
            "a username has 2 to 64 letters, digits, dots, dashes or underscores".into(),
        ))
    }
}

/// A hash to verify against when the user does not exist, so timing does not tell.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not-a-real-password-at-all").unwrap_or_default())
}

fn cookie_attrs(max_age: i64) -> String {
    format!("Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age={max_age}")
}

pub fn session_cookie(token: &str) -> String {
    format!(
        "{SESSION_COOKIE}={token}; {}",
        cookie_attrs(SESSION_HOURS * 3600)
    )
}

pub fn clear_session_cookie() -> String {
    format!("{SESSION_COOKIE}=; {}", cookie_attrs(0))
}

pub fn login_csrf_cookie(token: &str) -> String {
    format!("{LOGIN_CSRF_COOKIE}={token}; {}", cookie_attrs(3600))
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Constant-time comparison for tokens.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The authenticated caller of a request.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub id: String,
    pub username: String,
    pub roles: RoleSet,
    /// Present for browser sessions; device tokens carry none (they send no cookies).
    pub session: Option<SessionKeys>,
}

#[derive(Clone, Debug)]
pub struct SessionKeys {
    pub token_hash: String,
    pub csrf: String,
}

impl CurrentUser {
    pub fn can(&self, p: Permission) -> bool {
        self.roles.allows(p)
    }
    pub fn csrf(&self) -> &str {
        self.session.as_ref().map(|s| s.csrf.as_str()).unwrap_or("")
    }
    /// The actor named in the audit log.
    pub fn actor(&self) -> String {
        if self.session.is_some() {
            self.username.clone()
        } else {
            format!("token:{}", self.username)
        }
    }
}

/// What [`authenticate`] found, for every request.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user: Option<CurrentUser>,
    /// A session cookie was sent but matched nothing (expired, ended or forged).
    pub invalid_session: bool,
    /// Where the request came from, for the audit log.
    pub source: String,
}

fn source_of(req: &Request) -> String {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// Resolves the session cookie or bearer token into a [`Caller`]; runs on every request.
pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let source = source_of(&req);
    let now = state.now();
    let mut caller = Caller {
        user: None,
        invalid_session: false,
        source,
    };
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    if let Some(token) = bearer {
        let hash = token_hash(token.trim());
        if let Some(user) = state.tokens.get(&hash) {
            caller.user = Some(user);
        } else {
            let generation = state.tokens.generation();
            match state.store.api_token(&hash).await {
                Ok(Some(t)) => {
                    let user = CurrentUser {
                        id: t.id.clone(),
                        username: t.name.clone(),
                        roles: RoleSet::of(&[t.role]),
                        session: None,
                    };
                    state.tokens.put(hash, user.clone(), generation);
                    caller.user = Some(user);
                }
                Ok(None) => caller.invalid_session = true,
                Err(e) => return WebError::from(e).into_response_for(&req),
            }
        }
    } else if let Some(token) = cookie(req.headers(), SESSION_COOKIE).filter(|t| !t.is_empty()) {
        let hash = token_hash(token);
        match state.store.session(&hash, now).await {
            Ok(Some(s)) => {
                caller.user = Some(CurrentUser {
                    id: s.user.id.clone(),
                    username: s.user.username.clone(),
                    roles: s.user.roles,
                    session: Some(SessionKeys {
                        token_hash: hash,
                        csrf: s.csrf_token,
                    }),
                })
            }
            Ok(None) => caller.invalid_session = true,
            Err(e) => return WebError::from(e).into_response_for(&req),
        }
    }
    // A wipe run from the command line while this server runs: drop the keys at once (looked
    // at no more than every WIPE_CHECK, so a busy server does not read it on every request).
    if state.vault_label() != "wiped"
        && state.tokens.wipe_check_due()
        && let Ok(d) = state.store.deployment_state().await
        && d.is_wiped()
    {
        state.mark_wiped();
    }
    req.extensions_mut().insert(caller);
    next.run(req).await
}

impl WebError {
    fn into_response_for(self, req: &Request) -> Response {
        use axum::response::IntoResponse;
        if req.uri().path().starts_with("/api/") {
            crate::api::ApiError(self).into_response()
        } else {
            self.into_response()
        }
    }
}

/// The per-route gate: the caller must hold what the route needs; unsafe methods from a
/// browser session must carry the session's CSRF token (header `X-CSRF-Token` or form field
/// `_csrf`). The role is checked first, so a wrong role never learns more than "forbidden".
pub async fn authorize(need: Need, req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let Some(caller) = req.extensions().get::<Caller>().cloned() else {
        return WebError::Internal("authenticate layer missing".into()).into_response_for(&req);
    };
    let user = match (need, &caller.user) {
        (Need::Public, _) => return next.run(req).await,
        (_, None) => {
            return WebError::NotLoggedIn {
                api,
                invalid_session: caller.invalid_session,
            }
            .into_response_for(&req);
        }
        (_, Some(u)) => u.clone(),
    };
    if let Need::Perm(p) = need
        && !user.can(p)
    {
        return WebError::Forbidden { need: p, api }.into_response_for(&req);
    }
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let mut req = req;
    if unsafe_method && let Some(keys) = &user.session {
        match csrf_ok(req, &keys.csrf).await {
            Ok(r) => req = r,
            Err(resp) => return resp,
        }
    }
    req.extensions_mut().insert(user);
    next.run(req).await
}

/// Checks the CSRF token and gives the request back whole (the body is buffered to read a
/// form field, then restored).
async fn csrf_ok(req: Request, expected: &str) -> Result<Request, Response> {
    let header_token = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if let Some(t) = header_token {
        return if same_token(&t, expected) {
            Ok(req)
        } else {
            Err(WebError::BadCsrf.into_response_for(&req))
        };
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    // A file upload cannot be buffered here and a plain form cannot set a header: its token
    // travels in the form's action URL (pages send no Referer, and requests are not logged).
    if content_type.starts_with("multipart/form-data") {
        let token = req
            .uri()
            .query()
            .and_then(|q| form_urlencoded_field(q.as_bytes(), "_csrf"));
        return match token {
            Some(t) if same_token(&t, expected) => Ok(req),
            _ => Err(WebError::BadCsrf.into_response_for(&req)),
        };
    }
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Err(WebError::BadCsrf.into_response_for(&req));
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_FORM_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            let req = Request::from_parts(parts, Body::empty());
            return Err(
                WebError::BadRequest("the form is too large".into()).into_response_for(&req)
            );
        }
    };
    let found = form_urlencoded_field(&bytes, "_csrf");
    let req = Request::from_parts(parts, Body::from(bytes));
    match found {
        Some(t) if same_token(&t, expected) => Ok(req),
        _ => Err(WebError::BadCsrf.into_response_for(&req)),
    }
}

fn form_urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// Device tokens lately found live, so a scanner sending a thousand requests a second costs
/// the database a read a second, not a thousand. A token revoked through this server is
/// forgotten at once ([`TokenCache::forget_all`]); one revoked by another process on the
/// same database (a second server on PostgreSQL) is refused within [`TokenCache::TTL`].
/// Unknown tokens are never cached, so a new token works at once. Sessions are not cached:
/// logging out, a password or role change must take effect on the next request.
#[derive(Default)]
pub struct TokenCache {
    live: Mutex<HashMap<String, (CurrentUser, Instant)>>,
    /// Bumped by every revocation: a lookup that began before it is not cached.
    generation: std::sync::atomic::AtomicU64,
    wipe_checked: Mutex<Option<Instant>>,
}

impl TokenCache {
    pub const TTL: Duration = Duration::from_secs(1);
    /// How often a request looks whether the deployment was wiped from the command line.
    pub const WIPE_CHECK: Duration = Duration::from_millis(250);
    /// Tokens held at most (a flood of distinct valid tokens cannot grow it without bound).
    const MAX: usize = 10_000;

    pub fn get(&self, hash: &str) -> Option<CurrentUser> {
        let map = self.live.lock().ok()?;
        map.get(hash)
            .filter(|(_, at)| at.elapsed() < Self::TTL)
            .map(|(u, _)| u.clone())
    }

    /// Read before looking a token up in the database; given back to [`TokenCache::put`].
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn put(&self, hash: String, user: CurrentUser, generation: u64) {
        if let Ok(mut map) = self.live.lock() {
            // A revocation came while this lookup ran: its answer may be stale.
            if generation != self.generation() {
                return;
            }
            if map.len() >= Self::MAX {
                map.retain(|_, (_, at)| at.elapsed() < Self::TTL);
                if map.len() >= Self::MAX {
                    map.clear();
                }
            }
            map.insert(hash, (user, Instant::now()));
        }
    }

    /// After a token is revoked: the next request of every token reads the database.
    pub fn forget_all(&self) {
        if let Ok(mut map) = self.live.lock() {
            self.generation
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            map.clear();
        }
    }

    /// True at most once every [`TokenCache::WIPE_CHECK`].
    pub fn wipe_check_due(&self) -> bool {
        let Ok(mut last) = self.wipe_checked.lock() else {
            return true;
        };
        if last.is_some_and(|t| t.elapsed() < Self::WIPE_CHECK) {
            return false;
        }
        *last = Some(Instant::now());
        true
    }
}

/// Failed logins per key (a username or an address) in a sliding window.
#[derive(Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl LoginLimiter {
    /// Failures allowed per username in a window.
    pub const MAX_FAILURES: usize = 5;
    /// Failures allowed per address: higher, because staff behind one NAT share an address
    /// and one person's typos must not lock everyone out.
    pub const MAX_FAILURES_PER_ADDRESS: usize = 30;
    pub const WINDOW: Duration = Duration::from_secs(300);

    /// Seconds until `key` may try again, if it has had `max` failures in the window.
    pub fn blocked(&self, key: &str, max: usize) -> Option<u64> {
        let mut map = self.failures.lock().ok()?;
        let list = map.get_mut(key)?;
        list.retain(|t| t.elapsed() < Self::WINDOW);
        if list.len() >= max {
            let oldest = list.first()?;
            Some(
                (Self::WINDOW.saturating_sub(oldest.elapsed()))
                    .as_secs()
                    .max(1),
            )
        } else {
            None
        }
    }

    pub fn fail(&self, key: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.entry(key.to_string()).or_default().push(Instant::now());
        }
    }

    pub fn clear(&self, key: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn password_policy() {
        assert!(check_new_password("short", "bob").is_err());
        assert!(check_new_password("administrator", "administrator").is_err());
        assert!(check_new_password("three words here", "bob").is_ok());
    }

    #[test]
    fn cookies_parse() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "a=1; dd_session=abc; b=2".parse().unwrap());
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&h, "nope"), None);
        assert!(session_cookie("x").contains("HttpOnly; Secure; SameSite=Strict"));
    }

    #[test]
    fn tokens() {
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abc", "abd"));
        assert!(!same_token("abc", "ab"));
        assert_ne!(random_token(), random_token());
        assert_eq!(token_hash("x").len(), 64);
    }

    #[test]
    fn limiter_blocks_after_failures() {
        let l = LoginLimiter::default();
        for _ in 0..LoginLimiter::MAX_FAILURES {
            assert!(l.blocked("u", LoginLimiter::MAX_FAILURES).is_none());
            l.fail("u");
        }
        assert!(l.blocked("u", LoginLimiter::MAX_FAILURES).is_some());
        assert!(
            l.blocked("u", LoginLimiter::MAX_FAILURES_PER_ADDRESS)
                .is_none()
        );
        l.clear("u");
        assert!(l.blocked("u", LoginLimiter::MAX_FAILURES).is_none());
    }

    #[test]
    fn form_field() {
        assert_eq!(
            form_urlencoded_field(b"a=1&_csrf=x%2By", "_csrf").as_deref(),
            Some("x+y")
        );
        assert_eq!(form_urlencoded_field(b"a=1", "_csrf"), None);
    }
}
