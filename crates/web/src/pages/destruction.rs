//! Destruction: the section's pages and its card on the dashboard.

use super::*;

pub async fn destruction(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
) -> PageResult {
    super::dashboard::section(
        &s,
        &u,
        "/destruction",
        "Destruction",
        "The ledger and the plan to zero for sensitive holdings.",
        &[
            "Inventory of holdings by kind, classification and priority",
            "Approved methods and devices with capacity; a plan with days to zero",
            "Witnessed destruction records, certificates, burn-down chart",
        ],
    )
    .await
}

/// This area's card on the dashboard (a `<section class="card">`).
pub async fn dashboard_card(_state: &AppState, _user: &CurrentUser) -> Result<String, WebError> {
    Ok(r#"<section class="card" aria-labelledby="c-holdings">
    <h2 id="c-holdings">Sensitive holdings left</h2>
    <p class="big">—</p>
    <p class="muted">No holdings inventoried yet (Destruction).</p>
  </section>"#
        .to_string())
}
