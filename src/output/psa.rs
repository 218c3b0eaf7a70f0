//! The outputs of `placesim psa` and `placesim tornado` (issue 15): tidy CSV files, the board
//! summary in plain English, `manifest.json` (written last, every data file with its SHA-256),
//! and the charts (`plots/*.svg` and `.png`) and `report.html`, drawn from the CSV files read
//! back from the folder (invariant 12), never from the results in memory.
//!
//! Files of a PSA folder: `psa_parameters.csv` (each parameter's distribution and source),
//! `psa_draw_values.csv` (each draw's coordinate and value of each parameter, in the base),
//! `psa_draws.csv` (each draw's outcomes per option, mean and standard error over its
//! replicates; also `psa_draws.parquet`, typed, unless the format is CSV), `psa_variance.csv` (the analysis-of-variance split), `psa_ceac.csv`
//! (acceptability curves and frontier), `psa_evpi.csv`, `psa_evppi.csv`, `psa_sobol.csv` (when
//! a design was run), `psa_summary.txt`. A tornado folder: `psa_parameters.csv`,
//! `tornado.csv`, `tornado_summary.txt`.

use super::dir::OutDir;
use super::parquet::ParquetSink;
use super::plot::{BarSeries, Chart, ChartFile, LegendEntry, LegendMark, Panel, PanelBody, TimeLine, WaterfallRow};
use super::rows::{CsvSink, Field, Kind, RowSink, Table};
use super::{csv_bool, csv_field, csv_number, Format, OutputError, WrittenFile};
use crate::psa::{column_ends, Psa, Summary, Tornado, OUTCOMES};
use crate::uncertainty::{ParameterSet, Target};
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;

/// What the manifest says about the command that made the folder.
#[derive(Debug, Clone)]
pub struct Info {
    /// `psa` or `tornado`.
    pub kind: &'static str,
    /// The command line.
    pub command_line: Vec<String>,
    /// Start time (UTC, ISO 8601).
    pub started_utc: String,
    /// Wall-clock seconds.
    pub wall_seconds: f64,
    /// Master seed.
    pub seed: u64,
    /// Draws (0 for a tornado).
    pub draws: usize,
    /// Rows of the Sobol design (0 = none).
    pub sobol_rows: usize,
    /// Replicates per point.
    pub replicates: u32,
    /// Worker threads.
    pub threads: usize,
    /// Scenario names, the base first.
    pub scenarios: Vec<String>,
    /// The scenario files and their SHA-256.
    pub files: Vec<(String, String)>,
    /// The place's origin and SHA-256.
    pub place: (String, String),
    /// Scale of the runs.
    pub scale: f64,
    /// The file formats of the tables: `psa_draws.csv` always, and `psa_draws.parquet` unless
    /// [`Format::Csv`] (a tornado writes CSV only: [`Format::Csv`]).
    pub format: Format,
}

/// A number as written: shortest round-trip form with a decimal point, empty when not finite.
fn num(v: f64) -> String {
    csv_number(v)
}

fn target_name(t: &Target) -> &'static str {
    match t {
        Target::Scenario(_) => "scenario_key",
        Target::Place(_) => "place_figure",
        Target::PlaceSection(_) => "place_section_multiplier",
    }
}

fn write_parameters(w: &mut dyn Write, set: &ParameterSet, scenarios: &[String]) -> io::Result<()> {
    writeln!(
        w,
        "column,parameter,target,scenario,family,distribution,central,low,high,u_low,u_high,group,source"
    )?;
    for (c, col) in set.columns.iter().enumerate() {
        let (ulo, uhi) = column_ends(set, c);
        for &i in &col.members {
            let p = &set.parameters[i];
            for (s, d) in p.by_scenario.iter().enumerate() {
                let Some(d) = d else { continue };
                writeln!(
                    w,
                    "{},{},{},{},{},{},{},{},{},{},{},{},{}",
                    csv_field(&col.name),
                    csv_field(&p.name),
                    target_name(&p.target),
                    csv_field(&scenarios[s]),
                    d.family.name(),
                    csv_field(&d.describe()),
                    num(d.central),
                    num(d.low),
                    num(d.high),
                    num(ulo),
                    num(uhi),
                    csv_field(&p.group),
                    csv_field(&p.source)
                )?;
            }
        }
    }
    Ok(())
}

/// Columns and types of `psa_draws`: the design, its column and row, the option, then each
/// outcome's mean and standard error over the point's replicates, and the population.
pub(crate) fn psa_draws_table() -> Table {
    let mut columns: Vec<(String, Kind)> = vec![
        ("design".into(), Kind::Category),
        ("column".into(), Kind::Category),
        ("row".into(), Kind::Int),
        ("option".into(), Kind::Category),
    ];
    for o in OUTCOMES {
        columns.push((o.to_string(), Kind::Number));
        columns.push((format!("{o}_se"), Kind::Number));
    }
    columns.push(("population".into(), Kind::Number));
    Table::of(columns.iter().map(|(name, kind)| (name.as_str(), *kind)))
}

