//! Console commands: init, migrate, audit verify, wipe, user add.

use crate::server;
use anyhow::{Context, bail};
use drawdown_domain::RoleSet;
use drawdown_domain::audit::AuditEvent;
use drawdown_domain::scenario::Organisation;
use drawdown_storage::{NewUser, Store};
use drawdown_vault::{Unlock, Vault, VaultHeader};
use std::io::{IsTerminal, Write};
use std::path::Path;
use time::OffsetDateTime;
use zeroize::Zeroizing;

/// Who acts, in the audit log, when a command is run at the console.
pub fn console_actor() -> String {
    format!(
        "console:{}",
        std::env::var("USER").unwrap_or_else(|_| "operator".into())
    )
}

/// A secret from the environment, or asked at the terminal (twice when `confirm`).
pub(crate) fn secret(env: &str, prompt: &str, confirm: bool) -> anyhow::Result<Zeroizing<String>> {
    if let Ok(v) = std::env::var(env) {
        return Ok(Zeroizing::new(v));
    }
    if !std::io::stdin().is_terminal() {
        bail!("{prompt}: set {env} or run at a terminal");
    }
    let first = Zeroizing::new(rpassword::prompt_password(format!("{prompt}: "))?);
    if confirm {
        let again = Zeroizing::new(rpassword::prompt_password(format!("{prompt} (again): "))?);
        if *first != *again {
            bail!("the two entries differ");
        }
    }
    Ok(first)
}

/// Writes a new key file readable by its owner only.
pub fn write_key_file(path: &Path) -> anyhow::Result<Zeroizing<String>> {
    let key = drawdown_vault::generate_key_file();
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts
        .open(path)
        .with_context(|| format!("cannot create the key file {}", path.display()))?;
    f.write_all(key.as_bytes())?;
    f.sync_all()?;
    Ok(key)
}

/// Creates the schema, the vault, the organisation and the first administrator. Returns the
/// opened vault.
pub async fn initialise(
    store: &Store,
    unlock: Unlock<'_>,
    admin: &str,
    admin_password: &str,
    organisation: &Organisation,
    sites: &[drawdown_domain::scenario::Site],
    now: OffsetDateTime,
) -> anyhow::Result<Vault> {
    store.migrate().await?;
    if store.vault_header().await?.is_some() {
        bail!("this database is already initialised (it has a vault)");
    }
    let actor = console_actor();
    let (vault, header) = Vault::create(unlock)?;
    let ev = AuditEvent::new(
        &actor,
        "vault.create",
        "vault",
        format!("key_id={}", vault.key_id()),
        "console",
    );
    store.create_vault(&header.to_bytes(), &ev, now).await?;
    let ev = AuditEvent::new(
        &actor,
        "organisation.set",
        "organisation",
        format!("sites={}", sites.len()),
        "console",
    );
    store
        .set_organisation(organisation, sites, &ev, now)
        .await?;
    add_user_record(
        store,
        admin,
        admin_password,
        RoleSet::of(&[drawdown_domain::Role::Administrator]),
        now,
    )
    .await?;
    Ok(vault)
}

pub async fn add_user_record(
    store: &Store,
    username: &str,
    password: &str,
    roles: RoleSet,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    drawdown_web::auth::check_username(username)?;
    drawdown_web::auth::check_new_password(password, username)?;
    let hash = drawdown_web::auth::hash_password(password)?;
    let id = uuid::Uuid::now_v7().to_string();
    let ev = AuditEvent::new(
        console_actor(),
        "user.create",
        format!("user:{id}"),
        format!("username={username} roles={roles}"),
        "console",
    );
    store
        .create_user(
            &NewUser {
                id: &id,
                username,
                password_hash: &hash,
                roles,
            },
            &ev,
            now,
        )
        .await?;
    Ok(())
}

pub async fn init(
    db: &str,
    key_file: Option<&Path>,
    admin: &str,
    organisation: &str,
    country: &str,
) -> anyhow::Result<()> {
    let store = Store::connect(db, true).await?;
    let admin_password = secret(
        "DRAWDOWN_ADMIN_PASSWORD",
        &format!("Password for {admin}"),
        true,
    )?;
    let org = Organisation {
        name: organisation.into(),
        country: country.into(),
    };
    let now = OffsetDateTime::now_utc();
    let vault = match key_file {
        Some(path) => {
            let key = if path.exists() {
                Zeroizing::new(
                    String::from_utf8(server::read_key_file(path)?.to_vec())
                        .context("the key file is not text")?,
                )
            } else {
                let k = write_key_file(path)?;
                println!(
                    "Made the key file {} (keep it secret; whoever holds it and the database can read the registry).",
                    path.display()
                );
                k
            };
            initialise(
                &store,
                Unlock::KeyFile(key.as_bytes()),
                admin,
                &admin_password,
                &org,
                &[],
                now,
            )
            .await?
        }
        None => {
            let pass = secret("DRAWDOWN_PASSPHRASE", "Vault passphrase", true)?;
            initialise(
                &store,
                Unlock::Passphrase(&pass),
                admin,
                &admin_password,
                &org,
                &[],
                now,
            )
            .await?
        }
    };
    println!(
        "Initialised: schema current, vault {} created, administrator '{admin}' added.",
        vault.key_id()
    );
    Ok(())
}

