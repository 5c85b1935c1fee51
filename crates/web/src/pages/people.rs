//! The people list: search by any spelling of a name, a document number or a phone; filters;
//! and adding one person by hand.

use super::*;
use crate::services::registry;
use drawdown_storage::PersonFilter;

pub struct PersonRow {
    pub id: String,
    pub name: String,
    pub birth_date: String,
    pub phone: String,
    pub category: &'static str,
    pub status: String,
    pub priority: i64,
    pub household: bool,
    pub lap_infant: bool,
}

#[derive(Template)]
#[template(path = "people.html")]
struct PeoplePage {
    chrome: Chrome,
    rows: Vec<PersonRow>,
    total: i64,
    page: i64,
    pages: i64,
    query: PeopleQuery,
    /// The query string of the current filters, for the pager's links.
    filters: String,
    categories: Vec<(&'static str, &'static str)>,
    sources: Vec<String>,
    review_waiting: i64,
    can_manage: bool,
    error: Option<String>,
    form: HashMap<String, String>,
}

impl PeoplePage {
    fn value(&self, k: &str) -> &str {
        self.form.get(k).map(String::as_str).unwrap_or("")
    }
    fn prev(&self) -> i64 {
        self.page - 1
    }
    fn next(&self) -> i64 {
        self.page + 1
    }
}

/// The list's search and filters, as the form and the API send them.
#[derive(Clone, Debug, Deserialize, Default)]
pub struct PeopleQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub priority: String,
    #[serde(default)]
    pub household: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub source: String,
    pub page: Option<i64>,
    pub done: Option<String>,
}

impl PeopleQuery {
    fn filter(&self) -> PersonFilter {
        PersonFilter {
            category: Category::parse(&self.category)
                .map(|c| c.slug().to_string())
                .unwrap_or_default(),
            priority: self.priority.trim().parse().unwrap_or(0),
            household: self.household.clone(),
            status: self.status.clone(),
            source: self.source.clone(),
        }
    }

    fn query_string(&self) -> String {
        serde_urlencoded::to_string([
            ("q", self.q.as_str()),
            ("category", self.category.as_str()),
            ("priority", self.priority.as_str()),
            ("household", self.household.as_str()),
            ("status", self.status.as_str()),
            ("source", self.source.as_str()),
        ])
        .unwrap_or_default()
    }
}

pub const PAGE_SIZE: i64 = 50;
/// A search answers with at most this many people (then: refine it).
pub const SEARCH_LIMIT: i64 = 500;

fn person_row(
    vault: &drawdown_vault::Vault,
    r: &drawdown_storage::PersonRecord,
) -> Result<PersonRow, WebError> {
    let plain = vault.open_sealed(&person_aad(&r.id), &r.sealed)?;
    let d: PersonalDetails =
        serde_json::from_slice(&plain).map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(PersonRow {
        id: r.id.clone(),
        name: d.full_name(),
        birth_date: d.birth_date,
        phone: d.phone,
        category: Category::parse(&r.category)
            .map(Category::label)
            .unwrap_or("?"),
        status: r.status.clone(),
        priority: r.priority_override.unwrap_or(r.priority),
        household: r.household_id.is_some(),
        lap_infant: r.lap_infant,
    })
}

