//! The registry's pages: list, search, add.

use super::*;

pub struct PersonRow {
    pub id: String,
    pub name: String,
    pub birth_date: String,
    pub phone: String,
    pub category: &'static str,
    pub priority: i64,
    pub site: String,
}

#[derive(Template)]
#[template(path = "people.html")]
struct PeoplePage {
    chrome: Chrome,
    rows: Vec<PersonRow>,
    total: i64,
    page: i64,
    pages: i64,
    q: String,
    category: String,
    categories: Vec<(&'static str, &'static str)>,
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

#[derive(Deserialize, Default)]
pub struct PeopleQuery {
    q: Option<String>,
    category: Option<String>,
    page: Option<i64>,
    done: Option<String>,
}

pub const PAGE_SIZE: i64 = 50;

/// A decrypted page of the registry; the read is audited, without the search text.
pub async fn read_people(
    state: &AppState,
    user: &CurrentUser,
    source: &str,
    q: &str,
    category: &str,
    page: i64,
) -> Result<(Vec<PersonRow>, i64), WebError> {
    let name_index = if q.trim().is_empty() {
        None
    } else {
        Some(state.vault()?.blind_index("name", q))
    };
    let category = Category::parse(category).map(Category::slug);
    let total = state
        .store
        .count_persons(category, name_index.as_deref())
        .await?;
    let records = state
        .store
        .persons(
            category,
            name_index.as_deref(),
            PAGE_SIZE,
            (page - 1) * PAGE_SIZE,
        )
        .await?;
    let rows = {
        let v = state.vault()?;
        records
            .iter()
            .map(|r| {
                let plain = v.open_sealed(&person_aad(&r.id), &r.sealed)?;
                let d: PersonalDetails = serde_json::from_slice(&plain)
                    .map_err(|e| WebError::Internal(e.to_string()))?;
                Ok(PersonRow {
                    id: r.id.clone(),
                    name: d.full_name(),
                    birth_date: d.birth_date.clone(),
                    phone: d.phone.clone(),
                    category: Category::parse(&r.category)
                        .map(Category::label)
                        .unwrap_or("?"),
                    priority: r.priority,
                    site: r.site_code.clone().unwrap_or_default(),
                })
            })
            .collect::<Result<Vec<_>, WebError>>()?
    };
    let detail = format!(
        "category={} search={} page={page} rows={}",
        category.unwrap_or("all"),
        if name_index.is_some() { "yes" } else { "no" },
        rows.len()
    );
    let ev = AuditEvent::new(user.actor(), "people.read", "registry", detail, source);
    state.store.audit(&ev, state.now()).await?;
    Ok((rows, total))
}

/// Seals and stores one person.
pub async fn add_person_record(
    state: &AppState,
    user: &CurrentUser,
    source: &str,
    details: &PersonalDetails,
    category: Category,
    site: Option<String>,
) -> Result<String, WebError> {
    if details.full_name().trim().is_empty() {
        return Err(WebError::BadRequest(
            "a person needs at least one name".into(),
        ));
    }
    let person = services::protection::seal_person(&*state.vault()?, details, category, site)?;
    let id = person.id.clone();
    let ev = AuditEvent::new(
        user.actor(),
        "people.add",
        format!("person:{id}"),
        format!("category={}", category.slug()),
        source,
    );
    state.store.add_persons(&[person], &ev, state.now()).await?;
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
    let query = q.q.unwrap_or_default();
    let category = q.category.unwrap_or_default();
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let (rows, total) = read_people(state, user, source, &query, &category, page).await?;
    let tpl = PeoplePage {
        chrome: chrome(state, user, "/people", "People", q.done.as_deref()).await?,
        rows,
        total,
        page,
        pages: ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1),
        q: query,
        category,
        categories: Category::ALL
            .iter()
            .map(|c| (c.slug(), c.label()))
            .collect(),
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
        Some(c) => {
            add_person_record(
                &state,
                &user,
                &caller.source,
                &details,
                c,
                Some(get("site")),
            )
            .await
        }
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
