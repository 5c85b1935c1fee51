//! The demo's accountability, as the post stood in August 2021: boarding passes for four
//! departures, a day of scans from the gate to the safe haven (with the exceptions a real day
//! has: a skipped screening, a revoked pass, a forged one, an expired one), and passes left
//! unscanned to try on the scanning page.

use super::Ctx;
use drawdown_domain::{Role, RoleSet};
use drawdown_web::auth::CurrentUser;
use drawdown_web::services::accountability as svc;
use drawdown_web::{AppState, VaultSlot, WebConfig};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use time::{Duration, OffsetDateTime};

const DEPARTURES: [&str; 4] = ["RCH871", "RCH872", "KAM4411", "QTR8201"];
/// Passes left unscanned, to try on the scanning page.
const UNTOUCHED: usize = 3;

fn device(name: &str) -> CurrentUser {
    CurrentUser {
        id: format!("demo-{name}"),
        username: name.into(),
        roles: RoleSet::of(&[Role::Checkpoint]),
        session: None,
    }
}

fn rfc3339(t: OffsetDateTime) -> String {
    drawdown_storage::timestamp(t)
}

/// Seeds this area; returns a line for the demo's banner, if any.
pub async fn seed(ctx: &Ctx<'_>) -> anyhow::Result<Option<String>> {
    let err = |e: drawdown_web::WebError| anyhow::anyhow!("accountability demo: {e}");
    let holders = if ctx.small { 90 } else { 3000 };
    let people = ctx.store.persons(None, None, holders, 0).await?;
    // One pass per household: a household travels together, on one departure.
    let mut households = std::collections::HashSet::new();
    let orders: Vec<svc::PassOrder> = people
        .iter()
        .filter(|p| {
            p.household_id
                .as_ref()
                .is_none_or(|h| households.insert(h.clone()))
        })
        .enumerate()
        .map(|(i, p)| svc::PassOrder {
            person: p.id.clone(),
            departure: DEPARTURES[i % DEPARTURES.len()].into(),
        })
        .collect();
    let (signer, _) = svc::signer_with(ctx.store, ctx.vault, "console:demo", "console", ctx.now)
        .await
        .map_err(err)?;
    let day = ctx.now - Duration::hours(12);
    let passes = svc::issue_passes_with(
        ctx.store,
        ctx.vault,
        &signer,
        "console:demo",
        "console",
        &orders,
        day - Duration::hours(2),
        ctx.now + Duration::hours(60),
        day,
    )
    .await
    .map_err(err)?;
    if passes.len() <= UNTOUCHED {
        return Ok(None);
    }
    // One pass from a week before, long expired.
    let expired = svc::issue_passes_with(
        ctx.store,
        ctx.vault,
        &signer,
        "console:demo",
        "console",
        &[svc::PassOrder {
            person: orders[0].person.clone(),
            departure: "RCH700".into(),
        }],
        ctx.now - Duration::days(8),
        ctx.now - Duration::days(7),
        day,
    )
    .await
    .map_err(err)?;

    // The day: each household walks the flow as far as it got by now.
    let clock = Arc::new(AtomicI64::new(day.unix_timestamp()));
    let c = Arc::clone(&clock);
    let state = AppState::new(
        ctx.store.clone(),
        VaultSlot::Missing,
        WebConfig {
            data_dir: std::env::temp_dir(),
            demo: true,
        },
    )
    .with_clock(move || {
        OffsetDateTime::from_unix_timestamp(c.load(Ordering::Relaxed))
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    });
    let flow = svc::flow(&state).await.map_err(err)?;
    let code = |c: &str| flow.position(c).unwrap_or(0);
    let (gate, screening, boarding, departed, arrived) = (
        code("gate"),
        code("screening"),
        code("boarding"),
        code("departed"),
        code("arrived"),
    );
    let mut scans: Vec<(OffsetDateTime, &'static str, Value)> = Vec::new();
    let mut n = 0;
    for (i, p) in passes.iter().enumerate().skip(UNTOUCHED) {
        let reached = match i % 10 {
            0 => continue,
            1 => gate,
            2 => screening,
            3 => code("manifesting"),
            4 => boarding,
            5 | 6 => departed,
            _ => arrived,
        };
        let start = day + Duration::minutes((i as i64 * 7) % 300);
        for (step, s) in flow.steps.iter().enumerate().take(reached + 1).skip(gate) {
            // Every 25th household walks past screening: amber at the next checkpoint.
            if step == screening && i % 25 == 4 {
                continue;
            }
            let at = start + Duration::minutes(45 * (step - gate) as i64);
            let who = if step >= arrived {
                "Doha arrivals desk"
            } else if step >= departed {
                "C-17 loadmaster"
            } else if step >= boarding {
                "HKIA ramp scanner"
            } else {
                "Abbey Gate scanner 1"
            };
            n += 1;
            scans.push((
                at,
                who,
                json!({"id": format!("demo-{n}"), "token": p.token, "checkpoint": s.code,
                       "scanned_at": rfc3339(at), "departure": (step == boarding).then_some(&p.departure)}),
            ));
        }
    }
    // A revoked pass presented at the gate; a forged copy; an expired pass.
    let revoked = &passes[UNTOUCHED];
    svc::revoke_pass_with(
        ctx.store,
        "console:demo",
        "console",
        &revoked.id,
        "reported lost at the rally point",
        day + Duration::hours(1),
    )
    .await
    .map_err(err)?;
    let late = day + Duration::hours(6);
    let mut forged = passes[UNTOUCHED + 1].token.clone().into_bytes();
    let k = forged.len() - 5;
    forged[k] = if forged[k] == b'A' { b'B' } else { b'A' };
    for (id, token) in [
        ("demo-revoked", revoked.token.clone()),
        ("demo-forged", String::from_utf8_lossy(&forged).into_owned()),
        (
            "demo-expired",
            expired.first().map(|e| e.token.clone()).unwrap_or_default(),
        ),
    ] {
        scans.push((
            late,
            "Abbey Gate scanner 1",
            json!({"id": id, "token": token, "checkpoint": "gate", "scanned_at": rfc3339(late)}),
        ));
    }
    scans.sort_by_key(|(at, _, _)| *at);
    for chunk in scans.chunk_by(|a, b| a.1 == b.1 && (b.0 - a.0) < Duration::hours(1)) {
        for part in chunk.chunks(500) {
            let sent = part.last().map(|s| s.0).unwrap_or(day);
            clock.store(sent.unix_timestamp(), Ordering::Relaxed);
            let items: Vec<Value> = part.iter().map(|s| s.2.clone()).collect();
            let body = json!({"sent_at": rfc3339(sent), "scans": items});
            svc::submit_scans(&state, &device(part[0].1), "demo", &body)
                .await
                .map_err(err)?;
        }
    }
    Ok(Some(format!(
        "Accountability: {} boarding passes for {} departures, {} scans in the day's history; pass {} is unscanned: print it at /accountability/passes/{} (as movement) and scan it at /accountability/scan (as checkpoint).",
        passes.len() + expired.len(),
        DEPARTURES.len(),
        scans.len(),
        passes[0].id,
        passes[0].id,
    )))
}
