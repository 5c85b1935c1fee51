//! Bad input at the command line: each refused with a clear message, and nothing changed.

use crate::harness::*;
use std::path::{Path, PathBuf};

/// Checkpoints the write-ahead log into the database file (a clean open and close), so that
/// the file alone holds the state and any later write shows.
async fn settle(db: &Path) {
    sqlite_exec(db, "SELECT 1").await;
    let wal = std::fs::metadata(format!("{}-wal", db.display()))
        .map(|m| m.len())
        .unwrap_or(0);
    assert_eq!(
        wal,
        0,
        "the write-ahead log of {} was not checkpointed",
        db.display()
    );
}

/// The database file and its write-ahead log: length and a checksum of each (None: absent or
/// empty, as SQLite leaves it after a read-only visit).
fn snapshot(db: &Path) -> [Option<(usize, u64)>; 2] {
    let sum = |p: PathBuf| {
        std::fs::read(p)
            .ok()
            .map(|b| {
                // FNV-1a: enough to tell whether a byte changed.
                let h = b.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, x| {
                    (h ^ u64::from(*x)).wrapping_mul(0x100_0000_01b3)
                });
                (b.len(), h)
            })
            .filter(|(len, _)| *len > 0)
    };
    [
        sum(db.to_path_buf()),
        sum(PathBuf::from(format!("{}-wal", db.display()))),
    ]
}

/// A fresh initialised SQLite deployment (key file vault) in `dir`.
fn initialised(dir: &TempDir, name: &str) -> (PathBuf, PathBuf) {
    let db = dir.join(&format!("{name}.db"));
    let key = dir.join(&format!("{name}.key"));
    let r = init_with_key_file(&sqlite_url(&db), &key, "admin");
    r.assert_ok();
    assert!(r.stdout.contains("Initialised"), "{}", r.stdout);
    (db, key)
}

fn addr() -> String {
    format!("127.0.0.1:{}", free_port())
}

#[track_caller]
fn assert_refused(r: &Run, needle: &str, what: &str) {
    assert!(
        !r.ok(),
        "{what}: succeeded but should have failed:\n{}",
        r.all()
    );
    assert!(
        r.stderr.contains(needle),
        "{what}: stderr does not say {needle:?}:\n{}",
        r.all()
    );
}

