//! The command line for accountability: `drawdown checkpoints …`, `drawdown bench scans` and
//! `drawdown bench passes`.

use crate::console::{console_actor, initialise, write_key_file};
use crate::demo::DEMO_PASSWORD;
use anyhow::{Context, bail};
use clap::Subcommand;
use drawdown_domain::scenario;
use drawdown_passes::{Check, Keyring, PassClaims, PassSigner, SubjectKind};
use drawdown_storage::Store;
use drawdown_vault::Unlock;
use drawdown_web::{AppState, VaultSlot, WebConfig};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

#[derive(Subcommand)]
pub enum Command {
    /// The checkpoints people pass through, in order: list, add, edit (rename, required,
    /// move), retire, restore. Each change is checked whole and audited; a running server
    /// sees it within 5 seconds.
    Checkpoints {
        #[command(subcommand)]
        command: CheckpointsCommand,
    },
}

#[derive(Subcommand)]
pub enum CheckpointsCommand {
    /// Print the checkpoints in order as CSV (position, code, name, required, retired_at).
    List {
        /// The database: sqlite://PATH or postgres://USER:PASS@HOST:PORT/DB.
        #[arg(long, env = "DRAWDOWN_DB")]
        db: String,
    },
    /// Add a checkpoint.
    ///
    /// Example: drawdown checkpoints add --db sqlite://post.db --code bus --name "Bus to the
    ///          airport" --after gate
    Add {
        #[arg(long, env = "DRAWDOWN_DB")]
        db: String,
        /// 1-32 lowercase letters, digits, - or _; it never changes (scans name it).
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// People cannot skip it (the next checkpoint says so).
        #[arg(long)]
        required: bool,
        /// The checkpoint it comes after (default: at the end).
        #[arg(long)]
        after: Option<String>,
    },
    /// Rename a checkpoint, say whether it is required, or move it to a position.
    Edit {
        #[arg(long, env = "DRAWDOWN_DB")]
        db: String,
        /// The checkpoint's code.
        code: String,
        #[arg(long)]
        name: Option<String>,
        /// true or false.
        #[arg(long)]
        required: Option<bool>,
        /// 1-based, among every checkpoint (retired ones keep their place).
        #[arg(long)]
        position: Option<usize>,
    },
    /// Take a checkpoint out of the flow (scans no longer go there; it keeps its place).
    Retire {
        #[arg(long, env = "DRAWDOWN_DB")]
        db: String,
        code: String,
    },
    /// Put a retired checkpoint back in the flow.
    Restore {
        #[arg(long, env = "DRAWDOWN_DB")]
        db: String,
        code: String,
    },
}

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Scans through the HTTP API, each durable before it is acknowledged: sustained
    /// throughput (one scan per request, and batches as queued devices send them), then
    /// latency at a fixed rate; the load generator runs in this process, on loopback.
    /// Prints pass signing and verifying times too.
    ///
    /// Re-run on a quiet machine: `drawdown bench scans` (SQLite in a temp dir) and
    /// `drawdown bench scans --db postgres://USER@HOST/EMPTY_DB`; use a release build.
    Scans {
        /// A database to run on (default: a new SQLite file in a temp dir). A PostgreSQL
        /// database must be empty: the benchmark initialises it.
        #[arg(long)]
        db: Option<String>,
        /// Seconds of each throughput run.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Concurrent connections of the load generator.
        #[arg(long, default_value_t = 64)]
        connections: usize,
        /// Scans per request in the batched run.
        #[arg(long, default_value_t = 50)]
        batch: usize,
        /// Requests a second (one scan each) in the latency run.
        #[arg(long, default_value_t = 1000)]
        rate: u64,
    },
    /// Signing and verifying a boarding pass: microseconds each.
    Passes {
        #[arg(long, default_value_t = 20_000)]
        rounds: usize,
    },
}

pub async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Checkpoints { command } => checkpoints(command).await,
    }
}

