//! `drawdown bench registry`: the registry at the reference scale, end to end on SQLite —
//! importing the six generated lists (~180,000 rows), resolving them into persons, then
//! searching the people list by name, phone and document as a registrar would.

use crate::console::{initialise, write_key_file};
use crate::demo::{DEMO_PASSWORD, demo_lists};
use anyhow::Context;
use drawdown_domain::scenario;
use drawdown_storage::Store;
use drawdown_vault::Unlock;
use drawdown_web::services::registry::{self, ImportInput};
use std::time::Instant;
use time::OffsetDateTime;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

pub async fn run(people: usize, searches: usize) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("drawdown-bench-registry-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = measure(&dir, people, searches).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn measure(dir: &std::path::Path, people: usize, searches: usize) -> anyhow::Result<()> {
    let store = Store::connect(
        &format!("sqlite://{}", dir.join("bench.db").display()),
        true,
    )
    .await?;
    let key = write_key_file(&dir.join("bench.key"))?;
    let s = scenario::generate();
    let now = OffsetDateTime::now_utc();
    let vault = initialise(
        &store,
        Unlock::KeyFile(key.as_bytes()),
        "admin",
        DEMO_PASSWORD,
        &s.organisation,
        &s.sites,
        now,
    )
    .await?;
    let lists = demo_lists(people);
    let rows: usize = lists.iter().map(|(_, _, n)| n).sum();
    println!(
        "drawdown bench registry: {people} generated people, {rows} rows on {} lists",
        lists.len()
    );

    let started = Instant::now();
    for (name, csv, _) in lists {
        let input = ImportInput {
            source: name.into(),
            file_name: format!("{name}.csv"),
            bytes: csv,
            format: None,
            mapping: None,
            overrides: vec![],
        };
        let plan = registry::plan_import(&store, &vault, input, "bench").await?;
        registry::commit_import(&store, plan, "bench", "bench", now).await?;
    }
    let imported = started.elapsed();
    let (summary, _) = registry::resolve_registry(&store, &vault, "bench", "bench", now).await?;
    let total = started.elapsed();
    println!(
        "  import (parse, map, seal, write)     {:>8.1} s",
        imported.as_secs_f64()
    );
    println!(
        "  resolve into persons (engine + write) {:>8.1} s",
        (total - imported).as_secs_f64()
    );
    println!(
        "  import + resolve                      {:>8.1} s   (aim: < 60 s)",
        total.as_secs_f64()
    );
    println!(
        "  persons {}, households {}, pairs to review {}",
        summary.persons, summary.households, summary.review
    );

    // Queries a registrar would type: a person's name as another list spells it (lowercased,
    // words reversed), their phone, their document number.
    let sample = store
        .persons_filtered(&Default::default(), searches as i64, 1000)
        .await?;
    let mut queries = Vec::new();
    for p in &sample {
        let plain = vault.open_sealed(
            &drawdown_web::services::protection::person_aad(&p.id),
            &p.sealed,
        )?;
        let d: drawdown_domain::people::PersonalDetails =
            serde_json::from_slice(&plain).context("a sealed person")?;
        let name = format!("{} {}", d.family_name, d.given_name).to_lowercase();
        if !name.trim().is_empty() {
            queries.push(("name", name));
        }
        if !d.phone.is_empty() {
            queries.push(("phone", d.phone.clone()));
        }
        if !d.document_number.is_empty() {
            queries.push(("document", d.document_number.clone()));
        }
    }
    let mut by_kind: std::collections::BTreeMap<&str, Vec<f64>> = Default::default();
    for (kind, q) in &queries {
        let t = Instant::now();
        // What the people list does: keys, candidates, a page of persons, decrypted.
        let keys = registry::query_keys(&vault, q);
        let ids = store.persons_with_keys(&keys, 500).await?;
        let page = store.persons_by_ids(&ids[..ids.len().min(50)]).await?;
        for p in &page {
            vault.open_sealed(
                &drawdown_web::services::protection::person_aad(&p.id),
                &p.sealed,
            )?;
        }
        by_kind
            .entry(kind)
            .or_default()
            .push(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!("  search over {} persons (ms; aim: < 50):", summary.persons);
    for (kind, mut ms) in by_kind {
        ms.sort_by(|a, b| a.total_cmp(b));
        println!(
            "    {kind:<9} n={:<5} median {:>6.2}  p99 {:>6.2}  max {:>6.2}",
            ms.len(),
            percentile(&ms, 0.5),
            percentile(&ms, 0.99),
            ms.last().copied().unwrap_or(0.0)
        );
    }
    store.close().await;
    Ok(())
}
