//! `drawdown bench startup [--runs N]`: how fast the binary starts and how little memory it
//! needs, measured on this machine with the binary itself.
//!
//! It prepares a SQLite database in a temporary directory with `drawdown init`, then starts
//! `drawdown serve` `runs` times and measures the wall time from spawn to the first
//! `GET /healthz` answered 200 (a cold start: new process, schema check, key loading, bind).
//! One more server is started to read its resident memory (`VmRSS`) idle and after 200
//! requests to `/login`. Only std: the measurement must not depend on what it measures.

use std::fmt::Write as _;
use std::fs;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};

/// How long a server may take to answer its first `/healthz` before the run counts as failed.
const READY_TIMEOUT: Duration = Duration::from_secs(10);
/// Delay between two `/healthz` attempts while a server starts.
const POLL_INTERVAL: Duration = Duration::from_millis(1);
/// Idle time before the idle RSS is read.
const IDLE_BEFORE_RSS: Duration = Duration::from_secs(2);
/// Requests to `/login` before the "light use" RSS is read.
const LIGHT_USE_REQUESTS: usize = 200;
/// Password given to `drawdown init` for the benchmark's administrator.
const ADMIN_PASSWORD: &str = "bench-password";

/// Run the startup benchmark: `runs` cold starts, then one memory measurement.
pub fn startup(runs: usize) -> Result<()> {
    if runs == 0 {
        bail!("--runs must be at least 1");
    }
    let exe = std::env::current_exe().context("cannot find the path of the running binary")?;
    let binary_bytes = fs::metadata(&exe)
        .with_context(|| format!("cannot read the size of {}", exe.display()))?
        .len();
    let tmp = TempDir::new()?;
    let db = format!("sqlite://{}", tmp.path().join("bench.db").display());
    let key_file = tmp.path().join("bench.key");

    eprintln!("preparing a database in {}", tmp.path().display());
    init_database(&exe, &db, &key_file)?;

    eprintln!("measuring {runs} cold start(s)");
    let mut starts = Vec::with_capacity(runs);
    for run in 1..=runs {
        let mut server = Server::spawn(&exe, &db, &key_file)?;
        let elapsed = server
            .wait_ready()
            .with_context(|| format!("cold start {run} of {runs}"))?;
        server.stop();
        starts.push(elapsed);
    }

    eprintln!("measuring memory: idle, then after {LIGHT_USE_REQUESTS} requests to /login");
    let mut server = Server::spawn(&exe, &db, &key_file)?;
    server.wait_ready().context("memory measurement")?;
    sleep(IDLE_BEFORE_RSS);
    let rss_idle = server.rss_bytes()?;
    let started = Instant::now();
    for i in 1..=LIGHT_USE_REQUESTS {
        let status = http_get_status(server.addr, "/login", Duration::from_secs(5))
            .with_context(|| format!("request {i} of {LIGHT_USE_REQUESTS} to /login"))?;
        if status != 200 {
            bail!("GET /login answered {status} (request {i} of {LIGHT_USE_REQUESTS})");
        }
    }
    let light_use_time = started.elapsed();
    let rss_used = server.rss_bytes()?;
    server.stop();

    print!(
        "{}",
        report(&Report {
            runs,
            starts: &starts,
            binary_bytes,
            rss_idle,
            rss_used,
            light_use_time,
        })
    );
    Ok(())
}

