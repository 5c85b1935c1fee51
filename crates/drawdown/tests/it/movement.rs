//! Movement (issue 6): departures, plans from the registry, manifests and their exports,
//! through the real server on SQLite.

use crate::harness::*;
use serde_json::json;

const GOOD: &str = "departure_id,kind,carrier,origin,destination,departs_at,seats,weight_limit_kg,gate,status\n\
T-RCH1,flight,USAF C-17,HKIA,Al Udeid,2021-08-20 10:00,400,,North,\n\
T-CVY1,convoy,Buses,Compound,HKIA,2021-08-20T06:00:00Z,60,,,confirmed\n";

const BAD: &str = "departure_id,departs_at,seats\n\
T-B1,2021-08-20 10:00,-5\n\
T-B2,someday,100\n\
T-B3,2021-08-20 10:00,100\n\
T-B3,2021-08-20 11:00,100\n";

/// `drawdown manifests ARGS… --db DB [--key-file KEY]`.
fn manifests(db: &str, key: Option<&str>, args: &[&str]) -> Run {
    let mut all = vec!["manifests"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--db", db]);
    if let Some(k) = key {
        all.extend_from_slice(&["--key-file", k]);
    }
    drawdown(&all, &[])
}

async fn board_ids(s: &Server, who: &Session) -> Vec<String> {
    let r = s.get("/api/v1/departures", Auth::Session(who)).await;
    r.expect(200, "departures");
    r.json()["departures"]
        .as_array()
        .expect("array")
        .iter()
        .map(|d| d["id"].as_str().unwrap_or("").to_string())
        .collect()
}

#[tokio::test]
async fn departures_are_added_imported_and_refused_with_the_row_named() {
    let s = Server::demo_small().await;
    let mv = s.login("movement").await;
    let before = board_ids(&s, &mv).await;

    // A form with negative seats: refused, the field named, nothing added.
    let r = s
        .submit(
            "/movement/departures",
            &mv,
            &[
                ("id", "T-FORM"),
                ("departs_at", "2021-08-21 09:00"),
                ("seats", "-3"),
            ],
        )
        .await;
    r.expect(400, "negative seats");
    assert!(
        r.text().contains("seats -3"),
        "{}",
        truncate(&r.text(), 2000)
    );
    assert_eq!(board_ids(&s, &mv).await, before);

    // A good one.
    s.submit(
        "/movement/departures",
        &mv,
        &[
            ("id", "T-FORM"),
            ("carrier", "Qatar A350"),
            ("departs_at", "2021-08-21 09:00"),
            ("seats", "280"),
        ],
    )
    .await
    .expect(303, "add");
    // The same id again: a conflict naming it.
    let r = s
        .submit(
            "/movement/departures",
            &mv,
            &[
                ("id", "T-FORM"),
                ("departs_at", "2021-08-21 09:00"),
                ("seats", "10"),
            ],
        )
        .await;
    r.expect(400, "duplicate id");
    assert!(r.text().contains("T-FORM exists already"));

    // A file with bad rows: each named, none written.
    let file = |body: &str| {
        reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(body.as_bytes().to_vec()).file_name("deps.csv"),
        )
    };
    let r = s
        .upload("/movement/departures/import", &mv, true, file(BAD))
        .await;
    r.expect(400, "bad file");
    let page = r.text();
    for expected in [
        "row 2: seats -5",
        "row 3: departs_at",
        "row 5: departure_id &#39;T-B3&#39; appears twice",
    ] {
        assert!(
            page.contains(expected),
            "missing {expected}: {}",
            truncate(&page, 3000)
        );
    }
    assert!(
        !board_ids(&s, &mv)
            .await
            .iter()
            .any(|i| i.starts_with("T-B"))
    );
    // Without the CSRF token: refused.
    s.upload("/movement/departures/import", &mv, false, file(GOOD))
        .await
        .expect(400, "no csrf");
    s.upload("/movement/departures/import", &mv, true, file(GOOD))
        .await
        .expect(303, "good file");
    let ids = board_ids(&s, &mv).await;
    assert!(ids.contains(&"T-RCH1".to_string()) && ids.contains(&"T-CVY1".to_string()));

    // The board shows them; the viewer reads but cannot add.
    let board = s.get("/movement", Auth::Session(&mv)).await;
    board.expect(200, "board");
    assert!(board.text().contains("T-RCH1") && board.text().contains("class=\"sortable\""));
    let viewer = s.login("viewer").await;
    s.submit(
        "/movement/departures",
        &viewer,
        &[
            ("id", "T-V"),
            ("departs_at", "2021-08-21 09:00"),
            ("seats", "5"),
        ],
    )
    .await
    .expect(403, "viewer adds");

    // Status: cancelled through the API; an unknown status is refused.
    let r = s
        .post_json(
            "/api/v1/departures/T-RCH1/state",
            Auth::Session(&mv),
            &json!({"status": "gone"}),
            true,
        )
        .await;
    r.expect(400, "unknown status");
    let r = s
        .post_json(
            "/api/v1/departures/T-RCH1/state",
            Auth::Session(&mv),
            &json!({"status": "cancelled"}),
            true,
        )
        .await;
    r.expect(200, "cancel");
    assert_eq!(r.json()["status"], "cancelled");

    // The API adds all or none, naming the bad element.
    let r = s
        .post_json(
            "/api/v1/departures",
            Auth::Session(&mv),
            &json!({"departures": [
                {"id": "T-API1", "departs_at": "2021-08-22 10:00", "seats": 100},
                {"id": "T-API2", "departs_at": "2021-08-22 10:00", "seats": -1}
            ]}),
            true,
        )
        .await;
    r.expect(400, "api bad");
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap_or("")
            .contains("departures[1]: seats -1")
    );
    assert!(!board_ids(&s, &mv).await.contains(&"T-API1".to_string()));

    // Every write was audited.
    let admin = s.login("admin").await;
    let audit = s
        .get(
            "/api/v1/audit?action=movement.departure",
            Auth::Session(&admin),
        )
        .await;
    audit.expect(200, "audit");
    let n = audit.json()["entries"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0);
    assert!(n >= 3, "audit entries: {n}");
}

