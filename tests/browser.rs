//! The report in a real browser: headless Chromium renders `report.html` to a screenshot that
//! must not be blank, and the rendered page must have its headings and every chart.
//!
//! Needs Chromium (`chromium`, `chromium-browser` or `google-chrome` on PATH, or
//! `PLACESIM_CHROMIUM`). `.ci/run` installs Debian's `chromium` and sets
//! `PLACESIM_REQUIRE_BROWSER=1`, so in CI a missing browser fails the test; elsewhere it is
//! skipped with a message.

// Saying that the test was skipped is the point of the message.
#![allow(clippy::print_stderr)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("PLACESIM_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// Flags for a closed network and a root user (see the machine notes in the README).
fn headless(browser: &Path, profile: &Path) -> Command {
    let mut c = Command::new(browser);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--window-size=1200,3000",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

/// Chromium, or `None` after saying the test is skipped; a missing browser fails the test when
/// `PLACESIM_REQUIRE_BROWSER` is set (as in CI).
fn browser_or_skip() -> Option<PathBuf> {
    let browser = chromium();
    if browser.is_none() {
        assert!(
            std::env::var_os("PLACESIM_REQUIRE_BROWSER").is_none(),
            "PLACESIM_REQUIRE_BROWSER is set but no Chromium was found"
        );
        eprintln!("skipped: no Chromium on PATH (set PLACESIM_CHROMIUM or install chromium)");
    }
    browser
}

/// The DOM of the page at `url` as headless Chromium built it.
fn dump_dom(browser: &Path, url: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let o = headless(browser, profile.path())
        .arg("--dump-dom")
        .arg(url)
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn the_report_renders_in_headless_chromium_with_headings_and_charts() {
    let Some(browser) = browser_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<_> = ["baseline.toml", "icn-plus-rollout.toml"]
        .iter()
        .map(|file| common::small_file(dir.path(), file, 0.02))
        .collect();
    let out = dir.path().join("cmp");
    let o = common::bin()
        .args(["compare", paths[0].to_str().unwrap(), paths[1].to_str().unwrap()])
        .args(["--replicates", "2", "--quiet", "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let charts: Vec<PathBuf> = std::fs::read_dir(out.join("plots"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "svg"))
        .collect();
    assert!(charts.len() >= 10, "{charts:?}");
    for svg in &charts {
        let text = std::fs::read_to_string(svg).unwrap();
        roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", svg.display()));
    }

    let report = out.join("report.html");
    let url = format!("file://{}", report.display());
    let shot = dir.path().join("report.png");
    let profile = tempfile::tempdir().unwrap();
    let o = headless(&browser, profile.path())
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&url)
        .output()
        .unwrap();
    assert!(shot.is_file(), "no screenshot: {}", String::from_utf8_lossy(&o.stderr));
    let img = image::open(&shot).unwrap().to_rgb8();
    assert_eq!((img.width(), img.height()), (1200, 3000));
    let inked = img.pixels().filter(|p| p.0 != [255, 255, 255]).count();
    let share = inked as f64 / f64::from(img.width() * img.height());
    assert!(share > 0.03, "the screenshot is blank ({share:.4} inked)");
    let mut colours: Vec<[u8; 3]> = img.pixels().map(|p| p.0).collect();
    colours.sort_unstable();
    colours.dedup();
    assert!(colours.len() > 50, "only {} colours: charts not drawn?", colours.len());

    // The DOM as Chromium built it: headings present, every chart an inline SVG.
    let dom = dump_dom(&browser, &url);
    for heading in [
        "Options appraisal: icn-plus-rollout against baseline",
        ">Summary</h2>",
        ">Comparison of options</h2>",
        ">From claim to model</h2>",
        "→ attribution of counted patients",
        "id=\"chart-claim_to_model_bridge\"",
        ">Charts</h2>",
        ">Calibration</h2>",
        ">Localities</h2>",
        ">Capacity and waits</h2>",
        "id=\"chart-service_occupancy\"",
        "id=\"chart-waiting_times\"",
        ">Assumptions</h2>",
        ">Reproducibility</h2>",
    ] {
        assert!(dom.contains(heading), "rendered page lacks {heading:?}");
    }
    assert_eq!(dom.matches("<svg").count(), charts.len());
}

#[test]
fn the_believe_report_renders_its_section_and_chart_in_headless_chromium() {
    let Some(browser) = browser_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // The shipped claims at a small scale and few evaluations (the fits' numbers do not matter
    // here, only that the section and its chart render).
    let shipped = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("data/claims.toml")).unwrap();
    let claims = dir.path().join("claims.toml");
    let text = shipped
        .replace("scale = 0.1 ", "scale = 0.02 ")
        .replace("replicates = 4 ", "replicates = 1 ")
        .replace("max_evals = 24 ", "max_evals = 2 ");
    assert!(text.contains("max_evals = 2 "));
    std::fs::write(&claims, text).unwrap();
    let out = dir.path().join("believe");
    let o = common::believe_cli(&claims, &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let url = format!("file://{}", out.join("report.html").display());
    let dom = dump_dom(&browser, &url);
    for part in [
        ">What you would have to believe</h2>",
        "Huddle care-plan effect alone:",
        "id=\"chart-what_you_would_have_to_believe\"",
        ">Capacity and waits</h2>",
    ] {
        assert!(dom.contains(part), "rendered page lacks {part:?}");
    }
}

#[test]
fn the_psa_report_renders_its_summary_and_five_kinds_of_chart_in_headless_chromium() {
    let Some(browser) = browser_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let base = common::small_file(dir.path(), "baseline.toml", 0.02);
    let option = common::small_file(dir.path(), "life-expansion.toml", 0.02);
    let psa = dir.path().join("psa");
    let o = common::bin()
        .args(["psa", base.to_str().unwrap(), option.to_str().unwrap()])
        .args(["--draws", "20", "--replicates", "2", "--sobol", "2", "--from", "2019"])
        .args(["--quiet", "--out", psa.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let tornado = dir.path().join("tornado");
    let o = common::bin()
        .args(["tornado", base.to_str().unwrap(), option.to_str().unwrap()])
        .args([
            "--replicates",
            "1",
            "--from",
            "2019",
            "--quiet",
            "--out",
            tornado.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for (folder, parts) in [
        (
            &psa,
            vec![
                ">Summary for the board</h2>",
                "probability that it is cost-effective against baseline",
                ">Cost-effectiveness plane</h2>",
                ">Cost-effectiveness acceptability curves</h2>",
                ">Value of resolving each uncertainty (EVPPI)</h2>",
                ">Sobol indices: which parameters drive the outcomes</h2>",
                ">Uncertain parameters</h2>",
            ],
        ),
        (
            &tornado,
            vec![">Tornado: net saving (GBP)</h2>", ">Tornado: admissions avoided</h2>"],
        ),
    ] {
        for svg in std::fs::read_dir(folder.join("plots"))
            .unwrap()
            .map(|e| e.unwrap().path())
        {
            if svg.extension().is_some_and(|e| e == "svg") {
                let text = std::fs::read_to_string(&svg).unwrap();
                roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", svg.display()));
            }
        }
        let dom = dump_dom(&browser, &format!("file://{}", folder.join("report.html").display()));
        for part in parts {
            assert!(dom.contains(part), "rendered page lacks {part:?}");
        }
    }
}
