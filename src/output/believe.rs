//! "What you would have to believe" tables (`believe.csv`, `believe_claims.csv`,
//! `believe.json`): for each fit of a claims file ([`crate::calibration::believe`]), the value of
//! every effect against its evidence range, and each claim at those values.

use super::targets::finite;
use super::{csv_bool, csv_field, csv_number};
use crate::calibration::believe::{Belief, Claims};
use crate::place::Place;
use std::io::{self, Write};

/// Columns of `believe.csv`.
pub const BELIEVE_COLUMNS: &str = "fit,parameter,label,value,moved,search_lo,search_hi,evidence_figure,evidence_low,evidence_central,evidence_high,within_evidence,claims_reproduced,distance,evaluations,evidence_source";

/// Columns of `believe_claims.csv`.
pub const BELIEVE_CLAIM_COLUMNS: &str =
    "fit,claim,name,period,unit,claimed,lo,hi,simulated_mean,simulated_lo,simulated_hi,reproduced,replicates,source";

/// A number as written: shortest round-trip form with a decimal point, empty when not finite.
fn num(v: f64) -> String {
    csv_number(v)
}

/// Writes `believe.csv`: one row per fit and effect. `within_evidence` is empty where the
/// place has no evidence range for the effect.
pub fn write_believe_csv(w: &mut dyn Write, claims: &Claims, beliefs: &[Belief], place: &Place) -> io::Result<()> {
    writeln!(w, "{BELIEVE_COLUMNS}")?;
    for b in beliefs {
        for (i, e) in claims.effect.iter().enumerate() {
            let ev = e.evidence(place);
            let v = b.values[i];
            let within = ev.as_ref().map_or(String::new(), |ev| {
                csv_bool(v >= ev.low - 1e-12 && v <= ev.high + 1e-12).to_string()
            });
            writeln!(
                w,
                "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                csv_field(&b.name(claims)),
                csv_field(&e.key),
                csv_field(&e.label),
                num(v),
                csv_bool(b.moved(i)),
                num(e.lo),
                num(e.hi),
                csv_field(ev.as_ref().map_or("", |x| x.figure.as_str())),
                ev.as_ref().map_or(String::new(), |x| num(x.low)),
                ev.as_ref().map_or(String::new(), |x| num(x.central)),
                ev.as_ref().map_or(String::new(), |x| num(x.high)),
                within,
                csv_bool(b.reproduced()),
                num(b.distance),
                b.evaluations,
                csv_field(ev.as_ref().map_or("", |x| x.source.as_str())),
            )?;
        }
    }
    Ok(())
}

/// Writes `believe_claims.csv`: one row per fit and claim.
pub fn write_believe_claims_csv(w: &mut dyn Write, claims: &Claims, beliefs: &[Belief]) -> io::Result<()> {
    writeln!(w, "{BELIEVE_CLAIM_COLUMNS}")?;
    for b in beliefs {
        for r in &b.claims {
            let t = &r.target;
            writeln!(
                w,
                "{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                csv_field(&b.name(claims)),
                csv_field(&t.id),
                csv_field(&t.name),
                csv_field(&t.period),
                csv_field(&t.unit),
                num(t.observed),
                num(t.lo),
                num(t.hi),
                num(r.simulated.mean),
                num(r.simulated.lo),
                num(r.simulated.hi),
                csv_bool(r.pass),
                r.values.len(),
                csv_field(&t.source),
            )?;
        }
    }
    Ok(())
}

/// Writes `believe.json`: the settings of the fits and every fit with its effects and claims.
pub fn write_believe_json(
    w: &mut dyn Write,
    claims: &Claims,
    beliefs: &[Belief],
    place: &Place,
    meta: serde_json::Value,
) -> io::Result<()> {
    let fits: Vec<serde_json::Value> = beliefs
        .iter()
        .map(|b| {
            let effects: Vec<serde_json::Value> = claims
                .effect
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    let ev = e.evidence(place);
                    serde_json::json!({
                        "key": e.key, "label": e.label, "value": finite(b.values[i]), "moved": b.moved(i),
                        "search": [e.lo, e.hi],
                        "evidence": ev.map(|x| serde_json::json!({
                            "figure": x.figure, "low": x.low, "central": x.central, "high": x.high, "source": x.source,
                        })),
                    })
                })
                .collect();
            let claim_rows: Vec<serde_json::Value> = b
                .claims
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.target.id, "claimed": r.target.observed, "band": [r.target.lo, r.target.hi],
                        "simulated": { "mean": finite(r.simulated.mean), "lo": finite(r.simulated.lo), "hi": finite(r.simulated.hi) },
                        "reproduced": r.pass,
                    })
                })
                .collect();
            serde_json::json!({
                "fit": b.name(claims), "distance": finite(b.distance), "evaluations": b.evaluations,
                "claims_reproduced": b.reproduced(), "effects": effects, "claims": claim_rows,
            })
        })
        .collect();
    let settings = serde_json::json!({
        "scale": claims.scale, "replicates": claims.replicates, "seed": claims.seed,
        "end": claims.end, "max_evals": claims.max_evals,
    });
    serde_json::to_writer_pretty(
        &mut *w,
        &serde_json::json!({ "meta": meta, "settings": settings, "fits": fits }),
    )?;
    writeln!(w)
}
