//! Logging in and out with bad input: wrong passwords, forged cookies, missing CSRF, too many
//! attempts, disabled accounts, password changes.

use crate::harness::*;

fn no_session_cookie(r: &Resp) -> bool {
    r.cookie("dd_session").is_none_or(|v| v.is_empty())
}

#[tokio::test]
async fn login_logout_and_bad_credentials() {
    let s = Server::demo_small().await;

    // Wrong password: 401, the message, no session.
    let r = s.try_login("viewer", "not-the-password").await;
    r.expect(401, "wrong password");
    assert!(
        r.text().contains("Wrong username or password"),
        "{}",
        truncate(&r.text(), 800)
    );
    assert!(
        no_session_cookie(&r),
        "a failed login set a session cookie: {:?}",
        r.set_cookies()
    );

    // Unknown user: the same answer.
    let r = s.try_login("nobody-here", "not-the-password").await;
    r.expect(401, "unknown user");
    assert!(r.text().contains("Wrong username or password"));
    assert!(no_session_cookie(&r));

    // A forged session cookie: back to the login page (HTML), 401 (API); the cookie is cleared.
    let forged = "Zm9yZ2VkLXNlc3Npb24tdG9rZW4tdGhhdC1tYXRjaGVzLW5vdGhpbmc";
    let r = s.get("/", Auth::Cookie(forged)).await;
    r.expect(303, "forged cookie on a page");
    assert_eq!(r.location().as_deref(), Some("/login?expired=1"));
    assert_eq!(
        r.cookie("dd_session").as_deref(),
        Some(""),
        "the forged cookie is cleared"
    );
    let r = s.get("/api/v1/me", Auth::Cookie(forged)).await;
    r.expect(401, "forged cookie on the API");
    assert!(r.json()["error"].is_string());
    let r = s
        .get("/api/v1/me", Auth::Bearer("dd_forged-device-token"))
        .await;
    r.expect(401, "forged bearer token");
    let page = s.get("/login?expired=1", Auth::None).await;
    page.expect(200, "login page after expiry");
    assert!(page.text().contains("no longer valid"));

    // POST /login without the login CSRF (no cookie, no token) or with a mismatched one: 400.
    let r = s
        .post_form(
            "/login",
            Auth::None,
            &[("username", "admin"), ("password", DEMO_PASSWORD)],
        )
        .await;
    r.expect(400, "login without its CSRF token");
    assert!(no_session_cookie(&r));
    let page = s.get("/login", Auth::None).await;
    let cookie = page.cookie("dd_login_csrf").expect("login csrf cookie");
    let r = s
        .send(
            reqwest::Client::new()
                .post(s.url("/login"))
                .header("Cookie", format!("dd_login_csrf={cookie}"))
                .form(&[
                    ("_csrf", "another-token"),
                    ("username", "admin"),
                    ("password", DEMO_PASSWORD),
                ]),
        )
        .await;
    r.expect(
        400,
        "login with a CSRF token that does not match its cookie",
    );
    assert!(no_session_cookie(&r));

    // Logout ends the session: the old cookie opens nothing any more.
    let c = s.login("committee").await;
    s.get("/", Auth::Session(&c))
        .await
        .expect(200, "dashboard before logout");
    let r = s.submit("/logout", &c, &[]).await;
    r.expect(303, "logout");
    assert_eq!(r.location().as_deref(), Some("/login?done=logged-out"));
    assert_eq!(
        r.cookie("dd_session").as_deref(),
        Some(""),
        "logout clears the cookie"
    );
    let r = s.get("/", Auth::Session(&c)).await;
    r.expect(303, "dashboard with the ended session");
    assert_eq!(r.location().as_deref(), Some("/login?expired=1"));
    s.get("/api/v1/me", Auth::Session(&c))
        .await
        .expect(401, "API with the ended session");

    // A disabled user: their session stops working and they cannot log in.
    let admin = s.login("admin").await;
    let viewer = s.login("viewer").await;
    s.get("/", Auth::Session(&viewer))
        .await
        .expect(200, "viewer before being disabled");
    let id = s.user_id(&admin, "viewer").await;
    let r = s
        .submit(
            &format!("/admin/users/{id}"),
            &admin,
            &[("roles", "viewer"), ("disabled", "on")],
        )
        .await;
    r.expect(303, "admin disables viewer");
    let users = s.get("/api/v1/users", Auth::Session(&admin)).await.json();
    let v = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "viewer")
        .cloned()
        .unwrap();
    assert_eq!(v["disabled"], true);
    let r = s.get("/", Auth::Session(&viewer)).await;
    r.expect(303, "the disabled user's existing session");
    assert_eq!(r.location().as_deref(), Some("/login?expired=1"));
    s.get("/api/v1/me", Auth::Session(&viewer))
        .await
        .expect(401, "the disabled user's session on the API");
    let r = s.try_login("viewer", DEMO_PASSWORD).await;
    r.expect(401, "a disabled user logs in");
    assert!(no_session_cookie(&r));
    // An administrator cannot disable themselves.
    let my_id = s.user_id(&admin, "admin").await;
    let r = s
        .submit(
            &format!("/admin/users/{my_id}"),
            &admin,
            &[("roles", "administrator"), ("disabled", "on")],
        )
        .await;
    r.expect(400, "admin disables themselves");
    s.get("/", Auth::Session(&admin))
        .await
        .expect(200, "admin still in");

    // Password change.
    let m = s.login("movement").await;
    let other = s.login("movement").await; // another session of the same user
    let r = s
        .submit(
            "/account/password",
            &m,
            &[
                ("current", "wrong-current-pw"),
                ("new", "a brand new passphrase"),
                ("confirm", "a brand new passphrase"),
            ],
        )
        .await;
    r.expect(400, "password change with a wrong current password");
    assert!(
        r.text().contains("current password is wrong"),
        "{}",
        truncate(&r.text(), 600)
    );
    let r = s
        .submit(
            "/account/password",
            &m,
            &[
                ("current", DEMO_PASSWORD),
                ("new", "short"),
                ("confirm", "short"),
            ],
        )
        .await;
    r.expect(400, "password change to a too short password");
    assert!(
        r.text().contains("at least 12"),
        "{}",
        truncate(&r.text(), 600)
    );
    let r = s
        .submit(
            "/account/password",
            &m,
            &[
                ("current", DEMO_PASSWORD),
                ("new", "a brand new passphrase"),
                ("confirm", "another one entirely"),
            ],
        )
        .await;
    r.expect(400, "password change with a confirmation that differs");
    let r = s
        .submit(
            "/account/password",
            &m,
            &[
                ("current", DEMO_PASSWORD),
                ("new", "a brand new passphrase"),
                ("confirm", "a brand new passphrase"),
            ],
        )
        .await;
    r.expect(303, "password change");
    assert_eq!(
        r.location().as_deref(),
        Some("/account?done=password-changed")
    );
    s.get("/account", Auth::Session(&m))
        .await
        .expect(200, "the session that changed the password stays");
    s.get("/account", Auth::Session(&other))
        .await
        .expect(303, "the user's other sessions end");
    s.try_login("movement", DEMO_PASSWORD)
        .await
        .expect(401, "the old password after the change");
    let again = s.login_with("movement", "a brand new passphrase").await;
    s.get("/", Auth::Session(&again))
        .await
        .expect(200, "dashboard with the new password");
}

#[tokio::test]
async fn too_many_failed_logins_are_refused() {
    let s = Server::demo_small().await;
    let mut statuses = Vec::new();
    for i in 0..6 {
        let r = s
            .try_login("destruction", &format!("guess-number-{i}"))
            .await;
        statuses.push(r.status);
        assert!(no_session_cookie(&r));
    }
    assert_eq!(
        statuses[..5],
        [401, 401, 401, 401, 401],
        "the first five wrong passwords: {statuses:?}"
    );
    assert_eq!(statuses[5], 429, "the sixth wrong password: {statuses:?}");
    let r = s.try_login("destruction", DEMO_PASSWORD).await;
    r.expect(429, "the right password while blocked");
    assert!(
        r.text().to_lowercase().contains("too many failed attempts"),
        "{}",
        truncate(&r.text(), 800)
    );
    assert!(
        no_session_cookie(&r),
        "a blocked login set a session cookie"
    );
}
