//! Health economics: service running costs from staffing, discounting, return on investment,
//! QALYs, incremental cost-effectiveness ratios and net monetary benefit (NICE reference case:
//! NHS and personal social services perspective, 3.5% a year, £20,000–£30,000 per QALY).
//!
//! Prices are the place's price base (2018/19 for Croydon). Every function here is pure.

use crate::engine::schedule::{Schedule, WEEKS_PER_YEAR};
use crate::place::Place;
use crate::results::catalog::{BuiltinService, ServiceId};
use crate::results::{Catalog, RunCalendar};
use crate::scenario::Scenario;

/// Economic conventions for an analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct Conventions {
    /// Annual discount rate for costs.
    pub discount_costs: f64,
    /// Annual discount rate for QALYs.
    pub discount_qalys: f64,
    /// Willingness-to-pay thresholds per QALY.
    pub thresholds: Vec<f64>,
    /// Price base of all costs, e.g. "2018/19".
    pub price_base: String,
    /// Share of the full unit cost of avoided A&E attendances, admissions and bed days that a
    /// commissioner stops paying (the claim-to-model bridge's last step).
    pub cash_releasing_share: f64,
    /// Weeks of home care a claim counts as avoided per reablement client who leaves without a
    /// package (the bridge's claimed package saving).
    pub claim_package_weeks: f64,
}

impl Conventions {
    /// The place's conventions (its `[economics]` figures), optionally with one discount rate for
    /// both costs and QALYs.
    pub fn of_place(place: &Place, discount_rate: Option<f64>) -> Conventions {
        let e = &place.file.economics;
        Conventions {
            discount_costs: discount_rate.unwrap_or(e.discount_rate_costs.value),
            discount_qalys: discount_rate.unwrap_or(e.discount_rate_qalys.value),
            thresholds: e.qaly_thresholds.value.clone(),
            price_base: place.file.meta.price_base.clone(),
            cash_releasing_share: e.cash_releasing_share.value,
            claim_package_weeks: e.claim_package_weeks.value,
        }
    }
}

/// Discount factor for a value arising `years` after the start of the appraisal, at `rate`
/// a year: `1 / (1 + rate)^years` (the first year is undiscounted).
pub fn discount_factor(rate: f64, years: f64) -> f64 {
    (1.0 + rate).powf(-years)
}

/// Present value of a stream of yearly values (year 0 first).
pub fn present_value(rate: f64, yearly: &[f64]) -> f64 {
    yearly
        .iter()
        .enumerate()
        .map(|(t, v)| v * discount_factor(rate, t as f64))
        .sum()
}

/// Return per £1 invested: savings elsewhere divided by the extra running cost; `None` when
/// nothing extra was invested (the ratio is meaningless).
pub fn return_per_pound(savings: f64, investment: f64) -> Option<f64> {
    (investment > 0.0).then(|| savings / investment)
}

/// Incremental cost-effectiveness ratio (£ per QALY gained); `None` when no QALYs change.
pub fn icer(delta_cost: f64, delta_qalys: f64) -> Option<f64> {
    (delta_qalys != 0.0).then(|| delta_cost / delta_qalys)
}

/// Net monetary benefit at willingness to pay `threshold` per QALY: `threshold·ΔQALY − Δcost`.
pub fn net_monetary_benefit(delta_cost: f64, delta_qalys: f64, threshold: f64) -> f64 {
    threshold * delta_qalys - delta_cost
}

