//! The claim-to-model bridge: from the saving a service's own evaluation would claim for an
//! option to the saving the model finds against the base, one step per reason, each step a
//! paired difference per replicate (so each has its own interval).
//!
//! Two claims are bridged, since services evaluate themselves in one of two ways:
//!
//! - a **before/after claim**: the fall in the option's acute hospital cost (A&E, emergency
//!   admissions, excess and delayed bed days) from the year before the window, held flat over
//!   the window, to the window itself, all credited to the option;
//! - a **counted-activity claim**: every A&E attendance and admission a service counts as
//!   avoided (LIFE's diversions, the crisis-avoiding services' expected avoided crises) and
//!   every bed day discharge to assess saves, at full unit cost, more than the base counts.
//!
//! Both claims add the care packages a service would claim (each reablement client who leaves
//! without a package counted as a package avoided for `claim_package_weeks`) and subtract what
//! the capacity actually used costs to run. The steps then lead to the same place:
//!
//! | step | what it is |
//! |---|---|
//! | trend and demography | paired acute saving − the before/after fall: the base's own change, which the before/after claim credits to the option |
//! | attribution | paired acute saving − the counted saving: counted patients who would not have been admitted anyway, or were admitted later |
//! | care packages | paired home-care and care-home saving − the packages claimed |
//! | idle capacity | −(running cost of the capacity staffed − of the capacity used): places paid for and not used |
//! | other care | paired GP consultation saving |
//! | **modelled net saving** | base total cost − option total cost (the comparison's `net_saving`), at full unit cost |
//! | tariff vs marginal cost | −(1 − cash-releasing share) × paired acute saving |
//! | **cash-releasing net saving** | what a commissioner stops paying, net of the services' running cost |
//!
//! The identities (each claim plus its steps equals the modelled net saving) hold exactly per
//! replicate, and a test checks them.

/// Whether a step is a level (drawn from zero) or a change (drawn from the previous level).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    /// A claim or a result, drawn from zero.
    Total,
    /// A reason, drawn from where the previous step ended.
    Delta,
}

/// One step of the bridge: metric name in `comparison.csv` (`vs_base` rows, window period),
/// label in words, kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// Metric name.
    pub metric: &'static str,
    /// Label for charts and the report.
    pub label: &'static str,
    /// Level or change.
    pub kind: StepKind,
}

const fn step(metric: &'static str, label: &'static str, kind: StepKind) -> Step {
    Step { metric, label, kind }
}

/// The steps in drawing order. The delta after each claim leads to the same level (the paired
/// acute saving with the claimed packages and the cost of capacity used), from which the
/// common steps run to the modelled and then the cash-releasing net saving.
pub const STEPS: [Step; 10] = [
    step("bridge_claim_before_after", "Before/after claim", StepKind::Total),
    step("bridge_trend_demography", "trend and demography", StepKind::Delta),
    step("bridge_claim_counted", "Counted-activity claim", StepKind::Total),
    step("bridge_attribution", "attribution of counted patients", StepKind::Delta),
    step(
        "bridge_care_packages",
        "care packages: claimed vs modelled",
        StepKind::Delta,
    ),
    step("bridge_idle_capacity", "idle capacity", StepKind::Delta),
    step("bridge_other_care", "other care (GP)", StepKind::Delta),
    step("bridge_modelled_net_saving", "Modelled net saving", StepKind::Total),
    step("bridge_tariff_vs_marginal", "tariff vs marginal cost", StepKind::Delta),
    step(
        "bridge_cash_releasing_net_saving",
        "Cash-releasing net saving",
        StepKind::Total,
    ),
];

/// The inputs for one option against the base, per replicate pair, in GBP over the window
/// (undiscounted). Savings are base minus option; costs and claims are option minus base.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// Paired acute saving: base − option cost of A&E, admissions and excess and delayed bed
    /// days.
    pub acute_saving: &'a [f64],
    /// The option's own acute cost in the year before the window × the window's years, minus
    /// its acute cost over the window (NaN when the run has no full year before the window).
    pub before_after_fall: &'a [f64],
    /// Option − base value of the activity services count as avoided.
    pub counted: &'a [f64],
    /// Option − base value of the packages a claim counts as avoided.
    pub claimed_packages: &'a [f64],
    /// Paired home-care and care-home saving.
    pub packages_saving: &'a [f64],
    /// Paired saving of care outside hospitals, services and social care (GP consultations).
    pub other_saving: &'a [f64],
    /// Option − base running cost of the services (capacity staffed).
    pub investment: &'a [f64],
    /// Option − base running cost of the capacity used.
    pub used_investment: &'a [f64],
    /// Base − option total cost.
    pub net_saving: &'a [f64],
    /// Share of an acute saving a commissioner stops paying.
    pub cash_releasing_share: f64,
}

