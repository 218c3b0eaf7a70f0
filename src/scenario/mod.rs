//! Scenarios: what a planner writes (`scenarios/*.toml`) and the validated form the engine runs.
//!
//! Data flow: file text ──parse──▶ spanned document (with `extends` merged) ──validate──▶
//! [`Scenario`]. Validation reports every problem at once, each with file, line, column and
//! field ([`crate::error::ScenarioErrors`]).
//!
//! Conventions for planners:
//! * dates are `YYYY-MM-DD`;
//! * probabilities, shares and effects are fractions in [0, 1] (write `0.07`, not `7`);
//! * capacities are per week unless the key says otherwise (`_per_year`, `_per_worker`);
//! * a per-locality quantity ([`PerLocality`]) is either one number — a borough total shared
//!   between localities by the service's `allocation` — or a table keyed by locality key.

mod describe;
mod load;
mod schema;

pub use describe::Milestone;
pub use load::{load_scenario, load_scenario_str, CROYDON_LOCALITY_KEYS, SCENARIO_KEYS};

use crate::calendar::Date;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A validated scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Short name used in outputs (`[scenario] name`, default: the file stem).
    pub name: String,
    /// Free text for planners.
    pub description: String,
    /// The scenario file and every file it extends, outermost first, with content hashes.
    pub files: Vec<ScenarioFile>,
    /// First simulated week starts on this date (must be a Monday).
    pub start: Date,
    /// Last day simulated (the week containing it is the last week).
    pub end: Date,
    /// Which place to simulate.
    pub place: PlaceSource,
    /// Agents per resident (1.0 = one agent per resident; below 1 a sample, above 1 the place
    /// replicated at that multiple, for capacity and performance tests).
    pub scale: f64,
    /// Uncertain model parameters (calibrated; see docs/validation.md once it exists).
    pub model: ModelParams,
    /// The integrated-care services.
    pub services: Services,
}

/// A file that contributed to a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioFile {
    /// Path as given or resolved.
    pub path: PathBuf,
    /// SHA-256 of the file's bytes, lowercase hex.
    pub sha256: String,
}

/// Where the place comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaceSource {
    /// The embedded Croydon place (`place = "croydon"`, the default).
    EmbeddedCroydon,
    /// A place file (path resolved relative to the scenario file that names it).
    File(PathBuf),
}

/// Uncertain model parameters, all multipliers or hazard ratios (dimensionless).
#[derive(Debug, Clone, PartialEq)]
pub struct ModelParams {
    /// Multiplies every crisis (A&E attendance) hazard. Range (0, 10].
    pub crisis_rate_scale: f64,
    /// Multiplies the A&E → admission conversion probability (capped at 1). Range (0, 5].
    pub admission_scale: f64,
    /// Multiplies every death hazard (recalibration to borough deaths). Range (0, 5].
    pub mortality_scale: f64,
    /// Scales the deprivation gradient of crises: 0 = none, 1 = the reference gradient. [0, 3].
    pub imd_gradient_scale: f64,
    /// Crisis hazard ratio in the 30 days after discharge (readmission risk). [1, 20].
    pub readmission_hr: f64,
    /// Multiplies community entry rates to home-care packages and care homes. [0, 10].
    pub community_care_scale: f64,
}

/// How a borough-total capacity is shared between localities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allocation {
    /// In proportion to resident population.
    Population,
    /// In proportion to need: population weighted by deprivation and age
    /// ([`crate::place::Place::locality_need`]) — "proportionate universalism".
    Need,
}

/// A quantity given per locality.
#[derive(Debug, Clone, PartialEq)]
pub enum PerLocality {
    /// One borough total, split between localities by the service's allocation.
    Total(f64),
    /// A value for each named locality (localities not named get 0).
    Each(BTreeMap<String, f64>),
}

