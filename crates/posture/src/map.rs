//! The map: the provinces' areas, and the projection from longitude and latitude to SVG
//! coordinates (equirectangular scaled by the cosine of the middle latitude: true enough for
//! one country).

use crate::gazetteer::{Area, Gazetteer};

/// Whether a point lies inside a ring (even-odd rule).
pub fn contains(ring: &[(f64, f64)], (x, y): (f64, f64)) -> bool {
    let mut inside = false;
    let n = ring.len();
    for i in 0..n {
        let (xi, yi) = ring[i];
        let (xj, yj) = ring[(i + n - 1) % n];
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            inside = !inside;
        }
    }
    inside
}

/// Keeps the part of `poly` where `(p - m) · n <= 0` (Sutherland-Hodgman, one edge).
fn clip_half_plane(poly: &[(f64, f64)], m: (f64, f64), n: (f64, f64)) -> Vec<(f64, f64)> {
    let side = |p: (f64, f64)| (p.0 - m.0) * n.0 + (p.1 - m.1) * n.1;
    let mut out = Vec::with_capacity(poly.len() + 2);
    for i in 0..poly.len() {
        let (a, b) = (poly[i], poly[(i + 1) % poly.len()]);
        let (sa, sb) = (side(a), side(b));
        if sa <= 0.0 {
            out.push(a);
        }
        if (sa <= 0.0) != (sb <= 0.0) {
            let t = sa / (sa - sb);
            out.push((a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1)));
        }
    }
    out
}

/// Each site's Voronoi cell (the points nearer to it than to any other site) within `clip`,
/// in a plane. The clip may be any simple polygon: it is cut by each bisector in turn.
pub fn voronoi(sites: &[(f64, f64)], clip: &[(f64, f64)]) -> Vec<Vec<(f64, f64)>> {
    sites
        .iter()
        .enumerate()
        .map(|(i, &s)| {
            let mut cell = clip.to_vec();
            for (j, &o) in sites.iter().enumerate() {
                if i == j || o == s || cell.is_empty() {
                    continue;
                }
                let m = ((s.0 + o.0) / 2.0, (s.1 + o.1) / 2.0);
                cell = clip_half_plane(&cell, m, (o.0 - s.0, o.1 - s.1));
            }
            cell
        })
        .collect()
}

/// What the map is drawn within: the country's outline, or the places' bounding box with a
/// margin when there is none.
pub fn frame(g: &Gazetteer) -> Vec<(f64, f64)> {
    if !g.outline.is_empty() {
        return g.outline.clone();
    }
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for p in &g.places {
        x0 = x0.min(p.longitude);
        x1 = x1.max(p.longitude);
        y0 = y0.min(p.latitude);
        y1 = y1.max(p.latitude);
    }
    if x0 > x1 {
        return vec![];
    }
    let mx = ((x1 - x0) * 0.1).max(0.25);
    let my = ((y1 - y0) * 0.1).max(0.25);
    vec![
        (x0 - mx, y0 - my),
        (x1 + mx, y0 - my),
        (x1 + mx, y1 + my),
        (x0 - mx, y1 + my),
    ]
}

