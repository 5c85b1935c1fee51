//! Alerts: the section's pages (channels, outbox, compose with segments and previews, one
//! alert with its deliveries, approval) and its card on the dashboard. The public
//! self-registration pages are in `register.rs`.

use super::*;
use crate::services::outreach as svc;
use drawdown_outreach::Language;

struct AlertRow {
    id: String,
    title: String,
    when: String,
    created_by: String,
    segment_text: String,
    people: String,
    addresses: String,
    state: String,
    state_label: String,
    sent: i64,
    queued: i64,
    failed: i64,
    bounced: i64,
}

#[derive(Template)]
#[template(path = "outreach_alerts.html")]
struct AlertsPage {
    chrome: Chrome,
    threshold: u64,
    channels: Vec<String>,
    problems: Vec<String>,
    outbox: Vec<(String, String, String)>,
    registrations: String,
    alerts: Vec<AlertRow>,
    templates: Vec<(String, String)>,
    replies: Vec<(String, String, String, String)>,
}

fn state_label(s: &str) -> String {
    match s {
        "awaiting_approval" => "waiting for approval".into(),
        other => other.replace('_', " "),
    }
}

/// The alerts section: channels, outbox, alerts, templates, replies.
pub async fn alerts(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
) -> PageResult {
    let ch = &s.outreach.channels;
    let alerts = s
        .store
        .alerts(200)
        .await?
        .into_iter()
        .map(|a| AlertRow {
            when: when(&a.created_at),
            people: count(&a.people),
            addresses: count(&a.addresses),
            state_label: state_label(&a.state),
            id: a.id,
            title: a.title,
            created_by: a.created_by,
            segment_text: a.segment_text,
            state: a.state,
            sent: a.sent,
            queued: a.queued,
            failed: a.failed,
            bounced: a.bounced,
        })
        .collect();
    // Replies are personal: opened only with the vault, and the read is audited.
    let mut replies = Vec::new();
    if let Ok(vault) = s.vault() {
        let recent = s.store.recent_inbound(50).await?;
        if !recent.is_empty() {
            for r in &recent {
                let (from, text) = svc::alerts::open_reply(&vault, r)?;
                replies.push((
                    when(&r.received_at),
                    from,
                    r.person_id.clone().unwrap_or_default(),
                    text,
                ));
            }
            let ev = AuditEvent::new(
                u.actor(),
                "outreach.replies_read",
                "replies",
                format!("count={}", recent.len()),
                &caller.source,
            );
            s.store.audit(&ev, s.now()).await?;
        }
    }
    let page = AlertsPage {
        chrome: chrome(&s, &u, "/alerts", "Alerts", None).await?,
        threshold: svc::alerts::approval_threshold(),
        channels: ch.describe(),
        problems: ch.problems.clone(),
        outbox: s
            .store
            .outbox_counts()
            .await?
            .into_iter()
            .map(|(c, st, n)| (c, st, count(&n)))
            .collect(),
        registrations: count(&s.store.count_registrations().await?),
        alerts,
        templates: s
            .store
            .alert_templates()
            .await?
            .into_iter()
            .map(|t| (t.id, t.name))
            .collect(),
        replies,
    };
    render(&page, StatusCode::OK)
}

/// The compose form's values, as typed.
#[derive(Default)]
struct ComposeForm {
    title: String,
    departure: String,
    gate: String,
    report_time: String,
    bring: String,
    household_of: String,
    email: bool,
    sms: bool,
    preview_for: String,
    template_name: String,
    saved_segment: String,
    segment_name: String,
}

struct TextView {
    code: &'static str,
    label: &'static str,
    dir: &'static str,
    subject: String,
    body: String,
}

#[derive(Template)]
#[template(path = "outreach_compose.html")]
struct ComposePage {
    chrome: Chrome,
    error: Option<String>,
    reach: Option<drawdown_outreach::Reach>,
    messages: u64,
    needs_approval: bool,
    threshold: u64,
    preview: Option<svc::alerts::Preview>,
    f: ComposeForm,
    texts: Vec<TextView>,
    categories: Vec<(String, String, bool)>,
    provinces: Vec<(String, String, bool)>,
    lists: Vec<(String, String, bool)>,
    priorities: Vec<(String, String, bool)>,
    languages: Vec<(String, String, bool)>,
    households: Vec<(String, String, bool)>,
    claims: Vec<(String, String, bool)>,
    departures: Vec<(String, String, bool)>,
    manifests: Vec<(String, String, bool)>,
    checkpoints: Vec<(String, String, bool)>,
    saved: Vec<(String, String, bool)>,
}

