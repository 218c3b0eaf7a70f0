//! "What you would have to believe" (`placesim believe`): a planted effect is recovered from
//! the claim it produces, and the command writes its tables, chart and report section, or
//! refuses a bad claims file with exit status 2 naming it.

mod common;

use placesim::calibration::believe::{believe, parse_claims, FitKind};
use placesim::calibration::fit;
use placesim::place::Place;

/// A claims file with one claim (65+ admissions in FY2019/20, its value filled in later) and
/// one effect, LIFE liaison's diversion probability, searched over 0.05 to 0.95.
const CLAIMS: &str = r#"
scale = 0.05
replicates = 2
seed = 7
end = "2020-03-31"
max_evals = 30

[[claim]]
id = "admissions_65plus_fy2019"
name = "Emergency admissions of residents 65+, FY2019/20"
definition = "Emergency admissions of residents aged 65+ in FY2019/20."
unit = "admissions"
period = "FY2019/20"
observed = 1.0
lo = 0.0
hi = 2.0
source = "planted by the test"
weight = 1.0
compute = { kind = "annual_sum", metric = "emergency_admissions", fy = 2019, min_age = 65 }

[[effect]]
key = "services.life.divert_probability"
label = "LIFE liaison diversion"
lo = 0.05
hi = 0.95
"#;

#[test]
fn a_planted_diversion_probability_is_recovered_from_the_claim_it_produces() {
    let place = Place::croydon();
    let base = common::small("baseline.toml", 0.05, "2020-03-31");
    let mut claims = parse_claims(CLAIMS, "test claims", &place).unwrap();
    // The claim is what the model itself gives with a diversion probability of 0.5 on the
    // fits' own replicates: the fit must find 0.5 again, starting from the scenario's value.
    let planted = 0.5;
    let setup = fit::Setup {
        scale: claims.scale,
        replicates: claims.replicates,
        seed: claims.seed,
        end: claims.end.clone(),
        max_evals: 1,
        targets: vec![],
        parameter: vec![fit::FreeParameter {
            key: claims.effect[0].key.clone(),
            lo: 0.05,
            hi: 0.95,
            start: planted,
        }],
    };
    let at = fit::evaluate_at(&base, &setup, &claims.claim, &[planted], 1).unwrap();
    let v = at[0].simulated.mean;
    assert!(v > 100.0, "{v}");
    let claim = &mut claims.claim[0];
    (claim.observed, claim.lo, claim.hi) = (v, 0.99 * v, 1.01 * v);

    let beliefs = believe(&base, &claims, 1, |_, _| {}).unwrap();
    assert_eq!(
        beliefs.len(),
        2,
        "as modelled and the one effect alone (no joint fit of one)"
    );
    let now = fit::parameter_value(&base, "services.life.divert_probability").unwrap();
    assert_eq!(beliefs[0].kind, FitKind::AsModelled);
    assert_eq!(beliefs[0].values, [now]);
    assert!(
        !beliefs[0].reproduced(),
        "the scenario's own diversion is {now}, far from the planted one"
    );
    let alone = &beliefs[1];
    assert_eq!(alone.kind, FitKind::Alone(0));
    assert!(
        (alone.values[0] - planted).abs() < 0.05,
        "recovered {} for a planted {planted}",
        alone.values[0]
    );
    assert!(alone.reproduced(), "{:?}", alone.claims[0].simulated);
}

#[test]
fn believe_writes_its_tables_chart_and_report_section() {
    let dir = tempfile::tempdir().unwrap();
    let claims = dir.path().join("claims.toml");
    let text = CLAIMS
        .replace("scale = 0.05", "scale = 0.02")
        .replace("replicates = 2", "replicates = 1")
        .replace("max_evals = 30", "max_evals = 3")
        .replace("end = \"2020-03-31\"", "end = \"2019-06-30\"")
        .replace("fy = 2019", "fy = 2018")
        + "\n[[effect]]\nkey = \"services.huddles.effect\"\nlabel = \"Huddle care-plan effect\"\nlo = -0.1\nhi = 0.95\nevidence = \"effects.huddle_crisis_change\"\nevidence_sign = -1\n";
    std::fs::write(&claims, text).unwrap();
    let out = dir.path().join("believe");
    let o = common::believe_cli(&claims, &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("Huddle care-plan effect alone: claims"), "{stdout}");
    let table = std::fs::read_to_string(out.join("believe.csv")).unwrap();
    // As modelled, each effect alone, and jointly: four fits of two effects.
    assert_eq!(table.lines().count(), 1 + 4 * 2, "{table}");
    assert!(table.lines().any(|l| l.starts_with("joint,services.huddles.effect,")));
    assert!(
        table.contains("effects.huddle_crisis_change,-0.1,0.03,0.14,"),
        "{table}"
    );
    let claims_table = std::fs::read_to_string(out.join("believe_claims.csv")).unwrap();
    assert_eq!(claims_table.lines().count(), 1 + 4);
    assert!(out.join("plots/what_you_would_have_to_believe.svg").is_file());
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("id=\"believe\"") && html.contains("Huddle care-plan effect alone:"));
}

#[test]
fn a_bad_claims_file_is_bad_input_naming_it_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let claims = dir.path().join("claims.toml");
    std::fs::write(&claims, CLAIMS.replace("lo = 0.05", "lo = 0.96")).unwrap();
    let out = dir.path().join("believe");
    let o = common::believe_cli(&claims, &out);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("claims.toml") && err.contains("need finite lo < hi"),
        "{err}"
    );
    assert!(!out.exists());
    let missing = common::believe_cli(&dir.path().join("nope.toml"), &out);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("nope.toml"));
}
