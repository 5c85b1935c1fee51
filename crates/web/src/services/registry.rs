//! The registry: lists imported with their provenance, their rows sealed, all of it resolved
//! into one set of persons by the engine (`drawdown-resolution`).
//!
//! An import is planned first (parse, map, compare with what the list had: nothing written),
//! then committed whole; a resolution run then rebuilds the persons from every live row,
//! keeping person ids stable and respecting every decision a person made on a pair.

use crate::WebError;
use drawdown_domain::audit::AuditEvent;
use drawdown_domain::people::{Category, PersonalDetails};
use drawdown_domain::priority::{Facts, Rule};
use drawdown_import::{Format, Limits, MappedRow, Mapping, RowProblem, Suggestion, Target};
use drawdown_resolution::{Field, RawRecord};
use drawdown_storage::Store;
use drawdown_storage::registry::{
    ImportWrite, NewSourceRow, ResolutionWrite, ResolvedPerson, SourceRow,
};
use drawdown_vault::Vault;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use time::OffsetDateTime;

/// The associated data binding a list row's sealed content to that row.
pub fn row_aad(id: &str) -> Vec<u8> {
    format!("row:{id}").into_bytes()
}

/// A list row's mapped values, by target name: what is sealed for each row.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RowValues(pub BTreeMap<String, String>);

impl RowValues {
    fn from_mapped(row: &MappedRow) -> RowValues {
        let mut map = BTreeMap::new();
        for (t, v) in &row.values {
            map.entry(t.name().to_string()).or_insert_with(|| v.clone());
        }
        RowValues(map)
    }

    pub fn get(&self, t: Target) -> Option<&str> {
        self.0
            .get(t.name())
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// One canonical text of the values, for change detection.
    pub fn canonical(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}\u{1f}"))
            .collect()
    }

    pub fn open(vault: &Vault, row: &SourceRow) -> Result<RowValues, WebError> {
        let plain = vault.open_sealed(&row_aad(&row.id), &row.sealed)?;
        serde_json::from_slice(&plain)
            .map_err(|e| WebError::Internal(format!("row {}: {e}", row.id)))
    }

    /// The engine's view of the row.
    pub fn to_record(&self, id: &str, source: &str) -> RawRecord {
        let mut r = RawRecord::new(id, source);
        for f in Field::ALL {
            if let Some(v) = Target::parse(f.name()).and_then(|t| self.get(t)) {
                r.set(f, v);
            }
        }
        r
    }
}

/// What the user gives to import a list.
pub struct ImportInput {
    pub source: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
    /// What the file is; guessed from the name when absent.
    pub format: Option<Format>,
    /// A corrected mapping (one entry per column); the remembered or suggested one otherwise.
    pub mapping: Option<Vec<Option<Target>>>,
    /// Corrections by header (case ignored), laid over whichever mapping applies: `None`
    /// leaves the column out (the console's `--map Header=field`).
    pub overrides: Vec<(String, Option<Target>)>,
}

/// A planned import: everything a dry run shows, and the write it would make.
pub struct ImportPlan {
    pub source: String,
    pub file_name: String,
    pub format: Format,
    pub encoding: &'static str,
    pub headers: Vec<String>,
    pub mapping: Vec<Option<Target>>,
    pub suggestions: Vec<Suggestion>,
    /// Where the mapping came from: "remembered for this list", "suggested from the headers",
    /// "as you corrected it".
    pub mapping_origin: &'static str,
    pub problems: Vec<RowProblem>,
    pub rows_read: usize,
    pub added: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub removed: usize,
    write: ImportWrite,
}

pub const MAX_IMPORT_BYTES: usize = 256 << 20;

/// The mapping as the list remembers it: `[[header, target], …]`.
fn mapping_json(headers: &[String], mapping: &Mapping) -> String {
    serde_json::to_string(&mapping.to_pairs(headers)).unwrap_or_else(|_| "[]".into())
}

/// The remembered mapping laid over this file's headers, if it maps any of them.
fn remembered(headers: &[String], json: &str) -> Option<Vec<Option<Target>>> {
    let pairs: Vec<(String, Target)> = serde_json::from_str(json).ok()?;
    let m = Mapping::from_pairs(headers, &pairs);
    m.columns.iter().any(Option::is_some).then_some(m.columns)
}