/// When a service starts and how it ramps up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rollout {
    /// Whether the service runs at all in this scenario.
    pub enabled: bool,
    /// First day of operation.
    pub start: Date,
    /// Day full capacity is reached; capacity rises linearly from `start` to here.
    pub full_by: Date,
    /// Multiplier on capacity from `capacity_multiplier_from` on (1.0 = no change); how an
    /// option such as "LIFE capacity ×1.5 from April 2021" is written.
    pub capacity_multiplier: f64,
    /// Day the capacity multiplier takes effect.
    pub capacity_multiplier_from: Date,
}

/// All services.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct Services {
    pub huddles: Huddles,
    pub pic: Pic,
    pub life: Life,
    pub social_prescribing: SocialPrescribing,
    pub pharmacists: Pharmacists,
    pub icn_plus: IcnPlus,
    pub social_care: SocialCare,
}

/// GP practice huddles (Integrated Community Networks): weekly MDT case review.
#[derive(Debug, Clone, PartialEq)]
pub struct Huddles {
    /// Start and ramp: practices join between `start` and `full_by` (in practice order).
    pub rollout: Rollout,
    /// Minimum age reviewed before `all_ages_from`.
    pub min_age: u8,
    /// From this date adults of any age (18+) are eligible.
    pub all_ages_from: Date,
    /// Case reviews per practice per week at full operation.
    pub reviews_per_practice_per_week: f64,
    /// Staff hours per practice per week (for the running cost).
    pub hours_per_practice_per_week: f64,
    /// Weekly probability that an eligible rising-risk patient is flagged for review.
    pub flag_probability: f64,
    /// Minimum number of long-term conditions for eligibility (or moderate/severe frailty).
    pub min_conditions: u8,
    /// Weeks a reviewed patient stays on the care plan.
    pub care_plan_weeks: u16,
    /// Relative reduction of crisis hazard while on a care plan at full effect. [0, 1).
    pub effect: f64,
    /// Years from a practice's start until the effect is fully realised.
    pub effect_ramp_years: f64,
    /// Probability a reviewed patient is referred to a PIC (if eligible).
    pub refer_pic_probability: f64,
    /// Probability a reviewed patient is referred to social prescribing.
    pub refer_social_prescribing_probability: f64,
    /// Probability a reviewed patient is referred for a pharmacist medication review.
    pub refer_pharmacist_probability: f64,
    /// How reviews are prioritised between practices: `population` = equal reviews per
    /// practice; `need` = reviews shared by practice need.
    pub allocation: Allocation,
    /// Day the allocation takes effect (before it, reviews are shared by population).
    pub allocation_from: Date,
}

/// Personal Independence Co-ordinators (Age UK Croydon).
#[derive(Debug, Clone, PartialEq)]
pub struct Pic {
    #[allow(missing_docs)]
    pub rollout: Rollout,
    /// Number of PICs (whole-time equivalents).
    pub workers: PerLocality,
    /// Clients per PIC at once.
    pub caseload_per_worker: f64,
    /// Maximum weeks of support.
    pub max_weeks: u16,
    /// Minimum client age.
    pub min_age: u8,
    /// Probability that an episode resolves isolation.
    pub isolation_resolved_probability: f64,
    /// Relative reduction of crisis hazard during support. [0, 1).
    pub crisis_effect: f64,
    /// Relative reduction of community entry to home-care packages during and for a year
    /// after support. [0, 1).
    pub care_package_effect: f64,
    #[allow(missing_docs)]
    pub allocation: Allocation,
    /// Day the allocation takes effect (before it, capacity is shared by population).
    pub allocation_from: Date,
}

