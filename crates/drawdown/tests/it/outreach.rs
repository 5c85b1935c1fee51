//! outreach: integration tests against the real server: the public self-registration form,
//! alerts to segments with a real SMTP receiver and a real HTTP SMS gateway on loopback.

use crate::harness::*;
use std::time::Duration;

/// The form's hidden token, as a browser would send it back.
fn token_of(html: &str) -> String {
    hidden_input(html, "_token").expect("form token")
}

fn code_of(html: &str, id: &str) -> String {
    let needle = format!("id=\"{id}\">");
    let start = html.find(&needle).expect(id) + needle.len();
    let end = html[start..].find('<').unwrap() + start;
    html[start..end].to_string()
}

/// A person's answers: themselves in Dari, with a child.
fn answers<'a>(token: &'a str, given: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("_token", token),
        ("lang", "fa"),
        ("rows", "4"),
        ("website", ""),
        ("given_name", given),
        ("family_name", "Ahmadzai"),
        ("birth_date", "۱۹۸۶-۰۴-۱۲"),
        ("document_number", "P۷۷۴۴۱۱۰"),
        ("phone", "0799 123 456"),
        ("email", ""),
        ("province", "Kandahar"),
        ("status", "citizen"),
        ("m1_given", "Maryam"),
        ("m1_family", "Ahmadzai"),
        ("m1_birth", "2016"),
        ("m1_relationship", "daughter"),
    ]
}

/// Long enough after the form was shown for a person to have filled it (the server refuses
/// a form sent back within 3 seconds: a bot's).
async fn fill_time() {
    tokio::time::sleep(Duration::from_millis(3_100)).await;
}

