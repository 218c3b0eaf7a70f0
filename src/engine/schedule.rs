//! Service capacities over time: each service's rollout, ramp, multiplier and allocation
//! turned into integer capacities per locality per week, computed once per scenario.
//!
//! Flow capacities (assessments, referrals, placements per week) are integerised by the
//! cumulative floor, so fractional weekly capacities are delivered exactly over time (to
//! within one per locality over the whole run, at any scale). Stock capacities (caseload
//! places) are kept as fractional levels ([`Places`]) and rounded by each replicate with its
//! own offset (deterministic stochastic rounding), so that at any scale the places a locality
//! has average, over replicates, exactly the commissioned level × scale: rounding to the
//! nearest place would give a locality with 1.75 places two, and a scale-0.05 run would then
//! carry 14% more reablement places than it paid for.

use crate::calendar::Date;
use crate::place::Place;
use crate::results::RunCalendar;
use crate::scenario::{Allocation, PerLocality, Rollout, Scenario};

pub use crate::calendar::WEEKS_PER_YEAR;

/// A caseload limit per `[week][locality]`, kept as the fractional number of places the
/// scenario commissions × scale. A replicate rounds it with its own offset `u` in [0, 1)
/// ([`Places::get`]): `floor(level + u)` places, whose mean over uniform offsets is the level
/// itself. A flow capacity kept here holds whole numbers, which every offset leaves as they are.
#[derive(Debug, Clone, PartialEq)]
pub struct Places(Vec<f64>);

impl Places {
    /// The fractional level at `at` (a [`Schedule::at`] index): what is costed.
    #[inline]
    pub fn level(&self, at: usize) -> f64 {
        self.0[at]
    }

    /// Places at `at` for a replicate whose rounding offset is `offset` (in [0, 1)).
    #[inline]
    pub fn get(&self, at: usize, offset: f64) -> u32 {
        (self.0[at] + offset).floor() as u32
    }

    /// Places at `at` for a replicate whose rounding offset is `offset`, with the level
    /// counted in units `unit` times as small (residents rather than agents: `unit` = 1/scale).
    #[inline]
    pub fn get_in(&self, at: usize, offset: f64, unit: f64) -> u32 {
        (self.0[at] * unit + offset).floor() as u32
    }

    /// Whole numbers (a flow capacity), kept as they are by every offset.
    pub fn whole(v: Vec<u32>) -> Places {
        Places(v.into_iter().map(f64::from).collect())
    }

    /// Every level, `[week][locality]`.
    pub fn levels(&self) -> &[f64] {
        &self.0
    }
}

/// Capacities of every service, by week and locality.
#[derive(Debug, Clone)]
pub struct Schedule {
    localities: usize,
    /// Week each practice starts huddles (`u32::MAX` = never).
    pub practice_start_week: Vec<u32>,
    /// Huddle reviews per practice per week: `[week][practice]`.
    pub huddle_reviews: Vec<u16>,
    /// Week from which adults of any age are eligible for huddles.
    pub huddle_all_ages_week: u32,
    /// ICN+ operation factor (0..=1) per `[week][locality]`.
    pub icn: Vec<f32>,
    /// LIFE A&E liaison assessments per `[week][locality]`.
    pub liaison: Vec<u32>,
    /// LIFE reablement caseload limit per `[week][locality]`.
    pub reablement_slots: Places,
    /// Whether LIFE operates (discharge-to-assess pathway exists) per week.
    pub life_active: Vec<bool>,
    /// PIC caseload limit per `[week][locality]`.
    pub pic_slots: Places,
    /// Whether PICs take referrals per week.
    pub pic_active: Vec<bool>,
    /// Social-prescribing referrals taken per `[week][locality]`.
    pub sp_referrals: Vec<u32>,
    /// Whether GPs refer to social prescribing per `[week][locality]`.
    pub sp_active: Vec<bool>,
    /// Pharmacist reviews per `[week][locality]`.
    pub pharm_reviews: Vec<u32>,
    /// Whether huddles refer to pharmacists per week.
    pub pharm_active: Vec<bool>,
    /// New home-care packages per `[week][locality]` under the block contracts: in residents
    /// below scale 1 (shared with the unsampled residents' shadow, see `engine::shadow`), in
    /// agents at scale 1 or more.
    pub package_starts: Vec<u32>,
    /// Care-home placements per `[week][locality]`, in the units of `package_starts`.
    pub care_home_places: Vec<u32>,
    /// Each scenario-declared service's capacity, in the scenario's order.
    pub custom: Vec<CustomCapacity>,
}

