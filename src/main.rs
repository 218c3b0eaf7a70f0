//! The `placesim` command line. This file only parses, dispatches and maps errors to exit
//! codes: 0 success, 2 bad input (scenario or place errors, bad arguments, an existing or
//! unwritable output folder), 1 anything else. Errors are rendered `{:#}` on stderr.

// The binary is where errors reach the terminal (architecture invariant 1).
#![allow(clippy::print_stderr)]

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::main() {
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
