//! The audit log: reads of lists and exports are recorded; `drawdown audit verify` finds an
//! edit, a deletion and a reordering, and says where; the CSV export cannot carry a formula.

use crate::harness::*;
use serde_json::Value;
use std::path::Path;

fn verify(db: &Path) -> Run {
    drawdown(&["audit", "verify", "--db", &sqlite_url(db)], &[])
}

async fn entries(s: &Server, admin: &Session, action: &str) -> Vec<Value> {
    let r = s
        .get(
            &format!("/api/v1/audit?action={action}"),
            Auth::Session(admin),
        )
        .await;
    r.expect(200, "GET /api/v1/audit");
    r.json()["entries"].as_array().expect("entries").clone()
}

#[tokio::test]
async fn audit_records_reads_and_verify_finds_tampering() {
    let dir = TempDir::new("audit");
    let mut s = Server::demo_small_in(&dir.path).await;
    let admin = s.login("admin").await;
    let reg = s.login("registrar").await;

    // A read of the registry adds an entry, with who and from where (never the search text).
    assert!(entries(&s, &admin, "people.read").await.is_empty());
    s.get("/people", Auth::Session(&reg))
        .await
        .expect(200, "registrar reads /people");
    let reads = entries(&s, &admin, "people.read").await;
    assert_eq!(reads.len(), 1, "one people.read entry: {reads:?}");
    assert_eq!(reads[0]["actor"], "registrar");
    assert_eq!(reads[0]["source"], "127.0.0.1");
    s.get("/api/v1/people?q=Secret%20Searchname", Auth::Session(&reg))
        .await
        .expect(200, "API people search");
    let reads = entries(&s, &admin, "people.read").await;
    assert_eq!(reads.len(), 2);
    assert!(
        !reads[0].to_string().contains("Searchname"),
        "the audit log holds the search text: {}",
        reads[0]
    );

    // The CSV export adds an entry.
    assert!(entries(&s, &admin, "audit.export").await.is_empty());
    let csv = s
        .get("/admin/audit/export.csv", Auth::Session(&admin))
        .await;
    csv.expect(200, "CSV export");
    assert!(
        csv.content_type().starts_with("text/csv"),
        "{}",
        csv.content_type()
    );
    assert!(
        csv.text()
            .starts_with("seq,at,actor,action,target,detail,source,hash\n")
    );
    let exports = entries(&s, &admin, "audit.export").await;
    assert_eq!(exports.len(), 1);
    assert_eq!(exports[0]["actor"], "admin");

    // Filters, and the web view with verification.
    let page = s
        .get(
            "/admin/audit?actor=registrar&verify=1",
            Auth::Session(&admin),
        )
        .await;
    page.expect(200, "audit page");
    assert!(page.text().contains("people.read"));
    let v = s
        .get("/api/v1/audit/verify", Auth::Session(&admin))
        .await
        .json();
    assert_eq!(v["intact"], true, "{v}");

    // Users added and changed are recorded too.
    let r = s
        .submit(
            "/admin/users",
            &admin,
            &[
                ("username", "auditee"),
                ("password", "a long enough password"),
                ("roles", "viewer"),
            ],
        )
        .await;
    r.expect(303, "add a user");
    let created = entries(&s, &admin, "user.create").await;
    assert!(created.iter().any(|e| {
        e["actor"] == "admin"
            && e["detail"]
                .as_str()
                .unwrap_or("")
                .contains("username=auditee")
    }));

    s.stop();
    let db = s.db_path();
    let ok = verify(&db);
    ok.assert_ok();
    assert!(ok.stdout.contains("intact"), "{}", ok.stdout);

    let count: i64 = {
        use sqlx::Connection;
        let mut c = sqlite(&db).await;
        let n = sqlx::query_scalar("SELECT count(*) FROM audit_log")
            .fetch_one(&mut c)
            .await
            .unwrap();
        c.close().await.unwrap();
        n
    };
    assert!(count >= 10, "too few entries to tamper with: {count}");

    // (a) An entry's detail edited.
    let altered = dir.join("altered.db");
    copy_sqlite(&db, &altered);
    sqlite_exec(
        &altered,
        "UPDATE audit_log SET detail = 'nothing happened' WHERE seq = 5",
    )
    .await;
    let r = verify(&altered);
    assert_eq!(r.code, Some(1), "verify after an edit: {}", r.all());
    assert!(
        r.all().contains("entry 5 was altered"),
        "verify names the edited entry: {}",
        r.all()
    );
    assert!(r.all().contains("NOT intact"), "{}", r.all());

    // (b) A middle entry deleted.
    let removed = dir.join("removed.db");
    copy_sqlite(&db, &removed);
    sqlite_exec(&removed, "DELETE FROM audit_log WHERE seq = 6").await;
    let r = verify(&removed);
    assert_eq!(r.code, Some(1), "verify after a deletion: {}", r.all());
    assert!(
        r.all().contains("entry 6 was removed"),
        "verify names the removed entry: {}",
        r.all()
    );

    // (c) Two entries swapped.
    let reordered = dir.join("reordered.db");
    copy_sqlite(&db, &reordered);
    sqlite_exec(
        &reordered,
        "UPDATE audit_log SET seq = -7 WHERE seq = 7; UPDATE audit_log SET seq = 7 WHERE seq = 8; UPDATE audit_log SET seq = 8 WHERE seq = -7;",
    )
    .await;
    let r = verify(&reordered);
    assert_eq!(r.code, Some(1), "verify after a swap: {}", r.all());
    assert!(
        r.all().contains("entry 7 does not follow"),
        "verify says where: {}",
        r.all()
    );
    assert!(
        r.all().contains("reordered"),
        "verify says reordered: {}",
        r.all()
    );

    // (d) The last entries cut off (the head remembers where the log had reached).
    let truncated = dir.join("truncated.db");
    copy_sqlite(&db, &truncated);
    sqlite_exec(
        &truncated,
        &format!("DELETE FROM audit_log WHERE seq > {}", count - 2),
    )
    .await;
    let r = verify(&truncated);
    assert_eq!(
        r.code,
        Some(1),
        "verify after cutting the tail: {}",
        r.all()
    );
    assert!(
        r.all().contains("entries at the end were removed"),
        "{}",
        r.all()
    );

    // The original is still intact.
    verify(&db).assert_ok();
}

