//! The demo's outreach, as the post stood in August 2021: the alerts of those days as
//! templates in English, Dari and Pashto; the saved segment "Citizens" and the security alert
//! sent to it, with what
//! the outbox made of it (mostly sent, some failed or bounced); and the self-registration list
//! after the alert, submitted through the public form's own intake.
//!
//! Nothing is sent to anyone: the demo's state keeps the outbox worker from starting and
//! records the deliveries as the outbox records them.

use super::Ctx;
use drawdown_domain::audit::AuditEvent;
use drawdown_outreach::template::{MessageText, Texts};
use drawdown_outreach::{Language, Segment};
use drawdown_storage::outreach::DeliveryResult;
use drawdown_web::services::outreach::{self as svc, Intake, alerts};
use drawdown_web::{AppState, VaultSlot, WebConfig};
use std::collections::HashMap;
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

fn text(subject: &str, body: &str) -> MessageText {
    MessageText {
        subject: subject.into(),
        body: body.into(),
    }
}

/// The post's alerts of August 2021 (wording from the embassy's messages of the time).
fn templates() -> Vec<(&'static str, Texts)> {
    vec![
        (
            "Security alert: leave immediately",
            Texts {
                en: text(
                    "Security alert: leave Afghanistan immediately",
                    "{name}, the embassy urges citizens to leave Afghanistan immediately using available commercial flight options. Given the security conditions and reduced staffing levels, the embassy's ability to assist citizens is extremely limited, even inside Kabul.",
                ),
                fa: text(
                    "هشدار امنیتی: فوراً افغانستان را ترک کنید",
                    "{name}، سفارت از شهروندان می‌خواهد که فوراً با استفاده از پروازهای تجارتی موجود افغانستان را ترک کنند. با توجه به وضعیت امنیتی و کاهش کارمندان، توانایی سفارت برای کمک به شهروندان بسیار محدود است، حتی در داخل کابل.",
                ),
                ps: text(
                    "امنیتي خبرتیا: سمدستي افغانستان پرېږدئ",
                    "{name}، سفارت له اتباعو غواړي چې سمدستي د موجودو تجارتي الوتنو په کارولو سره افغانستان پرېږدي. د امنیتي حالاتو او د کارکوونکو د کمښت له امله، د سفارت وړتیا د اتباعو د مرستې لپاره ډېره محدوده ده، حتی د کابل دننه.",
                ),
            },
        ),
        (
            "Do not travel to the airport",
            Texts {
                en: text(
                    "Do not travel to the airport unless instructed",
                    "{name}, do not travel to the airport and avoid the airport gates unless you receive individual instructions from an embassy representative to do so.",
                ),
                fa: text(
                    "تا زمانی که هدایت نشده‌اید به میدان هوایی نروید",
                    "{name}، به میدان هوایی نروید و از دروازه‌های میدان هوایی دوری کنید، مگر اینکه از نماینده سفارت هدایت فردی دریافت کنید.",
                ),
                ps: text(
                    "تر هغه چې لارښوونه نه وي شوې هوايي ډګر ته مه ځئ",
                    "{name}، هوايي ډګر ته مه ځئ او د هوايي ډګر له دروازو لرې اوسئ، مګر دا چې د سفارت له استازي څخه انفرادي لارښوونه ترلاسه کړئ.",
                ),
            },
        ),
        (
            "Report to the gate",
            Texts {
                en: text(
                    "Report to the {gate} at {report_time}",
                    "{name}, report to the {gate} at {report_time} with {bring}. You are on departure {departure}. Bring only one small bag per person.",
                ),
                fa: text(
                    "ساعت {report_time} به {gate} حاضر شوید",
                    "{name}، ساعت {report_time} با {bring} به {gate} حاضر شوید. شما در پرواز {departure} هستید. برای هر نفر فقط یک بکس کوچک بیاورید.",
                ),
                ps: text(
                    "په {report_time} بجو {gate} ته حاضر شئ",
                    "{name}، په {report_time} بجو له {bring} سره {gate} ته حاضر شئ. تاسو د {departure} الوتنې کې یاست. هر کس دې یوازې یو کوچنی بکس راوړي.",
                ),
            },
        ),
    ]
}

