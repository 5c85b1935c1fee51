//! The command line for outreach: `drawdown alerts …` (alerts, templates, saved segments,
//! preview, send, approve, the outbox) and `drawdown bench registrations` (in bench_register.rs).
//!
//! Sending and approving act as a Drawdown user (`--user`, their password from
//! DRAWDOWN_USER_PASSWORD or asked) who must hold the permission to send alerts: the
//! two-person rule is the web's, so the one who composed an alert cannot approve it, from here
//! or from the web. The server's outbox worker delivers what is queued here.

use crate::console::secret;
use crate::registry_cli::console_vault;
use crate::server;
use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use drawdown_domain::Permission;
use drawdown_outreach::segment::{ClaimFilter, HouseholdFilter};
use drawdown_outreach::{Language, Segment};
use drawdown_storage::Store;
use drawdown_web::services::outreach::alerts::{self, Draft};
use drawdown_web::{AppState, VaultSlot, WebConfig, WebError};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Subcommand)]
pub enum Command {
    /// Alerts to segments of the registry: list them, count a segment, preview a message for
    /// one recipient, send (held for a second person above the threshold), approve, and the
    /// outbox's delivery states. See docs/outreach.md.
    Alerts {
        #[command(subcommand)]
        command: Box<AlertsCommand>,
    },
}

#[derive(Args, Clone)]
pub struct Db {
    /// The database: sqlite://PATH or postgres://USER:PASS@HOST:PORT/DB.
    #[arg(long, env = "DRAWDOWN_DB")]
    db: String,
}

/// Who acts, and the vault's key (preview, send and approve read names and addresses).
#[derive(Args, Clone)]
pub struct Actor {
    /// Your Drawdown username (a role that sends alerts: committee or registrar). The password
    /// comes from DRAWDOWN_USER_PASSWORD, or is asked.
    #[arg(long, env = "DRAWDOWN_USER")]
    user: String,
    /// The vault's key file (else the passphrase: DRAWDOWN_PASSPHRASE or asked).
    #[arg(long, env = "DRAWDOWN_KEY_FILE")]
    key_file: Option<PathBuf>,
}

/// Who a message goes to: a saved segment by name, or filters (all of them must hold; a
/// filter not given lets everyone through).
#[derive(Args, Clone, Default)]
pub struct SegmentArgs {
    /// A saved segment, by name (the filters below are then not used).
    #[arg(long)]
    segment: Option<String>,
    /// Category slug, repeatable: citizen, permanent_resident, siv_applicant, staff_local, ...
    #[arg(long = "category")]
    categories: Vec<String>,
    /// Priority tier (1 first out), repeatable.
    #[arg(long = "priority")]
    priorities: Vec<u8>,
    /// Province (English name), repeatable.
    #[arg(long = "province")]
    provinces: Vec<String>,
    /// en, fa (Dari) or ps (Pashto), repeatable.
    #[arg(long = "language")]
    languages: Vec<String>,
    /// Source list name, repeatable: "Self-registration", "Consular registry", ...
    #[arg(long = "list")]
    lists: Vec<String>,
    /// Manifested on this departure (its id), repeatable.
    #[arg(long = "on-departure")]
    departures: Vec<String>,
    /// yes: on some manifest; no: on none.
    #[arg(long)]
    manifested: Option<String>,
    /// Last admitted at this checkpoint (code: gate, screening, boarding, ...), repeatable.
    #[arg(long = "last-checkpoint")]
    last_checkpoints: Vec<String>,
    /// in_household or alone.
    #[arg(long)]
    household: Option<String>,
    /// claimed (self-declared, unverified) or confirmed.
    #[arg(long)]
    status: Option<String>,
    /// Everyone travelling with this person (their id): instructions to one household.
    #[arg(long)]
    household_of: Option<String>,
}