/// Splits CSV text into rows of cells (RFC 4180: quotes, doubled quotes, newlines in quotes).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') if cell.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    if !cell.is_empty() || !row.is_empty() {
        row.push(cell);
        rows.push(row);
    }
    rows
}

#[tokio::test]
async fn csv_export_neutralises_formulas() {
    let s = Server::demo_small().await;
    // Usernames are restricted, but a failed login records whatever was typed.
    let hostile = [
        "=HYPERLINK(\"http://evil.example/?a,b\",\"click me\")",
        "@SUM(1+1)*cmd|' /C calc'!A0",
    ];
    for name in hostile {
        s.try_login(name, "whatever-password")
            .await
            .expect(401, "a failed login with a hostile username");
    }
    let admin = s.login("admin").await;
    let r = s
        .get("/admin/audit/export.csv", Auth::Session(&admin))
        .await;
    r.expect(200, "CSV export");
    let rows = parse_csv(&r.text());
    assert_eq!(
        rows[0],
        [
            "seq", "at", "actor", "action", "target", "detail", "source", "hash"
        ]
    );
    for row in &rows {
        assert_eq!(
            row.len(),
            8,
            "every row has 8 cells (quoting holds): {row:?}"
        );
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a cell a spreadsheet would evaluate: {cell:?} in {row:?}"
            );
        }
    }
    let failed: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| r[3] == "auth.login_failed")
        .collect();
    assert_eq!(failed.len(), hostile.len(), "{failed:?}");
    for name in hostile {
        let expected = format!("username:{name}");
        assert!(
            failed
                .iter()
                .any(|r| r[4] == expected || r[4] == format!("'{expected}")),
            "the hostile username survives the export verbatim (neutralised if it leads the cell): {expected:?} in {failed:?}"
        );
    }
    // Every user-typed value lands behind a fixed prefix ("username:", "token:", "file:"), so
    // no cell can lead with a formula character; the filter path exports the same way.
    let filtered = s
        .get(
            "/admin/audit/export.csv?action=auth.login_failed",
            Auth::Session(&admin),
        )
        .await;
    filtered.expect(200, "filtered CSV export");
    let frows = parse_csv(&filtered.text());
    assert_eq!(
        frows.len(),
        1 + hostile.len(),
        "the filter keeps only failed logins: {frows:?}"
    );
}
