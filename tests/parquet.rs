//! The Parquet tables (`--format parquet`, the default, and `both`) against their CSV twins: read
//! back with the parquet crate's Arrow reader, each has its declared schema (labels as
//! `Dictionary(Int32, Utf8)`, replicates as `Int32`, dates as `Date32`, numbers as `Float64`)
//! and exactly the CSV's columns, rows and values.

mod common;

use arrow_schema::DataType;
use common::{bin, small_file};
use placesim::calendar::Date;
use std::path::Path;

/// Splits one CSV line into fields (quoted fields unquoted; placesim never writes a line break
/// inside a field).
fn csv_fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    out.push(field);
    out
}

/// Reads the Parquet file at `parquet` with the parquet crate's Arrow reader and checks that it
/// holds exactly the CSV file at `csv`: the same column names in the same order, the same rows
/// in the same order, and in every field the value a reader parses from the CSV text (text for
/// a dictionary column, the number for an integer, the date for a `Date32`, the bits of the
/// float for a `Float64`, null where the CSV field is empty). Returns each column's name and
/// Arrow type, and the number of rows.
fn assert_parquet_matches_csv(parquet: &Path, csv: &Path) -> (Vec<(String, arrow_schema::DataType)>, usize) {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Date32Type, Float64Type, Int32Type};
    use arrow_array::{Array, RecordBatchReader};
    use arrow_schema::DataType;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    let text = std::fs::read_to_string(csv).unwrap_or_else(|e| panic!("{}: {e}", csv.display()));
    let mut lines = text.lines();
    let header = csv_fields(lines.next().expect("a header"));
    let file = std::fs::File::open(parquet).unwrap_or_else(|e| panic!("{}: {e}", parquet.display()));
    let reader = ParquetRecordBatchReaderBuilder::try_new(file).unwrap().build().unwrap();
    let schema = reader.schema();
    let columns: Vec<(String, DataType)> = schema
        .fields()
        .iter()
        .map(|f| (f.name().clone(), f.data_type().clone()))
        .collect();
    let names: Vec<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, header, "{}: the CSV's columns, in order", parquet.display());
    let mut rows = 0usize;
    for batch in reader {
        let batch = batch.unwrap();
        let csv_rows: Vec<Vec<String>> = (0..batch.num_rows())
            .map(|_| csv_fields(lines.next().expect("as many CSV rows as Parquet rows")))
            .collect();
        for (c, (name, kind)) in columns.iter().enumerate() {
            let column = batch.column(c);
            for (r, fields) in csv_rows.iter().enumerate() {
                let field = fields[c].as_str();
                let at = || format!("{} row {} column {name}", parquet.display(), rows + r + 1);
                match kind {
                    DataType::Dictionary(_, _) => {
                        let dict = column.as_dictionary::<Int32Type>();
                        if dict.is_null(r) {
                            assert_eq!(field, "", "{}: a null label is an empty field", at());
                        } else {
                            let values = dict.values().as_string::<i32>();
                            assert_eq!(values.value(dict.keys().value(r) as usize), field, "{}", at());
                        }
                    }
                    DataType::Int32 => {
                        let v = column.as_primitive::<Int32Type>().value(r);
                        assert_eq!(v.to_string(), field, "{}", at());
                    }
                    DataType::Date32 => {
                        let v = column.as_primitive::<Date32Type>().value(r);
                        assert_eq!(Some(v), Date::parse(field).map(Date::days), "{}", at());
                    }
                    DataType::Float64 => {
                        let a = column.as_primitive::<Float64Type>();
                        if field.is_empty() {
                            assert!(a.is_null(r), "{}: an empty field is null", at());
                        } else {
                            let want: f64 = field.parse().unwrap_or_else(|_| panic!("{}: `{field}`", at()));
                            assert!(!a.is_null(r), "{}", at());
                            assert_eq!(a.value(r).to_bits(), want.to_bits(), "{}: `{field}`", at());
                        }
                    }
                    other => panic!("{}: unexpected type {other:?}", at()),
                }
            }
        }
        rows += batch.num_rows();
    }
    assert_eq!(
        lines.next(),
        None,
        "{}: as many Parquet rows as CSV rows",
        parquet.display()
    );
    (columns, rows)
}

