//! Charts of a run folder (`placesim plot`), drawn with plotters as SVG (for the report and
//! for editing) and PNG at twice the size (for papers and slides) into `RUN_DIR/plots/`.
//!
//! Every chart is first described as data ([`Chart`]: title, legend, panels, footnotes), built
//! from the folder's tidy files by [`charts`], then drawn by one routine for every backend, so
//! the SVG and the PNG always show the same thing and each chart can be tested as data.
//! The legend sits in a strip above the panels so it never covers data; the font is embedded
//! ([`style`]) and the palette is Okabe–Ito, safe for colour-blind readers.

mod charts;
mod draw;
pub mod style;

pub use charts::charts;
pub use draw::axis_number;

use super::dir::{clean_leftovers, create_temp_dir, discard, finishing, Cleaned};
use super::read::RunFolder;
use crate::error::OutputError;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// What a legend swatch looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegendMark {
    /// A line with its ribbon (series over time).
    Line,
    /// A filled box (bars).
    Box,
}

/// One legend entry.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendEntry {
    /// Text.
    pub label: String,
    /// Palette index.
    pub colour: usize,
    /// Swatch.
    pub mark: LegendMark,
}

/// A line over time: points `(decimal year, mean, lo, hi)`.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeLine {
    /// Palette index.
    pub colour: usize,
    /// Points in time order; lo/hi NaN for no ribbon.
    pub points: Vec<(f64, f64, f64, f64)>,
}

/// Bars of one series across categories: `(mean, lo, hi)` per category.
#[derive(Debug, Clone, PartialEq)]
pub struct BarSeries {
    /// Palette index.
    pub colour: usize,
    /// One value per category (NaN = no bar).
    pub values: Vec<(f64, f64, f64)>,
}

/// One layer of stacked bars.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    /// Palette index.
    pub colour: usize,
    /// One value per category.
    pub values: Vec<f64>,
}

/// One calibration target, scaled so its accepted band runs from 0 to 1.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetRow {
    /// Row label.
    pub label: String,
    /// Observed value on the band scale.
    pub observed: f64,
    /// Simulated mean, lo, hi on the band scale.
    pub sim: (f64, f64, f64),
    /// Whether the simulated mean is in the band.
    pub pass: bool,
}

/// One row of a horizontal waterfall: a bar from `from` to `to` (a level starts at 0, a
/// change where the previous row ended) with the row's own 95% interval, in axis units.
#[derive(Debug, Clone, PartialEq)]
pub struct WaterfallRow {
    /// Row label.
    pub label: String,
    /// Where the bar starts.
    pub from: f64,
    /// Where the bar ends.
    pub to: f64,
    /// Interval of the bar's end (NaN for none).
    pub interval: (f64, f64),
    /// Palette index.
    pub colour: usize,
    /// Draw a connector from the previous row's end to this row's start.
    pub connect: bool,
}

/// What a panel draws.
#[derive(Debug, Clone, PartialEq)]
pub enum PanelBody {
    /// Lines with 95% ribbons over time, with numbered milestone markers.
    Time {
        /// The lines.
        lines: Vec<TimeLine>,
        /// Vertical markers: decimal year and tag.
        markers: Vec<(f64, String)>,
        /// Include zero in the y range and draw the zero line.
        zero_line: bool,
    },
    /// Grouped bars with interval whiskers.
    Bars {
        /// Category labels along x.
        categories: Vec<String>,
        /// One series per legend entry.
        series: Vec<BarSeries>,
    },
    /// Stacked bars.
    Stacked {
        /// Category labels along x.
        categories: Vec<String>,
        /// Layers, bottom first.
        layers: Vec<Layer>,
    },
    /// Targets against their bands.
    Targets {
        /// One row per target, top first.
        rows: Vec<TargetRow>,
    },
    /// A horizontal waterfall (bridge), rows top first.
    Waterfall {
        /// The rows.
        rows: Vec<WaterfallRow>,
    },
    /// Points `(x, y, palette index)` with lines through the origin `y = slope × x` (the
    /// cost-effectiveness plane and its thresholds), zero lines drawn.
    Scatter {
        /// The points.
        points: Vec<(f64, f64, usize)>,
        /// Lines through the origin: slope and tag.
        rays: Vec<(f64, String)>,
    },
}

