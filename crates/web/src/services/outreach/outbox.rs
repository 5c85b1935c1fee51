//! Channels and the outbox worker: email through an SMTP relay (lettre), SMS through an HTTP
//! gateway with a configured request shape. The worker takes due messages, sends them within
//! each channel's rate limit, and records each one's state (sent, queued again after a
//! backoff, failed with its reason, bounced). Every attempt has a timeout: a relay that
//! refuses or stalls costs a retry, never a hung worker.

use crate::AppState;
use drawdown_domain::audit::AuditEvent;
use drawdown_outreach::policy::{Backoff, Outcome, RateLimit};
use drawdown_outreach::sms::{BodyFormat, Shape};
use drawdown_storage::outreach::DeliveryResult;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::Notify;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain SMTP (a relay on loopback or a trusted network).
    None,
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
}

#[derive(Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub credentials: Option<(String, String)>,
    pub from: String,
    pub timeout: Duration,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("credentials", &self.credentials.as_ref().map(|_| "(set)"))
            .finish()
    }
}

#[derive(Clone, Debug)]
pub struct SmsSettings {
    pub shape: Shape,
    pub timeout: Duration,
}

/// The channels as configured at start (environment of `serve` and `demo`).
#[derive(Clone, Debug)]
pub struct Channels {
    pub smtp: Option<SmtpSettings>,
    pub sms: Option<SmsSettings>,
    /// Shared secret the SMS gateway sends with replies (`X-Drawdown-Secret` or `?secret=`).
    pub inbound_secret: Option<String>,
    pub email_per_second: f64,
    pub sms_per_second: f64,
    pub backoff: Backoff,
    /// Configuration that could not be read, shown on the alerts page.
    pub problems: Vec<String>,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Channels {
    pub fn from_env() -> Channels {
        let mut problems = Vec::new();
        let num = |name: &str, default: f64, problems: &mut Vec<String>| match var(name) {
            None => default,
            Some(v) => v.trim().parse().unwrap_or_else(|_| {
                problems.push(format!("{name}={v:?} is not a number; using {default}"));
                default
            }),
        };
        let smtp = var("DRAWDOWN_SMTP_HOST").map(|host| {
            let tls = match var("DRAWDOWN_SMTP_TLS")
                .as_deref()
                .map(str::to_lowercase)
                .as_deref()
            {
                None | Some("starttls") => SmtpTls::StartTls,
                Some("none") | Some("plain") => SmtpTls::None,
                Some("tls") | Some("smtps") => SmtpTls::Tls,
                Some(other) => {
                    problems.push(format!(
                        "DRAWDOWN_SMTP_TLS={other:?}: write none, starttls or tls; using starttls"
                    ));
                    SmtpTls::StartTls
                }
            };
            let default_port = match tls {
                SmtpTls::None => 25.0,
                SmtpTls::StartTls => 587.0,
                SmtpTls::Tls => 465.0,
            };
            let port = num("DRAWDOWN_SMTP_PORT", default_port, &mut problems) as u16;
            SmtpSettings {
                host,
                port,
                tls,
                credentials: var("DRAWDOWN_SMTP_USER")
                    .map(|u| (u, var("DRAWDOWN_SMTP_PASSWORD").unwrap_or_default())),
                from: var("DRAWDOWN_SMTP_FROM")
                    .unwrap_or_else(|| "Drawdown alerts <alerts@drawdown.invalid>".into()),
                timeout: Duration::from_secs_f64(num("DRAWDOWN_SMTP_TIMEOUT", 10.0, &mut problems)),
            }
        });
        let sms = var("DRAWDOWN_SMS_URL").and_then(|url| {
            let format = match var("DRAWDOWN_SMS_FORMAT")
                .as_deref()
                .map(str::to_lowercase)
                .as_deref()
            {
                Some("json") => BodyFormat::Json,
                _ => BodyFormat::Form,
            };
            let default_body = match format {
                BodyFormat::Form => "to={to}&text={text}",
                BodyFormat::Json => r#"{"to":"{to}","text":"{text}"}"#,
            };
            match Shape::new(
                &url,
                &var("DRAWDOWN_SMS_METHOD").unwrap_or_else(|| "POST".into()),
                &var("DRAWDOWN_SMS_HEADERS").unwrap_or_default(),
                &var("DRAWDOWN_SMS_BODY").unwrap_or_else(|| default_body.into()),
                format,
            ) {
                Ok(shape) => Some(SmsSettings {
                    shape,
                    timeout: Duration::from_secs_f64(num(
                        "DRAWDOWN_SMS_TIMEOUT",
                        10.0,
                        &mut problems,
                    )),
                }),
                Err(e) => {
                    problems.push(format!("SMS gateway not used: {e}"));
                    None
                }
            }
        });
        let d = Backoff::default();
        Channels {
            smtp,
            sms,
            inbound_secret: var("DRAWDOWN_SMS_INBOUND_SECRET"),
            email_per_second: num("DRAWDOWN_EMAIL_PER_SECOND", 20.0, &mut problems),
            sms_per_second: num("DRAWDOWN_SMS_PER_SECOND", 5.0, &mut problems),
            backoff: Backoff {
                first_ms: (num(
                    "DRAWDOWN_OUTBOX_RETRY_SECONDS",
                    d.first_ms as f64 / 1000.0,
                    &mut problems,
                ) * 1000.0) as u64,
                max_ms: d.max_ms,
                attempts: num(
                    "DRAWDOWN_OUTBOX_ATTEMPTS",
                    f64::from(d.attempts),
                    &mut problems,
                ) as u32,
            },
            problems,
        }
    }

    /// In words, for the alerts page (no secrets).
    pub fn describe(&self) -> Vec<String> {
        let mut v = Vec::new();
        match &self.smtp {
            Some(s) => v.push(format!(
                "Email: SMTP relay {}:{} ({}), {} a second at most",
                s.host,
                s.port,
                match s.tls {
                    SmtpTls::None => "no TLS",
                    SmtpTls::StartTls => "STARTTLS",
                    SmtpTls::Tls => "TLS",
                },
                self.email_per_second
            )),
            None => v.push("Email: no SMTP relay configured (DRAWDOWN_SMTP_HOST)".into()),
        }
        match &self.sms {
            Some(s) => v.push(format!(
                "SMS: gateway {} {} ({}), {} a second at most",
                s.shape.method,
                s.shape.url.split('?').next().unwrap_or(""),
                match s.shape.format {
                    BodyFormat::Form => "form",
                    BodyFormat::Json => "JSON",
                },
                self.sms_per_second
            )),
            None => v.push("SMS: no gateway configured (DRAWDOWN_SMS_URL)".into()),
        }
        v
    }
}

/// What is sealed for each message: the address and the text as the person gets it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Envelope {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub language: String,
}

