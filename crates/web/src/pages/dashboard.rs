//! The dashboard of the post's footprint: each area renders its own card.

use super::*;

pub struct CategoryCount {
    pub label: &'static str,
    pub count: i64,
    /// Width of the bar, 0–100.
    pub pct: i64,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    categories: Vec<CategoryCount>,
    total: i64,
    sites: Vec<drawdown_storage::SiteRecord>,
    vault: &'static str,
    audit_entries: i64,
    /// Each area's card, rendered by its own module (HTML from askama, escaped there).
    posture_card: String,
    holdings_card: String,
    departures_card: String,
    accountability_card: String,
    alerts_card: String,
}

/// Head-counts by category, in the order PRODUCT.md lists them, with bar widths.
pub async fn category_counts(state: &AppState) -> Result<(Vec<CategoryCount>, i64), WebError> {
    let counts: HashMap<String, i64> = state
        .store
        .count_persons_by_category()
        .await?
        .into_iter()
        .collect();
    let total: i64 = counts.values().sum();
    let max = counts.values().copied().max().unwrap_or(0).max(1);
    let rows = Category::ALL
        .into_iter()
        .map(|c| {
            let count = counts.get(c.slug()).copied().unwrap_or(0);
            CategoryCount {
                label: c.label(),
                count,
                pct: count * 100 / max,
            }
        })
        .collect();
    Ok((rows, total))
}

pub async fn dashboard(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Query(d): Query<Done>,
) -> PageResult {
    let (categories, total) = category_counts(&state).await?;
    let page = DashboardPage {
        chrome: chrome(&state, &user, "/", "Dashboard", d.done.as_deref()).await?,
        categories,
        total,
        sites: state.store.sites().await?,
        vault: state.vault_label(),
        audit_entries: state.store.audit_head().await?.0,
        posture_card: super::posture::dashboard_card(&state, &user).await?,
        holdings_card: super::destruction::dashboard_card(&state, &user).await?,
        departures_card: super::movement::dashboard_card(&state, &user).await?,
        accountability_card: super::accountability::dashboard_card(&state, &user).await?,
        alerts_card: super::alerts::dashboard_card(&state, &user).await?,
    };
    render(&page, StatusCode::OK)
}
