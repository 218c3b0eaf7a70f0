//! The residents a reduced-scale run leaves out, as demand on a capacity.
//!
//! At scale s < 1 a run samples one resident in 1/s. Scaling a capacity to s × places is not
//! enough, because queues and losses are not scale-free: a locality's 23 LIFE reablement places
//! became 2.3 at scale 0.1, and a loss system with 2.3 places turns away about a third of its
//! arrivals where one with 23 places and the same load per place turns away about 3% (Erlang
//! B). A care-home block contract of one placement a week became one every ten weeks, and
//! patients waited for it in hospital.
//!
//! So the capacities that decide discharges (LIFE reablement places, new home-care packages and
//! care-home placements) keep their full size, in residents, and the (1 − s)/s unsampled
//! residents for each agent are a *shadow*: aggregate counts of residents waiting for, trying
//! for and holding the capacity. Each week
//!
//! 1. shadow places end at the sampled places' smoothed end rate (a binomial draw), and new
//!    shadow demand arrives as Poisson counts with (1 − s)/s times the sampled residents'
//!    smoothed weekly rate, per resident alive ([`Shadow::arrive`]). A queue's sampled arrivals
//!    are counted as their expected number, summed when each need is drawn (at admission, at
//!    the start of reablement), less those who die or are admitted before they are placed:
//!    many small probabilities are far less noisy than the few arrivals they add up to;
//! 2. the sampled residents and the shadow share the free places: each sampled resident takes
//!    its turn in the order the full-scale service would use, among the shadow's residents:
//!    in a queue, those waiting since an earlier week first, then this week's discharges by
//!    the days of the week left, then ended reablement episodes ([`Queue`]); in a loss system,
//!    at a random place among the week's arrivals ([`Vacancies`]);
//! 3. the shadow takes what is left up to its demand ([`Shadow::take`]), and what the sampled
//!    residents did is folded into the smoothed rates ([`Smoothed`]).
//!
//! The shadow's own arrivals are independent Poisson counts, so the total demand has the
//! variance of the full-scale demand instead of 1/s times it; a loss system's blocking does
//! not depend on the distribution of the time a place is held, only its mean (Erlang's
//! insensitivity), so the shadow's geometric holding times stand in for the sampled ones.
//! Noise in a smoothed rate makes the shadow's demand more variable than Poisson, and waits
//! grow with variability, so counted rates are smoothed over three years ([`WINDOW`]) and
//! expected ones over a quarter ([`QUEUE_WINDOW`]). At scale 1 (or more) the shadow is empty
//! and the capacity goes to the agents exactly as before: every draw here is keyed, and none
//! changes any other.
//!
//! Outcomes are tallied only for sampled residents: the shadow competes for places and is never
//! counted.

use crate::rng::{Purpose, WeekDraws};

/// Weeks over which the counted sampled rates (arrivals that try once, places held and ended)
/// are smoothed (the mean age of an exponentially weighted mean). With a window of one year a
/// loss system at scale 0.1 turned away about 40% too many sampled arrivals (the test below),
/// with four years about 1%. Rates are per resident of the locality, so a growing population
/// does not make the long window lag.
pub const WINDOW: f64 = 156.0;

/// Weeks over which a queue's arrivals are smoothed. They are mostly counted as the expected
/// number of this week's admissions that will need the queue (many small probabilities: far
/// less noisy than the few arrivals), so the window can be short and follow a change (such as
/// discharge to assess taking over from packages) within months.
pub const QUEUE_WINDOW: f64 = 13.0;

/// An exponentially weighted mean of a weekly count, corrected for its start (the mean of the
/// weeks seen while fewer than about a window's weeks have been).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Smoothed {
    sum: f64,
    weight: f64,
}

impl Smoothed {
    /// Adds this week's count, smoothing over `window` weeks.
    pub fn push(&mut self, x: f64, window: f64) {
        let keep = 1.0 - 1.0 / window;
        self.sum = self.sum * keep + x;
        self.weight = self.weight * keep + 1.0;
    }

    /// The smoothed weekly count (0 before any week).
    pub fn mean(&self) -> f64 {
        if self.weight > 0.0 {
            self.sum / self.weight
        } else {
            0.0
        }
    }
}

