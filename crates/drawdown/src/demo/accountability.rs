//! The demo's accountability, as the post stood on its scenario day (15 August 2021): boarding
//! passes for the demo's manifests (one per household, valid from 24 hours before its
//! departure on the post's clock), the airport's last day of scans in the history (households
//! walking the flow from the gate, those whose flight left through to the safe haven; with the
//! exceptions a real day has: a skipped screening, a wrong departure at boarding, a revoked
//! pass, a forged one, an expired one), and passes of the next departure left unscanned to try
//! on the scanning page.

use super::Ctx;
use drawdown_domain::{Role, RoleSet};
use drawdown_web::auth::CurrentUser;
use drawdown_web::services::accountability as svc;
use drawdown_web::{AppState, VaultSlot, WebConfig};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

/// Passes of the next departure left unscanned, to try on the scanning page (full scale; two
/// at small scale, where the next departure has a handful of households).
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

fn state_with_clock(ctx: &Ctx<'_>, clock: Arc<AtomicI64>) -> AppState {
    AppState::new(
        ctx.store.clone(),
        VaultSlot::Missing,
        WebConfig {
            data_dir: std::env::temp_dir(),
            demo: true,
        },
    )
    .with_clock(move || {
        OffsetDateTime::from_unix_timestamp(clock.load(Ordering::Relaxed))
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    })
}

