//! ICN+: integrated locality teams that extend huddles (more review capacity, all adults
//! eligible, an extra effect on the care plan) and add social-prescribing link workers, from
//! each locality's go-live date, ramping to full operation.
//!
//! ICN+ has no waiting list or caseload of its own: it acts through huddles
//! ([`Service::huddle_modifier`]) and through the schedule (its operation factor multiplies
//! huddle review capacity and adds link workers; [`operation`]).

use super::{HuddleModifier, Service, Week};
use crate::calendar::Date;
use crate::engine::Setup;
use crate::place::Place;
use crate::scenario::keys::scenario_section;
use crate::scenario::schema::{at_least, Kind, COUNT, EFFECT_OR_HARM, REQ, WEEKS};
use crate::scenario::Services;
use std::collections::BTreeMap;

// The service's scenario section: its keys, types, ranges, defaults and units, declared
// once (re-exported as `crate::scenario::IcnPlus`).
scenario_section! {
    /// ICN+: integrated locality teams that extend huddles and add social prescribing.
    #[derive(Debug, Clone, PartialEq)]
    pub struct IcnPlus summary(0, IcnPlus::summary_line) {
        /// Whether ICN+ runs in this scenario.
        enabled: bool = key(Kind::Bool, REQ, ""),
        /// Go-live date per locality key (localities not named never go live).
        start_by_locality: BTreeMap<String, Date> = key(Kind::DateByLocality, REQ, ""),
        /// Weeks from go-live to full operation.
        ramp_weeks: u16 = key(WEEKS, REQ, "weeks"),
        /// Multiplier on huddle review capacity in live localities (≥ 1).
        huddle_capacity_multiplier: f64 = key(at_least(1.0), REQ, "multiplier"),
        /// Extra relative reduction of crisis hazard for people on a care plan in live localities.
        extra_effect: f64 = key(EFFECT_OR_HARM, REQ, "relative reduction; negative = harm") [calibrate 23],
        /// Whether live localities review all adults (18+) regardless of the huddle minimum age.
        all_ages: bool = key(Kind::Bool, REQ, ""),
        /// Extra social-prescribing link workers per live locality.
        extra_link_workers_per_locality: f64 = key(COUNT, REQ, "whole-time equivalents"),
    }
}

impl IcnPlus {
    /// One line for the key-parameter summary: go-live dates, huddle capacity and extra effect.
    fn summary_line(&self) -> String {
        if !self.enabled {
            return "not run".to_string();
        }
        let dates: Vec<String> = self.start_by_locality.iter().map(|(k, d)| format!("{k} {d}")).collect();
        format!(
            "go-live {}; huddle capacity ×{}, extra effect {}",
            dates.join("; "),
            self.huddle_capacity_multiplier,
            self.extra_effect
        )
    }
}

/// ICN+ in one locality during a run.
#[derive(Debug, Clone)]
pub struct IcnPlusService<'a> {
    setup: &'a Setup,
}

impl<'a> IcnPlusService<'a> {
    /// The same service under another scenario's set-up (a fork: see [`crate::engine::fork`]).
    pub(crate) fn rebind(&mut self, setup: &'a Setup) {
        self.setup = setup;
    }

    /// ICN+ of a scenario.
    pub fn new(setup: &'a Setup) -> IcnPlusService<'a> {
        IcnPlusService { setup }
    }
}

impl Service for IcnPlusService<'_> {
    fn key(&self) -> &str {
        "icn_plus"
    }

    fn holds(&self, _i: usize, _w: u16) -> bool {
        false
    }

    #[inline]
    fn huddle_modifier(&self, wk: &Week<'_>) -> HuddleModifier {
        let p = &self.setup.scenario.services.icn_plus;
        let icn = f64::from(self.setup.schedule.icn[wk.at]);
        HuddleModifier {
            all_ages: icn > 0.0 && p.all_ages,
            extra_effect: p.extra_effect * icn,
        }
    }
}

/// ICN+ operation factor (0 before go-live, rising to 1 over the ramp) per `[week][locality]`
/// for the weeks starting on `dates`.
pub fn operation(services: &Services, place: &Place, dates: &[Date]) -> Vec<f32> {
    let nl = place.n_localities();
    let p = &services.icn_plus;
    let mut icn = vec![0f32; dates.len() * nl];
    if p.enabled {
        for (key, start) in &p.start_by_locality {
            if let Some(l) = place.locality_index(key) {
                for (w, d) in dates.iter().enumerate() {
                    let weeks_live = f64::from(d.days() - start.days()) / 7.0;
                    if weeks_live >= 0.0 {
                        let f = if p.ramp_weeks == 0 {
                            1.0
                        } else {
                            ((weeks_live + 1.0) / f64::from(p.ramp_weeks)).min(1.0)
                        };
                        icn[w * nl + l] = f as f32;
                    }
                }
            }
        }
    }
    icn
}

/// The multiplier ICN+ puts on huddle review capacity at full operation (1 when not run).
pub fn huddle_capacity_multiplier(services: &Services) -> f64 {
    if services.icn_plus.enabled {
        services.icn_plus.huddle_capacity_multiplier
    } else {
        1.0
    }
}
