//! Calibration and validation: targets as data, their computation from run results, and the
//! fitting of uncertain parameters to them.

pub mod believe;
pub mod fit;
pub mod nelder_mead;
pub mod targets;
