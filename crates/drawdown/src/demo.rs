//! `drawdown demo`: the reference scenario on a new SQLite file, served at once.

use crate::console::{add_user_record, initialise, write_key_file};
use crate::server;
use anyhow::Context;
use drawdown_domain::Role;
use drawdown_domain::audit::AuditEvent;
use drawdown_domain::scenario::{self, Scale};
use drawdown_storage::Store;
use drawdown_vault::Unlock;
use drawdown_web::VaultSlot;
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

    let scale = if scale == "small" {
        Scale::small()
    } else {
        Scale::reference()
    };
    let scenario = scenario::generate(scenario::DEFAULT_SEED, scale);
    let store = Store::connect(&format!("sqlite://{}", db_path.display()), true).await?;
    let key = write_key_file(&key_path)?;
    let now = OffsetDateTime::now_utc();
    let vault = initialise(
        &store,
        Unlock::KeyFile(key.as_bytes()),
        "admin",
        DEMO_PASSWORD,
        &scenario.organisation,
        &scenario.sites,
        now,
    )
    .await?;
    for u in scenario
        .users
        .iter()
        .filter(|u| !u.roles.contains(Role::Administrator))
    {
        add_user_record(&store, &u.username, DEMO_PASSWORD, u.roles, now).await?;
    }

    let bar = ProgressBar::new(scenario.people.len() as u64).with_style(
        ProgressStyle::with_template("{msg:>14} [{bar:30}] {pos}/{len} people ({per_sec})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message("Sealing");
    for chunk in scenario.people.chunks(1000) {
        let sealed = chunk
            .iter()
            .map(|p| {
                drawdown_web::services::protection::seal_person(
                    &vault,
                    &p.details,
                    p.category,
                    Some(p.site_code.clone()),
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let ev = AuditEvent::new(
            "console:demo",
            "people.import",
            "registry",
            format!("source=demo-staff rows={}", sealed.len()),
            "console",
        );
        store.add_persons(&sealed, &ev, now).await?;
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();

    let people = scenario.people.len();
    server::run(
        store,
        VaultSlot::Unlocked(std::sync::Arc::new(vault)),
        addr,
        data_dir,
        true,
        move |bound| {
            println!();
            println!(
                "  Drawdown demo: {} ({people} people on the registry)",
                scenario.organisation.name
            );
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
