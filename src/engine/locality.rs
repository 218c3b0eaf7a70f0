//! The state of one locality during a run, shared by the phases: the residents, their random
//! streams, the tallies, the service registry and each floor's lists.

use super::events::{process, Engine, Sleep};
use super::shadow::{Queue, Shadow, Vacancies};
use super::tally::LocalityTally;
use super::Setup;
use crate::model::tables::Normalisers;
use crate::population::{LocalityPop, NEVER};
use crate::rng::{ReplicateKey, Stream};
use crate::services::{Services, Shared, Week};

/// One locality during a run.
#[derive(Debug, Clone)]
pub struct LocalityRun<'a> {
    /// The scenario's precomputed tables and schedule.
    pub setup: &'a Setup,
    /// The replicate's key.
    pub key: &'a ReplicateKey,
    /// Hazard normalisers of the replicate.
    pub norms: &'a Normalisers,
    /// The tallies.
    pub tal: LocalityTally,
    /// Each resident's random stream, hashed once rather than at every draw.
    pub streams: Vec<Stream>,
    /// The services, in registry order.
    pub svc: Services<'a>,
    /// The current week.
    pub wk: Week<'a>,
    /// Week of the year (0..=51) of the current week's start.
    pub woy: u8,
    /// Residents alive now.
    pub alive: i64,
    /// Where newcomers are placed.
    pub newcomers: super::demography::Newcomers,
    /// Residents at the start of the run (the growth path's base).
    pub start_population: f64,
    /// Women aged 15-44 this week (for births).
    pub women_15_44: u32,
    /// Women aged 15-44 (as they went to sleep) among this week's visits from the calendar.
    pub women_booked: u32,
    /// This week's A&E attendances converted to admission proposals (serial order).
    pub admit: Vec<u32>,
    /// Those of `admit` diverted home by a service (sorted).
    pub diverted: Vec<u32>,
    /// Inpatients fit for discharge waiting for reablement, a package or a care home, with
    /// the days of this week left after their acute stay.
    pub waiters: [Vec<(u32, u8)>; 3],
    /// Community entries proposed this week: to a home-care package, to a care home.
    pub community_package: Vec<u32>,
    /// See `community_package`.
    pub community_care_home: Vec<u32>,
    /// Home-care packages ending this week (not by death, a care-home move or an admission).
    pub package_ends: Vec<u32>,
    /// Reablement episodes ended this week still waiting for a package or a care home.
    pub blocked: Vec<u32>,
    /// Reablement places free this week.
    pub reablement_free: Vacancies,
    /// This week's places for the package and care-home queues (indices 1 and 2; index 0 is
    /// unused): the block contracts and spot purchases, shared with the shadow.
    pub queues: [Queue; 3],
    /// The unsampled residents' demand on LIFE reablement places, new home-care packages and
    /// care-home placements, in that order (empty at scale 1; see [`super::shadow`]).
    pub shadows: [Shadow; 3],
    /// Expected arrivals from this week's admissions at the package and care-home queues
    /// (indices 1 and 2): the probability that each admission ends waiting for one, summed (a
    /// less noisy rate for the shadow than the arrivals themselves), with discharges turned to
    /// a package because LIFE was full and less reablement episodes cut short.
    pub expected_arrivals: [f64; 3],
    /// This week's sharing of the three capacities of `shadows` (the first is LIFE
    /// reablement's).
    pub sharing: [Sharing; 3],
    /// Scratch: each crisis-avoiding service's cut of the resident's crisis hazard.
    pub cuts: Vec<f64>,
    /// Scratch: each crisis-avoiding service's cut of the resident's admission probability.
    pub admission_cuts: Vec<f64>,
    /// Scratch: log-hazard shares of `cuts`.
    pub logs: Vec<f64>,
    /// Which engine runs the weeks.
    pub engine: Engine,
    /// This week's visits in serial order ([`BOOKED`] marks a resident woken from the
    /// calendar).
    pub visit: Vec<u32>,
    /// Residents to visit every week from the next week on (serial order).
    pub hot: Vec<u32>,
    /// The sleeping residents: calendar, clocks, stocks.
    pub sleep: Sleep,
    /// Scratch: whether each of this week's visits has its stocks in the sleepers' count.
    pub in_sleepers: Vec<bool>,
    /// Residents a service took on this week (its allocation step), each with the order of the
    /// start and their signature just before it: one asleep in the calendar is woken, since a
    /// service now holds them.
    pub started: Vec<(u32, u32, u64)>,
    /// First serial of this week's newcomers.
    pub first_newcomer: usize,
    /// Scratch: a resident's process bounds.
    pub q: Vec<f64>,
}

/// Marks a visit woken from the calendar in [`LocalityRun::visit`].
pub const BOOKED: u32 = 1 << 31;

impl<'a> LocalityRun<'a> {
    /// This locality's state under another scenario's set-up, from the current week on (a fork:
    /// see [`crate::engine::fork`]; the set-ups must differ only in their schedules' later weeks).
    pub fn rebind(&mut self, setup: &'a Setup) {
        self.setup = setup;
        self.wk.setup = setup;
        self.svc.rebind(setup);
    }

