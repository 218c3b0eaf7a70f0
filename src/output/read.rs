//! Reading a run folder back (for `placesim plot` and `placesim report`): the manifest, the
//! series, the summaries and, when present, the comparison and the calibration targets.
//!
//! Charts and the report are drawn from the files alone, so they can be redrawn at any time
//! from a folder someone sent, and what they show is exactly what the tidy files say.

use crate::calendar::Date;
use crate::error::OutputError;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One scenario as the manifest describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioMeta {
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Fraction of residents simulated.
    pub scale: f64,
    /// Service starts and changes: (label, date).
    pub milestones: Vec<(String, Date)>,
    /// Key parameters: (key, value in words).
    pub parameters: Vec<(String, String)>,
    /// Scenario files and their SHA-256.
    pub files: Vec<(String, String)>,
    /// Locality keys and names from the place (`east_croydon`, `East Croydon`).
    pub localities: Vec<(String, String)>,
}

/// A row of `series.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesPoint {
    /// Scenario.
    pub scenario: String,
    /// Series name.
    pub metric: String,
    /// Group.
    pub group: String,
    /// `quarter` or `year`.
    pub resolution: String,
    /// Period label.
    pub period: String,
    /// First day of the period.
    pub start: Date,
    /// Unit.
    pub unit: String,
    /// Mean, 2.5th and 97.5th percentiles (NaN when missing).
    pub mean: f64,
    /// See `mean`.
    pub lo: f64,
    /// See `mean`.
    pub hi: f64,
}

/// A row of `summary.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryPoint {
    /// Scenario.
    pub scenario: String,
    /// `FY2019/20` or `total`.
    pub period: String,
    /// Metric or cost category.
    pub metric: String,
    /// Unit.
    pub unit: String,
    /// Mean across replicates.
    pub mean: f64,
    /// 2.5th percentile.
    pub lo: f64,
    /// 97.5th percentile.
    pub hi: f64,
}

/// A row of `comparison.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct ComparisonPoint {
    /// Option (or the base, for its own levels).
    pub option: String,
    /// `level`, `difference` or `vs_base`.
    pub kind: String,
    /// Metric.
    pub metric: String,
    /// Group.
    pub group: String,
    /// Period.
    pub period: String,
    /// Unit.
    pub unit: String,
    /// Mean (ratio of means for ratios).
    pub mean: f64,
    /// 2.5th percentile of the paired values.
    pub lo: f64,
    /// 97.5th percentile of the paired values.
    pub hi: f64,
}

/// The comparison block of the manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct ComparisonMeta {
    /// Base scenario.
    pub base: String,
    /// Options in order.
    pub options: Vec<String>,
    /// First and last financial year of the appraisal window.
    pub window: (i32, i32),
}

/// A row of `targets.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetPoint {
    /// Identifier.
    pub id: String,
    /// Name in words.
    pub name: String,
    /// Period.
    pub period: String,
    /// Unit.
    pub unit: String,
    /// Observed value.
    pub observed: f64,
    /// Accepted band, lower end.
    pub lo: f64,
    /// Accepted band, upper end.
    pub hi: f64,
    /// Simulated mean.
    pub sim_mean: f64,
    /// Simulated 2.5th percentile.
    pub sim_lo: f64,
    /// Simulated 97.5th percentile.
    pub sim_hi: f64,
    /// Whether the simulated mean is in the band.
    pub pass: bool,
    /// Source of the observed value.
    pub source: String,
}

/// A sourced figure from the manifest's assumptions.
#[derive(Debug, Clone, PartialEq)]
pub struct AssumptionRow {
    /// `costs.ae_attendance` etc.
    pub key: String,
    /// Value as written.
    pub value: String,
    /// Unit.
    pub unit: String,
    /// Year or price base.
    pub year: String,
    /// Full source citation.
    pub source: String,
    /// Confidence.
    pub confidence: String,
}

/// Everything charts and the report read from a run folder.
#[derive(Debug, Clone)]
pub struct RunFolder {
    /// The folder.
    pub path: PathBuf,
    /// The manifest, as parsed.
    pub manifest: Value,
    /// Scenarios in run order (base first for a comparison).
    pub scenarios: Vec<ScenarioMeta>,
    /// Locality keys (from the series' groups, in file order).
    pub localities: Vec<String>,
    /// `series.csv`.
    pub series: Vec<SeriesPoint>,
    /// `summary.csv`.
    pub summary: Vec<SummaryPoint>,
    /// `comparison.csv` and the manifest's comparison block, for a comparison folder.
    pub comparison: Option<(ComparisonMeta, Vec<ComparisonPoint>)>,
    /// `targets.csv`, when the folder has one.
    pub targets: Option<Vec<TargetPoint>>,
    /// Place figures behind the economics.
    pub assumptions: Vec<AssumptionRow>,
    series_index: BTreeMap<SeriesKey, Vec<usize>>,
}

