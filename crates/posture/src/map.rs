//! The map's projection: longitude and latitude to SVG coordinates, equirectangular scaled by
//! the cosine of the middle latitude (true enough for one country).

use crate::gazetteer::Gazetteer;

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
    /// Fits the country's outline and places into `width` pixels (height follows).
    pub fn fit(g: &Gazetteer, width: f64, margin: f64) -> Projection {
        let points = g
            .outline
            .iter()
            .copied()
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
        let mut d = String::new();
        for (i, (lon, lat)) in g.outline.iter().enumerate() {
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
}
