//! The demo's movement, as the post stood in August 2021: departures over 14 days from
//! 15 August, readiness facts for some households, the registry planned onto them, the first
//! day's manifests confirmed and its first departures gone.

use super::Ctx;
use drawdown_domain::audit::AuditEvent;
use drawdown_storage::movement::{DepartureRecord, MovementFacts};
use drawdown_web::services::movement as mv;
use time::format_description::well_known::Rfc3339;
use time::macros::datetime;

const ACTOR: &str = "console:demo";

/// (carrier or type, seats at full scale, destination)
const AIRCRAFT: [(&str, i64, &str); 8] = [
    ("USAF C-17", 400, "Al Udeid (Qatar)"),
    ("USAF C-17", 450, "Ramstein (Germany)"),
    ("USAF C-130", 120, "Al Udeid (Qatar)"),
    ("Qatar Airways A350 charter", 280, "Doha (Qatar)"),
    ("RAF A400M", 110, "Al Minhad (UAE)"),
    ("USAF C-17", 400, "Sigonella (Italy)"),
    ("Charter B777", 350, "Kuwait"),
    ("USAF C-17", 420, "Rota (Spain)"),
];

/// A small deterministic sequence (the demo must be the same each run).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

/// Seeds this area; returns a line for the demo's banner, if any.
pub async fn seed(ctx: &Ctx<'_>) -> anyhow::Result<Option<String>> {
    let start = datetime!(2021-08-15 00:00 UTC);
    let mut rng = Lcg(0x6d6f76656d656e74);
    // ~800 departures over 14 days at full scale; at small scale two a day of a few seats.
    let (per_day, scale) = if ctx.small { (2, 0.06) } else { (57, 1.0) };
    let mut deps = Vec::new();
    for day in 0..14i64 {
        for k in 0..per_day {
            let (carrier, seats, destination) = AIRCRAFT[rng.next(AIRCRAFT.len() as u64) as usize];
            let minute = (k * 24 * 60 / per_day) + rng.next(20) as i64;
            let at = start + time::Duration::days(day) + time::Duration::minutes(minute);
            let seats = ((seats as f64 * scale).round() as i64).max(12);
            deps.push(DepartureRecord {
                id: format!(
                    "{}{:03}",
                    if carrier.starts_with("USAF") {
                        "RCH"
                    } else {
                        "EVC"
                    },
                    day * per_day + k + 1
                ),
                kind: "flight".into(),
                carrier: carrier.into(),
                origin: "HKIA".into(),
                destination: destination.into(),
                departs_at: mv::stored_time(at),
                seats,
                weight_limit_kg: None,
                gate: ["Abbey Gate", "North Gate", "East Gate"][rng.next(3) as usize].into(),
                status: "planned".into(),
                manifest: "open".into(),
                created_at: drawdown_storage::timestamp(ctx.now),
                updated_at: drawdown_storage::timestamp(ctx.now),
            });
        }
    }
    // A convoy from the compound to the airport on the first morning.
    deps.push(DepartureRecord {
        id: "CVY-COMPOUND-1".into(),
        kind: "convoy".into(),
        carrier: "Armoured buses".into(),
        origin: "Embassy compound".into(),
        destination: "HKIA".into(),
        departs_at: mv::stored_time(start + time::Duration::hours(6)),
        seats: if ctx.small { 20 } else { 60 },
        weight_limit_kg: None,
        gate: "Compound".into(),
        status: "confirmed".into(),
        manifest: "open".into(),
        created_at: drawdown_storage::timestamp(ctx.now),
        updated_at: drawdown_storage::timestamp(ctx.now),
    });
    mv::add_departures(ctx.store, &deps, ACTOR, "console", ctx.now)
        .await
        .map_err(|e| anyhow::anyhow!("demo departures: {e}"))?;

    // Readiness: some households wait for documents, some are ready only later, a few must
    // leave by a deadline (a visa's end, a threat).
    let units = mv::units_from_registry(ctx.store, ctx.vault, start)
        .await
        .map_err(|e| anyhow::anyhow!("demo units: {e}"))?;
    let mut facts = Vec::new();
    for u in &units {
        let roll = rng.next(100);
        let fact = match roll {
            0..=4 => Some(MovementFacts {
                unit_id: u.id.clone(),
                documents_ready: false,
                ready_at: None,
                deadline: None,
            }),
            5..=29 => Some(MovementFacts {
                unit_id: u.id.clone(),
                documents_ready: true,
                ready_at: Some(mv::stored_time(
                    start + time::Duration::hours(6 + rng.next(9 * 24) as i64),
                )),
                deadline: None,
            }),
            30..=37 => Some(MovementFacts {
                unit_id: u.id.clone(),
                documents_ready: true,
                ready_at: None,
                deadline: Some(mv::stored_time(
                    start + time::Duration::hours(48 + rng.next(8 * 24) as i64),
                )),
            }),
            _ => None,
        };
        facts.extend(fact);
    }
    let ev = AuditEvent::new(
        ACTOR,
        "movement.facts",
        "movement_facts",
        format!("{} households", facts.len()),
        "console",
    );
    ctx.store
        .set_movement_facts(&facts, ACTOR, &ev, ctx.now)
        .await?;

    let req = mv::PlanRequest {
        gate_per_hour: if ctx.small {
            30
        } else {
            mv::DEFAULT_GATE_PER_HOUR
        },
        holding: if ctx.small { 200 } else { mv::DEFAULT_HOLDING },
        flight_cost: 0.0,
        time_limit: std::time::Duration::from_secs(if ctx.small { 1 } else { 3 }),
    };
    let run_id = mv::plan_registry(ctx.store, ctx.vault, &req, ACTOR, "console", ctx.now)
        .await
        .map_err(|e| anyhow::anyhow!("demo plan: {e}"))?;
    let run = ctx
        .store
        .plan_run(&run_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the plan vanished"))?;

    // The first day: manifests confirmed, the first departures gone; a document expiry for
    // everyone on them (the registry's lists carry no expiry).
    let first_day: Vec<&DepartureRecord> = deps
        .iter()
        .filter(|d| d.departs_at.starts_with("2021-08-15"))
        .collect();
    let mut travel = Vec::new();
    for (i, d) in first_day.iter().enumerate() {
        let (status, manifest) = if i < 2 {
            ("departed", "closed")
        } else {
            (d.status.as_str(), "confirmed")
        };
        mv::set_state(
            ctx.store,
            &d.id,
            Some(status),
            Some(manifest),
            ACTOR,
            "console",
            ctx.now,
        )
        .await
        .map_err(|e| anyhow::anyhow!("demo state: {e}"))?;
        for p in ctx.store.manifest_people(&d.id).await? {
            let doc = mv::TravelDocument {
                document_expiry: format!(
                    "20{}-{:02}-{:02}",
                    22 + rng.next(8),
                    1 + rng.next(12),
                    1 + rng.next(28)
                ),
            };
            let plain = serde_json::to_vec(&doc)?;
            travel.push((
                p.person_id.clone(),
                ctx.vault.seal(&mv::travel_aad(&p.person_id), &plain)?,
            ));
        }
    }
    // The post's scenario clock: half an hour after the last departure that left, so "today"
    // on the dashboard and the board is 15 August 2021 (it runs on from there).
    let last_gone = first_day
        .iter()
        .take(2)
        .filter_map(|d| time::OffsetDateTime::parse(&d.departs_at, &Rfc3339).ok())
        .max()
        .unwrap_or(start);
    let scenario_at = mv::stored_time(last_gone + time::Duration::minutes(30));
    let ev = AuditEvent::new(
        ACTOR,
        "scenario.clock",
        "scenario_clock",
        format!("scenario time {scenario_at}"),
        "console",
    );
    ctx.store
        .set_scenario_clock(Some(&scenario_at), ACTOR, &ev, ctx.now)
        .await?;
    let ev = AuditEvent::new(
        ACTOR,
        "movement.travel_documents",
        "travel_documents",
        format!("{} people", travel.len()),
        "console",
    );
    ctx.store
        .set_travel_documents(&travel, &ev, ctx.now)
        .await?;
    Ok(Some(format!(
        "Movement: {} departures from 15 August 2021; the plan moves {} of {} people ({} households left), the first day confirmed.",
        deps.len(),
        run.moved_people,
        run.people,
        mv::RunSummary::parse(&run.summary).left_units
    )))
}
