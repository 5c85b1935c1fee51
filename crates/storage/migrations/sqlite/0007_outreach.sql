-- Outreach: self-registrations, alert templates, alerts, the outbox, replies.
-- Personal data (addresses, texts addressed to a person, replies) is sealed by the vault.

-- A self-registration: its rows are rows of the list "Self-registration" (source_rows); this
-- table only lets the person come back with the reference and secret they were given.
CREATE TABLE registrations (
    reference TEXT PRIMARY KEY,
    -- SHA-256 of the secret (a random code of 60 bits: no slow hash needed).
    secret_hash TEXT NOT NULL,
    language TEXT NOT NULL,
    -- JSON ["row id", …]: the person registering first, then who travels with them.
    row_ids TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updates INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE alert_templates (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    -- JSON {"en": {"subject", "body"}, "fa": …, "ps": …}: not personal.
    texts TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- A message to a segment: composed, approved when large, then queued per recipient.
CREATE TABLE alerts (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    texts TEXT NOT NULL,
    -- JSON of the message's own fields (gate, report time, what to bring …).
    fields TEXT NOT NULL,
    -- JSON of the segment's filters, and the same in words.
    segment TEXT NOT NULL,
    segment_text TEXT NOT NULL,
    channels TEXT NOT NULL,
    people INTEGER NOT NULL,
    addresses INTEGER NOT NULL,
    -- awaiting_approval, queued, cancelled
    state TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    approved_by TEXT,
    approved_at TEXT
);
CREATE INDEX alerts_created ON alerts(created_at);

-- One message to one address. `sealed` holds the address and the text.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    alert_id TEXT NOT NULL REFERENCES alerts(id),
    person_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    sealed BLOB NOT NULL,
    -- queued, sending, sent, failed, bounced
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX outbox_due ON outbox(state, next_attempt_at);
CREATE INDEX outbox_alert ON outbox(alert_id, state);
CREATE INDEX outbox_person ON outbox(person_id);

-- Replies that came back through the SMS gateway, attached to the person whose phone sent
-- them (when one is known). `phone_key` is a blind index of the number.
CREATE TABLE inbound_messages (
    id TEXT PRIMARY KEY,
    person_id TEXT,
    phone_key TEXT NOT NULL,
    sealed BLOB NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX inbound_person ON inbound_messages(person_id);
