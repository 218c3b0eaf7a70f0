//! The catalogue of tallied metrics. Counts are events in the period; stocks are levels
//! (end of week in weekly outputs, mean weekly level in financial-year outputs).

/// Whether a metric counts events or measures a level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    /// Events in the period (summed over weeks).
    Count,
    /// A level: end-of-week value weekly; mean of weekly values over a financial year.
    Stock,
}

macro_rules! metrics {
    ($( $variant:ident => ($name:literal, $kind:ident, $unit:literal, $doc:literal) ),+ $(,)?) => {
        /// A tallied metric.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(u8)]
        pub enum Metric {
            $( #[doc = $doc] $variant ),+
        }

        impl Metric {
            /// Every metric, in output order.
            pub const ALL: &'static [Metric] = &[$(Metric::$variant),+];

            /// The name used in outputs (`snake_case`).
            pub fn name(self) -> &'static str {
                match self { $(Metric::$variant => $name),+ }
            }

            /// Count or stock.
            pub fn kind(self) -> MetricKind {
                match self { $(Metric::$variant => MetricKind::$kind),+ }
            }

            /// Unit of the value.
            pub fn unit(self) -> &'static str {
                match self { $(Metric::$variant => $unit),+ }
            }

            /// One-sentence definition (used in README and `placesim explain`).
            pub fn description(self) -> &'static str {
                match self { $(Metric::$variant => $doc),+ }
            }
        }
    };
}

