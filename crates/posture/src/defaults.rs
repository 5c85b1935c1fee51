//! The posture levels, checklists and tripwires of a typical Emergency Action Plan: a post
//! starts from these and changes them to fit.

/// A checklist task of a level: what, whose (a role), due how many hours after the declaration.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskTemplate {
    pub task: &'static str,
    pub owner_role: &'static str,
    pub due_hours: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LevelTemplate {
    pub rank: i64,
    pub name: &'static str,
    pub description: &'static str,
    pub tasks: Vec<TaskTemplate>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TripwireTemplate {
    pub name: &'static str,
    pub condition: &'static str,
    /// The level it recommends (by name).
    pub recommends: &'static str,
    pub actions: &'static str,
}

fn t(task: &'static str, owner_role: &'static str, due_hours: i64) -> TaskTemplate {
    TaskTemplate {
        task,
        owner_role,
        due_hours,
    }
}

/// Normal, heightened, authorized departure, ordered departure, core presence, suspended.
pub fn levels() -> Vec<LevelTemplate> {
    vec![
        LevelTemplate {
            rank: 0,
            name: "normal",
            description: "Normal operations.",
            tasks: vec![t(
                "Review the Emergency Action Plan and its tripwires",
                "committee",
                720,
            )],
        },
        LevelTemplate {
            rank: 1,
            name: "heightened",
            description: "Heightened vigilance: the committee meets daily, lists are brought up to date.",
            tasks: vec![
                t(
                    "Convene the Emergency Action Committee daily",
                    "committee",
                    24,
                ),
                t(
                    "Bring the registry's contact details up to date",
                    "registrar",
                    72,
                ),
                t(
                    "Count sensitive holdings against the emergency-destruction level",
                    "destruction",
                    72,
                ),
            ],
        },
        LevelTemplate {
            rank: 2,
            name: "authorized departure",
            description: "Voluntary departure of non-emergency staff and families.",
            tasks: vec![
                t(
                    "Tell staff and families that departure is authorized (voluntary)",
                    "committee",
                    24,
                ),
                t("Identify key staff for a core presence", "committee", 48),
                t("Book seats for those who choose to leave", "movement", 72),
            ],
        },
        LevelTemplate {
            rank: 3,
            name: "ordered departure",
            description: "Mandatory departure of non-emergency staff and families.",
            tasks: vec![
                t(
                    "Notify citizens to leave immediately using commercial flights",
                    "committee",
                    24,
                ),
                t(
                    "Reduce holdings to the emergency-destruction level",
                    "destruction",
                    48,
                ),
                t(
                    "Manifest non-emergency staff and families on departures",
                    "movement",
                    72,
                ),
            ],
        },
        LevelTemplate {
            rank: 4,
            name: "core presence",
            description: "A basic diplomatic presence: only the core staff remain.",
            tasks: vec![
                t("Name the core staff who remain", "committee", 12),
                t(
                    "Destroy sensitive material daily (papers, electronics, logo items, flags)",
                    "destruction",
                    24,
                ),
                t(
                    "Prepare to relocate the remaining staff to the airport",
                    "movement",
                    48,
                ),
            ],
        },
        LevelTemplate {
            rank: 5,
            name: "suspended",
            description: "Operations suspended: the post relocates or closes.",
            tasks: vec![
                t(
                    "Destroy every remaining sensitive holding",
                    "destruction",
                    12,
                ),
                t(
                    "Hand the registry off to headquarters, then wipe",
                    "administrator",
                    24,
                ),
                t(
                    "Move the last staff out through the airport",
                    "movement",
                    24,
                ),
            ],
        },
    ]
}

/// Tripwires of a typical plan for a capital under threat.
pub fn tripwires() -> Vec<TripwireTemplate> {
    vec![
        TripwireTemplate {
            name: "Threat against the post",
            condition: "event threat_against_post",
            recommends: "ordered departure",
            actions: "Order the departure of staff whose duties can be done elsewhere.",
        },
        TripwireTemplate {
            name: "A fifth of provincial capitals fallen",
            condition: "capitals_fallen_pct >= 20",
            recommends: "core presence",
            actions: "Identify key staff; reduce to a core presence.",
        },
        TripwireTemplate {
            name: "Capital could be isolated within 30 days",
            condition: "assessed_days_to_isolation <= 30",
            recommends: "core presence",
            actions: "Reduce to a basic diplomatic presence; destroy sensitive material daily.",
        },
        TripwireTemplate {
            name: "Half of provincial capitals fallen",
            condition: "capitals_fallen_pct >= 50",
            recommends: "core presence",
            actions: "Reduce to a basic diplomatic presence.",
        },
        TripwireTemplate {
            name: "Hostile forces within 50 km, or isolation within 72 hours",
            condition: "nearest_hostile_km <= 50 or assessed_days_to_isolation <= 3",
            recommends: "suspended",
            actions: "Relocate the remaining staff to the airport; destroy the rest.",
        },
        TripwireTemplate {
            name: "Commercial flights suspended",
            condition: "event commercial_flights_suspended",
            recommends: "suspended",
            actions: "Move to military flights only; tell citizens where to report.",
        },
        TripwireTemplate {
            name: "Airport no longer open",
            condition: "airport_status != \"open\"",
            recommends: "suspended",
            actions: "Suspend operations; last staff out.",
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_tripwire_parses_and_names_a_level() {
        let names: Vec<&str> = levels().iter().map(|l| l.name).collect();
        for tw in tripwires() {
            crate::tripwire::parse(tw.condition).unwrap_or_else(|e| panic!("{}: {e}", tw.name));
            assert!(names.contains(&tw.recommends), "{}", tw.recommends);
        }
        let ranks: Vec<i64> = levels().iter().map(|l| l.rank).collect();
        assert!(ranks.windows(2).all(|w| w[0] < w[1]));
    }
}
