//! Alerts: the section's pages and its card on the dashboard.

use super::*;

pub async fn alerts(State(s): State<AppState>, Extension(u): Extension<CurrentUser>) -> PageResult {
    super::dashboard::section(
        &s,
        &u,
        "/alerts",
        "Alerts",
        "Reach the right people, in English, Dari and Pashto.",
        &[
            "Segments of the registry, counted before sending",
            "Templates and messages with per-person fields; two-person approval for large sends",
            "Email and SMS outbox with delivery status; public self-registration form",
        ],
    )
    .await
}

/// This area's card on the dashboard (a `<section class="card">`).
pub async fn dashboard_card(_state: &AppState, _user: &CurrentUser) -> Result<String, WebError> {
    Ok(r#"<section class="card" aria-labelledby="c-alerts">
    <h2 id="c-alerts">Alerts</h2>
    <p class="big">—</p>
    <p class="muted">No alerts sent yet (Alerts).</p>
  </section>"#
        .to_string())
}
