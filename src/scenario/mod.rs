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

pub use crate::services::custom::{CustomEffects, CustomKind, CustomService, Eligibility, Route};
pub use crate::services::huddles::Huddles;
pub use crate::services::icn_plus::IcnPlus;
pub use crate::services::life::Life;
pub use crate::services::pharmacists::Pharmacists;
pub use crate::services::pic::Pic;
pub use crate::services::social_prescribing::SocialPrescribing;
pub use describe::Milestone;
pub use keys::KeyList;
pub use load::{load_scenario, load_scenario_str, CROYDON_LOCALITY_KEYS};

use crate::calendar::Date;
use keys::{scenario_section, Keys, Slot, SummaryLine};
use schema::{above_up_to, closed, Def, KeySpec, Kind, ALLOC_DEFAULT, COUNT, FROM_START, PROB, REQ};
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
    /// Weeks simulated before `start` and not reported (the warm-up).
    pub warm_up_weeks: u16,
    /// Uncertain model parameters (calibrated; see docs/validation.md once it exists).
    pub model: ModelParams,
    /// The integrated-care services.
    pub services: Services,
    /// The distributions this scenario declares on uncertain figures (`[uncertainty.<name>]`),
    /// by name; read by `placesim psa` and `placesim tornado` ([`crate::uncertainty`]).
    pub uncertainty: Vec<Uncertain>,
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
pub(crate) const UNCERTAINTY_SECTION: &str = "uncertainty";

/// Appends every declared key after `extends`, in documentation order (see [`schema::schema`]).
fn declared_keys(out: &mut Vec<KeySpec>) {
    Header::specs(SCENARIO_SECTION, out);
    ModelParams::specs(MODEL_SECTION, out);
    Services::specs(SERVICES_SECTION, out);
    <Vec<Uncertain> as keys::Instances>::specs(UNCERTAINTY_SECTION, out);
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
        keys::Instances::key_values(&self.uncertainty, UNCERTAINTY_SECTION, &mut out);
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
        /// Weeks simulated before `start` and not reported, so that no reported week carries
        /// the start-up artefacts of a population with nobody in hospital, recently discharged
        /// or in a queue (0 = none).
        warm_up_weeks: u16 = key(schema::WEEKS_OR_NONE, Def::Num(52.0), "weeks"),
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
        /// Multiplies out-migration from the place's `population.older_migration_from_age` (55
        /// for Croydon): the place's age pattern gives the shape, this the level, fitted to the
        /// counts of residents 65+ and 85+. [0, 10].
        older_migration_scale: f64 = key(closed(0.0, 10.0), Def::Num(1.0), "multiplier") [calibrate 17],
        /// Multiplies entry to care homes: the community hazard (with `community_care_scale`) and
        /// the share of supported hospital discharges that need a care home (capped at 1). The
        /// place gives the shape by frailty and age, this the level, fitted to the council-funded
        /// admissions of residents 65+ (ASCOF 2A(2)). [0, 10].
        care_home_scale: f64 = key(closed(0.0, 10.0), Def::Num(1.0), "multiplier") [calibrate 18],
        /// Follow the place's national calendar (`[calendar]`: the year-by-year trend in A&E
        /// attendances, admission conversion and length of stay, COVID-19 2020-22, the winter
        /// cycle): the counterfactual options are compared against. false = every week as the
        /// calibration year FY2019/20 with no winter (a sensitivity check, not a forecast).
        calendar: bool = key(Kind::Bool, Def::Bool(true), ""),
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
    /// A distribution on an uncertain figure, `[uncertainty.<name>]` ([`crate::uncertainty`]).
    #[derive(Debug, Clone, PartialEq)]
    pub struct Uncertain {
        /// The name after `uncertainty.`.
        name: String = instance_key(),
        /// What it puts a distribution on: a calibratable scenario key
        /// (`services.huddles.effect`), a scalar place figure (`social_care.care_home_mortality_hr`),
        /// or `section.*`: one multiplier for every scalar figure of a place section (`costs.*`).
        figure: String = key(Kind::NonEmptyText, REQ, "a calibratable scenario key, a place figure, or section.*"),
        /// The family (`low` and `high` are the support of a uniform or triangular, a 95%
        /// interval of the others).
        distribution: crate::uncertainty::Family = key(Kind::Choice(crate::uncertainty::Family::NAMES), Def::Str("triangular"), ""),
        /// Low end (default: the place figure's evidence range).
        low: Option<f64> = key(closed(f64::NEG_INFINITY, f64::INFINITY), Def::Optional, "in the figure's unit"),
        /// High end (default: the place figure's evidence range).
        high: Option<f64> = key(closed(f64::NEG_INFINITY, f64::INFINITY), Def::Optional, "in the figure's unit"),
        /// Declarations with the same group share one draw (perfectly rank-correlated).
        group: String = key(Kind::Text, Def::Str(""), ""),
        /// The evidence: a key of the place's `[sources]`, a place figure, or a citation.
        source: String = key(Kind::NonEmptyText, REQ, "a source key, a place figure or a citation"),
    }
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

scenario_section! {
    /// Social-care capacity that discharges depend on.
    #[derive(Debug, Clone, PartialEq)]
    pub struct SocialCare {
        /// New long-term home-care packages that can start per week.
        package_starts_per_week: PerLocality = key(Kind::PerLocality, REQ, "package starts per week") [summary 2],
        /// Care-home placements available per week.
        care_home_placements_per_week: PerLocality = key(Kind::PerLocality, REQ, "placements per week"),
        /// Spot purchasing beyond the block capacity: each week this share of the patients
        /// still waiting for a package or a care home after the block capacity is used is
        /// placed (rounded stochastically, so it averages exactly this share at any scale), so
        /// queues stay bounded when demand outgrows the block contracts.
        spot_purchase_share: f64 = key(PROB, Def::Num(0.25), "share of the remaining queue per week") [summary 2],
        /// How capacity is shared between localities.
        allocation: Allocation = key(Kind::Allocation, ALLOC_DEFAULT, ""),
        /// Day the allocation takes effect (before it, capacity is shared by population).
        allocation_from: Date = key(Kind::Date, FROM_START, ""),
    }
}
