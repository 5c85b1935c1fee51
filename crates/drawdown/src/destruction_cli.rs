//! The command line for destruction: `drawdown holdings …`, `drawdown destroy …` and
//! `drawdown bench destruction`.

use crate::DbArg;
use crate::console::console_actor;
use crate::server;
use anyhow::Context;
use clap::Subcommand;
use drawdown_destruction::plan;
use drawdown_destruction::{Device, DeviceStatus, Kind, Matrix, Method, Unit, default_kinds};
use drawdown_web::services::destruction::{self as svc, HoldingInput, RecordInput};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;
use time::OffsetDateTime;

#[derive(Subcommand)]
pub enum Command {
    /// The inventory of sensitive holdings: list, add, import from CSV.
    Holdings {
        #[command(subcommand)]
        command: HoldingsCommand,
    },
    /// Record a destruction, confirm one as its witness, or print the plan to zero.
    Destroy {
        #[command(subcommand)]
        command: DestroyCommand,
    },
}

#[derive(Subcommand)]
pub enum HoldingsCommand {
    /// Every holding, most sensitive first (id, kind, left, unit, location, custodian).
    List {
        #[command(flatten)]
        db: DbArg,
    },
    /// Add one holding.
    ///
    /// Example: drawdown holdings add --kind classified_paper --quantity 1200
    /// --description "Registry safe" --classification secret --location Chancery
    Add {
        #[command(flatten)]
        db: DbArg,
        /// A kind's slug or name (classified_paper, hard_drive, ssd, armoured_vehicle, …).
        #[arg(long)]
        kind: String,
        /// Whole kg or items, as the kind counts.
        #[arg(long, allow_hyphen_values = true)]
        quantity: String,
        #[arg(long, default_value = "")]
        description: String,
        /// unclassified, sensitive, confidential, secret, top secret.
        #[arg(long, default_value = "")]
        classification: String,
        #[arg(long, default_value = "")]
        location: String,
        #[arg(long, default_value = "")]
        custodian: String,
        /// 1 (destroyed first) to 9; default: the kind's.
        #[arg(long, default_value = "")]
        priority: String,
    },
    /// Import holdings from a CSV with columns kind,quantity and optionally description,
    /// classification, location, custodian, priority. Imported whole, or refused with every
    /// problem named by row (nothing changes).
    Import {
        #[command(flatten)]
        db: DbArg,
        file: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum DestroyCommand {
    /// Record a destruction (it waits for a second person to witness it).
    ///
    /// Example: drawdown destroy record --holding 0190… --quantity 40 --method burn --device "Firebox 1"
    Record {
        #[command(flatten)]
        db: DbArg,
        /// The holding's id (see `drawdown holdings list`).
        #[arg(long, default_value = "", required_unless_present = "bag")]
        holding: String,
        /// Or a sealed burn bag, by serial: destroys what it holds.
        #[arg(long, default_value = "")]
        bag: String,
        #[arg(long, default_value = "", allow_hyphen_values = true)]
        quantity: String,
        /// burn, shred, disintegrate, incinerate, degauss_destroy, crush, compact, cut, neutralise.
        #[arg(long)]
        method: String,
        /// The device's name or id.
        #[arg(long, default_value = "")]
        device: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Confirm a destruction as its witness (not its operator): issues the certificate and
    /// writes its SHA-256 to the audit log.
    Witness {
        #[command(flatten)]
        db: DbArg,
        /// The record's id or certificate number (D-000042).
        record: String,
    },
    /// The plan to zero at today's capacity: days to the emergency level and to zero, the
    /// bottleneck, what would shorten it, and the first days.
    Plan {
        #[command(flatten)]
        db: DbArg,
        /// Days of the schedule to print.
        #[arg(long, default_value_t = 5)]
        days: usize,
    },
}

#[derive(Subcommand)]
pub enum BenchCommand {
    /// The plan engine (max-flow and what-ifs) at the reference size and far beyond it.
    Destruction {
        /// Timed runs per size.
        #[arg(long, default_value_t = 20)]
        runs: usize,
    },
}

pub async fn run(command: Command) -> anyhow::Result<()> {
    let now = OffsetDateTime::now_utc();
    let actor = console_actor();
    match command {
        Command::Holdings { command } => match command {
            HoldingsCommand::List { db } => {
                let store = server::open(&db.db).await?;
                let cat = svc::catalogue(&store).await?;
                let rows = store.holdings().await?;
                let ev = drawdown_storage::AuditEvent::new(
                    &actor,
                    "destruction.holdings_read",
                    "holdings",
                    format!("rows={}", rows.len()),
                    "console",
                );
                store.audit(&ev, now).await?;
                println!(
                    "{:<36}  {:>3}  {:<34}  {:>9}  {:<5}  {:<14}  location / custodian",
                    "id", "pri", "kind", "left", "unit", "class"
                );
                for h in rows {
                    println!(
                        "{:<36}  {:>3}  {:<34}  {:>9}  {:<5}  {:<14}  {} / {}",
                        h.id,
                        h.priority,
                        cat.label(&h.kind),
                        h.quantity,
                        cat.unit(&h.kind),
                        h.classification,
                        h.location,
                        h.custodian
                    );
                }
                Ok(())
            }
            HoldingsCommand::Add {
                db,
                kind,
                quantity,
                description,
                classification,
                location,
                custodian,
                priority,
            } => {
                let store = server::open(&db.db).await?;
                let id = svc::add_holding(
                    &store,
                    &actor,
                    "console",
                    &HoldingInput {
                        kind,
                        description,
                        quantity,
                        classification,
                        location,
                        custodian,
                        priority,
                    },
                    now,
                )
                .await
                .map_err(said)?;
                println!("holding added: {id}");
                Ok(())
            }
            HoldingsCommand::Import { db, file } => {
                let store = server::open(&db.db).await?;
                let bytes = std::fs::read(&file)
                    .with_context(|| format!("cannot read {}", file.display()))?;
                let name = file
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let n = svc::import_holdings(&store, &actor, "console", &name, &bytes, now)
                    .await
                    .map_err(said)?;
                println!("{n} holdings imported from {name}");
                Ok(())
            }
        },
        Command::Destroy { command } => match command {
            DestroyCommand::Record {
                db,
                holding,
                bag,
                quantity,
                method,
                device,
                note,
            } => {
                let store = server::open(&db.db).await?;
                let device = if device.trim().is_empty() {
                    String::new()
                } else {
                    store
                        .destruction_devices()
                        .await?
                        .into_iter()
                        .find(|d| {
                            d.id == device.trim() || d.name.eq_ignore_ascii_case(device.trim())
                        })
                        .map(|d| d.id)
                        .with_context(|| format!("--device: no device named '{device}'"))?
                };
                let (id, number) = svc::record_destruction(
                    &store,
                    &actor,
                    "console",
                    &RecordInput {
                        holding,
                        bag,
                        quantity,
                        method,
                        device,
                        note,
                    },
                    now,
                )
                .await
                .map_err(said)?;
                println!(
                    "recorded {} ({id}); a second person must witness it: drawdown destroy witness {}",
                    svc::certificate_number(number),
                    svc::certificate_number(number)
                );
                Ok(())
            }
            DestroyCommand::Witness { db, record } => {
                let store = server::open(&db.db).await?;
                let records = store.destruction_records().await?;
                let r = records
                    .iter()
                    .find(|r| {
                        r.id == record.trim()
                            || svc::certificate_number(r.number) == record.trim().to_uppercase()
                    })
                    .with_context(|| format!("no destruction record '{record}'"))?;
                let org = svc::org_name(&store).await.map_err(said)?;
                let sha = svc::witness(&store, &org, &actor, "console", &r.id, now)
                    .await
                    .map_err(said)?;
                println!(
                    "witnessed {}: certificate issued, sha256 {sha}",
                    svc::certificate_number(r.number)
                );
                Ok(())
            }
            DestroyCommand::Plan { db, days } => {
                let store = server::open(&db.db).await?;
                let o = svc::overview(&store, now).await.map_err(said)?;
                print_plan(&o, days);
                Ok(())
            }
        },
    }
}

/// A refusal of the services, as they word it.
fn said(e: drawdown_web::WebError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

fn days_text(d: Option<f64>) -> String {
    match d {
        None => "never at today's capacity".into(),
        Some(d) => format!("{d:.2} days ({:.0} h)", d * 24.0),
    }
}

fn print_plan(o: &svc::Overview, days: usize) {
    let p = &o.plan;
    println!(
        "Emergency level (priority <= {}): {}; deadline {} h: {}",
        o.settings.emergency_priority,
        days_text(p.days_to_target),
        o.settings.deadline_hours,
        match p.meets_deadline {
            Some(true) => "met",
            Some(false) => "NOT met",
            None => "-",
        }
    );
    println!("Zero: {}", days_text(p.days_to_zero));
    println!(
        "Bottleneck: {} (must destroy: {})",
        o.device_names(&p.bottleneck),
        o.catalogue.labels(&p.critical_kinds)
    );
    if !p.stuck.is_empty() {
        println!(
            "No working device approved for: {}",
            o.catalogue.labels(&p.stuck)
        );
    }
    if !o.what_ifs.is_empty() {
        println!("What would shorten it:");
        for w in o.what_ifs.iter().take(8) {
            println!(
                "  {:<70} {}{}",
                w.change,
                days_text(w.days_to_target),
                if w.meets_deadline == Some(true) {
                    "  (meets the deadline)"
                } else {
                    ""
                }
            );
        }
    }
    for d in p.days.iter().take(days) {
        println!("Day {}:", d.day);
        for w in &d.work {
            println!(
                "  {:<40} {:<24} {:>10.1} {}",
                o.catalogue.label(&w.kind),
                o.device_name(&w.device),
                w.quantity,
                o.catalogue.unit(&w.kind)
            );
        }
    }
}

pub async fn bench(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Destruction { runs } => bench_plan(runs.max(1)),
    }
}

/// A deterministic instance: `kinds` kinds (each approved for 1–3 of the 9 methods) and
/// `devices` devices, quantities of the reference scenario's order.
fn instance(kinds: usize, devices: usize) -> (Vec<Kind>, BTreeMap<String, f64>, Vec<Device>) {
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut ks = default_kinds();
    while ks.len() < kinds {
        let i = ks.len();
        let m: Vec<Method> = (0..1 + next() % 3)
            .map(|_| Method::ALL[(next() % 9) as usize])
            .collect();
        ks.push(Kind {
            slug: format!("kind_{i}"),
            label: format!("Kind {i}"),
            unit: Unit::Item,
            kg_per_unit: 0.1 + (next() % 50) as f64 / 10.0,
            priority: 1 + (next() % 5) as u8,
            methods: m,
        });
    }
    ks.truncate(kinds);
    let remaining = ks
        .iter()
        .map(|k| (k.slug.clone(), 10.0 + (next() % 5000) as f64))
        .collect();
    let ds = (0..devices)
        .map(|j| {
            let method = Method::ALL[j % 9];
            Device {
                id: format!("d{j}"),
                name: format!("Device {j}"),
                method,
                kg_per_hour: method.typical_kg_per_hour() * (0.5 + (next() % 100) as f64 / 100.0),
                hours_per_day: 4.0 + (next() % 20) as f64,
                status: if next() % 10 == 0 {
                    DeviceStatus::Broken
                } else {
                    DeviceStatus::Working
                },
            }
        })
        .collect();
    (ks, remaining, ds)
}

fn bench_plan(runs: usize) -> anyhow::Result<()> {
    println!(
        "drawdown bench destruction: plan to zero and what-ifs, {runs} runs each, median (min–max)"
    );
    for (kinds, devices) in [(16, 12), (60, 40), (200, 120)] {
        let (ks, remaining, ds) = instance(kinds, devices);
        let matrix = Matrix::new(&ks, &[]);
        let req = plan::Request {
            kinds: &ks,
            matrix: &matrix,
            remaining: &remaining,
            devices: &ds,
            first: Some(2),
            deadline_days: Some(2.0),
        };
        let mut t_plan = Vec::new();
        let mut t_whatif = Vec::new();
        let mut days = None;
        for _ in 0..runs {
            let t = Instant::now();
            let p = plan::plan(&req);
            t_plan.push(t.elapsed().as_secs_f64() * 1000.0);
            days = p.days_to_zero;
            let t = Instant::now();
            let w = plan::what_ifs(&req);
            t_whatif.push(t.elapsed().as_secs_f64() * 1000.0);
            std::hint::black_box(w);
        }
        let stats = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            (v[v.len() / 2], v[0], v[v.len() - 1])
        };
        let (pm, pmin, pmax) = stats(&mut t_plan);
        let (wm, wmin, wmax) = stats(&mut t_whatif);
        println!(
            "  {kinds:>4} kinds × {devices:>4} devices: plan {pm:.3} ms ({pmin:.3}–{pmax:.3}), plan + every what-if {wm:.2} ms ({wmin:.2}–{wmax:.2}); zero in {}",
            days.map_or("never".into(), |d| format!("{d:.2} days"))
        );
    }
    Ok(())
}
