//! The national calendar a run follows, week by week: the year-by-year multipliers of A&E
//! attendances, admission conversion, the zero-day share of admissions, length of stay (the
//! secular trend and COVID-19), death
//! hazards (COVID-19's excess mortality) and the days taken to arrange a supported discharge
//! (the national trend in delayed discharges), and the winter cycle of older people's crises
//! and of length of stay. This is the counterfactual every option is compared against: without
//! it the model would say that, but for the services, every year is the calibration year.
//!
//! The place's `[calendar]` gives the multipliers by financial year from its
//! `first_financial_year` (the first value holds before, the last after) and the amplitudes of
//! a cosine cycle peaking at its `winter_peak_week`. Death hazards may also be given by month
//! (`monthly_mortality_multiplier` from `first_mortality_month`: the waves of COVID-19, which
//! a yearly value spreads over the year); in the weeks starting in those months the monthly
//! value replaces the yearly one. A scenario with `model.calendar = false` gets multipliers of
//! 1 and no cycle.

use crate::calendar::Date;
use crate::place::raw::Calendar;
use crate::results::RunCalendar;
use crate::scenario::Scenario;

/// Week-by-week multipliers of one run.
#[derive(Debug, Clone)]
pub struct Seasons {
    /// Crisis hazard multiplier per week: `[under 65, 65 and over]`.
    pub crisis: Vec<[f64; 2]>,
    /// The largest of `crisis` over the run, per age group (the event engine's bound).
    pub crisis_max: [f64; 2],
    /// Attendance-to-admission conversion multiplier per week.
    pub admission: Vec<f64>,
    /// Length-of-stay multiplier per week.
    pub los: Vec<f64>,
    /// Multiplier per week of the share of emergency admissions with a zero-day stay.
    pub zero_day: Vec<f64>,
    /// Multiplier per week of the days taken to arrange a supported discharge.
    pub discharge_delay: Vec<f64>,
    /// Multiplier per week of every death hazard, the background one and the case fatality of
    /// crises (COVID-19's excess deaths): the place's monthly value for a week starting in a
    /// month it gives, otherwise the by-year one.
    pub mortality: Vec<f64>,
    /// The largest of `mortality` from each week to the end of the run (the event engine's
    /// bound, valid from that week on).
    pub mortality_max_from: Vec<f64>,
}

/// A weekly probability `p` whose hazard is multiplied by `m`: `1 − (1 − p)^m`, and `p`
/// itself, bit for bit, when `m` is 1. Increasing in `m`, so a bound at the largest multiplier
/// holds in every week.
#[inline]
pub fn scale_probability(p: f64, m: f64) -> f64 {
    // Exactly 1 (the years without a multiplier), so that those years' draws are unchanged.
    #[allow(clippy::float_cmp)]
    if m == 1.0 {
        p
    } else {
        -(m * (-p).ln_1p()).exp_m1()
    }
}

/// The value of a by-year figure for financial year `fy`.
fn for_year(values: &[f64], first: i32, fy: i32) -> f64 {
    let k = usize::try_from(fy - first)
        .unwrap_or(0)
        .min(values.len().saturating_sub(1));
    values.get(k).copied().unwrap_or(1.0)
}

/// `1 + amplitude × cos(2π (week − peak) / 52)`.
fn cycle(amplitude: f64, week_of_year: u8, peak: u8) -> f64 {
    let phase = (f64::from(week_of_year) - f64::from(peak)) / 52.0;
    1.0 + amplitude * (std::f64::consts::TAU * phase).cos()
}

