//! Protecting the people on the lists: the hand-off to headquarters and the wipe. Shared by
//! the web flow (two people) and `drawdown wipe` (one operator at the console).

use crate::WebError;
use drawdown_domain::audit::AuditEvent;
use drawdown_domain::people::PersonalDetails;
use drawdown_storage::{PersonRecord, Store, WipeOutcome};
use drawdown_vault::Vault;
use serde::Serialize;
use time::OffsetDateTime;

/// The associated data that binds a person's sealed record to its row.
pub fn person_aad(id: &str) -> Vec<u8> {
    format!("person:{id}").into_bytes()
}

#[derive(Serialize)]
struct HandoffPerson {
    id: String,
    category: String,
    priority: i64,
    site: Option<String>,
    details: PersonalDetails,
}

#[derive(Serialize)]
struct HandoffDocument {
    format: &'static str,
    organisation: Option<String>,
    exported_at: String,
    people: Vec<HandoffPerson>,
}

/// Checks headquarters' age recipient before any work is done.
pub fn check_recipient(recipient: &str) -> Result<(), WebError> {
    drawdown_vault::handoff_encrypt(recipient, b"")
        .map(|_| ())
        .map_err(|e| WebError::BadRequest(format!("headquarters' key: {e}")))
}

/// What a hand-off to headquarters carries, read from the database before the vault is used
/// (the vault's lock is never held across an await).
pub struct Handoff {
    rows: Vec<PersonRecord>,
    organisation: Option<String>,
}

impl Handoff {
    pub async fn load(store: &Store) -> Result<Handoff, WebError> {
        Ok(Handoff {
            rows: store.all_persons().await?,
            organisation: store.organisation().await?.map(|(name, _)| name),
        })
    }

    /// Every personal record, decrypted in memory and encrypted at once to headquarters' age
    /// recipient: nothing is written in the clear. Returns the armored age file and how many
    /// people it holds.
    pub fn seal_to(
        self,
        vault: &Vault,
        recipient: &str,
        now: OffsetDateTime,
    ) -> Result<(Vec<u8>, usize), WebError> {
        check_recipient(recipient)?;
        let mut people = Vec::with_capacity(self.rows.len());
        for r in self.rows {
            let plain = vault.open_sealed(&person_aad(&r.id), &r.sealed)?;
            let details: PersonalDetails = serde_json::from_slice(&plain)
                .map_err(|e| WebError::Internal(format!("sealed record {}: {e}", r.id)))?;
            people.push(HandoffPerson {
                id: r.id,
                category: r.category,
                priority: r.priority,
                site: r.site_code,
                details,
            });
        }
        let n = people.len();
        let doc = HandoffDocument {
            format: "drawdown-handoff-v1",
            organisation: self.organisation,
            exported_at: drawdown_storage::timestamp(now),
            people,
        };
        let json = zeroize::Zeroizing::new(
            serde_json::to_vec(&doc).map_err(|e| WebError::Internal(e.to_string()))?,
        );
        let sealed = drawdown_vault::handoff_encrypt(recipient, &json)
            .map_err(|e| WebError::BadRequest(format!("headquarters' key: {e}")))?;
        Ok((sealed, n))
    }
}

/// Destroys the key material. `confirm` carries the request id and the confirming user for
/// the two-person web flow.
pub async fn wipe(
    store: &Store,
    confirm: Option<(&str, &str)>,
    actor: &str,
    source: &str,
    now: OffsetDateTime,
) -> Result<WipeOutcome, WebError> {
    let event = AuditEvent::new(
        actor,
        "vault.wipe",
        "deployment",
        "key material destroyed",
        source,
    );
    Ok(store
        .destroy_key_material(confirm, actor, &event, now)
        .await?)
}
