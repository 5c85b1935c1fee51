//! Alerts: facts about every person (for segments), counting a segment's reach, previewing
//! a message for one recipient, queuing a send (or holding it for a second person's
//! approval), and replies from the SMS gateway attached to the person who sent them.

use super::outbox::{Envelope, envelope_aad};
use crate::services::protection::person_aad;
use crate::services::registry::RowValues;
use crate::{AppState, WebError};
use drawdown_domain::audit::AuditEvent;
use drawdown_domain::people::{Category, PersonalDetails};
use drawdown_outreach::template::{self, Fields, Texts};
use drawdown_outreach::{Language, PersonFacts, Reach, Segment};
use drawdown_storage::outreach::{AlertWrite, InboundRecord, NewMessage, PersonMovement};
use drawdown_vault::Vault;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

/// Sends to more people than this wait for a second person's approval (two-person rule).
pub fn approval_threshold() -> u64 {
    std::env::var("DRAWDOWN_ALERT_APPROVAL_THRESHOLD")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(50)
}

/// Facts about every person, from the registry (category, priority, claim, household), their
/// lists' rows (province, language, which lists), the manifests (departure) and the
/// checkpoints (where they or their household were last admitted). What comes from the
/// registry opens every sealed record, so it is kept in memory until the registry changes (a
/// rebuild, a person added or edited); manifests and checkpoints change by the minute and are
/// read afresh each time (one query).
pub async fn facts(state: &AppState) -> Result<Arc<Vec<PersonFacts>>, WebError> {
    let fingerprint = state.store.registry_fingerprint().await?;
    let cached = state.outreach.facts.lock().ok().and_then(|f| {
        f.as_ref()
            .filter(|(at, _)| *at == fingerprint)
            .map(|(_, v)| Arc::clone(v))
    });
    let base = match cached {
        Some(v) => v,
        None => {
            let v = Arc::new(registry_facts(state).await?);
            if let Ok(mut f) = state.outreach.facts.lock() {
                *f = Some((fingerprint, Arc::clone(&v)));
            }
            v
        }
    };
    let movement = state.store.movement_of_persons().await?;
    let movement: HashMap<&str, &PersonMovement> =
        movement.iter().map(|m| (m.person_id.as_str(), m)).collect();
    let mut out = Vec::clone(&base);
    for p in &mut out {
        if let Some(m) = movement.get(p.id.as_str()) {
            p.departure = m.departure.clone();
            p.last_checkpoint = m.last_checkpoint.clone();
        }
    }
    Ok(Arc::new(out))
}

/// What the registry says of every person (no departure or checkpoint yet).
async fn registry_facts(state: &AppState) -> Result<Vec<PersonFacts>, WebError> {
    let vault = state.vault()?;
    let persons = state.store.all_persons().await?;
    let rows = state.store.live_rows().await?;
    // Per person: their lists, province and language.
    type Seen = (Vec<String>, Option<String>, Option<Language>);
    let mut by_person: HashMap<&str, Seen> = HashMap::new();
    for r in &rows {
        let Some(pid) = r.person_id.as_deref() else {
            continue;
        };
        let e = by_person.entry(pid).or_default();
        if !e.0.contains(&r.source_name) {
            e.0.push(r.source_name.clone());
        }
        if (e.1.is_none() || e.2.is_none())
            && let Ok(v) = RowValues::open(&vault, r)
        {
            if e.1.is_none() {
                e.1 =
                    v.0.get("province")
                        .and_then(|p| drawdown_outreach::provinces::parse(p))
                        .map(str::to_string);
            }
            if e.2.is_none() {
                e.2 = v.0.get("language").and_then(|l| Language::parse(l));
            }
        }
    }
    let mut household_size: HashMap<&str, u32> = HashMap::new();
    for p in &persons {
        if let Some(h) = p.household_id.as_deref() {
            *household_size.entry(h).or_default() += 1;
        }
    }
    let mut out = Vec::with_capacity(persons.len());
    for p in &persons {
        let d = details(&vault, &p.id, &p.sealed)?;
        let (lists, province, language) = by_person.remove(p.id.as_str()).unwrap_or_default();
        out.push(PersonFacts {
            id: p.id.clone(),
            category: p.category.clone(),
            priority: u8::try_from(p.priority_override.unwrap_or(p.priority)).unwrap_or(9),
            claimed: !p.status.is_empty(),
            household: p.household_id.clone(),
            household_size: p
                .household_id
                .as_deref()
                .and_then(|h| household_size.get(h).copied())
                .unwrap_or(1),
            province,
            language,
            lists,
            departure: None,
            last_checkpoint: None,
            has_email: !d.email.trim().is_empty(),
            has_phone: !d.phone.trim().is_empty(),
        });
    }
    Ok(out)
}

