//! posture: integration tests against the real server and the real binary: the demo post on
//! 14 August 2021, events through the API, the web form, a file upload and the command line,
//! tripwires crossing and opening decision items, declarations with snapshots, checklists, and
//! bad input that is refused and changes nothing.

use crate::harness::*;
use serde_json::{Value, json};

async fn posture(s: &Server, who: &Session) -> Value {
    let r = s.get("/api/v1/posture", Auth::Session(who)).await;
    r.expect(200, "GET /api/v1/posture");
    r.json()
}

fn measure(v: &Value, name: &str) -> Value {
    v["measures"]
        .as_array()
        .and_then(|ms| ms.iter().find(|m| m["measure"] == name))
        .map(|m| m["value"].clone())
        .unwrap_or(Value::Null)
}

async fn event_count(s: &Server, who: &Session) -> usize {
    let r = s.get("/api/v1/posture/events", Auth::Session(who)).await;
    r.expect(200, "GET /api/v1/posture/events");
    r.json()["events"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn the_demo_post_sits_where_it_sat_on_14_august_2021() {
    let s = Server::demo_small().await;
    let viewer = s.login("viewer").await;
    let v = posture(&s, &viewer).await;
    assert_eq!(v["posture"], "core presence");
    // The demo runs on its scenario clock (15 August 2021): "now" is then, not years later.
    assert!(
        v["at"].as_str().unwrap_or("").starts_with("2021-08-1"),
        "{}",
        v["at"]
    );
    let quiet = measure(&v, "days_since_change").as_f64().expect("days");
    assert!(
        quiet < 3.0,
        "days since the last change, on the scenario clock: {quiet}"
    );
    // 23 of 34 provincial capitals by the end of 14 August; the nearest, Pul-e-Alam.
    assert_eq!(measure(&v, "capitals_fallen"), json!(23.0));
    let km = measure(&v, "nearest_hostile_km")
        .as_f64()
        .expect("a distance");
    assert!(
        (60.0..70.0).contains(&km),
        "Pul-e-Alam is ~64 km from Kabul: {km}"
    );
    assert_eq!(measure(&v, "assessed_days_to_isolation"), json!(3.0));
    assert_eq!(measure(&v, "roads_open"), json!(3.0));
    // The 72-hour assessment crossed the suspension tripwire: the committee has not decided yet.
    let open = v["open_items"].as_array().expect("items");
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["recommends"], "suspended");
    assert!(
        open[0]["facts"].to_string().contains("72")
            || open[0]["facts"].to_string().contains("3 days")
    );
    // Conflicting reports on Kandahar are kept and shown.
    let conflicts = v["conflicts"].to_string();
    assert!(conflicts.contains("Kandahar"), "{conflicts}");
    // Decisions as reported, each with a snapshot of the indicators then.
    let decisions = v["decisions"].as_array().expect("decisions");
    let kinds: Vec<(&str, &str)> = decisions
        .iter()
        .map(|d| {
            (
                d["kind"].as_str().unwrap_or(""),
                d["level"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("declare", "ordered departure"),
            ("decline", "core presence"),
            ("declare", "core presence")
        ]
    );
    let snap = &decisions[2]["snapshot"];
    assert_eq!(
        snap["posture"], "ordered departure",
        "the snapshot shows what was in force when deciding"
    );
    assert!(
        snap["crossed"].to_string().contains("within 30 days"),
        "{snap}"
    );

    // The timeline looks back: on the evening of 10 August, ordered departure, 8 capitals.
    let r = s
        .get(
            "/api/v1/posture/timeline?at=2021-08-10T20:00:00Z",
            Auth::Session(&viewer),
        )
        .await;
    r.expect(200, "timeline");
    let t = r.json();
    assert_eq!(t["posture"], "ordered departure");
    assert_eq!(measure(&t, "capitals_fallen"), json!(8.0));
    assert!(
        t["events"]
            .as_array()
            .expect("events")
            .iter()
            .all(|e| e["at"].as_str().unwrap_or("") <= "2021-08-10T20:00:00Z")
    );

    // The pages answer, and the PDF is a PDF.
    for path in [
        "/posture",
        "/posture/log",
        "/posture/tripwires",
        "/posture/levels",
        "/posture/timeline?day=5",
    ] {
        let r = s.get(path, Auth::Session(&viewer)).await;
        r.expect(200, path);
    }
    let page = s
        .get("/posture/timeline?at=2021-08-13", Auth::Session(&viewer))
        .await;
    assert!(page.text().contains("<svg") && page.text().contains("HKIA"));
    let pdf = s.get("/posture/timeline.pdf", Auth::Session(&viewer)).await;
    pdf.expect(200, "timeline PDF");
    assert!(pdf.bytes.starts_with(b"%PDF"));
    let dash = s.get("/", Auth::Session(&viewer)).await;
    assert!(
        dash.text().contains(
            "Tripwire crossed: Hostile forces within 50 km, or isolation within 72 hours"
        )
    );
}

#[tokio::test]
async fn events_cross_tripwires_and_the_committee_decides() {
    let s = Server::demo_small().await;
    let committee = s.login("committee").await;
    let n = event_count(&s, &committee).await;

    // Bad input names the field (and the row) and records nothing.
    let r = s
        .post_json(
            "/api/v1/posture/events",
            Auth::Session(&committee),
            &json!({"kind": "place_taken", "place": "Atlantis", "source": "x", "at": "2021-08-15"}),
            true,
        )
        .await;
    r.expect(400, "unknown place");
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap_or("")
            .starts_with("place: 'Atlantis'")
    );
    let r = s
        .post_json(
            "/api/v1/posture/events",
            Auth::Session(&committee),
            &json!({"events": [
                {"kind": "place_taken", "place": "Jalalabad", "source": "AFP", "at": "2021-08-15 06:00"},
                {"kind": "assessment", "source": "AFP", "at": "2021-08-15", "horizon": "soon"},
            ]}),
            true,
        )
        .await;
    r.expect(400, "a bad second row");
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap_or("")
            .starts_with("row 2, horizon:"),
        "{}",
        r.text()
    );
    assert_eq!(event_count(&s, &committee).await, n, "nothing was recorded");

    // Wrong roles are refused.
    let registrar = s.login("registrar").await;
    s.post_json(
        "/api/v1/posture/events",
        Auth::Session(&registrar),
        &json!({"kind": "custom", "value": "x", "source": "x"}),
        true,
    )
    .await
    .expect(403, "a registrar does not write the situation log");
    let viewer = s.login("viewer").await;
    s.post_json(
        "/api/v1/posture/declare",
        Auth::Session(&viewer),
        &json!({"level": "normal", "rationale": "x"}),
        true,
    )
    .await
    .expect(403, "a viewer does not declare");

    // The airport closes: the default tripwire crosses and a decision item opens at once.
    let r = s
        .post_json(
            "/api/v1/posture/events",
            Auth::Session(&committee),
            &json!({"kind": "airport_status", "value": "military only", "source": "RSO", "confidence": "high"}),
            true,
        )
        .await;
    r.expect(201, "record an event");
    let open = r.json()["open_items"].clone();
    assert!(
        open.to_string().contains("Airport no longer open"),
        "{open}"
    );
    assert!(
        open.to_string().contains("airport military only"),
        "the facts: {open}"
    );
    assert_eq!(event_count(&s, &committee).await, n + 1);

    // A decision needs a rationale.
    let r = s
        .post_json(
            "/api/v1/posture/declare",
            Auth::Session(&committee),
            &json!({"level": "suspended", "rationale": " "}),
            true,
        )
        .await;
    r.expect(400, "no rationale");
    assert!(r.text().contains("rationale"));
    let r = s
        .post_json(
            "/api/v1/posture/declare",
            Auth::Session(&committee),
            &json!({"level": "evacuated", "rationale": "x"}),
            true,
        )
        .await;
    r.expect(400, "unknown level");
    assert!(
        r.text().contains("ordered departure"),
        "lists the levels: {}",
        r.text()
    );
    let r = s
        .post_json(
            "/api/v1/posture/declare",
            Auth::Session(&committee),
            &json!({"level": "suspended", "rationale": "Relocate to HKIA.", "attendees": "COM, DCM, RSO"}),
            true,
        )
        .await;
    r.expect(201, "declare");
    let v = posture(&s, &committee).await;
    assert_eq!(v["posture"], "suspended");
    assert_eq!(
        v["open_items"].as_array().map_or(99, Vec::len),
        0,
        "the declaration answered every item"
    );
    let last = v["decisions"]
        .as_array()
        .and_then(|d| d.last().cloned())
        .expect("decision");
    assert_eq!(last["attendees"], "COM, DCM, RSO");
    assert_eq!(last["decided_by"], "committee");
    assert!(
        last["snapshot"]["crossed"]
            .to_string()
            .contains("Airport no longer open")
    );

    // Its checklist is open; a task is ticked once, with who and when.
    let task = v["tasks"]
        .as_array()
        .and_then(|ts| {
            ts.iter()
                .find(|t| {
                    t["task"]
                        .as_str()
                        .unwrap_or("")
                        .starts_with("Destroy every")
                })
                .cloned()
        })
        .expect("the suspension's checklist");
    let path = format!(
        "/api/v1/posture/tasks/{}/done",
        task["id"].as_str().unwrap_or("")
    );
    s.post_json(&path, Auth::Session(&committee), &json!({}), true)
        .await
        .expect(200, "tick");
    s.post_json(&path, Auth::Session(&committee), &json!({}), true)
        .await
        .expect(409, "tick twice");
    let v = posture(&s, &committee).await;
    let ticked = v["tasks"]
        .as_array()
        .and_then(|ts| ts.iter().find(|t| t["id"] == task["id"]).cloned())
        .expect("task");
    assert_eq!(ticked["done_by"], "committee");

    // Every write is in the audit log.
    let admin = s.login("admin").await;
    let r = s
        .get(
            "/api/v1/audit?action=posture.&limit=500",
            Auth::Session(&admin),
        )
        .await;
    let actions = r.text();
    for a in [
        "posture.event_add",
        "posture.tripwire_crossed",
        "posture.declare",
        "posture.task_done",
    ] {
        assert!(actions.contains(a), "{a} is audited");
    }
}

#[tokio::test]
async fn tripwires_that_do_not_parse_are_explained_and_change_nothing() {
    let s = Server::demo_small().await;
    let committee = s.login("committee").await;
    let count = |v: Value| v["tripwires"].as_array().map_or(0, Vec::len);
    let before = count(
        s.get("/api/v1/posture/tripwires", Auth::Session(&committee))
            .await
            .json(),
    );
    for (condition, recommends, expect) in [
        (
            "capitals_fallen_pct >=",
            "suspended",
            "at column 23: expected a number",
        ),
        (
            "capitals_fell >= 50",
            "suspended",
            "'capitals_fell' is not a measure (did you mean capitals_fallen?); the measures are: capitals_fallen, capitals_fallen_pct, nearest_hostile_km",
        ),
        ("event flights_stopped", "suspended", "is not an event kind"),
        (
            "event place_taken at \"Atlantis\"",
            "suspended",
            "'Atlantis' is not in the gazetteer",
        ),
        (
            "capitals_fallen_pct >= 50",
            "evacuated",
            "recommends: 'evacuated' is not a posture level",
        ),
    ] {
        let r = s
            .post_json(
                "/api/v1/posture/tripwires",
                Auth::Session(&committee),
                &json!({"name": "New", "condition": condition, "recommends": recommends}),
                true,
            )
            .await;
        r.expect(400, condition);
        let e = r.json()["error"].as_str().unwrap_or("").to_string();
        assert!(e.contains(expect), "{condition}: {e}");
    }
    assert_eq!(
        count(
            s.get("/api/v1/posture/tripwires", Auth::Session(&committee))
                .await
                .json()
        ),
        before
    );

    // Through the page: the error is shown inline and what was typed is kept.
    let r = s
        .submit(
            "/posture/tripwires",
            &committee,
            &[
                ("name", "Typo"),
                ("condition", "nearest_hostile_km <== 50"),
                ("recommends", "suspended"),
            ],
        )
        .await;
    r.expect(400, "the form comes back, with its error");
    assert!(
        r.text().contains("at column 22"),
        "{}",
        truncate(&r.text(), 3000)
    );
    let text = r.text();
    let form = text.split("id=\"tripwire-form\"").nth(1).unwrap_or("");
    let kept = form
        .split("name=\"condition\" value=\"")
        .nth(1)
        .unwrap_or("");
    assert!(
        kept.starts_with("nearest_hostile_km &lt;") || kept.starts_with("nearest_hostile_km &#60;"),
        "what was typed is kept: {}",
        truncate(kept, 80)
    );

    // A good one, naming a place by its province: stored as the gazetteer names it, evaluated at once.
    let r = s
        .post_json(
            "/api/v1/posture/tripwires",
            Auth::Session(&committee),
            &json!({"name": "Logar's capital taken", "condition": "event place_taken at \"logar\"", "recommends": "core presence"}),
            true,
        )
        .await;
    r.expect(201, "add a tripwire");
    let list = s
        .get("/api/v1/posture/tripwires", Auth::Session(&committee))
        .await
        .json();
    let t = list["tripwires"]
        .as_array()
        .and_then(|ts| {
            ts.iter()
                .find(|t| t["name"] == "Logar's capital taken")
                .cloned()
        })
        .expect("added");
    assert_eq!(t["condition"], "event place_taken at \"Pul-e-Alam\"");
    assert_eq!(t["crossed"], true);
}

#[tokio::test]
async fn the_command_line_records_imports_and_shows() {
    let s = Server::demo_small().await;
    let db = sqlite_url(&s.db_path());
    let env = [("DRAWDOWN_DB", db.as_str())];
    let dir = TempDir::new("posture");
    let committee = s.login("committee").await;
    let n = event_count(&s, &committee).await;

    // A malformed file (a bad row 3) changes nothing and names the row and field.
    let bad = dir.join("bad.csv");
    write_file(
        &bad,
        b"kind,at,place,source,confidence\nplace_taken,2021-08-15,Jalalabad,AFP,high\nplace_taken,2021-08-15,Gotham,AFP,high\n",
    );
    let r = drawdown(&["situation", "import", &bad.to_string_lossy()], &env);
    r.assert_refused("bad.csv, row 3, place: 'Gotham' is not in the gazetteer");
    let wrong = dir.join("wrong.csv");
    write_file(
        &wrong,
        b"kind,when,where\nplace_taken,2021-08-15,Jalalabad\n",
    );
    let r = drawdown(&["situation", "import", &wrong.to_string_lossy()], &env);
    assert!(
        r.all()
            .contains("column 'where' is not a field of an event"),
        "{}",
        r.all()
    );
    assert_eq!(event_count(&s, &committee).await, n);

    // A good JSON file, then one event typed at the console.
    let good = dir.join("events.json");
    write_file(
        &good,
        br#"[{"kind": "place_taken", "at": "2021-08-15 06:00", "place": "Jalalabad", "source": "AFP", "confidence": "high"},
            {"kind": "place_taken", "at": "2021-08-15 14:00", "place": "Kabul", "source": "AFP", "confidence": "high"}]"#,
    );
    let r = drawdown(&["situation", "import", &good.to_string_lossy()], &env);
    r.assert_ok();
    assert!(r.stdout.contains("Imported 2 events"), "{}", r.stdout);
    assert!(
        r.stdout.contains("Decision awaited"),
        "the decision still awaited is named: {}",
        r.stdout
    );
    let r = drawdown(
        &[
            "situation",
            "add",
            "--kind",
            "commercial_flights_suspended",
            "--source",
            "RSO",
            "--at",
            "2021-08-15 18:00",
        ],
        &env,
    );
    r.assert_ok();
    assert_eq!(event_count(&s, &committee).await, n + 3);
    let r = drawdown(
        &[
            "situation",
            "add",
            "--kind",
            "assessment",
            "--source",
            "RSO",
            "--horizon",
            "soon",
        ],
        &env,
    );
    r.assert_refused("horizon:");

    let r = drawdown(&["posture", "show"], &env);
    r.assert_ok();
    assert!(r.stdout.contains("capitals_fallen"), "{}", r.stdout);
    assert!(r.stdout.contains("Kabul"), "{}", r.stdout);
    // The committee decides not to follow the item awaited, at the console.
    let item = r
        .stdout
        .lines()
        .find_map(|l| l.split("(item ").nth(1))
        .map(|x| x.trim_end_matches(')').to_string())
        .expect("an item awaiting a decision");
    let r = drawdown(
        &[
            "posture",
            "decline",
            "--item",
            "no-such-item",
            "--rationale",
            "x",
        ],
        &env,
    );
    r.assert_refused("there is no decision item");
    let r = drawdown(
        &[
            "posture",
            "decline",
            "--item",
            &item,
            "--rationale",
            "Staff still move safely to HKIA.",
            "--attendees",
            "COM, RSO",
        ],
        &env,
    );
    r.assert_ok();
    assert!(
        r.stdout.contains("decided not to follow it"),
        "{}",
        r.stdout
    );
    let v = posture(&s, &committee).await;
    let last = v["decisions"]
        .as_array()
        .and_then(|d| d.last().cloned())
        .expect("decision");
    assert_eq!(
        (last["kind"].as_str(), last["rationale"].as_str()),
        (Some("decline"), Some("Staff still move safely to HKIA."))
    );
    assert!(
        v["open_items"]
            .as_array()
            .is_some_and(|i| i.iter().all(|i| i["id"] != item.as_str()))
    );
    let r = drawdown(
        &[
            "posture",
            "declare",
            "suspended",
            "--rationale",
            "Kabul has fallen.",
        ],
        &env,
    );
    r.assert_ok();
    assert!(posture(&s, &committee).await["posture"] == "suspended");

    let r = drawdown(
        &["posture", "tripwires", "check", "capitals_fell >= 5"],
        &[],
    );
    r.assert_refused("at column 1: 'capitals_fell' is not a measure");
    let r = drawdown(
        &[
            "posture",
            "tripwires",
            "check",
            "capitals_fallen_pct >= 50%",
        ],
        &[],
    );
    r.assert_ok();
    let out = dir.join("timeline.pdf");
    drawdown(&["posture", "pdf", "--out", &out.to_string_lossy()], &env).assert_ok();
    assert!(std::fs::read(&out).expect("pdf").starts_with(b"%PDF"));
    // Read back: the decisions with their rationale and what the committee had in view.
    let text = std::process::Command::new("pdftotext")
        .args([&out.to_string_lossy(), "-"])
        .output()
        .expect("pdftotext (poppler-utils) reads the PDF");
    let text = String::from_utf8_lossy(&text.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(text.contains("Decisions on record"), "{text}");
    assert!(text.contains("Staff still move safely to HKIA."), "{text}");
    assert!(
        text.contains("In view then") && text.contains("Crossed:"),
        "{text}"
    );
    assert!(text.contains("capitals_fallen:"), "{text}");
    let help = drawdown(&["situation", "add", "--help"], &[]);
    assert!(help.stdout.contains("--horizon") && help.stdout.contains("place_taken"));
}

fn level_names(v: &Value) -> Vec<String> {
    v["levels"]
        .as_array()
        .expect("levels")
        .iter()
        .map(|l| l["name"].as_str().unwrap_or("").to_string())
        .collect()
}

async fn levels(s: &Server, who: &Session) -> Value {
    let r = s.get("/api/v1/posture/levels", Auth::Session(who)).await;
    r.expect(200, "GET /api/v1/posture/levels");
    r.json()
}

#[tokio::test]
async fn the_committee_configures_levels_and_their_checklists() {
    let s = Server::demo_small().await;
    let committee = s.login("committee").await;
    let viewer = s.login("viewer").await;
    let before = level_names(&levels(&s, &committee).await);
    assert_eq!(before.len(), 6);

    // Bad levels are refused with the field named; nothing changes.
    for (body, status, words) in [
        (json!({"name": "  "}), 400, "name:"),
        (
            json!({"name": "Ordered_Departure"}),
            409,
            "already a level called 'ordered departure'",
        ),
        (
            json!({"name": "reduced staffing", "after": "nowhere"}),
            400,
            "after: 'nowhere' is not a posture level",
        ),
    ] {
        let r = s
            .post_json(
                "/api/v1/posture/levels",
                Auth::Session(&committee),
                &body,
                true,
            )
            .await;
        r.expect(status, &body.to_string());
        assert!(
            r.json()["error"].as_str().unwrap_or("").contains(words),
            "{}",
            r.text()
        );
    }
    let r = s
        .post_json(
            "/api/v1/posture/levels",
            Auth::Session(&viewer),
            &json!({"name": "reduced staffing"}),
            true,
        )
        .await;
    r.expect(403, "a viewer cannot add levels");
    assert_eq!(level_names(&levels(&s, &committee).await), before);

    // A level goes in above the one chosen; those above move up a rank.
    let r = s
        .post_json(
            "/api/v1/posture/levels",
            Auth::Session(&committee),
            &json!({"name": "reduced staffing", "description": "Some non-emergency staff leave.", "after": "heightened"}),
            true,
        )
        .await;
    r.expect(201, "add a level");
    let new_id = r.json()["id"].as_str().expect("id").to_string();
    let v = levels(&s, &committee).await;
    assert_eq!(
        level_names(&v),
        [
            "normal",
            "heightened",
            "reduced staffing",
            "authorized departure",
            "ordered departure",
            "core presence",
            "suspended"
        ]
    );
    let ranks: Vec<i64> = v["levels"]
        .as_array()
        .expect("levels")
        .iter()
        .map(|l| l["rank"].as_i64().unwrap_or(-1))
        .collect();
    assert_eq!(ranks, [0, 1, 2, 3, 4, 5, 6]);

    // Its checklist: a task added (the API sends hours as a number), changed through the
    // page, and a bad one refused.
    let r = s
        .post_json(
            &format!("/api/v1/posture/levels/{new_id}/tasks"),
            Auth::Session(&committee),
            &json!({"task": "List staff who may leave", "owner_role": "committee", "due_hours": 36}),
            true,
        )
        .await;
    r.expect(201, "add a task");
    let task_id = r.json()["id"].as_str().expect("id").to_string();
    for (body, words) in [
        (
            json!({"task": "x", "owner_role": "janitor", "due_hours": 1}),
            "owner_role: 'janitor' is not a role; the roles are: administrator, committee",
        ),
        (
            json!({"task": "x", "owner_role": "movement", "due_hours": "soon"}),
            "due_hours: 'soon'",
        ),
        (
            json!({"task": "", "owner_role": "movement", "due_hours": 1}),
            "task:",
        ),
    ] {
        let r = s
            .post_json(
                &format!("/api/v1/posture/levels/{new_id}/tasks"),
                Auth::Session(&committee),
                &body,
                true,
            )
            .await;
        r.expect(400, &body.to_string());
        assert!(
            r.json()["error"].as_str().unwrap_or("").contains(words),
            "{}",
            r.text()
        );
    }
    let r = s
        .submit(
            &format!("/posture/levels/{new_id}/tasks/{task_id}"),
            &committee,
            &[
                ("task", "Book seats for staff who leave"),
                ("owner_role", "movement"),
                ("due_hours", "48"),
            ],
        )
        .await;
    r.expect(303, "edit the task through the page");
    let r = s
        .submit(
            &format!("/posture/levels/{new_id}/tasks/{task_id}"),
            &committee,
            &[
                ("task", "Book seats"),
                ("owner_role", "movement"),
                ("due_hours", "-3"),
            ],
        )
        .await;
    r.expect(400, "a bad change comes back with its error");
    assert!(
        r.text().contains("due_hours: &#39;-3&#39;"),
        "{}",
        truncate(&r.text(), 2000)
    );
    let v = levels(&s, &committee).await;
    let level = v["levels"]
        .as_array()
        .and_then(|l| l.iter().find(|l| l["id"] == new_id.as_str()))
        .expect("the new level");
    assert_eq!(level["tasks"].as_array().map(Vec::len), Some(1));
    assert_eq!(level["tasks"][0]["task"], "Book seats for staff who leave");
    assert_eq!(level["tasks"][0]["owner_role"], "movement");
    assert_eq!(level["tasks"][0]["due_hours"], 48);
    let second = s
        .post_json(
            &format!("/api/v1/posture/levels/{new_id}/tasks"),
            Auth::Session(&committee),
            &json!({"task": "A task to remove", "owner_role": "registrar", "due_hours": "12h"}),
            true,
        )
        .await;
    second.expect(201, "a second task");
    let second = second.json()["id"].as_str().expect("id").to_string();
    s.post_json(
        &format!("/api/v1/posture/levels/{new_id}/tasks/{second}/remove"),
        Auth::Session(&committee),
        &json!({}),
        true,
    )
    .await
    .expect(200, "remove a task");

    // Renaming a level renames it everywhere it is named live; snapshots keep what was said.
    let core = s
        .get("/api/v1/posture", Auth::Session(&committee))
        .await
        .json();
    assert_eq!(core["posture"], "core presence");
    let core_id = core["levels"]
        .as_array()
        .and_then(|l| l.iter().find(|l| l["name"] == "core presence"))
        .and_then(|l| l["id"].as_str())
        .expect("core presence")
        .to_string();
    let r = s
        .submit(
            &format!("/posture/levels/{core_id}"),
            &committee,
            &[
                ("name", "basic diplomatic presence"),
                ("description", "Only the core staff remain."),
            ],
        )
        .await;
    r.expect(303, "rename through the page");
    let r = s
        .submit(
            &format!("/posture/levels/{core_id}"),
            &committee,
            &[("name", "suspended")],
        )
        .await;
    r.expect(400, "a name already taken comes back").text();
    assert!(r.text().contains("already a level called"));
    let v = posture(&s, &committee).await;
    assert_eq!(v["posture"], "basic diplomatic presence");
    let decisions = v["decisions"].as_array().expect("decisions");
    assert_eq!(decisions[2]["level"], "basic diplomatic presence");
    assert_eq!(decisions[2]["snapshot"]["posture"], "ordered departure");
    assert!(
        v["tripwires"]
            .to_string()
            .contains("\"recommends\":\"basic diplomatic presence\""),
        "tripwires name the level by its new name"
    );

    // Declaring the new level opens its checklist as configured.
    let r = s
        .post_json(
            "/api/v1/posture/declare",
            Auth::Session(&committee),
            &json!({"level": "reduced staffing", "rationale": "Testing the configured checklist.", "decided_at": "2021-08-14 20:00"}),
            true,
        )
        .await;
    r.expect(201, "declare the new level");
    let v = posture(&s, &committee).await;
    let opened: Vec<&Value> = v["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .filter(|t| t["decision_id"] == r.json()["id"])
        .collect();
    assert_eq!(opened.len(), 1);
    assert_eq!(opened[0]["task"], "Book seats for staff who leave");
    assert_eq!(opened[0]["due_at"], "2021-08-16T20:00:00Z");

    // The levels page shows it all, and the command line does the same things.
    let page = s.get("/posture/levels", Auth::Session(&committee)).await;
    page.expect(200, "levels page");
    assert!(page.text().contains("reduced staffing") && page.text().contains("id=\"level-form\""));
    let page = s.get("/posture/levels", Auth::Session(&viewer)).await;
    assert!(
        !page.text().contains("id=\"level-form\""),
        "viewers get no forms"
    );

    let db = sqlite_url(&s.db_path());
    let env = [("DRAWDOWN_DB", db.as_str())];
    drawdown(
        &[
            "posture", "levels", "add", "--name", "lockdown", "--after", "normal",
        ],
        &env,
    )
    .assert_ok();
    let r = drawdown(
        &[
            "posture",
            "levels",
            "task-add",
            "lockdown",
            "--task",
            "Close the gates",
            "--owner-role",
            "committee",
            "--due-hours",
            "2",
        ],
        &env,
    );
    r.assert_ok();
    let r = drawdown(
        &[
            "posture",
            "levels",
            "edit",
            "lockdown",
            "--description",
            "Stay inside.",
        ],
        &env,
    );
    r.assert_ok();
    let r = drawdown(&["posture", "levels", "list"], &env);
    r.assert_ok();
    assert!(
        r.stdout.contains("1. lockdown — Stay inside."),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("[committee] Close the gates — within 2 h"),
        "{}",
        r.stdout
    );
    let r = drawdown(
        &[
            "posture",
            "levels",
            "task-add",
            "lockdown",
            "--task",
            "x",
            "--owner-role",
            "janitor",
            "--due-hours",
            "2",
        ],
        &env,
    );
    r.assert_refused("'janitor' is not a role");
    let r = drawdown(
        &[
            "posture",
            "levels",
            "task-remove",
            "lockdown",
            "no-such-task",
        ],
        &env,
    );
    r.assert_refused("no task no-such-task");
}

#[tokio::test]
async fn tripwires_are_retired_and_stay_on_the_record() {
    let s = Server::demo_small().await;
    let committee = s.login("committee").await;
    let v = posture(&s, &committee).await;
    let id_of = |v: &Value, name: &str| {
        v["tripwires"]
            .as_array()
            .and_then(|t| t.iter().find(|t| t["name"] == name))
            .and_then(|t| t["id"].as_str())
            .map(str::to_string)
    };
    let near = "Hostile forces within 50 km, or isolation within 72 hours";
    let near_id = id_of(&v, near).expect("the 72-hour tripwire");
    assert_eq!(v["open_items"].as_array().map(Vec::len), Some(1));

    // A viewer cannot; the committee can, once.
    let viewer = s.login("viewer").await;
    s.post_json(
        &format!("/api/v1/posture/tripwires/{near_id}/retire"),
        Auth::Session(&viewer),
        &json!({}),
        true,
    )
    .await
    .expect(403, "a viewer cannot retire");
    s.post_json(
        &format!("/api/v1/posture/tripwires/{near_id}/retire"),
        Auth::Session(&committee),
        &json!({}),
        true,
    )
    .await
    .expect(200, "retire");
    let r = s
        .post_json(
            &format!("/api/v1/posture/tripwires/{near_id}/retire"),
            Auth::Session(&committee),
            &json!({}),
            true,
        )
        .await;
    r.expect(409, "retired already");
    assert!(r.text().contains("already retired"));

    // No longer evaluated: its open item closed; it cannot be changed, and its name stays taken.
    let v = posture(&s, &committee).await;
    assert!(id_of(&v, near).is_none(), "not in the tripwires in force");
    assert_eq!(v["open_items"].as_array().map(Vec::len), Some(0));
    let r = s
        .post_json(
            &format!("/api/v1/posture/tripwires/{near_id}"),
            Auth::Session(&committee),
            &json!({"name": near, "condition": "roads_open < 1", "recommends": "suspended"}),
            true,
        )
        .await;
    r.expect(409, "a retired tripwire stays as it was");
    let r = s
        .post_json(
            "/api/v1/posture/tripwires",
            Auth::Session(&committee),
            &json!({"name": near, "condition": "roads_open < 1", "recommends": "suspended"}),
            true,
        )
        .await;
    r.expect(409, "the name stays on the record");
    assert!(r.text().contains("retired"), "{}", r.text());

    // The record: before its retirement the timeline still shows it crossed and awaited.
    let r = s
        .get(
            "/api/v1/posture/timeline?at=2021-08-14T12:00:00Z",
            Auth::Session(&committee),
        )
        .await;
    r.expect(200, "timeline");
    let t = r.json();
    assert!(id_of(&t, near).is_some());
    assert_eq!(t["open_items"][0]["tripwire"], near);

    // Through the page, by the console; decisions' snapshots keep what crossed then.
    let thirty = "Capital could be isolated within 30 days";
    let thirty_id = id_of(&v, thirty).expect("30 days");
    let r = s
        .submit(
            &format!("/posture/tripwires/{thirty_id}/retire"),
            &committee,
            &[],
        )
        .await;
    r.expect(303, "retire through the page");
    let page = s.get("/posture/tripwires", Auth::Session(&committee)).await;
    let text = page.text();
    let retired = text.split("id=\"retired-tripwires\"").nth(1).unwrap_or("");
    assert!(
        retired.contains(thirty) && retired.contains(near),
        "{}",
        truncate(&text, 3000)
    );
    assert!(retired.contains("by committee"));
    let db = sqlite_url(&s.db_path());
    let env = [("DRAWDOWN_DB", db.as_str())];
    drawdown(
        &["posture", "tripwires", "retire", "airport no longer open"],
        &env,
    )
    .assert_ok();
    let r = drawdown(
        &["posture", "tripwires", "retire", "No such tripwire"],
        &env,
    );
    assert!(!r.ok());
    let v = posture(&s, &committee).await;
    assert!(id_of(&v, "Airport no longer open").is_none());
    let snap = v["decisions"][2]["snapshot"]["crossed"].to_string();
    assert!(
        snap.contains(thirty),
        "the snapshot keeps the retired tripwire: {snap}"
    );
    let audit = s
        .get(
            "/admin/audit?action=posture.tripwire_retire",
            Auth::Session(&s.login("admin").await),
        )
        .await;
    assert!(audit.text().contains("posture.tripwire_retire"));
}

#[tokio::test]
async fn a_task_is_ticked_by_its_owner_role_or_the_committee_and_no_one_else() {
    let s = Server::demo_small().await;
    let destruction = s.login("destruction").await;
    let movement = s.login("movement").await;
    let committee = s.login("committee").await;

    // Each role sees its own tasks; the committee all of them.
    let mine = s
        .get("/api/v1/posture/tasks", Auth::Session(&destruction))
        .await;
    mine.expect(200, "tasks of the destruction role");
    let mine = mine.json();
    let tasks = mine["tasks"].as_array().expect("tasks");
    assert!(
        !tasks.is_empty()
            && tasks
                .iter()
                .all(|t| t["owner_role"] == "destruction" && t["can_tick"] == true)
    );
    let open = tasks
        .iter()
        .find(|t| t["done_at"].is_null())
        .expect("an open destruction task");
    let id = open["id"].as_str().expect("id").to_string();
    let all = s
        .get("/api/v1/posture/tasks", Auth::Session(&committee))
        .await
        .json();
    assert!(all["tasks"].as_array().expect("tasks").len() > tasks.len());

    // Other roles are refused, with the owner named, and nothing changes.
    for who in ["movement", "registrar", "viewer", "admin", "checkpoint"] {
        let u = s.login(who).await;
        let r = s
            .post_json(
                &format!("/api/v1/posture/tasks/{id}/done"),
                Auth::Session(&u),
                &json!({}),
                true,
            )
            .await;
        r.expect(403, who);
        assert!(
            r.json()["error"]
                .as_str()
                .unwrap_or("")
                .contains("the destruction role's"),
            "{}",
            r.text()
        );
        let r = s
            .submit(
                &format!("/posture/tasks/{id}/done"),
                &u,
                &[("from", "tasks")],
            )
            .await;
        r.expect(403, who);
    }
    let still = s
        .get("/api/v1/posture/tasks", Auth::Session(&destruction))
        .await
        .json();
    assert!(still["tasks"].to_string().contains(&id));
    assert!(
        still["tasks"]
            .as_array()
            .expect("tasks")
            .iter()
            .any(|t| t["id"] == id.as_str() && t["done_at"].is_null())
    );

    // The owner's dashboard points to the task; its page ticks it off, with who and when.
    let dash = s.get("/", Auth::Session(&destruction)).await;
    assert!(
        dash.text().contains("checklist task(s) for your role"),
        "{}",
        truncate(&dash.text(), 3000)
    );
    s.get("/posture", Auth::Session(&destruction))
        .await
        .expect(403, "the destruction officer does not read posture");
    let page = s.get("/posture/tasks", Auth::Session(&destruction)).await;
    page.expect(200, "the tasks page");
    assert!(page.text().contains(&format!("/posture/tasks/{id}/done")));
    assert!(
        !page.text().contains("Prepare to relocate"),
        "not another role's task"
    );
    let r = s
        .submit(
            &format!("/posture/tasks/{id}/done"),
            &destruction,
            &[("from", "tasks")],
        )
        .await;
    r.expect(303, "the owner ticks it");
    assert_eq!(r.location().as_deref(), Some("/posture/tasks?done=task"));
    let page = s
        .get("/posture/tasks?done=task", Auth::Session(&destruction))
        .await;
    assert!(
        page.text().contains("by destruction"),
        "{}",
        truncate(&page.text(), 3000)
    );
    let r = s
        .submit(
            &format!("/posture/tasks/{id}/done"),
            &destruction,
            &[("from", "tasks")],
        )
        .await;
    r.expect(400, "ticked already: the page says so");
    assert!(r.text().contains("already ticked off"));

    // The committee ticks another role's task; the movement officer ticks their own.
    let movement_task = all["tasks"]
        .as_array()
        .and_then(|t| {
            t.iter()
                .find(|t| t["owner_role"] == "movement" && t["done_at"].is_null())
        })
        .and_then(|t| t["id"].as_str())
        .expect("an open movement task")
        .to_string();
    let r = s
        .post_json(
            &format!("/api/v1/posture/tasks/{movement_task}/done"),
            Auth::Session(&movement),
            &json!({}),
            true,
        )
        .await;
    r.expect(200, "the movement officer ticks their own");
    let r = s
        .post_json(
            &format!("/api/v1/posture/tasks/{movement_task}/done"),
            Auth::Session(&committee),
            &json!({}),
            true,
        )
        .await;
    r.expect(409, "already done");
    let v = posture(&s, &committee).await;
    let done = v["tasks"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["id"] == movement_task.as_str()))
        .expect("task");
    assert_eq!(done["done_by"], "movement");

    // The console ticks any task.
    let db = sqlite_url(&s.db_path());
    let env = [("DRAWDOWN_DB", db.as_str())];
    let r = drawdown(&["posture", "tasks", "list"], &env);
    r.assert_ok();
    assert!(
        r.stdout.contains("done") && r.stdout.contains("by destruction"),
        "{}",
        r.stdout
    );
}

#[tokio::test]
async fn the_map_fills_the_provinces_by_status_and_another_gazetteer_gets_approximate_areas() {
    let s = Server::demo_small().await;
    let viewer = s.login("viewer").await;
    let at = "2021-08-13T12:00:00Z";
    let t = s
        .get(
            &format!("/api/v1/posture/timeline?at={at}"),
            Auth::Session(&viewer),
        )
        .await
        .json();
    let fallen = measure(&t, "capitals_fallen").as_f64().expect("a count") as usize;
    assert!(fallen >= 11, "{fallen}");
    let page = s
        .get(
            &format!("/posture/timeline?at={at}"),
            Auth::Session(&viewer),
        )
        .await;
    page.expect(200, "timeline page");
    let html = page.text();
    let svg = html
        .split("<svg")
        .nth(1)
        .and_then(|x| x.split("</svg>").next())
        .expect("the map");
    assert_eq!(
        svg.matches("class=\"map-province ").count(),
        34,
        "every province is drawn"
    );
    // Kabul still held: each fallen capital is one province filled as taken.
    let taken = svg.matches("map-province province-taken").count();
    let contested = svg.matches("map-province province-contested").count();
    assert_eq!(
        taken, fallen,
        "{taken} provinces taken, {fallen} capitals fallen"
    );
    assert!(svg.contains("<title>Kandahar province (capital Kandahar):"));
    assert!(svg.contains("<title>Herat province (capital Herat): taken (hostile-held)</title>"));
    assert!(taken + contested < 34);
    assert!(html.contains("Boundaries: Natural Earth"));
    assert!(!html.contains("Province areas are approximate"));
    // The same facts in a table for screen readers.
    let table = html
        .split("province-status")
        .nth(1)
        .and_then(|t| t.split("</table>").next())
        .expect("the status table");
    assert_eq!(table.matches("<tr><td>").count(), 34);
    assert_eq!(
        table.matches("<td>taken (hostile-held)</td>").count(),
        taken
    );

    let g = s
        .get("/api/v1/posture/gazetteer", Auth::Session(&viewer))
        .await
        .json();
    assert_eq!(
        (g["country"].as_str(), g["approximate_areas"].as_bool()),
        (Some("Afghanistan"), Some(false))
    );
    assert_eq!(g["provinces"].as_array().map(Vec::len), Some(34));

    // A bad gazetteer names its line; one that lacks a place the log names is refused; a
    // viewer cannot load one. Nothing changes.
    let committee = s.login("committee").await;
    let head = "name,province,kind,latitude,longitude\n";
    for (csv, status, words) in [
        (
            format!("{head}Strel,Central,capital,45,20\nZenda,North,town,46,21\n"),
            400,
            "gazetteer, line 3: kind 'town'",
        ),
        (
            format!("{head}Strel,Central,capital,45,20\n"),
            400,
            "names places this gazetteer lacks",
        ),
    ] {
        let r = s
            .post_json(
                "/api/v1/posture/gazetteer",
                Auth::Session(&committee),
                &json!({"country": "Ruritania", "csv": csv}),
                true,
            )
            .await;
        r.expect(status, words);
        assert!(
            r.json()["error"].as_str().unwrap_or("").contains(words),
            "{}",
            r.text()
        );
    }
    s.post_json(
        "/api/v1/posture/gazetteer",
        Auth::Session(&viewer),
        &json!({"country": "X", "csv": head}),
        true,
    )
    .await
    .expect(403, "a viewer cannot load a gazetteer");
    let r = s
        .upload(
            "/posture/gazetteer",
            &committee,
            true,
            reqwest::multipart::Form::new()
                .text("country", "Ruritania")
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(
                        format!("{head}Strel,Central,capital,45,20\n").into_bytes(),
                    )
                    .file_name("r.csv"),
                ),
        )
        .await;
    r.expect(400, "the page says why");
    assert!(r.text().contains("names places this gazetteer lacks"));
    let g = s
        .get("/api/v1/posture/gazetteer", Auth::Session(&viewer))
        .await
        .json();
    assert_eq!(g["country"], "Afghanistan");

    // Another gazetteer (here Afghanistan's places without boundaries): approximate areas, said so.
    let dir = TempDir::new("gazetteer");
    let csv = dir.join("places.csv");
    write_file(
        &csv,
        &std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../posture/data/afghanistan.csv"
        ))
        .expect("the embedded gazetteer"),
    );
    let db = sqlite_url(&s.db_path());
    let env = [("DRAWDOWN_DB", db.as_str())];
    let r = drawdown(
        &[
            "posture",
            "gazetteer",
            &csv.to_string_lossy(),
            "--country",
            "Afghanistan (loaded)",
        ],
        &env,
    );
    r.assert_ok();
    let html = s
        .get(
            &format!("/posture/timeline?at={at}"),
            Auth::Session(&viewer),
        )
        .await
        .text();
    let svg = html
        .split("<svg")
        .nth(1)
        .and_then(|x| x.split("</svg>").next())
        .expect("the map");
    assert!(svg.contains("Map of Afghanistan (loaded)"));
    assert_eq!(svg.matches("class=\"map-province ").count(), 34);
    assert_eq!(svg.matches("map-province province-taken").count(), fallen);
    assert!(html.contains("Province areas are approximate"));
    let g = s
        .get("/api/v1/posture/gazetteer", Auth::Session(&viewer))
        .await
        .json();
    assert_eq!(
        (g["country"].as_str(), g["approximate_areas"].as_bool()),
        (Some("Afghanistan (loaded)"), Some(true))
    );
}