/// (scenario, metric, group, resolution).
type SeriesKey = (String, String, String, String);

impl RunFolder {
    /// Points of one series (scenario, metric, group, `quarter` or `year`), in period order.
    pub fn series_of(&self, scenario: &str, metric: &str, group: &str, resolution: &str) -> Vec<&SeriesPoint> {
        self.series_index
            .get(&(
                scenario.to_string(),
                metric.to_string(),
                group.to_string(),
                resolution.to_string(),
            ))
            .map(|ix| ix.iter().map(|&i| &self.series[i]).collect())
            .unwrap_or_default()
    }

    /// A row of the comparison.
    pub fn comparison_row(
        &self,
        option: &str,
        kind: &str,
        metric: &str,
        group: &str,
        period: &str,
    ) -> Option<&ComparisonPoint> {
        self.comparison.as_ref().and_then(|(_, rows)| {
            rows.iter().find(|r| {
                r.option == option && r.kind == kind && r.metric == metric && r.group == group && r.period == period
            })
        })
    }

    /// The place's name for a locality key (the key itself when the manifest has none).
    pub fn locality_name(&self, key: &str) -> String {
        self.scenarios
            .iter()
            .flat_map(|s| &s.localities)
            .find(|(k, _)| k == key)
            .map_or_else(|| key.to_string(), |(_, name)| name.clone())
    }

    /// Scenario names in order.
    pub fn scenario_names(&self) -> Vec<&str> {
        self.scenarios.iter().map(|s| s.name.as_str()).collect()
    }
}

/// Splits one CSV line into fields (RFC 4180 quoting; no line breaks inside fields, which the
/// writers never produce).
pub(crate) fn split_csv(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
        } else if c == '"' && at_start {
            quoted = true;
            at_start = false;
        } else if c == ',' {
            fields.push(std::mem::take(&mut field));
            at_start = true;
        } else {
            field.push(c);
            at_start = false;
        }
    }
    if quoted {
        return Err("unterminated quoted field".into());
    }
    fields.push(field);
    Ok(fields)
}

/// A CSV file as rows of named fields; checks the header has every `needed` column.
struct Csv {
    path: PathBuf,
    columns: Vec<String>,
    rows: Vec<(usize, Vec<String>)>,
}

impl Csv {
    fn read(path: &Path, needed: &[&str]) -> Result<Csv, OutputError> {
        let bad = |line, message: String| OutputError::BadRunFile {
            path: path.to_path_buf(),
            line,
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| bad(0, format!("cannot read: {e}")))?;
        let mut lines = text.lines().enumerate();
        let columns = match lines.next() {
            Some((_, h)) => split_csv(h).map_err(|m| bad(1, m))?,
            None => return Err(bad(1, "the file is empty (expected a header line)".into())),
        };
        for n in needed {
            if !columns.iter().any(|c| c == n) {
                return Err(bad(1, format!("the header has no `{n}` column")));
            }
        }
        let mut rows = Vec::new();
        for (i, line) in lines {
            if line.is_empty() {
                continue;
            }
            let fields = split_csv(line).map_err(|m| bad(i + 1, m))?;
            if fields.len() != columns.len() {
                return Err(bad(
                    i + 1,
                    format!("{} fields where the header has {}", fields.len(), columns.len()),
                ));
            }
            rows.push((i + 1, fields));
        }
        Ok(Csv {
            path: path.to_path_buf(),
            columns,
            rows,
        })
    }

    fn col(&self, name: &str) -> usize {
        self.columns.iter().position(|c| c == name).expect("checked in read")
    }

    /// A numeric field; empty means missing (NaN).
    fn num(&self, line: usize, row: &[String], name: &str) -> Result<f64, OutputError> {
        let text = &row[self.col(name)];
        if text.is_empty() {
            return Ok(f64::NAN);
        }
        text.parse::<f64>().map_err(|_| OutputError::BadRunFile {
            path: self.path.clone(),
            line,
            message: format!("column `{name}`: `{text}` is not a number"),
        })
    }

    fn text(&self, row: &[String], name: &str) -> String {
        row[self.col(name)].clone()
    }
}

fn date_of(path: &Path, line: usize, text: &str) -> Result<Date, OutputError> {
    Date::parse(text).ok_or_else(|| OutputError::BadRunFile {
        path: path.to_path_buf(),
        line,
        message: format!("`{text}` is not a YYYY-MM-DD date"),
    })
}