/// `RCH004, 16 Aug 2021 12:05 UTC`: a departure as a message names it.
fn departure_words(id: &str, departs_at: &str) -> String {
    let fmt = time::macros::format_description!(
        "[day padding:none] [month repr:short] [year] [hour]:[minute] UTC"
    );
    match time::OffsetDateTime::parse(departs_at, &time::format_description::well_known::Rfc3339)
        .ok()
        .and_then(|t| t.to_offset(time::UtcOffset::UTC).format(&fmt).ok())
    {
        Some(when) => format!("{id}, {when}"),
        None => id.to_string(),
    }
}

/// Hours before a departure that its people are told to report, when the message does not
/// give a time: the gate, screening and the holding area take that long at a crowded airport.
pub const REPORT_HOURS_BEFORE: i64 = 3;

/// `{report_time}` for a person on a departure leaving at `departs_at` (RFC 3339).
fn report_time(departs_at: &str) -> Option<String> {
    let fmt = time::macros::format_description!(
        "[hour]:[minute] UTC, [day padding:none] [month repr:short] [year]"
    );
    let t = time::OffsetDateTime::parse(departs_at, &time::format_description::well_known::Rfc3339)
        .ok()?;
    (t.to_offset(time::UtcOffset::UTC) - time::Duration::hours(REPORT_HOURS_BEFORE))
        .format(&fmt)
        .ok()
}

/// Each person's place in the movement, by person id.
async fn movement_by_person(state: &AppState) -> Result<HashMap<String, PersonMovement>, WebError> {
    Ok(state
        .store
        .movement_of_persons()
        .await?
        .into_iter()
        .map(|m| (m.person_id.clone(), m))
        .collect())
}

/// The draft with a saved segment's filters in place of its own, when it names one.
pub async fn with_saved_segment(state: &AppState, draft: &Draft) -> Result<Draft, WebError> {
    let mut d = draft.clone();
    if let Some(name) = draft.saved_segment.as_deref().map(str::trim) {
        let rec =
            state.store.saved_segment(name).await?.ok_or_else(|| {
                WebError::BadRequest(format!("no saved segment is named {name:?}"))
            })?;
        d.segment = serde_json::from_str(&rec.filters)
            .map_err(|e| WebError::Internal(format!("segment {name}: {e}")))?;
    }
    Ok(d)
}

/// The segment in words, with its name when it is a saved one (for the audit log).
fn segment_words(d: &Draft) -> String {
    match &d.saved_segment {
        Some(name) => format!("saved {name:?}: {}", d.segment.describe()),
        None => d.segment.describe(),
    }
}

/// Saved segments, by name.
pub async fn saved_segments(
    state: &AppState,
) -> Result<Vec<drawdown_storage::outreach::SegmentRecord>, WebError> {
    Ok(state.store.saved_segments().await?)
}

/// Saves a segment under a name (replacing the filters of one by that name); audited.
pub async fn save_segment(
    state: &AppState,
    name: &str,
    segment: &Segment,
    actor: &str,
    source_ip: &str,
) -> Result<bool, WebError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 120 || name.chars().any(char::is_control) {
        return Err(WebError::BadRequest(
            "give the segment a name of 1 to 120 characters".into(),
        ));
    }
    let description = segment.describe();
    let ev = AuditEvent::new(
        actor,
        "outreach.segment_saved",
        format!("segment:{name}"),
        format!("filters=[{description}]"),
        source_ip,
    );
    let filters = serde_json::to_string(segment).map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(state
        .store
        .save_segment(
            &uuid::Uuid::now_v7().to_string(),
            name,
            &filters,
            &description,
            actor,
            &ev,
            state.now(),
        )
        .await?)
}

