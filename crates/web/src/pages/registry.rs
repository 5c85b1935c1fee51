//! The registry's work pages: importing a list (dry run, mapping, commit with progress), one
//! person with every row behind them and why they were merged, and the review queue.

use super::*;
use crate::services::registry::{self as reg, ImportInput, RowValues};
use crate::state::{Job, Staged};
use axum::extract::Multipart;
use drawdown_import::Target;

// ------------------------------------------------------------ import

pub struct SourceView {
    pub name: String,
    pub rows: i64,
    pub imports: i64,
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    chrome: Chrome,
    sources: Vec<SourceView>,
    imports: Vec<drawdown_storage::registry::ImportRecord>,
    error: Option<String>,
}

pub async fn import_page(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> PageResult {
    import_page_with(&state, &user, None).await
}

async fn import_page_with(
    state: &AppState,
    user: &CurrentUser,
    error: Option<String>,
) -> PageResult {
    let page = ImportPage {
        chrome: chrome(state, user, "/people", "Import a list", None).await?,
        sources: state
            .store
            .sources()
            .await?
            .into_iter()
            .map(|s| SourceView {
                name: s.name,
                rows: s.rows_live,
                imports: s.imports,
            })
            .collect(),
        imports: state.store.imports(20).await?,
        error: error.clone(),
    };
    render(&page, form_status(&error))
}

pub struct MappingRow {
    pub index: usize,
    pub header: String,
    pub target: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "import_preview.html")]
struct PreviewPage {
    chrome: Chrome,
    token: String,
    source: String,
    file_name: String,
    encoding: &'static str,
    rows_read: usize,
    origin: &'static str,
    mapping: Vec<MappingRow>,
    targets: Vec<(&'static str, &'static str)>,
    problems: Vec<drawdown_import::RowProblem>,
    more_problems: usize,
    added: usize,
    changed: usize,
    unchanged: usize,
    removed: usize,
}

const SHOWN_PROBLEMS: usize = 500;

async fn preview(
    state: &AppState,
    user: &CurrentUser,
    token: &str,
    mapping: Option<Vec<Option<Target>>>,
) -> PageResult {
    let (source, file_name, bytes) = state.desk.staged(token, &user.id).ok_or_else(|| {
        WebError::BadRequest(
            "this upload is no longer waiting (it expired after 30 minutes): upload the file again"
                .into(),
        )
    })?;
    let vault = state.vault()?;
    let plan = reg::plan_import(
        &state.store,
        &vault,
        ImportInput {
            source,
            file_name,
            bytes,
            format: None,
            mapping,
            overrides: vec![],
        },
        &user.actor(),
    )
    .await?;
    let reasons: HashMap<usize, String> = plan
        .suggestions
        .iter()
        .map(|s| (s.column, s.reason.clone()))
        .collect();
    let total_problems = plan.problems.len();
    let page = PreviewPage {
        chrome: chrome(state, user, "/people", "Check the import", None).await?,
        token: token.to_string(),
        mapping: plan
            .headers
            .iter()
            .zip(&plan.mapping)
            .enumerate()
            .map(|(i, (h, t))| MappingRow {
                index: i,
                header: h.clone(),
                target: t.map(|t| t.name()).unwrap_or("").to_string(),
                reason: reasons.get(&i).cloned().unwrap_or_default(),
            })
            .collect(),
        targets: Target::ALL.iter().map(|t| (t.name(), t.label())).collect(),
        problems: plan.problems.iter().take(SHOWN_PROBLEMS).cloned().collect(),
        more_problems: total_problems.saturating_sub(SHOWN_PROBLEMS),
        source: plan.source,
        file_name: plan.file_name,
        encoding: plan.encoding,
        rows_read: plan.rows_read,
        origin: plan.mapping_origin,
        added: plan.added,
        changed: plan.changed,
        unchanged: plan.unchanged,
        removed: plan.removed,
    };
    render(&page, StatusCode::OK)
}

