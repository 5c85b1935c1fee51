//! The access matrix: every route of `drawdown_web::ROUTES` against every demo user and an
//! anonymous caller. Nobody gets in where their roles do not let them, a POST without the
//! CSRF token executes nothing, and a POST with it does its work.

use crate::harness::*;
use drawdown_domain::Role;
use drawdown_web::{Need, ROUTES};
use serde_json::json;

fn demo_role(username: &str) -> Role {
    match username {
        "admin" => Role::Administrator,
        "committee" => Role::Committee,
        "registrar" => Role::Registrar,
        "movement" => Role::Movement,
        "checkpoint" => Role::Checkpoint,
        "destruction" => Role::Destruction,
        "viewer" => Role::Viewer,
        "wipe1" | "wipe2" => Role::Wipe,
        other => panic!("not a demo user: {other}"),
    }
}

fn permitted(role: Role, need: Need) -> bool {
    match need {
        Need::Public | Need::Login => true,
        Need::Perm(p) => role.grants(p),
    }
}

/// The route's path with its parameters filled in: ids that exist nowhere, a hand-off file
/// that was never written, the stylesheet.
fn concrete(path: &str, fake_id: &str) -> String {
    path.replace("{id}", fake_id)
        .replace("{name}", "handoff-1.age")
        .replace("{file}", "app.css")
}

/// The newest audit entry's position (as the administrator reads it; the read itself then
/// adds one entry).
async fn audit_top(s: &Server, admin: &Session) -> (i64, String) {
    let r = s.get("/api/v1/audit?limit=1", Auth::Session(admin)).await;
    r.expect(200, "GET /api/v1/audit");
    let e = &r.json()["entries"][0];
    (
        e["seq"].as_i64().expect("seq"),
        e["action"].as_str().unwrap_or("").to_string(),
    )
}

#[tokio::test]
async fn every_role_against_every_route() {
    let s = Server::demo_small().await;
    let mut sessions = Vec::new();
    for u in DEMO_USERS {
        sessions.push(s.login(u).await);
    }
    let admin = sessions[0].clone();
    let fake_id = uuid::Uuid::new_v4().to_string();
    let mut failures: Vec<String> = Vec::new();
    let mut checked = 0usize;

    // ---- POSTs without a CSRF token first, bracketed by the audit log: nothing may execute.
    let (before, _) = audit_top(&s, &admin).await;
    for route in ROUTES.iter().filter(|r| r.method == "post") {
        if route.need == Need::Public {
            continue; // POST /login has its own CSRF (tested in auth.rs)
        }
        let path = concrete(route.path, &fake_id);
        let api = path.starts_with("/api/");
        let callers: Vec<Option<&Session>> = std::iter::once(None)
            .chain(sessions.iter().map(Some))
            .collect();
        for caller in callers {
            let r = if api {
                let auth = caller.map_or(Auth::None, Auth::Session);
                s.post_json(&path, auth, &json!({}), false).await
            } else {
                let auth = caller.map_or(Auth::None, Auth::Session);
                // A form that looks genuine in every way but the missing token.
                s.post_form(
                    &path,
                    auth,
                    &[("confirm", "WIPE"), ("username", "intruder"), ("x", "1")],
                )
                .await
            };
            checked += 1;
            let who = caller.map_or("anonymous", |c| c.username.as_str());
            let expected: u16 = match caller {
                None if api => 401,
                None => 303,
                Some(c) if permitted(demo_role(&c.username), route.need) => 400,
                Some(_) => 403,
            };
            let mut ok = r.status == expected;
            if ok && expected == 303 {
                ok = r.location().as_deref() == Some("/login");
            }
            if ok && expected == 400 {
                ok = r.text().contains("CSRF");
            }
            if ok && api {
                ok = r.content_type().starts_with("application/json");
            }
            if !ok {
                failures.push(format!(
                    "POST {path} as {who} (no CSRF): expected {expected}, got {} {:?} {}",
                    r.status,
                    r.location(),
                    truncate(&r.text(), 200)
                ));
            }
        }
    }
    let (after, action) = audit_top(&s, &admin).await;
    assert_eq!(
        (after, action.as_str()),
        (before + 1, "audit.read"),
        "POSTs refused for their role or their missing CSRF token left entries in the audit log: something executed"
    );

    // ---- GETs.
    for route in ROUTES.iter().filter(|r| r.method == "get") {
        let path = concrete(route.path, &fake_id);
        let api = path.starts_with("/api/");
        let callers: Vec<Option<&Session>> = std::iter::once(None)
            .chain(sessions.iter().map(Some))
            .collect();
        for caller in callers {
            let auth = caller.map_or(Auth::None, Auth::Session);
            let r = s.get(&path, auth).await;
            checked += 1;
            let who = caller.map_or("anonymous", |c| c.username.as_str());
            let found = if route.path.contains("{name}")
                || route.path.contains("{id}")
                || route.path.contains("{unit}")
            {
                404
            } else {
                200
            };
            let expected: u16 = match (caller, route.need) {
                (_, Need::Public) => 200,
                (None, _) if api => 401,
                (None, _) => 303,
                (Some(c), need) if permitted(demo_role(&c.username), need) => found,
                (Some(_), _) => 403,
            };
            let mut ok = r.status == expected;
            if ok && expected == 303 {
                ok = r.location().as_deref() == Some("/login");
            }
            if ok && api && route.need != Need::Public {
                ok = r.content_type().starts_with("application/json");
            }
            if ok && expected == 403 && !api {
                ok = r.text().contains("Not permitted");
            }
            if !ok {
                failures.push(format!(
                    "GET {path} as {who}: expected {expected}, got {} {:?} {}",
                    r.status,
                    r.location(),
                    truncate(&r.text(), 200)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 300, "the matrix is too small: {checked}");

    // ---- A permitted POST with the CSRF token does its work.
    let r = s
        .submit(
            "/admin/users",
            &admin,
            &[
                ("username", "newclerk"),
                ("password", "a long enough password"),
                ("roles", "registrar"),
                ("roles", "viewer"),
            ],
        )
        .await;
    r.expect(303, "admin adds a user through the form");
    assert_eq!(
        r.location().as_deref(),
        Some("/admin/users?done=user-created")
    );
    let page = s.get("/admin/users", Auth::Session(&admin)).await;
    page.expect(200, "GET /admin/users");
    assert!(
        page.text().contains("newclerk"),
        "the new user is listed on /admin/users"
    );
    let clerk = s.login_with("newclerk", "a long enough password").await;
    let me = s.get("/api/v1/me", Auth::Session(&clerk)).await;
    me.expect(200, "GET /api/v1/me as the new user");
    assert_eq!(me.json()["roles"], json!(["registrar", "viewer"]));
    s.get("/people", Auth::Session(&clerk))
        .await
        .expect(200, "the new registrar reads the registry");
    s.get("/admin/users", Auth::Session(&clerk))
        .await
        .expect(403, "the new registrar does not manage users");
}
