//! Reading a run folder back (for `placesim plot` and `placesim report`): the manifest, the
//! series, the summaries and, when present, the comparison and the calibration targets.
//!
//! Charts and the report are drawn from the files alone, so they can be redrawn at any time
//! from a folder someone sent, and what they show is exactly what the tidy files say.

use super::compare::COMPARISON_COLUMNS;
use super::targets::TARGET_COLUMNS;
use super::{SERIES_COLUMNS, SUMMARY_COLUMNS};
use crate::analysis::series::series_names;
use crate::calendar::Date;
use crate::error::OutputError;
use crate::results::Catalog;
use serde_json::Value;
use sha2::{Digest, Sha256};
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
    /// The place's cash-releasing share used by the bridge (`None` in folders written before
    /// it, or when the manifest's value is not a share).
    pub cash_releasing_share: Option<f64>,
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

/// One row of `believe.csv`: an effect's value in one fit of a claims file.
#[derive(Debug, Clone, PartialEq)]
pub struct BeliefRow {
    /// `as_modelled`, `alone:<key>` or `joint`.
    pub fit: String,
    /// Scenario key of the effect.
    pub parameter: String,
    /// Name in words.
    pub label: String,
    /// Its value in this fit.
    pub value: f64,
    /// Whether this fit moved it.
    pub moved: bool,
    /// Evidence range and central value (NaN when the place has none).
    pub evidence: (f64, f64, f64),
    /// Whether the value lies within the evidence range (`None` without one).
    pub within: Option<bool>,
    /// Whether every claim is reproduced in this fit.
    pub reproduced: bool,
}

/// One row of `believe_claims.csv`: a claim evaluated in one fit.
#[derive(Debug, Clone, PartialEq)]
pub struct BeliefClaim {
    /// The fit.
    pub fit: String,
    /// Claim name.
    pub name: String,
    /// Claimed value and the band that reproduces it.
    pub claimed: (f64, f64, f64),
    /// Simulated mean, 2.5th and 97.5th percentiles.
    pub simulated: (f64, f64, f64),
    /// Whether the simulated mean lies in the band.
    pub reproduced: bool,
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
    /// The run's catalogue of services and output lines, rebuilt from the manifest's
    /// `custom_services` (the built-in one when it has none).
    pub catalog: Catalog,
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
    /// `believe.csv` and `believe_claims.csv`, when the folder was written by `placesim
    /// believe`.
    pub believe: Option<(Vec<BeliefRow>, Vec<BeliefClaim>)>,
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

/// A problem in one file of a run folder, at a 1-based line (0: the whole file, or unknown).
fn bad(path: &Path, line: usize, message: impl Into<String>) -> OutputError {
    OutputError::BadRunFile {
        path: path.to_path_buf(),
        line,
        message: message.into(),
    }
}

/// `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The bytes as text; otherwise an error naming the offset (0-based) and line of the first
/// byte that is not UTF-8.
fn utf8<'a>(path: &Path, bytes: &'a [u8]) -> Result<&'a str, OutputError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        let byte = bytes.get(at).map_or_else(String::new, |b| format!(" (0x{b:02x})"));
        bad(
            path,
            line,
            format!("not UTF-8 text: the byte at offset {at}{byte} is not valid UTF-8"),
        )
    })
}

/// A data file as the manifest lists it under `outputs`.
#[derive(Debug, Clone)]
struct Listed {
    file: String,
    sha256: String,
    bytes: u64,
}

/// What a JSON value is, in words, for type errors.
fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Typed access to the manifest, with the JSON path of a value in every error. An absent
/// value (or `null`) is the same as missing.
struct Json<'a> {
    path: &'a Path,
}

impl Json<'_> {
    fn wrong(&self, at: &str, what: &str, v: &Value) -> OutputError {
        bad(self.path, 0, format!("`{at}` must be {what}, not {}", json_kind(v)))
    }

    /// A string, empty when missing.
    fn text(&self, v: &Value, at: &str) -> Result<String, OutputError> {
        match v {
            Value::Null => Ok(String::new()),
            Value::String(s) => Ok(s.clone()),
            other => Err(self.wrong(at, "a string", other)),
        }
    }

    /// A string that must be present and not empty.
    fn name(&self, v: &Value, at: &str) -> Result<String, OutputError> {
        match v {
            Value::String(s) if !s.is_empty() => Ok(s.clone()),
            Value::String(_) => Err(bad(self.path, 0, format!("`{at}` is empty"))),
            Value::Null => Err(bad(self.path, 0, format!("`{at}` is missing"))),
            other => Err(self.wrong(at, "a string", other)),
        }
    }

    /// A list, empty when missing.
    fn list<'v>(&self, v: &'v Value, at: &str) -> Result<&'v [Value], OutputError> {
        match v {
            Value::Null => Ok(&[]),
            Value::Array(a) => Ok(a),
            other => Err(self.wrong(at, "a list", other)),
        }
    }

    /// An object (a list entry, or a block that is present).
    fn object(&self, v: &Value, at: &str) -> Result<(), OutputError> {
        match v {
            Value::Object(_) => Ok(()),
            Value::Null => Err(bad(self.path, 0, format!("`{at}` is missing"))),
            other => Err(self.wrong(at, "an object", other)),
        }
    }

    /// A financial year (`2021` for FY2021/22) in the range dates can be written in.
    fn year(&self, v: &Value, at: &str) -> Result<i32, OutputError> {
        match v.as_i64() {
            Some(y) if (1000..=9998).contains(&y) => Ok(y as i32),
            Some(y) => Err(bad(self.path, 0, format!("`{at}`: {y} is not a financial year"))),
            None if v.is_null() => Err(bad(self.path, 0, format!("`{at}` is missing"))),
            None => Err(self.wrong(at, "a whole number (a financial year)", v)),
        }
    }
}

/// Whether `name` is a plain file name inside the folder (no folder part, not `.`/`..`).
fn plain_file_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\', '\0'])
}