#[tokio::test]
async fn a_person_registers_in_dari_and_a_registrar_finds_them() {
    let s = Server::demo_small().await;
    let page = s.get("/register?lang=fa", Auth::None).await;
    page.expect(200, "the public form, no login");
    let html = page.text();
    assert!(html.contains(r#"lang="fa" dir="rtl""#), "right to left");
    assert!(html.contains("ثبت نام نزد سفارت"));
    assert!(
        !html.contains("<script src=\"/assets/register"),
        "no script needed"
    );
    fill_time().await;

    // A mistake: the form comes back with the field named and everything else kept.
    let t1 = token_of(&html);
    let mut bad = answers(&t1, "Zarghona");
    bad.retain(|(k, _)| *k != "province");
    bad.push(("province", "Atlantis"));
    bad.retain(|(k, _)| *k != "birth_date");
    bad.push(("birth_date", "12 April"));
    let r = s.post_form("/register", Auth::None, &bad).await;
    r.expect(400, "invalid form");
    let back = r.text();
    assert!(
        back.contains("یک ولایت را از فهرست انتخاب کنید."),
        "province named"
    );
    assert!(
        back.contains(r##"href="#f-birth_date""##),
        "birth date named"
    );
    assert!(
        back.contains(r#"value="Zarghona""#),
        "what was typed is kept"
    );
    assert!(back.contains(r#"value="Maryam""#), "companions kept");
    assert!(back.contains(r#"aria-invalid="true""#));

    // The same token cannot be used twice.
    let r = s
        .post_form("/register", Auth::None, &answers(&t1, "Zarghona"))
        .await;
    r.expect(400, "a spent token");
    assert!(r.text().contains("دوباره بفرستید"));

    // Done right: a reference and a secret.
    let t2 = token_of(&r.text());
    fill_time().await;
    let r = s
        .post_form("/register", Auth::None, &answers(&t2, "Zarghona"))
        .await;
    r.expect(200, "registered");
    let done = r.text();
    let reference = code_of(&done, "reference");
    let secret = code_of(&done, "secret");
    assert!(
        reference.starts_with("SR-") && reference.len() == 12,
        "{reference}"
    );
    assert_eq!(secret.len(), 14, "{secret}");

    // A registrar rebuilds the registry and finds her, claimed and unverified.
    let reg = s.login("registrar").await;
    let r = s.submit("/people/resolve", &reg, &[]).await;
    let job = r.location().expect("job page");
    for _ in 0..600 {
        let page = s.get(&job, Auth::Session(&reg)).await.text();
        if !page.contains("http-equiv=\"refresh\"") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let j = s
        .get("/api/v1/people?q=Zarghona%20Ahmadzai", Auth::Session(&reg))
        .await
        .json();
    let people = j["people"].as_array().expect("people");
    assert_eq!(people.len(), 1, "{j}");
    assert_eq!(people[0]["status"], "claimed, unverified");
    assert_eq!(people[0]["category"], "Citizens");
    let j = s
        .get(
            "/api/v1/people?source=Self-registration",
            Auth::Session(&reg),
        )
        .await
        .json();
    assert!(j["total"].as_i64().unwrap() >= 2, "both on the list: {j}");

    // The audit log has the batch, with counts and nothing personal.
    let admin = s.login("admin").await;
    let j = s
        .get(
            "/api/v1/audit?action=registration.accept",
            Auth::Session(&admin),
        )
        .await
        .json();
    let detail = j["entries"][0]["detail"].as_str().unwrap().to_string();
    assert!(detail.contains("registrations=1 rows=2"), "{detail}");
    assert!(!detail.contains("Zarghona"));
    assert!(
        !s.logs().contains("Zarghona"),
        "no personal data in the logs"
    );

    // Updating: a wrong secret and an unknown reference get the same answer.
    let page = s.get("/register/update?lang=en", Auth::None).await.text();
    let t = token_of(&page);
    let r = s
        .post_form(
            "/register/update",
            Auth::None,
            &[
                ("_token", &t),
                ("lang", "en"),
                ("reference", &reference),
                ("secret", "AAAA-BBBB-CCCC"),
            ],
        )
        .await;
    r.expect(400, "wrong secret");
    let wrong_secret = r.text().contains("do not match");
    let t = token_of(&r.text());
    let r = s
        .post_form(
            "/register/update",
            Auth::None,
            &[
                ("_token", &t),
                ("lang", "en"),
                ("reference", "SR-0000-0000"),
                ("secret", "AAAA-BBBB-CCCC"),
            ],
        )
        .await;
    r.expect(400, "unknown reference");
    assert!(wrong_secret && r.text().contains("do not match"));

    // The right secret opens the entry as typed; a change is saved as the list's new rows.
    let t = token_of(&r.text());
    let r = s
        .post_form(
            "/register/update",
            Auth::None,
            &[
                ("_token", &t),
                ("lang", "en"),
                ("reference", &reference.to_lowercase()),
                ("secret", &secret),
            ],
        )
        .await;
    r.expect(200, "opened");
    let form = r.text();
    assert!(form.contains(r#"value="Zarghona""#) && form.contains(r#"value="+93799123456""#));
    let t = token_of(&form);
    fill_time().await;
    let mut changed = answers(&t, "Zarghona");
    changed.retain(|(k, _)| !k.starts_with("m1_") && *k != "province");
    changed.push(("province", "Kabul"));
    changed.push(("reference", &reference));
    changed.push(("secret", &secret));
    let r = s
        .post_form("/register/update/save", Auth::None, &changed)
        .await;
    r.expect(200, "updated");
    let j = s
        .get(
            "/api/v1/audit?action=registration.update",
            Auth::Session(&admin),
        )
        .await
        .json();
    assert_eq!(j["entries"][0]["detail"], "rows=1 added=0 removed=1");
}

#[tokio::test]
async fn bots_and_floods_are_turned_away_without_telling_them() {
    let dir = TempDir::new("register-limits");
    let s = Server::demo_small_env(&dir.path, &[("DRAWDOWN_REGISTER_PER_MINUTE", "3")]).await;
    let html = s.get("/register", Auth::None).await.text();
    // Sent back at once: no person fills a form in under three seconds.
    let r = s
        .post_form("/register", Auth::None, &answers(&token_of(&html), "Fast"))
        .await;
    r.expect(400, "too fast");
    // A forged token.
    let r = s
        .post_form("/register", Auth::None, &answers("1.abc.def", "Forged"))
        .await;
    r.expect(400, "forged");
    // The honeypot: told it worked, nothing kept.
    fill_time().await;
    let t = token_of(&html);
    let mut bot = answers(&t, "Robot");
    bot.retain(|(k, _)| *k != "website");
    bot.push(("website", "http://spam.example"));
    let r = s.post_form("/register", Auth::None, &bot).await;
    r.expect(200, "looks accepted");
    assert!(r.text().contains("SR-"));
    // The fourth submission this minute from one address.
    let html = s.get("/register", Auth::None).await.text();
    let r = s
        .post_form(
            "/register",
            Auth::None,
            &answers(&token_of(&html), "Patient"),
        )
        .await;
    r.expect(429, "rate-limited");
    assert!(
        r.text().contains(r#"value="Patient""#),
        "what was typed is kept"
    );
    let admin = s.login("admin").await;
    let j = s
        .get(
            "/api/v1/audit?action=registration.accept",
            Auth::Session(&admin),
        )
        .await
        .json();
    assert_eq!(
        j["entries"].as_array().unwrap().len(),
        0,
        "nothing accepted: {j}"
    );

    // Oversized bodies are refused before any handler runs.
    let big = "x".repeat(64 * 1024);
    let r = s
        .post_form("/register", Auth::None, &[("given_name", big.as_str())])
        .await;
    r.expect(413, "too large");
}
