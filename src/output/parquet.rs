//! Typed Parquet versions of the tidy tables: [`ParquetSink`], a [`RowSink`] that stores each
//! column with its [`Kind`] (labels as dictionary-encoded text, whole numbers as `Int32`, dates
//! as `Date32`, numbers as `Float64` with null for missing) and writes zstd-compressed row
//! groups as the rows come, in batches of [`BATCH_ROWS`], so memory stays bounded however
//! long the table is.
//!
//! The bytes depend only on the rows: the writer embeds no time, host or path (its `created_by`
//! names the parquet crate's version, and the Arrow schema it stores is the table's), and
//! dictionaries list their labels in the order they first appear. So the same rows give the
//! same file, which the manifest hashes like any data file.

use super::rows::{Field, Kind, RowSink, Table};
use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, Date32Array, DictionaryArray, Float64Array, Int32Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field as ArrowField, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::Arc;

/// Rows gathered into one Arrow batch before it is handed to the Parquet writer.
pub const BATCH_ROWS: usize = 64 * 1024;

/// Rows of one Parquet row group (the writer keeps one row group's encoded pages in memory).
pub const ROW_GROUP_ROWS: usize = 1024 * 1024;

/// The zstd level (1 fastest … 22 smallest).
pub const ZSTD_LEVEL: i32 = 3;

/// The Arrow type of a column of `kind`.
fn data_type(kind: Kind) -> DataType {
    match kind {
        Kind::Category => DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
        Kind::Int => DataType::Int32,
        Kind::Date => DataType::Date32,
        Kind::Number => DataType::Float64,
    }
}

