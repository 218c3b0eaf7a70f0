//! Look and feel shared by every chart: the embedded font, the colour-blind-safe palette and
//! the sizes, scaled for the PNG (2×) and SVG (1×) renderings.

use plotters::style::{FontStyle, RGBColor};
use std::sync::Once;

/// DejaVu Sans (Bitstream Vera licence, see `assets/fonts/DejaVu-LICENSE.txt`), embedded so
/// charts render the same on a bare machine with no system fonts.
static FONT: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

/// Font family name every chart uses.
pub const FAMILY: &str = "sans-serif";

/// Registers the embedded font with plotters (once per process).
pub fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The embedded bytes are a valid TrueType font (checked by a test); plotters cannot
        // reject them, and if it did every later text draw would report the error.
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT);
    });
}

/// Okabe–Ito palette (Okabe & Ito 2008), distinguishable with the common colour-vision
/// deficiencies; yellow last because it is faint on white.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(230, 159, 0),   // orange
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(0, 0, 0),       // black
    RGBColor(240, 228, 66),  // yellow
];

/// Colour of series `i` (the palette repeats after eight).
pub fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Dark grey for text and axes.
pub const INK: RGBColor = RGBColor(34, 34, 34);
/// Mid grey for notes and milestone lines.
pub const MUTED: RGBColor = RGBColor(110, 110, 110);
/// Light grey for grid lines.
pub const GRID: RGBColor = RGBColor(228, 228, 228);
/// Light green for an accepted band.
pub const BAND: RGBColor = RGBColor(200, 230, 201);

/// Logical chart width (SVG pixels).
pub const WIDTH: u32 = 1000;

/// Sizes at a rendering scale (1 for SVG, 2 for PNG).
#[derive(Debug, Clone, Copy)]
pub struct Scale(pub f64);

impl Scale {
    /// `px` logical pixels at this scale.
    pub fn px(self, px: f64) -> i32 {
        (px * self.0).round() as i32
    }
    /// `px` logical pixels as an unsigned size.
    pub fn upx(self, px: f64) -> u32 {
        (px * self.0).round().max(1.0) as u32
    }
    /// A font size.
    pub fn font(self, pt: f64) -> f64 {
        pt * self.0
    }
}
