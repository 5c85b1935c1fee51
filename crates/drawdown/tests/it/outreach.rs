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
    // The demo's own registrations are there already.
    let admin = s.login("admin").await;
    let accepted = async || {
        s.get(
            "/api/v1/audit?action=registration.accept",
            Auth::Session(&admin),
        )
        .await
        .json()["entries"]
            .as_array()
            .unwrap()
            .len()
    };
    let before = accepted().await;
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
    assert_eq!(accepted().await, before, "nothing accepted");

    // Oversized bodies are refused before any handler runs.
    let big = "x".repeat(64 * 1024);
    let r = s
        .post_form("/register", Auth::None, &[("given_name", big.as_str())])
        .await;
    r.expect(413, "too large");
}

// ---------------------------------------------------------------- real peers on loopback

use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// What a peer received.
type Inbox = Arc<Mutex<Vec<String>>>;

/// A small SMTP receiver: accepts mail (recording recipients and data), refuses recipients
/// whose address holds "refuse" (550), or, stalling, accepts connections and never answers.
async fn smtp_receiver(stall: bool) -> (u16, Inbox) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let inbox: Inbox = Arc::default();
    let got = Arc::clone(&inbox);
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = l.accept().await else {
                return;
            };
            let got = Arc::clone(&got);
            tokio::spawn(async move {
                if stall {
                    tokio::time::sleep(Duration::from_secs(600)).await;
                    drop(sock);
                    return;
                }
                let (r, mut w) = sock.into_split();
                let mut r = BufReader::new(r);
                let _ = w.write_all(b"220 receiver ESMTP\r\n").await;
                let mut rcpt = String::new();
                let mut line = String::new();
                loop {
                    line.clear();
                    if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let cmd = line.trim_end().to_uppercase();
                    let reply: &[u8] = if cmd.starts_with("EHLO") || cmd.starts_with("HELO") {
                        b"250-receiver\r\n250 8BITMIME\r\n"
                    } else if cmd.starts_with("MAIL FROM")
                        || cmd.starts_with("RSET")
                        || cmd.starts_with("NOOP")
                    {
                        b"250 OK\r\n"
                    } else if cmd.starts_with("RCPT TO") {
                        if cmd.contains("REFUSE") {
                            b"550 5.1.1 mailbox unavailable\r\n"
                        } else {
                            rcpt = line.trim_end().to_string();
                            b"250 OK\r\n"
                        }
                    } else if cmd == "DATA" {
                        let _ = w.write_all(b"354 go ahead\r\n").await;
                        let mut data = String::new();
                        loop {
                            line.clear();
                            if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                                return;
                            }
                            if line == ".\r\n" {
                                break;
                            }
                            data.push_str(&line);
                        }
                        got.lock().unwrap().push(format!("{rcpt}\n{data}"));
                        b"250 queued\r\n"
                    } else if cmd == "QUIT" {
                        let _ = w.write_all(b"221 bye\r\n").await;
                        return;
                    } else {
                        b"502 not implemented\r\n"
                    };
                    let _ = w.write_all(reply).await;
                }
            });
        }
    });
    (port, inbox)
}

