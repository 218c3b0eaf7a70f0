//! Sums of a replicate's tallies over groups of residents (the whole place, the place's own
//! deprivation fifths and deciles, localities), shared by the comparison and the time series.

use super::life_table;
use crate::engine::schedule::WEEKS_PER_YEAR;
use crate::results::{Tally, LIFE_AGE_GROUPS, LOCAL_DECILES};

/// A set of residents: everyone, a local fifth, or a locality.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Group {
    All,
    Fifth(usize),
    Locality(usize),
}

/// Financial-year sum of a metric (a [`crate::results::Metric`] or a catalogue index) over a
/// group, in residents.
pub(crate) fn group_sum(t: &Tally, fy: usize, g: Group, m: impl Into<usize>) -> f64 {
    let m = m.into();
    match g {
        Group::All => (0..t.localities())
            .map(|l| (0..LOCAL_DECILES).map(|d| t.equity_residents(fy, l, d, m)).sum::<f64>())
            .sum(),
        Group::Fifth(f) => (0..t.localities())
            .map(|l| t.equity_residents(fy, l, 2 * f, m) + t.equity_residents(fy, l, 2 * f + 1, m))
            .sum(),
        Group::Locality(l) => (0..LOCAL_DECILES).map(|d| t.equity_residents(fy, l, d, m)).sum(),
    }
}

/// Financial-year sum of a metric (a [`crate::results::Metric`] or a catalogue index) over a
/// local decile, in residents.
pub(crate) fn decile_sum(t: &Tally, fy: usize, d: usize, m: impl Into<usize>) -> f64 {
    let m = m.into();
    (0..t.localities()).map(|l| t.equity_residents(fy, l, d, m)).sum()
}

/// QALYs lived in a financial year by a group, in residents' QALYs.
pub(crate) fn group_qalys(t: &Tally, fy: usize, g: Group) -> f64 {
    match g {
        Group::All => (0..t.localities())
            .map(|l| (0..LOCAL_DECILES).map(|d| t.qalys_residents(fy, l, d)).sum::<f64>())
            .sum(),
        Group::Fifth(f) => (0..t.localities())
            .map(|l| t.qalys_residents(fy, l, 2 * f) + t.qalys_residents(fy, l, 2 * f + 1))
            .sum(),
        Group::Locality(l) => (0..LOCAL_DECILES).map(|d| t.qalys_residents(fy, l, d)).sum(),
    }
}

/// Life expectancy at `age` (0 or 65) of one sex in the residents selected by `select(locality,
/// decile)`, pooling financial years `fys`; NaN when the table cannot be built. (Deaths and
/// person-years are counted in agents: only their ratio is used.)
pub(crate) fn life_expectancy(
    t: &Tally,
    fys: &[usize],
    sex: usize,
    age: u8,
    select: impl Fn(usize, usize) -> bool,
) -> f64 {
    let mut deaths = [0.0; LIFE_AGE_GROUPS];
    let mut years = [0.0; LIFE_AGE_GROUPS];
    for &fy in fys {
        for l in 0..t.localities() {
            for d in 0..LOCAL_DECILES {
                if !select(l, d) {
                    continue;
                }
                for g in 0..LIFE_AGE_GROUPS {
                    let (dd, pw) = t.life(fy, l, d, sex, g);
                    deaths[g] += f64::from(dd);
                    years[g] += f64::from(pw) / WEEKS_PER_YEAR;
                }
            }
        }
    }
    life_table::abridged(&deaths, &years).map_or(f64::NAN, |lt| lt.e(age))
}

/// Person-weeks of one sex in one local decile, pooled over financial years `fys`, from the
/// life-table tally (the weight of a decile's life expectancy in the SII; in agents, since
/// only the deciles' relative weights are used).
pub(crate) fn decile_life_weeks(t: &Tally, fys: &[usize], sex: usize, d: usize) -> f64 {
    fys.iter()
        .flat_map(|&fy| (0..t.localities()).flat_map(move |l| (0..LIFE_AGE_GROUPS).map(move |g| (fy, l, g))))
        .map(|(fy, l, g)| f64::from(t.life(fy, l, d, sex, g).1))
        .sum()
}

/// Events per 1,000 person-years; NaN without person-years.
pub(crate) fn per_1000(events: f64, person_years: f64) -> f64 {
    if person_years > 0.0 {
        1000.0 * events / person_years
    } else {
        f64::NAN
    }
}
