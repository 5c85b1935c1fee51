//! The OpenAPI document covers every API route of the route table.

use crate::harness::*;
use drawdown_web::{Need, ROUTES};

#[tokio::test]
async fn openapi_lists_every_api_route() {
    let s = Server::demo_small().await;
    let r = s.get("/api/openapi.json", Auth::None).await;
    r.expect(200, "GET /api/openapi.json");
    assert!(
        r.content_type().starts_with("application/json"),
        "{}",
        r.content_type()
    );
    let doc = r.json();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["info"]["title"].is_string());
    let paths = doc["paths"].as_object().expect("paths");
    let api: Vec<_> = ROUTES
        .iter()
        .filter(|r| r.path.starts_with("/api/v1/"))
        .collect();
    assert!(api.len() >= 10, "{} API routes", api.len());
    for route in &api {
        let op = &paths
            .get(route.path)
            .unwrap_or_else(|| panic!("no path {} in the document", route.path))[route.method];
        assert!(
            op.is_object(),
            "no {} operation for {}",
            route.method,
            route.path
        );
        assert_eq!(op["summary"], route.summary);
        if route.need != Need::Public {
            assert!(
                !op["security"].as_array().expect("security").is_empty(),
                "{} {} has no security",
                route.method,
                route.path
            );
        }
        for param in route
            .path
            .split('/')
            .filter_map(|p| p.strip_prefix('{').and_then(|p| p.strip_suffix('}')))
        {
            assert!(
                op["parameters"]
                    .as_array()
                    .expect("parameters")
                    .iter()
                    .any(|p| p["name"] == param && p["in"] == "path"),
                "{} {} does not declare its parameter {param}",
                route.method,
                route.path
            );
        }
    }
    for (path, ops) in paths {
        for method in ops.as_object().expect("operations").keys() {
            assert!(
                api.iter().any(|r| r.path == path && r.method == method),
                "the document has {method} {path}, which the route table does not"
            );
        }
    }
}

/// The API promises `{"error": "..."}` with a fitting status for every failure.
#[tokio::test]

async fn api_errors_are_json() {
    let s = Server::demo_small().await;
    let reg = s.login("registrar").await;
    let mut failures = Vec::new();
    let raw = |body: &'static str, ctype: &'static str| {
        reqwest::Client::new()
            .post(s.url("/api/v1/people"))
            .header("Cookie", format!("dd_session={}", reg.cookie))
            .header("X-CSRF-Token", reg.csrf.clone())
            .header("Content-Type", ctype)
            .body(body)
    };
    let cases = [
        ("malformed JSON", s.send(raw("{", "application/json")).await),
        (
            "a missing field",
            s.send(raw(r#"{"category":"citizen"}"#, "application/json"))
                .await,
        ),
        (
            "not JSON at all",
            s.send(raw("given_name=x", "text/plain")).await,
        ),
        (
            "an unknown API path",
            s.get("/api/v1/no-such-thing", Auth::Session(&reg)).await,
        ),
    ];
    for (what, r) in cases {
        let is_json = r.content_type().starts_with("application/json")
            && serde_json::from_slice::<serde_json::Value>(&r.bytes)
                .ok()
                .is_some_and(|j| j["error"].is_string());
        if !(400..500).contains(&r.status) || !is_json {
            failures.push(format!(
                "{what}: {} {} {:?}",
                r.status,
                r.content_type(),
                truncate(&r.text(), 120)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "API errors that are not JSON:\n{}",
        failures.join("\n")
    );
}

/// The form adds a person with one name (many Afghans have one); the API must too.
#[tokio::test]

async fn api_adds_a_person_with_one_name() {
    let s = Server::demo_small().await;
    let reg = s.login("registrar").await;
    let r = s
        .submit(
            "/people",
            &reg,
            &[("category", "citizen"), ("given_name", "Gulalai")],
        )
        .await;
    r.expect(303, "the form adds a person with one name");
    let r = s
        .post_json(
            "/api/v1/people",
            Auth::Session(&reg),
            &serde_json::json!({"category": "citizen", "given_name": "Zulaikha"}),
            true,
        )
        .await;
    r.expect(201, "the API adds a person with one name");
}
