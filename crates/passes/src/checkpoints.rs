//! Checkpoints in order, and what a scan at one of them means: expected here now (green),
//! known but wrong departure, time or order (amber, with what to do), or refused (red).

use crate::token::{PassClaims, Refusal};
use serde::Serialize;

/// One checkpoint of the flow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    /// Stable code: `gate`, `boarding`…
    pub code: String,
    pub name: String,
    /// A person must pass here before any later checkpoint (screening, manifesting…).
    pub required: bool,
    /// Taken out of the flow: no scan goes there and none is missed for skipping it, but it
    /// keeps its place in the order (people last seen there, scans made there).
    pub retired: bool,
}

/// The checkpoints in the order people pass them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Flow {
    pub steps: Vec<Step>,
}

/// The evacuation control centre's flow, from rally point to safe haven.
pub const ECC_FLOW: &[(&str, &str, bool)] = &[
    ("rally", "Rally point", false),
    ("gate", "Gate", false),
    ("screening", "Screening", true),
    ("registration", "Registration", true),
    ("manifesting", "Manifesting", true),
    ("boarding", "Boarding", true),
    ("departed", "Departed", false),
    ("arrived", "Arrived at the safe haven", false),
];

impl Default for Flow {
    fn default() -> Self {
        Flow {
            steps: ECC_FLOW
                .iter()
                .map(|(code, name, required)| Step {
                    code: (*code).into(),
                    name: (*name).into(),
                    required: *required,
                    retired: false,
                })
                .collect(),
        }
    }
}

impl Flow {
    /// Checks a configured flow: at least one checkpoint in use, codes unique and plain, names
    /// given (at most 60 characters).
    pub fn new(steps: Vec<Step>) -> Result<Flow, String> {
        if steps.iter().all(|s| s.retired) {
            return Err("a flow needs at least one checkpoint in use".into());
        }
        for (i, s) in steps.iter().enumerate() {
            let plain = !s.code.is_empty()
                && s.code.len() <= 32
                && s.code
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
            if !plain {
                return Err(format!(
                    "checkpoint {}: code '{}' must be 1-32 lowercase letters, digits, - or _",
                    i + 1,
                    s.code
                ));
            }
            if s.name.trim().is_empty() {
                return Err(format!("checkpoint {}: a name is needed", i + 1));
            }
            if s.name.chars().count() > 60 || s.name.chars().any(char::is_control) {
                return Err(format!(
                    "checkpoint {}: a name of at most 60 characters on one line",
                    i + 1
                ));
            }
            if steps[..i].iter().any(|o| o.code == s.code) {
                return Err(format!("checkpoint {}: code '{}' twice", i + 1, s.code));
            }
        }
        Ok(Flow { steps })
    }

    pub fn position(&self, code: &str) -> Option<usize> {
        self.steps.iter().position(|s| s.code == code)
    }

    /// Whether scans may be made at `code` (it exists and is not retired).
    pub fn accepts(&self, code: &str) -> bool {
        self.step(code).is_some_and(|s| !s.retired)
    }

    /// The checkpoints in use, in order.
    pub fn active(&self) -> Vec<Step> {
        self.steps.iter().filter(|s| !s.retired).cloned().collect()
    }

    pub fn step(&self, code: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.code == code)
    }

    pub fn name<'a>(&'a self, code: &'a str) -> &'a str {
        self.step(code).map(|s| s.name.as_str()).unwrap_or(code)
    }

    /// The checkpoint that means "left the country" (boarded people not yet arrived are
    /// counted from here on), and the last one.
    pub fn boarding(&self) -> Option<usize> {
        self.position("boarding")
    }
}

/// Where a scan happens and what the device there expects.
#[derive(Clone, Debug)]
pub struct Here<'a> {
    pub checkpoint: &'a str,
    /// The departure this checkpoint is working, when it works one (boarding a flight).
    pub departure: Option<&'a str>,
    pub now: i64,
    /// Seconds a device clock may be off (see [`crate::token::Check::leeway`]).
    pub leeway: i64,
    /// A pass outside its window by less than this is amber (early or late), beyond it red.
    pub grace: i64,
}

/// The last checkpoint a person or household was seen at.
#[derive(Clone, Debug)]
pub struct LastSeen<'a> {
    pub checkpoint: &'a str,
    pub at: &'a str,
}

/// Amber: the pass is genuine but something is off; the text says what to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "caution", rename_all = "snake_case")]
pub enum Caution {
    WrongDeparture { pass: String, here: String },
    Early { from: i64 },
    Late { until: i64 },
    Skipped { missing: Vec<String> },
    Backwards { last: String },
    Again { at: String },
}

