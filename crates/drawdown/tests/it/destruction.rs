//! destruction: integration tests against the real server — the ledger through the web UI, the
//! two-person rule, certificates whose hash is in the audit log, refusals that change nothing,
//! the CSV import, exports, the JSON API and the command line.

use crate::harness::*;
use serde_json::json;

/// A list of the API (`holdings`, `devices`), as it reads now.
async fn listed(s: &Server, who: &Session, list: &str) -> Vec<serde_json::Value> {
    let path = format!("/api/v1/destruction/{list}");
    let r = s.get(&path, Auth::Session(who)).await;
    r.expect(200, &format!("GET {path}"));
    r.json()[list].as_array().expect(list).clone()
}

/// A holding's quantity as the API reads it.
async fn quantity(s: &Server, who: &Session, id: &str) -> i64 {
    listed(s, who, "holdings")
        .await
        .iter()
        .find(|h| h["id"] == id)
        .and_then(|h| h["quantity"].as_i64())
        .unwrap_or_else(|| panic!("holding {id} not listed"))
}

async fn add_holding(s: &Server, who: &Session, kind: &str, q: &str, description: &str) -> String {
    let r = s
        .post_json(
            "/api/v1/destruction/holdings",
            Auth::Session(who),
            &json!({"kind": kind, "quantity": q, "description": description, "location": "Test vault"}),
            true,
        )
        .await;
    r.expect(201, "add a holding");
    r.json()["id"].as_str().expect("id").to_string()
}

async fn device_id(s: &Server, who: &Session, name: &str) -> String {
    listed(s, who, "devices")
        .await
        .iter()
        .find(|d| d["name"] == name)
        .and_then(|d| d["id"].as_str())
        .expect("device")
        .to_string()
}

/// A holding the API refuses, and the reason it gives.
async fn refused_holding(s: &Server, who: &Session, body: serde_json::Value) -> String {
    let r = s
        .post_json(
            "/api/v1/destruction/holdings",
            Auth::Session(who),
            &body,
            true,
        )
        .await;
    r.expect(400, &format!("refuse the holding {body}"));
    r.json()["error"].as_str().unwrap_or("").to_string()
}

/// A holdings CSV as the import form uploads it.
fn holdings_file(csv: &str) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("holdings.csv"),
    )
}

