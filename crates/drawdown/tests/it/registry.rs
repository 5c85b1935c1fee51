//! The registry (issue 3): lists imported from files, resolved into persons, searched by any
//! spelling, merged and split by hand.

use crate::harness::*;
use std::time::Duration;

/// One person on two lists, spelled differently, in Dari headers and in English ones.
const PARTNER: &str = "شماره ثبت,نام,تخلص,نام پدر,تاریخ تولد,شماره تلفن,ولایت\n\
p-1,Mohammad Rahim,Karimzada,Abdul Ghafoor,1984-03-12,0799 555 101,Kabul\n\
p-2,Freshta,Karimzada,Mohammad Rahim,2019-06-01,0799 555 101,Kabul\n\
p-3,Zarlasht,Qadiri,Ghulam Haidar,1990,+93 788 111 222,Herat\n";

const CONSULAR: &str = "case id,First name,Surname,Father's name,DOB,Mobile,Province\n\
c-9,Muhammad Rahim,Karimzade,Abdulghafur,12/03/1984,+93799555101,Kabul\n";

async fn wait_for_job(s: &Server, reg: &Session, location: &str) -> String {
    for _ in 0..600 {
        let page = s.get(location, Auth::Session(reg)).await.text();
        if !page.contains("http-equiv=\"refresh\"") {
            return page;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the job at {location} did not finish");
}

#[tokio::test]
async fn lists_import_idempotently_and_resolve_across_spellings() {
    let dir = TempDir::new("registry");
    let mut s = Server::demo_small_in(&dir.path).await;
    s.stop();
    let db = sqlite_url(&s.db_path());
    let key = s.key_path();
    let key = key.to_string_lossy();
    let partner = dir.join("partner.csv");
    std::fs::write(&partner, PARTNER).unwrap();
    let consular = dir.join("consular.csv");
    std::fs::write(&consular, CONSULAR).unwrap();
    let import = |file: &std::path::Path, source: &str, extra: &[&str]| {
        let file = file.to_string_lossy().into_owned();
        let mut args = vec![
            "import",
            "--db",
            &db,
            "--key-file",
            &key,
            "--source",
            source,
        ];
        args.extend_from_slice(extra);
        let mut all: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        all.push(file);
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        drawdown(&refs, &[])
    };

    // A dry run shows the mapping and the changes, and writes nothing.
    let r = import(&partner, "Partner X", &["--dry-run"]);
    r.assert_ok();
    assert!(
        r.stdout
            .contains("3 added, 0 changed, 0 unchanged, 0 removed"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("→ family_name"),
        "the Dari header تخلص maps to family_name: {}",
        r.stdout
    );
    assert!(
        r.stdout.contains("Dry run: nothing was written"),
        "{}",
        r.stdout
    );
    let r = import(&partner, "Partner X", &["--dry-run"]);
    assert!(
        r.stdout.contains("3 added"),
        "the dry run wrote nothing: {}",
        r.stdout
    );

    // A corrected mapping from the console; a column the file lacks is a clear error.
    let r = import(&partner, "Partner X", &["--dry-run", "--map", "ولایت=none"]);
    r.assert_ok();
    assert!(
        r.stdout.contains("mapping as you corrected it"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .lines()
            .any(|l| l.contains("ولایت") && l.contains("(not imported)")),
        "{}",
        r.stdout
    );
    let r = import(
        &partner,
        "Partner X",
        &["--dry-run", "--map", "Shoe size=none"],
    );
    assert!(
        !r.ok() && r.stderr.contains("no column 'shoe size'"),
        "{}",
        r.all()
    );

    // The real import, then the same file again: nothing changes.
    import(&partner, "Partner X", &[]).assert_ok();
    let r = import(&partner, "Partner X", &[]);
    r.assert_ok();
    assert!(
        r.stdout
            .contains("0 added, 0 changed, 3 unchanged, 0 removed"),
        "{}",
        r.stdout
    );
    import(&consular, "Consular", &[]).assert_ok();

    // A newer version of the list: one row changed, one gone.
    let newer = dir.join("partner-v2.csv");
    std::fs::write(
        &newer,
        PARTNER
            .replace("1990,+93 788 111 222", "1991,+93 788 111 222")
            .replace(
                "p-2,Freshta,Karimzada,Mohammad Rahim,2019-06-01,0799 555 101,Kabul\n",
                "",
            ),
    )
    .unwrap();
    let r = import(&newer, "Partner X", &[]);
    r.assert_ok();
    assert!(
        r.stdout
            .contains("0 added, 1 changed, 1 unchanged, 1 removed"),
        "{}",
        r.stdout
    );
    std::fs::write(&newer, PARTNER).unwrap();
    let r = import(&newer, "Partner X", &[]);
    assert!(
        r.stdout
            .contains("0 added, 1 changed, 2 unchanged, 0 removed"),
        "the row comes back: {}",
        r.stdout
    );
    // A list without ids ("شماره" is a serial number, renumbered on every export): rows are
    // known by their content, so a changed row is one removed and one added.
    let serial = dir.join("serial.csv");
    std::fs::write(
        &serial,
        "شماره,نام,تخلص
1,Ahmad,Wardak
2,Laila,Popal
",
    )
    .unwrap();
    import(&serial, "Serial", &[]).assert_ok();
    std::fs::write(
        &serial,
        "شماره,نام,تخلص
1,Laila,Popal
2,Ahmad,Wardakk
",
    )
    .unwrap();
    let r = import(&serial, "Serial", &[]);
    assert!(
        r.stdout
            .contains("1 added, 0 changed, 1 unchanged, 1 removed"),
        "{}",
        r.stdout
    );

    // A broken file: a clear error naming the line, and nothing written.
    let ragged = dir.join("ragged.csv");
    std::fs::write(&ragged, "id,name,surname\n1,Ahmad,Wardak\n2,Laila\n").unwrap();
    let r = import(&ragged, "Ragged", &[]);
    assert!(!r.ok());
    assert!(r.stderr.contains("line 3"), "{}", r.stderr);
    let audit = drawdown(&["audit", "verify", "--db", &db], &[]);
    audit.assert_ok();

    // The server: one person behind both spellings, found by a third spelling.
    let s = Server::serve(&dir.path, &db, Some(&s.key_path())).await;
    let reg = s.login("registrar").await;
    let j = s
        .get(
            "/api/v1/people?q=Mohamed%20Rahim%20Karimzadah",
            Auth::Session(&reg),
        )
        .await
        .json();
    assert_eq!(j["total"], 1, "{j}");
    let id = j["people"][0]["id"].as_str().unwrap().to_string();
    let page = s.get(&format!("/people/{id}"), Auth::Session(&reg)).await;
    page.expect(200, "the person page");
    let html = page.text();
    assert!(
        html.contains("Partner X") && html.contains("Consular"),
        "both lists behind the person"
    );
    assert!(
        html.contains("Perhaps the same household") && html.contains("Freshta"),
        "a household suggested from the shared phone and family name: {}",
        truncate(&html, 3000)
    );
    // A person confirms it: one household, at once and after every rebuild.
    let other = {
        let at = html
            .find("name=\"other\" value=\"")
            .expect("a 'same household' form");
        html[at + 20..]
            .chars()
            .take_while(|c| *c != '"')
            .collect::<String>()
    };
    s.submit(
        &format!("/people/{id}/household"),
        &reg,
        &[("other", &other)],
    )
    .await
    .expect(303, "link a household");
    let html = s
        .get(&format!("/people/{id}"), Auth::Session(&reg))
        .await
        .text();
    assert!(
        html.contains("Household (2 people)") && !html.contains("Perhaps the same household"),
        "{}",
        truncate(&html, 3000)
    );
    // A phone in another format finds them too.
    let j = s
        .get("/api/v1/people?q=%2B93799555101", Auth::Session(&reg))
        .await
        .json();
    assert!(
        j["people"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == id.as_str()),
        "{j}"
    );
    // The list filter.
    let j = s
        .get("/api/v1/people?source=Consular", Auth::Session(&reg))
        .await
        .json();
    assert_eq!(j["total"], 1, "{j}");

    // Split the consular row out by hand: two people, on the record.
    let row = {
        let at = html.find("name=\"row\" value=\"").expect("a split form");
        html[at + 18..]
            .chars()
            .take_while(|c| *c != '"')
            .collect::<String>()
    };
    let r = s
        .submit(&format!("/people/{id}/split"), &reg, &[("row", &row)])
        .await;
    r.expect(303, "split");
    wait_for_job(&s, &reg, &r.location().unwrap()).await;
    let j = s
        .get(
            "/api/v1/people?q=Mohamed%20Rahim%20Karimzadah",
            Auth::Session(&reg),
        )
        .await
        .json();
    assert_eq!(j["total"], 2, "after the split: {j}");
    let html = s
        .get(&format!("/people/{other}"), Auth::Session(&reg))
        .await
        .text();
    assert!(
        html.contains("Household (2 people)"),
        "the confirmed household survives a rebuild: {}",
        truncate(&html, 3000)
    );
    let admin = s.login("admin").await;
    let j = s
        .get(
            "/api/v1/audit?action=registry.unmerge",
            Auth::Session(&admin),
        )
        .await
        .json();
    assert!(!j["entries"].as_array().unwrap().is_empty(), "{j}");

    // Typed in by hand once more: matched at once to the person already on the registry.
    let before: Vec<String> = s
        .get(
            "/api/v1/people?q=Mohamed%20Rahim%20Karimzadah",
            Auth::Session(&reg),
        )
        .await
        .json()["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    let same = s
        .add_person(
            &reg,
            "Mohammed Rahim",
            "Karimzada",
            &[("birth_date", "1984-03-12"), ("phone", "0799555101")],
        )
        .await;
    assert!(before.contains(&same), "{same} should be one of {before:?}");
    let j = s
        .get(
            "/api/v1/audit?action=people.add_matched",
            Auth::Session(&admin),
        )
        .await
        .json();
    assert_eq!(j["entries"].as_array().unwrap().len(), 1, "{j}");
}

#[tokio::test]
async fn the_web_import_checks_first_then_commits_with_progress() {
    let s = Server::demo_small().await;
    let reg = s.login("registrar").await;
    let form = || {
        reqwest::multipart::Form::new()
            .text("source", "Partner Web")
            .part(
                "file",
                reqwest::multipart::Part::bytes(PARTNER.as_bytes().to_vec())
                    .file_name("partner.csv"),
            )
    };
    // Without the token in the action: refused, nothing staged.
    s.upload("/people/import", &reg, false, form())
        .await
        .expect(400, "upload without CSRF");
    let r = s.upload("/people/import", &reg, true, form()).await;
    r.expect(200, "the dry run");
    let html = r.text();
    assert!(
        html.contains("Check the import") && html.contains("partner.csv"),
        "{}",
        truncate(&html, 2000)
    );
    let at = html
        .find("action=\"/people/import/")
        .expect("the commit form");
    let token: String = html[at + 23..].chars().take_while(|c| *c != '"').collect();
    // A viewer cannot commit someone's upload.
    let viewer = s.login("viewer").await;
    s.submit(
        &format!("/people/import/{token}"),
        &viewer,
        &[("action", "commit")],
    )
    .await
    .expect(403, "viewer");
    let r = s
        .submit(
            &format!("/people/import/{token}"),
            &reg,
            &[("action", "commit")],
        )
        .await;
    r.expect(303, "commit");
    let done = wait_for_job(&s, &reg, &r.location().unwrap()).await;
    assert!(
        done.contains("Partner Web imported"),
        "{}",
        truncate(&done, 2000)
    );
    // The token is spent.
    s.submit(
        &format!("/people/import/{token}"),
        &reg,
        &[("action", "commit")],
    )
    .await
    .expect(400, "a spent upload");
    let j = s
        .get("/api/v1/people?source=Partner%20Web", Auth::Session(&reg))
        .await
        .json();
    assert_eq!(j["total"], 3, "{j}");
}

#[tokio::test]
async fn priority_rules_with_dates_decide_tiers_and_say_so() {
    let s = Server::demo_small().await;
    let reg = s.login("registrar").await;
    s.add_person(&reg, "Nilofar", "Rulestone", &[]).await;
    let tier = |j: serde_json::Value| j["people"][0]["priority"].as_i64().unwrap();
    let j = s
        .get("/api/v1/people?q=Nilofar%20Rulestone", Auth::Session(&reg))
        .await
        .json();
    assert_eq!(tier(j), 2, "the citizens' default");

    // A rule that ends before it starts, or without a tier: refused, nothing added.
    let r = s
        .submit(
            "/people/rules",
            &reg,
            &[
                ("name", "Backwards"),
                ("tier", "4"),
                ("from", "2021-08-25"),
                ("to", "2021-08-01"),
            ],
        )
        .await;
    r.expect(400, "a backwards rule");
    assert!(r.text().contains("ends before it starts"));
    // In Kabul, from 25 August only passports counted: citizens without one go later.
    let r = s
        .submit(
            "/people/rules",
            &reg,
            &[
                ("name", "Passports only from 25 August"),
                ("category", "citizen"),
                ("has_document", "no"),
                ("tier", "4"),
                ("from", "2021-08-25"),
            ],
        )
        .await;
    r.expect(303, "a rule");
    let page = s.get("/people/rules", Auth::Session(&reg)).await.text();
    assert!(
        page.contains("Citizens without a document on record → tier 4, from 2021-08-25"),
        "{}",
        truncate(&page, 3000)
    );
    assert!(!page.contains("Backwards"));
    // A viewer reads no rules (they are about people), and a committee member cannot edit them.
    s.get("/people/rules", Auth::Session(&s.login("viewer").await))
        .await
        .expect(403, "viewer");
    let committee = s.login("committee").await;
    s.submit(
        "/people/rules",
        &committee,
        &[("name", "x"), ("tier", "1"), ("from", "2021-08-01")],
    )
    .await
    .expect(403, "committee");

    let r = s.submit("/people/resolve", &reg, &[]).await;
    r.expect(303, "rebuild");
    wait_for_job(&s, &reg, &r.location().unwrap()).await;
    let j = s
        .get("/api/v1/people?q=Nilofar%20Rulestone", Auth::Session(&reg))
        .await
        .json();
    assert_eq!(tier(j.clone()), 4, "{j}");
    let id = j["people"][0]["id"].as_str().unwrap().to_string();
    let person = s
        .get(&format!("/people/{id}"), Auth::Session(&reg))
        .await
        .text();
    assert!(
        person.contains("Passports only from 25 August"),
        "the person says which rule gave the tier"
    );
    let admin = s.login("admin").await;
    let j = s
        .get("/api/v1/audit?action=registry.rule", Auth::Session(&admin))
        .await
        .json();
    assert_eq!(j["entries"].as_array().unwrap().len(), 1, "{j}");
}

#[tokio::test]
async fn an_oversized_upload_is_refused_and_changes_nothing() {
    let s = Server::demo_small().await;
    let reg = s.login("registrar").await;
    let admin = s.login("admin").await;
    let imports_before = s
        .get(
            "/api/v1/audit?action=registry.import",
            Auth::Session(&admin),
        )
        .await
        .json()["entries"]
        .as_array()
        .unwrap()
        .len();
    // 300 MiB, over the 256 MiB an import may be (a 2 GB file meets the same wall, sooner or later).
    let big = vec![b'a'; 300 << 20];
    let form = reqwest::multipart::Form::new().text("source", "Huge").part(
        "file",
        reqwest::multipart::Part::bytes(big).file_name("huge.csv"),
    );
    let r = s.upload("/people/import", &reg, true, form).await;
    assert!(matches!(r.status, 400 | 413), "status {}", r.status);
    let imports_after = s
        .get(
            "/api/v1/audit?action=registry.import",
            Auth::Session(&admin),
        )
        .await
        .json()["entries"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(imports_before, imports_after);
    let page = s.get("/people/import", Auth::Session(&reg)).await.text();
    assert!(!page.contains("Huge"), "no list named Huge was made");
}

#[tokio::test]
async fn a_claimed_status_stays_unverified_until_a_document_is_seen() {
    let s = Server::demo_small().await;
    let reg = s.login("registrar").await;
    // The demo's self-registrations join at the first rebuild: count after it.
    let r = s.submit("/people/resolve", &reg, &[]).await;
    wait_for_job(&s, &reg, &r.location().unwrap()).await;
    // The hotline's callers only claim their status.
    let j = s
        .get("/api/v1/people?status=claimed", Auth::Session(&reg))
        .await
        .json();
    assert!(j["total"].as_i64().unwrap() > 0, "{j}");
    let claimed = j["total"].as_i64().unwrap();
    let person = &j["people"][0];
    assert_eq!(person["status"], "claimed, unverified");
    let id = person["id"].as_str().unwrap().to_string();

    s.submit(&format!("/people/{id}/verify"), &reg, &[("document", "")])
        .await
        .expect(400, "no document named");
    s.submit(
        &format!("/people/{id}/verify"),
        &reg,
        &[("document", "Tazkira")],
    )
    .await
    .expect(303, "verified");
    let page = s
        .get(&format!("/people/{id}"), Auth::Session(&reg))
        .await
        .text();
    assert!(!page.contains("claimed, unverified"));
    // Every rebuild keeps it.
    let r = s.submit("/people/resolve", &reg, &[]).await;
    wait_for_job(&s, &reg, &r.location().unwrap()).await;
    let j = s
        .get("/api/v1/people?status=claimed", Auth::Session(&reg))
        .await
        .json();
    assert_eq!(j["total"].as_i64().unwrap(), claimed - 1, "{j}");
    let admin = s.login("admin").await;
    let j = s
        .get("/api/v1/audit?action=people.verify", Auth::Session(&admin))
        .await
        .json();
    assert_eq!(j["entries"][0]["detail"], "document=Tazkira");
}

/// Waits until the server's log says the matcher was restored `times` times.
async fn wait_for_matcher(s: &Server, times: usize) {
    for _ in 0..600 {
        if s.logs()
            .matches("matcher restored from the registry")
            .count()
            >= times
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the matcher was not restored {times} times:\n{}", s.logs());
}

#[tokio::test]
async fn a_person_typed_in_twice_or_after_a_restart_is_matched_to_the_first() {
    let dir = TempDir::new("matcher");
    let mut s = Server::demo_small_in(&dir.path).await;
    s.stop();
    let db = sqlite_url(&s.db_path());
    let key = s.key_path();
    // A restarted server has no resolution run in memory: it restores the matcher from the
    // stored rows and the stored weights.
    let mut s = Server::serve(&dir.join("second"), &db, Some(&key)).await;
    wait_for_matcher(&s, 1).await;
    let reg = s.login("registrar").await;
    let extra = [("birth_date", "1991-07-04"), ("phone", "+93 700 123 456")];
    let first = s.add_person(&reg, "Zmaryalai", "Testwal", &extra).await;
    // The hand-added row joins the matcher in the background…
    wait_for_matcher(&s, 2).await;
    // …so the same person typed in again, spelled otherwise, is the same person.
    let again = s.add_person(&reg, "Zmarialai", "Testwal", &extra).await;
    assert_eq!(again, first);
    s.stop();
    let s = Server::serve(&dir.join("third"), &db, Some(&key)).await;
    wait_for_matcher(&s, 1).await;
    let reg = s.login("registrar").await;
    let third = s
        .add_person(
            &reg,
            "Zmaryalay",
            "Testwal",
            &[("birth_date", "1991-07-04"), ("phone", "0700123456")],
        )
        .await;
    assert_eq!(third, first, "after a restart too");
}

#[tokio::test]
async fn the_review_queue_takes_decisions_on_its_pairs_and_nothing_else() {
    let s = Server::demo_small().await;
    let reg = s.login("registrar").await;
    let review = || async { s.get("/people/review", Auth::Session(&reg)).await.text() };
    // "N pairs the engine could not decide", and the pair shown.
    let waiting = |page: &str| -> i64 {
        let head = page.split(" pairs the engine").next().unwrap_or("");
        let digits: String = head
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_digit() || *c == ',')
            .filter(char::is_ascii_digit)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        digits.parse().expect("a count of pairs")
    };
    let field = |page: &str, name: &str| -> String {
        let at = page
            .find(&format!("name=\"{name}\" value=\""))
            .expect("the pair's row ids");
        page[at + name.len() + 15..]
            .split('"')
            .next()
            .unwrap_or("")
            .to_string()
    };
    let page = review().await;
    let before = waiting(&page);
    assert!(before > 0, "the small demo has pairs to review");
    let (a, b) = (field(&page, "a"), field(&page, "b"));
    assert!(page.contains("Match weight"), "{}", truncate(&page, 2000));

    // Rows that do not exist, or a row with itself: not found, nothing recorded.
    for (x, y) in [("no-such-row", b.as_str()), (a.as_str(), a.as_str())] {
        s.submit(
            "/people/review",
            &reg,
            &[("a", x), ("b", y), ("decision", "match"), ("skip", "0")],
        )
        .await
        .expect(404, "a decision on rows that are not a pair");
    }
    s.submit(
        "/people/review",
        &reg,
        &[("a", &a), ("b", &b), ("decision", "perhaps"), ("skip", "0")],
    )
    .await
    .expect(400, "an unknown decision");
    assert_eq!(waiting(&review().await), before, "nothing decided");

    // A decision on the pair shown takes it off the queue.
    s.submit(
        "/people/review",
        &reg,
        &[
            ("a", &a),
            ("b", &b),
            ("decision", "not_match"),
            ("skip", "0"),
        ],
    )
    .await
    .expect(303, "a decision");
    let page = review().await;
    assert_eq!(waiting(&page), before - 1);
    if before > 1 {
        assert!((field(&page, "a"), field(&page, "b")) != (a.clone(), b.clone()));
    }
    // Reading the queue is a registrar's work.
    s.get("/people/review", Auth::Session(&s.login("viewer").await))
        .await
        .expect(403, "viewer");
}