/// Every file the manifest lists under `outputs`, checked for shape.
fn listed_outputs(json: &Json<'_>, manifest: &Value) -> Result<Vec<Listed>, OutputError> {
    let outputs = &manifest["outputs"];
    if outputs.is_null() {
        return Err(bad(
            json.path,
            0,
            "no `outputs` list (the SHA-256 and size of each data file), so the folder's files cannot be checked; it was not written by this placesim, or was edited",
        ));
    }
    let mut listed: Vec<Listed> = Vec::new();
    for (i, entry) in json.list(outputs, "outputs")?.iter().enumerate() {
        let at = format!("outputs[{i}]");
        json.object(entry, &at)?;
        let file = json.name(&entry["file"], &format!("{at}.file"))?;
        if !plain_file_name(&file) || file == "manifest.json" {
            return Err(bad(
                json.path,
                0,
                format!("`{at}.file` is `{file}`: not a data file of this folder"),
            ));
        }
        if listed.iter().any(|l| l.file == file) {
            return Err(bad(json.path, 0, format!("`{at}.file`: `{file}` is listed twice")));
        }
        let sha256 = json.name(&entry["sha256"], &format!("{at}.sha256"))?;
        if sha256.len() != 64 || !sha256.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(bad(
                json.path,
                0,
                format!("`{at}.sha256` is not a SHA-256 (64 lowercase hexadecimal digits)"),
            ));
        }
        let bytes = match &entry["bytes"] {
            Value::Null => return Err(bad(json.path, 0, format!("`{at}.bytes` is missing"))),
            v => v
                .as_u64()
                .ok_or_else(|| json.wrong(&format!("{at}.bytes"), "a whole number of bytes", v))?,
        };
        listed.push(Listed { file, sha256, bytes });
    }
    Ok(listed)
}

/// The manifest's scenarios, checked for shape.
fn scenarios_of(json: &Json<'_>, manifest: &Value) -> Result<Vec<ScenarioMeta>, OutputError> {
    let list = &manifest["scenarios"];
    if list.is_null() {
        return Err(bad(json.path, 0, "no `scenarios` list"));
    }
    let mut scenarios: Vec<ScenarioMeta> = Vec::new();
    for (i, s) in json.list(list, "scenarios")?.iter().enumerate() {
        let at = format!("scenarios[{i}]");
        json.object(s, &at)?;
        let name = json.name(&s["name"], &format!("{at}.name"))?;
        if scenarios.iter().any(|o| o.name == name) {
            return Err(bad(
                json.path,
                0,
                format!("`{at}.name`: scenario `{name}` is listed twice"),
            ));
        }
        let mut milestones = Vec::new();
        for (j, m) in json
            .list(&s["milestones"], &format!("{at}.milestones"))?
            .iter()
            .enumerate()
        {
            let at = format!("{at}.milestones[{j}]");
            json.object(m, &at)?;
            let label = json.text(&m["label"], &format!("{at}.label"))?;
            let text = json.name(&m["date"], &format!("{at}.date"))?;
            let date = Date::parse(&text)
                .ok_or_else(|| bad(json.path, 0, format!("`{at}.date`: `{text}` is not a YYYY-MM-DD date")))?;
            milestones.push((label, date));
        }
        let mut parameters = Vec::new();
        for (j, p) in json
            .list(&s["parameters"], &format!("{at}.parameters"))?
            .iter()
            .enumerate()
        {
            let at = format!("{at}.parameters[{j}]");
            json.object(p, &at)?;
            parameters.push((
                json.text(&p["key"], &format!("{at}.key"))?,
                json.text(&p["value"], &format!("{at}.value"))?,
            ));
        }
        let mut files = Vec::new();
        for (j, f) in json.list(&s["files"], &format!("{at}.files"))?.iter().enumerate() {
            let at = format!("{at}.files[{j}]");
            json.object(f, &at)?;
            files.push((
                json.text(&f["path"], &format!("{at}.path"))?,
                json.text(&f["sha256"], &format!("{at}.sha256"))?,
            ));
        }
        let keys = json.list(&s["localities"], &format!("{at}.localities"))?;
        let names = json.list(&s["locality_names"], &format!("{at}.locality_names"))?;
        let mut localities = Vec::new();
        for (j, k) in keys.iter().enumerate() {
            let key = json.name(k, &format!("{at}.localities[{j}]"))?;
            let name = match names.get(j) {
                Some(n) => json.name(n, &format!("{at}.locality_names[{j}]"))?,
                None => key.clone(),
            };
            localities.push((key, name));
        }
        let scale = match &s["scale"] {
            Value::Null => f64::NAN,
            v => v
                .as_f64()
                .ok_or_else(|| json.wrong(&format!("{at}.scale"), "a number", v))?,
        };
        scenarios.push(ScenarioMeta {
            description: json.text(&s["description"], &format!("{at}.description"))?,
            name,
            scale,
            milestones,
            parameters,
            files,
            localities,
        });
    }
    if scenarios.is_empty() {
        return Err(bad(json.path, 0, "the `scenarios` list is empty"));
    }
    Ok(scenarios)
}

/// Whether `key` is written as placesim writes a declared service's key (`[a-z][a-z0-9_]*`).
fn service_key(key: &str) -> bool {
    key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The run's catalogue: the built-in services and the manifest's `custom_services` (key and
/// label of each declared service), checked for shape.
fn catalog_of(json: &Json<'_>, manifest: &Value) -> Result<Catalog, OutputError> {
    let mut declared: Vec<(String, String)> = Vec::new();
    for (i, s) in json
        .list(&manifest["custom_services"], "custom_services")?
        .iter()
        .enumerate()
    {
        let at = format!("custom_services[{i}]");
        json.object(s, &at)?;
        let key = json.name(&s["key"], &format!("{at}.key"))?;
        if !service_key(&key) {
            return Err(bad(
                json.path,
                0,
                format!("`{at}.key`: `{key}` is not a service key (lowercase letters, digits and _, starting with a letter)"),
            ));
        }
        if let Some(why) = Catalog::key_clash(&key) {
            return Err(bad(json.path, 0, format!("`{at}.key`: {why}")));
        }
        if declared.iter().any(|(k, _)| *k == key) {
            return Err(bad(json.path, 0, format!("`{at}.key`: `{key}` is listed twice")));
        }
        let label = json.name(&s["label"], &format!("{at}.label"))?;
        declared.push((key, label));
    }
    let pairs: Vec<(&str, &str)> = declared.iter().map(|(k, l)| (k.as_str(), l.as_str())).collect();
    Ok(Catalog::from_labels(&pairs))
}

/// The manifest's comparison block, when it has one.
fn comparison_of(
    json: &Json<'_>,
    manifest: &Value,
    scenarios: &[ScenarioMeta],
) -> Result<Option<ComparisonMeta>, OutputError> {
    let c = &manifest["comparison"];
    if c.is_null() {
        return Ok(None);
    }
    json.object(c, "comparison")?;
    let known = |name: &str, at: &str| {
        if scenarios.iter().any(|s| s.name == name) {
            Ok(())
        } else {
            Err(bad(
                json.path,
                0,
                format!("`{at}`: `{name}` is not one of the manifest's `scenarios`"),
            ))
        }
    };
    let base = json.name(&c["base"], "comparison.base")?;
    known(&base, "comparison.base")?;
    let mut options = Vec::new();
    for (i, o) in json.list(&c["options"], "comparison.options")?.iter().enumerate() {
        let at = format!("comparison.options[{i}]");
        let name = json.name(o, &at)?;
        known(&name, &at)?;
        options.push(name);
    }
    if options.is_empty() {
        return Err(bad(json.path, 0, "`comparison.options` is missing or empty"));
    }
    json.object(&c["window"], "comparison.window")?;
    let window = (
        json.year(&c["window"]["from_fy"], "comparison.window.from_fy")?,
        json.year(&c["window"]["to_fy"], "comparison.window.to_fy")?,
    );
    if window.0 > window.1 {
        return Err(bad(
            json.path,
            0,
            format!(
                "`comparison.window` runs backwards: from_fy {} is after to_fy {}",
                window.0, window.1
            ),
        ));
    }
    // Written since the claim-to-model bridge; older folders lack it (the bridge then says so).
    let cash_releasing_share = c["cash_releasing_share"].as_f64().filter(|v| (0.0..=1.0).contains(v));
    Ok(Some(ComparisonMeta {
        base,
        options,
        window,
        cash_releasing_share,
    }))
}

/// The SHA-256 of a file, read in pieces (the file may be large).
fn hash_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher)?;
    Ok(format!("{:x}", hasher.finalize()))
}

