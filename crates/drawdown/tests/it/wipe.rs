//! The emergency wipe: two people in the web UI, one operator at the console, with and
//! without the encrypted hand-off; afterwards no file the server wrote holds a name or the
//! key material.

use crate::harness::*;
use serde_json::Value;
use std::io::Read;
use std::path::Path;

/// Distinctive personal data: found nowhere after the wipe.
const NEEDLES: [&str; 8] = [
    "Zarmina",
    "Quxbrightwater",
    "Oskarbell",
    "Frindlewhite",
    "Halvorine",
    "Brumblequist",
    "P99Q88X77",
    "zarmina.qux@example.org",
];
/// A password typed at the server: never printed.
const SECRET_PASSWORD: &str = "Plover-Quasar-Fennel-9";

async fn vault_header(db: &Path) -> Vec<u8> {
    use sqlx::Connection;
    let mut c = sqlite(db).await;
    let h: Vec<u8> = sqlx::query_scalar("SELECT header FROM vault WHERE id = 1")
        .fetch_one(&mut c)
        .await
        .expect("vault header");
    c.close().await.expect("close");
    h
}

/// Pieces of the header that are random (the wrapped root key), each long enough never to
/// occur by chance: 16-byte windows of everything after the KDF section.
fn header_pieces(header: &[u8]) -> Vec<Vec<u8>> {
    let mut pieces = vec![header.to_vec()];
    // "DDVH" version kdf ... wrapped root key (72 bytes) key id (8 bytes): the last 80 bytes.
    let random = &header[header.len().saturating_sub(80)..];
    for chunk in random.chunks(16).filter(|c| c.len() == 16) {
        pieces.push(chunk.to_vec());
    }
    pieces
}

/// Every file under `dir`: none holds a needle or a piece of the header.
fn scan(dir: &Path, header: &[u8], when: &str) {
    let pieces = header_pieces(header);
    let files = files_under(dir);
    assert!(
        files.iter().any(|f| f.ends_with("demo.db")),
        "the scan sees the database: {files:?}"
    );
    let mut found = Vec::new();
    for f in &files {
        let bytes = std::fs::read(f).unwrap_or_default();
        for n in NEEDLES.iter().copied().chain([SECRET_PASSWORD]) {
            if contains_bytes(&bytes, n.as_bytes()) {
                found.push(format!("{} holds {n:?}", f.display()));
            }
        }
        for (i, p) in pieces.iter().enumerate() {
            if contains_bytes(&bytes, p) {
                found.push(format!(
                    "{} holds the vault header (piece {i})",
                    f.display()
                ));
            }
        }
    }
    assert!(
        found.is_empty(),
        "{when}: after the wipe, files still hold secrets:\n{}",
        found.join("\n")
    );
}

fn decrypt(identity: &age::x25519::Identity, armored: &[u8]) -> Value {
    let decryptor =
        age::Decryptor::new_buffered(age::armor::ArmoredReader::new(armored)).expect("an age file");
    let mut reader = decryptor
        .decrypt(std::iter::once(identity as &dyn age::Identity))
        .expect("decrypts with the identity");
    let mut out = Vec::new();
    reader.read_to_end(&mut out).expect("read plaintext");
    serde_json::from_slice(&out).expect("the hand-off is JSON")
}

fn names_in(handoff: &Value) -> Vec<String> {
    handoff["people"]
        .as_array()
        .expect("people")
        .iter()
        .map(|p| {
            format!(
                "{} {}",
                p["details"]["given_name"].as_str().unwrap_or(""),
                p["details"]["family_name"].as_str().unwrap_or("")
            )
        })
        .collect()
}

async fn pending_wipe_id(s: &Server, wipe2: &Session) -> String {
    let page = s.get("/protection", Auth::Session(wipe2)).await;
    page.expect(200, "GET /protection");
    let html = page.text();
    let at = html
        .find("/protection/wipe/confirm")
        .expect("a confirm form for the second authority");
    hidden_input(&html[at..], "id").expect("the request id")
}

