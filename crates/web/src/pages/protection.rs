//! The vault and the wipe: unlock, two-person wipe, encrypted hand-offs.

use super::*;

pub struct PendingWipe {
    pub id: String,
    pub requested_by: String,
    pub expires_at: String,
    pub mine: bool,
    pub handoff: bool,
}

#[derive(Template)]
#[template(path = "protection.html")]
struct ProtectionPage {
    chrome: Chrome,
    vault: &'static str,
    key_id: String,
    can_unlock: bool,
    can_wipe: bool,
    pending: Option<PendingWipe>,
    wiped_at: Option<String>,
    wiped_by: Option<String>,
    handoffs: Vec<String>,
    error: Option<String>,
    minutes: i64,
}

fn handoff_dir(state: &AppState) -> std::path::PathBuf {
    state.config.data_dir.join("handoffs")
}

async fn protection_page(
    state: &AppState,
    user: &CurrentUser,
    done: Option<&str>,
    error: Option<String>,
) -> PageResult {
    let now = state.now();
    let key_id = match &*state
        .vault
        .read()
        .map_err(|_| WebError::Internal("lock".into()))?
    {
        VaultSlot::Unlocked(v) => v.key_id(),
        VaultSlot::Locked(h) => h.key_id(),
        _ => String::new(),
    };
    let pending = match state.store.pending_wipe(now).await? {
        Some(r) => {
            let by = state
                .store
                .user_by_id(&r.requested_by)
                .await?
                .map(|u| u.username)
                .unwrap_or_default();
            Some(PendingWipe {
                mine: r.requested_by == user.id,
                id: r.id,
                requested_by: by,
                expires_at: r.expires_at,
                handoff: r.handoff_recipient.is_some(),
            })
        }
        None => None,
    };
    let deployment = state.store.deployment_state().await?;
    let mut handoffs: Vec<String> = std::fs::read_dir(handoff_dir(state))
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    handoffs.sort();
    let status = form_status(&error);
    let page = ProtectionPage {
        chrome: chrome(state, user, "/protection", "Protection", done).await?,
        vault: state.vault_label(),
        key_id,
        can_unlock: user.can(Permission::UnlockVault),
        can_wipe: user.can(Permission::Wipe),
        pending,
        wiped_at: deployment.wiped_at,
        wiped_by: deployment.wiped_by,
        handoffs,
        error,
        minutes: WIPE_CONFIRM_MINUTES,
    };
    render(&page, status)
}

pub async fn protection(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Query(d): Query<Done>,
) -> PageResult {
    protection_page(&state, &user, d.done.as_deref(), None).await
}

/// Unlocks the vault with a passphrase (web and API share this).
pub async fn unlock_vault(
    state: &AppState,
    user: &CurrentUser,
    source: &str,
    passphrase: &str,
) -> Result<(), WebError> {
    let outcome = open_vault_slot(state, passphrase);
    let action = match &outcome {
        Ok(false) => return Ok(()),
        Ok(true) => "vault.unlock",
        Err(_) => "vault.unlock_failed",
    };
    let ev = AuditEvent::new(user.actor(), action, "vault", "", source);
    state.store.audit(&ev, state.now()).await?;
    outcome?;
    state.refresh_matcher();
    Ok(())
}

/// Swaps a locked slot for an unlocked vault; false when it was already unlocked.
fn open_vault_slot(state: &AppState, passphrase: &str) -> Result<bool, WebError> {
    let mut slot = state
        .vault
        .write()
        .map_err(|_| WebError::Internal("lock".into()))?;
    let vault = match &*slot {
        VaultSlot::Unlocked(_) => return Ok(false),
        VaultSlot::Wiped => return Err(WebError::Wiped),
        VaultSlot::Missing => {
            return Err(WebError::BadRequest(
                "this database has no vault: run `drawdown init`".into(),
            ));
        }
        VaultSlot::Locked(h) => {
            drawdown_vault::Vault::open(h, drawdown_vault::Unlock::Passphrase(passphrase))
                .map_err(|e| WebError::BadRequest(format!("cannot unlock: {e}")))?
        }
    };
    *slot = VaultSlot::Unlocked(std::sync::Arc::new(vault));
    Ok(true)
}

pub async fn unlock(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let pass = zeroize::Zeroizing::new(form.get("passphrase").cloned().unwrap_or_default());
    match unlock_vault(&state, &user, &caller.source, &pass).await {
        Ok(()) => see_other("/protection?done=vault-unlocked"),
        Err(WebError::BadRequest(m)) => {
            let ev = AuditEvent::new(
                user.actor(),
                "vault.unlock_failed",
                "vault",
                "",
                &caller.source,
            );
            state.store.audit(&ev, state.now()).await?;
            protection_page(&state, &user, None, Some(m)).await
        }
        Err(e) => Err(e),
    }
}

