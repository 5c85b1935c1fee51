//! Roles and what they may do. Every route declares the [`Permission`] it needs; roles grant
//! permissions. Least privilege: the administrator manages accounts but does not read the
//! registry, and checkpoint agents see counts, never lists.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A role a user (or a device token) holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Administrator,
    Committee,
    Registrar,
    Movement,
    Checkpoint,
    Destruction,
    Viewer,
    Wipe,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Administrator,
        Role::Committee,
        Role::Registrar,
        Role::Movement,
        Role::Checkpoint,
        Role::Destruction,
        Role::Viewer,
        Role::Wipe,
    ];

    /// The stable identifier used in the database, the CLI and the API.
    pub fn slug(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::Committee => "committee",
            Role::Registrar => "registrar",
            Role::Movement => "movement",
            Role::Checkpoint => "checkpoint",
            Role::Destruction => "destruction",
            Role::Viewer => "viewer",
            Role::Wipe => "wipe",
        }
    }

    /// What people call the role.
    pub fn label(self) -> &'static str {
        match self {
            Role::Administrator => "Administrator",
            Role::Committee => "Emergency Action Committee",
            Role::Registrar => "Registrar (consular, HR, partners)",
            Role::Movement => "Movement officer",
            Role::Checkpoint => "Checkpoint agent",
            Role::Destruction => "Destruction officer",
            Role::Viewer => "Viewer",
            Role::Wipe => "Wipe authority",
        }
    }

    pub fn parse(s: &str) -> Result<Role, UnknownRole> {
        Role::ALL
            .into_iter()
            .find(|r| r.slug() == s.trim())
            .ok_or_else(|| UnknownRole(s.trim().to_string()))
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }

    /// The permissions this role grants.
    pub fn grants(self, p: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Administrator => matches!(
                p,
                ViewDashboard
                    | ViewPosture
                    | ViewMovement
                    | ViewAccountability
                    | ViewDestruction
                    | ManageUsers
                    | ManageTokens
                    | ViewAudit
                    | UnlockVault
            ),
            Role::Committee => matches!(
                p,
                ViewDashboard
                    | ViewPosture
                    | ManagePosture
                    | ViewPeople
                    | ViewMovement
                    | ViewAccountability
                    | ViewDestruction
                    | WitnessDestruction
                    | SendAlerts
            ),
            Role::Registrar => matches!(
                p,
                ViewDashboard | ViewPeople | ManagePeople | ViewAccountability | SendAlerts
            ),
            Role::Movement => matches!(
                p,
                ViewDashboard | ViewPeople | ViewMovement | ManageMovement | ViewAccountability
            ),
            Role::Checkpoint => matches!(p, ViewDashboard | ScanCheckpoint | ViewAccountability),
            Role::Destruction => {
                matches!(
                    p,
                    ViewDashboard | ViewDestruction | ManageDestruction | WitnessDestruction
                )
            }
            Role::Viewer => matches!(
                p,
                ViewDashboard | ViewPosture | ViewMovement | ViewAccountability | ViewDestruction
            ),
            Role::Wipe => matches!(p, ViewDashboard | Wipe),
        }
    }

    /// Roles a device token may carry: never accounts, audit or wipe powers.
    pub fn allowed_for_token(self) -> bool {
        matches!(
            self,
            Role::Checkpoint | Role::Viewer | Role::Registrar | Role::Movement
        )
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error(
    "unknown role '{0}' (roles: administrator, committee, registrar, movement, checkpoint, destruction, viewer, wipe)"
)]
pub struct UnknownRole(pub String);

/// What a route needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    ViewDashboard,
    ViewPosture,
    ManagePosture,
    ViewPeople,
    ManagePeople,
    ViewMovement,
    ManageMovement,
    ScanCheckpoint,
    ViewAccountability,
    SendAlerts,
    ViewDestruction,
    ManageDestruction,
    ManageUsers,
    ManageTokens,
    ViewAudit,
    UnlockVault,
    Wipe,
    /// Confirm another person's destruction record as its witness (two-person rule).
    WitnessDestruction,
}

