//! The demo's posture, as the post stood on 14 August 2021.
//!
//! The situation log holds the events the seed articles report (CNN 10 and 14 August, AFP via
//! Washington Newsday 13 August, the Daily Mail citing Reuters 12 August), with their places,
//! dates and sources as reported and conflicting reports kept as such. Provincial capitals whose
//! fall the articles only count ("11 of 34", "half") are entered from the public timeline of
//! the offensive, marked as background. History is replayed in order: events, then the
//! tripwires' evaluation at that moment, then the committee's decisions as reported.

use super::Ctx;
use drawdown_posture::log::RawEvent;
use drawdown_web::services::posture::{self as svc, DecisionInput};

const CNN_10: &str = "CNN, 10 Aug 2021";
const CNN_14: &str = "CNN, 14 Aug 2021";
const AFP_13: &str = "AFP via Washington Newsday, 13 Aug 2021";
const DM_12: &str = "Daily Mail (Reuters, NYT), 12 Aug 2021";
const BACKGROUND: &str = "background: public timeline of the 2021 offensive";

/// (at, kind, place, source, confidence, value, horizon, notes)
type Row = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const EVENTS: &[Row] = &[
    (
        "2021-04-27 12:00",
        "threat_against_post",
        "Kabul",
        CNN_10,
        "high",
        "",
        "",
        "Increased violence and reports of threats in Kabul (the State Department's reason for ordered departure in April).",
    ),
    (
        "2021-07-01 12:00",
        "assessment",
        "",
        CNN_10,
        "medium",
        "",
        "6 months",
        "The earlier view: six months as the likely time frame for the government's collapse (US officials 'no longer speak of' it by 10 Aug; its date is not given).",
    ),
    (
        "2021-08-06 12:00",
        "place_taken",
        "Zaranj",
        BACKGROUND,
        "high",
        "",
        "",
        "First provincial capital to fall.",
    ),
    (
        "2021-08-07 12:00",
        "place_taken",
        "Sheberghan",
        BACKGROUND,
        "high",
        "",
        "",
        "",
    ),
    (
        "2021-08-07 18:00",
        "custom",
        "",
        CNN_10,
        "high",
        "Embassy security alert: citizens urged to leave immediately using commercial flights",
        "",
        "'Given the security conditions and reduced staffing levels, the embassy's ability to assist US citizens … is extremely limited.'",
    ),
    (
        "2021-08-08 12:00",
        "place_taken",
        "Kunduz",
        BACKGROUND,
        "high",
        "",
        "",
        "",
    ),
    (
        "2021-08-08 14:00",
        "place_taken",
        "Sar-e Pol",
        BACKGROUND,
        "high",
        "",
        "",
        "",
    ),
    (
        "2021-08-08 16:00",
        "place_taken",
        "Taloqan",
        BACKGROUND,
        "high",
        "",
        "",
        "",
    ),
    (
        "2021-08-09 12:00",
        "place_taken",
        "Aybak",
        BACKGROUND,
        "high",
        "",
        "",
        "",
    ),
    (
        "2021-08-10 10:00",
        "place_taken",
        "Farah",
        BACKGROUND,
        "high",
        "",
        "",
        "",
    ),
    (
        "2021-08-10 12:00",
        "place_taken",
        "Pul-e-Khumri",
        BACKGROUND,
        "high",
        "",
        "",
        "",
    ),
    (
        "2021-08-11 12:00",
        "place_taken",
        "Fayzabad",
        BACKGROUND,
        "high",
        "",
        "",
        "",
    ),
    (
        "2021-08-11 18:00",
        "custom",
        "",
        DM_12,
        "medium",
        "Taliban claim two-thirds of the country",
        "",
        "'Three more provincial capitals on Wednesday – giving them effective control of about two-thirds of the country.'",
    ),
    (
        "2021-08-12 09:00",
        "place_taken",
        "Ghazni",
        DM_12,
        "high",
        "",
        "",
        "'Taliban militants Thursday overran … Ghazni, 150 km from the national capital' (80 miles, says the same article).",
    ),
    (
        "2021-08-12 10:00",
        "road_closed",
        "Kabul–Kandahar highway (south)",
        DM_12,
        "medium",
        "",
        "",
        "'The fall of Ghazni means Islamist fighters now control the main highways leading both north and south out of the capital.'",
    ),
    (
        "2021-08-12 10:00",
        "road_closed",
        "Salang road to Mazar-i-Sharif (north)",
        DM_12,
        "low",
        "",
        "",
        "Same sentence; the north road is not otherwise reported closed.",
    ),
    (
        "2021-08-12 12:00",
        "assessment",
        "",
        DM_12,
        "medium",
        "",
        "30 days",
        "US defence official to Reuters: the Taliban could isolate Kabul in 30 days and possibly take it within 90.",
    ),
    (
        "2021-08-12 16:00",
        "place_taken",
        "Herat",
        DM_12,
        "high",
        "",
        "",
        "The 11th provincial capital to fall in a week ('11 of 34').",
    ),
    (
        "2021-08-13 06:00",
        "place_contested",
        "Kandahar",
        AFP_13,
        "medium",
        "",
        "",
        "Officials and civilians told AFP earlier Friday that government forces had withdrawn in large numbers to a military base outside the city.",
    ),
    (
        "2021-08-13 08:00",
        "place_taken",
        "Kandahar",
        "Taliban spokesman on Twitter, via AFP",
        "low",
        "",
        "",
        "'Kandahar has been entirely taken over … the Mujahideen have arrived in Martyrs' Square.'",
    ),
    (
        "2021-08-13 10:00",
        "place_taken",
        "Kandahar",
        AFP_13,
        "high",
        "",
        "",
        "'The Taliban seized control of Kandahar, the country's second-largest city.'",
    ),
    (
        "2021-08-13 12:00",
        "place_taken",
        "Lashkar Gah",
        "Taliban claim, via AFP",
        "low",
        "",
        "",
        "The Taliban claimed possession of Lashkar Gah a few hours later.",
    ),
    (
        "2021-08-13 13:00",
        "place_taken",
        "Lashkar Gah",
        "AFP security source",
        "medium",
        "",
        "",
        "Military and government officials fled after a local ceasefire with the Taliban.",
    ),
    (
        "2021-08-13 14:00",
        "place_taken",
        "Pul-e-Alam",
        "local lawmaker, via AFP",
        "medium",
        "",
        "",
        "Logar's capital, 'only 50 kilometers (30 miles) from Kabul' (64 km great-circle).",
    ),
    (
        "2021-08-13 15:00",
        "place_taken",
        "Qala-e-Naw",
        BACKGROUND,
        "medium",
        "",
        "",
        "",
    ),
    (
        "2021-08-13 15:00",
        "place_taken",
        "Chaghcharan",
        BACKGROUND,
        "medium",
        "",
        "",
        "",
    ),
    (
        "2021-08-13 15:00",
        "place_taken",
        "Qalat",
        BACKGROUND,
        "medium",
        "",
        "",
        "",
    ),
    (
        "2021-08-13 15:00",
        "place_taken",
        "Tarinkot",
        BACKGROUND,
        "medium",
        "",
        "",
        "With it, half of the provincial capitals (CNN, 14 Aug: 'half of the country's provincial capitals on Friday').",
    ),
    (
        "2021-08-13 18:00",
        "assessment",
        "",
        CNN_14,
        "medium",
        "",
        "72h",
        "Intelligence assessment: Kabul could be isolated within a week, possibly within the next 72 hours.",
    ),
    (
        "2021-08-13 20:00",
        "custom",
        "",
        CNN_14,
        "medium",
        "Pentagon: Kabul not in an 'environment of imminent threat'",
        "",
        "Kirby, Friday briefing: the Taliban appear to be trying to isolate Kabul. Conflicts with the intelligence assessment of the same day.",
    ),
    (
        "2021-08-14 10:00",
        "place_taken",
        "Sharana",
        BACKGROUND,
        "medium",
        "",
        "",
        "",
    ),
    (
        "2021-08-14 10:00",
        "place_taken",
        "Asadabad",
        BACKGROUND,
        "medium",
        "",
        "",
        "",
    ),
    (
        "2021-08-14 10:00",
        "place_taken",
        "Mihtarlam",
        BACKGROUND,
        "medium",
        "",
        "",
        "",
    ),
    (
        "2021-08-14 12:00",
        "place_taken",
        "Gardez",
        BACKGROUND,
        "medium",
        "",
        "",
        "",
    ),
    (
        "2021-08-14 18:00",
        "place_taken",
        "Mazar-i-Sharif",
        BACKGROUND,
        "medium",
        "",
        "",
        "Evening of 14 Aug: the north's largest city.",
    ),
];