pub fn envelope_aad(id: &str) -> Vec<u8> {
    format!("outbox:{id}").into_bytes()
}

/// Wakes the worker when messages are queued; starts it once.
#[derive(Default)]
pub struct WorkerHandle {
    started: AtomicBool,
    wake: Notify,
}

impl WorkerHandle {
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Marks the worker as started without starting it.
    pub(crate) fn hold(&self) {
        self.started.store(true, Ordering::SeqCst);
    }
}

/// Starts the outbox worker (once per server).
pub fn start(state: &AppState) {
    if state.outreach.worker.started.swap(true, Ordering::SeqCst) {
        return;
    }
    let state = state.clone();
    tokio::spawn(async move {
        let ch = state.outreach.channels.clone();
        let start = std::time::Instant::now();
        let ms = move || start.elapsed().as_millis() as u64;
        let mut email_limit =
            RateLimit::new(ch.email_per_second, ch.email_per_second.ceil() as u32, ms());
        let mut sms_limit =
            RateLimit::new(ch.sms_per_second, ch.sms_per_second.ceil() as u32, ms());
        let smtp = ch.smtp.as_ref().and_then(|s| match smtp_transport(s) {
            Ok(t) => Some(t),
            Err(e) => {
                tracing::error!(error = %e, "the SMTP relay's settings are not usable");
                None
            }
        });
        let http = reqwest::Client::builder()
            .timeout(
                ch.sms
                    .as_ref()
                    .map(|s| s.timeout)
                    .unwrap_or(Duration::from_secs(10)),
            )
            .build()
            .ok();
        loop {
            let mut worked = 0;
            for channel in ["email", "sms"] {
                let n = round(
                    &state,
                    &ch,
                    channel,
                    smtp.as_ref(),
                    http.as_ref(),
                    if channel == "email" {
                        &mut email_limit
                    } else {
                        &mut sms_limit
                    },
                    &ms,
                )
                .await;
                match n {
                    Ok(n) => worked += n,
                    Err(e) => tracing::warn!(error = %e, channel, "outbox round failed"),
                }
            }
            if worked == 0 {
                let _ = tokio::time::timeout(
                    Duration::from_secs(1),
                    state.outreach.worker.wake.notified(),
                )
                .await;
            }
        }
    });
}

