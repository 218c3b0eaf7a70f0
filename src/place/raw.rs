//! The place file schema: what `data/croydon.place.toml` (and any other place file) contains.
//!
//! Every figure is a [`Figure`]: a value with its unit, year, source key and confidence, so
//! that each number the model uses can be traced to where it came from (invariant 7).
//! These types are the serde edge; the engine reads them only through [`super::Place`].

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How sure we are of a figure (the reference data's confidence legend).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Copied or computed from a primary source.
    Exact,
    /// From a secondary source or a simple stated adjustment.
    Approximate,
    /// A judgement or modelling assumption, to be replaced or sensitivity-tested.
    Estimate,
}

/// One sourced figure.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Figure<T> {
    /// The number(s).
    pub value: T,
    /// Unit, in words.
    pub unit: String,
    /// Period or reference date of the figure.
    pub year: String,
    /// Key into the place file's `[sources]` table.
    pub source: String,
    /// How sure we are.
    pub confidence: Confidence,
    /// Free-text caveat or derivation.
    #[serde(default)]
    pub note: Option<String>,
    /// Labels of array elements (same length as the value).
    #[serde(default)]
    pub labels: Option<Vec<String>>,
    /// The evidence range `[low, high]` of an uncertain scalar figure (the value is the
    /// central estimate, inside it): what a sensitivity analysis samples.
    #[serde(default)]
    pub range: Option<[f64; 2]>,
    /// The family a probabilistic sensitivity analysis draws this figure from
    /// ([`crate::uncertainty::Family`]: fitted to the value and `range`); absent, a figure with
    /// a range is triangular over it, and `"fixed"` keeps it out of the analysis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution: Option<String>,
}

/// The whole place file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct PlaceFile {
    pub meta: Meta,
    pub sources: BTreeMap<String, String>,
    pub population: Population,
    pub localities: Vec<Locality>,
    pub lsoas: Lsoas,
    pub practices: Vec<Practice>,
    pub ethnicity: Ethnicity,
    pub conditions: Conditions,
    pub frailty: Frailty,
    pub isolation: Isolation,
    pub mortality: Mortality,
    pub calendar: Calendar,
    pub hospital: Hospital,
    pub social_care: SocialCare,
    pub primary_care: PrimaryCare,
    pub costs: Costs,
    pub economics: Economics,
    pub effects: Effects,
}

/// Identification of the place.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    /// Display name, e.g. "Croydon".
    pub name: String,
    /// ONS area code.
    pub code: String,
    /// Date the population figures refer to (`YYYY-MM-DD`, e.g. mid-year 2019-06-30).
    pub population_date: String,
    /// Price base of all costs, e.g. "2018/19".
    pub price_base: String,
    /// How this file was made.
    pub generated_by: String,
}

/// Borough population and its dynamics.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Population {
    /// Lower bounds of the migration age bands.
    pub migration_age_band_lower: Vec<u8>,
    /// The age from which the scenario's `model.older_migration_scale` multiplies
    /// out-migration.
    pub older_migration_from_age: u8,
    /// Males by single year of age 0..=89, then 90+ (91 values).
    pub males_single_year: Figure<Vec<f64>>,
    /// Females by single year of age 0..=89, then 90+ (91 values).
    pub females_single_year: Figure<Vec<f64>>,
    /// Growth of the total population per year that births and net migration follow.
    pub annual_growth: Figure<f64>,
    /// Residents by single year of age (0..=89, then 90+), one row per earlier mid-year
    /// (`history_years`): the age structure of a run that starts before the population date.
    /// Optional; without it the population date's structure is used at any start.
    #[serde(default)]
    pub history_persons_single_year: Option<Figure<Vec<Vec<f64>>>>,
    /// The mid-years of the rows of `history_persons_single_year` (ascending, before the
    /// population date's year).
    #[serde(default)]
    pub history_years: Option<Figure<Vec<f64>>>,
    /// Live births per woman aged 15–44 per year.
    pub birth_rate_per_woman_15_44: Figure<f64>,
    /// Probability per year that a resident moves out of the place (× the age multiplier).
    pub out_migration_rate: Figure<f64>,
    /// Multiplier of `out_migration_rate` by migration age band.
    pub out_migration_age_multiplier: Figure<Vec<f64>>,
    /// Share of in-migrants by migration age band (sums to 1).
    pub in_migrant_age_share: Figure<Vec<f64>>,
    /// Male share of births.
    pub male_birth_share: Figure<f64>,
}

