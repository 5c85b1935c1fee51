//! The audit log's hash chain. Each entry's hash covers its content and the previous entry's
//! hash, so an edit, a deletion or a reordering shows up when the chain is walked again.
//! The position (`seq`) is deliberately outside the hash: swapping two entries' positions then
//! reads as a broken link (reordered), not as an edit.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The hash that the first entry links to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened, by whom, from where. Never personal data: targets are opaque ids.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
    pub source: String,
}

impl AuditEvent {
    pub fn new(
        actor: impl Into<String>,
        action: impl Into<String>,
        target: impl Into<String>,
        detail: impl Into<String>,
        source: impl Into<String>,
    ) -> Self {
        AuditEvent {
            actor: actor.into(),
            action: action.into(),
            target: target.into(),
            detail: detail.into(),
            source: source.into(),
        }
    }
}

/// One stored entry of the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: i64,
    /// RFC 3339, UTC.
    pub at: String,
    #[serde(flatten)]
    pub event: AuditEvent,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of an entry: SHA-256 over length-prefixed fields, so no two field splits collide.
pub fn entry_hash(prev_hash: &str, at: &str, e: &AuditEvent) -> String {
    let mut h = Sha256::new();
    for field in [
        prev_hash, at, &e.actor, &e.action, &e.target, &e.detail, &e.source,
    ] {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Builds the next entry after `prev` (None for the first).
pub fn next_entry(prev: Option<(i64, &str)>, at: String, event: AuditEvent) -> AuditEntry {
    let (seq, prev_hash) = match prev {
        Some((seq, hash)) => (seq + 1, hash.to_string()),
        None => (1, GENESIS.to_string()),
    };
    let hash = entry_hash(&prev_hash, &at, &event);
    AuditEntry {
        seq,
        at,
        event,
        prev_hash,
        hash,
    }
}

/// Something wrong in the chain, and where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChainProblem {
    /// The entry's content no longer matches its hash.
    Altered { seq: i64 },
    /// Positions `from..=to` are absent.
    Missing { from: i64, to: i64 },
    /// The entry is intact but does not follow the one before it.
    Reordered { seq: i64 },
    /// The chain ends before the recorded head: entries at the end were removed.
    Truncated { last_seq: i64, head_seq: i64 },
    /// The recorded head names a hash the chain does not have.
    HeadMismatch { seq: i64 },
}

impl std::fmt::Display for ChainProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainProblem::Altered { seq } => write!(
                f,
                "entry {seq} was altered: its content does not match its hash"
            ),
            ChainProblem::Missing { from, to } if from == to => {
                write!(f, "entry {from} was removed")
            }
            ChainProblem::Missing { from, to } => write!(f, "entries {from} to {to} were removed"),
            ChainProblem::Reordered { seq } => write!(
                f,
                "entry {seq} does not follow the entry before it: entries were reordered, inserted or removed and renumbered"
            ),
            ChainProblem::Truncated { last_seq, head_seq } => write!(
                f,
                "the log ends at entry {last_seq} but had reached entry {head_seq}: entries at the end were removed"
            ),
            ChainProblem::HeadMismatch { seq } => write!(
                f,
                "entry {seq} is not the entry the log recorded as its last"
            ),
        }
    }
}

/// The outcome of walking the chain.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    pub checked: u64,
    pub last_seq: i64,
    pub problems: Vec<ChainProblem>,
}

impl ChainReport {
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Walks entries in stored order, incrementally, so a long log needs no memory.
#[derive(Default)]
pub struct ChainVerifier {
    report: ChainReport,
    prev_hash: Option<String>,
}

impl ChainVerifier {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, e: &AuditEntry) {
        let r = &mut self.report;
        let expected_seq = r.last_seq + 1;
        let gap = e.seq > expected_seq;
        if gap {
            r.problems.push(ChainProblem::Missing {
                from: expected_seq,
                to: e.seq - 1,
            });
        }
        let intact = entry_hash(&e.prev_hash, &e.at, &e.event) == e.hash;
        if !intact {
            r.problems.push(ChainProblem::Altered { seq: e.seq });
        }
        let expected_prev = self.prev_hash.as_deref().unwrap_or(GENESIS);
        // A broken link after a gap is explained by the gap; report it only otherwise.
        if intact && !gap && e.prev_hash != expected_prev {
            r.problems.push(ChainProblem::Reordered { seq: e.seq });
        }
        r.checked += 1;
        r.last_seq = e.seq;
        self.prev_hash = Some(e.hash.clone());
    }

