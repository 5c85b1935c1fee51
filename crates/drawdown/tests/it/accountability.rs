//! Accountability against the real server: passes issued and verified, scans by device token
//! (forged, truncated, replayed, expired, revoked passes; a revoked device token; a batch with a
//! malformed item; clock skew), head-counts, and no acknowledged scan lost to `kill -9`.

use crate::harness::*;
use serde_json::{Value, json};

/// A checkpoint device token issued by the administrator.
async fn device_token(s: &Server, name: &str) -> (String, String) {
    let admin = s.login("admin").await;
    let r = s
        .post_json(
            "/api/v1/tokens",
            Auth::Session(&admin),
            &json!({"name": name, "role": "checkpoint"}),
            true,
        )
        .await;
    r.expect(201, "issuing a checkpoint token");
    let b = r.json();
    (
        b["token"].as_str().unwrap().to_string(),
        b["id"].as_str().unwrap().to_string(),
    )
}

/// Person ids from the registry (the movement officer may read it).
async fn person_ids(s: &Server, movement: &Session, n: usize) -> Vec<String> {
    let r = s
        .get("/api/v1/people?limit=50", Auth::Session(movement))
        .await;
    r.expect(200, "people");
    r.json()["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .take(n)
        .collect()
}

/// People added now by the registrar: on no manifest, never scanned (the demo's day of scans
/// moved some registry households along the flow already).
async fn fresh_people(s: &Server, tag: &str, n: usize) -> Vec<String> {
    let reg = s.login("registrar").await;
    let mut ids = Vec::new();
    for (i, family) in ["Abdulrahimi", "Barakzaiova", "Charkhiyar", "Dostumova"]
        .iter()
        .take(n)
        .enumerate()
    {
        let year = (1950 + 7 * i).to_string();
        ids.push(
            s.add_person(
                &reg,
                &format!("{tag}{}", ["Ana", "Bex", "Cyr", "Dov"][i]),
                family,
                &[("birth_date", &format!("{year}-03-0{}", i + 1))],
            )
            .await,
        );
    }
    ids
}

async fn issue(s: &Server, movement: &Session, body: Value) -> Vec<Value> {
    let r = s
        .post_json("/api/v1/passes", Auth::Session(movement), &body, true)
        .await;
    r.expect(201, "issuing passes");
    r.json()["passes"].as_array().unwrap().clone()
}

async fn scan(s: &Server, token: &str, body: Value) -> Resp {
    s.post_json("/api/v1/scans", Auth::Bearer(token), &body, false)
        .await
}

fn now_rfc3339(offset_secs: i64) -> String {
    let t = time::OffsetDateTime::now_utc() + time::Duration::seconds(offset_secs);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

#[tokio::test]
async fn passes_and_scans_through_the_api() {
    let s = Server::demo_small().await;
    let movement = s.login("movement").await;
    let (token, token_id) = device_token(&s, "Abbey Gate scanner 1").await;
    let people = fresh_people(&s, "Apitest", 3).await;

    // Issue a pass; the answer carries the QR text and nothing but initials and a birth year.
    let passes = issue(
        &s,
        &movement,
        json!({"person": people[0], "departure": "TST871"}),
    )
    .await;
    assert_eq!(passes.len(), 1);
    let pass = &passes[0];
    let qr = pass["token"].as_str().unwrap().to_string();
    assert!(pass["household_size"].as_i64().unwrap() >= 1);
    // Issued twice for the same departure: the live pass stands, none is added.
    assert!(
        issue(
            &s,
            &movement,
            json!({"person": people[0], "departure": "TST871"})
        )
        .await
        .is_empty()
    );

    // The device fetches what it verifies with offline.
    let kit = s.get("/api/v1/passes/keys", Auth::Bearer(&token)).await;
    kit.expect(200, "device kit");
    let kit = kit.json();
    assert_eq!(kit["keys"].as_array().unwrap().len(), 1);
    assert_eq!(kit["checkpoints"][1]["code"], "gate");

    // Green at the gate.
    let r = scan(
        &s,
        &token,
        json!({"id": "scan-1", "token": qr, "checkpoint": "gate"}),
    )
    .await;
    r.expect(200, "a scan");
    let a = &r.json()["results"][0];
    assert_eq!(a["status"], "recorded");
    assert_eq!(a["verdict"], "green", "{a}");
    assert_eq!(a["heads"], pass["household_size"]);
    // The same scan sent again counts once, with its first verdict.
    let r = scan(
        &s,
        &token,
        json!({"id": "scan-1", "token": qr, "checkpoint": "gate"}),
    )
    .await;
    let b = r.json();
    assert_eq!(b["replayed"], 1);
    assert_eq!(b["results"][0]["verdict"], "green");

    // Skipping screening to boarding: amber, with what to do.
    let r = scan(
        &s,
        &token,
        json!({"id": "scan-2", "token": qr, "checkpoint": "boarding"}),
    )
    .await;
    let a = &r.json()["results"][0];
    assert_eq!(a["verdict"], "amber");
    assert_eq!(a["reason"], "out_of_order");
    assert!(a["words"].as_str().unwrap().contains("Screening"), "{a}");

    // Wrong departure at boarding: amber.
    let r = scan(
        &s,
        &token,
        json!({"id": "scan-3", "token": qr, "checkpoint": "boarding", "departure": "RCH999"}),
    )
    .await;
    assert_eq!(r.json()["results"][0]["reason"], "wrong_departure");

    // Forged: one character of the signature changed.
    let mut forged = qr.clone().into_bytes();
    let last = forged.len() - 3;
    forged[last] = if forged[last] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    let r = scan(
        &s,
        &token,
        json!({"id": "scan-4", "token": forged, "checkpoint": "gate"}),
    )
    .await;
    let a = &r.json()["results"][0];
    assert_eq!(a["verdict"], "red");
    assert_eq!(a["reason"], "bad_signature");
    assert!(a["words"].as_str().unwrap().contains("forged or altered"));

    // Truncated.
    let r = scan(
        &s,
        &token,
        json!({"id": "scan-5", "token": &qr[..qr.len() - 20], "checkpoint": "gate"}),
    )
    .await;
    assert_eq!(r.json()["results"][0]["reason"], "truncated");

    // Expired (a pass whose window closed days ago) and not yet valid.
    let old = issue(
        &s,
        &movement,
        json!({"person": people[1], "departure": "TST100",
               "valid_from": "2021-08-20T00:00:00Z", "valid_until": "2021-08-21T00:00:00Z"}),
    )
    .await;
    let r = scan(
        &s,
        &token,
        json!({"id": "scan-6", "token": old[0]["token"], "checkpoint": "gate"}),
    )
    .await;
    let a = &r.json()["results"][0];
    assert_eq!(a["verdict"], "red");
    assert_eq!(a["reason"], "expired");

    // Revoked: refused with the reason, and the device kit lists it.
    let pass_id = pass["id"].as_str().unwrap();
    s.post_json(
        &format!("/api/v1/passes/{pass_id}/revoke"),
        Auth::Session(&movement),
        &json!({"reason": "pass reported stolen"}),
        true,
    )
    .await
    .expect(200, "revoking a pass");
    let r = scan(
        &s,
        &token,
        json!({"id": "scan-7", "token": qr, "checkpoint": "screening"}),
    )
    .await;
    let a = &r.json()["results"][0];
    assert_eq!(a["reason"], "revoked", "{a}");
    let kit = s
        .get("/api/v1/passes/keys", Auth::Bearer(&token))
        .await
        .json();
    // (The demo revoked one of its own passes too.)
    assert!(
        kit["revoked"].as_array().unwrap().contains(&json!(pass_id)),
        "{kit}"
    );
    // Revoking again is a clear error.
    s.post_json(
        &format!("/api/v1/passes/{pass_id}/revoke"),
        Auth::Session(&movement),
        &json!({"reason": "again"}),
        true,
    )
    .await
    .expect(400, "revoking a revoked pass");

    // A batch with a malformed item: the bad one is named, the others count.
    let fresh = issue(
        &s,
        &movement,
        json!({"person": people[2], "departure": "TST871"}),
    )
    .await;
    let qr2 = fresh[0]["token"].as_str().unwrap();
    let r = scan(
        &s,
        &token,
        json!({"sent_at": now_rfc3339(0), "scans": [
            {"id": "b-1", "token": qr2, "checkpoint": "gate", "scanned_at": now_rfc3339(-60)},
            {"id": "b-2", "token": qr2, "checkpoint": "nowhere"},
            {"token": qr2, "checkpoint": "gate"},
            {"id": "b-4", "token": qr2, "checkpoint": "screening", "scanned_at": now_rfc3339(-30)},
        ]}),
    )
    .await;
    r.expect(200, "a batch with malformed items");
    let b = r.json();
    assert_eq!(b["recorded"], 2, "{b}");
    assert_eq!(b["rejected"], 2);
    let results = b["results"].as_array().unwrap();
    assert_eq!(results[1]["status"], "rejected");
    assert!(
        results[1]["words"]
            .as_str()
            .unwrap()
            .contains("scan 2 (b-2)")
    );
    assert!(results[1]["words"].as_str().unwrap().contains("nowhere"));
    assert!(
        results[2]["words"]
            .as_str()
            .unwrap()
            .contains("id: missing")
    );
    assert_eq!(results[3]["verdict"], "green", "{}", results[3]);
    // A single malformed scan is a 400 naming the field.
    let r = scan(&s, &token, json!({"id": "x", "checkpoint": "gate"})).await;
    r.expect(400, "a scan without token or person");
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains("token or person")
    );

    // Clock skew: a device an hour fast is accepted, flagged, its time corrected.
    let r = scan(
        &s,
        &token,
        json!({"sent_at": now_rfc3339(3600), "scans": [
            {"id": "skew-1", "token": qr2, "checkpoint": "registration", "scanned_at": now_rfc3339(3590)}
        ]}),
    )
    .await;
    let a = &r.json()["results"][0];
    assert_eq!(a["status"], "recorded");
    assert_eq!(a["skew_flagged"], true, "{a}");
    assert_eq!(a["verdict"], "green", "{a}");
    // A minute off is within the window.
    let r = scan(
        &s,
        &token,
        json!({"id": "skew-2", "token": qr2, "checkpoint": "manifesting", "scanned_at": now_rfc3339(60)}),
    )
    .await;
    assert_eq!(r.json()["results"][0]["skew_flagged"], false);

    // Head-counts as JSON.
    let viewer = s.login("viewer").await;
    let h = s.get("/api/v1/headcounts", Auth::Session(&viewer)).await;
    h.expect(200, "head-counts");
    let h = h.json();
    assert!(h["people_total"].as_i64().unwrap() > 0);
    let dep = h["departures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["departure"] == "TST871")
        .cloned()
        .unwrap();
    // The revoked pass no longer counts; the fresh one is at manifesting.
    assert_eq!(dep["households"], 1, "{dep}");
    assert_eq!(dep["on_the_way"], fresh[0]["household_size"]);
    assert!(h["exceptions"].as_array().unwrap().len() >= 4);
    // Checkpoint agents see counts, never the registry.
    s.get("/api/v1/people", Auth::Bearer(&token))
        .await
        .expect(403, "the checkpoint token reads the registry");

    // A revoked device token is refused.
    let admin = s.login("admin").await;
    s.post_json(
        &format!("/api/v1/tokens/{token_id}/revoke"),
        Auth::Session(&admin),
        &json!({}),
        true,
    )
    .await
    .expect(200, "revoking the device token");
    let r = scan(
        &s,
        &token,
        json!({"id": "after-revoke", "token": qr2, "checkpoint": "boarding"}),
    )
    .await;
    r.expect(401, "a scan from a revoked device token");

    // The OpenAPI document describes the scans' shape.
    let doc = s.get("/api/openapi.json", Auth::None).await.json();
    let post = &doc["paths"]["/api/v1/scans"]["post"];
    let batch = &post["requestBody"]["content"]["application/json"]["schema"]["oneOf"][1];
    assert_eq!(batch["required"][0], "scans", "{post}");
    assert!(
        post["responses"]["200"].to_string().contains("replayed"),
        "{post}"
    );
    assert!(doc["paths"]["/api/v1/checkpoints/{code}/retire"]["post"].is_object());
}

/// A device token revoked outside this server (a second server on the same database, or by
/// hand) is refused within a second: live tokens are remembered for at most that long.
#[tokio::test]
async fn a_token_revoked_elsewhere_is_refused_within_a_second() {
    let dir = TempDir::new("token-elsewhere");
    let s = Server::demo_small_in(&dir.path).await;
    let (token, token_id) = device_token(&s, "Abbey Gate scanner 9").await;
    let person = {
        let movement = s.login("movement").await;
        person_ids(&s, &movement, 1).await.remove(0)
    };
    let body = |id: &str| json!({"id": id, "person": person, "checkpoint": "rally"});
    scan(&s, &token, body("elsewhere-1"))
        .await
        .expect(200, "a scan");
    // Revoked in the database, not through this server.
    sqlite_exec(
        &dir.join("data/demo.db"),
        &format!(
            "UPDATE api_tokens SET revoked_at = '2021-08-26T00:00:00Z' WHERE id = '{token_id}'"
        ),
    )
    .await;
    let revoked_at = std::time::Instant::now();
    loop {
        let r = scan(
            &s,
            &token,
            body(&format!("elsewhere-{}", revoked_at.elapsed().as_millis())),
        )
        .await;
        if r.status == 401 {
            break;
        }
        r.expect(200, "a scan before the revocation is seen");
        assert!(
            revoked_at.elapsed() < std::time::Duration::from_millis(1500),
            "the revoked token still works after {:?}",
            revoked_at.elapsed()
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(revoked_at.elapsed() <= std::time::Duration::from_millis(1500));
}

#[tokio::test]
async fn pages_without_scripts() {
    let s = Server::demo_small().await;
    let movement = s.login("movement").await;
    let people = person_ids(&s, &movement, 1).await;
    // Issue through the form, then print the pass: page with its QR, PDFs A6 and A4.
    let r = s
        .submit(
            "/accountability/passes",
            &movement,
            &[("departure", "TST4411"), ("people", &people[0])],
        )
        .await;
    r.expect(200, "issuing a pass by the form");
    assert!(
        r.text().contains("1 passes issued"),
        "{}",
        truncate(&r.text(), 400)
    );
    let r = s
        .submit(
            "/accountability/passes",
            &movement,
            &[("departure", "TST4411"), ("people", "no-such-person")],
        )
        .await;
    r.expect(400, "a pass for an unknown person");
    assert!(r.text().contains("no person with id no-such-person"));
    let list = s
        .post_json(
            "/api/v1/passes",
            Auth::Session(&movement),
            &json!({"person": people[0], "departure": "TST4412"}),
            true,
        )
        .await
        .json();
    let pass = &list["passes"][0];
    let id = pass["id"].as_str().unwrap();
    let page = s
        .get(
            &format!("/accountability/passes/{id}"),
            Auth::Session(&movement),
        )
        .await;
    page.expect(200, "the printable pass");
    let html = page.text();
    assert!(html.contains("<svg"), "a QR code on the page");
    assert!(html.contains(pass["token"].as_str().unwrap()));
    assert!(html.contains("کارت سوار شدن"));
    for size in ["a6", "a4"] {
        let pdf = s
            .get(
                &format!("/accountability/passes/{id}/pass.pdf?size={size}"),
                Auth::Session(&movement),
            )
            .await;
        pdf.expect(200, "the pass as PDF");
        assert!(pdf.bytes.starts_with(b"%PDF-"));
    }
    s.get(
        &format!("/accountability/passes/{id}/pass.pdf?size=letter"),
        Auth::Session(&movement),
    )
    .await
    .expect(400, "an unknown paper size");

    // The checkpoint agent scans with the plain form the pass the demo left to try (valid now,
    // its household not yet seen): a verdict in big words. The movement officer prints it.
    let try_id = s
        .logs()
        .split("Pass ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .map(str::to_string)
        .unwrap_or_else(|| panic!("the demo names a pass to try:\n{}", s.logs()));
    let printed = s
        .get(
            &format!("/accountability/passes/{try_id}"),
            Auth::Session(&movement),
        )
        .await;
    printed.expect(200, "the demo's pass to try");
    let try_token = printed
        .text()
        .split("id=\"pass-token\"")
        .nth(1)
        .and_then(|rest| rest.split('>').nth(1))
        .and_then(|rest| rest.split('<').next())
        .map(|t| t.trim().to_string())
        .expect("the pass's code on its page");
    let agent = s.login("checkpoint").await;
    let page = s.get("/accountability/scan", Auth::Session(&agent)).await;
    page.expect(200, "the scanning page");
    let scan_id = hidden_input(&page.text(), "id").unwrap();
    let r = s
        .submit(
            "/accountability/scan",
            &agent,
            &[
                ("id", &scan_id),
                ("checkpoint", "gate"),
                ("departure", ""),
                ("code", &try_token),
            ],
        )
        .await;
    r.expect(200, "a scan by the form");
    let html = r.text();
    assert!(html.contains("verdict-green"), "{}", truncate(&html, 3000));
    assert!(html.contains("GO: expected here now"));
    // The agent sees initials and heads, never the registry.
    s.get("/people", Auth::Session(&agent))
        .await
        .expect(403, "the agent opens the registry");
    s.get(
        &format!("/accountability/passes/{id}"),
        Auth::Session(&agent),
    )
    .await
    .expect(403, "the agent opens a pass page");
    let r = s
        .submit(
            "/accountability/scan",
            &agent,
            &[
                ("id", "garbage-1"),
                ("checkpoint", "gate"),
                ("code", "not a pass"),
            ],
        )
        .await;
    r.expect(200, "an unreadable code");
    assert!(r.text().contains("verdict-red"));
    assert!(r.text().contains("not a pass"));

    // A walk-up: registered and scanned in; the registry has them.
    let r = s
        .submit(
            "/accountability/walkups",
            &agent,
            &[
                ("checkpoint", "gate"),
                ("given_name", "Walkup"),
                ("family_name", "Qarizada"),
                ("birth_year", "1990"),
                ("phone", ""),
                ("category", "permanent_resident"),
            ],
        )
        .await;
    r.expect(200, "a walk-up");
    assert!(
        r.text().contains("walk-up registered as"),
        "{}",
        truncate(&r.text(), 2000)
    );
    let reg = s.login("registrar").await;
    let found = s
        .get("/api/v1/people?q=Walkup%20Qarizada", Auth::Session(&reg))
        .await
        .json();
    assert!(found["total"].as_i64().unwrap() >= 1, "{found}");
    let r = s
        .submit(
            "/accountability/walkups",
            &agent,
            &[
                ("checkpoint", "gate"),
                ("given_name", "X"),
                ("birth_year", "19x0"),
                ("category", "permanent_resident"),
            ],
        )
        .await;
    r.expect(400, "a walk-up with a bad birth year");
    // A walk-up who is already on a list: the people engine resolves them to that person
    // (name and birth year are enough), so the registry does not count them twice.
    let known = s
        .get("/api/v1/people?limit=50", Auth::Session(&reg))
        .await
        .json()["people"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| {
            p["birth_date"].as_str().is_some_and(|d| d.len() >= 4)
                && p["name"]
                    .as_str()
                    .is_some_and(|n| n.split_whitespace().count() == 2)
        })
        .cloned()
        .expect("a registry person with a name and a birth date");
    let name: Vec<&str> = known["name"].as_str().unwrap().split_whitespace().collect();
    let r = s
        .submit(
            "/accountability/walkups",
            &agent,
            &[
                ("checkpoint", "gate"),
                ("given_name", name[0]),
                ("family_name", name[1]),
                ("birth_year", &known["birth_date"].as_str().unwrap()[..4]),
                ("phone", ""),
                ("category", "citizen"),
            ],
        )
        .await;
    r.expect(200, "a walk-up already on the registry");
    assert!(
        r.text().contains(&format!(
            "walk-up registered as {}",
            known["id"].as_str().unwrap()
        )),
        "{}",
        truncate(&r.text(), 2000)
    );

    // The head-count page, and the dashboard card.
    let viewer = s.login("viewer").await;
    let page = s.get("/accountability", Auth::Session(&viewer)).await;
    page.expect(200, "head-counts");
    let html = page.text();
    assert!(html.contains("Still in country"));
    assert!(html.contains("TST4411"));
    assert!(html.contains("data-poll=\"/api/v1/headcounts\""));
    let dash = s.get("/", Auth::Session(&viewer)).await.text();
    assert!(dash.contains("c-accountability"));
    // The service worker is served from the page's scope.
    let sw = s.get("/accountability/sw.js", Auth::None).await;
    sw.expect(200, "the service worker");
    assert!(sw.content_type().starts_with("text/javascript"));
}

/// Eight clients send batches of twenty scans of `qr` until the server dies; `kill -9` after
/// 2.5 s. Returns the ids the server acknowledged.
async fn scan_until_killed(s: &mut Server, token: &str, qr: &str, tag: &str) -> Vec<String> {
    use std::sync::{Arc, Mutex};
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut tasks = Vec::new();
    for t in 0..8 {
        let (url, token, qr, acked, tag) = (
            s.url("/api/v1/scans"),
            token.to_string(),
            qr.to_string(),
            Arc::clone(&acked),
            tag.to_string(),
        );
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            for i in 0.. {
                let scans: Vec<Value> = (0..20)
                    .map(|k| json!({"id": format!("{tag}-{t}-{i}-{k}"), "token": qr, "checkpoint": "gate"}))
                    .collect();
                let r = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&json!({ "scans": scans }))
                    .send()
                    .await;
                let Ok(r) = r else { break };
                if r.status() != 200 {
                    break;
                }
                let Ok(body) = r.json::<Value>().await else { break };
                let mut a = acked.lock().unwrap();
                for res in body["results"].as_array().unwrap() {
                    if res["status"] == "recorded" || res["status"] == "replayed" {
                        a.push(res["id"].as_str().unwrap().to_string());
                    }
                }
            }
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    s.kill9();
    for t in tasks {
        t.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 100,
        "only {} scans acknowledged before the kill",
        acked.len()
    );
    acked
}

fn assert_none_lost(acked: &[String], stored: Vec<String>) {
    let stored: std::collections::HashSet<String> = stored.into_iter().collect();
    let lost: Vec<&String> = acked.iter().filter(|id| !stored.contains(*id)).collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged scans lost, e.g. {:?}",
        lost.len(),
        acked.len(),
        &lost[..lost.len().min(5)]
    );
}

/// `kill -9` in the middle of a load of scans: every scan the server acknowledged is in the
/// database after the restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_loses_no_acknowledged_scan() {
    let dir = TempDir::new("scan-crash");
    let mut s = Server::demo_small_in(&dir.path).await;
    let movement = s.login("movement").await;
    let (token, _) = device_token(&s, "crash scanner").await;
    let people = person_ids(&s, &movement, 1).await;
    let qr = issue(
        &s,
        &movement,
        json!({"person": people[0], "departure": "TST871"}),
    )
    .await[0]["token"]
        .as_str()
        .unwrap()
        .to_string();
    let acked = scan_until_killed(&mut s, &token, &qr, "crash").await;

    let db = dir.join("data/demo.db");
    let s2 = Server::serve(
        &dir.path,
        &sqlite_url(&db),
        Some(&dir.join("data/demo.key")),
    )
    .await;
    let mut c = sqlite(&db).await;
    let stored: Vec<String> = sqlx::query_scalar("SELECT id FROM scans")
        .fetch_all(&mut c)
        .await
        .unwrap();
    assert_none_lost(&acked, stored);
    drop(s2);
    drawdown(&["audit", "verify", "--db", &sqlite_url(&db)], &[]).assert_ok();
}

/// The same on PostgreSQL (when DRAWDOWN_TEST_PG names a server): a fresh post, a registrar
/// adds a person, a movement officer issues their pass, a device scans it until `kill -9`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_loses_no_acknowledged_scan_on_postgres() {
    use sqlx::Connection;
    let Some(db) = PgDb::create("scan_crash").await else {
        return;
    };
    let dir = TempDir::new("scan-crash-pg");
    let key = dir.join("pg.key");
    init_with_key_file(&db.url, &key, "admin").assert_ok();
    let mut s = Server::serve(&dir.path, &db.url, Some(&key)).await;
    let admin = s.login_with("admin", ADMIN_PASSWORD).await;
    for (name, role) in [("pgreg", "registrar"), ("pgmove", "movement")] {
        s.post_json(
            "/api/v1/users",
            Auth::Session(&admin),
            &json!({"username": name, "password": "long enough password", "roles": [role]}),
            true,
        )
        .await
        .expect(201, "a user");
    }
    let reg = s.login_with("pgreg", "long enough password").await;
    let person = s.add_person(&reg, "Parwin", "Crashtestova", &[]).await;
    let movement = s.login_with("pgmove", "long enough password").await;
    let qr = issue(
        &s,
        &movement,
        json!({"person": person, "departure": "TST871"}),
    )
    .await[0]["token"]
        .as_str()
        .unwrap()
        .to_string();
    let r = s
        .post_json(
            "/api/v1/tokens",
            Auth::Session(&admin),
            &json!({"name": "pg crash scanner", "role": "checkpoint"}),
            true,
        )
        .await;
    r.expect(201, "a checkpoint token");
    let token = r.json()["token"].as_str().unwrap().to_string();
    let acked = scan_until_killed(&mut s, &token, &qr, "pgcrash").await;

    let mut c = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let stored: Vec<String> = sqlx::query_scalar("SELECT id FROM scans")
        .fetch_all(&mut c)
        .await
        .unwrap();
    let _ = c.close().await;
    assert_none_lost(&acked, stored);
    drawdown(&["audit", "verify", "--db", &db.url], &[]).assert_ok();
}

/// A whole manifest's passes in one action: one per household, held by its head; a second call
/// issues none; a viewer is refused; a pass verifies at a checkpoint with the household's size.
#[tokio::test]
async fn passes_for_a_whole_manifest() {
    let s = Server::demo_small().await;
    let movement = s.login("movement").await;
    let viewer = s.login("viewer").await;

    // A demo manifest (the first day's are closed): every household on it ends up with one live pass.
    let deps = s.get("/api/v1/departures", Auth::Session(&movement)).await;
    deps.expect(200, "departures");
    let deps = deps.json()["departures"].as_array().unwrap().clone();
    let confirmed = deps
        .iter()
        .find(|d| d["status"] != "cancelled" && d["manifested"]["households"].as_i64() > Some(1))
        .expect("the demo manifests households");
    let id = confirmed["id"].as_str().unwrap();
    let households = confirmed["manifested"]["households"].as_i64().unwrap();
    let path = format!("/api/v1/passes/departures/{id}");
    let r = s
        .post_json(&path, Auth::Session(&movement), &json!({}), true)
        .await;
    r.expect(200, "passes for a manifest");
    let b = r.json();
    assert_eq!(b["households"].as_i64(), Some(households), "{b}");
    assert_eq!(
        b["issued"].as_i64().unwrap() + b["skipped"].as_i64().unwrap(),
        households
    );
    let again = s
        .post_json(&path, Auth::Session(&movement), &json!({}), true)
        .await;
    again.expect(200, "the same manifest again");
    assert_eq!(again.json()["issued"], 0);
    assert_eq!(again.json()["skipped"].as_i64(), Some(households));

    // A viewer may not issue passes; nothing changes.
    s.post_json(&path, Auth::Session(&viewer), &json!({}), true)
        .await
        .expect(403, "a viewer issuing passes");
    // Bad input is named.
    let r = s
        .post_json(
            "/api/v1/passes/departures/NO-SUCH-FLIGHT",
            Auth::Session(&movement),
            &json!({}),
            true,
        )
        .await;
    r.expect(400, "an unknown departure");
    assert!(r.text().contains("NO-SUCH-FLIGHT"), "{}", r.text());

    // A departure leaving soon with two households moved onto it by hand.
    let manifest = s
        .get(
            &format!("/api/v1/departures/{id}/manifest"),
            Auth::Session(&movement),
        )
        .await;
    manifest.expect(200, "a manifest");
    let moved: Vec<Value> = manifest.json()["households"].as_array().unwrap()[..2].to_vec();
    // Three hours from now on the post's clock (the demo runs in August 2021): the device kit
    // gives it.
    let (token, _) = device_token(&s, "Abbey Gate scanner 2").await;
    let kit = s
        .get("/api/v1/passes/keys", Auth::Bearer(&token))
        .await
        .json();
    let post_now = time::OffsetDateTime::parse(
        kit["post_time"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert!(post_now.year() == 2021, "{kit}");
    let soon = (post_now + time::Duration::hours(3))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    s.post_json(
        "/api/v1/departures",
        Auth::Session(&movement),
        &json!({"departures": [{"id": "TST-SOON", "departs_at": soon, "seats": 60}]}),
        true,
    )
    .await
    .expect(201, "a departure leaving soon");
    for h in &moved {
        s.post_json(
            &format!("/api/v1/manifest/{}/move", h["household"].as_str().unwrap()),
            Auth::Session(&movement),
            &json!({"departure": "TST-SOON"}),
            true,
        )
        .await
        .expect(200, "moving a household");
    }
    let r = s
        .post_json(
            "/api/v1/passes/departures/TST-SOON",
            Auth::Session(&movement),
            &json!({}),
            true,
        )
        .await;
    r.expect(200, "passes for the soon departure");
    let b = r.json();
    assert_eq!(b["households"], 2, "{b}");
    assert_eq!(b["issued"], 2, "{b}");
    let passes = b["passes"].as_array().unwrap();
    let again = s
        .post_json(
            "/api/v1/passes/departures/TST-SOON",
            Auth::Session(&movement),
            &json!({}),
            true,
        )
        .await;
    assert_eq!(again.json()["issued"], 0);
    // The same from the passes page: nothing new, and it says so.
    let page = s
        .submit(
            "/accountability/passes/departure",
            &movement,
            &[("departure", "TST-SOON")],
        )
        .await;
    page.expect(200, "the passes page's manifest button");
    assert!(
        page.text()
            .contains("Departure TST-SOON: 0 passes issued for 2 households"),
        "{}",
        truncate(&page.text(), 2000)
    );

    // Each pass verifies at the gate and counts its household, lap infants included.
    for (i, h) in moved.iter().enumerate() {
        let pass = passes
            .iter()
            .find(|p| p["subject"] == h["household"])
            .unwrap_or_else(|| panic!("a pass for {h}: {b}"));
        assert_eq!(pass["household_size"], h["people"], "{pass} {h}");
        let r = scan(
            &s,
            &token,
            json!({"id": format!("manifest-scan-{i}"), "token": pass["token"], "checkpoint": "gate"}),
        )
        .await;
        r.expect(200, "a scan of a manifest pass");
        let a = &r.json()["results"][0];
        assert_eq!(a["status"], "recorded", "{a}");
        // Verified, not refused (amber when the demo's day already scanned this household).
        assert!(a["verdict"] == "green" || a["verdict"] == "amber", "{a}");
        assert_eq!(a["heads"], h["people"], "{a}");
    }
    // The head-count of the departure: its seats from the board, its two households.
    let hc = s
        .get("/api/v1/headcounts", Auth::Session(&viewer))
        .await
        .json();
    let soon = hc["departures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["departure"] == "TST-SOON")
        .cloned()
        .unwrap_or_else(|| panic!("TST-SOON in {hc}"));
    assert_eq!(soon["seats"], 60, "{soon}");
    assert_eq!(soon["households"], 2, "{soon}");
}

fn codes(list: &Value) -> Vec<String> {
    list["checkpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap().to_string())
        .collect()
}

/// Checkpoints configured from the page, the API and the command line: add, rename, reorder,
/// retire, restore; bad input named and nothing changed; every change audited; a retired
/// checkpoint takes no scan and is not missed for skipping it.
#[tokio::test]
async fn checkpoints_are_configurable() {
    let dir = TempDir::new("checkpoints");
    let s = Server::demo_small_in(&dir.path).await;
    let movement = s.login("movement").await;
    let viewer = s.login("viewer").await;
    let list = |who| s.get("/api/v1/checkpoints", Auth::Session(who));

    // Anyone who sees the head-counts sees the flow; only movement officers change it.
    let before = list(&viewer).await;
    before.expect(200, "the checkpoints");
    let before = before.json();
    assert_eq!(codes(&before)[..3], ["rally", "gate", "screening"]);
    s.get("/accountability/checkpoints", Auth::Session(&viewer))
        .await
        .expect(403, "a viewer opens the configuration page");
    s.post_json(
        "/api/v1/checkpoints",
        Auth::Session(&viewer),
        &json!({"code": "bus", "name": "Bus"}),
        true,
    )
    .await
    .expect(403, "a viewer adds a checkpoint");

    // Add after the gate, by the API.
    let r = s
        .post_json(
            "/api/v1/checkpoints",
            Auth::Session(&movement),
            &json!({"code": "bus", "name": "Bus to the airport", "after": "gate"}),
            true,
        )
        .await;
    r.expect(201, "adding a checkpoint");
    assert_eq!(codes(&r.json())[..4], ["rally", "gate", "bus", "screening"]);

    // Bad input is named and changes nothing.
    for (body, words) in [
        (json!({"code": "bus", "name": "Again"}), "exists already"),
        (json!({"code": "Bus 2", "name": "x"}), "lowercase"),
        (
            json!({"code": "ferry", "name": "Ferry", "after": "nowhere"}),
            "after: no checkpoint 'nowhere'",
        ),
        (json!({"code": "ferry", "name": "  "}), "needs a name"),
    ] {
        let r = s
            .post_json("/api/v1/checkpoints", Auth::Session(&movement), &body, true)
            .await;
        r.expect(400, "a bad checkpoint");
        assert!(r.text().contains(words), "{words}: {}", r.text());
    }
    let r = s
        .post_json(
            "/api/v1/checkpoints/bus",
            Auth::Session(&movement),
            &json!({"position": 99}),
            true,
        )
        .await;
    r.expect(400, "a position beyond the flow");
    assert!(r.text().contains("position: 1 to 9"), "{}", r.text());
    assert_eq!(codes(&list(&viewer).await.json()).len(), 9);

    // Rename and require it from the page; move it up; the page shows it.
    let r = s
        .submit(
            "/accountability/checkpoints/bus",
            &movement,
            &[("name", "Buses from the compound"), ("required", "1")],
        )
        .await;
    r.expect(303, "renaming from the page");
    let r = s
        .submit(
            "/accountability/checkpoints/bus/move",
            &movement,
            &[("to", "up")],
        )
        .await;
    r.expect(303, "moving up from the page");
    let page = s
        .get("/accountability/checkpoints", Auth::Session(&movement))
        .await;
    page.expect(200, "the configuration page");
    assert!(page.text().contains("Buses from the compound"));
    let now = list(&viewer).await.json();
    assert_eq!(codes(&now)[..3], ["rally", "bus", "gate"]);
    assert_eq!(now["checkpoints"][1]["required"], true);
    // A bad form is shown again with its error, a 400.
    let r = s
        .submit(
            "/accountability/checkpoints",
            &movement,
            &[("code", "gate"), ("name", "Gate again"), ("after", "rally")],
        )
        .await;
    r.expect(400, "adding an existing code from the page");
    assert!(r.text().contains("exists already"));

    // Put it back where it was by the API; it may be skipped again.
    s.post_json(
        "/api/v1/checkpoints/bus",
        Auth::Session(&movement),
        &json!({"position": 3, "required": false}),
        true,
    )
    .await
    .expect(200, "moving by the API");

    // Retire screening from the page: the scan API refuses it, and going from the gate to
    // registration is no longer out of order.
    s.submit(
        "/accountability/checkpoints/screening/retire",
        &movement,
        &[],
    )
    .await
    .expect(303, "retiring screening");
    let person = fresh_people(&s, "Flowtest", 1).await.remove(0);
    let (token, _) = device_token(&s, "flow scanner").await;
    let at = |id: &str, cp: &str| json!({"id": id, "person": person, "checkpoint": cp});
    let r = scan(&s, &token, at("flow-1", "screening")).await;
    r.expect(400, "a scan at a retired checkpoint");
    assert!(r.text().contains("retired"), "{}", r.text());
    let r = scan(&s, &token, at("flow-2", "gate")).await.json();
    assert_eq!(r["results"][0]["verdict"], "green", "{r}");
    let r = scan(&s, &token, at("flow-3", "registration")).await.json();
    assert_eq!(r["results"][0]["verdict"], "green", "{r}");
    // The device kit lists only the checkpoints in use; the head-count keeps the retired one.
    let kit = s
        .get("/api/v1/passes/keys", Auth::Bearer(&token))
        .await
        .json();
    assert!(!kit["checkpoints"].to_string().contains("\"screening\""));
    let page = s
        .get("/accountability", Auth::Session(&viewer))
        .await
        .text();
    assert!(page.contains("Screening (retired)"));
    // Retiring twice, restoring what is in use: clear errors.
    let r = s
        .post_json(
            "/api/v1/checkpoints/screening/retire",
            Auth::Session(&movement),
            &json!({}),
            true,
        )
        .await;
    r.expect(400, "retiring a retired checkpoint");
    assert!(r.text().contains("retired already"));
    s.post_json(
        "/api/v1/checkpoints/gate/restore",
        Auth::Session(&movement),
        &json!({}),
        true,
    )
    .await
    .expect(400, "restoring a checkpoint in use");
    s.post_json(
        "/api/v1/checkpoints/screening/restore",
        Auth::Session(&movement),
        &json!({}),
        true,
    )
    .await
    .expect(200, "restoring screening");

    // The command line: list, rename (a formula stays inert in the CSV), retire.
    let db = sqlite_url(&dir.join("data/demo.db"));
    drawdown(
        &[
            "checkpoints",
            "edit",
            "--db",
            &db,
            "bus",
            "--name",
            "=HYPERLINK(\"x\")",
        ],
        &[],
    )
    .assert_ok();
    let r = drawdown(&["checkpoints", "retire", "--db", &db, "bus"], &[]);
    r.assert_ok();
    assert!(
        r.stdout.contains("rally > gate > screening"),
        "{}",
        r.stdout
    );
    let r = drawdown(&["checkpoints", "list", "--db", &db], &[]);
    r.assert_ok();
    assert!(
        r.stdout.contains("3,bus,\"'=HYPERLINK(\"\"x\"\")\",no,2"),
        "{}",
        r.stdout
    );
    let r = drawdown(&["checkpoints", "retire", "--db", &db, "nowhere"], &[]);
    assert!(
        !r.ok() && r.stderr.contains("no checkpoint 'nowhere'"),
        "{}",
        r.all()
    );

    // Every change is in the audit log.
    let admin = s.login("admin").await;
    let audit = s
        .get(
            "/api/v1/audit?action=checkpoints.&limit=50",
            Auth::Session(&admin),
        )
        .await
        .json();
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "checkpoints.add",
        "checkpoints.edit",
        "checkpoints.move",
        "checkpoints.retire",
        "checkpoints.restore",
    ] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    drawdown(&["audit", "verify", "--db", &db], &[]).assert_ok();
}