/// The provinces' areas, and whether they are approximate: the embedded boundaries when the
/// gazetteer has them, otherwise each provincial capital's Voronoi cell within the country's
/// outline (or the bounding box), named after its province.
pub fn province_areas(g: &Gazetteer) -> (Vec<Area>, bool) {
    if !g.areas.is_empty() {
        return (g.areas.clone(), false);
    }
    let clip = frame(g);
    let capitals: Vec<_> = g.provincial_capitals().collect();
    let mid = capitals.iter().map(|p| p.latitude).sum::<f64>() / capitals.len().max(1) as f64;
    let cos = mid.to_radians().cos().max(0.1);
    let flat = |(lon, lat): (f64, f64)| (lon * cos, lat);
    let sites: Vec<_> = capitals
        .iter()
        .map(|p| flat((p.longitude, p.latitude)))
        .collect();
    let clip: Vec<_> = clip.into_iter().map(flat).collect();
    let cells = voronoi(&sites, &clip);
    let areas = capitals
        .iter()
        .zip(cells)
        .filter(|(_, c)| c.len() >= 3)
        .map(|(p, c)| Area {
            province: p.province.clone(),
            ring: c.into_iter().map(|(x, y)| (x / cos, y)).collect(),
        })
        .collect();
    (areas, true)
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Projection {
    min_lon: f64,
    max_lat: f64,
    scale: f64,
    cos: f64,
    pub width: f64,
    pub height: f64,
}

impl Projection {
    /// Fits the country's outline (or frame) and places into `width` pixels (height follows).
    pub fn fit(g: &Gazetteer, width: f64, margin: f64) -> Projection {
        let points = frame(g)
            .into_iter()
            .chain(g.places.iter().map(|p| (p.longitude, p.latitude)));
        let (mut min_lon, mut max_lon, mut min_lat, mut max_lat) =
            (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for (lon, lat) in points {
            min_lon = min_lon.min(lon);
            max_lon = max_lon.max(lon);
            min_lat = min_lat.min(lat);
            max_lat = max_lat.max(lat);
        }
        if min_lon > max_lon {
            (min_lon, max_lon, min_lat, max_lat) = (0.0, 1.0, 0.0, 1.0);
        }
        let cos = ((min_lat + max_lat) / 2.0).to_radians().cos();
        let span_x = ((max_lon - min_lon) * cos).max(1e-6);
        let span_y = (max_lat - min_lat).max(1e-6);
        let scale = (width - 2.0 * margin) / span_x;
        Projection {
            min_lon: min_lon - margin / scale / cos,
            max_lat: max_lat + margin / scale,
            scale,
            cos,
            width,
            height: span_y * scale + 2.0 * margin,
        }
    }

    /// (x, y) in pixels from (longitude, latitude).
    pub fn xy(&self, lon: f64, lat: f64) -> (f64, f64) {
        (
            (lon - self.min_lon) * self.cos * self.scale,
            (self.max_lat - lat) * self.scale,
        )
    }

    /// The outline as an SVG path.
    pub fn outline_path(&self, g: &Gazetteer) -> String {
        self.ring_path(&g.outline)
    }

    /// A closed ring of (longitude, latitude) as an SVG path ("" when empty).
    pub fn ring_path(&self, ring: &[(f64, f64)]) -> String {
        let mut d = String::new();
        for (i, (lon, lat)) in ring.iter().enumerate() {
            let (x, y) = self.xy(*lon, *lat);
            d.push_str(&format!("{}{x:.1},{y:.1}", if i == 0 { "M" } else { "L" }));
        }
        if !d.is_empty() {
            d.push('Z');
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kabul_sits_east_of_herat_and_north_of_kandahar() {
        let g = Gazetteer::afghanistan();
        let p = Projection::fit(&g, 800.0, 10.0);
        let at = |n: &str| {
            let pl = g.find(n).expect(n);
            p.xy(pl.longitude, pl.latitude)
        };
        assert!(at("Kabul").0 > at("Herat").0);
        assert!(at("Kabul").1 < at("Kandahar").1);
        for pl in &g.places {
            let (x, y) = p.xy(pl.longitude, pl.latitude);
            assert!(
                (0.0..=p.width).contains(&x) && (0.0..=p.height).contains(&y),
                "{}",
                pl.name
            );
        }
        assert!(p.outline_path(&g).starts_with('M'));
        assert!(p.height > 400.0 && p.height < 700.0, "{}", p.height);
    }

    fn area(ring: &[(f64, f64)]) -> f64 {
        let n = ring.len();
        (0..n)
            .map(|i| {
                let (a, b) = (ring[i], ring[(i + 1) % n]);
                a.0 * b.1 - b.0 * a.1
            })
            .sum::<f64>()
            .abs()
            / 2.0
    }

    #[test]
    fn voronoi_cells_tile_the_frame_and_hold_their_site() {
        let square = [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)];
        let sites = [(2.0, 2.0), (8.0, 3.0), (5.0, 8.0), (1.0, 9.0)];
        let cells = voronoi(&sites, &square);
        assert_eq!(cells.len(), 4);
        let total: f64 = cells.iter().map(|c| area(c)).sum();
        assert!(
            (total - 100.0).abs() < 1e-6,
            "the cells cover the square: {total}"
        );
        for (s, c) in sites.iter().zip(&cells) {
            assert!(contains(c, *s), "{s:?} in its own cell");
            // Any point of a cell is no nearer to another site.
            for p in c {
                let d = |o: &(f64, f64)| (p.0 - o.0).powi(2) + (p.1 - o.1).powi(2);
                assert!(sites.iter().all(|o| d(s) <= d(o) + 1e-9));
            }
        }
        // Two sites split the square down the middle.
        let halves = voronoi(&[(2.0, 5.0), (8.0, 5.0)], &square);
        assert!((area(&halves[0]) - 50.0).abs() < 1e-9);
        // A non-convex frame (an L) is cut, not filled in.
        let l = [
            (0.0, 0.0),
            (10.0, 0.0),
            (10.0, 4.0),
            (4.0, 4.0),
            (4.0, 10.0),
            (0.0, 10.0),
        ];
        let cells = voronoi(&[(2.0, 8.0), (8.0, 2.0)], &l);
        let total: f64 = cells.iter().map(|c| area(c)).sum();
        assert!((total - area(&l)).abs() < 1e-6, "{total}");
        // One site: the whole frame.
        assert_eq!(voronoi(&[(5.0, 5.0)], &square)[0].len(), 4);
    }

    #[test]
    fn afghanistan_draws_its_real_provinces_another_country_approximate_ones() {
        let g = Gazetteer::afghanistan();
        let (areas, approximate) = province_areas(&g);
        assert!(!approximate);
        assert_eq!(areas.len(), 34);
        // Without embedded boundaries: a cell per provincial capital within the outline.
        let mut bare = g.clone();
        bare.areas.clear();
        let (cells, approximate) = province_areas(&bare);
        assert!(approximate);
        assert_eq!(cells.len(), 34);
        for c in bare.provincial_capitals() {
            let cell = cells
                .iter()
                .find(|a| a.province == c.province)
                .expect("cell");
            assert!(
                contains(&cell.ring, (c.longitude, c.latitude)),
                "{}",
                c.name
            );
        }
        // A loaded country has no outline: the cells fill the places' bounding box.
        let r = Gazetteer::from_csv(
            "Ruritania",
            "name,province,kind,latitude,longitude\nStrel,Central,capital,45,20\nZenda,North,provincial_capital,46,21\nTarlenheim,South,provincial_capital,44,19.5\nAirfield,Central,airport,45.1,20.1\n",
        )
        .expect("gazetteer");
        let (cells, approximate) = province_areas(&r);
        assert!(approximate);
        let names: Vec<&str> = cells.iter().map(|a| a.province.as_str()).collect();
        assert_eq!(names, ["Central", "North", "South"]);
        let p = Projection::fit(&r, 640.0, 10.0);
        for c in &cells {
            assert!(p.ring_path(&c.ring).starts_with('M'));
            for (lon, lat) in &c.ring {
                let (x, y) = p.xy(*lon, *lat);
                assert!(
                    (-0.5..=p.width + 0.5).contains(&x) && (-0.5..=p.height + 0.5).contains(&y)
                );
            }
        }
    }
}
