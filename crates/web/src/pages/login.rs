//! Logging in and out.

use super::*;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    login_csrf: String,
    username: String,
    error: Option<String>,
    notice: Option<&'static str>,
    demo: bool,
}

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    expired: Option<String>,
    done: Option<String>,
}

fn login_page_response(
    state: &AppState,
    username: String,
    error: Option<String>,
    notice: Option<&'static str>,
    status: StatusCode,
) -> PageResult {
    let token = auth::random_token();
    let page = LoginPage {
        chrome: Chrome::bare("Log in"),
        login_csrf: token.clone(),
        username,
        error,
        notice,
        demo: state.config.demo,
    };
    let mut r = render(&page, status)?;
    if let Ok(v) = auth::login_csrf_cookie(&token).parse() {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(r)
}

pub async fn login_page(State(state): State<AppState>, Query(q): Query<LoginQuery>) -> PageResult {
    let notice = if q.expired.is_some() {
        Some(
            "Your session is no longer valid (it expired, was ended, or was not genuine). Please log in again.",
        )
    } else if q.done.as_deref() == Some("logged-out") {
        Some("You are logged out.")
    } else {
        None
    };
    let mut r = login_page_response(&state, String::new(), None, notice, StatusCode::OK)?;
    if q.expired.is_some()
        && let Ok(v) = auth::clear_session_cookie().parse()
    {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(r)
}

pub async fn login(
    State(state): State<AppState>,
    Extension(caller): Extension<auth::Caller>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let get = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    let username = get("username").trim().to_string();
    let password = get("password");
    // Login CSRF: the form's token must match the cookie set with the form.
    let cookie_token = auth::cookie(&headers, auth::LOGIN_CSRF_COOKIE).unwrap_or("");
    if cookie_token.is_empty() || !auth::same_token(cookie_token, get("_csrf")) {
        return Err(WebError::BadCsrf);
    }
    let now = state.now();
    let ip_key = format!("ip:{}", caller.source);
    let user_key = format!("user:{}", username.to_lowercase());
    if let Some(secs) = state
        .limiter
        .blocked(&user_key, auth::LoginLimiter::MAX_FAILURES)
        .or_else(|| {
            state
                .limiter
                .blocked(&ip_key, auth::LoginLimiter::MAX_FAILURES_PER_ADDRESS)
        })
    {
        let msg = WebError::TooManyAttempts(secs).to_string();
        return login_page_response(
            &state,
            username,
            Some(msg),
            None,
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let user = state.store.user_by_username(&username).await?;
    let ok = match &user {
        Some(u) => auth::verify_password(password, &u.password_hash) && !u.disabled,
        None => {
            auth::verify_password(password, auth::dummy_hash());
            false
        }
    };
    let Some(user) = user.filter(|_| ok) else {
        state.limiter.fail(&user_key);
        state.limiter.fail(&ip_key);
        let ev = AuditEvent::new(
            "anonymous",
            "auth.login_failed",
            format!("username:{username}"),
            "",
            &caller.source,
        );
        state.store.audit(&ev, now).await?;
        return login_page_response(
            &state,
            username,
            Some("Wrong username or password, or the account is disabled.".into()),
            None,
            StatusCode::UNAUTHORIZED,
        );
    };
    state.limiter.clear(&user_key);
    let token = auth::random_token();
    let csrf = auth::random_token();
    let expires = now + time::Duration::hours(auth::SESSION_HOURS);
    let ev = AuditEvent::new(
        &user.username,
        "auth.login",
        format!("user:{}", user.id),
        "",
        &caller.source,
    );
    state
        .store
        .create_session(
            &auth::token_hash(&token),
            &user.id,
            &csrf,
            expires,
            &caller.source,
            &ev,
            now,
        )
        .await?;
    let mut r = Redirect::to("/").into_response();
    let h = r.headers_mut();
    if let Ok(v) = auth::session_cookie(&token).parse() {
        h.append(header::SET_COOKIE, v);
    }
    if let Ok(v) = format!("{}=; Path=/; Max-Age=0", auth::LOGIN_CSRF_COOKIE).parse() {
        h.append(header::SET_COOKIE, v);
    }
    Ok(r)
}

pub async fn logout(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
) -> PageResult {
    if let Some(s) = &user.session {
        let ev = AuditEvent::new(
            user.actor(),
            "auth.logout",
            format!("user:{}", user.id),
            "",
            &caller.source,
        );
        state
            .store
            .end_session(&s.token_hash, &ev, state.now())
            .await?;
    }
    let mut r = Redirect::to("/login?done=logged-out").into_response();
    if let Ok(v) = auth::clear_session_cookie().parse() {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(r)
}
