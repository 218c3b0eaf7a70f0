#!/usr/bin/env python3
"""Check that placesim's output tables load the same way in pandas, polars and R, with
every reader's DEFAULTS, and that any Parquet twin holds the same data as its CSV.

    python3 tools/check_tables.py FOLDER [FOLDER...]      (or: tools/check-tables FOLDER...)

What it proves, for every ``*.csv`` directly inside each FOLDER (not recursive):

1. A researcher can load the file in ONE line, with no options, in each of
   ``pandas.read_csv(path)``, ``polars.read_csv(path)`` and R's ``read.csv(path)``
   (run through ``Rscript tools/check_tables.R path``), and gets the same header, the same
   number of rows and the same kind of column from all three.

   Defaults are the point, because that is what people type, and the defaults differ:

   * polars infers each column's type from the FIRST 100 ROWS ONLY (``infer_schema_length=100``)
     and then raises if a later value does not parse as that type. A column that is ``1``..``5``
     for 100 rows and then ``unattributed``, or integers and then ``500.00``, loads in pandas
     and R but makes ``polars.read_csv`` fail outright. That is reported as a failure naming the
     file, the column and the first value that does not parse.
   * pandas reads the whole column, but an integer column with any missing value becomes
     ``float64`` (numpy ints have no NA); a TRUE/FALSE column with a missing value becomes
     ``object``; and on large files its default ``low_memory=True`` chunking can give one column
     Python ints in some rows and strings in others (a ``DtypeWarning``).
   * R's ``read.csv`` reads integers beyond 2^31-1 as ``numeric`` (R's integer is 32-bit), makes
     an all-missing column ``logical``, takes only ``T``/``F``/``TRUE``/``FALSE`` as logical
     (``true``/``false``, which pandas and polars read as booleans, stay text in R 4.2), and
     treats only ``NA`` and empty fields as missing (pandas: also ``null``, ``NaN``, ``n/a``...;
     polars: only empty fields, so ``NA`` makes a numeric column text).

   Each column gets one class per reader: ``int``, ``float``, ``string``, ``bool`` or ``empty``
   (no non-missing value at all), and all readers must agree. The only int/float differences
   accepted (see ``reconcile``) are

   * pandas ``float64`` for a column that polars and/or R read as integers, when the pandas column
     has missing values and every value it has is a whole number: the float is purely pandas'
     way of holding NA, and the numbers are the same;
   * R ``numeric`` for a column that pandas/polars read as integers, when some value lies beyond
     R's integer range (|v| > 2^31-1): R has no 64-bit integer, the numbers are the same.

   Likewise a pandas ``object`` column holding only True/False and missing values counts as
   ``bool``. Anything else (numbers in one reader and text in another, int in one and float in
   another, a failed parse) fails, printing each reader's type and a few offending values.

2. For every ``X.parquet`` beside an ``X.csv``: ``pyarrow.parquet.read_table`` and
   ``polars.read_parquet`` both give the CSV's header (names and order), types consistent with
   the CSV's classes (int8..int64/uint* <-> int, float/double <-> float, string or
   dictionary<string> <-> string, date32 <-> a string column whose values are all ISO dates
   ``YYYY-MM-DD``, bool <-> bool, anything all-null <-> empty), the same row count, the same
   total of every numeric column (relative tolerance 1e-9 or absolute 1e-6), the same per-metric
   totals of ``value`` when the table has ``metric`` and ``value`` columns, and the same number
   of distinct values in every string, dictionary or date column (dates: also the same first and
   last date). The Parquet schema (pyarrow) is printed so CI logs show it.

The CSV side of the Parquet comparison is pandas' reading of the CSV. Totals are computed with
``math.fsum`` (correctly rounded per block of a million values) so that summation order does not
matter; missing values and NaN are left out of every total.

Memory: each file is loaded whole, by one reader at a time (R runs as a separate process while
pandas and polars take their turns), reduced to a small profile (classes, counts, totals), and
freed before the next; a weekly table of ~11 million rows fits in a few GB.

Environment: CHECK_TABLES_REQUIRE_R=1 makes a missing ``Rscript`` a failure (otherwise R is
skipped with a warning). CHECK_TABLES_RSCRIPT names the Rscript program (default: ``Rscript``).
Exit status: 0 all good, 1 something failed, 2 bad usage. Needs: pip install pandas polars pyarrow.
"""

from __future__ import annotations