/// The rows of `psa_draws`: each draw, then (with a Sobol design) the rows of its matrix B and
/// of each column's AB matrix, one row per option.
fn psa_draws_rows(sink: &mut dyn RowSink, psa: &Psa) -> io::Result<()> {
    let mut rows: Vec<(&str, &str, usize, &crate::psa::PointResult)> =
        psa.draws.iter().enumerate().map(|(d, p)| ("draw", "", d, p)).collect();
    if let Some(design) = &psa.sobol {
        rows.extend(design.b.iter().enumerate().map(|(i, p)| ("sobol_b", "", i, p)));
        for (j, col) in design.ab.iter().enumerate() {
            let column = psa.set.columns[j].name.as_str();
            rows.extend(col.iter().enumerate().map(|(i, p)| ("sobol_ab", column, i, p)));
        }
    }
    let mut numbers: Vec<String> = Vec::with_capacity(2 * OUTCOMES.len() + 1);
    for (design, column, row, p) in rows {
        for (o, name) in psa.options.iter().enumerate() {
            numbers.clear();
            for k in 0..OUTCOMES.len() {
                numbers.push(num(p.options[o].mean[k]));
                numbers.push(num(p.options[o].se[k]));
            }
            numbers.push(num(p.population));
            let mut fields = vec![
                Field::Text(design),
                Field::Text(column),
                Field::Int(row as i64),
                Field::Text(name),
            ];
            fields.extend(numbers.iter().map(|n| Field::Number(n)));
            sink.row(&fields)?;
        }
    }
    sink.finish()
}

/// Writes a PSA's data files (not the manifest) and returns them.
pub fn write_psa(dir: &OutDir, info: &Info, psa: &Psa, summary: &Summary) -> Result<Vec<WrittenFile>, OutputError> {
    let mut out = Vec::new();
    out.push(dir.write_data_file("psa_parameters.csv", |w| write_parameters(w, &psa.set, &info.scenarios))?);
    out.push(dir.write_data_file("psa_draw_values.csv", |w| {
        writeln!(w, "draw,parameter,u,value")?;
        for (d, draw) in psa.draws.iter().enumerate() {
            for (c, col) in psa.set.columns.iter().enumerate() {
                for &i in &col.members {
                    writeln!(
                        w,
                        "{d},{},{},{}",
                        csv_field(&psa.set.parameters[i].name),
                        num(draw.u[c]),
                        num(draw.values[i])
                    )?;
                }
            }
        }
        Ok(())
    })?);
    out.push(dir.write_data_file("psa_draws.csv", |w| {
        psa_draws_rows(&mut CsvSink::new(w, &psa_draws_table())?, psa)
    })?);
    if info.format.parquet() {
        out.push(dir.write_data_file("psa_draws.parquet", |w| {
            psa_draws_rows(&mut ParquetSink::new(w, &psa_draws_table())?, psa)
        })?);
    }
    out.push(dir.write_data_file("psa_variance.csv", |w| {
        writeln!(
            w,
            "option,outcome,mean,variance_total,variance_parameters,variance_monte_carlo,monte_carlo_share"
        )?;
        for v in &summary.variance {
            let s = &v.split;
            writeln!(
                w,
                "{},{},{},{},{},{},{}",
                csv_field(&v.option),
                v.outcome,
                num(s.mean),
                num(s.total),
                num(s.parameters),
                num(s.monte_carlo),
                num(s.monte_carlo_share())
            )?;
        }
        Ok(())
    })?);
    out.push(dir.write_data_file("psa_ceac.csv", |w| {
        writeln!(
            w,
            "wtp,option,p_best,p_cost_effective,p_cost_effective_raw,expected_nmb,frontier"
        )?;
        for r in &summary.ceac {
            writeln!(
                w,
                "{},{},{},{},{},{},{}",
                num(r.wtp),
                csv_field(&r.option),
                num(r.p_best),
                num(r.p_cost_effective),
                num(r.p_cost_effective_raw),
                num(r.expected_nmb),
                csv_bool(r.frontier)
            )?;
        }
        Ok(())
    })?);
    out.push(dir.write_data_file("psa_evpi.csv", |w| {
        writeln!(w, "wtp,evpi_population,evpi_per_person,evpi_population_raw")?;
        for r in &summary.evpi {
            writeln!(
                w,
                "{},{},{},{}",
                num(r.wtp),
                num(r.population),
                num(r.per_person),
                num(r.population_raw)
            )?;
        }
        Ok(())
    })?);
    out.push(dir.write_data_file("psa_evppi.csv", |w| {
        writeln!(w, "column,wtp,evppi_population,evppi_per_person")?;
        for r in &summary.evppi {
            writeln!(
                w,
                "{},{},{},{}",
                csv_field(&r.column),
                num(r.wtp),
                num(r.population),
                num(r.population / summary.population)
            )?;
        }
        Ok(())
    })?);
    if !summary.sobol.is_empty() {
        out.push(dir.write_data_file("psa_sobol.csv", |w| {
            writeln!(
                w,
                "outcome,option,column,first,first_lo,first_hi,total,total_lo,total_hi"
            )?;
            for r in &summary.sobol {
                let e = &r.estimate;
                writeln!(
                    w,
                    "{},{},{},{},{},{},{},{},{}",
                    r.outcome,
                    csv_field(&r.option),
                    csv_field(&r.column),
                    num(e.index.first),
                    num(e.first_interval.0),
                    num(e.first_interval.1),
                    num(e.index.total),
                    num(e.total_interval.0),
                    num(e.total_interval.1)
                )?;
            }
            Ok(())
        })?);
    }
    let text = board_summary(info, psa, summary);
    out.push(dir.write_data_file("psa_summary.txt", |w| w.write_all(text.as_bytes()))?);
    Ok(out)
}