/// What a message says: a saved template, or texts given here, with the message's fields.
#[derive(Args, Clone)]
pub struct MessageArgs {
    /// A saved template, by name: its English, Dari and Pashto texts.
    #[arg(long)]
    template: Option<String>,
    /// The English subject (email), instead of or over the template's.
    #[arg(long)]
    subject: Option<String>,
    /// The English text, instead of or over the template's. Fields: {name}, {departure},
    /// {gate}, {report_time}, {bring}.
    #[arg(long)]
    body: Option<String>,
    /// The message's title in the outbox (default: the template's name).
    #[arg(long)]
    title: Option<String>,
    /// {departure} for everyone (default: each person's own, from the manifest).
    #[arg(long)]
    departure: Option<String>,
    /// {gate} for everyone (default: their departure's gate).
    #[arg(long)]
    gate: Option<String>,
    /// {report_time}: "06:00".
    #[arg(long)]
    report_time: Option<String>,
    /// {bring}: "your passports, one bag each".
    #[arg(long)]
    bring: Option<String>,
    /// Channels: email, sms or both (comma-separated).
    #[arg(long, default_value = "email,sms")]
    channels: String,
}

#[derive(Subcommand)]
pub enum AlertsCommand {
    /// Alerts, newest first: state, segment, people, messages and their delivery states.
    List {
        #[command(flatten)]
        db: Db,
    },
    /// Saved templates (their names, for --template).
    Templates {
        #[command(flatten)]
        db: Db,
    },
    /// Saved segments (their names and filters, for --segment).
    Segments {
        #[command(flatten)]
        db: Db,
    },
    /// Save the segment given by the filters under a name, for later messages.
    ///
    /// Example: drawdown alerts save-segment "Citizens in Kabul" --category citizen --province Kabul --user registrar
    SaveSegment {
        #[command(flatten)]
        db: Db,
        name: String,
        #[command(flatten)]
        segment: SegmentArgs,
        #[command(flatten)]
        actor: Actor,
    },
    /// How many people a segment holds, and how many of them have an email address or phone.
    Reach {
        #[command(flatten)]
        db: Db,
        #[command(flatten)]
        segment: SegmentArgs,
        #[arg(long, env = "DRAWDOWN_KEY_FILE")]
        key_file: Option<PathBuf>,
    },
    /// The message as one recipient gets it (audited), with the segment's counts.
    ///
    /// Example: drawdown alerts preview --template "Report to the gate" --departure RCH004
    ///          --report-time 06:00 --bring "your passports" --user registrar --key-file post.key
    Preview {
        #[command(flatten)]
        db: Db,
        #[command(flatten)]
        message: MessageArgs,
        #[command(flatten)]
        segment: SegmentArgs,
        /// The recipient (a person's id; default: the first in the segment).
        #[arg(long)]
        person: Option<String>,
        #[command(flatten)]
        actor: Actor,
    },
    /// Send a message to a segment. Above the approval threshold it waits for a second
    /// person's approval (`drawdown alerts approve`, or the alert's page); the server's outbox
    /// delivers it.
    Send {
        #[command(flatten)]
        db: Db,
        #[command(flatten)]
        message: MessageArgs,
        #[command(flatten)]
        segment: SegmentArgs,
        #[command(flatten)]
        actor: Actor,
    },
    /// Approve an alert another person composed (two-person rule).
    Approve {
        #[command(flatten)]
        db: Db,
        /// The alert's id (from `drawdown alerts list`).
        id: String,
        #[command(flatten)]
        actor: Actor,
    },
    /// The outbox: messages by channel and delivery state; with an alert's id, its messages
    /// one by one (state, attempts, reason; never the address).
    Outbox {
        #[command(flatten)]
        db: Db,
        /// One alert's messages.
        alert: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Self-registrations through the public HTTP form, each durable before its answer: a
    /// load generator in this process fetches forms, waits the minimum fill time, and submits
    /// from many loopback source addresses (127.0.0.0/8) with the per-address limit on.
    /// Prints submissions accepted a second and latency.
    ///
    /// Re-run on a quiet machine with a release build: `drawdown bench registrations` (SQLite
    /// in a temp dir) and `drawdown bench registrations --db postgres://USER@HOST/EMPTY_DB`.
    Registrations(crate::bench_register::Args),
}

pub async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Alerts { command } => alerts_command(*command).await,
    }
}

pub async fn bench(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Registrations(args) => crate::bench_register::run(args).await,
    }
}

