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

//!
//! Every key is declared once, beside the field it fills ([`keys::scenario_section!`]); the
//! schema, the loader, calibration and the key-parameter summary read the declarations.

mod describe;
pub(crate) mod keys;
mod load;
pub(crate) mod schema;

pub use describe::Milestone;
pub use keys::KeyList;
pub use load::{load_scenario, load_scenario_str, CROYDON_LOCALITY_KEYS};

use crate::calendar::Date;
use keys::{scenario_section, Choice, Describe, Keys, Slot, SummaryLine};
use schema::{
    above_up_to, at_least, closed, Def, KeySpec, Kind, Unit, AGE, ALLOC_DEFAULT, CONDITIONS, COUNT, EFFECT,
    EFFECT_OR_HARM, FROM_START, PROB, REQ, WEEKS, WEEKS_OR_NONE, ZERO,
};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

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

/// Where the top-level sections are mounted (`[scenario]`, `[model]`, `[services]`).
const SCENARIO_SECTION: &str = "scenario";
const MODEL_SECTION: &str = "model";
const SERVICES_SECTION: &str = "services";

/// Appends every declared key after `extends`, in documentation order (see [`schema::schema`]).
fn declared_keys(out: &mut Vec<KeySpec>) {
    Header::specs(SCENARIO_SECTION, out);
    ModelParams::specs(MODEL_SECTION, out);
    Services::specs(SERVICES_SECTION, out);
}

/// Every valid dotted key of a scenario file (e.g. `services.life.divert_probability`), in
/// documentation order; sections (`scenario`, `services.life`, …) are the prefixes. Keys of a
/// section a scenario may declare any number of times have `<key>` for the instance's key
/// (`services.custom.<key>.min_age`).
pub const SCENARIO_KEYS: KeyList = KeyList::new(scenario_keys);

fn scenario_keys() -> &'static [&'static str] {
    static KEYS: OnceLock<Vec<&'static str>> = OnceLock::new();
    KEYS.get_or_init(|| schema::schema().iter().map(|k| k.path.as_str()).collect())
}

/// The keys calibration may move (the declarations marked `calibrate`), in rank order.
pub(crate) fn calibration_keys() -> &'static [&'static str] {
    static OWNED: OnceLock<Vec<String>> = OnceLock::new();
    static KEYS: OnceLock<Vec<&'static str>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let owned = OWNED.get_or_init(|| {
            let mut ranked = Vec::new();
            ModelParams::calibration_keys(MODEL_SECTION, &mut ranked);
            Services::calibration_keys(SERVICES_SECTION, &mut ranked);
            ranked.sort_by_key(|(rank, _)| *rank);
            ranked.into_iter().map(|(_, key)| key).collect()
        });
        owned.iter().map(String::as_str).collect()
    })
}

impl Scenario {
    /// The fields calibration may move, as (full dotted key, field), in rank order.
    pub(crate) fn calibration_slots(&mut self) -> Vec<(String, &mut f64)> {
        let mut slots: Vec<Slot<'_>> = Vec::new();
        self.model.calibration_slots(MODEL_SECTION, &mut slots);
        self.services.calibration_slots(SERVICES_SECTION, &mut slots);
        slots.sort_by_key(|s| s.rank);
        slots.into_iter().map(|s| (s.key, s.value)).collect()
    }

    /// Every declared key of the model and the services with its field's value (`{:?}`).
    #[cfg(test)]
    pub(crate) fn key_values(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        self.model.key_values(MODEL_SECTION, &mut out);
        self.services.key_values(SERVICES_SECTION, &mut out);
        out
    }

    /// The declared key-parameter lines, by tier then in declaration order.
    pub(crate) fn summary_lines(&self) -> Vec<SummaryLine> {
        let mut lines = Vec::new();
        self.model.summary(MODEL_SECTION, &mut lines);
        self.services.summary(SERVICES_SECTION, &mut lines);
        lines.sort_by_key(|l| l.tier);
        lines
    }
}

