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
    // Twenty clearly different people: a person typed in by hand is matched against those
    // already there, so names alike (Durable1, Durable11) could rightly be one person.
    const GIVEN: [&str; 20] = [
        "Arash", "Bahram", "Cyrus", "Darius", "Elham", "Farhad", "Golnar", "Hamid", "Iraj",
        "Jamshid", "Kaveh", "Laleh", "Mitra", "Nasrin", "Omid", "Parviz", "Qasem", "Roya",
        "Sohrab", "Tahmina",
    ];
    let mut ids = Vec::new();
    for given in GIVEN {
        // Each add is acknowledged (201) before the next.
        ids.push(s.add_person(&reg, given, "Kestrelmoor", &[]).await);
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
    for (given, id) in GIVEN.iter().zip(&ids) {
        let r = s2
            .get(
                &format!("/api/v1/people?q={given}%20Kestrelmoor"),
                Auth::Session(&reg),
            )
            .await;
        r.expect(200, "search by exact name");
        let j = r.json();
        // The search is by any spelling; the exact name first.
        assert!(
            j["total"].as_i64().unwrap_or(0) >= 1,
            "{given} Kestrelmoor after restart: {j}"
        );
        assert_eq!(j["people"][0]["id"], id.as_str());
        assert_eq!(j["people"][0]["name"], format!("{given} Kestrelmoor"));
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