#[tokio::test]
async fn the_command_line_imports_lists_and_refuses_bad_files() {
    let dir = TempDir::new("movement-cli");
    let mut s = Server::demo_small_in(&dir.path).await;
    s.stop();
    let db = sqlite_url(&s.db_path());
    let good = dir.join("good.csv");
    std::fs::write(&good, GOOD).unwrap();
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, BAD).unwrap();
    let r = drawdown(
        &["departures", "import", "--db", &db, &bad.to_string_lossy()],
        &[],
    );
    assert!(!r.ok(), "bad file accepted");
    assert!(
        r.stderr.contains("row 2: seats -5") && r.stderr.contains("nothing was imported"),
        "{}",
        r.all()
    );
    drawdown(
        &["departures", "import", "--db", &db, &good.to_string_lossy()],
        &[],
    )
    .assert_ok();
    let r = drawdown(
        &[
            "departures",
            "add",
            "--db",
            &db,
            "--id",
            "T-CLI",
            "--departs-at",
            "2021-08-23 08:00",
            "--seats",
            "-2",
        ],
        &[],
    );
    assert!(!r.ok() && r.stderr.contains("seats -2"), "{}", r.all());
    drawdown(
        &[
            "departures",
            "add",
            "--db",
            &db,
            "--id",
            "T-CLI",
            "--departs-at",
            "2021-08-23 08:00",
            "--seats",
            "120",
        ],
        &[],
    )
    .assert_ok();
    let list = drawdown(&["departures", "list", "--db", &db], &[]);
    list.assert_ok();
    assert!(
        list.stdout.contains("T-RCH1,flight,USAF C-17") && list.stdout.contains("T-CLI,"),
        "{}",
        list.all()
    );
}

