//! Accountability: the scanning page, walk-ups, live head-counts and the dashboard card.

use super::*;
use crate::auth::Caller;
use crate::services::accountability as svc;
use drawdown_passes::Step;
use serde_json::json;

/// A verdict as the scanning page shows it.
pub struct VerdictView {
    pub colour: String,
    pub headline: String,
    pub words: String,
    pub heads: Option<String>,
    pub who: Option<String>,
}

#[derive(Template)]
#[template(path = "accountability_scan.html")]
struct ScanPage {
    chrome: Chrome,
    scan_id: String,
    checkpoints: Vec<Step>,
    checkpoint: String,
    departure: String,
    categories: Vec<(&'static str, &'static str)>,
    verdict: Option<VerdictView>,
}

fn headline(colour: &str) -> &'static str {
    match colour {
        "green" => "GO: expected here now",
        "amber" => "CHECK: known, but something is off",
        _ => "STOP: refused",
    }
}

/// Heads to count: the whole household on the head's pass, lap infants named apart.
pub fn heads_text(heads: i64, lap: i64) -> String {
    match (heads, lap) {
        (1, _) => "1 person".into(),
        (h, 0) => format!("Household: count {h} people"),
        (h, 1) => format!("Household: count {h} people, 1 of them a lap infant"),
        (h, l) => format!("Household: count {h} people, {l} of them lap infants"),
    }
}

fn view(a: &svc::ScanAnswer) -> VerdictView {
    let colour = a.verdict.clone().unwrap_or_else(|| "red".into());
    let mut who = Vec::new();
    if let Some(i) = a.initials.as_deref().filter(|i| !i.is_empty()) {
        who.push(format!("holder {i}"));
    }
    if let Some(y) = a.birth_year {
        who.push(format!("born {y}"));
    }
    if let Some(d) = &a.departure {
        who.push(format!("departure {d}"));
    }
    let words = if a.status == "replayed" {
        format!("{} (already received)", a.words)
    } else {
        a.words.clone()
    };
    VerdictView {
        headline: if a.status == "rejected" {
            "NOT READ: check the input".into()
        } else {
            headline(&colour).into()
        },
        colour,
        words,
        heads: a.heads.map(|h| heads_text(h, a.lap_infants.unwrap_or(0))),
        who: (!who.is_empty()).then(|| who.join(" · ")),
    }
}

async fn scan_page(
    state: &AppState,
    user: &CurrentUser,
    checkpoint: &str,
    departure: &str,
    verdict: Option<VerdictView>,
    status: StatusCode,
) -> PageResult {
    let flow = svc::flow(state).await?;
    let active = flow.active();
    let checkpoint = if flow.accepts(checkpoint) {
        checkpoint.to_string()
    } else {
        active
            .iter()
            .find(|s| s.code == "gate")
            .or(active.first())
            .map(|s| s.code.clone())
            .unwrap_or_default()
    };
    let page = ScanPage {
        chrome: chrome(state, user, "/accountability", "Scan a pass", None).await?,
        scan_id: uuid::Uuid::now_v7().to_string(),
        checkpoints: active,
        checkpoint,
        departure: departure.to_string(),
        categories: Category::ALL
            .into_iter()
            .map(|c| (c.slug(), c.label()))
            .collect(),
        verdict,
    };
    render(&page, status)
}

#[derive(Deserialize, Default)]
pub struct ScanQuery {
    checkpoint: Option<String>,
    departure: Option<String>,
}

pub async fn accountability_scan(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Query(q): Query<ScanQuery>,
) -> PageResult {
    scan_page(
        &s,
        &u,
        q.checkpoint.as_deref().unwrap_or("gate"),
        q.departure.as_deref().unwrap_or(""),
        None,
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize)]
pub struct ScanForm {
    id: String,
    checkpoint: String,
    #[serde(default)]
    departure: String,
    code: String,
}