impl Seasons {
    /// The multipliers of `scenario`'s weeks (`week_of_year` of each) under the place's
    /// calendar.
    pub fn new(scenario: &Scenario, cal: &Calendar, calendar: &RunCalendar, week_of_year: &[u8]) -> Seasons {
        let weeks = calendar.weeks;
        if !scenario.model.calendar {
            return Seasons {
                crisis: vec![[1.0; 2]; weeks],
                crisis_max: [1.0; 2],
                admission: vec![1.0; weeks],
                los: vec![1.0; weeks],
                zero_day: vec![1.0; weeks],
                discharge_delay: vec![1.0; weeks],
                mortality: vec![1.0; weeks],
                mortality_max_from: vec![1.0; weeks],
            };
        }
        let fy = |w: usize| calendar.financial_years[usize::from(calendar.fy_of_week[w])];
        let first = cal.first_financial_year;
        let peak = cal.winter_peak_week;
        let crisis: Vec<[f64; 2]> = (0..weeks)
            .map(|w| {
                let year = for_year(&cal.crisis_multiplier.value, first, fy(w));
                let winter = cycle(cal.winter_crisis_amplitude_65_plus.value, week_of_year[w], peak);
                [year, year * winter]
            })
            .collect();
        let crisis_max = crisis.iter().fold([0.0f64; 2], |m, c| [m[0].max(c[0]), m[1].max(c[1])]);
        let monthly = cal
            .first_mortality_month
            .as_deref()
            .and_then(Date::parse_month)
            .zip(cal.monthly_mortality_multiplier.as_ref());
        let mortality: Vec<f64> = (0..weeks)
            .map(|w| {
                let by_month = monthly.and_then(|(from, f)| {
                    let k = calendar.start.add_days(7 * w as i32).months_since(from);
                    usize::try_from(k).ok().and_then(|k| f.value.get(k).copied())
                });
                by_month.unwrap_or_else(|| for_year(&cal.mortality_multiplier.value, first, fy(w)))
            })
            .collect();
        let mortality_max_from = suffix_max(&mortality);
        Seasons {
            crisis,
            crisis_max,
            admission: (0..weeks)
                .map(|w| for_year(&cal.admission_multiplier.value, first, fy(w)))
                .collect(),
            los: (0..weeks)
                .map(|w| {
                    for_year(&cal.los_multiplier.value, first, fy(w))
                        * cycle(cal.winter_los_amplitude.value, week_of_year[w], peak)
                })
                .collect(),
            zero_day: (0..weeks)
                .map(|w| for_year(&cal.zero_day_multiplier.value, first, fy(w)))
                .collect(),
            discharge_delay: (0..weeks)
                .map(|w| for_year(&cal.discharge_delay_multiplier.value, first, fy(w)))
                .collect(),
            mortality,
            mortality_max_from,
        }
    }
}

/// The largest of `values[w..]` for each `w`.
fn suffix_max(values: &[f64]) -> Vec<f64> {
    let mut out = values.to_vec();
    for w in (0..out.len().saturating_sub(1)).rev() {
        out[w] = out[w].max(out[w + 1]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{cycle, for_year, scale_probability, suffix_max};

    #[test]
    fn the_mortality_bound_from_a_week_covers_every_later_week() {
        let m = [1.0, 2.8, 1.3, 1.0, 1.9, 0.9];
        let bound = suffix_max(&m);
        assert_eq!(bound, vec![2.8, 2.8, 1.9, 1.9, 1.9, 0.9]);
        for w in 0..m.len() {
            assert!(m[w..].iter().all(|&x| x <= bound[w]));
        }
    }

    #[test]
    fn a_mortality_multiplier_scales_the_hazard_and_one_changes_nothing() {
        assert_eq!(scale_probability(0.013, 1.0).to_bits(), 0.013f64.to_bits());
        // Two weeks' worth of a weekly probability: 1 − (1 − p)².
        assert!((scale_probability(0.1, 2.0) - 0.19).abs() < 1e-12);
        assert!(scale_probability(0.1, 1.2) > 0.1 && scale_probability(0.1, 1.2) < 0.12);
        assert!(scale_probability(0.1, 0.0).abs() < 1e-15);
    }

    #[test]
    fn by_year_figures_hold_their_first_and_last_values_outside_their_years() {
        let v = [0.9, 1.0, 1.1];
        assert_eq!(for_year(&v, 2016, 2014).to_bits(), 0.9f64.to_bits());
        assert_eq!(for_year(&v, 2016, 2017).to_bits(), 1.0f64.to_bits());
        assert_eq!(for_year(&v, 2016, 2030).to_bits(), 1.1f64.to_bits());
    }

    #[test]
    fn the_winter_cycle_peaks_at_its_week_and_averages_one_over_a_year() {
        assert!((cycle(0.08, 1, 1) - 1.08).abs() < 1e-12);
        assert!((cycle(0.08, 27, 1) - 0.92).abs() < 1e-12);
        let mean: f64 = (0..52u8).map(|w| cycle(0.08, w, 1)).sum::<f64>() / 52.0;
        assert!((mean - 1.0).abs() < 1e-12);
    }
}