/// Money in words: `£1.2m`, `£35,000`.
fn money(v: f64) -> String {
    let sign = if v < 0.0 { "−" } else { "" };
    let a = v.abs();
    if a >= 1e6 {
        format!("{sign}£{:.1}m", a / 1e6)
    } else {
        let whole = format!("{:.0}", a);
        let mut grouped = String::new();
        for (i, ch) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        format!("{sign}£{grouped}")
    }
}

/// Money per person, to the penny: `£0.85`.
fn pence(v: f64) -> String {
    if v.is_nan() {
        "n/a".into()
    } else {
        format!("£{v:.2}")
    }
}

fn percent(p: f64) -> String {
    if p.is_nan() {
        "n/a".into()
    } else {
        format!("{:.0}%", 100.0 * p)
    }
}

/// The board summary: per option, the probability of being cost-effective at the place's
/// thresholds and its expected net benefit; the population EVPI; what matters most; and, where
/// Monte Carlo error dominates the draws, a caution in words.
pub fn board_summary(info: &Info, psa: &Psa, s: &Summary) -> String {
    use crate::psa::{EvppiRow, SobolRow, ADMISSIONS, NET_SAVING, NOISE_FLOOR};
    let mut t = String::new();
    let (from, to) = psa.window;
    let _ = writeln!(
        t,
        "Probabilistic sensitivity analysis: {} options against {}, FY{}/{:02} to FY{}/{:02}",
        psa.options.len(),
        psa.base,
        from,
        (from + 1) % 100,
        to,
        (to + 1) % 100
    );
    let _ = writeln!(
        t,
        "{} parameter draws (Latin hypercube, seed {}), {} replicate(s) each at scale {}, {} uncertain parameters in {} \
         draw columns; costs and QALYs discounted, NHS and social-care perspective.\n",
        psa.draws.len(),
        info.seed,
        info.replicates,
        info.scale,
        psa.set.parameters.len(),
        psa.set.columns.len()
    );
    let at = |option: &str, wtp: f64| s.ceac.iter().find(|r| r.option == option && (r.wtp - wtp).abs() < 1e-9);
    for (o, name) in psa.options.iter().enumerate() {
        let _ = write!(t, "{name}:");
        for &wtp in &psa.conventions.thresholds {
            if let Some(r) = at(name, wtp) {
                let _ = write!(
                    t,
                    " at {} per QALY the probability that it is cost-effective against {} is {} ({} in the draws as \
                     run, Monte Carlo error included; expected net monetary benefit {});",
                    money(wtp),
                    psa.base,
                    percent(r.p_cost_effective),
                    percent(r.p_cost_effective_raw),
                    money(r.expected_nmb)
                );
            }
        }
        let split = |k: usize| {
            s.variance
                .iter()
                .find(|v| v.option == *name && v.outcome == OUTCOMES[k])
        };
        if let (Some(a), Some(n)) = (split(ADMISSIONS), split(NET_SAVING)) {
            let draws: Vec<f64> = psa.draws.iter().map(|d| d.options[o].mean[ADMISSIONS]).collect();
            let (lo, hi) = spread(&draws);
            let _ = write!(
                t,
                " emergency admissions avoided over the window: {:.0} on average across draws (95% of draws {:.0} to \
                 {:.0}); net saving {} on average.",
                a.split.mean,
                lo,
                hi,
                money(n.split.mean)
            );
            let share = n.split.monte_carlo_share();
            if share > 0.5 {
                let _ = write!(
                    t,
                    " Caution: Monte Carlo error is {} of the spread of its net saving across draws, so with {} \
                     replicate(s) per draw at this scale the draws cannot separate the parameters' uncertainty (standard \
                     deviation about {}) from chance well: the truth lies between the corrected probability and the \
                     draws as run. More replicates per draw, or full scale, narrow it.",
                    percent(share),
                    info.replicates,
                    money(n.split.parameters.sqrt())
                );
            } else {
                let _ = write!(
                    t,
                    " Monte Carlo error is {} of the spread of its net saving across draws (corrected for in the first \
                     probabilities).",
                    percent(share)
                );
            }
        }
        let _ = writeln!(t);
    }
    let _ = writeln!(t);
    for &wtp in &psa.conventions.thresholds {
        if let Some(e) = s.evpi.iter().find(|e| (e.wtp - wtp).abs() < 1e-9) {
            let _ = writeln!(
                t,
                "Value of information at {} per QALY: resolving every uncertainty would be worth {} to the borough over \
                 the window (expected value of perfect information; {} per resident; {} from the draws as run, which \
                 Monte Carlo error inflates).",
                money(wtp),
                money(e.population),
                pence(e.per_person),
                money(e.population_raw)
            );
        }
    }
    if let Some(&wtp) = psa.conventions.thresholds.first() {
        let at_wtp: Vec<&EvppiRow> = s.evppi.iter().filter(|r| (r.wtp - wtp).abs() < 1e-9).collect();
        let floor = at_wtp
            .iter()
            .find(|r| r.column == NOISE_FLOOR)
            .map_or(0.0, |r| r.population);
        let mut rows: Vec<&&EvppiRow> = at_wtp
            .iter()
            .filter(|r| r.column != NOISE_FLOOR && r.population > floor)
            .collect();
        rows.sort_by(|a, b| b.population.total_cmp(&a.population));
        let top: Vec<String> = rows
            .iter()
            .take(3)
            .map(|r| format!("{} ({})", r.column, money(r.population)))
            .collect();
        if at_wtp.is_empty() {
            let _ = writeln!(
                t,
                "EVPPI was not estimated: its regression needs at least {} draws.",
                crate::psa::MIN_EVPPI_DRAWS
            );
        } else {
            let _ = writeln!(
                t,
                "EVPPI noise floor (what the regression finds in a random column the model never reads) at {} per \
                 QALY: {}.",
                money(wtp),
                money(floor)
            );
            if top.is_empty() {
                let _ = writeln!(t, "No parameter's EVPPI is above the noise floor.");
            } else {
                let _ = writeln!(
                    t,
                    "The uncertainties most worth resolving (EVPPI above the floor): {}.",
                    top.join(", ")
                );
            }
        }
    }
    if s.sobol.is_empty() {
        let _ = writeln!(
            t,
            "Sobol indices were not estimated (run with --sobol M for a design of M rows)."
        );
    } else {
        for name in &psa.options {
            let mut rows: Vec<&SobolRow> = s
                .sobol
                .iter()
                .filter(|r| {
                    r.option == *name && r.outcome == OUTCOMES[NET_SAVING] && r.estimate.index.total.is_finite()
                })
                .collect();
            rows.sort_by(|a, b| b.estimate.index.total.total_cmp(&a.estimate.index.total));
            let top: Vec<String> = rows
                .iter()
                .take(3)
                .map(|r| {
                    format!(
                        "{} ({:.2}, 95% {:.2} to {:.2})",
                        r.column, r.estimate.index.total, r.estimate.total_interval.0, r.estimate.total_interval.1
                    )
                })
                .collect();
            let _ = writeln!(
                t,
                "{name}: the parameters that drive most of its net saving's variance (total Sobol index): {}.",
                if top.is_empty() {
                    "none (it does not vary)".to_string()
                } else {
                    top.join(", ")
                }
            );
        }
    }
    t
}