    /// Finishes against the recorded head (last seq and hash), when there is one.
    pub fn finish(mut self, head: Option<(i64, &str)>) -> ChainReport {
        if let Some((head_seq, head_hash)) = head {
            let r = &mut self.report;
            if r.last_seq < head_seq {
                r.problems.push(ChainProblem::Truncated {
                    last_seq: r.last_seq,
                    head_seq,
                });
            } else if r.last_seq == head_seq && self.prev_hash.as_deref() != Some(head_hash) {
                r.problems
                    .push(ChainProblem::HeadMismatch { seq: head_seq });
            }
        }
        self.report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut out: Vec<AuditEntry> = Vec::new();
        for i in 0..n {
            let prev = out.last().map(|e| (e.seq, e.hash.as_str()));
            let ev = AuditEvent::new("admin", "user.create", format!("user:{i}"), "", "127.0.0.1");
            let e = next_entry(prev, format!("2021-08-15T10:00:{i:02}Z"), ev);
            out.push(e);
        }
        out
    }

    fn verify(entries: &[AuditEntry]) -> ChainReport {
        let mut v = ChainVerifier::new();
        entries.iter().for_each(|e| v.push(e));
        let head = chain_head(entries);
        v.finish(head.as_ref().map(|(s, h)| (*s, h.as_str())))
    }

    fn chain_head(entries: &[AuditEntry]) -> Option<(i64, String)> {
        entries.last().map(|e| (e.seq, e.hash.clone()))
    }

    #[test]
    fn intact_chain_verifies() {
        let c = chain(10);
        let r = verify(&c);
        assert!(r.is_intact(), "{:?}", r.problems);
        assert_eq!((r.checked, r.last_seq), (10, 10));
    }

    #[test]
    fn edit_is_caught_where_it_happened() {
        let mut c = chain(10);
        c[4].event.detail = "nothing to see".into();
        let r = verify(&c);
        assert_eq!(r.problems, vec![ChainProblem::Altered { seq: 5 }]);
    }

    #[test]
    fn deletion_is_caught() {
        let mut c = chain(10);
        c.remove(6);
        assert_eq!(
            verify(&c).problems,
            vec![ChainProblem::Missing { from: 7, to: 7 }]
        );
    }

    #[test]
    fn deletion_with_renumbering_is_caught() {
        let mut c = chain(10);
        c.remove(6);
        for (i, e) in c.iter_mut().enumerate() {
            e.seq = i as i64 + 1;
        }
        let head = (10, "whatever".to_string());
        let mut v = ChainVerifier::new();
        c.iter().for_each(|e| v.push(e));
        let r = v.finish(Some((head.0, &head.1)));
        assert!(r.problems.contains(&ChainProblem::Reordered { seq: 7 }));
        assert!(r.problems.contains(&ChainProblem::Truncated {
            last_seq: 9,
            head_seq: 10
        }));
    }

    #[test]
    fn reordering_is_caught() {
        let mut c = chain(10);
        // Swap the positions of entries 3 and 4.
        c.swap(2, 3);
        c[2].seq = 3;
        c[3].seq = 4;
        let r = verify(&c);
        assert!(
            r.problems.contains(&ChainProblem::Reordered { seq: 3 }),
            "{:?}",
            r.problems
        );
        assert!(
            !r.problems
                .iter()
                .any(|p| matches!(p, ChainProblem::Altered { .. }))
        );
    }

    #[test]
    fn truncation_is_caught_by_the_head() {
        let c = chain(10);
        let head = chain_head(&c).unwrap();
        let mut v = ChainVerifier::new();
        c[..8].iter().for_each(|e| v.push(e));
        let r = v.finish(Some((head.0, &head.1)));
        assert_eq!(
            r.problems,
            vec![ChainProblem::Truncated {
                last_seq: 8,
                head_seq: 10
            }]
        );
    }

    #[test]
    fn field_boundaries_do_not_collide() {
        let a = AuditEvent::new("ab", "c", "", "", "");
        let b = AuditEvent::new("a", "bc", "", "", "");
        assert_ne!(entry_hash(GENESIS, "t", &a), entry_hash(GENESIS, "t", &b));
    }
}
