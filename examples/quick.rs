//! Development check: one replicate of a scenario, printing borough totals by financial year.
#![allow(clippy::print_stdout)]
use placesim::calendar::financial_year_label;
use placesim::results::Metric;
use placesim::runner::{run, RunRequest, Silent};
use placesim::scenario::load_scenario;
use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut sc = load_scenario(Path::new(&args[1])).unwrap_or_else(|e| panic!("{e}"));
    if let Some(s) = args.get(2) {
        sc.scale = s.parse().unwrap();
    }
    let t0 = std::time::Instant::now();
    let res = run(
        &RunRequest {
            scenarios: vec![sc],
            replicates: 1,
            seed: 1,
            threads: 1,
        },
        &Silent,
    )
    .unwrap();
    let el = t0.elapsed().as_secs_f64();
    let s = &res.scenarios[0];
    let tally = &s.replicates[0];
    let ms = [
        Metric::Population,
        Metric::Deaths,
        Metric::Births,
        Metric::InMigrants,
        Metric::OutMigrants,
        Metric::AeAttendances,
        Metric::EmergencyAdmissions,
        Metric::AdmissionsAvoidedLife,
        Metric::LifeReferrals,
        Metric::BedDays,
        Metric::DelayedBedDays,
        Metric::Readmissions30d,
        Metric::HuddleReviews,
        Metric::HuddleCaseload,
        Metric::HuddleWaiting,
        Metric::PicStarts,
        Metric::SocialPrescribingReferrals,
        Metric::ReablementStarts,
        Metric::ReablementNoPackage,
        Metric::NewCarePackages,
        Metric::CareHomeAdmissions,
        Metric::HomeCareClients,
        Metric::CareHomeResidents,
        Metric::Llti65Plus,
        Metric::Aged65Plus,
        Metric::GpConsultations,
        Metric::DeathsInHospital,
        Metric::ReablementWaiting,
        Metric::CarePackageWaiting,
        Metric::CareHomeWaiting,
        Metric::ReablementCaseload,
        Metric::DischargesReablement,
        Metric::DischargesCarePackage,
        Metric::DischargesCareHome,
        Metric::PicCaseload,
        Metric::PicWaiting,
        Metric::SocialPrescribingWaiting,
        Metric::PharmacistReviews,
        Metric::PharmacistWaiting,
        Metric::LiaisonAssessments,
    ];
    print!("{:<28}", "metric");
    for fy in &s.calendar.financial_years {
        print!("{:>10}", &financial_year_label(*fy)[2..]);
    }
    println!();
    for m in ms {
        print!("{:<28}", m.name());
        for (k, _) in s.calendar.financial_years.iter().enumerate() {
            let v = tally.annual_total(k, m) as f64;
            let v = if m.kind() == placesim::results::MetricKind::Stock {
                v / f64::from(s.calendar.weeks_in_fy[k])
            } else {
                v
            };
            print!("{:>10.0}", v);
        }
        println!();
    }
    println!("elapsed {el:.2}s");
}
