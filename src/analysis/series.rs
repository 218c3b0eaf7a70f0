//! Time series across replicates, for charts and for researchers who want trajectories rather
//! than totals (`series.csv`).
//!
//! Two resolutions, each summarised across replicates as a mean and equal-tailed 95% interval:
//! * **quarterly** (financial quarters, April–June first), for the whole place and each
//!   locality: admission and A&E rates per 1,000 person-years (annualised), service flows
//!   (counts in the quarter) and caseloads and waiting lists (mean weekly level), those of the
//!   catalogue's declared services included ([`quarterly_names`]). Only complete
//!   quarters (12 weeks or more) are included, so a partial quarter at either end cannot look
//!   like a dip.
//! * **per financial year**, for the whole place and the place's own deprivation fifths:
//!   admission rate and life expectancy at birth by sex, with the slope index of inequality
//!   across the ten local deciles.

use super::groups::{decile_life_weeks, decile_sum, group_sum, life_expectancy, per_1000, Group};
use super::inequality::{self, Direction};
use crate::calendar::{financial_year_label, Date};
use crate::engine::schedule::WEEKS_PER_YEAR;
use crate::results::summary::{interval, Interval};
use crate::results::{Catalog, CustomMetric, Metric, MetricKind, RunCalendar, Tally, LOCAL_DECILES};

/// One summarised point of one series.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesRow {
    /// Series name (a metric name or a derived rate, see [`quarterly_names`] and [`ANNUAL`]).
    pub metric: String,
    /// `all`, a locality key (quarterly), or `fifth_1` (most deprived) … `fifth_5` (annual).
    pub group: String,
    /// `quarter` or `year`: the same series name can exist at both resolutions
    /// (`admissions_per_1000` for the whole place).
    pub resolution: &'static str,
    /// `FY2019/20 Q1` or `FY2019/20`.
    pub period: String,
    /// First day of the period (the Monday starting its first week).
    pub period_start: Date,
    /// Unit of the values.
    pub unit: &'static str,
    /// Mean and 95% interval across replicates (NaN where no replicate has a value).
    pub interval: Interval,
    /// Replicates with a finite value.
    pub n: usize,
}