/// Receives the file, keeps it in memory, and shows the dry run.
pub async fn import_upload(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    mut multipart: Multipart,
) -> PageResult {
    let mut source = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return import_page_with(&state, &user, Some(format!("the upload failed: {e}")))
                    .await;
            }
        };
        match field.name() {
            Some("source") => source = field.text().await.unwrap_or_default(),
            Some("file") => {
                let name = field.file_name().unwrap_or("upload").to_string();
                match field.bytes().await {
                    Ok(b) => file = Some((name, b.to_vec())),
                    Err(e) => {
                        return import_page_with(
                            &state,
                            &user,
                            Some(format!("the upload failed: {e}")),
                        )
                        .await;
                    }
                }
            }
            _ => {}
        }
    }
    let Some((file_name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return import_page_with(&state, &user, Some("choose a file to import".into())).await;
    };
    if source.trim().is_empty() {
        return import_page_with(
            &state,
            &user,
            Some("name the list the file comes from".into()),
        )
        .await;
    }
    let token = auth::random_token();
    state.desk.stage(
        token.clone(),
        Staged {
            owner: user.id.clone(),
            source: source.trim().to_string(),
            file_name,
            bytes,
            at: std::time::Instant::now(),
        },
    )?;
    match preview(&state, &user, &token, None).await {
        Err(WebError::BadRequest(m)) => {
            state.desk.take(&token);
            import_page_with(&state, &user, Some(m)).await
        }
        other => other,
    }
}

/// "Check again" with a corrected mapping, or "Import".
pub async fn import_decide(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Path(token): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = Fields(form);
    let mut columns: Vec<(usize, Option<Target>)> = Vec::new();
    for (k, v) in &f.0 {
        if let Some(i) = k.strip_prefix("map_").and_then(|i| i.parse::<usize>().ok()) {
            columns.push((i, if v.is_empty() { None } else { Target::parse(v) }));
        }
    }
    columns.sort_by_key(|(i, _)| *i);
    let mapping =
        (!columns.is_empty()).then(|| columns.into_iter().map(|(_, t)| t).collect::<Vec<_>>());
    if f.get("action") != "commit" {
        return preview(&state, &user, &token, mapping).await;
    }
    let (source, file_name, bytes) = state.desk.staged(&token, &user.id).ok_or_else(|| {
        WebError::BadRequest("this upload is no longer waiting: upload the file again".into())
    })?;
    state.desk.take(&token);
    let vault = state.vault()?;
    let (actor, ip) = (user.actor(), caller.source.clone());
    let first = format!("Reading {file_name}");
    let job = start_job(&state, &user, first, move |st, stage| async move {
        let now = st.now();
        let plan = reg::plan_import(
            &st.store,
            &vault,
            ImportInput {
                source,
                file_name,
                bytes,
                format: None,
                mapping,
                overrides: vec![],
            },
            &actor,
        )
        .await?;
        let (rows, list) = (plan.rows_read, plan.source.clone());
        stage(format!("Writing {rows} rows of {list}"));
        reg::commit_import(&st.store, plan, &actor, &ip, now).await?;
        stage("Resolving the registry: matching every row against every other".into());
        let (s, matcher) = reg::resolve_registry(&st.store, &vault, &actor, &ip, now).await?;
        st.set_matcher(matcher);
        Ok(format!(
            "{list} imported. The registry now holds {} people from {} rows, in {} households; {} pairs wait for review.",
            count(&s.persons),
            count(&s.rows),
            count(&s.households),
            count(&s.review)
        ))
    });
    see_other(&format!("/people/jobs/{job}"))
}

