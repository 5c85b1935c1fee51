//! The dashboard of the post's footprint, and the sections still being built.

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
    };
    render(&page, StatusCode::OK)
}

#[derive(Template)]
#[template(path = "section.html")]
struct SectionPage {
    chrome: Chrome,
    heading: &'static str,
    lead: &'static str,
    parts: &'static [&'static str],
}

async fn section(
    state: &AppState,
    user: &CurrentUser,
    href: &str,
    heading: &'static str,
    lead: &'static str,
    parts: &'static [&'static str],
) -> PageResult {
    let page = SectionPage {
        chrome: chrome(state, user, href, heading, None).await?,
        heading,
        lead,
        parts,
    };
    render(&page, StatusCode::OK)
}

pub async fn posture(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
) -> PageResult {
    section(&s, &u, "/posture", "Posture", "Where the post stands, and why: the situation log, tripwires, posture levels and the committee's decisions.", &[
        "Situation log of indicators (places taken, roads closed, airport status, assessments) with source and confidence",
        "Tripwires over measures derived from the log, each recommending a posture",
        "Posture levels (normal, heightened, authorized departure, ordered departure, suspended) with checklists",
        "Decision log: who decided what, when and why",
    ]).await
}

pub async fn movement(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
) -> PageResult {
    section(&s, &u, "/movement", "Movement", "Departures and manifests: who leaves on which flight or convoy.", &[
        "Departures board (flights, convoys) with seats, gate and status",
        "A planner that keeps households together, respects priority, deadlines and gate throughput",
        "Manifest editor and exports (CSV, XLSX, PDF) with advance passenger information",
    ]).await
}

pub async fn accountability(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
) -> PageResult {
    section(
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

pub async fn alerts(State(s): State<AppState>, Extension(u): Extension<CurrentUser>) -> PageResult {
    section(
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

pub async fn destruction(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
) -> PageResult {
    section(
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
