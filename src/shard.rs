//! One job on several machines (issue 16): `--shard K/N` runs a deterministic share of a
//! command's independent jobs and writes a shard folder; `placesim merge` checks that a set of
//! shard folders is complete and consistent and writes the folder the single-machine command
//! would have written, with byte-identical data files.
//!
//! * **Jobs** are what the command runs in parallel on one machine: a replicate of a scenario
//!   (with the options forked from it, for a comparison: [`crate::runner::Prepared::jobs`]) for
//!   `run` and `compare`, a point of the parameter space for `psa` ([`crate::psa`]). They are
//!   numbered in the order the single-machine command collects them.
//! * **Shard K of N** takes the jobs whose number `j` has `j mod N = K − 1` ([`Shard::takes`]):
//!   round robin, so every shard gets a similar mix of early and late jobs.
//! * Each job's result depends only on the seed and the job (architecture invariant 3), so a
//!   job run on another machine gives the same bits; the merge reassembles the results in job
//!   order and writes them with the same code as the single-machine command.
//! * A shard's results are stored exactly: tallies as little-endian integers, floating-point
//!   values as their bits ([`Encoder`], [`Decoder`]).
//!
//! [`ShardManifest`] records what must agree across shards (version, command, seed, settings,
//! scenario and place hashes, job count) and [`check_set`] refuses, naming the folders, a set
//! with a shard missing, duplicated or from another run.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Most shards a job may be split into.
pub const MAX_SHARDS: u32 = 100_000;

