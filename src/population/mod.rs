//! The synthetic population: one struct-of-arrays block per locality.
//!
//! Columns are compact (`u8` age, bit flags) and contiguous per locality, so a week's pass over
//! a locality touches a few dense arrays. Agents are never removed: the dead and the departed
//! stay with a cleared `ALIVE` flag and are skipped, so indices are stable for the whole run.

pub mod synth;

pub use synth::{synthesis_scale, synthesize};

/// Bit flags of [`LocalityPop::flags`].
pub mod flag {
    /// Alive and resident.
    pub const ALIVE: u8 = 1;
    /// Male (otherwise female).
    pub const MALE: u8 = 1 << 1;
    /// Socially isolated.
    pub const ISOLATED: u8 = 1 << 2;
    /// In hospital (emergency admission).
    pub const IN_HOSPITAL: u8 = 1 << 3;
    /// Sent home from A&E instead of being admitted (a service's diversion) since the last
    /// discharge: `discharged_week` then marks the crisis, whose post-crisis windows
    /// (readmission hazard, faster frailty) apply as after a discharge, but a later admission
    /// is not a readmission.
    pub const DIVERTED: u8 = 1 << 4;
    /// In hospital, fit for discharge on a supported route (reablement, a package or a care
    /// home), the discharge being arranged: `hospital_days` counts the arranging days left,
    /// and every bed day is a delayed bed day.
    pub const ARRANGING: u8 = 1 << 5;
    // Service state (waiting lists, episodes) is not here: each service keeps its own
    // columns (`crate::services`), so a new service never widens this field.
}

/// Care status.
pub mod care {
    /// No long-term care.
    pub const NONE: u8 = 0;
    /// Long-term home-care package.
    pub const HOME_CARE: u8 = 1;
    /// Living in a care home.
    pub const CARE_HOME: u8 = 2;
}

/// What an inpatient needs before discharge (see the hospital submodel).
pub mod need {
    /// Still receiving acute care.
    pub const ACUTE: u8 = 0;
    /// Fit for discharge home with no support.
    pub const HOME: u8 = 1;
    /// Fit for discharge, needs LIFE discharge to assess / reablement.
    pub const REABLEMENT: u8 = 2;
    /// Fit for discharge, needs a long-term home-care package.
    pub const CARE_PACKAGE: u8 = 3;
    /// Fit for discharge, needs a care home.
    pub const CARE_HOME: u8 = 4;
    /// Will die in hospital when the stay ends.
    pub const DIES: u8 = 5;
}

/// Sentinel for "no week" in week columns.
pub const NEVER: u16 = u16::MAX;

/// Residents of one locality, as columns. Index `i` is the agent's serial number within the
/// locality (its identity for random draws).
#[derive(Debug, Clone, Default)]
pub struct LocalityPop {
    /// Locality index.
    pub locality: u8,
    /// Age in whole years (capped at 110).
    pub age: Vec<u8>,
    /// Week of the year (0..52) on which the agent has its birthday.
    pub birthday_week: Vec<u8>,
    /// [`flag`] bits.
    pub flags: Vec<u8>,
    /// LSOA index into the place's LSOA arrays.
    pub lsoa: Vec<u16>,
    /// Practice index.
    pub practice: Vec<u16>,
    /// IMD decile 1..=10 (from the LSOA).
    pub imd_decile: Vec<u8>,
    /// Ethnic group index.
    pub ethnicity: Vec<u8>,
    /// Long-term conditions as bits (bit k = condition k of the place file).
    pub conditions: Vec<u8>,
    /// Frailty 0 = fit, 1 = mild, 2 = moderate, 3 = severe.
    pub frailty: Vec<u8>,
    /// [`care`] status.
    pub care: Vec<u8>,
    /// Inpatients: days of acute stay left; then delayed days are counted while `need` waits.
    pub hospital_days: Vec<u16>,
    /// Inpatients: [`need`] code.
    pub need: Vec<u8>,
    /// Week of the last discharge (for 30-day readmissions and post-admission frailty).
    pub discharged_week: Vec<u16>,
    /// Moved into the place during the run (not resident at the start nor born here). QALYs
    /// are counted for the closed cohort only: the model fills each locality to its projected
    /// size with in-migrants, so a death averted displaces an in-migrant.
    pub moved_in: Vec<bool>,
}