#[tokio::test]
async fn the_demo_plan_moves_households_whole_and_exports_are_safe_and_audited() {
    let s = Server::demo_small().await;
    let mv = s.login("movement").await;
    let deps = s.get("/api/v1/departures", Auth::Session(&mv)).await.json();
    let deps = deps["departures"].as_array().expect("departures").clone();
    assert!(deps.len() >= 20, "the demo seeds departures");
    // Households never split: every manifest entry's people are all on that departure, and
    // seats are never exceeded on a planned departure.
    let mut first_open = None;
    for d in &deps {
        let m = &d["manifested"];
        assert!(
            m["seats"].as_i64().unwrap_or(0) <= d["seats"].as_i64().unwrap_or(0),
            "{d}"
        );
        if first_open.is_none()
            && d["manifest"] == "open"
            && m["households"].as_i64().unwrap_or(0) > 0
        {
            first_open = Some(d["id"].as_str().unwrap_or("").to_string());
        }
    }
    let open_id = first_open.expect("an open manifest with households");

    // Plan again through the API: everyone keeps their seat (nothing changed).
    let r = s
        .post_json(
            "/api/v1/plans",
            Auth::Session(&mv),
            &json!({"time_limit_s": 1}),
            true,
        )
        .await;
    r.expect(201, "plan");
    let run = r.json();
    assert_eq!(run["changed"], 0, "{run}");
    assert!(
        run["bound"].as_f64().unwrap_or(0.0) >= run["objective"].as_f64().unwrap_or(1.0) - 1e-6,
        "{run}"
    );

    // The manifest: households with counts; passengers with APIS fields.
    let m = s
        .get(
            &format!("/api/v1/departures/{open_id}/manifest"),
            Auth::Session(&mv),
        )
        .await;
    m.expect(200, "manifest");
    let m = m.json();
    let households = m["households"].as_array().expect("households").clone();
    let passengers = m["passengers"].as_array().expect("passengers").clone();
    let people: i64 = households
        .iter()
        .map(|h| h["people"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(
        passengers.len() as i64,
        people,
        "one passenger row per person"
    );
    assert!(passengers.iter().all(|p| p["family_name"].is_string()
        && p["date_of_birth"].is_string()
        && p["nationality"].is_string()));
    let unit = households[0]["household"]
        .as_str()
        .expect("unit")
        .to_string();

    // Cancel that departure and re-plan: its households go elsewhere or are left with a reason;
    // households on other departures keep their seats.
    let r = s
        .post_json(
            &format!("/api/v1/departures/{open_id}/state"),
            Auth::Session(&mv),
            &json!({"status": "cancelled"}),
            true,
        )
        .await;
    r.expect(200, "cancel");
    let r = s
        .post_json(
            "/api/v1/plans",
            Auth::Session(&mv),
            &json!({"time_limit_s": 1}),
            true,
        )
        .await;
    r.expect(201, "re-plan");
    let run = r.json();
    let run_id = run["id"].as_str().expect("id").to_string();
    let detail = s
        .get(&format!("/api/v1/plans/{run_id}"), Auth::Session(&mv))
        .await
        .json();
    let outcomes = detail["outcomes"].as_array().expect("outcomes").clone();
    for o in outcomes
        .iter()
        .filter(|o| o["outcome"] == "moved" || o["outcome"] == "removed")
    {
        assert_eq!(
            o["previous_departure"],
            json!(open_id),
            "only the cancelled departure's households move: {o}"
        );
    }
    assert!(
        outcomes
            .iter()
            .filter(|o| o["outcome"] == "left" || o["outcome"] == "removed")
            .all(|o| !o["reason"].as_str().unwrap_or("").is_empty())
    );
    let page = s
        .get(&format!("/movement/plans/{run_id}"), Auth::Session(&mv))
        .await;
    page.expect(200, "plan page");
    assert!(page.text().contains("Why households were left"));

    // Move a household by hand onto a full departure: done, pinned, with a warning.
    let target = deps
        .iter()
        .find(|d| d["manifest"] == "open" && d["status"] == "planned" && d["id"] != json!(open_id))
        .expect("another open departure");
    let target_id = target["id"].as_str().expect("id").to_string();
    let placed = s.get("/api/v1/departures", Auth::Session(&mv)).await.json();
    let unit_now = placed["departures"]
        .as_array()
        .expect("deps")
        .iter()
        .find(|d| d["id"] == json!(target_id))
        .cloned()
        .expect("target");
    let _ = unit_now;
    let r = s
        .submit(
            &format!("/movement/manifest/{unit}/move"),
            &mv,
            &[("departure", &target_id), ("back", &target_id)],
        )
        .await;
    r.expect(303, "move by hand");
    let editor = s
        .get(
            r.location().as_deref().expect("location"),
            Auth::Session(&mv),
        )
        .await;
    editor.expect(200, "editor");
    assert!(
        editor.text().contains(&unit),
        "the household is on {target_id}"
    );
    // A re-plan keeps the pinned household where the person put it.
    s.post_json(
        "/api/v1/plans",
        Auth::Session(&mv),
        &json!({"time_limit_s": 1}),
        true,
    )
    .await
    .expect(201, "plan again");
    let m = s
        .get(
            &format!("/api/v1/departures/{target_id}/manifest"),
            Auth::Session(&mv),
        )
        .await
        .json();
    let kept = m["households"]
        .as_array()
        .expect("households")
        .iter()
        .find(|h| h["household"] == json!(unit))
        .cloned()
        .expect("still there");
    assert_eq!(kept["pinned"], true);

    // Exports: CSV neutralised, XLSX and PDF well formed; every export audited.
    let csv = s
        .get(
            &format!("/movement/departures/{target_id}/manifest.csv"),
            Auth::Session(&mv),
        )
        .await;
    csv.expect(200, "csv");
    let text = csv.text();
    assert!(text.starts_with("departure_id,household,seq,family_name,given_names,date_of_birth,sex,nationality,document_number,document_expiry"));
    for line in text.lines().skip(1) {
        for cell in line.split(',') {
            assert!(!cell.starts_with(['=', '+', '-', '@']), "formula in {line}");
        }
    }
    let xlsx = s
        .get(
            &format!("/movement/departures/{target_id}/manifest.xlsx"),
            Auth::Session(&mv),
        )
        .await;
    xlsx.expect(200, "xlsx");
    assert!(xlsx.bytes.starts_with(b"PK"), "xlsx is a zip");
    let pdf = s
        .get(
            &format!("/movement/departures/{target_id}/manifest.pdf"),
            Auth::Session(&mv),
        )
        .await;
    pdf.expect(200, "pdf");
    assert!(pdf.bytes.starts_with(b"%PDF"));
    let admin = s.login("admin").await;
    let audit = s
        .get(
            "/api/v1/audit?action=movement.manifest_export",
            Auth::Session(&admin),
        )
        .await
        .json();
    let formats: Vec<String> = audit["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["detail"].as_str().unwrap_or("").to_string())
        .collect();
    for f in ["format=csv", "format=xlsx", "format=pdf", "format=json"] {
        assert!(
            formats.iter().any(|d| d.starts_with(f)),
            "{f} not audited: {formats:?}"
        );
    }
    // The viewer reads the board but cannot plan.
    let viewer = s.login("viewer").await;
    s.post_json("/api/v1/plans", Auth::Session(&viewer), &json!({}), true)
        .await
        .expect(403, "viewer plans");
}

/// An open departure of the demo whose manifest has households, and one household on it.
async fn open_departure_with_a_household(s: &Server, who: &Session) -> (String, String) {
    let deps = s.get("/api/v1/departures", Auth::Session(who)).await.json();
    let d = deps["departures"]
        .as_array()
        .expect("departures")
        .iter()
        .find(|d| {
            d["manifest"] == "open"
                && d["status"] == "planned"
                && d["manifested"]["households"].as_i64().unwrap_or(0) > 0
        })
        .cloned()
        .expect("an open manifest with households");
    let id = d["id"].as_str().expect("id").to_string();
    let m = s
        .get(
            &format!("/api/v1/departures/{id}/manifest"),
            Auth::Session(who),
        )
        .await
        .json();
    let unit = m["households"][0]["household"]
        .as_str()
        .expect("household")
        .to_string();
    (id, unit)
}

async fn audit_count(s: &Server, action: &str) -> usize {
    let admin = s.login("admin").await;
    s.get(
        &format!("/api/v1/audit?action={action}"),
        Auth::Session(&admin),
    )
    .await
    .json()["entries"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0)
}

#[tokio::test]
async fn readiness_set_in_the_page_and_the_api_is_used_by_the_next_plan_and_audited() {
    let s = Server::demo_small().await;
    let mv = s.login("movement").await;
    let (_, unit) = open_departure_with_a_household(&s, &mv).await;

    // The household's page: where it is, its readiness, the form.
    let page = s
        .get(&format!("/movement/manifest/{unit}"), Auth::Session(&mv))
        .await;
    page.expect(200, "household page");
    assert!(
        page.text().contains("Set readiness") && page.text().contains("documents ready"),
        "{}",
        truncate(&page.text(), 3000)
    );

    // A deadline before readiness: refused, the field named, nothing recorded.
    let before = s
        .get(
            &format!("/api/v1/manifest/{unit}/readiness"),
            Auth::Session(&mv),
        )
        .await
        .json();
    let r = s
        .submit(
            &format!("/movement/manifest/{unit}/readiness"),
            &mv,
            &[
                ("documents_ready", "yes"),
                ("ready_at", "2021-08-20 06:00"),
                ("deadline", "2021-08-19 00:00"),
            ],
        )
        .await;
    r.expect(400, "deadline before readiness");
    assert!(
        r.text()
            .contains("deadline 2021-08-19T00:00:00Z: it must be after"),
        "{}",
        truncate(&r.text(), 3000)
    );
    let after = s
        .get(
            &format!("/api/v1/manifest/{unit}/readiness"),
            Auth::Session(&mv),
        )
        .await
        .json();
    assert_eq!(before, after, "nothing changed");
    let r = s
        .post_json(
            &format!("/api/v1/manifest/{unit}/readiness"),
            Auth::Session(&mv),
            &json!({"ready_at": "soon"}),
            true,
        )
        .await;
    r.expect(400, "a time that is not one");
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap_or("")
            .contains("ready_at 'soon'")
    );

    // Documents not ready (API): the next plan takes the household off, saying why.
    let r = s
        .post_json(
            &format!("/api/v1/manifest/{unit}/readiness"),
            Auth::Session(&mv),
            &json!({"documents_ready": false}),
            true,
        )
        .await;
    r.expect(200, "set readiness");
    assert_eq!(r.json()["documents_ready"], false);
    assert_eq!(r.json()["household"], json!(unit));
    let run = s
        .post_json(
            "/api/v1/plans",
            Auth::Session(&mv),
            &json!({"time_limit_s": 1}),
            true,
        )
        .await;
    run.expect(201, "plan");
    let id = run.json()["id"].as_str().expect("id").to_string();
    let detail = s
        .get(&format!("/api/v1/plans/{id}"), Auth::Session(&mv))
        .await
        .json();
    let o = detail["outcomes"]
        .as_array()
        .expect("outcomes")
        .iter()
        .find(|o| o["household"] == json!(unit))
        .cloned()
        .expect("the household's outcome");
    assert_eq!(o["outcome"], "removed", "{o}");
    assert_eq!(o["reason"], "documents not ready", "{o}");

    // Ready again from the page (an empty time clears it); the viewer may read, not set.
    let r = s
        .submit(
            &format!("/movement/manifest/{unit}/readiness"),
            &mv,
            &[
                ("documents_ready", "yes"),
                ("ready_at", "2021-08-16 06:00"),
                ("deadline", ""),
            ],
        )
        .await;
    r.expect(303, "save readiness");
    assert_eq!(
        r.location().as_deref(),
        Some(format!("/movement/manifest/{unit}?done=readiness-saved").as_str())
    );
    let now = s
        .get(
            &format!("/api/v1/manifest/{unit}/readiness"),
            Auth::Session(&mv),
        )
        .await
        .json();
    assert_eq!(
        now,
        json!({"household": unit, "documents_ready": true, "ready_at": "2021-08-16T06:00:00Z", "deadline": null})
    );
    let viewer = s.login("viewer").await;
    s.get(
        &format!("/api/v1/manifest/{unit}/readiness"),
        Auth::Session(&viewer),
    )
    .await
    .expect(200, "viewer reads");
    s.post_json(
        &format!("/api/v1/manifest/{unit}/readiness"),
        Auth::Session(&viewer),
        &json!({"documents_ready": true}),
        true,
    )
    .await
    .expect(403, "viewer sets");
    assert_eq!(audit_count(&s, "movement.readiness").await, 2);
    assert!(audit_count(&s, "movement.household_read").await >= 1);
}

#[tokio::test]
async fn a_household_bigger_than_any_open_departure_is_left_with_the_reason_and_the_rest_planned() {
    let s = Server::demo_small().await;
    let mv = s.login("movement").await;
    // Every open departure cancelled; one departure of a single seat left to plan on.
    let deps = s.get("/api/v1/departures", Auth::Session(&mv)).await.json();
    for d in deps["departures"].as_array().expect("departures") {
        if d["manifest"] == "open" && (d["status"] == "planned" || d["status"] == "confirmed") {
            s.post_json(
                &format!("/api/v1/departures/{}/state", d["id"].as_str().unwrap()),
                Auth::Session(&mv),
                &json!({"status": "cancelled"}),
                true,
            )
            .await
            .expect(200, "cancel");
        }
    }
    s.post_json(
        "/api/v1/departures",
        Auth::Session(&mv),
        &json!({"departures": [{"id": "T-ONE", "departs_at": "2021-08-25 10:00", "seats": 1}]}),
        true,
    )
    .await
    .expect(201, "a one-seat departure");
    // Through the web form, as the movement officer does it.
    let r = s.submit("/movement/plan", &mv, &[]).await;
    r.expect(303, "plan from the page");
    let page_url = r.location().expect("to the plan page");
    let page = s.get(&page_url, Auth::Session(&mv)).await;
    page.expect(200, "plan page");
    let html = page.text();
    assert!(
        html.contains("bigger than any open departure: needs 2 seats, the largest has 1"),
        "{}",
        truncate(&html, 4000)
    );
    assert!(html.contains("Why households were left"));
    let id = page_url.rsplit('/').next().unwrap().to_string();
    let run = s
        .get(&format!("/api/v1/plans/{id}"), Auth::Session(&mv))
        .await
        .json();
    assert_eq!(run["moved_people"], 1, "the one seat is used: {run}");
    let reasons = run["left_by_reason"].as_array().expect("reasons");
    let too_big = reasons
        .iter()
        .find(|r| r["reason"] == "bigger than any open departure")
        .expect("households too big are counted");
    assert!(too_big["households"].as_i64().unwrap_or(0) > 0);
    for o in run["outcomes"].as_array().expect("outcomes") {
        if o["outcome"] == "left" || o["outcome"] == "removed" {
            assert!(!o["reason"].as_str().unwrap_or("").is_empty(), "{o}");
        }
    }
}

#[tokio::test]
async fn the_dashboard_and_the_board_count_today_at_the_scenario_time() {
    let s = Server::demo_small().await;
    let mv = s.login("movement").await;
    let dash = s.get("/", Auth::Session(&mv)).await;
    dash.expect(200, "dashboard");
    let html = dash.text();
    let card = &html[html.find("id=\"c-departures\"").expect("the card")..];
    let card = &card[..card.find("</section>").unwrap()];
    // The demo is set on 15 August 2021: two flights and the compound convoy that day.
    assert!(card.contains("today, 15 Aug 2021 ("), "{card}");
    assert!(card.contains("<p class=\"big\">3</p>"), "{card}");
    let board = s.get("/movement", Auth::Session(&mv)).await.text();
    assert!(
        board.contains("Today, 15 Aug 2021"),
        "{}",
        truncate(&board, 3000)
    );
    assert!(
        board.contains("2021-08-15 (today)"),
        "the charts mark the day"
    );
}

/// The manifests from the console: plan, show, export, readiness; bad input refused.
#[tokio::test]
async fn the_manifests_command_line_plans_shows_exports_and_sets_readiness() {
    let dir = TempDir::new("manifests-cli");
    let mut s = Server::demo_small_in(&dir.path).await;
    let mv = s.login("movement").await;
    let (dep, unit) = open_departure_with_a_household(&s, &mv).await;
    let people: i64 = s
        .get(
            &format!("/api/v1/departures/{dep}/manifest"),
            Auth::Session(&mv),
        )
        .await
        .json()["manifested"]["people"]
        .as_i64()
        .unwrap_or(0);
    s.stop();
    let db = sqlite_url(&s.db_path());
    let key = s.key_path().to_string_lossy().into_owned();

    let r = manifests(&db, Some(&key), &["plan", "--time-limit", "1"]);
    r.assert_ok();
    for expected in [
        "moved:",
        "left:",
        "tier   moved     left",
        "objective:",
        "bound:",
        "gap:",
        "changed:     0 households",
    ] {
        assert!(r.stdout.contains(expected), "{expected}: {}", r.all());
    }
    let r = manifests(&db, Some(&key), &["plan", "--gate-per-hour", "0"]);
    assert!(
        !r.ok() && r.stderr.contains("at least 1 person"),
        "{}",
        r.all()
    );

    let r = manifests(&db, None, &["show", &dep]);
    r.assert_ok();
    assert!(
        r.stdout.contains(&format!("{people} people")) && r.stdout.contains(&unit),
        "{}",
        r.all()
    );
    let r = manifests(&db, None, &["show", "NOPE"]);
    assert!(
        !r.ok() && r.stderr.contains("no departure NOPE"),
        "{}",
        r.all()
    );

    let csv = dir.join("m.csv");
    let r = manifests(
        &db,
        Some(&key),
        &[
            "export",
            &dep,
            "--format",
            "csv",
            "--out",
            &csv.to_string_lossy(),
        ],
    );
    r.assert_ok();
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.starts_with("departure_id,household,seq,family_name,given_names,date_of_birth,sex,nationality,document_number,document_expiry,lap_infant,priority,head_of_household"));
    assert_eq!(text.lines().count() as i64, people + 1, "one row a person");
    assert!(
        text.lines()
            .skip(1)
            .all(|l| l.starts_with(&format!("{dep},")))
    );
    let xlsx = dir.join("m.xlsx");
    manifests(
        &db,
        Some(&key),
        &["export", &dep, "--out", &xlsx.to_string_lossy()],
    )
    .assert_ok();
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));
    let pdf = dir.join("m.pdf");
    manifests(
        &db,
        Some(&key),
        &[
            "export",
            &dep,
            "--format",
            "pdf",
            "--out",
            &pdf.to_string_lossy(),
        ],
    )
    .assert_ok();
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
    let r = manifests(
        &db,
        Some(&key),
        &[
            "export",
            &dep,
            "--format",
            "doc",
            "--out",
            &dir.join("m.doc").to_string_lossy(),
        ],
    );
    assert!(
        !r.ok() && r.stderr.contains("--format 'doc'"),
        "{}",
        r.all()
    );
    assert!(!dir.join("m.doc").exists());

    // Readiness: a deadline before readiness is refused; documents not ready leaves the
    // household at the next plan.
    let r = manifests(
        &db,
        None,
        &[
            "readiness",
            &unit,
            "--ready-at",
            "2021-08-20 06:00",
            "--deadline",
            "2021-08-18 00:00",
        ],
    );
    assert!(
        !r.ok() && r.stderr.contains("deadline 2021-08-18T00:00:00Z"),
        "{}",
        r.all()
    );
    let r = manifests(&db, None, &["readiness", &unit, "--documents-ready", "no"]);
    r.assert_ok();
    assert!(r.stdout.contains("documents not ready"), "{}", r.all());
    let r = manifests(
        &db,
        None,
        &["readiness", "no-such-household", "--documents-ready", "no"],
    );
    assert!(
        !r.ok() && r.stderr.contains("no household or person"),
        "{}",
        r.all()
    );
    let r = manifests(&db, Some(&key), &["plan", "--time-limit", "1"]);
    r.assert_ok();
    assert!(
        r.stdout.contains("left because documents not ready"),
        "{}",
        r.all()
    );

    // Every export, read and setting is in the audit log, by the console.
    let mut c = sqlite(&s.db_path()).await;
    let count = |action: &'static str| {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM audit_log WHERE action = $1 AND actor LIKE 'console:%'",
        )
        .bind(action)
    };
    assert_eq!(
        count("movement.manifest_export")
            .fetch_one(&mut c)
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        count("movement.manifest_read")
            .fetch_one(&mut c)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        count("movement.readiness").fetch_one(&mut c).await.unwrap(),
        1
    );
    assert!(count("movement.plan").fetch_one(&mut c).await.unwrap() >= 2);
    drawdown(&["audit", "verify", "--db", &db], &[]).assert_ok();
}