/// The unsampled residents' demand on one capacity of one locality (see the module's docs).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Shadow {
    /// Unsampled residents per agent: (1 − s)/s, 0 at scale 1 or more.
    ratio: f64,
    /// Sampled arrivals that wait until placed (a queue), per week.
    queued: Smoothed,
    /// Sampled arrivals that queue behind every hospital discharge (ended reablement
    /// episodes), per week.
    queued_last: Smoothed,
    /// Sampled arrivals that try once and go elsewhere if nothing is free (a loss), per week.
    tried: Smoothed,
    /// Sampled places held at the start of each week.
    held: Smoothed,
    /// Sampled places ended each week.
    ended: Smoothed,
    /// Sampled residents alive each week, smoothed over [`WINDOW`] weeks.
    residents: Smoothed,
    /// The same over [`QUEUE_WINDOW`] weeks.
    residents_recent: Smoothed,
    /// Shadow residents waiting since an earlier week (a queue).
    pub waiting: u32,
    /// Shadow residents who joined the queue this week.
    pub arrived: u32,
    /// Shadow residents queueing behind every hospital discharge (ended reablement episodes).
    pub last: u32,
    /// Sampled discharges that joined the queue by the days of their week left (0 to 6), with
    /// one of each to start: the shadow's this week are spread over the days in proportion.
    pub days_left: [f64; 7],
    /// Shadow residents trying this week (a loss; those not placed go elsewhere).
    pub trying: u32,
    /// Shadow residents holding a place (a stock capacity).
    pub holding: u32,
}

impl Shadow {
    /// The shadow of a run at `scale` (empty at scale 1 or more).
    pub fn new(scale: f64) -> Shadow {
        Shadow {
            ratio: if scale < 1.0 { (1.0 - scale) / scale } else { 0.0 },
            days_left: [1.0; 7],
            ..Shadow::default()
        }
    }

    /// Whether there is a shadow (scale below 1).
    pub fn active(&self) -> bool {
        self.ratio > 0.0
    }

    /// Step 1 of a week: shadow places end and new shadow demand arrives, for `residents`
    /// sampled residents alive. `k` tells the capacities of a locality apart in the draws.
    pub fn arrive(&mut self, d: &WeekDraws, k: u32, residents: f64) {
        if !self.active() {
            return;
        }
        let held = self.held.mean();
        let end = if held > 0.0 {
            (self.ended.mean() / held).min(1.0)
        } else {
            1.0
        };
        let ends = binomial(d.uniform_at(Purpose::ShadowEnds, k), self.holding, end);
        self.holding -= ends;
        let per = |rate: &Smoothed, residents_then: &Smoothed| {
            let then = residents_then.mean();
            if then > 0.0 {
                self.ratio * rate.mean().max(0.0) * residents / then
            } else {
                0.0
            }
        };
        self.arrived = d.poisson_at(
            Purpose::ShadowArrivals,
            3 * k,
            per(&self.queued, &self.residents_recent),
        );
        self.last += d.poisson_at(
            Purpose::ShadowArrivals,
            3 * k + 2,
            per(&self.queued_last, &self.residents_recent),
        );
        self.trying = d.poisson_at(Purpose::ShadowArrivals, 3 * k + 1, per(&self.tried, &self.residents));
    }

    /// Step 3 for a queue: the shadow's waiting discharges, longest first, then those
    /// queueing behind them, take up to `left` places; those not placed wait on. Returns the
    /// places taken.
    pub fn take_waiting(&mut self, left: u32) -> u32 {
        let carried = self.waiting.min(left);
        let new = self.arrived.min(left - carried);
        let last = self.last.min(left - carried - new);
        self.waiting = self.waiting - carried + self.arrived - new;
        self.arrived = 0;
        self.last -= last;
        carried + new + last
    }

    /// Step 3: the shadow's waiting, then its trying, take up to `left` places; those trying and
    /// not placed go elsewhere. Returns the places taken; they are held when `holds` (a stock).
    pub fn take(&mut self, left: u32, holds: bool) -> u32 {
        let queued = self.take_waiting(left);
        let tried = self.trying.min(left - queued);
        self.trying = 0;
        if holds {
            self.holding += queued + tried;
        }
        queued + tried
    }

    /// Folds in what the sampled residents did this week: arrivals that queue (their expected
    /// number), as hospital discharges and behind them, arrivals that try once, places held at
    /// the start of the week and places ended, with `residents` sampled residents alive.
    pub fn observe(&mut self, queued: [f64; 2], tried: u32, held: u32, ended: u32, residents: f64) {
        self.residents.push(residents, WINDOW);
        self.residents_recent.push(residents, QUEUE_WINDOW);
        // Not clamped week by week: a week's expected arrivals less the arrivals forgone may be
        // negative, and clamping them would bias the rate up (by about a fifth behind the
        // discharges).
        self.queued.push(queued[0], QUEUE_WINDOW);
        self.queued_last.push(queued[1], QUEUE_WINDOW);
        self.tried.push(f64::from(tried), WINDOW);
        self.held.push(f64::from(held), WINDOW);
        self.ended.push(f64::from(ended), WINDOW);
    }
}