fn smtp_transport(s: &SmtpSettings) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let b = match s.tls {
        SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host),
        SmtpTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&s.host)
            .map_err(|e| e.to_string())?,
        SmtpTls::Tls => {
            AsyncSmtpTransport::<Tokio1Executor>::relay(&s.host).map_err(|e| e.to_string())?
        }
    };
    let mut b = b.port(s.port).timeout(Some(s.timeout));
    if let Some((u, p)) = &s.credentials {
        b = b.credentials(Credentials::new(u.clone(), p.clone()));
    }
    Ok(b.build())
}

/// One attempt's result: Ok, or (reason, permanent, bounced).
type Attempt = Result<(), (String, bool, bool)>;

/// The reason as stored: never the address itself, and short.
fn scrub(reason: &str, to: &str) -> String {
    let mut r = reason.replace(to, "<recipient>");
    if r.contains('@') {
        r = r
            .split_whitespace()
            .map(|w| if w.contains('@') { "<address>" } else { w })
            .collect::<Vec<_>>()
            .join(" ");
    }
    r.chars().take(240).collect()
}

async fn send_email(
    t: &AsyncSmtpTransport<Tokio1Executor>,
    s: &SmtpSettings,
    e: &Envelope,
) -> Attempt {
    let from = s
        .from
        .parse()
        .map_err(|x| (format!("sender address: {x}"), true, false))?;
    let to =
        e.to.parse()
            .map_err(|_| ("the address is not valid".to_string(), true, true))?;
    let msg = Message::builder()
        .from(from)
        .to(to)
        .subject(e.subject.clone())
        .header(ContentType::TEXT_PLAIN)
        .body(e.text.clone())
        .map_err(|x| (x.to_string(), true, false))?;
    // lettre's own timeout covers each command; this one bounds the whole exchange.
    match tokio::time::timeout(s.timeout * 3, t.send(msg)).await {
        Err(_) => Err(("the relay stalled (no answer in time)".into(), false, false)),
        Ok(Ok(_)) => Ok(()),
        Ok(Err(x)) => {
            let code = x.status().map(|c| c.to_string()).unwrap_or_default();
            let permanent = x.is_permanent();
            let why = if x.is_timeout() {
                "the relay stalled (timed out)".to_string()
            } else {
                x.to_string()
            };
            Err((why, permanent, permanent && code.starts_with("55")))
        }
    }
}

async fn send_sms(http: &reqwest::Client, s: &SmsSettings, e: &Envelope) -> Attempt {
    let r = s.shape.request(&e.to, &e.text);
    let method = reqwest::Method::from_bytes(r.method.as_bytes())
        .map_err(|x| (x.to_string(), true, false))?;
    let mut req = http.request(method, &r.url).timeout(s.timeout);
    for (k, v) in &r.headers {
        req = req.header(k, v);
    }
    if r.method != "GET" {
        req = req.header("content-type", r.content_type).body(r.body);
    }
    match req.send().await {
        Err(x) if x.is_timeout() => Err((
            "the gateway stalled (no answer in time)".into(),
            false,
            false,
        )),
        Err(x) => Err((
            format!("the gateway could not be reached: {x}"),
            false,
            false,
        )),
        Ok(resp) => {
            let st = resp.status();
            if st.is_success() {
                Ok(())
            } else {
                let transient = st.is_server_error() || st.as_u16() == 408 || st.as_u16() == 429;
                Err((format!("the gateway answered {st}"), !transient, false))
            }
        }
    }
}