/// The 2.5% and 97.5% quantiles of `v`.
fn spread(v: &[f64]) -> (f64, f64) {
    let mut s: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    s.sort_by(f64::total_cmp);
    if s.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let q = |p: f64| s[((p * (s.len() - 1) as f64).round() as usize).min(s.len() - 1)];
    (q(0.025), q(0.975))
}

/// Writes a tornado's data files (not the manifest).
pub fn write_tornado(dir: &OutDir, info: &Info, t: &Tornado) -> Result<Vec<WrittenFile>, OutputError> {
    let mut out = vec![dir.write_data_file("psa_parameters.csv", |w| write_parameters(w, &t.set, &info.scenarios))?];
    out.push(dir.write_data_file("tornado.csv", |w| {
        writeln!(
            w,
            "option,outcome,column,value_low,value_high,central,at_low,at_high,swing"
        )?;
        for (o, name) in t.options.iter().enumerate() {
            for (k, outcome) in OUTCOMES.iter().enumerate() {
                for (c, col) in t.set.columns.iter().enumerate() {
                    let (lo, hi) = &t.ends[c];
                    let first = col.members[0];
                    let (a, b) = (lo.options[o].mean[k], hi.options[o].mean[k]);
                    writeln!(
                        w,
                        "{},{outcome},{},{},{},{},{},{},{}",
                        csv_field(name),
                        csv_field(&col.name),
                        num(lo.values[first]),
                        num(hi.values[first]),
                        num(t.central.options[o].mean[k]),
                        num(a),
                        num(b),
                        num((a - b).abs())
                    )?;
                }
            }
        }
        Ok(())
    })?);
    let text = tornado_summary(t);
    out.push(dir.write_data_file("tornado_summary.txt", |w| w.write_all(text.as_bytes()))?);
    Ok(out)
}

