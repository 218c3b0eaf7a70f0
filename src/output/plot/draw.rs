//! Drawing a [`Chart`] on any plotters backend: a title, a legend strip above the panels (so
//! it never covers data), a grid of panels, and footnotes.

use super::style::{self, Scale, BAND, GRID, INK, MUTED};
use super::{Chart, LegendMark, Panel, PanelBody};
use plotters::chart::MeshStyle;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

type Res = Result<(), String>;

fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

fn font(s: Scale, pt: f64, colour: &'static RGBColor) -> TextStyle<'static> {
    TextStyle::from((style::FAMILY, s.font(pt)).into_font()).color(colour)
}

/// Axis numbers: thousands separated, at most two decimals (four below 1, so that ticks 0.0125
/// apart stay distinct), no trailing zeros.
pub fn axis_number(v: f64) -> String {
    let a = v.abs();
    if a >= 1000.0 {
        super::super::compare::group_thousands(v)
    } else if a >= 100.0 || a == 0.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        trim(format!("{v:.1}"))
    } else if a >= 1.0 {
        trim(format!("{v:.2}"))
    } else {
        trim(format!("{v:.4}"))
    }
}

fn trim(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Height (logical pixels) of the legend strip for `chart` at width `width`.
fn legend_rows(chart: &Chart, width: f64) -> Vec<Vec<usize>> {
    let mut rows: Vec<Vec<usize>> = Vec::new();
    let mut x = 0.0;
    for (i, entry) in chart.legend.iter().enumerate() {
        // Swatch 28 px, gap 6, label ~7.2 px per character at 13 pt, 20 px spacing.
        let w = 28.0 + 6.0 + 7.2 * entry.label.chars().count() as f64 + 20.0;
        if rows.is_empty() || x + w > width {
            rows.push(Vec::new());
            x = 0.0;
        }
        rows.last_mut().expect("pushed").push(i);
        x += w;
    }
    rows
}

/// Logical height of a chart: header (title, subtitle, legend), panels, footnotes.
pub fn logical_height(chart: &Chart) -> u32 {
    let header = 64.0 + 22.0 * legend_rows(chart, f64::from(style::WIDTH) - 40.0).len() as f64;
    let foot = 10.0 + 17.0 * chart.footnotes.len() as f64;
    (header + chart.panel_rows() as f64 * chart.panel_height + foot).round() as u32
}

/// Draws `chart` on `root` at scale `s`.
pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: &Chart, s: Scale) -> Res {
    root.fill(&WHITE).map_err(err)?;
    root.draw(&Text::new(
        chart.title.as_str(),
        (s.px(20.0), s.px(12.0)),
        font(s, 21.0, &INK),
    ))
    .map_err(err)?;
    root.draw(&Text::new(
        chart.subtitle.as_str(),
        (s.px(20.0), s.px(40.0)),
        font(s, 13.0, &MUTED),
    ))
    .map_err(err)?;
    let rows = legend_rows(chart, f64::from(style::WIDTH) - 40.0);
    for (r, row) in rows.iter().enumerate() {
        let y = 70.0 + 22.0 * r as f64;
        let mut x = 20.0;
        for &i in row {
            let e = &chart.legend[i];
            let c = style::colour(e.colour);
            match e.mark {
                LegendMark::Line => {
                    root.draw(&Rectangle::new(
                        [(s.px(x), s.px(y - 8.0)), (s.px(x + 28.0), s.px(y + 8.0))],
                        c.mix(0.18).filled(),
                    ))
                    .map_err(err)?;
                    root.draw(&PathElement::new(
                        vec![(s.px(x), s.px(y)), (s.px(x + 28.0), s.px(y))],
                        c.stroke_width(s.upx(2.5)),
                    ))
                    .map_err(err)?;
                }
                LegendMark::Box => {
                    root.draw(&Rectangle::new(
                        [(s.px(x + 6.0), s.px(y - 7.0)), (s.px(x + 22.0), s.px(y + 7.0))],
                        c.filled(),
                    ))
                    .map_err(err)?;
                }
            }
            let label_style = font(s, 13.0, &INK).pos(Pos::new(HPos::Left, VPos::Center));
            root.draw(&Text::new(e.label.as_str(), (s.px(x + 34.0), s.px(y)), label_style))
                .map_err(err)?;
            x += 28.0 + 6.0 + 7.2 * e.label.chars().count() as f64 + 20.0;
        }
    }
    let header = 64.0 + 22.0 * rows.len() as f64;
    let (w, h) = root.dim_in_pixel();
    let foot = 10.0 + 17.0 * chart.footnotes.len() as f64;
    let (_, rest) = root.split_vertically(s.px(header));
    let body_h = (f64::from(h) - f64::from(s.px(header)) - f64::from(s.px(foot))).max(1.0) as i32;
    let (body, foot_area) = rest.split_vertically(body_h);
    for (i, note) in chart.footnotes.iter().enumerate() {
        foot_area
            .draw(&Text::new(
                note.as_str(),
                (s.px(20.0), s.px(4.0 + 17.0 * i as f64)),
                font(s, 11.5, &MUTED),
            ))
            .map_err(err)?;
    }
    let cols = chart.panel_cols();
    let prows = chart.panel_rows();
    let areas = body.split_evenly((prows, cols));
    let _ = w;
    for (panel, area) in chart.panels.iter().zip(areas.iter()) {
        draw_panel(area, panel, s)?;
    }
    Ok(())
}

