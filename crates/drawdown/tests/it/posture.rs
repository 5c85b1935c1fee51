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
    r.expect(200, "the form comes back");
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
    assert!(!r.ok());
    assert!(
        r.all()
            .contains("bad.csv, row 3, place: 'Gotham' is not in the gazetteer"),
        "{}",
        r.all()
    );
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
    assert!(!r.ok() && r.all().contains("horizon:"), "{}", r.all());

    let r = drawdown(&["posture", "show"], &env);
    r.assert_ok();
    assert!(r.stdout.contains("capitals_fallen"), "{}", r.stdout);
    assert!(r.stdout.contains("Kabul"), "{}", r.stdout);
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
    assert!(!r.ok());
    assert!(
        r.all()
            .contains("at column 1: 'capitals_fell' is not a measure"),
        "{}",
        r.all()
    );
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
    let help = drawdown(&["situation", "add", "--help"], &[]);
    assert!(help.stdout.contains("--horizon") && help.stdout.contains("place_taken"));
}