/// The Arrow schema of `table`: numbers may be null (missing), every other column is always set.
pub fn schema(table: &Table) -> Schema {
    Schema::new(
        table
            .columns
            .iter()
            .map(|c| {
                ArrowField::new(
                    c.name.as_str(),
                    data_type(c.kind),
                    matches!(c.kind, Kind::Number | Kind::Category),
                )
            })
            .collect::<Vec<_>>(),
    )
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// The labels of a category column, each with its dictionary key (the order first seen).
#[derive(Debug, Default)]
struct Labels {
    values: Vec<String>,
    index: BTreeMap<String, i32>,
    /// `values` as an Arrow array, rebuilt only when a label is added.
    array: Option<Arc<StringArray>>,
}

impl Labels {
    fn key(&mut self, label: &str) -> io::Result<i32> {
        if let Some(&k) = self.index.get(label) {
            return Ok(k);
        }
        let k = i32::try_from(self.values.len()).map_err(|_| invalid("too many labels in one column".into()))?;
        self.values.push(label.to_string());
        self.index.insert(label.to_string(), k);
        self.array = None;
        Ok(k)
    }

    fn array(&mut self) -> Arc<StringArray> {
        Arc::clone(
            self.array
                .get_or_insert_with(|| Arc::new(StringArray::from_iter_values(self.values.iter()))),
        )
    }
}

/// One column's values of the batch being gathered.
#[derive(Debug)]
enum Values {
    /// Dictionary keys into the column's labels (`None`: an empty label, stored as null).
    Category(Labels, Vec<Option<i32>>),
    Int(Vec<i32>),
    Date(Vec<i32>),
    Number(Vec<Option<f64>>),
}

/// One field, converted to what its column stores.
#[derive(Debug, Clone, Copy)]
enum Cell {
    Key(i32),
    /// A category's key; `None` for an empty label (a missing value, as the CSV's empty field reads).
    Label(Option<i32>),
    Number(Option<f64>),
}

impl Values {
    fn new(kind: Kind) -> Values {
        let rows = BATCH_ROWS;
        match kind {
            Kind::Category => Values::Category(Labels::default(), Vec::with_capacity(rows)),
            Kind::Int => Values::Int(Vec::with_capacity(rows)),
            Kind::Date => Values::Date(Vec::with_capacity(rows)),
            Kind::Number => Values::Number(Vec::with_capacity(rows)),
        }
    }

    /// `field` as this column stores it; an error when it is not of the column's kind.
    fn cell(&mut self, field: &Field<'_>, column: &str) -> io::Result<Cell> {
        match (self, *field) {
            (Values::Category(_, _), Field::Text("")) => Ok(Cell::Label(None)),
            (Values::Category(labels, _), Field::Text(t)) => Ok(Cell::Label(Some(labels.key(t)?))),
            (Values::Int(_), Field::Int(n)) => i32::try_from(n)
                .map(Cell::Key)
                .map_err(|_| invalid(format!("column `{column}`: {n} does not fit in 32 bits"))),
            (Values::Date(_), Field::Date(d)) => Ok(Cell::Key(d.days())),
            (Values::Number(_), Field::Number(text)) => {
                if text.is_empty() {
                    Ok(Cell::Number(None))
                } else {
                    text.parse::<f64>()
                        .map(|v| Cell::Number(Some(v)))
                        .map_err(|_| invalid(format!("column `{column}`: `{text}` is not a number")))
                }
            }
            (_, f) => Err(invalid(format!("column `{column}`: a field of the wrong type ({f:?})"))),
        }
    }

    fn push(&mut self, cell: Cell) {
        match (self, cell) {
            (Values::Category(_, keys), Cell::Label(k)) => keys.push(k),
            (Values::Int(keys), Cell::Key(k)) | (Values::Date(keys), Cell::Key(k)) => keys.push(k),
            (Values::Number(v), Cell::Number(x)) => v.push(x),
            // `cell` made the cell for this column, so the kinds always match.
            _ => {}
        }
    }

    /// The gathered values as an Arrow array, leaving the column empty for the next batch.
    fn take(&mut self) -> io::Result<ArrayRef> {
        Ok(match self {
            Values::Category(labels, keys) => {
                let keys = Int32Array::from(std::mem::replace(keys, Vec::with_capacity(BATCH_ROWS)));
                let array = DictionaryArray::<Int32Type>::try_new(keys, labels.array()).map_err(io::Error::other)?;
                Arc::new(array)
            }
            Values::Int(v) => Arc::new(Int32Array::from(std::mem::replace(v, Vec::with_capacity(BATCH_ROWS)))),
            Values::Date(v) => Arc::new(Date32Array::from(std::mem::replace(v, Vec::with_capacity(BATCH_ROWS)))),
            Values::Number(v) => Arc::new(Float64Array::from(std::mem::replace(v, Vec::with_capacity(BATCH_ROWS)))),
        })
    }
}

/// The writer settings of every Parquet file placesim writes.
fn properties() -> io::Result<WriterProperties> {
    let level = ZstdLevel::try_new(ZSTD_LEVEL).map_err(io::Error::other)?;
    Ok(WriterProperties::builder()
        .set_compression(Compression::ZSTD(level))
        .set_max_row_group_size(ROW_GROUP_ROWS)
        .build())
}

/// Writes rows as a Parquet file of `table`'s columns and types into `w`.
pub struct ParquetSink<W: Write + Send> {
    writer: ArrowWriter<W>,
    schema: SchemaRef,
    columns: Vec<Values>,
    names: Vec<String>,
    /// The current key's cells (the first columns of every row).
    key: Vec<Cell>,
    /// The cells of the row being converted.
    scratch: Vec<Cell>,
    /// Rows gathered in the current batch.
    rows: usize,
}

impl<W: Write + Send> ParquetSink<W> {
    /// A sink writing `table` to `w` (nothing is written until the first batch or
    /// [`RowSink::finish`]).
    pub fn new(w: W, table: &Table) -> io::Result<ParquetSink<W>> {
        let schema = Arc::new(schema(table));
        let writer = ArrowWriter::try_new(w, Arc::clone(&schema), Some(properties()?)).map_err(io::Error::other)?;
        Ok(ParquetSink {
            writer,
            schema,
            columns: table.columns.iter().map(|c| Values::new(c.kind)).collect(),
            names: table.columns.iter().map(|c| c.name.clone()).collect(),
            key: Vec::new(),
            scratch: Vec::new(),
            rows: 0,
        })
    }

    /// Hands the gathered rows to the Parquet writer as one batch.
    fn flush_batch(&mut self) -> io::Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let arrays = self
            .columns
            .iter_mut()
            .map(Values::take)
            .collect::<io::Result<Vec<_>>>()?;
        let batch = RecordBatch::try_new(Arc::clone(&self.schema), arrays).map_err(io::Error::other)?;
        self.writer.write(&batch).map_err(io::Error::other)?;
        self.rows = 0;
        Ok(())
    }
}

