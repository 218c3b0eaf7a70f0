//! Service capacities over time: each service's rollout, ramp, multiplier and allocation
//! turned into integer capacities per locality per week, computed once per scenario.
//!
//! Flow capacities (assessments, referrals, placements per week) are integerised by the
//! cumulative floor, so fractional weekly capacities are delivered exactly on average.
//! Stock capacities (caseloads) are rounded.

use crate::calendar::Date;
use crate::place::Place;
use crate::results::RunCalendar;
use crate::scenario::{Allocation, CustomKind, PerLocality, Rollout, Scenario};

pub use crate::calendar::WEEKS_PER_YEAR;

/// Capacities of every service, by week and locality.
#[derive(Debug, Clone)]
pub struct Schedule {
    localities: usize,
    /// Week each practice starts huddles (`u32::MAX` = never).
    pub practice_start_week: Vec<u32>,
    /// Huddle reviews per practice per week: `[week][practice]`.
    pub huddle_reviews: Vec<u16>,
    /// Week from which adults of any age are eligible for huddles.
    pub huddle_all_ages_week: u32,
    /// ICN+ operation factor (0..=1) per `[week][locality]`.
    pub icn: Vec<f32>,
    /// LIFE A&E liaison assessments per `[week][locality]`.
    pub liaison: Vec<u32>,
    /// LIFE reablement caseload limit per `[week][locality]`.
    pub reablement_slots: Vec<u32>,
    /// Whether LIFE operates (discharge-to-assess pathway exists) per week.
    pub life_active: Vec<bool>,
    /// PIC caseload limit per `[week][locality]`.
    pub pic_slots: Vec<u32>,
    /// Whether PICs take referrals per week.
    pub pic_active: Vec<bool>,
    /// Social-prescribing referrals taken per `[week][locality]`.
    pub sp_referrals: Vec<u32>,
    /// Whether GPs refer to social prescribing per `[week][locality]`.
    pub sp_active: Vec<bool>,
    /// Pharmacist reviews per `[week][locality]`.
    pub pharm_reviews: Vec<u32>,
    /// Whether huddles refer to pharmacists per week.
    pub pharm_active: Vec<bool>,
    /// New home-care packages per `[week][locality]`.
    pub package_starts: Vec<u32>,
    /// Care-home placements per `[week][locality]`.
    pub care_home_places: Vec<u32>,
    /// Each scenario-declared service's capacity, in the scenario's order.
    pub custom: Vec<CustomCapacity>,
}

/// The capacity of a scenario-declared service.
#[derive(Debug, Clone)]
pub struct CustomCapacity {
    /// The service's key.
    pub key: String,
    /// Caseload places (case management, support episodes; rounded) or referrals taken on
    /// (referral activity; cumulative floor) per `[week][locality]`.
    pub capacity: Vec<u32>,
    /// Whether the service takes referrals, per week.
    pub active: Vec<bool>,
}

impl Schedule {
    /// Index of `[week][locality]` arrays.
    #[inline]
    pub fn at(&self, week: usize, locality: usize) -> usize {
        week * self.localities + locality
    }

