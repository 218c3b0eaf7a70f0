//! The run-level catalogue of services and output lines: which services have a running cost,
//! which lower the crisis hazard, and every metric, cost category, service-value line and
//! comparison cost line a run writes, in output order.
//!
//! Every consumer (tallies, costs, economics, comparison, series, tables, summaries, manifest,
//! reader, charts, CLI) iterates one [`Catalog`] instead of restating a list. A catalogue is the
//! built-in services ([`BUILTIN_SERVICES`]) followed by the services planners declare in
//! scenario files (`[services.custom.<key>]`), taken over every scenario of a run
//! ([`Catalog::of_scenarios`]) so that every output of the run lists the same services; a
//! scenario that lacks one reports zeros for it. With no declared services
//! ([`Catalog::builtin`]) every list is exactly the built-in one, so outputs are unchanged.

use super::metrics::{Metric, MetricKind, N_METRICS};
use crate::analysis::costs::CostCategory;
use crate::scenario::{CustomService, Scenario};

/// A service built into placesim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum BuiltinService {
    /// GP practice huddles (Integrated Community Networks).
    Huddles,
    /// Personal Independence Co-ordinators.
    Pic,
    /// LIFE: A&E liaison, discharge to assess and reablement.
    Life,
    /// Social prescribing link workers.
    SocialPrescribing,
    /// ICN pharmacists' medication reviews.
    Pharmacists,
}

/// The built-in services with a running cost, in output order.
pub const BUILTIN_SERVICES: [BuiltinService; 5] = [
    BuiltinService::Huddles,
    BuiltinService::Pic,
    BuiltinService::Life,
    BuiltinService::SocialPrescribing,
    BuiltinService::Pharmacists,
];

impl BuiltinService {
    /// The key used in output names (`running_cost_<key>`, `cost_avoided_<key>`, …).
    pub const fn key(self) -> &'static str {
        match self {
            BuiltinService::Huddles => "huddles",
            BuiltinService::Pic => "pic",
            BuiltinService::Life => "life",
            BuiltinService::SocialPrescribing => "social_prescribing",
            BuiltinService::Pharmacists => "pharmacists",
        }
    }

    /// The label on charts and in the report.
    pub const fn label(self) -> &'static str {
        match self {
            BuiltinService::Huddles => "huddles",
            BuiltinService::Pic => "PICs",
            BuiltinService::Life => "LIFE",
            BuiltinService::SocialPrescribing => "social prescribing",
            BuiltinService::Pharmacists => "pharmacists",
        }
    }

    /// Whether its effects lower the crisis hazard (it has a row in the avoided-crisis tally).
    /// LIFE avoids admissions by liaison instead, counted in its own metrics.
    pub const fn avoids_crises(self) -> bool {
        !matches!(self, BuiltinService::Life)
    }
}

const fn count_avoiding() -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < BUILTIN_SERVICES.len() {
        if BUILTIN_SERVICES[i].avoids_crises() {
            n += 1;
        }
        i += 1;
    }
    n
}

/// Number of built-in crisis-avoiding services.
pub const N_BUILTIN_AVOIDING: usize = count_avoiding();

const fn builtin_avoiding() -> [BuiltinService; N_BUILTIN_AVOIDING] {
    let mut out = [BuiltinService::Huddles; N_BUILTIN_AVOIDING];
    let (mut i, mut j) = (0, 0);
    while i < BUILTIN_SERVICES.len() {
        if BUILTIN_SERVICES[i].avoids_crises() {
            out[j] = BUILTIN_SERVICES[i];
            j += 1;
        }
        i += 1;
    }
    out
}

/// The built-in services whose effects lower the crisis hazard, in the order of the engine's
/// avoided-crisis tally ([`BUILTIN_SERVICES`] without LIFE).
pub const AVOIDING_SERVICES: [BuiltinService; N_BUILTIN_AVOIDING] = builtin_avoiding();

