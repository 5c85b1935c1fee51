//! Device tokens: issued by an administrator, scoped to one role, no CSRF (no cookies),
//! revocable, never carrying account, audit or wipe powers.

use crate::harness::*;
use serde_json::json;

#[tokio::test]
async fn device_tokens_are_scoped_and_revocable() {
    let s = Server::demo_small().await;
    let admin = s.login("admin").await;

    // A session must send its CSRF token on the API too.
    let r = s
        .post_json(
            "/api/v1/tokens",
            Auth::Session(&admin),
            &json!({"name": "no csrf", "role": "checkpoint"}),
            false,
        )
        .await;
    r.expect(400, "issuing a token without X-CSRF-Token");

    let r = s
        .post_json(
            "/api/v1/tokens",
            Auth::Session(&admin),
            &json!({"name": "North Gate scanner 2", "role": "checkpoint"}),
            true,
        )
        .await;
    r.expect(201, "issuing a checkpoint token");
    let body = r.json();
    let token = body["token"].as_str().expect("token").to_string();
    let id = body["id"].as_str().expect("id").to_string();
    assert!(token.starts_with("dd_"));

    let me = s.get("/api/v1/me", Auth::Bearer(&token)).await;
    me.expect(200, "GET /api/v1/me with the token");
    let me = me.json();
    assert_eq!(me["roles"], json!(["checkpoint"]));
    assert_eq!(me["device_token"], true);
    s.get("/api/v1/footprint", Auth::Bearer(&token))
        .await
        .expect(200, "the checkpoint token reads head-counts");
    let r = s.get("/api/v1/people", Auth::Bearer(&token)).await;
    r.expect(403, "the checkpoint token reads the registry");
    assert!(r.json()["error"].is_string());
    s.get("/api/v1/users", Auth::Bearer(&token))
        .await
        .expect(403, "the checkpoint token lists users");
    s.post_json(
        "/api/v1/people",
        Auth::Bearer(&token),
        &json!({"category": "citizen", "given_name": "X", "family_name": "Y"}),
        false,
    )
    .await
    .expect(403, "the checkpoint token adds a person");

    // A registrar token writes without any CSRF token: bearer requests carry no cookies.
    let r = s
        .post_json(
            "/api/v1/tokens",
            Auth::Session(&admin),
            &json!({"name": "Intake laptop", "role": "registrar"}),
            true,
        )
        .await;
    r.expect(201, "issuing a registrar token");
    let reg_token = r.json()["token"].as_str().unwrap().to_string();
    let r = s
        .post_json("/api/v1/people", Auth::Bearer(&reg_token), &json!({"category": "siv_applicant", "given_name": "Tokenia", "family_name": "Bearerwood"}), false)
        .await;
    r.expect(201, "a registrar token adds a person without CSRF");
    let r = s
        .get(
            "/api/v1/people?q=Tokenia%20Bearerwood",
            Auth::Bearer(&reg_token),
        )
        .await;
    r.expect(200, "a registrar token searches");
    assert_eq!(r.json()["total"], 1);

    // Tokens never carry these roles.
    for role in ["administrator", "wipe", "committee", "destruction"] {
        let r = s
            .post_json(
                "/api/v1/tokens",
                Auth::Session(&admin),
                &json!({"name": "bad", "role": role}),
                true,
            )
            .await;
        r.expect(400, &format!("a token with role {role}"));
    }
    let r = s
        .post_json(
            "/api/v1/tokens",
            Auth::Session(&admin),
            &json!({"name": "bad", "role": "king"}),
            true,
        )
        .await;
    r.expect(400, "a token with an unknown role");
    // A token cannot issue tokens.
    s.post_json(
        "/api/v1/tokens",
        Auth::Bearer(&reg_token),
        &json!({"name": "x", "role": "checkpoint"}),
        false,
    )
    .await
    .expect(403, "a token issues a token");

    // Revoke: the token stops working at once.
    let r = s
        .post_json(
            &format!("/api/v1/tokens/{id}/revoke"),
            Auth::Session(&admin),
            &json!({}),
            true,
        )
        .await;
    r.expect(200, "revoking the token");
    let r = s.get("/api/v1/me", Auth::Bearer(&token)).await;
    r.expect(401, "the revoked token");
    let list = s.get("/api/v1/tokens", Auth::Session(&admin)).await.json();
    let t = list["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id.as_str())
        .cloned()
        .expect("token listed");
    assert!(
        t["revoked_at"].is_string(),
        "the list shows the revocation: {t}"
    );
    assert!(
        !list.to_string().contains(&token),
        "the token list shows a secret"
    );
    // The other token still works.
    s.get("/api/v1/me", Auth::Bearer(&reg_token))
        .await
        .expect(200, "the other token");
    // Revoking an unknown token.
    let fake = uuid::Uuid::new_v4();
    let r = s
        .post_json(
            &format!("/api/v1/tokens/{fake}/revoke"),
            Auth::Session(&admin),
            &json!({}),
            true,
        )
        .await;
    assert!(
        matches!(r.status, 404 | 400),
        "revoking an unknown token: {} {}",
        r.status,
        r.text()
    );

    // The audit log names the device.
    let a = s
        .get("/api/v1/audit?action=people.add", Auth::Session(&admin))
        .await
        .json();
    assert!(
        a["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["actor"] == "token:Intake laptop"),
        "the person added by the token is audited under the token's name: {a}"
    );
}