/// The look every panel's mesh shares: label and axis-title fonts, grid on the major ticks only,
/// ink-coloured axes.
trait HouseStyle {
    /// Applies the house style and draws the mesh.
    fn draw_in_house_style(&mut self, s: Scale, label_pt: f64) -> Res;
}

impl<DB: DrawingBackend> HouseStyle for MeshStyle<'_, '_, RangedCoordf64, RangedCoordf64, DB> {
    fn draw_in_house_style(&mut self, s: Scale, label_pt: f64) -> Res {
        self.label_style(font(s, label_pt, &INK))
            .axis_desc_style(font(s, 12.0, &INK))
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(GRID.stroke_width(s.upx(1.0)))
            .axis_style(INK.stroke_width(s.upx(1.0)))
            .draw()
            .map_err(err)
    }
}

fn y_range(lo: f64, hi: f64, include_zero: bool) -> (f64, f64) {
    let (mut a, mut b) = (lo, hi);
    if include_zero {
        a = a.min(0.0);
        b = b.max(0.0);
    }
    if !(a.is_finite() && b.is_finite()) {
        return (0.0, 1.0);
    }
    if (b - a).abs() < 1e-9 {
        // A flat line: at zero (an empty queue) the axis runs 0 to 1, not −1 to 1.
        if a == 0.0 {
            return (0.0, 1.0);
        }
        let pad = a.abs() * 0.05;
        return (a - pad, b + pad);
    }
    let pad = 0.06 * (b - a);
    (if include_zero && a >= 0.0 { a } else { a - pad }, b + pad)
}

/// The label of an axis tick at `v` when it falls on an integer position `0..n` (`label` of
/// that position), else no label: the category and row charts put one label per position.
fn label_at(v: f64, n: usize, label: impl Fn(usize) -> String) -> String {
    let i = v.round();
    if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < n {
        label(i as usize)
    } else {
        String::new()
    }
}