impl Permission {
    pub const ALL: [Permission; 18] = {
        use Permission::*;
        [
            ViewDashboard,
            ViewPosture,
            ManagePosture,
            ViewPeople,
            ManagePeople,
            ViewMovement,
            ManageMovement,
            ScanCheckpoint,
            ViewAccountability,
            SendAlerts,
            ViewDestruction,
            ManageDestruction,
            ManageUsers,
            ManageTokens,
            ViewAudit,
            UnlockVault,
            Wipe,
            WitnessDestruction,
        ]
    };

    /// The roles that grant this permission, for "you need one of …" messages.
    pub fn granted_by(self) -> Vec<Role> {
        Role::ALL.into_iter().filter(|r| r.grants(self)).collect()
    }
}

/// A set of roles, stored as a comma-separated list of slugs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct RoleSet(u16);

impl RoleSet {
    pub fn empty() -> Self {
        RoleSet(0)
    }
    pub fn of(roles: &[Role]) -> Self {
        RoleSet(roles.iter().fold(0, |acc, r| acc | r.bit()))
    }
    pub fn contains(self, r: Role) -> bool {
        self.0 & r.bit() != 0
    }
    pub fn insert(&mut self, r: Role) {
        self.0 |= r.bit();
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub fn iter(self) -> impl Iterator<Item = Role> {
        Role::ALL.into_iter().filter(move |r| self.contains(*r))
    }
    pub fn allows(self, p: Permission) -> bool {
        self.iter().any(|r| r.grants(p))
    }
    /// Parses "registrar, movement"; an empty string is the empty set.
    pub fn parse(s: &str) -> Result<Self, UnknownRole> {
        let mut set = RoleSet::empty();
        for part in s.split(',').filter(|p| !p.trim().is_empty()) {
            set.insert(Role::parse(part)?);
        }
        Ok(set)
    }
}

impl fmt::Display for RoleSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let slugs: Vec<&str> = self.iter().map(Role::slug).collect();
        f.write_str(&slugs.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roleset_round_trips() {
        let set = RoleSet::parse("registrar, movement").unwrap();
        assert!(set.contains(Role::Registrar) && set.contains(Role::Movement));
        assert!(!set.contains(Role::Wipe));
        assert_eq!(RoleSet::parse(&set.to_string()).unwrap(), set);
        assert_eq!(RoleSet::parse("").unwrap(), RoleSet::empty());
        assert!(RoleSet::parse("registrar,king").is_err());
    }

    #[test]
    fn least_privilege_holds() {
        // The administrator manages accounts but cannot read the registry or wipe.
        assert!(Role::Administrator.grants(Permission::ManageUsers));
        assert!(!Role::Administrator.grants(Permission::ViewPeople));
        assert!(!Role::Administrator.grants(Permission::Wipe));
        // Checkpoint agents scan; they never see lists.
        assert!(!Role::Checkpoint.grants(Permission::ViewPeople));
        // A witness is a destruction officer or a committee member, never a viewer or the
        // administrator (the operator is refused by the ledger itself).
        assert_eq!(
            Permission::WitnessDestruction.granted_by(),
            vec![Role::Committee, Role::Destruction]
        );
        // Only wipe authorities wipe.
        assert_eq!(Permission::Wipe.granted_by(), vec![Role::Wipe]);
        // Every permission is granted by someone.
        for p in Permission::ALL {
            assert!(!p.granted_by().is_empty(), "{p:?} is granted by nobody");
        }
    }

    #[test]
    fn tokens_never_carry_powers() {
        for r in [Role::Administrator, Role::Wipe, Role::Committee] {
            assert!(!r.allowed_for_token());
        }
        assert!(Role::Checkpoint.allowed_for_token());
    }
}
