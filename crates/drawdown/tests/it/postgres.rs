//! PostgreSQL: the same server on a fresh database, and a schema that matches SQLite's.
//! Runs when DRAWDOWN_TEST_PG names a server (e.g. postgres://postgres@127.0.0.1:55432/x);
//! each test creates its own database there and drops it afterwards.

use crate::harness::*;
use serde_json::json;
use sqlx::Connection;
use std::collections::BTreeSet;

#[tokio::test]
async fn postgres_deployment_end_to_end() {
    let Some(db) = PgDb::create("drawdown_it").await else {
        return;
    };
    let dir = TempDir::new("pg");
    let key = dir.join("pg.key");
    let r = init_with_key_file(&db.url, &key, "admin");
    r.assert_ok();
    let r = drawdown(&["migrate", "--db", &db.url], &[]);
    r.assert_ok();
    assert!(r.stdout.contains("current"), "{}", r.stdout);
    let r = init_with_key_file(&db.url, &key, "admin");
    assert!(
        !r.ok() && r.stderr.contains("already initialised"),
        "{}",
        r.all()
    );

    let mut s = Server::serve(&dir.path, &db.url, Some(&key)).await;
    let admin = s.login_with("admin", ADMIN_PASSWORD).await;
    let r = s
        .post_json("/api/v1/users", Auth::Session(&admin), &json!({"username": "pgclerk", "password": "pg clerk password", "roles": ["registrar"]}), true)
        .await;
    r.expect(201, "create a user on PostgreSQL");
    let r = s
        .post_json(
            "/api/v1/users",
            Auth::Session(&admin),
            &json!({"username": "pgclerk", "password": "pg clerk password", "roles": ["viewer"]}),
            true,
        )
        .await;
    r.expect(409, "the same username twice");
    let clerk = s.login_with("pgclerk", "pg clerk password").await;
    let id = s
        .add_person(
            &clerk,
            "Parwana",
            "Pgtestovna",
            &[("phone", "+93 799 000 000")],
        )
        .await;
    let r = s
        .submit(
            "/people",
            &clerk,
            &[
                ("category", "siv_applicant"),
                ("given_name", "Formina"),
                ("family_name", "Postgresson"),
            ],
        )
        .await;
    r.expect(303, "add a person through the form");
    let found = s
        .get(
            "/api/v1/people?q=Parwana%20Pgtestovna",
            Auth::Session(&clerk),
        )
        .await;
    found.expect(200, "search on PostgreSQL");
    let found = found.json();
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(found["people"][0]["id"], id.as_str());
    let all = s.get("/api/v1/people", Auth::Session(&clerk)).await.json();
    assert_eq!(all["total"], 2);
    let page = s.get("/people", Auth::Session(&clerk)).await;
    page.expect(200, "/people on PostgreSQL");
    assert!(page.text().contains("Postgresson"));
    let reads = s
        .get("/api/v1/audit?action=people.read", Auth::Session(&admin))
        .await
        .json();
    assert_eq!(reads["entries"].as_array().unwrap().len(), 3, "{reads}");
    s.stop();

    // A list imported and the registry resolved on PostgreSQL: bulk writes, index rebuilds.
    let list = dir.join("list.csv");
    std::fs::write(
        &list,
        "record id,given name,surname,phone\nx-1,Parwana,Pgtestova,0799 000 000\nx-2,Jawid,Kabulwal,0788 111 222\n",
    )
    .unwrap();
    let r = drawdown(
        &[
            "import",
            "--db",
            &db.url,
            "--key-file",
            &key.to_string_lossy(),
            "--source",
            "PG list",
            &list.to_string_lossy(),
        ],
        &[],
    );
    r.assert_ok();
    assert!(r.stdout.contains("2 added"), "{}", r.stdout);
    assert!(
        r.stdout.contains("rows → 3 people"),
        "Parwana's two spellings are one person: {}",
        r.stdout
    );
    let r = drawdown(
        &[
            "import",
            "--db",
            &db.url,
            "--key-file",
            &key.to_string_lossy(),
            "--source",
            "PG list",
            &list.to_string_lossy(),
        ],
        &[],
    );
    assert!(
        r.stdout.contains("0 added, 0 changed, 2 unchanged"),
        "{}",
        r.stdout
    );

    let r = drawdown(&["audit", "verify", "--db", &db.url], &[]);
    r.assert_ok();
    assert!(r.stdout.contains("intact"), "{}", r.stdout);

    // The wipe on PostgreSQL: the vault row is gone, the deployment says wiped.
    let r = drawdown(&["wipe", "--db", &db.url, "--yes"], &[]);
    r.assert_ok();
    let mut c = sqlx::PgConnection::connect(&db.url).await.expect("connect");
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM vault")
        .fetch_one(&mut c)
        .await
        .unwrap();
    assert_eq!(n, 0);
    let state: String = sqlx::query_scalar("SELECT state FROM deployment WHERE id = 1")
        .fetch_one(&mut c)
        .await
        .unwrap();
    assert_eq!(state, "wiped");
    let _ = c.close().await;
    drawdown(&["audit", "verify", "--db", &db.url], &[]).assert_ok();
}

#[tokio::test]
async fn sqlite_and_postgres_schemas_match() {
    let Some(pg) = PgDb::create("drawdown_it").await else {
        return;
    };
    let r = drawdown(&["migrate", "--db", &pg.url], &[]);
    r.assert_ok();
    let dir = TempDir::new("schema");
    let lite = dir.join("schema.db");
    init_with_key_file(&sqlite_url(&lite), &dir.join("schema.key"), "admin").assert_ok();

    let mut c = sqlite(&lite).await;
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
    )
    .fetch_all(&mut c)
    .await
    .expect("sqlite columns");
    c.close().await.unwrap();
    let lite_cols: BTreeSet<(String, String)> = rows
        .into_iter()
        .map(|(t, c)| (t.to_lowercase(), c.to_lowercase()))
        .collect();

    let mut c = sqlx::PgConnection::connect(&pg.url).await.expect("connect");
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns WHERE table_schema = current_schema()",
    )
    .fetch_all(&mut c)
    .await
    .expect("postgres columns");
    let _ = c.close().await;
    let pg_cols: BTreeSet<(String, String)> = rows
        .into_iter()
        .map(|(t, c)| (t.to_lowercase(), c.to_lowercase()))
        .collect();

    assert!(lite_cols.len() > 30, "too few columns: {lite_cols:?}");
    let only_lite: Vec<_> = lite_cols.difference(&pg_cols).collect();
    let only_pg: Vec<_> = pg_cols.difference(&lite_cols).collect();
    assert!(
        only_lite.is_empty() && only_pg.is_empty(),
        "schemas differ:\nonly in SQLite: {only_lite:?}\nonly in PostgreSQL: {only_pg:?}"
    );
    let tables =
        |s: &BTreeSet<(String, String)>| s.iter().map(|(t, _)| t.clone()).collect::<BTreeSet<_>>();
    assert_eq!(tables(&lite_cols), tables(&pg_cols));
}
