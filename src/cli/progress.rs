//! Progress display: an [`Observer`] that drives an indicatif bar on stderr.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use placesim::runner::Observer;
use std::io::IsTerminal;

/// A progress bar over (scenario, replicate) jobs; invisible when quiet or when stderr is not
/// a terminal.
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A bar, unless `quiet` or stderr is not a terminal.
    pub fn new(quiet: bool) -> Progress {
        if quiet || !std::io::stderr().is_terminal() {
            return Progress { bar: None };
        }
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} replicates, eta {eta} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        Progress { bar: Some(bar) }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Observer for Progress {
    fn started(&self, jobs: usize) {
        if let Some(bar) = &self.bar {
            bar.set_length(jobs as u64);
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
        }
    }

    fn replicate_done(&self, scenario: &str, replicate: u32) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
            bar.set_message(format!("({scenario} #{replicate} done)"));
        }
    }
}
