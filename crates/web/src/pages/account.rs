//! A user's own account: their roles, their password.

use super::*;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    chrome: Chrome,
    error: Option<String>,
}

pub async fn account(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Query(d): Query<Done>,
) -> PageResult {
    let page = AccountPage {
        chrome: chrome(&state, &user, "/account", "Your account", d.done.as_deref()).await?,
        error: None,
    };
    render(&page, StatusCode::OK)
}

pub async fn change_password(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let get = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    let result = async {
        let record = state
            .store
            .user_by_id(&user.id)
            .await?
            .ok_or(WebError::NotFound)?;
        if !auth::verify_password(get("current"), &record.password_hash) {
            return Err(WebError::BadRequest("the current password is wrong".into()));
        }
        if get("new") != get("confirm") {
            return Err(WebError::BadRequest(
                "the new password and its confirmation differ".into(),
            ));
        }
        auth::check_new_password(get("new"), &user.username)?;
        let hash = auth::hash_password(get("new"))?;
        let ev = AuditEvent::new(
            user.actor(),
            "user.password",
            format!("user:{}", user.id),
            "",
            &caller.source,
        );
        let keep = user.session.as_ref().map(|s| s.token_hash.as_str());
        state
            .store
            .set_password(&user.id, &hash, keep, &ev, state.now())
            .await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => see_other("/account?done=password-changed"),
        Err(WebError::BadRequest(m)) => {
            let page = AccountPage {
                chrome: chrome(&state, &user, "/account", "Your account", None).await?,
                error: Some(m),
            };
            render(&page, StatusCode::BAD_REQUEST)
        }
        Err(e) => Err(e),
    }
}