/// Checks a file's size against the manifest: before anything is read.
fn check_size(path: &Path, listed: &Listed) -> Result<(), OutputError> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(bad(
                path,
                0,
                format!(
                    "missing: manifest.json lists it under `outputs` ({} bytes)",
                    thousands(listed.bytes)
                ),
            ))
        }
        Err(e) => return Err(bad(path, 0, format!("cannot read: {e}"))),
    };
    if !meta.is_file() {
        return Err(bad(path, 0, "not a file (manifest.json lists it as a data file)"));
    }
    size_matches(path, meta.len(), listed)
}

fn size_matches(path: &Path, actual: u64, listed: &Listed) -> Result<(), OutputError> {
    if actual == listed.bytes {
        return Ok(());
    }
    let how = if actual < listed.bytes { "cut short" } else { "extended" };
    Err(bad(
        path,
        0,
        format!(
            "{how}: {} bytes where the manifest recorded {}; the file changed since placesim wrote it",
            thousands(actual),
            thousands(listed.bytes)
        ),
    ))
}

fn hash_matches(path: &Path, actual: &str, listed: &Listed) -> Result<(), OutputError> {
    if actual == listed.sha256 {
        return Ok(());
    }
    Err(bad(
        path,
        0,
        format!(
            "changed since placesim wrote it: its SHA-256 is {}… where the manifest recorded {}… (same size, different content)",
            &actual[..12.min(actual.len())],
            &listed.sha256[..12]
        ),
    ))
}

/// A CSV file whose header is exactly the columns placesim writes, as rows of fields.
struct Csv<'a> {
    path: &'a Path,
    columns: Vec<&'a str>,
    rows: Vec<(usize, Vec<String>)>,
}

/// What is wrong with a header that is not `expected`, naming the column.
fn header_problem(found: &[String], expected: &[&str]) -> Option<String> {
    for i in 0..found.len().max(expected.len()) {
        let problem = match (found.get(i), expected.get(i)) {
            (Some(f), Some(e)) if f == e => continue,
            (Some(f), Some(e)) if !expected.contains(&f.as_str()) => {
                format!(
                    "column {} is `{f}`, which placesim does not write (it writes `{e}` there)",
                    i + 1
                )
            }
            (Some(f), Some(e)) if !found.iter().any(|x| x == e) => {
                format!("the header has no `{e}` column (column {} is `{f}`)", i + 1)
            }
            (Some(f), Some(e)) => format!("column {} is `{f}` where placesim writes `{e}`", i + 1),
            (Some(f), None) => format!("extra column `{f}` (column {})", i + 1),
            (None, Some(e)) => format!("the header has no `{e}` column"),
            (None, None) => continue,
        };
        return Some(format!("{problem}; placesim writes {}", expected.join(",")));
    }
    None
}

impl<'a> Csv<'a> {
    /// Parses `bytes` (the verified contents of `path`): UTF-8, the header exactly
    /// `expected`, every line ended and with as many fields as the header, and (when
    /// `rows_required`) at least one data row.
    fn parse(path: &'a Path, bytes: &[u8], expected: &'a str, rows_required: bool) -> Result<Csv<'a>, OutputError> {
        let text = utf8(path, bytes)?;
        let columns: Vec<&str> = expected.split(',').collect();
        let mut lines = text.lines().enumerate();
        let header = match lines.next() {
            Some((_, h)) => split_csv(h).map_err(|m| bad(path, 1, m))?,
            None => return Err(bad(path, 1, "the file is empty (expected a header line)")),
        };
        if let Some(problem) = header_problem(&header, &columns) {
            return Err(bad(path, 1, problem));
        }
        let mut rows = Vec::new();
        for (i, line) in lines {
            if line.is_empty() {
                return Err(bad(path, i + 1, "empty line (placesim writes none)"));
            }
            let fields = split_csv(line).map_err(|m| bad(path, i + 1, m))?;
            if fields.len() != columns.len() {
                return Err(bad(
                    path,
                    i + 1,
                    format!("{} fields where the header has {}", fields.len(), columns.len()),
                ));
            }
            rows.push((i + 1, fields));
        }
        if !text.ends_with('\n') {
            return Err(bad(
                path,
                text.lines().count(),
                "the last line has no line ending: the file was cut short",
            ));
        }
        if rows_required && rows.is_empty() {
            return Err(bad(path, 0, "has no data rows (only the header)"));
        }
        Ok(Csv { path, columns, rows })
    }

    fn col(&self, name: &str) -> usize {
        self.columns
            .iter()
            .position(|c| *c == name)
            .expect("a column placesim writes (the header was checked)")
    }

    fn text(&self, row: &[String], name: &str) -> String {
        row[self.col(name)].clone()
    }

    fn field_error(&self, line: usize, name: &str, message: String) -> OutputError {
        bad(self.path, line, format!("column `{name}`: {message}"))
    }

    /// Any number (`NaN` and `inf` parse too; [`Csv::finite`] refuses them).
    fn number(&self, line: usize, row: &[String], name: &str) -> Result<f64, OutputError> {
        let text = &row[self.col(name)];
        text.parse::<f64>()
            .map_err(|_| self.field_error(line, name, format!("`{text}` is not a number")))
    }

    /// A finite number; empty means missing (NaN) where `empty_ok`, which is how placesim writes
    /// a missing value in these files (it never writes `NaN` or `inf` there).
    fn finite(&self, line: usize, row: &[String], name: &str, empty_ok: bool) -> Result<f64, OutputError> {
        let text = &row[self.col(name)];
        if text.is_empty() {
            return if empty_ok {
                Ok(f64::NAN)
            } else {
                Err(self.field_error(line, name, "empty where placesim always writes a number".into()))
            };
        }
        let v = self.number(line, row, name)?;
        if v.is_finite() {
            Ok(v)
        } else {
            Err(self.field_error(
                line,
                name,
                format!("`{text}` is not a finite number (placesim leaves a missing value empty)"),
            ))
        }
    }

    /// A whole number of replicates.
    fn count(&self, line: usize, row: &[String], name: &str) -> Result<u64, OutputError> {
        let text = &row[self.col(name)];
        match text.parse::<u64>() {
            Ok(n) if text.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
            _ => Err(self.field_error(line, name, format!("`{text}` is not a whole number"))),
        }
    }

    /// A field that must be one of `allowed`.
    fn one_of(&self, line: usize, row: &[String], name: &str, allowed: &[&str]) -> Result<String, OutputError> {
        let text = self.text(row, name);
        if allowed.contains(&text.as_str()) {
            Ok(text)
        } else {
            Err(self.field_error(line, name, format!("`{text}` is not one of {}", allowed.join(", "))))
        }
    }

    /// A scenario (or option) name that the manifest lists.
    fn scenario(&self, line: usize, row: &[String], name: &str, known: &[ScenarioMeta]) -> Result<String, OutputError> {
        let text = self.text(row, name);
        if known.iter().any(|s| s.name == text) {
            Ok(text)
        } else {
            Err(self.field_error(line, name, format!("`{text}` is not one of the manifest's scenarios")))
        }
    }

    fn date(&self, line: usize, row: &[String], name: &str) -> Result<Date, OutputError> {
        let text = &row[self.col(name)];
        Date::parse(text).ok_or_else(|| self.field_error(line, name, format!("`{text}` is not a YYYY-MM-DD date")))
    }
}