impl LocalityPop {
    /// Number of agents ever created in this locality (alive or not).
    pub fn len(&self) -> usize {
        self.age.len()
    }

    /// True when no agent was ever created.
    pub fn is_empty(&self) -> bool {
        self.age.is_empty()
    }

    /// Reserves room for `n` more agents in every column (done once, before the run, so the
    /// weekly loop never reallocates).
    pub fn reserve(&mut self, n: usize) {
        self.age.reserve(n);
        self.birthday_week.reserve(n);
        self.flags.reserve(n);
        self.lsoa.reserve(n);
        self.practice.reserve(n);
        self.imd_decile.reserve(n);
        self.ethnicity.reserve(n);
        self.conditions.reserve(n);
        self.frailty.reserve(n);
        self.care.reserve(n);
        self.hospital_days.reserve(n);
        self.need.reserve(n);
        self.discharged_week.reserve(n);
        self.moved_in.reserve(n);
    }

    /// Appends one agent with the given attributes and no service history.
    #[allow(clippy::too_many_arguments)]
    pub fn push(
        &mut self,
        age: u8,
        birthday_week: u8,
        flags: u8,
        lsoa: u16,
        practice: u16,
        imd_decile: u8,
        ethnicity: u8,
        conditions: u8,
        frailty: u8,
        care: u8,
    ) {
        self.age.push(age);
        self.birthday_week.push(birthday_week);
        self.flags.push(flags);
        self.lsoa.push(lsoa);
        self.practice.push(practice);
        self.imd_decile.push(imd_decile);
        self.ethnicity.push(ethnicity);
        self.conditions.push(conditions);
        self.frailty.push(frailty);
        self.care.push(care);
        self.hospital_days.push(0);
        self.need.push(need::ACUTE);
        self.discharged_week.push(NEVER);
        self.moved_in.push(false);
    }

    /// Residents alive now.
    pub fn alive_count(&self) -> usize {
        self.flags.iter().filter(|&&f| f & flag::ALIVE != 0).count()
    }

    /// Bytes of column storage per agent (for the memory budget; the engine also keeps each
    /// resident's hashed random stream, 8 bytes, and the services their own columns,
    /// `crate::services::Services::bytes_per_agent`, while it steps a locality).
    pub const BYTES_PER_AGENT: usize = 1 + 1 + 1 + 2 + 2 + 1 + 1 + 1 + 1 + 1 + 2 + 1 + 2 + 1;
}

/// The whole population: one block per locality, in place order.
#[derive(Debug, Clone, Default)]
pub struct Population {
    /// Locality blocks.
    pub localities: Vec<LocalityPop>,
}

impl Population {
    /// Residents alive now.
    pub fn alive_count(&self) -> usize {
        self.localities.iter().map(LocalityPop::alive_count).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::size_of_val;

    #[test]
    fn bytes_per_agent_is_the_sum_of_the_column_widths() {
        let mut p = LocalityPop::default();
        p.push(40, 3, flag::ALIVE, 0, 0, 5, 0, 0, 0, care::NONE);
        let widths = [
            size_of_val(&p.age[0]),
            size_of_val(&p.birthday_week[0]),
            size_of_val(&p.flags[0]),
            size_of_val(&p.lsoa[0]),
            size_of_val(&p.practice[0]),
            size_of_val(&p.imd_decile[0]),
            size_of_val(&p.ethnicity[0]),
            size_of_val(&p.conditions[0]),
            size_of_val(&p.frailty[0]),
            size_of_val(&p.care[0]),
            size_of_val(&p.hospital_days[0]),
            size_of_val(&p.need[0]),
            size_of_val(&p.discharged_week[0]),
            size_of_val(&p.moved_in[0]),
        ];
        assert_eq!(widths.iter().sum::<usize>(), LocalityPop::BYTES_PER_AGENT);
        assert_eq!(LocalityPop::BYTES_PER_AGENT, 18);
    }
}
