//! The server-rendered pages. Each handler does one thing; the layout comes from [`Chrome`].

use crate::auth::{self, CurrentUser};
use crate::services::{self, protection::person_aad};
use crate::state::VaultSlot;
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use drawdown_domain::audit::{AuditEntry, AuditEvent, ChainReport};
use drawdown_domain::people::{Category, PersonalDetails};
use drawdown_domain::{Permission, Role, RoleSet};
use drawdown_storage::NewUser;
use serde::Deserialize;
use std::collections::HashMap;

pub type PageResult = Result<Response, WebError>;

/// Minutes a wipe request waits for the second authority.
pub const WIPE_CONFIRM_MINUTES: i64 = 5;

mod account;
mod accountability;
mod admin;
mod alerts;
mod dashboard;
mod destruction;
mod login;
mod movement;
mod people;
mod posture;
mod protection;
mod register;
mod registry;

pub use account::*;
pub use accountability::*;
pub use admin::*;
pub use alerts::*;
pub use dashboard::*;
pub use destruction::*;
pub use login::*;
pub use movement::*;
pub use people::*;
pub use posture::*;
pub use protection::*;
pub use register::*;
pub use registry::*;

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
    pub allowed: bool,
}

pub struct Notice {
    pub kind: &'static str,
    pub text: String,
}

/// What every page's frame needs.
pub struct Chrome {
    pub title: String,
    pub org: String,
    pub user: Option<CurrentUser>,
    pub nav: Vec<NavItem>,
    pub admin_nav: Vec<NavItem>,
    pub banner: Option<Notice>,
    pub flash: Option<Notice>,
}