/// The capacity of a scenario-declared service.
#[derive(Debug, Clone)]
pub struct CustomCapacity {
    /// The service's key.
    pub key: String,
    /// Caseload places (case management, support episodes) or referrals taken on (referral
    /// activity; cumulative floor, whole numbers) per `[week][locality]`.
    pub capacity: Places,
    /// Whether the service takes referrals, per week.
    pub active: Vec<bool>,
}

impl Schedule {
    /// Index of `[week][locality]` arrays.
    #[inline]
    pub fn at(&self, week: usize, locality: usize) -> usize {
        week * self.localities + locality
    }

    /// Builds the schedule: each service's capacity from its own module (`capacity`), in
    /// registry order. `practice_need` is each practice's relative need (mean 1).
    pub fn new(scenario: &Scenario, place: &Place, cal: &RunCalendar, practice_need: &[f64]) -> Schedule {
        use crate::services::{custom, huddles, icn_plus, life, pharmacists, pic, social_prescribing};
        let s = &scenario.services;
        let pl = Planner::new(scenario, place, cal);
        let icn = icn_plus::operation(s, place, &pl.dates);
        let h = huddles::capacity(&pl, s, practice_need, &icn);
        let l = life::capacity(&pl, &s.life);
        let p = pic::capacity(&pl, &s.pic);
        let sp = social_prescribing::capacity(&pl, s, &icn);
        let ph = pharmacists::capacity(&pl, &s.pharmacists);
        let sc = &s.social_care;
        // Shared with the unsampled residents' shadow below scale 1, so in residents there and
        // in agents at scale 1 or more (see `engine::shadow`).
        let unit = pl.scale.max(1.0);
        let (package_starts, care_home_places) = (
            pl.flow(|d| {
                pl.scaled(
                    pl.split(&sc.package_starts_per_week, sc.allocation, sc.allocation_from, d),
                    unit,
                )
            }),
            pl.flow(|d| {
                pl.scaled(
                    pl.split(&sc.care_home_placements_per_week, sc.allocation, sc.allocation_from, d),
                    unit,
                )
            }),
        );
        Schedule {
            localities: pl.localities,
            practice_start_week: h.practice_start_week,
            huddle_reviews: h.reviews,
            huddle_all_ages_week: h.all_ages_week,
            icn,
            liaison: l.liaison,
            reablement_slots: l.reablement_slots,
            life_active: l.active,
            pic_slots: p.slots,
            pic_active: p.active,
            sp_referrals: sp.referrals,
            sp_active: sp.active,
            pharm_reviews: ph.reviews,
            pharm_active: ph.active,
            package_starts,
            care_home_places,
            custom: s.custom.iter().map(|c| custom::capacity(&pl, c)).collect(),
        }
    }
}

