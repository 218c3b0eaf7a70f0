//! Plain summaries of a scenario for outputs and reports: the dates services start or change
//! ([`Milestone`]) and the key parameters a board would ask about.

use super::{Allocation, PerLocality, Rollout, Scenario};
use crate::calendar::Date;

/// A dated change in the services of a scenario, marked on charts over time.
#[derive(Debug, Clone, PartialEq)]
pub struct Milestone {
    /// What happens, in words (`LIFE starts`, `LIFE capacity ×1.50`).
    pub label: String,
    /// The day it happens.
    pub date: Date,
}

fn per_locality(p: &PerLocality) -> String {
    match p {
        PerLocality::Total(t) => format!("{t} (borough total)"),
        PerLocality::Each(each) => each
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

fn allocation(a: Allocation) -> &'static str {
    match a {
        Allocation::Population => "by population",
        Allocation::Need => "by need (proportionate universalism)",
    }
}

fn rollout(r: &Rollout) -> String {
    if !r.enabled {
        return "not run".to_string();
    }
    let mut s = format!("from {}, full by {}", r.start, r.full_by);
    if (r.capacity_multiplier - 1.0).abs() > 1e-12 {
        s.push_str(&format!(
            "; capacity ×{} from {}",
            r.capacity_multiplier, r.capacity_multiplier_from
        ));
    }
    s
}

impl Scenario {
    /// Service starts, capacity changes and ICN+ go-live dates, in date order.
    pub fn milestones(&self) -> Vec<Milestone> {
        let s = &self.services;
        let mut out = Vec::new();
        for (name, r) in [
            ("huddles", &s.huddles.rollout),
            ("PICs", &s.pic.rollout),
            ("LIFE", &s.life.rollout),
            ("social prescribing", &s.social_prescribing.rollout),
            ("ICN pharmacists", &s.pharmacists.rollout),
        ] {
            if !r.enabled {
                continue;
            }
            out.push(Milestone {
                label: format!("{name} start"),
                date: r.start,
            });
            if (r.capacity_multiplier - 1.0).abs() > 1e-12 {
                out.push(Milestone {
                    label: format!("{name} capacity ×{:.2}", r.capacity_multiplier),
                    date: r.capacity_multiplier_from,
                });
            }
        }
        if s.icn_plus.enabled {
            // One milestone per go-live date, naming the localities that start on it.
            let mut dates: Vec<Date> = s.icn_plus.start_by_locality.values().copied().collect();
            dates.sort();
            dates.dedup();
            for date in dates {
                let places: Vec<&str> = s
                    .icn_plus
                    .start_by_locality
                    .iter()
                    .filter(|(_, d)| **d == date)
                    .map(|(k, _)| k.as_str())
                    .collect();
                out.push(Milestone {
                    label: format!("ICN+ go-live ({})", places.join(", ")),
                    date,
                });
            }
        }
        out.sort_by_key(|m| m.date);
        out
    }

    /// The parameters that distinguish options and drive results, as (key, value in words),
    /// in the order a reader would ask about them.
    pub fn key_parameters(&self) -> Vec<(String, String)> {
        let m = &self.model;
        let s = &self.services;
        let mut out: Vec<(String, String)> = vec![
            ("model.crisis_rate_scale".into(), m.crisis_rate_scale.to_string()),
            ("model.mortality_scale".into(), m.mortality_scale.to_string()),
            ("model.readmission_hr".into(), m.readmission_hr.to_string()),
            ("services.huddles".into(), rollout(&s.huddles.rollout)),
            (
                "services.huddles.reviews_per_practice_per_week".into(),
                s.huddles.reviews_per_practice_per_week.to_string(),
            ),
            (
                "services.huddles.flag_probability".into(),
                s.huddles.flag_probability.to_string(),
            ),
            ("services.huddles.effect".into(), s.huddles.effect.to_string()),
            ("services.pic".into(), rollout(&s.pic.rollout)),
            ("services.pic.workers".into(), per_locality(&s.pic.workers)),
            ("services.pic.crisis_effect".into(), s.pic.crisis_effect.to_string()),
            ("services.life".into(), rollout(&s.life.rollout)),
            (
                "services.life.liaison_assessments_per_week".into(),
                per_locality(&s.life.liaison_assessments_per_week),
            ),
            (
                "services.life.divert_probability".into(),
                s.life.divert_probability.to_string(),
            ),
            (
                "services.life.reablement_caseload".into(),
                per_locality(&s.life.reablement_caseload),
            ),
            (
                "services.social_prescribing".into(),
                rollout(&s.social_prescribing.rollout),
            ),
            (
                "services.social_prescribing.link_workers".into(),
                per_locality(&s.social_prescribing.link_workers),
            ),
            (
                "services.social_prescribing.ae_effect".into(),
                s.social_prescribing.ae_effect.to_string(),
            ),
            ("services.pharmacists".into(), rollout(&s.pharmacists.rollout)),
            (
                "services.pharmacists.reviews_per_week".into(),
                per_locality(&s.pharmacists.reviews_per_week),
            ),
            ("services.pharmacists.effect".into(), s.pharmacists.effect.to_string()),
        ];
        let icn = &s.icn_plus;
        out.push((
            "services.icn_plus".into(),
            if icn.enabled {
                let dates: Vec<String> = icn.start_by_locality.iter().map(|(k, d)| format!("{k} {d}")).collect();
                format!(
                    "go-live {}; huddle capacity ×{}, extra effect {}",
                    dates.join("; "),
                    icn.huddle_capacity_multiplier,
                    icn.extra_effect
                )
            } else {
                "not run".to_string()
            },
        ));
        for (name, a) in [
            ("huddles", s.huddles.allocation),
            ("pic", s.pic.allocation),
            ("life", s.life.allocation),
            ("social_prescribing", s.social_prescribing.allocation),
            ("pharmacists", s.pharmacists.allocation),
        ] {
            out.push((format!("services.{name}.allocation"), allocation(a).to_string()));
        }
        out.push((
            "services.social_care.package_starts_per_week".into(),
            per_locality(&s.social_care.package_starts_per_week),
        ));
        out.push((
            "services.social_care.spot_purchase_share".into(),
            s.social_care.spot_purchase_share.to_string(),
        ));
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::load_scenario;
    use std::path::Path;

    #[test]
    fn life_expansion_marks_its_capacity_change_after_the_life_start() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/life-expansion.toml");
        let s = load_scenario(&path).unwrap();
        let m = s.milestones();
        let start = m.iter().position(|m| m.label == "LIFE start").unwrap();
        let change = m.iter().position(|m| m.label.starts_with("LIFE capacity ×")).unwrap();
        assert!(start < change, "{m:?}");
        assert!(m.windows(2).all(|w| w[0].date <= w[1].date));
        let params = s.key_parameters();
        let life = params.iter().find(|(k, _)| k == "services.life").unwrap();
        assert!(life.1.contains("capacity ×"), "{}", life.1);
    }

    #[test]
    fn icn_plus_rollout_marks_each_go_live_date_with_its_localities() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/icn-plus-rollout.toml");
        let m = load_scenario(&path).unwrap().milestones();
        let icn: Vec<&str> = m
            .iter()
            .filter(|m| m.label.starts_with("ICN+"))
            .map(|m| m.label.as_str())
            .collect();
        assert_eq!(icn.len(), 2, "{icn:?}");
        assert_eq!(icn[0], "ICN+ go-live (thornton_heath)");
        assert!(icn[1].contains("east_croydon") && icn[1].contains("woodside_and_shirley"));
    }

    #[test]
    fn do_nothing_has_no_service_milestones() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/do-nothing.toml");
        let s = load_scenario(&path).unwrap();
        assert!(s.milestones().is_empty(), "{:?}", s.milestones());
        assert!(s
            .key_parameters()
            .iter()
            .any(|(k, v)| k == "services.life" && v == "not run"));
    }
}