/// One locality (a group of GP practices).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Locality {
    /// Machine key, e.g. `thornton_heath`; used in scenario files and outputs.
    pub key: String,
    /// Display name.
    pub name: String,
    /// Persons by single year of age 0..=89, then 90+ (91 values).
    pub persons_single_year: Figure<Vec<f64>>,
}

/// LSOAs as parallel arrays.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Lsoas {
    /// LSOA codes.
    pub code: Figure<Vec<String>>,
    /// Locality key of each LSOA.
    pub locality: Figure<Vec<String>>,
    /// Practice key serving each LSOA.
    pub practice: Figure<Vec<String>>,
    /// Residents.
    pub population: Figure<Vec<f64>>,
    /// National IMD 2019 decile (1 = most deprived).
    pub imd_decile: Figure<Vec<f64>>,
    /// National IMD 2019 rank (1 = most deprived of 32,844 LSOAs); orders LSOAs into the
    /// place's own deprivation fifths.
    pub imd_rank: Figure<Vec<f64>>,
}

/// A GP practice.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Practice {
    /// Machine key.
    pub key: String,
    /// Locality key.
    pub locality: String,
}

/// Ethnic groups and how their shares vary.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Ethnicity {
    /// Group names (5: White, Black, Asian, Mixed, Other).
    pub groups: Vec<String>,
    /// Borough shares of each group.
    pub shares: Figure<Vec<f64>>,
    /// Relative weight of each group (rows) by IMD quintile (columns, 1 = most deprived).
    pub imd_quintile_weight: Figure<Vec<Vec<f64>>>,
    /// Relative weight of each group (rows) by age band 0–17, 18–64, 65+ (columns).
    pub age_band_weight: Figure<Vec<Vec<f64>>>,
}

/// Long-term conditions.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    /// Condition keys, in bit order (at most 8).
    pub names: Vec<String>,
    /// Lower bounds of the prevalence age bands (years).
    pub age_band_lower: Vec<u8>,
    /// Prevalence by condition (rows) and age band (columns).
    pub prevalence_by_age: Figure<Vec<Vec<f64>>>,
    /// Prevalence multiplier for males, by condition.
    pub male_multiplier: Figure<Vec<f64>>,
    /// Prevalence multiplier by condition (rows) and ethnic group (columns).
    pub ethnicity_multiplier: Figure<Vec<Vec<f64>>>,
    /// Years earlier onset of conditions and frailty in the most vs least deprived decile.
    pub deprivation_age_shift: Figure<f64>,
    /// Mortality hazard ratio per condition held.
    pub mortality_hr_per_condition: Figure<f64>,
    /// Crisis (A&E attendance) hazard ratio per condition held.
    pub crisis_hr_per_condition: Figure<f64>,
}

/// Frailty (electronic frailty index categories).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Frailty {
    /// Lower bounds of the frailty age bands (years); younger people are fit.
    pub age_band_lower: Vec<u8>,
    /// Share with any frailty at the start, by age band.
    pub initial_any_share_by_age: Figure<Vec<f64>>,
    /// Mild, moderate, severe shares among the frail at the start.
    pub severity_shares: Figure<Vec<f64>>,
    /// Transitions fit → any frailty per 1,000 person-years, by age band.
    pub onset_rate_by_age: Figure<Vec<f64>>,
    /// Progression per year: mild → moderate, moderate → severe.
    pub progression_rate: Figure<Vec<f64>>,
    /// Hazard ratio on progression in the 12 weeks after an emergency admission.
    pub post_admission_progression_hr: Figure<f64>,
    /// Mortality hazard ratio vs fit: mild, moderate, severe.
    pub mortality_hr: Figure<Vec<f64>>,
    /// Crisis/hospitalisation hazard ratio vs fit: mild, moderate, severe.
    pub crisis_hr: Figure<Vec<f64>>,
}

