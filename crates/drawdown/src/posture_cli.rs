//! The command line for posture: `drawdown situation …` (the log) and `drawdown posture …`
//! (where the post stands, tripwires, declarations, the gazetteer, the timeline PDF).

use crate::console::console_actor;
use crate::server;
use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use drawdown_posture::log::RawEvent;
use drawdown_posture::measures::{Measure, Situation, value_text};
use drawdown_web::WebError;
use drawdown_web::services::posture::{
    self as svc, DecisionInput, LevelInput, TaskInput, TripwireInput,
};
use std::path::PathBuf;
use time::OffsetDateTime;

#[derive(Args, Clone)]
pub struct Db {
    /// The database: sqlite://PATH or postgres://USER:PASS@HOST:PORT/DB.
    #[arg(long, env = "DRAWDOWN_DB")]
    db: String,
}

#[derive(Subcommand)]
pub enum Command {
    /// The situation log: indicators as typed events (place taken, road closed, airport status,
    /// an assessment of time to isolation...).
    ///
    /// Every change re-evaluates the tripwires; one that crosses opens a decision item for the
    /// committee. See docs/posture.md.
    Situation {
        #[command(subcommand)]
        command: SituationCommand,
    },
    /// Where the post stands: the posture, measures, tripwires, declarations, the gazetteer.
    Posture {
        #[command(subcommand)]
        command: PostureCommand,
    },
}