/// (decided at, kind, level, rationale, attendees)
const DECISIONS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "2021-04-27 18:00",
        "declare",
        "ordered departure",
        "The department orders the departure of US government employees whose duties may be performed elsewhere, due to increased violence and reports of threats in Kabul (as reported by CNN, 10 Aug 2021).",
        "Chief of Mission, DCM, RSO, MGT, CONS",
    ),
    (
        "2021-08-10 18:00",
        "decline",
        "core presence",
        "No final decision on an additional withdrawal: the capital is not assessed to be threatened immediately; key staff are being identified and the footprint keeps shrinking (CNN, 10 Aug 2021).",
        "Chief of Mission, DCM, RSO, MGT",
    ),
    (
        "2021-08-12 20:00",
        "declare",
        "core presence",
        "Further decrease of the civilian footprint, leaving a basic diplomatic presence; 3,000 troops to secure the drawdown. 'This isn't a case of abandonment … not a mandatory evacuation … not a complete withdrawal' (Ned Price; AFP, 13 Aug 2021).",
        "Chief of Mission, DCM, RSO, MGT, CONS, DATT",
    ),
];

/// Checklist tasks done as reported (task starts with, done at).
const DONE: &[(&str, &str)] = &[
    ("Notify citizens to leave", "2021-08-07 18:00"),
    ("Manifest non-emergency staff", "2021-05-15 12:00"),
    ("Name the core staff", "2021-08-13 06:00"),
    ("Destroy sensitive material daily", "2021-08-13 12:00"),
];