metrics! {
    Population => ("population", Stock, "persons", "Residents alive and living in the place."),
    Aged65Plus => ("aged_65_plus", Stock, "persons", "Residents aged 65 or over."),
    Llti65Plus => ("llti_65_plus", Stock, "persons", "Residents aged 65+ whose activities are limited a lot by long-term illness, proxied by moderate or severe frailty, or mild frailty with two or more long-term conditions."),
    Births => ("births", Count, "persons", "Live births to residents."),
    Deaths => ("deaths", Count, "persons", "Deaths of residents (in hospital or in the community)."),
    DeathsInHospital => ("deaths_in_hospital", Count, "persons", "Deaths during an emergency admission."),
    DeathsAfterDiversion => ("deaths_after_diversion", Count, "persons", "Deaths at home of patients sent home from A&E instead of admitted (LIFE liaison), from the crisis's own death risk × the diversion's relative risk."),
    InMigrants => ("in_migrants", Count, "persons", "People moving into the place."),
    OutMigrants => ("out_migrants", Count, "persons", "Residents moving out of the place."),
    AeAttendances => ("ae_attendances", Count, "attendances", "A&E attendances arising from health crises."),
    EmergencyAdmissions => ("emergency_admissions", Count, "admissions", "Emergency admissions (A&E attendances converted to admission, after LIFE diversion)."),
    EmergencyAdmissionsAdults => ("emergency_admissions_18_plus", Count, "admissions", "Emergency admissions of residents aged 18 or over."),
    AdmissionsZeroDay => ("admissions_zero_day", Count, "admissions", "Emergency admissions with a zero-day stay."),
    D2aBedDaysSaved => ("d2a_bed_days_saved", Count, "days", "Hospital days saved by LIFE discharge to assess (shorter stays of patients discharged to reablement)."),
    LiaisonAssessments => ("life_liaison_assessments", Count, "assessments", "LIFE A&E liaison assessments of people about to be admitted."),
    AdmissionsAvoidedLife => ("admissions_avoided_life", Count, "admissions", "Admissions avoided: people assessed by LIFE A&E liaison and sent home with LIFE support."),
    LiaisonCapacity => ("life_liaison_capacity", Stock, "assessments a week", "LIFE A&E liaison assessments the week's staffing allows (the service's capacity; occupancy = life_liaison_assessments ÷ this)."),
    BedDays => ("bed_days", Count, "days", "Emergency bed days (including delayed days), attributed to the week they are spent."),
    ExcessBedDays => ("excess_bed_days", Count, "days", "Bed days beyond the tariff trim point (costed per excess day)."),
    DelayedBedDays => ("delayed_bed_days", Count, "days", "Bed days spent medically fit for discharge on a supported route: arranging the discharge (assessment, finding the care, choice), then waiting for reablement, a care package or a care home."),
    Readmissions30d => ("readmissions_30d", Count, "admissions", "Emergency admissions within 30 days of a previous discharge."),
    Discharges => ("discharges", Count, "persons", "Discharges alive from emergency admissions."),
    DischargesHome => ("discharges_home", Count, "persons", "Discharges home with no new support."),
    DischargesReablement => ("discharges_reablement", Count, "persons", "Discharges home with LIFE discharge to assess and reablement."),
    DischargesCarePackage => ("discharges_care_package", Count, "persons", "Discharges home with a new long-term home-care package."),
    DischargesCareHome => ("discharges_care_home", Count, "persons", "Discharges to a care home."),
    LifeReferrals => ("life_referrals", Count, "referrals", "Referrals accepted by LIFE (A&E liaison diversions plus discharge-to-assess starts)."),
    ReablementStarts => ("reablement_starts", Count, "episodes", "LIFE reablement episodes started."),
    ReablementEnds => ("reablement_ends", Count, "episodes", "LIFE reablement episodes ended (completed, readmitted or died)."),
    ReablementNoPackage => ("reablement_no_package", Count, "episodes", "Reablement episodes completed with no long-term care package needed."),
    ReablementToPackage => ("reablement_to_package", Count, "episodes", "Reablement episodes completed needing a long-term home-care package."),
    ReablementToCareHome => ("reablement_to_care_home", Count, "episodes", "Reablement episodes completed needing a care home."),
    LifeVisitsWithin2h => ("life_visits_within_2h", Count, "visits", "LIFE clients visited at home within 2 hours of getting home."),
    NewCarePackages => ("new_care_packages", Count, "packages", "New long-term home-care packages (from hospital, reablement or the community)."),
    PackageEnds => ("care_package_ends", Count, "packages", "Long-term home-care packages ended other than by death, a care-home move or an admission (needs fell, a carer took over, self-funding)."),
    CareHomeAdmissions => ("care_home_admissions", Count, "persons", "Permanent admissions to care homes (from hospital, reablement or the community)."),
    HomeCareClients => ("home_care_clients", Stock, "persons", "Residents with a long-term home-care package."),
    CareHomeResidents => ("care_home_residents", Stock, "persons", "Residents living in a care home."),
    SpotPackages => ("spot_packages", Count, "packages", "New home-care packages bought by spot purchase beyond the block contracts (included in new_care_packages)."),
    SpotCareHomePlaces => ("spot_care_home_places", Count, "persons", "Care-home placements bought by spot purchase beyond the block contracts (included in care_home_admissions)."),
    HuddlePracticeWeeks => ("huddle_practice_weeks", Count, "practice-weeks", "Practice huddles held (one per active practice per week)."),
    HuddleReviews => ("huddle_reviews", Count, "reviews", "Patients reviewed at a GP practice huddle."),
    HuddleCaseload => ("huddle_caseload", Stock, "persons", "People on a huddle care plan (proactive caseload)."),
    HuddleWaiting => ("huddle_waiting", Stock, "persons", "People flagged for huddle review and not yet reviewed."),
    HuddleLapsed => ("huddle_lapsed", Count, "persons", "Flags for huddle review that lapsed unreviewed (re-triaged off the list; the patient may be flagged again)."),
    HuddleCapacity => ("huddle_capacity", Stock, "reviews a week", "Huddle review slots in the week: reviews per practice × practices running huddles (the service's capacity; occupancy = huddle_reviews ÷ this)."),
    PicStarts => ("pic_starts", Count, "episodes", "Personal Independence Co-ordinator episodes started."),
    PicCaseload => ("pic_caseload", Stock, "persons", "People supported by a PIC."),
    PicWaiting => ("pic_waiting", Stock, "persons", "People referred to a PIC and waiting."),
    PicLapsed => ("pic_lapsed", Count, "referrals", "Referrals to a PIC that lapsed while waiting (returned to the referrer)."),
    PicPlaces => ("pic_places", Stock, "places", "PIC caseload places in the week: workers × clients per worker (the service's capacity; occupancy = pic_caseload ÷ this)."),
    SocialPrescribingReferrals => ("social_prescribing_referrals", Count, "referrals", "Referrals taken on by social prescribing link workers."),
    SocialPrescribingActive => ("social_prescribing_active", Stock, "persons", "People within the effect period of a social-prescribing referral."),
    SocialPrescribingWaiting => ("social_prescribing_waiting", Stock, "persons", "People referred to social prescribing and waiting."),
    SocialPrescribingLapsed => ("social_prescribing_lapsed", Count, "referrals", "Referrals to social prescribing that lapsed while waiting."),
    SocialPrescribingCapacity => ("social_prescribing_capacity", Stock, "referrals a week", "Social-prescribing referrals the link workers can take on in the week (the service's capacity; occupancy = social_prescribing_referrals ÷ this)."),
    PharmacistReviews => ("pharmacist_reviews", Count, "reviews", "Domiciliary medication reviews by ICN pharmacists."),
    PharmacistWaiting => ("pharmacist_waiting", Stock, "persons", "People referred for a medication review and waiting."),
    PharmacistLapsed => ("pharmacist_lapsed", Count, "referrals", "Referrals for a medication review that lapsed while waiting."),
    PharmacistCapacity => ("pharmacist_capacity", Stock, "reviews a week", "Medication reviews the ICN pharmacists can do in the week (the service's capacity; occupancy = pharmacist_reviews ÷ this)."),
    ReablementCaseload => ("reablement_caseload", Stock, "persons", "People in LIFE reablement."),
    ReablementPlaces => ("reablement_places", Stock, "places", "LIFE reablement places in the week (the service's capacity; occupancy = reablement_caseload ÷ this)."),
    ReablementWaiting => ("reablement_waiting", Stock, "persons", "Inpatients fit for discharge, the discharge arranged, waiting for a LIFE reablement place."),
    CarePackageWaiting => ("care_package_waiting", Stock, "persons", "Inpatients fit for discharge, the discharge arranged, waiting for a home-care package."),
    CareHomeWaiting => ("care_home_waiting", Stock, "persons", "Inpatients fit for discharge, the discharge arranged, waiting for a care-home place."),
    GpConsultations => ("gp_consultations", Count, "consultations", "GP consultations."),
}