import csv
import gc
import math
import os
import re
import shutil
import subprocess
import sys
import traceback
import warnings
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

INT, FLOAT, STRING, BOOL, EMPTY, DATE = "int", "float", "string", "bool", "empty", "date"
UNPARSED = "unparsed"  # polars inferred a type from the first 100 rows and a later value failed
R_INT_MAX = 2**31 - 1  # R's integers are 32-bit (and -2^31 is NA_integer_)
REL_TOL, ABS_TOL = 1e-9, 1e-6
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
R_SCRIPT = Path(__file__).resolve().with_name("check_tables.R")
FSUM_BLOCK = 1_000_000


# ---------------------------------------------------------------------------------------------
# Profiles: what one reader made of one table, small enough to keep after the frame is freed.


@dataclass
class Col:
    """One column as one reader sees it."""

    name: str
    dtype: str  # the reader's own name for the type: "float64", "i64", "integer", ...
    cls: str  # INT FLOAT STRING BOOL EMPTY DATE UNPARSED, or "other"
    n_null: int = 0
    note: str = ""  # why the class is what it is, when that is not obvious
    # Filled for the CSV reference (pandas) and for the Parquet readers:
    total: float | None = None  # fsum of the non-missing numbers
    max_abs: float | None = None
    integral: bool | None = None  # every non-missing number is a whole number
    nunique: int | None = None  # distinct non-missing values (string/date columns)
    lo: str | None = None  # first/last value (date columns; ISO strings for the CSV)
    hi: str | None = None
    iso_dates: bool = False  # a CSV string column whose values are all valid YYYY-MM-DD dates


@dataclass
class Profile:
    reader: str
    rows: int
    cols: list[Col]
    metric_sums: dict[str, float] | None = None  # per-metric fsum of `value`

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.cols]


def fsum(values: np.ndarray) -> float:
    """Correctly rounded sum (per block of FSUM_BLOCK values) of the non-NaN values."""
    values = np.asarray(values, dtype=np.float64)
    values = values[~np.isnan(values)]
    try:
        return math.fsum(
            math.fsum(values[i : i + FSUM_BLOCK].tolist()) for i in range(0, len(values), FSUM_BLOCK)
        )
    except (OverflowError, ValueError):  # inf - inf, or overflow: fall back to numpy
        return float(np.sum(values))


def numeric_stats(col: Col, values: np.ndarray) -> None:
    values = np.asarray(values, dtype=np.float64)
    finite = values[np.isfinite(values)]
    col.total = fsum(values)
    col.max_abs = float(np.max(np.abs(finite))) if len(finite) else 0.0
    col.integral = bool(np.all(np.mod(finite, 1.0) == 0.0))


def group_fsums(codes: np.ndarray, labels: list, values: np.ndarray) -> dict[str, float]:
    """fsum of `values` per code (codes < 0 are missing keys); NaN values are left out."""
    codes = np.asarray(codes, dtype=np.int64)
    values = np.asarray(values, dtype=np.float64)
    keep = ~np.isnan(values)
    codes, values = codes[keep], values[keep]
    order = np.argsort(codes, kind="stable")
    codes, values = codes[order], values[order]
    starts = np.flatnonzero(np.diff(codes)) + 1
    out: dict[str, float] = {}
    for seg_codes, seg_values in zip(np.split(codes, starts), np.split(values, starts)):
        if len(seg_codes):
            key = "<missing>" if seg_codes[0] < 0 else str(labels[seg_codes[0]])
            out[key] = fsum(seg_values)
    return out


def arrow_group_fsums(keys: pa.Array | pa.ChunkedArray, values: np.ndarray) -> dict[str, float]:
    if pa.types.is_dictionary(keys.type):
        keys = keys.cast(keys.type.value_type)
    keys = keys.cast(pa.large_string())
    if isinstance(keys, pa.ChunkedArray):
        keys = keys.combine_chunks()
    enc = pc.dictionary_encode(keys)
    codes = pc.fill_null(enc.indices.cast(pa.int64()), -1).to_numpy()
    return group_fsums(codes, enc.dictionary.to_pylist(), values)


# ----- pandas -----