fn web(e: WebError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

/// A server state over the database for the services, its outbox held: the server's own
/// worker delivers what is queued here.
async fn state(store: &Store, key_file: Option<&std::path::Path>) -> anyhow::Result<AppState> {
    let vault = console_vault(store, key_file).await?;
    let state = AppState::new(
        store.clone(),
        VaultSlot::Unlocked(Arc::new(vault)),
        WebConfig {
            data_dir: std::env::temp_dir(),
            demo: false,
        },
    );
    state.outreach.hold_outbox();
    Ok(state)
}

/// The user acting: their password checked, and their roles allow sending alerts.
async fn authenticate(store: &Store, username: &str) -> anyhow::Result<String> {
    let user = store.user_by_username(username).await?;
    let password = secret(
        "DRAWDOWN_USER_PASSWORD",
        &format!("Password of {username}"),
        false,
    )?;
    // The same answer for an unknown user and a wrong password.
    let ok = user.as_ref().is_some_and(|u| {
        !u.disabled && drawdown_web::auth::verify_password(&password, &u.password_hash)
    });
    let Some(user) = user.filter(|_| ok) else {
        bail!("the username or password is wrong");
    };
    if !user.roles.allows(Permission::SendAlerts) {
        bail!(
            "{username} may not send alerts (roles that may: {})",
            Permission::SendAlerts
                .granted_by()
                .iter()
                .map(|r| r.slug())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(user.username)
}

impl SegmentArgs {
    fn segment(&self) -> anyhow::Result<Segment> {
        let set = |v: &[String]| v.iter().map(|s| s.trim().to_string()).collect();
        let mut languages = std::collections::BTreeSet::new();
        for l in &self.languages {
            languages.insert(
                Language::parse(l)
                    .with_context(|| format!("--language {l}: write en, fa or ps"))?,
            );
        }
        Ok(Segment {
            categories: set(&self.categories),
            priorities: self.priorities.iter().copied().collect(),
            household: match self.household.as_deref() {
                None | Some("any") => HouseholdFilter::Any,
                Some("in_household") => HouseholdFilter::InHousehold,
                Some("alone") => HouseholdFilter::Alone,
                Some(o) => bail!("--household {o}: write in_household or alone"),
            },
            claim: match self.status.as_deref() {
                None | Some("any") => ClaimFilter::Any,
                Some("claimed") => ClaimFilter::Claimed,
                Some("confirmed") => ClaimFilter::Confirmed,
                Some(o) => bail!("--status {o}: write claimed or confirmed"),
            },
            provinces: set(&self.provinces),
            languages,
            lists: set(&self.lists),
            departures: set(&self.departures),
            manifested: match self.manifested.as_deref() {
                None | Some("any") => None,
                Some("yes") => Some(true),
                Some("no") => Some(false),
                Some(o) => bail!("--manifested {o}: write yes or no"),
            },
            last_checkpoints: set(&self.last_checkpoints),
            household_of: self.household_of.clone(),
        })
    }
}

/// The draft the arguments describe (a template's texts, the message's own fields).
async fn draft(store: &Store, m: &MessageArgs, s: &SegmentArgs) -> anyhow::Result<Draft> {
    let mut d = Draft {
        segment: s.segment()?,
        saved_segment: s.segment.clone(),
        ..Default::default()
    };
    if let Some(name) = &m.template {
        let t = store
            .alert_templates()
            .await?
            .into_iter()
            .find(|t| &t.name == name)
            .with_context(|| {
                format!("no template is named {name:?} (`drawdown alerts templates` lists them)")
            })?;
        d.texts = serde_json::from_str(&t.texts)?;
        d.title = t.name;
    }
    if let Some(v) = &m.subject {
        d.texts.en.subject = v.clone();
    }
    if let Some(v) = &m.body {
        d.texts.en.body = v.clone();
    }
    if let Some(t) = &m.title {
        d.title = t.clone();
    }
    for (k, v) in [
        ("departure", &m.departure),
        ("gate", &m.gate),
        ("report_time", &m.report_time),
        ("bring", &m.bring),
    ] {
        if let Some(v) = v {
            d.fields.insert(k.to_string(), v.clone());
        }
    }
    for c in m
        .channels
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        match c {
            "email" => d.email = true,
            "sms" => d.sms = true,
            o => bail!("--channels {o}: write email, sms or email,sms"),
        }
    }
    Ok(d)
}

fn print_reach(r: &drawdown_outreach::Reach, d: &Draft) {
    println!(
        "Reaches {} people: {} with an email address, {} with a phone, {} with neither; {} messages on {}.",
        r.people,
        r.email,
        r.phone,
        r.unreachable,
        d.addresses(r),
        match (d.email, d.sms) {
            (true, true) => "email and SMS",
            (true, false) => "email",
            _ => "SMS",
        }
    );
}

async fn alerts_command(command: AlertsCommand) -> anyhow::Result<()> {
    match command {
        AlertsCommand::List { db } => {
            let store = server::open(&db.db).await?;
            let list = store.alerts(500).await?;
            if list.is_empty() {
                println!("No alerts yet.");
            }
            for a in &list {
                println!(
                    "{}  {}  {:<18}  {}\n    segment: {}\n    {} people, {} messages ({}): {} sent, {} queued, {} failed, {} bounced; by {}{}",
                    a.id,
                    &a.created_at[..a.created_at.len().min(16)],
                    a.state.replace('_', " "),
                    a.title,
                    a.segment_text,
                    a.people,
                    a.addresses,
                    a.channels,
                    a.sent,
                    a.queued,
                    a.failed,
                    a.bounced,
                    a.created_by,
                    a.approved_by
                        .as_ref()
                        .map(|b| format!(", approved by {b}"))
                        .unwrap_or_default()
                );
            }
            Ok(())
        }
        AlertsCommand::Templates { db } => {
            let store = server::open(&db.db).await?;
            for t in store.alert_templates().await? {
                let texts: drawdown_outreach::Texts = serde_json::from_str(&t.texts)?;
                let langs: Vec<&str> = Language::ALL
                    .iter()
                    .filter(|l| !texts.get(**l).is_empty())
                    .map(|l| l.label())
                    .collect();
                println!("{}  ({})", t.name, langs.join(", "));
            }
            Ok(())
        }
        AlertsCommand::Segments { db } => {
            let store = server::open(&db.db).await?;
            for s in store.saved_segments().await? {
                println!(
                    "{}: {}  (by {}, {})",
                    s.name, s.description, s.updated_by, s.updated_at
                );
            }
            Ok(())
        }
        AlertsCommand::SaveSegment {
            db,
            name,
            segment,
            actor,
        } => {
            let store = server::open(&db.db).await?;
            let who = authenticate(&store, &actor.user).await?;
            let state = state(&store, actor.key_file.as_deref()).await?;
            let seg = segment.segment()?;
            let new = alerts::save_segment(&state, &name, &seg, &who, "console")
                .await
                .map_err(web)?;
            println!(
                "{} the segment {name:?}: {}",
                if new { "Saved" } else { "Replaced" },
                seg.describe()
            );
            Ok(())
        }
        AlertsCommand::Reach {
            db,
            segment,
            key_file,
        } => {
            let store = server::open(&db.db).await?;
            let state = state(&store, key_file.as_deref()).await?;
            let d = alerts::with_saved_segment(
                &state,
                &Draft {
                    segment: segment.segment()?,
                    saved_segment: segment.segment.clone(),
                    email: true,
                    sms: true,
                    ..Default::default()
                },
            )
            .await
            .map_err(web)?;
            let facts = alerts::facts(&state).await.map_err(web)?;
            println!("Segment: {}", d.segment.describe());
            print_reach(&d.segment.reach(&facts), &d);
            Ok(())
        }
        AlertsCommand::Preview {
            db,
            message,
            segment,
            person,
            actor,
        } => {
            let store = server::open(&db.db).await?;
            let who = authenticate(&store, &actor.user).await?;
            let state = state(&store, actor.key_file.as_deref()).await?;
            let d = draft(&store, &message, &segment).await?;
            d.texts.check().map_err(|e| anyhow::anyhow!("{e}"))?;
            let d = alerts::with_saved_segment(&state, &d).await.map_err(web)?;
            let facts = alerts::facts(&state).await.map_err(web)?;
            let reach = d.segment.reach(&facts);
            println!("Segment: {}", d.segment.describe());
            print_reach(&reach, &d);
            if reach.people > alerts::approval_threshold() {
                println!(
                    "More than {} people: sending waits for a second person's approval.",
                    alerts::approval_threshold()
                );
            }
            let Some(id) =
                person.or_else(|| d.segment.select(&facts).first().map(|p| p.id.clone()))
            else {
                println!("Nobody to preview for.");
                return Ok(());
            };
            let p = alerts::preview(&state, &d, &id, &who, "console")
                .await
                .map_err(web)?;
            println!(
                "\nFor {} ({}), in {}; email {}, phone {}; {} SMS part(s):",
                p.name,
                p.person_id,
                p.language,
                if p.email.is_empty() { "none" } else { &p.email },
                if p.phone.is_empty() { "none" } else { &p.phone },
                p.sms_parts
            );
            println!("Subject: {}\n{}", p.subject, p.body);
            if !p.missing.is_empty() {
                println!(
                    "No value for: {} (give them with --departure, --gate, --report-time, --bring).",
                    p.missing
                        .iter()
                        .map(|m| format!("{{{m}}}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                );
            }
            Ok(())
        }
        AlertsCommand::Send {
            db,
            message,
            segment,
            actor,
        } => {
            let store = server::open(&db.db).await?;
            let who = authenticate(&store, &actor.user).await?;
            let state = state(&store, actor.key_file.as_deref()).await?;
            let d = draft(&store, &message, &segment).await?;
            let sent = alerts::send(&state, &d, &who, "console")
                .await
                .map_err(web)?;
            if sent.awaiting_approval {
                println!(
                    "Alert {} waits for a second person's approval: {} people, about {} messages. \
                     Another user approves it with `drawdown alerts approve {}` or on its page (/alerts/{}).",
                    sent.alert_id, sent.people, sent.addresses, sent.alert_id, sent.alert_id
                );
            } else {
                println!(
                    "Alert {} queued: {} people, {} messages; the server's outbox delivers them (`drawdown alerts outbox {}`).",
                    sent.alert_id, sent.people, sent.addresses, sent.alert_id
                );
            }
            Ok(())
        }
        AlertsCommand::Approve { db, id, actor } => {
            let store = server::open(&db.db).await?;
            let who = authenticate(&store, &actor.user).await?;
            let state = state(&store, actor.key_file.as_deref()).await?;
            let n = alerts::approve(&state, &id, &who, "console")
                .await
                .map_err(web)?;
            println!("Alert {id} approved by {who}: {n} messages queued for the outbox.");
            Ok(())
        }
        AlertsCommand::Outbox { db, alert } => {
            let store = server::open(&db.db).await?;
            match alert {
                None => {
                    let counts = store.outbox_counts().await?;
                    if counts.is_empty() {
                        println!("The outbox is empty.");
                    }
                    let mut by_channel: HashMap<String, Vec<String>> = HashMap::new();
                    for (channel, state, n) in counts {
                        by_channel
                            .entry(channel)
                            .or_default()
                            .push(format!("{n} {state}"));
                    }
                    let mut channels: Vec<_> = by_channel.into_iter().collect();
                    channels.sort();
                    for (c, states) in channels {
                        println!("{c}: {}", states.join(", "));
                    }
                }
                Some(id) => {
                    let a = store
                        .alert(&id)
                        .await?
                        .with_context(|| format!("no alert has the id {id}"))?;
                    println!(
                        "{} ({}): {} sent, {} queued, {} failed, {} bounced",
                        a.title,
                        a.state.replace('_', " "),
                        a.sent,
                        a.queued,
                        a.failed,
                        a.bounced
                    );
                    let mut w = csv::Writer::from_writer(std::io::stdout().lock());
                    w.write_record([
                        "message_id",
                        "person_id",
                        "channel",
                        "state",
                        "attempts",
                        "reason",
                        "updated_at",
                    ])?;
                    for m in store.messages_of_alert(&id, i64::MAX).await? {
                        w.write_record([
                            m.id.as_str(),
                            &m.person_id,
                            &m.channel,
                            &m.state,
                            &m.attempts.to_string(),
                            &m.reason,
                            &m.updated_at,
                        ])?;
                    }
                    w.flush()?;
                }
            }
            Ok(())
        }
    }
}