/// The activity cost categories of a comparison's cost lines (acute, primary and social care);
/// the services' own activity costs are replaced there by their running costs from staffing.
pub const ACTIVITY_COSTS: [CostCategory; 7] = [
    CostCategory::Ae,
    CostCategory::Admissions,
    CostCategory::ExcessBedDays,
    CostCategory::DelayedBedDays,
    CostCategory::Gp,
    CostCategory::HomeCare,
    CostCategory::CareHomes,
];

/// Which service an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ServiceId {
    /// A built-in service.
    Builtin(BuiltinService),
    /// The `j`-th scenario-declared service of the catalogue.
    Custom(usize),
}

/// A service of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// Which service.
    pub id: ServiceId,
    /// Key in output names.
    pub key: String,
    /// Label on charts and in the report.
    pub label: String,
}

/// The metrics each scenario-declared service adds, in output order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomMetric {
    /// `<key>_referrals` (count).
    Referrals,
    /// `<key>_starts` (count).
    Starts,
    /// `<key>_caseload` (stock).
    Caseload,
    /// `<key>_waiting` (stock).
    Waiting,
    /// `<key>_lapsed` (count).
    Lapsed,
    /// `<key>_capacity` (stock): caseload places, or referral slots a week.
    Capacity,
    /// `<key>_capacity_used` (stock): places held, or referral slots used, in the week.
    CapacityUsed,
}

impl CustomMetric {
    /// Every custom metric, in output order.
    pub const ALL: [CustomMetric; 7] = [
        CustomMetric::Referrals,
        CustomMetric::Starts,
        CustomMetric::Caseload,
        CustomMetric::Waiting,
        CustomMetric::Lapsed,
        CustomMetric::Capacity,
        CustomMetric::CapacityUsed,
    ];

    /// Suffix after `<key>_`.
    pub const fn suffix(self) -> &'static str {
        match self {
            CustomMetric::Referrals => "referrals",
            CustomMetric::Starts => "starts",
            CustomMetric::Caseload => "caseload",
            CustomMetric::Waiting => "waiting",
            CustomMetric::Lapsed => "lapsed",
            CustomMetric::Capacity => "capacity",
            CustomMetric::CapacityUsed => "capacity_used",
        }
    }

    /// Count or stock.
    pub const fn kind(self) -> MetricKind {
        match self {
            CustomMetric::Referrals | CustomMetric::Starts | CustomMetric::Lapsed => MetricKind::Count,
            CustomMetric::Caseload | CustomMetric::Waiting | CustomMetric::Capacity | CustomMetric::CapacityUsed => {
                MetricKind::Stock
            }
        }
    }

    /// Unit of the value.
    pub const fn unit(self) -> &'static str {
        match self {
            CustomMetric::Referrals | CustomMetric::Lapsed => "referrals",
            CustomMetric::Starts => "episodes",
            CustomMetric::Caseload | CustomMetric::Waiting => "persons",
            CustomMetric::Capacity | CustomMetric::CapacityUsed => "places or slots a week",
        }
    }

    /// Definition for a service labelled `label`.
    pub fn description(self, label: &str) -> String {
        match self {
            CustomMetric::Referrals => {
                format!("Referrals to {label} (eligible residents referred, whether or not taken on).")
            }
            CustomMetric::Starts => format!("Episodes of {label} started (residents taken on)."),
            CustomMetric::Caseload => format!("People supported by {label} (on its caseload or within its effect)."),
            CustomMetric::Waiting => format!("People referred to {label} and waiting."),
            CustomMetric::Lapsed => {
                format!("Referrals to {label} that lapsed while waiting (returned to the referrer).")
            }
            CustomMetric::Capacity => format!(
                "Capacity of {label} in the week: caseload places (case management, support episodes) or referral slots (a referral activity)."
            ),
            CustomMetric::CapacityUsed => format!(
                "Capacity of {label} used in the week: places held after the week's starts, or referral slots filled (occupancy = this ÷ {label}'s capacity)."
            ),
        }
    }
}