/// Runs `work` in the background as a job of `user`'s, whose progress page shows each stage
/// it reports; returns the job's id.
fn start_job<W, F>(state: &AppState, user: &CurrentUser, first_stage: String, work: W) -> String
where
    W: FnOnce(AppState, Box<dyn Fn(String) + Send + Sync>) -> F + Send + 'static,
    F: std::future::Future<Output = Result<String, WebError>> + Send + 'static,
{
    let id = uuid::Uuid::now_v7().to_string();
    let owner = user.id.clone();
    state.desk.set_job(
        &id,
        Job::Running {
            owner: owner.clone(),
            stage: first_stage,
        },
    );
    let (st, job_id) = (state.clone(), id.clone());
    let reporter = {
        let (st, job_id, owner) = (st.clone(), job_id.clone(), owner.clone());
        Box::new(move |stage: String| {
            st.desk.set_job(
                &job_id,
                Job::Running {
                    owner: owner.clone(),
                    stage,
                },
            )
        }) as Box<dyn Fn(String) + Send + Sync>
    };
    tokio::spawn(async move {
        let job = match work(st.clone(), reporter).await {
            Ok(summary) => Job::Done { owner, summary },
            Err(e) => Job::Failed {
                owner,
                error: e.to_string(),
            },
        };
        st.desk.set_job(&job_id, job);
    });
    id
}

#[derive(Template)]
#[template(path = "job.html")]
struct JobPage {
    chrome: Chrome,
    running: bool,
    text: String,
    failed: bool,
}

pub async fn job(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(id): Path<String>,
) -> PageResult {
    let job = state
        .desk
        .job(&id)
        .filter(|j| j.owner() == user.id)
        .ok_or(WebError::NotFound)?;
    let (running, text, failed) = match job {
        Job::Running { stage, .. } => (true, stage, false),
        Job::Done { summary, .. } => (false, summary, false),
        Job::Failed { error, .. } => (false, error, true),
    };
    let page = JobPage {
        chrome: chrome(&state, &user, "/people", "Import", None).await?,
        running,
        text,
        failed,
    };
    render(&page, StatusCode::OK)
}

/// Re-resolves the registry (after review decisions), as a job.
pub async fn resolve_now(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
) -> PageResult {
    let vault = state.vault()?;
    let (actor, ip) = (user.actor(), caller.source.clone());
    let job = start_job(
        &state,
        &user,
        "Resolving the registry".into(),
        move |st, _| async move {
            let (s, matcher) =
                reg::resolve_registry(&st.store, &vault, &actor, &ip, st.now()).await?;
            st.set_matcher(matcher);
            Ok(format!(
                "The registry now holds {} people from {} rows; {} pairs wait for review.",
                count(&s.persons),
                count(&s.rows),
                count(&s.review)
            ))
        },
    );
    see_other(&format!("/people/jobs/{job}"))
}

// ------------------------------------------------------------ one person