/// The free places of a loss system this week, taken by sampled arrivals one at a time while
/// the shadow's arrivals of the week wait for what they leave.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Vacancies {
    /// Places free for either side.
    pub free: u32,
    /// Places the sampled residents have taken.
    pub used: u32,
    /// Shadow residents trying this week.
    pub shadow: u32,
}

impl Vacancies {
    /// `free` places this week, with `shadow` shadow residents trying for them.
    pub fn new(free: u32, shadow: u32) -> Vacancies {
        Vacancies { free, used: 0, shadow }
    }

    /// Whether a sampled arrival gets a place. Its turn is at a uniformly random position
    /// among the shadow's arrivals (`u` uniform in [0, 1)): the shadow's arrivals ahead of it
    /// take places first. With no shadow, whether a place is left.
    pub fn take(&mut self, u: f64) -> bool {
        take_behind(&mut self.used, self.free, turn(u, self.shadow))
    }

    /// Places not taken by the sampled residents.
    pub fn left(&self) -> u32 {
        self.free - self.used
    }
}

/// The places of a queue this week (a block contract and spot purchases), taken by the
/// sampled residents waiting in their order of priority while the shadow's waiting stand in
/// the same order: patients waiting since an earlier week first, then this week's discharges by
/// the days of the week left (most first; the shadow's this week are spread over the days as
/// the sampled discharges have been, [`Shadow::days_left`]: short stays make more days left
/// likelier than fewer, and spreading them evenly instead placed sampled discharges too
/// soon), then ended reablement episodes (the shadow keeps its own apart, [`Shadow::last`]).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Queue {
    /// Places this week for either side.
    pub places: u32,
    /// Places the sampled residents have taken.
    pub used: u32,
    /// Shadow residents waiting since an earlier week.
    pub carried: u32,
    /// Shadow residents who joined this week.
    pub arrived: u32,
    /// Shadow residents queueing behind every discharge.
    pub last: u32,
    /// The share of this week's discharges with at least `r` days of the week left, `r` = 0..=7.
    at_least: [f64; 8],
}

impl Queue {
    /// `places` places this week, with the shadow's waiting.
    pub fn new(places: u32, shadow: &Shadow) -> Queue {
        Queue {
            places,
            used: 0,
            carried: shadow.waiting,
            arrived: shadow.arrived,
            last: shadow.last,
            at_least: {
                let total: f64 = shadow.days_left.iter().sum();
                let mut at_least = [0.0; 8];
                for r in (0..7).rev() {
                    at_least[r] = at_least[r + 1] + shadow.days_left[r] / total;
                }
                at_least
            },
        }
    }

    /// Whether a sampled discharge with `rem` days of the week left (7: waiting since an
    /// earlier week) gets a place; `u` and `v` (uniform in [0, 1)) give its turn among the
    /// shadow's.
    pub fn take(&mut self, rem: u8, u: f64, v: f64) -> bool {
        let ahead = if rem >= 7 {
            turn(u, self.carried)
        } else {
            // Each of the shadow's this week is ahead with the chance of more days left, or of
            // as many and ahead in the tie (by `u`): a binomial count, drawn with `v`.
            let r = usize::from(rem);
            let p_ahead = self.at_least[r + 1] + u * (self.at_least[r] - self.at_least[r + 1]);
            self.carried + binomial(v, self.arrived, p_ahead)
        };
        take_behind(&mut self.used, self.places, ahead)
    }

    /// Whether a sampled resident queueing behind every discharge (an ended reablement
    /// episode) gets a place; `u` (uniform in [0, 1)) gives its turn among the shadow's.
    pub fn take_last(&mut self, u: f64) -> bool {
        take_behind(
            &mut self.used,
            self.places,
            self.carried + self.arrived + turn(u, self.last),
        )
    }

    /// Places not taken by the sampled residents.
    pub fn left(&self) -> u32 {
        self.places - self.used
    }
}

/// How many of `n` others stand ahead of one who takes a uniformly random turn among them
/// (`u` uniform in [0, 1)): 0 to `n`, each equally likely.
fn turn(u: f64, n: u32) -> u32 {
    ((u * f64::from(n + 1)) as u32).min(n)
}

/// Whether a sampled resident with `ahead` shadow residents before it gets one of `places`
/// places, `used` of which sampled residents have taken; if so, it takes one.
fn take_behind(used: &mut u32, places: u32, ahead: u32) -> bool {
    if *used + ahead < places {
        *used += 1;
        true
    } else {
        false
    }
}