#[tokio::test]
async fn two_person_wipe_leaves_nothing_readable() {
    let dir = TempDir::new("wipe");
    let mut s = Server::demo_small_in(&dir.path).await;
    let reg = s.login("registrar").await;
    s.add_person(
        &reg,
        "Zarmina",
        "Quxbrightwater",
        &[
            ("document_number", "P99Q88X77"),
            ("email", "zarmina.qux@example.org"),
            ("notes", "with Oskarbell"),
        ],
    )
    .await;
    s.add_person(
        &reg,
        "Oskarbell",
        "Frindlewhite",
        &[("phone", "+93 700 000 111")],
    )
    .await;
    let r = s
        .submit(
            "/people",
            &reg,
            &[
                ("category", "staff_local"),
                ("given_name", "Halvorine"),
                ("family_name", "Brumblequist"),
            ],
        )
        .await;
    r.expect(303, "add a person through the form");
    let found = s
        .get(
            "/api/v1/people?q=Zarmina%20Quxbrightwater",
            Auth::Session(&reg),
        )
        .await
        .json();
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(found["people"][0]["name"], "Zarmina Quxbrightwater");
    assert!(
        s.get("/people", Auth::Session(&reg))
            .await
            .text()
            .contains("Brumblequist")
    );

    // A password the server handles: it must never be printed.
    let admin = s.login("admin").await;
    let r = s
        .post_json("/api/v1/users", Auth::Session(&admin), &serde_json::json!({"username": "clerk9", "password": SECRET_PASSWORD, "roles": ["viewer"]}), true)
        .await;
    r.expect(201, "create clerk9");
    s.login_with("clerk9", SECRET_PASSWORD).await;
    s.try_login("clerk9", "Plover-wrong")
        .await
        .expect(401, "wrong password");

    let header = vault_header(&s.db_path()).await;
    assert!(header.starts_with(b"DDVH"), "a vault header");
    // The scan can see what it looks for: before the wipe, the header is in the files.
    let pieces = header_pieces(&header);
    let seen = files_under(&dir.path).iter().any(|f| {
        let b = std::fs::read(f).unwrap_or_default();
        pieces[1..].iter().all(|p| contains_bytes(&b, p))
    });
    assert!(
        seen,
        "before the wipe, the scan finds the vault header in the database files"
    );

    let w1 = s.login("wipe1").await;
    let w2 = s.login("wipe2").await;
    let r = s
        .submit("/protection/wipe", &w1, &[("confirm", "wipe")])
        .await;
    r.expect(400, "a request without the typed WIPE");
    let r = s
        .submit("/protection/wipe", &w1, &[("confirm", "WIPE")])
        .await;
    r.expect(303, "wipe1 requests a wipe");
    assert_eq!(
        r.location().as_deref(),
        Some("/protection?done=wipe-requested")
    );
    let r = s
        .submit("/protection/wipe", &w2, &[("confirm", "WIPE")])
        .await;
    r.expect(400, "a second request while one is pending");
    let id = pending_wipe_id(&s, &w2).await;

    let r = s
        .submit(
            "/protection/wipe/confirm",
            &w1,
            &[("id", &id), ("confirm", "WIPE")],
        )
        .await;
    r.expect(400, "wipe1 confirms its own request");
    assert!(
        r.text().contains("second wipe authority"),
        "{}",
        truncate(&r.text(), 800)
    );
    s.submit(
        "/protection/wipe/confirm",
        &reg,
        &[("id", &id), ("confirm", "WIPE")],
    )
    .await
    .expect(403, "the registrar confirms");
    s.submit(
        "/protection/wipe/confirm",
        &admin,
        &[("id", &id), ("confirm", "WIPE")],
    )
    .await
    .expect(403, "the administrator confirms");
    let r = s
        .submit(
            "/protection/wipe/confirm",
            &w2,
            &[("id", "not-the-request"), ("confirm", "WIPE")],
        )
        .await;
    r.expect(400, "confirming another id");
    let v = s.get("/api/v1/vault", Auth::Session(&reg)).await.json();
    assert_eq!(v["vault"], "unlocked", "nothing wiped yet: {v}");
    s.get("/people", Auth::Session(&reg))
        .await
        .expect(200, "the registry before the wipe");

    let r = s
        .submit(
            "/protection/wipe/confirm",
            &w2,
            &[("id", &id), ("confirm", "WIPE")],
        )
        .await;
    r.expect(303, "wipe2 confirms");
    assert_eq!(r.location().as_deref(), Some("/protection?done=wiped"));

    let v = s.get("/api/v1/vault", Auth::Session(&reg)).await;
    v.expect(200, "vault state");
    let v = v.json();
    assert_eq!(v["vault"], "wiped", "{v}");
    assert!(v["wiped_at"].is_string());
    let r = s.get("/people", Auth::Session(&reg)).await;
    r.expect(410, "the registry after the wipe");
    assert!(
        r.text().to_lowercase().contains("wiped"),
        "the refusal says why: {}",
        truncate(&r.text(), 800)
    );
    let r = s.get("/api/v1/people", Auth::Session(&reg)).await;
    r.expect(410, "the registry API after the wipe");
    assert!(r.json()["error"].as_str().unwrap_or("").contains("wiped"));
    s.post_json(
        "/api/v1/people",
        Auth::Session(&reg),
        &serde_json::json!({"category": "citizen", "given_name": "After", "family_name": "Wipe"}),
        true,
    )
    .await
    .expect(410, "adding a person after the wipe");
    for (who, path) in [(&admin, "/"), (&reg, "/account"), (&w2, "/protection")] {
        let page = s.get(path, Auth::Session(who)).await;
        page.expect(200, path);
        assert!(
            page.text().contains("WIPED at"),
            "{path} shows the WIPED banner"
        );
    }
    s.submit("/protection/wipe", &w1, &[("confirm", "WIPE")])
        .await
        .expect(410, "a new wipe request after the wipe");
    let d = s
        .get("/api/v1/footprint", Auth::Session(&admin))
        .await
        .json();
    assert_eq!(d["vault"], "wiped");

    // The files as the running server leaves them (database, WAL, shm, key file, logs)...
    scan(&dir.path, &header, "server running");
    s.stop();
    // ...and after it stopped.
    scan(&dir.path, &header, "server stopped");

    // The server printed no name and no password it was given.
    let logs = s.logs();
    for n in NEEDLES
        .iter()
        .copied()
        .chain([SECRET_PASSWORD, "Plover-wrong"])
    {
        assert!(
            !logs.contains(n),
            "the server's output holds {n:?}:\n{logs}"
        );
    }
    let leaks: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains(DEMO_PASSWORD) && !l.contains("Every demo password is"))
        .collect();
    assert!(
        leaks.is_empty(),
        "the server printed the demo password outside its banner: {leaks:?}"
    );

    // The audit chain recorded both people and stayed intact.
    let r = drawdown(&["audit", "verify", "--db", &sqlite_url(&s.db_path())], &[]);
    r.assert_ok();
}