fn typed_confirmation(f: &HashMap<String, String>) -> Result<(), WebError> {
    if f.get("confirm").map(|s| s.trim()) == Some("WIPE") {
        Ok(())
    } else {
        Err(WebError::BadRequest(
            "type WIPE in capitals to confirm".into(),
        ))
    }
}

pub async fn wipe_request(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let result = async {
        typed_confirmation(&form)?;
        if state.store.deployment_state().await?.is_wiped() {
            return Err(WebError::Wiped);
        }
        let recipient = form
            .get("recipient")
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        if let Some(r) = &recipient {
            services::protection::check_recipient(r)?;
        }
        let now = state.now();
        let req = drawdown_storage::WipeRequest {
            id: uuid::Uuid::now_v7().to_string(),
            requested_by: user.id.clone(),
            requested_at: drawdown_storage::timestamp(now),
            expires_at: drawdown_storage::timestamp(
                now + time::Duration::minutes(WIPE_CONFIRM_MINUTES),
            ),
            handoff_recipient: recipient.clone(),
            state: "pending".into(),
        };
        let ev = AuditEvent::new(
            user.actor(),
            "vault.wipe_request",
            format!("wipe:{}", req.id),
            format!("handoff={}", recipient.is_some()),
            &caller.source,
        );
        state.store.request_wipe(&req, &ev, now).await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => see_other("/protection?done=wipe-requested"),
        Err(WebError::BadRequest(m) | WebError::Conflict(m)) => {
            protection_page(&state, &user, None, Some(m)).await
        }
        Err(e) => Err(e),
    }
}

pub async fn wipe_confirm(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let result = async {
        typed_confirmation(&form)?;
        let now = state.now();
        let req = state
            .store
            .pending_wipe(now)
            .await?
            .filter(|r| Some(r.id.as_str()) == form.get("id").map(String::as_str))
            .ok_or_else(|| WebError::BadRequest("this wipe request is no longer pending (expired or cancelled)".into()))?;
        if req.requested_by == user.id {
            return Err(WebError::BadRequest("a second wipe authority must confirm: you made this request".into()));
        }
        if let Some(recipient) = &req.handoff_recipient {
            // The hand-off comes first: if it fails, nothing is destroyed.
            if state.vault_label() != "unlocked" {
                return Err(WebError::BadRequest("the vault must be unlocked to export the hand-off; unlock it or request a wipe without hand-off".into()));
            }
            let handoff = services::protection::Handoff::load(&state.store).await?;
            let (file, n) = handoff.seal_to(&*state.vault()?, recipient, now)?;
            let dir = handoff_dir(&state);
            std::fs::create_dir_all(&dir).map_err(|e| WebError::Internal(e.to_string()))?;
            let name = format!("handoff-{}.age", now.unix_timestamp());
            std::fs::write(dir.join(&name), &file).map_err(|e| WebError::Internal(e.to_string()))?;
            let ev = AuditEvent::new(user.actor(), "vault.handoff", format!("file:{name}"), format!("people={n}"), &caller.source);
            state.store.audit(&ev, now).await?;
        }
        services::protection::wipe(&state.store, Some((&req.id, &user.id)), &user.actor(), &caller.source, now)
            .await
            .map_err(|e| match e {
                WebError::Conflict(m) => WebError::BadRequest(m),
                other => other,
            })?;
        state.mark_wiped();
        Ok(())
    }
    .await;
    match result {
        Ok(()) => see_other("/protection?done=wiped"),
        Err(WebError::BadRequest(m)) => protection_page(&state, &user, None, Some(m)).await,
        Err(e) => Err(e),
    }
}

pub async fn wipe_cancel(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let id = form.get("id").cloned().unwrap_or_default();
    let ev = AuditEvent::new(
        user.actor(),
        "vault.wipe_cancel",
        format!("wipe:{id}"),
        "",
        &caller.source,
    );
    match state
        .store
        .cancel_wipe(&id, &user.id, &ev, state.now())
        .await
    {
        Ok(()) => see_other("/protection?done=wipe-cancelled"),
        Err(drawdown_storage::StorageError::NotFound(_)) => {
            protection_page(
                &state,
                &user,
                None,
                Some("no pending wipe request to cancel".into()),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn handoff_download(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Path(name): Path<String>,
) -> PageResult {
    let safe = name.starts_with("handoff-")
        && name.ends_with(".age")
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.'));
    if !safe {
        return Err(WebError::NotFound);
    }
    let bytes = std::fs::read(handoff_dir(&state).join(&name)).map_err(|_| WebError::NotFound)?;
    let ev = AuditEvent::new(
        user.actor(),
        "vault.handoff_download",
        format!("file:{name}"),
        "",
        &caller.source,
    );
    state.store.audit(&ev, state.now()).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