/// Reads a run folder written by `placesim run`, `placesim compare` or `placesim
/// validate-targets`.
///
/// Before parsing anything it verifies the folder against its manifest: every file listed under
/// `outputs` must exist with the recorded size and SHA-256, and every data file read here
/// (`series.csv`, `summary.csv`, and `comparison.csv` and `targets.csv` when present) must be
/// listed. Then each CSV must have exactly the header placesim writes, data rows where placesim
/// always writes some, and well-formed fields. Every problem is an [`OutputError`] that is bad
/// input, naming the file (and the line where one applies). Charts and the report are derived
/// outputs and are not checked.
pub fn read_run_folder(path: &Path) -> Result<RunFolder, OutputError> {
    let not_run = |reason: String| OutputError::NotARunFolder {
        path: path.to_path_buf(),
        reason,
    };
    if !path.is_dir() {
        return Err(not_run("no such folder".into()));
    }
    let manifest_path = path.join("manifest.json");
    if !manifest_path.exists() {
        return Err(not_run("it has no manifest.json".into()));
    }
    let bytes = std::fs::read(&manifest_path).map_err(|e| bad(&manifest_path, 0, format!("cannot read: {e}")))?;
    let text = utf8(&manifest_path, &bytes)?;
    let manifest: Value =
        serde_json::from_str(text).map_err(|e| bad(&manifest_path, e.line(), format!("not valid JSON: {e}")))?;
    let json = Json { path: &manifest_path };
    if !manifest.is_object() {
        return Err(bad(
            &manifest_path,
            0,
            format!("must be a JSON object, not {}", json_kind(&manifest)),
        ));
    }
    let scenarios = scenarios_of(&json, &manifest)?;
    let catalog = catalog_of(&json, &manifest)?;
    let comparison_meta = comparison_of(&json, &manifest, &scenarios)?;
    let mut assumptions = Vec::new();
    for (i, a) in json.list(&manifest["assumptions"], "assumptions")?.iter().enumerate() {
        let at = format!("assumptions[{i}]");
        json.object(a, &at)?;
        let field = |k: &str| json.text(&a[k], &format!("{at}.{k}"));
        assumptions.push(AssumptionRow {
            key: field("key")?,
            value: field("value")?,
            unit: field("unit")?,
            year: field("year")?,
            source: field("source")?,
            confidence: field("confidence")?,
        });
    }
    let listed = listed_outputs(&json, &manifest)?;

    // The data files read below: each must be listed (so it can be verified).
    let is_listed = |name: &str| listed.iter().any(|l| l.file == name);
    for name in [
        "series.csv",
        "summary.csv",
        "comparison.csv",
        "targets.csv",
        "believe.csv",
        "believe_claims.csv",
    ] {
        let file = path.join(name);
        if is_listed(name) {
            continue;
        }
        if file.exists() {
            return Err(bad(
                &file,
                0,
                "not listed in manifest.json's `outputs`, so it cannot be checked against what placesim wrote (added after the run, or written by an older placesim; run again)",
            ));
        }
        match name {
            "series.csv" => {
                return Err(not_run(
                    "it has no series.csv (folders written before placesim 0.1 series support cannot be plotted; run again)"
                        .into(),
                ))
            }
            "summary.csv" => return Err(not_run("it has no summary.csv".into())),
            "comparison.csv" if comparison_meta.is_some() => {
                return Err(bad(
                    &manifest_path,
                    0,
                    "describes a comparison (`comparison`) but the folder has no comparison.csv",
                ))
            }
            _ => {}
        }
    }
    if is_listed("comparison.csv") && comparison_meta.is_none() {
        return Err(bad(
            &manifest_path,
            0,
            "comparison.csv is present but the manifest has no `comparison` block with a base and options",
        ));
    }

    // Sizes first (cheap), then contents: the files read here are kept, the others hashed.
    for l in &listed {
        check_size(&path.join(&l.file), l)?;
    }
    let mut contents: Vec<(&str, Vec<u8>)> = Vec::new();
    for l in &listed {
        let file = path.join(&l.file);
        let unreadable = |e: std::io::Error| bad(&file, 0, format!("cannot read: {e}"));
        if [
            "series.csv",
            "summary.csv",
            "comparison.csv",
            "targets.csv",
            "believe.csv",
            "believe_claims.csv",
        ]
        .contains(&l.file.as_str())
        {
            let bytes = std::fs::read(&file).map_err(unreadable)?;
            size_matches(&file, bytes.len() as u64, l)?;
            hash_matches(&file, &format!("{:x}", Sha256::digest(&bytes)), l)?;
            contents.push((l.file.as_str(), bytes));
        } else {
            hash_matches(&file, &hash_file(&file).map_err(unreadable)?, l)?;
        }
    }
    let bytes_of = |name: &str| contents.iter().find(|(n, _)| *n == name).map(|(_, b)| b.as_slice());

    // series.csv (required: the charts over time need it).
    let series_path = path.join("series.csv");
    let csv = Csv::parse(
        &series_path,
        bytes_of("series.csv").unwrap_or_default(),
        SERIES_COLUMNS,
        true,
    )?;
    let names = series_names(&catalog);
    let series = csv
        .rows
        .iter()
        .map(|(line, row)| {
            let line = *line;
            csv.count(line, row, "replicates")?;
            let point = SeriesPoint {
                scenario: csv.scenario(line, row, "scenario", &scenarios)?,
                metric: csv.text(row, "metric"),
                group: csv.text(row, "group"),
                resolution: csv.one_of(line, row, "resolution", &["quarter", "year"])?,
                period: csv.text(row, "period"),
                start: csv.date(line, row, "period_start")?,
                unit: csv.text(row, "unit"),
                mean: csv.finite(line, row, "mean", true)?,
                lo: csv.finite(line, row, "lo", true)?,
                hi: csv.finite(line, row, "hi", true)?,
            };
            if !names.contains(&point.metric) {
                return Err(csv.field_error(
                    line,
                    "metric",
                    format!(
                        "`{}` is not a series placesim writes for this run's services",
                        point.metric
                    ),
                ));
            }
            Ok(point)
        })
        .collect::<Result<Vec<_>, OutputError>>()?;

    let summary_path = path.join("summary.csv");
    let csv = Csv::parse(
        &summary_path,
        bytes_of("summary.csv").unwrap_or_default(),
        SUMMARY_COLUMNS,
        true,
    )?;
    let summary = csv
        .rows
        .iter()
        .map(|(line, row)| {
            let line = *line;
            csv.count(line, row, "replicates")?;
            let point = SummaryPoint {
                scenario: csv.scenario(line, row, "scenario", &scenarios)?,
                period: csv.text(row, "period"),
                metric: csv.text(row, "metric"),
                unit: csv.text(row, "unit"),
                mean: csv.finite(line, row, "mean", false)?,
                lo: csv.finite(line, row, "lo", false)?,
                hi: csv.finite(line, row, "hi", false)?,
            };
            let known = catalog.metric_index(&point.metric).is_some()
                || catalog.cost_categories().iter().any(|c| c.name == point.metric);
            if !known {
                return Err(csv.field_error(
                    line,
                    "metric",
                    format!(
                        "`{}` is not a metric or cost category of this run (its manifest's services)",
                        point.metric
                    ),
                ));
            }
            Ok(point)
        })
        .collect::<Result<Vec<_>, OutputError>>()?;

    let comparison = match (comparison_meta, bytes_of("comparison.csv")) {
        (Some(meta), Some(bytes)) => {
            let comparison_path = path.join("comparison.csv");
            let header = COMPARISON_COLUMNS.join(",");
            let csv = Csv::parse(&comparison_path, bytes, &header, true)?;
            let rows = csv
                .rows
                .iter()
                .map(|(line, row)| {
                    let line = *line;
                    csv.count(line, row, "replicates")?;
                    for name in ["base_mean", "option_mean", "unpaired_lo", "unpaired_hi"] {
                        csv.finite(line, row, name, true)?;
                    }
                    Ok(ComparisonPoint {
                        option: csv.scenario(line, row, "option", &scenarios)?,
                        kind: csv.one_of(line, row, "comparison", &["level", "difference", "vs_base"])?,
                        metric: csv.text(row, "metric"),
                        group: csv.text(row, "group"),
                        period: csv.text(row, "period"),
                        unit: csv.text(row, "unit"),
                        mean: csv.finite(line, row, "mean", true)?,
                        lo: csv.finite(line, row, "lo", true)?,
                        hi: csv.finite(line, row, "hi", true)?,
                    })
                })
                .collect::<Result<Vec<_>, OutputError>>()?;
            Some((meta, rows))
        }
        _ => None,
    };

    let targets = match bytes_of("targets.csv") {
        Some(bytes) => {
            let targets_path = path.join("targets.csv");
            // A targets file may hold no targets, so no rows is not damage here.
            let csv = Csv::parse(&targets_path, bytes, TARGET_COLUMNS, false)?;
            let rows = csv
                .rows
                .iter()
                .map(|(line, row)| {
                    let line = *line;
                    csv.count(line, row, "replicates")?;
                    // Simulated values are empty when undefined (no replicate had one), and so
                    // is an open end of a band (a targets file may say `inf`).
                    Ok(TargetPoint {
                        id: csv.text(row, "id"),
                        name: csv.text(row, "name"),
                        period: csv.text(row, "period"),
                        unit: csv.text(row, "unit"),
                        observed: csv.finite(line, row, "observed", true)?,
                        lo: csv.finite(line, row, "lo", true)?,
                        hi: csv.finite(line, row, "hi", true)?,
                        sim_mean: csv.finite(line, row, "simulated_mean", true)?,
                        sim_lo: csv.finite(line, row, "simulated_lo", true)?,
                        sim_hi: csv.finite(line, row, "simulated_hi", true)?,
                        pass: csv.one_of(line, row, "pass", &["TRUE", "FALSE"])? == "TRUE",
                        source: csv.text(row, "source"),
                    })
                })
                .collect::<Result<Vec<_>, OutputError>>()?;
            Some(rows)
        }
        None => None,
    };

    let believe = match (bytes_of("believe.csv"), bytes_of("believe_claims.csv")) {
        (Some(rows), Some(claims)) => Some(read_believe(path, rows, claims)?),
        (None, None) => None,
        (Some(_), None) | (None, Some(_)) => {
            return Err(bad(
                &manifest_path,
                0,
                "lists one of believe.csv and believe_claims.csv without the other (placesim believe writes both)",
            ))
        }
    };

    let mut folder = RunFolder::from_parts(
        path.to_path_buf(),
        manifest,
        scenarios,
        catalog,
        series,
        summary,
        comparison,
        targets,
        assumptions,
    );
    folder.believe = believe;
    Ok(folder)
}

