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