/// The plan and manifest flow on PostgreSQL: a database of its own on DRAWDOWN_TEST_PG (skipped
/// when it is not set), people and a household with a lap infant, departures, readiness, a
/// plan, a hand move and pin, a confirmed manifest, a cancellation and a re-plan, exports from
/// the web and the console, the audit chain intact.
#[tokio::test]
async fn plans_and_manifests_on_postgresql() {
    use sqlx::Connection;
    let Some(db) = PgDb::create("drawdown_mv").await else {
        return;
    };
    let url = db.url.clone();
    let dir = TempDir::new("mv-pg");
    let key = dir.join("pg.key");
    init_with_key_file(&url, &key, "admin").assert_ok();
    let mut s = Server::serve(&dir.path, &url, Some(&key)).await;
    let admin = s.login_with("admin", ADMIN_PASSWORD).await;
    for (user, role) in [("pgreg", "registrar"), ("pgmove", "movement")] {
        s.post_json(
            "/api/v1/users",
            Auth::Session(&admin),
            &json!({"username": user, "password": "a long test password", "roles": [role]}),
            true,
        )
        .await
        .expect(201, "add a user");
    }
    let reg = s.login_with("pgreg", "a long test password").await;
    let mv = s.login_with("pgmove", "a long test password").await;
    // A household of three (a lap infant among them) and two people alone.
    let mother = s
        .add_person(
            &reg,
            "Mahbooba",
            "Pgfamily",
            &[("birth_date", "1990-03-04")],
        )
        .await;
    let son = s
        .add_person(&reg, "Jawad", "Pgfamily", &[("birth_date", "2012-05-06")])
        .await;
    let baby = s
        .add_person(&reg, "Nilofar", "Pgfamily", &[("birth_date", "2021-01-10")])
        .await;
    for other in [&son, &baby] {
        s.submit(
            &format!("/people/{mother}/household"),
            &reg,
            &[("other", other.as_str())],
        )
        .await
        .expect(303, "link the household");
    }
    let alone = s
        .add_person(&reg, "Farid", "Pgalone", &[("birth_date", "1985-01-01")])
        .await;
    let waiting = s
        .add_person(
            &reg,
            "Zarghona",
            "Pgwaiting",
            &[("birth_date", "1979-07-07")],
        )
        .await;
    s.post_json(
        "/api/v1/departures",
        Auth::Session(&mv),
        &json!({"departures": [
            {"id": "PG-1", "carrier": "USAF C-17", "departs_at": "2021-08-20 10:00", "seats": 3},
            {"id": "PG-2", "departs_at": "2021-08-21 10:00", "seats": 2}
        ]}),
        true,
    )
    .await
    .expect(201, "departures");
    let r = s
        .post_json(
            &format!("/api/v1/manifest/{waiting}/readiness"),
            Auth::Session(&mv),
            &json!({"documents_ready": false}),
            true,
        )
        .await;
    r.expect(200, "readiness");
    let run = s
        .post_json(
            "/api/v1/plans",
            Auth::Session(&mv),
            &json!({"time_limit_s": 1}),
            true,
        )
        .await;
    run.expect(201, "plan on PostgreSQL");
    let run = run.json();
    assert_eq!(run["moved_people"], 4, "{run}");
    assert_eq!(run["left_households"], 1, "{run}");
    assert!(run["bound"].as_f64().unwrap() >= run["objective"].as_f64().unwrap() - 1e-6);
    let household = {
        let m = s
            .get("/api/v1/departures/PG-1/manifest", Auth::Session(&mv))
            .await
            .json();
        let m2 = s
            .get("/api/v1/departures/PG-2/manifest", Auth::Session(&mv))
            .await
            .json();
        let all: Vec<serde_json::Value> = m["households"]
            .as_array()
            .unwrap()
            .iter()
            .chain(m2["households"].as_array().unwrap())
            .cloned()
            .collect();
        let h = all
            .iter()
            .find(|h| h["people"] == 3)
            .cloned()
            .expect("the household, whole");
        assert_eq!(
            (h["seats"].clone(), h["lap_infants"].clone()),
            (json!(2), json!(1))
        );
        let passengers: Vec<serde_json::Value> = m["passengers"]
            .as_array()
            .unwrap()
            .iter()
            .chain(m2["passengers"].as_array().unwrap())
            .cloned()
            .collect();
        assert_eq!(passengers.len(), 4, "one row a person");
        assert!(
            passengers
                .iter()
                .any(|p| p["family_name"] == "Pgfamily" && p["lap_infant"] == "yes")
        );
        assert!(!passengers.iter().any(|p| p["family_name"] == "Pgwaiting"));
        h["household"].as_str().unwrap().to_string()
    };
    // By hand: Farid onto PG-2, pinned; PG-2 confirmed; a cancellation of PG-1 and a re-plan
    // keep him and leave the household, saying why.
    let r = s
        .post_json(
            &format!("/api/v1/manifest/{alone}/move"),
            Auth::Session(&mv),
            &json!({"departure": "PG-2"}),
            true,
        )
        .await;
    r.expect(200, "move by hand");
    assert_eq!(r.json()["pinned"], true);
    s.post_json(
        "/api/v1/departures/PG-1/state",
        Auth::Session(&mv),
        &json!({"status": "cancelled"}),
        true,
    )
    .await
    .expect(200, "cancel");
    let run = s
        .post_json(
            "/api/v1/plans",
            Auth::Session(&mv),
            &json!({"time_limit_s": 1}),
            true,
        )
        .await
        .json();
    let id = run["id"].as_str().unwrap();
    let detail = s
        .get(&format!("/api/v1/plans/{id}"), Auth::Session(&mv))
        .await
        .json();
    let o = detail["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["household"] == json!(household))
        .cloned()
        .expect("the household's outcome");
    assert!(
        o["outcome"] == "moved" || o["outcome"] == "removed",
        "the cancelled departure's household is re-planned: {o}"
    );
    let m2 = s
        .get("/api/v1/departures/PG-2/manifest", Auth::Session(&mv))
        .await
        .json();
    assert!(
        m2["households"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["household"] == json!(alone) && h["pinned"] == true)
    );
    s.post_json(
        "/api/v1/departures/PG-2/state",
        Auth::Session(&mv),
        &json!({"manifest": "confirmed"}),
        true,
    )
    .await
    .expect(200, "confirm");
    let csv = s
        .get("/movement/departures/PG-2/manifest.csv", Auth::Session(&mv))
        .await;
    csv.expect(200, "csv");
    assert!(csv.text().contains("Pgalone"));
    s.stop();

    // The console on the same database: show, export (audited), plan.
    let r = manifests(&url, None, &["show", "PG-2"]);
    r.assert_ok();
    assert!(
        r.stdout.contains("manifest confirmed") && r.stdout.contains(&alone),
        "{}",
        r.all()
    );
    let out = dir.join("pg2.xlsx");
    manifests(
        &url,
        Some(&key.to_string_lossy()),
        &["export", "PG-2", "--out", &out.to_string_lossy()],
    )
    .assert_ok();
    assert!(std::fs::read(&out).unwrap().starts_with(b"PK"));
    // Nothing open to plan: said so; a new departure from the console, and the household
    // left by the cancellation goes on it.
    let r = manifests(&url, Some(&key.to_string_lossy()), &["plan"]);
    assert!(
        !r.ok() && r.stderr.contains("no open departure to plan"),
        "{}",
        r.all()
    );
    drawdown(
        &[
            "departures",
            "add",
            "--db",
            &url,
            "--id",
            "PG-3",
            "--departs-at",
            "2021-08-22 10:00",
            "--seats",
            "3",
        ],
        &[],
    )
    .assert_ok();
    let r = manifests(
        &url,
        Some(&key.to_string_lossy()),
        &["plan", "--time-limit", "1"],
    );
    r.assert_ok();
    assert!(
        r.stdout.contains("moved:       3 people in 1 households"),
        "the household of three goes on PG-3 (Farid's confirmed PG-2 is not planned): {}",
        r.all()
    );
    let mut c = sqlx::PgConnection::connect(&url).await.expect("connect");
    let exports: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'movement.manifest_export'",
    )
    .fetch_one(&mut c)
    .await
    .unwrap();
    assert_eq!(
        exports, 5,
        "json ×3 (the API's manifest is an export), csv, xlsx"
    );
    let _ = c.close().await;
    drawdown(&["audit", "verify", "--db", &url], &[]).assert_ok();
}

