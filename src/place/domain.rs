//! The domain of every figure in a place file: what values make sense for it (finite and
//! non-negative for a rate, cost, count or duration; in [0, 1] for a probability or share;
//! summing to 1 for a distribution; above 0 for a multiplier or hazard ratio; …).
//!
//! One table, [`DOMAINS`], declares them all, keyed by the figure's path in the file; the
//! validator checks each element of each figure's `value` against its domain and reports the
//! file, line, column and element that is out of it. A test checks that every figure of the
//! schema has a domain here, so a new figure cannot arrive unchecked.

/// What values a figure may take.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Domain {
    /// A finite number ≥ 0: rates, costs, durations, people (apportioned counts may be
    /// fractional).
    NonNegative,
    /// A whole number ≥ 0 (residents of an LSOA).
    Count,
    /// A finite number > 0: multipliers and hazard ratios.
    Positive,
    /// A probability or share: [0, 1].
    Probability,
    /// Shares of one whole: each in [0, 1], together 1 (within 0.001, for rounded published
    /// shares).
    Distribution,
    /// A yearly rate in [0, 1): discount rates.
    RateBelowOne,
    /// A finite number in the closed range.
    Range(f64, f64),
    /// A whole number in the closed range.
    Whole(f64, f64),
    /// Any finite number (regression coefficients).
    Finite,
    /// A relative change in a hazard: finite and ≥ -1 (−1 removes all risk, 0 is no effect,
    /// above 0 means the service does harm).
    RelativeChange,
    /// A relative reduction of a rate: in [-1, 1] (1 removes it, 0 is no effect, below 0
    /// means the service does harm).
    Reduction,
    /// Text that must not be empty (codes and keys).
    Text,
}

impl Domain {
    /// The domain in words, for messages.
    pub(crate) fn describe(self) -> String {
        match self {
            Domain::NonNegative => "a finite number ≥ 0".into(),
            Domain::Count => "a whole number ≥ 0".into(),
            Domain::Positive => "a finite number > 0 (a multiplier or hazard ratio)".into(),
            Domain::Probability => "a probability or share in [0, 1]".into(),
            Domain::Distribution => "shares in [0, 1] that sum to 1".into(),
            Domain::RateBelowOne => "a yearly rate in [0, 1)".into(),
            Domain::Range(lo, hi) => format!("a finite number in [{lo}, {hi}]"),
            Domain::Whole(lo, hi) if hi.is_infinite() => format!("a whole number ≥ {lo}"),
            Domain::Whole(lo, hi) => format!("a whole number in [{lo}, {hi}]"),
            Domain::Finite => "a finite number".into(),
            Domain::RelativeChange => "a relative change ≥ -1 (-1 removes all risk; above 0 is harm)".into(),
            Domain::Reduction => "a relative reduction in [-1, 1] (below 0 is harm)".into(),
            Domain::Text => "a non-empty text".into(),
        }
    }

    /// Whether one element is in the domain (the sum of a distribution is checked apart).
    pub(crate) fn contains(self, v: f64) -> bool {
        if !v.is_finite() {
            return false;
        }
        match self {
            Domain::NonNegative => v >= 0.0,
            Domain::Count => v >= 0.0 && v.fract() == 0.0,
            Domain::Positive => v > 0.0,
            Domain::Probability | Domain::Distribution => (0.0..=1.0).contains(&v),
            Domain::RateBelowOne => (0.0..1.0).contains(&v),
            Domain::Range(lo, hi) => (lo..=hi).contains(&v),
            Domain::Whole(lo, hi) => v >= lo && v <= hi && v.fract() == 0.0,
            Domain::Finite => true,
            Domain::RelativeChange => v >= -1.0,
            Domain::Reduction => (-1.0..=1.0).contains(&v),
            Domain::Text => false,
        }
    }
}

use Domain::*;