/// Seeds this area; returns a line for the demo's banner, if any.
pub async fn seed(ctx: &Ctx<'_>) -> anyhow::Result<Option<String>> {
    let err = |e: drawdown_web::WebError| anyhow::anyhow!("accountability demo: {e}");
    let clock = Arc::new(AtomicI64::new(ctx.now.unix_timestamp()));
    let state = state_with_clock(ctx, Arc::clone(&clock));
    // Departures are on the post's clock (the scenario's); passes and scans on the real one.
    let offset = state.scenario_now().await.map_err(err)? - ctx.now;
    let real = |t: OffsetDateTime| t - offset;
    let (signer, _) = svc::signer_with(ctx.store, ctx.vault, "console:demo", "console", ctx.now)
        .await
        .map_err(err)?;

    // Passes for the demo's manifests, departure by departure in time order, until enough
    // households hold one (confirmed manifests first: they come first in time).
    let want = if ctx.small { 40 } else { 2500 };
    let mut departures = Vec::new();
    let mut passes: Vec<(svc::IssuedPass, OffsetDateTime)> = Vec::new();
    let mut a_holder = None;
    for d in ctx.store.departures().await? {
        if d.status == "cancelled" || passes.len() >= want {
            continue;
        }
        let Ok((orders, from, until)) = svc::manifest_orders(ctx.store, &d.id, offset).await else {
            continue; // an empty manifest
        };
        let leaves = OffsetDateTime::parse(&d.departs_at, &Rfc3339)
            .map(real)
            .unwrap_or(until);
        let issued = svc::issue_passes_with(
            ctx.store,
            ctx.vault,
            &signer,
            "console:demo",
            "console",
            &orders,
            from,
            until,
            ctx.now,
        )
        .await
        .map_err(err)?;
        departures.push(d.id.clone());
        a_holder = a_holder.or(orders.first().map(|o| o.person.clone()));
        passes.extend(issued.into_iter().map(|p| (p, leaves)));
    }
    if passes.is_empty() {
        return Ok(None);
    }
    // The next departure's passes that are valid now: the last few left unscanned to try (at
    // least two others walk the day, so the history has someone at each end of the flow).
    let now_text = rfc3339(ctx.now);
    let valid_now: Vec<usize> = passes
        .iter()
        .enumerate()
        .filter(|(_, (p, leaves))| {
            *leaves > ctx.now && p.valid_from <= now_text && now_text < p.valid_until
        })
        .map(|(i, _)| i)
        .collect();
    let n_try = if ctx.small { 2 } else { UNTOUCHED };
    let n_try = n_try
        .min(valid_now.len().saturating_sub(2))
        .max(usize::from(!valid_now.is_empty()));
    let try_it: Vec<usize> = valid_now[valid_now.len() - n_try..].to_vec();
    // The day: each household walks the flow from the gate as far as it got by now, within
    // its pass's window; those whose flight left walked through to departed and, four hours
    // later, to the safe haven.
    let flow = svc::flow(&state).await.map_err(err)?;
    let code = |c: &str| flow.position(c).unwrap_or(0);
    let (gate, screening, boarding, departed, arrived) = (
        code("gate"),
        code("screening"),
        code("boarding"),
        code("departed"),
        code("arrived"),
    );
    let day_start = ctx.now - Duration::hours(24);
    let mut scans: Vec<(OffsetDateTime, &'static str, Value)> = Vec::new();
    let mut n = 0;
    let mut walked = 0;
    for (i, (p, leaves)) in passes.iter().enumerate() {
        if try_it.contains(&i) || i % 10 == 9 {
            continue; // left to try, or a no-show
        }
        let Ok(from) = OffsetDateTime::parse(&p.valid_from, &Rfc3339) else {
            continue;
        };
        let start = from.max(day_start) + Duration::minutes((i as i64 * 7) % 120);
        let end = ctx.now - Duration::minutes(5);
        if start >= end {
            continue; // its window opens later
        }
        let left = *leaves <= ctx.now;
        // How far along the flow (the boarding area holds people for hours before a flight),
        // and the moment of each step.
        let reached = if left {
            if *leaves + Duration::hours(4) <= ctx.now {
                arrived
            } else {
                departed
            }
        } else {
            [
                boarding,
                gate,
                code("manifesting"),
                screening,
                code("registration"),
            ][walked % 5]
        };
        let last_before_boarding = if left {
            *leaves - Duration::minutes(40)
        } else {
            end
        };
        let steps_to_boarding = (boarding - gate).max(1) as i32;
        let pace = ((last_before_boarding - start) / steps_to_boarding).min(Duration::minutes(45));
        if pace <= Duration::ZERO {
            continue;
        }
        let w = walked;
        walked += 1;
        for (step, s) in flow.steps.iter().enumerate().take(reached + 1).skip(gate) {
            if s.retired {
                continue;
            }
            // Every 25th household walks past screening: amber at the next checkpoint.
            if step == screening && i % 25 == 4 {
                continue;
            }
            let at = if step >= arrived {
                *leaves + Duration::hours(4)
            } else if step >= departed {
                *leaves
            } else {
                start + pace * (step - gate) as i32
            };
            let who = if step >= arrived {
                "Doha arrivals desk"
            } else if step >= departed {
                "C-17 loadmaster"
            } else if step >= boarding {
                "HKIA ramp scanner"
            } else {
                "Abbey Gate scanner 1"
            };
            // Every 25th household walked (one that reaches the boarding area) meets a ramp
            // working another departure: amber.
            let working = if step == boarding && w % 25 == 0 {
                Some(format!("{}X", p.departure))
            } else {
                (step == boarding).then(|| p.departure.clone())
            };
            n += 1;
            scans.push((
                at,
                who,
                json!({"id": format!("demo-{n}"), "token": p.token, "checkpoint": s.code,
                       "scanned_at": rfc3339(at), "departure": working}),
            ));
        }
    }
    // A revoked pass presented at the gate; a forged copy of another; an expired pass (a
    // household's pass from a week before, for an earlier departure).
    let spare: Vec<&svc::IssuedPass> = passes
        .iter()
        .enumerate()
        .filter(|(i, _)| !try_it.contains(i))
        .map(|(_, (p, _))| p)
        .collect();
    let day = scans.len();
    let late = ctx.now - Duration::hours(2);
    let mut exceptions: Vec<(OffsetDateTime, &'static str, Value)> = Vec::new();
    if let ([revoked, copied, ..], Some(holder)) = (spare.as_slice(), a_holder) {
        let mut forged = copied.token.clone().into_bytes();
        let k = forged.len() - 5;
        forged[k] = if forged[k] == b'A' { b'B' } else { b'A' };
        let expired = svc::issue_passes_with(
            ctx.store,
            ctx.vault,
            &signer,
            "console:demo",
            "console",
            &[svc::PassOrder {
                person: holder,
                departure: "RCH700".into(),
            }],
            ctx.now - Duration::days(8),
            ctx.now - Duration::days(7),
            ctx.now - Duration::days(8),
        )
        .await
        .map_err(err)?;
        for (id, token) in [
            ("demo-revoked", revoked.token.clone()),
            ("demo-forged", String::from_utf8_lossy(&forged).into_owned()),
            (
                "demo-expired",
                expired.first().map(|e| e.token.clone()).unwrap_or_default(),
            ),
        ] {
            exceptions.push((
                late,
                "Abbey Gate scanner 1",
                json!({"id": id, "token": token, "checkpoint": "gate", "scanned_at": rfc3339(late)}),
            ));
        }
        // The day's scans as they came, then the revocation, then the exceptions.
        send(&state, &clock, &mut scans, ctx.now)
            .await
            .map_err(err)?;
        svc::revoke_pass_with(
            ctx.store,
            "console:demo",
            "console",
            &revoked.id,
            "reported lost at the rally point",
            late - Duration::hours(1),
        )
        .await
        .map_err(err)?;
    }
    send(&state, &clock, &mut scans, ctx.now)
        .await
        .map_err(err)?;
    let exceptions_sent = exceptions.len();
    send(&state, &clock, &mut exceptions, ctx.now)
        .await
        .map_err(err)?;
    let try_line = match try_it.first() {
        Some(&i) => format!(
            " Pass {id} (departure {dep}) is valid now and unscanned: print it at /accountability/passes/{id} (as movement) and scan it at /accountability/scan (as checkpoint).",
            id = passes[i].0.id,
            dep = passes[i].0.departure
        ),
        None => String::new(),
    };
    Ok(Some(format!(
        "Accountability: {} boarding passes for the manifests of {} departures ({}), {} scans of {} households in the airport's last day.{try_line}",
        passes.len(),
        departures.len(),
        departures.join(", "),
        day + exceptions_sent,
        walked,
    )))
}

/// Sends scans as devices send them: each device's scans of the same hour in one batch, at the
/// time of its last scan (the state's clock stands there). Empties `scans`.
async fn send(
    state: &AppState,
    clock: &AtomicI64,
    scans: &mut Vec<(OffsetDateTime, &'static str, Value)>,
    now: OffsetDateTime,
) -> Result<(), drawdown_web::WebError> {
    scans.sort_by_key(|(at, _, _)| *at);
    for chunk in scans.chunk_by(|a, b| a.1 == b.1 && (b.0 - a.0) < Duration::hours(1)) {
        for part in chunk.chunks(500) {
            let sent = part.last().map(|s| s.0).unwrap_or(now);
            clock.store(sent.unix_timestamp(), Ordering::Relaxed);
            let items: Vec<Value> = part.iter().map(|s| s.2.clone()).collect();
            let body = json!({"sent_at": rfc3339(sent), "scans": items});
            svc::submit_scans(state, &device(part[0].1), "demo", &body).await?;
        }
    }
    scans.clear();
    clock.store(now.unix_timestamp(), Ordering::Relaxed);
    Ok(())
}
