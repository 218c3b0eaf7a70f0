//! The only source of randomness in placesim.
//!
//! Every draw is a pure function of a key: (seed, replicate, stream, purpose, week, index).
//! A *stream* names who the draw is for — one agent (by its locality and serial number) or one
//! locality-level process — so that:
//!
//! * output is bit-identical for any thread count or scheduling order (no generator state is
//!   shared or carried between draws), and
//! * scenarios share common random numbers: agent *a*'s crisis draw in week *w* of replicate *r*
//!   is the same number in every scenario, whatever other agents or services did.
//!
//! The generator is counter-based: the key is hashed with the SplitMix64 finaliser (a bijective
//! 64-bit mixer with full avalanche). One mix per agent-week and one per draw keeps a draw at a
//! few nanoseconds.

use rand::RngCore;

/// Why a draw is made. Each purpose is an independent sub-stream, so adding a new purpose
/// never changes the numbers an existing purpose sees. Discriminants are explicit and never
/// change: a new purpose takes the next unused number, wherever it is listed.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Purpose {
    // synthesis
    SynthSex = 1,
    SynthLsoa = 2,
    SynthEthnicity = 3,
    SynthCondition = 4,
    SynthFrailty = 5,
    SynthFrailtySeverity = 6,
    SynthIsolation = 7,
    SynthCare = 8,
    SynthBirthday = 9,
    SynthPractice = 10,
    // demography
    Death = 11,
    OutMigration = 12,
    Births = 13,
    InMigrationCount = 14,
    /// An in-migrant's age: index 0 its migration age band, index 1 the single year within it.
    NewcomerAge = 15,
    NewcomerSex = 16,
    NewcomerLsoa = 17,
    // health dynamics
    ConditionOnset = 18,
    FrailtyOnset = 19,
    FrailtyProgression = 20,
    IsolationOnset = 21,
    IsolationResolve = 22,
    // crises and hospital
    Crisis = 23,
    AeAdmit = 24,
    LosZeroDay = 25,
    LosLength = 26,
    HospitalDeath = 27,
    DischargeNeed = 28,
    DischargeCareHome = 29,
    LiaisonDivert = 30,
    ReablementOutcome = 31,
    ReablementCareHome = 32,
    VisitWithin2h = 33,
    CommunityCarePackage = 34,
    CommunityCareHome = 35,
    // services
    HuddleFlag = 36,
    PicReferral = 37,
    PicIsolationResolved = 38,
    SpReferral = 39,
    PharmacistFlag = 40,
    GpConsultation = 41,
    // event scheduling
    /// The geometric wait until an agent's next candidate event (thinning).
    WaitTime = 42,
    // scenario-declared services
    /// A scenario-declared service's referral draw (`uniform_at` with the service's salt).
    CustomReferral = 43,
    /// Which of a resident's processes are candidates in a candidate week (`uniform_at` with
    /// the process index; see `engine::events`).
    Candidate = 44,
    // scale
    /// A replicate's offset for rounding a service's fractional caseload places (`uniform_at`
    /// with the service's index, week 0 of the locality stream; see `engine::schedule::Places`).
    CapacityRounding = 45,
    /// Rounding of the week's spot purchases of care (locality stream, the week's draw, index
    /// 0 for home care and 1 for care homes).
    SpotPurchase = 46,
    /// A shadow's new demand (`poisson_at`, locality stream, the week's draw; index 3k for
    /// arrivals that queue as discharges, 3k + 1 for those that try once and 3k + 2 for those
    /// that queue behind the discharges, k the capacity; see `engine::shadow`).
    ShadowArrivals = 47,
    /// The shadow places that end this week (`uniform_at`, index k the capacity).
    ShadowEnds = 48,
    /// A sampled resident's turn among the shadow's residents (`uniform_at` on the resident's
    /// stream: index 0 LIFE reablement, 1 and 3 the package and care-home queues, 2 community
    /// entries), and the rounding of the sampled share of spot purchases (locality stream,
    /// index 4k + 2).
    ShadowShare = 49,
    /// Whether a referral still waiting lapses this week (`uniform_at` on the resident's
    /// stream, index the service's position in the registry, or its key's hash for a declared
    /// service).
    ReferralLapse = 50,
    /// Days from fit for discharge to leaving hospital on a supported route (assessment,
    /// arranging care, choice), drawn in the week the acute stay ends.
    DischargeProcess = 51,
    /// Inputs of a sensitivity analysis's sample matrices (a sequence per matrix; see
    /// `analysis::sensitivity`).
    SensitivitySample = 52,
}