/// Every step's value per replicate, in [`STEPS`] order.
pub fn bridge(x: &Inputs<'_>) -> [Vec<f64>; 10] {
    let n = x.net_saving.len();
    let each = |f: &dyn Fn(usize) -> f64| (0..n).map(f).collect::<Vec<f64>>();
    let claimed_rest = |i: usize| x.claimed_packages[i] - x.used_investment[i];
    [
        each(&|i| x.before_after_fall[i] + claimed_rest(i)),
        each(&|i| x.acute_saving[i] - x.before_after_fall[i]),
        each(&|i| x.counted[i] + claimed_rest(i)),
        each(&|i| x.acute_saving[i] - x.counted[i]),
        each(&|i| x.packages_saving[i] - x.claimed_packages[i]),
        each(&|i| -(x.investment[i] - x.used_investment[i])),
        each(&|i| x.other_saving[i]),
        each(&|i| x.net_saving[i]),
        each(&|i| -(1.0 - x.cash_releasing_share) * x.acute_saving[i]),
        each(&|i| x.net_saving[i] - (1.0 - x.cash_releasing_share) * x.acute_saving[i]),
    ]
}

#[cfg(test)]
// The values compared exactly are exact in binary (0 and a copied value).
#[allow(clippy::float_cmp)]
mod tests {
    use super::*;

    /// A hand-made option, one replicate, in £: it saves £900k of acute care against the base;
    /// its own acute cost fell £400k from the year before; services count £1.5m avoided; 20
    /// packages at £10k are claimed against £50k of packages saved; £600k more is staffed, of
    /// which £450k is used; £20k of GP care is saved. Net saving = 900 + 50 + 20 − 600 = £370k.
    fn steps(cash_releasing_share: f64) -> Vec<f64> {
        let v: Vec<Vec<f64>> = [900e3, 400e3, 1_500e3, 200e3, 50e3, 20e3, 600e3, 450e3, 370e3]
            .iter()
            .map(|&x| vec![x])
            .collect();
        bridge(&Inputs {
            acute_saving: &v[0],
            before_after_fall: &v[1],
            counted: &v[2],
            claimed_packages: &v[3],
            packages_saving: &v[4],
            other_saving: &v[5],
            investment: &v[6],
            used_investment: &v[7],
            net_saving: &v[8],
            cash_releasing_share,
        })
        .iter()
        .map(|s| s[0])
        .collect()
    }

    #[test]
    fn the_bridge_steps_have_their_hand_computed_values_and_both_claims_add_up_to_the_model() {
        let got = steps(0.7);
        // Claims: 400 + 200 − 450 = 150 and 1,500 + 200 − 450 = 1,250 (£k); tariff step
        // −0.3 × 900 = −270.
        let want = [
            150e3, 500e3, 1_250e3, -600e3, -150e3, -150e3, 20e3, 370e3, -270e3, 100e3,
        ];
        for (k, (g, w)) in got.iter().zip(want).enumerate() {
            assert!((g - w).abs() < 1e-6, "{}: {g} != {w}", STEPS[k].metric);
        }
        // From either claim, the deltas lead to the modelled net saving, then to cash.
        let common = got[4] + got[5] + got[6];
        assert!((got[0] + got[1] + common - got[7]).abs() < 1e-6);
        assert!((got[2] + got[3] + common - got[7]).abs() < 1e-6);
        assert!((got[7] + got[8] - got[9]).abs() < 1e-6);
    }

    #[test]
    fn a_cash_releasing_share_of_one_leaves_nothing_between_full_cost_and_cash() {
        let got = steps(1.0);
        assert_eq!(got[8], 0.0);
        assert_eq!(got[9], got[7]);
    }
}