/// A draft from the compose form's fields.
fn draft_from(f: &Fields) -> svc::alerts::Draft {
    use drawdown_outreach::segment::{ClaimFilter, HouseholdFilter};
    use drawdown_outreach::template::MessageText;
    let text = |code: &str| MessageText {
        subject: f.get(&format!("{code}_subject")).to_string(),
        body: f.raw(&format!("{code}_body")).trim().replace("\r\n", "\n"),
    };
    let mut fields = HashMap::new();
    for k in ["departure", "gate", "report_time", "bring"] {
        let v = f.get(&format!("field_{k}"));
        if !v.is_empty() {
            fields.insert(k.to_string(), v.to_string());
        }
    }
    let set = |name: &str| -> std::collections::BTreeSet<String> {
        f.all(name)
            .into_iter()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect()
    };
    let segment = drawdown_outreach::Segment {
        categories: set("category"),
        priorities: f
            .all("priority")
            .into_iter()
            .filter_map(|p| p.trim().parse().ok())
            .collect(),
        household: match f.get("household") {
            "in_household" => HouseholdFilter::InHousehold,
            "alone" => HouseholdFilter::Alone,
            _ => HouseholdFilter::Any,
        },
        claim: match f.get("claim") {
            "claimed" => ClaimFilter::Claimed,
            "confirmed" => ClaimFilter::Confirmed,
            _ => ClaimFilter::Any,
        },
        provinces: set("province"),
        languages: f
            .all("language")
            .into_iter()
            .filter_map(Language::parse)
            .collect(),
        lists: set("list"),
        departures: set("departure"),
        manifested: match f.get("manifested") {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        },
        last_checkpoints: set("last_checkpoint"),
        household_of: Some(f.get("household_of").to_string()).filter(|v| !v.is_empty()),
    };
    svc::alerts::Draft {
        title: f.get("title").to_string(),
        texts: drawdown_outreach::Texts {
            en: text("en"),
            fa: text("fa"),
            ps: text("ps"),
        },
        fields,
        segment,
        saved_segment: Some(f.get("saved_segment").to_string()).filter(|v| !v.is_empty()),
        email: !f.get("email").is_empty(),
        sms: !f.get("sms").is_empty(),
    }
}

