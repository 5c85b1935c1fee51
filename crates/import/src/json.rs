//! JSON: an array of flat objects, or an object with one such array among its members
//! (`{"records": [...], "exported": "..."}`). Headers are the union of the keys in the order
//! first seen, which is why this walks the document with its own visitors: `serde_json::Value`
//! sorts keys (its order-keeping feature would change every other crate's JSON).

use std::collections::HashMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::text::{self, TextError};
use crate::{ImportError, Limits, Parsed, Row, Table, clean_headers, hxl, number_text};

pub(crate) fn read(bytes: &[u8], limits: &Limits) -> Result<Parsed, ImportError> {
    let not_json = |reason: String| ImportError::NotJson {
        line: 1,
        column: 1,
        reason,
    };
    if let Some(what) = text::describe(text::sniff(bytes)) {
        return Err(not_json(format!("this file is {what}, not JSON")));
    }
    let decoded = text::decode(bytes).map_err(|e| match e {
        TextError::Binary(why) => not_json(why),
        TextError::Encoding(e) => e,
    })?;
    let text = decoded.text.as_str();
    let Some(first) = text.trim_start().chars().next() else {
        return Err(ImportError::EmptyFile);
    };
    if first != '[' && first != '{' {
        return Err(not_json(
            "expected an array of records or an object holding one; this looks like CSV or plain text"
                .to_owned(),
        ));
    }

    let mut state = State {
        limits,
        headers: Vec::new(),
        index: HashMap::new(),
        rows: Vec::new(),
        overflow: None,
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let outcome = Top(&mut state).deserialize(&mut de).and_then(|()| de.end());
    if let Err(e) = outcome {
        if let Some(limit_error) = state.overflow {
            return Err(limit_error);
        }
        // serde_json's message ends with " at line L column C": keep the reason alone.
        let message = e.to_string();
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        let reason = message.strip_suffix(&suffix).unwrap_or(&message).to_owned();
        return Err(ImportError::NotJson {
            line: e.line(),
            column: e.column(),
            reason,
        });
    }

    let State {
        headers, mut rows, ..
    } = state;
    if rows.is_empty() && headers.is_empty() {
        return Err(ImportError::EmptyFile);
    }
    if headers.is_empty() {
        return Err(ImportError::NoHeader);
    }
    let width = headers.len();
    for row in &mut rows {
        row.cells.resize(width, String::new());
    }
    let mut hxl_row = None;
    if hxl::is_hashtag_row(&headers) {
        hxl_row = Some(headers.clone());
    } else if rows.first().is_some_and(|r| hxl::is_hashtag_row(&r.cells)) {
        hxl_row = Some(rows.remove(0).cells);
    }
    rows.retain(|r| r.cells.iter().any(|c| !c.trim().is_empty()));
    Ok(Parsed {
        table: Table {
            headers: clean_headers(headers, |i| format!("(column {})", i + 1)),
            rows,
            encoding: "json",
            hxl: hxl_row,
            sheet: None,
        },
        problems: Vec::new(),
    })
}

struct State<'l> {
    limits: &'l Limits,
    headers: Vec<String>,
    index: HashMap<String, usize>,
    rows: Vec<Row>,
    /// A limit that was hit; reported as itself rather than as a JSON syntax error.
    overflow: Option<ImportError>,
}

/// The document: an array of records, or an object with one array of records among its members.
struct Top<'s, 'l>(&'s mut State<'l>);

impl<'de> DeserializeSeed<'de> for Top<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Top<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of records or an object holding one")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        while seq
            .next_element_seed(Element {
                state: self.0,
                index,
                member: None,
                must_be_record: true,
            })?
            .is_some()
        {
            index += 1;
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut found: Option<String> = None;
        let mut empty_array = false;
        while let Some(key) = map.next_key::<String>()? {
            match map.next_value_seed(Member {
                state: &mut *self.0,
                key: &key,
                found: found.as_deref(),
            })? {
                Shape::Records => found = Some(key),
                Shape::EmptyArray => empty_array = true,
                Shape::Other => {}
            }
        }
        // {"records": []} is an empty list, not a wrong one.
        if found.is_none() && !empty_array {
            return Err(de::Error::custom(
                "the object has no member that is an array of records",
            ));
        }
        Ok(())
    }
}

/// One member of the top-level object: an array whose first item is an object is the records;
/// anything else (a title, a count, a list of tags) is passed over.
struct Member<'s, 'l, 'k> {
    state: &'s mut State<'l>,
    key: &'k str,
    found: Option<&'k str>,
}

/// What a member of the top-level object turned out to be.
enum Shape {
    Records,
    EmptyArray,
    Other,
}