/// One panel of a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    /// Panel title.
    pub title: String,
    /// X axis label (with unit).
    pub x_label: String,
    /// Y axis label (with unit).
    pub y_label: String,
    /// Content.
    pub body: PanelBody,
}

/// A chart described as data.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// File stem (`admissions_per_1000` → `admissions_per_1000.svg` and `.png`).
    pub name: &'static str,
    /// Title.
    pub title: String,
    /// Subtitle (what the lines and intervals are).
    pub subtitle: String,
    /// Legend entries.
    pub legend: Vec<LegendEntry>,
    /// Panels, filled row by row.
    pub panels: Vec<Panel>,
    /// Panels per row.
    pub cols: usize,
    /// Logical height of one panel row.
    pub panel_height: f64,
    /// Notes under the chart (milestone key, sources, caveats).
    pub footnotes: Vec<String>,
}

impl Chart {
    /// Panels per row actually used.
    pub fn panel_cols(&self) -> usize {
        self.cols.clamp(1, self.panels.len().max(1))
    }
    /// Rows of panels.
    pub fn panel_rows(&self) -> usize {
        self.panels.len().div_ceil(self.panel_cols()).max(1)
    }
    /// Logical size (SVG pixels).
    pub fn size(&self) -> (u32, u32) {
        (style::WIDTH, draw::logical_height(self))
    }
}

/// The chart as SVG text (logical size).
pub fn render_svg(chart: &Chart) -> Result<String, OutputError> {
    style::register_font();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, chart.size()).into_drawing_area();
        draw::draw(&root, chart, style::Scale(1.0)).map_err(|message| OutputError::Draw {
            what: chart.name.to_string(),
            message,
        })?;
        root.present().map_err(|e| OutputError::Draw {
            what: chart.name.to_string(),
            message: e.to_string(),
        })?;
    }
    Ok(svg)
}

/// Scale of the PNG rendering (twice the SVG's pixels, for print).
pub const PNG_SCALE: f64 = 2.0;

/// Draws the chart as a PNG file at [`PNG_SCALE`].
pub fn render_png(chart: &Chart, path: &Path) -> Result<(), OutputError> {
    style::register_font();
    let (w, h) = chart.size();
    let size = ((f64::from(w) * PNG_SCALE) as u32, (f64::from(h) * PNG_SCALE) as u32);
    let draw_err = |message: String| OutputError::Draw {
        what: chart.name.to_string(),
        message,
    };
    let root = BitMapBackend::new(path, size).into_drawing_area();
    draw::draw(&root, chart, style::Scale(PNG_SCALE)).map_err(draw_err)?;
    root.present().map_err(|e| draw_err(e.to_string()))?;
    Ok(())
}

/// A chart written to disk.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartFile {
    /// File stem.
    pub name: &'static str,
    /// Title.
    pub title: String,
    /// The SVG file.
    pub svg: PathBuf,
    /// The PNG file.
    pub png: PathBuf,
    /// The SVG text as written (the report inlines it without reading the file back).
    pub svg_text: String,
}

/// What `write_plots` drew and what it could not, with the reason.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotSet {
    /// Charts written, in reading order.
    pub charts: Vec<ChartFile>,
    /// Charts not drawn: (name, why).
    pub skipped: Vec<(&'static str, String)>,
    /// Leftovers of killed processes cleaned up (or reported) beside the plots folder.
    pub cleaned: Vec<Cleaned>,
}

/// Whether `name` is a file placesim writes into a plots folder (`*.svg`, `*.png`).
fn is_chart_file(name: &str) -> bool {
    [".svg", ".png"]
        .iter()
        .any(|ext| name.len() > ext.len() && name.ends_with(ext))
}