scenario_section! {
    /// The `[scenario]` section as written; [`Scenario`] holds its values, with the place
    /// resolved against the file that names it.
    #[derive(Debug, Clone, PartialEq)]
    pub(crate) struct Header {
        /// Short name used in outputs (default: the file stem).
        name: String = key(Kind::Name, Def::FileStem, ""),
        /// Free text for planners.
        description: String = key(Kind::Text, Def::Str(""), ""),
        /// First simulated week starts on this date (must be a Monday).
        start: Date = key(Kind::Date, REQ, ""),
        /// Last day simulated.
        end: Date = key(Kind::Date, REQ, ""),
        /// `"croydon"` or a place file relative to the scenario file that names it.
        place: String = key(Kind::Place, Def::Str("croydon"), ""),
        /// Agents per resident.
        scale: f64 = key(
            above_up_to(0.0, 200.0),
            Def::Num(1.0),
            "agents per resident: below 1 a sample, above 1 the place's structure replicated"
        ),
    }
}

scenario_section! {
    /// Uncertain model parameters, all multipliers or hazard ratios (dimensionless).
    #[derive(Debug, Clone, PartialEq)]
    pub struct ModelParams {
        /// Multiplies every crisis (A&E attendance) hazard. Range (0, 10].
        crisis_rate_scale: f64 = key(above_up_to(0.0, 10.0), REQ, "multiplier") [calibrate 1, summary 0],
        /// Multiplies the A&E → admission conversion probability (capped at 1). Range (0, 5].
        admission_scale: f64 = key(above_up_to(0.0, 5.0), REQ, "multiplier") [calibrate 2],
        /// Multiplies every death hazard (recalibration to borough deaths). Range (0, 5].
        mortality_scale: f64 = key(above_up_to(0.0, 5.0), REQ, "multiplier") [calibrate 3, summary 0],
        /// Scales the deprivation gradient of crises: 0 = none, 1 = the reference gradient. [0, 3].
        imd_gradient_scale: f64 = key(closed(0.0, 3.0), REQ, "multiplier") [calibrate 4],
        /// Crisis hazard ratio in the 30 days after discharge (readmission risk). [1, 20].
        readmission_hr: f64 = key(closed(1.0, 20.0), REQ, "hazard ratio") [calibrate 5, summary 0],
        /// Multiplies community entry rates to home-care packages and care homes. [0, 10].
        community_care_scale: f64 = key(closed(0.0, 10.0), REQ, "multiplier") [calibrate 6],
    }
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

scenario_section! {
    /// When a service starts and how it ramps up.
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct Rollout {
        /// Whether the service runs at all in this scenario.
        enabled: bool = key(Kind::Bool, REQ, ""),
        /// First day of operation.
        start: Date = key(Kind::Date, REQ, ""),
        /// Day full capacity is reached; capacity rises linearly from `start` to here.
        full_by: Date = key(Kind::Date, REQ, ""),
        /// Multiplier on capacity from `capacity_multiplier_from` on (1.0 = no change); how an
        /// option such as "LIFE capacity ×1.5 from April 2021" is written.
        capacity_multiplier: f64 = key(COUNT, Def::Num(1.0), "multiplier"),
        /// Day the capacity multiplier takes effect.
        capacity_multiplier_from: Date = key(Kind::Date, Def::Sibling("start"), ""),
    }
}

scenario_section! {
    /// All services.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Services {
        /// GP practice huddles (`[services.huddles]`).
        huddles: Huddles = section(),
        /// Personal Independence Co-ordinators (`[services.pic]`).
        pic: Pic = section(),
        /// LIFE (`[services.life]`).
        life: Life = section(),
        /// Social prescribing link workers (`[services.social_prescribing]`).
        social_prescribing: SocialPrescribing = section(),
        /// ICN pharmacists (`[services.pharmacists]`).
        pharmacists: Pharmacists = section(),
        /// ICN+ (`[services.icn_plus]`).
        icn_plus: IcnPlus = section(),
        /// Social-care capacity (`[services.social_care]`).
        social_care: SocialCare = section(),
        /// Services a planner declared in the scenario file (`[services.custom.<key>]`), in the
        /// order of their keys (sorted), each run by the generic service module.
        custom: Vec<CustomService> = sections(),
    }
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

impl Choice for CustomKind {
    const NAMES: &'static [&'static str] = &["case_management", "support_episode", "referral_activity"];
    const VALUES: &'static [CustomKind] = &[
        CustomKind::CaseManagement,
        CustomKind::SupportEpisode,
        CustomKind::ReferralActivity,
    ];
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