impl Caution {
    pub fn code(&self) -> &'static str {
        match self {
            Caution::WrongDeparture { .. } => "wrong_departure",
            Caution::Early { .. } => "early",
            Caution::Late { .. } => "late",
            Caution::Skipped { .. } => "out_of_order",
            Caution::Backwards { .. } => "out_of_order",
            Caution::Again { .. } => "again",
        }
    }

    /// What the agent reads, and what to do.
    pub fn advice(&self) -> String {
        match self {
            Caution::WrongDeparture { pass, here } => format!(
                "wrong departure: this pass is for {pass}, this checkpoint is working {here}; send them to the movement desk"
            ),
            Caution::Early { .. } => {
                "early: the pass is not valid yet; hold them in the waiting area".into()
            }
            Caution::Late { .. } => {
                "late: the pass's window has just closed; call the movement officer to re-manifest"
                    .into()
            }
            Caution::Skipped { missing } => format!(
                "out of order: not yet seen at {}; send them back there",
                missing.join(", ")
            ),
            Caution::Backwards { last } => format!(
                "out of order: already seen further on ({last}); check the pass is not shared"
            ),
            Caution::Again { at } => {
                format!("already scanned here at {at}; count heads again, check for a copied pass")
            }
        }
    }
}

/// The verdict of a scan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Expected here now.
    Green,
    Amber(Caution),
    Red(Refusal),
}

impl Verdict {
    pub fn colour(&self) -> &'static str {
        match self {
            Verdict::Green => "green",
            Verdict::Amber(_) => "amber",
            Verdict::Red(_) => "red",
        }
    }

    /// The reason code (`expected`, an amber caution's or a refusal's).
    pub fn code(&self) -> &'static str {
        match self {
            Verdict::Green => "expected",
            Verdict::Amber(c) => c.code(),
            Verdict::Red(r) => r.code(),
        }
    }

    pub fn words(&self) -> String {
        match self {
            Verdict::Green => "expected here now".into(),
            Verdict::Amber(c) => c.advice(),
            Verdict::Red(r) => r.to_string(),
        }
    }
}

/// Judges a scan of an authentic, unrevoked pass (signature and revocation checked before).
/// Time is judged with the clock leeway first, then the grace; then departure; then order.
pub fn judge(flow: &Flow, pass: &PassClaims, here: &Here, last: Option<&LastSeen>) -> Verdict {
    let now = here.now;
    if now + here.leeway < pass.valid_from {
        return if now + here.grace >= pass.valid_from {
            Verdict::Amber(Caution::Early {
                from: pass.valid_from,
            })
        } else {
            Verdict::Red(Refusal::NotYetValid {
                from: pass.valid_from,
            })
        };
    }
    if now - here.leeway > pass.valid_until {
        return if now - here.grace <= pass.valid_until {
            Verdict::Amber(Caution::Late {
                until: pass.valid_until,
            })
        } else {
            Verdict::Red(Refusal::Expired {
                until: pass.valid_until,
            })
        };
    }
    if let Some(dep) = here.departure
        && dep != pass.departure
    {
        return Verdict::Amber(Caution::WrongDeparture {
            pass: pass.departure.clone(),
            here: dep.to_string(),
        });
    }
    order(flow, here.checkpoint, last)
}

/// Judges the order of checkpoints alone (a walk-up or a scan by person id has no pass).
pub fn order(flow: &Flow, checkpoint: &str, last: Option<&LastSeen>) -> Verdict {
    let Some(pos) = flow.position(checkpoint) else {
        return Verdict::Green;
    };
    let from = match last.and_then(|l| flow.position(l.checkpoint).map(|p| (p, l))) {
        Some((p, l)) if p == pos => {
            return Verdict::Amber(Caution::Again {
                at: l.at.to_string(),
            });
        }
        Some((p, l)) if p > pos => {
            return Verdict::Amber(Caution::Backwards {
                last: flow.name(l.checkpoint).to_string(),
            });
        }
        Some((p, _)) => p + 1,
        None => 0,
    };
    let missing: Vec<String> = flow.steps[from..pos]
        .iter()
        .filter(|s| s.required && !s.retired)
        .map(|s| s.name.clone())
        .collect();
    if missing.is_empty() {
        Verdict::Green
    } else {
        Verdict::Amber(Caution::Skipped { missing })
    }
}

/// A device's clock against the server's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Skew {
    /// Device minus server, seconds.
    pub seconds: i64,
    /// Beyond the window: the scan is kept, flagged, and judged at the server's time.
    pub flagged: bool,
}