/// The tornado in words: per option, the parameters that swing its net saving most.
pub fn tornado_summary(t: &Tornado) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "One-way sensitivity: each of {} parameter columns alone at its low and high end, the rest at their central values; \
         FY{}/{:02} to FY{}/{:02}, {} against the base.\n",
        t.set.columns.len(),
        t.window.0,
        (t.window.0 + 1) % 100,
        t.window.1,
        (t.window.1 + 1) % 100,
        t.options.join(", ")
    );
    for (o, name) in t.options.iter().enumerate() {
        for k in [crate::psa::ADMISSIONS, crate::psa::NET_SAVING] {
            let mut swings: Vec<(f64, &str, f64, f64)> = t
                .set
                .columns
                .iter()
                .zip(&t.ends)
                .map(|(c, (lo, hi))| {
                    let (a, b) = (lo.options[o].mean[k], hi.options[o].mean[k]);
                    ((a - b).abs(), c.name.as_str(), a, b)
                })
                .collect();
            swings.sort_by(|a, b| b.0.total_cmp(&a.0));
            let fmt = |v: f64| {
                if k == crate::psa::NET_SAVING {
                    money(v)
                } else {
                    format!("{v:.0}")
                }
            };
            let top: Vec<String> = swings
                .iter()
                .take(3)
                .map(|(_, n, a, b)| format!("{n} ({} at low, {} at high)", fmt(*a), fmt(*b)))
                .collect();
            let _ = writeln!(
                s,
                "{name}, {} (central {}): most sensitive to {}.",
                OUTCOMES[k].replace('_', " "),
                fmt(t.central.options[o].mean[k]),
                top.join("; ")
            );
        }
    }
    s
}

/// Writes `manifest.json` (last): the command, the run's identity and every data file with
/// its SHA-256 and size.
pub fn write_manifest(dir: &OutDir, info: &Info, written: &[WrittenFile]) -> Result<WrittenFile, OutputError> {
    let manifest = serde_json::json!({
        "placesim_version": env!("CARGO_PKG_VERSION"),
        "kind": info.kind,
        "command_line": info.command_line,
        "started_utc": info.started_utc,
        "wall_seconds": info.wall_seconds,
        "seed": info.seed,
        "draws": info.draws,
        "sobol_rows": info.sobol_rows,
        "replicates_per_point": info.replicates,
        "threads": info.threads,
        "scale": info.scale,
        "format": info.format.name(),
        "scenarios": info.scenarios,
        "scenario_files": info.files.iter().map(|(p, h)| serde_json::json!({"path": p, "sha256": h})).collect::<Vec<_>>(),
        "place": {"origin": info.place.0, "sha256": info.place.1},
        "outputs": written.iter().map(|f| serde_json::json!({"file": f.name, "sha256": f.sha256, "bytes": f.bytes})).collect::<Vec<_>>(),
    });
    dir.write_data_file("manifest.json", |w| {
        serde_json::to_writer_pretty(&mut *w, &manifest).map_err(io::Error::other)?;
        writeln!(w)
    })
}

/// A CSV file read back: header and rows of fields (quoted fields unquoted).
struct Csv {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Csv {
    fn read(folder: &Path, name: &str) -> Result<Csv, OutputError> {
        let path = folder.join(name);
        let text = std::fs::read_to_string(&path).map_err(|source| OutputError::Write {
            path: path.clone(),
            source,
        })?;
        let mut lines = text.lines().map(split_csv);
        let header = lines.next().unwrap_or_default();
        Ok(Csv {
            header,
            rows: lines.collect(),
        })
    }

    fn col(&self, name: &str) -> usize {
        self.header.iter().position(|h| h == name).unwrap_or(usize::MAX)
    }

    fn get<'a>(&self, row: &'a [String], name: &str) -> &'a str {
        row.get(self.col(name)).map_or("", String::as_str)
    }

    fn num(&self, row: &[String], name: &str) -> f64 {
        self.get(row, name).parse().unwrap_or(f64::NAN)
    }
}

