//! Why two records are, or are not, one person: every comparison with the values compared,
//! the agreement level, and what it weighed.

use std::fmt;

use crate::compare::{Comparer, Comparison, MISSING, Outcome, Side};
use crate::features::{NONE, NameRef, NameSource, Normaliser, Rec};
use crate::model::{Decision, Model};
use crate::names::{NameView, Names};
use crate::record::{Field, RawRecord};
use crate::values::normalise_postcode;

/// One comparison of an explained pair.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldExplanation {
    pub comparison: Comparison,
    /// The normalised values compared; `None` when the record has none.
    pub a: Option<String>,
    pub b: Option<String>,
    /// The agreement level ("exact", "spelling variant", …, or "missing").
    pub level: &'static str,
    /// What it added to the score (log2 m/u, after adjustments).
    pub weight: f64,
    /// m and u of the level, `None` when missing.
    pub m: Option<f64>,
    pub u: Option<f64>,
    pub note: Option<String>,
}

/// A pair explained.
#[derive(Clone, Debug, PartialEq)]
pub struct Explanation {
    pub a_id: String,
    pub b_id: String,
    pub fields: Vec<FieldExplanation>,
    /// Where every pair starts: log2 of the prior odds of a match.
    pub prior_weight: f64,
    /// The match weight: prior plus every field's weight.
    pub score: f64,
    pub probability: f64,
    pub decision: Decision,
    /// How the records were read and what was adjusted.
    pub notes: Vec<String>,
}

/// Explains the decision `model` makes on records `a` and `b`.
pub fn explain(a: &RawRecord, b: &RawRecord, model: &Model) -> Explanation {
    let mut n = Normaliser::new(Names::default());
    let (ra, sa) = n.record_with_source(a);
    let (rb, sb) = n.record_with_source(b);
    let names = n.sink;
    let arena = n.arena;
    let view = NameView::new(&names);
    let outcome = Comparer::uncached(view).compare(
        Side {
            rec: &ra,
            arena: &arena,
        },
        Side {
            rec: &rb,
            arena: &arena,
        },
    );
    let tf = tf_adjustments(&outcome, &ra, &rb, model, |slot, id| {
        model.tf_adjustment(slot, model.tf_share(slot, view.text(id)))
    });
    let score = model.score(outcome.pattern, tf);
    let mut notes = Vec::new();
    for (id, source) in [(&a.id, sa), (&b.id, sb)] {
        if source == NameSource::FullName {
            notes.push(format!(
                "{id}: given and family name taken from the full name (last word as family name)"
            ));
        }
    }
    if outcome.swapped {
        notes.push("given and family names match once swapped".to_string());
    }
    if model.discounts(outcome.pattern) {
        notes.push(format!(
            "the given names differ: facts siblings may share count only {:.0}% of their weight, together at most {:.0}",
            model.config.household_discount * 100.0,
            model.config.household_cap
        ));
    }
    let text = |r: NameRef| r.id().map(|id| name_text(&view, r, id));
    let place = |p: u32| (p != NONE).then(|| view.text(p).to_string());
    let span = |s: Option<&[u8]>| s.map(|b| String::from_utf8_lossy(b).into_owned());
    let sex = |s: u8| match s {
        1 => Some("male".to_string()),
        2 => Some("female".to_string()),
        _ => None,
    };
    let phone = |p: u64| (p != 0).then(|| format!("+{p}"));
    let postcode = |r: &RawRecord| {
        r.get(Field::Postcode)
            .and_then(|p| normalise_postcode(p, &mut String::new()))
    };
    let weights = model.contributions(outcome.pattern, tf);
    let household_capped = model.household_capped(outcome.pattern, tf);
    if household_capped {
        notes.push(format!(
            "household facts (family, father, phone, address, places) together count at most {:.0}",
            model.config.household_max
        ));
    }
    let mut fields = Vec::with_capacity(Comparison::ALL.len());
    for c in Comparison::ALL {
        let (va, vb) = match c {
            Comparison::GivenName => name_pair(outcome.given, &ra, &rb, true, &text),
            Comparison::FamilyName => name_pair(outcome.family, &ra, &rb, false, &text),
            Comparison::FatherName => (text(ra.father), text(rb.father)),
            Comparison::BirthDate => (dob(&ra), dob(&rb)),
            Comparison::Sex => (sex(ra.sex), sex(rb.sex)),
            Comparison::Nationality => (place(ra.nationality), place(rb.nationality)),
            Comparison::PassportNo => {
                (span(ra.passport.get(&arena)), span(rb.passport.get(&arena)))
            }
            Comparison::NationalId => (
                span(ra.national_id.get(&arena)),
                span(rb.national_id.get(&arena)),
            ),
            Comparison::Phone => (phone(ra.phone), phone(rb.phone)),
            Comparison::Email => (span(ra.email.get(&arena)), span(rb.email.get(&arena))),
            Comparison::PlaceOfBirth => (place(ra.place_of_birth), place(rb.place_of_birth)),
            Comparison::Address => (span(ra.address.get(&arena)), span(rb.address.get(&arena))),
            Comparison::City => (place(ra.city), place(rb.city)),
            Comparison::Province => (place(ra.province), place(rb.province)),
            Comparison::Postcode => (postcode(a), postcode(b)),
        };
        let level = outcome.pattern.level(c);
        let t = match c {
            Comparison::GivenName => tf[0],
            Comparison::FamilyName => tf[1],
            Comparison::FatherName => tf[2],
            _ => 0.0,
        };
        let weight = weights[c.index()];
        let (label, m, u) = if level == MISSING {
            ("missing", None, None)
        } else {
            let lm = &model.comparisons[c.index()].levels[usize::from(level)];
            (lm.label, Some(lm.m), Some(lm.u))
        };
        let mut note = Vec::new();
        if level == 0 && t.abs() >= 0.05 {
            note.push(if t < 0.0 {
                format!("a common name: {t:+.1}")
            } else {
                format!("a rare name: {t:+.1}")
            });
        }
        if level != MISSING && weight > 0.0 {
            if c.shared_by_siblings() && model.discounts(outcome.pattern) {
                note.push("household fact, discounted".to_string());
            } else if c.household() && household_capped {
                note.push("household facts together capped".to_string());
            }
        }
        fields.push(FieldExplanation {
            comparison: c,
            a: va,
            b: vb,
            level: label,
            weight,
            m,
            u,
            note: (!note.is_empty()).then(|| note.join("; ")),
        });
    }
    Explanation {
        a_id: a.id.clone(),
        b_id: b.id.clone(),
        fields,
        prior_weight: model.prior_weight(),
        score,
        probability: Model::probability(score),
        decision: model.decide(score),
        notes,
    }
}