pub struct RowView {
    pub id: String,
    pub list: String,
    pub file: String,
    pub row_number: i64,
    pub values: Vec<(&'static str, String)>,
    pub why: String,
}

pub struct MemberView {
    pub id: String,
    pub name: String,
    pub born: String,
    pub lap_infant: bool,
    pub is_self: bool,
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    chrome: Chrome,
    id: String,
    name: String,
    details: PersonalDetails,
    category: &'static str,
    status: String,
    priority: i64,
    priority_rule: String,
    overridden: bool,
    household: Vec<MemberView>,
    suggested: Vec<MemberView>,
    rows: Vec<RowView>,
    can_manage: bool,
}

fn row_view(
    vault: &drawdown_vault::Vault,
    row: &drawdown_storage::registry::SourceRow,
) -> Result<(RowView, RowValues), WebError> {
    let v = RowValues::open(vault, row)?;
    let values = Target::ALL
        .iter()
        .filter_map(|t| v.get(*t).map(|x| (t.label(), x.to_string())))
        .collect();
    Ok((
        RowView {
            id: row.id.clone(),
            list: row.source_name.clone(),
            file: row.last_file.clone(),
            row_number: row.row_number,
            values,
            why: String::new(),
        },
        v,
    ))
}

fn open_person(
    vault: &drawdown_vault::Vault,
    p: &drawdown_storage::PersonRecord,
) -> Result<PersonalDetails, WebError> {
    let plain = vault.open_sealed(&person_aad(&p.id), &p.sealed)?;
    serde_json::from_slice(&plain).map_err(|e| WebError::Internal(e.to_string()))
}

pub async fn person(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Path(id): Path<String>,
) -> PageResult {
    let p = state.store.person(&id).await?.ok_or(WebError::NotFound)?;
    let vault = state.vault()?;
    let details = open_person(&vault, &p)?;
    let stored = state.store.rows_of_person(&id).await?;
    let matcher = state.matcher();
    let model = matcher.as_ref().map(|m| m.index.model());
    let mut rows = Vec::with_capacity(stored.len());
    let mut first: Option<drawdown_resolution::RawRecord> = None;
    for r in &stored {
        let (mut view, values) = row_view(&vault, r)?;
        let record = values.to_record(&r.id, &r.source_name);
        match (&first, &model) {
            (Some(a), Some(m)) => {
                view.why = drawdown_resolution::explain(a, &record, m).to_string()
            }
            (None, _) => first = Some(record),
            _ => {}
        }
        rows.push(view);
    }
    let mut household = Vec::new();
    if let Some(h) = &p.household_id {
        for m in state.store.household_members(h).await? {
            let d = open_person(&vault, &m)?;
            household.push(MemberView {
                is_self: m.id == p.id,
                id: m.id,
                name: d.full_name(),
                born: d.birth_date,
                lap_infant: m.lap_infant,
            });
        }
    }
    // Suggestions: people who share a phone and a name with this person, not yet in their
    // household. A person decides; the lists' household columns are the only automatic link.
    let keys = state.store.search_keys_of(&id).await?;
    let names: std::collections::HashSet<&str> = keys
        .iter()
        .filter(|(k, _)| k == "name")
        .map(|(_, v)| v.as_str())
        .collect();
    let mut suggested: Vec<MemberView> = Vec::new();
    for (_, phone) in keys.iter().filter(|(k, _)| k == "phone") {
        for other in state
            .store
            .persons_with_keys(std::slice::from_ref(phone), 50)
            .await?
        {
            if other == id
                || household.iter().any(|m| m.id == other)
                || suggested.iter().any(|m| m.id == other)
            {
                continue;
            }
            let shares_name = state
                .store
                .search_keys_of(&other)
                .await?
                .iter()
                .any(|(k, v)| k == "name" && names.contains(v.as_str()));
            if let (true, Some(p)) = (shares_name, state.store.person(&other).await?) {
                let d = open_person(&vault, &p)?;
                suggested.push(MemberView {
                    id: p.id,
                    name: d.full_name(),
                    born: d.birth_date,
                    lap_infant: p.lap_infant,
                    is_self: false,
                });
            }
        }
    }
    let ev = AuditEvent::new(
        user.actor(),
        "people.view",
        format!("person:{id}"),
        format!("rows={}", rows.len()),
        &caller.source,
    );
    state.store.audit(&ev, state.now()).await?;
    let page = PersonPage {
        chrome: chrome(&state, &user, "/people", "Person", None).await?,
        name: details.full_name(),
        category: Category::parse(&p.category)
            .map(Category::label)
            .unwrap_or("?"),
        status: p.status.clone(),
        priority: p.priority_override.unwrap_or(p.priority),
        priority_rule: if p.priority_override.is_some() {
            "set by hand".into()
        } else {
            p.priority_rule.clone()
        },
        overridden: p.priority_override.is_some(),
        details,
        household,
        suggested,
        rows,
        can_manage: user.can(Permission::ManagePeople),
        id,
    };
    render(&page, StatusCode::OK)
}

/// "Split this row out": the row is not the same person as any other row of this person.
pub async fn split_row(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let row = form.get("row").cloned().unwrap_or_default();
    let rows = state.store.rows_of_person(&id).await?;
    if !rows.iter().any(|r| r.id == row) {
        return Err(WebError::BadRequest(
            "that row is not one of this person's".into(),
        ));
    }
    for other in rows.iter().filter(|r| r.id != row) {
        let ev = AuditEvent::new(
            user.actor(),
            "registry.unmerge",
            format!("rows:{row},{}", other.id),
            format!("person:{id}"),
            &caller.source,
        );
        state
            .store
            .decide_pair(
                &row,
                &other.id,
                "not_match",
                &user.actor(),
                &ev,
                state.now(),
            )
            .await?;
    }
    resolve_now(State(state), Extension(user), Extension(caller)).await
}

/// "Merge with another person": one row of each is the same person.
pub async fn merge_with(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let other = form
        .get("other")
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let a = state.store.rows_of_person(&id).await?;
    let b = state.store.rows_of_person(&other).await?;
    let (Some(a), Some(b)) = (a.first(), b.first()) else {
        return Err(WebError::BadRequest(
            "give the id of another person on the registry (it is in the address of their page)"
                .into(),
        ));
    };
    let ev = AuditEvent::new(
        user.actor(),
        "registry.merge",
        format!("rows:{},{}", a.id, b.id),
        format!("persons:{id},{other}"),
        &caller.source,
    );
    state
        .store
        .decide_pair(&a.id, &b.id, "match", &user.actor(), &ev, state.now())
        .await?;
    resolve_now(State(state), Extension(user), Extension(caller)).await
}

/// A registrar's priority over the rules, on the record.
pub async fn set_priority(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let tier = match form.get("tier").map(|s| s.trim()).unwrap_or("") {
        "" => None,
        t => Some(
            t.parse::<i64>()
                .ok()
                .filter(|t| (1..=9).contains(t))
                .ok_or_else(|| {
                    WebError::BadRequest("a priority tier is 1 (first out) to 9".into())
                })?,
        ),
    };
    let reason = form.get("reason").map(|s| s.trim()).unwrap_or("");
    if tier.is_some() && reason.is_empty() {
        return Err(WebError::BadRequest(
            "say why the rules are overridden (it goes on the record)".into(),
        ));
    }
    let detail = match tier {
        Some(t) => format!("tier={t} reason={reason}"),
        None => "back to the rules".into(),
    };
    let ev = AuditEvent::new(
        user.actor(),
        "people.priority",
        format!("person:{id}"),
        detail,
        &caller.source,
    );
    state
        .store
        .set_priority_override(&id, tier, &ev, state.now())
        .await?;
    see_other(&format!("/people/{id}"))
}

// ------------------------------------------------------------ review queue

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
    chrome: Chrome,
    waiting: i64,
    skip: i64,
    pair: Option<(RowView, RowView)>,
    /// The pair's match weight and what it means, for people: "+0.0 (probability 0.50)".
    score: String,
    why: String,
}

