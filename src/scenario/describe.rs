//! Plain summaries of a scenario for outputs and reports: the dates services start or change
//! ([`Milestone`]) and the key parameters a board would ask about.

use super::keys::Describe;
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

impl Describe for PerLocality {
    fn describe(&self) -> String {
        match self {
            PerLocality::Total(t) => format!("{t} (borough total)"),
            PerLocality::Each(each) => each
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join("; "),
        }
    }
}

impl Describe for Allocation {
    fn describe(&self) -> String {
        match self {
            Allocation::Population => "by population",
            Allocation::Need => "by need (proportionate universalism)",
        }
        .to_string()
    }
}

impl Describe for Rollout {
    fn describe(&self) -> String {
        if !self.enabled {
            return "not run".to_string();
        }
        let mut s = format!("from {}, full by {}", self.start, self.full_by);
        if (self.capacity_multiplier - 1.0).abs() > 1e-12 {
            s.push_str(&format!(
                "; capacity ×{} from {}",
                self.capacity_multiplier, self.capacity_multiplier_from
            ));
        }
        s
    }
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
        let life = &s.life;
        for (lever, m) in [
            ("liaison", life.liaison_multiplier),
            ("reablement places", life.reablement_multiplier),
        ] {
            if life.rollout.enabled && (m - 1.0).abs() > 1e-12 {
                out.push(Milestone {
                    label: format!("LIFE {lever} ×{m:.2}"),
                    date: life.rollout.capacity_multiplier_from,
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
    /// in the order a reader would ask about them: the lines the key declarations mark for the
    /// summary ([`super::keys::scenario_section!`]), by tier, then in declaration order; each
    /// scenario-declared service (`services.custom.<key>`) comes last.
    pub fn key_parameters(&self) -> Vec<(String, String)> {
        self.summary_lines().into_iter().map(|l| (l.key, l.text)).collect()
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
    fn key_parameters_keep_their_keys_and_order() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
        let keys: Vec<String> = load_scenario(&path)
            .unwrap()
            .key_parameters()
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        let expected = [
            "model.crisis_rate_scale",
            "model.mortality_scale",
            "model.readmission_hr",
            "services.huddles",
            "services.huddles.reviews_per_practice_per_week",
            "services.huddles.flag_probability",
            "services.huddles.effect",
            "services.pic",
            "services.pic.workers",
            "services.pic.crisis_effect",
            "services.life",
            "services.life.liaison_assessments_per_week",
            "services.life.divert_probability",
            "services.life.reablement_caseload",
            "services.social_prescribing",
            "services.social_prescribing.link_workers",
            "services.social_prescribing.ae_effect",
            "services.pharmacists",
            "services.pharmacists.reviews_per_week",
            "services.pharmacists.effect",
            "services.icn_plus",
            "services.huddles.allocation",
            "services.pic.allocation",
            "services.life.allocation",
            "services.social_prescribing.allocation",
            "services.pharmacists.allocation",
            "services.social_care.package_starts_per_week",
            "services.social_care.spot_purchase_share",
        ];
        assert_eq!(keys, expected);
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