/// Running cost of each of the catalogue's running services ([`Catalog::running_services`]
/// order) by `[financial year][locality]` (rows of `fy * localities + locality`), from the
/// capacity the scenario staffs each week (whether or not it is used), in residents: the
/// schedule's capacities (agents, × scale) ÷ scale, caseload places at their fractional level
/// (the mean over replicates of the places each one rounds to):
///
/// - huddles: review slots × (hours per practice huddle ÷ reviews per practice) × MDT hour cost;
/// - PICs: caseload places ÷ caseload per worker = WTE, × WTE cost a year ÷ weeks a year;
/// - LIFE: reablement places × (episode cost ÷ maximum episode weeks) + liaison assessment
///   slots × assessment cost;
/// - social prescribing: referral slots ÷ referrals per worker a week = WTE (ICN+ extra link
///   workers included), × WTE cost a year ÷ weeks a year;
/// - pharmacists: review slots × review cost;
/// - a declared service: capacity (the schedule's, by key) × running cost per unit of
///   capacity a year ÷ weeks a year; 0 where the scenario does not declare it.
pub fn running_costs(
    scenario: &Scenario,
    place: &Place,
    cal: &RunCalendar,
    schedule: &Schedule,
    catalog: &Catalog,
) -> Vec<Vec<f64>> {
    let c = &place.file.costs;
    let s = &scenario.services;
    let nl = place.n_localities();
    let np = place.file.practices.len();
    let per_review = if s.huddles.reviews_per_practice_per_week > 0.0 {
        s.huddles.hours_per_practice_per_week * c.huddle_hour.value / s.huddles.reviews_per_practice_per_week
    } else {
        0.0
    };
    let pic_place_week = if s.pic.caseload_per_worker > 0.0 {
        c.pic_worker_year.value / WEEKS_PER_YEAR / s.pic.caseload_per_worker
    } else {
        0.0
    };
    let reablement_place_week = c.life_episode.value / f64::from(s.life.max_weeks.max(1));
    let sp_referral = if s.social_prescribing.referrals_per_worker_per_year > 0.0 {
        c.link_worker_year.value / s.social_prescribing.referrals_per_worker_per_year
    } else {
        0.0
    };
    // Each declared service's capacity and running cost per unit of capacity a year.
    let custom: Vec<Option<(&[f64], f64)>> = catalog
        .custom_services()
        .iter()
        .map(|svc| {
            let declared = s.custom.iter().find(|x| x.key == svc.key)?;
            let capacity = schedule.custom.iter().find(|x| x.key == svc.key)?;
            Some((capacity.capacity.levels(), declared.running_cost_per_capacity_year))
        })
        .collect();
    let services = catalog.running_services();
    let mut out = vec![vec![0.0; services.len()]; cal.financial_years.len() * nl];
    // `cal` is the reported calendar; the schedule counts simulated weeks, the warm-up first.
    let warm_up = usize::from(scenario.warm_up_weeks);
    for reported in 0..cal.weeks {
        let fy = usize::from(cal.fy_of_week[reported]);
        let w = reported + warm_up;
        for (k, service) in services.iter().enumerate() {
            match service.id {
                ServiceId::Builtin(BuiltinService::Huddles) => {
                    for p in 0..np {
                        let l = place.practice_locality[p] as usize;
                        out[fy * nl + l][k] += f64::from(schedule.huddle_reviews[w * np + p]) * per_review;
                    }
                }
                ServiceId::Builtin(b) => {
                    for l in 0..nl {
                        let at = schedule.at(w, l);
                        out[fy * nl + l][k] += match b {
                            BuiltinService::Huddles => unreachable!("costed per practice above"),
                            BuiltinService::Pic => schedule.pic_slots.level(at) * pic_place_week,
                            BuiltinService::Life => {
                                schedule.reablement_slots.level(at) * reablement_place_week
                                    + f64::from(schedule.liaison[at]) * c.life_liaison_assessment.value
                            }
                            BuiltinService::SocialPrescribing => f64::from(schedule.sp_referrals[at]) * sp_referral,
                            BuiltinService::Pharmacists => {
                                f64::from(schedule.pharm_reviews[at]) * c.pharmacist_review.value
                            }
                        };
                    }
                }
                ServiceId::Custom(j) => {
                    if let Some((capacity, per_year)) = custom[j] {
                        for l in 0..nl {
                            out[fy * nl + l][k] += capacity[schedule.at(w, l)] * per_year / WEEKS_PER_YEAR;
                        }
                    }
                }
            }
        }
    }
    let per_agent = 1.0 / scenario.scale;
    for row in &mut out {
        for x in row {
            *x *= per_agent;
        }
    }
    out
}

/// One part of a running service's capacity: the catalogue metrics (by index) that tally the
/// capacity staffed and the capacity used each week, and the running cost of one unit of that
/// capacity (its weight when a service has two parts).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CapacityPart {
    /// Catalogue index of the capacity staffed (a weekly stock).
    pub capacity: usize,
    /// Catalogue index of the capacity used (a weekly stock or count in the same unit).
    pub used: usize,
    /// Running cost of one unit of this capacity for one week, in the place's prices.
    pub cost_per_unit: f64,
}

