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