#[allow(clippy::too_many_arguments)]
async fn compose_page(
    s: &AppState,
    u: &CurrentUser,
    d: &svc::alerts::Draft,
    extra: (&str, &str, &str, &str),
    error: Option<String>,
    reach: Option<drawdown_outreach::Reach>,
    preview: Option<svc::alerts::Preview>,
    status: StatusCode,
) -> PageResult {
    let (preview_for, template_name, flash) = (extra.0, extra.1, extra.2);
    let segment_name = extra.3;
    let seg = &d.segment;
    let sel = |set: &std::collections::BTreeSet<String>, v: &str| set.contains(v);
    let lists = s
        .store
        .sources()
        .await?
        .into_iter()
        .map(|l| (l.name.clone(), l.name.clone(), sel(&seg.lists, &l.name)))
        .collect();
    let threshold = svc::alerts::approval_threshold();
    // Departures someone is manifested on, soonest first; the checkpoints in their order.
    let loads = s.store.manifest_loads().await?;
    let departures = s
        .store
        .departures()
        .await?
        .into_iter()
        .filter(|d| {
            loads.get(&d.id).is_some_and(|l| l.people > 0) || seg.departures.contains(&d.id)
        })
        .map(|d| {
            let label = format!("{} · {} · {}", d.id, when(&d.departs_at), d.status);
            let on = seg.departures.contains(&d.id);
            (d.id, label, on)
        })
        .collect();
    let checkpoints = s
        .store
        .checkpoints()
        .await?
        .into_iter()
        .map(|c| {
            let on = seg.last_checkpoints.contains(&c.code);
            (c.code, c.name, on)
        })
        .collect();
    let saved_name = d.saved_segment.clone().unwrap_or_default();
    let saved = svc::alerts::saved_segments(s)
        .await?
        .into_iter()
        .map(|r| {
            let on = r.name == saved_name;
            (
                r.name.clone(),
                format!("{} ({})", r.name, r.description),
                on,
            )
        })
        .collect();
    use drawdown_outreach::segment::{ClaimFilter, HouseholdFilter};
    let page = ComposePage {
        chrome: chrome(s, u, "/alerts", "Compose an alert", Some(flash)).await?,
        error,
        messages: reach.as_ref().map(|r| d.addresses(r)).unwrap_or(0),
        needs_approval: reach.as_ref().is_some_and(|r| r.people > threshold),
        threshold,
        reach,
        preview,
        f: ComposeForm {
            title: d.title.clone(),
            departure: d.fields.get("departure").cloned().unwrap_or_default(),
            gate: d.fields.get("gate").cloned().unwrap_or_default(),
            report_time: d.fields.get("report_time").cloned().unwrap_or_default(),
            bring: d.fields.get("bring").cloned().unwrap_or_default(),
            household_of: seg.household_of.clone().unwrap_or_default(),
            email: d.email,
            sms: d.sms,
            preview_for: preview_for.to_string(),
            template_name: template_name.to_string(),
            saved_segment: saved_name.clone(),
            segment_name: segment_name.to_string(),
        },
        texts: Language::ALL
            .iter()
            .map(|l| {
                let t = d.texts.get(*l);
                TextView {
                    code: l.code(),
                    label: l.label(),
                    dir: l.dir(),
                    subject: t.subject.clone(),
                    body: t.body.clone(),
                }
            })
            .collect(),
        categories: svc::alerts::categories()
            .into_iter()
            .map(|(slug, label)| {
                (
                    slug.to_string(),
                    label.to_string(),
                    sel(&seg.categories, slug),
                )
            })
            .collect(),
        provinces: drawdown_outreach::provinces::choices()
            .into_iter()
            .map(|(en, _)| (en.to_string(), en.to_string(), sel(&seg.provinces, en)))
            .collect(),
        lists,
        priorities: (1..=5u8)
            .map(|p| {
                (
                    p.to_string(),
                    format!("tier {p}"),
                    seg.priorities.contains(&p),
                )
            })
            .collect(),
        languages: Language::ALL
            .iter()
            .map(|l| {
                (
                    l.code().to_string(),
                    l.label().to_string(),
                    seg.languages.contains(l),
                )
            })
            .collect(),
        households: [
            (HouseholdFilter::Any, "any", "Anyone"),
            (
                HouseholdFilter::InHousehold,
                "in_household",
                "In a household of two or more",
            ),
            (HouseholdFilter::Alone, "alone", "Travelling alone"),
        ]
        .into_iter()
        .map(|(h, v, l)| (v.to_string(), l.to_string(), seg.household == h))
        .collect(),
        claims: [
            (ClaimFilter::Any, "any", "Any"),
            (ClaimFilter::Claimed, "claimed", "Only claimed, unverified"),
            (
                ClaimFilter::Confirmed,
                "confirmed",
                "Known from a list or verified",
            ),
        ]
        .into_iter()
        .map(|(h, v, l)| (v.to_string(), l.to_string(), seg.claim == h))
        .collect(),
        departures,
        manifests: [
            (None, "any", "Anyone"),
            (Some(true), "yes", "On a manifest"),
            (Some(false), "no", "On no manifest"),
        ]
        .into_iter()
        .map(|(m, v, l)| (v.to_string(), l.to_string(), seg.manifested == m))
        .collect(),
        checkpoints,
        saved,
    };
    render(&page, status)
}

#[derive(Deserialize, Default)]
pub struct ComposeQuery {
    template: Option<String>,
}

