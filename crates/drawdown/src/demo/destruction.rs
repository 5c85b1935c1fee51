//! The demo's destruction, as the post stood on 14 August 2021: tonnes of paper, thousands of
//! devices, armoured vehicles; the fireboxes, the disintegrator, the incinerator, the compactor
//! and heavy equipment; and three days of witnessed records and burn bags before today.

use super::Ctx;
use anyhow::anyhow;
use drawdown_web::services::destruction::{self as svc, HoldingInput, RecordInput};
use time::Duration;

/// (kind, description, quantity, classification, location, custodian)
const HOLDINGS: [(&str, &str, i64, &str, &str, &str); 22] = [
    (
        "crypto_equipment",
        "Communications centre crypto gear",
        24,
        "top secret",
        "Chancery, comms centre",
        "IMO",
    ),
    (
        "classified_paper",
        "Registry safes",
        2400,
        "secret",
        "Chancery, 2nd floor",
        "Post security officer",
    ),
    (
        "classified_paper",
        "Political section files",
        850,
        "secret",
        "Chancery, 3rd floor",
        "Political counsellor",
    ),
    (
        "classified_paper",
        "Defence attaché office",
        600,
        "secret",
        "Annex B",
        "Defence attaché",
    ),
    (
        "sensitive_paper",
        "HR files naming local staff",
        1800,
        "sensitive",
        "HR office",
        "HR officer",
    ),
    (
        "sensitive_paper",
        "SIV case files and interview notes",
        2600,
        "sensitive",
        "Consular section",
        "Consular chief",
    ),
    (
        "hard_drive",
        "Server room and desktops",
        1900,
        "secret",
        "Chancery, server room",
        "IMO",
    ),
    (
        "ssd",
        "Laptops' and servers' solid-state drives",
        1400,
        "secret",
        "Chancery, server room",
        "IMO",
    ),
    (
        "phone",
        "Mobile phones (official)",
        2300,
        "sensitive",
        "Logistics store",
        "GSO",
    ),
    (
        "laptop",
        "Laptops",
        1100,
        "sensitive",
        "Logistics store",
        "IMO",
    ),
    (
        "removable_media",
        "USB sticks, discs, backup tapes",
        3500,
        "secret",
        "Chancery, server room",
        "IMO",
    ),
    (
        "badge_equipment",
        "Badge printers and blank badges",
        40,
        "sensitive",
        "Access control office",
        "RSO",
    ),
    (
        "weapons",
        "Local guard force weapons",
        180,
        "sensitive",
        "Armoury",
        "RSO",
    ),
    (
        "ammunition",
        "Ammunition",
        4000,
        "sensitive",
        "Armoury",
        "RSO",
    ),
    (
        "logo_items",
        "Signage, seals, mugs, banners with logos",
        3200,
        "unclassified",
        "Compound, various",
        "GSO",
    ),
    (
        "flags",
        "Flags",
        450,
        "unclassified",
        "Compound, various",
        "GSO",
    ),
    (
        "uniforms",
        "Guard force uniforms",
        600,
        "unclassified",
        "Logistics store",
        "RSO",
    ),
    (
        "armoured_vehicle",
        "Armoured SUVs",
        60,
        "sensitive",
        "Motor pool",
        "Motor pool supervisor",
    ),
    (
        "hazardous",
        "Fuel, solvents, batteries",
        900,
        "unclassified",
        "Motor pool",
        "Facilities manager",
    ),
    (
        "classified_paper",
        "Burn bags waiting in the registry",
        300,
        "secret",
        "Chancery, 2nd floor",
        "Post security officer",
    ),
    (
        "sensitive_paper",
        "Visa section archive",
        1200,
        "sensitive",
        "Consular section",
        "Consular chief",
    ),
    (
        "hard_drive",
        "Consular workstations",
        260,
        "sensitive",
        "Consular section",
        "IMO",
    ),
];

/// (name, method, kg an hour, hours a day, status, location)
const DEVICES: [(&str, &str, &str, &str, &str, &str); 10] = [
    (
        "Firebox 1",
        "burn",
        "45",
        "12",
        "working",
        "Chancery courtyard",
    ),
    (
        "Firebox 2",
        "burn",
        "45",
        "12",
        "working",
        "Chancery courtyard",
    ),
    (
        "Disintegrator",
        "disintegrate",
        "110",
        "14",
        "working",
        "Chancery, basement",
    ),
    (
        "Incinerator",
        "incinerate",
        "180",
        "10",
        "working",
        "Compound, south",
    ),
    (
        "Crosscut shredder",
        "shred",
        "25",
        "12",
        "working",
        "Chancery, 2nd floor",
    ),
    (
        "Degausser and crusher",
        "degauss_destroy",
        "12",
        "10",
        "working",
        "Chancery, server room",
    ),
    (
        "Compactor",
        "compact",
        "250",
        "8",
        "out_of_fuel",
        "Compound, south",
    ),
    (
        "Heavy equipment (crusher)",
        "crush",
        "7000",
        "6",
        "working",
        "Motor pool",
    ),
    ("Cutting torch", "cut", "300", "8", "working", "Motor pool"),
    ("EOD team", "neutralise", "60", "8", "working", "Range"),
];