#[tokio::test]
async fn the_plan_form_takes_the_gate_and_the_holding_area_and_names_a_bad_one() {
    let s = Server::demo_small().await;
    let mv = s.login("movement").await;
    let board = s.get("/movement", Auth::Session(&mv)).await.text();
    // The form starts from the demo plan's gate (30 an hour at this scale) and holding area.
    assert!(
        board.contains("name=\"gate_per_hour\" value=\"30\"")
            && board.contains("name=\"holding\" value=\"200\""),
        "{}",
        truncate(&board, 4000)
    );
    let r = s
        .submit(
            "/movement/plan",
            &mv,
            &[("gate_per_hour", "lots"), ("holding", "150")],
        )
        .await;
    r.expect(400, "a gate that is not a number");
    assert!(
        r.text()
            .contains("gate &#39;lots&#39;: a whole number of people an hour")
    );
    let r = s
        .submit(
            "/movement/plan",
            &mv,
            &[("gate_per_hour", "0"), ("holding", "150")],
        )
        .await;
    r.expect(400, "a closed gate");
    assert!(r.text().contains("at least 1 person"));
    let r = s
        .submit(
            "/movement/plan",
            &mv,
            &[
                ("gate_per_hour", "25"),
                ("holding", "150"),
                ("flight_cost", "0.5"),
            ],
        )
        .await;
    r.expect(303, "plan");
    let id = r
        .location()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let run = s
        .get(&format!("/api/v1/plans/{id}"), Auth::Session(&mv))
        .await
        .json();
    assert_eq!(
        (
            run["gate_per_hour"].clone(),
            run["holding"].clone(),
            run["flight_cost"].clone()
        ),
        (json!(25), json!(150), json!(0.5))
    );
}