fn split_csv(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    out.push(field);
    out
}

fn legend(names: &[String], mark: LegendMark) -> Vec<LegendEntry> {
    names
        .iter()
        .enumerate()
        .map(|(i, n)| LegendEntry {
            label: n.clone(),
            colour: i + 1,
            mark,
        })
        .collect()
}

fn distinct(v: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for x in v {
        if !out.contains(&x) {
            out.push(x);
        }
    }
    out
}

/// The charts of a PSA folder, from its files.
fn psa_charts(folder: &Path) -> Result<Vec<Chart>, OutputError> {
    let draws = Csv::read(folder, "psa_draws.csv")?;
    let ceac = Csv::read(folder, "psa_ceac.csv")?;
    let evppi = Csv::read(folder, "psa_evppi.csv")?;
    let rows: Vec<&Vec<String>> = draws.rows.iter().filter(|r| draws.get(r, "design") == "draw").collect();
    let options = distinct(rows.iter().map(|r| draws.get(r, "option").to_string()));
    let wtps = distinct(ceac.rows.iter().map(|r| ceac.get(r, "wtp").to_string()));
    let thresholds: Vec<f64> = [20_000.0, 30_000.0]
        .into_iter()
        .filter(|t| {
            wtps.iter()
                .any(|w| w.parse::<f64>().is_ok_and(|x| (x - t).abs() < 1e-9))
        })
        .collect();
    let mut charts = Vec::new();
    // The cost-effectiveness plane.
    let points: Vec<(f64, f64, usize)> = rows
        .iter()
        .map(|r| {
            let o = options.iter().position(|n| n == draws.get(r, "option")).unwrap_or(0);
            (
                draws.num(r, "qalys_gained_discounted"),
                draws.num(r, "incremental_cost_discounted"),
                o + 1,
            )
        })
        .collect();
    charts.push(Chart {
        name: "ce_plane",
        title: "Cost-effectiveness plane".into(),
        subtitle: "each dot one parameter draw (its replicates' mean): discounted QALYs gained and extra cost against the base, over the window".into(),
        legend: legend(&options, LegendMark::Box),
        panels: vec![Panel {
            title: String::new(),
            x_label: "QALYs gained (discounted)".into(),
            y_label: "extra cost (GBP, discounted)".into(),
            body: PanelBody::Scatter {
                points,
                rays: thresholds.iter().map(|t| (*t, format!("£{:.0}k/QALY", t / 1000.0))).collect(),
            },
        }],
        cols: 1,
        panel_height: 420.0,
        footnotes: vec!["Below a line: cost-effective at that willingness to pay per QALY. Below zero: saves money.".into()],
    });
    // The acceptability curves (against the base) and the frontier.
    let lines = |field: &str| -> Vec<TimeLine> {
        options
            .iter()
            .enumerate()
            .map(|(i, o)| TimeLine {
                colour: i + 1,
                points: ceac
                    .rows
                    .iter()
                    .filter(|r| ceac.get(r, "option") == o)
                    .map(|r| (ceac.num(r, "wtp") / 1000.0, ceac.num(r, field), f64::NAN, f64::NAN))
                    .collect(),
            })
            .collect()
    };
    let markers: Vec<(f64, String)> = thresholds
        .iter()
        .map(|t| (t / 1000.0, format!("£{:.0}k", t / 1000.0)))
        .collect();
    charts.push(Chart {
        name: "ceac",
        title: "Cost-effectiveness acceptability curves".into(),
        subtitle: "probability that each option's net monetary benefit beats the base's (left) and that it is the best of all (right), draws corrected for Monte Carlo error".into(),
        legend: legend(&options, LegendMark::Line),
        panels: vec![
            Panel {
                title: "against the base".into(),
                x_label: "willingness to pay (£ thousand per QALY)".into(),
                y_label: "probability cost-effective".into(),
                body: PanelBody::Time {
                    lines: lines("p_cost_effective"),
                    markers: markers.clone(),
                    zero_line: true,
                },
            },
            Panel {
                title: "best of all options (the base included)".into(),
                x_label: "willingness to pay (£ thousand per QALY)".into(),
                y_label: "probability best".into(),
                body: PanelBody::Time {
                    lines: lines("p_best"),
                    markers,
                    zero_line: true,
                },
            },
        ],
        cols: 2,
        panel_height: 340.0,
        footnotes: vec![format!(
            "Frontier (highest expected net benefit) by willingness to pay: {}.",
            frontier_text(&ceac)
        )],
    });
    // EVPPI bars at the thresholds.
    let columns = distinct(evppi.rows.iter().map(|r| evppi.get(r, "column").to_string()));
    let series: Vec<BarSeries> = thresholds
        .iter()
        .enumerate()
        .map(|(i, t)| BarSeries {
            colour: i + 1,
            values: columns
                .iter()
                .map(|c| {
                    let v = evppi
                        .rows
                        .iter()
                        .find(|r| evppi.get(r, "column") == c && (evppi.num(r, "wtp") - t).abs() < 1e-9)
                        .map_or(f64::NAN, |r| evppi.num(r, "evppi_population"));
                    (v, f64::NAN, f64::NAN)
                })
                .collect(),
        })
        .collect();
    charts.push(Chart {
        name: "evppi",
        title: "Value of resolving each uncertainty (EVPPI)".into(),
        subtitle: "expected value of partial perfect information for the borough over the window, by regression (GAM) on the draws".into(),
        legend: thresholds
            .iter()
            .enumerate()
            .map(|(i, t)| LegendEntry {
                label: format!("£{:.0}k per QALY", t / 1000.0),
                colour: i + 1,
                mark: LegendMark::Box,
            })
            .collect(),
        panels: vec![Panel {
            title: String::new(),
            x_label: "parameter".into(),
            y_label: "EVPPI (GBP)".into(),
            body: PanelBody::Bars {
                categories: columns.clone(),
                series,
            },
        }],
        cols: 1,
        panel_height: 420.0,
        footnotes: Vec::new(),
    });
    if folder.join("psa_sobol.csv").is_file() {
        let sobol = Csv::read(folder, "psa_sobol.csv")?;
        let mut panels = Vec::new();
        for outcome in ["admissions_avoided", "net_saving"] {
            for o in &options {
                let pick = |field: &str, lo: &str, hi: &str| -> Vec<(f64, f64, f64)> {
                    columns
                        .iter()
                        .map(|c| {
                            sobol
                                .rows
                                .iter()
                                .find(|r| {
                                    sobol.get(r, "outcome") == outcome
                                        && sobol.get(r, "option") == o
                                        && sobol.get(r, "column") == c
                                })
                                .map_or((f64::NAN, f64::NAN, f64::NAN), |r| {
                                    (sobol.num(r, field), sobol.num(r, lo), sobol.num(r, hi))
                                })
                        })
                        .collect()
                };
                panels.push(Panel {
                    title: format!("{o}: {}", outcome.replace('_', " ")),
                    x_label: "parameter".into(),
                    y_label: "share of variance".into(),
                    body: PanelBody::Bars {
                        categories: columns.clone(),
                        series: vec![
                            BarSeries {
                                colour: 1,
                                values: pick("first", "first_lo", "first_hi"),
                            },
                            BarSeries {
                                colour: 2,
                                values: pick("total", "total_lo", "total_hi"),
                            },
                        ],
                    },
                });
            }
        }
        charts.push(Chart {
            name: "sobol",
            title: "Sobol indices: which parameters drive the outcomes".into(),
            subtitle: "first-order (alone) and total (with interactions) shares of each outcome's variance, Jansen estimators, bootstrap 95% intervals".into(),
            legend: vec![
                LegendEntry {
                    label: "first-order".into(),
                    colour: 1,
                    mark: LegendMark::Box,
                },
                LegendEntry {
                    label: "total".into(),
                    colour: 2,
                    mark: LegendMark::Box,
                },
            ],
            panels,
            cols: 1,
            panel_height: 360.0,
            footnotes: Vec::new(),
        });
    }
    Ok(charts)
}

