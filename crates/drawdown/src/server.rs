//! Opening a deployment and serving it: shared by `serve` and `demo`.

use anyhow::{Context, bail};
use drawdown_storage::Store;
use drawdown_vault::{Unlock, Vault, VaultHeader};
use drawdown_web::{AppState, VaultSlot, WebConfig};
use std::net::SocketAddr;
use std::path::Path;
use zeroize::Zeroizing;

/// Reads a key file; its contents are a secret and are zeroized when dropped.
pub fn read_key_file(path: &Path) -> anyhow::Result<Zeroizing<Vec<u8>>> {
    std::fs::read(path)
        .map(Zeroizing::new)
        .with_context(|| format!("cannot read the key file {}", path.display()))
}

/// The vault as the database holds it, unlocked with the key file when one is given.
pub async fn vault_slot(store: &Store, key_file: Option<&Path>) -> anyhow::Result<VaultSlot> {
    if store.deployment_state().await?.is_wiped() {
        return Ok(VaultSlot::Wiped);
    }
    let Some(bytes) = store.vault_header().await? else {
        return Ok(VaultSlot::Missing);
    };
    let header =
        VaultHeader::from_bytes(&bytes).context("the vault header in the database is damaged")?;
    match key_file {
        None => Ok(VaultSlot::Locked(header)),
        Some(path) => {
            let key = read_key_file(path)?;
            let vault = Vault::open(&header, Unlock::KeyFile(&key))
                .with_context(|| format!("cannot unlock the vault with {}", path.display()))?;
            Ok(VaultSlot::Unlocked(std::sync::Arc::new(vault)))
        }
    }
}

/// Opens an existing, current database.
pub async fn open(db: &str) -> anyhow::Result<Store> {
    let store = Store::connect(db, false).await?;
    store.ensure_current().await?;
    Ok(store)
}

pub async fn bind(addr: SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => Ok(l),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => bail!(
            "the address {addr} is already in use (another drawdown, or another program): stop it or choose another with --addr"
        ),
        Err(e) => Err(e).with_context(|| format!("cannot listen on {addr}")),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

/// `drawdown serve`.
pub async fn serve(
    db: &str,
    addr: SocketAddr,
    key_file: Option<&Path>,
    data_dir: &Path,
    demo: bool,
) -> anyhow::Result<()> {
    let store = open(db).await?;
    if store.count_users().await? == 0 {
        bail!("this database has no users: run `drawdown init` on it first");
    }
    let slot = vault_slot(&store, key_file).await?;
    run(store, slot, None, addr, data_dir, demo, |_| {}).await
}

/// Binds, then serves; `ready` is called with the bound address before the first request.
pub async fn run(
    store: Store,
    slot: VaultSlot,
    matcher: Option<drawdown_web::services::registry::Matcher>,
    addr: SocketAddr,
    data_dir: &Path,
    demo: bool,
    ready: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    let listener = bind(addr).await?;
    let bound = listener.local_addr()?;
    let vault = slot.label();
    let state = AppState::new(
        store.clone(),
        slot,
        WebConfig {
            data_dir: data_dir.to_path_buf(),
            demo,
        },
    );
    match matcher {
        Some(m) => state.set_matcher(m),
        // Restored from the stored registry in the background when the vault is open.
        None => state.refresh_matcher(),
    }
    tracing::info!(address = %format!("http://{bound}"), vault, "drawdown is listening");
    ready(bound);
    drawdown_web::serve(listener, state, shutdown_signal()).await?;
    store.close().await;
    Ok(())
}