/// `believe.csv` and `believe_claims.csv`, checked: their columns, a boolean where one is
/// written, a number where placesim always writes one (an evidence range may be empty).
fn read_believe(dir: &Path, rows: &[u8], claims: &[u8]) -> Result<(Vec<BeliefRow>, Vec<BeliefClaim>), OutputError> {
    use super::believe::{BELIEVE_CLAIM_COLUMNS, BELIEVE_COLUMNS};
    let path = dir.join("believe.csv");
    let csv = Csv::parse(&path, rows, BELIEVE_COLUMNS, true)?;
    let flag = |csv: &Csv<'_>, line, row: &[String], name| -> Result<bool, OutputError> {
        Ok(csv.one_of(line, row, name, &["TRUE", "FALSE"])? == "TRUE")
    };
    let effects = csv
        .rows
        .iter()
        .map(|(line, row)| {
            let line = *line;
            let within = match csv.text(row, "within_evidence").as_str() {
                "" => None,
                _ => Some(flag(&csv, line, row, "within_evidence")?),
            };
            Ok(BeliefRow {
                fit: csv.text(row, "fit"),
                parameter: csv.text(row, "parameter"),
                label: csv.text(row, "label"),
                value: csv.finite(line, row, "value", false)?,
                moved: flag(&csv, line, row, "moved")?,
                evidence: (
                    csv.finite(line, row, "evidence_low", true)?,
                    csv.finite(line, row, "evidence_central", true)?,
                    csv.finite(line, row, "evidence_high", true)?,
                ),
                within,
                reproduced: flag(&csv, line, row, "claims_reproduced")?,
            })
        })
        .collect::<Result<Vec<_>, OutputError>>()?;
    let path = dir.join("believe_claims.csv");
    let csv = Csv::parse(&path, claims, BELIEVE_CLAIM_COLUMNS, true)?;
    let claims = csv
        .rows
        .iter()
        .map(|(line, row)| {
            let line = *line;
            Ok(BeliefClaim {
                fit: csv.text(row, "fit"),
                name: csv.text(row, "name"),
                claimed: (
                    csv.finite(line, row, "claimed", false)?,
                    csv.finite(line, row, "lo", false)?,
                    csv.finite(line, row, "hi", false)?,
                ),
                simulated: (
                    csv.finite(line, row, "simulated_mean", true)?,
                    csv.finite(line, row, "simulated_lo", true)?,
                    csv.finite(line, row, "simulated_hi", true)?,
                ),
                reproduced: flag(&csv, line, row, "reproduced")?,
            })
        })
        .collect::<Result<Vec<_>, OutputError>>()?;
    Ok((effects, claims))
}

