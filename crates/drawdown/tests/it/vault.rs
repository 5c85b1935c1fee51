//! A production deployment: `serve` without a key file starts locked until an administrator
//! unlocks it with the passphrase.

use crate::harness::*;
use serde_json::json;

const PASSPHRASE: &str = "correct horse battery staple vault";

#[tokio::test]
async fn a_passphrase_vault_starts_locked_until_unlocked() {
    let dir = TempDir::new("locked");
    let db = sqlite_url(&dir.join("post.db"));
    let r = drawdown(
        &[
            "init",
            "--db",
            &db,
            "--admin",
            "boss",
            "--organisation",
            "Embassy Testland",
        ],
        &[
            ("DRAWDOWN_PASSPHRASE", PASSPHRASE),
            ("DRAWDOWN_ADMIN_PASSWORD", ADMIN_PASSWORD),
        ],
    );
    r.assert_ok();
    let r = drawdown(
        &[
            "user",
            "add",
            "--db",
            &db,
            "--username",
            "reg",
            "--roles",
            "registrar",
        ],
        &[("DRAWDOWN_USER_PASSWORD", "registrar password 1")],
    );
    r.assert_ok();

    // A key file cannot open a passphrase vault.
    let other = TempDir::new("locked-other");
    init_with_key_file(
        &sqlite_url(&other.join("o.db")),
        &other.join("o.key"),
        "admin",
    )
    .assert_ok();
    let r = drawdown(
        &[
            "serve",
            "--db",
            &db,
            "--key-file",
            &other.join("o.key").to_string_lossy(),
            "--addr",
            &format!("127.0.0.1:{}", free_port()),
        ],
        &[],
    );
    assert!(!r.ok() && r.stderr.contains("passphrase"), "{}", r.all());

    let s = Server::serve(&dir.path, &db, None).await;
    let boss = s.login_with("boss", ADMIN_PASSWORD).await;
    let reg = s.login_with("reg", "registrar password 1").await;
    let v = s.get("/api/v1/vault", Auth::Session(&boss)).await;
    v.expect(200, "vault state");
    assert_eq!(v.json()["vault"], "locked");
    let r = s.get("/people", Auth::Session(&reg)).await;
    r.expect(503, "the registry while locked");
    assert!(r.text().contains("locked"));
    s.get("/api/v1/people", Auth::Session(&reg))
        .await
        .expect(503, "the registry API while locked");
    s.post_json(
        "/api/v1/people",
        Auth::Session(&reg),
        &json!({"category": "citizen", "given_name": "Locked", "family_name": "Out"}),
        true,
    )
    .await
    .expect(503, "adding a person while locked");
    // Everything else works: the dashboard says the vault is locked.
    let home = s.get("/", Auth::Session(&reg)).await;
    home.expect(200, "dashboard while locked");
    assert!(home.text().contains("The vault is locked"));

    // Only an administrator unlocks; the registrar is refused.
    s.post_json(
        "/api/v1/vault/unlock",
        Auth::Session(&reg),
        &json!({"passphrase": PASSPHRASE}),
        true,
    )
    .await
    .expect(403, "the registrar unlocks");
    let r = s
        .post_json(
            "/api/v1/vault/unlock",
            Auth::Session(&boss),
            &json!({"passphrase": "Gorsefield-typo-77"}),
            true,
        )
        .await;
    r.expect(400, "unlock with a wrong passphrase");
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap_or("")
            .contains("wrong passphrase"),
        "{}",
        r.text()
    );
    assert_eq!(
        s.get("/api/v1/vault", Auth::Session(&boss)).await.json()["vault"],
        "locked"
    );
    s.get("/people", Auth::Session(&reg))
        .await
        .expect(503, "still locked");
    // The web form: a wrong passphrase shows the page again with the message.
    let r = s
        .submit(
            "/protection/unlock",
            &boss,
            &[("passphrase", "Another-typo-88")],
        )
        .await;
    r.expect(400, "the unlock form with a wrong passphrase");
    assert!(r.text().contains("wrong passphrase"));

    let r = s
        .post_json(
            "/api/v1/vault/unlock",
            Auth::Session(&boss),
            &json!({"passphrase": PASSPHRASE}),
            true,
        )
        .await;
    r.expect(200, "unlock with the passphrase");
    assert_eq!(r.json()["vault"], "unlocked");
    assert_eq!(
        s.get("/api/v1/vault", Auth::Session(&reg)).await.json()["vault"],
        "unlocked"
    );
    s.get("/people", Auth::Session(&reg))
        .await
        .expect(200, "the registry once unlocked");
    let id = s.add_person(&reg, "Unlocka", "Passphrasedottir", &[]).await;
    let found = s
        .get(
            "/api/v1/people?q=Unlocka%20Passphrasedottir",
            Auth::Session(&reg),
        )
        .await
        .json();
    assert_eq!(found["people"][0]["id"], id.as_str());
    let audit = s
        .get("/api/v1/audit?action=vault.unlock", Auth::Session(&boss))
        .await
        .json();
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(actions.contains(&"vault.unlock"), "{actions:?}");
    assert!(
        !audit.to_string().contains(PASSPHRASE),
        "the audit log holds the passphrase"
    );
    let logs = s.logs();
    for p in [PASSPHRASE, "Gorsefield-typo-77", "Another-typo-88"] {
        assert!(!logs.contains(p), "the server printed a passphrase: {logs}");
    }
    // The failed attempt through the form is on record.
    let failed = s
        .get(
            "/api/v1/audit?action=vault.unlock_failed",
            Auth::Session(&boss),
        )
        .await
        .json();
    assert!(
        !failed["entries"].as_array().unwrap().is_empty(),
        "a failed unlock by the form is audited: {failed}"
    );
}

#[tokio::test]

async fn a_failed_unlock_through_the_api_is_audited() {
    let dir = TempDir::new("unlockaudit");
    let db = sqlite_url(&dir.join("post.db"));
    drawdown(
        &["init", "--db", &db, "--admin", "boss"],
        &[
            ("DRAWDOWN_PASSPHRASE", PASSPHRASE),
            ("DRAWDOWN_ADMIN_PASSWORD", ADMIN_PASSWORD),
        ],
    )
    .assert_ok();
    let s = Server::serve(&dir.path, &db, None).await;
    let boss = s.login_with("boss", ADMIN_PASSWORD).await;
    s.post_json(
        "/api/v1/vault/unlock",
        Auth::Session(&boss),
        &json!({"passphrase": "a guess"}),
        true,
    )
    .await
    .expect(400, "unlock with a wrong passphrase");
    let failed = s
        .get(
            "/api/v1/audit?action=vault.unlock_failed",
            Auth::Session(&boss),
        )
        .await
        .json();
    assert_eq!(
        failed["entries"].as_array().unwrap().len(),
        1,
        "the failed unlock through the API is audited: {failed}"
    );
}
