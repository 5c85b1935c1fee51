//! The country's places: provinces and their capitals, the national capital, the airport, the
//! roads out of the capital and the border crossings, with coordinates.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What a place is, for the measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    /// The national capital (also its province's capital).
    Capital,
    ProvincialCapital,
    Airport,
    /// A road out of the capital (a point on it near the capital).
    Road,
    /// A border crossing.
    Crossing,
    /// Any other town or site.
    Place,
}

impl PlaceKind {
    pub const ALL: [PlaceKind; 6] = [
        PlaceKind::Capital,
        PlaceKind::ProvincialCapital,
        PlaceKind::Airport,
        PlaceKind::Road,
        PlaceKind::Crossing,
        PlaceKind::Place,
    ];
    pub fn slug(self) -> &'static str {
        match self {
            PlaceKind::Capital => "capital",
            PlaceKind::ProvincialCapital => "provincial_capital",
            PlaceKind::Airport => "airport",
            PlaceKind::Road => "road",
            PlaceKind::Crossing => "crossing",
            PlaceKind::Place => "place",
        }
    }
    pub fn parse(s: &str) -> Option<PlaceKind> {
        PlaceKind::ALL
            .into_iter()
            .find(|k| k.slug() == s.trim().to_lowercase())
    }
    /// Counts among the provincial capitals (the national capital is one too).
    pub fn is_provincial_capital(self) -> bool {
        matches!(self, PlaceKind::Capital | PlaceKind::ProvincialCapital)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Place {
    pub name: String,
    pub province: String,
    pub kind: PlaceKind,
    pub latitude: f64,
    pub longitude: f64,
}

/// A gazetteer that could not be read: the line and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GazetteerError {
    /// 1-based line of the file (0 when the whole file is at fault).
    pub line: usize,
    pub message: String,
}

impl fmt::Display for GazetteerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.message)
        } else {
            write!(f, "line {}: {}", self.line, self.message)
        }
    }
}

impl std::error::Error for GazetteerError {}

/// A province's boundary for the map: one ring of (longitude, latitude).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Area {
    pub province: String,
    pub ring: Vec<(f64, f64)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Gazetteer {
    pub country: String,
    pub places: Vec<Place>,
    /// A simplified outline of the country for the map: (longitude, latitude).
    pub outline: Vec<(f64, f64)>,
    /// The provinces' real boundaries when known (Afghanistan's are embedded); without them
    /// the map draws approximate areas (see [`crate::map::province_areas`]).
    #[serde(default)]
    pub areas: Vec<Area>,
}

const AFGHANISTAN_CSV: &str = include_str!("../data/afghanistan.csv");
const AFGHANISTAN_OUTLINE: &str = include_str!("../data/afghanistan_outline.txt");
const AFGHANISTAN_PROVINCES: &str = include_str!("../data/afghanistan_provinces.txt");

/// "lon lat" → (lon, lat); None for anything else.
fn point(line: &str) -> Option<(f64, f64)> {
    let mut it = line.split_whitespace().map(str::parse::<f64>);
    Some((it.next()?.ok()?, it.next()?.ok()?))
}

/// Reads "province NAME" lines each followed by its boundary's points.
fn read_areas(text: &str) -> Vec<Area> {
    let mut areas: Vec<Area> = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        if let Some(name) = line.strip_prefix("province ") {
            areas.push(Area {
                province: name.trim().to_string(),
                ring: Vec::new(),
            });
        } else if let (Some(a), Some(p)) = (areas.last_mut(), point(line)) {
            a.ring.push(p);
        }
    }
    areas
}

/// Folds a place name for comparison: "Pul-e-Alam", "pul e alam" and "PUL E ALAM" are one.
pub fn fold(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Great-circle distance in kilometres (haversine, mean Earth radius).
pub fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lon1) = (a.0.to_radians(), a.1.to_radians());
    let (lat2, lon2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * 6371.0088 * h.sqrt().min(1.0).asin()
}

impl Gazetteer {
    /// Afghanistan: the 34 provinces with their capitals, Kabul, HKIA, the five roads out of
    /// Kabul and the main border crossings. Embedded: works offline.
    pub fn afghanistan() -> Gazetteer {
        // The embedded file is checked by a unit test; it cannot fail at run time.
        let mut g = Gazetteer::from_csv("Afghanistan", AFGHANISTAN_CSV).unwrap_or(Gazetteer {
            country: "Afghanistan".into(),
            places: vec![],
            outline: vec![],
            areas: vec![],
        });
        g.outline = AFGHANISTAN_OUTLINE
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(point)
            .collect();
        g.areas = read_areas(AFGHANISTAN_PROVINCES);
        g
    }