/// Identifies a replicate: all streams of one replicate derive from this key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplicateKey {
    base: u64,
}

impl ReplicateKey {
    /// The key for `replicate` of a run with master `seed`.
    pub fn new(seed: u64, replicate: u32) -> Self {
        let base = mix(mix(seed ^ 0x005E_ED0F_91AC_E51A) ^ (u64::from(replicate) << 1 | 1));
        ReplicateKey { base }
    }

    /// The stream of one agent, named by its locality and its serial number in that locality.
    #[inline]
    pub fn agent(&self, locality: u8, serial: u32) -> Stream {
        Stream {
            h: mix(self.base ^ (u64::from(locality) << 40 | u64::from(serial)).wrapping_mul(K_AGENT)),
        }
    }

    /// The stream of a locality-level process (births, in-migration counts).
    #[inline]
    pub fn locality(&self, locality: u8) -> Stream {
        Stream {
            h: mix(self.base ^ (u64::from(locality) | 1 << 62).wrapping_mul(K_AGENT)),
        }
    }
}

/// A named stream (one agent or one process). Draws are addressed by purpose, week and index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stream {
    h: u64,
}

impl Stream {
    /// The draws of this stream in `week` (weeks count from the scenario start; synthesis uses
    /// week 0 with synthesis purposes).
    #[inline]
    pub fn week(&self, week: u32) -> WeekDraws {
        WeekDraws {
            h: mix(self.h ^ u64::from(week).wrapping_mul(K_WEEK)),
        }
    }

    /// A sequential generator over this stream for one purpose, implementing [`rand::RngCore`]
    /// so rand's algorithms (shuffles, choices) can be used where a sequence is needed.
    pub fn sequence(&self, purpose: Purpose) -> SequenceRng {
        SequenceRng {
            h: mix(self.h ^ (purpose as u64).wrapping_mul(K_PURPOSE)),
            counter: 0,
        }
    }
}

/// The draws of one stream in one week.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeekDraws {
    h: u64,
}

impl WeekDraws {
    /// A raw 64-bit draw for `purpose` (index 0).
    #[inline]
    pub fn bits(&self, purpose: Purpose) -> u64 {
        mix(self.h ^ (purpose as u64).wrapping_mul(K_PURPOSE))
    }

    /// A raw 64-bit draw for the `index`-th use of `purpose` this week.
    #[inline]
    pub fn bits_at(&self, purpose: Purpose, index: u32) -> u64 {
        mix(self.h ^ ((purpose as u64) | u64::from(index) << 8).wrapping_mul(K_PURPOSE))
    }

    /// A uniform number in [0, 1) read from the week's own hash, with no further mixing: the
    /// cheapest draw there is, for a gate ("can anything happen to this agent this week?")
    /// taken before any purpose's draw. Every purpose's draw is a full-avalanche hash of the
    /// same value, so, given the gate, each purpose's draw is still uniform (a test checks it).
    #[inline]
    pub fn gate(&self) -> f64 {
        to_unit(self.h)
    }

    /// A uniform number in [0, 1) for `purpose`.
    #[inline]
    pub fn uniform(&self, purpose: Purpose) -> f64 {
        to_unit(self.bits(purpose))
    }

    /// A uniform number in [0, 1) for the `index`-th use of `purpose`.
    #[inline]
    pub fn uniform_at(&self, purpose: Purpose, index: u32) -> f64 {
        to_unit(self.bits_at(purpose, index))
    }

    /// True with probability `p` (clamped to [0, 1]).
    #[inline]
    pub fn bernoulli(&self, purpose: Purpose, p: f64) -> bool {
        self.uniform(purpose) < p
    }

    /// A Poisson-distributed count with mean `lambda` for `purpose`.
    pub fn poisson(&self, purpose: Purpose, lambda: f64) -> u32 {
        poisson_from(self.sequence(purpose), lambda)
    }

    /// A Poisson-distributed count with mean `lambda` for the `index`-th use of `purpose`.
    pub fn poisson_at(&self, purpose: Purpose, index: u32, lambda: f64) -> u32 {
        poisson_from(
            SequenceRng {
                h: mix(self.bits_at(purpose, index) ^ K_SEQ),
                counter: 0,
            },
            lambda,
        )
    }

    /// A sequential generator for `purpose` in this week.
    pub fn sequence(&self, purpose: Purpose) -> SequenceRng {
        SequenceRng {
            h: mix(self.h ^ (purpose as u64).wrapping_mul(K_PURPOSE) ^ K_SEQ),
            counter: 0,
        }
    }
}