async fn checkpoints(command: CheckpointsCommand) -> anyhow::Result<()> {
    use drawdown_web::services::accountability::{self as svc, CheckpointChange};
    let now = OffsetDateTime::now_utc();
    let (db, changes) = match command {
        CheckpointsCommand::List { db } => {
            let store = crate::server::open(&db).await?;
            let list = svc::checkpoint_list(&store)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let rows = list.iter().map(|c| {
                [
                    c.position.to_string(),
                    c.code.clone(),
                    c.name.clone(),
                    if c.required { "yes" } else { "no" }.to_string(),
                    c.retired_at.clone().unwrap_or_default(),
                ]
            });
            print!(
                "{}",
                drawdown_web::export::csv(
                    &["position", "code", "name", "required", "retired_at"],
                    rows
                )
            );
            return Ok(());
        }
        CheckpointsCommand::Add {
            db,
            code,
            name,
            required,
            after,
        } => (
            db,
            vec![CheckpointChange::Add {
                code,
                name,
                required,
                after,
            }],
        ),
        CheckpointsCommand::Edit {
            db,
            code,
            name,
            required,
            position,
        } => {
            let mut changes = Vec::new();
            if name.is_some() || required.is_some() {
                changes.push(CheckpointChange::Edit {
                    code: code.clone(),
                    name,
                    required,
                });
            }
            if let Some(position) = position {
                changes.push(CheckpointChange::Move { code, position });
            }
            if changes.is_empty() {
                bail!("nothing to change: give --name, --required or --position");
            }
            (db, changes)
        }
        CheckpointsCommand::Retire { db, code } => (db, vec![CheckpointChange::Retire { code }]),
        CheckpointsCommand::Restore { db, code } => (db, vec![CheckpointChange::Restore { code }]),
    };
    let store = crate::server::open(&db).await?;
    let mut list = Vec::new();
    for change in &changes {
        list = svc::change_checkpoints(&store, &console_actor(), "console", change, now)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let flow: Vec<&str> = list
        .iter()
        .filter(|c| !c.retired)
        .map(|c| c.code.as_str())
        .collect();
    println!("Checkpoints now: {}", flow.join(" > "));
    Ok(())
}

pub async fn bench(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Passes { rounds } => {
            sign_verify(rounds);
            Ok(())
        }
        BenchCommand::Scans {
            db,
            seconds,
            connections,
            batch,
            rate,
        } => scans(db, seconds, connections, batch, rate).await,
    }
}

fn claims(i: u64) -> PassClaims {
    PassClaims {
        key_id: 1,
        pass_id: i,
        kind: SubjectKind::Household,
        subject: format!("hh-{i:08}"),
        initials: "A.K.".into(),
        birth_year: Some(1984),
        household_size: 5,
        lap_infants: 1,
        departure: "RCH871".into(),
        valid_from: OffsetDateTime::now_utc().unix_timestamp() - 3600,
        valid_until: OffsetDateTime::now_utc().unix_timestamp() + 48 * 3600,
    }
}

/// Median microseconds of signing and of verifying a pass.
fn sign_verify(rounds: usize) -> (f64, f64) {
    let signer = PassSigner::from_seed(1, &[9u8; 32]);
    let mut keys = Keyring::new();
    let _ = keys.add(1, &signer.public_key());
    let mut sign = Vec::with_capacity(rounds);
    let mut verify = Vec::with_capacity(rounds);
    let check = Check {
        now: OffsetDateTime::now_utc().unix_timestamp(),
        leeway: 300,
        revoked: &|_| false,
    };
    let mut ok = 0usize;
    for i in 0..rounds as u64 {
        let c = claims(i);
        let t = Instant::now();
        let token = signer.sign(&c).unwrap_or_default();
        sign.push(t.elapsed().as_secs_f64() * 1e6);
        let t = Instant::now();
        ok += usize::from(drawdown_passes::verify(&token, &keys, &check).is_ok());
        verify.push(t.elapsed().as_secs_f64() * 1e6);
    }
    let (s, v) = (median(&mut sign), median(&mut verify));
    println!(
        "passes: sign {s:.1} µs, verify {v:.1} µs (medians of {rounds}; {ok} verified); token {} bytes, {} characters in the QR",
        signer.sign_bytes(&claims(0)).map(|b| b.len()).unwrap_or(0),
        signer.sign(&claims(0)).map(|t| t.len()).unwrap_or(0)
    );
    (s, v)
}

fn median(v: &mut [f64]) -> f64 {
    percentile(v, 0.5)
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[(((v.len() - 1) as f64) * p).round() as usize]
}