/// Checks that the plots folder `out` may be replaced: nothing is there, or a folder holding
/// only regular `*.svg`/`*.png` files (what placesim writes there). Anything else is the user's
/// and is refused with [`OutputError::NotReplaceable`], untouched.
pub fn check_plots_folder(out: &Path) -> Result<(), OutputError> {
    let refuse = |reason: String| {
        OutputError::NotReplaceable {
        path: out.to_path_buf(),
        reason: format!("{reason}; placesim replaces a plots folder only when it holds nothing but the charts it drew (*.svg, *.png), so move it away"),
    }
    };
    let unreadable = |source| OutputError::Unwritable {
        path: out.to_path_buf(),
        source,
    };
    let meta = match std::fs::symlink_metadata(out) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(unreadable(e)),
    };
    if meta.file_type().is_symlink() {
        return Err(refuse("it is a symbolic link".into()));
    }
    if !meta.is_dir() {
        return Err(refuse("it is a file, not a folder".into()));
    }
    let mut foreign: Vec<String> = Vec::new();
    for entry in std::fs::read_dir(out).map_err(unreadable)? {
        let entry = entry.map_err(unreadable)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let file = entry.file_type().map_err(unreadable)?.is_file();
        if !(file && is_chart_file(&name)) {
            foreign.push(name);
        }
    }
    if foreign.is_empty() {
        return Ok(());
    }
    foreign.sort();
    let n = foreign.len();
    let shown: Vec<String> = foreign.into_iter().take(5).collect();
    Err(refuse(format!(
        "it holds {}{}, which placesim does not write there",
        shown.join(", "),
        if n > 5 {
            format!(" and {} more", n - 5)
        } else {
            String::new()
        }
    )))
}

/// Draws `chart` as SVG and PNG into `dir`, recorded as it will be found in `final_dir` (where
/// `dir` is renamed to once every chart is drawn).
pub(crate) fn draw_chart(chart: &Chart, dir: &Path, final_dir: &Path) -> Result<ChartFile, OutputError> {
    let svg = render_svg(chart)?;
    let svg_path = dir.join(format!("{}.svg", chart.name));
    std::fs::write(&svg_path, &svg).map_err(|source| OutputError::Write {
        path: svg_path.clone(),
        source,
    })?;
    render_png(chart, &dir.join(format!("{}.png", chart.name)))?;
    Ok(ChartFile {
        name: chart.name,
        title: chart.title.clone(),
        svg: final_dir.join(format!("{}.svg", chart.name)),
        png: final_dir.join(format!("{}.png", chart.name)),
        svg_text: svg,
    })
}

/// Draws every chart of `folder` into `out` (normally `RUN_DIR/plots`). The charts are drawn
/// into a hidden sibling folder (`.plots.tmp-<pid>`) that replaces `out` only when all are
/// written, so a failure leaves the previous plots (or none) rather than a mixture, and no
/// temporary file or folder is left behind. `out` is replaced only when it holds nothing but
/// charts ([`check_plots_folder`]); otherwise nothing is drawn, moved or left behind.
pub fn write_plots(folder: &RunFolder, out: &Path) -> Result<PlotSet, OutputError> {
    // Empty for a bare name (the current folder); see `clean_leftovers`.
    let parent = out.parent().unwrap_or(Path::new(""));
    let stem = out.file_name().and_then(|n| n.to_str()).unwrap_or("plots");
    // First what killed processes left (it may be these plots, set aside mid-swap).
    let cleaned = clean_leftovers(parent);
    check_plots_folder(out)?;
    let (list, skipped) = charts(folder);
    let tmp = parent.join(format!(".{stem}.tmp-{}", std::process::id()));
    create_temp_dir(&tmp)?;
    let drawn = list
        .iter()
        .map(|chart| draw_chart(chart, &tmp, out))
        .collect::<Result<Vec<_>, _>>();
    let swapped = drawn.and_then(|files| {
        finishing(out, |reg| {
            // Checked again: the folder may have changed while the charts were drawn.
            check_plots_folder(out)?;
            let unwritable = |path: &Path, source| OutputError::Unwritable {
                path: path.to_path_buf(),
                source,
            };
            if std::fs::symlink_metadata(out).is_ok() {
                let old = parent.join(format!(".{stem}.old-{}", std::process::id()));
                std::fs::rename(out, &old).map_err(|e| unwritable(out, e))?;
                if let Err(e) = std::fs::rename(&tmp, out) {
                    let _ = std::fs::rename(&old, out);
                    return Err(unwritable(out, e));
                }
                reg.forget(&tmp);
                std::fs::remove_dir_all(&old).map_err(|e| unwritable(&old, e))?;
            } else {
                std::fs::rename(&tmp, out).map_err(|e| unwritable(out, e))?;
                reg.forget(&tmp);
            }
            Ok(files)
        })
    });
    match swapped {
        Ok(charts) => Ok(PlotSet {
            charts,
            skipped,
            cleaned,
        }),
        Err(e) => {
            discard(&tmp);
            Err(e)
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
