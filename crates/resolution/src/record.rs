//! A row of a list as it arrived: the fields the engine understands, still unnormalised.

use std::fmt;

/// The fields the engine understands; `name()` is the CSV header of `drawdown resolve`
/// (`record_id` and `source` are separate).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    FullName,
    GivenName,
    FamilyName,
    FatherName,
    DateOfBirth,
    Sex,
    Nationality,
    PassportNo,
    NationalId,
    Phone,
    Email,
    PlaceOfBirth,
    Address,
    City,
    Province,
    Postcode,
}

impl Field {
    pub const COUNT: usize = 16;

    pub const ALL: [Field; 16] = [
        Field::FullName,
        Field::GivenName,
        Field::FamilyName,
        Field::FatherName,
        Field::DateOfBirth,
        Field::Sex,
        Field::Nationality,
        Field::PassportNo,
        Field::NationalId,
        Field::Phone,
        Field::Email,
        Field::PlaceOfBirth,
        Field::Address,
        Field::City,
        Field::Province,
        Field::Postcode,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Field::FullName => "full_name",
            Field::GivenName => "given_name",
            Field::FamilyName => "family_name",
            Field::FatherName => "father_name",
            Field::DateOfBirth => "date_of_birth",
            Field::Sex => "sex",
            Field::Nationality => "nationality",
            Field::PassportNo => "passport_no",
            Field::NationalId => "national_id",
            Field::Phone => "phone",
            Field::Email => "email",
            Field::PlaceOfBirth => "place_of_birth",
            Field::Address => "address",
            Field::City => "city",
            Field::Province => "province",
            Field::Postcode => "postcode",
        }
    }

    /// The field a CSV header names: case-insensitive, surrounding blanks ignored.
    pub fn parse(header: &str) -> Option<Field> {
        let h = header.trim();
        Field::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(h))
    }

    fn slot(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One row of one list. Values are kept in a single buffer (one allocation, not sixteen):
/// a million rows must fit in memory beside the engine's own tables.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RawRecord {
    /// Unique across every input of a run.
    pub id: String,
    /// The list the row came from (e.g. "hr", "consular", "siv").
    pub source: String,
    /// Every set value, in `Field` order; `ends[i]` is where field `i`'s value ends.
    values: String,
    ends: [u32; Field::COUNT],
}

impl RawRecord {
    pub fn new(id: impl Into<String>, source: impl Into<String>) -> Self {
        RawRecord {
            id: id.into(),
            source: source.into(),
            ..RawRecord::default()
        }
    }

    /// Sets a field; surrounding blanks are dropped and an empty value clears the field.
    pub fn set(&mut self, f: Field, v: impl Into<String>) {
        let v = v.into();
        let v = v.trim();
        let slot = f.slot();
        let (start, end) = self.span(slot);
        let mut values = String::with_capacity(self.values.len() - (end - start) + v.len());
        values.push_str(&self.values[..start]);
        values.push_str(v);
        values.push_str(&self.values[end..]);
        self.values = values;
        let delta = v.len() as i64 - (end - start) as i64;
        for e in &mut self.ends[slot..] {
            *e = (*e as i64 + delta) as u32;
        }
    }

    /// Builder form of [`RawRecord::set`], handy in tests and fixtures.
    pub fn with(mut self, f: Field, v: impl Into<String>) -> Self {
        self.set(f, v);
        self
    }

    /// The value of a field, `None` when absent or empty.
    pub fn get(&self, f: Field) -> Option<&str> {
        let (start, end) = self.span(f.slot());
        (end > start).then(|| &self.values[start..end])
    }

    /// The fields that are set, in `Field` order.
    pub fn fields(&self) -> impl Iterator<Item = (Field, &str)> {
        Field::ALL
            .into_iter()
            .filter_map(move |f| self.get(f).map(|v| (f, v)))
    }

    fn span(&self, slot: usize) -> (usize, usize) {
        let start = if slot == 0 {
            0
        } else {
            self.ends[slot - 1] as usize
        };
        (start, self.ends[slot] as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_parse_is_lenient() {
        for f in Field::ALL {
            assert_eq!(Field::parse(f.name()), Some(f));
            assert_eq!(
                Field::parse(&format!("  {}  ", f.name().to_uppercase())),
                Some(f)
            );
        }
        assert_eq!(Field::parse("record_id"), None);
        assert_eq!(Field::parse("surname"), None);
        assert_eq!(Field::ALL.len(), Field::COUNT);
    }

    #[test]
    fn set_get_overwrite_and_clear() {
        let mut r = RawRecord::new("r1", "hr");
        assert_eq!(r.get(Field::GivenName), None);
        r.set(Field::FamilyName, " Karimi ");
        r.set(Field::GivenName, "Ahmad");
        r.set(Field::Postcode, "1001");
        r.set(Field::FullName, "Ahmad Karimi");
        assert_eq!(r.get(Field::GivenName), Some("Ahmad"));
        assert_eq!(r.get(Field::FamilyName), Some("Karimi"));
        assert_eq!(r.get(Field::FullName), Some("Ahmad Karimi"));
        assert_eq!(r.get(Field::Postcode), Some("1001"));
        r.set(Field::GivenName, "Mohammad Ahmad");
        assert_eq!(r.get(Field::GivenName), Some("Mohammad Ahmad"));
        assert_eq!(r.get(Field::FamilyName), Some("Karimi"));
        r.set(Field::FamilyName, "   ");
        assert_eq!(r.get(Field::FamilyName), None);
        assert_eq!(r.get(Field::Postcode), Some("1001"));
        let set: Vec<_> = r.fields().map(|(f, _)| f).collect();
        assert_eq!(
            set,
            vec![Field::FullName, Field::GivenName, Field::Postcode]
        );
        // Equal content means equal records, however it was built.
        let other = RawRecord::new("r1", "hr")
            .with(Field::Postcode, "1001")
            .with(Field::GivenName, "Mohammad Ahmad")
            .with(Field::FullName, "Ahmad Karimi");
        assert_eq!(r, other);
    }

    #[test]
    fn non_ascii_values_are_kept_whole() {
        let r = RawRecord::new("r", "s")
            .with(Field::GivenName, "محمد")
            .with(Field::FamilyName, "کریمی");
        assert_eq!(r.get(Field::GivenName), Some("محمد"));
        assert_eq!(r.get(Field::FamilyName), Some("کریمی"));
    }
}
