//! The command line for movement: `drawdown departures …` and `drawdown manifests …`.

use crate::console::console_actor;
use crate::server;
use anyhow::{Context, bail};
use clap::Subcommand;
use drawdown_web::services::movement as mv;
use std::path::PathBuf;
use time::OffsetDateTime;

#[derive(Subcommand)]
pub enum Command {
    /// Plan households onto departures from CSV files alone, without a database.
    Plan(crate::plan_cli::PlanArgs),
    /// Departures (flights and convoys): list, add, import from CSV.
    Departures {
        #[command(subcommand)]
        command: DeparturesCommand,
    },
    /// Manifests from the registry: plan every open departure, show one, export one (CSV, XLSX,
    /// PDF with advance passenger information), set a household's readiness.
    Manifests {
        #[command(subcommand)]
        command: ManifestsCommand,
    },
}

#[derive(Subcommand)]
pub enum ManifestsCommand {
    /// Plan every open departure from the registry, as the web's "Plan all open departures".
    ///
    /// Households stay whole, higher priority first; seats, readiness, deadlines, the gate's
    /// rate and the holding area are respected; pinned households and confirmed or closed
    /// manifests stay as they are; everyone else keeps their seat when they can. Prints people
    /// moved and left by tier, why households were left, the objective, its bound and the gap.
    ///
    /// Example: drawdown manifests plan --db sqlite://post.db --key-file post.key --gate-per-hour 400
    Plan {
        #[command(flatten)]
        db: crate::DbArg,
        /// The vault's key file (else the passphrase: DRAWDOWN_PASSPHRASE or asked).
        #[arg(long, env = "DRAWDOWN_KEY_FILE")]
        key_file: Option<PathBuf>,
        /// People the gate passes in an hour.
        #[arg(long, default_value_t = mv::DEFAULT_GATE_PER_HOUR)]
        gate_per_hour: u32,
        /// People the holding area holds (counted at the end of each hour).
        #[arg(long, default_value_t = mv::DEFAULT_HOLDING)]
        holding: u32,
        /// Cost per seat of flying a departure (0: every departure with anyone on it flies).
        #[arg(long, default_value_t = 0.0)]
        flight_cost: f64,
        /// Seconds the planner may spend improving its plan.
        #[arg(long, default_value_t = 3.0)]
        time_limit: f64,
    },
    /// Print one departure's manifest: its households with seats, people, lap infants, tier,
    /// how they were placed, pins and rule warnings (ids only, no names; the read is audited).
    Show {
        #[command(flatten)]
        db: crate::DbArg,
        /// The departure's id, e.g. RCH001.
        departure: String,
    },
    /// Export one manifest with advance passenger information (names as in the passport, date
    /// of birth, sex, nationality, document number and expiry), audited like the web export.
    ///
    /// Example: drawdown manifests export RCH001 --format xlsx --out RCH001.xlsx --key-file post.key
    Export {
        #[command(flatten)]
        db: crate::DbArg,
        #[arg(long, env = "DRAWDOWN_KEY_FILE")]
        key_file: Option<PathBuf>,
        /// The departure's id.
        departure: String,
        /// csv, xlsx or pdf (default: from the --out file's extension).
        #[arg(long)]
        format: Option<String>,
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Set a household's readiness (a person's id sets their household's): documents ready,
    /// ready at, deadline. Options left out keep what was recorded; an empty time clears it.
    /// The next plan uses it. Audited.
    ///
    /// Example: drawdown manifests readiness 0190a… --documents-ready no --deadline "2021-08-26 00:00"
    Readiness {
        #[command(flatten)]
        db: crate::DbArg,
        /// The household's id, or a person's.
        household: String,
        /// yes or no.
        #[arg(long)]
        documents_ready: Option<String>,
        /// UTC: 2021-08-24T14:00:00Z or "2021-08-24 14:00"; "" for ready now.
        #[arg(long)]
        ready_at: Option<String>,
        /// UTC, after --ready-at; "" for no deadline.
        #[arg(long)]
        deadline: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum DeparturesCommand {
    /// Print the departures board as CSV (id, kind, carrier, origin, destination, time, seats,
    /// gate, status, manifest state, seats taken, people manifested).
    List {
        /// The database: sqlite://PATH or postgres://USER:PASS@HOST:PORT/DB.
        #[arg(long, env = "DRAWDOWN_DB")]
        db: String,
    },
    /// Add one departure.
    ///
    /// Example: drawdown departures add --db sqlite://post.db --id RCH871 --carrier "USAF C-17"
    ///          --destination "Al Udeid" --departs-at "2021-08-24 14:00" --seats 450 --gate North
    Add {
        #[arg(long, env = "DRAWDOWN_DB")]
        db: String,
        /// The departure's id (flight number or convoy name), unique.
        #[arg(long)]
        id: String,
        /// flight or convoy.
        #[arg(long, default_value = "flight")]
        kind: String,
        /// The carrier or the type, e.g. "USAF C-17".
        #[arg(long, default_value = "")]
        carrier: String,
        #[arg(long, default_value = "HKIA")]
        origin: String,
        /// The safe haven or staging base it goes to.
        #[arg(long, default_value = "")]
        destination: String,
        /// UTC: 2021-08-24T14:00:00Z or "2021-08-24 14:00".
        #[arg(long)]
        departs_at: String,
        /// Seats (lap infants take none).
        #[arg(long, allow_hyphen_values = true)]
        seats: String,
        #[arg(long, default_value = "")]
        weight_limit_kg: String,
        #[arg(long, default_value = "")]
        gate: String,
    },
    /// Import departures from a CSV file: every row is checked first; any bad row (named with
    /// its number and field) and nothing is written.
    ///
    /// Columns (header row): departure_id,kind,carrier,origin,destination,departs_at,seats,
    /// weight_limit_kg,gate,status. Only departure_id, departs_at and seats are required.
    Import {
        #[arg(long, env = "DRAWDOWN_DB")]
        db: String,
        /// The CSV file.
        file: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum BenchCommand {
    /// The manifest planner on seeded instances (1,000 to 120,000 people) against a greedy
    /// and HiGHS: objective, bound, gap, time; re-planning after a cancellation.
    Plan(crate::plan_cli::BenchArgs),
}

pub async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Plan(args) => crate::plan_cli::plan(&args),
        Command::Departures { command } => departures(command).await,
        Command::Manifests { command } => manifests(command).await,
    }
}

fn spinner(msg: &str) -> indicatif::ProgressBar {
    let pb = indicatif::ProgressBar::new_spinner().with_message(msg.to_string());
    pb.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    pb.enable_steady_tick(std::time::Duration::from_millis(120));
    pb
}

async fn manifests(command: ManifestsCommand) -> anyhow::Result<()> {
    let now = OffsetDateTime::now_utc();
    let web = |e: drawdown_web::WebError| anyhow::anyhow!("{e}");
    match command {
        ManifestsCommand::Plan {
            db,
            key_file,
            gate_per_hour,
            holding,
            flight_cost,
            time_limit,
        } => {
            if !(time_limit.is_finite() && time_limit > 0.0 && time_limit <= 600.0) {
                bail!("--time-limit {time_limit}: more than 0, at most 600 seconds");
            }
            let store = server::open(&db.db).await?;
            let vault = crate::registry_cli::console_vault(&store, key_file.as_deref()).await?;
            let req = mv::PlanRequest {
                gate_per_hour,
                holding,
                flight_cost,
                time_limit: std::time::Duration::from_secs_f64(time_limit),
            };
            let pb = spinner("Planning every open departure from the registry");
            let planned =
                mv::plan_registry(&store, &vault, &req, &console_actor(), "console", now).await;
            pb.finish_and_clear();
            let id = planned.map_err(web)?;
            let run = store
                .plan_run(&id)
                .await?
                .context("the plan was not stored")?;
            let s = mv::RunSummary::parse(&run.summary);
            println!(
                "Plan {id}: {} open departures, gate {} people/hour, holding {}, flight cost {}",
                run.departures, s.gate_per_hour, s.holding, s.flight_cost
            );
            println!(
                "moved:       {} people in {} households",
                run.moved_people, run.moved_units
            );
            println!(
                "left:        {} people in {} households",
                s.left_by_tier.iter().sum::<u64>(),
                s.left_units
            );
            println!("tier   moved     left");
            for t in 0..5 {
                println!(
                    "{:>4} {:>8} {:>8}",
                    t + 1,
                    s.moved_by_tier[t],
                    s.left_by_tier[t]
                );
            }
            for (reason, n) in &s.left_by_reason {
                println!("left because {reason}: {n} households");
            }
            println!("objective:   {:.1}", run.objective);
            println!("bound:       {:.1}", run.bound);
            println!(
                "gap:         {:.2} %",
                drawdown_planner::gap(run.objective, run.bound) * 100.0
            );
            println!(
                "changed:     {} households on another departure than before, {} kept their seat ({} ms)",
                run.changed, s.kept, run.elapsed_ms
            );
            println!("Who is left and why: /movement/plans/{id} (or GET /api/v1/plans/{id}).");
            Ok(())
        }
        ManifestsCommand::Show { db, departure } => {
            let store = server::open(&db.db).await?;
            let d = store.departure(departure.trim()).await?.with_context(|| {
                format!("no departure {departure} (see `drawdown departures list`)")
            })?;
            let entries = store.manifest(&d.id).await?;
            let ev = drawdown_domain::audit::AuditEvent::new(
                console_actor(),
                "movement.manifest_read",
                format!("departure:{}", d.id),
                format!("rows={}", entries.len()),
                "console",
            );
            store.audit(&ev, now).await?;
            let seats: i64 = entries.iter().map(|e| e.seats).sum();
            let people: i64 = entries.iter().map(|e| e.people).sum();
            let infants: i64 = entries.iter().map(|e| e.lap_infants).sum();
            println!(
                "{} ({}, {}) {} → {}, departs {}, gate {}: {}, manifest {}",
                d.id,
                d.kind,
                d.carrier,
                d.origin,
                d.destination,
                d.departs_at,
                d.gate,
                d.status,
                d.manifest
            );
            println!(
                "{} households, {people} people ({infants} lap infants) in {seats} of {} seats",
                entries.len(),
                d.seats
            );
            println!(
                "{:<38} {:<38} {:>5} {:>6} {:>4} {:>4} {:<6} {:<6} warning",
                "household", "head", "seats", "people", "lap", "tier", "placed", "pinned"
            );
            for e in &entries {
                println!(
                    "{:<38} {:<38} {:>5} {:>6} {:>4} {:>4} {:<6} {:<6} {}",
                    e.unit_id,
                    e.head_person_id,
                    e.seats,
                    e.people,
                    e.lap_infants,
                    e.priority,
                    e.placed_by,
                    if e.pinned { "yes" } else { "no" },
                    e.warning
                );
            }
            Ok(())
        }
        ManifestsCommand::Export {
            db,
            key_file,
            departure,
            format,
            out,
        } => {
            let format = match format {
                Some(f) => f.trim().to_lowercase(),
                None => out
                    .extension()
                    .map(|e| e.to_string_lossy().to_lowercase())
                    .unwrap_or_default(),
            };
            if !matches!(format.as_str(), "csv" | "xlsx" | "pdf") {
                bail!(
                    "--format '{format}': csv, xlsx or pdf (or an --out file ending in one of them)"
                );
            }
            let store = server::open(&db.db).await?;
            if store.departure(departure.trim()).await?.is_none() {
                bail!("no departure {departure} (see `drawdown departures list`)");
            }
            let vault = crate::registry_cli::console_vault(&store, key_file.as_deref()).await?;
            let m = mv::manifest_export(&store, &vault, departure.trim())
                .await
                .map_err(web)?;
            let bytes = match format.as_str() {
                "csv" => mv::manifest_csv(&m).into_bytes(),
                "xlsx" => mv::manifest_xlsx(&m).map_err(web)?,
                _ => mv::manifest_pdf(&m, now),
            };
            // Recorded before the file exists: an export never goes unaudited.
            mv::audit_export(&store, &m, &format, &console_actor(), "console", now)
                .await
                .map_err(web)?;
            std::fs::write(&out, &bytes)
                .with_context(|| format!("cannot write {}", out.display()))?;
            println!(
                "Wrote the manifest of {} ({} passengers, {} households) to {} as {format}; the export is in the audit log.",
                m.departure.id,
                m.rows.len(),
                store.manifest(&m.departure.id).await?.len(),
                out.display()
            );
            Ok(())
        }
        ManifestsCommand::Readiness {
            db,
            household,
            documents_ready,
            ready_at,
            deadline,
        } => {
            let store = server::open(&db.db).await?;
            let input = mv::ReadinessInput {
                documents_ready,
                ready_at,
                deadline,
            };
            let f = mv::set_readiness(&store, &household, &input, &console_actor(), "console", now)
                .await
                .map_err(web)?;
            println!("Household {}: {}.", f.unit_id, mv::readiness_text(&f));
            Ok(())
        }
    }
}

async fn departures(command: DeparturesCommand) -> anyhow::Result<()> {
    let now = OffsetDateTime::now_utc();
    match command {
        DeparturesCommand::List { db } => {
            let store = server::open(&db).await?;
            let deps = store.departures().await?;
            let loads = store.manifest_loads().await?;
            let mut w = csv::Writer::from_writer(std::io::stdout().lock());
            w.write_record([
                "departure_id",
                "kind",
                "carrier",
                "origin",
                "destination",
                "departs_at",
                "seats",
                "gate",
                "status",
                "manifest",
                "seats_taken",
                "people",
            ])?;
            for d in &deps {
                let l = loads.get(&d.id).copied().unwrap_or_default();
                w.write_record([
                    d.id.as_str(),
                    &d.kind,
                    &d.carrier,
                    &d.origin,
                    &d.destination,
                    &d.departs_at,
                    &d.seats.to_string(),
                    &d.gate,
                    &d.status,
                    &d.manifest,
                    &l.seats.to_string(),
                    &l.people.to_string(),
                ])?;
            }
            w.flush()?;
            Ok(())
        }
        DeparturesCommand::Add {
            db,
            id,
            kind,
            carrier,
            origin,
            destination,
            departs_at,
            seats,
            weight_limit_kg,
            gate,
        } => {
            let input = mv::DepartureInput {
                id,
                kind,
                carrier,
                origin,
                destination,
                departs_at,
                seats,
                weight_limit_kg,
                gate,
                status: String::new(),
            };
            let d = match input.check(now) {
                Ok(d) => d,
                Err(e) => bail!("{e}"),
            };
            let store = server::open(&db).await?;
            mv::add_departures(
                &store,
                std::slice::from_ref(&d),
                &console_actor(),
                "console",
                now,
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "Added {} ({} seats, departs {}).",
                d.id, d.seats, d.departs_at
            );
            Ok(())
        }
        DeparturesCommand::Import { db, file } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let deps = match mv::read_departures_csv(&bytes, now) {
                Ok(d) => d,
                Err(errors) => {
                    for e in &errors {
                        eprintln!("{}: {e}", file.display());
                    }
                    bail!("{} problem(s): nothing was imported", errors.len());
                }
            };
            let store = server::open(&db).await?;
            mv::add_departures(&store, &deps, &console_actor(), "console", now)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("Imported {} departures.", deps.len());
            Ok(())
        }
    }
}

pub async fn bench(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Plan(args) => crate::plan_cli::bench(&args),
    }
}