impl Choice for Route {
    const NAMES: &'static [&'static str] = &["gp", "huddle", "ae_liaison", "discharge"];
    const VALUES: &'static [Route] = &[Route::Gp, Route::Huddle, Route::AeLiaison, Route::Discharge];
}

scenario_section! {
    /// Who a scenario-declared service may take on. Every condition must hold.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Eligibility {
        /// Minimum age in years.
        min_age: u8 = key(AGE, ZERO, "years"),
        /// Maximum age in years (at least `min_age`).
        max_age: u8 = key(AGE, Def::Num(110.0), "years"),
        /// Minimum frailty: 0 any, 1 mild, 2 moderate, 3 severe.
        min_frailty: u8 = key(Kind::Int { min: 0, max: 3 }, ZERO, "0 any, 1 mild, 2 moderate, 3 severe"),
        /// Minimum number of long-term conditions.
        min_conditions: u8 = key(CONDITIONS, ZERO, "conditions"),
        /// Residents of LSOAs in national IMD deciles up to this one (1 = most deprived tenth;
        /// 10 = everyone).
        max_imd_decile: u8 = key(Kind::Int { min: 1, max: 10 }, Def::Num(10.0), "national IMD decile, 1 = most deprived"),
        /// Locality keys served (empty = every locality).
        localities: Vec<String> = key(Kind::LocalityList, Def::Optional, "locality keys"),
        /// Only residents discharged from hospital within this many weeks (0 = no requirement).
        recent_discharge_weeks: u16 = key(WEEKS_OR_NONE, ZERO, "weeks"),
    }
}

/// The unit of a relative effect that may be a harm.
const EFFECT_UNIT: &str = "relative reduction; negative = harm";

scenario_section! {
    /// Relative effects of a scenario-declared service on the people it supports, each a
    /// relative reduction in [-1, 1): positive lowers the rate, negative raises it (harm). Effects
    /// apply while support lasts, scaled by the effect ramp.
    #[derive(Debug, Clone, PartialEq)]
    pub struct CustomEffects {
        /// On the crisis (A&E attendance) hazard.
        crisis: f64 = named("crisis_effect", EFFECT_OR_HARM, ZERO, EFFECT_UNIT),
        /// On the probability that an A&E attendance becomes an emergency admission.
        admission: f64 = named("admission_effect", EFFECT_OR_HARM, ZERO, EFFECT_UNIT),
        /// On the length of stay of an emergency admission.
        length_of_stay: f64 = named("length_of_stay_effect", EFFECT_OR_HARM, ZERO, EFFECT_UNIT),
        /// On community entry to a long-term home-care package.
        home_care: f64 = named("home_care_effect", EFFECT_OR_HARM, ZERO, EFFECT_UNIT),
        /// On community entry to a care home.
        care_home: f64 = named("care_home_effect", EFFECT_OR_HARM, ZERO, EFFECT_UNIT),
        /// Weeks from the service's start until its effects are fully realised (0 = at once).
        ramp_weeks: u16 = named("effect_ramp_weeks", WEEKS_OR_NONE, ZERO, "weeks"),
    }
}

/// The unit of a custom service's capacity, by its kind.
const CUSTOM_CAPACITY_UNIT: Unit = Unit::BySibling {
    key: "kind",
    units: &[
        ("case_management", "concurrent clients"),
        ("support_episode", "concurrent clients"),
        ("referral_activity", "referrals per week"),
    ],
    otherwise: "concurrent clients, or referrals per week for a referral_activity",
};