/// The scanning form without JavaScript: one scan, its verdict on the page.
pub async fn accountability_scan_submit(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Form(f): Form<ScanForm>,
) -> PageResult {
    let code = f.code.trim();
    let mut item = json!({"id": f.id, "checkpoint": f.checkpoint});
    // A person's id is a UUID; anything else is read as a pass.
    if uuid::Uuid::parse_str(code).is_ok() {
        item["person"] = json!(code);
    } else {
        item["token"] = json!(code);
    }
    if !f.departure.trim().is_empty() {
        item["departure"] = json!(f.departure.trim());
    }
    let answers = svc::submit_scans(&s, &u, &caller.source, &item).await?;
    let v = answers.first().map(view);
    let status = if answers.first().is_some_and(|a| a.status == "rejected") {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    scan_page(&s, &u, &f.checkpoint, f.departure.trim(), v, status).await
}

#[derive(Deserialize)]
pub struct WalkupForm {
    checkpoint: String,
    given_name: String,
    #[serde(default)]
    family_name: String,
    #[serde(default)]
    birth_year: String,
    #[serde(default)]
    phone: String,
    category: String,
}

/// A walk-up: a few fields, added to the registry (to be resolved with the other lists) and
/// scanned in at this checkpoint at once.
pub async fn accountability_walkup(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Form(f): Form<WalkupForm>,
) -> PageResult {
    let year = f.birth_year.trim();
    let bad = |m: &str| WebError::BadRequest(format!("walk-up: {m}"));
    if !year.is_empty() && (year.len() != 4 || year.parse::<u16>().is_err()) {
        return Err(bad("birth year: four digits, like 1984"));
    }
    let category = Category::parse(&f.category).ok_or_else(|| bad("category: choose one"))?;
    let details = PersonalDetails {
        given_name: f.given_name.trim().into(),
        family_name: f.family_name.trim().into(),
        birth_date: year.into(),
        phone: f.phone.trim().into(),
        notes: format!("walk-up at {}", f.checkpoint.trim()),
        ..Default::default()
    };
    let id = svc::walkup(&s, &u, &caller.source, &details, category).await?;
    let item =
        json!({"id": uuid::Uuid::now_v7().to_string(), "person": id, "checkpoint": f.checkpoint});
    let answers = svc::submit_scans(&s, &u, &caller.source, &item).await?;
    let mut v = answers.first().map(view);
    if let Some(v) = v.as_mut() {
        v.who = Some(format!("walk-up registered as {id}"));
    }
    scan_page(&s, &u, &f.checkpoint, "", v, StatusCode::OK).await
}

/// The scanning page's service worker, served from under /accountability/ so its scope
/// covers the page (an asset path would limit it to /assets/).
pub async fn accountability_sw() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        include_str!("../../assets/scan-sw.js"),
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "accountability.html")]
struct HeadcountPage {
    chrome: Chrome,
    h: svc::Headcounts,
    can_scan: bool,
    can_issue: bool,
}

/// Live head-counts (the numbers refresh without reloading when scripts run).
pub async fn accountability(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
) -> PageResult {
    let h = svc::headcounts(&s).await?;
    let page = HeadcountPage {
        chrome: chrome(&s, &u, "/accountability", "Accountability", None).await?,
        h,
        can_scan: u.can(Permission::ScanCheckpoint),
        can_issue: u.can(Permission::ManageMovement),
    };
    render(&page, StatusCode::OK)
}

/// This area's card on the dashboard: heads by the last checkpoint (one small query).
pub async fn dashboard_card(state: &AppState, _user: &CurrentUser) -> Result<String, WebError> {
    let flow = svc::flow(state).await?;
    let counts = state.store.whereabouts_by_checkpoint().await?;
    let heads = |codes: &[&str]| -> i64 {
        counts
            .iter()
            .filter(|c| codes.contains(&c.checkpoint.as_str()))
            .map(|c| c.heads)
            .sum()
    };
    let boarding = flow.boarding().unwrap_or(0);
    let on_the_way: Vec<&str> = flow.steps[..boarding]
        .iter()
        .map(|s| s.code.as_str())
        .collect();
    let total: i64 = counts.iter().map(|c| c.heads).sum();
    if total == 0 {
        return Ok(r#"<section class="card" aria-labelledby="c-accountability">
    <h2 id="c-accountability"><a href="/accountability">Accountability</a></h2>
    <p class="big">0</p>
    <p class="muted">No one scanned at a checkpoint yet.</p>
  </section>"#
            .to_string());
    }
    Ok(format!(
        r#"<section class="card" aria-labelledby="c-accountability">
    <h2 id="c-accountability"><a href="/accountability">Accountability</a></h2>
    <p class="big">{arrived}</p>
    <p class="muted">people arrived at the safe haven</p>
    <dl class="facts">
      <dt>On the way to boarding</dt><dd>{way}</dd>
      <dt>Boarded</dt><dd>{boarded}</dd>
      <dt>Departed</dt><dd>{departed}</dd>
    </dl>
  </section>"#,
        arrived = count(&heads(&["arrived"])),
        way = count(&heads(&on_the_way)),
        boarded = count(&heads(&["boarding"])),
        departed = count(&heads(&["departed"])),
    ))
}

