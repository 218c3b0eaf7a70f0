//! A tiny constructed run for the output tests: two localities, three weeks spanning two
//! financial years, two replicates, and a simple cost model.

use super::{CostModel, ScenarioView};
use crate::analysis::costs::CostCategory;
use crate::calendar::Date;
use crate::results::{breakdown_cell, Catalog, Metric, RunCalendar, Tally, N_METRICS};
use std::sync::OnceLock;

/// The catalogue of the fixture: the built-in services.
pub(crate) fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(Catalog::builtin)
}

/// £100 per A&E attendance and £10 per home-care client week.
pub(crate) struct TestCosts;

impl CostModel for TestCosts {
    fn costs(&self, raw: &dyn Fn(usize) -> f64) -> Vec<f64> {
        let mut out = vec![0.0; catalog().n_costs()];
        out[CostCategory::Ae as usize] = raw(Metric::AeAttendances as usize) * 100.0;
        out[CostCategory::HomeCare as usize] = raw(Metric::HomeCareClients as usize) * 10.0;
        out[CostCategory::Total as usize] = out[CostCategory::Ae as usize] + out[CostCategory::HomeCare as usize];
        out
    }
    /// Expected avoided activity passed through; £1 per expected admission avoided.
    fn values(&self, _raw: &dyn Fn(usize) -> f64, avoided: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; catalog().n_values()];
        for k in 0..avoided.len() / 2 {
            out[3 * k] = avoided[2 * k];
            out[3 * k + 1] = avoided[2 * k + 1];
            out[3 * k + 2] = avoided[2 * k + 1];
        }
        out
    }
    fn price_base(&self) -> &str {
        "2018/19"
    }
}

pub(crate) struct Fixture {
    pub tallies: Vec<Tally>,
    pub calendar: RunCalendar,
}

/// Weeks starting 2019-03-25 (FY2018/19), 2019-04-01 and 2019-04-08 (FY2019/20).
///
/// Replicate 0: south, week 2: 3 home-care clients; FY2019/20, north, quintile 2, 75-84,
/// female: population 7 (summed over 2 weeks), deaths 4, home-care client weeks 6.
/// Replicate 1: north, week 1: 5 A&E attendances; same cell: population 8, deaths 2.
pub(crate) fn fixture() -> Fixture {
    let calendar = RunCalendar::new(Date::parse("2019-03-25").unwrap(), Date::parse("2019-04-14").unwrap());
    assert_eq!(calendar.weeks, 3);
    assert_eq!(calendar.weeks_in_fy, vec![1, 2]);
    let cell = breakdown_cell(1, 3, 0);
    let mut tallies = Vec::new();
    for (r, (pop, deaths)) in [(7, 4), (8, 2)].into_iter().enumerate() {
        let mut t = Tally::new(3, 2, 2, catalog());
        if r == 0 {
            t.weekly_row_mut(2, 1)[Metric::HomeCareClients as usize] = 3;
        } else {
            t.weekly_row_mut(1, 0)[Metric::AeAttendances as usize] = 5;
        }
        let block = t.annual_block_mut(1, 0);
        block[cell * N_METRICS + Metric::Population as usize] = pop;
        block[cell * N_METRICS + Metric::Deaths as usize] = deaths;
        if r == 0 {
            block[cell * N_METRICS + Metric::HomeCareClients as usize] = 6;
        }
        tallies.push(t);
    }
    Fixture { tallies, calendar }
}

pub(crate) fn view<'a>(calendar: &'a RunCalendar, tallies: &'a [Tally]) -> ScenarioView<'a> {
    ScenarioView {
        name: "test",
        description: "a constructed run",
        start: calendar.start,
        end: Date::parse("2019-04-14").unwrap(),
        scale: 0.5,
        files: &[],
        place_origin: "test:place",
        place_sha256: "00",
        localities: vec!["north", "south"],
        locality_names: vec!["North", "South"],
        calendar,
        catalog: catalog(),
        replicates: tallies,
        costs: Box::new(TestCosts),
        milestones: vec![crate::scenario::Milestone {
            label: "huddles start".into(),
            date: Date::parse("2019-04-01").unwrap(),
        }],
        parameters: vec![("model.crisis_rate_scale".into(), "1".into())],
        assumptions: Vec::new(),
    }
}