/// `drawdown init`: schema, vault key file, first administrator.
fn init_database(exe: &Path, db: &str, key_file: &Path) -> Result<()> {
    let output = Command::new(exe)
        .arg("init")
        .arg("--db")
        .arg(db)
        .arg("--key-file")
        .arg(key_file)
        .arg("--admin")
        .arg("admin")
        .env("DRAWDOWN_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {} init", exe.display()))?;
    if !output.status.success() {
        bail!(
            "`drawdown init` failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

/// A `drawdown serve` child process, killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
    spawned: Instant,
}

impl Server {
    fn spawn(exe: &Path, db: &str, key_file: &Path) -> Result<Self> {
        let addr = free_local_addr()?;
        let spawned = Instant::now();
        let child = Command::new(exe)
            .arg("serve")
            .arg("--db")
            .arg(db)
            .arg("--key-file")
            .arg(key_file)
            .arg("--addr")
            .arg(addr.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start {} serve", exe.display()))?;
        Ok(Self {
            child,
            addr,
            spawned,
        })
    }

    /// Poll `/healthz` until it answers 200; the time since spawn.
    fn wait_ready(&mut self) -> Result<Duration> {
        loop {
            if let Ok(200) = http_get_status(self.addr, "/healthz", Duration::from_secs(2)) {
                return Ok(self.spawned.elapsed());
            }
            if let Some(status) = self
                .child
                .try_wait()
                .context("cannot check the server process")?
            {
                bail!(
                    "`drawdown serve --addr {}` exited ({}) before GET /healthz answered 200",
                    self.addr,
                    describe(status)
                );
            }
            if self.spawned.elapsed() >= READY_TIMEOUT {
                let status = self.stop();
                bail!(
                    "`drawdown serve --addr {}` did not answer GET /healthz with 200 within {} s \
                     (it was still running and has been killed: {})",
                    self.addr,
                    READY_TIMEOUT.as_secs(),
                    status.map_or_else(|| "no exit status".to_owned(), describe)
                );
            }
            sleep(POLL_INTERVAL);
        }
    }

    /// Resident memory of the server process, from /proc/<pid>/status.
    fn rss_bytes(&self) -> Result<u64> {
        let path = format!("/proc/{}/status", self.child.id());
        let status = fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))?;
        let kib = status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
            .with_context(|| format!("no VmRSS line in {path}"))?;
        Ok(kib * 1024)
    }

    /// Kill the process and reap it; its exit status if it could be collected.
    fn stop(&mut self) -> Option<ExitStatus> {
        if let Ok(Some(status)) = self.child.try_wait() {
            return Some(status);
        }
        let _ = self.child.kill();
        self.child.wait().ok()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn describe(status: ExitStatus) -> String {
    status.to_string()
}

/// A port on 127.0.0.1 that was free a moment ago.
fn free_local_addr() -> Result<SocketAddr> {
    let listener =
        TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("cannot find a free port")?;
    listener.local_addr().context("cannot find a free port")
}

/// One HTTP/1.1 GET on a fresh connection; the status code of the answer.
fn http_get_status(addr: SocketAddr, path: &str, timeout: Duration) -> std::io::Result<u16> {
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    stream.set_nodelay(true)?;
    // One write: the request leaves in one segment, as a browser's would.
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes())?;
    // Read the whole answer (the server closes the connection), so that each request costs
    // the server what a browser's would.
    let mut response = Vec::with_capacity(4096);
    stream.read_to_end(&mut response)?;
    let head = String::from_utf8_lossy(&response[..response.len().min(64)]).into_owned();
    let mut parts = head.split_ascii_whitespace();
    match (
        parts.next(),
        parts.next().and_then(|code| code.parse::<u16>().ok()),
    ) {
        (Some(version), Some(code)) if version.starts_with("HTTP/1.") => Ok(code),
        _ => Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not an HTTP/1.x answer: {head:?}"),
        )),
    }
}

struct Report<'a> {
    runs: usize,
    starts: &'a [Duration],
    binary_bytes: u64,
    rss_idle: u64,
    rss_used: u64,
    light_use_time: Duration,
}

fn report(r: &Report<'_>) -> String {
    let mut sorted = r.starts.to_vec();
    sorted.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
    let median = median(&sorted);
    let min = sorted.first().copied().unwrap_or_default();
    let max = sorted.last().copied().unwrap_or_default();
    let profile = if cfg!(debug_assertions) {
        "debug build"
    } else {
        "release build"
    };

    let mut out = String::new();
    let _ = writeln!(out);
    let _ = writeln!(out, "drawdown bench startup ({profile}, {} runs)", r.runs);
    let _ = writeln!(out, "  {:<34} {}", "machine", machine());
    let _ = writeln!(
        out,
        "  {:<34} {:>8.1} ms",
        "cold start to /healthz, median",
        ms(median)
    );
    let _ = writeln!(
        out,
        "  {:<34} {:>8.1} ms",
        "cold start to /healthz, min",
        ms(min)
    );
    let _ = writeln!(
        out,
        "  {:<34} {:>8.1} ms",
        "cold start to /healthz, max",
        ms(max)
    );
    let _ = writeln!(
        out,
        "  {:<34} {:>8.1} MiB",
        "binary size",
        mib(r.binary_bytes)
    );
    let _ = writeln!(out, "  {:<34} {:>8.1} MiB", "RSS idle", mib(r.rss_idle));
    let _ = writeln!(
        out,
        "  {:<34} {:>8.1} MiB   ({LIGHT_USE_REQUESTS} requests in {:.0} ms)",
        format!("RSS after {LIGHT_USE_REQUESTS} × GET /login"),
        mib(r.rss_used),
        ms(r.light_use_time)
    );
    out
}

/// Median of a sorted, non-empty slice (mean of the middle two for an even length).
fn median(sorted: &[Duration]) -> Duration {
    match sorted.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2,
    }
}

/// "2 CPUs, Intel(R) Xeon(R) ..." from the available parallelism and /proc/cpuinfo.
fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    let model = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, name)| name.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    format!("{cpus} CPU{}, {model}", if cpus == 1 { "" } else { "s" })
}

/// A temporary directory removed (with everything in it) when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<Self> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path =
            std::env::temp_dir().join(format!("drawdown-bench-{}-{nanos}", std::process::id()));
        fs::create_dir(&path).with_context(|| format!("cannot create {}", path.display()))?;
        Ok(Self(path))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_lengths() {
        let ms = Duration::from_millis;
        assert_eq!(median(&[ms(1), ms(2), ms(9)]), ms(2));
        assert_eq!(median(&[ms(1), ms(3), ms(5), ms(9)]), ms(4));
        assert_eq!(median(&[]), Duration::ZERO);
    }

    #[test]
    fn machine_names_the_cpu_count() {
        assert!(machine().contains("CPU"));
    }
}
