//! Accountability: the section's pages and its card on the dashboard.

use super::*;

pub async fn accountability(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
) -> PageResult {
    super::dashboard::section(
        &s,
        &u,
        "/accountability",
        "Accountability",
        "Who is where, without handing anyone a list.",
        &[
            "Checkpoints from rally point to safe haven",
            "Signed boarding passes verified offline",
            "A scanning page that works without the network; live head-counts",
        ],
    )
    .await
}

/// This area's card on the dashboard (a `<section class="card">`).
pub async fn dashboard_card(_state: &AppState, _user: &CurrentUser) -> Result<String, WebError> {
    Ok(r#"<section class="card" aria-labelledby="c-accountability">
    <h2 id="c-accountability">Accountability</h2>
    <p class="big">—</p>
    <p class="muted">No checkpoint scans yet (Accountability).</p>
  </section>"#
        .to_string())
}