fn run_ok(dir: &Path, args: &[&str]) {
    let o = bin().args(args).current_dir(dir).output().unwrap();
    assert!(
        o.status.success(),
        "placesim {args:?}:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn dict() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
}

/// The types of a table's columns: `D` a dictionary, `I` Int32, `T` Date32, `F` Float64.
fn types(code: &str) -> Vec<DataType> {
    code.chars()
        .map(|c| match c {
            'D' => dict(),
            'I' => DataType::Int32,
            'T' => DataType::Date32,
            'F' => DataType::Float64,
            other => panic!("type code {other}"),
        })
        .collect()
}

fn kinds(columns: &[(String, DataType)]) -> Vec<DataType> {
    columns.iter().map(|(_, t)| t.clone()).collect()
}

#[test]
fn parquet_tables_have_the_declared_types_and_exactly_the_csvs_rows_and_values() {
    let dir = tempfile::tempdir().unwrap();
    let base = small_file(dir.path(), "baseline.toml", 0.02);
    let option = small_file(dir.path(), "life-expansion.toml", 0.02);
    let (base, option) = (base.to_str().unwrap(), option.to_str().unwrap());
    let common = [
        "--replicates",
        "2",
        "--quiet",
        "--no-plots",
        "--format",
        "both",
        "--out",
    ];
    let mut args = vec!["run", base, option];
    args.extend(common);
    args.push("run");
    run_ok(dir.path(), &args);
    let mut args = vec!["compare", base, option];
    args.extend(common);
    args.push("cmp");
    run_ok(dir.path(), &args);

    let run = dir.path().join("run");
    let cmp = dir.path().join("cmp");
    for (folder, table, code) in [
        (&run, "weekly", "DITDDDDDF"),
        (&run, "annual", "DIDDDDDDF"),
        (&run, "series", "DDDDDTDFFFI"),
        (&cmp, "series", "DDDDDTDFFFI"),
        (&cmp, "comparison", "DDDDDDFFFFFFFI"),
    ] {
        let (columns, rows) = assert_parquet_matches_csv(
            &folder.join(format!("{table}.parquet")),
            &folder.join(format!("{table}.csv")),
        );
        assert_eq!(kinds(&columns), types(code), "{table}: {columns:?}");
        assert!(rows > 0, "{table} has rows");
    }
    // A missing number is null in Parquet as it is empty in the CSV (the unpaired interval of
    // level rows), so the comparison check above met some.
    let text = std::fs::read_to_string(cmp.join("comparison.csv")).unwrap();
    assert!(
        text.lines().skip(1).any(|l| l.contains(",,")),
        "some comparison values are missing"
    );
}

#[test]
fn the_psa_draws_parquet_table_holds_the_csvs_draws_typed() {
    let dir = tempfile::tempdir().unwrap();
    let base = small_file(dir.path(), "baseline.toml", 0.02);
    let option = small_file(dir.path(), "life-expansion.toml", 0.02);
    run_ok(
        dir.path(),
        &[
            "psa",
            base.to_str().unwrap(),
            option.to_str().unwrap(),
            "--draws",
            "3",
            "--replicates",
            "2",
            "--from",
            "2019",
            "--quiet",
            "--no-plots",
            "--out",
            "psa",
        ],
    );
    let psa = dir.path().join("psa");
    let (columns, rows) = assert_parquet_matches_csv(&psa.join("psa_draws.parquet"), &psa.join("psa_draws.csv"));
    let mut code = String::from("DDID");
    code.push_str(&"F".repeat(columns.len() - 4));
    assert_eq!(kinds(&columns), types(&code), "{columns:?}");
    assert_eq!(rows, 3, "one row per draw and option");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(psa.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["format"], "parquet");
    let listed: Vec<&str> = manifest["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["file"].as_str().unwrap())
        .collect();
    assert!(listed.contains(&"psa_draws.parquet"), "{listed:?}");
}