/// Social isolation.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Isolation {
    /// Lower bounds of the age bands (years).
    pub age_band_lower: Vec<u8>,
    /// Share isolated at the start, by age band.
    pub prevalence_by_age: Figure<Vec<f64>>,
    /// Probability per year of becoming isolated, by age band.
    pub onset_rate_by_age: Figure<Vec<f64>>,
    /// Probability per year that isolation resolves by itself.
    pub resolve_rate: Figure<f64>,
    /// Crisis hazard ratio for isolated residents.
    pub crisis_hr: Figure<f64>,
}

/// Mortality.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Mortality {
    /// Central death rate by single year of age 0..=100 (100 = 100+), males.
    pub mx_male: Figure<Vec<f64>>,
    /// Central death rate by single year of age 0..=100, females.
    pub mx_female: Figure<Vec<f64>>,
    /// Multiplier on mx by IMD decile (1 = most deprived), males.
    pub imd_multiplier_male: Figure<Vec<f64>>,
    /// Multiplier on mx by IMD decile, females.
    pub imd_multiplier_female: Figure<Vec<f64>>,
    /// Lower bounds of the in-hospital death age bands.
    pub hospital_age_band_lower: Vec<u8>,
    /// Probability that an emergency admission ends in death in hospital, by age band.
    pub in_hospital_death_probability: Figure<Vec<f64>>,
}

/// The national calendar the place follows: year-by-year multipliers (secular trend, COVID-19)
/// and the winter cycle. The counterfactual every option is compared against.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Calendar {
    /// The financial year of the first element of each by-year figure (e.g. 2016 for
    /// FY2016/17); the last element holds for later years, the first for earlier ones.
    pub first_financial_year: i32,
    /// Week of the year (0 = the week from 1 January) when the winter cycle peaks.
    pub winter_peak_week: u8,
    /// A&E attendances per resident relative to the calibration year, by financial year.
    pub crisis_multiplier: Figure<Vec<f64>>,
    /// Attendance-to-admission conversion relative to the calibration year, by financial year.
    pub admission_multiplier: Figure<Vec<f64>>,
    /// Mean length of stay relative to the calibration year, by financial year.
    pub los_multiplier: Figure<Vec<f64>>,
    /// Share of emergency admissions with a zero-day stay relative to the calibration year, by
    /// financial year (same-day emergency care and its coding).
    pub zero_day_multiplier: Figure<Vec<f64>>,
    /// Relative amplitude of the yearly cycle of crises of residents 65+.
    pub winter_crisis_amplitude_65_plus: Figure<f64>,
    /// Relative amplitude of the yearly cycle of length of stay.
    pub winter_los_amplitude: Figure<f64>,
    /// Every death hazard (the background one and the case fatality of crises) relative to the
    /// calibration year, by financial year: the excess mortality of COVID-19.
    pub mortality_multiplier: Figure<Vec<f64>>,
    /// The month (`"YYYY-MM"`) of the first element of `monthly_mortality_multiplier`.
    #[serde(default)]
    pub first_mortality_month: Option<String>,
    /// Every death hazard relative to the expected one, by calendar month from
    /// `first_mortality_month` (the waves of COVID-19): in a week that starts in one of these
    /// months it replaces the by-year `mortality_multiplier`. Optional.
    #[serde(default)]
    pub monthly_mortality_multiplier: Option<Figure<Vec<f64>>>,
    /// Days from fit for discharge to leaving hospital on a supported route, relative to the
    /// calibration year, by financial year (the national trend in delayed discharges).
    pub discharge_delay_multiplier: Figure<Vec<f64>>,
}