#[tokio::test]
async fn witnessed_destruction_end_to_end_with_refusals() {
    let s = Server::demo_small().await;
    let officer = s.login("destruction").await;
    let committee = s.login("committee").await;
    let admin = s.login("admin").await;

    // The demo's plan, ledger and card are there.
    let page = s.get("/destruction", Auth::Session(&officer)).await;
    page.expect(200, "GET /destruction");
    let html = page.text();
    for needle in [
        "Emergency level",
        "Bottleneck",
        "Burn-down",
        "<svg",
        "D-000001",
        "committee",
    ] {
        assert!(html.contains(needle), "/destruction shows {needle}");
    }
    let dash = s.get("/", Auth::Session(&officer)).await;
    assert!(dash.text().contains("Sensitive holdings left") && dash.text().contains(" kg"));

    let paper = add_holding(&s, &officer, "classified_paper", "100", "Test safe").await;
    let firebox = device_id(&s, &officer, "Firebox 1").await;

    // Record 40 kg burnt: pending, the quantity goes down at once.
    let r = s
        .submit(
            "/destruction/records",
            &officer,
            &[
                ("holding", &paper),
                ("quantity", "40"),
                ("method", "burn"),
                ("device", &firebox),
            ],
        )
        .await;
    r.expect(303, "record a destruction");
    assert_eq!(quantity(&s, &officer, &paper).await, 60);
    let records = s
        .get("/api/v1/destruction/records", Auth::Session(&officer))
        .await;
    let rec = records.json()["records"][0].clone();
    assert_eq!(rec["status"], "pending_witness");
    assert_eq!(rec["operator"], "destruction");
    let rec_id = rec["id"].as_str().expect("record id").to_string();

    // The operator cannot witness their own record; the page says why.
    let own = s
        .submit(
            &format!("/destruction/records/{rec_id}/witness"),
            &officer,
            &[],
        )
        .await;
    own.expect(400, "the operator witnesses their own record");
    assert!(
        own.text().contains("two-person rule"),
        "{}",
        truncate(&own.text(), 400)
    );
    // No certificate before the witness.
    s.get(
        &format!("/destruction/records/{rec_id}/certificate.pdf"),
        Auth::Session(&officer),
    )
    .await
    .expect(404, "no certificate while pending");

    // The committee member sees it pending and confirms in their own session.
    let pending = s.get("/destruction", Auth::Session(&committee)).await;
    assert!(
        pending
            .text()
            .contains(&format!("/destruction/records/{rec_id}/witness"))
    );
    s.submit(
        &format!("/destruction/records/{rec_id}/witness"),
        &committee,
        &[],
    )
    .await
    .expect(303, "the witness confirms");
    // Witnessing twice is refused.
    let again = s
        .submit(
            &format!("/destruction/records/{rec_id}/witness"),
            &committee,
            &[],
        )
        .await;
    again.expect(400, "witness twice");
    assert!(again.text().contains("already witnessed"));

    // The certificate: a PDF whose SHA-256 is the one in the audit log.
    let pdf = s
        .get(
            &format!("/destruction/records/{rec_id}/certificate.pdf"),
            Auth::Session(&officer),
        )
        .await;
    pdf.expect(200, "certificate");
    assert!(pdf.bytes.starts_with(b"%PDF-"));
    assert_eq!(pdf.content_type(), "application/pdf");
    let sha = drawdown_documents::sha256_hex(&pdf.bytes);
    let audit = s
        .get(
            "/api/v1/audit?action=destruction.witness&limit=50",
            Auth::Session(&admin),
        )
        .await;
    let entries = audit.json()["entries"].as_array().expect("entries").clone();
    assert!(
        entries.iter().any(|e| e["actor"] == "committee"
            && e["target"] == format!("destruction_record:{rec_id}")
            && e["detail"].as_str().unwrap_or("").contains(&sha)),
        "the certificate's hash {sha} is in the audit log: {entries:?}"
    );

    // Refusals: each names the problem and changes nothing.
    let refusals: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            vec![("holding", &paper), ("quantity", "-5"), ("method", "burn")],
            "cannot be negative",
        ),
        (
            vec![("holding", &paper), ("quantity", "61"), ("method", "burn")],
            "only 60",
        ),
        (
            vec![("holding", &paper), ("quantity", "abc"), ("method", "burn")],
            "not a whole number",
        ),
        (
            vec![
                ("holding", &paper),
                ("quantity", "5"),
                ("method", "microwave"),
            ],
            "unknown method",
        ),
        (
            vec![
                ("holding", "no-such-holding"),
                ("quantity", "5"),
                ("method", "burn"),
            ],
            "no holding",
        ),
    ];
    for (fields, message) in refusals {
        let r = s.submit("/destruction/records", &officer, &fields).await;
        r.expect(400, message);
        assert!(
            r.text().contains(message),
            "expected '{message}' in {}",
            truncate(&r.text(), 300)
        );
        assert_eq!(
            quantity(&s, &officer, &paper).await,
            60,
            "{message}: nothing changed"
        );
    }
    // An SSD is not degaussed (method not approved for the kind).
    let ssd = add_holding(&s, &officer, "ssd", "10", "Test SSDs").await;
    let r = s
        .submit(
            "/destruction/records",
            &officer,
            &[
                ("holding", &ssd),
                ("quantity", "2"),
                ("method", "degauss_destroy"),
            ],
        )
        .await;
    r.expect(400, "degauss an SSD");
    assert!(r.text().contains("not approved for Solid-state drives"));
    // A broken device destroys nothing.
    let disintegrator = device_id(&s, &officer, "Disintegrator").await;
    s.post_json(
        &format!("/api/v1/destruction/devices/{disintegrator}"),
        Auth::Session(&officer),
        &json!({"status": "broken"}),
        true,
    )
    .await
    .expect(200, "mark the disintegrator broken");
    let r = s
        .submit(
            "/destruction/records",
            &officer,
            &[
                ("holding", &ssd),
                ("quantity", "2"),
                ("method", "disintegrate"),
                ("device", &disintegrator),
            ],
        )
        .await;
    r.expect(400, "a broken device");
    assert!(r.text().contains("is broken"));
    assert_eq!(quantity(&s, &officer, &ssd).await, 10);
    // Unknown kind, negative quantity on a holding.
    let why = refused_holding(&s, &officer, json!({"kind": "unicorns", "quantity": 3})).await;
    assert!(why.contains("unknown kind 'unicorns'"), "{why}");
    let why = refused_holding(&s, &officer, json!({"kind": "flags", "quantity": -3})).await;
    assert!(why.contains("cannot be negative"), "{why}");

    // Burn bags: sealed, destroyed by serial once, traced.
    s.submit(
        "/destruction/bags",
        &officer,
        &[
            ("holding", &paper),
            ("serial", "BB-TEST-1"),
            ("quantity", "20"),
            ("contents", "Cables"),
        ],
    )
    .await
    .expect(303, "seal a bag");
    // What is sealed cannot be destroyed outside its bag.
    let r = s
        .submit(
            "/destruction/records",
            &officer,
            &[("holding", &paper), ("quantity", "50"), ("method", "burn")],
        )
        .await;
    r.expect(400, "destroy what is sealed in a bag");
    s.submit(
        "/destruction/records",
        &officer,
        &[
            ("bag", "BB-TEST-1"),
            ("method", "burn"),
            ("device", &firebox),
        ],
    )
    .await
    .expect(303, "destroy the bag");
    assert_eq!(quantity(&s, &officer, &paper).await, 40);
    let twice = s
        .submit(
            "/destruction/records",
            &officer,
            &[("bag", "BB-TEST-1"), ("method", "burn")],
        )
        .await;
    twice.expect(400, "destroy a bag twice");
    assert!(twice.text().contains("already destroyed"));
    assert_eq!(quantity(&s, &officer, &paper).await, 40);
    let bags = s
        .get("/destruction/holdings", Auth::Session(&committee))
        .await;
    assert!(bags.text().contains("BB-TEST-1"));

    // The plan answers through the API, and more capacity never lengthens it.
    let before = s
        .get("/api/v1/destruction/plan", Auth::Session(&committee))
        .await;
    before.expect(200, "plan");
    let zero_before = before.json()["days_to_zero"]
        .as_f64()
        .expect("days to zero");
    s.submit(
        "/destruction/devices",
        &officer,
        &[
            ("name", "Firebox 9"),
            ("method", "burn"),
            ("kg_per_hour", "80"),
            ("hours_per_day", "12"),
        ],
    )
    .await
    .expect(303, "add a device");
    let after = s
        .get("/api/v1/destruction/plan", Auth::Session(&committee))
        .await;
    assert!(after.json()["days_to_zero"].as_f64().expect("days") <= zero_before + 1e-9);

    // Emergency destruction: the page turns into the emergency list.
    s.submit(
        "/destruction/emergency",
        &officer,
        &[
            ("emergency", "on"),
            ("level", "2"),
            ("deadline_hours", "48"),
        ],
    )
    .await
    .expect(303, "emergency on");
    let page = s.get("/destruction", Auth::Session(&committee)).await;
    assert!(page.text().contains("id=\"emergency-list\""));

    // Exports: CSV neutralised, PDF summary; both audited.
    add_holding(&s, &officer, "flags", "2", "=HYPERLINK(\"http://x\")").await;
    let csv = s
        .get("/destruction/export.csv", Auth::Session(&committee))
        .await;
    csv.expect(200, "CSV export");
    assert!(csv.text().contains("'=HYPERLINK"), "formula neutralised");
    assert!(csv.text().starts_with(
        "section,id,kind,description,quantity,unit,initial_quantity,classification,location,custodian,priority,method,device,burn_bag,operator,destroyed_at,witness,witnessed_at,status\n"
    ));
    assert!(csv.text().contains("D-000001"));
    let summary = s
        .get("/destruction/summary.pdf", Auth::Session(&committee))
        .await;
    summary.expect(200, "PDF summary");
    assert!(summary.bytes.starts_with(b"%PDF-"));
    let audit = s
        .get(
            "/api/v1/audit?action=destruction.export&limit=10",
            Auth::Session(&admin),
        )
        .await;
    assert!(audit.json()["entries"].as_array().expect("entries").len() >= 2);

    // The matrix is the post's to adjust (on the record), and the ledger follows it.
    let flags = add_holding(&s, &officer, "flags", "10", "Test flags").await;
    let r = s
        .submit(
            "/destruction/records",
            &officer,
            &[("holding", &flags), ("quantity", "2"), ("method", "shred")],
        )
        .await;
    r.expect(400, "shred flags before the matrix allows it");
    s.submit(
        "/destruction/matrix",
        &officer,
        &[("kind", "flags"), ("method", "shred"), ("allowed", "yes")],
    )
    .await
    .expect(303, "approve shredding flags");
    let matrix = s.get("/destruction/devices", Auth::Session(&officer)).await;
    assert!(
        matrix.text().contains("Withdraw shred for Flags"),
        "the matrix shows the change"
    );
    s.submit(
        "/destruction/records",
        &officer,
        &[("holding", &flags), ("quantity", "2"), ("method", "shred")],
    )
    .await
    .expect(303, "shred flags now");
    assert_eq!(quantity(&s, &officer, &flags).await, 8);
    let audit = s
        .get(
            "/api/v1/audit?action=destruction.matrix_set&limit=5",
            Auth::Session(&admin),
        )
        .await;
    assert_eq!(audit.json()["entries"][0]["actor"], "destruction");
    // A kind of the post's own, then a holding of it.
    s.submit(
        "/destruction/kinds",
        &officer,
        &[
            ("label", "Satellite phones"),
            ("unit", "item"),
            ("kg_per_unit", "0.4"),
            ("priority", "1"),
            ("methods", "disintegrate"),
            ("methods", "incinerate"),
        ],
    )
    .await
    .expect(303, "add a kind");
    add_holding(&s, &officer, "satellite_phones", "12", "Thuraya handsets").await;
    let r = s
        .submit(
            "/destruction/kinds",
            &officer,
            &[
                ("label", "Satellite phones"),
                ("unit", "item"),
                ("kg_per_unit", "0.4"),
                ("priority", "1"),
                ("methods", "burn"),
            ],
        )
        .await;
    r.expect(400, "the same kind twice");
    assert!(r.text().contains("already exists"));

    // The holding form takes text; the API takes JSON numbers too (quantities, hours a day).
    s.submit(
        "/destruction/holdings",
        &officer,
        &[
            ("kind", "flags"),
            ("quantity", "7"),
            ("description", "Form flags"),
            ("priority", "2"),
        ],
    )
    .await
    .expect(303, "add a holding by the form");
    let by_form = listed(&s, &officer, "holdings")
        .await
        .into_iter()
        .find(|h| h["description"] == "Form flags")
        .expect("the form's holding");
    assert_eq!(by_form["quantity"], 7);
    assert_eq!(by_form["priority"], 2);
    let by_form = by_form["id"].as_str().expect("id").to_string();
    s.post_json(
        "/api/v1/destruction/records",
        Auth::Session(&officer),
        &json!({"holding": by_form, "quantity": 3, "method": "incinerate"}),
        true,
    )
    .await
    .expect(201, "record by the API, the quantity a number");
    assert_eq!(quantity(&s, &officer, &by_form).await, 4);
    let r = s
        .post_json(
            &format!("/api/v1/destruction/devices/{firebox}"),
            Auth::Session(&officer),
            &json!({"status": "working", "hours_per_day": 6}),
            true,
        )
        .await;
    r.expect(200, "hours a day as a number");
    assert_eq!(r.json()["hours_per_day"], 6.0);

    // Viewers see, but do not record.
    let viewer = s.login("viewer").await;
    s.submit(
        "/destruction/records",
        &viewer,
        &[("holding", &paper), ("quantity", "1"), ("method", "burn")],
    )
    .await
    .expect(403, "a viewer records");
}