/// How a quarterly series is computed from the weekly tally.
#[derive(Debug, Clone, Copy)]
enum Quarterly {
    /// The metric per 1,000 person-years (annualised rate), under the given series name.
    Rate(&'static str, Metric),
    /// The metric as tallied, under its own name and unit: counts summed over the quarter,
    /// stocks as mean weekly level.
    Raw(Metric),
}

/// The built-in quarterly series, in output order (the catalogue's declared services add
/// theirs after them, see [`quarterly`]).
const QUARTERLY: [Quarterly; 19] = [
    Quarterly::Rate("admissions_per_1000", Metric::EmergencyAdmissions),
    Quarterly::Rate("ae_attendances_per_1000", Metric::AeAttendances),
    Quarterly::Raw(Metric::EmergencyAdmissions),
    Quarterly::Raw(Metric::AdmissionsAvoidedLife),
    Quarterly::Raw(Metric::LifeReferrals),
    Quarterly::Raw(Metric::ReablementNoPackage),
    Quarterly::Raw(Metric::ReablementToPackage),
    Quarterly::Raw(Metric::ReablementToCareHome),
    Quarterly::Raw(Metric::DelayedBedDays),
    Quarterly::Raw(Metric::HuddleCaseload),
    Quarterly::Raw(Metric::PicCaseload),
    Quarterly::Raw(Metric::ReablementCaseload),
    Quarterly::Raw(Metric::SocialPrescribingActive),
    Quarterly::Raw(Metric::HuddleWaiting),
    Quarterly::Raw(Metric::PicWaiting),
    Quarterly::Raw(Metric::SocialPrescribingWaiting),
    Quarterly::Raw(Metric::ReablementWaiting),
    Quarterly::Raw(Metric::CarePackageWaiting),
    Quarterly::Raw(Metric::CareHomeWaiting),
];

/// A quarterly series resolved against a catalogue: name, unit, how it is computed (a rate of a
/// metric, or a metric index as tallied, with its kind).
struct QuarterlySeries {
    name: String,
    unit: &'static str,
    how: How,
}

#[derive(Debug, Clone, Copy)]
enum How {
    Rate(Metric),
    Raw(usize, MetricKind),
}

/// Each declared service's metrics in the quarterly series: its caseload and waiting list.
const CUSTOM_QUARTERLY: [CustomMetric; 2] = [CustomMetric::Caseload, CustomMetric::Waiting];

/// The quarterly series of a catalogue, in output order: the built-in ones, then per declared
/// service its caseload and waiting list.
fn quarterly(catalog: &Catalog) -> Vec<QuarterlySeries> {
    let mut out: Vec<QuarterlySeries> = QUARTERLY
        .iter()
        .map(|q| match *q {
            Quarterly::Rate(name, m) => QuarterlySeries {
                name: name.to_string(),
                unit: "per 1,000 person-years",
                how: How::Rate(m),
            },
            Quarterly::Raw(m) => QuarterlySeries {
                name: m.name().to_string(),
                unit: m.unit(),
                how: How::Raw(m as usize, m.kind()),
            },
        })
        .collect();
    for j in 0..catalog.custom_services().len() {
        for which in CUSTOM_QUARTERLY {
            let m = catalog.custom_metric(j, which);
            let info = &catalog.metrics()[m];
            out.push(QuarterlySeries {
                name: info.name.clone(),
                unit: info.unit,
                how: How::Raw(m, info.kind),
            });
        }
    }
    out
}

/// Names of the quarterly series of a catalogue, in output order.
pub fn quarterly_names(catalog: &Catalog) -> Vec<String> {
    quarterly(catalog).into_iter().map(|q| q.name).collect()
}

/// Names of every series of a catalogue (quarterly, then per financial year): what
/// `series.csv` may hold.
pub fn series_names(catalog: &Catalog) -> Vec<String> {
    let mut names = quarterly_names(catalog);
    for (name, _) in ANNUAL {
        if !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
    for u in service_use(catalog) {
        names.extend(u.series().into_iter().map(|(name, _)| name));
    }
    names
}

/// What a queue's waiting metric measures, and so the unit of its mean wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitUnit {
    /// A waiting list (a stock, persons at the end of each week): the wait in weeks.
    Weeks,
    /// Days spent waiting (a count of days): the wait in days.
    Days,
}

/// How a service's occupancy and a queue's mean wait are derived from the weekly tally, per
/// financial year ([`service_use`]).
///
/// * **Occupancy** (`<name>_occupancy`, share): capacity used ÷ capacity offered, summed over
///   the year's weeks: a caseload (mean weekly level) against caseload places, or the week's
///   starts against the week's slots. Missing in a year with no capacity.
/// * **Mean wait** (`<name>_wait_weeks`), by Little's law: the mean number waiting ÷ the mean
///   number leaving the list a week, by a start or a lapse. Residents who leave a list by an
///   admission or a death are not counted among those leaving, so the figure is an upper bound
///   on the mean wait of everyone who joins. Missing in a year in which nobody leaves.
/// * **Mean discharge delay** (`discharge_delay_days`): bed days spent fit for discharge
///   (arranging the discharge, then waiting for a place) ÷
///   discharges to reablement, a package or a care home, counted in days, so that waits
///   shorter than a week count (the weekly snapshot of who waits does not see them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceUse {
    /// Prefix of the series names (`pic`, `reablement`, `<key>` of a declared service).
    pub name: String,
    /// Label on charts and in the report.
    pub label: String,
    /// The capacity metric and the capacity-used metric (catalogue indices), when the service
    /// has a capacity.
    pub occupancy: Option<(usize, usize)>,
    /// The waiting-list metric, the metrics counting departures from it, and the wait's unit.
    pub wait: Option<(usize, Vec<usize>, WaitUnit)>,
}