impl<'de> DeserializeSeed<'de> for Member<'_, '_, '_> {
    type Value = Shape;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Shape, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Member<'_, '_, '_> {
    type Value = Shape;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Shape, A::Error> {
        let first = seq.next_element_seed(Element {
            state: &mut *self.state,
            index: 0,
            member: Some(self.key),
            must_be_record: false,
        })?;
        match first {
            None => return Ok(Shape::EmptyArray),
            Some(false) => {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                return Ok(Shape::Other);
            }
            Some(true) => {}
        }
        if let Some(earlier) = self.found {
            return Err(de::Error::custom(format!(
                "two members hold arrays of records, '{earlier}' and '{}'; keep one",
                self.key
            )));
        }
        let mut index = 1;
        while seq
            .next_element_seed(Element {
                state: &mut *self.state,
                index,
                member: Some(self.key),
                must_be_record: true,
            })?
            .is_some()
        {
            index += 1;
        }
        Ok(Shape::Records)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Shape, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Shape::Other)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Shape, E> {
        Ok(Shape::Other)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Shape, E> {
        Ok(Shape::Other)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Shape, E> {
        Ok(Shape::Other)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Shape, E> {
        Ok(Shape::Other)
    }
    fn visit_str<E>(self, _: &str) -> Result<Shape, E> {
        Ok(Shape::Other)
    }
    fn visit_unit<E>(self) -> Result<Shape, E> {
        Ok(Shape::Other)
    }
}

/// One item of the records array. Yields true when it was a record (and stored), false when it
/// was something else and `must_be_record` is off.
struct Element<'s, 'l, 'k> {
    state: &'s mut State<'l>,
    index: usize,
    member: Option<&'k str>,
    must_be_record: bool,
}

impl Element<'_, '_, '_> {
    fn place(&self) -> String {
        match self.member {
            Some(key) => format!("'{key}' item {}", self.index + 1),
            None => format!("item {}", self.index + 1),
        }
    }

    fn not_a_record<E: de::Error>(self, what: &str) -> Result<bool, E> {
        if self.must_be_record {
            Err(E::custom(format!(
                "{} is {what}, not an object (a record)",
                self.place()
            )))
        } else {
            Ok(false)
        }
    }
}

impl<'de> DeserializeSeed<'de> for Element<'_, '_, '_> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Element<'_, '_, '_> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object (a record)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let place = self.place();
        let state = self.state;
        if state.rows.len() >= state.limits.max_rows {
            state.overflow = Some(ImportError::TooManyRows {
                limit: state.limits.max_rows,
            });
            return Err(de::Error::custom("too many rows"));
        }
        let mut cells: Vec<String> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(Cell {
                place: &place,
                key: &key,
            })?;
            let column = match state.index.get(&key) {
                Some(&i) => i,
                None => {
                    if state.headers.len() >= state.limits.max_columns {
                        state.overflow = Some(ImportError::TooManyColumns {
                            found: state.headers.len() + 1,
                            limit: state.limits.max_columns,
                        });
                        return Err(de::Error::custom("too many columns"));
                    }
                    state.headers.push(key.clone());
                    state.index.insert(key, state.headers.len() - 1);
                    state.headers.len() - 1
                }
            };
            if cells.len() <= column {
                cells.resize(column + 1, String::new());
            }
            cells[column] = value;
        }
        state.rows.push(Row {
            number: self.index + 1,
            cells,
        });
        Ok(true)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        self.not_a_record("an array")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<bool, E> {
        self.not_a_record("a boolean")
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<bool, E> {
        self.not_a_record("a number")
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<bool, E> {
        self.not_a_record("a number")
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<bool, E> {
        self.not_a_record("a number")
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<bool, E> {
        self.not_a_record("a string")
    }
    fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
        self.not_a_record("null")
    }
}

/// One value of a record, as text: numbers and booleans written out, null empty; a nested
/// object or array is refused (it would have to be flattened, and guessing how is not ours).
struct Cell<'a> {
    place: &'a str,
    key: &'a str,
}

impl Cell<'_> {
    fn nested<E: de::Error>(&self, what: &str) -> E {
        E::custom(format!(
            "{}: field '{}' holds {what}; only flat values (text, numbers, true/false, null) can be imported",
            self.place, self.key
        ))
    }
}