/// The parts of each running service's capacity ([`Catalog::running_services`] order), costed
/// as [`running_costs`] costs them: huddle review slots, PIC places, LIFE's reablement places
/// and liaison assessment slots (two parts), social-prescribing referral slots, pharmacist
/// review slots, and each declared service's capacity.
pub fn capacity_parts(scenario: &Scenario, place: &Place, catalog: &Catalog) -> Vec<Vec<CapacityPart>> {
    use crate::results::catalog::CustomMetric;
    use crate::results::Metric as M;
    let c = &place.file.costs;
    let s = &scenario.services;
    let part = |capacity: M, used: M, cost_per_unit: f64| CapacityPart {
        capacity: capacity as usize,
        used: used as usize,
        cost_per_unit,
    };
    catalog
        .running_services()
        .iter()
        .map(|service| match service.id {
            ServiceId::Builtin(BuiltinService::Huddles) => vec![part(M::HuddleCapacity, M::HuddleReviews, 1.0)],
            ServiceId::Builtin(BuiltinService::Pic) => vec![part(M::PicPlaces, M::PicCaseload, 1.0)],
            ServiceId::Builtin(BuiltinService::Life) => vec![
                part(
                    M::ReablementPlaces,
                    M::ReablementCaseload,
                    c.life_episode.value / f64::from(s.life.max_weeks.max(1)),
                ),
                part(
                    M::LiaisonCapacity,
                    M::LiaisonAssessments,
                    c.life_liaison_assessment.value,
                ),
            ],
            ServiceId::Builtin(BuiltinService::SocialPrescribing) => {
                vec![part(M::SocialPrescribingCapacity, M::SocialPrescribingReferrals, 1.0)]
            }
            ServiceId::Builtin(BuiltinService::Pharmacists) => {
                vec![part(M::PharmacistCapacity, M::PharmacistReviews, 1.0)]
            }
            ServiceId::Custom(j) => vec![CapacityPart {
                capacity: catalog.custom_metric(j, CustomMetric::Capacity),
                used: catalog.custom_metric(j, CustomMetric::CapacityUsed),
                cost_per_unit: 1.0,
            }],
        })
        .collect()
}

/// The share of a service's running cost spent on capacity in use over a period, from the
/// period's totals by catalogue index (`raw`): Σ cost × used ÷ Σ cost × staffed, within
/// [0, 1]; 1 when nothing is staffed (there is then no running cost to split).
pub fn used_share(parts: &[CapacityPart], raw: impl Fn(usize) -> f64) -> f64 {
    let (used, staffed) = parts.iter().fold((0.0, 0.0), |(u, c), p| {
        (u + p.cost_per_unit * raw(p.used), c + p.cost_per_unit * raw(p.capacity))
    });
    if staffed > 0.0 {
        (used / staffed).clamp(0.0, 1.0)
    } else {
        1.0
    }
}

#[cfg(test)]
// Expected values here are exactly representable results of exact arithmetic.
#[allow(clippy::float_cmp)]
mod tests {
    use super::*;

    #[test]
    fn discounting_matches_hand_computation() {
        // £1,000 a year for three years at 3.5%: 1000 + 1000/1.035 + 1000/1.035².
        let pv = present_value(0.035, &[1000.0, 1000.0, 1000.0]);
        assert!(
            (pv - (1000.0 + 966.183_574_879_227 + 933.510_700_366_403)).abs() < 1e-9,
            "{pv}"
        );
        assert_eq!(discount_factor(0.035, 0.0), 1.0);
        assert!((discount_factor(0.05, 10.0) - 0.613_913_253_540_759).abs() < 1e-12);
        assert_eq!(present_value(0.0, &[1.0, 2.0, 3.0]), 6.0);
    }

    #[test]
    fn the_share_of_running_cost_in_use_weights_each_part_by_its_cost() {
        // Reablement: 10 places at £100 a week, 5 used; liaison: 20 slots at £10, all used.
        // In use: (5 × 100 + 20 × 10) ÷ (10 × 100 + 20 × 10) = 700 ÷ 1,200.
        let parts = [
            CapacityPart {
                capacity: 0,
                used: 1,
                cost_per_unit: 100.0,
            },
            CapacityPart {
                capacity: 2,
                used: 3,
                cost_per_unit: 10.0,
            },
        ];
        let raw = |m: usize| [10.0, 5.0, 20.0, 20.0][m];
        assert!((used_share(&parts, raw) - 700.0 / 1200.0).abs() < 1e-12);
        // Nothing staffed: no running cost to split; more used than staffed counts as full.
        assert_eq!(used_share(&parts, |_| 0.0), 1.0);
        assert_eq!(used_share(&parts[..1], |m| [10.0, 12.0][m]), 1.0);
    }

    #[test]
    fn return_icer_and_net_monetary_benefit_follow_their_definitions() {
        // Invest £200k, save £500k elsewhere: £2.50 back per £1.
        assert_eq!(return_per_pound(500_000.0, 200_000.0), Some(2.5));
        assert_eq!(return_per_pound(500_000.0, 0.0), None);
        // £120k extra for 10 QALYs: £12,000 per QALY; NMB at £20k = 200k − 120k = £80k.
        assert_eq!(icer(120_000.0, 10.0), Some(12_000.0));
        assert_eq!(icer(1.0, 0.0), None);
        assert_eq!(net_monetary_benefit(120_000.0, 10.0, 20_000.0), 80_000.0);
        assert_eq!(net_monetary_benefit(120_000.0, 10.0, 30_000.0), 180_000.0);
        // A cost-saving option that also gains QALYs dominates: negative ICER, positive NMB.
        assert_eq!(icer(-50_000.0, 2.0), Some(-25_000.0));
        assert!(net_monetary_benefit(-50_000.0, 2.0, 20_000.0) > 0.0);
    }
}