impl ServiceUse {
    /// Names and units of its series, in output order.
    pub fn series(&self) -> Vec<(String, &'static str)> {
        let mut out = Vec::new();
        if self.occupancy.is_some() {
            out.push((format!("{}_occupancy", self.name), "share of capacity"));
        }
        if let Some((_, _, unit)) = &self.wait {
            out.push(match unit {
                WaitUnit::Weeks => (format!("{}_wait_weeks", self.name), "weeks"),
                WaitUnit::Days => (format!("{}_delay_days", self.name), "days"),
            });
        }
        out
    }
}

/// Every service's capacity use and every queue's wait, in output order: the built-in
/// services, the discharge queues for social care, then each declared service.
pub fn service_use(catalog: &Catalog) -> Vec<ServiceUse> {
    use Metric as M;
    let m = |x: Metric| x as usize;
    let builtin =
        |name: &str, label: &str, occupancy: Option<(Metric, Metric)>, wait: Option<(Metric, &[Metric], WaitUnit)>| {
            ServiceUse {
                name: name.to_string(),
                label: label.to_string(),
                occupancy: occupancy.map(|(c, u)| (m(c), m(u))),
                wait: wait.map(|(l, exits, unit)| (m(l), exits.iter().map(|&e| m(e)).collect(), unit)),
            }
        };
    let mut out = vec![
        builtin(
            "huddle",
            "Huddle reviews",
            Some((M::HuddleCapacity, M::HuddleReviews)),
            Some((M::HuddleWaiting, &[M::HuddleReviews, M::HuddleLapsed], WaitUnit::Weeks)),
        ),
        builtin(
            "pic",
            "PICs",
            Some((M::PicPlaces, M::PicCaseload)),
            Some((M::PicWaiting, &[M::PicStarts, M::PicLapsed], WaitUnit::Weeks)),
        ),
        builtin(
            "life_liaison",
            "LIFE A&E liaison",
            Some((M::LiaisonCapacity, M::LiaisonAssessments)),
            None,
        ),
        builtin(
            "reablement",
            "LIFE reablement",
            Some((M::ReablementPlaces, M::ReablementCaseload)),
            None,
        ),
        builtin(
            "social_prescribing",
            "Social prescribing",
            Some((M::SocialPrescribingCapacity, M::SocialPrescribingReferrals)),
            Some((
                M::SocialPrescribingWaiting,
                &[M::SocialPrescribingReferrals, M::SocialPrescribingLapsed],
                WaitUnit::Weeks,
            )),
        ),
        builtin(
            "pharmacist",
            "Pharmacist reviews",
            Some((M::PharmacistCapacity, M::PharmacistReviews)),
            Some((
                M::PharmacistWaiting,
                &[M::PharmacistReviews, M::PharmacistLapsed],
                WaitUnit::Weeks,
            )),
        ),
        builtin(
            "discharge",
            "Supported discharge from hospital",
            None,
            Some((
                M::DelayedBedDays,
                &[M::DischargesReablement, M::DischargesCarePackage, M::DischargesCareHome],
                WaitUnit::Days,
            )),
        ),
    ];
    for (j, svc) in catalog.custom_services().iter().enumerate() {
        let c = |which| catalog.custom_metric(j, which);
        out.push(ServiceUse {
            name: svc.key.clone(),
            label: svc.label.clone(),
            occupancy: Some((c(CustomMetric::Capacity), c(CustomMetric::CapacityUsed))),
            wait: Some((
                c(CustomMetric::Waiting),
                vec![c(CustomMetric::Starts), c(CustomMetric::Lapsed)],
                WaitUnit::Weeks,
            )),
        });
    }
    out
}

/// Names and units of the per-financial-year series, in output order.
pub const ANNUAL: [(&str, &str); 6] = [
    ("admissions_per_1000", "per 1,000 person-years"),
    ("admissions_per_1000_sii", "per 1,000 person-years"),
    ("life_expectancy_at_birth_male", "years"),
    ("life_expectancy_at_birth_male_sii", "years"),
    ("life_expectancy_at_birth_female", "years"),
    ("life_expectancy_at_birth_female_sii", "years"),
];

