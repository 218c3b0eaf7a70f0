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
    /// Services a planner declared in the scenario file (`[services.custom.<key>]`), in the
    /// order of their keys (sorted), each run by the generic service module.
    pub custom: Vec<CustomService>,
}

/// What a scenario-declared service does (`kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomKind {
    /// `"case_management"`: proactive case management — a caseload of places (`capacity` is
    /// concurrent clients), the frailest and those with most conditions taken on first.
    CaseManagement,
    /// `"support_episode"`: a time-limited support episode — a caseload of places (`capacity`
    /// is concurrent clients), taken on in order of referral (serial order within a week).
    SupportEpisode,
    /// `"referral_activity"`: a referral-based activity — `capacity` is referrals taken on per
    /// week; no caseload limit (the effect lasts `duration_weeks`).
    ReferralActivity,
}

/// Where referrals to a scenario-declared service come from (`route`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `"gp"`: each week, each eligible resident at home is referred with
    /// `referral_probability`.
    Gp,
    /// `"huddle"`: each eligible resident reviewed at a practice huddle is referred with
    /// `referral_probability`.
    Huddle,
    /// `"ae_liaison"`: each eligible resident attending A&E is referred with
    /// `referral_probability` (whether or not admitted; support starts once home).
    AeLiaison,
    /// `"discharge"`: each eligible resident discharged alive from an emergency admission is
    /// referred with `referral_probability`.
    Discharge,
}

/// Who a scenario-declared service may take on. Every condition must hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Eligibility {
    /// Minimum age in years.
    pub min_age: u8,
    /// Maximum age in years.
    pub max_age: u8,
    /// Minimum frailty: 0 any, 1 mild, 2 moderate, 3 severe.
    pub min_frailty: u8,
    /// Minimum number of long-term conditions.
    pub min_conditions: u8,
    /// Residents of LSOAs in national IMD deciles up to this one (1 = most deprived tenth;
    /// 10 = everyone).
    pub max_imd_decile: u8,
    /// Locality keys served (empty = every locality).
    pub localities: Vec<String>,
    /// Only residents discharged from hospital within this many weeks (0 = no requirement).
    pub recent_discharge_weeks: u16,
}

/// Relative effects of a scenario-declared service on the people it supports, each a
/// relative reduction in [-1, 1): positive lowers the rate, negative raises it (harm). Effects
/// apply while support lasts, scaled by the effect ramp.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomEffects {
    /// On the crisis (A&E attendance) hazard.
    pub crisis: f64,
    /// On the probability that an A&E attendance becomes an emergency admission.
    pub admission: f64,
    /// On the length of stay of an emergency admission.
    pub length_of_stay: f64,
    /// On community entry to a long-term home-care package.
    pub home_care: f64,
    /// On community entry to a care home.
    pub care_home: f64,
    /// Weeks from the service's start until its effects are fully realised (0 = at once).
    pub ramp_weeks: u16,
}

/// A service a planner declares in a scenario file: `[services.custom.<key>]`.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomService {
    /// The key after `services.custom.` (`[a-z][a-z0-9_]*`); names its outputs
    /// (`<key>_starts`, `cost_<key>`, `running_cost_<key>`, …).
    pub key: String,
    /// A label for charts and the report (default: the key with spaces for underscores).
    pub label: String,
    /// The evidence for its effects and costs, in words (a source, or "estimate: …").
    pub evidence: String,
    /// What it does.
    pub kind: CustomKind,
    /// Start, ramp and capacity multiplier.
    pub rollout: Rollout,
    /// Concurrent clients (case management, support episodes) or referrals taken on per week
    /// (referral activity), at full operation.
    pub capacity: PerLocality,
    /// How a borough-total capacity is shared between localities.
    pub allocation: Allocation,
    /// Day the allocation takes effect (before it, capacity is shared by population).
    pub allocation_from: Date,
    /// Who it may take on.
    pub eligibility: Eligibility,
    /// Where referrals come from.
    pub route: Route,
    /// Probability of referral per opportunity (per week for `gp`; per review, attendance or
    /// discharge for the other routes).
    pub referral_probability: f64,
    /// Weeks support (and its effect) lasts from the start.
    pub duration_weeks: u16,
    /// Its effects.
    pub effects: CustomEffects,
    /// Activity cost per person taken on (GBP, the place's price base).
    pub cost_per_start: f64,
    /// Running cost per unit of capacity per year (GBP): per caseload place or per weekly
    /// referral slot, paid for the capacity staffed whether used or not.
    pub running_cost_per_capacity_year: f64,
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