#[derive(Subcommand)]
pub enum SituationCommand {
    /// Record one event.
    ///
    /// Examples:
    ///   drawdown situation add --kind place_taken --place Kandahar --at "2021-08-13 09:00" --source AFP --confidence high
    ///   drawdown situation add --kind assessment --horizon 72h --source "CNN, diplomatic source"
    ///   drawdown situation add --kind airport_status --value military_only --source RSO
    Add {
        #[command(flatten)]
        db: Db,
        /// place_taken, place_contested, place_retaken, road_closed, road_reopened,
        /// crossing_closed, crossing_reopened, airport_status, commercial_flights_suspended,
        /// commercial_flights_resumed, threat_against_post, assessment, custom.
        #[arg(long)]
        kind: String,
        /// When it happened, UTC: 2021-08-13, "2021-08-13 14:30" or RFC 3339 (default: now).
        #[arg(long, default_value = "")]
        at: String,
        /// A place of the gazetteer (or its province): Kandahar, Logar, "Kabul–Kandahar highway (south)".
        #[arg(long, default_value = "")]
        place: String,
        /// Where it came from: "AFP", "RSO", "local lawmaker via AFP".
        #[arg(long)]
        source: String,
        /// low (a party's claim), medium (credible), high (confirmed).
        #[arg(long, default_value = "medium")]
        confidence: String,
        /// The airport's status (open, restricted, military_only, closed) or a custom label.
        #[arg(long, default_value = "")]
        value: String,
        /// An assessment's time to isolation: 72h, 30 days, 6 months.
        #[arg(long, default_value = "")]
        horizon: String,
        #[arg(long, default_value = "")]
        notes: String,
    },
    /// The log up to a moment (default: everything), oldest first.
    List {
        #[command(flatten)]
        db: Db,
        /// Only events up to this moment (UTC).
        #[arg(long)]
        at: Option<String>,
    },
    /// Import events from CSV, XLSX or JSON (columns: kind, at, place, source, confidence,
    /// value, horizon, notes). One bad row and nothing is recorded; the error names it.
    Import {
        #[command(flatten)]
        db: Db,
        file: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum PostureCommand {
    /// The posture in force, the measures, crossed tripwires and decisions awaited.
    Show {
        #[command(flatten)]
        db: Db,
        /// Look back: what was known and decided at this moment (UTC).
        #[arg(long)]
        at: Option<String>,
    },
    /// Declare a posture (the committee's decision), with its rationale.
    ///
    /// Example: drawdown posture declare "ordered departure" --rationale "Half the provincial
    /// capitals have fallen" --attendees "Ambassador, DCM, RSO"
    Declare {
        #[command(flatten)]
        db: Db,
        /// The level's name: normal, heightened, authorized departure, ordered departure, ...
        level: String,
        #[arg(long)]
        rationale: String,
        #[arg(long, default_value = "")]
        attendees: String,
        /// When it was decided, if earlier than now (UTC).
        #[arg(long, default_value = "")]
        decided_at: String,
    },
    /// Record a decision not to follow a decision item's recommendation, with its rationale.
    ///
    /// Example: drawdown posture decline --item ITEM_ID --rationale "The airport still operates"
    /// (`posture show` lists the items awaiting a decision with their ids).
    Decline {
        #[command(flatten)]
        db: Db,
        /// The decision item it answers.
        #[arg(long)]
        item: String,
        #[arg(long)]
        rationale: String,
        #[arg(long, default_value = "")]
        attendees: String,
        /// When it was decided, if earlier than now (UTC).
        #[arg(long, default_value = "")]
        decided_at: String,
    },
    /// Tripwires: list them, add one, retire one, or check a condition without a database.
    Tripwires {
        #[command(subcommand)]
        command: TripwireCommand,
    },
    /// Posture levels and their checklists: list, add a level, rename one, change its tasks.
    Levels {
        #[command(subcommand)]
        command: LevelCommand,
    },
    /// The checklist tasks declarations opened: list them, tick one off.
    Tasks {
        #[command(subcommand)]
        command: TaskCommand,
    },
    /// Load another country's gazetteer from CSV: name,province,kind,latitude,longitude
    /// (kind: capital, provincial_capital, airport, road, crossing, place; one capital).
    Gazetteer {
        #[command(flatten)]
        db: Db,
        file: PathBuf,
        #[arg(long)]
        country: String,
    },
    /// Write the timeline (measures, tripwires, decisions with what was in view then, the log) as a PDF.
    Pdf {
        #[command(flatten)]
        db: Db,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        at: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum TripwireCommand {
    /// Every tripwire, crossed or not, with the facts.
    List {
        #[command(flatten)]
        db: Db,
    },
    /// Add a tripwire.
    ///
    /// Example: drawdown posture tripwires add --name "Hostile forces near the capital"
    ///   --condition 'nearest_hostile_km <= 50 and airport_status != "open"' --recommends suspended
    Add {
        #[command(flatten)]
        db: Db,
        #[arg(long)]
        name: String,
        /// A condition in the tripwire language (see `drawdown posture tripwires check --help`).
        #[arg(long)]
        condition: String,
        /// The level it recommends.
        #[arg(long)]
        recommends: String,
        #[arg(long, default_value = "")]
        actions: String,
    },
    /// Retire a tripwire (by name or id): no longer evaluated, kept on the record.
    Retire {
        #[command(flatten)]
        db: Db,
        tripwire: String,
    },
    /// Check a condition: parse it and say what it means, or where it is wrong.
    ///
    /// Measures: capitals_fallen, capitals_fallen_pct, nearest_hostile_km, roads_open,
    /// roads_closed, crossings_open, days_since_change, assessed_days_to_isolation,
    /// airport_status ("open", "restricted", "military_only", "closed"), commercial_flights
    /// ("operating", "suspended"). Events: `event KIND [at "PLACE"]`. Join with and, or, not
    /// and parentheses. Examples: 'capitals_fallen_pct >= 50',
    /// 'nearest_hostile_km <= 50 and airport_status != "open"', 'event commercial_flights_suspended'.
    Check { condition: String },
}

#[derive(Subcommand)]
pub enum LevelCommand {
    /// Every level, lowest first, with its checklist (task ids for task-edit and task-remove).
    List {
        #[command(flatten)]
        db: Db,
    },
    /// Add a level just above another (default: above the highest).
    ///
    /// Example: drawdown posture levels add --name "reduced staffing" --after heightened
    Add {
        #[command(flatten)]
        db: Db,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        description: String,
        /// The level it goes above.
        #[arg(long, default_value = "")]
        after: String,
    },
    /// Rename a level or change its description (what is not given stays).
    Edit {
        #[command(flatten)]
        db: Db,
        /// The level (name or id).
        level: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        description: Option<String>,
    },
    /// Add a task to a level's checklist.
    ///
    /// Example: drawdown posture levels task-add "ordered departure" --task "Notify citizens to
    /// leave" --owner-role committee --due-hours 24
    TaskAdd {
        #[command(flatten)]
        db: Db,
        level: String,
        #[arg(long)]
        task: String,
        /// administrator, committee, registrar, movement, checkpoint, destruction, viewer, wipe.
        #[arg(long)]
        owner_role: String,
        /// Due this many hours after the declaration.
        #[arg(long)]
        due_hours: String,
    },
    /// Change a task of a level's checklist (what is not given stays).
    TaskEdit {
        #[command(flatten)]
        db: Db,
        level: String,
        /// The task's id (see `levels list`).
        task_id: String,
        #[arg(long)]
        task: Option<String>,
        #[arg(long)]
        owner_role: Option<String>,
        #[arg(long)]
        due_hours: Option<String>,
    },
    /// Remove a task from a level's checklist (tasks already opened stay).
    TaskRemove {
        #[command(flatten)]
        db: Db,
        level: String,
        task_id: String,
    },
}

#[derive(Subcommand)]
pub enum TaskCommand {
    /// Every checklist task opened by a declaration, open ones first.
    List {
        #[command(flatten)]
        db: Db,
    },
    /// Tick a task off (by its id), as done now.
    Done {
        #[command(flatten)]
        db: Db,
        id: String,
    },
}

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Evaluate every measure and tripwire over a generated log of N events.
    Posture {
        /// Events in the generated log.
        #[arg(long, default_value_t = 10_000)]
        events: usize,
        /// Runs (the median is reported).
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
}

fn web(e: WebError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

/// `--at`, or the post's moment (the scenario clock's, when one runs).
async fn moment(
    store: &drawdown_storage::Store,
    at: Option<&str>,
    now: OffsetDateTime,
) -> anyhow::Result<OffsetDateTime> {
    match at {
        None => svc::today(store, now).await.map_err(web),
        Some(s) => drawdown_posture::log::parse_time(s)
            .with_context(|| format!("--at '{s}' is not a time (2021-08-14 or 2021-08-14 18:00)")),
    }
}

pub async fn run(command: Command) -> anyhow::Result<()> {
    let actor = console_actor();
    let now = OffsetDateTime::now_utc();
    match command {
        Command::Situation { command } => match command {
            SituationCommand::Add {
                db,
                kind,
                at,
                place,
                source,
                confidence,
                value,
                horizon,
                notes,
            } => {
                let store = server::open(&db.db).await?;
                let raw = RawEvent {
                    kind,
                    at: if at.is_empty() {
                        drawdown_storage::timestamp(svc::today(&store, now).await.map_err(web)?)
                    } else {
                        at
                    },
                    place,
                    source,
                    confidence,
                    value,
                    horizon,
                    notes,
                };
                let ids = svc::record_events(&store, &[raw], 0, &actor, "console", now)
                    .await
                    .map_err(web)?;
                println!("Recorded event {}.", ids.join(", "));
                print_open(&store, now).await
            }
            SituationCommand::List { db, at } => {
                let store = server::open(&db.db).await?;
                // Default: everything, whatever the post's clock says.
                let until = match at.as_deref() {
                    None => {
                        OffsetDateTime::now_utc().max(svc::today(&store, now).await.map_err(web)?)
                    }
                    Some(_) => moment(&store, at.as_deref(), now).await?,
                };
                let rows = store.posture_events().await?;
                let ev = drawdown_storage::AuditEvent::new(
                    &actor,
                    "posture.log_read",
                    "posture_events",
                    format!("rows={}", rows.len()),
                    "console",
                );
                store.audit(&ev, now).await?;
                for r in rows.iter().filter(|r| r.event.at <= until) {
                    let e = &r.event;
                    println!(
                        "{}  {:<28} {}{}",
                        drawdown_storage::timestamp(e.at),
                        e.kind.slug(),
                        e.summary(),
                        if e.notes.is_empty() {
                            String::new()
                        } else {
                            format!(" — {}", e.notes)
                        }
                    );
                }
                Ok(())
            }
            SituationCommand::Import { db, file } => {
                let store = server::open(&db.db).await?;
                let bytes = std::fs::read(&file)
                    .with_context(|| format!("cannot read {}", file.display()))?;
                let name = file
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let n = svc::import_events(&store, &name, &bytes, &actor, "console", now)
                    .await
                    .map_err(web)?;
                println!("Imported {n} events from {}.", file.display());
                print_open(&store, now).await
            }
        },
        Command::Posture { command } => match command {
            PostureCommand::Show { db, at } => {
                let store = server::open(&db.db).await?;
                let at = moment(&store, at.as_deref(), now).await?;
                show(&store, at, now).await
            }
            PostureCommand::Declare {
                db,
                level,
                rationale,
                attendees,
                decided_at,
            } => {
                let store = server::open(&db.db).await?;
                let input = DecisionInput {
                    level,
                    rationale,
                    attendees,
                    decided_at,
                    item: String::new(),
                };
                svc::decide(&store, false, &input, &actor, "console", now)
                    .await
                    .map_err(web)?;
                let p = svc::load(&store, now).await.map_err(web)?;
                println!("Declared: {}.", p.current_name(now));
                Ok(())
            }
            PostureCommand::Tripwires { command } => match command {
                TripwireCommand::List { db } => {
                    let store = server::open(&db.db).await?;
                    let p = svc::load(&store, now).await.map_err(web)?;
                    let s = p.situation(now);
                    for t in p.evaluate(&s) {
                        println!(
                            "{} {}  [{}]  → {}",
                            if t.facts.is_some() {
                                "CROSSED"
                            } else {
                                "       "
                            },
                            t.row.name,
                            t.row.condition,
                            t.level
                        );
                        for f in t.facts.unwrap_or_default() {
                            println!("          {}: {}", f.condition, f.observed);
                        }
                    }
                    Ok(())
                }
                TripwireCommand::Add {
                    db,
                    name,
                    condition,
                    recommends,
                    actions,
                } => {
                    let store = server::open(&db.db).await?;
                    let input = TripwireInput {
                        name,
                        condition,
                        recommends,
                        actions,
                    };
                    svc::save_tripwire(&store, None, &input, &actor, "console", now)
                        .await
                        .map_err(web)?;
                    println!("Tripwire added and evaluated.");
                    print_open(&store, now).await
                }
                TripwireCommand::Retire { db, tripwire } => {
                    let store = server::open(&db.db).await?;
                    svc::retire_tripwire(&store, &tripwire, &actor, "console", now)
                        .await
                        .map_err(web)?;
                    println!("Retired \"{tripwire}\": no longer evaluated, kept on the record.");
                    Ok(())
                }
                TripwireCommand::Check { condition } => {
                    match drawdown_posture::tripwire::parse(&condition) {
                        Ok(c) => {
                            println!("OK: {}", c.text());
                            for m in c.measures() {
                                println!("  {}: {}", m.name(), m.description());
                            }
                            Ok(())
                        }
                        Err(e) => {
                            eprintln!("{condition}");
                            eprintln!("{}^", " ".repeat(e.column.saturating_sub(1)));
                            bail!("the condition does not parse: {e}")
                        }
                    }
                }
            },
            PostureCommand::Decline {
                db,
                item,
                rationale,
                attendees,
                decided_at,
            } => {
                let store = server::open(&db.db).await?;
                let input = DecisionInput {
                    level: String::new(),
                    rationale,
                    attendees,
                    decided_at,
                    item,
                };
                svc::decide(&store, true, &input, &actor, "console", now)
                    .await
                    .map_err(web)?;
                let p = svc::load(&store, now).await.map_err(web)?;
                println!(
                    "Recorded: the committee decided not to follow it; the posture stays {}.",
                    p.current_name(svc::today(&store, now).await.map_err(web)?)
                );
                Ok(())
            }
            PostureCommand::Levels { command } => levels(command, &actor, now).await,
            PostureCommand::Tasks { command } => match command {
                TaskCommand::List { db } => {
                    let store = server::open(&db.db).await?;
                    let p = svc::load(&store, now).await.map_err(web)?;
                    let now_s =
                        drawdown_storage::timestamp(svc::today(&store, now).await.map_err(web)?);
                    let mut tasks: Vec<_> = p.tasks.iter().collect();
                    tasks.sort_by_key(|t| t.done_at.is_some());
                    for t in tasks {
                        let state = match (&t.done_at, &t.done_by) {
                            (Some(at), Some(by)) => format!("done {at} by {by}"),
                            _ if t.due_at < now_s => format!("OVERDUE since {}", t.due_at),
                            _ => format!("due {}", t.due_at),
                        };
                        println!("{}  [{}] {} — {}", t.id, t.owner_role, t.task, state);
                    }
                    Ok(())
                }
                TaskCommand::Done { db, id } => {
                    let store = server::open(&db.db).await?;
                    svc::tick_task(&store, &id, None, None, &actor, "console", now)
                        .await
                        .map_err(web)?;
                    println!("Ticked off.");
                    Ok(())
                }
            },
            PostureCommand::Gazetteer { db, file, country } => {
                let store = server::open(&db.db).await?;
                let text = std::fs::read_to_string(&file)
                    .with_context(|| format!("cannot read {} (UTF-8 CSV)", file.display()))?;
                let n = svc::load_gazetteer(&store, &country, &text, &actor, "console", now)
                    .await
                    .map_err(web)?;
                println!("Loaded {n} places of {country}.");
                Ok(())
            }
            PostureCommand::Pdf { db, out, at } => {
                let store = server::open(&db.db).await?;
                let at = moment(&store, at.as_deref(), now).await?;
                let p = svc::load(&store, now).await.map_err(web)?;
                let bytes = svc::timeline_pdf(&p, at, now);
                std::fs::write(&out, &bytes)
                    .with_context(|| format!("cannot write {}", out.display()))?;
                let ev = drawdown_storage::AuditEvent::new(
                    &actor,
                    "posture.timeline_export",
                    "posture_timeline",
                    format!("at={}", drawdown_storage::timestamp(at)),
                    "console",
                );
                store.audit(&ev, now).await?;
                println!("Wrote {} ({} bytes).", out.display(), bytes.len());
                Ok(())
            }
        },
    }
}

async fn levels(command: LevelCommand, actor: &str, now: OffsetDateTime) -> anyhow::Result<()> {
    match command {
        LevelCommand::List { db } => {
            let store = server::open(&db.db).await?;
            let p = svc::load(&store, now).await.map_err(web)?;
            for l in &p.levels {
                println!("{}. {} — {}  ({})", l.rank, l.name, l.description, l.id);
                for t in &l.tasks {
                    println!(
                        "     {}  [{}] {} — within {} h",
                        t.id, t.owner_role, t.task, t.due_hours
                    );
                }
            }
            Ok(())
        }
        LevelCommand::Add {
            db,
            name,
            description,
            after,
        } => {
            let store = server::open(&db.db).await?;
            let input = LevelInput {
                name,
                description,
                after,
            };
            svc::add_level(&store, &input, actor, "console", now)
                .await
                .map_err(web)?;
            let p = svc::load(&store, now).await.map_err(web)?;
            println!("Added. The levels, lowest first: {}.", p.level_names());
            Ok(())
        }
        LevelCommand::Edit {
            db,
            level,
            name,
            description,
        } => {
            let store = server::open(&db.db).await?;
            let p = svc::load(&store, now).await.map_err(web)?;
            let old = p
                .level(&level)
                .or_else(|| p.level_named(&level))
                .with_context(|| {
                    format!(
                        "'{level}' is not a posture level; the levels are: {}",
                        p.level_names()
                    )
                })?;
            let input = LevelInput {
                name: name.unwrap_or_else(|| old.name.clone()),
                description: description.unwrap_or_else(|| old.description.clone()),
                after: String::new(),
            };
            svc::edit_level(&store, &old.id, &input, actor, "console", now)
                .await
                .map_err(web)?;
            println!("Saved: {}.", input.name);
            Ok(())
        }
        LevelCommand::TaskAdd {
            db,
            level,
            task,
            owner_role,
            due_hours,
        } => {
            let store = server::open(&db.db).await?;
            let input = TaskInput {
                task,
                owner_role,
                due_hours,
            };
            let id = svc::add_task_template(&store, &level, &input, actor, "console", now)
                .await
                .map_err(|e| match e {
                    WebError::NotFound => anyhow::anyhow!("'{level}' is not a posture level"),
                    e => web(e),
                })?;
            println!("Task {id} added to the checklist of {level}.");
            Ok(())
        }
        LevelCommand::TaskEdit {
            db,
            level,
            task_id,
            task,
            owner_role,
            due_hours,
        } => {
            let store = server::open(&db.db).await?;
            let p = svc::load(&store, now).await.map_err(web)?;
            let old = p
                .level(&level)
                .or_else(|| p.level_named(&level))
                .and_then(|l| l.tasks.iter().find(|t| t.id == task_id))
                .with_context(|| format!("no task {task_id} in the checklist of '{level}'"))?;
            let input = TaskInput {
                task: task.unwrap_or_else(|| old.task.clone()),
                owner_role: owner_role.unwrap_or_else(|| old.owner_role.clone()),
                due_hours: due_hours.unwrap_or_else(|| old.due_hours.to_string()),
            };
            svc::edit_task_template(&store, &level, &task_id, &input, actor, "console", now)
                .await
                .map_err(web)?;
            println!("Task saved (tasks already open keep theirs).");
            Ok(())
        }
        LevelCommand::TaskRemove { db, level, task_id } => {
            let store = server::open(&db.db).await?;
            svc::remove_task_template(&store, &level, &task_id, actor, "console", now)
                .await
                .map_err(|e| match e {
                    WebError::NotFound => {
                        anyhow::anyhow!("no task {task_id} in the checklist of '{level}'")
                    }
                    e => web(e),
                })?;
            println!("Task removed (tasks already open stay).");
            Ok(())
        }
    }
}

async fn print_open(store: &drawdown_storage::Store, now: OffsetDateTime) -> anyhow::Result<()> {
    let p = svc::load(store, now).await.map_err(web)?;
    let now = svc::today(store, now).await.map_err(web)?;
    for i in p.open_items(now) {
        let name = p
            .tripwire(&i.tripwire_id)
            .map(|t| t.name.as_str())
            .unwrap_or("");
        let level = p.level(&i.level_id).map(|l| l.name.as_str()).unwrap_or("");
        println!("Decision awaited: tripwire \"{name}\" crossed; it recommends {level}.");
    }
    Ok(())
}

async fn show(
    store: &drawdown_storage::Store,
    at: OffsetDateTime,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let p = svc::load(store, now).await.map_err(web)?;
    let s = p.situation(at);
    println!(
        "Posture at {}: {}",
        drawdown_storage::timestamp(at),
        p.current_name(at)
    );
    if let Some((d, _)) = p.current(at) {
        println!(
            "  declared {} by {}: {}",
            d.decided_at, d.decided_by, d.rationale
        );
    }
    println!("Measures:");
    for m in Measure::ALL {
        println!(
            "  {:<28} {:<14} {}",
            m.name(),
            value_text(m, &s.value(m)),
            s.grounds(m)
        );
    }
    let crossed: Vec<_> = p
        .evaluate(&s)
        .into_iter()
        .filter(|t| t.facts.is_some())
        .collect();
    println!("Tripwires crossed: {}", crossed.len());
    for t in crossed {
        println!("  {} → {}", t.row.name, t.level);
    }
    for i in p.open_items(at) {
        let name = p
            .tripwire(&i.tripwire_id)
            .map(|t| t.name.as_str())
            .unwrap_or("");
        println!("Decision awaited: {name} (item {})", i.id);
    }
    for (subject, r) in s.conflicts() {
        println!(
            "Conflicting reports on {subject}: {} counts; also {}",
            r.report.summary(),
            r.conflicts
                .iter()
                .map(drawdown_posture::Event::summary)
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
    Ok(())
}

pub async fn bench(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Posture { events, runs } => bench_posture(events, runs.max(1)),
    }
}

/// A generated log over Afghanistan's gazetteer: each measure and every default tripwire at
/// the log's end, and the history of the measures.
fn bench_posture(n: usize, runs: usize) -> anyhow::Result<()> {
    use drawdown_posture::log::{Confidence, Event, EventKind};
    use drawdown_posture::{Gazetteer, PlaceKind, defaults, tripwire};
    let g = Gazetteer::afghanistan();
    let places: Vec<&drawdown_posture::Place> = g
        .places
        .iter()
        .filter(|p| p.kind.is_provincial_capital() || p.kind == PlaceKind::Road)
        .collect();
    let start = drawdown_posture::log::parse_time("2021-05-01").context("start")?;
    // A deterministic mix (a small LCG): places taken and retaken, roads, assessments.
    let mut x: u64 = 0x2021_0815;
    let mut next = || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) as usize
    };
    let log: Vec<Event> = (0..n)
        .map(|i| {
            let p = places[next() % places.len()];
            let kind = match (p.kind, next() % 10) {
                (PlaceKind::Road, r) if r < 6 => EventKind::RoadClosed,
                (PlaceKind::Road, _) => EventKind::RoadReopened,
                (_, 0) => EventKind::Assessment,
                (_, 1) => EventKind::PlaceContested,
                (_, 2) => EventKind::PlaceRetaken,
                (_, 3) => EventKind::Custom,
                _ => EventKind::PlaceTaken,
            };
            Event {
                id: format!("e{i:07}"),
                kind,
                at: start + time::Duration::minutes((i * 7) as i64),
                place: if kind.place_kind().is_some() {
                    p.name.clone()
                } else {
                    String::new()
                },
                source: "bench".into(),
                confidence: Confidence::from_i64((next() % 3) as i64 + 1),
                value: "note".into(),
                horizon_days: (kind == EventKind::Assessment).then(|| (next() % 180 + 1) as f64),
                notes: String::new(),
            }
        })
        .collect();
    let conditions: Vec<_> = defaults::tripwires()
        .iter()
        .map(|t| tripwire::parse(t.condition))
        .collect::<Result<_, _>>()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let end = log.last().map_or(start, |e| e.at);
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (mut eval, mut hist) = (Vec::new(), Vec::new());
    let mut points = 0;
    for _ in 0..runs {
        let t = std::time::Instant::now();
        let s = Situation::at(&log, &g, end);
        let crossed = conditions
            .iter()
            .filter(|c| c.evaluate(&s).is_some())
            .count();
        eval.push(t.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(crossed);
        let t = std::time::Instant::now();
        points = Situation::history(&log, &g, end).len();
        hist.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!(
        "posture: {n} events, {} tripwires, {runs} runs",
        conditions.len()
    );
    println!(
        "  situation + every tripwire at the log's end: median {:.1} ms",
        median(eval)
    );
    println!(
        "  history of every measure ({points} changes): median {:.1} ms",
        median(hist)
    );
    Ok(())
}