#[tokio::test]
async fn holdings_csv_import_is_whole_or_nothing_and_the_cli_works() {
    let s = Server::demo_small().await;
    let officer = s.login("destruction").await;
    let before = listed(&s, &officer, "holdings").await.len();

    // A file with bad rows: refused, every problem named by row and field, nothing imported.
    let bad = "kind,quantity,description,classification\nclassified_paper,120,Safe 1,secret\nunicorns,3,Stable,\nssd,-4,Rack,secret\nflags,ten,Hall,\n";
    let r = s
        .upload(
            "/destruction/holdings/import",
            &officer,
            true,
            holdings_file(bad),
        )
        .await;
    r.expect(400, "bad CSV");
    let text = r.text();
    for needle in [
        "row 3",
        "unknown kind",
        "row 4",
        "negative",
        "row 5",
        "not a whole number",
        "nothing imported",
    ] {
        assert!(
            text.contains(needle),
            "the refusal names {needle}: {}",
            truncate(&text, 600)
        );
    }
    assert_eq!(listed(&s, &officer, "holdings").await.len(), before);

    // A good file: imported whole.
    let good = "kind,quantity,description,classification,location,custodian,priority\nclassified_paper,120,Safe 1,secret,Annex,RSO,\nHard drives,30,Rack 2,secret,Server room,IMO,1\n";
    s.upload(
        "/destruction/holdings/import",
        &officer,
        true,
        holdings_file(good),
    )
    .await
    .expect(303, "good CSV");
    assert_eq!(listed(&s, &officer, "holdings").await.len(), before + 2);

    // The command line, on the same database: add, record as one person, witness as another.
    let db = sqlite_url(&s.db_path());
    let env_a = [("DRAWDOWN_DB", db.as_str()), ("USER", "alice")];
    let env_b = [("DRAWDOWN_DB", db.as_str()), ("USER", "bob")];
    let out = drawdown(
        &[
            "holdings",
            "add",
            "--kind",
            "phone",
            "--quantity",
            "12",
            "--description",
            "CLI phones",
        ],
        &env_a,
    );
    out.assert_ok();
    let id = out
        .stdout
        .trim()
        .rsplit(' ')
        .next()
        .expect("id")
        .to_string();
    drawdown(&["holdings", "list"], &env_a).assert_ok();
    let bad = drawdown(
        &["holdings", "add", "--kind", "phone", "--quantity", "-1"],
        &env_a,
    );
    assert!(
        !bad.ok() && bad.all().contains("cannot be negative"),
        "{}",
        bad.all()
    );
    let rec = drawdown(
        &[
            "destroy",
            "record",
            "--holding",
            &id,
            "--quantity",
            "5",
            "--method",
            "incinerate",
            "--device",
            "Incinerator",
        ],
        &env_a,
    );
    rec.assert_ok();
    let number = rec
        .stdout
        .split_whitespace()
        .find(|w| w.starts_with("D-"))
        .expect("certificate number")
        .to_string();
    let own = drawdown(&["destroy", "witness", &number], &env_a);
    assert!(
        !own.ok() && own.all().contains("two-person rule"),
        "{}",
        own.all()
    );
    let ok = drawdown(&["destroy", "witness", &number], &env_b);
    ok.assert_ok();
    assert!(ok.stdout.contains("sha256"));
    let more = drawdown(
        &[
            "destroy",
            "record",
            "--holding",
            &id,
            "--quantity",
            "8",
            "--method",
            "incinerate",
        ],
        &env_a,
    );
    assert!(
        !more.ok() && more.all().contains("only 7"),
        "{}",
        more.all()
    );
    let plan = drawdown(&["destroy", "plan"], &env_a);
    plan.assert_ok();
    assert!(
        plan.stdout.contains("Bottleneck") && plan.stdout.contains("Day 1"),
        "{}",
        plan.stdout
    );
}