/// Index in a catalogue's metrics of custom metric `which` of its `j`-th declared service:
/// `N_METRICS + 7j + {0 referrals, 1 starts, 2 caseload, 3 waiting, 4 lapsed, 5 capacity,
/// 6 capacity used}`.
pub const fn custom_metric_index(j: usize, which: CustomMetric) -> usize {
    N_METRICS
        + CustomMetric::ALL.len() * j
        + match which {
            CustomMetric::Referrals => 0,
            CustomMetric::Starts => 1,
            CustomMetric::Caseload => 2,
            CustomMetric::Waiting => 3,
            CustomMetric::Lapsed => 4,
            CustomMetric::Capacity => 5,
            CustomMetric::CapacityUsed => 6,
        }
}

/// A metric of the catalogue.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricInfo {
    /// Name in outputs (`snake_case`).
    pub name: String,
    /// Count or stock.
    pub kind: MetricKind,
    /// Unit of the value.
    pub unit: &'static str,
    /// One-sentence definition.
    pub description: String,
}

/// A cost category or another named output line of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Name in outputs.
    pub name: String,
    /// How it is computed, in words.
    pub description: String,
}

/// A service-value line (`expected_ae_avoided_<svc>`, `expected_admissions_avoided_<svc>`,
/// `cost_avoided_<svc>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueLine {
    /// Name in outputs.
    pub name: String,
    /// Whether it is money (else an expected count).
    pub is_cost: bool,
}

/// The services and output lines of a run, in output order (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct Catalog {
    custom: Vec<Service>,
    running: Vec<Service>,
    avoiding: Vec<Service>,
    metrics: Vec<MetricInfo>,
    costs: Vec<Line>,
    values: Vec<ValueLine>,
    /// Index in `values` of `cost_avoided_<svc>` of each running service.
    avoided_value: Vec<usize>,
    compare_costs: Vec<String>,
}

impl Default for Catalog {
    fn default() -> Catalog {
        Catalog::builtin()
    }
}

impl Catalog {
    /// The catalogue of the built-in services alone.
    pub fn builtin() -> Catalog {
        Catalog::from_labels(&[])
    }

    /// The catalogue of the built-in services and the declared services `custom` (the union
    /// over a run's scenarios): deduplicated by key (a key declared twice keeps the first
    /// label), sorted by key.
    pub fn new(custom: &[&CustomService]) -> Catalog {
        let pairs: Vec<(&str, &str)> = custom.iter().map(|c| (c.key.as_str(), c.label.as_str())).collect();
        Catalog::from_labels(&pairs)
    }

