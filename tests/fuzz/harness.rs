//! The fuzz loop: proptest's `TestRunner` with a fixed ChaCha seed, panics caught and
//! classified, every distinct defect shrunk and saved, and the run continued after a defect so
//! one long run lists all of them.

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use sha2::{Digest, Sha256};
use std::cell::{Cell, RefCell};
use std::fmt::Debug;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

/// A broken property: `signature` identifies the defect (a panic location, an exit code, a
/// wrong error kind) so that inputs hitting the same defect count once.
#[derive(Debug, Clone)]
pub struct Defect {
    /// What identifies the defect (without input-specific values).
    pub signature: String,
    /// What happened, in full.
    pub message: String,
}

impl Defect {
    /// A defect whose signature is the message up to the first input-specific detail.
    pub fn new(signature: impl Into<String>, message: impl Into<String>) -> Defect {
        Defect {
            signature: signature.into(),
            message: message.into(),
        }
    }
}

thread_local! {
    static OUTCOMES: RefCell<std::collections::BTreeMap<&'static str, u64>> = const { RefCell::new(std::collections::BTreeMap::new()) };
    static QUIET: Cell<bool> = const { Cell::new(false) };
    static LAST_PANIC: RefCell<Option<(String, String)>> = const { RefCell::new(None) };
}

/// Runs `f`, turning a panic into a [`Defect`] named by the panic's location. The panic
/// message is recorded instead of printed (a fuzz run may panic thousands of times while it
/// shrinks); panics outside `guarded` print as usual.
pub fn guarded<T>(what: &str, f: impl FnOnce() -> T) -> Result<T, Defect> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if QUIET.with(Cell::get) {
                let location = info
                    .location()
                    .map(|l| format!("{}:{}", l.file(), l.line()))
                    .unwrap_or_default();
                let message = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                LAST_PANIC.with(|p| *p.borrow_mut() = Some((location, message)));
            } else {
                previous(info);
            }
        }));
    });
    QUIET.with(|q| q.set(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(false));
    result.map_err(|_| {
        let (location, message) = LAST_PANIC.with(|p| p.borrow_mut().take()).unwrap_or_default();
        Defect::new(
            format!("{what} panicked at {location}"),
            format!("{what} panicked at {location}: {message}"),
        )
    })
}

/// Counts an outcome of the current case (e.g. `accepted`, `refused`) for the report, so a
/// run shows how deep its inputs reach and not only that nothing failed.
pub fn outcome(label: &'static str) {
    OUTCOMES.with(|o| *o.borrow_mut().entry(label).or_default() += 1);
}