/// Every figure of the place schema (path of its table; `[]` stands for any element of an
/// array of tables) and its domain.
pub(crate) const DOMAINS: &[(&str, Domain)] = &[
    ("population.males_single_year", NonNegative),
    ("population.females_single_year", NonNegative),
    ("population.annual_growth", Range(-0.2, 0.2)),
    ("population.history_persons_single_year", NonNegative),
    ("population.history_years", Whole(1900.0, 2100.0)),
    ("population.birth_rate_per_woman_15_44", Range(0.0, 1.0)),
    ("population.out_migration_rate", Probability),
    ("calendar.crisis_multiplier", Positive),
    ("calendar.admission_multiplier", Positive),
    ("calendar.los_multiplier", Positive),
    ("calendar.zero_day_multiplier", NonNegative),
    ("calendar.winter_crisis_amplitude_65_plus", Range(0.0, 0.5)),
    ("calendar.winter_los_amplitude", Range(0.0, 0.5)),
    ("calendar.discharge_delay_multiplier", NonNegative),
    ("calendar.mortality_multiplier", Range(0.0, 10.0)),
    ("calendar.monthly_mortality_multiplier", Range(0.0, 10.0)),
    ("population.out_migration_age_multiplier", NonNegative),
    ("population.in_migrant_age_share", Distribution),
    ("population.male_birth_share", Probability),
    ("localities[].persons_single_year", NonNegative),
    ("lsoas.code", Text),
    ("lsoas.locality", Text),
    ("lsoas.practice", Text),
    ("lsoas.population", Count),
    ("lsoas.imd_decile", Whole(1.0, 10.0)),
    ("lsoas.imd_rank", Whole(1.0, f64::INFINITY)),
    ("ethnicity.shares", Distribution),
    ("ethnicity.imd_quintile_weight", NonNegative),
    ("ethnicity.age_band_weight", NonNegative),
    ("conditions.prevalence_by_age", Probability),
    ("conditions.male_multiplier", Positive),
    ("conditions.ethnicity_multiplier", Positive),
    ("conditions.deprivation_age_shift", Range(-40.0, 40.0)),
    ("conditions.mortality_hr_per_condition", Positive),
    ("conditions.crisis_hr_per_condition", Positive),
    ("frailty.initial_any_share_by_age", Probability),
    ("frailty.severity_shares", Distribution),
    ("frailty.onset_rate_by_age", NonNegative),
    ("frailty.progression_rate", NonNegative),
    ("frailty.post_admission_progression_hr", Positive),
    ("frailty.mortality_hr", Positive),
    ("frailty.crisis_hr", Positive),
    ("isolation.prevalence_by_age", Probability),
    ("isolation.onset_rate_by_age", Probability),
    ("isolation.resolve_rate", Probability),
    ("isolation.crisis_hr", Positive),
    ("mortality.mx_male", NonNegative),
    ("mortality.mx_female", NonNegative),
    ("mortality.imd_multiplier_male", Positive),
    ("mortality.imd_multiplier_female", Positive),
    ("mortality.in_hospital_death_probability", Probability),
    ("hospital.ae_attendance_rate_by_age", NonNegative),
    ("hospital.emergency_admission_rate_by_age", NonNegative),
    ("hospital.imd_gradient", NonNegative),
    ("hospital.zero_day_share", Probability),
    ("hospital.los_mean_by_age", NonNegative),
    ("hospital.los_frailty_multiplier", Positive),
    ("hospital.trim_point_days", Range(0.0, 1000.0)),
    ("hospital.readmission_30day", Probability),
    ("hospital.discharge_support_probability", Probability),
    ("hospital.discharge_support_frailty_multiplier", Positive),
    ("hospital.discharge_care_home_probability", Probability),
    ("hospital.discharge_process_days_reablement", Range(0.0, 365.0)),
    ("hospital.discharge_process_days_package", Range(0.0, 365.0)),
    ("hospital.discharge_process_days_care_home", Range(0.0, 365.0)),
    ("social_care.initial_home_care_share", Probability),
    ("social_care.initial_care_home_share", Probability),
    ("social_care.community_package_rate", NonNegative),
    ("social_care.package_end_rate", NonNegative),
    ("social_care.care_home_mortality_hr", Positive),
    ("social_care.community_care_home_rate", NonNegative),
    ("primary_care.consultation_rate_by_age", NonNegative),
    ("costs.ae_attendance", NonNegative),
    ("costs.emergency_admission_short_stay", NonNegative),
    ("costs.emergency_admission_long_stay", NonNegative),
    ("costs.excess_bed_day", NonNegative),
    ("costs.delayed_bed_day", NonNegative),
    ("costs.gp_consultation", NonNegative),
    ("costs.huddle_hour", NonNegative),
    ("costs.pic_episode", NonNegative),
    ("costs.life_episode", NonNegative),
    ("costs.life_liaison_assessment", NonNegative),
    ("costs.social_prescribing_referral", NonNegative),
    ("costs.pharmacist_review", NonNegative),
    ("costs.home_care_week", NonNegative),
    ("costs.care_home_week", NonNegative),
    ("costs.pic_worker_year", NonNegative),
    ("costs.link_worker_year", NonNegative),
    ("economics.discount_rate_costs", RateBelowOne),
    ("economics.discount_rate_qalys", RateBelowOne),
    ("economics.qaly_thresholds", NonNegative),
    ("economics.eq5d_coefficients", Finite),
    ("economics.eq5d_condition_multiplier", Probability),
    ("economics.eq5d_frailty_multiplier", Probability),
    ("economics.cash_releasing_share", Probability),
    ("economics.claim_package_weeks", Range(0.0, 520.0)),
    ("effects.huddle_crisis_change", RelativeChange),
    ("effects.social_prescribing_gp_reduction", Reduction),
    ("effects.social_prescribing_ae_reduction", Reduction),
    ("effects.social_prescribing_admission_reduction", Reduction),
    ("effects.pic_crisis_reduction", Reduction),
    ("effects.huddle_effect_ramp_years", Range(0.0, 20.0)),
    ("effects.diversion_death_rr", Positive),
    ("effects.d2a_death_rr", Positive),
    ("effects.reablement_no_package", Probability),
    ("effects.life_visit_within_2h", Probability),
    ("effects.d2a_los_reduction_days", NonNegative),
    ("effects.pharmacist_crisis_reduction", Reduction),
    ("effects.pic_isolation_resolved", Probability),
];