/// One round on one channel: claim due messages, send them within the rate limit, record.
async fn round(
    state: &AppState,
    ch: &Channels,
    channel: &str,
    smtp: Option<&AsyncSmtpTransport<Tokio1Executor>>,
    http: Option<&reqwest::Client>,
    limit: &mut RateLimit,
    ms: &impl Fn() -> u64,
) -> Result<usize, crate::WebError> {
    let Ok(vault) = state.vault() else {
        return Ok(0);
    };
    let now = state.now();
    let lease = now + time::Duration::minutes(2);
    let batch = state
        .store
        .claim_due_messages(channel, now, lease, 50)
        .await?;
    if batch.is_empty() {
        return Ok(0);
    }
    let mut results = Vec::with_capacity(batch.len());
    let (mut sent, mut retry, mut failed, mut bounced) = (0, 0, 0, 0);
    for m in &batch {
        let attempts = m.attempts + 1;
        let env: Option<Envelope> = vault
            .open_sealed(&envelope_aad(&m.id), &m.sealed)
            .ok()
            .and_then(|p| serde_json::from_slice(&p).ok());
        let attempt: Attempt = match (&env, channel) {
            (None, _) => Err(("the message could not be opened".into(), true, false)),
            (Some(e), "email") => match (smtp, &ch.smtp) {
                (Some(t), Some(s)) => {
                    while let Err(wait) = limit.take(ms()) {
                        tokio::time::sleep(Duration::from_millis(wait)).await;
                    }
                    send_email(t, s, e).await
                }
                _ => Err((
                    "no SMTP relay is configured (DRAWDOWN_SMTP_HOST)".into(),
                    true,
                    false,
                )),
            },
            (Some(e), _) => match (http, &ch.sms) {
                (Some(h), Some(s)) => {
                    while let Err(wait) = limit.take(ms()) {
                        tokio::time::sleep(Duration::from_millis(wait)).await;
                    }
                    send_sms(h, s, e).await
                }
                _ => Err((
                    "no SMS gateway is configured (DRAWDOWN_SMS_URL)".into(),
                    true,
                    false,
                )),
            },
        };
        let done_at = state.now();
        let r = match attempt {
            Ok(()) => {
                sent += 1;
                DeliveryResult {
                    id: m.id.clone(),
                    state: "sent".into(),
                    attempts,
                    next_attempt_at: drawdown_storage::timestamp(done_at),
                    reason: String::new(),
                }
            }
            Err((why, permanent, is_bounce)) => {
                let why = scrub(&why, env.as_ref().map(|e| e.to.as_str()).unwrap_or("\u{0}"));
                match ch.backoff.after_failure(attempts as u32, permanent) {
                    Outcome::RetryIn(wait) => {
                        retry += 1;
                        DeliveryResult {
                            id: m.id.clone(),
                            state: "queued".into(),
                            attempts,
                            next_attempt_at: drawdown_storage::timestamp(
                                done_at + time::Duration::milliseconds(wait as i64),
                            ),
                            reason: format!("attempt {attempts} failed: {why}; retrying"),
                        }
                    }
                    Outcome::GiveUp => {
                        let state = if is_bounce {
                            bounced += 1;
                            "bounced"
                        } else {
                            failed += 1;
                            "failed"
                        };
                        DeliveryResult {
                            id: m.id.clone(),
                            state: state.into(),
                            attempts,
                            next_attempt_at: drawdown_storage::timestamp(done_at),
                            reason: why,
                        }
                    }
                }
            }
        };
        results.push(r);
    }
    let ev = AuditEvent::new(
        "outbox",
        "outreach.deliver",
        format!("channel:{channel}"),
        format!("sent={sent} retry={retry} failed={failed} bounced={bounced}"),
        "server",
    );
    state
        .store
        .record_deliveries(&results, &ev, state.now())
        .await?;
    Ok(batch.len())
}

/// Now, as the outbox stores times.
pub fn stamp(t: OffsetDateTime) -> String {
    drawdown_storage::timestamp(t)
}

/// Wakes the worker (after a send was queued).
pub fn wake(state: &AppState) {
    start(state);
    state.outreach.worker.wake();
}

pub type Shared = Arc<Channels>;