#[derive(Deserialize, Default)]
pub struct ReviewQuery {
    skip: Option<i64>,
}

pub async fn review(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Query(q): Query<ReviewQuery>,
) -> PageResult {
    let skip = q.skip.unwrap_or(0).max(0);
    let waiting = state.store.review_count().await?;
    let next = state.store.review_queue(1, skip).await?;
    let mut page = ReviewPage {
        chrome: chrome(&state, &user, "/people", "Review", None).await?,
        waiting,
        skip,
        pair: None,
        score: String::new(),
        why: String::new(),
    };
    if let Some((a, b, score)) = next.into_iter().next() {
        let vault = state.vault()?;
        let rows = state.store.rows_by_id(&a, &b).await?;
        let find = |id: &str| rows.iter().find(|r| r.id == id).ok_or(WebError::NotFound);
        let (va, ra) = row_view(&vault, find(&a)?)?;
        let (vb, rb) = row_view(&vault, find(&b)?)?;
        if let Some(matcher) = state.matcher() {
            let m = matcher.index.model();
            page.why = drawdown_resolution::explain(
                &ra.to_record(&a, &va.list),
                &rb.to_record(&b, &vb.list),
                m,
            )
            .to_string();
        }
        page.score = score_text(score);
        page.pair = Some((va, vb));
        let ev = AuditEvent::new(
            user.actor(),
            "people.review_read",
            format!("rows:{a},{b}"),
            "",
            &caller.source,
        );
        state.store.audit(&ev, state.now()).await?;
    }
    render(&page, StatusCode::OK)
}