#[tokio::test]
async fn web_wipe_hands_off_to_headquarters_first() {
    let s = Server::demo_small().await;
    let reg = s.login("registrar").await;
    let id = s
        .add_person(
            &reg,
            "Nargisa",
            "Thistlewood",
            &[("document_number", "HQ-4471")],
        )
        .await;
    let admin = s.login("admin").await;
    let people = s
        .get("/api/v1/footprint", Auth::Session(&admin))
        .await
        .json()["people_total"]
        .as_u64()
        .expect("people_total");
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public().to_string();

    let w1 = s.login("wipe1").await;
    let w2 = s.login("wipe2").await;
    let r = s
        .submit(
            "/protection/wipe",
            &w1,
            &[("recipient", "age1notavalidkey"), ("confirm", "WIPE")],
        )
        .await;
    r.expect(400, "a request with a bad recipient");
    assert!(
        r.text().contains("headquarters"),
        "{}",
        truncate(&r.text(), 800)
    );
    let r = s
        .submit(
            "/protection/wipe",
            &w1,
            &[("recipient", &recipient), ("confirm", "WIPE")],
        )
        .await;
    r.expect(303, "a request with hand-off");
    let req = pending_wipe_id(&s, &w2).await;
    let r = s
        .submit(
            "/protection/wipe/confirm",
            &w2,
            &[("id", &req), ("confirm", "WIPE")],
        )
        .await;
    r.expect(303, "wipe2 confirms");

    let page = s.get("/protection", Auth::Session(&w2)).await.text();
    let at = page
        .find("/protection/handoff/")
        .expect("the hand-off is listed");
    let name: String = page[at + "/protection/handoff/".len()..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    assert!(
        name.starts_with("handoff-") && name.ends_with(".age"),
        "{name}"
    );
    let path = format!("/protection/handoff/{name}");
    s.get(&path, Auth::Session(&reg))
        .await
        .expect(403, "the registrar downloads the hand-off");
    s.get("/protection/handoff/..%2Fdemo.key", Auth::Session(&w2))
        .await
        .expect(404, "a path outside the hand-offs");
    let file = s.get(&path, Auth::Session(&w2)).await;
    file.expect(200, "wipe2 downloads the hand-off");
    assert!(
        file.bytes
            .starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----")
    );
    assert!(
        !contains_bytes(&file.bytes, b"Thistlewood"),
        "the hand-off is not in the clear"
    );
    let on_disk =
        std::fs::read(s.data_dir.join("handoffs").join(&name)).expect("the hand-off on disk");
    assert!(!contains_bytes(&on_disk, b"Thistlewood"));

    let doc = decrypt(&identity, &file.bytes);
    assert_eq!(doc["format"], "drawdown-handoff-v1");
    let names = names_in(&doc);
    assert_eq!(
        names.len() as u64,
        people,
        "every person on the registry, the one added among them: {names:?}"
    );
    assert!(names.contains(&"Nargisa Thistlewood".to_string()));
    let p = doc["people"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id.as_str())
        .expect("by id");
    assert_eq!(p["details"]["document_number"], "HQ-4471");
    assert_eq!(
        s.get("/api/v1/vault", Auth::Session(&reg)).await.json()["vault"],
        "wiped"
    );
    // Someone else's identity cannot read it.
    let other = age::x25519::Identity::generate();
    let d = age::Decryptor::new_buffered(age::armor::ArmoredReader::new(&file.bytes[..])).unwrap();
    assert!(
        d.decrypt(std::iter::once(&other as &dyn age::Identity))
            .is_err()
    );
}

#[tokio::test]
async fn console_wipe_with_handoff() {
    let dir = TempDir::new("cliwipe");
    let mut s = Server::demo_small_in(&dir.path).await;
    let reg = s.login("registrar").await;
    s.add_person(&reg, "Parisa", "Consolewright", &[]).await;
    let admin = s.login("admin").await;
    let people = s
        .get("/api/v1/footprint", Auth::Session(&admin))
        .await
        .json()["people_total"]
        .as_u64()
        .expect("people_total");
    s.stop();
    let db = s.db_path();
    let key = s.key_path();
    let header = vault_header(&db).await;
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public().to_string();
    let out = dir.join("to-hq.age");

    // A bad recipient: refused before anything is destroyed.
    let r = drawdown(
        &[
            "wipe",
            "--db",
            &sqlite_url(&db),
            "--handoff-to",
            "age1bogus",
            "--handoff-out",
            &out.to_string_lossy(),
            "--key-file",
            &key.to_string_lossy(),
            "--yes",
        ],
        &[],
    );
    assert!(!r.ok(), "a wipe to a bad recipient succeeded: {}", r.all());
    assert!(key.exists() && !out.exists());
    assert_eq!(
        vault_header(&db).await,
        header,
        "a refused wipe changed the vault"
    );
    // Without --yes and no terminal: refused.
    let r = drawdown(&["wipe", "--db", &sqlite_url(&db)], &[]);
    assert!(!r.ok() && r.stderr.contains("--yes"), "{}", r.all());
    assert_eq!(vault_header(&db).await, header);

    let r = drawdown(
        &[
            "wipe",
            "--db",
            &sqlite_url(&db),
            "--handoff-to",
            &recipient,
            "--handoff-out",
            &out.to_string_lossy(),
            "--key-file",
            &key.to_string_lossy(),
            "--yes",
        ],
        &[],
    );
    r.assert_ok();
    assert!(
        r.stdout.contains(&format!("{people} people")),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("Wiped"), "{}", r.stdout);
    assert!(!key.exists(), "the key file is removed");
    let doc = decrypt(&identity, &std::fs::read(&out).expect("the hand-off file"));
    assert!(names_in(&doc).contains(&"Parisa Consolewright".to_string()));
    let again = drawdown(&["wipe", "--db", &sqlite_url(&db), "--yes"], &[]);
    again.assert_ok();
    assert!(again.stdout.contains("already wiped"), "{}", again.stdout);

    // No piece of the header survives in the database files.
    for f in files_under(&dir.path) {
        let bytes = std::fs::read(&f).unwrap();
        for p in header_pieces(&header) {
            assert!(
                !contains_bytes(&bytes, &p),
                "{} still holds the vault header",
                f.display()
            );
        }
    }

    // Served again: wiped, and says so.
    let s2 = Server::serve(&dir.path, &sqlite_url(&db), None).await;
    let admin = s2.login("admin").await;
    let v = s2.get("/api/v1/vault", Auth::Session(&admin)).await.json();
    assert_eq!(v["vault"], "wiped", "{v}");
    let reg = s2.login("registrar").await;
    s2.get("/people", Auth::Session(&reg))
        .await
        .expect(410, "the registry after a console wipe");
    assert!(
        s2.get("/", Auth::Session(&admin))
            .await
            .text()
            .contains("WIPED at")
    );
    drop(s2);
    drawdown(&["audit", "verify", "--db", &sqlite_url(&db)], &[]).assert_ok();
}