/// A panel with one category per integer x position (bars) and its mesh drawn: category labels
/// under their bars, y numbers, axis titles.
fn category_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    panel: &Panel,
    categories: &[String],
    (y0, y1): (f64, f64),
    y_area: f64,
    label_pt: f64,
    s: Scale,
) -> Result<ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>, String> {
    let n = categories.len();
    let mut chart = ChartBuilder::on(area)
        .caption(panel.title.as_str(), font(s, 14.0, &INK))
        .margin(s.px(8.0))
        .margin_right(s.px(16.0))
        .x_label_area_size(s.px(44.0))
        .y_label_area_size(s.px(y_area))
        .build_cartesian_2d(-0.5..n as f64 - 0.5, y0..y1)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(panel.x_label.as_str())
        .y_desc(panel.y_label.as_str())
        .x_labels(n)
        .x_label_formatter(&|x| label_at(*x, n, |i| categories[i].clone()))
        .y_label_formatter(&|y| axis_number(*y))
        .disable_x_mesh()
        .draw_in_house_style(s, label_pt)?;
    Ok(chart)
}

/// A panel with one labelled row per integer y position (the first label at the top) and its
/// mesh drawn: row labels beside their rows, x numbers (`x_labels` of them, or plotters'
/// default), the x axis title.
#[allow(clippy::too_many_arguments)]
fn row_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    panel: &Panel,
    labels: &[String],
    (x0, x1): (f64, f64),
    x_labels: Option<usize>,
    y_area: f64,
    label_pt: f64,
    s: Scale,
) -> Result<ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>, String> {
    let n = labels.len();
    let mut chart = ChartBuilder::on(area)
        .caption(panel.title.as_str(), font(s, 14.0, &INK))
        .margin(s.px(8.0))
        .margin_right(s.px(20.0))
        .x_label_area_size(s.px(44.0))
        .y_label_area_size(s.px(y_area))
        .build_cartesian_2d(x0..x1, -0.5..n as f64 - 0.5)
        .map_err(err)?;
    let row_label = |y: &f64| label_at(*y, n, |i| labels[n - 1 - i].clone());
    let number = |x: &f64| axis_number(*x);
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(panel.x_label.as_str())
        .y_labels(n)
        .y_label_formatter(&row_label)
        .x_label_formatter(&number)
        .disable_y_mesh();
    if let Some(k) = x_labels {
        mesh.x_labels(k);
    }
    mesh.draw_in_house_style(s, label_pt)?;
    Ok(chart)
}