/// A name that a spreadsheet would run as a formula stays text in the CSV and the XLSX.
#[tokio::test]
async fn a_formula_in_a_name_stays_inert_in_the_csv_and_the_xlsx() {
    let s = Server::demo_small().await;
    let reg = s.login("registrar").await;
    let mv = s.login("movement").await;
    let evil = s
        .add_person(
            &reg,
            "Injecta",
            "=HYPERLINK(\"http://evil.example\",\"x\")",
            &[("birth_date", "1980-02-03")],
        )
        .await;
    let (dep, _) = open_departure_with_a_household(&s, &mv).await;
    s.post_json(
        &format!("/api/v1/manifest/{evil}/move"),
        Auth::Session(&mv),
        &json!({"departure": dep}),
        true,
    )
    .await
    .expect(200, "on the manifest by hand");
    let csv = s
        .get(
            &format!("/movement/departures/{dep}/manifest.csv"),
            Auth::Session(&mv),
        )
        .await
        .text();
    let line = csv
        .lines()
        .find(|l| l.contains("Injecta"))
        .expect("the person's row");
    assert!(line.contains("\"'=HYPERLINK("), "{line}");
    let xlsx = s
        .get(
            &format!("/movement/departures/{dep}/manifest.xlsx"),
            Auth::Session(&mv),
        )
        .await;
    xlsx.expect(200, "xlsx");
    let parsed = drawdown_import::read_table(
        &xlsx.bytes,
        drawdown_import::Format::Xlsx,
        &drawdown_import::Limits::default(),
    )
    .expect("the workbook reads");
    let family = parsed
        .table
        .headers
        .iter()
        .position(|h| h == "family_name")
        .unwrap();
    let row = parsed
        .table
        .rows
        .iter()
        .find(|r| r.cells.iter().any(|c| c == "Injecta"))
        .expect("the person's row");
    assert!(
        row.cells[family].starts_with("'=HYPERLINK("),
        "{:?}",
        row.cells
    );
}