/// Index of the category chosen by uniform `u` from unnormalised `weights` (the last positive
/// category when rounding leaves `u` past the end). Returns 0 for all-zero weights.
pub fn categorical(u: f64, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    if total <= 0.0 {
        return 0;
    }
    let mut target = u * total;
    let mut last_positive = 0;
    for (i, &w) in weights.iter().enumerate() {
        if w > 0.0 {
            last_positive = i;
            if target < w {
                return i;
            }
            target -= w;
        }
    }
    last_positive
}

/// A sequential counter-mode generator: the `n`-th output is `mix(h + n·γ)`.
#[derive(Debug, Clone)]
pub struct SequenceRng {
    h: u64,
    counter: u64,
}

impl SequenceRng {
    /// A uniform number in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        to_unit(self.next_u64())
    }
}

impl RngCore for SequenceRng {
    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    fn next_u64(&mut self) -> u64 {
        self.counter = self.counter.wrapping_add(1);
        mix(self.h.wrapping_add(self.counter.wrapping_mul(0x9E37_79B9_7F4A_7C15)))
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

fn poisson_from(mut rng: SequenceRng, lambda: f64) -> u32 {
    if lambda <= 0.0 || lambda.is_nan() {
        return 0;
    }
    if lambda < 30.0 {
        // Knuth's multiplication method: exact, O(lambda).
        let limit = (-lambda).exp();
        let mut k = 0u32;
        let mut prod = rng.uniform();
        while prod > limit {
            k += 1;
            prod *= rng.uniform();
        }
        k
    } else {
        // Inversion by sequential search from the mode: exact, O(sqrt(lambda)) expected steps.
        let u = rng.uniform();
        let mode = lambda.floor();
        let ln_pmf_mode = mode * lambda.ln() - lambda - ln_factorial(mode);
        let p_mode = ln_pmf_mode.exp();
        // cumulative up to mode via summing downwards
        let mut cdf_below = 0.0;
        let mut p = p_mode;
        let mut k = mode;
        while k > 0.0 {
            p *= k / lambda;
            k -= 1.0;
            cdf_below += p;
            if p < 1e-17 {
                break;
            }
        }
        let mut cdf = cdf_below + p_mode;
        let mut k = mode;
        let mut p = p_mode;
        if u < cdf {
            // walk down
            let mut c = cdf - p;
            while k > 0.0 && u < c {
                p *= k / lambda;
                k -= 1.0;
                c -= p;
            }
            return k as u32;
        }
        while u >= cdf && p > 0.0 {
            k += 1.0;
            p *= lambda / k;
            cdf += p;
        }
        k as u32
    }
}

fn ln_factorial(n: f64) -> f64 {
    if n < 2.0 {
        return 0.0;
    }
    // Stirling series; error < 1e-10 for n >= 2.
    let x = n + 1.0;
    (x - 0.5) * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI).ln() + 1.0 / (12.0 * x) - 1.0 / (360.0 * x * x * x)
}

const K_AGENT: u64 = 0x9E37_79B9_7F4A_7C15;
const K_WEEK: u64 = 0xD1B5_4A32_D192_ED03;
const K_PURPOSE: u64 = 0xAEF1_7502_108E_F2D9;
const K_SEQ: u64 = 0x2545_F491_4F6C_DD1D;

/// SplitMix64 finaliser.
#[inline]
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[inline]
fn to_unit(bits: u64) -> f64 {
    (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purpose_discriminants_are_pinned() {
        // A draw's key includes its purpose's number: these must never change, or every
        // result would change with them.
        assert_eq!(Purpose::SynthSex as u8, 1);
        assert_eq!(Purpose::Death as u8, 11);
        assert_eq!(Purpose::Crisis as u8, 23);
        assert_eq!(Purpose::HuddleFlag as u8, 36);
        assert_eq!(Purpose::ShadowArrivals as u8, 47);
        assert_eq!(Purpose::ShadowShare as u8, 49);
        assert_eq!(Purpose::ReferralLapse as u8, 50);
        assert_eq!(Purpose::DischargeProcess as u8, 51);
        assert_eq!(Purpose::SensitivitySample as u8, 52);
        assert_eq!(Purpose::GpConsultation as u8, 41);
        assert_eq!(Purpose::WaitTime as u8, 42);
        assert_eq!(Purpose::CustomReferral as u8, 43);
        assert_eq!(Purpose::Candidate as u8, 44);
    }

    #[test]
    fn the_same_key_gives_the_same_draw() {
        let a = ReplicateKey::new(7, 3).agent(2, 1234).week(50);
        let b = ReplicateKey::new(7, 3).agent(2, 1234).week(50);
        assert_eq!(a.bits(Purpose::Crisis), b.bits(Purpose::Crisis));
    }

    #[test]
    fn any_change_of_key_changes_the_draw() {
        let base = ReplicateKey::new(7, 3).agent(2, 1234).week(50).bits(Purpose::Crisis);
        let others = [
            ReplicateKey::new(8, 3).agent(2, 1234).week(50).bits(Purpose::Crisis),
            ReplicateKey::new(7, 4).agent(2, 1234).week(50).bits(Purpose::Crisis),
            ReplicateKey::new(7, 3).agent(3, 1234).week(50).bits(Purpose::Crisis),
            ReplicateKey::new(7, 3).agent(2, 1235).week(50).bits(Purpose::Crisis),
            ReplicateKey::new(7, 3).agent(2, 1234).week(51).bits(Purpose::Crisis),
            ReplicateKey::new(7, 3).agent(2, 1234).week(50).bits(Purpose::Death),
            ReplicateKey::new(7, 3)
                .agent(2, 1234)
                .week(50)
                .bits_at(Purpose::Crisis, 1),
        ];
        for o in others {
            assert_ne!(base, o);
        }
    }

    #[test]
    fn uniforms_are_uniform_and_independent_across_agents() {
        let key = ReplicateKey::new(1, 0);
        let n = 200_000;
        let mut sum = 0.0;
        let mut bins = [0u32; 10];
        let mut lag_product = 0.0;
        let mut prev = 0.5;
        for i in 0..n {
            let u = key.agent(0, i).week(3).uniform(Purpose::Crisis);
            assert!((0.0..1.0).contains(&u));
            sum += u;
            bins[(u * 10.0) as usize] += 1;
            lag_product += (u - 0.5) * (prev - 0.5);
            prev = u;
        }
        let mean = sum / f64::from(n);
        assert!((mean - 0.5).abs() < 0.005, "mean {mean}");
        for b in bins {
            assert!((f64::from(b) - 20_000.0).abs() < 600.0, "bins {bins:?}");
        }
        // serial correlation of neighbouring agents ~ 0 (sd of the estimate ~ 1/(12 sqrt n))
        assert!((lag_product / f64::from(n)).abs() < 0.001);
    }

    #[test]
    fn purpose_draws_stay_uniform_given_a_low_gate() {
        // Agents whose gate fell below 1% are the ones a gated model looks at further: their
        // purpose draws must be as uniform as everyone's.
        let key = ReplicateKey::new(3, 1);
        let mut bins = [0u32; 10];
        let mut n = 0u32;
        for i in 0..2_000_000u32 {
            let d = key.agent(1, i).week(7);
            if d.gate() < 0.01 {
                n += 1;
                bins[(d.uniform(Purpose::Crisis) * 10.0) as usize] += 1;
            }
        }
        assert!((f64::from(n) - 20_000.0).abs() < 600.0, "{n} gated of 2M");
        let expected = f64::from(n) / 10.0;
        let chi2: f64 = bins.iter().map(|&b| (f64::from(b) - expected).powi(2) / expected).sum();
        // 9 degrees of freedom: P(chi2 > 27.9) = 0.001.
        assert!(chi2 < 27.9, "chi2 {chi2}, bins {bins:?}");
    }

    #[test]
    fn poisson_counts_have_the_right_mean_and_variance() {
        for &lambda in &[0.5, 4.0, 17.0, 80.0, 2_500.0] {
            let key = ReplicateKey::new(11, 0).locality(1);
            let n = 20_000;
            let draws: Vec<f64> = (0..n)
                .map(|w| f64::from(key.week(w).poisson(Purpose::Births, lambda)))
                .collect();
            let mean = draws.iter().sum::<f64>() / f64::from(n);
            let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / f64::from(n - 1);
            let se = (lambda / f64::from(n)).sqrt();
            assert!((mean - lambda).abs() < 5.0 * se, "lambda {lambda} mean {mean}");
            assert!((var / lambda - 1.0).abs() < 0.1, "lambda {lambda} var {var}");
        }
    }

    #[test]
    fn categorical_picks_by_weight_and_skips_zero_weights() {
        assert_eq!(categorical(0.0, &[0.0, 1.0, 1.0]), 1);
        assert_eq!(categorical(0.49, &[0.0, 1.0, 1.0]), 1);
        assert_eq!(categorical(0.51, &[0.0, 1.0, 1.0]), 2);
        assert_eq!(categorical(0.999_999_999, &[1.0, 1.0, 0.0]), 1);
        assert_eq!(categorical(0.3, &[0.0, 0.0]), 0);
    }
}