/// One share of a job: shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// Which share, from 1 to `count`.
    pub index: u32,
    /// How many shares the job is split into.
    pub count: u32,
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// A checked shard: `1 ≤ index ≤ count ≤` [`MAX_SHARDS`].
    pub fn new(index: u32, count: u32) -> Result<Shard, String> {
        if count == 0 || count > MAX_SHARDS {
            return Err(format!("the shard count must be from 1 to {MAX_SHARDS}, not {count}"));
        }
        if index == 0 || index > count {
            return Err(format!(
                "shard {index} of {count}: the shard number must be from 1 to {count}"
            ));
        }
        Ok(Shard { index, count })
    }

    /// Parses `K/N` (`3/8` = the third of eight shares).
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || format!("--shard {text:?}: expected K/N, e.g. 3/8 for the third of eight shards");
        let (k, n) = text.trim().split_once('/').ok_or_else(bad)?;
        let k: u32 = k.trim().parse().map_err(|_| bad())?;
        let n: u32 = n.trim().parse().map_err(|_| bad())?;
        Shard::new(k, n).map_err(|e| format!("--shard {text}: {e}"))
    }

    /// The shard of the array task this process runs in, from the scheduler's environment
    /// (`get` reads a variable):
    /// * a Slurm job array: `SLURM_ARRAY_TASK_ID`, `SLURM_ARRAY_TASK_MIN`,
    ///   `SLURM_ARRAY_TASK_STEP` (1 when unset) and `SLURM_ARRAY_TASK_COUNT`, so `--array=0-7`,
    ///   `--array=1-8` and `--array=0-14:2` all give shards 1/8 … 8/8;
    /// * a Kubernetes indexed job: `JOB_COMPLETION_INDEX` (0-based) and `PLACESIM_SHARD_COUNT`
    ///   (the job's `completions`, which Kubernetes does not put in the environment).
    pub fn from_env(get: &dyn Fn(&str) -> Option<String>) -> Result<Shard, String> {
        let number = |name: &str| -> Result<Option<i64>, String> {
            match get(name) {
                None => Ok(None),
                Some(v) if v.trim().is_empty() => Ok(None),
                Some(v) => v
                    .trim()
                    .parse::<i64>()
                    .map(Some)
                    .map_err(|_| format!("the environment variable {name}={v:?} is not a whole number")),
            }
        };
        let count_of = |name: &str, n: i64| -> Result<u32, String> {
            u32::try_from(n).map_err(|_| format!("the environment variable {name}={n} is not a shard count"))
        };
        if let Some(id) = number("SLURM_ARRAY_TASK_ID")? {
            let count = number("SLURM_ARRAY_TASK_COUNT")?
                .ok_or("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not")?;
            let min = number("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
            let step = number("SLURM_ARRAY_TASK_STEP")?.unwrap_or(1).max(1);
            if id < min || (id - min) % step != 0 {
                return Err(format!(
                    "SLURM_ARRAY_TASK_ID={id} is not on the array's grid (first task {min}, step {step})"
                ));
            }
            let index = u32::try_from((id - min) / step + 1)
                .map_err(|_| format!("SLURM_ARRAY_TASK_ID={id} is out of range"))?;
            return Shard::new(index, count_of("SLURM_ARRAY_TASK_COUNT", count)?).map_err(|e| {
                format!("from SLURM_ARRAY_TASK_ID={id}, SLURM_ARRAY_TASK_MIN={min}, SLURM_ARRAY_TASK_STEP={step}: {e}")
            });
        }
        if let Some(index) = number("JOB_COMPLETION_INDEX")? {
            let count = number("PLACESIM_SHARD_COUNT")?.ok_or(
                "JOB_COMPLETION_INDEX is set (a Kubernetes indexed job) but PLACESIM_SHARD_COUNT is not: set it to \
                 the job's completions",
            )?;
            let index =
                u32::try_from(index + 1).map_err(|_| format!("JOB_COMPLETION_INDEX={index} is out of range"))?;
            return Shard::new(index, count_of("PLACESIM_SHARD_COUNT", count)?)
                .map_err(|e| format!("from JOB_COMPLETION_INDEX and PLACESIM_SHARD_COUNT: {e}"));
        }
        Err(
            "--shard without K/N takes the shard from a Slurm array task (SLURM_ARRAY_TASK_ID and \
             SLURM_ARRAY_TASK_COUNT) or a Kubernetes indexed job (JOB_COMPLETION_INDEX and PLACESIM_SHARD_COUNT), \
             and none of these is set; give --shard K/N"
                .into(),
        )
    }

    /// Whether this shard runs job `job` (numbered from 0 in the single-machine order).
    pub fn takes(&self, job: usize) -> bool {
        job as u64 % u64::from(self.count) == u64::from(self.index - 1)
    }

    /// The jobs of `0..jobs` this shard runs, in order.
    pub fn jobs(&self, jobs: usize) -> Vec<usize> {
        (0..jobs).filter(|&j| self.takes(j)).collect()
    }
}

/// The version a shard records: merged shards must come from the same build, since another
/// build may give other results.
pub fn build_version() -> String {
    match crate::output::GIT_COMMIT {
        Some(commit) => format!("{} ({commit})", env!("CARGO_PKG_VERSION")),
        None => env!("CARGO_PKG_VERSION").to_string(),
    }
}

/// One scenario as a shard ran it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardScenario {
    /// Its name.
    pub name: String,
    /// The scenario file given, as an absolute path: the merge loads it again from there.
    pub path: String,
    /// The file and every file it extends, with their SHA-256.
    pub files: Vec<(String, String)>,
    /// SHA-256 of its place.
    pub place_sha256: String,
}

/// A shard's data file, as listed in its manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardData {
    /// File name within the shard folder.
    pub name: String,
    /// SHA-256 of its bytes.
    pub sha256: String,
    /// Its size.
    pub bytes: u64,
}