/// Reads a run folder written by `placesim run` or `placesim compare`.
pub fn read_run_folder(path: &Path) -> Result<RunFolder, OutputError> {
    let not_run = |reason: String| OutputError::NotARunFolder {
        path: path.to_path_buf(),
        reason,
    };
    if !path.is_dir() {
        return Err(not_run("no such folder".into()));
    }
    let manifest_path = path.join("manifest.json");
    let text = std::fs::read_to_string(&manifest_path).map_err(|_| not_run("it has no manifest.json".into()))?;
    let manifest: Value = serde_json::from_str(&text).map_err(|e| OutputError::BadRunFile {
        path: manifest_path.clone(),
        line: e.line(),
        message: format!("not valid JSON: {e}"),
    })?;
    let bad_manifest = |message: String| OutputError::BadRunFile {
        path: manifest_path.clone(),
        line: 0,
        message,
    };
    let str_of = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let mut scenarios = Vec::new();
    for s in manifest["scenarios"]
        .as_array()
        .ok_or_else(|| bad_manifest("no `scenarios` list".into()))?
    {
        let milestones = s["milestones"]
            .as_array()
            .map(|ms| {
                ms.iter()
                    .filter_map(|m| Some((str_of(&m["label"]), Date::parse(m["date"].as_str()?)?)))
                    .collect()
            })
            .unwrap_or_default();
        let parameters = s["parameters"]
            .as_array()
            .map(|ps| ps.iter().map(|p| (str_of(&p["key"]), str_of(&p["value"]))).collect())
            .unwrap_or_default();
        let files = s["files"]
            .as_array()
            .map(|fs| fs.iter().map(|f| (str_of(&f["path"]), str_of(&f["sha256"]))).collect())
            .unwrap_or_default();
        let keys = s["localities"].as_array().cloned().unwrap_or_default();
        let names = s["locality_names"].as_array().cloned().unwrap_or_default();
        let localities = keys
            .iter()
            .enumerate()
            .map(|(i, k)| (str_of(k), names.get(i).map_or_else(|| str_of(k), str_of)))
            .collect();
        scenarios.push(ScenarioMeta {
            localities,
            name: str_of(&s["name"]),
            description: str_of(&s["description"]),
            scale: s["scale"].as_f64().unwrap_or(f64::NAN),
            milestones,
            parameters,
            files,
        });
    }
    if scenarios.is_empty() {
        return Err(bad_manifest("the `scenarios` list is empty".into()));
    }
    let assumptions = manifest["assumptions"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| AssumptionRow {
                    key: str_of(&x["key"]),
                    value: str_of(&x["value"]),
                    unit: str_of(&x["unit"]),
                    year: str_of(&x["year"]),
                    source: str_of(&x["source"]),
                    confidence: str_of(&x["confidence"]),
                })
                .collect()
        })
        .unwrap_or_default();

    // series.csv (required: the charts over time need it).
    let series_path = path.join("series.csv");
    if !series_path.is_file() {
        return Err(not_run(
            "it has no series.csv (folders written before placesim 0.1 series support cannot be plotted; run again)"
                .into(),
        ));
    }
    let csv = Csv::read(
        &series_path,
        &[
            "scenario",
            "metric",
            "group",
            "resolution",
            "period",
            "period_start",
            "unit",
            "mean",
            "lo",
            "hi",
        ],
    )?;
    let series = csv
        .rows
        .iter()
        .map(|(line, row)| {
            Ok(SeriesPoint {
                scenario: csv.text(row, "scenario"),
                metric: csv.text(row, "metric"),
                group: csv.text(row, "group"),
                resolution: csv.text(row, "resolution"),
                period: csv.text(row, "period"),
                start: date_of(&series_path, *line, &row[csv.col("period_start")])?,
                unit: csv.text(row, "unit"),
                mean: csv.num(*line, row, "mean")?,
                lo: csv.num(*line, row, "lo")?,
                hi: csv.num(*line, row, "hi")?,
            })
        })
        .collect::<Result<Vec<_>, OutputError>>()?;

    let summary_path = path.join("summary.csv");
    let csv = Csv::read(
        &summary_path,
        &["scenario", "period", "metric", "unit", "mean", "lo", "hi"],
    )?;
    let summary = csv
        .rows
        .iter()
        .map(|(line, row)| {
            Ok(SummaryPoint {
                scenario: csv.text(row, "scenario"),
                period: csv.text(row, "period"),
                metric: csv.text(row, "metric"),
                unit: csv.text(row, "unit"),
                mean: csv.num(*line, row, "mean")?,
                lo: csv.num(*line, row, "lo")?,
                hi: csv.num(*line, row, "hi")?,
            })
        })
        .collect::<Result<Vec<_>, OutputError>>()?;

    let comparison_path = path.join("comparison.csv");
    let comparison = if comparison_path.is_file() {
        let c = &manifest["comparison"];
        let meta = ComparisonMeta {
            base: str_of(&c["base"]),
            options: c["options"]
                .as_array()
                .map(|o| o.iter().map(str_of).collect())
                .unwrap_or_default(),
            window: (
                c["window"]["from_fy"].as_i64().unwrap_or(0) as i32,
                c["window"]["to_fy"].as_i64().unwrap_or(0) as i32,
            ),
        };
        if meta.base.is_empty() || meta.options.is_empty() {
            return Err(bad_manifest(
                "comparison.csv is present but the manifest has no `comparison` block with a base and options".into(),
            ));
        }
        let csv = Csv::read(&comparison_path, &super::compare::COMPARISON_COLUMNS[..9])?;
        let rows = csv
            .rows
            .iter()
            .map(|(line, row)| {
                Ok(ComparisonPoint {
                    option: csv.text(row, "option"),
                    kind: csv.text(row, "comparison"),
                    metric: csv.text(row, "metric"),
                    group: csv.text(row, "group"),
                    period: csv.text(row, "period"),
                    unit: csv.text(row, "unit"),
                    mean: csv.num(*line, row, "mean")?,
                    lo: csv.num(*line, row, "lo")?,
                    hi: csv.num(*line, row, "hi")?,
                })
            })
            .collect::<Result<Vec<_>, OutputError>>()?;
        Some((meta, rows))
    } else {
        None
    };

    let targets_path = path.join("targets.csv");
    let targets = if targets_path.is_file() {
        let csv = Csv::read(
            &targets_path,
            &[
                "id",
                "name",
                "period",
                "unit",
                "observed",
                "lo",
                "hi",
                "simulated_mean",
                "simulated_lo",
                "simulated_hi",
                "pass",
                "source",
            ],
        )?;
        Some(
            csv.rows
                .iter()
                .map(|(line, row)| {
                    Ok(TargetPoint {
                        id: csv.text(row, "id"),
                        name: csv.text(row, "name"),
                        period: csv.text(row, "period"),
                        unit: csv.text(row, "unit"),
                        observed: csv.num(*line, row, "observed")?,
                        lo: csv.num(*line, row, "lo")?,
                        hi: csv.num(*line, row, "hi")?,
                        sim_mean: csv.num(*line, row, "simulated_mean")?,
                        sim_lo: csv.num(*line, row, "simulated_lo")?,
                        sim_hi: csv.num(*line, row, "simulated_hi")?,
                        pass: csv.text(row, "pass") == "true",
                        source: csv.text(row, "source"),
                    })
                })
                .collect::<Result<Vec<_>, OutputError>>()?,
        )
    } else {
        None
    };

    Ok(RunFolder::from_parts(
        path.to_path_buf(),
        manifest,
        scenarios,
        series,
        summary,
        comparison,
        targets,
        assumptions,
    ))
}