/// The domain of the figure at `path` (array-of-table indices written `[3]` match `[]`).
pub(crate) fn domain_of(path: &str) -> Option<Domain> {
    let mut generic = String::with_capacity(path.len());
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => {
                in_index = true;
                generic.push('[');
            }
            ']' => {
                in_index = false;
                generic.push(']');
            }
            _ if in_index => {}
            _ => generic.push(c),
        }
    }
    DOMAINS.iter().find(|(p, _)| *p == generic).map(|(_, d)| *d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_element_domain_rejects_nan_and_infinity() {
        for (path, d) in DOMAINS.iter().filter(|(_, d)| *d != Text) {
            for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
                assert!(!d.contains(bad), "{path} accepts {bad}");
            }
        }
    }

    #[test]
    fn rates_costs_and_multipliers_reject_negatives_and_zero_multipliers() {
        assert!(!NonNegative.contains(-0.5) && NonNegative.contains(0.0));
        assert!(!Positive.contains(0.0) && Positive.contains(0.1));
        assert!(!Probability.contains(1.3) && Probability.contains(1.0));
        assert!(!Count.contains(2.5) && Count.contains(3.0));
        assert!(!RateBelowOne.contains(1.0));
        assert!(RelativeChange.contains(0.2) && !RelativeChange.contains(-1.5));
    }

    #[test]
    fn every_declared_domain_names_a_figure_of_the_schema() {
        // Every figure of the schema is required, so the embedded place has them all (and a
        // figure without a domain fails its validation): each domain must name one of them.
        let text = crate::place::CROYDON_TOML;
        let doc = toml_edit::ImDocument::parse(text).unwrap();
        let index = crate::input::spanned::LineIndex::new(text);
        let tree = crate::input::spanned::convert_document(doc.as_table(), &index, 0);
        let figures: Vec<String> = crate::input::spanned::paths(&tree)
            .into_iter()
            .filter_map(|(p, _)| p.strip_suffix(".value").map(str::to_string))
            .collect();
        for (path, _) in DOMAINS {
            assert!(
                figures.iter().any(|f| domain_of(f).is_some()
                    && {
                        let generic: String = f.split('[').next().unwrap_or("").to_string();
                        path.starts_with(&generic)
                    }
                    && (f == path || path.contains("[]"))),
                "{path} is not a figure of the place schema"
            );
        }
    }

    #[test]
    fn array_of_table_paths_find_their_domain() {
        assert_eq!(domain_of("localities[4].persons_single_year"), Some(NonNegative));
        assert_eq!(domain_of("costs.excess_bed_day"), Some(NonNegative));
        assert_eq!(domain_of("costs.no_such_cost"), None);
    }
}