scenario_section! {
    /// A service a planner declares in a scenario file: `[services.custom.<key>]`.
    #[derive(Debug, Clone, PartialEq)]
    pub struct CustomService summary(3, CustomService::summary_line) {
        /// The key after `services.custom.` (`[a-z][a-z0-9_]*`); names its outputs
        /// (`<key>_starts`, `cost_<key>`, `running_cost_<key>`, …).
        key: String = instance_key(),
        /// A label for charts and the report (default: the key with spaces for underscores).
        label: String = key(Kind::Text, Def::KeyLabel, ""),
        /// The evidence for its effects and costs, in words (a source, or "estimate: …").
        evidence: String = key(Kind::NonEmptyText, REQ, "the source of its effects and costs, or \"estimate: ...\""),
        /// What it does.
        kind: CustomKind = key(Kind::Choice(CustomKind::NAMES), REQ, ""),
        /// Start, ramp and capacity multiplier.
        rollout: Rollout = flatten(),
        /// Concurrent clients (case management, support episodes) or referrals taken on per week
        /// (referral activity), at full operation.
        capacity: PerLocality = key(Kind::PerLocality, REQ, CUSTOM_CAPACITY_UNIT),
        /// How a borough-total capacity is shared between localities.
        allocation: Allocation = key(Kind::Allocation, ALLOC_DEFAULT, ""),
        /// Day the allocation takes effect (before it, capacity is shared by population).
        allocation_from: Date = key(Kind::Date, FROM_START, ""),
        /// Who it may take on.
        eligibility: Eligibility = flatten(),
        /// Where referrals come from.
        route: Route = key(Kind::Choice(Route::NAMES), REQ, ""),
        /// Probability of referral per opportunity (per week for `gp`; per review, attendance or
        /// discharge for the other routes).
        referral_probability: f64 = key(PROB, REQ, "probability per opportunity"),
        /// Weeks support (and its effect) lasts from the start.
        duration_weeks: u16 = key(WEEKS, REQ, "weeks"),
        /// Its effects.
        effects: CustomEffects = flatten(),
        /// Activity cost per person taken on (GBP, the place's price base).
        cost_per_start: f64 = key(COUNT, REQ, "GBP per person taken on"),
        /// Running cost per unit of capacity per year (GBP): per caseload place or per weekly
        /// referral slot, paid for the capacity staffed whether used or not.
        running_cost_per_capacity_year: f64 = key(COUNT, REQ, "GBP per unit of capacity per year"),
    }
}

impl CustomService {
    /// One line for the key-parameter summary: kind, route, capacity, rollout and effects.
    fn summary_line(&self) -> String {
        let kind = CustomKind::NAMES[CustomKind::VALUES.iter().position(|k| *k == self.kind).unwrap_or(0)];
        let route = Route::NAMES[Route::VALUES.iter().position(|r| *r == self.route).unwrap_or(0)];
        let unit = CUSTOM_CAPACITY_UNIT.resolve(|_| Some(kind.to_string()));
        let e = &self.effects;
        let effects: Vec<String> = [
            ("crisis", e.crisis),
            ("admission", e.admission),
            ("length of stay", e.length_of_stay),
            ("home care", e.home_care),
            ("care home", e.care_home),
        ]
        .iter()
        .filter(|(_, x)| *x != 0.0)
        .map(|(name, x)| format!("{name} {x}"))
        .collect();
        let effects = if effects.is_empty() {
            "no effects".to_string()
        } else {
            format!("effects {}", effects.join(", "))
        };
        format!(
            "{kind} via {route} (referral probability {}); capacity {} {unit}; {}; {effects}",
            self.referral_probability,
            self.capacity.describe(),
            self.rollout.describe(),
        )
    }
}

