//! Analyses of run results: costs now; inequality and economics build on these.

pub mod costs;
pub mod life_table;