async fn scans(
    db: Option<String>,
    seconds: u64,
    connections: usize,
    batch: usize,
    rate: u64,
) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("drawdown-bench-scans-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = measure(&dir, db, seconds, connections, batch.clamp(1, 2000), rate).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn measure(
    dir: &std::path::Path,
    db: Option<String>,
    seconds: u64,
    connections: usize,
    batch: usize,
    rate: u64,
) -> anyhow::Result<()> {
    let url = db.unwrap_or_else(|| format!("sqlite://{}", dir.join("bench.db").display()));
    let store = Store::connect(&url, true).await?;
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
    .await
    .context("initialising the benchmark's database (a PostgreSQL one must be empty)")?;
    let backend = format!("{:?}", store.backend());
    // A checkpoint device token, as an administrator issues it.
    let token = drawdown_web::auth::random_token();
    store
        .create_api_token(
            "bench-device",
            "bench scanner",
            &drawdown_web::auth::token_hash(&token),
            drawdown_domain::Role::Checkpoint,
            "admin",
            &drawdown_domain::audit::AuditEvent::new(
                "admin",
                "token.create",
                "token:bench",
                "bench",
                "bench",
            ),
            now,
        )
        .await?;
    let state = AppState::new(
        store.clone(),
        VaultSlot::Unlocked(Arc::new(vault)),
        WebConfig {
            data_dir: dir.to_path_buf(),
            demo: false,
        },
    );
    // The post's signing key (made and sealed by the server), and 2,000 household passes.
    let signer = drawdown_web::services::accountability::signer(&state, "bench", "bench")
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let passes: Arc<Vec<String>> = Arc::new(
        (0..2000u64)
            .map(|i| {
                let mut c = claims(i + 1);
                c.key_id = signer.key_id();
                signer.sign(&c).unwrap_or_default()
            })
            .collect(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(drawdown_web::serve(listener, state, async {
        let _ = stop_rx.await;
    }));

    println!(
        "drawdown bench scans on {backend}: server and load generator in this process, loopback {addr}; {} cores",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    let (s_us, v_us) = sign_verify(5000);
    let _ = (s_us, v_us);
    let ids = Arc::new(AtomicU64::new(0));
    for (label, per_request) in [("one scan per request", 1usize), ("batched", batch)] {
        let r = throughput(
            addr,
            &token,
            &passes,
            &ids,
            connections,
            per_request,
            seconds,
        )
        .await?;
        println!(
            "  throughput, {label:<21} ({per_request:>4} a request, {connections} connections, {seconds} s): {:>7.0} scans/s acknowledged after commit; request p50 {:.1} ms, p99 {:.1} ms; {} errors",
            r.scans as f64 / r.elapsed,
            r.p50,
            r.p99,
            r.errors
        );
    }
    let r = fixed_rate(addr, &token, &passes, &ids, rate, seconds).await?;
    println!(
        "  latency at {rate} scans/s (one a request, open loop, {seconds} s): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; {} sent, {} late starts, {} errors",
        r.p50, r.p99, r.max, r.sent, r.late, r.errors
    );
    let stored = store.scan_count().await?;
    println!("  scans stored: {stored} (every acknowledged one is committed)");
    let _ = stop_tx.send(());
    let _ = server.await;
    store.close().await;
    Ok(())
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

async fn connect(addr: std::net::SocketAddr) -> anyhow::Result<Sender> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    Ok(sender)
}

/// Sends a body of scans; Ok(scans recorded) only on 200 with every scan recorded.
async fn post(sender: &mut Sender, token: &str, body: String) -> anyhow::Result<usize> {
    sender.ready().await?;
    let req = hyper::Request::post("/api/v1/scans")
        .header("host", "127.0.0.1")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {token}"))
        .body(Full::new(Bytes::from(body)))?;
    let res = sender.send_request(req).await?;
    let status = res.status();
    let bytes = res.into_body().collect().await?.to_bytes();
    if status != hyper::StatusCode::OK {
        bail!("HTTP {status}: {}", String::from_utf8_lossy(&bytes));
    }
    let v: serde_json::Value = serde_json::from_slice(&bytes)?;
    Ok(v["recorded"].as_u64().unwrap_or(0) as usize)
}

fn body(passes: &[String], ids: &AtomicU64, n: usize) -> String {
    let checkpoints = [
        "gate",
        "screening",
        "registration",
        "manifesting",
        "boarding",
    ];
    let items: Vec<serde_json::Value> = (0..n)
        .map(|_| {
            let i = ids.fetch_add(1, Ordering::Relaxed);
            serde_json::json!({
                "id": format!("bench-{i}"),
                "token": passes[(i as usize) % passes.len()],
                "checkpoint": checkpoints[(i as usize / passes.len()) % checkpoints.len()],
            })
        })
        .collect();
    if n == 1 {
        items[0].to_string()
    } else {
        serde_json::json!({ "scans": items }).to_string()
    }
}

struct Throughput {
    scans: usize,
    elapsed: f64,
    p50: f64,
    p99: f64,
    errors: usize,
}

async fn throughput(
    addr: std::net::SocketAddr,
    token: &str,
    passes: &Arc<Vec<String>>,
    ids: &Arc<AtomicU64>,
    connections: usize,
    per_request: usize,
    seconds: u64,
) -> anyhow::Result<Throughput> {
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (passes, ids, stop, token) = (
            Arc::clone(passes),
            Arc::clone(ids),
            Arc::clone(&stop),
            token.to_string(),
        );
        let mut sender = connect(addr).await?;
        tasks.push(tokio::spawn(async move {
            let (mut scans, mut errors, mut lat) = (0usize, 0usize, Vec::new());
            while !stop.load(Ordering::Relaxed) {
                let b = body(&passes, &ids, per_request);
                let t = Instant::now();
                match post(&mut sender, &token, b).await {
                    Ok(n) => scans += n,
                    Err(_) => errors += 1,
                }
                lat.push(t.elapsed().as_secs_f64() * 1e3);
            }
            (scans, errors, lat)
        }));
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let (mut scans, mut errors, mut lat) = (0, 0, Vec::new());
    for t in tasks {
        let (s, e, l) = t.await?;
        scans += s;
        errors += e;
        lat.extend(l);
    }
    let elapsed = started.elapsed().as_secs_f64();
    Ok(Throughput {
        scans,
        elapsed,
        p50: percentile(&mut lat, 0.5),
        p99: percentile(&mut lat, 0.99),
        errors,
    })
}

struct Latency {
    p50: f64,
    p99: f64,
    max: f64,
    sent: usize,
    late: usize,
    errors: usize,
}

/// Open loop: a request is due every 1/rate s whatever the answers; latency counts from when
/// it was due (so a stalled server cannot hide its queue).
async fn fixed_rate(
    addr: std::net::SocketAddr,
    token: &str,
    passes: &Arc<Vec<String>>,
    ids: &Arc<AtomicU64>,
    rate: u64,
    seconds: u64,
) -> anyhow::Result<Latency> {
    let total = (rate * seconds) as usize;
    let pool = 128usize;
    let (tx, rx) = async_channel(pool * 4);
    let mut workers = Vec::new();
    for _ in 0..pool {
        let mut sender = connect(addr).await?;
        let (rx, passes, ids, token) = (
            rx.clone(),
            Arc::clone(passes),
            Arc::clone(ids),
            token.to_string(),
        );
        workers.push(tokio::spawn(async move {
            let (mut lat, mut errors) = (Vec::new(), 0usize);
            while let Ok(due) = rx.recv().await {
                let b = body(&passes, &ids, 1);
                if post(&mut sender, &token, b).await.is_err() {
                    errors += 1;
                }
                lat.push(due.elapsed().as_secs_f64() * 1e3);
            }
            (lat, errors)
        }));
    }
    drop(rx);
    let start = tokio::time::Instant::now();
    let period = Duration::from_secs_f64(1.0 / rate as f64);
    let mut late = 0usize;
    for i in 0..total {
        let due = start + period * i as u32;
        tokio::time::sleep_until(due).await;
        if tx.try_send(due.into_std()).is_err() {
            late += 1;
            let _ = tx.send(due.into_std()).await;
        }
    }
    drop(tx);
    let (mut lat, mut errors) = (Vec::new(), 0);
    for w in workers {
        let (l, e) = w.await?;
        lat.extend(l);
        errors += e;
    }
    let sent = lat.len();
    Ok(Latency {
        p50: percentile(&mut lat, 0.5),
        p99: percentile(&mut lat, 0.99),
        max: percentile(&mut lat, 1.0),
        sent,
        late,
        errors,
    })
}

/// A multi-consumer channel from tokio's pieces: a bounded mpsc behind a shared lock.
fn async_channel(cap: usize) -> (Tx, Rx) {
    let (tx, rx) = tokio::sync::mpsc::channel(cap);
    (Tx(tx), Rx(Arc::new(tokio::sync::Mutex::new(rx))))
}

struct Tx(tokio::sync::mpsc::Sender<Instant>);
impl Tx {
    fn try_send(&self, v: Instant) -> Result<(), ()> {
        self.0.try_send(v).map_err(|_| ())
    }
    async fn send(&self, v: Instant) -> Result<(), ()> {
        self.0.send(v).await.map_err(|_| ())
    }
}

#[derive(Clone)]
struct Rx(Arc<tokio::sync::Mutex<tokio::sync::mpsc::Receiver<Instant>>>);
impl Rx {
    async fn recv(&self) -> Result<Instant, ()> {
        self.0.lock().await.recv().await.ok_or(())
    }
}