scenario_section! {
    /// GP practice huddles (Integrated Community Networks): weekly MDT case review.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Huddles {
        /// Start and ramp: practices join between `start` and `full_by` (in practice order).
        rollout: Rollout = flatten() [summary 0],
        /// Minimum age reviewed before `all_ages_from`.
        min_age: u8 = key(AGE, REQ, "years"),
        /// From this date adults of any age (18+) are eligible.
        all_ages_from: Date = key(Kind::Date, REQ, ""),
        /// Case reviews per practice per week at full operation.
        reviews_per_practice_per_week: f64 = key(COUNT, REQ, "reviews per practice per week") [calibrate 8, summary 0],
        /// Staff hours per practice per week (for the running cost).
        hours_per_practice_per_week: f64 = key(COUNT, REQ, "hours per practice per week"),
        /// Weekly probability that an eligible rising-risk patient is flagged for review.
        flag_probability: f64 = key(PROB, REQ, "probability per week") [calibrate 9, summary 0],
        /// Minimum number of long-term conditions for eligibility (or moderate/severe frailty).
        min_conditions: u8 = key(CONDITIONS, REQ, "conditions"),
        /// Weeks a reviewed patient stays on the care plan.
        care_plan_weeks: u16 = key(WEEKS, REQ, "weeks"),
        /// Relative reduction of crisis hazard while on a care plan at full effect. [0, 1).
        effect: f64 = key(EFFECT, REQ, "relative reduction") [calibrate 7, summary 0],
        /// Years from a practice's start until the effect is fully realised.
        effect_ramp_years: f64 = key(closed(0.0, 20.0), REQ, "years"),
        /// Probability a reviewed patient is referred to a PIC (if eligible).
        refer_pic_probability: f64 = key(PROB, REQ, "probability"),
        /// Probability a reviewed patient is referred to social prescribing.
        refer_social_prescribing_probability: f64 = key(PROB, REQ, "probability"),
        /// Probability a reviewed patient is referred for a pharmacist medication review.
        refer_pharmacist_probability: f64 = key(PROB, REQ, "probability"),
        /// How reviews are prioritised between practices: `population` = equal reviews per
        /// practice; `need` = reviews shared by practice need.
        allocation: Allocation = key(Kind::Allocation, ALLOC_DEFAULT, "") [summary 1],
        /// Day the allocation takes effect (before it, reviews are shared by population).
        allocation_from: Date = key(Kind::Date, FROM_START, ""),
    }
}

scenario_section! {
    /// Personal Independence Co-ordinators (Age UK Croydon).
    #[derive(Debug, Clone, PartialEq)]
    pub struct Pic {
        /// Start, ramp and capacity multiplier.
        rollout: Rollout = flatten() [summary 0],
        /// Number of PICs (whole-time equivalents).
        workers: PerLocality = key(Kind::PerLocality, REQ, "whole-time equivalents") [summary 0],
        /// Clients per PIC at once.
        caseload_per_worker: f64 = key(COUNT, REQ, "clients per worker"),
        /// Maximum weeks of support.
        max_weeks: u16 = key(WEEKS, REQ, "weeks"),
        /// Minimum client age.
        min_age: u8 = key(AGE, REQ, "years"),
        /// Probability that an episode resolves isolation.
        isolation_resolved_probability: f64 = key(PROB, REQ, "probability"),
        /// Relative reduction of crisis hazard during support. [0, 1).
        crisis_effect: f64 = key(EFFECT, REQ, "relative reduction") [calibrate 12, summary 0],
        /// Relative reduction of community entry to home-care packages during and for a year
        /// after support. [0, 1).
        care_package_effect: f64 = key(EFFECT, REQ, "relative reduction"),
        /// How capacity is shared between localities.
        allocation: Allocation = key(Kind::Allocation, ALLOC_DEFAULT, "") [summary 1],
        /// Day the allocation takes effect (before it, capacity is shared by population).
        allocation_from: Date = key(Kind::Date, FROM_START, ""),
    }
}

scenario_section! {
    /// LIFE (Living Independently For Everyone): A&E liaison, discharge to assess, reablement.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Life {
        /// Start, ramp and capacity multiplier.
        rollout: Rollout = flatten() [summary 0],
        /// A&E liaison assessments per week.
        liaison_assessments_per_week: PerLocality = key(Kind::PerLocality, REQ, "assessments per week") [summary 0],
        /// Minimum age for liaison (younger patients qualify if moderately or severely frail).
        liaison_min_age: u8 = key(AGE, REQ, "years"),
        /// Probability an assessed patient goes home with LIFE support instead of being admitted.
        divert_probability: f64 = key(PROB, REQ, "probability") [calibrate 10, summary 0],
        /// Concurrent reablement clients (discharge to assess + diverted).
        reablement_caseload: PerLocality = key(Kind::PerLocality, REQ, "concurrent clients") [summary 0],
        /// Maximum weeks of reablement.
        max_weeks: u16 = key(WEEKS, REQ, "weeks"),
        /// Share of reablement clients needing no long-term package afterwards.
        no_package_probability: f64 = key(PROB, REQ, "share") [calibrate 11],
        /// Share of LIFE clients visited within 2 hours of getting home.
        visit_within_2h_probability: f64 = key(PROB, REQ, "share"),
        /// Hospital days saved per discharge-to-assess patient.
        los_reduction_days: f64 = key(COUNT, REQ, "days"),
        /// How capacity is shared between localities.
        allocation: Allocation = key(Kind::Allocation, ALLOC_DEFAULT, "") [summary 1],
        /// Day the allocation takes effect (before it, capacity is shared by population).
        allocation_from: Date = key(Kind::Date, FROM_START, ""),
    }
}