/// Hospital activity.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Hospital {
    /// Lower bounds of the A&E/admission age bands.
    pub activity_age_band_lower: Vec<u8>,
    /// A&E attendances per 1,000 per year, by activity age band.
    pub ae_attendance_rate_by_age: Figure<Vec<f64>>,
    /// Emergency admissions per 1,000 per year, by activity age band.
    pub emergency_admission_rate_by_age: Figure<Vec<f64>>,
    /// Lower bounds of the gradient age bands.
    pub gradient_age_band_lower: Vec<u8>,
    /// Emergency admissions per 1,000 by gradient age band (rows) and IMD quintile (columns,
    /// most deprived first): used for the shape of the deprivation gradient only.
    pub imd_gradient: Figure<Vec<Vec<f64>>>,
    /// Share of emergency admissions with a zero-day stay.
    pub zero_day_share: Figure<f64>,
    /// Lower bounds of the length-of-stay age bands.
    pub los_age_band_lower: Vec<u8>,
    /// Mean length of overnight stays (days), by LOS age band.
    pub los_mean_by_age: Figure<Vec<f64>>,
    /// Multiplier on mean overnight stay by frailty: fit, mild, moderate, severe.
    pub los_frailty_multiplier: Figure<Vec<f64>>,
    /// Days of stay covered by the spell tariff before excess bed days are charged.
    pub trim_point_days: Figure<f64>,
    /// Observed 30-day emergency readmission rate (calibration target, not an input).
    pub readmission_30day: Figure<f64>,
    /// Lower bounds of the discharge age bands.
    pub discharge_age_band_lower: Vec<u8>,
    /// Probability that a discharged patient needs care support, by discharge age band.
    pub discharge_support_probability: Figure<Vec<f64>>,
    /// Multiplier on that probability by frailty: fit, mild, moderate, severe.
    pub discharge_support_frailty_multiplier: Figure<Vec<f64>>,
    /// Probability that a patient who needs support goes to a care home, by discharge age band.
    pub discharge_care_home_probability: Figure<Vec<f64>>,
    /// Mean days from fit for discharge to leaving hospital for LIFE reablement (discharge to
    /// assess): the delayed days of the process itself, before any wait for a place.
    pub discharge_process_days_reablement: Figure<f64>,
    /// Mean days from fit for discharge to leaving hospital with a new home-care package.
    pub discharge_process_days_package: Figure<f64>,
    /// Mean days from fit for discharge to leaving hospital for a care home.
    pub discharge_process_days_care_home: Figure<f64>,
}

/// Adult social care.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SocialCare {
    /// Lower bounds of the social-care age bands.
    pub age_band_lower: Vec<u8>,
    /// Share with a long-term home-care package at the start, by age band.
    pub initial_home_care_share: Figure<Vec<f64>>,
    /// Share living in a care home at the start, by age band.
    pub initial_care_home_share: Figure<Vec<f64>>,
    /// Long-term home-care packages ending per client-year other than by death, a care-home
    /// move or an admission (needs fall, a carer takes over, self-funding).
    pub package_end_rate: Figure<f64>,
    /// New home-care packages from the community per person-year, by frailty (fit..severe),
    /// for residents aged 65+.
    pub community_package_rate: Figure<Vec<f64>>,
    /// Moves from home (with or without package) into a care home per person-year, by frailty.
    pub community_care_home_rate: Figure<Vec<f64>>,
    /// Hazard ratio of death for care-home residents against residents at home of the same
    /// age, sex, deprivation, frailty and conditions: multiplies their background hazard and
    /// the case fatality of their crises.
    pub care_home_mortality_hr: Figure<f64>,
}

/// Primary care use.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PrimaryCare {
    /// Lower bounds of the consultation age bands.
    pub age_band_lower: Vec<u8>,
    /// GP consultations per person-year, by age band.
    pub consultation_rate_by_age: Figure<Vec<f64>>,
}