#[tokio::test]
async fn a_declared_posture_turns_on_emergency_destruction() {
    let s = Server::demo_small().await;
    let committee = s.login("committee").await;
    let page = s.get("/destruction", Auth::Session(&committee)).await;
    assert!(
        !page.text().contains("id=\"emergency-list\""),
        "no emergency before"
    );

    // The committee declares ordered departure (through the posture service, on the same
    // database): its checklist asks destruction to reach the emergency level within 48 h.
    let store = drawdown_storage::Store::connect(&sqlite_url(&s.db_path()), false)
        .await
        .expect("open the demo database");
    let now = time::OffsetDateTime::now_utc();
    drawdown_web::services::posture::decide(
        &store,
        false,
        &drawdown_web::services::posture::DecisionInput {
            level: "ordered departure".into(),
            rationale: "Kandahar and Herat have fallen".into(),
            attendees: "EAC".into(),
            ..Default::default()
        },
        "committee",
        "test",
        now,
    )
    .await
    .expect("declare ordered departure");
    store.close().await;

    let page = s.get("/destruction", Auth::Session(&committee)).await;
    let html = page.text();
    assert!(
        html.contains("id=\"emergency-list\""),
        "the page is the emergency list"
    );
    assert!(
        html.contains("Required by the declared posture"),
        "and says why"
    );
    assert!(html.contains("Reduce holdings to the emergency-destruction level"));
    let plan = s
        .get("/api/v1/destruction/plan", Auth::Session(&committee))
        .await;
    let plan = plan.json();
    assert_eq!(plan["emergency"], true);
    let hours = plan["deadline_hours"].as_i64().expect("deadline");
    assert!((47..=48).contains(&hours), "the checklist's 48 h: {hours}");
}