/// A financial quarter of the run: label, first week, weeks.
#[derive(Debug, Clone, PartialEq)]
struct Quarter {
    label: String,
    start: Date,
    weeks: std::ops::Range<usize>,
}

/// Complete financial quarters of a calendar (each week belongs to the quarter its Monday
/// falls in).
fn quarters(cal: &RunCalendar) -> Vec<Quarter> {
    let key = |d: Date| {
        let (_, month, _) = d.ymd();
        (d.financial_year(), (month + 8) % 12 / 3)
    };
    let mut out: Vec<Quarter> = Vec::new();
    let mut current: Option<((i32, u32), usize)> = None;
    for w in 0..=cal.weeks {
        let k = (w < cal.weeks).then(|| key(cal.week_start(w)));
        match current {
            Some((ck, first)) if Some(ck) != k => {
                if w - first >= 12 {
                    out.push(Quarter {
                        label: format!("{} Q{}", financial_year_label(ck.0), ck.1 + 1),
                        start: cal.week_start(first),
                        weeks: first..w,
                    });
                }
                current = k.map(|k| (k, w));
            }
            None => current = k.map(|k| (k, w)),
            _ => {}
        }
    }
    out
}

/// Every series of one scenario. `localities` are the locality keys in tally order; the
/// tallies are laid out for `catalog`.
pub fn series(cal: &RunCalendar, catalog: &Catalog, localities: &[&str], replicates: &[Tally]) -> Vec<SeriesRow> {
    let mut rows = Vec::new();
    let mut push = |metric: &str, group: &str, resolution, period: String, start, unit, values: &[f64]| {
        let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        rows.push(SeriesRow {
            metric: metric.to_string(),
            group: group.to_string(),
            resolution,
            period,
            period_start: start,
            unit,
            interval: interval(&finite),
            n: finite.len(),
        });
    };

    // Quarterly, for the place (None) and each locality.
    let groups: Vec<(&str, Option<usize>)> = std::iter::once(("all", None))
        .chain(localities.iter().enumerate().map(|(l, k)| (*k, Some(l))))
        .collect();
    let qs = quarters(cal);
    for QuarterlySeries { name, unit, how } in quarterly(catalog) {
        for &(group, locality) in &groups {
            for q in &qs {
                let values: Vec<f64> = replicates
                    .iter()
                    .map(|t| {
                        let sum = |m: usize| -> f64 {
                            q.weeks
                                .clone()
                                .map(|w| match locality {
                                    Some(l) => t.weekly_residents(w, l, m),
                                    None => (0..t.localities()).map(|l| t.weekly_residents(w, l, m)).sum(),
                                })
                                .sum()
                        };
                        match how {
                            How::Rate(m) => {
                                per_1000(sum(m as usize), sum(Metric::Population as usize) / WEEKS_PER_YEAR)
                            }
                            How::Raw(m, MetricKind::Count) => sum(m),
                            How::Raw(m, MetricKind::Stock) => sum(m) / q.weeks.len() as f64,
                        }
                    })
                    .collect();
                push(&name, group, "quarter", q.label.clone(), q.start, unit, &values);
            }
        }
    }

    // Per financial year, for the place and each local deprivation fifth.
    let fys = replicates
        .iter()
        .map(Tally::financial_years)
        .min()
        .unwrap_or(0)
        .min(cal.financial_years.len());
    let first_week_of = |fy: usize| cal.fy_of_week.iter().position(|&k| usize::from(k) == fy).unwrap_or(0);
    let fifths: Vec<(String, Group)> = std::iter::once(("all".to_string(), Group::All))
        .chain((0..5).map(|f| (super::compare::fifth_name(f), Group::Fifth(f))))
        .collect();
    for (name, unit) in ANNUAL {
        for fy in 0..fys {
            let label = financial_year_label(cal.financial_years[fy]);
            let start = cal.week_start(first_week_of(fy));
            let by_group = |t: &Tally, g: Group| -> f64 {
                match name {
                    "admissions_per_1000" => per_1000(
                        group_sum(t, fy, g, Metric::EmergencyAdmissions),
                        group_sum(t, fy, g, Metric::Population) / WEEKS_PER_YEAR,
                    ),
                    _ => {
                        let sex = usize::from(name.contains("_male"));
                        life_expectancy(t, &[fy], sex, 0, |_, d| match g {
                            Group::Fifth(f) => d / 2 == f,
                            _ => true,
                        })
                    }
                }
            };
            if let Some(measure) = name.strip_suffix("_sii") {
                let values: Vec<f64> = replicates
                    .iter()
                    .map(|t| {
                        let deciles: Vec<(f64, f64)> =
                            (0..LOCAL_DECILES).map(|d| decile_point(t, fy, d, measure)).collect();
                        let dir = if measure.starts_with("life") {
                            Direction::Beneficial
                        } else {
                            Direction::Adverse
                        };
                        inequality::sii(&deciles, dir).map_or(f64::NAN, |s| s.sii)
                    })
                    .collect();
                push(name, "all", "year", label.clone(), start, unit, &values);
            } else {
                for (group, g) in &fifths {
                    let values: Vec<f64> = replicates.iter().map(|t| by_group(t, *g)).collect();
                    push(name, group, "year", label.clone(), start, unit, &values);
                }
            }
        }
    }

    // Per financial year, for the place and each locality: capacity use and waits.
    let uses = service_use(catalog);
    for fy in 0..fys {
        let label = financial_year_label(cal.financial_years[fy]);
        let start = cal.week_start(first_week_of(fy));
        let weeks: Vec<usize> = (0..cal.weeks)
            .filter(|&w| usize::from(cal.fy_of_week[w]) == fy)
            .collect();
        for u in &uses {
            for (name, unit) in u.series() {
                for &(group, locality) in &groups {
                    let values: Vec<f64> = replicates
                        .iter()
                        .map(|t| {
                            let sum = |m: usize| -> f64 {
                                weeks
                                    .iter()
                                    .map(|&w| match locality {
                                        Some(l) => t.weekly_residents(w, l, m),
                                        None => (0..t.localities()).map(|l| t.weekly_residents(w, l, m)).sum(),
                                    })
                                    .sum()
                            };
                            match (&u.occupancy, &u.wait) {
                                (Some((capacity, used)), _) if name.ends_with("_occupancy") => {
                                    ratio(sum(*used), sum(*capacity))
                                }
                                (_, Some((waiting, exits, _))) => {
                                    ratio(sum(*waiting), exits.iter().map(|&e| sum(e)).sum())
                                }
                                _ => f64::NAN,
                            }
                        })
                        .collect();
                    push(&name, group, "year", label.clone(), start, unit, &values);
                }
            }
        }
    }
    rows
}

