//! `drawdown bench registrations`: the public self-registration form under a surge, through
//! HTTP as a phone sends it. The server runs in this process on loopback with its protections
//! as configured (form token, minimum fill time, honeypot, per-address limit, body limit); the
//! load generator does what a person's browser does: it fetches the form (its single-use
//! token), waits the minimum fill time, and posts the filled form from its own address. The
//! addresses are spread over 127.0.0.0/8, each sending no more than the per-address limit, as
//! many phones do; a last check shows that one address sending more is refused (429).
//! A submission counts as accepted only when the server answered 200 with a reference, which it
//! does after the batch holding it is committed.

use crate::console::{initialise, write_key_file};
use crate::demo::DEMO_PASSWORD;
use anyhow::{Context, bail};
use drawdown_domain::scenario;
use drawdown_storage::Store;
use drawdown_vault::Unlock;
use drawdown_web::{AppState, VaultSlot, WebConfig};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

#[derive(clap::Args)]
pub struct Args {
    /// A database to run on (default: a new SQLite file in a temp dir). A PostgreSQL
    /// database must be empty: the benchmark initialises it.
    #[arg(long)]
    db: Option<String>,
    /// Submissions to send.
    #[arg(long, default_value_t = 20_000)]
    submissions: usize,
    /// Concurrent connections of the load generator (phones submitting at the same moment).
    #[arg(long, default_value_t = 128)]
    connections: usize,
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

/// A connection from `from` (a loopback address of its own) to the server.
async fn connect(from: IpAddr, to: SocketAddr) -> anyhow::Result<Sender> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket
        .bind(SocketAddr::new(from, 0))
        .with_context(|| format!("binding a client socket to {from}"))?;
    let stream = socket.connect(to).await?;
    stream.set_nodelay(true)?;
    let (sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    Ok(sender)
}

/// The i-th phone's address: 127.1.0.1, 127.1.0.2, … (never 127.0.0.1, the fetcher's).
fn address(i: usize) -> IpAddr {
    let i = i as u32;
    IpAddr::V4(Ipv4Addr::new(
        127,
        1 + (i / 62_500) as u8,
        ((i / 250) % 250) as u8,
        1 + (i % 250) as u8,
    ))
}

async fn request(
    sender: &mut Sender,
    req: hyper::Request<Full<Bytes>>,
) -> anyhow::Result<(hyper::StatusCode, Bytes)> {
    sender.ready().await?;
    let res = sender.send_request(req).await?;
    let status = res.status();
    Ok((status, res.into_body().collect().await?.to_bytes()))
}

/// The form's token, from the page as a browser gets it.
fn token_of(html: &str) -> Option<String> {
    let at = html.find(r#"name="_token" value=""#)? + r#"name="_token" value=""#.len();
    let end = html[at..].find('"')? + at;
    Some(html[at..end].to_string())
}

/// What the i-th person types: themselves and zero to three companions.
fn answers(i: usize, token: &str) -> String {
    const GIVEN: [&str; 8] = [
        "Mohammad",
        "Zarghona",
        "Farid",
        "Maryam",
        "Habibullah",
        "Laila",
        "Najib",
        "Shabnam",
    ];
    const FAMILY: [&str; 6] = ["Ahmadzai", "Popalzai", "Hotak", "Sadat", "Karimi", "Noori"];
    const PROVINCES: [&str; 5] = ["Kabul", "Balkh", "Herat", "Kandahar", "Nangarhar"];
    const STATUS: [&str; 4] = [
        "citizen",
        "siv_applicant",
        "permanent_resident",
        "other_at_risk",
    ];
    let lang = ["fa", "ps", "en"][i % 3];
    let family = FAMILY[i % FAMILY.len()];
    let birth = format!("{}-{:02}-{:02}", 1960 + i % 40, 1 + i % 12, 1 + i % 28);
    let document = format!("P{:07}", i % 10_000_000);
    let phone = format!("07{:08}", i % 100_000_000);
    let mut f: Vec<(String, String)> = vec![
        ("_token".into(), token.into()),
        ("lang".into(), lang.into()),
        ("rows".into(), "4".into()),
        ("website".into(), String::new()),
        ("given_name".into(), GIVEN[i % GIVEN.len()].into()),
        ("family_name".into(), family.into()),
        ("birth_date".into(), birth),
        ("document_number".into(), document),
        ("phone".into(), phone),
        ("email".into(), String::new()),
        ("province".into(), PROVINCES[i % PROVINCES.len()].into()),
        ("status".into(), STATUS[i % STATUS.len()].into()),
    ];
    for m in 1..=(i % 4) {
        f.push((format!("m{m}_given"), GIVEN[(i + m) % GIVEN.len()].into()));
        f.push((format!("m{m}_family"), family.into()));
        f.push((format!("m{m}_birth"), format!("{}", 1990 + (i + m) % 30)));
        f.push((format!("m{m}_relationship"), "son".into()));
    }
    serde_urlencoded::to_string(&f).unwrap_or_default()
}

fn post(body: String) -> anyhow::Result<hyper::Request<Full<Bytes>>> {
    Ok(hyper::Request::post("/register")
        .header("host", "127.0.0.1")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Full::new(Bytes::from(body)))?)
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[(((v.len() - 1) as f64) * p).round() as usize]
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!(
        "drawdown-bench-registrations-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir)?;
    let result = measure(&dir, args).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn measure(dir: &std::path::Path, args: Args) -> anyhow::Result<()> {
    let url = args
        .db
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", dir.join("bench.db").display()));
    let store = Store::connect(&url, true).await?;
    let key = write_key_file(&dir.join("bench.key"))?;
    let s = scenario::generate();
    let vault = initialise(
        &store,
        Unlock::KeyFile(key.as_bytes()),
        "admin",
        DEMO_PASSWORD,
        &s.organisation,
        &s.sites,
        OffsetDateTime::now_utc(),
    )
    .await
    .context("initialising the benchmark's database (a PostgreSQL one must be empty)")?;
    let state = AppState::new(
        store.clone(),
        VaultSlot::Unlocked(Arc::new(vault)),
        WebConfig {
            data_dir: dir.to_path_buf(),
            demo: false,
        },
    );
    let limit = state.outreach.register.per_address_per_minute;
    let min_fill = state.outreach.register.min_fill_seconds;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let server_addr = listener.local_addr()?;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(drawdown_web::serve(listener, state, async {
        let _ = stop_rx.await;
    }));
    println!(
        "drawdown bench registrations on {:?}: server and load generator in this process, loopback {server_addr}; {} cores",
        store.backend(),
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    println!(
        "  protections as served: form token (single use), {min_fill} s minimum fill time, honeypot, {} per address a minute, 32 KiB body limit",
        if limit == 0 {
            "no limit".to_string()
        } else {
            limit.to_string()
        }
    );
    // Each phone sends what one address may; a limit of 0 (none) still spreads the load.
    let per_address = if limit == 0 { 30 } else { limit as usize };
    let total = args.submissions.max(1);
    let extra = per_address + 1;

    // 1. Every person opens the form: one GET each, its token kept.
    let started = Instant::now();
    let tokens = fetch_tokens(server_addr, total + extra, args.connections.min(32)).await?;
    let fetch_secs = started.elapsed().as_secs_f64();
    println!(
        "  forms fetched: {} in {fetch_secs:.1} s ({:.0}/s)",
        tokens.len(),
        tokens.len() as f64 / fetch_secs
    );
    // 2. People take their time: nothing is sent before the minimum fill time.
    let wait = Duration::from_secs(min_fill.max(0) as u64 + 1).saturating_sub(started.elapsed());
    tokio::time::sleep(wait).await;

    // 3. The surge: `connections` phones at once, each from its own address.
    let tokens = Arc::new(tokens);
    let next = Arc::new(AtomicUsize::new(0));
    let next_address = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..args.connections.max(1) {
        let (tokens, next, next_address) = (
            Arc::clone(&tokens),
            Arc::clone(&next),
            Arc::clone(&next_address),
        );
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let (mut accepted, mut limited, mut errors, mut phones) =
                (0usize, 0usize, 0usize, 0usize);
            let mut first_error = None;
            'phones: loop {
                if next.load(Ordering::Relaxed) >= total {
                    break;
                }
                let from = address(next_address.fetch_add(1, Ordering::Relaxed));
                phones += 1;
                let Ok(mut sender) = connect(from, server_addr).await else {
                    errors += 1;
                    continue;
                };
                for _ in 0..per_address {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        break 'phones;
                    }
                    let t = Instant::now();
                    let r = match post(answers(i, &tokens[i])) {
                        Ok(req) => request(&mut sender, req).await,
                        Err(e) => Err(e),
                    };
                    lat.push(t.elapsed().as_secs_f64() * 1e3);
                    match r {
                        Ok((st, body)) if st == hyper::StatusCode::OK => {
                            if String::from_utf8_lossy(&body).contains(r#"id="reference""#) {
                                accepted += 1;
                            } else {
                                errors += 1;
                            }
                        }
                        Ok((st, _)) if st == hyper::StatusCode::TOO_MANY_REQUESTS => limited += 1,
                        Ok((st, _)) => {
                            errors += 1;
                            first_error.get_or_insert(format!("HTTP {st}"));
                        }
                        Err(e) => {
                            errors += 1;
                            first_error.get_or_insert(e.to_string());
                            continue 'phones;
                        }
                    }
                }
            }
            (lat, accepted, limited, errors, first_error, phones)
        }));
    }
    let (mut lat, mut accepted, mut limited, mut errors, mut phones) = (Vec::new(), 0, 0, 0, 0);
    let mut first_error = None;
    for t in tasks {
        let (l, a, r, e, f, p) = t.await?;
        phones += p;
        lat.extend(l);
        accepted += a;
        limited += r;
        errors += e;
        if first_error.is_none() {
            first_error = f;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let last = next_address.load(Ordering::Relaxed);
    println!(
        "  submissions: {accepted} accepted of {total} in {secs:.2} s = {:.0} accepted/s (durable before each answer); \
         request p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; from {phones} addresses ({} to {}), at most {per_address} each; {limited} refused by the limit, {errors} errors{}",
        accepted as f64 / secs,
        percentile(&mut lat, 0.5),
        percentile(&mut lat, 0.99),
        percentile(&mut lat, 1.0),
        address(0),
        address(last.saturating_sub(1)),
        first_error
            .map(|e| format!(" (first: {e})"))
            .unwrap_or_default()
    );

    // 4. The limit is on: one more address sends one more than it may.
    if limit > 0 {
        let from = address(last + 1);
        let mut sender = connect(from, server_addr).await?;
        let mut statuses = Vec::new();
        for k in 0..extra {
            let i = total + k;
            let (st, _) = request(&mut sender, post(answers(i, &tokens[i]))?).await?;
            statuses.push(st.as_u16());
        }
        let ok = statuses[..per_address].iter().all(|s| *s == 200);
        let refused = statuses.last() == Some(&429);
        println!(
            "  per-address limit: {per_address} accepted from {from}, the next refused with {} ({})",
            statuses.last().copied().unwrap_or(0),
            if ok && refused {
                "on"
            } else {
                "NOT AS EXPECTED"
            }
        );
        if !(ok && refused) {
            bail!("the per-address limit did not behave: {statuses:?}");
        }
        accepted += per_address;
    }
    let stored = store.count_registrations().await?;
    println!(
        "  registrations stored: {stored} ({})",
        if stored as usize == accepted {
            "every accepted one, and no other"
        } else {
            "MISMATCH with the accepted count"
        }
    );
    let _ = stop_tx.send(());
    let _ = server.await;
    store.close().await;
    if stored as usize != accepted {
        bail!("{stored} registrations stored, {accepted} accepted");
    }
    Ok(())
}

/// GET /register `n` times over a few connections; the tokens in order.
async fn fetch_tokens(
    server: SocketAddr,
    n: usize,
    connections: usize,
) -> anyhow::Result<Vec<String>> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for c in 0..connections.max(1) {
        let next = Arc::clone(&next);
        // Forms are fetched from addresses of their own (GETs are not limited).
        let mut sender = connect(IpAddr::V4(Ipv4Addr::new(127, 0, 1, 1 + c as u8)), server).await?;
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let req = hyper::Request::get("/register?lang=fa")
                    .header("host", "127.0.0.1")
                    .body(Full::new(Bytes::new()))?;
                let (st, body) = request(&mut sender, req).await?;
                let html = String::from_utf8_lossy(&body);
                let token = token_of(&html)
                    .with_context(|| format!("GET /register answered {st} without a form token"))?;
                got.push((i, token));
            }
            anyhow::Ok(got)
        }));
    }
    let mut all = Vec::with_capacity(n);
    for t in tasks {
        all.extend(t.await??);
    }
    all.sort_by_key(|(i, _)| *i);
    Ok(all.into_iter().map(|(_, t)| t).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_distinct_loopback_addresses() {
        let mut seen = std::collections::HashSet::new();
        for i in 0..200_000 {
            let a = address(i);
            assert!(a.is_loopback(), "{a}");
            assert_ne!(a, IpAddr::V4(Ipv4Addr::LOCALHOST));
            assert!(seen.insert(a), "{a} twice");
        }
    }

    #[test]
    fn answers_are_a_valid_form() {
        for i in 0..8 {
            let body = answers(i, "t");
            let f: Vec<(String, String)> = serde_urlencoded::from_str(&body).unwrap();
            let get = |k: &str| {
                f.iter()
                    .find(|(n, _)| n == k)
                    .map(|(_, v)| v.as_str())
                    .unwrap_or("")
            };
            drawdown_outreach::registration::parse(get, drawdown_outreach::Language::Fa)
                .unwrap_or_else(|p| panic!("answers({i}): {p:?}"));
        }
    }
}
