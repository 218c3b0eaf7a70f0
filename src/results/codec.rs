//! A [`Tally`] as bytes, exactly, for shard folders ([`crate::shard`]): the merge of a
//! sharded run rebuilds the same tallies to the bit.

use super::{Tally, CELLS_PER_LOCALITY, LIFE_CELLS, LOCAL_DECILES};
use crate::shard::{Decoder, Encoder};

impl Tally {
    /// Appends this tally to `e`: its dimensions, residents per agent, then every table.
    pub fn encode(&self, e: &mut Encoder) {
        for n in [self.weeks, self.localities, self.fys, self.n_metrics, self.n_avoiding] {
            e.u64(n as u64);
        }
        e.f64(self.residents_per_agent);
        e.u32s(&self.weekly);
        e.u32s(&self.annual);
        e.u32s(&self.life);
        e.u32s(&self.equity);
        e.f64s(&self.qalys);
        e.f64s(&self.avoided);
    }

    /// Reads a tally [`Tally::encode`] wrote, refusing dimensions the bytes cannot hold.
    pub fn decode(d: &mut Decoder<'_>) -> Result<Tally, String> {
        let mut dim = || -> Result<usize, String> { d.count(0) };
        let (weeks, localities, fys, n_metrics, n_avoiding) = (dim()?, dim()?, dim()?, dim()?, dim()?);
        let size = |parts: &[usize]| -> Result<usize, String> {
            parts
                .iter()
                .try_fold(1usize, |a, &b| a.checked_mul(b))
                .ok_or_else(|| "a tally's dimensions are out of range".to_string())
        };
        let residents_per_agent = d.f64()?;
        Ok(Tally {
            weekly: d.u32s(size(&[weeks, localities, n_metrics])?)?,
            annual: d.u32s(size(&[fys, localities, CELLS_PER_LOCALITY, n_metrics])?)?,
            life: d.u32s(size(&[fys, localities, LIFE_CELLS])?)?,
            equity: d.u32s(size(&[fys, localities, LOCAL_DECILES, n_metrics])?)?,
            qalys: d.f64s(size(&[fys, localities, LOCAL_DECILES])?)?,
            avoided: d.f64s(size(&[weeks, localities, n_avoiding, 2])?)?,
            weeks,
            localities,
            fys,
            n_metrics,
            n_avoiding,
            residents_per_agent,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{Catalog, Metric};

    #[test]
    fn a_tally_round_trips_through_bytes_unchanged() {
        let catalog = Catalog::from_labels(&[("coach", "coaching")]);
        let mut t = Tally::new(5, 3, 2, &catalog).in_residents(0.1);
        t.weekly_row_mut(4, 2)[Metric::Deaths as usize] = 9;
        t.annual_block_mut(1, 0)[3] = 11;
        t.life_block_mut(1, 2)[7] = 5;
        t.equity_block_mut(0, 1)[2] = 4;
        t.qaly_row_mut(1, 1)[9] = 0.1 + 0.2;
        t.avoided_row_mut(3, 1)[1] = 1.0 / 3.0;
        let mut e = Encoder::new(b"TALLYTST");
        t.encode(&mut e);
        t.encode(&mut e);
        let bytes = e.finish();
        let mut d = Decoder::new(&bytes, b"TALLYTST").unwrap();
        assert_eq!(Tally::decode(&mut d).unwrap(), t);
        assert_eq!(Tally::decode(&mut d).unwrap(), t);
        d.end().unwrap();
        // The magic, the first tally and a few bytes of the second.
        let one = (bytes.len() - 8) / 2;
        let mut cut = Decoder::new(&bytes[..8 + one + 3], b"TALLYTST").unwrap();
        Tally::decode(&mut cut).unwrap();
        assert!(Tally::decode(&mut cut).is_err());
    }
}
