//! The rows of a tidy table, produced once and written by any number of formats.
//!
//! The code that knows a table's contents (`tables.rs`, `series.rs`, `compare.rs`, `psa.rs`)
//! produces its rows as typed [`Field`]s into a [`RowSink`]; [`CsvSink`] writes them as CSV text
//! and [`super::parquet::ParquetSink`] as a typed Parquet file. A number is handed over as the
//! text the CSV writes ([`Field::Number`]), and the Parquet sink stores what that text parses
//! to, so both files hold the same values exactly (a total over either agrees to the bit), and
//! a value missing in one (an empty field) is missing (null) in the other.

use super::csv_field;
use crate::calendar::Date;
use std::io::{self, Write};

/// The type of a column: how Parquet stores it (CSV writes every type as text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A label from a small set (scenario, locality, metric, unit, …): dictionary-encoded text,
    /// `Dictionary(Int32, Utf8)` in Parquet, so readers load it as a categorical.
    Category,
    /// A whole number (replicate numbers, counts of replicates): `Int32`.
    Int,
    /// A calendar date: `Date32` (days since 1970-01-01); `YYYY-MM-DD` in CSV.
    Date,
    /// A number: `Float64`, null where the CSV field is empty (missing).
    Number,
}

/// One column of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Its name (the CSV header's field).
    pub name: String,
    /// Its type.
    pub kind: Kind,
}

/// A table's columns, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The columns.
    pub columns: Vec<Column>,
}

impl Table {
    /// A table of these `(name, kind)` columns.
    pub fn of<'a>(columns: impl IntoIterator<Item = (&'a str, Kind)>) -> Table {
        Table {
            columns: columns
                .into_iter()
                .map(|(name, kind)| Column {
                    name: name.to_string(),
                    kind,
                })
                .collect(),
        }
    }

    /// The CSV header: the column names separated by commas.
    pub fn header(&self) -> String {
        self.columns
            .iter()
            .map(|c| csv_field(&c.name))
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// One field of a row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Field<'a> {
    /// Text, for a [`Kind::Category`] column.
    Text(&'a str),
    /// A whole number, for a [`Kind::Int`] column.
    Int(i64),
    /// A date, for a [`Kind::Date`] column.
    Date(Date),
    /// A number as the CSV writes it (empty when missing), for a [`Kind::Number`] column.
    Number(&'a str),
}

/// Where a table's rows go. Rows come in blocks that share their first fields (the key: in
/// `weekly`, everything before the metric), so a sink can prepare them once per block.
pub trait RowSink {
    /// Sets the first fields of the rows that follow, until the next call (none at first).
    fn key(&mut self, fields: &[Field<'_>]) -> io::Result<()>;
    /// Writes one row: the key's fields, then `fields`, one per remaining column.
    fn row(&mut self, fields: &[Field<'_>]) -> io::Result<()>;
    /// Writes out whatever is buffered and ends the file. No row may follow.
    fn finish(&mut self) -> io::Result<()>;
}

/// Bytes gathered before they are handed to the writer.
const CSV_BLOCK: usize = 64 * 1024;

/// Writes rows as CSV: the header first, then one line per row; text quoted only when it must
/// be ([`csv_field`]), numbers exactly as given.
pub struct CsvSink<'w> {
    w: &'w mut dyn Write,
    prefix: Vec<u8>,
    buf: Vec<u8>,
}

impl<'w> CsvSink<'w> {
    /// A sink writing `table`'s header line to `w` now and rows as they come.
    pub fn new(w: &'w mut dyn Write, table: &Table) -> io::Result<CsvSink<'w>> {
        writeln!(w, "{}", table.header())?;
        Ok(CsvSink {
            w,
            prefix: Vec::with_capacity(256),
            buf: Vec::with_capacity(CSV_BLOCK + 1024),
        })
    }
}

/// Appends `field` as CSV text.
fn push_field(out: &mut Vec<u8>, field: &Field<'_>) {
    match *field {
        Field::Text(text) => {
            if text.contains([',', '"', '\n', '\r']) {
                out.extend_from_slice(csv_field(text).as_bytes());
            } else {
                out.extend_from_slice(text.as_bytes());
            }
        }
        // Writing into a Vec cannot fail.
        Field::Int(n) => {
            let _ = write!(out, "{n}");
        }
        Field::Date(d) => {
            let _ = write!(out, "{d}");
        }
        Field::Number(text) => out.extend_from_slice(text.as_bytes()),
    }
}

impl RowSink for CsvSink<'_> {
    fn key(&mut self, fields: &[Field<'_>]) -> io::Result<()> {
        self.prefix.clear();
        for f in fields {
            push_field(&mut self.prefix, f);
            self.prefix.push(b',');
        }
        Ok(())
    }

    fn row(&mut self, fields: &[Field<'_>]) -> io::Result<()> {
        self.buf.extend_from_slice(&self.prefix);
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                self.buf.push(b',');
            }
            push_field(&mut self.buf, f);
        }
        self.buf.push(b'\n');
        if self.buf.len() >= CSV_BLOCK {
            self.w.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.w.write_all(&self.buf)?;
        self.buf.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_are_the_key_then_the_fields_with_text_quoted_only_when_needed() {
        let table = Table::of([
            ("scenario", Kind::Category),
            ("replicate", Kind::Int),
            ("week_start", Kind::Date),
            ("metric", Kind::Category),
            ("value", Kind::Number),
        ]);
        let mut out = Vec::new();
        let mut sink = CsvSink::new(&mut out, &table).unwrap();
        let week = Date::from_ymd(2019, 4, 1).unwrap();
        sink.key(&[Field::Text("a,b"), Field::Int(3), Field::Date(week)])
            .unwrap();
        sink.row(&[Field::Text("deaths"), Field::Number("5.0")]).unwrap();
        sink.row(&[Field::Text("say \"hi\""), Field::Number("")]).unwrap();
        sink.finish().unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "scenario,replicate,week_start,metric,value\n\"a,b\",3,2019-04-01,deaths,5.0\n\"a,b\",3,2019-04-01,\"say \"\"hi\"\"\",\n"
        );
    }
}