/// Levels, checklists, retiring and ticking on PostgreSQL, through the same services, on a
/// database of its own on DRAWDOWN_TEST_PG (skipped when it is not set). Moving ranks up under
/// a unique constraint is where the two databases differ.
#[tokio::test]
async fn levels_tripwires_and_tasks_on_postgresql() {
    use drawdown_domain::{Role, RoleSet};
    use drawdown_web::services::posture as svc;
    let Some(db) = PgDb::create("drawdown_po").await else {
        return;
    };
    let url = db.url.clone();
    let store = drawdown_storage::Store::connect(&url, true)
        .await
        .expect("open");
    store.migrate().await.expect("migrate");
    let now = time::OffsetDateTime::now_utc();
    let bad = |e: drawdown_web::WebError| e.to_string();

    // The typical plan is seeded; a level goes in above the lowest, the others move up.
    svc::load(&store, now).await.map_err(bad).expect("load");
    let id = svc::add_level(
        &store,
        &svc::LevelInput {
            name: "vigilance".into(),
            description: "Watch.".into(),
            after: "normal".into(),
        },
        "ana",
        "test",
        now,
    )
    .await
    .map_err(bad)
    .expect("add level");
    let p = svc::load(&store, now).await.map_err(bad).expect("load");
    let names: Vec<(i64, &str)> = p.levels.iter().map(|l| (l.rank, l.name.as_str())).collect();
    assert_eq!(
        names,
        [
            (0, "normal"),
            (1, "vigilance"),
            (2, "heightened"),
            (3, "authorized departure"),
            (4, "ordered departure"),
            (5, "core presence"),
            (6, "suspended")
        ]
    );
    svc::edit_level(
        &store,
        "vigilance",
        &svc::LevelInput {
            name: "watchful".into(),
            description: "Watch closely.".into(),
            after: String::new(),
        },
        "ana",
        "test",
        now,
    )
    .await
    .map_err(bad)
    .expect("rename");
    let task = svc::add_task_template(
        &store,
        &id,
        &svc::TaskInput {
            task: "Count the holdings".into(),
            owner_role: "destruction".into(),
            due_hours: "24".into(),
        },
        "ana",
        "test",
        now,
    )
    .await
    .map_err(bad)
    .expect("task");
    svc::edit_task_template(
        &store,
        &id,
        &task,
        &svc::TaskInput {
            task: "Count every holding".into(),
            owner_role: "destruction".into(),
            due_hours: "12".into(),
        },
        "ana",
        "test",
        now,
    )
    .await
    .map_err(bad)
    .expect("edit task");
    let p = svc::load(&store, now).await.map_err(bad).expect("load");
    let l = p.level(&id).expect("level");
    assert_eq!((l.name.as_str(), l.tasks.len()), ("watchful", 1));
    assert_eq!(
        (l.tasks[0].task.as_str(), l.tasks[0].due_hours),
        ("Count every holding", 12)
    );

    // Declared: the task is the destruction role's to tick, not the movement officer's.
    let decision = svc::decide(
        &store,
        false,
        &svc::DecisionInput {
            level: "watchful".into(),
            rationale: "Testing.".into(),
            ..Default::default()
        },
        "ana",
        "test",
        now,
    )
    .await
    .map_err(bad)
    .expect("declare");
    let p = svc::load(&store, now).await.map_err(bad).expect("load");
    let opened = p
        .tasks
        .iter()
        .find(|t| t.decision_id == decision)
        .expect("the task opened");
    let e = svc::tick_task(
        &store,
        &opened.id,
        None,
        Some(RoleSet::of(&[Role::Movement])),
        "mo",
        "test",
        now,
    )
    .await
    .expect_err("refused");
    assert!(matches!(e, drawdown_web::WebError::NotPermitted(_)), "{e}");
    svc::tick_task(
        &store,
        &opened.id,
        None,
        Some(RoleSet::of(&[Role::Destruction])),
        "do",
        "test",
        now,
    )
    .await
    .map_err(bad)
    .expect("the owner ticks it");
    svc::remove_task_template(&store, &id, &task, "ana", "test", now)
        .await
        .map_err(bad)
        .expect("remove");

    // Retired: gone from the evaluation, kept in the table.
    let t = svc::save_tripwire(
        &store,
        None,
        &svc::TripwireInput {
            name: "Any threat".into(),
            condition: "event threat_against_post".into(),
            recommends: "watchful".into(),
            actions: String::new(),
        },
        "ana",
        "test",
        now,
    )
    .await
    .map_err(bad)
    .expect("tripwire");
    svc::retire_tripwire(&store, "any threat", "ana", "test", now)
        .await
        .map_err(bad)
        .expect("retire");
    let p = svc::load(&store, now).await.map_err(bad).expect("load");
    let s = p.situation(now);
    assert!(p.evaluate(&s).iter().all(|v| v.row.id != t));
    assert!(p.tripwire(&t).and_then(|r| r.retired_at.as_ref()).is_some());
    assert!(store.verify_audit().await.expect("verify").is_intact());
    store.close().await;
}