impl RunFolder {
    /// A run folder from its parts (as read, or built by tests); indexes the series and lists
    /// the localities (series groups other than `all` and the fifths, in file order).
    #[allow(clippy::too_many_arguments)]
    pub fn from_parts(
        path: PathBuf,
        manifest: Value,
        scenarios: Vec<ScenarioMeta>,
        series: Vec<SeriesPoint>,
        summary: Vec<SummaryPoint>,
        comparison: Option<(ComparisonMeta, Vec<ComparisonPoint>)>,
        targets: Option<Vec<TargetPoint>>,
        assumptions: Vec<AssumptionRow>,
    ) -> RunFolder {
        let mut localities: Vec<String> = Vec::new();
        let mut series_index: BTreeMap<SeriesKey, Vec<usize>> = BTreeMap::new();
        for (i, p) in series.iter().enumerate() {
            if p.group != "all" && !p.group.starts_with("fifth_") && !localities.contains(&p.group) {
                localities.push(p.group.clone());
            }
            series_index
                .entry((
                    p.scenario.clone(),
                    p.metric.clone(),
                    p.group.clone(),
                    p.resolution.clone(),
                ))
                .or_default()
                .push(i);
        }
        for ix in series_index.values_mut() {
            ix.sort_by_key(|&i| series[i].start);
        }
        RunFolder {
            path,
            manifest,
            scenarios,
            localities,
            series,
            summary,
            comparison,
            targets,
            assumptions,
            series_index,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_lines_split_on_commas_outside_quotes() {
        assert_eq!(split_csv("a,b,,c").unwrap(), ["a", "b", "", "c"]);
        assert_eq!(
            split_csv("x,\"per 1,000\",\"say \"\"hi\"\"\"").unwrap(),
            ["x", "per 1,000", "say \"hi\""]
        );
        assert!(split_csv("a,\"open").is_err());
    }

    #[test]
    fn a_folder_without_a_manifest_is_not_a_run_folder() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_run_folder(dir.path()).unwrap_err();
        assert!(matches!(err, OutputError::NotARunFolder { .. }), "{err}");
        assert!(err.is_bad_input());
        assert!(err.to_string().contains("manifest.json"), "{err}");
    }
}
