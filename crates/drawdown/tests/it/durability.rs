//! Acknowledged writes survive `kill -9` of the server.

use crate::harness::*;

#[tokio::test]
async fn acknowledged_writes_survive_kill_9() {
    let dir = TempDir::new("crash");
    let mut s = Server::demo_small_in(&dir.path).await;
    let reg = s.login("registrar").await;
    let before = s.get("/api/v1/people", Auth::Session(&reg)).await.json()["total"]
        .as_i64()
        .expect("total");
    let mut ids = Vec::new();
    for i in 0..20 {
        // Each add is acknowledged (201) before the next.
        ids.push(
            s.add_person(&reg, &format!("Durable{i}"), "Kestrelmoor", &[])
                .await,
        );
    }
    s.kill9();

    let s2 = Server::serve(
        &dir.path,
        &sqlite_url(&dir.join("data/demo.db")),
        Some(&dir.join("data/demo.key")),
    )
    .await;
    let reg = s2.login("registrar").await;
    let after = s2.get("/api/v1/people", Auth::Session(&reg)).await.json()["total"]
        .as_i64()
        .expect("total");
    assert_eq!(after, before + 20, "people after kill -9 and restart");
    for (i, id) in ids.iter().enumerate() {
        let r = s2
            .get(
                &format!("/api/v1/people?q=Durable{i}%20Kestrelmoor"),
                Auth::Session(&reg),
            )
            .await;
        r.expect(200, "search by exact name");
        let j = r.json();
        // The search is by any spelling (Durable1 also finds Durable11); the exact name first.
        assert!(
            j["total"].as_i64().unwrap_or(0) >= 1,
            "Durable{i} Kestrelmoor after restart: {j}"
        );
        assert_eq!(j["people"][0]["id"], id.as_str());
        assert_eq!(j["people"][0]["name"], format!("Durable{i} Kestrelmoor"));
    }
    drop(s2);
    drawdown(
        &[
            "audit",
            "verify",
            "--db",
            &sqlite_url(&dir.join("data/demo.db")),
        ],
        &[],
    )
    .assert_ok();
}
