//! Costing: every event and service week priced from the place file's unit costs (the place's
//! price base, 2018/19 for Croydon). Costs are derived from tallied counts, so they are never
//! tallied separately and can be recomputed with other unit costs.

use crate::place::Place;
use crate::results::catalog::{custom_metric_index, CustomMetric, N_BUILTIN_AVOIDING};
use crate::results::{Catalog, Metric};
use crate::scenario::Scenario;

macro_rules! categories {
    ($( $variant:ident => ($name:literal, $doc:literal) ),+ $(,)?) => {
        /// A cost category.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
        pub enum CostCategory { $( #[doc = $doc] $variant ),+ }

        impl CostCategory {
            /// Every category, in output order (`Total` last).
            pub const ALL: &'static [CostCategory] = &[$(CostCategory::$variant),+];

            /// The metric name used in outputs.
            pub fn name(self) -> &'static str {
                match self { $(CostCategory::$variant => $name),+ }
            }

            /// How it is computed, in words.
            pub fn description(self) -> &'static str {
                match self { $(CostCategory::$variant => $doc),+ }
            }
        }
    };
}

categories! {
    Ae => ("cost_ae", "A&E attendances × A&E unit cost."),
    Admissions => ("cost_admissions", "Zero-day admissions × short-stay spell cost + other admissions × long-stay spell cost."),
    ExcessBedDays => ("cost_excess_bed_days", "Bed days beyond the trim point × excess bed-day cost."),
    DelayedBedDays => ("cost_delayed_bed_days", "Delayed bed days × delayed-discharge bed-day cost."),
    Gp => ("cost_gp", "GP consultations × consultation cost."),
    Huddles => ("cost_huddles", "Practice huddles held × staff hours per huddle × MDT hour cost."),
    Pic => ("cost_pic", "PIC episodes started × episode cost."),
    Life => ("cost_life", "LIFE referrals × episode cost + liaison assessments × assessment cost."),
    SocialPrescribing => ("cost_social_prescribing", "Social-prescribing referrals × referral cost."),
    Pharmacists => ("cost_pharmacists", "Medication reviews × review cost."),
    HomeCare => ("cost_home_care", "Home-care client weeks × weekly package cost."),
    CareHomes => ("cost_care_homes", "Care-home resident weeks × weekly placement cost."),
    Total => ("cost_total", "Sum of all categories."),
}

/// Unit costs resolved for one scenario on one place.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitCosts {
    ae: f64,
    short_stay: f64,
    long_stay: f64,
    excess_day: f64,
    delayed_day: f64,
    gp: f64,
    huddle_week: f64,
    pic: f64,
    life: f64,
    liaison: f64,
    sp: f64,
    pharmacist: f64,
    home_care_week: f64,
    care_home_week: f64,
    zero_day_share: f64,
    /// Cost per start of each declared service of the catalogue (0 where the scenario lacks
    /// it), in catalogue order.
    custom_start: Vec<f64>,
    /// Price base, e.g. "2018/19".
    pub price_base: String,
}

impl UnitCosts {
    /// Unit costs from the place file, the scenario's huddle staffing and the cost per start of
    /// each declared service of `catalog` (matched by key; a service the scenario lacks costs
    /// nothing).
    pub fn new(place: &Place, scenario: &Scenario, catalog: &Catalog) -> UnitCosts {
        let c = &place.file.costs;
        UnitCosts {
            ae: c.ae_attendance.value,
            short_stay: c.emergency_admission_short_stay.value,
            long_stay: c.emergency_admission_long_stay.value,
            excess_day: c.excess_bed_day.value,
            delayed_day: c.delayed_bed_day.value,
            gp: c.gp_consultation.value,
            huddle_week: c.huddle_hour.value * scenario.services.huddles.hours_per_practice_per_week,
            pic: c.pic_episode.value,
            life: c.life_episode.value,
            liaison: c.life_liaison_assessment.value,
            sp: c.social_prescribing_referral.value,
            pharmacist: c.pharmacist_review.value,
            home_care_week: c.home_care_week.value,
            care_home_week: c.care_home_week.value,
            zero_day_share: place.file.hospital.zero_day_share.value,
            custom_start: catalog
                .custom_services()
                .iter()
                .map(|svc| {
                    scenario
                        .services
                        .custom
                        .iter()
                        .find(|c| c.key == svc.key)
                        .map_or(0.0, |c| c.cost_per_start)
                })
                .collect(),
            price_base: place.file.meta.price_base.clone(),
        }
    }