/// The ledger on PostgreSQL: the same operations through the same services, on a database of
/// its own on DRAWDOWN_TEST_PG (skipped when it is not set).
#[tokio::test]
async fn the_ledger_on_postgresql() {
    use drawdown_web::services::destruction as svc;
    let Some(db) = PgDb::create("drawdown_dd").await else {
        return;
    };
    let url = db.url.clone();
    let store = drawdown_storage::Store::connect(&url, true)
        .await
        .expect("open");
    store.migrate().await.expect("migrate");
    let now = time::OffsetDateTime::now_utc();
    let bad = |e: drawdown_web::WebError| e.to_string();
    let record = |input: svc::RecordInput| {
        let store = &store;
        async move { svc::record_destruction(store, "ana", "test", &input, now).await }
    };

    let paper = svc::add_holding(
        &store,
        "ana",
        "test",
        &svc::HoldingInput {
            kind: "classified_paper".into(),
            quantity: "100".into(),
            ..Default::default()
        },
        now,
    )
    .await
    .map_err(bad)
    .expect("add holding");
    let firebox = svc::add_device(
        &store, "ana", "test", "Firebox", "burn", "50", "10", "Yard", now,
    )
    .await
    .map_err(bad)
    .expect("device");
    svc::seal_bag(
        &store, "ana", "test", &paper, "BB-PG-1", "30", "Cables", now,
    )
    .await
    .map_err(bad)
    .expect("seal");
    let holding = store.holding(&paper).await.expect("read").expect("holding");
    assert_eq!((holding.quantity, holding.sealed), (100, 30));
    // Outside the bag only 70 can go; the bag goes by its serial, once.
    let more = record(svc::RecordInput {
        holding: paper.clone(),
        quantity: "71".into(),
        method: "burn".into(),
        ..Default::default()
    })
    .await;
    assert!(more.is_err());
    let (bag_record, _) = record(svc::RecordInput {
        bag: "BB-PG-1".into(),
        method: "burn".into(),
        device: firebox.clone(),
        ..Default::default()
    })
    .await
    .map_err(bad)
    .expect("destroy the bag");
    let again = record(svc::RecordInput {
        bag: "BB-PG-1".into(),
        method: "burn".into(),
        ..Default::default()
    })
    .await;
    assert!(again.is_err(), "a bag is destroyed once");
    assert_eq!(
        store
            .holding(&paper)
            .await
            .expect("read")
            .expect("holding")
            .quantity,
        70
    );
    // The two-person rule, and the certificate with its hash.
    assert!(
        svc::witness(&store, "Post", "ana", "test", &bag_record, now)
            .await
            .is_err()
    );
    let sha = svc::witness(&store, "Post", "bo", "test", &bag_record, now)
        .await
        .map_err(bad)
        .expect("witness");
    let (stored, pdf) = store
        .destruction_certificate(&bag_record)
        .await
        .expect("read")
        .expect("certificate");
    assert_eq!(stored, sha);
    assert_eq!(drawdown_documents::sha256_hex(&pdf), sha);
    let o = svc::overview(&store, now)
        .await
        .map_err(bad)
        .expect("overview");
    assert!((o.plan.days_to_zero.expect("a plan") - 70.0 / 500.0).abs() < 1e-6);
    assert!(store.verify_audit().await.expect("verify").is_intact());
    store.close().await;
}
