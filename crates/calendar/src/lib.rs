//! Solar Hijri (Hijri Shamsi, the calendar of Afghan documents) and Gregorian dates, both ways.
//!
//! The arithmetic is Borkowski's, as the `jalaali` libraries use it: leap years follow the
//! 2820-year cycle with the listed break years, which agrees with the astronomical calendar
//! for every year a living person was born in. One implementation for the whole workspace:
//! the resolution engine reads Hijri dates, the list generator writes them.
#![forbid(unsafe_code)]

const BREAKS: [i64; 20] = [
    -61, 9, 38, 199, 426, 686, 756, 818, 1111, 1181, 1210, 1635, 2060, 2097, 2192, 2262, 2324,
    2394, 2456, 3178,
];

/// Gregorian year of 1 Farvardin (Hamal) of Solar Hijri year `jy`, the day in March it
/// falls on, and whether `jy` is a leap year.
fn year_start(jy: i64) -> Option<(i64, i64, bool)> {
    if jy < BREAKS[0] || jy >= BREAKS[BREAKS.len() - 1] {
        return None;
    }
    let gy = jy + 621;
    let mut leap_j = -14;
    let mut jp = BREAKS[0];
    let mut jump = 0;
    for &jm in &BREAKS[1..] {
        jump = jm - jp;
        if jy < jm {
            break;
        }
        leap_j += jump / 33 * 8 + (jump % 33) / 4;
        jp = jm;
    }
    let mut n = jy - jp;
    leap_j += n / 33 * 8 + ((n % 33) + 3) / 4;
    if jump % 33 == 4 && jump - n == 4 {
        leap_j += 1;
    }
    let leap_g = gy / 4 - (gy / 100 + 1) * 3 / 4 - 150;
    let march = 20 + leap_j - leap_g;
    if jump - n < 6 {
        n = n - jump + (jump + 4) / 33 * 33;
    }
    let mut leap = ((n + 1) % 33 - 1) % 4;
    if leap == -1 {
        leap = 4;
    }
    Some((gy, march, leap == 0))
}

/// Julian day number of a Gregorian date.
pub fn julian_day(gy: i64, gm: i64, gd: i64) -> i64 {
    let d = (gy + (gm - 8) / 6 + 100_100) * 1461 / 4 + (153 * ((gm + 9) % 12) + 2) / 5 + gd
        - 34_840_408;
    d - (gy + 100_100 + (gm - 8) / 6) / 100 * 3 / 4 + 752
}

/// Gregorian date of a Julian day number.
pub fn gregorian(jdn: i64) -> (i64, i64, i64) {
    let mut j = 4 * jdn + 139_361_631;
    j += (4 * jdn + 183_187_720) / 146_097 * 3 / 4 * 4 - 3908;
    let i = (j % 1461) / 4 * 5 + 308;
    let gd = (i % 153) / 5 + 1;
    let gm = (i / 153) % 12 + 1;
    let gy = j / 1461 - 100_100 + (8 - gm) / 6;
    (gy, gm, gd)
}

/// Whether a Solar Hijri date exists.
pub fn valid(jy: i32, jm: u32, jd: u32) -> bool {
    let Some((_, _, leap)) = year_start(i64::from(jy)) else {
        return false;
    };
    let days = match jm {
        1..=6 => 31,
        7..=11 => 30,
        12 if leap => 30,
        12 => 29,
        _ => return false,
    };
    (1..=days).contains(&jd)
}

/// The Gregorian date of a Solar Hijri date, `None` if the date does not exist.
pub fn to_gregorian(jy: i32, jm: u32, jd: u32) -> Option<(i32, u32, u32)> {
    if !valid(jy, jm, jd) {
        return None;
    }
    let (gy, march, _) = year_start(i64::from(jy))?;
    let (jm, jd) = (i64::from(jm), i64::from(jd));
    let jdn = julian_day(gy, 3, march) + (jm - 1) * 31 - jm / 7 * (jm - 7) + jd - 1;
    let (y, m, d) = gregorian(jdn);
    Some((
        i32::try_from(y).ok()?,
        u32::try_from(m).ok()?,
        u32::try_from(d).ok()?,
    ))
}