pub async fn migrate(db: &str) -> anyhow::Result<()> {
    let store = Store::connect(db, false).await?;
    let applied = store.migrate().await?;
    let status = store.schema_status().await?;
    if applied.is_empty() {
        println!("The schema is current (version {}).", status.known);
    } else {
        println!(
            "Applied migrations {applied:?}; the schema is at version {}.",
            status.known
        );
    }
    Ok(())
}

pub async fn audit_verify(db: &str) -> anyhow::Result<()> {
    let store = server::open(db).await?;
    let report = store.verify_audit().await?;
    if report.is_intact() {
        println!(
            "The audit log is intact: {} entries checked, the chain reaches entry {}.",
            report.checked, report.last_seq
        );
        return Ok(());
    }
    println!(
        "The audit log is NOT intact ({} entries checked):",
        report.checked
    );
    for p in &report.problems {
        println!("  - {p}");
    }
    bail!("{} problem(s) in the audit log", report.problems.len())
}

pub async fn wipe(
    db: &str,
    handoff_to: Option<&str>,
    handoff_out: Option<&Path>,
    key_file: Option<&Path>,
    yes: bool,
) -> anyhow::Result<()> {
    let store = server::open(db).await?;
    if store.deployment_state().await?.is_wiped() {
        println!("This deployment is already wiped.");
        return Ok(());
    }
    if let Some(r) = handoff_to {
        drawdown_web::services::protection::check_recipient(r)?;
    }
    if !yes {
        if !std::io::stdin().is_terminal() {
            bail!("refusing to wipe without confirmation: run at a terminal, or pass --yes");
        }
        print!(
            "This destroys the vault's keys: every personal record becomes unrecoverable. Type WIPE to go on: "
        );
        std::io::stdout().flush()?;
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        if line.trim() != "WIPE" {
            bail!("not confirmed; nothing changed");
        }
    }
    let now = OffsetDateTime::now_utc();
    let actor = console_actor();
    if let (Some(recipient), Some(out)) = (handoff_to, handoff_out) {
        let header = VaultHeader::from_bytes(
            &store
                .vault_header()
                .await?
                .context("this database has no vault")?,
        )?;
        let vault = match key_file {
            Some(path) => Vault::open(&header, Unlock::KeyFile(&server::read_key_file(path)?))?,
            None => {
                let pass = secret(
                    "DRAWDOWN_PASSPHRASE",
                    "Vault passphrase (for the hand-off)",
                    false,
                )?;
                Vault::open(&header, Unlock::Passphrase(&pass))?
            }
        };
        let (file, n) = drawdown_web::services::protection::Handoff::load(&store)
            .await?
            .seal_to(&vault, recipient, now)?;
        std::fs::write(out, &file)
            .with_context(|| format!("cannot write the hand-off to {}", out.display()))?;
        let ev = AuditEvent::new(
            &actor,
            "vault.handoff",
            format!("file:{}", out.display()),
            format!("people={n}"),
            "console",
        );
        store.audit(&ev, now).await?;
        println!(
            "Hand-off: {n} people encrypted to headquarters' key in {}.",
            out.display()
        );
    }
    let started = std::time::Instant::now();
    let outcome =
        drawdown_web::services::protection::wipe(&store, None, &actor, "console", now).await?;
    if let Some(path) = key_file {
        // The key file is useless without the destroyed header; remove it anyway.
        if let Ok(meta) = std::fs::metadata(path) {
            let _ = std::fs::write(path, vec![0u8; meta.len() as usize]);
            let _ = std::fs::remove_file(path);
        }
    }
    println!(
        "Wiped in {:.0} ms: the vault's keys are destroyed; personal data is unrecoverable.{}",
        started.elapsed().as_secs_f64() * 1000.0,
        if outcome.compacted {
            ""
        } else {
            " (The database log could not be compacted now; it will be at the next checkpoint.)"
        }
    );
    Ok(())
}

pub async fn add_user(db: &str, username: &str, roles: &str) -> anyhow::Result<()> {
    let store = server::open(db).await?;
    let roles = RoleSet::parse(roles)?;
    if roles.is_empty() {
        bail!("give at least one role");
    }
    let password = secret(
        "DRAWDOWN_USER_PASSWORD",
        &format!("Password for {username}"),
        true,
    )?;
    add_user_record(
        &store,
        username,
        &password,
        roles,
        OffsetDateTime::now_utc(),
    )
    .await?;
    println!("Added {username} ({roles}).");
    Ok(())
}