/// LIFE (Living Independently For Everyone): A&E liaison, discharge to assess, reablement.
#[derive(Debug, Clone, PartialEq)]
pub struct Life {
    #[allow(missing_docs)]
    pub rollout: Rollout,
    /// A&E liaison assessments per week.
    pub liaison_assessments_per_week: PerLocality,
    /// Minimum age for liaison (younger patients qualify if moderately or severely frail).
    pub liaison_min_age: u8,
    /// Probability an assessed patient goes home with LIFE support instead of being admitted.
    pub divert_probability: f64,
    /// Concurrent reablement clients (discharge to assess + diverted).
    pub reablement_caseload: PerLocality,
    /// Maximum weeks of reablement.
    pub max_weeks: u16,
    /// Share of reablement clients needing no long-term package afterwards.
    pub no_package_probability: f64,
    /// Share of LIFE clients visited within 2 hours of getting home.
    pub visit_within_2h_probability: f64,
    /// Hospital days saved per discharge-to-assess patient.
    pub los_reduction_days: f64,
    #[allow(missing_docs)]
    pub allocation: Allocation,
    /// Day the allocation takes effect (before it, capacity is shared by population).
    pub allocation_from: Date,
}

/// Social prescribing link workers.
#[derive(Debug, Clone, PartialEq)]
pub struct SocialPrescribing {
    #[allow(missing_docs)]
    pub rollout: Rollout,
    /// Link workers (whole-time equivalents).
    pub link_workers: PerLocality,
    /// New referrals one link worker takes per year.
    pub referrals_per_worker_per_year: f64,
    /// Minimum age referred.
    pub min_age: u8,
    /// Weekly probability that an isolated resident or one with a mental-health condition is
    /// referred by their GP (huddle referrals come on top).
    pub gp_referral_probability: f64,
    /// Weeks the effect lasts after referral.
    pub effect_weeks: u16,
    /// Relative reduction of GP consultations while the effect lasts.
    pub gp_effect: f64,
    /// Relative reduction of A&E attendances while the effect lasts.
    pub ae_effect: f64,
    #[allow(missing_docs)]
    pub allocation: Allocation,
    /// Day the allocation takes effect (before it, capacity is shared by population).
    pub allocation_from: Date,
}

/// ICN pharmacists: domiciliary medication reviews.
#[derive(Debug, Clone, PartialEq)]
pub struct Pharmacists {
    #[allow(missing_docs)]
    pub rollout: Rollout,
    /// Medication reviews per week.
    pub reviews_per_week: PerLocality,
    /// Relative reduction of crisis hazard after a review.
    pub effect: f64,
    /// Weeks the effect lasts.
    pub effect_weeks: u16,
    /// Minimum long-term conditions for a huddle to refer someone for a review (polypharmacy
    /// proxy).
    pub min_conditions: u8,
    #[allow(missing_docs)]
    pub allocation: Allocation,
    /// Day the allocation takes effect (before it, capacity is shared by population).
    pub allocation_from: Date,
}

/// ICN+: integrated locality teams that extend huddles and add social prescribing.
#[derive(Debug, Clone, PartialEq)]
pub struct IcnPlus {
    /// Whether ICN+ runs in this scenario.
    pub enabled: bool,
    /// Go-live date per locality key (localities not named never go live).
    pub start_by_locality: BTreeMap<String, Date>,
    /// Weeks from go-live to full operation.
    pub ramp_weeks: u16,
    /// Multiplier on huddle review capacity in live localities (≥ 1).
    pub huddle_capacity_multiplier: f64,
    /// Extra relative reduction of crisis hazard for people on a care plan in live localities.
    pub extra_effect: f64,
    /// Whether live localities review all adults (18+) regardless of the huddle minimum age.
    pub all_ages: bool,
    /// Extra social-prescribing link workers per live locality.
    pub extra_link_workers_per_locality: f64,
}

/// Social-care capacity that discharges depend on.
#[derive(Debug, Clone, PartialEq)]
pub struct SocialCare {
    /// New long-term home-care packages that can start per week.
    pub package_starts_per_week: PerLocality,
    /// Care-home placements available per week.
    pub care_home_placements_per_week: PerLocality,
    /// Spot purchasing beyond the block capacity: each week this share (rounded down) of the
    /// patients still waiting for a package or a care home after the block capacity is used
    /// is placed, so queues stay bounded when demand outgrows the block contracts.
    pub spot_purchase_share: f64,
    #[allow(missing_docs)]
    pub allocation: Allocation,
    /// Day the allocation takes effect (before it, capacity is shared by population).
    pub allocation_from: Date,
}