/// A decrypted page of the registry; the read is audited, without the search text.
pub async fn read_people(
    state: &AppState,
    user: &CurrentUser,
    source: &str,
    q: &PeopleQuery,
) -> Result<(Vec<PersonRow>, i64), WebError> {
    let page = q.page.unwrap_or(1).max(1);
    let filter = q.filter();
    let vault = state.vault()?;
    let searching = !q.q.trim().is_empty();
    let (records, total) = if searching {
        // The exact full name first, then every spelling the engine would match.
        let mut ids: Vec<String> = state
            .store
            .persons(
                None,
                Some(&vault.blind_index("name", &q.q)),
                SEARCH_LIMIT,
                0,
            )
            .await?
            .into_iter()
            .map(|p| p.id)
            .collect();
        let keys = registry::query_keys(&vault, &q.q);
        for id in state.store.persons_with_keys(&keys, SEARCH_LIMIT).await? {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        let found: Vec<_> = state
            .store
            .persons_by_ids(&ids)
            .await?
            .into_iter()
            .filter(|p| filter.admits(p))
            .collect();
        let total = found.len() as i64;
        let page_rows = found
            .into_iter()
            .skip(((page - 1) * PAGE_SIZE) as usize)
            .take(PAGE_SIZE as usize)
            .collect();
        (page_rows, total)
    } else {
        let total = state.store.count_filtered(&filter).await?;
        (
            state
                .store
                .persons_filtered(&filter, PAGE_SIZE, (page - 1) * PAGE_SIZE)
                .await?,
            total,
        )
    };
    let rows = records
        .iter()
        .map(|r| person_row(&vault, r))
        .collect::<Result<Vec<_>, _>>()?;
    let detail = format!(
        "search={} category={} priority={} household={} status={} list={} page={page} rows={}",
        if searching { "yes" } else { "no" },
        if filter.category.is_empty() {
            "all"
        } else {
            &filter.category
        },
        filter.priority,
        filter.household,
        filter.status,
        if filter.source.is_empty() {
            "all"
        } else {
            "one"
        },
        rows.len()
    );
    let ev = AuditEvent::new(user.actor(), "people.read", "registry", detail, source);
    state.store.audit(&ev, state.now()).await?;
    Ok((rows, total))
}

/// Adds one person by hand (web and API share this).
pub async fn add_person_record(
    state: &AppState,
    user: &CurrentUser,
    source: &str,
    details: &PersonalDetails,
    category: Category,
) -> Result<String, WebError> {
    let matcher = state.matcher();
    let id = registry::add_by_hand(
        &state.store,
        &*state.vault()?,
        matcher.as_deref(),
        details,
        category,
        &user.actor(),
        source,
        state.now(),
    )
    .await?;
    // The next person typed in should find this one.
    state.refresh_matcher();
    Ok(id)
}

async fn people_page(
    state: &AppState,
    user: &CurrentUser,
    source: &str,
    q: PeopleQuery,
    error: Option<String>,
    form: HashMap<String, String>,
) -> PageResult {
    let page = q.page.unwrap_or(1).max(1);
    let status = form_status(&error);
    let (rows, total) = read_people(state, user, source, &q).await?;
    let tpl = PeoplePage {
        chrome: chrome(state, user, "/people", "People", q.done.as_deref()).await?,
        rows,
        total,
        page,
        pages: ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1),
        filters: q.query_string(),
        query: q,
        categories: Category::ALL
            .iter()
            .map(|c| (c.slug(), c.label()))
            .collect(),
        sources: state
            .store
            .sources()
            .await?
            .into_iter()
            .map(|s| s.name)
            .collect(),
        review_waiting: state.store.review_count().await?,
        can_manage: user.can(Permission::ManagePeople),
        error,
        form,
    };
    render(&tpl, status)
}

pub async fn people(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Query(q): Query<PeopleQuery>,
) -> PageResult {
    people_page(&state, &user, &caller.source, q, None, HashMap::new()).await
}

pub async fn add_person(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let get = |k: &str| {
        form.get(k)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let details = PersonalDetails {
        given_name: get("given_name"),
        family_name: get("family_name"),
        birth_date: get("birth_date"),
        phone: get("phone"),
        email: get("email"),
        document_number: get("document_number"),
        notes: get("notes"),
    };
    let result = match Category::parse(&get("category")) {
        None => Err(WebError::BadRequest("choose a category".into())),
        Some(c) => add_person_record(&state, &user, &caller.source, &details, c).await,
    };
    match result {
        Ok(_) => see_other("/people?done=person-added"),
        Err(WebError::BadRequest(msg)) => {
            let mut form = form;
            form.remove("_csrf");
            people_page(
                &state,
                &user,
                &caller.source,
                PeopleQuery::default(),
                Some(msg),
                form,
            )
            .await
        }
        Err(e) => Err(e),
    }
}