/// `x` rounded down or up with probability given by its fraction, by uniform `u`.
pub fn round_stochastically(x: f64, u: f64) -> u32 {
    (x.max(0.0) + u).floor() as u32
}

/// A binomial count of `n` trials with probability `p`, by inversion of uniform `u` (exact;
/// the normal approximation when `n` is too large for the probability of no success to be
/// represented).
pub fn binomial(u: f64, n: u32, p: f64) -> u32 {
    if n == 0 || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    let nf = f64::from(n);
    let mut pmf = (nf * (1.0 - p).ln()).exp();
    if pmf < 1e-300 {
        let z = probit(u);
        return (nf * p + z * (nf * p * (1.0 - p)).sqrt()).round().clamp(0.0, nf) as u32;
    }
    let odds = p / (1.0 - p);
    let mut cdf = pmf;
    let mut k = 0u32;
    while u >= cdf && k < n {
        pmf *= f64::from(n - k) / f64::from(k + 1) * odds;
        k += 1;
        cdf += pmf;
    }
    k
}

/// The standard normal quantile of `u` (Abramowitz and Stegun 26.2.23; absolute error below
/// 4.5e-4), for [`binomial`]'s normal approximation.
fn probit(u: f64) -> f64 {
    let q = u.clamp(1e-12, 1.0 - 1e-12);
    let tail = q.min(1.0 - q);
    let t = (-2.0 * tail.ln()).sqrt();
    let z = t
        - (2.515_517 + 0.802_853 * t + 0.010_328 * t * t)
            / (1.0 + 1.432_788 * t + 0.189_269 * t * t + 0.001_308 * t * t * t);
    if q < 0.5 {
        -z
    } else {
        z
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::ReplicateKey;

    #[test]
    fn a_sampled_arrival_gets_a_place_with_the_chance_of_a_random_turn_among_the_shadows() {
        // 2 places, 4 shadow arrivals: a sampled arrival's turn is one of 5, and the first 2 get
        // places.
        let got = (0..1000)
            .filter(|&j| Vacancies::new(2, 4).take((f64::from(j) + 0.5) / 1000.0))
            .count();
        assert_eq!(got, 400);
        let mut v = Vacancies::new(1, 0);
        assert!(v.take(0.99));
        assert!(!v.take(0.0));
        assert_eq!(v.left(), 0);
    }

    #[test]
    fn a_queue_places_the_longest_waiting_first_and_this_weeks_by_days_left() {
        let shadow = Shadow {
            waiting: 2,
            arrived: 7,
            ..Shadow::new(0.1)
        };
        assert!(shadow.days_left.iter().all(|&n| (n - 1.0).abs() < 1e-12));
        // 4 places: the 2 shadow residents waiting since last week come first, then this week's
        // by days left: a sampled discharge with 6 days left is behind about half of one of the
        // 7 new shadow arrivals (u = 0.5), one with 1 day left behind about 5.5.
        let mut q = Queue::new(4, &shadow);
        assert!(q.take(6, 0.5, 0.5));
        assert!(!q.take(1, 0.5, 0.5));
        assert!(!q.take_last(0.0));
        assert_eq!(q.left(), 3);
        // Waiting since last week: a random turn among the shadow's 2.
        let got = (0..300)
            .filter(|&j| Queue::new(1, &shadow).take(7, (f64::from(j) + 0.5) / 300.0, 0.0))
            .count();
        assert_eq!(got, 100);
        // Without a shadow, whether a place is left.
        let mut q = Queue::new(1, &Shadow::new(1.0));
        assert!(q.take(0, 0.9, 0.9) && !q.take(7, 0.0, 0.0) && !q.take_last(0.5));
    }

    #[test]
    fn smoothed_mean_starts_as_the_plain_mean_and_then_forgets() {
        let mut s = Smoothed::default();
        assert!(s.mean().abs() < 1e-12);
        s.push(2.0, WINDOW);
        assert!((s.mean() - 2.0).abs() < 1e-12);
        s.push(4.0, WINDOW);
        assert!((s.mean() - (2.0 * (1.0 - 1.0 / WINDOW) + 4.0) / (2.0 - 1.0 / WINDOW)).abs() < 1e-12);
        for _ in 0..(40.0 * WINDOW) as usize {
            s.push(10.0, WINDOW);
        }
        assert!((s.mean() - 10.0).abs() < 1e-9);
    }

    #[test]
    fn binomial_draws_have_the_binomial_mean_and_variance() {
        for &(n, p) in &[(0u32, 0.3), (5, 0.0), (5, 1.0), (12, 0.25), (200, 0.1), (40_000, 0.5)] {
            let m = 20_000;
            let xs: Vec<f64> = (0..m)
                .map(|j| f64::from(binomial((f64::from(j) + 0.5) / f64::from(m), n, p)))
                .collect();
            let mean = xs.iter().sum::<f64>() / f64::from(m);
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / f64::from(m);
            let (em, ev) = (f64::from(n) * p, f64::from(n) * p * (1.0 - p));
            assert!(
                (mean - em).abs() <= 0.01 * em.max(1.0),
                "n {n} p {p}: mean {mean} vs {em}"
            );
            assert!(
                (var - ev).abs() <= 0.03 * ev.max(1.0),
                "n {n} p {p}: variance {var} vs {ev}"
            );
            assert!(xs.iter().all(|&x| x <= f64::from(n)));
        }
    }

    #[test]
    fn the_shadow_is_empty_and_draws_nothing_at_full_scale() {
        let mut s = Shadow::new(1.0);
        let d = ReplicateKey::new(1, 0).locality(0).week(3);
        s.observe([5.0, 1.0], 5, 10, 2, 100.0);
        s.arrive(&d, 0, 100.0);
        assert_eq!((s.waiting, s.arrived, s.last, s.trying, s.holding), (0, 0, 0, 0, 0));
        assert!(!Shadow::new(4.0).active());
        assert!(Vacancies::new(1, s.trying).take(0.99));
    }

    /// A loss system of `places` places, mean holding time `weeks` and `arrivals` per week, run
    /// at `scale` (the sampled arrivals are `scale` × the total) with the sampled residents and
    /// the shadow of the unsampled ones sharing the places: the share of sampled arrivals turned
    /// away.
    fn loss_system(places: u32, weeks: f64, arrivals: f64, scale: f64, shadow: bool, seed: u64) -> f64 {
        let mut shadow = Shadow::new(if shadow { scale } else { 1.0 });
        let key = ReplicateKey::new(seed, 0);
        let mut holding: Vec<u32> = Vec::new(); // the sampled's remaining weeks
        let (mut tried, mut refused) = (0u64, 0u64);
        for w in 0..40_000u32 {
            let d = key.locality(0).week(w);
            let held = holding.len() as u32;
            holding.retain_mut(|t| {
                *t -= 1;
                *t > 0
            });
            let ended = held - holding.len() as u32;
            shadow.arrive(&d, 0, 1000.0);
            let free = places.saturating_sub(holding.len() as u32 + shadow.holding);
            let n = d.poisson_at(Purpose::Candidate, 0, arrivals * scale);
            let mut vacancies = Vacancies::new(free, shadow.trying);
            let placed = (0..n)
                .filter(|&j| vacancies.take(d.uniform_at(Purpose::ShadowShare, j)))
                .count() as u32;
            for j in 0..placed {
                // a geometric holding time with mean `weeks`
                let u = 1.0 - d.uniform_at(Purpose::WaitTime, j);
                holding.push(1 + (u.ln() / (1.0 - 1.0 / weeks).ln()).floor() as u32);
            }
            shadow.take(vacancies.left(), true);
            assert!(
                holding.len() as u32 + shadow.holding <= places,
                "week {w}: more held than places"
            );
            shadow.observe([0.0; 2], n, held, ended, 1000.0);
            if w >= 1000 {
                tried += u64::from(n);
                refused += u64::from(n - placed);
            }
        }
        refused as f64 / tried as f64
    }

    #[test]
    fn a_loss_system_sampled_at_one_tenth_with_its_shadow_turns_away_what_full_scale_does() {
        // 23 places held 4 weeks on average, 4.25 arrivals a week: a load of 17 places.
        let (weeks, arrivals) = (4.0, 4.25);
        let full = (1..=2)
            .map(|k| loss_system(23, weeks, arrivals, 1.0, false, k))
            .sum::<f64>()
            / 2.0;
        let tenth = (1..=4)
            .map(|k| loss_system(23, weeks, arrivals, 0.1, true, 10 + k))
            .sum::<f64>()
            / 4.0;
        // Without the shadow, scale 0.1 has 2 places (2.3 rounded) and a load of 1.7.
        let unshadowed = loss_system(2, weeks, arrivals, 0.1, false, 3);
        assert!(full > 0.01 && full < 0.06, "full scale turns away {full}");
        assert!(
            (tenth - full).abs() < 0.2 * full,
            "scale 0.1 with its shadow {tenth} vs full scale {full}"
        );
        assert!(
            unshadowed > 5.0 * full,
            "scale 0.1 without a shadow {unshadowed} vs full scale {full}"
        );
    }
}