pub async fn delete_segment(
    state: &AppState,
    name: &str,
    actor: &str,
    source_ip: &str,
) -> Result<(), WebError> {
    let ev = AuditEvent::new(
        actor,
        "outreach.segment_deleted",
        format!("segment:{name}"),
        "",
        source_ip,
    );
    if !state.store.delete_segment(name, &ev, state.now()).await? {
        return Err(WebError::NotFound);
    }
    Ok(())
}

fn details(vault: &Vault, id: &str, sealed: &[u8]) -> Result<PersonalDetails, WebError> {
    let plain = vault.open_sealed(&person_aad(id), sealed)?;
    serde_json::from_slice(&plain).map_err(|e| WebError::Internal(format!("person {id}: {e}")))
}

/// A message as composed: what it says, its own fields, who it goes to, by which channels.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Draft {
    pub title: String,
    pub texts: Texts,
    /// The message's own values of `{departure}`, `{gate}`, `{report_time}`, `{bring}`.
    pub fields: HashMap<String, String>,
    pub segment: Segment,
    /// A saved segment's name: when given, its filters are the segment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saved_segment: Option<String>,
    pub email: bool,
    pub sms: bool,
}

impl Draft {
    /// Every problem, in words naming the part.
    pub fn check(&self) -> Result<(), WebError> {
        if self.title.trim().is_empty() {
            return Err(WebError::BadRequest(
                "the alert needs a title (for the outbox)".into(),
            ));
        }
        if self.title.chars().count() > 200 {
            return Err(WebError::BadRequest(
                "the title is longer than 200 characters".into(),
            ));
        }
        self.texts
            .check()
            .map_err(|e| WebError::BadRequest(e.to_string()))?;
        for l in Language::ALL {
            if self.texts.get(l).body.chars().count() > 5_000 {
                return Err(WebError::BadRequest(format!(
                    "the {} body is longer than 5,000 characters",
                    l.label()
                )));
            }
        }
        if !self.email && !self.sms {
            return Err(WebError::BadRequest(
                "choose at least one channel: email or SMS".into(),
            ));
        }
        Ok(())
    }

    /// The fields for one person: the message's own values, else the person's departure and
    /// its gate from the manifest.
    fn fields_for(&self, name: &str, movement: Option<&PersonMovement>) -> Fields {
        let mut f = Fields::new();
        f.insert("name", name.to_string());
        for k in template::FIELDS.iter().filter(|k| **k != "name") {
            if let Some(v) = self.fields.get(*k).filter(|v| !v.trim().is_empty()) {
                f.insert(k, v.clone());
            }
        }
        if let Some(m) = movement {
            if !self.has_field("departure")
                && let Some(d) = &m.departure
            {
                f.insert("departure", departure_words(d, &m.departs_at));
            }
            if !self.has_field("gate") && !m.gate.trim().is_empty() {
                f.insert("gate", m.gate.clone());
            }
            if !self.has_field("report_time")
                && let Some(t) = report_time(&m.departs_at)
            {
                f.insert("report_time", t);
            }
        }
        f
    }

    fn has_field(&self, k: &str) -> bool {
        self.fields.get(k).is_some_and(|v| !v.trim().is_empty())
    }

    /// How many addresses a reach gives with this draft's channels.
    pub fn addresses(&self, r: &Reach) -> u64 {
        (if self.email { r.email } else { 0 }) + (if self.sms { r.phone } else { 0 })
    }
}

/// One recipient's message as they would get it.
#[derive(Clone, Debug, Serialize)]
pub struct Preview {
    pub person_id: String,
    pub name: String,
    pub language: &'static str,
    pub dir: &'static str,
    pub subject: String,
    pub body: String,
    pub missing: Vec<&'static str>,
    /// Where it would go, partly hidden ("+93 79••••456").
    pub email: String,
    pub phone: String,
    pub sms_parts: u32,
}

fn mask(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= 5 {
        return "•".repeat(chars.len());
    }
    let keep_head = if s.contains('@') {
        2
    } else {
        5.min(chars.len() / 2)
    };
    let tail: String = if let Some(at) = s.find('@') {
        s[at..].to_string()
    } else {
        chars[chars.len() - 3..].iter().collect()
    };
    let head: String = chars[..keep_head].iter().collect();
    format!("{head}••••{tail}")
}