    /// Locality `pop` of a replicate, before its first week. The residents themselves are not
    /// held here: every phase takes them as a separate `&mut LocalityPop`, so the compiler
    /// knows their columns alias nothing else and keeps their addresses in registers.
    pub fn new(
        setup: &'a Setup,
        key: &'a ReplicateKey,
        norms: &'a Normalisers,
        pop: &LocalityPop,
        engine: Engine,
    ) -> Self {
        let cal = &setup.calendar;
        let place = &*setup.place;
        let l = usize::from(pop.locality);
        let capacity = pop.age.capacity();
        let mut svc = Services::new(setup, key, l, capacity);
        svc.fit(pop.len());
        let avoiding = svc.avoiding();
        let tal = LocalityTally::new(
            cal.weeks,
            cal.financial_years.len(),
            &place.lsoa_local_decile,
            setup.n_metrics(),
            avoiding,
        );
        let mut streams: Vec<Stream> = Vec::with_capacity(capacity);
        streams.extend((0..pop.len()).map(|i| key.agent(pop.locality, i as u32)));
        let alive = pop.alive_count() as i64;
        let n_processes = process::service(svc.len());
        // Everyone is visited in the first week, and then booked.
        let hot: Vec<u32> = (0..pop.len() as u32)
            .filter(|&i| pop.flags[i as usize] & crate::population::flag::ALIVE != 0)
            .collect();
        let mut run = LocalityRun {
            setup,
            key,
            norms,
            tal,
            streams,
            svc,
            wk: Week {
                setup,
                w: 0,
                w16: 0,
                at: 0,
                l,
            },
            woy: 0,
            alive,
            newcomers: super::demography::Newcomers::new(place, l),
            start_population: alive as f64,
            women_15_44: 0,
            women_booked: 0,
            admit: Vec::new(),
            diverted: Vec::new(),
            waiters: [Vec::new(), Vec::new(), Vec::new()],
            community_package: Vec::new(),
            package_ends: Vec::new(),
            community_care_home: Vec::new(),
            blocked: Vec::new(),
            reablement_free: Vacancies::default(),
            queues: [Queue::default(); 3],
            shadows: std::array::from_fn(|_| Shadow::new(setup.scenario.scale)),
            sharing: [Sharing::default(); 3],
            expected_arrivals: [0.0; 3],
            cuts: vec![0.0; avoiding],
            admission_cuts: vec![0.0; avoiding],
            logs: vec![0.0; avoiding],
            engine,
            visit: Vec::with_capacity(capacity),
            hot,
            sleep: Sleep::new(setup.sim_calendar.weeks, capacity),
            in_sleepers: Vec::new(),
            started: Vec::new(),
            first_newcomer: 0,
            q: vec![0.0; n_processes],
        };
        run.sleep.fit(pop.len());
        if engine == Engine::Events {
            run.sleep.start(&run.tal, &setup.tables, pop);
        }
        run
    }

    /// Starts simulated week `w`: points the tallies at its reported week (during the
    /// warm-up, at the first; everything tallied then is cleared when the first reported week
    /// begins) and clears the week's lists.
    pub fn begin_week(&mut self, w: usize) {
        let cal = &self.setup.calendar;
        let warm_up = self.setup.warm_up_weeks();
        if w == warm_up && warm_up > 0 {
            self.tal.clear();
        }
        let reported = w.saturating_sub(warm_up);
        self.tal.begin(reported, usize::from(cal.fy_of_week[reported]));
        self.wk = Week {
            setup: self.setup,
            w,
            w16: w.min(usize::from(NEVER) - 1) as u16,
            at: self.setup.schedule.at(w, self.wk.l),
            l: self.wk.l,
        };
        self.woy = self.setup.week_of_year[w];
        self.started.clear();
        self.svc.begin_week(&self.wk);
        for b in [
            &mut self.admit,
            &mut self.diverted,
            &mut self.community_package,
            &mut self.community_care_home,
            &mut self.package_ends,
            &mut self.blocked,
        ] {
            b.clear();
        }
        for b in &mut self.waiters {
            b.clear();
        }
        self.women_15_44 = 0;
        self.women_booked = 0;
        self.expected_arrivals = [0.0; 3];
    }

    /// Whether resident `i` must be visited every week from week `w` on: in hospital, waiting
    /// for a discharge outcome, or held by a service.
    pub fn must_visit(&self, pop: &LocalityPop, i: usize, w: u16) -> bool {
        pop.flags[i] & crate::population::flag::IN_HOSPITAL != 0
            || pop.need[i] != crate::population::need::ACUTE
            || self.svc.holds(i, w)
    }

    /// The parts of the run a service's allocation step may use.
    pub fn shared<'s>(&'s mut self, pop: &'s mut LocalityPop) -> (&'s mut Services<'a>, Shared<'s>) {
        (
            &mut self.svc,
            Shared {
                pop,
                tal: &mut self.tal,
                streams: &self.streams,
                reablement_free: &mut self.reablement_free,
                started: &mut self.started,
            },
        )
    }
}

/// The week's sharing of one capacity between the sampled residents and the shadow (see
/// [`super::shadow`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sharing {
    /// Places this week for either side (free places of a stock; the block contract and spot
    /// purchases of a flow).
    pub total: u32,
    /// Sampled places held at the start of the week (a stock).
    pub held: u32,
    /// Sampled places ended since the end of last week (a stock).
    pub ended: u32,
    /// Sampled places held at the end of last week (a stock).
    pub after: u32,
    /// Sampled residents who tried once for a place this week.
    pub tried: u32,
    /// Places the sampled residents took this week.
    pub used: u32,
    /// Places the shadow took this week.
    pub shadow_used: u32,
}

/// Week of the year (0..=51) of a date: days since 1 January / 7.
pub(crate) fn week_of_year(date: crate::calendar::Date) -> u8 {
    let (y, _, _) = date.ymd();
    let jan1 = crate::calendar::Date::from_ymd(y, 1, 1).map_or(0, |d| d.days());
    ((date.days() - jan1) / 7).clamp(0, 51) as u8
}