/// Number of cases from an environment variable, or `default`.
pub fn env_count(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// What one target's run found.
pub struct Report {
    /// Target name.
    pub target: String,
    /// Inputs generated and checked (shrinking steps not counted).
    pub cases: u64,
    /// Inputs tried while shrinking failures.
    pub shrink_steps: u64,
    /// Wall time.
    pub seconds: f64,
    /// Every distinct defect, with the folder its minimal input was saved in.
    pub findings: Vec<(Defect, PathBuf)>,
    /// Outcomes counted with [`outcome`] (shrinking steps included).
    pub outcomes: Vec<(&'static str, u64)>,
}

impl Report {
    /// One line for the log (`--nocapture`).
    pub fn line(&self) -> String {
        format!(
            "fuzz {:<12} {:>9} cases in {:>8.1} s ({:>8.0} cases/s), {} shrink steps, {} finding(s)",
            self.target,
            self.cases,
            self.seconds,
            self.cases as f64 / self.seconds.max(1e-9),
            self.shrink_steps,
            self.findings.len()
        ) + &self
            .outcomes
            .iter()
            .map(|(k, n)| format!("; {k} {n}"))
            .collect::<String>()
    }

    /// Panics with every finding when there is one (the test fails), after printing the line.
    pub fn assert_clean(&self) {
        println!("{}", self.line());
        if self.findings.is_empty() {
            return;
        }
        let mut text = format!(
            "{} distinct defect(s) found by fuzz target `{}`:\n",
            self.findings.len(),
            self.target
        );
        for (d, dir) in &self.findings {
            text.push_str(&format!(
                "  - {}\n    minimal input: {}\n",
                truncate(&d.message, 600),
                dir.display()
            ));
        }
        panic!("{text}");
    }
}

/// At most `n` characters of `s`.
pub fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

/// Where minimal inputs are saved: `PLACESIM_FUZZ_FOUND`, else `target/tmp/fuzz-found`.
pub fn found_dir() -> PathBuf {
    std::env::var_os("PLACESIM_FUZZ_FOUND")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-found"))
}

/// A short stable name for a signature.
pub fn short_hash(s: &str) -> String {
    let h = Sha256::digest(s.as_bytes());
    h[..4].iter().map(|b| format!("{b:02x}")).collect()
}

/// Runs `cases` inputs of `strategy` through `check`. A failing input is shrunk (only towards
/// inputs with the same defect signature), saved by `save` into its own folder under
/// [`found_dir`], and the run continues with the rest of the cases on a new stream of the
/// same fixed seed. Inputs hitting a defect already found are not shrunk again.
pub fn fuzz<S>(
    target: &str,
    cases: u64,
    strategy: S,
    check: impl Fn(&S::Value) -> Result<(), Defect>,
    save: impl Fn(&S::Value, &Path) -> io::Result<()>,
) -> Report
where
    S: Strategy,
    S::Value: Debug,
{
    let seed: u64 = env_count("PLACESIM_FUZZ_SEED", 0);
    let clock = Instant::now();
    let mut report = Report {
        target: target.to_string(),
        cases: 0,
        shrink_steps: 0,
        seconds: 0.0,
        findings: Vec::new(),
        outcomes: Vec::new(),
    };
    OUTCOMES.with(|o| o.borrow_mut().clear());
    let watchdog = Watchdog::start(target);
    let mut round = 0u64;
    while report.cases < cases {
        let remaining = (cases - report.cases).min(u64::from(u32::MAX)) as u32;
        let rng_seed = Sha256::digest(format!("placesim-fuzz/{target}/{seed}/{round}").as_bytes());
        let config = Config {
            cases: remaining,
            failure_persistence: None,
            max_shrink_iters: 4096,
            ..Config::default()
        };
        let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &rng_seed));
        let generated = Cell::new(0u64);
        let shrinks = Cell::new(0u64);
        let pinned: RefCell<Option<String>> = RefCell::new(None);
        let known: Vec<String> = report.findings.iter().map(|(d, _)| d.signature.clone()).collect();
        let result = runner.run(&strategy, |value| {
            if pinned.borrow().is_some() {
                shrinks.set(shrinks.get() + 1);
            } else {
                generated.set(generated.get() + 1);
            }
            watchdog.case(&value);
            let outcome = check(&value);
            let Err(defect) = outcome else {
                return Ok(());
            };
            let mut pin = pinned.borrow_mut();
            match pin.as_ref() {
                None if known.contains(&defect.signature) => Ok(()),
                None => {
                    *pin = Some(defect.signature.clone());
                    Err(TestCaseError::fail(defect.signature))
                }
                Some(sig) if *sig == defect.signature => Err(TestCaseError::fail(defect.signature)),
                Some(_) => Ok(()),
            }
        });
        report.cases += generated.get();
        report.shrink_steps += shrinks.get();
        match result {
            Ok(()) => break,
            Err(TestError::Fail(_, minimal)) => {
                let defect = check(&minimal).err().unwrap_or_else(|| {
                    Defect::new(
                        pinned.borrow().clone().unwrap_or_default(),
                        "(the minimal input passed when checked again: the defect is not deterministic)",
                    )
                });
                let dir = found_dir().join(format!("{target}-{}", short_hash(&defect.signature)));
                let _ = std::fs::remove_dir_all(&dir);
                let saved = std::fs::create_dir_all(&dir)
                    .and_then(|()| save(&minimal, &dir))
                    .and_then(|()| {
                        std::fs::write(
                            dir.join("finding.txt"),
                            format!(
                                "target: {target}\nsignature: {}\nmessage: {}\ninput (proptest value): {minimal:#?}\n",
                                defect.signature,
                                truncate(&defect.message, 4000)
                            ),
                        )
                    });
                if let Err(e) = saved {
                    eprintln!(
                        "fuzz {target}: could not save the minimal input in {}: {e}",
                        dir.display()
                    );
                }
                println!("fuzz {target}: FOUND {} -> {}", defect.signature, dir.display());
                report.findings.push((defect, dir));
            }
            Err(TestError::Abort(why)) => panic!("fuzz {target}: proptest aborted: {why}"),
        }
        round += 1;
    }
    watchdog.stop();
    report.outcomes = OUTCOMES.with(|o| o.borrow().iter().map(|(k, v)| (*k, *v)).collect());
    report.seconds = clock.elapsed().as_secs_f64();
    report
}

/// Ends the process with the input that has run for more than `PLACESIM_FUZZ_HANG_S`
/// seconds (default 300): a hang is a finding too, and the test would otherwise never end.
struct Watchdog {
    current: Arc<Mutex<(Instant, String)>>,
    done: Arc<AtomicBool>,
}

impl Watchdog {
    fn start(target: &str) -> Watchdog {
        let current = Arc::new(Mutex::new((Instant::now(), String::new())));
        let done = Arc::new(AtomicBool::new(false));
        let limit = Duration::from_secs(env_count("PLACESIM_FUZZ_HANG_S", 300));
        let (c, d, target) = (current.clone(), done.clone(), target.to_string());
        std::thread::spawn(move || {
            while !d.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(500));
                let (since, case) = c.lock().map(|g| g.clone()).unwrap_or_else(|e| e.into_inner().clone());
                if since.elapsed() > limit && !d.load(Ordering::Relaxed) {
                    let dir = found_dir().join(format!("{target}-hang"));
                    let _ = std::fs::create_dir_all(&dir);
                    let _ = std::fs::write(dir.join("finding.txt"), format!("target: {target}\nhang: {case}\n"));
                    eprintln!(
                        "fuzz {target}: an input ran for more than {} s (saved in {}):\n{case}",
                        limit.as_secs(),
                        dir.display()
                    );
                    std::process::exit(101);
                }
            }
        });
        Watchdog { current, done }
    }

    fn case(&self, value: &impl Debug) {
        if let Ok(mut g) = self.current.lock() {
            *g = (Instant::now(), format!("{value:?}"));
        }
    }

    fn stop(&self) {
        self.done.store(true, Ordering::Relaxed);
    }
}