/// Renders the draft for one person (audited: it reads their name and addresses).
pub async fn preview(
    state: &AppState,
    draft: &Draft,
    person_id: &str,
    actor: &str,
    source_ip: &str,
) -> Result<Preview, WebError> {
    let vault = state.vault()?;
    let p = state
        .store
        .person(person_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let facts = facts(state).await?;
    let lang = facts
        .iter()
        .find(|f| f.id == person_id)
        .and_then(|f| f.language)
        .unwrap_or(Language::En);
    let d = details(&vault, &p.id, &p.sealed)?;
    let (used, text) = draft.texts.for_language(lang);
    let movement = movement_by_person(state).await?;
    let fields = draft.fields_for(&d.full_name(), movement.get(person_id));
    let subject = template::render(&text.subject, &fields)
        .map_err(|e| WebError::BadRequest(e.to_string()))?;
    let body =
        template::render(&text.body, &fields).map_err(|e| WebError::BadRequest(e.to_string()))?;
    let mut missing = subject.missing.clone();
    for m in body.missing {
        if !missing.contains(&m) {
            missing.push(m);
        }
    }
    let ev = AuditEvent::new(
        actor,
        "outreach.preview",
        format!("person:{person_id}"),
        "",
        source_ip,
    );
    state.store.audit(&ev, state.now()).await?;
    Ok(Preview {
        person_id: p.id.clone(),
        name: d.full_name(),
        language: used.label(),
        dir: used.dir(),
        sms_parts: template::sms_parts(&body.text),
        subject: subject.text,
        body: body.text,
        missing,
        email: if d.email.is_empty() {
            String::new()
        } else {
            mask(&d.email)
        },
        phone: if d.phone.is_empty() {
            String::new()
        } else {
            mask(&d.phone)
        },
    })
}

/// The messages a draft becomes: one per person and channel with an address, in the
/// person's language, sealed with its address.
async fn messages(state: &AppState, draft: &Draft) -> Result<Vec<NewMessage>, WebError> {
    let vault = state.vault()?;
    let facts = facts(state).await?;
    let chosen: Vec<String> = draft
        .segment
        .select(&facts)
        .into_iter()
        .map(|p| p.id.clone())
        .collect();
    let lang_of: HashMap<&str, Language> = facts
        .iter()
        .filter_map(|f| f.language.map(|l| (f.id.as_str(), l)))
        .collect();
    let persons = state.store.persons_by_ids(&chosen).await?;
    let movement = movement_by_person(state).await?;
    let mut out = Vec::new();
    for p in persons {
        let d = details(&vault, &p.id, &p.sealed)?;
        let lang = lang_of.get(p.id.as_str()).copied().unwrap_or(Language::En);
        let (used, text) = draft.texts.for_language(lang);
        let fields = draft.fields_for(&d.full_name(), movement.get(&p.id));
        let subject = template::render(&text.subject, &fields)
            .map_err(|e| WebError::BadRequest(e.to_string()))?
            .text;
        let body = template::render(&text.body, &fields)
            .map_err(|e| WebError::BadRequest(e.to_string()))?
            .text;
        let mut push = |channel: &str, to: &str| -> Result<(), WebError> {
            let id = uuid::Uuid::now_v7().to_string();
            let env = Envelope {
                to: to.to_string(),
                subject: subject.clone(),
                text: body.clone(),
                language: used.code().to_string(),
            };
            let json = zeroize::Zeroizing::new(
                serde_json::to_vec(&env).map_err(|e| WebError::Internal(e.to_string()))?,
            );
            out.push(NewMessage {
                sealed: vault.seal(&envelope_aad(&id), &json)?,
                id,
                person_id: p.id.clone(),
                channel: channel.to_string(),
            });
            Ok(())
        };
        if draft.email && !d.email.trim().is_empty() {
            push("email", d.email.trim())?;
        }
        if draft.sms && !d.phone.trim().is_empty() {
            push("sms", d.phone.trim())?;
        }
    }
    Ok(out)
}

/// What a send came to.
#[derive(Clone, Debug, Serialize)]
pub struct Sent {
    pub alert_id: String,
    pub people: u64,
    pub addresses: u64,
    /// True when it waits for a second person's approval.
    pub awaiting_approval: bool,
}

/// Records an alert: queued at once, or held for approval when it reaches more people than
/// the threshold. Audited with its segment and counts.
pub async fn send(
    state: &AppState,
    draft: &Draft,
    actor: &str,
    source_ip: &str,
) -> Result<Sent, WebError> {
    draft.check()?;
    let draft = &with_saved_segment(state, draft).await?;
    let facts = facts(state).await?;
    let reach = draft.segment.reach(&facts);
    if reach.people == 0 {
        return Err(WebError::BadRequest(
            "the segment holds nobody: nothing to send".into(),
        ));
    }
    let addresses = draft.addresses(&reach);
    let hold = reach.people > approval_threshold();
    let id = uuid::Uuid::now_v7().to_string();
    let msgs = if hold {
        vec![]
    } else {
        messages(state, draft).await?
    };
    let segment_text = segment_words(draft);
    let w = AlertWrite {
        id: id.clone(),
        title: draft.title.trim().to_string(),
        texts: serde_json::to_string(&draft.texts)
            .map_err(|e| WebError::Internal(e.to_string()))?,
        fields: serde_json::to_string(&draft.fields)
            .map_err(|e| WebError::Internal(e.to_string()))?,
        segment: serde_json::to_string(&draft.segment)
            .map_err(|e| WebError::Internal(e.to_string()))?,
        segment_text: segment_text.clone(),
        channels: channels_text(draft),
        people: reach.people as i64,
        addresses: if hold {
            addresses as i64
        } else {
            msgs.len() as i64
        },
        state: if hold { "awaiting_approval" } else { "queued" }.into(),
        created_by: actor.to_string(),
    };
    let ev = AuditEvent::new(
        actor,
        if hold {
            "outreach.send_requested"
        } else {
            "outreach.send"
        },
        format!("alert:{id}"),
        format!(
            "segment=[{segment_text}] people={} messages={} channels={}",
            reach.people, w.addresses, w.channels
        ),
        source_ip,
    );
    state
        .store
        .create_alert(&w, &msgs, &ev, state.now())
        .await?;
    if !hold {
        super::outbox::wake(state);
    }
    Ok(Sent {
        alert_id: id,
        people: reach.people,
        addresses: w.addresses as u64,
        awaiting_approval: hold,
    })
}

fn channels_text(d: &Draft) -> String {
    match (d.email, d.sms) {
        (true, true) => "email,sms",
        (true, false) => "email",
        _ => "sms",
    }
    .into()
}

/// The draft an alert was composed from.
pub fn draft_of(a: &drawdown_storage::outreach::AlertRecord) -> Result<Draft, WebError> {
    let bad = |e: serde_json::Error| WebError::Internal(format!("alert {}: {e}", a.id));
    Ok(Draft {
        title: a.title.clone(),
        texts: serde_json::from_str(&a.texts).map_err(bad)?,
        fields: serde_json::from_str(&a.fields).map_err(bad)?,
        segment: serde_json::from_str(&a.segment).map_err(bad)?,
        saved_segment: None,
        email: a.channels.contains("email"),
        sms: a.channels.contains("sms"),
    })
}

/// A second person approves a held alert, in their own session: its messages are made for
/// the segment as it stands now and queued.
pub async fn approve(
    state: &AppState,
    alert_id: &str,
    approver: &str,
    source_ip: &str,
) -> Result<u64, WebError> {
    let a = state
        .store
        .alert(alert_id)
        .await?
        .ok_or(WebError::NotFound)?;
    if a.state != "awaiting_approval" {
        return Err(WebError::Conflict(format!(
            "this alert is {}, not waiting for approval",
            a.state.replace('_', " ")
        )));
    }
    if a.created_by == approver {
        return Err(WebError::BadRequest(
            "a second person must approve: you composed this alert".into(),
        ));
    }
    let draft = draft_of(&a)?;
    let msgs = messages(state, &draft).await?;
    let ev = AuditEvent::new(
        approver,
        "outreach.send_approved",
        format!("alert:{alert_id}"),
        format!(
            "segment=[{}] composed_by={} messages={}",
            a.segment_text,
            a.created_by,
            msgs.len()
        ),
        source_ip,
    );
    if !state
        .store
        .approve_alert(alert_id, approver, &msgs, &ev, state.now())
        .await?
    {
        return Err(WebError::Conflict(
            "this alert is no longer waiting for approval".into(),
        ));
    }
    super::outbox::wake(state);
    Ok(msgs.len() as u64)
}

pub async fn cancel(
    state: &AppState,
    alert_id: &str,
    actor: &str,
    source_ip: &str,
) -> Result<(), WebError> {
    let ev = AuditEvent::new(
        actor,
        "outreach.send_cancelled",
        format!("alert:{alert_id}"),
        "",
        source_ip,
    );
    if !state.store.cancel_alert(alert_id, &ev, state.now()).await? {
        return Err(WebError::Conflict(
            "this alert is not waiting for approval".into(),
        ));
    }
    Ok(())
}

/// A reply through the SMS gateway: attached to the one person with that phone number, if
/// there is exactly one; kept sealed either way.
pub async fn inbound(
    state: &AppState,
    from: &str,
    text: &str,
    source_ip: &str,
) -> Result<Option<String>, WebError> {
    let vault = state.vault()?;
    let phone = drawdown_outreach::registration::parse_phone(from)
        .ok_or_else(|| WebError::BadRequest("`from` is not a phone number".into()))?;
    if text.chars().count() > 2_000 {
        return Err(WebError::BadRequest(
            "`text` is longer than 2,000 characters".into(),
        ));
    }
    let keys = crate::services::registry::query_keys(&vault, &phone);
    let found = if keys.is_empty() {
        vec![]
    } else {
        state.store.persons_with_keys(&keys, 2).await?
    };
    let person = (found.len() == 1).then(|| found[0].clone());
    let id = uuid::Uuid::now_v7().to_string();
    let json = zeroize::Zeroizing::new(
        serde_json::to_vec(&serde_json::json!({"from": phone, "text": text}))
            .map_err(|e| WebError::Internal(e.to_string()))?,
    );
    let rec = InboundRecord {
        sealed: vault.seal(&format!("inbound:{id}").into_bytes(), &json)?,
        id: id.clone(),
        person_id: person.clone(),
        received_at: drawdown_storage::timestamp(state.now()),
    };
    let ev = AuditEvent::new(
        "sms-gateway",
        "outreach.reply",
        match &person {
            Some(p) => format!("person:{p}"),
            None => format!("reply:{id}"),
        },
        if person.is_some() {
            "attached"
        } else {
            "no single person has this number"
        },
        source_ip,
    );
    state
        .store
        .record_inbound(
            &rec,
            &vault.blind_index("inbound-phone", &phone),
            &ev,
            state.now(),
        )
        .await?;
    Ok(person)
}

/// A reply's text, opened.
pub fn open_reply(vault: &Vault, r: &InboundRecord) -> Result<(String, String), WebError> {
    let plain = vault.open_sealed(&format!("inbound:{}", r.id).into_bytes(), &r.sealed)?;
    let v: serde_json::Value =
        serde_json::from_slice(&plain).map_err(|e| WebError::Internal(e.to_string()))?;
    Ok((
        v["from"].as_str().unwrap_or("").to_string(),
        v["text"].as_str().unwrap_or("").to_string(),
    ))
}

/// Category choices for the segment form.
pub fn categories() -> Vec<(&'static str, &'static str)> {
    Category::ALL
        .iter()
        .map(|c| (c.slug(), c.label()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on(departs_at: &str) -> PersonMovement {
        PersonMovement {
            person_id: "p1".into(),
            departure: Some("RCH004".into()),
            gate: "North Gate".into(),
            departs_at: departs_at.into(),
            last_checkpoint: None,
        }
    }

    #[test]
    fn report_time_is_the_persons_departure_less_the_lead_unless_the_message_gives_one() {
        let mut d = Draft::default();
        let f = d.fields_for("Laila", Some(&on("2021-08-16T02:05:00Z")));
        assert_eq!(
            f.get("report_time").map(String::as_str),
            Some("23:05 UTC, 15 Aug 2021")
        );
        assert_eq!(f.get("gate").map(String::as_str), Some("North Gate"));
        d.fields.insert("report_time".into(), "06:00".into());
        let f = d.fields_for("Laila", Some(&on("2021-08-16T02:05:00Z")));
        assert_eq!(f.get("report_time").map(String::as_str), Some("06:00"));
        // Not manifested, or a departure without a time: nothing is made up.
        assert!(
            !Draft::default()
                .fields_for("Laila", None)
                .contains_key("report_time")
        );
        assert!(
            !Draft::default()
                .fields_for("Laila", Some(&on("")))
                .contains_key("report_time")
        );
    }
}