impl Chrome {
    pub fn csrf(&self) -> &str {
        self.user.as_ref().map(|u| u.csrf()).unwrap_or("")
    }
    pub fn username(&self) -> &str {
        self.user
            .as_ref()
            .map(|u| u.username.as_str())
            .unwrap_or("")
    }
    pub fn roles(&self) -> String {
        self.user
            .as_ref()
            .map(|u| {
                u.roles
                    .iter()
                    .map(Role::label)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    }

    /// A frame without a database round trip, for error pages.
    fn bare(title: &str) -> Chrome {
        Chrome {
            title: title.into(),
            org: String::new(),
            user: None,
            nav: vec![],
            admin_nav: vec![],
            banner: None,
            flash: None,
        }
    }
}

const SECTIONS: [(&str, &str, Option<Permission>); 8] = [
    ("/", "Dashboard", Some(Permission::ViewDashboard)),
    ("/posture", "Posture", Some(Permission::ViewPosture)),
    ("/people", "People", Some(Permission::ViewPeople)),
    ("/movement", "Movement", Some(Permission::ViewMovement)),
    (
        "/accountability",
        "Accountability",
        Some(Permission::ViewAccountability),
    ),
    ("/alerts", "Alerts", Some(Permission::SendAlerts)),
    (
        "/destruction",
        "Destruction",
        Some(Permission::ViewDestruction),
    ),
    ("/protection", "Protection", None),
];

const ADMIN: [(&str, &str, Permission); 3] = [
    ("/admin/users", "Users", Permission::ManageUsers),
    ("/admin/tokens", "Device tokens", Permission::ManageTokens),
    ("/admin/audit", "Audit log", Permission::ViewAudit),
];

fn flash_text(code: &str) -> Option<&'static str> {
    Some(match code {
        "user-created" => "User added.",
        "user-updated" => "User updated.",
        "password-changed" => "Password changed. Your other sessions were ended.",
        "token-revoked" => "Token revoked.",
        "person-added" => "Person added to the registry.",
        "vault-unlocked" => "Vault unlocked.",
        "wipe-requested" => {
            "Wipe requested. A second wipe authority must confirm in their own session."
        }
        "wipe-cancelled" => "Wipe request cancelled.",
        "wiped" => "Wipe done: the key material is destroyed.",
        "departure-added" => "Departure added.",
        "departures-imported" => "Departures imported.",
        "departure-updated" => "Departure updated.",
        "household-moved" => "Household moved.",
        "household-pinned" => "Pin changed.",
        "readiness-saved" => "Readiness saved: the next plan uses it.",
        "template-saved" => "Template saved.",
        "segment-saved" => "Segment saved: choose it by name for a later message.",
        _ => return None,
    })
}

pub async fn chrome(
    state: &AppState,
    user: &CurrentUser,
    active: &str,
    title: &str,
    done: Option<&str>,
) -> Result<Chrome, WebError> {
    let org = state
        .store
        .organisation()
        .await?
        .map(|(n, _)| n)
        .unwrap_or_default();
    let deployment = state.store.deployment_state().await?;
    let banner = if let Some(at) = deployment.wiped_at {
        Some(Notice {
            kind: "wiped",
            text: format!(
                "WIPED at {at}: the vault's keys were destroyed; personal data on this deployment is unrecoverable."
            ),
        })
    } else if matches!(
        *state
            .vault
            .read()
            .map_err(|_| WebError::Internal("lock".into()))?,
        VaultSlot::Locked(_)
    ) {
        Some(Notice {
            kind: "locked",
            text: "The vault is locked: personal data cannot be read until an administrator unlocks it (Protection).".into(),
        })
    } else {
        None
    };
    let nav = SECTIONS
        .iter()
        .map(|(href, label, need)| NavItem {
            href,
            label,
            active: *href == active,
            allowed: need.is_none_or(|p| user.can(p)),
        })
        .collect();
    let admin_nav = ADMIN
        .iter()
        .filter(|(_, _, p)| user.can(*p))
        .map(|(href, label, _)| NavItem {
            href,
            label,
            active: *href == active,
            allowed: true,
        })
        .collect();
    Ok(Chrome {
        title: title.into(),
        org,
        user: Some(user.clone()),
        nav,
        admin_nav,
        banner,
        flash: done.and_then(flash_text).map(|t| Notice {
            kind: "ok",
            text: t.into(),
        }),
    })
}

/// A stored RFC 3339 time as people read it: "2021-08-15 06:00:00 UTC".
pub fn when(at: &str) -> String {
    match at.get(..19) {
        Some(head) if at.len() >= 20 => format!("{} UTC", head.replace('T', " ")),
        _ => at.to_string(),
    }
}

/// 4000 → "4,000".
pub fn count<T: ToString>(n: &T) -> String {
    let text = n.to_string();
    let (sign, digits) = match text.strip_prefix('-') {
        Some(d) => ("-", d.to_string()),
        None => ("", text),
    };
    let mut out = String::from(sign);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn render(t: &impl Template, status: StatusCode) -> PageResult {
    Ok((status, Html(t.render()?)).into_response())
}

/// A form page shown again with its error is a 400; without one, a 200.
fn form_status<T>(error: &Option<T>) -> StatusCode {
    if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    }
}

fn see_other(to: &str) -> PageResult {
    Ok(Redirect::to(to).into_response())
}

#[derive(Deserialize, Default)]
pub struct Done {
    done: Option<String>,
}

/// Form fields, where a key may repeat (role checkboxes).
struct Fields(Vec<(String, String)>);

impl Fields {
    fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .unwrap_or("")
    }
    fn raw(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
    fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    heading: String,
    message: String,
    roles: Vec<&'static str>,
    login_link: bool,
}

pub fn error_page(status: StatusCode, e: &WebError) -> Response {
    let (heading, roles) = match e {
        WebError::Forbidden { need, .. } => (
            "Not permitted",
            need.granted_by().into_iter().map(Role::label).collect(),
        ),
        WebError::NotPermitted(_) => ("Not permitted", vec![]),
        WebError::BadCsrf => ("Form expired", vec![]),
        WebError::NotFound => ("Not found", vec![]),
        WebError::VaultLocked => ("Vault locked", vec![]),
        WebError::Wiped => ("Wiped", vec![]),
        WebError::TooManyAttempts(_) => ("Too many attempts", vec![]),
        WebError::Internal(_) => ("Something went wrong", vec![]),
        _ => ("Cannot do that", vec![]),
    };
    let page = ErrorPage {
        chrome: Chrome::bare(heading),
        heading: heading.into(),
        message: e.to_string(),
        roles,
        login_link: matches!(e, WebError::BadCsrf),
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, e.to_string()).into_response(),
    }
}

pub async fn not_found() -> Response {
    error_page(StatusCode::NOT_FOUND, &WebError::NotFound)
}

pub async fn healthz() -> &'static str {
    "ok"
}