/// A match weight as the review page shows it: signed, one decimal (never "-0.0"), and the
/// probability it stands for.
fn score_text(score: f64) -> String {
    let shown = if score.abs() < 0.05 { 0.0 } else { score };
    format!(
        "{shown:+.1} (probability {:.2})",
        drawdown_resolution::Model::probability(score)
    )
}

pub async fn review_decide(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let get = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    let skip: i64 = get("skip").parse().unwrap_or(0);
    match get("decision") {
        "skip" => return see_other(&format!("/people/review?skip={}", skip + 1)),
        d @ ("match" | "not_match") => {
            let (a, b) = (get("a"), get("b"));
            let ev = AuditEvent::new(
                user.actor(),
                "registry.review",
                format!("rows:{a},{b}"),
                format!("decision={d}"),
                &caller.source,
            );
            state
                .store
                .decide_pair(a, b, d, &user.actor(), &ev, state.now())
                .await?;
        }
        _ => {
            return Err(WebError::BadRequest(
                "decide match, not a match, or skip".into(),
            ));
        }
    }
    see_other(&format!("/people/review?skip={skip}"))
}

// ------------------------------------------------------------ priority rules

pub struct RuleView {
    pub id: String,
    pub name: String,
    pub text: String,
    pub in_force: bool,
}

#[derive(Template)]
#[template(path = "rules.html")]
struct RulesPage {
    chrome: Chrome,
    rules: Vec<RuleView>,
    categories: Vec<(&'static str, &'static str)>,
    can_manage: bool,
    today: String,
    error: Option<String>,
}

async fn rules_page(state: &AppState, user: &CurrentUser, error: Option<String>) -> PageResult {
    let today: String = drawdown_storage::timestamp(state.now())
        .chars()
        .take(10)
        .collect();
    let rules = state
        .store
        .priority_rules()
        .await?
        .into_iter()
        .map(|(id, r)| RuleView {
            in_force: r.from.as_str() <= today.as_str()
                && r.to.as_deref().is_none_or(|t| today.as_str() <= t),
            text: r.describe(),
            name: r.name,
            id,
        })
        .collect();
    let page = RulesPage {
        chrome: chrome(state, user, "/people", "Priority rules", None).await?,
        rules,
        categories: Category::ALL
            .iter()
            .map(|c| (c.slug(), c.label()))
            .collect(),
        can_manage: user.can(Permission::ManagePeople),
        today,
        error: error.clone(),
    };
    render(&page, form_status(&error))
}