fn frontier_text(ceac: &Csv) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut last = String::new();
    for r in ceac.rows.iter().filter(|r| ceac.get(r, "frontier") == "TRUE") {
        let o = ceac.get(r, "option").to_string();
        if o != last {
            parts.push(format!("{o} from £{:.0}k", ceac.num(r, "wtp") / 1000.0));
            last = o;
        }
    }
    parts.join(", ")
}

/// The tornado chart of a tornado folder, from its files: one panel per option, net saving.
fn tornado_charts(folder: &Path) -> Result<Vec<Chart>, OutputError> {
    let t = Csv::read(folder, "tornado.csv")?;
    let options = distinct(t.rows.iter().map(|r| t.get(r, "option").to_string()));
    let mut charts = Vec::new();
    for (name, outcome, unit) in [
        ("tornado_net_saving", "net_saving", "net saving (GBP)"),
        ("tornado_admissions", "admissions_avoided", "admissions avoided"),
    ] {
        let mut panels = Vec::new();
        for o in &options {
            let mut rows: Vec<&Vec<String>> = t
                .rows
                .iter()
                .filter(|r| t.get(r, "option") == o && t.get(r, "outcome") == outcome)
                .collect();
            rows.sort_by(|a, b| t.num(b, "swing").total_cmp(&t.num(a, "swing")));
            let mut bars = Vec::new();
            for r in rows.iter().take(12) {
                let central = t.num(r, "central");
                for (end, colour) in [("at_low", 1), ("at_high", 2)] {
                    bars.push(WaterfallRow {
                        label: format!(
                            "{} {}",
                            t.get(r, "column"),
                            if end == "at_low" { "low" } else { "high" }
                        ),
                        from: central,
                        to: t.num(r, end),
                        interval: (f64::NAN, f64::NAN),
                        colour,
                        connect: false,
                    });
                }
            }
            panels.push(Panel {
                title: o.clone(),
                x_label: unit.into(),
                y_label: String::new(),
                body: PanelBody::Waterfall { rows: bars },
            });
        }
        charts.push(Chart {
            name,
            title: format!("Tornado: {}", unit),
            subtitle:
                "each parameter alone at its low and its high end (the others central); bars from the central value"
                    .into(),
            legend: vec![
                LegendEntry {
                    label: "parameter at its low end".into(),
                    colour: 1,
                    mark: LegendMark::Box,
                },
                LegendEntry {
                    label: "parameter at its high end".into(),
                    colour: 2,
                    mark: LegendMark::Box,
                },
            ],
            panels,
            cols: 1,
            panel_height: 520.0,
            footnotes: vec!["The twelve parameters with the widest swing, widest first.".into()],
        });
    }
    Ok(charts)
}