    /// Builds the schedule. `practice_need` is each practice's relative need (mean 1).
    pub fn new(scenario: &Scenario, place: &Place, cal: &RunCalendar, practice_need: &[f64]) -> Schedule {
        let nl = place.n_localities();
        let np = place.file.practices.len();
        let s = &scenario.services;
        let scale = scenario.scale;
        let pop_w = normalise(&place.locality_population());
        let need_w = normalise(&place.locality_need());
        let dates: Vec<Date> = (0..cal.weeks).map(|w| cal.week_start(w)).collect();
        let split = |q: &PerLocality, alloc: Allocation, from: Date, date: Date| -> Vec<f64> {
            match q {
                PerLocality::Total(t) => {
                    let w = if alloc == Allocation::Need && date >= from {
                        &need_w
                    } else {
                        &pop_w
                    };
                    w.iter().map(|x| x * t).collect()
                }
                PerLocality::Each(map) => place
                    .locality_keys()
                    .iter()
                    .map(|k| map.get(*k).copied().unwrap_or(0.0))
                    .collect(),
            }
        };

        // ICN+ operation factor per week and locality.
        let icn = crate::services::icn_plus::operation(s, place, &dates);

        // Huddles: practices join in order within their locality across the rollout.
        let h = &s.huddles;
        let mut practice_start_week = vec![u32::MAX; np];
        if h.rollout.enabled {
            let mut seen = vec![0usize; nl];
            let per_loc: Vec<usize> = (0..nl)
                .map(|l| place.practice_locality.iter().filter(|&&x| x as usize == l).count())
                .collect();
            let span = f64::from(h.rollout.full_by.days() - h.rollout.start.days());
            for p in 0..np {
                let l = place.practice_locality[p] as usize;
                let frac = if per_loc[l] > 1 {
                    seen[l] as f64 / (per_loc[l] - 1) as f64
                } else {
                    0.0
                };
                seen[l] += 1;
                let day = h.rollout.start.add_days((frac * span).round() as i32);
                practice_start_week[p] = first_week_on_or_after(&dates, day);
            }
        }
        let mut huddle_reviews = vec![0u16; cal.weeks * np];
        let mut carry = vec![0.0f64; np];
        for (w, &d) in dates.iter().enumerate() {
            for p in 0..np {
                if practice_start_week[p] as usize > w {
                    continue;
                }
                let l = place.practice_locality[p] as usize;
                let weight = if h.allocation == Allocation::Need && d >= h.allocation_from {
                    practice_need[p]
                } else {
                    1.0
                };
                let icn_mult =
                    1.0 + (crate::services::icn_plus::huddle_capacity_multiplier(s) - 1.0) * f64::from(icn[w * nl + l]);
                let c = h.reviews_per_practice_per_week * weight * icn_mult * multiplier(&h.rollout, d) * scale;
                let before = carry[p].floor();
                carry[p] += c;
                huddle_reviews[w * np + p] = (carry[p].floor() - before).min(f64::from(u16::MAX)) as u16;
            }
        }
        let huddle_all_ages_week = if h.rollout.enabled {
            first_week_on_or_after(&dates, h.all_ages_from)
        } else {
            u32::MAX
        };

        let life = &s.life;
        let liaison = flow(&dates, nl, |d| {
            scaled(
                split(
                    &life.liaison_assessments_per_week,
                    life.allocation,
                    life.allocation_from,
                    d,
                ),
                ramp(&life.rollout, d) * scale,
            )
        });
        let reablement_slots = stock(&dates, nl, |d| {
            scaled(
                split(&life.reablement_caseload, life.allocation, life.allocation_from, d),
                ramp(&life.rollout, d) * scale,
            )
        });
        let life_active = dates.iter().map(|&d| active(&life.rollout, d)).collect();

        let pic = &s.pic;
        let pic_slots = stock(&dates, nl, |d| {
            scaled(
                split(&pic.workers, pic.allocation, pic.allocation_from, d),
                pic.caseload_per_worker * ramp(&pic.rollout, d) * scale,
            )
        });
        let pic_active = dates.iter().map(|&d| active(&pic.rollout, d)).collect();

        let sp = &s.social_prescribing;
        let per_worker_week = sp.referrals_per_worker_per_year / WEEKS_PER_YEAR;
        let sp_referrals = flow(&dates, nl, |d| {
            let w = week_index(&dates, d);
            let mut v = scaled(
                split(&sp.link_workers, sp.allocation, sp.allocation_from, d),
                ramp(&sp.rollout, d),
            );
            for (l, x) in v.iter_mut().enumerate() {
                *x += s.icn_plus.extra_link_workers_per_locality * f64::from(icn[w * nl + l]);
                *x *= per_worker_week * scale;
            }
            v
        });
        let mut sp_active = vec![false; cal.weeks * nl];
        for (w, &d) in dates.iter().enumerate() {
            for l in 0..nl {
                sp_active[w * nl + l] =
                    active(&sp.rollout, d) || icn[w * nl + l] > 0.0 && s.icn_plus.extra_link_workers_per_locality > 0.0;
            }
        }

        let ph = &s.pharmacists;
        let pharm_reviews = flow(&dates, nl, |d| {
            scaled(
                split(&ph.reviews_per_week, ph.allocation, ph.allocation_from, d),
                ramp(&ph.rollout, d) * scale,
            )
        });
        let pharm_active = dates.iter().map(|&d| active(&ph.rollout, d)).collect();

        let sc = &s.social_care;
        let package_starts = flow(&dates, nl, |d| {
            scaled(
                split(&sc.package_starts_per_week, sc.allocation, sc.allocation_from, d),
                scale,
            )
        });
        let care_home_places = flow(&dates, nl, |d| {
            scaled(
                split(&sc.care_home_placements_per_week, sc.allocation, sc.allocation_from, d),
                scale,
            )
        });

        let custom = s
            .custom
            .iter()
            .map(|c| {
                let level = |d: Date| {
                    scaled(
                        split(&c.capacity, c.allocation, c.allocation_from, d),
                        ramp(&c.rollout, d) * scale,
                    )
                };
                CustomCapacity {
                    key: c.key.clone(),
                    capacity: match c.kind {
                        CustomKind::ReferralActivity => flow(&dates, nl, level),
                        CustomKind::CaseManagement | CustomKind::SupportEpisode => stock(&dates, nl, level),
                    },
                    active: dates.iter().map(|&d| active(&c.rollout, d)).collect(),
                }
            })
            .collect();

        Schedule {
            localities: nl,
            practice_start_week,
            huddle_reviews,
            huddle_all_ages_week,
            icn,
            liaison,
            reablement_slots,
            life_active,
            pic_slots,
            pic_active,
            sp_referrals,
            sp_active,
            pharm_reviews,
            pharm_active,
            package_starts,
            care_home_places,
            custom,
        }
    }
}