/// Seeds this area; returns a line for the demo's banner.
pub async fn seed(ctx: &Ctx<'_>) -> anyhow::Result<Option<String>> {
    let e = |e: drawdown_web::WebError| anyhow!("demo destruction: {e}");
    let store = ctx.store;
    let start = ctx.now - Duration::days(3);
    let operator = "destruction";
    let witness = "committee";
    let mut ids = Vec::new();
    for (kind, description, quantity, classification, location, custodian) in HOLDINGS {
        let id = svc::add_holding(
            store,
            operator,
            "demo",
            &HoldingInput {
                kind: kind.into(),
                description: description.into(),
                quantity: quantity.to_string(),
                classification: classification.into(),
                location: location.into(),
                custodian: custodian.into(),
                priority: String::new(),
            },
            start,
        )
        .await
        .map_err(e)?;
        ids.push(id);
    }
    let mut devices = Vec::new();
    for (name, method, rate, hours, status, location) in DEVICES {
        let id = svc::add_device(
            store, "admin", "demo", name, method, rate, hours, location, start,
        )
        .await
        .map_err(e)?;
        if status != "working" {
            svc::update_device(store, operator, "demo", &id, status, None, start)
                .await
                .map_err(e)?;
        }
        devices.push(id);
    }
    // Burn bags from the registry safes: sealed on the first day.
    for n in 1..=6 {
        svc::seal_bag(
            store,
            operator,
            "demo",
            &ids[19],
            &format!("BB-2021-{n:04}"),
            "15",
            "Registry cables and reporting, 2019–2021",
            start + Duration::hours(2),
        )
        .await
        .map_err(e)?;
    }
    // Three days of destruction, each witnessed by a committee member.
    let org = store
        .organisation()
        .await?
        .map(|(n, _)| n)
        .unwrap_or_default();
    let days: [(usize, &str, &str, &str, usize); 9] = [
        (1, "400", "burn", "", 0),
        (4, "350", "burn", "", 1),
        (6, "200", "disintegrate", "", 2),
        (7, "150", "disintegrate", "", 2),
        (10, "600", "disintegrate", "", 2),
        (5, "500", "incinerate", "", 3),
        (8, "120", "incinerate", "", 3),
        (17, "6", "crush", "", 7),
        (16, "300", "incinerate", "", 3),
    ];
    for day in 0..3i64 {
        for (n, (holding, quantity, method, bag, device)) in
            days.iter().skip(day as usize * 3).take(3).enumerate()
        {
            let at = start + Duration::days(day) + Duration::hours(9 + 2 * n as i64);
            let (id, _) = svc::record_destruction(
                store,
                operator,
                "demo",
                &RecordInput {
                    holding: ids[*holding].clone(),
                    bag: bag.to_string(),
                    quantity: quantity.to_string(),
                    method: method.to_string(),
                    device: devices[*device].clone(),
                    note: String::new(),
                },
                at,
            )
            .await
            .map_err(e)?;
            svc::witness(
                store,
                &org,
                witness,
                "demo",
                &id,
                at + Duration::minutes(20),
            )
            .await
            .map_err(e)?;
        }
        // And burn bags, by serial, in the fireboxes.
        let serial = format!("BB-2021-{:04}", day + 1);
        let at = start + Duration::days(day) + Duration::hours(16);
        let (id, _) = svc::record_destruction(
            store,
            operator,
            "demo",
            &RecordInput {
                bag: serial,
                method: "burn".into(),
                device: devices[0].clone(),
                ..Default::default()
            },
            at,
        )
        .await
        .map_err(e)?;
        svc::witness(
            store,
            &org,
            witness,
            "demo",
            &id,
            at + Duration::minutes(10),
        )
        .await
        .map_err(e)?;
    }
    let o = svc::overview(store, ctx.now).await.map_err(e)?;
    Ok(Some(format!(
        "Destruction: {} holdings, {} devices, {} witnessed records; emergency level in {:.1} days, zero in {:.1} days.",
        o.holdings.len(),
        o.devices.len(),
        o.records.len(),
        o.plan.days_to_target.unwrap_or(f64::NAN),
        o.plan.days_to_zero.unwrap_or(f64::NAN),
    )))
}
