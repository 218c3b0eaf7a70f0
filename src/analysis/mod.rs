//! Analyses of run results: costs, health economics, inequality, life tables and the paired
//! comparison of options that combines them.

pub mod bridge;
pub mod compare;
pub mod costs;
pub mod economics;
mod groups;
pub mod inequality;
pub mod life_table;
pub mod sensitivity;
pub mod series;