impl<'de> DeserializeSeed<'de> for Cell<'_> {
    type Value = String;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Cell<'_> {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a flat value")
    }
    fn visit_str<E>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }
    fn visit_string<E>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
    fn visit_bool<E>(self, v: bool) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_i64<E>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_u64<E>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_f64<E>(self, v: f64) -> Result<String, E> {
        Ok(number_text(v))
    }
    fn visit_unit<E>(self) -> Result<String, E> {
        Ok(String::new())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<String, A::Error> {
        Err(self.nested("a list"))
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<String, A::Error> {
        Err(self.nested("an object"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Format, read_table};

    fn parse(s: &str) -> Result<Parsed, ImportError> {
        read_table(s.as_bytes(), Format::Json, &Limits::default())
    }

    fn rows(p: &Parsed) -> Vec<(usize, Vec<&str>)> {
        p.table
            .rows
            .iter()
            .map(|r| (r.number, r.cells.iter().map(String::as_str).collect()))
            .collect()
    }

    #[test]
    fn array_of_objects_keeps_key_order_and_unions_keys() {
        let p = parse(
            r#"[
              {"record_id": "7", "name": "Ahmad", "phone": 93700123456, "minor": false},
              {"name": "Zahra", "record_id": 8, "email": null, "score": 1.5},
              {}
            ]"#,
        )
        .unwrap();
        assert_eq!(
            p.table.headers,
            ["record_id", "name", "phone", "minor", "email", "score"]
        );
        assert_eq!(
            rows(&p),
            [
                (1, vec!["7", "Ahmad", "93700123456", "false", "", ""]),
                (2, vec!["8", "Zahra", "", "", "", "1.5"]),
            ]
        );
        assert_eq!(p.table.encoding, "json");
    }

    #[test]
    fn object_with_one_records_member() {
        let p = parse(
            r#"{"title": "SIV list", "tags": ["a", "b"], "count": 2, "meta": {"x": [1]},
                "records": [{"id": 1}, {"id": 2}], "empty": []}"#,
        )
        .unwrap();
        assert_eq!(p.table.headers, ["id"]);
        assert_eq!(rows(&p), [(1, vec!["1"]), (2, vec!["2"])]);
        let e = parse(r#"{"a": [{"id": 1}], "b": [{"id": 2}]}"#).unwrap_err();
        assert!(
            matches!(e, ImportError::NotJson { ref reason, .. } if reason.contains("'a' and 'b'")),
            "{e}"
        );
        let e = parse(r#"{"title": "x"}"#).unwrap_err();
        assert!(
            matches!(e, ImportError::NotJson { ref reason, .. } if reason.contains("no member")),
            "{e}"
        );
    }

    #[test]
    fn nested_values_name_the_record() {
        let e =
            parse("[\n{\"id\": 1},\n{\"id\": 2, \"addr\": {\"city\": \"Kabul\"}}\n]").unwrap_err();
        match e {
            ImportError::NotJson {
                line,
                column: _,
                reason,
            } => {
                assert_eq!(line, 3);
                assert!(
                    reason.starts_with("item 2: field 'addr' holds an object"),
                    "{reason}"
                );
            }
            e => panic!("{e}"),
        }
        let e = parse(r#"{"people": [{"id": 1}, {"id": 2, "kids": []}]}"#).unwrap_err();
        assert!(
            e.to_string()
                .contains("'people' item 2: field 'kids' holds a list"),
            "{e}"
        );
        let e = parse(r#"[{"id": 1}, "x"]"#).unwrap_err();
        assert!(e.to_string().contains("item 2 is a string"), "{e}");
    }

    #[test]
    fn syntax_errors_name_line_and_column() {
        let e = parse("[\n  {\"id\": 1},\n  {\"id\": 2,}\n]").unwrap_err();
        match e {
            ImportError::NotJson { line, column, .. } => assert_eq!((line, column), (3, 12)),
            e => panic!("{e}"),
        }
        assert!(matches!(
            parse("[{\"id\": 1}] trailing"),
            Err(ImportError::NotJson { line: 1, .. })
        ));
        assert!(matches!(
            parse("id,name\n1,A\n"),
            Err(ImportError::NotJson { reason, .. }) if reason.contains("looks like CSV")
        ));
        assert!(matches!(
            parse("\"just a string\""),
            Err(ImportError::NotJson { .. })
        ));
        assert!(matches!(
            read_table(b"PK\x03\x04zip", Format::Json, &Limits::default()),
            Err(ImportError::NotJson { reason, .. }) if reason.contains("XLSX/ZIP")
        ));
    }

    #[test]
    fn empty_shapes() {
        assert_eq!(parse("[]"), Err(ImportError::EmptyFile));
        assert_eq!(parse("{\"records\": []}"), Err(ImportError::EmptyFile));
        assert_eq!(parse("[{}, {}]"), Err(ImportError::NoHeader));
    }

    #[test]
    fn hxl_in_json() {
        let p = parse(
            r##"[{"Name": "#affected+name", "Tel": "#contact+phone"}, {"Name": "A", "Tel": "070"}]"##,
        )
        .unwrap();
        assert_eq!(p.table.hxl.as_ref().map(Vec::len), Some(2));
        assert_eq!(rows(&p), [(2, vec!["A", "070"])]);
    }

    #[test]
    fn limits() {
        let limits = Limits {
            max_rows: 1,
            max_columns: 2,
            ..Limits::default()
        };
        assert_eq!(
            read_table(br#"[{"a":1},{"a":2}]"#, Format::Json, &limits),
            Err(ImportError::TooManyRows { limit: 1 })
        );
        assert_eq!(
            read_table(br#"[{"a":1,"b":2,"c":3}]"#, Format::Json, &limits),
            Err(ImportError::TooManyColumns { found: 3, limit: 2 })
        );
    }

    #[test]
    fn utf16_json() {
        let mut b = b"\xFF\xFE".to_vec();
        for u in r#"[{"نام": "احمد"}]"#.encode_utf16() {
            b.extend_from_slice(&u.to_le_bytes());
        }
        let p = read_table(&b, Format::Json, &Limits::default()).unwrap();
        assert_eq!(p.table.headers, ["نام"]);
        assert_eq!(p.table.rows[0].cells, ["احمد"]);
    }
}