/// The `manifest.json` of a shard folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardManifest {
    /// placesim's version and commit ([`build_version`]).
    pub placesim_version: String,
    /// Always `shard`: tells a shard folder from a run folder.
    pub kind: String,
    /// The command sharded: `run`, `compare` or `psa`.
    pub command: String,
    /// Which share this is.
    pub shard: Shard,
    /// Master seed.
    pub seed: u64,
    /// The command's settings that shape its results (replicates, window, draws, ...): equal
    /// in every shard of a set.
    pub settings: BTreeMap<String, serde_json::Value>,
    /// The scenarios, base first.
    pub scenarios: Vec<ShardScenario>,
    /// Jobs of the whole command.
    pub jobs: u64,
    /// The jobs this shard ran ([`Shard::jobs`]).
    pub taken: Vec<u64>,
    /// The results of those jobs.
    pub data: ShardData,
    /// The command line of this shard.
    pub command_line: Vec<String>,
    /// When it started (UTC).
    pub started_utc: String,
    /// Seconds it took.
    pub wall_seconds: f64,
    /// Worker threads it used.
    pub threads: usize,
}

/// What a shard manifest says is `shard`.
pub const SHARD_KIND: &str = "shard";

/// Checks that `shards` (each with the folder it came from, for messages) are every shard of
/// one run, once each: same version, command, seed, settings, scenarios and job count, shard
/// numbers 1 to N each present once, and each holding the jobs its number takes. Every
/// problem is listed.
pub fn check_set(shards: &[(String, ShardManifest)]) -> Result<(), String> {
    let Some((first_dir, first)) = shards.first() else {
        return Err("no shard folders given".into());
    };
    let mut problems = Vec::new();
    for (dir, m) in shards {
        if m.kind != SHARD_KIND {
            problems.push(format!(
                "{dir} is not a shard folder (its manifest's kind is {:?})",
                m.kind
            ));
        }
    }
    for (dir, m) in &shards[1..] {
        let mut differs = |what: &str, mine: String, theirs: String| {
            if mine != theirs {
                problems.push(format!(
                    "{dir} is from another run than {first_dir}: its {what} is {mine} and theirs is {theirs}"
                ));
            }
        };
        differs(
            "placesim version",
            m.placesim_version.clone(),
            first.placesim_version.clone(),
        );
        differs("command", m.command.clone(), first.command.clone());
        differs("seed", m.seed.to_string(), first.seed.to_string());
        differs("shard count", m.shard.count.to_string(), first.shard.count.to_string());
        differs("job count", m.jobs.to_string(), first.jobs.to_string());
        let keys: std::collections::BTreeSet<&String> = m.settings.keys().chain(first.settings.keys()).collect();
        for key in keys {
            let show =
                |s: &BTreeMap<String, serde_json::Value>| s.get(key).map_or("unset".to_string(), |v| v.to_string());
            differs(&format!("setting `{key}`"), show(&m.settings), show(&first.settings));
        }
        let names = |m: &ShardManifest| {
            m.scenarios
                .iter()
                .map(|s| s.name.clone())
                .collect::<Vec<_>>()
                .join(", ")
        };
        differs("scenario list", names(m), names(first));
        for (a, b) in m.scenarios.iter().zip(&first.scenarios) {
            if a.name == b.name {
                // Paths may be written differently where each shard ran; the bytes may not.
                let hashes = |s: &ShardScenario| s.files.iter().map(|(_, h)| h.as_str()).collect::<Vec<_>>().join(", ");
                differs(&format!("scenario {} (file SHA-256)", a.name), hashes(a), hashes(b));
                differs(
                    &format!("scenario {} place SHA-256", a.name),
                    a.place_sha256.clone(),
                    b.place_sha256.clone(),
                );
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems.join("\n"));
    }
    let count = first.shard.count;
    let mut seen: BTreeMap<u32, &str> = BTreeMap::new();
    for (dir, m) in shards {
        if let Some(other) = seen.insert(m.shard.index, dir) {
            problems.push(format!("{other} and {dir} are both shard {}", m.shard));
        }
        let expected: Vec<u64> = m
            .shard
            .jobs(usize::try_from(m.jobs).unwrap_or(usize::MAX))
            .into_iter()
            .map(|j| j as u64)
            .collect();
        if m.taken != expected {
            problems.push(format!(
                "{dir} does not hold the jobs of shard {} of {} jobs",
                m.shard, m.jobs
            ));
        }
    }
    let missing: Vec<String> = (1..=count)
        .filter(|k| !seen.contains_key(k))
        .map(|k| format!("{k}/{count}"))
        .collect();
    if !missing.is_empty() {
        problems.push(format!(
            "shard{} {} {} missing (given: {})",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", "),
            if missing.len() == 1 { "is" } else { "are" },
            shards
                .iter()
                .map(|(d, m)| format!("{d} = {}", m.shard))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// Little-endian writer of a shard's data file.
#[derive(Debug, Default)]
pub struct Encoder {
    bytes: Vec<u8>,
}

impl Encoder {
    /// An empty buffer that starts with `magic` (which names the format and its version).
    pub fn new(magic: &[u8; 8]) -> Encoder {
        Encoder { bytes: magic.to_vec() }
    }
    /// Appends a `u32`.
    pub fn u32(&mut self, v: u32) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }
    /// Appends a `u64`.
    pub fn u64(&mut self, v: u64) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }
    /// Appends an `f64` as its bits (NaN payloads and signed zeros kept).
    pub fn f64(&mut self, v: f64) {
        self.u64(v.to_bits());
    }
    /// Appends a slice of `u32` (no length: the reader knows it).
    pub fn u32s(&mut self, v: &[u32]) {
        self.bytes.reserve(4 * v.len());
        for x in v {
            self.u32(*x);
        }
    }
    /// Appends a slice of `f64` (no length).
    pub fn f64s(&mut self, v: &[f64]) {
        self.bytes.reserve(8 * v.len());
        for x in v {
            self.f64(*x);
        }
    }
    /// Appends a length-prefixed slice of `f64`.
    pub fn f64_list(&mut self, v: &[f64]) {
        self.u64(v.len() as u64);
        self.f64s(v);
    }
    /// The bytes written.
    pub fn finish(self) -> Vec<u8> {
        self.bytes
    }
}

/// Reader of what an [`Encoder`] wrote; every read checks the bytes are there.
#[derive(Debug)]
pub struct Decoder<'a> {
    bytes: &'a [u8],
}

impl<'a> Decoder<'a> {
    /// A reader of `bytes`, which must start with `magic`.
    pub fn new(bytes: &'a [u8], magic: &[u8; 8]) -> Result<Decoder<'a>, String> {
        match bytes.strip_prefix(magic.as_slice()) {
            Some(rest) => Ok(Decoder { bytes: rest }),
            None => Err(format!(
                "it does not start with {:?}: not a placesim shard data file, or from another version",
                String::from_utf8_lossy(magic)
            )),
        }
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.bytes.len() < n {
            return Err("it ends early (truncated)".into());
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }
    /// Reads a `u32`.
    pub fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    /// Reads a `u64`.
    pub fn u64(&mut self) -> Result<u64, String> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }
    /// Reads a `u64` that counts things of `size` bytes each still to come, refusing a count
    /// the remaining bytes cannot hold (so a corrupt count cannot ask for a huge allocation).
    pub fn count(&mut self, size: usize) -> Result<usize, String> {
        let n = self.u64()?;
        let n = usize::try_from(n).map_err(|_| "a count is out of range".to_string())?;
        if n.saturating_mul(size.max(1)) > self.bytes.len() {
            return Err("a count is larger than the file (truncated or corrupt)".into());
        }
        Ok(n)
    }
    /// Reads an `f64` from its bits.
    pub fn f64(&mut self) -> Result<f64, String> {
        Ok(f64::from_bits(self.u64()?))
    }
    /// Reads `n` `u32`.
    pub fn u32s(&mut self, n: usize) -> Result<Vec<u32>, String> {
        let b = self.take(n.checked_mul(4).ok_or("a length is out of range")?)?;
        Ok(b.chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }
    /// Reads `n` `f64`.
    pub fn f64s(&mut self, n: usize) -> Result<Vec<f64>, String> {
        let b = self.take(n.checked_mul(8).ok_or("a length is out of range")?)?;
        Ok(b.chunks_exact(8)
            .map(|c| {
                let mut a = [0u8; 8];
                a.copy_from_slice(c);
                f64::from_bits(u64::from_le_bytes(a))
            })
            .collect())
    }
    /// Reads a length-prefixed list of `f64`.
    pub fn f64_list(&mut self) -> Result<Vec<f64>, String> {
        let n = self.count(8)?;
        self.f64s(n)
    }
    /// Refuses bytes left over.
    pub fn end(self) -> Result<(), String> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{} bytes are left over after its last record",
                self.bytes.len()
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
    }

    #[test]
    fn every_job_is_in_exactly_one_shard() {
        for count in [1, 2, 3, 4, 7, 40] {
            for jobs in [0, 1, 5, 40, 41] {
                let mut all: Vec<usize> = (1..=count)
                    .flat_map(|k| Shard::new(k, count).unwrap().jobs(jobs))
                    .collect();
                all.sort_unstable();
                assert_eq!(all, (0..jobs).collect::<Vec<_>>(), "{count} shards of {jobs} jobs");
            }
        }
        assert_eq!(Shard::new(2, 4).unwrap().jobs(10), [1, 5, 9]);
    }

    #[test]
    fn shard_text_is_k_of_n_and_nonsense_is_refused() {
        assert_eq!(Shard::parse("3/8"), Ok(Shard { index: 3, count: 8 }));
        assert_eq!(Shard::parse(" 1 / 1 "), Ok(Shard { index: 1, count: 1 }));
        for bad in ["0/4", "5/4", "1/0", "3", "a/b", "-1/4", "1/4/2", ""] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
        assert!(Shard::parse("5/4").unwrap_err().contains("from 1 to 4"));
    }

    #[test]
    fn a_slurm_array_task_gives_its_shard_whatever_the_first_id_and_step() {
        let from = |vars: &[(&str, &str)]| Shard::from_env(&env(vars));
        let zero = [
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
            ("SLURM_ARRAY_TASK_MIN", "0"),
        ];
        assert_eq!(from(&zero), Ok(Shard { index: 3, count: 4 }));
        let one = [
            ("SLURM_ARRAY_TASK_ID", "4"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
        ];
        assert_eq!(from(&one), Ok(Shard { index: 4, count: 4 }));
        let step = [
            ("SLURM_ARRAY_TASK_ID", "14"),
            ("SLURM_ARRAY_TASK_COUNT", "8"),
            ("SLURM_ARRAY_TASK_MIN", "0"),
            ("SLURM_ARRAY_TASK_STEP", "2"),
        ];
        assert_eq!(from(&step), Ok(Shard { index: 8, count: 8 }));
        let k8s = [("JOB_COMPLETION_INDEX", "0"), ("PLACESIM_SHARD_COUNT", "3")];
        assert_eq!(from(&k8s), Ok(Shard { index: 1, count: 3 }));
        for bad in [
            &[][..],
            &[("SLURM_ARRAY_TASK_ID", "2")][..],
            &[("SLURM_ARRAY_TASK_ID", "x"), ("SLURM_ARRAY_TASK_COUNT", "4")][..],
            &[
                ("SLURM_ARRAY_TASK_ID", "9"),
                ("SLURM_ARRAY_TASK_COUNT", "4"),
                ("SLURM_ARRAY_TASK_MIN", "0"),
            ][..],
            &[("JOB_COMPLETION_INDEX", "1")][..],
        ] {
            assert!(from(bad).is_err(), "{bad:?}");
        }
    }

    fn manifest(index: u32, count: u32, jobs: u64) -> ShardManifest {
        let shard = Shard::new(index, count).unwrap();
        ShardManifest {
            placesim_version: "0.1.0".into(),
            kind: SHARD_KIND.into(),
            command: "run".into(),
            shard,
            seed: 7,
            settings: [("replicates".to_string(), serde_json::json!(4))].into_iter().collect(),
            scenarios: vec![ShardScenario {
                name: "base".into(),
                path: "/s/base.toml".into(),
                files: vec![("/s/base.toml".into(), "ab".into())],
                place_sha256: "cd".into(),
            }],
            jobs,
            taken: shard.jobs(jobs as usize).into_iter().map(|j| j as u64).collect(),
            data: ShardData {
                name: "tallies.bin".into(),
                sha256: "00".into(),
                bytes: 0,
            },
            command_line: vec![],
            started_utc: String::new(),
            wall_seconds: 0.0,
            threads: 1,
        }
    }

    #[test]
    fn a_complete_consistent_set_passes_and_missing_or_doubled_shards_are_named() {
        let set: Vec<(String, ShardManifest)> = (1..=3).map(|k| (format!("s{k}"), manifest(k, 3, 8))).collect();
        assert!(check_set(&set).is_ok());
        let err = check_set(&set[..2]).unwrap_err();
        assert!(err.contains("shard 3/3 is missing"), "{err}");
        let mut doubled = set.clone();
        doubled[2] = ("again".into(), manifest(2, 3, 8));
        let err = check_set(&doubled).unwrap_err();
        assert!(
            err.contains("s2 and again are both shard 2/3") && err.contains("3/3 is missing"),
            "{err}"
        );
    }

    #[test]
    fn shards_of_another_run_are_refused_naming_what_differs() {
        let mut set: Vec<(String, ShardManifest)> = (1..=2).map(|k| (format!("s{k}"), manifest(k, 2, 4))).collect();
        set[1].1.seed = 8;
        set[1].1.scenarios[0].files[0].1 = "ef".into();
        set[1].1.placesim_version = "0.2.0".into();
        set[1].1.settings.insert("replicates".into(), serde_json::json!(5));
        let err = check_set(&set).unwrap_err();
        for needle in [
            "seed is 8 and theirs is 7",
            "SHA-256",
            "version",
            "setting `replicates` is 5",
        ] {
            assert!(err.contains(needle), "missing {needle:?} in {err}");
        }
        let mut other_count = vec![
            ("a".to_string(), manifest(1, 2, 4)),
            ("b".to_string(), manifest(2, 3, 4)),
        ];
        assert!(check_set(&other_count).unwrap_err().contains("shard count is 3"));
        other_count[1].1 = manifest(2, 2, 4);
        other_count[1].1.taken = vec![0];
        assert!(check_set(&other_count).unwrap_err().contains("does not hold the jobs"));
    }

    #[test]
    // Bits round-trip exactly: comparing them exactly is the test.
    #[allow(clippy::float_cmp)]
    fn the_codec_round_trips_bits_and_refuses_truncation() {
        let mut e = Encoder::new(b"TESTFMT1");
        e.u32(7);
        e.f64_list(&[1.5, -0.0, f64::NAN, f64::INFINITY]);
        e.u32s(&[1, 2, 3]);
        let bytes = e.finish();
        let mut d = Decoder::new(&bytes, b"TESTFMT1").unwrap();
        assert_eq!(d.u32().unwrap(), 7);
        let v = d.f64_list().unwrap();
        assert_eq!(v[0], 1.5);
        assert!(v[1].is_sign_negative() && v[2].is_nan() && v[3].is_infinite());
        assert_eq!(d.u32s(3).unwrap(), [1, 2, 3]);
        d.end().unwrap();
        assert!(Decoder::new(&bytes, b"OTHERFMT").is_err());
        let mut short = Decoder::new(&bytes[..bytes.len() - 2], b"TESTFMT1").unwrap();
        short.u32().unwrap();
        short.f64_list().unwrap();
        assert!(short.u32s(3).is_err());
    }
}