pub async fn rules(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> PageResult {
    rules_page(&state, &user, None).await
}

fn parse_rule(f: &HashMap<String, String>) -> Result<drawdown_domain::priority::Rule, WebError> {
    let get = |k: &str| f.get(k).map(|s| s.trim()).unwrap_or("");
    let date = |s: &str| -> Result<String, WebError> {
        time::Date::parse(
            s,
            &time::macros::format_description!("[year]-[month]-[day]"),
        )
        .map(|_| s.to_string())
        .map_err(|_| WebError::BadRequest(format!("'{s}' is not a date (write YYYY-MM-DD)")))
    };
    let yes_no = |s: &str| match s {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    };
    let name = get("name");
    if name.is_empty() || name.len() > 120 {
        return Err(WebError::BadRequest(
            "name the rule (e.g. \"Passports only from 25 August\")".into(),
        ));
    }
    let tier = get("tier")
        .parse::<u8>()
        .ok()
        .filter(|t| (1..=9).contains(t))
        .ok_or_else(|| WebError::BadRequest("a tier is 1 (first out) to 9".into()))?;
    let category = match get("category") {
        "" => None,
        c => Some(
            Category::parse(c)
                .ok_or_else(|| WebError::BadRequest(format!("unknown category '{c}'")))?,
        ),
    };
    let from = date(get("from"))?;
    let to = match get("to") {
        "" => None,
        t => Some(date(t)?),
    };
    if to.as_deref().is_some_and(|t| t < from.as_str()) {
        return Err(WebError::BadRequest(
            "the rule ends before it starts".into(),
        ));
    }
    Ok(drawdown_domain::priority::Rule {
        name: name.to_string(),
        category,
        claimed: yes_no(get("claimed")),
        has_document: yes_no(get("has_document")),
        tier,
        from,
        to,
    })
}

pub async fn add_rule(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    match parse_rule(&form) {
        Ok(rule) => {
            let id = uuid::Uuid::now_v7().to_string();
            let ev = AuditEvent::new(
                user.actor(),
                "registry.rule_add",
                format!("rule:{id}"),
                rule.describe(),
                &caller.source,
            );
            state
                .store
                .add_priority_rule(&id, &rule, &ev, state.now())
                .await?;
            see_other("/people/rules")
        }
        Err(WebError::BadRequest(m)) => rules_page(&state, &user, Some(m)).await,
        Err(e) => Err(e),
    }
}

pub async fn delete_rule(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Path(id): Path<String>,
) -> PageResult {
    let ev = AuditEvent::new(
        user.actor(),
        "registry.rule_delete",
        format!("rule:{id}"),
        "",
        &caller.source,
    );
    state
        .store
        .delete_priority_rule(&id, &ev, state.now())
        .await?;
    see_other("/people/rules")
}

/// "Same household": a person confirms that two people travel together.
pub async fn link_household(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let other = form
        .get("other")
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    if other.is_empty() || other == id {
        return Err(WebError::BadRequest("choose another person to link".into()));
    }
    let ev = AuditEvent::new(
        user.actor(),
        "registry.household_link",
        format!("persons:{id},{other}"),
        "",
        &caller.source,
    );
    state
        .store
        .link_household(&id, &other, &user.actor(), &ev, state.now())
        .await
        .map_err(|e| match e {
            drawdown_storage::StorageError::NotFound(_) => {
                WebError::BadRequest("that person is not on the registry".into())
            }
            other => other.into(),
        })?;
    see_other(&format!("/people/{id}"))
}

/// "A document was seen": the claimed status is verified, on the record.
pub async fn verify_person(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let document = form.get("document").map(|s| s.trim()).unwrap_or("");
    if document.is_empty() || document.len() > 80 {
        return Err(WebError::BadRequest(
            "say which document was seen (e.g. \"US passport\")".into(),
        ));
    }
    // The kind of document only: its number is personal and belongs in the lists.
    let ev = AuditEvent::new(
        user.actor(),
        "people.verify",
        format!("person:{id}"),
        format!("document={document}"),
        &caller.source,
    );
    state
        .store
        .verify_person(&id, document, &user.actor(), &ev, state.now())
        .await?;
    see_other(&format!("/people/{id}"))
}

#[cfg(test)]
mod tests {
    use super::score_text;

    #[test]
    fn a_match_weight_reads_with_its_probability_and_never_as_minus_zero() {
        assert_eq!(score_text(-0.01), "+0.0 (probability 0.50)");
        assert_eq!(score_text(2.0), "+2.0 (probability 0.80)");
        assert_eq!(score_text(-2.0), "-2.0 (probability 0.20)");
    }
}
