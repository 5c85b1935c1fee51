//! `drawdown resolve` (lists deduplicated from files alone, no database) and `drawdown import`
//! (a list into the registry).

use crate::console::console_actor;
use crate::server;
use anyhow::{Context, bail};
use drawdown_resolution::{Field, RawRecord};
use drawdown_vault::{Unlock, Vault, VaultHeader};
use drawdown_web::services::registry::{self, ImportInput};
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use time::OffsetDateTime;

/// Parses `--map header=field` pairs.
fn header_map(maps: &[String]) -> anyhow::Result<HashMap<String, String>> {
    maps.iter()
        .map(|m| {
            let (h, f) = m
                .split_once('=')
                .with_context(|| format!("--map {m}: write it as header=field"))?;
            Ok((h.trim().to_lowercase(), f.trim().to_lowercase()))
        })
        .collect()
}

fn spinner(msg: &str) -> ProgressBar {
    let pb = ProgressBar::new_spinner().with_message(msg.to_string());
    pb.set_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    pb.enable_steady_tick(Duration::from_millis(120));
    pb
}

/// Reads one CSV into records; `record_id` is required and must be unique across all files.
fn read_records(
    path: &Path,
    maps: &HashMap<String, String>,
    seen: &mut HashMap<String, String>,
    out: &mut Vec<RawRecord>,
) -> anyhow::Result<()> {
    let shown = path.display().to_string();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_path(path)
        .with_context(|| format!("cannot read {shown}"))?;
    let headers: Vec<String> = reader
        .headers()
        .with_context(|| format!("{shown}: no header row"))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase())
        .collect();
    let name_of = |h: &str| maps.get(h).cloned().unwrap_or_else(|| h.to_string());
    let id_col = headers
        .iter()
        .position(|h| name_of(h) == "record_id")
        .with_context(|| {
            format!(
                "{shown}: there is no record_id column (map one with --map yourheader=record_id)"
            )
        })?;
    let source_col = headers.iter().position(|h| name_of(h) == "source");
    let fields: Vec<Option<Field>> = headers.iter().map(|h| Field::parse(&name_of(h))).collect();
    let default_source = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    for (i, row) in reader.records().enumerate() {
        let line = i + 2;
        let row = row.with_context(|| format!("{shown}, line {line}"))?;
        let id = row.get(id_col).unwrap_or("").trim();
        if id.is_empty() {
            bail!("{shown}, line {line}: record_id is empty");
        }
        if let Some(first) = seen.insert(id.to_string(), format!("{shown}, line {line}")) {
            bail!("{shown}, line {line}: record_id '{id}' repeats the one at {first}");
        }
        let source = source_col
            .and_then(|c| row.get(c))
            .filter(|s| !s.is_empty())
            .unwrap_or(&default_source);
        let mut r = RawRecord::new(id, source);
        for (cell, field) in row.iter().zip(&fields) {
            if let Some(f) = field
                && !cell.trim().is_empty()
            {
                r.set(*f, cell.trim());
            }
        }
        out.push(r);
    }
    Ok(())
}

/// `drawdown resolve A.csv [B.csv …] --out clusters.csv`.
pub fn resolve_files(
    inputs: &[PathBuf],
    out: &Path,
    maps: &[String],
    explain: Option<&[String]>,
) -> anyhow::Result<()> {
    let maps = header_map(maps)?;
    let mut seen = HashMap::new();
    let mut records = Vec::new();
    let pb = spinner("Reading");
    for p in inputs {
        read_records(p, &maps, &mut seen, &mut records)?;
        pb.set_message(format!("Reading: {} records", records.len()));
    }
    pb.set_message(format!("Resolving {} records", records.len()));
    let started = std::time::Instant::now();
    let resolution =
        drawdown_resolution::resolve(&records, &drawdown_resolution::Config::default())?;
    pb.finish_and_clear();
    let mut w =
        csv::Writer::from_path(out).with_context(|| format!("cannot write {}", out.display()))?;
    w.write_record(["record_id", "cluster_id"])?;
    for (r, c) in records.iter().zip(&resolution.cluster_of) {
        w.write_record([r.id.as_str(), &c.to_string()])?;
    }
    w.flush()?;
    eprintln!(
        "{} records → {} people in {:.1} s; {} pairs to review; written to {}",
        records.len(),
        resolution.cluster_count,
        started.elapsed().as_secs_f64(),
        resolution.review.len(),
        out.display()
    );
    if let Some([a, b]) = explain {
        let find = |id: &str| {
            records
                .iter()
                .find(|r| r.id == id)
                .with_context(|| format!("--explain: no record '{id}'"))
        };
        println!(
            "{}",
            drawdown_resolution::explain(find(a)?, find(b)?, &resolution.model)
        );
    }
    Ok(())
}

