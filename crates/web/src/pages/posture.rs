//! Posture: the section's pages and its card on the dashboard.

use super::*;

pub async fn posture(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
) -> PageResult {
    super::dashboard::section(&s, &u, "/posture", "Posture", "Where the post stands, and why: the situation log, tripwires, posture levels and the committee's decisions.", &[
        "Situation log of indicators (places taken, roads closed, airport status, assessments) with source and confidence",
        "Tripwires over measures derived from the log, each recommending a posture",
        "Posture levels (normal, heightened, authorized departure, ordered departure, suspended) with checklists",
        "Decision log: who decided what, when and why",
    ]).await
}

/// This area's card on the dashboard (a `<section class="card">`).
pub async fn dashboard_card(_state: &AppState, _user: &CurrentUser) -> Result<String, WebError> {
    Ok(r#"<section class="card" aria-labelledby="c-posture">
    <h2 id="c-posture">Posture</h2>
    <p class="big">Normal</p>
    <p class="muted">No posture has been declared yet. The Posture section will hold the situation log, tripwires and decisions.</p>
  </section>"#
        .to_string())
}
