//! The `placesim` command line. This file only parses, dispatches and maps errors to exit
//! codes: 0 success, 2 bad input (scenario or place errors, bad arguments, an existing,
//! foreign or unwritable output folder), 3 `validate-targets --strict` failed, 130 interrupted
//! (Ctrl-C or SIGTERM), 1 anything else. Errors go to stderr with their causes, each once.

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
            eprintln!("error: {}", render(&err));
            if err.downcast_ref::<cli::TargetsFailed>().is_some() {
                return ExitCode::from(cli::TARGETS_FAILED);
            }
            ExitCode::from(if cli::is_bad_input(&err) { 2 } else { 1 })
        }
    }
}

/// The error and its causes, outermost first, joined by `: `, each cause once: a cause whose
/// text the message already holds (an I/O error that its wrapper also quotes) is not repeated.
fn render(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn a_cause_already_quoted_by_its_wrapper_is_printed_once() {
        let io = std::io::Error::other("No space left on device (os error 28)");
        let err =
            anyhow::Error::new(io).context("failed writing out/weekly.csv: No space left on device (os error 28)");
        let err = err.context("writing outputs");
        assert_eq!(
            render(&err),
            "writing outputs: failed writing out/weekly.csv: No space left on device (os error 28)"
        );
    }
}