/// Draws the charts of the folder being written (`temp`, read back from its files) into
/// `temp/plots`, and writes `temp/report.html` with them inlined and the summary text.
pub fn write_figures(temp: &Path, kind: &str, title: &str, summary: &str) -> Result<Vec<ChartFile>, OutputError> {
    let charts = if kind == "tornado" {
        tornado_charts(temp)?
    } else {
        psa_charts(temp)?
    };
    let plots = temp.join("plots");
    std::fs::create_dir_all(&plots).map_err(|source| OutputError::Write {
        path: plots.clone(),
        source,
    })?;
    let files = charts
        .iter()
        .map(|chart| super::plot::draw_chart(chart, &plots, &plots))
        .collect::<Result<Vec<_>, _>>()?;
    let html = report_html(title, summary, &files, temp, kind)?;
    let path = temp.join("report.html");
    std::fs::write(&path, html).map_err(|source| OutputError::Write { path, source })?;
    Ok(files)
}

const REPORT: &str = r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>
body{font-family:"DejaVu Sans",Arial,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#1a1a1a;line-height:1.45}
h1{font-size:1.6em}h2{margin-top:1.8em;border-bottom:1px solid #ccc}
pre{white-space:pre-wrap;background:#f6f6f6;padding:1em;border-radius:4px}
table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left}
figure{margin:1em 0}svg{max-width:100%;height:auto}
</style></head><body>
<h1>{{ title }}</h1>
<h2 id="summary">Summary for the board</h2>
<pre>{{ summary }}</pre>
{% for c in charts %}<h2 id="{{ c.name }}">{{ c.title }}</h2>
<figure>{{ c.svg }}</figure>
{% endfor %}
<h2 id="parameters">Uncertain parameters</h2>
<table><tr><th>column</th><th>parameter</th><th>scenario</th><th>distribution</th><th>source</th></tr>
{% for p in parameters %}<tr><td>{{ p[0] }}</td><td>{{ p[1] }}</td><td>{{ p[2] }}</td><td>{{ p[3] }}</td><td>{{ p[4] }}</td></tr>
{% endfor %}</table>
<p>Data files: see <code>manifest.json</code> (every file with its SHA-256). Charts: <code>plots/</code>, SVG and PNG.</p>
</body></html>
"#;

fn report_html(
    title: &str,
    summary: &str,
    charts: &[ChartFile],
    folder: &Path,
    _kind: &str,
) -> Result<String, OutputError> {
    use minijinja::{context, Environment, Value};
    let draw_err = |message: String| OutputError::Draw {
        what: "report.html".into(),
        message,
    };
    let params = Csv::read(folder, "psa_parameters.csv")?;
    let parameters: Vec<Vec<String>> = params
        .rows
        .iter()
        .map(|r| {
            ["column", "parameter", "scenario", "distribution", "source"]
                .iter()
                .map(|f| params.get(r, f).to_string())
                .collect()
        })
        .collect();
    let charts: Vec<Value> = charts
        .iter()
        .map(|c| {
            let start = c.svg_text.find("<svg").unwrap_or(0);
            context! {
                name => c.name,
                title => c.title.clone(),
                svg => Value::from_safe_string(c.svg_text[start..].to_string()),
            }
        })
        .collect();
    let mut env = Environment::new();
    env.add_template("psa.html", REPORT)
        .map_err(|e| draw_err(e.to_string()))?;
    let t = env.get_template("psa.html").map_err(|e| draw_err(e.to_string()))?;
    t.render(context! { title, summary, charts, parameters })
        .map_err(|e| draw_err(e.to_string()))
}
