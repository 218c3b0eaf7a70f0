//! The `placesim` command line. This file only parses, dispatches and maps errors to exit
//! codes: 0 success, 2 bad input (scenario or place errors, bad arguments, an existing,
//! foreign or unwritable output folder), 3 `validate-targets --strict` failed, 130 interrupted
//! (Ctrl-C or SIGTERM), 1 anything else. Errors are rendered `{:#}` on stderr.

// The binary is where errors reach the terminal (architecture invariant 1).
#![allow(clippy::print_stderr)]

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    let result = cli::main();
    if placesim::output::interrupted() {
        // Ctrl-C or SIGTERM: the handler removed the unfinished output and is exiting too.
        return ExitCode::from(cli::signal::INTERRUPTED);
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            if let Some(usage) = err.downcast_ref::<clap::Error>() {
                // clap formats its own usage errors (with the usage line and hints).
                let _ = usage.print();
                return ExitCode::from(2);
            }
            eprintln!("error: {err:#}");
            if err.downcast_ref::<cli::TargetsFailed>().is_some() {
                return ExitCode::from(cli::TARGETS_FAILED);
            }
            ExitCode::from(if cli::is_bad_input(&err) { 2 } else { 1 })
        }
    }
}