impl Schedule {
    /// The first week in which any capacity of `other` differs from this schedule's (`None`
    /// when none does). Week 0 when the practices' huddle start weeks or a declared service's
    /// weeks of operation differ at all: the event-driven engine's bounds read whether a
    /// practice or service ever starts, from the first week on.
    pub fn first_difference(&self, other: &Schedule) -> Option<usize> {
        let weeks = self.icn.len() / self.localities.max(1);
        if self.localities != other.localities
            || self.practice_start_week != other.practice_start_week
            || self.custom.len() != other.custom.len()
            || self
                .custom
                .iter()
                .zip(&other.custom)
                .any(|(a, b)| a.key != b.key || a.active != b.active)
        {
            return Some(0);
        }
        let nl = self.localities;
        let np = self.practice_start_week.len();
        // Weekly and per-practice values must agree week by week; a changed all-ages week
        // differs from the earlier of the two.
        let mut first = weeks;
        if self.huddle_all_ages_week != other.huddle_all_ages_week {
            first = self.huddle_all_ages_week.min(other.huddle_all_ages_week) as usize;
        }
        let differs = |w: usize| -> bool {
            let row = |v: usize| w * v..(w + 1) * v;
            self.huddle_reviews[row(np)] != other.huddle_reviews[row(np)]
                || self.icn[row(nl)] != other.icn[row(nl)]
                || self.liaison[row(nl)] != other.liaison[row(nl)]
                || self.reablement_slots.levels()[row(nl)] != other.reablement_slots.levels()[row(nl)]
                || self.life_active[w] != other.life_active[w]
                || self.pic_slots.levels()[row(nl)] != other.pic_slots.levels()[row(nl)]
                || self.pic_active[w] != other.pic_active[w]
                || self.sp_referrals[row(nl)] != other.sp_referrals[row(nl)]
                || self.sp_active[row(nl)] != other.sp_active[row(nl)]
                || self.pharm_reviews[row(nl)] != other.pharm_reviews[row(nl)]
                || self.pharm_active[w] != other.pharm_active[w]
                || self.package_starts[row(nl)] != other.package_starts[row(nl)]
                || self.care_home_places[row(nl)] != other.care_home_places[row(nl)]
                || self
                    .custom
                    .iter()
                    .zip(&other.custom)
                    .any(|(a, b)| a.capacity.levels()[row(nl)] != b.capacity.levels()[row(nl)])
        };
        if let Some(w) = (0..first).find(|&w| differs(w)) {
            first = w;
        }
        (first < weeks).then_some(first)
    }
}

/// What every service's capacity schedule is built from: the run's weeks, the place's
/// localities and their population and need shares, and the scenario's scale.
#[derive(Debug)]
pub struct Planner<'a> {
    /// The place.
    pub place: &'a Place,
    /// Start date of each week of the run.
    pub dates: Vec<Date>,
    /// Number of localities.
    pub localities: usize,
    /// The scenario's scale (agents per resident).
    pub scale: f64,
    population_share: Vec<f64>,
    need_share: Vec<f64>,
}