/// The compose form, empty or from a template.
pub async fn alerts_compose(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Query(q): Query<ComposeQuery>,
) -> PageResult {
    let mut d = svc::alerts::Draft {
        email: true,
        sms: true,
        ..Default::default()
    };
    if let Some(id) = q.template.as_deref() {
        let t = s
            .store
            .alert_templates()
            .await?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or(WebError::NotFound)?;
        d.title = t.name;
        d.texts = serde_json::from_str(&t.texts).map_err(|e| WebError::Internal(e.to_string()))?;
    }
    compose_page(
        &s,
        &u,
        &d,
        ("", "", "", ""),
        None,
        None,
        None,
        StatusCode::OK,
    )
    .await
}

/// Count and preview, send, or keep the texts as a template.
pub async fn alerts_compose_post(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Form(form): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = Fields(form);
    let mut d = draft_from(&f);
    let preview_for = f.get("preview_for").to_string();
    let template_name = f.get("template_name").to_string();
    let segment_name = f.get("segment_name").to_string();
    if f.get("do") == "load_segment" {
        // The saved segment's filters replace the form's.
        d.saved_segment = Some(f.get("use_segment").to_string()).filter(|n| !n.is_empty());
        if d.saved_segment.is_some() {
            match svc::alerts::with_saved_segment(&s, &d).await {
                Ok(loaded) => d = loaded,
                Err(e @ WebError::BadRequest(_)) => {
                    let extra = (preview_for.as_str(), template_name.as_str(), "", "");
                    return compose_page(
                        &s,
                        &u,
                        &d,
                        extra,
                        Some(e.to_string()),
                        None,
                        None,
                        e.status(),
                    )
                    .await;
                }
                Err(e) => return Err(e),
            }
        }
    } else if let Some(name) = d.saved_segment.clone() {
        // A saved segment whose filters were changed since it was loaded is no longer it.
        let same = s
            .store
            .saved_segment(&name)
            .await?
            .and_then(|r| serde_json::from_str::<drawdown_outreach::Segment>(&r.filters).ok())
            .is_some_and(|saved| saved == d.segment);
        if !same {
            d.saved_segment = None;
        }
    }
    let extra = (
        preview_for.as_str(),
        template_name.as_str(),
        "",
        segment_name.as_str(),
    );
    let (s, u, d) = (&s, &u, &d);
    let fail = |e: WebError| async move {
        let status = e.status();
        compose_page(s, u, d, extra, Some(e.to_string()), None, None, status).await
    };
    match f.get("do") {
        "send" => match svc::alerts::send(s, d, &u.actor(), &caller.source).await {
            Ok(sent) => see_other(&format!("/alerts/{}", sent.alert_id)),
            Err(e @ (WebError::BadRequest(_) | WebError::Conflict(_))) => fail(e).await,
            Err(e) => Err(e),
        },
        "save_template" => {
            let name = template_name.trim();
            let checked = if name.is_empty() || name.chars().count() > 120 {
                Err(WebError::BadRequest(
                    "give the template a name of at most 120 characters".into(),
                ))
            } else {
                d.texts
                    .check()
                    .map_err(|e| WebError::BadRequest(e.to_string()))
            };
            if let Err(e) = checked {
                return fail(e).await;
            }
            let texts =
                serde_json::to_string(&d.texts).map_err(|e| WebError::Internal(e.to_string()))?;
            let ev = AuditEvent::new(
                u.actor(),
                "outreach.template_saved",
                format!("template:{name}"),
                "",
                &caller.source,
            );
            s.store
                .save_template(
                    &uuid::Uuid::now_v7().to_string(),
                    name,
                    &texts,
                    &u.actor(),
                    &ev,
                    s.now(),
                )
                .await?;
            compose_page(
                s,
                u,
                d,
                ("", "", "template-saved", ""),
                None,
                None,
                None,
                StatusCode::OK,
            )
            .await
        }
        "save_segment" => {
            match svc::alerts::save_segment(
                s,
                &segment_name,
                &d.segment,
                &u.actor(),
                &caller.source,
            )
            .await
            {
                Ok(_) => {
                    let mut saved = d.clone();
                    saved.saved_segment = Some(segment_name.trim().to_string());
                    compose_page(
                        s,
                        u,
                        &saved,
                        ("", "", "segment-saved", ""),
                        None,
                        None,
                        None,
                        StatusCode::OK,
                    )
                    .await
                }
                Err(e @ WebError::BadRequest(_)) => fail(e).await,
                Err(e) => Err(e),
            }
        }
        _ => {
            if let Err(e) = d.texts.check() {
                return fail(WebError::BadRequest(e.to_string())).await;
            }
            let facts = svc::alerts::facts(s).await?;
            let reach = d.segment.reach(&facts);
            let who = if preview_for.is_empty() {
                d.segment.select(&facts).first().map(|p| p.id.clone())
            } else {
                Some(preview_for.clone())
            };
            let preview = match who {
                Some(id) => match svc::alerts::preview(s, d, &id, &u.actor(), &caller.source).await
                {
                    Ok(p) => Some(p),
                    Err(WebError::NotFound) => {
                        return fail(WebError::BadRequest(format!("no person has the id {id}")))
                            .await;
                    }
                    Err(e) => return Err(e),
                },
                None => None,
            };
            compose_page(s, u, d, extra, None, Some(reach), preview, StatusCode::OK).await
        }
    }
}