def pandas_class(s: pd.Series) -> tuple[str, str]:
    """(class, note) of a column that pandas.read_csv produced."""
    n_valid = int(s.notna().sum())
    if n_valid == 0:
        return EMPTY, "no non-missing value"
    dt = s.dtype
    if pd.api.types.is_bool_dtype(dt):
        return BOOL, ""
    if pd.api.types.is_integer_dtype(dt):
        return INT, ""
    if pd.api.types.is_float_dtype(dt):
        return FLOAT, ""
    if dt == object:
        kinds = s.dropna().map(type).value_counts()
        kind_names = sorted(k.__name__ for k in kinds.index)
        if kind_names == ["bool"]:
            return BOOL, "object of True/False with missing values"
        if kind_names != ["str"]:
            return STRING, "object column mixing Python types " + "+".join(kind_names)
        return STRING, ""
    if pd.api.types.is_string_dtype(dt):
        return STRING, ""
    return "other", ""


def profile_pandas(df: pd.DataFrame, full: bool) -> Profile:
    cols = []
    for i, name in enumerate(df.columns):
        s = df.iloc[:, i]
        cls, note = pandas_class(s)
        col = Col(str(name), str(s.dtype), cls, int(s.isna().sum()), note)
        if full:
            if cls in (INT, FLOAT, BOOL):
                numeric_stats(col, s.to_numpy(dtype="float64", na_value=np.nan))
            elif cls == STRING:
                uniq = s.dropna().unique()
                col.nunique = len(uniq)
                col.iso_dates = _all_iso_dates(uniq)
                if col.iso_dates and len(uniq):
                    col.lo, col.hi = str(min(uniq)), str(max(uniq))
        cols.append(col)
    prof = Profile("pandas", len(df), cols)
    if full and "metric" in df.columns and "value" in df.columns:
        value = df["value"]
        if pd.api.types.is_numeric_dtype(value.dtype) and not pd.api.types.is_bool_dtype(value.dtype):
            codes, uniques = pd.factorize(df["metric"])
            prof.metric_sums = group_fsums(
                codes, list(uniques), value.to_numpy(dtype="float64", na_value=np.nan)
            )
    return prof


def _all_iso_dates(uniq) -> bool:
    if len(uniq) == 0:
        return False
    for v in uniq:
        if not isinstance(v, str) or not ISO_DATE.fullmatch(v):
            return False
        try:
            date.fromisoformat(v)
        except ValueError:
            return False
    return True


# ----- polars -----


def polars_class(dtype: pl.DataType) -> str:
    if dtype.is_integer():
        return INT
    if dtype.is_float():
        return FLOAT
    if dtype == pl.Boolean:
        return BOOL
    if dtype in (pl.String, pl.Categorical, pl.Enum) or isinstance(dtype, (pl.Categorical, pl.Enum)):
        return STRING
    if dtype == pl.Date:
        return DATE
    if dtype == pl.Null:
        return EMPTY
    return "other"


def profile_polars(df: pl.DataFrame, reader: str, full: bool) -> Profile:
    cols = []
    for s in df.get_columns():
        cls = polars_class(s.dtype)
        col = Col(s.name, str(s.dtype), cls, s.null_count())
        if col.n_null == len(s):  # includes a table with no rows
            col.cls, col.note = EMPTY, "no non-missing value"
        if full and col.cls != EMPTY:
            if cls in (INT, FLOAT, BOOL):
                numeric_stats(col, s.drop_nulls().cast(pl.Float64).to_numpy())
            elif cls in (STRING, DATE):
                valid = s.drop_nulls()
                col.nunique = valid.n_unique()
                if cls == DATE and len(valid):
                    col.lo, col.hi = str(valid.min()), str(valid.max())
        cols.append(col)
    prof = Profile(reader, df.height, cols)
    if full and "metric" in df.columns and "value" in df.columns:
        if polars_class(df["value"].dtype) in (INT, FLOAT):
            prof.metric_sums = arrow_group_fsums(
                df["metric"].cast(pl.String).to_arrow(),
                df["value"].cast(pl.Float64).fill_null(float("nan")).to_numpy(),
            )
    return prof


# ----- pyarrow -----


def arrow_class(t: pa.DataType) -> str:
    if pa.types.is_dictionary(t):
        t = t.value_type
    if pa.types.is_integer(t):
        return INT
    if pa.types.is_floating(t):
        return FLOAT
    if pa.types.is_boolean(t):
        return BOOL
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return STRING
    if pa.types.is_date32(t):
        return DATE
    if pa.types.is_null(t):
        return EMPTY
    return "other"