#[derive(Template)]
#[template(path = "accountability_passes.html")]
struct PassesPage {
    chrome: Chrome,
    /// Each pass with where it stands now: live, not yet valid, expired, revoked.
    passes: Vec<(drawdown_storage::accountability::PassRecord, &'static str)>,
    error: Option<String>,
    message: Option<String>,
}

async fn passes_page(
    s: &AppState,
    u: &CurrentUser,
    error: Option<String>,
    message: Option<String>,
) -> PageResult {
    let status = form_status(&error);
    let now = drawdown_storage::timestamp(s.now());
    let passes = s
        .store
        .passes(None, None, 500)
        .await?
        .into_iter()
        .map(|p| {
            let status = if p.revoked_at.is_some() {
                "revoked"
            } else if p.valid_from > now {
                "not yet valid"
            } else if p.valid_until < now {
                "expired"
            } else {
                "live"
            };
            (p, status)
        })
        .collect();
    let page = PassesPage {
        chrome: chrome(s, u, "/accountability", "Boarding passes", None).await?,
        passes,
        error,
        message,
    };
    render(&page, status)
}

pub async fn accountability_passes(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Query(d): Query<Done>,
) -> PageResult {
    let msg = match d.done.as_deref() {
        Some("revoked") => Some("Pass revoked: checkpoints refuse it from now on.".to_string()),
        _ => None,
    };
    passes_page(&s, &u, None, msg).await
}

#[derive(Deserialize)]
pub struct IssueForm {
    departure: String,
    people: String,
    #[serde(default)]
    valid_from: String,
    #[serde(default)]
    valid_until: String,
}

pub async fn accountability_issue(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Form(f): Form<IssueForm>,
) -> PageResult {
    let orders: Vec<svc::PassOrder> = f
        .people
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|p| svc::PassOrder {
            person: p.to_string(),
            departure: f.departure.trim().to_string(),
        })
        .collect();
    let result = async {
        if orders.is_empty() {
            return Err(WebError::BadRequest("people: one person id a line".into()));
        }
        let (from, until) = svc::window(&s, Some(&f.valid_from), Some(&f.valid_until))?;
        svc::issue_passes(&s, &u.actor(), &caller.source, &orders, from, until).await
    }
    .await;
    match result {
        Ok(issued) => {
            let msg = format!(
                "{} passes issued ({} already had a live pass for this departure).",
                issued.len(),
                orders.len() - issued.len()
            );
            passes_page(&s, &u, None, Some(msg)).await
        }
        Err(WebError::BadRequest(e)) => passes_page(&s, &u, Some(e), None).await,
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct DepartureForm {
    departure: String,
}

/// Issues a whole manifest's passes (one per household), from the passes page.
pub async fn accountability_issue_departure(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Form(f): Form<DepartureForm>,
) -> PageResult {
    match svc::issue_manifest_passes(&s, &u.actor(), &caller.source, &f.departure).await {
        Ok(r) => {
            let msg = format!(
                "Departure {}: {} passes issued for {} households on the manifest ({} already had a live pass).",
                r.departure,
                r.passes.len(),
                r.households,
                r.households - r.passes.len()
            );
            passes_page(&s, &u, None, Some(msg)).await
        }
        Err(WebError::BadRequest(e)) => passes_page(&s, &u, Some(e), None).await,
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct RevokeForm {
    reason: String,
}

pub async fn accountability_revoke(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Form(f): Form<RevokeForm>,
) -> PageResult {
    match svc::revoke_pass(&s, &u.actor(), &caller.source, &id, &f.reason).await {
        Ok(()) => see_other("/accountability/passes?done=revoked"),
        Err(WebError::BadRequest(e)) => passes_page(&s, &u, Some(e), None).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "accountability_pass.html")]
struct PassPage {
    chrome: Chrome,
    p: svc::IssuedPass,
    qr: String,
}

async fn opened_pass(s: &AppState, id: &str) -> Result<svc::IssuedPass, WebError> {
    let rec = s.store.pass(id).await?.ok_or(WebError::NotFound)?;
    svc::open_pass(s, &rec)
}

/// A pass to print (audited: it shows a holder's initials and birth year).
pub async fn accountability_pass(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> PageResult {
    let p = opened_pass(&s, &id).await?;
    s.store
        .audit(
            &AuditEvent::new(
                u.actor(),
                "passes.read",
                format!("pass:{id}"),
                "page",
                &caller.source,
            ),
            s.now(),
        )
        .await?;
    let qr =
        drawdown_documents::qr_svg(&p.token).map_err(|e| WebError::Internal(format!("qr: {e}")))?;
    let page = PassPage {
        chrome: chrome(&s, &u, "/accountability", "Boarding pass", None).await?,
        p,
        qr,
    };
    render(&page, StatusCode::OK)
}

#[derive(Deserialize, Default)]
pub struct SizeQuery {
    size: Option<String>,
}

/// The pass as a PDF, A6 (a pocket printer, or four to a sheet) or A4; English, Dari, Pashto.
pub async fn accountability_pass_pdf(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Query(q): Query<SizeQuery>,
) -> PageResult {
    let size = match q.size.as_deref().unwrap_or("a6") {
        "a6" => drawdown_documents::PageSize::A6,
        "a4" => drawdown_documents::PageSize::A4,
        other => {
            return Err(WebError::BadRequest(format!(
                "size: a6 or a4, not '{other}'"
            )));
        }
    };
    let p = opened_pass(&s, &id).await?;
    s.store
        .audit(
            &AuditEvent::new(
                u.actor(),
                "passes.read",
                format!("pass:{id}"),
                "pdf",
                &caller.source,
            ),
            s.now(),
        )
        .await?;
    let pdf = svc::pass_pdf(&p, size, s.now())?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"pass-{id}.pdf\""),
            ),
        ],
        pdf,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "accountability_checkpoints.html")]
struct CheckpointsPage {
    chrome: Chrome,
    checkpoints: Vec<svc::CheckpointView>,
    error: Option<String>,
    message: Option<String>,
}

async fn checkpoints_page(
    s: &AppState,
    u: &CurrentUser,
    error: Option<String>,
    message: Option<String>,
) -> PageResult {
    let status = form_status(&error);
    let page = CheckpointsPage {
        chrome: chrome(s, u, "/accountability", "Checkpoints", None).await?,
        checkpoints: svc::checkpoint_list(&s.store).await?,
        error,
        message,
    };
    render(&page, status)
}

/// The checkpoints in order: add, rename, reorder, retire, restore.
pub async fn accountability_checkpoints(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Query(d): Query<Done>,
) -> PageResult {
    let msg = d.done.as_deref().map(|what| format!("Checkpoint {what}."));
    checkpoints_page(&s, &u, None, msg).await
}

/// Applies a change from the page: back to the page with what was done, or the error (400).
async fn checkpoint_change(
    s: &AppState,
    u: &CurrentUser,
    caller: &Caller,
    change: svc::CheckpointChange,
    done: &str,
) -> PageResult {
    match svc::change_checkpoints_now(s, u, &caller.source, &change).await {
        Ok(_) => see_other(&format!("/accountability/checkpoints?done={done}")),
        Err(WebError::BadRequest(e)) => checkpoints_page(s, u, Some(e), None).await,
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct AddCheckpointForm {
    code: String,
    name: String,
    #[serde(default)]
    after: String,
    #[serde(default)]
    required: String,
}

pub async fn accountability_checkpoint_add(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Form(f): Form<AddCheckpointForm>,
) -> PageResult {
    let change = svc::CheckpointChange::Add {
        code: f.code,
        name: f.name,
        required: !f.required.is_empty(),
        after: Some(f.after),
    };
    checkpoint_change(&s, &u, &caller, change, "added").await
}

#[derive(Deserialize)]
pub struct EditCheckpointForm {
    name: String,
    #[serde(default)]
    required: String,
}

pub async fn accountability_checkpoint_edit(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Path(code): Path<String>,
    Form(f): Form<EditCheckpointForm>,
) -> PageResult {
    let change = svc::CheckpointChange::Edit {
        code,
        name: Some(f.name),
        required: Some(!f.required.is_empty()),
    };
    checkpoint_change(&s, &u, &caller, change, "saved").await
}

#[derive(Deserialize)]
pub struct MoveCheckpointForm {
    to: String,
}

pub async fn accountability_checkpoint_move(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Path(code): Path<String>,
    Form(f): Form<MoveCheckpointForm>,
) -> PageResult {
    let list = svc::checkpoint_list(&s.store).await?;
    let Some(at) = list.iter().find(|c| c.code == code).map(|c| c.position) else {
        return checkpoints_page(&s, &u, Some(format!("no checkpoint '{code}'")), None).await;
    };
    let position = match f.to.as_str() {
        "up" => at.saturating_sub(1).max(1),
        "down" => (at + 1).min(list.len()),
        other => {
            return checkpoints_page(&s, &u, Some(format!("to: up or down, not '{other}'")), None)
                .await;
        }
    };
    let change = svc::CheckpointChange::Move { code, position };
    checkpoint_change(&s, &u, &caller, change, "moved").await
}

pub async fn accountability_checkpoint_retire(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Path(code): Path<String>,
) -> PageResult {
    let change = svc::CheckpointChange::Retire { code };
    checkpoint_change(&s, &u, &caller, change, "retired").await
}

pub async fn accountability_checkpoint_restore(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Path(code): Path<String>,
) -> PageResult {
    let change = svc::CheckpointChange::Restore { code };
    checkpoint_change(&s, &u, &caller, change, "restored").await
}