    /// Mean spell cost of an emergency admission: the zero-day share at the short-stay cost,
    /// the rest at the long-stay cost (excess bed days are not included).
    pub fn mean_admission(&self) -> f64 {
        self.zero_day_share * self.short_stay + (1.0 - self.zero_day_share) * self.long_stay
    }

    /// The service-value lines ([`Catalog::value_metrics`], same order) for a period: expected
    /// A&E attendances and admissions avoided by each crisis-avoiding service (from the avoided
    /// tally, `[service][ae, admissions]`, services as [`Catalog::avoiding_services`]) with the
    /// costs they avoided (A&E cost + mean spell cost), and LIFE's avoided cost (admissions
    /// avoided by A&E liaison × mean spell cost + bed days saved by discharge to assess × excess
    /// bed-day cost). `raw` gives a period's value of a catalogue metric by index. Together with
    /// the running costs they give a return per £1 per service and period. Costs of care
    /// packages avoided by reablement are not included.
    pub fn values(&self, raw: impl Fn(usize) -> f64, avoided: &[f64]) -> Vec<f64> {
        let services = N_BUILTIN_AVOIDING + self.custom_start.len();
        debug_assert_eq!(avoided.len(), 2 * services);
        let mut out = Vec::with_capacity(3 * services + 1);
        for k in 0..services {
            let (ae, adm) = (avoided[2 * k], avoided[2 * k + 1]);
            out.extend([ae, adm, ae * self.ae + adm * self.mean_admission()]);
        }
        out.push(
            raw(Metric::AdmissionsAvoidedLife as usize) * self.mean_admission()
                + raw(Metric::D2aBedDaysSaved as usize) * self.excess_day,
        );
        out
    }

    /// Cost in each of the catalogue's cost categories ([`Catalog::cost_categories`], same
    /// order) given the period's raw tallies by catalogue metric index: counts summed over the
    /// period and stocks summed over its weeks (person-weeks).
    pub fn costs(&self, raw_at: impl Fn(usize) -> f64) -> Vec<f64> {
        let raw = |m: Metric| raw_at(m as usize);
        let zero_day = raw(Metric::AdmissionsZeroDay);
        let admissions = raw(Metric::EmergencyAdmissions);
        let mut out = vec![
            raw(Metric::AeAttendances) * self.ae,
            zero_day * self.short_stay + (admissions - zero_day).max(0.0) * self.long_stay,
            raw(Metric::ExcessBedDays) * self.excess_day,
            raw(Metric::DelayedBedDays) * self.delayed_day,
            raw(Metric::GpConsultations) * self.gp,
            raw(Metric::HuddlePracticeWeeks) * self.huddle_week,
            raw(Metric::PicStarts) * self.pic,
            raw(Metric::LifeReferrals) * self.life + raw(Metric::LiaisonAssessments) * self.liaison,
            raw(Metric::SocialPrescribingReferrals) * self.sp,
            raw(Metric::PharmacistReviews) * self.pharmacist,
            raw(Metric::HomeCareClients) * self.home_care_week,
            raw(Metric::CareHomeResidents) * self.care_home_week,
        ];
        debug_assert_eq!(out.len(), CostCategory::Total as usize);
        for (j, per_start) in self.custom_start.iter().enumerate() {
            out.push(raw_at(custom_metric_index(j, CustomMetric::Starts)) * per_start);
        }
        out.push(out.iter().sum());
        out
    }
}