def profile_arrow(table: pa.Table) -> Profile:
    cols = []
    for name, arr in zip(table.column_names, table.columns):
        cls = arrow_class(arr.type)
        col = Col(name, str(arr.type), cls, arr.null_count)
        if arr.null_count == len(arr):  # includes a table with no rows
            col.cls, col.note = EMPTY, "no non-missing value"
        elif cls in (INT, FLOAT, BOOL):
            numeric_stats(col, arr.drop_null().cast(pa.float64()).to_numpy())
        elif cls in (STRING, DATE):
            values = arr.cast(arr.type.value_type) if pa.types.is_dictionary(arr.type) else arr
            col.nunique = pc.count_distinct(values, mode="only_valid").as_py()
            if cls == DATE:
                mm = pc.min_max(values)
                col.lo, col.hi = str(mm["min"].as_py()), str(mm["max"].as_py())
        cols.append(col)
    prof = Profile("pyarrow", table.num_rows, cols)
    if "metric" in table.column_names and "value" in table.column_names:
        value = table["value"]
        if arrow_class(value.type) in (INT, FLOAT):
            prof.metric_sums = arrow_group_fsums(
                table["metric"], pc.fill_null(value.cast(pa.float64()), float("nan")).to_numpy()
            )
    return prof


# ----- R -----


def r_class(r_cls: str) -> str:
    return {
        "integer": INT,
        "numeric": FLOAT,
        "character": STRING,
        "factor": STRING,  # R < 4.0 made strings factors by default
        "logical": BOOL,
    }.get(r_cls, "other")