/// The Solar Hijri date of a Gregorian date: 2021-08-15 is 1400-05-24 (24 Asad 1400).
/// `None` outside the years the break table covers.
pub fn from_gregorian(y: i32, m: u32, d: u32) -> Option<(i32, u32, u32)> {
    let jdn = julian_day(i64::from(y), i64::from(m), i64::from(d));
    let (gy, _, _) = gregorian(jdn);
    let mut jy = gy - 621;
    let (_, march, _) = year_start(jy)?;
    let first = julian_day(gy, 3, march);
    let mut k = jdn - first;
    let (jm, jd);
    if (0..=185).contains(&k) {
        (jm, jd) = (1 + k / 31, k % 31 + 1);
    } else {
        if k >= 0 {
            k -= 186;
        } else {
            jy -= 1;
            let (_, _, leap) = year_start(jy)?;
            k += 179 + i64::from(leap);
        }
        (jm, jd) = (7 + k / 30, k % 30 + 1);
    }
    Some((
        i32::try_from(jy).ok()?,
        u32::try_from(jm).ok()?,
        u32::try_from(jd).ok()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(to_gregorian(1400, 1, 1), Some((2021, 3, 21)));
        assert_eq!(to_gregorian(1399, 12, 30), Some((2021, 3, 20)));
        assert_eq!(to_gregorian(1404, 1, 1), Some((2025, 3, 21)));
        assert_eq!(to_gregorian(1403, 12, 30), Some((2025, 3, 20)));
        assert_eq!(to_gregorian(1354, 1, 1), Some((1975, 3, 21)));
        assert_eq!(to_gregorian(1300, 1, 1), Some((1921, 3, 21)));
        assert_eq!(to_gregorian(1402, 7, 1), Some((2023, 9, 23)));
        // 24 Asad 1400: the day Kabul fell, 15 August 2021.
        assert_eq!(to_gregorian(1400, 5, 24), Some((2021, 8, 15)));
        assert_eq!(to_gregorian(1365, 10, 11), Some((1987, 1, 1)));
    }

    #[test]
    fn impossible_dates_are_refused() {
        assert_eq!(to_gregorian(1400, 12, 30), None, "1400 is not a leap year");
        assert_eq!(to_gregorian(1400, 7, 31), None);
        assert_eq!(to_gregorian(1400, 13, 1), None);
        assert_eq!(to_gregorian(1400, 1, 0), None);
        assert!(valid(1399, 12, 30));
    }

    #[test]
    fn every_day_of_a_century_is_consecutive() {
        let mut prev = julian_day(1921, 3, 20);
        for jy in 1300..1406 {
            for jm in 1..=12 {
                for jd in 1..=31 {
                    if let Some((y, m, d)) = to_gregorian(jy, jm, jd) {
                        let day = julian_day(i64::from(y), i64::from(m), i64::from(d));
                        assert_eq!(day, prev + 1, "{jy}-{jm}-{jd}");
                        prev = day;
                    }
                }
            }
        }
    }

    #[test]
    fn both_ways_agree_for_every_day_of_two_centuries() {
        for jy in 1300..1500 {
            for jm in 1..=12 {
                for jd in 1..=31 {
                    if let Some((y, m, d)) = to_gregorian(jy, jm, jd) {
                        assert_eq!(from_gregorian(y, m, d), Some((jy, jm, jd)));
                    }
                }
            }
        }
        assert_eq!(from_gregorian(2021, 8, 15), Some((1400, 5, 24)));
        assert_eq!(from_gregorian(2021, 3, 20), Some((1399, 12, 30)));
    }
}