scenario_section! {
    /// Social prescribing link workers.
    #[derive(Debug, Clone, PartialEq)]
    pub struct SocialPrescribing {
        /// Start, ramp and capacity multiplier.
        rollout: Rollout = flatten() [summary 0],
        /// Link workers (whole-time equivalents).
        link_workers: PerLocality = key(Kind::PerLocality, REQ, "whole-time equivalents") [summary 0],
        /// New referrals one link worker takes per year.
        referrals_per_worker_per_year: f64 = key(COUNT, REQ, "referrals per worker per year"),
        /// Minimum age referred.
        min_age: u8 = key(AGE, REQ, "years"),
        /// Weekly probability that an isolated resident or one with a mental-health condition is
        /// referred by their GP (huddle referrals come on top).
        gp_referral_probability: f64 = key(PROB, REQ, "probability per week"),
        /// Weeks the effect lasts after referral.
        effect_weeks: u16 = key(WEEKS, REQ, "weeks"),
        /// Relative reduction of GP consultations while the effect lasts.
        gp_effect: f64 = key(PROB, REQ, "relative reduction"),
        /// Relative reduction of A&E attendances while the effect lasts.
        ae_effect: f64 = key(PROB, REQ, "relative reduction") [calibrate 13, summary 0],
        /// How capacity is shared between localities.
        allocation: Allocation = key(Kind::Allocation, ALLOC_DEFAULT, "") [summary 1],
        /// Day the allocation takes effect (before it, capacity is shared by population).
        allocation_from: Date = key(Kind::Date, FROM_START, ""),
    }
}

scenario_section! {
    /// ICN pharmacists: domiciliary medication reviews.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Pharmacists {
        /// Start, ramp and capacity multiplier.
        rollout: Rollout = flatten() [summary 0],
        /// Medication reviews per week.
        reviews_per_week: PerLocality = key(Kind::PerLocality, REQ, "reviews per week") [summary 0],
        /// Relative reduction of crisis hazard after a review.
        effect: f64 = key(PROB, REQ, "relative reduction") [calibrate 14, summary 0],
        /// Weeks the effect lasts.
        effect_weeks: u16 = key(WEEKS, REQ, "weeks"),
        /// Minimum long-term conditions for a huddle to refer someone for a review (polypharmacy
        /// proxy).
        min_conditions: u8 = key(CONDITIONS, REQ, "conditions"),
        /// How capacity is shared between localities.
        allocation: Allocation = key(Kind::Allocation, ALLOC_DEFAULT, "") [summary 1],
        /// Day the allocation takes effect (before it, capacity is shared by population).
        allocation_from: Date = key(Kind::Date, FROM_START, ""),
    }
}

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
        extra_effect: f64 = key(PROB, REQ, "relative reduction"),
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

scenario_section! {
    /// Social-care capacity that discharges depend on.
    #[derive(Debug, Clone, PartialEq)]
    pub struct SocialCare {
        /// New long-term home-care packages that can start per week.
        package_starts_per_week: PerLocality = key(Kind::PerLocality, REQ, "package starts per week") [summary 2],
        /// Care-home placements available per week.
        care_home_placements_per_week: PerLocality = key(Kind::PerLocality, REQ, "placements per week"),
        /// Spot purchasing beyond the block capacity: each week this share (rounded down) of the
        /// patients still waiting for a package or a care home after the block capacity is used
        /// is placed, so queues stay bounded when demand outgrows the block contracts.
        spot_purchase_share: f64 = key(PROB, Def::Num(0.25), "share of the remaining queue per week") [summary 2],
        /// How capacity is shared between localities.
        allocation: Allocation = key(Kind::Allocation, ALLOC_DEFAULT, ""),
        /// Day the allocation takes effect (before it, capacity is shared by population).
        allocation_from: Date = key(Kind::Date, FROM_START, ""),
    }
}