/// Seeds the situation log, the plan's levels and tripwires, and the decisions to 14 August.
pub async fn seed(ctx: &Ctx<'_>) -> anyhow::Result<Option<String>> {
    let (store, now) = (ctx.store, ctx.now);
    let actor = "console:demo";
    let err = |e: drawdown_web::WebError| anyhow::anyhow!("demo posture: {e}");
    svc::ensure_defaults(store, actor, "console", now)
        .await
        .map_err(err)?;
    // Replay: for each moment, its events, the evaluation then, and the decisions then.
    let mut moments: Vec<&str> = EVENTS
        .iter()
        .map(|e| e.0)
        .chain(DECISIONS.iter().map(|d| d.0))
        .collect();
    moments.sort_unstable();
    moments.dedup();
    for m in moments {
        let raws: Vec<RawEvent> = EVENTS
            .iter()
            .filter(|e| e.0 == m)
            .map(|e| RawEvent {
                at: e.0.into(),
                kind: e.1.into(),
                place: e.2.into(),
                source: e.3.into(),
                confidence: e.4.into(),
                value: e.5.into(),
                horizon: e.6.into(),
                notes: e.7.into(),
            })
            .collect();
        let at = drawdown_posture::log::parse_time(m)
            .ok_or_else(|| anyhow::anyhow!("demo posture: bad time {m}"))?;
        if !raws.is_empty() {
            let g = svc::gazetteer(store).await.map_err(err)?;
            let events = svc::check_events(&raws, &g, 1).map_err(err)?;
            let ev = drawdown_storage::AuditEvent::new(
                actor,
                "posture.event_import",
                "demo",
                format!("{} events", events.len()),
                "console",
            );
            store.add_posture_events(&events, actor, &ev, now).await?;
            svc::reevaluate(store, at, actor, "console", now)
                .await
                .map_err(err)?;
        }
        for d in DECISIONS.iter().filter(|d| d.0 == m) {
            let p = svc::load(store, now).await.map_err(err)?;
            let item = if d.1 == "decline" {
                p.open_items(at)
                    .into_iter()
                    .find(|i| p.level(&i.level_id).is_some_and(|l| l.name == d.2))
                    .map(|i| i.id.clone())
                    .unwrap_or_default()
            } else {
                String::new()
            };
            let input = DecisionInput {
                level: d.2.into(),
                item,
                rationale: d.3.into(),
                attendees: d.4.into(),
                decided_at: d.0.into(),
            };
            svc::decide(store, d.1 == "decline", &input, "committee", "console", now)
                .await
                .map_err(err)?;
        }
    }
    // Ticks as reported; the rest of the checklists stay open (and overdue).
    for t in store.posture_tasks().await? {
        if let Some((_, at)) = DONE.iter().find(|(p, _)| t.task.starts_with(p)) {
            let at = drawdown_posture::log::parse_time(at)
                .ok_or_else(|| anyhow::anyhow!("demo posture: bad time"))?;
            svc::tick_task(store, &t.id, Some(at), None, "committee", "console", now)
                .await
                .map_err(err)?;
        }
    }
    let p = svc::load(store, now).await.map_err(err)?;
    let open = p.open_items(now).len();
    Ok(Some(format!(
        "Posture: {} events in the situation log to 14 Aug 2021; posture {}; {open} crossed tripwire(s) awaiting the committee.",
        p.events.len(),
        p.current_name(now)
    )))
}