/// Unit costs (the place's price base).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Costs {
    pub ae_attendance: Figure<f64>,
    pub emergency_admission_short_stay: Figure<f64>,
    pub emergency_admission_long_stay: Figure<f64>,
    pub excess_bed_day: Figure<f64>,
    pub delayed_bed_day: Figure<f64>,
    pub gp_consultation: Figure<f64>,
    pub huddle_hour: Figure<f64>,
    pub pic_episode: Figure<f64>,
    pub life_episode: Figure<f64>,
    pub life_liaison_assessment: Figure<f64>,
    pub social_prescribing_referral: Figure<f64>,
    pub pharmacist_review: Figure<f64>,
    pub home_care_week: Figure<f64>,
    pub care_home_week: Figure<f64>,
    /// Staff cost of one PIC WTE for a year: PIC running cost = staffed WTE × this.
    pub pic_worker_year: Figure<f64>,
    /// Staff cost of one link-worker WTE for a year: social-prescribing running cost.
    pub link_worker_year: Figure<f64>,
}

/// Health-economic conventions (NICE reference case) and EQ-5D utilities.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Economics {
    /// Annual discount rate for costs.
    pub discount_rate_costs: Figure<f64>,
    /// Annual discount rate for QALYs.
    pub discount_rate_qalys: Figure<f64>,
    /// Willingness to pay per QALY (lower, upper).
    pub qaly_thresholds: Figure<Vec<f64>>,
    /// EQ-5D population norm `c0 + c1·male + c2·age + c3·age²` (Ara & Brazier).
    pub eq5d_coefficients: Figure<Vec<f64>>,
    /// Multiplier of the norm per long-term condition.
    pub eq5d_condition_multiplier: Figure<f64>,
    /// Multiplier of the norm by frailty category (fit, mild, moderate, severe).
    pub eq5d_frailty_multiplier: Figure<Vec<f64>>,
    /// Share of the full unit cost of avoided emergency hospital activity (A&E, admissions,
    /// bed days) that a commissioner stops paying: the "tariff versus marginal cost" step of the
    /// claim-to-model bridge, with its evidence range.
    pub cash_releasing_share: Figure<f64>,
    /// Weeks of home care a service's claim counts as avoided for each reablement client who
    /// leaves without a package (a stated convention of claims, for the bridge).
    pub claim_package_weeks: Figure<f64>,
}

/// Default effect sizes for services (scenarios may override them).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Effects {
    /// Relative change in crisis hazard for people on a huddle care plan (negative = fewer).
    pub huddle_crisis_change: Figure<f64>,
    pub social_prescribing_gp_reduction: Figure<f64>,
    pub social_prescribing_ae_reduction: Figure<f64>,
    /// Share of reablement clients needing no long-term package afterwards.
    pub reablement_no_package: Figure<f64>,
    /// Share of LIFE clients visited within 2 hours of getting home.
    pub life_visit_within_2h: Figure<f64>,
    /// Bed days saved per discharge-to-assess patient.
    pub d2a_los_reduction_days: Figure<f64>,
    /// Relative reduction in crisis hazard after a pharmacist medication review.
    pub pharmacist_crisis_reduction: Figure<f64>,
    /// Years from a practice's start to the full effect of huddles.
    pub huddle_effect_ramp_years: Figure<f64>,
    /// Relative reduction in emergency admissions among those referred to social prescribing.
    pub social_prescribing_admission_reduction: Figure<f64>,
    /// Relative reduction in crisis hazard during PIC support.
    pub pic_crisis_reduction: Figure<f64>,
    /// Relative risk of dying of the crisis when sent home from A&E instead of admitted.
    pub diversion_death_rr: Figure<f64>,
    /// Relative risk of dying of the crisis for an inpatient leaving by discharge to assess.
    pub d2a_death_rr: Figure<f64>,
    /// Probability that a PIC episode resolves social isolation.
    pub pic_isolation_resolved: Figure<f64>,
}