impl<'a> Planner<'a> {
    /// The planner of a scenario on a place over its calendar.
    pub fn new(scenario: &Scenario, place: &'a Place, cal: &RunCalendar) -> Planner<'a> {
        Planner {
            place,
            dates: (0..cal.weeks).map(|w| cal.week_start(w)).collect(),
            localities: place.n_localities(),
            scale: scenario.scale,
            population_share: normalise(&place.locality_population()),
            need_share: normalise(&place.locality_need()),
        }
    }

    /// A per-locality quantity on `date`: a borough total shared by population (or by need,
    /// from `from`, when `alloc` is need), or the values given per locality.
    pub fn split(&self, q: &PerLocality, alloc: Allocation, from: Date, date: Date) -> Vec<f64> {
        match q {
            PerLocality::Total(t) => {
                let w = if alloc == Allocation::Need && date >= from {
                    &self.need_share
                } else {
                    &self.population_share
                };
                w.iter().map(|x| x * t).collect()
            }
            PerLocality::Each(map) => self
                .place
                .locality_keys()
                .iter()
                .map(|k| map.get(*k).copied().unwrap_or(0.0))
                .collect(),
        }
    }

    /// A per-locality quantity on `date` under a service's rollout: shared as [`Planner::split`]
    /// does, × the rollout's ramp and multiplier × scale.
    pub fn rolled_out(
        &self,
        q: &PerLocality,
        alloc: Allocation,
        from: Date,
        rollout: &Rollout,
        date: Date,
    ) -> Vec<f64> {
        scaled(self.split(q, alloc, from, date), ramp(rollout, date) * self.scale)
    }

    /// `v` times `f`.
    pub fn scaled(&self, v: Vec<f64>, f: f64) -> Vec<f64> {
        scaled(v, f)
    }

    /// A flow capacity per `[week][locality]` from a fractional weekly level (cumulative floor).
    pub fn flow(&self, per_week: impl Fn(Date) -> Vec<f64>) -> Vec<u32> {
        flow(&self.dates, self.localities, per_week)
    }

    /// A stock capacity per `[week][locality]` from a fractional level (see [`Places`]).
    pub fn stock(&self, level: impl Fn(Date) -> Vec<f64>) -> Places {
        stock(&self.dates, self.localities, level)
    }

    /// Whether a service with rollout `r` operates, per week.
    pub fn active(&self, r: &Rollout) -> Vec<bool> {
        self.dates.iter().map(|&d| active(r, d)).collect()
    }

    /// Index of the week starting on `d` (0 if none).
    pub fn week_index(&self, d: Date) -> usize {
        week_index(&self.dates, d)
    }

    /// The first week whose Sunday is on or after `day` (`u32::MAX` if none).
    pub fn first_week_on_or_after(&self, day: Date) -> u32 {
        first_week_on_or_after(&self.dates, day)
    }
}

fn week_index(dates: &[Date], d: Date) -> usize {
    dates.iter().position(|&x| x == d).unwrap_or(0)
}

fn first_week_on_or_after(dates: &[Date], day: Date) -> u32 {
    dates
        .iter()
        .position(|&d| d.add_days(6) >= day)
        .map_or(u32::MAX, |w| w as u32)
}

fn normalise(v: &[f64]) -> Vec<f64> {
    let t: f64 = v.iter().sum();
    v.iter().map(|x| if t > 0.0 { x / t } else { 0.0 }).collect()
}

fn scaled(v: Vec<f64>, f: f64) -> Vec<f64> {
    v.into_iter().map(|x| x * f).collect()
}

/// Whether a service operates on `date` (enabled and started).
pub fn active(r: &Rollout, date: Date) -> bool {
    r.enabled && date.add_days(6) >= r.start
}

/// The capacity multiplier in force on `date`.
pub fn multiplier(r: &Rollout, date: Date) -> f64 {
    multiplier_in_force(r, r.capacity_multiplier, date)
}

/// `m` on and after the rollout's `capacity_multiplier_from` (the week containing it), 1.0
/// before: how any of a service's capacity multipliers takes effect.
pub fn multiplier_in_force(r: &Rollout, m: f64, date: Date) -> f64 {
    if date.add_days(6) >= r.capacity_multiplier_from {
        m
    } else {
        1.0
    }
}

/// Share of full capacity on `date`: 0 before the start, rising linearly to 1 at `full_by`,
/// times the capacity multiplier.
pub fn ramp(r: &Rollout, date: Date) -> f64 {
    if !active(r, date) {
        return 0.0;
    }
    let span = f64::from(r.full_by.days() - r.start.days());
    let into = f64::from(date.add_days(6).days() - r.start.days());
    let f = if span <= 0.0 {
        1.0
    } else {
        ((into + 1.0) / (span + 1.0)).clamp(0.0, 1.0)
    };
    f * multiplier(r, date)
}

fn flow(dates: &[Date], nl: usize, per_week: impl Fn(Date) -> Vec<f64>) -> Vec<u32> {
    let mut out = vec![0u32; dates.len() * nl];
    let mut carry = vec![0.0f64; nl];
    for (w, &d) in dates.iter().enumerate() {
        for (l, c) in per_week(d).into_iter().enumerate() {
            let before = carry[l].floor();
            carry[l] += c.max(0.0);
            out[w * nl + l] = (carry[l].floor() - before) as u32;
        }
    }
    out
}

fn stock(dates: &[Date], nl: usize, level: impl Fn(Date) -> Vec<f64>) -> Places {
    let mut out = vec![0.0; dates.len() * nl];
    for (w, &d) in dates.iter().enumerate() {
        for (l, c) in level(d).into_iter().enumerate() {
            // A level beyond what any caseload could reach is capped (places are u32).
            out[w * nl + l] = c.clamp(0.0, 1e9);
        }
    }
    Places(out)
}