/// Parses, maps and compares a list with what the registry has of it. Writes nothing.
pub async fn plan_import(
    store: &Store,
    vault: &Vault,
    input: ImportInput,
    actor: &str,
) -> Result<ImportPlan, WebError> {
    let name = input.source.trim().to_string();
    if name.is_empty() || name.len() > 120 {
        return Err(WebError::BadRequest(
            "name the list (e.g. \"HR staff\" or \"Partner A\")".into(),
        ));
    }
    let format = input
        .format
        .or_else(|| Format::from_file_name(&input.file_name))
        .ok_or_else(|| {
            WebError::BadRequest(format!(
                "cannot tell the format of '{}': use .csv, .xlsx or .json",
                input.file_name
            ))
        })?;
    let limits = Limits {
        max_bytes: MAX_IMPORT_BYTES,
        ..Limits::default()
    };
    let parsed = drawdown_import::read_table(&input.bytes, format, &limits)
        .map_err(|e| WebError::BadRequest(format!("{}: {e}", input.file_name)))?;
    let table = parsed.table;
    let source = store.source_by_name(&name).await?;
    let (suggested, suggestions) =
        drawdown_import::suggest_mapping(&table.headers, table.hxl.as_deref());
    let (columns, mapping_origin) = match (
        input.mapping,
        source
            .as_ref()
            .and_then(|s| remembered(&table.headers, &s.mapping)),
    ) {
        (Some(m), _) => (m, "as you corrected it"),
        (None, Some(m)) => {
            // Columns the list did not have before get the suggestion, if its field is free.
            let mut merged = m;
            for (i, s) in suggested.columns.iter().enumerate() {
                if merged[i].is_none() && s.is_some() && !merged.contains(s) {
                    merged[i] = *s;
                }
            }
            (merged, "remembered for this list")
        }
        (None, None) => (suggested.columns.clone(), "suggested from the headers"),
    };
    let (columns, mapping_origin) = if input.overrides.is_empty() {
        (columns, mapping_origin)
    } else {
        let mut columns = columns;
        for (h, t) in &input.overrides {
            let i = table
                .headers
                .iter()
                .position(|x| x.trim().to_lowercase() == h.trim().to_lowercase())
                .ok_or_else(|| {
                    WebError::BadRequest(format!("the file has no column '{h}' to map"))
                })?;
            columns[i] = *t;
        }
        (columns, "as you corrected it")
    };
    if columns.len() != table.headers.len() {
        return Err(WebError::BadRequest(format!(
            "the mapping has {} columns but the file has {}",
            columns.len(),
            table.headers.len()
        )));
    }
    let mapping = Mapping {
        columns: columns.clone(),
    };
    if !mapping.repeated().is_empty() {
        return Err(WebError::BadRequest(format!(
            "two columns feed the same field: {}",
            mapping
                .repeated()
                .iter()
                .map(|t| t.label())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let (mapped, mut problems) = drawdown_import::apply_mapping(&table, &mapping);
    problems.splice(0..0, parsed.problems);

    let source_id = source
        .as_ref()
        .map(|s| s.id.clone())
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let known: HashMap<String, drawdown_storage::registry::RowKey> = match &source {
        Some(s) => store
            .row_keys(&s.id)
            .await?
            .into_iter()
            .map(|k| (k.record_key.clone(), k))
            .collect(),
        None => HashMap::new(),
    };
    let mut write = ImportWrite {
        import_id: uuid::Uuid::now_v7().to_string(),
        source_id,
        source_name: name.clone(),
        mapping: mapping_json(&table.headers, &mapping),
        file_name: input.file_name.clone(),
        format: format!("{format:?}").to_lowercase(),
        encoding: table.encoding.to_string(),
        rows_read: table.rows.len() as i64,
        rows_rejected: 0,
        added: vec![],
        changed: vec![],
        unchanged: vec![],
        removed: vec![],
        created_by: actor.to_string(),
    };
    let mut seen = std::collections::HashSet::new();
    for row in &mapped {
        let values = RowValues::from_mapped(row);
        let canonical = values.canonical();
        let record_key = match values.get(Target::RecordId) {
            Some(id) => vault.blind_index(&format!("row-id:{name}"), id),
            None => vault.blind_index(&format!("row-content:{name}"), &canonical),
        };
        if !seen.insert(record_key.clone()) {
            // Two identical rows without ids: the second adds nothing.
            continue;
        }
        let content_key = vault.blind_index(&format!("row-content:{name}"), &canonical);
        let number = row.row as i64;
        match known.get(&record_key) {
            Some(k) if k.content_key == content_key => write.unchanged.push((k.id.clone(), number)),
            Some(k) => write.changed.push(seal_row(
                vault,
                k.id.clone(),
                record_key,
                content_key,
                number,
                &values,
            )?),
            None => write.added.push(seal_row(
                vault,
                uuid::Uuid::now_v7().to_string(),
                record_key,
                content_key,
                number,
                &values,
            )?),
        }
    }
    write.removed = known
        .values()
        .filter(|k| !k.removed && !seen.contains(&k.record_key))
        .map(|k| k.id.clone())
        .collect();
    write.rows_rejected = problems
        .iter()
        .filter(|p| p.effect == drawdown_import::Effect::RowSkipped)
        .map(|p| p.row)
        .collect::<std::collections::HashSet<_>>()
        .len() as i64;
    Ok(ImportPlan {
        source: name,
        file_name: input.file_name,
        format,
        encoding: table.encoding,
        headers: table.headers,
        mapping: columns,
        suggestions,
        mapping_origin,
        problems,
        rows_read: table.rows.len(),
        added: write.added.len(),
        changed: write.changed.len(),
        unchanged: write.unchanged.len(),
        removed: write.removed.len(),
        write,
    })
}

pub fn seal_row(
    vault: &Vault,
    id: String,
    record_key: String,
    content_key: String,
    row_number: i64,
    values: &RowValues,
) -> Result<NewSourceRow, WebError> {
    let json = zeroize::Zeroizing::new(
        serde_json::to_vec(values).map_err(|e| WebError::Internal(e.to_string()))?,
    );
    Ok(NewSourceRow {
        sealed: vault.seal(&row_aad(&id), &json)?,
        id,
        record_key,
        content_key,
        row_number,
    })
}

/// Writes a planned import (whole or nothing), audited.
pub async fn commit_import(
    store: &Store,
    plan: ImportPlan,
    actor: &str,
    source_ip: &str,
    now: OffsetDateTime,
) -> Result<String, WebError> {
    let w = &plan.write;
    let ev = AuditEvent::new(
        actor,
        "registry.import",
        format!("import:{}", w.import_id),
        format!(
            "list={} file={} rows={} added={} changed={} unchanged={} removed={} rejected={}",
            plan.source,
            plan.file_name,
            plan.rows_read,
            plan.added,
            plan.changed,
            plan.unchanged,
            plan.removed,
            w.rows_rejected
        ),
        source_ip,
    );
    store.commit_import(w, &ev, now).await?;
    Ok(w.import_id.clone())
}

/// The resolved registry in memory, for matching one new row at once (a person typed in by
/// hand, a walk-up) without a full run: the engine's index and, per engine cluster, the
/// person it became. Held in memory only: it carries how common each name is.
pub struct Matcher {
    pub index: drawdown_resolution::Index,
    person_of_cluster: Vec<Option<String>>,
}

impl Matcher {
    /// The person on the registry this record is, if the engine would merge it into one.
    pub fn person_for(&self, r: &RawRecord) -> Option<&str> {
        let c = self.index.assign(r).cluster?;
        self.person_of_cluster.get(c as usize)?.as_deref()
    }
}

/// What a resolution run did.
#[derive(Clone, Debug, Serialize)]
pub struct ResolveSummary {
    pub rows: usize,
    pub persons: usize,
    pub review: usize,
    pub households: usize,
}

/// The category a person's rows give them: the most specific claim the lists make, a claim
/// that only self-registration makes staying "claimed".
fn category_of(rows: &[&RowValues]) -> (Category, &'static str) {
    let mut best: Option<Category> = None;
    for v in rows {
        if let Some(c) = v.get(Target::Category).and_then(parse_category) {
            best = Some(match best {
                Some(b) if b.default_priority() <= c.default_priority() => b,
                _ => c,
            });
        }
    }
    if let Some(c) = best {
        return (c, "");
    }
    let claimed = rows
        .iter()
        .find_map(|v| v.get(Target::ClaimedStatus).and_then(parse_category));
    match claimed {
        Some(c) => (c, "claimed, unverified"),
        None => (Category::OtherAtRisk, ""),
    }
}

/// Reads a category as lists write it: a slug, a label, or common words.
pub fn parse_category(s: &str) -> Option<Category> {
    let t = s.trim().to_lowercase().replace(['-', ' '], "_");
    if let Some(c) = Category::parse(&t) {
        return Some(c);
    }
    Some(match t.as_str() {
        x if x.contains("siv") => Category::SivApplicant,
        x if x.contains("refugee") || x.contains("p1") || x.contains("p2") => {
            Category::RefugeeReferral
        }
        x if x.contains("green_card") || x.contains("lpr") || x.contains("permanent") => {
            Category::PermanentResident
        }
        x if x.contains("staff")
            && (x.contains("us") || x.contains("citizen") || x.contains("american")) =>
        {
            Category::StaffCitizen
        }
        x if x.contains("staff") || x.contains("lesc") || x.contains("employee") => {
            Category::StaffLocal
        }
        x if x.contains("citizen") || x.contains("amcit") || x == "us" => Category::Citizen,
        x if x.contains("third") || x.contains("tcn") => Category::ThirdCountryNational,
        x if x.contains("risk") => Category::OtherAtRisk,
        _ => return None,
    })
}

/// The most common non-empty value of a field among a person's rows (ties: the longest).
fn consensus(rows: &[&RowValues], t: Target) -> String {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for v in rows {
        if let Some(x) = v.get(t) {
            *counts.entry(x).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .max_by(|a, b| {
            a.1.cmp(&b.1)
                .then(a.0.len().cmp(&b.0.len()))
                .then(b.0.cmp(a.0))
        })
        .map(|(v, _)| v.to_string())
        .unwrap_or_default()
}

fn details_of(rows: &[&RowValues]) -> PersonalDetails {
    let mut d = PersonalDetails {
        given_name: consensus(rows, Target::GivenName),
        family_name: consensus(rows, Target::FamilyName),
        birth_date: {
            // A full date says more than a year, and 1 January is often a placeholder.
            let full: Vec<&RowValues> = rows
                .iter()
                .copied()
                .filter(|v| {
                    v.get(Target::DateOfBirth)
                        .is_some_and(|d| d.len() >= 10 && !d.ends_with("-01-01"))
                })
                .collect();
            consensus(
                if full.is_empty() { rows } else { &full },
                Target::DateOfBirth,
            )
        },
        phone: consensus(rows, Target::Phone),
        email: consensus(rows, Target::Email),
        document_number: {
            let p = consensus(rows, Target::PassportNo);
            if p.is_empty() {
                consensus(rows, Target::NationalId)
            } else {
                p
            }
        },
        notes: String::new(),
    };
    if d.given_name.is_empty() && d.family_name.is_empty() {
        d.given_name = consensus(rows, Target::FullName);
    }
    d
}

fn is_lap_infant(birth: &str, now: OffsetDateTime) -> bool {
    let Some(year) = birth.get(..4).and_then(|y| y.parse::<i32>().ok()) else {
        return false;
    };
    let month = birth
        .get(5..7)
        .and_then(|m| m.parse::<i32>().ok())
        .unwrap_or(6);
    let months = (now.year() - year) * 12 + (i32::from(u8::from(now.month())) - month);
    (0..24).contains(&months)
}

/// A person as their rows describe them: details by consensus, category, priority, look-up keys.
#[allow(clippy::too_many_arguments)]
fn person_from_rows(
    vault: &Vault,
    id: String,
    vals: &[&RowValues],
    records: &[&RawRecord],
    rows: Vec<String>,
    household_id: Option<String>,
    rules: &[Rule],
    verified: bool,
    now: OffsetDateTime,
) -> Result<ResolvedPerson, WebError> {
    let details = details_of(vals);
    let (category, status) = category_of(vals);
    // A document seen settles a claim.
    let status = if verified { "" } else { status };
    let facts = Facts {
        category,
        claimed: !status.is_empty(),
        has_document: !details.document_number.is_empty(),
    };
    let (tier, rule) = drawdown_domain::priority::priority(rules, &facts, &today(now));
    let json = zeroize::Zeroizing::new(
        serde_json::to_vec(&details).map_err(|e| WebError::Internal(e.to_string()))?,
    );
    let mut search_keys: Vec<(String, String)> = Vec::new();
    for r in records {
        for (kind, key) in drawdown_resolution::search_keys(r) {
            let blind = vault.blind_index(&format!("search:{kind}"), &key);
            if !search_keys.iter().any(|(_, k)| *k == blind) {
                search_keys.push((kind.to_string(), blind));
            }
        }
    }
    Ok(ResolvedPerson {
        sealed: vault.seal(&crate::services::protection::person_aad(&id), &json)?,
        name_index: vault.blind_index("name", &details.full_name()),
        lap_infant: is_lap_infant(&details.birth_date, now),
        id,
        category: category.slug().to_string(),
        priority: i64::from(tier),
        priority_rule: rule,
        status: status.to_string(),
        household_id,
        rows,
        search_keys,
    })
}

/// The day rules are read for, as their dates are written.
fn today(now: OffsetDateTime) -> String {
    drawdown_storage::timestamp(now).chars().take(10).collect()
}

/// The list that people added by hand (and walk-ups) belong to.
pub const BY_HAND: &str = "Entered by hand";

/// Adds one person typed in by hand: a row on the list "Entered by hand", and a person for it
/// at once (the next resolution run merges them with the same person on other lists).
#[allow(clippy::too_many_arguments)]
pub async fn add_by_hand(
    store: &Store,
    vault: &Vault,
    matcher: Option<&Matcher>,
    details: &PersonalDetails,
    category: Category,
    actor: &str,
    source_ip: &str,
    now: OffsetDateTime,
) -> Result<String, WebError> {
    if details.full_name().trim().is_empty() {
        return Err(WebError::BadRequest(
            "a person needs at least one name".into(),
        ));
    }
    let mut v = BTreeMap::new();
    for (t, x) in [
        (Target::GivenName, &details.given_name),
        (Target::FamilyName, &details.family_name),
        (Target::DateOfBirth, &details.birth_date),
        (Target::Phone, &details.phone),
        (Target::Email, &details.email),
        (Target::PassportNo, &details.document_number),
        (Target::Notes, &details.notes),
    ] {
        if !x.trim().is_empty() {
            v.insert(t.name().to_string(), x.trim().to_string());
        }
    }
    v.insert(
        Target::Category.name().to_string(),
        category.slug().to_string(),
    );
    let values = RowValues(v);
    let source = store.source_by_name(BY_HAND).await?;
    let row_id = uuid::Uuid::now_v7().to_string();
    let record_key = vault.blind_index(&format!("row-id:{BY_HAND}"), &row_id);
    let content_key = vault.blind_index(&format!("row-content:{BY_HAND}"), &values.canonical());
    let write = ImportWrite {
        import_id: uuid::Uuid::now_v7().to_string(),
        source_id: source
            .map(|s| s.id)
            .unwrap_or_else(|| uuid::Uuid::now_v7().to_string()),
        source_name: BY_HAND.into(),
        mapping: "[]".into(),
        file_name: "(typed in)".into(),
        format: "form".into(),
        encoding: "UTF-8".into(),
        rows_read: 1,
        rows_rejected: 0,
        added: vec![seal_row(
            vault,
            row_id.clone(),
            record_key,
            content_key,
            1,
            &values,
        )?],
        changed: vec![],
        unchanged: vec![],
        removed: vec![],
        created_by: actor.into(),
    };
    let ev = AuditEvent::new(
        actor,
        "registry.add_by_hand",
        format!("row:{row_id}"),
        format!("category={}", category.slug()),
        source_ip,
    );
    store.commit_import(&write, &ev, now).await?;
    let record = values.to_record(&row_id, BY_HAND);
    // Someone already on the registry: the row joins them at once, as a full run would.
    if let Some(existing) = matcher.and_then(|m| m.person_for(&record)) {
        let keys: Vec<(String, String)> = drawdown_resolution::search_keys(&record)
            .into_iter()
            .map(|(kind, key)| {
                (
                    kind.to_string(),
                    vault.blind_index(&format!("search:{kind}"), &key),
                )
            })
            .collect();
        let ev = AuditEvent::new(
            actor,
            "people.add_matched",
            format!("person:{existing}"),
            format!("row={row_id}"),
            source_ip,
        );
        store.attach_row(&row_id, existing, &keys, &ev, now).await?;
        return Ok(existing.to_string());
    }
    let id = uuid::Uuid::now_v7().to_string();
    let rules: Vec<Rule> = store
        .priority_rules()
        .await?
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    let person = person_from_rows(
        vault,
        id.clone(),
        &[&values],
        &[&record],
        vec![row_id],
        None,
        &rules,
        false,
        now,
    )?;
    let ev = AuditEvent::new(
        actor,
        "people.add",
        format!("person:{id}"),
        format!("category={}", category.slug()),
        source_ip,
    );
    store.add_resolved_person(&person, &ev, now).await?;
    Ok(id)
}

/// People's decisions over the engine's: "same person" joins two clusters, "not the same"
/// takes the second row out of the first's cluster. Decisions on rows no longer live are moot.
fn apply_decisions(
    engine: &[u32],
    clusters: usize,
    decisions: &[drawdown_storage::registry::Decision],
    index_of: &HashMap<&str, usize>,
) -> Vec<u32> {
    let mut parent: Vec<u32> = (0..clusters as u32).collect();
    fn find(parent: &mut [u32], mut x: u32) -> u32 {
        while parent[x as usize] != x {
            parent[x as usize] = parent[parent[x as usize] as usize];
            x = parent[x as usize];
        }
        x
    }
    let pairs = |kind: &'static str| {
        decisions
            .iter()
            .filter(move |d| d.decision == kind)
            .filter_map(|d| {
                Some((
                    *index_of.get(d.row_a.as_str())?,
                    *index_of.get(d.row_b.as_str())?,
                ))
            })
    };
    for (a, b) in pairs("match") {
        let (ra, rb) = (find(&mut parent, engine[a]), find(&mut parent, engine[b]));
        if ra != rb {
            parent[rb as usize] = ra;
        }
    }
    let mut out: Vec<u32> = engine.iter().map(|&c| find(&mut parent, c)).collect();
    let mut next = clusters as u32;
    for (a, b) in pairs("not_match") {
        if out[a] == out[b] {
            out[b] = next;
            next += 1;
        }
    }
    out
}

/// Rebuilds every person from every live row: engine, then stable ids, households, priority,
/// look-up keys, review queue. One transaction.
pub async fn resolve_registry(
    store: &Store,
    vault: &Vault,
    actor: &str,
    source_ip: &str,
    now: OffsetDateTime,
) -> Result<(ResolveSummary, Matcher), WebError> {
    let clock = std::time::Instant::now();
    let lap =
        |what: &str| tracing::debug!(what, ms = clock.elapsed().as_millis() as u64, "resolution");
    let rows = store.live_rows().await?;
    lap("rows read");
    let values: Vec<RowValues> = rows
        .iter()
        .map(|r| RowValues::open(vault, r))
        .collect::<Result<_, _>>()?;
    lap("rows opened");
    let records: Vec<RawRecord> = rows
        .iter()
        .zip(&values)
        .map(|(r, v)| v.to_record(&r.id, &r.source_name))
        .collect();
    let decisions = store.decisions().await?;
    let rules: Vec<Rule> = store
        .priority_rules()
        .await?
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    let verified = store.verified_persons().await?;
    let index_of: HashMap<&str, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let resolution =
        drawdown_resolution::resolve(&records, &drawdown_resolution::Config::default())
            .map_err(|e| WebError::BadRequest(e.to_string()))?;
    lap("engine");
    let cluster_of = apply_decisions(
        &resolution.cluster_of,
        resolution.cluster_count,
        &decisions,
        &index_of,
    );

    // Group rows by cluster.
    let mut clusters: HashMap<u32, Vec<usize>> = HashMap::new();
    for (i, &c) in cluster_of.iter().enumerate() {
        clusters.entry(c).or_default().push(i);
    }
    let mut clusters: Vec<Vec<usize>> = clusters.into_values().collect();
    // Stable ids: a cluster keeps the id most of its rows had; the largest cluster wins a tie.
    clusters.sort_by_key(|c| std::cmp::Reverse(c.len()));
    let mut taken = std::collections::HashSet::new();
    let mut persons = Vec::with_capacity(clusters.len());
    let mut household_of_key: HashMap<(String, String), String> = HashMap::new();
    let mut households: Vec<(String, Option<String>)> = Vec::new();
    for members in &clusters {
        let mut votes: HashMap<&str, usize> = HashMap::new();
        for &i in members {
            if let Some(p) = rows[i].person_id.as_deref() {
                *votes.entry(p).or_default() += 1;
            }
        }
        let mut ranked: Vec<(&str, usize)> = votes.into_iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let id = ranked
            .into_iter()
            .map(|(p, _)| p.to_string())
            .find(|p| !taken.contains(p))
            .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
        taken.insert(id.clone());
        let vals: Vec<&RowValues> = members.iter().map(|&i| &values[i]).collect();
        // Households: rows that name the same household on the same list.
        let mut household_id = None;
        for &i in members {
            if let Some(h) = values[i].get(Target::HouseholdId) {
                let key = (rows[i].source_name.clone(), h.to_string());
                let hid = household_of_key
                    .entry(key)
                    .or_insert_with(|| uuid::Uuid::now_v7().to_string())
                    .clone();
                household_id.get_or_insert(hid);
            }
        }
        let recs: Vec<&RawRecord> = members.iter().map(|&i| &records[i]).collect();
        let row_ids: Vec<String> = members.iter().map(|&i| rows[i].id.clone()).collect();
        let is_verified = verified.contains(&id);
        persons.push(person_from_rows(
            vault,
            id,
            &vals,
            &recs,
            row_ids,
            household_id,
            &rules,
            is_verified,
            now,
        )?);
    }
    // Households people confirmed: the linked persons share one household.
    let links = store.household_links().await?;
    let position: HashMap<String, usize> = persons
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.clone(), i))
        .collect();
    let mut group: Vec<usize> = (0..persons.len()).collect();
    fn root(group: &mut [usize], mut x: usize) -> usize {
        while group[x] != x {
            group[x] = group[group[x]];
            x = group[x];
        }
        x
    }
    let mut linked = false;
    for (a, b) in &links {
        if let (Some(&i), Some(&j)) = (position.get(a), position.get(b)) {
            let (ri, rj) = (root(&mut group, i), root(&mut group, j));
            if ri != rj {
                group[rj] = ri;
                linked = true;
            }
        }
    }
    if linked {
        let roots: Vec<usize> = (0..persons.len()).map(|i| root(&mut group, i)).collect();
        let mut size: HashMap<usize, usize> = HashMap::new();
        for &r in &roots {
            *size.entry(r).or_default() += 1;
        }
        // A linked group keeps a household one of its members already has, else gets one.
        let mut household_of_group: HashMap<usize, String> = HashMap::new();
        for (i, &r) in roots.iter().enumerate() {
            if size[&r] > 1
                && let Some(h) = &persons[i].household_id
            {
                household_of_group.entry(r).or_insert_with(|| h.clone());
            }
        }
        for (i, &r) in roots.iter().enumerate() {
            if size[&r] > 1 {
                let h = household_of_group
                    .entry(r)
                    .or_insert_with(|| format!("hh-{}", persons[r].id))
                    .clone();
                persons[i].household_id = Some(h);
            }
        }
    }
    lap("persons built");
    // A household's head: the member whose row says so, else the eldest.
    let mut members_of: HashMap<&str, Vec<usize>> = HashMap::new();
    for (pi, p) in persons.iter().enumerate() {
        if let Some(h) = p.household_id.as_deref() {
            members_of.entry(h).or_default().push(pi);
        }
    }
    for (hid, ms) in &members_of {
        let head = ms
            .iter()
            .find(|&&pi| {
                persons[pi].rows.iter().any(|rid| {
                    index_of
                        .get(rid.as_str())
                        .and_then(|&i| values[i].get(Target::Relationship))
                        .is_some_and(|r| {
                            let r = r.to_lowercase();
                            r.contains("head")
                                || r == "self"
                                || r.contains("principal")
                                || r.contains("applicant")
                        })
                })
            })
            .map(|&pi| persons[pi].id.clone());
        households.push((hid.to_string(), head));
    }
    let review: Vec<(String, String, f64)> = resolution
        .review
        .iter()
        .map(|p| {
            (
                rows[p.i as usize].id.clone(),
                rows[p.j as usize].id.clone(),
                p.score,
            )
        })
        .collect();
    let summary = ResolveSummary {
        rows: rows.len(),
        persons: persons.len(),
        review: review.len(),
        households: households.len(),
    };
    let write = ResolutionWrite {
        run_id: uuid::Uuid::now_v7().to_string(),
        persons,
        households,
        review,
        // What the run did, not the model itself: the model holds name frequencies.
        stats: serde_json::json!({
            "candidate_pairs": resolution.stats.candidate_pairs,
            "pairs_skipped": resolution.stats.pairs_skipped,
            "em_iterations": resolution.stats.em_iterations,
            "em_converged": resolution.stats.em_converged,
            "links": resolution.stats.links,
            "merges_refused": resolution.stats.merges_refused,
            "decisions": decisions.len(),
            // Trained m/u and prior: plain numbers, no names. A restarted server rebuilds
            // its index from the stored rows with them (see `restore_matcher`).
            "parameters": parameters_json(&resolution.model.parameters()),
        })
        .to_string(),
        rows_total: rows.len() as i64,
    };
    let ev = AuditEvent::new(
        actor,
        "registry.resolve",
        format!("run:{}", write.run_id),
        format!(
            "rows={} persons={} review={} households={}",
            summary.rows, summary.persons, summary.review, summary.households
        ),
        source_ip,
    );
    store.apply_resolution(&write, &ev, now).await?;
    lap("written");
    let mut person_of_cluster = vec![None; resolution.cluster_count];
    for p in &write.persons {
        for r in &p.rows {
            if let Some(&i) = index_of.get(r.as_str()) {
                let c = resolution.cluster_of[i] as usize;
                if person_of_cluster[c].is_none() {
                    person_of_cluster[c] = Some(p.id.clone());
                }
            }
        }
    }
    let index = drawdown_resolution::Index::build(&records, &resolution);
    lap("index built");
    Ok((
        summary,
        Matcher {
            index,
            person_of_cluster,
        },
    ))
}

fn parameters_json(p: &drawdown_resolution::Parameters) -> serde_json::Value {
    serde_json::json!({ "prior": p.prior, "m": p.m, "u": p.u })
}

fn parameters_from_json(v: &serde_json::Value) -> Option<drawdown_resolution::Parameters> {
    let table = |k: &str| -> Option<Vec<Vec<f64>>> {
        v.get(k)?
            .as_array()?
            .iter()
            .map(|row| row.as_array()?.iter().map(|x| x.as_f64()).collect())
            .collect()
    };
    Some(drawdown_resolution::Parameters {
        prior: v.get("prior")?.as_f64()?,
        m: table("m")?,
        u: table("u")?,
    })
}

/// The matcher of the registry as stored: its rows, the persons they belong to, and the
/// weights the latest run trained, without running the engine again. A restarted server (or
/// one just unlocked, or after a person was added by hand) gets its matcher back from this in
/// seconds, where a full run takes much longer. None before the first run.
pub async fn restore_matcher(store: &Store, vault: &Vault) -> Result<Option<Matcher>, WebError> {
    let Some(stats) = store.latest_resolution_stats().await? else {
        return Ok(None);
    };
    let Some(parameters) = serde_json::from_str::<serde_json::Value>(&stats)
        .ok()
        .and_then(|v| v.get("parameters").and_then(parameters_from_json))
    else {
        // A run from before parameters were stored: the next run stores them.
        return Ok(None);
    };
    let rows = store.live_rows().await?;
    let records: Vec<RawRecord> = rows
        .iter()
        .map(|r| Ok(RowValues::open(vault, r)?.to_record(&r.id, &r.source_name)))
        .collect::<Result<_, WebError>>()?;
    // Persons become dense cluster ids; a row not yet resolved is a person of its own.
    let mut cluster_of_person: HashMap<&str, u32> = HashMap::new();
    let mut person_of_cluster: Vec<Option<String>> = Vec::new();
    let cluster_of: Vec<u32> = rows
        .iter()
        .map(|r| {
            let fresh = person_of_cluster.len() as u32;
            match r.person_id.as_deref() {
                Some(p) => *cluster_of_person.entry(p).or_insert_with(|| {
                    person_of_cluster.push(Some(p.to_string()));
                    fresh
                }),
                None => {
                    person_of_cluster.push(None);
                    fresh
                }
            }
        })
        .collect();
    let resolution = drawdown_resolution::restore(
        &records,
        &cluster_of,
        &parameters,
        &drawdown_resolution::Config::default(),
    )
    .map_err(|e| WebError::Internal(format!("restoring the matcher: {e}")))?;
    let index = drawdown_resolution::Index::build(&records, &resolution);
    Ok(Some(Matcher {
        index,
        person_of_cluster,
    }))
}

/// Look-up keys of a free-text query (any spelling of a name, a document number, a phone),
/// blind-indexed as the registry stores them.
pub fn query_keys(vault: &Vault, query: &str) -> Vec<String> {
    drawdown_resolution::query_keys(query)
        .into_iter()
        .map(|(kind, key)| vault.blind_index(&format!("search:{kind}"), &key))
        .collect()
}
