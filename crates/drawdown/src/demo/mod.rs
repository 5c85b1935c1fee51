//! `drawdown demo`: the reference scenario on a new SQLite file, served at once.

use crate::console::{add_user_record, initialise, write_key_file};
use crate::server;

mod accountability;
mod destruction;
mod movement;
mod outreach;
mod posture;
use anyhow::Context;
use drawdown_domain::Role;
use drawdown_domain::scenario;
use drawdown_storage::Store;
use drawdown_vault::Unlock;
use drawdown_web::VaultSlot;
use drawdown_web::services::registry;
use indicatif::{ProgressBar, ProgressStyle};
use std::net::SocketAddr;
use std::path::Path;
use time::OffsetDateTime;

pub const DEMO_PASSWORD: &str = "demo-password";

pub async fn run(addr: SocketAddr, data_dir: &Path, scale: &str) -> anyhow::Result<()> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;
    let db_path = data_dir.join("demo.db");
    let key_path = data_dir.join("demo.key");
    // A fresh scenario each time: the previous demo's files go.
    for p in [
        db_path.clone(),
        data_dir.join("demo.db-wal"),
        data_dir.join("demo.db-shm"),
        key_path.clone(),
    ] {
        match std::fs::remove_file(&p) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(e).with_context(|| format!("cannot remove {}", p.display()));
            }
            _ => {}
        }
    }
    let _ = std::fs::remove_dir_all(data_dir.join("handoffs"));
    // Fail on a busy port before spending time on the scenario.
    drop(server::bind(addr).await?);

    let small = scale == "small";
    let scenario = scenario::generate();
    let store = Store::connect(&format!("sqlite://{}", db_path.display()), true).await?;
    let key = write_key_file(&key_path)?;
    let now = OffsetDateTime::now_utc();
    let vault = std::sync::Arc::new(
        initialise(
            &store,
            Unlock::KeyFile(key.as_bytes()),
            "admin",
            DEMO_PASSWORD,
            &scenario.organisation,
            &scenario.sites,
            now,
        )
        .await?,
    );
    for u in scenario
        .users
        .iter()
        .filter(|u| !u.roles.contains(Role::Administrator))
    {
        add_user_record(&store, &u.username, DEMO_PASSWORD, u.roles, now).await?;
    }

    let lists = demo_lists(if small { 300 } else { 125_000 });
    let rows_total: usize = lists.iter().map(|(_, _, n)| n).sum();
    let bar = ProgressBar::new(lists.len() as u64 + 1).with_style(
        ProgressStyle::with_template("{msg:>24} [{bar:30}] {pos}/{len} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    for (name, csv, _) in lists {
        bar.set_message(format!("Importing {name}"));
        let input = registry::ImportInput {
            source: name.to_string(),
            file_name: format!("{name}.csv"),
            bytes: csv,
            format: None,
            mapping: None,
            overrides: vec![],
        };
        let plan = registry::plan_import(&store, &vault, input, "console:demo").await?;
        registry::commit_import(&store, plan, "console:demo", "console", now).await?;
        bar.inc(1);
    }
    bar.set_message("Resolving");
    let (summary, model) =
        registry::resolve_registry(&store, &vault, "console:demo", "console", now).await?;
    bar.finish_and_clear();

    // Each area seeds what the post held in August 2021, in the order they depend on each
    // other (manifests need the registry, passes need manifests).
    let ctx = Ctx {
        store: &store,
        vault: &vault,
        shared_vault: std::sync::Arc::clone(&vault),
        now,
        small,
    };
    let mut lines = Vec::new();
    lines.extend(posture::seed(&ctx).await?);

    lines.extend(destruction::seed(&ctx).await?);

    lines.extend(movement::seed(&ctx).await?);

    lines.extend(accountability::seed(&ctx).await?);

    lines.extend(outreach::seed(&ctx).await?);

    let (people, review) = (summary.persons, summary.review);
    server::run(
        store,
        VaultSlot::Unlocked(vault),
        Some(model),
        addr,
        data_dir,
        true,
        move |bound| {
            println!();
            println!("  Drawdown demo: {}", scenario.organisation.name);
            println!("  The registry: {rows_total} rows from 6 lists, resolved into {people} people ({review} pairs to review).");
            for line in &lines {
                println!("  {line}");
            }
            println!("  Open http://{bound}/ and log in as one of:");
            for u in &scenario.users {
                let roles: Vec<&str> = u.roles.iter().map(Role::label).collect();
                println!("    {:<12} {}", u.username, roles.join(", "));
            }
            println!(
                "  Every demo password is \"{DEMO_PASSWORD}\". Data: {} (fresh each run).",
                db_path.display()
            );
            println!("  Stop with Ctrl-C.");
            println!();
        },
    )
    .await
}

/// What each area's demo seeding may use.
#[allow(dead_code)] // each area reads what it needs as it grows
pub struct Ctx<'a> {
    pub store: &'a Store,
    pub vault: &'a drawdown_vault::Vault,
    /// The same vault, for seeds that run services on an `AppState` of their own.
    pub shared_vault: std::sync::Arc<drawdown_vault::Vault>,
    /// The demo's wall-clock start.
    pub now: OffsetDateTime,
    /// `--scale small`: a few hundred people, for tests and quick tries.
    pub small: bool,
}

/// The reference scenario's lists as the post would receive them: CSV files with their own
/// record ids, a category the list implies, and a case number where the list has families.
pub(crate) fn demo_lists(people: usize) -> Vec<(&'static str, Vec<u8>, usize)> {
    let rows = drawdown_domain::lists::generate_lists(scenario::DEFAULT_SEED, people);
    let names = [
        ("hr_staff", "HR staff"),
        ("consular_registry", "Consular registry"),
        ("siv_pipeline", "SIV pipeline"),
        ("partner_ngo_a", "Partner NGO A"),
        ("partner_ngo_b", "Partner NGO B"),
        ("hotline", "Hotline sign-ups"),
    ];
    let mut out = Vec::new();
    for (key, name) in names {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header = vec!["record_id"];
        header.extend(drawdown_domain::lists::FIELDS);
        header.extend(["category", "claimed_status", "case_number"]);
        let _ = w.write_record(&header);
        let mut n = 0;
        for r in rows.iter().filter(|r| r.source == key) {
            let us = r.get("nationality").is_some_and(|x| {
                let x = x.to_lowercase();
                x == "us" || x == "usa" || x.contains("americ") || x.contains("united states")
            });
            let (category, claimed) = match key {
                "hr_staff" if us => ("staff_citizen", ""),
                "hr_staff" => ("staff_local", ""),
                "consular_registry" => ("citizen", ""),
                "siv_pipeline" => ("siv_applicant", ""),
                "partner_ngo_a" => ("refugee_referral", ""),
                "partner_ngo_b" => ("other_at_risk", ""),
                _ if us => ("", "citizen"),
                _ => ("", "other_at_risk"),
            };
            let case = if matches!(
                key,
                "siv_pipeline" | "partner_ngo_a" | "partner_ngo_b" | "hotline"
            ) {
                format!("{key}-case-{}", r.household)
            } else {
                String::new()
            };
            let mut record = vec![r.record_id.clone()];
            record.extend(
                drawdown_domain::lists::FIELDS
                    .iter()
                    .map(|f| r.get(f).unwrap_or("").to_string()),
            );
            record.extend([category.to_string(), claimed.to_string(), case]);
            let _ = w.write_record(&record);
            n += 1;
        }
        out.push((name, w.into_inner().unwrap_or_default(), n));
    }
    out
}