/// `a / b`, missing (NaN) when `b` is not positive.
fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        f64::NAN
    }
}

/// Person-years and value of `measure` in one local decile in one year (for the SII).
fn decile_point(t: &Tally, fy: usize, d: usize, measure: &str) -> (f64, f64) {
    match measure {
        "admissions_per_1000" => {
            let py = decile_sum(t, fy, d, Metric::Population) / WEEKS_PER_YEAR;
            (py, per_1000(decile_sum(t, fy, d, Metric::EmergencyAdmissions), py))
        }
        _ => {
            let sex = usize::from(measure.ends_with("_male"));
            (
                decile_life_weeks(t, &[fy], sex, d),
                life_expectancy(t, &[fy], sex, 0, |_, dd| dd == d),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calendar(start: &str, end: &str) -> RunCalendar {
        RunCalendar::new(Date::parse(start).unwrap(), Date::parse(end).unwrap())
    }

    #[test]
    fn quarters_follow_the_financial_year_and_drop_partial_ones() {
        // 2016-04-04 (Monday) to 2017-01-15: Q1, Q2, Q3 complete; two January weeks dropped.
        let q = quarters(&calendar("2016-04-04", "2017-01-15"));
        let labels: Vec<&str> = q.iter().map(|q| q.label.as_str()).collect();
        assert_eq!(labels, ["FY2016/17 Q1", "FY2016/17 Q2", "FY2016/17 Q3"]);
        assert_eq!(q[0].start, Date::parse("2016-04-04").unwrap());
        assert_eq!(q[0].weeks, 0..13);
        assert_eq!(q[1].start.ymd().1, 7);
        assert!(q.iter().all(|q| q.weeks.len() >= 12));
    }

    #[test]
    fn quarterly_rates_are_annualised_per_1000_person_years() {
        // One locality, 13 weeks, 1,000 residents every week and 10 admissions in the quarter:
        // 13,000 person-weeks = 249.2 person-years, so 40.1 per 1,000 person-years.
        let cal = calendar("2016-04-04", "2016-07-03");
        let mut reps = Vec::new();
        for extra in [0u32, 2] {
            let mut t = Tally::new(cal.weeks, 1, cal.financial_years.len(), &Catalog::builtin());
            for w in 0..cal.weeks {
                t.weekly_row_mut(w, 0)[Metric::Population as usize] = 1000;
                t.weekly_row_mut(w, 0)[Metric::HuddleCaseload as usize] = 20 + extra;
            }
            t.weekly_row_mut(3, 0)[Metric::EmergencyAdmissions as usize] = 10 + extra;
            reps.push(t);
        }
        let rows = series(&cal, &Catalog::builtin(), &["north"], &reps);
        let get = |m: &str, g: &str| {
            rows.iter()
                .find(|r| r.metric == m && r.group == g && r.resolution == "quarter")
                .unwrap()
        };
        let py = 13_000.0 / WEEKS_PER_YEAR;
        let rate = get("admissions_per_1000", "all");
        assert!((rate.interval.mean - 1000.0 * 11.0 / py).abs() < 1e-9);
        assert!(rate.interval.lo >= 1000.0 * 10.0 / py && rate.interval.lo < rate.interval.mean);
        assert_eq!(rate.n, 2);
        assert_eq!(get("admissions_per_1000", "north").interval, rate.interval);
        // Stocks are mean weekly levels, counts are summed.
        assert!((get("huddle_caseload", "all").interval.mean - 21.0).abs() < 1e-9);
        assert!((get("emergency_admissions", "all").interval.mean - 11.0).abs() < 1e-9);
        assert_eq!(get("life_referrals", "all").period, "FY2016/17 Q1");
    }

    #[test]
    fn annual_series_cover_every_fifth_and_the_slope_index() {
        let cal = calendar("2016-04-04", "2017-04-02");
        let mut t = Tally::new(cal.weeks, 1, cal.financial_years.len(), &Catalog::builtin());
        // Decile d: 1,000 residents for the year (52.18 weeks' worth of person-weeks), with
        // admissions falling from 100 in the most deprived decile to 10 in the least.
        let person_weeks = (1000.0 * WEEKS_PER_YEAR) as u32;
        let block = t.equity_block_mut(0, 0);
        for d in 0..LOCAL_DECILES {
            block[d * crate::results::N_METRICS + Metric::Population as usize] = person_weeks;
            block[d * crate::results::N_METRICS + Metric::EmergencyAdmissions as usize] = 100 - 10 * d as u32;
        }
        let rows = series(&cal, &Catalog::builtin(), &["north"], &[t]);
        let get = |m: &str, g: &str| {
            rows.iter()
                .find(|r| r.metric == m && r.group == g && r.period == "FY2016/17")
                .unwrap()
        };
        // Fifth 1 = deciles 0 and 1: 190 admissions per 2,000 person-years.
        assert!((get("admissions_per_1000", "fifth_1").interval.mean - 95.0).abs() < 0.1);
        assert!((get("admissions_per_1000", "fifth_5").interval.mean - 15.0).abs() < 0.1);
        // A straight line from 100 to 10 per 1,000 across ridits 0.05 … 0.95: SII = 100.
        assert!((get("admissions_per_1000_sii", "all").interval.mean - 100.0).abs() < 0.5);
        // No deaths or person-years in the life tally: life expectancy is missing, not zero.
        assert_eq!(get("life_expectancy_at_birth_male", "all").n, 0);
    }

    #[test]
    fn occupancy_is_use_over_capacity_and_waits_follow_littles_law() {
        // One locality, one financial year of 52 weeks. PICs: 40 places, 30 on the caseload
        // (occupancy 0.75); 24 waiting every week, leaving at 4 a week (3 taken on, 1 lapsed):
        // a mean wait of 6 weeks. Huddles: 100 slots a week, 90 reviews in odd weeks and 70 in
        // even ones (0.8). Discharges: 5 a week to reablement, a package or a care home with 10
        // bed days spent fit for discharge a week: 2 days each. Pharmacists have no capacity.
        let cal = calendar("2016-04-04", "2017-04-02");
        let mut t = Tally::new(cal.weeks, 1, cal.financial_years.len(), &Catalog::builtin());
        for w in 0..cal.weeks {
            let row = t.weekly_row_mut(w, 0);
            for (m, v) in [
                (Metric::PicPlaces, 40),
                (Metric::PicCaseload, 30),
                (Metric::PicWaiting, 24),
                (Metric::PicStarts, 3),
                (Metric::PicLapsed, 1),
                (Metric::HuddleCapacity, 100),
                (Metric::HuddleReviews, if w % 2 == 1 { 90 } else { 70 }),
                (Metric::DelayedBedDays, 10),
                (Metric::DischargesReablement, 2),
                (Metric::DischargesCarePackage, 2),
                (Metric::DischargesCareHome, 1),
            ] {
                row[m as usize] = v;
            }
        }
        let rows = series(&cal, &Catalog::builtin(), &["north"], &[t]);
        let get = |m: &str, g: &str| {
            rows.iter()
                .find(|r| r.metric == m && r.group == g && r.period == "FY2016/17")
                .unwrap_or_else(|| panic!("{m} {g}"))
        };
        assert_eq!(cal.weeks, 52);
        for g in ["all", "north"] {
            assert!((get("pic_occupancy", g).interval.mean - 0.75).abs() < 1e-12);
            assert!((get("pic_wait_weeks", g).interval.mean - 6.0).abs() < 1e-12);
            assert!((get("huddle_occupancy", g).interval.mean - 0.8).abs() < 1e-12);
            assert!((get("discharge_delay_days", g).interval.mean - 2.0).abs() < 1e-12);
        }
        assert_eq!(get("pic_occupancy", "all").unit, "share of capacity");
        // No capacity, nobody leaving: missing, not zero.
        assert_eq!(get("pharmacist_occupancy", "all").n, 0);
        assert_eq!(get("pharmacist_wait_weeks", "all").n, 0);
        // A declared service's occupancy comes from its own capacity metrics.
        let catalog = Catalog::from_labels(&[("coach", "health coaching")]);
        let names = series_names(&catalog);
        assert!(names.contains(&"coach_occupancy".to_string()) && names.contains(&"coach_wait_weeks".to_string()));
    }

    #[test]
    fn declared_services_add_their_caseload_and_waiting_series() {
        let catalog = Catalog::from_labels(&[("coach", "health coaching")]);
        let builtin = quarterly_names(&Catalog::builtin());
        let names = quarterly_names(&catalog);
        assert_eq!(names[..builtin.len()], builtin[..]);
        assert_eq!(names[builtin.len()..], ["coach_caseload", "coach_waiting"]);
        let all = series_names(&catalog);
        assert!(all.contains(&"coach_waiting".to_string()) && all.contains(&"admissions_per_1000_sii".to_string()));
        let cal = calendar("2016-04-04", "2016-07-03");
        let mut t = Tally::new(cal.weeks, 1, cal.financial_years.len(), &catalog);
        for w in 0..cal.weeks {
            t.weekly_row_mut(w, 0)[catalog.custom_metric(0, CustomMetric::Caseload)] = 12;
        }
        let rows = series(&cal, &catalog, &["north"], &[t]);
        let caseload = rows
            .iter()
            .find(|r| r.metric == "coach_caseload" && r.group == "north")
            .unwrap();
        assert_eq!((caseload.unit, caseload.interval.mean), ("persons", 12.0));
    }
}