/// A small HTTP endpoint standing in for an SMS gateway: records each request's body and
/// answers the statuses given in turn (then 200).
async fn sms_gateway(statuses: Vec<u16>) -> (u16, Inbox) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let inbox: Inbox = Arc::default();
    let got = Arc::clone(&inbox);
    let statuses = Arc::new(Mutex::new(statuses.into_iter()));
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = l.accept().await else {
                return;
            };
            let got = Arc::clone(&got);
            let statuses = Arc::clone(&statuses);
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut r = BufReader::new(r);
                loop {
                    let mut head = String::new();
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" {
                            break;
                        }
                        head.push_str(&line);
                    }
                    let len: usize = head
                        .lines()
                        .find_map(|l| {
                            l.to_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    let mut body = vec![0u8; len];
                    if r.read_exact(&mut body).await.is_err() {
                        return;
                    }
                    let status = statuses.lock().unwrap().next().unwrap_or(200);
                    got.lock().unwrap().push(format!(
                        "{status} {}\n{}",
                        head.lines().next().unwrap_or(""),
                        String::from_utf8_lossy(&body)
                    ));
                    let reply = format!("HTTP/1.1 {status} X\r\ncontent-length: 2\r\n\r\nok");
                    if w.write_all(reply.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (port, inbox)
}

/// Waits until no message of the alert is queued any more.
async fn delivered(s: &Server, who: &Session, alert: &str) -> serde_json::Value {
    for _ in 0..300 {
        let j = s.get("/api/v1/alerts", Auth::Session(who)).await.json();
        let a = j["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == alert)
            .cloned()
            .expect("the alert");
        if a["delivery"]["queued"] == 0 && a["state"] == "queued" {
            return a;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the alert's messages were not delivered in time");
}

#[tokio::test]
async fn an_alert_reaches_a_segment_by_email_and_sms_after_a_second_approval() {
    let (smtp, mail) = smtp_receiver(false).await;
    let (gw, texts) = sms_gateway(vec![]).await;
    let dir = TempDir::new("alerts");
    let smtp_port = smtp.to_string();
    let gw_url = format!("http://127.0.0.1:{gw}/send");
    let s = Server::demo_small_env(
        &dir.path,
        &[
            ("DRAWDOWN_SMTP_HOST", "127.0.0.1"),
            ("DRAWDOWN_SMTP_PORT", &smtp_port),
            ("DRAWDOWN_SMTP_TLS", "none"),
            (
                "DRAWDOWN_SMTP_FROM",
                "Embassy Kabul <alerts@embassy.example>",
            ),
            ("DRAWDOWN_SMS_URL", &gw_url),
            ("DRAWDOWN_SMS_FORMAT", "json"),
            (
                "DRAWDOWN_SMS_BODY",
                r#"{"phone":"{to}","message":"{text}"}"#,
            ),
            ("DRAWDOWN_SMS_HEADERS", "Authorization: Bearer gw-token"),
            ("DRAWDOWN_SMS_INBOUND_SECRET", "inbound-s3cret"),
            ("DRAWDOWN_ALERT_APPROVAL_THRESHOLD", "1"),
        ],
    )
    .await;
    let reg = s.login("registrar").await;
    let a = s
        .add_person(
            &reg,
            "Mina",
            "Rahimi",
            &[("email", "mina@example.org"), ("phone", "+93700111222")],
        )
        .await;
    s.add_person(
        &reg,
        "Omar",
        "Refused",
        &[("email", "refuse.omar@example.org")],
    )
    .await;

    // The segment: the two typed in by hand; counted before sending.
    let r = s
        .post_json(
            "/api/v1/alerts/reach",
            Auth::Session(&reg),
            &serde_json::json!({"lists": ["Entered by hand"]}),
            true,
        )
        .await;
    r.expect(200, "reach");
    let j = r.json();
    assert_eq!(
        (
            j["people"].as_i64(),
            j["email"].as_i64(),
            j["phone"].as_i64()
        ),
        (Some(2), Some(2), Some(1)),
        "{j}"
    );

    let compose = [
        ("title", "Report to the gate"),
        ("en_subject", "Report to the {gate}"),
        (
            "en_body",
            "{name}: report to the {gate} at {report_time} with {bring}.",
        ),
        (
            "fa_body",
            "{name} عزیز، ساعت {report_time} به {gate} بیایید.",
        ),
        ("field_gate", "North Gate"),
        ("field_report_time", "06:00"),
        ("field_bring", "your passports"),
        ("list", "Entered by hand"),
        ("email", "1"),
        ("sms", "1"),
    ];
    // A preview for one recipient, with the counts.
    let mut fields = compose.to_vec();
    let preview_for = a.clone();
    fields.push(("preview_for", &preview_for));
    fields.push(("do", "preview"));
    let r = s.submit("/alerts/compose", &reg, &fields).await;
    r.expect(200, "preview");
    let html = r.text();
    assert!(
        html.contains("Mina Rahimi: report to the North Gate at 06:00 with your passports."),
        "{}",
        truncate(&html, 3000)
    );
    assert!(html.contains(r#"id="reach-people">2<"#));
    assert!(
        html.contains("second person"),
        "more than the threshold: approval needed"
    );
    // A broken template is named, and nothing is sent.
    let mut broken = compose.to_vec();
    broken.retain(|(k, _)| *k != "en_body");
    broken.push(("en_body", "Hello {nmae}"));
    broken.push(("do", "send"));
    let r = s.submit("/alerts/compose", &reg, &broken).await;
    r.expect(400, "unknown field");
    assert!(r.text().contains("unknown field {nmae}"));

    // Sent: held for a second person.
    let mut fields = compose.to_vec();
    fields.push(("do", "send"));
    let r = s.submit("/alerts/compose", &reg, &fields).await;
    r.expect(303, "sent");
    let alert_path = r.location().unwrap();
    let alert = alert_path.trim_start_matches("/alerts/").to_string();
    let page = s.get(&alert_path, Auth::Session(&reg)).await.text();
    assert!(page.contains("waiting for approval"));
    // Not by the one who composed it.
    let r = s.submit(&format!("{alert_path}/approve"), &reg, &[]).await;
    r.expect(400, "same person");
    assert!(mail.lock().unwrap().is_empty());
    let committee = s.login("committee").await;
    s.submit(&format!("{alert_path}/approve"), &committee, &[])
        .await
        .expect(303, "approved by a second person");

    let a_json = delivered(&s, &reg, &alert).await;
    assert_eq!(a_json["delivery"]["sent"], 2, "{a_json}");
    assert_eq!(a_json["delivery"]["bounced"], 1, "{a_json}");
    let got = mail.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].contains("mina@example.org"));
    assert!(got[0].contains("Subject: Report to the North Gate"));
    assert!(got[0].contains("Mina Rahimi: report to the North Gate at 06:00 with your passports."));
    let sms = texts.lock().unwrap().clone();
    assert_eq!(sms.len(), 1, "{sms:?}");
    assert!(sms[0].starts_with("200 POST /send"));
    let body: serde_json::Value = serde_json::from_str(sms[0].lines().nth(1).unwrap()).unwrap();
    assert_eq!(body["phone"], "+93700111222");
    assert_eq!(
        body["message"],
        "Mina Rahimi: report to the North Gate at 06:00 with your passports."
    );
    let page = s.get(&alert_path, Auth::Session(&reg)).await.text();
    assert!(page.contains("bounced"));
    assert!(
        !page.contains("refuse.omar@example.org"),
        "no address in the reasons"
    );

    // The audit log: the send with its segment and counts, nothing personal.
    let admin = s.login("admin").await;
    let j = s
        .get(
            "/api/v1/audit?action=outreach.send_approved",
            Auth::Session(&admin),
        )
        .await
        .json();
    let detail = j["entries"][0]["detail"].as_str().unwrap().to_string();
    assert!(
        detail.contains("segment=[list=Entered by hand]") && detail.contains("messages=3"),
        "{detail}"
    );
    let logs = s.logs();
    assert!(
        !logs.contains("Mina") && !logs.contains("mina@example.org") && !logs.contains("700111222")
    );

    // A reply through the gateway's callback is attached to Mina.
    let r = s
        .post_form(
            "/api/v1/sms/inbound?secret=wrong",
            Auth::None,
            &[("from", "+93700111222"), ("text", "We are four")],
        )
        .await;
    r.expect(401, "wrong secret");
    let r = s
        .post_form(
            "/api/v1/sms/inbound?secret=inbound-s3cret",
            Auth::None,
            &[
                ("from", "0700 111 222"),
                ("text", "We are four, at the gate"),
            ],
        )
        .await;
    r.expect(201, "reply");
    assert_eq!(r.json()["attached"], true);
    let page = s.get("/alerts", Auth::Session(&reg)).await.text();
    assert!(page.contains("We are four, at the gate"));
    assert!(page.contains(&format!("/people/{a}")));
}

#[tokio::test]
async fn a_relay_that_stalls_or_a_gateway_that_fails_costs_retries_not_a_hung_worker() {
    let (smtp, mail) = smtp_receiver(true).await;
    let (gw, texts) = sms_gateway(vec![503]).await;
    let dir = TempDir::new("alerts-fail");
    let smtp_port = smtp.to_string();
    let gw_url = format!("http://127.0.0.1:{gw}/send?to={{to}}");
    let s = Server::demo_small_env(
        &dir.path,
        &[
            ("DRAWDOWN_SMTP_HOST", "127.0.0.1"),
            ("DRAWDOWN_SMTP_PORT", &smtp_port),
            ("DRAWDOWN_SMTP_TLS", "none"),
            ("DRAWDOWN_SMTP_TIMEOUT", "1"),
            ("DRAWDOWN_SMS_URL", &gw_url),
            ("DRAWDOWN_SMS_BODY", "text={text}"),
            ("DRAWDOWN_OUTBOX_RETRY_SECONDS", "0.2"),
            ("DRAWDOWN_OUTBOX_ATTEMPTS", "2"),
        ],
    )
    .await;
    let reg = s.login("registrar").await;
    s.add_person(
        &reg,
        "Laila",
        "Stalled",
        &[("email", "laila@example.org"), ("phone", "+93700333444")],
    )
    .await;
    let r = s
        .post_json(
            "/api/v1/alerts",
            Auth::Session(&reg),
            &serde_json::json!({
                "title": "Leave now",
                "texts": {"en": {"subject": "Security alert", "body": "Leave immediately using commercial flights."}},
                "segment": {"lists": ["Entered by hand"]},
                "email": true, "sms": true
            }),
            true,
        )
        .await;
    r.expect(201, "sent at once (under the threshold)");
    let alert = r.json()["alert_id"].as_str().unwrap().to_string();
    let started = std::time::Instant::now();
    let a = delivered(&s, &reg, &alert).await;
    assert!(
        started.elapsed() < Duration::from_secs(25),
        "bounded by timeouts"
    );
    // The stalled relay: two attempts, then failed with the reason. The gateway: 503 once,
    // then sent on the retry.
    assert_eq!(a["delivery"]["failed"], 1, "{a}");
    assert_eq!(a["delivery"]["sent"], 1, "{a}");
    assert!(mail.lock().unwrap().is_empty());
    let got = texts.lock().unwrap().clone();
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(
        got[0].starts_with("503 POST /send?to=%2B93700333444"),
        "{got:?}"
    );
    assert!(got[1].contains("text=Leave%20immediately%20using%20commercial%20flights."));
    let page = s
        .get(&format!("/alerts/{alert}"), Auth::Session(&reg))
        .await
        .text();
    assert!(
        page.contains("stalled") || page.contains("timed out"),
        "{}",
        truncate(&page, 4000)
    );
}

#[tokio::test]
async fn the_small_demo_has_the_august_alerts_and_the_registrations() {
    let s = Server::demo_small().await;
    let reg = s.login("registrar").await;

    // The templates, listed on the alerts page; one opens in the compose page in Dari.
    let page = s.get("/alerts", Auth::Session(&reg)).await;
    page.expect(200, "alerts page");
    let html = page.text();
    for name in [
        "Security alert: leave immediately",
        "Do not travel to the airport",
        "Report to the gate",
    ] {
        assert!(html.contains(name), "template {name}");
    }
    let name_at = html
        .find(">Security alert: leave immediately</a>")
        .expect("the security alert's template link");
    let start = html[..name_at].rfind("/alerts/compose?template=").unwrap();
    let end = html[start..].find('"').unwrap() + start;
    let compose = s.get(&html[start..end], Auth::Session(&reg)).await.text();
    assert!(compose.contains("فوراً"), "the Dari text");
    assert!(compose.contains("commercial flight"), "the English text");

    // The security alert to citizens: sent, mostly delivered, some failed with a reason.
    let j = s.get("/api/v1/alerts", Auth::Session(&reg)).await.json();
    let alerts = j["alerts"].as_array().expect("alerts");
    let a = alerts
        .iter()
        .find(|a| {
            a["title"]
                .as_str()
                .unwrap_or("")
                .starts_with("Security alert")
        })
        .unwrap_or_else(|| panic!("the security alert: {j}"));
    assert_eq!(a["segment"], r#"saved "Citizens": category=citizen"#, "{a}");
    let d = &a["delivery"];
    let (sent, failed, bounced, queued) = (
        d["sent"].as_i64().unwrap(),
        d["failed"].as_i64().unwrap(),
        d["bounced"].as_i64().unwrap(),
        d["queued"].as_i64().unwrap(),
    );
    assert_eq!(queued, 0, "nothing left for the outbox to send: {a}");
    assert!(failed + bounced > 0, "some deliveries failed: {a}");
    assert!(sent > failed + bounced, "most were sent: {a}");
    assert_eq!(sent + failed + bounced, a["messages"].as_i64().unwrap());
    let id = a["id"].as_str().unwrap();
    let page = s.get(&format!("/alerts/{id}"), Auth::Session(&reg)).await;
    page.expect(200, "the alert's page");
    let html = page.text();
    assert!(html.contains("state-failed"), "a failed delivery listed");
    assert!(
        html.contains("the gateway answered 400") || html.contains("the relay stalled"),
        "with its reason"
    );

    // The self-registration list: the demo's entries become people once the registry is
    // rebuilt, every claim unverified.
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
        .get(
            "/api/v1/people?source=Self-registration&per_page=500",
            Auth::Session(&reg),
        )
        .await
        .json();
    assert!(
        j["total"].as_i64().unwrap() >= 30,
        "the entries and their households: {j}"
    );
    let admin = s.login("admin").await;
    let audit = s
        .get(
            "/api/v1/audit?action=registration.accept",
            Auth::Session(&admin),
        )
        .await
        .json();
    let accepted: i64 = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| {
            e["detail"]
                .as_str()?
                .split_whitespace()
                .find_map(|w| w.strip_prefix("registrations="))?
                .parse::<i64>()
                .ok()
        })
        .sum();
    assert_eq!(accepted, 30, "30 registrations accepted: {audit}");
}

#[tokio::test]
async fn segments_by_manifest_departure_and_checkpoint_saved_and_reused() {
    let s = Server::demo_small().await;
    let reg = s.login("registrar").await;
    let reach = async |body: serde_json::Value| {
        let r = s
            .post_json("/api/v1/alerts/reach", Auth::Session(&reg), &body, true)
            .await;
        r.expect(200, "reach");
        r.json()
    };
    let everyone = reach(serde_json::json!({})).await["people"]
        .as_i64()
        .unwrap();
    let on = reach(serde_json::json!({"manifested": true})).await["people"]
        .as_i64()
        .unwrap();
    let off = reach(serde_json::json!({"manifested": false})).await["people"]
        .as_i64()
        .unwrap();
    assert!(on > 0 && off > 0, "on {on}, off {off}");
    assert_eq!(on + off, everyone, "every person is on a manifest or not");

    // One departure: the segment is its manifest, as movement counts it.
    let mv = s.login("movement").await;
    let deps = s.get("/api/v1/departures", Auth::Session(&mv)).await.json();
    let dep = deps["departures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| {
            d["manifested"]["people"].as_i64().unwrap_or(0) > 0
                && !d["gate"].as_str().unwrap_or("").is_empty()
        })
        .expect("a departure with people and a gate")
        .clone();
    let dep_id = dep["id"].as_str().unwrap().to_string();
    let gate = dep["gate"].as_str().unwrap().to_string();
    let j = reach(serde_json::json!({"departures": [dep_id]})).await;
    assert_eq!(j["people"], dep["manifested"]["people"], "{j} vs {dep}");
    assert_eq!(j["segment"], format!("departure={dep_id}"));

    // The last checkpoint: the demo's day of scans left people at several.
    let boarded = reach(
        serde_json::json!({"last_checkpoints": ["boarding", "departed", "arrived"]}),
    )
    .await["people"]
        .as_i64()
        .unwrap();
    let at_gate = reach(serde_json::json!({"last_checkpoints": ["gate"]})).await["people"]
        .as_i64()
        .unwrap();
    assert!(
        boarded > 0 && at_gate > 0,
        "boarded {boarded}, at the gate {at_gate}"
    );
    assert!(boarded + at_gate < everyone);

    // Per-person fields: {departure} and {gate} from the person's own manifest.
    let r = s
        .submit(
            "/alerts/compose",
            &reg,
            &[
                ("title", "Report"),
                (
                    "en_body",
                    "{name}: departure {departure}, report to the {gate} at {report_time}.",
                ),
                ("field_report_time", "06:00"),
                ("departure", &dep_id),
                ("email", "1"),
                ("do", "preview"),
            ],
        )
        .await;
    r.expect(200, "preview");
    let html = r.text();
    let preview = &html[html.find(r#"id="preview""#).expect("a preview")..];
    assert!(
        preview.contains(&format!("departure {dep_id}, "))
            && preview.contains(&format!("report to the {gate} at 06:00")),
        "{}",
        truncate(preview, 600)
    );
    assert!(
        html.contains(&format!(r#"<option value="{dep_id}" selected>"#)),
        "the filter kept"
    );

    // Saved on the compose page, then used again for a later message.
    let r = s
        .submit(
            "/alerts/compose",
            &reg,
            &[
                ("title", "x"),
                ("en_body", "x"),
                ("manifested", "yes"),
                ("last_checkpoint", "gate"),
                ("segment_name", "Waiting at the gate"),
                ("do", "save_segment"),
            ],
        )
        .await;
    r.expect(200, "segment saved");
    assert!(r.text().contains("Segment saved"));
    let r = s
        .submit(
            "/alerts/compose",
            &reg,
            &[
                ("title", "x"),
                ("en_body", "x"),
                ("use_segment", "Waiting at the gate"),
                ("do", "load_segment"),
            ],
        )
        .await;
    r.expect(200, "segment loaded");
    let html = r.text();
    assert!(
        html.contains(r#"<option value="gate" selected>"#),
        "the checkpoint filter loaded"
    );
    assert!(
        html.contains(r#"<option value="yes" selected>On a manifest"#),
        "the manifest filter loaded"
    );
    assert!(html.contains(r#"name="saved_segment" value="Waiting at the gate""#));
    let listed = s.get("/api/v1/segments", Auth::Session(&reg)).await.json();
    let names: Vec<&str> = listed["segments"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x["name"].as_str())
        .collect();
    assert!(
        names.contains(&"Citizens") && names.contains(&"Waiting at the gate"),
        "{listed}"
    );
    // By the API, with its name: counted and sent the same way.
    let j = reach(serde_json::json!({"saved_segment": "Waiting at the gate"})).await;
    let expected =
        reach(serde_json::json!({"manifested": true, "last_checkpoints": ["gate"]})).await;
    assert_eq!(j["people"], expected["people"]);
    let r = s
        .post_json(
            "/api/v1/alerts",
            Auth::Session(&reg),
            &serde_json::json!({
                "title": "Stay at the gate",
                "texts": {"en": {"subject": "", "body": "{name}, stay at the {gate}: your departure {departure} is boarding."}},
                "saved_segment": "Waiting at the gate",
                "email": true, "sms": true
            }),
            true,
        )
        .await;
    r.expect(201, "sent with a saved segment");
    let id = r.json()["alert_id"].as_str().unwrap().to_string();
    let alerts = s.get("/api/v1/alerts", Auth::Session(&reg)).await.json();
    let a = alerts["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        a["segment"],
        r#"saved "Waiting at the gate": manifested=true last_checkpoint=gate"#
    );
    assert_eq!(a["people"], expected["people"]);
    // An unknown name is refused and nothing is sent.
    let r = s
        .post_json(
            "/api/v1/alerts",
            Auth::Session(&reg),
            &serde_json::json!({"title": "t", "texts": {"en": {"body": "b"}}, "saved_segment": "Nobody", "email": true}),
            true,
        )
        .await;
    r.expect(400, "unknown segment");
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains("no saved segment")
    );
    let admin = s.login("admin").await;
    let j = s
        .get(
            "/api/v1/audit?action=outreach.segment_saved",
            Auth::Session(&admin),
        )
        .await
        .json();
    assert!(
        j["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["detail"] == "filters=[manifested=true last_checkpoint=gate]"),
        "{j}"
    );
}

#[tokio::test]
async fn the_alerts_command_lists_previews_sends_and_keeps_the_two_person_rule() {
    let s = Server::demo_small().await;
    let db = sqlite_url(&s.db_path());
    let key = s.key_path().to_string_lossy().into_owned();
    let as_user = |user: &'static str, password: &'static str, threshold: &'static str| {
        vec![
            ("DRAWDOWN_USER", user),
            ("DRAWDOWN_USER_PASSWORD", password),
            ("DRAWDOWN_ALERT_APPROVAL_THRESHOLD", threshold),
        ]
    };
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut a = vec!["alerts"];
        a.extend_from_slice(args);
        a.extend_from_slice(&["--db", &db]);
        drawdown(&a, env)
    };
    let r = run(&["list"], &[]);
    r.assert_ok();
    assert!(
        r.stdout.contains("Security alert: leave immediately") && r.stdout.contains("sent"),
        "{}",
        r.stdout
    );
    let r = run(&["templates"], &[]);
    r.assert_ok();
    assert!(
        r.stdout
            .contains("Report to the gate  (English, Dari, Pashto)"),
        "{}",
        r.stdout
    );
    let r = run(&["segments"], &[]);
    assert!(
        r.stdout.contains("Citizens: category=citizen"),
        "{}",
        r.stdout
    );
    let r = run(&["reach", "--segment", "Citizens", "--key-file", &key], &[]);
    r.assert_ok();
    assert!(r.stdout.contains("Reaches 14 people"), "{}", r.stdout);

    // A preview for one recipient, as the registrar.
    let env = as_user("registrar", "demo-password", "50");
    let r = run(
        &[
            "preview",
            "--template",
            "Report to the gate",
            "--manifested",
            "yes",
            "--report-time",
            "06:00",
            "--bring",
            "your passports",
            "--key-file",
            &key,
        ],
        &env,
    );
    r.assert_ok();
    assert!(r.stdout.contains("Subject: Report to the "), "{}", r.stdout);
    assert!(
        r.stdout.contains("at 06:00 with your passports"),
        "{}",
        r.stdout
    );

    // Refused: a wrong password, a role that does not send alerts.
    let r = run(
        &[
            "send",
            "--template",
            "Report to the gate",
            "--segment",
            "Citizens",
            "--key-file",
            &key,
        ],
        &as_user("registrar", "nope", "50"),
    );
    assert!(
        !r.ok() && r.stderr.contains("username or password is wrong"),
        "{}",
        r.all()
    );
    let r = run(
        &[
            "send",
            "--template",
            "Report to the gate",
            "--segment",
            "Citizens",
            "--key-file",
            &key,
        ],
        &as_user("viewer", "demo-password", "50"),
    );
    assert!(
        !r.ok() && r.stderr.contains("may not send alerts"),
        "{}",
        r.all()
    );

    // Above the threshold: held; the composer cannot approve it, a second person can.
    let r = run(
        &[
            "send",
            "--template",
            "Do not travel to the airport",
            "--segment",
            "Citizens",
            "--key-file",
            &key,
        ],
        &as_user("registrar", "demo-password", "1"),
    );
    r.assert_ok();
    assert!(
        r.stdout.contains("waits for a second person's approval"),
        "{}",
        r.stdout
    );
    let id = r.stdout.split_whitespace().nth(1).unwrap().to_string();
    let r = run(
        &["approve", &id, "--key-file", &key],
        &as_user("registrar", "demo-password", "1"),
    );
    assert!(
        !r.ok() && r.stderr.contains("a second person must approve"),
        "{}",
        r.all()
    );
    // Through the API: a device token is not a person; the composer's own session is refused.
    let admin = s.login("admin").await;
    let r = s
        .post_json(
            "/api/v1/tokens",
            Auth::Session(&admin),
            &serde_json::json!({"name": "alerts script", "role": "registrar"}),
            true,
        )
        .await;
    r.expect(201, "a registrar token");
    let token = r.json()["token"].as_str().unwrap().to_string();
    let approve = format!("/api/v1/alerts/{id}/approve");
    let r = s
        .post_json(
            &approve,
            Auth::Bearer(&token),
            &serde_json::json!({}),
            false,
        )
        .await;
    r.expect(400, "a token cannot approve");
    assert!(r.json()["error"].as_str().unwrap().contains("own session"));
    let reg = s.login("registrar").await;
    let r = s
        .post_json(&approve, Auth::Session(&reg), &serde_json::json!({}), true)
        .await;
    r.expect(400, "not the composer");
    let r = run(
        &["approve", &id, "--key-file", &key],
        &as_user("committee", "demo-password", "1"),
    );
    r.assert_ok();
    assert!(r.stdout.contains("approved by committee"), "{}", r.stdout);
    // The server's outbox takes it (no relay configured here: failed, with the reason).
    let mut out = String::new();
    for _ in 0..100 {
        out = run(&["outbox", &id], &[]).stdout;
        if out.contains("0 queued") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        out.contains("0 queued") && out.contains("no SMTP relay is configured"),
        "{out}"
    );
    let r = run(&["outbox"], &[]);
    assert!(
        r.stdout.contains("email: ") && r.stdout.contains("sent"),
        "{}",
        r.stdout
    );
    let j = s
        .get(
            "/api/v1/audit?action=outreach.send_approved",
            Auth::Session(&admin),
        )
        .await
        .json();
    let e = &j["entries"][0];
    assert_eq!(e["actor"], "committee");
    assert!(
        e["detail"]
            .as_str()
            .unwrap()
            .contains("composed_by=registrar"),
        "{e}"
    );
}

#[tokio::test]
async fn the_outbox_keeps_to_each_channels_rate() {
    let (smtp, mail) = smtp_receiver(false).await;
    let dir = TempDir::new("alerts-rate");
    let smtp_port = smtp.to_string();
    let s = Server::demo_small_env(
        &dir.path,
        &[
            ("DRAWDOWN_SMTP_HOST", "127.0.0.1"),
            ("DRAWDOWN_SMTP_PORT", &smtp_port),
            ("DRAWDOWN_SMTP_TLS", "none"),
            ("DRAWDOWN_EMAIL_PER_SECOND", "2"),
        ],
    )
    .await;
    let reg = s.login("registrar").await;
    let names = ["Ahmad", "Bashir", "Gul", "Hadi", "Jamal", "Khalil"];
    for (i, given) in names.iter().enumerate() {
        s.add_person(
            &reg,
            given,
            "Ratezai",
            &[("email", &format!("rate{i}@example.org"))],
        )
        .await;
    }
    let r = s
        .post_json(
            "/api/v1/alerts",
            Auth::Session(&reg),
            &serde_json::json!({
                "title": "Rate",
                "texts": {"en": {"subject": "Notice", "body": "{name}, stay where you are."}},
                "segment": {"lists": ["Entered by hand"]},
                "email": true
            }),
            true,
        )
        .await;
    r.expect(201, "sent");
    let started = std::time::Instant::now();
    let alert = r.json()["alert_id"].as_str().unwrap().to_string();
    let a = delivered(&s, &reg, &alert).await;
    let took = started.elapsed();
    assert_eq!(a["delivery"]["sent"], 6, "{a}");
    assert_eq!(mail.lock().unwrap().len(), 6);
    // Two a second with a burst of two: the last four wait half a second each.
    assert!(
        took >= Duration::from_millis(1_800),
        "six messages at two a second took {took:?}"
    );
}