fn name_text(view: &NameView, r: NameRef, id: u32) -> String {
    let t = view.text(id).to_string();
    if r.guessed() {
        format!("{t} (transliterated)")
    } else {
        t
    }
}

/// The names shown for the given or family comparison: the aligned ones, or when the
/// comparison is missing, what each record has in that part.
fn name_pair(
    aligned: (NameRef, NameRef),
    ra: &Rec,
    rb: &Rec,
    given: bool,
    text: &impl Fn(NameRef) -> Option<String>,
) -> (Option<String>, Option<String>) {
    if aligned.0.is_some() || aligned.1.is_some() {
        return (text(aligned.0), text(aligned.1));
    }
    if given {
        (text(ra.given), text(rb.given))
    } else {
        (text(ra.family), text(rb.family))
    }
}

fn dob(r: &Rec) -> Option<String> {
    r.dob.is_some().then(|| r.dob.to_string())
}

/// The name-frequency adjustments of a compared pair (given, family, father): the more
/// common of the two names decides. `adj(slot, id)` is one name's adjustment.
pub(crate) fn tf_adjustments(
    o: &Outcome,
    a: &Rec,
    b: &Rec,
    model: &Model,
    adj: impl Fn(usize, u32) -> f64,
) -> [f64; 3] {
    let mut out = [0.0; 3];
    if model.tf.floor <= 0.0 {
        return out;
    }
    let pairs = [o.given, o.family, (a.father, b.father)];
    for (slot, (x, y)) in pairs.into_iter().enumerate() {
        if let (Some(p), Some(q)) = (x.id(), y.id()) {
            out[slot] = adj(slot, p).min(adj(slot, q));
        }
    }
    out
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} vs {}: {} (match weight {:+.1}, probability {:.3})",
            self.a_id, self.b_id, self.decision, self.score, self.probability
        )?;
        writeln!(
            f,
            "  {:<15} {:>+7.2}  prior: how often a compared pair is one person",
            "start", self.prior_weight
        )?;
        for x in &self.fields {
            if x.a.is_none() && x.b.is_none() {
                continue;
            }
            let v = |s: &Option<String>| s.clone().unwrap_or_else(|| "-".to_string());
            write!(
                f,
                "  {:<15} {:>+7.2}  {}: {} | {}",
                x.comparison.name(),
                x.weight,
                x.level,
                v(&x.a),
                v(&x.b)
            )?;
            if let (Some(m), Some(u)) = (x.m, x.u) {
                write!(f, "  (m {m:.3}, u {u:.2e})")?;
            }
            if let Some(n) = &x.note {
                write!(f, "  [{n}]")?;
            }
            writeln!(f)?;
        }
        for n in &self.notes {
            writeln!(f, "  note: {n}")?;
        }
        Ok(())
    }
}
