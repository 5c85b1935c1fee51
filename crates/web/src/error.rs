use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use drawdown_domain::Permission;
use drawdown_storage::StorageError;

/// Every failure a request can meet, converted to a page or a JSON body at the edge.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("you need to log in")]
    NotLoggedIn { api: bool, invalid_session: bool },
    #[error("not permitted: your roles do not allow this (it needs one of: {})", roles_for(*need))]
    Forbidden { need: Permission, api: bool },
    #[error("the form's security token (CSRF) is missing or wrong: reload the page and try again")]
    BadCsrf,
    #[error("{0}")]
    BadRequest(String),
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    /// Refused for this user in particular (a task another role owns): 403 with the reason.
    #[error("not permitted: {0}")]
    NotPermitted(String),
    #[error("too many failed attempts: try again in {0} seconds")]
    TooManyAttempts(u64),
    #[error(
        "the vault is locked: an administrator must unlock it before personal data can be used"
    )]
    VaultLocked,
    #[error("personal data on this deployment was wiped and cannot be recovered")]
    Wiped,
    /// Too much waiting to be written: answered 503 with `Retry-After` (seconds).
    #[error("too busy: send again in {0} second(s); anything already recorded counts once")]
    Busy(u32),
    #[error("internal error")]
    Internal(String),
}

fn roles_for(p: Permission) -> String {
    p.granted_by()
        .iter()
        .map(|r| r.slug())
        .collect::<Vec<_>>()
        .join(", ")
}

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::NotLoggedIn { .. } => StatusCode::UNAUTHORIZED,
            WebError::Forbidden { .. } | WebError::NotPermitted(_) => StatusCode::FORBIDDEN,
            WebError::BadCsrf | WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::Conflict(_) => StatusCode::CONFLICT,
            WebError::TooManyAttempts(_) => StatusCode::TOO_MANY_REQUESTS,
            WebError::VaultLocked | WebError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Wiped => StatusCode::GONE,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<StorageError> for WebError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::Conflict(m) => WebError::Conflict(m),
            StorageError::NotFound(_) => WebError::NotFound,
            other => WebError::Internal(other.to_string()),
        }
    }
}

impl From<drawdown_vault::VaultError> for WebError {
    fn from(e: drawdown_vault::VaultError) -> Self {
        WebError::Internal(format!("vault: {e}"))
    }
}

impl From<askama::Error> for WebError {
    fn from(e: askama::Error) -> Self {
        WebError::Internal(format!("template: {e}"))
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if let WebError::Internal(detail) = &self {
            tracing::error!(%detail, "request failed");
        }
        let status = self.status();
        let retry = retry_after(&self);
        let api = matches!(
            self,
            WebError::NotLoggedIn { api: true, .. } | WebError::Forbidden { api: true, .. }
        );
        let response = match self {
            WebError::NotLoggedIn {
                api: false,
                invalid_session,
            } => {
                let to = if invalid_session {
                    "/login?expired=1"
                } else {
                    "/login"
                };
                let mut r = (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response();
                if invalid_session && let Ok(v) = crate::auth::clear_session_cookie().parse() {
                    r.headers_mut().insert(header::SET_COOKIE, v);
                }
                r
            }
            e if api => crate::api::error_body(status, &e.to_string()),
            e => crate::pages::error_page(status, &e),
        };
        response.with_retry_after(retry)
    }
}

/// `Retry-After` for an answer that asks to be sent again.
pub(crate) fn retry_after(e: &WebError) -> Option<u32> {
    match e {
        WebError::Busy(s) => Some(*s),
        _ => None,
    }
}

pub(crate) trait WithRetryAfter {
    fn with_retry_after(self, secs: Option<u32>) -> Self;
}

impl WithRetryAfter for Response {
    fn with_retry_after(mut self, secs: Option<u32>) -> Self {
        if let Some(s) = secs {
            self.headers_mut()
                .insert(header::RETRY_AFTER, axum::http::HeaderValue::from(s));
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_busy_is_a_503_that_says_when_to_send_again() {
        for r in [
            WebError::Busy(1).into_response(),
            crate::api::ApiError(WebError::Busy(1)).into_response(),
        ] {
            assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(
                r.headers()
                    .get(header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok()),
                Some("1")
            );
        }
        let other = WebError::BadRequest("x".into()).into_response();
        assert!(other.headers().get(header::RETRY_AFTER).is_none());
    }
}