/// Names for self-registrations: (Latin, Dari script).
const GIVEN: &[(&str, &str)] = &[
    ("Mohammad", "محمد"),
    ("Ahmad", "احمد"),
    ("Farid", "فرید"),
    ("Najib", "نجیب"),
    ("Wahid", "وحید"),
    ("Khalid", "خالد"),
    ("Yousuf", "یوسف"),
    ("Zarghona", "زرغونه"),
    ("Maryam", "مریم"),
    ("Fatima", "فاطمه"),
    ("Shabnam", "شبنم"),
    ("Nargis", "نرگس"),
    ("Abdul Rahman", "عبدالرحمن"),
    ("Hamid", "حمید"),
    ("Habibullah", "حبیب‌الله"),
    ("Laila", "لیلا"),
];
const FAMILY: &[(&str, &str)] = &[
    ("Ahmadzai", "احمدزی"),
    ("Popalzai", "پوپلزی"),
    ("Hotak", "هوتک"),
    ("Stanikzai", "ستانکزی"),
    ("Sadat", "سادات"),
    ("Hashimi", "هاشمی"),
    ("Karimi", "کریمی"),
    ("Rahimi", "رحیمی"),
    ("Mohammadi", "محمدی"),
    ("Noori", "نوری"),
    ("Wardak", "وردک"),
];
const PROVINCES: &[&str] = &[
    "Kabul",
    "Kabul",
    "Kabul",
    "Balkh",
    "Herat",
    "Kandahar",
    "Nangarhar",
    "Kunduz",
    "Parwan",
    "Ghazni",
];
/// Claimed statuses after the alert: many claim citizenship (most will not be citizens).
const CLAIMED: &[&str] = &[
    "citizen",
    "citizen",
    "citizen",
    "permanent_resident",
    "siv_applicant",
    "siv_applicant",
    "refugee_referral",
    "other_at_risk",
    "staff_local",
];
const RELATIONSHIPS: &[&str] = &["wife", "son", "daughter", "mother"];

/// The i-th person's answers, as the public form would receive them.
fn answers(i: usize) -> (Language, HashMap<String, String>) {
    let language = match i % 5 {
        0 | 1 => Language::Fa,
        2 => Language::Ps,
        _ => Language::En,
    };
    // Some type their names in Dari script, as the form allows.
    let dari_script = language == Language::Fa && i.is_multiple_of(2);
    let pick = |t: &[(&'static str, &'static str)], k: usize| {
        let (l, a) = t[k % t.len()];
        if dari_script { a } else { l }
    };
    let family = pick(FAMILY, i * 7 + 3);
    let mut f: HashMap<String, String> = HashMap::new();
    let mut put = |k: &str, v: String| {
        f.insert(k.to_string(), v);
    };
    put("given_name", pick(GIVEN, i * 5 + 1).into());
    put("family_name", family.into());
    put(
        "birth_date",
        format!("{}-{:02}-{:02}", 1960 + i % 40, 1 + i % 12, 1 + i % 28),
    );
    put("document_number", format!("P{:07}", 1_300_000 + i * 37));
    put(
        "phone",
        format!("07{:08}", 90_000_000 + i * 7_919 % 9_999_999),
    );
    if i.is_multiple_of(4) {
        put("email", format!("registrant{i}@example.af"));
    }
    put("province", PROVINCES[i % PROVINCES.len()].into());
    put("status", CLAIMED[i % CLAIMED.len()].into());
    for m in 1..=(i % 4) {
        let field = |p: &str| drawdown_outreach::registration::member_field(m, p);
        put(&field("given"), pick(GIVEN, i + m * 3).into());
        put(&field("family"), family.into());
        put(&field("birth"), format!("{}", 1990 + (i + m) % 30));
        put(
            &field("relationship"),
            RELATIONSHIPS[m % RELATIONSHIPS.len()].into(),
        );
    }
    (language, f)
}

/// What the outbox made of the i-th message: most sent; some failed after their retries,
/// a few addresses bounced.
fn outcome(i: usize, channel: &str) -> (&'static str, i64, &'static str) {
    match (i % 17, channel) {
        (3, "email") => ("bounced", 1, "550 5.1.1 mailbox unavailable"),
        (3, _) | (11, "sms") => ("failed", 5, "the gateway answered 400 Bad Request"),
        (11, _) => ("failed", 5, "the relay stalled (no answer in time)"),
        _ => ("sent", 1, ""),
    }
}

