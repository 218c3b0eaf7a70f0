//! `manifest.json`: what was run, how, and what was written, plus the metric and cost
//! catalogues (and the declared services, when the run has any) so a run folder explains
//! itself.

use super::{RunInfo, ScenarioView, WrittenFile};
use crate::analysis::compare::Comparison;
use crate::results::{Catalog, MetricKind};
use serde_json::{json, Value};
use std::io::{self, Write};

/// The git commit placesim was built from, when the build could find one.
pub const GIT_COMMIT: Option<&str> = option_env!("PLACESIM_GIT_HASH");

/// The manifest of a run (or, with `comparison`, of a comparison) whose data files are `written`.
pub(crate) fn manifest(
    run: &RunInfo,
    views: &[ScenarioView<'_>],
    written: &[WrittenFile],
    comparison: Option<&Comparison>,
) -> Value {
    let price_base = views.first().map(|v| v.costs.price_base().to_string());
    let scenarios: Vec<Value> = views
        .iter()
        .map(|v| {
            json!({
                "name": v.name,
                "description": v.description,
                "start": v.start.to_string(),
                "end": v.end.to_string(),
                "scale": v.scale,
                "units": {
                    "counts": "residents",
                    "residents_per_agent": 1.0 / v.scale,
                    "note": "every count, stock, cost and QALY in the data files is in residents: the simulated agents' values × residents_per_agent (1 / scale); huddle_practice_weeks counts the place's practices, which are not sampled",
                },
                "weeks": v.calendar.weeks,
                "localities": v.localities,
                "locality_names": v.locality_names,
                "price_base": v.costs.price_base(),
                "place": {"origin": v.place_origin, "sha256": v.place_sha256},
                "milestones": v.milestones.iter().map(|m| json!({"label": m.label, "date": m.date.to_string()})).collect::<Vec<_>>(),
                "parameters": v.parameters.iter().map(|(k, val)| json!({"key": k, "value": val})).collect::<Vec<_>>(),
                "files": v.files.iter().map(|f| json!({"path": f.path.display().to_string(), "sha256": f.sha256})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let builtin = Catalog::builtin();
    let catalog = views.first().map_or(&builtin, |v| v.catalog);
    let metrics: Vec<Value> = catalog
        .metrics()
        .iter()
        .map(|m| {
            json!({
                "name": m.name,
                "unit": m.unit,
                "kind": match m.kind { MetricKind::Count => "count", MetricKind::Stock => "stock" },
                "description": m.description,
            })
        })
        .collect();
    let unit = format!("GBP ({})", price_base.as_deref().unwrap_or("unknown price base"));
    let costs: Vec<Value> = catalog
        .cost_categories()
        .iter()
        .map(|c| json!({"name": c.name, "unit": unit, "description": c.description}))
        .collect();
    let mut m = json!({
        "placesim_version": env!("CARGO_PKG_VERSION"),
        "git_commit": GIT_COMMIT,
        "command_line": run.command_line,
        "started_utc": run.started_utc,
        "wall_seconds": run.wall_seconds,
        "seed": run.seed,
        "replicates": run.replicates,
        "threads": run.threads,
        "detail": run.detail.name(),
        "format": run.format.name(),
        "price_base": price_base,
        "scenarios": scenarios,
        "outputs": written.iter().map(|f| json!({"file": f.name, "sha256": f.sha256, "bytes": f.bytes})).collect::<Vec<_>>(),
        "metrics": metrics,
        "cost_categories": costs,
        "assumptions": views.first().map(|v| v.assumptions.iter().map(|a| json!({
            "key": a.key, "value": a.value, "unit": a.unit, "year": a.year, "source_key": a.source_key,
            "source": a.source, "confidence": a.confidence, "note": a.note,
        })).collect::<Vec<_>>()),
    });
    // Declared services, only when there are some (so folders without them are unchanged):
    // what the reader rebuilds the run's catalogue from.
    if !catalog.is_builtin() {
        m["custom_services"] = catalog
            .custom_services()
            .iter()
            .map(|s| json!({"key": s.key, "label": s.label}))
            .collect();
    }
    if let Some(c) = comparison {
        m["comparison"] = json!({
            "base": c.base,
            "options": c.options,
            "window": {"from_fy": c.window.0, "to_fy": c.window.1},
            "discount_rate_costs": c.conventions.discount_costs,
            "discount_rate_qalys": c.conventions.discount_qalys,
            "qaly_thresholds": c.conventions.thresholds,
            "cash_releasing_share": c.conventions.cash_releasing_share,
            "claim_package_weeks": c.conventions.claim_package_weeks,
        });
    }
    m
}

pub(crate) fn write(w: &mut dyn Write, manifest: &Value) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, manifest)?;
    writeln!(w)
}