    /// The catalogue of every scenario of a run: the union of their declared services.
    pub fn of_scenarios<'a>(scenarios: impl IntoIterator<Item = &'a Scenario>) -> Catalog {
        let custom: Vec<&CustomService> = scenarios.into_iter().flat_map(|s| &s.services.custom).collect();
        Catalog::new(&custom)
    }

    /// The catalogue from declared services given as `(key, label)` (as a run folder records
    /// them): deduplicated by key, the first label kept, sorted by key.
    pub fn from_labels(custom: &[(&str, &str)]) -> Catalog {
        let mut declared: Vec<(&str, &str)> = Vec::new();
        for &(key, label) in custom {
            if !declared.iter().any(|(k, _)| *k == key) {
                declared.push((key, label));
            }
        }
        declared.sort_by(|a, b| a.0.cmp(b.0));
        let custom: Vec<Service> = declared
            .iter()
            .enumerate()
            .map(|(j, (key, label))| Service {
                id: ServiceId::Custom(j),
                key: (*key).to_string(),
                label: (*label).to_string(),
            })
            .collect();
        let builtin = |b: BuiltinService| Service {
            id: ServiceId::Builtin(b),
            key: b.key().to_string(),
            label: b.label().to_string(),
        };
        let running: Vec<Service> = BUILTIN_SERVICES
            .iter()
            .map(|&b| builtin(b))
            .chain(custom.iter().cloned())
            .collect();
        let avoiding: Vec<Service> = AVOIDING_SERVICES
            .iter()
            .map(|&b| builtin(b))
            .chain(custom.iter().cloned())
            .collect();

        let mut metrics: Vec<MetricInfo> = Metric::ALL
            .iter()
            .map(|m| MetricInfo {
                name: m.name().to_string(),
                kind: m.kind(),
                unit: m.unit(),
                description: m.description().to_string(),
            })
            .collect();
        for s in &custom {
            metrics.extend(CustomMetric::ALL.iter().map(|&c| MetricInfo {
                name: format!("{}_{}", s.key, c.suffix()),
                kind: c.kind(),
                unit: c.unit(),
                description: c.description(&s.label),
            }));
        }

        let line = |c: CostCategory| Line {
            name: c.name().to_string(),
            description: c.description().to_string(),
        };
        let mut costs: Vec<Line> = CostCategory::ALL
            .iter()
            .filter(|&&c| c != CostCategory::Total)
            .map(|&c| line(c))
            .collect();
        costs.extend(custom.iter().map(|s| Line {
            name: format!("cost_{}", s.key),
            description: format!("{} starts × the scenario's cost per start.", s.label),
        }));
        costs.push(line(CostCategory::Total));

        let mut values = Vec::with_capacity(3 * avoiding.len() + 1);
        for s in &avoiding {
            for (prefix, is_cost) in [
                ("expected_ae_avoided", false),
                ("expected_admissions_avoided", false),
                ("cost_avoided", true),
            ] {
                values.push(ValueLine {
                    name: format!("{prefix}_{}", s.key),
                    is_cost,
                });
            }
        }
        values.push(ValueLine {
            name: format!("cost_avoided_{}", BuiltinService::Life.key()),
            is_cost: true,
        });
        let avoided_value = running
            .iter()
            .map(|s| {
                let name = format!("cost_avoided_{}", s.key);
                values
                    .iter()
                    .position(|v| v.name == name)
                    .expect("every running service has a cost-avoided line")
            })
            .collect();

        let compare_costs = ACTIVITY_COSTS
            .iter()
            .map(|c| c.name().to_string())
            .chain(running.iter().map(|s| format!("running_cost_{}", s.key)))
            .chain(std::iter::once(CostCategory::Total.name().to_string()))
            .collect();

        Catalog {
            custom,
            running,
            avoiding,
            metrics,
            costs,
            values,
            avoided_value,
            compare_costs,
        }
    }

    /// Whether the catalogue has no declared services.
    pub fn is_builtin(&self) -> bool {
        self.custom.is_empty()
    }

    /// The declared services, sorted by key (`ServiceId::Custom(j)` is the `j`-th).
    pub fn custom_services(&self) -> &[Service] {
        &self.custom
    }

    /// Services with a running cost: the built-in ones, then each declared service.
    pub fn running_services(&self) -> &[Service] {
        &self.running
    }

    /// Services whose effects lower the crisis hazard, in the order of the avoided-crisis
    /// tally (`[week][locality][service][ae, admissions]`): the built-in ones, then each
    /// declared service.
    pub fn avoiding_services(&self) -> &[Service] {
        &self.avoiding
    }

    /// Number of crisis-avoiding services.
    pub fn n_avoiding(&self) -> usize {
        self.avoiding.len()
    }

    /// Every metric, in output order: the built-in [`Metric::ALL`] (index `Metric::X as
    /// usize`), then per declared service its [`CustomMetric`]s.
    pub fn metrics(&self) -> &[MetricInfo] {
        &self.metrics
    }

    /// Number of metrics.
    pub fn n_metrics(&self) -> usize {
        self.metrics.len()
    }

    /// Index of the metric called `name`.
    pub fn metric_index(&self, name: &str) -> Option<usize> {
        self.metrics.iter().position(|m| m.name == name)
    }

    /// Index of custom metric `which` of the `service`-th declared service
    /// ([`custom_metric_index`]).
    pub fn custom_metric(&self, service: usize, which: CustomMetric) -> usize {
        debug_assert!(service < self.custom.len());
        custom_metric_index(service, which)
    }

    /// Cost categories, in output order: the built-in ones but the total, `cost_<key>` per
    /// declared service (its starts × the scenario's cost per start), then `cost_total`.
    pub fn cost_categories(&self) -> &[Line] {
        &self.costs
    }

    /// Number of cost categories (the total included).
    pub fn n_costs(&self) -> usize {
        self.costs.len()
    }

    /// Service-value lines, in output order: per crisis-avoiding service the expected A&E
    /// attendances and admissions it avoided and the cost avoided, then `cost_avoided_life`.
    pub fn value_metrics(&self) -> &[ValueLine] {
        &self.values
    }

    /// Number of service-value lines.
    pub fn n_values(&self) -> usize {
        self.values.len()
    }

    /// Index in [`Catalog::value_metrics`] of `cost_avoided_<svc>` of the `service`-th running
    /// service.
    pub fn cost_avoided_value(&self, service: usize) -> usize {
        self.avoided_value[service]
    }

    /// A comparison's place-level cost lines, in output order: the activity-costed lines
    /// ([`ACTIVITY_COSTS`]), `running_cost_<svc>` per running service, then `cost_total`.
    pub fn compare_cost_lines(&self) -> &[String] {
        &self.compare_costs
    }

    /// The comparison cost line of the `service`-th running service (`running_cost_<svc>`).
    pub fn running_cost_line(&self, service: usize) -> &str {
        &self.compare_costs[ACTIVITY_COSTS.len() + service]
    }

    /// Whether `key` would give a declared service output names that clash with another
    /// output of placesim (a built-in service key, or a metric or cost name a built-in one
    /// already has): the reason, or `None` when it is free.
    pub fn key_clash(key: &str) -> Option<String> {
        if let Some(b) = BUILTIN_SERVICES.iter().find(|b| b.key() == key) {
            return Some(format!("`{key}` is the key of the built-in service {}", b.label()));
        }
        let builtin = Catalog::builtin();
        let taken =
            |name: &str| builtin.metrics.iter().any(|m| m.name == name) || builtin.costs.iter().any(|c| c.name == name);
        CustomMetric::ALL
            .iter()
            .map(|c| format!("{key}_{}", c.suffix()))
            .chain(std::iter::once(format!("cost_{key}")))
            .find(|n| taken(n))
            .map(|n| format!("`{key}` would name an output `{n}`, which a built-in one already has"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_catalogue_lists_exactly_todays_outputs() {
        let c = Catalog::builtin();
        let keys = |s: &[Service]| s.iter().map(|s| s.key.clone()).collect::<Vec<_>>();
        assert_eq!(
            keys(c.running_services()),
            ["huddles", "pic", "life", "social_prescribing", "pharmacists"]
        );
        assert_eq!(
            keys(c.avoiding_services()),
            ["huddles", "pic", "social_prescribing", "pharmacists"]
        );
        assert_eq!(c.n_metrics(), N_METRICS);
        let costs: Vec<&str> = c.cost_categories().iter().map(|l| l.name.as_str()).collect();
        let want: Vec<&str> = CostCategory::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(costs, want);
        let values: Vec<&str> = c.value_metrics().iter().map(|v| v.name.as_str()).collect();
        assert_eq!(
            values,
            [
                "expected_ae_avoided_huddles",
                "expected_admissions_avoided_huddles",
                "cost_avoided_huddles",
                "expected_ae_avoided_pic",
                "expected_admissions_avoided_pic",
                "cost_avoided_pic",
                "expected_ae_avoided_social_prescribing",
                "expected_admissions_avoided_social_prescribing",
                "cost_avoided_social_prescribing",
                "expected_ae_avoided_pharmacists",
                "expected_admissions_avoided_pharmacists",
                "cost_avoided_pharmacists",
                "cost_avoided_life",
            ]
        );
        assert_eq!(
            c.compare_cost_lines(),
            [
                "cost_ae",
                "cost_admissions",
                "cost_excess_bed_days",
                "cost_delayed_bed_days",
                "cost_gp",
                "cost_home_care",
                "cost_care_homes",
                "running_cost_huddles",
                "running_cost_pic",
                "running_cost_life",
                "running_cost_social_prescribing",
                "running_cost_pharmacists",
                "cost_total",
            ]
        );
        // LIFE's avoided cost is the last value line; the others are every third.
        let avoided: Vec<usize> = (0..5).map(|k| c.cost_avoided_value(k)).collect();
        assert_eq!(avoided, [2, 5, 12, 8, 11]);
    }

    #[test]
    fn declared_services_are_deduplicated_sorted_and_add_their_lines() {
        let c = Catalog::from_labels(&[
            ("nurse", "nurse visits"),
            ("coach", "health coaching"),
            ("nurse", "other"),
        ]);
        let keys: Vec<&str> = c.custom_services().iter().map(|s| s.key.as_str()).collect();
        assert_eq!(keys, ["coach", "nurse"]);
        assert_eq!(c.custom_services()[1].label, "nurse visits", "the first label is kept");
        assert_eq!(c.custom_services()[1].id, ServiceId::Custom(1));
        assert_eq!(c.running_services().len(), 7);
        assert_eq!(c.avoiding_services()[4].key, "coach");
        assert_eq!(c.n_metrics(), N_METRICS + 14);
        let m = c.custom_metric(1, CustomMetric::Starts);
        assert_eq!(m, N_METRICS + 8);
        assert_eq!(c.metrics()[m].name, "nurse_starts");
        assert_eq!(c.metrics()[m].kind, MetricKind::Count);
        assert_eq!(c.metric_index("coach_waiting"), Some(N_METRICS + 3));
        assert_eq!(
            c.metrics()[N_METRICS].description,
            "Referrals to health coaching (eligible residents referred, whether or not taken on)."
        );
        let costs: Vec<&str> = c.cost_categories().iter().map(|l| l.name.as_str()).collect();
        assert_eq!(&costs[costs.len() - 3..], ["cost_coach", "cost_nurse", "cost_total"]);
        let values: Vec<&str> = c.value_metrics().iter().map(|v| v.name.as_str()).collect();
        assert_eq!(values.len(), 3 * 6 + 1);
        assert_eq!(values[12], "expected_ae_avoided_coach");
        assert_eq!(values[18], "cost_avoided_life");
        assert_eq!(c.value_metrics()[c.cost_avoided_value(6)].name, "cost_avoided_nurse");
        let lines = c.compare_cost_lines();
        assert_eq!(lines[12], "running_cost_coach");
        assert_eq!(lines[14], "cost_total");
        // The order of declaration does not matter.
        assert_eq!(
            c,
            Catalog::from_labels(&[("coach", "health coaching"), ("nurse", "nurse visits")])
        );
    }

    #[test]
    fn keys_that_would_clash_with_builtin_outputs_are_named() {
        assert!(Catalog::key_clash("home_visits").is_none());
        assert!(Catalog::key_clash("pic").unwrap().contains("built-in service"));
        assert!(Catalog::key_clash("huddle").unwrap().contains("huddle_caseload"));
        assert!(Catalog::key_clash("pharmacist").unwrap().contains("pharmacist_waiting"));
        assert!(Catalog::key_clash("ae").unwrap().contains("cost_ae"));
    }
}