impl RunFolder {
    /// A run folder from its parts (as read, or built by tests); indexes the series and lists
    /// the localities (series groups other than `all` and the fifths, in file order).
    #[allow(clippy::too_many_arguments)]
    pub fn from_parts(
        path: PathBuf,
        manifest: Value,
        scenarios: Vec<ScenarioMeta>,
        catalog: Catalog,
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
            catalog,
            localities,
            series,
            summary,
            comparison,
            targets,
            assumptions,
            believe: None,
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

    use crate::output::{csv_field, prepare_out_dir, testdata, write_manifest, write_outputs, Detail, RunInfo};
    use serde_json::json;

    /// A run folder as placesim writes it (the constructed test run), in a temporary folder.
    fn folder() -> (tempfile::TempDir, PathBuf) {
        let testdata::Fixture { tallies, calendar } = testdata::fixture();
        let views = [testdata::view(&calendar, &tallies)];
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("run");
        let dir = prepare_out_dir(&out, false).unwrap();
        let run = RunInfo {
            command_line: vec!["placesim".into(), "run".into()],
            started_utc: "2024-01-01T00:00:00Z".into(),
            wall_seconds: 1.0,
            seed: 7,
            replicates: 2,
            threads: 1,
            detail: Detail::Minimal,
            format: crate::output::Format::Both,
        };
        let written = write_outputs(&dir, &run, &views).unwrap();
        write_manifest(&dir, &run, &views, &written, None).unwrap();
        dir.commit().unwrap();
        (root, out)
    }

    fn manifest_of(dir: &Path) -> Value {
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
    }

    fn set_manifest(dir: &Path, m: &Value) {
        std::fs::write(dir.join("manifest.json"), serde_json::to_vec_pretty(m).unwrap()).unwrap();
    }

    /// Records `file`'s current hash and size in the manifest (adding it when unlisted), as if
    /// the manifest had been edited to match: only the structural checks can then catch a
    /// damaged file.
    fn reseal(dir: &Path, file: &str) {
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let entry = json!({"file": file, "sha256": format!("{:x}", Sha256::digest(&bytes)), "bytes": bytes.len()});
        let mut m = manifest_of(dir);
        let outputs = m["outputs"].as_array_mut().unwrap();
        match outputs.iter_mut().find(|o| o["file"] == file) {
            Some(o) => *o = entry,
            None => outputs.push(entry),
        }
        set_manifest(dir, &m);
    }

    /// Rewrites the text of `file`, then reseals it when `sealed`.
    fn edit(dir: &Path, file: &str, sealed: bool, f: impl FnOnce(String) -> String) {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        std::fs::write(dir.join(file), f(text)).unwrap();
        if sealed {
            reseal(dir, file);
        }
    }

    /// A change to a file's text.
    type Change = fn(String) -> String;

    /// The error reading `dir`: bad input, naming a file, never with a line 0.
    fn refused(dir: &Path) -> String {
        let err = read_run_folder(dir).unwrap_err();
        assert!(err.is_bad_input(), "{err}");
        let text = err.to_string();
        assert!(!text.contains(":0:") && !text.contains("line 0"), "{text}");
        text
    }

    #[test]
    fn a_folder_as_written_reads_back_with_every_data_file_verified() {
        let (_root, dir) = folder();
        let f = read_run_folder(&dir).unwrap();
        assert_eq!(f.scenario_names(), ["test"]);
        assert!(!f.series.is_empty() && !f.summary.is_empty());
        let listed: Vec<String> = manifest_of(&dir)["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["file"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(listed, crate::output::output_files(crate::output::Format::Both)[..8]);
    }

    #[test]
    fn a_file_cut_at_a_line_boundary_or_extended_is_refused_with_both_sizes() {
        let (_root, dir) = folder();
        let full = std::fs::read_to_string(dir.join("series.csv")).unwrap();
        let cut = &full[..full[..full.len() - 1].rfind('\n').unwrap() + 1];
        std::fs::write(dir.join("series.csv"), cut).unwrap();
        let err = refused(&dir);
        let sizes = format!(
            "cut short: {} bytes where the manifest recorded {}",
            thousands(cut.len() as u64),
            thousands(full.len() as u64)
        );
        assert!(err.contains("series.csv: ") && err.contains(&sizes), "{err}");

        std::fs::write(
            dir.join("series.csv"),
            format!("{full}{}", full.lines().last().unwrap()),
        )
        .unwrap();
        assert!(refused(&dir).contains("extended: "));
        // Files the reader does not parse are verified too.
        std::fs::write(dir.join("series.csv"), &full).unwrap();
        edit(&dir, "weekly.csv", false, |t| t + "\n");
        assert!(refused(&dir).contains("weekly.csv: extended: "));
    }

    #[test]
    fn a_value_edited_in_place_is_refused_as_changed_since_written() {
        let (_root, dir) = folder();
        for file in ["series.csv", "annual.csv"] {
            let original = std::fs::read_to_string(dir.join(file)).unwrap();
            // The last digit of the file, changed: same size, different content.
            let at = original.rfind(|c: char| c.is_ascii_digit()).unwrap();
            let digit = if &original[at..=at] == "1" { "2" } else { "1" };
            edit(&dir, file, false, |t| format!("{}{digit}{}", &t[..at], &t[at + 1..]));
            let err = refused(&dir);
            assert!(
                err.contains(&format!("{file}: changed since placesim wrote it")),
                "{err}"
            );
            std::fs::write(dir.join(file), original).unwrap();
        }
        read_run_folder(&dir).unwrap();
    }

    #[test]
    fn a_listed_file_that_is_missing_and_a_needed_file_that_is_unlisted_are_named() {
        let (_root, dir) = folder();
        std::fs::remove_file(dir.join("summary.json")).unwrap();
        let err = refused(&dir);
        assert!(err.contains("summary.json: missing: manifest.json lists it"), "{err}");

        let (_root, dir) = folder();
        std::fs::write(dir.join("targets.csv"), format!("{TARGET_COLUMNS}\n")).unwrap();
        let err = refused(&dir);
        assert!(
            err.contains("targets.csv: not listed in manifest.json's `outputs`"),
            "{err}"
        );
        // Listed, an empty target table is what placesim writes for a targets file without targets.
        reseal(&dir, "targets.csv");
        assert_eq!(read_run_folder(&dir).unwrap().targets, Some(vec![]));

        let (_root, dir) = folder();
        let mut m = manifest_of(&dir);
        m["outputs"]
            .as_array_mut()
            .unwrap()
            .retain(|o| o["file"] != "summary.csv");
        set_manifest(&dir, &m);
        assert!(refused(&dir).contains("summary.csv: not listed"));
        std::fs::remove_file(dir.join("summary.csv")).unwrap();
        assert!(refused(&dir).contains("is not a placesim run folder: it has no summary.csv"));
    }

    #[test]
    fn a_header_with_a_dropped_renamed_or_extra_column_is_refused_at_line_1_naming_it() {
        let cases: [(&str, Change, &str); 5] = [
            (
                "series.csv",
                |t| t.replacen(",lo,hi,", ",hi,", 1),
                "series.csv:1: the header has no `lo` column",
            ),
            (
                "series.csv",
                |t| t.replacen(",mean,", ",avg,", 1),
                "series.csv:1: column 8 is `avg`, which placesim does not write (it writes `mean` there)",
            ),
            (
                "summary.csv",
                |t| t.replacen(",replicates\n", ",replicates,note\n", 1),
                "summary.csv:1: extra column `note` (column 9)",
            ),
            (
                "summary.csv",
                |t| t.replacen("mean,lo", "lo,mean", 1),
                "summary.csv:1: column 5 is `lo` where placesim writes `mean`",
            ),
            (
                "summary.csv",
                |t| t.replacen(",replicates\n", "\n", 1),
                "summary.csv:1: the header has no `replicates` column",
            ),
        ];
        for (file, change, expected) in cases {
            let (_root, dir) = folder();
            edit(&dir, file, true, change);
            let err = refused(&dir);
            assert!(err.contains(expected), "{err}");
        }
    }

    #[test]
    fn a_csv_with_a_header_and_no_rows_is_refused() {
        for file in ["series.csv", "summary.csv"] {
            let (_root, dir) = folder();
            edit(&dir, file, true, |t| format!("{}\n", t.lines().next().unwrap()));
            let err = refused(&dir);
            assert!(err.contains(&format!("{file}: has no data rows")), "{err}");
        }
    }

    #[test]
    fn rows_placesim_never_writes_are_refused_with_their_line_and_column() {
        // (file, line to change (1-based), column, new field, expected message)
        let cases = [
            (
                "series.csv",
                2,
                7,
                "inf",
                "series.csv:2: column `mean`: `inf` is not a finite number",
            ),
            (
                "series.csv",
                2,
                8,
                "NaN",
                "series.csv:2: column `lo`: `NaN` is not a finite number",
            ),
            (
                "series.csv",
                3,
                9,
                "1e999",
                "series.csv:3: column `hi`: `1e999` is not a finite number",
            ),
            (
                "series.csv",
                2,
                7,
                "lots",
                "series.csv:2: column `mean`: `lots` is not a number",
            ),
            (
                "series.csv",
                2,
                10,
                "2.5",
                "series.csv:2: column `replicates`: `2.5` is not a whole number",
            ),
            (
                "series.csv",
                2,
                5,
                "2019-13-01",
                "series.csv:2: column `period_start`: `2019-13-01` is not a YYYY-MM-DD date",
            ),
            (
                "series.csv",
                2,
                3,
                "month",
                "series.csv:2: column `resolution`: `month` is not one of quarter, year",
            ),
            (
                "series.csv",
                2,
                0,
                "other",
                "series.csv:2: column `scenario`: `other` is not one of the manifest's scenarios",
            ),
            (
                "summary.csv",
                4,
                4,
                "",
                "summary.csv:4: column `mean`: empty where placesim always writes a number",
            ),
            (
                "summary.csv",
                2,
                6,
                "-inf",
                "summary.csv:2: column `hi`: `-inf` is not a finite number",
            ),
        ];
        for (file, line, column, field, expected) in cases {
            let (_root, dir) = folder();
            edit(&dir, file, true, |t| {
                t.lines()
                    .enumerate()
                    .map(|(i, l)| {
                        let mut fields = split_csv(l).unwrap();
                        if i + 1 == line {
                            fields[column] = field.to_string();
                        }
                        fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(",") + "\n"
                    })
                    .collect()
            });
            let err = refused(&dir);
            assert!(err.contains(expected), "{expected}: {err}");
        }
        // Ragged rows, blank lines and a last line without its line ending.
        let lines: [(Change, &str); 3] = [
            (
                |t| t.replacen('\n', "\nx,y\n", 1),
                "series.csv:2: 2 fields where the header has 11",
            ),
            (|t| t.replacen('\n', "\n\n", 1), "series.csv:2: empty line"),
            (|t| t.trim_end().to_string(), "the last line has no line ending"),
        ];
        for (change, expected) in lines {
            let (_root, dir) = folder();
            edit(&dir, "series.csv", true, change);
            let err = refused(&dir);
            assert!(err.contains(expected), "{err}");
        }
    }

    #[test]
    fn bytes_that_are_not_utf8_are_named_with_their_offset_and_line() {
        let (_root, dir) = folder();
        let mut bytes = std::fs::read(dir.join("series.csv")).unwrap();
        let second = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
        bytes[second + 2] = 0xff;
        std::fs::write(dir.join("series.csv"), &bytes).unwrap();
        reseal(&dir, "series.csv");
        let err = refused(&dir);
        assert!(
            err.contains(&format!(
                "series.csv:2: not UTF-8 text: the byte at offset {} (0xff)",
                second + 2
            )),
            "{err}"
        );

        let (_root, dir) = folder();
        let mut bytes = std::fs::read(dir.join("manifest.json")).unwrap();
        bytes[1] = 0xc3;
        std::fs::write(dir.join("manifest.json"), &bytes).unwrap();
        let err = refused(&dir);
        assert!(
            err.contains("manifest.json:1: not UTF-8 text: the byte at offset 1 (0xc3)"),
            "{err}"
        );
    }

    #[test]
    fn any_manifest_is_refused_without_panicking_and_named_with_the_field() {
        let (_root, dir) = folder();
        let good = manifest_of(&dir);
        let huge_window = json!({"base": "test", "options": ["test"], "window": {"from_fy": 1e300, "to_fy": 2020}});
        let cases: Vec<(&str, Value, &str)> = vec![
            ("", json!([]), "manifest.json: must be a JSON object, not a list"),
            ("", json!("text"), "must be a JSON object, not a string"),
            ("/scenarios", json!(5), "`scenarios` must be a list, not a number"),
            ("/scenarios", json!([]), "manifest.json: the `scenarios` list is empty"),
            ("/scenarios", Value::Null, "manifest.json: no `scenarios` list"),
            (
                "/scenarios/0",
                json!(1),
                "`scenarios[0]` must be an object, not a number",
            ),
            (
                "/scenarios/0/name",
                json!(7),
                "`scenarios[0].name` must be a string, not a number",
            ),
            ("/scenarios/0/name", json!(""), "`scenarios[0].name` is empty"),
            (
                "/scenarios/0/milestones",
                json!("soon"),
                "`scenarios[0].milestones` must be a list",
            ),
            (
                "/scenarios/0/milestones/0/date",
                json!("tomorrow"),
                "`scenarios[0].milestones[0].date`: `tomorrow` is not a YYYY-MM-DD date",
            ),
            (
                "/scenarios/0/localities",
                json!([1]),
                "`scenarios[0].localities[0]` must be a string",
            ),
            (
                "/scenarios/0/scale",
                json!("half"),
                "`scenarios[0].scale` must be a number",
            ),
            ("/assumptions", json!({}), "`assumptions` must be a list, not an object"),
            ("/outputs", Value::Null, "manifest.json: no `outputs` list"),
            ("/outputs", json!({}), "`outputs` must be a list, not an object"),
            (
                "/outputs",
                json!([]),
                "series.csv: not listed in manifest.json's `outputs`",
            ),
            ("/outputs/0", json!([]), "`outputs[0]` must be an object, not a list"),
            (
                "/outputs/0/file",
                json!("../../etc/passwd"),
                "`outputs[0].file` is `../../etc/passwd`: not a data file of this folder",
            ),
            (
                "/outputs/0/file",
                json!("manifest.json"),
                "not a data file of this folder",
            ),
            (
                "/outputs/1/file",
                json!("weekly.csv"),
                "`outputs[1].file`: `weekly.csv` is listed twice",
            ),
            (
                "/outputs/0/sha256",
                json!("abc"),
                "`outputs[0].sha256` is not a SHA-256",
            ),
            (
                "/outputs/0/bytes",
                json!(-1),
                "`outputs[0].bytes` must be a whole number of bytes, not a number",
            ),
            (
                "/outputs/0/bytes",
                json!(1e300),
                "`outputs[0].bytes` must be a whole number of bytes",
            ),
            ("/outputs/0/bytes", json!(u64::MAX), "weekly.csv: cut short: "),
            (
                "/outputs/0/bytes",
                json!("12"),
                "must be a whole number of bytes, not a string",
            ),
            ("/comparison", json!([]), "`comparison` must be an object, not a list"),
            (
                "/comparison",
                json!({"base": "nope"}),
                "`comparison.base`: `nope` is not one of the manifest's `scenarios`",
            ),
            (
                "/comparison",
                json!({"base": "test", "options": []}),
                "`comparison.options` is missing or empty",
            ),
            (
                "/comparison",
                huge_window,
                "`comparison.window.from_fy` must be a whole number (a financial year), not a number",
            ),
            (
                "/comparison",
                json!({"base": "test", "options": ["test"], "window": {"from_fy": 2021, "to_fy": 2147483647_i64}}),
                "`comparison.window.to_fy`: 2147483647 is not a financial year",
            ),
            (
                "/comparison",
                json!({"base": "test", "options": ["test"], "window": {"from_fy": 2022, "to_fy": 2021}}),
                "runs backwards",
            ),
            (
                "/comparison",
                json!({"base": "test", "options": ["test"], "window": {"from_fy": 2019, "to_fy": 2019}}),
                "describes a comparison (`comparison`) but the folder has no comparison.csv",
            ),
        ];
        for (pointer, value, expected) in cases {
            let mut m = good.clone();
            if pointer.is_empty() {
                m = value;
            } else {
                let (parent, key) = pointer.rsplit_once('/').unwrap();
                match m.pointer_mut(parent).unwrap() {
                    Value::Object(o) => {
                        o.insert(key.to_string(), value);
                    }
                    Value::Array(a) => a[key.parse::<usize>().unwrap()] = value,
                    _ => unreachable!(),
                }
            }
            set_manifest(&dir, &m);
            let err = refused(&dir);
            assert!(err.contains(expected), "{pointer}: {err}");
        }
        // Syntax errors keep serde's line.
        std::fs::write(dir.join("manifest.json"), "{\n  \"seed\": 7,\n  oops\n}").unwrap();
        assert!(refused(&dir).contains("manifest.json:3: not valid JSON"));
    }

    #[test]
    fn a_comparison_table_needs_the_manifest_block_and_the_exact_header() {
        let (_root, dir) = folder();
        let header = COMPARISON_COLUMNS.join(",");
        let row = "test,level,deaths,all,FY2019/20,deaths,3,2,4,,,,,2";
        std::fs::write(dir.join("comparison.csv"), format!("{header}\n{row}\n")).unwrap();
        reseal(&dir, "comparison.csv");
        assert!(refused(&dir).contains("comparison.csv is present but the manifest has no `comparison` block"));
        let mut m = manifest_of(&dir);
        m["comparison"] = json!({"base": "test", "options": ["test"], "window": {"from_fy": 2019, "to_fy": 2019}});
        set_manifest(&dir, &m);
        let f = read_run_folder(&dir).unwrap();
        let (meta, rows) = f.comparison.unwrap();
        assert_eq!(meta.window, (2019, 2019));
        assert_eq!((rows[0].mean, rows[0].kind.as_str()), (3.0, "level"));

        edit(&dir, "comparison.csv", true, |t| t.replace(",level,", ",sideways,"));
        let err = refused(&dir);
        assert!(
            err.contains("comparison.csv:2: column `comparison`: `sideways` is not one of level, difference, vs_base"),
            "{err}"
        );
        edit(&dir, "comparison.csv", true, |t| t.replace(",unpaired_hi,", ","));
        assert!(refused(&dir).contains("comparison.csv:1: the header has no `unpaired_hi` column"));
    }
}