#[test]
fn serve_refuses_a_file_that_is_not_a_database() {
    let dir = TempDir::new("notdb");
    let f = dir.join("hello.db");
    write_file(&f, b"hello");
    for args in [
        vec![
            "serve",
            "--addr",
            &addr(),
            "--data-dir",
            &dir.path.to_string_lossy(),
        ],
        vec!["migrate"],
        vec!["audit", "verify"],
    ] {
        let mut args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        args.extend(["--db".to_string(), sqlite_url(&f)]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = drawdown(&args, &[]);
        assert_refused(&r, "not a SQLite database", &args.join(" "));
        assert_eq!(
            std::fs::read(&f).unwrap(),
            b"hello",
            "{}: the file changed",
            args[0]
        );
    }
    // A longer file that is not SQLite either.
    let g = dir.join("notes.txt");
    write_file(
        &g,
        "not a database, just some text that is long enough"
            .repeat(100)
            .as_bytes(),
    );
    let before = std::fs::read(&g).unwrap();
    let r = drawdown(&["serve", "--db", &sqlite_url(&g), "--addr", &addr()], &[]);
    assert_refused(&r, "not a SQLite database", "serve on a text file");
    assert_eq!(std::fs::read(&g).unwrap(), before);
    let r = drawdown(
        &[
            "init",
            "--db",
            &sqlite_url(&g),
            "--key-file",
            &dir.join("k").to_string_lossy(),
        ],
        &[("DRAWDOWN_ADMIN_PASSWORD", ADMIN_PASSWORD)],
    );
    assert_refused(&r, "not a SQLite database", "init on a text file");
    assert_eq!(std::fs::read(&g).unwrap(), before);
}

#[test]
fn serve_on_a_missing_database_points_to_init() {
    let dir = TempDir::new("missing");
    let db = dir.join("nothing-here.db");
    let r = drawdown(
        &[
            "serve",
            "--db",
            &sqlite_url(&db),
            "--addr",
            &addr(),
            "--data-dir",
            &dir.path.to_string_lossy(),
        ],
        &[],
    );
    assert_refused(&r, "drawdown init", "serve on a missing file");
    assert!(!db.exists(), "serve created the database it could not find");
    let r = drawdown(&["migrate", "--db", &sqlite_url(&db)], &[]);
    assert_refused(&r, "drawdown init", "migrate on a missing file");
    assert!(!db.exists());
    let r = drawdown(
        &["serve", "--db", "mysql://localhost/x", "--addr", &addr()],
        &[],
    );
    assert_refused(&r, "sqlite://", "serve on an unknown kind of URL");
}

#[tokio::test]
async fn a_database_from_a_newer_version_is_refused() {
    let dir = TempDir::new("newer");
    let (db, key) = initialised(&dir, "post");
    sqlite_exec(
        &db,
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (99999999999999, 'from the future', TRUE, X'00', 0)",
    )
    .await;
    settle(&db).await;
    let before = snapshot(&db);
    let r = drawdown(
        &[
            "serve",
            "--db",
            &sqlite_url(&db),
            "--key-file",
            &key.to_string_lossy(),
            "--addr",
            &addr(),
            "--data-dir",
            &dir.path.to_string_lossy(),
        ],
        &[],
    );
    assert_refused(&r, "newer", "serve on a newer database");
    assert_eq!(snapshot(&db), before, "serve changed a newer database");
    let r = drawdown(&["migrate", "--db", &sqlite_url(&db)], &[]);
    assert_refused(&r, "newer", "migrate on a newer database");
    assert_eq!(snapshot(&db), before, "migrate changed a newer database");
    let r = drawdown(&["audit", "verify", "--db", &sqlite_url(&db)], &[]);
    assert_refused(&r, "newer", "audit verify on a newer database");
    assert_eq!(snapshot(&db), before);
}

#[tokio::test]
async fn migrate_says_current_and_init_refuses_twice() {
    let dir = TempDir::new("init2");
    let (db, key) = initialised(&dir, "post");
    let r = drawdown(&["migrate", "--db", &sqlite_url(&db)], &[]);
    r.assert_ok();
    assert!(r.stdout.contains("current"), "{}", r.stdout);
    settle(&db).await;
    let before = snapshot(&db);
    let key_before = std::fs::read(&key).unwrap();
    let r = init_with_key_file(&sqlite_url(&db), &key, "admin");
    assert_refused(&r, "already initialised", "init with the same key file");
    let r = drawdown(
        &["init", "--db", &sqlite_url(&db), "--admin", "other"],
        &[
            ("DRAWDOWN_ADMIN_PASSWORD", ADMIN_PASSWORD),
            ("DRAWDOWN_PASSPHRASE", "a passphrase for a second vault"),
        ],
    );
    assert_refused(&r, "already initialised", "init with a passphrase");
    assert_eq!(snapshot(&db), before, "a refused init changed the database");
    assert_eq!(std::fs::read(&key).unwrap(), key_before);
    // A too short administrator password is refused before anything is created.
    let fresh = dir.join("fresh.db");
    let r = drawdown(
        &[
            "init",
            "--db",
            &sqlite_url(&fresh),
            "--key-file",
            &dir.join("fresh.key").to_string_lossy(),
        ],
        &[("DRAWDOWN_ADMIN_PASSWORD", "short")],
    );
    assert_refused(&r, "at least 12", "init with a short admin password");
}

#[tokio::test]
async fn serve_with_the_wrong_key_file_is_refused() {
    let dir = TempDir::new("wrongkey");
    let (db, _key) = initialised(&dir, "post");
    let (_other_db, other_key) = initialised(&dir, "other");
    settle(&db).await;
    let before = snapshot(&db);
    let r = drawdown(
        &[
            "serve",
            "--db",
            &sqlite_url(&db),
            "--key-file",
            &other_key.to_string_lossy(),
            "--addr",
            &addr(),
            "--data-dir",
            &dir.path.to_string_lossy(),
        ],
        &[],
    );
    assert_refused(
        &r,
        "wrong passphrase or key file",
        "serve with another deployment's key file",
    );
    assert_eq!(snapshot(&db), before);
    let junk = dir.join("junk.key");
    write_file(&junk, b"this is not a key\n");
    let r = drawdown(
        &[
            "serve",
            "--db",
            &sqlite_url(&db),
            "--key-file",
            &junk.to_string_lossy(),
            "--addr",
            &addr(),
        ],
        &[],
    );
    assert_refused(
        &r,
        "not a valid Drawdown key file",
        "serve with a junk key file",
    );
    let r = drawdown(
        &[
            "serve",
            "--db",
            &sqlite_url(&db),
            "--key-file",
            &dir.join("absent.key").to_string_lossy(),
            "--addr",
            &addr(),
        ],
        &[],
    );
    assert_refused(
        &r,
        "cannot read the key file",
        "serve with a missing key file",
    );
    assert_eq!(snapshot(&db), before);
}

#[test]
fn a_port_in_use_is_named() {
    let dir = TempDir::new("port");
    let (db, key) = initialised(&dir, "post");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let r = drawdown(
        &[
            "serve",
            "--db",
            &sqlite_url(&db),
            "--key-file",
            &key.to_string_lossy(),
            "--addr",
            &addr,
            "--data-dir",
            &dir.path.to_string_lossy(),
        ],
        &[],
    );
    assert_refused(&r, "already in use", "serve on a busy port");
    assert!(
        r.stderr.contains(&addr),
        "the message names the address: {}",
        r.stderr
    );
    let r = drawdown(
        &[
            "demo",
            "--scale",
            "small",
            "--addr",
            &addr,
            "--data-dir",
            &dir.join("demo").to_string_lossy(),
        ],
        &[],
    );
    assert_refused(&r, "already in use", "demo on a busy port");
    drop(taken);
}

#[test]
fn an_unreachable_postgres_is_named() {
    let started = std::time::Instant::now();
    let r = drawdown(
        &[
            "serve",
            "--db",
            "postgres://postgres@127.0.0.1:1/x",
            "--addr",
            &addr(),
        ],
        &[],
    );
    assert_refused(&r, "cannot reach", "serve on an unreachable PostgreSQL");
    assert!(
        r.stderr.contains("127.0.0.1:1"),
        "the message names the server: {}",
        r.stderr
    );
    let r = drawdown(
        &[
            "migrate",
            "--db",
            "postgres://postgres:hunter2secret@127.0.0.1:1/x",
        ],
        &[],
    );
    assert_refused(&r, "cannot reach", "migrate on an unreachable PostgreSQL");
    assert!(
        !r.all().contains("hunter2secret"),
        "the message shows the password: {}",
        r.all()
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn user_add_refuses_bad_input() {
    let dir = TempDir::new("useradd");
    let (db, _) = initialised(&dir, "post");
    let env = [("DRAWDOWN_USER_PASSWORD", "a long enough password")];
    let r = drawdown(
        &[
            "user",
            "add",
            "--db",
            &sqlite_url(&db),
            "--username",
            "clerk",
            "--roles",
            "registrar,king",
        ],
        &env,
    );
    assert_refused(&r, "unknown role", "user add with an unknown role");
    let r = drawdown(
        &[
            "user",
            "add",
            "--db",
            &sqlite_url(&db),
            "--username",
            "clerk",
            "--roles",
            "registrar",
        ],
        &[("DRAWDOWN_USER_PASSWORD", "short")],
    );
    assert_refused(&r, "at least 12", "user add with a short password");
    drawdown(
        &[
            "user",
            "add",
            "--db",
            &sqlite_url(&db),
            "--username",
            "clerk",
            "--roles",
            "registrar",
        ],
        &env,
    )
    .assert_ok();
    let r = drawdown(
        &[
            "user",
            "add",
            "--db",
            &sqlite_url(&db),
            "--username",
            "clerk",
            "--roles",
            "viewer",
        ],
        &env,
    );
    assert!(!r.ok(), "a second user with the same name: {}", r.all());
}

#[test]

fn user_add_refuses_a_username_the_web_refuses() {
    let dir = TempDir::new("username");
    let (db, _) = initialised(&dir, "post");
    let env = [("DRAWDOWN_USER_PASSWORD", "a long enough password")];
    let r = drawdown(
        &[
            "user",
            "add",
            "--db",
            &sqlite_url(&db),
            "--username",
            "=HYPERLINK(\"x\") bad name",
            "--roles",
            "registrar",
        ],
        &env,
    );
    assert_refused(
        &r,
        "username",
        "user add with a username the web UI refuses",
    );
}