fn week_index(dates: &[Date], d: Date) -> usize {
    dates.iter().position(|&x| x == d).unwrap_or(0)
}

fn first_week_on_or_after(dates: &[Date], day: Date) -> u32 {
    dates
        .iter()
        .position(|&d| d.add_days(6) >= day)
        .map_or(u32::MAX, |w| w as u32)
}

fn normalise(v: &[f64]) -> Vec<f64> {
    let t: f64 = v.iter().sum();
    v.iter().map(|x| if t > 0.0 { x / t } else { 0.0 }).collect()
}

fn scaled(v: Vec<f64>, f: f64) -> Vec<f64> {
    v.into_iter().map(|x| x * f).collect()
}

/// Whether a service operates on `date` (enabled and started).
pub fn active(r: &Rollout, date: Date) -> bool {
    r.enabled && date.add_days(6) >= r.start
}

/// The capacity multiplier in force on `date`.
pub fn multiplier(r: &Rollout, date: Date) -> f64 {
    if date.add_days(6) >= r.capacity_multiplier_from {
        r.capacity_multiplier
    } else {
        1.0
    }
}

/// Share of full capacity on `date`: 0 before the start, rising linearly to 1 at `full_by`,
/// times the capacity multiplier.
pub fn ramp(r: &Rollout, date: Date) -> f64 {
    if !active(r, date) {
        return 0.0;
    }
    let span = f64::from(r.full_by.days() - r.start.days());
    let into = f64::from(date.add_days(6).days() - r.start.days());
    let f = if span <= 0.0 {
        1.0
    } else {
        ((into + 1.0) / (span + 1.0)).clamp(0.0, 1.0)
    };
    f * multiplier(r, date)
}

fn flow(dates: &[Date], nl: usize, per_week: impl Fn(Date) -> Vec<f64>) -> Vec<u32> {
    let mut out = vec![0u32; dates.len() * nl];
    let mut carry = vec![0.0f64; nl];
    for (w, &d) in dates.iter().enumerate() {
        for (l, c) in per_week(d).into_iter().enumerate() {
            let before = carry[l].floor();
            carry[l] += c.max(0.0);
            out[w * nl + l] = (carry[l].floor() - before) as u32;
        }
    }
    out
}

fn stock(dates: &[Date], nl: usize, level: impl Fn(Date) -> Vec<f64>) -> Vec<u32> {
    let mut out = vec![0u32; dates.len() * nl];
    for (w, &d) in dates.iter().enumerate() {
        for (l, c) in level(d).into_iter().enumerate() {
            out[w * nl + l] = c.max(0.0).round() as u32;
        }
    }
    out
}