struct MessageRow {
    channel: String,
    state: String,
    attempts: i64,
    reason: String,
    updated: String,
    person_id: String,
}

#[derive(Template)]
#[template(path = "outreach_alert.html")]
struct AlertPage {
    chrome: Chrome,
    error: Option<String>,
    a: drawdown_storage::outreach::AlertRecord,
    state_label: String,
    created: String,
    own: bool,
    texts: Vec<(&'static str, &'static str, String, String)>,
    messages: Vec<MessageRow>,
}

async fn alert_page(
    s: &AppState,
    u: &CurrentUser,
    id: &str,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let a = s.store.alert(id).await?.ok_or(WebError::NotFound)?;
    let d = svc::alerts::draft_of(&a)?;
    let texts = Language::ALL
        .iter()
        .filter(|l| !d.texts.get(**l).is_empty())
        .map(|l| {
            let t = d.texts.get(*l);
            (l.label(), l.dir(), t.subject.clone(), t.body.clone())
        })
        .collect();
    let messages = s
        .store
        .messages_of_alert(id, 1000)
        .await?
        .into_iter()
        .map(|m| MessageRow {
            channel: m.channel,
            state: m.state,
            attempts: m.attempts,
            reason: m.reason,
            updated: when(&m.updated_at),
            person_id: m.person_id,
        })
        .collect();
    let page = AlertPage {
        chrome: chrome(s, u, "/alerts", &a.title, None).await?,
        error,
        state_label: state_label(&a.state),
        created: when(&a.created_at),
        own: a.created_by == u.actor(),
        texts,
        messages,
        a,
    };
    render(&page, status)
}

pub async fn alert_detail(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Path(id): Path<String>,
) -> PageResult {
    alert_page(&s, &u, &id, None, StatusCode::OK).await
}

/// A second person approves a held alert.
pub async fn alert_approve(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Path(id): Path<String>,
) -> PageResult {
    match svc::alerts::approve(&s, &id, &u.actor(), &caller.source).await {
        Ok(_) => see_other(&format!("/alerts/{id}")),
        Err(e @ (WebError::BadRequest(_) | WebError::Conflict(_))) => {
            let status = e.status();
            alert_page(&s, &u, &id, Some(e.to_string()), status).await
        }
        Err(e) => Err(e),
    }
}

pub async fn alert_cancel(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Path(id): Path<String>,
) -> PageResult {
    match svc::alerts::cancel(&s, &id, &u.actor(), &caller.source).await {
        Ok(()) => see_other(&format!("/alerts/{id}")),
        Err(e @ WebError::Conflict(_)) => {
            alert_page(&s, &u, &id, Some(e.to_string()), StatusCode::CONFLICT).await
        }
        Err(e) => Err(e),
    }
}

/// This area's card on the dashboard (a `<section class="card">`).
pub async fn dashboard_card(state: &AppState, _user: &CurrentUser) -> Result<String, WebError> {
    let registrations = state.store.count_registrations().await?;
    Ok(format!(
        r#"<section class="card" aria-labelledby="c-alerts">
    <h2 id="c-alerts">Alerts</h2>
    <p class="big">{}</p>
    <p class="muted">self-registrations through the public form (<a href="/register">/register</a>)</p>
  </section>"#,
        count(&registrations)
    ))
}
