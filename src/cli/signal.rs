//! Ctrl-C and SIGTERM: remove every unfinished temporary file and folder
//! ([`placesim::output::remove_unfinished`]) and exit with [`INTERRUPTED`]. An earlier run is
//! never touched: a `--force` swap in progress finishes first, or does not start.

/// Exit status after an interrupt (128 + SIGINT, the shell's convention).
pub const INTERRUPTED: u8 = 130;

/// Installs the handler (SIGINT, SIGTERM and SIGHUP on Unix; Ctrl-C on Windows). The handler
/// runs on its own thread, so it may lock and remove files; the simulation threads are ended by
/// the exit.
pub fn install() {
    let installed = ctrlc::set_handler(|| {
        let removed = placesim::output::remove_unfinished();
        if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            // Off the progress bar's line.
            eprintln!();
        }
        for path in &removed {
            eprintln!("interrupted: removed unfinished {}", path.display());
        }
        eprintln!("interrupted");
        std::process::exit(i32::from(INTERRUPTED));
    });
    // Without a handler an interrupt still stops the process, only without the clean-up; the
    // next run into the same folder then removes the leftover (output::clean_leftovers).
    drop(installed);
}

/// Prints one line per leftover of a killed process that was cleaned up or left.
pub fn report_cleaned(cleaned: &[placesim::output::Cleaned]) {
    for item in cleaned {
        eprintln!("{item}");
    }
}