impl<W: Write + Send> RowSink for ParquetSink<W> {
    fn key(&mut self, fields: &[Field<'_>]) -> io::Result<()> {
        if fields.len() > self.columns.len() {
            return Err(invalid(format!(
                "a key of {} fields for a table of {} columns",
                fields.len(),
                self.columns.len()
            )));
        }
        self.key.clear();
        for ((values, name), f) in self.columns.iter_mut().zip(&self.names).zip(fields) {
            self.key.push(values.cell(f, name)?);
        }
        Ok(())
    }

    fn row(&mut self, fields: &[Field<'_>]) -> io::Result<()> {
        let k = self.key.len();
        if k + fields.len() != self.columns.len() {
            return Err(invalid(format!(
                "a row of {} fields for a table of {} columns",
                k + fields.len(),
                self.columns.len()
            )));
        }
        // Convert first, so that a bad field leaves no partial row behind.
        self.scratch.clear();
        for ((values, name), f) in self.columns[k..].iter_mut().zip(&self.names[k..]).zip(fields) {
            self.scratch.push(values.cell(f, name)?);
        }
        for (values, &cell) in self.columns.iter_mut().zip(self.key.iter().chain(&self.scratch)) {
            values.push(cell);
        }
        self.rows += 1;
        if self.rows >= BATCH_ROWS {
            self.flush_batch()?;
        }
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.flush_batch()?;
        self.writer.finish().map_err(io::Error::other)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Date;
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Date32Type, Float64Type};
    use arrow_array::{Array, RecordBatchReader};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    fn table() -> Table {
        Table::of([
            ("scenario", Kind::Category),
            ("replicate", Kind::Int),
            ("week_start", Kind::Date),
            ("metric", Kind::Category),
            ("value", Kind::Number),
        ])
    }

    /// Rows enough for three batches, with a label first seen in the last one.
    fn write(rows: usize) -> Vec<u8> {
        let mut out = Vec::new();
        let mut sink = ParquetSink::new(&mut out, &table()).unwrap();
        let start = Date::from_ymd(2019, 4, 1).unwrap();
        for i in 0..rows {
            let scenario = if i + 10 >= rows { "late" } else { "base" };
            sink.key(&[
                Field::Text(scenario),
                Field::Int((i % 7) as i64),
                Field::Date(start.add_days(7 * (i / 100) as i32)),
            ])
            .unwrap();
            let value = if i % 5 == 0 {
                String::new()
            } else {
                format!("{}.5", i % 1000)
            };
            sink.row(&[Field::Text(["deaths", "cost_ae"][i % 2]), Field::Number(&value)])
                .unwrap();
        }
        sink.finish().unwrap();
        drop(sink);
        out
    }

    #[test]
    fn a_table_reads_back_with_its_declared_types_and_every_value() {
        let rows = 2 * BATCH_ROWS + 123;
        let bytes = write(rows);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        std::fs::write(&path, &bytes).unwrap();
        let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&path).unwrap())
            .unwrap()
            .build()
            .unwrap();
        let schema = reader.schema();
        let dict = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
        let types: Vec<(&str, &DataType, bool)> = schema
            .fields()
            .iter()
            .map(|f| (f.name().as_str(), f.data_type(), f.is_nullable()))
            .collect();
        assert_eq!(
            types,
            [
                // Labels may be empty (null), as a CSV field may.
                ("scenario", &dict, true),
                ("replicate", &DataType::Int32, false),
                ("week_start", &DataType::Date32, false),
                ("metric", &dict, true),
                ("value", &DataType::Float64, true),
            ]
        );
        let start = Date::from_ymd(2019, 4, 1).unwrap();
        let mut i = 0;
        for batch in reader {
            let batch = batch.unwrap();
            let scenario = batch.column(0).as_dictionary::<Int32Type>();
            let names = scenario.values().as_string::<i32>();
            let replicate = batch.column(1).as_primitive::<Int32Type>();
            let week = batch.column(2).as_primitive::<Date32Type>();
            let metric = batch.column(3).as_dictionary::<Int32Type>();
            let metrics = metric.values().as_string::<i32>();
            let value = batch.column(4).as_primitive::<Float64Type>();
            for r in 0..batch.num_rows() {
                let want_scenario = if i + 10 >= rows { "late" } else { "base" };
                assert_eq!(names.value(scenario.keys().value(r) as usize), want_scenario);
                assert_eq!(replicate.value(r), (i % 7) as i32);
                assert_eq!(week.value(r), start.add_days(7 * (i / 100) as i32).days());
                assert_eq!(
                    metrics.value(metric.keys().value(r) as usize),
                    ["deaths", "cost_ae"][i % 2]
                );
                if i % 5 == 0 {
                    assert!(value.is_null(r), "row {i}: an empty field is null");
                } else {
                    assert_eq!(
                        value.value(r).to_bits(),
                        format!("{}.5", i % 1000).parse::<f64>().unwrap().to_bits()
                    );
                }
                i += 1;
            }
        }
        assert_eq!(i, rows);
    }

    #[test]
    fn the_same_rows_give_the_same_bytes() {
        let a = write(BATCH_ROWS + 5);
        assert_eq!(a, write(BATCH_ROWS + 5));
        assert!(a.starts_with(b"PAR1") && a.ends_with(b"PAR1"));
        assert_ne!(a, write(BATCH_ROWS + 6), "and other rows other bytes");
    }

    #[test]
    fn a_field_of_the_wrong_type_or_count_is_refused() {
        let mut out = Vec::new();
        let mut sink = ParquetSink::new(&mut out, &table()).unwrap();
        let day = Date::from_ymd(2019, 4, 1).unwrap();
        assert!(sink.key(&[Field::Int(1), Field::Int(0), Field::Date(day)]).is_err());
        sink.key(&[Field::Text("a"), Field::Int(0), Field::Date(day)]).unwrap();
        assert!(sink.row(&[Field::Text("m")]).is_err(), "a short row");
        let err = sink.row(&[Field::Text("m"), Field::Number("lots")]).unwrap_err();
        assert!(err.to_string().contains("`lots` is not a number"), "{err}");
        assert!(
            sink.row(&[Field::Text("m"), Field::Int(1)]).is_err(),
            "an integer for a number"
        );
        assert!(
            sink.key(&[Field::Text("a"), Field::Int(1 << 40), Field::Date(day)])
                .is_err(),
            "more than 32 bits"
        );
        sink.key(&[Field::Text("a"), Field::Int(0), Field::Date(day)]).unwrap();
        sink.row(&[Field::Text("m"), Field::Number("1.0")]).unwrap();
        sink.finish().unwrap();
    }
}
