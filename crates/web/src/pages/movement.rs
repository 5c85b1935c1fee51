//! Movement: the section's pages and its card on the dashboard.

use super::*;

pub async fn movement(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
) -> PageResult {
    super::dashboard::section(&s, &u, "/movement", "Movement", "Departures and manifests: who leaves on which flight or convoy.", &[
        "Departures board (flights, convoys) with seats, gate and status",
        "A planner that keeps households together, respects priority, deadlines and gate throughput",
        "Manifest editor and exports (CSV, XLSX, PDF) with advance passenger information",
    ]).await
}

/// This area's card on the dashboard (a `<section class="card">`).
pub async fn dashboard_card(_state: &AppState, _user: &CurrentUser) -> Result<String, WebError> {
    Ok(r#"<section class="card" aria-labelledby="c-departures">
    <h2 id="c-departures">Departures</h2>
    <p class="big">—</p>
    <p class="muted">No departures planned yet (Movement).</p>
  </section>"#
        .to_string())
}