/// Seeds this area; returns a line for the demo's banner, if any.
pub async fn seed(ctx: &Ctx<'_>) -> anyhow::Result<Option<String>> {
    let err = |e: drawdown_web::WebError| anyhow::anyhow!("outreach demo: {e}");
    let state = AppState::new(
        ctx.store.clone(),
        VaultSlot::Unlocked(Arc::clone(&ctx.shared_vault)),
        WebConfig {
            data_dir: std::env::temp_dir(),
            demo: true,
        },
    );
    state.outreach.hold_outbox();

    // Templates, saved as the compose page saves them.
    let templates = templates();
    for (name, texts) in &templates {
        let ev = AuditEvent::new(
            "committee",
            "outreach.template_saved",
            format!("template:{name}"),
            "",
            "console",
        );
        ctx.store
            .save_template(
                &uuid::Uuid::now_v7().to_string(),
                name,
                &serde_json::to_string(texts)?,
                "committee",
                &ev,
                ctx.now,
            )
            .await?;
    }

    // The segment of citizens, saved for later messages; the security alert to it: composed
    // by a registrar, approved by the committee when it reaches more people than the
    // two-person threshold.
    let mut segment = Segment::default();
    segment.categories.insert("citizen".into());
    alerts::save_segment(&state, "Citizens", &segment, "registrar", "console")
        .await
        .map_err(err)?;
    let draft = alerts::Draft {
        title: "Security alert: leave immediately (15 August)".into(),
        texts: templates[0].1.clone(),
        fields: HashMap::new(),
        segment: Segment::default(),
        saved_segment: Some("Citizens".into()),
        email: true,
        sms: true,
    };
    let sent = alerts::send(&state, &draft, "registrar", "console")
        .await
        .map_err(err)?;
    if sent.awaiting_approval {
        alerts::approve(&state, &sent.alert_id, "committee", "console")
            .await
            .map_err(err)?;
    }
    let messages = ctx
        .store
        .messages_of_alert(&sent.alert_id, i64::MAX)
        .await?;
    let done = svc::outbox::stamp(ctx.now + Duration::minutes(20));
    let mut failed_people = std::collections::HashSet::new();
    for channel in ["email", "sms"] {
        let results: Vec<DeliveryResult> = messages
            .iter()
            .filter(|m| m.channel == channel)
            .enumerate()
            .map(|(i, m)| {
                let (state, attempts, reason) = outcome(i, channel);
                if state != "sent" {
                    failed_people.insert(m.person_id.clone());
                }
                DeliveryResult {
                    id: m.id.clone(),
                    state: state.into(),
                    attempts,
                    next_attempt_at: done.clone(),
                    reason: reason.into(),
                }
            })
            .collect();
        let count = |s: &str| results.iter().filter(|r| r.state == s).count();
        let ev = AuditEvent::new(
            "outbox",
            "outreach.deliver",
            format!("channel:{channel}"),
            format!(
                "sent={} retry=0 failed={} bounced={}",
                count("sent"),
                count("failed"),
                count("bounced")
            ),
            "server",
        );
        ctx.store
            .record_deliveries(&results, &ev, ctx.now + Duration::minutes(20))
            .await?;
    }

    // Self-registrations after the alert, all at once as in the surge: the intake writes
    // them in group-committed batches.
    let n = if ctx.small { 30 } else { 300 };
    let clock: Arc<dyn Fn() -> OffsetDateTime + Send + Sync> = Arc::new(OffsetDateTime::now_utc);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let (language, form) = answers(i);
        let reg = drawdown_outreach::registration::parse(
            |k| form.get(k).map(String::as_str).unwrap_or(""),
            language,
        )
        .map_err(|p| anyhow::anyhow!("outreach demo: registration {i} does not read: {p:?}"))?;
        let (store, outreach, vault, clock) = (
            ctx.store.clone(),
            Arc::clone(&state.outreach),
            Arc::clone(&ctx.shared_vault),
            Arc::clone(&clock),
        );
        tasks.spawn(async move { svc::register(&store, &outreach, &vault, &reg, clock).await });
    }
    let mut accepted = 0;
    while let Some(r) = tasks.join_next().await {
        match r?.map_err(err)? {
            Intake::Accepted(_) => accepted += 1,
            Intake::Busy => anyhow::bail!("outreach demo: the registration intake was busy"),
        }
    }

    Ok(Some(format!(
        "Alerts: {} templates, 1 alert sent to {} citizens ({} messages, {} people with a failed or bounced delivery); self-registration: {accepted} entries",
        templates.len(),
        sent.people,
        messages.len(),
        failed_people.len(),
    )))
}