/// Number of built-in metrics (a run's catalogue adds those of its declared services).
pub const N_METRICS: usize = Metric::ALL.len();

impl From<Metric> for usize {
    /// The metric's index in every catalogue (`Metric::X as usize`).
    fn from(m: Metric) -> usize {
        m as usize
    }
}

/// Age bands used in breakdowns.
pub const AGE_BANDS: [&str; 5] = ["0-17", "18-64", "65-74", "75-84", "85+"];

/// The breakdown age band of an age in years.
#[inline]
pub fn age_band(age: u8) -> usize {
    match age {
        0..=17 => 0,
        18..=64 => 1,
        65..=74 => 2,
        75..=84 => 3,
        _ => 4,
    }
}

/// Number of age groups in the life-expectancy tally: 0, 1–4, 5–9, …, 85–89, 90+.
pub const LIFE_AGE_GROUPS: usize = 20;

/// The life-table age group of an age: 0, 1–4, 5–9, …, 85–89, 90+.
#[inline]
pub fn life_age_group(age: u8) -> usize {
    match age {
        0 => 0,
        1..=4 => 1,
        _ => (usize::from(age) / 5 + 1).min(LIFE_AGE_GROUPS - 1),
    }
}

/// Sex labels in breakdowns (index 0 = female, 1 = male).
pub const SEXES: [&str; 2] = ["female", "male"];

/// IMD quintile labels (index 0 = quintile 1, most deprived). Text (`q1`, not `1`), so that the
/// `imd_quintile` column of `annual.csv`, which also holds `all` and `unattributed`, is one
/// text column for readers that guess a column's type from its first rows.
pub const IMD_QUINTILES: [&str; 5] = ["q1", "q2", "q3", "q4", "q5"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_names_are_unique_snake_case() {
        let mut names: Vec<&str> = Metric::ALL.iter().map(|m| m.name()).collect();
        for n in &names {
            assert!(
                n.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{n}"
            );
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), N_METRICS);
    }

    #[test]
    fn metric_discriminants_index_the_catalogue() {
        for (i, m) in Metric::ALL.iter().enumerate() {
            assert_eq!(*m as usize, i);
        }
    }
}