/// Opens the vault for console work: key file, or passphrase from DRAWDOWN_PASSPHRASE.
pub(crate) async fn console_vault(
    store: &drawdown_storage::Store,
    key_file: Option<&Path>,
) -> anyhow::Result<Vault> {
    let header = VaultHeader::from_bytes(
        &store
            .vault_header()
            .await?
            .context("this database has no vault (it was wiped, or never initialised)")?,
    )?;
    Ok(match key_file {
        Some(path) => Vault::open(&header, Unlock::KeyFile(&server::read_key_file(path)?))?,
        None => {
            let pass = std::env::var("DRAWDOWN_PASSPHRASE")
                .map(zeroize::Zeroizing::new)
                .or_else(|_| {
                    rpassword::prompt_password("Vault passphrase: ").map(zeroize::Zeroizing::new)
                })?;
            Vault::open(&header, Unlock::Passphrase(&pass))?
        }
    })
}

/// `drawdown import FILE --source NAME`.
pub async fn import(
    db: &str,
    file: &Path,
    source: &str,
    key_file: Option<&Path>,
    maps: &[String],
    dry_run: bool,
) -> anyhow::Result<()> {
    let store = server::open(db).await?;
    let vault = console_vault(&store, key_file).await?;
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let file_name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let pb = spinner(&format!("Reading {file_name}"));
    let mut overrides = Vec::new();
    for (h, t) in header_map(maps)? {
        let target = if t == "-" || t == "none" {
            None
        } else {
            Some(
                drawdown_import::Target::parse(&t)
                    .with_context(|| format!("--map {h}={t}: unknown field"))?,
            )
        };
        overrides.push((h, target));
    }
    let plan = registry::plan_import(
        &store,
        &vault,
        ImportInput {
            source: source.into(),
            file_name: file_name.clone(),
            bytes,
            format: None,
            mapping: None,
            overrides,
        },
        &console_actor(),
    )
    .await?;
    pb.finish_and_clear();
    println!(
        "{file_name}: {} rows read ({}), mapping {}:",
        plan.rows_read, plan.encoding, plan.mapping_origin
    );
    for (h, t) in plan.headers.iter().zip(&plan.mapping) {
        println!(
            "  {h:<28} → {}",
            t.map(|t| t.name()).unwrap_or("(not imported)")
        );
    }
    println!(
        "Changes to '{}': {} added, {} changed, {} unchanged, {} removed.",
        plan.source, plan.added, plan.changed, plan.unchanged, plan.removed
    );
    for p in &plan.problems {
        println!(
            "  row {}{}: {}",
            p.row,
            p.column
                .as_ref()
                .map(|c| format!(" ({c})"))
                .unwrap_or_default(),
            p.reason
        );
    }
    if dry_run {
        println!("Dry run: nothing was written.");
        return Ok(());
    }
    let now = OffsetDateTime::now_utc();
    let pb = spinner("Writing the import");
    let import_id = registry::commit_import(&store, plan, &console_actor(), "console", now).await?;
    pb.set_message("Resolving the registry");
    let (summary, _) =
        registry::resolve_registry(&store, &vault, &console_actor(), "console", now).await?;
    pb.finish_and_clear();
    println!(
        "Imported ({import_id}). The registry: {} rows → {} people, {} households, {} pairs to review.",
        summary.rows, summary.persons, summary.households, summary.review
    );
    Ok(())
}