def start_r(path: Path, rscript: str) -> subprocess.Popen:
    return subprocess.Popen(
        [rscript, "--vanilla", str(R_SCRIPT), str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish_r(proc: subprocess.Popen) -> tuple[Profile | None, str, str]:
    """(profile or None, R's warnings, error). R says NA for all-missing: class `empty`."""
    out, err = proc.communicate()
    err = err.strip()
    if proc.returncode != 0:
        return None, "", err or f"Rscript exited with status {proc.returncode}"
    rows, cols = 0, []
    for line in out.splitlines():
        parts = line.split("\t")
        if parts[0] == "#rows":
            rows = int(parts[1])
        elif len(parts) >= 2:
            n_na = int(float(parts[2])) if len(parts) > 2 else 0
            col = Col(parts[0], parts[1], r_class(parts[1]), n_na)
            cols.append(col)
    for col in cols:
        if rows == 0 or col.n_null == rows:
            col.cls, col.note = EMPTY, "all NA"
    return Profile("R", rows, cols), err, ""


# ---------------------------------------------------------------------------------------------
# Reading the raw text of a column, to show the values that split the readers.


def offending_values(path: Path, column: str, want: str, limit: int = 3) -> str:
    """Describe the values of `column` that are not `want` (int, float or bool) as text."""
    raw = pl.read_csv(path, columns=[column], infer_schema_length=0)[column]
    if want == BOOL:
        ok = raw.str.to_lowercase().is_in(["true", "false"])
    else:
        ok = raw.cast(pl.Int64 if want == INT else pl.Float64, strict=False).is_not_null()
    bad = raw.is_not_null() & ~ok
    n_bad = int(bad.sum())
    if n_bad == 0:
        return ""
    frame = pl.DataFrame({"v": raw}).with_row_index("row").filter(bad)
    firsts = frame.group_by("v", maintain_order=True).agg(pl.col("row").first(), pl.len()).head(limit)
    word = {INT: "an integer", FLOAT: "a number", BOOL: "true/false"}[want]
    shown = ", ".join(
        f"{v!r} (first at data row {row + 1}, file line {row + 2}; {n} row{'s' if n > 1 else ''})"
        for v, row, n in firsts.iter_rows()
    )
    return f"{n_bad} of {raw.len() - raw.null_count()} non-missing values are not {word}: {shown}"


def distinct_text(path: Path, column: str, limit: int = 4) -> str:
    """A few of the column's distinct non-missing values, as text."""
    raw = pl.read_csv(path, columns=[column], infer_schema_length=0)[column].drop_nulls()
    values = raw.unique(maintain_order=True)
    more = ", ..." if len(values) > limit else ""
    return ", ".join(repr(v) for v in values.head(limit).to_list()) + more


def first_value_row(path: Path, column: str) -> int | None:
    """0-based row of the column's first non-missing value (as polars reads text), or None."""
    raw = pl.read_csv(path, columns=[column], infer_schema_length=0)[column]
    idx = raw.is_not_null().arg_true()
    return int(idx[0]) if len(idx) else None


def polars_failure_columns(path: Path, schema: pl.Schema) -> dict[str, str]:
    """Columns whose later values do not parse as the type polars inferred from 100 rows."""
    found = {}
    for name, dtype in schema.items():
        cls = polars_class(dtype)
        if cls in (INT, FLOAT, BOOL):
            desc = offending_values(path, name, cls)
            if desc:
                found[name] = desc
    return found


# ---------------------------------------------------------------------------------------------
# The CSV check.


@dataclass
class Result:
    file: str
    rows: int | str
    columns: int | str
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "ok" if not self.problems else f"FAIL ({len(self.problems)})"


def describe(col: Col | None, reader: str, why: str = "") -> str:
    if col is None:
        return f"{reader}=-"
    col_note = "" if col.note and why.startswith(col.note) else col.note  # no repeats
    note = "".join(f"; {n}" for n in (col_note, why) if n)
    return f"{reader}={col.dtype} ({col.cls}{note})"


def reconcile(cols: dict[str, Col], pandas_col: Col) -> tuple[str | None, dict[str, str]]:
    """The column's one class across readers, or None if they disagree.

    Returns (class, {reader: reason}) where the reasons say which documented exception made a
    reader's class count as another. Exceptions allowed (and nothing else):
      * pandas float64 counts as int when another reader reads int, pandas has missing values
        in the column and every number it has is whole: float64 is just pandas' NA carrier.
      * R numeric counts as int when pandas/polars read int and some |value| > 2^31-1 (R's
        integer is 32-bit, so read.csv widens to double without changing any number).
      * (decided in pandas_class) a pandas object column holding only True/False and missing
        values counts as bool: object is pandas' NA carrier for booleans.
    """
    classes = {r: c.cls for r, c in cols.items()}
    why: dict[str, str] = {}
    others_int = [r for r, k in classes.items() if k == INT]
    if (
        classes.get("pandas") == FLOAT
        and others_int
        and pandas_col.n_null > 0
        and pandas_col.integral
    ):
        classes["pandas"] = INT
        why["pandas"] = "float64 only because of missing values: counts as int"
    if (
        classes.get("R") == FLOAT
        and others_int
        and pandas_col.max_abs is not None
        and pandas_col.max_abs > R_INT_MAX
        and pandas_col.integral
    ):
        classes["R"] = INT
        why["R"] = f"numeric because values exceed R's integer range ({R_INT_MAX}): counts as int"
    if pandas_col.note.startswith("object of True/False"):
        why["pandas"] = "object of True/False with missing values: counts as bool"
    distinct = set(classes.values())
    if len(distinct) == 1 and UNPARSED not in distinct and "other" not in distinct:
        return distinct.pop(), why
    return None, why


def check_csv(path: Path, rscript: str | None, require_r: bool) -> tuple[Result, Profile | None]:
    r_procs: list[subprocess.Popen] = []
    try:
        return _check_csv(path, rscript, require_r, r_procs)
    finally:
        for proc in r_procs:  # only if something above raised before R was waited for
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def _check_csv(
    path: Path, rscript: str | None, require_r: bool, r_procs: list[subprocess.Popen]
) -> tuple[Result, Profile | None]:
    res = Result(path.name, "?", "?")
    print(f"\n== {path}")

    # The header as the file has it: every reader must give exactly these names.
    with open(path, newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh), [])
    res.columns = len(header)
    dups = sorted({h for h in header if header.count(h) > 1})
    if dups:
        res.problems.append(f"duplicate column names in the header: {dups}")

    # R runs in its own process while pandas and polars take their turns here.
    r_proc = start_r(path, rscript) if rscript else None
    if r_proc is not None:
        r_procs.append(r_proc)
    if rscript is None:
        if require_r:
            res.problems.append("CHECK_TABLES_REQUIRE_R=1 but Rscript was not found")
        else:
            res.notes.append("R skipped: Rscript not found (set CHECK_TABLES_REQUIRE_R=1 to fail)")

    profiles: dict[str, Profile | None] = {}

    # pandas: the reference for the Parquet comparison, so its profile is the full one.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            df = pd.read_csv(path)
        except Exception as e:  # noqa: BLE001 - any failure to load is the finding
            df = None
            res.problems.append(f"pandas.read_csv failed: {_first_line(e)}")
    for w in caught:
        msg = f"pandas warned: {w.category.__name__}: {_first_line(w.message)}"
        if issubclass(w.category, pd.errors.DtypeWarning):
            res.problems.append(msg + " (mixed Python types in one column)")
        else:
            res.notes.append(msg)
    if df is not None:
        if not isinstance(df.index, pd.RangeIndex):
            res.problems.append(
                "pandas used the first column as the row index: rows have one more field "
                "than the header"
            )
        profiles["pandas"] = profile_pandas(df, full=True)
        res.rows = len(df)
        del df
        gc.collect()

    # polars: reads the whole file, but with types inferred from the first 100 rows.
    try:
        pdf = pl.read_csv(path)
        profiles["polars"] = profile_polars(pdf, "polars", full=False)
        del pdf
        gc.collect()
    except Exception as e:  # noqa: BLE001
        res.problems.append(f"polars.read_csv failed: {_first_line(e)}")
        try:
            schema = pl.scan_csv(path).collect_schema()  # what polars inferred from 100 rows
        except Exception:  # noqa: BLE001
            schema = None
        if schema is not None:
            # Which columns break, and where: each column the 100-row inference made numeric
            # or boolean is re-read as text and cast the way polars would.
            try:
                failing = polars_failure_columns(path, schema)
                text = pl.scan_csv(path, infer_schema_length=0)
                nulls = text.null_count().collect().row(0)
                rows = text.select(pl.len()).collect().item()
            except Exception:  # noqa: BLE001 - e.g. ragged lines: already reported above
                schema = None
        if schema is not None:
            cols = []
            for (name, dtype), n_null in zip(schema.items(), nulls):
                col = Col(name, str(dtype), polars_class(dtype), n_null)
                if name in failing:
                    col.cls = UNPARSED
                    col.note = f"inferred from the first 100 rows, then {failing[name]}"
                elif col.n_null == rows:
                    col.cls, col.note = EMPTY, "no non-missing value"
                cols.append(col)
            profiles["polars"] = Profile("polars", rows, cols)

    if r_proc is not None:
        r_prof, r_warn, r_err = finish_r(r_proc)
        if r_err:
            res.problems.append(f"R read.csv failed: {_first_line(r_err)}")
        if r_warn:
            # R prints "Warning message:\nIn read.table(...) :\n  <the message>"; keep the messages.
            lines = [ln.strip() for ln in r_warn.splitlines()]
            msgs = [ln for ln, raw in zip(lines, r_warn.splitlines()) if raw.startswith(" ") and ln]
            res.notes.append("R warned: " + " | ".join((msgs or lines)[:3]))
        profiles["R"] = r_prof

    loaded = {r: p for r, p in profiles.items() if p is not None}

    # Same header and row count in every reader.
    for reader, prof in loaded.items():
        if prof.names != header:
            diff = [
                f"{h!r}->{n!r}" for h, n in zip(header, prof.names) if h != n
            ] or [f"{len(prof.names)} columns instead of {len(header)}"]
            res.problems.append(f"{reader} column names differ from the header: {', '.join(diff[:5])}")
    row_counts = {r: p.rows for r, p in loaded.items()}
    if len(set(row_counts.values())) > 1:
        res.problems.append(f"readers disagree on the number of rows: {row_counts}")

    # One class per column across the readers.
    pandas_prof = profiles.get("pandas")
    if pandas_prof is not None:
        print(f"  {'column':<24} {'pandas':<18} {'polars':<18} {'R':<12} class")
        for i, name in enumerate(header):
            cols = {
                r: p.cols[i] for r, p in loaded.items() if i < len(p.cols)
            }
            pcol = pandas_prof.cols[i] if i < len(pandas_prof.cols) else None
            if pcol is None:
                continue
            cls, why = reconcile(cols, pcol)
            cell = {r: (c.dtype + ("*" if r in why else "")) for r, c in cols.items()}
            print(
                f"  {name:<24} {cell.get('pandas', '-'):<18} {cell.get('polars', '-'):<18} "
                f"{cell.get('R', '-'):<12} {cls or 'MISMATCH'}"
            )
            if cls is not None:
                pcol.cls = cls  # the agreed class is what the Parquet twin is held to
                for r, reason in why.items():
                    res.notes.append(f"column {name!r}: {r} {reason}")
            else:
                readers = ", ".join(
                    describe(cols[r], r, why.get(r, "")) for r in ("pandas", "polars", "R") if r in cols
                )
                msg = f"column {name!r}: readers disagree: {readers}"
                kinds = {c.cls for c in cols.values()}
                want = INT if INT in kinds else FLOAT if FLOAT in kinds else BOOL if BOOL in kinds else None
                if want and kinds - {want} and UNPARSED not in kinds:
                    detail = offending_values(path, name, want)
                    if detail:
                        msg += f"; {detail}"
                if want == BOOL and "R" in cols and cols["R"].cls == STRING:
                    seen = distinct_text(path, name)
                    msg += (
                        f"; R's read.csv takes only T, F, TRUE and FALSE as logical, "
                        f"this column holds {seen}"
                    )
                if "polars" in cols and cols["polars"].cls == STRING:
                    first = first_value_row(path, name)
                    if first is not None and first >= 100:
                        msg += (
                            f"; polars typed it from the first 100 rows, which are all empty "
                            f"(first value at data row {first + 1})"
                        )
                res.problems.append(msg)

    if rscript and profiles.get("R") is None and not any("R read.csv failed" in p for p in res.problems):
        res.problems.append("R gave no result")
    return res, pandas_prof


# ---------------------------------------------------------------------------------------------
# The Parquet twin check.


def close(a: float, b: float) -> bool:
    if a == b:  # also inf == inf
        return True
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def compare_twin(csv_prof: Profile, twin: Profile, header: list[str], res: Result) -> int:
    """Compare one Parquet reader's profile with the CSV's; returns the number of checks done."""
    r = twin.reader
    checks = 0
    if twin.names != header:
        res.problems.append(f"{r}: columns {twin.names} differ from the CSV header {header}")
        return checks
    checks += 1
    if twin.rows != csv_prof.rows:
        res.problems.append(f"{r}: {twin.rows} rows, the CSV has {csv_prof.rows}")
    checks += 1
    for c_csv, c_pq in zip(csv_prof.cols, twin.cols):
        name = c_csv.name
        want, got = c_csv.cls, c_pq.cls
        if want == EMPTY:
            if c_pq.n_null != twin.rows:
                res.problems.append(f"{r}: column {name!r} is empty in the CSV but has values ({c_pq.dtype})")
            continue
        type_ok = got == want or (got == DATE and want == STRING and c_csv.iso_dates)
        checks += 1
        if not type_ok:
            extra = " (the CSV's values are not all ISO dates YYYY-MM-DD)" if got == DATE else ""
            res.problems.append(f"{r}: column {name!r} is {c_pq.dtype} ({got}), the CSV's is {want}{extra}")
            continue
        if want in (INT, FLOAT, BOOL):
            checks += 1
            if not close(c_csv.total, c_pq.total):
                res.problems.append(
                    f"{r}: column {name!r} totals {c_pq.total!r}, the CSV's {c_csv.total!r} "
                    f"(difference {c_pq.total - c_csv.total:.6g})"
                )
        else:
            checks += 1
            if c_csv.nunique != c_pq.nunique:
                res.problems.append(
                    f"{r}: column {name!r} has {c_pq.nunique} distinct values, the CSV {c_csv.nunique}"
                )
            if got == DATE and (c_csv.lo, c_csv.hi) != (c_pq.lo, c_pq.hi):
                res.problems.append(
                    f"{r}: column {name!r} runs {c_pq.lo}..{c_pq.hi}, the CSV {c_csv.lo}..{c_csv.hi}"
                )
    if csv_prof.metric_sums is not None:
        if twin.metric_sums is None:
            res.problems.append(f"{r}: no per-metric totals of 'value' (not numeric?)")
        else:
            a, b = csv_prof.metric_sums, twin.metric_sums
            if set(a) != set(b):
                res.problems.append(
                    f"{r}: metrics differ: only in CSV {sorted(set(a) - set(b))[:5]}, "
                    f"only in Parquet {sorted(set(b) - set(a))[:5]}"
                )
            bad = [m for m in sorted(set(a) & set(b)) if not close(a[m], b[m])]
            for m in bad[:5]:
                res.problems.append(f"{r}: metric {m!r}: value totals {b[m]!r}, the CSV's {a[m]!r}")
            if len(bad) > 5:
                res.problems.append(f"{r}: ... and {len(bad) - 5} more metrics whose totals differ")
            checks += len(a)
    return checks


def check_parquet(path: Path, csv_prof: Profile, header: list[str]) -> Result:
    res = Result(path.name, "?", len(header))
    print(f"\n== {path}  (twin of {path.with_suffix('.csv').name})")
    try:
        schema = pq.read_schema(path)
        print("  schema (pyarrow):")
        for line in schema.to_string(show_field_metadata=False, show_schema_metadata=False).splitlines():
            print(f"    {line}")
        table = pq.read_table(path)
        res.rows = table.num_rows
        twin_arrow = profile_arrow(table)
        del table
        gc.collect()
    except Exception as e:  # noqa: BLE001
        res.problems.append(f"pyarrow.parquet.read_table failed: {_first_line(e)}")
        return res
    try:
        pdf = pl.read_parquet(path)
        twin_polars = profile_polars(pdf, "polars", full=True)
        del pdf
        gc.collect()
    except Exception as e:  # noqa: BLE001
        res.problems.append(f"polars.read_parquet failed: {_first_line(e)}")
        twin_polars = None
    n = compare_twin(csv_prof, twin_arrow, header, res)
    if twin_polars is not None:
        n += compare_twin(csv_prof, twin_polars, header, res)
    print(f"  {n} comparisons with the CSV (names, rows, types, totals, per-metric totals, distinct counts)")
    return res


# ---------------------------------------------------------------------------------------------


def _first_line(x) -> str:
    text = str(x).strip()
    return text.splitlines()[0] if text else type(x).__name__


def check_folder(folder: Path, rscript: str | None, require_r: bool) -> list[Result]:
    if not folder.is_dir():
        res = Result(str(folder), "-", "-", [f"{folder} is not a folder"])
    elif not any(folder.glob("*.csv")):
        res = Result(str(folder), "-", "-", [f"no *.csv files in {folder}"])
    else:
        res = None
    if res is not None:
        print(f"\n== {folder}")
        _report(res)
        return [res]
    csvs = sorted(folder.glob("*.csv"))
    results = []
    for csv_path in csvs:
        try:
            res, pandas_prof = check_csv(csv_path, rscript, require_r)
        except Exception as e:  # noqa: BLE001 - a bug here must not hide the other files
            traceback.print_exc()
            res, pandas_prof = Result(csv_path.name, "?", "?", [f"checker error: {e!r}"]), None
        res.file = str(csv_path)
        _report(res)
        results.append(res)
        twin = csv_path.with_suffix(".parquet")
        if twin.exists():
            if pandas_prof is None:
                results.append(Result(str(twin), "?", "?", ["its CSV could not be read by pandas"]))
                continue
            with open(csv_path, newline="", encoding="utf-8") as fh:
                header = next(csv.reader(fh), [])
            pres = check_parquet(twin, pandas_prof, header)
            pres.file = str(twin)
            _report(pres)
            results.append(pres)
        gc.collect()
    for orphan in sorted(folder.glob("*.parquet")):
        if not orphan.with_suffix(".csv").exists():
            print(f"\n== {orphan}: no {orphan.with_suffix('.csv').name} beside it; not compared")
    return results


def _report(res: Result) -> None:
    for note in res.notes:
        print(f"  note: {note}")
    for problem in res.problems:
        print(f"  FAIL: {problem}")
    if not res.problems:
        print("  ok")


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    require_r = os.environ.get("CHECK_TABLES_REQUIRE_R") == "1"
    rscript = shutil.which(os.environ.get("CHECK_TABLES_RSCRIPT", "Rscript"))
    if rscript is None:
        level = "ERROR" if require_r else "WARNING"
        print(f"{level}: Rscript not found; R's read.csv is not checked", file=sys.stderr)
    print(
        f"readers: pandas {pd.__version__}, polars {pl.__version__}, pyarrow {pa.__version__}, "
        f"R {'via ' + rscript if rscript else 'skipped'}"
    )
    results = []
    for folder in argv:
        results += check_folder(Path(folder), rscript, require_r)

    width = max(len(r.file) for r in results)
    print(f"\n{'file':<{width}}  {'rows':>10}  {'columns':>7}  status")
    for r in results:
        rows = f"{r.rows:,}" if isinstance(r.rows, int) else r.rows
        print(f"{r.file:<{width}}  {rows:>10}  {r.columns!s:>7}  {r.status}")
    failed = sum(1 for r in results if r.problems)
    print(f"\ntables: {len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