pub fn skew(device: i64, server: i64, window: i64) -> Skew {
    let seconds = device - server;
    Skew {
        seconds,
        flagged: seconds.abs() > window,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::SubjectKind;

    fn pass() -> PassClaims {
        PassClaims {
            key_id: 1,
            pass_id: 1,
            kind: SubjectKind::Person,
            subject: "p1".into(),
            initials: "AK".into(),
            birth_year: None,
            household_size: 1,
            lap_infants: 0,
            departure: "d1".into(),
            valid_from: 1000,
            valid_until: 100_000,
        }
    }

    fn here(cp: &str) -> Here<'_> {
        Here {
            checkpoint: cp,
            departure: None,
            now: 5000,
            leeway: 300,
            grace: 3 * 3600,
        }
    }

    fn seen(cp: &str) -> LastSeen<'_> {
        LastSeen {
            checkpoint: cp,
            at: "2021-08-25T10:00:00Z",
        }
    }

    #[test]
    fn the_flow_in_order_is_green() {
        let f = Flow::default();
        let mut last: Option<&str> = None;
        for s in &f.steps {
            let v = judge(&f, &pass(), &here(&s.code), last.map(seen).as_ref());
            assert_eq!(v, Verdict::Green, "{}", s.code);
            last = Some(&s.code);
        }
    }

    #[test]
    fn first_seen_at_the_gate_is_green_skipping_required_is_amber() {
        let f = Flow::default();
        assert_eq!(judge(&f, &pass(), &here("gate"), None), Verdict::Green);
        let v = judge(&f, &pass(), &here("boarding"), Some(&seen("gate")));
        assert_eq!(
            v,
            Verdict::Amber(Caution::Skipped {
                missing: vec![
                    "Screening".into(),
                    "Registration".into(),
                    "Manifesting".into()
                ]
            })
        );
        assert!(v.words().contains("send them back"));
        assert_eq!(v.code(), "out_of_order");
    }

    #[test]
    fn backwards_and_again() {
        let f = Flow::default();
        let v = judge(&f, &pass(), &here("gate"), Some(&seen("boarding")));
        assert!(matches!(v, Verdict::Amber(Caution::Backwards { .. })));
        let v = judge(&f, &pass(), &here("gate"), Some(&seen("gate")));
        assert!(matches!(v, Verdict::Amber(Caution::Again { .. })));
    }

    #[test]
    fn wrong_departure() {
        let f = Flow::default();
        let h = Here {
            departure: Some("d2"),
            ..here("boarding")
        };
        let v = judge(&f, &pass(), &h, Some(&seen("manifesting")));
        assert_eq!(v.colour(), "amber");
        assert!(v.words().contains("wrong departure"));
    }

    #[test]
    fn time_early_late_and_red() {
        let f = Flow::default();
        let p = PassClaims {
            valid_from: 20_000,
            valid_until: 30_000,
            ..pass()
        };
        let at = |now| Here {
            now,
            ..here("gate")
        };
        assert_eq!(judge(&f, &p, &at(19_800), None), Verdict::Green);
        assert!(matches!(
            judge(&f, &p, &at(15_000), None),
            Verdict::Amber(Caution::Early { .. })
        ));
        assert_eq!(
            judge(&f, &p, &at(1_000), None),
            Verdict::Red(Refusal::NotYetValid { from: 20_000 })
        );
        assert!(matches!(
            judge(&f, &p, &at(31_000), None),
            Verdict::Amber(Caution::Late { .. })
        ));
        assert_eq!(
            judge(&f, &p, &at(50_000), None),
            Verdict::Red(Refusal::Expired { until: 30_000 })
        );
    }

    #[test]
    fn configured_flows_are_checked() {
        assert!(Flow::new(vec![]).is_err());
        let s = |c: &str| Step {
            code: c.into(),
            name: c.into(),
            required: false,
            retired: false,
        };
        assert!(
            Flow::new(vec![s("gate"), s("gate")])
                .unwrap_err()
                .contains("twice")
        );
        assert!(
            Flow::new(vec![s("Gate 1")])
                .unwrap_err()
                .contains("lowercase")
        );
        assert!(Flow::new(vec![s("gate"), s("boarding")]).is_ok());
        let retired = Step {
            retired: true,
            ..s("gate")
        };
        assert!(
            Flow::new(vec![retired.clone()])
                .unwrap_err()
                .contains("in use")
        );
        let long = Step {
            name: "x".repeat(61),
            ..s("rally")
        };
        assert!(Flow::new(vec![long]).unwrap_err().contains("60"));
        let f = Flow::new(vec![retired, s("boarding")]).unwrap();
        assert!(!f.accepts("gate") && f.accepts("boarding") && !f.accepts("nowhere"));
        assert_eq!(f.active().len(), 1);
        // An unknown checkpoint has no order to break.
        assert_eq!(order(&Flow::default(), "elsewhere", None), Verdict::Green);
    }

    #[test]
    fn a_retired_checkpoint_is_not_missed_but_keeps_its_place() {
        let mut f = Flow::default();
        let screening = f.position("screening").unwrap();
        f.steps[screening].retired = true;
        // Gate to registration: screening is no longer required.
        assert_eq!(
            order(&f, "registration", Some(&seen("gate"))),
            Verdict::Green
        );
        // Last seen at the retired screening: registration comes next, back at the gate is
        // backwards.
        assert_eq!(
            order(&f, "registration", Some(&seen("screening"))),
            Verdict::Green
        );
        assert!(matches!(
            order(&f, "gate", Some(&seen("screening"))),
            Verdict::Amber(Caution::Backwards { .. })
        ));
    }

    #[test]
    fn skew_window() {
        assert!(!skew(1000, 1100, 300).flagged);
        let s = skew(0, 1000, 300);
        assert!(s.flagged);
        assert_eq!(s.seconds, -1000);
    }
}
