-- The registry: many overlapping lists resolved into one set of persons.
-- A source is a list (HR, consular, SIV pipeline, a partner's spreadsheet, self-registration);
-- each import of it is recorded; each of its rows is kept sealed, with its provenance, and
-- linked to the person it was resolved into. Nothing personal is in the clear: keys are
-- blind indexes (HMAC under the vault's key), content is sealed.

CREATE TABLE sources (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    -- The column mapping last used, remembered for the next import: JSON [["header", "target"], …].
    mapping TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE imports (
    id TEXT PRIMARY KEY,
    source_id TEXT NOT NULL REFERENCES sources(id),
    file_name TEXT NOT NULL,
    format TEXT NOT NULL,
    encoding TEXT NOT NULL,
    rows_read INTEGER NOT NULL,
    rows_rejected INTEGER NOT NULL,
    added INTEGER NOT NULL,
    changed INTEGER NOT NULL,
    unchanged INTEGER NOT NULL,
    removed INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX imports_source ON imports(source_id);

CREATE TABLE source_rows (
    id TEXT PRIMARY KEY,
    source_id TEXT NOT NULL REFERENCES sources(id),
    -- Blind index of the list's own record id (or of the row's content when the list has none).
    record_key TEXT NOT NULL,
    -- Blind index of the row's mapped values: an unchanged row re-imported is recognised.
    content_key TEXT NOT NULL,
    row_number INTEGER NOT NULL,
    first_import TEXT NOT NULL REFERENCES imports(id),
    last_import TEXT NOT NULL REFERENCES imports(id),
    removed_in TEXT REFERENCES imports(id),
    person_id TEXT,
    sealed BLOB NOT NULL,
    UNIQUE (source_id, record_key)
);
CREATE INDEX source_rows_person ON source_rows(person_id);

-- Look-up keys of a person: blind indexes of name spellings (skeletons), documents, phones.
CREATE TABLE search_keys (
    person_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    key TEXT NOT NULL
);
CREATE INDEX search_keys_key ON search_keys(key, person_id);
CREATE INDEX search_keys_person ON search_keys(person_id, key);

-- A person's decision on a pair of rows: respected by every later run.
CREATE TABLE match_decisions (
    row_a TEXT NOT NULL,
    row_b TEXT NOT NULL,
    decision TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    PRIMARY KEY (row_a, row_b)
);

-- Pairs the engine could not decide, waiting for a person.
CREATE TABLE review_pairs (
    row_a TEXT NOT NULL,
    row_b TEXT NOT NULL,
    score REAL NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (row_a, row_b)
);

CREATE TABLE households (
    id TEXT PRIMARY KEY,
    head_person_id TEXT,
    confirmed INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

ALTER TABLE persons ADD COLUMN household_id TEXT;
ALTER TABLE persons ADD COLUMN priority_rule TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN priority_override INTEGER;
ALTER TABLE persons ADD COLUMN status TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN lap_infant INTEGER NOT NULL DEFAULT 0;
CREATE INDEX persons_household ON persons(household_id);
CREATE INDEX persons_priority ON persons(priority);

-- Rules that give each person a priority tier (1 first out), read in order: the first rule
-- whose conditions hold and whose dates include today applies. Conditions are a small JSON
-- object (category, SIV stage, claimed or verified status); a registrar edits them.
CREATE TABLE priority_rules (
    id TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    conditions TEXT NOT NULL,
    tier INTEGER NOT NULL,
    effective_from TEXT NOT NULL,
    effective_to TEXT,
    created_at TEXT NOT NULL
);

-- What each resolution run did (counts of pairs, EM iterations, links): not the model itself,
-- which holds how common each name is and stays in memory.
CREATE TABLE resolution_runs (
    id TEXT PRIMARY KEY,
    rows_total INTEGER NOT NULL,
    persons INTEGER NOT NULL,
    review_pairs INTEGER NOT NULL,
    stats TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Scratch space of a resolution run: which row belongs to which person (emptied after use).
CREATE TABLE row_links (
    row_id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL
);

-- Two persons a person confirmed travel together (a suggestion from a shared phone and name,
-- or a family met at the gate): respected by every rebuild.
CREATE TABLE household_links (
    person_a TEXT NOT NULL,
    person_b TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    PRIMARY KEY (person_a, person_b)
);

-- A claimed status confirmed: a person saw the document. Every rebuild keeps it.
CREATE TABLE verifications (
    person_id TEXT PRIMARY KEY,
    document TEXT NOT NULL,
    verified_by TEXT NOT NULL,
    verified_at TEXT NOT NULL
);
