//! The rules of the destruction ledger: what a record may claim, who may witness it.

use crate::{Device, DeviceStatus, Matrix, Method};

/// Why a destruction record or a witness is refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LedgerError {
    #[error("a quantity must be a whole number above zero (got {0})")]
    NotPositive(i64),
    #[error("cannot destroy {asked} {unit}: only {held} {unit} of this holding are left")]
    MoreThanHeld { asked: i64, held: i64, unit: String },
    #[error("this holding is already destroyed (nothing left)")]
    AlreadyDestroyed,
    #[error("method '{method}' is not approved for {kind} (approved: {approved})")]
    MethodNotAllowed {
        kind: String,
        method: String,
        approved: String,
    },
    #[error("device {device} is {status}: it cannot destroy anything until it is working")]
    DeviceNotWorking { device: String, status: String },
    #[error("device {device} does not {method} (it is a {own} device)")]
    DeviceMethod {
        device: String,
        method: String,
        own: String,
    },
    #[error("the witness cannot be the operator: a second person confirms (two-person rule)")]
    WitnessIsOperator,
    #[error("this record is already witnessed")]
    AlreadyWitnessed,
}

/// A destruction someone wants to record.
pub struct Proposed<'a> {
    pub kind: &'a str,
    pub kind_label: &'a str,
    pub unit: &'a str,
    pub held: i64,
    pub quantity: i64,
    pub method: Method,
    pub device: Option<&'a Device>,
}

/// Checks a record against what is held, the matrix and the device; returns what is left.
pub fn check_record(matrix: &Matrix, p: &Proposed) -> Result<i64, LedgerError> {
    if p.quantity <= 0 {
        return Err(LedgerError::NotPositive(p.quantity));
    }
    if p.held <= 0 {
        return Err(LedgerError::AlreadyDestroyed);
    }
    if p.quantity > p.held {
        return Err(LedgerError::MoreThanHeld {
            asked: p.quantity,
            held: p.held,
            unit: p.unit.to_string(),
        });
    }
    if !matrix.allows(p.kind, p.method) {
        return Err(LedgerError::MethodNotAllowed {
            kind: p.kind_label.to_string(),
            method: p.method.slug().to_string(),
            approved: matrix
                .methods_for(p.kind)
                .iter()
                .map(|m| m.slug())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    if let Some(d) = p.device {
        if d.status != DeviceStatus::Working {
            return Err(LedgerError::DeviceNotWorking {
                device: d.name.clone(),
                status: d.status.label().to_string(),
            });
        }
        if d.method != p.method {
            return Err(LedgerError::DeviceMethod {
                device: d.name.clone(),
                method: p.method.slug().to_string(),
                own: d.method.slug().to_string(),
            });
        }
    }
    Ok(p.held - p.quantity)
}

/// The two-person rule: the witness is someone else, and witnesses once.
pub fn check_witness(
    operator: &str,
    witness: &str,
    already_witnessed: bool,
) -> Result<(), LedgerError> {
    if already_witnessed {
        return Err(LedgerError::AlreadyWitnessed);
    }
    if operator.trim().eq_ignore_ascii_case(witness.trim()) {
        return Err(LedgerError::WitnessIsOperator);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::default_kinds;
    use proptest::prelude::*;

    fn disintegrator(status: DeviceStatus) -> Device {
        Device {
            id: "d1".into(),
            name: "Disintegrator".into(),
            method: Method::Disintegrate,
            kg_per_hour: 100.0,
            hours_per_day: 10.0,
            status,
        }
    }

    fn proposed<'a>(
        held: i64,
        quantity: i64,
        method: Method,
        device: Option<&'a Device>,
    ) -> Proposed<'a> {
        Proposed {
            kind: "ssd",
            kind_label: "Solid-state drives",
            unit: "items",
            held,
            quantity,
            method,
            device,
        }
    }

    #[test]
    fn bad_records_are_refused_with_reasons() {
        let m = Matrix::new(&default_kinds(), &[]);
        let ok = disintegrator(DeviceStatus::Working);
        let broken = disintegrator(DeviceStatus::Broken);
        assert_eq!(
            check_record(&m, &proposed(10, 4, Method::Disintegrate, Some(&ok))),
            Ok(6)
        );
        assert_eq!(
            check_record(&m, &proposed(10, -1, Method::Disintegrate, None)),
            Err(LedgerError::NotPositive(-1))
        );
        assert!(matches!(
            check_record(&m, &proposed(10, 11, Method::Disintegrate, None)),
            Err(LedgerError::MoreThanHeld {
                asked: 11,
                held: 10,
                ..
            })
        ));
        assert_eq!(
            check_record(&m, &proposed(0, 1, Method::Disintegrate, None)),
            Err(LedgerError::AlreadyDestroyed)
        );
        let e =
            check_record(&m, &proposed(10, 1, Method::DegaussDestroy, None)).expect_err("refused");
        assert!(
            e.to_string()
                .contains("not approved for Solid-state drives"),
            "{e}"
        );
        assert!(matches!(
            check_record(&m, &proposed(10, 1, Method::Disintegrate, Some(&broken))),
            Err(LedgerError::DeviceNotWorking { .. })
        ));
        assert!(matches!(
            check_record(&m, &proposed(10, 1, Method::Incinerate, Some(&ok))),
            Err(LedgerError::DeviceMethod { .. })
        ));
    }

    #[test]
    fn two_persons() {
        assert_eq!(
            check_witness("ana", "Ana", false),
            Err(LedgerError::WitnessIsOperator)
        );
        assert_eq!(
            check_witness("ana", "bo", true),
            Err(LedgerError::AlreadyWitnessed)
        );
        assert_eq!(check_witness("ana", "bo", false), Ok(()));
    }

    proptest! {
        /// A record never leaves a negative quantity, and never destroys more than is held.
        #[test]
        fn never_negative(held in -5i64..1000, quantity in -5i64..1500) {
            let m = Matrix::new(&default_kinds(), &[]);
            match check_record(&m, &proposed(held, quantity, Method::Disintegrate, None)) {
                Ok(left) => {
                    prop_assert!(left >= 0);
                    prop_assert!(quantity <= held && quantity > 0);
                    prop_assert_eq!(left, held - quantity);
                }
                Err(_) => prop_assert!(quantity <= 0 || quantity > held || held <= 0),
            }
        }
    }
}