    /// Reads a gazetteer from CSV with the header `name,province,kind,latitude,longitude`
    /// (kind: capital, provincial_capital, airport, road, crossing, place). Exactly one row is
    /// the capital; names are unique.
    pub fn from_csv(country: &str, text: &str) -> Result<Gazetteer, GazetteerError> {
        let err = |line: usize, message: String| GazetteerError { line, message };
        let mut lines = text
            .trim_start_matches('\u{feff}')
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty());
        let (_, header) = lines
            .next()
            .ok_or_else(|| err(0, "the file is empty".into()))?;
        let header: Vec<String> = header.split(',').map(|h| h.trim().to_lowercase()).collect();
        let want = ["name", "province", "kind", "latitude", "longitude"];
        let col = |name: &str| header.iter().position(|h| h == name);
        let mut cols = [0usize; 5];
        for (i, w) in want.iter().enumerate() {
            cols[i] = col(w).ok_or_else(|| {
                err(
                    1,
                    format!(
                        "the header has no '{w}' column (it needs: {}; it has: {})",
                        want.join(","),
                        header.join(",")
                    ),
                )
            })?;
        }
        let mut places: Vec<Place> = Vec::new();
        for (i, line) in lines {
            let n = i + 1;
            let cells: Vec<&str> = line.split(',').map(str::trim).collect();
            if cells.len() != header.len() {
                return Err(err(
                    n,
                    format!(
                        "{} fields, the header has {} (names may not contain commas)",
                        cells.len(),
                        header.len()
                    ),
                ));
            }
            let name = cells[cols[0]];
            if name.is_empty() {
                return Err(err(n, "name is empty".into()));
            }
            let kind = PlaceKind::parse(cells[cols[2]]).ok_or_else(|| {
                err(
                    n,
                    format!(
                        "kind '{}' is not one of: {}",
                        cells[cols[2]],
                        PlaceKind::ALL.map(PlaceKind::slug).join(", ")
                    ),
                )
            })?;
            let coord = |c: usize, what: &str, limit: f64| -> Result<f64, GazetteerError> {
                let v: f64 = cells[c].parse().map_err(|_| {
                    err(
                        n,
                        format!("{what} '{}' is not a number in degrees", cells[c]),
                    )
                })?;
                if !v.is_finite() || v.abs() > limit {
                    return Err(err(
                        n,
                        format!("{what} {v} is outside -{limit}..{limit} degrees"),
                    ));
                }
                Ok(v)
            };
            let latitude = coord(cols[3], "latitude", 90.0)?;
            let longitude = coord(cols[4], "longitude", 180.0)?;
            if let Some(p) = places.iter().find(|p| fold(&p.name) == fold(name)) {
                return Err(err(
                    n,
                    format!("'{name}' is already in the gazetteer (as '{}')", p.name),
                ));
            }
            places.push(Place {
                name: name.to_string(),
                province: cells[cols[1]].to_string(),
                kind,
                latitude,
                longitude,
            });
        }
        let capitals = places
            .iter()
            .filter(|p| p.kind == PlaceKind::Capital)
            .count();
        if capitals != 1 {
            return Err(err(
                0,
                format!("exactly one place must be of kind 'capital' (found {capitals})"),
            ));
        }
        Ok(Gazetteer {
            country: country.to_string(),
            places,
            outline: vec![],
            areas: vec![],
        })
    }

    pub fn capital(&self) -> Option<&Place> {
        self.places.iter().find(|p| p.kind == PlaceKind::Capital)
    }

    /// A place by its name, or by its province's name for a provincial capital; spelling of
    /// case, spaces and hyphens does not matter.
    pub fn find(&self, name: &str) -> Option<&Place> {
        let f = fold(name);
        if f.is_empty() {
            return None;
        }
        self.places.iter().find(|p| fold(&p.name) == f).or_else(|| {
            self.places
                .iter()
                .find(|p| p.kind.is_provincial_capital() && fold(&p.province) == f)
        })
    }

    pub fn of_kind(&self, kind: PlaceKind) -> impl Iterator<Item = &Place> {
        self.places.iter().filter(move |p| p.kind == kind)
    }

    pub fn provincial_capitals(&self) -> impl Iterator<Item = &Place> {
        self.places
            .iter()
            .filter(|p| p.kind.is_provincial_capital())
    }

    /// Kilometres from the capital.
    pub fn km_from_capital(&self, p: &Place) -> Option<f64> {
        let c = self.capital()?;
        Some(distance_km(
            (c.latitude, c.longitude),
            (p.latitude, p.longitude),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn afghanistan_has_its_34_provinces_kabul_and_hkia() {
        let g = Gazetteer::from_csv("Afghanistan", AFGHANISTAN_CSV).expect("embedded CSV reads");
        assert_eq!(g.provincial_capitals().count(), 34);
        let provinces: std::collections::BTreeSet<_> =
            g.provincial_capitals().map(|p| &p.province).collect();
        assert_eq!(provinces.len(), 34, "one capital per province");
        assert_eq!(g.capital().map(|c| c.name.as_str()), Some("Kabul"));
        assert_eq!(g.of_kind(PlaceKind::Airport).count(), 1);
        let g = Gazetteer::afghanistan();
        assert!(g.outline.len() > 100, "the outline is embedded");
        // Each province has its boundary, named as the gazetteer names it, around its capital.
        assert_eq!(g.areas.len(), 34);
        for c in g.provincial_capitals() {
            let a = g
                .areas
                .iter()
                .find(|a| a.province == c.province)
                .unwrap_or_else(|| panic!("no boundary for {}", c.province));
            assert!(
                crate::map::contains(&a.ring, (c.longitude, c.latitude)),
                "{} lies outside {}",
                c.name,
                c.province
            );
        }
        // Every place lies inside the country's bounding box.
        for p in &g.places {
            assert!((29.3..38.5).contains(&p.latitude), "{}", p.name);
            assert!((60.5..75.0).contains(&p.longitude), "{}", p.name);
        }
    }

    #[test]
    fn distances_are_great_circle_kilometres() {
        let g = Gazetteer::afghanistan();
        let km = |n: &str| g.km_from_capital(g.find(n).expect(n)).expect("capital");
        // Reference values from the coordinates (haversine, R = 6371 km).
        assert!(
            (km("Pul-e-Alam") - 64.0).abs() < 3.0,
            "{}",
            km("Pul-e-Alam")
        );
        assert!((km("Ghazni") - 128.0).abs() < 5.0, "{}", km("Ghazni"));
        assert!((km("Kandahar") - 462.0).abs() < 10.0, "{}", km("Kandahar"));
        assert!(km("HKIA (Kabul airport)") < 3.0);
    }

    #[test]
    fn places_are_found_by_any_spelling_or_by_province() {
        let g = Gazetteer::afghanistan();
        assert_eq!(
            g.find("pul e alam").map(|p| p.name.as_str()),
            Some("Pul-e-Alam")
        );
        assert_eq!(g.find("Logar").map(|p| p.name.as_str()), Some("Pul-e-Alam"));
        assert_eq!(
            g.find("helmand").map(|p| p.name.as_str()),
            Some("Lashkar Gah")
        );
        assert!(g.find("Atlantis").is_none());
        assert!(g.find("").is_none());
    }

    #[test]
    fn a_bad_gazetteer_names_the_line_and_field() {
        let e = Gazetteer::from_csv("X", "name,province,kind\nA,B,capital\n").expect_err("refused");
        assert_eq!(e.line, 1);
        assert!(e.message.contains("'latitude'"), "{e}");
        let head = "name,province,kind,latitude,longitude\n";
        let e = Gazetteer::from_csv("X", &format!("{head}A,P,capital,1,2\nB,P,town,1,2\n"))
            .expect_err("refused");
        assert_eq!(e.line, 3);
        assert!(e.message.contains("kind 'town'"), "{e}");
        let e =
            Gazetteer::from_csv("X", &format!("{head}A,P,capital,north,2\n")).expect_err("refused");
        assert!(e.to_string().starts_with("line 2: latitude 'north'"), "{e}");
        let e =
            Gazetteer::from_csv("X", &format!("{head}A,P,capital,1,200\n")).expect_err("refused");
        assert!(e.message.contains("longitude 200"), "{e}");
        let e = Gazetteer::from_csv("X", &format!("{head}A,P,provincial_capital,1,2\n"))
            .expect_err("refused");
        assert!(e.message.contains("exactly one"), "{e}");
        let e = Gazetteer::from_csv("X", &format!("{head}A,P,capital,1,2\na,Q,place,1,2\n"))
            .expect_err("refused");
        assert!(e.message.contains("already"), "{e}");
        let ok = Gazetteer::from_csv("Ruritania", &format!("{head}Strel,Central,capital,45,20\n"))
            .expect("a one-place gazetteer");
        assert_eq!(ok.capital().map(|c| c.name.as_str()), Some("Strel"));
    }
}