fn draw_panel<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, panel: &Panel, s: Scale) -> Res {
    match &panel.body {
        PanelBody::Time {
            lines,
            markers,
            zero_line,
        } => {
            let xs = lines.iter().flat_map(|l| l.points.iter().map(|p| p.0));
            let (x0, x1) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(x), b.max(x)));
            let (x0, x1) = if x0.is_finite() {
                (x0.floor(), x1.ceil())
            } else {
                (2016.0, 2027.0)
            };
            let vals = lines
                .iter()
                .flat_map(|l| l.points.iter().flat_map(|p| [p.1, p.2, p.3]))
                .filter(|v| v.is_finite());
            let (lo, hi) = vals.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
            let (y0, y1) = y_range(lo, hi, *zero_line);
            let years = (x1 - x0) as usize + 1;
            let mut chart = ChartBuilder::on(area)
                .caption(panel.title.as_str(), font(s, 14.0, &INK))
                .margin(s.px(8.0))
                .margin_right(s.px(16.0))
                .x_label_area_size(s.px(40.0))
                .y_label_area_size(s.px(70.0))
                .build_cartesian_2d(x0..x1, y0..y1)
                .map_err(err)?;
            chart
                .configure_mesh()
                .x_desc(panel.x_label.as_str())
                .y_desc(panel.y_label.as_str())
                .x_labels(years.min(7))
                .x_label_formatter(&|x| {
                    if (x - x.round()).abs() < 1e-6 {
                        format!("{x:.0}")
                    } else {
                        String::new()
                    }
                })
                .y_label_formatter(&|y| axis_number(*y))
                .draw_in_house_style(s, 11.5)?;
            for (k, (x, tag)) in markers.iter().enumerate() {
                if *x < x0 || *x > x1 {
                    continue;
                }
                // Alternate tags between two heights so neighbouring dates stay legible.
                let dy = if k % 2 == 0 { 2.0 } else { 15.0 };
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(*x, y0), (*x, y1)],
                        MUTED.mix(0.7).stroke_width(s.upx(1.0)),
                    )))
                    .map_err(err)?;
                chart
                    .draw_series(std::iter::once(
                        EmptyElement::at((*x, y1))
                            + Text::new(tag.clone(), (s.px(3.0), s.px(dy)), font(s, 11.0, &MUTED)),
                    ))
                    .map_err(err)?;
            }
            if *zero_line && y0 < 0.0 && y1 > 0.0 {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(x0, 0.0), (x1, 0.0)],
                        INK.stroke_width(s.upx(1.0)),
                    )))
                    .map_err(err)?;
            }
            // Every ribbon first, then every line, so no ribbon hides a line.
            for line in lines {
                let c = style::colour(line.colour);
                let pts: Vec<&(f64, f64, f64, f64)> = line
                    .points
                    .iter()
                    .filter(|p| p.1.is_finite() && p.2.is_finite() && p.3.is_finite())
                    .collect();
                let ribbon: Vec<(f64, f64)> = pts
                    .iter()
                    .map(|p| (p.0, p.3))
                    .chain(pts.iter().rev().map(|p| (p.0, p.2)))
                    .collect();
                if ribbon.len() >= 4 {
                    chart
                        .draw_series(std::iter::once(Polygon::new(ribbon, c.mix(0.13).filled())))
                        .map_err(err)?;
                }
            }
            for line in lines {
                let c = style::colour(line.colour);
                let pts: Vec<&(f64, f64, f64, f64)> = line.points.iter().filter(|p| p.1.is_finite()).collect();
                chart
                    .draw_series(LineSeries::new(
                        pts.iter().map(|p| (p.0, p.1)),
                        c.stroke_width(s.upx(2.0)),
                    ))
                    .map_err(err)?;
                if pts.len() <= 14 {
                    chart
                        .draw_series(pts.iter().map(|p| Circle::new((p.0, p.1), s.upx(2.5), c.filled())))
                        .map_err(err)?;
                }
            }
        }
        PanelBody::Scatter { points, rays } => {
            let finite = points.iter().filter(|p| p.0.is_finite() && p.1.is_finite());
            let (mut x0, mut x1, mut lo, mut hi) = (0.0_f64, 0.0_f64, 0.0_f64, 0.0_f64);
            for p in finite.clone() {
                x0 = x0.min(p.0);
                x1 = x1.max(p.0);
                lo = lo.min(p.1);
                hi = hi.max(p.1);
            }
            let (x0, x1) = y_range(x0, x1, true);
            let (y0, y1) = y_range(lo, hi, true);
            let mut chart = ChartBuilder::on(area)
                .caption(panel.title.as_str(), font(s, 14.0, &INK))
                .margin(s.px(8.0))
                .margin_right(s.px(16.0))
                .x_label_area_size(s.px(40.0))
                .y_label_area_size(s.px(70.0))
                .build_cartesian_2d(x0..x1, y0..y1)
                .map_err(err)?;
            chart
                .configure_mesh()
                .x_desc(panel.x_label.as_str())
                .y_desc(panel.y_label.as_str())
                .x_labels(7)
                .x_label_formatter(&|x| axis_number(*x))
                .y_label_formatter(&|y| axis_number(*y))
                .draw_in_house_style(s, 11.5)?;
            for line in [vec![(x0, 0.0), (x1, 0.0)], vec![(0.0, y0), (0.0, y1)]] {
                chart
                    .draw_series(std::iter::once(PathElement::new(line, INK.stroke_width(s.upx(1.0)))))
                    .map_err(err)?;
            }
            for p in finite {
                chart
                    .draw_series(std::iter::once(Circle::new(
                        (p.0, p.1),
                        s.upx(2.0),
                        style::colour(p.2).mix(0.45).filled(),
                    )))
                    .map_err(err)?;
            }
            for (slope, tag) in rays {
                // The part of y = slope × x inside the panel.
                let (mut a, mut b) = (x0, x1);
                if *slope > 0.0 {
                    a = a.max(y0 / slope);
                    b = b.min(y1 / slope);
                } else if *slope < 0.0 {
                    a = a.max(y1 / slope);
                    b = b.min(y0 / slope);
                }
                if a < b {
                    chart
                        .draw_series(std::iter::once(PathElement::new(
                            vec![(a, slope * a), (b, slope * b)],
                            MUTED.stroke_width(s.upx(1.5)),
                        )))
                        .map_err(err)?;
                    chart
                        .draw_series(std::iter::once(
                            EmptyElement::at((b, slope * b))
                                + Text::new(tag.clone(), (s.px(-40.0), s.px(2.0)), font(s, 11.0, &MUTED)),
                        ))
                        .map_err(err)?;
                }
            }
        }
        PanelBody::Bars { categories, series } => {
            let n = categories.len();
            let vals = series
                .iter()
                .flat_map(|b| b.values.iter().flat_map(|v| [v.0, v.1, v.2]))
                .filter(|v| v.is_finite());
            let (lo, hi) = vals.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
            let (y0, y1) = y_range(lo, hi, true);
            let mut chart = category_chart(area, panel, categories, (y0, y1), 70.0, 11.5, s)?;
            let m = series.len().max(1) as f64;
            let w = 0.8 / m;
            for (k, b) in series.iter().enumerate() {
                let c = style::colour(b.colour);
                for (i, v) in b.values.iter().enumerate() {
                    if !v.0.is_finite() {
                        continue;
                    }
                    let left = i as f64 - 0.4 + k as f64 * w;
                    let (a, bb) = (left + 0.08 * w, left + 0.92 * w);
                    chart
                        .draw_series(std::iter::once(Rectangle::new([(a, 0.0), (bb, v.0)], c.filled())))
                        .map_err(err)?;
                    if v.1.is_finite() && v.2.is_finite() {
                        let mid = (a + bb) / 2.0;
                        let cap = 0.25 * (bb - a);
                        let whisker = INK.stroke_width(s.upx(1.5));
                        chart
                            .draw_series([
                                PathElement::new(vec![(mid, v.1), (mid, v.2)], whisker),
                                PathElement::new(vec![(mid - cap, v.1), (mid + cap, v.1)], whisker),
                                PathElement::new(vec![(mid - cap, v.2), (mid + cap, v.2)], whisker),
                            ])
                            .map_err(err)?;
                    }
                }
            }
            if y0 < 0.0 {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(-0.5, 0.0), (n as f64 - 0.5, 0.0)],
                        INK.stroke_width(s.upx(1.0)),
                    )))
                    .map_err(err)?;
            }
        }
        PanelBody::Stacked { categories, layers } => {
            let n = categories.len();
            let mut top = vec![0.0f64; n];
            for l in layers {
                for (t, v) in top.iter_mut().zip(&l.values) {
                    if v.is_finite() {
                        *t += v.max(0.0);
                    }
                }
            }
            let ymax = top.iter().copied().fold(0.0, f64::max);
            let (y0, y1) = y_range(0.0, ymax, true);
            let mut chart = category_chart(area, panel, categories, (y0, y1), 60.0, 10.5, s)?;
            let mut base = vec![0.0f64; n];
            for l in layers {
                let c = style::colour(l.colour);
                for (i, v) in l.values.iter().enumerate() {
                    if !v.is_finite() || *v <= 0.0 {
                        continue;
                    }
                    let (a, b) = (i as f64 - 0.38, i as f64 + 0.38);
                    chart
                        .draw_series(std::iter::once(Rectangle::new(
                            [(a, base[i]), (b, base[i] + v)],
                            c.filled(),
                        )))
                        .map_err(err)?;
                    base[i] += v;
                }
            }
        }
        PanelBody::Targets { rows } => {
            let n = rows.len();
            let xs = rows
                .iter()
                .flat_map(|r| [r.observed, r.sim.0, r.sim.1, r.sim.2])
                .filter(|v| v.is_finite());
            let (lo, hi) = xs.fold((-0.5f64, 1.5f64), |(a, b), v| (a.min(v), b.max(v)));
            let (x0, x1) = (lo.max(-6.0) - 0.3, hi.min(7.0) + 0.3);
            let labels: Vec<String> = rows.iter().map(|r| r.label.clone()).collect();
            let mut chart = row_chart(area, panel, &labels, (x0, x1), None, 330.0, 11.5, s)?;
            let clamp = |v: f64| v.clamp(x0 + 0.1, x1 - 0.1);
            for (k, r) in rows.iter().enumerate() {
                let y = (n - 1 - k) as f64;
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(0.0, y - 0.32), (1.0, y + 0.32)],
                        BAND.filled(),
                    )))
                    .map_err(err)?;
                let c = if r.pass { style::colour(0) } else { style::colour(1) };
                if r.sim.1.is_finite() && r.sim.2.is_finite() {
                    chart
                        .draw_series(std::iter::once(PathElement::new(
                            vec![(clamp(r.sim.1), y), (clamp(r.sim.2), y)],
                            c.stroke_width(s.upx(2.0)),
                        )))
                        .map_err(err)?;
                }
                if r.observed.is_finite() {
                    chart
                        .draw_series(std::iter::once(Cross::new(
                            (clamp(r.observed), y),
                            s.upx(5.0),
                            INK.stroke_width(s.upx(2.0)),
                        )))
                        .map_err(err)?;
                }
                if r.sim.0.is_finite() {
                    chart
                        .draw_series(std::iter::once(Circle::new(
                            (clamp(r.sim.0), y),
                            s.upx(5.0),
                            c.filled(),
                        )))
                        .map_err(err)?;
                }
            }
        }
        PanelBody::Waterfall { rows } => {
            let n = rows.len();
            let xs = rows
                .iter()
                .flat_map(|r| [r.from, r.to, r.interval.0, r.interval.1])
                .filter(|v| v.is_finite());
            let (lo, hi) = xs.fold((0.0f64, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
            let (x0, x1) = y_range(lo, hi, true);
            let labels: Vec<String> = rows.iter().map(|r| r.label.clone()).collect();
            let mut chart = row_chart(area, panel, &labels, (x0, x1), Some(6), 205.0, 10.5, s)?;
            if x0 < 0.0 && x1 > 0.0 {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(0.0, -0.5), (0.0, n as f64 - 0.5)],
                        INK.stroke_width(s.upx(1.0)),
                    )))
                    .map_err(err)?;
            }
            let mut previous: Option<(f64, f64)> = None;
            for (k, r) in rows.iter().enumerate() {
                let y = (n - 1 - k) as f64;
                if let (true, Some((end, py))) = (r.connect, previous) {
                    if end.is_finite() {
                        chart
                            .draw_series(std::iter::once(PathElement::new(
                                vec![(end, py - 0.3), (r.from, y + 0.3)],
                                MUTED.stroke_width(s.upx(1.0)),
                            )))
                            .map_err(err)?;
                    }
                }
                if r.from.is_finite() && r.to.is_finite() {
                    chart
                        .draw_series(std::iter::once(Rectangle::new(
                            [(r.from, y - 0.3), (r.to, y + 0.3)],
                            style::colour(r.colour).filled(),
                        )))
                        .map_err(err)?;
                    previous = Some((r.to, y));
                } else {
                    previous = None;
                }
                let (a, b) = r.interval;
                if a.is_finite() && b.is_finite() {
                    let whisker = INK.stroke_width(s.upx(1.5));
                    chart
                        .draw_series([
                            PathElement::new(vec![(a, y), (b, y)], whisker),
                            PathElement::new(vec![(a, y - 0.12), (a, y + 0.12)], whisker),
                            PathElement::new(vec![(b, y - 0.12), (b, y + 0.12)], whisker),
                        ])
                        .map_err(err)?;
                }
            }
        }
    }
    Ok(())
}
